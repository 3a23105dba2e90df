//! Kafka clusters (host `kafka.{region}.baidubce.com`, prefix `/v2`, IAM service `kafka`).
//!
//! Collections:
//! - `kafka_clusters` (id `clusterId`): list items, served verbatim by `GET /v2/clusters`;
//! - `kafka_cluster_details` (id `clusterId`): the `ClusterDetail` objects served verbatim
//!   inside `{"cluster": ...}` by `GET /v2/clusters/{id}` (a cluster without one gets a detail
//!   derived from its list item);
//! - `kafka_access_endpoints` (id `clusterId`): `{clusterId, accessEndpoints: [...]}`; only
//!   `accessEndpoints` is served, by `GET /v2/clusters/{id}/access-endpoints` (none → `[]`).

use serde_json::{json, Map, Value};

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiError, ApiResult};

pub(crate) const CLUSTERS: &str = "kafka_clusters";
pub(crate) const CLUSTER_DETAILS: &str = "kafka_cluster_details";
pub(crate) const ACCESS_ENDPOINTS: &str = "kafka_access_endpoints";

const SERVICE: &str = "kafka";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v2", "clusters"]) => {
            Some(Operation::new(SERVICE, "ListClusters", None, list_clusters))
        }
        ("GET", ["v2", "clusters", id]) => {
            let id: &'a str = id;
            Some(Operation::new(
                SERVICE,
                "GetClusterDetail",
                Some(id),
                move |cx| get_cluster(cx, id),
            ))
        }
        ("GET", ["v2", "clusters", id, "access-endpoints"]) => {
            let id: &'a str = id;
            Some(Operation::new(
                SERVICE,
                "GetClusterAccessEndpoints",
                Some(id),
                move |cx| access_endpoints(cx, id),
            ))
        }
        _ => None,
    }
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn has_tag(cluster: &Value, key: &str, value: Option<&str>) -> bool {
    cluster
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| s(t, "tagKey") == key && value.is_none_or(|v| s(t, "tagValue") == v))
}

/// `GET /v2/clusters`: filters `clusterName` (substring), `state`, `mode`, `kafkaVersion`,
/// `payment` (exact), `tagKey` with optional `tagValue`.
fn list_clusters(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let name = q.non_empty("clusterName");
    let exact = |field: &'static str| {
        let wanted = q.non_empty(field);
        move |v: &Value| wanted.is_none_or(|w| s(v, field) == w)
    };
    let (state, mode, version, payment) = (
        exact("state"),
        exact("mode"),
        exact("kafkaVersion"),
        exact("payment"),
    );
    let tag_key = q.non_empty("tagKey");
    if tag_key.is_none() && q.get("tagValue").is_some() {
        return Err(ApiError::invalid_request(
            "tagValue needs tagKey.".to_string(),
        ));
    }
    let tag_value = q.get("tagValue");
    let items: Vec<&Value> = cx
        .items(CLUSTERS)
        .iter()
        .filter(|v| name.is_none_or(|n| s(v, "name").contains(n)))
        .filter(|v| state(v) && mode(v) && version(v) && payment(v))
        .filter(|v| tag_key.is_none_or(|k| has_tag(v, k, tag_value)))
        .collect();
    paginate(&items, "clusterId", "clusters", q)
}

fn find_cluster<'v>(cx: &Ctx<'v>, id: &str) -> Result<&'v Value, ApiError> {
    cx.items(CLUSTERS)
        .iter()
        .find(|v| s(v, "clusterId") == id)
        .ok_or_else(|| ApiError::no_such_object("cluster", id))
}

/// `GET /v2/clusters/{id}` → `{"cluster": ClusterDetail}`.
fn get_cluster(cx: &Ctx<'_>, id: &str) -> ApiResult {
    let cluster = find_cluster(cx, id)?;
    let detail = cx
        .items(CLUSTER_DETAILS)
        .iter()
        .find(|v| s(v, "clusterId") == id)
        .cloned()
        .unwrap_or_else(|| detail_from_list_item(cluster));
    Ok(json!({ "cluster": detail }))
}

/// A detail for a cluster the world gives no detail for: the list item's common fields, and
/// its access settings under `provisioned`.
fn detail_from_list_item(cluster: &Value) -> Value {
    let mut detail = Map::new();
    let copy = |out: &mut Map<String, Value>, from: &str, to: &str| {
        if let Some(v) = cluster.get(from) {
            out.insert(to.to_string(), v.clone());
        }
    };
    for field in [
        "clusterId",
        "clusterSid",
        "name",
        "region",
        "type",
        "mode",
        "state",
        "tags",
        "createTime",
    ] {
        copy(&mut detail, field, field);
    }
    let mut provisioned = Map::new();
    for field in [
        "kafkaVersion",
        "logicalZones",
        "publicIpEnabled",
        "intranetIpEnabled",
        "aclEnabled",
    ] {
        copy(&mut provisioned, field, field);
    }
    if let Some(modes) = cluster.get("authenticationModes").and_then(Value::as_array) {
        let authentications: Vec<Value> = modes
            .iter()
            .map(|m| json!({ "mode": m, "context": "" }))
            .collect();
        provisioned.insert("authentications".into(), Value::Array(authentications));
    }
    detail.insert("provisioned".into(), Value::Object(provisioned));
    Value::Object(detail)
}

/// `GET /v2/clusters/{id}/access-endpoints` → `{"accessEndpoints": [...]}`.
fn access_endpoints(cx: &Ctx<'_>, id: &str) -> ApiResult {
    find_cluster(cx, id)?;
    let endpoints = cx
        .items(ACCESS_ENDPOINTS)
        .iter()
        .find(|v| s(v, "clusterId") == id)
        .and_then(|v| v.get("accessEndpoints"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    Ok(json!({ "accessEndpoints": endpoints }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detail_is_derived_from_a_list_item_without_one() {
        let item = json!({
            "clusterId": "c1", "name": "events", "state": "ACTIVE", "kafkaVersion": "2.8.2",
            "aclEnabled": false, "publicIpEnabled": true, "payment": "Postpaid",
            "authenticationModes": ["NONE", "SASL_SCRAM"]
        });
        let detail = detail_from_list_item(&item);
        assert_eq!(detail["clusterId"], "c1");
        assert_eq!(detail["provisioned"]["kafkaVersion"], "2.8.2");
        assert_eq!(detail["provisioned"]["publicIpEnabled"], true);
        assert_eq!(detail["provisioned"]["aclEnabled"], false);
        assert_eq!(
            detail["provisioned"]["authentications"],
            json!([{"mode": "NONE", "context": ""}, {"mode": "SASL_SCRAM", "context": ""}])
        );
        assert!(detail.get("payment").is_none());
        assert!(detail["provisioned"].get("intranetIpEnabled").is_none());
    }
}
