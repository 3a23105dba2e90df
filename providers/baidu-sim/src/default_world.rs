//! The built-in world: one realistic account (what `vigil demo` shows).
//!
//! Ids are derived from [`SplitMix64`] streams seeded by fixed texts, so they are stable
//! across builds and dependency upgrades.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::fixtures::{self, tag_pairs, InstanceSpec, RuleSpec, SecurityGroupSpec};
use crate::ids::{hex32, Draw, SplitMix64};
use crate::keys;
use crate::world::{
    AccessKeyEntry, Account, CustomPolicy, Group, LoginProfile, RegionEntry, User, World,
};

/// The default account's id.
pub const DEFAULT_ACCOUNT_ID: &str = "63c4cf6c1bae55a5c15da7bcc12449ea";

/// Every region id with its display name, in `describeRegions` order; the first six are what
/// the default world lists.
pub(crate) const REGION_NAMES: &[(&str, &str)] = &[
    ("bj", "华北-北京"),
    ("gz", "华南-广州"),
    ("su", "华东-苏州"),
    ("bd", "华北-保定"),
    ("fwh", "金融华中-武汉"),
    ("hkg", "中国香港"),
    ("fsh", "金融华东-上海"),
    ("sin", "新加坡"),
    ("yq", "华北-阳泉"),
    ("cd", "西南-成都"),
    ("nj", "华东-南京"),
];

pub(crate) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid constant time")
        .with_timezone(&Utc)
}

pub(crate) fn key(
    (id, secret): (&str, &str),
    enabled: bool,
    created: &str,
    last_used: Option<&str>,
    description: &str,
) -> AccessKeyEntry {
    AccessKeyEntry {
        access_key_id: id.to_string(),
        secret_access_key: secret.to_string(),
        enabled,
        create_time: t(created),
        last_used_time: last_used.map(t),
        description: description.to_string(),
    }
}

