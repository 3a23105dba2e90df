//! The child calls of the Kafka, BLB and application BLB collectors against the simulator:
//! every asset carries its detail / access endpoints / every listener (all listener pages
//! combined), a failing child call keeps the asset and records the error, and a load balancer
//! with many listeners is paged through with one request per listener page.

use serde_json::{json, Value};
use vigil_baidu_sim::{keys, Fault, GenerateOptions, SimHandle, Simulator, World};
use vigil_core::pagination::collect_all;
use vigil_core::{AccessKey, CollectOptions, ErrorKind, ProviderContext, Region};
use vigil_provider_baidu::{blb, kafka};

fn world() -> World {
    World::generate(&GenerateOptions {
        regions: 2,
        instances_per_region: 4,
        security_groups_per_region: 2,
        users: 0,
        resources_per_region: 6,
        seed: 21,
    })
}

async fn start(world: &World, page_size: u32) -> (SimHandle, ProviderContext) {
    let sim = Simulator::start(world.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cx = ProviderContext::new(
        "kafka-blb",
        AccessKey::new(keys::GLOBAL_READER.0, keys::GLOBAL_READER.1),
    )
    .with_endpoint_override(Some(sim.addr()))
    .with_options(
        CollectOptions::default()
            .with_page_size(page_size)
            .with_retry(vigil_core::retry::RetryConfig::fast()),
    );
    (sim, cx)
}

fn by_id<'w>(items: &'w [Value], field: &str, id: &str) -> &'w Value {
    items
        .iter()
        .find(|v| v[field].as_str() == Some(id))
        .unwrap_or_else(|| panic!("{id} not in the world"))
}

#[tokio::test]
async fn kafka_clusters_carry_their_detail_and_access_endpoints() {
    let world = world();
    let account = world.accounts()[0].id.clone();
    for page_size in [1, 1000] {
        let (_sim, cx) = start(&world, page_size).await;
        let collector = (kafka::DESCRIPTOR.build)(&cx).unwrap();
        for region in ["bj", "gz"] {
            let assets = collect_all(
                collector.as_ref(),
                &cx,
                &Region::new(region).unwrap(),
                kafka::CLUSTER,
            )
            .await
            .unwrap();
            let clusters = world.resources(&account, region, "kafka_clusters");
            assert_eq!(assets.len(), clusters.len());
            let details = world.resources(&account, region, "kafka_cluster_details");
            let endpoints = world.resources(&account, region, "kafka_access_endpoints");
            for (asset, cluster) in assets.iter().zip(clusters) {
                assert_eq!(&asset.raw, cluster);
                assert!(asset.detail_errors.is_empty(), "{:?}", asset.detail_errors);
                assert_eq!(asset.details.len(), 2);
                let id = asset.resource_id.as_str();
                assert_eq!(
                    asset.details[kafka::CALL_DETAIL],
                    json!({ "cluster": by_id(details, "clusterId", id) })
                );
                assert_eq!(
                    asset.details[kafka::CALL_ACCESS_ENDPOINTS],
                    json!({ "accessEndpoints": by_id(endpoints, "clusterId", id)["accessEndpoints"] })
                );
            }
        }
    }
}

#[tokio::test]
async fn load_balancers_carry_every_listener_across_pages() {
    let world = world();
    let account = world.accounts()[0].id.clone();
    let flavours = [
        (&blb::DESCRIPTOR, blb::LOAD_BALANCER, "blb"),
        (
            &blb::appblb::DESCRIPTOR,
            blb::appblb::LOAD_BALANCER,
            "appblb",
        ),
    ];
    // Page size 1 pages listeners one at a time too.
    for page_size in [1, 2, 1000] {
        let (sim, cx) = start(&world, page_size).await;
        for (descriptor, kind, prefix) in flavours {
            let collector = (descriptor.build)(&cx).unwrap();
            let region = Region::new("bj").unwrap();
            let lbs = world.resources(&account, "bj", &format!("{prefix}_load_balancers"));
            let listeners = world.resources(&account, "bj", &format!("{prefix}_listeners"));
            let before = sim.request_count();
            let assets = collect_all(collector.as_ref(), &cx, &region, kind)
                .await
                .unwrap();
            let used = sim.request_count() - before;
            assert_eq!(assets.len(), lbs.len());
            let mut expected_requests = lbs.len().div_ceil(page_size as usize);
            for (asset, lb) in assets.iter().zip(lbs) {
                assert_eq!(&asset.raw, lb);
                assert!(asset.detail_errors.is_empty(), "{:?}", asset.detail_errors);
                let want = &by_id(listeners, "blbId", &asset.resource_id)["listeners"];
                assert!(!want.as_array().unwrap().is_empty());
                assert_eq!(
                    asset.details[blb::CALL_LISTENERS],
                    json!({ "listenerList": want })
                );
                // At least one page per load balancer, even with no listeners.
                expected_requests += want
                    .as_array()
                    .unwrap()
                    .len()
                    .div_ceil(page_size as usize)
                    .max(1);
            }
            assert_eq!(
                used as usize, expected_requests,
                "{prefix} page size {page_size}"
            );
        }
    }
}

