//! Checks: SCS (Redis / Memcache / PegaDB), catalog section E.
//!
//! What they read (see `docs/providers/baidu/scs.md`): the `baidu_scs_instance` list item
//! (`engine`, `engineVersion`, `eip`, `clusterType`, `storeType`) and the child calls `detail`
//! (`publicDomain`, `eip`), `securityIps` (the IP whitelist) and `backupPolicy` (`backupDays`,
//! `expireDay`, `isEncrypt`).

use serde_json::{json, Map, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, Severity, Verdict,
};

use super::rds::{
    day_list, escalate_when_whitelist_open, number, text, version_has_prefix, version_less,
    whitelist_context, whitelist_verdict,
};
use crate::scs::{BACKUP_POLICY, DETAIL, INSTANCE, SECURITY_IPS};

const RESOURCE_TYPE: &str = "BCE::SCS::Instance";
const WHITELIST_API: &str =
    "GET /v1/instance/{instanceId}/securityIp (GetSecurityIp; policy RedisReadAccessPolicy)";
const DETAIL_API: &str =
    "GET /v2/instance/{instanceId} (GetInstanceDetail; policy RedisReadAccessPolicy)";
const BACKUP_API: &str =
    "GET /v1/instance/{instanceId}/backup/policy (GetBackupPolicy; policy RedisReadAccessPolicy)";
const URL_SCS: &str = "https://cloud.baidu.com/doc/SCS/index.html";
const URL_SCS_BACKUP: &str = "https://intl.cloud.baidu.com/doc/SCS/s/rkcu53c4l-en";

fn engine(asset: &AssetView) -> String {
    asset.str("engine").trim().to_ascii_lowercase()
}

// ---------------------------------------------------------------------------------------------
// baidu_scs_whitelist_allows_any
// ---------------------------------------------------------------------------------------------

