//! World content for classic BLB and application BLB (see [`super`]):
//! `blb_load_balancers` / `appblb_load_balancers` (list items) and `blb_listeners` /
//! `appblb_listeners` (`{blbId, listeners: [...]}`, one per load balancer), placed in the
//! region's VPC and subnets.
//!
//! Misconfigurations: public load balancers serving plain HTTP without a redirect to HTTPS,
//! HTTPS/SSL listeners that still accept TLS 1.0/1.1 (`tls_cipher_policy_default`). Clean
//! ones: HTTPS with TLS 1.2 only and certificates, HTTP redirected to HTTPS, internal-only
//! load balancers.
//!
//! The first load balancer of each region and product has every field non-empty, and so
//! has every one of its listeners.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Map, Value};

use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;
use crate::services::blb::{APP_LISTENERS, APP_LOAD_BALANCERS, LISTENERS, LOAD_BALANCERS};

/// A TLS profile: (encryptionType, encryptionProtocols, appliedCiphers).
type Tls = (&'static str, &'static [&'static str], &'static str);

const TLS12: Tls = (
    "tls_cipher_policy_1_2_secure",
    &["tlsv12"],
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
);
const TLS_DEFAULT: Tls = (
    "tls_cipher_policy_default",
    &["tlsv10", "tlsv11", "tlsv12"],
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA:DES-CBC3-SHA",
);
const TLS11: Tls = (
    "tls_cipher_policy_1_1",
    &["tlsv11", "tlsv12"],
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA",
);

/// One listener to make.
#[derive(Clone, Copy)]
enum L {
    /// Plain HTTP on a port, optionally redirected to an HTTPS port.
    Http(u16, Option<u16>),
    /// HTTPS on a port with a TLS profile.
    Https(u16, Tls),
    /// SSL (TLS-terminated TCP) on a port with a TLS profile.
    Ssl(u16, Tls),
    /// TCP.
    Tcp(u16),
    /// UDP.
    Udp(u16),
}

/// A kind of load balancer.
struct Template {
    name: &'static str,
    desc: &'static str,
    public: bool,
    listeners: &'static [L],
}

const CLASSIC: &[Template] = &[
    // The first of every region: every listener kind, HTTP redirected, TLS 1.2 only.
    Template {
        name: "web-lb",
        desc: "shop front end",
        public: true,
        listeners: &[
            L::Http(80, Some(443)),
            L::Https(443, TLS12),
            L::Ssl(8443, TLS12),
            L::Tcp(22),
            L::Udp(53),
        ],
    },
    // Public plain HTTP, no redirect.
    Template {
        name: "legacy-http-lb",
        desc: "old marketing site",
        public: true,
        listeners: &[L::Http(80, None), L::Http(8080, None)],
    },
    // Public HTTPS accepting TLS 1.0 and 1.1.
    Template {
        name: "partner-api-lb",
        desc: "partner API",
        public: true,
        listeners: &[L::Http(80, Some(443)), L::Https(443, TLS_DEFAULT)],
    },
    // Internal only.
    Template {
        name: "internal-lb",
        desc: "intranet only",
        public: false,
        listeners: &[L::Tcp(3306), L::Http(8080, None)],
    },
    // Public, TLS 1.2 HTTPS and SSL: clean.
    Template {
        name: "secure-gw-lb",
        desc: "payment gateway",
        public: true,
        listeners: &[L::Https(443, TLS12), L::Ssl(9443, TLS12)],
    },
    // Public SSL listener with TLS 1.1 and a TCP port.
    Template {
        name: "mqtt-lb",
        desc: "device gateway",
        public: true,
        listeners: &[L::Ssl(8883, TLS11), L::Tcp(1883)],
    },
];

const APPLICATION: &[Template] = &[
    Template {
        name: "api-gateway-alb",
        desc: "public API",
        public: true,
        listeners: &[
            L::Http(80, Some(443)),
            L::Https(443, TLS12),
            L::Ssl(8443, TLS12),
            L::Tcp(9000),
            L::Udp(9001),
        ],
    },
    Template {
        name: "console-alb",
        desc: "admin console",
        public: true,
        listeners: &[L::Http(80, Some(443)), L::Https(443, TLS_DEFAULT)],
    },
    Template {
        name: "static-alb",
        desc: "static assets",
        public: true,
        listeners: &[L::Http(80, None)],
    },
    Template {
        name: "svc-mesh-alb",
        desc: "internal services",
        public: false,
        listeners: &[L::Http(8080, None), L::Tcp(9090)],
    },
    Template {
        name: "checkout-alb",
        desc: "checkout",
        public: true,
        listeners: &[L::Http(80, Some(443)), L::Https(443, TLS12)],
    },
];

/// Which flavour is being made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Classic,
    Application,
}

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let mut seen = HashSet::new();
    // Demo templates are distinct, so their names need no number.
    let plain = scale == Scale::Demo;
    let classic: Vec<usize> = match scale {
        Scale::Demo if cx.region_index.is_multiple_of(2) => vec![0, 1, 2, 3],
        Scale::Demo => vec![0, 4, 5, 3],
        Scale::Generated(n) => pick_templates(rng, n, CLASSIC.len()),
    };
    let application: Vec<usize> = match scale {
        Scale::Demo if cx.region_index.is_multiple_of(2) => vec![0, 1, 2],
        Scale::Demo => vec![0, 2, 3],
        Scale::Generated(n) => pick_templates(rng, n, APPLICATION.len()),
    };
    for (kind, templates, chosen, lbs, listeners) in [
        (Kind::Classic, CLASSIC, classic, LOAD_BALANCERS, LISTENERS),
        (
            Kind::Application,
            APPLICATION,
            application,
            APP_LOAD_BALANCERS,
            APP_LISTENERS,
        ),
    ] {
        let mut items = Vec::new();
        let mut entries = Vec::new();
        for (n, t) in chosen.into_iter().enumerate() {
            let (lb, ls) = load_balancer(cx, rng, &mut seen, kind, n, &templates[t], plain);
            entries.push(json!({"blbId": lb["blbId"], "listeners": ls}));
            items.push(lb);
        }
        out.insert(lbs.to_string(), items);
        out.insert(listeners.to_string(), entries);
    }
}

