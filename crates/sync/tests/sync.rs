//! The sync engine against a scripted fake cloud, storing into real SQLite files.
//!
//! The fake products are registered under the provider `testcloud`, in this test binary
//! only. Each test scripts its own world, found by the connection name the provider
//! context carries, so tests run in parallel without seeing each other's worlds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::json;
use vigil_core::registry::{AssetKind, ProductRegistration, ProviderDescriptor};
use vigil_core::retry::RetryConfig;
use vigil_core::{
    AccessKey, Asset, AssetCollector, CollectOptions, Error, ErrorKind, Page, PageToken,
    ProductDescriptor, ProviderContext, Region, Result, Scope,
};
use vigil_store::{AssetFilter, NewConnection, Outcome, OutcomeStatus, RunStatus, Store};
use vigil_sync::{plan, CancelToken, NoProgress, SyncRequest, SyncSummary};

const PROVIDER: &str = "testcloud";
const VM: &str = "testcloud_compute_vm";
const DISK: &str = "testcloud_compute_disk";
const NET: &str = "testcloud_network_vpc";
const BUCKET: &str = "testcloud_storage_bucket";

// ---------------------------------------------------------------- the fake cloud

/// What one listing of (kind, listing region) does.
#[derive(Debug, Clone, Default)]
struct Listing {
    /// The resources it returns, as (the asset's region, resource id).
    items: Vec<(String, String)>,
    /// Fail this page (1-based) with this error.
    fail_at: Option<(u32, ErrorKind)>,
    /// Never answer this page (1-based).
    block_at: Option<u32>,
}

/// One test's cloud.
#[derive(Debug, Default)]
struct World {
    listings: Mutex<BTreeMap<(&'static str, String), Listing>>,
    /// Payload version: changing it changes every asset.
    version: AtomicUsize,
    /// Pages served, by (kind, listing region).
    served: Mutex<BTreeMap<(&'static str, String), u32>>,
    /// How many listings are blocked right now.
    blocked: AtomicUsize,
    /// Page requests, answered or not, by kind.
    attempts: Mutex<BTreeMap<&'static str, u32>>,
}

const PAGE_SIZE: usize = 2;

impl World {
    fn set(&self, kind: &'static str, region: &str, ids: &[&str]) {
        self.set_placed(
            kind,
            region,
            &ids.iter().map(|id| (region, *id)).collect::<Vec<_>>(),
        );
    }

    fn set_placed(&self, kind: &'static str, region: &str, items: &[(&str, &str)]) {
        let mut listings = self.listings.lock().unwrap();
        let listing = listings.entry((kind, region.to_string())).or_default();
        listing.items = items
            .iter()
            .map(|(r, id)| (r.to_string(), id.to_string()))
            .collect();
    }

    fn edit(&self, kind: &'static str, region: &str, f: impl FnOnce(&mut Listing)) {
        let mut listings = self.listings.lock().unwrap();
        f(listings.entry((kind, region.to_string())).or_default());
    }

    fn served(&self, kind: &'static str, region: &str) -> u32 {
        let served = self.served.lock().unwrap();
        served
            .get(&(kind, region.to_string()))
            .copied()
            .unwrap_or(0)
    }

    fn total_served(&self) -> u32 {
        self.served.lock().unwrap().values().sum()
    }

    fn attempts(&self, kind: &'static str) -> u32 {
        self.attempts
            .lock()
            .unwrap()
            .get(kind)
            .copied()
            .unwrap_or(0)
    }
}

fn worlds() -> &'static Mutex<HashMap<String, Arc<World>>> {
    static WORLDS: OnceLock<Mutex<HashMap<String, Arc<World>>>> = OnceLock::new();
    WORLDS.get_or_init(Default::default)
}

fn world_of(cx: &ProviderContext) -> Result<Arc<World>> {
    worlds()
        .lock()
        .unwrap()
        .get(&cx.connection)
        .cloned()
        .ok_or_else(|| Error::new(ErrorKind::Config, format!("no world {}", cx.connection)))
}

#[derive(Debug)]
struct Fake {
    world: Arc<World>,
    descriptor: &'static ProductDescriptor,
}

#[async_trait]
impl AssetCollector for Fake {
    fn descriptor(&self) -> &'static ProductDescriptor {
        self.descriptor
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        // Global listings are keyed by `global`, whatever region they are sent to.
        let key_region = match self.descriptor.scope {
            Scope::Regional => region.to_string(),
            Scope::Global => "global".to_string(),
        };
        let listing = self
            .world
            .listings
            .lock()
            .unwrap()
            .get(&(kind, key_region.clone()))
            .cloned()
            .unwrap_or_default();
        *self.world.attempts.lock().unwrap().entry(kind).or_default() += 1;
        let start: usize = page.map(|t| t.0.parse().unwrap()).unwrap_or(0);
        let page_no = (start / PAGE_SIZE) as u32 + 1;
        if listing.block_at == Some(page_no) {
            self.world.blocked.fetch_add(1, Ordering::SeqCst);
            // Counted down again when the sync drops this future.
            struct Unblock<'a>(&'a AtomicUsize);
            impl Drop for Unblock<'_> {
                fn drop(&mut self) {
                    self.0.fetch_sub(1, Ordering::SeqCst);
                }
            }
            let _unblock = Unblock(&self.world.blocked);
            std::future::pending::<()>().await;
        }
        if let Some((at, error)) = listing.fail_at {
            if at == page_no {
                return Err(
                    Error::new(error, format!("scripted failure of page {page_no}"))
                        .with_code("Scripted")
                        .with_request_id("req-fail"),
                );
            }
        }
        *self
            .world
            .served
            .lock()
            .unwrap()
            .entry((kind, key_region))
            .or_default() += 1;
        let version = self.world.version.load(Ordering::SeqCst);
        let end = (start + PAGE_SIZE).min(listing.items.len());
        let items = listing.items[start..end]
            .iter()
            .map(|(placed, id)| {
                Asset::new(
                    kind,
                    id.clone(),
                    Some(format!("name-{id}")),
                    placed.clone(),
                    json!({"id": id, "version": version}),
                )
            })
            .collect();
        let next = (end < listing.items.len()).then(|| PageToken(end.to_string()));
        Ok(Page { items, next })
    }
}

