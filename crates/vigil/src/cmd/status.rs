//! `vigil status`: per connection, the key, the last finished and the running sync, and what
//! the schedule does next.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use vigil_store::{OutcomeStatus, RunStatus, SyncRun};

use crate::output::{self, or_dash, Table};
use crate::policy;
use crate::sites::Located;
use crate::{Ctx, OutputFormat};

/// Arguments of `vigil status`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The next scheduled sync and AK check happen while `vigil serve` runs. \
A sync is paused while the key is invalid (a failed AK check) and resumes by itself once a check \
succeeds again.\n\nExamples:\n  vigil status\n  vigil --output json status --connection prod | jq '.[0].running_sync'"
)]
pub struct Args {
    /// Only this connection (default: all, in both sites).
    #[arg(long)]
    pub connection: Option<String>,
}

/// How many recent runs are searched for the last finished one.
const RECENT_RUNS: usize = 50;

/// The status of one connection, as JSON.
pub fn status_of(loc: &Located) -> Result<serde_json::Value> {
    let c = &loc.connection;
    let now = chrono::Utc::now();
    let runs = loc.store.runs(Some(c.id), RECENT_RUNS)?;
    let running: Option<&SyncRun> = runs.iter().find(|r| r.status == RunStatus::Running);
    let last: Option<&SyncRun> = runs.iter().find(|r| r.status.is_finished());
    let last_json = match last {
        Some(r) => {
            let failures: Vec<serde_json::Value> = loc
                .store
                .outcomes(r.id)?
                .into_iter()
                .filter(|o| o.status != OutcomeStatus::Ok)
                .map(|o| {
                    json!({
                        "product": o.product, "region": o.region, "kind": o.kind,
                        "status": o.status, "error_code": o.error_code,
                        "error_message": o.error_message,
                    })
                })
                .collect();
            json!({
                "run_id": r.id, "status": r.status, "started_at": r.started_at,
                "finished_at": r.finished_at, "assets": r.assets_seen, "error": r.error,
                "failures": failures,
            })
        }
        None => serde_json::Value::Null,
    };
    let running_json = match running {
        Some(r) => json!({
            "run_id": r.id, "started_at": r.started_at,
            "finished_tasks": r.finished_tasks, "planned_tasks": r.planned_tasks,
        }),
        None => serde_json::Value::Null,
    };
    Ok(json!({
        "connection": c.name,
        "provider": c.provider,
        "site": loc.site,
        "key": {
            "status": c.key_status,
            "since": c.key_status_since,
            "reason": c.key_status_reason,
            "last_checked_at": c.last_key_check_at,
        },
        "last_sync": last_json,
        "running_sync": running_json,
        "next_sync": policy::next_sync(c, runs.first(), now),
        "next_key_check": policy::next_key_check(c, now),
    }))
}

fn print_status(loc: &Located, s: &serde_json::Value) {
    let c = &loc.connection;
    println!("Connection {} ({}, site {})", c.name, c.provider, loc.site);
    let key = &s["key"];
    match key["status"].as_str() {
        Some("invalid") => println!(
            "  key:           INVALID since {}: {}",
            or_dash(key["since"].as_str()),
            or_dash(key["reason"].as_str())
        ),
        Some(st) => println!(
            "  key:           {st} since {} (last checked {})",
            or_dash(key["since"].as_str()),
            or_dash(key["last_checked_at"].as_str())
        ),
        None => println!("  key:           not checked yet"),
    }
    let last = &s["last_sync"];
    if last.is_null() {
        println!("  last sync:     none finished yet");
    } else {
        println!(
            "  last sync:     run {} {} at {}, {} assets",
            last["run_id"],
            last["status"].as_str().unwrap_or("-"),
            or_dash(last["finished_at"].as_str()),
            last["assets"]
        );
        let failures = last["failures"].as_array().cloned().unwrap_or_default();
        if !failures.is_empty() {
            let mut t = Table::new(&["    PRODUCT", "REGION", "KIND", "STATUS", "ERROR"]);
            for f in &failures {
                t.row(vec![
                    format!("    {}", f["product"].as_str().unwrap_or("")),
                    f["region"].as_str().unwrap_or("").to_string(),
                    f["kind"].as_str().unwrap_or("").to_string(),
                    f["status"].as_str().unwrap_or("").to_string(),
                    or_dash(f["error_message"].as_str()),
                ]);
            }
            print!("{}", t.render());
        }
    }
    let running = &s["running_sync"];
    if !running.is_null() {
        let planned = running["planned_tasks"]
            .as_u64()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "?".to_string());
        println!(
            "  running sync:  run {} since {}: {}/{planned} tasks done",
            running["run_id"],
            or_dash(running["started_at"].as_str()),
            running["finished_tasks"]
        );
    }
    let next = |v: &serde_json::Value| -> String {
        serde_json::from_value::<policy::Next>(v.clone())
            .map(|n| n.text())
            .unwrap_or_else(|_| v.to_string())
    };
    println!("  next sync:     {}", next(&s["next_sync"]));
    println!("  next AK check: {}", next(&s["next_key_check"]));
}

/// `vigil status`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let all = match &args.connection {
        Some(name) => vec![ctx.sites.require(name)?],
        None => ctx.sites.all_connections()?,
    };
    let statuses = all.iter().map(status_of).collect::<Result<Vec<_>>>()?;
    if ctx.output == OutputFormat::Json {
        output::json(&statuses)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!(
            "No connections. Add one with `vigil connect baidu --name NAME`, or run `vigil demo`."
        );
    }
    for (i, (loc, s)) in all.iter().zip(&statuses).enumerate() {
        if i > 0 {
            println!();
        }
        print_status(loc, s);
    }
    Ok(ExitCode::SUCCESS)
}