pub(crate) fn user(name: &str, created: &str, description: &str) -> User {
    User {
        name: name.to_string(),
        id: hex32(&format!("user/{name}")),
        enabled: true,
        create_time: t(created),
        description: description.to_string(),
        contact: String::new(),
        last_login_time: None,
        login_profile: None,
        access_keys: Vec::new(),
        policies: Vec::new(),
        groups: Vec::new(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The users, groups and policies behind the exported demo keys. The generator reuses them
/// so the demo keys work on generated worlds too.
pub(crate) fn iam_principals() -> (Vec<User>, Vec<Group>, Vec<CustomPolicy>) {
    let mut auditor = user(
        "vigil-auditor",
        "2025-06-01T09:00:00Z",
        "Vigil read-only auditor",
    );
    auditor.policies = strings(&["IAMReadAccessPolicy", "BCCReadAccessPolicy"]);
    auditor.access_keys = vec![key(
        keys::AUDITOR,
        true,
        "2025-06-01T09:05:00Z",
        Some("2025-11-20T02:00:00Z"),
        "vigil",
    )];

    let mut global = user(
        "global-reader",
        "2025-06-02T09:00:00Z",
        "read-only on every service",
    );
    global.policies = strings(&["IAMReadAccessPolicy", "GlobalReadPolicy"]);
    global.access_keys = vec![key(
        keys::GLOBAL_READER,
        true,
        "2025-06-02T09:05:00Z",
        Some("2025-11-19T08:30:00Z"),
        "",
    )];

    let mut iam_only = user("iam-only", "2025-06-03T09:00:00Z", "can read IAM only");
    iam_only.policies = strings(&["IAMReadAccessPolicy"]);
    iam_only.access_keys = vec![key(keys::IAM_ONLY, true, "2025-06-03T09:05:00Z", None, "")];

    let mut bj_only = user(
        "bj-only",
        "2025-06-04T09:00:00Z",
        "BCC read in Beijing only",
    );
    bj_only.policies = strings(&["bcc-read-bj"]);
    bj_only.access_keys = vec![key(keys::BJ_ONLY, true, "2025-06-04T09:05:00Z", None, "")];

    let mut disabled = user("disabled-user", "2023-02-01T09:00:00Z", "former contractor");
    disabled.enabled = false;
    disabled.policies = strings(&["BCCReadAccessPolicy"]);
    disabled.access_keys = vec![key(
        keys::DISABLED,
        false,
        "2023-02-01T09:05:00Z",
        Some("2023-08-30T17:00:00Z"),
        "disabled after offboarding",
    )];

    let mut deny_gz = user(
        "deny-gz",
        "2025-06-05T09:00:00Z",
        "global read except BCC in Guangzhou",
    );
    deny_gz.policies = strings(&["GlobalReadPolicy", "deny-bcc-gz"]);
    deny_gz.access_keys = vec![key(keys::DENY_GZ, true, "2025-06-05T09:05:00Z", None, "")];

    let mut alice = user("alice", "2022-01-15T01:02:03Z", "cloud administrator");
    alice.contact = "alice@example.com".to_string();
    alice.last_login_time = Some(t("2025-10-30T12:34:56Z"));
    alice.login_profile = Some(LoginProfile {
        need_reset_password: false,
        enabled_login: true,
        enabled_login_mfa: false,
        login_mfa_type: String::new(),
        third_party_type: String::new(),
        third_party_account: String::new(),
        password_expire_date: Some(t("2026-01-15T01:02:03Z")),
    });
    alice.groups = strings(&["admins"]);
    alice.access_keys = vec![key(
        keys::ADMIN,
        true,
        "2022-01-15T01:10:00Z",
        Some("2025-11-18T06:00:00Z"),
        "laptop",
    )];

    let mut ci = user("ci-deployer", "2021-02-02T02:00:00Z", "CI pipeline user");
    ci.groups = strings(&["ops"]);
    ci.access_keys = vec![
        key(
            keys::CI_DEPLOYER,
            true,
            "2023-07-07T07:10:00Z",
            Some("2025-11-01T03:00:00Z"),
            "",
        ),
        key(
            (
                "74e5cd10e9a3dc87638818b640dbb6f0",
                "803d8b803eae40257f36a697068561f2",
            ),
            true,
            "2021-02-02T02:02:02Z",
            Some("2021-03-01T00:00:00Z"),
            "old key, never rotated",
        ),
    ];

    let mut bob = user("bob", "2024-04-10T03:00:00Z", "developer");
    bob.contact = "bob@example.com".to_string();
    bob.last_login_time = Some(t("2025-11-02T01:00:00Z"));
    bob.login_profile = Some(LoginProfile {
        need_reset_password: false,
        enabled_login: true,
        enabled_login_mfa: true,
        login_mfa_type: "TOTP".to_string(),
        third_party_type: String::new(),
        third_party_account: String::new(),
        password_expire_date: None,
    });
    bob.groups = strings(&["developers"]);

    let group = |name: &str, description: &str, created: &str, policies: &[&str]| Group {
        name: name.to_string(),
        id: hex32(&format!("group/{name}")),
        description: description.to_string(),
        create_time: t(created),
        policies: strings(policies),
    };
    let groups = vec![
        group(
            "admins",
            "account administrators",
            "2022-01-15T01:00:00Z",
            &["AdministratorAccess"],
        ),
        group(
            "ops",
            "operations team",
            "2022-02-02T02:02:02Z",
            &["BCCFullControlAccessPolicy", "VPCReadAccessPolicy"],
        ),
        group(
            "developers",
            "application developers",
            "2024-04-10T02:00:00Z",
            &["BCCReadAccessPolicy", "VPCReadAccessPolicy"],
        ),
    ];

    let policies = vec![
        CustomPolicy {
            name: "bcc-read-bj".to_string(),
            id: hex32("policy/bcc-read-bj"),
            description: "BCC read-only in Beijing".to_string(),
            create_time: t("2025-06-04T08:55:00Z"),
            document: json!({"accessControlList": [
                {"service": "bce:bcc", "region": "bj", "effect": "Allow", "permission": ["READ"], "resource": ["*"]}
            ]}),
        },
        CustomPolicy {
            name: "deny-bcc-gz".to_string(),
            id: hex32("policy/deny-bcc-gz"),
            description: "no BCC access in Guangzhou".to_string(),
            create_time: t("2025-06-05T08:55:00Z"),
            document: json!({"accessControlList": [
                {"service": "bce:bcc", "region": "gz", "effect": "Deny", "permission": ["*"], "resource": ["*"]}
            ]}),
        },
    ];

    (
        vec![
            auditor, global, iam_only, bj_only, disabled, deny_gz, alice, ci, bob,
        ],
        groups,
        policies,
    )
}

pub(crate) fn region_entries(ids: &[&str]) -> Vec<RegionEntry> {
    ids.iter()
        .map(|id| RegionEntry {
            region_id: id.to_string(),
            region_name: REGION_NAMES
                .iter()
                .find(|(r, _)| r == id)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| format!("Region {id}")),
        })
        .collect()
}

pub(crate) fn root_keys() -> Vec<AccessKeyEntry> {
    vec![key(
        keys::ROOT,
        true,
        "2021-01-01T00:00:00Z",
        Some("2025-11-20T00:00:00Z"),
        "",
    )]
}

pub(crate) fn roles() -> Vec<Value> {
    vec![json!({
        "id": hex32("role/BceServiceRole_audit"),
        "name": "BceServiceRole_audit",
        "createTime": "2024-01-01T00:00:00Z",
        "description": "lets the audit service read resources",
        "assumeRolePolicyDocument": "{\"version\":\"v1\",\"accessControlList\":[{\"service\":\"bce:iam\",\"permission\":[\"AssumeRole\"],\"region\":\"*\",\"grantee\":[{\"id\":\"0123456789abcdef0123456789abcdef\"}],\"effect\":\"Allow\"}]}"
    })]
}

pub(crate) fn build() -> World {
    let (users, groups, custom_policies) = iam_principals();
    let mut resources = BTreeMap::new();
    resources.insert("bj".to_string(), beijing());
    resources.insert("gz".to_string(), guangzhou());
    resources.insert("su".to_string(), suzhou());
    // The other products' demo data, deterministic for a fixed seed.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0x5eed_0001);
    for (index, (region, collections)) in resources.iter_mut().enumerate() {
        let cx = crate::products::RegionContext::from_collections(region, index, collections);
        crate::products::populate_region(collections, &cx, &mut rng, crate::products::Scale::Demo);
    }
    World {
        accounts: vec![Account {
            id: DEFAULT_ACCOUNT_ID.to_string(),
            name: "acme-prod".to_string(),
            root_access_keys: root_keys(),
            users,
            groups,
            custom_policies,
            roles: roles(),
            regions: region_entries(&["bj", "gz", "su", "bd", "fwh", "hkg"]),
            resources,
        }],
        limits: None,
    }
}

/// A region's hand-written plan.
struct Plan {
    rng: SplitMix64,
    vpcs: Vec<Value>,
    subnets: Vec<Value>,
    acl_rules: Vec<Value>,
    groups: Vec<Value>,
    instances: Vec<Value>,
}

/// One hand-written instance: name, description, status, flavour index, image index,
/// subnet (index into the plan's subnets), internal ip, public ip, keypair name, tags,
/// security group names, payment, create time, deletion protection, fully populated.
struct Vm<'a> {
    name: &'a str,
    desc: &'a str,
    status: &'static str,
    flavour: usize,
    image: usize,
    subnet: usize,
    ip: &'a str,
    public_ip: Option<&'a str>,
    keypair: Option<&'a str>,
    tags: &'a [(&'a str, &'a str)],
    groups: &'a [&'a str],
    payment: &'static str,
    created: &'a str,
    protected: bool,
    full: bool,
}

