//! Unit tests that look at the connection itself.

use super::*;

fn pragma(store: &Store, name: &str) -> String {
    store
        .db()
        .query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(s) => s,
            other => format!("{other:?}"),
        })
        .unwrap()
}

#[test]
fn file_databases_use_wal_normal_sync_foreign_keys_and_a_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    assert_eq!(pragma(&store, "journal_mode"), "wal");
    assert_eq!(pragma(&store, "synchronous"), "1", "NORMAL is 1");
    assert_eq!(pragma(&store, "foreign_keys"), "1");
    assert_eq!(
        pragma(&store, "busy_timeout"),
        BUSY_TIMEOUT.as_millis().to_string()
    );
    assert_eq!(
        pragma(&store, "application_id"),
        schema::APPLICATION_ID.to_string()
    );
}

#[test]
fn in_memory_databases_have_foreign_keys_too() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(pragma(&store, "foreign_keys"), "1");
    assert_eq!(store.schema_version().unwrap(), Store::SCHEMA_VERSION);
    assert_eq!(store.path(), None);
}

#[test]
fn timestamps_are_fixed_width_utc() {
    let t = now();
    assert_eq!(t.len(), "2024-05-01T12:34:56.789Z".len(), "{t}");
    assert!(t.ends_with('Z'), "{t}");
    assert_eq!(
        normalize_timestamp("2024-05-01T14:34:56+02:00").unwrap(),
        "2024-05-01T12:34:56.000Z"
    );
    assert_eq!(
        normalize_timestamp("2024-05-01T12:34:56.789123Z").unwrap(),
        "2024-05-01T12:34:56.789Z"
    );
    let err = normalize_timestamp("yesterday").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("yesterday"), "{}", err.message());
}

#[test]
fn debug_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let store = Store::open(&path).unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("v.db"), "{debug}");
}

#[test]
fn each_page_of_assets_is_one_transaction() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let conn = store
        .upsert_connection(&NewConnection {
            name: "prod".into(),
            provider: "baidu".into(),
            account_id: None,
            access_key_id: "AK".into(),
            regions: vec!["bj".into()],
            endpoint_override: None,
        })
        .unwrap();
    let run = store.begin_run(conn.id).unwrap();
    let assets: Vec<vigil_core::Asset> = (0..1000)
        .map(|i| vigil_core::Asset {
            kind: "baidu_bcc_instance",
            resource_id: format!("i-{i}"),
            name: None,
            region: "bj".into(),
            raw: serde_json::json!({ "id": i }),
            ..Default::default()
        })
        .collect();

    let commits = Arc::new(AtomicUsize::new(0));
    let counter = commits.clone();
    store.db().commit_hook(Some(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        false
    }));
    for page in assets.chunks(100) {
        store.write_assets(&conn, run, "bcc", page).unwrap();
    }
    assert_eq!(commits.load(Ordering::SeqCst), 10);
    for page in assets.chunks(250) {
        store.write_assets(&conn, run, "bcc", page).unwrap();
    }
    assert_eq!(commits.load(Ordering::SeqCst), 14);
}

// ---------------------------------------------------------------- upgrading from version 1

/// A real version-1 database file as Vigil 0.1 left it: only the V1 schema (WAL mode,
/// application id, `user_version = 1`), with a connection, a finished run, its outcomes and
/// two assets.
fn v1_database(path: &Path) {
    let mut db = Db::open(path).unwrap();
    let mode: String = db
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(
        schema::migrate(&mut db, "v1", &schema::MIGRATIONS[..1]).unwrap(),
        0
    );
    db.execute_batch(
        r#"
        INSERT INTO connections (name, provider, account_id, access_key_id, regions,
                                 created_at, updated_at)
        VALUES ('prod', 'baidu', 'acct-1', 'AKIDPROD', '["bj"]',
                '2024-05-01T12:00:00.000Z', '2024-05-01T12:00:00.000Z');
        INSERT INTO sync_runs (connection_id, started_at, finished_at, status, assets_seen)
        VALUES (1, '2024-05-01T12:00:01.000Z', '2024-05-01T12:00:09.000Z', 'partial', 2);
        INSERT INTO sync_outcomes (run_id, product, region, kind, status, asset_count, pages,
                                   error_kind, error_code, error_message, request_id,
                                   started_at, finished_at)
        VALUES (1, 'bcc', 'bj', 'baidu_bcc_instance', 'ok', 2, 1, NULL, NULL, NULL, NULL,
                '2024-05-01T12:00:02.000Z', '2024-05-01T12:00:03.000Z'),
               (1, 'blb', 'bj', 'baidu_blb_lb', 'not_authorized', 0, 0, 'permission_denied',
                'AccessDenied', 'Access denied.', 'req-1',
                '2024-05-01T12:00:04.000Z', '2024-05-01T12:00:05.000Z');
        INSERT INTO assets (connection_id, provider, account_id, region, product, kind,
                            resource_id, name, raw_json, first_seen, last_seen,
                            first_run_id, last_run_id)
        VALUES (1, 'baidu', 'acct-1', 'bj', 'bcc', 'baidu_bcc_instance', 'i-1', 'web',
                '{"id":"i-1","publicIp":"180.76.1.1"}',
                '2024-05-01T12:00:02.500Z', '2024-05-01T12:00:02.500Z', 1, 1),
               (1, 'baidu', 'acct-1', 'bj', 'bcc', 'baidu_bcc_instance', 'i-2', NULL,
                '{"id":"i-2","publicIp":""}',
                '2024-05-01T12:00:02.500Z', '2024-05-01T12:00:02.500Z', 1, 1);
        "#,
    )
    .unwrap();
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
}

