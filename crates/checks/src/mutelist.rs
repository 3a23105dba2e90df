//! The mutelist, in Prowler's YAML shape:
//!
//! ```yaml
//! Mutelist:
//!   Accounts:
//!     "*":                         # an account id, a connection name, or "*"
//!       Checks:
//!         "baidu_bos_bucket_public_read":    # a check id, a regex over check ids, or "*"
//!           Regions: ["*"]                    # region ids or "*"
//!           Resources: ["static-site"]       # regexes searched in the resource id and name
//!           Tags: ["env=dev"]                 # all must match; each a regex over "key=value"
//!           Exceptions:                       # any given list that matches un-mutes
//!             Accounts: []
//!             Regions: ["gz"]
//!             Resources: []
//!             Tags: []
//!           Reason: "public website bucket, reviewed 2024-05"
//! ```
//!
//! A muted finding is kept and marked (`muted = true`, `mute_reason`), never dropped.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Deserialize;

/// Why a mutelist was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct MutelistError(pub String);

impl std::fmt::Display for MutelistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MutelistError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "Mutelist", alias = "Mute List")]
    mutelist: Accounts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Accounts {
    #[serde(rename = "Accounts", default)]
    accounts: BTreeMap<String, Checks>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Checks {
    #[serde(rename = "Checks", default)]
    checks: BTreeMap<String, RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(rename = "Regions", default)]
    regions: Vec<String>,
    #[serde(rename = "Resources", default)]
    resources: Vec<String>,
    #[serde(rename = "Tags", default)]
    tags: Vec<String>,
    #[serde(rename = "Exceptions", default)]
    exceptions: Option<RawExceptions>,
    #[serde(rename = "Reason", alias = "Description", default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExceptions {
    #[serde(rename = "Accounts", default)]
    accounts: Vec<String>,
    #[serde(rename = "Regions", default)]
    regions: Vec<String>,
    #[serde(rename = "Resources", default)]
    resources: Vec<String>,
    #[serde(rename = "Tags", default)]
    tags: Vec<String>,
}

/// A compiled pattern: `*` (anything) or a regex searched in the text.
#[derive(Debug, Clone)]
enum Pattern {
    Any,
    Regex(Regex),
}

impl Pattern {
    fn new(p: &str, what: &str) -> Result<Pattern, MutelistError> {
        let p = p.trim();
        if p == "*" || p == ".*" {
            return Ok(Pattern::Any);
        }
        Regex::new(p)
            .map(Pattern::Regex)
            .map_err(|e| MutelistError(format!("{what}: invalid pattern {p:?}: {e}")))
    }

    fn search(&self, text: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Regex(r) => r.is_match(text),
        }
    }
}

/// A check key: `*`, an exact check id, or a regex over the whole check id (Prowler's `ec2_*`
/// style — a trailing `*` is read as a prefix match).
#[derive(Debug, Clone)]
enum CheckPattern {
    Any,
    Exact(String),
    Regex(Regex),
}

impl CheckPattern {
    fn new(p: &str) -> Result<CheckPattern, MutelistError> {
        let p = p.trim();
        if p == "*" {
            return Ok(CheckPattern::Any);
        }
        if p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Ok(CheckPattern::Exact(p.to_string()));
        }
        let anchored = if let Some(prefix) = p.strip_suffix('*').filter(|s| !s.ends_with('.')) {
            format!("^{}.*$", regex::escape(prefix))
        } else {
            format!("^(?:{p})$")
        };
        Regex::new(&anchored)
            .map(CheckPattern::Regex)
            .map_err(|e| MutelistError(format!("check pattern {p:?}: {e}")))
    }

    fn matches(&self, check_id: &str) -> bool {
        match self {
            CheckPattern::Any => true,
            CheckPattern::Exact(s) => s == check_id,
            CheckPattern::Regex(r) => r.is_match(check_id),
        }
    }
}