fn pick_templates(rng: &mut StdRng, n: usize, len: usize) -> Vec<usize> {
    (0..n)
        .map(|i| if i == 0 { 0 } else { rng.index(len) })
        .collect()
}

/// An address in a subnet: its CIDR with the last octet replaced.
fn host_in(cidr: &str, host: u64) -> String {
    let base = cidr.split('/').next().unwrap_or(cidr);
    match base.rsplit_once('.') {
        Some((prefix, _)) => format!("{prefix}.{}", 2 + host % 250),
        None => base.to_string(),
    }
}

fn cert_id(rng: &mut StdRng) -> String {
    format!("cert-{}", rng.lower36(12))
}

/// One load balancer and its listeners.
fn load_balancer(
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    kind: Kind,
    n: usize,
    t: &Template,
    plain_name: bool,
) -> (Value, Vec<Value>) {
    // The first load balancer of a region is fully populated.
    let full = n == 0;
    let id = loop {
        let id = format!("lb-{}", rng.hex(8));
        if seen.insert(id.clone()) {
            break id;
        }
    };
    let name = if plain_name {
        t.name.to_string()
    } else {
        format!("{}-{:03}", t.name, n + 1)
    };
    let octet = 16 + cx.region_index % 200;
    let (vpc_id, subnet_id, cidr) = match cx.subnets.get(n % cx.subnets.len().max(1)) {
        Some((subnet, vpc, _, cidr)) => (vpc.clone(), subnet.clone(), cidr.clone()),
        None => (
            cx.vpc_ids
                .first()
                .cloned()
                .unwrap_or_else(|| format!("vpc-{}", rng.lower36(12))),
            format!("sbn-{}", rng.lower36(12)),
            format!("10.{octet}.0.0/24"),
        ),
    };
    // Classic and application load balancers share subnets: distinct address ranges.
    let offset = if kind == Kind::Classic { 100 } else { 150 };
    let address = host_in(&cidr, offset + n as u64);
    let public_ip = if t.public {
        format!(
            "106.{}.{}.{}",
            12 + rng.below(4),
            rng.below(256),
            1 + rng.below(254)
        )
    } else {
        String::new()
    };
    let status = if full || rng.chance(92) {
        "available"
    } else {
        "paused"
    };
    let env = *rng.pick(&["prod", "staging", "dev"]);
    let tags = if full || rng.chance(50) {
        json!([{ "tagKey": "env", "tagValue": env }])
    } else {
        json!([])
    };
    // Exclusive (dedicated) clusters only on the first one.
    let (l4, l7) = if full {
        (
            format!("blbc-{}", rng.lower36(8)),
            format!("blbc-{}", rng.lower36(8)),
        )
    } else {
        (String::new(), String::new())
    };
    let mut lb = Map::new();
    for (k, v) in [
        ("blbId", json!(id)),
        ("name", json!(name)),
        (
            "desc",
            json!(if full || rng.chance(50) { t.desc } else { "" }),
        ),
        ("address", json!(address)),
        ("status", json!(status)),
        ("vpcId", json!(vpc_id)),
        ("subnetId", json!(subnet_id)),
        ("publicIp", json!(public_ip)),
        ("layer4ClusterId", json!(l4)),
        ("layer7ClusterId", json!(l7)),
        ("tags", tags),
        ("eipRouteType", json!(if t.public { "BGP" } else { "" })),
        ("allowDelete", json!(!full)),
        ("layer4ClusterExclusive", json!(full)),
        ("layer7ClusterExclusive", json!(full)),
    ] {
        lb.insert(k.to_string(), v);
    }
    if kind == Kind::Application {
        let v6 = full || (t.public && rng.chance(20));
        let prepaid = full || rng.chance(30);
        for (k, v) in [
            (
                "publicIpv6",
                json!(if v6 {
                    format!("240c:4006:{:x}::{:x}", 0x8000 + cx.region_index, 100 + n)
                } else {
                    String::new()
                }),
            ),
            ("eipV6RouteType", json!(if v6 { "BGP" } else { "" })),
            (
                "paymentTiming",
                json!(if prepaid { "Prepaid" } else { "Postpaid" }),
            ),
            ("billingMethod", json!("BySpec")),
        ] {
            lb.insert(k.to_string(), v);
        }
    }
    let listeners = t
        .listeners
        .iter()
        .map(|l| listener(rng, kind, full, *l))
        .collect();
    (Value::Object(lb), listeners)
}

