//! VPC (VPCs, subnets, subnet ACLs) and EIP over real HTTP: routes, pagination, the ACL
//! views, 404s, filters and policy enforcement, on the default world and a generated one.

mod common;

use std::collections::{BTreeSet, HashSet};

use common::*;
use serde_json::Value;
use vigil_baidu_sim::{keys, GenerateOptions, SimHandle, World, DEFAULT_ACCOUNT_ID};

const BJ: &str = "bcc.bj.baidubce.com";
const EIP_BJ: &str = "eip.bj.baidubce.com";
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
            true => marker = Some(field(&body, "nextMarker").to_string()),
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
        regions: 3,
        instances_per_region: 20,
        security_groups_per_region: 4,
        users: 1,
        resources_per_region: 9,
        seed: 99,
    })
}

fn account(world: &World) -> String {
    world.accounts()[0].id.clone()
}

fn is_open(rule: &Value) -> bool {
    rule["direction"] == "ingress"
        && rule["action"] == "allow"
        && rule["protocol"] == "all"
        && rule["sourceIpAddress"] == "0.0.0.0/0"
}

#[test]
fn generated_worlds_have_subnet_acls() {
    let world = generated();
    let acct = account(&world);
    let mut ids = HashSet::new();
    for region in ["bj", "gz", "su"] {
        let subnets = world.resources(&acct, region, "vpc_subnets");
        let rules = world.resources(&acct, region, "vpc_acl_rules");
        assert!(!subnets.is_empty() && !rules.is_empty(), "{region}");
        // The first rule is the region's showcase misconfiguration, and fully populated.
        assert!(is_open(&rules[0]), "{:#}", rules[0]);
        for (k, v) in rules[0].as_object().unwrap() {
            assert!(v.as_str().is_none_or(|s| !s.is_empty()), "{k} is empty");
        }
        assert!(rules.iter().any(|r| r["action"] == "deny"));
        // Every subnet has the default allow rules; every rule names a subnet of the region.
        let subnet_ids: HashSet<&str> = subnets.iter().map(|s| field(s, "subnetId")).collect();
        for s in &subnet_ids {
            let own: Vec<&Value> = rules
                .iter()
                .filter(|r| field(r, "subnetId") == *s)
                .collect();
            assert!(own
                .iter()
                .any(|r| r["position"] == 1000 && r["direction"] == "ingress"));
            assert!(own
                .iter()
                .any(|r| r["position"] == 1000 && r["direction"] == "egress"));
        }
        for r in rules {
            assert!(subnet_ids.contains(field(r, "subnetId")), "{r:#}");
            assert!(ids.insert(field(r, "id").to_string()), "duplicate rule id");
            assert!(field(r, "id").starts_with("ar-"));
            let v6 = field(r, "sourceIpAddress").contains(':');
            assert_eq!(r["ipVersion"], if v6 { 6 } else { 4 });
        }
    }
    // Deterministic.
    assert_eq!(
        generated().resources(&acct, "gz", "vpc_acl_rules"),
        world.resources(&acct, "gz", "vpc_acl_rules")
    );
}

#[tokio::test]
async fn vpc_lists_page_through_the_world() {
    let world = generated();
    let acct = account(&world);
    let sim = start(world.clone()).await;
    for region in ["bj", "gz", "su"] {
        let host = format!("bcc.{region}.baidubce.com");
        for (path, key, collection, id) in [
            ("/v1/vpc", "vpcs", "vpc_vpcs", "vpcId"),
            ("/v1/subnet", "subnets", "vpc_subnets", "subnetId"),
        ] {
            let want = world.resources(&acct, region, collection);
            for page in [1, 2, 1000] {
                let got = pages(&sim, &Call::get(&host, path, READER), key, page).await;
                assert_eq!(got, want, "{region} {path} page {page}");
            }
            assert!(!ids_of(want, id).is_empty());
        }
        // Each subnet's rules, page by page, are exactly the world's rules of that subnet.
        let rules = world.resources(&acct, region, "vpc_acl_rules");
        let mut seen = Vec::new();
        for subnet in world.resources(&acct, region, "vpc_subnets") {
            let sid = field(subnet, "subnetId");
            let want: Vec<Value> = rules
                .iter()
                .filter(|r| field(r, "subnetId") == sid)
                .cloned()
                .collect();
            for page in [1, 3] {
                let call = Call::get(&host, "/v1/acl/rule", READER).query("subnetId", sid);
                assert_eq!(pages(&sim, &call, "aclRules", page).await, want);
            }
            seen.extend(want);
        }
        assert_eq!(seen.len(), rules.len());
    }
}

