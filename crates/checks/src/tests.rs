//! Engine unit tests: the test builder, coverage → MANUAL, ids, verdict helpers.

use chrono::TimeZone;
use serde_json::json;

use crate::*;

static DUMMY: Check = Check {
    meta: CheckMeta {
        id: "baidu_test_dummy",
        provider: "baidu",
        title: "Dummy test check",
        service: "test",
        resource_type: "BCE::Test::Thing",
        severity: Severity::High,
        description: "Fails when open = true.",
        risk: "None, it is a test.",
        remediation: Remediation {
            text: "Close it.",
            console: "Console > Thing > Close",
            cli: None,
            terraform: None,
            url: "https://example.invalid/docs",
        },
        categories: &["test"],
        compliance: &[],
        reads: &["baidu_test_thing"],
    },
    evaluate: dummy_eval,
};

fn dummy_eval(ctx: &CheckContext<'_>) -> Vec<Finding> {
    ctx.per_asset(&DUMMY, "baidu_test_thing", |a| {
        if a.raw.get("open").and_then(|v| v.as_bool()) == Some(true) {
            Verdict::fail("open", json!({"open": true}))
        } else {
            Verdict::pass("closed", json!({"open": false}))
        }
    })
}

fn thing(region: &str, id: &str, open: bool) -> AssetView {
    AssetView::new(
        "baidu_test_thing",
        region,
        id,
        json!({"open": open, "nested": {"x": "y"}}),
    )
    .with_name(format!("name-{id}"))
}

#[test]
fn per_asset_pass_and_fail() {
    let ctx = CheckContext::for_test(vec![thing("bj", "a", true), thing("bj", "b", false)]).build();
    let f = (DUMMY.evaluate)(&ctx);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].status, Status::Fail);
    assert_eq!(f[0].resource_id, "a");
    assert_eq!(f[0].resource_name.as_deref(), Some("name-a"));
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence, json!({"open": true}));
    assert_eq!(f[1].status, Status::Pass);
}

#[test]
fn uncovered_regions_are_manual_never_pass_or_fail() {
    for cov in [
        Coverage::NotAuthorized {
            policy: Some("RdsReadOnlyAccess".into()),
        },
        Coverage::Failed {
            error: "500 InternalError".into(),
        },
        Coverage::NotCollected,
    ] {
        let ctx = CheckContext::for_test(vec![thing("bj", "a", true), thing("gz", "b", true)])
            .coverage("baidu_test_thing", "gz", cov.clone())
            .coverage("baidu_test_thing", "su", cov.clone())
            .build();
        let f = (DUMMY.evaluate)(&ctx);
        // bj: FAIL for a; gz and su: one MANUAL each, b not evaluated
        assert_eq!(f.len(), 3, "{f:#?}");
        let gz: Vec<_> = f.iter().filter(|x| x.region == "gz").collect();
        assert_eq!(gz.len(), 1);
        assert_eq!(gz[0].status, Status::Manual);
        assert_eq!(gz[0].resource_id, "*");
        assert!(!f
            .iter()
            .any(|x| x.region != "bj" && x.status != Status::Manual));
        if let Coverage::NotAuthorized { .. } = cov {
            assert!(
                gz[0].message.contains("RdsReadOnlyAccess"),
                "{}",
                gz[0].message
            );
        }
        if let Coverage::Failed { .. } = cov {
            assert!(
                gz[0].message.contains("500 InternalError"),
                "{}",
                gz[0].message
            );
        }
    }
}

#[test]
fn regions_and_coverage_defaults() {
    let ctx = CheckContext::for_test(vec![thing("bj", "a", true)])
        .coverage("baidu_test_thing", "gz", Coverage::Collected)
        .build();
    assert_eq!(ctx.regions("baidu_test_thing"), vec!["bj", "gz"]);
    assert_eq!(ctx.coverage("baidu_test_thing", "bj"), Coverage::Collected);
    assert_eq!(
        ctx.coverage("baidu_test_thing", "su"),
        Coverage::NotCollected
    );
    assert_eq!(ctx.coverage("other", "bj"), Coverage::NotCollected);
    assert!(ctx.assets("other").is_empty());
    assert!(ctx.regions("other").is_empty());
}

