//! The store against real SQLite files in temporary directories.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use vigil_core::{Asset, DetailError, ErrorKind};
use vigil_store::{
    AssetFilter, Connection, NewConnection, Outcome, OutcomeStatus, RunStatus, Store, SyncPolicy,
    WriteStats,
};

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.db");
    let store = Store::open(&path).unwrap();
    Fixture {
        _dir: dir,
        path,
        store,
    }
}

fn new_connection(name: &str) -> NewConnection {
    NewConnection {
        name: name.to_string(),
        provider: "baidu".to_string(),
        account_id: Some("acct-1".to_string()),
        access_key_id: format!("AK-{name}"),
        regions: vec!["bj".to_string(), "gz".to_string()],
        endpoint_override: None,
    }
}

fn asset(kind: &'static str, region: &str, id: &str, raw: serde_json::Value) -> Asset {
    Asset {
        kind,
        resource_id: id.to_string(),
        name: Some(format!("name-{id}")),
        region: region.to_string(),
        raw,
        ..Default::default()
    }
}

fn instances(region: &str, n: usize, version: u32) -> Vec<Asset> {
    (0..n)
        .map(|i| {
            asset(
                "baidu_bcc_instance",
                region,
                &format!("i-{region}-{i:05}"),
                json!({"instanceId": format!("i-{region}-{i:05}"), "v": version}),
            )
        })
        .collect()
}

fn raw_db(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn outcome(product: &str, region: &str, kind: &str, status: OutcomeStatus) -> Outcome {
    Outcome {
        product: product.to_string(),
        region: region.to_string(),
        kind: kind.to_string(),
        status,
        asset_count: 3,
        pages: 1,
        error_kind: None,
        error_code: None,
        error_message: None,
        request_id: None,
        started_at: "2024-05-01T12:00:00.000Z".to_string(),
        finished_at: Some("2024-05-01T12:00:01.000Z".to_string()),
        detail_errors: 0,
        deleted: 0,
    }
}

/// An RDS instance with a whitelist response (`securityIps`) and, if `acl_fails`, a failed
/// `acl` call.
fn rds(id: &str, ips: &[&str], acl_fails: bool) -> Asset {
    let mut a = asset(
        "baidu_rds_instance",
        "bj",
        id,
        json!({"instanceId": id, "engine": "MySQL"}),
    );
    a.details
        .insert("securityIps".to_string(), json!({ "securityIps": ips }));
    if acl_fails {
        a.detail_errors.push(detail_error("acl", "req-acl-1"));
    }
    a
}

fn detail_error(call: &str, request_id: &str) -> DetailError {
    DetailError {
        call: call.to_string(),
        kind: ErrorKind::PermissionDenied,
        code: Some("AccessDenied".to_string()),
        message: "Access denied.".to_string(),
        request_id: Some(request_id.to_string()),
    }
}

/// `(details_json, detail_errors_json)` of one asset, as stored.
fn detail_columns(path: &Path, resource_id: &str) -> (String, Option<String>) {
    raw_db(path)
        .query_row(
            "SELECT details_json, detail_errors_json FROM assets WHERE resource_id = ?1",
            [resource_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

// ---------------------------------------------------------------- opening and migrations

#[test]
fn opening_creates_parent_directories_and_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("vigil.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.path(), Some(path.as_path()));
    assert_eq!(store.schema_version().unwrap(), Store::SCHEMA_VERSION);

    let db = raw_db(&path);
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, Store::SCHEMA_VERSION);
    let mut stmt = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tables,
        [
            "asset_history",
            "assets",
            "connections",
            "evaluations",
            "findings",
            "sync_outcomes",
            "sync_runs"
        ]
    );
    assert!(store.connections().unwrap().is_empty());
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.db");
    let (conn, run) = {
        let store = Store::open(&path).unwrap();
        let conn = store.upsert_connection(&new_connection("prod")).unwrap();
        let run = store.begin_run(conn.id).unwrap();
        store
            .write_assets(&conn, run, "bcc", &instances("bj", 3, 1))
            .unwrap();
        store.finish_run(run, RunStatus::Succeeded, None).unwrap();
        (conn, run)
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), Store::SCHEMA_VERSION);
    assert_eq!(store.connection("prod").unwrap(), Some(conn));
    let stored = store.run(run).unwrap().unwrap();
    assert_eq!(stored.status, RunStatus::Succeeded);
    assert_eq!(stored.assets_seen, 3);
    assert_eq!(store.asset_count(&AssetFilter::default()).unwrap(), 3);
}

#[test]
fn a_database_from_a_newer_vigil_is_refused_untouched() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    drop(f.store);
    let newer = Store::SCHEMA_VERSION + 1;
    raw_db(&f.path)
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let err = Store::open(&f.path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    let msg = err.message();
    assert!(msg.contains(&format!("schema version {newer}")), "{msg}");
    assert!(
        msg.contains(&format!("up to {}", Store::SCHEMA_VERSION)),
        "{msg}"
    );
    assert!(msg.contains("Upgrade Vigil"), "{msg}");
    assert!(msg.contains(&f.path.display().to_string()), "{msg}");

    // Nothing was changed: same version, same data.
    let db = raw_db(&f.path);
    let version: u32 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, newer);
    let name: String = db
        .query_row(
            "SELECT name FROM connections WHERE id = ?1",
            [conn.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "prod");
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    raw_db(&path)
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("not a Vigil database"), "{err}");
    let db = raw_db(&path);
    let tables: i64 = db
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1);
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "delete",
        "the journal mode of a foreign file was changed"
    );
}

#[test]
fn a_file_that_is_not_sqlite_gives_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("junk.db"), "{err}");
}

// ---------------------------------------------------------------- connections

#[test]
fn upserting_a_connection_keeps_its_id_and_created_at() {
    let f = fixture();
    let first = f.store.upsert_connection(&new_connection("prod")).unwrap();
    assert_eq!(first.name, "prod");
    assert_eq!(first.regions, ["bj", "gz"]);
    assert_eq!(first.created_at, first.updated_at);
    assert_eq!(first.key_status, None);
    let other = f.store.upsert_connection(&new_connection("dev")).unwrap();
    assert_ne!(other.id, first.id);

    std::thread::sleep(Duration::from_millis(5));
    let mut changed = new_connection("prod");
    changed.regions = vec!["all".to_string()];
    changed.account_id = None;
    changed.endpoint_override = Some("127.0.0.1:9000".to_string());
    let second = f.store.upsert_connection(&changed).unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.created_at, first.created_at);
    assert!(second.updated_at > first.updated_at);
    assert_eq!(second.regions, ["all"]);
    assert_eq!(second.account_id, None);
    assert_eq!(second.endpoint_override.as_deref(), Some("127.0.0.1:9000"));

    let all = f.store.connections().unwrap();
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["dev", "prod"]);
    assert_eq!(f.store.connection("prod").unwrap(), Some(second.clone()));
    assert_eq!(f.store.connection_by_id(second.id).unwrap(), Some(second));
    assert_eq!(f.store.connection("nope").unwrap(), None);
}

#[test]
fn verification_is_recorded_and_cleared_when_the_key_changes() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let report = r#"{"provider":"baidu","products":[]}"#;
    f.store
        .record_verification(conn.id, "valid", report)
        .unwrap();
    let verified = f.store.connection("prod").unwrap().unwrap();
    assert_eq!(verified.key_status.as_deref(), Some("valid"));
    assert_eq!(verified.verification_json.as_deref(), Some(report));
    assert!(verified.last_verified_at.is_some());

    // Same key: verification survives an update of other fields.
    let mut same_key = new_connection("prod");
    same_key.regions = vec!["bj".to_string()];
    let kept = f.store.upsert_connection(&same_key).unwrap();
    assert_eq!(kept.key_status.as_deref(), Some("valid"));
    assert_eq!(kept.last_verified_at, verified.last_verified_at);

    // New key: the old verification said nothing about it.
    let mut new_key = new_connection("prod");
    new_key.access_key_id = "AK-rotated".to_string();
    let cleared = f.store.upsert_connection(&new_key).unwrap();
    assert_eq!(cleared.key_status, None);
    assert_eq!(cleared.verification_json, None);
    assert_eq!(cleared.last_verified_at, None);

    let err = f
        .store
        .record_verification(conn.id, "maybe", report)
        .unwrap_err();
    assert!(err.message().contains("maybe"), "{err}");
    let err = f
        .store
        .record_verification(conn.id, "valid", "{not json")
        .unwrap_err();
    assert!(err.message().contains("not valid JSON"), "{err}");
    let err = f
        .store
        .record_verification(9999, "invalid", report)
        .unwrap_err();
    assert!(err.message().contains("9999"), "{err}");
}

