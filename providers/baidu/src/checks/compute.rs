//! Checks of the catalog's section C, "Compute: BCC instances, CDS volumes, EIP" (8 checks).
//!
//! Instance checks read `baidu_bcc_instance` (the BCC `ListInstances` item); the EIP check
//! reads `baidu_eip_eip`. `baidu_bcc_instance_public_admin_exposure` is a toxic combination: a
//! running instance with a public address whose security groups open SSH/RDP or every port to
//! the internet; its finding names the groups and EIPs involved in `related`.
//!
//! Vigil does not collect CDS volumes, automatic snapshot policies or HOSTEYE agent status, so
//! those three checks always answer MANUAL for the account, naming the API that would supply the
//! data.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Coverage, Finding, Mapping, Remediation,
    ResourceRef, Severity, Verdict,
};

use super::network::{
    find_group, is_internet_ingress, label, opens_all_ports, opens_port, per_asset_with_related,
    rule_evidence, rule_label, sg_rules, str_of, EIP, INSTANCE, SECURITY_GROUP,
};

const BCC_DOC_KEYPAIR: &str = "https://intl.cloud.baidu.com/en/doc/BCC/s/5lkqskwd5-intl-en";
const BCC_DOC_DELETION_PROTECTION: &str =
    "https://intl.cloud.baidu.com/en/doc/BCC/s/0kstrzyz9-intl-en";
const BCC_DOC_IMAGES: &str = "https://intl.cloud.baidu.com/en/doc/BCC/s/Rkb8pjcll-intl-en";
const CDS_DOC_ENCRYPTION: &str = "https://intl.cloud.baidu.com/en/doc/CDS/s/zkfi16zwp-intl-en";
const CDS_DOC_AUTO_SNAPSHOT: &str = "https://intl.cloud.baidu.com/doc/CDS/s/Sk07n5qk5-en";
const EIP_DOC: &str = "https://intl.cloud.baidu.com/en/doc/EIP/s/Pjx1m5rhc-intl-en";
const SG_DOC: &str = "https://intl.cloud.baidu.com/en/doc/VPC/s/mmfv3akh6";
const HOSTEYE_DOC: &str = "https://cloud.baidu.com/product/hosteye.html";

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by network.rs)
// ---------------------------------------------------------------------------------------------

/// The security groups an instance is attached to (`nicInfo.securityGroups`), or `None` when the
/// item does not carry the list.
pub(super) fn attached_group_ids(instance: &AssetView) -> Option<Vec<String>> {
    let groups = instance.field("/nicInfo/securityGroups")?.as_array()?;
    Some(
        groups
            .iter()
            .filter_map(|g| match g {
                Value::String(s) => Some(s.clone()),
                // tolerate `{securityGroupId}` / `{id}` objects
                other => ["securityGroupId", "id"]
                    .iter()
                    .map(|f| str_of(other, f))
                    .find(|s| !s.is_empty())
                    .map(str::to_string),
            })
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// An instance's public addresses and the EIP assets bound to it.
pub(super) struct PublicAddresses<'c> {
    /// `publicIp`, the NIC's `ips[].eip` and bound EIPs' addresses, sorted, without duplicates.
    pub addresses: Vec<String>,
    /// `baidu_eip_eip` assets of the instance's region bound to it (`instanceId`) or carrying one
    /// of its addresses.
    pub eips: Vec<&'c AssetView>,
}

/// The public addresses of an instance: its `publicIp`, the EIPs on its primary NIC
/// (`nicInfo.ips[].eip`), and every EIP of the region whose `instanceId` is the instance
/// (`instanceType` BCC or empty) or whose address is one of the above.
pub(super) fn public_addresses<'c>(
    ctx: &'c CheckContext<'_>,
    instance: &AssetView,
) -> PublicAddresses<'c> {
    let mut addresses = BTreeSet::new();
    let public_ip = instance.str("publicIp").trim();
    if !public_ip.is_empty() {
        addresses.insert(public_ip.to_string());
    }
    if let Some(ips) = instance.field("/nicInfo/ips").and_then(Value::as_array) {
        for ip in ips {
            let eip = str_of(ip, "eip").trim();
            if !eip.is_empty() {
                addresses.insert(eip.to_string());
            }
        }
    }
    let eips: Vec<&AssetView> = ctx
        .assets(EIP)
        .iter()
        .filter(|e| e.region == instance.region)
        .filter(|e| {
            let bound_here = e.str("instanceId") == instance.resource_id
                && (e.str("instanceType").is_empty()
                    || e.str("instanceType").eq_ignore_ascii_case("BCC"));
            let address = if e.str("eip").is_empty() {
                e.resource_id.as_str()
            } else {
                e.str("eip")
            };
            bound_here || addresses.contains(address)
        })
        .collect();
    for e in &eips {
        let address = if e.str("eip").is_empty() {
            e.resource_id.clone()
        } else {
            e.str("eip").to_string()
        };
        addresses.insert(address);
    }
    PublicAddresses {
        addresses: addresses.into_iter().collect(),
        eips,
    }
}

fn is_running(instance: &AssetView) -> bool {
    instance.str("status").eq_ignore_ascii_case("running")
}

// ---------------------------------------------------------------------------------------------
// C1: public admin exposure (toxic combination)
// ---------------------------------------------------------------------------------------------

static PUBLIC_ADMIN_EXPOSURE: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_instance_public_admin_exposure",
        provider: "baidu",
        title: "Instance with a public IP is reachable from the internet on SSH/RDP or all ports",
        service: "bcc",
        resource_type: "BCE::BCC::Instance",
        severity: Severity::Critical,
        description: "Fails when a Running instance has a public address (publicIp, an EIP on its NIC, or \
            a baidu_eip_eip bound to it) and one of its security groups (nicInfo.securityGroups, same \
            region) has an internet ingress rule covering TCP 22, TCP 3389 or every port. The finding \
            lists the security groups and EIPs involved.",
        risk: "The combination, not either fact alone, is what gets instances compromised: a public \
            address plus an admin port open to the internet is brute-forced or exploited within hours.",
        remediation: Remediation {
            text: "Remove the public address (use a NAT gateway, a load balancer or a bastion instead), or \
                restrict the security-group rules for 22/3389 and all ports to trusted sources.",
            console: "Console > Baidu Cloud Compute (BCC) > Instances > select the instance > Security \
                Groups: edit the listed group's inbound rules that allow 0.0.0.0/0, ::/0 or all on 22, \
                3389 or all ports; or Console > Elastic IP > Unbind the instance's EIP.",
            cli: None,
            terraform: Some(
                r#"# Keep SSH reachable only from the office, never from 0.0.0.0/0.
resource "baiducloud_security_group_rule" "ssh_office" {
  security_group_id = "g-xxxxxxxx"
  direction         = "ingress"
  protocol          = "tcp"
  port_range        = "22"
  source_ip         = "203.0.113.0/24"
}"#,
            ),
            url: SG_DOC,
        },
        categories: &["internet-exposed", "toxic-combination"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_port_ssh_exposed_to_internet",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_port_rdp_exposed_to_internet",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_public_ip",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.3.1-a",
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
        reads: &[INSTANCE, SECURITY_GROUP, EIP],
    },
    evaluate: evaluate_public_admin_exposure,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&PUBLIC_ADMIN_EXPOSURE) }

