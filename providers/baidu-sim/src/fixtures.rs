//! Builders for raw resource JSON shaped like the BCE samples, shared by the default world
//! and the generator.
//!
//! Every builder emits every key of the corresponding sample (`samples/bcc.*.json`,
//! `samples/vpc.*.json`; security group rules carry the keys of their direction, like the list
//! sample), so collectors see the full shape; `full` variants also fill the keys that are
//! usually empty, giving the fully populated fixtures the conformance suite needs.

use serde_json::{json, Value};

use crate::ids::Draw;

/// An OS image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Image {
    pub id: &'static str,
    pub name: &'static str,
    pub os_name: &'static str,
    pub os_version: &'static str,
    pub os_arch: &'static str,
}

pub(crate) const IMAGES: &[Image] = &[
    Image {
        id: "m-Kq8Z2x1p",
        name: "Ubuntu 22.04 LTS amd64 (64bit)",
        os_name: "Ubuntu",
        os_version: "22.04 LTS amd64 (64bit)",
        os_arch: "x86_64 (64bit)",
    },
    Image {
        id: "m-7Tq2Zx0a",
        name: "CentOS 7.9 x86_64 (64bit)",
        os_name: "CentOS",
        os_version: "7.9 x86_64 (64bit)",
        os_arch: "x86_64 (64bit)",
    },
    Image {
        id: "m-Bd4u9Rk2",
        name: "Rocky Linux 9.2 x86_64 (64bit)",
        os_name: "Rocky Linux",
        os_version: "9.2 x86_64 (64bit)",
        os_arch: "x86_64 (64bit)",
    },
    Image {
        id: "m-W1n2019s",
        name: "Windows Server 2019 DataCenter 64bit Chinese",
        os_name: "Windows Server",
        os_version: "2019 DataCenter 64bit Chinese",
        os_arch: "x86_64 (64bit)",
    },
    Image {
        id: "m-Bl3x8Ta1",
        name: "BaiduLinux 3.0 x86_64 (64bit)",
        os_name: "BaiduLinux",
        os_version: "3.0 x86_64 (64bit)",
        os_arch: "x86_64 (64bit)",
    },
    Image {
        id: "m-Db11Zq7e",
        name: "Debian 11.1 amd64 (64bit)",
        os_name: "Debian",
        os_version: "11.1 amd64 (64bit)",
        os_arch: "x86_64 (64bit)",
    },
];

/// Instance flavours: (instanceType, spec, cpu, memory GB).
pub(crate) const FLAVOURS: &[(&str, &str, u32, u32)] = &[
    ("N5", "bcc.g5.c2m8", 2, 8),
    ("N5", "bcc.g5.c4m16", 4, 16),
    ("N5", "bcc.c5.c8m16", 8, 16),
    ("N6", "bcc.g6.c4m16", 4, 16),
    ("N6", "bcc.m6.c8m64", 8, 64),
    ("N5", "bcc.ic4.c1m1", 1, 1),
];

/// A VPC and its subnets' defaults.
#[derive(Debug, Clone)]
pub(crate) struct VpcSpec {
    pub id: String,
    /// IPv6 CIDR, empty when the VPC has none.
    pub ipv6_cidr: String,
    pub secondary_cidrs: Vec<String>,
    pub name: String,
    pub cidr: String,
    pub description: String,
    pub is_default: bool,
    pub created: String,
    pub tags: Vec<(String, String)>,
}

pub(crate) fn vpc(v: &VpcSpec) -> Value {
    json!({
        "vpcId": v.id,
        "name": v.name,
        "cidr": v.cidr,
        "ipv6Cidr": v.ipv6_cidr,
        "createdTime": v.created,
        "description": v.description,
        "isDefault": v.is_default,
        "relay": false,
        "secondaryCidr": v.secondary_cidrs,
        "tags": tags(&v.tags),
    })
}

