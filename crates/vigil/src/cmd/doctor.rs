//! `vigil doctor`: the setup guide's FAQ ("why don't I see my assets?"), answered from the
//! store. Every finding says what is wrong and the command or console step that fixes it.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde::Serialize;
use vigil_core::{registry, Region};
use vigil_store::{OutcomeStatus, RunStatus};

use crate::output::{self, or_dash};
use crate::policy;
use crate::sites::Located;
use crate::{Ctx, OutputFormat, EXIT_PARTIAL};

/// Arguments of `vigil doctor`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Checks, from what Vigil stored (no cloud calls): the key is valid (and since \
when it is not, and why); the cspm module is enabled; a sync has finished (or the first one is \
still running); the region is selected in the sync policy, or is a new region that region \
management left out; the product is selected and authorized (which policy to attach); the last \
sync collected it without errors.\n\nExit status: 0 when no problem is found, 2 when there are \
findings.\n\nExamples:\n  vigil doctor\n  vigil doctor --connection prod --region gz --product rds\n  \
vigil --output json doctor | jq '.findings[].fix'"
)]
pub struct Args {
    /// Only this connection (default: all, in both sites).
    #[arg(long)]
    pub connection: Option<String>,
    /// The region whose assets you expect (e.g. gz).
    #[arg(long)]
    pub region: Option<String>,
    /// The product whose assets you expect (e.g. rds).
    #[arg(long)]
    pub product: Option<String>,
}

/// One problem and its fix.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The connection.
    pub connection: String,
    /// A stable identifier of the FAQ case.
    pub code: &'static str,
    /// The region concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The product concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

