//! The engine's data types: check metadata, asset views, coverage, verdicts and findings.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::context::CheckContext;

/// How bad a failing finding is (the catalog's severity rubric). Ordered from the most to the
/// least severe: `Critical < High < ... < Informational`, so "at or above High" is `s <= High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Informational,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
    ];

    /// The lowercase name (`critical`, `high`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Informational => "informational",
        }
    }

    /// Parses a name, case-insensitively (`info` is accepted for informational).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "informational" | "info" => Some(Severity::Informational),
            _ => None,
        }
    }

    /// Whether `self` is at least as severe as `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pass,
    Fail,
    Manual,
    NotApplicable,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 4] = [
        Status::Fail,
        Status::Pass,
        Status::Manual,
        Status::NotApplicable,
    ];

    /// `PASS`, `FAIL`, `MANUAL`, `NOT_APPLICABLE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Manual => "MANUAL",
            Status::NotApplicable => "NOT_APPLICABLE",
        }
    }

    /// Parses a status, case-insensitively (`na` and `not-applicable` accepted).
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "PASS" => Some(Status::Pass),
            "FAIL" => Some(Status::Fail),
            "MANUAL" => Some(Status::Manual),
            "NOT_APPLICABLE" | "NA" => Some(Status::NotApplicable),
            _ => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to fix a failing finding.
#[derive(Debug)]
pub struct Remediation {
    /// What to do, in words.
    pub text: &'static str,
    /// Console steps.
    pub console: &'static str,
    /// A CLI command, where one exists.
    pub cli: Option<&'static str>,
    /// A Terraform snippet, where one exists.
    pub terraform: Option<&'static str>,
    /// The vendor documentation.
    pub url: &'static str,
}

/// A check's metadata, in the shape of Prowler's check metadata.
#[derive(Debug)]
pub struct CheckMeta {
    /// `<provider>_<service>_<what>`, as in the catalog.
    pub id: &'static str,
    /// `baidu`.
    pub provider: &'static str,
    /// At most 150 characters, not starting with "Ensure".
    pub title: &'static str,
    /// iam, bcc, vpc, eip, rds, scs, kafka, mongodb, bos, blb, bct.
    pub service: &'static str,
    /// The catalog's ResourceType, e.g. `BCE::RDS::Instance`.
    pub resource_type: &'static str,
    pub severity: Severity,
    /// What is checked.
    pub description: &'static str,
    /// Why it matters.
    pub risk: &'static str,
    pub remediation: Remediation,
    /// e.g. `internet-exposed`, `encryption`, `logging`, `identity`.
    pub categories: &'static [&'static str],
    pub compliance: &'static [Mapping],
    /// The asset kinds it reads.
    pub reads: &'static [&'static str],
}

/// A requirement of a compliance framework the check maps to.
#[derive(Debug)]
pub struct Mapping {
    /// `cis_alibaba_2.0`, `cis_aws_5.0`, `prowler`, `alibaba_config`, `mlps_2.0_l3`.
    pub framework: &'static str,
    pub requirement: &'static str,
}

/// One posture check.
#[derive(Debug)]
pub struct Check {
    pub meta: CheckMeta,
    pub evaluate: fn(&CheckContext<'_>) -> Vec<Finding>,
}

impl Check {
    /// The check's id.
    pub fn id(&self) -> &'static str {
        self.meta.id
    }

    /// A finding of this check for `asset` from a verdict.
    pub fn finding(&self, asset: &AssetView, verdict: Verdict) -> Finding {
        Finding::from_verdict(self, asset, verdict)
    }
}

/// One stored asset as checks see it.
#[derive(Debug, Clone, Default)]
pub struct AssetView {
    pub kind: String,
    pub region: String,
    pub resource_id: String,
    pub name: Option<String>,
    /// The list item.
    pub raw: serde_json::Value,
    /// Object: child-call name → response (e.g. "securityIps", "acl").
    pub details: serde_json::Value,
    pub detail_errors: Vec<vigil_core::DetailError>,
}

