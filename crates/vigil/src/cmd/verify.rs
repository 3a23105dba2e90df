//! `vigil verify`: re-check a connection's key and permissions.

use std::process::ExitCode;

use anyhow::Result;
use vigil_core::{registry, CollectOptions, ProviderContext, Region, VerificationReport};

use super::{context_for, explain_credential_error, print_report, PerConnection};
use crate::policy::{self, RegionDiscovery};
use crate::sites::Located;
use crate::{secrets, Ctx};

/// Arguments of `vigil verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this connection (default: all, in both sites).
    #[arg(long)]
    pub connection: Option<String>,
}

/// Why a key check failed, as recorded with the key status (no secrets: kind, message, code,
/// request id).
///
/// BCE answers an unknown key and a disabled one alike (`InvalidAccessKeyId`), but Vigil knows
/// more than the cloud says: a key that was valid at its last check existed then, so it has
/// been disabled or deleted since. The reason says so, which is what the user needs to act.
pub fn key_failure_reason(e: &vigil_core::Error, connection: &vigil_store::Connection) -> String {
    let history = key_history_note(e, connection)
        .map(|note| format!("{note}; "))
        .unwrap_or_default();
    format!("{history}{}: {e}", e.kind())
}

/// "the key was valid at T and is no longer accepted ..." when the cloud refuses a key id that
/// Vigil saw authenticate before.
pub fn key_history_note(
    e: &vigil_core::Error,
    connection: &vigil_store::Connection,
) -> Option<String> {
    if e.kind() != vigil_core::ErrorKind::InvalidCredentials
        || connection.key_status.as_deref() != Some("valid")
    {
        return None;
    }
    let when = connection
        .last_key_check_at
        .as_deref()
        .or(connection.last_verified_at.as_deref())
        .unwrap_or("its last check");
    Some(format!(
        "the key was valid at {when} and is no longer accepted, so it has been disabled or \
         deleted since (re-enable it in IAM → Users → the user → Access keys, or connect a new key)"
    ))
}

/// A verified key: the report and what region discovery found.
#[derive(Debug)]
pub struct Verified {
    /// The report.
    pub report: VerificationReport,
    /// Regions seen for the first time.
    pub regions: RegionDiscovery,
}

/// Verify one stored connection and record the result: the verification, the key status
/// (a credential failure marks the key invalid, with why) and the regions describeRegions
/// returned (applying region management). `Ok(Err(message))` is a verification failure
/// (bad key, network), already recorded; `Err` is a local problem. `loc.connection` is
/// refreshed.
pub async fn verify_connection(
    loc: &mut Located,
    options: CollectOptions,
) -> Result<(ProviderContext, Result<Verified, String>)> {
    let provider =
        registry::find_provider(&loc.connection.provider).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = secrets::load(&loc.path, &loc.connection.name)?;
    let key_hint = vigil_core::Credential::key_hint(&key);
    let cx = context_for(&loc.connection, key, options)?;
    let verifier = (provider.verifier)(&cx).map_err(|e| anyhow::anyhow!("{e}"))?;
    let probe = loc
        .connection
        .policy
        .regions
        .iter()
        .find(|r| r.as_str() != "all")
        .map(String::as_str)
        .unwrap_or(provider.home_region);
    let probe = Region::new(probe).map_err(|e| anyhow::anyhow!("{e}"))?;
    let products = registry::provider_products(provider.id);
    let store = loc.store.clone();
    let id = loc.connection.id;
    match verifier.verify(&products, &probe).await {
        Ok(report) => {
            let regions = policy::discover_regions(&store, &mut loc.connection, &report.regions)?;
            let doc =
                policy::verification_doc(serde_json::to_value(&report)?, &regions.all_newly_seen);
            store.record_verification(id, "valid", &doc)?;
            store.record_key_check(id, Ok(()))?;
            loc.reload()?;
            Ok((cx, Ok(Verified { report, regions })))
        }
        Err(e) => {
            let explanation = explain_credential_error(
                &e,
                &key_hint,
                provider.env_access_key,
                provider.env_secret_key,
            );
            let message = match key_history_note(&e, &loc.connection) {
                Some(note) => format!("{note}.\n{explanation}"),
                None => explanation,
            };
            if e.kind().is_credential_failure() {
                let doc = policy::verification_doc(
                    serde_json::json!({ "error": e.to_string(), "error_kind": e.kind(), "code": e.code() }),
                    &policy::newly_seen_regions(&loc.connection),
                );
                store.record_verification(id, "invalid", &doc)?;
                store.record_key_check(id, Err(&key_failure_reason(&e, &loc.connection)))?;
                loc.reload()?;
            }
            Ok((cx, Err(message)))
        }
    }
}

/// `vigil verify`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut results = PerConnection::new(ctx);
    for mut loc in ctx.sites.pick(args.connection.as_deref())? {
        let (_, result) = verify_connection(&mut loc, CollectOptions::default()).await?;
        let name = loc.connection.name.clone();
        match result {
            Ok(verified) => {
                let report = verified.report;
                let denied = report.products.iter().any(|p| !p.access.is_authorized());
                results.done(&name, "verification", &report, denied, || {
                    print_report(ctx, &name, &report)?;
                    if !verified.regions.newly_seen.is_empty() {
                        super::sync::print_new_regions(&name, &verified.regions);
                    }
                    Ok(())
                })?;
            }
            Err(message) => results.error(&name, "", &message),
        }
    }
    results.finish()
}