#[tokio::test]
async fn the_vpc_acl_view_groups_every_rule_by_subnet() {
    let world = World::default_world();
    let sim = start_default().await;
    for region in ["bj", "gz", "su"] {
        let host = format!("bcc.{region}.baidubce.com");
        let rules = world.resources(DEFAULT_ACCOUNT_ID, region, "vpc_acl_rules");
        let subnets = world.resources(DEFAULT_ACCOUNT_ID, region, "vpc_subnets");
        let mut from_acl = BTreeSet::new();
        for vpc in world.resources(DEFAULT_ACCOUNT_ID, region, "vpc_vpcs") {
            let vpc_id = field(vpc, "vpcId");
            let acl = send(
                &sim,
                &Call::get(&host, "/v1/acl", READER).query("vpcId", vpc_id),
            )
            .await
            .ok();
            assert_eq!(acl["vpcId"], vpc_id);
            assert_eq!(acl["vpcName"], vpc["name"]);
            assert_eq!(acl["vpcCidr"], vpc["cidr"]);
            assert!(acl.get("isTruncated").is_none(), "not paginated");
            let entries = acl["aclEntrys"].as_array().unwrap();
            let own: Vec<&Value> = subnets.iter().filter(|s| s["vpcId"] == vpc_id).collect();
            assert_eq!(entries.len(), own.len());
            for (entry, subnet) in entries.iter().zip(own) {
                assert_eq!(entry["subnetId"], subnet["subnetId"]);
                assert_eq!(entry["subnetName"], subnet["name"]);
                assert_eq!(entry["subnetCidr"], subnet["cidr"]);
                for rule in entry["aclRules"].as_array().unwrap() {
                    assert_eq!(rule["subnetId"], subnet["subnetId"]);
                    // Served verbatim.
                    assert!(rules.contains(rule));
                    from_acl.insert(field(rule, "id").to_string());
                }
            }
        }
        let all: BTreeSet<String> = ids_of(rules, "id").into_iter().collect();
        assert_eq!(from_acl, all, "{region}");
    }
    // The demo world shows both kinds of rule.
    let bj = world.resources(DEFAULT_ACCOUNT_ID, "bj", "vpc_acl_rules");
    assert!(bj
        .iter()
        .any(|r| r["action"] == "deny" && r["destinationPort"] == "23"));
    let gz = world.resources(DEFAULT_ACCOUNT_ID, "gz", "vpc_acl_rules");
    assert!(gz.iter().any(|r| is_open(r) && r["position"] == 10));
}

#[tokio::test]
async fn vpc_unknown_ids_and_bad_requests() {
    let sim = start_default().await;
    for (path, query) in [
        ("/v1/vpc/vpc-doesnotexist", None),
        ("/v1/subnet/sbn-doesnotexist", None),
        ("/v1/acl", Some(("vpcId", "vpc-doesnotexist"))),
        ("/v1/acl/rule", Some(("subnetId", "sbn-doesnotexist"))),
    ] {
        let mut call = Call::get(BJ, path, READER);
        if let Some((k, v)) = query {
            call = call.query(k, v);
        }
        send(&sim, &call).await.assert_error(404, "NoSuchObject");
    }
    send(&sim, &Call::get(BJ, "/v1/acl/rule", READER))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    send(
        &sim,
        &Call::get(BJ, "/v1/vpc", READER).query("marker", "vpc-nope"),
    )
    .await
    .assert_error(400, "InvalidHTTPRequest");
    send(
        &sim,
        &Call::get(BJ, "/v1/subnet", READER).query("maxKeys", "ten"),
    )
    .await
    .assert_error(400, "InvalidHTTPRequest");
    // A subnet detail is the list item, wrapped.
    let world = World::default_world();
    let subnet = &world.resources(DEFAULT_ACCOUNT_ID, "bj", "vpc_subnets")[0];
    let path = format!("/v1/subnet/{}", field(subnet, "subnetId"));
    let detail = send(&sim, &Call::get(BJ, &path, READER)).await.ok();
    assert_eq!(&detail["subnet"], subnet);
}

