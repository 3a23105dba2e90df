//! The world file format, validation, the default world and the generator.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde_json::Value;
use vigil_baidu_sim::{
    keys, GenerateOptions, World, WorldError, DEFAULT_ACCOUNT_ID, DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn problems(err: WorldError) -> Vec<String> {
    match err {
        WorldError::Invalid { problems, .. } => problems,
        other => panic!("expected Invalid, got {other}"),
    }
}

fn invalid(mutate: impl FnOnce(&mut World)) -> Vec<String> {
    let mut w = World::default_world();
    mutate(&mut w);
    problems(w.validate().unwrap_err())
}

#[test]
fn the_default_world_is_valid_and_round_trips_through_json() {
    let w = World::default_world();
    w.validate().unwrap();
    let text = w.to_json_pretty();
    let back = World::from_json(&text).unwrap();
    assert_eq!(back, w);
    assert_eq!(World::default_world(), w, "deterministic");
    let dir = std::env::temp_dir().join(format!("vigil-sim-world-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("world.json");
    std::fs::write(&file, &text).unwrap();
    assert_eq!(World::from_file(&file).unwrap(), w);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn validation_reports_every_problem_with_its_location() {
    let p = invalid(|w| {
        let dup = w.accounts[0].users[0].access_keys[0].clone();
        w.accounts[0].users[1].access_keys.push(dup);
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("duplicate access key id") && p[0].contains("global-reader"),
        "{p:?}"
    );

    let p = invalid(|w| {
        w.accounts[0].users[0]
            .policies
            .push("BCCReadAccesPolicy".into())
    });
    assert!(
        p[0].contains("unknown policy \"BCCReadAccesPolicy\"")
            && p[0].contains("users[0] (vigil-auditor)"),
        "{p:?}"
    );

    let p = invalid(|w| w.accounts[0].groups[0].policies.push("Nope".into()));
    assert!(
        p[0].contains("groups[0] (admins)") && p[0].contains("unknown policy"),
        "{p:?}"
    );

    let p = invalid(|w| w.accounts[0].users[0].groups.push("ghosts".into()));
    assert!(p[0].contains("unknown group \"ghosts\""), "{p:?}");

    let p = invalid(|w| {
        let bj = w.accounts[0].resources["bj"].clone();
        w.accounts[0].resources.insert("sin".into(), bj);
    });
    assert!(
        p[0].contains("resources.sin") && p[0].contains("not listed"),
        "{p:?}"
    );

    let p = invalid(|w| {
        let list = w.accounts[0]
            .resources
            .get_mut("gz")
            .unwrap()
            .get_mut("bcc_instances")
            .unwrap();
        let first = list[0].clone();
        list.push(first);
        list.push(serde_json::json!("not an object"));
        list.push(serde_json::json!({"name": "no id"}));
    });
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p[0].contains("resources.gz.bcc_instances[6]") && p[0].contains("duplicate id"),
        "{p:?}"
    );
    assert!(p[1].contains("must be a JSON object"), "{p:?}");
    assert!(p[2].contains("missing or empty string field `id`"), "{p:?}");

    let p = invalid(|w| {
        let dup = w.accounts[0].clone();
        w.accounts.push(dup);
    });
    assert!(
        p.iter().any(|m| m.contains("duplicate account id")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|m| m.contains("duplicate access key id")),
        "{p:?}"
    );

    let p = invalid(|w| {
        w.accounts[0].custom_policies[0].name = "GlobalReadPolicy".into();
        w.accounts[0].custom_policies[1].document =
            serde_json::json!({"accessControlList": [{"service": "bcc"}]});
    });
    assert!(p.iter().any(|m| m.contains("system policy name")), "{p:?}");
    assert!(p.iter().any(|m| m.contains("invalid `document`")), "{p:?}");

    let p = invalid(|w| {
        let first = w.accounts[0].regions[0].clone();
        w.accounts[0].regions.push(first);
        w.accounts[0].regions[1].region_id = "GZ".into();
    });
    assert!(
        p.iter().any(|m| m.contains("duplicate region \"bj\"")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|m| m.contains("invalid region id \"GZ\"")),
        "{p:?}"
    );

    let p = invalid(|w| {
        w.limits = Some(vigil_baidu_sim::Limits {
            requests_per_second_per_key: 0.0,
        })
    });
    assert!(p[0].contains("limits.requests_per_second_per_key"), "{p:?}");

    let p = invalid(|w| w.accounts.clear());
    assert!(p[0].contains("at least one account"), "{p:?}");

    // The summary names every problem.
    let mut w = World::default_world();
    w.accounts[0].users[0].policies.push("X1".into());
    w.accounts[0].users[1].policies.push("X2".into());
    let text = w.validate().unwrap_err().to_string();
    assert!(text.contains("X1") && text.contains("X2"), "{text}");
}

#[test]
fn parse_errors_name_the_file_line_column_and_field() {
    let dir = std::env::temp_dir().join(format!("vigil-sim-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let missing = dir.join("nope.json");
    let err = World::from_file(&missing).unwrap_err();
    assert!(matches!(err, WorldError::Io { .. }));
    assert!(err.to_string().contains("nope.json"), "{err}");

    let syntax = dir.join("syntax.json");
    std::fs::write(&syntax, "{\n  \"accounts\": [\n    {,\n  ]\n}").unwrap();
    let err = World::from_file(&syntax).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("syntax.json") && text.contains("line 3"),
        "{text}"
    );

    // A wrong type deep inside: the serde path says where.
    let mut v: Value = serde_json::from_str(&World::default_world().to_json_pretty()).unwrap();
    v["accounts"][0]["users"][2]["enabled"] = Value::String("yes".into());
    let typed = dir.join("typed.json");
    std::fs::write(&typed, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    match World::from_file(&typed).unwrap_err() {
        WorldError::Parse {
            origin,
            field,
            line,
            ..
        } => {
            assert!(origin.contains("typed.json"));
            assert_eq!(field, "accounts[0].users[2].enabled");
            assert!(line > 1);
        }
        other => panic!("{other}"),
    }

    // Unknown fields are typos, not silently ignored.
    let mut v: Value = serde_json::from_str(&World::default_world().to_json_pretty()).unwrap();
    v["accounts"][0]["users"][0]["polices"] = serde_json::json!([]);
    let err = World::from_json(&v.to_string()).unwrap_err().to_string();
    assert!(
        err.contains("polices") && err.contains("accounts[0].users[0]"),
        "{err}"
    );

    // A missing required field.
    let err = World::from_json(r#"{"accounts":[{"id":"a","name":"n"}]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("regions"), "{err}");

    // Validation errors from a file name the file too.
    let mut w = World::default_world();
    w.accounts[0].users[0].groups.push("ghosts".into());
    let bad = dir.join("bad.json");
    std::fs::write(&bad, w.to_json_pretty()).unwrap();
    let err = World::from_file(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.json") && err.contains("ghosts"), "{err}");

    // Trailing garbage.
    let err = World::from_json(&format!("{} x", World::default_world().to_json_pretty()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("trailing"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_minimal_hand_written_world_loads() {
    let w = World::from_json(
        r#"{
          "accounts": [{
            "id": "acc1", "name": "tiny",
            "root_access_keys": [{"access_key_id": "ak1", "secret_access_key": "sk1"}],
            "users": [{"name": "u", "id": "u1", "policies": ["BCCReadAccessPolicy"],
                       "access_keys": [{"access_key_id": "ak2", "secret_access_key": "sk2", "enabled": false}]}],
            "regions": [{"regionId": "bj", "regionName": "Beijing"}, {"regionId": "gz", "regionName": "Guangzhou"}],
            "resources": {"bj": {"bcc_instances": [{"id": "i-1", "name": "a"}], "eip_list": [{"eip": "1.2.3.4"}]}}
          }]
        }"#,
    )
    .unwrap();
    assert_eq!(w.resources("acc1", "bj", "bcc_instances").len(), 1);
    // By access key id too.
    assert_eq!(w.resources("ak2", "bj", "bcc_instances").len(), 1);
    assert_eq!(w.resources("acc1", "bj", "eip_list").len(), 1);
    assert!(w.resources("acc1", "gz", "bcc_instances").is_empty());
    assert!(w.resources("nobody", "bj", "bcc_instances").is_empty());
    assert!(w.accounts()[0].users[0].enabled);
    assert!(!w.accounts()[0].users[0].access_keys[0].enabled);
}

/// A fully populated fixture: (1) every key path of `sample` exists in `item` (for arrays
/// of objects: in at least one element, since BCE puts `sourceIp` on ingress and `destIp` on
/// egress rules only); (2) every leaf of `item` is non-empty (no empty string, array, object
/// or null anywhere), the same rule the conformance suite applies.
fn fully_populated(sample: &Value, item: &Value, path: &str) -> Result<(), String> {
    covers(sample, item, path)?;
    no_empty_leaf(item, path)
}

fn covers(sample: &Value, item: &Value, path: &str) -> Result<(), String> {
    match (sample, item) {
        (Value::Object(s), Value::Object(i)) => {
            for (k, sv) in s {
                let iv = i.get(k).ok_or_else(|| format!("{path}.{k} is missing"))?;
                covers(sv, iv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(s), Value::Array(i)) => {
            let sample_keys: BTreeSet<&String> = s
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys())
                .collect();
            for key in sample_keys {
                if !i.iter().any(|el| el.get(key).is_some()) {
                    return Err(format!("{path}[*].{key} is missing in every element"));
                }
            }
            Ok(())
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => Ok(()),
        (s, i) => Err(format!("{path}: sample {s} vs item {i} differ in type")),
    }
}

fn no_empty_leaf(item: &Value, path: &str) -> Result<(), String> {
    match item {
        Value::Object(m) if !m.is_empty() => m
            .iter()
            .try_for_each(|(k, v)| no_empty_leaf(v, &format!("{path}.{k}"))),
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .enumerate()
            .try_for_each(|(n, v)| no_empty_leaf(v, &format!("{path}[{n}]"))),
        Value::String(t) if !t.is_empty() => Ok(()),
        Value::Number(_) | Value::Bool(_) => Ok(()),
        other => Err(format!("{path} is empty ({other})")),
    }
}

fn fully_populated_all(samples: &[Value], item: &Value) -> Result<(), String> {
    samples
        .iter()
        .try_for_each(|s| fully_populated(s, item, "item"))
}

/// Panics unless `region` of `world` has a fully populated item in every collection.
fn assert_full_fixtures(world: &World, account: &str, region: &str) {
    let cases: [(&str, Vec<Value>); 5] = [
        (
            "bcc_instances",
            vec![
                fixture("bcc.list_instances.json")["instances"][0].clone(),
                fixture("bcc.get_instance.json")["instance"].clone(),
            ],
        ),
        (
            "bcc_security_groups",
            vec![
                fixture("bcc.list_security_groups.json")["securityGroups"][0].clone(),
                fixture("bcc.get_security_group.json"),
            ],
        ),
        (
            "vpc_vpcs",
            vec![fixture("vpc.list_vpcs.json")["vpcs"][0].clone()],
        ),
        (
            "vpc_subnets",
            vec![fixture("vpc.list_subnets.json")["subnets"][0].clone()],
        ),
        (
            "vpc_acl_rules",
            vec![fixture("vpc.list_acl_rules.json")["aclRules"][0].clone()],
        ),
    ];
    for (collection, samples) in cases {
        let items = world.resources(account, region, collection);
        if collection == "vpc_acl_rules" && items.is_empty() {
            continue;
        }
        if !items
            .iter()
            .any(|i| fully_populated_all(&samples, i).is_ok())
        {
            let why: Vec<String> = items
                .iter()
                .filter_map(|i| fully_populated_all(&samples, i).err())
                .collect();
            panic!("no fully populated {collection} in {region}: {why:?}");
        }
    }
}

#[test]
fn every_region_with_resources_has_fully_populated_fixtures() {
    let w = World::default_world();
    for region in ["bj", "gz", "su"] {
        assert_full_fixtures(&w, DEFAULT_ACCOUNT_ID, region);
        let instances = w.resources(DEFAULT_ACCOUNT_ID, region, "bcc_instances");
        assert!((4..=8).contains(&instances.len()), "{region}");
        let sgs = w.resources(DEFAULT_ACCOUNT_ID, region, "bcc_security_groups");
        assert!((3..=5).contains(&sgs.len()), "{region}");
        // Every instance's security groups exist in the same region, and every group's
        // bindInstanceNum is right.
        let sg_ids: HashSet<&str> = sgs.iter().map(|g| g["id"].as_str().unwrap()).collect();
        for i in instances {
            for g in i["nicInfo"]["securityGroups"].as_array().unwrap() {
                assert!(sg_ids.contains(g.as_str().unwrap()), "{region}: {g}");
            }
        }
        for g in sgs {
            let n = instances
                .iter()
                .filter(|i| {
                    i["nicInfo"]["securityGroups"]
                        .as_array()
                        .unwrap()
                        .contains(&g["id"])
                })
                .count();
            assert_eq!(g["bindInstanceNum"], n);
        }
    }
    // Generated worlds have them in every region too (the conformance suite runs on those).
    let g = World::generate(&GenerateOptions::default());
    let account = g.accounts()[0].id.clone();
    for r in &g.accounts()[0].regions {
        assert_full_fixtures(&g, &account, &r.region_id);
    }

    // The checker is not vacuous.
    let samples = [fixture("bcc.list_instances.json")["instances"][0].clone()];
    let full = w
        .resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances")
        .iter()
        .find(|i| fully_populated_all(&samples, i).is_ok())
        .unwrap()
        .clone();
    assert!(!full["gpuCard"].as_str().unwrap().is_empty());
    let mut broken = full.clone();
    broken["roleName"] = Value::String(String::new());
    assert!(fully_populated_all(&samples, &broken).is_err());
    let mut broken = full.clone();
    broken["nicInfo"]["ips"][0]
        .as_object_mut()
        .unwrap()
        .remove("eipGroupId");
    assert!(fully_populated_all(&samples, &broken).is_err());
    let mut broken = full;
    broken["volumes"] = serde_json::json!([]);
    assert!(fully_populated_all(&samples, &broken).is_err());
    let plain = &w.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances")[1];
    assert!(fully_populated_all(&samples, plain).is_err());
}

#[test]
fn the_default_world_has_misconfigurations_and_clean_groups() {
    let w = World::default_world();
    let all_rules: Vec<(String, Value)> = ["bj", "gz", "su"]
        .iter()
        .flat_map(|r| w.resources(DEFAULT_ACCOUNT_ID, r, "bcc_security_groups"))
        .flat_map(|g| {
            let name = g["name"].as_str().unwrap().to_string();
            g["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |r| (name.clone(), r.clone()))
        })
        .collect();
    let open = |port: &str, source: &str| {
        all_rules.iter().any(|(_, r)| {
            r["direction"] == "ingress" && r["portRange"] == port && r["sourceIp"] == source
        })
    };
    assert!(open("22", "0.0.0.0/0"), "ssh open to the world");
    assert!(open("3389", "all"), "rdp open to all");
    assert!(open("22", "::/0"), "ssh over IPv6");
    assert!(all_rules
        .iter()
        .any(|(_, r)| r["sourceIp"] == "::/0" && r["protocol"] == "all"));
    let clean = all_rules
        .iter()
        .filter(|(name, _)| name == "db-sg")
        .all(|(_, r)| r["direction"] == "egress" || r["sourceIp"] != "0.0.0.0/0");
    assert!(clean);
    let instances = w.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances");
    assert!(instances.iter().any(|i| i["publicIp"] != ""));
    assert!(instances.iter().any(|i| i["publicIp"] == ""));
    assert!(instances.iter().any(|i| i["status"] == "Stopped"));
    let regions: Vec<&str> = w.accounts()[0]
        .regions
        .iter()
        .map(|r| r.region_id.as_str())
        .collect();
    assert_eq!(regions, ["bj", "gz", "su", "bd", "fwh", "hkg"]);
}

#[test]
fn demo_keys_look_like_bce_keys_and_match_their_users() {
    let w = World::default_world();
    let account = &w.accounts()[0];
    let hex32 = |s: &str| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    for (user, key) in [
        (
            "vigil-auditor",
            (DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY),
        ),
        ("global-reader", keys::GLOBAL_READER),
        ("iam-only", keys::IAM_ONLY),
        ("bj-only", keys::BJ_ONLY),
        ("disabled-user", keys::DISABLED),
        ("deny-gz", keys::DENY_GZ),
        ("alice", keys::ADMIN),
        ("ci-deployer", keys::CI_DEPLOYER),
    ] {
        assert!(hex32(key.0) && hex32(key.1), "{user}");
        let u = account.user(user).unwrap();
        let k = u
            .access_keys
            .iter()
            .find(|k| k.access_key_id == key.0)
            .unwrap_or_else(|| panic!("{user} owns its key"));
        assert_eq!(k.secret_access_key, key.1);
        assert_eq!(k.enabled, user != "disabled-user");
    }
    assert_eq!(account.root_access_keys[0].access_key_id, keys::ROOT.0);
    assert_eq!(
        account.user("vigil-auditor").unwrap().policies,
        ["IAMReadAccessPolicy", "BCCReadAccessPolicy"]
    );
    assert!(!account.user("disabled-user").unwrap().enabled);
}

#[test]
fn generation_is_deterministic_and_sized() {
    let opts = GenerateOptions {
        regions: 4,
        instances_per_region: 120,
        security_groups_per_region: 12,
        users: 7,
        resources_per_region: 3,
        seed: 99,
    };
    let a = World::generate(&opts);
    let b = World::generate(&opts);
    assert_eq!(a.to_json_pretty(), b.to_json_pretty());
    let c = World::generate(&GenerateOptions {
        seed: 100,
        ..opts.clone()
    });
    assert_ne!(a, c);
    a.validate().unwrap();
    let account = &a.accounts()[0];
    let regions: Vec<&str> = account
        .regions
        .iter()
        .map(|r| r.region_id.as_str())
        .collect();
    assert_eq!(regions, ["bj", "gz", "su", "bd"]);
    for r in &regions {
        assert_eq!(a.resources(&account.id, r, "bcc_instances").len(), 120);
        assert_eq!(a.resources(&account.id, r, "bcc_security_groups").len(), 12);
    }
    // Demo users with the demo keys, plus the extra users.
    assert!(a.find_demo_key());
    assert_eq!(
        account.users.len(),
        World::default_world().accounts()[0].users.len() + 7
    );
    // A realistic mix.
    let instances = a.resources(&account.id, "bj", "bcc_instances");
    let statuses: HashSet<&str> = instances
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("Running") && statuses.contains("Stopped"),
        "{statuses:?}"
    );
    assert!(instances.iter().any(|i| i["publicIp"] != ""));
    assert!(instances.iter().any(|i| i["publicIp"] == ""));
    let ids: HashSet<&str> = regions
        .iter()
        .flat_map(|r| a.resources(&account.id, r, "bcc_instances"))
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 480, "instance ids are unique across regions");

    // More regions than real ids: synthesised.
    let many = World::generate(&GenerateOptions {
        regions: 13,
        instances_per_region: 1,
        security_groups_per_region: 1,
        users: 0,
        resources_per_region: 3,
        seed: 1,
    });
    many.validate().unwrap();
    let ids: Vec<&str> = many.accounts()[0]
        .regions
        .iter()
        .map(|r| r.region_id.as_str())
        .collect();
    assert_eq!(ids.len(), 13);
    assert_eq!(&ids[..3], ["bj", "gz", "su"]);
    assert!(ids.contains(&"r12") && ids.contains(&"r13"));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 13);
}

#[test]
fn a_large_generated_world_has_every_instance() {
    let w = World::generate(&GenerateOptions {
        regions: 6,
        instances_per_region: 2000,
        security_groups_per_region: 50,
        users: 20,
        resources_per_region: 3,
        seed: 3,
    });
    let total: usize = w.accounts()[0]
        .regions
        .iter()
        .map(|r| {
            w.resources(&w.accounts()[0].id, &r.region_id, "bcc_instances")
                .len()
        })
        .sum();
    assert_eq!(total, 12_000);
}

trait DemoKey {
    fn find_demo_key(&self) -> bool;
}

impl DemoKey for World {
    fn find_demo_key(&self) -> bool {
        self.accounts().iter().any(|a| {
            a.users.iter().any(|u| {
                u.access_keys.iter().any(|k| {
                    k.access_key_id == DEMO_ACCESS_KEY_ID
                        && k.secret_access_key == DEMO_SECRET_ACCESS_KEY
                })
            })
        })
    }
}

#[test]
fn the_documented_example_world_is_valid() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/simulator.md"),
    )
    .unwrap();
    let after = doc
        .split("<!-- world-example -->")
        .nth(1)
        .expect("docs/simulator.md has the example marker");
    let block = after
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a json block follows the marker");
    let w = World::from_json(block).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w.resources("0123456789abcdef0123456789abcdef", "bj", "bcc_instances")
            .len(),
        1
    );
    assert!(w.limits.is_some());
}

#[test]
fn handles_are_send_sync_and_cloneable() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<vigil_baidu_sim::SimHandle>();
    check::<World>();
    check::<vigil_baidu_sim::Fault>();
    check::<GenerateOptions>();
}

#[test]
fn instances_and_their_security_groups_share_a_vpc() {
    for w in [
        World::default_world(),
        World::generate(&GenerateOptions::default()),
    ] {
        let account = &w.accounts()[0];
        for (region, collections) in &account.resources {
            let empty = Vec::new();
            let sgs = collections.get("bcc_security_groups").unwrap_or(&empty);
            let subnets = collections.get("vpc_subnets").unwrap_or(&empty);
            for i in collections.get("bcc_instances").unwrap_or(&empty) {
                for g in i["nicInfo"]["securityGroups"].as_array().unwrap() {
                    let sg = sgs.iter().find(|s| &s["id"] == g).unwrap();
                    assert_eq!(sg["vpcId"], i["vpcId"], "{region} {} {g}", i["name"]);
                }
                let subnet = subnets
                    .iter()
                    .find(|s| s["subnetId"] == i["subnetId"])
                    .unwrap();
                assert_eq!(subnet["vpcId"], i["vpcId"]);
                assert_eq!(subnet["zoneName"], i["zoneName"]);
            }
        }
    }
}
