//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to version `i + 1`. Migrations are
//! append-only: never edit one that has shipped, add a new one (and document the change in
//! `docs/SCHEMA.md`). All pending migrations run in one IMMEDIATE transaction together with
//! the `user_version` bump, so a database is either fully migrated or untouched.

use rusqlite::{Connection as Db, OptionalExtension, TransactionBehavior};
use vigil_core::{Error, ErrorKind, Result};

/// `PRAGMA application_id` of a Vigil database ("VGIL").
pub(crate) const APPLICATION_ID: i32 = 0x5647_494C;

/// Version 1: connections, sync runs, outcomes, assets.
const V1: &str = r#"
CREATE TABLE connections (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL UNIQUE CHECK (length(name) > 0),
    provider          TEXT    NOT NULL,
    account_id        TEXT,
    access_key_id     TEXT    NOT NULL,
    regions           TEXT    NOT NULL DEFAULT '[]'
                              CHECK (json_valid(regions) AND json_type(regions) = 'array'),
    endpoint_override TEXT,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    last_verified_at  TEXT,
    key_status        TEXT    CHECK (key_status IN ('valid', 'invalid')),
    verification_json TEXT    CHECK (json_valid(verification_json))
);

CREATE TABLE sync_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    status        TEXT    NOT NULL DEFAULT 'running'
                          CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
    assets_seen   INTEGER NOT NULL DEFAULT 0 CHECK (assets_seen >= 0),
    error         TEXT
);
CREATE INDEX sync_runs_by_connection ON sync_runs (connection_id, id);

CREATE TABLE sync_outcomes (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    product       TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    status        TEXT    NOT NULL
                          CHECK (status IN ('ok', 'failed', 'not_authorized', 'skipped')),
    asset_count   INTEGER NOT NULL DEFAULT 0 CHECK (asset_count >= 0),
    pages         INTEGER NOT NULL DEFAULT 0 CHECK (pages >= 0),
    error_kind    TEXT,
    error_code    TEXT,
    error_message TEXT,
    request_id    TEXT,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    UNIQUE (run_id, product, region, kind)
);
CREATE INDEX sync_outcomes_by_status ON sync_outcomes (status);

CREATE TABLE assets (
    id            INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    provider      TEXT    NOT NULL,
    account_id    TEXT,
    region        TEXT    NOT NULL,
    product       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    name          TEXT,
    raw_json      TEXT    NOT NULL CHECK (json_valid(raw_json)),
    first_seen    TEXT    NOT NULL,
    last_seen     TEXT    NOT NULL,
    first_run_id  INTEGER NOT NULL REFERENCES sync_runs (id),
    last_run_id   INTEGER NOT NULL REFERENCES sync_runs (id),
    UNIQUE (connection_id, kind, region, resource_id)
);
CREATE INDEX assets_by_connection_product
    ON assets (connection_id, product, kind, region, resource_id);
CREATE INDEX assets_by_product ON assets (product, kind, region);
CREATE INDEX assets_by_kind ON assets (kind, region);
CREATE INDEX assets_by_region ON assets (region);
CREATE INDEX assets_by_first_run ON assets (first_run_id);
CREATE INDEX assets_by_last_run ON assets (last_run_id);
"#;

/// Version 2: per-asset child calls. `assets.details_json` (responses by call name) and
/// `assets.detail_errors_json` (the calls that failed), `sync_outcomes.detail_errors` (how
/// many failed), and an index for looking an asset up by its resource id alone.
///
/// `detail_errors_json` is `NULL` rather than `[]` when no call failed. Existing assets get
/// `{}` and `NULL` (no child call made yet), existing outcomes `0`.
const V2: &str = r#"
ALTER TABLE assets ADD COLUMN details_json TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(details_json) AND json_type(details_json) = 'object');
ALTER TABLE assets ADD COLUMN detail_errors_json TEXT
    CHECK (json_valid(detail_errors_json) AND json_type(detail_errors_json) = 'array'
           AND json_array_length(detail_errors_json) > 0);
