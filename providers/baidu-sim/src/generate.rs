//! Synthetic worlds of any size, deterministic for a seed.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use crate::default_world::{self, key, region_entries, user, REGION_NAMES};
use crate::fixtures::{self, InstanceSpec, RuleSpec, SecurityGroupSpec};
use crate::ids::Draw;
use crate::world::{Account, World};

/// What [`World::generate`] builds.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Regions, taken in order from the real region ids (`bj`, `gz`, `su`, `bd`, `fwh`, `hkg`,
    /// `fsh`, `sin`, `yq`, `cd`, `nj`), then synthesised as `r12`, `r13`, ...
    pub regions: usize,
    /// BCC instances per region.
    pub instances_per_region: usize,
    /// Security groups per region (at least one is made when there are instances).
    pub security_groups_per_region: usize,
    /// IAM users besides the demo users (which are always present, with the demo keys).
    pub users: usize,
    /// The seed: the same options give the same world.
    pub seed: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            regions: 3,
            instances_per_region: 50,
            security_groups_per_region: 10,
            users: 5,
            seed: 42,
        }
    }
}

/// The generated account's id.
pub const GENERATED_ACCOUNT_ID: &str = "5e1f0a9b3c7d4e2f8a6b1c0d9e8f7a6b";

/// Ids are unique per world; collisions are redrawn.
struct Ids {
    seen: HashSet<String>,
}

impl Ids {
    fn draw(&mut self, rng: &mut StdRng, prefix: &str, len: usize, mixed_case: bool) -> String {
        loop {
            let body = if mixed_case {
                rng.base62(len)
            } else {
                rng.lower36(len)
            };
            let id = format!("{prefix}{body}");
            if self.seen.insert(id.clone()) {
                return id;
            }
        }
    }

    fn draw_hex(&mut self, rng: &mut StdRng, len: usize) -> String {
        loop {
            let id = rng.hex(len);
            if self.seen.insert(id.clone()) {
                return id;
            }
        }
    }
}

const NAME_ROLES: &[&str] = &[
    "web", "api", "worker", "db", "cache", "batch", "bastion", "ci", "etl", "search", "mq", "ml",
];
const TEAMS: &[&str] = &["web", "platform", "dba", "data", "ops", "security"];
const ENVS: &[&str] = &["prod", "staging", "dev", "test"];
const STATUSES: &[(&str, u64)] = &[
    ("Running", 78),
    ("Stopped", 14),
    ("Starting", 2),
    ("Stopping", 2),
    ("Expired", 2),
    ("Error", 1),
    ("Recycled", 1),
];

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u64)]) -> &'a str {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.below(total);
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    items[0].0
}

/// Rule templates: some open to the Internet, some clean.
fn rule_template(rng: &mut StdRng) -> Vec<RuleSpec> {
    match rng.below(10) {
        0 => vec![RuleSpec::ingress("ssh", "tcp", "22", "0.0.0.0/0")],
        1 => vec![RuleSpec::ingress("rdp", "tcp", "3389", "all")],
        2 => vec![
            RuleSpec::ingress("http", "tcp", "80", "0.0.0.0/0"),
            RuleSpec::ingress("https", "tcp", "443", "0.0.0.0/0"),
        ],
        3 => vec![RuleSpec::ingress("ipv6 any", "all", "1-65535", "::/0")],
        4 => vec![RuleSpec::ingress("allow all", "", "", "")],
        5 => vec![RuleSpec::ingress(
            "mysql internal",
            "tcp",
            "3306",
            "10.0.0.0/8",
        )],
        6 => vec![RuleSpec::ingress(
            "redis internal",
            "tcp",
            "6379",
            "192.168.0.0/16",
        )],
        7 => vec![RuleSpec::ingress(
            "ssh from office",
            "tcp",
            "22",
            "203.0.113.0/24",
        )],
        8 => vec![RuleSpec::ingress("ping", "icmp", "", "0.0.0.0/0")],
        _ => vec![RuleSpec::ingress(
            "app port",
            "tcp",
            "8000-8999",
            "172.16.0.0/12",
        )],
    }
}