impl Plan {
    fn new(region: &str) -> Self {
        Plan {
            rng: SplitMix64::from_text(&format!("default-world/{region}")),
            vpcs: Vec::new(),
            subnets: Vec::new(),
            acl_rules: Vec::new(),
            groups: Vec::new(),
            instances: Vec::new(),
        }
    }

    /// A VPC; `full` also gives it an IPv6 and a secondary CIDR (a fully populated fixture).
    fn vpc(
        &mut self,
        name: &str,
        cidr: &str,
        description: &str,
        is_default: bool,
        tags: &[(&str, &str)],
        full: bool,
    ) -> String {
        let id = format!("vpc-{}", self.rng.lower36(12));
        let (ipv6_cidr, secondary_cidrs) = if full {
            (
                format!("240c:4081:{:x}::/56", 0x8000 + self.rng.below(0x7fff)),
                vec!["100.64.0.0/16".to_string()],
            )
        } else {
            (String::new(), Vec::new())
        };
        self.vpcs.push(fixtures::vpc(&fixtures::VpcSpec {
            id: id.clone(),
            ipv6_cidr,
            secondary_cidrs,
            name: name.to_string(),
            cidr: cidr.to_string(),
            description: description.to_string(),
            is_default,
            created: "2023-10-01T00:00:00Z".to_string(),
            tags: tag_pairs(tags),
        }));
        id
    }

