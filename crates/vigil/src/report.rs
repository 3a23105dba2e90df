//! Finding outputs: Prowler-compatible CSV, OCSF 1.5 Detection Finding JSON, SARIF 2.1.0 and a
//! self-contained HTML report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::DateTime;
use serde_json::{json, Value};
use vigil_checks::{compliance, Check, Severity};
use vigil_store::StoredFinding;

/// Vigil's version, used as the product version in every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The OCSF schema version the JSON follows.
pub const OCSF_VERSION: &str = "1.5.0";

/// Prowler's CSV columns, in Prowler's order (`prowler/lib/outputs/csv/csv.py`).
pub const CSV_COLUMNS: [&str; 44] = [
    "AUTH_METHOD",
    "TIMESTAMP",
    "ACCOUNT_UID",
    "ACCOUNT_NAME",
    "ACCOUNT_EMAIL",
    "ACCOUNT_ORGANIZATION_UID",
    "ACCOUNT_ORGANIZATION_NAME",
    "ACCOUNT_TAGS",
    "FINDING_UID",
    "PROVIDER",
    "CHECK_ID",
    "CHECK_TITLE",
    "CHECK_TYPE",
    "STATUS",
    "STATUS_EXTENDED",
    "MUTED",
    "SERVICE_NAME",
    "SUBSERVICE_NAME",
    "SEVERITY",
    "RESOURCE_TYPE",
    "RESOURCE_UID",
    "RESOURCE_NAME",
    "RESOURCE_DETAILS",
    "RESOURCE_TAGS",
    "PARTITION",
    "REGION",
    "DESCRIPTION",
    "RISK",
    "RELATED_URL",
    "REMEDIATION_RECOMMENDATION_TEXT",
    "REMEDIATION_RECOMMENDATION_URL",
    "REMEDIATION_CODE_NATIVEIAC",
    "REMEDIATION_CODE_TERRAFORM",
    "REMEDIATION_CODE_CLI",
    "REMEDIATION_CODE_OTHER",
    "COMPLIANCE",
    "CATEGORIES",
    "DEPENDS_ON",
    "RELATED_TO",
    "NOTES",
    "PROWLER_VERSION",
    "ADDITIONAL_URLS",
    "ACCOUNT_OU_UID",
    "ACCOUNT_OU_NAME",
];

/// The check of a finding, if it is still registered.
fn check_of(f: &StoredFinding) -> Option<&'static Check> {
    vigil_checks::find(&f.check_id)
}

