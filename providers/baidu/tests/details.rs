//! Per-asset child calls (whitelists, details, backup policies) of the database products,
//! against the simulator: a child call that keeps failing is recorded on its asset and never
//! fails the page, the other calls and assets are kept, and child calls stay within the
//! connection's per-(service, region) concurrency limit.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use vigil_baidu_sim::{keys, Fault, GenerateOptions, SimHandle, Simulator, World};
use vigil_core::pagination::collect_all;
use vigil_core::retry::RetryConfig;
use vigil_core::{
    AccessKey, Asset, CollectOptions, ErrorKind, ProductDescriptor, ProviderContext, Region,
};
use vigil_provider_baidu::{mongodb, rds, scs};

const REGION: &str = "bj";

fn world() -> World {
    World::generate(&GenerateOptions {
        regions: 2,
        instances_per_region: 2,
        security_groups_per_region: 1,
        users: 0,
        resources_per_region: 9,
        seed: 5,
    })
}

async fn start(world: &World) -> SimHandle {
    Simulator::start(world.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

fn options() -> CollectOptions {
    CollectOptions::default().with_retry(RetryConfig::fast())
}

/// A `global-reader` context (GlobalReadPolicy) sending every request to `addr`.
fn context(addr: SocketAddr, options: CollectOptions) -> ProviderContext {
    ProviderContext::new(
        "details",
        AccessKey::new(keys::GLOBAL_READER.0, keys::GLOBAL_READER.1),
    )
    .with_endpoint_override(Some(addr))
    .with_options(options)
}

async fn collect(
    descriptor: &'static ProductDescriptor,
    cx: &ProviderContext,
    kind: &'static str,
) -> Vec<Asset> {
    let collector = (descriptor.build)(cx).expect("collector builds");
    collect_all(collector.as_ref(), cx, &Region::new(REGION).unwrap(), kind)
        .await
        .expect("a failing child call never fails the listing")
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|v| v[field].as_str().expect("id").to_string())
        .collect()
}

/// The world's private entry for `id` in `collection`, without its id key.
fn private_entry(world: &World, collection: &str, field: &str, id: &str) -> Value {
    let mut entry = world
        .resources(vigil_baidu_sim::GENERATED_ACCOUNT_ID, REGION, collection)
        .iter()
        .find(|v| v[field] == id)
        .unwrap_or_else(|| panic!("{collection} has {id}"))
        .clone();
    entry.as_object_mut().unwrap().remove(field);
    entry
}

fn world_items<'w>(world: &'w World, collection: &str) -> &'w [Value] {
    world.resources(vigil_baidu_sim::GENERATED_ACCOUNT_ID, REGION, collection)
}

#[tokio::test]
async fn a_failing_whitelist_call_is_recorded_on_its_asset_and_the_page_survives() {
    let world = world();
    let sim = start(&world).await;
    let instances = world_items(&world, "scs_instances");
    let want = ids(instances, "instanceId");
    assert!(want.len() >= 3, "the world needs several SCS instances");
    let victim = want[1].clone();
    // Far more failures than the retry budget: the whitelist of one instance never answers.
    sim.inject_fault(
        Fault::new("scs", 500, "InternalError", 100)
            .in_region(REGION)
            .with_path_prefix(format!("/v1/instance/{victim}/securityIp")),
    );
    let cx = context(sim.addr(), options());
    let before = sim.request_count();
    let assets = collect(&scs::DESCRIPTOR, &cx, scs::INSTANCE).await;
    let used = sim.request_count() - before;

    // Every asset is kept, in list order.
    let got: Vec<String> = assets.iter().map(|a| a.resource_id.clone()).collect();
    assert_eq!(got, want);
    // One list request, three child calls per instance, and the failing one retried to the
    // end of its budget (and no further).
    let retries = RetryConfig::fast().max_retries as u64;
    assert_eq!(used, 1 + 3 * want.len() as u64 + retries);

    for asset in &assets {
        let id = asset.resource_id.as_str();
        assert_eq!(asset.details["detail"]["instanceId"], id);
        assert_eq!(
            asset.details["detail"]["publicDomain"],
            private_entry(&world, "scs_details", "instanceId", id)["publicDomain"]
        );
        assert_eq!(
            asset.details["backupPolicy"],
            private_entry(&world, "scs_backup_policies", "instanceId", id)
        );
        if id == victim {
            assert!(!asset.details.contains_key("securityIps"));
            assert_eq!(asset.detail_errors.len(), 1, "{:?}", asset.detail_errors);
            let e = &asset.detail_errors[0];
            assert_eq!(e.call, "securityIps");
            assert_eq!(e.kind, ErrorKind::ServerError);
            assert_eq!(e.code.as_deref(), Some("InternalError"));
            assert!(e.request_id.as_deref().is_some_and(|r| !r.is_empty()));
        } else {
            assert!(asset.detail_errors.is_empty(), "{:?}", asset.detail_errors);
            assert_eq!(
                asset.details["securityIps"],
                private_entry(&world, "scs_security_ips", "instanceId", id)
            );
        }
    }
    sim.shutdown();
}

