//! Network helpers shared by the security-group, ACL and whitelist checks (the catalog's
//! "Shared conventions").

use serde_json::Value;

/// Whether a security-group rule (`direction`, `sourceIp`, `sourceGroupId`, ...) is an ingress rule
/// from the internet: `direction = "ingress"`, no `sourceGroupId`, and `sourceIp` one of `""`,
/// `"all"`, `"0.0.0.0/0"`, `"::/0"` — or an IPv4 CIDR with prefix length ≤ `broad_cidr_max_prefix`
/// when that is non-zero.
pub fn is_internet_source(rule: &Value, broad_cidr_max_prefix: u64) -> bool {
    let s = |f: &str| rule.get(f).and_then(Value::as_str).unwrap_or("").trim();
    if !s("direction").eq_ignore_ascii_case("ingress") {
        return false;
    }
    if !s("sourceGroupId").is_empty() {
        return false;
    }
    is_any_source(s("sourceIp"), broad_cidr_max_prefix)
}

/// Whether a source address means "anywhere" (see [`is_internet_source`]).
pub fn is_any_source(source: &str, broad_cidr_max_prefix: u64) -> bool {
    let source = source.trim();
    if matches!(source, "" | "0.0.0.0/0" | "::/0") || source.eq_ignore_ascii_case("all") {
        return true;
    }
    broad_cidr_max_prefix > 0
        && ipv4_prefix(source).is_some_and(|p| u64::from(p) <= broad_cidr_max_prefix)
}

/// The prefix length of an IPv4 CIDR (`a.b.c.d/n`); a bare address is /32.
fn ipv4_prefix(s: &str) -> Option<u8> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u8>().ok()?),
        None => (s, 32),
    };
    addr.trim().parse::<std::net::Ipv4Addr>().ok()?;
    (prefix <= 32).then_some(prefix)
}

/// Whether a `portRange` covers `port`: empty or `"1-65535"` covers every port, `"a-b"` covers
/// a ≤ p ≤ b, a single number only itself. (`"all"`/`"*"`/`"-1"`/`"-1/-1"` are read as every port.)
pub fn port_covered(port_range: &str, port: u16) -> bool {
    let r = port_range.trim();
    if r.is_empty() || r.eq_ignore_ascii_case("all") || r == "*" || r == "-1" || r == "-1/-1" {
        return true;
    }
    let sep = if r.contains('-') { '-' } else { '/' };
    match r.split_once(sep) {
        Some((a, b)) => match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
            (Ok(a), Ok(b)) => a <= u32::from(port) && u32::from(port) <= b,
            _ => false,
        },
        None => r.parse::<u32>().is_ok_and(|n| n == u32::from(port)),
    }
}

/// Whether a `portRange` covers every port (empty, `1-65535`, `0-65535`, or the "all" spellings).
pub fn covers_all_ports(port_range: &str) -> bool {
    port_covered(port_range, 1) && port_covered(port_range, 65535)
}

/// Whether a rule's `protocol` covers protocol `p` (`tcp`, `udp`, `icmp`): empty or `all` covers
/// every protocol; otherwise the names must match (case-insensitively).
pub fn protocol_covers(protocol: &str, p: &str) -> bool {
    let protocol = protocol.trim();
    protocol.is_empty()
        || protocol.eq_ignore_ascii_case("all")
        || protocol == "*"
        || protocol == "-1"
        || protocol.eq_ignore_ascii_case(p.trim())
}

/// Whether a database IP whitelist allows any address: one of `%`, `0.0.0.0/0`, `0.0.0.0`, `*`,
/// `::/0` — or an IPv4 CIDR with prefix length ≤ `broad_max_prefix` when that is non-zero.
pub fn whitelist_allows_any(entries: &[&str], broad_max_prefix: u64) -> bool {
    entries
        .iter()
        .any(|e| whitelist_entry_allows_any(e, broad_max_prefix))
}

/// One whitelist entry of [`whitelist_allows_any`].
pub fn whitelist_entry_allows_any(entry: &str, broad_max_prefix: u64) -> bool {
    let e = entry.trim();
    if matches!(e, "%" | "0.0.0.0/0" | "0.0.0.0" | "*" | "::/0") {
        return true;
    }
    broad_max_prefix > 0
        && e.contains('/')
        && ipv4_prefix(e).is_some_and(|p| u64::from(p) <= broad_max_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(dir: &str, ip: &str, group: &str) -> Value {
        json!({"direction": dir, "ethertype": "IPv4", "protocol": "tcp", "portRange": "22",
               "sourceIp": ip, "sourceGroupId": group})
    }

    #[test]
    fn internet_sources_per_catalog() {
        for ip in ["", "all", "ALL", "0.0.0.0/0", "::/0"] {
            assert!(is_internet_source(&rule("ingress", ip, ""), 0), "{ip:?}");
        }
        // a source group makes it internal even with an empty sourceIp
        assert!(!is_internet_source(&rule("ingress", "", "g-1"), 0));
        assert!(!is_internet_source(&rule("egress", "0.0.0.0/0", ""), 0));
        assert!(!is_internet_source(&rule("ingress", "10.0.0.0/8", ""), 0));
        assert!(!is_internet_source(&rule("ingress", "1.2.3.4/32", ""), 0));
        // broad prefix parameter
        assert!(is_internet_source(&rule("ingress", "10.0.0.0/8", ""), 8));
        assert!(!is_internet_source(&rule("ingress", "10.0.0.0/9", ""), 8));
        assert!(!is_internet_source(&rule("ingress", "::1/0x", ""), 8));
        // a rule with no direction is not ingress
        assert!(!is_internet_source(&json!({"sourceIp": "0.0.0.0/0"}), 0));
    }

    #[test]
    fn port_ranges() {
        assert!(port_covered("", 22));
        assert!(port_covered("1-65535", 3389));
        assert!(port_covered("20-25", 22));
        assert!(port_covered("20-25", 20));
        assert!(port_covered("20-25", 25));
        assert!(!port_covered("20-25", 26));
        assert!(port_covered("22", 22));
        assert!(!port_covered("22", 23));
        assert!(!port_covered("2222", 22));
        assert!(!port_covered("garbage", 22));
        assert!(covers_all_ports(""));
        assert!(covers_all_ports("1-65535"));
        assert!(covers_all_ports("0-65535"));
        assert!(!covers_all_ports("1-1024"));
    }

    #[test]
    fn protocols() {
        for p in ["tcp", "udp", "icmp"] {
            assert!(protocol_covers("", p));
            assert!(protocol_covers("all", p));
        }
        assert!(protocol_covers("tcp", "tcp"));
        assert!(protocol_covers("TCP", "tcp"));
        assert!(!protocol_covers("tcp", "udp"));
        assert!(!protocol_covers("udp", "tcp"));
        assert!(!protocol_covers("icmp", "tcp"));
    }

    #[test]
    fn whitelists() {
        for any in ["%", "0.0.0.0/0", "0.0.0.0", "*", "::/0", " % "] {
            assert!(whitelist_allows_any(&["10.0.0.1", any], 0), "{any:?}");
        }
        assert!(!whitelist_allows_any(&["10.0.0.0/8", "192.168.1.1"], 0));
        assert!(!whitelist_allows_any(&[], 0));
        assert!(whitelist_allows_any(&["10.0.0.0/8"], 8));
        assert!(!whitelist_allows_any(&["10.0.0.0/16"], 8));
        // a bare address is never broad
        assert!(!whitelist_allows_any(&["10.0.0.1"], 32));
    }
}
