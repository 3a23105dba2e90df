//! Check parameters: thresholds, port lists, EOL version lists, trusted accounts. Every key has a
//! documented default (the table in `docs/CHECKS.md` is generated from [`PARAM_SPECS`] — a test
//! keeps them in step); a config file overrides any of them.

use std::collections::BTreeMap;

use serde_json::Value;

/// One parameter: its key, its default (JSON text) and what it means.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub key: &'static str,
    /// The default, as JSON text.
    pub default: &'static str,
    pub doc: &'static str,
}

/// Every known parameter with its default.
pub const PARAM_SPECS: &[ParamSpec] = &[
    ParamSpec { key: "allowed_sse", default: r#"["AES256","SM4","KMS"]"#, doc: "BOS server-side encryption algorithms that count as encrypted." },
    ParamSpec { key: "allowed_plain_http_ports", default: "[]", doc: "Ports where a public BLB may serve plain HTTP without redirecting to HTTPS." },
    ParamSpec { key: "allowlist_users", default: "[]", doc: "IAM user names exempt from the console-without-MFA/old-key combination (documented break-glass users)." },
    ParamSpec { key: "bos_log_target_buckets", default: "[]", doc: "Buckets that receive access logs: exempt from the access-logging check." },
    ParamSpec { key: "broad_cidr_max_prefix", default: "0", doc: "Also treat an IPv4 security-group source CIDR with prefix length <= this as the internet (0: only 0.0.0.0/0)." },
    ParamSpec { key: "eip_idle_days", default: "7", doc: "An unbound EIP older than this many days fails." },
    ParamSpec { key: "eol_db_versions", default: r#"["MySQL 5.1","MySQL 5.5","MySQL 5.6","MySQL 5.7","PostgreSQL 9","PostgreSQL 10","PostgreSQL 11","PostgreSQL 12","SQLServer 2008","SQLServer 2012","SQLServer 2014"]"#, doc: "RDS `engine engineVersion` prefixes that are end-of-life." },
    ParamSpec { key: "eol_kafka_versions", default: r#"["0.10","0.11","1.0","1.1","2.0","2.1","2.2","2.3","2.4","2.5","2.6","2.7"]"#, doc: "Kafka version prefixes that are end-of-life." },
    ParamSpec { key: "eol_mongodb_versions", default: r#"["3.0","3.2","3.4","3.6","4.0","4.2"]"#, doc: "MongoDB version prefixes that are end-of-life." },
    ParamSpec { key: "eol_mysql_versions", default: r#"["5.1","5.5","5.6"]"#, doc: "MySQL major versions that are end-of-life (engine-specific shorthand)." },
    ParamSpec { key: "eol_os", default: r#"["CentOS 6","CentOS 7","CentOS 8","Ubuntu 12.04","Ubuntu 14.04","Ubuntu 16.04","Ubuntu 18.04","Debian 8","Debian 9","Debian 10","Windows Server 2003","Windows Server 2008","Windows Server 2012"]"#, doc: "`osName osVersion` prefixes of end-of-life operating systems." },
    ParamSpec { key: "eol_redis_versions", default: r#"["2.8","3.0","3.2","4.0"]"#, doc: "Redis versions that are end-of-life." },
    ParamSpec { key: "high_risk_ports", default: "[20,21,23,25,110,135,137,138,139,445,1433,1434,1521,2049,2375,2376,2379,5432,5601,5900,6443,8080,9200,9300,10250,11211]", doc: "Ports for the generic high-risk-ports check (ports with a dedicated check — 22, 3389, 3306, 6379, 27017-27019, 9092/9093 — are left out to avoid double findings)." },
    ParamSpec { key: "kafka_extra_ports", default: "[]", doc: "Ports added to the Kafka internet-exposure check (e.g. 2181 for ZooKeeper)." },
    ParamSpec { key: "max_access_key_age_days", default: "90", doc: "An enabled AccessKey older than this fails the rotation check." },
    ParamSpec { key: "max_backup_age_hours", default: "48", doc: "The newest successful backup must be younger than this." },
    ParamSpec { key: "max_unused_days", default: "90", doc: "An enabled credential unused for longer than this fails." },
    ParamSpec { key: "min_backup_days_per_week", default: "2", doc: "Backups must run on at least this many weekdays." },
    ParamSpec { key: "min_backup_retention_days", default: "7", doc: "Backup retention below this fails." },
    ParamSpec { key: "min_kafka_version", default: r#""2.8""#, doc: "Kafka versions below this fail." },
    ParamSpec { key: "min_mongodb_version", default: r#""4.4""#, doc: "MongoDB versions below this fail." },
    ParamSpec { key: "min_redis_version", default: r#""5.0""#, doc: "Redis versions below this fail." },
    ParamSpec { key: "mysql_extra_ports", default: "[]", doc: "Ports added to the MySQL internet-exposure check (e.g. 3307, 33060)." },
    ParamSpec { key: "protect_tag", default: r#""""#, doc: "`key=value`: when set, deletion protection is required for instances with this tag instead of every postpaid instance." },
    ParamSpec { key: "public_service_ports", default: "[80,443]", doc: "Listener ports a public load balancer may expose without an ACL." },
    ParamSpec { key: "redis_extra_ports", default: "[]", doc: "Ports added to the Redis internet-exposure check (e.g. 6380, 26379)." },
    ParamSpec { key: "root_usage_lookback_days", default: "90", doc: "How far back audit events count as recent root-key use." },
    ParamSpec { key: "rotation_overlap_days", default: "7", doc: "Two enabled keys are fine while the newer is younger than this (rotation in progress)." },
    ParamSpec { key: "trusted_account_ids", default: "[]", doc: "Account ids allowed in role trust policies besides the scanned account." },
    ParamSpec { key: "weak_tls_policies", default: r#"["tls_cipher_policy_default","tls_cipher_policy_1_1"]"#, doc: "BLB cipher policies whose protocol sets include TLS 1.0/1.1." },
    ParamSpec { key: "whitelist_broad_max_prefix", default: "0", doc: "Also treat a database whitelist CIDR with prefix length <= this as allow-any (0: only the any tokens)." },
];

/// Why a parameter file was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError(pub String);

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

/// The parameters in force: the defaults plus any overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    values: BTreeMap<String, Value>,
}

impl Default for Params {
    fn default() -> Self {
        Params::defaults()
    }
}

impl Params {
    /// Every key at its documented default.
    pub fn defaults() -> Params {
        let values = PARAM_SPECS
            .iter()
            .map(|s| {
                let v: Value = serde_json::from_str(s.default)
                    .unwrap_or_else(|e| panic!("bad default for parameter {}: {e}", s.key));
                (s.key.to_string(), v)
            })
            .collect();
        Params { values }
    }

    /// Sets one key (any key: unknown keys are allowed here so tests can add their own).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.values.insert(key.to_string(), value.into());
    }

    /// The defaults overridden by a table of `key = value`. Unknown keys and values of the wrong
    /// type (number vs list vs string) are rejected.
    pub fn from_overrides(table: &serde_json::Map<String, Value>) -> Result<Params, ParamError> {
        let mut p = Params::defaults();
        for (k, v) in table {
            let Some(default) = p.values.get(k) else {
                let known: Vec<&str> = PARAM_SPECS.iter().map(|s| s.key).collect();
                return Err(ParamError(format!(
                    "unknown check parameter {k:?} (known: {})",
                    known.join(", ")
                )));
            };
            let ok = match default {
                Value::Number(_) => v.as_u64().is_some(),
                Value::Array(_) => v
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| x.is_string() || x.is_u64())),
                Value::String(_) => v.is_string() || v.is_number(),
                _ => true,
            };
            if !ok {
                return Err(ParamError(format!(
                    "check parameter {k:?}: expected {}, got {v}",
                    match default {
                        Value::Number(_) => "a non-negative integer",
                        Value::Array(_) => "a list of strings or integers",
                        _ => "a string",
                    }
                )));
            }
            p.values.insert(k.clone(), v.clone());
        }
        Ok(p)
    }

    /// Parses a TOML document of `key = value` lines (or a `[params]` table).
    pub fn from_toml_str(text: &str) -> Result<Params, ParamError> {
        let v: toml::Table =
            toml::from_str(text).map_err(|e| ParamError(format!("invalid TOML: {e}")))?;
        let json = serde_json::to_value(&v).map_err(|e| ParamError(e.to_string()))?;
        let mut map = json.as_object().cloned().unwrap_or_default();
        if let Some(Value::Object(inner)) = map.remove("params") {
            if !map.is_empty() {
                let extra: Vec<&String> = map.keys().collect();
                return Err(ParamError(format!(
                    "keys outside [params]: {extra:?} (put every parameter in the [params] table)"
                )));
            }
            map = inner;
        }
        Params::from_overrides(&map)
    }

    /// A parameter's value, if known.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// An integer parameter; 0 when unknown or not an integer.
    pub fn u64(&self, key: &str) -> u64 {
        match self.values.get(key) {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
            _ => 0,
        }
    }

    /// A list parameter as strings (numbers are formatted); empty when unknown.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.values.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// A list parameter as port numbers (entries that are not ports are skipped).
    pub fn ports(&self, key: &str) -> Vec<u16> {
        self.list(key)
            .iter()
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    }

    /// A string parameter; `""` when unknown (numbers are formatted).
    pub fn str(&self, key: &str) -> String {
        match self.values.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// Every key and value in force.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_have_documented_values() {
        let p = Params::defaults();
        assert_eq!(p.u64("max_access_key_age_days"), 90);
        assert_eq!(p.u64("max_unused_days"), 90);
        assert_eq!(p.u64("min_backup_retention_days"), 7);
        assert_eq!(p.u64("broad_cidr_max_prefix"), 0);
        assert_eq!(p.u64("whitelist_broad_max_prefix"), 0);
        assert!(p.ports("high_risk_ports").contains(&445));
        assert!(!p.ports("high_risk_ports").contains(&22));
        assert_eq!(p.list("eol_mysql_versions"), vec!["5.1", "5.5", "5.6"]);
        assert_eq!(p.str("min_redis_version"), "5.0");
        assert_eq!(p.u64("no_such_key"), 0);
        assert!(p.list("no_such_key").is_empty());
        let mut keys: Vec<&str> = PARAM_SPECS.iter().map(|s| s.key).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate parameter keys");
    }

    #[test]
    fn toml_overrides_top_level_or_params_table() {
        let p = Params::from_toml_str("max_access_key_age_days = 30\nhigh_risk_ports = [23]\n")
            .unwrap();
        assert_eq!(p.u64("max_access_key_age_days"), 30);
        assert_eq!(p.ports("high_risk_ports"), vec![23]);
        assert_eq!(p.u64("max_unused_days"), 90);
        let p = Params::from_toml_str("[params]\nmin_redis_version = \"6.0\"\n").unwrap();
        assert_eq!(p.str("min_redis_version"), "6.0");
    }

    #[test]
    fn toml_rejects_unknown_keys_and_wrong_types() {
        let e = Params::from_toml_str("max_acess_key_age_days = 30").unwrap_err();
        assert!(e.0.contains("unknown check parameter"), "{e}");
        let e = Params::from_toml_str("max_access_key_age_days = \"thirty\"").unwrap_err();
        assert!(e.0.contains("non-negative integer"), "{e}");
        let e = Params::from_toml_str("high_risk_ports = 23").unwrap_err();
        assert!(e.0.contains("list"), "{e}");
        assert!(Params::from_toml_str("max_access_key_age_days = ").is_err());
    }
}