ALTER TABLE sync_outcomes ADD COLUMN detail_errors INTEGER NOT NULL DEFAULT 0
    CHECK (detail_errors >= 0);
CREATE INDEX assets_by_resource_id ON assets (resource_id);
"#;

/// Version 3: sync policies, key checks, deletions and asset history.
///
/// - `connections`: the sync policy next to `regions` (which stays the policy's region list):
///   `region_management`, `modules`, `products`, `sync_interval_secs`,
///   `ak_check_interval_secs`, `site`; the state of access key checks (`key_status_since`,
///   `key_status_reason`, `last_key_check_at`); and `known_regions`, every region the cloud
///   has listed for the account. Existing connections get the default policy with their
///   current regions; a known key status dates from the last verification, and the regions
///   of the last verification report become the known regions.
/// - `assets.deleted_at` and `assets.deleted_run_id`: when and by which run a complete
///   listing no longer returned the asset, with indexes for that listing's lookup and for
///   the assets a run marked.
/// - `asset_history`: the earlier versions of changed assets.
/// - `sync_runs.planned_tasks` (progress) and `sync_outcomes.deleted` (assets marked deleted).
const V3: &str = r#"
ALTER TABLE connections ADD COLUMN region_management INTEGER NOT NULL DEFAULT 1
    CHECK (region_management IN (0, 1));
ALTER TABLE connections ADD COLUMN modules TEXT NOT NULL DEFAULT '["cspm"]'
    CHECK (json_valid(modules) AND json_type(modules) = 'array');
ALTER TABLE connections ADD COLUMN products TEXT
    CHECK (json_valid(products) AND json_type(products) = 'array');
ALTER TABLE connections ADD COLUMN sync_interval_secs INTEGER DEFAULT 86400
    CHECK (sync_interval_secs > 0);
ALTER TABLE connections ADD COLUMN ak_check_interval_secs INTEGER DEFAULT 3600
    CHECK (ak_check_interval_secs > 0);
ALTER TABLE connections ADD COLUMN site TEXT NOT NULL DEFAULT 'mainland'
    CHECK (site IN ('mainland', 'overseas'));
ALTER TABLE connections ADD COLUMN key_status_since TEXT;
ALTER TABLE connections ADD COLUMN key_status_reason TEXT;
ALTER TABLE connections ADD COLUMN last_key_check_at TEXT;
ALTER TABLE connections ADD COLUMN known_regions TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(known_regions) AND json_type(known_regions) = 'array');

UPDATE connections SET key_status_since = last_verified_at WHERE key_status IS NOT NULL;
UPDATE connections
SET known_regions = (SELECT json_group_array(value)
                     FROM (SELECT DISTINCT value
                           FROM json_each(connections.verification_json, '$.regions')
                           WHERE type = 'text'
                           ORDER BY value))
WHERE json_type(verification_json, '$.regions') = 'array';

ALTER TABLE assets ADD COLUMN deleted_at TEXT;
ALTER TABLE assets ADD COLUMN deleted_run_id INTEGER REFERENCES sync_runs (id)
    CHECK ((deleted_run_id IS NULL) = (deleted_at IS NULL));
CREATE INDEX assets_by_listing ON assets (connection_id, product, kind, region, last_run_id);
CREATE INDEX assets_by_deleted_run ON assets (deleted_run_id);

CREATE TABLE asset_history (
    id                 INTEGER PRIMARY KEY,
    asset_id           INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    run_id             INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    recorded_at        TEXT    NOT NULL,
    raw_json           TEXT    NOT NULL CHECK (json_valid(raw_json)),
    details_json       TEXT    NOT NULL DEFAULT '{}'
                               CHECK (json_valid(details_json) AND json_type(details_json) = 'object'),
    detail_errors_json TEXT    CHECK (json_valid(detail_errors_json)
                                      AND json_type(detail_errors_json) = 'array'
                                      AND json_array_length(detail_errors_json) > 0),
    changed_fields     TEXT    NOT NULL DEFAULT '[]'
                               CHECK (json_valid(changed_fields) AND json_type(changed_fields) = 'array')
);
CREATE INDEX asset_history_by_asset ON asset_history (asset_id, id);
CREATE INDEX asset_history_by_run ON asset_history (run_id);

