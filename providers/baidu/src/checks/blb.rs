//! Checks: load balancers (catalog section I) over `baidu_blb_load_balancer` (classic BLB) and
//! `baidu_appblb_load_balancer` (application BLB); every check reads both kinds.
//!
//! Data (docs/providers/baidu/{blb,appblb}.md): the `DescribeLoadBalancers` item (`publicIp`,
//! `publicIpv6` for application BLB, `allowDelete`, `tags[]`) and the `listeners` child call
//! (`{"listenerList": [{listenerPort, listenerType, redirectPort, encryptionType,
//! encryptionProtocols[], ...}]}`, every listener of every type). Listener ACLs are not
//! collected (no read API confirmed: catalog VERIFY).

use serde_json::{json, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, Severity, Verdict,
};

const KIND_BLB: &str = "baidu_blb_load_balancer";
const KIND_APPBLB: &str = "baidu_appblb_load_balancer";
const KINDS: &[&str] = &[KIND_BLB, KIND_APPBLB];
const RESOURCE_TYPE: &str = "BCE::BLB::LoadBalancer";
const LISTENER_DOCS: &str = "https://cloud.baidu.com/doc/BLB/s/yjwvxnvl6";
const INSTANCE_DOCS: &str = "https://cloud.baidu.com/doc/BLB/s/njwvxnv79";
const LISTENERS_API: &str =
    "DescribeAllListeners (GET /v1/blb|appblb/{blbId}/listener; policy BLBReadAccessPolicy)";
/// Protocol versions below TLS 1.2.
const WEAK_PROTOCOLS: &[&str] = &["sslv2", "sslv3", "tlsv10", "tlsv11"];
/// Built-in default of `weak_tls_policies` (used while the engine does not know the key): the
/// cipher policies whose protocol sets include TLS 1.0/1.1 (`tls_cipher_policy_default` =
/// tlsv10+tlsv11+tlsv12 in the API samples and the simulator, `tls_cipher_policy_1_1` =
/// tlsv11+tlsv12).
const DEFAULT_WEAK_TLS_POLICIES: &[&str] = &["tls_cipher_policy_default", "tls_cipher_policy_1_1"];

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Runs `f` over both load-balancer kinds (classic, then application).
fn per_lb(
    ctx: &CheckContext<'_>,
    check: &Check,
    f: impl Fn(&AssetView) -> Verdict,
) -> Vec<Finding> {
    KINDS
        .iter()
        .flat_map(|kind| ctx.per_asset(check, kind, &f))
        .collect()
}

