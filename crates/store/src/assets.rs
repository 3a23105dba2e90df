//! The `assets` table.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::{Type, Value, ValueRef};
use rusqlite::{
    params, params_from_iter, OptionalExtension, Row, Transaction, TransactionBehavior,
};
use vigil_core::Asset;

use crate::runs::run_owner;
use crate::{
    count, now, sql_limit, AssetFilter, AssetVersion, Connection, Result, Store, StoredAsset,
    WriteStats,
};

/// The columns [`asset_from_row`] reads, after `FROM assets a JOIN connections c`.
pub(crate) const ASSET_COLUMNS: &str =
    "a.id, c.name, a.provider, a.account_id, a.region, a.product, a.kind, \
     a.resource_id, a.name, a.raw_json, a.first_seen, a.last_seen, a.last_run_id, \
     a.details_json, a.detail_errors_json, a.deleted_at, a.deleted_run_id";

/// Parse the JSON text in column `index`.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// `value` as JSON text.
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// A nullable JSON array column: `NULL` is empty.
pub(crate) fn json_list<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    index: usize,
) -> rusqlite::Result<Vec<T>> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(Vec::new()),
        _ => json_column(row, index),
    }
}

pub(crate) fn asset_from_row(row: &Row<'_>) -> rusqlite::Result<StoredAsset> {
    let raw = json_column(row, 9)?;
    let details = json_column(row, 13)?;
    let detail_errors = json_list(row, 14)?;
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
        deleted_at: row.get(15)?,
        deleted_run_id: row.get(16)?,
    })
}

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<AssetVersion> {
    Ok(AssetVersion {
        asset_id: row.get(0)?,
        run_id: row.get(1)?,
        recorded_at: row.get(2)?,
        raw: json_column(row, 3)?,
        details: json_column(row, 4)?,
        detail_errors: json_list(row, 5)?,
        changed_fields: json_column(row, 6)?,
    })
}

