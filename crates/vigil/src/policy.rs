//! The sync policy as the runner reads and writes it: parsing of the command-line values
//! (intervals, products, modules), region discovery (region management), and when the next
//! scheduled sync and AK check of a connection are due.

use std::time::Duration;

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil_core::{registry, Region};
use vigil_store::{Connection, RunStatus, Store, SyncPolicy, SyncRun};

/// The features a connection may enable.
pub const KNOWN_MODULES: [&str; 1] = ["cspm"];

/// The module that collects assets.
pub const CSPM: &str = "cspm";

/// Parse a duration such as `200ms`, `45s`, `30m`, `6h`, `1d` or `1h30m`.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let s = text.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err("empty duration".to_string());
    }
    let mut total = Duration::ZERO;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("number too large in {text:?}"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86400)),
            "" => return Err(format!("{n} has no unit (s, m, h or d)")),
            other => return Err(format!("unknown unit {other:?} (use ms, s, m, h or d)")),
        };
        total = total.saturating_add(part);
    }
    Ok(total)
}

/// Parse a schedule interval option: a duration of whole seconds, at least 1s, or `off`.
pub fn parse_interval(option: &str, text: &str) -> Result<Option<u64>> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let example = "expected a duration such as 45s, 30m, 6h, 1d or 1h30m, or `off`";
    let d = match parse_duration(text) {
        Ok(d) => d,
        Err(why) => bail!("invalid {option} {text:?}: {why}; {example}"),
    };
    if d.is_zero() {
        bail!("invalid {option} {text:?}: the interval must be at least 1s; to turn the schedule off, pass `{option} off`");
    }
    if d.subsec_nanos() != 0 {
        bail!("invalid {option} {text:?}: use whole seconds (for example 1s); {example}");
    }
    Ok(Some(d.as_secs()))
}

