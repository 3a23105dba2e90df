//! The `sync_runs` and `sync_outcomes` tables.

use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::{
    count, normalize_timestamp, now, sql_limit, Outcome, Result, RunStatus, Store, SyncRun,
};

const RUN_COLUMNS: &str = "r.id, r.connection_id, c.name, r.started_at, r.finished_at, r.status, \
     r.assets_seen, r.error, r.planned_tasks, \
     (SELECT count(*) FROM sync_outcomes o WHERE o.run_id = r.id)";

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<SyncRun> {
    Ok(SyncRun {
        id: row.get(0)?,
        connection_id: row.get(1)?,
        connection_name: row.get(2)?,
        started_at: row.get(3)?,
        finished_at: row.get(4)?,
        status: row.get(5)?,
        assets_seen: count(row.get(6)?),
        error: row.get(7)?,
        planned_tasks: row.get::<_, Option<i64>>(8)?.map(count),
        finished_tasks: count(row.get(9)?),
    })
}

fn outcome_from_row(row: &Row<'_>) -> rusqlite::Result<Outcome> {
    Ok(Outcome {
        product: row.get(0)?,
        region: row.get(1)?,
        kind: row.get(2)?,
        status: row.get(3)?,
        asset_count: count(row.get(4)?),
        pages: row.get(5)?,
        error_kind: row.get(6)?,
        error_code: row.get(7)?,
        error_message: row.get(8)?,
        request_id: row.get(9)?,
        started_at: row.get(10)?,
        finished_at: row.get(11)?,
        detail_errors: count(row.get(12)?),
        deleted: count(row.get(13)?),
    })
}

/// The connection a run belongs to, `None` if there is no such run.
pub(crate) fn run_owner(tx: &Transaction<'_>, run_id: i64) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached("SELECT connection_id FROM sync_runs WHERE id = ?1")?
        .query_row([run_id], |r| r.get(0))
        .optional()
}

impl Store {
    /// Start a run of the connection (status `running`); returns its id.
    pub fn begin_run(&self, connection_id: i64) -> Result<i64> {
        let what = format!("starting a sync run of connection {connection_id}");
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        let exists = tx
            .query_row(
                "SELECT 1 FROM connections WHERE id = ?1",
                [connection_id],
                |_| Ok(()),
            )
            .optional()
            .map_err(self.fail(&what))?
            .is_some();
        if !exists {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        }
        tx.execute(
            "INSERT INTO sync_runs (connection_id, started_at, status) VALUES (?1, ?2, ?3)",
            params![connection_id, now(), RunStatus::Running],
        )
        .map_err(self.fail(&what))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(self.fail(&what))?;
        Ok(id)
    }

    /// End a run: set its status, error and `finished_at`, and count `assets_seen` (the
    /// assets whose `last_run_id` is this run). `status` must not be `Running`.
    pub fn finish_run(&self, run_id: i64, status: RunStatus, error: Option<&str>) -> Result<()> {
        let what = format!("finishing sync run {run_id}");
        if !status.is_finished() {
            return Err(self.invalid(format!(
                "{what}: a run cannot be finished with status {status}"
            )));
        }
        let changed = self
            .db()
            .execute(
                "UPDATE sync_runs
                 SET status = ?2, error = ?3, finished_at = ?4,
                     assets_seen = (SELECT count(*) FROM assets WHERE last_run_id = ?1)
                 WHERE id = ?1",
                params![run_id, status, error, now()],
            )
            .map_err(self.fail(&what))?;
        if changed == 0 {
            return Err(self.invalid(format!("{what}: there is no run {run_id}")));
        }
        Ok(())
    }

    /// Record how many (product, region, kind) tasks the run planned, for progress reports
    /// ([`SyncRun::planned_tasks`] against [`SyncRun::finished_tasks`]).
    pub fn set_planned_tasks(&self, run_id: i64, planned: u64) -> Result<()> {
        let what = format!("recording the planned tasks of sync run {run_id}");
        let planned = i64::try_from(planned)
            .map_err(|_| self.invalid(format!("{what}: {planned} tasks is too many")))?;
        let changed = self
            .db()
            .execute(
                "UPDATE sync_runs SET planned_tasks = ?2 WHERE id = ?1",
                params![run_id, planned],
            )
            .map_err(self.fail(&what))?;
        if changed == 0 {
            return Err(self.invalid(format!("{what}: there is no run {run_id}")));
        }
        Ok(())
    }

