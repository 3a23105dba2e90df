//! Checks: IAM (catalog section A) and the IAM toxic combination
//! `baidu_iam_user_toxic_old_key_no_mfa_broad_policy`.
//!
//! Data (docs/providers/baidu/iam.md): `baidu_iam_user` (the list item plus the child calls
//! `detail` — with `lastLoginTime` —, `accessKeys`, `policies`, `groups` and `loginProfile`,
//! which is `null` when the user has no console login), `baidu_iam_group` (`policies`, `users`)
//! and `baidu_iam_policy` (custom policies, `document` as a JSON string). All are in region
//! `global`.
//!
//! Per-AccessKey checks report the key itself: resource kind `baidu_iam_access_key`, resource id
//! the AccessKey id, the region of its user; the evidence names the owning user. A user whose
//! `accessKeys` call is missing gets one MANUAL finding on the user; a user with no key gets
//! NOT_APPLICABLE.
//!
//! Roles (`ListRole`) and BCT events are not collected, so the role trust check is MANUAL and
//! the root-key check judges only the connection's own key (from its verification report).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use serde_json::{json, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Coverage, Finding, Mapping, Remediation,
    ResourceRef, Severity, Verdict,
};

use crate::iam::{GROUP, LOGIN_PROFILE, POLICY, USER};

/// Resource kind of per-AccessKey findings and of keys named in `related`.
pub(crate) const ACCESS_KEY: &str = "baidu_iam_access_key";
/// Resource kind of system policies named in `related` (they are Baidu's, not collected assets).
const SYSTEM_POLICY: &str = "baidu_iam_system_policy";
/// The system policy granting everything.
const ADMIN_POLICY: &str = "AdministratorAccess";
/// System policies the toxic combination counts as broad even without reading their document:
/// full control of, or read access to, every service of the account.
const BROAD_SYSTEM_POLICIES: &[&str] = &["AdministratorAccess", "GlobalReadPolicy"];
/// The read policy that covers every IAM call Vigil makes.
const IAM_READ: &str = "IAMReadAccessPolicy";

const URL_USERS: &str = "https://cloud.baidu.com/doc/IAM/s/njwvyc2zd";
const URL_MFA: &str = "https://cloud.baidu.com/doc/IAM/s/2jwvyc50i";
const URL_POLICIES: &str = "https://cloud.baidu.com/doc/IAM/s/Xjxlkojqq";
const URL_ROLES: &str = "https://cloud.baidu.com/doc/IAM/s/ajxlju583";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Like [`CheckContext::per_asset`], for checks that make several findings per asset (one per
/// AccessKey) or enrich them (related assets, escalated severity): a region whose `kind` was not
/// collected yields the engine's region MANUAL finding and its assets are not evaluated.
fn per_asset_findings(
    ctx: &CheckContext<'_>,
    check: &Check,
    kind: &str,
    f: impl Fn(&AssetView) -> Vec<Finding>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut uncovered = BTreeSet::new();
    for region in ctx.regions(kind) {
        let cov = ctx.coverage(kind, &region);
        if cov != Coverage::Collected {
            out.push(ctx.region_manual(check, kind, &region, &cov));
            uncovered.insert(region);
        }
    }
    for a in ctx.assets(kind) {
        if !uncovered.contains(&a.region) {
            out.extend(f(a));
        }
    }
    out
}

/// A user's name (what the console shows), else its id.
fn label(a: &AssetView) -> &str {
    a.name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or_else(|| Some(a.str("name")).filter(|n| !n.is_empty()))
        .unwrap_or(&a.resource_id)
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or("")
}

/// Why a child call of an IAM asset is missing, naming the API and the read policy.
fn missing_call(a: &AssetView, err: String, api: &str) -> String {
    let what = if a.kind == GROUP { "group" } else { "user" };
    format!(
        "IAM {what} {}: {err}; it comes from {api} (readable with {IAM_READ})",
        label(a)
    )
}

/// `body[field]` as a list (absent or `null` → empty).
fn list<'a>(body: &'a Value, field: &str) -> Result<&'a [Value], String> {
    match body.get(field) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Ok(&[]),
        Some(other) => Err(format!("{field} is not a list: {other}")),
    }
}

/// A time field: `Ok(None)` when absent, empty or the Go zero time ("never").
fn time_field(v: &Value, field: &str) -> Result<Option<DateTime<Utc>>, String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(t) if t.year() <= 1 => Ok(None),
            Ok(t) => Ok(Some(t.with_timezone(&Utc))),
            Err(e) => Err(format!("{field} {s:?} is not an RFC 3339 time ({e})")),
        },
        Some(other) => Err(format!("{field} is not a time string: {other}")),
    }
}

/// Whole days from `t` to `now`.
fn days_since(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (now - t).num_days()
}

/// `now − t > days` (strictly).
fn older_than(now: DateTime<Utc>, t: DateTime<Utc>, days: u64) -> bool {
    let limit = i64::try_from(days)
        .unwrap_or(i64::MAX)
        .saturating_mul(86_400);
    (now - t).num_seconds() > limit
}

/// Whether a listed name or id is in an allowlist parameter.
fn allowlisted(ctx: &CheckContext<'_>, key: &str, a: &AssetView) -> bool {
    ctx.params()
        .list(key)
        .iter()
        .any(|x| x == label(a) || *x == a.resource_id)
}

fn user_json(u: &AssetView) -> Value {
    json!({"user_id": u.resource_id, "user_name": label(u)})
}

// --- access keys ---

/// The user's AccessKeys (`accessKeys` child call), or why they are unknown.
fn access_keys(user: &AssetView) -> Result<&[Value], String> {
    let api = format!("ListAccessKey (GET /v1/user/{}/accesskey)", label(user));
    let body = user
        .detail("accessKeys")
        .map_err(|e| missing_call(user, e, &api))?;
    list(body, "accessKeys").map_err(|e| missing_call(user, e, &api))
}

/// A key is treated as enabled unless the API says `enabled: false` (fail closed).
fn key_enabled(k: &Value) -> bool {
    k.get("enabled").and_then(Value::as_bool).unwrap_or(true)
}

fn key_id(k: &Value) -> &str {
    str_of(k, "id")
}

/// The asset view of one AccessKey (resource kind `baidu_iam_access_key`).
fn key_view(user: &AssetView, k: &Value) -> AssetView {
    AssetView::new(ACCESS_KEY, user.region.clone(), key_id(k), k.clone()).with_name(format!(
        "{}/{}",
        label(user),
        key_id(k)
    ))
}

fn key_ref(user: &AssetView, k: &Value) -> ResourceRef {
    ResourceRef {
        kind: ACCESS_KEY.to_string(),
        region: user.region.clone(),
        resource_id: key_id(k).to_string(),
    }
}

/// The base evidence of a per-key verdict.
fn key_evidence(user: &AssetView, k: &Value) -> Value {
    json!({
        "resource": "access_key",
        "access_key_id": key_id(k),
        "user_id": user.resource_id,
        "user_name": label(user),
        "enabled": k.get("enabled").cloned().unwrap_or(Value::Null),
        "createTime": k.get("createTime").cloned().unwrap_or(Value::Null),
        "lastUsedTime": k.get("lastUsedTime").cloned().unwrap_or(Value::Null),
    })
}

/// One finding per AccessKey of every user; MANUAL on the user when its keys are unknown,
/// NOT_APPLICABLE on the user when it has none.
fn per_access_key(
    ctx: &CheckContext<'_>,
    check: &Check,
    judge: impl Fn(&AssetView, &Value) -> Verdict,
) -> Vec<Finding> {
    per_asset_findings(ctx, check, USER, |user| match access_keys(user) {
        Err(missing) => vec![check.finding(user, Verdict::manual(missing))],
        Ok([]) => vec![check.finding(
            user,
            Verdict::na(format!("IAM user {} has no AccessKey", label(user))),
        )],
        Ok(keys) => {
            let mut out: Vec<Finding> = keys
                .iter()
                .filter(|k| !key_id(k).is_empty())
                .map(|k| check.finding(&key_view(user, k), judge(user, k)))
                .collect();
            let anonymous = keys.iter().filter(|k| key_id(k).is_empty()).count();
            if anonymous > 0 {
                out.push(check.finding(
                    user,
                    Verdict::manual(format!(
                        "{anonymous} AccessKey(s) of IAM user {} have no id in ListAccessKey's answer",
                        label(user)
                    )),
                ));
            }
            out
        }
    })
}

// --- console login ---

/// The user's console login (`loginProfile` child call; `null` = no console login).
#[derive(Debug, Clone, PartialEq)]
enum Login {
    /// `GetUserLoginProfile` answered 404 NoSuchObject.
    NoConsole,
    Console {
        enabled_login: bool,
        mfa: bool,
        mfa_type: String,
    },
}

impl Login {
    fn console_enabled(&self) -> bool {
        matches!(
            self,
            Login::Console {
                enabled_login: true,
                ..
            }
        )
    }

    fn evidence(&self) -> Value {
        match self {
            Login::NoConsole => json!({"loginProfile": null}),
            Login::Console {
                enabled_login,
                mfa,
                mfa_type,
            } => json!({
                "enabledLogin": enabled_login,
                "enabledLoginMfa": mfa,
                "loginMfaType": mfa_type,
            }),
        }
    }
}

fn login(user: &AssetView) -> Result<Login, String> {
    let api = format!(
        "GetUserLoginProfile (GET /v1/user/{}/loginProfile)",
        label(user)
    );
    let body = user
        .detail(LOGIN_PROFILE)
        .map_err(|e| missing_call(user, e, &api))?;
    match body {
        Value::Null => Ok(Login::NoConsole),
        Value::Object(_) => Ok(Login::Console {
            // A profile without the flag: assume login works and MFA does not (fail closed).
            enabled_login: body
                .get("enabledLogin")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            mfa: body
                .get("enabledLoginMfa")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            mfa_type: str_of(body, "loginMfaType").to_string(),
        }),
        other => Err(missing_call(
            user,
            format!("loginProfile is not an object: {other}"),
            &api,
        )),
    }
}

// --- policies ---

/// One policy in effect for a user: attached directly, or through a group.
#[derive(Debug, Clone, Copy)]
struct Grant<'a> {
    policy: &'a Value,
    group: Option<&'a AssetView>,
}

impl Grant<'_> {
    fn name(&self) -> &str {
        str_of(self.policy, "name")
    }

    fn is_system(&self) -> bool {
        str_of(self.policy, "type").eq_ignore_ascii_case("System")
    }

    fn evidence(&self) -> Value {
        json!({
            "name": self.name(),
            "type": str_of(self.policy, "type"),
            "id": str_of(self.policy, "id"),
            "via_group": self.group.map(label),
        })
    }

    /// The policy (a collected custom policy, or a system policy by id) and the group it came
    /// through.
    fn refs(&self, region: &str) -> Vec<ResourceRef> {
        let id = match str_of(self.policy, "id") {
            "" => self.name(),
            id => id,
        };
        let mut out = vec![ResourceRef {
            kind: if self.is_system() {
                SYSTEM_POLICY
            } else {
                POLICY
            }
            .to_string(),
            region: region.to_string(),
            resource_id: id.to_string(),
        }];
        if let Some(g) = self.group {
            out.push(g.to_ref());
        }
        out
    }
}

/// The policies in effect for a user (directly attached and through its groups) and what could
/// not be read.
#[derive(Debug, Default)]
struct Effective<'a> {
    grants: Vec<Grant<'a>>,
    missing: Vec<String>,
}

fn effective_policies<'a>(ctx: &'a CheckContext<'_>, user: &'a AssetView) -> Effective<'a> {
    let mut out = Effective::default();
    let name = label(user);
    let direct_api = format!("ListUserAttachedPolicies (GET /v1/user/{name}/policy)");
    match user.detail("policies").and_then(|b| list(b, "policies")) {
        Ok(ps) => out.grants.extend(ps.iter().map(|p| Grant {
            policy: p,
            group: None,
        })),
        Err(e) => out.missing.push(missing_call(user, e, &direct_api)),
    }
    let groups_api = format!("ListGroupsForUser (GET /v1/user/{name}/group)");
    let groups = match user.detail("groups").and_then(|b| list(b, "groups")) {
        Ok(gs) => gs,
        Err(e) => {
            out.missing.push(missing_call(user, e, &groups_api));
            &[]
        }
    };
    for g in groups {
        let (gid, gname) = (str_of(g, "id"), str_of(g, "name"));
        let found = ctx.assets(GROUP).iter().find(|a| {
            (!gid.is_empty() && a.resource_id == gid) || (!gname.is_empty() && label(a) == gname)
        });
        let Some(group) = found else {
            let cov = ctx.coverage(GROUP, &user.region);
            let why = if cov == Coverage::Collected {
                "is not among the collected IAM groups".to_string()
            } else {
                format!("is unknown: {}", cov.describe(GROUP, &user.region))
            };
            out.missing.push(format!(
                "group {gname} ({gid}) of IAM user {name} {why}; its policies come from \
                 ListGroup + ListGroupAttachedPolicies (readable with {IAM_READ})"
            ));
            continue;
        };
        let api = format!(
            "ListGroupAttachedPolicies (GET /v1/group/{}/policy)",
            label(group)
        );
        match group.detail("policies").and_then(|b| list(b, "policies")) {
            Ok(ps) => out.grants.extend(ps.iter().map(|p| Grant {
                policy: p,
                group: Some(group),
            })),
            Err(e) => out.missing.push(missing_call(group, e, &api)),
        }
    }
    out
}