/// What an internet ingress rule exposes among SSH, RDP and every port.
fn admin_exposure(rule: &Value) -> Vec<&'static str> {
    let (protocol, range) = (str_of(rule, "protocol"), str_of(rule, "portRange"));
    let mut out = Vec::new();
    if opens_port(protocol, range, "tcp", 22) {
        out.push("ssh/22");
    }
    if opens_port(protocol, range, "tcp", 3389) {
        out.push("rdp/3389");
    }
    if opens_all_ports(protocol, range) {
        out.push("all ports");
    }
    out
}

fn evaluate_public_admin_exposure(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    per_asset_with_related(ctx, &PUBLIC_ADMIN_EXPOSURE, INSTANCE, |instance| {
        assess_exposure(ctx, instance, prefix)
    })
}

fn assess_exposure(
    ctx: &CheckContext<'_>,
    instance: &AssetView,
    prefix: u64,
) -> (Verdict, Vec<ResourceRef>) {
    let none = Vec::new;
    if !is_running(instance) {
        return (
            Verdict::na(format!(
                "Instance {} is {}, not Running",
                label(instance),
                if instance.str("status").is_empty() {
                    "of unknown status"
                } else {
                    instance.str("status")
                }
            )),
            none(),
        );
    }
    let region = &instance.region;
    let public = public_addresses(ctx, instance);
    let eip_coverage = ctx.coverage(EIP, region);
    if public.addresses.is_empty() && eip_coverage == Coverage::Collected {
        return (
            Verdict::pass(
                format!(
                    "Instance {} has no public IP and no EIP bound to it",
                    label(instance)
                ),
                json!({
                    "status": instance.str("status"),
                    "publicIp": instance.str("publicIp"),
                    "publicAddresses": [],
                    "eips": [],
                }),
            ),
            none(),
        );
    }
    let Some(group_ids) = attached_group_ids(instance) else {
        return (
            Verdict::manual(format!(
                "the security groups of instance {}: its ListInstances item (BCC GET /v2/instance) \
                 has no nicInfo.securityGroups",
                instance.resource_id
            )),
            none(),
        );
    };
    let sg_coverage = ctx.coverage(SECURITY_GROUP, region);
    if sg_coverage != Coverage::Collected {
        return (
            Verdict::manual(format!(
                "the rules of the security groups of instance {} ({}): {}",
                instance.resource_id,
                group_ids.join(", "),
                sg_coverage.describe(SECURITY_GROUP, region)
            )),
            none(),
        );
    }

    let mut exposing = Vec::new();
    let mut unknown = Vec::new();
    let mut related: BTreeSet<ResourceRef> = BTreeSet::new();
    let mut labels = Vec::new();
    for id in &group_ids {
        let Some((group, rules)) =
            find_group(ctx, region, id).and_then(|g| sg_rules(g).map(|r| (g, r)))
        else {
            unknown.push(id.clone());
            continue;
        };
        let offending: Vec<Value> = rules
            .iter()
            .filter(|r| is_internet_ingress(r, prefix))
            .filter_map(|r| {
                let exposes = admin_exposure(r);
                if exposes.is_empty() {
                    return None;
                }
                labels.push(format!("{} via {}", exposes.join("+"), rule_label(r)));
                let mut e = rule_evidence(r);
                e["exposes"] = json!(exposes);
                Some(e)
            })
            .collect();
        if !offending.is_empty() {
            related.insert(group.to_ref());
            exposing.push(json!({
                "securityGroupId": group.resource_id,
                "name": group.str("name"),
                "rules": offending,
            }));
        }
    }
    let evidence = json!({
        "status": instance.str("status"),
        "publicIp": instance.str("publicIp"),
        "publicAddresses": public.addresses,
        "eips": public.eips.iter().map(|e| e.resource_id.as_str()).collect::<Vec<_>>(),
        "securityGroups": group_ids,
        "exposingSecurityGroups": exposing,
        "securityGroupsNotListed": unknown,
        "broadCidrMaxPrefix": prefix,
    });

    if exposing.is_empty() {
        // Reached with a public address, or with the EIP listing missing: either way a group
        // that could not be read might open the ports.
        if !unknown.is_empty() {
            return (
                Verdict::manual(format!(
                    "the rules of security group(s) {} attached to instance {}: they are not in the \
                     ListSecurityGroup result of {region}",
                    unknown.join(", "),
                    instance.resource_id
                )),
                none(),
            );
        }
        return (
            Verdict::pass(
                format!(
                    "No security group of instance {} opens SSH, RDP or every port to the internet",
                    label(instance)
                ),
                evidence,
            ),
            none(),
        );
    }
    if public.addresses.is_empty() {
        // Groups are open, the instance shows no public IP, and the EIP listing is missing: an EIP
        // bound to it would make this a FAIL.
        return (
            Verdict::manual(format!(
                "whether an EIP is bound to instance {} (it has no publicIp and its security groups \
                 open {}): {}",
                instance.resource_id,
                labels.join("; "),
                eip_coverage.describe(EIP, region)
            )),
            none(),
        );
    }
    related.extend(public.eips.iter().map(|e| e.to_ref()));
    (
        Verdict::fail(
            format!(
                "Running instance {} has public address(es) {} and its security groups open {} to \
                 the internet",
                label(instance),
                public.addresses.join(", "),
                labels.join("; ")
            ),
            evidence,
        ),
        related.into_iter().collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Deletion protection
// ---------------------------------------------------------------------------------------------

static DELETION_PROTECTION_DISABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_instance_deletion_protection_disabled",
        provider: "baidu",
        title: "BCC instance has release/deletion protection disabled",
        service: "bcc",
        resource_type: "BCE::BCC::Instance",
        severity: Severity::Low,
        description: "Fails when deletionProtection is 0 for an instance in scope: every Postpaid instance \
            by default, or, when parameter protect_tag is set (key=value), every instance with that tag. \
            Other instances are not applicable (prepaid instances cannot be released before they expire).",
        risk: "One mistaken API call or console click can release a production host and its local data.",
        remediation: Remediation {
            text: "Enable deletion protection on production instances (API PUT \
                /v2/instance/{instanceId}/deletionProtection with deletionProtection 1).",
            console: "Console > Baidu Cloud Compute (BCC) > Instances > select the instance > More > \
                Instance Settings > Release Protection: enable.",
            cli: None,
            terraform: None,
            url: BCC_DOC_DELETION_PROTECTION,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.9-c",
            },
        ],
        reads: &[INSTANCE],
    },
    evaluate: evaluate_deletion_protection,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&DELETION_PROTECTION_DISABLED) }

/// Whether an instance carries tag `key=value` (`key` alone: any value).
fn has_tag(instance: &AssetView, selector: &str) -> bool {
    let (key, value) = match selector.split_once('=') {
        Some((k, v)) => (k.trim(), Some(v.trim())),
        None => (selector.trim(), None),
    };
    instance
        .field("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| {
            tags.iter().any(|t| {
                str_of(t, "tagKey") == key && value.is_none_or(|v| str_of(t, "tagValue") == v)
            })
        })
}

/// `deletionProtection` as on (`Some(true)`) or off, `None` when absent or unreadable.
fn deletion_protection(instance: &AssetView) -> Option<bool> {
    match instance.field("deletionProtection")? {
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse::<i64>().ok().map(|n| n != 0),
        _ => None,
    }
}

