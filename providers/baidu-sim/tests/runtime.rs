//! Changes made through the `SimHandle` while the simulator runs: regions added and removed,
//! a skewed clock (and the `Date` header that shows it), and disabled keys and users.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use vigil_baidu_sim::{keys, World, DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY};

const DEMO: (&str, &str) = (DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY);

async fn region_ids(
    sim: &vigil_baidu_sim::SimHandle,
    key: (&'static str, &'static str),
) -> Vec<String> {
    let r = send(
        sim,
        &Call::post("bcc.baidubce.com", "/v2/region/describeRegions", key, "{}"),
    )
    .await
    .ok();
    r["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["regionId"].as_str().unwrap().to_string())
        .collect()
}

fn date_header(reply: &Reply) -> DateTime<Utc> {
    let text = reply
        .headers
        .get("date")
        .expect("a Date header")
        .to_str()
        .unwrap();
    DateTime::parse_from_rfc2822(text)
        .unwrap_or_else(|e| panic!("Date {text:?}: {e}"))
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_region_added_at_runtime_is_listed_and_its_hosts_answer_empty() {
    let mut world = World::default_world();
    let mut other = world.accounts[0].clone();
    other.id = "0000000000000000000000000000000b".into();
    other.users.clear();
    other.groups.clear();
    other.custom_policies.clear();
    other.root_access_keys[0].access_key_id = "ffffffffffffffffffffffffffffffff".into();
    other.regions.retain(|r| r.region_id == "bj");
    other.resources.clear();
    world.accounts.push(other);
    let sim = start(world).await;
    let list = Call::get("bcc.yq.baidubce.com", "/v2/instance", DEMO);
    send(&sim, &list).await.assert_error(421, "UnknownHost");
    assert!(!region_ids(&sim, DEMO).await.contains(&"yq".to_string()));

    sim.add_region("yq", "华北-阳泉");
    let ids = region_ids(&sim, DEMO).await;
    assert_eq!(ids.last().map(String::as_str), Some("yq"), "{ids:?}");
    let body = send(&sim, &list).await.ok();
    assert_eq!(body["instances"], serde_json::json!([]));
    let admin = Call::get("eip.yq.baidubce.com", "/v1/eip", keys::ADMIN);
    let eips = send(&sim, &admin).await.ok();
    assert_eq!(eips["eipList"], serde_json::json!([]));

    // Every account has it, once, and the world is still valid.
    sim.add_region("yq", "again");
    let world = sim.world_snapshot();
    assert_eq!(world.accounts.len(), 2);
    for account in &world.accounts {
        let entries: Vec<_> = account
            .regions
            .iter()
            .filter(|r| r.region_id == "yq")
            .collect();
        assert_eq!(entries.len(), 1, "{}", account.id);
    }
    assert_eq!(
        world.accounts[0]
            .regions
            .iter()
            .find(|r| r.region_id == "yq")
            .unwrap()
            .region_name,
        "华北-阳泉"
    );
    world.validate().unwrap();
    let other_root = list.clone().auth(Auth::Owned(
        "ffffffffffffffffffffffffffffffff".into(),
        keys::ROOT.1.into(),
    ));
    send(&sim, &other_root).await.ok();

    // Invalid ids are refused (they could not be part of a host name).
    sim.add_region("Not A Region", "x");
    assert_eq!(sim.world_snapshot(), world);
}

#[tokio::test]
async fn a_region_removed_at_runtime_disappears_with_its_resources() {
    let sim = start_default().await;
    let list = Call::get("bcc.bj.baidubce.com", "/v2/instance", DEMO);
    let before = send(&sim, &list).await.ok();
    assert!(!before["instances"].as_array().unwrap().is_empty());

    sim.remove_region("bj");
    assert!(!region_ids(&sim, DEMO).await.contains(&"bj".to_string()));
    send(&sim, &list).await.assert_error(421, "UnknownHost");
    let world = sim.world_snapshot();
    world.validate().unwrap();
    assert!(world
        .accounts
        .iter()
        .all(|a| !a.resources.contains_key("bj")));
    // Removing an unknown region changes nothing.
    sim.remove_region("nowhere");
    assert_eq!(sim.world_snapshot(), world);

    // Added back, it is empty.
    sim.add_region("bj", "华北-北京");
    assert_eq!(
        send(&sim, &list).await.ok()["instances"],
        serde_json::json!([])
    );
    assert_eq!(World::default_world().accounts.len(), world.accounts.len());
}

#[tokio::test]
async fn every_response_carries_the_simulators_date_and_a_skewed_clock_expires_requests() {
    let sim = start_default().await;
    let list = Call::get("bcc.bj.baidubce.com", "/v2/instance", DEMO);
    let r = send(&sim, &list).await;
    let skew = (date_header(&r) - Utc::now()).num_seconds();
    assert!(skew.abs() <= 2, "{skew}");
    r.ok();

    // The cloud's clock is an hour ahead: a request signed now expired 30 minutes ago.
    sim.set_clock_skew(3600);
    let r = send(&sim, &list).await;
    r.assert_error(400, "RequestExpired");
    let skew = (date_header(&r) - Utc::now()).num_seconds();
    assert!((3598..=3602).contains(&skew), "{skew}");

    // The cloud's clock is an hour behind: the request is signed too far in the future.
    sim.set_clock_skew(-3600);
    let r = send(&sim, &list).await;
    r.assert_error(400, "RequestExpired");
    let skew = (date_header(&r) - Utc::now()).num_seconds();
    assert!((-3602..=-3598).contains(&skew), "{skew}");

    // Within the window (10 minutes ahead of a 30-minute expiration) requests pass.
    sim.set_clock_skew(600);
    send(&sim, &list).await.ok();
    sim.set_clock_skew(0);
    send(&sim, &list).await.ok();
}

#[tokio::test]
async fn a_disabled_key_or_user_gets_the_same_answer_as_an_unknown_key() {
    let sim = start_default().await;
    let list = Call::get("bcc.bj.baidubce.com", "/v2/instance", DEMO);
    let unknown = list.clone().auth(Auth::Key(
        "00000000000000000000000000000000",
        "00000000000000000000000000000000",
    ));
    send(&sim, &unknown)
        .await
        .assert_error(403, "InvalidAccessKeyId");
    sim.set_key_enabled(DEMO_ACCESS_KEY_ID, false);
    send(&sim, &list)
        .await
        .assert_error(403, "InvalidAccessKeyId");
    sim.set_key_enabled(DEMO_ACCESS_KEY_ID, true);
    send(&sim, &list).await.ok();
    sim.update_world(|w| {
        w.accounts[0]
            .users
            .iter_mut()
            .find(|u| u.name == "vigil-auditor")
            .unwrap()
            .enabled = false;
    });
    send(&sim, &list)
        .await
        .assert_error(403, "InvalidAccessKeyId");
}