/// A subnet.
#[derive(Debug, Clone)]
pub(crate) struct SubnetSpec {
    pub id: String,
    /// IPv6 CIDR, empty when the subnet has none.
    pub ipv6_cidr: String,
    pub tags: Vec<(String, String)>,
    pub name: String,
    pub zone: String,
    pub cidr: String,
    pub vpc_id: String,
    pub description: String,
    pub created: String,
    pub available_ip: u32,
}

pub(crate) fn subnet(s: &SubnetSpec) -> Value {
    json!({
        "subnetId": s.id,
        "name": s.name,
        "zoneName": s.zone,
        "cidr": s.cidr,
        "ipv6Cidr": s.ipv6_cidr,
        "vpcId": s.vpc_id,
        "subnetType": "BCC",
        "description": s.description,
        "createdTime": s.created,
        "availableIp": s.available_ip,
        "availableUnreservedIp": s.available_ip,
        "tags": tags(&s.tags),
    })
}

/// A subnet ACL rule.
#[allow(clippy::too_many_arguments)]
pub(crate) fn acl_rule(
    id: &str,
    subnet_id: &str,
    description: &str,
    protocol: &str,
    source: &str,
    destination: &str,
    destination_port: &str,
    position: u32,
    direction: &str,
    action: &str,
) -> Value {
    json!({
        "id": id,
        "subnetId": subnet_id,
        "description": description,
        "protocol": protocol,
        "sourceIpAddress": source,
        "destinationIpAddress": destination,
        "sourcePort": "all",
        "destinationPort": destination_port,
        "position": position,
        "ipVersion": if source.contains(':') { 6 } else { 4 },
        "direction": direction,
        "action": action,
    })
}

/// One security group rule.
#[derive(Debug, Clone)]
pub(crate) struct RuleSpec {
    pub remark: &'static str,
    pub direction: &'static str,
    pub ethertype: &'static str,
    pub protocol: &'static str,
    pub port_range: &'static str,
    /// CIDR, `all`, or empty.
    pub ip: &'static str,
    /// A peer security group id (filled by the caller), or empty.
    pub group: String,
}

impl RuleSpec {
    pub(crate) fn ingress(
        remark: &'static str,
        protocol: &'static str,
        port_range: &'static str,
        ip: &'static str,
    ) -> Self {
        RuleSpec {
            remark,
            direction: "ingress",
            ethertype: if ip.contains(':') { "IPv6" } else { "IPv4" },
            protocol,
            port_range,
            ip,
            group: String::new(),
        }
    }

    pub(crate) fn egress(
        remark: &'static str,
        protocol: &'static str,
        port_range: &'static str,
        ip: &'static str,
    ) -> Self {
        RuleSpec {
            direction: "egress",
            ..RuleSpec::ingress(remark, protocol, port_range, ip)
        }
    }

    /// A peer security group (a rule may name both a CIDR and a group).
    pub(crate) fn with_group(mut self, group: &str) -> Self {
        self.group = group.to_string();
        self
    }
}

/// A security group.
#[derive(Debug, Clone)]
pub(crate) struct SecurityGroupSpec {
    pub id: String,
    pub name: String,
    pub desc: String,
    pub vpc_id: String,
    pub created: String,
    pub tags: Vec<(String, String)>,
    pub rules: Vec<RuleSpec>,
}

/// A security group as BCE lists it. Like `samples/bcc.list_security_groups.json`, ingress
/// rules carry `sourceIp`/`sourceGroupId` and egress rules `destIp`/`destGroupId`; rules also
/// carry the detail fields (`securityGroupUuid`, `createdTime`, `updatedTime`).
pub(crate) fn security_group(sg: &SecurityGroupSpec, rng: &mut impl Draw) -> Value {
    let rules: Vec<Value> = sg
        .rules
        .iter()
        .map(|r| {
            let (ip_key, group_key) = if r.direction == "ingress" {
                ("sourceIp", "sourceGroupId")
            } else {
                ("destIp", "destGroupId")
            };
            let mut rule = json!({
                "remark": r.remark,
                "direction": r.direction,
                "ethertype": r.ethertype,
                "portRange": r.port_range,
                "protocol": r.protocol,
                "securityGroupId": sg.id,
                "securityGroupRuleId": format!("r-{}", rng.lower36(12)),
                "securityGroupUuid": rng.uuid(),
                "createdTime": sg.created,
                "updatedTime": sg.created,
            });
            rule[ip_key] = json!(r.ip);
            rule[group_key] = json!(r.group);
            rule
        })
        .collect();
    json!({
        "id": sg.id,
        "name": sg.name,
        "desc": sg.desc,
        "vpcId": sg.vpc_id,
        "createdTime": sg.created,
        "sgVersion": 1 + rng.below(5),
        // Recomputed from the instances by `count_bindings`.
        "bindInstanceNum": 0,
        "tags": tags(&sg.tags),
        "rules": rules,
    })
}

