//! `vigil connect`: verify a key, then save the connection.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use vigil_core::{registry, AccessKey, CollectOptions, ProviderContext, Region};
use vigil_store::NewConnection;

use super::{explain_credential_error, open_store, parse_override, print_report, region_list};
use crate::{output, secrets, Ctx, OutputFormat};

/// Arguments of `vigil connect`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The secret key is never taken on the command line. Vigil reads it from \
BAIDUCLOUD_SECRET_KEY, from standard input with --secret-stdin, or asks for it (hidden) on a \
terminal. The access key id comes from --access-key-id or BAIDUCLOUD_ACCESS_KEY.\n\n\
Examples:\n  \
BAIDUCLOUD_ACCESS_KEY=... BAIDUCLOUD_SECRET_KEY=... vigil connect baidu --name prod --regions bj,gz\n  \
pass show baidu/vigil | vigil connect baidu --name prod --access-key-id AK --secret-stdin\n  \
vigil connect baidu --name sim --endpoint-override 127.0.0.1:8080   # talk to `vigil sim`"
)]
pub struct Args {
    /// The cloud provider (today: baidu).
    #[arg(value_name = "PROVIDER")]
    pub provider: String,
    /// A name for this connection: letters, digits, '-' and '_'.
    #[arg(long)]
    pub name: String,
    /// Regions to collect: a comma-separated list such as bj,gz, or `all` (every region the
    /// account can use, found with describeRegions at each sync).
    #[arg(long, default_value = "all", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Send every request to this IP:PORT instead of the real endpoints, keeping real Host
    /// names and signatures (for the simulator or an intercepting proxy).
    #[arg(long, value_name = "IP:PORT")]
    pub endpoint_override: Option<String>,
    /// The access key id (default: from BAIDUCLOUD_ACCESS_KEY).
    #[arg(long, value_name = "AK")]
    pub access_key_id: Option<String>,
    /// Read the secret key from the first line of standard input.
    #[arg(long)]
    pub secret_stdin: bool,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn read_secret(args: &Args, env_sk: &str) -> Result<String> {
    if args.secret_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the secret key from standard input")?;
        let secret = line.trim().to_string();
        if secret.is_empty() {
            bail!("--secret-stdin was given but standard input was empty");
        }
        return Ok(secret);
    }
    if let Some(secret) = env_var(env_sk) {
        return Ok(secret);
    }
    if std::io::stdin().is_terminal() {
        let secret = rpassword::prompt_password("Secret access key (input hidden): ")
            .context("cannot read the secret key from the terminal")?;
        let secret = secret.trim().to_string();
        if secret.is_empty() {
            bail!("no secret key was entered");
        }
        return Ok(secret);
    }
    bail!("no secret key: set {env_sk}, pass --secret-stdin and pipe it in, or run on a terminal to be asked for it")
}

/// Parse a region selection: `all` or validated ids.
pub fn parse_regions(values: &[String]) -> Result<Vec<String>> {
    let values: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() || values.iter().any(|v| v == "all") {
        if values.len() > 1 {
            bail!("--regions takes either `all` or a list of region ids, not both");
        }
        return Ok(vec!["all".to_string()]);
    }
    let mut out = Vec::new();
    for v in values {
        Region::new(&v).map_err(|e| anyhow::anyhow!("{e}"))?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Verify `key` and, if it authenticates and the regions exist, save the connection and its
/// secret. Shared by `connect` and `demo`.
pub async fn connect_key(
    ctx: &Ctx,
    provider: &'static vigil_core::ProviderDescriptor,
    name: &str,
    key: AccessKey,
    regions: Vec<String>,
    endpoint_override: Option<std::net::SocketAddr>,
) -> Result<(
    vigil_store::Connection,
    vigil_core::VerificationReport,
    std::path::PathBuf,
)> {
    let cx = ProviderContext::new(name.to_string(), key.clone())
        .with_endpoint_override(endpoint_override)
        .with_options(CollectOptions::default());
    let products = registry::provider_products(provider.id);
    let verifier = (provider.verifier)(&cx).map_err(|e| anyhow::anyhow!("{e}"))?;
    let probe_region = Region::new(
        regions
            .iter()
            .find(|r| r.as_str() != "all")
            .map(String::as_str)
            .unwrap_or(provider.home_region),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let key_hint = vigil_core::Credential::key_hint(&key);
    let report = verifier
        .verify(&products, &probe_region)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot verify the key for connection {:?}: {}",
                name,
                explain_credential_error(
                    &e,
                    &key_hint,
                    provider.env_access_key,
                    provider.env_secret_key
                )
            )
        })?;
    let unknown: Vec<&String> = regions
        .iter()
        .filter(|r| r.as_str() != "all" && !report.regions.iter().any(|x| x.as_str() == r.as_str()))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "region(s) {} are not available to this account; available regions: {}",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            region_list(&report.regions)
        );
    }

    let store = open_store(ctx)?;
    let secret_path = secrets::save(&ctx.db, name, &key)?;
    let connection = store.upsert_connection(&NewConnection {
        name: name.to_string(),
        provider: provider.id.to_string(),
        account_id: report.identity.account_id.clone(),
        access_key_id: key.access_key_id.clone(),
        regions,
        endpoint_override: endpoint_override.map(|a| a.to_string()),
    })?;
    store.record_verification(connection.id, "valid", &serde_json::to_string(&report)?)?;

    Ok((connection, report, secret_path))
}

/// `vigil connect`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    secrets::validate_connection_name(&args.name)?;
    let provider = registry::find_provider(&args.provider).map_err(|e| anyhow::anyhow!("{e}"))?;
    let regions = parse_regions(&args.regions)?;
    let endpoint_override = parse_override(args.endpoint_override.as_deref())?;
    let access_key_id = match args
        .access_key_id
        .clone()
        .or_else(|| env_var(provider.env_access_key))
    {
        Some(ak) => ak,
        None => bail!(
            "no access key id: set {} or pass --access-key-id",
            provider.env_access_key
        ),
    };
    let secret = read_secret(&args, provider.env_secret_key)?;
    let key = AccessKey::new(access_key_id, secret);
    let (connection, report, secret_path) =
        connect_key(ctx, provider, &args.name, key, regions, endpoint_override).await?;
    if ctx.output == OutputFormat::Json {
        output::json(&serde_json::json!({
            "connection": connection.name,
            "saved": true,
            "verification": report,
        }))?;
    } else {
        print_report(ctx, &connection.name, &report)?;
        println!(
            "Saved connection {} (regions: {}; secret in {}). Next: vigil sync --connection {}",
            connection.name,
            connection.regions.join(","),
            secret_path.display(),
            connection.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_selection() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_regions(&s(&["all"])).unwrap(), s(&["all"]));
        assert_eq!(parse_regions(&s(&[])).unwrap(), s(&["all"]));
        assert_eq!(
            parse_regions(&s(&["bj", " GZ ", "bj"])).unwrap(),
            s(&["bj", "gz"])
        );
        assert!(parse_regions(&s(&["all", "bj"])).is_err());
        let err = parse_regions(&s(&["bj.evil"])).unwrap_err().to_string();
        assert!(err.contains("bj.evil"), "{err}");
    }
}
