//! BCE IAM policy documents: which IAM service each product's read APIs belong to, the
//! least-privilege custom policy for a set of products, and a reading of attached policies'
//! documents ("does this policy let the key list that product?").
//!
//! A BCE policy document is an ACL (API reference §5.10):
//!
//! ```json
//! {"accessControlList": [
//!   {"service": "bce:bcc", "region": "*", "effect": "Allow", "permission": ["READ"], "resource": ["*"]}
//! ]}
//! ```
//!
//! The evaluation here is advisory: the per-product probe call is the ground truth. It reads
//! what is unconfirmed about BCE's grammar leniently (`bcc` and `bce:bcc` are the same
//! service; `READ`, `LIST`, `OPERATE`, `FULL_CONTROL` and `*` cover a read; `Deny` wins).

use serde_json::{json, Value};
use vigil_core::{Error, ErrorKind, Result};

/// One product's IAM service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IamService {
    /// The product id, e.g. `appblb`.
    pub product: &'static str,
    /// The IAM service its read APIs belong to, without the `bce:` prefix, e.g. `blb`.
    pub service: &'static str,
    /// Whether its API host names a region (policy entries' `region` then applies). IAM's
    /// host is global; BOS's `{region}.bcebos.com` is regional even though the bucket list is
    /// account-wide.
    pub regional_host: bool,
}

/// Every Baidu product's IAM service (a test checks that this covers exactly the registered
/// products, and the simulator enforces the same names).
pub const IAM_SERVICES: &[IamService] = &[
    IamService {
        product: "appblb",
        service: "blb",
        regional_host: true,
    },
    IamService {
        product: "bcc",
        service: "bcc",
        regional_host: true,
    },
    IamService {
        product: "blb",
        service: "blb",
        regional_host: true,
    },
    IamService {
        product: "bos",
        service: "bos",
        regional_host: true,
    },
    IamService {
        product: "eip",
        service: "eip",
        regional_host: true,
    },
    IamService {
        product: "iam",
        service: "iam",
        regional_host: false,
    },
    IamService {
        product: "kafka",
        service: "kafka",
        regional_host: true,
    },
    IamService {
        product: "mongodb",
        service: "mongodb",
        regional_host: true,
    },
    IamService {
        product: "rds",
        service: "rds",
        regional_host: true,
    },
    IamService {
        product: "scs",
        service: "scs",
        regional_host: true,
    },
    IamService {
        product: "vpc",
        service: "vpc",
        regional_host: true,
    },
];

/// The IAM service of a product id, if it is a known Baidu product.
pub fn iam_service(product: &str) -> Option<&'static IamService> {
    IAM_SERVICES.iter().find(|s| s.product == product)
}

fn known_products() -> String {
    IAM_SERVICES
        .iter()
        .map(|s| s.product)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The custom policy document that lets a key read exactly `products` (by product id, e.g.
/// `["bcc", "rds"]`): one `Allow` entry per distinct IAM service, every region, every
/// resource, permission `READ` (BOS also `LIST`, as its system read policy grants). Products
/// sharing a service (`blb`, `appblb`) share one entry; entries follow the order of first
/// mention.
///
/// Fails with [`ErrorKind::UnknownProduct`] (naming the known products) for an unknown id,
/// and with [`ErrorKind::Config`] for an empty list.
pub fn least_privilege(products: &[&str]) -> Result<Value> {
    if products.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("no products given; known products: {}", known_products()),
        ));
    }
    let mut services: Vec<&'static str> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for product in products {
        match iam_service(product) {
            Some(s) if !services.contains(&s.service) => services.push(s.service),
            Some(_) => {}
            None if !unknown.contains(product) => unknown.push(product),
            None => {}
        }
    }
    if !unknown.is_empty() {
        return Err(Error::new(
            ErrorKind::UnknownProduct,
            format!(
                "unknown Baidu product{} {}; known products: {}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown
                    .iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                known_products()
            ),
        ));
    }
    let entries: Vec<Value> = services
        .iter()
        .map(|service| {
            let permission: &[&str] = if *service == "bos" {
                &["READ", "LIST"]
            } else {
                &["READ"]
            };
            json!({
                "service": format!("bce:{service}"),
                "region": "*",
                "effect": "Allow",
                "permission": permission,
                "resource": ["*"],
            })
        })
        .collect();
    Ok(json!({ "accessControlList": entries }))
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, overriding any `Allow`.
    Deny,
}