fn evaluate_deletion_protection(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let tag = ctx.params().str("protect_tag");
    let tag = tag.trim();
    ctx.per_asset(&DELETION_PROTECTION_DISABLED, INSTANCE, |instance| {
        let scope = if tag.is_empty() {
            if !instance
                .str("paymentTiming")
                .eq_ignore_ascii_case("postpaid")
            {
                return Verdict::na(format!(
                    "Instance {} is {} (only Postpaid instances are in scope; prepaid instances \
                     cannot be released before they expire)",
                    label(instance),
                    if instance.str("paymentTiming").is_empty() {
                        "not Postpaid"
                    } else {
                        instance.str("paymentTiming")
                    }
                ));
            }
            "Postpaid instances".to_string()
        } else {
            if !has_tag(instance, tag) {
                return Verdict::na(format!(
                    "Instance {} is not tagged {tag} (parameter protect_tag)",
                    label(instance)
                ));
            }
            format!("instances tagged {tag}")
        };
        let evidence = json!({
            "deletionProtection": instance.field("deletionProtection"),
            "paymentTiming": instance.str("paymentTiming"),
            "scope": scope,
        });
        match deletion_protection(instance) {
            None => Verdict::manual(format!(
                "the deletion protection of instance {}: its ListInstances item (BCC GET \
                 /v2/instance) has no readable deletionProtection",
                instance.resource_id
            )),
            Some(false) => Verdict::fail(
                format!(
                    "Instance {} has deletion protection disabled (deletionProtection = 0)",
                    label(instance)
                ),
                evidence,
            ),
            Some(true) => Verdict::pass(
                format!(
                    "Instance {} has deletion protection enabled",
                    label(instance)
                ),
                evidence,
            ),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Linux password login
// ---------------------------------------------------------------------------------------------

static LINUX_PASSWORD_LOGIN: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_instance_linux_password_login",
        provider: "baidu",
        title: "Linux instance created without an SSH key pair (password login)",
        service: "bcc",
        resource_type: "BCE::BCC::Instance",
        severity: Severity::Medium,
        description: "Fails when an instance whose OS (osName, osType, imageName) is not Windows has no \
            SSH key pair bound (keypairId empty), i.e. it was set up for password login. Windows \
            instances are not applicable. Whether sshd inside the guest still accepts passwords is not \
            visible through BCE read APIs.",
        risk: "Password SSH logins are brute-forceable and passwords get reused; key pairs (which \
            disable password login when bound) are the baseline.",
        remediation: Remediation {
            text: "Bind a key pair to the instance (binding disables password login by default), then \
                make sure PasswordAuthentication is off in sshd_config.",
            console: "Console > Baidu Cloud Compute (BCC) > Key Pairs > select or create a key pair > Bind \
                instance; then restart the instance for the binding to take effect.",
            cli: None,
            terraform: Some(
                r#"resource "baiducloud_instance" "web" {
  # ...
  keypair_id = baiducloud_bcc_key_pair.ops.id
}"#,
            ),
            url: BCC_DOC_KEYPAIR,
        },
        categories: &["identity"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "huaweicloud/ecs_instance_key_pair",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.1-c",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.1-d",
            },
        ],
        reads: &[INSTANCE],
    },
    evaluate: evaluate_linux_password_login,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&LINUX_PASSWORD_LOGIN) }

fn evaluate_linux_password_login(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&LINUX_PASSWORD_LOGIN, INSTANCE, |instance| {
        let os: Vec<&str> = ["osName", "osType", "imageName"]
            .iter()
            .map(|f| instance.str(f))
            .filter(|s| !s.trim().is_empty())
            .collect();
        if os.is_empty() {
            return Verdict::manual(format!(
                "the operating system of instance {}: its ListInstances item has no osName, osType \
                 or imageName (BCC GetInstanceDetail or the image's GetImageDetail would supply it)",
                instance.resource_id
            ));
        }
        if os.iter().any(|s| s.to_ascii_lowercase().contains("windows")) {
            return Verdict::na(format!(
                "Instance {} runs Windows; SSH key pairs apply to Linux only",
                label(instance)
            ));
        }
        let evidence = json!({
            "keypairId": instance.str("keypairId"),
            "keypairName": instance.str("keypairName"),
            "osName": instance.str("osName"),
            "imageName": instance.str("imageName"),
        });
        if instance.str("keypairId").trim().is_empty() {
            Verdict::fail(
                format!(
                    "Linux instance {} has no SSH key pair bound (keypairId is empty), so it logs in \
                     with a password",
                    label(instance)
                ),
                evidence,
            )
        } else {
            Verdict::pass(
                format!(
                    "Linux instance {} has key pair {} bound",
                    label(instance),
                    instance.str("keypairId")
                ),
                evidence,
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// CDS volumes and host security: data Vigil does not collect
// ---------------------------------------------------------------------------------------------

static VOLUME_UNENCRYPTED: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_volume_unencrypted",
        provider: "baidu",
        title: "CDS volume (system or data) is not encrypted",
        service: "bcc",
        resource_type: "BCE::BCC::Volume",
        severity: Severity::Medium,
        description: "Fails when a CDS volume has encrypted = false (attached or not). Vigil does not \
            collect CDS volumes yet, so this check reports MANUAL naming the API that supplies them.",
        risk: "Encryption at rest protects snapshots, copies and decommissioned media, and is often \
            mandated by regulation.",
        remediation: Remediation {
            text: "Create encrypted volumes with a KMS key and migrate data via snapshot or copy; encrypt \
                system disks through an encrypted custom image; make encrypted creation the default.",
            console: "Console > Baidu Cloud Compute (BCC) > Cloud Disk Server (CDS) > Create: enable Disk \
                Encryption and choose a KMS key; move the data, then release the unencrypted volume.",
            cli: None,
            terraform: None,
            url: CDS_DOC_ENCRYPTION,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.1",
            },
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.2",
            },
            Mapping {
                framework: "cis_aws_5.0",
                requirement: "5.1.1",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_attached_disk_encrypted",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_unattached_disk_encrypted",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_ebs_volume_encryption",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.8-b",
            },
        ],
        reads: &[],
    },
    evaluate: evaluate_volume_unencrypted,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&VOLUME_UNENCRYPTED) }

fn evaluate_volume_unencrypted(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.manual_account(
        &VOLUME_UNENCRYPTED,
        "CDS volumes are not collected by Vigil: the BCC volume list (ListCDSVolume, GET \
         /v2/volume, fields encrypted/encryptKey/attachments; policy BCCReadAccessPolicy) would \
         supply each volume's encryption",
    )
}

