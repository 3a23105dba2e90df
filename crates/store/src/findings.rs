//! The `evaluations` and `findings` tables, and the assets of a past run (the input of an
//! evaluation).

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::Value;
use rusqlite::{
    params, params_from_iter, OptionalExtension, Row, Transaction, TransactionBehavior,
};

use crate::assets::{asset_from_row, json_column, json_list, ASSET_COLUMNS};
use crate::{count, now, sql_limit, Result, Store, StoredAsset};

/// Finding statuses as stored.
pub const FINDING_STATUSES: [&str; 4] = ["PASS", "FAIL", "MANUAL", "NOT_APPLICABLE"];
/// Severities as stored, most severe first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "informational"];

/// One finding to store ([`Store::write_findings`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewFinding {
    /// Deterministic id (32 hex digits), stable across runs.
    pub finding_id: String,
    /// The check, e.g. `baidu_bcc_securitygroup_internet_ssh_22`.
    pub check_id: String,
    /// One of [`FINDING_STATUSES`].
    pub status: String,
    /// One of [`SEVERITIES`].
    pub severity: String,
    /// The check's service (`bcc`, `rds`, ...).
    pub service: String,
    /// Asset kind of the resource (`account` for account-level findings).
    pub resource_kind: String,
    /// The resource's id (`*` when a whole region could not be evaluated).
    pub resource_id: String,
    /// Its display name.
    pub resource_name: Option<String>,
    /// Region or `global`.
    pub region: String,
    /// What was found.
    pub message: String,
    /// The field values that decided it.
    pub evidence: serde_json::Value,
    /// Other resources involved (a JSON array).
    pub related: serde_json::Value,
    /// Whether a mutelist entry matches.
    pub muted: bool,
    /// The matching entry's reason.
    pub mute_reason: Option<String>,
}

/// What was evaluated ([`Store::write_findings`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewEvaluation {
    /// The engine's version.
    pub engine_version: String,
    /// How many checks ran.
    pub checks: u64,
    /// Parameters and mutelist in force (a JSON object).
    pub config: serde_json::Value,
}

/// An evaluated run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    /// The run (`sync_runs.id`).
    pub run_id: i64,
    /// Its connection's id.
    pub connection_id: i64,
    /// Its connection's name.
    pub connection: String,
    /// When the run started (the evaluation's "now").
    pub run_started_at: String,
    /// When it was (last) evaluated.
    pub evaluated_at: String,
    /// The engine version.
    pub engine_version: String,
    /// Checks run.
    pub checks: u64,
    /// Findings stored.
    pub findings: u64,
    /// FAIL findings (muted or not).
    pub failed: u64,
    /// Muted findings.
    pub muted: u64,
    /// Parameters and mutelist in force.
    pub config: serde_json::Value,
}

/// A stored finding.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredFinding {
    /// The run it belongs to.
    pub run_id: i64,
    /// When that run started.
    pub run_started_at: String,
    /// The connection's id.
    pub connection_id: i64,
    /// The connection's name.
    pub connection: String,
    /// The connection's provider.
    pub provider: String,
    /// The cloud account id, when known.
    pub account_id: Option<String>,
    /// Deterministic finding id.
    pub finding_id: String,
    /// The check.
    pub check_id: String,
    /// `PASS`, `FAIL`, `MANUAL`, `NOT_APPLICABLE`.
    pub status: String,
    /// `critical` ... `informational`.
    pub severity: String,
    /// The check's service.
    pub service: String,
    /// Asset kind.
    pub resource_kind: String,
    /// Resource id.
    pub resource_id: String,
    /// Resource name.
    pub resource_name: Option<String>,
    /// Region.
    pub region: String,
    /// Message.
    pub message: String,
    /// Evidence.
    pub evidence: serde_json::Value,
    /// Related resources (JSON array).
    pub related: serde_json::Value,
    /// Muted by the mutelist.
    pub muted: bool,
    /// Why.
    pub mute_reason: Option<String>,
    /// When this finding was first seen failing (the start of the first run where it failed);
    /// `None` if it never failed.
    pub first_seen: Option<String>,
    /// When it stopped failing (the start of the first later run where it passed, was not
    /// applicable or its resource was gone); `None` while failing or if it never failed.
    pub resolved_at: Option<String>,
    /// The run that resolved it.
    pub resolved_run_id: Option<i64>,
}

