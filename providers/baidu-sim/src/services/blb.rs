//! Classic BLB and application BLB (host `blb.{region}.baidubce.com`, prefixes `/v1/blb` and
//! `/v1/appblb`, IAM service `blb` for both).
//!
//! Collections, per flavour (`blb_*` for classic, `appblb_*` for application BLB):
//! - `blb_load_balancers` / `appblb_load_balancers` (id `blbId`): list items, served verbatim;
//! - `blb_listeners` / `appblb_listeners` (id `blbId`): `{blbId, listeners: [...]}`, one per
//!   load balancer; only the listener objects are served (a load balancer without an entry
//!   has no listeners).
//!
//! Listener objects carry `listenerType`; the per-protocol calls (`.../TCPlistener`, ...)
//! serve the listeners of that type without it, as BCE does.

use serde_json::{json, Map, Value};

use super::{Ctx, Operation, Request};
use crate::api::{max_keys, paginate, ApiError, ApiResult};

pub(crate) const LOAD_BALANCERS: &str = "blb_load_balancers";
pub(crate) const LISTENERS: &str = "blb_listeners";
pub(crate) const APP_LOAD_BALANCERS: &str = "appblb_load_balancers";
pub(crate) const APP_LISTENERS: &str = "appblb_listeners";

const SERVICE: &str = "blb";

/// The listener protocols, as they appear in `listenerType` and in per-protocol paths.
pub(crate) const PROTOCOLS: [&str; 5] = ["TCP", "UDP", "HTTP", "HTTPS", "SSL"];

/// One of the two products.
struct Flavour {
    load_balancers: &'static str,
    listeners: &'static str,
    list_action: &'static str,
    detail_action: &'static str,
    listeners_action: &'static str,
    /// Per-protocol actions, in [`PROTOCOLS`] order.
    protocol_actions: [&'static str; 5],
}

static CLASSIC: Flavour = Flavour {
    load_balancers: LOAD_BALANCERS,
    listeners: LISTENERS,
    list_action: "DescribeLoadBalancers",
    detail_action: "DescribeLoadBalancerDetail",
    listeners_action: "DescribeListeners",
    protocol_actions: [
        "DescribeTCPListeners",
        "DescribeUDPListeners",
        "DescribeHTTPListeners",
        "DescribeHTTPSListeners",
        "DescribeSSLListeners",
    ],
};

static APPLICATION: Flavour = Flavour {
    load_balancers: APP_LOAD_BALANCERS,
    listeners: APP_LISTENERS,
    list_action: "DescribeAppLoadBalancers",
    detail_action: "DescribeAppLoadBalancerDetail",
    listeners_action: "DescribeAppListeners",
    protocol_actions: [
        "DescribeAppTCPListeners",
        "DescribeAppUDPListeners",
        "DescribeAppHTTPListeners",
        "DescribeAppHTTPSListeners",
        "DescribeAppSSLListeners",
    ],
};

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    let (flavour, rest): (&'static Flavour, &[&'a str]) = match req.segments.as_slice() {
        ["v1", "blb", rest @ ..] => (&CLASSIC, rest),
        ["v1", "appblb", rest @ ..] => (&APPLICATION, rest),
        _ => return None,
    };
    if req.method != "GET" {
        return None;
    }
    match rest {
        [] => Some(Operation::new(SERVICE, flavour.list_action, None, |cx| {
            list_load_balancers(cx, flavour)
        })),
        [id] => {
            let id: &'a str = id;
            Some(Operation::new(
                SERVICE,
                flavour.detail_action,
                Some(id),
                move |cx| get_load_balancer(cx, flavour, id),
            ))
        }
        [id, "listener"] => {
            let id: &'a str = id;
            Some(Operation::new(
                SERVICE,
                flavour.listeners_action,
                Some(id),
                move |cx| list_listeners(cx, flavour, id, None),
            ))
        }
        [id, typed] => {
            let id: &'a str = id;
            let protocol = typed.strip_suffix("listener")?;
            let index = PROTOCOLS.iter().position(|p| *p == protocol)?;
            let protocol = PROTOCOLS[index];
            Some(Operation::new(
                SERVICE,
                flavour.protocol_actions[index],
                Some(id),
                move |cx| list_listeners(cx, flavour, id, Some(protocol)),
            ))
        }
        _ => None,
    }
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// `GET /v1/blb` / `GET /v1/appblb`: filters `address`, `blbId` (exact), `name` (substring,
/// exact with `exactlyMatch=true`); `bccId` matches nothing (backends are not modelled);
/// `type` is accepted and ignored.
fn list_load_balancers(cx: &Ctx<'_>, flavour: &Flavour) -> ApiResult {
    let q = cx.query;
    let exactly = match q.non_empty("exactlyMatch") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "exactlyMatch must be true or false, got {other:?}."
            )))
        }
    };
    let address = q.non_empty("address");
    let id = q.non_empty("blbId");
    let name = q.non_empty("name");
    let bcc = q.non_empty("bccId");
    let items: Vec<&Value> = cx
        .items(flavour.load_balancers)
        .iter()
        .filter(|v| address.is_none_or(|a| s(v, "address") == a))
        .filter(|v| id.is_none_or(|i| s(v, "blbId") == i))
        .filter(|v| {
            name.is_none_or(|n| {
                if exactly {
                    s(v, "name") == n
                } else {
                    s(v, "name").contains(n)
                }
            })
        })
        .filter(|_| bcc.is_none())
        .collect();
    paginate(&items, "blbId", "blbList", q)
}

