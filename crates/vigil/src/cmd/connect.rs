//! `vigil connect`: verify a key, then save the connection.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use vigil_core::{registry, AccessKey, CollectOptions, ProviderContext, Region};
use vigil_store::{NewConnection, SyncPolicy};

use super::{explain_credential_error, parse_override, print_report, region_list};
use crate::policy::{self, OnOff};
use crate::sites::{Located, Site};
use crate::{output, secrets, Ctx, OutputFormat};

/// Arguments of `vigil connect`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The secret key is never taken on the command line. Vigil reads it from \
BAIDUCLOUD_SECRET_KEY, from standard input with --secret-stdin, or asks for it (hidden) on a \
terminal. The access key id comes from --access-key-id or BAIDUCLOUD_ACCESS_KEY.\n\n\
Connecting again with the same name replaces the key and changes only the policy options given; \
the others keep their values (defaults for a new connection: every region with region management \
on, every authorized product, cspm, sync every 1d, AK check every 1h, site mainland). Change the \
policy later with `vigil connection set`.\n\n\
Examples:\n  \
BAIDUCLOUD_ACCESS_KEY=... BAIDUCLOUD_SECRET_KEY=... vigil connect baidu --name prod --regions bj,gz\n  \
vigil connect baidu --name intl --site overseas --regions hkg --sync-interval 6h\n  \
pass show baidu/vigil | vigil connect baidu --name prod --access-key-id AK --secret-stdin\n  \
vigil connect baidu --name sim --endpoint-override 127.0.0.1:8080   # talk to `vigil sim`"
)]
pub struct Args {
    /// The cloud provider (today: baidu).
    #[arg(value_name = "PROVIDER")]
    pub provider: String,
    /// A name for this connection: letters, digits, '-' and '_'. Unique across both sites.
    #[arg(long)]
    pub name: String,
    /// Regions to collect: a comma-separated list such as bj,gz, or `all` (every region the
    /// account can use, found with describeRegions at each sync). New connections: all.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Option<Vec<String>>,
    /// Region management: when on, regions that appear in describeRegions later are added to
    /// an explicit --regions list automatically (and reported). New connections: on.
    #[arg(long, value_enum, value_name = "on|off")]
    pub region_management: Option<OnOff>,
    /// Products to collect: a comma-separated list such as bcc,rds, or `all` (every product
    /// the key is authorized for). New connections: all.
    #[arg(long, value_delimiter = ',', value_name = "PRODUCTS")]
    pub products: Option<Vec<String>>,
    /// How often `vigil serve` syncs this connection (45s, 30m, 6h, 1d) or `off`.
    /// New connections: 1d.
    #[arg(long, value_name = "INTERVAL")]
    pub sync_interval: Option<String>,
    /// How often `vigil serve` checks that the key still works (a failing check pauses
    /// scheduled syncs until it works again), or `off`. New connections: 1h.
    #[arg(long, value_name = "INTERVAL")]
    pub ak_check_interval: Option<String>,
    /// Data residency site: the connection and everything collected with it are stored only
    /// in this site's store (--db for mainland, --overseas-db for overseas). New connections:
    /// mainland.
    #[arg(long, value_enum)]
    pub site: Option<Site>,
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

/// The policy options of a connect; `None` keeps the existing value (or the default).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Parsed regions.
    pub regions: Option<Vec<String>>,
    /// Region management.
    pub region_management: Option<bool>,
    /// Products (`Some(None)` = all).
    pub products: Option<Option<Vec<String>>>,
    /// Sync interval (`Some(None)` = off).
    pub sync_interval: Option<Option<u64>>,
    /// AK check interval (`Some(None)` = off).
    pub ak_check_interval: Option<Option<u64>>,
    /// Site.
    pub site: Option<Site>,
}

