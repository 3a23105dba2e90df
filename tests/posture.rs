//! End-to-end posture: the real `vigil` binary syncs the in-process simulator's default world
//! (with its planted misconfigurations), evaluates the checks, and the failing findings are
//! exactly the reviewed golden set; findings keep ids and first_seen across syncs, resolve
//! when the simulator fixes a misconfiguration, and `vigil check --sync 1` reproduces run 1.
//!
//! Regenerate the golden file (then review the diff!) with
//! `VIGIL_UPDATE_GOLDEN=1 cargo test -p vigil --test posture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use vigil_baidu_sim::{keys, SimHandle, Simulator, World};

struct Sim {
    _runtime: tokio::runtime::Runtime,
    handle: SimHandle,
}

impl Sim {
    fn start() -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = runtime
            .block_on(Simulator::start(
                World::default_world(),
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        Sim {
            _runtime: runtime,
            handle,
        }
    }
}

struct Vigil {
    dir: tempfile::TempDir,
    db: PathBuf,
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Vigil {
    fn new() -> Vigil {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigil.db");
        Vigil { dir, db }
    }

    fn run(&self, args: &[&str], key: Option<(&str, &str)>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigil"));
        cmd.arg("--db").arg(&self.db).args(args);
        cmd.env_remove("BAIDUCLOUD_ACCESS_KEY")
            .env_remove("BAIDUCLOUD_SECRET_KEY")
            .env_remove("VIGIL_DB")
            .env_remove("VIGIL_OVERSEAS_DB")
            .env_remove("VIGIL_CONFIG")
            .env_remove("VIGIL_CHECKS_CONFIG")
            .env_remove("RUST_LOG");
        if let Some((ak, sk)) = key {
            cmd.env("BAIDUCLOUD_ACCESS_KEY", ak)
                .env("BAIDUCLOUD_SECRET_KEY", sk);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut full = vec!["--output", "json"];
        full.extend_from_slice(args);
        let stdout = self.ok(&full);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    fn connect(&self, sim: &Sim) {
        let addr = sim.handle.addr().to_string();
        let out = self.run(
            &[
                "connect",
                "baidu",
                "--name",
                "prod",
                "--regions",
                "all",
                "--endpoint-override",
                &addr,
            ],
            Some(keys::GLOBAL_READER),
        );
        assert!(out.status.success(), "{}", text(&out));
    }

    fn sync(&self) -> String {
        self.ok(&["sync", "--no-progress"])
    }

    /// Unmuted FAIL findings of the latest evaluated run (or of `--sync RUN`).
    fn failing(&self, run: Option<i64>) -> Vec<Value> {
        let run = run.map(|r| r.to_string());
        let mut args = vec!["findings", "--status", "FAIL"];
        if let Some(r) = &run {
            args.extend(["--sync", r.as_str()]);
        }
        self.json(&args).as_array().unwrap().clone()
    }
}

/// (check_id, resource_id, resource name) of failing findings, sorted.
fn triples(findings: &[Value]) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap().to_string(),
                f["resource_name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/default_world_failures.json")
}

#[test]
fn the_default_world_fails_exactly_the_reviewed_golden_findings() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(&sim);
    let stdout = vigil.sync();
    assert!(stdout.contains("Checks of prod (sync 1)"), "{stdout}");
    assert!(stdout.contains("failing ("), "{stdout}");

    let failing = vigil.failing(None);
    let got = triples(&failing);
    let entries: Vec<Value> = got
        .iter()
        .map(|(c, r, n)| serde_json::json!([c, r, n]))
        .collect();
    let path = golden_path();
    if std::env::var_os("VIGIL_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&entries).unwrap() + "\n",
        )
        .unwrap();
    }
    let golden: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let want: BTreeSet<(String, String, String)> = golden
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_str().unwrap().to_string(),
                e[2].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "failing findings differ from tests/golden/default_world_failures.json\nmissing: {missing:#?}\nunexpected: {extra:#?}"
    );

