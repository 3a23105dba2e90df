//! Subcommands.

pub mod assets;
pub mod baidu;
pub mod connect;
pub mod connection;
pub mod demo;
pub mod doctor;
pub mod posture;
pub mod runs;
pub mod serve;
pub mod sim;
pub mod status;
pub mod sync;
pub mod verify;

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_core::{
    AccessKey, CollectOptions, ErrorKind, ProductAccess, ProviderContext, Region,
    VerificationReport,
};
use vigil_store::Connection;

use crate::output::{self, Table};
use crate::{Ctx, OutputFormat};

/// Parse `--endpoint-override`.
pub fn parse_override(value: Option<&str>) -> Result<Option<SocketAddr>> {
    value
        .map(|v| {
            v.parse::<SocketAddr>().with_context(|| {
                format!(
                    "invalid --endpoint-override {v:?}: expected IP:PORT such as 127.0.0.1:8080"
                )
            })
        })
        .transpose()
}

/// The provider context for a stored connection.
pub fn context_for(
    connection: &Connection,
    key: AccessKey,
    options: CollectOptions,
) -> Result<ProviderContext> {
    let addr = parse_override(connection.endpoint_override.as_deref())?;
    Ok(ProviderContext::new(connection.name.clone(), key)
        .with_endpoint_override(addr)
        .with_options(options))
}

/// Explain a credential failure: which key, which error, what to do.
pub fn explain_credential_error(
    e: &vigil_core::Error,
    key_hint: &str,
    env_ak: &str,
    env_sk: &str,
) -> String {
    let what = match e.kind() {
        ErrorKind::InvalidCredentials | ErrorKind::CredentialsDisabled => format!(
            "the access key {key_hint} is unknown to the cloud or disabled. Check the key id in {env_ak}, \
             and in the console (IAM → Users → the user → Access keys) that the key exists and is enabled"
        ),
        ErrorKind::SignatureMismatch => format!(
            "the secret key does not match access key {key_hint}. Check {env_sk} (no extra spaces or newline), \
             or create a new key pair in the console"
        ),
        ErrorKind::RequestExpired => "the cloud rejected the request time: this machine's clock is probably wrong. \
             Synchronise it (e.g. `timedatectl set-ntp true`) and retry"
            .to_string(),
        ErrorKind::Network | ErrorKind::Timeout => "the cloud could not be reached. Check network access \
             to *.baidubce.com (or the --endpoint-override address) and retry"
            .to_string(),
        _ => "verification failed".to_string(),
    };
    format!("{what}.\n  cause: {e}")
}

/// Print a verification report.
pub fn print_report(ctx: &Ctx, connection: &str, report: &VerificationReport) -> Result<()> {
    if ctx.output == OutputFormat::Json {
        return output::json(
            &serde_json::json!({ "connection": connection, "verification": report }),
        );
    }
    println!(
        "Connection {connection}: key {} authenticates.",
        report.key_hint
    );
    match (&report.identity.user_name, report.identity.is_primary_account_key) {
        (Some(user), _) => println!("  IAM user: {user}; attached policies: {}", if report.identity.attached_policies.is_empty() { "-".to_string() } else { report.identity.attached_policies.join(", ") }),
        (None, Some(true)) => println!("  warning: this key belongs to the primary account, not an IAM sub-user. Create a dedicated read-only IAM user for Vigil."),
        _ => println!("  IAM user: unknown (the key cannot read IAM; attach IAMReadAccessPolicy to let Vigil check its policies)"),
    }
    println!("  regions: {}", region_list(&report.regions));
    let mut table = Table::new(&["PRODUCT", "ACCESS", "DETAIL"]);
    for p in &report.products {
        let (status, detail) = match &p.access {
            ProductAccess::Authorized { evidence } => ("authorized", evidence.clone()),
            ProductAccess::Denied { fix, .. } => ("DENIED", fix.clone()),
            ProductAccess::Unknown { reason } => ("unknown", reason.clone()),
        };
        table.row(vec![p.product.to_string(), status.to_string(), detail]);
    }
    table.print();
    Ok(())
}

/// Comma-separated region ids.
pub fn region_list(regions: &[Region]) -> String {
    regions
        .iter()
        .map(Region::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Results of a command that works on several connections: printed as it goes for people,
/// gathered into one JSON array for machines; any failure makes the exit status partial.
pub struct PerConnection<'a> {
    ctx: &'a Ctx,
    json: Vec<serde_json::Value>,
    failed: bool,
}

impl<'a> PerConnection<'a> {
    /// Start collecting.
    pub fn new(ctx: &'a Ctx) -> Self {
        PerConnection {
            ctx,
            json: Vec::new(),
            failed: false,
        }
    }

    /// A connection that was processed; `failed` if part of it did not succeed.
    pub fn done<T: serde::Serialize>(
        &mut self,
        connection: &str,
        field: &str,
        value: &T,
        failed: bool,
        print: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.failed |= failed;
        if self.ctx.output == OutputFormat::Json {
            self.json
                .push(serde_json::json!({ "connection": connection, "ok": true, field: value }));
            Ok(())
        } else {
            print()
        }
    }

    /// Like [`PerConnection::done`], with several JSON fields.
    pub fn done_fields(
        &mut self,
        connection: &str,
        fields: serde_json::Map<String, serde_json::Value>,
        failed: bool,
        print: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.failed |= failed;
        if self.ctx.output == OutputFormat::Json {
            let mut entry = serde_json::Map::new();
            entry.insert("connection".into(), connection.into());
            entry.insert("ok".into(), true.into());
            entry.extend(fields);
            self.json.push(serde_json::Value::Object(entry));
            Ok(())
        } else {
            print()
        }
    }

    /// A connection left out on purpose (e.g. its cspm module is off); `failed` when the
    /// user asked for it by name.
    pub fn skipped(&mut self, connection: &str, reason: &str, failed: bool) {
        self.failed |= failed;
        if self.ctx.output == OutputFormat::Json {
            self.json.push(serde_json::json!({
                "connection": connection, "ok": !failed, "skipped": reason
            }));
        } else {
            eprintln!("Connection {connection}: skipped: {reason}");
        }
    }

    /// A connection that could not be processed at all.
    pub fn error(&mut self, connection: &str, what: &str, message: &str) {
        self.failed = true;
        if self.ctx.output == OutputFormat::Json {
            self.json.push(
                serde_json::json!({ "connection": connection, "ok": false, "error": message }),
            );
        } else {
            eprintln!("Connection {connection}: {what}{message}");
        }
    }

    /// Print the JSON (if any) and give this exit status.
    pub fn finish_with(self, code: ExitCode) -> Result<ExitCode> {
        if self.ctx.output == OutputFormat::Json {
            output::json(&self.json)?;
        }
        Ok(code)
    }

    /// Print the JSON (if any) and give the exit status.
    pub fn finish(self) -> Result<ExitCode> {
        if self.ctx.output == OutputFormat::Json {
            output::json(&self.json)?;
        }
        Ok(if self.failed {
            ExitCode::from(crate::EXIT_PARTIAL)
        } else {
            ExitCode::SUCCESS
        })
    }
}

/// Wait for Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One log line on stderr: time, then the message. Never pass secrets.
pub fn log_line(message: impl std::fmt::Display) {
    eprintln!("{} {message}", vigil_store::now());
}