/// One ACL entry, normalised: the service without `bce:`, lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// `bcc`, `*`, ...
    pub service: String,
    /// `*` or a region id (absent in the document: `*`).
    pub region: String,
    /// The effect.
    pub effect: Effect,
    /// Permissions as written (`READ`, `FULL_CONTROL`, action names ...).
    pub permission: Vec<String>,
    /// Resource patterns (absent or empty: every resource).
    pub resource: Vec<String>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AclDocument {
    /// The entries, in document order.
    pub entries: Vec<AclEntry>,
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_string())
            .collect(),
        Some(Value::String(s)) => vec![s.trim().to_string()],
        _ => Vec::new(),
    }
}

/// Parse a policy document: the object, or (as the IAM API returns it) a JSON string holding
/// the object. Entries without a service or an effect make the document invalid.
pub fn parse_document(v: &Value) -> std::result::Result<AclDocument, String> {
    let owned;
    let v = match v {
        Value::String(text) => {
            owned = serde_json::from_str::<Value>(text)
                .map_err(|e| format!("the document is not JSON: {e}"))?;
            &owned
        }
        other => other,
    };
    let list = v
        .get("accessControlList")
        .and_then(Value::as_array)
        .ok_or("the document has no accessControlList array")?;
    let mut entries = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let service = e
            .get("service")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(format!("accessControlList[{i}] has no service"))?;
        let service = service.strip_prefix("bce:").unwrap_or(service);
        let effect = match e.get("effect").and_then(Value::as_str).map(str::trim) {
            Some(x) if x.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(x) if x.eq_ignore_ascii_case("deny") => Effect::Deny,
            other => return Err(format!("accessControlList[{i}] has effect {other:?}")),
        };
        let region = e
            .get("region")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("*");
        entries.push(AclEntry {
            service: service.to_ascii_lowercase(),
            region: region.to_string(),
            effect,
            permission: string_list(e.get("permission")),
            resource: string_list(e.get("resource")),
        });
    }
    Ok(AclDocument { entries })
}

/// What one entry (or document) says about listing one service in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Allow or Deny.
    pub effect: Effect,
    /// Whether it covers a list call of the service in the asked region (every resource, a
    /// permission covering reads). `false`: it only mentions the service (other regions,
    /// some resources, some actions).
    pub full: bool,
    /// In words, e.g. `allows bce:bcc READ in region bj only`.
    pub detail: String,
}

const READ_PERMISSIONS: &[&str] = &["*", "READ", "LIST", "OPERATE", "FULL_CONTROL"];

