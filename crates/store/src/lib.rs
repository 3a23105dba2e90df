//! The Vigil inventory store: one SQLite file holding connections, sync runs, the outcome
//! of every (product, region, kind) of every run, the collected assets, and the posture
//! findings of every evaluated run.
//!
//! The schema is a public interface (users query it with SQL) and is documented in
//! `docs/SCHEMA.md`. It is versioned with `PRAGMA user_version` and migrated on open.
//!
//! The API is synchronous; async callers use `spawn_blocking`. A [`Store`] is `Send + Sync`
//! and serializes its calls on one connection. Several processes may open the same file:
//! the database runs in WAL mode with a busy timeout, and every write takes the write lock
//! up front (`BEGIN IMMEDIATE`).
//!
//! Secrets never enter the store: there is no column for them.
#![warn(missing_docs, missing_debug_implementations)]

mod assets;
mod connections;
mod findings;
mod runs;
mod schema;
mod types;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection as Db;

pub use connections::KEY_STATUSES;
pub use findings::{
    Evaluation, FindingFilter, NewEvaluation, NewFinding, StoredFinding, FINDING_STATUSES,
    SEVERITIES,
};
pub use types::{
    AssetFilter, AssetVersion, Connection, NewConnection, Outcome, OutcomeStatus, RunStatus,
    StoredAsset, SyncPolicy, SyncRun, WriteStats, ALL_REGIONS, SITES,
};
pub use vigil_core::{Error, ErrorKind, Result};

/// How long a call waits for another process's write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The inventory store. Cheap to share behind an `Arc`.
pub struct Store {
    db: Mutex<Db>,
    path: Option<PathBuf>,
    label: String,
}

// The contract with callers that move the store into `spawn_blocking`.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync + fmt::Debug>() {}
    assert_send_sync::<Store>();
};

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.label)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The schema version this code writes and understands.
    pub const SCHEMA_VERSION: u32 = schema::MIGRATIONS.len() as u32;

    /// Open (creating it and its parent directories if needed) the database at `path` and
    /// migrate it to [`Store::SCHEMA_VERSION`].
    ///
    /// Fails if the file is not a Vigil database, or was written by a newer Vigil.
    pub fn open(path: &Path) -> Result<Store> {
        let label = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                store_error(
                    &label,
                    &format!("creating the directory {}", parent.display()),
                    e,
                )
            })?;
        }
        let db = Db::open(path).map_err(|e| store_error(&label, "opening the database", e))?;
        Store::init(db, Some(path.to_path_buf()), label)
    }

    /// A private in-memory database, gone when the store is dropped. For tests and dry runs.
    pub fn open_in_memory() -> Result<Store> {
        let label = "(in memory)".to_string();
        let db = Db::open_in_memory()
            .map_err(|e| store_error(&label, "opening an in-memory database", e))?;
        Store::init(db, None, label)
    }

    fn init(mut db: Db, path: Option<PathBuf>, label: String) -> Result<Store> {
        let name = label.as_str();
        let fail = |what: &'static str| move |e: rusqlite::Error| store_error(name, what, e);
        db.busy_timeout(BUSY_TIMEOUT)
            .map_err(fail("setting the busy timeout"))?;
        // Refuse foreign or newer databases (and non-databases) before changing anything.
        schema::check(&db, &label, Store::SCHEMA_VERSION)?;
        db.pragma_update(None, "foreign_keys", true)
            .map_err(fail("enabling foreign keys"))?;
        let fk: bool = db
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .map_err(fail("enabling foreign keys"))?;
        if !fk {
            return Err(store_error(
                &label,
                "enabling foreign keys",
                "SQLite was built without foreign key support",
            ));
        }
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail("setting synchronous=NORMAL"))?;

        if path.is_some() {
            let mode: String = db
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(fail("switching to WAL mode"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                // E.g. some network file systems; still correct, just less concurrent.
                tracing::warn!(store = %label, journal_mode = %mode, "could not enable WAL mode");
            }
        }

        schema::migrate(&mut db, &label, schema::MIGRATIONS)?;
        Ok(Store {
            db: Mutex::new(db),
            path,
            label,
        })
    }

    /// The database file, `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<u32> {
        self.db()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.fail("reading the schema version"))
    }

    /// The connection, waiting for other threads of this process.
    fn db(&self) -> MutexGuard<'_, Db> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls
        // back on drop), so the connection is still usable.
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An error mapper naming this store's file and what failed.
    fn fail<'a, E: fmt::Display>(&'a self, what: &'a str) -> impl FnOnce(E) -> Error + 'a {
        move |e| store_error(&self.label, what, e)
    }

    /// An error about the caller's input or the store's content (no underlying cause).
    fn invalid(&self, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Store, format!("store {}: {message}", self.label))
    }
}

/// A [`ErrorKind::Store`] error: `store <file>: <what>: <cause>`.
pub(crate) fn store_error(label: &str, what: &str, cause: impl fmt::Display) -> Error {
    Error::new(ErrorKind::Store, format!("store {label}: {what}: {cause}"))
}

/// The current time as the store writes it: RFC 3339, UTC, milliseconds, `Z`
/// (`2024-05-01T12:34:56.789Z`). Fixed width, so text order is time order.
pub fn now() -> String {
    format_timestamp(Utc::now())
}

/// Format a time as the store writes it (see [`now`]).
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse any RFC 3339 timestamp and return it in the store's format (see [`now`]).
pub fn normalize_timestamp(s: &str) -> Result<String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| format_timestamp(t.with_timezone(&Utc)))
        .map_err(|e| {
            Error::new(
                ErrorKind::Store,
                format!(
                    "invalid timestamp {s:?}: {e}; expected RFC 3339 such as 2024-05-01T12:34:56Z"
                ),
            )
        })
}

/// `usize` limit to SQLite's `LIMIT` (which is an i64).
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A count read from SQLite (never negative by the schema's CHECKs) to `u64`.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests;
