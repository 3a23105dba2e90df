//! SCS — Redis/Memcache (host `redis.{region}.baidubce.com`, prefixes `/v1` and `/v2`, IAM
//! service `scs`).
//!
//! Collections: `scs_instances` (id `instanceId`, the list items, served verbatim) and the
//! simulator-private per-instance collections, each keyed by `instanceId` (that key is never
//! served):
//!
//! - `scs_details`: the fields only the detail call returns (`vpcId`, `subnets`,
//!   `publicDomain`, `autoRenew`, `enableReadOnly`, `replicationInfo`, ...); the detail is the
//!   list item with these merged over it;
//! - `scs_security_ips`: `{instanceId, securityIps}`;
//! - `scs_backup_policies`: `{instanceId, backupDays, backupTime, expireDay, isEncrypt, ...}`.
//!
//! Paths follow the Go SDK (`services/scs`); the list also answers on `/v1/instance`, which is
//! what the Python SDK's `ScsClient.list_instances` calls.

use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiError, ApiResult};

pub(crate) const INSTANCES: &str = "scs_instances";
pub(crate) const DETAILS: &str = "scs_details";
pub(crate) const SECURITY_IPS: &str = "scs_security_ips";
pub(crate) const BACKUP_POLICIES: &str = "scs_backup_policies";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v1" | "v2", "instance"]) => Some(Operation::new(
            "scs",
            "DescribeInstances",
            None,
            list_instances,
        )),
        ("GET", ["v2", "instance", id]) => {
            let id: &'a str = id;
            Some(Operation::new("scs", "GetInstance", Some(id), move |cx| {
                get_instance(cx, id)
            }))
        }
        ("GET", ["v1", "instance", id, "securityIp"]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "scs",
                "GetSecurityIps",
                Some(id),
                move |cx| get_security_ips(cx, id),
            ))
        }
        ("GET", ["v1", "instance", id, "backup", "policy"]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "scs",
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
    items.iter().find(|v| s(v, "instanceId") == id)
}

/// A private entry without its `instanceId` key.
fn without_key(entry: &Value) -> Value {
    let mut v = entry.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("instanceId");
    }
    v
}

fn instance<'v>(cx: &Ctx<'v>, id: &str) -> Result<&'v Value, ApiError> {
    find(cx.items(INSTANCES), id).ok_or_else(|| ApiError::no_such_object("instance", id))
}

/// `GET /v2/instance` (and `/v1/instance`): filters `instanceIds` (comma list), `vnetIp`.
fn list_instances(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let ids = q.list("instanceIds");
    let vnet_ip = q.non_empty("vnetIp");
    let items: Vec<&Value> = cx
        .items(INSTANCES)
        .iter()
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&s(v, "instanceId"))))
        .filter(|v| vnet_ip.is_none_or(|ip| s(v, "vnetIp") == ip))
        .collect();
    paginate(&items, "instanceId", "instances", q)
}

/// `GET /v2/instance/{id}` → the list item with the `scs_details` fields merged over it.
fn get_instance(cx: &Ctx<'_>, id: &str) -> ApiResult {
    let mut out = instance(cx, id)?.clone();
    if let (Some(detail), Some(obj)) = (find(cx.items(DETAILS), id), out.as_object_mut()) {
        if let Value::Object(extra) = without_key(detail) {
            obj.extend(extra);
        }
    }
    Ok(out)
}

/// `GET /v1/instance/{id}/securityIp` → `{"securityIps": [...]}` (empty without an entry).
fn get_security_ips(cx: &Ctx<'_>, id: &str) -> ApiResult {
    instance(cx, id)?;
    let ips = find(cx.items(SECURITY_IPS), id)
        .and_then(|e| e.get("securityIps"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    Ok(json!({ "securityIps": ips }))
}

/// `GET /v1/instance/{id}/backup/policy` → the policy; `404 NoSuchObject` when the world has
/// none for the instance (simulator choice).
fn get_backup_policy(cx: &Ctx<'_>, id: &str) -> ApiResult {
    instance(cx, id)?;
    find(cx.items(BACKUP_POLICIES), id)
        .map(without_key)
        .ok_or_else(|| ApiError::no_such_object("backup policy of instance", id))
}
