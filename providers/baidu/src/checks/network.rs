//! Checks of the catalog's section B, "Network: security groups and VPC ACLs" (11 checks).
//!
//! Eight port checks, the default-group check and the unused-group check read
//! `baidu_bcc_security_group` (the BCC `ListSecurityGroup` item, which carries `rules[]`); the
//! ACL check reads `baidu_vpc_subnet` and `baidu_vpc_acl_rule` (one asset per rule, linked by
//! `subnetId`).
//!
//! The catalog's shared conventions ("internet" source, port coverage, protocol coverage) come
//! from [`vigil_checks::net`]. One reading is local to this module: a rule for every protocol
//! (`protocol` empty or `all`) opens every port whatever its `portRange` says. BCE only accepts
//! `1-65535` for such rules (the Terraform provider's `baiducloud_security_group_rule`: "If
//! protocol is all, only support 1-65535"), so this only matters for odd data, and it keeps the
//! port checks in agreement with the all-ports check, which the catalog defines as "protocol
//! empty/`all` **or** covers 1-65535 for tcp or udp".
//!
//! Port checks escalate one severity level when the failing group is attached to an instance
//! with a public address (catalog section B, last paragraph): the finding then names those
//! instances (and their EIPs) in `related`. The combined per-instance check is
//! `baidu_bcc_instance_public_admin_exposure` in `compute.rs`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use vigil_checks::{
    net, AssetView, Check, CheckContext, CheckMeta, Coverage, Finding, Mapping, Remediation,
    ResourceRef, Severity, Status, Verdict,
};

use super::compute::{attached_group_ids, public_addresses};

/// Asset kinds read by the checks of this module and of `compute.rs`.
pub(super) const SECURITY_GROUP: &str = "baidu_bcc_security_group";
pub(super) const INSTANCE: &str = "baidu_bcc_instance";
pub(super) const EIP: &str = "baidu_eip_eip";
const SUBNET: &str = "baidu_vpc_subnet";
const ACL_RULE: &str = "baidu_vpc_acl_rule";
const KAFKA_CLUSTER: &str = "baidu_kafka_cluster";

const SG_DOC: &str = "https://intl.cloud.baidu.com/en/doc/VPC/s/mmfv3akh6";
const ACL_DOC: &str = "https://intl.cloud.baidu.com/en/doc/VPC/s/tmfv3akd6";

const SG_CONSOLE: &str =
    "Console > Virtual Private Cloud (VPC) > Security > Security Group > select the \
group > Inbound Rules: edit or delete the rule whose source is 0.0.0.0/0, ::/0 or all, and set the \
source to trusted CIDRs or a security group.";

const SG_RULE_TERRAFORM: &str = r#"# Allow the port only from a trusted CIDR (remove the 0.0.0.0/0 rule).
resource "baiducloud_security_group_rule" "restricted" {
  security_group_id = "g-xxxxxxxx"
  direction         = "ingress"
  protocol          = "tcp"
  port_range        = "22"
  source_ip         = "203.0.113.0/24"
}"#;

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by compute.rs)
// ---------------------------------------------------------------------------------------------

/// `v[field]` as a string, `""` when absent or not a string.
pub(super) fn str_of<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or("")
}

/// A display label: `name (id)`, or the id alone.
pub(super) fn label(asset: &AssetView) -> String {
    let name = asset
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| asset.str("name").to_string());
    if name.is_empty() || name == asset.resource_id {
        asset.resource_id.clone()
    } else {
        format!("{name} ({})", asset.resource_id)
    }
}

/// The group's `rules[]`, or `None` when the list item carries none (a malformed item: BCE
/// always includes the array).
pub(super) fn sg_rules(sg: &AssetView) -> Option<&[Value]> {
    sg.raw
        .get("rules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

fn missing_rules(sg: &AssetView) -> Verdict {
    Verdict::manual(format!(
        "the rules of security group {}: its ListSecurityGroup item (BCC GET /v2/securityGroup, \
         policy BCCReadAccessPolicy) has no rules[] array",
        sg.resource_id
    ))
}

/// Whether a protocol spelling means every protocol (`""`, `all`).
fn every_protocol(protocol: &str) -> bool {
    ["tcp", "udp", "icmp"]
        .iter()
        .all(|p| net::protocol_covers(protocol, p))
}

/// Whether traffic of `protocol` (`tcp`, `udp`) to `port` is let through by a rule with this
/// `protocol` and port range (an every-protocol rule opens every port: see the module docs).
pub(super) fn opens_port(rule_protocol: &str, port_range: &str, protocol: &str, port: u16) -> bool {
    net::protocol_covers(rule_protocol, protocol)
        && (every_protocol(rule_protocol) || net::port_covered(port_range, port))
}

/// Whether a rule with this `protocol` and port range opens every port: every protocol, or every
/// port of `tcp` or `udp` (catalog: "protocol empty/`all` or covers 1-65535 for tcp or udp").
pub(super) fn opens_all_ports(rule_protocol: &str, port_range: &str) -> bool {
    every_protocol(rule_protocol)
        || (["tcp", "udp"]
            .iter()
            .any(|p| net::protocol_covers(rule_protocol, p))
            && net::covers_all_ports(port_range))
}

/// Whether a security-group rule is an ingress rule from the internet (catalog conventions,
/// [`net::is_internet_source`]).
pub(super) fn is_internet_ingress(rule: &Value, broad_cidr_max_prefix: u64) -> bool {
    net::is_internet_source(rule, broad_cidr_max_prefix)
}

/// The fields of a security-group rule that decide exposure (for evidence).
pub(super) fn rule_evidence(rule: &Value) -> Value {
    let mut m = Map::new();
    for f in [
        "securityGroupRuleId",
        "direction",
        "ethertype",
        "protocol",
        "portRange",
        "sourceIp",
        "sourceGroupId",
        "remark",
    ] {
        if let Some(v) = rule.get(f) {
            m.insert(f.to_string(), v.clone());
        }
    }
    Value::Object(m)
}

/// `r-xxxx (tcp 22 from 0.0.0.0/0)`.
pub(super) fn rule_label(rule: &Value) -> String {
    let or = |s: &str, d: &str| {
        if s.trim().is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{} ({} {} from {})",
        or(str_of(rule, "securityGroupRuleId"), "rule without id"),
        or(str_of(rule, "protocol"), "all protocols"),
        or(str_of(rule, "portRange"), "all ports"),
        or(str_of(rule, "sourceIp"), "any source"),
    )
}

/// Internet ingress rules of a group that let TCP reach any of `ports`, each with the ports it
/// opens.
pub(super) fn tcp_exposure<'r>(
    rules: &'r [Value],
    ports: &[u16],
    broad_cidr_max_prefix: u64,
) -> Vec<(&'r Value, Vec<u16>)> {
    rules
        .iter()
        .filter(|r| is_internet_ingress(r, broad_cidr_max_prefix))
        .filter_map(|r| {
            let opened: Vec<u16> = ports
                .iter()
                .copied()
                .filter(|p| opens_port(str_of(r, "protocol"), str_of(r, "portRange"), "tcp", *p))
                .collect();
            (!opened.is_empty()).then_some((r, opened))
        })
        .collect()
}

/// The ids of a group's internet ingress rules (context in PASS evidence).
fn internet_rule_ids(rules: &[Value], broad_cidr_max_prefix: u64) -> Vec<String> {
    rules
        .iter()
        .filter(|r| is_internet_ingress(r, broad_cidr_max_prefix))
        .map(|r| str_of(r, "securityGroupRuleId").to_string())
        .collect()
}

/// The security group with this id in `region`.
pub(super) fn find_group<'c>(
    ctx: &'c CheckContext<'_>,
    region: &str,
    id: &str,
) -> Option<&'c AssetView> {
    ctx.assets(SECURITY_GROUP)
        .iter()
        .find(|g| g.region == region && g.resource_id == id)
}

/// The marker that makes a group its VPC's default group, if it is one: `isDefault = true` when
/// the item has that flag, else the name BCE gives the group it creates with a VPC (`default`,
/// as in the simulator's worlds; `默认安全组` in the Chinese console). The BCC list item has no
/// documented default flag (catalog: "confirm marker in fixtures").
pub(super) fn default_group_marker(sg: &AssetView) -> Option<&'static str> {
    if sg.raw.get("isDefault").and_then(Value::as_bool) == Some(true) {
        return Some("isDefault = true");
    }
    let name = sg.str("name").trim();
    if name.eq_ignore_ascii_case("default") {
        Some("name = default")
    } else if name == "默认安全组" {
        Some("name = 默认安全组")
    } else {
        None
    }
}

/// Like [`CheckContext::per_asset`], but `f` also names the other assets involved, which are
/// attached to the finding's `related`.
pub(super) fn per_asset_with_related(
    ctx: &CheckContext<'_>,
    check: &Check,
    kind: &str,
    f: impl Fn(&AssetView) -> (Verdict, Vec<ResourceRef>),
) -> Vec<Finding> {
    let related: RefCell<BTreeMap<(String, String), Vec<ResourceRef>>> = RefCell::default();
    let mut findings = ctx.per_asset(check, kind, |asset| {
        let (verdict, refs) = f(asset);
        if !refs.is_empty() {
            related
                .borrow_mut()
                .insert((asset.region.clone(), asset.resource_id.clone()), refs);
        }
        verdict
    });
    let mut related = related.into_inner();
    for finding in findings.iter_mut().filter(|x| x.resource_kind == kind) {
        if let Some(refs) = related.remove(&(finding.region.clone(), finding.resource_id.clone())) {
            finding.related.extend(refs);
        }
    }
    findings
}

