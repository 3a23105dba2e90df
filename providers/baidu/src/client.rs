//! The signing, read-only BCE HTTP client.
//!
//! It exposes only `get` and the one read API that uses POST (`describeRegions`), so a
//! collector cannot issue a mutating call by accident. Every request is signed fresh (a
//! retried request gets a new timestamp, as the SDKs do), carries the real Host header, and
//! every failure becomes a [`vigil_core::Error`] with kind, status, vendor code and request id.
//!
//! Each request holds a slot of the connection's (service, region) concurrency limit while it
//! is in flight, so list calls and the child calls they fan out into share one bound.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use vigil_baidu_auth::{self as auth, HeaderSelection, RequestToSign};
use vigil_core::limit::Limits;
use vigil_core::retry::RetryConfig;
use vigil_core::{AccessKey, Error, ErrorKind, ProviderContext, Result};

use crate::endpoint::{Endpoint, Target};

const CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// Context key of the cloud's clock minus this machine's, in whole seconds (on
/// `RequestExpired` errors whose response carried a `Date` header).
pub const CONTEXT_CLOCK_SKEW: &str = "clock_skew_seconds";
/// Context key of the cloud's time (RFC 3339) from a `Date` header.
pub const CONTEXT_CLOUD_TIME: &str = "cloud_time";

/// A BCE client for one connection.
#[derive(Clone)]
pub struct BceClient {
    http: reqwest::Client,
    credential: Arc<AccessKey>,
    override_addr: Option<std::net::SocketAddr>,
    limits: Arc<Limits>,
    retry: RetryConfig,
    details: bool,
}

impl std::fmt::Debug for BceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BceClient")
            .field("credential", &self.credential)
            .field("override_addr", &self.override_addr)
            .finish()
    }
}

/// A successful response: the JSON body and the request id.
#[derive(Debug, Clone)]
pub struct Response {
    /// Parsed body.
    pub body: Value,
    /// `x-bce-request-id`.
    pub request_id: Option<String>,
}

impl BceClient {
    /// A client for the connection in `cx`.
    pub fn new(cx: &ProviderContext) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(cx.options.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::new(ErrorKind::Config, format!("cannot build HTTP client: {e}")))?;
        Ok(BceClient {
            http,
            credential: cx.credential.clone(),
            override_addr: cx.endpoint_override,
            limits: cx.limits.clone(),
            retry: cx.options.retry,
            details: cx.options.details,
        })
    }

    /// Whether per-asset child calls are wanted (off for verification probes).
    pub fn details_enabled(&self) -> bool {
        self.details
    }

    /// The connection's retry policy (for child calls, which are retried one by one).
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// The endpoint for a host, honouring the override.
    pub fn endpoint(&self, host: String) -> Endpoint {
        Endpoint::new(host, self.override_addr)
    }

    /// `GET` a JSON resource (one attempt; callers retry).
    pub async fn get(
        &self,
        target: &Target,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Response> {
        self.send(reqwest::Method::GET, target, path, query, None)
            .await
    }

    /// `POST /v2/region/describeRegions`: a read API that BCE exposes as POST.
    pub async fn describe_regions(&self, target: &Target) -> Result<Response> {
        let body = serde_json::json!({ "region": "" }).to_string();
        self.send(
            reqwest::Method::POST,
            target,
            "/v2/region/describeRegions",
            &[],
            Some(body),
        )
        .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        target: &Target,
        path: &str,
        query: &[(String, String)],
        body: Option<String>,
    ) -> Result<Response> {
        // Held until the response body is read: the limit bounds requests in flight.
        let _slot = self.limits.acquire(target.service, &target.region).await;
        let endpoint = self.endpoint(target.host.clone());
        let now = chrono::Utc::now();
        let date = auth::format_timestamp(now);
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), endpoint.host.clone()),
            ("x-bce-date".into(), date.clone()),
            ("content-type".into(), CONTENT_TYPE.into()),
        ];
        if let Some(token) = &self.credential.session_token {
            headers.push(("x-bce-security-token".into(), token.expose().to_string()));
        }
        let selection =
            HeaderSelection::Explicit(headers.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>());
        let authorization = auth::sign(
            &RequestToSign {
                method: method.as_str(),
                path,
                query,
                headers: &headers,
            },
            &self.credential.access_key_id,
            &self.credential.secret_access_key,
            now,
            auth::DEFAULT_EXPIRATION_SECONDS,
            &selection,
        );

        let mut url = format!(
            "{}{}",
            endpoint.base_url,
            auth::uri_encode_except_slash(path)
        );
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", auth::uri_encode(k), auth::uri_encode(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }

        let mut auth_value =
            reqwest::header::HeaderValue::from_str(&authorization).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    "the access key id contains characters not allowed in an HTTP header",
                )
            })?;
        auth_value.set_sensitive(true);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header(reqwest::header::HOST, &endpoint.host)
            .header("x-bce-date", &date)
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(reqwest::header::AUTHORIZATION, auth_value);
        if let Some(token) = &self.credential.session_token {
            let mut v = reqwest::header::HeaderValue::from_str(token.expose()).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    "the session token is not a valid header value",
                )
            })?;
            v.set_sensitive(true);
            request = request.header("x-bce-security-token", v);
        }
        if let Some(body) = body {
            request = request.body(body);
        }

        let op = format!("{method} {}{path}", endpoint.host);
        let response = request.send().await.map_err(|e| transport_error(&e, &op))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("x-bce-request-id");
        let error_headers = ErrorHeaders {
            date: header(reqwest::header::DATE.as_str()),
        };
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e, &op))?;
        if status >= 400 {
            let e = api_error(status, &bytes, request_id.as_deref(), &op);
            return Err(refine_error(e, &error_headers, Utc::now()));
        }
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!("{op} returned a body that is not JSON: {e}"),
                )
                .with_status(status)
                .with_request_id(request_id.clone().unwrap_or_default())
            })?
        };
        Ok(Response { body, request_id })
    }
}

