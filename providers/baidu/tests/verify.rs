//! The Baidu policy verifier against the simulator: every credential failure told apart,
//! keys and policies changed while running, the per-product report (which policy grants,
//! which denies, what to attach where), the setup option the policies correspond to, the
//! primary-account warning, and the least-privilege policy document round trip.

use std::net::SocketAddr;

use serde_json::{json, Value};
use vigil_baidu_sim::{keys, CustomPolicy, Fault, SimHandle, Simulator, User, World};
use vigil_core::retry::RetryConfig;
use vigil_core::verify::{PolicyType, SetupOption};
use vigil_core::{
    AccessKey, CollectOptions, ErrorKind, PolicyVerifier, ProductAccess, ProductDescriptor,
    ProductReport, ProviderContext, Region, VerificationReport,
};
use vigil_provider_baidu::client::CONTEXT_CLOCK_SKEW;
use vigil_provider_baidu::policy::least_privilege;
use vigil_provider_baidu::{verify, PROVIDER};

async fn start() -> SimHandle {
    Simulator::start(World::default_world(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

fn context(addr: SocketAddr, key: (&str, &str), retry: RetryConfig) -> ProviderContext {
    ProviderContext::new("verify", AccessKey::new(key.0, key.1))
        .with_endpoint_override(Some(addr))
        .with_options(CollectOptions::default().with_retry(retry))
}

fn verifier(sim: &SimHandle, key: (&str, &str)) -> std::sync::Arc<dyn PolicyVerifier> {
    verify::build(&context(sim.addr(), key, RetryConfig::fast())).unwrap()
}

fn products() -> Vec<&'static ProductDescriptor> {
    vigil_core::registry::provider_products(PROVIDER)
}

fn region(id: &str) -> Region {
    Region::new(id).unwrap()
}

async fn verify_all(sim: &SimHandle, key: (&str, &str), probe: &str) -> VerificationReport {
    verifier(sim, key)
        .verify(&products(), &region(probe))
        .await
        .expect("verification runs")
}

fn product<'r>(report: &'r VerificationReport, id: &str) -> &'r ProductReport {
    report
        .products
        .iter()
        .find(|p| p.product == id)
        .unwrap_or_else(|| panic!("no report for {id}"))
}

fn authorized(report: &VerificationReport) -> Vec<&'static str> {
    report.authorized().collect()
}

fn evidence(p: &ProductReport) -> &str {
    match &p.access {
        ProductAccess::Authorized { evidence } => evidence,
        other => panic!("{} is not authorized: {other:?}", p.product),
    }
}

fn denial(p: &ProductReport) -> (&str, &str, Option<&str>) {
    match &p.access {
        ProductAccess::Denied { policy, fix, code } => (policy, fix, code.as_deref()),
        other => panic!("{} is not denied: {other:?}", p.product),
    }
}

fn reason(p: &ProductReport) -> &str {
    match &p.access {
        ProductAccess::Unknown { reason } => reason,
        other => panic!("{} is not unknown: {other:?}", p.product),
    }
}

fn context_value(e: &vigil_core::Error, key: &str) -> Option<String> {
    e.context()
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.clone())
}

/// A user whose only policy is the custom policy `policy_name` with `document`.
fn add_user_with_custom_policy(
    sim: &SimHandle,
    user: &str,
    key: (&str, &str),
    policy_name: &str,
    document: Value,
) {
    sim.update_world(|w| {
        let account = &mut w.accounts[0];
        account.custom_policies.push(
            serde_json::from_value::<CustomPolicy>(json!({
                "name": policy_name,
                "id": format!("{:0>32}", policy_name.len()),
                "document": document,
            }))
            .unwrap(),
        );
        account.users.push(
            serde_json::from_value::<User>(json!({
                "name": user,
                "id": format!("{:f>32}", user.len()),
                "access_keys": [{"access_key_id": key.0, "secret_access_key": key.1}],
                "policies": [policy_name],
            }))
            .unwrap(),
        );
    });
}

// ---------------------------------------------------------------------------------------
// Credentials

