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

/// The values [`SyncPolicy::site`] may take.
pub const SITES: [&str; 2] = ["mainland", "overseas"];

/// The region list that means "every region the account can use".
pub const ALL_REGIONS: &str = "all";

/// What to collect with a connection, and how often.
///
/// Missing fields deserialize to their [`Default`] values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncPolicy {
    /// Region ids to collect, or `["all"]` for every region the account can use. Always the
    /// same as [`Connection::regions`].
    pub regions: Vec<String>,
    /// Whether regions that the cloud starts listing later are included automatically.
    pub region_management: bool,
    /// Enabled features; `["cspm"]` by default.
    pub modules: Vec<String>,
    /// Products to collect; `None` means every product the key is authorized for.
    pub products: Option<Vec<String>>,
    /// Seconds between scheduled syncs; `None` turns scheduled syncs off.
    pub sync_interval_secs: Option<u64>,
    /// Seconds between access key status checks; `None` turns them off.
    pub ak_check_interval_secs: Option<u64>,
    /// Which of the cloud's sites the account lives on: `mainland` or `overseas`.
    pub site: String,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            regions: vec![ALL_REGIONS.to_string()],
            region_management: true,
            modules: vec!["cspm".to_string()],
            products: None,
            sync_interval_secs: Some(86_400),
            ak_check_interval_secs: Some(3_600),
            site: "mainland".to_string(),
        }
    }
}

impl SyncPolicy {
    /// Check the policy as [`crate::Store::set_sync_policy`] does: at least one region, each
    /// a valid region id, or `all` alone; no empty module or product name and, if products
    /// are listed, at least one; intervals of at least one second (and at most `i64::MAX`);
    /// a known [`SITES`] value.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |message: String| Error::new(ErrorKind::Config, message);
        if self.regions.is_empty() {
            return Err(invalid(
                "a sync policy needs at least one region, or \"all\"".to_string(),
            ));
        }
        if self.regions.iter().any(|r| r == ALL_REGIONS) {
            if self.regions.len() > 1 {
                return Err(invalid(format!(
                    "regions {:?}: \"all\" cannot be combined with other regions",
                    self.regions
                )));
            }
        } else {
            for region in &self.regions {
                if region.trim() != region {
                    return Err(invalid(format!("invalid region id {region:?}")));
                }
                vigil_core::Region::new(region).map_err(|e| invalid(e.message().to_string()))?;
            }
        }
        if let Some(dup) = duplicate(&self.regions) {
            return Err(invalid(format!("region {dup:?} is listed twice")));
        }
        if self.modules.iter().any(|m| m.trim().is_empty()) {
            return Err(invalid("a module name cannot be empty".to_string()));
        }
        if let Some(products) = &self.products {
            if products.is_empty() {
                return Err(invalid(
                    "an empty product list would collect nothing; use no list (None) for every \
                     authorized product"
                        .to_string(),
                ));
            }
            if products.iter().any(|p| p.trim().is_empty()) {
                return Err(invalid("a product name cannot be empty".to_string()));
            }
        }
        for (what, interval) in [
            ("sync interval", self.sync_interval_secs),
            ("access key check interval", self.ak_check_interval_secs),
        ] {
            if let Some(secs) = interval {
                if secs == 0 || i64::try_from(secs).is_err() {
                    return Err(invalid(format!(
                        "{what} of {secs} seconds: use at least 1 second, or turn it off"
                    )));
                }
            }
        }
        if !SITES.contains(&self.site.as_str()) {
            return Err(invalid(format!(
                "unknown site {:?}: expected one of {}",
                self.site,
                SITES.join(", ")
            )));
        }
        Ok(())
    }
}

/// The first value that appears twice, if any.
fn duplicate(values: &[String]) -> Option<&str> {
    let mut seen = std::collections::BTreeSet::new();
    values
        .iter()
        .find(|v| !seen.insert(v.as_str()))
        .map(String::as_str)
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
    /// What to collect and how often. `policy.regions` always equals `regions`.
    #[serde(default)]
    pub policy: SyncPolicy,
    /// When `key_status` last changed (by a verification or a key check).
    #[serde(default)]
    pub key_status_since: Option<String>,
    /// Why the key is invalid (the error of the last key check); `None` while it is valid.
    #[serde(default)]
    pub key_status_reason: Option<String>,
    /// When the access key status was last checked, if ever.
    #[serde(default)]
    pub last_key_check_at: Option<String>,
    /// Every region the cloud has listed for the account so far, sorted.
    #[serde(default)]
    pub known_regions: Vec<String>,
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
    /// How many (product, region, kind) tasks the run planned; `None` until the sync
    /// engine has planned them (and for runs recorded before schema version 3).
    #[serde(default)]
    pub planned_tasks: Option<u64>,
    /// How many tasks have finished: the run's outcomes.
    #[serde(default)]
    pub finished_tasks: u64,
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
    /// Assets marked deleted because this complete listing no longer returned them; `0`
    /// unless the listing succeeded (and when absent from serialized input).
    #[serde(default)]
    pub deleted: u64,
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
    /// Include assets marked deleted (gone from the cloud). `false` hides them.
    #[serde(default)]
    pub include_deleted: bool,
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
    /// When a complete listing first no longer returned it (RFC 3339 UTC); `None` while it
    /// exists.
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// The run whose listing marked it deleted; `None` while it exists.
    #[serde(default)]
    pub deleted_run_id: Option<i64>,
}

/// An earlier version of an asset, replaced by a sync that saw it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetVersion {
    /// The asset (`StoredAsset::id`).
    pub asset_id: i64,
    /// The run that replaced this version.
    pub run_id: i64,
    /// When it was replaced (RFC 3339 UTC).
    pub recorded_at: String,
    /// The list payload of this version.
    pub raw: serde_json::Value,
    /// The child-call responses of this version (a JSON object).
    #[serde(default = "empty_object")]
    pub details: serde_json::Value,
    /// The child calls that had failed for this version; empty if none.
    #[serde(default)]
    pub detail_errors: Vec<DetailError>,
    /// What differs in the next version: top-level `raw` keys (sorted; `raw` itself when
    /// either payload is not a JSON object), then `details.<call>` for each child call whose
    /// response differs, then `detail_errors` if the failed calls differ.
    pub changed_fields: Vec<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// What [`crate::Store::write_assets`] did with one page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteStats {
    /// New assets.
    pub inserted: u64,
    /// Known assets whose payload, child-call responses or child-call failures changed, or
    /// that were marked deleted and are seen again.
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
