//! The `connections` table.

use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::{now, Connection, NewConnection, Result, Store, SyncPolicy};

/// The values `key_status` may take.
pub const KEY_STATUSES: [&str; 2] = ["valid", "invalid"];

const COLUMNS: &str = "id, name, provider, account_id, access_key_id, regions, \
     endpoint_override, created_at, updated_at, last_verified_at, key_status, verification_json, \
     region_management, modules, products, sync_interval_secs, ak_check_interval_secs, site, \
     key_status_since, key_status_reason, last_key_check_at, known_regions";

/// Parse the JSON text in column `index`.
fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// An interval in seconds (positive by the schema's CHECKs).
fn interval(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<u64>> {
    let secs: Option<i64> = row.get(index)?;
    secs.map(|s| {
        u64::try_from(s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, Type::Integer, Box::new(e))
        })
    })
    .transpose()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Connection> {
    let regions: Vec<String> = json_column(row, 5)?;
    let products: Option<String> = row.get(14)?;
    let products = match products {
        None => None,
        Some(_) => Some(json_column(row, 14)?),
    };
    let policy = SyncPolicy {
        regions: regions.clone(),
        region_management: row.get(12)?,
        modules: json_column(row, 13)?,
        products,
        sync_interval_secs: interval(row, 15)?,
        ak_check_interval_secs: interval(row, 16)?,
        site: row.get(17)?,
    };
    Ok(Connection {
        id: row.get(0)?,
        name: row.get(1)?,
        provider: row.get(2)?,
        account_id: row.get(3)?,
        access_key_id: row.get(4)?,
        regions,
        endpoint_override: row.get(6)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
        last_verified_at: row.get(9)?,
        key_status: row.get(10)?,
        verification_json: row.get(11)?,
        policy,
        key_status_since: row.get(18)?,
        key_status_reason: row.get(19)?,
        last_key_check_at: row.get(20)?,
        known_regions: json_column(row, 21)?,
    })
}

