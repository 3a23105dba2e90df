//! World content for RDS (see [`super`]), plus small helpers the other database products
//! (`scs`, `mongodb`) share: the region's networks, addresses, times and unique ids.
//!
//! Collections: `rds_instances` (list items shaped like `samples/rds.list_instances.json`)
//! and the private `rds_security_ips` (`{instanceId, etag, securityIps}`, one per instance).
//!
//! Demo (per region): a public MySQL 8.0 primary whose whitelist has `%` (fully populated),
//! its read replica, a clean private PostgreSQL, and a legacy MySQL 5.5 (or SQL Server
//! 2008 R2) open to `0.0.0.0/0` with no backups. Generated: the same four first, then a
//! random mix of public endpoints, `%`/`0.0.0.0/0` whitelists, old engine versions, weak or
//! absent backup policies, read replicas and clean instances.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Value};

use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;

pub(crate) const INSTANCES: &str = "rds_instances";
pub(crate) const SECURITY_IPS: &str = "rds_security_ips";

/// A subnet of the region, with its VPC, for placing database instances.
#[derive(Debug, Clone)]
pub(super) struct Net {
    pub vpc_id: String,
    pub vpc_name: String,
    pub subnet_id: String,
    pub subnet_name: String,
    pub zone: String,
    pub cidr: String,
}

/// The region's subnets (with their VPC names), in world order; one made-up network when the
/// region has none.
pub(super) fn networks(out: &Collections, cx: &RegionContext<'_>) -> Vec<Net> {
    let field = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let vpcs = out.get("vpc_vpcs").map(Vec::as_slice).unwrap_or_default();
    let nets: Vec<Net> = out
        .get("vpc_subnets")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|sn| {
            let vpc_id = field(sn, "vpcId");
            let vpc_name = vpcs
                .iter()
                .find(|v| field(v, "vpcId") == vpc_id)
                .map(|v| field(v, "name"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("{}-vpc", cx.region));
            Net {
                vpc_name,
                vpc_id,
                subnet_id: field(sn, "subnetId"),
                subnet_name: field(sn, "name"),
                zone: field(sn, "zoneName"),
                cidr: field(sn, "cidr"),
            }
        })
        .filter(|n| !n.subnet_id.is_empty() && !n.vpc_id.is_empty())
        .collect();
    if !nets.is_empty() {
        return nets;
    }
    let zone = cx
        .zones
        .first()
        .cloned()
        .unwrap_or_else(|| format!("cn-{}-a", cx.region));
    vec![Net {
        vpc_id: format!("vpc-{}dbnet0001", cx.region),
        vpc_name: format!("{}-vpc", cx.region),
        subnet_id: format!("sbn-{}dbnet0001", cx.region),
        subnet_name: "db".to_string(),
        zone,
        cidr: "192.168.100.0/24".to_string(),
    }]
}

/// Host number `host` (1..=250) in an IPv4 CIDR's first /24 (`10.16.3.0/24`, 7 → `10.16.3.7`).
pub(super) fn ip_in(cidr: &str, host: u64) -> String {
    let base = cidr.split('/').next().unwrap_or_default();
    let octets: Vec<&str> = base.split('.').collect();
    let host = 1 + host % 250;
    if octets.len() == 4 && octets.iter().all(|o| o.parse::<u8>().is_ok()) {
        format!("{}.{}.{}.{host}", octets[0], octets[1], octets[2])
    } else {
        format!("192.168.100.{host}")
    }
}

/// A public address in one of Baidu's ranges.
pub(super) fn public_ip(rng: &mut StdRng) -> String {
    let prefix = *rng.pick(&["180.76", "106.12", "106.13", "120.48", "182.61"]);
    format!("{prefix}.{}.{}", 1 + rng.below(254), 1 + rng.below(254))
}

