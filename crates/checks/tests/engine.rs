//! The engine over a real store: context from a run (assets at that run, coverage from its
//! outcomes, its start time), evaluation, mutelist, stored findings and re-evaluation.

use serde_json::json;
use vigil_checks::engine::{evaluate_run, load_run, EngineConfig};
use vigil_checks::{
    Check, CheckContext, CheckMeta, Coverage, Finding, Mapping, Remediation, Severity, Status,
    Verdict,
};
use vigil_core::Asset;
use vigil_store::{
    Connection, FindingFilter, NewConnection, Outcome, OutcomeStatus, RunStatus, Store,
};

const KIND: &str = "baidu_bcc_security_group";

const fn meta(id: &'static str) -> CheckMeta {
    CheckMeta {
        id,
        provider: "baidu",
        title: "Security group allows SSH from the internet (test)",
        service: "bcc",
        resource_type: "BCE::BCC::SecurityGroup",
        severity: Severity::High,
        description: "Fails when an ingress rule opens 22 to the internet.",
        risk: "Brute force.",
        remediation: Remediation {
            text: "Close it.",
            console: "Console",
            cli: None,
            terraform: None,
            url: "https://cloud.baidu.com/doc/VPC/index.html",
        },
        categories: &["internet-exposed"],
        compliance: &[Mapping {
            framework: "cis_alibaba_2.0",
            requirement: "4.3",
        }],
        reads: &[KIND],
    }
}

static SSH: Check = Check {
    meta: meta("baidu_bcc_test_ssh"),
    evaluate: ssh,
};

fn ssh(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let prefix = ctx.params().u64("broad_cidr_max_prefix");
    ctx.per_asset(&SSH, KIND, |a| {
        let open: Vec<&serde_json::Value> = a.raw["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                vigil_checks::net::is_internet_source(r, prefix)
                    && vigil_checks::net::port_covered(r["portRange"].as_str().unwrap_or(""), 22)
            })
            .collect();
        if open.is_empty() {
            Verdict::pass("no internet SSH", json!({"rules": a.raw["rules"]}))
        } else {
            Verdict::fail("SSH open to the internet", json!({"rules": open}))
        }
    })
}

static PANICS: Check = Check {
    meta: meta("baidu_bcc_test_panics"),
    evaluate: panics,
};

fn panics(_: &CheckContext<'_>) -> Vec<Finding> {
    panic!("boom")
}

static AGE: Check = Check {
    meta: meta("baidu_bcc_test_now"),
    evaluate: age,
};

/// Passes and reports the context's "now" (to check it is the run's start time).
fn age(ctx: &CheckContext<'_>) -> Vec<Finding> {
    vec![ctx.account_finding(
        &AGE,
        Verdict::pass("now", json!({"now": ctx.now().to_rfc3339()})),
    )]
}

fn sg(region: &str, id: &str, source: &str, env: &str) -> Asset {
    Asset::new(
        KIND,
        id,
        Some(format!("sg-{id}")),
        region,
        json!({"id": id, "tags": [{"tagKey": "env", "tagValue": env}],
               "rules": [{"direction": "ingress", "protocol": "tcp", "portRange": "22",
                          "sourceIp": source, "sourceGroupId": ""}]}),
    )
}

fn outcome(region: &str, status: OutcomeStatus) -> Outcome {
    let bad = status != OutcomeStatus::Ok;
    Outcome {
        product: "bcc".into(),
        region: region.into(),
        kind: KIND.into(),
        status,
        asset_count: 0,
        pages: 1,
        detail_errors: 0,
        deleted: 0,
        error_kind: bad.then(|| "server_error".into()),
        error_code: bad.then(|| "InternalError".into()),
        error_message: bad.then(|| "the cloud failed".into()),
        request_id: bad.then(|| "req-9".into()),
        started_at: vigil_store::now(),
        finished_at: Some(vigil_store::now()),
    }
}

fn setup() -> (Store, Connection) {
    let store = Store::open_in_memory().unwrap();
    let c = store
        .upsert_connection(&NewConnection {
            name: "prod".into(),
            provider: "baidu".into(),
            account_id: Some("acct-1".into()),
            access_key_id: "AK".into(),
            regions: vec!["bj".into(), "gz".into()],
            endpoint_override: None,
        })
        .unwrap();
    (store, c)
}