fn columns(db: &Db, table: &str) -> Vec<String> {
    db.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Every table and index definition, by name.
fn schema_sql(db: &Db) -> Vec<(String, Option<String>)> {
    db.prepare("SELECT name, sql FROM sqlite_schema ORDER BY type, name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_version_1_database_is_upgraded_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_database(&path);
    assert!(!columns(&Db::open(&path).unwrap(), "assets").contains(&"details_json".into()));

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(Store::SCHEMA_VERSION, 4);

    // Existing assets: same rows, no child-call data.
    let assets = store.assets(&AssetFilter::default()).unwrap();
    let summary: Vec<_> = assets
        .iter()
        .map(|a| {
            (
                a.id,
                a.resource_id.as_str(),
                a.name.as_deref(),
                a.last_run_id,
            )
        })
        .collect();
    assert_eq!(summary, [(1, "i-1", Some("web"), 1), (2, "i-2", None, 1)]);
    assert_eq!(
        assets[0].raw,
        serde_json::json!({"id": "i-1", "publicIp": "180.76.1.1"})
    );
    assert_eq!(assets[0].first_seen, "2024-05-01T12:00:02.500Z");
    for a in &assets {
        assert_eq!(a.details, serde_json::json!({}));
        assert!(a.detail_errors.is_empty());
    }
    let stored: Vec<(String, Option<String>)> = store
        .db()
        .prepare("SELECT details_json, detail_errors_json FROM assets ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(stored, [("{}".into(), None), ("{}".into(), None)]);

    // Existing outcomes: same rows, no failed child calls.
    let outcomes = store.outcomes(1).unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].asset_count, 2);
    assert_eq!(outcomes[1].status, OutcomeStatus::NotAuthorized);
    assert_eq!(outcomes[1].request_id.as_deref(), Some("req-1"));
    assert!(outcomes.iter().all(|o| o.detail_errors == 0));
    let run = store.run(1).unwrap().unwrap();
    assert_eq!((run.status, run.assets_seen), (RunStatus::Partial, 2));

    // The upgraded schema is exactly that of a new database.
    let fresh = Store::open_in_memory().unwrap();
    assert_eq!(schema_sql(&store.db()), schema_sql(&fresh.db()));

    // The next sync: the same payload without child calls is unchanged, with them updated.
    let conn = store.connection("prod").unwrap().unwrap();
    let run = store.begin_run(conn.id).unwrap();
    let mut same = vigil_core::Asset::new(
        "baidu_bcc_instance",
        "i-1",
        Some("web".into()),
        "bj",
        serde_json::json!({"id": "i-1", "publicIp": "180.76.1.1"}),
    );
    let stats = store
        .write_assets(&conn, run, "bcc", std::slice::from_ref(&same))
        .unwrap();
    assert_eq!(stats.unchanged, 1, "{stats:?}");
    same.record_detail("detail", Ok(serde_json::json!({"cpu": 2})));
    let stats = store.write_assets(&conn, run, "bcc", &[same]).unwrap();
    assert_eq!(stats.updated, 1, "{stats:?}");
    assert_eq!(
        store.assets(&AssetFilter::default()).unwrap()[0].details,
        serde_json::json!({"detail": {"cpu": 2}})
    );
    drop(store);

    // Reopening does not migrate again.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(store.asset_count(&AssetFilter::default()).unwrap(), 2);
}

#[test]
fn upgrading_from_version_1_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_database(&path);

    let mut db = Db::open(&path).unwrap();
    let commits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = commits.clone();
    db.commit_hook(Some(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        false
    }));
    assert_eq!(
        schema::migrate(&mut db, "v1", schema::MIGRATIONS).unwrap(),
        1
    );
    assert_eq!(commits.load(std::sync::atomic::Ordering::SeqCst), 1);
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    assert!(columns(&db, "assets").contains(&"detail_errors_json".into()));
    assert!(columns(&db, "assets").contains(&"deleted_at".into()));
}

