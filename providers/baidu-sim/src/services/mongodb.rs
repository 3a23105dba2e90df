//! MongoDB — DocDB for MongoDB (host `mongodb.{region}.baidubce.com`, prefix `/v1`, IAM
//! service `mongodb`).
//!
//! Collections: `mongodb_instances` (id `dbInstanceId`, the list items, served verbatim) and
//! the simulator-private per-instance collections, each keyed by `dbInstanceId` (that key is
//! never served):
//!
//! - `mongodb_details`: the fields only the detail call returns (`publicConnectionString`,
//!   `members[]` with their `eip`, `expireTime`, `logServiceStatus`, `mongosList`/`shardList`
//!   for sharded clusters, ...); the detail is the list item with these merged over it;
//! - `mongodb_security_ips`: `{dbInstanceId, securityIps}`;
//! - `mongodb_backup_policies`: `{dbInstanceId, autoBackupEnable, preferredBackupPeriod, ...}`.
//!
//! `GET /v1/instance/{id}` is two APIs: with the value-less query key `describeSecurityIps`
//! (`?describeSecurityIps` from Go, `?describeSecurityIps=` from Python: both parse to an
//! empty value) it is the whitelist, otherwise the detail. The route sees only the path, so
//! both share the IAM action `GetInstance` (simulator choice).

use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiError, ApiResult};

pub(crate) const INSTANCES: &str = "mongodb_instances";
pub(crate) const DETAILS: &str = "mongodb_details";
pub(crate) const SECURITY_IPS: &str = "mongodb_security_ips";
pub(crate) const BACKUP_POLICIES: &str = "mongodb_backup_policies";

/// The id field of every MongoDB collection.
const ID: &str = "dbInstanceId";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "instance"]) => Some(Operation::new(
            "mongodb",
            "DescribeInstances",
            None,
            list_instances,
        )),
        ("GET", ["v1", "instance", id]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "mongodb",
                "GetInstance",
                Some(id),
                move |cx| {
                    if cx.query.get("describeSecurityIps").is_some() {
                        get_security_ips(cx, id)
                    } else {
                        get_instance(cx, id)
                    }
                },
            ))
        }
        ("GET", ["v1", "instance", id, "backupPolicy"]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "mongodb",
                "GetBackupPolicy",
                Some(id),
                move |cx| get_backup_policy(cx, id),
            ))
        }
        _ => None,
    }
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn find<'v>(items: &'v [Value], id: &str) -> Option<&'v Value> {
    items.iter().find(|v| s(v, ID) == id)
}

/// A private entry without its `dbInstanceId` key.
fn without_key(entry: &Value) -> Value {
    let mut v = entry.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove(ID);
    }
    v
}

fn instance<'v>(cx: &Ctx<'v>, id: &str) -> Result<&'v Value, ApiError> {
    find(cx.items(INSTANCES), id).ok_or_else(|| ApiError::no_such_object("instance", id))
}

/// `GET /v1/instance?manner=marker&marker=&maxKeys=`: filters `engineVersion`,
/// `storageEngine`, `dbInstanceType` (`replica` | `sharding`). Only the marker manner is
/// simulated: an absent or empty `manner` is treated as `marker`, any other value is
/// `400 InvalidHTTPRequest` (simulator choice).
fn list_instances(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    if let Some(manner) = q.non_empty("manner") {
        if manner != "marker" {
            return Err(ApiError::invalid_request(format!(
                "manner {manner:?} is not supported; use manner=marker."
            )));
        }
    }
    let version = q.non_empty("engineVersion");
    let storage = q.non_empty("storageEngine");
    let kind = q.non_empty("dbInstanceType");
    let items: Vec<&Value> = cx
        .items(INSTANCES)
        .iter()
        .filter(|v| version.is_none_or(|w| s(v, "engineVersion") == w))
        .filter(|v| storage.is_none_or(|w| s(v, "storageEngine") == w))
        .filter(|v| kind.is_none_or(|w| s(v, "dbInstanceType") == w))
        .collect();
    paginate(&items, ID, "dbInstances", q)
}

/// `GET /v1/instance/{id}` → the list item with the `mongodb_details` fields merged over it.
fn get_instance(cx: &Ctx<'_>, id: &str) -> ApiResult {
    let mut out = instance(cx, id)?.clone();
    if let (Some(detail), Some(obj)) = (find(cx.items(DETAILS), id), out.as_object_mut()) {
        if let Value::Object(extra) = without_key(detail) {
            obj.extend(extra);
        }
    }
    Ok(out)
}

/// `GET /v1/instance/{id}?describeSecurityIps` → `{"securityIps": [...]}` (empty without an
/// entry).
fn get_security_ips(cx: &Ctx<'_>, id: &str) -> ApiResult {
    instance(cx, id)?;
    let ips = find(cx.items(SECURITY_IPS), id)
        .and_then(|e| e.get("securityIps"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    Ok(json!({ "securityIps": ips }))
}

/// `GET /v1/instance/{id}/backupPolicy` → the policy; `404 NoSuchObject` when the world has
/// none for the instance (simulator choice).
fn get_backup_policy(cx: &Ctx<'_>, id: &str) -> ApiResult {
    instance(cx, id)?;
    find(cx.items(BACKUP_POLICIES), id)
        .map(without_key)
        .ok_or_else(|| ApiError::no_such_object("backup policy of instance", id))
}