    // Planted misconfigurations a reviewer expects, by name (a sanity net under the golden).
    let named: BTreeSet<(String, String)> =
        got.iter().map(|(c, _, n)| (c.clone(), n.clone())).collect();
    for (check, name) in [
        ("baidu_bcc_securitygroup_internet_ssh_22", "web-sg"),
        ("baidu_bcc_securitygroup_internet_ssh_22", "bastion-sg"),
        (
            "baidu_bcc_securitygroup_internet_rdp_3389",
            "windows-rdp-sg",
        ),
        ("baidu_bcc_securitygroup_internet_all_ports", "k8s-nodes-sg"),
        ("baidu_bcc_instance_public_admin_exposure", "web-prod-01"),
        ("baidu_iam_user_console_without_mfa", "alice"),
    ] {
        assert!(
            named.contains(&(check.to_string(), name.to_string())),
            "{check} on {name} not failing"
        );
    }
    let checks: BTreeSet<&str> = got.iter().map(|(c, _, _)| c.as_str()).collect();
    for check in [
        "baidu_bos_bucket_public_read",
        "baidu_rds_whitelist_allows_any",
        "baidu_scs_whitelist_allows_any",
        "baidu_mongodb_whitelist_allows_any",
    ] {
        assert!(
            checks.contains(check),
            "{check} never fails in the default world"
        );
    }
    // Nothing FAILs on a region-level "not collected" placeholder.
    assert!(failing.iter().all(|f| f["resource_id"] != "*"));
    // Every failing finding names its evidence and a 32-hex id.
    for f in &failing {
        assert_eq!(f["finding_id"].as_str().unwrap().len(), 32);
        assert!(!f["evidence"].is_null(), "{f}");
        assert_eq!(f["first_seen"], f["run_started_at"]);
    }
}

#[test]
fn findings_keep_ids_resolve_when_fixed_and_past_syncs_re_evaluate_identically() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(&sim);
    vigil.sync();
    let run1 = vigil.failing(None);
    let ids1: BTreeMap<String, Value> = run1
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap().to_string(),
                f["first_seen"].clone(),
            )
        })
        .collect();
    let all1 = vigil.json(&["findings", "--sync", "1", "--include-muted"]);

    // Second sync, nothing changed: same ids, same first_seen (run 1's start).
    vigil.sync();
    let run2 = vigil.failing(None);
    assert!(run2.iter().all(|f| f["run_id"] == 2));
    let ids2: BTreeMap<String, Value> = run2
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap().to_string(),
                f["first_seen"].clone(),
            )
        })
        .collect();
    assert_eq!(ids1, ids2);

    // `vigil check --sync 1` after the second sync reproduces run 1's findings exactly.
    let out = vigil.ok(&["check", "--sync", "1"]);
    assert!(out.contains("sync 1"), "{out}");
    assert_eq!(
        vigil.json(&["findings", "--sync", "1", "--include-muted"]),
        all1
    );

    // Fix web-sg's SSH rule in the simulator: the finding resolves in sync 3.
    let web_sg = run1
        .iter()
        .find(|f| {
            f["check_id"] == "baidu_bcc_securitygroup_internet_ssh_22"
                && f["resource_name"] == "web-sg"
        })
        .unwrap()
        .clone();
    let sg_id = web_sg["resource_id"].as_str().unwrap().to_string();
    let fixed = sim.handle.update_world(|world| {
        let mut fixed = 0;
        for (_, collections) in world.accounts[0].resources.iter_mut() {
            for sg in collections
                .get_mut("bcc_security_groups")
                .into_iter()
                .flatten()
            {
                if sg["id"] == sg_id.as_str() {
                    for rule in sg["rules"].as_array_mut().unwrap() {
                        if rule["direction"] == "ingress" && rule["portRange"] == "22" {
                            rule["sourceIp"] = "10.0.0.0/8".into();
                            fixed += 1;
                        }
                    }
                }
            }
        }
        fixed
    });
    assert!(fixed > 0, "web-sg has no SSH rule to fix");
    vigil.sync();
    let history = vigil.json(&[
        "findings",
        "--check",
        "baidu_bcc_securitygroup_internet_ssh_22",
        "--sync",
        "3",
    ]);
    let now = history
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource_id"] == sg_id.as_str())
        .expect("web-sg still evaluated in sync 3");
    assert_eq!(now["status"], "PASS", "{now}");
    assert_eq!(now["finding_id"], web_sg["finding_id"]);
    assert_eq!(now["first_seen"], web_sg["first_seen"]);
    let run3_start = now["run_started_at"].clone();
    assert_eq!(now["resolved_at"], run3_start);
    assert_eq!(now["resolved_run_id"], 3);
    // Everything else still fails, with its first_seen kept.
    let run3: BTreeMap<String, Value> = vigil
        .failing(None)
        .iter()
        .map(|f| {
            (
                f["finding_id"].as_str().unwrap().to_string(),
                f["first_seen"].clone(),
            )
        })
        .collect();
    let mut expected = ids1.clone();
    expected.remove(web_sg["finding_id"].as_str().unwrap());
    // web-sg's instances lose the SSH exposure too unless another group still opens it; only
    // compare the findings present in both.
    for (id, first) in &run3 {
        if let Some(f) = expected.get(id) {
            assert_eq!(first, f, "first_seen moved for {id}");
        }
    }
    assert!(!run3.contains_key(web_sg["finding_id"].as_str().unwrap()));
}

