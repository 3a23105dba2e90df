//! World content for EIP (see [`super`]): collection `eip_eips`, the items of `GET /v1/eip`
//! (shape of `samples/eip.list_eips.json`).
//!
//! Every BCC instance of the region with a public IP gets its EIP first (same address,
//! `eipId` and bandwidth as the instance's `nicInfo.ips[0]`, `status` `binded`, bound to the
//! instance), up to about two thirds of the count; the rest are spare addresses bound to
//! nothing (`available`, or `paused` for arrears). The first item is the first public
//! instance's EIP, with every field filled (a shared-bandwidth EIP in a cluster, prepaid,
//! tagged). Misconfigurations: instances exposed to the Internet, orphaned addresses, no
//! delete protection, oversized bandwidth.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde_json::{json, Value};

use super::{Collections, RegionContext, Scale};
use crate::ids::Draw;

/// The collection name.
pub(crate) const EIPS: &str = "eip_eips";

/// What an EIP needs from the instance it is bound to.
struct Bound {
    id: String,
    name: String,
    address: String,
    eip_id: String,
    bandwidth: u64,
    created: String,
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The region's instances with a public IP, in order; an address already taken by an earlier
/// instance (generated addresses are random) is skipped, as an EIP belongs to one instance.
fn public_instances(out: &Collections) -> Vec<Bound> {
    let mut seen = HashSet::new();
    out.get("bcc_instances")
        .into_iter()
        .flatten()
        .filter(|i| {
            let ip = str_at(i, "/publicIp");
            !ip.is_empty() && seen.insert(ip)
        })
        .map(|i| Bound {
            id: str_at(i, "/id").to_string(),
            name: str_at(i, "/name").to_string(),
            address: str_at(i, "/publicIp").to_string(),
            eip_id: str_at(i, "/nicInfo/ips/0/eipId").to_string(),
            bandwidth: str_at(i, "/nicInfo/ips/0/eipSize").parse().unwrap_or(5),
            created: str_at(i, "/createTime").to_string(),
        })
        .collect()
}

/// `2024-03-15T08:27:30Z` one year later.
fn next_year(time: &str) -> String {
    match time.get(..4).and_then(|y| y.parse::<u32>().ok()) {
        Some(year) => format!("{}{}", year + 1, &time[4..]),
        None => time.to_string(),
    }
}

pub(crate) fn populate(
    out: &mut Collections,
    cx: &RegionContext<'_>,
    rng: &mut StdRng,
    scale: Scale,
) {
    let n = scale.count(4);
    let public = public_instances(out);
    // Spare (unbound) addresses: about a third, at least two in the demo world.
    let spare_target = if n >= 4 { n.div_ceil(3) } else { n / 3 };
    let bound = public.len().min(n - spare_target);
    let spare = n - bound;
    let mut eips = Vec::with_capacity(n);

    for (k, inst) in public.iter().take(bound).enumerate() {
        let full = k == 0;
        let prepaid = full || rng.chance(30);
        let eip_id = if inst.eip_id.is_empty() {
            format!("ip-{}", rng.hex(8))
        } else {
            inst.eip_id.clone()
        };
        let (share_group, cluster, bw_short) = if full {
            (
                format!("eg-{}", rng.lower36(8)),
                format!("eipcluster-{}", rng.lower36(8)),
                format!("bw-{}", rng.lower36(8)),
            )
        } else {
            (String::new(), String::new(), String::new())
        };
        let tags = if full || rng.chance(40) {
            json!([{"tagKey": "instance", "tagValue": inst.name}])
        } else {
            json!([])
        };
        eips.push(json!({
            "name": format!("{}-eip", inst.name),
            "eip": inst.address,
            "eipId": eip_id,
            "status": "binded",
            "eipInstanceType": if full { "shared" } else { "normal" },
            "instanceType": "BCC",
            "instanceId": inst.id,
            "shareGroupId": share_group,
            "clusterId": cluster,
            "bandwidthInMbps": inst.bandwidth,
            "paymentTiming": if prepaid { "Prepaid" } else { "Postpaid" },
            "billingMethod": if prepaid || rng.chance(30) { "ByBandwidth" } else { "ByTraffic" },
            "createTime": inst.created,
            "expireTime": if prepaid { next_year(&inst.created) } else { String::new() },
            "region": cx.region,
            "routeType": if full || rng.chance(80) { "BGP" } else { "BGP_S" },
            "tags": tags,
            "deleteProtect": full || rng.chance(30),
            "bwShortId": bw_short,
        }));
    }

    for k in 0..spare {
        // The demo world alternates available / paused; generated worlds draw.
        let paused = match scale {
            Scale::Demo => k % 2 == 1,
            Scale::Generated(_) => rng.chance(25),
        };
        let prepaid = rng.chance(40);
        let created = format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:00Z",
            21 + rng.below(4),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60)
        );
        eips.push(json!({
            "name": if paused { format!("arrears-{:03}", k + 1) } else { format!("spare-{:03}", k + 1) },
            "eip": format!(
                "182.{}.{}.{}",
                61 + cx.region_index % 64,
                (k / 254) % 256,
                k % 254 + 1
            ),
            "eipId": format!("ip-{}", rng.hex(8)),
            "status": if paused { "paused" } else { "available" },
            "eipInstanceType": "normal",
            "instanceType": "",
            "instanceId": "",
            "shareGroupId": "",
            "clusterId": "",
            "bandwidthInMbps": if rng.chance(20) { 200 } else { 1 + rng.below(10) },
            "paymentTiming": if prepaid { "Prepaid" } else { "Postpaid" },
            "billingMethod": if prepaid { "ByBandwidth" } else { "ByTraffic" },
            "createTime": created,
            "expireTime": if prepaid { next_year(&created) } else { String::new() },
            "region": cx.region,
            "routeType": "BGP",
            "tags": [],
            "deleteProtect": rng.chance(20),
            "bwShortId": "",
        }));
    }
    out.insert(EIPS.to_string(), eips);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn instance(id: &str, ip: &str) -> Value {
        json!({
            "id": id, "name": format!("vm-{id}"), "publicIp": ip,
            "createTime": "2024-03-15T08:27:30Z",
            "nicInfo": {"ips": [{"eipId": format!("ip-{id}"), "eipSize": "7"}]},
        })
    }

    fn world(instances: Vec<Value>, scale: Scale) -> Vec<Value> {
        let mut out = Collections::new();
        out.insert("bcc_instances".into(), instances);
        let cx = RegionContext {
            region: "bj",
            ..Default::default()
        };
        populate(&mut out, &cx, &mut StdRng::seed_from_u64(1), scale);
        out.remove(EIPS).unwrap()
    }

    #[test]
    fn bound_eips_match_their_instances_then_spares() {
        let eips = world(
            vec![
                instance("a", "106.12.0.1"),
                instance("b", ""),
                instance("c", "106.12.0.3"),
                instance("d", "106.12.0.1"),
            ],
            Scale::Demo,
        );
        assert_eq!(eips.len(), 4);
        assert_eq!(eips[0]["eip"], "106.12.0.1");
        assert_eq!(eips[0]["eipId"], "ip-a");
        assert_eq!(eips[0]["instanceId"], "a");
        assert_eq!(eips[0]["bandwidthInMbps"], 7);
        assert_eq!(eips[0]["status"], "binded");
        assert_eq!(eips[1]["instanceId"], "c");
        assert_eq!(eips[2]["status"], "available");
        assert_eq!(eips[3]["status"], "paused");
        assert_eq!(eips[3]["instanceId"], "");
        for k in ["shareGroupId", "clusterId", "bwShortId", "expireTime"] {
            assert!(!eips[0][k].as_str().unwrap().is_empty(), "{k}");
        }
        let mut addresses: Vec<&str> = eips.iter().map(|e| e["eip"].as_str().unwrap()).collect();
        addresses.sort();
        addresses.dedup();
        assert_eq!(addresses.len(), 4);
    }

    #[test]
    fn generated_counts_and_no_instances() {
        let many: Vec<Value> = (0..30)
            .map(|i| instance(&format!("i{i}"), &format!("106.13.1.{i}")))
            .collect();
        let eips = world(many, Scale::Generated(9));
        assert_eq!(eips.len(), 9);
        assert_eq!(
            eips.iter().filter(|e| e["instanceType"] == "BCC").count(),
            6
        );
        let none = world(Vec::new(), Scale::Generated(5));
        assert_eq!(none.len(), 5);
        assert!(none.iter().all(|e| e["instanceId"] == ""));
        assert!(world(Vec::new(), Scale::Generated(0)).is_empty());
    }
}