/// The public addresses (IPv4 `publicIp`, application BLB's `publicIpv6`), empty when internal.
fn public_addresses(asset: &AssetView) -> Vec<String> {
    ["publicIp", "publicIpv6"]
        .iter()
        .map(|k| asset.str(k).trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn listeners(asset: &AssetView) -> Result<&[Value], String> {
    let v = asset
        .detail("listeners")
        .map_err(|e| format!("{e} — {LISTENERS_API}"))?;
    v.get("listenerList")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| format!("listeners: the response has no listenerList — {LISTENERS_API}"))
}

fn listener_type(l: &Value) -> String {
    l.get("listenerType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase()
}

/// A port field given as a number or a numeric string; 0 when absent.
fn port(l: &Value, key: &str) -> u64 {
    match l.get(key) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn internal_na(asset: &AssetView) -> Verdict {
    Verdict::na(format!(
        "load balancer {} is internal (no publicIp/publicIpv6)",
        asset.resource_id
    ))
}

// ---------------------------------------------------------------------------------------------
// baidu_blb_listener_http_without_https_redirect

static BLB_HTTP_NO_REDIRECT: Check = Check {
    meta: CheckMeta {
        id: "baidu_blb_listener_http_without_https_redirect",
        provider: "baidu",
        title: "Internet-facing load balancer serves plain HTTP without redirecting to HTTPS",
        service: "blb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "For classic and application BLB with a public address (`publicIp` or `publicIpv6`): \
            fails when an HTTP listener has no redirect (`redirectPort` absent or 0) and its port is not in \
            `allowed_plain_http_ports` (default none). Internal load balancers are NOT_APPLICABLE.",
        risk: "Credentials, session cookies and data travel in clear text between users and the load \
            balancer, and users get no upgrade path to HTTPS.",
        remediation: Remediation {
            text: "Add an HTTPS listener with a certificate and set the HTTP listener to redirect to it \
                (redirectPort = the HTTPS listener's port); remove HTTP listeners that are not needed.",
            console: "BLB console → Instances (classic or application) → select the load balancer → Listeners → \
                edit the HTTP listener → enable Redirect to HTTPS and choose the HTTPS listener port → Save.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_blb_listener\" \"http\" {\n  blb_id        = \"<blbId>\"\n  listener_port = 80\n  protocol      = \"HTTP\"\n  scheduler     = \"RoundRobin\"\n  redirect_port = 443\n}",
            ),
            url: LISTENER_DOCS,
        },
        categories: &["internet-exposed", "encryption"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/elbv2_ssl_listeners" },
            Mapping { framework: "alibaba_config", requirement: "slb-listener-https-enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.2.2" },
        ],
        reads: &[KIND_BLB, KIND_APPBLB],
    },
    evaluate: evaluate_http_redirect,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BLB_HTTP_NO_REDIRECT) }

fn evaluate_http_redirect(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let allowed = ctx.params().ports("allowed_plain_http_ports");
    per_lb(ctx, &BLB_HTTP_NO_REDIRECT, |a| {
        http_redirect_verdict(a, &allowed)
    })
}

fn http_redirect_verdict(asset: &AssetView, allowed: &[u16]) -> Verdict {
    let public = public_addresses(asset);
    if public.is_empty() {
        return internal_na(asset);
    }
    let list = match listeners(asset) {
        Ok(l) => l,
        Err(e) => return Verdict::manual(e),
    };
    let http: Vec<&Value> = list.iter().filter(|l| listener_type(l) == "HTTP").collect();
    let shown = |l: &Value| {
        json!({"listenerPort": port(l, "listenerPort"), "listenerType": "HTTP",
               "redirectPort": port(l, "redirectPort")})
    };
    let offending: Vec<Value> = http
        .iter()
        .filter(|l| port(l, "redirectPort") == 0)
        .filter(|l| {
            !allowed
                .iter()
                .any(|p| u64::from(*p) == port(l, "listenerPort"))
        })
        .map(|l| shown(l))
        .collect();
    let evidence = json!({
        "publicAddresses": public,
        "httpListeners": http.iter().map(|l| shown(l)).collect::<Vec<_>>(),
        "allowed_plain_http_ports": allowed,
    });
    if offending.is_empty() {
        let msg = if http.is_empty() {
            "no HTTP listener".to_string()
        } else {
            "every HTTP listener redirects to HTTPS (or is an allowed plain-HTTP port)".to_string()
        };
        return Verdict::pass(msg, evidence);
    }
    let ports: Vec<String> = offending
        .iter()
        .map(|l| l["listenerPort"].to_string())
        .collect();
    let mut evidence = evidence;
    evidence["offendingListeners"] = Value::Array(offending);
    Verdict::fail(
        format!(
            "internet-facing load balancer serves plain HTTP without a redirect to HTTPS on port(s) {}",
            ports.join(", ")
        ),
        evidence,
    )
}

// ---------------------------------------------------------------------------------------------
// baidu_blb_listener_weak_tls_policy

static BLB_WEAK_TLS: Check = Check {
    meta: CheckMeta {
        id: "baidu_blb_listener_weak_tls_policy",
        provider: "baidu",
        title: "HTTPS/SSL listener accepts TLS 1.0/1.1",
        service: "blb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "For every HTTPS and SSL listener of classic and application BLB: fails when \
            `encryptionProtocols` contains `tlsv10`, `tlsv11` (or `sslv3`), or `encryptionType` is a cipher \
            policy listed in `weak_tls_policies` (default tls_cipher_policy_default, tls_cipher_policy_1_1). \
            NOT_APPLICABLE without HTTPS/SSL listeners; MANUAL when a listener reports neither protocols nor \
            a known weak policy.",
        risk: "TLS 1.0 and 1.1 have known weaknesses (BEAST, weak MAC/cipher suites) and fail PCI DSS and \
            MLPS 2.0 transport-security expectations.",
        remediation: Remediation {
            text: "Switch each HTTPS/SSL listener to a TLS 1.2+ cipher policy (e.g. tls_cipher_policy_1_2_secure), \
                or to a custom protocol list with tlsv12 (and tlsv13) only.",
            console: "BLB console → Instances (classic or application) → select the load balancer → Listeners → \
                edit the HTTPS/SSL listener → Encryption protocol / cipher policy: choose a TLS 1.2 policy \
                (tls_cipher_policy_1_2_secure) → Save.",
            cli: None,
            terraform: Some(
                "resource \"baiducloud_blb_listener\" \"https\" {\n  blb_id               = \"<blbId>\"\n  listener_port        = 443\n  protocol             = \"HTTPS\"\n  scheduler            = \"RoundRobin\"\n  cert_ids             = [\"<certId>\"]\n  encryption_type      = \"userDefind\"\n  encryption_protocols = [\"tlsv12\"]\n}",
            ),
            url: LISTENER_DOCS,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/elbv2_insecure_ssl_ciphers" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.2.2" },
        ],
        reads: &[KIND_BLB, KIND_APPBLB],
    },
    evaluate: evaluate_weak_tls,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BLB_WEAK_TLS) }

