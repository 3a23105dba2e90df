//! The connection lifecycle end to end: the real `vigil` binary, real SQLite files, and the
//! simulator in-process (so tests can change the cloud while the binary runs): sync policy,
//! data residency, region management, `vigil serve` (schedules, AK checks, shutdown),
//! deletion and history, status and doctor.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_baidu_sim::{keys, Fault, GenerateOptions, SimHandle, Simulator, World};

// ---------------------------------------------------------------------------------------
// Harness.

struct Sim {
    _runtime: tokio::runtime::Runtime,
    handle: SimHandle,
}

impl Sim {
    fn start() -> Sim {
        Sim::with_world(World::default_world())
    }

    fn with_world(world: World) -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = runtime
            .block_on(Simulator::start(world, "127.0.0.1:0".parse().unwrap()))
            .unwrap();
        Sim {
            _runtime: runtime,
            handle,
        }
    }

    /// A world with many BCC instances in `bj`, so that a sync with small pages takes a while.
    fn big() -> Sim {
        Sim::with_world(World::generate(&GenerateOptions {
            regions: 1,
            instances_per_region: 4000,
            security_groups_per_region: 10,
            users: 0,
            resources_per_region: 1,
            seed: 7,
        }))
    }

    fn addr(&self) -> String {
        self.handle.addr().to_string()
    }

    /// Ids the world holds for (region, collection) of the first account, now.
    fn ids(&self, region: &str, collection: &str) -> BTreeSet<String> {
        let world = self.handle.world_snapshot();
        let account = &world.accounts()[0].id;
        world
            .resources(account, region, collection)
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Where the stores are passed: explicit options, or a `--config` file.
enum Placement {
    Options,
    Config(PathBuf),
}

struct Vigil {
    dir: tempfile::TempDir,
    db: PathBuf,
    overseas: PathBuf,
    placement: Placement,
}

impl Vigil {
    fn new() -> Vigil {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cn").join("vigil.db");
        let overseas = dir.path().join("intl").join("vigil-intl.db");
        Vigil {
            dir,
            db,
            overseas,
            placement: Placement::Options,
        }
    }

    /// Stores placed by a config file with relative paths.
    fn with_config() -> Vigil {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("vigil.toml");
        std::fs::write(
            &config,
            "# Vigil site stores\n[sites]\nmainland = \"mainland/store.db\"\noverseas = \"overseas/store.db\"\n",
        )
        .unwrap();
        Vigil {
            db: dir.path().join("mainland").join("store.db"),
            overseas: dir.path().join("overseas").join("store.db"),
            dir,
            placement: Placement::Config(config),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
        match &self.placement {
            Placement::Options => {
                cmd.arg("--db")
                    .arg(&self.db)
                    .arg("--overseas-db")
                    .arg(&self.overseas);
            }
            Placement::Config(path) => {
                cmd.arg("--config").arg(path);
            }
        }
        cmd.args(args);
        for var in [
            "BAIDUCLOUD_ACCESS_KEY",
            "BAIDUCLOUD_SECRET_KEY",
            "VIGIL_DB",
            "VIGIL_OVERSEAS_DB",
            "VIGIL_CONFIG",
            "RUST_LOG",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn run(&self, args: &[&str], key: Option<(&str, &str)>) -> Output {
        let mut cmd = self.command(args);
        if let Some((ak, sk)) = key {
            cmd.env("BAIDUCLOUD_ACCESS_KEY", ak)
                .env("BAIDUCLOUD_SECRET_KEY", sk);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd.spawn().unwrap();
        wait_output(child, Duration::from_secs(180))
    }

    /// `vigil connect baidu --name NAME --endpoint-override SIM EXTRA...`, which must succeed.
    fn connect(&self, sim: &Sim, name: &str, extra: &[&str], key: (&str, &str)) -> Value {
        let mut args = vec![
            "--output",
            "json",
            "connect",
            "baidu",
            "--name",
            name,
            "--endpoint-override",
        ];
        let addr = sim.addr();
        args.push(&addr);
        args.extend_from_slice(extra);
        let out = self.run(&args, Some(key));
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Run with `--output json`; returns the exit code and the JSON printed.
    fn json_code(&self, args: &[&str]) -> (i32, Value) {
        let mut full = vec!["--output", "json"];
        full.extend_from_slice(args);
        let out = self.run(&full, None);
        let value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
        (out.status.code().unwrap_or(-1), value)
    }

    /// Run with `--output json`; exit 0 (or 2, "partial") required.
    fn json(&self, args: &[&str]) -> Value {
        let (code, value) = self.json_code(args);
        assert!(code == 0 || code == 2, "exit {code}: {value}");
        value
    }

    /// A command that must fail with exit status 1; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn show(&self, name: &str) -> Value {
        self.json(&["connection", "show", name])
    }

    fn runs(&self, connection: &str) -> Vec<Value> {
        self.json(&["runs", "--connection", connection, "--limit", "100000"])
            .as_array()
            .unwrap()
            .clone()
    }

    fn outcomes(&self, connection: &str, run_id: i64) -> Vec<Value> {
        self.json(&[
            "runs",
            "--connection",
            connection,
            "--show",
            &run_id.to_string(),
        ])["outcomes"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// A background `vigil` whose stderr goes to a file.
    fn spawn(&self, args: &[&str], log: &Path) -> Child {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap());
        cmd.spawn().unwrap()
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Wait for a child with a deadline (reading its output meanwhile, so a full pipe cannot
/// block it); a child still running then is killed and the test fails.
fn wait_output(child: Child, timeout: Duration) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            panic!("vigil did not finish within {timeout:?}");
        }
    }
}

/// Poll `check` until it holds, failing the test with `what` after `timeout`.
fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} failed");
}

/// Wait for a background child to exit; returns its exit code.
fn wait_exit(child: &mut Child, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn findings<'a>(doctor: &'a Value, code: &str) -> Vec<&'a Value> {
    doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// Count rows in a SQLite file (opened read-only).
fn count(db: &Path, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn column(db: &Path, sql: &str) -> BTreeSet<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

// ---------------------------------------------------------------------------------------
// connection show / set.

#[test]
fn connection_set_and_show_round_trip_with_clear_validation_errors() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let connected = vigil.connect(
        &sim,
        "prod",
        &[
            "--regions",
            "bj,gz",
            "--products",
            "rds,bcc",
            "--sync-interval",
            "6h",
            "--ak-check-interval",
            "30m",
            "--region-management",
            "off",
        ],
        keys::GLOBAL_READER,
    );
    assert_eq!(connected["site"], "mainland");

    let show = vigil.show("prod");
    let p = &show["policy"];
    assert_eq!(strings(&p["regions"]), ["bj", "gz"]);
    assert_eq!(strings(&p["products"]), ["bcc", "rds"]);
    assert_eq!(p["sync_interval_secs"], 21600);
    assert_eq!(p["ak_check_interval_secs"], 1800);
    assert_eq!(p["region_management"], false);
    assert_eq!(strings(&p["modules"]), ["cspm"]);
    assert_eq!(show["site"], "mainland");
    assert_eq!(show["key"]["status"], "valid");
    assert!(show["key"]["since"].is_string(), "{show}");
    assert!(strings(&show["known_regions"]).contains(&"hkg".to_string()));
    assert_eq!(show["newly_seen_regions"], serde_json::json!([]));
    assert_eq!(show["next_sync"]["state"], "due");
    assert_eq!(show["next_key_check"]["state"], "scheduled");

    // Change everything.
    let set = vigil.json(&[
        "connection",
        "set",
        "prod",
        "--regions",
        "all",
        "--region-management",
        "on",
        "--products",
        "all",
        "--modules",
        "cspm",
        "--sync-interval",
        "1h30m",
        "--ak-check-interval",
        "off",
    ]);
    assert_eq!(set["policy"]["regions"], serde_json::json!(["all"]));
    let show = vigil.show("prod");
    let p = &show["policy"];
    assert_eq!(p["regions"], serde_json::json!(["all"]));
    assert_eq!(p["region_management"], true);
    assert!(p["products"].is_null(), "{p}");
    assert_eq!(p["sync_interval_secs"], 5400);
    assert!(p["ak_check_interval_secs"].is_null());
    assert_eq!(show["next_key_check"]["state"], "off");
    let table = vigil.run(&["connection", "show", "prod"], None);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("1h30m") && stdout.contains("site mainland"),
        "{stdout}"
    );

    // Bad values name the value and the fix, and change nothing.
    let before = vigil.show("prod")["policy"].clone();
    let err = vigil.fails(&["connection", "set", "prod", "--products", "bcc,ecs"]);
    assert!(
        err.contains("\"ecs\"") && err.contains("known products"),
        "{err}"
    );
    let err = vigil.fails(&["connection", "set", "prod", "--regions", "bj,xx"]);
    assert!(err.contains("xx") && err.contains("gz"), "{err}");
    let err = vigil.fails(&["connection", "set", "prod", "--regions", "bj.evil"]);
    assert!(err.contains("invalid region id \"bj.evil\""), "{err}");
    let err = vigil.fails(&["connection", "set", "prod", "--sync-interval", "6x"]);
    assert!(
        err.contains("--sync-interval \"6x\"") && err.contains("off"),
        "{err}"
    );
    let err = vigil.fails(&["connection", "set", "prod", "--ak-check-interval", "0s"]);
    assert!(err.contains("at least 1s"), "{err}");
    let err = vigil.fails(&["connection", "set", "prod", "--modules", "cwpp"]);
    assert!(err.contains("cwpp") && err.contains("cspm"), "{err}");
    let err = vigil.fails(&["connection", "set", "prod"]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = vigil.fails(&["connection", "set", "nope", "--sync-interval", "1h"]);
    assert!(
        err.contains("no connection named \"nope\"") && err.contains("prod"),
        "{err}"
    );
    let out = vigil.run(
        &["connection", "set", "prod", "--region-management", "maybe"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap usage error: {}",
        text(&out)
    );
    assert_eq!(vigil.show("prod")["policy"], before);

    // A connection without runs may move to the other site: everything goes with it.
    assert!(
        !vigil.overseas.exists(),
        "no overseas store before it is used"
    );
    let moved = vigil.json(&["connection", "set", "prod", "--site", "overseas"]);
    assert_eq!(moved["moved_from"], "mainland");
    assert_eq!(vigil.show("prod")["site"], "overseas");
    assert!(vigil.overseas.exists());
    assert_eq!(count(&vigil.db, "SELECT count(*) FROM connections"), 0);
    assert!(!vigil
        .db
        .with_file_name("vigil.db.secrets")
        .join("prod.json")
        .exists());
    assert!(vigil
        .overseas
        .with_file_name("vigil-intl.db.secrets")
        .join("prod.json")
        .exists());
    assert_eq!(vigil.show("prod")["policy"]["sync_interval_secs"], 5400);

    // Once it has runs its data stays where it is.
    let out = vigil.run(&["sync", "--no-progress", "--products", "bcc"], None);
    assert!(out.status.success(), "{}", text(&out));
    let err = vigil.fails(&["connection", "set", "prod", "--site", "mainland"]);
    assert!(
        err.contains("cannot move")
            && err.contains("1 sync run")
            && err.contains("connection delete"),
        "{err}"
    );
    let out = vigil.run(
        &[
            "connect",
            "baidu",
            "--name",
            "prod",
            "--site",
            "mainland",
            "--endpoint-override",
            &sim.addr(),
        ],
        Some(keys::GLOBAL_READER),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot move"),
        "{}",
        text(&out)
    );
    assert_eq!(vigil.show("prod")["site"], "overseas");
    assert_eq!(count(&vigil.db, "SELECT count(*) FROM connections"), 0);
}

// ---------------------------------------------------------------------------------------
// Data residency.

#[test]
fn an_overseas_connection_is_stored_only_in_the_overseas_store() {
    let sim = Sim::start();
    let vigil = Vigil::with_config();
    // Regional products only: both connections read the same simulated account, and the
    // account-wide ones (IAM, BOS) would legitimately be in both stores.
    vigil.connect(
        &sim,
        "cn",
        &["--regions", "bj", "--products", "bcc,vpc,rds"],
        keys::GLOBAL_READER,
    );
    let out = vigil.run(&["sync", "--no-progress"], None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(vigil.db.exists());
    assert!(
        !vigil.overseas.exists(),
        "the overseas store must not be created before a connection uses it"
    );

    let connected = vigil.connect(
        &sim,
        "intl",
        &[
            "--site",
            "overseas",
            "--regions",
            "gz,hkg",
            "--products",
            "bcc,vpc,rds",
        ],
        keys::GLOBAL_READER,
    );
    assert_eq!(connected["site"], "overseas");
    let sync = vigil.json(&["sync", "--connection", "intl"]);
    assert_eq!(sync[0]["site"], "overseas");
    assert_eq!(sync[0]["summary"]["status"], "succeeded", "{sync}");

    // Read both files directly.
    let (cn, intl) = (&vigil.db, &vigil.overseas);
    assert_eq!(
        column(cn, "SELECT name FROM connections"),
        BTreeSet::from(["cn".to_string()])
    );
    assert_eq!(
        column(intl, "SELECT name FROM connections"),
        BTreeSet::from(["intl".to_string()])
    );
    let intl_assets = column(intl, "SELECT resource_id FROM assets");
    let intl_regions = column(intl, "SELECT DISTINCT region FROM assets");
    assert!(intl_assets.len() > 10, "{intl_assets:?}");
    assert!(intl_regions.contains("gz"), "{intl_regions:?}");
    assert!(!intl_regions.contains("bj"), "{intl_regions:?}");
    assert!(count(intl, "SELECT count(*) FROM sync_runs") >= 1);
    assert!(count(intl, "SELECT count(*) FROM sync_outcomes") > 0);
    // The mainland file has nothing of the overseas connection: no row, run, outcome or asset.
    let cn_assets = column(cn, "SELECT resource_id || '@' || region FROM assets");
    for id in column(
        intl,
        "SELECT resource_id || '@' || region FROM assets WHERE region != 'global'",
    ) {
        assert!(
            !cn_assets.contains(&id),
            "{id} leaked into the mainland store"
        );
    }
    assert_eq!(
        count(
            cn,
            "SELECT count(*) FROM assets WHERE region IN ('gz', 'hkg')"
        ),
        0
    );
    assert_eq!(count(cn, "SELECT count(*) FROM sync_runs"), 1);
    let intl_run_outcomes = count(
        intl,
        "SELECT count(*) FROM sync_outcomes WHERE region IN ('gz', 'hkg')",
    );
    assert!(intl_run_outcomes > 0);
    assert_eq!(
        count(
            cn,
            "SELECT count(*) FROM sync_outcomes WHERE region IN ('gz', 'hkg')"
        ),
        0
    );
    // Secrets live beside their site's store.
    assert!(vigil
        .overseas
        .with_file_name("store.db.secrets")
        .join("intl.json")
        .exists());
    assert!(!vigil
        .db
        .with_file_name("store.db.secrets")
        .join("intl.json")
        .exists());

    // Commands find each connection in its store, and listings read both.
    let names: BTreeSet<String> = vigil
        .json(&["connections"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["name"].as_str().unwrap(),
                c["policy"]["site"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["cn:mainland".to_string(), "intl:overseas".to_string()])
    );
    let intl_listed = vigil.json(&["assets", "--connection", "intl"]);
    assert_eq!(
        intl_listed.as_array().unwrap().len() as i64,
        count(intl, "SELECT count(*) FROM assets")
    );
    assert!(intl_listed
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["connection"] == "intl"));
    let all = vigil.json(&["assets"]);
    let connections: BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["connection"].as_str().unwrap())
        .collect();
    assert_eq!(connections, BTreeSet::from(["cn", "intl"]));
    let runs = vigil.json(&["runs"]);
    let sites: BTreeSet<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, BTreeSet::from(["mainland", "overseas"]));
    let status = vigil.json(&["status"]);
    assert_eq!(status.as_array().unwrap().len(), 2);
    // Run ids are per store: both stores have a run 1, so --show asks which.
    let err = vigil.fails(&["runs", "--show", "1"]);
    assert!(err.contains("--connection"), "{err}");
    let shown = vigil.json(&["runs", "--show", "1", "--connection", "intl"]);
    assert_eq!(shown["run"]["site"], "overseas");
    // A second connection with the same name cannot appear in the other site.
    let out = vigil.run(
        &[
            "connect",
            "baidu",
            "--name",
            "intl",
            "--site",
            "mainland",
            "--endpoint-override",
            &sim.addr(),
        ],
        Some(keys::GLOBAL_READER),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot move"),
        "{}",
        text(&out)
    );
    assert_eq!(
        count(cn, "SELECT count(*) FROM connections WHERE name = 'intl'"),
        0
    );
}

// ---------------------------------------------------------------------------------------
// Sync policy.

#[test]
fn the_sync_policy_decides_products_and_regions() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "prod",
        &["--regions", "bj,gz", "--products", "bcc,vpc"],
        keys::GLOBAL_READER,
    );
    let sync = vigil.json(&["sync"]);
    assert_eq!(sync[0]["summary"]["status"], "succeeded", "{sync}");
    let run = sync[0]["summary"]["run_id"].as_i64().unwrap();
    let outcomes = vigil.outcomes("prod", run);
    let products: BTreeSet<&str> = outcomes
        .iter()
        .map(|o| o["product"].as_str().unwrap())
        .collect();
    let regions: BTreeSet<&str> = outcomes
        .iter()
        .map(|o| o["region"].as_str().unwrap())
        .collect();
    assert_eq!(products, BTreeSet::from(["bcc", "vpc"]));
    assert_eq!(regions, BTreeSet::from(["bj", "gz"]));
    for a in vigil.json(&["assets"]).as_array().unwrap() {
        let kind = a["kind"].as_str().unwrap();
        assert!(
            kind.starts_with("baidu_bcc_") || kind.starts_with("baidu_vpc_"),
            "{kind}"
        );
        assert!(a["region"] == "bj" || a["region"] == "gz", "{a}");
    }

    // All products and regions: every registered product, every region of the account.
    vigil.json(&[
        "connection",
        "set",
        "prod",
        "--products",
        "all",
        "--regions",
        "all",
    ]);
    let sync = vigil.json(&["sync"]);
    let run = sync[0]["summary"]["run_id"].as_i64().unwrap();
    let outcomes = vigil.outcomes("prod", run);
    let products: BTreeSet<&str> = outcomes
        .iter()
        .map(|o| o["product"].as_str().unwrap())
        .collect();
    assert_eq!(products.len(), 11, "{products:?}");
    let regions: BTreeSet<&str> = outcomes
        .iter()
        .map(|o| o["region"].as_str().unwrap())
        .collect();
    for r in ["bj", "gz", "su", "bd", "fwh", "hkg", "global"] {
        assert!(regions.contains(r), "{r} missing from {regions:?}");
    }

    // The cspm module off: nothing is synced, and the message says how to turn it on.
    vigil.json(&["connection", "set", "prod", "--modules", "none"]);
    let runs_before = vigil.runs("prod").len();
    let out = vigil.run(&["sync", "--connection", "prod"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--modules cspm"),
        "{}",
        text(&out)
    );
    assert_eq!(vigil.runs("prod").len(), runs_before);
    let doctor = vigil.json(&["doctor", "--connection", "prod"]);
    assert_eq!(findings(&doctor, "cspm_disabled").len(), 1, "{doctor}");
}

#[test]
fn region_management_on_includes_regions_that_appear_later() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "prod",
        &["--regions", "bj", "--products", "bcc"],
        keys::GLOBAL_READER,
    );
    let first = vigil.json(&["sync"]);
    assert_eq!(first[0]["regions"]["newly_seen"], serde_json::json!([]));

    sim.handle.add_region("nj", "华东-南京");
    let sync = vigil.json(&["sync"]);
    assert_eq!(strings(&sync[0]["regions"]["newly_seen"]), ["nj"]);
    assert_eq!(strings(&sync[0]["regions"]["newly_included"]), ["nj"]);
    let run = sync[0]["summary"]["run_id"].as_i64().unwrap();
    let regions: BTreeSet<String> = vigil
        .outcomes("prod", run)
        .iter()
        .map(|o| o["region"].as_str().unwrap().to_string())
        .collect();
    assert!(regions.contains("nj"), "{regions:?}");
    let show = vigil.show("prod");
    assert_eq!(strings(&show["policy"]["regions"]), ["bj", "nj"]);
    assert_eq!(strings(&show["newly_seen_regions"]), ["nj"]);
    assert!(strings(&show["known_regions"]).contains(&"nj".to_string()));

    // People are told too; a region seen once is not new again.
    sim.handle.add_region("wh", "华中-武汉");
    let out = vigil.run(&["sync", "--no-progress"], None);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("wh") && stdout.contains("newly included"),
        "{stdout}"
    );
    let again = vigil.json(&["sync"]);
    assert_eq!(again[0]["regions"]["newly_seen"], serde_json::json!([]));
    let doctor = vigil.json(&["doctor"]);
    assert!(
        findings(&doctor, "region_new_not_included").is_empty(),
        "{doctor}"
    );
}