/// The checks of one connection.
pub fn diagnose(
    loc: &Located,
    region: Option<&str>,
    product: Option<&str>,
) -> Result<Vec<Finding>> {
    let c = &loc.connection;
    let p = &c.policy;
    let name = c.name.as_str();
    let mut out = Vec::new();
    let mut finding = |code, region: Option<&str>, product: Option<&str>, problem, fix| {
        out.push(Finding {
            connection: name.to_string(),
            code,
            region: region.map(str::to_string),
            product: product.map(str::to_string),
            problem,
            fix,
        })
    };

    // The key.
    if policy::key_invalid(c) {
        finding(
            "key_invalid",
            None,
            None,
            format!(
                "the access key {} has been invalid since {}: {}. Nothing is synced while it is \
                 (scheduled syncs are paused).",
                c.access_key_id,
                or_dash(c.key_status_since.as_deref()),
                or_dash(c.key_status_reason.as_deref())
            ),
            format!(
                "in the console (IAM → Users → the user → Access keys) check that the key exists \
                 and is enabled, and that this machine's clock is right; or connect a new key with \
                 `vigil connect {} --name {name}`. Scheduled syncs resume by themselves after the \
                 next successful AK check; `vigil verify --connection {name}` checks now.",
                c.provider
            ),
        );
    }

    // The module.
    if !policy::cspm_enabled(p) {
        finding(
            "cspm_disabled",
            None,
            None,
            "the cspm module is disabled for this connection, so no assets are collected"
                .to_string(),
            format!("`vigil connection set {name} --modules cspm`"),
        );
    }

    // Syncs.
    let runs = loc.store.runs(Some(c.id), usize::MAX)?;
    let completed = runs.iter().find(|r| {
        matches!(
            r.status,
            RunStatus::Succeeded | RunStatus::Partial | RunStatus::Failed
        )
    });
    if completed.is_none() {
        if let Some(r) = runs.iter().find(|r| r.status == RunStatus::Running) {
            let planned = r
                .planned_tasks
                .map(|n| n.to_string())
                .unwrap_or_else(|| "?".to_string());
            finding(
                "first_sync_running",
                None,
                None,
                format!(
                    "the first sync (run {}, started {}) is still running: {}/{planned} tasks \
                     done; assets appear as it stores them",
                    r.id, r.started_at, r.finished_tasks
                ),
                format!("wait for it to finish; follow it with `vigil status --connection {name}`"),
            );
        } else if runs.is_empty() {
            finding(
                "never_synced",
                None,
                None,
                "this connection has never been synced, so there are no assets yet".to_string(),
                format!(
                    "`vigil sync --connection {name}` now, or keep `vigil serve` running for the \
                     schedule"
                ),
            );
        } else {
            finding(
                "no_sync_finished",
                None,
                None,
                format!(
                    "no sync has finished yet: the last one (run {}) was {}",
                    runs[0].id, runs[0].status
                ),
                format!("`vigil sync --connection {name}` (or keep `vigil serve` running)"),
            );
        }
    }

    // Regions.
    let newly_seen = policy::newly_seen_regions(c);
    let explicit = !policy::all_regions(p);
    let left_out = |r: &String| explicit && !p.regions.contains(r);
    let new_fix = |r: &str| {
        format!(
            "`vigil connection set {name} --region-management on` (includes it and later new \
             regions from the next sync on), or `vigil connection set {name} --regions {},{r}`",
            p.regions.join(",")
        )
    };
    match region {
        Some(r) => {
            let r = r.to_string();
            if !c.known_regions.is_empty()
                && !c.known_regions.contains(&r)
                && r != vigil_sync::GLOBAL_REGION
            {
                finding(
                    "region_unknown",
                    Some(&r),
                    None,
                    format!(
                        "region {r} is not among the regions this account can use \
                         (describeRegions listed: {})",
                        c.known_regions.join(", ")
                    ),
                    format!(
                        "check the region id; `vigil verify --connection {name}` refreshes the \
                         list"
                    ),
                );
            } else if r != vigil_sync::GLOBAL_REGION && left_out(&r) {
                if newly_seen.contains(&r) && !p.region_management {
                    finding(
                        "region_new_not_included",
                        Some(&r),
                        None,
                        format!(
                            "region {r} appeared after the connection was set up and is not \
                             collected: the sync policy lists regions {} and region management \
                             is off",
                            p.regions.join(", ")
                        ),
                        new_fix(&r),
                    );
                } else {
                    finding(
                        "region_not_selected",
                        Some(&r),
                        None,
                        format!(
                            "region {r} is not selected in the sync policy (regions: {})",
                            p.regions.join(", ")
                        ),
                        format!(
                            "`vigil connection set {name} --regions {},{r}` (or `--regions all`)",
                            p.regions.join(",")
                        ),
                    );
                }
            }
        }
        None => {
            if !p.region_management {
                for r in newly_seen.iter().filter(|r| left_out(r)) {
                    finding(
                        "region_new_not_included",
                        Some(r),
                        None,
                        format!(
                            "region {r} appeared after the connection was set up and is not \
                             collected: the sync policy lists regions {} and region management \
                             is off",
                            p.regions.join(", ")
                        ),
                        new_fix(r),
                    );
                }
            }
        }
    }

    // Products.
    if let (Some(want), Some(selected)) = (product, &p.products) {
        if !selected.iter().any(|s| s == want) {
            finding(
                "product_not_selected",
                None,
                Some(want),
                format!(
                    "product {want} is not selected in the sync policy (products: {})",
                    selected.join(", ")
                ),
                format!(
                    "`vigil connection set {name} --products {},{want}` (or `--products all`)",
                    selected.join(",")
                ),
            );
        }
    }
    let product_matches = |x: &str| product.is_none_or(|want| want == x);
    let region_matches =
        |x: &str| region.is_none_or(|want| want == x || x == vigil_sync::GLOBAL_REGION);
    // Denied products: from the last verification, and regions from the last finished sync.
    let mut denied: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    if let Some(doc) = c
        .verification_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
    {
        for pr in doc["products"].as_array().into_iter().flatten() {
            let id = pr["product"].as_str().unwrap_or_default();
            if pr["status"] == "denied" && product_matches(id) {
                let fix = pr["fix"].as_str().map(str::to_string);
                denied.entry(id.to_string()).or_default().0 = fix;
            }
        }
    }
    let mut failed = Vec::new();
    if let Some(run) = completed {
        for o in loc.store.outcomes(run.id)? {
            if !product_matches(&o.product) || !region_matches(&o.region) {
                continue;
            }
            match o.status {
                OutcomeStatus::NotAuthorized => {
                    let entry = denied.entry(o.product.clone()).or_default();
                    if !entry.1.contains(&o.region) {
                        entry.1.push(o.region.clone());
                    }
                }
                OutcomeStatus::Failed => failed.push((run.id, o)),
                _ => {}
            }
        }
    }
    for (id, (fix, regions)) in denied {
        let read_policy = registry::find(&c.provider, &id)
            .map(|d| d.read_policy)
            .unwrap_or("its read policy");
        let where_ = if regions.is_empty() {
            String::new()
        } else {
            format!(" (refused in: {})", regions.join(", "))
        };
        let fix = fix.unwrap_or_else(|| {
            format!(
                "attach {read_policy} (or GlobalReadPolicy) to the key's IAM user: IAM → Users → \
                 the user → Permissions → Add permission"
            )
        });
        finding(
            "product_not_authorized",
            None,
            Some(&id),
            format!(
                "the key is not authorized to read {id}{where_}; it is recorded as not authorized, \
                 never as empty"
            ),
            format!(
                "{fix}; or create a least-privilege policy with `vigil baidu policy --products \
                 {id}`. Then `vigil verify --connection {name}` and sync again."
            ),
        );
    }
    for (run_id, o) in failed {
        finding(
            "collection_failed",
            Some(&o.region),
            Some(&o.product),
            format!(
                "the last finished sync (run {run_id}) could not collect {} in {}: {}",
                o.kind,
                o.region,
                or_dash(o.error_message.as_deref())
            ),
            format!(
                "details in `vigil runs --show {run_id} --connection {name}`; sync again with \
                 `vigil sync --connection {name}` once the cause is fixed"
            ),
        );
    }
    Ok(out)
}

/// `vigil doctor`.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let all = ctx.sites.pick(args.connection.as_deref())?;
    if let Some(r) = &args.region {
        if r != vigil_sync::GLOBAL_REGION {
            Region::new(r).map_err(|e| anyhow::anyhow!("invalid --region: {e}"))?;
        }
    }
    if let Some(p) = &args.product {
        for loc in &all {
            if let Err(e) = registry::find(&loc.connection.provider, p) {
                bail!("invalid --product: {e}");
            }
        }
    }
    let mut findings = Vec::new();
    for loc in &all {
        findings.extend(diagnose(
            loc,
            args.region.as_deref(),
            args.product.as_deref(),
        )?);
    }
    let names: Vec<&str> = all.iter().map(|l| l.connection.name.as_str()).collect();
    if ctx.output == OutputFormat::Json {
        output::json(&serde_json::json!({
            "ok": findings.is_empty(),
            "connections": names,
            "findings": findings,
        }))?;
    } else if findings.is_empty() {
        println!(
            "No problem found for {} (key, modules, syncs{}{}).",
            names.join(", "),
            args.region
                .as_deref()
                .map(|r| format!(", region {r}"))
                .unwrap_or_default(),
            args.product
                .as_deref()
                .map(|p| format!(", product {p}"))
                .unwrap_or_default()
        );
    } else {
        for (i, f) in findings.iter().enumerate() {
            println!("{}. [{}] {}: {}", i + 1, f.connection, f.code, f.problem);
            println!("   fix: {}", f.fix);
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}