impl AssetView {
    /// An asset with no details (handy in fixtures).
    pub fn new(
        kind: impl Into<String>,
        region: impl Into<String>,
        resource_id: impl Into<String>,
        raw: serde_json::Value,
    ) -> AssetView {
        AssetView {
            kind: kind.into(),
            region: region.into(),
            resource_id: resource_id.into(),
            name: None,
            raw,
            details: serde_json::Value::Object(Default::default()),
            detail_errors: Vec::new(),
        }
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> AssetView {
        self.name = Some(name.into());
        self
    }

    /// Adds a child call's response.
    pub fn with_detail(mut self, call: &str, value: serde_json::Value) -> AssetView {
        if !self.details.is_object() {
            self.details = serde_json::Value::Object(Default::default());
        }
        if let Some(map) = self.details.as_object_mut() {
            map.insert(call.to_string(), value);
        }
        self
    }

    /// Records a failed child call.
    pub fn with_detail_error(mut self, call: &str, message: impl Into<String>) -> AssetView {
        self.detail_errors.push(vigil_core::DetailError {
            call: call.to_string(),
            kind: vigil_core::ErrorKind::Other,
            code: None,
            message: message.into(),
            request_id: None,
        });
        self
    }

    /// A child call's response, or why it is missing (the call failed → its error; never made →
    /// "not collected").
    pub fn detail(&self, call: &str) -> Result<&serde_json::Value, String> {
        if let Some(v) = self.details.get(call) {
            return Ok(v);
        }
        if let Some(e) = self.detail_errors.iter().find(|e| e.call == call) {
            let code = e
                .code
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            return Err(format!("{call} failed{code}: {}", e.message));
        }
        Err(format!("{call}: not collected"))
    }

    /// `raw[field]` as a string, `""` if absent or not a string. A field starting with `/` is a
    /// JSON pointer (`/a/b/0`).
    pub fn str(&self, field: &str) -> &str {
        self.field(field).and_then(|v| v.as_str()).unwrap_or("")
    }

    /// `raw[field]` (JSON pointer when it starts with `/`).
    pub fn field(&self, field: &str) -> Option<&serde_json::Value> {
        if field.starts_with('/') {
            self.raw.pointer(field)
        } else {
            self.raw.get(field)
        }
    }

    /// A reference to this asset (for [`Finding::related`]).
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef {
            kind: self.kind.clone(),
            region: self.region.clone(),
            resource_id: self.resource_id.clone(),
        }
    }
}

/// Whether a kind was collected completely in a region in this sync.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    Collected,
    NotAuthorized { policy: Option<String> },
    Failed { error: String },
    NotCollected,
}

impl Coverage {
    /// Why a region could not be evaluated (for a MANUAL finding's message).
    pub fn describe(&self, kind: &str, region: &str) -> String {
        match self {
            Coverage::Collected => format!("{kind} was collected in {region}"),
            Coverage::NotAuthorized { policy: Some(p) } => format!(
                "listing {kind} in {region} was not authorized; grant the read policy {p} to evaluate it"
            ),
            Coverage::NotAuthorized { policy: None } => {
                format!("listing {kind} in {region} was not authorized; grant read access to evaluate it")
            }
            Coverage::Failed { error } => format!("listing {kind} in {region} failed: {error}"),
            Coverage::NotCollected => format!("{kind} was not collected in {region} in this sync"),
        }
    }

    /// A JSON form for evidence.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Coverage::Collected => serde_json::json!({"coverage": "collected"}),
            Coverage::NotAuthorized { policy } => {
                serde_json::json!({"coverage": "not_authorized", "policy": policy})
            }
            Coverage::Failed { error } => serde_json::json!({"coverage": "failed", "error": error}),
            Coverage::NotCollected => serde_json::json!({"coverage": "not_collected"}),
        }
    }
}