#[test]
fn a_failed_upgrade_from_version_1_leaves_the_database_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_database(&path);
    // Someone added a column by hand that version 2 adds too: the last ALTER of the
    // migration fails after the assets columns were added.
    Db::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE sync_outcomes ADD COLUMN detail_errors TEXT;")
        .unwrap();

    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(
        err.message().contains("from version 1 to 2"),
        "{}",
        err.message()
    );

    let db = Db::open(&path).unwrap();
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let assets = columns(&db, "assets");
    assert!(!assets.contains(&"details_json".into()), "{assets:?}");
    assert!(!assets.contains(&"detail_errors_json".into()), "{assets:?}");
    let rows: i64 = db
        .query_row("SELECT count(*) FROM assets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
}

// ---------------------------------------------------------------- upgrading from version 2

/// A real version-2 database file: the V1 and V2 schema (WAL mode, application id,
/// `user_version = 2`), with a verified connection (its report lists regions), an
/// unverified one, a finished run with outcomes, and assets with child-call data.
fn v2_database(path: &Path) {
    let mut db = Db::open(path).unwrap();
    let mode: String = db
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(
        schema::migrate(&mut db, "v2", &schema::MIGRATIONS[..2]).unwrap(),
        0
    );
    db.execute_batch(
        r#"
        INSERT INTO connections (name, provider, account_id, access_key_id, regions,
                                 created_at, updated_at, last_verified_at, key_status,
                                 verification_json)
        VALUES ('prod', 'baidu', 'acct-1', 'AKIDPROD', '["bj","gz"]',
                '2024-05-01T12:00:00.000Z', '2024-05-01T12:00:00.000Z',
                '2024-05-02T08:00:00.000Z', 'valid',
                '{"provider":"baidu","regions":["gz","bj","su","bj"],"products":[]}'),
               ('dev', 'baidu', NULL, 'AKIDDEV', '["all"]',
                '2024-05-01T13:00:00.000Z', '2024-05-01T13:00:00.000Z', NULL, NULL, NULL);
        INSERT INTO sync_runs (connection_id, started_at, finished_at, status, assets_seen)
        VALUES (1, '2024-05-02T08:00:01.000Z', '2024-05-02T08:00:09.000Z', 'succeeded', 2);
        INSERT INTO sync_outcomes (run_id, product, region, kind, status, asset_count, pages,
                                   started_at, finished_at, detail_errors)
        VALUES (1, 'rds', 'bj', 'baidu_rds_instance', 'ok', 2, 1,
                '2024-05-02T08:00:02.000Z', '2024-05-02T08:00:03.000Z', 1);
        INSERT INTO assets (connection_id, provider, account_id, region, product, kind,
                            resource_id, name, raw_json, first_seen, last_seen,
                            first_run_id, last_run_id, details_json, detail_errors_json)
        VALUES (1, 'baidu', 'acct-1', 'bj', 'rds', 'baidu_rds_instance', 'rds-1', 'db',
                '{"instanceId":"rds-1","engine":"MySQL"}',
                '2024-05-02T08:00:02.500Z', '2024-05-02T08:00:02.500Z', 1, 1,
                '{"securityIps":{"securityIps":["%"]}}', NULL),
               (1, 'baidu', 'acct-1', 'bj', 'rds', 'baidu_rds_instance', 'rds-2', NULL,
                '{"instanceId":"rds-2","engine":"MySQL"}',
                '2024-05-02T08:00:02.500Z', '2024-05-02T08:00:02.500Z', 1, 1, '{}',
                '[{"call":"securityIps","kind":"throttled","code":null,"message":"slow down","request_id":null}]');
        "#,
    )
    .unwrap();
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[test]
fn a_version_2_database_is_upgraded_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    v2_database(&path);
    assert!(!columns(&Db::open(&path).unwrap(), "assets").contains(&"deleted_at".into()));

    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);

    // Connections: the default policy with their current regions; a known key status dates
    // from the last verification; the report's regions are known (sorted, deduplicated).
    let prod = store.connection("prod").unwrap().unwrap();
    assert_eq!(prod.id, 1);
    assert_eq!(prod.regions, ["bj", "gz"]);
    assert_eq!(
        prod.policy,
        SyncPolicy {
            regions: vec!["bj".into(), "gz".into()],
            ..SyncPolicy::default()
        }
    );
    assert_eq!(prod.updated_at, "2024-05-01T12:00:00.000Z");
    assert_eq!(prod.key_status.as_deref(), Some("valid"));
    assert_eq!(
        prod.key_status_since.as_deref(),
        Some("2024-05-02T08:00:00.000Z")
    );
    assert_eq!(prod.key_status_reason, None);
    assert_eq!(prod.last_key_check_at, None);
    assert_eq!(prod.known_regions, ["bj", "gz", "su"]);
    assert!(prod
        .verification_json
        .as_deref()
        .unwrap()
        .contains("\"su\""));

    let dev = store.connection("dev").unwrap().unwrap();
    assert_eq!(dev.policy, SyncPolicy::default());
    assert_eq!(dev.regions, ["all"]);
    assert_eq!(dev.key_status, None);
    assert_eq!(dev.key_status_since, None);
    assert!(dev.known_regions.is_empty());

    // Runs and outcomes: same rows; no planned count, nothing deleted.
    let run = store.run(1).unwrap().unwrap();
    assert_eq!((run.status, run.assets_seen), (RunStatus::Succeeded, 2));
    assert_eq!(run.planned_tasks, None);
    assert_eq!(run.finished_tasks, 1);
    let outcomes = store.outcomes(1).unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!((outcomes[0].detail_errors, outcomes[0].deleted), (1, 0));

    // Assets: same rows, present, without history.
    let assets = store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(assets.len(), 2);
    assert!(assets
        .iter()
        .all(|a| a.deleted_at.is_none() && a.deleted_run_id.is_none()));
    assert_eq!(
        assets[0].details,
        serde_json::json!({"securityIps": {"securityIps": ["%"]}})
    );
    assert_eq!(assets[1].detail_errors.len(), 1);
    assert!(store.asset_history(assets[0].id).unwrap().is_empty());

    // The upgraded schema is exactly that of a new database.
    let fresh = Store::open_in_memory().unwrap();
    assert_eq!(schema_sql(&store.db()), schema_sql(&fresh.db()));

    // The upgraded rows work with the new features: a changed asset keeps its old version,
    // and the listing's missing asset is marked deleted.
    let run = store.begin_run(prod.id).unwrap();
    let mut changed = vigil_core::Asset::new(
        "baidu_rds_instance",
        "rds-1",
        Some("db".into()),
        "bj",
        serde_json::json!({"instanceId": "rds-1", "engine": "PostgreSQL"}),
    );
    changed.record_detail("securityIps", Ok(serde_json::json!({"securityIps": ["%"]})));
    let stats = store.write_assets(&prod, run, "rds", &[changed]).unwrap();
    assert_eq!(stats.updated, 1, "{stats:?}");
    let history = store.asset_history(assets[0].id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].changed_fields, ["engine"]);
    assert_eq!(history[0].raw["engine"], "MySQL");
    assert_eq!(
        store
            .mark_missing_deleted(prod.id, run, "rds", "baidu_rds_instance", "bj")
            .unwrap(),
        1
    );
    let gone = store.asset(assets[1].id).unwrap().unwrap();
    assert!(gone.deleted_at.is_some());
    assert_eq!(gone.deleted_run_id, Some(run));
    drop(store);

    // Reopening does not migrate again.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(
        store.connection("prod").unwrap().unwrap().known_regions,
        ["bj", "gz", "su"]
    );
}

