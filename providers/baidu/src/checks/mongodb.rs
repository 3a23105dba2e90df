//! Checks: MongoDB (DocDB for MongoDB), catalog section G.
//!
//! What they read (see `docs/providers/baidu/mongodb.md`): the `baidu_mongodb_instance` list
//! item and the child calls `detail` (`publicConnectionString`,
//! `publicReadonlyConnectionString`, `members[].eip`, `mongosList[].members[].eip`,
//! `shardList[].members[].eip`), `securityIps` (the IP whitelist) and `backupPolicy`
//! (`autoBackupEnable`, `preferredBackupPeriod`, `backupRetentionPeriod`).

use serde_json::{json, Map, Value};
use vigil_checks::{
    Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, Severity, Verdict,
};

use super::rds::{
    day_list, escalate_when_whitelist_open, number, text, whitelist_context, whitelist_verdict,
};
use crate::mongodb::{BACKUP_POLICY, DETAIL, INSTANCE, SECURITY_IPS};

const RESOURCE_TYPE: &str = "BCE::MongoDB::Instance";
const WHITELIST_API: &str = "GET /v1/instance/{dbInstanceId}?describeSecurityIps (GetSecurityIps; policy MONGODBReadAccessPolicy)";
const DETAIL_API: &str =
    "GET /v1/instance/{dbInstanceId} (GetInstanceDetail; policy MONGODBReadAccessPolicy)";
const BACKUP_API: &str =
    "GET /v1/instance/{dbInstanceId}/backupPolicy (GetBackupPolicy; policy MONGODBReadAccessPolicy)";
const URL_MONGODB: &str = "https://cloud.baidu.com/doc/MONGODB/s/Ekdgskkrk";

// ---------------------------------------------------------------------------------------------
// baidu_mongodb_whitelist_allows_any
// ---------------------------------------------------------------------------------------------

static WHITELIST_ALLOWS_ANY: Check = Check {
    meta: CheckMeta {
        id: "baidu_mongodb_whitelist_allows_any",
        provider: "baidu",
        title: "MongoDB whitelist allows any address",
        service: "mongodb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Fails when the MongoDB instance's IP whitelist (GetSecurityIps → securityIps[]) contains an \
                      allow-any entry: 0.0.0.0/0, %, 0.0.0.0, * or ::/0 (or a CIDR no longer than \
                      whitelist_broad_max_prefix when set).",
        risk: "Exposed MongoDB is among the most mass-exploited data stores: scanners find it within hours and \
               ransom-wipe it; the whitelist is what keeps arbitrary hosts from connecting.",
        remediation: Remediation {
            text: "Restrict the whitelist to the application subnets or hosts.",
            console: "MongoDB console → select the region → Instance list → click the instance → Security \
                      (白名单设置) → Edit: remove 0.0.0.0/0, add the application CIDRs → OK.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_mongodb_instance\" \"docs\" {\n  # ...\n  security_ip = [\"192.168.0.0/24\"]\n}",
            ),
            url: URL_MONGODB,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "alibaba_config", requirement: "mongodb-public-access-check" },
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
// baidu_mongodb_public_endpoint_enabled
// ---------------------------------------------------------------------------------------------

static PUBLIC_ENDPOINT_ENABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_mongodb_public_endpoint_enabled",
        provider: "baidu",
        title: "MongoDB instance has a public connection string / node EIP",
        service: "mongodb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Fails when the instance detail has a publicConnectionString or publicReadonlyConnectionString, \
                      or any member (replica set members, mongos and shard members) has an EIP. The finding is \
                      critical when the IP whitelist also allows any address.",
        risk: "Public reachability plus weak or leaked credentials leads to data theft and ransom-wiping.",
        remediation: Remediation {
            text: "Remove the public endpoints (unbind the node EIPs) and access the instance from the VPC.",
            console: "MongoDB console → Instance list → click the instance → Node information / Connection \
                      information → Unbind EIP (解绑EIP) on each node with a public address.",
            cli: None,
            terraform: None,
            url: URL_MONGODB,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "alibaba_config", requirement: "mongodb-public-and-any-ip-access-check" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: public_endpoint_enabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&PUBLIC_ENDPOINT_ENABLED) }

