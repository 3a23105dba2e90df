//! BCE auth v1 (`bce-auth-v1`): the request signature of Baidu AI Cloud.
//!
//! This crate is shared by the collector (which signs) and the simulator (which verifies),
//! so both sides of every loopback test run the same canonicalisation; the golden vectors
//! in `tests/vectors/`, generated with the official Python SDK's signer, keep that
//! canonicalisation honest.
//!
//! ```text
//! Authorization   = bce-auth-v1/{ak}/{timestamp}/{expiration}/{signedHeaders}/{signature}
//! signingKey      = hex(HMAC-SHA256(SK, "bce-auth-v1/{ak}/{timestamp}/{expiration}"))
//! signature       = hex(HMAC-SHA256(signingKey as text, canonicalRequest))
//! canonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders
//! ```
//!
//! Everything here is a pure function: the clock is a parameter.

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;
use vigil_core::Secret;

/// Every byte except RFC 3986 unreserved characters is escaped.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` (used for the path only).
const URI_ENCODE_EXCEPT_SLASH: &AsciiSet = &URI_ENCODE.remove(b'/');

/// The auth version prefix.
pub const AUTH_VERSION: &str = "bce-auth-v1";
/// The SDKs' default validity window.
pub const DEFAULT_EXPIRATION_SECONDS: u32 = 1800;
/// Headers signed in default mode besides every `x-bce-*` header.
pub const DEFAULT_SIGNED_HEADERS: [&str; 4] =
    ["host", "content-length", "content-type", "content-md5"];

/// `UriEncode`: UTF-8, unreserved kept, everything else `%XX` upper-case.
pub fn uri_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URI_ENCODE).to_string()
}

/// `UriEncodeExceptSlash`.
pub fn uri_encode_except_slash(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URI_ENCODE_EXCEPT_SLASH).to_string()
}

/// The timestamp format used in the auth string and `x-bce-date`.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parse a `yyyy-mm-ddThh:mm:ssZ` timestamp.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .map(|n| n.and_utc())
}

/// CanonicalURI of a *decoded* path: `/` kept, everything else encoded; empty becomes `/`.
pub fn canonical_uri(decoded_path: &str) -> String {
    if decoded_path.is_empty() {
        return "/".to_string();
    }
    let encoded = uri_encode_except_slash(decoded_path);
    if encoded.starts_with('/') {
        encoded
    } else {
        format!("/{encoded}")
    }
}

/// CanonicalQueryString of *decoded* (key, value) pairs: `authorization` dropped, each pair
/// encoded as `k=v` (`k=` for an empty value), sorted byte-wise, joined with `&`.
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut items: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !k.as_ref().eq_ignore_ascii_case("authorization"))
        .map(|(k, v)| format!("{}={}", uri_encode(k.as_ref()), uri_encode(v.as_ref())))
        .collect();
    items.sort();
    items.join("&")
}

/// Which headers a signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderSelection {
    /// The signed-headers field is empty: `host`, `content-length`, `content-type`,
    /// `content-md5` and every `x-bce-*` header (what the Python and Java SDKs send).
    Default,
    /// Exactly these (lower-case) names, in this order in the field (Go, JS).
    Explicit(Vec<String>),
}

impl HeaderSelection {
    /// Parse the signed-headers field of an Authorization string.
    pub fn from_field(field: &str) -> Self {
        if field.trim().is_empty() {
            HeaderSelection::Default
        } else {
            HeaderSelection::Explicit(
                field
                    .split(';')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect(),
            )
        }
    }

    /// The signed-headers field.
    pub fn field(&self) -> String {
        match self {
            HeaderSelection::Default => String::new(),
            HeaderSelection::Explicit(names) => names.join(";"),
        }
    }

    fn selects(&self, lower_name: &str) -> bool {
        match self {
            HeaderSelection::Default => {
                DEFAULT_SIGNED_HEADERS.contains(&lower_name) || lower_name.starts_with("x-bce-")
            }
            HeaderSelection::Explicit(names) => names.iter().any(|n| n == lower_name),
        }
    }
}

/// Trim the whitespace Python's `bytes.strip()` removes, which is what the reference SDK
/// trims header names and values with: space, `\t`, `\n`, `\r`, `\x0b`, `\x0c`. Non-ASCII
/// whitespace (U+00A0, U+3000, ...) at the edges is kept and encoded.
fn trim_header_whitespace(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
}