fn evaluate_weak_tls(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let weak_policies: Vec<String> = if ctx.params().get("weak_tls_policies").is_some() {
        ctx.params().list("weak_tls_policies")
    } else {
        DEFAULT_WEAK_TLS_POLICIES
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    per_lb(ctx, &BLB_WEAK_TLS, |a| weak_tls_verdict(a, &weak_policies))
}

fn weak_tls_verdict(asset: &AssetView, weak_policies: &[String]) -> Verdict {
    let list = match listeners(asset) {
        Ok(l) => l,
        Err(e) => return Verdict::manual(e),
    };
    let tls: Vec<&Value> = list
        .iter()
        .filter(|l| matches!(listener_type(l).as_str(), "HTTPS" | "SSL"))
        .collect();
    if tls.is_empty() {
        return Verdict::na("no HTTPS or SSL listener");
    }
    let mut weak = Vec::new();
    let mut unknown = Vec::new();
    let mut shown = Vec::new();
    for l in &tls {
        let protocols: Vec<String> = l
            .get("encryptionProtocols")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|p| p.trim().to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let policy = l
            .get("encryptionType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        let entry = json!({"listenerPort": port(l, "listenerPort"), "listenerType": listener_type(l),
                           "encryptionType": policy, "encryptionProtocols": protocols});
        let weak_protocols: Vec<&String> = protocols
            .iter()
            .filter(|p| WEAK_PROTOCOLS.contains(&p.as_str()))
            .collect();
        let weak_policy =
            !policy.is_empty() && weak_policies.iter().any(|w| w.eq_ignore_ascii_case(policy));
        if !weak_protocols.is_empty() || weak_policy {
            weak.push(entry.clone());
        } else if protocols.is_empty() {
            unknown.push(format!(
                "{} listener on port {} (encryptionType {policy:?})",
                listener_type(l),
                port(l, "listenerPort")
            ));
        }
        shown.push(entry);
    }
    if !weak.is_empty() {
        let ports: Vec<String> = weak.iter().map(|l| l["listenerPort"].to_string()).collect();
        return Verdict::fail(
            format!(
                "HTTPS/SSL listener(s) on port(s) {} accept TLS versions below 1.2",
                ports.join(", ")
            ),
            json!({"weakListeners": weak, "tlsListeners": shown, "weak_tls_policies": weak_policies}),
        );
    }
    if !unknown.is_empty() {
        return Verdict::manual(format!(
            "encryptionProtocols not reported and the cipher policy is not a known weak one for: {}",
            unknown.join("; ")
        ));
    }
    Verdict::pass(
        "every HTTPS/SSL listener accepts TLS 1.2 or later only",
        json!({"tlsListeners": shown}),
    )
}