/// What a check decided for one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass {
        message: String,
        evidence: serde_json::Value,
    },
    Fail {
        message: String,
        evidence: serde_json::Value,
    },
    /// Names the missing data and the permission/API that supplies it.
    Manual {
        missing: String,
    },
    NotApplicable {
        message: String,
    },
}

impl Verdict {
    pub fn pass(message: impl Into<String>, evidence: serde_json::Value) -> Verdict {
        Verdict::Pass {
            message: message.into(),
            evidence,
        }
    }
    pub fn fail(message: impl Into<String>, evidence: serde_json::Value) -> Verdict {
        Verdict::Fail {
            message: message.into(),
            evidence,
        }
    }
    pub fn manual(missing: impl Into<String>) -> Verdict {
        Verdict::Manual {
            missing: missing.into(),
        }
    }
    pub fn na(message: impl Into<String>) -> Verdict {
        Verdict::NotApplicable {
            message: message.into(),
        }
    }

    /// The status this verdict yields.
    pub fn status(&self) -> Status {
        match self {
            Verdict::Pass { .. } => Status::Pass,
            Verdict::Fail { .. } => Status::Fail,
            Verdict::Manual { .. } => Status::Manual,
            Verdict::NotApplicable { .. } => Status::NotApplicable,
        }
    }
}

/// The resource kind of account-level findings ([`CheckContext::manual_account`]).
pub const ACCOUNT_RESOURCE_KIND: &str = "account";

/// One finding: a check's result for one resource.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub check_id: String,
    pub status: Status,
    pub severity: Severity,
    pub resource_kind: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub region: String,
    pub message: String,
    /// The field values that decided it.
    pub evidence: serde_json::Value,
    /// Toxic combinations: every other asset involved.
    pub related: Vec<ResourceRef>,
}

impl Finding {
    /// A finding of `check` for `asset` from a verdict. A MANUAL verdict's message is
    /// "Could not evaluate: <missing>"; its evidence is `{"missing": <missing>}`.
    pub fn from_verdict(check: &Check, asset: &AssetView, verdict: Verdict) -> Finding {
        let status = verdict.status();
        let (message, evidence) = match verdict {
            Verdict::Pass { message, evidence } | Verdict::Fail { message, evidence } => {
                (message, evidence)
            }
            Verdict::Manual { missing } => (
                format!("Could not evaluate: {missing}"),
                serde_json::json!({ "missing": missing }),
            ),
            Verdict::NotApplicable { message } => (message, serde_json::Value::Null),
        };
        Finding {
            check_id: check.meta.id.to_string(),
            status,
            severity: check.meta.severity,
            resource_kind: asset.kind.clone(),
            resource_id: asset.resource_id.clone(),
            resource_name: asset.name.clone(),
            region: asset.region.clone(),
            message,
            evidence,
            related: Vec::new(),
        }
    }

    /// Adds related resources (toxic combinations).
    pub fn with_related(mut self, related: impl IntoIterator<Item = ResourceRef>) -> Finding {
        self.related.extend(related);
        self
    }

    /// The deterministic finding id for this finding under a connection (see [`finding_id`]).
    pub fn id(&self, connection: &str) -> String {
        finding_id(
            connection,
            &self.check_id,
            &self.resource_kind,
            &self.region,
            &self.resource_id,
        )
    }
}

/// A reference to another asset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceRef {
    pub kind: String,
    pub region: String,
    pub resource_id: String,
}

/// The deterministic finding id: the first 32 hex digits of
/// sha256(`connection|check_id|resource_kind|region|resource_id`).
pub fn finding_id(
    connection: &str,
    check_id: &str,
    resource_kind: &str,
    region: &str,
    resource_id: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(
        [connection, check_id, resource_kind, region, resource_id]
            .join("|")
            .as_bytes(),
    );
    let mut s = hex::encode(h.finalize());
    s.truncate(32);
    s
}
