//! The simulated cloud: accounts, IAM principals and raw resources, as a JSON file format.
//!
//! Everything the simulator serves comes from a [`World`]. The typed parts (accounts,
//! users, keys, groups, policies, regions) are checked strictly (`deny_unknown_fields`,
//! [`World::validate`]); the resources are kept generic (region → collection → raw JSON
//! objects served verbatim) so new products only add collections.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::policy::{self, AclDocument};

/// Region id → collection name → raw items.
pub type Resources = BTreeMap<String, BTreeMap<String, Vec<Value>>>;

/// The whole simulated cloud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// The accounts (tenants). Access key ids are unique across all of them.
    pub accounts: Vec<Account>,
    /// Optional request-rate limits (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
}

/// Request-rate limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Token bucket per access key: this many requests per second, with a burst of the same
    /// size (at least 1). Requests over the limit get `429 RequestLimitExceeded`.
    pub requests_per_second_per_key: f64,
}

/// One account (tenant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account id (32 hex characters on BCE).
    pub id: String,
    /// A display name.
    pub name: String,
    /// The primary account's own keys: every permission.
    #[serde(default)]
    pub root_access_keys: Vec<AccessKeyEntry>,
    /// IAM sub-users.
    #[serde(default)]
    pub users: Vec<User>,
    /// IAM groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Custom policies (system policies are built in, see [`crate::policy`]).
    #[serde(default)]
    pub custom_policies: Vec<CustomPolicy>,
    /// IAM roles, served verbatim by `GET /v1/role` (objects shaped like
    /// `samples/iam.list_roles.json` `roles[]`; `name` is required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Value>,
    /// The regions the account can use: what `describeRegions` returns, and the only region
    /// hosts that answer for this account.
    pub regions: Vec<RegionEntry>,
    /// Region → collection → raw items, e.g. `resources["bj"]["bcc_instances"]`.
    #[serde(default)]
    pub resources: Resources,
}

/// An access key pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyEntry {
    /// The access key id (32 lower-case hex characters on BCE).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Disabled keys are rejected with `403 InvalidAccessKeyId`.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Creation time.
    #[serde(default = "default_time")]
    pub create_time: DateTime<Utc>,
    /// Last use; absent means never (served as `0001-01-01T00:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_time: Option<DateTime<Utc>>,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

/// An IAM sub-user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user name (unique in the account).
    pub name: String,
    /// The user id (32 hex characters on BCE).
    pub id: String,
    /// A disabled user's keys are rejected like disabled keys.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Creation time.
    #[serde(default = "default_time")]
    pub create_time: DateTime<Utc>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Contact e-mail.
    #[serde(default)]
    pub contact: String,
    /// Last console login; absent means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_time: Option<DateTime<Utc>>,
    /// Console login settings; absent means no console login (`loginProfile` answers 404).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_profile: Option<LoginProfile>,
    /// The user's access keys.
    #[serde(default)]
    pub access_keys: Vec<AccessKeyEntry>,
    /// Directly attached policy names (system or custom).
    #[serde(default)]
    pub policies: Vec<String>,
    /// Names of the groups the user belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Console login settings of a user (`GET /v1/user/{name}/loginProfile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginProfile {
    /// Must change the password at next login.
    #[serde(default)]
    pub need_reset_password: bool,
    /// Console login allowed.
    #[serde(default = "yes")]
    pub enabled_login: bool,
    /// MFA required at login.
    #[serde(default)]
    pub enabled_login_mfa: bool,
    /// `PHONE`, `TOTP`, or empty.
    #[serde(default)]
    pub login_mfa_type: String,
    /// Third-party login type, or empty.
    #[serde(default)]
    pub third_party_type: String,
    /// Third-party account, or empty.
    #[serde(default)]
    pub third_party_account: String,
    /// Password expiry; absent means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_expire_date: Option<DateTime<Utc>>,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// The group name (unique in the account).
    pub name: String,
    /// The group id.
    pub id: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Creation time.
    #[serde(default = "default_time")]
    pub create_time: DateTime<Utc>,
    /// Attached policy names (system or custom).
    #[serde(default)]
    pub policies: Vec<String>,
}

/// A custom IAM policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPolicy {
    /// The policy name (unique in the account, not a system policy name).
    pub name: String,
    /// The policy id.
    pub id: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Creation time.
    #[serde(default = "default_time")]
    pub create_time: DateTime<Utc>,
    /// The ACL document, as a JSON object (a JSON string holding the object is accepted too).
    pub document: Value,
}

/// One region as `describeRegions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    /// The region id, e.g. `bj`.
    #[serde(rename = "regionId")]
    pub region_id: String,
    /// The display name, e.g. `华北-北京`.
    #[serde(rename = "regionName")]
    pub region_name: String,
}

