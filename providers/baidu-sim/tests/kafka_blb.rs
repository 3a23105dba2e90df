//! Kafka, classic BLB and application BLB over real HTTP: routes, pagination (lists and
//! listeners), child calls, filters, 404s and policy enforcement, on the default world and a
//! generated one.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{json, Value};
use vigil_baidu_sim::{keys, GenerateOptions, SimHandle, World, DEFAULT_ACCOUNT_ID};

const KAFKA_BJ: &str = "kafka.bj.baidubce.com";
const BLB_BJ: &str = "blb.bj.baidubce.com";
const READER: (&str, &str) = keys::GLOBAL_READER;

fn field<'v>(v: &'v Value, name: &str) -> &'v str {
    v[name].as_str().unwrap_or_default()
}

fn ids_of(items: &[Value], id_field: &str) -> Vec<String> {
    items
        .iter()
        .map(|v| field(v, id_field).to_string())
        .collect()
}

fn no_empty_leaf(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty() && a.iter().all(no_empty_leaf),
        Value::Object(m) => !m.is_empty() && m.values().all(no_empty_leaf),
        _ => true,
    }
}

/// Every page of a marker list, with `maxKeys = page`; returns the items of all pages.
async fn pages(sim: &SimHandle, base: &Call, list_key: &str, page: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..10_000 {
        let mut call = base.clone().query("maxKeys", &page.to_string());
        if let Some(m) = &marker {
            call = call.query("marker", m);
        }
        let body = send(sim, &call).await.ok();
        let got = body[list_key].as_array().unwrap();
        assert!(got.len() <= page, "{body:#}");
        items.extend(got.iter().cloned());
        assert_eq!(body["maxKeys"], page);
        assert_eq!(body["marker"], marker.clone().unwrap_or_default().as_str());
        match body["isTruncated"].as_bool().unwrap() {
            true => {
                let next = field(&body, "nextMarker");
                assert!(!next.is_empty(), "{body:#}");
                marker = Some(next.to_string());
            }
            false => {
                assert!(body.get("nextMarker").is_none(), "{body:#}");
                return items;
            }
        }
    }
    panic!("pagination did not end");
}

fn generated() -> World {
    World::generate(&GenerateOptions {
        regions: 2,
        instances_per_region: 5,
        security_groups_per_region: 2,
        users: 1,
        resources_per_region: 11,
        seed: 5,
    })
}

fn account(world: &World) -> String {
    world.accounts()[0].id.clone()
}

/// The world's entry for `id` in a child collection keyed by `id_field`.
fn entry<'w>(items: &'w [Value], id_field: &str, id: &str) -> &'w Value {
    items
        .iter()
        .find(|v| field(v, id_field) == id)
        .unwrap_or_else(|| panic!("no entry for {id}"))
}

