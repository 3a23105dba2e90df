//! Evaluating a whole sync run: the [`CheckContext`] from the store, every registered check,
//! the mutelist, and the findings written back to the store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vigil_core::{Error, ErrorKind, Result};
use vigil_store::{Evaluation, NewEvaluation, NewFinding, OutcomeStatus, Store, StoredAsset};

use crate::context::CheckContext;
use crate::model::{AssetView, Check, Coverage, Finding, Status};
use crate::mutelist::{asset_tags, MuteTarget, Mutelist};
use crate::params::Params;

/// The engine's version, stored with every evaluation.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Parameters and mutelist for an evaluation (`--checks-config FILE`).
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    pub params: Params,
    pub mutelist: Mutelist,
    /// The config file, if any.
    pub path: Option<PathBuf>,
    /// The mutelist file, if any.
    pub mutelist_path: Option<PathBuf>,
}

impl EngineConfig {
    /// Defaults, no mutelist.
    pub fn defaults() -> EngineConfig {
        EngineConfig::default()
    }

    /// Parses a checks config file (TOML): `mutelist = "path"` (relative to `base_dir`) and the
    /// parameters in a `[params]` table.
    pub fn from_toml_str(text: &str, base_dir: Option<&Path>) -> Result<EngineConfig> {
        let bad = |m: String| Error::new(ErrorKind::Config, m);
        let table: toml::Table =
            toml::from_str(text).map_err(|e| bad(format!("invalid checks config (TOML): {e}")))?;
        let mut config = EngineConfig::default();
        for (key, value) in &table {
            match key.as_str() {
                "params" => {
                    let json = serde_json::to_value(value).map_err(|e| bad(e.to_string()))?;
                    let Value::Object(map) = json else {
                        return Err(bad("[params] must be a table".to_string()));
                    };
                    config.params = Params::from_overrides(&map).map_err(|e| bad(e.0))?;
                }
                "mutelist" => {
                    let Some(p) = value.as_str() else {
                        return Err(bad("mutelist must be a file path".to_string()));
                    };
                    let path = match base_dir {
                        Some(dir) if Path::new(p).is_relative() => dir.join(p),
                        _ => PathBuf::from(p),
                    };
                    config.mutelist = Mutelist::load(&path).map_err(|e| bad(e.0))?;
                    config.mutelist_path = Some(path);
                }
                other => {
                    return Err(bad(format!(
                    "unknown key {other:?} in the checks config: expected `mutelist = \"FILE\"` \
                         and a [params] table"
                )))
                }
            }
        }
        Ok(config)
    }

    /// Reads a checks config file.
    pub fn load(path: &Path) -> Result<EngineConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("reading the checks config {}: {e}", path.display()),
            )
        })?;
        let mut c = EngineConfig::from_toml_str(&text, path.parent()).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("{}: {}", path.display(), e.message()),
            )
        })?;
        c.path = Some(path.to_path_buf());
        Ok(c)
    }

    /// Uses a mutelist file (replacing any from the config).
    pub fn with_mutelist_file(mut self, path: &Path) -> Result<EngineConfig> {
        self.mutelist = Mutelist::load(path).map_err(|e| Error::new(ErrorKind::Config, e.0))?;
        self.mutelist_path = Some(path.to_path_buf());
        Ok(self)
    }

    /// What is stored with an evaluation: every parameter in force and the mutelist's digest.
    pub fn to_json(&self) -> Value {
        let params: serde_json::Map<String, Value> = self
            .params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let mutelist = self.mutelist.source().map(|s| {
            json!({
                "entries": self.mutelist.len(),
                "sha256": hex::encode(Sha256::digest(s.as_bytes())),
                "path": self.mutelist_path.as_ref().map(|p| p.display().to_string()),
            })
        });
        json!({ "params": params, "mutelist": mutelist })
    }
}

/// A finding with its id and mute state.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedFinding {
    pub id: String,
    pub finding: Finding,
    pub muted: bool,
    pub mute_reason: Option<String>,
}

