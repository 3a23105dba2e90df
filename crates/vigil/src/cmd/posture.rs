//! The posture engine's commands: `vigil check` (evaluate a sync), `vigil findings` (query
//! and export findings) and `vigil compliance` (per-requirement status), plus the evaluation
//! that `vigil sync` runs after collecting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use vigil_checks::{compliance, EngineConfig, Severity, Status};
use vigil_store::{FindingFilter, RunStatus, Store, StoredFinding};

use crate::output::{self, Table};
use crate::sites::{Located, SiteStore};
use crate::{report, Ctx, OutputFormat, EXIT_FINDINGS};

/// What an evaluation found, for summaries.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PostureSummary {
    /// The evaluated run.
    pub run_id: i64,
    /// Checks run.
    pub checks: u64,
    /// Findings stored.
    pub findings: u64,
    /// Findings per status (muted included).
    pub by_status: BTreeMap<String, u64>,
    /// Unmuted FAIL findings per severity.
    pub failing_by_severity: BTreeMap<String, u64>,
    /// Muted findings.
    pub muted: u64,
}

/// The checks configuration of `--checks-config` / `--mutelist`.
pub fn engine_config(config: Option<&Path>, mutelist: Option<&Path>) -> Result<EngineConfig> {
    let mut c = match config {
        Some(p) => EngineConfig::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => EngineConfig::defaults(),
    };
    if let Some(m) = mutelist {
        c = c
            .with_mutelist_file(m)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(c)
}

/// Evaluates every registered check over a run and stores the findings.
pub fn evaluate(store: &Store, run_id: i64, config: &EngineConfig) -> Result<PostureSummary> {
    let result = vigil_checks::engine::evaluate_run(store, run_id, config, vigil_checks::checks())
        .map_err(|e| anyhow::anyhow!("evaluating the checks of sync run {run_id}: {e}"))?;
    let mut s = PostureSummary {
        run_id,
        checks: result.evaluation.checks,
        findings: result.evaluation.findings,
        muted: result.evaluation.muted,
        ..Default::default()
    };
    for status in Status::ALL {
        s.by_status.insert(status.as_str().to_string(), 0);
    }
    for f in &result.findings {
        *s.by_status
            .entry(f.finding.status.as_str().to_string())
            .or_default() += 1;
        if f.finding.status == Status::Fail && !f.muted {
            *s.failing_by_severity
                .entry(f.finding.severity.as_str().to_string())
                .or_default() += 1;
        }
    }
    Ok(s)
}

/// Evaluates after a sync, off the async runtime. Only runs that collected something
/// (succeeded or partial) are evaluated.
pub async fn evaluate_after_sync(
    store: Arc<Store>,
    run_id: i64,
    status: RunStatus,
    config: Arc<EngineConfig>,
) -> Option<std::result::Result<PostureSummary, String>> {
    if !matches!(status, RunStatus::Succeeded | RunStatus::Partial) {
        return None;
    }
    let joined = tokio::task::spawn_blocking(move || {
        evaluate(&store, run_id, &config).map_err(|e| format!("{e:#}"))
    })
    .await;
    Some(joined.unwrap_or_else(|e| Err(format!("the evaluation failed: {e}"))))
}

/// One line: `Posture of run 3: 59 checks, 212 findings — FAIL 40 (critical 5, high 20, ...), ...`.
pub fn summary_line(connection: &str, s: &PostureSummary) -> String {
    let sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            s.failing_by_severity
                .get(sev.as_str())
                .map(|n| format!("{} {n}", sev.as_str()))
        })
        .collect();
    let fail_unmuted: u64 = s.failing_by_severity.values().sum();
    format!(
        "Checks of {connection} (sync {}): {} checks, {} findings — {} failing{}; {} pass, {} manual, {} not applicable; {} muted. See `vigil findings --connection {connection}`.",
        s.run_id,
        s.checks,
        s.findings,
        fail_unmuted,
        if sev.is_empty() { String::new() } else { format!(" ({})", sev.join(", ")) },
        s.by_status.get("PASS").copied().unwrap_or(0),
        s.by_status.get("MANUAL").copied().unwrap_or(0),
        s.by_status.get("NOT_APPLICABLE").copied().unwrap_or(0),
        s.muted
    )
}

/// Prints a posture summary table (failing findings per severity).
pub fn print_summary(connection: &str, s: &PostureSummary) {
    let mut t = Table::new(&["SEVERITY", "FAILING"]);
    for sev in Severity::ALL {
        t.row(vec![
            sev.as_str().to_string(),
            s.failing_by_severity
                .get(sev.as_str())
                .copied()
                .unwrap_or(0)
                .to_string(),
        ]);
    }
    t.print();
    println!("{}", summary_line(connection, s));
}