#[test]
fn a_connection_needs_a_name() {
    let f = fixture();
    let err = f
        .store
        .upsert_connection(&new_connection("  "))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(f.store.connections().unwrap().is_empty());
}

#[test]
fn deleting_a_connection_removes_its_runs_outcomes_and_assets_only() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    for conn in [&prod, &dev] {
        let run = f.store.begin_run(conn.id).unwrap();
        f.store
            .write_assets(conn, run, "bcc", &instances("bj", 4, 1))
            .unwrap();
        f.store
            .record_outcome(
                run,
                &outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok),
            )
            .unwrap();
        f.store.finish_run(run, RunStatus::Succeeded, None).unwrap();
    }
    assert!(f.store.delete_connection("prod").unwrap());
    assert!(!f.store.delete_connection("prod").unwrap());

    assert_eq!(f.store.connection("prod").unwrap(), None);
    assert_eq!(f.store.runs(None, 10).unwrap().len(), 1);
    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 4);
    let outcomes: i64 = raw_db(&f.path)
        .query_row("SELECT count(*) FROM sync_outcomes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outcomes, 1);
    assert_eq!(f.store.runs(Some(dev.id), 10).unwrap().len(), 1);
}

#[test]
fn no_column_can_hold_a_secret() {
    let f = fixture();
    let db = raw_db(&f.path);
    let mut stmt = db
        .prepare(
            "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
             WHERE m.type = 'table'",
        )
        .unwrap();
    let columns: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(columns.len() > 20, "{columns:?}");
    for (table, column) in columns {
        let suspicious = ["secret", "password", "passwd", "token", "sk"];
        assert!(
            !column.split('_').any(|part| suspicious.contains(&part)),
            "{table}.{column} looks like it holds a secret"
        );
    }
}

// ---------------------------------------------------------------- runs and outcomes

#[test]
fn runs_are_listed_newest_first_and_finishing_counts_assets() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    let r1 = f.store.begin_run(prod.id).unwrap();
    let r2 = f.store.begin_run(dev.id).unwrap();
    let r3 = f.store.begin_run(prod.id).unwrap();
    assert!(r1 < r2 && r2 < r3);

    let running = f.store.run(r1).unwrap().unwrap();
    assert_eq!(running.status, RunStatus::Running);
    assert_eq!(running.finished_at, None);
    assert_eq!(running.connection_name, "prod");
    assert_eq!(running.connection_id, prod.id);

    let ids = |runs: Vec<vigil_store::SyncRun>| runs.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(f.store.runs(None, 10).unwrap()), [r3, r2, r1]);
    assert_eq!(ids(f.store.runs(None, 2).unwrap()), [r3, r2]);
    assert_eq!(ids(f.store.runs(Some(prod.id), 10).unwrap()), [r3, r1]);
    assert_eq!(ids(f.store.runs(Some(dev.id), 10).unwrap()), [r2]);

    // r1 sees 5 assets; r3 sees 3 of them again, so r1's count is taken when it finishes.
    f.store
        .write_assets(&prod, r1, "bcc", &instances("bj", 5, 1))
        .unwrap();
    f.store
        .finish_run(r1, RunStatus::Partial, Some("bcc in gz failed"))
        .unwrap();
    f.store
        .write_assets(&prod, r3, "bcc", &instances("bj", 3, 1))
        .unwrap();
    f.store.finish_run(r3, RunStatus::Succeeded, None).unwrap();

    let r1 = f.store.run(r1).unwrap().unwrap();
    assert_eq!(r1.status, RunStatus::Partial);
    assert_eq!(r1.assets_seen, 5);
    assert_eq!(r1.error.as_deref(), Some("bcc in gz failed"));
    assert!(r1.finished_at.is_some());
    let r3 = f.store.run(r3).unwrap().unwrap();
    assert_eq!(r3.assets_seen, 3);
    assert_eq!(r3.error, None);

    assert!(f.store.run(9999).unwrap().is_none());
    assert!(f.store.finish_run(9999, RunStatus::Failed, None).is_err());
    assert!(f.store.finish_run(r2, RunStatus::Running, None).is_err());
    assert!(f.store.begin_run(9999).is_err());
}

#[test]
fn interrupting_running_runs_finishes_only_those() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let done = f.store.begin_run(prod.id).unwrap();
    f.store
        .finish_run(done, RunStatus::Succeeded, None)
        .unwrap();
    let stuck = f.store.begin_run(prod.id).unwrap();
    f.store
        .write_assets(&prod, stuck, "bcc", &instances("bj", 2, 1))
        .unwrap();
    assert_eq!(f.store.interrupt_running_runs().unwrap(), 1);
    let stuck = f.store.run(stuck).unwrap().unwrap();
    assert_eq!(stuck.status, RunStatus::Interrupted);
    assert_eq!(stuck.assets_seen, 2);
    assert!(stuck.finished_at.is_some());
    assert_eq!(
        f.store.run(done).unwrap().unwrap().status,
        RunStatus::Succeeded
    );
    assert_eq!(f.store.interrupt_running_runs().unwrap(), 0);
}

#[test]
fn outcomes_upsert_on_run_product_region_and_kind() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let run = f.store.begin_run(prod.id).unwrap();
    let other_run = f.store.begin_run(prod.id).unwrap();

    let gz = outcome("bcc", "gz", "baidu_bcc_instance", OutcomeStatus::Ok);
    let mut bj = outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Failed);
    bj.error_kind = Some("throttled".to_string());
    let blb = outcome("blb", "bj", "baidu_blb_lb", OutcomeStatus::NotAuthorized);
    for o in [&gz, &bj, &blb] {
        f.store.record_outcome(run, o).unwrap();
    }
    f.store
        .record_outcome(
            other_run,
            &outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Skipped),
        )
        .unwrap();

    // A retry of bcc/bj replaces the failed record.
    let mut retried = outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok);
    retried.asset_count = 42;
    retried.pages = 3;
    retried.request_id = Some("req-1".to_string());
    retried.detail_errors = 7;
    f.store.record_outcome(run, &retried).unwrap();

    let got = f.store.outcomes(run).unwrap();
    assert_eq!(got, vec![retried, gz, blb]);
    assert_eq!(f.store.outcomes(other_run).unwrap().len(), 1);
    assert!(f.store.outcomes(9999).unwrap().is_empty());
    assert!(f.store.record_outcome(9999, &bj).is_err());
}

#[test]
fn outcome_timestamps_are_normalized_and_validated() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let run = f.store.begin_run(prod.id).unwrap();
    let mut o = outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok);
    o.started_at = "2024-05-01T14:00:00+02:00".to_string();
    o.finished_at = None;
    f.store.record_outcome(run, &o).unwrap();
    let got = f.store.outcomes(run).unwrap();
    assert_eq!(got[0].started_at, "2024-05-01T12:00:00.000Z");
    assert_eq!(got[0].finished_at, None);

    o.started_at = "last tuesday".to_string();
    let err = f.store.record_outcome(run, &o).unwrap_err();
    assert!(err.message().contains("last tuesday"), "{err}");
}

#[test]
fn outcome_detail_error_counts_round_trip_and_default_to_zero() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let run = f.store.begin_run(prod.id).unwrap();
    let mut o = outcome("rds", "bj", "baidu_rds_instance", OutcomeStatus::Ok);
    o.detail_errors = 3;
    f.store.record_outcome(run, &o).unwrap();
    assert_eq!(f.store.outcomes(run).unwrap(), [o.clone()]);
    let stored: i64 = raw_db(&f.path)
        .query_row(
            "SELECT detail_errors FROM sync_outcomes WHERE run_id = ?1",
            [run],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 3);

    // Replacing the record replaces the count too.
    o.detail_errors = 0;
    f.store.record_outcome(run, &o).unwrap();
    assert_eq!(f.store.outcomes(run).unwrap()[0].detail_errors, 0);

    // Too large for SQLite: refused, nothing written.
    o.detail_errors = u64::MAX;
    let err = f.store.record_outcome(run, &o).unwrap_err();
    assert!(err.message().contains("detail error count"), "{err}");
    assert_eq!(f.store.outcomes(run).unwrap()[0].detail_errors, 0);

    // Serialized outcomes from before the field existed still deserialize.
    let mut old = serde_json::to_value(&o).unwrap();
    old.as_object_mut().unwrap().remove("detail_errors");
    let parsed: Outcome = serde_json::from_value(old).unwrap();
    assert_eq!(parsed.detail_errors, 0);
}