/// The public endpoints of an instance detail, as (field path, value).
fn public_endpoints(detail: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in ["publicConnectionString", "publicReadonlyConnectionString"] {
        let v = text(detail.get(field));
        if !v.is_empty() {
            out.push((field.to_string(), v));
        }
    }
    let members = |list: Option<&Value>, path: &str, out: &mut Vec<(String, String)>| {
        for (i, m) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let eip = text(m.get("eip"));
            if !eip.is_empty() {
                out.push((format!("{path}[{i}].eip"), eip));
            }
        }
    };
    members(detail.get("members"), "members", &mut out);
    for group in ["mongosList", "shardList"] {
        for (n, node) in detail
            .get(group)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            members(
                node.get("members"),
                &format!("{group}[{n}].members"),
                &mut out,
            );
        }
    }
    out
}

fn public_endpoint_enabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = ctx.params().u64("whitelist_broad_max_prefix");
    let findings = ctx.per_asset(&PUBLIC_ENDPOINT_ENABLED, INSTANCE, |a| {
        let detail = match a.detail(DETAIL) {
            Ok(d) => d,
            Err(reason) => {
                return Verdict::manual(format!(
                    "the public connection strings and node EIPs of MongoDB instance {} ({reason}); they come \
                     from {DETAIL_API}",
                    a.resource_id
                ))
            }
        };
        let endpoints = public_endpoints(detail);
        let mut evidence = Map::new();
        evidence.insert(
            "publicConnectionString".into(),
            json!(text(detail.get("publicConnectionString"))),
        );
        evidence.insert(
            "publicReadonlyConnectionString".into(),
            json!(text(detail.get("publicReadonlyConnectionString"))),
        );
        let found: Map<String, Value> = endpoints
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        evidence.insert("publicEndpoints".into(), Value::Object(found));
        if endpoints.is_empty() {
            return Verdict::pass(
                format!(
                    "MongoDB instance {} has no public connection string or node EIP.",
                    a.resource_id
                ),
                Value::Object(evidence),
            );
        }
        let open = whitelist_context(&mut evidence, a, SECURITY_IPS, WHITELIST_API, broad);
        let tail = if open == Some(true) {
            " and its IP whitelist allows any address"
        } else {
            ""
        };
        let fields: Vec<&str> = endpoints.iter().map(|(k, _)| k.as_str()).collect();
        Verdict::fail(
            format!(
                "MongoDB instance {} is reachable from the internet ({}){tail}.",
                a.resource_id,
                fields.join(", ")
            ),
            Value::Object(evidence),
        )
    });
    escalate_when_whitelist_open(findings)
}

// ---------------------------------------------------------------------------------------------
// baidu_mongodb_backup_retention_insufficient
// ---------------------------------------------------------------------------------------------

