//! `POST /v2/region/describeRegions` (on `bcc.baidubce.com` and every `bcc.{region}` host).
//!
//! Allowed for any authenticated key: it only lists endpoints (a simulator assumption; the
//! real permission model of this call is undocumented).

use serde_json::{json, Value};

use super::{Ctx, Operation, Request};
use crate::api::{ApiError, ApiResult};

pub(crate) fn route<'a>(req: &Request<'a>) -> Option<Operation<'a>> {
    match (req.method, req.segments.as_slice()) {
        ("POST", ["v2", "region", "describeRegions"]) => Some(
            Operation::new("bcc", "DescribeRegions", None, describe_regions).any_authenticated(),
        ),
        _ => None,
    }
}

/// Body `{"region": ""}` (or empty, or `{}`) lists every region of the account;
/// `{"region": "bj"}` only that one (an unknown id gives an empty list).
fn describe_regions(cx: &Ctx<'_>) -> ApiResult {
    let text = std::str::from_utf8(cx.body).map_err(|_| ApiError::malformed_json())?;
    let wanted = if text.trim().is_empty() {
        None
    } else {
        let body: Value = serde_json::from_str(text).map_err(|_| ApiError::malformed_json())?;
        match body.get("region") {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if r.trim().is_empty() => None,
            Some(Value::String(r)) => Some(r.trim().to_string()),
            Some(_) => {
                return Err(ApiError::new(
                    400,
                    "InappropriateJSON",
                    "The field region must be a string.",
                ))
            }
        }
    };
    if !text.trim().is_empty() && !text.trim_start().starts_with('{') {
        return Err(ApiError::new(
            400,
            "InappropriateJSON",
            "The request body must be a JSON object.",
        ));
    }
    let regions: Vec<Value> = cx
        .account
        .regions
        .iter()
        .filter(|r| wanted.as_deref().is_none_or(|w| r.region_id == w))
        .map(|r| {
            json!({
                "regionId": r.region_id,
                "regionName": r.region_name,
                "regionEndpoint": format!("bcc.{}.baidubce.com", r.region_id),
            })
        })
        .collect();
    Ok(json!({ "regions": regions }))
}
