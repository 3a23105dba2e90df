//! Where BCE services live.
//!
//! BCE separates services and regions by host name: `bcc.gz.baidubce.com`,
//! `iam.bj.baidubce.com`, `bcc.baidubce.com` (global region list). The host name is part of
//! the signature, so an endpoint override changes only the socket we connect to, never the
//! Host header: that is how the simulator (or an intercepting proxy) stands in for the cloud.

use std::net::SocketAddr;

use vigil_core::Region;

/// A resolved endpoint: the Host header to send and sign, and the base URL to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host header value (and signed `host`).
    pub host: String,
    /// `scheme://authority` to connect to.
    pub base_url: String,
}

impl Endpoint {
    /// The endpoint of `host`, through `override_addr` when set.
    pub fn new(host: String, override_addr: Option<SocketAddr>) -> Self {
        let base_url = match override_addr {
            Some(addr) => format!("http://{addr}"),
            None => format!("https://{host}"),
        };
        Endpoint { host, base_url }
    }
}

/// Where one request goes, and which concurrency limit it counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The service name limits are keyed by (`bcc`, `rds`, `bos` ...).
    pub service: &'static str,
    /// The region limits are keyed by (`global` for global endpoints).
    pub region: String,
    /// The Host name.
    pub host: String,
}

impl Target {
    /// `{label}.{region}.baidubce.com`, limited as (`service`, region).
    pub fn regional(service: &'static str, label: &str, region: &Region) -> Self {
        Target {
            service,
            region: region.to_string(),
            host: format!("{label}.{region}.baidubce.com"),
        }
    }

    /// A global endpoint, limited as (`service`, `global`).
    pub fn global(service: &'static str, host: &str) -> Self {
        Target {
            service,
            region: "global".to_string(),
            host: host.to_string(),
        }
    }
}

/// Host of a regional service: `{service}.{region}.baidubce.com`.
pub fn regional_host(service: &str, region: &Region) -> String {
    format!("{service}.{region}.baidubce.com")
}

/// Host of the global region list.
pub const GLOBAL_BCC_HOST: &str = "bcc.baidubce.com";
/// Host of IAM (global).
pub const IAM_HOST: &str = "iam.bj.baidubce.com";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_keeps_the_real_host() {
        let region = Region::new("gz").unwrap();
        let real = Endpoint::new(regional_host("bcc", &region), None);
        assert_eq!(real.host, "bcc.gz.baidubce.com");
        assert_eq!(real.base_url, "https://bcc.gz.baidubce.com");
        let sim = Endpoint::new(
            regional_host("bcc", &region),
            Some("127.0.0.1:9000".parse().unwrap()),
        );
        assert_eq!(sim.host, "bcc.gz.baidubce.com");
        assert_eq!(sim.base_url, "http://127.0.0.1:9000");
    }
}
