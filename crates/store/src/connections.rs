//! The `connections` table.

use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};

use crate::{now, Connection, NewConnection, Result, Store};

/// The values `key_status` may take.
pub const KEY_STATUSES: [&str; 2] = ["valid", "invalid"];

const COLUMNS: &str = "id, name, provider, account_id, access_key_id, regions, \
     endpoint_override, created_at, updated_at, last_verified_at, key_status, verification_json";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Connection> {
    let regions: String = row.get(5)?;
    let regions: Vec<String> = serde_json::from_str(&regions)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, Type::Text, Box::new(e)))?;
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
    })
}

impl Store {
    /// Insert the connection, or update the one with the same name (keeping its id and
    /// `created_at`). If the provider or access key id changes, the stored verification
    /// (`last_verified_at`, `key_status`, `verification_json`) is cleared: it was about
    /// another key.
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
                                          THEN verification_json END",
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
    /// `report_json` the report (JSON, without secrets). Sets `last_verified_at` to now.
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
                 SET last_verified_at = ?2, key_status = ?3, verification_json = ?4
                 WHERE id = ?1",
                params![connection_id, now(), key_status, report_json],
            )
            .map_err(self.fail(&what))?;
        if changed == 0 {
            return Err(self.invalid(format!("{what}: no connection has id {connection_id}")));
        }
        Ok(())
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