/// The result of evaluating a run.
#[derive(Debug, Clone)]
pub struct RunEvaluation {
    /// The stored evaluation (counts, config).
    pub evaluation: Evaluation,
    /// The findings as stored, in evaluation order.
    pub findings: Vec<EvaluatedFinding>,
}

/// What the store knows about a run, for building its context.
#[derive(Debug, Clone)]
pub struct RunInput {
    pub run_id: i64,
    pub connection: String,
    pub provider: String,
    pub account_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub assets: Vec<AssetView>,
    pub coverage: BTreeMap<(String, String), Coverage>,
    pub verification: Option<Value>,
}

fn store_err(m: String) -> Error {
    Error::new(ErrorKind::Store, m)
}

/// Reads a run's inputs: the assets present as of the run (in their version at that run), the
/// coverage from its outcomes, the connection's verification report and the run's start time.
pub fn load_run(store: &Store, run_id: i64) -> Result<RunInput> {
    let run = store
        .run(run_id)?
        .ok_or_else(|| Error::new(ErrorKind::Config, format!("there is no sync run {run_id}")))?;
    let connection = store.connection_by_id(run.connection_id)?.ok_or_else(|| {
        store_err(format!(
            "run {run_id}: connection {} is gone",
            run.connection_id
        ))
    })?;
    let started_at = DateTime::parse_from_rfc3339(&run.started_at)
        .map_err(|e| store_err(format!("run {run_id}: bad started_at: {e}")))?
        .with_timezone(&Utc);
    let assets = store
        .assets_at_run(run_id)?
        .into_iter()
        .map(asset_view)
        .collect();
    let mut coverage = BTreeMap::new();
    for o in store.outcomes(run_id)? {
        let cov = match o.status {
            OutcomeStatus::Ok => Coverage::Collected,
            OutcomeStatus::NotAuthorized => Coverage::NotAuthorized {
                policy: vigil_core::registry::find(&connection.provider, &o.product)
                    .ok()
                    .map(|d| d.read_policy.to_string())
                    .filter(|p| !p.is_empty()),
            },
            OutcomeStatus::Failed | OutcomeStatus::Skipped => {
                let mut error = String::new();
                if o.status == OutcomeStatus::Skipped {
                    error.push_str("skipped");
                }
                for part in [&o.error_kind, &o.error_code, &o.error_message] {
                    if let Some(p) = part.as_deref().filter(|p| !p.is_empty()) {
                        if !error.is_empty() {
                            error.push_str(": ");
                        }
                        error.push_str(p);
                    }
                }
                if let Some(r) = &o.request_id {
                    error.push_str(&format!(" (request id {r})"));
                }
                if error.is_empty() {
                    error = o.status.as_str().to_string();
                }
                Coverage::Failed { error }
            }
        };
        coverage.insert((o.kind.clone(), o.region.clone()), cov);
    }
    let verification = connection
        .verification_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let account_id = connection.account_id.clone().or_else(|| {
        verification
            .as_ref()
            .and_then(|v: &Value| v.pointer("/identity/account_id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    Ok(RunInput {
        run_id,
        connection: connection.name,
        provider: connection.provider,
        account_id,
        started_at,
        assets,
        coverage,
        verification,
    })
}

/// A stored asset as checks see it.
pub fn asset_view(a: StoredAsset) -> AssetView {
    AssetView {
        kind: a.kind,
        region: a.region,
        resource_id: a.resource_id,
        name: a.name,
        raw: a.raw,
        details: a.details,
        detail_errors: a.detail_errors,
    }
}

/// Runs `checks` over the context: a check that panics yields one MANUAL account finding
/// saying so instead of aborting the evaluation; findings carry their check's id; two
/// findings with the same id keep the worse (FAIL > MANUAL > PASS > NOT_APPLICABLE).
pub fn run_checks(ctx: &CheckContext<'_>, checks: &[&'static Check]) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in checks {
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (check.evaluate)(ctx)));
        match result {
            Ok(findings) => {
                for mut f in findings {
                    f.check_id = check.meta.id.to_string();
                    out.push(f);
                }
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                tracing::error!(check = check.meta.id, %msg, "check panicked");
                out.extend(ctx.manual_account(
                    check,
                    &format!("the check failed internally ({msg}); please report this"),
                ));
            }
        }
    }
    dedupe(out)
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Manual => 1,
        Status::Pass => 2,
        Status::NotApplicable => 3,
    }
}

fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut index: BTreeMap<(String, String, String, String), usize> = BTreeMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let key = (
            f.check_id.clone(),
            f.resource_kind.clone(),
            f.region.clone(),
            f.resource_id.clone(),
        );
        match index.get(&key) {
            Some(&i) => {
                tracing::debug!(check = %f.check_id, resource = %f.resource_id, "duplicate finding merged");
                if rank(f.status) < rank(out[i].status) {
                    out[i] = f;
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

/// Applies the mutelist and computes ids.
pub fn finalize(
    input: &RunInput,
    ctx: &CheckContext<'_>,
    findings: Vec<Finding>,
    mutelist: &Mutelist,
) -> Vec<EvaluatedFinding> {
    findings
        .into_iter()
        .map(|f| {
            let tags = ctx
                .assets(&f.resource_kind)
                .iter()
                .find(|a| a.region == f.region && a.resource_id == f.resource_id)
                .map(|a| asset_tags(&a.raw))
                .unwrap_or_default();
            let reason = mutelist.mute_reason(&MuteTarget {
                account_id: input.account_id.as_deref(),
                connection: &input.connection,
                check_id: &f.check_id,
                region: &f.region,
                resource_id: &f.resource_id,
                resource_name: f.resource_name.as_deref(),
                tags,
            });
            EvaluatedFinding {
                id: f.id(&input.connection),
                muted: reason.is_some(),
                mute_reason: reason,
                finding: f,
            }
        })
        .collect()
}

/// Evaluates every registered check (or `checks`) over a run and stores the findings
/// (replacing an earlier evaluation of the same run).
pub fn evaluate_run(
    store: &Store,
    run_id: i64,
    config: &EngineConfig,
    checks: &[&'static Check],
) -> Result<RunEvaluation> {
    let input = load_run(store, run_id)?;
    let ctx = CheckContext::new(
        input.assets.clone(),
        input.coverage.clone(),
        input.started_at,
        &config.params,
        input.verification.clone(),
    );
    let findings = run_checks(&ctx, checks);
    let evaluated = finalize(&input, &ctx, findings, &config.mutelist);
    let rows: Vec<NewFinding> = evaluated
        .iter()
        .map(|e| {
            let service = crate::find(&e.finding.check_id)
                .or_else(|| {
                    checks
                        .iter()
                        .copied()
                        .find(|c| c.meta.id == e.finding.check_id)
                })
                .map(|c| c.meta.service.to_string())
                .unwrap_or_default();
            NewFinding {
                finding_id: e.id.clone(),
                check_id: e.finding.check_id.clone(),
                status: e.finding.status.as_str().to_string(),
                severity: e.finding.severity.as_str().to_string(),
                service,
                resource_kind: e.finding.resource_kind.clone(),
                resource_id: e.finding.resource_id.clone(),
                resource_name: e.finding.resource_name.clone(),
                region: e.finding.region.clone(),
                message: e.finding.message.clone(),
                evidence: e.finding.evidence.clone(),
                related: serde_json::to_value(&e.finding.related).unwrap_or(Value::Array(vec![])),
                muted: e.muted,
                mute_reason: e.mute_reason.clone(),
            }
        })
        .collect();
    let evaluation = store.write_findings(
        run_id,
        &NewEvaluation {
            engine_version: ENGINE_VERSION.to_string(),
            checks: checks.len() as u64,
            config: config.to_json(),
        },
        &rows,
    )?;
    Ok(RunEvaluation {
        evaluation,
        findings: evaluated,
    })
}
