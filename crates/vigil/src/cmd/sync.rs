//! `vigil sync`: verify, then collect every selected product and region into the store.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use vigil_core::{registry, CollectOptions, ProductAccess, Region};
use vigil_store::{Outcome, OutcomeStatus, RunStatus};
use vigil_sync::{CancelToken, Progress, SyncRequest, SyncSummary, Task};

use super::posture::{self, PostureSummary};
use super::verify::verify_connection;
use super::PerConnection;
use crate::output::{or_dash, Table};
use crate::policy::{self, RegionDiscovery};
use crate::sites::Located;
use crate::{Ctx, OutputFormat, EXIT_INTERRUPTED};

/// Arguments of `vigil sync`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each connection is synced as its sync policy says (`vigil connection show`): \
its products (default: all; a product the key may not read is recorded as not authorized, never \
as empty), its regions (an explicit list, or all from describeRegions) and region management (new \
regions are added automatically when it is on, and reported). Connections whose cspm module is off \
are skipped. Assets that disappeared from a listing that completed are marked deleted.\n\n\
After collecting, the posture checks are evaluated over the sync (unless --no-checks) and a \
summary of the findings is printed; `vigil findings` lists them. Syncs that failed or were \
interrupted are not evaluated.\n\n\
Ctrl-C or SIGTERM stops the sync: the run is recorded as interrupted, everything already stored is \
kept, and the exit status is 130.\n\n\
Examples:\n  vigil sync\n  vigil sync --connection prod --products bcc,rds\n  vigil --output json sync | jq '.[].summary.status'"
)]
pub struct Args {
    /// Only this connection (default: all, in both sites).
    #[arg(long)]
    pub connection: Option<String>,
    /// Only these products this time (comma-separated, e.g. bcc). Default: the connection's
    /// sync policy (`vigil connection set NAME --products` changes it for good).
    #[arg(long, value_delimiter = ',')]
    pub products: Vec<String>,
    /// Items per list request (1-1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: u32,
    /// Concurrent requests per (service, region).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Do not evaluate the posture checks after collecting.
    #[arg(long)]
    pub no_checks: bool,
    /// Check parameters and mutelist (TOML; see docs/CHECKS.md).
    #[arg(long, env = "VIGIL_CHECKS_CONFIG", value_name = "FILE")]
    pub checks_config: Option<PathBuf>,
    /// A mutelist (Prowler's YAML shape), replacing the config's.
    #[arg(long, value_name = "FILE")]
    pub mutelist: Option<PathBuf>,
}

struct Bar {
    bar: ProgressBar,
    assets: Mutex<u64>,
}

impl Progress for Bar {
    fn planned(&self, tasks: &[Task]) {
        self.bar.set_length(tasks.len() as u64);
    }
    fn page(&self, _task: &Task, assets: usize) {
        let mut n = self.assets.lock().unwrap_or_else(|p| p.into_inner());
        *n += assets as u64;
        self.bar.set_message(format!("{n} assets"));
    }
    fn finished(&self, task: &Task, outcome: &Outcome) {
        if outcome.status != OutcomeStatus::Ok {
            self.bar.println(format!(
                "  {} {} {}: {}",
                task.product,
                task.region,
                outcome.status.as_str(),
                or_dash(outcome.error_message.as_deref())
            ));
        }
        self.bar.inc(1);
    }
}

/// What a sync of one connection collects beyond its stored policy.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Only these products (overrides the policy for this sync); empty: the policy's.
    pub products: Vec<String>,
    /// Items per list request.
    pub page_size: u32,
    /// Concurrent requests per (service, region).
    pub concurrency: usize,
    /// Evaluate the posture checks after the sync with this configuration; `None`: don't.
    pub checks: Option<Arc<vigil_checks::EngineConfig>>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            products: Vec::new(),
            page_size: 1000,
            concurrency: 4,
            checks: Some(Arc::new(vigil_checks::EngineConfig::defaults())),
        }
    }
}

/// A sync that ran (to the end, or until cancelled).
#[derive(Debug)]
pub struct SyncDone {
    /// The engine's summary.
    pub summary: SyncSummary,
    /// Regions seen for the first time, and which of them this sync included.
    pub regions: RegionDiscovery,
    /// The posture evaluation of the run: `None` when checks are off or the run failed or was
    /// interrupted.
    pub posture: Option<std::result::Result<PostureSummary, String>>,
}

/// How a sync attempt of one connection ended.
#[derive(Debug)]
pub enum Attempt {
    /// It ran.
    Done(Box<SyncDone>),
    /// It could not start (key failure, network, cancelled during verification).
    NotSynced(String),
    /// The policy does not sync this connection (cspm module off).
    Disabled(String),
}

