//! The global products over real HTTP on loopback: BOS (both addressing styles, every bucket
//! sub-resource, errors, policy enforcement) and the IAM risks of the built-in and generated
//! worlds.

mod common;

use chrono::Utc;
use common::*;
use serde_json::Value;
use vigil_baidu_auth::{format_timestamp, sign, HeaderSelection, RequestToSign};
use vigil_baidu_sim::{keys, GenerateOptions, World, DEFAULT_ACCOUNT_ID};
use vigil_core::Secret;

const READER: (&str, &str) = keys::GLOBAL_READER;

/// Every bucket of the default world: (name, region).
fn world_buckets(world: &World) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in &world.accounts()[0].regions {
        for b in world.resources(DEFAULT_ACCOUNT_ID, &r.region_id, "bos_buckets") {
            out.push((b["name"].as_str().unwrap().to_string(), r.region_id.clone()));
        }
    }
    out
}

fn config<'w>(world: &'w World, region: &str, bucket: &str) -> &'w Value {
    world
        .resources(DEFAULT_ACCOUNT_ID, region, "bos_bucket_configs")
        .iter()
        .find(|c| c["bucket"] == bucket)
        .unwrap()
}

/// A path-style and a virtual-host call for one bucket sub-resource.
fn both_styles(bucket: &str, region: &str, key: &str) -> [Call; 2] {
    [
        Call::get(
            &format!("{region}.bcebos.com"),
            &format!("/{bucket}"),
            READER,
        )
        .query(key, ""),
        Call::get(&format!("{bucket}.{region}.bcebos.com"), "/", READER).query(key, ""),
    ]
}

