//! `vigil runs`: recent sync runs (of both sites) and their outcomes.

use std::process::ExitCode;

use anyhow::{bail, Result};
use vigil_store::SyncRun;

use crate::output::{self, or_dash, Table};
use crate::sites::{Site, SiteStore};
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil runs`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Run ids are numbered per site store: with runs in both sites, add \
--connection to --show to say which one you mean.\n\nExamples:\n  vigil runs\n  vigil runs --show 12\n  \
vigil --output json runs --show 12 --connection prod | jq '.outcomes[] | select(.status != \"ok\")'"
)]
pub struct Args {
    /// Only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// How many runs to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Show the per-product, per-region outcomes of this run.
    #[arg(long, value_name = "RUN_ID")]
    pub show: Option<i64>,
}

fn run_json(site: Site, run: &SyncRun) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(run)?;
    v["site"] = site.as_str().into();
    Ok(v)
}

/// `vigil runs`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let (stores, connection_id): (Vec<SiteStore>, Option<i64>) = match &args.connection {
        Some(name) => {
            let loc = ctx.sites.require(name)?;
            let id = loc.connection.id;
            (
                vec![SiteStore {
                    site: loc.site,
                    path: loc.path,
                    store: loc.store,
                }],
                Some(id),
            )
        }
        None => (ctx.sites.existing()?, None),
    };
    if let Some(run_id) = args.show {
        let mut found = Vec::new();
        for s in &stores {
            if let Some(run) = s.store.run(run_id)? {
                if connection_id.is_none_or(|id| id == run.connection_id) {
                    found.push((s, run));
                }
            }
        }
        let (s, run) = match found.len() {
            0 => bail!("no sync run {run_id}; `vigil runs` lists the recent ones"),
            1 => found.remove(0),
            _ => bail!(
                "run {run_id} exists in both sites' stores ({}); add --connection NAME",
                found
                    .iter()
                    .map(|(s, r)| format!("{}: connection {}", s.site, r.connection_name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let outcomes = s.store.outcomes(run_id)?;
        if ctx.output == OutputFormat::Json {
            output::json(
                &serde_json::json!({ "run": run_json(s.site, &run)?, "outcomes": outcomes }),
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Run {} of {} ({} site): {} ({} → {}), {} assets",
            run.id,
            run.connection_name,
            s.site,
            run.status.as_str(),
            run.started_at,
            or_dash(run.finished_at.as_deref()),
            run.assets_seen
        );
        let mut table = Table::new(&[
            "PRODUCT",
            "REGION",
            "KIND",
            "STATUS",
            "ASSETS",
            "CHILD ERRORS",
            "CODE",
            "REQUEST ID",
            "MESSAGE",
        ]);
        for o in outcomes {
            table.row(vec![
                o.product,
                o.region,
                o.kind,
                o.status.as_str().to_string(),
                o.asset_count.to_string(),
                o.detail_errors.to_string(),
                or_dash(o.error_code.as_deref()),
                or_dash(o.request_id.as_deref()),
                or_dash(o.error_message.as_deref()),
            ]);
        }
        table.print();
        return Ok(ExitCode::SUCCESS);
    }
    let mut runs: Vec<(Site, SyncRun)> = Vec::new();
    for s in &stores {
        runs.extend(
            s.store
                .runs(connection_id, args.limit)?
                .into_iter()
                .map(|r| (s.site, r)),
        );
    }
    // Newest first across both stores (timestamps are fixed-width UTC text).
    runs.sort_by(|a, b| (&b.1.started_at, b.1.id).cmp(&(&a.1.started_at, a.1.id)));
    runs.truncate(args.limit);
    if ctx.output == OutputFormat::Json {
        let items = runs
            .iter()
            .map(|(site, r)| run_json(*site, r))
            .collect::<Result<Vec<_>>>()?;
        output::json(&items)?;
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        println!("No sync runs yet. Run `vigil sync`.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "RUN",
        "CONNECTION",
        "SITE",
        "STATUS",
        "STARTED",
        "FINISHED",
        "ASSETS",
        "PROGRESS",
        "ERROR",
    ]);
    for (site, r) in runs {
        let progress = match r.planned_tasks {
            Some(p) => format!("{}/{p}", r.finished_tasks),
            None => r.finished_tasks.to_string(),
        };
        table.row(vec![
            r.id.to_string(),
            r.connection_name,
            site.to_string(),
            r.status.as_str().to_string(),
            r.started_at,
            or_dash(r.finished_at.as_deref()),
            r.assets_seen.to_string(),
            progress,
            or_dash(r.error.as_deref()),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}