fn transport_error(e: &reqwest::Error, op: &str) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Network
    };
    // reqwest's Display names the URL, which never contains a secret (signature is a header).
    Error::new(kind, format!("{op} failed: {e}"))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

/// The response headers that refine an error (see [`refine_error`]).
#[derive(Debug, Clone, Default)]
pub struct ErrorHeaders {
    /// `Date`: the cloud's clock.
    pub date: Option<String>,
}

/// The same error with another kind and message, keeping status, code, request id, retries and
/// context.
pub fn rekind(e: &Error, kind: ErrorKind, message: String) -> Error {
    let mut out = Error::new(kind, message).with_retries(e.retries());
    if let Some(status) = e.status() {
        out = out.with_status(status);
    }
    if let Some(code) = e.code() {
        out = out.with_code(code);
    }
    if let Some(id) = e.request_id() {
        out = out.with_request_id(id);
    }
    for (k, v) in e.context() {
        out = out.with_context(k, v.clone());
    }
    out
}

/// Parse an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "your clock is 3600 s behind the cloud's" for `skew` = cloud − local seconds.
pub fn describe_clock_skew(skew_seconds: i64) -> String {
    match skew_seconds {
        0 => {
            "your clock agrees with the cloud's (to the second), so it is not the cause".to_string()
        }
        s if s > 0 => format!("your clock is {s} s behind the cloud's"),
        s => format!("your clock is {} s ahead of the cloud's", -s),
    }
}

/// What the response headers add to a classified error, decided by code and header values
/// (never by message text): `RequestExpired` with a `Date` header gets the cloud's time and the
/// clock skew against `local_now` in its message ("your clock is 3600 s behind the cloud's")
/// and context (`cloud_time`, `clock_skew_seconds`).
///
/// A disabled key is not told apart from an unknown one here: BCE answers both with `403
/// InvalidAccessKeyId` and documents no other signal (see docs/providers/baidu/verification.md),
/// and the client only acts on what the real cloud sends.
pub fn refine_error(e: Error, headers: &ErrorHeaders, local_now: DateTime<Utc>) -> Error {
    match e.kind() {
        ErrorKind::RequestExpired => {
            let Some(cloud) = headers.date.as_deref().and_then(parse_http_date) else {
                return e;
            };
            // `Date` has whole seconds: compare with the local clock truncated the same way.
            let skew = cloud.timestamp() - local_now.timestamp();
            let message = format!(
                "{}; the cloud's clock reads {} while this machine's reads {}: {}",
                e.message(),
                cloud.format("%Y-%m-%dT%H:%M:%SZ"),
                local_now.format("%Y-%m-%dT%H:%M:%SZ"),
                describe_clock_skew(skew)
            );
            rekind(&e, ErrorKind::RequestExpired, message)
                .with_context(
                    CONTEXT_CLOUD_TIME,
                    cloud.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                )
                .with_context(CONTEXT_CLOCK_SKEW, skew.to_string())
        }
        _ => e,
    }
}