/// Set every security group's `bindInstanceNum` from the instances' `nicInfo.securityGroups`.
pub(crate) fn count_bindings(instances: &[Value], groups: &mut [Value]) {
    let mut counts: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for instance in instances {
        if let Some(ids) = instance["nicInfo"]["securityGroups"].as_array() {
            for id in ids.iter().filter_map(Value::as_str) {
                *counts.entry(id).or_default() += 1;
            }
        }
    }
    for g in groups.iter_mut() {
        let n = g["id"]
            .as_str()
            .and_then(|id| counts.get(id))
            .copied()
            .unwrap_or(0);
        g["bindInstanceNum"] = json!(n);
    }
}

/// An instance.
#[derive(Debug, Clone)]
pub(crate) struct InstanceSpec {
    pub id: String,
    pub name: String,
    pub desc: String,
    pub status: &'static str,
    pub flavour: (&'static str, &'static str, u32, u32),
    pub image: Image,
    pub zone: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub internal_ip: String,
    /// With the EIP id.
    pub public_ip: Option<(String, String)>,
    pub keypair: Option<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub security_groups: Vec<String>,
    /// `Prepaid` or `Postpaid`.
    pub payment: &'static str,
    pub created: String,
    pub deletion_protection: bool,
    /// Fill every usually-empty field too (the "fully populated fixture").
    pub full: bool,
}

/// The zone letter as the NIC's `az` shows it: `cn-bj-d` → `zoneD`.
fn az(zone: &str) -> String {
    let letter = zone.rsplit('-').next().unwrap_or("a").to_ascii_uppercase();
    format!("zone{letter}")
}