fn yes() -> bool {
    true
}

/// The time used when a world file leaves a `create_time` out: 2024-01-01T00:00:00Z.
pub fn default_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid constant date")
}

/// Why a world could not be loaded or is inconsistent.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The file could not be read.
    #[error("cannot read world file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON is malformed or does not have the world's shape.
    #[error("{origin}: line {line}, column {column}, at `{field}`: {message}")]
    Parse {
        /// `world file <path>` or `world JSON`.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The serde path of the offending field, e.g. `accounts[0].users[2].enabled`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The JSON parsed but the world is inconsistent.
    #[error("{origin} is invalid:\n  - {}", problems.join("\n  - "))]
    Invalid {
        /// `world file <path>` or `world`.
        origin: String,
        /// Every problem found, each naming where it is.
        problems: Vec<String>,
    },
}

impl WorldError {
    fn with_origin(self, new_origin: String) -> Self {
        match self {
            WorldError::Parse {
                line,
                column,
                field,
                message,
                ..
            } => WorldError::Parse {
                origin: new_origin,
                line,
                column,
                field,
                message,
            },
            WorldError::Invalid { problems, .. } => WorldError::Invalid {
                origin: new_origin,
                problems,
            },
            other => other,
        }
    }
}

/// The field that holds an item's id in a collection, for pagination markers, detail
/// look-ups and duplicate checks. Collections not listed here are served verbatim with no
/// id checks.
pub fn collection_id_field(collection: &str) -> Option<&'static str> {
    match collection {
        "bcc_instances" | "bcc_security_groups" | "vpc_acl_rules" => Some("id"),
        "vpc_vpcs" => Some("vpcId"),
        "vpc_subnets" => Some("subnetId"),
        "kafka_clusters" | "kafka_cluster_details" | "kafka_access_endpoints" => Some("clusterId"),
        "blb_load_balancers" | "blb_listeners" | "appblb_load_balancers" | "appblb_listeners" => {
            Some("blbId")
        }
        "rds_instances" | "rds_security_ips" => Some("instanceId"),
        "scs_instances" | "scs_details" | "scs_security_ips" | "scs_backup_policies" => {
            Some("instanceId")
        }
        "mongodb_instances"
        | "mongodb_details"
        | "mongodb_security_ips"
        | "mongodb_backup_policies" => Some("dbInstanceId"),
        "eip_eips" => Some("eip"),
        "bos_buckets" => Some("name"),
        "bos_bucket_configs" => Some("bucket"),
        _ => None,
    }
}

/// Who a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Principal {
    /// The primary account.
    Root,
    /// Index into `Account::users`.
    User(usize),
}

/// Where a key lives in the world.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyLocation {
    pub account: usize,
    pub principal: Principal,
    pub key: usize,
}

impl World {
    /// Parse a world from JSON text and validate it.
    pub fn from_json(text: &str) -> Result<World, WorldError> {
        let world = parse(text, "world JSON")?;
        world.validate()?;
        Ok(world)
    }

    /// Read, parse and validate a world file. Errors name the file, and the line, column and
    /// field path of a parse error.
    pub fn from_file(path: &Path) -> Result<World, WorldError> {
        let origin = format!("world file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let world = parse(&text, &origin)?;
        world.validate().map_err(|e| e.with_origin(origin))?;
        Ok(world)
    }

    /// The built-in world shipped with the binary (what `vigil demo` shows).
    pub fn default_world() -> World {
        crate::default_world::build()
    }

    /// A synthetic world, deterministic for `opts.seed`.
    pub fn generate(opts: &crate::GenerateOptions) -> World {
        crate::generate::generate(opts)
    }

    /// Pretty JSON in the world file format.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a world always serialises")
    }

    /// The accounts.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Raw items of one collection in one region of an account, exactly as the API serves
    /// them (e.g. `"bcc_instances"`, `"bcc_security_groups"`). The account is named by its id
    /// or by any access key id it owns. Unknown account, region or collection: empty.
    pub fn resources(&self, account_id: &str, region: &str, collection: &str) -> &[Value] {
        let account = self
            .accounts
            .iter()
            .find(|a| a.id == account_id)
            .or_else(|| {
                self.find_key(account_id)
                    .map(|loc| &self.accounts[loc.account])
            });
        account
            .map(|a| a.collection(region, collection))
            .unwrap_or(&[])
    }

    /// Check the world for consistency, reporting every problem at once.
    pub fn validate(&self) -> Result<(), WorldError> {
        let problems = validate(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(WorldError::Invalid {
                origin: "world".to_string(),
                problems,
            })
        }
    }

