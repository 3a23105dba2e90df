//! Checks: RDS (catalog section D) plus the database toxic combination
//! `baidu_rds_instance_toxic_public_any_whitelist`.
//!
//! What they read (see `docs/providers/baidu/rds.md`): the `baidu_rds_instance` list item
//! (`engine`, `engineVersion`, `instanceType`, `publicAccessStatus`, `endpoint.inetIp`,
//! `eipStatus`, `roGroupList[]`, `backupPolicy`), the `detail` child call when the list item
//! lacked one of those (same model), and the `securityIps` child call (the IP whitelist).
//!
//! SSL enforcement, storage encryption/TDE and SQL audit have no read API in the SDKs Vigil
//! follows, so those checks answer MANUAL per instance and name the console setting.
//!
//! The helpers marked `pub(super)` are shared with the SCS and MongoDB checks (same whitelist
//! convention, same version matching, same escalation rule).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use vigil_checks::net::whitelist_entry_allows_any;
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, ResourceRef,
    Severity, Status, Verdict,
};

use crate::eip::EIP;
use crate::rds::{DETAIL, INSTANCE, SECURITY_IPS};

const RESOURCE_TYPE: &str = "BCE::RDS::Instance";
/// Where a missing `securityIps` comes from.
const WHITELIST_API: &str =
    "GET /v1/instance/{instanceId}/securityIp (GetSecurityIps; policy RDSReadAccessPolicy)";
/// Where a missing `detail` comes from.
const DETAIL_API: &str = "GET /v1/instance/{instanceId} (GetDetail; policy RDSReadAccessPolicy)";
const URL_SECURITY: &str = "https://intl.cloud.baidu.com/doc/RDS/s/4ks04gdip-en";
const URL_WHITELIST_API: &str = "https://cloud.baidu.com/doc/RDS/s/6ks04gq8k-en";
const URL_RDS: &str = "https://cloud.baidu.com/doc/RDS/index.html";

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by scs.rs and mongodb.rs).
// ---------------------------------------------------------------------------------------------

/// A JSON value as trimmed text: strings as they are, numbers and booleans formatted, anything
/// else (absent, null, arrays, objects) empty.
pub(super) fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A non-negative whole number from a JSON number or a numeric string (BCE models differ:
/// `expireInDays` is a string in older SDK models and a number in the samples).
pub(super) fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// The distinct entries of a comma-separated list (`"0,3"`, `"Sun,Wed"`, `"Monday,Thursday"`)
/// or a JSON array of strings.
pub(super) fn day_list(v: Option<&Value>) -> Vec<String> {
    let items: Vec<String> = match v {
        Some(Value::String(s)) => s.split(',').map(|d| d.trim().to_string()).collect(),
        Some(Value::Array(a)) => a.iter().map(|d| text(Some(d))).collect(),
        _ => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|d| !d.is_empty() && seen.insert(d.to_ascii_lowercase()))
        .collect()
}

/// A database IP whitelist read from a child call (`{"securityIps": [...]}`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Whitelist {
    pub(super) entries: Vec<String>,
    /// The entries that mean "any host" (the catalog's allow-any tokens, or a CIDR at most
    /// `whitelist_broad_max_prefix` long).
    pub(super) allow_any: Vec<String>,
}

impl Whitelist {
    pub(super) fn allows_any(&self) -> bool {
        !self.allow_any.is_empty()
    }
}

/// Reads the whitelist child call `call` of `asset`. `Err` names what is missing and the API
/// (and permission) that supplies it.
pub(super) fn read_whitelist(
    asset: &AssetView,
    call: &str,
    api: &str,
    broad_max_prefix: u64,
) -> Result<Whitelist, String> {
    let response = asset.detail(call).map_err(|reason| {
        format!(
            "the IP whitelist of {} ({reason}); it comes from {api}",
            asset.resource_id
        )
    })?;
    let Some(items) = response.get("securityIps").and_then(Value::as_array) else {
        return Err(format!(
            "the IP whitelist of {}: the {call} response has no securityIps[] array; it comes from {api}",
            asset.resource_id
        ));
    };
    let entries: Vec<String> = items.iter().map(|v| text(Some(v))).collect();
    let allow_any = entries
        .iter()
        .filter(|e| whitelist_entry_allows_any(e, broad_max_prefix))
        .cloned()
        .collect();
    Ok(Whitelist { entries, allow_any })
}

/// The verdict of a "whitelist allows any address" check.
pub(super) fn whitelist_verdict(
    asset: &AssetView,
    call: &str,
    api: &str,
    broad_max_prefix: u64,
) -> Verdict {
    let wl = match read_whitelist(asset, call, api, broad_max_prefix) {
        Ok(wl) => wl,
        Err(missing) => return Verdict::manual(missing),
    };
    let evidence = json!({
        "securityIps": wl.entries,
        "allowAnyEntries": wl.allow_any,
        "whitelistBroadMaxPrefix": broad_max_prefix,
    });
    if wl.allows_any() {
        Verdict::fail(
            format!(
                "The IP whitelist of {} allows any address ({}).",
                asset.resource_id,
                wl.allow_any.join(", ")
            ),
            evidence,
        )
    } else if wl.entries.is_empty() {
        Verdict::pass(
            format!(
                "The IP whitelist of {} is empty (no host is allowed).",
                asset.resource_id
            ),
            evidence,
        )
    } else {
        Verdict::pass(
            format!(
                "The IP whitelist of {} allows only specific addresses ({} entries).",
                asset.resource_id,
                wl.entries.len()
            ),
            evidence,
        )
    }
}

/// For the "public endpoint" checks: a FAIL whose evidence says the whitelist also allows any
/// address is escalated to critical (the catalog's "escalate to critical when the whitelist
/// check also fails").
pub(super) fn escalate_when_whitelist_open(mut findings: Vec<Finding>) -> Vec<Finding> {
    for f in &mut findings {
        if f.status == Status::Fail
            && f.evidence.get("whitelistAllowsAny") == Some(&Value::Bool(true))
        {
            f.severity = Severity::Critical;
        }
    }
    findings
}

/// The whitelist part of a public-endpoint check's evidence: `whitelistAllowsAny` is true/false,
/// or null with `whitelistUnavailable` when the whitelist was not collected.
pub(super) fn whitelist_context(
    evidence: &mut Map<String, Value>,
    asset: &AssetView,
    call: &str,
    api: &str,
    broad_max_prefix: u64,
) -> Option<bool> {
    match read_whitelist(asset, call, api, broad_max_prefix) {
        Ok(wl) => {
            evidence.insert("whitelistAllowsAny".into(), Value::Bool(wl.allows_any()));
            evidence.insert("allowAnyEntries".into(), json!(wl.allow_any));
            Some(wl.allows_any())
        }
        Err(missing) => {
            evidence.insert("whitelistAllowsAny".into(), Value::Null);
            evidence.insert("whitelistUnavailable".into(), Value::String(missing));
            None
        }
    }
}