/// What differs between a stored version (JSON text as stored) and the asset replacing it:
/// top-level `raw` keys (or `raw` when either payload is not an object), `details.<call>`
/// per differing child-call response, and `detail_errors` if the failures differ.
fn changed_fields(
    old_raw: &str,
    old_details: &str,
    errors_changed: bool,
    new: &Asset,
) -> rusqlite::Result<Vec<String>> {
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, Box::new(e)))
    };
    let mut fields = Vec::new();
    let old_raw = parse(old_raw)?;
    match (&old_raw, &new.raw) {
        (serde_json::Value::Object(old), serde_json::Value::Object(new)) => {
            let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            fields.extend(
                keys.into_iter()
                    .filter(|k| old.get(*k) != new.get(*k))
                    .cloned(),
            );
        }
        (old, new) if old != new => fields.push("raw".to_string()),
        _ => {}
    }
    let old_details: BTreeMap<String, serde_json::Value> = serde_json::from_str(old_details)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, Box::new(e)))?;
    let calls: BTreeSet<&String> = old_details.keys().chain(new.details.keys()).collect();
    fields.extend(
        calls
            .into_iter()
            .filter(|c| old_details.get(*c) != new.details.get(*c))
            .map(|c| format!("details.{c}")),
    );
    if errors_changed {
        fields.push("detail_errors".to_string());
    }
    Ok(fields)
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
    if !filter.include_deleted {
        clauses.push("a.deleted_at IS NULL");
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
    /// failures changed (a new name alone leaves it unchanged), or if it was marked deleted
    /// (it no longer is).
    ///
    /// When the payload, the responses or the failures change, the version being replaced
    /// is first copied to `asset_history` with `run_id` (see [`Store::asset_history`]).
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
        check_owner(self, &tx, &what, connection.id, run_id)?;
        let result = (|| -> rusqlite::Result<()> {
            let mut find = tx.prepare_cached(
                "SELECT id, raw_json, details_json, detail_errors_json, deleted_at IS NOT NULL
                 FROM assets
                 WHERE connection_id = ?1 AND kind = ?2 AND region = ?3 AND resource_id = ?4",
            )?;
            let mut keep = tx.prepare_cached(
                "INSERT INTO asset_history (asset_id, run_id, recorded_at, raw_json, details_json,
                                            detail_errors_json, changed_fields)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
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
                     detail_errors_json = ?10, deleted_at = NULL, deleted_run_id = NULL
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
                type Known = (i64, String, String, Option<String>, bool);
                let known: Option<Known> = find
                    .query_row(
                        params![connection.id, asset.kind, asset.region, asset.resource_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
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
                    Some((id, old_raw, old_details, old_errors, was_deleted)) => {
                        let errors_changed = old_errors != detail_errors;
                        let changed = old_raw != raw || old_details != details || errors_changed;
                        if changed {
                            let fields =
                                changed_fields(&old_raw, &old_details, errors_changed, asset)?;
                            keep.execute(params![
                                id,
                                run_id,
                                now,
                                old_raw,
                                old_details,
                                old_errors,
                                to_json(&fields)?,
                            ])?;
                        }
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
                        if changed || was_deleted {
                            stats.updated += 1;
                        } else {
                            stats.unchanged += 1;
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

    /// The asset with row id `id` ([`StoredAsset::id`]), deleted or not.
    pub fn asset(&self, id: i64) -> Result<Option<StoredAsset>> {
        self.db()
            .prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS}
                 FROM assets a JOIN connections c ON c.id = a.connection_id
                 WHERE a.id = ?1"
            ))
            .and_then(|mut stmt| stmt.query_row([id], asset_from_row).optional())
            .map_err(self.fail(&format!("reading asset {id}")))
    }

    /// The earlier versions of an asset, oldest first: each as it was before the run in
    /// [`AssetVersion::run_id`] saw it changed. Empty if it never changed (or there is no
    /// such asset).
    pub fn asset_history(&self, asset_id: i64) -> Result<Vec<AssetVersion>> {
        let what = format!("reading the history of asset {asset_id}");
        let db = self.db();
        let mut stmt = db
            .prepare_cached(
                "SELECT asset_id, run_id, recorded_at, raw_json, details_json,
                        detail_errors_json, changed_fields
                 FROM asset_history WHERE asset_id = ?1
                 ORDER BY id",
            )
            .map_err(self.fail(&what))?;
        let rows = stmt
            .query_map([asset_id], version_from_row)
            .map_err(self.fail(&what))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.fail(&what))
    }

    /// Mark deleted (`deleted_at = now`, `deleted_run_id = run_id`) every asset of `kind` from `product` in `region` of
    /// the connection that `run_id` did not see (its `last_run_id` is an earlier run) and
    /// that is not marked deleted already; returns how many were marked.
    ///
    /// Call it only after that listing completed successfully in `run_id`: everything it
    /// returned has been written, so what is missing is gone from the cloud. Assets seen by
    /// a later run are never marked.
    pub fn mark_missing_deleted(
        &self,
        connection_id: i64,
        run_id: i64,
        product: &str,
        kind: &str,
        region: &str,
    ) -> Result<u64> {
        let what = format!(
            "marking missing {product}/{region}/{kind} assets of connection {connection_id} \
             deleted after run {run_id}"
        );
        self.mark_deleted(&what, connection_id, run_id, product, kind, Some(region))
    }

    /// [`Store::mark_missing_deleted`] in every region at once, for listings that cover
    /// every region: a global product's listing (recorded under region `global`) may
    /// return assets placed in their real region, such as buckets.
    pub fn mark_missing_deleted_all_regions(
        &self,
        connection_id: i64,
        run_id: i64,
        product: &str,
        kind: &str,
    ) -> Result<u64> {
        let what = format!(
            "marking missing {product}/{kind} assets of connection {connection_id} deleted \
             after run {run_id}"
        );
        self.mark_deleted(&what, connection_id, run_id, product, kind, None)
    }

    fn mark_deleted(
        &self,
        what: &str,
        connection_id: i64,
        run_id: i64,
        product: &str,
        kind: &str,
        region: Option<&str>,
    ) -> Result<u64> {
        let mut db = self.db();
        let tx = db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail(what))?;
        check_owner(self, &tx, what, connection_id, run_id)?;
        let marked = tx
            .prepare_cached(
                "UPDATE assets SET deleted_at = ?6, deleted_run_id = ?2
                 WHERE connection_id = ?1 AND product = ?3 AND kind = ?4
                   AND (?5 IS NULL OR region = ?5)
                   AND last_run_id < ?2 AND deleted_at IS NULL",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![connection_id, run_id, product, kind, region, now()])
            })
            .map_err(self.fail(what))?;
        tx.commit().map_err(self.fail(what))?;
        if marked > 0 {
            tracing::debug!(
                store = %self.label,
                connection_id,
                run_id,
                product,
                kind,
                region,
                marked,
                "marked missing assets deleted"
            );
        }
        Ok(marked as u64)
    }
}

/// Fail unless `run_id` is a run of `connection_id`.
fn check_owner(
    store: &Store,
    tx: &Transaction<'_>,
    what: &str,
    connection_id: i64,
    run_id: i64,
) -> Result<()> {
    match run_owner(tx, run_id).map_err(store.fail(what))? {
        None => Err(store.invalid(format!("{what}: there is no run {run_id}"))),
        Some(owner) if owner != connection_id => Err(store.invalid(format!(
            "{what}: run {run_id} belongs to connection id {owner}, not {connection_id}"
        ))),
        Some(_) => Ok(()),
    }
}