#[derive(Debug, Clone)]
struct Exceptions {
    accounts: Vec<String>,
    regions: Vec<String>,
    resources: Vec<Pattern>,
    tags: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Entry {
    account: String,
    check: CheckPattern,
    check_key: String,
    regions: Vec<String>,
    resources: Vec<Pattern>,
    tags: Vec<Pattern>,
    exceptions: Option<Exceptions>,
    reason: Option<String>,
}

/// What the mutelist matches a finding against.
#[derive(Debug, Clone, Default)]
pub struct MuteTarget<'a> {
    /// The cloud account id, when known.
    pub account_id: Option<&'a str>,
    /// The connection name (also accepted as an account key).
    pub connection: &'a str,
    pub check_id: &'a str,
    pub region: &'a str,
    pub resource_id: &'a str,
    pub resource_name: Option<&'a str>,
    /// The resource's tags as `key=value`.
    pub tags: Vec<String>,
}

/// A parsed mutelist.
#[derive(Debug, Clone, Default)]
pub struct Mutelist {
    entries: Vec<Entry>,
    source: Option<String>,
}

fn region_matches(list: &[String], region: &str) -> bool {
    list.iter().any(|r| r == "*" || r == region)
}

fn account_matches(key: &str, t: &MuteTarget<'_>) -> bool {
    key == "*" || Some(key) == t.account_id || key == t.connection
}

fn resource_matches(list: &[Pattern], t: &MuteTarget<'_>) -> bool {
    list.iter()
        .any(|p| p.search(t.resource_id) || t.resource_name.is_some_and(|n| p.search(n)))
}

/// Every pattern matches some tag (ANDed); an empty list matches.
fn tags_match(list: &[Pattern], tags: &[String]) -> bool {
    list.iter()
        .all(|p| matches!(p, Pattern::Any) || tags.iter().any(|t| p.search(t)))
}

impl Mutelist {
    /// An empty mutelist (mutes nothing).
    pub fn empty() -> Mutelist {
        Mutelist::default()
    }

    /// Parses the YAML text.
    pub fn from_yaml_str(text: &str) -> Result<Mutelist, MutelistError> {
        if text.trim().is_empty() {
            return Ok(Mutelist::empty());
        }
        let file: File = serde_norway::from_str(text)
            .map_err(|e| MutelistError(format!("invalid mutelist: {e}")))?;
        let mut entries = Vec::new();
        for (account, checks) in file.mutelist.accounts {
            for (check_key, raw) in checks.checks {
                let what = format!("Accounts.{account}.Checks.{check_key}");
                let compile = |list: &[String], field: &str| {
                    list.iter()
                        .map(|p| Pattern::new(p, &format!("{what}.{field}")))
                        .collect::<Result<Vec<_>, _>>()
                };
                let exceptions = match raw.exceptions {
                    None => None,
                    Some(e) => Some(Exceptions {
                        resources: compile(&e.resources, "Exceptions.Resources")?,
                        tags: compile(&e.tags, "Exceptions.Tags")?,
                        accounts: e.accounts,
                        regions: e.regions,
                    }),
                };
                if raw.regions.is_empty() {
                    return Err(MutelistError(format!(
                        "{what}: Regions is required (use [\"*\"] for every region)"
                    )));
                }
                if raw.resources.is_empty() {
                    return Err(MutelistError(format!(
                        "{what}: Resources is required (use [\"*\"] for every resource)"
                    )));
                }
                entries.push(Entry {
                    check: CheckPattern::new(&check_key)?,
                    resources: compile(&raw.resources, "Resources")?,
                    tags: compile(&raw.tags, "Tags")?,
                    account: account.clone(),
                    check_key,
                    regions: raw.regions,
                    exceptions,
                    reason: raw.reason,
                });
            }
        }
        Ok(Mutelist {
            entries,
            source: Some(text.to_string()),
        })
    }

    /// Reads and parses a YAML file.
    pub fn load(path: &std::path::Path) -> Result<Mutelist, MutelistError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| MutelistError(format!("reading the mutelist {}: {e}", path.display())))?;
        Mutelist::from_yaml_str(&text)
            .map_err(|e| MutelistError(format!("{}: {}", path.display(), e.0)))
    }

    /// How many (account, check) entries it has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it mutes nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The YAML it was parsed from.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The reason of the first entry that mutes the target (`Some("")`-free: an entry without a
    /// reason yields "muted by mutelist entry <account>/<check>"), or `None`.
    pub fn mute_reason(&self, t: &MuteTarget<'_>) -> Option<String> {
        self.entries.iter().find_map(|e| {
            let hit = account_matches(&e.account, t)
                && e.check.matches(t.check_id)
                && region_matches(&e.regions, t.region)
                && resource_matches(&e.resources, t)
                && tags_match(&e.tags, &t.tags)
                && !e.exceptions.as_ref().is_some_and(|x| excepted(x, t));
            hit.then(|| {
                e.reason
                    .clone()
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| {
                        format!("muted by mutelist entry {}/{}", e.account, e.check_key)
                    })
            })
        })
    }
}

