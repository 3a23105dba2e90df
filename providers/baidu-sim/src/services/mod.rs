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
pub(crate) mod iam;
pub(crate) mod regions;
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
        Request { method, segments }
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
                    });
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "eip.bj.baidubce.com",
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
