//! IAM (host `iam.bj.baidubce.com`, global, prefix `/v1`, no pagination).
//!
//! Shapes follow `samples/iam.*.json`. Secrets are never returned. Times are RFC 3339 UTC;
//! "never" is the Go zero time `0001-01-01T00:00:00Z`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{ApiError, ApiResult};
use crate::policy::{self, SYSTEM_POLICY_CREATE_TIME};
use crate::world::{Account, Group, User};

/// How "never" is rendered.
pub(crate) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    let op = |action: &'static str,
              resource: Option<&'a str>,
              f: Box<dyn FnOnce(&Ctx<'_>) -> ApiResult + 'a>| {
        Some(Operation::new("iam", action, resource, f))
    };
    if req.method != "GET" {
        return None;
    }
    match req.segments.as_slice() {
        ["v1", "user"] => op("ListUsers", None, Box::new(list_users)),
        ["v1", "user", name] => {
            let name: &'a str = name;
            op(
                "GetUser",
                Some(name),
                Box::new(move |cx| get_user(cx, name)),
            )
        }
        ["v1", "user", name, "accesskey"] => {
            let name: &'a str = name;
            op(
                "ListAccessKeys",
                Some(name),
                Box::new(move |cx| list_access_keys(cx, name)),
            )
        }
        ["v1", "user", name, "policy"] => {
            let name: &'a str = name;
            op(
                "ListUserAttachedPolicies",
                Some(name),
                Box::new(move |cx| user_policies(cx, name)),
            )
        }
        ["v1", "user", name, "group"] => {
            let name: &'a str = name;
            op(
                "ListGroupsForUser",
                Some(name),
                Box::new(move |cx| user_groups(cx, name)),
            )
        }
        ["v1", "user", name, "loginProfile"] => {
            let name: &'a str = name;
            op(
                "GetUserLoginProfile",
                Some(name),
                Box::new(move |cx| login_profile(cx, name)),
            )
        }
        ["v1", "group"] => op("ListGroups", None, Box::new(list_groups)),
        ["v1", "group", name] => {
            let name: &'a str = name;
            op(
                "GetGroup",
                Some(name),
                Box::new(move |cx| get_group(cx, name)),
            )
        }
        ["v1", "group", name, "user"] => {
            let name: &'a str = name;
            op(
                "ListUsersInGroup",
                Some(name),
                Box::new(move |cx| group_users(cx, name)),
            )
        }
        ["v1", "group", name, "policy"] => {
            let name: &'a str = name;
            op(
                "ListGroupAttachedPolicies",
                Some(name),
                Box::new(move |cx| group_policies(cx, name)),
            )
        }
        ["v1", "policy"] => op("ListPolicies", None, Box::new(list_policies)),
        ["v1", "policy", name] => {
            let name: &'a str = name;
            op(
                "GetPolicy",
                Some(name),
                Box::new(move |cx| get_policy(cx, name)),
            )
        }
        ["v1", "policy", id, "entity"] => {
            let id: &'a str = id;
            op(
                "ListPolicyAttachedEntities",
                Some(id),
                Box::new(move |cx| policy_entities(cx, id, None)),
            )
        }
        ["v1", "policy", id, "grant", kind] => {
            let (id, kind): (&'a str, &'a str) = (id, kind);
            op(
                "ListPolicyAttachedEntities",
                Some(id),
                Box::new(move |cx| policy_entities(cx, id, Some(kind))),
            )
        }
        ["v1", "role"] => op("ListRoles", None, Box::new(list_roles)),
        ["v1", "role", name] => {
            let name: &'a str = name;
            op(
                "GetRole",
                Some(name),
                Box::new(move |cx| get_role(cx, name)),
            )
        }
        _ => None,
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref()
        .map(time)
        .unwrap_or_else(|| ZERO_TIME.to_string())
}

fn find_user<'a>(account: &'a Account, name: &str) -> Result<&'a User, ApiError> {
    account
        .user(name)
        .ok_or_else(|| ApiError::no_such_object("user", name))
}

fn find_group<'a>(account: &'a Account, name: &str) -> Result<&'a Group, ApiError> {
    account
        .group(name)
        .ok_or_else(|| ApiError::no_such_object("group", name))
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "createTime": time(&u.create_time),
        "description": u.description,
        "enabled": u.enabled,
        "contact": u.contact,
        "joinTime": ZERO_TIME,
    })
}