#[test]
fn outputs_gates_compliance_and_mutes_through_the_cli() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(&sim);
    vigil.sync();

    // CSV: Prowler's header, ';'-separated.
    let csv = vigil.ok(&["--output", "csv", "findings", "--status", "FAIL"]);
    assert!(
        csv.starts_with("AUTH_METHOD;TIMESTAMP;ACCOUNT_UID;ACCOUNT_NAME;"),
        "{csv}"
    );
    assert!(csv.contains(";CHECK_ID;CHECK_TITLE;CHECK_TYPE;STATUS;STATUS_EXTENDED;MUTED;"));
    assert!(csv.lines().count() > 10);
    // OCSF
    let ocsf: Value = serde_json::from_str(&vigil.ok(&["--output", "ocsf", "findings"])).unwrap();
    let first = &ocsf.as_array().unwrap()[0];
    assert_eq!(first["class_uid"], 2004);
    assert_eq!(first["type_uid"], 200401);
    assert_eq!(first["metadata"]["product"]["name"], "Vigil");
    assert_eq!(first["cloud"]["provider"], "baidu");
    // SARIF: one result per unmuted FAIL.
    let sarif: Value = serde_json::from_str(&vigil.ok(&["--output", "sarif", "findings"])).unwrap();
    let failing = vigil.failing(None).len();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        failing
    );
    assert!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            >= 59
    );
    // HTML to a file
    let report = vigil.dir.path().join("report.html");
    vigil.ok(&[
        "--output",
        "html",
        "findings",
        "--out",
        report.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("By severity") && !html.contains("<script"));
    // A format for findings only.
    let out = vigil.run(&["--output", "csv", "runs"], None);
    assert!(!out.status.success());

    // --fail-on: exit 3 on a critical FAIL; 0 when the filter selects none.
    let out = vigil.run(&["findings", "--fail-on", "critical"], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let out = vigil.run(
        &["findings", "--severity", "low", "--fail-on", "critical"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Compliance
    let cis = vigil.json(&["compliance", "--framework", "cis_alibaba_2.0"]);
    let req = |id: &str| {
        cis["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(req("4.3")["status"], "fail");
    assert_eq!(req("5.1")["status"], "fail");
    assert_eq!(req("1.3")["status"], "not_covered");
    let mlps = vigil.json(&["compliance", "--framework", "mlps_2.0_l3"]);
    assert!(mlps["framework"]["interpretation"]
        .as_str()
        .unwrap()
        .contains("interpretation"));
    let table = vigil.ok(&["compliance", "--framework", "mlps_2.0_l3"]);
    assert!(table.contains("8.1.4.1-d"), "{table}");
    assert!(!vigil
        .run(&["compliance", "--framework", "nope"], None)
        .status
        .success());

    // Mutelist: public-read buckets muted, kept and marked.
    let mute = vigil.dir.path().join("mute.yaml");
    std::fs::write(
        &mute,
        "Mutelist:\n  Accounts:\n    \"*\":\n      Checks:\n        \"baidu_bos_bucket_public_read\":\n          Regions: [\"*\"]\n          Resources: [\"*\"]\n          Reason: \"reviewed public buckets\"\n",
    )
    .unwrap();
    vigil.ok(&["check", "--mutelist", mute.to_str().unwrap()]);
    let visible = vigil.json(&[
        "findings",
        "--check",
        "baidu_bos_bucket_public_read",
        "--status",
        "FAIL",
    ]);
    assert!(visible.as_array().unwrap().is_empty(), "{visible}");
    let muted = vigil.json(&[
        "findings",
        "--check",
        "baidu_bos_bucket_public_read",
        "--status",
        "FAIL",
        "--include-muted",
    ]);
    let muted = muted.as_array().unwrap();
    assert!(!muted.is_empty());
    assert!(muted
        .iter()
        .all(|f| f["muted"] == true && f["mute_reason"] == "reviewed public buckets"));
    let all_public_read = vigil
        .json(&[
            "findings",
            "--check",
            "baidu_bos_bucket_public_read",
            "--include-muted",
        ])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        vigil.json(&["compliance", "--framework", "cis_alibaba_2.0"])["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "5.1")
            .unwrap()["muted"]
            .as_u64()
            .unwrap(),
        all_public_read as u64
    );
}

#[test]
fn sync_without_checks_stores_no_findings() {
    let sim = Sim::start();
    let vigil = Vigil::new();
    vigil.connect(&sim);
    let out = vigil.ok(&["sync", "--no-progress", "--no-checks"]);
    assert!(!out.contains("Checks of prod"), "{out}");
    assert!(vigil.json(&["findings"]).as_array().unwrap().is_empty());
    // evaluating afterwards works offline
    let out = vigil.json(&["check"]);
    assert_eq!(out[0]["posture"]["run_id"], 1);
    assert!(!vigil.json(&["findings"]).as_array().unwrap().is_empty());
}
