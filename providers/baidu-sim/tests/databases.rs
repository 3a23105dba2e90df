//! The database products over real HTTP: RDS (`rds.{region}`), SCS/Redis (`redis.{region}`)
//! and MongoDB (`mongodb.{region}`): lists and their pagination, detail and child calls,
//! unknown ids, policy enforcement, and the worlds' content.

mod common;

use std::collections::BTreeSet;

use chrono::Utc;
use common::*;
use serde_json::Value;
use vigil_baidu_auth::{format_timestamp, sign, HeaderSelection, RequestToSign};
use vigil_baidu_sim::{keys, GenerateOptions, SimHandle, World, GENERATED_ACCOUNT_ID};
use vigil_core::Secret;

const RDS: &str = "rds.bj.baidubce.com";
const SCS: &str = "redis.bj.baidubce.com";
const MONGO: &str = "mongodb.bj.baidubce.com";
const READER: (&str, &str) = keys::GLOBAL_READER;

fn generated() -> World {
    World::generate(&GenerateOptions {
        regions: 2,
        instances_per_region: 2,
        security_groups_per_region: 1,
        users: 0,
        resources_per_region: 12,
        seed: 21,
    })
}

fn items<'w>(world: &'w World, region: &str, collection: &str) -> &'w [Value] {
    world.resources(GENERATED_ACCOUNT_ID, region, collection)
}

fn ids_of(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

/// Every page of a list (marker style), returning the ids in order and the pages.
async fn pages(
    sim: &SimHandle,
    host: &str,
    path: &str,
    extra: &[(&str, &str)],
    list_key: &str,
    id_field: &str,
    page_size: &str,
) -> (Vec<String>, Vec<Value>) {
    let mut ids = Vec::new();
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..1000 {
        let mut call = Call::get(host, path, READER).query("maxKeys", page_size);
        for (k, v) in extra {
            call = call.query(k, v);
        }
        if let Some(m) = &marker {
            call = call.query("marker", m);
        }
        let body = send(sim, &call).await.ok();
        ids.extend(ids_of(body[list_key].as_array().unwrap(), id_field));
        let truncated = body["isTruncated"].as_bool().unwrap();
        marker = body
            .get("nextMarker")
            .and_then(Value::as_str)
            .map(str::to_string);
        assert_eq!(
            truncated,
            marker.is_some(),
            "nextMarker iff truncated: {body:#}"
        );
        out.push(body);
        if !truncated {
            return (ids, out);
        }
    }
    panic!("pagination did not end");
}

fn without(v: &Value, key: &str) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove(key);
    v
}