/// One severity level up (critical stays critical).
fn raised(s: Severity) -> Severity {
    match s {
        Severity::Critical | Severity::High => Severity::Critical,
        Severity::Medium => Severity::High,
        Severity::Low => Severity::Medium,
        Severity::Informational => Severity::Low,
    }
}

/// Catalog section B: a failing port check escalates one level when the group is attached to
/// an instance (same region, `nicInfo.securityGroups`) with a public address (`publicIp`, a NIC
/// EIP, or a `baidu_eip_eip` bound to it). The instances and their EIPs join `related`.
fn escalate_when_public(ctx: &CheckContext<'_>, mut findings: Vec<Finding>) -> Vec<Finding> {
    for finding in findings
        .iter_mut()
        .filter(|f| f.status == Status::Fail && f.resource_kind == SECURITY_GROUP)
    {
        let mut instances = Vec::new();
        let mut refs = BTreeSet::new();
        for instance in ctx.assets(INSTANCE).iter().filter(|i| {
            i.region == finding.region
                && attached_group_ids(i).is_some_and(|ids| ids.contains(&finding.resource_id))
        }) {
            let public = public_addresses(ctx, instance);
            if public.addresses.is_empty() {
                continue;
            }
            instances.push(json!({
                "instanceId": instance.resource_id,
                "status": instance.str("status"),
                "publicAddresses": public.addresses,
            }));
            refs.insert(instance.to_ref());
            refs.extend(public.eips.iter().map(|e| e.to_ref()));
        }
        if instances.is_empty() {
            continue;
        }
        let ids: Vec<&str> = instances.iter().map(|i| str_of(i, "instanceId")).collect();
        let up = raised(finding.severity);
        if up != finding.severity {
            finding.message.push_str(&format!(
                "; the group is attached to instance(s) with a public address ({}), so the \
                 severity is raised from {} to {}",
                ids.join(", "),
                finding.severity,
                up
            ));
        } else {
            finding.message.push_str(&format!(
                "; the group is attached to instance(s) with a public address ({})",
                ids.join(", ")
            ));
        }
        if let Some(m) = finding.evidence.as_object_mut() {
            m.insert("publicInstances".into(), Value::Array(instances));
            m.insert("baseSeverity".into(), json!(finding.severity.as_str()));
        }
        finding.severity = up;
        finding.related.extend(refs);
    }
    findings
}

// ---------------------------------------------------------------------------------------------
// The port checks
// ---------------------------------------------------------------------------------------------

/// `22`, `27017, 27018, 27019`.
fn port_list(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `base` plus `extra` (a parameter's ports), sorted, without duplicates.
fn ports_with(base: &[u16], extra: Vec<u16>) -> Vec<u16> {
    let mut ports: BTreeSet<u16> = base.iter().copied().collect();
    ports.extend(extra);
    ports.into_iter().collect()
}

/// A port check: FAIL when at least one internet ingress rule lets TCP reach one of `ports`.
fn port_check(ctx: &CheckContext<'_>, check: &Check, service: &str, ports: &[u16]) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    let findings = ctx.per_asset(check, SECURITY_GROUP, |sg| {
        let Some(rules) = sg_rules(sg) else {
            return missing_rules(sg);
        };
        if ports.is_empty() {
            return Verdict::na("No ports are configured for this check");
        }
        let open = tcp_exposure(rules, ports, prefix);
        if open.is_empty() {
            return Verdict::pass(
                format!(
                    "No internet ingress rule of security group {} opens {service} (TCP {})",
                    label(sg),
                    port_list(ports)
                ),
                json!({
                    "ports": ports,
                    "protocol": "tcp",
                    "internetIngressRules": internet_rule_ids(rules, prefix),
                    "broadCidrMaxPrefix": prefix,
                }),
            );
        }
        let offending: Vec<Value> = open
            .iter()
            .map(|(rule, opened)| {
                let mut e = rule_evidence(rule);
                e["opens"] = json!(opened);
                e
            })
            .collect();
        let labels: Vec<String> = open.iter().map(|(r, _)| rule_label(r)).collect();
        Verdict::fail(
            format!(
                "Security group {} allows {service} (TCP {}) from the internet: {}",
                label(sg),
                port_list(ports),
                labels.join("; ")
            ),
            json!({
                "ports": ports,
                "protocol": "tcp",
                "offendingRules": offending,
                "broadCidrMaxPrefix": prefix,
            }),
        )
    });
    escalate_when_public(ctx, findings)
}

const READS_SG_PORTS: &[&str] = &[SECURITY_GROUP, INSTANCE, EIP];

static SSH_22: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_ssh_22",
        provider: "baidu",
        title: "Security group allows SSH (TCP 22) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an ingress rule of the security group has an internet source (sourceIp \
            empty, all, 0.0.0.0/0 or ::/0 and no source group) and protocol tcp or all covering port 22. \
            Severity rises to critical when the group is attached to an instance with a public IP or EIP.",
        risk: "Exposed SSH is brute-forced within minutes of being reachable; one weak key or password \
            is enough to take over the host.",
        remediation: Remediation {
            text: "Restrict the rule's source to administrator CIDRs or a bastion security group; prefer \
                a bastion host or VPN for administrative access.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "3.2",
            },
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.3",
            },
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.3",
            },
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.4",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_securitygroup_restrict_ssh_internet",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-c",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_ssh_22,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&SSH_22) }

fn evaluate_ssh_22(ctx: &CheckContext<'_>) -> Vec<Finding> {
    port_check(ctx, &SSH_22, "SSH", &[22])
}

static RDP_3389: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_rdp_3389",
        provider: "baidu",
        title: "Security group allows RDP (TCP 3389) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group (source empty, all, \
            0.0.0.0/0 or ::/0, no source group) with protocol tcp or all covers port 3389. Severity rises \
            to critical when the group is attached to an instance with a public IP or EIP.",
        risk: "RDP exposed to the internet is a top ransomware entry point: it is scanned continuously \
            and brute-forced or exploited.",
        remediation: Remediation {
            text: "Restrict the rule's source to administrator CIDRs or a jump-host security group; use a \
                jump host or VPN for remote desktop access.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.4",
            },
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.3",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_securitygroup_restrict_rdp_internet",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-c",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_rdp_3389,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&RDP_3389) }

fn evaluate_rdp_3389(ctx: &CheckContext<'_>) -> Vec<Finding> {
    port_check(ctx, &RDP_3389, "RDP", &[3389])
}

static ALL_PORTS: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_all_ports",
        provider: "baidu",
        title: "Security group allows all ports/protocols from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::Critical,
        description: "Fails when an internet ingress rule of the security group (source empty, all, \
            0.0.0.0/0 or ::/0, no source group) has protocol empty or all, or covers every port \
            (portRange empty or 1-65535) for tcp or udp.",
        risk: "Any service started on an attached host (debug ports, databases, admin consoles) becomes \
            reachable from the internet the moment it listens.",
        remediation: Remediation {
            text: "Replace the rule with explicit per-port rules for the services that must be public, and \
                restrict every other port to trusted sources.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "3.5",
            },
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.3",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_any_port",
            },
            Mapping {
                framework: "prowler",
                requirement: "huaweicloud/vpc_security_group_all_protocols_open",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-a",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_all_ports,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ALL_PORTS) }

fn evaluate_all_ports(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    let findings = ctx.per_asset(&ALL_PORTS, SECURITY_GROUP, |sg| {
        let Some(rules) = sg_rules(sg) else {
            return missing_rules(sg);
        };
        let open: Vec<&Value> = rules
            .iter()
            .filter(|r| is_internet_ingress(r, prefix))
            .filter(|r| opens_all_ports(str_of(r, "protocol"), str_of(r, "portRange")))
            .collect();
        if open.is_empty() {
            return Verdict::pass(
                format!(
                    "No internet ingress rule of security group {} opens every port or protocol",
                    label(sg)
                ),
                json!({
                    "internetIngressRules": internet_rule_ids(rules, prefix),
                    "broadCidrMaxPrefix": prefix,
                }),
            );
        }
        let labels: Vec<String> = open.iter().map(|r| rule_label(r)).collect();
        Verdict::fail(
            format!(
                "Security group {} allows every port from the internet: {}",
                label(sg),
                labels.join("; ")
            ),
            json!({
                "offendingRules": open.iter().map(|r| rule_evidence(r)).collect::<Vec<_>>(),
                "broadCidrMaxPrefix": prefix,
            }),
        )
    });
    escalate_when_public(ctx, findings)
}

static MYSQL_3306: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_mysql_3306",
        provider: "baidu",
        title: "Security group allows MySQL (TCP 3306) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group covers TCP 3306 (plus the \
            ports of parameter mysql_extra_ports, e.g. 3307 or 33060). Severity rises to critical when the \
            group is attached to an instance with a public IP or EIP.",
        risk: "Self-managed databases on BCC that are reachable from the internet are credential-stuffed \
            and ransomed.",
        remediation: Remediation {
            text: "Allow the database port only from application subnets or security groups; use RDS with \
                private endpoints for managed databases.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_port_mysql_exposed_to_internet",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_mysql_3306,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&MYSQL_3306) }

fn evaluate_mysql_3306(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let ports = ports_with(&[3306], ctx.params().ports("mysql_extra_ports"));
    port_check(ctx, &MYSQL_3306, "MySQL", &ports)
}