#[test]
fn statuses_round_trip_through_text_and_serde() {
    for s in RunStatus::ALL {
        assert_eq!(s.as_str().parse::<RunStatus>().unwrap(), s);
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            serde_json::Value::String(s.as_str().to_string())
        );
    }
    for s in OutcomeStatus::ALL {
        assert_eq!(s.as_str().parse::<OutcomeStatus>().unwrap(), s);
        assert_eq!(s.to_string(), s.as_str());
    }
    assert_eq!(OutcomeStatus::NotAuthorized.as_str(), "not_authorized");
    assert!("bogus".parse::<RunStatus>().is_err());
}

// ---------------------------------------------------------------- assets

fn prod_with_run(f: &Fixture) -> (Connection, i64) {
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let run = f.store.begin_run(conn.id).unwrap();
    (conn, run)
}

#[test]
fn writing_the_same_page_twice_changes_nothing_but_last_seen() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let page = instances("bj", 10, 1);
    let first = f.store.write_assets(&conn, run, "bcc", &page).unwrap();
    assert_eq!(
        first,
        WriteStats {
            inserted: 10,
            updated: 0,
            unchanged: 0
        }
    );
    let before = f.store.assets(&AssetFilter::default()).unwrap();
    assert!(before.iter().all(|a| a.first_seen == a.last_seen));

    std::thread::sleep(Duration::from_millis(5));
    let run2 = f.store.begin_run(conn.id).unwrap();
    let second = f.store.write_assets(&conn, run2, "bcc", &page).unwrap();
    assert_eq!(
        second,
        WriteStats {
            inserted: 0,
            updated: 0,
            unchanged: 10
        }
    );
    let after = f.store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(after.len(), 10);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.first_seen, b.first_seen);
        assert!(
            a.last_seen > b.last_seen,
            "{} !> {}",
            a.last_seen,
            b.last_seen
        );
        assert_eq!(a.last_run_id, run2);
        assert_eq!(a.raw, b.raw);
    }
    let first_runs: Vec<i64> = raw_db(&f.path)
        .prepare("SELECT DISTINCT first_run_id FROM assets")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(first_runs, [run]);
}

#[test]
fn a_changed_payload_counts_as_updated() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    f.store
        .write_assets(&conn, run, "bcc", &instances("bj", 4, 1))
        .unwrap();
    let mut page = instances("bj", 4, 1);
    page[1].raw = json!({"instanceId": "i-bj-00001", "v": 2, "status": "Stopped"});
    page[2].name = Some("renamed".to_string());
    page.push(asset("baidu_bcc_instance", "bj", "i-new", json!({})));
    let stats = f.store.write_assets(&conn, run, "bcc", &page).unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 1,
            updated: 1,
            unchanged: 3
        }
    );
    assert_eq!(stats.total(), 5);
    let stored = f.store.assets(&AssetFilter::default()).unwrap();
    let one = stored
        .iter()
        .find(|a| a.resource_id == "i-bj-00001")
        .unwrap();
    assert_eq!(one.raw["status"], "Stopped");
    let two = stored
        .iter()
        .find(|a| a.resource_id == "i-bj-00002")
        .unwrap();
    assert_eq!(two.name.as_deref(), Some("renamed"));
}

#[test]
fn the_same_resource_id_in_other_regions_kinds_or_connections_is_another_asset() {
    let f = fixture();
    let (prod, run) = prod_with_run(&f);
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    let dev_run = f.store.begin_run(dev.id).unwrap();
    let page = vec![
        asset("baidu_bcc_instance", "bj", "x", json!(1)),
        asset("baidu_bcc_instance", "gz", "x", json!(2)),
        asset("baidu_bcc_volume", "bj", "x", json!(3)),
    ];
    assert_eq!(
        f.store
            .write_assets(&prod, run, "bcc", &page)
            .unwrap()
            .inserted,
        3
    );
    assert_eq!(
        f.store
            .write_assets(&dev, dev_run, "bcc", &page)
            .unwrap()
            .inserted,
        3
    );
    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 6);
}

#[test]
fn details_round_trip() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let mut open = rds("rds-open", &["%", "10.0.0.0/8"], false);
    open.details.insert(
        "detail".to_string(),
        json!({"instanceId": "rds-open", "nested": {"list": [1, 2.5, null, true, "x"]}}),
    );
    let plain = asset("baidu_rds_instance", "bj", "rds-plain", json!({"a": 1}));
    f.store
        .write_assets(&conn, run, "rds", &[open.clone(), plain])
        .unwrap();

    let stored = f.store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].resource_id, "rds-open");
    assert_eq!(
        stored[0].details,
        json!({
            "detail": {"instanceId": "rds-open", "nested": {"list": [1, 2.5, null, true, "x"]}},
            "securityIps": {"securityIps": ["%", "10.0.0.0/8"]},
        })
    );
    assert_eq!(
        serde_json::to_value(&open.details).unwrap(),
        stored[0].details
    );
    assert!(stored[0].detail_errors.is_empty());
    // No child call: an empty object, never null.
    assert_eq!(stored[1].details, json!({}));
    assert!(stored[1].detail_errors.is_empty());

    let (details, errors) = detail_columns(&f.path, "rds-plain");
    assert_eq!(details, "{}");
    assert_eq!(errors, None);
    // Queryable with SQLite's JSON functions.
    let ips: Vec<String> = raw_db(&f.path)
        .prepare(
            "SELECT ip.value FROM assets a
             JOIN json_each(json_extract(a.details_json, '$.securityIps.securityIps')) AS ip
             ORDER BY ip.value",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ips, ["%", "10.0.0.0/8"]);
}

#[test]
fn detail_errors_round_trip_and_clear_when_the_calls_succeed_again() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let mut failing = rds("rds-1", &["10.0.0.0/8"], true);
    failing.detail_errors.push(DetailError {
        call: "backupPolicy".to_string(),
        kind: ErrorKind::Throttled,
        code: None,
        message: "slow down".to_string(),
        request_id: None,
    });
    f.store
        .write_assets(&conn, run, "rds", std::slice::from_ref(&failing))
        .unwrap();
    let stored = f.store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(stored[0].detail_errors, failing.detail_errors);
    assert_eq!(
        stored[0].details,
        json!({"securityIps": {"securityIps": ["10.0.0.0/8"]}})
    );
    let (_, errors) = detail_columns(&f.path, "rds-1");
    let errors: serde_json::Value = serde_json::from_str(&errors.unwrap()).unwrap();
    assert_eq!(
        errors,
        json!([
            {"call": "acl", "kind": "permission_denied", "code": "AccessDenied",
             "message": "Access denied.", "request_id": "req-acl-1"},
            {"call": "backupPolicy", "kind": "throttled", "code": null,
             "message": "slow down", "request_id": null},
        ])
    );

    // The next sync's calls all succeed: the errors are gone (NULL), and that is a change.
    let run2 = f.store.begin_run(conn.id).unwrap();
    let healed = rds("rds-1", &["10.0.0.0/8"], false);
    let stats = f.store.write_assets(&conn, run2, "rds", &[healed]).unwrap();
    assert_eq!(stats.updated, 1, "{stats:?}");
    assert!(f.store.assets(&AssetFilter::default()).unwrap()[0]
        .detail_errors
        .is_empty());
    assert_eq!(detail_columns(&f.path, "rds-1").1, None);
}

