//! Request and response plumbing shared by every service: the BCE error body, query
//! parameters and marker pagination.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

/// A BCE error: status, `code` and `message` (the request id is added when rendering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: Cow<'static, str>,
    pub message: String,
}

/// A handler's outcome: the JSON body of a 200, or an error.
pub(crate) type ApiResult = Result<Value, ApiError>;

impl ApiError {
    pub(crate) fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub(crate) fn invalid_auth_header(detail: &str) -> Self {
        ApiError::new(
            400,
            "InvalidHTTPAuthHeader",
            format!(
                "The HTTP authorization header is invalid ({detail}). Consult the service documentation for details."
            ),
        )
    }

    pub(crate) fn invalid_access_key_id() -> Self {
        ApiError::new(
            403,
            "InvalidAccessKeyId",
            "The Access Key ID you provided does not exist in our records.",
        )
    }

    /// A disabled key, or a key of a disabled user: BCE's documented code for an unknown key
    /// (no distinct code, status or header is documented; see
    /// docs/providers/baidu/verification.md), so a client cannot tell the two apart, as with
    /// the real cloud.
    pub(crate) fn access_key_disabled(_key_disabled: bool, _user_disabled: bool) -> Self {
        ApiError::new(
            403,
            "InvalidAccessKeyId",
            "The Access Key ID you provided is disabled.",
        )
    }

    pub(crate) fn signature_mismatch() -> Self {
        ApiError::new(
            400,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your Secret Access Key and signing method. Consult the service documentation for details.",
        )
    }

    pub(crate) fn request_expired(timestamp: &str) -> Self {
        ApiError::new(
            400,
            "RequestExpired",
            format!("Request has expired. Timestamp date is {timestamp}."),
        )
    }

    pub(crate) fn access_denied() -> Self {
        ApiError::new(403, "AccessDenied", "Access denied.")
    }

    pub(crate) fn no_such_object(what: &str, id: &str) -> Self {
        ApiError::new(
            404,
            "NoSuchObject",
            format!("The specified resource does not exist: {what} {id:?}."),
        )
    }

    pub(crate) fn invalid_uri(method: &str, path: &str) -> Self {
        ApiError::new(
            404,
            "InvalidURI",
            format!("The requested API {method} {path} does not exist on this endpoint."),
        )
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "InvalidHTTPRequest", message)
    }

    pub(crate) fn malformed_json() -> Self {
        ApiError::new(
            400,
            "MalformedJSON",
            "The JSON you provided was not well-formed.",
        )
    }

    pub(crate) fn unknown_host(host: &str) -> Self {
        ApiError::new(
            421,
            "UnknownHost",
            format!(
                "No such endpoint: {host:?} does not resolve (the simulator's stand-in for a DNS failure)."
            ),
        )
    }

    pub(crate) fn throttled() -> Self {
        ApiError::new(
            429,
            "RequestLimitExceeded",
            "Request rate exceeded the limit.",
        )
    }

    pub(crate) fn injected(status: u16, code: &str) -> Self {
        let message = match code {
            "InternalError" => "We encountered an internal error. Please try again.",
            "ServiceUnavailable" => "Service is temporarily unavailable. Please try again later.",
            "RequestLimitExceeded" => "Request rate exceeded the limit.",
            "AccessDenied" => "Access denied.",
            _ => "Injected fault.",
        };
        ApiError::new(status, code.to_string(), message)
    }

    /// The JSON body, with all three fields always present.
    pub(crate) fn body(&self, request_id: &str) -> Value {
        json!({"requestId": request_id, "code": self.code, "message": self.message})
    }
}

/// Query parameters, decoded once, in wire order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