static REDIS_6379: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_redis_6379",
        provider: "baidu",
        title: "Security group allows Redis (TCP 6379) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group covers TCP 6379 (plus the \
            ports of parameter redis_extra_ports, e.g. 6380 or 26379). Severity rises to critical when the \
            group is attached to an instance with a public IP or EIP.",
        risk: "Redis often runs without authentication; exposed instances are mass-exploited by writing \
            cron jobs or SSH keys through it.",
        remediation: Remediation {
            text: "Bind Redis to private addresses, restrict the security group to application sources and \
                enable authentication; prefer the managed SCS service.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_port_redis_exposed_to_internet",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_redis_6379,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&REDIS_6379) }

fn evaluate_redis_6379(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let ports = ports_with(&[6379], ctx.params().ports("redis_extra_ports"));
    port_check(ctx, &REDIS_6379, "Redis", &ports)
}

static MONGODB_27017: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_mongodb_27017",
        provider: "baidu",
        title: "Security group allows MongoDB (TCP 27017–27019) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group covers any of TCP 27017, \
            27018 or 27019. Severity rises to critical when the group is attached to an instance with a \
            public IP or EIP.",
        risk: "MongoDB reachable from the internet is a classic data-extortion target: databases are \
            wiped and held for ransom.",
        remediation: Remediation {
            text: "Restrict the sources to application subnets or security groups and enable \
                authentication; prefer the managed MongoDB service on the private network.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_mongodb_27017,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&MONGODB_27017) }

fn evaluate_mongodb_27017(ctx: &CheckContext<'_>) -> Vec<Finding> {
    port_check(ctx, &MONGODB_27017, "MongoDB", &[27017, 27018, 27019])
}

static KAFKA_9092: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_kafka_9092",
        provider: "baidu",
        title: "Security group allows Kafka (TCP 9092/9093) from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group covers TCP 9092 or 9093 \
            (plus the ports of parameter kafka_extra_ports, e.g. 2181 for ZooKeeper). Severity rises to \
            critical when the group is attached to an instance with a public IP or EIP.",
        risk: "Open Kafka brokers leak message streams and accept messages from rogue producers.",
        remediation: Remediation {
            text: "Restrict the broker ports to producer and consumer subnets or security groups, and \
                enable SASL/TLS on the brokers.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_port_kafka_exposed_to_internet",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_kafka_9092,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&KAFKA_9092) }

fn evaluate_kafka_9092(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let ports = ports_with(&[9092, 9093], ctx.params().ports("kafka_extra_ports"));
    port_check(ctx, &KAFKA_9092, "Kafka", &ports)
}

static HIGH_RISK_PORTS: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_internet_high_risk_ports",
        provider: "baidu",
        title: "Security group exposes other high-risk service ports to the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an internet ingress rule of the security group covers any TCP port of \
            parameter high_risk_ports (default: FTP, Telnet, SMTP, POP3, NetBIOS/SMB, SQL Server, Oracle, \
            NFS, Docker, etcd, PostgreSQL, Kibana, VNC, Kubernetes API and kubelet, HTTP proxies, \
            Elasticsearch, Memcached; the ports with a dedicated check are left out). Severity rises to \
            critical when the group is attached to an instance with a public IP or EIP.",
        risk: "Plaintext, administrative, database and container-API ports are routinely scanned and \
            exploited when reachable from the internet.",
        remediation: Remediation {
            text: "Close these ports or restrict them to trusted sources; put management planes behind a \
                VPN or bastion.",
            console: SG_CONSOLE,
            cli: None,
            terraform: Some(SG_RULE_TERRAFORM),
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_ftp_port_20_21",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-b",
            },
        ],
        reads: READS_SG_PORTS,
    },
    evaluate: evaluate_high_risk_ports,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&HIGH_RISK_PORTS) }

fn evaluate_high_risk_ports(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let ports = ports_with(&[], ctx.params().ports("high_risk_ports"));
    port_check(ctx, &HIGH_RISK_PORTS, "high-risk services", &ports)
}

// ---------------------------------------------------------------------------------------------
// Default group, unused group
// ---------------------------------------------------------------------------------------------

static DEFAULT_ALLOWS_INTERNET: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_default_allows_internet_ingress",
        provider: "baidu",
        title: "Default security group allows inbound traffic from the internet",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::Medium,
        description: "Fails when the default security group of a VPC (isDefault = true, or the name BCE \
            gives it: default / 默认安全组) has any ingress rule from the internet (source empty, all, \
            0.0.0.0/0 or ::/0, no source group), whatever the port. Other groups are not applicable.",
        risk: "Resources land in the default group implicitly; BCE's default group admits all inbound \
            traffic unless changed, so anything placed in it is exposed. It should deny by default.",
        remediation: Remediation {
            text: "Remove the internet ingress rules from the default group (keep only rules whose source \
                is the group itself) and create purpose-specific groups for exposed services.",
            console: "Console > Virtual Private Cloud (VPC) > Security > Security Group > select the VPC's \
                default group > Inbound Rules: delete the rules whose source is 0.0.0.0/0, ::/0 or all.",
            cli: None,
            terraform: None,
            url: SG_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.5",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_default_restrict_traffic",
            },
            Mapping {
                framework: "prowler",
                requirement: "huaweicloud/vpc_default_security_group_restricts_all_traffic",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-a",
            },
        ],
        reads: &[SECURITY_GROUP],
    },
    evaluate: evaluate_default_allows_internet,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&DEFAULT_ALLOWS_INTERNET) }

fn evaluate_default_allows_internet(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    ctx.per_asset(&DEFAULT_ALLOWS_INTERNET, SECURITY_GROUP, |sg| {
        let Some(marker) = default_group_marker(sg) else {
            return Verdict::na(format!(
                "Security group {} is not the default group of its VPC",
                label(sg)
            ));
        };
        let Some(rules) = sg_rules(sg) else {
            return missing_rules(sg);
        };
        let open: Vec<&Value> = rules
            .iter()
            .filter(|r| is_internet_ingress(r, prefix))
            .collect();
        let evidence = |rules: Vec<Value>| {
            json!({
                "defaultMarker": marker,
                "vpcId": sg.str("vpcId"),
                "internetIngressRules": rules,
                "broadCidrMaxPrefix": prefix,
            })
        };
        if open.is_empty() {
            Verdict::pass(
                format!(
                    "Default security group {} of VPC {} has no ingress rule from the internet",
                    label(sg),
                    sg.str("vpcId")
                ),
                evidence(Vec::new()),
            )
        } else {
            let labels: Vec<String> = open.iter().map(|r| rule_label(r)).collect();
            Verdict::fail(
                format!(
                    "Default security group {} of VPC {} allows inbound traffic from the internet: {}",
                    label(sg),
                    sg.str("vpcId"),
                    labels.join("; ")
                ),
                evidence(open.iter().map(|r| rule_evidence(r)).collect()),
            )
        }
    })
}

static UNUSED: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_securitygroup_unused",
        provider: "baidu",
        title: "Security group not attached to any resource",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::Low,
        description: "Fails when no BCC instance of the region lists the group in nicInfo.securityGroups, \
            its bindInstanceNum (when the item carries it) is 0, no Kafka cluster uses it, and it is not \
            its VPC's default group. RDS, SCS, MongoDB and BLB security-group bindings are not collected, \
            so confirm those before deleting.",
        risk: "Orphan groups with permissive rules get re-attached by mistake, and clutter hides real \
            exposure during reviews.",
        remediation: Remediation {
            text: "Review the group (including managed-database and load-balancer bindings) and delete it \
                when nothing uses it.",
            console: "Console > Virtual Private Cloud (VPC) > Security > Security Group > check the \
                associated instances of the group > Delete.",
            cli: None,
            terraform: None,
            url: SG_DOC,
        },
        categories: &["hygiene"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_securitygroup_not_used",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-b",
            },
        ],
        reads: &[SECURITY_GROUP, INSTANCE, KAFKA_CLUSTER],
    },
    evaluate: evaluate_unused,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&UNUSED) }

/// Ids of the Kafka clusters in `region` whose detail lists the group
/// (`detail.cluster.provisioned.securityGroups[].securityGroupId`).
fn kafka_clusters_using(ctx: &CheckContext<'_>, region: &str, group_id: &str) -> Vec<String> {
    ctx.assets(KAFKA_CLUSTER)
        .iter()
        .filter(|c| c.region == region)
        .filter(|c| {
            c.detail("detail")
                .ok()
                .and_then(|d| d.pointer("/cluster/provisioned/securityGroups"))
                .and_then(Value::as_array)
                .is_some_and(|groups| {
                    groups
                        .iter()
                        .any(|g| str_of(g, "securityGroupId") == group_id)
                })
        })
        .map(|c| c.resource_id.clone())
        .collect()
}