#[tokio::test]
async fn list_buckets_returns_every_region_from_any_region() {
    let sim = start_default().await;
    let world = World::default_world();
    let expected = world_buckets(&world);
    assert!(expected.len() >= 6);
    assert!(
        expected
            .iter()
            .map(|(_, r)| r)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            >= 3
    );
    for host in ["bj.bcebos.com", "gz.bcebos.com", "su.bcebos.com:8080"] {
        let body = send(&sim, &Call::get(host, "/", READER)).await.ok();
        assert_eq!(body["owner"]["id"], DEFAULT_ACCOUNT_ID);
        assert!(body["owner"]["displayName"].is_string());
        let got: Vec<(String, String)> = body["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["name"].as_str().unwrap().to_string(),
                    b["location"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, expected, "{host}");
        // Served verbatim: the first bucket of a region is fully populated.
        let first = &body["buckets"][0];
        for field in [
            "name",
            "location",
            "creationDate",
            "enableMultiAz",
            "enableDedicated",
        ] {
            assert!(first.get(field).is_some(), "{field}");
        }
        assert!(body.get("isTruncated").is_none(), "no pagination");
    }
}

#[tokio::test]
async fn bucket_settings_answer_in_both_addressing_styles() {
    let sim = start_default().await;
    let world = World::default_world();
    let mut seen_public = false;
    let mut seen_private = false;
    for (bucket, region) in world_buckets(&world) {
        let conf = config(&world, &region, &bucket);
        for key in ["acl", "encryption", "logging", "versioning", "location"] {
            let [path, virtual_host] = both_styles(&bucket, &region, key);
            let a = send(&sim, &path).await.ok();
            let b = send(&sim, &virtual_host).await.ok();
            assert_eq!(a, b, "{bucket} ?{key}");
            match key {
                "acl" => {
                    assert_eq!(a["owner"]["id"], DEFAULT_ACCOUNT_ID);
                    let acl = a["accessControlList"].as_array().unwrap();
                    assert_eq!(acl[0]["grantee"][0]["id"], DEFAULT_ACCOUNT_ID);
                    assert_eq!(acl[0]["permission"][0], "FULL_CONTROL");
                    let everyone = acl.iter().any(|e| e["grantee"][0]["id"] == "*");
                    let canned = conf["acl"].as_str().unwrap();
                    assert_eq!(
                        everyone,
                        canned != "private" || conf.get("grants").is_some(),
                        "{bucket}"
                    );
                    seen_public |= everyone;
                    seen_private |= !everyone;
                }
                "encryption" => assert_eq!(
                    a["encryptionAlgorithm"],
                    conf.get("encryptionAlgorithm")
                        .cloned()
                        .unwrap_or("NONE".into())
                ),
                "logging" => match conf.get("logging") {
                    Some(l) => {
                        assert_eq!(a["status"], "enabled");
                        assert_eq!(a["targetBucket"], l["targetBucket"]);
                        assert_eq!(a["targetPrefix"], l["targetPrefix"]);
                    }
                    None => assert_eq!(a, serde_json::json!({"status": "disabled"})),
                },
                "versioning" => assert_eq!(
                    a["status"],
                    conf.get("versioning").cloned().unwrap_or("disabled".into())
                ),
                _ => assert_eq!(a["locationConstraint"], region.as_str()),
            }
        }
    }
    assert!(seen_public && seen_private);
}

/// The Go SDK's wire form `?acl` (no `=`) and the Python SDK's `?acl=` both sign as `acl=`.
#[tokio::test]
async fn a_value_less_query_key_works_with_and_without_equals() {
    let sim = start_default().await;
    let world = World::default_world();
    let (bucket, region) = world_buckets(&world).remove(0);
    let host = format!("{bucket}.{region}.bcebos.com");
    let headers = vec![
        ("host".to_string(), host.clone()),
        ("x-bce-date".to_string(), format_timestamp(Utc::now())),
    ];
    let query = vec![("acl".to_string(), String::new())];
    let authorization = sign(
        &RequestToSign {
            method: "GET",
            path: "/",
            query: &query,
            headers: &headers,
        },
        READER.0,
        &Secret::new(READER.1),
        Utc::now(),
        1800,
        &HeaderSelection::from_field("host;x-bce-date"),
    );
    for wire in ["acl", "acl="] {
        let mut req = reqwest::Client::new().get(format!("http://{}/?{wire}", sim.addr()));
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req
            .header("authorization", authorization.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "?{wire}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["accessControlList"].is_array(), "?{wire}: {body}");
    }
}

#[tokio::test]
async fn bos_errors() {
    let sim = start_default().await;
    let world = World::default_world();
    let buckets = world_buckets(&world);
    let (bucket, region) = &buckets[0];
    // Unknown bucket, in both styles.
    for call in both_styles("no-such-bucket", "bj", "acl") {
        send(&sim, &call).await.assert_error(404, "NoSuchBucket");
    }
    // A bucket asked through another region's endpoint; its location answers anywhere.
    let other = buckets.iter().find(|(_, r)| r != region).unwrap().1.clone();
    for call in both_styles(bucket, &other, "encryption") {
        send(&sim, &call).await.assert_error(404, "NoSuchBucket");
    }
    for call in both_styles(bucket, &other, "location") {
        assert_eq!(
            send(&sim, &call).await.ok()["locationConstraint"],
            region.as_str()
        );
    }
    // No sub-resource (ListObjects) and writes are not simulated.
    send(
        &sim,
        &Call::get(
            &format!("{region}.bcebos.com"),
            &format!("/{bucket}"),
            READER,
        ),
    )
    .await
    .assert_error(404, "InvalidURI");
    let put = Call::post(
        &format!("{region}.bcebos.com"),
        &format!("/{bucket}"),
        READER,
        "{}",
    )
    .query("acl", "");
    send(&sim, &put).await.assert_error(404, "InvalidURI");
    // A region no account has is a DNS failure; so is a malformed bucket label.
    for host in ["zz.bcebos.com", "x_y.bj.bcebos.com", "a.b.bj.bcebos.com"] {
        send(&sim, &Call::get(host, "/", READER))
            .await
            .assert_error(421, "UnknownHost");
    }
}

#[tokio::test]
async fn bos_needs_its_read_policy() {
    let sim = start_default().await;
    let world = World::default_world();
    let (bucket, region) = world_buckets(&world).remove(0);
    let calls = |key: (&'static str, &'static str)| {
        let mut c = vec![Call::get("bj.bcebos.com", "/", key)];
        for sub in ["acl", "logging"] {
            for mut call in both_styles(&bucket, &region, sub) {
                call.auth = Auth::Key(key.0, key.1);
                c.push(call);
            }
        }
        c
    };
    // iam-only and the auditor (IAM + BCC) may not read BOS.
    for key in [keys::IAM_ONLY, keys::AUDITOR] {
        for call in calls(key) {
            send(&sim, &call).await.assert_error(403, "AccessDenied");
        }
    }
    // BOSLISTANDReadAccessPolicy alone is enough.
    sim.set_user_policies("iam-only", vec!["BOSLISTANDReadAccessPolicy".into()]);
    for call in calls(keys::IAM_ONLY) {
        send(&sim, &call).await.ok();
    }
    // GlobalReadPolicy too, and root keys may do everything.
    for key in [keys::GLOBAL_READER, keys::ROOT] {
        for call in calls(key) {
            send(&sim, &call).await.ok();
        }
    }
}

#[test]
fn generated_worlds_have_buckets_everywhere_and_iam_risks() {
    let world = World::generate(&GenerateOptions {
        regions: 4,
        instances_per_region: 2,
        security_groups_per_region: 1,
        users: 6,
        resources_per_region: 12,
        seed: 5,
    });
    world.validate().unwrap();
    let account = &world.accounts()[0];
    let mut names = std::collections::HashSet::new();
    let mut public = 0;
    let mut unencrypted = 0;
    for r in &account.regions {
        let buckets = world.resources(&account.id, &r.region_id, "bos_buckets");
        assert_eq!(buckets.len(), 12, "{}", r.region_id);
        for b in buckets {
            assert_eq!(b["location"], r.region_id.as_str());
            assert!(names.insert(b["name"].as_str().unwrap().to_string()));
        }
        let configs = world.resources(&account.id, &r.region_id, "bos_bucket_configs");
        assert_eq!(configs.len(), 12);
        public += configs.iter().filter(|c| c["acl"] != "private").count();
        unencrypted += configs
            .iter()
            .filter(|c| c.get("encryptionAlgorithm").is_none())
            .count();
    }
    assert!(public > 4 && public < 40, "{public}");
    assert!(unencrypted > 4 && unencrypted < 40, "{unencrypted}");

    // IAM: console logins without MFA, with MFA, old keys, an administrator.
    let generated: Vec<_> = account
        .users
        .iter()
        .filter(|u| u.name.starts_with("user-"))
        .collect();
    assert_eq!(generated.len(), 6);
    assert!(generated[0]
        .policies
        .contains(&"AdministratorAccess".to_string()));
    let profile = generated[0].login_profile.as_ref().unwrap();
    assert!(profile.enabled_login && !profile.enabled_login_mfa);
    let users = account.served_iam_users();
    assert_eq!(users.len(), account.users.len());
    assert!(account.users.iter().any(|u| u
        .login_profile
        .as_ref()
        .is_some_and(|p| p.enabled_login_mfa)));
    let old = chrono::DateTime::parse_from_rfc3339("2023-01-01T00:00:00Z").unwrap();
    assert!(account
        .users
        .iter()
        .flat_map(|u| &u.access_keys)
        .any(|k| k.enabled && k.create_time < old));
    assert_eq!(
        account.served_iam_custom_policies().len(),
        account.custom_policies.len()
    );
    assert_eq!(account.served_iam_groups().len(), account.groups.len());
}