/// One run: assets per region, outcomes per region.
fn run(store: &Store, c: &Connection, assets: &[Asset], outcomes: &[(&str, OutcomeStatus)]) -> i64 {
    let r = store.begin_run(c.id).unwrap();
    if !assets.is_empty() {
        store.write_assets(c, r, "bcc", assets).unwrap();
    }
    for (region, status) in outcomes {
        store.record_outcome(r, &outcome(region, *status)).unwrap();
        if *status == OutcomeStatus::Ok {
            store
                .mark_missing_deleted(c.id, r, "bcc", KIND, region)
                .unwrap();
        }
    }
    store.finish_run(r, RunStatus::Succeeded, None).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3));
    r
}

fn statuses(store: &Store, run: i64) -> Vec<(String, String, String, bool)> {
    store
        .findings(&FindingFilter {
            run_id: Some(run),
            include_muted: true,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .filter(|f| f.check_id == "baidu_bcc_test_ssh")
        .map(|f| (f.region, f.resource_id, f.status, f.muted))
        .collect::<Vec<_>>()
}

#[test]
fn coverage_comes_from_the_runs_outcomes_and_never_yields_pass_or_fail() {
    let (store, c) = setup();
    let r = run(
        &store,
        &c,
        &[
            sg("bj", "a", "0.0.0.0/0", "prod"),
            sg("gz", "b", "0.0.0.0/0", "prod"),
        ],
        &[
            ("bj", OutcomeStatus::Ok),
            ("gz", OutcomeStatus::Failed),
            ("su", OutcomeStatus::NotAuthorized),
            ("hkg", OutcomeStatus::Skipped),
        ],
    );
    let input = load_run(&store, r).unwrap();
    assert_eq!(
        input.coverage[&(KIND.to_string(), "bj".to_string())],
        Coverage::Collected
    );
    match &input.coverage[&(KIND.to_string(), "gz".to_string())] {
        Coverage::Failed { error } => {
            assert!(
                error.contains("InternalError") && error.contains("req-9"),
                "{error}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        input.coverage[&(KIND.to_string(), "su".to_string())],
        Coverage::NotAuthorized { .. }
    ));
    match &input.coverage[&(KIND.to_string(), "hkg".to_string())] {
        Coverage::Failed { error } => assert!(error.starts_with("skipped"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(input.account_id.as_deref(), Some("acct-1"));
    evaluate_run(&store, r, &EngineConfig::defaults(), &[&SSH]).unwrap();
    let mut got = statuses(&store, r);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("bj".into(), "a".into(), "FAIL".into(), false),
            ("gz".into(), "*".into(), "MANUAL".into(), false),
            ("hkg".into(), "*".into(), "MANUAL".into(), false),
            ("su".into(), "*".into(), "MANUAL".into(), false),
        ]
    );
}

#[test]
fn ids_are_deterministic_and_reevaluation_reproduces_the_findings() {
    let (store, c) = setup();
    let assets = [
        sg("bj", "a", "0.0.0.0/0", "prod"),
        sg("bj", "b", "10.0.0.0/8", "prod"),
    ];
    let r1 = run(&store, &c, &assets, &[("bj", OutcomeStatus::Ok)]);
    let first = evaluate_run(&store, r1, &EngineConfig::defaults(), &[&SSH, &AGE]).unwrap();
    let again = evaluate_run(&store, r1, &EngineConfig::defaults(), &[&SSH, &AGE]).unwrap();
    assert_eq!(first.findings, again.findings);
    let a = first
        .findings
        .iter()
        .find(|f| f.finding.resource_id == "a")
        .unwrap();
    assert_eq!(
        a.id,
        vigil_checks::finding_id("prod", "baidu_bcc_test_ssh", KIND, "bj", "a")
    );
    // "now" is the run's start
    let now = first
        .findings
        .iter()
        .find(|f| f.finding.check_id == "baidu_bcc_test_now")
        .unwrap();
    let started = store.run(r1).unwrap().unwrap().started_at;
    let t = chrono::DateTime::parse_from_rfc3339(now.finding.evidence["now"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        vigil_store::format_timestamp(t.with_timezone(&chrono::Utc)),
        started
    );
    // the same id in a later run
    let r2 = run(&store, &c, &assets, &[("bj", OutcomeStatus::Ok)]);
    let second = evaluate_run(&store, r2, &EngineConfig::defaults(), &[&SSH]).unwrap();
    let a2 = second
        .findings
        .iter()
        .find(|f| f.finding.resource_id == "a")
        .unwrap();
    assert_eq!(a2.id, a.id);
}

#[test]
fn a_past_run_is_evaluated_on_its_own_asset_versions() {
    let (store, c) = setup();
    let r1 = run(
        &store,
        &c,
        &[sg("bj", "a", "0.0.0.0/0", "prod")],
        &[("bj", OutcomeStatus::Ok)],
    );
    let r2 = run(
        &store,
        &c,
        &[sg("bj", "a", "10.0.0.0/8", "prod")],
        &[("bj", OutcomeStatus::Ok)],
    );
    evaluate_run(&store, r1, &EngineConfig::defaults(), &[&SSH]).unwrap();
    evaluate_run(&store, r2, &EngineConfig::defaults(), &[&SSH]).unwrap();
    let before = store
        .findings(&FindingFilter {
            run_id: Some(r1),
            ..Default::default()
        })
        .unwrap();
    // re-evaluate run 1 after run 2 changed the asset: still FAIL, same first_seen
    evaluate_run(&store, r1, &EngineConfig::defaults(), &[&SSH]).unwrap();
    let after = store
        .findings(&FindingFilter {
            run_id: Some(r1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(after[0].status, "FAIL");
    let latest = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(latest[0].status, "PASS");
    assert_eq!(
        latest[0].resolved_at,
        Some(store.run(r2).unwrap().unwrap().started_at)
    );
    assert_eq!(latest[0].first_seen, after[0].first_seen);
}

#[test]
fn muted_findings_are_kept_and_marked() {
    let (store, c) = setup();
    let r = run(
        &store,
        &c,
        &[
            sg("bj", "a", "0.0.0.0/0", "dev"),
            sg("bj", "b", "0.0.0.0/0", "prod"),
        ],
        &[("bj", OutcomeStatus::Ok)],
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mute.yaml"),
        "Mutelist:\n  Accounts:\n    \"acct-1\":\n      Checks:\n        \"baidu_bcc_*\":\n          Regions: [\"*\"]\n          Resources: [\"*\"]\n          Tags: [\"env=dev\"]\n          Reason: \"dev sandbox\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("checks.toml"),
        "mutelist = \"mute.yaml\"\n[params]\nmax_access_key_age_days = 30\n",
    )
    .unwrap();
    let config = EngineConfig::load(&dir.path().join("checks.toml")).unwrap();
    assert_eq!(config.params.u64("max_access_key_age_days"), 30);
    assert_eq!(config.mutelist.len(), 1);
    let result = evaluate_run(&store, r, &config, &[&SSH]).unwrap();
    assert_eq!(result.evaluation.muted, 1);
    assert_eq!(
        result.evaluation.config["params"]["max_access_key_age_days"],
        30
    );
    assert_eq!(result.evaluation.config["mutelist"]["entries"], 1);
    let mut got = statuses(&store, r);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("bj".into(), "a".into(), "FAIL".into(), true),
            ("bj".into(), "b".into(), "FAIL".into(), false),
        ]
    );
    let hidden = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(hidden.len(), 1);
    let all = store
        .findings(&FindingFilter {
            include_muted: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        all.iter().find(|f| f.muted).unwrap().mute_reason.as_deref(),
        Some("dev sandbox")
    );
}

#[test]
fn a_panicking_check_becomes_a_manual_finding() {
    let (store, c) = setup();
    let r = run(
        &store,
        &c,
        &[sg("bj", "a", "0.0.0.0/0", "prod")],
        &[("bj", OutcomeStatus::Ok)],
    );
    let result = evaluate_run(&store, r, &EngineConfig::defaults(), &[&PANICS, &SSH]).unwrap();
    let p = result
        .findings
        .iter()
        .find(|f| f.finding.check_id == "baidu_bcc_test_panics")
        .unwrap();
    assert_eq!(p.finding.status, Status::Manual);
    assert!(p.finding.message.contains("boom"), "{}", p.finding.message);
    assert!(result
        .findings
        .iter()
        .any(|f| f.finding.status == Status::Fail));
}

#[test]
fn configs_reject_unknown_keys() {
    let e =
        EngineConfig::from_toml_str("[params]\nmax_acess_key_age_days = 3\n", None).unwrap_err();
    assert!(e.message().contains("unknown check parameter"), "{e}");
    let e = EngineConfig::from_toml_str("paramz = 1\n", None).unwrap_err();
    assert!(e.message().contains("unknown key"), "{e}");
    let e = EngineConfig::from_toml_str("mutelist = \"/no/such/file.yaml\"\n", None).unwrap_err();
    assert!(e.message().contains("/no/such/file.yaml"), "{e}");
    let c = EngineConfig::from_toml_str("", None).unwrap();
    assert_eq!(c.params.u64("max_access_key_age_days"), 90);
}