/// The connection with row id `id`, read inside a transaction.
fn by_id(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<Connection>> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

impl Store {
    /// Insert the connection, or update the one with the same name (keeping its id and
    /// `created_at`). If the provider or access key id changes, the stored verification
    /// and key check state (`last_verified_at`, `key_status`, `verification_json`,
    /// `key_status_since`, `key_status_reason`, `last_key_check_at`) is cleared: it was
    /// about another key.
    ///
    /// A new connection gets the default [`SyncPolicy`] with `c.regions`; an existing one
    /// keeps its policy except for the regions, which `c.regions` replaces.
    pub fn upsert_connection(&self, c: &NewConnection) -> Result<Connection> {
        let what = format!("saving connection {:?}", c.name);
        if c.name.trim().is_empty() {
            return Err(self.invalid("a connection needs a non-empty name"));
        }
        let regions = serde_json::to_string(&c.regions).map_err(self.fail(&what))?;
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        tx.execute(
            "INSERT INTO connections (name, provider, account_id, access_key_id, regions,
                                      endpoint_override, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT (name) DO UPDATE SET
                 provider          = excluded.provider,
                 account_id        = excluded.account_id,
                 access_key_id     = excluded.access_key_id,
                 regions           = excluded.regions,
                 endpoint_override = excluded.endpoint_override,
                 updated_at        = excluded.updated_at,
                 last_verified_at  = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN last_verified_at END,
                 key_status        = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN key_status END,
                 verification_json = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN verification_json END,
                 key_status_since  = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN key_status_since END,
                 key_status_reason = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN key_status_reason END,
                 last_key_check_at = CASE WHEN provider = excluded.provider
                                           AND access_key_id = excluded.access_key_id
                                          THEN last_key_check_at END",
            params![
                c.name,
                c.provider,
                c.account_id,
                c.access_key_id,
                regions,
                c.endpoint_override,
                now()
            ],
        )
        .map_err(self.fail(&what))?;
        let stored = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE name = ?1"),
                [&c.name],
                from_row,
            )
            .map_err(self.fail(&what))?;
        tx.commit().map_err(self.fail(&what))?;
        Ok(stored)
    }

    /// The connection called `name`.
    pub fn connection(&self, name: &str) -> Result<Option<Connection>> {
        self.db()
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE name = ?1"),
                [name],
                from_row,
            )
            .optional()
            .map_err(self.fail(&format!("reading connection {name:?}")))
    }

    /// The connection with row id `id`.
    pub fn connection_by_id(&self, id: i64) -> Result<Option<Connection>> {
        self.db()
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()
            .map_err(self.fail(&format!("reading connection {id}")))
    }

    /// All connections, by name.
    pub fn connections(&self) -> Result<Vec<Connection>> {
        let what = "reading connections";
        let db = self.db();
        let mut stmt = db
            .prepare_cached(&format!("SELECT {COLUMNS} FROM connections ORDER BY name"))
            .map_err(self.fail(what))?;
        let rows = stmt.query_map([], from_row).map_err(self.fail(what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(what))
    }

    /// Record a verification of the connection's key: `key_status` is `valid` or `invalid`,
    /// `report_json` the report (JSON, without secrets). Sets `last_verified_at` to now;
    /// `key_status_since` moves to now only if the status changes, and a `valid` status
    /// clears `key_status_reason`.
    pub fn record_verification(
        &self,
        connection_id: i64,
        key_status: &str,
        report_json: &str,
    ) -> Result<()> {
        let what = format!("recording the verification of connection {connection_id}");
        if !KEY_STATUSES.contains(&key_status) {
            return Err(self.invalid(format!(
                "{what}: key status {key_status:?} is not one of {}",
                KEY_STATUSES.join(", ")
            )));
        }
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(report_json) {
            return Err(self.invalid(format!("{what}: the report is not valid JSON: {e}")));
        }
        let changed = self
            .db()
            .execute(
                "UPDATE connections
                 SET last_verified_at = ?2, key_status = ?3, verification_json = ?4,
                     key_status_since = CASE WHEN key_status IS ?3
                                              AND key_status_since IS NOT NULL
                                             THEN key_status_since ELSE ?2 END,
                     key_status_reason = CASE WHEN ?3 = 'valid' THEN NULL
                                              ELSE key_status_reason END
                 WHERE id = ?1",
                params![connection_id, now(), key_status, report_json],
            )
            .map_err(self.fail(&what))?;
        if changed == 0 {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        }
        Ok(())
    }

    /// Replace the connection's sync policy (its `regions` too). `updated_at` moves only if
    /// the policy changed. Fails if the policy is invalid (see [`SyncPolicy::validate`]) or
    /// there is no such connection.
    pub fn set_sync_policy(&self, connection_id: i64, policy: &SyncPolicy) -> Result<Connection> {
        let what = format!("setting the sync policy of connection {connection_id}");
        policy
            .validate()
            .map_err(|e| self.invalid(format!("{what}: {}", e.message())))?;
        let regions = serde_json::to_string(&policy.regions).map_err(self.fail(&what))?;
        let modules = serde_json::to_string(&policy.modules).map_err(self.fail(&what))?;
        let products = policy
            .products
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(self.fail(&what))?;
        // Validated: every interval fits an i64.
        let secs = |s: Option<u64>| s.map(|s| i64::try_from(s).unwrap_or(i64::MAX));

        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        let Some(current) = by_id(&tx, connection_id).map_err(self.fail(&what))? else {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        };
        if current.policy == *policy {
            return Ok(current);
        }
        tx.execute(
            "UPDATE connections
             SET regions = ?2, region_management = ?3, modules = ?4, products = ?5,
                 sync_interval_secs = ?6, ak_check_interval_secs = ?7, site = ?8,
                 updated_at = ?9
             WHERE id = ?1",
            params![
                connection_id,
                regions,
                policy.region_management,
                modules,
                products,
                secs(policy.sync_interval_secs),
                secs(policy.ak_check_interval_secs),
                policy.site,
                now(),
            ],
        )
        .map_err(self.fail(&what))?;
        let stored = by_id(&tx, connection_id)
            .map_err(self.fail(&what))?
            .ok_or_else(|| self.invalid(format!("{what}: the connection vanished")))?;
        tx.commit().map_err(self.fail(&what))?;
        Ok(stored)
    }

    /// Record an access key status check. `Ok(())`: `key_status` becomes `valid` and
    /// `key_status_reason` is cleared; `Err(reason)`: `invalid`, with `reason` (an error
    /// message, no secrets). `key_status_since` moves to now only when the status flips (or
    /// was never set); `last_key_check_at` is always set to now.
    pub fn record_key_check(
        &self,
        connection_id: i64,
        result: std::result::Result<(), &str>,
    ) -> Result<Connection> {
        let what = format!("recording a key check of connection {connection_id}");
        let (status, reason) = match result {
            Ok(()) => ("valid", None),
            Err(reason) => ("invalid", Some(reason)),
        };
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        let changed = tx
            .execute(
                "UPDATE connections
                 SET key_status_since = CASE WHEN key_status IS ?2
                                              AND key_status_since IS NOT NULL
                                             THEN key_status_since ELSE ?4 END,
                     key_status = ?2,
                     key_status_reason = ?3,
                     last_key_check_at = ?4
                 WHERE id = ?1",
                params![connection_id, status, reason, now()],
            )
            .map_err(self.fail(&what))?;
        if changed == 0 {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        }
        let stored = by_id(&tx, connection_id)
            .map_err(self.fail(&what))?
            .ok_or_else(|| self.invalid(format!("{what}: the connection vanished")))?;
        tx.commit().map_err(self.fail(&what))?;
        Ok(stored)
    }

    /// Remember the regions the cloud listed for the connection's account (adding them to
    /// `known_regions`, which never shrinks). Returns the regions never seen before, sorted
    /// and without duplicates. Fails on an invalid region id.
    pub fn record_known_regions(
        &self,
        connection_id: i64,
        regions: &[String],
    ) -> Result<Vec<String>> {
        let what = format!("recording the regions of connection {connection_id}");
        for region in regions {
            if region.trim() != region {
                return Err(self.invalid(format!("{what}: invalid region id {region:?}")));
            }
            vigil_core::Region::new(region)
                .map_err(|e| self.invalid(format!("{what}: {}", e.message())))?;
        }
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        let known: Option<String> = tx
            .query_row(
                "SELECT known_regions FROM connections WHERE id = ?1",
                [connection_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.fail(&what))?;
        let Some(known) = known else {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        };
        let mut known: std::collections::BTreeSet<String> =
            serde_json::from_str(&known).map_err(self.fail(&what))?;
        let new: std::collections::BTreeSet<String> = regions
            .iter()
            .filter(|r| !known.contains(*r))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(Vec::new());
        }
        known.extend(new.iter().cloned());
        let text = serde_json::to_string(&known).map_err(self.fail(&what))?;
        tx.execute(
            "UPDATE connections SET known_regions = ?2 WHERE id = ?1",
            params![connection_id, text],
        )
        .map_err(self.fail(&what))?;
        tx.commit().map_err(self.fail(&what))?;
        Ok(new.into_iter().collect())
    }

    /// Delete the connection called `name` with its runs, outcomes and assets. Returns
    /// whether it existed.
    pub fn delete_connection(&self, name: &str) -> Result<bool> {
        let changed = self
            .db()
            .execute("DELETE FROM connections WHERE name = ?1", [name])
            .map_err(self.fail(&format!("deleting connection {name:?}")))?;
        Ok(changed > 0)
    }
}