#[test]
fn region_management_off_records_new_regions_and_doctor_reports_them() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "prod",
        &[
            "--regions",
            "bj",
            "--products",
            "bcc",
            "--region-management",
            "off",
        ],
        keys::GLOBAL_READER,
    );
    vigil.json(&["sync"]);
    let (code, doctor) = vigil.json_code(&["doctor"]);
    assert_eq!(code, 0, "{doctor}");
    assert_eq!(doctor["ok"], true);

    sim.handle.add_region("nj", "华东-南京");
    let sync = vigil.json(&["sync"]);
    assert_eq!(strings(&sync[0]["regions"]["newly_seen"]), ["nj"]);
    assert_eq!(sync[0]["regions"]["newly_included"], serde_json::json!([]));
    assert_eq!(strings(&sync[0]["regions"]["not_included"]), ["nj"]);
    let run = sync[0]["summary"]["run_id"].as_i64().unwrap();
    assert!(vigil
        .outcomes("prod", run)
        .iter()
        .all(|o| o["region"] == "bj"));
    let show = vigil.show("prod");
    assert_eq!(strings(&show["policy"]["regions"]), ["bj"]);
    assert!(strings(&show["known_regions"]).contains(&"nj".to_string()));
    assert_eq!(strings(&show["newly_seen_not_included"]), ["nj"]);

    let (code, doctor) = vigil.json_code(&["doctor"]);
    assert_eq!(code, 2, "{doctor}");
    let found = findings(&doctor, "region_new_not_included");
    assert_eq!(found.len(), 1, "{doctor}");
    assert_eq!(found[0]["region"], "nj");
    assert!(
        found[0]["fix"]
            .as_str()
            .unwrap()
            .contains("vigil connection set prod --region-management on"),
        "{doctor}"
    );
    let doctor = vigil.json(&["doctor", "--region", "nj"]);
    assert_eq!(
        findings(&doctor, "region_new_not_included").len(),
        1,
        "{doctor}"
    );
    // A region the user left out on purpose is "not selected", not "new".
    let doctor = vigil.json(&["doctor", "--region", "gz"]);
    let found = findings(&doctor, "region_not_selected");
    assert_eq!(found.len(), 1, "{doctor}");
    assert!(
        found[0]["fix"]
            .as_str()
            .unwrap()
            .contains("vigil connection set prod --regions bj,gz"),
        "{doctor}"
    );
    let doctor = vigil.json(&["doctor", "--region", "xx"]);
    assert_eq!(findings(&doctor, "region_unknown").len(), 1, "{doctor}");

    // Turning region management on includes it from the next sync on.
    let set = vigil.json(&["connection", "set", "prod", "--region-management", "on"]);
    assert_eq!(strings(&set["newly_included_regions"]), ["nj"]);
    let sync = vigil.json(&["sync"]);
    let run = sync[0]["summary"]["run_id"].as_i64().unwrap();
    assert!(vigil
        .outcomes("prod", run)
        .iter()
        .any(|o| o["region"] == "nj"));
    let (code, doctor) = vigil.json_code(&["doctor"]);
    assert_eq!(code, 0, "{doctor}");
}

