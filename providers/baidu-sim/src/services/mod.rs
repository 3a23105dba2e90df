//! Host routing and the per-service handlers.
//!
//! A request is routed in two steps:
//!
//! 1. its `Host` picks a [`HostEntry`] from [`HOSTS`] (and, for regional hosts, the region);
//! 2. each of that host's route functions is asked in turn whether it knows
//!    `(method, path segments)`; the first [`Operation`] returned is run.
//!
//! An [`Operation`] names the IAM service and action it needs (so authorisation is done
//! once, by the server, for every service) and carries the handler. Adding a product is:
//! write `services/<product>.rs` with a `route` function, add a row to [`HOSTS`].

use serde_json::Value;

use crate::api::{ApiResult, Query};
use crate::world::Account;

pub(crate) mod bcc;
pub(crate) mod blb;
pub(crate) mod bos;
pub(crate) mod eip;
pub(crate) mod iam;
pub(crate) mod kafka;
pub(crate) mod mongodb;
pub(crate) mod rds;
pub(crate) mod regions;
pub(crate) mod scs;
pub(crate) mod vpc;

/// What a handler sees.
pub(crate) struct Ctx<'a> {
    /// The calling account.
    pub account: &'a Account,
    /// The region of a regional host; `None` on global hosts.
    pub region: Option<&'a str>,
    /// Decoded query parameters.
    pub query: &'a Query,
    /// The request body.
    pub body: &'a [u8],
}

impl<'a> Ctx<'a> {
    /// The raw items of a collection in the request's region.
    pub(crate) fn items(&self, collection: &str) -> &'a [Value] {
        self.account
            .collection(self.region.unwrap_or_default(), collection)
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Authz {
    /// Checked against the caller's IAM policies.
    Policy,
    /// Any authenticated key (e.g. `describeRegions`).
    AnyAuthenticated,
}

/// A routed API call.
pub(crate) struct Operation<'a> {
    /// The IAM service the call belongs to (`bcc`, `vpc`, `iam`, ...).
    pub service: &'static str,
    /// The action name, e.g. `DescribeInstances`.
    pub action: &'static str,
    /// The resource id of a detail call.
    pub resource: Option<&'a str>,
    pub authz: Authz,
    pub run: Box<dyn FnOnce(&Ctx<'_>) -> ApiResult + 'a>,
}

impl<'a> Operation<'a> {
    pub(crate) fn new(
        service: &'static str,
        action: &'static str,
        resource: Option<&'a str>,
        run: impl FnOnce(&Ctx<'_>) -> ApiResult + 'a,
    ) -> Self {
        Operation {
            service,
            action,
            resource,
            authz: Authz::Policy,
            run: Box::new(run),
        }
    }

    pub(crate) fn any_authenticated(mut self) -> Self {
        self.authz = Authz::AnyAuthenticated;
        self
    }
}

/// The method and decoded path of a request.
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// Path segments of the decoded path, without the leading `/` (a trailing `/` is
    /// ignored).
    pub segments: Vec<&'a str>,
    /// The decoded query, for APIs told apart by a query key (BOS `?acl`, `?logging`, ...).
    pub query: Option<&'a Query>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(method: &'a str, decoded_path: &'a str) -> Self {
        let trimmed = decoded_path.trim_start_matches('/');
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        Request {
            method,
            segments,
            query: None,
        }
    }

    /// The same request with its query attached.
    pub(crate) fn with_query(mut self, query: &'a Query) -> Self {
        self.query = Some(query);
        self
    }

    /// Whether the query has this key (with or without a value: `?acl`, `?acl=`).
    pub(crate) fn has_query_key(&self, key: &str) -> bool {
        self.query.is_some_and(|q| q.get(key).is_some())
    }
}

/// A route function: the operation for a request, or `None` when it does not know it.
pub(crate) type RouteFn = for<'a> fn(&Request<'a>) -> Option<Operation<'a>>;