fn group_json(g: &Group) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "createTime": time(&g.create_time),
        "description": g.description,
    })
}

/// What the IAM list APIs serve, for tests that compare a collector's output with the
/// simulator (the conformance suite's fixtures for the IAM asset kinds).
impl Account {
    /// The items of `GET /v1/user`, exactly as served.
    pub fn served_iam_users(&self) -> Vec<Value> {
        self.users.iter().map(user_json).collect()
    }

    /// The items of `GET /v1/group`, exactly as served.
    pub fn served_iam_groups(&self) -> Vec<Value> {
        self.groups.iter().map(group_json).collect()
    }

    /// The items of `GET /v1/policy?policyType=Custom`, exactly as served.
    pub fn served_iam_custom_policies(&self) -> Vec<Value> {
        self.custom_policies
            .iter()
            .filter_map(|p| policy_json(self, &p.name, Some("Custom")))
            .collect()
    }
}

fn list_users(cx: &Ctx<'_>) -> ApiResult {
    Ok(json!({ "users": cx.account.served_iam_users() }))
}

fn get_user(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let u = find_user(cx.account, name)?;
    let mut v = user_json(u);
    v["lastLoginTime"] = json!(opt_time(&u.last_login_time));
    Ok(v)
}

fn list_access_keys(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let u = find_user(cx.account, name)?;
    let keys: Vec<Value> = u
        .access_keys
        .iter()
        .map(|k| {
            json!({
                "id": k.access_key_id,
                "createTime": time(&k.create_time),
                "lastUsedTime": opt_time(&k.last_used_time),
                "enabled": k.enabled,
                "description": k.description,
            })
        })
        .collect();
    Ok(json!({ "accessKeys": keys }))
}

fn login_profile(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let u = find_user(cx.account, name)?;
    let p = u
        .login_profile
        .as_ref()
        .ok_or_else(|| ApiError::no_such_object("login profile of user", name))?;
    Ok(json!({
        "needResetPassword": p.need_reset_password,
        "enabledLogin": p.enabled_login,
        "enabledLoginMfa": p.enabled_login_mfa,
        "loginMfaType": p.login_mfa_type,
        "thirdPartyType": p.third_party_type,
        "thirdPartyAccount": p.third_party_account,
        "passwordExpireDate": opt_time(&p.password_expire_date),
    }))
}

/// A policy by name as the API shows it (custom first, then system), with its type.
fn policy_json(account: &Account, name: &str, wanted_type: Option<&str>) -> Option<Value> {
    if wanted_type != Some("System") {
        if let Some(p) = account.custom_policy(name) {
            let document = p
                .acl()
                .map(|d| d.to_json_string())
                .unwrap_or_else(|_| p.document.to_string());
            return Some(json!({
                "id": p.id,
                "name": p.name,
                "type": "Custom",
                "createTime": time(&p.create_time),
                "description": p.description,
                "document": document,
            }));
        }
    }
    if wanted_type != Some("Custom") {
        if let Some(p) = policy::system_policy(name) {
            return Some(json!({
                "id": p.id,
                "name": p.name,
                "type": "System",
                "createTime": SYSTEM_POLICY_CREATE_TIME,
                "description": p.description,
                "document": p.document.to_json_string(),
            }));
        }
    }
    None
}