static WHITELIST_ALLOWS_ANY: Check = Check {
    meta: CheckMeta {
        id: "baidu_scs_whitelist_allows_any",
        provider: "baidu",
        title: "SCS (Redis) IP whitelist allows any address",
        service: "scs",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Fails when the SCS instance's IP whitelist (GetSecurityIp → securityIps[]) contains an \
                      allow-any entry: 0.0.0.0/0 (SCS's 'everyone'), %, 0.0.0.0, * or ::/0 (or a CIDR no longer \
                      than whitelist_broad_max_prefix when set).",
        risk: "Redis has weak authentication defaults and powerful commands (CONFIG, MODULE LOAD, EVAL); \
               restricting who can connect is the essential control, and an allow-any whitelist removes it.",
        remediation: Remediation {
            text: "Restrict the whitelist to the application subnets or hosts, and bind security groups.",
            console: "SCS console → select the region → Instance list → click the instance → Security \
                      (安全管理/白名单) → Edit: remove 0.0.0.0/0, add the application CIDRs → OK.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_scs_security_ip\" \"cache\" {\n  instance_id  = \"scs-bj-xxxxxxxx\"\n  security_ips = [\"192.168.0.0/24\"]\n}",
            ),
            url: URL_SCS,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "alibaba_config", requirement: "redis-public-and-any-ip-access-check" },
            Mapping { framework: "prowler", requirement: "aws/elasticache_cluster_uses_public_subnet" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.2" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: whitelist_allows_any,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&WHITELIST_ALLOWS_ANY) }

fn whitelist_allows_any(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = ctx.params().u64("whitelist_broad_max_prefix");
    ctx.per_asset(&WHITELIST_ALLOWS_ANY, INSTANCE, |a| {
        whitelist_verdict(a, SECURITY_IPS, WHITELIST_API, broad)
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_scs_public_endpoint_enabled
// ---------------------------------------------------------------------------------------------

static PUBLIC_ENDPOINT_ENABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_scs_public_endpoint_enabled",
        provider: "baidu",
        title: "SCS instance exposed through an EIP/public domain",
        service: "scs",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Fails when the instance has an EIP (eip, in the list item or the detail) or a public domain \
                      (detail publicDomain). The finding is critical when the IP whitelist also allows any \
                      address.",
        risk: "Caches routinely hold sessions and tokens; internet exposure enables their theft and abuse of \
               Redis commands (data wiping, config rewrite, crypto-mining footholds).",
        remediation: Remediation {
            text: "Unbind the EIP / release the public domain and access the instance from the VPC (or through a \
                   VPN / bastion).",
            console: "SCS console → Instance list → click the instance → Basic information → Public access / EIP \
                      → Unbind (解绑EIP).",
            cli: None,
            terraform: None,
            url: URL_SCS,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "alibaba_config", requirement: "redis-public-and-any-ip-access-check" },
            Mapping { framework: "prowler", requirement: "aws/elasticache_cluster_uses_public_subnet" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: public_endpoint_enabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&PUBLIC_ENDPOINT_ENABLED) }

fn public_endpoint_enabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = ctx.params().u64("whitelist_broad_max_prefix");
    let findings = ctx.per_asset(&PUBLIC_ENDPOINT_ENABLED, INSTANCE, |a| {
        let mut evidence = Map::new();
        let mut signals = Vec::new();
        let list_eip = text(a.field("eip"));
        evidence.insert("eip".into(), json!(list_eip));
        if !list_eip.is_empty() {
            signals.push(format!("eip = {list_eip}"));
        }
        let detail = a.detail(DETAIL);
        match &detail {
            Ok(d) => {
                let domain = text(d.get("publicDomain"));
                let detail_eip = text(d.get("eip"));
                evidence.insert("detail.publicDomain".into(), json!(domain));
                evidence.insert("detail.eip".into(), json!(detail_eip));
                if !domain.is_empty() {
                    signals.push(format!("publicDomain = {domain}"));
                }
                if !detail_eip.is_empty() && detail_eip != list_eip {
                    signals.push(format!("detail eip = {detail_eip}"));
                }
            }
            Err(reason) => {
                evidence.insert("detail.publicDomain".into(), Value::Null);
                evidence.insert("detailUnavailable".into(), json!(reason));
            }
        }
        evidence.insert("publicSignals".into(), json!(signals));
        if !signals.is_empty() {
            let open = whitelist_context(&mut evidence, a, SECURITY_IPS, WHITELIST_API, broad);
            let tail = if open == Some(true) {
                " and its IP whitelist allows any address"
            } else {
                ""
            };
            return Verdict::fail(
                format!(
                    "SCS instance {} is reachable from the internet ({}){tail}.",
                    a.resource_id,
                    signals.join("; ")
                ),
                Value::Object(evidence),
            );
        }
        match detail {
            Err(reason) => Verdict::manual(format!(
                "publicDomain of SCS instance {} ({reason}); it comes from {DETAIL_API}",
                a.resource_id
            )),
            Ok(_) => Verdict::pass(
                format!(
                    "SCS instance {} has no EIP or public domain.",
                    a.resource_id
                ),
                Value::Object(evidence),
            ),
        }
    });
    escalate_when_whitelist_open(findings)
}

// ---------------------------------------------------------------------------------------------
// baidu_scs_backup_disabled
// ---------------------------------------------------------------------------------------------

static BACKUP_DISABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_scs_backup_disabled",
        provider: "baidu",
        title: "SCS persistent instance has no automatic backup days",
        service: "scs",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when a Redis or PegaDB instance's backup policy (GetBackupPolicy) has no backupDays, or \
                      its expireDay is below min_backup_retention_days (7). Memcache keeps no persistent data \
                      (not applicable).",
        risk: "Redis used as a store (not only as a cache) loses its data permanently after a deletion, a bad \
               write or a ransom wipe when there is no backup to restore.",
        remediation: Remediation {
            text: "Configure automatic backups (daily for stores) with a retention of at least 7 days \
                   (ModifyBackupPolicy).",
            console: "SCS console → Instance list → click the instance → Backup management (备份管理) → Backup \
                      policy → choose the backup days and time, set the retention days → OK.",
            cli: None,
            terraform: None,
            url: URL_SCS_BACKUP,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/elasticache_redis_cluster_backup_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.9" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: backup_disabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BACKUP_DISABLED) }

fn backup_disabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let min_retention = ctx.params().u64("min_backup_retention_days");
    ctx.per_asset(&BACKUP_DISABLED, INSTANCE, |a| {
        let engine = engine(a);
        if engine == "memcache" || engine == "memcached" {
            return Verdict::na(format!(
                "SCS instance {} runs Memcache, which keeps no persistent data to back up.",
                a.resource_id
            ));
        }
        let policy = match a.detail(BACKUP_POLICY) {
            Ok(p) => p,
            Err(reason) => {
                return Verdict::manual(format!(
                    "the backup policy of SCS instance {} ({reason}); it comes from {BACKUP_API}",
                    a.resource_id
                ))
            }
        };
        let days = day_list(policy.get("backupDays"));
        let retention = number(policy.get("expireDay"));
        let evidence = json!({
            "engine": a.str("engine"),
            "clusterType": a.str("clusterType"),
            "storeType": a.field("storeType").cloned().unwrap_or(Value::Null),
            "backupPolicy.backupDays": policy.get("backupDays").cloned().unwrap_or(Value::Null),
            "backupPolicy.backupTime": policy.get("backupTime").cloned().unwrap_or(Value::Null),
            "backupPolicy.expireDay": policy.get("expireDay").cloned().unwrap_or(Value::Null),
            "backupPolicy.isEncrypt": policy.get("isEncrypt").cloned().unwrap_or(Value::Null),
            "minBackupRetentionDays": min_retention,
        });
        if days.is_empty() {
            return Verdict::fail(
                format!(
                    "SCS instance {} has no automatic backup days (backupDays is empty).",
                    a.resource_id
                ),
                evidence,
            );
        }
        match retention {
            None => Verdict::manual(format!(
                "backupPolicy.expireDay of SCS instance {} is absent or not a number; it comes from {BACKUP_API}",
                a.resource_id
            )),
            Some(r) if r < min_retention => Verdict::fail(
                format!(
                    "SCS instance {} keeps backups {r} day(s), below {min_retention}.",
                    a.resource_id
                ),
                evidence,
            ),
            Some(r) => Verdict::pass(
                format!(
                    "SCS instance {} backs up on {} and keeps backups {r} day(s).",
                    a.resource_id,
                    days.join(",")
                ),
                evidence,
            ),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_scs_engine_version_eol
// ---------------------------------------------------------------------------------------------

static ENGINE_VERSION_EOL: Check = Check {
    meta: CheckMeta {
        id: "baidu_scs_engine_version_eol",
        provider: "baidu",
        title: "SCS engine version outdated",
        service: "scs",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Low,
        description: "Fails when a Redis instance's engineVersion is below min_redis_version (5.0) or matches \
                      eol_redis_versions (2.8, 3.0, 3.2, 4.0). Memcache and PegaDB have no Redis version \
                      (not applicable).",
        risk: "Old Redis versions lack ACL users and TLS and carry known CVEs (e.g. Lua sandbox escapes) that no \
               longer get fixes.",
        remediation: Remediation {
            text: "Upgrade the engine version (UpgradeVersion) in a maintenance window after testing the client \
                   compatibility.",
            console: "SCS console → Instance list → click the instance → Basic information → Engine version → \
                      Upgrade (版本升级) → choose the target version and the switch-over time.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_scs\" \"cache\" {\n  # ...\n  engine_version = \"6.0\"\n}",
            ),
            url: URL_SCS,
        },
        categories: &["vulnerabilities"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/elasticache_redis_cluster_auto_minor_version_upgrades" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.4" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: engine_version_eol,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ENGINE_VERSION_EOL) }

fn engine_version_eol(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let eol = ctx.params().list("eol_redis_versions");
    let min = ctx.params().str("min_redis_version");
    ctx.per_asset(&ENGINE_VERSION_EOL, INSTANCE, |a| {
        let engine = engine(a);
        if engine.is_empty() {
            return Verdict::manual(format!(
                "the engine of SCS instance {} is absent from the list item; it comes from {DETAIL_API}",
                a.resource_id
            ));
        }
        if engine != "redis" {
            return Verdict::na(format!(
                "SCS instance {} runs {}, not Redis: the Redis version lists do not apply.",
                a.resource_id,
                a.str("engine")
            ));
        }
        let version = text(a.field("engineVersion"));
        if version.is_empty() {
            return Verdict::manual(format!(
                "engineVersion of SCS instance {} is absent from the list item; it comes from {DETAIL_API}",
                a.resource_id
            ));
        }
        let listed = eol.iter().find(|v| version_has_prefix(&version, v)).cloned();
        let below = if min.trim().is_empty() {
            Some(false)
        } else {
            version_less(&version, &min)
        };
        let evidence = json!({
            "engine": a.str("engine"),
            "engineVersion": version,
            "eolEntry": listed,
            "minRedisVersion": min,
        });
        match (listed, below) {
            (Some(entry), _) => Verdict::fail(
                format!(
                    "SCS instance {} runs Redis {version}, which is end-of-life (matches {entry:?}).",
                    a.resource_id
                ),
                evidence,
            ),
            (None, Some(true)) => Verdict::fail(
                format!(
                    "SCS instance {} runs Redis {version}, older than the minimum {min}.",
                    a.resource_id
                ),
                evidence,
            ),
            (None, Some(false)) => Verdict::pass(
                format!("SCS instance {} runs Redis {version}.", a.resource_id),
                evidence,
            ),
            (None, None) => Verdict::manual(format!(
                "engineVersion {version:?} of SCS instance {} (or min_redis_version {min:?}) is not a \
                 comparable version",
                a.resource_id
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::Status;

    /// A list item shaped like `samples/scs.list_instances.json` (trimmed).
    fn item(id: &str) -> Value {
        json!({
            "instanceId": id,
            "instanceName": format!("{id}-name"),
            "instanceStatus": "Running",
            "clusterType": "master_slave",
            "engine": "redis",
            "engineVersion": "6.0",
            "vnetIp": "192.168.0.40",
            "port": 6379,
            "storeType": 0,
            "eip": "",
        })
    }

    fn instance(id: &str, raw: Value, whitelist: &[&str]) -> AssetView {
        AssetView::new(INSTANCE, "bj", id, raw)
            .with_name(format!("{id}-name"))
            .with_detail(
                DETAIL,
                json!({"instanceId": id, "publicDomain": "", "eip": ""}),
            )
            .with_detail(SECURITY_IPS, json!({"securityIps": whitelist}))
            .with_detail(
                BACKUP_POLICY,
                json!({"backupTime": "01:05:00", "backupDays": "Sun,Mon,Tue,Wed,Thu,Fri,Sat",
                       "expireDay": 7, "isEncrypt": "false"}),
            )
    }

    fn one(check: &Check, asset: AssetView) -> Finding {
        let ctx = CheckContext::for_test(vec![asset]).build();
        let mut f = (check.evaluate)(&ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }

    fn set(mut raw: Value, key: &str, value: Value) -> Value {
        raw[key] = value;
        raw
    }

    #[test]
    fn whitelist_fail_pass_manual() {
        let f = one(
            &WHITELIST_ALLOWS_ANY,
            instance("scs-open", item("scs-open"), &["0.0.0.0/0"]),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "scs-open");
        assert_eq!(f.evidence["allowAnyEntries"], json!(["0.0.0.0/0"]));

        let f = one(
            &WHITELIST_ALLOWS_ANY,
            instance(
                "scs-ok",
                item("scs-ok"),
                &["192.168.0.0/24", "192.168.0.77"],
            ),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "scs-ok");
        assert_eq!(
            f.evidence["securityIps"],
            json!(["192.168.0.0/24", "192.168.0.77"])
        );

        let a = AssetView::new(INSTANCE, "bj", "scs-x", item("scs-x"))
            .with_detail_error(SECURITY_IPS, "403 AccessDenied");
        let f = one(&WHITELIST_ALLOWS_ANY, a);
        assert_eq!(f.status, Status::Manual);
        assert!(
            f.message.contains("403 AccessDenied") && f.message.contains("GetSecurityIp"),
            "{}",
            f.message
        );
    }

    #[test]
    fn public_endpoint_pass_when_private() {
        let f = one(
            &PUBLIC_ENDPOINT_ENABLED,
            instance("scs-p", item("scs-p"), &["0.0.0.0/0"]),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "scs-p");
        assert_eq!(f.evidence["detail.publicDomain"], "");
        assert_eq!(f.evidence["eip"], "");
    }

    #[test]
    fn public_endpoint_fail_on_eip_or_domain_and_escalates_with_open_whitelist() {
        let raw = set(item("scs-e"), "eip", json!("106.13.5.6"));
        let f = one(
            &PUBLIC_ENDPOINT_ENABLED,
            instance("scs-e", raw, &["192.168.0.0/24"]),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.evidence["eip"], "106.13.5.6");
        assert_eq!(f.evidence["whitelistAllowsAny"], false);

        let a = instance("scs-d", item("scs-d"), &["0.0.0.0/0"]).with_detail(
            DETAIL,
            json!({"publicDomain": "redis-pub.x.scs.bj.baidubce.com", "eip": ""}),
        );
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "scs-d");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            f.evidence["detail.publicDomain"],
            "redis-pub.x.scs.bj.baidubce.com"
        );
        assert_eq!(f.evidence["whitelistAllowsAny"], true);
    }

    #[test]
    fn public_endpoint_manual_without_detail_unless_list_eip_decides() {
        let a = AssetView::new(INSTANCE, "bj", "scs-m", item("scs-m"))
            .with_detail_error(DETAIL, "503 ServiceUnavailable");
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Manual);
        assert!(
            f.message.contains("publicDomain") && f.message.contains("503"),
            "{}",
            f.message
        );

        let a = AssetView::new(
            INSTANCE,
            "bj",
            "scs-m",
            set(item("scs-m"), "eip", json!("106.1.1.1")),
        )
        .with_detail_error(DETAIL, "503 ServiceUnavailable");
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["whitelistAllowsAny"], Value::Null);
    }

    #[test]
    fn backup_pass_fail_na_manual() {
        let f = one(&BACKUP_DISABLED, instance("scs-b", item("scs-b"), &[]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "scs-b");
        assert_eq!(f.evidence["backupPolicy.expireDay"], 7);

        let a = instance("scs-nb", item("scs-nb"), &[]).with_detail(
            BACKUP_POLICY,
            json!({"backupDays": "", "expireDay": 0, "isEncrypt": "false"}),
        );
        let f = one(&BACKUP_DISABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "scs-nb");
        assert_eq!(f.evidence["backupPolicy.backupDays"], "");

        let a = instance("scs-short", item("scs-short"), &[]).with_detail(
            BACKUP_POLICY,
            json!({"backupDays": "Sun,Wed", "expireDay": 3}),
        );
        let f = one(&BACKUP_DISABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("3 day(s)"), "{}", f.message);

        let raw = set(item("scs-mc"), "engine", json!("memcache"));
        let f = one(&BACKUP_DISABLED, instance("scs-mc", raw, &[]));
        assert_eq!(f.status, Status::NotApplicable);

        let a = AssetView::new(INSTANCE, "bj", "scs-x", item("scs-x"))
            .with_detail_error(BACKUP_POLICY, "403 AccessDenied");
        let f = one(&BACKUP_DISABLED, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("GetBackupPolicy"), "{}", f.message);
    }

    #[test]
    fn eol_fail_listed_or_below_min_pass_current_na_memcache() {
        for v in ["3.2", "4.0", "2.8"] {
            let raw = set(item("scs-old"), "engineVersion", json!(v));
            let f = one(&ENGINE_VERSION_EOL, instance("scs-old", raw, &[]));
            assert_eq!(f.status, Status::Fail, "{v}");
            assert_eq!(f.resource_id, "scs-old");
            assert_eq!(f.evidence["eolEntry"], v);
        }
        // below min_redis_version but not listed
        let ctx = CheckContext::for_test(vec![instance(
            "scs-5",
            set(item("scs-5"), "engineVersion", json!("5.0")),
            &[],
        )])
        .param("min_redis_version", "6.0")
        .build();
        let f = (ENGINE_VERSION_EOL.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence["eolEntry"], Value::Null);
        assert_eq!(f[0].evidence["minRedisVersion"], "6.0");

        for v in ["5.0", "6.0", "7.0"] {
            let raw = set(item("scs-new"), "engineVersion", json!(v));
            let f = one(&ENGINE_VERSION_EOL, instance("scs-new", raw, &[]));
            assert_eq!(f.status, Status::Pass, "{v}");
            assert_eq!(f.evidence["engineVersion"], v);
        }

        let raw = set(
            set(item("scs-mc"), "engine", json!("memcache")),
            "engineVersion",
            json!("1.4"),
        );
        assert_eq!(
            one(&ENGINE_VERSION_EOL, instance("scs-mc", raw, &[])).status,
            Status::NotApplicable
        );

        let raw = set(item("scs-nv"), "engineVersion", json!(""));
        assert_eq!(
            one(&ENGINE_VERSION_EOL, instance("scs-nv", raw, &[])).status,
            Status::Manual
        );
    }

    #[test]
    fn every_check_is_registered() {
        for id in [
            "baidu_scs_whitelist_allows_any",
            "baidu_scs_public_endpoint_enabled",
            "baidu_scs_backup_disabled",
            "baidu_scs_engine_version_eol",
        ] {
            let c = vigil_checks::find(id).unwrap_or_else(|| panic!("{id} not registered"));
            assert_eq!(c.meta.service, "scs");
            assert!(c.meta.title.len() <= 150 && !c.meta.title.starts_with("Ensure"));
        }
    }
}