// ---------------------------------------------------------------------------------------------
// baidu_blb_internet_facing_without_acl

static BLB_NO_ACL: Check = Check {
    meta: CheckMeta {
        id: "baidu_blb_internet_facing_without_acl",
        provider: "baidu",
        title: "Internet-facing load balancer without an access-control list on listeners",
        service: "blb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "For classic and application BLB with a public address: passes when every listener is on \
            a `public_service_ports` port (default 80, 443). Otherwise the listener ACLs would decide, but \
            Vigil does not collect them (catalog VERIFY: no confirmed ACL read API), so the finding is MANUAL \
            naming the listeners to review. Internal load balancers are NOT_APPLICABLE.",
        risk: "Internal or administrative services published through a public load balancer (SSH, databases, \
            admin consoles) are as exposed as a public VM unless an ACL restricts the sources.",
        remediation: Remediation {
            text: "Attach an access-control list (or security group) restricting the sources of listeners on \
                non-public ports, or move those listeners to an internal load balancer.",
            console: "BLB console → Instances → select the load balancer → Listeners → select the listener → \
                Access control → enable, add an allow-list of source CIDRs → Save; or bind a security group to \
                the load balancer (Security group tab).",
            cli: None,
            terraform: None,
            url: LISTENER_DOCS,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "alibaba_config", requirement: "slb-acl-public-access-check" },
            Mapping { framework: "prowler", requirement: "aws/elbv2_internet_facing" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.2" },
        ],
        reads: &[KIND_BLB, KIND_APPBLB],
    },
    evaluate: evaluate_no_acl,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BLB_NO_ACL) }

fn evaluate_no_acl(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let service_ports = ctx.params().ports("public_service_ports");
    per_lb(ctx, &BLB_NO_ACL, |a| no_acl_verdict(a, &service_ports))
}

fn no_acl_verdict(asset: &AssetView, service_ports: &[u16]) -> Verdict {
    let public = public_addresses(asset);
    if public.is_empty() {
        return internal_na(asset);
    }
    let list = match listeners(asset) {
        Ok(l) => l,
        Err(e) => return Verdict::manual(e),
    };
    let other: Vec<String> = list
        .iter()
        .filter(|l| {
            !service_ports
                .iter()
                .any(|p| u64::from(*p) == port(l, "listenerPort"))
        })
        .map(|l| format!("{}/{}", listener_type(l), port(l, "listenerPort")))
        .collect();
    if other.is_empty() {
        let ports: Vec<u64> = list.iter().map(|l| port(l, "listenerPort")).collect();
        return Verdict::pass(
            "every listener is on a public service port",
            json!({"publicAddresses": public, "listenerPorts": ports, "public_service_ports": service_ports}),
        );
    }
    Verdict::manual(format!(
        "listener ACLs are not collected (no confirmed BLB ACL read API: supportAcl / ACL rule listing); \
         review the access control of the internet-facing listener(s) {} on {}",
        other.join(", "),
        public.join(", ")
    ))
}

// ---------------------------------------------------------------------------------------------
// baidu_blb_deletion_protection_disabled