    /// A subnet; `full` also gives it an IPv6 CIDR and tags (a fully populated fixture).
    fn subnet(
        &mut self,
        vpc_id: &str,
        name: &str,
        zone: &str,
        cidr: &str,
        description: &str,
        full: bool,
    ) {
        let id = format!("sbn-{}", self.rng.lower36(12));
        let available = 200 + self.rng.below(50) as u32;
        let (ipv6_cidr, tags) = if full {
            (
                format!(
                    "240c:4081:{:x}:{:x}::/64",
                    0x8000 + self.rng.below(0x7fff),
                    self.rng.below(0xff)
                ),
                tag_pairs(&[("tier", name)]),
            )
        } else {
            (String::new(), Vec::new())
        };
        self.subnets.push(fixtures::subnet(&fixtures::SubnetSpec {
            id: id.clone(),
            ipv6_cidr,
            tags,
            name: name.to_string(),
            zone: zone.to_string(),
            cidr: cidr.to_string(),
            vpc_id: vpc_id.to_string(),
            description: description.to_string(),
            created: "2023-10-01T00:05:00Z".to_string(),
            available_ip: available,
        }));
        // Every subnet has the default allow-all rules at the lowest priority.
        for direction in ["ingress", "egress"] {
            let rule_id = format!("ar-{}", self.rng.lower36(12));
            let (src, dst) = if direction == "ingress" {
                ("0.0.0.0/0", cidr)
            } else {
                (cidr, "0.0.0.0/0")
            };
            self.acl_rules.push(fixtures::acl_rule(
                &rule_id,
                &id,
                "default allow",
                "all",
                src,
                dst,
                "all",
                1000,
                direction,
                "allow",
            ));
        }
    }

