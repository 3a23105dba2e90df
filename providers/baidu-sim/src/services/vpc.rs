//! VPC, subnets and subnet ACLs (host `bcc.{region}.baidubce.com`, prefix `/v1`, IAM service
//! `vpc`).
//!
//! Collections: `vpc_vpcs` (id `vpcId`), `vpc_subnets` (id `subnetId`), `vpc_acl_rules`
//! (id `id`, linked to subnets by `subnetId`).

use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiError, ApiResult};

pub(crate) const VPCS: &str = "vpc_vpcs";
pub(crate) const SUBNETS: &str = "vpc_subnets";
pub(crate) const ACL_RULES: &str = "vpc_acl_rules";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "vpc"]) => Some(Operation::new("vpc", "DescribeVpcs", None, list_vpcs)),
        ("GET", ["v1", "vpc", id]) => {
            let id: &'a str = id;
            Some(Operation::new("vpc", "GetVpc", Some(id), move |cx| {
                get_vpc(cx, id)
            }))
        }
        ("GET", ["v1", "subnet"]) => {
            Some(Operation::new("vpc", "DescribeSubnets", None, list_subnets))
        }
        ("GET", ["v1", "subnet", id]) => {
            let id: &'a str = id;
            Some(Operation::new("vpc", "GetSubnet", Some(id), move |cx| {
                get_subnet(cx, id)
            }))
        }
        ("GET", ["v1", "acl"]) => Some(Operation::new("vpc", "DescribeAcl", None, acl_of_vpc)),
        ("GET", ["v1", "acl", "rule"]) => Some(Operation::new(
            "vpc",
            "DescribeAclRules",
            None,
            list_acl_rules,
        )),
        _ => None,
    }
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// `GET /v1/vpc`: filters `isDefault` (`true`/`false`), `vpcIds` (comma list).
fn list_vpcs(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let is_default = match q.non_empty("isDefault") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "isDefault must be true or false, got {other:?}."
            )))
        }
    };
    let ids = q.list("vpcIds");
    let items: Vec<&Value> = cx
        .items(VPCS)
        .iter()
        .filter(|v| is_default.is_none_or(|d| v.get("isDefault") == Some(&json!(d))))
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&s(v, "vpcId"))))
        .collect();
    paginate(&items, "vpcId", "vpcs", q)
}

/// `GET /v1/vpc/{id}` → `{"vpc": {... , "subnets": [...]}}`.
fn get_vpc(cx: &Ctx<'_>, id: &str) -> ApiResult {
    let vpc = cx
        .items(VPCS)
        .iter()
        .find(|v| s(v, "vpcId") == id)
        .ok_or_else(|| ApiError::no_such_object("vpc", id))?;
    let subnets: Vec<Value> = cx
        .items(SUBNETS)
        .iter()
        .filter(|sn| s(sn, "vpcId") == id)
        .cloned()
        .collect();
    let mut vpc = vpc.clone();
    vpc["subnets"] = Value::Array(subnets);
    Ok(json!({ "vpc": vpc }))
}

/// `GET /v1/subnet`: filters `vpcId`, `zoneName`, `subnetType`, `subnetIds`.
fn list_subnets(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let vpc = q.non_empty("vpcId");
    let zone = q.non_empty("zoneName");
    let kind = q.non_empty("subnetType");
    let ids = q.list("subnetIds");
    let items: Vec<&Value> = cx
        .items(SUBNETS)
        .iter()
        .filter(|v| vpc.is_none_or(|w| s(v, "vpcId") == w))
        .filter(|v| zone.is_none_or(|w| s(v, "zoneName") == w))
        .filter(|v| kind.is_none_or(|w| s(v, "subnetType") == w))
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&s(v, "subnetId"))))
        .collect();
    paginate(&items, "subnetId", "subnets", q)
}

/// `GET /v1/subnet/{id}` → `{"subnet": {...}}`.
fn get_subnet(cx: &Ctx<'_>, id: &str) -> ApiResult {
    cx.items(SUBNETS)
        .iter()
        .find(|v| s(v, "subnetId") == id)
        .map(|v| json!({ "subnet": v }))
        .ok_or_else(|| ApiError::no_such_object("subnet", id))
}

/// `GET /v1/acl?vpcId=` → the VPC's ACL grouped by subnet (no pagination, `aclEntrys` sic).
fn acl_of_vpc(cx: &Ctx<'_>) -> ApiResult {
    let id = cx
        .query
        .non_empty("vpcId")
        .ok_or_else(|| ApiError::invalid_request("vpcId is required."))?;
    let vpc = cx
        .items(VPCS)
        .iter()
        .find(|v| s(v, "vpcId") == id)
        .ok_or_else(|| ApiError::no_such_object("vpc", id))?;
    let rules = cx.items(ACL_RULES);
    let entries: Vec<Value> = cx
        .items(SUBNETS)
        .iter()
        .filter(|sn| s(sn, "vpcId") == id)
        .map(|sn| {
            let subnet_id = s(sn, "subnetId");
            let subnet_rules: Vec<&Value> = rules
                .iter()
                .filter(|r| s(r, "subnetId") == subnet_id)
                .collect();
            json!({
                "subnetId": subnet_id,
                "subnetName": s(sn, "name"),
                "subnetCidr": s(sn, "cidr"),
                "aclRules": subnet_rules,
            })
        })
        .collect();
    Ok(json!({
        "vpcId": id,
        "vpcName": s(vpc, "name"),
        "vpcCidr": s(vpc, "cidr"),
        "aclEntrys": entries,
    }))
}

/// `GET /v1/acl/rule?subnetId=` (paginated).
fn list_acl_rules(cx: &Ctx<'_>) -> ApiResult {
    let subnet = cx
        .query
        .non_empty("subnetId")
        .ok_or_else(|| ApiError::invalid_request("subnetId is required."))?;
    if !cx.items(SUBNETS).iter().any(|v| s(v, "subnetId") == subnet) {
        return Err(ApiError::no_such_object("subnet", subnet));
    }
    let items: Vec<&Value> = cx
        .items(ACL_RULES)
        .iter()
        .filter(|r| s(r, "subnetId") == subnet)
        .collect();
    paginate(&items, "id", "aclRules", cx.query)
}