#[test]
fn a_change_in_details_or_detail_errors_alone_counts_as_updated() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let page = vec![
        rds("rds-a", &["10.0.0.0/8"], false),
        rds("rds-b", &["10.0.0.0/8"], false),
        rds("rds-c", &["10.0.0.0/8"], true),
        rds("rds-d", &["10.0.0.0/8"], false),
    ];
    f.store.write_assets(&conn, run, "rds", &page).unwrap();

    let mut next = page.clone();
    // a: the whitelist was opened up; raw is the same.
    next[0]
        .details
        .insert("securityIps".to_string(), json!({"securityIps": ["%"]}));
    // b: a call failed this time.
    next[1].detail_errors.push(detail_error("acl", "req-2"));
    // c: the same call failed again, with another request id.
    next[2].detail_errors = vec![detail_error("acl", "req-3")];
    // d: untouched.
    let stats = f.store.write_assets(&conn, run, "rds", &next).unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 0,
            updated: 3,
            unchanged: 1
        }
    );
    let stored = f.store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(
        stored[0].details["securityIps"]["securityIps"],
        json!(["%"])
    );
    assert_eq!(stored[1].detail_errors, next[1].detail_errors);
    assert_eq!(
        stored[2].detail_errors[0].request_id.as_deref(),
        Some("req-3")
    );

    // A details call whose response vanished (e.g. it failed) is a change as well.
    let mut gone = next[3].clone();
    gone.details.clear();
    let stats = f.store.write_assets(&conn, run, "rds", &[gone]).unwrap();
    assert_eq!(stats.updated, 1);
    assert_eq!(detail_columns(&f.path, "rds-d").0, "{}");
}

#[test]
fn the_same_page_with_details_twice_is_unchanged() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let mut page = vec![
        rds("rds-a", &["%"], true),
        rds("rds-b", &["10.0.0.0/8", "192.168.0.0/16"], false),
        asset("baidu_rds_instance", "bj", "rds-c", json!({})),
    ];
    // Several calls, inserted out of order: stored in key order either way.
    page[1]
        .details
        .insert("backupPolicy".to_string(), json!({"days": 7}));
    page[1]
        .details
        .insert("account".to_string(), json!({"accounts": []}));
    let first = f.store.write_assets(&conn, run, "rds", &page).unwrap();
    assert_eq!(first.inserted, 3);
    let before = f.store.assets(&AssetFilter::default()).unwrap();

    let run2 = f.store.begin_run(conn.id).unwrap();
    let second = f.store.write_assets(&conn, run2, "rds", &page).unwrap();
    assert_eq!(
        second,
        WriteStats {
            inserted: 0,
            updated: 0,
            unchanged: 3
        }
    );
    let after = f.store.assets(&AssetFilter::default()).unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.details, b.details);
        assert_eq!(a.detail_errors, b.detail_errors);
        assert_eq!(a.last_run_id, run2);
    }
}

#[test]
fn the_schema_rejects_malformed_detail_columns() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    f.store
        .write_assets(&conn, run, "rds", &[rds("rds-1", &["%"], true)])
        .unwrap();
    f.store
        .record_outcome(
            run,
            &outcome("rds", "bj", "baidu_rds_instance", OutcomeStatus::Ok),
        )
        .unwrap();
    let db = raw_db(&f.path);
    for bad in [
        "UPDATE assets SET details_json = '[]'",
        "UPDATE assets SET details_json = 'null'",
        "UPDATE assets SET details_json = '{oops'",
        "UPDATE assets SET details_json = NULL",
        "UPDATE assets SET detail_errors_json = '[]'",
        "UPDATE assets SET detail_errors_json = '{}'",
        "UPDATE assets SET detail_errors_json = '[oops'",
        "UPDATE sync_outcomes SET detail_errors = -1",
    ] {
        assert!(db.execute(bad, []).is_err(), "accepted: {bad}");
    }
    db.execute("UPDATE assets SET detail_errors_json = NULL", [])
        .unwrap();
}

#[test]
fn assets_can_be_found_by_resource_id() {
    let f = fixture();
    let (prod, run) = prod_with_run(&f);
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    let dev_run = f.store.begin_run(dev.id).unwrap();
    let page = vec![
        asset("baidu_bcc_instance", "bj", "i-1", json!(1)),
        asset("baidu_bcc_instance", "gz", "i-1", json!(2)),
        asset("baidu_bcc_instance", "bj", "i-10", json!(3)),
    ];
    f.store.write_assets(&prod, run, "bcc", &page).unwrap();
    f.store
        .write_assets(&dev, dev_run, "bcc", &page[..1])
        .unwrap();

    let by_id = |id: &str, connection: Option<&str>| {
        let filter = AssetFilter {
            resource_id: Some(id.to_string()),
            connection: connection.map(str::to_string),
            ..Default::default()
        };
        let found = f.store.assets(&filter).unwrap();
        assert_eq!(f.store.asset_count(&filter).unwrap(), found.len() as u64);
        found
            .into_iter()
            .map(|a| format!("{}/{}/{}", a.connection, a.region, a.resource_id))
            .collect::<Vec<_>>()
    };
    // Exact: `i-1` does not match `i-10`; every connection and region by default.
    assert_eq!(
        by_id("i-1", None),
        ["dev/bj/i-1", "prod/bj/i-1", "prod/gz/i-1"]
    );
    assert_eq!(by_id("i-1", Some("prod")), ["prod/bj/i-1", "prod/gz/i-1"]);
    assert_eq!(by_id("i-10", None), ["prod/bj/i-10"]);
    assert!(by_id("i-", None).is_empty());
    assert!(by_id("I-1", None).is_empty());

    // The lookup uses an index rather than scanning every asset.
    let plan: Vec<String> = raw_db(&f.path)
        .prepare(
            "EXPLAIN QUERY PLAN SELECT a.id FROM assets a
             JOIN connections c ON c.id = a.connection_id WHERE a.resource_id = 'i-1'",
        )
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("assets_by_resource_id")),
        "{plan:?}"
    );
}