// --- ACL documents ---

/// The entries of a policy document (a JSON object, or a string holding one).
fn acl_entries(doc: &Value) -> Result<Vec<Value>, String> {
    let parsed;
    let obj = match doc {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text)
                .map_err(|e| format!("the policy document is not JSON ({e})"))?;
            &parsed
        }
        other => other,
    };
    match obj.get("accessControlList") {
        Some(Value::Array(entries)) => Ok(entries.clone()),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err("accessControlList is not a list".to_string()),
    }
}

/// A string-or-list field as strings.
fn strs<'a>(e: &'a Value, field: &str) -> Vec<&'a str> {
    match e.get(field) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::trim).collect(),
        Some(Value::String(s)) => vec![s.trim()],
        _ => Vec::new(),
    }
}

fn is_allow(e: &Value) -> bool {
    str_of(e, "effect").trim().eq_ignore_ascii_case("allow")
}

fn on_all_services(e: &Value) -> bool {
    matches!(str_of(e, "service").trim(), "*" | "bce:*")
}

fn admin_permission(e: &Value) -> bool {
    strs(e, "permission")
        .iter()
        .any(|p| *p == "*" || p.eq_ignore_ascii_case("FULL_CONTROL"))
}

/// `resource` absent, empty or containing `*`.
fn on_all_resources(e: &Value) -> bool {
    let r = strs(e, "resource");
    r.is_empty() || r.contains(&"*")
}

/// `Allow` of `*`/`FULL_CONTROL` on every service and resource.
fn full_admin_entry(e: &Value) -> bool {
    is_allow(e) && on_all_services(e) && admin_permission(e) && on_all_resources(e)
}

/// `Allow` of `*`/`FULL_CONTROL` on every resource of one named service.
fn service_admin_entry(e: &Value) -> bool {
    is_allow(e) && !on_all_services(e) && admin_permission(e) && on_all_resources(e)
}

/// Why a policy counts as broad for the toxic combination, if it does: a system policy in
/// [`BROAD_SYSTEM_POLICIES`], or an `Allow` entry on every resource that either covers every
/// service (any permission, incl. `READ`: the whole account's data) or grants `*`/`FULL_CONTROL`
/// on a service.
fn broad_reason(g: &Grant<'_>) -> Result<Option<String>, String> {
    if g.is_system() && BROAD_SYSTEM_POLICIES.contains(&g.name()) {
        return Ok(Some(format!("system policy {}", g.name())));
    }
    let Some(doc) = g.policy.get("document") else {
        return Err(format!("policy {} has no document", g.name()));
    };
    let entries = acl_entries(doc).map_err(|e| format!("policy {}: {e}", g.name()))?;
    for e in entries
        .iter()
        .filter(|e| is_allow(e) && on_all_resources(e))
    {
        let perms = strs(e, "permission").join(",");
        if on_all_services(e) {
            return Ok(Some(format!(
                "Allow [{perms}] on every service ({})",
                str_of(e, "service")
            )));
        }
        if admin_permission(e) {
            return Ok(Some(format!(
                "Allow [{perms}] on all of {}",
                str_of(e, "service")
            )));
        }
    }
    Ok(None)
}

/// Three-valued result of one condition of a combined check.
enum Tri {
    Yes(Value),
    No(Value),
    Unknown(String),
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_root_access_key_in_use
// ---------------------------------------------------------------------------------------------

pub(crate) static ROOT_ACCESS_KEY_IN_USE: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_root_access_key_in_use",
        provider: "baidu",
        title: "Primary (root) account AccessKey is used for API access",
        service: "iam",
        resource_type: "BCE::Account",
        severity: Severity::Critical,
        description: "Fails when the AccessKey this connection scans with belongs to no IAM sub-user, i.e. it is \
             the primary (root) account's key (the connection's verification report, which looks the key up \
             in IAM ListUser + ListAccessKey). The second half of the catalog condition — BCT events signed \
             by a primary-account key in the last root_usage_lookback_days — needs BCT QueryEvents, which \
             Vigil does not collect; the evidence says so.",
        risk: "The primary account key is unrestricted, cannot be scoped by any policy and is the most damaging \
             credential to leak. Scanning (or automating) with it also normalises bad practice.",
        remediation: Remediation {
            text: "Create a dedicated IAM sub-user with read-only policies (IAMReadAccessPolicy plus the \
                   product read policies, or GlobalReadPolicy) for Vigil and reconnect with its key; route \
                   automation through sub-users or roles; disable, then delete, the primary account's \
                   AccessKeys.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → \
                      Create IAM User (programmatic access) and grant the read policies; then avatar → \
                      Security Authentication → Access Key → disable and delete the primary account's keys.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_iam_user\" \"vigil\" { name = \"vigil-auditor\" }\n\
                 resource \"baiducloud_iam_user_policy_attachment\" \"vigil\" {\n  \
                 user = baiducloud_iam_user.vigil.name\n  policy = \"GlobalReadPolicy\"\n  \
                 policy_type = \"System\"\n}\n\
                 resource \"baiducloud_iam_access_key\" \"vigil\" { username = baiducloud_iam_user.vigil.name }",
            ),
            url: URL_USERS,
        },
        categories: &["identity", "privilege-escalation"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.1" },
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.2" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.3" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.6" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_no_root_access_key" },
            Mapping { framework: "prowler", requirement: "aws/iam_no_root_access_key" },
            Mapping { framework: "prowler", requirement: "aws/iam_avoid_root_usage" },
            Mapping { framework: "alibaba_config", requirement: "root-ak-check" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.b" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.d" },
        ],
        reads: &[],
    },
    evaluate: eval_root_access_key_in_use,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ROOT_ACCESS_KEY_IN_USE) }

const BCT_NOT_COLLECTED: &str =
    "not evaluated: BCT QueryEvents (events signed by a primary-account \
                                 AccessKey) is not collected by Vigil";

