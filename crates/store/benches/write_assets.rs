//! `cargo bench -p vigil-store`: 10,000 assets written in pages of 1,000 to a file database,
//! first as new assets, then unchanged, then all changed.

use std::time::Instant;

use serde_json::json;
use vigil_core::Asset;
use vigil_store::{AssetFilter, NewConnection, Store, WriteStats};

const ASSETS: usize = 10_000;
const PAGE: usize = 1_000;

fn assets(version: u32) -> Vec<Asset> {
    (0..ASSETS)
        .map(|i| Asset {
            kind: "baidu_bcc_instance",
            resource_id: format!("i-{i:08}"),
            name: Some(format!("vm-{i}")),
            region: ["bj", "gz", "su"][i % 3].to_string(),
            raw: json!({
                "id": format!("i-{i:08}"),
                "status": "Running",
                "publicIp": if i % 7 == 0 { "180.76.0.1" } else { "" },
                "internalIp": "192.168.0.10",
                "tags": [{"tagKey": "env", "tagValue": "prod"}],
                "nicInfo": {"securityGroups": ["g-1", "g-2"], "vpcId": "vpc-1"},
                "version": version,
            }),
            ..Default::default()
        })
        .collect()
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open");
    let conn = store
        .upsert_connection(&NewConnection {
            name: "bench".into(),
            provider: "baidu".into(),
            account_id: None,
            access_key_id: "AK".into(),
            regions: vec!["all".into()],
            endpoint_override: None,
        })
        .expect("connection");
    for (label, version) in [("insert", 1), ("unchanged", 1), ("changed", 2)] {
        let run = store.begin_run(conn.id).expect("run");
        let page = assets(version);
        let started = Instant::now();
        let mut stats = WriteStats::default();
        for chunk in page.chunks(PAGE) {
            stats += store.write_assets(&conn, run, "bcc", chunk).expect("write");
        }
        let elapsed = started.elapsed();
        println!(
            "{label:>9}: {ASSETS} assets in pages of {PAGE}: {elapsed:?} ({:.0} assets/s) {stats:?}",
            ASSETS as f64 / elapsed.as_secs_f64()
        );
    }
    assert_eq!(
        store.asset_count(&AssetFilter::default()).expect("count"),
        ASSETS as u64
    );
}