ALTER TABLE sync_runs ADD COLUMN planned_tasks INTEGER CHECK (planned_tasks >= 0);
ALTER TABLE sync_outcomes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted >= 0);
"#;

/// Version 4: posture findings.
///
/// - `evaluations`: one row per evaluated sync run (when, how many checks and findings, and the
///   parameters and mutelist in force).
/// - `findings`: one row per (evaluated run, finding id) with its status, severity, resource,
///   evidence, related resources, mute state and lifecycle (`first_seen` of the failure,
///   `resolved_at` / `resolved_run_id` once it stopped failing).
const V4: &str = r#"
CREATE TABLE evaluations (
    run_id         INTEGER PRIMARY KEY REFERENCES sync_runs (id) ON DELETE CASCADE,
    connection_id  INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    evaluated_at   TEXT    NOT NULL,
    engine_version TEXT    NOT NULL,
    checks         INTEGER NOT NULL CHECK (checks >= 0),
    findings       INTEGER NOT NULL CHECK (findings >= 0),
    failed         INTEGER NOT NULL CHECK (failed >= 0),
    muted          INTEGER NOT NULL CHECK (muted >= 0),
    config_json    TEXT    NOT NULL DEFAULT '{}'
                           CHECK (json_valid(config_json) AND json_type(config_json) = 'object')
);
CREATE INDEX evaluations_by_connection ON evaluations (connection_id, run_id);

CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES evaluations (run_id) ON DELETE CASCADE,
    connection_id   INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    finding_id      TEXT    NOT NULL CHECK (length(finding_id) = 32),
    check_id        TEXT    NOT NULL,
    status          TEXT    NOT NULL
                            CHECK (status IN ('PASS', 'FAIL', 'MANUAL', 'NOT_APPLICABLE')),
    severity        TEXT    NOT NULL
                            CHECK (severity IN ('critical', 'high', 'medium', 'low', 'informational')),
    service         TEXT    NOT NULL,
    resource_kind   TEXT    NOT NULL,
    resource_id     TEXT    NOT NULL,
    resource_name   TEXT,
    region          TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    evidence_json   TEXT    NOT NULL DEFAULT 'null' CHECK (json_valid(evidence_json)),
    related_json    TEXT    NOT NULL DEFAULT '[]'
                            CHECK (json_valid(related_json) AND json_type(related_json) = 'array'),
    muted           INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
    mute_reason     TEXT,
    first_seen      TEXT,
    resolved_at     TEXT,
    resolved_run_id INTEGER CHECK ((resolved_run_id IS NULL) = (resolved_at IS NULL)),
    UNIQUE (run_id, finding_id)
);
CREATE INDEX findings_by_finding ON findings (connection_id, finding_id, run_id);
CREATE INDEX findings_by_check ON findings (check_id, status);
CREATE INDEX findings_by_status ON findings (run_id, status, severity);
"#;

/// Every migration, oldest first. The schema version is `MIGRATIONS.len()`.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

fn fail(label: &str, what: &str, e: impl std::fmt::Display) -> Error {
    crate::store_error(label, what, e)
}