fn eval_root_access_key_in_use(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let check = &ROOT_ACCESS_KEY_IN_USE;
    let Some(report) = ctx.verification() else {
        return ctx.manual_account(
            check,
            "the connection has no verification report: run `vigil verify --connection <name>` with a \
             key that may read IAM (IAMReadAccessPolicy: ListUser + ListAccessKey identify the key's \
             owner); BCT QueryEvents (primary-key use by others) is not collected",
        );
    };
    let identity = report.get("identity").cloned().unwrap_or(Value::Null);
    let primary = identity
        .get("is_primary_account_key")
        .and_then(Value::as_bool);
    let evidence = |primary: bool| {
        json!({
            "source": "connection verification report",
            "key_hint": report.get("key_hint").cloned().unwrap_or(Value::Null),
            "is_primary_account_key": primary,
            "user_name": identity.get("user_name").cloned().unwrap_or(Value::Null),
            "bct_events": BCT_NOT_COLLECTED,
        })
    };
    let verdict = match primary {
        Some(true) => Verdict::fail(
            "The connection's AccessKey belongs to no IAM sub-user: it is the primary (root) account's key",
            evidence(true),
        ),
        Some(false) => Verdict::pass(
            format!(
                "The connection's AccessKey belongs to IAM sub-user {} (BCT events were not checked)",
                identity
                    .get("user_name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            ),
            evidence(false),
        ),
        None => Verdict::manual(
            "the verification report does not say whose key this is (IAM was not readable when it was \
             verified: attach IAMReadAccessPolicy and run `vigil verify`); BCT QueryEvents is not collected",
        ),
    };
    vec![ctx.account_finding(check, verdict)]
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_access_key_not_rotated_90_days
// ---------------------------------------------------------------------------------------------

pub(crate) static ACCESS_KEY_NOT_ROTATED: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_access_key_not_rotated_90_days",
        provider: "baidu",
        title: "IAM user AccessKey older than 90 days",
        service: "iam",
        resource_type: "BCE::IAM::AccessKey",
        severity: Severity::Medium,
        description: "For every AccessKey of every IAM user (ListAccessKey): fails when the key is enabled and \
             was created more than max_access_key_age_days (default 90) days before the sync. The finding's \
             resource is the AccessKey (kind baidu_iam_access_key, id = AccessKey id); the evidence names \
             its user.",
        risk: "Long-lived keys accumulate exposure (logs, laptops, CI variables, leaked images); rotating them \
             bounds how long a leaked key stays useful.",
        remediation: Remediation {
            text: "Create a second key for the user, move every consumer to it, disable the old key, watch \
                   for failures, then delete it.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Access Key → Create Access Key; after switching consumers, Disable \
                      then Delete the old key.",
            cli: None,
            terraform: Some(
                "# create the replacement, then remove (or set enabled = false on) the old key resource\n\
                 resource \"baiducloud_iam_access_key\" \"rotated\" { username = \"<user>\" }",
            ),
            url: URL_USERS,
        },
        categories: &["identity", "secrets"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.6" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.13" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_rotate_access_key_90_days" },
            Mapping { framework: "prowler", requirement: "aws/iam_rotate_access_key_90_days" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.1.a" },
        ],
        reads: &[USER],
    },
    evaluate: eval_access_key_not_rotated,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ACCESS_KEY_NOT_ROTATED) }

fn eval_access_key_not_rotated(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let max = ctx.params().u64("max_access_key_age_days");
    let now = ctx.now();
    per_access_key(ctx, &ACCESS_KEY_NOT_ROTATED, |user, k| {
        let (id, who) = (key_id(k), label(user));
        let mut ev = key_evidence(user, k);
        ev["max_access_key_age_days"] = json!(max);
        if !key_enabled(k) {
            return Verdict::pass(format!("AccessKey {id} of IAM user {who} is disabled"), ev);
        }
        match time_field(k, "createTime") {
            Err(e) => Verdict::manual(format!(
                "AccessKey {id} of IAM user {who}: {e} (ListAccessKey)"
            )),
            Ok(None) => Verdict::manual(format!(
                "AccessKey {id} of IAM user {who}: ListAccessKey gave no createTime"
            )),
            Ok(Some(created)) => {
                let age = days_since(now, created);
                ev["age_days"] = json!(age);
                if older_than(now, created, max) {
                    Verdict::fail(
                        format!("Enabled AccessKey {id} of IAM user {who} is {age} days old (limit {max})"),
                        ev,
                    )
                } else {
                    Verdict::pass(
                        format!("AccessKey {id} of IAM user {who} is {age} days old (limit {max})"),
                        ev,
                    )
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_access_key_unused_90_days
// ---------------------------------------------------------------------------------------------

pub(crate) static ACCESS_KEY_UNUSED: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_access_key_unused_90_days",
        provider: "baidu",
        title: "Enabled IAM AccessKey not used for 90 days",
        service: "iam",
        resource_type: "BCE::IAM::AccessKey",
        severity: Severity::Medium,
        description: "For every AccessKey of every IAM user (ListAccessKey): fails when the key is enabled and \
             either was last used more than max_unused_days (default 90) days before the sync, or was never \
             used (lastUsedTime absent or the zero time) and is older than max_unused_days. The finding's \
             resource is the AccessKey; the evidence names its user.",
        risk: "Dormant credentials are pure risk: nobody relies on them, so nobody notices when someone else \
             starts using them.",
        remediation: Remediation {
            text: "Disable the key; delete it after a grace period if nothing breaks.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Access Key → Disable (later Delete).",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_iam_access_key\" \"dormant\" {\n  username = \"<user>\"\n  enabled  = false\n}",
            ),
            url: URL_USERS,
        },
        categories: &["identity", "secrets"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "1.11" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_accesskey_unused" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.c" },
        ],
        reads: &[USER],
    },
    evaluate: eval_access_key_unused,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ACCESS_KEY_UNUSED) }

fn eval_access_key_unused(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let max = ctx.params().u64("max_unused_days");
    let now = ctx.now();
    per_access_key(ctx, &ACCESS_KEY_UNUSED, |user, k| {
        let (id, who) = (key_id(k), label(user));
        let mut ev = key_evidence(user, k);
        ev["max_unused_days"] = json!(max);
        if !key_enabled(k) {
            return Verdict::pass(format!("AccessKey {id} of IAM user {who} is disabled"), ev);
        }
        let last_used = match time_field(k, "lastUsedTime") {
            Ok(t) => t,
            Err(e) => {
                return Verdict::manual(format!(
                    "AccessKey {id} of IAM user {who}: {e} (ListAccessKey)"
                ))
            }
        };
        match last_used {
            Some(used) => {
                let idle = days_since(now, used);
                ev["never_used"] = json!(false);
                ev["days_since_last_use"] = json!(idle);
                if older_than(now, used, max) {
                    Verdict::fail(
                        format!("Enabled AccessKey {id} of IAM user {who} was last used {idle} days ago (limit {max})"),
                        ev,
                    )
                } else {
                    Verdict::pass(
                        format!("AccessKey {id} of IAM user {who} was used {idle} days ago"),
                        ev,
                    )
                }
            }
            None => {
                ev["never_used"] = json!(true);
                let created = match time_field(k, "createTime") {
                    Ok(Some(t)) => t,
                    Ok(None) => {
                        return Verdict::manual(format!(
                            "AccessKey {id} of IAM user {who} was never used and ListAccessKey gave no createTime"
                        ))
                    }
                    Err(e) => {
                        return Verdict::manual(format!(
                            "AccessKey {id} of IAM user {who}: {e} (ListAccessKey)"
                        ))
                    }
                };
                let age = days_since(now, created);
                ev["age_days"] = json!(age);
                if older_than(now, created, max) {
                    Verdict::fail(
                        format!("Enabled AccessKey {id} of IAM user {who} was never used in its {age} days (limit {max})"),
                        ev,
                    )
                } else {
                    Verdict::pass(
                        format!(
                            "AccessKey {id} of IAM user {who} is unused but only {age} days old"
                        ),
                        ev,
                    )
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_multiple_active_access_keys
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_MULTIPLE_ACTIVE_KEYS: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_multiple_active_access_keys",
        provider: "baidu",
        title: "IAM user has more than one enabled AccessKey",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::Low,
        description: "Fails when an IAM user has two or more enabled AccessKeys (ListAccessKey) and the newest \
             enabled key is older than rotation_overlap_days (default 7), so an in-progress rotation is \
             tolerated.",
        risk: "A second standing key is usually forgotten, never rotated, and doubles the credentials that can \
             leak for the same identity.",
        remediation: Remediation {
            text: "Keep one enabled key per user: after a rotation, disable and delete the previous key.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Access Key → Disable, then Delete, the keys no longer in use.",
            cli: None,
            terraform: None,
            url: URL_USERS,
        },
        categories: &["identity", "secrets"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "1.12" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_two_active_access_key" },
            Mapping { framework: "alibaba_config", requirement: "ram-user-activated-ak-quantity-check" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.c" },
        ],
        reads: &[USER],
    },
    evaluate: eval_user_multiple_active_keys,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_MULTIPLE_ACTIVE_KEYS) }

fn eval_user_multiple_active_keys(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let overlap = ctx.params().u64("rotation_overlap_days");
    let now = ctx.now();
    ctx.per_asset(&USER_MULTIPLE_ACTIVE_KEYS, USER, |user| {
        let keys = match access_keys(user) {
            Ok(k) => k,
            Err(missing) => return Verdict::manual(missing),
        };
        let enabled: Vec<&Value> = keys.iter().filter(|k| key_enabled(k)).collect();
        let ids: Vec<&str> = enabled.iter().map(|k| key_id(k)).collect();
        let mut ev = user_json(user);
        ev["enabled_access_keys"] = json!(ids);
        ev["enabled_count"] = json!(enabled.len());
        ev["rotation_overlap_days"] = json!(overlap);
        let who = label(user);
        if enabled.len() < 2 {
            return Verdict::pass(
                format!("IAM user {who} has {} enabled AccessKey(s)", enabled.len()),
                ev,
            );
        }
        let mut newest: Option<DateTime<Utc>> = None;
        for k in &enabled {
            match time_field(k, "createTime") {
                Ok(Some(t)) => newest = newest.max(Some(t)),
                Ok(None) => {
                    return Verdict::manual(format!(
                        "AccessKey {} of IAM user {who}: ListAccessKey gave no createTime",
                        key_id(k)
                    ))
                }
                Err(e) => {
                    return Verdict::manual(format!(
                        "AccessKey {} of IAM user {who}: {e} (ListAccessKey)",
                        key_id(k)
                    ))
                }
            }
        }
        let Some(newest) = newest else {
            return Verdict::manual(format!("IAM user {who}: no key creation time"));
        };
        let age = days_since(now, newest);
        ev["newest_enabled_key_age_days"] = json!(age);
        if older_than(now, newest, overlap) {
            Verdict::fail(
                format!(
                    "IAM user {who} has {} enabled AccessKeys; the newest is {age} days old",
                    enabled.len()
                ),
                ev,
            )
        } else {
            Verdict::pass(
                format!(
                    "IAM user {who} has {} enabled AccessKeys, the newest created {age} days ago \
                     (rotation in progress)",
                    enabled.len()
                ),
                ev,
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_console_without_mfa
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_CONSOLE_WITHOUT_MFA: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_console_without_mfa",
        provider: "baidu",
        title: "IAM user can log in to the console without MFA",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::High,
        description: "Fails when an IAM user's login profile (GetUserLoginProfile) has enabledLogin = true and \
             enabledLoginMfa = false. A user without a login profile (404 NoSuchObject) has no console login \
             and passes.",
        risk: "Password-only console access is the most common cloud-account takeover path (phishing, reused or \
             leaked passwords).",
        remediation: Remediation {
            text: "Turn on login MFA (virtual MFA/TOTP or SMS) for the user, or remove console access if the \
                   user does not need it.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Two-Factor Authentication → Edit → enable Login Protection (virtual \
                      MFA preferred).",
            cli: None,
            terraform: None,
            url: URL_MFA,
        },
        categories: &["identity", "mfa"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.4" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.9" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_user_mfa_enabled_console_access" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_mfa_enabled_console_access" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.1.d" },
        ],
        reads: &[USER],
    },
    evaluate: eval_user_console_without_mfa,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_CONSOLE_WITHOUT_MFA) }

fn eval_user_console_without_mfa(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&USER_CONSOLE_WITHOUT_MFA, USER, |user| {
        let login = match login(user) {
            Ok(l) => l,
            Err(missing) => return Verdict::manual(missing),
        };
        let mut ev = user_json(user);
        merge(&mut ev, login.evidence());
        let who = label(user);
        match login {
            Login::NoConsole => Verdict::pass(format!("IAM user {who} has no console login"), ev),
            Login::Console {
                enabled_login: false,
                ..
            } => Verdict::pass(format!("IAM user {who} has console login disabled"), ev),
            Login::Console { mfa: true, .. } => {
                Verdict::pass(format!("IAM user {who} must use MFA to log in"), ev)
            }
            Login::Console { mfa: false, .. } => Verdict::fail(
                format!("IAM user {who} can log in to the console with a password only (no MFA)"),
                ev,
            ),
        }
    })
}

/// Adds `extra`'s fields to the object `ev`.
fn merge(ev: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (ev.as_object_mut(), extra) {
        target.extend(extra);
    }
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_console_and_access_key
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_CONSOLE_AND_ACCESS_KEY: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_console_and_access_key",
        provider: "baidu",
        title: "IAM user has both console login and an enabled AccessKey",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::Medium,
        description: "Fails when an IAM user has console login enabled (GetUserLoginProfile enabledLogin = \
             true) and at least one enabled AccessKey (ListAccessKey). Users listed (by name or id) in the \
             allowlist_users parameter — documented break-glass users — pass with a note. One known-false \
             half decides PASS even when the other call is missing.",
        risk: "Mixing human and programmatic access in one identity defeats least privilege, makes key \
             ownership unclear and lets a leaked key act with a human's (usually broader) permissions.",
        remediation: Remediation {
            text: "Split the identity: a human user with console login and MFA, and a separate programmatic \
                   user (or a role) holding the keys; then disable the human user's keys.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → create a programmatic user for the automation; on the human user → Access Key → \
                      Disable/Delete.",
            cli: None,
            terraform: None,
            url: URL_USERS,
        },
        categories: &["identity"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "1.10" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_no_setup_initial_access_key" },
        ],
        reads: &[USER],
    },
    evaluate: eval_user_console_and_access_key,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_CONSOLE_AND_ACCESS_KEY) }

fn eval_user_console_and_access_key(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&USER_CONSOLE_AND_ACCESS_KEY, USER, |user| {
        let who = label(user);
        let mut ev = user_json(user);
        let console = match login(user) {
            Ok(l) => {
                merge(&mut ev, l.evidence());
                Tri::from_bool(l.console_enabled())
            }
            Err(m) => Tri::Unknown(m),
        };
        let keys = match access_keys(user) {
            Ok(keys) => {
                let enabled: Vec<&str> =
                    keys.iter().filter(|k| key_enabled(k)).map(key_id).collect();
                ev["enabled_access_keys"] = json!(enabled);
                Tri::from_bool(!enabled.is_empty())
            }
            Err(m) => Tri::Unknown(m),
        };
        match (console, keys) {
            (Tri::No(_), _) => Verdict::pass(format!("IAM user {who} has no console login"), ev),
            (_, Tri::No(_)) => {
                Verdict::pass(format!("IAM user {who} has no enabled AccessKey"), ev)
            }
            (Tri::Yes(_), Tri::Yes(_)) => {
                if allowlisted(ctx, "allowlist_users", user) {
                    ev["allowlisted"] = json!(true);
                    Verdict::pass(
                        format!(
                            "IAM user {who} has console login and an enabled AccessKey, but is in \
                             allowlist_users"
                        ),
                        ev,
                    )
                } else {
                    Verdict::fail(
                        format!("IAM user {who} has console login and an enabled AccessKey"),
                        ev,
                    )
                }
            }
            (Tri::Unknown(a), Tri::Unknown(b)) => Verdict::manual(format!("{a}; {b}")),
            (Tri::Unknown(m), _) | (_, Tri::Unknown(m)) => Verdict::manual(m),
        }
    })
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes(Value::Null)
        } else {
            Tri::No(Value::Null)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_console_inactive_90_days
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_CONSOLE_INACTIVE: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_console_inactive_90_days",
        provider: "baidu",
        title: "Console-enabled IAM user has not logged in for 90 days",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::Medium,
        description: "Fails when an IAM user has console login enabled (GetUserLoginProfile enabledLogin = \
             true) and either last logged in (GetUser lastLoginTime) more than max_unused_days (default 90) \
             days before the sync, or never logged in and was created more than max_unused_days ago.",
        risk: "Stale human accounts (leavers, contractors, one-off helpers) keep working passwords that nobody \
             watches.",
        remediation: Remediation {
            text: "Disable console login for the user; delete the user if it is no longer needed.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Console Login → Disable (or delete the user).",
            cli: None,
            terraform: None,
            url: URL_USERS,
        },
        categories: &["identity"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.5" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.11" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_user_console_access_unused" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_console_access_unused" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.c" },
        ],
        reads: &[USER],
    },
    evaluate: eval_user_console_inactive,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_CONSOLE_INACTIVE) }

fn eval_user_console_inactive(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let max = ctx.params().u64("max_unused_days");
    let now = ctx.now();
    ctx.per_asset(&USER_CONSOLE_INACTIVE, USER, |user| {
        let who = label(user);
        let login = match login(user) {
            Ok(l) => l,
            Err(missing) => return Verdict::manual(missing),
        };
        let mut ev = user_json(user);
        merge(&mut ev, login.evidence());
        ev["max_unused_days"] = json!(max);
        if !login.console_enabled() {
            return Verdict::pass(format!("IAM user {who} has no console login"), ev);
        }
        let api = format!("GetUser (GET /v1/user/{who})");
        let detail = match user.detail("detail") {
            Ok(d) => d,
            Err(e) => return Verdict::manual(missing_call(user, e, &api)),
        };
        ev["lastLoginTime"] = detail.get("lastLoginTime").cloned().unwrap_or(Value::Null);
        let last = match time_field(detail, "lastLoginTime") {
            Ok(t) => t,
            Err(e) => return Verdict::manual(missing_call(user, e, &api)),
        };
        if let Some(last) = last {
            let idle = days_since(now, last);
            ev["days_since_last_login"] = json!(idle);
            return if older_than(now, last, max) {
                Verdict::fail(
                    format!("Console-enabled IAM user {who} last logged in {idle} days ago (limit {max})"),
                    ev,
                )
            } else {
                Verdict::pass(
                    format!("IAM user {who} logged in {idle} days ago"),
                    ev,
                )
            };
        }
        // Never logged in: judge by the user's age.
        let created = match time_field(&user.raw, "createTime") {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Verdict::manual(format!(
                    "IAM user {who} never logged in and ListUser gave no createTime"
                ))
            }
            Err(e) => return Verdict::manual(format!("IAM user {who}: {e} (ListUser)")),
        };
        let age = days_since(now, created);
        ev["never_logged_in"] = json!(true);
        ev["createTime"] = json!(user.str("createTime"));
        ev["age_days"] = json!(age);
        if older_than(now, created, max) {
            Verdict::fail(
                format!("Console-enabled IAM user {who} never logged in in its {age} days (limit {max})"),
                ev,
            )
        } else {
            Verdict::pass(
                format!("IAM user {who} never logged in but is only {age} days old"),
                ev,
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_custom_policy_full_admin
// ---------------------------------------------------------------------------------------------

pub(crate) static CUSTOM_POLICY_FULL_ADMIN: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_custom_policy_full_admin",
        provider: "baidu",
        title: "Custom IAM policy grants all actions on all services and resources",
        service: "iam",
        resource_type: "BCE::IAM::Policy",
        severity: Severity::Critical,
        description: "For every custom policy (ListPolicy policyType=Custom, document ACL): fails (critical) \
             when an Allow entry has service * or bce:*, permission * or FULL_CONTROL and resource absent or \
             *, and the policy is attached to at least one user or group (read from the users' and groups' \
             attached-policy lists). Sub-finding at medium severity: an attached policy whose Allow entry \
             grants * or FULL_CONTROL on every resource of one named service (service-wide admin). An \
             unattached admin policy passes with a note; when attachments cannot be read it is MANUAL.",
        risk: "Hand-written \"god\" policies bypass the vetted system AdministratorAccess, are rarely reviewed, \
             and silently turn every holder into an account administrator.",
        remediation: Remediation {
            text: "Replace the policy with service-scoped system policies or narrowly scoped custom entries \
                   (named services, permissions and resources); detach it from users; reserve \
                   administration to a small group whose members use MFA.",
            console: "Console → avatar (top right) → Identity and Access Management → Policy Management → \
                      Custom Policy → the policy → review its entries; detach it under User Management / \
                      Group Management → Permissions, then edit or delete it.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_iam_policy\" \"scoped\" {\n  name     = \"bcc-operate-bj\"\n  \
                 document = \"{\\\"accessControlList\\\":[{\\\"region\\\":\\\"bj\\\",\\\"service\\\":\\\"bce:bcc\\\",\
                 \\\"resource\\\":[\\\"*\\\"],\\\"permission\\\":[\\\"OPERATE\\\"],\\\"effect\\\":\\\"Allow\\\"}]}\"\n}",
            ),
            url: URL_POLICIES,
        },
        categories: &["identity", "privilege-escalation"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.15" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.15" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_policy_no_administrative_privileges" },
            Mapping {
                framework: "prowler",
                requirement: "aws/iam_customer_attached_policy_no_administrative_privileges",
            },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.d" },
        ],
        reads: &[POLICY, USER, GROUP],
    },
    evaluate: eval_custom_policy_full_admin,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&CUSTOM_POLICY_FULL_ADMIN) }

/// Which users and groups custom policies are attached to, from their `policies` child calls.
struct Attachments {
    /// (policy id, policy name, the entity it is attached to).
    edges: Vec<(String, String, Value)>,
    /// Why the list may be incomplete.
    incomplete: Vec<String>,
}

impl Attachments {
    fn read(ctx: &CheckContext<'_>) -> Attachments {
        let mut edges = Vec::new();
        let mut incomplete = Vec::new();
        for (kind, entity_type, call) in [
            (USER, "User", "ListUserAttachedPolicies"),
            (GROUP, "Group", "ListGroupAttachedPolicies"),
        ] {
            let regions = ctx.regions(kind);
            if regions.is_empty() {
                incomplete.push(format!("{kind} was not collected in this sync"));
            }
            for r in &regions {
                let cov = ctx.coverage(kind, r);
                if cov != Coverage::Collected {
                    incomplete.push(cov.describe(kind, r));
                }
            }
            for a in ctx.assets(kind) {
                match a.detail("policies").and_then(|b| list(b, "policies")) {
                    Ok(ps) => {
                        for p in ps {
                            if str_of(p, "type").eq_ignore_ascii_case("System") {
                                continue;
                            }
                            edges.push((
                                str_of(p, "id").to_string(),
                                str_of(p, "name").to_string(),
                                json!({"type": entity_type, "id": a.resource_id, "name": label(a)}),
                            ));
                        }
                    }
                    Err(e) => incomplete.push(missing_call(a, e, call)),
                }
            }
        }
        Attachments { edges, incomplete }
    }

    fn of(&self, policy: &AssetView) -> Vec<Value> {
        let name = label(policy);
        self.edges
            .iter()
            .filter(|(id, n, _)| {
                (!id.is_empty() && *id == policy.resource_id) || (id.is_empty() && n == name)
            })
            .map(|(_, _, e)| e.clone())
            .collect()
    }
}

fn eval_custom_policy_full_admin(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let check = &CUSTOM_POLICY_FULL_ADMIN;
    let attachments = Attachments::read(ctx);
    per_asset_findings(ctx, check, POLICY, |policy| {
        let name = label(policy);
        let Some(doc) = policy.field("document") else {
            return vec![check.finding(
                policy,
                Verdict::manual(format!(
                    "custom policy {name}: ListPolicy (GET /v1/policy?policyType=Custom) gave no document"
                )),
            )];
        };
        let entries = match acl_entries(doc) {
            Ok(e) => e,
            Err(e) => {
                return vec![check.finding(
                    policy,
                    Verdict::manual(format!("custom policy {name}: {e}")),
                )]
            }
        };
        let full: Vec<&Value> = entries.iter().filter(|e| full_admin_entry(e)).collect();
        let service: Vec<&Value> = entries.iter().filter(|e| service_admin_entry(e)).collect();
        let attached = attachments.of(policy);
        let mut ev = json!({
            "policy_id": policy.resource_id,
            "policy_name": name,
            "full_admin_entries": full,
            "service_admin_entries": service,
            "attached_to": attached,
        });
        if full.is_empty() && service.is_empty() {
            let v = Verdict::pass(
                format!("Custom policy {name} grants no * / FULL_CONTROL on all resources"),
                ev,
            );
            return vec![check.finding(policy, v)];
        }
        let scope = if full.is_empty() {
            "one service"
        } else {
            "every service"
        };
        ev["scope"] = json!(if full.is_empty() {
            "service"
        } else {
            "all_services"
        });
        if !attached.is_empty() {
            let v = Verdict::fail(
                format!(
                    "Custom policy {name} grants * / FULL_CONTROL on {scope} and is attached to {} \
                     user(s)/group(s)",
                    attached.len()
                ),
                ev,
            );
            let mut f = check.finding(policy, v);
            if full.is_empty() {
                f.severity = Severity::Medium;
            }
            return vec![f];
        }
        if attachments.incomplete.is_empty() {
            let v = Verdict::pass(
                format!(
                    "Custom policy {name} grants * / FULL_CONTROL on {scope} but is attached to no user \
                     or group (delete it before someone attaches it)"
                ),
                ev,
            );
            return vec![check.finding(policy, v)];
        }
        vec![check.finding(
            policy,
            Verdict::manual(format!(
                "custom policy {name} grants * / FULL_CONTROL on {scope}; whether it is attached is \
                 unknown: {}",
                attachments.incomplete.join("; ")
            )),
        )]
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_has_administrator_access
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_HAS_ADMINISTRATOR_ACCESS: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_has_administrator_access",
        provider: "baidu",
        title: "IAM user (directly or through a group) holds the system AdministratorAccess policy",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::High,
        description: "Fails when an IAM user's effective policies (attached directly, or to one of its groups) \
             include the system policy AdministratorAccess and the user (name or id) is not in the \
             admin_allowlist parameter. Severity rises to critical when the same user can log in to the \
             console without MFA. A user whose policies or groups cannot all be read is MANUAL unless \
             AdministratorAccess was already found.",
        risk: "Every administrator identity is a full-account takeover target; administrators should be few, \
             known and strongly authenticated.",
        remediation: Remediation {
            text: "Grant administration through one dedicated group with few members who all use MFA; give \
                   everyone else service-scoped system policies; list accepted administrators in \
                   admin_allowlist.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Permissions → remove AdministratorAccess (and check Groups → the \
                      group → Permissions).",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_iam_group_policy_attachment\" \"admins\" {\n  group       = \"admins\"\n  \
                 policy      = \"AdministratorAccess\"\n  policy_type = \"System\"\n}",
            ),
            url: URL_POLICIES,
        },
        categories: &["identity", "privilege-escalation"],
        compliance: &[
            Mapping { framework: "cis_aws_5.0", requirement: "1.15" },
            Mapping { framework: "prowler", requirement: "aws/iam_user_administrator_access_policy" },
            Mapping { framework: "prowler", requirement: "aws/iam_group_administrator_access_policy" },
            Mapping { framework: "prowler", requirement: "aws/iam_administrator_access_with_mfa" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.d" },
        ],
        reads: &[USER, GROUP],
    },
    evaluate: eval_user_has_administrator_access,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_HAS_ADMINISTRATOR_ACCESS) }

fn eval_user_has_administrator_access(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let check = &USER_HAS_ADMINISTRATOR_ACCESS;
    per_asset_findings(ctx, check, USER, |user| {
        let who = label(user);
        let eff = effective_policies(ctx, user);
        let admin: Vec<&Grant<'_>> = eff
            .grants
            .iter()
            .filter(|g| g.is_system() && g.name() == ADMIN_POLICY)
            .collect();
        let mut ev = user_json(user);
        ev["administrator_access"] = json!(admin.iter().map(|g| g.evidence()).collect::<Vec<_>>());
        if admin.is_empty() {
            let v = if eff.missing.is_empty() {
                Verdict::pass(
                    format!("IAM user {who} does not hold AdministratorAccess"),
                    ev,
                )
            } else {
                Verdict::manual(eff.missing.join("; "))
            };
            return vec![check.finding(user, v)];
        }
        let login = login(user);
        ev["login"] = match &login {
            Ok(l) => l.evidence(),
            Err(m) => json!({"unknown": m}),
        };
        let no_mfa = matches!(
            login,
            Ok(Login::Console {
                enabled_login: true,
                mfa: false,
                ..
            })
        );
        let related: Vec<ResourceRef> = admin.iter().flat_map(|g| g.refs(&user.region)).collect();
        if allowlisted(ctx, "admin_allowlist", user) {
            ev["allowlisted"] = json!(true);
            let v = Verdict::pass(
                format!("IAM user {who} holds AdministratorAccess and is in admin_allowlist"),
                ev,
            );
            return vec![check.finding(user, v).with_related(related)];
        }
        ev["escalated_no_mfa"] = json!(no_mfa);
        let how = if admin.iter().any(|g| g.group.is_none()) {
            "directly"
        } else {
            "through a group"
        };
        let msg = if no_mfa {
            format!("IAM user {who} holds AdministratorAccess ({how}) and logs in without MFA")
        } else {
            format!("IAM user {who} holds AdministratorAccess ({how})")
        };
        let mut f = check
            .finding(user, Verdict::fail(msg, ev))
            .with_related(related);
        if no_mfa {
            f.severity = Severity::Critical;
        }
        vec![f]
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_policy_attached_to_user
// ---------------------------------------------------------------------------------------------

pub(crate) static POLICY_ATTACHED_TO_USER: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_policy_attached_to_user",
        provider: "baidu",
        title: "Policies attached directly to an IAM user instead of a group or role",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::Low,
        description: "Fails when an IAM user has at least one policy attached directly \
             (ListUserAttachedPolicies), system or custom.",
        risk: "Per-user grants drift and are hard to audit; granting through groups or roles keeps \
             entitlement reviews tractable.",
        remediation: Remediation {
            text: "Move the grants to a group (or role), add the user to it, then detach the policies from \
                   the user.",
            console: "Console → avatar (top right) → Identity and Access Management → Group Management → \
                      create or pick a group → Permissions → attach the policies → Members → add the user; \
                      then User Management → the user → Permissions → remove the direct policies.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_iam_group_policy_attachment\" \"grant\" {\n  group  = \"<group>\"\n  \
                 policy = \"<policy>\"\n}\nresource \"baiducloud_iam_group_membership\" \"members\" {\n  \
                 group = \"<group>\"\n  users = [\"<user>\"]\n}",
            ),
            url: URL_POLICIES,
        },
        categories: &["identity"],
        compliance: &[
            Mapping { framework: "cis_alibaba_2.0", requirement: "1.16" },
            Mapping { framework: "cis_aws_5.0", requirement: "1.14" },
            Mapping { framework: "prowler", requirement: "alibabacloud/ram_policy_attached_only_to_group_or_roles" },
            Mapping { framework: "prowler", requirement: "aws/iam_policy_attached_only_to_group_or_roles" },
        ],
        reads: &[USER],
    },
    evaluate: eval_policy_attached_to_user,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&POLICY_ATTACHED_TO_USER) }

fn eval_policy_attached_to_user(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&POLICY_ATTACHED_TO_USER, USER, |user| {
        let who = label(user);
        let api = format!("ListUserAttachedPolicies (GET /v1/user/{who}/policy)");
        let policies = match user.detail("policies").and_then(|b| list(b, "policies")) {
            Ok(p) => p,
            Err(e) => return Verdict::manual(missing_call(user, e, &api)),
        };
        let mut ev = user_json(user);
        ev["attached_policies"] = json!(policies
            .iter()
            .map(|p| json!({"name": str_of(p, "name"), "type": str_of(p, "type"), "id": str_of(p, "id")}))
            .collect::<Vec<_>>());
        if policies.is_empty() {
            Verdict::pass(format!("IAM user {who} has no directly attached policy"), ev)
        } else {
            let names: Vec<&str> = policies.iter().map(|p| str_of(p, "name")).collect();
            Verdict::fail(
                format!(
                    "IAM user {who} has {} directly attached polic{}: {}",
                    names.len(),
                    if names.len() == 1 { "y" } else { "ies" },
                    names.join(", ")
                ),
                ev,
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_role_trust_policy_any_principal
// ---------------------------------------------------------------------------------------------

pub(crate) static ROLE_TRUST_ANY_PRINCIPAL: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_role_trust_policy_any_principal",
        provider: "baidu",
        title: "IAM role can be assumed by any account or by untrusted external accounts",
        service: "iam",
        resource_type: "BCE::IAM::Role",
        severity: Severity::High,
        description: "Fails when an Allow entry of a role's trust policy (assumeRolePolicyDocument) names grantee \
             * or an account id that is neither the scanned account, a Baidu service principal nor in \
             trusted_account_ids. Vigil does not collect IAM roles yet (ListRole), so this check is MANUAL.",
        risk: "An over-permissive trust policy lets outsiders obtain temporary credentials (STS AssumeRole) \
             with the role's permissions.",
        remediation: Remediation {
            text: "Restrict each role's grantees to named accounts or Baidu services; delete unused roles.",
            console: "Console → avatar (top right) → Identity and Access Management → Role Management → the \
                      role → Trusted entities → remove unknown accounts; delete roles nobody uses.",
            cli: None,
            terraform: None,
            url: URL_ROLES,
        },
        categories: &["identity", "trust-boundaries"],
        compliance: &[],
        reads: &[],
    },
    evaluate: eval_role_trust_any_principal,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&ROLE_TRUST_ANY_PRINCIPAL) }

fn eval_role_trust_any_principal(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.manual_account(
        &ROLE_TRUST_ANY_PRINCIPAL,
        "IAM roles are not collected by Vigil: their trust policies come from ListRole (GET /v1/role, \
         field assumeRolePolicyDocument, readable with IAMReadAccessPolicy); review each role's trusted \
         entities in the console",
    )
}

// ---------------------------------------------------------------------------------------------
// baidu_iam_user_toxic_old_key_no_mfa_broad_policy (toxic combination)
// ---------------------------------------------------------------------------------------------

pub(crate) static USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY: Check = Check {
    meta: CheckMeta {
        id: "baidu_iam_user_toxic_old_key_no_mfa_broad_policy",
        provider: "baidu",
        title: "IAM user with an old enabled AccessKey, no login MFA and a broad policy",
        service: "iam",
        resource_type: "BCE::IAM::User",
        severity: Severity::Critical,
        description: "Toxic combination. Fails when one IAM user has all three: (1) an enabled AccessKey older \
             than max_access_key_age_days (default 90); (2) no login MFA — no login profile at all, or \
             enabledLoginMfa = false; (3) a broad policy in effect, directly or through a group: the system \
             policies AdministratorAccess or GlobalReadPolicy, or any policy with an Allow entry on every \
             resource that covers every service (service * or bce:*, any permission) or grants * / \
             FULL_CONTROL on a service. The finding names the user, the old keys, the broad policies and \
             the groups they come through. Passes as soon as one condition is known to be false; MANUAL \
             when an unread call could complete the combination.",
        risk: "A long-lived key that was never rotated is the credential most likely to have leaked; with broad \
             permissions and no second factor anywhere on the identity, whoever holds it controls (or can \
             read) the whole account, and nothing distinguishes them from the owner.",
        remediation: Remediation {
            text: "Break the combination, starting with the key: rotate (or disable) the old AccessKey, \
                   replace the broad policy with service-scoped ones, and turn on login MFA for the user.",
            console: "Console → avatar (top right) → Identity and Access Management → User Management → IAM \
                      Users → the user → Access Key (rotate/disable), Permissions (replace broad policies, \
                      also on its groups), Two-Factor Authentication (enable Login Protection).",
            cli: None,
            terraform: None,
            url: URL_USERS,
        },
        categories: &["identity", "secrets", "mfa", "toxic-combination"],
        compliance: &[
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.1.a" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.1.d" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2.d" },
        ],
        reads: &[USER, GROUP],
    },
    evaluate: eval_user_toxic,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY) }

fn eval_user_toxic(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let check = &USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY;
    let max = ctx.params().u64("max_access_key_age_days");
    let now = ctx.now();
    per_asset_findings(ctx, check, USER, |user| {
        let who = label(user);
        let mut related = vec![user.to_ref()];

        // (1) an old enabled key
        let old_key = match access_keys(user) {
            Err(m) => Tri::Unknown(m),
            Ok(keys) => {
                let mut old = Vec::new();
                let mut unknown = Vec::new();
                for k in keys.iter().filter(|k| key_enabled(k)) {
                    match time_field(k, "createTime") {
                        Ok(Some(t)) if older_than(now, t, max) => {
                            related.push(key_ref(user, k));
                            old.push(json!({
                                "access_key_id": key_id(k),
                                "createTime": str_of(k, "createTime"),
                                "age_days": days_since(now, t),
                            }));
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => unknown.push(format!(
                            "AccessKey {} of IAM user {who}: ListAccessKey gave no createTime",
                            key_id(k)
                        )),
                        Err(e) => {
                            unknown.push(format!("AccessKey {} of IAM user {who}: {e}", key_id(k)))
                        }
                    }
                }
                if !old.is_empty() {
                    Tri::Yes(json!(old))
                } else if !unknown.is_empty() {
                    Tri::Unknown(unknown.join("; "))
                } else {
                    Tri::No(json!([]))
                }
            }
        };

        // (2) no login MFA
        let no_mfa = match login(user) {
            Err(m) => Tri::Unknown(m),
            Ok(l @ Login::NoConsole) | Ok(l @ Login::Console { mfa: false, .. }) => {
                Tri::Yes(l.evidence())
            }
            Ok(l) => Tri::No(l.evidence()),
        };

        // (3) a broad policy
        let eff = effective_policies(ctx, user);
        let mut broad = Vec::new();
        let mut unknown = eff.missing.clone();
        for g in &eff.grants {
            match broad_reason(g) {
                Ok(Some(reason)) => {
                    related.extend(g.refs(&user.region));
                    let mut e = g.evidence();
                    e["reason"] = json!(reason);
                    broad.push(e);
                }
                Ok(None) => {}
                Err(e) => unknown.push(format!("IAM user {who}: {e}")),
            }
        }
        let broad = if !broad.is_empty() {
            Tri::Yes(json!(broad))
        } else if !unknown.is_empty() {
            Tri::Unknown(unknown.join("; "))
        } else {
            Tri::No(json!([]))
        };

        let mut ev = user_json(user);
        ev["max_access_key_age_days"] = json!(max);
        let mut missing = Vec::new();
        let mut absent = Vec::new();
        for (field, tri, what) in [
            (
                "old_enabled_access_keys",
                &old_key,
                "no enabled AccessKey older than the limit",
            ),
            ("login_mfa", &no_mfa, "login MFA is on"),
            ("broad_policies", &broad, "no broad policy"),
        ] {
            ev[field] = match tri {
                Tri::Yes(v) | Tri::No(v) => v.clone(),
                Tri::Unknown(m) => {
                    missing.push(m.clone());
                    json!({"unknown": m})
                }
            };
            if let Tri::No(_) = tri {
                absent.push(what);
            }
        }
        let verdict = if !absent.is_empty() {
            Verdict::pass(
                format!(
                    "IAM user {who} is not a toxic combination: {}",
                    absent.join(", ")
                ),
                ev,
            )
        } else if !missing.is_empty() {
            Verdict::manual(missing.join("; "))
        } else {
            Verdict::fail(
                format!(
                    "IAM user {who} has an enabled AccessKey older than {max} days, no login MFA and a \
                     broad policy"
                ),
                ev,
            )
        };
        let fail = matches!(verdict, Verdict::Fail { .. });
        let f = check.finding(user, verdict);
        if fail {
            let mut seen = BTreeSet::new();
            related.retain(|r| seen.insert(r.clone()));
            vec![f.with_related(related)]
        } else {
            vec![f]
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use vigil_checks::{Status, ACCOUNT_RESOURCE_KIND};

    /// The fixed sync time of every fixture.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap()
    }

    const ZERO: &str = "0001-01-01T00:00:00Z";

    /// A `GET /v1/user` item as the simulator serves it.
    fn user(name: &str) -> AssetView {
        AssetView::new(
            USER,
            "global",
            format!("uid-{name}"),
            json!({
                "id": format!("uid-{name}"), "name": name, "createTime": "2024-01-01T00:00:00Z",
                "description": "", "enabled": true, "contact": "", "joinTime": ZERO,
            }),
        )
        .with_name(name)
    }

    fn key(id: &str, enabled: bool, created: &str, last_used: &str) -> Value {
        json!({"id": id, "createTime": created, "lastUsedTime": last_used, "enabled": enabled, "description": ""})
    }

    fn keys(u: AssetView, ks: Vec<Value>) -> AssetView {
        u.with_detail("accessKeys", json!({ "accessKeys": ks }))
    }

    /// A `loginProfile` answer with console login enabled.
    fn console(mfa: bool) -> Value {
        json!({
            "needResetPassword": false, "enabledLogin": true, "enabledLoginMfa": mfa,
            "loginMfaType": if mfa { "TOTP" } else { "" }, "thirdPartyType": "",
            "thirdPartyAccount": "", "passwordExpireDate": ZERO,
        })
    }

    fn policy(name: &str, ptype: &str, id: &str, acl: Value) -> Value {
        json!({
            "id": id, "name": name, "type": ptype, "createTime": "2019-01-01T00:00:00Z",
            "attachTime": "2024-01-01T00:00:00Z", "description": "",
            "document": json!({ "accessControlList": acl }).to_string(),
        })
    }

    fn entry(service: &str, permission: &[&str], resource: &[&str]) -> Value {
        json!({"service": service, "region": "*", "effect": "Allow", "permission": permission, "resource": resource})
    }

    fn admin_access() -> Value {
        policy(
            ADMIN_POLICY,
            "System",
            "sys-admin",
            json!([entry("bce:*", &["*"], &["*"])]),
        )
    }

    fn bcc_read() -> Value {
        policy(
            "BCCReadAccessPolicy",
            "System",
            "sys-bcc-read",
            json!([entry("bce:bcc", &["READ"], &["*"])]),
        )
    }

    fn policies(u: AssetView, ps: Vec<Value>) -> AssetView {
        u.with_detail("policies", json!({ "policies": ps }))
    }

    /// The user's `groups` answer.
    fn in_groups(u: AssetView, names: &[&str]) -> AssetView {
        let gs: Vec<Value> = names
            .iter()
            .map(|n| json!({"id": format!("gid-{n}"), "name": n, "createTime": "2022-01-01T00:00:00Z", "description": ""}))
            .collect();
        u.with_detail("groups", json!({ "groups": gs }))
    }

    fn group(name: &str, ps: Vec<Value>) -> AssetView {
        AssetView::new(
            GROUP,
            "global",
            format!("gid-{name}"),
            json!({"id": format!("gid-{name}"), "name": name, "createTime": "2022-01-01T00:00:00Z", "description": ""}),
        )
        .with_name(name)
        .with_detail("policies", json!({ "policies": ps }))
    }

    fn custom_policy(name: &str, acl: Value) -> AssetView {
        AssetView::new(
            POLICY,
            "global",
            format!("pid-{name}"),
            json!({
                "id": format!("pid-{name}"), "name": name, "type": "Custom",
                "createTime": "2024-01-01T00:00:00Z", "description": "",
                "document": json!({ "accessControlList": acl }).to_string(),
            }),
        )
        .with_name(name)
    }

    fn run(check: &Check, assets: Vec<AssetView>) -> Vec<Finding> {
        (check.evaluate)(&CheckContext::for_test(assets).now(now()).build())
    }

    fn one<'a>(fs: &'a [Finding], resource_id: &str) -> &'a Finding {
        let hits: Vec<&Finding> = fs.iter().filter(|f| f.resource_id == resource_id).collect();
        assert_eq!(hits.len(), 1, "one finding for {resource_id} in {fs:#?}");
        hits[0]
    }

    fn not_authorized() -> Coverage {
        Coverage::NotAuthorized {
            policy: Some(IAM_READ.to_string()),
        }
    }

    /// Users were not readable: one MANUAL for the region, nothing judged.
    fn assert_region_manual(check: &Check, assets: Vec<AssetView>) {
        let ctx = CheckContext::for_test(assets)
            .coverage(USER, "global", not_authorized())
            .now(now())
            .build();
        let fs = (check.evaluate)(&ctx);
        assert_eq!(fs.len(), 1, "{fs:#?}");
        assert_eq!(fs[0].status, Status::Manual);
        assert_eq!(fs[0].resource_kind, USER);
        assert_eq!(fs[0].resource_id, "*");
        assert!(fs[0].message.contains(IAM_READ), "{}", fs[0].message);
    }

    // --- root access key ---

    #[test]
    fn root_key_fails_when_the_connection_key_is_the_primary_accounts() {
        let ctx = CheckContext::for_test(vec![])
            .verification(json!({
                "provider": "baidu", "key_hint": "ALTAK…7Tv",
                "identity": {"account_id": null, "user_name": null, "attached_policies": [], "is_primary_account_key": true},
            }))
            .build();
        let fs = (ROOT_ACCESS_KEY_IN_USE.evaluate)(&ctx);
        assert_eq!(fs.len(), 1);
        let f = &fs[0];
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(
            (f.resource_kind.as_str(), f.resource_id.as_str()),
            (ACCOUNT_RESOURCE_KIND, "account")
        );
        assert_eq!(f.evidence["is_primary_account_key"], true);
        assert_eq!(f.evidence["key_hint"], "ALTAK…7Tv");
        assert!(f.evidence["bct_events"]
            .as_str()
            .unwrap()
            .contains("not collected"));
    }

    #[test]
    fn root_key_passes_for_a_sub_user_key_and_is_manual_when_unknown() {
        let ctx = CheckContext::for_test(vec![])
            .verification(json!({"identity": {"user_name": "vigil-auditor", "is_primary_account_key": false}}))
            .build();
        let fs = (ROOT_ACCESS_KEY_IN_USE.evaluate)(&ctx);
        assert_eq!(fs[0].status, Status::Pass);
        assert_eq!(fs[0].evidence["is_primary_account_key"], false);
        assert_eq!(fs[0].evidence["user_name"], "vigil-auditor");
        assert!(fs[0].message.contains("vigil-auditor"));

        // IAM was unreadable at verification: identity unknown.
        let ctx = CheckContext::for_test(vec![])
            .verification(json!({"identity": {"user_name": null, "is_primary_account_key": null}}))
            .build();
        let fs = (ROOT_ACCESS_KEY_IN_USE.evaluate)(&ctx);
        assert_eq!(fs[0].status, Status::Manual);
        assert!(
            fs[0].message.contains("IAMReadAccessPolicy"),
            "{}",
            fs[0].message
        );

        // Never verified.
        let fs = (ROOT_ACCESS_KEY_IN_USE.evaluate)(&CheckContext::for_test(vec![]).build());
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].status, Status::Manual);
        assert_eq!(fs[0].resource_kind, ACCOUNT_RESOURCE_KIND);
        assert!(fs[0].message.contains("vigil verify"), "{}", fs[0].message);
    }

    // --- access key age ---

    #[test]
    fn old_enabled_key_fails_per_key_and_others_pass() {
        let alice = keys(
            user("alice"),
            vec![
                key(
                    "ak-old",
                    true,
                    "2025-01-01T00:00:00Z",
                    "2025-11-30T00:00:00Z",
                ),
                key("ak-new", true, "2025-11-01T00:00:00Z", ZERO),
                key("ak-off", false, "2020-01-01T00:00:00Z", ZERO),
            ],
        );
        let fs = run(&ACCESS_KEY_NOT_ROTATED, vec![alice]);
        assert_eq!(fs.len(), 3, "{fs:#?}");
        let old = one(&fs, "ak-old");
        assert_eq!(old.status, Status::Fail);
        assert_eq!(old.resource_kind, ACCESS_KEY);
        assert_eq!(old.region, "global");
        assert_eq!(old.resource_name.as_deref(), Some("alice/ak-old"));
        assert_eq!(old.evidence["resource"], "access_key");
        assert_eq!(old.evidence["user_name"], "alice");
        assert_eq!(old.evidence["user_id"], "uid-alice");
        assert_eq!(old.evidence["age_days"], 334);
        assert_eq!(old.evidence["max_access_key_age_days"], 90);
        let new = one(&fs, "ak-new");
        assert_eq!(new.status, Status::Pass);
        assert_eq!(new.evidence["age_days"], 30);
        let off = one(&fs, "ak-off");
        assert_eq!(off.status, Status::Pass);
        assert_eq!(off.evidence["enabled"], false);
    }

    #[test]
    fn key_age_limit_is_strict_and_a_parameter() {
        let u = keys(
            user("u"),
            vec![
                key("ak-90", true, "2025-09-02T00:00:00Z", ZERO),
                key("ak-91", true, "2025-09-01T00:00:00Z", ZERO),
            ],
        );
        let fs = run(&ACCESS_KEY_NOT_ROTATED, vec![u.clone()]);
        assert_eq!(one(&fs, "ak-90").status, Status::Pass);
        assert_eq!(one(&fs, "ak-91").status, Status::Fail);
        let ctx = CheckContext::for_test(vec![u])
            .param("max_access_key_age_days", 30)
            .now(now())
            .build();
        let fs = (ACCESS_KEY_NOT_ROTATED.evaluate)(&ctx);
        assert_eq!(one(&fs, "ak-90").status, Status::Fail);
        assert_eq!(one(&fs, "ak-90").evidence["max_access_key_age_days"], 30);
    }

    #[test]
    fn key_age_is_manual_when_keys_are_unknown_and_na_without_keys() {
        let broken = user("broken").with_detail_error("accessKeys", "403 AccessDenied");
        let keyless = keys(user("keyless"), vec![]);
        let bad_time = keys(
            user("odd"),
            vec![
                key("ak-odd", true, "last tuesday", ZERO),
                key("", true, "2020-01-01T00:00:00Z", ZERO),
                key("", true, "2020-01-01T00:00:00Z", ZERO),
            ],
        );
        let fs = run(&ACCESS_KEY_NOT_ROTATED, vec![broken, keyless, bad_time]);
        let b = one(&fs, "uid-broken");
        assert_eq!(b.status, Status::Manual);
        assert_eq!(b.resource_kind, USER);
        assert!(
            b.message.contains("403 AccessDenied") && b.message.contains("ListAccessKey"),
            "{}",
            b.message
        );
        assert_eq!(one(&fs, "uid-keyless").status, Status::NotApplicable);
        let odd = one(&fs, "ak-odd");
        assert_eq!(odd.status, Status::Manual);
        assert!(odd.message.contains("last tuesday"), "{}", odd.message);
        let anon = one(&fs, "uid-odd");
        assert_eq!(anon.status, Status::Manual);
        assert!(anon.message.contains("2 AccessKey(s)"), "{}", anon.message);
        assert_region_manual(
            &ACCESS_KEY_NOT_ROTATED,
            vec![keys(
                user("alice"),
                vec![key("ak-old", true, "2020-01-01T00:00:00Z", ZERO)],
            )],
        );
    }

    // --- unused keys ---

    #[test]
    fn unused_enabled_keys_fail_by_last_use_or_age() {
        let u = keys(
            user("u"),
            vec![
                key(
                    "ak-stale",
                    true,
                    "2024-01-01T00:00:00Z",
                    "2025-08-01T00:00:00Z",
                ),
                key(
                    "ak-fresh",
                    true,
                    "2024-01-01T00:00:00Z",
                    "2025-11-20T00:00:00Z",
                ),
                key("ak-never-old", true, "2025-01-01T00:00:00Z", ZERO),
                key("ak-never-new", true, "2025-11-15T00:00:00Z", ZERO),
                key(
                    "ak-off",
                    false,
                    "2020-01-01T00:00:00Z",
                    "2020-02-01T00:00:00Z",
                ),
            ],
        );
        let fs = run(&ACCESS_KEY_UNUSED, vec![u]);
        assert_eq!(fs.len(), 5);
        let stale = one(&fs, "ak-stale");
        assert_eq!(stale.status, Status::Fail);
        assert_eq!(stale.resource_kind, ACCESS_KEY);
        assert_eq!(stale.evidence["days_since_last_use"], 122);
        assert_eq!(stale.evidence["never_used"], false);
        assert_eq!(stale.evidence["max_unused_days"], 90);
        assert_eq!(one(&fs, "ak-fresh").status, Status::Pass);
        assert_eq!(one(&fs, "ak-fresh").evidence["days_since_last_use"], 11);
        let never = one(&fs, "ak-never-old");
        assert_eq!(never.status, Status::Fail);
        assert_eq!(never.evidence["never_used"], true);
        assert_eq!(never.evidence["age_days"], 334);
        assert_eq!(one(&fs, "ak-never-new").status, Status::Pass);
        assert_eq!(one(&fs, "ak-off").status, Status::Pass);
    }

    #[test]
    fn unused_keys_manual_cases() {
        let bad = keys(
            user("u"),
            vec![key("ak-bad", true, "2024-01-01T00:00:00Z", "soon")],
        );
        let broken = user("broken").with_detail_error("accessKeys", "500 InternalError");
        let fs = run(&ACCESS_KEY_UNUSED, vec![bad, broken]);
        assert_eq!(one(&fs, "ak-bad").status, Status::Manual);
        assert_eq!(one(&fs, "uid-broken").status, Status::Manual);
        assert!(one(&fs, "uid-broken").message.contains("500 InternalError"));
        assert_region_manual(
            &ACCESS_KEY_UNUSED,
            vec![keys(
                user("u"),
                vec![key("k", true, "2020-01-01T00:00:00Z", ZERO)],
            )],
        );
    }

    // --- multiple active keys ---

    #[test]
    fn two_standing_enabled_keys_fail_but_a_rotation_in_progress_passes() {
        let two = keys(
            user("two"),
            vec![
                key("ak-a", true, "2025-01-01T00:00:00Z", ZERO),
                key("ak-b", true, "2025-06-01T00:00:00Z", ZERO),
            ],
        );
        let rotating = keys(
            user("rotating"),
            vec![
                key("ak-c", true, "2025-01-01T00:00:00Z", ZERO),
                key("ak-d", true, "2025-11-28T00:00:00Z", ZERO),
            ],
        );
        let single = keys(
            user("single"),
            vec![
                key("ak-e", true, "2025-01-01T00:00:00Z", ZERO),
                key("ak-f", false, "2024-01-01T00:00:00Z", ZERO),
            ],
        );
        let broken = user("broken").with_detail_error("accessKeys", "403 AccessDenied");
        let fs = run(
            &USER_MULTIPLE_ACTIVE_KEYS,
            vec![two, rotating, single, broken],
        );
        let f = one(&fs, "uid-two");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_kind, USER);
        assert_eq!(f.evidence["enabled_count"], 2);
        assert_eq!(f.evidence["enabled_access_keys"], json!(["ak-a", "ak-b"]));
        assert_eq!(f.evidence["newest_enabled_key_age_days"], 183);
        let r = one(&fs, "uid-rotating");
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.evidence["newest_enabled_key_age_days"], 3);
        assert_eq!(r.evidence["rotation_overlap_days"], 7);
        let s = one(&fs, "uid-single");
        assert_eq!(s.status, Status::Pass);
        assert_eq!(s.evidence["enabled_count"], 1);
        assert_eq!(one(&fs, "uid-broken").status, Status::Manual);
        assert_region_manual(&USER_MULTIPLE_ACTIVE_KEYS, vec![user("x")]);
    }

    // --- console without MFA ---

    #[test]
    fn console_without_mfa() {
        let off_login = user("disabled-login").with_detail(
            LOGIN_PROFILE,
            json!({"enabledLogin": false, "enabledLoginMfa": false, "loginMfaType": ""}),
        );
        let fs = run(
            &USER_CONSOLE_WITHOUT_MFA,
            vec![
                user("nomfa").with_detail(LOGIN_PROFILE, console(false)),
                user("mfa").with_detail(LOGIN_PROFILE, console(true)),
                user("api-only").with_detail(LOGIN_PROFILE, Value::Null),
                off_login,
                user("broken").with_detail_error(LOGIN_PROFILE, "403 AccessDenied"),
            ],
        );
        let f = one(&fs, "uid-nomfa");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["enabledLogin"], true);
        assert_eq!(f.evidence["enabledLoginMfa"], false);
        let p = one(&fs, "uid-mfa");
        assert_eq!(p.status, Status::Pass);
        assert_eq!(p.evidence["loginMfaType"], "TOTP");
        let api = one(&fs, "uid-api-only");
        assert_eq!(api.status, Status::Pass);
        assert_eq!(api.evidence["loginProfile"], Value::Null);
        assert!(api
            .evidence
            .as_object()
            .unwrap()
            .contains_key("loginProfile"));
        assert_eq!(one(&fs, "uid-disabled-login").status, Status::Pass);
        let m = one(&fs, "uid-broken");
        assert_eq!(m.status, Status::Manual);
        assert!(m.message.contains("GetUserLoginProfile"), "{}", m.message);
        assert_region_manual(
            &USER_CONSOLE_WITHOUT_MFA,
            vec![user("nomfa").with_detail(LOGIN_PROFILE, console(false))],
        );
    }

    // --- console and access key ---

    #[test]
    fn console_and_access_key() {
        let both = keys(
            user("both"),
            vec![key("ak-1", true, "2025-01-01T00:00:00Z", ZERO)],
        )
        .with_detail(LOGIN_PROFILE, console(true));
        let disabled_key = keys(
            user("human"),
            vec![key("ak-2", false, "2025-01-01T00:00:00Z", ZERO)],
        )
        .with_detail(LOGIN_PROFILE, console(true));
        // No console login decides PASS even though the keys are unknown.
        let api = user("api")
            .with_detail(LOGIN_PROFILE, Value::Null)
            .with_detail_error("accessKeys", "403 AccessDenied");
        // Console on and keys unknown: cannot tell.
        let unknown = user("unknown")
            .with_detail(LOGIN_PROFILE, console(false))
            .with_detail_error("accessKeys", "403 AccessDenied");
        let breakglass = keys(
            user("breakglass"),
            vec![key("ak-3", true, "2025-01-01T00:00:00Z", ZERO)],
        )
        .with_detail(LOGIN_PROFILE, console(true));
        let ctx = CheckContext::for_test(vec![both, disabled_key, api, unknown, breakglass])
            .param("allowlist_users", json!(["breakglass"]))
            .now(now())
            .build();
        let fs = (USER_CONSOLE_AND_ACCESS_KEY.evaluate)(&ctx);
        let f = one(&fs, "uid-both");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["enabledLogin"], true);
        assert_eq!(f.evidence["enabled_access_keys"], json!(["ak-1"]));
        let h = one(&fs, "uid-human");
        assert_eq!(h.status, Status::Pass);
        assert_eq!(h.evidence["enabled_access_keys"], json!([]));
        assert_eq!(one(&fs, "uid-api").status, Status::Pass);
        let u = one(&fs, "uid-unknown");
        assert_eq!(u.status, Status::Manual);
        assert!(u.message.contains("ListAccessKey"), "{}", u.message);
        let b = one(&fs, "uid-breakglass");
        assert_eq!(b.status, Status::Pass);
        assert_eq!(b.evidence["allowlisted"], true);
    }

    // --- console inactive ---

    #[test]
    fn console_inactive() {
        let detail = |u: &AssetView, last: &str| {
            let mut d = u.raw.clone();
            d["lastLoginTime"] = json!(last);
            d
        };
        let stale = user("stale");
        let stale = stale
            .clone()
            .with_detail(LOGIN_PROFILE, console(true))
            .with_detail("detail", detail(&stale, "2025-08-01T00:00:00Z"));
        let active = user("active");
        let active = active
            .clone()
            .with_detail(LOGIN_PROFILE, console(true))
            .with_detail("detail", detail(&active, "2025-11-20T00:00:00Z"));
        let never = user("never");
        let never = never
            .clone()
            .with_detail(LOGIN_PROFILE, console(false))
            .with_detail("detail", detail(&never, ZERO));
        let mut newbie = user("newbie");
        newbie.raw["createTime"] = json!("2025-11-01T00:00:00Z");
        let newbie = newbie
            .clone()
            .with_detail(LOGIN_PROFILE, console(false))
            .with_detail("detail", detail(&newbie, ZERO));
        // No console login: the detail call is not even needed.
        let api = user("api")
            .with_detail(LOGIN_PROFILE, Value::Null)
            .with_detail_error("detail", "403 AccessDenied");
        let broken = user("broken")
            .with_detail(LOGIN_PROFILE, console(true))
            .with_detail_error("detail", "403 AccessDenied");
        let fs = run(
            &USER_CONSOLE_INACTIVE,
            vec![stale, active, never, newbie, api, broken],
        );
        let f = one(&fs, "uid-stale");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["days_since_last_login"], 122);
        assert_eq!(f.evidence["lastLoginTime"], "2025-08-01T00:00:00Z");
        assert_eq!(one(&fs, "uid-active").status, Status::Pass);
        let n = one(&fs, "uid-never");
        assert_eq!(n.status, Status::Fail);
        assert_eq!(n.evidence["never_logged_in"], true);
        assert_eq!(n.evidence["age_days"], 700);
        assert_eq!(one(&fs, "uid-newbie").status, Status::Pass);
        assert_eq!(one(&fs, "uid-api").status, Status::Pass);
        let m = one(&fs, "uid-broken");
        assert_eq!(m.status, Status::Manual);
        assert!(m.message.contains("GetUser"), "{}", m.message);
    }

    // --- custom policy full admin ---

    #[test]
    fn custom_admin_policies_fail_when_attached() {
        let god = custom_policy("god", json!([entry("bce:*", &["FULL_CONTROL"], &[])]));
        let bos_admin = custom_policy("bos-admin", json!([entry("bce:bos", &["*"], &["*"])]));
        let scoped = custom_policy(
            "scoped",
            json!([
                entry("bce:bcc", &["READ"], &["*"]),
                entry("bce:bos", &["*"], &["logs/*"])
            ]),
        );
        let unused_god = custom_policy("unused-god", json!([entry("*", &["*"], &["*"])]));
        // Every service, but read-only: not an administrator policy.
        let read_all = custom_policy("read-all", json!([entry("bce:*", &["READ"], &["*"])]));
        let pol = |p: &AssetView| policy(label(p), "Custom", &p.resource_id, Value::Null);
        let ops = group("ops", vec![pol(&god)]);
        let carol = policies(
            user("carol"),
            vec![pol(&bos_admin), pol(&scoped), pol(&read_all), bcc_read()],
        );
        let fs = run(
            &CUSTOM_POLICY_FULL_ADMIN,
            vec![god, bos_admin, scoped, unused_god, read_all, ops, carol],
        );
        assert_eq!(fs.len(), 5, "{fs:#?}");
        let r = one(&fs, "pid-read-all");
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.evidence["full_admin_entries"], json!([]));
        assert_eq!(r.evidence["attached_to"][0]["name"], "carol");
        let g = one(&fs, "pid-god");
        assert_eq!(g.status, Status::Fail);
        assert_eq!(g.severity, Severity::Critical);
        assert_eq!(g.resource_kind, POLICY);
        assert_eq!(g.evidence["scope"], "all_services");
        assert_eq!(
            g.evidence["attached_to"],
            json!([{"type": "Group", "id": "gid-ops", "name": "ops"}])
        );
        assert_eq!(
            g.evidence["full_admin_entries"][0]["permission"],
            json!(["FULL_CONTROL"])
        );
        let b = one(&fs, "pid-bos-admin");
        assert_eq!(b.status, Status::Fail);
        assert_eq!(b.severity, Severity::Medium);
        assert_eq!(b.evidence["scope"], "service");
        assert_eq!(b.evidence["attached_to"][0]["name"], "carol");
        let s = one(&fs, "pid-scoped");
        assert_eq!(s.status, Status::Pass);
        assert_eq!(s.evidence["service_admin_entries"], json!([]));
        let u = one(&fs, "pid-unused-god");
        assert_eq!(u.status, Status::Pass);
        assert_eq!(u.evidence["attached_to"], json!([]));
        assert!(u.message.contains("attached to no user"), "{}", u.message);
    }

    #[test]
    fn custom_admin_policy_is_manual_when_attachments_or_document_unknown() {
        let god = custom_policy("god", json!([entry("bce:*", &["*"], &["*"])]));
        let mut garbled = custom_policy("garbled", json!([]));
        garbled.raw["document"] = json!("{not json");
        let broken = user("broken").with_detail_error("policies", "403 AccessDenied");
        let fs = run(
            &CUSTOM_POLICY_FULL_ADMIN,
            vec![god.clone(), garbled, broken],
        );
        let g = one(&fs, "pid-god");
        assert_eq!(g.status, Status::Manual);
        assert!(g.message.contains("403 AccessDenied"), "{}", g.message);
        // groups were not collected at all in this sync either
        assert!(
            g.message.contains("baidu_iam_group was not collected"),
            "{}",
            g.message
        );
        let x = one(&fs, "pid-garbled");
        assert_eq!(x.status, Status::Manual);
        assert!(x.message.contains("not JSON"), "{}", x.message);
        // Policies not readable: region MANUAL only.
        let ctx = CheckContext::for_test(vec![god])
            .coverage(POLICY, "global", not_authorized())
            .build();
        let fs = (CUSTOM_POLICY_FULL_ADMIN.evaluate)(&ctx);
        assert_eq!(fs.len(), 1);
        assert_eq!(
            (fs[0].status, fs[0].resource_id.as_str()),
            (Status::Manual, "*")
        );
    }

    // --- AdministratorAccess ---

    #[test]
    fn administrator_access_directly_or_through_a_group() {
        let admins = group("admins", vec![admin_access()]);
        let devs = group("devs", vec![bcc_read()]);
        let alice = in_groups(policies(user("alice"), vec![]), &["admins"])
            .with_detail(LOGIN_PROFILE, console(false));
        let carol = in_groups(policies(user("carol"), vec![admin_access()]), &[])
            .with_detail(LOGIN_PROFILE, console(true));
        let bob = in_groups(policies(user("bob"), vec![bcc_read()]), &["devs"])
            .with_detail(LOGIN_PROFILE, console(true));
        // Admin found directly: decisive even though the groups are unknown.
        let erin = policies(user("erin"), vec![admin_access()])
            .with_detail_error("groups", "403 AccessDenied")
            .with_detail(LOGIN_PROFILE, Value::Null);
        // Not found, but a group's policies are unknown.
        let dave = in_groups(policies(user("dave"), vec![]), &["ghost"]);
        let fs = run(
            &USER_HAS_ADMINISTRATOR_ACCESS,
            vec![admins, devs, alice, carol, bob, erin, dave],
        );
        let a = one(&fs, "uid-alice");
        assert_eq!(a.status, Status::Fail);
        assert_eq!(
            a.severity,
            Severity::Critical,
            "console without MFA escalates"
        );
        assert_eq!(a.evidence["escalated_no_mfa"], true);
        assert_eq!(a.evidence["administrator_access"][0]["via_group"], "admins");
        assert!(a.related.contains(&ResourceRef {
            kind: GROUP.into(),
            region: "global".into(),
            resource_id: "gid-admins".into()
        }));
        assert!(a.related.contains(&ResourceRef {
            kind: SYSTEM_POLICY.into(),
            region: "global".into(),
            resource_id: "sys-admin".into()
        }));
        let c = one(&fs, "uid-carol");
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.severity, Severity::High);
        assert_eq!(
            c.evidence["administrator_access"][0]["via_group"],
            Value::Null
        );
        let b = one(&fs, "uid-bob");
        assert_eq!(b.status, Status::Pass);
        assert_eq!(b.evidence["administrator_access"], json!([]));
        let e = one(&fs, "uid-erin");
        assert_eq!(e.status, Status::Fail);
        assert_eq!(e.severity, Severity::High);
        let d = one(&fs, "uid-dave");
        assert_eq!(d.status, Status::Manual);
        assert!(d.message.contains("ghost"), "{}", d.message);
    }

    #[test]
    fn administrator_access_allowlist_and_group_policy_errors() {
        let mut admins = group("admins", vec![]).with_detail_error("policies", "500 InternalError");
        admins.details = json!({}); // the policies call failed: only the error is recorded
        let mut admins_ok = group("admins2", vec![admin_access()]);
        admins_ok.resource_id = "gid-admins2".into();
        let frank = in_groups(policies(user("frank"), vec![]), &["admins"]);
        let root = in_groups(policies(user("breakglass"), vec![]), &["admins2"]);
        let ctx = CheckContext::for_test(vec![admins, admins_ok, frank, root])
            .param("admin_allowlist", json!(["uid-breakglass"]))
            .build();
        let fs = (USER_HAS_ADMINISTRATOR_ACCESS.evaluate)(&ctx);
        let f = one(&fs, "uid-frank");
        assert_eq!(f.status, Status::Manual);
        assert!(
            f.message.contains("500 InternalError")
                && f.message.contains("ListGroupAttachedPolicies"),
            "{}",
            f.message
        );
        let r = one(&fs, "uid-breakglass");
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.evidence["allowlisted"], true);
        assert_region_manual(
            &USER_HAS_ADMINISTRATOR_ACCESS,
            vec![policies(user("x"), vec![admin_access()])],
        );
    }

    // --- policies attached to users ---

    #[test]
    fn directly_attached_policies_fail() {
        let fs = run(
            &POLICY_ATTACHED_TO_USER,
            vec![
                policies(user("direct"), vec![admin_access(), bcc_read()]),
                policies(user("clean"), vec![]),
                user("broken").with_detail_error("policies", "403 AccessDenied"),
            ],
        );
        let d = one(&fs, "uid-direct");
        assert_eq!(d.status, Status::Fail);
        assert_eq!(
            d.evidence["attached_policies"][0],
            json!({"name": "AdministratorAccess", "type": "System", "id": "sys-admin"})
        );
        assert_eq!(d.evidence["attached_policies"].as_array().unwrap().len(), 2);
        let c = one(&fs, "uid-clean");
        assert_eq!(c.status, Status::Pass);
        assert_eq!(c.evidence["attached_policies"], json!([]));
        let b = one(&fs, "uid-broken");
        assert_eq!(b.status, Status::Manual);
        assert!(
            b.message.contains("ListUserAttachedPolicies"),
            "{}",
            b.message
        );
        assert_region_manual(
            &POLICY_ATTACHED_TO_USER,
            vec![policies(user("direct"), vec![bcc_read()])],
        );
    }

    // --- role trust ---

    #[test]
    fn role_trust_is_manual_because_roles_are_not_collected() {
        let fs = run(&ROLE_TRUST_ANY_PRINCIPAL, vec![user("alice")]);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].status, Status::Manual);
        assert_eq!(fs[0].resource_kind, ACCOUNT_RESOURCE_KIND);
        assert!(
            fs[0].message.contains("ListRole")
                && fs[0].message.contains("assumeRolePolicyDocument")
        );
    }

    // --- toxic combination ---

    fn old_key() -> Value {
        key(
            "ak-old",
            true,
            "2022-01-15T01:10:00Z",
            "2025-11-18T06:00:00Z",
        )
    }

    #[test]
    fn toxic_user_fails_and_names_every_asset() {
        let admins = group("admins", vec![admin_access()]);
        let alice = in_groups(
            policies(
                keys(
                    user("alice"),
                    vec![old_key(), key("ak-new", true, "2025-11-01T00:00:00Z", ZERO)],
                ),
                vec![],
            ),
            &["admins"],
        )
        .with_detail(LOGIN_PROFILE, console(false));
        let fs = run(&USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY, vec![admins, alice]);
        let f = one(&fs, "uid-alice");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.resource_kind, USER);
        assert_eq!(
            f.evidence["old_enabled_access_keys"],
            json!([{"access_key_id": "ak-old", "createTime": "2022-01-15T01:10:00Z", "age_days": 1415}])
        );
        assert_eq!(f.evidence["login_mfa"]["enabledLoginMfa"], false);
        assert_eq!(
            f.evidence["broad_policies"][0]["name"],
            "AdministratorAccess"
        );
        assert_eq!(f.evidence["broad_policies"][0]["via_group"], "admins");
        let r = |kind: &str, id: &str| ResourceRef {
            kind: kind.into(),
            region: "global".into(),
            resource_id: id.into(),
        };
        assert_eq!(
            f.related,
            vec![
                r(USER, "uid-alice"),
                r(ACCESS_KEY, "ak-old"),
                r(SYSTEM_POLICY, "sys-admin"),
                r(GROUP, "gid-admins")
            ]
        );
    }

    #[test]
    fn toxic_with_a_custom_wildcard_policy_and_no_console() {
        let ci = policies(
            keys(user("ci"), vec![old_key()]),
            vec![policy(
                "bos-everything",
                "Custom",
                "pid-bos",
                json!([entry("bce:bos", &["*"], &["*"])]),
            )],
        );
        let ci = in_groups(ci, &[]).with_detail(LOGIN_PROFILE, Value::Null);
        let fs = run(&USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY, vec![ci]);
        let f = one(&fs, "uid-ci");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["login_mfa"], json!({"loginProfile": null}));
        assert!(f.evidence["broad_policies"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("bce:bos"));
        assert!(f.related.contains(&ResourceRef {
            kind: POLICY.into(),
            region: "global".into(),
            resource_id: "pid-bos".into()
        }));
    }

    #[test]
    fn toxic_counts_global_read_policy_by_name_even_without_a_document() {
        let mut global_read = policy("GlobalReadPolicy", "System", "sys-global-read", json!([]));
        global_read.as_object_mut().unwrap().remove("document");
        let reader = in_groups(
            policies(keys(user("reader"), vec![old_key()]), vec![global_read]),
            &[],
        )
        .with_detail(LOGIN_PROFILE, Value::Null);
        // A custom policy without a document cannot be judged.
        let mut undocumented = policy("mystery", "Custom", "pid-mystery", json!([]));
        undocumented.as_object_mut().unwrap().remove("document");
        let other = in_groups(
            policies(keys(user("other"), vec![old_key()]), vec![undocumented]),
            &[],
        )
        .with_detail(LOGIN_PROFILE, Value::Null);
        let fs = run(&USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY, vec![reader, other]);
        let f = one(&fs, "uid-reader");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["broad_policies"][0]["reason"],
            "system policy GlobalReadPolicy"
        );
        let o = one(&fs, "uid-other");
        assert_eq!(o.status, Status::Manual);
        assert!(
            o.message.contains("mystery has no document"),
            "{}",
            o.message
        );
    }

    #[test]
    fn missing_flags_fail_closed() {
        // A key without `enabled` counts as enabled; a profile without `enabledLogin` as login on.
        let mut k = key("ak-noflag", true, "2020-01-01T00:00:00Z", ZERO);
        k.as_object_mut().unwrap().remove("enabled");
        let fs = run(&ACCESS_KEY_NOT_ROTATED, vec![keys(user("u"), vec![k])]);
        let f = one(&fs, "ak-noflag");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["enabled"], Value::Null);
        let fs = run(
            &USER_CONSOLE_WITHOUT_MFA,
            vec![user("v").with_detail(LOGIN_PROFILE, json!({"loginMfaType": ""}))],
        );
        let f = one(&fs, "uid-v");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["enabledLogin"], true);
        assert_eq!(f.evidence["enabledLoginMfa"], false);
    }

    #[test]
    fn toxic_passes_when_one_condition_is_absent_and_is_manual_when_unknown() {
        let admins = group("admins", vec![admin_access()]);
        // MFA on.
        let mfa = in_groups(
            policies(keys(user("mfa"), vec![old_key()]), vec![]),
            &["admins"],
        )
        .with_detail(LOGIN_PROFILE, console(true));
        // Key is young.
        let young = in_groups(
            policies(
                keys(
                    user("young"),
                    vec![key("ak-y", true, "2025-11-01T00:00:00Z", ZERO)],
                ),
                vec![],
            ),
            &["admins"],
        )
        .with_detail(LOGIN_PROFILE, console(false));
        // Narrow policies only.
        let narrow = in_groups(
            policies(keys(user("narrow"), vec![old_key()]), vec![bcc_read()]),
            &[],
        )
        .with_detail(LOGIN_PROFILE, Value::Null);
        // Old key and no MFA, but the policies are unknown.
        let unknown = in_groups(keys(user("unknown"), vec![old_key()]), &[])
            .with_detail(LOGIN_PROFILE, Value::Null)
            .with_detail_error("policies", "403 AccessDenied");
        // Keys unknown, but MFA is on: not toxic whatever the keys are.
        let mfa_no_keys = in_groups(policies(user("mfa-nokeys"), vec![admin_access()]), &[])
            .with_detail(LOGIN_PROFILE, console(true))
            .with_detail_error("accessKeys", "403 AccessDenied");
        let fs = run(
            &USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY,
            vec![admins, mfa, young, narrow, unknown, mfa_no_keys],
        );
        let m = one(&fs, "uid-mfa");
        assert_eq!(m.status, Status::Pass);
        assert!(m.message.contains("login MFA is on"), "{}", m.message);
        assert!(m.related.is_empty());
        let y = one(&fs, "uid-young");
        assert_eq!(y.status, Status::Pass);
        assert_eq!(y.evidence["old_enabled_access_keys"], json!([]));
        let n = one(&fs, "uid-narrow");
        assert_eq!(n.status, Status::Pass);
        assert_eq!(n.evidence["broad_policies"], json!([]));
        let u = one(&fs, "uid-unknown");
        assert_eq!(u.status, Status::Manual);
        assert!(
            u.message.contains("ListUserAttachedPolicies"),
            "{}",
            u.message
        );
        assert_eq!(one(&fs, "uid-mfa-nokeys").status, Status::Pass);
        assert_region_manual(&USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY, vec![user("x")]);
    }

    // --- metadata ---

    #[test]
    fn metadata_is_complete_and_registered() {
        let all = [
            &ROOT_ACCESS_KEY_IN_USE,
            &ACCESS_KEY_NOT_ROTATED,
            &ACCESS_KEY_UNUSED,
            &USER_MULTIPLE_ACTIVE_KEYS,
            &USER_CONSOLE_WITHOUT_MFA,
            &USER_CONSOLE_AND_ACCESS_KEY,
            &USER_CONSOLE_INACTIVE,
            &CUSTOM_POLICY_FULL_ADMIN,
            &USER_HAS_ADMINISTRATOR_ACCESS,
            &POLICY_ATTACHED_TO_USER,
            &ROLE_TRUST_ANY_PRINCIPAL,
            &USER_TOXIC_OLD_KEY_NO_MFA_BROAD_POLICY,
        ];
        let frameworks = [
            "cis_alibaba_2.0",
            "cis_aws_5.0",
            "prowler",
            "alibaba_config",
            "mlps_2.0_l3",
        ];
        for c in all {
            let m = &c.meta;
            assert!(m.id.starts_with("baidu_iam_"), "{}", m.id);
            assert_eq!(m.provider, "baidu");
            assert_eq!(m.service, "iam");
            assert!(m.resource_type.starts_with("BCE::"), "{}", m.id);
            assert!(
                !m.title.is_empty() && m.title.len() <= 150 && !m.title.starts_with("Ensure"),
                "{}",
                m.id
            );
            assert!(!m.description.is_empty() && !m.risk.is_empty(), "{}", m.id);
            assert!(
                !m.remediation.text.is_empty() && !m.remediation.console.is_empty(),
                "{}",
                m.id
            );
            assert!(
                m.remediation
                    .url
                    .starts_with("https://cloud.baidu.com/doc/IAM/"),
                "{}",
                m.id
            );
            assert!(!m.categories.is_empty(), "{}", m.id);
            for map in m.compliance {
                assert!(
                    frameworks.contains(&map.framework),
                    "{}: {}",
                    m.id,
                    map.framework
                );
                assert!(!map.requirement.is_empty());
            }
            let registered = vigil_checks::find(m.id).expect("registered with inventory");
            assert!(std::ptr::eq(registered, c), "{}", m.id);
        }
    }
}