#[test]
fn filters_select_and_order_assets() {
    let f = fixture();
    let prod = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let mut dev_conn = new_connection("dev");
    dev_conn.account_id = None;
    let dev = f.store.upsert_connection(&dev_conn).unwrap();
    let r1 = f.store.begin_run(prod.id).unwrap();
    let r2 = f.store.begin_run(dev.id).unwrap();
    let r3 = f.store.begin_run(prod.id).unwrap();

    f.store
        .write_assets(&prod, r1, "bcc", &instances("gz", 2, 1))
        .unwrap();
    f.store
        .write_assets(&prod, r1, "bcc", &instances("bj", 2, 1))
        .unwrap();
    f.store
        .write_assets(
            &prod,
            r1,
            "vpc",
            &[asset(
                "baidu_vpc_vpc",
                "bj",
                "vpc-1",
                json!({"cidr": "10.0.0.0/8"}),
            )],
        )
        .unwrap();
    f.store
        .write_assets(&dev, r2, "bcc", &instances("bj", 3, 1))
        .unwrap();
    // r3 sees one prod instance again.
    f.store
        .write_assets(&prod, r3, "bcc", &instances("bj", 1, 1))
        .unwrap();

    let keys = |filter: AssetFilter| {
        f.store
            .assets(&filter)
            .unwrap()
            .into_iter()
            .map(|a| {
                format!(
                    "{}/{}/{}/{}/{}",
                    a.connection, a.product, a.kind, a.region, a.resource_id
                )
            })
            .collect::<Vec<_>>()
    };
    let all = keys(AssetFilter::default());
    assert_eq!(
        all,
        [
            "dev/bcc/baidu_bcc_instance/bj/i-bj-00000",
            "dev/bcc/baidu_bcc_instance/bj/i-bj-00001",
            "dev/bcc/baidu_bcc_instance/bj/i-bj-00002",
            "prod/bcc/baidu_bcc_instance/bj/i-bj-00000",
            "prod/bcc/baidu_bcc_instance/bj/i-bj-00001",
            "prod/bcc/baidu_bcc_instance/gz/i-gz-00000",
            "prod/bcc/baidu_bcc_instance/gz/i-gz-00001",
            "prod/vpc/baidu_vpc_vpc/bj/vpc-1",
        ]
    );
    let by_conn = AssetFilter {
        connection: Some("prod".into()),
        ..Default::default()
    };
    assert_eq!(keys(by_conn.clone()).len(), 5);
    assert_eq!(f.store.asset_count(&by_conn).unwrap(), 5);
    let f_region = AssetFilter {
        region: Some("gz".into()),
        ..Default::default()
    };
    assert_eq!(
        keys(f_region),
        [
            "prod/bcc/baidu_bcc_instance/gz/i-gz-00000",
            "prod/bcc/baidu_bcc_instance/gz/i-gz-00001"
        ]
    );
    let f_product = AssetFilter {
        product: Some("vpc".into()),
        ..Default::default()
    };
    assert_eq!(keys(f_product), ["prod/vpc/baidu_vpc_vpc/bj/vpc-1"]);
    let f_kind = AssetFilter {
        kind: Some("baidu_bcc_instance".into()),
        connection: Some("dev".into()),
        region: Some("bj".into()),
        ..Default::default()
    };
    assert_eq!(f.store.asset_count(&f_kind).unwrap(), 3);
    let f_run = AssetFilter {
        run_id: Some(r3),
        ..Default::default()
    };
    assert_eq!(keys(f_run), ["prod/bcc/baidu_bcc_instance/bj/i-bj-00000"]);
    let f_run1 = AssetFilter {
        run_id: Some(r1),
        ..Default::default()
    };
    assert_eq!(f.store.asset_count(&f_run1).unwrap(), 4);
    let limited = AssetFilter {
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(keys(limited.clone()), all[..2]);
    assert_eq!(
        f.store.asset_count(&limited).unwrap(),
        8,
        "count ignores limit"
    );
    let nothing = AssetFilter {
        connection: Some("nope".into()),
        ..Default::default()
    };
    assert!(keys(nothing.clone()).is_empty());
    assert_eq!(f.store.asset_count(&nothing).unwrap(), 0);

    // Stored fields come back as written.
    let dev_asset = &f
        .store
        .assets(&AssetFilter {
            connection: Some("dev".into()),
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()[0];
    assert_eq!(dev_asset.provider, "baidu");
    assert_eq!(dev_asset.account_id, None);
    assert_eq!(dev_asset.name.as_deref(), Some("name-i-bj-00000"));
    assert_eq!(dev_asset.raw, json!({"instanceId": "i-bj-00000", "v": 1}));
    assert_eq!(dev_asset.last_run_id, r2);
}

#[test]
fn a_failing_page_is_rolled_back_whole_and_loses_nothing_stored() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    f.store
        .write_assets(&conn, run, "bcc", &instances("bj", 3, 1))
        .unwrap();
    let before = f.store.assets(&AssetFilter::default()).unwrap();

    // Make the third asset of the next page fail inside SQLite.
    raw_db(&f.path)
        .execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON assets WHEN NEW.resource_id = 'poison'
             BEGIN SELECT RAISE(ABORT, 'forced failure'); END;",
        )
        .unwrap();
    let run2 = f.store.begin_run(conn.id).unwrap();
    let mut page = instances("bj", 3, 2); // all three change
    page.insert(1, asset("baidu_bcc_instance", "bj", "fresh", json!({})));
    page.insert(3, asset("baidu_bcc_instance", "bj", "poison", json!({})));
    page.push(asset("baidu_bcc_instance", "bj", "after", json!({})));
    let err = f.store.write_assets(&conn, run2, "bcc", &page).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("forced failure"), "{err}");
    assert!(err.message().contains("vigil.db"), "{err}");

    assert_eq!(f.store.assets(&AssetFilter::default()).unwrap(), before);

    // The store is still usable afterwards.
    page.retain(|a| a.resource_id != "poison");
    let stats = f.store.write_assets(&conn, run2, "bcc", &page).unwrap();
    assert_eq!(stats.inserted, 2);
    assert_eq!(stats.updated, 3);
}

#[test]
fn writing_for_a_missing_connection_or_run_fails_without_writing() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    f.store
        .write_assets(&conn, run, "bcc", &instances("bj", 2, 1))
        .unwrap();

    let mut ghost = conn.clone();
    ghost.id = 9999;
    let err = f
        .store
        .write_assets(&ghost, run, "bcc", &instances("gz", 2, 1))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("9999"), "{err}");

    let err = f
        .store
        .write_assets(&conn, 9999, "bcc", &instances("gz", 2, 1))
        .unwrap_err();
    assert!(err.message().contains("no run 9999"), "{err}");

    // A run of another connection.
    let err = f
        .store
        .write_assets(&dev, run, "bcc", &instances("gz", 2, 1))
        .unwrap_err();
    assert!(err.message().contains("belongs to"), "{err}");

    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 2);
}

#[test]
fn ten_thousand_assets_in_pages_of_a_thousand_are_fast() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let assets: Vec<Asset> = (0..10_000)
        .map(|i| {
            asset(
                "baidu_bcc_instance",
                if i % 2 == 0 { "bj" } else { "gz" },
                &format!("i-{i:06}"),
                json!({"instanceId": format!("i-{i:06}"), "publicIp": "1.2.3.4", "tags": [{"k": "env", "v": "prod"}]}),
            )
        })
        .collect();
    let started = Instant::now();
    let mut total = WriteStats::default();
    for page in assets.chunks(1000) {
        total += f.store.write_assets(&conn, run, "bcc", page).unwrap();
    }
    let first_pass = started.elapsed();
    assert_eq!(total.inserted, 10_000);

    let started = Instant::now();
    let mut again = WriteStats::default();
    for page in assets.chunks(1000) {
        again += f.store.write_assets(&conn, run, "bcc", page).unwrap();
    }
    let second_pass = started.elapsed();
    assert_eq!(again.unchanged, 10_000);
    assert_eq!(
        f.store.asset_count(&AssetFilter::default()).unwrap(),
        10_000
    );
    // Generous for unoptimized builds on slow CI (this takes well under a second): it
    // catches quadratic behaviour such as a lookup that lost its index. That each page is
    // one transaction is tested by counting commits in the unit tests.
    eprintln!("10k assets: insert {first_pass:?}, rewrite {second_pass:?}");
    assert!(first_pass < Duration::from_secs(20), "{first_pass:?}");
    assert!(second_pass < Duration::from_secs(20), "{second_pass:?}");
}