pub(crate) fn instance(spec: &InstanceSpec, rng: &mut impl Draw) -> Value {
    let (instance_type, flavour, cpu, mem) = spec.flavour;
    let full = spec.full;
    let filled = |s: String| if full { s } else { String::new() };
    let public_ip = spec
        .public_ip
        .as_ref()
        .map(|(ip, _)| ip.clone())
        .unwrap_or_default();
    let (eip_status, eip_size, eip_id) = match &spec.public_ip {
        Some((_, id)) => ("binded", (1 + rng.below(20)).to_string(), id.clone()),
        None => ("", String::new(), String::new()),
    };
    let (keypair_id, keypair_name) = spec.keypair.clone().unwrap_or_default();
    let expire = if spec.payment == "Prepaid" || full {
        bump_year(&spec.created, 3)
    } else {
        String::new()
    };
    let ipv6 = filled(format!(
        "240c:4081:8002:{:x}::{:x}",
        rng.below(0xffff),
        1 + rng.below(0xfff)
    ));
    let eni_id = format!("eni-{}", rng.lower36(12));
    let nic = json!({
        "status": "inuse",
        "macAddress": rng.mac(),
        "deviceId": spec.id,
        "vpcId": spec.vpc_id,
        "eniId": eni_id,
        "name": "primary",
        "type": "primary",
        "createdTime": spec.created,
        "subnetType": "BCC",
        "subnetId": spec.subnet_id,
        "eniNum": if full { 1 } else { 0 },
        "az": az(&spec.zone),
        "eniUuid": rng.uuid(),
        "description": filled("primary network interface".to_string()),
        "ips": [{
            "eip": public_ip,
            "eipStatus": eip_status,
            "eipSize": eip_size,
            "eipId": eip_id,
            "primary": "true",
            "privateIp": spec.internal_ip,
            "eipAllocationId": filled(format!("eip-alloc-{}", rng.lower36(10))),
            "eipType": if spec.public_ip.is_some() { "normal" } else { "" },
            "eipGroupId": filled(format!("eg-{}", rng.lower36(8))),
        }],
        "securityGroups": spec.security_groups,
        "enterpriseSecurityGroups": if full { vec![format!("esg-{}", rng.lower36(12))] } else { Vec::new() },
        "eriNum": if full { 1 } else { 0 },
        "eriInfos": if full {
            json!([{"eriId": format!("eri-{}", rng.lower36(12)), "eriType": "RDMA", "status": "inuse", "privateIp": spec.internal_ip}])
        } else {
            json!([])
        },
        "ipv6s": if full { vec![ipv6.clone()] } else { Vec::new() },
    });
    let deployset_id = filled(format!("dset-{}", rng.base62(8)));
    json!({
        "id": spec.id,
        "serialNumber": rng.uuid(),
        "name": spec.name,
        "hostname": spec.name,
        "instanceType": instance_type,
        "spec": flavour,
        "desc": spec.desc,
        "status": spec.status,
        "chargeStatus": "valid",
        "paymentTiming": spec.payment,
        "createTime": spec.created,
        "expireTime": expire,
        "releaseTime": filled(bump_year(&spec.created, 5)),
        "publicIp": public_ip,
        "internalIp": spec.internal_ip,
        "cpuCount": cpu,
        "gpuCard": filled("A10".to_string()),
        "fpgaCard": filled("KU115".to_string()),
        "cardCount": if full { "1" } else { "0" },
        "memoryCapacityInGB": mem,
        "localDiskSizeInGB": if full { 40 } else { 0 },
        "imageId": spec.image.id,
        "imageName": spec.image.name,
        "imageType": "System",
        "osName": spec.image.os_name,
        "osVersion": spec.image.os_version,
        "osArch": spec.image.os_arch,
        "networkCapacityInMbps": if spec.public_ip.is_some() { 5 } else { 0 },
        "placementPolicy": "default",
        "zoneName": spec.zone,
        "subnetId": spec.subnet_id,
        "vpcId": spec.vpc_id,
        "autoRenew": spec.payment == "Prepaid",
        "keypairId": keypair_id,
        "keypairName": keypair_name,
        "dedicatedHostId": filled(format!("d-{}", rng.base62(8))),
        "tags": tags(&spec.tags),
        "ipv6": ipv6,
        "eniQuota": 2,
        "deploysetId": deployset_id,
        "nicInfo": nic,
        "deploysetList": if full {
            json!([{"deploysetId": deployset_id, "name": "ha-spread", "strategy": "HOST_HA", "concurrency": 1}])
        } else {
            json!([])
        },
        "deletionProtection": if spec.deletion_protection { 1 } else { 0 },
        "volumes": if full {
            json!([{
                "volumeId": format!("v-{}", rng.base62(8)),
                "diskSizeInGB": 40,
                "isSystemVolume": true,
                "storageType": "cloud_hp1",
                "name": format!("{}-system", spec.name),
            }])
        } else {
            json!([])
        },
        "roleName": filled("BCC_LOG_COLLECTOR".to_string()),
        "createdFrom": filled("image".to_string()),
        "hosteyeType": filled("hosteye".to_string()),
        "repairStatus": filled("normal".to_string()),
    })
}

/// `[{tagKey, tagValue}]`.
pub(crate) fn tags(pairs: &[(String, String)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect(),
    )
}

/// Owned tag pairs from literals.
pub(crate) fn tag_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `2024-03-15T08:26:52Z` + `years`.
fn bump_year(time: &str, years: i32) -> String {
    match time.get(0..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{}{}", y + years, &time[4..]),
        None => String::new(),
    }
}