static BLB_DELETION_PROTECTION: Check = Check {
    meta: CheckMeta {
        id: "baidu_blb_deletion_protection_disabled",
        provider: "baidu",
        title: "Load balancer can be deleted without protection",
        service: "blb",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Low,
        description: "Fails when a classic or application BLB has `allowDelete = true` (release protection \
            off). When the `protect_tag` parameter (`key=value` or `key`) is set, only load balancers with \
            that tag are required to be protected; the others are NOT_APPLICABLE. MANUAL when the list item \
            has no `allowDelete`.",
        risk: "Deleting a production load balancer by mistake (or by a compromised key) is an instant outage \
            and loses its public IP address.",
        remediation: Remediation {
            text: "Turn on release (deletion) protection for production load balancers (allowDelete = false).",
            console: "BLB console → Instances (classic or application) → select the load balancer → More → \
                Release protection → enable → confirm.",
            cli: None,
            terraform: None,
            url: INSTANCE_DOCS,
        },
        categories: &["resilience"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/elbv2_deletion_protection" },
            Mapping { framework: "alibaba_config", requirement: "slb-modify-protection-check" },
        ],
        reads: &[KIND_BLB, KIND_APPBLB],
    },
    evaluate: evaluate_deletion_protection,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&BLB_DELETION_PROTECTION) }

/// Whether the load balancer carries the `key=value` (or `key`) tag.
fn has_tag(asset: &AssetView, selector: &str) -> bool {
    let (key, value) = match selector.split_once('=') {
        Some((k, v)) => (k.trim(), Some(v.trim())),
        None => (selector.trim(), None),
    };
    asset
        .field("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| {
            tags.iter().any(|t| {
                t.get("tagKey").and_then(Value::as_str) == Some(key)
                    && value.is_none_or(|v| {
                        t.get("tagValue").and_then(Value::as_str).unwrap_or("") == v
                    })
            })
        })
}

fn evaluate_deletion_protection(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let selector = ctx.params().str("protect_tag").trim().to_string();
    per_lb(ctx, &BLB_DELETION_PROTECTION, |a| {
        deletion_verdict(a, &selector)
    })
}