pub(crate) fn generate(opts: &GenerateOptions) -> World {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut ids = Ids {
        seen: HashSet::new(),
    };
    let region_ids: Vec<String> = (0..opts.regions)
        .map(|i| match REGION_NAMES.get(i) {
            Some((id, _)) => id.to_string(),
            None => format!("r{}", i + 1),
        })
        .collect();
    let region_refs: Vec<&str> = region_ids.iter().map(String::as_str).collect();

    let (mut users, groups, custom_policies) = default_world::iam_principals();
    let policy_pool: Vec<String> = crate::policy::system_policies()
        .iter()
        .map(|p| p.name.to_string())
        .chain(custom_policies.iter().map(|p| p.name.clone()))
        .collect();
    for n in 0..opts.users {
        let mut u = user(
            &format!("user-{:04}", n + 1),
            "2024-01-01T00:00:00Z",
            "generated user",
        );
        u.id = rng.hex(32);
        u.enabled = !rng.chance(10);
        for _ in 0..rng.below(3) {
            let p = rng.pick(&policy_pool).clone();
            if !u.policies.contains(&p) {
                u.policies.push(p);
            }
        }
        if rng.chance(40) {
            u.groups.push(rng.pick(&groups).name.clone());
        }
        for k in 0..rng.below(3) {
            let id = ids.draw_hex(&mut rng, 32);
            let secret = rng.hex(32);
            let used = if rng.chance(70) {
                Some("2025-10-01T00:00:00Z")
            } else {
                None
            };
            u.access_keys.push(key(
                (&id, &secret),
                !rng.chance(15),
                "2024-02-01T00:00:00Z",
                used,
                if k == 0 { "" } else { "secondary" },
            ));
        }
        users.push(u);
    }

    let mut resources = BTreeMap::new();
    for (ri, region) in region_ids.iter().enumerate() {
        resources.insert(
            region.clone(),
            generate_region(&mut rng, &mut ids, opts, region, ri),
        );
    }

    World {
        accounts: vec![Account {
            id: GENERATED_ACCOUNT_ID.to_string(),
            name: format!("generated-{}", opts.seed),
            root_access_keys: default_world::root_keys(),
            users,
            groups,
            custom_policies,
            roles: default_world::roles(),
            regions: region_entries(&region_refs),
            resources,
        }],
        limits: None,
    }
}

