//! Checks: Kafka (catalog section F) over `baidu_kafka_cluster`.
//!
//! Data (docs/providers/baidu/kafka.md): the list item (`publicIpEnabled`, `aclEnabled`,
//! `authenticationModes[]`, `kafkaVersion`; every field `omitempty`, so an absent boolean is
//! ambiguous and is never taken as proof of a safe setting), the `detail` child call
//! (`{"cluster": {"provisioned": {publicIpEnabled, authentications[{mode}], aclEnabled,
//! kafkaVersion}}}`) and the `accessEndpoints` child call (`{"accessEndpoints":
//! [{securityProtocol, network, endpoints}]}`).

use serde_json::{json, Value};
use vigil_checks::{
    AssetView, Check, CheckContext, CheckMeta, Finding, Mapping, Remediation, Severity, Status,
    Verdict,
};

const KIND: &str = "baidu_kafka_cluster";
const RESOURCE_TYPE: &str = "BCE::Kafka::Cluster";
const DOCS_URL: &str = "https://cloud.baidu.com/doc/Kafka/index.html";
const CALL_DETAIL: &str = "detail";
const CALL_ENDPOINTS: &str = "accessEndpoints";
/// Who supplies the child calls, for MANUAL messages.
const DETAIL_API: &str =
    "GetClusterDetail (GET /v2/clusters/{clusterId}; policy KAFKAReadAccessPolicy)";
const ENDPOINTS_API: &str =
    "GetClusterAccessEndpoints (GET /v2/clusters/{clusterId}/access-endpoints; policy KAFKAReadAccessPolicy)";

// ---------------------------------------------------------------------------------------------
// Field access shared by the checks.

/// `detail.cluster.provisioned`, or why it is missing.
fn provisioned(asset: &AssetView) -> Result<&Value, String> {
    let detail = asset.detail(CALL_DETAIL)?;
    detail
        .pointer("/cluster/provisioned")
        .filter(|p| p.is_object())
        .ok_or_else(|| "detail: the response has no cluster.provisioned object".to_string())
}

/// The access endpoints, or why they are missing.
fn endpoints(asset: &AssetView) -> Result<&[Value], String> {
    let v = asset.detail(CALL_ENDPOINTS)?;
    v.get("accessEndpoints")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| "accessEndpoints: the response has no accessEndpoints list".to_string())
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The authentication modes from the list item and the detail, upper-cased, deduplicated, in
/// first-seen order.
fn auth_modes(asset: &AssetView) -> Vec<String> {
    let mut modes: Vec<String> = Vec::new();
    let mut add = |m: &str| {
        let m = m.trim().to_ascii_uppercase();
        if !m.is_empty() && !modes.contains(&m) {
            modes.push(m);
        }
    };
    if let Some(list) = asset
        .raw
        .get("authenticationModes")
        .and_then(Value::as_array)
    {
        list.iter().filter_map(Value::as_str).for_each(&mut add);
    }
    if let Ok(p) = provisioned(asset) {
        if let Some(list) = p.get("authentications").and_then(Value::as_array) {
            list.iter().map(|a| text(a, "mode")).for_each(&mut add);
        }
    }
    modes
}

/// Whether the cluster is reachable from the Internet according to any collected source.
fn is_public(asset: &AssetView) -> bool {
    asset.raw.get("publicIpEnabled").and_then(Value::as_bool) == Some(true)
        || provisioned(asset)
            .ok()
            .and_then(|p| p.get("publicIpEnabled"))
            .and_then(Value::as_bool)
            == Some(true)
        || endpoints(asset)
            .map(|e| e.iter().any(is_public_endpoint))
            .unwrap_or(false)
}

fn is_public_endpoint(e: &Value) -> bool {
    text(e, "network").eq_ignore_ascii_case("PUBLIC")
}