#[test]
fn builder_params_now_verification() {
    let t = chrono::Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
    let ctx = CheckContext::for_test(vec![])
        .param("max_access_key_age_days", 30)
        .param("high_risk_ports", json!([23, 445]))
        .now(t)
        .verification(json!({"identity": {"accountId": "acc"}}))
        .build();
    assert_eq!(ctx.params().u64("max_access_key_age_days"), 30);
    assert_eq!(ctx.params().ports("high_risk_ports"), vec![23, 445]);
    assert_eq!(ctx.params().u64("max_unused_days"), 90);
    assert_eq!(ctx.now(), t);
    assert_eq!(ctx.verification().unwrap()["identity"]["accountId"], "acc");
}

#[test]
fn manual_account_and_verdict_helpers() {
    let ctx = CheckContext::for_test(vec![]).build();
    let f = ctx.manual_account(
        &DUMMY,
        "BCT trail API (bct:DescribeTrails) is not collected",
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].status, Status::Manual);
    assert_eq!(f[0].resource_kind, "account");
    assert!(f[0].message.contains("bct:DescribeTrails"));
    assert_eq!(Verdict::na("x").status(), Status::NotApplicable);
    assert_eq!(Verdict::manual("y").status(), Status::Manual);
    let a = thing("bj", "a", false);
    let m = DUMMY.finding(&a, Verdict::manual("GetThing (thing:Get) failed"));
    assert_eq!(m.status, Status::Manual);
    assert!(m.message.contains("GetThing"));
}

#[test]
fn asset_view_detail_and_str() {
    let a = thing("bj", "a", true)
        .with_detail("acl", json!({"entries": []}))
        .with_detail_error("securityIps", "403 AccessDenied");
    assert_eq!(a.detail("acl").unwrap(), &json!({"entries": []}));
    let e = a.detail("securityIps").unwrap_err();
    assert!(e.contains("403 AccessDenied"), "{e}");
    assert!(a.detail("never").unwrap_err().contains("not collected"));
    assert_eq!(a.str("/nested/x"), "y");
    assert_eq!(a.str("open"), "");
    assert_eq!(a.str("absent"), "");
}

#[test]
fn finding_ids_are_deterministic() {
    let id = finding_id("prod", "baidu_x", "k", "bj", "r-1");
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(id, finding_id("prod", "baidu_x", "k", "bj", "r-1"));
    assert_ne!(id, finding_id("prod2", "baidu_x", "k", "bj", "r-1"));
    assert_ne!(id, finding_id("prod", "baidu_x", "k", "gz", "r-1"));
    // sha256("prod|baidu_x|k|bj|r-1")[..32], computed independently
    let expect = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b"prod|baidu_x|k|bj|r-1"))[..32].to_string()
    };
    assert_eq!(id, expect);
    let ctx = CheckContext::for_test(vec![thing("bj", "a", true)]).build();
    let f1 = (DUMMY.evaluate)(&ctx);
    let f2 = (DUMMY.evaluate)(&ctx);
    assert_eq!(f1[0].id("c"), f2[0].id("c"));
}

#[test]
fn registry_rejects_duplicates_and_sorts() {
    static A: Check = Check {
        meta: CheckMeta {
            id: "baidu_test_a",
            ..dummy_meta()
        },
        evaluate: dummy_eval,
    };
    let v = build_registry([&DUMMY, &A]).unwrap();
    assert_eq!(v[0].meta.id, "baidu_test_a");
    assert!(build_registry([&DUMMY, &A, &DUMMY])
        .unwrap_err()
        .contains("baidu_test_dummy"));
}

const fn dummy_meta() -> CheckMeta {
    CheckMeta {
        id: "",
        provider: "baidu",
        title: "t",
        service: "test",
        resource_type: "BCE::Test::Thing",
        severity: Severity::Low,
        description: "",
        risk: "",
        remediation: Remediation {
            text: "",
            console: "",
            cli: None,
            terraform: None,
            url: "",
        },
        categories: &[],
        compliance: &[],
        reads: &[],
    }
}

#[test]
fn global_listing_covers_asset_regions() {
    // buckets carry their real region; the listing outcome is `global`
    let ctx = CheckContext::for_test(vec![thing("bj", "a", true), thing("gz", "b", false)])
        .coverage("baidu_test_thing", "global", Coverage::Collected)
        .build();
    let f = (DUMMY.evaluate)(&ctx);
    assert_eq!(f.len(), 2);
    assert_eq!(ctx.regions("baidu_test_thing"), vec!["global"]);
    let ctx = CheckContext::for_test(vec![thing("bj", "a", true), thing("gz", "b", false)])
        .coverage(
            "baidu_test_thing",
            "global",
            Coverage::NotAuthorized { policy: None },
        )
        .build();
    let f = (DUMMY.evaluate)(&ctx);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].status, Status::Manual);
    assert_eq!(f[0].region, "global");
}
