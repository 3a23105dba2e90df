//! World content for MongoDB (DocDB for MongoDB) (see [`super`]).
//!
//! Collections: `mongodb_instances` (list items shaped like
//! `samples/mongodb.list_instances.json`; sharded clusters add `mongosCount`/`shardCount`)
//! and the private per-instance `mongodb_details` (the detail-only fields of
//! `samples/mongodb.get_instance.json`; sharded clusters add `mongosList`/`shardList`),
//! `mongodb_security_ips` and `mongodb_backup_policies`
//! (`samples/mongodb.get_backup_policy.json`), all keyed by `dbInstanceId`.
//!
//! Demo (per region): a public 4.4 replica set (public connection string, member EIPs,
//! `0.0.0.0/0` in the whitelist; fully populated), a clean private 5.0 sharded cluster, and
//! a legacy 3.4 replica set with automatic backups off. Generated: the same three first, then
//! a random mix.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Value};

use super::rds::{
    ip_in, populate_db, public_ip, tags, time_in, unique, DbCollections, DbMade, DbPlan, Net,
};
use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;

pub(crate) const INSTANCES: &str = "mongodb_instances";
pub(crate) const DETAILS: &str = "mongodb_details";
pub(crate) const SECURITY_IPS: &str = "mongodb_security_ips";
pub(crate) const BACKUP_POLICIES: &str = "mongodb_backup_policies";

const NAMES: &[&str] = &[
    "profiles",
    "events",
    "catalog",
    "chat",
    "telemetry",
    "content",
    "orders-docs",
    "logs",
    "recommendations",
    "devices",
];

const VERSIONS: &[&str] = &["3.4", "3.6", "4.0", "4.2", "4.4", "5.0"];

const PERIODS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Member `n` of an instance (`host` is its domain name).
fn member(
    rng: &mut StdRng,
    net: &Net,
    host: String,
    n: u64,
    kind: &str,
    status: &str,
    public: bool,
) -> Value {
    let ip = ip_in(&net.cidr, 60 + n * 3 + rng.below(3));
    json!({
        "memberId": ip,
        "mongoStatus": status,
        "mongoType": kind,
        "readonly": "false",
        "zoneName": net.zone,
        "ip": ip,
        "mongoHost": host,
        "eip": if public { public_ip(rng) } else { String::new() },
    })
}

