//! Findings (schema v4): writing an evaluation, re-evaluation, the lifecycle (`first_seen`,
//! `resolved_at`), queries, and the assets of a past run.

use serde_json::json;
use vigil_core::Asset;
use vigil_store::{
    Connection, FindingFilter, NewConnection, NewEvaluation, NewFinding, RunStatus, Store,
};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    (dir, store)
}

fn connection(store: &Store, name: &str) -> Connection {
    store
        .upsert_connection(&NewConnection {
            name: name.into(),
            provider: "baidu".into(),
            account_id: Some("acct-1".into()),
            access_key_id: format!("AK{name}"),
            regions: vec!["bj".into()],
            endpoint_override: None,
        })
        .unwrap()
}

fn sg(id: &str, source: &str) -> Asset {
    Asset::new(
        "baidu_bcc_security_group",
        id,
        Some(format!("sg-{id}")),
        "bj",
        json!({"id": id, "rules": [{"direction": "ingress", "portRange": "22", "sourceIp": source}]}),
    )
}

/// A run that stores `assets` (and marks the missing ones deleted).
fn run(store: &Store, c: &Connection, assets: &[Asset]) -> i64 {
    let r = store.begin_run(c.id).unwrap();
    if !assets.is_empty() {
        store.write_assets(c, r, "bcc", assets).unwrap();
    }
    store
        .mark_missing_deleted(c.id, r, "bcc", "baidu_bcc_security_group", "bj")
        .unwrap();
    store.finish_run(r, RunStatus::Succeeded, None).unwrap();
    // distinct start times
    std::thread::sleep(std::time::Duration::from_millis(3));
    r
}

fn fid(resource: &str) -> String {
    format!(
        "{:0>32}",
        resource.replace(|c: char| !c.is_ascii_hexdigit(), "0")
    )
}

fn finding(resource: &str, status: &str) -> NewFinding {
    NewFinding {
        finding_id: fid(resource),
        check_id: "baidu_bcc_securitygroup_internet_ssh_22".into(),
        status: status.into(),
        severity: "high".into(),
        service: "bcc".into(),
        resource_kind: "baidu_bcc_security_group".into(),
        resource_id: resource.into(),
        resource_name: Some(format!("sg-{resource}")),
        region: "bj".into(),
        message: format!("{resource} is {status}"),
        evidence: json!({"sourceIp": "0.0.0.0/0"}),
        related: json!([{"kind": "baidu_bcc_instance", "region": "bj", "resource_id": "i-1"}]),
        muted: false,
        mute_reason: None,
    }
}

fn eval() -> NewEvaluation {
    NewEvaluation {
        engine_version: "test".into(),
        checks: 1,
        config: json!({"params": {}}),
    }
}

fn started(store: &Store, run: i64) -> String {
    store.run(run).unwrap().unwrap().started_at
}