#[test]
fn a_failed_upgrade_from_version_2_leaves_the_database_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    v2_database(&path);
    // A column added by hand that version 3 adds too: the last statement of the migration
    // fails after every other change was made.
    Db::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE sync_outcomes ADD COLUMN deleted TEXT;")
        .unwrap();

    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(
        err.message().contains("from version 2 to 3"),
        "{}",
        err.message()
    );

    let db = Db::open(&path).unwrap();
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    assert!(!columns(&db, "connections").contains(&"known_regions".into()));
    assert!(!columns(&db, "assets").contains(&"deleted_at".into()));
    let history: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'asset_history'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(history, 0);
    let rows: i64 = db
        .query_row("SELECT count(*) FROM assets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn a_version_3_database_is_upgraded_to_findings_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    {
        let mut db = Db::open(&path).unwrap();
        schema::migrate(&mut db, "v3", &schema::MIGRATIONS[..3]).unwrap();
        db.execute_batch(
            "INSERT INTO connections (name, provider, access_key_id, created_at, updated_at)
             VALUES ('prod', 'baidu', 'AK', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
             INSERT INTO sync_runs (connection_id, started_at, status) VALUES (1, '2024-01-01T00:00:00.000Z', 'succeeded');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(store.runs(None, 10).unwrap().len(), 1);
    assert!(store.evaluations(None, 10).unwrap().is_empty());
    let e = store
        .write_findings(
            1,
            &crate::NewEvaluation {
                engine_version: "t".into(),
                checks: 0,
                config: serde_json::json!({}),
            },
            &[],
        )
        .unwrap();
    assert_eq!(e.findings, 0);
    let db = Db::open(&path).unwrap();
    assert!(columns(&db, "findings").contains(&"first_seen".into()));
}