    pub(crate) fn find_key(&self, access_key_id: &str) -> Option<KeyLocation> {
        for (ai, account) in self.accounts.iter().enumerate() {
            if let Some(k) = account
                .root_access_keys
                .iter()
                .position(|k| k.access_key_id == access_key_id)
            {
                return Some(KeyLocation {
                    account: ai,
                    principal: Principal::Root,
                    key: k,
                });
            }
            for (ui, user) in account.users.iter().enumerate() {
                if let Some(k) = user
                    .access_keys
                    .iter()
                    .position(|k| k.access_key_id == access_key_id)
                {
                    return Some(KeyLocation {
                        account: ai,
                        principal: Principal::User(ui),
                        key: k,
                    });
                }
            }
        }
        None
    }

    pub(crate) fn key_mut(&mut self, loc: KeyLocation) -> &mut AccessKeyEntry {
        let account = &mut self.accounts[loc.account];
        match loc.principal {
            Principal::Root => &mut account.root_access_keys[loc.key],
            Principal::User(u) => &mut account.users[u].access_keys[loc.key],
        }
    }

    pub(crate) fn key(&self, loc: KeyLocation) -> &AccessKeyEntry {
        let account = &self.accounts[loc.account];
        match loc.principal {
            Principal::Root => &account.root_access_keys[loc.key],
            Principal::User(u) => &account.users[u].access_keys[loc.key],
        }
    }
}

impl Account {
    /// The raw items of one collection in one region (empty when absent).
    pub fn collection(&self, region: &str, collection: &str) -> &[Value] {
        self.resources
            .get(region)
            .and_then(|c| c.get(collection))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether the account has this region.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r.region_id == region)
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// A group by name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// A custom policy by name.
    pub fn custom_policy(&self, name: &str) -> Option<&CustomPolicy> {
        self.custom_policies.iter().find(|p| p.name == name)
    }

    /// Names of the policies in effect for a user: directly attached first, then those of
    /// the user's groups, without duplicates.
    pub fn effective_policy_names(&self, user: &User) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let group_policies = user
            .groups
            .iter()
            .filter_map(|g| self.group(g))
            .flat_map(|g| g.policies.iter());
        for name in user.policies.iter().chain(group_policies) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }
}

impl CustomPolicy {
    /// The document parsed (a JSON string holding the document is accepted).
    pub fn acl(&self) -> Result<AclDocument, String> {
        policy::parse_document(&self.document)
    }
}

fn parse(text: &str, origin: &str) -> Result<World, WorldError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<World, _> = serde_path_to_error::deserialize(&mut de);
    let world = result.map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        WorldError::Parse {
            origin: origin.to_string(),
            line: inner.line(),
            column: inner.column(),
            field,
            message: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| WorldError::Parse {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        field: ".".to_string(),
        message: strip_position(&e.to_string()),
    })?;
    Ok(world)
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, where_: impl fmt::Display, what: impl fmt::Display) {
        self.0.push(format!("{where_}: {what}"));
    }
}

fn validate(world: &World) -> Vec<String> {
    let mut p = Problems(Vec::new());
    if world.accounts.is_empty() {
        p.push("accounts", "at least one account is required");
    }
    if let Some(limits) = &world.limits {
        let rps = limits.requests_per_second_per_key;
        if !(rps.is_finite() && rps > 0.0) {
            p.push(
                "limits.requests_per_second_per_key",
                format!("must be a positive number, found {rps}"),
            );
        }
    }
    let mut account_ids = HashSet::new();
    // access key id → where it was first seen
    let mut keys: HashMap<String, String> = HashMap::new();
    for (ai, account) in world.accounts.iter().enumerate() {
        let at = format!("accounts[{ai}] ({})", account.id);
        if account.id.trim().is_empty() {
            p.push(&at, "`id` is empty");
        } else if !account_ids.insert(account.id.as_str()) {
            p.push(&at, format!("duplicate account id {:?}", account.id));
        }
        let mut check_key = |p: &mut Problems, key: &AccessKeyEntry, where_: String| {
            if key.access_key_id.trim().is_empty() {
                p.push(&where_, "`access_key_id` is empty");
            } else if key.access_key_id.contains('/') {
                p.push(&where_, "`access_key_id` must not contain '/'");
            } else if let Some(first) = keys.get(key.access_key_id.as_str()) {
                p.push(
                    &where_,
                    format!(
                        "duplicate access key id {:?} (already used at {first})",
                        key.access_key_id
                    ),
                );
            } else {
                keys.insert(key.access_key_id.clone(), where_.clone());
            }
            if key.secret_access_key.is_empty() {
                p.push(&where_, "`secret_access_key` is empty");
            }
        };
        for (ki, key) in account.root_access_keys.iter().enumerate() {
            check_key(&mut p, key, format!("{at}.root_access_keys[{ki}]"));
        }
        for (ui, user) in account.users.iter().enumerate() {
            for (ki, key) in user.access_keys.iter().enumerate() {
                check_key(
                    &mut p,
                    key,
                    format!("{at}.users[{ui}] ({}).access_keys[{ki}]", user.name),
                );
            }
        }
        validate_iam(&mut p, &at, account);
        validate_regions(&mut p, &at, account);
    }
    p.0
}