fn generate_region(
    rng: &mut StdRng,
    ids: &mut Ids,
    opts: &GenerateOptions,
    region: &str,
    region_index: usize,
) -> BTreeMap<String, Vec<Value>> {
    let zones: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|z| format!("cn-{region}-{z}"))
        .collect();
    let second_octet = 16 + (region_index % 200);
    let vpc_id = ids.draw(rng, "vpc-", 12, false);
    let vpc_cidr = format!("10.{second_octet}.0.0/16");
    let vpcs = vec![fixtures::vpc(&fixtures::VpcSpec {
        id: vpc_id.clone(),
        ipv6_cidr: format!("240c:4081:{:x}::/56", 0x8000 + region_index),
        secondary_cidrs: vec!["100.64.0.0/16".to_string()],
        name: format!("{region}-vpc"),
        cidr: vpc_cidr,
        description: "generated".to_string(),
        is_default: false,
        created: "2023-10-01T00:00:00Z".to_string(),
        tags: vec![("region".to_string(), region.to_string())],
    })];
    let mut subnets = Vec::new();
    let mut subnet_ids = Vec::new();
    for (zi, zone) in zones.iter().enumerate() {
        let id = ids.draw(rng, "sbn-", 12, false);
        // The first subnet of a region is fully populated.
        let full = zi == 0;
        subnets.push(fixtures::subnet(&fixtures::SubnetSpec {
            id: id.clone(),
            ipv6_cidr: if full {
                format!("240c:4081:{:x}:{zi:x}::/64", 0x8000 + region_index)
            } else {
                String::new()
            },
            tags: if full {
                vec![("zone".to_string(), zone.clone())]
            } else {
                Vec::new()
            },
            name: format!("subnet-{}", zone),
            zone: zone.clone(),
            cidr: format!("10.{second_octet}.{zi}.0/24"),
            vpc_id: vpc_id.clone(),
            description: if full {
                "generated".to_string()
            } else {
                String::new()
            },
            created: "2023-10-01T00:05:00Z".to_string(),
            available_ip: 250,
        }));
        subnet_ids.push(id);
    }

    let n_groups = if opts.instances_per_region > 0 {
        opts.security_groups_per_region.max(1)
    } else {
        opts.security_groups_per_region
    };
    let mut group_ids: Vec<String> = Vec::with_capacity(n_groups);
    let mut groups = Vec::with_capacity(n_groups);
    for g in 0..n_groups {
        let id = ids.draw(rng, "g-", 12, false);
        let mut rules = Vec::new();
        if g == 0 {
            // The first group of a region is a fully populated fixture: every rule names both
            // a CIDR and a peer group (itself).
            rules.push(
                RuleSpec::ingress("ssh in the vpc", "tcp", "22", "10.0.0.0/8").with_group(&id),
            );
            rules.push(
                RuleSpec::ingress("https in the vpc", "tcp", "443", "10.0.0.0/8").with_group(&id),
            );
            rules.push(
                RuleSpec::egress("replies in the vpc", "all", "1-65535", "10.0.0.0/8")
                    .with_group(&id),
            );
        } else {
            for _ in 0..1 + rng.below(3) {
                rules.extend(rule_template(rng));
            }
            if let Some(peer) = group_ids.last() {
                if rng.chance(30) {
                    rules.push(
                        RuleSpec::ingress("from peer group", "tcp", "1-65535", "").with_group(peer),
                    );
                }
            }
            rules.push(RuleSpec::egress("", "all", "1-65535", "all"));
        }
        let team = *rng.pick(TEAMS);
        let spec = SecurityGroupSpec {
            id: id.clone(),
            name: format!("{team}-sg-{:03}", g + 1),
            desc: format!("{team} security group"),
            vpc_id: vpc_id.clone(),
            created: format!(
                "2024-{:02}-{:02}T00:00:00Z",
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            tags: vec![("team".to_string(), team.to_string())],
            rules,
        };
        groups.push(fixtures::security_group(&spec, rng));
        group_ids.push(id);
    }

    let mut instances = Vec::with_capacity(opts.instances_per_region);
    for n in 0..opts.instances_per_region {
        let id = ids.draw(rng, "i-", 8, true);
        let zi = rng.index(zones.len());
        let role = *rng.pick(NAME_ROLES);
        let env = *rng.pick(ENVS);
        // The first instance of a region is a fully populated fixture.
        let full = n == 0;
        let public_ip = (full || rng.chance(30)).then(|| {
            (
                format!(
                    "106.{}.{}.{}",
                    12 + rng.below(4),
                    rng.below(256),
                    1 + rng.below(254)
                ),
                format!("ip-{}", rng.hex(8)),
            )
        });
        let keypair = (full || rng.chance(70))
            .then(|| (format!("k-{}", rng.base62(8)), format!("{env}-key")));
        let mut sgs = vec![rng.pick(&group_ids).clone()];
        if rng.chance(25) {
            let extra = rng.pick(&group_ids).clone();
            if !sgs.contains(&extra) {
                sgs.push(extra);
            }
        }
        let spec = InstanceSpec {
            id,
            name: format!("{role}-{env}-{:04}", n + 1),
            desc: if full {
                format!("{role} server")
            } else {
                String::new()
            },
            status: weighted(rng, STATUSES),
            flavour: *rng.pick(fixtures::FLAVOURS),
            image: *rng.pick(fixtures::IMAGES),
            zone: zones[zi].clone(),
            vpc_id: vpc_id.clone(),
            subnet_id: subnet_ids[zi].clone(),
            internal_ip: format!("10.{second_octet}.{zi}.{}", 2 + (n % 250)),
            public_ip,
            keypair,
            tags: vec![
                ("env".to_string(), env.to_string()),
                ("team".to_string(), rng.pick(TEAMS).to_string()),
            ],
            security_groups: sgs,
            payment: if rng.chance(30) {
                "Prepaid"
            } else {
                "Postpaid"
            },
            created: format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:00Z",
                21 + rng.below(5),
                1 + rng.below(12),
                1 + rng.below(28),
                rng.below(24),
                rng.below(60)
            ),
            deletion_protection: rng.chance(20),
            full,
        };
        instances.push(fixtures::instance(&spec, rng));
    }
    fixtures::count_bindings(&instances, &mut groups);

    let mut out = BTreeMap::new();
    out.insert("bcc_instances".to_string(), instances);
    out.insert("bcc_security_groups".to_string(), groups);
    out.insert("vpc_vpcs".to_string(), vpcs);
    out.insert("vpc_subnets".to_string(), subnets);
    out.insert("vpc_acl_rules".to_string(), Vec::new());
    out
}
