//! `vigil connection show|set|delete` and `vigil connections`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use serde_json::json;

use super::connect::{apply_settings, check_site_move, move_connection, parse_regions, Settings};
use crate::output::{self, or_dash, Table};
use crate::policy::{self, OnOff};
use crate::sites::{Located, Site};
use crate::{secrets, Ctx, OutputFormat};

/// Arguments of `vigil connection`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Show a connection's sync policy, key status, regions, site and schedule (default: all).
    Show(ShowArgs),
    /// Change a connection's sync policy, schedules or site.
    Set(SetArgs),
    /// Delete a connection with its runs, assets and secret file.
    Delete(DeleteArgs),
}

/// Arguments of `vigil connection show`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vigil connection show prod\n  vigil --output json connection show prod | jq .policy"
)]
pub struct ShowArgs {
    /// The connection (default: every connection of both sites).
    pub name: Option<String>,
}

/// Arguments of `vigil connection set`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Only the options given change. Values:\n  \
--regions        bj,gz (explicit list) or all (every region describeRegions lists, at each sync)\n  \
--region-management on|off   on: regions that appear later are added to an explicit list automatically\n  \
--products       bcc,rds or all (every product the key is authorized for)\n  \
--modules        cspm (asset collection) or none (no syncs)\n  \
--sync-interval  45s, 30m, 6h, 1d, 1h30m or off (how often `vigil serve` syncs)\n  \
--ak-check-interval  1h or off (how often `vigil serve` checks the key; a failing check pauses syncs)\n  \
--site           mainland or overseas: which store holds the connection. A connection with sync runs \
cannot move: its data stays in its site.\n\n\
Examples:\n  \
vigil connection set prod --regions bj,gz --region-management off\n  \
vigil connection set prod --products all --sync-interval 6h --ak-check-interval 30m\n  \
vigil connection set prod --sync-interval off")]
pub struct SetArgs {
    /// The connection.
    pub name: String,
    /// Regions to collect: bj,gz or `all`.
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Option<Vec<String>>,
    /// Region management: include regions that appear later automatically.
    #[arg(long, value_enum, value_name = "on|off")]
    pub region_management: Option<OnOff>,
    /// Products to collect: bcc,rds or `all`.
    #[arg(long, value_delimiter = ',', value_name = "PRODUCTS")]
    pub products: Option<Vec<String>>,
    /// Enabled modules: cspm, or `none`.
    #[arg(long, value_delimiter = ',', value_name = "MODULES")]
    pub modules: Option<Vec<String>>,
    /// Scheduled sync interval (45s, 30m, 6h, 1d) or `off`.
    #[arg(long, value_name = "INTERVAL")]
    pub sync_interval: Option<String>,
    /// AK status check interval (30m, 1h) or `off`.
    #[arg(long, value_name = "INTERVAL")]
    pub ak_check_interval: Option<String>,
    /// Data residency site (only for a connection without sync runs).
    #[arg(long, value_enum)]
    pub site: Option<Site>,
}

/// Arguments of `vigil connection delete`.
#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    /// The connection.
    pub name: String,
}

/// `vigil connection ...`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Show(a) => show(ctx, a),
        Sub::Set(a) => set(ctx, a),
        Sub::Delete(a) => delete(ctx, a),
    }
}

/// Everything `show` tells about a connection, as JSON.
fn describe(loc: &Located) -> Result<serde_json::Value> {
    let c = &loc.connection;
    let now = chrono::Utc::now();
    let latest = loc.store.runs(Some(c.id), 1)?;
    let newly_seen = policy::newly_seen_regions(c);
    let not_included: Vec<&String> = newly_seen
        .iter()
        .filter(|r| !policy::all_regions(&c.policy) && !c.policy.regions.contains(r))
        .collect();
    Ok(json!({
        "name": c.name,
        "provider": c.provider,
        "site": loc.site,
        "store": loc.path,
        "account_id": c.account_id,
        "access_key_id": c.access_key_id,
        "endpoint_override": c.endpoint_override,
        "policy": c.policy,
        "key": {
            "status": c.key_status,
            "since": c.key_status_since,
            "reason": c.key_status_reason,
            "last_checked_at": c.last_key_check_at,
            "last_verified_at": c.last_verified_at,
        },
        "known_regions": c.known_regions,
        "newly_seen_regions": newly_seen,
        "newly_seen_not_included": not_included,
        "next_sync": policy::next_sync(c, latest.first(), now),
        "next_key_check": policy::next_key_check(c, now),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }))
}