/// Verify, apply the sync policy (products, regions, region management) and sync one
/// connection into its site's store, stopping (recorded `interrupted`) when `cancel` fires.
pub async fn sync_located(
    loc: &mut Located,
    opts: &SyncOptions,
    cancel: CancelToken,
    progress: &dyn Progress,
) -> Result<Attempt> {
    if !policy::cspm_enabled(&loc.connection.policy) {
        return Ok(Attempt::Disabled(format!(
            "the cspm module is not enabled for this connection, so its assets are not collected; \
             enable it with `vigil connection set {} --modules cspm`",
            loc.connection.name
        )));
    }
    let options = CollectOptions {
        concurrency_per_service_region: opts.concurrency,
        ..CollectOptions::default().with_page_size(opts.page_size)
    };
    let verified = tokio::select! {
        v = verify_connection(loc, options) => v?,
        _ = cancel.cancelled() => {
            return Ok(Attempt::NotSynced("interrupted before the sync started".to_string()))
        }
    };
    let (cx, verified) = verified;
    let verified = match verified {
        Ok(v) => v,
        Err(message) => return Ok(Attempt::NotSynced(message)),
    };
    let connection = &loc.connection;
    let wanted: Vec<String> = if !opts.products.is_empty() {
        opts.products.clone()
    } else if let Some(p) = &connection.policy.products {
        p.clone()
    } else {
        Vec::new()
    };
    let products = if wanted.is_empty() {
        registry::provider_products(&connection.provider)
    } else {
        let mut chosen = Vec::new();
        for name in &wanted {
            chosen.push(registry::find(&connection.provider, name).map_err(|e| {
                anyhow::anyhow!(
                    "{e}; fix the sync policy with `vigil connection set {} --products ...`",
                    connection.name
                )
            })?);
        }
        chosen
    };
    let regions: Vec<Region> = if policy::all_regions(&connection.policy) {
        verified.report.regions.clone()
    } else {
        connection
            .policy
            .regions
            .iter()
            .map(Region::new)
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let denied: BTreeSet<&'static str> = verified
        .report
        .products
        .iter()
        .filter(|p| matches!(p.access, ProductAccess::Denied { .. }))
        .map(|p| p.product)
        .collect();
    let request = SyncRequest {
        connection: connection.clone(),
        cx,
        products,
        regions,
        denied,
        cancel,
    };
    let summary = vigil_sync::sync(loc.store.clone(), &request, progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let posture = match &opts.checks {
        Some(config) => {
            posture::evaluate_after_sync(
                loc.store.clone(),
                summary.run_id,
                summary.status,
                config.clone(),
            )
            .await
        }
        None => None,
    };
    Ok(Attempt::Done(Box::new(SyncDone {
        summary,
        regions: verified.regions,
        posture,
    })))
}

/// Sync one connection with a progress bar (on a terminal).
pub async fn sync_with_bar(
    ctx: &Ctx,
    loc: &mut Located,
    opts: &SyncOptions,
    cancel: CancelToken,
    no_progress: bool,
) -> Result<Attempt> {
    let show_bar =
        !no_progress && ctx.output == OutputFormat::Table && std::io::stderr().is_terminal();
    let bar = if show_bar {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} tasks, {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(format!("syncing {}", loc.connection.name));
    let progress = Bar {
        bar,
        assets: Mutex::new(0),
    };
    let attempt = sync_located(loc, opts, cancel, &progress).await;
    progress.bar.finish_and_clear();
    attempt
}

/// Print what region discovery found.
pub fn print_new_regions(connection: &str, regions: &RegionDiscovery) {
    if !regions.newly_included.is_empty() {
        println!(
            "New region(s) {} appeared in describeRegions and are newly included in {connection}'s sync.",
            regions.newly_included.join(", ")
        );
    }
    if !regions.not_included.is_empty() {
        println!(
            "New region(s) {} appeared in describeRegions but are NOT collected: {connection} has an explicit region list and region management is off. Include them with `vigil connection set {connection} --region-management on` (or add them to --regions).",
            regions.not_included.join(", ")
        );
    }
}

/// Print a sync summary table.
pub fn print_summary(connection: &str, summary: &SyncSummary) {
    // One row per asset kind, regions folded together; every region that did not succeed
    // is named with its error, so nothing is hidden by the folding.
    #[derive(Default)]
    struct Row {
        regions_ok: usize,
        regions: usize,
        assets: u64,
        detail_errors: u64,
        problems: Vec<String>,
    }
    let mut rows: std::collections::BTreeMap<(&str, &str), Row> = Default::default();
    for o in &summary.outcomes {
        let row = rows
            .entry((o.product.as_str(), o.kind.as_str()))
            .or_default();
        row.regions += 1;
        row.assets += o.asset_count;
        row.detail_errors += o.detail_errors;
        if o.status == OutcomeStatus::Ok {
            row.regions_ok += 1;
        } else {
            let mut d = or_dash(o.error_message.as_deref());
            if let Some(code) = &o.error_code {
                if !d.contains(code.as_str()) {
                    d = format!("{code}: {d}");
                }
            }
            row.problems
                .push(format!("{} {}: {d}", o.region, o.status.as_str()));
        }
    }
    let mut table = Table::new(&["PRODUCT", "KIND", "REGIONS OK", "ASSETS", "PROBLEMS"]);
    for ((product, kind), row) in &rows {
        let mut problems = row.problems.clone();
        if row.detail_errors > 0 {
            problems.push(format!(
                "{} child calls failed (see `vigil runs --show {}`)",
                row.detail_errors, summary.run_id
            ));
        }
        table.row(vec![
            product.to_string(),
            kind.to_string(),
            format!("{}/{}", row.regions_ok, row.regions),
            row.assets.to_string(),
            if problems.is_empty() {
                String::new()
            } else {
                problems.join("; ")
            },
        ]);
    }
    table.print();
    let failed = summary.failures().count();
    println!(
        "Sync {} of {connection}: {} — {} assets ({} new, {} changed, {} unchanged, {} deleted); {} of {} (product, region, kind) tasks failed, not authorized or not finished.",
        summary.run_id,
        summary.status.as_str(),
        summary.assets_seen,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.deleted,
        failed,
        summary.outcomes.len()
    );
    if summary.status == RunStatus::Interrupted {
        println!(
            "The sync was interrupted: what it collected is stored; run `vigil sync --connection {connection}` to finish."
        );
    }
}

/// Print the posture evaluation after a sync.
pub fn print_posture(
    connection: &str,
    posture: Option<&std::result::Result<PostureSummary, String>>,
) {
    match posture {
        Some(Ok(p)) => {
            let mut t = Table::new(&["STATUS", "FINDINGS"]);
            for (status, n) in &p.by_status {
                t.row(vec![status.clone(), n.to_string()]);
            }
            t.print();
            println!("{}", posture::summary_line(connection, p));
        }
        Some(Err(e)) => eprintln!("Connection {connection}: the posture checks failed: {e}"),
        None => {}
    }
}

/// `vigil sync`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let connections = ctx.sites.pick(args.connection.as_deref())?;
    if !args.products.is_empty() {
        for c in &connections {
            for p in &args.products {
                if let Err(e) = registry::find(&c.connection.provider, p) {
                    bail!("invalid --products: {e}");
                }
            }
        }
    }
    let checks = if args.no_checks {
        None
    } else {
        Some(Arc::new(posture::engine_config(
            args.checks_config.as_deref(),
            args.mutelist.as_deref(),
        )?))
    };
    let opts = SyncOptions {
        products: args.products.clone(),
        page_size: args.page_size,
        concurrency: args.concurrency as usize,
        checks,
    };
    let cancel = CancelToken::new();
    let signal = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            super::shutdown_signal().await;
            eprintln!("Interrupted: stopping the sync; everything already stored is kept.");
            cancel.cancel();
        })
    };
    let named = args.connection.is_some();
    let mut interrupted = false;
    let mut results = PerConnection::new(ctx);
    for mut loc in connections {
        let name = loc.connection.name.clone();
        if cancel.is_cancelled() {
            interrupted = true;
            results.skipped(&name, "interrupted before its sync started", true);
            continue;
        }
        match sync_with_bar(ctx, &mut loc, &opts, cancel.clone(), args.no_progress).await? {
            Attempt::Done(done) => {
                let summary = &done.summary;
                interrupted |= summary.status == RunStatus::Interrupted;
                let failed = summary.failures().next().is_some();
                let mut fields = serde_json::Map::new();
                fields.insert("site".into(), loc.site.as_str().into());
                fields.insert("summary".into(), serde_json::to_value(summary)?);
                fields.insert("regions".into(), serde_json::to_value(&done.regions)?);
                let posture_failed = matches!(done.posture, Some(Err(_)));
                match &done.posture {
                    Some(Ok(p)) => {
                        fields.insert("posture".into(), serde_json::to_value(p)?);
                    }
                    Some(Err(e)) => {
                        fields.insert("posture_error".into(), e.clone().into());
                    }
                    None => {}
                }
                results.done_fields(&name, fields, failed || posture_failed, || {
                    print_new_regions(&name, &done.regions);
                    print_summary(&name, summary);
                    print_posture(&name, done.posture.as_ref());
                    Ok(())
                })?;
            }
            Attempt::NotSynced(message) => {
                interrupted |= cancel.is_cancelled();
                results.error(&name, "not synced: ", &message)
            }
            Attempt::Disabled(reason) => results.skipped(&name, &reason, named),
        }
    }
    signal.abort();
    if interrupted {
        return results.finish_with(ExitCode::from(EXIT_INTERRUPTED));
    }
    results.finish()
}