#[test]
fn the_store_is_shared_across_threads_and_processes() {
    let f = fixture();
    let (conn, run) = prod_with_run(&f);
    let store = Arc::new(f.store);
    // A second handle stands in for another process writing the same file.
    let other = Arc::new(Store::open(&f.path).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = if t % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            let conn = conn.clone();
            std::thread::spawn(move || {
                for page in 0..5 {
                    let region = format!("r{t}");
                    let assets = (0..50)
                        .map(|i| {
                            asset(
                                "baidu_bcc_instance",
                                &region,
                                &format!("{page}-{i}"),
                                json!(i),
                            )
                        })
                        .collect::<Vec<_>>();
                    store.write_assets(&conn, run, "bcc", &assets).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        store.asset_count(&AssetFilter::default()).unwrap(),
        4 * 5 * 50
    );
}

// ---------------------------------------------------------------- sync policies

#[test]
fn a_new_connection_gets_the_default_policy_with_its_regions() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    assert_eq!(
        conn.policy,
        SyncPolicy {
            regions: vec!["bj".into(), "gz".into()],
            region_management: true,
            modules: vec!["cspm".into()],
            products: None,
            sync_interval_secs: Some(86_400),
            ak_check_interval_secs: Some(3_600),
            site: "mainland".into(),
        }
    );
    assert_eq!(conn.policy.regions, conn.regions);
    assert!(conn.known_regions.is_empty());
    assert_eq!(
        (
            &conn.key_status_since,
            &conn.key_status_reason,
            &conn.last_key_check_at
        ),
        (&None, &None, &None)
    );
    // Serialized connections and policies from before the fields existed still parse.
    let mut old = serde_json::to_value(&conn).unwrap();
    for field in [
        "policy",
        "key_status_since",
        "key_status_reason",
        "last_key_check_at",
        "known_regions",
    ] {
        old.as_object_mut().unwrap().remove(field);
    }
    let parsed: Connection = serde_json::from_value(old).unwrap();
    assert_eq!(parsed.policy, SyncPolicy::default());
    let partial: SyncPolicy = serde_json::from_value(json!({"regions": ["bj"]})).unwrap();
    assert_eq!(partial.regions, ["bj"]);
    assert_eq!(partial.modules, ["cspm"]);
}

#[test]
fn a_sync_policy_is_stored_and_read_back() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let policy = SyncPolicy {
        regions: vec!["su".into(), "bj".into()],
        region_management: false,
        modules: vec!["cspm".into(), "ciem".into()],
        products: Some(vec!["bcc".into(), "rds".into()]),
        sync_interval_secs: None,
        ak_check_interval_secs: Some(600),
        site: "overseas".into(),
    };
    let stored = f.store.set_sync_policy(conn.id, &policy).unwrap();
    assert_eq!(stored.policy, policy);
    assert_eq!(stored.regions, ["su", "bj"], "regions follow the policy");
    assert!(stored.updated_at > conn.updated_at);
    assert_eq!(stored.created_at, conn.created_at);
    assert_eq!(f.store.connection("prod").unwrap(), Some(stored.clone()));

    // Setting the same policy again changes nothing, not even updated_at.
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(f.store.set_sync_policy(conn.id, &policy).unwrap(), stored);

    // Scheduled syncs and key checks can be turned off; every region and product.
    let all = SyncPolicy {
        ak_check_interval_secs: None,
        sync_interval_secs: None,
        ..SyncPolicy::default()
    };
    let stored = f.store.set_sync_policy(conn.id, &all).unwrap();
    assert_eq!(stored.policy, all);
    assert_eq!(stored.regions, ["all"]);

    // Editing the connection keeps its policy but for the regions.
    f.store.set_sync_policy(conn.id, &policy).unwrap();
    let mut edited = new_connection("prod");
    edited.regions = vec!["gz".into()];
    let edited = f.store.upsert_connection(&edited).unwrap();
    assert_eq!(
        edited.policy,
        SyncPolicy {
            regions: vec!["gz".into()],
            ..policy.clone()
        }
    );

    // Persisted in the file.
    drop(f.store);
    let store = Store::open(&f.path).unwrap();
    assert_eq!(store.connection("prod").unwrap(), Some(edited));
}

#[test]
fn invalid_sync_policies_are_refused_and_change_nothing() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let bad: Vec<(SyncPolicy, &str)> = vec![
        (
            SyncPolicy {
                regions: vec![],
                ..SyncPolicy::default()
            },
            "at least one region",
        ),
        (
            SyncPolicy {
                regions: vec!["all".into(), "bj".into()],
                ..SyncPolicy::default()
            },
            "cannot be combined",
        ),
        (
            SyncPolicy {
                regions: vec!["bj.evil.com".into()],
                ..SyncPolicy::default()
            },
            "invalid region id",
        ),
        (
            SyncPolicy {
                regions: vec!["bj".into(), "bj".into()],
                ..SyncPolicy::default()
            },
            "listed twice",
        ),
        (
            SyncPolicy {
                products: Some(vec![]),
                ..SyncPolicy::default()
            },
            "empty product list",
        ),
        (
            SyncPolicy {
                modules: vec![" ".into()],
                ..SyncPolicy::default()
            },
            "module name",
        ),
        (
            SyncPolicy {
                sync_interval_secs: Some(0),
                ..SyncPolicy::default()
            },
            "sync interval of 0 seconds",
        ),
        (
            SyncPolicy {
                ak_check_interval_secs: Some(u64::MAX),
                ..SyncPolicy::default()
            },
            "access key check interval",
        ),
        (
            SyncPolicy {
                site: "moon".into(),
                ..SyncPolicy::default()
            },
            "unknown site \"moon\"",
        ),
    ];
    for (policy, expected) in bad {
        let err = f.store.set_sync_policy(conn.id, &policy).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.message().contains(expected), "{expected}: {err}");
        assert!(policy.validate().is_err());
    }
    assert_eq!(f.store.connection("prod").unwrap(), Some(conn));
    let err = f
        .store
        .set_sync_policy(9999, &SyncPolicy::default())
        .unwrap_err();
    assert!(err.message().contains("9999"), "{err}");

    // The schema refuses them too.
    let db = raw_db(&f.path);
    for bad in [
        "UPDATE connections SET site = 'moon'",
        "UPDATE connections SET sync_interval_secs = 0",
        "UPDATE connections SET ak_check_interval_secs = -5",
        "UPDATE connections SET region_management = 2",
        "UPDATE connections SET modules = '{}'",
        "UPDATE connections SET products = 'bcc'",
        "UPDATE connections SET known_regions = NULL",
    ] {
        assert!(db.execute(bad, []).is_err(), "accepted: {bad}");
    }
}

// ---------------------------------------------------------------- key checks and regions

#[test]
fn key_checks_record_status_reason_and_since_only_on_flips() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let pause = || std::thread::sleep(Duration::from_millis(5));

    let valid = f.store.record_key_check(conn.id, Ok(())).unwrap();
    assert_eq!(valid.key_status.as_deref(), Some("valid"));
    assert_eq!(valid.key_status_reason, None);
    let since = valid.key_status_since.clone().unwrap();
    assert_eq!(valid.last_key_check_at.as_deref(), Some(since.as_str()));
    assert_eq!(
        valid.updated_at, conn.updated_at,
        "not a configuration change"
    );

    pause();
    let again = f.store.record_key_check(conn.id, Ok(())).unwrap();
    assert_eq!(again.key_status_since.as_deref(), Some(since.as_str()));
    assert!(again.last_key_check_at.as_deref().unwrap() > since.as_str());

    pause();
    let invalid = f
        .store
        .record_key_check(conn.id, Err("InvalidAccessKeyId: the key was deleted"))
        .unwrap();
    assert_eq!(invalid.key_status.as_deref(), Some("invalid"));
    assert_eq!(
        invalid.key_status_reason.as_deref(),
        Some("InvalidAccessKeyId: the key was deleted")
    );
    let invalid_since = invalid.key_status_since.clone().unwrap();
    assert!(invalid_since > since);
    assert_eq!(invalid.last_key_check_at, invalid.key_status_since);

    pause();
    let still = f
        .store
        .record_key_check(conn.id, Err("AccessKeyDisabled"))
        .unwrap();
    assert_eq!(
        still.key_status_since.as_deref(),
        Some(invalid_since.as_str())
    );
    assert_eq!(
        still.key_status_reason.as_deref(),
        Some("AccessKeyDisabled")
    );
    assert!(still.last_key_check_at > invalid.last_key_check_at);

    pause();
    let healed = f.store.record_key_check(conn.id, Ok(())).unwrap();
    assert_eq!(healed.key_status.as_deref(), Some("valid"));
    assert_eq!(healed.key_status_reason, None);
    assert!(healed.key_status_since.as_deref().unwrap() > invalid_since.as_str());
    assert_eq!(f.store.connection("prod").unwrap(), Some(healed.clone()));

    // A verification is a check of the key too: it moves `since` only on a flip.
    pause();
    f.store.record_verification(conn.id, "valid", "{}").unwrap();
    let verified = f.store.connection("prod").unwrap().unwrap();
    assert_eq!(verified.key_status_since, healed.key_status_since);
    f.store
        .record_verification(conn.id, "invalid", "{}")
        .unwrap();
    let refused = f.store.connection("prod").unwrap().unwrap();
    assert_eq!(refused.key_status_since, refused.last_verified_at);

    // A new key: the checks were about the old one.
    f.store.record_key_check(conn.id, Err("expired")).unwrap();
    let mut rotated = new_connection("prod");
    rotated.access_key_id = "AK-rotated".into();
    let rotated = f.store.upsert_connection(&rotated).unwrap();
    assert_eq!(
        (
            rotated.key_status,
            rotated.key_status_since,
            rotated.key_status_reason,
            rotated.last_key_check_at
        ),
        (None, None, None, None)
    );

    let err = f.store.record_key_check(9999, Ok(())).unwrap_err();
    assert!(err.message().contains("9999"), "{err}");
}

