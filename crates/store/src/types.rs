//! The values the store reads and writes.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use vigil_core::{DetailError, Error, ErrorKind};

/// A connection to create or update (by name). Holds no secret: only the public key id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConnection {
    /// Unique, user-chosen name.
    pub name: String,
    /// Provider id, e.g. `baidu`.
    pub provider: String,
    /// The cloud account (tenant) id, when known.
    pub account_id: Option<String>,
    /// The public access key id. Never the secret.
    pub access_key_id: String,
    /// Region ids to collect, or `["all"]`.
    pub regions: Vec<String>,
    /// Where requests go instead of the real endpoints (a simulator or proxy), if anywhere.
    pub endpoint_override: Option<String>,
}

/// A stored connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Row id; stable across updates of the same name.
    pub id: i64,
    /// Unique, user-chosen name.
    pub name: String,
    /// Provider id, e.g. `baidu`.
    pub provider: String,
    /// The cloud account (tenant) id, when known.
    pub account_id: Option<String>,
    /// The public access key id.
    pub access_key_id: String,
    /// Region ids to collect, or `["all"]`.
    pub regions: Vec<String>,
    /// Endpoint override, if any.
    pub endpoint_override: Option<String>,
    /// When the connection was first stored (RFC 3339 UTC).
    pub created_at: String,
    /// When its configuration last changed (RFC 3339 UTC).
    pub updated_at: String,
    /// When the key was last verified, if ever.
    pub last_verified_at: Option<String>,
    /// `valid` or `invalid`, from the last verification.
    pub key_status: Option<String>,
    /// The last verification report, as JSON.
    pub verification_json: Option<String>,
}

/// The state of a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still collecting (or the process died: see [`crate::Store::interrupt_running_runs`]).
    Running,
    /// Every (product, region, kind) succeeded or was skipped.
    Succeeded,
    /// Some outcomes failed or were not authorized; the rest was stored.
    Partial,
    /// Nothing useful was collected.
    Failed,
    /// Stopped before finishing (Ctrl-C, shutdown, crash).
    Interrupted,
}

impl RunStatus {
    /// Every status, in declaration order.
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Partial,
        RunStatus::Failed,
        RunStatus::Interrupted,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Whether the run has ended.
    pub fn is_finished(self) -> bool {
        self != RunStatus::Running
    }
}

/// The outcome of collecting one (product, region, kind) in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// Collected completely.
    Ok,
    /// Failed (network, server, bad response ...); see the error columns.
    Failed,
    /// The key may not read this product.
    NotAuthorized,
    /// Not attempted (e.g. the product is not offered in the region).
    Skipped,
}

impl OutcomeStatus {
    /// Every status, in declaration order.
    pub const ALL: [OutcomeStatus; 4] = [
        OutcomeStatus::Ok,
        OutcomeStatus::Failed,
        OutcomeStatus::NotAuthorized,
        OutcomeStatus::Skipped,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Ok => "ok",
            OutcomeStatus::Failed => "failed",
            OutcomeStatus::NotAuthorized => "not_authorized",
            OutcomeStatus::Skipped => "skipped",
        }
    }
}

macro_rules! text_enum {
    ($ty:ident, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                        Error::new(
                            ErrorKind::Config,
                            format!(
                                "unknown {} {s:?}: expected one of {}",
                                $what,
                                names.join(", ")
                            ),
                        )
                    })
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = value.as_str()?;
                s.parse()
                    .map_err(|e: Error| FromSqlError::Other(e.message().into()))
            }
        }
    };
}

text_enum!(RunStatus, "run status");
text_enum!(OutcomeStatus, "outcome status");

/// One sync run of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Run id (never reused).
    pub id: i64,
    /// The connection synced.
    pub connection_id: i64,
    /// Its name.
    pub connection_name: String,
    /// When the run began (RFC 3339 UTC).
    pub started_at: String,
    /// When it ended, if it has.
    pub finished_at: Option<String>,
    /// Its state.
    pub status: RunStatus,
    /// Assets seen by the run (set when it finishes).
    pub assets_seen: u64,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// What happened to one (product, region, kind) in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Product id, e.g. `bcc`.
    pub product: String,
    /// Region id, or `global`.
    pub region: String,
    /// Asset kind, e.g. `baidu_bcc_instance`.
    pub kind: String,
    /// How it went.
    pub status: OutcomeStatus,
    /// Assets collected.
    pub asset_count: u64,
    /// Pages fetched.
    pub pages: u32,
    /// Per-asset child calls (whitelist, ACL ...) that failed. Their assets were still
    /// stored, with the failures in [`StoredAsset::detail_errors`]; `0` when none failed (and
    /// when absent from serialized input, e.g. JSON written before schema version 2).
    #[serde(default)]
    pub detail_errors: u64,
    /// [`vigil_core::ErrorKind`] name of the failure, if any.
    pub error_kind: Option<String>,
    /// The vendor's error code, if any.
    pub error_code: Option<String>,
    /// The error message, if any.
    pub error_message: Option<String>,
    /// The vendor's request id of the failing call, if any.
    pub request_id: Option<String>,
    /// When collection of this kind began (RFC 3339; stored normalized to UTC).
    pub started_at: String,
    /// When it ended, if it has.
    pub finished_at: Option<String>,
}

/// Which assets to read. Unset fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFilter {
    /// Connection name.
    pub connection: Option<String>,
    /// Product id.
    pub product: Option<String>,
    /// Asset kind.
    pub kind: Option<String>,
    /// Region id.
    pub region: Option<String>,
    /// The cloud's resource id, matched exactly.
    pub resource_id: Option<String>,
    /// Only assets last seen by this run.
    pub run_id: Option<i64>,
    /// At most this many rows ([`crate::Store::asset_count`] ignores it).
    pub limit: Option<usize>,
}

/// A stored asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAsset {
    /// Row id.
    pub id: i64,
    /// Connection name.
    pub connection: String,
    /// Provider id.
    pub provider: String,
    /// Account id, when known.
    pub account_id: Option<String>,
    /// Region id, or `global`.
    pub region: String,
    /// Product id.
    pub product: String,
    /// Asset kind.
    pub kind: String,
    /// The cloud's id of the resource.
    pub resource_id: String,
    /// Display name, if any.
    pub name: Option<String>,
    /// The payload as the cloud returned it in the list response.
    pub raw: serde_json::Value,
    /// Responses of per-asset child calls, by call name, from the last sync that saw the
    /// asset: always a JSON object, `{}` when no child call succeeded (or none is made for
    /// this kind).
    #[serde(default = "empty_object")]
    pub details: serde_json::Value,
    /// Child calls that failed for the asset in the last sync that saw it; empty if none.
    #[serde(default)]
    pub detail_errors: Vec<DetailError>,
    /// When first stored (RFC 3339 UTC).
    pub first_seen: String,
    /// When last seen by a sync (RFC 3339 UTC).
    pub last_seen: String,
    /// The run that last saw it.
    pub last_run_id: i64,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// What [`crate::Store::write_assets`] did with one page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteStats {
    /// New assets.
    pub inserted: u64,
    /// Known assets whose payload, child-call responses or child-call failures changed.
    pub updated: u64,
    /// Known assets with the same payload, child-call responses and failures as before
    /// (only `last_seen`, `last_run_id` and the name may have moved).
    pub unchanged: u64,
}

impl WriteStats {
    /// Assets written in total.
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged
    }
}

impl std::ops::AddAssign for WriteStats {
    fn add_assign(&mut self, other: WriteStats) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}