#[tokio::test]
async fn an_unknown_key_is_invalid_credentials_explained_as_unknown_or_disabled() {
    let sim = start().await;
    let e = verifier(
        &sim,
        (
            "ffffffffffffffffffffffffffffffff",
            "ffffffffffffffffffffffffffffffff",
        ),
    )
    .check_credentials()
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{e}");
    assert_eq!(e.code(), Some("InvalidAccessKeyId"));
    assert_eq!(e.status(), Some(403));
    assert!(e.request_id().is_some());
    assert!(
        e.message()
            .contains("the key id is unknown, or the key or its IAM user is disabled"),
        "{e}"
    );
    assert!(
        e.message().contains("ffff"),
        "names the key by its hint: {e}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_disabled_key_is_refused_like_bce_refuses_it_and_explained() {
    let sim = start().await;
    // `disabled-user`: the user and its only key are disabled. BCE answers a disabled key with
    // the same 403 InvalidAccessKeyId as an unknown one, so the explanation covers both and
    // tells the user where to check (see docs/providers/baidu/verification.md).
    let e = verifier(&sim, keys::DISABLED)
        .check_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{e}");
    assert_eq!(e.code(), Some("InvalidAccessKeyId"), "BCE's code is kept");
    assert_eq!(e.status(), Some(403));
    assert!(
        e.message()
            .contains("the key id is unknown, or the key or its IAM user is disabled"),
        "{e}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_wrong_secret_is_a_signature_mismatch() {
    let sim = start().await;
    let e = verifier(&sim, (keys::GLOBAL_READER.0, keys::ROOT.1))
        .check_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureMismatch, "{e}");
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
    assert!(e.message().contains("the secret key does not match"), "{e}");
    assert!(
        !e.to_string().contains(keys::ROOT.1),
        "the secret leaked: {e}"
    );
    // Even for a disabled key: only a holder of the secret learns that it is disabled.
    let e = verifier(&sim, (keys::DISABLED.0, keys::ROOT.1))
        .check_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignatureMismatch, "{e}");
}

#[tokio::test]
async fn clock_skew_is_reported_with_the_clouds_time() {
    let sim = start().await;
    let v = verifier(&sim, keys::GLOBAL_READER);
    sim.set_clock_skew(3600);
    let e = v.check_credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RequestExpired, "{e}");
    assert_eq!(e.code(), Some("RequestExpired"));
    let skew: i64 = context_value(&e, CONTEXT_CLOCK_SKEW)
        .expect("the skew is in the context")
        .parse()
        .unwrap();
    assert!((3599..=3601).contains(&skew), "{skew}");
    assert!(
        e.message()
            .contains(&format!("your clock is {skew} s behind the cloud's")),
        "{e}"
    );
    assert!(e.message().contains("Synchronise it"), "{e}");
    assert!(!e.is_retryable());

    sim.set_clock_skew(-7200);
    let e = v.check_credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RequestExpired, "{e}");
    let skew: i64 = context_value(&e, CONTEXT_CLOCK_SKEW)
        .unwrap()
        .parse()
        .unwrap();
    assert!((-7201..=-7199).contains(&skew), "{skew}");
    assert!(
        e.message()
            .contains(&format!("your clock is {} s ahead of the cloud's", -skew)),
        "{e}"
    );

    sim.set_clock_skew(0);
    v.check_credentials().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    // A port nobody listens on.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let cx = context(addr, keys::GLOBAL_READER, RetryConfig::fast());
    let e = verify::build(&cx)
        .unwrap()
        .check_credentials()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(e.retries(), 3, "network errors are retried: {e}");
    assert!(e.message().contains("BCE could not be reached"), "{e}");
    assert!(e.code().is_none());
}