/// Which findings to read. Unset fields match everything; with no `run_id`, each connection's
/// latest evaluated run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FindingFilter {
    /// Connection name.
    pub connection: Option<String>,
    /// Only this run (instead of each connection's latest evaluated run).
    pub run_id: Option<i64>,
    /// Any of these severities.
    pub severities: Vec<String>,
    /// Any of these statuses.
    pub statuses: Vec<String>,
    /// This check.
    pub check_id: Option<String>,
    /// This service / product.
    pub service: Option<String>,
    /// This region.
    pub region: Option<String>,
    /// This finding id (across runs when `all_runs`).
    pub finding_id: Option<String>,
    /// Every evaluated run instead of the latest (ignored when `run_id` is set).
    pub all_runs: bool,
    /// Include muted findings.
    pub include_muted: bool,
    /// At most this many rows.
    pub limit: Option<usize>,
}

const FINDING_COLUMNS: &str = "f.run_id, r.started_at, f.connection_id, c.name, c.provider, \
     c.account_id, f.finding_id, f.check_id, f.status, f.severity, f.service, f.resource_kind, \
     f.resource_id, f.resource_name, f.region, f.message, f.evidence_json, f.related_json, \
     f.muted, f.mute_reason, f.first_seen, f.resolved_at, f.resolved_run_id";

fn finding_from_row(row: &Row<'_>) -> rusqlite::Result<StoredFinding> {
    Ok(StoredFinding {
        run_id: row.get(0)?,
        run_started_at: row.get(1)?,
        connection_id: row.get(2)?,
        connection: row.get(3)?,
        provider: row.get(4)?,
        account_id: row.get(5)?,
        finding_id: row.get(6)?,
        check_id: row.get(7)?,
        status: row.get(8)?,
        severity: row.get(9)?,
        service: row.get(10)?,
        resource_kind: row.get(11)?,
        resource_id: row.get(12)?,
        resource_name: row.get(13)?,
        region: row.get(14)?,
        message: row.get(15)?,
        evidence: json_column(row, 16)?,
        related: json_column(row, 17)?,
        muted: row.get::<_, i64>(18)? != 0,
        mute_reason: row.get(19)?,
        first_seen: row.get(20)?,
        resolved_at: row.get(21)?,
        resolved_run_id: row.get(22)?,
    })
}

fn evaluation_from_row(row: &Row<'_>) -> rusqlite::Result<Evaluation> {
    Ok(Evaluation {
        run_id: row.get(0)?,
        connection_id: row.get(1)?,
        connection: row.get(2)?,
        run_started_at: row.get(3)?,
        evaluated_at: row.get(4)?,
        engine_version: row.get(5)?,
        checks: count(row.get(6)?),
        findings: count(row.get(7)?),
        failed: count(row.get(8)?),
        muted: count(row.get(9)?),
        config: json_column(row, 10)?,
    })
}

/// A finding's resource: (kind, region, resource id).
type Resource = (String, String, String);

/// What the lifecycle pass knows about a finding id: its latest row.
#[derive(Debug, Clone)]
struct Track {
    row_id: i64,
    run_id: i64,
    first_seen: Option<String>,
    /// Failing and not resolved.
    open: bool,
    resolved_at: Option<String>,
    resolved_run_id: Option<i64>,
    resource: Resource,
}