/// What a successful connect saved.
#[derive(Debug)]
pub struct Connected {
    /// The connection as stored.
    pub connection: vigil_store::Connection,
    /// The verification report.
    pub report: vigil_core::VerificationReport,
    /// The secret file.
    pub secret_path: std::path::PathBuf,
    /// The store file.
    pub store_path: std::path::PathBuf,
    /// The site it was moved from, if it moved.
    pub moved_from: Option<Site>,
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

/// Refuse to move a connection that has runs to another site: its data must stay where it is.
pub fn check_site_move(existing: &Located, to: Site) -> Result<()> {
    if existing.site == to {
        return Ok(());
    }
    let runs = existing
        .store
        .runs(Some(existing.connection.id), usize::MAX)?
        .len();
    if runs > 0 {
        let name = &existing.connection.name;
        bail!(
            "connection {name:?} cannot move from the {from} site to the {to} site: it has {runs} \
             sync run(s) with their assets in the {from} store ({path}), and a connection's data \
             is only ever stored in its own site. To start over in {to}, delete it there \
             (`vigil connection delete {name}`, which deletes its runs and assets) and connect it \
             again with --site {to}.",
            from = existing.site,
            path = existing.path.display(),
        );
    }
    Ok(())
}

/// The policy after applying `settings` to `base`.
pub fn apply_settings(mut base: SyncPolicy, settings: &Settings, site: Site) -> SyncPolicy {
    if let Some(r) = &settings.regions {
        base.regions = r.clone();
    }
    if let Some(m) = settings.region_management {
        base.region_management = m;
    }
    if let Some(p) = &settings.products {
        base.products = p.clone();
    }
    if let Some(i) = settings.sync_interval {
        base.sync_interval_secs = i;
    }
    if let Some(i) = settings.ak_check_interval {
        base.ak_check_interval_secs = i;
    }
    base.site = site.as_str().to_string();
    base
}

/// Move a connection without runs to another site's store: copy it (row, policy, verification,
/// known regions, secret) there, then delete it from the old store. Returns it as moved.
pub fn move_connection(ctx: &Ctx, from: &Located, to: Site) -> Result<Located> {
    let target = ctx.sites.open(to)?;
    let c = &from.connection;
    if target.store.connection(&c.name)?.is_some() {
        bail!(
            "connection {:?} already exists in the {to} store {}",
            c.name,
            target.path.display()
        );
    }
    let key = secrets::load(&from.path, &c.name)?;
    secrets::save(&target.path, &c.name, &key)?;
    let moved = target.store.upsert_connection(&NewConnection {
        name: c.name.clone(),
        provider: c.provider.clone(),
        account_id: c.account_id.clone(),
        access_key_id: c.access_key_id.clone(),
        regions: c.policy.regions.clone(),
        endpoint_override: c.endpoint_override.clone(),
    })?;
    let mut policy = c.policy.clone();
    policy.site = to.as_str().to_string();
    target.store.set_sync_policy(moved.id, &policy)?;
    if let (Some(status), Some(doc)) = (&c.key_status, &c.verification_json) {
        target.store.record_verification(moved.id, status, doc)?;
    }
    match (c.key_status.as_deref(), c.key_status_reason.as_deref()) {
        (Some("invalid"), reason) => {
            target
                .store
                .record_key_check(moved.id, Err(reason.unwrap_or("key invalid")))?;
        }
        (Some(_), _) => {
            target.store.record_key_check(moved.id, Ok(()))?;
        }
        _ => {}
    }
    if !c.known_regions.is_empty() {
        target
            .store
            .record_known_regions(moved.id, &c.known_regions)?;
    }
    from.store.delete_connection(&c.name)?;
    secrets::remove(&from.path, &c.name)?;
    let connection = target
        .store
        .connection_by_id(moved.id)?
        .context("the moved connection vanished")?;
    Ok(Located {
        site: to,
        path: target.path,
        store: target.store,
        connection,
    })
}

/// Verify `key` and, if it authenticates and the regions exist, save the connection, its
/// policy and its secret in its site's store. Shared by `connect` and `demo`.
pub async fn connect_key(
    ctx: &Ctx,
    provider: &'static vigil_core::ProviderDescriptor,
    name: &str,
    key: AccessKey,
    settings: Settings,
    endpoint_override: Option<std::net::SocketAddr>,
) -> Result<Connected> {
    let existing = ctx.sites.find(name)?;
    let site = settings
        .site
        .or(existing.as_ref().map(|e| e.site))
        .unwrap_or(Site::Mainland);
    if let Some(existing) = &existing {
        check_site_move(existing, site)?;
        if existing.connection.provider != provider.id {
            bail!(
                "connection {name:?} is a {} connection; pick another name for a {} connection",
                existing.connection.provider,
                provider.id
            );
        }
    }
    let base = existing
        .as_ref()
        .map(|e| e.connection.policy.clone())
        .unwrap_or_default();
    let policy = apply_settings(base, &settings, site);
    let regions = policy.regions.clone();

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

    // A connection without runs in another site moves first, so that everything below
    // writes to the new site's store only.
    let mut moved_from = None;
    let existing = match existing {
        Some(e) if e.site != site => {
            moved_from = Some(e.site);
            Some(move_connection(ctx, &e, site)?)
        }
        other => other,
    };
    let target = ctx.sites.open(site)?;
    let secret_path = secrets::save(&target.path, name, &key)?;
    let saved = target.store.upsert_connection(&NewConnection {
        name: name.to_string(),
        provider: provider.id.to_string(),
        account_id: report.identity.account_id.clone(),
        access_key_id: key.access_key_id.clone(),
        regions: regions.clone(),
        endpoint_override: endpoint_override.map(|a| a.to_string()),
    })?;
    let mut connection = target.store.set_sync_policy(saved.id, &policy)?;
    // Keep the regions seen since setup even when the key changed (which clears the stored
    // verification).
    connection.verification_json = existing
        .as_ref()
        .and_then(|e| e.connection.verification_json.clone());
    // The first regions a connection sees are its baseline; a reconnect applies region
    // management to regions that appeared since.
    let discovery = policy::discover_regions(&target.store, &mut connection, &report.regions)?;
    target.store.record_verification(
        saved.id,
        "valid",
        &policy::verification_doc(serde_json::to_value(&report)?, &discovery.all_newly_seen),
    )?;
    let connection = target.store.record_key_check(saved.id, Ok(()))?;

    Ok(Connected {
        connection,
        report,
        secret_path,
        store_path: target.path,
        moved_from,
    })
}

/// `vigil connect`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    secrets::validate_connection_name(&args.name)?;
    let provider = registry::find_provider(&args.provider).map_err(|e| anyhow::anyhow!("{e}"))?;
    let settings = Settings {
        regions: args.regions.as_deref().map(parse_regions).transpose()?,
        region_management: args.region_management.map(OnOff::enabled),
        products: args
            .products
            .as_deref()
            .map(|p| policy::parse_products(provider.id, p))
            .transpose()?,
        sync_interval: args
            .sync_interval
            .as_deref()
            .map(|v| policy::parse_interval("--sync-interval", v))
            .transpose()?,
        ak_check_interval: args
            .ak_check_interval
            .as_deref()
            .map(|v| policy::parse_interval("--ak-check-interval", v))
            .transpose()?,
        site: args.site,
    };
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
    let done = connect_key(ctx, provider, &args.name, key, settings, endpoint_override).await?;
    let c = &done.connection;
    if ctx.output == OutputFormat::Json {
        output::json(&serde_json::json!({
            "connection": c.name,
            "saved": true,
            "site": c.policy.site,
            "store": done.store_path,
            "moved_from": done.moved_from,
            "policy": c.policy,
            "verification": done.report,
        }))?;
    } else {
        print_report(ctx, &c.name, &done.report)?;
        if let Some(from) = done.moved_from {
            println!(
                "Moved connection {} from the {from} site to the {} site (it had no sync runs).",
                c.name, c.policy.site
            );
        }
        println!(
            "Saved connection {} in the {} store {} (regions: {}; products: {}; sync: {}; AK check: {}; secret in {}).\nNext: vigil sync --connection {}   (or `vigil serve` for the schedule; `vigil connection show {}`)",
            c.name,
            c.policy.site,
            done.store_path.display(),
            policy::regions_text(&c.policy),
            policy::products_text(&c.policy),
            policy::format_interval(c.policy.sync_interval_secs),
            policy::format_interval(c.policy.ak_check_interval_secs),
            done.secret_path.display(),
            c.name,
            c.name
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
