//! Compliance frameworks as data (`crates/checks/compliance/*.json`) and per-requirement status
//! from findings.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use vigil_store::StoredFinding;

use crate::model::Check;

/// The framework files, compiled in.
const FILES: &[(&str, &str)] = &[
    (
        "cis_alibaba_2.0",
        include_str!("../compliance/cis_alibaba_2.0.json"),
    ),
    (
        "mlps_2.0_l3",
        include_str!("../compliance/mlps_2.0_l3.json"),
    ),
];

/// A compliance framework.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Framework {
    /// `cis_alibaba_2.0`, `mlps_2.0_l3`.
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    /// Which mappings are Vigil's own interpretation.
    pub interpretation: String,
    pub requirements: Vec<Requirement>,
}

/// One requirement and the checks that evidence it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub section: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_point: Option<String>,
    /// CIS assessment status (`automated` / `manual`), when the framework has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
    /// Mapped check ids (the data file's list).
    pub checks: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every framework.
pub fn frameworks() -> &'static [Framework] {
    static ALL: OnceLock<Vec<Framework>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .map(|(id, text)| {
                let f: Framework = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("compliance/{id}.json: {e}"));
                assert_eq!(&f.id, id, "compliance/{id}.json has id {}", f.id);
                f
            })
            .collect()
    })
}

/// The framework with this id.
pub fn framework(id: &str) -> Option<&'static Framework> {
    frameworks().iter().find(|f| f.id == id)
}

/// A requirement id in the data files' spelling: a clause item written `8.1.4.1.a`,
/// `8.1.4.1 a)`, `8.1.4.1a` or `8.1.4.1-a` becomes `8.1.4.1-a`; anything else is trimmed.
pub fn normalize_requirement(id: &str) -> String {
    let s = id.trim().trim_end_matches(')').trim();
    let Some(last) = s.chars().last().filter(|c| c.is_ascii_alphabetic()) else {
        return s.to_string();
    };
    let clause = s[..s.len() - 1].trim_end_matches(['.', '-', ' ', '(']);
    if !clause.is_empty() && clause.chars().all(|c| c.is_ascii_digit() || c == '.') {
        format!("{clause}-{}", last.to_ascii_lowercase())
    } else {
        s.to_string()
    }
}

/// Whether a check's mapping names this requirement: the same id (after
/// [`normalize_requirement`]), or the requirement's control point (`8.1.4.1` names
/// `8.1.4.1-a`, `8.1.4.1-b`, ...).
pub fn mapping_names(mapping: &str, requirement_id: &str) -> bool {
    let m = normalize_requirement(mapping);
    m == requirement_id
        || requirement_id
            .strip_prefix(m.as_str())
            .is_some_and(|rest| rest.starts_with('-'))
}

impl Framework {
    /// The check ids mapped to a requirement: the data file's list plus every check in
    /// `checks` whose own `compliance` mappings name it, sorted.
    pub fn checks_for(&self, requirement: &Requirement, checks: &[&'static Check]) -> Vec<String> {
        let mut set: BTreeSet<String> = requirement.checks.iter().cloned().collect();
        for c in checks {
            if c.meta
                .compliance
                .iter()
                .any(|m| m.framework == self.id && mapping_names(m.requirement, &requirement.id))
            {
                set.insert(c.meta.id.to_string());
            }
        }
        set.into_iter().collect()
    }

    /// The requirement with this id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }
}

/// A requirement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementStatus {
    /// Every evaluated finding of its checks passed (or was not applicable).
    Pass,
    /// Some unmuted finding of its checks failed.
    Fail,
    /// Its checks could not be evaluated completely (MANUAL findings), or found nothing to
    /// evaluate.
    Manual,
    /// No Vigil check maps to it.
    NotCovered,
}

impl RequirementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementStatus::Pass => "pass",
            RequirementStatus::Fail => "fail",
            RequirementStatus::Manual => "manual",
            RequirementStatus::NotCovered => "not covered",
        }
    }
}