static VOLUME_NO_AUTO_SNAPSHOT_POLICY: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_volume_no_auto_snapshot_policy",
        provider: "baidu",
        title: "In-use CDS volume has no automatic snapshot policy",
        service: "bcc",
        resource_type: "BCE::BCC::Volume",
        severity: Severity::Medium,
        description: "Fails when an attached (in-use) CDS volume has no automatic snapshot policy, unless \
            tagged backup=none. Vigil does not collect CDS volumes or snapshot policies yet, so this check \
            reports MANUAL naming the APIs that supply them.",
        risk: "Without scheduled snapshots, ransomware or an operator error means unrecoverable data \
            loss.",
        remediation: Remediation {
            text: "Attach an automatic snapshot policy whose schedule and retention match the recovery \
                point objective.",
            console: "Console > Baidu Cloud Compute (BCC) > Snapshots > Automatic Snapshot Policy > Create \
                (time points, repeat days, retention) > Associate disks.",
            cli: None,
            terraform: Some(
                r#"resource "baiducloud_auto_snapshot_policy" "daily" {
  name            = "daily-7d"
  time_points     = [2]
  repeat_weekdays = [0, 1, 2, 3, 4, 5, 6]
  retention_days  = 7
  volume_ids      = ["v-xxxxxxxx"]
}"#,
            ),
            url: CDS_DOC_AUTO_SNAPSHOT,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_ebs_volume_snapshots_exists",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_ebs_volume_protected_by_backup_plan",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.9-a",
            },
        ],
        reads: &[],
    },
    evaluate: evaluate_volume_no_auto_snapshot_policy,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&VOLUME_NO_AUTO_SNAPSHOT_POLICY) }

fn evaluate_volume_no_auto_snapshot_policy(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.manual_account(
        &VOLUME_NO_AUTO_SNAPSHOT_POLICY,
        "CDS volumes and automatic snapshot policies are not collected by Vigil: the BCC volume \
         list (ListCDSVolume, GET /v2/volume, fields autoSnapshotPolicy/status/attachments) and \
         the automatic snapshot policy list (ListAutoSnapshotPolicy, GET /v2/asp; policy \
         BCCReadAccessPolicy) would supply them",
    )
}

static HOST_SECURITY_AGENT_MISSING: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_instance_host_security_agent_missing",
        provider: "baidu",
        title: "Running instance has no host-security (HOSTEYE) agent",
        service: "bcc",
        resource_type: "BCE::BCC::Instance",
        severity: Severity::Medium,
        description: "Fails when a Running instance has no host-security agent. The BCC list field \
            hosteyeType exists but the meaning of its values is unconfirmed (catalog: VERIFY), so this \
            check reports MANUAL until the HOSTEYE agent status can be read.",
        risk: "Without a host agent there is no malware, intrusion or vulnerability telemetry for the \
            workload.",
        remediation: Remediation {
            text: "Install and enable the HOSTEYE host security agent (or an equivalent EDR) on every \
                instance.",
            console: "Console > Security > Host Security (HOSTEYE) > Asset Management > hosts without an \
                agent > Install agent.",
            cli: None,
            terraform: None,
            url: HOSTEYE_DOC,
        },
        categories: &["threat-detection"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.6",
            },
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "8.2",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_instance_endpoint_protection_installed",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/securitycenter_all_assets_agent_installed",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-f",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.5",
            },
        ],
        reads: &[INSTANCE],
    },
    evaluate: evaluate_host_security_agent,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&HOST_SECURITY_AGENT_MISSING) }

fn evaluate_host_security_agent(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.manual_account(
        &HOST_SECURITY_AGENT_MISSING,
        "the host-security agent status of each instance: the HOSTEYE (Host Security) host list \
         with agent status is not collected and has no read API in the Go SDK snapshot, and the \
         meaning of the BCC ListInstances field hosteyeType is unconfirmed (catalog VERIFY)",
    )
}

// ---------------------------------------------------------------------------------------------
// End-of-life OS
// ---------------------------------------------------------------------------------------------

static EOL_OS: Check = Check {
    meta: CheckMeta {
        id: "baidu_bcc_instance_eol_os",
        provider: "baidu",
        title: "Instance runs an end-of-life operating system",
        service: "bcc",
        resource_type: "BCE::BCC::Instance",
        severity: Severity::Medium,
        description: "Fails when the instance's \"osName osVersion\" (or, failing that, imageName) starts \
            with an entry of parameter eol_os (default: CentOS 6/7/8, Ubuntu 12.04-18.04, Debian 8-10, \
            Windows Server 2003/2008/2012), matching whole version numbers (\"CentOS 7\" matches \
            CentOS 7.9 but not CentOS 70).",
        risk: "End-of-life systems receive no security patches; known vulnerabilities stay exploitable.",
        remediation: Remediation {
            text: "Rebuild the instance on a supported image (or migrate the workload); plan migrations \
                for legacy workloads that cannot move yet.",
            console: "Console > Baidu Cloud Compute (BCC) > Instances > select the instance > More > \
                Reinstall System, choosing a supported public image.",
            cli: None,
            terraform: None,
            url: BCC_DOC_IMAGES,
        },
        categories: &["vulnerabilities"],
        compliance: &[
            Mapping {
                framework: "cis_alibaba_2.0",
                requirement: "4.5",
            },
            Mapping {
                framework: "prowler",
                requirement: "alibabacloud/ecs_instance_latest_os_patches_applied",
            },
            Mapping {
                framework: "prowler",
                requirement: "aws/ec2_instance_with_outdated_ami",
            },
            Mapping {
                framework: "alibaba_config",
                requirement: "ecs-instance-image-expired-check",
            },
            Mapping {
                framework: "mlps_2.0_l3",
                requirement: "8.1.4.4-e",
            },
        ],
        reads: &[INSTANCE],
    },
    evaluate: evaluate_eol_os,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&EOL_OS) }

/// Lowercase, with runs of whitespace collapsed to one space.
fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `os` starts with `entry` at a version boundary: the next character (if any) does not
/// continue a number or word (`centos 7` matches `centos 7.9 x86_64`, not `centos 70`).
fn eol_matches(os: &str, entry: &str) -> bool {
    let (os, entry) = (normalise(os), normalise(entry));
    if entry.is_empty() || !os.starts_with(&entry) {
        return false;
    }
    match os[entry.len()..].chars().next() {
        None => true,
        Some(c) => !c.is_alphanumeric(),
    }
}