/// CanonicalHeaders: selected headers with non-empty trimmed values, as
/// `uriencode(lower(name)):uriencode(trim(value))`, sorted, joined with `\n`.
pub fn canonical_headers<K: AsRef<str>, V: AsRef<str>>(
    headers: &[(K, V)],
    selection: &HeaderSelection,
) -> String {
    let mut lines: Vec<String> = headers
        .iter()
        .filter_map(|(k, v)| {
            let name = trim_header_whitespace(k.as_ref()).to_ascii_lowercase();
            let value = trim_header_whitespace(v.as_ref());
            (selection.selects(&name) && !value.is_empty())
                .then(|| format!("{}:{}", uri_encode(&name), uri_encode(value)))
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// The request parts a signature covers. Path and query are *decoded*.
#[derive(Debug, Clone, Copy)]
pub struct RequestToSign<'a> {
    /// HTTP method (any case; upper-cased when signing).
    pub method: &'a str,
    /// The decoded path.
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// Header (name, value) pairs as sent.
    pub headers: &'a [(String, String)],
}

/// The canonical request string.
pub fn canonical_request(req: &RequestToSign<'_>, selection: &HeaderSelection) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers(req.headers, selection)
    )
}

fn hmac_hex(key: &[u8], msg: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(msg.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn signature(
    secret: &Secret,
    auth_prefix: &str,
    req: &RequestToSign<'_>,
    selection: &HeaderSelection,
) -> String {
    let signing_key = hmac_hex(secret.expose().as_bytes(), auth_prefix);
    hmac_hex(signing_key.as_bytes(), &canonical_request(req, selection))
}

/// Sign a request and return the `Authorization` header value.
pub fn sign(
    req: &RequestToSign<'_>,
    access_key_id: &str,
    secret: &Secret,
    timestamp: DateTime<Utc>,
    expiration_seconds: u32,
    selection: &HeaderSelection,
) -> String {
    let prefix = format!(
        "{AUTH_VERSION}/{access_key_id}/{}/{expiration_seconds}",
        format_timestamp(timestamp)
    );
    let sig = signature(secret, &prefix, req, selection);
    format!("{prefix}/{}/{sig}", selection.field())
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The access key id.
    pub access_key_id: String,
    /// The timestamp text as sent.
    pub timestamp_text: String,
    /// The signing time.
    pub timestamp: DateTime<Utc>,
    /// Validity window in seconds.
    pub expiration_seconds: u32,
    /// Which headers were signed.
    pub selection: HeaderSelection,
    /// The hex signature.
    pub signature: String,
}

/// Why an Authorization header was not even parseable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not six `/`-separated fields.
    #[error("the Authorization header must have 6 '/'-separated fields, found {0}")]
    FieldCount(usize),
    /// Wrong version.
    #[error("unsupported auth version {0:?}, expected bce-auth-v1")]
    Version(String),
    /// Bad timestamp.
    #[error("invalid timestamp {0:?}, expected yyyy-mm-ddThh:mm:ssZ")]
    Timestamp(String),
    /// Bad expiration.
    #[error("invalid expiration {0:?}")]
    Expiration(String),
    /// Bad signature text.
    #[error("the signature must be 64 lower-case hex characters")]
    Signature,
}

/// Parse an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, ParseError> {
    let parts: Vec<&str> = value.trim().split('/').collect();
    if parts.len() != 6 {
        return Err(ParseError::FieldCount(parts.len()));
    }
    if parts[0] != AUTH_VERSION {
        return Err(ParseError::Version(parts[0].to_string()));
    }
    let timestamp =
        parse_timestamp(parts[2]).ok_or_else(|| ParseError::Timestamp(parts[2].to_string()))?;
    let expiration_seconds: u32 = parts[3]
        .parse()
        .map_err(|_| ParseError::Expiration(parts[3].to_string()))?;
    let sig = parts[5];
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::Signature);
    }
    Ok(ParsedAuthorization {
        access_key_id: parts[1].to_string(),
        timestamp_text: parts[2].to_string(),
        timestamp,
        expiration_seconds,
        selection: HeaderSelection::from_field(parts[4]),
        signature: sig.to_ascii_lowercase(),
    })
}