/// One requirement's assessment.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementResult {
    pub id: String,
    pub section: String,
    pub title: String,
    pub status: RequirementStatus,
    pub checks: Vec<String>,
    pub pass: u64,
    pub fail: u64,
    pub manual: u64,
    pub not_applicable: u64,
    /// Muted findings (ignored for the status).
    pub muted: u64,
    /// `check_id region resource_id` of each unmuted FAIL.
    pub failing: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Assesses every requirement of `framework` from `findings` (typically each connection's
/// latest evaluated run, muted ones included: they are counted and ignored). FAIL beats
/// MANUAL beats PASS; only NOT_APPLICABLE is PASS; no finding at all is MANUAL.
pub fn assess(
    framework: &Framework,
    checks: &[&'static Check],
    findings: &[StoredFinding],
) -> Vec<RequirementResult> {
    let mut by_check: BTreeMap<&str, Vec<&StoredFinding>> = BTreeMap::new();
    for f in findings {
        by_check.entry(f.check_id.as_str()).or_default().push(f);
    }
    framework
        .requirements
        .iter()
        .map(|r| {
            let mapped = framework.checks_for(r, checks);
            let mut res = RequirementResult {
                id: r.id.clone(),
                section: r.section.clone(),
                title: r.title.clone(),
                status: RequirementStatus::NotCovered,
                checks: mapped.clone(),
                pass: 0,
                fail: 0,
                manual: 0,
                not_applicable: 0,
                muted: 0,
                failing: Vec::new(),
                note: r.note.clone(),
            };
            for c in &mapped {
                for f in by_check.get(c.as_str()).into_iter().flatten() {
                    if f.muted {
                        res.muted += 1;
                        continue;
                    }
                    match f.status.as_str() {
                        "PASS" => res.pass += 1,
                        "FAIL" => {
                            res.fail += 1;
                            res.failing
                                .push(format!("{} {} {}", f.check_id, f.region, f.resource_id));
                        }
                        "MANUAL" => res.manual += 1,
                        _ => res.not_applicable += 1,
                    }
                }
            }
            res.status = if mapped.is_empty() {
                RequirementStatus::NotCovered
            } else if res.fail > 0 {
                RequirementStatus::Fail
            } else if res.manual > 0 {
                RequirementStatus::Manual
            } else if res.pass > 0 || res.not_applicable > 0 {
                RequirementStatus::Pass
            } else {
                RequirementStatus::Manual
            };
            res
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(check: &str, status: &str, muted: bool) -> StoredFinding {
        StoredFinding {
            run_id: 1,
            run_started_at: String::new(),
            connection_id: 1,
            connection: "c".into(),
            provider: "baidu".into(),
            account_id: None,
            finding_id: "0".repeat(32),
            check_id: check.into(),
            status: status.into(),
            severity: "high".into(),
            service: "bcc".into(),
            resource_kind: "k".into(),
            resource_id: "r".into(),
            resource_name: None,
            region: "bj".into(),
            message: String::new(),
            evidence: serde_json::Value::Null,
            related: serde_json::json!([]),
            muted,
            mute_reason: None,
            first_seen: None,
            resolved_at: None,
            resolved_run_id: None,
        }
    }

    #[test]
    fn frameworks_load_and_are_well_formed() {
        for f in frameworks() {
            assert!(!f.requirements.is_empty(), "{}", f.id);
            assert!(!f.interpretation.is_empty(), "{}", f.id);
            let mut ids: Vec<&str> = f.requirements.iter().map(|r| r.id.as_str()).collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(n, ids.len(), "duplicate requirement ids in {}", f.id);
            for r in &f.requirements {
                for c in &r.checks {
                    assert!(c.starts_with("baidu_"), "{} {}: {c}", f.id, r.id);
                }
            }
            assert!(f.requirements.iter().any(|r| !r.checks.is_empty()));
        }
        let cis = framework("cis_alibaba_2.0").unwrap();
        assert_eq!(
            cis.requirement("4.3").unwrap().checks,
            vec!["baidu_bcc_securitygroup_internet_ssh_22"]
        );
        let mlps = framework("mlps_2.0_l3").unwrap();
        assert!(mlps
            .requirement("8.1.4.1-d")
            .unwrap()
            .checks
            .contains(&"baidu_iam_user_console_without_mfa".to_string()));
        assert!(mlps.requirements.iter().all(|r| r.id.starts_with("8.1.")));
    }

    #[test]
    fn mapping_prefixes() {
        assert!(mapping_names("8.1.4.1", "8.1.4.1-a"));
        assert!(mapping_names("8.1.4.1-a", "8.1.4.1-a"));
        assert!(!mapping_names("8.1.4.1", "8.1.4.10-a"));
        assert!(!mapping_names("4.1", "4.10"));
        assert!(mapping_names("4.1", "4.1"));
        assert!(mapping_names("8.1.4.2.d", "8.1.4.2-d"));
        assert!(mapping_names("8.1.4.2 d)", "8.1.4.2-d"));
        assert!(mapping_names("8.1.4.2D", "8.1.4.2-d"));
        assert!(!mapping_names("8.1.4.2.d", "8.1.4.2-c"));
        assert_eq!(normalize_requirement("8.1.4.5"), "8.1.4.5");
        assert_eq!(normalize_requirement(" 1.16 "), "1.16");
    }

    #[test]
    fn statuses() {
        let cis = framework("cis_alibaba_2.0").unwrap();
        let ssh = "baidu_bcc_securitygroup_internet_ssh_22";
        let status = |findings: Vec<StoredFinding>| {
            assess(cis, &[], &findings)
                .into_iter()
                .find(|r| r.id == "4.3")
                .unwrap()
        };
        assert_eq!(status(vec![]).status, RequirementStatus::Manual);
        assert_eq!(
            status(vec![finding(ssh, "PASS", false)]).status,
            RequirementStatus::Pass
        );
        let r = status(vec![
            finding(ssh, "PASS", false),
            finding(ssh, "FAIL", false),
        ]);
        assert_eq!(r.status, RequirementStatus::Fail);
        assert_eq!(r.failing, vec![format!("{ssh} bj r")]);
        assert_eq!(
            status(vec![
                finding(ssh, "PASS", false),
                finding(ssh, "MANUAL", false)
            ])
            .status,
            RequirementStatus::Manual
        );
        let r = status(vec![
            finding(ssh, "PASS", false),
            finding(ssh, "FAIL", true),
        ]);
        assert_eq!(r.status, RequirementStatus::Pass);
        assert_eq!(r.muted, 1);
        let all = assess(cis, &[], &[]);
        let uncovered = all.iter().find(|r| r.id == "1.3").unwrap();
        assert_eq!(uncovered.status, RequirementStatus::NotCovered);
    }
}
