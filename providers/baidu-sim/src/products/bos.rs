//! World content for BOS (see [`super`]): buckets located in the region
//! (`bos_buckets`, served by `ListBuckets`) and their settings (`bos_bucket_configs`,
//! simulator-private: canned ACL, extra grants, encryption, logging, versioning).
//!
//! Bucket names are unique across the world: they carry the region and an index. The first
//! three buckets of a region follow fixed patterns (a clean one with every list field set, a
//! public-read one without encryption or logging, a public-read-write one with an extra
//! referer-conditioned grant to everyone); the rest are drawn at random with a mix of
//! private and public ACLs, missing encryption, logging and versioning.

use rand::rngs::StdRng;
use serde_json::{json, Map, Value};

use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;

const PURPOSES: &[&str] = &[
    "assets",
    "logs",
    "backup",
    "static-site",
    "data-lake",
    "uploads",
    "ml-datasets",
    "archive",
    "reports",
    "media",
];

/// The fixed pattern of the `n`-th bucket of a region, or a random one.
#[derive(Clone, Copy)]
enum Pattern {
    Clean,
    PublicRead,
    PublicReadWrite,
    Random,
}

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let region = cx.region;
    let count = scale.count(3);
    let mut buckets = Vec::with_capacity(count);
    let mut configs = Vec::with_capacity(count);
    let mut log_target: Option<String> = None;
    for n in 0..count {
        let purpose = if n == 0 { "logs" } else { *rng.pick(PURPOSES) };
        let name = format!("{purpose}-{region}-{:02}{}", n + 1, rng.lower36(4));
        let pattern = match n {
            0 => Pattern::Clean,
            1 => Pattern::PublicRead,
            2 => Pattern::PublicReadWrite,
            _ => Pattern::Random,
        };
        let created = format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            19 + rng.below(7),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        let mut item = Map::new();
        item.insert("name".into(), json!(name));
        item.insert("location".into(), json!(region));
        item.insert("creationDate".into(), json!(created));
        let multi_az = rng.chance(30);
        let dedicated = rng.chance(10);
        if n == 0 {
            // Fully populated: both flags present.
            item.insert("enableMultiAz".into(), json!(true));
            item.insert("enableDedicated".into(), json!(dedicated));
        } else {
            if multi_az {
                item.insert("enableMultiAz".into(), json!(true));
            }
            if dedicated {
                item.insert("enableDedicated".into(), json!(true));
            }
        }
        buckets.push(Value::Object(item));

        let target = log_target.get_or_insert_with(|| name.clone()).clone();
        configs.push(config(&name, &target, pattern, rng));
    }
    out.insert(crate::services::bos::BUCKETS.to_string(), buckets);
    out.insert(crate::services::bos::CONFIGS.to_string(), configs);
}

/// The settings of one bucket; `log_target` is the region's log bucket.
fn config(name: &str, log_target: &str, pattern: Pattern, rng: &mut StdRng) -> Value {
    let (acl, grants, encryption, logging, versioning) = match pattern {
        Pattern::Clean => ("private", false, Some("AES256"), true, Some("enabled")),
        Pattern::PublicRead => ("public-read", false, None, false, None),
        Pattern::PublicReadWrite => (
            "public-read-write",
            true,
            Some("SM4"),
            false,
            Some("suspended"),
        ),
        Pattern::Random => {
            let acl = match rng.below(100) {
                0..=59 => "private",
                60..=84 => "public-read",
                _ => "public-read-write",
            };
            let encryption = match rng.below(100) {
                0..=49 => Some("AES256"),
                50..=59 => Some("SM4"),
                _ => None,
            };
            let versioning = match rng.below(100) {
                0..=39 => Some("enabled"),
                40..=49 => Some("suspended"),
                _ => None,
            };
            (acl, rng.chance(10), encryption, rng.chance(40), versioning)
        }
    };
    let mut c = Map::new();
    c.insert("bucket".into(), json!(name));
    c.insert("acl".into(), json!(acl));
    if grants {
        c.insert(
            "grants".into(),
            json!([{
                "grantee": [{"id": "*"}],
                "permission": ["READ", "LIST"],
                "resource": [format!("{name}/public/*")],
                "condition": {"referer": {"stringLike": ["https://*.example.com/*"]}},
            }]),
        );
    }
    if let Some(e) = encryption {
        c.insert("encryptionAlgorithm".into(), json!(e));
    }
    if logging {
        c.insert(
            "logging".into(),
            json!({"targetBucket": log_target, "targetPrefix": format!("{name}/")}),
        );
    }
    if let Some(v) = versioning {
        c.insert("versioning".into(), json!(v));
    }
    Value::Object(c)
}