/// Attached policies with an `attachTime`: the later of the holder's and the policy's
/// creation (the world file does not record attachment times).
fn attached(account: &Account, names: &[String], holder_created: &DateTime<Utc>) -> Value {
    let policies: Vec<Value> = names
        .iter()
        .filter_map(|n| policy_json(account, n, None))
        .map(|mut p| {
            let policy_created = p["createTime"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            let at = match policy_created {
                Some(pc) if pc > *holder_created => pc,
                _ => *holder_created,
            };
            p["attachTime"] = json!(time(&at));
            p
        })
        .collect();
    json!({ "policies": policies })
}

fn user_policies(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let u = find_user(cx.account, name)?;
    Ok(attached(cx.account, &u.policies, &u.create_time))
}

fn user_groups(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let u = find_user(cx.account, name)?;
    let groups: Vec<Value> = u
        .groups
        .iter()
        .filter_map(|g| cx.account.group(g))
        .map(group_json)
        .collect();
    Ok(json!({ "groups": groups }))
}

fn list_groups(cx: &Ctx<'_>) -> ApiResult {
    Ok(json!({ "groups": cx.account.served_iam_groups() }))
}

fn get_group(cx: &Ctx<'_>, name: &str) -> ApiResult {
    Ok(group_json(find_group(cx.account, name)?))
}

fn group_users(cx: &Ctx<'_>, name: &str) -> ApiResult {
    find_group(cx.account, name)?;
    let users: Vec<Value> = cx
        .account
        .users
        .iter()
        .filter(|u| u.groups.iter().any(|g| g == name))
        .map(user_json)
        .collect();
    Ok(json!({ "users": users }))
}

fn group_policies(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let g = find_group(cx.account, name)?;
    Ok(attached(cx.account, &g.policies, &g.create_time))
}

fn policy_type(cx: &Ctx<'_>) -> Result<Option<&'static str>, ApiError> {
    match cx.query.non_empty("policyType") {
        None => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("System") => Ok(Some("System")),
        Some(t) if t.eq_ignore_ascii_case("Custom") => Ok(Some("Custom")),
        Some(t) => Err(ApiError::invalid_request(format!(
            "policyType must be System or Custom, got {t:?}."
        ))),
    }
}

/// `GET /v1/policy?policyType=System|Custom&nameFilter=`: both types when absent (system
/// first); `nameFilter` is a case-insensitive substring.
fn list_policies(cx: &Ctx<'_>) -> ApiResult {
    let kind = policy_type(cx)?;
    let filter = cx
        .query
        .non_empty("nameFilter")
        .map(|f| f.to_ascii_lowercase());
    let matches = |name: &str| {
        filter
            .as_ref()
            .is_none_or(|f| name.to_ascii_lowercase().contains(f))
    };
    let mut out = Vec::new();
    if kind != Some("Custom") {
        out.extend(
            policy::system_policies()
                .iter()
                .filter(|p| matches(p.name))
                .filter_map(|p| policy_json(cx.account, p.name, Some("System"))),
        );
    }
    if kind != Some("System") {
        out.extend(
            cx.account
                .served_iam_custom_policies()
                .into_iter()
                .filter(|p| matches(p["name"].as_str().unwrap_or_default())),
        );
    }
    Ok(json!({ "policies": out }))
}

/// `GET /v1/policy/{name}?policyType=`: the document is a JSON string.
fn get_policy(cx: &Ctx<'_>, name: &str) -> ApiResult {
    let kind = policy_type(cx)?;
    policy_json(cx.account, name, kind).ok_or_else(|| ApiError::no_such_object("policy", name))
}

/// `GET /v1/policy/{id}/entity` and `GET /v1/policy/{id}/grant/{UserPolicy|GroupPolicy}`:
/// `{entities:[{id,name,type,attachTime}]}` with `type` `User` or `Group`.
fn policy_entities(cx: &Ctx<'_>, id: &str, kind: Option<&str>) -> ApiResult {
    let account = cx.account;
    let name = account
        .custom_policies
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
        .or_else(|| {
            policy::system_policies()
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.to_string())
        })
        .ok_or_else(|| ApiError::no_such_object("policy", id))?;
    let (users, groups) = match kind {
        None => (true, true),
        Some("UserPolicy") => (true, false),
        Some("GroupPolicy") => (false, true),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "grant type must be UserPolicy or GroupPolicy, got {other:?}."
            )))
        }
    };
    let mut entities = Vec::new();
    if users {
        for u in account.users.iter().filter(|u| u.policies.contains(&name)) {
            entities.push(json!({"id": u.id, "name": u.name, "type": "User", "attachTime": time(&u.create_time)}));
        }
    }
    if groups {
        for g in account.groups.iter().filter(|g| g.policies.contains(&name)) {
            entities.push(json!({"id": g.id, "name": g.name, "type": "Group", "attachTime": time(&g.create_time)}));
        }
    }
    Ok(json!({ "entities": entities }))
}

fn list_roles(cx: &Ctx<'_>) -> ApiResult {
    Ok(json!({ "roles": cx.account.roles }))
}

fn get_role(cx: &Ctx<'_>, name: &str) -> ApiResult {
    cx.account
        .roles
        .iter()
        .find(|r| r.get("name").and_then(Value::as_str) == Some(name))
        .cloned()
        .ok_or_else(|| ApiError::no_such_object("role", name))
}
