//! RDS (host `rds.{region}.baidubce.com`, prefix `/v1`, IAM service `rds`).
//!
//! Collections: `rds_instances` (id `instanceId`, served verbatim by the list and the detail)
//! and the simulator-private `rds_security_ips` (`{instanceId, etag, securityIps}`, one per
//! instance; only its `etag` and `securityIps` are served, by the whitelist call).
//!
//! The list pages by *group* (API reference §5.4: `maxKeys` counts a primary together with its
//! read replicas): an instance whose `sourceInstanceId` names a primary of the same list
//! travels on that primary's page, right after it; the marker is the primary's id.

use serde_json::{json, Map, Value};

use super::{Ctx, Operation, Request};
use crate::api::{max_keys, ApiError, ApiResult};

pub(crate) const INSTANCES: &str = "rds_instances";
pub(crate) const SECURITY_IPS: &str = "rds_security_ips";

/// The etag of an instance without a `rds_security_ips` entry.
const DEFAULT_ETAG: &str = "v0";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "instance"]) => Some(Operation::new(
            "rds",
            "DescribeInstances",
            None,
            list_instances,
        )),
        ("GET", ["v1", "instance", id]) => {
            let id: &'a str = id;
            Some(Operation::new("rds", "GetInstance", Some(id), move |cx| {
                get_instance(cx, id)
            }))
        }
        ("GET", ["v1", "instance", id, "securityIp"]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "rds",
                "GetSecurityIps",
                Some(id),
                move |cx| get_security_ips(cx, id),
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

/// The list's groups, in order: each primary (or stand-alone instance) followed by the
/// instances whose `sourceInstanceId` names it.
fn groups(items: &[Value]) -> Vec<Vec<&Value>> {
    let mut out: Vec<Vec<&Value>> = Vec::new();
    let mut deferred: Vec<&Value> = Vec::new();
    for item in items {
        let source = s(item, "sourceInstanceId");
        if !source.is_empty() && source != s(item, "instanceId") && find(items, source).is_some() {
            deferred.push(item);
        } else {
            out.push(vec![item]);
        }
    }
    for replica in deferred {
        let source = s(replica, "sourceInstanceId");
        if let Some(group) = out.iter_mut().find(|g| s(g[0], "instanceId") == source) {
            group.push(replica);
        } else {
            // The source is itself a replica: the chain stays a group of its own.
            out.push(vec![replica]);
        }
    }
    out
}

/// `GET /v1/instance?marker=&maxKeys=`: marker pagination over groups. A marker of `-1`
/// means "from the start" (the Python SDK's documented first-page value).
fn list_instances(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let page_size = max_keys(q)?;
    let groups = groups(cx.items(INSTANCES));
    let marker = q.get("marker").unwrap_or_default();
    let start = if marker.is_empty() || marker == "-1" {
        0
    } else {
        groups
            .iter()
            .position(|g| s(g[0], "instanceId") == marker)
            .ok_or_else(|| {
                ApiError::invalid_request(format!("The marker {marker:?} is invalid."))
            })?
    };
    let end = (start + page_size).min(groups.len());
    let instances: Vec<Value> = groups[start..end]
        .iter()
        .flatten()
        .map(|v| (*v).clone())
        .collect();
    let truncated = end < groups.len();
    let mut out = Map::new();
    out.insert("marker".into(), json!(marker));
    out.insert("maxKeys".into(), json!(page_size));
    out.insert("isTruncated".into(), json!(truncated));
    if truncated {
        out.insert("nextMarker".into(), json!(s(groups[end][0], "instanceId")));
    }
    out.insert("instances".into(), Value::Array(instances));
    Ok(Value::Object(out))
}

/// `GET /v1/instance/{id}` → the instance (flat, no wrapper).
fn get_instance(cx: &Ctx<'_>, id: &str) -> ApiResult {
    find(cx.items(INSTANCES), id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_object("instance", id))
}

/// `GET /v1/instance/{id}/securityIp` → `{"etag", "securityIps"}` (an instance without a
/// `rds_security_ips` entry has an empty whitelist and etag `v0`).
fn get_security_ips(cx: &Ctx<'_>, id: &str) -> ApiResult {
    if find(cx.items(INSTANCES), id).is_none() {
        return Err(ApiError::no_such_object("instance", id));
    }
    let entry = find(cx.items(SECURITY_IPS), id);
    let ips = entry
        .and_then(|e| e.get("securityIps"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let etag = entry
        .map(|e| s(e, "etag"))
        .filter(|e| !e.is_empty())
        .unwrap_or(DEFAULT_ETAG);
    Ok(json!({ "etag": etag, "securityIps": ips }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_travel_with_their_primary() {
        let items = vec![
            json!({"instanceId": "a"}),
            json!({"instanceId": "b"}),
            json!({"instanceId": "a-ro", "sourceInstanceId": "a"}),
            json!({"instanceId": "x-ro", "sourceInstanceId": "gone"}),
            json!({"instanceId": "c", "sourceInstanceId": ""}),
        ];
        let ids: Vec<Vec<&str>> = groups(&items)
            .iter()
            .map(|g| g.iter().map(|v| s(v, "instanceId")).collect())
            .collect();
        assert_eq!(
            ids,
            vec![vec!["a", "a-ro"], vec!["b"], vec!["x-ro"], vec!["c"]]
        );
    }
}