#[tokio::test]
async fn a_failing_child_call_is_recorded_and_the_asset_kept() {
    let world = world();
    let account = world.accounts()[0].id.clone();
    let (sim, cx) = start(&world, 1000).await;
    let region = Region::new("bj").unwrap();

    // Kafka: every access-endpoints call of one cluster is refused.
    let cluster = world.resources(&account, "bj", "kafka_clusters")[1]["clusterId"]
        .as_str()
        .unwrap()
        .to_string();
    sim.inject_fault(Fault {
        service: "kafka".into(),
        region: Some("bj".into()),
        path_prefix: Some(format!("/v2/clusters/{cluster}/access-endpoints")),
        status: 403,
        code: "AccessDenied".into(),
        times: 100,
    });
    let collector = (kafka::DESCRIPTOR.build)(&cx).unwrap();
    let assets = collect_all(collector.as_ref(), &cx, &region, kafka::CLUSTER)
        .await
        .unwrap();
    assert_eq!(
        assets.len(),
        world.resources(&account, "bj", "kafka_clusters").len()
    );
    for asset in &assets {
        if asset.resource_id == cluster {
            assert!(asset.details.contains_key(kafka::CALL_DETAIL));
            assert!(!asset.details.contains_key(kafka::CALL_ACCESS_ENDPOINTS));
            assert_eq!(asset.detail_errors.len(), 1);
            let e = &asset.detail_errors[0];
            assert_eq!(e.call, kafka::CALL_ACCESS_ENDPOINTS);
            assert_eq!(e.kind, ErrorKind::PermissionDenied);
            assert_eq!(e.code.as_deref(), Some("AccessDenied"));
            assert!(e.request_id.is_some());
        } else {
            assert_eq!(asset.details.len(), 2);
            assert!(asset.detail_errors.is_empty());
        }
    }
    sim.clear_faults();

    // BLB: a listener page that fails once is retried; one that keeps failing is recorded.
    let lbs = world.resources(&account, "bj", "blb_load_balancers");
    let flaky = lbs[0]["blbId"].as_str().unwrap().to_string();
    let broken = lbs[1]["blbId"].as_str().unwrap().to_string();
    for (id, times) in [(&flaky, 1), (&broken, 100)] {
        sim.inject_fault(Fault {
            service: "blb".into(),
            region: Some("bj".into()),
            path_prefix: Some(format!("/v1/blb/{id}/listener")),
            status: 503,
            code: "ServiceUnavailable".into(),
            times,
        });
    }
    let collector = (blb::DESCRIPTOR.build)(&cx).unwrap();
    let assets = collect_all(collector.as_ref(), &cx, &region, blb::LOAD_BALANCER)
        .await
        .unwrap();
    assert_eq!(assets.len(), lbs.len());
    for asset in &assets {
        if asset.resource_id == broken {
            assert!(asset.details.is_empty());
            assert_eq!(asset.detail_errors[0].call, blb::CALL_LISTENERS);
            assert_eq!(asset.detail_errors[0].kind, ErrorKind::ServerError);
        } else {
            assert!(asset.detail_errors.is_empty(), "{}", asset.resource_id);
            assert!(asset.details.contains_key(blb::CALL_LISTENERS));
        }
    }
}