// ---------------------------------------------------------------------------------------
// Deletion and history.

#[test]
fn vanished_assets_are_marked_deleted_and_changes_are_kept_as_history() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "prod",
        &["--regions", "bj", "--products", "bcc"],
        keys::GLOBAL_READER,
    );
    vigil.json(&["sync"]);
    let ids: Vec<String> = sim.ids("bj", "bcc_instances").into_iter().collect();
    assert!(ids.len() >= 3, "{ids:?}");
    let (gone, changed, kept) = (ids[0].clone(), ids[1].clone(), ids[2].clone());

    // The cloud deletes one instance and renames another while Vigil keeps running.
    sim.handle.update_world(|world| {
        let account = &mut world.accounts[0];
        let list = account
            .resources
            .get_mut("bj")
            .unwrap()
            .get_mut("bcc_instances")
            .unwrap();
        list.retain(|i| i["id"] != gone.as_str());
        for i in list.iter_mut() {
            if i["id"] == changed.as_str() {
                i["name"] = "renamed-by-test".into();
                i["status"] = "Stopped".into();
            }
        }
    });
    let sync = vigil.json(&["sync"]);
    assert_eq!(sync[0]["summary"]["deleted"], 1, "{sync}");
    assert!(
        sync[0]["summary"]["updated"].as_u64().unwrap() >= 1,
        "{sync}"
    );

    let present = |args: &[&str]| -> BTreeSet<String> {
        let mut full = vec!["assets", "--kind", "baidu_bcc_instance"];
        full.extend_from_slice(args);
        vigil
            .json(&full)
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["resource_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!present(&[]).contains(&gone));
    assert!(present(&[]).contains(&kept));
    let with_deleted = vigil.json(&["assets", "--include-deleted", "--id", &gone]);
    assert_eq!(with_deleted.as_array().unwrap().len(), 1, "{with_deleted}");
    assert!(with_deleted[0]["deleted_at"].is_string(), "{with_deleted}");
    let table = vigil.run(
        &[
            "assets",
            "--include-deleted",
            "--kind",
            "baidu_bcc_instance",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("DELETED") && stdout.contains(&gone),
        "{stdout}"
    );
    assert!(stdout.contains("(1 deleted)"), "{stdout}");

    // History by resource id and by row id.
    let history = vigil.json(&["assets", "history", &changed]);
    assert_eq!(history["asset"]["name"], "renamed-by-test");
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{history}");
    let fields = strings(&versions[0]["changed_fields"]);
    assert!(
        fields.contains(&"name".to_string()) && fields.contains(&"status".to_string()),
        "{fields:?}"
    );
    assert_ne!(versions[0]["raw"]["name"], "renamed-by-test");
    let row = history["asset"]["id"].as_i64().unwrap().to_string();
    let by_row = vigil.json(&["assets", "history", &row]);
    assert_eq!(by_row["asset"]["resource_id"], changed.as_str());
    let table = vigil.run(&["assets", "history", &changed], None);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("CHANGED FIELDS") && stdout.contains("name"),
        "{stdout}"
    );
    let err = vigil.fails(&["assets", "history", "i-does-not-exist"]);
    assert!(
        err.contains("i-does-not-exist") && err.contains("--include-deleted"),
        "{err}"
    );

    // A listing that fails never deletes: remove another instance, break the listing.
    sim.handle.update_world(|world| {
        let list = world.accounts[0]
            .resources
            .get_mut("bj")
            .unwrap()
            .get_mut("bcc_instances")
            .unwrap();
        list.retain(|i| i["id"] != kept.as_str());
    });
    sim.handle.inject_fault(
        Fault::new("bcc", 500, "InternalError", 1000)
            .in_region("bj")
            .with_path_prefix("/v2/instance"),
    );
    let sync = vigil.json(&["sync"]);
    assert_eq!(sync[0]["summary"]["deleted"], 0, "{sync}");
    assert!(present(&[]).contains(&kept));
    sim.handle.clear_faults();
    let sync = vigil.json(&["sync"]);
    assert_eq!(sync[0]["summary"]["deleted"], 1, "{sync}");
    assert!(!present(&[]).contains(&kept));
}

// ---------------------------------------------------------------------------------------
// Status and doctor: the setup guide's FAQ.

#[test]
fn status_and_doctor_answer_the_faq_from_the_store() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(&sim, "prod", &["--regions", "bj,gz"], keys::GLOBAL_READER);

    // Never synced.
    let (code, doctor) = vigil.json_code(&["doctor"]);
    assert_eq!(code, 2);
    assert_eq!(doctor["ok"], false);
    let found = findings(&doctor, "never_synced");
    assert_eq!(found.len(), 1, "{doctor}");
    assert!(found[0]["fix"]
        .as_str()
        .unwrap()
        .contains("vigil sync --connection prod"));
    let status = vigil.json(&["status"]);
    assert!(status[0]["last_sync"].is_null());
    assert!(status[0]["running_sync"].is_null());
    assert_eq!(status[0]["next_sync"]["state"], "due");
    assert_eq!(status[0]["key"]["status"], "valid");

    // Synced: no problem, exit 0.
    vigil.json(&["sync"]);
    let (code, doctor) = vigil.json_code(&["doctor", "--connection", "prod"]);
    assert_eq!(code, 0, "{doctor}");
    assert_eq!(doctor["findings"], serde_json::json!([]));
    let out = vigil.run(&["doctor"], None);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("No problem found"),
        "{}",
        text(&out)
    );
    let status = vigil.json(&["status", "--connection", "prod"]);
    let last = &status[0]["last_sync"];
    assert_eq!(last["status"], "succeeded");
    assert!(last["assets"].as_u64().unwrap() > 0);
    assert_eq!(last["failures"], serde_json::json!([]));
    assert_eq!(status[0]["next_sync"]["state"], "scheduled");

    // Region not selected.
    let doctor = vigil.json(&["doctor", "--region", "su"]);
    assert_eq!(
        findings(&doctor, "region_not_selected").len(),
        1,
        "{doctor}"
    );

    // Product not authorized: which policy to attach, per region refused.
    vigil.connect(&sim, "iam", &["--regions", "bj"], keys::IAM_ONLY);
    vigil.json(&["sync", "--connection", "iam"]);
    let (code, doctor) = vigil.json_code(&["doctor", "--connection", "iam", "--product", "bcc"]);
    assert_eq!(code, 2);
    let found = findings(&doctor, "product_not_authorized");
    assert_eq!(found.len(), 1, "{doctor}");
    assert_eq!(found[0]["product"], "bcc");
    let fix = found[0]["fix"].as_str().unwrap();
    assert!(
        fix.contains("BCCReadAccessPolicy") && fix.contains("vigil baidu policy --products bcc"),
        "{fix}"
    );
    assert!(
        found[0]["problem"].as_str().unwrap().contains("bj"),
        "{doctor}"
    );
    let status = vigil.json(&["status", "--connection", "iam"]);
    let failures = status[0]["last_sync"]["failures"].as_array().unwrap();
    assert!(
        failures.iter().any(|f| f["product"] == "bcc"
            && f["region"] == "bj"
            && f["status"] == "not_authorized"),
        "{status}"
    );
    // Product not selected.
    vigil.json(&["connection", "set", "iam", "--products", "iam"]);
    let doctor = vigil.json(&["doctor", "--connection", "iam", "--product", "rds"]);
    assert_eq!(
        findings(&doctor, "product_not_selected").len(),
        1,
        "{doctor}"
    );
    let err = vigil.fails(&["doctor", "--product", "ecs"]);
    assert!(
        err.contains("ecs") && err.contains("known products"),
        "{err}"
    );

    // Key invalid: since when and why.
    sim.handle.set_key_enabled(keys::GLOBAL_READER.0, false);
    let out = vigil.run(&["verify", "--connection", "prod"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let doctor = vigil.json(&["doctor", "--connection", "prod"]);
    let found = findings(&doctor, "key_invalid");
    assert_eq!(found.len(), 1, "{doctor}");
    let problem = found[0]["problem"].as_str().unwrap();
    let status = vigil.json(&["status", "--connection", "prod"]);
    let key = &status[0]["key"];
    assert_eq!(key["status"], "invalid");
    let since = key["since"].as_str().unwrap();
    assert!(problem.contains(since), "{problem} / {since}");
    assert!(
        key["reason"]
            .as_str()
            .unwrap()
            .contains("InvalidAccessKeyId"),
        "{status}"
    );
    assert!(problem.contains("InvalidAccessKeyId"), "{problem}");
    assert_eq!(status[0]["next_sync"]["state"], "paused");
    assert_eq!(status[0]["next_sync"]["reason"], "key invalid");
    let table = vigil.run(&["status", "--connection", "prod"], None);
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("paused: key invalid"),
        "{}",
        text(&table)
    );
    sim.handle.set_key_enabled(keys::GLOBAL_READER.0, true);
    let out = vigil.run(&["verify", "--connection", "prod"], None);
    assert!(out.status.success(), "{}", text(&out));
    let doctor = vigil.json(&["doctor", "--connection", "prod"]);
    assert!(findings(&doctor, "key_invalid").is_empty(), "{doctor}");
}