fn validate_iam(p: &mut Problems, at: &str, account: &Account) {
    let mut custom = HashSet::new();
    let mut policy_ids = HashSet::new();
    for (i, cp) in account.custom_policies.iter().enumerate() {
        let w = format!("{at}.custom_policies[{i}] ({})", cp.name);
        if cp.name.trim().is_empty() {
            p.push(&w, "`name` is empty");
        } else if policy::system_policy(&cp.name).is_some() {
            p.push(&w, "the name is a system policy name");
        } else if !custom.insert(cp.name.as_str()) {
            p.push(&w, format!("duplicate policy name {:?}", cp.name));
        }
        if !policy_ids.insert(cp.id.as_str()) {
            p.push(&w, format!("duplicate policy id {:?}", cp.id));
        }
        if let Err(e) = cp.acl() {
            p.push(&w, format!("invalid `document`: {e}"));
        }
    }
    let known_policy = |name: &str| custom.contains(name) || policy::system_policy(name).is_some();
    let mut groups = HashSet::new();
    let mut group_ids = HashSet::new();
    for (i, g) in account.groups.iter().enumerate() {
        let w = format!("{at}.groups[{i}] ({})", g.name);
        if g.name.trim().is_empty() {
            p.push(&w, "`name` is empty");
        } else if !groups.insert(g.name.as_str()) {
            p.push(&w, format!("duplicate group name {:?}", g.name));
        }
        if !group_ids.insert(g.id.as_str()) {
            p.push(&w, format!("duplicate group id {:?}", g.id));
        }
        for name in &g.policies {
            if !known_policy(name) {
                p.push(&w, format!("unknown policy {name:?}"));
            }
        }
    }
    let mut users = HashSet::new();
    let mut user_ids = HashSet::new();
    for (i, u) in account.users.iter().enumerate() {
        let w = format!("{at}.users[{i}] ({})", u.name);
        if u.name.trim().is_empty() || u.name.contains('/') {
            p.push(&w, "`name` must be non-empty and contain no '/'");
        } else if !users.insert(u.name.as_str()) {
            p.push(&w, format!("duplicate user name {:?}", u.name));
        }
        if !user_ids.insert(u.id.as_str()) {
            p.push(&w, format!("duplicate user id {:?}", u.id));
        }
        for name in &u.policies {
            if !known_policy(name) {
                p.push(&w, format!("unknown policy {name:?}"));
            }
        }
        for g in &u.groups {
            if !groups.contains(g.as_str()) {
                p.push(&w, format!("unknown group {g:?}"));
            }
        }
    }
    let mut roles = HashSet::new();
    for (i, r) in account.roles.iter().enumerate() {
        let w = format!("{at}.roles[{i}]");
        match r.get("name").and_then(Value::as_str) {
            Some(n) if !n.is_empty() => {
                if !roles.insert(n) {
                    p.push(&w, format!("duplicate role name {n:?}"));
                }
            }
            _ => p.push(&w, "a role needs a non-empty string `name`"),
        }
    }
}

fn validate_regions(p: &mut Problems, at: &str, account: &Account) {
    let mut region_ids = HashSet::new();
    for (i, r) in account.regions.iter().enumerate() {
        let w = format!("{at}.regions[{i}]");
        if let Err(e) = vigil_core::Region::new(&r.region_id) {
            p.push(&w, e.message());
        } else if r.region_id != r.region_id.trim() {
            p.push(&w, "`regionId` has surrounding spaces");
        } else if !region_ids.insert(r.region_id.as_str()) {
            p.push(&w, format!("duplicate region {:?}", r.region_id));
        }
    }
    for (region, collections) in &account.resources {
        let w = format!("{at}.resources.{region}");
        if !region_ids.contains(region.as_str()) {
            p.push(
                &w,
                format!("region {region:?} is not listed in the account's `regions`"),
            );
        }
        for (name, items) in collections {
            let id_field = collection_id_field(name);
            let mut ids = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                let wi = format!("{w}.{name}[{i}]");
                if !item.is_object() {
                    p.push(&wi, "an item must be a JSON object");
                    continue;
                }
                if let Some(field) = id_field {
                    match item.get(field).and_then(Value::as_str) {
                        Some(id) if !id.is_empty() => {
                            if !ids.insert(id) {
                                p.push(&wi, format!("duplicate {field} {id:?}"));
                            }
                        }
                        _ => p.push(&wi, format!("missing or empty string field `{field}`")),
                    }
                }
            }
        }
    }
}
