//! End-to-end: the real `vigil` binary, a real SQLite file, and the simulator over loopback
//! (started in-process so tests can change it while the binary runs against it).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use vigil_baidu_sim::{keys, Fault, SimHandle, Simulator, World};

struct Sim {
    _runtime: tokio::runtime::Runtime,
    handle: SimHandle,
    world: World,
}

impl Sim {
    fn start() -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let world = World::default_world();
        let handle = runtime
            .block_on(Simulator::start(
                world.clone(),
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        Sim {
            _runtime: runtime,
            handle,
            world,
        }
    }

    fn addr(&self) -> String {
        self.handle.addr().to_string()
    }

    /// Ids the world holds for (region, collection) of the first account.
    fn ids(&self, region: &str, collection: &str) -> BTreeSet<String> {
        let account = &self.world.accounts()[0].id;
        self.world
            .resources(account, region, collection)
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn regions_with_data(&self) -> Vec<String> {
        let account = &self.world.accounts()[0];
        account
            .regions
            .iter()
            .map(|r| r.region_id.clone())
            .filter(|r| !self.ids(r, "bcc_instances").is_empty())
            .collect()
    }
}

struct Vigil {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Vigil {
    fn new() -> Vigil {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        Vigil { _dir: dir, db }
    }

    fn run(&self, args: &[&str], key: Option<(&str, &str)>, stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
        cmd.arg("--db").arg(&self.db).args(args);
        // Only the stores of this test: no site store or config file from the environment.
        cmd.env_remove("BAIDUCLOUD_ACCESS_KEY")
            .env_remove("BAIDUCLOUD_SECRET_KEY")
            .env_remove("VIGIL_DB")
            .env_remove("VIGIL_OVERSEAS_DB")
            .env_remove("VIGIL_CONFIG")
            .env_remove("RUST_LOG");
        if let Some((ak, sk)) = key {
            cmd.env("BAIDUCLOUD_ACCESS_KEY", ak)
                .env("BAIDUCLOUD_SECRET_KEY", sk);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        {
            let mut child_stdin = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                child_stdin.write_all(text.as_bytes()).unwrap();
            }
        }
        child.wait_with_output().unwrap()
    }

    fn connect(&self, sim: &Sim, name: &str, regions: &str, key: (&str, &str)) -> Output {
        self.run(
            &[
                "--output",
                "json",
                "connect",
                "baidu",
                "--name",
                name,
                "--regions",
                regions,
                "--endpoint-override",
                &sim.addr(),
            ],
            Some(key),
            None,
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut full = vec!["--output", "json"];
        full.extend_from_slice(args);
        let out = self.run(&full, None, None);
        assert!(
            out.status.success() || out.status.code() == Some(2),
            "{}",
            text(&out)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)))
    }

    /// (region, kind, id) of the BCC assets stored (the product these tests follow).
    fn stored(&self) -> BTreeSet<(String, String, String)> {
        self.json(&["assets", "--product", "bcc"])
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["region"].as_str().unwrap().to_string(),
                    a["kind"].as_str().unwrap().to_string(),
                    a["resource_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The BCC outcomes of the newest run (the product these tests follow).
    fn outcomes_of_last_run(&self) -> Vec<Value> {
        let runs = self.json(&["runs"]);
        let id = runs[0]["id"].as_i64().unwrap().to_string();
        self.json(&["runs", "--show", &id])["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["product"] == "bcc")
            .cloned()
            .collect()
    }
}

/// The verification entry of one product in a `connect --output json` answer.
fn product<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["verification"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn expected(sim: &Sim, regions: &[String]) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for r in regions {
        for (collection, kind) in [
            ("bcc_instances", "baidu_bcc_instance"),
            ("bcc_security_groups", "baidu_bcc_security_group"),
        ] {
            for id in sim.ids(r, collection) {
                out.insert((r.clone(), kind.to_string(), id));
            }
        }
    }
    out
}

fn read_all(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

#[test]
fn demo_runs_end_to_end_and_stores_every_region() {
    let sim = Sim::start(); // only for the expected ids: the demo starts its own simulator
    let vigil = Vigil::new();
    let out = vigil.run(&["demo"], None, None);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Started the Baidu AI Cloud simulator"),
        "{stdout}"
    );
    assert!(stdout.contains("authorized"), "{stdout}");
    let regions = sim.regions_with_data();
    assert!(
        regions.len() >= 3,
        "the default world should have data in several regions"
    );
    assert_eq!(vigil.stored(), expected(&sim, &regions));
}

#[test]
fn connect_sync_and_query_selected_regions() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let out = vigil.connect(&sim, "prod", "bj,gz", keys::GLOBAL_READER);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["verification"]["identity"]["user_name"],
        "global-reader"
    );
    assert_eq!(
        report["verification"]["products"][0]["status"],
        "authorized"
    );

    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("succeeded"), "{stdout}");
    assert_eq!(vigil.stored(), expected(&sim, &["bj".into(), "gz".into()]));

    // Filters.
    let gz = vigil.json(&[
        "assets",
        "--product",
        "bcc",
        "--region",
        "gz",
        "--kind",
        "baidu_bcc_instance",
    ]);
    let ids: BTreeSet<String> = gz
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, sim.ids("gz", "bcc_instances"));
    assert!(
        gz[0]["raw"]["nicInfo"].is_object(),
        "raw payload is carried"
    );

    // A second sync changes nothing.
    let out = vigil.run(&["--output", "json", "sync"], None, None);
    assert!(out.status.success(), "{}", text(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary[0]["summary"]["inserted"], 0);
    assert_eq!(summary[0]["summary"]["updated"], 0);
    assert_eq!(vigil.json(&["runs"]).as_array().unwrap().len(), 2);
}

#[test]
fn wrong_secret_is_explained_and_nothing_is_saved() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let wrong = "0000000000000000wrongsecret000000";
    let out = vigil.connect(&sim, "prod", "all", (keys::GLOBAL_READER.0, wrong));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("secret key does not match"), "{stderr}");
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
    assert!(!stderr.contains(wrong), "the secret leaked: {stderr}");
    assert_eq!(vigil.json(&["connections"]), serde_json::json!([]));
}