#[test]
fn the_default_world_has_fully_populated_first_items_and_both_kinds_of_resources() {
    let world = World::default_world();
    for region in ["bj", "gz", "su"] {
        for collection in [
            "kafka_clusters",
            "kafka_cluster_details",
            "kafka_access_endpoints",
            "blb_load_balancers",
            "blb_listeners",
            "appblb_load_balancers",
            "appblb_listeners",
        ] {
            let items = world.resources(DEFAULT_ACCOUNT_ID, region, collection);
            assert!(
                (2..=4).contains(&items.len()),
                "{region}/{collection}: {}",
                items.len()
            );
            assert!(
                no_empty_leaf(&items[0]),
                "{region}/{collection}[0] has an empty field: {:#}",
                items[0]
            );
        }
        let clusters = world.resources(DEFAULT_ACCOUNT_ID, region, "kafka_clusters");
        let open = |c: &&Value| {
            c["publicIpEnabled"] == true
                && c["aclEnabled"] == false
                && c["authenticationModes"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("NONE"))
        };
        assert!(clusters.iter().any(|c| open(&c)), "{region}");
        assert!(
            clusters.iter().any(|c| c["aclEnabled"] == true
                && !c["authenticationModes"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("NONE"))),
            "{region}: a clean cluster"
        );
        for prefix in ["blb", "appblb"] {
            let lbs = world.resources(
                DEFAULT_ACCOUNT_ID,
                region,
                &format!("{prefix}_load_balancers"),
            );
            let listeners =
                world.resources(DEFAULT_ACCOUNT_ID, region, &format!("{prefix}_listeners"));
            let of = |lb: &Value| {
                entry(listeners, "blbId", field(lb, "blbId"))["listeners"]
                    .as_array()
                    .unwrap()
                    .clone()
            };
            let public = |lb: &&Value| !field(lb, "publicIp").is_empty();
            let weak_tls = |l: &Value| {
                l["encryptionProtocols"]
                    .as_array()
                    .is_some_and(|p| p.contains(&json!("tlsv10")) || p.contains(&json!("tlsv11")))
            };
            let plain_http =
                |l: &Value| l["listenerType"] == "HTTP" && l.get("redirectPort").is_none();
            assert!(
                lbs.iter()
                    .filter(public)
                    .any(|lb| of(lb).iter().any(|l| weak_tls(l) || plain_http(l))),
                "{region}/{prefix}: a public load balancer with plain HTTP or old TLS"
            );
            assert!(
                lbs.iter()
                    .any(|lb| of(lb).iter().any(|l| l["listenerType"] == "HTTPS"
                        && l["encryptionProtocols"] == json!(["tlsv12"])
                        && !l["certIds"].as_array().unwrap().is_empty())),
                "{region}/{prefix}: a clean TLS 1.2 listener"
            );
        }
    }
}