static BACKUP_RETENTION: Check = Check {
    meta: CheckMeta {
        id: "baidu_mongodb_backup_retention_insufficient",
        provider: "baidu",
        title: "MongoDB automatic backup missing or retention too short",
        service: "mongodb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when the backup policy (GetBackupPolicy) has autoBackupEnable other than ON, no \
                      preferredBackupPeriod days, or backupRetentionPeriod below min_backup_retention_days (7). \
                      The age of the newest backup (ListBackup, max_backup_age_hours) is not collected and not \
                      evaluated.",
        risk: "Without automatic backups kept long enough, data deleted by mistake or wiped by ransomware cannot \
               be recovered.",
        remediation: Remediation {
            text: "Enable automatic backups on suitable weekdays with a retention of at least 7 days.",
            console: "MongoDB console → Instance list → click the instance → Backup and restore (备份恢复) → \
                      Backup settings → Automatic backup: ON, choose the backup period and time, set the \
                      retention days → OK.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_mongodb_instance\" \"docs\" {\n  # ...\n  auto_backup_enable      = \"ON\"\n  preferred_backup_period = [\"Monday\", \"Wednesday\", \"Friday\"]\n  preferred_backup_time   = \"02:00Z-03:00Z\"\n}",
            ),
            url: URL_MONGODB,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/documentdb_cluster_backup_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.9" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: backup_retention,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BACKUP_RETENTION) }

fn backup_retention(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let min_retention = ctx.params().u64("min_backup_retention_days");
    ctx.per_asset(&BACKUP_RETENTION, INSTANCE, |a| {
        let policy = match a.detail(BACKUP_POLICY) {
            Ok(p) => p,
            Err(reason) => {
                return Verdict::manual(format!(
                    "the backup policy of MongoDB instance {} ({reason}); it comes from {BACKUP_API}",
                    a.resource_id
                ))
            }
        };
        let enabled = text(policy.get("autoBackupEnable"));
        let days = day_list(policy.get("preferredBackupPeriod"));
        let retention = number(policy.get("backupRetentionPeriod"));
        let evidence = json!({
            "backupPolicy.autoBackupEnable": policy.get("autoBackupEnable").cloned().unwrap_or(Value::Null),
            "backupPolicy.preferredBackupPeriod": policy.get("preferredBackupPeriod").cloned().unwrap_or(Value::Null),
            "backupPolicy.backupRetentionPeriod": policy.get("backupRetentionPeriod").cloned().unwrap_or(Value::Null),
            "minBackupRetentionDays": min_retention,
            "newestBackupAge": "not evaluated: ListBackup is not collected",
        });
        let mut problems = Vec::new();
        if !enabled.eq_ignore_ascii_case("on") {
            problems.push(format!(
                "automatic backup is off (autoBackupEnable = {})",
                if enabled.is_empty() { "absent" } else { enabled.as_str() }
            ));
        } else if days.is_empty() {
            problems.push("no backup days (preferredBackupPeriod is empty)".to_string());
        }
        match retention {
            Some(r) if r < min_retention => {
                problems.push(format!("retention {r} day(s), below {min_retention}"))
            }
            Some(_) => {}
            None if problems.is_empty() => {
                return Verdict::manual(format!(
                    "backupRetentionPeriod of MongoDB instance {} is absent or not a number; it comes from \
                     {BACKUP_API}",
                    a.resource_id
                ))
            }
            None => {}
        }
        if problems.is_empty() {
            Verdict::pass(
                format!(
                    "MongoDB instance {} backs up automatically ({}) and keeps backups {} day(s) (newest backup \
                     age not evaluated).",
                    a.resource_id,
                    days.join(","),
                    retention.unwrap_or_default()
                ),
                evidence,
            )
        } else {
            Verdict::fail(
                format!("MongoDB instance {}: {}.", a.resource_id, problems.join("; ")),
                evidence,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::{AssetView, Status};

    /// A list item shaped like `samples/mongodb.list_instances.json` (trimmed).
    fn item(id: &str) -> Value {
        json!({
            "dbInstanceId": id,
            "dbInstanceName": format!("{id}-name"),
            "engineVersion": "4.4",
            "dbInstanceType": "replica",
            "dbInstanceStatus": "RUNNING",
        })
    }

    fn private_detail(id: &str) -> Value {
        json!({
            "dbInstanceId": id,
            "publicConnectionString": "",
            "publicReadonlyConnectionString": "",
            "members": [
                {"memberId": "192.168.0.61", "mongoStatus": "PRIMARY", "ip": "192.168.0.61", "eip": ""},
                {"memberId": "192.168.0.62", "mongoStatus": "SECONDARY", "ip": "192.168.0.62", "eip": ""}
            ],
        })
    }

    fn instance(id: &str, whitelist: &[&str]) -> AssetView {
        AssetView::new(INSTANCE, "gz", id, item(id))
            .with_name(format!("{id}-name"))
            .with_detail(DETAIL, private_detail(id))
            .with_detail(SECURITY_IPS, json!({"securityIps": whitelist}))
            .with_detail(
                BACKUP_POLICY,
                json!({"autoBackupEnable": "ON", "preferredBackupPeriod": "Monday,Thursday",
                       "preferredBackupTime": "02:00Z-03:00Z", "backupRetentionPeriod": 7}),
            )
    }

    fn one(check: &Check, asset: AssetView) -> Finding {
        let ctx = CheckContext::for_test(vec![asset]).build();
        let mut f = (check.evaluate)(&ctx);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }

    #[test]
    fn whitelist_fail_pass_manual() {
        let f = one(
            &WHITELIST_ALLOWS_ANY,
            instance("m-open", &["0.0.0.0/0", "192.168.0.0/16"]),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "m-open");
        assert_eq!(f.region, "gz");
        assert_eq!(f.evidence["allowAnyEntries"], json!(["0.0.0.0/0"]));

        let f = one(&WHITELIST_ALLOWS_ANY, instance("m-ok", &["192.168.0.0/16"]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "m-ok");

        let a = AssetView::new(INSTANCE, "gz", "m-x", item("m-x"))
            .with_detail_error(SECURITY_IPS, "403 AccessDenied");
        let f = one(&WHITELIST_ALLOWS_ANY, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("describeSecurityIps"), "{}", f.message);
    }

    #[test]
    fn public_endpoint_pass_when_private() {
        let f = one(&PUBLIC_ENDPOINT_ENABLED, instance("m-p", &["0.0.0.0/0"]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "m-p");
        assert_eq!(f.evidence["publicEndpoints"], json!({}));
    }

    #[test]
    fn public_endpoint_fail_on_connection_string_and_escalates() {
        let mut detail = private_detail("m-pub");
        detail["publicConnectionString"] = json!("mongodb://root:****@180.76.20.21:27017");
        detail["members"][0]["eip"] = json!("180.76.20.21");
        let a = instance("m-pub", &["0.0.0.0/0"]).with_detail(DETAIL, detail.clone());
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "m-pub");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            f.evidence["publicEndpoints"],
            json!({"publicConnectionString": "mongodb://root:****@180.76.20.21:27017",
                   "members[0].eip": "180.76.20.21"})
        );

        let a = instance("m-pub", &["192.168.0.0/16"]).with_detail(DETAIL, detail);
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.evidence["whitelistAllowsAny"], false);
    }

    #[test]
    fn public_endpoint_fail_on_sharded_mongos_eip() {
        let detail = json!({
            "publicConnectionString": "",
            "publicReadonlyConnectionString": "",
            "members": [],
            "mongosList": [{"nodeId": "mongos-a", "members": [{"ip": "192.168.0.9", "eip": "106.2.2.2"}]}],
            "shardList": [{"nodeId": "shard-a", "members": [{"ip": "192.168.0.10", "eip": ""}]}],
        });
        let a = instance("m-shard", &[]).with_detail(DETAIL, detail);
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["publicEndpoints"],
            json!({"mongosList[0].members[0].eip": "106.2.2.2"})
        );
    }

    #[test]
    fn public_endpoint_manual_without_detail() {
        let a = AssetView::new(INSTANCE, "gz", "m-x", item("m-x"))
            .with_detail(SECURITY_IPS, json!({"securityIps": ["0.0.0.0/0"]}))
            .with_detail_error(DETAIL, "500 InternalError");
        let f = one(&PUBLIC_ENDPOINT_ENABLED, a);
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "m-x");
        assert!(f.message.contains("500 InternalError"), "{}", f.message);
    }

    #[test]
    fn backup_pass_and_fail_variants() {
        let f = one(&BACKUP_RETENTION, instance("m-b", &[]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "m-b");
        assert_eq!(f.evidence["backupPolicy.backupRetentionPeriod"], 7);

        let a = instance("m-off", &[]).with_detail(
            BACKUP_POLICY,
            json!({"autoBackupEnable": "OFF", "preferredBackupPeriod": "", "backupRetentionPeriod": 0}),
        );
        let f = one(&BACKUP_RETENTION, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "m-off");
        assert_eq!(f.evidence["backupPolicy.autoBackupEnable"], "OFF");

        // OFF decides on its own, even with a period and a long retention left configured.
        let a = instance("m-off2", &[]).with_detail(
            BACKUP_POLICY,
            json!({"autoBackupEnable": "OFF", "preferredBackupPeriod": "Monday,Thursday",
                   "backupRetentionPeriod": 30}),
        );
        let f = one(&BACKUP_RETENTION, a);
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.message.contains("autoBackupEnable = OFF"),
            "{}",
            f.message
        );

        let a = instance("m-short", &[]).with_detail(
            BACKUP_POLICY,
            json!({"autoBackupEnable": "ON", "preferredBackupPeriod": "Monday", "backupRetentionPeriod": 3}),
        );
        let f = one(&BACKUP_RETENTION, a);
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("retention 3"), "{}", f.message);

        let a = instance("m-nodays", &[]).with_detail(
            BACKUP_POLICY,
            json!({"autoBackupEnable": "ON", "preferredBackupPeriod": "", "backupRetentionPeriod": 7}),
        );
        assert_eq!(one(&BACKUP_RETENTION, a).status, Status::Fail);
    }

    #[test]
    fn backup_retention_threshold_param_and_manual() {
        let ctx = CheckContext::for_test(vec![instance("m-p", &[])])
            .param("min_backup_retention_days", 14)
            .build();
        let f = (BACKUP_RETENTION.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence["minBackupRetentionDays"], 14);

        let a = AssetView::new(INSTANCE, "gz", "m-x", item("m-x"))
            .with_detail_error(BACKUP_POLICY, "403 AccessDenied");
        let f = one(&BACKUP_RETENTION, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("GetBackupPolicy"), "{}", f.message);
    }

    #[test]
    fn every_check_is_registered() {
        for id in [
            "baidu_mongodb_whitelist_allows_any",
            "baidu_mongodb_public_endpoint_enabled",
            "baidu_mongodb_backup_retention_insufficient",
        ] {
            let c = vigil_checks::find(id).unwrap_or_else(|| panic!("{id} not registered"));
            assert_eq!(c.meta.service, "mongodb");
            assert!(c.meta.title.len() <= 150 && !c.meta.title.starts_with("Ensure"));
        }
    }
}