#[test]
fn unknown_and_disabled_keys_are_told_apart_from_wrong_secrets() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    for key in [
        keys::DISABLED,
        (
            "ffffffffffffffffffffffffffffffff",
            "ffffffffffffffffffffffffffffffff",
        ),
    ] {
        let out = vigil.connect(&sim, "prod", "all", key);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unknown to the cloud or disabled"),
            "{stderr}"
        );
        assert!(stderr.contains("InvalidAccessKeyId"), "{stderr}");
    }
}

#[test]
fn a_product_without_policy_is_not_authorized_never_empty() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let out = vigil.connect(&sim, "iam", "all", keys::IAM_ONLY);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bcc = product(&report, "bcc");
    assert_eq!(bcc["status"], "denied");
    assert_eq!(bcc["policy"], "BCCReadAccessPolicy");

    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let outcomes = vigil.outcomes_of_last_run();
    assert!(!outcomes.is_empty());
    for o in &outcomes {
        assert_eq!(o["status"], "not_authorized", "{o}");
        assert_eq!(o["asset_count"], 0);
        assert_eq!(o["error_code"], "AccessDenied", "{o}");
        assert!(
            o["error_message"]
                .as_str()
                .unwrap()
                .contains("BCCReadAccessPolicy"),
            "{o}"
        );
    }
    assert!(vigil.stored().is_empty());
}

#[test]
fn a_region_denied_by_policy_is_recorded_and_the_others_are_collected() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let out = vigil.connect(&sim, "bj", "all", keys::BJ_ONLY);
    assert!(out.status.success(), "{}", text(&out));
    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    for o in vigil.outcomes_of_last_run() {
        if o["region"] == "bj" {
            assert_eq!(o["status"], "ok", "{o}");
        } else {
            assert_eq!(o["status"], "not_authorized", "{o}");
            assert_eq!(o["error_code"], "AccessDenied", "{o}");
            assert!(
                o["request_id"].as_str().is_some_and(|r| !r.is_empty()),
                "{o}"
            );
        }
    }
    assert_eq!(vigil.stored(), expected(&sim, &["bj".into()]));
}

#[test]
fn a_failing_region_does_not_stop_the_others() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    assert!(vigil
        .connect(&sim, "prod", "all", keys::GLOBAL_READER)
        .status
        .success());
    sim.handle.inject_fault(Fault {
        service: "bcc".into(),
        region: Some("gz".into()),
        path_prefix: None,
        status: 500,
        code: "InternalError".into(),
        times: 1000,
    });
    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("partial"), "{stdout}");
    for o in vigil.outcomes_of_last_run() {
        if o["region"] == "gz" {
            assert_eq!(o["status"], "failed", "{o}");
            assert_eq!(o["error_code"], "InternalError", "{o}");
            assert!(
                o["error_message"].as_str().unwrap().contains("retries"),
                "{o}"
            );
        } else {
            assert_eq!(o["status"], "ok", "{o}");
        }
    }
    let others: Vec<String> = sim
        .regions_with_data()
        .into_iter()
        .filter(|r| r != "gz")
        .collect();
    assert_eq!(vigil.stored(), expected(&sim, &others));

    // Once the cloud recovers, the next sync completes and keeps everything.
    sim.handle.clear_faults();
    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(vigil.stored(), expected(&sim, &sim.regions_with_data()));
}