#[tokio::test]
async fn kafka_list_detail_and_access_endpoints() {
    let world = World::default_world();
    let sim = start(world.clone()).await;
    let clusters = world.resources(DEFAULT_ACCOUNT_ID, "bj", "kafka_clusters");
    let details = world.resources(DEFAULT_ACCOUNT_ID, "bj", "kafka_cluster_details");
    let endpoints = world.resources(DEFAULT_ACCOUNT_ID, "bj", "kafka_access_endpoints");

    let body = send(&sim, &Call::get(KAFKA_BJ, "/v2/clusters", READER))
        .await
        .ok();
    assert_eq!(body["clusters"].as_array().unwrap(), clusters);
    assert_eq!(body["isTruncated"], false);
    assert_eq!(body["maxKeys"], 1000);
    assert!(body.get("nextMarker").is_none());

    for cluster in clusters {
        let id = field(cluster, "clusterId");
        let detail = send(
            &sim,
            &Call::get(KAFKA_BJ, &format!("/v2/clusters/{id}"), READER),
        )
        .await
        .ok();
        assert_eq!(
            detail,
            json!({ "cluster": entry(details, "clusterId", id) })
        );
        let p = &detail["cluster"]["provisioned"];
        assert_eq!(p["publicIpEnabled"], cluster["publicIpEnabled"]);
        assert_eq!(p["aclEnabled"], cluster["aclEnabled"]);
        let modes: Vec<&Value> = p["authentications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["mode"])
            .collect();
        assert_eq!(
            modes,
            cluster["authenticationModes"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
        );

        let access = send(
            &sim,
            &Call::get(
                KAFKA_BJ,
                &format!("/v2/clusters/{id}/access-endpoints"),
                READER,
            ),
        )
        .await
        .ok();
        let want = &entry(endpoints, "clusterId", id)["accessEndpoints"];
        assert_eq!(access, json!({ "accessEndpoints": want }));
        let public = access["accessEndpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["network"] == "PUBLIC");
        assert_eq!(json!(public), cluster["publicIpEnabled"]);
    }

    for path in ["/v2/clusters/nope", "/v2/clusters/nope/access-endpoints"] {
        send(&sim, &Call::get(KAFKA_BJ, path, READER))
            .await
            .assert_error(404, "NoSuchObject");
    }
    // Another region's cluster is unknown here.
    let gz = field(
        &world.resources(DEFAULT_ACCOUNT_ID, "gz", "kafka_clusters")[0],
        "clusterId",
    )
    .to_string();
    send(
        &sim,
        &Call::get(KAFKA_BJ, &format!("/v2/clusters/{gz}"), READER),
    )
    .await
    .assert_error(404, "NoSuchObject");
}

#[tokio::test]
async fn kafka_clusters_page_through_a_generated_world() {
    let world = generated();
    let account = account(&world);
    let sim = start(world.clone()).await;
    for region in ["bj", "gz"] {
        let host = format!("kafka.{region}.baidubce.com");
        let want = ids_of(
            world.resources(&account, region, "kafka_clusters"),
            "clusterId",
        );
        assert_eq!(want.len(), 11);
        for page in [1, 7, 1000] {
            let got = pages(
                &sim,
                &Call::get(&host, "/v2/clusters", READER),
                "clusters",
                page,
            )
            .await;
            assert_eq!(ids_of(&got, "clusterId"), want, "{region} page {page}");
        }
    }
    send(
        &sim,
        &Call::get(KAFKA_BJ, "/v2/clusters", READER).query("marker", "not-a-cluster"),
    )
    .await
    .assert_error(400, "InvalidHTTPRequest");
    send(
        &sim,
        &Call::get("kafka.zz.baidubce.com", "/v2/clusters", READER),
    )
    .await
    .assert_error(421, "UnknownHost");
}

#[tokio::test]
async fn kafka_filters() {
    let world = generated();
    let account = account(&world);
    let sim = start(world.clone()).await;
    let all = world.resources(&account, "bj", "kafka_clusters");
    let list = || Call::get(KAFKA_BJ, "/v2/clusters", READER);
    let got = |body: Value| ids_of(body["clusters"].as_array().unwrap(), "clusterId");
    let want = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        ids_of(
            &all.iter().filter(|c| keep(c)).cloned().collect::<Vec<_>>(),
            "clusterId",
        )
    };

    let body = send(&sim, &list().query("clusterName", "events"))
        .await
        .ok();
    assert_eq!(got(body), want(&|c| field(c, "name").contains("events")));
    let body = send(&sim, &list().query("payment", "Prepaid")).await.ok();
    let prepaid = want(&|c| field(c, "payment") == "Prepaid");
    assert!(!prepaid.is_empty());
    assert_eq!(got(body), prepaid);
    let body = send(&sim, &list().query("mode", "HP")).await.ok();
    assert_eq!(got(body), want(&|c| field(c, "mode") == "HP"));
    let body = send(
        &sim,
        &list().query("tagKey", "env").query("tagValue", "prod"),
    )
    .await
    .ok();
    let tagged = want(&|c| {
        c["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!({"tagKey": "env", "tagValue": "prod"})))
    });
    assert_eq!(got(body), tagged);
    let body = send(&sim, &list().query("tagKey", "env")).await.ok();
    assert_eq!(got(body), want(&|c| c.get("tags").is_some()));
    send(&sim, &list().query("tagValue", "prod"))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    let body = send(&sim, &list().query("state", "DELETED")).await.ok();
    assert!(got(body).is_empty());
}

/// Every (collection prefix, API prefix) of the two BLB products.
const FLAVOURS: [(&str, &str); 2] = [("blb", "/v1/blb"), ("appblb", "/v1/appblb")];

#[tokio::test]
async fn load_balancers_page_through_a_generated_world() {
    let world = generated();
    let account = account(&world);
    let sim = start(world.clone()).await;
    let mut all_ids = HashSet::new();
    for region in ["bj", "gz"] {
        let host = format!("blb.{region}.baidubce.com");
        for (collection, path) in FLAVOURS {
            let items = world.resources(&account, region, &format!("{collection}_load_balancers"));
            assert_eq!(items.len(), 11);
            for page in [1, 7, 1000] {
                let got = pages(&sim, &Call::get(&host, path, READER), "blbList", page).await;
                assert_eq!(got, items, "{region} {path} page {page}");
            }
            all_ids.extend(ids_of(items, "blbId"));
        }
    }
    assert_eq!(all_ids.len(), 44, "load balancer ids are unique");
}

#[tokio::test]
async fn listeners_all_per_protocol_and_paged() {
    let world = World::default_world();
    let sim = start(world.clone()).await;
    for (collection, prefix) in FLAVOURS {
        let lbs = world.resources(
            DEFAULT_ACCOUNT_ID,
            "bj",
            &format!("{collection}_load_balancers"),
        );
        let entries = world.resources(DEFAULT_ACCOUNT_ID, "bj", &format!("{collection}_listeners"));
        for lb in lbs {
            let id = field(lb, "blbId");
            let want = entry(entries, "blbId", id)["listeners"].as_array().unwrap();
            let all = Call::get(BLB_BJ, &format!("{prefix}/{id}/listener"), READER);
            let body = send(&sim, &all).await.ok();
            assert_eq!(body["listenerList"].as_array().unwrap(), want);
            assert_eq!(body["isTruncated"], false);
            for page in [1, 2] {
                assert_eq!(&pages(&sim, &all, "listenerList", page).await, want);
            }
            // Per protocol: the listeners of that type, without `listenerType`.
            let mut seen = 0;
            for protocol in ["TCP", "UDP", "HTTP", "HTTPS", "SSL"] {
                let call = Call::get(BLB_BJ, &format!("{prefix}/{id}/{protocol}listener"), READER);
                let got = pages(&sim, &call, "listenerList", 1).await;
                let typed: Vec<Value> = want
                    .iter()
                    .filter(|l| l["listenerType"] == protocol)
                    .map(|l| {
                        let mut l = l.clone();
                        l.as_object_mut().unwrap().remove("listenerType");
                        l
                    })
                    .collect();
                assert_eq!(got, typed, "{prefix} {id} {protocol}");
                seen += got.len();
            }
            assert_eq!(seen, want.len());
            // listenerPort filter.
            let port = want[0]["listenerPort"].as_u64().unwrap();
            let body = send(&sim, &all.clone().query("listenerPort", &port.to_string()))
                .await
                .ok();
            let filtered: Vec<&Value> = want.iter().filter(|l| l["listenerPort"] == port).collect();
            assert_eq!(
                body["listenerList"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .collect::<Vec<_>>(),
                filtered
            );
            send(&sim, &all.clone().query("listenerPort", "http"))
                .await
                .assert_error(400, "InvalidHTTPRequest");
            send(&sim, &all.clone().query("marker", "FTP:21"))
                .await
                .assert_error(400, "InvalidHTTPRequest");

            // Detail: the list item plus derived fields.
            let detail = send(&sim, &Call::get(BLB_BJ, &format!("{prefix}/{id}"), READER))
                .await
                .ok();
            for (k, v) in lb.as_object().unwrap() {
                assert_eq!(&detail[k], v, "{k}");
            }
            let ports: Vec<Value> = want
                .iter()
                .map(|l| json!({"port": l["listenerPort"].to_string(), "type": l["listenerType"]}))
                .collect();
            assert_eq!(detail["listener"], json!(ports));
            assert!(!field(&detail, "cidr").is_empty());
            assert!(!field(&detail, "vpcName").is_empty());
        }
        for path in [
            format!("{prefix}/lb-nope"),
            format!("{prefix}/lb-nope/listener"),
            format!("{prefix}/lb-nope/HTTPSlistener"),
        ] {
            send(&sim, &Call::get(BLB_BJ, &path, READER))
                .await
                .assert_error(404, "NoSuchObject");
        }
        // Not a listener protocol.
        let id = field(&lbs[0], "blbId");
        send(
            &sim,
            &Call::get(BLB_BJ, &format!("{prefix}/{id}/FTPlistener"), READER),
        )
        .await
        .assert_error(404, "InvalidURI");
    }
    // The two products do not see each other's load balancers.
    let classic = field(
        &world.resources(DEFAULT_ACCOUNT_ID, "bj", "blb_load_balancers")[0],
        "blbId",
    )
    .to_string();
    send(
        &sim,
        &Call::get(BLB_BJ, &format!("/v1/appblb/{classic}"), READER),
    )
    .await
    .assert_error(404, "NoSuchObject");
}

#[tokio::test]
async fn load_balancer_filters() {
    let world = World::default_world();
    let sim = start(world.clone()).await;
    let lbs = world.resources(DEFAULT_ACCOUNT_ID, "bj", "blb_load_balancers");
    let list = || Call::get(BLB_BJ, "/v1/blb", READER);
    let got = |body: Value| ids_of(body["blbList"].as_array().unwrap(), "blbId");
    let first = &lbs[0];
    let body = send(&sim, &list().query("address", field(first, "address")))
        .await
        .ok();
    assert_eq!(got(body), vec![field(first, "blbId").to_string()]);
    let body = send(&sim, &list().query("blbId", field(first, "blbId")))
        .await
        .ok();
    assert_eq!(got(body), vec![field(first, "blbId").to_string()]);
    // Names match as substrings unless exactlyMatch=true.
    let body = send(&sim, &list().query("name", "lb")).await.ok();
    assert_eq!(got(body), ids_of(lbs, "blbId"));
    let body = send(
        &sim,
        &list().query("name", "lb").query("exactlyMatch", "true"),
    )
    .await
    .ok();
    assert!(got(body).is_empty());
    let body = send(
        &sim,
        &list()
            .query("name", field(first, "name"))
            .query("exactlyMatch", "true"),
    )
    .await
    .ok();
    assert_eq!(got(body), vec![field(first, "blbId").to_string()]);
    send(&sim, &list().query("exactlyMatch", "maybe"))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    // Backends are not modelled: no load balancer is known to front an instance.
    let body = send(&sim, &list().query("bccId", "i-anything")).await.ok();
    assert!(got(body).is_empty());
}

async fn kafka_and_blb_calls(
    sim: &SimHandle,
    key: (&'static str, &'static str),
) -> (Vec<Reply>, Vec<Reply>) {
    let world = World::default_world();
    let cluster = field(
        &world.resources(DEFAULT_ACCOUNT_ID, "bj", "kafka_clusters")[0],
        "clusterId",
    )
    .to_string();
    let mut kafka = Vec::new();
    for path in [
        "/v2/clusters".to_string(),
        format!("/v2/clusters/{cluster}"),
        format!("/v2/clusters/{cluster}/access-endpoints"),
    ] {
        kafka.push(send(sim, &Call::get(KAFKA_BJ, &path, key)).await);
    }
    let mut blb = Vec::new();
    for (collection, prefix) in FLAVOURS {
        let id = field(
            &world.resources(
                DEFAULT_ACCOUNT_ID,
                "bj",
                &format!("{collection}_load_balancers"),
            )[0],
            "blbId",
        )
        .to_string();
        for path in [
            prefix.to_string(),
            format!("{prefix}/{id}"),
            format!("{prefix}/{id}/listener"),
            format!("{prefix}/{id}/HTTPSlistener"),
        ] {
            blb.push(send(sim, &Call::get(BLB_BJ, &path, key)).await);
        }
    }
    (kafka, blb)
}

#[tokio::test]
async fn read_policies_are_enforced() {
    let sim = start_default().await;
    // The auditor has IAM and BCC read only.
    let (kafka, blb) = kafka_and_blb_calls(&sim, keys::AUDITOR).await;
    for r in kafka.iter().chain(&blb) {
        r.assert_error(403, "AccessDenied");
    }
    // KAFKAReadAccessPolicy: Kafka only.
    sim.set_user_policies("iam-only", vec!["KAFKAReadAccessPolicy".into()]);
    let (kafka, blb) = kafka_and_blb_calls(&sim, keys::IAM_ONLY).await;
    for r in kafka {
        r.ok();
    }
    for r in blb {
        r.assert_error(403, "AccessDenied");
    }
    // BLBReadAccessPolicy: classic and application BLB, not Kafka.
    sim.set_user_policies("iam-only", vec!["BLBReadAccessPolicy".into()]);
    let (kafka, blb) = kafka_and_blb_calls(&sim, keys::IAM_ONLY).await;
    for r in kafka {
        r.assert_error(403, "AccessDenied");
    }
    for r in blb {
        r.ok();
    }
    let (kafka, blb) = kafka_and_blb_calls(&sim, READER).await;
    for r in kafka.into_iter().chain(blb) {
        r.ok();
    }
}