    fn subnet_field(&self, index: usize, field: &str) -> String {
        self.subnets[index][field]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn acl_deny(&mut self, subnet: usize, description: &str, port: &str, position: u32) {
        let subnet_id = self.subnet_field(subnet, "subnetId");
        let cidr = self.subnet_field(subnet, "cidr");
        let rule_id = format!("ar-{}", self.rng.lower36(12));
        self.acl_rules.push(fixtures::acl_rule(
            &rule_id,
            &subnet_id,
            description,
            "tcp",
            "0.0.0.0/0",
            &cidr,
            port,
            position,
            "ingress",
            "deny",
        ));
    }

    /// An explicit allow-everything-from-the-Internet ingress rule (a misconfiguration: it
    /// overrides any deny rule with a larger position).
    fn acl_allow_all(&mut self, subnet: usize, description: &str, position: u32) {
        let subnet_id = self.subnet_field(subnet, "subnetId");
        let cidr = self.subnet_field(subnet, "cidr");
        let rule_id = format!("ar-{}", self.rng.lower36(12));
        self.acl_rules.push(fixtures::acl_rule(
            &rule_id,
            &subnet_id,
            description,
            "all",
            "0.0.0.0/0",
            &cidr,
            "all",
            position,
            "ingress",
            "allow",
        ));
    }

    fn group_id(&self, name: &str) -> String {
        self.groups
            .iter()
            .find(|g| g["name"] == name)
            .and_then(|g| g["id"].as_str())
            .unwrap_or_else(|| panic!("security group {name} is defined before use"))
            .to_string()
    }

    /// Reserve an id for a group defined later (for peer-group rules).
    fn new_group_id(&mut self) -> String {
        format!("g-{}", self.rng.lower36(12))
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        id: Option<String>,
        name: &str,
        desc: &str,
        vpc_id: &str,
        created: &str,
        tags: &[(&str, &str)],
        rules: Vec<RuleSpec>,
    ) -> String {
        let id = id.unwrap_or_else(|| self.new_group_id());
        let spec = SecurityGroupSpec {
            id: id.clone(),
            name: name.to_string(),
            desc: desc.to_string(),
            vpc_id: vpc_id.to_string(),
            created: created.to_string(),
            tags: tag_pairs(tags),
            rules,
        };
        let value = fixtures::security_group(&spec, &mut self.rng);
        self.groups.push(value);
        id
    }

    fn vm(&mut self, vm: Vm<'_>) {
        let id = format!("i-{}", self.rng.base62(8));
        let public_ip = vm
            .public_ip
            .map(|ip| (ip.to_string(), format!("ip-{}", self.rng.hex(8))));
        let keypair = vm.keypair.map(|name| {
            let mut r = SplitMix64::from_text(&format!("keypair/{name}"));
            (format!("k-{}", r.base62(8)), name.to_string())
        });
        let groups = vm.groups.iter().map(|g| self.group_id(g)).collect();
        let spec = InstanceSpec {
            id,
            name: vm.name.to_string(),
            desc: vm.desc.to_string(),
            status: vm.status,
            flavour: fixtures::FLAVOURS[vm.flavour],
            image: fixtures::IMAGES[vm.image],
            zone: self.subnet_field(vm.subnet, "zoneName"),
            vpc_id: self.subnet_field(vm.subnet, "vpcId"),
            subnet_id: self.subnet_field(vm.subnet, "subnetId"),
            internal_ip: vm.ip.to_string(),
            public_ip,
            keypair,
            tags: tag_pairs(vm.tags),
            security_groups: groups,
            payment: vm.payment,
            created: vm.created.to_string(),
            deletion_protection: vm.protected,
            full: vm.full,
        };
        let value = fixtures::instance(&spec, &mut self.rng);
        self.instances.push(value);
    }

    fn finish(mut self) -> BTreeMap<String, Vec<Value>> {
        fixtures::count_bindings(&self.instances, &mut self.groups);
        let mut out = BTreeMap::new();
        out.insert("bcc_instances".to_string(), self.instances);
        out.insert("bcc_security_groups".to_string(), self.groups);
        out.insert("vpc_vpcs".to_string(), self.vpcs);
        out.insert("vpc_subnets".to_string(), self.subnets);
        out.insert("vpc_acl_rules".to_string(), self.acl_rules);
        out
    }
}

const PROD: &[(&str, &str)] = &[("env", "prod")];

fn egress_all() -> Vec<RuleSpec> {
    vec![
        RuleSpec::egress("", "all", "1-65535", "all"),
        RuleSpec::egress("", "all", "1-65535", "::/0"),
    ]
}

fn with_egress(mut rules: Vec<RuleSpec>) -> Vec<RuleSpec> {
    rules.extend(egress_all());
    rules
}

fn beijing() -> BTreeMap<String, Vec<Value>> {
    let mut p = Plan::new("bj");
    let prod = p.vpc(
        "prod-vpc",
        "192.168.0.0/16",
        "production",
        false,
        &[("env", "prod"), ("owner", "platform")],
        true,
    );
    let default_vpc = p.vpc("default", "172.16.0.0/16", "", true, &[], false);
    p.subnet(
        &prod,
        "app-d",
        "cn-bj-d",
        "192.168.0.0/24",
        "application tier",
        true,
    );
    p.subnet(
        &prod,
        "db-a",
        "cn-bj-a",
        "192.168.1.0/24",
        "databases",
        false,
    );
    p.subnet(
        &prod,
        "ops-b",
        "cn-bj-b",
        "192.168.2.0/24",
        "tooling",
        false,
    );
    p.subnet(
        &default_vpc,
        "default-a",
        "cn-bj-a",
        "172.16.0.0/20",
        "",
        false,
    );
    p.acl_deny(0, "deny telnet", "23", 1);

    let db_sg = p.new_group_id();
    let web_sg = p.group(
        None,
        "web-sg",
        "web tier: http/https from anywhere, ssh from anywhere (temporary)",
        &prod,
        "2024-03-01T02:00:00Z",
        &[("team", "web"), ("env", "prod")],
        vec![
            RuleSpec::ingress("ssh from anywhere", "tcp", "22", "0.0.0.0/0"),
            RuleSpec::ingress("https", "tcp", "443", "all"),
            RuleSpec::ingress("http", "tcp", "80", "0.0.0.0/0"),
            RuleSpec::ingress("all protocols from db tier", "", "1-65535", "").with_group(&db_sg),
            RuleSpec::egress("mysql to db tier", "tcp", "3306", "").with_group(&db_sg),
            RuleSpec::egress("all ipv4 egress", "all", "1-65535", "all"),
            RuleSpec::egress("all ipv6 egress", "all", "1-65535", "::/0"),
        ],
    );
    p.group(
        Some(db_sg),
        "db-sg",
        "databases: only from the web tier in the app subnet",
        &prod,
        "2024-03-01T02:05:00Z",
        &[("team", "dba")],
        vec![
            RuleSpec::ingress("mysql from web tier", "tcp", "3306", "192.168.0.0/24")
                .with_group(&web_sg),
            RuleSpec::ingress("redis from web tier", "tcp", "6379", "192.168.0.0/24")
                .with_group(&web_sg),
            RuleSpec::egress("replies to web tier", "tcp", "1-65535", "192.168.0.0/24")
                .with_group(&web_sg),
        ],
    );
    p.group(
        None,
        "bastion-sg",
        "jump host",
        &prod,
        "2024-03-02T10:00:00Z",
        &[("team", "ops")],
        with_egress(vec![
            RuleSpec::ingress("ssh", "tcp", "22", "0.0.0.0/0"),
            RuleSpec::ingress("ssh v6", "tcp", "22", "::/0"),
        ]),
    );
    p.group(
        None,
        "windows-rdp-sg",
        "windows jump box",
        &prod,
        "2024-05-20T06:30:00Z",
        &[],
        with_egress(vec![
            RuleSpec::ingress("rdp", "tcp", "3389", "all"),
            RuleSpec::ingress("ping", "icmp", "", "0.0.0.0/0"),
        ]),
    );
    let default_sg = p.new_group_id();
    p.group(
        Some(default_sg.clone()),
        "default",
        "default security group",
        &prod,
        "2023-10-01T00:00:00Z",
        &[],
        with_egress(vec![
            RuleSpec::ingress("same group", "all", "", "").with_group(&default_sg)
        ]),
    );

    let shop = &[("env", "prod"), ("app", "shop")];
    p.vm(Vm {
        name: "web-prod-01",
        desc: "frontend",
        status: "Running",
        flavour: 0,
        image: 0,
        subnet: 0,
        ip: "192.168.0.12",
        public_ip: Some("106.12.34.56"),
        keypair: Some("ops-key"),
        tags: shop,
        groups: &["web-sg", "default"],
        payment: "Postpaid",
        created: "2024-03-15T08:26:52Z",
        protected: true,
        full: true,
    });
    p.vm(Vm {
        name: "web-prod-02",
        desc: "frontend",
        status: "Running",
        flavour: 0,
        image: 0,
        subnet: 0,
        ip: "192.168.0.13",
        public_ip: Some("106.12.34.57"),
        keypair: Some("ops-key"),
        tags: shop,
        groups: &["web-sg"],
        payment: "Postpaid",
        created: "2024-03-15T08:27:40Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "api-gateway-01",
        desc: "internal API gateway",
        status: "Running",
        flavour: 1,
        image: 2,
        subnet: 0,
        ip: "192.168.0.20",
        public_ip: None,
        keypair: Some("ops-key"),
        tags: PROD,
        groups: &["web-sg"],
        payment: "Postpaid",
        created: "2024-06-02T03:00:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "db-bastion",
        desc: "",
        status: "Stopped",
        flavour: 5,
        image: 1,
        subnet: 1,
        ip: "192.168.1.7",
        public_ip: Some("106.12.40.7"),
        keypair: None,
        tags: &[],
        groups: &["bastion-sg", "db-sg"],
        payment: "Prepaid",
        created: "2023-11-02T03:10:00Z",
        protected: true,
        full: false,
    });
    p.vm(Vm {
        name: "mysql-primary",
        desc: "orders database",
        status: "Running",
        flavour: 4,
        image: 1,
        subnet: 1,
        ip: "192.168.1.10",
        public_ip: None,
        keypair: Some("dba-key"),
        tags: &[("env", "prod"), ("team", "dba")],
        groups: &["db-sg"],
        payment: "Prepaid",
        created: "2023-11-02T03:00:00Z",
        protected: true,
        full: false,
    });
    p.vm(Vm {
        name: "redis-cache-01",
        desc: "session cache",
        status: "Running",
        flavour: 1,
        image: 5,
        subnet: 1,
        ip: "192.168.1.11",
        public_ip: None,
        keypair: Some("dba-key"),
        tags: PROD,
        groups: &["db-sg"],
        payment: "Postpaid",
        created: "2024-01-20T11:45:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "jenkins-ci",
        desc: "build server",
        status: "Running",
        flavour: 2,
        image: 0,
        subnet: 2,
        ip: "192.168.2.5",
        public_ip: Some("180.76.15.20"),
        keypair: Some("ci-key"),
        tags: &[("team", "devops")],
        groups: &["web-sg", "bastion-sg"],
        payment: "Postpaid",
        created: "2022-09-09T09:09:09Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "win-jump-01",
        desc: "windows admin box",
        status: "Running",
        flavour: 1,
        image: 3,
        subnet: 2,
        ip: "192.168.2.9",
        public_ip: Some("180.76.15.33"),
        keypair: None,
        tags: &[("team", "ops")],
        groups: &["windows-rdp-sg"],
        payment: "Postpaid",
        created: "2024-05-20T06:40:00Z",
        protected: false,
        full: false,
    });
    p.finish()
}

fn guangzhou() -> BTreeMap<String, Vec<Value>> {
    let mut p = Plan::new("gz");
    let vpc = p.vpc(
        "gz-prod-vpc",
        "10.10.0.0/16",
        "south china production",
        false,
        PROD,
        true,
    );
    p.subnet(&vpc, "web-a", "cn-gz-a", "10.10.1.0/24", "web tier", true);
    p.subnet(
        &vpc,
        "app-c",
        "cn-gz-c",
        "10.10.2.0/24",
        "application tier",
        false,
    );

    let web = p.group(
        None,
        "shop-web-sg",
        "public web servers",
        &vpc,
        "2024-02-10T04:00:00Z",
        &[("app", "shop")],
        with_egress(vec![
            RuleSpec::ingress("http", "tcp", "80", "0.0.0.0/0"),
            RuleSpec::ingress("https", "tcp", "443", "0.0.0.0/0"),
        ]),
    );
    p.group(
        None,
        "shop-db-sg",
        "order database: only from the web tier",
        &vpc,
        "2024-02-10T04:05:00Z",
        &[("app", "shop"), ("team", "dba")],
        vec![
            RuleSpec::ingress("mysql from web tier", "tcp", "3306", "10.10.1.0/24")
                .with_group(&web),
            RuleSpec::egress("replies to web tier", "tcp", "1-65535", "10.10.1.0/24")
                .with_group(&web),
        ],
    );
    p.group(
        None,
        "shop-admin-sg",
        "admin console and ssh from the office",
        &vpc,
        "2024-02-10T04:10:00Z",
        &[("app", "shop"), ("team", "ops")],
        vec![
            RuleSpec::ingress("admin console (open to all!)", "tcp", "8080", "all"),
            RuleSpec::ingress("ssh from office", "tcp", "22", "203.0.113.0/24"),
            RuleSpec::ingress("node exporter from web", "tcp", "9100", "").with_group(&web),
            RuleSpec::egress("https to web tier", "tcp", "443", "").with_group(&web),
            RuleSpec::egress("all ipv4 egress", "all", "1-65535", "0.0.0.0/0"),
            RuleSpec::egress("all ipv6 egress", "all", "1-65535", "::/0"),
        ],
    );
    p.group(
        None,
        "ftp-sg",
        "legacy partner upload",
        &vpc,
        "2021-05-05T05:05:05Z",
        &[],
        with_egress(vec![
            RuleSpec::ingress("ftp", "tcp", "21", "0.0.0.0/0"),
            RuleSpec::ingress("ftp data", "tcp", "20", "0.0.0.0/0"),
            RuleSpec::ingress("legacy allow all", "all", "1-65535", ""),
        ]),
    );
    let default_sg = p.new_group_id();
    p.group(
        Some(default_sg.clone()),
        "default",
        "default security group",
        &vpc,
        "2023-10-01T00:00:00Z",
        &[],
        with_egress(vec![
            RuleSpec::ingress("same group", "all", "", "").with_group(&default_sg)
        ]),
    );

    let shop = &[("env", "prod"), ("app", "shop")];
    p.vm(Vm {
        name: "shop-web-01",
        desc: "storefront",
        status: "Running",
        flavour: 0,
        image: 0,
        subnet: 0,
        ip: "10.10.1.21",
        public_ip: Some("106.13.88.21"),
        keypair: Some("gz-ops-key"),
        tags: shop,
        groups: &["shop-web-sg", "shop-admin-sg"],
        payment: "Prepaid",
        created: "2024-02-11T02:00:00Z",
        protected: true,
        full: true,
    });
    p.vm(Vm {
        name: "shop-web-02",
        desc: "storefront",
        status: "Running",
        flavour: 0,
        image: 0,
        subnet: 0,
        ip: "10.10.1.22",
        public_ip: Some("106.13.88.22"),
        keypair: Some("gz-ops-key"),
        tags: shop,
        groups: &["shop-web-sg"],
        payment: "Postpaid",
        created: "2024-02-11T02:05:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "shop-api-01",
        desc: "order API",
        status: "Running",
        flavour: 3,
        image: 4,
        subnet: 1,
        ip: "10.10.2.10",
        public_ip: None,
        keypair: Some("gz-ops-key"),
        tags: shop,
        groups: &["default", "shop-db-sg"],
        payment: "Postpaid",
        created: "2024-02-12T02:00:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "gz-bastion",
        desc: "jump host",
        status: "Running",
        flavour: 5,
        image: 1,
        subnet: 0,
        ip: "10.10.1.5",
        public_ip: Some("106.13.88.5"),
        keypair: Some("gz-ops-key"),
        tags: &[("team", "ops")],
        groups: &["shop-admin-sg"],
        payment: "Postpaid",
        created: "2023-12-01T00:00:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "log-collector",
        desc: "",
        status: "Stopped",
        flavour: 1,
        image: 5,
        subnet: 1,
        ip: "10.10.2.30",
        public_ip: None,
        keypair: None,
        tags: &[],
        groups: &["default"],
        payment: "Postpaid",
        created: "2024-08-08T08:08:08Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "legacy-ftp",
        desc: "partner uploads (decommission pending)",
        status: "Stopped",
        flavour: 5,
        image: 1,
        subnet: 0,
        ip: "10.10.1.99",
        public_ip: Some("106.13.88.99"),
        keypair: None,
        tags: &[("owner", "unknown")],
        groups: &["ftp-sg"],
        payment: "Prepaid",
        created: "2021-05-05T05:10:00Z",
        protected: false,
        full: false,
    });
    // Drawn last, so the region's other ids do not move.
    p.acl_allow_all(0, "allow all from the internet (ftp partners)", 10);
    p.finish()
}

fn suzhou() -> BTreeMap<String, Vec<Value>> {
    let mut p = Plan::new("su");
    let vpc = p.vpc(
        "su-dr-vpc",
        "10.20.0.0/16",
        "disaster recovery",
        false,
        &[("env", "dr")],
        true,
    );
    p.subnet(
        &vpc,
        "k8s-a",
        "cn-su-a",
        "10.20.0.0/20",
        "kubernetes nodes",
        true,
    );
    p.subnet(&vpc, "db-b", "cn-su-b", "10.20.16.0/24", "databases", false);

    let db = p.new_group_id();
    let nodes = p.group(
        None,
        "k8s-nodes-sg",
        "kubernetes worker nodes",
        &vpc,
        "2024-07-01T01:00:00Z",
        &[("team", "platform"), ("env", "dr")],
        vec![
            RuleSpec::ingress(
                "everything over ipv6 (misconfigured)",
                "all",
                "1-65535",
                "::/0",
            ),
            RuleSpec::ingress("nodeports", "tcp", "30000-32767", "0.0.0.0/0"),
            RuleSpec::ingress("from databases", "tcp", "1-65535", "").with_group(&db),
            RuleSpec::egress("to databases", "tcp", "3306", "").with_group(&db),
            RuleSpec::egress("all ipv4 egress", "all", "1-65535", "all"),
        ],
    );
    p.group(
        Some(db),
        "dr-db-sg",
        "replica databases",
        &vpc,
        "2024-07-01T01:05:00Z",
        &[("team", "dba")],
        vec![
            RuleSpec::ingress("mysql from nodes", "tcp", "3306", "10.20.0.0/20").with_group(&nodes),
            RuleSpec::egress("replies to nodes", "tcp", "1-65535", "10.20.0.0/20")
                .with_group(&nodes),
        ],
    );
    let default_sg = p.new_group_id();
    p.group(
        Some(default_sg.clone()),
        "default",
        "default security group",
        &vpc,
        "2023-10-01T00:00:00Z",
        &[],
        with_egress(vec![
            RuleSpec::ingress("same group", "all", "", "").with_group(&default_sg)
        ]),
    );

    let k8s = &[("env", "dr"), ("team", "platform")];
    p.vm(Vm {
        name: "k8s-node-01",
        desc: "worker",
        status: "Running",
        flavour: 3,
        image: 4,
        subnet: 0,
        ip: "10.20.0.11",
        public_ip: Some("180.76.200.11"),
        keypair: Some("k8s-key"),
        tags: k8s,
        groups: &["k8s-nodes-sg", "default"],
        payment: "Prepaid",
        created: "2024-07-01T02:00:00Z",
        protected: true,
        full: true,
    });
    p.vm(Vm {
        name: "k8s-node-02",
        desc: "worker",
        status: "Running",
        flavour: 3,
        image: 4,
        subnet: 0,
        ip: "10.20.0.12",
        public_ip: None,
        keypair: Some("k8s-key"),
        tags: k8s,
        groups: &["k8s-nodes-sg"],
        payment: "Postpaid",
        created: "2024-07-01T02:01:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "k8s-node-03",
        desc: "worker",
        status: "Starting",
        flavour: 3,
        image: 4,
        subnet: 0,
        ip: "10.20.0.13",
        public_ip: None,
        keypair: Some("k8s-key"),
        tags: k8s,
        groups: &["k8s-nodes-sg"],
        payment: "Postpaid",
        created: "2025-11-19T22:00:00Z",
        protected: false,
        full: false,
    });
    p.vm(Vm {
        name: "dr-db-replica",
        desc: "orders replica",
        status: "Running",
        flavour: 4,
        image: 1,
        subnet: 1,
        ip: "10.20.16.10",
        public_ip: None,
        keypair: Some("dba-key"),
        tags: &[("env", "dr"), ("team", "dba")],
        groups: &["dr-db-sg"],
        payment: "Prepaid",
        created: "2024-07-02T00:00:00Z",
        protected: true,
        full: false,
    });
    p.vm(Vm {
        name: "backup-server",
        desc: "nightly backups",
        status: "Stopped",
        flavour: 1,
        image: 5,
        subnet: 1,
        ip: "10.20.16.50",
        public_ip: None,
        keypair: None,
        tags: &[("env", "dr")],
        groups: &["default"],
        payment: "Postpaid",
        created: "2022-12-12T12:12:12Z",
        protected: false,
        full: false,
    });
    p.finish()
}