#[test]
fn the_secret_never_reaches_the_database_or_logs() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let (ak, sk) = keys::GLOBAL_READER;
    let out = vigil.run(
        &[
            "-vvv",
            "connect",
            "baidu",
            "--name",
            "prod",
            "--access-key-id",
            ak,
            "--secret-stdin",
            "--endpoint-override",
            &sim.addr(),
        ],
        None,
        Some(&format!("{sk}\n")),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out2 = vigil.run(&["-vvv", "sync", "--no-progress"], None, None);
    assert!(out2.status.success(), "{}", text(&out2));
    for o in [&out, &out2] {
        assert!(!String::from_utf8_lossy(&o.stdout).contains(sk));
        assert!(!String::from_utf8_lossy(&o.stderr).contains(sk));
    }
    let db_dir = vigil.db.parent().unwrap();
    let db_bytes = read_all(db_dir);
    assert!(!db_bytes.is_empty());
    assert!(
        !db_bytes.windows(sk.len()).any(|w| w == sk.as_bytes()),
        "secret found in the database files"
    );
    let secret_file = db_dir.join("vigil.db.secrets").join("prod.json");
    assert!(std::fs::read_to_string(&secret_file).unwrap().contains(sk));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret_file)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
}

#[test]
fn regions_the_account_does_not_have_are_rejected_with_the_list() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let out = vigil.connect(&sim, "prod", "bj,xx", keys::GLOBAL_READER);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("xx") && stderr.contains("available regions: ") && stderr.contains("gz"),
        "{stderr}"
    );
    let out = vigil.connect(&sim, "prod", "bj.evil.com", keys::GLOBAL_READER);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid region id \"bj.evil.com\""),
        "{}",
        text(&out)
    );
    assert_eq!(vigil.json(&["connections"]), serde_json::json!([]));
}

#[test]
fn no_secret_means_a_clear_error_not_a_hang() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let out = vigil.run(
        &[
            "connect",
            "baidu",
            "--name",
            "prod",
            "--access-key-id",
            keys::GLOBAL_READER.0,
            "--endpoint-override",
            &sim.addr(),
        ],
        None,
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BAIDUCLOUD_SECRET_KEY"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_user_without_one_products_policy_gets_every_other_product() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    // The auditor gets every product's read policy except RDS's, while the simulator runs.
    let policies = [
        "IAMReadAccessPolicy",
        "BCCReadAccessPolicy",
        "VPCReadAccessPolicy",
        "EIPReadAccessPolicy",
        "RedisReadAccessPolicy",
        "KAFKAReadAccessPolicy",
        "MONGODBReadAccessPolicy",
        "BOSLISTANDReadAccessPolicy",
        "BLBReadAccessPolicy",
    ];
    sim.handle.set_user_policies(
        "vigil-auditor",
        policies.iter().map(|p| p.to_string()).collect(),
    );
    let out = vigil.connect(&sim, "prod", "all", keys::AUDITOR);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in report["verification"]["products"].as_array().unwrap() {
        let expected = if p["product"] == "rds" {
            "denied"
        } else {
            "authorized"
        };
        assert_eq!(p["status"], expected, "{p}");
    }
    assert_eq!(product(&report, "rds")["policy"], "RDSReadAccessPolicy");

    let out = vigil.run(&["sync", "--no-progress"], None, None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let runs = vigil.json(&["runs"]);
    let id = runs[0]["id"].as_i64().unwrap().to_string();
    let outcomes = vigil.json(&["runs", "--show", &id])["outcomes"].clone();
    let mut products = BTreeSet::new();
    for o in outcomes.as_array().unwrap() {
        products.insert(o["product"].as_str().unwrap().to_string());
        if o["product"] == "rds" {
            assert_eq!(o["status"], "not_authorized", "{o}");
            assert_eq!(o["error_code"], "AccessDenied", "{o}");
            assert_eq!(o["asset_count"], 0, "{o}");
        } else {
            assert_eq!(o["status"], "ok", "{o}");
        }
    }
    assert_eq!(
        products.len(),
        11,
        "every registered product has outcomes: {products:?}"
    );
    // Every other product's assets are there; no RDS asset is.
    let assets = vigil.json(&["assets"]);
    let kinds: BTreeSet<&str> = assets
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "baidu_bcc_instance",
        "baidu_vpc_vpc",
        "baidu_eip_eip",
        "baidu_scs_instance",
        "baidu_kafka_cluster",
        "baidu_mongodb_instance",
        "baidu_bos_bucket",
        "baidu_blb_load_balancer",
        "baidu_appblb_load_balancer",
        "baidu_iam_user",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    assert!(!kinds.contains("baidu_rds_instance"));
}