/// Format seconds the way [`parse_interval`] reads them (`6h`, `1h30m`, `45s`), or `off`.
pub fn format_interval(secs: Option<u64>) -> String {
    let Some(mut secs) = secs else {
        return "off".to_string();
    };
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Parse `on`/`off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

impl OnOff {
    /// As a boolean.
    pub fn enabled(self) -> bool {
        self == OnOff::On
    }
}

/// Parse a product selection for `provider`: `all` (every product the key is authorized for)
/// or registered product ids.
pub fn parse_products(provider: &str, values: &[String]) -> Result<Option<Vec<String>>> {
    let values: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        bail!("--products needs `all` or a comma-separated list of products such as bcc,rds");
    }
    if values.iter().any(|v| v == "all") {
        if values.len() > 1 {
            bail!("--products takes either `all` or a list of products, not both");
        }
        return Ok(None);
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if let Err(e) = registry::find(provider, &v) {
            bail!("invalid --products: {e}; or use `all`");
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.sort();
    Ok(Some(out))
}

/// Parse `--modules`: known module names, or `none`.
pub fn parse_modules(values: &[String]) -> Result<Vec<String>> {
    let values: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() == 1 && values[0] == "none" {
        return Ok(Vec::new());
    }
    if values.is_empty() {
        bail!(
            "--modules needs a list of modules ({}) or `none`",
            KNOWN_MODULES.join(", ")
        );
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !KNOWN_MODULES.contains(&v.as_str()) {
            bail!(
                "invalid --modules: unknown module {v:?}; known modules: {} (or `none`)",
                KNOWN_MODULES.join(", ")
            );
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Whether the policy collects every region the account has.
pub fn all_regions(policy: &SyncPolicy) -> bool {
    policy.regions.iter().any(|r| r == "all")
}

/// Whether the policy enables asset collection.
pub fn cspm_enabled(policy: &SyncPolicy) -> bool {
    policy.modules.iter().any(|m| m == CSPM)
}

/// Products as people read them.
pub fn products_text(policy: &SyncPolicy) -> String {
    match &policy.products {
        None => "all (every product the key is authorized for)".to_string(),
        Some(p) => p.join(", "),
    }
}

/// Regions as people read them.
pub fn regions_text(policy: &SyncPolicy) -> String {
    if all_regions(policy) {
        "all (every region describeRegions lists)".to_string()
    } else {
        policy.regions.join(", ")
    }
}

// ---------------------------------------------------------------------------------------
// Region discovery.

/// The key of the stored verification document under which the runner keeps the regions
/// first seen after the connection was set up (the store keeps every region ever seen in
/// `known_regions`; this tells the later ones apart from those present at setup).
pub const NEWLY_SEEN_KEY: &str = "newly_seen_regions";

/// Regions first seen after the connection was set up, from its stored verification.
pub fn newly_seen_regions(connection: &Connection) -> Vec<String> {
    connection
        .verification_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| {
            v.get(NEWLY_SEEN_KEY).and_then(|a| {
                a.as_array().map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
            })
        })
        .unwrap_or_default()
}

/// The verification document to store: `doc` (a report or a failure) with the newly seen
/// regions carried along.
pub fn verification_doc(mut doc: serde_json::Value, newly_seen: &[String]) -> String {
    if let Some(map) = doc.as_object_mut() {
        map.insert(NEWLY_SEEN_KEY.to_string(), serde_json::json!(newly_seen));
    }
    doc.to_string()
}

/// What [`discover_regions`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegionDiscovery {
    /// Regions describeRegions returned for the first time now (none at setup: the first
    /// recording is the baseline).
    pub newly_seen: Vec<String>,
    /// Of those, the ones this sync collects (regions = all, or region management on).
    pub newly_included: Vec<String>,
    /// Of those, the ones left out (explicit regions and region management off).
    pub not_included: Vec<String>,
    /// Every region seen since setup (carried in the verification document).
    #[serde(skip)]
    pub all_newly_seen: Vec<String>,
}

/// Record the regions describeRegions returned and apply region management: a region seen for
/// the first time is collected from now on when the policy takes all regions, or appended to
/// the explicit list (and saved) when region management is on; otherwise it is only recorded
/// (`vigil doctor` reports it). The first recording of a connection is its baseline: nothing
/// in it is "new".
pub fn discover_regions(
    store: &Store,
    connection: &mut Connection,
    regions: &[Region],
) -> Result<RegionDiscovery> {
    let ids: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
    let baseline = connection.known_regions.is_empty();
    let new = store.record_known_regions(connection.id, &ids)?;
    let mut found = RegionDiscovery {
        all_newly_seen: newly_seen_regions(connection),
        ..Default::default()
    };
    if baseline || new.is_empty() {
        return Ok(found);
    }
    for r in &new {
        if !found.all_newly_seen.contains(r) {
            found.all_newly_seen.push(r.clone());
        }
    }
    found.newly_seen = new.clone();
    let mut policy = connection.policy.clone();
    if all_regions(&policy) {
        found.newly_included = new;
    } else if policy.region_management {
        for r in &new {
            if !policy.regions.contains(r) {
                policy.regions.push(r.clone());
            }
        }
        *connection = store.set_sync_policy(connection.id, &policy)?;
        found.newly_included = new;
    } else {
        found.not_included = new;
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------
// Schedules.

/// When something scheduled happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Next {
    /// The schedule is off.
    Off {
        /// Why.
        reason: String,
    },
    /// Paused until something changes.
    Paused {
        /// Why.
        reason: String,
    },
    /// A sync of the connection is running now.
    Running {
        /// Its run id.
        run_id: i64,
    },
    /// Due now.
    Due,
    /// Due at this time.
    Scheduled {
        /// RFC 3339 UTC.
        at: String,
    },
}

impl Next {
    /// As people read it.
    pub fn text(&self) -> String {
        match self {
            Next::Off { reason } => format!("off ({reason})"),
            Next::Paused { reason } => format!("paused: {reason}"),
            Next::Running { run_id } => format!("running now (run {run_id})"),
            Next::Due => "due now".to_string(),
            Next::Scheduled { at } => {
                let wait = parse_time(at)
                    .map(|t| t - Utc::now())
                    .map(|d| {
                        format!(
                            " (in {})",
                            format_interval(Some(d.num_seconds().max(1) as u64))
                        )
                    })
                    .unwrap_or_default();
                format!("{at}{wait}")
            }
        }
    }
}

/// Parse a stored timestamp.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether the connection's key is marked invalid.
pub fn key_invalid(connection: &Connection) -> bool {
    connection.key_status.as_deref() == Some("invalid")
}

/// When the next scheduled sync is due. `latest` is the connection's most recent run.
pub fn next_sync(connection: &Connection, latest: Option<&SyncRun>, now: DateTime<Utc>) -> Next {
    let policy = &connection.policy;
    if !cspm_enabled(policy) {
        return Next::Off {
            reason: "the cspm module is disabled".to_string(),
        };
    }
    let Some(interval) = policy.sync_interval_secs else {
        return Next::Off {
            reason: "sync interval is off".to_string(),
        };
    };
    if key_invalid(connection) {
        return Next::Paused {
            reason: "key invalid".to_string(),
        };
    }
    let Some(run) = latest else {
        return Next::Due;
    };
    let Some(started) = parse_time(&run.started_at) else {
        return Next::Due;
    };
    let at = started + chrono::Duration::seconds(i64::try_from(interval).unwrap_or(i64::MAX / 2));
    if run.status == RunStatus::Running && at > now {
        return Next::Running { run_id: run.id };
    }
    if at <= now {
        Next::Due
    } else {
        Next::Scheduled {
            at: vigil_store::format_timestamp(at),
        }
    }
}

/// When the next AK status check is due.
pub fn next_key_check(connection: &Connection, now: DateTime<Utc>) -> Next {
    let Some(interval) = connection.policy.ak_check_interval_secs else {
        return Next::Off {
            reason: "AK check interval is off".to_string(),
        };
    };
    let Some(last) = connection.last_key_check_at.as_deref().and_then(parse_time) else {
        return Next::Due;
    };
    let at = last + chrono::Duration::seconds(i64::try_from(interval).unwrap_or(i64::MAX / 2));
    if at <= now {
        Next::Due
    } else {
        Next::Scheduled {
            at: vigil_store::format_timestamp(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_intervals() {
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1d").unwrap(), Duration::from_secs(86400));
        assert!(parse_duration("6").unwrap_err().contains("no unit"));
        assert!(parse_duration("6x").unwrap_err().contains("unknown unit"));
        assert_eq!(
            parse_interval("--sync-interval", "6h").unwrap(),
            Some(21600)
        );
        assert_eq!(parse_interval("--sync-interval", "OFF").unwrap(), None);
        for bad in ["0s", "abc", "1500ms", "", "5"] {
            let err = parse_interval("--sync-interval", bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("--sync-interval"), "{err}");
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        for secs in [1, 45, 60, 1800, 5400, 21600, 86400, 90061] {
            let text = format_interval(Some(secs));
            assert_eq!(parse_interval("x", &text).unwrap(), Some(secs), "{text}");
        }
        assert_eq!(format_interval(None), "off");
        assert_eq!(format_interval(Some(5400)), "1h30m");
    }

    #[test]
    fn products_and_modules() {
        vigil_provider_baidu::init();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_products("baidu", &s(&["all"])).unwrap(), None);
        assert_eq!(
            parse_products("baidu", &s(&["rds", " BCC", "rds"])).unwrap(),
            Some(s(&["bcc", "rds"]))
        );
        let err = parse_products("baidu", &s(&["bcc", "ecs"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"ecs\"") && err.contains("bcc"), "{err}");
        assert!(parse_products("baidu", &s(&["all", "bcc"])).is_err());
        assert_eq!(parse_modules(&s(&["cspm"])).unwrap(), s(&["cspm"]));
        assert!(parse_modules(&s(&["none"])).unwrap().is_empty());
        let err = parse_modules(&s(&["cwpp"])).unwrap_err().to_string();
        assert!(err.contains("cwpp") && err.contains("cspm"), "{err}");
    }

    fn connection(policy: SyncPolicy) -> Connection {
        Connection {
            id: 1,
            name: "c".into(),
            provider: "baidu".into(),
            account_id: None,
            access_key_id: "ak".into(),
            regions: policy.regions.clone(),
            endpoint_override: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
            last_verified_at: None,
            key_status: Some("valid".into()),
            verification_json: None,
            policy,
            key_status_since: None,
            key_status_reason: None,
            last_key_check_at: None,
            known_regions: Vec::new(),
        }
    }

    fn run(status: RunStatus, started: &str) -> SyncRun {
        SyncRun {
            id: 7,
            connection_id: 1,
            connection_name: "c".into(),
            started_at: started.into(),
            finished_at: None,
            status,
            assets_seen: 0,
            error: None,
            planned_tasks: None,
            finished_tasks: 0,
        }
    }

    #[test]
    fn schedules() {
        let now = parse_time("2026-01-01T10:00:00.000Z").unwrap();
        let policy = SyncPolicy {
            sync_interval_secs: Some(3600),
            ak_check_interval_secs: Some(60),
            ..SyncPolicy::default()
        };
        let mut c = connection(policy);
        assert_eq!(next_sync(&c, None, now), Next::Due);
        let recent = run(RunStatus::Succeeded, "2026-01-01T09:30:00.000Z");
        assert_eq!(
            next_sync(&c, Some(&recent), now),
            Next::Scheduled {
                at: "2026-01-01T10:30:00.000Z".into()
            }
        );
        let old = run(RunStatus::Failed, "2026-01-01T08:30:00.000Z");
        assert_eq!(next_sync(&c, Some(&old), now), Next::Due);
        let running = run(RunStatus::Running, "2026-01-01T09:59:00.000Z");
        assert_eq!(
            next_sync(&c, Some(&running), now),
            Next::Running { run_id: 7 }
        );
        assert_eq!(next_key_check(&c, now), Next::Due);
        c.last_key_check_at = Some("2026-01-01T09:59:30.000Z".into());
        assert!(matches!(next_key_check(&c, now), Next::Scheduled { .. }));
        c.key_status = Some("invalid".into());
        assert!(matches!(next_sync(&c, None, now), Next::Paused { .. }));
        c.policy.modules.clear();
        assert!(matches!(next_sync(&c, None, now), Next::Off { .. }));
        c.policy.ak_check_interval_secs = None;
        assert!(matches!(next_key_check(&c, now), Next::Off { .. }));
    }
}
