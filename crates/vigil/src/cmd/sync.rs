//! `vigil sync`: verify, then collect every selected product and region into the store.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use vigil_core::{registry, CollectOptions, ProductAccess, Region};
use vigil_store::{Connection, Outcome, OutcomeStatus, Store};
use vigil_sync::{Progress, SyncRequest, SyncSummary, Task};

use super::verify::verify_connection;
use super::{open_store, pick_connections, PerConnection};
use crate::output::{or_dash, Table};
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil sync`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this connection (default: all).
    #[arg(long)]
    pub connection: Option<String>,
    /// Only these products (comma-separated, e.g. bcc). Default: every product of the provider.
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

/// Sync one connection, printing progress; returns the summary.
pub async fn sync_connection(
    ctx: &Ctx,
    store: &std::sync::Arc<Store>,
    connection: &Connection,
    args: &Args,
) -> Result<Result<SyncSummary, String>> {
    let options = CollectOptions::default().with_page_size(args.page_size);
    let options = CollectOptions {
        concurrency_per_service_region: args.concurrency as usize,
        ..options
    };
    let (cx, verified) = verify_connection(ctx, store, connection, options).await?;
    let report = match verified {
        Ok(report) => report,
        Err(message) => return Ok(Err(message)),
    };
    let all = registry::provider_products(&connection.provider);
    let products: Vec<_> = if args.products.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for name in &args.products {
            chosen.push(
                registry::find(&connection.provider, name).map_err(|e| anyhow::anyhow!("{e}"))?,
            );
        }
        chosen
    };
    let regions: Vec<Region> = if connection.regions.iter().any(|r| r == "all") {
        report.regions.clone()
    } else {
        connection
            .regions
            .iter()
            .map(Region::new)
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let denied: BTreeSet<&'static str> = report
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
    };
    let show_bar =
        !args.no_progress && ctx.output == OutputFormat::Table && std::io::stderr().is_terminal();
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
    bar.set_prefix(format!("syncing {}", connection.name));
    let progress = Bar {
        bar,
        assets: Mutex::new(0),
    };
    let summary = vigil_sync::sync(store.clone(), &request, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    progress.bar.finish_and_clear();
    Ok(Ok(summary))
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
        "Sync {} of {connection}: {} — {} assets ({} new, {} changed, {} unchanged); {} of {} (product, region, kind) tasks failed or not authorized.",
        summary.run_id,
        summary.status.as_str(),
        summary.assets_seen,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        failed,
        summary.outcomes.len()
    );
}

/// `vigil sync`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = open_store(ctx)?;
    let connections = pick_connections(&store, args.connection.as_deref())?;
    if !args.products.is_empty() {
        for c in &connections {
            for p in &args.products {
                if registry::find(&c.provider, p).is_err() {
                    bail!("{}", registry::find(&c.provider, p).unwrap_err());
                }
            }
        }
    }
    let mut results = PerConnection::new(ctx);
    for connection in &connections {
        match sync_connection(ctx, &store, connection, &args).await? {
            Ok(summary) => {
                let failed = summary.failures().next().is_some();
                results.done(&connection.name, "summary", &summary, failed, || {
                    print_summary(&connection.name, &summary);
                    Ok(())
                })?;
            }
            Err(message) => results.error(&connection.name, "not synced: ", &message),
        }
    }
    results.finish()
}