fn print_connection(loc: &Located) -> Result<()> {
    let c = &loc.connection;
    let p = &c.policy;
    let now = chrono::Utc::now();
    let latest = loc.store.runs(Some(c.id), 1)?;
    println!(
        "Connection {} ({}, access key {}), site {} (store {})",
        c.name,
        c.provider,
        c.access_key_id,
        loc.site,
        loc.path.display()
    );
    let key = match c.key_status.as_deref() {
        Some("invalid") => format!(
            "INVALID since {}: {}",
            or_dash(c.key_status_since.as_deref()),
            or_dash(c.key_status_reason.as_deref())
        ),
        Some(s) => format!("{s} since {}", or_dash(c.key_status_since.as_deref())),
        None => "not checked yet".to_string(),
    };
    println!(
        "  key status:         {key} (last checked {})",
        or_dash(c.last_key_check_at.as_deref())
    );
    println!("  regions:            {}", policy::regions_text(p));
    println!(
        "  region management:  {}",
        if p.region_management { "on" } else { "off" }
    );
    println!("  products:           {}", policy::products_text(p));
    println!(
        "  modules:            {}",
        if p.modules.is_empty() {
            "none (nothing is synced)".to_string()
        } else {
            p.modules.join(", ")
        }
    );
    println!(
        "  sync interval:      {}",
        policy::format_interval(p.sync_interval_secs)
    );
    println!(
        "  AK check interval:  {}",
        policy::format_interval(p.ak_check_interval_secs)
    );
    println!(
        "  known regions:      {}",
        if c.known_regions.is_empty() {
            "-".to_string()
        } else {
            c.known_regions.join(", ")
        }
    );
    let newly: Vec<String> = policy::newly_seen_regions(c)
        .into_iter()
        .map(|r| {
            let included = policy::all_regions(p) || p.regions.contains(&r);
            format!(
                "{r} ({})",
                if included { "included" } else { "not included" }
            )
        })
        .collect();
    println!(
        "  newly seen regions: {}",
        if newly.is_empty() {
            "-".to_string()
        } else {
            newly.join(", ")
        }
    );
    println!(
        "  next sync:          {}",
        policy::next_sync(c, latest.first(), now).text()
    );
    println!(
        "  next AK check:      {}",
        policy::next_key_check(c, now).text()
    );
    Ok(())
}