/// One listener object, as the "all listeners" call returns it (with `listenerType`).
fn listener(rng: &mut StdRng, kind: Kind, full: bool, l: L) -> Value {
    let classic = kind == Kind::Classic;
    let mut m = Map::new();
    let mut set = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    let (port, protocol) = match l {
        L::Http(p, _) => (p, "HTTP"),
        L::Https(p, _) => (p, "HTTPS"),
        L::Ssl(p, _) => (p, "SSL"),
        L::Tcp(p) => (p, "TCP"),
        L::Udp(p) => (p, "UDP"),
    };
    set("listenerPort", json!(port));
    set("listenerType", json!(protocol));
    if classic {
        let backend = match l {
            L::Http(..) | L::Https(..) => 8080,
            _ => port,
        };
        set("backendPort", json!(backend));
    }
    let scheduler = match l {
        L::Tcp(_) | L::Udp(_) if full || rng.chance(50) => "LeastConnection",
        _ => "RoundRobin",
    };
    set("scheduler", json!(scheduler));
    let layer7 = matches!(l, L::Http(..) | L::Https(..));
    if layer7 {
        set("keepSession", json!(full));
        if full {
            set("keepSessionType", json!("insert"));
            set("keepSessionDuration", json!(3600));
        }
        set("xForwardFor", json!(true));
        set("xForwardedProto", json!(matches!(l, L::Https(..))));
        set("serverTimeout", json!(30));
    }
    if classic {
        let check = match l {
            L::Http(..) | L::Https(..) => "HTTP",
            L::Udp(_) => "UDP",
            _ => "TCP",
        };
        set("healthCheckType", json!(check));
        set("healthCheckTimeoutInSecond", json!(3));
        set("healthCheckInterval", json!(3));
        set("unhealthyThreshold", json!(3));
        set("healthyThreshold", json!(3));
        match l {
            L::Http(..) | L::Https(..) => {
                set("healthCheckURI", json!("/healthz"));
                set("healthCheckNormalStatus", json!("http_2xx|http_3xx"));
            }
            L::Udp(_) => set("healthCheckString", json!("ping")),
            _ => {}
        }
    }
    match l {
        L::Tcp(_) => set("tcpSessionTimeout", json!(900)),
        L::Udp(_) => set("udpSessionTimeout", json!(90)),
        L::Http(_, Some(redirect)) => set("redirectPort", json!(redirect)),
        _ => {}
    }
    if let L::Https(_, tls) | L::Ssl(_, tls) = l {
        let (encryption, versions, ciphers) = tls;
        set("certIds", json!([cert_id(rng)]));
        if matches!(l, L::Https(..)) {
            let domains = if full {
                json!([{"certId": cert_id(rng), "host": "static.example.com"}])
            } else {
                json!([])
            };
            set("additionalCertDomains", domains);
        }
        set("encryptionType", json!(encryption));
        set("encryptionProtocols", json!(versions));
        set("appliedCiphers", json!(ciphers));
        set("dualAuth", json!(full));
        let client_certs = if full {
            json!([cert_id(rng)])
        } else {
            json!([])
        };
        set("clientCertIds", client_certs);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn leaves_non_empty(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty() && a.iter().all(leaves_non_empty),
            Value::Object(m) => !m.is_empty() && m.values().all(leaves_non_empty),
            _ => true,
        }
    }

    #[test]
    fn the_first_load_balancers_and_their_listeners_are_fully_populated() {
        let cx = RegionContext {
            region: "bj",
            zones: vec!["cn-bj-a".into()],
            vpc_ids: vec!["vpc-1".into()],
            subnets: vec![(
                "sbn-1".into(),
                "vpc-1".into(),
                "cn-bj-a".into(),
                "10.16.0.0/24".into(),
            )],
            ..Default::default()
        };
        let mut rng = StdRng::seed_from_u64(3);
        let mut out = Collections::new();
        populate(&mut out, &cx, &mut rng, Scale::Generated(6));
        for (lbs, listeners, address) in [
            (LOAD_BALANCERS, LISTENERS, "10.16.0.102"),
            (APP_LOAD_BALANCERS, APP_LISTENERS, "10.16.0.152"),
        ] {
            assert_eq!(out[lbs].len(), 6);
            assert!(leaves_non_empty(&out[lbs][0]), "{:#}", out[lbs][0]);
            assert!(
                leaves_non_empty(&out[listeners][0]),
                "{:#}",
                out[listeners][0]
            );
            assert_eq!(out[lbs][0]["address"], address);
            for (lb, entry) in out[lbs].iter().zip(&out[listeners]) {
                assert_eq!(lb["blbId"], entry["blbId"]);
            }
        }
        let ids: HashSet<&str> = out[LOAD_BALANCERS]
            .iter()
            .chain(&out[APP_LOAD_BALANCERS])
            .map(|lb| lb["blbId"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 12, "ids are unique across both products");
    }
}