#[tokio::test]
async fn rds_fetches_whitelists_and_details_only_for_incomplete_items() {
    let world = world();
    let sim = start(&world).await;
    let want = ids(world_items(&world, "rds_instances"), "instanceId");
    let (victim, incomplete) = (want[0].clone(), want[2].clone());
    // One instance's list item lacks its backup policy: only it gets a `detail` call.
    sim.update_world(|w| {
        let item = w.accounts[0]
            .resources
            .get_mut(REGION)
            .and_then(|c| c.get_mut("rds_instances"))
            .and_then(|items| {
                items
                    .iter_mut()
                    .find(|i| i["instanceId"] == incomplete.as_str())
            })
            .expect("the instance");
        item.as_object_mut().unwrap().remove("backupPolicy");
    });
    sim.inject_fault(
        Fault::new("rds", 503, "ServiceUnavailable", 100)
            .in_region(REGION)
            .with_path_prefix(format!("/v1/instance/{victim}/securityIp")),
    );
    let cx = context(sim.addr(), options());
    let assets = collect(&rds::DESCRIPTOR, &cx, rds::INSTANCE).await;

    let got: Vec<String> = assets.iter().map(|a| a.resource_id.clone()).collect();
    assert_eq!(got, want);
    for asset in &assets {
        let id = asset.resource_id.as_str();
        let whitelist = private_entry(&world, "rds_security_ips", "instanceId", id);
        if id == victim {
            assert_eq!(asset.detail_errors.len(), 1);
            assert_eq!(asset.detail_errors[0].call, "securityIps");
            assert_eq!(asset.detail_errors[0].kind, ErrorKind::ServerError);
            assert_eq!(
                asset.detail_errors[0].code.as_deref(),
                Some("ServiceUnavailable")
            );
        } else {
            assert!(asset.detail_errors.is_empty(), "{:?}", asset.detail_errors);
            assert_eq!(asset.details["securityIps"], whitelist);
        }
        if id == incomplete {
            assert_eq!(asset.details["detail"]["instanceId"], id);
            assert!(asset.raw.get("backupPolicy").is_none());
        } else {
            assert!(!asset.details.contains_key("detail"), "{id}");
        }
    }
    sim.shutdown();
}

#[tokio::test]
async fn mongodb_child_calls_use_the_valueless_whitelist_key() {
    let world = world();
    let sim = start(&world).await;
    let want = ids(world_items(&world, "mongodb_instances"), "dbInstanceId");
    let cx = context(sim.addr(), options());
    let assets = collect(&mongodb::DESCRIPTOR, &cx, mongodb::INSTANCE).await;
    let got: Vec<String> = assets.iter().map(|a| a.resource_id.clone()).collect();
    assert_eq!(got, want);
    for asset in &assets {
        let id = asset.resource_id.as_str();
        assert!(asset.detail_errors.is_empty(), "{:?}", asset.detail_errors);
        // `?describeSecurityIps` answered the whitelist, not the detail.
        assert_eq!(
            asset.details["securityIps"],
            private_entry(&world, "mongodb_security_ips", "dbInstanceId", id)
        );
        assert_eq!(
            asset.details["backupPolicy"],
            private_entry(&world, "mongodb_backup_policies", "dbInstanceId", id)
        );
        let detail = &asset.details["detail"];
        assert_eq!(detail["dbInstanceId"], id);
        let extra = private_entry(&world, "mongodb_details", "dbInstanceId", id);
        assert_eq!(
            detail["publicConnectionString"],
            extra["publicConnectionString"]
        );
        assert_eq!(detail["members"], extra["members"]);
    }
    sim.shutdown();
}

/// What the gating proxy saw of the requests whose path contains its pattern.
#[derive(Debug, Default)]
struct Gate {
    /// Requests received so far.
    arrived: u64,
    /// Requests received and not yet answered.
    in_flight: u64,
    /// The most requests in flight at once.
    peak: u64,
    /// Requests held back, waiting for company.
    waiting: u64,
}