fn show(ctx: &Ctx, args: ShowArgs) -> Result<ExitCode> {
    let all = match &args.name {
        Some(name) => vec![ctx.sites.require(name)?],
        None => ctx.sites.all_connections()?,
    };
    if ctx.output == OutputFormat::Json {
        let items = all.iter().map(describe).collect::<Result<Vec<_>>>()?;
        if args.name.is_some() {
            output::json(&items[0])?;
        } else {
            output::json(&items)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!(
            "No connections. Add one with `vigil connect baidu --name NAME`, or run `vigil demo`."
        );
    }
    for (i, loc) in all.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print_connection(loc)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn set(ctx: &Ctx, args: SetArgs) -> Result<ExitCode> {
    secrets::validate_connection_name(&args.name)?;
    let nothing = args.regions.is_none()
        && args.region_management.is_none()
        && args.products.is_none()
        && args.modules.is_none()
        && args.sync_interval.is_none()
        && args.ak_check_interval.is_none()
        && args.site.is_none();
    if nothing {
        bail!(
            "nothing to change: pass at least one of --regions, --region-management, --products, \
             --modules, --sync-interval, --ak-check-interval, --site (see `vigil connection set --help`)"
        );
    }
    let mut loc = ctx.sites.require(&args.name)?;
    let c = &loc.connection;
    // Validate everything before changing anything.
    let regions = args.regions.as_deref().map(parse_regions).transpose()?;
    if let Some(regions) = &regions {
        let unknown: Vec<&str> = regions
            .iter()
            .filter(|r| {
                r.as_str() != "all" && !c.known_regions.is_empty() && !c.known_regions.contains(r)
            })
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            bail!(
                "invalid --regions: {} not available to connection {}'s account; its regions are: {} \
                 (or use `all`)",
                unknown.join(", "),
                c.name,
                c.known_regions.join(", ")
            );
        }
    }
    let settings = Settings {
        regions,
        region_management: args.region_management.map(OnOff::enabled),
        products: args
            .products
            .as_deref()
            .map(|p| policy::parse_products(&c.provider, p))
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
    let modules = args
        .modules
        .as_deref()
        .map(policy::parse_modules)
        .transpose()?;
    let site = args.site.unwrap_or(loc.site);
    check_site_move(&loc, site)?;
    let mut moved_from = None;
    if site != loc.site {
        moved_from = Some(loc.site);
        loc = move_connection(ctx, &loc, site)?;
    }
    let old_policy = loc.connection.policy.clone();
    let mut new_policy = apply_settings(old_policy.clone(), &settings, site);
    if let Some(m) = modules {
        new_policy.modules = m;
    }
    // Turning region management on includes the new regions it would have included had it
    // been on when they appeared (unless --regions says exactly what to collect).
    let mut now_included: Vec<String> = Vec::new();
    if new_policy.region_management
        && !old_policy.region_management
        && settings.regions.is_none()
        && !policy::all_regions(&new_policy)
    {
        for r in policy::newly_seen_regions(&loc.connection) {
            if !new_policy.regions.contains(&r) {
                new_policy.regions.push(r.clone());
                now_included.push(r);
            }
        }
    }
    loc.connection = loc.store.set_sync_policy(loc.connection.id, &new_policy)?;
    if ctx.output == OutputFormat::Json {
        let mut out = describe(&loc)?;
        out["moved_from"] = json!(moved_from);
        out["newly_included_regions"] = json!(now_included);
        output::json(&out)?;
    } else {
        if !now_included.is_empty() {
            println!(
                "Region management is on: new region(s) {} are included from the next sync on.",
                now_included.join(", ")
            );
        }
        if let Some(from) = moved_from {
            println!(
                "Moved connection {} from the {from} site to the {site} site.",
                loc.connection.name
            );
        }
        println!("Updated connection {}.", loc.connection.name);
        print_connection(&loc)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn delete(ctx: &Ctx, args: DeleteArgs) -> Result<ExitCode> {
    let loc = ctx.sites.require(&args.name)?;
    let runs = loc.store.runs(Some(loc.connection.id), usize::MAX)?.len();
    loc.store.delete_connection(&loc.connection.name)?;
    secrets::remove(&loc.path, &loc.connection.name)?;
    if ctx.output == OutputFormat::Json {
        output::json(&json!({
            "connection": loc.connection.name, "deleted": true, "site": loc.site, "runs_deleted": runs
        }))?;
    } else {
        println!(
            "Deleted connection {} from the {} store {} with its {runs} sync run(s), their assets and its secret file.",
            loc.connection.name,
            loc.site,
            loc.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `vigil connections`: every connection of both sites.
pub fn list(ctx: &Ctx) -> Result<ExitCode> {
    let all = ctx.sites.all_connections()?;
    if ctx.output == OutputFormat::Json {
        let items: Vec<&vigil_store::Connection> = all.iter().map(|l| &l.connection).collect();
        output::json(&items)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!(
            "No connections. Add one with `vigil connect baidu --name NAME`, or run `vigil demo`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "NAME",
        "PROVIDER",
        "SITE",
        "ACCESS KEY",
        "REGIONS",
        "PRODUCTS",
        "SYNC",
        "KEY STATUS",
        "LAST VERIFIED",
        "ENDPOINT OVERRIDE",
    ]);
    for l in all {
        let c = l.connection;
        table.row(vec![
            c.name,
            c.provider,
            l.site.to_string(),
            c.access_key_id,
            c.policy.regions.join(","),
            c.policy
                .products
                .as_ref()
                .map(|p| p.join(","))
                .unwrap_or_else(|| "all".to_string()),
            policy::format_interval(c.policy.sync_interval_secs),
            or_dash(c.key_status.as_deref()),
            or_dash(c.last_verified_at.as_deref()),
            or_dash(c.endpoint_override.as_deref()),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}