#[test]
fn the_first_sync_running_then_interrupted_by_ctrl_c_keeps_what_it_stored() {
    let sim = Sim::big();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "big",
        &["--regions", "bj", "--products", "bcc"],
        keys::GLOBAL_READER,
    );
    let log = vigil.dir.path().join("sync.log");
    let mut child = vigil.spawn(&["sync", "--page-size", "2"], &log);
    // While it runs, status shows its progress and doctor says the first sync is running.
    let mut running = Value::Null;
    wait_until(
        "a running sync with progress",
        Duration::from_secs(60),
        || {
            let status = vigil.json(&["status", "--connection", "big"]);
            running = status[0]["running_sync"].clone();
            !running.is_null() && running["planned_tasks"].is_u64()
        },
    );
    assert!(running["finished_tasks"].is_u64(), "{running}");
    let doctor = vigil.json(&["doctor", "--connection", "big"]);
    let found = findings(&doctor, "first_sync_running");
    assert_eq!(found.len(), 1, "{doctor}");
    assert!(found[0]["problem"].as_str().unwrap().contains("tasks done"));
    // Some pages are stored before the interrupt.
    wait_until("some assets stored", Duration::from_secs(60), || {
        count(
            &vigil.db,
            "SELECT count(*) FROM assets WHERE kind = 'baidu_bcc_instance'",
        ) > 0
    });

    signal(&child, "INT");
    let code = wait_exit(&mut child, Duration::from_secs(60));
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("Interrupted"), "{stderr}");
    let runs = vigil.runs("big");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "interrupted", "{runs:?}");
    let stored = count(
        &vigil.db,
        "SELECT count(*) FROM assets WHERE kind = 'baidu_bcc_instance'",
    );
    assert!(stored > 0 && stored < 4000, "{stored}");
    let kept = vigil.json(&["assets", "--kind", "baidu_bcc_instance"]);
    assert_eq!(
        kept.as_array().unwrap().len() as i64,
        stored,
        "interrupted syncs delete nothing"
    );
    let doctor = vigil.json(&["doctor", "--connection", "big"]);
    assert_eq!(findings(&doctor, "no_sync_finished").len(), 1, "{doctor}");
}