/// A loopback HTTP/1.1 proxy in front of the simulator. Requests whose path contains
/// `pattern` are held until `batch` of them are waiting (or all `expected` have arrived) and
/// then released together, so a client that keeps `batch` requests in flight always gets
/// them answered, and the proxy sees every request the client has in flight at once.
struct GatingProxy {
    addr: SocketAddr,
    gate: Arc<Mutex<Gate>>,
}

impl GatingProxy {
    async fn start(upstream: SocketAddr, pattern: &'static str, batch: u64, expected: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gate = Arc::new(Mutex::new(Gate::default()));
        let (released_tx, released_rx) = tokio::sync::watch::channel(0u64);
        let released_tx = Arc::new(released_tx);
        let g = gate.clone();
        tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                let (gate, tx, rx) = (g.clone(), released_tx.clone(), released_rx.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while let Some(request) = read_message(&conn, &mut buf, false).await {
                        let gated = request_path(&request).contains(pattern);
                        if gated {
                            let ticket = {
                                let mut g = gate.lock().unwrap();
                                g.arrived += 1;
                                g.in_flight += 1;
                                g.peak = g.peak.max(g.in_flight);
                                g.waiting += 1;
                                if g.waiting >= batch || g.arrived == expected {
                                    g.waiting = 0;
                                    tx.send_replace(g.arrived);
                                }
                                g.arrived
                            };
                            let mut rx = rx.clone();
                            rx.wait_for(|&released| released >= ticket).await.unwrap();
                        }
                        let response = forward(upstream, &request).await;
                        if gated {
                            gate.lock().unwrap().in_flight -= 1;
                        }
                        write_all(&conn, &response).await.unwrap();
                    }
                });
            }
        });
        GatingProxy { addr, gate }
    }
}

fn request_path(request: &[u8]) -> String {
    let line = request.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

/// Send one request to the simulator on a fresh connection; return the whole response.
async fn forward(upstream: SocketAddr, request: &[u8]) -> Vec<u8> {
    let conn = TcpStream::connect(upstream).await.unwrap();
    write_all(&conn, request).await.unwrap();
    let mut buf = Vec::new();
    read_message(&conn, &mut buf, true)
        .await
        .expect("the simulator answers")
}

/// Read one HTTP/1.1 message (head plus a `content-length` body; requests here have no body
/// unless they say so) from `conn`, keeping any bytes after it in `buf`. `None` at EOF.
async fn read_message(conn: &TcpStream, buf: &mut Vec<u8>, response: bool) -> Option<Vec<u8>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head_len = end + 4;
            let head = String::from_utf8_lossy(&buf[..head_len]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().expect("a content length"));
            if response && length.is_none() {
                panic!("the proxy only handles responses with a content-length: {head}");
            }
            let total = head_len + length.unwrap_or(0);
            if buf.len() >= total {
                return Some(buf.drain(..total).collect());
            }
        }
        if read_some(conn, buf).await == 0 {
            return None;
        }
    }
}

async fn read_some(conn: &TcpStream, buf: &mut Vec<u8>) -> usize {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if conn.readable().await.is_err() {
            return 0;
        }
        match conn.try_read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return 0,
        }
    }
}

async fn write_all(conn: &TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        conn.writable().await?;
        match conn.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_calls_run_under_the_per_service_region_limit() {
    let world = world();
    let sim = start(&world).await;
    let want = ids(world_items(&world, "rds_instances"), "instanceId");
    let limit: u64 = 3;
    assert!(
        want.len() as u64 > 2 * limit,
        "enough whitelist calls to fill the limit twice"
    );
    let proxy = GatingProxy::start(sim.addr(), "/securityIp", limit, want.len() as u64).await;
    let mut opts = options();
    opts.concurrency_per_service_region = limit as usize;
    let cx = context(proxy.addr, opts);
    // The gate only opens when `limit` whitelist calls are in flight together, so a
    // collector that made them one at a time would stall: fail instead of hanging.
    let assets = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        collect(&rds::DESCRIPTOR, &cx, rds::INSTANCE),
    )
    .await
    .expect("whitelist calls run concurrently");
    assert_eq!(assets.len(), want.len());
    assert!(assets.iter().all(|a| a.details.contains_key("securityIps")));
    let gate = proxy.gate.lock().unwrap();
    assert_eq!(gate.arrived, want.len() as u64, "{gate:?}");
    // Concurrent, but never more than the (rds, bj) limit at once.
    assert_eq!(gate.peak, limit, "{gate:?}");
    drop(gate);
    sim.shutdown();
}