#[test]
fn known_regions_grow_and_only_new_ones_are_returned() {
    let f = fixture();
    let conn = f.store.upsert_connection(&new_connection("prod")).unwrap();
    let regions = |list: &[&str]| list.iter().map(|r| r.to_string()).collect::<Vec<_>>();

    let first = f
        .store
        .record_known_regions(conn.id, &regions(&["gz", "bj", "bj", "su"]))
        .unwrap();
    assert_eq!(first, ["bj", "gz", "su"]);
    let same = f
        .store
        .record_known_regions(conn.id, &regions(&["su", "bj", "gz"]))
        .unwrap();
    assert!(same.is_empty());
    let more = f
        .store
        .record_known_regions(conn.id, &regions(&["hkg", "bj", "fwh", "fwh"]))
        .unwrap();
    assert_eq!(more, ["fwh", "hkg"]);
    // A region the cloud stops listing stays known.
    assert!(f
        .store
        .record_known_regions(conn.id, &regions(&["bj"]))
        .unwrap()
        .is_empty());
    assert!(f
        .store
        .record_known_regions(conn.id, &[])
        .unwrap()
        .is_empty());

    let stored = f.store.connection("prod").unwrap().unwrap();
    assert_eq!(stored.known_regions, ["bj", "fwh", "gz", "hkg", "su"]);
    assert_eq!(stored.updated_at, conn.updated_at);
    assert_eq!(stored.regions, conn.regions, "the policy is not touched");

    let err = f
        .store
        .record_known_regions(conn.id, &regions(&["bj", "Bad Region"]))
        .unwrap_err();
    assert!(err.message().contains("Bad Region"), "{err}");
    assert!(f
        .store
        .record_known_regions(9999, &regions(&["bj"]))
        .is_err());
    assert_eq!(
        f.store.connection("prod").unwrap().unwrap().known_regions,
        stored.known_regions
    );
}

// ---------------------------------------------------------------- run progress

#[test]
fn planned_and_finished_tasks_show_a_runs_progress() {
    let f = fixture();
    let (_conn, run) = prod_with_run(&f);
    let fresh = f.store.run(run).unwrap().unwrap();
    assert_eq!((fresh.planned_tasks, fresh.finished_tasks), (None, 0));

    f.store.set_planned_tasks(run, 3).unwrap();
    f.store
        .record_outcome(
            run,
            &outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok),
        )
        .unwrap();
    let running = f.store.run(run).unwrap().unwrap();
    assert_eq!(
        (running.planned_tasks, running.finished_tasks),
        (Some(3), 1)
    );

    for (region, status) in [("gz", OutcomeStatus::Failed), ("su", OutcomeStatus::Ok)] {
        f.store
            .record_outcome(run, &outcome("bcc", region, "baidu_bcc_instance", status))
            .unwrap();
    }
    // Recording an outcome again replaces it: still one finished task.
    f.store
        .record_outcome(
            run,
            &outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok),
        )
        .unwrap();
    f.store.finish_run(run, RunStatus::Partial, None).unwrap();
    let listed = f.store.runs(None, 10).unwrap();
    assert_eq!(
        (listed[0].planned_tasks, listed[0].finished_tasks),
        (Some(3), 3)
    );

    let err = f.store.set_planned_tasks(9999, 1).unwrap_err();
    assert!(err.message().contains("no run 9999"), "{err}");
    assert!(f.store.set_planned_tasks(run, u64::MAX).is_err());
}

#[test]
fn outcome_deleted_counts_round_trip_and_default_to_zero() {
    let f = fixture();
    let (_conn, run) = prod_with_run(&f);
    let mut o = outcome("bcc", "bj", "baidu_bcc_instance", OutcomeStatus::Ok);
    o.deleted = 4;
    f.store.record_outcome(run, &o).unwrap();
    assert_eq!(f.store.outcomes(run).unwrap(), [o.clone()]);
    o.deleted = u64::MAX;
    let err = f.store.record_outcome(run, &o).unwrap_err();
    assert!(err.message().contains("deleted count"), "{err}");

    let mut old = serde_json::to_value(&o).unwrap();
    old.as_object_mut().unwrap().remove("deleted");
    let parsed: Outcome = serde_json::from_value(old).unwrap();
    assert_eq!(parsed.deleted, 0);
    assert!(raw_db(&f.path)
        .execute("UPDATE sync_outcomes SET deleted = -1", [])
        .is_err());
}

// ---------------------------------------------------------------- deletions

/// The assets of `filter` as `region/resource_id`.
fn ids(store: &Store, filter: &AssetFilter) -> Vec<String> {
    store
        .assets(filter)
        .unwrap()
        .into_iter()
        .map(|a| format!("{}/{}", a.region, a.resource_id))
        .collect()
}

#[test]
fn missing_assets_of_one_listing_are_marked_deleted_and_hidden() {
    let f = fixture();
    let (prod, r1) = prod_with_run(&f);
    let dev = f.store.upsert_connection(&new_connection("dev")).unwrap();
    let d1 = f.store.begin_run(dev.id).unwrap();
    f.store
        .write_assets(&prod, r1, "bcc", &instances("bj", 4, 1))
        .unwrap();
    f.store
        .write_assets(&prod, r1, "bcc", &instances("gz", 2, 1))
        .unwrap();
    let volume = asset("baidu_bcc_volume", "bj", "v-1", json!({}));
    f.store
        .write_assets(&prod, r1, "bcc", std::slice::from_ref(&volume))
        .unwrap();
    f.store
        .write_assets(&dev, d1, "bcc", &instances("bj", 4, 1))
        .unwrap();
    f.store.finish_run(r1, RunStatus::Succeeded, None).unwrap();

    // The next listing of bj instances returns only the first two.
    let r2 = f.store.begin_run(prod.id).unwrap();
    f.store
        .write_assets(&prod, r2, "bcc", &instances("bj", 2, 1))
        .unwrap();
    let marked = f
        .store
        .mark_missing_deleted(prod.id, r2, "bcc", "baidu_bcc_instance", "bj")
        .unwrap();
    assert_eq!(marked, 2);
    // Idempotent: already deleted assets are not counted again.
    assert_eq!(
        f.store
            .mark_missing_deleted(prod.id, r2, "bcc", "baidu_bcc_instance", "bj")
            .unwrap(),
        0
    );
    // Another product, kind or region matches nothing.
    for (product, kind, region) in [
        ("vpc", "baidu_bcc_instance", "bj"),
        ("bcc", "baidu_bcc_instance", "su"),
    ] {
        assert_eq!(
            f.store
                .mark_missing_deleted(prod.id, r2, product, kind, region)
                .unwrap(),
            0
        );
    }
    f.store.finish_run(r2, RunStatus::Succeeded, None).unwrap();

    let prod_filter = AssetFilter {
        connection: Some("prod".into()),
        ..Default::default()
    };
    assert_eq!(
        ids(&f.store, &prod_filter),
        [
            "bj/i-bj-00000",
            "bj/i-bj-00001",
            "gz/i-gz-00000",
            "gz/i-gz-00001",
            "bj/v-1"
        ]
    );
    assert_eq!(f.store.asset_count(&prod_filter).unwrap(), 5);
    let with_deleted = AssetFilter {
        include_deleted: true,
        ..prod_filter.clone()
    };
    assert_eq!(f.store.asset_count(&with_deleted).unwrap(), 7);
    let all = f.store.assets(&with_deleted).unwrap();
    let deleted: Vec<_> = all
        .iter()
        .filter(|a| a.deleted_at.is_some())
        .map(|a| a.resource_id.as_str())
        .collect();
    assert_eq!(deleted, ["i-bj-00002", "i-bj-00003"]);
    let gone = all.iter().find(|a| a.resource_id == "i-bj-00002").unwrap();
    assert_eq!(gone.last_run_id, r1, "it keeps its last state");
    assert_eq!(gone.deleted_run_id, Some(r2));
    let when = gone.deleted_at.clone().unwrap();
    let run2 = f.store.run(r2).unwrap().unwrap();
    assert!(when >= run2.started_at && when <= run2.finished_at.clone().unwrap());
    assert_eq!(run2.assets_seen, 2);

    // One asset by id, deleted or not.
    assert_eq!(f.store.asset(gone.id).unwrap().as_ref(), Some(gone));
    assert_eq!(f.store.asset(9999).unwrap(), None);
    // The other connection's identical assets are untouched.
    assert_eq!(
        f.store
            .asset_count(&AssetFilter {
                connection: Some("dev".into()),
                ..Default::default()
            })
            .unwrap(),
        4
    );

    // A run of another connection, or no run, is refused.
    let err = f
        .store
        .mark_missing_deleted(prod.id, d1, "bcc", "baidu_bcc_instance", "bj")
        .unwrap_err();
    assert!(err.message().contains("belongs to"), "{err}");
    assert!(f
        .store
        .mark_missing_deleted(prod.id, 9999, "bcc", "baidu_bcc_instance", "bj")
        .is_err());

    // The schema keeps `deleted_at` and `deleted_run_id` together.
    let db = raw_db(&f.path);
    for bad in [
        "UPDATE assets SET deleted_at = '2024-05-01T12:00:00.000Z' WHERE deleted_at IS NULL",
        "UPDATE assets SET deleted_run_id = NULL WHERE deleted_at IS NOT NULL",
    ] {
        assert!(db.execute(bad, []).is_err(), "accepted: {bad}");
    }
    // Deleting the connection takes its deleted assets along.
    assert!(f.store.delete_connection("prod").unwrap());
    let left: i64 = db
        .query_row(
            "SELECT count(*) FROM assets WHERE deleted_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn assets_seen_by_a_later_run_are_never_marked_deleted() {
    let f = fixture();
    let (prod, r1) = prod_with_run(&f);
    let r2 = f.store.begin_run(prod.id).unwrap();
    f.store
        .write_assets(&prod, r2, "bcc", &instances("bj", 3, 1))
        .unwrap();
    // r1's listing finishes after r2 saw the assets: they exist.
    assert_eq!(
        f.store
            .mark_missing_deleted(prod.id, r1, "bcc", "baidu_bcc_instance", "bj")
            .unwrap(),
        0
    );
    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 3);
}

