//! BOS (Baidu Object Storage) bucket APIs on `{region}.bcebos.com` (path style, bucket in the
//! first path segment) and `{bucket}.{region}.bcebos.com` (virtual host; the server puts the
//! bucket in front of the path before routing, so both styles reach the same routes).
//!
//! - `GET /` → `ListBuckets`: every bucket of the account, whatever the endpoint's region,
//!   each with its `location` (no pagination).
//! - `GET /{bucket}?acl|encryption|logging|versioning|location`: one bucket's settings,
//!   told apart by a value-less query key (`?acl` and `?acl=` alike).
//!
//! Buckets are the raw items of collection `bos_buckets` in their location's region, served
//! verbatim by `ListBuckets`. Their settings come from the simulator-private collection
//! `bos_bucket_configs` (same region, keyed by `bucket`; see docs/simulator.md), never served
//! as is. Simulator choices (the real answers are unconfirmed): an unset encryption answers
//! `{"encryptionAlgorithm": "NONE"}`, unset versioning `{"status": "disabled"}` (logging's
//! `{"status": "disabled"}` is documented by Baidu), and a bucket addressed through another
//! region's endpoint is `404 NoSuchBucket` except for `?location`, which any region answers.

use serde_json::{json, Map, Value};

use super::{Ctx, Operation, Request};
use crate::api::{ApiError, ApiResult};
use crate::world::Account;

/// The buckets' collection (served verbatim by `ListBuckets`).
pub(crate) const BUCKETS: &str = "bos_buckets";
/// The simulator-private per-bucket settings.
pub(crate) const CONFIGS: &str = "bos_bucket_configs";

/// The bucket sub-resources, in the order they are looked for in the query.
const SUBRESOURCES: &[(&str, &str)] = &[
    ("acl", "GetBucketAcl"),
    ("encryption", "GetBucketEncryption"),
    ("logging", "GetBucketLogging"),
    ("versioning", "GetBucketVersioning"),
    ("location", "GetBucketLocation"),
];

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    if req.method != "GET" {
        return None;
    }
    match req.segments.as_slice() {
        [] => Some(Operation::new("bos", "ListBuckets", None, list_buckets)),
        [bucket] => {
            let bucket: &'a str = bucket;
            let (key, action) = SUBRESOURCES
                .iter()
                .copied()
                .find(|(key, _)| req.has_query_key(key))?;
            Some(Operation::new("bos", action, Some(bucket), move |cx| {
                bucket_subresource(cx, bucket, key)
            }))
        }
        _ => None,
    }
}

fn list_buckets(cx: &Ctx<'_>) -> ApiResult {
    let buckets: Vec<Value> = cx
        .account
        .resources
        .values()
        .flat_map(|collections| collections.get(BUCKETS).into_iter().flatten())
        .cloned()
        .collect();
    Ok(json!({
        "owner": {"id": cx.account.id, "displayName": cx.account.name},
        "buckets": buckets,
    }))
}

fn no_such_bucket() -> ApiError {
    ApiError::new(404, "NoSuchBucket", "The specified bucket does not exist.")
}

/// The region a bucket lives in (the region whose `bos_buckets` holds it).
fn bucket_region<'w>(account: &'w Account, name: &str) -> Option<&'w str> {
    account.resources.iter().find_map(|(region, collections)| {
        collections
            .get(BUCKETS)?
            .iter()
            .any(|b| b.get("name").and_then(Value::as_str) == Some(name))
            .then_some(region.as_str())
    })
}

fn config<'w>(account: &'w Account, region: &str, name: &str) -> Option<&'w Map<String, Value>> {
    account
        .collection(region, CONFIGS)
        .iter()
        .filter_map(Value::as_object)
        .find(|c| c.get("bucket").and_then(Value::as_str) == Some(name))
}

fn bucket_subresource(cx: &Ctx<'_>, bucket: &str, key: &str) -> ApiResult {
    let region = bucket_region(cx.account, bucket).ok_or_else(no_such_bucket)?;
    if key == "location" {
        return Ok(json!({ "locationConstraint": region }));
    }
    if cx.region != Some(region) {
        return Err(no_such_bucket());
    }
    let empty = Map::new();
    let conf = config(cx.account, region, bucket).unwrap_or(&empty);
    let text = |field: &str| {
        conf.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    Ok(match key {
        "acl" => json!({
            "owner": {"id": cx.account.id},
            "accessControlList": acl_entries(&cx.account.id, conf),
        }),
        "encryption" => {
            json!({ "encryptionAlgorithm": text("encryptionAlgorithm").unwrap_or("NONE") })
        }
        "logging" => match conf.get("logging").and_then(Value::as_object) {
            Some(logging) => json!({
                "status": "enabled",
                "targetBucket": logging.get("targetBucket").cloned().unwrap_or(json!(bucket)),
                "targetPrefix": logging.get("targetPrefix").cloned().unwrap_or(json!("")),
            }),
            None => json!({ "status": "disabled" }),
        },
        _ => json!({ "status": text("versioning").unwrap_or("disabled") }),
    })
}

/// The owner's `FULL_CONTROL`, the canned ACL's grant to everyone (`*`), then any extra
/// `grants` from the world verbatim.
fn acl_entries(owner: &str, conf: &Map<String, Value>) -> Vec<Value> {
    let mut entries = vec![json!({"grantee": [{"id": owner}], "permission": ["FULL_CONTROL"]})];
    match conf.get("acl").and_then(Value::as_str) {
        Some("public-read") => {
            entries.push(json!({"grantee": [{"id": "*"}], "permission": ["READ"]}));
        }
        Some("public-read-write") => {
            entries.push(json!({"grantee": [{"id": "*"}], "permission": ["READ", "WRITE"]}));
        }
        _ => {}
    }
    if let Some(Value::Array(grants)) = conf.get("grants") {
        entries.extend(grants.iter().cloned());
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_acls_grant_everyone_what_their_names_say() {
        let conf = |v: Value| v.as_object().unwrap().clone();
        let private = acl_entries("o", &conf(json!({"bucket": "b"})));
        assert_eq!(private.len(), 1);
        assert_eq!(private[0]["permission"], json!(["FULL_CONTROL"]));
        let read = acl_entries("o", &conf(json!({"acl": "public-read"})));
        assert_eq!(read[1]["grantee"][0]["id"], "*");
        assert_eq!(read[1]["permission"], json!(["READ"]));
        let rw = acl_entries(
            "o",
            &conf(
                json!({"acl": "public-read-write", "grants": [{"grantee": [{"id": "u"}], "permission": ["LIST"]}]}),
            ),
        );
        assert_eq!(rw[1]["permission"], json!(["READ", "WRITE"]));
        assert_eq!(rw[2]["grantee"][0]["id"], "u");
    }
}