/// Whether `version` starts with `prefix` at a version boundary: `5.5` matches `5.5` and
/// `5.5.62` but not `5.50`; `2008` matches `2008r2`; comparison is case-insensitive.
pub(super) fn version_has_prefix(version: &str, prefix: &str) -> bool {
    let v = version.trim().to_ascii_lowercase();
    let p = prefix.trim().to_ascii_lowercase();
    if p.is_empty() || !v.starts_with(&p) {
        return false;
    }
    let rest = &v[p.len()..];
    // `5.5` must not match `5.50`: a digit may not continue a prefix that ends in a digit.
    !(p.ends_with(|c: char| c.is_ascii_digit()) && rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The numeric components of a version (`"6.0"` → `[6, 0]`, `"5.0.12"` → `[5, 0, 12]`,
/// `"4.0-rc"` → `[4, 0]`); `None` when it does not start with a number.
pub(super) fn version_numbers(version: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for part in version.trim().split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        out.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `a < b` comparing numeric components (missing components count as 0); `None` when either is
/// not a version.
pub(super) fn version_less(a: &str, b: &str) -> Option<bool> {
    let (a, b) = (version_numbers(a)?, version_numbers(b)?);
    let n = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    for i in 0..n {
        match at(&a, i).cmp(&at(&b, i)) {
            std::cmp::Ordering::Less => return Some(true),
            std::cmp::Ordering::Greater => return Some(false),
            std::cmp::Ordering::Equal => {}
        }
    }
    Some(false)
}

// ---------------------------------------------------------------------------------------------
// RDS field access.
// ---------------------------------------------------------------------------------------------

/// A field of the instance: the list item's, else the `detail` call's (the collector fetches
/// the detail only when the list item lacks a checked field). `Err` says why it is unknown.
fn rds_field<'a>(asset: &'a AssetView, name: &str) -> Result<&'a Value, String> {
    if let Some(v) = asset.raw.get(name).filter(|v| !v.is_null()) {
        return Ok(v);
    }
    match asset.detail(DETAIL) {
        Ok(detail) => detail.get(name).filter(|v| !v.is_null()).ok_or_else(|| {
            format!(
                "{name} of {} (absent from the list item and the detail)",
                asset.resource_id
            )
        }),
        Err(reason) => Err(format!(
            "{name} of {} (absent from the list item; {reason}); it comes from {DETAIL_API}",
            asset.resource_id
        )),
    }
}

/// A field that may legitimately be absent (no Manual when it is).
fn rds_optional<'a>(asset: &'a AssetView, name: &str) -> Option<&'a Value> {
    rds_field(asset, name).ok()
}

/// `Master`, `ReadReplica`, `RdsProxy` (lowercased; empty when unknown).
fn instance_type(asset: &AssetView) -> String {
    text(rds_optional(asset, "instanceType")).to_ascii_lowercase()
}

fn is_replica(kind: &str) -> bool {
    kind.contains("replica")
}

fn is_proxy(kind: &str) -> bool {
    kind.contains("proxy")
}

/// How `publicAccessStatus` reads.
#[derive(Debug, PartialEq)]
enum Access {
    Open,
    Closed,
    Unknown,
}

fn public_access(status: &str) -> Access {
    match status.trim().to_ascii_lowercase().as_str() {
        "open" | "opened" | "on" | "enable" | "enabled" | "available" | "true" => Access::Open,
        "" | "close" | "closed" | "off" | "disable" | "disabled" | "unavailable" | "false" => {
            Access::Closed
        }
        _ => Access::Unknown,
    }
}

/// Whether an `eipStatus` says an EIP is bound (unknown spellings are not treated as bound; the
/// value is kept in the evidence).
fn eip_bound(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_lowercase().as_str(),
        "bound" | "binded" | "binding" | "attached" | "inuse" | "in_use"
    )
}

/// Whether an RDS instance is reachable from the internet, with the fields that decided it.
#[derive(Debug)]
struct Exposure {
    /// Why it is public (empty: not public as far as the known fields go).
    signals: Vec<String>,
    /// Fields that could not be read (public status undecided when `signals` is empty).
    unknown: Vec<String>,
    evidence: Map<String, Value>,
    /// Public addresses (for matching EIP assets).
    addresses: Vec<String>,
}

impl Exposure {
    fn is_public(&self) -> bool {
        !self.signals.is_empty()
    }
}

fn rds_exposure(asset: &AssetView) -> Exposure {
    let mut e = Exposure {
        signals: Vec::new(),
        unknown: Vec::new(),
        evidence: Map::new(),
        addresses: Vec::new(),
    };
    match rds_field(asset, "publicAccessStatus") {
        Ok(v) => {
            let status = text(Some(v));
            e.evidence
                .insert("publicAccessStatus".into(), json!(status));
            match public_access(&status) {
                Access::Open => e.signals.push(format!("publicAccessStatus = {status}")),
                Access::Closed => {}
                Access::Unknown => e.unknown.push(format!(
                    "publicAccessStatus of {} has an unrecognised value {status:?}",
                    asset.resource_id
                )),
            }
        }
        Err(missing) => {
            e.evidence.insert("publicAccessStatus".into(), Value::Null);
            e.unknown.push(missing);
        }
    }
    match rds_field(asset, "endpoint") {
        Ok(endpoint) => {
            let inet = text(endpoint.get("inetIp"));
            e.evidence.insert("endpoint.inetIp".into(), json!(inet));
            if !inet.is_empty() {
                e.signals.push(format!("endpoint.inetIp = {inet}"));
                e.addresses.push(inet);
            }
        }
        Err(missing) => {
            e.evidence.insert("endpoint.inetIp".into(), Value::Null);
            e.unknown.push(missing);
        }
    }
    let eip_status = text(rds_optional(asset, "eipStatus"));
    e.evidence.insert("eipStatus".into(), json!(eip_status));
    if eip_bound(&eip_status) {
        e.signals.push(format!("eipStatus = {eip_status}"));
    }
    // Read-only groups have endpoints (and EIPs) of their own.
    if let Some(groups) = rds_optional(asset, "roGroupList").and_then(Value::as_array) {
        let mut public_groups = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let inet = text(g.pointer("/roGroupEndpoint/inetIp"));
            let eip = text(g.get("eipStatus"));
            let id = text(g.get("roGroupId"));
            if !inet.is_empty() {
                e.signals
                    .push(format!("roGroupList[{i}].roGroupEndpoint.inetIp = {inet}"));
                e.addresses.push(inet.clone());
            }
            if eip_bound(&eip) {
                e.signals
                    .push(format!("roGroupList[{i}].eipStatus = {eip}"));
            }
            if !inet.is_empty() || eip_bound(&eip) {
                public_groups.push(json!({"roGroupId": id, "inetIp": inet, "eipStatus": eip}));
            }
        }
        if !public_groups.is_empty() {
            e.evidence
                .insert("publicReadOnlyGroups".into(), Value::Array(public_groups));
        }
    }
    e.evidence.insert("publicSignals".into(), json!(e.signals));
    e
}

