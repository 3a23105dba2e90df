//! The `assets` table.

use rusqlite::types::{Type, Value, ValueRef};
use rusqlite::{params, params_from_iter, OptionalExtension, Row, TransactionBehavior};
use vigil_core::Asset;

use crate::runs::run_owner;
use crate::{
    count, now, sql_limit, AssetFilter, Connection, Result, Store, StoredAsset, WriteStats,
};

/// The columns [`asset_from_row`] reads, after `FROM assets a JOIN connections c`.
const ASSET_COLUMNS: &str = "a.id, c.name, a.provider, a.account_id, a.region, a.product, a.kind, \
     a.resource_id, a.name, a.raw_json, a.first_seen, a.last_seen, a.last_run_id, \
     a.details_json, a.detail_errors_json";

/// Parse the JSON text in column `index`.
fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// `value` as JSON text.
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn asset_from_row(row: &Row<'_>) -> rusqlite::Result<StoredAsset> {
    let raw = json_column(row, 9)?;
    let details = json_column(row, 13)?;
    let detail_errors = match row.get_ref(14)? {
        ValueRef::Null => Vec::new(),
        _ => json_column(row, 14)?,
    };
    Ok(StoredAsset {
        id: row.get(0)?,
        connection: row.get(1)?,
        provider: row.get(2)?,
        account_id: row.get(3)?,
        region: row.get(4)?,
        product: row.get(5)?,
        kind: row.get(6)?,
        resource_id: row.get(7)?,
        name: row.get(8)?,
        raw,
        first_seen: row.get(10)?,
        last_seen: row.get(11)?,
        last_run_id: row.get(12)?,
        details,
        detail_errors,
    })
}

/// `FROM ... WHERE ...` for a filter, with its parameters. Only set filters become
/// clauses, so SQLite can use the matching index.
fn filter_sql(filter: &AssetFilter) -> (String, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let text = [
        ("c.name = ?", &filter.connection),
        ("a.product = ?", &filter.product),
        ("a.kind = ?", &filter.kind),
        ("a.region = ?", &filter.region),
        ("a.resource_id = ?", &filter.resource_id),
    ];
    for (clause, value) in text {
        if let Some(v) = value {
            clauses.push(clause);
            values.push(Value::Text(v.clone()));
        }
    }
    if let Some(run) = filter.run_id {
        clauses.push("a.last_run_id = ?");
        values.push(Value::Integer(run));
    }
    let mut sql = String::from(" FROM assets a JOIN connections c ON c.id = a.connection_id");
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    (sql, values)
}

impl Store {
    /// Store one page of `product` assets seen by `run_id` of `connection`, in one
    /// transaction: all of the page is written or none of it.
    ///
    /// A new asset (by connection, kind, region, resource id) is inserted with
    /// `first_seen = last_seen = now`; a known one gets `last_seen`, `last_run_id`, its
    /// payload, child-call responses (`details`), child-call failures (`detail_errors`) and
    /// name replaced, and counts as updated only if the payload, the responses or the
    /// failures changed (a new name alone leaves it unchanged).
    pub fn write_assets(
        &self,
        connection: &Connection,
        run_id: i64,
        product: &str,
        assets: &[Asset],
    ) -> Result<WriteStats> {
        let what = format!(
            "writing {} {product} assets of connection {:?} in run {run_id}",
            assets.len(),
            connection.name
        );
        let fail = self.fail::<rusqlite::Error>(&what);
        let now = now();
        let mut stats = WriteStats::default();

        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(&what))?;
        match run_owner(&tx, run_id).map_err(self.fail(&what))? {
            None => return Err(self.invalid(format!("{what}: there is no run {run_id}"))),
            Some(owner) if owner != connection.id => {
                return Err(self.invalid(format!(
                    "{what}: run {run_id} belongs to connection id {owner}, not {}",
                    connection.id
                )))
            }
            Some(_) => {}
        }
        let result = (|| -> rusqlite::Result<()> {
            let mut find = tx.prepare_cached(
                "SELECT id, raw_json, details_json, detail_errors_json FROM assets
                 WHERE connection_id = ?1 AND kind = ?2 AND region = ?3 AND resource_id = ?4",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO assets (connection_id, provider, account_id, region, product, kind,
                                     resource_id, name, raw_json, first_seen, last_seen,
                                     first_run_id, last_run_id, details_json,
                                     detail_errors_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?11, ?12, ?13)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE assets
                 SET provider = ?2, account_id = ?3, product = ?4, name = ?5, raw_json = ?6,
                     last_seen = ?7, last_run_id = ?8, details_json = ?9,
                     detail_errors_json = ?10
                 WHERE id = ?1",
            )?;
            for asset in assets {
                let raw = to_json(&asset.raw)?;
                // A BTreeMap: keys are sorted, so equal details give equal text.
                let details = to_json(&asset.details)?;
                let detail_errors = if asset.detail_errors.is_empty() {
                    None
                } else {
                    Some(to_json(&asset.detail_errors)?)
                };
                let known: Option<(i64, String, String, Option<String>)> = find
                    .query_row(
                        params![connection.id, asset.kind, asset.region, asset.resource_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                match known {
                    None => {
                        insert.execute(params![
                            connection.id,
                            connection.provider,
                            connection.account_id,
                            asset.region,
                            product,
                            asset.kind,
                            asset.resource_id,
                            asset.name,
                            raw,
                            now,
                            run_id,
                            details,
                            detail_errors,
                        ])?;
                        stats.inserted += 1;
                    }
                    Some((id, old_raw, old_details, old_errors)) => {
                        update.execute(params![
                            id,
                            connection.provider,
                            connection.account_id,
                            product,
                            asset.name,
                            raw,
                            now,
                            run_id,
                            details,
                            detail_errors,
                        ])?;
                        if old_raw == raw && old_details == details && old_errors == detail_errors {
                            stats.unchanged += 1;
                        } else {
                            stats.updated += 1;
                        }
                    }
                }
            }
            Ok(())
        })();
        // On error the transaction is dropped, which rolls the whole page back.
        result.map_err(fail)?;
        tx.commit().map_err(self.fail(&what))?;
        tracing::debug!(
            store = %self.label,
            connection = %connection.name,
            run_id,
            product,
            inserted = stats.inserted,
            updated = stats.updated,
            unchanged = stats.unchanged,
            "wrote assets"
        );
        Ok(stats)
    }

    /// The assets matching `filter`, ordered by connection name, product, kind, region and
    /// resource id.
    pub fn assets(&self, filter: &AssetFilter) -> Result<Vec<StoredAsset>> {
        let what = "reading assets";
        let (from, mut values) = filter_sql(filter);
        let mut sql = format!(
            "SELECT {ASSET_COLUMNS}
             {from}
             ORDER BY c.name, a.product, a.kind, a.region, a.resource_id"
        );
        if let Some(limit) = filter.limit {
            sql.push_str(" LIMIT ?");
            values.push(Value::Integer(sql_limit(limit)));
        }
        let db = self.db();
        let mut stmt = db.prepare_cached(&sql).map_err(self.fail(what))?;
        let rows = stmt
            .query_map(params_from_iter(values), asset_from_row)
            .map_err(self.fail(what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(what))
    }

    /// How many assets match `filter` (its `limit` is ignored).
    pub fn asset_count(&self, filter: &AssetFilter) -> Result<u64> {
        let (from, values) = filter_sql(filter);
        self.db()
            .prepare_cached(&format!("SELECT count(*){from}"))
            .and_then(|mut stmt| stmt.query_row(params_from_iter(values), |r| r.get(0)))
            .map(count)
            .map_err(self.fail("counting assets"))
    }
}
