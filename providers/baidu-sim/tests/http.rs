//! End-to-end tests over real HTTP on loopback, signing with vigil-baidu-auth.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use common::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigil_baidu_auth::{format_timestamp, sign, HeaderSelection, RequestToSign};
use vigil_baidu_sim::{
    keys, Fault, GenerateOptions, Limits, World, DEFAULT_ACCOUNT_ID, DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
};
use vigil_core::Secret;

const BJ: &str = "bcc.bj.baidubce.com";
const GZ: &str = "bcc.gz.baidubce.com";
const IAM: &str = "iam.bj.baidubce.com";
const DEMO: (&str, &str) = (DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY);

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

fn world_ids(world: &World, region: &str, collection: &str) -> Vec<String> {
    world
        .resources(DEFAULT_ACCOUNT_ID, region, collection)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn host_header_selects_the_region() {
    let sim = start_default().await;
    let world = World::default_world();
    let bj = send(&sim, &Call::get(BJ, "/v2/instance", DEMO)).await.ok();
    let gz = send(&sim, &Call::get(GZ, "/v2/instance", DEMO)).await.ok();
    assert_eq!(
        ids(&bj["instances"]),
        world_ids(&world, "bj", "bcc_instances")
    );
    assert_eq!(
        ids(&gz["instances"]),
        world_ids(&world, "gz", "bcc_instances")
    );
    assert_ne!(ids(&bj["instances"]), ids(&gz["instances"]));
    // Items are served verbatim.
    assert_eq!(
        bj["instances"][0],
        world.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances")[0]
    );

    // The port in Host (as the Python and Go SDKs send it with a non-default port) works.
    let mut with_port = Call::get(GZ, "/v2/instance", DEMO);
    with_port.host_with_port = true;
    let gz2 = send(&sim, &with_port).await.ok();
    assert_eq!(ids(&gz2["instances"]), ids(&gz["instances"]));
    let mut upper = Call::get("BCC.SU.baidubce.com", "/v2/instance", DEMO);
    upper.host_with_port = true;
    assert_eq!(
        ids(&send(&sim, &upper).await.ok()["instances"]),
        world_ids(&world, "su", "bcc_instances")
    );

    // A region listed by describeRegions but without resources: empty lists.
    let bd = send(
        &sim,
        &Call::get("bcc.bd.baidubce.com", "/v2/instance", DEMO),
    )
    .await
    .ok();
    assert_eq!(bd["instances"], serde_json::json!([]));
    assert_eq!(bd["isTruncated"], false);

    // Unknown region or host: the stand-in for a DNS failure.
    for host in [
        "bcc.xx.baidubce.com",
        "bcc.sin.baidubce.com",
        "example.com",
        "eip.sin.baidubce.com",
    ] {
        send(&sim, &Call::get(host, "/v2/instance", DEMO))
            .await
            .assert_error(421, "UnknownHost");
    }
}

#[tokio::test]
async fn a_region_of_another_account_is_unknown_to_this_one() {
    let mut world = World::default_world();
    let mut other = world.accounts[0].clone();
    other.id = "0000000000000000000000000000000b".into();
    other.users.clear();
    other.root_access_keys[0].access_key_id = "ffffffffffffffffffffffffffffffff".into();
    other.regions.retain(|r| r.region_id == "bj");
    other.regions[0].region_id = "sin".into();
    other.resources.clear();
    world.accounts.push(other);
    let sim = start(world).await;
    // `sin` exists (for the other account) but not for the demo key's account.
    send(
        &sim,
        &Call::get("bcc.sin.baidubce.com", "/v2/instance", DEMO),
    )
    .await
    .assert_error(421, "UnknownHost");
    let other_root = Call::get("bcc.sin.baidubce.com", "/v2/instance", DEMO).auth(Auth::Owned(
        "ffffffffffffffffffffffffffffffff".into(),
        keys::ROOT.1.into(),
    ));
    send(&sim, &other_root).await.ok();
}

#[tokio::test]
async fn authentication_failures_have_bce_codes_and_statuses() {
    let sim = start_default().await;
    let base = Call::get(BJ, "/v2/instance", DEMO);

    let unknown = base.clone().auth(Auth::Key(
        "00000000000000000000000000000000",
        "00000000000000000000000000000000",
    ));
    let r = send(&sim, &unknown).await;
    r.assert_error(403, "InvalidAccessKeyId");
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("does not exist"));

    let r = send(
        &sim,
        &base
            .clone()
            .auth(Auth::Key(keys::DISABLED.0, keys::DISABLED.1)),
    )
    .await;
    r.assert_error(403, "InvalidAccessKeyId");
    assert!(r.body["message"].as_str().unwrap().contains("disabled"));

    let wrong_secret = base.clone().auth(Auth::Key(DEMO.0, keys::ROOT.1));
    send(&sim, &wrong_secret)
        .await
        .assert_error(400, "SignatureDoesNotMatch");

    let mut expired = base.clone();
    expired.timestamp = Utc::now() - chrono::Duration::seconds(3600);
    let r = send(&sim, &expired).await;
    r.assert_error(400, "RequestExpired");
    assert_eq!(
        r.body["message"],
        format!(
            "Request has expired. Timestamp date is {}.",
            format_timestamp(expired.timestamp)
        )
    );
    // Just inside a short window is fine; just outside is not.
    let mut short = base.clone();
    short.timestamp = Utc::now() - chrono::Duration::seconds(100);
    short.expiration = 60;
    send(&sim, &short).await.assert_error(400, "RequestExpired");
    short.expiration = 300;
    send(&sim, &short).await.ok();

    let mut future = base.clone();
    future.timestamp = Utc::now() + chrono::Duration::seconds(20 * 60);
    send(&sim, &future)
        .await
        .assert_error(400, "RequestExpired");
    future.timestamp = Utc::now() + chrono::Duration::seconds(5 * 60);
    send(&sim, &future).await.ok();

    for raw in [
        "garbage",
        "bce-auth-v1/ak/2024-03-15T08:26:52Z/1800/host",
        "bce-auth-v2/ak/2024-03-15T08:26:52Z/1800//0000000000000000000000000000000000000000000000000000000000000000",
        "bce-auth-v1/ak/yesterday/1800//0000000000000000000000000000000000000000000000000000000000000000",
        "bce-auth-v1/ak/2024-03-15T08:26:52Z/1800//nothex",
    ] {
        send(&sim, &base.clone().auth(Auth::Raw(raw.into())))
            .await
            .assert_error(400, "InvalidHTTPAuthHeader");
    }
    send(&sim, &base.clone().auth(Auth::None))
        .await
        .assert_error(400, "InvalidHTTPAuthHeader");

    // A request signed for one query and sent with another does not verify.
    let signed = base.clone().query("maxKeys", "5");
    let headers = vec![
        ("host".to_string(), BJ.to_string()),
        ("x-bce-date".to_string(), format_timestamp(signed.timestamp)),
    ];
    let auth = sign(
        &RequestToSign {
            method: "GET",
            path: "/v2/instance",
            query: &signed.query,
            headers: &headers,
        },
        DEMO.0,
        &Secret::new(DEMO.1),
        signed.timestamp,
        1800,
        &signed.selection,
    );
    let tampered = base.clone().query("maxKeys", "6").auth(Auth::Raw(auth));
    send(&sim, &tampered)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn default_and_explicit_signed_headers_are_both_accepted() {
    let sim = start_default().await;
    for selection in [
        HeaderSelection::Default,
        HeaderSelection::from_field("host;x-bce-date"),
        HeaderSelection::from_field("host"),
    ] {
        let mut call = Call::get(BJ, "/v2/securityGroup", DEMO).query("maxKeys", "2");
        call.selection = selection.clone();
        call.host_with_port = true;
        let body = send(&sim, &call).await.ok();
        assert_eq!(body["maxKeys"], 2, "{selection:?}");
        let mut post = Call::post(
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            DEMO,
            r#"{"region":""}"#,
        );
        post.selection = selection.clone();
        send(&sim, &post).await.ok();
    }
}

/// The exact bytes the official Python SDK sends through its HTTP proxy setting: origin
/// form, `Host` with port, `Content-Length: 0` on a GET, an empty signed-headers field, and
/// a value-less wire key.
#[tokio::test]
async fn python_sdk_style_raw_request_verifies() {
    let sim = start_default().await;
    let host = format!("bcc.bj.baidubce.com:{}", sim.addr().port());
    let now = Utc::now();
    let date = format_timestamp(now);
    let headers = vec![
        ("Host".to_string(), host.clone()),
        ("Content-Length".to_string(), "0".to_string()),
        ("x-bce-date".to_string(), date.clone()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    let query = vec![
        ("maxKeys".to_string(), "3".to_string()),
        ("zoneName".to_string(), "cn-bj-d".to_string()),
        ("dryRun".to_string(), String::new()),
    ];
    let auth = sign(
        &RequestToSign {
            method: "GET",
            path: "/v2/instance",
            query: &query,
            headers: &headers,
        },
        DEMO.0,
        &Secret::new(DEMO.1),
        now,
        1800,
        &HeaderSelection::Default,
    );
    assert!(auth.contains("/1800//"), "{auth}");
    let request = format!(
        "GET /v2/instance?maxKeys=3&zoneName=cn-bj-d&dryRun HTTP/1.1\r\nAccept-Encoding: identity\r\nUser-Agent: bce-sdk-python/0.9.79/3.11/linux\r\nHost: {host}\r\nContent-Length: 0\r\nx-bce-date: {date}\r\nContent-Type: application/json\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.to_ascii_lowercase().contains("x-bce-request-id:"));
    let body: Value = serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["maxKeys"], 3);
    assert!(body["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["zoneName"] == "cn-bj-d"));
}

#[tokio::test]
async fn iam_policies_are_enforced() {
    let sim = start_default().await;
    let list = |host: &str, key: (&'static str, &'static str)| Call::get(host, "/v2/instance", key);

    // iam-only: IAM yes, BCC no (403 AccessDenied with a request id).
    let r = send(&sim, &list(BJ, keys::IAM_ONLY)).await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(r.body["message"], "Access denied.");
    send(&sim, &Call::get(IAM, "/v1/user", keys::IAM_ONLY))
        .await
        .ok();
    // describeRegions is open to every authenticated key.
    send(
        &sim,
        &Call::post(
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            keys::IAM_ONLY,
            "{}",
        ),
    )
    .await
    .ok();

    // bj-only: bcc READ in bj only, nothing else.
    send(&sim, &list(BJ, keys::BJ_ONLY)).await.ok();
    send(&sim, &Call::get(BJ, "/v2/securityGroup", keys::BJ_ONLY))
        .await
        .ok();
    send(&sim, &list(GZ, keys::BJ_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    send(&sim, &Call::get(BJ, "/v1/vpc", keys::BJ_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    send(&sim, &Call::get(IAM, "/v1/user", keys::BJ_ONLY))
        .await
        .assert_error(403, "AccessDenied");

    // deny-gz: GlobalReadPolicy allows everywhere, the Deny wins in gz.
    send(&sim, &list(BJ, keys::DENY_GZ)).await.ok();
    send(&sim, &list(GZ, keys::DENY_GZ))
        .await
        .assert_error(403, "AccessDenied");
    send(&sim, &Call::get(GZ, "/v1/vpc", keys::DENY_GZ))
        .await
        .ok();

    // GlobalReadPolicy: every service, every region.
    for host in [BJ, GZ, "bcc.su.baidubce.com"] {
        send(&sim, &list(host, keys::GLOBAL_READER)).await.ok();
        send(&sim, &Call::get(host, "/v1/subnet", keys::GLOBAL_READER))
            .await
            .ok();
    }
    send(&sim, &Call::get(IAM, "/v1/policy", keys::GLOBAL_READER))
        .await
        .ok();

    // The auditor: IAM + BCC read, but VPC is a separate service.
    send(&sim, &list(GZ, DEMO)).await.ok();
    send(&sim, &Call::get(BJ, "/v1/vpc", DEMO))
        .await
        .assert_error(403, "AccessDenied");

    // Group policies count (ci-deployer is in `ops`), and root may do everything.
    send(&sim, &list(GZ, keys::CI_DEPLOYER)).await.ok();
    send(&sim, &Call::get(IAM, "/v1/user", keys::CI_DEPLOYER))
        .await
        .assert_error(403, "AccessDenied");
    send(&sim, &Call::get(IAM, "/v1/user", keys::ROOT))
        .await
        .ok();
    send(&sim, &Call::get(BJ, "/v1/vpc", keys::ADMIN))
        .await
        .ok();

    // Policy changes take effect on the running server.
    sim.set_user_policies(
        "iam-only",
        vec!["IAMReadAccessPolicy".into(), "BCCReadAccessPolicy".into()],
    );
    send(&sim, &list(GZ, keys::IAM_ONLY)).await.ok();
    sim.set_user_policies("iam-only", vec!["IAMReadAccessPolicy".into()]);
    send(&sim, &list(GZ, keys::IAM_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    // A custom Deny attached at runtime overrides the system Allow.
    sim.set_user_policies(
        "global-reader",
        vec!["GlobalReadPolicy".into(), "deny-bcc-gz".into()],
    );
    send(&sim, &list(GZ, keys::GLOBAL_READER))
        .await
        .assert_error(403, "AccessDenied");
    send(&sim, &list(BJ, keys::GLOBAL_READER)).await.ok();
}

#[tokio::test]
async fn action_level_permissions_and_deny_on_one_action() {
    let mut world = World::default_world();
    let account = &mut world.accounts[0];
    account.custom_policies.push(vigil_baidu_sim::CustomPolicy {
        name: "list-but-not-sg".into(),
        id: "7777777777777777777777777777777a".into(),
        description: String::new(),
        create_time: Utc::now(),
        document: serde_json::json!({"accessControlList": [
            {"service": "bcc", "region": "*", "effect": "Allow", "permission": ["DescribeInstances", "DescribeSecurityGroups"], "resource": ["*"]},
            {"service": "bce:bcc", "region": "*", "effect": "Deny", "permission": ["DescribeSecurityGroups"], "resource": ["*"]}
        ]}),
    });
    account
        .users
        .iter_mut()
        .find(|u| u.name == "iam-only")
        .unwrap()
        .policies = vec!["list-but-not-sg".into()];
    let sim = start(world).await;
    send(&sim, &Call::get(BJ, "/v2/instance", keys::IAM_ONLY))
        .await
        .ok();
    send(&sim, &Call::get(BJ, "/v2/securityGroup", keys::IAM_ONLY))
        .await
        .assert_error(403, "AccessDenied");
    // GetInstance is a different action.
    let first = World::default_world().resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances")[0]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &sim,
        &Call::get(BJ, &format!("/v2/instance/{first}"), keys::IAM_ONLY),
    )
    .await
    .assert_error(403, "AccessDenied");
}

#[tokio::test]
async fn pagination_visits_every_item_once() {
    let world = World::generate(&GenerateOptions {
        regions: 1,
        instances_per_region: 2003,
        security_groups_per_region: 9,
        users: 0,
        resources_per_region: 3,
        seed: 7,
    });
    let account = world.accounts[0].id.clone();
    let expected: Vec<String> = world
        .resources(&account, "bj", "bcc_instances")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let sim = start(world.clone()).await;
    let base = Call::get(BJ, "/v2/instance", keys::GLOBAL_READER);

    for (page, pages) in [("7", 287), ("1000", 3), ("1500", 3), ("0", 3), ("-1", 3)] {
        let (got, bodies) = all_pages(&sim, &base, "instances", Some(page)).await;
        assert_eq!(got, expected, "page size {page}");
        assert_eq!(bodies.len(), pages, "page size {page}");
        let effective = page.parse::<i64>().unwrap();
        let effective = if (1..=1000).contains(&effective) {
            effective
        } else {
            1000
        };
        assert_eq!(bodies[0]["maxKeys"], effective);
        assert_eq!(bodies[0]["marker"], "");
        assert!(bodies.last().unwrap().get("nextMarker").is_none());
        // Each page's marker echoes the request's.
        for w in bodies.windows(2) {
            assert_eq!(w[1]["marker"], w[0]["nextMarker"]);
        }
    }
    // No maxKeys at all: 1000 by default.
    let (got, bodies) = all_pages(&sim, &base, "instances", None).await;
    assert_eq!(got.len(), 2003);
    assert_eq!(bodies[0]["maxKeys"], 1000);

    // Page size 1 over the security groups, and over the default world's instances.
    let sgs: Vec<String> = world
        .resources(&account, "bj", "bcc_security_groups")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let (got, bodies) = all_pages(
        &sim,
        &Call::get(BJ, "/v2/securityGroup", keys::GLOBAL_READER),
        "securityGroups",
        Some("1"),
    )
    .await;
    assert_eq!(got, sgs);
    assert_eq!(bodies.len(), 9);
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 9);

    // Bad values.
    send(&sim, &base.clone().query("maxKeys", "ten"))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    send(&sim, &base.clone().query("marker", "i-doesnotexist"))
        .await
        .assert_error(400, "InvalidHTTPRequest");
}

#[tokio::test]
async fn pagination_of_small_lists_and_filters() {
    let sim = start_default().await;
    let world = World::default_world();
    let expected = world_ids(&world, "bj", "bcc_instances");
    let base = Call::get(BJ, "/v2/instance", DEMO);
    for page in ["1", "7", "1000"] {
        let (got, bodies) = all_pages(&sim, &base, "instances", Some(page)).await;
        assert_eq!(got, expected, "page {page}");
        let size: usize = page.parse().unwrap();
        assert_eq!(bodies.len(), expected.len().div_ceil(size));
    }
    // Filters apply before pagination.
    let d = send(&sim, &base.clone().query("zoneName", "cn-bj-d"))
        .await
        .ok();
    assert!(!d["instances"].as_array().unwrap().is_empty());
    assert!(d["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["zoneName"] == "cn-bj-d"));
    let two = expected[..2].join(",");
    let r = send(&sim, &base.clone().query("instanceIds", &two))
        .await
        .ok();
    assert_eq!(ids(&r["instances"]), expected[..2].to_vec());
    let running = send(&sim, &base.clone().query("status", "Stopped"))
        .await
        .ok();
    assert!(running["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "Stopped"));
}

#[tokio::test]
async fn bcc_details_and_security_group_filters() {
    let sim = start_default().await;
    let world = World::default_world();
    let instances = world.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances");
    let first = &instances[0];
    let id = first["id"].as_str().unwrap();
    let detail = send(&sim, &Call::get(BJ, &format!("/v2/instance/{id}"), DEMO))
        .await
        .ok();
    assert_eq!(&detail["instance"], first);
    send(&sim, &Call::get(BJ, "/v2/instance/i-nope0000", DEMO))
        .await
        .assert_error(404, "NoSuchObject");
    // An instance of gz is not found through the bj host.
    let gz_id = world.resources(DEFAULT_ACCOUNT_ID, "gz", "bcc_instances")[0]["id"]
        .as_str()
        .unwrap();
    send(&sim, &Call::get(BJ, &format!("/v2/instance/{gz_id}"), DEMO))
        .await
        .assert_error(404, "NoSuchObject");

    let sgs = world.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_security_groups");
    let sg_id = sgs[0]["id"].as_str().unwrap();
    let flat = send(
        &sim,
        &Call::get(BJ, &format!("/v2/securityGroup/{sg_id}"), DEMO),
    )
    .await
    .ok();
    assert_eq!(&flat, &sgs[0]);
    send(&sim, &Call::get(BJ, "/v2/securityGroup/g-nope", DEMO))
        .await
        .assert_error(404, "NoSuchObject");

    let attached: Vec<String> = first["nicInfo"]["securityGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let by_instance = send(
        &sim,
        &Call::get(BJ, "/v2/securityGroup", DEMO).query("instanceId", id),
    )
    .await
    .ok();
    let mut got = ids(&by_instance["securityGroups"]);
    got.sort();
    let mut want = attached.clone();
    want.sort();
    assert_eq!(got, want);
    let vpc = sgs[0]["vpcId"].as_str().unwrap();
    let by_vpc = send(
        &sim,
        &Call::get(BJ, "/v2/securityGroup", DEMO).query("vpcId", vpc),
    )
    .await
    .ok();
    assert!(by_vpc["securityGroups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["vpcId"] == vpc));
    let by_sg = send(
        &sim,
        &Call::get(BJ, "/v2/instance", DEMO).query("securityGroupIds", sg_id),
    )
    .await
    .ok();
    assert!(by_sg["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["nicInfo"]["securityGroups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == sg_id)));

    // Unknown API on a known host; wrong method.
    send(&sim, &Call::get(BJ, "/v2/nothing", DEMO))
        .await
        .assert_error(404, "InvalidURI");
    send(&sim, &Call::post(BJ, "/v2/instance", DEMO, "{}"))
        .await
        .assert_error(404, "InvalidURI");
}

#[tokio::test]
async fn describe_regions_on_global_and_regional_hosts() {
    let sim = start_default().await;
    for (host, body) in [
        ("bcc.baidubce.com", r#"{"region":""}"#),
        ("bcc.baidubce.com", ""),
        ("bcc.gz.baidubce.com", "{}"),
    ] {
        let r = send(
            &sim,
            &Call::post(host, "/v2/region/describeRegions", DEMO, body),
        )
        .await
        .ok();
        let regions: Vec<&str> = r["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["regionId"].as_str().unwrap())
            .collect();
        assert_eq!(regions, ["bj", "gz", "su", "bd", "fwh", "hkg"]);
        assert_eq!(r["regions"][1]["regionEndpoint"], "bcc.gz.baidubce.com");
        assert_eq!(r["regions"][0]["regionName"], "华北-北京");
    }
    let one = send(
        &sim,
        &Call::post(
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            DEMO,
            r#"{"region":"su"}"#,
        ),
    )
    .await
    .ok();
    assert_eq!(one["regions"].as_array().unwrap().len(), 1);
    send(
        &sim,
        &Call::post(
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            DEMO,
            "{not json",
        ),
    )
    .await
    .assert_error(400, "MalformedJSON");
    // Only describeRegions lives on the global host.
    send(&sim, &Call::get("bcc.baidubce.com", "/v2/instance", DEMO))
        .await
        .assert_error(404, "InvalidURI");
}

#[tokio::test]
async fn iam_api_shapes_and_no_secrets() {
    let sim = start_default().await;
    let world = World::default_world();
    let get = |path: &str| Call::get(IAM, path, DEMO);
    let users = send(&sim, &get("/v1/user")).await.ok();
    let names: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"vigil-auditor") && names.contains(&"disabled-user"));
    for field in [
        "id",
        "name",
        "createTime",
        "description",
        "enabled",
        "contact",
        "joinTime",
    ] {
        assert!(users["users"][0].get(field).is_some(), "{field}");
    }
    let alice = send(&sim, &get("/v1/user/alice")).await.ok();
    assert_eq!(alice["lastLoginTime"], "2025-10-30T12:34:56Z");
    let keys_body = send(&sim, &get("/v1/user/ci-deployer/accesskey"))
        .await
        .ok();
    let list = keys_body["accessKeys"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], keys::CI_DEPLOYER.0);
    assert!(list[0]["createTime"].as_str().unwrap().ends_with('Z'));
    let never = send(&sim, &get("/v1/user/iam-only/accesskey")).await.ok();
    assert_eq!(
        never["accessKeys"][0]["lastUsedTime"],
        "0001-01-01T00:00:00Z"
    );

    let profile = send(&sim, &get("/v1/user/alice/loginProfile")).await.ok();
    assert_eq!(profile["enabledLoginMfa"], false);
    assert_eq!(profile["enabledLogin"], true);
    send(&sim, &get("/v1/user/vigil-auditor/loginProfile"))
        .await
        .assert_error(404, "NoSuchObject");
    send(&sim, &get("/v1/user/nobody"))
        .await
        .assert_error(404, "NoSuchObject");

    let policies = send(&sim, &get("/v1/user/bj-only/policy")).await.ok();
    let p = &policies["policies"][0];
    assert_eq!(p["name"], "bcc-read-bj");
    assert_eq!(p["type"], "Custom");
    assert!(p["attachTime"].is_string());
    let doc: Value = serde_json::from_str(p["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["accessControlList"][0]["region"], "bj");

    let groups = send(&sim, &get("/v1/user/alice/group")).await.ok();
    assert_eq!(groups["groups"][0]["name"], "admins");
    let members = send(&sim, &get("/v1/group/ops/user")).await.ok();
    assert_eq!(members["users"][0]["name"], "ci-deployer");
    let gp = send(&sim, &get("/v1/group/ops/policy")).await.ok();
    assert_eq!(gp["policies"][0]["name"], "BCCFullControlAccessPolicy");
    assert_eq!(gp["policies"][0]["type"], "System");
    assert!(
        send(&sim, &get("/v1/group")).await.ok()["groups"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );

    let system = send(&sim, &get("/v1/policy").query("policyType", "System"))
        .await
        .ok();
    let system_names: Vec<&str> = system["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "AdministratorAccess",
        "GlobalReadPolicy",
        "IAMReadAccessPolicy",
        "BCCReadAccessPolicy",
        "VPCReadAccessPolicy",
        "EIPReadAccessPolicy",
        "RDSReadAccessPolicy",
        "RedisReadAccessPolicy",
        "KAFKAReadAccessPolicy",
        "MONGODBReadAccessPolicy",
        "BOSLISTANDReadAccessPolicy",
        "BLBReadAccessPolicy",
        "BCCFullControlAccessPolicy",
    ] {
        assert!(system_names.contains(&name), "{name}");
    }
    assert!(system["policies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["type"] == "System"));
    let custom = send(&sim, &get("/v1/policy").query("policyType", "Custom"))
        .await
        .ok();
    assert_eq!(custom["policies"].as_array().unwrap().len(), 2);
    let both = send(&sim, &get("/v1/policy")).await.ok();
    assert_eq!(
        both["policies"].as_array().unwrap().len(),
        system_names.len() + 2
    );
    let filtered = send(&sim, &get("/v1/policy").query("nameFilter", "bcc"))
        .await
        .ok();
    assert!(filtered["policies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["name"].as_str().unwrap().to_lowercase().contains("bcc")));
    let bcc_read = send(
        &sim,
        &get("/v1/policy/BCCReadAccessPolicy").query("policyType", "System"),
    )
    .await
    .ok();
    let doc: Value = serde_json::from_str(bcc_read["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["accessControlList"][0]["service"], "bce:bcc");
    send(
        &sim,
        &get("/v1/policy/BCCReadAccessPolicy").query("policyType", "Custom"),
    )
    .await
    .assert_error(404, "NoSuchObject");
    send(&sim, &get("/v1/policy").query("policyType", "Weird"))
        .await
        .assert_error(400, "InvalidHTTPRequest");
    let roles = send(&sim, &get("/v1/role")).await.ok();
    assert_eq!(roles["roles"][0]["name"], "BceServiceRole_audit");

    // No secret of the world appears in any IAM answer.
    let mut everything = String::new();
    for path in [
        "/v1/user",
        "/v1/user/alice",
        "/v1/user/alice/accesskey",
        "/v1/user/ci-deployer/accesskey",
        "/v1/user/vigil-auditor/accesskey",
        "/v1/group",
        "/v1/policy",
        "/v1/role",
    ] {
        everything.push_str(&send(&sim, &get(path)).await.ok().to_string());
    }
    let account = &world.accounts[0];
    for key in account
        .root_access_keys
        .iter()
        .chain(account.users.iter().flat_map(|u| u.access_keys.iter()))
    {
        assert!(!everything.contains(&key.secret_access_key));
    }
    assert!(everything.contains(keys::CI_DEPLOYER.0));

    // The other host name of IAM works too.
    send(&sim, &Call::get("iam.baidubce.com", "/v1/user", DEMO))
        .await
        .ok();
}

#[tokio::test]
async fn vpc_apis_on_the_bcc_host() {
    let sim = start_default().await;
    let key = keys::GLOBAL_READER;
    let vpcs = send(&sim, &Call::get(BJ, "/v1/vpc", key)).await.ok();
    let list = vpcs["vpcs"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let vpc_id = list[0]["vpcId"].as_str().unwrap();
    let detail = send(&sim, &Call::get(BJ, &format!("/v1/vpc/{vpc_id}"), key))
        .await
        .ok();
    assert!(!detail["vpc"]["subnets"].as_array().unwrap().is_empty());
    let defaults = send(
        &sim,
        &Call::get(BJ, "/v1/vpc", key).query("isDefault", "true"),
    )
    .await
    .ok();
    assert_eq!(defaults["vpcs"].as_array().unwrap().len(), 1);
    let subnets = send(
        &sim,
        &Call::get(BJ, "/v1/subnet", key).query("vpcId", vpc_id),
    )
    .await
    .ok();
    let subnet_id = subnets["subnets"][0]["subnetId"].as_str().unwrap();
    let acl = send(&sim, &Call::get(BJ, "/v1/acl", key).query("vpcId", vpc_id))
        .await
        .ok();
    assert_eq!(acl["vpcId"], vpc_id);
    assert!(acl["aclEntrys"][0]["aclRules"].as_array().unwrap().len() >= 2);
    let rules = send(
        &sim,
        &Call::get(BJ, "/v1/acl/rule", key).query("subnetId", subnet_id),
    )
    .await
    .ok();
    assert_eq!(rules["isTruncated"], false);
    assert!(rules["aclRules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["action"] == "deny"));
    send(&sim, &Call::get(BJ, "/v1/acl", key))
        .await
        .assert_error(400, "InvalidHTTPRequest");
}

#[tokio::test]
async fn injected_faults_fail_n_times_then_recover() {
    let sim = start_default().await;
    let list = Call::get(BJ, "/v2/instance", DEMO);
    sim.inject_fault(Fault {
        service: "bcc".into(),
        region: None,
        path_prefix: None,
        status: 503,
        code: "ServiceUnavailable".into(),
        times: 2,
    });
    // An unauthenticated request fails authentication and does not consume the fault.
    send(&sim, &list.clone().auth(Auth::Key(DEMO.0, "wrong")))
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    // IAM is another service.
    send(&sim, &Call::get(IAM, "/v1/user", DEMO)).await.ok();
    send(&sim, &list)
        .await
        .assert_error(503, "ServiceUnavailable");
    send(&sim, &list)
        .await
        .assert_error(503, "ServiceUnavailable");
    send(&sim, &list).await.ok();

    // Region and path filters.
    sim.inject_fault(Fault::new("bcc", 500, "InternalError", 1).in_region("gz"));
    sim.inject_fault(
        Fault::new("bcc", 429, "RequestLimitExceeded", 1).with_path_prefix("/v2/securityGroup"),
    );
    send(&sim, &list).await.ok();
    send(&sim, &Call::get(BJ, "/v2/securityGroup", DEMO))
        .await
        .assert_error(429, "RequestLimitExceeded");
    send(&sim, &Call::get(BJ, "/v2/securityGroup", DEMO))
        .await
        .ok();
    let r = send(&sim, &Call::get(GZ, "/v2/instance", DEMO)).await;
    r.assert_error(500, "InternalError");
    send(&sim, &Call::get(GZ, "/v2/instance", DEMO)).await.ok();

    // A fault on the `vpc` API service matches /v1 paths on the bcc host only.
    sim.inject_fault(Fault::new("vpc", 500, "InternalError", 5));
    send(&sim, &list).await.ok();
    send(&sim, &Call::get(BJ, "/v1/vpc", keys::GLOBAL_READER))
        .await
        .assert_error(500, "InternalError");
    sim.clear_faults();
    send(&sim, &Call::get(BJ, "/v1/vpc", keys::GLOBAL_READER))
        .await
        .ok();

    // IAM faults.
    sim.inject_fault(Fault::new("iam", 500, "InternalError", 1));
    send(&sim, &Call::get(IAM, "/v1/user", DEMO))
        .await
        .assert_error(500, "InternalError");
    send(&sim, &Call::get(IAM, "/v1/user", DEMO)).await.ok();
}

#[tokio::test]
async fn keys_can_be_disabled_at_runtime_and_requests_are_counted() {
    let sim = start_default().await;
    let before = sim.request_count();
    let list = Call::get(BJ, "/v2/instance", DEMO);
    send(&sim, &list).await.ok();
    sim.set_key_enabled(DEMO_ACCESS_KEY_ID, false);
    let r = send(&sim, &list).await;
    r.assert_error(403, "InvalidAccessKeyId");
    assert!(r.body["message"].as_str().unwrap().contains("disabled"));
    sim.set_key_enabled(DEMO_ACCESS_KEY_ID, true);
    send(&sim, &list).await.ok();
    // A disabled user's keys are refused even when the key itself is enabled.
    sim.update_world(|w| {
        let user = w.accounts[0]
            .users
            .iter_mut()
            .find(|u| u.name == "vigil-auditor")
            .unwrap();
        user.enabled = false;
    });
    send(&sim, &list)
        .await
        .assert_error(403, "InvalidAccessKeyId");
    // Error replies are counted too.
    send(&sim, &Call::get("example.com", "/", DEMO))
        .await
        .assert_error(421, "UnknownHost");
    assert_eq!(sim.request_count() - before, 5);
    assert!(
        !sim.world_snapshot().accounts[0]
            .user("vigil-auditor")
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn the_token_bucket_answers_429_with_the_throttling_body() {
    let mut world = World::default_world();
    world.limits = Some(Limits {
        requests_per_second_per_key: 2.0,
    });
    let sim = start(world).await;
    let list = Call::get(BJ, "/v2/instance", DEMO);
    send(&sim, &list).await.ok();
    send(&sim, &list).await.ok();
    let r = send(&sim, &list).await;
    r.assert_error(429, "RequestLimitExceeded");
    assert_eq!(r.body["message"], "Request rate exceeded the limit.");
    // Another key has its own bucket.
    send(&sim, &Call::get(BJ, "/v2/instance", keys::GLOBAL_READER))
        .await
        .ok();
    tokio::time::sleep(Duration::from_millis(700)).await;
    send(&sim, &list).await.ok();
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sim = start_default().await;
    let clone = sim.clone();
    send(&sim, &Call::get(BJ, "/v2/instance", DEMO)).await.ok();
    clone.shutdown();
    tokio::time::timeout(Duration::from_secs(10), sim.stopped())
        .await
        .expect("stops");
    assert!(tokio::net::TcpStream::connect(sim.addr()).await.is_err());
}

#[tokio::test]
async fn an_invalid_world_does_not_start() {
    let mut world = World::default_world();
    world.accounts[0].users[0]
        .policies
        .push("NoSuchPolicy".into());
    let err = vigil_baidu_sim::Simulator::start(world, LOOPBACK.parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("NoSuchPolicy"), "{err}");
}
