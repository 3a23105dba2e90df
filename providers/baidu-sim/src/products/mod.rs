//! World content for the products beyond BCC/VPC: one module per product fills its
//! collections for a region, in the built-in world and in generated worlds alike.
//!
//! Each product module exposes
//! `pub(crate) fn populate(out: &mut Collections, cx: &RegionContext<'_>, rng: &mut StdRng, scale: Scale)`
//! and is called from [`populate_region`]. Data must be deterministic for the rng, reference
//! the region's real VPC/subnet/instance/security-group ids from `cx`, and mix clean
//! resources with misconfigured ones (public endpoints, allow-any whitelists, ...). The first
//! item of every collection is fully populated (every field non-empty), which the
//! conformance suite checks.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use serde_json::Value;

pub(crate) mod blb;
pub(crate) mod bos;
pub(crate) mod eip;
pub(crate) mod kafka;
pub(crate) mod mongodb;
pub(crate) mod rds;
pub(crate) mod scs;

/// Region → collection name → raw items.
pub(crate) type Collections = BTreeMap<String, Vec<Value>>;

/// How much to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// The built-in demo world: a handful per region, hand-picked misconfigurations.
    Demo,
    /// A generated world: about this many resources per product and region.
    Generated(usize),
}

impl Scale {
    /// How many resources of a product to make (at least one in a generated world with a
    /// non-zero size).
    pub(crate) fn count(self, demo: usize) -> usize {
        match self {
            Scale::Demo => demo,
            Scale::Generated(n) => n,
        }
    }
}

/// What already exists in the region, for products to reference.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegionContext<'a> {
    /// The region id.
    pub region: &'a str,
    /// The region's index in the world (for distinct address ranges).
    pub region_index: usize,
    /// Availability zones, e.g. `cn-bj-a`.
    pub zones: Vec<String>,
    /// VPC ids.
    pub vpc_ids: Vec<String>,
    /// (subnet id, vpc id, zone, cidr).
    pub subnets: Vec<(String, String, String, String)>,
    /// Security group ids.
    pub security_group_ids: Vec<String>,
}

fn ids_of(out: &Collections, collection: &str, field: &str) -> Vec<String> {
    out.get(collection)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.get(field).and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl<'a> RegionContext<'a> {
    /// Read the context from a region's BCC/VPC collections.
    pub(crate) fn from_collections(
        region: &'a str,
        region_index: usize,
        out: &Collections,
    ) -> Self {
        let subnets = out
            .get("vpc_subnets")
            .map(|items| {
                items
                    .iter()
                    .map(|s| {
                        let f = |k: &str| {
                            s.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string()
                        };
                        (f("subnetId"), f("vpcId"), f("zoneName"), f("cidr"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut zones: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(|z| format!("cn-{region}-{z}"))
            .collect();
        zones.dedup();
        RegionContext {
            region,
            region_index,
            zones,
            vpc_ids: ids_of(out, "vpc_vpcs", "vpcId"),
            subnets,
            security_group_ids: ids_of(out, "bcc_security_groups", "id"),
        }
    }
}

/// Add every product's collections for one region.
pub(crate) fn populate_region(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    eip::populate(out, cx, rng, scale);
    rds::populate(out, cx, rng, scale);
    scs::populate(out, cx, rng, scale);
    kafka::populate(out, cx, rng, scale);
    mongodb::populate(out, cx, rng, scale);
    bos::populate(out, cx, rng, scale);
    blb::populate(out, cx, rng, scale);
}
