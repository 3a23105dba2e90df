//! `vigil runs`: recent sync runs and their outcomes.

use std::process::ExitCode;

use anyhow::Result;

use super::{open_store, pick_connections};
use crate::output::{self, or_dash, Table};
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil runs`.
#[derive(clap::Args, Debug)]
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

/// `vigil runs`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = open_store(ctx)?;
    if let Some(run_id) = args.show {
        let Some(run) = store.run(run_id)? else {
            anyhow::bail!("no sync run {run_id}; `vigil runs` lists the recent ones");
        };
        let outcomes = store.outcomes(run_id)?;
        if ctx.output == OutputFormat::Json {
            output::json(&serde_json::json!({ "run": run, "outcomes": outcomes }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Run {} of {}: {} ({} → {}), {} assets",
            run.id,
            run.connection_name,
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
    let connection_id = match &args.connection {
        Some(name) => Some(pick_connections(&store, Some(name))?[0].id),
        None => None,
    };
    let runs = store.runs(connection_id, args.limit)?;
    if ctx.output == OutputFormat::Json {
        output::json(&runs)?;
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        println!("No sync runs yet. Run `vigil sync`.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new(&[
        "RUN",
        "CONNECTION",
        "STATUS",
        "STARTED",
        "FINISHED",
        "ASSETS",
        "ERROR",
    ]);
    for r in runs {
        table.row(vec![
            r.id.to_string(),
            r.connection_name,
            r.status.as_str().to_string(),
            r.started_at,
            or_dash(r.finished_at.as_deref()),
            r.assets_seen.to_string(),
            or_dash(r.error.as_deref()),
        ]);
    }
    table.print();
    Ok(ExitCode::SUCCESS)
}