fn only_table_or_json(ctx: &Ctx, command: &str) -> Result<()> {
    if !matches!(ctx.output, OutputFormat::Table | OutputFormat::Json) {
        bail!("`vigil {command}` prints tables or JSON only (--output table|json)");
    }
    Ok(())
}

/// Arguments of `vigil check`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Re-evaluates stored syncs offline (no cloud calls): the assets as they \
were at that sync (their versions from asset_history), its per-product outcomes (a product that \
was not collected gives MANUAL findings, never PASS or FAIL) and its start time as \"now\". \
Evaluating a sync again replaces its findings; finding ids, first_seen and resolved_at are kept \
consistent across syncs.\n\nWithout --sync, the latest sync of each connection (or of --connection) \
that succeeded or was partial is evaluated. Sync ids are numbered per site store: add \
--connection when both sites have runs.\n\nSee docs/CHECKS.md for parameters and the mutelist.\n\n\
Examples:\n  vigil check\n  vigil check --sync 12 --connection prod\n  vigil check --checks-config checks.toml --mutelist mutelist.yaml"
)]
pub struct CheckArgs {
    /// Evaluate this sync run.
    #[arg(long = "sync", value_name = "RUN_ID")]
    pub sync: Option<i64>,
    /// Only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// Check parameters and mutelist (TOML; see docs/CHECKS.md).
    #[arg(long, env = "VIGIL_CHECKS_CONFIG", value_name = "FILE")]
    pub checks_config: Option<PathBuf>,
    /// A mutelist (Prowler's YAML shape), replacing the config's.
    #[arg(long, value_name = "FILE")]
    pub mutelist: Option<PathBuf>,
    /// List the registered checks (id, severity, service, title) instead of evaluating.
    #[arg(long, conflicts_with_all = ["sync", "connection"])]
    pub list: bool,
}

/// `vigil check --list`.
fn list_checks(ctx: &Ctx) -> Result<ExitCode> {
    let checks = vigil_checks::checks();
    if ctx.output == OutputFormat::Json {
        let v: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                let m = &c.meta;
                serde_json::json!({
                    "id": m.id, "provider": m.provider, "service": m.service,
                    "severity": m.severity, "title": m.title, "resource_type": m.resource_type,
                    "categories": m.categories, "reads": m.reads,
                    "compliance": report::compliance_of(m.id),
                    "remediation_url": m.remediation.url,
                })
            })
            .collect();
        output::json(&v)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(&["CHECK", "SEVERITY", "SERVICE", "TITLE"]);
    for c in checks {
        t.row(vec![
            c.meta.id.to_string(),
            c.meta.severity.as_str().to_string(),
            c.meta.service.to_string(),
            c.meta.title.to_string(),
        ]);
    }
    t.print();
    println!("{} checks.", checks.len());
    Ok(ExitCode::SUCCESS)
}

/// The (store, run) pairs to evaluate.
fn pick_runs(ctx: &Ctx, run: Option<i64>, connection: Option<&str>) -> Result<Vec<(Located, i64)>> {
    let located = ctx.sites.pick(connection)?;
    let mut out = Vec::new();
    if let Some(run_id) = run {
        for loc in located {
            if let Some(r) = loc.store.run(run_id)? {
                if r.connection_id == loc.connection.id {
                    out.push((loc, run_id));
                }
            }
        }
        match out.len() {
            0 => bail!(
                "there is no sync run {run_id}{}; see `vigil runs`",
                connection
                    .map(|c| format!(" of connection {c}"))
                    .unwrap_or_default()
            ),
            1 => {}
            _ => bail!("sync run {run_id} exists in both site stores: add --connection NAME"),
        }
        return Ok(out);
    }
    for loc in located {
        let runs = loc.store.runs(Some(loc.connection.id), 1000)?;
        match runs
            .iter()
            .find(|r| matches!(r.status, RunStatus::Succeeded | RunStatus::Partial))
        {
            Some(r) => {
                let id = r.id;
                out.push((loc, id));
            }
            None if connection.is_some() => bail!(
                "connection {} has no sync that succeeded or was partial yet; run `vigil sync --connection {}`",
                loc.connection.name,
                loc.connection.name
            ),
            None => eprintln!(
                "Connection {}: skipped: no sync that succeeded or was partial yet",
                loc.connection.name
            ),
        }
    }
    Ok(out)
}