const VPC_CALLS: &[(&str, Option<(&str, &str)>)] = &[
    ("/v1/vpc", None),
    ("/v1/subnet", None),
    ("/v1/acl", Some(("vpcId", "VPC"))),
    ("/v1/acl/rule", Some(("subnetId", "SUBNET"))),
];

async fn vpc_calls(sim: &SimHandle, key: (&'static str, &'static str)) -> Vec<Reply> {
    let world = World::default_world();
    let vpc = field(
        &world.resources(DEFAULT_ACCOUNT_ID, "bj", "vpc_vpcs")[0],
        "vpcId",
    )
    .to_string();
    let subnet = field(
        &world.resources(DEFAULT_ACCOUNT_ID, "bj", "vpc_subnets")[0],
        "subnetId",
    )
    .to_string();
    let mut out = Vec::new();
    for (path, query) in VPC_CALLS {
        let mut call = Call::get(BJ, path, key);
        if let Some((k, v)) = query {
            call = call.query(k, if *v == "VPC" { &vpc } else { &subnet });
        }
        out.push(send(sim, &call).await);
    }
    out
}

#[tokio::test]
async fn vpc_read_policy_is_enforced() {
    let sim = start_default().await;
    // The auditor has IAM and BCC read only.
    for r in vpc_calls(&sim, keys::AUDITOR).await {
        r.assert_error(403, "AccessDenied");
    }
    // VPCReadAccessPolicy alone allows every VPC read; EIPReadAccessPolicy does not.
    sim.set_user_policies("iam-only", vec!["EIPReadAccessPolicy".into()]);
    for r in vpc_calls(&sim, keys::IAM_ONLY).await {
        r.assert_error(403, "AccessDenied");
    }
    sim.set_user_policies("iam-only", vec!["VPCReadAccessPolicy".into()]);
    for r in vpc_calls(&sim, keys::IAM_ONLY).await {
        r.ok();
    }
    // ... but not BCC, which shares the host.
    send(&sim, &Call::get(BJ, "/v2/instance", keys::IAM_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    for r in vpc_calls(&sim, READER).await {
        r.ok();
    }
}

#[tokio::test]
async fn eips_are_listed_verbatim_and_paged() {
    let world = generated();
    let acct = account(&world);
    let sim = start(world.clone()).await;
    for region in ["bj", "gz", "su"] {
        let host = format!("eip.{region}.baidubce.com");
        let want = world.resources(&acct, region, "eip_eips");
        assert_eq!(want.len(), 9, "{region}");
        for page in [1, 4, 1000] {
            let got = pages(&sim, &Call::get(&host, "/v1/eip", READER), "eipList", page).await;
            assert_eq!(got, want, "{region} page {page}");
        }
        // Fully populated first item, region field, unique addresses.
        for (k, v) in want[0].as_object().unwrap() {
            let empty = v.is_null()
                || v.as_str().is_some_and(str::is_empty)
                || v.as_array().is_some_and(Vec::is_empty);
            assert!(!empty, "{region}: {k} is empty in the first EIP");
        }
        assert!(want.iter().all(|e| e["region"] == region));
        let addresses: HashSet<&str> = want.iter().map(|e| field(e, "eip")).collect();
        assert_eq!(addresses.len(), want.len());
        // Bound EIPs are the public IPs of real instances of the region.
        let instances = world.resources(&acct, region, "bcc_instances");
        let mut bound = 0;
        for e in want.iter().filter(|e| e["instanceType"] == "BCC") {
            let inst = instances
                .iter()
                .find(|i| i["id"] == e["instanceId"])
                .expect("bound to a real instance");
            assert_eq!(inst["publicIp"], e["eip"]);
            assert_eq!(inst["nicInfo"]["ips"][0]["eipId"], e["eipId"]);
            assert_eq!(e["status"], "binded");
            bound += 1;
        }
        assert!(bound > 0);
        assert!(want
            .iter()
            .any(|e| e["status"] == "available" && e["instanceId"] == ""));
    }
}

#[tokio::test]
async fn eip_filters() {
    let world = World::default_world();
    let sim = start_default().await;
    let all = world.resources(DEFAULT_ACCOUNT_ID, "bj", "eip_eips");
    assert!((2..=4).contains(&all.len()));
    let list = |q: &[(&str, &str)]| {
        let mut call = Call::get(EIP_BJ, "/v1/eip", READER);
        for (k, v) in q {
            call = call.query(k, v);
        }
        call
    };
    let addresses = |body: Value| ids_of(body["eipList"].as_array().unwrap(), "eip");
    let got = send(&sim, &list(&[])).await.ok();
    assert_eq!(&got["eipList"].as_array().unwrap()[..], all);

    let first = &all[0];
    for q in [
        vec![("eip", field(first, "eip"))],
        vec![("eipIds", field(first, "eipId"))],
        vec![
            ("instanceType", "BCC"),
            ("instanceId", field(first, "instanceId")),
        ],
        vec![("name", field(first, "name"))],
    ] {
        let got = addresses(send(&sim, &list(&q)).await.ok());
        assert_eq!(got, [field(first, "eip")], "{q:?}");
    }
    for status in ["binded", "available", "paused"] {
        let got = addresses(send(&sim, &list(&[("status", status)])).await.ok());
        let want: Vec<String> = all
            .iter()
            .filter(|e| e["status"] == status)
            .map(|e| field(e, "eip").to_string())
            .collect();
        assert!(!want.is_empty(), "the demo world has a {status} EIP");
        assert_eq!(got, want);
    }
    let both = format!("{},{}", field(&all[0], "eipId"), field(&all[1], "eipId"));
    assert_eq!(
        addresses(send(&sim, &list(&[("eipIds", &both)])).await.ok()).len(),
        2
    );
    assert_eq!(
        addresses(send(&sim, &list(&[("ipVersion", "ipv4")])).await.ok()).len(),
        all.len()
    );
    assert!(addresses(send(&sim, &list(&[("ipVersion", "ipv6")])).await.ok()).is_empty());
    assert!(addresses(send(&sim, &list(&[("eip", "192.0.2.1")])).await.ok()).is_empty());

    // Errors: a bad marker, an API the endpoint does not have, a region without EIPs.
    send(&sim, &list(&[("marker", "192.0.2.1")]))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    let path = format!("/v1/eip/{}", field(first, "eip"));
    send(&sim, &Call::get(EIP_BJ, &path, READER))
        .await
        .assert_error(404, "InvalidURI");
    send(&sim, &Call::get(EIP_BJ, "/v2/instance", READER))
        .await
        .assert_error(404, "InvalidURI");
    let bd = send(&sim, &Call::get("eip.bd.baidubce.com", "/v1/eip", READER))
        .await
        .ok();
    assert_eq!(bd["eipList"], serde_json::json!([]));
    send(&sim, &Call::get("eip.sin.baidubce.com", "/v1/eip", READER))
        .await
        .assert_error(421, "UnknownHost");
}

#[tokio::test]
async fn eip_read_policy_is_enforced() {
    let sim = start_default().await;
    let list = |key| Call::get(EIP_BJ, "/v1/eip", key);
    send(&sim, &list(keys::AUDITOR))
        .await
        .assert_error(403, "AccessDenied");
    sim.set_user_policies("iam-only", vec!["VPCReadAccessPolicy".into()]);
    send(&sim, &list(keys::IAM_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    sim.set_user_policies("iam-only", vec!["EIPReadAccessPolicy".into()]);
    send(&sim, &list(keys::IAM_ONLY)).await.ok();
    send(&sim, &list(READER)).await.ok();
    send(&sim, &list(keys::ROOT)).await.ok();
}