/// What `doc` says about listing `service` in `region` (`None`: a global host, where entries'
/// regions do not apply). One finding per entry naming the service (or `*`).
pub fn evaluate(doc: &AclDocument, service: &str, region: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &doc.entries {
        if !(e.service == "*" || e.service.eq_ignore_ascii_case(service)) {
            continue;
        }
        let verb = match e.effect {
            Effect::Allow => "allows",
            Effect::Deny => "denies",
        };
        let read_perms: Vec<&String> = e
            .permission
            .iter()
            .filter(|p| READ_PERMISSIONS.iter().any(|r| p.eq_ignore_ascii_case(r)))
            .collect();
        let all_resources = e.resource.is_empty() || e.resource.iter().any(|r| r == "*");
        let region_ok = match region {
            None => true,
            Some(r) => e.region == "*" || e.region.eq_ignore_ascii_case(r),
        };
        let perms = if read_perms.is_empty() {
            e.permission.join(", ")
        } else {
            read_perms
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut detail = format!("{verb} bce:{} {perms}", e.service);
        let mut limits = Vec::new();
        if region.is_some() && e.region != "*" {
            limits.push(format!("in region {} only", e.region));
        }
        if read_perms.is_empty() {
            limits.push("for these actions only".to_string());
        }
        if !all_resources {
            limits.push(format!("on resources {} only", e.resource.join(", ")));
        }
        if !limits.is_empty() {
            detail.push(' ');
            detail.push_str(&limits.join(", "));
        }
        out.push(Finding {
            effect: e.effect,
            full: region_ok && all_resources && !read_perms.is_empty(),
            detail,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_exactly_the_registered_products() {
        let registered: Vec<&str> = vigil_core::registry::provider_products(crate::PROVIDER)
            .iter()
            .map(|d| d.product)
            .collect();
        let table: Vec<&str> = IAM_SERVICES.iter().map(|s| s.product).collect();
        assert_eq!(registered, table, "sorted like the registry");
        for d in vigil_core::registry::provider_products(crate::PROVIDER) {
            let s = iam_service(d.product).unwrap();
            assert_eq!(
                s.regional_host,
                d.product != "iam",
                "{}: only IAM has a global host",
                d.product
            );
        }
    }

    #[test]
    fn least_privilege_dedups_and_rejects_unknown_products() {
        let doc = least_privilege(&["appblb", "bcc", "blb", "bcc", "bos"]).unwrap();
        assert_eq!(
            doc,
            json!({"accessControlList": [
                {"service": "bce:blb", "region": "*", "effect": "Allow", "permission": ["READ"], "resource": ["*"]},
                {"service": "bce:bcc", "region": "*", "effect": "Allow", "permission": ["READ"], "resource": ["*"]},
                {"service": "bce:bos", "region": "*", "effect": "Allow", "permission": ["READ", "LIST"], "resource": ["*"]},
            ]})
        );
        let e = least_privilege(&["bcc", "ecs", "s3", "ecs"]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownProduct);
        assert!(
            e.message()
                .starts_with(r#"unknown Baidu products "ecs", "s3"; known products: appblb, bcc,"#),
            "{e}"
        );
        assert_eq!(least_privilege(&[]).unwrap_err().kind(), ErrorKind::Config);
        // The generated document reads back as granting exactly those services.
        let parsed = parse_document(&doc).unwrap();
        for service in ["blb", "bcc", "bos"] {
            assert!(evaluate(&parsed, service, Some("gz"))
                .iter()
                .any(|f| f.full));
        }
        assert!(evaluate(&parsed, "rds", Some("gz")).is_empty());
    }

    #[test]
    fn documents_parse_from_strings_and_findings_describe_their_limits() {
        let doc = parse_document(&Value::String(
            r#"{"accessControlList":[
                {"service":"bcc","region":"bj","effect":"Allow","permission":["READ"],"resource":["*"]},
                {"service":"bce:BCC","region":"*","effect":"Deny","permission":["DescribeInstances"]},
                {"service":"bce:vpc","effect":"allow","permission":["FULL_CONTROL"],"resource":["vpc-1*"]},
                {"service":"bce:*","region":"*","effect":"Allow","permission":["*"],"resource":["*"]}
            ]}"#
                .to_string(),
        ))
        .unwrap();
        let bj = evaluate(&doc, "bcc", Some("bj"));
        assert_eq!(bj.len(), 3);
        assert!(bj[0].full && bj[0].effect == Effect::Allow);
        assert_eq!(bj[0].detail, "allows bce:bcc READ in region bj only");
        assert!(!bj[1].full && bj[1].effect == Effect::Deny);
        assert_eq!(
            bj[1].detail,
            "denies bce:bcc DescribeInstances for these actions only"
        );
        assert!(bj[2].full, "bce:* * covers everything");
        let gz = evaluate(&doc, "bcc", Some("gz"));
        assert!(!gz[0].full);
        // Regions do not apply on global hosts.
        assert!(evaluate(&doc, "bcc", None)[0].full);
        let vpc = evaluate(&doc, "vpc", Some("bj"));
        assert!(!vpc[0].full);
        assert_eq!(
            vpc[0].detail,
            "allows bce:vpc FULL_CONTROL on resources vpc-1* only"
        );
        assert!(parse_document(&json!({"acl": []})).is_err());
        assert!(parse_document(
            &json!({"accessControlList": [{"service": "bcc", "effect": "Maybe"}]})
        )
        .is_err());
        assert!(parse_document(&Value::String("{not json".into())).is_err());
    }
}
