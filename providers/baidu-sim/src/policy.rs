//! IAM policies: the ACL document grammar, the built-in system policies and the one
//! evaluator every request goes through.
//!
//! System policies are ordinary ACL documents (so `GET /v1/policy/{name}?policyType=System`
//! can return them) and are evaluated exactly like custom ones. Their names follow Baidu's
//! `<PRODUCT>ReadAccessPolicy` pattern; the exact spellings are unconfirmed (see the API
//! reference, §5.10), which is why the collector reads them from the API.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An ACL policy document: `{"accessControlList":[{service, region, effect, permission, resource}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AclDocument {
    /// `v1` in role trust documents; usually absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The entries.
    #[serde(rename = "accessControlList")]
    pub access_control_list: Vec<AclEntry>,
}

/// One ACL entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AclEntry {
    /// `bce:bcc` or `bcc`; `bce:*` / `*` for every service.
    pub service: String,
    /// A region id or `*` (the default when absent).
    #[serde(default = "star")]
    pub region: String,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `READ`, `OPERATE`, `FULL_CONTROL`, `*`, or action names such as `DescribeInstances`.
    pub permission: Vec<String>,
    /// Resource patterns (`*`, or ids with `*` wildcards). Absent or empty means `*`.
    #[serde(default)]
    pub resource: Vec<String>,
    /// Anything else (`grantee`, `eid`, `condition`, ...), kept but not evaluated.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The effect of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses; wins over any `Allow`.
    Deny,
}

fn star() -> String {
    "*".to_string()
}

/// Parse a policy document given as a JSON object or as a string holding one.
pub fn parse_document(doc: &Value) -> Result<AclDocument, String> {
    let parsed = match doc {
        Value::String(text) => serde_json::from_str::<AclDocument>(text),
        other => AclDocument::deserialize(other),
    };
    let doc = parsed.map_err(|e| e.to_string())?;
    for (i, entry) in doc.access_control_list.iter().enumerate() {
        if entry.service.trim().is_empty() {
            return Err(format!("accessControlList[{i}].service is empty"));
        }
        if entry.permission.is_empty() {
            return Err(format!("accessControlList[{i}].permission is empty"));
        }
    }
    Ok(doc)
}

impl AclDocument {
    /// The compact JSON text the IAM API returns in a policy's `document` field.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).expect("a document always serialises")
    }
}

/// A built-in system policy.
#[derive(Debug, Clone)]
pub struct SystemPolicy {
    /// The policy name, e.g. `BCCReadAccessPolicy`.
    pub name: &'static str,
    /// A stable 32-hex id.
    pub id: String,
    /// What it grants, in words.
    pub description: &'static str,
    /// The ACL document.
    pub document: AclDocument,
}

/// (service, permission) grants of one system policy.
type Grants = &'static [(&'static str, &'static str)];

/// Name, description, and grants of every system policy.
const SYSTEM_POLICIES: &[(&str, &str, Grants)] = &[
    (
        "AdministratorAccess",
        "Full access to every service",
        &[("bce:*", "*")],
    ),
    (
        "GlobalReadPolicy",
        "Read-only access to every service",
        &[("bce:*", "READ")],
    ),
    (
        "IAMReadAccessPolicy",
        "Read-only access to IAM",
        &[("bce:iam", "READ")],
    ),
    (
        "BCCReadAccessPolicy",
        "Read-only access to Baidu Cloud Compute (BCC)",
        &[("bce:bcc", "READ")],
    ),
    (
        "BCCFullControlAccessPolicy",
        "Full control of Baidu Cloud Compute (BCC)",
        &[("bce:bcc", "FULL_CONTROL")],
    ),
    (
        "VPCReadAccessPolicy",
        "Read-only access to Virtual Private Cloud (VPC)",
        &[("bce:vpc", "READ")],
    ),
    (
        "EIPReadAccessPolicy",
        "Read-only access to Elastic IP (EIP)",
        &[("bce:eip", "READ")],
    ),
    (
        "RDSReadAccessPolicy",
        "Read-only access to Relational Database Service (RDS)",
        &[("bce:rds", "READ")],
    ),
    (
        "RedisReadAccessPolicy",
        "Read-only access to Simple Cache Service (SCS, Redis)",
        &[("bce:scs", "READ")],
    ),
    (
        "KAFKAReadAccessPolicy",
        "Read-only access to Kafka",
        &[("bce:kafka", "READ")],
    ),
    (
        "MONGODBReadAccessPolicy",
        "Read-only access to DocDB for MongoDB",
        &[("bce:mongodb", "READ")],
    ),
    (
        "BOSLISTANDReadAccessPolicy",
        "List buckets and read objects in Baidu Object Storage (BOS)",
        &[("bce:bos", "READ"), ("bce:bos", "LIST")],
    ),
    (
        "BLBReadAccessPolicy",
        "Read-only access to Baidu Load Balancer (BLB and application BLB)",
        &[("bce:blb", "READ"), ("bce:appblb", "READ")],
    ),
];

