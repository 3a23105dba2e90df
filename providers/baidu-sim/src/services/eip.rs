//! EIP (host `eip.{region}.baidubce.com`, prefix `/v1`, IAM service `eip`).
//!
//! Collection: `eip_eips` (id `eip`, the address; served verbatim in `eipList`).

use serde_json::Value;

use super::{Ctx, Operation, Request};
use crate::api::{paginate, ApiResult};

pub(crate) const EIPS: &str = "eip_eips";

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "eip"]) => Some(Operation::new("eip", "DescribeEips", None, list_eips)),
        _ => None,
    }
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// `ipv6` for an IPv6 address, else `ipv4` (the list items have no version field).
fn ip_version(eip: &Value) -> &'static str {
    if s(eip, "eip").contains(':') {
        "ipv6"
    } else {
        "ipv4"
    }
}

/// `GET /v1/eip`: exact-match filters `eip`, `instanceType`, `instanceId`, `name`, `status`,
/// `ipVersion` (`ipv4`/`ipv6`, case-insensitive), `eipIds` (comma list of `eipId`s). The SDK
/// documents that `instanceType` and `instanceId` go together; the simulator applies each
/// on its own (simulator choice).
fn list_eips(cx: &Ctx<'_>) -> ApiResult {
    let q = cx.query;
    let eq = |field: &'static str| {
        let wanted = q.non_empty(field);
        move |v: &Value| wanted.is_none_or(|w| s(v, field) == w)
    };
    let (address, kind, instance, name, status) = (
        eq("eip"),
        eq("instanceType"),
        eq("instanceId"),
        eq("name"),
        eq("status"),
    );
    let version = q.non_empty("ipVersion");
    let ids = q.list("eipIds");
    let items: Vec<&Value> = cx
        .items(EIPS)
        .iter()
        .filter(|v| address(v) && kind(v) && instance(v) && name(v) && status(v))
        .filter(|v| version.is_none_or(|w| w.eq_ignore_ascii_case(ip_version(v))))
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&s(v, "eipId"))))
        .collect();
    paginate(&items, "eip", "eipList", q)
}
