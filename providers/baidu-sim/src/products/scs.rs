//! World content for SCS (Redis/Memcache) (see [`super`]).
//!
//! Collections: `scs_instances` (list items shaped like `samples/scs.list_instances.json`)
//! and the private per-instance `scs_details` (the detail-only fields of
//! `samples/scs.get_instance.json`), `scs_security_ips` and `scs_backup_policies`
//! (`samples/scs.get_backup_policy.json`), all keyed by `instanceId`.
//!
//! Demo (per region): a public Redis 6.0 (EIP and public domain) whose whitelist is
//! `0.0.0.0/0` (fully populated), a clean private Redis 7.0 cluster with daily encrypted
//! backups, and a legacy Redis 3.2 with no backup days. Generated: the same three first, then
//! a random mix.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Value};

use super::rds::{
    ip_in, populate_db, public_ip, tags, time_in, unique, DbCollections, DbMade, DbPlan, Net,
};
use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;

pub(crate) const INSTANCES: &str = "scs_instances";
pub(crate) const DETAILS: &str = "scs_details";
pub(crate) const SECURITY_IPS: &str = "scs_security_ips";
pub(crate) const BACKUP_POLICIES: &str = "scs_backup_policies";

const NAMES: &[&str] = &[
    "session-cache",
    "queue",
    "rate-limit",
    "feed-cache",
    "leaderboard",
    "cart",
    "geo",
    "token-store",
    "search-cache",
    "pubsub",
];

const REDIS_VERSIONS: &[&str] = &["2.8", "3.2", "4.0", "5.0", "6.0", "7.0"];

