//! Synthetic worlds of any size, deterministic for a seed.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use crate::default_world::t;
use crate::default_world::{self, key, region_entries, user, REGION_NAMES};
use crate::fixtures::{self, InstanceSpec, RuleSpec, SecurityGroupSpec};
use crate::ids::Draw;
use crate::world::{Account, LoginProfile, User, World};

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
    /// Resources of each other product (EIP, RDS, SCS, Kafka, MongoDB, BOS, BLB) per region.
    pub resources_per_region: usize,
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
            resources_per_region: 10,
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
    let built_in_users = users.len();
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
    // IAM posture risks on the generated users, drawn from a stream of their own so the rest
    // of the world does not change with them.
    let mut iam_rng = StdRng::seed_from_u64(opts.seed ^ 0x1a3_5eed);
    for (n, u) in users.iter_mut().skip(built_in_users).enumerate() {
        iam_risks(u, n, &mut iam_rng);
    }

    let mut resources = BTreeMap::new();
    for (ri, region) in region_ids.iter().enumerate() {
        let mut collections = generate_region(&mut rng, &mut ids, opts, region, ri);
        let cx = crate::products::RegionContext::from_collections(region, ri, &collections);
        crate::products::populate_region(
            &mut collections,
            &cx,
            &mut rng,
            crate::products::Scale::Generated(opts.resources_per_region),
        );
        resources.insert(region.clone(), collections);
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

/// Console logins with and without MFA, access keys of every age (some never used, some
/// unused for years), contacts, and an administrator (the first generated user, whose console
/// login has no MFA).
fn iam_risks(u: &mut User, n: usize, rng: &mut StdRng) {
    let date = |rng: &mut StdRng, from_year: u64, to_year: u64| {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:00Z",
            from_year + rng.below(to_year - from_year + 1),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60)
        )
    };
    // Created before any of its keys.
    u.create_time = t(&date(rng, 2018, 2018));
    if n == 0 && !u.policies.iter().any(|p| p == "AdministratorAccess") {
        u.policies.push("AdministratorAccess".to_string());
    }
    if n == 0 || rng.chance(60) {
        let mfa = n != 0 && rng.chance(50);
        u.login_profile = Some(LoginProfile {
            need_reset_password: rng.chance(20),
            enabled_login: n == 0 || rng.chance(90),
            enabled_login_mfa: mfa,
            login_mfa_type: if mfa {
                rng.pick(&["TOTP", "PHONE"]).to_string()
            } else {
                String::new()
            },
            third_party_type: String::new(),
            third_party_account: String::new(),
            password_expire_date: rng.chance(50).then(|| t(&date(rng, 2025, 2026))),
        });
        if rng.chance(70) {
            u.last_login_time = Some(t(&date(rng, 2023, 2025)));
        }
    }
    if rng.chance(50) {
        u.contact = format!("{}@example.com", u.name);
    }
    for k in &mut u.access_keys {
        let created = t(&date(rng, 2019, 2025));
        k.create_time = created;
        if k.last_used_time.is_some() {
            let used = t(&date(rng, 2019, 2025));
            k.last_used_time = Some(used.max(created));
        }
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
    // ACL rules draw from their own stream so adding them changed no other generated data.
    let mut acl_rng = StdRng::seed_from_u64(opts.seed ^ (0xac1_0000 + region_index as u64));
    let acl_rules = subnet_acl_rules(&mut acl_rng, ids, &out["vpc_subnets"]);
    out.insert("vpc_acl_rules".to_string(), acl_rules);
    out
}

/// One ACL rule template (see [`ACL_TEMPLATES`]).
type AclTemplate = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// ACL rule templates: (description, direction, protocol, peer CIDR, port, action); the peer
/// is the source of an ingress rule and the destination of an egress rule, the subnet's
/// CIDR the other side.
#[rustfmt::skip]
const ACL_TEMPLATES: &[AclTemplate] = &[
    ("allow all from the internet", "ingress", "all", "0.0.0.0/0", "all", "allow"),
    ("deny telnet", "ingress", "tcp", "0.0.0.0/0", "23", "deny"),
    ("deny rdp", "ingress", "tcp", "0.0.0.0/0", "3389", "deny"),
    ("ssh from anywhere", "ingress", "tcp", "0.0.0.0/0", "22", "allow"),
    ("https", "ingress", "tcp", "0.0.0.0/0", "443", "allow"),
    ("mysql from the vpc", "ingress", "tcp", "10.0.0.0/8", "3306", "allow"),
    ("block scanner range", "ingress", "all", "198.51.100.0/24", "all", "deny"),
    ("ipv6 from anywhere", "ingress", "all", "::/0", "all", "allow"),
    ("no outbound smtp", "egress", "tcp", "0.0.0.0/0", "25", "deny"),
    ("dns out", "egress", "udp", "0.0.0.0/0", "53", "allow"),
];

/// BCE's default rules of every subnet, at the lowest priority.
#[rustfmt::skip]
const ACL_DEFAULTS: &[AclTemplate] = &[
    ("default allow", "ingress", "all", "0.0.0.0/0", "all", "allow"),
    ("default allow", "egress", "all", "0.0.0.0/0", "all", "allow"),
];

/// Every subnet's ACL: 0-3 custom rules (positions 1, 2, ...) then the default allow-all
/// ingress and egress rules at position 1000. The region's first subnet starts with an
/// allow-all-from-the-Internet rule and a deny rule, so the first rule is a
/// misconfiguration; every rule has every field filled.
fn subnet_acl_rules(rng: &mut StdRng, ids: &mut Ids, subnets: &[Value]) -> Vec<Value> {
    let mut rules = Vec::new();
    for (si, subnet) in subnets.iter().enumerate() {
        let subnet_id = subnet["subnetId"].as_str().unwrap_or_default();
        let cidr = subnet["cidr"].as_str().unwrap_or_default();
        let picks: Vec<usize> = if si == 0 {
            vec![0, 1]
        } else {
            let mut picks: Vec<usize> = (0..rng.below(4))
                .map(|_| rng.index(ACL_TEMPLATES.len()))
                .collect();
            picks.sort_unstable();
            picks.dedup();
            picks
        };
        let custom = picks.iter().map(|&t| ACL_TEMPLATES[t]);
        for (n, (description, direction, protocol, peer, port, action)) in
            custom.chain(ACL_DEFAULTS.iter().copied()).enumerate()
        {
            let own = if peer.contains(':') { "::/0" } else { cidr };
            let (source, destination) = if direction == "ingress" {
                (peer, own)
            } else {
                (own, peer)
            };
            let position = if description == "default allow" {
                1000
            } else {
                n as u32 + 1
            };
            rules.push(fixtures::acl_rule(
                &ids.draw(rng, "ar-", 12, false),
                subnet_id,
                description,
                protocol,
                source,
                destination,
                port,
                position,
                direction,
                action,
            ));
        }
    }
    rules
}