fn one(store: &Store, run: i64, resource: &str) -> vigil_store::StoredFinding {
    let mut v = store
        .findings(&FindingFilter {
            run_id: Some(run),
            finding_id: Some(fid(resource)),
            include_muted: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(v.len(), 1, "{v:?}");
    v.remove(0)
}

#[test]
fn lifecycle_first_seen_resolved_and_failing_again() {
    let (_d, store) = store();
    let c = connection(&store, "prod");
    let a = [sg("a1", "0.0.0.0/0")];
    let r1 = run(&store, &c, &a);
    let r2 = run(&store, &c, &a);
    let r3 = run(&store, &c, &a);
    let r4 = run(&store, &c, &a);
    let r5 = run(&store, &c, &a);
    let r6 = run(&store, &c, &a);
    store
        .write_findings(r1, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    store
        .write_findings(r2, &eval(), &[finding("a1", "MANUAL")])
        .unwrap();
    store
        .write_findings(r3, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    store
        .write_findings(r4, &eval(), &[finding("a1", "PASS")])
        .unwrap();
    store
        .write_findings(r5, &eval(), &[finding("a1", "PASS")])
        .unwrap();
    store
        .write_findings(r6, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    let t1 = started(&store, r1);
    let t4 = started(&store, r4);
    let f = one(&store, r1, "a1");
    assert_eq!(f.first_seen.as_deref(), Some(t1.as_str()));
    assert_eq!(f.resolved_at, None);
    // MANUAL keeps the failure open
    let f = one(&store, r2, "a1");
    assert_eq!(
        (f.first_seen.as_deref(), f.resolved_at.as_deref()),
        (Some(t1.as_str()), None)
    );
    let f = one(&store, r3, "a1");
    assert_eq!(
        (f.first_seen.as_deref(), f.resolved_at.as_deref()),
        (Some(t1.as_str()), None)
    );
    // resolved on the first PASS, kept on the next
    for r in [r4, r5] {
        let f = one(&store, r, "a1");
        assert_eq!(f.first_seen.as_deref(), Some(t1.as_str()));
        assert_eq!(f.resolved_at.as_deref(), Some(t4.as_str()));
        assert_eq!(f.resolved_run_id, Some(r4));
    }
    // failing again: resolved cleared, first_seen kept
    let f = one(&store, r6, "a1");
    assert_eq!(
        (f.first_seen.as_deref(), f.resolved_at.as_deref()),
        (Some(t1.as_str()), None)
    );
    // a finding that never failed has neither
    let (_d2, s2) = store_with_pass();
    let f = s2.findings(&FindingFilter::default()).unwrap();
    assert_eq!(
        (f[0].first_seen.clone(), f[0].resolved_at.clone()),
        (None, None)
    );
}

fn store_with_pass() -> (tempfile::TempDir, Store) {
    let (d, store) = store();
    let c = connection(&store, "prod");
    let r = run(&store, &c, &[sg("b1", "10.0.0.0/8")]);
    store
        .write_findings(r, &eval(), &[finding("b1", "PASS")])
        .unwrap();
    (d, store)
}

#[test]
fn a_gone_resource_resolves_its_last_failure() {
    let (_d, store) = store();
    let c = connection(&store, "prod");
    let r1 = run(&store, &c, &[sg("a1", "0.0.0.0/0"), sg("b2", "0.0.0.0/0")]);
    store
        .write_findings(r1, &eval(), &[finding("a1", "FAIL"), finding("b2", "FAIL")])
        .unwrap();
    // a1 is deleted in the cloud; b2 is still there but its finding is missing (e.g. its
    // region was not collected): only a1 is resolved.
    let r2 = run(&store, &c, &[sg("b2", "0.0.0.0/0")]);
    store.write_findings(r2, &eval(), &[]).unwrap();
    let t2 = started(&store, r2);
    let a = one(&store, r1, "a1");
    assert_eq!(a.status, "FAIL");
    assert_eq!(a.resolved_at.as_deref(), Some(t2.as_str()));
    assert_eq!(a.resolved_run_id, Some(r2));
    assert_eq!(one(&store, r1, "b2").resolved_at, None);
    // re-evaluating r2 with a1 failing there undoes the resolution ...
    store
        .write_findings(r2, &eval(), &[finding("a1", "FAIL"), finding("b2", "FAIL")])
        .unwrap();
    assert_eq!(one(&store, r1, "a1").resolved_at, None);
    let t1 = started(&store, r1);
    assert_eq!(
        one(&store, r2, "a1").first_seen.as_deref(),
        Some(t1.as_str())
    );
    assert_eq!(
        one(&store, r2, "b2").first_seen.as_deref(),
        Some(t1.as_str())
    );
    // ... and re-evaluating it without a1 resolves it again
    store
        .write_findings(r2, &eval(), &[finding("b2", "FAIL")])
        .unwrap();
    assert_eq!(
        one(&store, r1, "a1").resolved_at.as_deref(),
        Some(t2.as_str())
    );
}

#[test]
fn re_evaluating_replaces_and_recomputes_later_runs() {
    let (_d, store) = store();
    let c = connection(&store, "prod");
    let a = [sg("a1", "0.0.0.0/0")];
    let r1 = run(&store, &c, &a);
    let r2 = run(&store, &c, &a);
    store
        .write_findings(r1, &eval(), &[finding("a1", "PASS")])
        .unwrap();
    store
        .write_findings(r2, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    assert_eq!(
        one(&store, r2, "a1").first_seen.as_deref(),
        Some(started(&store, r2).as_str())
    );
    // r1 re-evaluated (say, with stricter parameters): now it failed first
    let e = store
        .write_findings(r1, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    assert_eq!((e.findings, e.failed, e.checks), (1, 1, 1));
    assert_eq!(
        one(&store, r2, "a1").first_seen.as_deref(),
        Some(started(&store, r1).as_str())
    );
    // the same run twice: replaced, not duplicated
    store
        .write_findings(r1, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    let all = store
        .findings(&FindingFilter {
            all_runs: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(store.evaluations(Some(c.id), 10).unwrap().len(), 2);
}

#[test]
fn queries_default_to_each_connections_latest_evaluated_run() {
    let (_d, store) = store();
    let prod = connection(&store, "prod");
    let dev = connection(&store, "dev");
    let p1 = run(&store, &prod, &[sg("a1", "0.0.0.0/0")]);
    let p2 = run(&store, &prod, &[sg("a1", "0.0.0.0/0")]);
    let _p3 = run(&store, &prod, &[sg("a1", "0.0.0.0/0")]); // not evaluated
    let d1 = run(&store, &dev, &[sg("c3", "0.0.0.0/0")]);
    store
        .write_findings(p1, &eval(), &[finding("a1", "FAIL")])
        .unwrap();
    let mut muted = finding("b2", "FAIL");
    muted.muted = true;
    muted.mute_reason = Some("accepted".into());
    let mut low = finding("d4", "PASS");
    low.severity = "low".into();
    low.region = "gz".into();
    low.service = "vpc".into();
    low.check_id = "baidu_vpc_acl_internet_admin_ports".into();
    store
        .write_findings(p2, &eval(), &[finding("a1", "FAIL"), muted, low])
        .unwrap();
    store
        .write_findings(d1, &eval(), &[finding("c3", "MANUAL")])
        .unwrap();

    let latest = store.findings(&FindingFilter::default()).unwrap();
    let runs: Vec<(String, i64)> = latest
        .iter()
        .map(|f| (f.connection.clone(), f.run_id))
        .collect();
    assert_eq!(
        runs,
        vec![("dev".into(), d1), ("prod".into(), p2), ("prod".into(), p2)]
    );
    let with_muted = store
        .findings(&FindingFilter {
            include_muted: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(with_muted.len(), 4);
    let m = with_muted.iter().find(|f| f.muted).unwrap();
    assert_eq!(m.mute_reason.as_deref(), Some("accepted"));
    let q = |f: FindingFilter| {
        store
            .findings(&f)
            .unwrap()
            .into_iter()
            .map(|f| f.resource_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(FindingFilter {
            severities: vec!["low".into()],
            ..Default::default()
        }),
        ["d4"]
    );
    assert_eq!(
        q(FindingFilter {
            statuses: vec!["MANUAL".into()],
            ..Default::default()
        }),
        ["c3"]
    );
    assert_eq!(
        q(FindingFilter {
            service: Some("vpc".into()),
            ..Default::default()
        }),
        ["d4"]
    );
    assert_eq!(
        q(FindingFilter {
            region: Some("gz".into()),
            ..Default::default()
        }),
        ["d4"]
    );
    assert_eq!(
        q(FindingFilter {
            check_id: Some("baidu_vpc_acl_internet_admin_ports".into()),
            ..Default::default()
        }),
        ["d4"]
    );
    assert_eq!(
        q(FindingFilter {
            connection: Some("dev".into()),
            ..Default::default()
        }),
        ["c3"]
    );
    assert_eq!(
        q(FindingFilter {
            run_id: Some(p1),
            ..Default::default()
        }),
        ["a1"]
    );
    let f = &store
        .findings(&FindingFilter {
            run_id: Some(p1),
            ..Default::default()
        })
        .unwrap()[0];
    assert_eq!(f.related[0]["resource_id"], "i-1");
    assert_eq!(f.evidence["sourceIp"], "0.0.0.0/0");
    assert_eq!(f.account_id.as_deref(), Some("acct-1"));

    // deleting a connection deletes its findings and evaluations
    assert!(store.delete_connection("prod").unwrap());
    assert_eq!(
        q(FindingFilter {
            all_runs: true,
            include_muted: true,
            ..Default::default()
        }),
        ["c3"]
    );
    assert_eq!(store.evaluations(None, 10).unwrap().len(), 1);
}

#[test]
fn invalid_findings_are_rejected_and_nothing_is_written() {
    let (_d, store) = store();
    let c = connection(&store, "prod");
    let r = run(&store, &c, &[]);
    let e = store
        .write_findings(r, &eval(), &[finding("a1", "FAIL"), finding("a1", "PASS")])
        .unwrap_err();
    assert!(e.message().contains("appears twice"), "{e}");
    let e = store
        .write_findings(r, &eval(), &[finding("a1", "BROKEN")])
        .unwrap_err();
    assert!(e.message().contains("unknown status"), "{e}");
    let mut bad = finding("a1", "FAIL");
    bad.severity = "urgent".into();
    assert!(store.write_findings(r, &eval(), &[bad]).is_err());
    assert!(store.write_findings(9999, &eval(), &[]).is_err());
    assert!(store.evaluation(r).unwrap().is_none());
}

#[test]
fn assets_at_a_past_run_use_the_version_of_that_run() {
    let (_d, store) = store();
    let c = connection(&store, "prod");
    let r1 = run(
        &store,
        &c,
        &[sg("a1", "10.0.0.0/8"), sg("gone", "0.0.0.0/0")],
    );
    let r2 = run(
        &store,
        &c,
        &[sg("a1", "0.0.0.0/0"), sg("new", "1.1.1.1/32")],
    );
    let r3 = run(
        &store,
        &c,
        &[sg("a1", "0.0.0.0/0"), sg("new", "1.1.1.1/32")],
    );
    let ids = |r| {
        store
            .assets_at_run(r)
            .unwrap()
            .into_iter()
            .map(|a| {
                (
                    a.resource_id,
                    a.raw["rules"][0]["sourceIp"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(r1),
        [
            ("a1".to_string(), "10.0.0.0/8".to_string()),
            ("gone".into(), "0.0.0.0/0".into())
        ]
    );
    assert_eq!(
        ids(r2),
        [
            ("a1".to_string(), "0.0.0.0/0".to_string()),
            ("new".into(), "1.1.1.1/32".into())
        ]
    );
    assert_eq!(ids(r3), ids(r2));
    assert!(store.assets_at_run(12345).is_err());
}