/// Classify a BCE error response. Decisions use the status and the vendor code, never the
/// message text.
pub fn api_error(status: u16, body: &[u8], header_request_id: Option<&str>, op: &str) -> Error {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let code = parsed.code.clone().unwrap_or_else(|| match status {
        400 => "InvalidHTTPRequest".into(),
        403 => "AccessDenied".into(),
        404 => "NoSuchObject".into(),
        412 => "PreconditionFailed".into(),
        500 => "InternalError".into(),
        _ => format!("Http{status}"),
    });
    let kind = match code.as_str() {
        "InvalidAccessKeyId" => ErrorKind::InvalidCredentials,
        "SignatureDoesNotMatch" => ErrorKind::SignatureMismatch,
        "RequestExpired" => ErrorKind::RequestExpired,
        "AccessDenied" => ErrorKind::PermissionDenied,
        "UnknownHost" => ErrorKind::UnknownRegion,
        c if c.contains("LimitExceeded") || c.contains("Throttl") => ErrorKind::Throttled,
        _ => match status {
            429 => ErrorKind::Throttled,
            404 => ErrorKind::NotFound,
            421 => ErrorKind::UnknownRegion,
            408 => ErrorKind::Timeout,
            s if s >= 500 => ErrorKind::ServerError,
            _ => ErrorKind::BadRequest,
        },
    };
    let message = parsed
        .message
        .unwrap_or_else(|| format!("HTTP {status} with no error message"));
    let request_id = parsed
        .request_id
        .or_else(|| header_request_id.map(str::to_string))
        .unwrap_or_default();
    Error::new(kind, format!("{op}: {message}"))
        .with_status(status)
        .with_code(code)
        .with_request_id(request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, kind: ErrorKind, retryable: bool) {
        let e = api_error(
            status,
            body.as_bytes(),
            Some("hdr-id"),
            "GET bcc.bj.baidubce.com/v2/instance",
        );
        assert_eq!(e.kind(), kind, "{status} {body}");
        assert_eq!(e.is_retryable(), retryable, "{status} {body}");
    }

    #[test]
    fn classifies_captured_error_bodies() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/errors");
        let cases = [
            (
                "access_denied.json",
                403,
                ErrorKind::PermissionDenied,
                false,
            ),
            (
                "invalid_access_key_id.json",
                403,
                ErrorKind::InvalidCredentials,
                false,
            ),
            (
                "signature_does_not_match.json",
                400,
                ErrorKind::SignatureMismatch,
                false,
            ),
            (
                "request_expired.json",
                400,
                ErrorKind::RequestExpired,
                false,
            ),
            ("internal_error.json", 500, ErrorKind::ServerError, true),
            (
                "service_unavailable.json",
                503,
                ErrorKind::ServerError,
                true,
            ),
            ("throttling.json", 429, ErrorKind::Throttled, true),
            ("no_such_instance.json", 404, ErrorKind::NotFound, false),
        ];
        for (file, status, kind, retryable) in cases {
            let body = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            check(status, &body, kind, retryable);
            let e = api_error(status, body.as_bytes(), None, "op");
            let v: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(e.code(), v["code"].as_str());
            assert_eq!(e.request_id(), v["requestId"].as_str(), "{file}");
        }
    }

    #[test]
    fn request_expired_reports_the_clock_skew_from_the_date_header() {
        let body = br#"{"requestId":"r","code":"RequestExpired","message":"Request has expired. Timestamp date is 2024-05-01T10:00:00Z."}"#;
        let local = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.700Z")
            .unwrap()
            .with_timezone(&Utc);
        let expired = api_error(400, body, None, "op");
        for (date, skew, words) in [
            (
                "Wed, 01 May 2024 11:00:00 GMT",
                3600,
                "your clock is 3600 s behind the cloud's",
            ),
            (
                "Wed, 01 May 2024 09:30:00 GMT",
                -1800,
                "your clock is 1800 s ahead of the cloud's",
            ),
            (
                "Wed, 01 May 2024 10:00:00 GMT",
                0,
                "your clock agrees with the cloud's",
            ),
        ] {
            let headers = ErrorHeaders {
                date: Some(date.into()),
            };
            let e = refine_error(expired.clone(), &headers, local);
            assert_eq!(e.kind(), ErrorKind::RequestExpired);
            assert!(e.message().contains(words), "{e}");
            assert!(e
                .context()
                .contains(&(CONTEXT_CLOCK_SKEW, skew.to_string())));
            assert_eq!(e.code(), Some("RequestExpired"));
        }
        // No or unparsable Date: unchanged.
        let bad = ErrorHeaders {
            date: Some("yesterday".into()),
        };
        let e = refine_error(expired.clone(), &bad, local);
        assert_eq!(e.message(), expired.message());
        assert!(e.context().is_empty());
    }

    #[test]
    fn empty_bodies_get_the_go_sdk_codes() {
        check(403, "", ErrorKind::PermissionDenied, false);
        check(500, "", ErrorKind::ServerError, true);
        let e = api_error(403, b"", Some("hdr-id"), "op");
        assert_eq!(e.code(), Some("AccessDenied"));
        assert_eq!(e.request_id(), Some("hdr-id"));
    }
}
