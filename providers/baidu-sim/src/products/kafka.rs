//! World content for Kafka (see [`super`]): `kafka_clusters` (list items),
//! `kafka_cluster_details` (the `GET /v2/clusters/{id}` objects) and `kafka_access_endpoints`
//! (`{clusterId, accessEndpoints}`), kept consistent with each other and with the region's
//! VPC, subnets and security groups.
//!
//! Misconfigurations: public clusters that accept unauthenticated clients (`NONE`, a public
//! `PLAINTEXT` endpoint) with ACLs off; private plaintext clusters. Clean ones: SASL/SCRAM
//! only, ACLs on, public access (if any) over `SASL_SSL`.
//!
//! Like the Go SDK's models (every field `omitempty`), empty strings and lists are left out
//! of items, except the first cluster of a region, which has every field, all non-empty.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Map, Value};

use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;
use crate::services::kafka::{ACCESS_ENDPOINTS, CLUSTERS, CLUSTER_DETAILS};

/// The kind of cluster to make.
struct Template {
    name: &'static str,
    public: bool,
    modes: &'static [&'static str],
    acl: bool,
}

const TEMPLATES: &[Template] = &[
    // Public, accepts unauthenticated clients, no ACLs (the first cluster of every region).
    Template {
        name: "events",
        public: true,
        modes: &["NONE", "SASL_SCRAM"],
        acl: false,
    },
    // Private, SASL/SCRAM with ACLs: clean.
    Template {
        name: "orders-stream",
        public: false,
        modes: &["SASL_SCRAM"],
        acl: true,
    },
    // Public but only over SASL_SSL, with ACLs: clean.
    Template {
        name: "partner-feed",
        public: true,
        modes: &["SASL_SCRAM"],
        acl: true,
    },
    // Private plaintext, no ACLs.
    Template {
        name: "metrics-raw",
        public: false,
        modes: &["NONE"],
        acl: false,
    },
    // Public plaintext only, no ACLs: the worst.
    Template {
        name: "iot-ingest",
        public: true,
        modes: &["NONE"],
        acl: false,
    },
    // Private, SASL/PLAIN and mutual TLS, ACLs on.
    Template {
        name: "audit-log",
        public: false,
        modes: &["SASL_PLAIN", "SSL"],
        acl: true,
    },
];

const VERSIONS: &[&str] = &["2.8.2", "3.6.2", "2.7.2"];
const NODE_TYPES: &[&str] = &["kafka.g4.c2m8", "kafka.g4.c4m16", "kafka.g4.c8m32"];

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let templates: Vec<usize> = match scale {
        Scale::Demo if cx.region_index.is_multiple_of(2) => vec![0, 1, 2],
        Scale::Demo => vec![0, 1, 4],
        Scale::Generated(n) => (0..n)
            .map(|i| {
                if i == 0 {
                    0
                } else {
                    rng.index(TEMPLATES.len())
                }
            })
            .collect(),
    };
    let net = Network::of(out, cx, rng);
    // Demo templates are distinct, so their names need no number.
    let plain = scale == Scale::Demo;
    let mut seen = HashSet::new();
    let (mut clusters, mut details, mut endpoints) = (Vec::new(), Vec::new(), Vec::new());
    for (n, t) in templates.into_iter().enumerate() {
        let made = cluster(cx, &net, rng, &mut seen, n, &TEMPLATES[t], plain);
        clusters.push(made.0);
        details.push(made.1);
        endpoints.push(made.2);
    }
    out.insert(CLUSTERS.to_string(), clusters);
    out.insert(CLUSTER_DETAILS.to_string(), details);
    out.insert(ACCESS_ENDPOINTS.to_string(), endpoints);
}

/// The region's network objects clusters are placed in, as detail JSON.
struct Network {
    vpc: Value,
    /// `(subnet JSON, zone)`, one per zone.
    subnets: Vec<(Value, String)>,
    security_groups: Vec<Value>,
}

fn find<'a>(out: &'a Collections, collection: &str, field: &str, id: &str) -> Option<&'a Value> {
    out.get(collection)?
        .iter()
        .find(|v| v.get(field).and_then(Value::as_str) == Some(id))
}