/// `vigil check`.
pub fn check(ctx: &Ctx, args: CheckArgs) -> Result<ExitCode> {
    only_table_or_json(ctx, "check")?;
    if args.list {
        return list_checks(ctx);
    }
    let config = engine_config(args.checks_config.as_deref(), args.mutelist.as_deref())?;
    let runs = pick_runs(ctx, args.sync, args.connection.as_deref())?;
    let mut json = Vec::new();
    for (loc, run_id) in runs {
        let s = evaluate(&loc.store, run_id, &config)?;
        if ctx.output == OutputFormat::Json {
            json.push(serde_json::json!({
                "connection": loc.connection.name, "site": loc.site.as_str(), "posture": s
            }));
        } else {
            print_summary(&loc.connection.name, &s);
        }
    }
    if ctx.output == OutputFormat::Json {
        output::json(&json)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_severity(s: &str) -> std::result::Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| {
        format!("unknown severity {s:?}: expected critical, high, medium, low or informational")
    })
}

fn parse_status(s: &str) -> std::result::Result<Status, String> {
    Status::parse(s).ok_or_else(|| {
        format!("unknown status {s:?}: expected PASS, FAIL, MANUAL or NOT_APPLICABLE")
    })
}

/// Arguments of `vigil findings`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Shows the findings of each connection's latest evaluated sync (or of \
--sync). Muted findings are hidden unless --include-muted; they are always stored.\n\n\
Formats (--output): table, json (the stored findings), csv (Prowler's columns, `;`-separated), \
ocsf (OCSF 1.5 Detection Finding array), sarif (SARIF 2.1.0: unmuted FAIL findings), html (one \
self-contained page). --out FILE writes the report to a file instead of stdout.\n\n\
--fail-on SEVERITY exits with status 3 when a selected, unmuted FAIL finding has that severity \
or a higher one: a CI gate.\n\nExamples:\n  vigil findings --status FAIL --severity critical,high\n  \
vigil findings --product bos --region bj --include-muted\n  vigil --output sarif findings --fail-on high > vigil.sarif\n  \
vigil --output html findings --out report.html"
)]
pub struct FindingsArgs {
    /// Only these severities (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Only these statuses (comma-separated: PASS, FAIL, MANUAL, NOT_APPLICABLE).
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    pub status: Vec<Status>,
    /// Only this check id.
    #[arg(long)]
    pub check: Option<String>,
    /// Only this product (the check's service: bcc, rds, bos, iam, ...).
    #[arg(long)]
    pub product: Option<String>,
    /// Only this region (`global` for account-wide findings).
    #[arg(long)]
    pub region: Option<String>,
    /// Only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// The findings of this sync run instead of the latest evaluated one.
    #[arg(long = "sync", value_name = "RUN_ID")]
    pub sync: Option<i64>,
    /// Include muted findings.
    #[arg(long)]
    pub include_muted: bool,
    /// Exit with status 3 if an unmuted FAIL of this severity or higher is selected.
    #[arg(long, value_parser = parse_severity, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Write the output to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn stores_for(ctx: &Ctx, connection: Option<&str>) -> Result<Vec<SiteStore>> {
    Ok(match connection {
        Some(name) => {
            let loc = ctx.sites.require(name)?;
            vec![SiteStore {
                site: loc.site,
                path: loc.path,
                store: loc.store,
            }]
        }
        None => ctx.sites.existing()?,
    })
}

/// The findings selected by a filter across the site stores.
pub fn select(ctx: &Ctx, filter: &FindingFilter) -> Result<Vec<StoredFinding>> {
    let mut out = Vec::new();
    for s in stores_for(ctx, filter.connection.as_deref())? {
        out.extend(s.store.findings(filter)?);
    }
    Ok(out)
}