const WEEKDAYS: &[&str] = &["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn make(
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    cx: &RegionContext<'_>,
    nets: &[Net],
    plan: DbPlan,
    index: usize,
) -> DbMade {
    let region = cx.region;
    let suffix = unique(seen, rng, |r| r.chars(b"abcdefghijklmnopqrstuvwxyz", 12));
    let id = format!("scs-{region}-{suffix}");
    let net = &nets[index % nets.len()];
    let full = plan == DbPlan::FullPublic;
    let name = format!(
        "{}-{:02}",
        NAMES[(index + rng.index(NAMES.len())) % NAMES.len()],
        index + 1
    );
    let memcache = plan == DbPlan::Random && rng.chance(10);
    let (engine, version) = match plan {
        DbPlan::FullPublic => ("redis", "6.0"),
        DbPlan::Clean => ("redis", "7.0"),
        DbPlan::Legacy => ("redis", "3.2"),
        DbPlan::Random if memcache => ("memcache", "1.4"),
        DbPlan::Random => ("redis", *rng.pick(REDIS_VERSIONS)),
    };
    let cluster = match plan {
        DbPlan::Clean => true,
        DbPlan::Random => !memcache && rng.chance(35),
        _ => false,
    };
    let public = match plan {
        DbPlan::FullPublic => true,
        DbPlan::Clean | DbPlan::Legacy => false,
        DbPlan::Random => rng.chance(25),
    };
    let whitelist: Vec<String> = match plan {
        DbPlan::FullPublic => vec!["0.0.0.0/0".into()],
        DbPlan::Clean => vec![net.cidr.clone()],
        DbPlan::Legacy => vec![net.cidr.clone(), "0.0.0.0/0".into()],
        DbPlan::Random => match rng.below(10) {
            0..=2 => vec!["0.0.0.0/0".into()],
            3 => vec![],
            _ => vec![net.cidr.clone(), ip_in(&net.cidr, 30 + rng.below(200))],
        },
    };
    let (backup_days, expire_day, encrypt) = match plan {
        DbPlan::FullPublic => ("Sun,Wed".to_string(), 7, false),
        DbPlan::Clean => (WEEKDAYS.join(","), 14, true),
        DbPlan::Legacy => (String::new(), 0, false),
        DbPlan::Random => match rng.below(10) {
            0..=2 => (String::new(), 0, false),
            3..=5 => (rng.pick(WEEKDAYS).to_string(), 3, false),
            _ => (WEEKDAYS.join(","), 7, rng.chance(50)),
        },
    };
    let status = if plan == DbPlan::Random && rng.chance(10) {
        *rng.pick(&["Pausing", "Paused", "Modifying"])
    } else {
        "Running"
    };
    let prepaid = full || rng.chance(40);
    let created = time_in(rng, 2020, 5);
    let expire = if prepaid {
        time_in(rng, 2026, 2)
    } else {
        String::new()
    };
    let capacity = *rng.pick(&[1u64, 2, 4, 8, 16, 32]);
    let shards = if cluster { 2 + rng.below(6) } else { 1 };
    let replicas = if memcache { 1 } else { 2 };
    let port = if memcache { 11211 } else { 6379 };
    let host = rng.lower36(12);
    let eip = if public {
        public_ip(rng)
    } else {
        String::new()
    };
    let zones: Vec<String> = {
        let mut z: Vec<String> = nets.iter().map(|n| n.zone.clone()).collect();
        z.dedup();
        z.truncate(if replicas > 1 { 2 } else { 1 });
        if z.is_empty() {
            z.push(net.zone.clone());
        }
        z
    };
    let node_type = format!(
        "cache.n1.{}",
        rng.pick(&["micro", "small", "medium", "large"])
    );
    let mut instance = json!({
        "instanceId": id,
        "instanceName": name,
        "instanceStatus": status,
        "instanceExpireTime": expire,
        "shardNum": shards,
        "replicationNum": replicas,
        "clusterType": if cluster { "cluster" } else { "master_slave" },
        "engine": engine,
        "engineVersion": version,
        "vnetIp": ip_in(&net.cidr, 40 + rng.below(200)),
        "domain": format!("redis.{host}.scs.{region}.baidubce.com"),
        "port": port,
        "instanceCreateTime": created,
        "capacity": capacity,
        "usedCapacity": (rng.below(capacity * 100) as f64) / 100.0,
        "paymentTiming": if prepaid { "Prepaid" } else { "Postpaid" },
        "zoneNames": zones,
        "tags": if full || rng.chance(50) {
            tags(&[("env", *rng.pick(&["prod", "staging", "dev"])), ("app", NAMES[index % NAMES.len()])])
        } else {
            json!([])
        },
        "resourceGroupId": "",
        "resourceGroupName": "",
        "deployIdList": [],
        "orderStatus": "",
        "nodeType": node_type,
        "diskFlavor": 0,
        "diskType": "",
        "storeType": 0,
        "eip": eip,
        "entrance": "",
    });
    if full {
        // Every field non-empty (the conformance suite's rule); the values of these
        // usually-empty fields are the simulator's inventions.
        let obj = instance.as_object_mut().expect("an object");
        for (k, v) in [
            ("resourceGroupId", json!(format!("RESG-{}", rng.base62(11)))),
            ("resourceGroupName", json!("production")),
            ("deployIdList", json!([format!("dset-{}", rng.lower36(8))])),
            ("orderStatus", json!("normal")),
            ("diskType", json!("essd")),
            ("entrance", json!("console")),
        ] {
            obj.insert(k.to_string(), v);
        }
    }
    let replication_info: Vec<Value> = zones
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let subnet = nets
                .iter()
                .find(|n| &n.zone == z)
                .map_or(net.subnet_id.as_str(), |n| n.subnet_id.as_str());
            json!({"availabilityZone": z, "subnetId": subnet, "isMaster": if i == 0 { 1 } else { 0 }})
        })
        .collect();
    let detail = json!({
        "instanceId": id,
        "vpcId": net.vpc_id,
        "subnets": [{
            "name": net.subnet_name,
            "subnetId": net.subnet_id,
            "zoneName": net.zone,
            "cidr": net.cidr,
            "vpcId": net.vpc_id,
        }],
        "autoRenew": if prepaid && rng.chance(50) { "true" } else { "false" },
        "publicDomain": if public { format!("redis-pub.{host}.scs.{region}.baidubce.com") } else { String::new() },
        "enableReadOnly": if cluster { 1 } else { 2 },
        "replicationInfo": replication_info,
        "bnsGroup": if full { format!("group.scs-{suffix}.redis.{region}") } else { String::new() },
        "enableSlowLog": if rng.chance(70) { 1 } else { 2 },
        "enableHotkey": rng.chance(30),
        "crossAzNearest": if full { "on" } else { "" },
        "supportSentinelCommands": full || rng.chance(20),
    });
    let backup = json!({
        "instanceId": id,
        "backupTime": format!("{:02}:{:02}:00", rng.below(6), 5 * rng.below(12)),
        "backupDays": backup_days,
        "expireDay": expire_day,
        "isEncrypt": if encrypt { "true" } else { "false" },
        "isEnableBackupLog": if plan == DbPlan::Clean { "true" } else { "false" },
        "highFreqBackupEnable": plan == DbPlan::Clean,
        "highFreqBackupConfig": "",
        "highFreqList": [],
    });
    DbMade {
        instance,
        detail,
        whitelist: json!({"instanceId": id, "securityIps": whitelist}),
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