/// Framework → requirement ids for a check: its own mappings plus the compliance data files.
pub fn compliance_of(check_id: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(c) = vigil_checks::find(check_id) {
        for m in c.meta.compliance {
            out.entry(m.framework.to_string())
                .or_default()
                .push(m.requirement.to_string());
        }
    }
    for fw in compliance::frameworks() {
        for r in &fw.requirements {
            if r.checks.iter().any(|c| c == check_id) {
                out.entry(fw.id.clone()).or_default().push(r.id.clone());
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// `a: 1, 2 | b: 3` (Prowler's `unroll_dict(..., separator=": ")` shape).
fn unroll_compliance(map: &BTreeMap<String, Vec<String>>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {}", v.join(", ")))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The account uid: the cloud account id, else the connection name.
fn account_uid(f: &StoredFinding) -> String {
    f.account_id.clone().unwrap_or_else(|| f.connection.clone())
}

fn severity_of(f: &StoredFinding) -> Severity {
    Severity::parse(&f.severity).unwrap_or(Severity::Informational)
}

fn resource_type(f: &StoredFinding, check: Option<&Check>) -> String {
    if f.resource_kind == "account" {
        return "BCE::Account".to_string();
    }
    check
        .map(|c| c.meta.resource_type.to_string())
        .unwrap_or_else(|| f.resource_kind.clone())
}

fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Prowler-compatible CSV: `;`-delimited, Prowler's header, CRLF line ends (as Python's csv
/// module writes them). PROWLER_VERSION holds Vigil's version.
pub fn csv(findings: &[StoredFinding]) -> String {
    let mut out = CSV_COLUMNS.join(";");
    out.push_str("\r\n");
    for f in findings {
        let c = check_of(f);
        let meta = |g: fn(&Check) -> &'static str| c.map(g).unwrap_or("");
        let tags = f
            .evidence
            .get("tags")
            .map(|t| t.to_string())
            .unwrap_or_default();
        let cells: Vec<String> = vec![
            "access-key".into(),
            f.run_started_at.clone(),
            account_uid(f),
            f.connection.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            f.finding_id.clone(),
            f.provider.clone(),
            f.check_id.clone(),
            meta(|c| c.meta.title).into(),
            c.map(|c| c.meta.categories.join(" | ")).unwrap_or_default(),
            f.status.clone(),
            f.message.clone(),
            if f.muted { "True" } else { "False" }.into(),
            f.service.clone(),
            String::new(),
            f.severity.clone(),
            resource_type(f, c),
            f.resource_id.clone(),
            f.resource_name.clone().unwrap_or_default(),
            serde_json::to_string(&f.evidence).unwrap_or_default(),
            tags,
            String::new(),
            f.region.clone(),
            meta(|c| c.meta.description).into(),
            meta(|c| c.meta.risk).into(),
            meta(|c| c.meta.remediation.url).into(),
            meta(|c| c.meta.remediation.text).into(),
            meta(|c| c.meta.remediation.url).into(),
            String::new(),
            c.and_then(|c| c.meta.remediation.terraform)
                .unwrap_or("")
                .into(),
            c.and_then(|c| c.meta.remediation.cli).unwrap_or("").into(),
            meta(|c| c.meta.remediation.console).into(),
            unroll_compliance(&compliance_of(&f.check_id)),
            c.map(|c| c.meta.categories.join(" | ")).unwrap_or_default(),
            String::new(),
            related_list(f).join(" | "),
            f.mute_reason.clone().unwrap_or_default(),
            format!("vigil {VERSION}"),
            String::new(),
            String::new(),
            String::new(),
        ];
        debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    out
}

/// `kind region id` of each related resource.
fn related_list(f: &StoredFinding) -> Vec<String> {
    f.related
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r["kind"].as_str().unwrap_or(""),
                        r["region"].as_str().unwrap_or(""),
                        r["resource_id"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn millis(rfc3339: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// OCSF severity_id: Informational 1, Low 2, Medium 3, High 4, Critical 5.
pub fn ocsf_severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// One finding as an OCSF 1.5 Detection Finding (class 2004), activity Create, with the cloud
/// and datetime profiles. `status_id` is New (1), or Suppressed (3) when muted; the check's
/// result is in `status_code` (PASS/FAIL/MANUAL/NOT_APPLICABLE).
pub fn ocsf_finding(f: &StoredFinding) -> Value {
    let c = check_of(f);
    let (sev_id, sev) = ocsf_severity(severity_of(f));
    let (status_id, status) = if f.muted {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let time = millis(&f.run_started_at).unwrap_or(0);
    let created = f.first_seen.as_deref().and_then(millis).unwrap_or(time);
    let activity_id = 1;
    let class_uid = 2004;
    let mut finding_info = json!({
        "uid": f.finding_id,
        "title": c.map(|c| c.meta.title).unwrap_or(&f.check_id),
        "desc": c.map(|c| c.meta.description).unwrap_or(""),
        "created_time": created,
        "created_time_dt": f.first_seen.clone().unwrap_or_else(|| f.run_started_at.clone()),
        "types": c.map(|c| c.meta.categories.to_vec()).unwrap_or_default(),
        "analytic": {
            "uid": f.check_id,
            "name": f.check_id,
            "type_id": 1,
            "type": "Rule",
        },
    });
    if let Some(first) = f.first_seen.as_deref().and_then(millis) {
        finding_info["first_seen_time"] = json!(first);
        finding_info["last_seen_time"] = json!(time);
    }
    let mut resources = vec![json!({
        "uid": f.resource_id,
        "name": f.resource_name.clone().unwrap_or_else(|| f.resource_id.clone()),
        "type": resource_type(f, c),
        "region": f.region,
        "group": {"name": f.service},
        "cloud_partition": "baidu",
        "data": {"kind": f.resource_kind, "evidence": f.evidence},
    })];
    for r in f.related.as_array().into_iter().flatten() {
        resources.push(json!({
            "uid": r["resource_id"],
            "type": r["kind"],
            "region": r["region"],
            "data": {"kind": r["kind"], "related": true},
        }));
    }
    let remediation_text = c
        .map(|c| c.meta.remediation.text)
        .filter(|t| !t.is_empty())
        .unwrap_or("See the check's documentation.");
    let references: Vec<&str> = c
        .map(|c| c.meta.remediation.url)
        .into_iter()
        .filter(|u| !u.is_empty())
        .collect();
    json!({
        "message": f.message,
        "activity_id": activity_id,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": class_uid,
        "class_name": "Detection Finding",
        "type_uid": class_uid * 100 + activity_id,
        "type_name": "Detection Finding: Create",
        "severity_id": sev_id,
        "severity": sev,
        "status_id": status_id,
        "status": status,
        "status_code": f.status,
        "status_detail": f.message,
        "time": time,
        "time_dt": f.run_started_at,
        "is_alert": f.status == "FAIL" && !f.muted,
        "risk_details": c.map(|c| c.meta.risk).unwrap_or(""),
        "finding_info": finding_info,
        "resources": resources,
        "cloud": {
            "provider": f.provider,
            "region": f.region,
            "account": {
                "uid": account_uid(f),
                "name": f.connection,
                "type_id": 99,
                "type": "Other",
            },
        },
        "remediation": {
            "desc": remediation_text,
            "references": references,
        },
        "metadata": {
            "version": OCSF_VERSION,
            "event_code": f.check_id,
            "profiles": ["cloud", "datetime"],
            "product": {
                "uid": "vigil",
                "name": "Vigil",
                "vendor_name": "Vigil",
                "version": VERSION,
            },
        },
        "unmapped": {
            "connection": f.connection,
            "run_id": f.run_id,
            "resource_kind": f.resource_kind,
            "muted": f.muted,
            "mute_reason": f.mute_reason,
            "first_seen": f.first_seen,
            "resolved_at": f.resolved_at,
            "categories": c.map(|c| c.meta.categories.to_vec()).unwrap_or_default(),
            "compliance": compliance_of(&f.check_id),
            "remediation_console": c.map(|c| c.meta.remediation.console),
            "remediation_cli": c.and_then(|c| c.meta.remediation.cli),
            "remediation_terraform": c.and_then(|c| c.meta.remediation.terraform),
        },
    })
}

/// Every finding as OCSF (a JSON array, like Prowler's `.ocsf.json`).
pub fn ocsf(findings: &[StoredFinding]) -> Value {
    Value::Array(findings.iter().map(ocsf_finding).collect())
}

/// SARIF level of a severity: critical/high error, medium warning, low/informational note.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Informational => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.0",
        Severity::High => "7.0",
        Severity::Medium => "4.0",
        Severity::Low => "2.0",
        Severity::Informational => "0.0",
    }
}

/// SARIF 2.1.0: one run, a rule per registered check (from its metadata), a result per
/// unmuted FAIL with the resource as a logical location and the finding id as a fingerprint.
pub fn sarif(findings: &[StoredFinding]) -> Value {
    let checks = vigil_checks::checks();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        index.insert(c.meta.id, i);
        let m = &c.meta;
        let mut help = format!(
            "**{}**\n\n{}\n\nRisk: {}\n\nRemediation: {}",
            m.title, m.description, m.risk, m.remediation.text
        );
        if let Some(cli) = m.remediation.cli {
            let _ = write!(help, "\n\nCLI: `{cli}`");
        }
        rules.push(json!({
            "id": m.id,
            "name": m.id,
            "shortDescription": {"text": m.title},
            "fullDescription": {"text": m.description},
            "help": {"text": m.remediation.text, "markdown": help},
            "helpUri": m.remediation.url,
            "defaultConfiguration": {"level": sarif_level(m.severity)},
            "properties": {
                "tags": std::iter::once("security".to_string())
                    .chain(std::iter::once(format!("severity/{}", m.severity)))
                    .chain(m.categories.iter().map(|c| c.to_string()))
                    .collect::<Vec<_>>(),
                "security-severity": security_severity(m.severity),
                "severity": m.severity.as_str(),
            },
        }));
    }
    let mut results = Vec::new();
    for f in findings.iter().filter(|f| f.status == "FAIL" && !f.muted) {
        let sev = severity_of(f);
        let mut result = json!({
            "ruleId": f.check_id,
            "level": sarif_level(sev),
            "message": {"text": f.message},
            "locations": [{
                "logicalLocations": [{
                    "name": f.resource_name.clone().unwrap_or_else(|| f.resource_id.clone()),
                    "fullyQualifiedName": format!(
                        "{}/{}/{}/{}", f.connection, f.region, f.resource_kind, f.resource_id
                    ),
                    "kind": "resource",
                }],
            }],
            "partialFingerprints": {"vigilFindingId/v1": f.finding_id},
            "properties": {
                "connection": f.connection,
                "region": f.region,
                "resource_id": f.resource_id,
                "severity": f.severity,
                "first_seen": f.first_seen,
                "evidence": f.evidence,
            },
        });
        if let Some(i) = index.get(f.check_id.as_str()) {
            result["ruleIndex"] = json!(i);
        }
        results.push(result);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Vigil",
                "version": VERSION,
                "informationUri": "https://github.com/vigil-cspm/vigil",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// HTML-escapes text (`& < > " '`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link only for http(s) URLs (anything else is shown as text).
fn link(url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            escape(url),
            escape(url)
        )
    } else {
        escape(url)
    }
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.sev-critical{color:#fff;background:#8b0000}.sev-high{color:#fff;background:#d9534f}\
.sev-medium{background:#f0ad4e}.sev-low{background:#d9edf7}.sev-informational{background:#eee}\
.st-FAIL{color:#b00;font-weight:bold}.st-PASS{color:#070}.st-MANUAL{color:#a60}\
details{margin:.5em 0}pre{background:#f7f7f7;padding:.5em;white-space:pre-wrap;word-break:break-all}\
.muted{opacity:.6}";

fn count_table(title: &str, head: &str, rows: &BTreeMap<String, [u64; 5]>) -> String {
    let mut s = format!(
        "<h2>{}</h2><table><tr><th>{}</th><th>FAIL</th><th>PASS</th><th>MANUAL</th><th>NOT_APPLICABLE</th><th>muted</th></tr>",
        escape(title),
        escape(head)
    );
    for (k, c) in rows {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(k),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4]
        );
    }
    s.push_str("</table>");
    s
}

/// A self-contained HTML report: inline CSS, no scripts, no images, nothing fetched; every
/// value escaped. A summary by severity, product and region (counts per status), then each
/// finding with its message, evidence and remediation.
pub fn html(findings: &[StoredFinding], title: &str) -> String {
    let mut by_sev: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    let mut by_product: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    let mut by_region: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for f in findings {
        let slot = if f.muted {
            4
        } else {
            match f.status.as_str() {
                "FAIL" => 0,
                "PASS" => 1,
                "MANUAL" => 2,
                _ => 3,
            }
        };
        let sev = severity_of(f);
        let rank = 6 - ocsf_severity(sev).0;
        by_sev
            .entry(format!("{rank}. {}", sev.as_str()))
            .or_default()[slot] += 1;
        by_product.entry(f.service.clone()).or_default()[slot] += 1;
        by_region.entry(f.region.clone()).or_default()[slot] += 1;
    }
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>{CSS}</style></head><body><h1>{}</h1><p>Generated by Vigil {} — {} findings.</p>",
        escape(title),
        escape(title),
        escape(VERSION),
        findings.len()
    );
    s.push_str(&count_table("By severity", "Severity", &by_sev));
    s.push_str(&count_table("By product", "Product", &by_product));
    s.push_str(&count_table("By region", "Region", &by_region));
    s.push_str("<h2>Findings</h2>");
    for f in findings {
        let c = check_of(f);
        let class = if f.muted { " class=\"muted\"" } else { "" };
        let _ = write!(
            s,
            "<details{class}{}><summary><span class=\"sev-{}\">{}</span> \
             <span class=\"st-{}\">{}</span> {} — {} <code>{}</code> ({}){}</summary>",
            if f.status == "FAIL" && !f.muted {
                " open"
            } else {
                ""
            },
            escape(&f.severity),
            escape(&f.severity),
            escape(&f.status),
            escape(&f.status),
            escape(&f.check_id),
            escape(c.map(|c| c.meta.title).unwrap_or("")),
            escape(
                &f.resource_name
                    .clone()
                    .unwrap_or_else(|| f.resource_id.clone())
            ),
            escape(&f.region),
            if f.muted {
                format!(
                    " — muted: {}",
                    escape(f.mute_reason.as_deref().unwrap_or(""))
                )
            } else {
                String::new()
            }
        );
        let _ = write!(
            s,
            "<table><tr><th>Connection</th><td>{}</td></tr><tr><th>Resource</th><td>{} <code>{}</code></td></tr>\
             <tr><th>Message</th><td>{}</td></tr><tr><th>First seen failing</th><td>{}</td></tr>\
             <tr><th>Resolved</th><td>{}</td></tr><tr><th>Finding id</th><td><code>{}</code></td></tr>",
            escape(&f.connection),
            escape(&f.resource_kind),
            escape(&f.resource_id),
            escape(&f.message),
            escape(f.first_seen.as_deref().unwrap_or("-")),
            escape(f.resolved_at.as_deref().unwrap_or("-")),
            escape(&f.finding_id),
        );
        let related = related_list(f);
        if !related.is_empty() {
            let _ = write!(
                s,
                "<tr><th>Related</th><td>{}</td></tr>",
                related
                    .iter()
                    .map(|r| escape(r))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        if let Some(c) = c {
            let m = &c.meta;
            let _ = write!(
                s,
                "<tr><th>Risk</th><td>{}</td></tr><tr><th>Remediation</th><td>{}<br>{}</td></tr>",
                escape(m.risk),
                escape(m.remediation.text),
                escape(m.remediation.console)
            );
            if let Some(cli) = m.remediation.cli {
                let _ = write!(
                    s,
                    "<tr><th>CLI</th><td><pre>{}</pre></td></tr>",
                    escape(cli)
                );
            }
            if let Some(tf) = m.remediation.terraform {
                let _ = write!(
                    s,
                    "<tr><th>Terraform</th><td><pre>{}</pre></td></tr>",
                    escape(tf)
                );
            }
            if !m.remediation.url.is_empty() {
                let _ = write!(
                    s,
                    "<tr><th>Reference</th><td>{}</td></tr>",
                    link(m.remediation.url)
                );
            }
        }
        let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        let _ = write!(
            s,
            "<tr><th>Evidence</th><td><pre>{}</pre></td></tr></table></details>",
            escape(&evidence)
        );
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: &str, severity: &str, muted: bool) -> StoredFinding {
        StoredFinding {
            run_id: 3,
            run_started_at: "2024-05-01T12:00:00.000Z".into(),
            connection_id: 1,
            connection: "prod".into(),
            provider: "baidu".into(),
            account_id: Some("acct-1".into()),
            finding_id: "0123456789abcdef0123456789abcdef".into(),
            check_id: "baidu_test_x".into(),
            status: status.into(),
            severity: severity.into(),
            service: "bcc".into(),
            resource_kind: "baidu_bcc_security_group".into(),
            resource_id: "g-<script>alert(1)</script>".into(),
            resource_name: Some("web; \"quoted\"\nline".into()),
            region: "bj".into(),
            message: "opens <b>22</b> & more".into(),
            evidence: json!({"rules": [{"sourceIp": "0.0.0.0/0", "x": "</pre><img src=x>"}]}),
            related: json!([{"kind": "baidu_bcc_instance", "region": "bj", "resource_id": "i-1"}]),
            muted,
            mute_reason: muted.then(|| "accepted".to_string()),
            first_seen: Some("2024-04-01T00:00:00.000Z".into()),
            resolved_at: None,
            resolved_run_id: None,
        }
    }

    #[test]
    fn csv_header_is_prowlers_and_fields_are_quoted() {
        let text = csv(&[finding("FAIL", "high", false)]);
        let header = text.split("\r\n").next().unwrap();
        assert_eq!(
            header,
            "AUTH_METHOD;TIMESTAMP;ACCOUNT_UID;ACCOUNT_NAME;ACCOUNT_EMAIL;ACCOUNT_ORGANIZATION_UID;\
ACCOUNT_ORGANIZATION_NAME;ACCOUNT_TAGS;FINDING_UID;PROVIDER;CHECK_ID;CHECK_TITLE;CHECK_TYPE;STATUS;\
STATUS_EXTENDED;MUTED;SERVICE_NAME;SUBSERVICE_NAME;SEVERITY;RESOURCE_TYPE;RESOURCE_UID;RESOURCE_NAME;\
RESOURCE_DETAILS;RESOURCE_TAGS;PARTITION;REGION;DESCRIPTION;RISK;RELATED_URL;\
REMEDIATION_RECOMMENDATION_TEXT;REMEDIATION_RECOMMENDATION_URL;REMEDIATION_CODE_NATIVEIAC;\
REMEDIATION_CODE_TERRAFORM;REMEDIATION_CODE_CLI;REMEDIATION_CODE_OTHER;COMPLIANCE;CATEGORIES;\
DEPENDS_ON;RELATED_TO;NOTES;PROWLER_VERSION;ADDITIONAL_URLS;ACCOUNT_OU_UID;ACCOUNT_OU_NAME"
        );
        assert!(text.contains("\"web; \"\"quoted\"\"\nline\""), "{text}");
        assert!(
            text.contains(";FAIL;opens <b>22</b> & more;False;bcc;"),
            "{text}"
        );
        assert!(text.contains(";acct-1;prod;"));
        assert!(text.ends_with("\r\n"));
        // one record: the quoted newline does not split it
        let muted = csv(&[finding("PASS", "low", true)]);
        assert!(
            muted.contains(";PASS;opens <b>22</b> & more;True;"),
            "{muted}"
        );
    }

    #[test]
    fn sarif_levels_and_only_unmuted_failures() {
        let doc = sarif(&[
            finding("FAIL", "critical", false),
            finding("FAIL", "medium", false),
            finding("FAIL", "low", false),
            finding("FAIL", "high", true),
            finding("PASS", "high", false),
        ]);
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "Vigil");
        assert!(run["tool"]["driver"]["rules"].is_array());
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        let levels: Vec<&str> = results
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["error", "warning", "note"]);
        let r = &results[0];
        assert_eq!(r["ruleId"], "baidu_test_x");
        assert_eq!(r["message"]["text"], "opens <b>22</b> & more");
        let loc = &r["locations"][0]["logicalLocations"][0];
        assert_eq!(loc["kind"], "resource");
        assert_eq!(
            loc["fullyQualifiedName"],
            "prod/bj/baidu_bcc_security_group/g-<script>alert(1)</script>"
        );
        assert_eq!(
            r["partialFingerprints"]["vigilFindingId/v1"],
            "0123456789abcdef0123456789abcdef"
        );
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let page = html(
            &[finding("FAIL", "high", false), finding("PASS", "low", true)],
            "Vigil <report>",
        );
        let lower = page.to_ascii_lowercase();
        for bad in [
            "<script", "<img", "<link", "@import", "url(", "src=\"", "<iframe", "<object", "<embed",
        ] {
            assert!(!lower.contains(bad), "{bad} in the report");
        }
        assert!(!lower.contains("src=\"http"));
        assert!(page.contains("g-&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;/pre&gt;&lt;img src=x&gt;"));
        assert!(page.contains("Vigil &lt;report&gt;"));
        assert!(page.contains("opens &lt;b&gt;22&lt;/b&gt; &amp; more"));
        assert!(
            page.contains("By severity")
                && page.contains("By product")
                && page.contains("By region")
        );
        assert!(page.contains("muted: accepted"));
        assert!(page.contains("baidu_bcc_instance bj i-1"));
    }

    /// Checks `value` (an object of OCSF type `object`) against the schema extract: every
    /// required attribute present and not null, every attribute known (a `<name>_dt` is known
    /// when `<name>` is: the datetime profile), enum ids valid.
    fn validate_object(
        schema: &Value,
        object: &str,
        value: &Value,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let spec = &schema["objects"][object];
        let map = value
            .as_object()
            .unwrap_or_else(|| panic!("{path} is not an object"));
        for r in spec["required"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            if map.get(r).is_none_or(Value::is_null) {
                errors.push(format!("{path}.{r} is required"));
            }
        }
        let known: Vec<&str> = spec["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for k in map.keys() {
            let base = k.strip_suffix("_dt").unwrap_or(k);
            if !known.contains(&k.as_str()) && !known.contains(&base) {
                errors.push(format!("{path}.{k} is not an attribute of {object}"));
            }
        }
        if let Some(enums) = spec["enums"].as_object() {
            for (attr, values) in enums {
                if let Some(v) = map.get(attr) {
                    if !values.as_object().unwrap().contains_key(&v.to_string()) {
                        errors.push(format!("{path}.{attr} = {v} is not in the enum"));
                    }
                }
            }
        }
    }

    #[test]
    fn ocsf_findings_carry_every_required_attribute_and_valid_enums() {
        let schema: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/ocsf_1.5.0_detection_finding.json"
        ))
        .unwrap();
        assert_eq!(schema["version"], OCSF_VERSION);
        let class = &schema["class"];
        let mut errors = Vec::new();
        for f in [
            finding("FAIL", "critical", false),
            finding("PASS", "informational", true),
            finding("MANUAL", "medium", false),
            {
                let mut f = finding("NOT_APPLICABLE", "low", false);
                f.account_id = None;
                f.first_seen = None;
                f.related = json!([]);
                f
            },
        ] {
            let e = ocsf_finding(&f);
            let map = e.as_object().unwrap();
            for r in class["required"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                if map.get(r).is_none_or(Value::is_null) {
                    errors.push(format!("{r} is required"));
                }
            }
            let known: Vec<&str> = class["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for k in map.keys() {
                let base = k.strip_suffix("_dt").unwrap_or(k);
                if !known.contains(&k.as_str()) && !known.contains(&base) {
                    errors.push(format!("{k} is not an attribute of detection_finding"));
                }
            }
            assert_eq!(e["class_uid"], class["class_uid"]);
            assert_eq!(e["category_uid"], class["category_uid"]);
            assert_eq!(e["type_uid"], 200401);
            assert_eq!(
                e["type_uid"].as_i64().unwrap(),
                e["class_uid"].as_i64().unwrap() * 100 + e["activity_id"].as_i64().unwrap()
            );
            for (attr, values) in class["enums"].as_object().unwrap() {
                if let Some(v) = map.get(attr) {
                    let caption = values
                        .get(v.to_string())
                        .unwrap_or_else(|| panic!("{attr} = {v} not in the enum"));
                    let name_attr = attr.trim_end_matches("_id");
                    if let Some(name) = map.get(name_attr) {
                        assert_eq!(name, caption, "{name_attr} must be the caption of {attr}");
                    }
                }
            }
            assert!(
                e["time"].as_i64().unwrap() > 1_600_000_000_000,
                "time is epoch ms"
            );
            validate_object(
                &schema,
                "finding_info",
                &e["finding_info"],
                "finding_info",
                &mut errors,
            );
            validate_object(
                &schema,
                "analytic",
                &e["finding_info"]["analytic"],
                "finding_info.analytic",
                &mut errors,
            );
            validate_object(&schema, "metadata", &e["metadata"], "metadata", &mut errors);
            validate_object(
                &schema,
                "product",
                &e["metadata"]["product"],
                "metadata.product",
                &mut errors,
            );
            validate_object(&schema, "cloud", &e["cloud"], "cloud", &mut errors);
            validate_object(
                &schema,
                "account",
                &e["cloud"]["account"],
                "cloud.account",
                &mut errors,
            );
            validate_object(
                &schema,
                "remediation",
                &e["remediation"],
                "remediation",
                &mut errors,
            );
            for (i, r) in e["resources"].as_array().unwrap().iter().enumerate() {
                validate_object(
                    &schema,
                    "resource_details",
                    r,
                    &format!("resources[{i}]"),
                    &mut errors,
                );
                if r.get("group").is_some() {
                    validate_object(
                        &schema,
                        "group",
                        &r["group"],
                        &format!("resources[{i}].group"),
                        &mut errors,
                    );
                }
            }
            assert_eq!(e["status_code"], f.status);
            assert_eq!(e["status_id"], if f.muted { 3 } else { 1 });
            assert_eq!(e["finding_info"]["uid"], f.finding_id);
        }
        assert!(errors.is_empty(), "{errors:#?}");
        let sev: Vec<u8> = Severity::ALL.iter().map(|s| ocsf_severity(*s).0).collect();
        assert_eq!(sev, [5, 4, 3, 2, 1]);
    }

    #[test]
    fn escape_all_specials() {
        assert_eq!(
            escape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
        assert!(link("https://cloud.baidu.com/doc?a=1&b=2").contains("a=1&amp;b=2"));
    }
}