fn evaluate_unused(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&UNUSED, SECURITY_GROUP, |sg| {
        if let Some(marker) = default_group_marker(sg) {
            return Verdict::na(format!(
                "Security group {} is the default group of VPC {} ({marker}); it cannot be deleted",
                label(sg),
                sg.str("vpcId")
            ));
        }
        let instances: Vec<&str> = ctx
            .assets(INSTANCE)
            .iter()
            .filter(|i| {
                i.region == sg.region
                    && attached_group_ids(i).is_some_and(|ids| ids.contains(&sg.resource_id))
            })
            .map(|i| i.resource_id.as_str())
            .collect();
        let kafka = kafka_clusters_using(ctx, &sg.region, &sg.resource_id);
        let bind_num = sg.raw.get("bindInstanceNum").and_then(Value::as_u64);
        let instance_coverage = ctx.coverage(INSTANCE, &sg.region);
        let evidence = json!({
            "bindInstanceNum": bind_num,
            "instancesUsingGroup": instances,
            "kafkaClustersUsingGroup": kafka,
            "instanceListing": instance_coverage.to_json(),
        });
        if !instances.is_empty() || bind_num.is_some_and(|n| n > 0) || !kafka.is_empty() {
            let mut users: Vec<String> = instances.iter().map(|s| s.to_string()).collect();
            users.extend(kafka.iter().cloned());
            let what = if users.is_empty() {
                format!("{} instance(s) per bindInstanceNum", bind_num.unwrap_or(0))
            } else {
                users.join(", ")
            };
            return Verdict::pass(
                format!("Security group {} is in use by {what}", label(sg)),
                evidence,
            );
        }
        if bind_num.is_none() && instance_coverage != Coverage::Collected {
            return Verdict::manual(format!(
                "whether any instance uses security group {}: {} (the group item has no \
                 bindInstanceNum; BCC GetSecurityGroupDetail would supply it)",
                sg.resource_id,
                instance_coverage.describe(INSTANCE, &sg.region)
            ));
        }
        Verdict::fail(
            format!(
                "Security group {} is not attached to any BCC instance or Kafka cluster in {} \
                 (RDS, SCS, MongoDB and BLB bindings are not collected: confirm before deleting)",
                label(sg),
                sg.region
            ),
            evidence,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Subnet ACLs
// ---------------------------------------------------------------------------------------------

static ACL_ADMIN_PORTS: Check = Check {
    meta: CheckMeta {
        id: "baidu_vpc_acl_internet_admin_ports",
        provider: "baidu",
        title: "VPC network ACL allows internet ingress to admin ports (22/3389) or all ports",
        service: "vpc",
        resource_type: "BCE::VPC::Acl",
        severity: Severity::Medium,
        description: "For each subnet, evaluates its ACL ingress rules in position order (lowest first, \
            first match wins) separately for IPv4 and IPv6. Fails when the first rule from the internet \
            (sourceIpAddress 0.0.0.0/0, ::/0 or all) that matches TCP 22, TCP 3389, or every TCP or UDP \
            port has action allow. BCE's unmodifiable default rule (position 1000, allow all) therefore \
            fails a subnet unless an earlier rule denies that traffic.",
        risk: "The ACL is the subnet-level backstop behind security groups; an ACL that lets the \
            internet reach admin ports or every port removes that layer.",
        remediation: Remediation {
            text: "Add explicit deny rules for TCP 22 and 3389 (and a deny-all for unexpected ports) from \
                0.0.0.0/0 and ::/0 at a higher priority (smaller position) than any broader allow.",
            console: "Console > Virtual Private Cloud (VPC) > Security > ACL > select the VPC and subnet > \
                Inbound Rules > Add rule: protocol tcp, source 0.0.0.0/0, destination port 22 (and 3389), \
                action deny, with a position smaller than the allow rules.",
            cli: None,
            terraform: Some(
                r#"resource "baiducloud_acl" "deny_ssh_from_internet" {
  subnet_id              = "sbn-xxxxxxxx"
  direction              = "ingress"
  protocol               = "tcp"
  source_ip_address      = "0.0.0.0/0"
  destination_ip_address = "192.168.0.0/24"
  source_port            = "all"
  destination_port       = "22"
  position               = 10
  action                 = "deny"
}"#,
            ),
            url: ACL_DOC,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.2",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_networkacl_allow_ingress_tcp_port_22",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_networkacl_allow_ingress_tcp_port_3389",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_networkacl_allow_ingress_any_port",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-a",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.2-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-c",
            },
        ],
        reads: &[SUBNET, ACL_RULE],
    },
    evaluate: evaluate_acl_admin_ports,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ACL_ADMIN_PORTS) }

/// The traffic the ACL check probes: TCP to one port, or every port of a protocol.
#[derive(Debug, Clone, Copy)]
enum Probe {
    Port(u16),
    AllPorts(&'static str),
}

impl Probe {
    const ALL: [Probe; 4] = [
        Probe::Port(22),
        Probe::Port(3389),
        Probe::AllPorts("tcp"),
        Probe::AllPorts("udp"),
    ];

    fn label(self) -> String {
        match self {
            Probe::Port(p) => format!("tcp/{p}"),
            Probe::AllPorts(proto) => format!("{proto}/all ports"),
        }
    }

    /// Whether an ACL rule's protocol and destination port match this traffic. A rule for one
    /// port does not match "all ports" (it only covers part of it).
    fn matches(self, rule: &AssetView) -> bool {
        let (protocol, port) = (rule.str("protocol"), rule.str("destinationPort"));
        match self {
            Probe::Port(p) => opens_port(protocol, port, "tcp", p),
            Probe::AllPorts(proto) => {
                net::protocol_covers(protocol, proto)
                    && (every_protocol(protocol) || net::covers_all_ports(port))
            }
        }
    }
}

/// The IP version of an ACL rule: `ipVersion`, else from the source's spelling.
fn acl_ip_version(rule: &AssetView) -> u64 {
    match rule.field("ipVersion") {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(4),
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().parse().unwrap_or(4),
        _ if rule.str("sourceIpAddress").contains(':') => 6,
        _ => 4,
    }
}

/// An ACL rule's position (priority, lower first); rules without one sort last.
fn acl_position(rule: &AssetView) -> u64 {
    match rule.field("position") {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(u64::MAX),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(u64::MAX),
        _ => u64::MAX,
    }
}

fn acl_rule_evidence(rule: &AssetView) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(rule.resource_id));
    for f in [
        "position",
        "action",
        "protocol",
        "sourceIpAddress",
        "destinationIpAddress",
        "destinationPort",
        "ipVersion",
        "description",
    ] {
        if let Some(v) = rule.field(f) {
            m.insert(f.to_string(), v.clone());
        }
    }
    Value::Object(m)
}

fn evaluate_acl_admin_ports(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    per_asset_with_related(ctx, &ACL_ADMIN_PORTS, SUBNET, |subnet| {
        assess_subnet_acl(ctx, subnet, prefix)
    })
}

fn assess_subnet_acl(
    ctx: &CheckContext<'_>,
    subnet: &AssetView,
    prefix: u64,
) -> (Verdict, Vec<ResourceRef>) {
    let coverage = ctx.coverage(ACL_RULE, &subnet.region);
    if coverage != Coverage::Collected {
        return (
            Verdict::manual(format!(
                "the ACL rules of subnet {}: {}",
                subnet.resource_id,
                coverage.describe(ACL_RULE, &subnet.region)
            )),
            Vec::new(),
        );
    }
    let rules: Vec<&AssetView> = ctx
        .assets(ACL_RULE)
        .iter()
        .filter(|r| r.region == subnet.region && r.str("subnetId") == subnet.resource_id)
        .collect();
    if rules.is_empty() {
        return (
            Verdict::manual(format!(
                "the ACL rules of subnet {}: the VPC ACL listing (GET /v1/acl?vpcId={}) returned none \
                 for it, although BCE gives every subnet its default rules",
                subnet.resource_id,
                subnet.str("vpcId")
            )),
            Vec::new(),
        );
    }
    let mut ingress: Vec<&AssetView> = rules
        .into_iter()
        .filter(|r| r.str("direction").eq_ignore_ascii_case("ingress"))
        .collect();
    ingress
        .sort_by(|a, b| (acl_position(a), &a.resource_id).cmp(&(acl_position(b), &b.resource_id)));
    let versions: BTreeSet<u64> = ingress.iter().map(|r| acl_ip_version(r)).collect();

    let mut decisions = Vec::new();
    let mut exposures = Vec::new();
    let mut related = BTreeSet::new();
    for version in &versions {
        for probe in Probe::ALL {
            let first = ingress.iter().find(|r| {
                acl_ip_version(r) == *version
                    && net::is_any_source(r.str("sourceIpAddress"), prefix)
                    && probe.matches(r)
            });
            let decision = json!({
                "ipVersion": version,
                "traffic": probe.label(),
                "firstMatchingRule": first.map(|r| acl_rule_evidence(r)),
            });
            if let Some(rule) = first {
                if rule.str("action").eq_ignore_ascii_case("allow") {
                    exposures.push((*version, probe, *rule));
                    related.insert(rule.to_ref());
                }
            }
            decisions.push(decision);
        }
    }
    let evidence = json!({
        "subnetId": subnet.resource_id,
        "vpcId": subnet.str("vpcId"),
        "ingressRulesEvaluated": ingress.len(),
        "decisions": decisions,
        "broadCidrMaxPrefix": prefix,
    });
    if exposures.is_empty() {
        return (
            Verdict::pass(
                format!(
                    "The ACL of subnet {} denies (or does not allow) internet ingress to TCP 22, TCP \
                     3389 and all ports",
                    label(subnet)
                ),
                evidence,
            ),
            Vec::new(),
        );
    }
    // One phrase per allowing rule: "IPv4 tcp/22, tcp/3389 allowed by rule ar-x (position 1000,
    // "default allow")".
    let mut by_rule: Vec<(u64, &AssetView, Vec<String>)> = Vec::new();
    for (version, probe, rule) in &exposures {
        match by_rule
            .iter_mut()
            .find(|(v, r, _)| v == version && r.resource_id == rule.resource_id)
        {
            Some((_, _, traffic)) => traffic.push(probe.label()),
            None => by_rule.push((*version, rule, vec![probe.label()])),
        }
    }
    let parts: Vec<String> = by_rule
        .iter()
        .map(|(version, rule, traffic)| {
            format!(
                "IPv{version} {} allowed by rule {} (position {}{})",
                traffic.join(", "),
                rule.resource_id,
                rule.field("position")
                    .map(Value::to_string)
                    .unwrap_or_else(|| "none".into()),
                if rule.str("description").is_empty() {
                    String::new()
                } else {
                    format!(", \"{}\"", rule.str("description"))
                }
            )
        })
        .collect();
    (
        Verdict::fail(
            format!(
                "The ACL of subnet {} lets the internet in: {}",
                label(subnet),
                parts.join("; ")
            ),
            evidence,
        ),
        related.into_iter().collect(),
    )
}

