//! BCC instances and security groups (host `bcc.{region}.baidubce.com`, prefix `/v2`).
//!
//! Collections: `bcc_instances`, `bcc_security_groups` (items served verbatim).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiError, ApiResult};

pub(crate) const INSTANCES: &str = "bcc_instances";
pub(crate) const SECURITY_GROUPS: &str = "bcc_security_groups";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v2", "instance"]) => Some(Operation::new(
            "bcc",
            "DescribeInstances",
            None,
            list_instances,
        )),
        ("GET", ["v2", "instance", id]) => {
            let id: &'a str = id;
            Some(Operation::new("bcc", "GetInstance", Some(id), move |cx| {
                get_instance(cx, id)
            }))
        }
        ("GET", ["v2", "securityGroup"]) => Some(Operation::new(
            "bcc",
            "DescribeSecurityGroups",
            None,
            list_security_groups,
        )),
        ("GET", ["v2", "securityGroup", id]) => {
            let id: &'a str = id;
            Some(Operation::new(
                "bcc",
                "GetSecurityGroup",
                Some(id),
                move |cx| get_security_group(cx, id),
            ))
        }
        _ => None,
    }
}

fn str_field<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn instance_security_groups(instance: &Value) -> impl Iterator<Item = &str> {
    instance
        .pointer("/nicInfo/securityGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn has_tag(instance: &Value, wanted: &str) -> bool {
    let (key, value) = match wanted.split_once(':') {
        Some((k, v)) => (k, Some(v)),
        None => (wanted, None),
    };
    instance
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            str_field(t, "tagKey") == key && value.is_none_or(|v| str_field(t, "tagValue") == v)
        })
}

fn private_ips(instance: &Value) -> impl Iterator<Item = &str> {
    std::iter::once(str_field(instance, "internalIp")).chain(
        instance
            .pointer("/nicInfo/ips")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|ip| str_field(ip, "privateIp")),
    )
}

/// `GET /v2/instance`: filters `zoneName`, `instanceIds`, `instanceNames`,
/// `securityGroupIds`, `status`, `paymentTiming`, `vpcId`, `internalIp`, `privateIps`,
/// `keypairId`, `dedicatedHostId`, `fuzzyInstanceName`, `tags` (`k:v` or `k`, any matches);
/// comma lists match any element.
fn list_instances(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let eq = |field: &'static str, param: &'static str| {
        let wanted = q.non_empty(param);
        move |v: &Value| wanted.is_none_or(|w| str_field(v, field) == w)
    };
    let any_of = |field: &'static str, param: &'static str| {
        let wanted = q.list(param);
        move |v: &Value| {
            wanted
                .as_ref()
                .is_none_or(|w| w.contains(&str_field(v, field)))
        }
    };
    let zone = eq("zoneName", "zoneName");
    let vpc = eq("vpcId", "vpcId");
    let internal_ip = eq("internalIp", "internalIp");
    let keypair = eq("keypairId", "keypairId");
    let host = q
        .non_empty("dedicatedHostId")
        .or(q.non_empty("dedicateHostId"));
    let ids = any_of("id", "instanceIds");
    let names = any_of("name", "instanceNames");
    let status = any_of("status", "status");
    let payment = any_of("paymentTiming", "paymentTiming");
    let sgs: Option<HashSet<&str>> = q.list("securityGroupIds").map(|l| l.into_iter().collect());
    let ips = q.list("privateIps");
    let fuzzy = q.non_empty("fuzzyInstanceName");
    let tags = q.list("tags");
    let items: Vec<&Value> = cx
        .items(INSTANCES)
        .iter()
        .filter(|v| zone(v) && vpc(v) && internal_ip(v) && keypair(v))
        .filter(|v| ids(v) && names(v) && status(v) && payment(v))
        .filter(|v| host.is_none_or(|h| str_field(v, "dedicatedHostId") == h))
        .filter(|v| {
            sgs.as_ref()
                .is_none_or(|s| instance_security_groups(v).any(|g| s.contains(g)))
        })
        .filter(|v| {
            ips.as_ref()
                .is_none_or(|l| private_ips(v).any(|ip| l.contains(&ip)))
        })
        .filter(|v| fuzzy.is_none_or(|f| str_field(v, "name").contains(f)))
        .filter(|v| {
            tags.as_ref()
                .is_none_or(|l| l.iter().any(|t| has_tag(v, t)))
        })
        .collect();
    paginate(&items, "id", "instances", q)
}

fn find<'v>(items: &'v [Value], id: &str) -> Option<&'v Value> {
    items.iter().find(|v| str_field(v, "id") == id)
}

/// `GET /v2/instance/{id}` → `{"instance": {...}}`.
fn get_instance(cx: &Ctx<'_>, id: &str) -> ApiResult {
    find(cx.items(INSTANCES), id)
        .map(|v| json!({ "instance": v }))
        .ok_or_else(|| ApiError::no_such_object("instance", id))
}

/// `GET /v2/securityGroup`: filters `instanceId` (the groups in that instance's
/// `nicInfo.securityGroups`; an unknown instance gives an empty list), `vpcId`,
/// `securityGroupId`, `securityGroupIds`.
fn list_security_groups(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let of_instance: Option<HashSet<&str>> = q.non_empty("instanceId").map(|id| {
        find(cx.items(INSTANCES), id)
            .map(|i| instance_security_groups(i).collect())
            .unwrap_or_default()
    });
    let vpc = q.non_empty("vpcId");
    let one = q.non_empty("securityGroupId");
    let many = q.list("securityGroupIds");
    let items: Vec<&Value> = cx
        .items(SECURITY_GROUPS)
        .iter()
        .filter(|g| {
            let id = str_field(g, "id");
            of_instance.as_ref().is_none_or(|s| s.contains(id))
                && vpc.is_none_or(|v| str_field(g, "vpcId") == v)
                && one.is_none_or(|o| id == o)
                && many.as_ref().is_none_or(|m| m.contains(&id))
        })
        .collect();
    paginate(&items, "id", "securityGroups", q)
}

/// `GET /v2/securityGroup/{id}` → the group as a flat object.
fn get_security_group(cx: &Ctx<'_>, id: &str) -> ApiResult {
    find(cx.items(SECURITY_GROUPS), id)
        .cloned()
        .ok_or_else(|| ApiError::no_such_object("security group", id))
}