fn keys_of(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn rds_lists_by_group_and_serves_details_and_whitelists() {
    let world = generated();
    let sim = start(world.clone()).await;
    let instances = items(&world, "bj", "rds_instances");
    let want = ids_of(instances, "instanceId");
    assert_eq!(want.len(), 12);
    // Primaries with their replicas: every group a primary (or stand-alone) plus followers.
    let groups = instances
        .iter()
        .filter(|v| {
            v["sourceInstanceId"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        })
        .count();
    assert!(groups < want.len(), "the world has read replicas");

    for size in ["1", "7", "1000"] {
        let (got, pages) = pages(
            &sim,
            RDS,
            "/v1/instance",
            &[],
            "instances",
            "instanceId",
            size,
        )
        .await;
        assert_eq!(got, want, "page size {size}");
        let per_page: usize = size.parse().unwrap();
        assert_eq!(pages.len(), groups.div_ceil(per_page), "page size {size}");
        for page in &pages {
            assert_eq!(page["maxKeys"], per_page);
            // A replica is always on its primary's page.
            let on_page = ids_of(page["instances"].as_array().unwrap(), "instanceId");
            for item in page["instances"].as_array().unwrap() {
                let source = item["sourceInstanceId"].as_str().unwrap_or_default();
                assert!(source.is_empty() || on_page.iter().any(|i| i == source));
            }
        }
    }
    // The first page with maxKeys=1 is the fully populated primary and its replica.
    let first = send(
        &sim,
        &Call::get(RDS, "/v1/instance", READER).query("maxKeys", "1"),
    )
    .await
    .ok();
    let on_page = ids_of(first["instances"].as_array().unwrap(), "instanceId");
    assert_eq!(on_page, want[..2]);
    assert_eq!(first["nextMarker"], want[2].as_str());
    // `-1` is the Python SDK's documented first-page marker; an unknown marker is a 400.
    let minus_one = send(
        &sim,
        &Call::get(RDS, "/v1/instance", READER)
            .query("marker", "-1")
            .query("maxKeys", "1"),
    )
    .await
    .ok();
    assert_eq!(minus_one["instances"], first["instances"]);
    send(
        &sim,
        &Call::get(RDS, "/v1/instance", READER).query("marker", "rds-nope"),
    )
    .await
    .assert_error(400, "InvalidHTTPRequest");

    for item in instances {
        let id = item["instanceId"].as_str().unwrap();
        let detail = send(&sim, &Call::get(RDS, &format!("/v1/instance/{id}"), READER))
            .await
            .ok();
        assert_eq!(&detail, item, "the detail is the flat instance");
        let ips = send(
            &sim,
            &Call::get(RDS, &format!("/v1/instance/{id}/securityIp"), READER),
        )
        .await
        .ok();
        let entry = items(&world, "bj", "rds_security_ips")
            .iter()
            .find(|e| e["instanceId"] == id)
            .unwrap();
        assert_eq!(
            ips,
            without(entry, "instanceId"),
            "etag and securityIps only"
        );
        assert_eq!(
            keys_of(&ips),
            ["etag", "securityIps"].map(String::from).into()
        );
    }
    for path in ["/v1/instance/rds-nope", "/v1/instance/rds-nope/securityIp"] {
        send(&sim, &Call::get(RDS, path, READER))
            .await
            .assert_error(404, "NoSuchObject");
    }
    // Whitelists with "any host" exist, and so do clean ones.
    let all_ips: Vec<&Value> = items(&world, "bj", "rds_security_ips")
        .iter()
        .flat_map(|e| e["securityIps"].as_array().unwrap())
        .collect();
    assert!(all_ips.iter().any(|ip| *ip == "%"));
    assert!(all_ips.iter().any(|ip| *ip == "0.0.0.0/0"));
}

#[tokio::test]
async fn scs_lists_on_v1_and_v2_and_serves_child_calls() {
    let world = generated();
    let sim = start(world.clone()).await;
    let instances = items(&world, "bj", "scs_instances");
    let want = ids_of(instances, "instanceId");
    for path in ["/v2/instance", "/v1/instance"] {
        for size in ["1", "7", "1000"] {
            let (got, _) = pages(&sim, SCS, path, &[], "instances", "instanceId", size).await;
            assert_eq!(got, want, "{path} page size {size}");
        }
    }
    // Filters: instanceIds (comma list), vnetIp.
    let two = format!("{},{}", want[1], want[3]);
    let body = send(
        &sim,
        &Call::get(SCS, "/v2/instance", READER).query("instanceIds", &two),
    )
    .await
    .ok();
    assert_eq!(
        ids_of(body["instances"].as_array().unwrap(), "instanceId"),
        [want[1].clone(), want[3].clone()]
    );
    let ip = instances[2]["vnetIp"].as_str().unwrap();
    let body = send(
        &sim,
        &Call::get(SCS, "/v2/instance", READER).query("vnetIp", ip),
    )
    .await
    .ok();
    assert!(ids_of(body["instances"].as_array().unwrap(), "instanceId").contains(&want[2]));

    for item in instances {
        let id = item["instanceId"].as_str().unwrap();
        let detail = send(&sim, &Call::get(SCS, &format!("/v2/instance/{id}"), READER))
            .await
            .ok();
        let extra = items(&world, "bj", "scs_details")
            .iter()
            .find(|e| e["instanceId"] == id)
            .unwrap();
        // The detail is the list item plus the detail-only fields, nothing private.
        let mut expected = item.clone();
        for (k, v) in extra.as_object().unwrap() {
            expected[k] = v.clone();
        }
        assert_eq!(detail, expected);
        assert!(detail.get("publicDomain").is_some() && detail.get("vpcId").is_some());
        let ips = send(
            &sim,
            &Call::get(SCS, &format!("/v1/instance/{id}/securityIp"), READER),
        )
        .await
        .ok();
        assert_eq!(keys_of(&ips), ["securityIps".to_string()].into());
        let policy = send(
            &sim,
            &Call::get(SCS, &format!("/v1/instance/{id}/backup/policy"), READER),
        )
        .await
        .ok();
        let entry = items(&world, "bj", "scs_backup_policies")
            .iter()
            .find(|e| e["instanceId"] == id)
            .unwrap();
        assert_eq!(policy, without(entry, "instanceId"));
    }
    for path in [
        "/v2/instance/scs-bj-nope",
        "/v1/instance/scs-bj-nope/securityIp",
        "/v1/instance/scs-bj-nope/backup/policy",
    ] {
        send(&sim, &Call::get(SCS, path, READER))
            .await
            .assert_error(404, "NoSuchObject");
    }
    // The v1 detail path is not an API.
    send(
        &sim,
        &Call::get(SCS, &format!("/v1/instance/{}", want[0]), READER),
    )
    .await
    .assert_error(404, "InvalidURI");
    // A public instance (EIP and public domain) exists next to private ones.
    assert!(instances.iter().any(|i| i["eip"] != ""));
    assert!(instances.iter().any(|i| i["eip"] == ""));
}

/// Send a signed GET whose query is written on the wire exactly as `wire_query`, while the
/// signature covers `signed_query` (what the SDKs canonicalise).
async fn raw_get(
    sim: &SimHandle,
    host: &str,
    path: &str,
    wire_query: &str,
    signed_query: &[(String, String)],
) -> (u16, Value) {
    let now = Utc::now();
    let headers = vec![
        ("host".to_string(), host.to_string()),
        ("x-bce-date".to_string(), format_timestamp(now)),
    ];
    let authorization = sign(
        &RequestToSign {
            method: "GET",
            path,
            query: signed_query,
            headers: &headers,
        },
        READER.0,
        &Secret::new(READER.1),
        now,
        1800,
        &HeaderSelection::from_field("host;x-bce-date"),
    );
    let url = format!("http://{}{path}?{wire_query}", sim.addr());
    let resp = reqwest::Client::new()
        .get(url)
        .header("host", host)
        .header("x-bce-date", &headers[1].1)
        .header("authorization", authorization)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn mongodb_routes_the_valueless_whitelist_key_and_pages_with_manner_marker() {
    let world = generated();
    let sim = start(world.clone()).await;
    let instances = items(&world, "bj", "mongodb_instances");
    let want = ids_of(instances, "dbInstanceId");
    for size in ["1", "7", "1000"] {
        let (got, _) = pages(
            &sim,
            MONGO,
            "/v1/instance",
            &[("manner", "marker")],
            "dbInstances",
            "dbInstanceId",
            size,
        )
        .await;
        assert_eq!(got, want, "page size {size}");
    }
    // Filters.
    for (param, field) in [
        ("dbInstanceType", "dbInstanceType"),
        ("engineVersion", "engineVersion"),
        ("storageEngine", "storageEngine"),
    ] {
        let value = instances[1][field].as_str().unwrap();
        let body = send(
            &sim,
            &Call::get(MONGO, "/v1/instance", READER)
                .query("manner", "marker")
                .query(param, value),
        )
        .await
        .ok();
        let got = body["dbInstances"].as_array().unwrap();
        assert!(
            !got.is_empty() && got.iter().all(|i| i[field] == value),
            "{param}"
        );
    }
    send(
        &sim,
        &Call::get(MONGO, "/v1/instance", READER).query("manner", "page"),
    )
    .await
    .assert_error(400, "InvalidHTTPRequest");

    let signed = [("describeSecurityIps".to_string(), String::new())];
    for item in instances {
        let id = item["dbInstanceId"].as_str().unwrap();
        let path = format!("/v1/instance/{id}");
        let entry = items(&world, "bj", "mongodb_security_ips")
            .iter()
            .find(|e| e["dbInstanceId"] == id)
            .unwrap();
        // Go sends `?describeSecurityIps`, Python `?describeSecurityIps=`; both are signed as
        // `describeSecurityIps=` and both are the whitelist.
        for wire in ["describeSecurityIps", "describeSecurityIps="] {
            let (status, body) = raw_get(&sim, MONGO, &path, wire, &signed).await;
            assert_eq!(status, 200, "{wire}: {body:#}");
            assert_eq!(body, without(entry, "dbInstanceId"), "{wire}");
        }
        // Without the key it is the detail: the list item plus the detail-only fields.
        let detail = send(&sim, &Call::get(MONGO, &path, READER)).await.ok();
        let extra = items(&world, "bj", "mongodb_details")
            .iter()
            .find(|e| e["dbInstanceId"] == id)
            .unwrap();
        let mut expected = item.clone();
        for (k, v) in extra.as_object().unwrap() {
            expected[k] = v.clone();
        }
        assert_eq!(detail, expected);
        let policy = send(
            &sim,
            &Call::get(MONGO, &format!("{path}/backupPolicy"), READER),
        )
        .await
        .ok();
        let entry = items(&world, "bj", "mongodb_backup_policies")
            .iter()
            .find(|e| e["dbInstanceId"] == id)
            .unwrap();
        assert_eq!(policy, without(entry, "dbInstanceId"));
    }
    // A signature over a different query than the wire's is refused.
    let (status, body) = raw_get(
        &sim,
        MONGO,
        &format!("/v1/instance/{}", want[0]),
        "describeSecurityIps",
        &[],
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
    let (status, body) = raw_get(
        &sim,
        MONGO,
        "/v1/instance/m-nope",
        "describeSecurityIps",
        &signed,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NoSuchObject")));
    for path in ["/v1/instance/m-nope", "/v1/instance/m-nope/backupPolicy"] {
        send(&sim, &Call::get(MONGO, path, READER))
            .await
            .assert_error(404, "NoSuchObject");
    }
}

#[tokio::test]
async fn each_read_policy_opens_only_its_product() {
    let sim = start_default().await;
    let id = |collection: &str, field: &str| {
        World::default_world().resources(vigil_baidu_sim::DEFAULT_ACCOUNT_ID, "bj", collection)[0]
            [field]
            .as_str()
            .unwrap()
            .to_string()
    };
    let rds = id("rds_instances", "instanceId");
    let scs = id("scs_instances", "instanceId");
    let mongo = id("mongodb_instances", "dbInstanceId");
    let calls = |key: (&'static str, &'static str)| {
        vec![
            ("rds", Call::get(RDS, "/v1/instance", key)),
            (
                "rds",
                Call::get(RDS, &format!("/v1/instance/{rds}/securityIp"), key),
            ),
            ("scs", Call::get(SCS, "/v2/instance", key)),
            ("scs", Call::get(SCS, &format!("/v2/instance/{scs}"), key)),
            (
                "scs",
                Call::get(SCS, &format!("/v1/instance/{scs}/backup/policy"), key),
            ),
            (
                "mongodb",
                Call::get(MONGO, "/v1/instance", key).query("manner", "marker"),
            ),
            (
                "mongodb",
                Call::get(MONGO, &format!("/v1/instance/{mongo}"), key),
            ),
            (
                "mongodb",
                Call::get(MONGO, &format!("/v1/instance/{mongo}/backupPolicy"), key),
            ),
        ]
    };
    // The demo auditor (IAM + BCC) may read none of them.
    for (_, call) in calls(keys::AUDITOR) {
        send(&sim, &call).await.assert_error(403, "AccessDenied");
    }
    // GlobalReadPolicy reads them all.
    for (_, call) in calls(READER) {
        send(&sim, &call).await.ok();
    }
    // Each product's read policy opens that product and no other.
    for (policy, product) in [
        ("RDSReadAccessPolicy", "rds"),
        ("RedisReadAccessPolicy", "scs"),
        ("MONGODBReadAccessPolicy", "mongodb"),
    ] {
        sim.set_user_policies("iam-only", vec![policy.to_string()]);
        for (owner, call) in calls(keys::IAM_ONLY) {
            let reply = send(&sim, &call).await;
            if owner == product {
                reply.ok();
            } else {
                reply.assert_error(403, "AccessDenied");
            }
        }
    }
}

/// Paths of every leaf that is empty (`""`, `[]`, `{}`, `null`).
fn empty_leaves(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                empty_leaves(v, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                empty_leaves(v, &format!("{path}[{i}]"), out);
            }
        }
        Value::Null => out.push(path.to_string()),
        Value::String(s) if s.is_empty() => out.push(path.to_string()),
        Value::Array(_) | Value::Object(_) => out.push(path.to_string()),
        _ => {}
    }
}

#[test]
fn worlds_have_fully_populated_first_items_and_misconfigurations() {
    let default = World::default_world();
    let generated = generated();
    let cases = [
        (
            &default,
            vigil_baidu_sim::DEFAULT_ACCOUNT_ID,
            vec!["bj", "gz", "su"],
            (4, 3, 3),
        ),
        (
            &generated,
            GENERATED_ACCOUNT_ID,
            vec!["bj", "gz"],
            (12, 12, 12),
        ),
    ];
    for (world, account, regions, (n_rds, n_scs, n_mongo)) in cases {
        for region in regions {
            for (collection, n) in [
                ("rds_instances", n_rds),
                ("scs_instances", n_scs),
                ("mongodb_instances", n_mongo),
            ] {
                let items = world.resources(account, region, collection);
                assert_eq!(items.len(), n, "{collection} in {region}");
                let mut empty = Vec::new();
                empty_leaves(&items[0], "", &mut empty);
                assert!(
                    empty.is_empty(),
                    "{collection}[0] in {region}: empty {empty:?}"
                );
            }
            // Every instance has its private entries, keyed by the same ids.
            for (list, private, field) in [
                ("rds_instances", "rds_security_ips", "instanceId"),
                ("scs_instances", "scs_details", "instanceId"),
                ("scs_instances", "scs_security_ips", "instanceId"),
                ("scs_instances", "scs_backup_policies", "instanceId"),
                ("mongodb_instances", "mongodb_details", "dbInstanceId"),
                ("mongodb_instances", "mongodb_security_ips", "dbInstanceId"),
                (
                    "mongodb_instances",
                    "mongodb_backup_policies",
                    "dbInstanceId",
                ),
            ] {
                assert_eq!(
                    ids_of(world.resources(account, region, list), field),
                    ids_of(world.resources(account, region, private), field),
                    "{private} in {region}"
                );
                assert_eq!(vigil_baidu_sim::collection_id_field(private), Some(field));
            }
            // Misconfigured and clean instances side by side.
            let rds = world.resources(account, region, "rds_instances");
            assert!(rds.iter().any(|i| i["endpoint"]["inetIp"] != ""));
            assert!(rds.iter().any(|i| i["endpoint"]["inetIp"] == ""));
            assert!(rds.iter().any(|i| i["backupPolicy"]["backupDays"] == ""));
            assert!(rds
                .iter()
                .any(|i| ["5.5", "5.6", "2008r2"].contains(&i["engineVersion"].as_str().unwrap())));
            let mongo_backups = world.resources(account, region, "mongodb_backup_policies");
            assert!(mongo_backups.iter().any(|b| b["autoBackupEnable"] == "OFF"));
            assert!(mongo_backups.iter().any(|b| b["autoBackupEnable"] == "ON"));
            let scs_ips = world.resources(account, region, "scs_security_ips");
            assert!(scs_ips.iter().any(|e| e["securityIps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|ip| ip == "0.0.0.0/0")));
        }
    }
    // Deterministic for the seed.
    assert_eq!(generated, self::generated());
}