fn build_compute(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(Fake {
        world: world_of(cx)?,
        descriptor: &COMPUTE,
    }))
}

fn build_network(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(Fake {
        world: world_of(cx)?,
        descriptor: &NETWORK,
    }))
}

fn build_storage(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(Fake {
        world: world_of(cx)?,
        descriptor: &STORAGE,
    }))
}

static COMPUTE: ProductDescriptor = ProductDescriptor {
    provider: PROVIDER,
    product: "compute",
    title: "Test compute",
    service: "compute",
    asset_kinds: &[
        AssetKind {
            name: DISK,
            id_field: "id",
        },
        AssetKind {
            name: VM,
            id_field: "id",
        },
    ],
    scope: Scope::Regional,
    read_policy: "ComputeRead",
    build: build_compute,
};

static NETWORK: ProductDescriptor = ProductDescriptor {
    provider: PROVIDER,
    product: "network",
    title: "Test network",
    service: "network",
    asset_kinds: &[AssetKind {
        name: NET,
        id_field: "id",
    }],
    scope: Scope::Regional,
    read_policy: "NetworkRead",
    build: build_network,
};

static STORAGE: ProductDescriptor = ProductDescriptor {
    provider: PROVIDER,
    product: "storage",
    title: "Test storage",
    service: "storage",
    asset_kinds: &[AssetKind {
        name: BUCKET,
        id_field: "id",
    }],
    scope: Scope::Global,
    read_policy: "StorageRead",
    build: build_storage,
};

vigil_core::inventory::submit! { ProductRegistration(&COMPUTE) }
vigil_core::inventory::submit! { ProductRegistration(&NETWORK) }
vigil_core::inventory::submit! { ProductRegistration(&STORAGE) }
vigil_core::inventory::submit! {
    ProviderDescriptor {
        id: PROVIDER,
        title: "Test cloud",
        home_region: "r1",
        env_access_key: "TESTCLOUD_AK",
        env_secret_key: "TESTCLOUD_SK",
        verifier: |_| Err(Error::new(ErrorKind::Other, "no verifier in tests")),
    }
}

// ---------------------------------------------------------------- fixture

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<Store>,
    world: Arc<World>,
    request: SyncRequest,
}

