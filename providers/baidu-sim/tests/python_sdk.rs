//! Conformance with the official Python SDK (`bce-python-sdk`), which reaches the simulator
//! through its HTTP proxy setting. Built only with the `sdk-compat` feature, because it needs
//! a Python with the SDK installed; `cargo xtask sdk-compat` provides one and runs
//!
//! ```text
//! VIGIL_SIM_PYTHON=target/sdk-venv/bin/python cargo test -p vigil-baidu-sim --features sdk-compat --test python_sdk
//! ```

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vigil_baidu_sim::{
    keys, World, DEFAULT_ACCOUNT_ID, DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY,
};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VIGIL_SIM_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/sdk-venv/bin/python");
    assert!(
        venv.exists(),
        "set VIGIL_SIM_PYTHON to a python that has bce-python-sdk installed (cargo xtask sdk-compat does)"
    );
    venv
}

fn ids(world: &World, region: &str, collection: &str) -> Vec<Value> {
    world
        .resources(DEFAULT_ACCOUNT_ID, region, collection)
        .iter()
        .map(|v| v["id"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_accepts_the_simulator() {
    let sim = common::start_default().await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sdk_check.py");
    let port = sim.addr().port().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python())
            .arg(script)
            .args([
                port.as_str(),
                DEMO_ACCESS_KEY_ID,
                DEMO_SECRET_ACCESS_KEY,
                keys::IAM_ONLY.0,
                keys::IAM_ONLY.1,
            ])
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    let world = World::default_world();
    let bj = ids(&world, "bj", "bcc_instances");
    assert_eq!(seen["bj_instance_ids"].as_array().unwrap(), &bj);
    assert_eq!(seen["bj_pages"], bj.len().div_ceil(3));
    assert_eq!(seen["bj_request_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        seen["bj_first_name"],
        world.resources(DEFAULT_ACCOUNT_ID, "bj", "bcc_instances")[0]["name"]
    );
    assert_eq!(
        seen["bj_sg_ids"].as_array().unwrap(),
        &ids(&world, "bj", "bcc_security_groups")
    );
    let gz_a: Vec<Value> = world
        .resources(DEFAULT_ACCOUNT_ID, "gz", "bcc_instances")
        .iter()
        .filter(|i| i["zoneName"] == "cn-gz-a")
        .map(|i| i["id"].clone())
        .collect();
    assert!(!gz_a.is_empty());
    assert_eq!(seen["gz_instance_ids"].as_array().unwrap(), &gz_a);
    assert_eq!(
        seen["regions"],
        serde_json::json!(["bj", "gz", "su", "bd", "fwh", "hkg"])
    );
    assert!(seen["users"]
        .as_array()
        .unwrap()
        .contains(&"vigil-auditor".into()));
    assert_eq!(
        seen["auditor_keys"],
        serde_json::json!([DEMO_ACCESS_KEY_ID])
    );
    assert!(seen["system_policies"]
        .as_array()
        .unwrap()
        .contains(&"BCCReadAccessPolicy".into()));
    assert_eq!(
        seen["custom_document"]["accessControlList"][0]["region"],
        "bj"
    );
    assert_eq!(seen["denied"]["status"], 403);
    assert_eq!(seen["denied"]["code"], "AccessDenied");
    assert_eq!(seen["denied"]["request_id"].as_str().unwrap().len(), 36);
}