/// Percent-decode once (`+` stays `+`: BCE encodes spaces as `%20`).
pub(crate) fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl Query {
    /// Split the raw query on `&`, then on the first `=`; decode key and value once. A
    /// value-less key (`?acl`) has the value `""`.
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        Query { pairs }
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, when present and non-empty.
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }

    /// A comma-separated filter value, trimmed, empty items dropped; `None` when absent or
    /// empty.
    pub(crate) fn list(&self, key: &str) -> Option<Vec<&str>> {
        let items: Vec<&str> = self
            .non_empty(key)?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!items.is_empty()).then_some(items)
    }

    /// For logs: the query with any `authorization` value redacted.
    pub(crate) fn redacted(&self) -> String {
        self.pairs
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    format!("{k}=***")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// The page size limit of marker pagination.
pub(crate) const MAX_KEYS: usize = 1000;

/// `maxKeys`: absent or empty → 1000; not an integer → 400; outside 1..=1000 → 1000 (the
/// SDKs' clamp).
pub(crate) fn max_keys(query: &Query) -> Result<usize, ApiError> {
    let Some(raw) = query.non_empty("maxKeys") else {
        return Ok(MAX_KEYS);
    };
    let raw = raw.trim();
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_request(format!(
            "maxKeys must be an integer, got {raw:?}."
        )));
    }
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_KEYS as i64).contains(&n) => Ok(n as usize),
        _ => Ok(MAX_KEYS),
    }
}

/// One page of `items` in BCE marker style: `{marker, maxKeys, isTruncated, nextMarker?,
/// <list_key>: [...]}`. The marker is the id (`id_field`) of the first item of the page;
/// `nextMarker` is the id of the first item of the next page and is omitted on the last
/// page. An unknown marker is a 400.
pub(crate) fn paginate(
    items: &[&Value],
    id_field: &str,
    list_key: &str,
    query: &Query,
) -> ApiResult {
    let max_keys = max_keys(query)?;
    let marker = query.get("marker").unwrap_or_default();
    let start = if marker.is_empty() {
        0
    } else {
        items
            .iter()
            .position(|v| v.get(id_field).and_then(Value::as_str) == Some(marker))
            .ok_or_else(|| {
                ApiError::invalid_request(format!("The marker {marker:?} is invalid."))
            })?
    };
    let end = (start + max_keys).min(items.len());
    let page: Vec<Value> = items[start..end].iter().map(|v| (*v).clone()).collect();
    let truncated = end < items.len();
    let mut out = Map::new();
    out.insert("marker".into(), json!(marker));
    out.insert("maxKeys".into(), json!(max_keys));
    out.insert("isTruncated".into(), json!(truncated));
    if truncated {
        let next = items[end]
            .get(id_field)
            .cloned()
            .unwrap_or(Value::String(String::new()));
        out.insert("nextMarker".into(), next);
    }
    out.insert(list_key.into(), Value::Array(page));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing_decodes_once_and_keeps_valueless_keys() {
        let q = Query::parse(Some("acl&a=%2541&b=x%20y+z&&c=1=2&d="));
        assert_eq!(
            q.pairs(),
            &[
                ("acl".to_string(), String::new()),
                ("a".to_string(), "%41".to_string()),
                ("b".to_string(), "x y+z".to_string()),
                ("c".to_string(), "1=2".to_string()),
                ("d".to_string(), String::new()),
            ]
        );
        assert_eq!(Query::parse(None).pairs().len(), 0);
        let q = Query::parse(Some("ids=a,%20b,,c&authorization=secret"));
        assert_eq!(q.list("ids").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(q.redacted(), "ids=a, b,,c&authorization=***");
    }

    #[test]
    fn max_keys_clamps_and_rejects() {
        let mk = |v: &str| max_keys(&Query::parse(Some(&format!("maxKeys={v}"))));
        assert_eq!(mk("7").unwrap(), 7);
        assert_eq!(mk("0").unwrap(), 1000);
        assert_eq!(mk("-3").unwrap(), 1000);
        assert_eq!(mk("5000").unwrap(), 1000);
        assert_eq!(mk("99999999999999999999999").unwrap(), 1000);
        assert_eq!(mk("").unwrap(), 1000);
        assert_eq!(mk("ten").unwrap_err().code, "InvalidHTTPRequest");
        assert_eq!(mk("1.5").unwrap_err().status, 400);
    }
}
