//! The check registry as the `vigil` binary links it: every registered check has Prowler-style
//! metadata, the catalog's 59 checks are all there, their compliance mappings resolve, the
//! parameters they read are documented, and docs/CHECKS.md lists them.

use std::collections::BTreeSet;
use std::path::Path;

use vigil_checks::{compliance, PARAM_SPECS};

/// The 59 checks of the catalog (`shared/baidu-checks.md`).
const CATALOG: [&str; 59] = [
    "baidu_iam_root_access_key_in_use",
    "baidu_iam_access_key_not_rotated_90_days",
    "baidu_iam_access_key_unused_90_days",
    "baidu_iam_user_multiple_active_access_keys",
    "baidu_iam_user_console_without_mfa",
    "baidu_iam_user_console_and_access_key",
    "baidu_iam_user_console_inactive_90_days",
    "baidu_iam_custom_policy_full_admin",
    "baidu_iam_user_has_administrator_access",
    "baidu_iam_policy_attached_to_user",
    "baidu_iam_role_trust_policy_any_principal",
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
    "baidu_rds_whitelist_allows_any",
    "baidu_rds_public_access_enabled",
    "baidu_rds_backup_retention_below_7_days",
    "baidu_rds_ssl_disabled",
    "baidu_rds_storage_unencrypted",
    "baidu_rds_sql_audit_disabled",
    "baidu_rds_engine_version_eol",
    "baidu_scs_whitelist_allows_any",
    "baidu_scs_public_endpoint_enabled",
    "baidu_scs_backup_disabled",
    "baidu_scs_engine_version_eol",
    "baidu_kafka_public_access_enabled",
    "baidu_kafka_unauthenticated_access",
    "baidu_kafka_plaintext_transport",
    "baidu_kafka_version_eol",
    "baidu_mongodb_whitelist_allows_any",
    "baidu_mongodb_public_endpoint_enabled",
    "baidu_mongodb_backup_retention_insufficient",
    "baidu_bos_bucket_public_read",
    "baidu_bos_bucket_public_write",
    "baidu_bos_bucket_default_encryption_disabled",
    "baidu_bos_bucket_access_logging_disabled",
    "baidu_bos_bucket_versioning_disabled",
    "baidu_bos_bucket_https_not_enforced",
    "baidu_blb_listener_http_without_https_redirect",
    "baidu_blb_listener_weak_tls_policy",
    "baidu_blb_internet_facing_without_acl",
    "baidu_blb_deletion_protection_disabled",
    "baidu_bct_trail_not_configured",
];

fn checks() -> &'static [&'static vigil_checks::Check] {
    vigil_provider_baidu::init();
    vigil_checks::checks()
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn every_check_has_prowler_style_metadata() {
    let all = checks();
    assert!(!all.is_empty());
    let mut problems = Vec::new();
    for w in all.windows(2) {
        assert!(w[0].meta.id < w[1].meta.id, "registry not sorted/unique");
    }
    for c in all {
        let m = &c.meta;
        let mut bad = |what: &str| problems.push(format!("{}: {what}", m.id));
        if m.title.chars().count() > 150 {
            bad("title longer than 150 characters");
        }
        if m.title
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("ensure")
        {
            bad("title starts with \"Ensure\"");
        }
        if m.title.trim().is_empty() {
            bad("empty title");
        }
        if !m.id.starts_with(&format!("{}_{}_", m.provider, m.service)) {
            bad("id does not start with <provider>_<service>_");
        }
        if m.provider != "baidu" {
            bad("provider is not baidu");
        }
        if m.remediation.text.trim().is_empty() {
            bad("no remediation text");
        }
        if !m.remediation.url.starts_with("https://") {
            bad("no remediation URL (https)");
        }
        let in_framework_files = compliance::frameworks().iter().any(|f| {
            f.requirements
                .iter()
                .any(|r| r.checks.iter().any(|c| c == m.id))
        });
        if m.compliance.is_empty() && !in_framework_files {
            bad("no compliance mapping (neither its own nor in crates/checks/compliance/*.json)");
        }
        if m.description.trim().is_empty() || m.risk.trim().is_empty() {
            bad("empty description or risk");
        }
        if m.resource_type.is_empty() || !m.resource_type.starts_with("BCE::") {
            bad("resource type is not a BCE::… type");
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_catalog_check_is_registered() {
    let ids: BTreeSet<&str> = checks().iter().map(|c| c.meta.id).collect();
    let missing: Vec<&str> = CATALOG
        .iter()
        .copied()
        .filter(|c| !ids.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "catalog checks not registered: {missing:?}"
    );
}

#[test]
fn compliance_mappings_resolve_both_ways() {
    let all = checks();
    let ids: BTreeSet<&str> = all.iter().map(|c| c.meta.id).collect();
    let mut problems = Vec::new();
    for fw in compliance::frameworks() {
        for r in &fw.requirements {
            for c in &r.checks {
                if !ids.contains(c.as_str()) {
                    problems.push(format!("{} {}: unknown check {c}", fw.id, r.id));
                }
            }
        }
        for c in all {
            for m in c.meta.compliance.iter().filter(|m| m.framework == fw.id) {
                if !fw
                    .requirements
                    .iter()
                    .any(|r| compliance::mapping_names(m.requirement, &r.id))
                {
                    problems.push(format!(
                        "{}: maps to {} {}, which the framework file does not list",
                        c.meta.id, fw.id, m.requirement
                    ));
                }
            }
        }
    }
    let known = [
        "cis_alibaba_2.0",
        "cis_aws_5.0",
        "prowler",
        "alibaba_config",
        "mlps_2.0_l3",
    ];
    for c in all {
        for m in c.meta.compliance {
            if !known.contains(&m.framework) {
                problems.push(format!("{}: unknown framework {}", c.meta.id, m.framework));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `params().u64|list|str|ports|get("key")` in the provider's checks names a documented
/// parameter (a typo would silently read 0 or an empty list).
#[test]
fn every_parameter_the_checks_read_is_known() {
    let known: BTreeSet<&str> = PARAM_SPECS.iter().map(|p| p.key).collect();
    let dir = repo().join("providers/baidu/src/checks");
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let compact: String = text.split_whitespace().collect();
        for accessor in ["u64", "list", "str", "ports", "get"] {
            let needle = format!("params().{accessor}(\"");
            let mut rest = compact.as_str();
            while let Some(i) = rest.find(&needle) {
                rest = &rest[i + needle.len()..];
                let key = rest.split('"').next().unwrap_or("");
                if !known.contains(key) {
                    unknown.push(format!("{}: {key}", path.display()));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "unknown parameters: {unknown:?}");
}

#[test]
fn docs_checks_md_lists_every_check_and_parameter() {
    let doc = std::fs::read_to_string(repo().join("docs/CHECKS.md")).unwrap();
    let mut missing = Vec::new();
    for c in checks() {
        if !doc.contains(&format!("`{}`", c.meta.id)) {
            missing.push(c.meta.id.to_string());
        }
    }
    for p in PARAM_SPECS {
        let row = format!("| `{}` | `{}` |", p.key, p.default);
        if !doc.contains(&row) {
            missing.push(format!("parameter row {row}"));
        }
    }
    for fw in compliance::frameworks() {
        if !doc.contains(&fw.id) {
            missing.push(format!("framework {}", fw.id));
        }
    }
    assert!(missing.is_empty(), "docs/CHECKS.md lacks: {missing:#?}");
}