/// Endpoints as evidence: protocol and network only (the broker addresses are noise).
fn endpoint_summary(list: &[Value]) -> Value {
    Value::Array(
        list.iter()
            .map(|e| json!({"securityProtocol": text(e, "securityProtocol"), "network": text(e, "network")}))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// baidu_kafka_public_access_enabled

static KAFKA_PUBLIC_ACCESS: Check = Check {
    meta: CheckMeta {
        id: "baidu_kafka_public_access_enabled",
        provider: "baidu",
        title: "Kafka cluster has public IP access enabled",
        service: "kafka",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Fails when a Kafka cluster has public IP access enabled (`publicIpEnabled` in the \
            cluster list item or in `provisioned` of the cluster detail) or any of its access endpoints is \
            on the `PUBLIC` network. Passes only when no source says public and at least one child call \
            (detail or access endpoints) confirms it.",
        risk: "Brokers reachable from the Internet leak topic data and invite abuse: credential \
            stuffing against SASL, exploitation of broker vulnerabilities, and message poisoning.",
        remediation: Remediation {
            text: "Disable public access on the cluster and let clients connect through the VPC (same VPC, \
                peering or a private connection). If public access is unavoidable, allow only SASL_SSL and \
                restrict the cluster's security group to known source addresses.",
            console: "Message Service for Kafka console → Clusters → select the cluster → Cluster details → \
                Network → turn off Public network access (or scale the public bandwidth to 0) → confirm.",
            cli: None,
            terraform: None,
            url: DOCS_URL,
        },
        categories: &["internet-exposed"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/kafka_cluster_is_public" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.3.1" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_public_access,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&KAFKA_PUBLIC_ACCESS) }

fn evaluate_public_access(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&KAFKA_PUBLIC_ACCESS, KIND, public_access_verdict)
}

fn public_access_verdict(asset: &AssetView) -> Verdict {
    let raw_public = asset.raw.get("publicIpEnabled").and_then(Value::as_bool);
    let prov = provisioned(asset);
    let detail_public = prov
        .as_ref()
        .ok()
        .and_then(|p| p.get("publicIpEnabled"))
        .and_then(Value::as_bool);
    let eps = endpoints(asset);
    let public_eps: Vec<Value> = eps
        .as_ref()
        .map(|list| {
            list.iter()
                .filter(|e| is_public_endpoint(e))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let evidence = json!({
        "publicIpEnabled": raw_public,
        "provisioned.publicIpEnabled": detail_public,
        "publicEndpoints": endpoint_summary(&public_eps),
    });
    if raw_public == Some(true) || detail_public == Some(true) || !public_eps.is_empty() {
        let mut why = Vec::new();
        if raw_public == Some(true) || detail_public == Some(true) {
            why.push("public IP access is enabled".to_string());
        }
        if !public_eps.is_empty() {
            let protocols: Vec<&str> = public_eps
                .iter()
                .map(|e| text(e, "securityProtocol"))
                .collect();
            why.push(format!("public endpoint(s): {}", protocols.join(", ")));
        }
        return Verdict::fail(
            format!(
                "Kafka cluster is reachable from the Internet: {}",
                why.join("; ")
            ),
            evidence,
        );
    }
    // Nothing says public. The list item's false is omitted (omitempty), so a child call has to
    // confirm: the endpoint list (what is reachable) or an explicit false in the detail.
    if eps.is_ok() || detail_public == Some(false) {
        return Verdict::pass(
            "Kafka cluster has no public IP access and no public endpoint",
            evidence,
        );
    }
    let mut missing = Vec::new();
    if let Err(e) = &eps {
        missing.push(format!("{e} — {ENDPOINTS_API}"));
    }
    match &prov {
        Err(e) => missing.push(format!("{e} — {DETAIL_API}")),
        Ok(_) => missing.push("detail: provisioned.publicIpEnabled absent".to_string()),
    }
    Verdict::manual(format!(
        "public access cannot be confirmed off: {}",
        missing.join("; ")
    ))
}

// ---------------------------------------------------------------------------------------------
// baidu_kafka_unauthenticated_access

static KAFKA_UNAUTHENTICATED: Check = Check {
    meta: CheckMeta {
        id: "baidu_kafka_unauthenticated_access",
        provider: "baidu",
        title: "Kafka cluster allows unauthenticated clients",
        service: "kafka",
        resource_type: RESOURCE_TYPE,
        severity: Severity::High,
        description: "Fails when `NONE` is among the cluster's authentication modes (list item \
            `authenticationModes[]` or detail `provisioned.authentications[].mode`), when an access endpoint \
            speaks `PLAINTEXT` (no SASL), or when ACLs are off (`aclEnabled = false`) while a SASL mode is \
            enabled (authenticated but unauthorised-by-default). The finding is critical when the cluster is \
            also reachable from the Internet.",
        risk: "Anonymous producers and consumers can read every topic or poison it with forged \
            messages; with ACLs off, any authenticated principal can do the same.",
        remediation: Remediation {
            text: "Enable SASL_SCRAM or SASL_IAM (or mutual TLS) and remove the NONE (no authentication) mode, \
                turn on ACLs, and grant producers and consumers per-topic permissions only.",
            console: "Message Service for Kafka console → Clusters → select the cluster → Cluster details → \
                Access configuration → Authentication: enable SASL/SCRAM (or SASL/IAM) and disable \
                no-authentication access → ACL: enable → Users/ACLs: create users and grant per-topic \
                permissions.",
            cli: None,
            terraform: None,
            url: DOCS_URL,
        },
        categories: &["identity", "internet-exposed"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/kafka_cluster_unrestricted_access_disabled" },
            Mapping { framework: "prowler", requirement: "aws/kafka_cluster_mutual_tls_authentication_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.1" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.2" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_unauthenticated,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&KAFKA_UNAUTHENTICATED) }

fn evaluate_unauthenticated(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let mut findings = ctx.per_asset(&KAFKA_UNAUTHENTICATED, KIND, unauthenticated_verdict);
    // Escalation: an unauthenticated cluster on the Internet is critical.
    for f in &mut findings {
        if f.status == Status::Fail
            && f.evidence.get("public").and_then(Value::as_bool) == Some(true)
        {
            f.severity = Severity::Critical;
        }
    }
    findings
}

fn unauthenticated_verdict(asset: &AssetView) -> Verdict {
    let modes = auth_modes(asset);
    let prov = provisioned(asset);
    let detail_acl = prov
        .as_ref()
        .ok()
        .and_then(|p| p.get("aclEnabled"))
        .and_then(Value::as_bool);
    let raw_acl = asset.raw.get("aclEnabled").and_then(Value::as_bool);
    // The detail is authoritative; the list item's `true` is explicit, its absence is not.
    let acl = detail_acl.or(if raw_acl == Some(true) {
        Some(true)
    } else {
        None
    });
    let plaintext_eps: Vec<Value> = endpoints(asset)
        .map(|list| {
            list.iter()
                .filter(|e| text(e, "securityProtocol").eq_ignore_ascii_case("PLAINTEXT"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let public = is_public(asset);
    let sasl: Vec<&String> = modes.iter().filter(|m| m.starts_with("SASL")).collect();
    let evidence = json!({
        "authenticationModes": modes,
        "aclEnabled": acl,
        "plaintextEndpoints": endpoint_summary(&plaintext_eps),
        "public": public,
    });

    let mut why = Vec::new();
    if modes.iter().any(|m| m == "NONE") {
        why.push("authentication mode NONE is enabled".to_string());
    }
    if !plaintext_eps.is_empty() {
        let networks: Vec<&str> = plaintext_eps.iter().map(|e| text(e, "network")).collect();
        why.push(format!("PLAINTEXT endpoint(s) on {}", networks.join(", ")));
    }
    if acl == Some(false) && !sasl.is_empty() {
        why.push("ACLs are disabled while SASL authentication is on".to_string());
    }
    if !why.is_empty() {
        let exposure = if public {
            " (cluster is reachable from the Internet)"
        } else {
            ""
        };
        return Verdict::fail(
            format!(
                "Kafka cluster allows unauthenticated or unauthorised clients: {}{exposure}",
                why.join("; ")
            ),
            evidence,
        );
    }
    if modes.is_empty() {
        let cause = match &prov {
            Err(e) => format!("{e} — {DETAIL_API}"),
            Ok(_) => {
                "neither the list item nor the detail reports an authentication mode".to_string()
            }
        };
        return Verdict::manual(format!("authentication modes unknown: {cause}"));
    }
    if !sasl.is_empty() && acl != Some(true) {
        let cause = match &prov {
            Err(e) => format!("{e} — {DETAIL_API}"),
            Ok(_) => "aclEnabled is absent from the list item and the detail".to_string(),
        };
        return Verdict::manual(format!("ACL setting unknown for a SASL cluster: {cause}"));
    }
    Verdict::pass(
        format!(
            "Kafka cluster requires authentication ({})",
            modes.join(", ")
        ),
        evidence,
    )
}

// ---------------------------------------------------------------------------------------------
// baidu_kafka_plaintext_transport

static KAFKA_PLAINTEXT: Check = Check {
    meta: CheckMeta {
        id: "baidu_kafka_plaintext_transport",
        provider: "baidu",
        title: "Kafka access endpoint without TLS",
        service: "kafka",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Medium,
        description: "Fails when any access endpoint's `securityProtocol` is `PLAINTEXT` or `SASL_PLAINTEXT`, \
            or when the `SASL_PLAIN` authentication mode is enabled without any TLS-protected (`SSL` / \
            `SASL_SSL`) endpoint. Reads GetClusterAccessEndpoints.",
        risk: "Credentials (SASL/PLAIN passwords, SCRAM exchanges) and message payloads cross the \
            network in clear text and can be read or altered by anyone on the path.",
        remediation: Remediation {
            text: "Enable SSL or SASL_SSL access, migrate clients to the TLS endpoints, then disable the \
                PLAINTEXT and SASL_PLAINTEXT access methods.",
            console: "Message Service for Kafka console → Clusters → select the cluster → Cluster details → \
                Access configuration → enable the SASL_SSL (or SSL) access method → after clients have moved, \
                disable PLAINTEXT / SASL_PLAINTEXT.",
            cli: None,
            terraform: None,
            url: DOCS_URL,
        },
        categories: &["encryption"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/kafka_cluster_in_transit_encryption_enabled" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.2.2" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.8" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_plaintext,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&KAFKA_PLAINTEXT) }

fn evaluate_plaintext(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&KAFKA_PLAINTEXT, KIND, plaintext_verdict)
}

fn plaintext_verdict(asset: &AssetView) -> Verdict {
    let list = match endpoints(asset) {
        Ok(l) => l,
        Err(e) => return Verdict::manual(format!("{e} — {ENDPOINTS_API}")),
    };
    let modes = auth_modes(asset);
    let protocol = |e: &Value| text(e, "securityProtocol").to_ascii_uppercase();
    let cleartext: Vec<Value> = list
        .iter()
        .filter(|e| matches!(protocol(e).as_str(), "PLAINTEXT" | "SASL_PLAINTEXT"))
        .cloned()
        .collect();
    let tls = list
        .iter()
        .any(|e| matches!(protocol(e).as_str(), "SSL" | "SASL_SSL"));
    let sasl_plain = modes.iter().any(|m| m == "SASL_PLAIN");
    let evidence = json!({
        "accessEndpoints": endpoint_summary(list),
        "authenticationModes": modes,
    });
    if !cleartext.is_empty() {
        let names: Vec<String> = cleartext
            .iter()
            .map(|e| format!("{} on {}", text(e, "securityProtocol"), text(e, "network")))
            .collect();
        return Verdict::fail(
            format!(
                "Kafka cluster has endpoint(s) without TLS: {}",
                names.join(", ")
            ),
            evidence,
        );
    }
    if sasl_plain && !tls {
        return Verdict::fail(
            "SASL_PLAIN authentication is enabled but no SSL/SASL_SSL endpoint exists: passwords travel in clear text",
            evidence,
        );
    }
    Verdict::pass("every Kafka access endpoint uses TLS", evidence)
}

// ---------------------------------------------------------------------------------------------
// baidu_kafka_version_eol

static KAFKA_VERSION_EOL: Check = Check {
    meta: CheckMeta {
        id: "baidu_kafka_version_eol",
        provider: "baidu",
        title: "Kafka version outdated",
        service: "kafka",
        resource_type: RESOURCE_TYPE,
        severity: Severity::Low,
        description: "Fails when the cluster's `kafkaVersion` is below `min_kafka_version` (default 2.8) or \
            starts with one of the `eol_kafka_versions` prefixes.",
        risk: "Old broker versions no longer receive security fixes (e.g. authentication bypasses and \
            denial-of-service bugs fixed upstream).",
        remediation: Remediation {
            text: "Upgrade the cluster to a supported Kafka version after testing clients against it.",
            console: "Message Service for Kafka console → Clusters → select the cluster → Operations → \
                Upgrade version → choose a supported version → confirm (brokers restart one at a time).",
            cli: None,
            terraform: None,
            url: DOCS_URL,
        },
        categories: &["vulnerability"],
        compliance: &[
            Mapping { framework: "prowler", requirement: "aws/kafka_cluster_uses_latest_version" },
            Mapping { framework: "mlps_2.0_l3", requirement: "8.1.4.4" },
        ],
        reads: &[KIND],
    },
    evaluate: evaluate_version,
};
vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&KAFKA_VERSION_EOL) }

fn evaluate_version(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let eol = ctx.params().list("eol_kafka_versions");
    let min = match ctx.params().str("min_kafka_version") {
        s if s.trim().is_empty() => "2.8".to_string(),
        s => s,
    };
    ctx.per_asset(&KAFKA_VERSION_EOL, KIND, |a| version_verdict(a, &eol, &min))
}

/// The numeric components of a version (`"2.8.2"` → `[2, 8, 2]`; each component's leading
/// digits, so `"3.6.2-baidu"` → `[3, 6, 2]`); `None` when it does not start with a number.
fn version_parts(v: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for part in v.trim().trim_start_matches(['v', 'V']).split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse() {
            Ok(n) => out.push(n),
            Err(_) => break,
        }
        if digits.len() != part.len() {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `a < b`, comparing missing trailing components as 0.
fn version_lt(a: &[u64], b: &[u64]) -> bool {
    let n = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    for i in 0..n {
        if at(a, i) != at(b, i) {
            return at(a, i) < at(b, i);
        }
    }
    false
}

/// Whether `version` is the prefix `eol` or one of its patch/minor releases (`2.7` matches
/// `2.7` and `2.7.2`, not `2.70`).
fn matches_prefix(version: &str, eol: &str) -> bool {
    let (v, e) = (version.trim(), eol.trim());
    !e.is_empty()
        && (v == e
            || v.strip_prefix(e)
                .is_some_and(|rest| rest.starts_with(['.', '-'])))
}

fn version_verdict(asset: &AssetView, eol: &[String], min: &str) -> Verdict {
    let raw = asset.str("kafkaVersion");
    let version = if raw.is_empty() {
        provisioned(asset)
            .ok()
            .and_then(|p| p.get("kafkaVersion"))
            .and_then(Value::as_str)
            .unwrap_or("")
    } else {
        raw
    };
    if version.is_empty() {
        let cause = match provisioned(asset) {
            Err(e) => format!("; {e} — {DETAIL_API}"),
            Ok(_) => String::new(),
        };
        return Verdict::manual(format!(
            "kafkaVersion is absent from the ListClusters item and the cluster detail{cause}"
        ));
    }
    let evidence = json!({
        "kafkaVersion": version,
        "min_kafka_version": min,
        "eol_kafka_versions": eol,
    });
    if let Some(prefix) = eol.iter().find(|e| matches_prefix(version, e)) {
        return Verdict::fail(
            format!("Kafka {version} is end-of-life (matches {prefix} in eol_kafka_versions)"),
            evidence,
        );
    }
    let (Some(have), Some(want)) = (version_parts(version), version_parts(min)) else {
        return Verdict::manual(format!(
            "cannot compare Kafka version {version:?} with min_kafka_version {min:?}"
        ));
    };
    if version_lt(&have, &want) {
        return Verdict::fail(
            format!("Kafka {version} is older than the minimum supported version {min}"),
            evidence,
        );
    }
    Verdict::pass(format!("Kafka {version} is supported"), evidence)
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_checks::Coverage;

    /// The sample cluster of `shared/baidu-api/samples/kafka.*.json`: public, NONE + SASL_SCRAM,
    /// ACLs off, a VPC PLAINTEXT and a public SASL_SSL endpoint, Kafka 2.8.2.
    fn sample() -> AssetView {
        AssetView::new(
            KIND,
            "bj",
            "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978",
            json!({
                "clusterId": "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978", "name": "events", "region": "bj",
                "type": "PROVISIONED", "state": "ACTIVE", "kafkaVersion": "2.8.2",
                "aclEnabled": false, "publicIpEnabled": true, "intranetIpEnabled": false,
                "authenticationModes": ["NONE", "SASL_SCRAM"]
            }),
        )
        .with_name("events")
        .with_detail(
            CALL_DETAIL,
            json!({"cluster": {"clusterId": "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978", "provisioned": {
                "kafkaVersion": "2.8.2", "publicIpEnabled": true,
                "authentications": [{"mode": "NONE", "context": ""}, {"mode": "SASL_SCRAM", "context": ""}],
                "aclEnabled": false}}}),
        )
        .with_detail(
            CALL_ENDPOINTS,
            json!({"accessEndpoints": [
                {"securityProtocol": "PLAINTEXT", "network": "VPC", "endpoints": "192.168.0.51:9092"},
                {"securityProtocol": "SASL_SSL", "network": "PUBLIC", "endpoints": "106.12.7.8:9095"}
            ]}),
        )
    }

    /// A private SASL/SCRAM cluster with ACLs on and only TLS endpoints (list item omits the
    /// false booleans, as the Go model's omitempty does).
    fn clean() -> AssetView {
        AssetView::new(
            KIND,
            "gz",
            "c1ea4",
            json!({"clusterId": "c1ea4", "name": "orders", "kafkaVersion": "3.6.2",
                   "aclEnabled": true, "authenticationModes": ["SASL_SCRAM"]}),
        )
        .with_detail(
            CALL_DETAIL,
            json!({"cluster": {"provisioned": {"kafkaVersion": "3.6.2", "publicIpEnabled": false,
                "authentications": [{"mode": "SASL_SCRAM", "context": "SCRAM-SHA-512"}], "aclEnabled": true}}}),
        )
        .with_detail(
            CALL_ENDPOINTS,
            json!({"accessEndpoints": [{"securityProtocol": "SASL_SSL", "network": "VPC", "endpoints": "10.0.0.2:9095"}]}),
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

    fn without(mut a: AssetView, call: &str) -> AssetView {
        if let Some(m) = a.details.as_object_mut() {
            m.remove(call);
        }
        a
    }

    // --- public access

    #[test]
    fn public_access_fails_for_the_sample_cluster() {
        let f = only(&KAFKA_PUBLIC_ACCESS, sample());
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.resource_id, "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978");
        assert_eq!(f.resource_name.as_deref(), Some("events"));
        assert_eq!(f.evidence["publicIpEnabled"], true);
        assert_eq!(
            f.evidence["publicEndpoints"][0]["securityProtocol"],
            "SASL_SSL"
        );
    }

    #[test]
    fn public_access_fails_on_a_public_endpoint_alone() {
        // publicIpEnabled omitted from the item and false in the detail, but a PUBLIC endpoint.
        let a = AssetView::new(KIND, "bj", "k2", json!({"clusterId": "k2"}))
            .with_detail(
                CALL_DETAIL,
                json!({"cluster": {"provisioned": {"publicIpEnabled": false}}}),
            )
            .with_detail(
                CALL_ENDPOINTS,
                json!({"accessEndpoints": [{"securityProtocol": "SASL_SSL", "network": "PUBLIC"}]}),
            );
        let f = only(&KAFKA_PUBLIC_ACCESS, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["provisioned.publicIpEnabled"], false);
        assert_eq!(f.evidence["publicEndpoints"][0]["network"], "PUBLIC");
    }

    #[test]
    fn public_access_passes_for_a_private_cluster() {
        let f = only(&KAFKA_PUBLIC_ACCESS, clean());
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.resource_id, "c1ea4");
        assert_eq!(f.evidence["provisioned.publicIpEnabled"], false);
        assert_eq!(f.evidence["publicEndpoints"], json!([]));
    }

    #[test]
    fn public_access_is_manual_when_no_child_call_confirms() {
        let a = AssetView::new(KIND, "bj", "k3", json!({"clusterId": "k3"}))
            .with_detail_error(CALL_DETAIL, "403 AccessDenied")
            .with_detail_error(CALL_ENDPOINTS, "403 AccessDenied");
        let f = only(&KAFKA_PUBLIC_ACCESS, a);
        assert_eq!(f.status, Status::Manual);
        let missing = f.evidence["missing"].as_str().unwrap();
        assert!(missing.contains("GetClusterAccessEndpoints"), "{missing}");
        assert!(missing.contains("AccessDenied"), "{missing}");
    }

    #[test]
    fn public_access_still_fails_when_child_calls_failed_but_the_item_says_public() {
        let a = AssetView::new(
            KIND,
            "bj",
            "k4",
            json!({"clusterId": "k4", "publicIpEnabled": true}),
        )
        .with_detail_error(CALL_DETAIL, "500")
        .with_detail_error(CALL_ENDPOINTS, "500");
        assert_eq!(only(&KAFKA_PUBLIC_ACCESS, a).status, Status::Fail);
    }

    #[test]
    fn a_region_whose_listing_was_denied_is_manual() {
        let ctx = CheckContext::for_test(vec![])
            .coverage(
                KIND,
                "bj",
                Coverage::NotAuthorized {
                    policy: Some("KAFKAReadAccessPolicy".into()),
                },
            )
            .build();
        let f = (KAFKA_PUBLIC_ACCESS.evaluate)(&ctx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Manual);
        assert!(
            f[0].message.contains("KAFKAReadAccessPolicy"),
            "{}",
            f[0].message
        );
    }

    // --- unauthenticated access

    #[test]
    fn unauthenticated_fails_critical_for_the_public_sample() {
        let f = only(&KAFKA_UNAUTHENTICATED, sample());
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.resource_id, "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978");
        assert_eq!(
            f.evidence["authenticationModes"],
            json!(["NONE", "SASL_SCRAM"])
        );
        assert_eq!(f.evidence["aclEnabled"], false);
        assert_eq!(f.evidence["public"], true);
        assert!(f.message.contains("NONE"), "{}", f.message);
    }

    #[test]
    fn sasl_without_acls_fails_high_when_private() {
        let a = AssetView::new(
            KIND,
            "bj",
            "k5",
            json!({"clusterId": "k5", "authenticationModes": ["SASL_SCRAM"]}),
        )
        .with_detail(
            CALL_DETAIL,
            json!({"cluster": {"provisioned": {"publicIpEnabled": false, "aclEnabled": false,
                    "authentications": [{"mode": "SASL_SCRAM"}]}}}),
        )
        .with_detail(
            CALL_ENDPOINTS,
            json!({"accessEndpoints": [{"securityProtocol": "SASL_PLAINTEXT", "network": "VPC"}]}),
        );
        let f = only(&KAFKA_UNAUTHENTICATED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.evidence["aclEnabled"], false);
        assert!(f.message.contains("ACLs are disabled"), "{}", f.message);
    }

    #[test]
    fn unauthenticated_passes_with_sasl_and_acls() {
        let f = only(&KAFKA_UNAUTHENTICATED, clean());
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.evidence["authenticationModes"], json!(["SASL_SCRAM"]));
        assert_eq!(f.evidence["aclEnabled"], true);
    }

    #[test]
    fn unauthenticated_fails_from_the_item_when_the_detail_failed() {
        let a = AssetView::new(
            KIND,
            "bj",
            "k6",
            json!({"clusterId": "k6", "authenticationModes": ["NONE"]}),
        )
        .with_detail_error(CALL_DETAIL, "403 AccessDenied");
        let f = only(&KAFKA_UNAUTHENTICATED, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["authenticationModes"], json!(["NONE"]));
    }

    #[test]
    fn unauthenticated_is_manual_when_the_acl_setting_is_unknown() {
        // SASL only, aclEnabled omitted from the item (omitempty) and the detail call failed.
        let a = AssetView::new(
            KIND,
            "bj",
            "k7",
            json!({"clusterId": "k7", "authenticationModes": ["SASL_SCRAM"]}),
        )
        .with_detail_error(CALL_DETAIL, "403 AccessDenied");
        let f = only(&KAFKA_UNAUTHENTICATED, a);
        assert_eq!(f.status, Status::Manual, "{f:#?}");
        assert!(f.message.contains("GetClusterDetail"), "{}", f.message);
    }

    // --- plaintext transport

    #[test]
    fn plaintext_fails_for_the_sample_vpc_plaintext_endpoint() {
        let f = only(&KAFKA_PLAINTEXT, sample());
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.resource_id, "6f0c1b2a9e8d4c7b9a1e2d3c4b5a6978");
        assert_eq!(
            f.evidence["accessEndpoints"][0]["securityProtocol"],
            "PLAINTEXT"
        );
        assert!(f.message.contains("PLAINTEXT on VPC"), "{}", f.message);
    }

    #[test]
    fn sasl_plain_without_a_tls_endpoint_fails() {
        let a = AssetView::new(
            KIND,
            "bj",
            "k8",
            json!({"clusterId": "k8", "authenticationModes": ["SASL_PLAIN"]}),
        )
        .with_detail(CALL_ENDPOINTS, json!({"accessEndpoints": []}));
        let f = only(&KAFKA_PLAINTEXT, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["authenticationModes"], json!(["SASL_PLAIN"]));
    }

    #[test]
    fn plaintext_passes_with_tls_endpoints_only() {
        let f = only(&KAFKA_PLAINTEXT, clean());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(
            f.evidence["accessEndpoints"],
            json!([{"securityProtocol": "SASL_SSL", "network": "VPC"}])
        );
    }

    #[test]
    fn plaintext_is_manual_without_endpoints() {
        let a = without(clean(), CALL_ENDPOINTS).with_detail_error(CALL_ENDPOINTS, "throttled");
        let f = only(&KAFKA_PLAINTEXT, a);
        assert_eq!(f.status, Status::Manual);
        assert!(
            f.message.contains("accessEndpoints failed"),
            "{}",
            f.message
        );
        // Never collected at all is MANUAL too.
        let f = only(&KAFKA_PLAINTEXT, without(clean(), CALL_ENDPOINTS));
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("not collected"), "{}", f.message);
    }

    // --- version

    #[test]
    fn version_fails_for_an_eol_prefix_and_below_the_minimum() {
        let mut a = clean();
        a.raw["kafkaVersion"] = json!("2.7.2");
        let f = only(&KAFKA_VERSION_EOL, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["kafkaVersion"], "2.7.2");
        assert!(f.message.contains("end-of-life"), "{}", f.message);

        // Not in the EOL list but below min_kafka_version.
        let mut a = clean();
        a.raw["kafkaVersion"] = json!("2.8.2");
        let ctx = CheckContext::for_test(vec![a])
            .param("eol_kafka_versions", json!([]))
            .param("min_kafka_version", "3.0")
            .build();
        let f = (KAFKA_VERSION_EOL.evaluate)(&ctx);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.contains("older than"), "{}", f[0].message);
    }

    #[test]
    fn version_passes_for_a_supported_version() {
        let f = only(&KAFKA_VERSION_EOL, clean());
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.evidence["kafkaVersion"], "3.6.2");
        // 2.8.2 is the default minimum's release line: supported.
        assert_eq!(only(&KAFKA_VERSION_EOL, sample()).status, Status::Pass);
    }

    #[test]
    fn version_falls_back_to_the_detail_and_is_manual_when_absent() {
        let mut a = clean();
        a.raw.as_object_mut().unwrap().remove("kafkaVersion");
        a.details["detail"]["cluster"]["provisioned"]["kafkaVersion"] = json!("2.4.1");
        let f = only(&KAFKA_VERSION_EOL, a);
        assert_eq!(f.status, Status::Fail);
        assert_eq!(f.evidence["kafkaVersion"], "2.4.1");

        let a = AssetView::new(KIND, "bj", "k9", json!({"clusterId": "k9"}))
            .with_detail_error(CALL_DETAIL, "403 AccessDenied");
        let f = only(&KAFKA_VERSION_EOL, a);
        assert_eq!(f.status, Status::Manual);
        assert!(f.message.contains("kafkaVersion"), "{}", f.message);
    }

    #[test]
    fn version_helpers() {
        assert_eq!(version_parts("3.6.2-baidu"), Some(vec![3, 6, 2]));
        assert_eq!(version_parts("v2.8"), Some(vec![2, 8]));
        assert_eq!(version_parts("latest"), None);
        assert!(version_lt(&[2, 7, 9], &[2, 8]));
        assert!(!version_lt(&[2, 8, 0], &[2, 8]));
        assert!(matches_prefix("2.7.2", "2.7"));
        assert!(!matches_prefix("2.70", "2.7"));
        assert!(matches_prefix("1.0", "1.0"));
    }

    #[test]
    fn metadata_is_complete() {
        for c in [
            &KAFKA_PUBLIC_ACCESS,
            &KAFKA_UNAUTHENTICATED,
            &KAFKA_PLAINTEXT,
            &KAFKA_VERSION_EOL,
        ] {
            let m = &c.meta;
            assert!(
                m.title.len() <= 150 && !m.title.starts_with("Ensure"),
                "{}",
                m.id
            );
            assert!(m.id.starts_with("baidu_kafka_"), "{}", m.id);
            assert!(
                !m.compliance.is_empty() && !m.categories.is_empty(),
                "{}",
                m.id
            );
            assert!(vigil_checks::find(m.id).is_some(), "{} is registered", m.id);
        }
    }
}