// ---------------------------------------------------------------------------------------
// vigil serve.

/// The runs of a connection never overlap in time.
fn assert_never_concurrent(runs: &[Value]) {
    let mut runs: Vec<&Value> = runs.iter().collect();
    runs.sort_by_key(|r| r["id"].as_i64().unwrap());
    for pair in runs.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let finished = a["finished_at"]
            .as_str()
            .unwrap_or_else(|| panic!("run {} has not finished: {a}", a["id"]));
        let started = b["started_at"].as_str().unwrap();
        assert!(
            started >= finished,
            "run {} started at {started} before run {} finished at {finished}",
            b["id"],
            a["id"]
        );
    }
}

#[test]
fn serve_runs_schedules_pauses_on_an_invalid_key_and_resumes_by_itself() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    let (ak, sk) = keys::GLOBAL_READER;
    vigil.connect(
        &sim,
        "prod",
        &[
            "--regions",
            "bj",
            "--products",
            "bcc",
            "--sync-interval",
            "1s",
            "--ak-check-interval",
            "1s",
        ],
        keys::GLOBAL_READER,
    );
    // A second connection, so syncs of different connections overlap.
    vigil.connect(
        &sim,
        "other",
        &[
            "--regions",
            "gz",
            "--products",
            "bcc",
            "--sync-interval",
            "1s",
            "--site",
            "overseas",
        ],
        keys::AUDITOR,
    );
    let log = vigil.dir.path().join("serve.log");
    let mut serve = vigil.spawn(&["serve", "--tick", "200ms"], &log);
    let finished_runs = |name: &str| {
        vigil
            .runs(name)
            .iter()
            .filter(|r| r["status"] != "running")
            .count()
    };
    wait_until(
        "two scheduled syncs of prod",
        Duration::from_secs(60),
        || finished_runs("prod") >= 2,
    );
    wait_until(
        "a scheduled sync of the overseas connection",
        Duration::from_secs(60),
        || finished_runs("other") >= 1,
    );
    assert!(vigil.runs("prod").iter().all(|r| r["site"] == "mainland"));
    assert!(vigil.runs("other").iter().all(|r| r["site"] == "overseas"));

    // The key is disabled in the cloud: the AK check marks it invalid, syncs pause.
    sim.handle.set_key_enabled(ak, false);
    wait_until("the key marked invalid", Duration::from_secs(30), || {
        vigil.show("prod")["key"]["status"] == "invalid"
    });
    let show = vigil.show("prod");
    let reason = show["key"]["reason"].as_str().unwrap();
    assert!(reason.contains("InvalidAccessKeyId"), "{show}");
    // The cloud cannot say "disabled", but Vigil knows the key worked before.
    assert!(
        reason.contains("has been disabled or deleted since"),
        "{show}"
    );
    assert!(show["key"]["since"].is_string());
    assert_eq!(show["next_sync"]["state"], "paused");
    // Let a sync that was already past its verification end, then count.
    std::thread::sleep(Duration::from_millis(1500));
    wait_until("no running sync of prod", Duration::from_secs(30), || {
        vigil.runs("prod").iter().all(|r| r["status"] != "running")
    });
    let paused_at = vigil.runs("prod").len();
    let last_paused_id = vigil.runs("prod")[0]["id"].as_i64().unwrap();
    let log_before = std::fs::read_to_string(&log).unwrap().len();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        vigil.runs("prod").len(),
        paused_at,
        "no sync may start while the key is invalid"
    );
    // Not even attempted (a sync would also fail at its verification without making a run).
    let during = std::fs::read_to_string(&log).unwrap()[log_before..].to_string();
    assert!(
        !during.contains("serve: prod: sync started"),
        "a sync was attempted while the key was invalid:\n{during}"
    );
    assert!(
        during.contains("serve: prod: AK check FAILED"),
        "checks go on: {during}"
    );
    assert_eq!(vigil.show("prod")["key"]["status"], "invalid");
    // The other connection's key still works and keeps syncing.
    let other_before = finished_runs("other");
    wait_until(
        "the other connection keeps syncing",
        Duration::from_secs(30),
        || finished_runs("other") > other_before,
    );

    // The key works again: the next check marks it valid and syncs resume by themselves.
    sim.handle.set_key_enabled(ak, true);
    wait_until("the key valid again", Duration::from_secs(30), || {
        vigil.show("prod")["key"]["status"] == "valid"
    });
    assert!(vigil.show("prod")["key"]["reason"].is_null());
    wait_until("syncs resumed", Duration::from_secs(60), || {
        vigil
            .runs("prod")
            .iter()
            .any(|r| r["id"].as_i64().unwrap() > last_paused_id && r["status"] == "succeeded")
    });

    // Connections changed or added while serve runs are picked up.
    vigil.json(&["connection", "set", "other", "--sync-interval", "off"]);
    vigil.connect(
        &sim,
        "late",
        &[
            "--regions",
            "gz",
            "--products",
            "bcc",
            "--sync-interval",
            "1h",
        ],
        keys::GLOBAL_READER,
    );
    wait_until(
        "the added connection synced",
        Duration::from_secs(60),
        || finished_runs("late") >= 1,
    );
    wait_until("no running sync of other", Duration::from_secs(30), || {
        vigil.runs("other").iter().all(|r| r["status"] != "running")
    });
    let other_runs = vigil.runs("other").len();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        vigil.runs("other").len(),
        other_runs,
        "sync interval off: no more syncs"
    );
    assert_eq!(vigil.runs("late").len(), 1, "sync interval 1h: one sync");

    signal(&serve, "TERM");
    let code = wait_exit(&mut serve, Duration::from_secs(60));
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    for name in ["prod", "other", "late"] {
        let runs = vigil.runs(name);
        assert!(
            runs.iter().all(|r| r["status"] != "running"),
            "a run of {name} was left running: {runs:?}"
        );
        assert_never_concurrent(&runs);
    }
    assert!(stderr.contains("AK check FAILED"), "{stderr}");
    assert!(stderr.contains("valid again"), "{stderr}");
    assert!(stderr.contains("serve: stopped"), "{stderr}");
    assert!(!stderr.contains(sk), "the secret leaked into the log");
    assert!(
        !stderr.contains(keys::AUDITOR.1),
        "the secret leaked into the log"
    );
}