fn evaluate_eol_os(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let eol = ctx.params().list("eol_os");
    ctx.per_asset(&EOL_OS, INSTANCE, |instance| {
        let os_name = instance.str("osName").trim();
        let os_version = instance.str("osVersion").trim();
        let image = instance.str("imageName").trim();
        let mut candidates = Vec::new();
        if !os_name.is_empty() {
            candidates.push(format!("{os_name} {os_version}"));
        }
        if !image.is_empty() {
            candidates.push(image.to_string());
        }
        if candidates.is_empty() {
            return Verdict::manual(format!(
                "the operating system of instance {}: its ListInstances item has no osName or \
                 imageName (BCC GetInstanceDetail or the image's GetImageDetail would supply it)",
                instance.resource_id
            ));
        }
        let evidence = |matched: Option<&str>| {
            json!({
                "osName": os_name,
                "osVersion": os_version,
                "imageName": image,
                "imageId": instance.str("imageId"),
                "matchedEolEntry": matched,
            })
        };
        let hit = eol
            .iter()
            .find(|entry| candidates.iter().any(|c| eol_matches(c, entry)));
        match hit {
            Some(entry) => Verdict::fail(
                format!(
                    "Instance {} runs {}, an end-of-life operating system ({entry})",
                    label(instance),
                    candidates[0]
                ),
                evidence(Some(entry)),
            ),
            None => Verdict::pass(
                format!(
                    "Instance {} runs {}, not in the end-of-life list",
                    label(instance),
                    candidates[0]
                ),
                evidence(None),
            ),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Unattached EIP
// ---------------------------------------------------------------------------------------------

static EIP_UNATTACHED: Check = Check {
    meta: CheckMeta {
        id: "baidu_eip_unattached",
        provider: "baidu",
        title: "Elastic IP allocated but not bound",
        service: "eip",
        resource_type: "BCE::EIP::Eip",
        severity: Severity::Low,
        description: "Fails when an EIP's status is available (bound to nothing) and it was created more \
            than eip_idle_days days (default 7) before the sync. Bound EIPs pass; other states (paused, \
            transitional) without a bound instance are not applicable.",
        risk: "Idle public addresses cost money and can later be bound to the wrong host.",
        remediation: Remediation {
            text: "Release EIPs that are no longer needed (turn off release protection first if it is \
                on), or bind them where intended.",
            console: "Console > Elastic IP (EIP) > Instance List > the available EIP > More > Release.",
            cli: None,
            terraform: None,
            url: EIP_DOC,
        },
        categories: &["hygiene", "cost"],
        compliance: &[Mapping {
            framework: "prowler",
            requirement: "aws/ec2_elastic_ip_unassigned",
        }],
        reads: &[EIP],
    },
    evaluate: evaluate_eip_unattached,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&EIP_UNATTACHED) }

fn evaluate_eip_unattached(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let idle_days = ctx.params().u64("eip_idle_days");
    let now = ctx.now();
    ctx.per_asset(&EIP_UNATTACHED, EIP, |eip| {
        let status = eip.str("status");
        let address = if eip.str("eip").is_empty() {
            eip.resource_id.as_str()
        } else {
            eip.str("eip")
        };
        let evidence = |age: Option<i64>| {
            json!({
                "status": status,
                "instanceType": eip.str("instanceType"),
                "instanceId": eip.str("instanceId"),
                "createTime": eip.str("createTime"),
                "ageDays": age,
                "eipIdleDays": idle_days,
            })
        };
        if status.eq_ignore_ascii_case("available") {
            let created = DateTime::parse_from_rfc3339(eip.str("createTime").trim())
                .map(|t| t.with_timezone(&Utc));
            let Ok(created) = created else {
                return Verdict::manual(format!(
                    "how long EIP {address} has been unbound: its ListEip item has no readable \
                     createTime ({:?})",
                    eip.str("createTime")
                ));
            };
            let age = (now - created).num_days();
            return if age > idle_days as i64 {
                Verdict::fail(
                    format!(
                        "EIP {address} is not bound to any resource (status available) and was \
                         allocated {age} days ago"
                    ),
                    evidence(Some(age)),
                )
            } else {
                Verdict::pass(
                    format!(
                        "EIP {address} is unbound but was allocated {age} day(s) ago, within \
                         eip_idle_days ({idle_days})"
                    ),
                    evidence(Some(age)),
                )
            };
        }
        if !eip.str("instanceId").is_empty() {
            return Verdict::pass(
                format!(
                    "EIP {address} is bound to {} {} (status {status})",
                    eip.str("instanceType"),
                    eip.str("instanceId")
                ),
                evidence(None),
            );
        }
        Verdict::na(format!(
            "EIP {address} is {} and bound to nothing; only available EIPs are evaluated",
            if status.is_empty() {
                "of unknown status"
            } else {
                status
            }
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::network::tests::{eip, group, ingress, ingress_from_group, instance, REGION};
    use super::*;
    use chrono::TimeZone;
    use vigil_checks::Status;

    fn run(check: &Check, assets: Vec<AssetView>) -> Vec<Finding> {
        (check.evaluate)(&CheckContext::for_test(assets).build())
    }

    fn only(findings: Vec<Finding>) -> Finding {
        assert_eq!(findings.len(), 1, "{findings:#?}");
        findings.into_iter().next().unwrap()
    }

    // ---- public admin exposure ----

    /// Evaluates the toxic check with every kind collected in REGION (even without assets).
    fn exposure(assets: Vec<AssetView>) -> Vec<Finding> {
        let ctx = CheckContext::for_test(assets)
            .coverage(SECURITY_GROUP, REGION, Coverage::Collected)
            .coverage(EIP, REGION, Coverage::Collected)
            .build();
        (PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx)
    }

    fn related_ids(f: &Finding) -> Vec<(String, String)> {
        f.related
            .iter()
            .map(|r| (r.kind.clone(), r.resource_id.clone()))
            .collect()
    }

    #[test]
    fn public_instance_with_ssh_open_fails_and_names_every_asset() {
        let f = only(exposure(vec![
            instance("i-web", "106.12.34.56", &["g-web", "g-default"]),
            group(
                "g-web",
                "web-sg",
                vec![
                    ingress("r-ssh", "tcp", "22", "0.0.0.0/0"),
                    ingress("r-https", "tcp", "443", "all"),
                ],
            ),
            group(
                "g-default",
                "default",
                vec![ingress_from_group("r-same", "all", "", "", "g-default")],
            ),
            eip("106.12.34.56", "i-web"),
            eip("180.76.1.2", ""),
        ]));
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            (f.resource_kind.as_str(), f.resource_id.as_str()),
            (INSTANCE, "i-web")
        );
        assert_eq!(f.evidence["publicAddresses"], json!(["106.12.34.56"]));
        assert_eq!(f.evidence["eips"], json!(["106.12.34.56"]));
        assert_eq!(
            f.evidence["exposingSecurityGroups"][0]["securityGroupId"],
            json!("g-web")
        );
        assert_eq!(
            f.evidence["exposingSecurityGroups"][0]["rules"][0]["securityGroupRuleId"],
            json!("r-ssh")
        );
        assert_eq!(
            f.evidence["exposingSecurityGroups"][0]["rules"][0]["exposes"],
            json!(["ssh/22"])
        );
        assert_eq!(
            f.evidence["exposingSecurityGroups"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            related_ids(&f),
            vec![
                (SECURITY_GROUP.to_string(), "g-web".to_string()),
                (EIP.to_string(), "106.12.34.56".to_string())
            ]
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        assert!(f.message.contains("ssh/22"), "{}", f.message);
    }

    #[test]
    fn eip_bound_without_public_ip_field_still_counts() {
        let f = only(exposure(vec![
            instance("i-win", "", &["g-rdp"]),
            group(
                "g-rdp",
                "windows-rdp-sg",
                vec![ingress("r-rdp", "tcp", "3389", "all")],
            ),
            eip("180.76.15.33", "i-win"),
        ]));
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.evidence["publicIp"], json!(""));
        assert_eq!(f.evidence["publicAddresses"], json!(["180.76.15.33"]));
        assert_eq!(
            f.evidence["exposingSecurityGroups"][0]["rules"][0]["exposes"],
            json!(["rdp/3389"])
        );
        assert!(f
            .related
            .iter()
            .any(|r| r.kind == EIP && r.resource_id == "180.76.15.33"));
        assert!(f
            .related
            .iter()
            .any(|r| r.kind == SECURITY_GROUP && r.resource_id == "g-rdp"));
    }

    #[test]
    fn all_ports_open_counts_as_admin_exposure() {
        let f = only(exposure(vec![
            instance("i-ftp", "106.13.88.99", &["g-ftp"]),
            group(
                "g-ftp",
                "ftp-sg",
                vec![ingress("r-legacy", "all", "1-65535", "")],
            ),
        ]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["exposingSecurityGroups"][0]["rules"][0]["exposes"],
            json!(["ssh/22", "rdp/3389", "all ports"])
        );
    }

    #[test]
    fn public_instance_with_only_web_ports_or_restricted_ssh_passes() {
        let f = only(exposure(vec![
            instance("i-web", "106.12.34.56", &["g-web"]),
            group(
                "g-web",
                "web-sg",
                vec![
                    ingress("r-https", "tcp", "443", "0.0.0.0/0"),
                    ingress("r-ssh", "tcp", "22", "203.0.113.0/24"),
                    ingress_from_group("r-peer", "all", "", "", "g-db"),
                ],
            ),
        ]));
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.evidence["exposingSecurityGroups"], json!([]));
        assert!(f.related.is_empty());
    }

    #[test]
    fn private_instance_passes_even_with_ssh_open() {
        let f = only(exposure(vec![
            instance("i-api", "", &["g-web"]),
            group(
                "g-web",
                "web-sg",
                vec![ingress("r-ssh", "tcp", "22", "0.0.0.0/0")],
            ),
        ]));
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.evidence["publicAddresses"], json!([]));
        assert!(f.related.is_empty());
    }

    #[test]
    fn the_group_must_be_in_the_instances_region() {
        let mut elsewhere = group(
            "g-web",
            "web-sg",
            vec![ingress("r-ssh", "tcp", "22", "0.0.0.0/0")],
        );
        elsewhere.region = "gz".into();
        let findings = exposure(vec![
            instance("i-web", "106.12.34.56", &["g-web"]),
            elsewhere,
        ]);
        let f = findings
            .iter()
            .find(|f| f.resource_kind == INSTANCE)
            .unwrap();
        // the group is not in the bj listing: cannot be evaluated, never PASS
        assert_eq!(f.status, Status::Manual, "{f:#?}");
        assert!(f.message.contains("g-web"), "{}", f.message);
    }

    #[test]
    fn stopped_instance_is_not_applicable() {
        let mut i = instance("i-old", "106.13.88.99", &["g-ftp"]);
        i.raw["status"] = json!("Stopped");
        let f = only(exposure(vec![
            i,
            group("g-ftp", "ftp-sg", vec![ingress("r", "all", "", "")]),
        ]));
        assert_eq!(f.status, Status::NotApplicable);
        assert!(f.message.contains("Stopped"), "{}", f.message);
    }

    #[test]
    fn exposure_is_manual_when_groups_or_eips_are_missing() {
        // security groups not authorized: public instance cannot be judged
        let ctx = CheckContext::for_test(vec![instance("i-web", "106.12.34.56", &["g-web"])])
            .coverage(
                SECURITY_GROUP,
                REGION,
                Coverage::NotAuthorized {
                    policy: Some("BCCReadAccessPolicy".into()),
                },
            )
            .coverage(EIP, REGION, Coverage::Collected)
            .build();
        let f = only((PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx));
        assert_eq!(
            (f.status, f.resource_id.as_str()),
            (Status::Manual, "i-web")
        );
        assert!(f.message.contains("BCCReadAccessPolicy"), "{}", f.message);

        // no publicIp, open group, EIP listing not authorized: an EIP could be bound → MANUAL
        let ctx = CheckContext::for_test(vec![
            instance("i-api", "", &["g-web"]),
            group(
                "g-web",
                "web-sg",
                vec![ingress("r-ssh", "tcp", "22", "0.0.0.0/0")],
            ),
        ])
        .coverage(
            EIP,
            REGION,
            Coverage::NotAuthorized {
                policy: Some("EIPReadAccessPolicy".into()),
            },
        )
        .build();
        let f = only((PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx));
        assert_eq!(
            (f.status, f.resource_id.as_str()),
            (Status::Manual, "i-api")
        );
        assert!(f.message.contains("EIPReadAccessPolicy"), "{}", f.message);

        // same, but no group opens admin ports: the missing EIPs cannot change the verdict
        let ctx = CheckContext::for_test(vec![
            instance("i-api", "", &["g-web"]),
            group(
                "g-web",
                "web-sg",
                vec![ingress("r-https", "tcp", "443", "0.0.0.0/0")],
            ),
        ])
        .coverage(EIP, REGION, Coverage::NotAuthorized { policy: None })
        .build();
        assert_eq!(
            only((PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx)).status,
            Status::Pass
        );

        // no publicIp, EIP listing missing, and an attached group absent from the listing
        let ctx = CheckContext::for_test(vec![instance("i-api", "", &["g-gone"])])
            .coverage(SECURITY_GROUP, REGION, Coverage::Collected)
            .coverage(EIP, REGION, Coverage::NotAuthorized { policy: None })
            .build();
        let f = only((PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx));
        assert_eq!(
            (f.status, f.resource_id.as_str()),
            (Status::Manual, "i-api")
        );
        assert!(f.message.contains("g-gone"), "{}", f.message);

        // the instances themselves were not listed: one MANUAL for the region
        let ctx = CheckContext::for_test(vec![])
            .coverage(
                INSTANCE,
                REGION,
                Coverage::Failed {
                    error: "500 InternalError".into(),
                },
            )
            .build();
        let f = only((PUBLIC_ADMIN_EXPOSURE.evaluate)(&ctx));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "*"));
    }

    // ---- deletion protection ----

    fn with(mut a: AssetView, field: &str, value: Value) -> AssetView {
        a.raw[field] = value;
        a
    }

    #[test]
    fn deletion_protection_off_on_postpaid_fails_and_on_passes() {
        let f = only(run(
            &DELETION_PROTECTION_DISABLED,
            vec![instance("i-1", "", &[])],
        ));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Fail, "i-1"));
        assert_eq!(f.evidence["deletionProtection"], json!(0));
        assert_eq!(f.evidence["scope"], json!("Postpaid instances"));
        let f = only(run(
            &DELETION_PROTECTION_DISABLED,
            vec![with(
                instance("i-1", "", &[]),
                "deletionProtection",
                json!(1),
            )],
        ));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["deletionProtection"], json!(1));
        let f = only(run(
            &DELETION_PROTECTION_DISABLED,
            vec![with(
                instance("i-1", "", &[]),
                "paymentTiming",
                json!("Prepaid"),
            )],
        ));
        assert_eq!(f.status, Status::NotApplicable);
        let mut missing = instance("i-1", "", &[]);
        missing
            .raw
            .as_object_mut()
            .unwrap()
            .remove("deletionProtection");
        let f = only(run(&DELETION_PROTECTION_DISABLED, vec![missing]));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "i-1"));
    }

    #[test]
    fn deletion_protection_scope_from_protect_tag() {
        let prod = with(
            with(
                instance("i-prod", "", &[]),
                "tags",
                json!([{"tagKey": "env", "tagValue": "prod"}]),
            ),
            "paymentTiming",
            json!("Prepaid"),
        );
        let dev = with(
            instance("i-dev", "", &[]),
            "tags",
            json!([{"tagKey": "env", "tagValue": "dev"}]),
        );
        let ctx = CheckContext::for_test(vec![prod, dev])
            .param("protect_tag", "env=prod")
            .build();
        let findings = (DELETION_PROTECTION_DISABLED.evaluate)(&ctx);
        let by_id = |id: &str| findings.iter().find(|f| f.resource_id == id).unwrap();
        assert_eq!(by_id("i-prod").status, Status::Fail);
        assert_eq!(
            by_id("i-prod").evidence["scope"],
            json!("instances tagged env=prod")
        );
        assert_eq!(by_id("i-dev").status, Status::NotApplicable);
    }

    // ---- Linux password login ----

    #[test]
    fn linux_without_keypair_fails_with_keypair_passes() {
        let f = only(run(
            &LINUX_PASSWORD_LOGIN,
            vec![with(instance("i-1", "", &[]), "keypairId", json!(""))],
        ));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Fail, "i-1"));
        assert_eq!(f.evidence["keypairId"], json!(""));
        assert_eq!(f.evidence["osName"], json!("Ubuntu"));
        let f = only(run(&LINUX_PASSWORD_LOGIN, vec![instance("i-1", "", &[])]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["keypairId"], json!("k-1"));
    }

    #[test]
    fn windows_is_not_applicable_and_unknown_os_is_manual() {
        let win = with(
            with(
                with(instance("i-w", "", &[]), "osName", json!("Windows Server")),
                "imageName",
                json!("Windows Server 2019 DataCenter"),
            ),
            "keypairId",
            json!(""),
        );
        assert_eq!(
            only(run(&LINUX_PASSWORD_LOGIN, vec![win])).status,
            Status::NotApplicable
        );
        let mut unknown = with(instance("i-u", "", &[]), "keypairId", json!(""));
        for f in ["osName", "imageName"] {
            unknown.raw.as_object_mut().unwrap().remove(f);
        }
        let f = only(run(&LINUX_PASSWORD_LOGIN, vec![unknown]));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "i-u"));
    }

    // ---- checks without data ----

    #[test]
    fn volume_and_agent_checks_are_manual_for_the_account() {
        for (check, api) in [
            (&VOLUME_UNENCRYPTED, "ListCDSVolume"),
            (&VOLUME_NO_AUTO_SNAPSHOT_POLICY, "ListAutoSnapshotPolicy"),
            (&HOST_SECURITY_AGENT_MISSING, "HOSTEYE"),
        ] {
            let f = only(run(check, vec![instance("i-1", "", &[])]));
            assert_eq!(f.status, Status::Manual, "{}", check.meta.id);
            assert_eq!(
                (f.resource_kind.as_str(), f.resource_id.as_str()),
                ("account", "account")
            );
            assert!(f.message.contains(api), "{}: {}", check.meta.id, f.message);
            assert_eq!(
                f.evidence["missing"].as_str().map(|m| m.contains(api)),
                Some(true)
            );
        }
    }

    // ---- EOL OS ----

    fn os(id: &str, name: &str, version: &str, image: &str) -> AssetView {
        with(
            with(
                with(instance(id, "", &[]), "osName", json!(name)),
                "osVersion",
                json!(version),
            ),
            "imageName",
            json!(image),
        )
    }

    #[test]
    fn eol_os_matches_whole_versions() {
        let f = only(run(
            &EOL_OS,
            vec![os(
                "i-c7",
                "CentOS",
                "7.9 x86_64 (64bit)",
                "CentOS 7.9 x86_64 (64bit)",
            )],
        ));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Fail, "i-c7"));
        assert_eq!(f.evidence["matchedEolEntry"], json!("CentOS 7"));
        assert_eq!(f.evidence["osVersion"], json!("7.9 x86_64 (64bit)"));
        let f = only(run(
            &EOL_OS,
            vec![os(
                "i-u22",
                "Ubuntu",
                "22.04 LTS amd64 (64bit)",
                "Ubuntu 22.04 LTS amd64 (64bit)",
            )],
        ));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["matchedEolEntry"], Value::Null);
        let f = only(run(
            &EOL_OS,
            vec![os("i-ws", "Windows Server", "2012 R2 DataCenter 64bit", "")],
        ));
        assert_eq!(f.evidence["matchedEolEntry"], json!("Windows Server 2012"));
        // boundaries: "Debian 10" must not match Debian 100, "Ubuntu 18.04" not Ubuntu 18.040
        assert!(eol_matches("Debian 10.2 amd64", "Debian 10"));
        assert!(!eol_matches("Debian 100", "Debian 10"));
        assert!(!eol_matches("Ubuntu 18.040", "Ubuntu 18.04"));
        assert!(eol_matches("centos  7", "CentOS 7"));
        assert!(!eol_matches("Rocky Linux 9.2", "CentOS 7"));
    }

    #[test]
    fn eol_os_uses_image_name_and_the_parameter() {
        let mut i = os("i-1", "", "", "CentOS 6.10 x86_64 (64bit)");
        i.raw.as_object_mut().unwrap().remove("osName");
        let f = only(run(&EOL_OS, vec![i]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["matchedEolEntry"], json!("CentOS 6"));
        let ctx = CheckContext::for_test(vec![os("i-1", "CentOS", "7.9 x86_64 (64bit)", "")])
            .param("eol_os", json!(["Ubuntu 16.04"]))
            .build();
        assert_eq!(only((EOL_OS.evaluate)(&ctx)).status, Status::Pass);
        let mut none = instance("i-2", "", &[]);
        for f in ["osName", "osVersion", "imageName"] {
            none.raw.as_object_mut().unwrap().remove(f);
        }
        let f = only(run(&EOL_OS, vec![none]));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "i-2"));
    }

    // ---- EIP ----

    fn eip_ctx(eips: Vec<AssetView>) -> Vec<Finding> {
        let now = Utc.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap();
        let ctx = CheckContext::for_test(eips).now(now).build();
        (EIP_UNATTACHED.evaluate)(&ctx)
    }

    #[test]
    fn unattached_eip_older_than_idle_days_fails() {
        let old = with(
            eip("180.76.1.2", ""),
            "createTime",
            json!("2024-03-01T00:00:00Z"),
        );
        let f = only(eip_ctx(vec![old]));
        assert_eq!(
            (f.status, f.resource_id.as_str()),
            (Status::Fail, "180.76.1.2")
        );
        assert_eq!(f.evidence["status"], json!("available"));
        assert_eq!(f.evidence["ageDays"], json!(31));
        assert_eq!(f.evidence["eipIdleDays"], json!(7));
        let young = with(
            eip("180.76.1.3", ""),
            "createTime",
            json!("2024-03-29T00:00:00Z"),
        );
        let f = only(eip_ctx(vec![young]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["ageDays"], json!(3));
    }

    #[test]
    fn bound_paused_and_undated_eips() {
        let f = only(eip_ctx(vec![eip("106.12.34.56", "i-web")]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["instanceId"], json!("i-web"));
        let paused = with(eip("180.76.1.4", ""), "status", json!("paused"));
        assert_eq!(only(eip_ctx(vec![paused])).status, Status::NotApplicable);
        let undated = with(eip("180.76.1.5", ""), "createTime", json!(""));
        let f = only(eip_ctx(vec![undated]));
        assert_eq!(
            (f.status, f.resource_id.as_str()),
            (Status::Manual, "180.76.1.5")
        );
        // the EIP listing not authorized: MANUAL for the region, never PASS
        let ctx = CheckContext::for_test(vec![])
            .coverage(
                EIP,
                REGION,
                Coverage::NotAuthorized {
                    policy: Some("EIPReadAccessPolicy".into()),
                },
            )
            .build();
        let f = only((EIP_UNATTACHED.evaluate)(&ctx));
        assert_eq!((f.status, f.resource_id.as_str()), (Status::Manual, "*"));
        assert!(f.message.contains("EIPReadAccessPolicy"));
    }

    // ---- the simulator's default world ----

    /// Every asset of the kinds these checks read, in the default world's three regions, as the
    /// collectors store them (raw = the list item, id = the kind's id field, name = `name`).
    fn default_world_context() -> CheckContext<'static> {
        let world = vigil_baidu_sim::World::default_world();
        let mut assets = Vec::new();
        for region in ["bj", "gz", "su"] {
            for (collection, kind, id_field) in [
                ("bcc_instances", INSTANCE, "id"),
                ("bcc_security_groups", SECURITY_GROUP, "id"),
                ("eip_eips", EIP, "eip"),
                ("vpc_subnets", "baidu_vpc_subnet", "subnetId"),
                ("vpc_acl_rules", "baidu_vpc_acl_rule", "id"),
            ] {
                for raw in world.resources(vigil_baidu_sim::DEFAULT_ACCOUNT_ID, region, collection)
                {
                    let id = str_of(raw, id_field).to_string();
                    let name = str_of(raw, "name").to_string();
                    let mut a = AssetView::new(kind, region, id, raw.clone());
                    if !name.is_empty() {
                        a = a.with_name(name);
                    }
                    assets.push(a);
                }
            }
        }
        let mut b = CheckContext::for_test(assets);
        for region in ["bj", "gz", "su"] {
            for kind in [
                INSTANCE,
                SECURITY_GROUP,
                EIP,
                "baidu_vpc_subnet",
                "baidu_vpc_acl_rule",
            ] {
                b = b.coverage(kind, region, Coverage::Collected);
            }
        }
        b.now(Utc.with_ymd_and_hms(2026, 8, 4, 0, 0, 0).unwrap())
            .build()
    }

    /// (status, severity) of the finding of `check_id` for the resource named `name`.
    fn verdict_of(findings: &[Finding], name: &str) -> (Status, Severity) {
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.resource_name.as_deref() == Some(name))
            .collect();
        assert_eq!(hits.len(), 1, "{name}: {hits:#?}");
        (hits[0].status, hits[0].severity)
    }

    #[test]
    fn default_world_planted_misconfigurations() {
        let ctx = default_world_context();
        let eval = |id: &str| {
            let check = super::super::network::tests::check_by_id(id).expect(id);
            (check.evaluate)(&ctx)
        };

        let ssh = eval("baidu_bcc_securitygroup_internet_ssh_22");
        assert_eq!(
            verdict_of(&ssh, "web-sg"),
            (Status::Fail, Severity::Critical)
        );
        assert_eq!(
            verdict_of(&ssh, "bastion-sg"),
            (Status::Fail, Severity::Critical)
        );
        assert_eq!(verdict_of(&ssh, "db-sg").0, Status::Pass);
        assert_eq!(verdict_of(&ssh, "shop-admin-sg").0, Status::Pass); // ssh from the office only
        assert_eq!(verdict_of(&ssh, "ftp-sg").0, Status::Fail); // legacy allow-all
        assert!(ssh.iter().all(|f| f.status != Status::Manual), "{ssh:#?}");

        let rdp = eval("baidu_bcc_securitygroup_internet_rdp_3389");
        assert_eq!(
            verdict_of(&rdp, "windows-rdp-sg"),
            (Status::Fail, Severity::Critical)
        );
        assert_eq!(verdict_of(&rdp, "web-sg").0, Status::Pass);

        let all = eval("baidu_bcc_securitygroup_internet_all_ports");
        assert_eq!(verdict_of(&all, "ftp-sg").0, Status::Fail);
        assert_eq!(verdict_of(&all, "k8s-nodes-sg").0, Status::Fail); // everything from ::/0
        assert_eq!(
            all.iter().filter(|f| f.status == Status::Fail).count(),
            2,
            "{all:#?}"
        );

        let mysql = eval("baidu_bcc_securitygroup_internet_mysql_3306");
        assert_eq!(verdict_of(&mysql, "db-sg").0, Status::Pass);
        assert_eq!(verdict_of(&mysql, "shop-db-sg").0, Status::Pass);

        let high = eval("baidu_bcc_securitygroup_internet_high_risk_ports");
        assert_eq!(verdict_of(&high, "shop-admin-sg").0, Status::Fail); // 8080 open to all

        let default = eval("baidu_bcc_securitygroup_default_allows_internet_ingress");
        assert!(default
            .iter()
            .filter(|f| f.resource_name.as_deref() == Some("default"))
            .all(|f| f.status == Status::Pass));

        let exposure = eval("baidu_bcc_instance_public_admin_exposure");
        for name in ["web-prod-01", "web-prod-02", "jenkins-ci", "win-jump-01"] {
            assert_eq!(
                verdict_of(&exposure, name),
                (Status::Fail, Severity::Critical),
                "{name}"
            );
        }
        assert_eq!(verdict_of(&exposure, "api-gateway-01").0, Status::Pass); // no public address
        assert_eq!(verdict_of(&exposure, "shop-web-02").0, Status::Pass); // public, web ports only
        assert_eq!(verdict_of(&exposure, "db-bastion").0, Status::NotApplicable); // stopped
        assert_eq!(verdict_of(&exposure, "legacy-ftp").0, Status::NotApplicable); // stopped
        let web = exposure
            .iter()
            .find(|f| f.resource_name.as_deref() == Some("web-prod-01"))
            .unwrap();
        assert!(
            web.related.iter().any(|r| r.kind == SECURITY_GROUP),
            "{web:#?}"
        );
        assert!(
            web.related
                .iter()
                .any(|r| r.kind == EIP && r.resource_id == "106.12.34.56"),
            "{web:#?}"
        );

        let eol = eval("baidu_bcc_instance_eol_os");
        assert_eq!(verdict_of(&eol, "mysql-primary").0, Status::Fail); // CentOS 7.9
        assert_eq!(verdict_of(&eol, "web-prod-01").0, Status::Pass); // Ubuntu 22.04

        let password = eval("baidu_bcc_instance_linux_password_login");
        assert_eq!(verdict_of(&password, "db-bastion").0, Status::Fail);
        assert_eq!(
            verdict_of(&password, "win-jump-01").0,
            Status::NotApplicable
        );
        assert_eq!(verdict_of(&password, "web-prod-01").0, Status::Pass);

        let protection = eval("baidu_bcc_instance_deletion_protection_disabled");
        assert_eq!(verdict_of(&protection, "web-prod-01").0, Status::Pass);
        assert_eq!(verdict_of(&protection, "web-prod-02").0, Status::Fail);

        let acl = eval("baidu_vpc_acl_internet_admin_ports");
        assert!(acl.iter().any(|f| f.status == Status::Fail), "{acl:#?}");
        assert!(acl.iter().all(|f| f.status != Status::Manual), "{acl:#?}");

        let eips = eval("baidu_eip_unattached");
        assert!(eips.iter().any(|f| f.status == Status::Fail), "{eips:#?}");
        assert!(eips.iter().any(|f| f.status == Status::Pass), "{eips:#?}");
    }
}