#[test]
fn global_listings_mark_missing_assets_deleted_in_every_region() {
    let f = fixture();
    let (prod, r1) = prod_with_run(&f);
    let bucket = |region: &str, id: &str| asset("baidu_bos_bucket", region, id, json!({}));
    f.store
        .write_assets(
            &prod,
            r1,
            "bos",
            &[bucket("bj", "a"), bucket("gz", "b"), bucket("su", "c")],
        )
        .unwrap();
    f.store
        .write_assets(&prod, r1, "bcc", &instances("gz", 1, 1))
        .unwrap();
    let r2 = f.store.begin_run(prod.id).unwrap();
    f.store
        .write_assets(&prod, r2, "bos", &[bucket("gz", "b")])
        .unwrap();
    assert_eq!(
        f.store
            .mark_missing_deleted_all_regions(prod.id, r2, "bos", "baidu_bos_bucket")
            .unwrap(),
        2
    );
    assert_eq!(
        ids(&f.store, &AssetFilter::default()),
        ["gz/i-gz-00000", "gz/b"]
    );
}

#[test]
fn a_deleted_asset_seen_again_is_present_again() {
    let f = fixture();
    let (prod, r1) = prod_with_run(&f);
    let page = instances("bj", 2, 1);
    f.store.write_assets(&prod, r1, "bcc", &page).unwrap();
    let r2 = f.store.begin_run(prod.id).unwrap();
    f.store.write_assets(&prod, r2, "bcc", &page[..1]).unwrap();
    f.store
        .mark_missing_deleted(prod.id, r2, "bcc", "baidu_bcc_instance", "bj")
        .unwrap();
    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 1);

    let r3 = f.store.begin_run(prod.id).unwrap();
    let stats = f.store.write_assets(&prod, r3, "bcc", &page).unwrap();
    assert_eq!(
        stats,
        WriteStats {
            inserted: 0,
            updated: 1,
            unchanged: 1
        },
        "the returning asset counts as updated"
    );
    let back = f.store.assets(&AssetFilter::default()).unwrap();
    assert_eq!(back.len(), 2);
    assert!(back
        .iter()
        .all(|a| a.deleted_at.is_none() && a.deleted_run_id.is_none() && a.last_run_id == r3));
    // Its content did not change: no history.
    assert!(f.store.asset_history(back[1].id).unwrap().is_empty());
    assert_eq!(
        f.store
            .mark_missing_deleted(prod.id, r3, "bcc", "baidu_bcc_instance", "bj")
            .unwrap(),
        0
    );
}

// ---------------------------------------------------------------- history

#[test]
fn a_changed_asset_keeps_its_previous_versions() {
    let f = fixture();
    let (prod, r1) = prod_with_run(&f);
    let mut v1 = rds("rds-1", &["10.0.0.0/8"], false);
    v1.raw = json!({"instanceId": "rds-1", "engine": "MySQL", "status": "Available", "old": 1});
    f.store
        .write_assets(&prod, r1, "rds", std::slice::from_ref(&v1))
        .unwrap();
    let id = f.store.assets(&AssetFilter::default()).unwrap()[0].id;
    assert!(f.store.asset_history(id).unwrap().is_empty());

    // Seen again unchanged (even renamed): no history.
    let r2 = f.store.begin_run(prod.id).unwrap();
    let mut renamed = v1.clone();
    renamed.name = Some("renamed".into());
    f.store.write_assets(&prod, r2, "rds", &[renamed]).unwrap();
    assert!(f.store.asset_history(id).unwrap().is_empty());

    // The payload changes: a field changes, one goes, one appears; the whitelist opens up.
    std::thread::sleep(Duration::from_millis(5));
    let r3 = f.store.begin_run(prod.id).unwrap();
    let mut v2 = rds("rds-1", &["%"], false);
    v2.raw = json!({"instanceId": "rds-1", "engine": "MySQL", "status": "Stopped", "new": true});
    let stats = f
        .store
        .write_assets(&prod, r3, "rds", std::slice::from_ref(&v2))
        .unwrap();
    assert_eq!(stats.updated, 1);
    let history = f.store.asset_history(id).unwrap();
    assert_eq!(history.len(), 1);
    let first = &history[0];
    assert_eq!(first.asset_id, id);
    assert_eq!(first.run_id, r3, "the run that replaced it");
    assert_eq!(first.raw, v1.raw);
    assert_eq!(
        first.details,
        json!({"securityIps": {"securityIps": ["10.0.0.0/8"]}})
    );
    assert!(first.detail_errors.is_empty());
    assert_eq!(
        first.changed_fields,
        ["new", "old", "status", "details.securityIps"]
    );
    let current = f.store.asset(id).unwrap().unwrap();
    assert_eq!(current.raw, v2.raw);
    assert!(first.recorded_at <= current.last_seen);

    // Only a child call fails: the response vanishes and the failure appears.
    let r4 = f.store.begin_run(prod.id).unwrap();
    let mut v3 = v2.clone();
    v3.details.clear();
    v3.detail_errors.push(detail_error("securityIps", "req-9"));
    f.store
        .write_assets(&prod, r4, "rds", &[v3.clone()])
        .unwrap();
    // The same again: nothing new.
    f.store.write_assets(&prod, r4, "rds", &[v3]).unwrap();
    // A payload that is not an object.
    let r5 = f.store.begin_run(prod.id).unwrap();
    let mut v4 = asset("baidu_rds_instance", "bj", "rds-1", json!("gone strange"));
    v4.detail_errors.push(detail_error("securityIps", "req-9"));
    f.store.write_assets(&prod, r5, "rds", &[v4]).unwrap();

    let history = f.store.asset_history(id).unwrap();
    let summary: Vec<(i64, Vec<String>)> = history
        .iter()
        .map(|v| (v.run_id, v.changed_fields.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                r3,
                vec![
                    "new".into(),
                    "old".into(),
                    "status".into(),
                    "details.securityIps".into()
                ]
            ),
            (
                r4,
                vec!["details.securityIps".into(), "detail_errors".into()]
            ),
            (r5, vec!["raw".into()]),
        ]
    );
    assert_eq!(history[1].raw, v2.raw);
    assert_eq!(history[2].details, json!({}));
    assert_eq!(
        history[2].detail_errors[0].request_id.as_deref(),
        Some("req-9")
    );
    assert!(history
        .windows(2)
        .all(|w| w[0].recorded_at <= w[1].recorded_at));

    // Other assets have no history; deleting the connection deletes it.
    assert!(f.store.asset_history(9999).unwrap().is_empty());
    assert!(f.store.delete_connection("prod").unwrap());
    let left: i64 = raw_db(&f.path)
        .query_row("SELECT count(*) FROM asset_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}