/// A store in a temporary file with connection `name`, whose world is empty, syncing
/// `products` in `regions`.
fn fixture(name: &str, products: &[&'static ProductDescriptor], regions: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("vigil.db")).unwrap());
    let connection = store
        .upsert_connection(&NewConnection {
            name: name.to_string(),
            provider: PROVIDER.to_string(),
            account_id: None,
            access_key_id: "AK".to_string(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            endpoint_override: None,
        })
        .unwrap();
    let world = Arc::new(World::default());
    worlds()
        .lock()
        .unwrap()
        .insert(name.to_string(), world.clone());
    let cx = ProviderContext::new(name, AccessKey::new("AK", "SK"))
        .with_options(CollectOptions::default().with_retry(RetryConfig::fast()));
    let request = SyncRequest {
        connection,
        cx,
        products: products.to_vec(),
        regions: regions.iter().map(|r| Region::new(r).unwrap()).collect(),
        denied: BTreeSet::new(),
        cancel: CancelToken::new(),
    };
    Fixture {
        _dir: dir,
        store,
        world,
        request,
    }
}

impl Fixture {
    async fn sync(&self) -> SyncSummary {
        self.sync_with(&self.request).await
    }

    async fn sync_with(&self, request: &SyncRequest) -> SyncSummary {
        tokio::time::timeout(
            Duration::from_secs(60),
            vigil_sync::sync(self.store.clone(), request, &NoProgress),
        )
        .await
        .expect("the sync finishes")
        .expect("the sync succeeds")
    }

    /// `region/resource_id` of every asset, with ` (deleted in run N)` for deleted ones.
    fn assets(&self) -> Vec<String> {
        self.store
            .assets(&AssetFilter {
                include_deleted: true,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|a| match a.deleted_run_id {
                None => format!("{}/{}", a.region, a.resource_id),
                Some(run) => {
                    assert!(a.deleted_at.is_some());
                    format!("{}/{} (deleted in run {run})", a.region, a.resource_id)
                }
            })
            .collect()
    }

    fn deleted_count(&self) -> usize {
        self.assets()
            .iter()
            .filter(|a| a.contains("deleted"))
            .count()
    }
}

fn outcome<'a>(summary: &'a SyncSummary, kind: &str, region: &str) -> &'a Outcome {
    summary
        .outcomes
        .iter()
        .find(|o| o.kind == kind && o.region == region)
        .unwrap_or_else(|| panic!("no outcome for {kind} in {region}: {:?}", summary.outcomes))
}

// ---------------------------------------------------------------- deletions

#[tokio::test]
async fn an_asset_gone_from_a_successful_listing_is_marked_deleted() {
    let f = fixture("deletes", &[&COMPUTE], &["r1", "r2"]);
    f.world.set(VM, "r1", &["vm-a", "vm-b", "vm-c"]);
    f.world.set(VM, "r2", &["vm-x"]);
    f.world.set(DISK, "r1", &["disk-1"]);

    let first = f.sync().await;
    assert_eq!(first.status, RunStatus::Succeeded, "{:?}", first.outcomes);
    assert_eq!((first.inserted, first.deleted), (5, 0));
    assert!(first.outcomes.iter().all(|o| o.deleted == 0));
    assert_eq!(outcome(&first, VM, "r1").pages, 2);

    // vm-b is gone; r2 and the disks are unchanged.
    f.world.set(VM, "r1", &["vm-a", "vm-c"]);
    let second = f.sync().await;
    assert_eq!(second.status, RunStatus::Succeeded);
    assert_eq!(second.deleted, 1);
    assert_eq!(outcome(&second, VM, "r1").deleted, 1);
    assert_eq!(outcome(&second, VM, "r2").deleted, 0);
    assert_eq!(outcome(&second, DISK, "r1").deleted, 0);
    let stored = f.store.outcomes(second.run_id).unwrap();
    assert_eq!(
        stored.iter().map(|o| o.deleted).sum::<u64>(),
        1,
        "recorded in the outcomes"
    );
    assert_eq!(
        f.assets(),
        [
            "r1/disk-1".to_string(),
            "r1/vm-a".to_string(),
            format!("r1/vm-b (deleted in run {})", second.run_id),
            "r1/vm-c".to_string(),
            "r2/vm-x".to_string(),
        ]
    );
    // Hidden by default, and not counted as seen by the run.
    assert_eq!(f.store.asset_count(&AssetFilter::default()).unwrap(), 4);
    assert_eq!(second.assets_seen, 4);

    // An empty listing is a complete listing too: everything in it is gone.
    f.world.set(VM, "r2", &[]);
    let third = f.sync().await;
    assert_eq!(outcome(&third, VM, "r2").deleted, 1);
    assert_eq!(third.deleted, 1, "vm-b is not counted again");

    // vm-b comes back: present again, counted as updated.
    f.world.set(VM, "r1", &["vm-a", "vm-b", "vm-c"]);
    let fourth = f.sync().await;
    assert_eq!(fourth.deleted, 0);
    assert_eq!((fourth.inserted, fourth.updated), (0, 1));
    assert_eq!(f.deleted_count(), 1, "only vm-x: {:?}", f.assets());

    // Four syncs of the same payloads kept no history; a changed payload keeps the old one.
    let vm_a = f
        .store
        .assets(&AssetFilter {
            resource_id: Some("vm-a".into()),
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    assert!(f.store.asset_history(vm_a.id).unwrap().is_empty());
    f.world.version.store(7, Ordering::SeqCst);
    let fifth = f.sync().await;
    assert_eq!(fifth.updated, 4);
    let history = f.store.asset_history(vm_a.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].run_id, fifth.run_id);
    assert_eq!(history[0].raw, json!({"id": "vm-a", "version": 0}));
    assert_eq!(history[0].changed_fields, ["version"]);
    assert_eq!(f.store.asset(vm_a.id).unwrap().unwrap().raw["version"], 7);
}

#[tokio::test]
async fn a_global_listing_marks_missing_assets_in_every_region() {
    let f = fixture("global", &[&STORAGE], &["r1", "r2"]);
    f.world.set_placed(
        BUCKET,
        "global",
        &[("r1", "b-1"), ("r2", "b-2"), ("r3", "b-3")],
    );
    let first = f.sync().await;
    assert_eq!(first.status, RunStatus::Succeeded, "{:?}", first.outcomes);
    assert_eq!(first.inserted, 3);
    assert_eq!(first.outcomes.len(), 1);

    f.world.set_placed(BUCKET, "global", &[("r2", "b-2")]);
    let second = f.sync().await;
    assert_eq!(outcome(&second, BUCKET, "global").deleted, 2);
    assert_eq!(
        f.assets(),
        [
            format!("r1/b-1 (deleted in run {})", second.run_id),
            "r2/b-2".to_string(),
            format!("r3/b-3 (deleted in run {})", second.run_id),
        ]
    );
}

#[tokio::test]
async fn a_listing_that_fails_after_its_first_page_deletes_nothing() {
    let f = fixture("fails", &[&COMPUTE], &["r1"]);
    f.world
        .set(VM, "r1", &["vm-1", "vm-2", "vm-3", "vm-4", "vm-5"]);
    let first = f.sync().await;
    assert_eq!(first.inserted, 5);

    // Now only two remain, but the listing fails on its second page.
    f.world.set(VM, "r1", &["vm-1", "vm-2", "vm-3"]);
    f.world.edit(VM, "r1", |l| {
        l.fail_at = Some((2, ErrorKind::InvalidResponse))
    });
    let second = f.sync().await;
    assert_eq!(second.status, RunStatus::Partial);
    let vm = outcome(&second, VM, "r1");
    assert_eq!(vm.status, OutcomeStatus::Failed);
    assert_eq!(vm.error_kind.as_deref(), Some("invalid_response"));
    assert_eq!(vm.request_id.as_deref(), Some("req-fail"));
    assert_eq!((vm.pages, vm.asset_count, vm.deleted), (1, 2, 0));
    assert_eq!(second.deleted, 0);
    assert_eq!(f.deleted_count(), 0, "{:?}", f.assets());
    // The first page was stored by this run; the rest keep their last sighting.
    let last_runs: BTreeMap<String, i64> = f
        .store
        .assets(&AssetFilter::default())
        .unwrap()
        .into_iter()
        .map(|a| (a.resource_id, a.last_run_id))
        .collect();
    assert_eq!(last_runs["vm-1"], second.run_id);
    assert_eq!(last_runs["vm-2"], second.run_id);
    assert_eq!(last_runs["vm-3"], first.run_id);
    assert_eq!(last_runs["vm-5"], first.run_id);

    // A retryable failure that persists deletes nothing either.
    f.world
        .edit(VM, "r1", |l| l.fail_at = Some((2, ErrorKind::ServerError)));
    let third = f.sync().await;
    assert_eq!(outcome(&third, VM, "r1").status, OutcomeStatus::Failed);
    assert_eq!(f.deleted_count(), 0);

    // Once the listing completes, the missing ones are marked.
    f.world.edit(VM, "r1", |l| l.fail_at = None);
    let fourth = f.sync().await;
    assert_eq!(outcome(&fourth, VM, "r1").deleted, 2);
}

#[tokio::test]
async fn a_product_that_is_not_authorized_deletes_nothing() {
    let f = fixture("denied", &[&COMPUTE, &NETWORK], &["r1"]);
    f.world.set(VM, "r1", &["vm-1"]);
    f.world.set(DISK, "r1", &["disk-1"]);
    f.world.set(NET, "r1", &["vpc-1"]);
    f.sync().await;

    // Everything is gone, but compute is known to be denied and the network listing is
    // refused by the cloud.
    f.world.set(VM, "r1", &[]);
    f.world.set(DISK, "r1", &[]);
    f.world.set(NET, "r1", &[]);
    f.world.edit(NET, "r1", |l| {
        l.fail_at = Some((1, ErrorKind::PermissionDenied))
    });
    let served_before = f.world.served(VM, "r1");
    let mut request = f.request.clone();
    request.denied = BTreeSet::from(["compute"]);
    let summary = f.sync_with(&request).await;
    assert_eq!(summary.status, RunStatus::Failed);
    for (kind, region) in [(VM, "r1"), (DISK, "r1"), (NET, "r1")] {
        let o = outcome(&summary, kind, region);
        assert_eq!(o.status, OutcomeStatus::NotAuthorized, "{o:?}");
        assert_eq!(o.deleted, 0);
    }
    assert_eq!(f.world.served(VM, "r1"), served_before, "no API call");
    assert_eq!(summary.deleted, 0);
    assert_eq!(f.deleted_count(), 0, "{:?}", f.assets());
}

// ---------------------------------------------------------------- progress

#[tokio::test]
async fn the_run_records_its_planned_and_finished_tasks() {
    let f = fixture("planned", &[&COMPUTE, &NETWORK, &STORAGE], &["r1", "r2"]);
    f.world.set(VM, "r1", &["vm-1"]);
    let tasks = plan(&f.request);
    // compute: 2 kinds x 2 regions; network: 2 regions; storage: global.
    assert_eq!(tasks.len(), 7);
    let summary = f.sync().await;
    let run = f.store.run(summary.run_id).unwrap().unwrap();
    assert_eq!(run.planned_tasks, Some(7));
    assert_eq!(run.finished_tasks, 7);
    assert_eq!(run.status, RunStatus::Succeeded);
}

// ---------------------------------------------------------------- cancellation

/// Wait until `n` listings are blocked.
async fn until_blocked(world: &World, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while world.blocked.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "listings never blocked");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_sync_interrupts_it_keeps_what_was_stored_and_deletes_nothing() {
    // 20 regions: compute's 40 tasks, then network's 20. Every network listing blocks on its
    // first page, so 15 of them fill the 16 task slots next to the VM listing of r01, which
    // blocks on its second page; the last 5 network tasks never start.
    let regions: Vec<String> = (1..=20).map(|i| format!("r{i:02}")).collect();
    let region_refs: Vec<&str> = regions.iter().map(String::as_str).collect();
    let f = fixture("cancel", &[&COMPUTE, &NETWORK], &region_refs);
    f.world.set(VM, "r01", &["vm-1", "vm-2", "vm-3", "vm-old"]);
    f.world.set(DISK, "r01", &["disk-1", "disk-old"]);
    for region in &regions {
        f.world.set(NET, region, &[&format!("vpc-{region}")]);
    }
    let first = f.sync().await;
    assert_eq!(
        first.status,
        RunStatus::Succeeded,
        "{:?}",
        first.failures().collect::<Vec<_>>()
    );
    let before = f.assets();

    // The old ones are gone and every payload changed, but the listings will not finish.
    f.world.version.store(2, Ordering::SeqCst);
    f.world.set(VM, "r01", &["vm-1", "vm-2", "vm-3"]);
    f.world.edit(VM, "r01", |l| l.block_at = Some(2));
    f.world.set(DISK, "r01", &["disk-1"]);
    for region in &regions {
        f.world.set(NET, region, &[]);
        f.world.edit(NET, region, |l| l.block_at = Some(1));
    }

    let (net_attempts, vm_attempts) = (f.world.attempts(NET), f.world.attempts(VM));
    let token = f.request.cancel.clone();
    let sync = tokio::spawn({
        let store = f.store.clone();
        let request = f.request.clone();
        async move { vigil_sync::sync(store, &request, &NoProgress).await }
    });
    until_blocked(&f.world, 16).await;

    // While it runs, the run shows its progress.
    let running = f.store.runs(Some(f.request.connection.id), 1).unwrap();
    assert_eq!(running[0].status, RunStatus::Running);
    assert_eq!(running[0].planned_tasks, Some(60));
    assert!(running[0].finished_tasks < 60, "{:?}", running[0]);
    let served = f.world.total_served();

    let cancelled_at = Instant::now();
    token.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(10), sync)
        .await
        .expect("the sync returns promptly")
        .unwrap()
        .expect("an interrupted sync is not an error");
    let took = cancelled_at.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(
        f.world.total_served(),
        served,
        "no request after the cancel"
    );
    assert_eq!(
        f.world.blocked.load(Ordering::SeqCst),
        0,
        "blocked calls dropped"
    );

    // The run is interrupted, in the summary and the store.
    assert_eq!(summary.status, RunStatus::Interrupted);
    let run = f.store.run(summary.run_id).unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Interrupted);
    assert!(run.finished_at.is_some());
    assert!(
        run.error
            .as_deref()
            .unwrap()
            .contains("interrupted: 21 of 60"),
        "{:?}",
        run.error
    );
    assert_eq!((run.planned_tasks, run.finished_tasks), (Some(60), 60));

    // The VM listing of r01 kept its first page.
    let vm = outcome(&summary, VM, "r01");
    assert_eq!(vm.status, OutcomeStatus::Skipped);
    assert_eq!(vm.error_kind.as_deref(), Some("interrupted"));
    assert_eq!((vm.pages, vm.asset_count, vm.deleted), (1, 2, 0));
    let stored = f.store.assets(&AssetFilter::default()).unwrap();
    let by_id: BTreeMap<&str, _> = stored.iter().map(|a| (a.resource_id.as_str(), a)).collect();
    for id in ["vm-1", "vm-2"] {
        assert_eq!(by_id[id].last_run_id, summary.run_id, "{id}");
        assert_eq!(by_id[id].raw["version"], 2, "{id}");
    }
    assert_eq!(by_id["vm-3"].last_run_id, first.run_id);
    assert_eq!(summary.updated, 3, "vm-1, vm-2 and disk-1");

    // Every network task is interrupted, started or not; nothing of theirs is deleted.
    let network: Vec<&Outcome> = summary.outcomes.iter().filter(|o| o.kind == NET).collect();
    assert_eq!(network.len(), 20);
    for o in &network {
        assert_eq!(o.status, OutcomeStatus::Skipped, "{o:?}");
        assert_eq!(o.error_kind.as_deref(), Some("interrupted"));
        assert_eq!((o.pages, o.deleted), (0, 0));
        assert!(o.finished_at.is_some());
    }
    assert!(
        regions.iter().all(|r| f.world.served(NET, r) == 1),
        "network listings were answered in the first sync only"
    );
    assert_eq!(
        f.world.attempts(NET) - net_attempts,
        15,
        "5 network tasks never started"
    );
    assert_eq!(
        f.world.attempts(VM) - vm_attempts,
        20 + 1,
        "r01's second page"
    );

    // The tasks that finished before the cancel are ok, and their listings did delete.
    let disk = outcome(&summary, DISK, "r01");
    assert_eq!((disk.status, disk.deleted), (OutcomeStatus::Ok, 1));
    let ok = summary
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Ok)
        .count();
    assert_eq!(ok, 39, "every compute task but the VMs of r01");
    assert_eq!(summary.deleted, 1);

    // Only disk-old is gone: vm-old and the VPCs stay, as they were.
    let after = f.assets();
    let changed: Vec<&String> = after.iter().filter(|a| !before.contains(a)).collect();
    assert_eq!(
        changed,
        [&format!("r01/disk-old (deleted in run {})", summary.run_id)]
    );
    assert!(after.contains(&"r01/vm-old".to_string()));
}

#[tokio::test]
async fn a_sync_cancelled_before_it_starts_calls_nothing() {
    let f = fixture("cancelled-early", &[&COMPUTE], &["r1"]);
    f.world.set(VM, "r1", &["vm-1"]);
    f.sync().await;
    f.world.set(VM, "r1", &[]);
    let served = f.world.total_served();

    f.request.cancel.cancel();
    let summary = f.sync().await;
    assert_eq!(summary.status, RunStatus::Interrupted);
    assert_eq!(summary.outcomes.len(), 2);
    assert!(summary.outcomes.iter().all(vigil_sync::is_interrupted));
    assert_eq!(f.world.total_served(), served);
    assert_eq!(f.deleted_count(), 0);
    let run = f.store.run(summary.run_id).unwrap().unwrap();
    assert_eq!(
        (run.status, run.finished_tasks),
        (RunStatus::Interrupted, 2)
    );
}