    /// Mark every run still `running` as `interrupted` (finishing it as
    /// [`Store::finish_run`] does). Call it only when no sync can be in progress, e.g. at
    /// the start of a sync holding an exclusive lock; returns how many runs were marked.
    pub fn interrupt_running_runs(&self) -> Result<u64> {
        let changed = self
            .db()
            .execute(
                "UPDATE sync_runs
                 SET status = 'interrupted',
                     error = coalesce(error, 'Vigil stopped before the run finished'),
                     finished_at = ?1,
                     assets_seen = (SELECT count(*) FROM assets WHERE last_run_id = sync_runs.id)
                 WHERE status = 'running'",
                [now()],
            )
            .map_err(self.fail("marking unfinished runs as interrupted"))?;
        Ok(changed as u64)
    }

    /// Record what happened to one (product, region, kind) of the run, replacing an earlier
    /// record of the same (product, region, kind). Timestamps are normalized to UTC.
    pub fn record_outcome(&self, run_id: i64, o: &Outcome) -> Result<()> {
        let what = format!(
            "recording the outcome of {}/{}/{} in run {run_id}",
            o.product, o.region, o.kind
        );
        let started_at =
            normalize_timestamp(&o.started_at).map_err(|e| self.invalid(format!("{what}: {e}")))?;
        let finished_at = o
            .finished_at
            .as_deref()
            .map(normalize_timestamp)
            .transpose()
            .map_err(|e| self.invalid(format!("{what}: {e}")))?;
        let asset_count = i64::try_from(o.asset_count).map_err(|_| {
            self.invalid(format!("{what}: asset count {} too large", o.asset_count))
        })?;
        let detail_errors = i64::try_from(o.detail_errors).map_err(|_| {
            self.invalid(format!(
                "{what}: detail error count {} too large",
                o.detail_errors
            ))
        })?;
        let deleted = i64::try_from(o.deleted)
            .map_err(|_| self.invalid(format!("{what}: deleted count {} too large", o.deleted)))?;

        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        if run_owner(&tx, run_id).map_err(self.fail(&what))?.is_none() {
            return Err(self.invalid(format!("{what}: there is no run {run_id}")));
        }
        tx.prepare_cached(
            "INSERT INTO sync_outcomes (run_id, product, region, kind, status, asset_count, pages,
                                        error_kind, error_code, error_message, request_id,
                                        started_at, finished_at, detail_errors, deleted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (run_id, product, region, kind) DO UPDATE SET
                 status        = excluded.status,
                 asset_count   = excluded.asset_count,
                 pages         = excluded.pages,
                 error_kind    = excluded.error_kind,
                 error_code    = excluded.error_code,
                 error_message = excluded.error_message,
                 request_id    = excluded.request_id,
                 started_at    = excluded.started_at,
                 finished_at   = excluded.finished_at,
                 detail_errors = excluded.detail_errors,
                 deleted       = excluded.deleted",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                run_id,
                o.product,
                o.region,
                o.kind,
                o.status,
                asset_count,
                o.pages,
                o.error_kind,
                o.error_code,
                o.error_message,
                o.request_id,
                started_at,
                finished_at,
                detail_errors,
                deleted,
            ])
        })
        .map_err(self.fail(&what))?;
        tx.commit().map_err(self.fail(&what))?;
        Ok(())
    }

    /// The run with id `run_id`.
    pub fn run(&self, run_id: i64) -> Result<Option<SyncRun>> {
        self.db()
            .query_row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM sync_runs r
                     JOIN connections c ON c.id = r.connection_id
                     WHERE r.id = ?1"
                ),
                [run_id],
                run_from_row,
            )
            .optional()
            .map_err(self.fail(&format!("reading sync run {run_id}")))
    }

    /// At most `limit` runs, of one connection or of all, newest first.
    pub fn runs(&self, connection_id: Option<i64>, limit: usize) -> Result<Vec<SyncRun>> {
        let what = "reading sync runs";
        let db = self.db();
        let mut stmt = db
            .prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM sync_runs r
                 JOIN connections c ON c.id = r.connection_id
                 WHERE ?1 IS NULL OR r.connection_id = ?1
                 ORDER BY r.id DESC
                 LIMIT ?2"
            ))
            .map_err(self.fail(what))?;
        let rows = stmt
            .query_map(params![connection_id, sql_limit(limit)], run_from_row)
            .map_err(self.fail(what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(what))
    }

    /// The outcomes of a run, by product, region and kind.
    pub fn outcomes(&self, run_id: i64) -> Result<Vec<Outcome>> {
        let what = format!("reading the outcomes of sync run {run_id}");
        let db = self.db();
        let mut stmt = db
            .prepare_cached(
                "SELECT product, region, kind, status, asset_count, pages, error_kind, error_code,
                        error_message, request_id, started_at, finished_at, detail_errors,
                        deleted
                 FROM sync_outcomes WHERE run_id = ?1
                 ORDER BY product, region, kind",
            )
            .map_err(self.fail(&what))?;
        let rows = stmt
            .query_map([run_id], outcome_from_row)
            .map_err(self.fail(&what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(&what))
    }
}