/// Whether `auth` is a valid signature of `req` under `secret`, compared in constant time.
///
/// For an explicit header list this also accepts the Python SDK's quirk of signing the
/// listed headers plus every `x-bce-*` header.
pub fn verify_signature(
    auth: &ParsedAuthorization,
    req: &RequestToSign<'_>,
    secret: &Secret,
) -> bool {
    use subtle::ConstantTimeEq;
    let prefix = format!(
        "{AUTH_VERSION}/{}/{}/{}",
        auth.access_key_id, auth.timestamp_text, auth.expiration_seconds
    );
    let matches = |selection: &HeaderSelection| {
        let expected = signature(secret, &prefix, req, selection);
        bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes()))
    };
    if matches(&auth.selection) {
        return true;
    }
    if let HeaderSelection::Explicit(names) = &auth.selection {
        let mut widened = names.clone();
        for (k, _) in req.headers {
            let lower = trim_header_whitespace(k).to_ascii_lowercase();
            if lower.starts_with("x-bce-") && !widened.contains(&lower) {
                widened.push(lower);
            }
        }
        if widened.len() != names.len() {
            return matches(&HeaderSelection::Explicit(widened));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_query(pairs: &[(&str, &str)], expected: &str) {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(canonical_query(&owned), expected);
    }

    #[test]
    fn uri_encoding_follows_rfc3986_unreserved() {
        assert_eq!(
            uri_encode("a b+c*d~e/f=g&h%i:j"),
            "a%20b%2Bc%2Ad~e%2Ff%3Dg%26h%25i%3Aj"
        );
        assert_eq!(uri_encode("!'()"), "%21%27%28%29");
        assert_eq!(uri_encode("测"), "%E6%B5%8B");
        assert_eq!(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
    }

    #[test]
    fn canonical_uri_cases() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/v1/bkt/a+b=c&d"), "/v1/bkt/a%2Bb%3Dc%26d");
        assert_eq!(canonical_uri("/~user/*x* y"), "/~user/%2Ax%2A%20y");
        assert_eq!(canonical_uri("/key%2Fwith"), "/key%252Fwith");
        assert_eq!(canonical_uri("/a//b/"), "/a//b/");
    }

    #[test]
    fn canonical_query_cases() {
        check_query(&[], "");
        check_query(&[("acl", "")], "acl=");
        check_query(&[("a", "a/b")], "a=a%2Fb");
        check_query(
            &[("text", ""), ("text1", "测试"), ("text10", "test")],
            "text10=test&text1=%E6%B5%8B%E8%AF%95&text=",
        );
        check_query(&[("b", "1"), ("B", "2"), ("authorization", "x")], "B=2&b=1");
        check_query(&[("k", "2"), ("k", "1")], "k=1&k=2");
    }

    #[test]
    fn canonical_header_cases() {
        let headers: Vec<(String, String)> = [
            ("Host", "bcc.bj.baidubce.com"),
            ("X-BCE-Meta-Foo", "  a  b "),
            ("x-bce-meta-empty", "  "),
            ("Content-Length", "0"),
            ("User-Agent", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            canonical_headers(&headers, &HeaderSelection::Default),
            "content-length:0\nhost:bcc.bj.baidubce.com\nx-bce-meta-foo:a%20%20b"
        );
        assert_eq!(
            canonical_headers(&headers, &HeaderSelection::from_field("host;user-agent")),
            "host:bcc.bj.baidubce.com\nuser-agent:x"
        );
    }

    #[test]
    fn sign_and_verify_round_trip_and_detect_tampering() {
        let headers = vec![
            ("host".to_string(), "bcc.gz.baidubce.com:8080".to_string()),
            ("x-bce-date".to_string(), "2024-03-15T08:26:52Z".to_string()),
        ];
        let query = vec![("maxKeys".to_string(), "7".to_string())];
        let req = RequestToSign {
            method: "GET",
            path: "/v2/instance",
            query: &query,
            headers: &headers,
        };
        let secret = Secret::new("sk");
        let ts = parse_timestamp("2024-03-15T08:26:52Z").unwrap();
        for sel in [
            HeaderSelection::Default,
            HeaderSelection::from_field("host;x-bce-date"),
        ] {
            let auth = sign(&req, "ak", &secret, ts, 1800, &sel);
            let parsed = parse_authorization(&auth).unwrap();
            assert_eq!(parsed.selection, sel);
            assert!(verify_signature(&parsed, &req, &secret));
            assert!(!verify_signature(&parsed, &req, &Secret::new("other")));
            let other_query = vec![("maxKeys".to_string(), "8".to_string())];
            let tampered = RequestToSign {
                query: &other_query,
                ..req
            };
            assert!(!verify_signature(&parsed, &tampered, &secret));
        }
    }

    #[test]
    fn parse_rejects_malformed_headers() {
        assert_eq!(
            parse_authorization("bce-auth-v1/ak/x"),
            Err(ParseError::FieldCount(3))
        );
        assert!(matches!(
            parse_authorization("bce-auth-v2/ak/2024-03-15T08:26:52Z/1800//abc"),
            Err(ParseError::Version(_))
        ));
        assert!(matches!(
            parse_authorization("bce-auth-v1/ak/yesterday/1800//abc"),
            Err(ParseError::Timestamp(_))
        ));
    }
}