/// How a host name is matched.
#[derive(Debug)]
pub(crate) enum HostPattern {
    /// `{label}.{region}.baidubce.com`.
    Regional(&'static str),
    /// Exactly this name (global endpoints).
    Exact(&'static str),
    /// BOS path style, `{region}.bcebos.com`: the bucket is the first path segment.
    BosPathStyle,
    /// BOS virtual-host style, `{bucket}.{region}.bcebos.com`: the bucket comes from the
    /// host and is put in front of the path before routing (see [`Target::bucket`]).
    BosVirtualHost,
}

/// One API endpoint family.
pub(crate) struct HostEntry {
    pub pattern: HostPattern,
    /// The service name faults match on (`bcc`, `iam`).
    pub service: &'static str,
    /// Asked in order.
    pub routes: &'static [RouteFn],
}

/// Every endpoint the simulator answers.
pub(crate) static HOSTS: &[HostEntry] = &[
    HostEntry {
        pattern: HostPattern::Regional("bcc"),
        service: "bcc",
        routes: &[bcc::route, vpc::route, regions::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("eip"),
        service: "eip",
        routes: &[eip::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("rds"),
        service: "rds",
        routes: &[rds::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("redis"),
        service: "scs",
        routes: &[scs::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("kafka"),
        service: "kafka",
        routes: &[kafka::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("mongodb"),
        service: "mongodb",
        routes: &[mongodb::route],
    },
    HostEntry {
        pattern: HostPattern::Regional("blb"),
        service: "blb",
        routes: &[blb::route],
    },
    HostEntry {
        pattern: HostPattern::BosPathStyle,
        service: "bos",
        routes: &[bos::route],
    },
    HostEntry {
        pattern: HostPattern::BosVirtualHost,
        service: "bos",
        routes: &[bos::route],
    },
    HostEntry {
        pattern: HostPattern::Exact("bcc.baidubce.com"),
        service: "bcc",
        routes: &[regions::route],
    },
    HostEntry {
        pattern: HostPattern::Exact("iam.bj.baidubce.com"),
        service: "iam",
        routes: &[iam::route],
    },
    HostEntry {
        pattern: HostPattern::Exact("iam.baidubce.com"),
        service: "iam",
        routes: &[iam::route],
    },
];

/// A resolved host.
pub(crate) struct Target {
    pub entry: &'static HostEntry,
    pub region: Option<String>,
    /// The bucket named by a BOS virtual-host name; routing sees the path `/{bucket}{path}`.
    pub bucket: Option<String>,
}

impl Target {
    pub(crate) fn route<'a>(&self, request: &Request<'a>) -> Option<Operation<'a>> {
        self.entry.routes.iter().find_map(|route| route(request))
    }
}

/// The host name without `:port`, lower-cased, without a trailing dot.
pub(crate) fn normalise_host(host: &str) -> String {
    let host = host.trim();
    let without_port = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

/// Which endpoint a `Host` header names.
pub(crate) fn resolve_host(host: &str) -> Option<Target> {
    let host = normalise_host(host);
    for entry in HOSTS {
        match entry.pattern {
            HostPattern::Exact(name) if host == name => {
                return Some(Target {
                    entry,
                    region: None,
                    bucket: None,
                })
            }
            HostPattern::Regional(label) => {
                let Some(rest) = host
                    .strip_prefix(label)
                    .and_then(|r| r.strip_prefix('.'))
                    .and_then(|r| r.strip_suffix(".baidubce.com"))
                else {
                    continue;
                };
                if vigil_core::Region::new(rest).is_ok() {
                    return Some(Target {
                        entry,
                        region: Some(rest.to_string()),
                        bucket: None,
                    });
                }
            }
            HostPattern::BosPathStyle | HostPattern::BosVirtualHost => {
                if let Some(target) = bos_host(entry, &host) {
                    return Some(target);
                }
            }
            _ => {}
        }
    }
    None
}

/// `{region}.bcebos.com` (path style) or `{bucket}.{region}.bcebos.com` (virtual host), as
/// `entry`'s pattern asks. BOS bucket names are lower-case letters, digits and `-`.
fn bos_host(entry: &'static HostEntry, host: &str) -> Option<Target> {
    let labels: Vec<&str> = host.strip_suffix(".bcebos.com")?.split('.').collect();
    let (bucket, region) = match (&entry.pattern, labels.as_slice()) {
        (HostPattern::BosPathStyle, [region]) => (None, *region),
        (HostPattern::BosVirtualHost, [bucket, region]) => (Some(*bucket), *region),
        _ => return None,
    };
    let bucket_ok = bucket.is_none_or(|b| {
        !b.is_empty()
            && b.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    });
    (bucket_ok && vigil_core::Region::new(region).is_ok()).then(|| Target {
        entry,
        region: Some(region.to_string()),
        bucket: bucket.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bos_hosts_resolve_in_both_styles() {
        let t = resolve_host("gz.bcebos.com").unwrap();
        assert_eq!(t.entry.service, "bos");
        assert_eq!(t.region.as_deref(), Some("gz"));
        assert_eq!(t.bucket, None);
        let t = resolve_host("My-Bucket-1.bj.bcebos.com:8080").unwrap();
        assert_eq!(t.entry.service, "bos");
        assert_eq!(t.region.as_deref(), Some("bj"));
        assert_eq!(t.bucket.as_deref(), Some("my-bucket-1"));
        for bad in [
            "bcebos.com",
            ".bj.bcebos.com",
            "a.b.bj.bcebos.com",
            "a_b.bj.bcebos.com",
            "bj.bcebos.com.evil.com",
            "bj.bcebos.net",
        ] {
            assert!(resolve_host(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn hosts_resolve_with_ports_and_case() {
        let t = resolve_host("BCC.gz.baidubce.com:8080").unwrap();
        assert_eq!(t.entry.service, "bcc");
        assert_eq!(t.region.as_deref(), Some("gz"));
        let t = resolve_host("bcc.baidubce.com").unwrap();
        assert_eq!(t.region, None);
        assert_eq!(t.entry.routes.len(), 1);
        assert_eq!(
            resolve_host("iam.bj.baidubce.com.").unwrap().entry.service,
            "iam"
        );
        assert_eq!(
            resolve_host("iam.baidubce.com:80").unwrap().entry.service,
            "iam"
        );
        for bad in [
            "example.com",
            "bcc.bj.evil.com",
            "bcc..baidubce.com",
            "bcc.a.b.baidubce.com",
            "eip.bj.baidubce.com.cn",
            "127.0.0.1:80",
            "[::1]:80",
            "",
        ] {
            assert!(resolve_host(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn request_segments() {
        assert_eq!(
            Request::new("GET", "/v2/instance/").segments,
            ["v2", "instance"]
        );
        assert!(Request::new("GET", "/").segments.is_empty());
        assert_eq!(
            Request::new("GET", "/v1/user/a b").segments,
            ["v1", "user", "a b"]
        );
    }
}