/// Every built-in system policy, in a stable order.
pub fn system_policies() -> &'static [SystemPolicy] {
    static ALL: OnceLock<Vec<SystemPolicy>> = OnceLock::new();
    ALL.get_or_init(|| {
        SYSTEM_POLICIES
            .iter()
            .map(|(name, description, grants)| {
                // Entries with the same service are merged into one entry.
                let mut entries: Vec<AclEntry> = Vec::new();
                for (service, permission) in grants.iter() {
                    match entries.iter_mut().find(|e| e.service == *service) {
                        Some(e) => e.permission.push(permission.to_string()),
                        None => entries.push(AclEntry {
                            service: service.to_string(),
                            region: "*".to_string(),
                            effect: Effect::Allow,
                            permission: vec![permission.to_string()],
                            resource: vec!["*".to_string()],
                            extra: BTreeMap::new(),
                        }),
                    }
                }
                SystemPolicy {
                    name,
                    id: crate::ids::hex32(&format!("system-policy/{name}")),
                    description,
                    document: AclDocument {
                        version: None,
                        access_control_list: entries,
                    },
                }
            })
            .collect()
    })
}

/// A system policy by exact name.
pub fn system_policy(name: &str) -> Option<&'static SystemPolicy> {
    system_policies().iter().find(|p| p.name == name)
}

/// The creation time shown for system policies.
pub const SYSTEM_POLICY_CREATE_TIME: &str = "2019-01-01T00:00:00Z";

/// What a request needs.
#[derive(Debug, Clone, Copy)]
pub struct AccessRequest<'a> {
    /// The IAM service, e.g. `bcc`, `vpc`, `iam`.
    pub service: &'a str,
    /// The region, `None` for global services (entries' regions are then ignored).
    pub region: Option<&'a str>,
    /// The action name, e.g. `DescribeInstances`.
    pub action: &'a str,
    /// The resource id for detail calls; lists are `None` and only match `*` resources.
    pub resource: Option<&'a str>,
}

/// Whether these documents allow the request: some matching `Allow` entry and no matching
/// `Deny` entry. A request is covered by an entry's permission when it lists `*`,
/// `FULL_CONTROL`, `OPERATE`, `READ` or the action name (every simulated API is a read).
pub fn is_allowed<'d>(
    docs: impl IntoIterator<Item = &'d AclDocument>,
    request: &AccessRequest<'_>,
) -> bool {
    let mut allowed = false;
    for doc in docs {
        for entry in &doc.access_control_list {
            if entry_matches(entry, request) {
                match entry.effect {
                    Effect::Deny => return false,
                    Effect::Allow => allowed = true,
                }
            }
        }
    }
    allowed
}