/// An RFC 3339 UTC time in one of the `span` years from `first` (deterministic for the rng).
pub(super) fn time_in(rng: &mut StdRng, first: u64, span: u64) -> String {
    let year = first + rng.below(span);
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

/// Draw with `draw` until the id is new to `seen`.
pub(super) fn unique(
    seen: &mut HashSet<String>,
    rng: &mut StdRng,
    draw: impl Fn(&mut StdRng) -> String,
) -> String {
    loop {
        let id = draw(rng);
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// Tags as BCE lists them.
pub(super) fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect(),
    )
}

/// What a database product whose detail, whitelist and backup policy the simulator keeps
/// privately (SCS, MongoDB) makes for one instance.
pub(super) struct DbMade {
    pub instance: Value,
    pub detail: Value,
    pub whitelist: Value,
    pub backup: Value,
}

/// Which instance of a region a database product makes: the first three are fixed so every
/// region has a fully populated public one, a clean one and a legacy one; the rest are random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DbPlan {
    /// Public, allow-any whitelist, every field filled.
    FullPublic,
    /// Private, VPC whitelist, regular backups.
    Clean,
    /// Old engine version, weak or no backups.
    Legacy,
    /// Anything.
    Random,
}

/// The names of a database product's list collection and its private per-instance ones.
pub(super) struct DbCollections {
    pub instances: &'static str,
    pub details: &'static str,
    pub security_ips: &'static str,
    pub backup_policies: &'static str,
}

/// Make `scale.count(3)` instances with `make(rng, seen ids, cx, networks, plan, index)` and
/// store them and their private data in `names`' collections.
pub(super) fn populate_db(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
    names: &DbCollections,
    make: impl Fn(
        &mut StdRng,
        &mut HashSet<String>,
        &RegionContext<'_>,
        &[Net],
        DbPlan,
        usize,
    ) -> DbMade,
) {
    let nets = networks(out, cx);
    let mut seen = HashSet::new();
    let fixed = [DbPlan::FullPublic, DbPlan::Clean, DbPlan::Legacy];
    let made: Vec<DbMade> = (0..scale.count(3))
        .map(|i| {
            let plan = fixed.get(i).copied().unwrap_or(DbPlan::Random);
            make(rng, &mut seen, cx, &nets, plan, i)
        })
        .collect();
    if made.is_empty() {
        return;
    }
    let mut cols: [Vec<Value>; 4] = Default::default();
    for m in made {
        cols[0].push(m.instance);
        cols[1].push(m.detail);
        cols[2].push(m.whitelist);
        cols[3].push(m.backup);
    }
    let collections = [
        names.instances,
        names.details,
        names.security_ips,
        names.backup_policies,
    ];
    for (name, items) in collections.into_iter().zip(cols) {
        out.insert(name.to_string(), items);
    }
}

/// What kind of instance to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Public MySQL 8.0 primary, whitelist with `%`, every field filled (has a replica).
    FullPublicPrimary,
    /// Read replica of the previous primary.
    Replica,
    /// Private PostgreSQL, internal whitelist, daily persistent backups.
    Clean,
    /// Old engine, `0.0.0.0/0`, no backup days.
    Legacy,
    /// Anything.
    Random,
}

const NAMES: &[&str] = &[
    "orders",
    "billing",
    "users",
    "inventory",
    "reporting",
    "audit",
    "crm",
    "payments",
    "catalog",
    "sessions",
    "erp",
    "analytics",
    "wiki",
    "jira",
    "metrics",
    "ledger",
];

/// (engine, versions (oldest first), port).
const ENGINES: &[(&str, &[&str], u16)] = &[
    ("MySQL", &["5.5", "5.6", "5.7", "8.0"], 3306),
    (
        "PostgreSQL",
        &["9.6", "10", "11", "12", "13", "14", "15"],
        5432,
    ),
    ("SQLServer", &["2008r2", "2012sp3", "2016", "2019"], 1433),
];

struct Made {
    instance: Value,
    whitelist: Value,
}