fn find_load_balancer<'v>(
    cx: &Ctx<'v>,
    flavour: &Flavour,
    id: &str,
) -> Result<&'v Value, ApiError> {
    cx.items(flavour.load_balancers)
        .iter()
        .find(|v| s(v, "blbId") == id)
        .ok_or_else(|| ApiError::no_such_object("load balancer", id))
}

/// The listener objects of a load balancer, in world order.
fn listeners_of<'v>(cx: &Ctx<'v>, flavour: &Flavour, id: &str) -> &'v [Value] {
    cx.items(flavour.listeners)
        .iter()
        .find(|v| s(v, "blbId") == id)
        .and_then(|v| v.get("listeners"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// `GET /v1/blb/{id}`: the list item plus `cidr` (its subnet's), `vpcName` and
/// `listener: [{port, type}]` (strings), derived from the world.
fn get_load_balancer(cx: &Ctx<'_>, flavour: &Flavour, id: &str) -> ApiResult {
    let lb = find_load_balancer(cx, flavour, id)?;
    let mut detail = lb.clone();
    let subnet_cidr = cx
        .items("vpc_subnets")
        .iter()
        .find(|sn| s(sn, "subnetId") == s(lb, "subnetId"))
        .map(|sn| s(sn, "cidr"))
        .unwrap_or_default();
    let vpc_name = cx
        .items("vpc_vpcs")
        .iter()
        .find(|v| s(v, "vpcId") == s(lb, "vpcId"))
        .map(|v| s(v, "name"))
        .unwrap_or_default();
    let listener: Vec<Value> = listeners_of(cx, flavour, id)
        .iter()
        .map(|l| {
            json!({
                "port": l.get("listenerPort").map(port_text).unwrap_or_default(),
                "type": s(l, "listenerType"),
            })
        })
        .collect();
    if let Value::Object(m) = &mut detail {
        m.insert("cidr".into(), json!(subnet_cidr));
        m.insert("vpcName".into(), json!(vpc_name));
        m.insert("listener".into(), Value::Array(listener));
    }
    Ok(detail)
}

fn port_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The marker of a listener: `{listenerType}:{listenerPort}` (unique per load balancer; the
/// real marker format is unpublished, and clients treat it as opaque).
fn listener_marker(l: &Value) -> String {
    format!(
        "{}:{}",
        s(l, "listenerType"),
        l.get("listenerPort").map(port_text).unwrap_or_default()
    )
}

/// `GET {prefix}/{id}/listener` (every protocol, with `listenerType`) or
/// `GET {prefix}/{id}/{P}listener` (protocol `P`, without `listenerType`): filter
/// `listenerPort`, marker paginated (`listenerList`).
fn list_listeners(cx: &Ctx<'_>, flavour: &Flavour, id: &str, protocol: Option<&str>) -> ApiResult {
    find_load_balancer(cx, flavour, id)?;
    let q = cx.query;
    let port = match q.non_empty("listenerPort") {
        None => None,
        Some(p) => Some(p.trim().parse::<u16>().map_err(|_| {
            ApiError::invalid_request(format!("listenerPort must be a port number, got {p:?}."))
        })?),
    };
    let selected: Vec<&Value> = listeners_of(cx, flavour, id)
        .iter()
        .filter(|l| protocol.is_none_or(|p| s(l, "listenerType") == p))
        .filter(|l| {
            port.is_none_or(|p| l.get("listenerPort").and_then(Value::as_u64) == Some(p.into()))
        })
        .collect();
    let max_keys = max_keys(q)?;
    let marker = q.get("marker").unwrap_or_default();
    let start = if marker.is_empty() {
        0
    } else {
        selected
            .iter()
            .position(|l| listener_marker(l) == marker)
            .ok_or_else(|| {
                ApiError::invalid_request(format!("The marker {marker:?} is invalid."))
            })?
    };
    let end = (start + max_keys).min(selected.len());
    let listeners: Vec<Value> = selected[start..end]
        .iter()
        .map(|l| {
            let mut l = (*l).clone();
            if let (Some(_), Value::Object(m)) = (protocol, &mut l) {
                m.remove("listenerType");
            }
            l
        })
        .collect();
    let truncated = end < selected.len();
    let mut out = Map::new();
    out.insert("marker".into(), json!(marker));
    out.insert("maxKeys".into(), json!(max_keys));
    out.insert("isTruncated".into(), json!(truncated));
    if truncated {
        out.insert("nextMarker".into(), json!(listener_marker(selected[end])));
    }
    out.insert("listenerList".into(), Value::Array(listeners));
    Ok(Value::Object(out))
}