/// `vigil findings`.
pub fn findings(ctx: &Ctx, args: FindingsArgs) -> Result<ExitCode> {
    let filter = FindingFilter {
        connection: args.connection.clone(),
        run_id: args.sync,
        severities: args
            .severity
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        statuses: args.status.iter().map(|s| s.as_str().to_string()).collect(),
        check_id: args.check.clone(),
        service: args.product.clone(),
        region: args.region.clone(),
        include_muted: args.include_muted,
        ..Default::default()
    };
    if let Some(c) = &args.check {
        if vigil_checks::find(c).is_none() {
            eprintln!("warning: no registered check is called {c:?} (see docs/CHECKS.md)");
        }
    }
    let found = select(ctx, &filter)?;
    let text = match ctx.output {
        OutputFormat::Table => {
            if found.is_empty() {
                "No findings match. (Has a sync been evaluated? `vigil sync` runs the checks; `vigil check` re-evaluates.)\n".to_string()
            } else {
                let multi = found.iter().any(|f| f.connection != found[0].connection);
                let mut t = if multi {
                    Table::new(&[
                        "CONNECTION",
                        "SEVERITY",
                        "STATUS",
                        "CHECK",
                        "REGION",
                        "RESOURCE",
                        "MESSAGE",
                    ])
                } else {
                    Table::new(&[
                        "SEVERITY", "STATUS", "CHECK", "REGION", "RESOURCE", "MESSAGE",
                    ])
                };
                for f in &found {
                    let mut row = Vec::new();
                    if multi {
                        row.push(f.connection.clone());
                    }
                    let status = if f.muted {
                        format!("{} (muted)", f.status)
                    } else {
                        f.status.clone()
                    };
                    let resource = match &f.resource_name {
                        Some(n) if n != &f.resource_id => format!("{} ({n})", f.resource_id),
                        _ => f.resource_id.clone(),
                    };
                    row.extend([
                        f.severity.clone(),
                        status,
                        f.check_id.clone(),
                        f.region.clone(),
                        resource,
                        f.message.replace('\n', " "),
                    ]);
                    t.row(row);
                }
                let mut s = t.render();
                let fail = found
                    .iter()
                    .filter(|f| f.status == "FAIL" && !f.muted)
                    .count();
                s.push_str(&format!("{} findings, {fail} failing.\n", found.len()));
                s
            }
        }
        OutputFormat::Json => serde_json::to_string_pretty(&found)? + "\n",
        OutputFormat::Csv => report::csv(&found),
        OutputFormat::Ocsf => serde_json::to_string_pretty(&report::ocsf(&found))? + "\n",
        OutputFormat::Sarif => serde_json::to_string_pretty(&report::sarif(&found))? + "\n",
        OutputFormat::Html => report::html(&found, "Vigil posture findings"),
    };
    match &args.out {
        Some(path) => std::fs::write(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
        }
    }
    if let Some(threshold) = args.fail_on {
        let gate = found.iter().any(|f| {
            f.status == "FAIL"
                && !f.muted
                && Severity::parse(&f.severity).is_some_and(|s| s.at_least(threshold))
        });
        if gate {
            eprintln!(
                "Failing findings of severity {threshold} or higher: exit status {EXIT_FINDINGS}."
            );
            return Ok(ExitCode::from(EXIT_FINDINGS));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `vigil compliance`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Per requirement of the framework: the Vigil checks mapped to it \
(crates/checks/compliance/*.json plus each check's own mappings) and a status from the latest \
findings: fail (an unmuted FAIL), manual (a check could not be evaluated, or found nothing to \
evaluate), pass (only PASS / NOT_APPLICABLE), not covered (no Vigil check maps to it). Muted \
findings are ignored. Mappings are Vigil's interpretation (see the framework file).\n\n\
Examples:\n  vigil compliance --framework cis_alibaba_2.0\n  vigil --output json compliance --framework mlps_2.0_l3 --connection prod"
)]
pub struct ComplianceArgs {
    /// cis_alibaba_2.0 or mlps_2.0_l3.
    #[arg(long)]
    pub framework: String,
    /// Only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// The findings of this sync run instead of the latest evaluated one.
    #[arg(long = "sync", value_name = "RUN_ID")]
    pub sync: Option<i64>,
}

/// `vigil compliance`.
pub fn compliance_cmd(ctx: &Ctx, args: ComplianceArgs) -> Result<ExitCode> {
    only_table_or_json(ctx, "compliance")?;
    let Some(framework) = compliance::framework(&args.framework) else {
        let known: Vec<&str> = compliance::frameworks()
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        bail!(
            "unknown framework {:?}: expected one of {}",
            args.framework,
            known.join(", ")
        );
    };
    let filter = FindingFilter {
        connection: args.connection.clone(),
        run_id: args.sync,
        include_muted: true,
        ..Default::default()
    };
    let found = select(ctx, &filter)?;
    let results = compliance::assess(framework, vigil_checks::checks(), &found);
    if ctx.output == OutputFormat::Json {
        output::json(&serde_json::json!({
            "framework": {
                "id": framework.id, "name": framework.name, "version": framework.version,
                "interpretation": framework.interpretation,
            },
            "requirements": results,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} ({})", framework.name, framework.version);
    let mut t = Table::new(&[
        "REQUIREMENT",
        "STATUS",
        "PASS",
        "FAIL",
        "MANUAL",
        "CHECKS",
        "TITLE",
    ]);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &results {
        *counts.entry(r.status.as_str()).or_default() += 1;
        t.row(vec![
            r.id.clone(),
            r.status.as_str().to_string(),
            r.pass.to_string(),
            r.fail.to_string(),
            r.manual.to_string(),
            r.checks.len().to_string(),
            r.title.clone(),
        ]);
    }
    t.print();
    println!(
        "{} requirements: {}. Mappings are Vigil's interpretation: {}",
        results.len(),
        counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        framework.interpretation
    );
    Ok(ExitCode::SUCCESS)
}