fn broad_prefix(ctx: &CheckContext<'_>) -> u64 {
    ctx.params().u64("whitelist_broad_max_prefix")
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_whitelist_allows_any
// ---------------------------------------------------------------------------------------------

static WHITELIST_ALLOWS_ANY: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_whitelist_allows_any",
        provider: "baidu",
        title: "RDS IP whitelist allows any address",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Fails when the RDS instance's IP whitelist (GetSecurityIps → securityIps[]) contains an \
                      allow-any entry: %, 0.0.0.0/0, 0.0.0.0, * or ::/0 (or a CIDR no longer than \
                      whitelist_broad_max_prefix when that parameter is set).",
        risk: "The IP whitelist is the database's network boundary: it applies to every connection method, \
               VPC and public. % or 0.0.0.0/0 removes it, so anyone who can route to the instance (and, with \
               public access enabled, anyone on the internet) can attempt logins and exploit the engine.",
        remediation: Remediation {
            text: "Replace the allow-any entries with the application subnets or specific client addresses, and \
                   rely on security groups for finer control.",
            console: "RDS console → select the region → Instance list → click the instance → Security \
                      (安全管理) → IP whitelist → Edit: remove %, 0.0.0.0/0 and similar entries, add the \
                      application CIDRs → OK.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_rds_security_ip\" \"db\" {\n  instance_id  = \"rds-xxxxxxxx\"\n  security_ips = [\"192.168.1.0/24\"]\n}",
            ),
            url: URL_SECURITY,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.2" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_no_public_access_whitelist" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.2" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: whitelist_allows_any,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&WHITELIST_ALLOWS_ANY) }

fn whitelist_allows_any(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = broad_prefix(ctx);
    ctx.per_asset(&WHITELIST_ALLOWS_ANY, INSTANCE, |a| {
        whitelist_verdict(a, SECURITY_IPS, WHITELIST_API, broad)
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_public_access_enabled
// ---------------------------------------------------------------------------------------------

static PUBLIC_ACCESS_ENABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_public_access_enabled",
        provider: "baidu",
        title: "RDS instance has public (internet) access enabled",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Fails when publicAccessStatus says public access is open, endpoint.inetIp is non-empty, an \
                      EIP is bound (eipStatus), or a read-only group has a public endpoint. The finding is \
                      critical when the IP whitelist also allows any address.",
        risk: "Databases should be reachable only from private networks. A public endpoint leaves the \
               credentials and the engine's own vulnerabilities as the only protection against the internet.",
        remediation: Remediation {
            text: "Disable public access (ModifyPublicAccess with publicAccess=false) and connect through the VPC, \
                   a VPN, a dedicated line or a bastion host.",
            console: "RDS console → Instance list → click the instance → Basic information → Connection \
                      information → Public access: Close (关闭公网访问); unbind any EIP.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_rds_instance\" \"db\" {\n  # ...\n  public_access = false\n}",
            ),
            url: URL_SECURITY,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "2.2.3" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_no_public_access" },
            Mapping { framework: "alibaba_config", requirement: "rds-public-access-check" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: public_access_enabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&PUBLIC_ACCESS_ENABLED) }

fn public_access_enabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = broad_prefix(ctx);
    let findings = ctx.per_asset(&PUBLIC_ACCESS_ENABLED, INSTANCE, |a| {
        let mut e = rds_exposure(a);
        if e.is_public() {
            let open = whitelist_context(&mut e.evidence, a, SECURITY_IPS, WHITELIST_API, broad);
            let tail = if open == Some(true) {
                " and its IP whitelist allows any address"
            } else {
                ""
            };
            Verdict::fail(
                format!(
                    "RDS instance {} is reachable from the internet ({}){tail}.",
                    a.resource_id,
                    e.signals.join("; ")
                ),
                Value::Object(e.evidence),
            )
        } else if !e.unknown.is_empty() {
            Verdict::manual(e.unknown.join("; "))
        } else {
            Verdict::pass(
                format!("RDS instance {} has no public endpoint.", a.resource_id),
                Value::Object(e.evidence),
            )
        }
    });
    escalate_when_whitelist_open(findings)
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_backup_retention_below_7_days
// ---------------------------------------------------------------------------------------------

static BACKUP_RETENTION: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_backup_retention_below_7_days",
        provider: "baidu",
        title: "RDS automatic backup retention shorter than 7 days or backups sparse",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when backupPolicy.backupDays is empty (no automatic backups) or lists fewer than \
                      min_backup_days_per_week (2) weekdays, or backupPolicy.expireInDays is below \
                      min_backup_retention_days (7). Read replicas and proxies have no backups of their own \
                      (not applicable).",
        risk: "Short retention or sparse backups lose the ability to recover from slow-burn corruption, \
               accidental deletion or ransomware.",
        remediation: Remediation {
            text: "Raise the retention to at least 7 days and back up on at least two weekdays (daily for \
                   production) with ModifyBackupPolicy; consider cross-region backup copies.",
            console: "RDS console → Instance list → click the instance → Backup management (备份管理) → Backup \
                      settings → choose the backup days and time, set the retention days → OK.",
            cli: None,
            terraform: None,
            url: URL_RDS,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/rds_instance_backup_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.9" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: backup_retention,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BACKUP_RETENTION) }

fn backup_retention(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let min_days = ctx.params().u64("min_backup_days_per_week");
    let min_retention = ctx.params().u64("min_backup_retention_days");
    ctx.per_asset(&BACKUP_RETENTION, INSTANCE, |a| {
        let kind = instance_type(a);
        if is_replica(&kind) || is_proxy(&kind) {
            return Verdict::na(format!(
                "RDS instance {} is a {} (instanceType {}): backups are taken on its primary.",
                a.resource_id,
                if is_proxy(&kind) {
                    "proxy"
                } else {
                    "read replica"
                },
                text(rds_optional(a, "instanceType"))
            ));
        }
        let policy = match rds_field(a, "backupPolicy") {
            Ok(p) => p,
            Err(missing) => return Verdict::manual(missing),
        };
        let days = day_list(policy.get("backupDays"));
        let retention = number(policy.get("expireInDays"));
        let evidence = json!({
            "backupPolicy.backupDays": policy.get("backupDays").cloned().unwrap_or(Value::Null),
            "backupDaysPerWeek": days.len(),
            "backupPolicy.expireInDays": policy.get("expireInDays").cloned().unwrap_or(Value::Null),
            "backupPolicy.persistent": policy.get("persistent").cloned().unwrap_or(Value::Null),
            "minBackupDaysPerWeek": min_days,
            "minBackupRetentionDays": min_retention,
        });
        let mut problems = Vec::new();
        if days.is_empty() {
            problems.push("no automatic backup days (backupDays is empty)".to_string());
        } else if (days.len() as u64) < min_days {
            problems.push(format!(
                "backups on {} weekday(s), fewer than {min_days}",
                days.len()
            ));
        }
        match retention {
            Some(r) if r < min_retention => {
                problems.push(format!("retention {r} day(s), below {min_retention}"))
            }
            Some(_) => {}
            None if days.is_empty() => {}
            None => {
                return Verdict::manual(format!(
                    "backupPolicy.expireInDays of {} is absent or not a number ({})",
                    a.resource_id,
                    policy
                        .get("expireInDays")
                        .map_or("absent".to_string(), Value::to_string)
                ))
            }
        }
        if problems.is_empty() {
            Verdict::pass(
                format!(
                    "RDS instance {} backs up on {} weekday(s) and keeps backups {} day(s).",
                    a.resource_id,
                    days.len(),
                    retention.unwrap_or_default()
                ),
                evidence,
            )
        } else {
            Verdict::fail(
                format!("RDS instance {}: {}.", a.resource_id, problems.join("; ")),
                evidence,
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_ssl_disabled (no read API: MANUAL)
// ---------------------------------------------------------------------------------------------

static SSL_DISABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_ssl_disabled",
        provider: "baidu",
        title: "RDS instance does not enforce SSL/TLS connections",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when SSL is disabled on the instance or, on MySQL, require_secure_transport is OFF. \
                      No SSL status read API exists in the SDKs Vigil follows and Vigil does not collect \
                      ListParameters, so every instance is reported MANUAL until that API is confirmed.",
        risk: "Plaintext database traffic exposes credentials and data to anyone on the network path, \
               including other tenants' compromised hosts on shared links and anyone on the internet for \
               public endpoints.",
        remediation: Remediation {
            text: "Enable SSL on the instance, distribute the CA certificate to clients, and require TLS (MySQL: \
                   require_secure_transport = ON).",
            console: "RDS console → Instance list → click the instance → Security (安全管理) → SSL encryption → \
                      Enable, download the CA certificate; then Parameter settings → \
                      require_secure_transport = ON (MySQL 5.7/8.0).",
            cli: None,
            terraform: None,
            url: URL_SECURITY,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.1" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_ssl_enabled" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_transport_encrypted" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.2.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: ssl_disabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&SSL_DISABLED) }

fn ssl_disabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&SSL_DISABLED, INSTANCE, |a| {
        let engine = text(rds_optional(a, "engine"));
        let setting = match engine.to_ascii_lowercase().as_str() {
            "mysql" => "the SSL setting and the require_secure_transport parameter",
            "postgresql" => "the SSL setting (ssl parameter / hostssl-only access)",
            "sqlserver" => "the SSL setting (forced encryption)",
            _ => "the SSL setting",
        };
        Verdict::manual(format!(
            "SSL/TLS enforcement of RDS instance {} ({}): {setting} has no read API in the Baidu SDKs Vigil \
             follows (ListParameters is not collected); check RDS console → instance → Security → SSL \
             encryption",
            a.resource_id,
            if engine.is_empty() { "engine unknown" } else { engine.as_str() }
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_storage_unencrypted (no read API: MANUAL)
// ---------------------------------------------------------------------------------------------

static STORAGE_UNENCRYPTED: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_storage_unencrypted",
        provider: "baidu",
        title: "RDS data at rest not encrypted (disk encryption/TDE off)",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when neither disk encryption nor TDE is enabled. No read API exposes either (tdeStatus \
                      appears only in major-version pre-check results), so every instance is reported MANUAL; \
                      proxies hold no data (not applicable).",
        risk: "Encryption at rest protects data files, backups and snapshots against media theft and storage-level \
               access; it is required by many frameworks, including MLPS 2.0 level 3.",
        remediation: Remediation {
            text: "Create encrypted instances (disk encryption with a KMS key) and migrate the data; enable TDE where \
                   the engine supports it.",
            console: "RDS console → Create instance → Storage → enable disk encryption (选择KMS密钥); for an \
                      existing instance: Instance → Security → TDE (where offered), or migrate with DTS to an \
                      encrypted instance.",
            cli: None,
            terraform: None,
            url: URL_SECURITY,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.5" },
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.6" },
            Mapping { framework: "cis_aws_5.0", requirement: "2.2.1" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_tde_enabled" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_storage_encrypted" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: storage_unencrypted,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&STORAGE_UNENCRYPTED) }

fn storage_unencrypted(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&STORAGE_UNENCRYPTED, INSTANCE, |a| {
        if is_proxy(&instance_type(a)) {
            return Verdict::na(format!(
                "RDS instance {} is a proxy: it stores no data.",
                a.resource_id
            ));
        }
        Verdict::manual(format!(
            "disk encryption / TDE status of RDS instance {}: no read API in the Baidu SDKs Vigil follows \
             (tdeStatus only appears in InstanceMajorVersionPreCheck results); check RDS console → instance → \
             Basic information → Disk encryption, and Security → TDE",
            a.resource_id
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_sql_audit_disabled (no read API: MANUAL)
// ---------------------------------------------------------------------------------------------

static SQL_AUDIT_DISABLED: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_sql_audit_disabled",
        provider: "baidu",
        title: "RDS SQL audit disabled or retained less than 180 days",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when SQL audit is off or its logs are kept less than 180 days. The audit configuration \
                      has no read API in the SDKs Vigil follows, so every instance is reported MANUAL.",
        risk: "Without statement-level audit, breaches, data exfiltration and insider misuse cannot be \
               investigated or attributed.",
        remediation: Remediation {
            text: "Enable SQL audit on the instance and keep the audit logs for at least 180 days.",
            console: "RDS console → Instance list → click the instance → SQL audit (SQL审计/数据库审计) → Enable, \
                      set the retention to 180 days or more.",
            cli: None,
            terraform: None,
            url: URL_RDS,
        },
        categories: &["logging", "forensics-ready"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.3" },
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.4" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_sql_audit_enabled" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_sql_audit_retention" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.3" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: sql_audit_disabled,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&SQL_AUDIT_DISABLED) }

fn sql_audit_disabled(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&SQL_AUDIT_DISABLED, INSTANCE, |a| {
        Verdict::manual(format!(
            "SQL audit status and retention of RDS instance {}: the audit configuration has no read API in the \
             Baidu SDKs Vigil follows; check RDS console → instance → SQL audit (enabled, retention ≥ 180 days)",
            a.resource_id
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_engine_version_eol
// ---------------------------------------------------------------------------------------------

static ENGINE_VERSION_EOL: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_engine_version_eol",
        provider: "baidu",
        title: "RDS engine major version end-of-life, or minor version behind",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when `engine engineVersion` starts with an entry of eol_db_versions (e.g. MySQL 5.7, \
                      PostgreSQL 12, SQLServer 2012) or, for MySQL, engineVersion is in eol_mysql_versions. \
                      Minor-version currency (InstanceMinorVersionList) is not collected and not evaluated.",
        risk: "End-of-life engines no longer receive security fixes; known vulnerabilities stay exploitable.",
        remediation: Remediation {
            text: "Schedule a major-version upgrade (check compatibility first, e.g. with a cloned instance) and \
                   apply minor upgrades in the maintenance window.",
            console: "RDS console → Instance list → click the instance → Basic information → Version upgrade \
                      (版本升级) → choose the target major version and the switch-over window.",
            cli: None,
            terraform: None,
            url: URL_RDS,
        },
        categories: &["vulnerabilities"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "2.2.2" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_deprecated_engine_version" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_minor_version_upgrade_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.4" },
        ],
        reads: &[INSTANCE],
    },
    evaluate: engine_version_eol,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ENGINE_VERSION_EOL) }

/// The first EOL entry matching (engine, version): `eol_db_versions` holds `engine version`
/// prefixes; `eol_mysql_versions` holds bare MySQL versions.
fn eol_match(engine: &str, version: &str, db: &[String], mysql: &[String]) -> Option<String> {
    let full = format!("{} {}", engine.trim(), version.trim());
    if let Some(hit) = db.iter().find(|entry| {
        let entry = entry.split_whitespace().collect::<Vec<_>>().join(" ");
        version_has_prefix(&full, &entry)
    }) {
        return Some(hit.clone());
    }
    if engine.trim().eq_ignore_ascii_case("mysql") {
        if let Some(hit) = mysql.iter().find(|v| version_has_prefix(version, v)) {
            return Some(format!("MySQL {hit}"));
        }
    }
    None
}

fn engine_version_eol(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let db = ctx.params().list("eol_db_versions");
    let mysql = ctx.params().list("eol_mysql_versions");
    ctx.per_asset(&ENGINE_VERSION_EOL, INSTANCE, |a| {
        let engine = match rds_field(a, "engine") {
            Ok(v) => text(Some(v)),
            Err(missing) => return Verdict::manual(missing),
        };
        let version = match rds_field(a, "engineVersion") {
            Ok(v) => text(Some(v)),
            Err(missing) => return Verdict::manual(missing),
        };
        if engine.is_empty() || version.is_empty() {
            return Verdict::manual(format!(
                "engine/engineVersion of {} are empty; they come from {DETAIL_API}",
                a.resource_id
            ));
        }
        let hit = eol_match(&engine, &version, &db, &mysql);
        let evidence = json!({
            "engine": engine,
            "engineVersion": version,
            "rdsMinorVersion": text(rds_optional(a, "rdsMinorVersion")),
            "eolEntry": hit,
            "minorVersionCheck": "not evaluated: InstanceMinorVersionList is not collected",
        });
        match hit {
            Some(entry) => Verdict::fail(
                format!(
                    "RDS instance {} runs {engine} {version}, which is end-of-life (matches {entry:?}).",
                    a.resource_id
                ),
                evidence,
            ),
            None => Verdict::pass(
                format!(
                    "RDS instance {} runs {engine} {version}, not in the end-of-life list (minor-version \
                     currency not evaluated).",
                    a.resource_id
                ),
                evidence,
            ),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_rds_instance_toxic_public_any_whitelist (toxic combination)
// ---------------------------------------------------------------------------------------------

static TOXIC_PUBLIC_ANY_WHITELIST: Check = Check {
    meta: CheckMeta {
        id: "baidu_rds_instance_toxic_public_any_whitelist",
        provider: "baidu",
        title: "RDS instance reachable from the internet with an IP whitelist that allows any address",
        service: "rds",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Critical,
        description: "Toxic combination: fails when the instance is reachable from the internet (publicAccessStatus \
                      open, endpoint.inetIp set, a bound EIP, or a public read-only group endpoint) and its IP \
                      whitelist contains an allow-any entry (%, 0.0.0.0/0, ...). The finding lists the instance \
                      and any EIP asset bound to it as related resources.",
        risk: "Nothing but the database password stands between the internet and the data: the instance is \
               routable from anywhere and accepts connections from any source address, so it is exposed to \
               mass scanning, credential stuffing and engine exploits.",
        remediation: Remediation {
            text: "Close public access (or unbind the EIP) and replace the allow-any whitelist entries with the \
                   application subnets; fixing either one breaks the combination, fix both.",
            console: "RDS console → Instance list → click the instance → Basic information → Public access: Close; \
                      then Security → IP whitelist → Edit: remove % / 0.0.0.0/0.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_rds_instance\" \"db\" {\n  # ...\n  public_access = false\n}\n\nresource \"baiducloud_rds_security_ip\" \"db\" {\n  instance_id  = baiducloud_rds_instance.db.id\n  security_ips = [\"192.168.1.0/24\"]\n}",
            ),
            url: URL_WHITELIST_API,
        },
        categories: &["internet-exposed", "toxic-combination"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "6.2" },
            Mapping { framework: "cis_aws_5.0", requirement: "2.2.3" },
            Mapping { framework: "prowler", requirement: "alibabacloud/rds_instance_no_public_access_whitelist" },
            Mapping { framework: "prowler", requirement: "aws/rds_instance_no_public_access" },
            Mapping { framework: "alibaba_config", requirement: "rds-public-access-check" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.2" },
        ],
        reads: &[INSTANCE, EIP],
    },
    evaluate: toxic_public_any_whitelist,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&TOXIC_PUBLIC_ANY_WHITELIST) }

/// Every asset involved in an exposed instance: the instance itself and the EIP assets bound to
/// it (by `instanceId`, or by address when the EIP carries one of the instance's public
/// addresses), in the same region.
fn toxic_related(
    ctx: &CheckContext<'_>,
    instance: &AssetView,
    addresses: &[String],
) -> Vec<ResourceRef> {
    let mut related = vec![instance.to_ref()];
    for eip in ctx.assets(EIP) {
        if eip.region != instance.region {
            continue;
        }
        let bound_id = eip.str("instanceId") == instance.resource_id;
        let address = eip.str("eip");
        let bound_addr = !address.is_empty() && addresses.iter().any(|a| a == address);
        if bound_id || bound_addr {
            related.push(eip.to_ref());
        }
    }
    related
}

fn toxic_public_any_whitelist(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let broad = broad_prefix(ctx);
    let verdict = |a: &AssetView| -> Verdict {
        let e = rds_exposure(a);
        let wl = read_whitelist(a, SECURITY_IPS, WHITELIST_API, broad);
        let mut evidence = e.evidence.clone();
        match &wl {
            Ok(wl) => {
                evidence.insert("securityIps".into(), json!(wl.entries));
                evidence.insert("allowAnyEntries".into(), json!(wl.allow_any));
            }
            Err(missing) => {
                evidence.insert("whitelistUnavailable".into(), json!(missing));
            }
        }
        let whitelist_open = wl.as_ref().ok().map(Whitelist::allows_any);
        match (e.is_public(), whitelist_open) {
            (true, Some(true)) => Verdict::fail(
                format!(
                    "RDS instance {} is reachable from the internet ({}) and its IP whitelist allows any \
                     address ({}).",
                    a.resource_id,
                    e.signals.join("; "),
                    wl.as_ref().map(|w| w.allow_any.join(", ")).unwrap_or_default()
                ),
                Value::Object(evidence),
            ),
            (_, Some(false)) => Verdict::pass(
                format!(
                    "RDS instance {}: the IP whitelist does not allow any address.",
                    a.resource_id
                ),
                Value::Object(evidence),
            ),
            (false, _) if e.unknown.is_empty() => Verdict::pass(
                format!("RDS instance {} is not reachable from the internet.", a.resource_id),
                Value::Object(evidence),
            ),
            (true, None) => Verdict::manual(wl.err().unwrap_or_default()),
            (false, _) => {
                let mut missing = e.unknown.clone();
                if let Err(w) = wl {
                    missing.push(w);
                }
                Verdict::manual(missing.join("; "))
            }
        }
    };
    ctx.per_asset(&TOXIC_PUBLIC_ANY_WHITELIST, INSTANCE, verdict)
        .into_iter()
        .map(|f| {
            if f.status != Status::Fail {
                return f;
            }
            let Some(asset) = ctx
                .assets(INSTANCE)
                .iter()
                .find(|a| a.region == f.region && a.resource_id == f.resource_id)
            else {
                return f;
            };
            let addresses = rds_exposure(asset).addresses;
            let related = toxic_related(ctx, asset, &addresses);
            f.with_related(related)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::Coverage;

    /// A list item shaped like `samples/rds.list_instances.json` (trimmed to what checks read).
    fn item(id: &str) -> Value {
        json!({
            "instanceId": id,
            "instanceName": format!("{id}-name"),
            "engine": "MySQL",
            "engineVersion": "8.0",
            "rdsMinorVersion": "8.0.32",
            "instanceStatus": "Available",
            "instanceType": "Master",
            "publicAccessStatus": "CLOSE",
            "endpoint": {"address": "m.rds.bj.baidubce.com", "port": 3306, "vnetIp": "192.168.1.20", "inetIp": ""},
            "eipStatus": "",
            "backupPolicy": {"backupDays": "0,1,2,3,4,5,6", "backupTime": "17:00:00Z", "persistent": true,
                             "expireInDays": 7, "freeSpaceInGb": 100},
            "roGroupList": [],
        })
    }

    fn instance(id: &str, raw: Value, whitelist: &[&str]) -> AssetView {
        AssetView::new(INSTANCE, "bj", id, raw)
            .with_name(format!("{id}-name"))
            .with_detail(
                SECURITY_IPS,
                json!({"etag": "v1", "securityIps": whitelist}),
            )
    }

    fn with(mut raw: Value, pointer: &str, value: Value) -> Value {
        *raw.pointer_mut(pointer)
            .expect("field exists in the fixture") = value;
        raw
    }

    fn run(check: &Check, assets: Vec<AssetView>) -> Vec<Finding> {
        let ctx = CheckContext::for_test(assets).build();
        (check.evaluate)(&ctx)
    }

    fn one(check: &Check, asset: AssetView) -> Finding {
        let mut f = run(check, vec![asset]);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }

    #[test]
    fn helpers_read_bce_shapes() {
        assert_eq!(number(Some(&json!(7))), Some(7));
        assert_eq!(number(Some(&json!("14"))), Some(14));
        assert_eq!(number(Some(&json!("x"))), None);
        assert_eq!(day_list(Some(&json!("0,3"))), vec!["0", "3"]);
        assert_eq!(day_list(Some(&json!("Sun, Wed,Sun"))), vec!["Sun", "Wed"]);
        assert!(day_list(Some(&json!(""))).is_empty());
        assert!(version_has_prefix("5.5.62", "5.5"));
        assert!(version_has_prefix("MySQL 5.7", "mysql 5.7"));
        assert!(!version_has_prefix("5.50", "5.5"));
        assert!(version_has_prefix("SQLServer 2008r2", "SQLServer 2008"));
        assert!(!version_has_prefix("PostgreSQL 14", "PostgreSQL 1"));
        assert_eq!(version_less("4.0", "5.0"), Some(true));
        assert_eq!(version_less("5.0", "5.0"), Some(false));
        assert_eq!(version_less("6.0", "5.0"), Some(false));
        assert_eq!(version_less("4.0.14", "5"), Some(true));
        assert_eq!(version_less("x", "5.0"), None);
    }

    // --- whitelist ---------------------------------------------------------------------------

    #[test]
    fn whitelist_fail_on_percent_and_pass_on_subnets() {
        let f = one(
            &WHITELIST_ALLOWS_ANY,
            instance(
                "rds-open",
                item("rds-open"),
                &["192.168.0.0/16", "%", "10.1.2.3"],
            ),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "rds-open");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.evidence["allowAnyEntries"], json!(["%"]));
        assert_eq!(
            f.evidence["securityIps"],
            json!(["192.168.0.0/16", "%", "10.1.2.3"])
        );

        let f = one(
            &WHITELIST_ALLOWS_ANY,
            instance("rds-tight", item("rds-tight"), &["192.168.1.0/24"]),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "rds-tight");
        assert_eq!(f.evidence["allowAnyEntries"], json!([]));
    }

    #[test]
    fn whitelist_broad_prefix_parameter() {
        let a = instance("rds-wide", item("rds-wide"), &["10.0.0.0/8"]);
        assert_eq!(one(&WHITELIST_ALLOWS_ANY, a.clone()).status, Status::Pass);
        let ctx = CheckContext::for_test(vec![a])
            .param("whitelist_broad_max_prefix", 8)
            .build();
        let f = (WHITELIST_ALLOWS_ANY.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence["allowAnyEntries"], json!(["10.0.0.0/8"]));
    }

    #[test]
    fn whitelist_manual_when_child_call_failed_or_region_not_collected() {
        let a = AssetView::new(INSTANCE, "bj", "rds-x", item("rds-x"))
            .with_detail_error(SECURITY_IPS, "403 AccessDenied");
        let f = one(&WHITELIST_ALLOWS_ANY, a);
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "rds-x");
        assert!(f.message.contains("403 AccessDenied"), "{}", f.message);
        assert!(f.message.contains("securityIp"), "{}", f.message);

        let ctx = CheckContext::for_test(vec![])
            .coverage(
                INSTANCE,
                "gz",
                Coverage::NotAuthorized {
                    policy: Some("RDSReadAccessPolicy".into()),
                },
            )
            .build();
        let f = (WHITELIST_ALLOWS_ANY.evaluate)(&ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Manual);
        assert_eq!(f[0].region, "gz");
        assert!(f[0].message.contains("RDSReadAccessPolicy"));
    }

    // --- public access -----------------------------------------------------------------------

    #[test]
    fn public_access_pass_when_closed_and_no_inet_ip() {
        let f = one(
            &PUBLIC_ACCESS_ENABLED,
            instance("rds-priv", item("rds-priv"), &["%"]),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "rds-priv");
        assert_eq!(f.evidence["publicAccessStatus"], "CLOSE");
        assert_eq!(f.evidence["endpoint.inetIp"], "");
    }

    #[test]
    fn public_access_fail_high_with_tight_whitelist_and_critical_with_open_one() {
        let raw = with(item("rds-pub"), "/publicAccessStatus", json!("OPEN"));
        let raw = with(raw, "/endpoint/inetIp", json!("180.76.10.11"));
        let f = one(
            &PUBLIC_ACCESS_ENABLED,
            instance("rds-pub", raw.clone(), &["192.168.1.0/24"]),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "rds-pub");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.evidence["endpoint.inetIp"], "180.76.10.11");
        assert_eq!(f.evidence["whitelistAllowsAny"], false);

        let f = one(
            &PUBLIC_ACCESS_ENABLED,
            instance("rds-pub", raw, &["0.0.0.0/0"]),
        );
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.evidence["whitelistAllowsAny"], true);
    }

    #[test]
    fn public_access_fail_on_inet_ip_alone_eip_or_read_only_group() {
        let raw = with(item("rds-a"), "/endpoint/inetIp", json!("106.1.2.3"));
        let f = one(&PUBLIC_ACCESS_ENABLED, instance("rds-a", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["publicSignals"],
            json!(["endpoint.inetIp = 106.1.2.3"])
        );

        let raw = with(item("rds-b"), "/eipStatus", json!("bound"));
        let f = one(&PUBLIC_ACCESS_ENABLED, instance("rds-b", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["eipStatus"], "bound");

        let raw = with(
            item("rds-c"),
            "/roGroupList",
            json!([{"roGroupId": "rdcrg1", "roGroupEndpoint": {"inetIp": "106.9.9.9"}, "eipStatus": ""}]),
        );
        let f = one(&PUBLIC_ACCESS_ENABLED, instance("rds-c", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["publicReadOnlyGroups"][0]["roGroupId"], "rdcrg1");
    }

    #[test]
    fn public_access_reads_detail_when_list_item_lacks_fields_and_manual_without_it() {
        let mut raw = item("rds-d");
        raw.as_object_mut().unwrap().remove("publicAccessStatus");
        raw.as_object_mut().unwrap().remove("endpoint");
        let with_detail = instance("rds-d", raw.clone(), &[]).with_detail(
            DETAIL,
            json!({"publicAccessStatus": "OPEN", "endpoint": {"inetIp": ""}}),
        );
        let f = one(&PUBLIC_ACCESS_ENABLED, with_detail);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["publicAccessStatus"], "OPEN");

        let failed = instance("rds-d", raw, &[]).with_detail_error(DETAIL, "500 InternalError");
        let f = one(&PUBLIC_ACCESS_ENABLED, failed);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("publicAccessStatus"), "{}", f.message);
        assert!(f.message.contains("500 InternalError"), "{}", f.message);
    }

    #[test]
    fn public_access_manual_on_unrecognised_status() {
        let raw = with(item("rds-u"), "/publicAccessStatus", json!("WEIRD"));
        let f = one(&PUBLIC_ACCESS_ENABLED, instance("rds-u", raw, &[]));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("WEIRD"));
    }

    // --- backups -----------------------------------------------------------------------------

    #[test]
    fn backup_pass_daily_seven_days() {
        let f = one(&BACKUP_RETENTION, instance("rds-ok", item("rds-ok"), &[]));
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "rds-ok");
        assert_eq!(f.evidence["backupDaysPerWeek"], 7);
        assert_eq!(f.evidence["backupPolicy.expireInDays"], 7);
    }

    #[test]
    fn backup_fail_short_retention_sparse_days_or_none() {
        let raw = with(item("rds-short"), "/backupPolicy/expireInDays", json!("3"));
        let f = one(&BACKUP_RETENTION, instance("rds-short", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "rds-short");
        assert_eq!(f.evidence["backupPolicy.expireInDays"], "3");
        assert!(f.message.contains("retention 3"), "{}", f.message);

        let raw = with(item("rds-sparse"), "/backupPolicy/backupDays", json!("3"));
        let f = one(&BACKUP_RETENTION, instance("rds-sparse", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["backupDaysPerWeek"], 1);

        let raw = with(
            item("rds-none"),
            "/backupPolicy",
            json!({"backupDays": "", "expireInDays": 0, "persistent": false}),
        );
        let f = one(&BACKUP_RETENTION, instance("rds-none", raw, &[]));
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.message.contains("no automatic backup days"),
            "{}",
            f.message
        );
    }

    #[test]
    fn backup_thresholds_come_from_params() {
        let raw = with(item("rds-p"), "/backupPolicy/backupDays", json!("0,3"));
        let a = instance("rds-p", raw, &[]);
        assert_eq!(one(&BACKUP_RETENTION, a.clone()).status, Status::Pass);
        let ctx = CheckContext::for_test(vec![a])
            .param("min_backup_days_per_week", 3)
            .build();
        assert_eq!((BACKUP_RETENTION.evaluate)(&ctx)[0].status, Status::Fail);
    }

    #[test]
    fn backup_not_applicable_for_replicas_and_manual_without_policy() {
        let raw = with(item("rds-ro"), "/instanceType", json!("ReadReplica"));
        let raw = with(raw, "/backupPolicy/backupDays", json!(""));
        let f = one(&BACKUP_RETENTION, instance("rds-ro", raw, &[]));
        assert_eq!(f.status, Status::NotApplicable);
        assert_eq!(f.resource_id, "rds-ro");

        let mut raw = item("rds-nb");
        raw.as_object_mut().unwrap().remove("backupPolicy");
        let f = one(&BACKUP_RETENTION, instance("rds-nb", raw, &[]));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("backupPolicy"), "{}", f.message);
    }

    // --- SSL / encryption / audit: MANUAL ----------------------------------------------------

    #[test]
    fn ssl_encryption_audit_are_manual_per_instance_naming_the_setting() {
        let f = one(&SSL_DISABLED, instance("rds-s", item("rds-s"), &[]));
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "rds-s");
        assert!(
            f.message.contains("require_secure_transport"),
            "{}",
            f.message
        );

        let f = one(&STORAGE_UNENCRYPTED, instance("rds-s", item("rds-s"), &[]));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("TDE"), "{}", f.message);

        let proxy = with(item("rds-px"), "/instanceType", json!("RdsProxy"));
        let f = one(&STORAGE_UNENCRYPTED, instance("rds-px", proxy, &[]));
        assert_eq!(f.status, Status::NotApplicable);

        let f = one(&SQL_AUDIT_DISABLED, instance("rds-s", item("rds-s"), &[]));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("SQL audit"), "{}", f.message);
        assert!(f.message.contains("180"), "{}", f.message);
    }

    // --- EOL ---------------------------------------------------------------------------------

    #[test]
    fn eol_fail_for_old_engines_pass_for_current() {
        for (engine, version, entry) in [
            ("MySQL", "5.6", "MySQL 5.6"),
            ("MySQL", "5.7", "MySQL 5.7"),
            ("PostgreSQL", "10", "PostgreSQL 10"),
            ("PostgreSQL", "9.6", "PostgreSQL 9"),
            ("SQLServer", "2008r2", "SQLServer 2008"),
            ("SQLServer", "2012sp3", "SQLServer 2012"),
        ] {
            let raw = with(item("rds-old"), "/engine", json!(engine));
            let raw = with(raw, "/engineVersion", json!(version));
            let f = one(&ENGINE_VERSION_EOL, instance("rds-old", raw, &[]));
            assert_eq!(f.status, Status::Fail, "{engine} {version}");
            assert_eq!(f.resource_id, "rds-old");
            assert_eq!(f.evidence["eolEntry"], entry, "{engine} {version}");
            assert_eq!(f.evidence["engineVersion"], version);
        }
        for (engine, version) in [
            ("MySQL", "8.0"),
            ("PostgreSQL", "14"),
            ("SQLServer", "2019"),
        ] {
            let raw = with(item("rds-new"), "/engine", json!(engine));
            let raw = with(raw, "/engineVersion", json!(version));
            let f = one(&ENGINE_VERSION_EOL, instance("rds-new", raw, &[]));
            assert_eq!(f.status, Status::Pass, "{engine} {version}");
            assert_eq!(f.evidence["eolEntry"], Value::Null);
        }
    }

    #[test]
    fn eol_mysql_shorthand_list_and_manual_without_version() {
        let raw = with(item("rds-m"), "/engineVersion", json!("8.0"));
        let ctx = CheckContext::for_test(vec![instance("rds-m", raw, &[])])
            .param("eol_mysql_versions", json!(["8.0"]))
            .build();
        let f = (ENGINE_VERSION_EOL.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence["eolEntry"], "MySQL 8.0");

        let mut raw = item("rds-nv");
        raw.as_object_mut().unwrap().remove("engineVersion");
        let f = one(&ENGINE_VERSION_EOL, instance("rds-nv", raw, &[]));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("engineVersion"), "{}", f.message);
    }

    // --- toxic combination -------------------------------------------------------------------

    fn eip(address: &str, instance_id: &str) -> AssetView {
        AssetView::new(
            EIP,
            "bj",
            address,
            json!({"eip": address, "status": "binded", "instanceType": "RDS", "instanceId": instance_id}),
        )
    }

    #[test]
    fn toxic_fail_lists_instance_and_bound_eip() {
        let raw = with(item("rds-t"), "/publicAccessStatus", json!("OPEN"));
        let raw = with(raw, "/endpoint/inetIp", json!("180.76.10.11"));
        let ctx = CheckContext::for_test(vec![
            instance("rds-t", raw, &["192.168.0.0/16", "%"]),
            eip("180.76.10.11", ""),
            eip("106.0.0.1", "i-other"),
        ])
        .build();
        let f = (TOXIC_PUBLIC_ANY_WHITELIST.evaluate)(&ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].resource_id, "rds-t");
        assert_eq!(f[0].evidence["allowAnyEntries"], json!(["%"]));
        assert_eq!(f[0].evidence["endpoint.inetIp"], "180.76.10.11");
        let ids: Vec<(&str, &str)> = f[0]
            .related
            .iter()
            .map(|r| (r.kind.as_str(), r.resource_id.as_str()))
            .collect();
        assert_eq!(ids, vec![(INSTANCE, "rds-t"), (EIP, "180.76.10.11")]);
    }

    #[test]
    fn toxic_pass_when_either_half_is_missing() {
        // public, tight whitelist
        let raw = with(item("rds-a"), "/publicAccessStatus", json!("OPEN"));
        let f = one(
            &TOXIC_PUBLIC_ANY_WHITELIST,
            instance("rds-a", raw, &["192.168.1.0/24"]),
        );
        assert_eq!(f.status, Status::Pass);
        assert!(f.related.is_empty());
        // private, open whitelist
        let f = one(
            &TOXIC_PUBLIC_ANY_WHITELIST,
            instance("rds-b", item("rds-b"), &["0.0.0.0/0"]),
        );
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "rds-b");
        assert_eq!(f.evidence["publicSignals"], json!([]));
    }

    #[test]
    fn toxic_manual_when_public_and_whitelist_unknown() {
        let raw = with(item("rds-m"), "/publicAccessStatus", json!("OPEN"));
        let a =
            AssetView::new(INSTANCE, "bj", "rds-m", raw).with_detail_error(SECURITY_IPS, "timeout");
        let f = one(&TOXIC_PUBLIC_ANY_WHITELIST, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("timeout"), "{}", f.message);
        // not public: decided without the whitelist
        let a = AssetView::new(INSTANCE, "bj", "rds-n", item("rds-n"))
            .with_detail_error(SECURITY_IPS, "timeout");
        assert_eq!(one(&TOXIC_PUBLIC_ANY_WHITELIST, a).status, Status::Pass);
    }

    #[test]
    fn every_check_is_registered_with_valid_metadata() {
        for id in [
            "baidu_rds_whitelist_allows_any",
            "baidu_rds_public_access_enabled",
            "baidu_rds_backup_retention_below_7_days",
            "baidu_rds_ssl_disabled",
            "baidu_rds_storage_unencrypted",
            "baidu_rds_sql_audit_disabled",
            "baidu_rds_engine_version_eol",
            "baidu_rds_instance_toxic_public_any_whitelist",
        ] {
            let c = vigil_checks::find(id).unwrap_or_else(|| panic!("{id} not registered"));
            assert!(
                c.meta.title.len() <= 150 && !c.meta.title.starts_with("Ensure"),
                "{id}"
            );
            assert_eq!(c.meta.service, "rds");
            assert_eq!(c.meta.resource_type, RESOURCE_TYPE);
            assert!(c.meta.remediation.url.starts_with("https://"), "{id}");
            assert!(!c.meta.compliance.is_empty(), "{id}");
        }
    }
}