fn entry_matches(entry: &AclEntry, req: &AccessRequest<'_>) -> bool {
    let service = entry.service.trim();
    let service = service.strip_prefix("bce:").unwrap_or(service);
    if !(service == "*" || service.eq_ignore_ascii_case(req.service)) {
        return false;
    }
    if let Some(region) = req.region {
        let r = entry.region.trim();
        if !(r == "*" || r.eq_ignore_ascii_case(region)) {
            return false;
        }
    }
    let permission_ok = entry.permission.iter().any(|p| {
        let p = p.trim();
        p == "*"
            || p.eq_ignore_ascii_case("FULL_CONTROL")
            || p.eq_ignore_ascii_case("OPERATE")
            || p.eq_ignore_ascii_case("READ")
            || p.eq_ignore_ascii_case(req.action)
    });
    if !permission_ok {
        return false;
    }
    entry.resource.is_empty()
        || entry.resource.iter().any(|pattern| {
            pattern.trim() == "*" || req.resource.is_some_and(|r| glob(pattern.trim(), r))
        })
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    let first = parts[0];
    if !rest.starts_with(first) {
        return false;
    }
    rest = &rest[first.len()..];
    let last = parts[parts.len() - 1];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req<'a>(service: &'a str, region: Option<&'a str>) -> AccessRequest<'a> {
        AccessRequest {
            service,
            region,
            action: "DescribeInstances",
            resource: None,
        }
    }

    #[test]
    fn system_policies_grant_what_their_names_say() {
        let bcc_read = &system_policy("BCCReadAccessPolicy").unwrap().document;
        assert!(is_allowed([bcc_read], &req("bcc", Some("gz"))));
        assert!(!is_allowed([bcc_read], &req("vpc", Some("gz"))));
        let global = &system_policy("GlobalReadPolicy").unwrap().document;
        assert!(is_allowed([global], &req("kafka", Some("bj"))));
        assert!(is_allowed([global], &req("iam", None)));
        let blb = &system_policy("BLBReadAccessPolicy").unwrap().document;
        assert!(is_allowed([blb], &req("appblb", Some("bj"))));
        assert!(is_allowed([blb], &req("blb", Some("bj"))));
        assert!(!is_allowed([blb], &req("bcc", Some("bj"))));
        let none: [&AclDocument; 0] = [];
        assert!(!is_allowed(none, &req("bcc", Some("bj"))));
        // Ids are stable and distinct.
        let ids: std::collections::HashSet<_> =
            system_policies().iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids.len(), system_policies().len());
    }

    #[test]
    fn deny_wins_and_regions_actions_resources_match() {
        let doc = parse_document(&json!({"accessControlList": [
            {"service": "bcc", "region": "*", "effect": "Allow", "permission": ["DescribeInstances"], "resource": ["*"]},
            {"service": "bce:bcc", "region": "gz", "effect": "Deny", "permission": ["*"], "resource": ["*"]},
            {"service": "bce:vpc", "region": "bj", "effect": "Allow", "permission": ["READ"], "resource": ["vpc-1*"]}
        ]}))
        .unwrap();
        assert!(is_allowed([&doc], &req("bcc", Some("bj"))));
        assert!(!is_allowed([&doc], &req("bcc", Some("gz"))));
        let mut other_action = req("bcc", Some("bj"));
        other_action.action = "GetSecurityGroup";
        assert!(!is_allowed([&doc], &other_action));
        let mut vpc = req("vpc", Some("bj"));
        assert!(!is_allowed([&doc], &vpc), "a list needs a * resource");
        vpc.resource = Some("vpc-123");
        assert!(is_allowed([&doc], &vpc));
        vpc.resource = Some("vpc-999");
        assert!(!is_allowed([&doc], &vpc));
    }

    #[test]
    fn documents_as_strings_parse_and_bad_ones_are_rejected() {
        let text = system_policy("AdministratorAccess")
            .unwrap()
            .document
            .to_json_string();
        let back = parse_document(&Value::String(text)).unwrap();
        assert_eq!(back.access_control_list[0].service, "bce:*");
        assert!(parse_document(&json!({"accessControlList": [{"service": "bcc", "effect": "Maybe", "permission": ["READ"]}]})).is_err());
        assert!(parse_document(&json!({"acl": []})).is_err());
        assert!(parse_document(
            &json!({"accessControlList": [{"service": "bcc", "effect": "Allow", "permission": []}]})
        )
        .is_err());
    }

    #[test]
    fn glob_cases() {
        assert!(glob("a*", "abc"));
        assert!(glob("*c", "abc"));
        assert!(glob("a*c", "abc"));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*c", "ab"));
        assert!(glob("abc", "abc"));
        assert!(!glob("abc", "abd"));
    }
}