/// Prowler's exception logic: every non-empty exception list must match (empty lists are
/// ignored); with no non-empty list nothing is excepted.
fn excepted(x: &Exceptions, t: &MuteTarget<'_>) -> bool {
    let mut any = false;
    let mut all = true;
    if !x.accounts.is_empty() {
        any = true;
        all &= x.accounts.iter().any(|a| account_matches(a, t));
    }
    if !x.regions.is_empty() {
        any = true;
        all &= region_matches(&x.regions, t.region);
    }
    if !x.resources.is_empty() {
        any = true;
        all &= resource_matches(&x.resources, t);
    }
    if !x.tags.is_empty() {
        any = true;
        all &= tags_match(&x.tags, &t.tags);
    }
    any && all
}

/// The tags of an asset's raw payload as `key=value`: Baidu's `tags: [{tagKey, tagValue}]`, the
/// generic `[{key, value}]`, or an object `{key: value}`.
pub fn asset_tags(raw: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let tags = raw.get("tags").or_else(|| raw.get("Tags"));
    match tags {
        Some(serde_json::Value::Array(list)) => {
            for t in list {
                let get = |names: &[&str]| {
                    names
                        .iter()
                        .find_map(|n| t.get(*n).and_then(|v| v.as_str()))
                        .unwrap_or("")
                        .to_string()
                };
                let k = get(&["tagKey", "key", "Key", "TagKey"]);
                if !k.is_empty() {
                    out.push(format!(
                        "{k}={}",
                        get(&["tagValue", "value", "Value", "TagValue"])
                    ));
                }
            }
        }
        Some(serde_json::Value::Object(map)) => {
            for (k, v) in map {
                out.push(format!(
                    "{k}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                ));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
Mutelist:
  Accounts:
    "*":
      Checks:
        "baidu_bos_bucket_public_read":
          Regions: ["bj"]
          Resources: ["static-site", "^logs-"]
          Reason: "public website bucket"
        "baidu_bcc_*":
          Regions: ["*"]
          Resources: ["*"]
          Tags: ["env=dev", "team=(web|api)"]
          Reason: "dev hosts"
        "baidu_rds_.*_backup":
          Regions: ["*"]
          Resources: ["*"]
          Exceptions:
            Regions: ["gz"]
            Resources: ["prod"]
    "acct-123":
      Checks:
        "*":
          Regions: ["*"]
          Resources: ["*"]
          Exceptions:
            Tags: ["env=prod"]
"#;

    fn target<'a>(
        check: &'a str,
        region: &'a str,
        resource: &'a str,
        tags: &[&str],
    ) -> MuteTarget<'a> {
        MuteTarget {
            account_id: Some("acct-999"),
            connection: "prod",
            check_id: check,
            region,
            resource_id: resource,
            resource_name: None,
            tags: tags.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn regions_resources_and_reason() {
        let m = Mutelist::from_yaml_str(YAML).unwrap();
        assert_eq!(m.len(), 4);
        let hit = m.mute_reason(&target(
            "baidu_bos_bucket_public_read",
            "bj",
            "my-static-site",
            &[],
        ));
        assert_eq!(hit.as_deref(), Some("public website bucket"));
        assert!(m
            .mute_reason(&target(
                "baidu_bos_bucket_public_read",
                "gz",
                "static-site",
                &[]
            ))
            .is_none());
        assert!(m
            .mute_reason(&target("baidu_bos_bucket_public_read", "bj", "data", &[]))
            .is_none());
        // regex anchors work inside resources
        assert!(m
            .mute_reason(&target(
                "baidu_bos_bucket_public_read",
                "bj",
                "logs-2024",
                &[]
            ))
            .is_some());
        assert!(m
            .mute_reason(&target(
                "baidu_bos_bucket_public_read",
                "bj",
                "my-logs-2024",
                &[]
            ))
            .is_none());
        // the resource name counts too
        let mut t = target("baidu_bos_bucket_public_read", "bj", "b-123", &[]);
        t.resource_name = Some("static-site");
        assert!(m.mute_reason(&t).is_some());
    }

    #[test]
    fn tags_are_anded_and_regex() {
        let m = Mutelist::from_yaml_str(YAML).unwrap();
        let c = "baidu_bcc_instance_public_admin_exposure";
        assert_eq!(
            m.mute_reason(&target(c, "bj", "i-1", &["env=dev", "team=web"]))
                .as_deref(),
            Some("dev hosts")
        );
        assert!(m
            .mute_reason(&target(c, "bj", "i-1", &["env=dev", "team=api"]))
            .is_some());
        assert!(
            m.mute_reason(&target(c, "bj", "i-1", &["env=dev"]))
                .is_none(),
            "tags are ANDed"
        );
        assert!(m
            .mute_reason(&target(c, "bj", "i-1", &["team=web"]))
            .is_none());
        assert!(m.mute_reason(&target(c, "bj", "i-1", &[])).is_none());
        // the check pattern is a prefix: other services are not muted
        assert!(m
            .mute_reason(&target(
                "baidu_vpc_acl_internet_admin_ports",
                "bj",
                "i-1",
                &["env=dev", "team=web"]
            ))
            .is_none());
    }

    #[test]
    fn exceptions_need_every_given_list() {
        let m = Mutelist::from_yaml_str(YAML).unwrap();
        let c = "baidu_rds_instance_backup";
        // muted everywhere ...
        assert!(m.mute_reason(&target(c, "bj", "db-prod", &[])).is_some());
        assert!(m.mute_reason(&target(c, "gz", "db-test", &[])).is_some());
        // ... except prod resources in gz (both exception lists match)
        assert!(m.mute_reason(&target(c, "gz", "db-prod", &[])).is_none());
        let r = m.mute_reason(&target(c, "bj", "db-prod", &[])).unwrap();
        assert!(r.contains("baidu_rds_.*_backup"), "{r}");
    }

    #[test]
    fn account_keys_and_tag_exceptions() {
        let m = Mutelist::from_yaml_str(YAML).unwrap();
        let mut t = target(
            "baidu_iam_user_mfa_disabled",
            "global",
            "alice",
            &["env=dev"],
        );
        assert!(m.mute_reason(&t).is_none(), "other account");
        t.account_id = Some("acct-123");
        assert!(m.mute_reason(&t).is_some());
        t.tags = vec!["env=prod".into()];
        assert!(m.mute_reason(&t).is_none(), "excepted by tag");
        // the connection name works as an account key
        let m2 = Mutelist::from_yaml_str("Mutelist:\n  Accounts:\n    prod:\n      Checks:\n        \"*\":\n          Regions: [\"*\"]\n          Resources: [\"*\"]\n").unwrap();
        assert!(m2.mute_reason(&target("x", "bj", "r", &[])).is_some());
    }

    #[test]
    fn rejects_bad_files() {
        assert!(Mutelist::from_yaml_str("Mutelist: [").is_err());
        assert!(Mutelist::from_yaml_str("Allowlist:\n  Accounts: {}\n").is_err());
        let e = Mutelist::from_yaml_str("Mutelist:\n  Accounts:\n    \"*\":\n      Checks:\n        x:\n          Regions: [\"*\"]\n          Resources: [\"(\"]\n").unwrap_err();
        assert!(e.0.contains("invalid pattern"), "{e}");
        let e = Mutelist::from_yaml_str("Mutelist:\n  Accounts:\n    \"*\":\n      Checks:\n        x:\n          Resources: [\"*\"]\n").unwrap_err();
        assert!(e.0.contains("Regions"), "{e}");
        assert!(Mutelist::from_yaml_str("").unwrap().is_empty());
    }

    #[test]
    fn tags_from_payloads() {
        let raw = serde_json::json!({"tags": [{"tagKey": "env", "tagValue": "dev"}, {"key": "team", "value": "web"}]});
        assert_eq!(asset_tags(&raw), vec!["env=dev", "team=web"]);
        let raw = serde_json::json!({"tags": {"env": "prod"}});
        assert_eq!(asset_tags(&raw), vec!["env=prod"]);
        assert!(asset_tags(&serde_json::json!({})).is_empty());
    }
}