fn make(
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    cx: &RegionContext<'_>,
    nets: &[Net],
    plan: DbPlan,
    index: usize,
) -> DbMade {
    let region = cx.region;
    let id = unique(seen, rng, |r| format!("m-{}", r.base62(6)));
    let net = &nets[index % nets.len()];
    let full = plan == DbPlan::FullPublic;
    let name = format!(
        "{}-{:02}",
        NAMES[(index + rng.index(NAMES.len())) % NAMES.len()],
        index + 1
    );
    let version = match plan {
        DbPlan::FullPublic => "4.4",
        DbPlan::Clean => "5.0",
        DbPlan::Legacy => "3.4",
        DbPlan::Random => *rng.pick(VERSIONS),
    };
    let sharding = match plan {
        DbPlan::Clean => true,
        DbPlan::Random => rng.chance(30),
        _ => false,
    };
    let public = match plan {
        DbPlan::FullPublic => true,
        DbPlan::Clean | DbPlan::Legacy => false,
        DbPlan::Random => rng.chance(25),
    };
    let whitelist: Vec<String> = match plan {
        DbPlan::FullPublic => vec!["0.0.0.0/0".into(), net.cidr.clone()],
        DbPlan::Clean => vec![net.cidr.clone()],
        DbPlan::Legacy => vec![net.cidr.clone(), "0.0.0.0/0".into()],
        DbPlan::Random => match rng.below(10) {
            0..=2 => vec!["0.0.0.0/0".into()],
            _ => vec![net.cidr.clone(), ip_in(&net.cidr, 30 + rng.below(200))],
        },
    };
    let (auto_backup, period, retention) = match plan {
        DbPlan::FullPublic => ("ON", "Monday,Thursday".to_string(), 7),
        DbPlan::Clean => ("ON", PERIODS.join(","), 14),
        DbPlan::Legacy => ("OFF", String::new(), 0),
        DbPlan::Random => match rng.below(10) {
            0..=2 => ("OFF", String::new(), 0),
            3..=5 => ("ON", rng.pick(PERIODS).to_string(), 3),
            _ => ("ON", PERIODS.join(","), 7),
        },
    };
    let status = if plan == DbPlan::Random && rng.chance(10) {
        *rng.pick(&["CREATING", "RESTARTING", "CLASS_CHANGING"])
    } else {
        "RUNNING"
    };
    let prepaid = full || rng.chance(40);
    let cpu = *rng.pick(&[1u64, 2, 4, 8]);
    let storage = 50 * (1 + rng.below(10));
    let voting = if plan == DbPlan::Random && !sharding && rng.chance(30) {
        5
    } else {
        3
    };
    let readonly = if full { 1 } else { 0 };
    let uuid = rng.uuid();
    let host = |n: u64| format!("{id}-{n}.mongodb.{region}.baidubce.com");
    let mut instance = json!({
        "dbInstanceId": id,
        "dbInstanceName": name,
        "dbInstanceUUID": uuid,
        "connectionString": format!("mongodb://root:****@{id}.mongodb.{region}.baidubce.com:27017"),
        "port": "27017",
        "storageEngine": "WiredTiger",
        "engineVersion": version,
        "resourceUuid": if full { rng.uuid() } else { String::new() },
        "dbInstanceType": if sharding { "sharding" } else { "replica" },
        "dbInstanceStatus": status,
        "dbInstanceCpuCount": cpu,
        "dbInstanceMemoryCapacity": cpu * 2,
        "dbInstanceStorage": storage,
        "createTime": time_in(rng, 2020, 5),
        "votingMemberNum": voting,
        "readonlyNodeNum": readonly,
        "vpcId": net.vpc_id,
        "paymentTiming": if prepaid { "Prepaid" } else { "Postpaid" },
        "subnets": [{"subnetId": net.subnet_id, "zoneName": net.zone}],
        "tags": if full || rng.chance(50) {
            tags(&[("env", *rng.pick(&["prod", "staging", "dev"])), ("app", NAMES[index % NAMES.len()])])
        } else {
            json!([])
        },
    });
    let public_cs = |rng: &mut StdRng| format!("mongodb://root:****@{}:27017", public_ip(rng));
    let mut detail = json!({
        "dbInstanceId": id,
        "dbInstanceStorageType": if rng.chance(50) { "CLOUD_NOR" } else { "CLOUD_ENHA" },
        "expireTime": if prepaid { time_in(rng, 2026, 2) } else { "0001-01-01T00:00:00Z".to_string() },
        "publicConnectionString": if public { public_cs(rng) } else { String::new() },
        "publicReadonlyConnectionString": if full { public_cs(rng) } else { String::new() },
        "readOnlyNodeConnectionString": if readonly > 0 {
            format!("mongodb://root:****@{id}-ro.mongodb.{region}.baidubce.com:27017")
        } else {
            String::new()
        },
        "logServiceStatus": [
            {"type": "slowLog", "status": if full || rng.chance(50) { "open" } else { "close" }},
            {"type": "auditLog", "status": if plan == DbPlan::Clean { "open" } else { "close" }},
        ],
    });
    if sharding {
        let mongos = 2;
        let shards = 2 + rng.below(3);
        instance["mongosCount"] = json!(mongos);
        instance["shardCount"] = json!(shards);
        let node = |rng: &mut StdRng, kind: &str, n: u64, members: Vec<Value>| {
            json!({
                "nodeId": format!("{}-{}", if kind == "mongos" { "mongos" } else { "shard" }, rng.base62(6)),
                "name": format!("{kind}-{n}"),
                "status": "RUNNING",
                "cpuCount": cpu,
                "memoryCapacity": cpu * 2,
                "storage": if kind == "mongos" { 0 } else { storage / shards },
                "connectString": format!("mongodb://root:****@{id}-{kind}-{n}.mongodb.{region}.baidubce.com:27017"),
                "storageType": "CLOUD_NOR",
                "members": members,
            })
        };
        let mongos_list: Vec<Value> = (0..mongos)
            .map(|n| {
                let m = member(rng, net, host(n), n, "mongos", "RUNNING", public);
                node(rng, "mongos", n, vec![m])
            })
            .collect();
        let shard_list: Vec<Value> = (0..shards)
            .map(|n| {
                let members = (0..3)
                    .map(|k| {
                        let status = if k == 0 { "PRIMARY" } else { "SECONDARY" };
                        let i = 10 + n * 3 + k;
                        member(rng, net, host(i), i, "mongod", status, false)
                    })
                    .collect();
                node(rng, "shard", n, members)
            })
            .collect();
        detail["mongosList"] = json!(mongos_list);
        detail["shardList"] = json!(shard_list);
        detail["members"] = json!([]);
    } else {
        let members: Vec<Value> = (0..voting + readonly)
            .map(|n| {
                let status = if n == 0 { "PRIMARY" } else { "SECONDARY" };
                let mut m = member(rng, net, host(n), n, "mongod", status, public && n == 0);
                if n >= voting {
                    m["readonly"] = json!("true");
                }
                m
            })
            .collect();
        detail["members"] = json!(members);
    }
    let backup = json!({
        "dbInstanceId": id,
        "autoBackupEnable": auto_backup,
        "preferredBackupPeriod": period,
        "preferredBackupTime": format!("{:02}:00Z-{:02}:00Z", 1 + rng.below(4), 5),
        "backupRetentionPeriod": retention,
        "enableIncrementBackup": if plan == DbPlan::Clean || full { 1 } else { 0 },
        "backupMethod": if rng.chance(70) { "Physical" } else { "Logical" },
        "incrBackupRetentionPeriod": if plan == DbPlan::Clean || full { 7 } else { 0 },
    });
    DbMade {
        instance,
        detail,
        whitelist: json!({"dbInstanceId": id, "securityIps": whitelist}),
        backup,
    }
}

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let names = DbCollections {
        instances: INSTANCES,
        details: DETAILS,
        security_ips: SECURITY_IPS,
        backup_policies: BACKUP_POLICIES,
    };
    populate_db(out, cx, rng, scale, &names, make);
}