#[test]
fn serve_shutdown_interrupts_a_running_sync_and_exits_zero() {
    let sim = Sim::big();
    let vigil = Vigil::new();
    vigil.connect(
        &sim,
        "big",
        &[
            "--regions",
            "bj",
            "--products",
            "bcc",
            "--sync-interval",
            "1s",
            "--ak-check-interval",
            "off",
        ],
        keys::GLOBAL_READER,
    );
    let log = vigil.dir.path().join("serve.log");
    let mut serve = vigil.spawn(&["serve", "--tick", "100ms", "--page-size", "2"], &log);
    wait_until(
        "the scheduled sync storing pages",
        Duration::from_secs(60),
        || {
            vigil.db.exists()
                && count(
                    &vigil.db,
                    "SELECT count(*) FROM assets WHERE kind = 'baidu_bcc_instance'",
                ) > 0
        },
    );
    // The sync takes longer than its interval: it is due again after 1s, but a connection
    // never has two syncs at once.
    std::thread::sleep(Duration::from_millis(2000));
    let runs = vigil.runs("big");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        runs[0]["status"], "running",
        "the sync should still be running"
    );

    signal(&serve, "TERM");
    let code = wait_exit(&mut serve, Duration::from_secs(60));
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    let runs = vigil.runs("big");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["status"], "interrupted", "{runs:?}\n{stderr}");
    assert!(stderr.contains("sync started"), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let stored = count(
        &vigil.db,
        "SELECT count(*) FROM assets WHERE kind = 'baidu_bcc_instance'",
    );
    assert!(stored > 0, "what the interrupted sync stored is kept");
    assert_eq!(
        count(
            &vigil.db,
            "SELECT count(*) FROM assets WHERE deleted_at IS NOT NULL"
        ),
        0
    );
}

// ---------------------------------------------------------------------------------------
// vigil baidu policy.

#[test]
fn baidu_policy_prints_a_least_privilege_document() {
    let vigil = Vigil::new();
    let out = vigil.run(&["baidu", "policy", "--products", "bcc,rds"], None);
    assert!(out.status.success(), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let services: BTreeSet<&str> = doc["accessControlList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, BTreeSet::from(["bce:bcc", "bce:rds"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("IAM → Policies → Create policy"),
        "{stderr}"
    );
    let json = vigil.json(&["baidu", "policy", "--products", "bcc,rds"]);
    assert_eq!(json, doc);
    let all = vigil.json(&["baidu", "policy", "--all"]);
    assert!(
        all["accessControlList"].as_array().unwrap().len() >= 9,
        "{all}"
    );
    let err = vigil.fails(&["baidu", "policy", "--products", "bcc,ecs"]);
    assert!(
        err.contains("ecs") && err.contains("known products"),
        "{err}"
    );
    assert!(!vigil.db.exists(), "printing a policy creates no store");
}