impl Store {
    /// Store the findings of an evaluation of `run_id`, in one transaction. Evaluating the same
    /// run again replaces its findings. `first_seen`, `resolved_at` and `resolved_run_id` are
    /// computed here from the connection's evaluated runs in run order (using each run's
    /// `started_at`, so re-evaluating gives the same values), and recomputed for later runs
    /// when an earlier run is re-evaluated:
    ///
    /// - `first_seen`: the start of the first run where the finding id failed (kept when it
    ///   stops failing and fails again);
    /// - `resolved_at`: set on the first run after a failure where it is PASS or
    ///   NOT_APPLICABLE (MANUAL leaves it open), cleared when it fails again; when the finding
    ///   is missing from a later run because its resource is gone (no longer present as of that
    ///   run), its latest (FAIL) row gets that run's start as `resolved_at`.
    ///
    /// Fails if a finding id appears twice or a status or severity is unknown.
    pub fn write_findings(
        &self,
        run_id: i64,
        evaluation: &NewEvaluation,
        findings: &[NewFinding],
    ) -> Result<Evaluation> {
        let what = format!("writing the findings of sync run {run_id}");
        let mut seen = BTreeSet::new();
        for f in findings {
            if !seen.insert(f.finding_id.as_str()) {
                return Err(self.invalid(format!(
                    "{what}: finding id {} ({} on {}) appears twice",
                    f.finding_id, f.check_id, f.resource_id
                )));
            }
            if !FINDING_STATUSES.contains(&f.status.as_str()) {
                return Err(self.invalid(format!("{what}: unknown status {:?}", f.status)));
            }
            if !SEVERITIES.contains(&f.severity.as_str()) {
                return Err(self.invalid(format!("{what}: unknown severity {:?}", f.severity)));
            }
        }
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        let connection_id: i64 = tx
            .query_row(
                "SELECT connection_id FROM sync_runs WHERE id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.fail(&what))?
            .ok_or_else(|| self.invalid(format!("{what}: there is no run {run_id}")))?;
        let failed = findings.iter().filter(|f| f.status == "FAIL").count() as i64;
        let muted = findings.iter().filter(|f| f.muted).count() as i64;
        let write = |tx: &Transaction<'_>| -> rusqlite::Result<()> {
            tx.execute("DELETE FROM findings WHERE run_id = ?1", [run_id])?;
            tx.execute("DELETE FROM evaluations WHERE run_id = ?1", [run_id])?;
            tx.execute(
                "INSERT INTO evaluations (run_id, connection_id, evaluated_at, engine_version,
                                          checks, findings, failed, muted, config_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run_id,
                    connection_id,
                    now(),
                    evaluation.engine_version,
                    i64::try_from(evaluation.checks).unwrap_or(i64::MAX),
                    findings.len() as i64,
                    failed,
                    muted,
                    serde_json::to_string(&evaluation.config)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
                ],
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO findings (run_id, connection_id, finding_id, check_id, status,
                     severity, service, resource_kind, resource_id, resource_name, region,
                     message, evidence_json, related_json, muted, mute_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?;
            for f in findings {
                let json = |v: &serde_json::Value| {
                    serde_json::to_string(v)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
                };
                let related = if f.related.is_array() {
                    json(&f.related)?
                } else {
                    "[]".to_string()
                };
                insert.execute(params![
                    run_id,
                    connection_id,
                    f.finding_id,
                    f.check_id,
                    f.status,
                    f.severity,
                    f.service,
                    f.resource_kind,
                    f.resource_id,
                    f.resource_name,
                    f.region,
                    f.message,
                    json(&f.evidence)?,
                    related,
                    f.muted,
                    f.mute_reason,
                ])?;
            }
            recompute_lifecycle(tx, connection_id, run_id)
        };
        write(&tx).map_err(self.fail(&what))?;
        tx.commit().map_err(self.fail(&what))?;
        drop(db);
        self.evaluation(run_id)?
            .ok_or_else(|| self.invalid(format!("{what}: the evaluation vanished")))
    }

    /// The evaluation of a run, if it was evaluated.
    pub fn evaluation(&self, run_id: i64) -> Result<Option<Evaluation>> {
        self.db()
            .query_row(
                &format!("{EVALUATION_SELECT} WHERE e.run_id = ?1"),
                [run_id],
                evaluation_from_row,
            )
            .optional()
            .map_err(self.fail(&format!("reading the evaluation of sync run {run_id}")))
    }

    /// Evaluated runs, of one connection or all, newest first.
    pub fn evaluations(&self, connection_id: Option<i64>, limit: usize) -> Result<Vec<Evaluation>> {
        let what = "reading evaluations";
        let db = self.db();
        let mut stmt = db
            .prepare_cached(&format!(
                "{EVALUATION_SELECT} WHERE ?1 IS NULL OR e.connection_id = ?1
                 ORDER BY e.run_id DESC LIMIT ?2"
            ))
            .map_err(self.fail(what))?;
        let rows = stmt
            .query_map(
                params![connection_id, sql_limit(limit)],
                evaluation_from_row,
            )
            .map_err(self.fail(what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(what))
    }

    /// The findings matching `filter`, most severe first, then by check, region and resource.
    pub fn findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>> {
        let what = "reading findings";
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (clause, value) in [
            ("c.name = ?", &filter.connection),
            ("f.check_id = ?", &filter.check_id),
            ("f.service = ?", &filter.service),
            ("f.region = ?", &filter.region),
            ("f.finding_id = ?", &filter.finding_id),
        ] {
            if let Some(v) = value {
                clauses.push(clause.to_string());
                values.push(Value::Text(v.clone()));
            }
        }
        for (column, list) in [
            ("f.severity", &filter.severities),
            ("f.status", &filter.statuses),
        ] {
            if !list.is_empty() {
                let marks = vec!["?"; list.len()].join(", ");
                clauses.push(format!("{column} IN ({marks})"));
                values.extend(list.iter().map(|s| Value::Text(s.clone())));
            }
        }
        let mut latest = "";
        if let Some(run) = filter.run_id {
            clauses.push("f.run_id = ?".to_string());
            values.push(Value::Integer(run));
        } else if !filter.all_runs {
            // Each connection's latest evaluated run, joined first so that SQLite reads only
            // those runs' rows (through the (run_id, finding_id) index).
            latest = " JOIN (SELECT connection_id, max(run_id) AS run_id FROM evaluations \
                      GROUP BY connection_id) l ON l.run_id = f.run_id";
        }
        if !filter.include_muted {
            clauses.push("f.muted = 0".to_string());
        }
        let mut sql = format!(
            "SELECT {FINDING_COLUMNS}
             FROM findings f{latest}
             JOIN connections c ON c.id = f.connection_id
             JOIN sync_runs r ON r.id = f.run_id"
        );
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(
            " ORDER BY c.name, f.run_id,
               CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                               WHEN 'low' THEN 3 ELSE 4 END,
               CASE f.status WHEN 'FAIL' THEN 0 WHEN 'MANUAL' THEN 1 WHEN 'PASS' THEN 2 ELSE 3 END,
               f.check_id, f.region, f.resource_id",
        );
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            values.push(Value::Integer(sql_limit(limit)));
        }
        let db = self.db();
        let mut stmt = db.prepare_cached(&sql).map_err(self.fail(what))?;
        let rows = stmt
            .query_map(params_from_iter(values), finding_from_row)
            .map_err(self.fail(what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(what))
    }

    /// The assets of the run's connection as they were when `run_id` ran: present then
    /// (`first_run_id <= run_id` and not marked deleted by that run or earlier), each in the
    /// version valid at that run — the `asset_history` version replaced by the first later run
    /// that changed it, else the current row. Ordered like [`Store::assets`].
    ///
    /// An asset that was marked deleted and later seen again has lost its deletion marks, so
    /// it counts as present for the runs in between.
    pub fn assets_at_run(&self, run_id: i64) -> Result<Vec<StoredAsset>> {
        let what = format!("reading the assets of sync run {run_id}");
        let db = self.db();
        let connection_id: i64 = db
            .query_row(
                "SELECT connection_id FROM sync_runs WHERE id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.fail(&what))?
            .ok_or_else(|| self.invalid(format!("{what}: there is no run {run_id}")))?;
        let mut stmt = db
            .prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS}, h.raw_json, h.details_json, h.detail_errors_json,
                        h.id IS NOT NULL
                 FROM assets a JOIN connections c ON c.id = a.connection_id
                 LEFT JOIN asset_history h ON h.id = (
                     SELECT min(h2.id) FROM asset_history h2
                     WHERE h2.asset_id = a.id AND h2.run_id > ?2)
                 WHERE a.connection_id = ?1 AND a.first_run_id <= ?2
                   AND (a.deleted_run_id IS NULL OR a.deleted_run_id > ?2)
                 ORDER BY c.name, a.product, a.kind, a.region, a.resource_id"
            ))
            .map_err(self.fail(&what))?;
        let n = ASSET_COLUMNS.split(',').count();
        let rows = stmt
            .query_map(params![connection_id, run_id], |row| {
                let mut asset = asset_from_row(row)?;
                let historical: bool = row.get(n + 3)?;
                if historical {
                    asset.raw = json_column(row, n)?;
                    asset.details = json_column(row, n + 1)?;
                    asset.detail_errors = json_list(row, n + 2)?;
                }
                Ok(asset)
            })
            .map_err(self.fail(&what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(&what))
    }
}

const EVALUATION_SELECT: &str = "SELECT e.run_id, e.connection_id, c.name, r.started_at, \
     e.evaluated_at, e.engine_version, e.checks, e.findings, e.failed, e.muted, e.config_json \
     FROM evaluations e JOIN connections c ON c.id = e.connection_id \
     JOIN sync_runs r ON r.id = e.run_id";

/// Recompute `first_seen`, `resolved_at` and `resolved_run_id` of the connection's findings in
/// every evaluated run from `from_run` on (see [`Store::write_findings`]).
fn recompute_lifecycle(
    tx: &Transaction<'_>,
    connection_id: i64,
    from_run: i64,
) -> rusqlite::Result<()> {
    // Undo resolutions that runs from `from_run` on made on earlier rows (resource gone).
    tx.execute(
        "UPDATE findings SET resolved_at = NULL, resolved_run_id = NULL
         WHERE connection_id = ?1 AND run_id < ?2 AND resolved_run_id >= ?2",
        params![connection_id, from_run],
    )?;
    // The state before `from_run`: each finding id's latest row.
    let mut state: HashMap<String, Track> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT f.id, f.run_id, f.finding_id, f.status, f.first_seen, f.resolved_at,
                    f.resolved_run_id, f.resource_kind, f.region, f.resource_id
             FROM findings f
             WHERE f.connection_id = ?1 AND f.run_id < ?2
               AND f.run_id = (SELECT max(g.run_id) FROM findings g
                               WHERE g.connection_id = ?1 AND g.finding_id = f.finding_id
                                 AND g.run_id < ?2)",
        )?;
        let mut rows = stmt.query(params![connection_id, from_run])?;
        while let Some(r) = rows.next()? {
            let status: String = r.get(3)?;
            let first_seen: Option<String> = r.get(4)?;
            let resolved_at: Option<String> = r.get(5)?;
            state.insert(
                r.get(2)?,
                Track {
                    row_id: r.get(0)?,
                    run_id: r.get(1)?,
                    open: first_seen.is_some()
                        && resolved_at.is_none()
                        && (status == "FAIL" || status == "MANUAL"),
                    first_seen,
                    resolved_at,
                    resolved_run_id: r.get(6)?,
                    resource: (r.get(7)?, r.get(8)?, r.get(9)?),
                },
            );
        }
    }
    let runs: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT e.run_id, r.started_at FROM evaluations e JOIN sync_runs r ON r.id = e.run_id
             WHERE e.connection_id = ?1 AND e.run_id >= ?2 ORDER BY e.run_id",
        )?;
        let rows = stmt.query_map(params![connection_id, from_run], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut update = tx.prepare_cached(
        "UPDATE findings SET first_seen = ?2, resolved_at = ?3, resolved_run_id = ?4
         WHERE id = ?1 AND (first_seen IS NOT ?2 OR resolved_at IS NOT ?3
                            OR resolved_run_id IS NOT ?4)",
    )?;
    let mut present = tx.prepare_cached(
        "SELECT 1 FROM assets
         WHERE connection_id = ?1 AND kind = ?2 AND region = ?3 AND resource_id = ?4
           AND first_run_id <= ?5 AND (deleted_run_id IS NULL OR deleted_run_id > ?5)",
    )?;
    for (run, started_at) in runs {
        let rows: Vec<(i64, String, String, Resource)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, finding_id, status, resource_kind, region, resource_id
                 FROM findings WHERE run_id = ?1",
            )?;
            let rows = stmt.query_map([run], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    (r.get(3)?, r.get(4)?, r.get(5)?),
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (row_id, finding_id, status, resource) in rows {
            let prev = state.get(&finding_id);
            let carried_first = prev.and_then(|p| p.first_seen.clone());
            let was_open = prev.is_some_and(|p| p.open);
            let (first_seen, open, resolved_at, resolved_run_id) = match status.as_str() {
                "FAIL" => (
                    Some(carried_first.unwrap_or_else(|| started_at.clone())),
                    true,
                    None,
                    None,
                ),
                "MANUAL" if was_open => (carried_first, true, None, None),
                _ if was_open => (carried_first, false, Some(started_at.clone()), Some(run)),
                _ => (
                    carried_first,
                    false,
                    prev.and_then(|p| p.resolved_at.clone()),
                    prev.and_then(|p| p.resolved_run_id),
                ),
            };
            update.execute(params![row_id, first_seen, resolved_at, resolved_run_id])?;
            state.insert(
                finding_id,
                Track {
                    row_id,
                    run_id: run,
                    first_seen,
                    open,
                    resolved_at,
                    resolved_run_id,
                    resource,
                },
            );
        }
        // Open findings missing from this run: resolved when their resource is gone.
        for t in state.values_mut().filter(|t| t.open && t.run_id < run) {
            let (kind, region, resource_id) = &t.resource;
            let exists = present
                .query_row(
                    params![connection_id, kind, region, resource_id, run],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !exists {
                t.open = false;
                t.resolved_at = Some(started_at.clone());
                t.resolved_run_id = Some(run);
                update.execute(params![
                    t.row_id,
                    t.first_seen,
                    t.resolved_at,
                    t.resolved_run_id
                ])?;
            }
        }
    }
    Ok(())
}
