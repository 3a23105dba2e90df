//! The VPC collector's ACL-rule walk (VPC-list pages alternating with one `GET /v1/acl` per
//! VPC) against the simulator's default world, whose `bj` has two VPCs: every page is one
//! request, every rule comes exactly once, and a VPC deleted mid-walk is skipped.

use std::collections::BTreeSet;

use vigil_baidu_sim::{keys, SimHandle, Simulator, World, DEFAULT_ACCOUNT_ID};
use vigil_core::pagination::collect_all;
use vigil_core::{AccessKey, CollectOptions, PageToken, ProviderContext, Region};
use vigil_provider_baidu::vpc::{AclCursor, ACL_RULE, DESCRIPTOR};

async fn start() -> (SimHandle, ProviderContext) {
    let sim = Simulator::start(World::default_world(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cx = ProviderContext::new(
        "vpc-acl",
        AccessKey::new(keys::GLOBAL_READER.0, keys::GLOBAL_READER.1),
    )
    .with_endpoint_override(Some(sim.addr()))
    .with_options(CollectOptions::default().with_page_size(1));
    (sim, cx)
}

fn world_rule_ids(region: &str) -> BTreeSet<String> {
    World::default_world()
        .resources(DEFAULT_ACCOUNT_ID, region, "vpc_acl_rules")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_walk_alternates_vpc_pages_and_acl_calls() {
    let (sim, cx) = start().await;
    let collector = (DESCRIPTOR.build)(&cx).unwrap();
    let bj = Region::new("bj").unwrap();
    let vpcs: Vec<String> = World::default_world()
        .resources(DEFAULT_ACCOUNT_ID, "bj", "vpc_vpcs")
        .iter()
        .map(|v| v["vpcId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(vpcs.len(), 2);

    // Page size 1: VPC page, ACL of VPC 1, VPC page, ACL of VPC 2, end.
    let before = sim.request_count();
    let p1 = collector.list_page(&bj, ACL_RULE, None).await.unwrap();
    assert!(p1.items.is_empty());
    let c1 = AclCursor::parse(p1.next.as_ref().unwrap()).unwrap();
    assert_eq!(c1.pending, [vpcs[0].clone()]);
    assert_eq!(c1.vpc_marker.as_deref(), Some(vpcs[1].as_str()));

    let p2 = collector.list_page(&bj, ACL_RULE, p1.next).await.unwrap();
    assert!(!p2.items.is_empty());
    let c2 = AclCursor::parse(p2.next.as_ref().unwrap()).unwrap();
    assert!(c2.pending.is_empty());

    let p3 = collector.list_page(&bj, ACL_RULE, p2.next).await.unwrap();
    assert!(p3.items.is_empty());
    assert_eq!(
        AclCursor::parse(p3.next.as_ref().unwrap()).unwrap().pending,
        [vpcs[1].clone()]
    );
    let p4 = collector.list_page(&bj, ACL_RULE, p3.next).await.unwrap();
    assert!(!p4.items.is_empty());
    assert_eq!(p4.next, None);
    assert_eq!(sim.request_count() - before, 4, "one request per page");

    let got: BTreeSet<String> = p2
        .items
        .iter()
        .chain(&p4.items)
        .map(|a| a.resource_id.clone())
        .collect();
    assert_eq!(got, world_rule_ids("bj"));
    assert_eq!(p2.items.len() + p4.items.len(), got.len());
    let rule = &p2.items[0];
    assert_eq!(rule.kind, ACL_RULE);
    assert_eq!(rule.region, "bj");
    assert!(rule.raw["subnetId"].as_str().unwrap().starts_with("sbn-"));

    // Every page size and region gives every rule once.
    for size in [1, 2, 1000] {
        let cx = cx
            .clone()
            .with_options(CollectOptions::default().with_page_size(size));
        let collector = (DESCRIPTOR.build)(&cx).unwrap();
        for region in ["bj", "gz", "su", "bd"] {
            let r = Region::new(region).unwrap();
            let all = collect_all(collector.as_ref(), &cx, &r, ACL_RULE)
                .await
                .unwrap();
            let ids: BTreeSet<String> = all.iter().map(|a| a.resource_id.clone()).collect();
            assert_eq!(ids.len(), all.len(), "{region} {size}");
            assert_eq!(ids, world_rule_ids(region), "{region} {size}");
        }
    }
}

#[tokio::test]
async fn a_vpc_deleted_mid_walk_is_skipped_and_bad_tokens_fail() {
    let (sim, cx) = start().await;
    let cx = cx.with_options(CollectOptions::default().with_page_size(1000));
    let collector = (DESCRIPTOR.build)(&cx).unwrap();
    let bj = Region::new("bj").unwrap();
    let first = collector.list_page(&bj, ACL_RULE, None).await.unwrap();
    let cursor = AclCursor::parse(first.next.as_ref().unwrap()).unwrap();
    assert_eq!(cursor.pending.len(), 2);
    assert_eq!(cursor.vpc_marker, None);

    // The first VPC disappears after it was listed.
    let gone = cursor.pending[0].clone();
    sim.update_world(|w| {
        let vpcs = w.accounts[0]
            .resources
            .get_mut("bj")
            .unwrap()
            .get_mut("vpc_vpcs")
            .unwrap();
        vpcs.retain(|v| v["vpcId"] != gone.as_str());
    });
    let skipped = collector
        .list_page(&bj, ACL_RULE, first.next)
        .await
        .unwrap();
    assert!(skipped.items.is_empty());
    let rest = collector
        .list_page(&bj, ACL_RULE, skipped.next)
        .await
        .unwrap();
    assert!(!rest.items.is_empty());
    assert_eq!(rest.next, None);

    let err = collector
        .list_page(&bj, ACL_RULE, Some(PageToken("nonsense".into())))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("page token"), "{err}");
}