fn deletion_verdict(asset: &AssetView, selector: &str) -> Verdict {
    if !selector.is_empty() && !has_tag(asset, selector) {
        return Verdict::na(format!("not tagged {selector} (parameter protect_tag)"));
    }
    let Some(allow_delete) = asset.field("allowDelete").and_then(Value::as_bool) else {
        return Verdict::manual(
            "allowDelete is absent from the DescribeLoadBalancers item (GET /v1/blb or /v1/appblb; policy BLBReadAccessPolicy)",
        );
    };
    let evidence = json!({"allowDelete": allow_delete, "protect_tag": selector});
    if allow_delete {
        Verdict::fail(
            "release (deletion) protection is off (allowDelete = true)",
            evidence,
        )
    } else {
        Verdict::pass(
            "release (deletion) protection is on (allowDelete = false)",
            evidence,
        )
    }
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::{Coverage, Status};

    /// The classic sample `web-lb` (shared/baidu-api/samples/blb.*): public, HTTP 80 redirected
    /// to 443, HTTPS 443 TLS 1.2 only, TCP 22, allowDelete true.
    fn web_lb() -> AssetView {
        AssetView::new(
            KIND_BLB,
            "bj",
            "lb-5e2a1c9d",
            json!({"blbId": "lb-5e2a1c9d", "name": "web-lb", "address": "192.168.0.100",
                   "publicIp": "106.12.90.91", "status": "available", "allowDelete": true, "tags": []}),
        )
        .with_name("web-lb")
        .with_detail(
            "listeners",
            json!({"listenerList": [
                {"listenerPort": 80, "listenerType": "HTTP", "backendPort": 8080, "redirectPort": 443},
                {"listenerPort": 443, "listenerType": "HTTPS", "backendPort": 8080, "certIds": ["cert-1a2b3c4d5e6f"],
                 "encryptionType": "tls_cipher_policy_1_2_secure", "encryptionProtocols": ["tlsv12"]},
                {"listenerPort": 22, "listenerType": "TCP", "backendPort": 22}
            ]}),
        )
    }

    /// The application sample `api-gateway-alb` with its `tls_cipher_policy_default` listener.
    fn api_alb() -> AssetView {
        AssetView::new(
            KIND_APPBLB,
            "bj",
            "lb-a1b2c3d4",
            json!({"blbId": "lb-a1b2c3d4", "name": "api-gateway-alb", "publicIp": "106.12.90.92",
                   "publicIpv6": "", "allowDelete": false, "tags": [{"tagKey": "env", "tagValue": "prod"}]}),
        )
        .with_name("api-gateway-alb")
        .with_detail(
            "listeners",
            json!({"listenerList": [
                {"listenerPort": 80, "listenerType": "HTTP", "redirectPort": 443},
                {"listenerPort": 443, "listenerType": "HTTPS", "certIds": ["cert-9f8e7d6c5b4a"],
                 "encryptionType": "tls_cipher_policy_default", "encryptionProtocols": ["tlsv10", "tlsv11", "tlsv12"]}
            ]}),
        )
    }

    /// A public classic BLB with plain HTTP on 80 and 8080 (the simulator's `legacy-http-lb`).
    fn legacy_http() -> AssetView {
        AssetView::new(
            KIND_BLB,
            "gz",
            "lb-0ld0ld00",
            json!({"blbId": "lb-0ld0ld00", "name": "legacy-http-lb", "publicIp": "106.13.1.2", "allowDelete": true}),
        )
        .with_detail(
            "listeners",
            json!({"listenerList": [
                {"listenerPort": 80, "listenerType": "HTTP", "backendPort": 8080},
                {"listenerPort": 8080, "listenerType": "HTTP", "backendPort": 8080}
            ]}),
        )
    }

    fn internal() -> AssetView {
        AssetView::new(
            KIND_BLB,
            "bj",
            "lb-8f7e6d5c",
            json!({"blbId": "lb-8f7e6d5c", "name": "internal-lb", "publicIp": "", "allowDelete": true}),
        )
        .with_detail(
            "listeners",
            json!({"listenerList": [
                {"listenerPort": 3306, "listenerType": "TCP"},
                {"listenerPort": 8080, "listenerType": "HTTP"}
            ]}),
        )
    }

    fn run(check: &Check, assets: Vec<AssetView>) -> Vec<Finding> {
        (check.evaluate)(&CheckContext::for_test(assets).build())
    }

    fn only(check: &Check, asset: AssetView) -> Finding {
        let mut f = run(check, vec![asset]);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.remove(0)
    }

    fn listeners_failed(mut a: AssetView) -> AssetView {
        a.details.as_object_mut().unwrap().remove("listeners");
        a.with_detail_error("listeners", "403 AccessDenied")
    }

    // --- HTTP without redirect

    #[test]
    fn plain_http_on_a_public_lb_fails() {
        let f = only(&BLB_HTTP_NO_REDIRECT, legacy_http());
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.resource_id, "lb-0ld0ld00");
        assert_eq!(f.resource_kind, KIND_BLB);
        assert_eq!(f.evidence["offendingListeners"][0]["listenerPort"], 80);
        assert_eq!(f.evidence["offendingListeners"][1]["listenerPort"], 8080);
        assert_eq!(f.evidence["publicAddresses"], json!(["106.13.1.2"]));
    }

    #[test]
    fn allowed_plain_http_ports_are_exempt() {
        let ctx = CheckContext::for_test(vec![legacy_http()])
            .param("allowed_plain_http_ports", json!([80]))
            .build();
        let f = (BLB_HTTP_NO_REDIRECT.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(
            f[0].evidence["offendingListeners"],
            json!([{"listenerPort": 8080, "listenerType": "HTTP", "redirectPort": 0}])
        );
        let ctx = CheckContext::for_test(vec![legacy_http()])
            .param("allowed_plain_http_ports", json!([80, 8080]))
            .build();
        assert_eq!(
            (BLB_HTTP_NO_REDIRECT.evaluate)(&ctx)[0].status,
            Status::Pass
        );
    }

    #[test]
    fn redirected_http_passes_on_both_kinds() {
        let f = run(&BLB_HTTP_NO_REDIRECT, vec![web_lb(), api_alb()]);
        assert_eq!(f.len(), 2);
        for x in &f {
            assert_eq!(x.status, Status::Pass, "{x:#?}");
            assert_eq!(x.evidence["httpListeners"][0]["redirectPort"], 443);
        }
        assert!(f
            .iter()
            .any(|x| x.resource_kind == KIND_APPBLB && x.resource_id == "lb-a1b2c3d4"));
    }

    #[test]
    fn http_redirect_is_na_for_internal_and_manual_without_listeners() {
        assert_eq!(
            only(&BLB_HTTP_NO_REDIRECT, internal()).status,
            Status::NotApplicable
        );
        let f = only(&BLB_HTTP_NO_REDIRECT, listeners_failed(legacy_http()));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("listeners failed"), "{}", f.message);
    }

    #[test]
    fn an_ipv6_only_public_appblb_counts_as_internet_facing() {
        let mut a = api_alb();
        a.raw["publicIp"] = json!("");
        a.raw["publicIpv6"] = json!("240c:4006:8000::64");
        a.details["listeners"]["listenerList"][0]
            .as_object_mut()
            .unwrap()
            .remove("redirectPort");
        let f = only(&BLB_HTTP_NO_REDIRECT, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["publicAddresses"], json!(["240c:4006:8000::64"]));
    }

    // --- weak TLS

    #[test]
    fn tls10_and_tls11_fail() {
        let f = only(&BLB_WEAK_TLS, api_alb());
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.resource_id, "lb-a1b2c3d4");
        assert_eq!(
            f.evidence["weakListeners"][0]["encryptionProtocols"],
            json!(["tlsv10", "tlsv11", "tlsv12"])
        );
    }

    #[test]
    fn a_custom_protocol_list_with_tls11_fails() {
        let a = AssetView::new(KIND_APPBLB, "su", "lb-cust", json!({"blbId": "lb-cust"}))
            .with_detail(
                "listeners",
                json!({"listenerList": [
                    {"listenerPort": 443, "listenerType": "HTTPS", "encryptionType": "userDefind",
                     "encryptionProtocols": ["tlsv11", "tlsv12"]},
                    {"listenerPort": 8443, "listenerType": "SSL", "encryptionType": "userDefind",
                     "encryptionProtocols": ["tlsv12"]}
                ]}),
            );
        let f = only(&BLB_WEAK_TLS, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "lb-cust");
        assert_eq!(
            f.evidence["weakListeners"],
            json!([{"listenerPort": 443, "listenerType": "HTTPS", "encryptionType": "userDefind",
                    "encryptionProtocols": ["tlsv11", "tlsv12"]}])
        );
    }

    #[test]
    fn a_weak_policy_name_fails_even_without_protocols() {
        let a = AssetView::new(KIND_BLB, "bj", "lb-ssl", json!({"blbId": "lb-ssl", "publicIp": ""}))
            .with_detail(
                "listeners",
                json!({"listenerList": [{"listenerPort": 8883, "listenerType": "SSL", "encryptionType": "tls_cipher_policy_1_1"}]}),
            );
        let f = only(&BLB_WEAK_TLS, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.evidence["weakListeners"][0]["encryptionType"],
            "tls_cipher_policy_1_1"
        );
    }

    #[test]
    fn tls12_only_passes() {
        let f = only(&BLB_WEAK_TLS, web_lb());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_id, "lb-5e2a1c9d");
        assert_eq!(
            f.evidence["tlsListeners"][0]["encryptionProtocols"],
            json!(["tlsv12"])
        );
    }

    #[test]
    fn weak_tls_is_na_without_tls_listeners_and_manual_when_unknown() {
        assert_eq!(
            only(&BLB_WEAK_TLS, legacy_http()).status,
            Status::NotApplicable
        );
        let a = AssetView::new(KIND_BLB, "bj", "lb-unk", json!({"blbId": "lb-unk"}))
            .with_detail(
                "listeners",
                json!({"listenerList": [{"listenerPort": 443, "listenerType": "HTTPS", "encryptionType": "userDefind"}]}),
            );
        let f = only(&BLB_WEAK_TLS, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("port 443"), "{}", f.message);
        assert_eq!(
            only(&BLB_WEAK_TLS, listeners_failed(web_lb())).status,
            Status::Manual
        );
    }

    // --- internet-facing without ACL

    #[test]
    fn public_lb_on_service_ports_only_passes() {
        let f = only(&BLB_NO_ACL, api_alb());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["listenerPorts"], json!([80, 443]));
    }

    #[test]
    fn public_lb_with_other_ports_is_manual_naming_them() {
        let f = only(&BLB_NO_ACL, web_lb());
        assert_eq!(f.status, Status::Manual);
        assert_eq!(f.resource_id, "lb-5e2a1c9d");
        assert!(f.message.contains("TCP/22"), "{}", f.message);
        assert!(!f.message.contains("HTTP/80"), "{}", f.message);
    }

    #[test]
    fn acl_check_is_na_for_internal_lbs() {
        let f = only(&BLB_NO_ACL, internal());
        assert_eq!(f.status, Status::NotApplicable);
        assert_eq!(f.resource_id, "lb-8f7e6d5c");
    }

    // --- deletion protection

    #[test]
    fn allow_delete_true_fails_and_false_passes() {
        let f = only(&BLB_DELETION_PROTECTION, web_lb());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["allowDelete"], true);
        let f = only(&BLB_DELETION_PROTECTION, api_alb());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.resource_kind, KIND_APPBLB);
        assert_eq!(f.evidence["allowDelete"], false);
    }

    #[test]
    fn protect_tag_limits_the_scope() {
        let mut tagged = web_lb();
        tagged.raw["tags"] = json!([{"tagKey": "env", "tagValue": "prod"}]);
        let ctx = CheckContext::for_test(vec![tagged, legacy_http()])
            .param("protect_tag", "env=prod")
            .build();
        let f = (BLB_DELETION_PROTECTION.evaluate)(&ctx);
        let by_id = |id: &str| f.iter().find(|x| x.resource_id == id).unwrap().status;
        assert_eq!(by_id("lb-5e2a1c9d"), Status::Fail);
        assert_eq!(by_id("lb-0ld0ld00"), Status::NotApplicable);
    }

    #[test]
    fn deletion_protection_is_manual_without_allow_delete() {
        let mut a = web_lb();
        a.raw.as_object_mut().unwrap().remove("allowDelete");
        let f = only(&BLB_DELETION_PROTECTION, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("allowDelete"), "{}", f.message);
    }

    #[test]
    fn a_kind_not_authorized_in_a_region_is_manual() {
        let ctx = CheckContext::for_test(vec![web_lb()])
            .coverage(
                KIND_APPBLB,
                "gz",
                Coverage::NotAuthorized {
                    policy: Some("BLBReadAccessPolicy".into()),
                },
            )
            .build();
        let f = (BLB_DELETION_PROTECTION.evaluate)(&ctx);
        assert_eq!(f.len(), 2);
        let manual = f.iter().find(|x| x.status == Status::Manual).unwrap();
        assert_eq!(manual.resource_kind, KIND_APPBLB);
        assert_eq!(manual.region, "gz");
    }

    #[test]
    fn metadata_is_complete() {
        for c in [
            &BLB_HTTP_NO_REDIRECT,
            &BLB_WEAK_TLS,
            &BLB_NO_ACL,
            &BLB_DELETION_PROTECTION,
        ] {
            let m = &c.meta;
            assert!(
                m.title.len() <= 150 && !m.title.starts_with("Ensure"),
                "{}",
                m.id
            );
            assert!(m.id.starts_with("baidu_blb_"), "{}", m.id);
            assert_eq!(m.reads, &[KIND_BLB, KIND_APPBLB]);
            assert!(
                !m.compliance.is_empty() && !m.categories.is_empty(),
                "{}",
                m.id
            );
            assert!(vigil_checks::find(m.id).is_some(), "{} is registered", m.id);
        }
    }
}