#[tokio::test]
async fn disabling_and_re_enabling_a_key_while_running() {
    let sim = start().await;
    let v = verifier(&sim, keys::AUDITOR);
    v.check_credentials().await.unwrap();
    sim.set_key_enabled(keys::AUDITOR.0, false);
    let e = v.check_credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{e}");
    assert_eq!(e.code(), Some("InvalidAccessKeyId"));
    // verify() fails the same way: nothing is probed with a disabled key.
    let e = v.verify(&products(), &region("bj")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials);
    sim.set_key_enabled(keys::AUDITOR.0, true);
    v.check_credentials().await.unwrap();
    assert!(!v.regions().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Per-product report and setup options

#[tokio::test]
async fn option_1_global_read_authorizes_every_product_and_names_the_policy() {
    let sim = start().await;
    let report = verify_all(&sim, keys::GLOBAL_READER, "bj").await;
    assert_eq!(report.identity.user_name.as_deref(), Some("global-reader"));
    assert_eq!(report.identity.is_primary_account_key, Some(false));
    assert_eq!(
        report.identity.attached_policies,
        ["GlobalReadPolicy", "IAMReadAccessPolicy"]
    );
    assert_eq!(authorized(&report).len(), products().len());
    let bcc = product(&report, "bcc");
    assert_eq!(
        evidence(bcc),
        "listing baidu_bcc_instance in bj succeeded; granted by GlobalReadPolicy"
    );
    assert_eq!(bcc.granted_by.len(), 1);
    assert_eq!(bcc.granted_by[0].policy, "GlobalReadPolicy");
    assert_eq!(bcc.granted_by[0].policy_type, PolicyType::System);
    assert!(bcc.granted_by[0].full);
    assert!(bcc.denied_by.is_empty());
    // IAM: both policies grant it (in attachment order).
    assert_eq!(
        evidence(product(&report, "iam")),
        "listing baidu_iam_user succeeded; granted by IAMReadAccessPolicy, GlobalReadPolicy"
    );
    let setup = &report.policy_option;
    assert_eq!(setup.option, SetupOption::Option1);
    assert!(setup.missing.is_empty(), "{setup:?}");
    assert!(setup.extra_policies.is_empty());
    assert!(setup.detail.starts_with("option 1"), "{}", setup.detail);
}

#[tokio::test]
async fn option_2_lists_the_products_still_missing_their_policy() {
    let sim = start().await;
    // vigil-auditor: IAMReadAccessPolicy + BCCReadAccessPolicy.
    let report = verify_all(&sim, keys::AUDITOR, "bj").await;
    assert_eq!(authorized(&report), ["bcc", "iam"]);
    let setup = &report.policy_option;
    assert_eq!(setup.option, SetupOption::Option2, "{setup:?}");
    let missing: Vec<(&str, &str)> = setup
        .missing
        .iter()
        .map(|m| (m.product, m.policy.as_str()))
        .collect();
    assert_eq!(
        missing,
        [
            ("appblb", "BLBReadAccessPolicy"),
            ("blb", "BLBReadAccessPolicy"),
            ("bos", "BOSLISTANDReadAccessPolicy"),
            ("eip", "EIPReadAccessPolicy"),
            ("kafka", "KAFKAReadAccessPolicy"),
            ("mongodb", "MONGODBReadAccessPolicy"),
            ("rds", "RDSReadAccessPolicy"),
            ("scs", "RedisReadAccessPolicy"),
            ("vpc", "VPCReadAccessPolicy"),
        ]
    );
    let (policy, fix, code) = denial(product(&report, "rds"));
    assert_eq!(policy, "RDSReadAccessPolicy");
    assert_eq!(code, Some("AccessDenied"));
    assert!(
        fix.contains(
            "console → IAM → Users → vigil-auditor → Permissions → Add permission → System policy → RDSReadAccessPolicy"
        ),
        "{fix}"
    );
    assert_eq!(
        evidence(product(&report, "bcc")),
        "listing baidu_bcc_instance in bj succeeded; granted by BCCReadAccessPolicy"
    );

    // Attaching the missing policies completes option 2.
    let mut all = vec![
        "IAMReadAccessPolicy".to_string(),
        "BCCReadAccessPolicy".to_string(),
    ];
    all.extend(setup.missing.iter().map(|m| m.policy.clone()));
    sim.set_user_policies("vigil-auditor", all);
    let report = verify_all(&sim, keys::AUDITOR, "bj").await;
    assert_eq!(authorized(&report).len(), products().len());
    assert_eq!(report.policy_option.option, SetupOption::Option2);
    assert!(report.policy_option.missing.is_empty());

    // iam-only is option 2 without BCCReadAccessPolicy: the detail says so.
    let report = verify_all(&sim, keys::IAM_ONLY, "bj").await;
    assert_eq!(report.policy_option.option, SetupOption::Option2);
    assert!(
        report
            .policy_option
            .detail
            .contains("option 2 always includes BCCReadAccessPolicy, not attached"),
        "{}",
        report.policy_option.detail
    );
    assert!(report
        .policy_option
        .missing
        .iter()
        .any(|m| m.product == "bcc"));
}

#[tokio::test]
async fn detaching_a_policy_while_running_flips_the_product_to_denied() {
    let sim = start().await;
    let v = verifier(&sim, keys::GLOBAL_READER);
    let before = v.verify(&products(), &region("bj")).await.unwrap();
    assert!(product(&before, "rds").access.is_authorized());
    assert_eq!(before.policy_option.option, SetupOption::Option1);

    sim.set_user_policies(
        "global-reader",
        vec![
            "IAMReadAccessPolicy".to_string(),
            "BCCReadAccessPolicy".to_string(),
        ],
    );
    let after = v.verify(&products(), &region("bj")).await.unwrap();
    let rds = product(&after, "rds");
    let (policy, fix, _) = denial(rds);
    assert_eq!(policy, "RDSReadAccessPolicy");
    assert!(
        fix.contains("IAM → Users → global-reader → Permissions → Add permission → System policy → RDSReadAccessPolicy"),
        "{fix}"
    );
    assert!(rds.granted_by.is_empty());
    assert!(product(&after, "bcc").access.is_authorized());
    assert_eq!(after.policy_option.option, SetupOption::Option2);
    assert!(after
        .policy_option
        .missing
        .iter()
        .any(|m| m.product == "rds" && m.policy == "RDSReadAccessPolicy"));
    assert_eq!(
        after.identity.attached_policies,
        ["BCCReadAccessPolicy", "IAMReadAccessPolicy"]
    );
}

#[tokio::test]
async fn custom_policies_are_named_with_what_they_allow_and_where() {
    let sim = start().await;
    // bj-only with IAM read: the custom policy allows BCC in bj only.
    sim.set_user_policies(
        "bj-only",
        vec!["IAMReadAccessPolicy".to_string(), "bcc-read-bj".to_string()],
    );
    let bj = verify_all(&sim, keys::BJ_ONLY, "bj").await;
    let bcc = product(&bj, "bcc");
    assert_eq!(
        evidence(bcc),
        "listing baidu_bcc_instance in bj succeeded; granted by a custom policy \
         (bcc-read-bj: allows bce:bcc READ in region bj only)"
    );
    assert_eq!(bcc.granted_by[0].policy_type, PolicyType::Custom);
    assert_eq!(bj.policy_option.option, SetupOption::Custom);
    assert_eq!(bj.policy_option.extra_policies, ["bcc-read-bj"]);

    let gz = verify_all(&sim, keys::BJ_ONLY, "gz").await;
    let bcc = product(&gz, "bcc");
    let (policy, fix, _) = denial(bcc);
    assert_eq!(policy, "BCCReadAccessPolicy");
    assert!(
        fix.starts_with(
            "a custom policy (bcc-read-bj: allows bce:bcc READ in region bj only) does not cover \
             listing baidu_bcc_instance in gz; attach the system policy BCCReadAccessPolicy"
        ),
        "{fix}"
    );
    assert!(!bcc.granted_by[0].full);
    assert!(gz.policy_option.missing.iter().any(|m| m.product == "bcc"));

    // An administrator (through a group) is custom too, and says it is more than needed.
    let admin = verify_all(&sim, keys::ADMIN, "bj").await;
    assert_eq!(admin.policy_option.option, SetupOption::Custom);
    assert_eq!(admin.policy_option.extra_policies, ["AdministratorAccess"]);
    assert!(admin.policy_option.detail.contains("more than Vigil needs"));
    let bcc = product(&admin, "bcc");
    assert_eq!(
        bcc.granted_by[0].via_group.as_deref(),
        Some("admins"),
        "{bcc:?}"
    );
    assert!(evidence(bcc).ends_with("granted by AdministratorAccess (through group admins)"));
}

#[tokio::test]
async fn a_deny_policy_is_named_as_the_cause_and_noted_elsewhere() {
    let sim = start().await;
    // deny-gz: GlobalReadPolicy + custom deny-bcc-gz.
    let gz = verify_all(&sim, keys::DENY_GZ, "gz").await;
    let bcc = product(&gz, "bcc");
    let (policy, fix, code) = denial(bcc);
    assert_eq!(policy, "BCCReadAccessPolicy");
    assert_eq!(code, Some("AccessDenied"));
    assert!(
        fix.starts_with("the custom policy deny-bcc-gz denies it (denies bce:bcc * in region gz only); a Deny overrides every Allow"),
        "{fix}"
    );
    assert!(
        fix.contains("remove deny-bcc-gz in IAM → Users → deny-gz → Permissions"),
        "{fix}"
    );
    assert_eq!(bcc.denied_by.len(), 1);
    assert!(bcc.denied_by[0].full);
    assert!(bcc
        .granted_by
        .iter()
        .any(|g| g.policy == "GlobalReadPolicy"));
    assert!(product(&gz, "vpc").access.is_authorized());
    assert_eq!(gz.policy_option.option, SetupOption::Option1);
    assert_eq!(gz.policy_option.extra_policies, ["deny-bcc-gz"]);

    let bj = verify_all(&sim, keys::DENY_GZ, "bj").await;
    let ev = evidence(product(&bj, "bcc"));
    assert!(
        ev.ends_with(
            "granted by GlobalReadPolicy; note: deny-bcc-gz denies bce:bcc * in region gz only"
        ),
        "{ev}"
    );
}

#[tokio::test]
async fn failed_probes_are_unknown_with_what_the_policies_say() {
    let sim = start().await;
    let no_retry = |key| verify::build(&context(sim.addr(), key, RetryConfig::none())).unwrap();

    sim.inject_fault(Fault::new("rds", 503, "ServiceUnavailable", 1));
    let report = no_retry(keys::GLOBAL_READER)
        .verify(&products(), &region("bj"))
        .await
        .unwrap();
    let r = reason(product(&report, "rds"));
    assert!(
        r.starts_with("listing baidu_rds_instance in bj failed"),
        "{r}"
    );
    assert!(r.contains("ServiceUnavailable"), "{r}");
    assert!(
        r.ends_with("the attached policies grant it (GlobalReadPolicy), so it should work once the error clears"),
        "{r}"
    );
    // Still granted by its policy, so not "missing".
    assert!(report.policy_option.missing.is_empty());

    // IAM unreadable and the probe inconclusive: both said.
    sim.inject_fault(Fault::new("rds", 500, "InternalError", 1));
    let report = no_retry(keys::BJ_ONLY)
        .verify(&products(), &region("bj"))
        .await
        .unwrap();
    let r = reason(product(&report, "rds"));
    assert!(r.contains("InternalError"), "{r}");
    assert!(
        r.contains("the attached policies could not be checked either: the key may not read IAM (attach IAMReadAccessPolicy"),
        "{r}"
    );
    assert_eq!(report.policy_option.option, SetupOption::Unknown);
    assert_eq!(report.identity.user_name, None);
    assert_eq!(report.identity.is_primary_account_key, None);
    // Without IAM, a denial still names the policy and the console path by key.
    let (_, fix, _) = denial(product(&report, "eip"));
    assert!(
        fix.contains("IAM → Users → the user owning key 8d04"),
        "{fix}"
    );
    let ev = evidence(product(&report, "bcc"));
    assert!(
        ev.ends_with("which policy grants it is unknown (IAM is not readable)"),
        "{ev}"
    );
    let (policy, fix, _) = denial(product(&report, "iam"));
    assert_eq!(policy, "IAMReadAccessPolicy");
    assert!(
        fix.starts_with(
            "attach the system policy IAMReadAccessPolicy (part of both setup options)"
        ),
        "{fix}"
    );
}

#[tokio::test]
async fn the_primary_account_key_is_flagged() {
    let sim = start().await;
    let report = verify_all(&sim, keys::ROOT, "bj").await;
    assert_eq!(report.identity.is_primary_account_key, Some(true));
    assert_eq!(report.identity.user_name, None);
    assert!(report.identity.attached_policies.is_empty());
    assert_eq!(authorized(&report).len(), products().len());
    assert!(evidence(product(&report, "bcc"))
        .ends_with("the primary account's key may read everything"));
    assert_eq!(report.policy_option.option, SetupOption::Unknown);
    assert!(report
        .policy_option
        .detail
        .starts_with("the key is the primary account's"));
}

#[tokio::test]
async fn the_json_report_keeps_its_shape_and_adds_the_policy_findings() {
    let sim = start().await;
    let report = verify_all(&sim, keys::AUDITOR, "bj").await;
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["identity"]["user_name"], "vigil-auditor");
    let by_id = |id: &str| {
        v["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["product"] == id)
            .unwrap()
            .clone()
    };
    let rds = by_id("rds");
    assert_eq!(rds["status"], "denied");
    assert_eq!(rds["policy"], "RDSReadAccessPolicy");
    assert_eq!(rds["code"], "AccessDenied");
    assert!(rds.get("granted_by").is_none(), "empty lists are left out");
    let bcc = by_id("bcc");
    assert_eq!(bcc["status"], "authorized");
    assert_eq!(
        bcc["granted_by"],
        json!([{"policy": "BCCReadAccessPolicy", "type": "system", "full": true, "detail": "allows bce:bcc READ"}])
    );
    assert_eq!(v["policy_option"]["option"], "option_2");
    assert_eq!(
        v["policy_option"]["missing"][0],
        json!({"product": "appblb", "policy": "BLBReadAccessPolicy"})
    );
}

// ---------------------------------------------------------------------------------------
// Least privilege

#[tokio::test]
async fn the_least_privilege_document_authorizes_exactly_its_products() {
    let sim = start().await;
    let key = (
        "1111111111111111111111111111aaaa",
        "2222222222222222222222222222bbbb",
    );
    let document = least_privilege(&["bcc", "rds"]).unwrap();
    add_user_with_custom_policy(&sim, "least", key, "vigil-least", document.clone());
    for probe in ["bj", "gz"] {
        let report = verify_all(&sim, key, probe).await;
        assert_eq!(authorized(&report), ["bcc", "rds"], "in {probe}");
        for p in &report.products {
            if p.product != "bcc" && p.product != "rds" {
                let (_, _, code) = denial(p);
                assert_eq!(code, Some("AccessDenied"), "{}", p.product);
            }
        }
    }
    // IAM is not in the document, so the verifier cannot read the policy it generated; the
    // same document plus IAM read shows it granting both.
    let with_iam = least_privilege(&["bcc", "rds", "iam"]).unwrap();
    sim.update_world(|w| {
        let p = w.accounts[0]
            .custom_policies
            .iter_mut()
            .find(|p| p.name == "vigil-least")
            .unwrap();
        p.document = with_iam;
    });
    let report = verify_all(&sim, key, "bj").await;
    assert_eq!(authorized(&report), ["bcc", "iam", "rds"]);
    let rds = product(&report, "rds");
    assert_eq!(rds.granted_by.len(), 1);
    assert_eq!(rds.granted_by[0].policy, "vigil-least");
    assert_eq!(rds.granted_by[0].policy_type, PolicyType::Custom);
    assert_eq!(
        evidence(rds),
        "listing baidu_rds_instance in bj succeeded; granted by a custom policy (vigil-least: allows bce:rds READ)"
    );
    assert_eq!(report.policy_option.option, SetupOption::Custom);
    assert_eq!(report.policy_option.extra_policies, ["vigil-least"]);
    let missing: Vec<&str> = report
        .policy_option
        .missing
        .iter()
        .map(|m| m.product)
        .collect();
    assert!(
        !missing.contains(&"rds") && missing.contains(&"vpc"),
        "{missing:?}"
    );
}

#[tokio::test]
async fn each_products_least_privilege_document_grants_that_product_alone() {
    let sim = start().await;
    let all = products();
    for (i, d) in all.iter().enumerate() {
        let key_id = format!("{:0>4}{}", i, "c".repeat(28));
        let key: (&'static str, &'static str) = (
            Box::leak(key_id.into_boxed_str()),
            "3333333333333333333333333333dddd",
        );
        let user = format!("only-{}", d.product);
        let document = least_privilege(&[d.product]).unwrap();
        add_user_with_custom_policy(&sim, &user, key, &format!("p-{}", d.product), document);
        let report = verify_all(&sim, key, "bj").await;
        // BLB and application BLB share one IAM service.
        let expected: Vec<&str> = match d.product {
            "blb" | "appblb" => vec!["appblb", "blb"],
            p => vec![p],
        };
        assert_eq!(authorized(&report), expected, "{}", d.product);
    }
}