fn text(v: Option<&Value>, field: &str) -> String {
    v.and_then(|v| v.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Network {
    /// Read from the region's collections; a region without a VPC gets made-up references.
    fn of(out: &Collections, cx: &RegionContext<'_>, rng: &mut StdRng) -> Network {
        let vpc_id = cx
            .vpc_ids
            .first()
            .cloned()
            .unwrap_or_else(|| format!("vpc-{}", rng.lower36(12)));
        let vpc = find(out, "vpc_vpcs", "vpcId", &vpc_id);
        let vpc_cidr = Some(text(vpc, "cidr"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("10.{}.0.0/16", 16 + cx.region_index % 200));
        let vpc_name = Some(text(vpc, "name"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("{}-vpc", cx.region));
        let mut subnets: Vec<(Value, String)> = cx
            .subnets
            .iter()
            .filter(|(_, vpc, _, _)| *vpc == vpc_id)
            .map(|(id, vpc, zone, cidr)| {
                let name = text(find(out, "vpc_subnets", "subnetId", id), "name");
                let logical = logical_zone(zone);
                (
                    json!({"subnetId": id, "name": name, "zone": logical, "vpcId": vpc, "cidr": cidr}),
                    logical,
                )
            })
            .collect();
        if subnets.is_empty() {
            let zone = logical_zone(cx.zones.first().map(String::as_str).unwrap_or("a"));
            let octet = 16 + cx.region_index % 200;
            subnets.push((
                json!({"subnetId": format!("sbn-{}", rng.lower36(12)), "name": "kafka-subnet",
                       "zone": zone, "vpcId": vpc_id, "cidr": format!("10.{octet}.0.0/24")}),
                zone,
            ));
        }
        let mut security_groups: Vec<Value> = cx
            .security_group_ids
            .iter()
            .filter_map(|id| find(out, "bcc_security_groups", "id", id))
            .filter(|g| text(Some(g), "vpcId") == vpc_id)
            .take(3)
            .map(|g| {
                json!({"securityGroupId": text(Some(g), "id"), "name": text(Some(g), "name"),
                       "vpcId": vpc_id})
            })
            .collect();
        if security_groups.is_empty() {
            security_groups.push(json!({"securityGroupId": format!("g-{}", rng.lower36(12)),
                                        "name": "kafka-sg", "vpcId": vpc_id}));
        }
        Network {
            vpc: json!({"vpcId": vpc_id, "name": vpc_name, "cidr": vpc_cidr}),
            subnets,
            security_groups,
        }
    }
}

/// `cn-bj-a` → `zoneA` (Kafka's logical zone names).
fn logical_zone(zone: &str) -> String {
    let letter = zone.rsplit('-').next().unwrap_or(zone);
    format!("zone{}", letter.to_ascii_uppercase())
}

/// An address in a subnet: its CIDR with the last octet replaced.
fn host_in(cidr: &str, host: u64) -> String {
    let base = cidr.split('/').next().unwrap_or(cidr);
    match base.rsplit_once('.') {
        Some((prefix, _)) => format!("{prefix}.{}", 2 + host % 250),
        None => base.to_string(),
    }
}

fn public_ip(rng: &mut StdRng) -> String {
    format!(
        "106.{}.{}.{}",
        12 + rng.below(4),
        rng.below(256),
        1 + rng.below(254)
    )
}

fn timestamp(rng: &mut StdRng, year: u32) -> String {
    format!(
        "{year}-{:02}-{:02}T{:02}:00:00Z",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24)
    )
}

/// The access protocol a mode gives on the VPC and on the public network.
fn protocols(mode: &str) -> (&'static str, &'static str, u16, u16) {
    match mode {
        "NONE" => ("PLAINTEXT", "PLAINTEXT", 9092, 9092),
        "SSL" => ("SSL", "SSL", 9094, 9094),
        _ => ("SASL_PLAINTEXT", "SASL_SSL", 9093, 9095),
    }
}

/// Insert `value` unless it is an empty string or list (`omitempty`), or always if `full`.
fn put(m: &mut Map<String, Value>, full: bool, key: &str, value: Value) {
    let empty = match &value {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if full || !empty {
        m.insert(key.to_string(), value);
    }
}

/// One cluster: (list item, detail, access endpoints entry).
fn cluster(
    cx: &RegionContext<'_>,
    net: &Network,
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    n: usize,
    t: &Template,
    plain_name: bool,
) -> (Value, Value, Value) {
    // The first cluster of a region is fully populated.
    let full = n == 0;
    let id = loop {
        let id = rng.hex(32);
        if seen.insert(id.clone()) {
            break id;
        }
    };
    let sid = format!("kafka-{}", rng.lower36(10));
    let name = if plain_name {
        t.name.to_string()
    } else {
        format!("{}-{:03}", t.name, n + 1)
    };
    let mode = if full || rng.chance(70) { "HA" } else { "HP" };
    let version = if full {
        VERSIONS[0]
    } else {
        *rng.pick(VERSIONS)
    };
    let prepaid = full || rng.chance(30);
    let payment = if prepaid { "Prepaid" } else { "Postpaid" };
    let create_time = timestamp(rng, 2024);
    let expire_time = if prepaid {
        timestamp(rng, 2026)
    } else {
        String::new()
    };
    let zones: Vec<&(Value, String)> = if full || rng.chance(30) {
        net.subnets.iter().collect()
    } else {
        vec![rng.pick(&net.subnets)]
    };
    let logical_zones: Vec<&str> = zones.iter().map(|(_, z)| z.as_str()).collect();
    let subnets: Vec<&Value> = zones.iter().map(|(s, _)| s).collect();
    let env = *rng.pick(&["prod", "staging", "dev"]);
    let tags = if full || rng.chance(60) {
        json!([{ "tagKey": "env", "tagValue": env }])
    } else {
        json!([])
    };
    let per_zone = if zones.len() > 1 { 1 } else { 3 };
    let brokers = per_zone * zones.len() as u64;
    let bandwidth = if t.public { 10 * (1 + rng.below(5)) } else { 0 };

    let mut item = Map::new();
    for (k, v) in [
        ("clusterId", json!(id)),
        ("clusterSid", json!(sid)),
        ("name", json!(name)),
        ("region", json!(cx.region)),
        ("type", json!("PROVISIONED")),
        ("mode", json!(mode)),
        ("state", json!("ACTIVE")),
        ("kafkaVersion", json!(version)),
        ("logicalZones", json!(logical_zones)),
        ("payment", json!(payment)),
        ("aclEnabled", json!(t.acl)),
        ("publicIpEnabled", json!(t.public)),
        ("intranetIpEnabled", json!(full)),
        ("advertisedIpEnabled", json!(false)),
        ("authenticationModes", json!(t.modes)),
        ("tags", tags.clone()),
        ("createTime", json!(create_time)),
        ("expireTime", json!(expire_time)),
    ] {
        put(&mut item, full, k, v);
    }

    let authentications: Vec<Value> = t
        .modes
        .iter()
        .map(|m| match *m {
            "SASL_SCRAM" => json!({"mode": m, "context": "SCRAM-SHA-512"}),
            "SASL_PLAIN" => json!({"mode": m, "context": "PLAIN"}),
            _ => json!({ "mode": m }),
        })
        .collect();
    let mut billing = Map::new();
    for (k, v) in [
        ("payment", json!(payment)),
        ("timeLength", json!(if prepaid { 12 } else { 0 })),
        ("timeUnit", json!("month")),
        ("expireTime", json!(expire_time)),
        ("autoRenewEnabled", json!(prepaid)),
        ("autoRenewTimeLength", json!(if prepaid { 1 } else { 0 })),
        ("autoRenewTimeUnit", json!("month")),
    ] {
        put(&mut billing, full, k, v);
    }
    let node_type = if full {
        NODE_TYPES[0]
    } else {
        *rng.pick(NODE_TYPES)
    };
    let provisioned = json!({
        "kafkaVersion": version,
        "billing": billing,
        "vpc": net.vpc,
        "subnets": subnets,
        "logicalZones": logical_zones,
        "securityGroups": net.security_groups,
        "publicIpEnabled": t.public,
        "publicIpBandwidth": bandwidth,
        "intranetIpEnabled": full,
        "authentications": authentications,
        "aclEnabled": t.acl,
        "numberOfBrokerNodes": brokers,
        "numberOfBrokerNodesPerZone": per_zone,
        "nodeType": node_type,
        "storageMeta": {
            "storageType": if full || rng.chance(50) { "ENHANCED_SSD_PL1" } else { "SSD" },
            "storageSize": 100 * (1 + rng.below(10)),
            "numberOfDisk": 1
        },
        "deploySetEnabled": full
    });
    let mut detail = Map::new();
    for (k, v) in [
        ("clusterId", json!(id)),
        ("clusterSid", json!(sid)),
        ("name", json!(name)),
        ("region", json!(cx.region)),
        ("type", json!("PROVISIONED")),
        ("mode", json!(mode)),
        ("state", json!("ACTIVE")),
        ("provisioned", provisioned),
        ("tags", tags),
        ("createTime", json!(create_time)),
    ] {
        put(&mut detail, full, k, v);
    }

    let internal: Vec<String> = (0..brokers)
        .map(|b| {
            let (subnet, _) = zones[(b as usize) % zones.len()];
            host_in(
                subnet["cidr"].as_str().unwrap_or_default(),
                40 + n as u64 * 8 + b,
            )
        })
        .collect();
    let public: Vec<String> = if t.public {
        (0..brokers).map(|_| public_ip(rng)).collect()
    } else {
        Vec::new()
    };
    let mut access = Vec::new();
    for m in t.modes {
        let (vpc_protocol, public_protocol, vpc_port, public_port) = protocols(m);
        let join = |ips: &[String], port: u16| {
            ips.iter()
                .map(|ip| format!("{ip}:{port}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        access.push(json!({"securityProtocol": vpc_protocol, "network": "VPC",
                           "endpoints": join(&internal, vpc_port)}));
        if t.public {
            access.push(
                json!({"securityProtocol": public_protocol, "network": "PUBLIC",
                               "endpoints": join(&public, public_port)}),
            );
        }
    }
    (
        Value::Object(item),
        Value::Object(detail),
        json!({"clusterId": id, "accessEndpoints": access}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(logical_zone("cn-bj-a"), "zoneA");
        assert_eq!(logical_zone("cn-gz-d"), "zoneD");
        assert_eq!(host_in("10.16.1.0/24", 5), "10.16.1.7");
        assert_eq!(host_in("192.168.0.0/16", 300), "192.168.0.52");
        let mut m = Map::new();
        put(&mut m, false, "a", json!(""));
        put(&mut m, false, "b", json!([]));
        put(&mut m, false, "c", json!(false));
        put(&mut m, true, "d", json!(""));
        assert_eq!(Value::Object(m), json!({"c": false, "d": ""}));
    }
}
