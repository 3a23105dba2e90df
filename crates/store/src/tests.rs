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