#[cfg(test)]
pub(super) mod tests {
    //! Fixtures follow the shapes of `samples/bcc.list_security_groups.json`,
    //! `samples/vpc.list_acl_entries.json` and the simulator's default world.

    use super::*;

    pub(in crate::checks) const REGION: &str = "bj";

    /// One of this area's checks by id (tests in compute.rs reach network checks through it).
    pub(in crate::checks) fn check_by_id(id: &str) -> Option<&'static Check> {
        vigil_checks::checks()
            .iter()
            .copied()
            .find(|c| c.meta.id == id)
    }

    /// An ingress rule with a CIDR source.
    pub(in crate::checks) fn ingress(id: &str, protocol: &str, ports: &str, source: &str) -> Value {
        json!({
            "remark": "", "direction": "ingress", "ethertype": if source.contains(':') { "IPv6" } else { "IPv4" },
            "portRange": ports, "protocol": protocol, "sourceGroupId": "", "sourceIp": source,
            "securityGroupId": "g-test", "securityGroupRuleId": id,
        })
    }

    /// An ingress rule from a peer group (and an optional CIDR).
    pub(in crate::checks) fn ingress_from_group(
        id: &str,
        protocol: &str,
        ports: &str,
        source: &str,
        group: &str,
    ) -> Value {
        let mut r = ingress(id, protocol, ports, source);
        r["sourceGroupId"] = json!(group);
        r
    }

    pub(in crate::checks) fn egress(id: &str, protocol: &str, ports: &str, dest: &str) -> Value {
        json!({
            "remark": "", "direction": "egress", "ethertype": "IPv4", "portRange": ports,
            "protocol": protocol, "destGroupId": "", "destIp": dest,
            "securityGroupId": "g-test", "securityGroupRuleId": id,
        })
    }

    pub(in crate::checks) fn group(id: &str, name: &str, rules: Vec<Value>) -> AssetView {
        AssetView::new(
            SECURITY_GROUP,
            REGION,
            id,
            json!({"id": id, "name": name, "desc": "", "vpcId": "vpc-1", "tags": [], "rules": rules}),
        )
        .with_name(name)
    }

    /// A running instance in REGION with these groups and public IP ("" for none).
    pub(in crate::checks) fn instance(id: &str, public_ip: &str, groups: &[&str]) -> AssetView {
        AssetView::new(
            INSTANCE,
            REGION,
            id,
            json!({
                "id": id, "name": id, "status": "Running", "publicIp": public_ip,
                "internalIp": "192.168.0.10", "paymentTiming": "Postpaid",
                "osName": "Ubuntu", "osVersion": "22.04 LTS amd64 (64bit)",
                "imageName": "Ubuntu 22.04 LTS amd64 (64bit)",
                "keypairId": "k-1", "keypairName": "ops", "deletionProtection": 0, "tags": [],
                "nicInfo": {
                    "ips": [{"eip": public_ip, "eipStatus": if public_ip.is_empty() { "" } else { "binded" },
                             "privateIp": "192.168.0.10", "primary": "true"}],
                    "securityGroups": groups,
                },
            }),
        )
        .with_name(id)
    }

    /// An EIP bound to `instance_id` ("" for unbound).
    pub(in crate::checks) fn eip(address: &str, instance_id: &str) -> AssetView {
        let bound = !instance_id.is_empty();
        AssetView::new(
            EIP,
            REGION,
            address,
            json!({
                "name": "eip", "eip": address, "eipId": format!("ip-{address}"),
                "status": if bound { "binded" } else { "available" },
                "instanceType": if bound { "BCC" } else { "" }, "instanceId": instance_id,
                "createTime": "2024-03-15T08:27:30Z", "deleteProtect": false,
            }),
        )
    }

    fn run(check: &Check, ctx: &CheckContext<'_>) -> Vec<Finding> {
        (check.evaluate)(ctx)
    }

    fn only(findings: &[Finding]) -> &Finding {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        &findings[0]
    }

    fn one_group(check: &Check, rules: Vec<Value>) -> Finding {
        let ctx = CheckContext::for_test(vec![group("g-1", "sg", rules)]).build();
        only(&run(check, &ctx)).clone()
    }

    fn offending_ids(f: &Finding) -> Vec<String> {
        f.evidence["offendingRules"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| str_of(r, "securityGroupRuleId").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    // ---- conventions through the SSH check ----

    #[test]
    fn ssh_internet_sources_per_convention() {
        for source in ["", "all", "0.0.0.0/0", "::/0"] {
            let f = one_group(&SSH_22, vec![ingress("r-open", "tcp", "22", source)]);
            assert_eq!(f.status, Status::Fail, "source {source:?}: {f:#?}");
            assert_eq!(f.resource_id, "g-1");
            assert_eq!(f.resource_kind, SECURITY_GROUP);
            assert_eq!(f.severity, Severity::High);
            assert_eq!(offending_ids(&f), vec!["r-open"]);
            assert_eq!(f.evidence["offendingRules"][0]["sourceIp"], json!(source));
            assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([22]));
        }
        // not internet: a private CIDR, an office CIDR, a peer group (even with an empty or
        // any-source sourceIp), an egress rule to anywhere
        for rule in [
            ingress("r-x", "tcp", "22", "10.0.0.0/8"),
            ingress("r-x", "tcp", "22", "203.0.113.0/24"),
            ingress_from_group("r-x", "tcp", "22", "", "g-peer"),
            ingress_from_group("r-x", "tcp", "22", "0.0.0.0/0", "g-peer"),
            egress("r-x", "tcp", "22", "0.0.0.0/0"),
        ] {
            let f = one_group(&SSH_22, vec![rule.clone()]);
            assert_eq!(f.status, Status::Pass, "{rule}: {f:#?}");
            assert_eq!(f.evidence["ports"], json!([22]));
        }
    }

    #[test]
    fn ssh_port_ranges_per_convention() {
        for (range, fails) in [
            ("", true),
            ("1-65535", true),
            ("20-25", true),
            ("22", true),
            ("22-22", true),
            ("23-80", false),
            ("1-21", false),
            ("2222", false),
            ("80", false),
        ] {
            let f = one_group(&SSH_22, vec![ingress("r-1", "tcp", range, "0.0.0.0/0")]);
            let expected = if fails { Status::Fail } else { Status::Pass };
            assert_eq!(f.status, expected, "portRange {range:?}: {f:#?}");
        }
    }

    #[test]
    fn ssh_protocols_per_convention() {
        for (protocol, fails) in [
            ("", true),
            ("all", true),
            ("tcp", true),
            ("TCP", true),
            ("udp", false),
            ("icmp", false),
        ] {
            let f = one_group(&SSH_22, vec![ingress("r-1", protocol, "22", "all")]);
            let expected = if fails { Status::Fail } else { Status::Pass };
            assert_eq!(f.status, expected, "protocol {protocol:?}: {f:#?}");
        }
        // an every-protocol rule opens every port whatever its portRange (module docs)
        let f = one_group(&SSH_22, vec![ingress("r-1", "all", "80", "0.0.0.0/0")]);
        assert_eq!(f.status, Status::Fail);
    }

    #[test]
    fn broad_cidr_parameter_counts_as_internet() {
        let rules = vec![ingress("r-wide", "tcp", "22", "10.0.0.0/8")];
        let ctx = CheckContext::for_test(vec![group("g-1", "sg", rules.clone())]).build();
        assert_eq!(only(&run(&SSH_22, &ctx)).status, Status::Pass);
        let ctx = CheckContext::for_test(vec![group("g-1", "sg", rules)])
            .param("broad_cidr_max_prefix", 8)
            .build();
        let f = only(&run(&SSH_22, &ctx)).clone();
        assert_eq!(f.status, Status::Fail);
        assert_eq!(offending_ids(&f), vec!["r-wide"]);
        assert_eq!(f.evidence["broadCidrMaxPrefix"], json!(8));
    }

    #[test]
    fn only_the_offending_rules_are_reported() {
        let f = one_group(
            &SSH_22,
            vec![
                ingress("r-https", "tcp", "443", "0.0.0.0/0"),
                ingress("r-ssh", "tcp", "22", "0.0.0.0/0"),
                ingress("r-office", "tcp", "22", "203.0.113.0/24"),
                ingress("r-ssh6", "tcp", "22", "::/0"),
            ],
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(offending_ids(&f), vec!["r-ssh", "r-ssh6"]);
        assert!(f.message.contains("r-ssh"), "{}", f.message);
        assert!(!f.message.contains("r-https"), "{}", f.message);
    }

    #[test]
    fn pass_evidence_lists_internet_rules_that_do_not_open_the_port() {
        let f = one_group(&SSH_22, vec![ingress("r-https", "tcp", "443", "all")]);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["internetIngressRules"], json!(["r-https"]));
    }

    #[test]
    fn uncovered_region_is_manual_for_every_sg_check() {
        for check in [
            &SSH_22,
            &RDP_3389,
            &ALL_PORTS,
            &MYSQL_3306,
            &REDIS_6379,
            &MONGODB_27017,
            &KAFKA_9092,
            &HIGH_RISK_PORTS,
            &DEFAULT_ALLOWS_INTERNET,
            &UNUSED,
        ] {
            for cov in [
                Coverage::NotAuthorized {
                    policy: Some("BCCReadAccessPolicy".into()),
                },
                Coverage::Failed {
                    error: "500 InternalError".into(),
                },
            ] {
                let ctx = CheckContext::for_test(vec![group(
                    "g-1",
                    "default",
                    vec![ingress("r", "all", "", "")],
                )])
                .coverage(SECURITY_GROUP, REGION, cov.clone())
                .build();
                let f = only(&run(check, &ctx)).clone();
                assert_eq!(f.status, Status::Manual, "{}: {f:#?}", check.meta.id);
                assert_eq!(f.resource_id, "*");
                if matches!(cov, Coverage::NotAuthorized { .. }) {
                    assert!(f.message.contains("BCCReadAccessPolicy"), "{}", f.message);
                }
            }
        }
    }

    #[test]
    fn a_group_without_rules_array_is_manual() {
        let mut g = group("g-1", "default", vec![]);
        g.raw.as_object_mut().unwrap().remove("rules");
        for check in [&SSH_22, &ALL_PORTS, &DEFAULT_ALLOWS_INTERNET] {
            let ctx = CheckContext::for_test(vec![g.clone()]).build();
            let f = only(&run(check, &ctx)).clone();
            assert_eq!(f.status, Status::Manual, "{}", check.meta.id);
            assert_eq!(f.resource_id, "g-1");
            assert!(f.message.contains("rules[]"), "{}", f.message);
        }
    }

    // ---- escalation ----

    #[test]
    fn port_check_escalates_when_attached_to_a_public_instance() {
        let rules = vec![ingress("r-ssh", "tcp", "22", "0.0.0.0/0")];
        // attached to a private instance only: base severity, nothing related
        let ctx = CheckContext::for_test(vec![
            group("g-1", "sg", rules.clone()),
            instance("i-private", "", &["g-1"]),
        ])
        .build();
        let f = only(&run(&SSH_22, &ctx)).clone();
        assert_eq!((f.status, f.severity), (Status::Fail, Severity::High));
        assert!(f.related.is_empty());
        assert!(f.evidence.get("publicInstances").is_none());

        // attached to an instance with a public IP and its EIP: critical, both related
        let ctx = CheckContext::for_test(vec![
            group("g-1", "sg", rules.clone()),
            instance("i-public", "106.12.34.56", &["g-1"]),
            instance("i-other", "106.12.34.99", &["g-2"]),
            eip("106.12.34.56", "i-public"),
        ])
        .build();
        let f = only(&run(&SSH_22, &ctx)).clone();
        assert_eq!((f.status, f.severity), (Status::Fail, Severity::Critical));
        assert_eq!(f.evidence["baseSeverity"], json!("high"));
        assert_eq!(
            f.evidence["publicInstances"][0]["instanceId"],
            json!("i-public")
        );
        assert_eq!(
            f.evidence["publicInstances"][0]["publicAddresses"],
            json!(["106.12.34.56"])
        );
        assert_eq!(f.related.len(), 2, "{:?}", f.related);
        assert!(f
            .related
            .iter()
            .any(|r| r.kind == INSTANCE && r.resource_id == "i-public"));
        assert!(f
            .related
            .iter()
            .any(|r| r.kind == EIP && r.resource_id == "106.12.34.56"));
        assert!(!f.related.iter().any(|r| r.resource_id == "i-other"));
        assert!(
            f.message.contains("raised from high to critical"),
            "{}",
            f.message
        );

        // a PASS is never escalated
        let ctx = CheckContext::for_test(vec![
            group(
                "g-1",
                "sg",
                vec![ingress("r-https", "tcp", "443", "0.0.0.0/0")],
            ),
            instance("i-public", "106.12.34.56", &["g-1"]),
        ])
        .build();
        let f = only(&run(&SSH_22, &ctx)).clone();
        assert_eq!((f.status, f.severity), (Status::Pass, Severity::High));
        assert!(f.related.is_empty());
    }

    #[test]
    fn all_ports_is_already_critical_but_names_public_instances() {
        let ctx = CheckContext::for_test(vec![
            group("g-1", "sg", vec![ingress("r-all", "all", "1-65535", "all")]),
            instance("i-public", "106.12.34.56", &["g-1"]),
        ])
        .build();
        let f = only(&run(&ALL_PORTS, &ctx)).clone();
        assert_eq!((f.status, f.severity), (Status::Fail, Severity::Critical));
        assert_eq!(f.related.len(), 1);
        assert!(!f.message.contains("raised"), "{}", f.message);
    }

    // ---- each port check ----

    #[test]
    fn rdp_3389() {
        let f = one_group(
            &RDP_3389,
            vec![
                ingress("r-rdp", "tcp", "3389", "all"),
                ingress("r-ping", "icmp", "", "0.0.0.0/0"),
            ],
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(offending_ids(&f), vec!["r-rdp"]);
        assert_eq!(f.evidence["ports"], json!([3389]));
        let f = one_group(
            &RDP_3389,
            vec![
                ingress("r-ssh", "tcp", "22", "0.0.0.0/0"),
                ingress("r-rdp", "tcp", "3389", "198.51.100.7/32"),
            ],
        );
        assert_eq!(f.status, Status::Pass);
    }

    #[test]
    fn all_ports() {
        for (protocol, range, fails) in [
            ("all", "1-65535", true),
            ("", "", true),
            ("all", "22", true),
            ("tcp", "1-65535", true),
            ("tcp", "", true),
            ("udp", "1-65535", true),
            ("tcp", "1-1024", false),
            ("tcp", "2-65535", false),
            ("icmp", "", false),
        ] {
            let f = one_group(
                &ALL_PORTS,
                vec![ingress("r-1", protocol, range, "0.0.0.0/0")],
            );
            let expected = if fails { Status::Fail } else { Status::Pass };
            assert_eq!(f.status, expected, "{protocol:?} {range:?}: {f:#?}");
            if fails {
                assert_eq!(offending_ids(&f), vec!["r-1"]);
                assert_eq!(f.evidence["offendingRules"][0]["protocol"], json!(protocol));
            }
        }
        // the default group's "same group" rule opens everything, but only to the group itself
        let f = one_group(
            &ALL_PORTS,
            vec![ingress_from_group("r-same", "all", "", "", "g-1")],
        );
        assert_eq!(f.status, Status::Pass);
    }

    #[test]
    fn mysql_3306_and_extra_ports() {
        let f = one_group(
            &MYSQL_3306,
            vec![ingress("r-db", "tcp", "3306", "0.0.0.0/0")],
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([3306]));
        let rules = vec![ingress("r-x", "tcp", "33060", "0.0.0.0/0")];
        let f = one_group(&MYSQL_3306, rules.clone());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["ports"], json!([3306]));
        let ctx = CheckContext::for_test(vec![group("g-1", "sg", rules)])
            .param("mysql_extra_ports", json!([3307, 33060]))
            .build();
        let f = only(&run(&MYSQL_3306, &ctx)).clone();
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["ports"], json!([3306, 3307, 33060]));
        assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([33060]));
    }

    #[test]
    fn redis_6379_and_extra_ports() {
        let f = one_group(&REDIS_6379, vec![ingress("r-redis", "tcp", "6379", "::/0")]);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(offending_ids(&f), vec!["r-redis"]);
        // from the web tier only (CIDR + peer group, as in the default world's db-sg)
        let f = one_group(
            &REDIS_6379,
            vec![ingress_from_group(
                "r-redis",
                "tcp",
                "6379",
                "192.168.0.0/24",
                "g-web",
            )],
        );
        assert_eq!(f.status, Status::Pass);
        let ctx = CheckContext::for_test(vec![group(
            "g-1",
            "sg",
            vec![ingress("r-s", "tcp", "26379", "all")],
        )])
        .param("redis_extra_ports", json!([6380, 26379]))
        .build();
        assert_eq!(only(&run(&REDIS_6379, &ctx)).status, Status::Fail);
    }

    #[test]
    fn mongodb_27017_to_27019() {
        for port in ["27017", "27018", "27019", "27000-27100"] {
            let f = one_group(
                &MONGODB_27017,
                vec![ingress("r-m", "tcp", port, "0.0.0.0/0")],
            );
            assert_eq!(f.status, Status::Fail, "{port}");
        }
        let f = one_group(
            &MONGODB_27017,
            vec![ingress("r-m", "tcp", "27018", "0.0.0.0/0")],
        );
        assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([27018]));
        let f = one_group(
            &MONGODB_27017,
            vec![ingress("r-m", "tcp", "27020", "0.0.0.0/0")],
        );
        assert_eq!(f.status, Status::Pass);
    }

    #[test]
    fn kafka_9092_9093_and_extra_ports() {
        let f = one_group(&KAFKA_9092, vec![ingress("r-k", "tcp", "9093", "all")]);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([9093]));
        let rules = vec![ingress("r-zk", "tcp", "2181", "0.0.0.0/0")];
        assert_eq!(one_group(&KAFKA_9092, rules.clone()).status, Status::Pass);
        let ctx = CheckContext::for_test(vec![group("g-1", "sg", rules)])
            .param("kafka_extra_ports", json!([2181]))
            .build();
        assert_eq!(only(&run(&KAFKA_9092, &ctx)).status, Status::Fail);
    }

    #[test]
    fn high_risk_ports_from_the_parameter() {
        let f = one_group(
            &HIGH_RISK_PORTS,
            vec![
                ingress("r-ftp", "tcp", "20-21", "0.0.0.0/0"),
                ingress("r-smb", "tcp", "445", "0.0.0.0/0"),
                ingress("r-web", "tcp", "443", "0.0.0.0/0"),
            ],
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(offending_ids(&f), vec!["r-ftp", "r-smb"]);
        assert_eq!(f.evidence["offendingRules"][0]["opens"], json!([20, 21]));
        // ports with a dedicated check are not in the default list
        assert_eq!(
            one_group(
                &HIGH_RISK_PORTS,
                vec![ingress("r-ssh", "tcp", "22", "0.0.0.0/0")]
            )
            .status,
            Status::Pass
        );
        // overriding the list changes the verdict
        let ctx = CheckContext::for_test(vec![group(
            "g-1",
            "sg",
            vec![ingress("r-smb", "tcp", "445", "0.0.0.0/0")],
        )])
        .param("high_risk_ports", json!([23]))
        .build();
        let f = only(&run(&HIGH_RISK_PORTS, &ctx)).clone();
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["ports"], json!([23]));
    }

    // ---- default group ----

    #[test]
    fn default_group_with_internet_ingress_fails() {
        let f = one_group_named(
            &DEFAULT_ALLOWS_INTERNET,
            "default",
            vec![
                ingress("r-in", "tcp", "8080", "all"),
                ingress_from_group("r-same", "all", "", "", "g-1"),
            ],
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "g-1");
        assert_eq!(f.evidence["defaultMarker"], json!("name = default"));
        assert_eq!(
            f.evidence["internetIngressRules"][0]["securityGroupRuleId"],
            json!("r-in")
        );
        assert_eq!(
            f.evidence["internetIngressRules"].as_array().unwrap().len(),
            1
        );
        // BCE's initial default rules: all inbound from anywhere
        let f = one_group_named(
            &DEFAULT_ALLOWS_INTERNET,
            "默认安全组",
            vec![ingress("r-all", "all", "1-65535", "0.0.0.0/0")],
        );
        assert_eq!(f.status, Status::Fail);
        // an explicit flag wins over the name
        let mut g = group(
            "g-1",
            "vpc-main-sg",
            vec![ingress("r-in", "tcp", "22", "::/0")],
        );
        g.raw["isDefault"] = json!(true);
        let ctx = CheckContext::for_test(vec![g]).build();
        let f = only(&run(&DEFAULT_ALLOWS_INTERNET, &ctx)).clone();
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["defaultMarker"], json!("isDefault = true"));
    }

    #[test]
    fn default_group_restricted_to_itself_passes_and_other_groups_are_na() {
        let f = one_group_named(
            &DEFAULT_ALLOWS_INTERNET,
            "default",
            vec![
                ingress_from_group("r-same", "all", "", "", "g-1"),
                egress("r-out", "all", "1-65535", "all"),
            ],
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["internetIngressRules"], json!([]));
        let f = one_group_named(
            &DEFAULT_ALLOWS_INTERNET,
            "web-sg",
            vec![ingress("r-in", "all", "", "")],
        );
        assert_eq!(f.status, Status::NotApplicable);
        let f = one_group_named(
            &DEFAULT_ALLOWS_INTERNET,
            "default-web",
            vec![ingress("r-in", "all", "", "")],
        );
        assert_eq!(f.status, Status::NotApplicable);
    }

    fn one_group_named(check: &Check, name: &str, rules: Vec<Value>) -> Finding {
        let ctx = CheckContext::for_test(vec![group("g-1", name, rules)]).build();
        only(&run(check, &ctx)).clone()
    }

    // ---- unused ----

    fn unused_for(
        sg: AssetView,
        others: Vec<AssetView>,
        instance_cov: Option<Coverage>,
    ) -> Finding {
        let mut assets = vec![sg];
        assets.extend(others);
        let mut b = CheckContext::for_test(assets);
        b = b.coverage(
            INSTANCE,
            REGION,
            instance_cov.unwrap_or(Coverage::Collected),
        );
        let ctx = b.build();
        only(&run(&UNUSED, &ctx)).clone()
    }

    #[test]
    fn unused_group_fails_and_used_groups_pass() {
        let f = unused_for(
            group("g-1", "orphan", vec![]),
            vec![instance("i-1", "", &["g-2"])],
            None,
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "g-1");
        assert_eq!(f.evidence["instancesUsingGroup"], json!([]));
        assert_eq!(f.evidence["bindInstanceNum"], Value::Null);

        let f = unused_for(
            group("g-1", "web", vec![]),
            vec![instance("i-1", "", &["g-2", "g-1"])],
            None,
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["instancesUsingGroup"], json!(["i-1"]));

        // an instance in another region with the same group id does not count
        let mut other_region = instance("i-9", "", &["g-1"]);
        other_region.region = "gz".into();
        let f = unused_for(group("g-1", "orphan", vec![]), vec![other_region], None);
        assert_eq!(f.status, Status::Fail);
    }

    #[test]
    fn unused_uses_bind_instance_num_when_present() {
        let mut g = group("g-1", "db", vec![]);
        g.raw["bindInstanceNum"] = json!(2);
        let f = unused_for(
            g.clone(),
            vec![],
            Some(Coverage::NotAuthorized { policy: None }),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["bindInstanceNum"], json!(2));
        g.raw["bindInstanceNum"] = json!(0);
        let f = unused_for(g, vec![], Some(Coverage::NotAuthorized { policy: None }));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["bindInstanceNum"], json!(0));
    }

    #[test]
    fn unused_is_manual_when_instances_could_not_be_listed() {
        let f = unused_for(
            group("g-1", "orphan", vec![]),
            vec![],
            Some(Coverage::Failed {
                error: "503 ServiceUnavailable".into(),
            }),
        );
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "g-1");
        assert!(
            f.message.contains("503 ServiceUnavailable"),
            "{}",
            f.message
        );
    }

    #[test]
    fn unused_counts_kafka_bindings_and_skips_the_default_group() {
        let kafka = AssetView::new(KAFKA_CLUSTER, REGION, "kafka-1", json!({"clusterId": "kafka-1"})).with_detail(
            "detail",
            json!({"cluster": {"provisioned": {"securityGroups": [{"securityGroupId": "g-1", "name": "mq", "vpcId": "vpc-1"}]}}}),
        );
        let f = unused_for(group("g-1", "mq", vec![]), vec![kafka], None);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["kafkaClustersUsingGroup"], json!(["kafka-1"]));
        let f = unused_for(group("g-1", "default", vec![]), vec![], None);
        assert_eq!(f.status, Status::NotApplicable);
    }

    // ---- ACL ----

    pub(in crate::checks) fn subnet(id: &str) -> AssetView {
        AssetView::new(
            SUBNET,
            REGION,
            id,
            json!({"subnetId": id, "name": id, "vpcId": "vpc-1", "cidr": "192.168.0.0/24"}),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn acl(
        id: &str,
        subnet: &str,
        position: u64,
        direction: &str,
        action: &str,
        protocol: &str,
        source: &str,
        port: &str,
    ) -> AssetView {
        AssetView::new(
            ACL_RULE,
            REGION,
            id,
            json!({
                "id": id, "subnetId": subnet, "description": id, "protocol": protocol,
                "sourceIpAddress": source, "destinationIpAddress": "192.168.0.0/24", "sourcePort": "all",
                "destinationPort": port, "position": position, "ipVersion": if source.contains(':') { 6 } else { 4 },
                "direction": direction, "action": action,
            }),
        )
    }

    fn default_rules(subnet: &str) -> Vec<AssetView> {
        vec![
            acl(
                "ar-default-in",
                subnet,
                1000,
                "ingress",
                "allow",
                "all",
                "0.0.0.0/0",
                "all",
            ),
            acl(
                "ar-default-out",
                subnet,
                1000,
                "egress",
                "allow",
                "all",
                "0.0.0.0/0",
                "all",
            ),
        ]
    }

    fn acl_finding(rules: Vec<AssetView>) -> Finding {
        let mut assets = vec![subnet("sbn-1")];
        assets.extend(rules);
        let ctx = CheckContext::for_test(assets).build();
        only(&run(&ACL_ADMIN_PORTS, &ctx)).clone()
    }

    fn exposed_traffic(f: &Finding) -> Vec<String> {
        f.evidence["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["firstMatchingRule"]["action"] == json!("allow"))
            .map(|d| format!("v{} {}", d["ipVersion"], str_of(d, "traffic")))
            .collect()
    }

    #[test]
    fn acl_default_allow_all_fails() {
        // the sample: deny telnet first, then the default allow-all
        let mut rules = default_rules("sbn-1");
        rules.push(acl(
            "ar-deny-telnet",
            "sbn-1",
            1,
            "ingress",
            "deny",
            "tcp",
            "0.0.0.0/0",
            "23",
        ));
        let f = acl_finding(rules);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_kind, SUBNET);
        assert_eq!(f.resource_id, "sbn-1");
        assert_eq!(
            exposed_traffic(&f),
            vec![
                "v4 tcp/22",
                "v4 tcp/3389",
                "v4 tcp/all ports",
                "v4 udp/all ports"
            ]
        );
        assert_eq!(
            f.evidence["decisions"][0]["firstMatchingRule"]["id"],
            json!("ar-default-in")
        );
        assert_eq!(f.evidence["ingressRulesEvaluated"], json!(2));
        assert_eq!(f.related.len(), 1);
        assert_eq!(f.related[0].resource_id, "ar-default-in");
        assert_eq!(f.related[0].kind, ACL_RULE);
        assert!(f.message.contains("IPv4 tcp/22, tcp/3389, tcp/all ports, udp/all ports allowed by rule ar-default-in (position 1000"), "{}", f.message);
    }

    #[test]
    fn acl_denying_first_passes() {
        let mut rules = default_rules("sbn-1");
        rules.push(acl(
            "ar-https",
            "sbn-1",
            5,
            "ingress",
            "allow",
            "tcp",
            "0.0.0.0/0",
            "443",
        ));
        rules.push(acl(
            "ar-office-ssh",
            "sbn-1",
            6,
            "ingress",
            "allow",
            "tcp",
            "203.0.113.0/24",
            "22",
        ));
        rules.push(acl(
            "ar-deny-all",
            "sbn-1",
            10,
            "ingress",
            "deny",
            "all",
            "0.0.0.0/0",
            "all",
        ));
        let f = acl_finding(rules);
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert!(exposed_traffic(&f).is_empty());
        assert_eq!(
            f.evidence["decisions"][0]["firstMatchingRule"]["id"],
            json!("ar-deny-all")
        );
        assert!(f.related.is_empty());
    }

    #[test]
    fn acl_denying_admin_ports_but_allowing_the_rest_fails_on_all_ports() {
        let mut rules = default_rules("sbn-1");
        rules.push(acl(
            "ar-deny-ssh",
            "sbn-1",
            1,
            "ingress",
            "deny",
            "tcp",
            "0.0.0.0/0",
            "22",
        ));
        rules.push(acl(
            "ar-deny-rdp",
            "sbn-1",
            2,
            "ingress",
            "deny",
            "tcp",
            "all",
            "3389",
        ));
        let f = acl_finding(rules);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            exposed_traffic(&f),
            vec!["v4 tcp/all ports", "v4 udp/all ports"]
        );
        assert_eq!(
            f.evidence["decisions"][0]["firstMatchingRule"]["id"],
            json!("ar-deny-ssh")
        );
        assert_eq!(
            f.evidence["decisions"][1]["firstMatchingRule"]["id"],
            json!("ar-deny-rdp")
        );
    }

    #[test]
    fn acl_position_order_decides_not_list_order() {
        // an allow for ssh at position 5 beats a deny-all at position 10, listed first
        let f = acl_finding(vec![
            acl(
                "ar-deny-all",
                "sbn-1",
                10,
                "ingress",
                "deny",
                "all",
                "0.0.0.0/0",
                "all",
            ),
            acl(
                "ar-ssh",
                "sbn-1",
                5,
                "ingress",
                "allow",
                "tcp",
                "0.0.0.0/0",
                "20-30",
            ),
        ]);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(exposed_traffic(&f), vec!["v4 tcp/22"]);
        assert_eq!(f.related[0].resource_id, "ar-ssh");
        // swap the positions: the deny wins
        let f = acl_finding(vec![
            acl(
                "ar-deny-all",
                "sbn-1",
                5,
                "ingress",
                "deny",
                "all",
                "0.0.0.0/0",
                "all",
            ),
            acl(
                "ar-ssh",
                "sbn-1",
                10,
                "ingress",
                "allow",
                "tcp",
                "0.0.0.0/0",
                "20-30",
            ),
        ]);
        assert_eq!(f.status, Status::Pass);
    }

    #[test]
    fn acl_ipv6_is_evaluated_on_its_own() {
        let f = acl_finding(vec![
            acl(
                "ar-deny-all",
                "sbn-1",
                5,
                "ingress",
                "deny",
                "all",
                "0.0.0.0/0",
                "all",
            ),
            acl(
                "ar-v6-all",
                "sbn-1",
                6,
                "ingress",
                "allow",
                "all",
                "::/0",
                "all",
            ),
        ]);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            exposed_traffic(&f),
            vec![
                "v6 tcp/22",
                "v6 tcp/3389",
                "v6 tcp/all ports",
                "v6 udp/all ports"
            ]
        );
    }

    #[test]
    fn acl_egress_and_other_subnets_are_ignored() {
        let f = acl_finding(vec![
            acl(
                "ar-deny-all",
                "sbn-1",
                5,
                "ingress",
                "deny",
                "all",
                "all",
                "all",
            ),
            acl(
                "ar-out",
                "sbn-1",
                1,
                "egress",
                "allow",
                "all",
                "0.0.0.0/0",
                "all",
            ),
            acl(
                "ar-other",
                "sbn-2",
                1,
                "ingress",
                "allow",
                "all",
                "0.0.0.0/0",
                "all",
            ),
        ]);
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.evidence["ingressRulesEvaluated"], json!(1));
    }

    #[test]
    fn acl_manual_when_rules_missing_or_not_collected() {
        // the ACL listing was not authorized in the subnet's region
        let ctx = CheckContext::for_test(vec![subnet("sbn-1")])
            .coverage(
                ACL_RULE,
                REGION,
                Coverage::NotAuthorized {
                    policy: Some("VPCReadAccessPolicy".into()),
                },
            )
            .build();
        let f = only(&run(&ACL_ADMIN_PORTS, &ctx)).clone();
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "sbn-1");
        assert!(f.message.contains("VPCReadAccessPolicy"), "{}", f.message);
        // collected, but no rule for this subnet
        let ctx = CheckContext::for_test(vec![subnet("sbn-1")])
            .coverage(ACL_RULE, REGION, Coverage::Collected)
            .build();
        let f = only(&run(&ACL_ADMIN_PORTS, &ctx)).clone();
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("sbn-1"), "{}", f.message);
        // the subnets themselves were not listed
        let ctx = CheckContext::for_test(vec![])
            .coverage(
                SUBNET,
                REGION,
                Coverage::NotAuthorized {
                    policy: Some("VPCReadAccessPolicy".into()),
                },
            )
            .build();
        let f = only(&run(&ACL_ADMIN_PORTS, &ctx)).clone();
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "*"));
    }

    // ---- metadata of the 19 checks of sections B and C ----

    const AREA_CHECKS: [&str; 19] = [
        "baidu_bcc_securitygroup_internet_ssh_22",
        "baidu_bcc_securitygroup_internet_rdp_3389",
        "baidu_bcc_securitygroup_internet_all_ports",
        "baidu_bcc_securitygroup_internet_mysql_3306",
        "baidu_bcc_securitygroup_internet_redis_6379",
        "baidu_bcc_securitygroup_internet_mongodb_27017",
        "baidu_bcc_securitygroup_internet_kafka_9092",
        "baidu_bcc_securitygroup_internet_high_risk_ports",
        "baidu_bcc_securitygroup_default_allows_internet_ingress",
        "baidu_bcc_securitygroup_unused",
        "baidu_vpc_acl_internet_admin_ports",
        "baidu_bcc_instance_public_admin_exposure",
        "baidu_bcc_instance_deletion_protection_disabled",
        "baidu_bcc_instance_linux_password_login",
        "baidu_bcc_volume_unencrypted",
        "baidu_bcc_volume_no_auto_snapshot_policy",
        "baidu_bcc_instance_host_security_agent_missing",
        "baidu_bcc_instance_eol_os",
        "baidu_eip_unattached",
    ];

    #[test]
    fn every_check_of_sections_b_and_c_is_registered_with_sound_metadata() {
        use vigil_checks::compliance::{framework, mapping_names};
        let frameworks = [
            "cis_alibaba_2.0",
            "cis_aws_5.0",
            "prowler",
            "alibaba_config",
            "mlps_2.0_l3",
        ];
        for id in AREA_CHECKS {
            let check = check_by_id(id).unwrap_or_else(|| panic!("{id} is not registered"));
            let m = &check.meta;
            assert_eq!(m.provider, "baidu", "{id}");
            assert!(id.starts_with(&format!("baidu_{}_", m.service)), "{id}");
            assert!(
                !m.title.is_empty() && m.title.chars().count() <= 150,
                "{id}"
            );
            assert!(!m.title.to_ascii_lowercase().starts_with("ensure"), "{id}");
            assert!(m.resource_type.starts_with("BCE::"), "{id}");
            for text in [
                m.description,
                m.risk,
                m.remediation.text,
                m.remediation.console,
            ] {
                assert!(text.len() > 20, "{id}: {text:?}");
            }
            assert!(m.remediation.url.starts_with("https://"), "{id}");
            assert!(!m.categories.is_empty(), "{id}");
            for mapping in m.compliance {
                assert!(frameworks.contains(&mapping.framework), "{id}: {mapping:?}");
                if let Some(fw) = framework(mapping.framework) {
                    assert!(
                        fw.requirements
                            .iter()
                            .any(|r| mapping_names(mapping.requirement, &r.id)),
                        "{id}: {} {} is not a requirement of the framework data",
                        mapping.framework,
                        mapping.requirement
                    );
                }
                if mapping.framework == "prowler" {
                    assert!(mapping.requirement.contains('/'), "{id}: {mapping:?}");
                }
            }
        }
        // the catalog's severities
        let severity = |id: &str| check_by_id(id).unwrap().meta.severity;
        assert_eq!(
            severity("baidu_bcc_securitygroup_internet_all_ports"),
            Severity::Critical
        );
        assert_eq!(
            severity("baidu_bcc_instance_public_admin_exposure"),
            Severity::Critical
        );
        assert_eq!(
            severity("baidu_vpc_acl_internet_admin_ports"),
            Severity::Medium
        );
        assert_eq!(severity("baidu_bcc_securitygroup_unused"), Severity::Low);
        assert_eq!(severity("baidu_eip_unattached"), Severity::Low);
    }
}