struct Builder<'a> {
    region: &'a str,
    nets: Vec<Net>,
    seen: HashSet<String>,
    made: Vec<Made>,
}

impl Builder<'_> {
    fn new_id(&mut self, rng: &mut StdRng) -> String {
        unique(&mut self.seen, rng, |r| format!("rds-{}", r.base62(8)))
    }

    fn make(&mut self, rng: &mut StdRng, plan: Plan, index: usize) {
        let region = self.region;
        let id = self.new_id(rng);
        let net = self.nets[index % self.nets.len()].clone();
        let base = NAMES[(index + rng.index(NAMES.len())) % NAMES.len()];
        let full = plan == Plan::FullPublicPrimary;
        let (engine, versions, port) = match plan {
            Plan::FullPublicPrimary | Plan::Replica => ENGINES[0],
            Plan::Clean => ENGINES[1],
            Plan::Legacy => *rng.pick(&[ENGINES[0], ENGINES[2]]),
            Plan::Random => *rng.pick(ENGINES),
        };
        let version = match plan {
            Plan::FullPublicPrimary | Plan::Replica => "8.0",
            Plan::Clean => "14",
            Plan::Legacy => versions[0],
            Plan::Random => *rng.pick(versions),
        };
        let primary = (plan == Plan::Replica)
            .then(|| self.made.last().map(|m| m.instance.clone()))
            .flatten();
        let (name, engine, version, port) = match &primary {
            Some(p) => (
                format!("{}-ro", p["instanceName"].as_str().unwrap_or(base)),
                p["engine"].as_str().unwrap_or(engine).to_string(),
                p["engineVersion"].as_str().unwrap_or(version).to_string(),
                p["endpoint"]["port"].as_u64().unwrap_or(u64::from(port)),
            ),
            None => (
                format!("{base}-{}", engine.to_ascii_lowercase()),
                engine.to_string(),
                version.to_string(),
                u64::from(port),
            ),
        };
        let public = match plan {
            Plan::FullPublicPrimary => true,
            Plan::Replica | Plan::Clean | Plan::Legacy => false,
            Plan::Random => rng.chance(30),
        };
        // Whitelist: `%` / `0.0.0.0/0` on some, the VPC range or a few hosts on the rest.
        let whitelist: Vec<String> = match plan {
            Plan::FullPublicPrimary => vec![net.cidr.clone(), "%".into(), "10.1.2.3".into()],
            Plan::Replica | Plan::Clean => vec![net.cidr.clone()],
            Plan::Legacy => vec!["0.0.0.0/0".into()],
            Plan::Random => match rng.below(100) {
                0..=14 => vec!["%".into()],
                15..=29 => vec![net.cidr.clone(), "0.0.0.0/0".into()],
                30..=39 => vec![],
                _ => vec![net.cidr.clone(), ip_in(&net.cidr, 20 + rng.below(200))],
            },
        };
        // Backups: daily and persistent (clean), twice a week, or none at all.
        let (days, expire, persistent) = match plan {
            Plan::FullPublicPrimary | Plan::Clean => ("0,1,2,3,4,5,6", 7, true),
            Plan::Replica => ("0,1,2,3,4,5,6", 7, false),
            Plan::Legacy => ("", 0, false),
            Plan::Random => match rng.below(10) {
                0..=1 => ("", 0, false),
                2..=4 => ("0,3", 3, false),
                _ => ("0,1,2,3,4,5,6", 7 + rng.below(24) as i64, rng.chance(50)),
            },
        };
        let status = if plan == Plan::Random && rng.chance(10) {
            *rng.pick(&["Stopped", "Backuping", "Modifying"])
        } else {
            "Available"
        };
        let prepaid = full || rng.chance(40);
        let created = time_in(rng, 2020, 5);
        let expire_time = if prepaid {
            time_in(rng, 2026, 2)
        } else {
            String::new()
        };
        let cpu = *rng.pick(&[1u64, 2, 4, 8, 16]);
        let memory = cpu * 2;
        let storage = 50 * (1 + rng.below(20));
        let vnet_ip = ip_in(&net.cidr, 10 + rng.below(200));
        let inet_ip = if public {
            public_ip(rng)
        } else {
            String::new()
        };
        let host = rng.lower36(8);
        let minor = match engine.as_str() {
            "MySQL" => format!("{version}.{}", 20 + rng.below(20)),
            "PostgreSQL" => format!("{version}.{}", 1 + rng.below(9)),
            _ => format!("{version}.0"),
        };
        let zones: Vec<String> = if full || (plan == Plan::Random && rng.chance(50)) {
            let mut z: Vec<String> = self.nets.iter().map(|n| n.zone.clone()).collect();
            z.dedup();
            z.truncate(2);
            z
        } else {
            vec![net.zone.clone()]
        };
        let is_replica = primary.is_some();
        let mut instance = json!({
            "instanceId": id,
            "instanceName": name,
            "engine": engine,
            "engineVersion": version,
            "rdsMinorVersion": minor,
            "characterSetName": if engine == "SQLServer" { "Chinese_PRC_CI_AS" } else { "utf8mb4" },
            "instanceClass": format!("rds.n1.c{cpu}m{memory}"),
            "allocatedMemoryInMB": memory * 1024,
            "allocatedMemoryInGB": memory,
            "allocatedStorageInGB": storage,
            "category": if is_replica { "Basic" } else { "Standard" },
            "instanceStatus": status,
            "cpuCount": cpu,
            "memoryCapacity": memory,
            "volumeCapacity": storage,
            "totalStorageInGB": storage,
            "nodeAmount": if is_replica { 1 } else { 2 },
            "usedStorage": (rng.below(storage * 10) as f64) / 10.0 + 0.5,
            "publicAccessStatus": if public { "OPEN" } else { "CLOSE" },
            "instanceCreateTime": created,
            "instanceExpireTime": expire_time,
            "endpoint": {
                "address": format!("{}.rdsm{host}.rds.{region}.baidubce.com", engine.to_ascii_lowercase()),
                "port": port,
                "vnetIp": vnet_ip,
                "inetIp": inet_ip,
            },
            "syncMode": if is_replica { "Async" } else { "Semi_sync" },
            "backupPolicy": {
                "backupDays": days,
                "backupTime": format!("{:02}:00:00Z", 16 + rng.below(6)),
                "persistent": persistent,
                "expireInDays": expire,
                "freeSpaceInGb": storage,
            },
            "region": region,
            "instanceType": if is_replica { "ReadReplica" } else { "Master" },
            "sourceInstanceId": primary.as_ref().map(|p| p["instanceId"].clone()).unwrap_or(json!("")),
            "sourceRegion": if is_replica { region } else { "" },
            "zoneNames": zones,
            "vpcId": net.vpc_id,
            "subnets": [{
                "name": net.subnet_name,
                "subnetId": net.subnet_id,
                "zoneName": net.zone,
                "cidr": net.cidr,
                "vpcId": net.vpc_id,
            }],
            "task": "",
            "paymentTiming": if prepaid { "Prepaid" } else { "Postpaid" },
            "readReplicaNum": 0,
            "readReplica": [],
            "lockMode": "",
            "eipStatus": "",
            "superUserFlag": "",
            "replicationType": "",
            "applicationType": "normal",
            "isSingle": is_replica,
            "nodeType": "",
            "diskIoType": "normal_io",
            "groupId": "",
            "groupName": "",
            "diskType": "ssd",
            "cdsType": "",
            "maintainStartTime": format!("{:02}:00:00", 16 + rng.below(6)),
            "maintainDuration": 1 + rng.below(4),
            "haStrategy": 0,
            "vpcName": net.vpc_name,
            "tags": if full || rng.chance(60) {
                tags(&[("env", *rng.pick(&["prod", "staging", "dev"])), ("team", base)])
            } else {
                json!([])
            },
            "resourceGroupId": "",
            "resourceGroupName": "",
            "roGroupList": [],
            "roGroupAbnormal": false,
        });
        if full {
            // Every field non-empty (the conformance suite's rule). A primary has no source,
            // so the replica-only fields are left out rather than made up.
            let obj = instance.as_object_mut().expect("an object");
            obj.remove("sourceInstanceId");
            obj.remove("sourceRegion");
            let group = format!("rdcg-{}", rng.lower36(8));
            for (k, v) in [
                ("task", json!("normal")),
                ("lockMode", json!("unlock")),
                ("eipStatus", json!("bound")),
                ("superUserFlag", json!("exist")),
                ("replicationType", json!("physical")),
                ("nodeType", json!("x86")),
                ("groupId", json!(group)),
                ("groupName", json!(format!("{name}-group"))),
                ("diskType", json!("cds")),
                ("cdsType", json!("enhanced_ssd_pl1")),
                ("resourceGroupId", json!(format!("RESG-{}", rng.base62(11)))),
                ("resourceGroupName", json!("production")),
                (
                    "roGroupList",
                    json!([{
                        "roGroupId": format!("rdcrg{}", rng.lower36(8)),
                        "roGroupName": format!("{name}-readers"),
                        "roGroupEndpoint": {
                            "address": format!("ro.rdsm{host}.rds.{region}.baidubce.com"),
                            "port": port,
                            "vnetIp": ip_in(&net.cidr, 240),
                            "inetIp": public_ip(rng),
                        },
                        "vpcId": net.vpc_id,
                        "subnetId": net.subnet_id,
                        "eipStatus": "bound",
                    }]),
                ),
                ("roGroupAbnormal", json!(true)),
            ] {
                obj.insert(k.to_string(), v);
            }
        }
        if let Some(p) = primary {
            // The primary lists its replicas.
            debug_assert_eq!(
                self.made.last().map(|m| &m.instance["instanceId"]),
                Some(&p["instanceId"])
            );
            let made = self.made.last_mut().expect("the primary");
            made.instance["readReplica"]
                .as_array_mut()
                .expect("an array")
                .push(json!(id));
            made.instance["readReplicaNum"] =
                json!(made.instance["readReplica"].as_array().map_or(0, Vec::len));
        }
        let whitelist = json!({
            "instanceId": id,
            "etag": format!("v{}", 1 + rng.below(20)),
            "securityIps": whitelist,
        });
        self.made.push(Made {
            instance,
            whitelist,
        });
    }
}

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let n = scale.count(4);
    let mut b = Builder {
        region: cx.region,
        nets: networks(out, cx),
        seen: HashSet::new(),
        made: Vec::new(),
    };
    let fixed = [
        Plan::FullPublicPrimary,
        Plan::Replica,
        Plan::Clean,
        Plan::Legacy,
    ];
    for i in 0..n {
        let plan = match fixed.get(i) {
            Some(p) => *p,
            // Now and then a replica of the instance just made (if that is a MySQL primary).
            None if b.made.last().is_some_and(|m| {
                m.instance["engine"] == "MySQL" && m.instance["instanceType"] == "Master"
            }) && rng.chance(25) =>
            {
                Plan::Replica
            }
            None => Plan::Random,
        };
        b.make(rng, plan, i);
    }
    let (instances, whitelists): (Vec<Value>, Vec<Value>) = b
        .made
        .into_iter()
        .map(|m| (m.instance, m.whitelist))
        .unzip();
    if !instances.is_empty() {
        out.insert(INSTANCES.to_string(), instances);
        out.insert(SECURITY_IPS.to_string(), whitelists);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_stay_inside_the_subnet() {
        assert_eq!(ip_in("10.16.3.0/24", 6), "10.16.3.7");
        assert_eq!(ip_in("10.16.3.0/24", 600), "10.16.3.101");
        assert_eq!(ip_in("not a cidr", 0), "192.168.100.1");
    }
}
