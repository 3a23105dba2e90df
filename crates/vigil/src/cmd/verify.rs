//! `vigil verify`: re-check a connection's key and permissions.

use std::process::ExitCode;

use anyhow::Result;
use vigil_core::{registry, CollectOptions, ProviderContext, Region, VerificationReport};
use vigil_store::{Connection, Store};

use super::{
    context_for, explain_credential_error, open_store, pick_connections, print_report,
    PerConnection,
};
use crate::{secrets, Ctx};

/// Arguments of `vigil verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this connection (default: all).
    #[arg(long)]
    pub connection: Option<String>,
}

/// Verify one stored connection and record the result. `Ok(Err(message))` is a verification
/// failure (bad key, network), already recorded; `Err` is a local problem.
pub async fn verify_connection(
    ctx: &Ctx,
    store: &Store,
    connection: &Connection,
    options: CollectOptions,
) -> Result<(ProviderContext, Result<VerificationReport, String>)> {
    let provider =
        registry::find_provider(&connection.provider).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = secrets::load(&ctx.db, &connection.name)?;
    let key_hint = vigil_core::Credential::key_hint(&key);
    let cx = context_for(connection, key, options)?;
    let verifier = (provider.verifier)(&cx).map_err(|e| anyhow::anyhow!("{e}"))?;
    let probe = connection
        .regions
        .iter()
        .find(|r| r.as_str() != "all")
        .map(String::as_str)
        .unwrap_or(provider.home_region);
    let probe = Region::new(probe).map_err(|e| anyhow::anyhow!("{e}"))?;
    let products = registry::provider_products(provider.id);
    match verifier.verify(&products, &probe).await {
        Ok(report) => {
            store.record_verification(connection.id, "valid", &serde_json::to_string(&report)?)?;
            Ok((cx, Ok(report)))
        }
        Err(e) => {
            let message = explain_credential_error(
                &e,
                &key_hint,
                provider.env_access_key,
                provider.env_secret_key,
            );
            if e.kind().is_credential_failure() {
                let json = serde_json::json!({ "error": e.to_string(), "error_kind": e.kind(), "code": e.code() });
                store.record_verification(connection.id, "invalid", &json.to_string())?;
            }
            Ok((cx, Err(message)))
        }
    }
}

/// `vigil verify`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = open_store(ctx)?;
    let mut results = PerConnection::new(ctx);
    for connection in pick_connections(&store, args.connection.as_deref())? {
        let (_, result) =
            verify_connection(ctx, &store, &connection, CollectOptions::default()).await?;
        match result {
            Ok(report) => {
                let denied = report.products.iter().any(|p| !p.access.is_authorized());
                results.done(&connection.name, "verification", &report, denied, || {
                    print_report(ctx, &connection.name, &report)
                })?;
            }
            Err(message) => results.error(&connection.name, "", &message),
        }
    }
    results.finish()
}