/// Check that the database is a Vigil database (or empty) no newer than `supported`; return
/// its schema version. Reads only.
pub(crate) fn check(db: &Db, label: &str, supported: u32) -> Result<u32> {
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| fail(label, "reading the schema version", e))?;
    let app_id: i32 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| fail(label, "reading the application id", e))?;
    let has_tables = db
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 1",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(|e| fail(label, "reading the schema", e))?
        .is_some();

    let foreign = if app_id == 0 {
        version != 0 || has_tables
    } else {
        app_id != APPLICATION_ID
    };
    if foreign {
        let why = match (app_id, version) {
            (0, 0) => "it has tables but no Vigil application id".to_string(),
            (0, v) => format!("it has schema version {v} but no Vigil application id"),
            (id, _) => format!("its application id is {id:#x}, Vigil's is {APPLICATION_ID:#x}"),
        };
        return Err(Error::new(
            ErrorKind::Store,
            format!(
                "store {label}: not a Vigil database: this SQLite file belongs to another \
                 application ({why}); choose another path"
            ),
        ));
    }
    if version > supported {
        return Err(Error::new(
            ErrorKind::Store,
            format!(
                "store {label}: the database has schema version {version}, but this Vigil \
                 supports schema versions up to {supported}; it was written by a newer Vigil. \
                 Upgrade Vigil to use it (or choose another database path)"
            ),
        ));
    }
    Ok(version)
}

/// Bring the database to `migrations.len()`, all in one IMMEDIATE transaction. Returns
/// the version found before migrating.
pub(crate) fn migrate(db: &mut Db, label: &str, migrations: &[&str]) -> Result<u32> {
    let target = u32::try_from(migrations.len()).expect("fewer than 2^32 migrations");
    let tx = db
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| fail(label, "starting the schema migration", e))?;
    // Checked again under the write lock: another process may have migrated meanwhile.
    let found = check(&tx, label, target)?;
    if found == target {
        return Ok(found);
    }
    for (index, sql) in migrations.iter().enumerate().skip(found as usize) {
        let to = index + 1;
        tx.execute_batch(sql).map_err(|e| {
            fail(
                label,
                &format!("migrating the schema from version {index} to {to}"),
                e,
            )
        })?;
    }
    if found == 0 {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| fail(label, "setting the application id", e))?;
    }
    tx.pragma_update(None, "user_version", target)
        .map_err(|e| fail(label, "setting the schema version", e))?;
    tx.commit()
        .map_err(|e| fail(label, "committing the schema migration", e))?;
    tracing::info!(
        store = label,
        from = found,
        to = target,
        "migrated the store schema"
    );
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(db: &Db) -> u32 {
        db.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    fn tables(db: &Db) -> Vec<String> {
        let mut stmt = db
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_failing_migration_leaves_the_database_untouched() {
        let mut db = Db::open_in_memory().unwrap();
        let migrations = [
            "CREATE TABLE first (x INTEGER);",
            "CREATE TABLE second (y INTEGER); SELECT no_such_function();",
        ];
        let err = migrate(&mut db, "mem", &migrations).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(
            err.message().contains("from version 1 to 2"),
            "{}",
            err.message()
        );
        assert_eq!(version(&db), 0);
        assert!(tables(&db).is_empty(), "{:?}", tables(&db));

        // Only the first migration: applied, and a second run is a no-op.
        assert_eq!(migrate(&mut db, "mem", &migrations[..1]).unwrap(), 0);
        assert_eq!(version(&db), 1);
        assert_eq!(migrate(&mut db, "mem", &migrations[..1]).unwrap(), 1);
        assert_eq!(tables(&db), ["first"]);
    }

    #[test]
    fn migrations_apply_incrementally() {
        let mut db = Db::open_in_memory().unwrap();
        let migrations = ["CREATE TABLE a (x);", "CREATE TABLE b (y);"];
        migrate(&mut db, "mem", &migrations[..1]).unwrap();
        assert_eq!(migrate(&mut db, "mem", &migrations).unwrap(), 1);
        assert_eq!(version(&db), 2);
        assert_eq!(tables(&db), ["a", "b"]);
    }

    #[test]
    fn the_real_schema_applies_to_an_empty_database() {
        let mut db = Db::open_in_memory().unwrap();
        migrate(&mut db, "mem", MIGRATIONS).unwrap();
        assert_eq!(version(&db) as usize, MIGRATIONS.len());
        let app: i32 = db
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID);
        for t in [
            "asset_history",
            "assets",
            "connections",
            "evaluations",
            "findings",
            "sync_outcomes",
            "sync_runs",
        ] {
            assert!(tables(&db).iter().any(|n| n == t), "{t} missing");
        }
    }
}
