//! The conformance suite: one generic set of checks every registered product must pass.
//!
//! A provider supplies a [`SuiteEnv`] (how to reach its simulator, what the simulator's
//! fixtures contain, how to inject faults); the suite enumerates the registry and makes one
//! trial per (product, check). A product is checked because it is registered, never because
//! somebody listed it here.
//!
//! Checks:
//! - `descriptor`: kinds are `<provider>_<product>_<resource>`, lower-case, a read policy is named.
//! - `pagination_{1,7,1000}`: listing every kind in every region with that page size
//!   terminates, yields no duplicate ids, and yields exactly the fixture's ids.
//! - `full_fixture`: every field of every fixture item (one of which must be fully
//!   populated) is carried into the stored raw JSON.
//! - `retries`: 429 and 5xx answers are retried until they pass; 403 is not retried.
//! - `unknown_region`: an unknown region is a typed `UnknownRegion` error.
//! - `idempotent_sync`: running the same sync twice changes nothing in the store.
//! - `no_secret_leak`: the secret key appears in no `Debug` output, error or captured log.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use vigil_core::pagination::collect_all;
use vigil_core::retry::RetryConfig;
use vigil_core::{CollectOptions, ErrorKind, ProductDescriptor, ProviderContext, Region, Scope};

/// What a provider's test binary provides to the suite.
pub trait SuiteEnv: Send + Sync + 'static {
    /// The provider id whose registered products are checked.
    fn provider(&self) -> &'static str;
    /// The runtime the simulator runs on; trials block on it.
    fn runtime(&self) -> &tokio::runtime::Runtime;
    /// A context with a key allowed to read everything, pointed at the simulator.
    fn context(&self, options: CollectOptions) -> ProviderContext;
    /// The secret of that key (to prove it never leaks).
    fn secret(&self) -> String;
    /// Regions the simulator serves for regional products.
    fn regions(&self) -> Vec<Region>;
    /// The region global products are listed through.
    fn home_region(&self) -> Region;
    /// The simulator's raw items of `kind` in `region`, as it serves them in list responses.
    /// For a global product `region` is the home region and the answer covers the account.
    fn fixture(&self, kind: &str, region: &Region) -> Vec<Value>;
    /// Make the next `times` requests of `product` in `region` fail with `status`/`code`.
    fn inject_fault(
        &self,
        product: &ProductDescriptor,
        region: &Region,
        status: u16,
        code: &str,
        times: u32,
    );
    /// Remove pending faults.
    fn clear_faults(&self);
    /// Requests the simulator has served so far.
    fn request_count(&self) -> u64;
}

type Check = fn(&dyn SuiteEnv, &'static ProductDescriptor) -> Result<(), Failed>;

const CHECKS: &[(&str, Check)] = &[
    ("descriptor", check_descriptor),
    ("pagination_1", |env, p| check_pagination(env, p, 1)),
    ("pagination_7", |env, p| check_pagination(env, p, 7)),
    ("pagination_1000", |env, p| check_pagination(env, p, 1000)),
    ("full_fixture", check_full_fixture),
    ("retries", check_retries),
    ("unknown_region", check_unknown_region),
    ("idempotent_sync", check_idempotent_sync),
    ("no_secret_leak", check_no_secret_leak),
];

/// One trial per (registered product of the env's provider, check), named
/// `conformance::<provider>::<product>::<check>`.
///
/// Fault-injecting checks share the simulator, so trials must run with one test thread;
/// [`run`] arranges that.
pub fn trials(env: Arc<dyn SuiteEnv>) -> Vec<Trial> {
    let mut out = Vec::new();
    for product in vigil_core::registry::provider_products(env.provider()) {
        for (name, check) in CHECKS {
            let env = env.clone();
            let check = *check;
            out.push(Trial::test(
                format!(
                    "conformance::{}::{}::{name}",
                    product.provider, product.product
                ),
                move || check(env.as_ref(), product),
            ));
        }
    }
    out
}

/// Parse libtest arguments, force one test thread, run the trials and exit.
pub fn run(env: Arc<dyn SuiteEnv>) -> ! {
    let mut args = libtest_mimic::Arguments::from_args();
    args.test_threads = Some(1);
    let products = vigil_core::registry::provider_products(env.provider());
    if products.is_empty() {
        eprintln!(
            "no products are registered for provider {:?}: is the provider crate linked?",
            env.provider()
        );
        std::process::exit(1);
    }
    libtest_mimic::run(&args, trials(env)).exit()
}

fn fail(msg: impl Into<String>) -> Failed {
    Failed::from(msg.into())
}

fn regions_for(env: &dyn SuiteEnv, product: &ProductDescriptor) -> Vec<Region> {
    match product.scope {
        Scope::Regional => env.regions(),
        Scope::Global => vec![env.home_region()],
    }
}

fn fast_options(page_size: u32) -> CollectOptions {
    CollectOptions::default()
        .with_page_size(page_size)
        .with_retry(RetryConfig::fast())
}

fn check_descriptor(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    let prefix = format!("{}_{}_", env.provider(), p.product);
    if p.asset_kinds.is_empty() {
        return Err(fail("the product declares no asset kinds"));
    }
    for kind in p.kind_names() {
        let ok = kind.starts_with(&prefix)
            && kind.len() > prefix.len()
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(fail(format!(
                "asset kind {kind:?} must look like {prefix}<resource> in lower-case"
            )));
        }
    }
    if p.read_policy.is_empty() || p.service.is_empty() || p.title.is_empty() {
        return Err(fail("read_policy, service and title must be set"));
    }
    let cx = env.context(CollectOptions::default());
    let collector = (p.build)(&cx).map_err(|e| fail(format!("build failed: {e}")))?;
    if !std::ptr::eq(collector.descriptor(), p) {
        return Err(fail(
            "the collector's descriptor() is not the registered descriptor",
        ));
    }
    Ok(())
}

fn check_pagination(
    env: &dyn SuiteEnv,
    p: &'static ProductDescriptor,
    page_size: u32,
) -> Result<(), Failed> {
    env.clear_faults();
    let cx = env.context(fast_options(page_size));
    let collector = (p.build)(&cx).map_err(|e| fail(format!("build failed: {e}")))?;
    let mut total = 0;
    for region in regions_for(env, p) {
        for kind in p.kind_names() {
            let assets = env
                .runtime()
                .block_on(collect_all(collector.as_ref(), &cx, &region, kind))
                .map_err(|e| {
                    fail(format!(
                        "listing {kind} in {region} with page size {page_size}: {e}"
                    ))
                })?;
            let mut seen = BTreeSet::new();
            for a in &assets {
                if !seen.insert(a.resource_id.clone()) {
                    return Err(fail(format!(
                        "{kind} in {region}: id {} returned twice",
                        a.resource_id
                    )));
                }
                // Global products may place an asset in its real location (a bucket's region).
                let region_ok = p.scope == Scope::Global || a.region == region.as_str();
                if a.kind != kind || !region_ok {
                    return Err(fail(format!(
                        "{kind} in {region}: asset {} has kind {} region {}",
                        a.resource_id, a.kind, a.region
                    )));
                }
            }
            let expected: BTreeSet<String> = env
                .fixture(kind, &region)
                .iter()
                .map(|item| fixture_id(p, kind, item))
                .collect::<Result<_, _>>()?;
            if seen != expected {
                let missing: Vec<_> = expected.difference(&seen).take(5).collect();
                let extra: Vec<_> = seen.difference(&expected).take(5).collect();
                return Err(fail(format!(
                    "{kind} in {region} (page size {page_size}): got {} ids, fixture has {}; missing {missing:?}, unexpected {extra:?}",
                    seen.len(),
                    expected.len()
                )));
            }
            total += assets.len();
        }
    }
    if total <= page_size as usize && page_size < 1000 {
        return Err(fail(format!(
            "the simulator world has only {total} {} assets: too few to exercise page size {page_size}",
            p.product
        )));
    }
    Ok(())
}

/// Paths of every leaf in `v` (`a.b[0].c`), with the leaf value.
fn leaves(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves(v, format!("{path}.{k}"), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{path}[{i}]"), out);
            }
        }
        other => out.push((path, other.clone())),
    }
}

fn is_empty_leaf(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

fn check_full_fixture(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    env.clear_faults();
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let store = Arc::new(
        vigil_store::Store::open(&dir.path().join("vigil.db")).map_err(|e| fail(e.to_string()))?,
    );
    let cx = env.context(fast_options(1000));
    let summary = run_sync(env, &store, &cx, p)?;
    if let Some(f) = summary.failures().next() {
        return Err(fail(format!("sync failed: {f:?}")));
    }
    for kind in p.kind_names() {
        let mut fully_populated = 0;
        for region in regions_for(env, p) {
            let stored: BTreeMap<String, Value> = store
                .assets(&vigil_store::AssetFilter {
                    kind: Some(kind.to_string()),
                    region: (p.scope == Scope::Regional).then(|| region.to_string()),
                    ..Default::default()
                })
                .map_err(|e| fail(e.to_string()))?
                .into_iter()
                .map(|a| (a.resource_id, a.raw))
                .collect();
            for item in env.fixture(kind, &region) {
                let id = fixture_id(p, kind, &item)?;
                let Some(raw) = stored.get(&id) else {
                    return Err(fail(format!("{kind} {id} in {region} was not stored")));
                };
                let mut expected = Vec::new();
                leaves(&item, String::new(), &mut expected);
                let mut got = Vec::new();
                leaves(raw, String::new(), &mut got);
                let got: BTreeMap<_, _> = got.into_iter().collect();
                for (path, value) in &expected {
                    if got.get(path) != Some(value) {
                        return Err(fail(format!(
                            "{kind} {id}: field {path} = {value} in the fixture but {:?} in the stored raw JSON",
                            got.get(path)
                        )));
                    }
                }
                if expected.iter().all(|(_, v)| !is_empty_leaf(v)) {
                    fully_populated += 1;
                }
            }
        }
        if fully_populated == 0 {
            return Err(fail(format!(
                "the simulator has no fully populated {kind} fixture (every field non-empty); add one so this check means something"
            )));
        }
    }
    Ok(())
}

/// The id of a fixture item, read from the field the product declares for the kind.
fn fixture_id(p: &ProductDescriptor, kind: &str, item: &Value) -> Result<String, Failed> {
    let field = p
        .asset_kinds
        .iter()
        .find(|k| k.name == kind)
        .map(|k| k.id_field)
        .ok_or_else(|| fail(format!("{kind} is not declared by {}", p.product)))?;
    item.get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| fail(format!("a {kind} fixture has no string field {field:?}")))
}

fn run_sync(
    env: &dyn SuiteEnv,
    store: &Arc<vigil_store::Store>,
    cx: &ProviderContext,
    p: &'static ProductDescriptor,
) -> Result<vigil_sync::SyncSummary, Failed> {
    let connection = store
        .upsert_connection(&vigil_store::NewConnection {
            name: "conformance".into(),
            provider: p.provider.into(),
            account_id: None,
            access_key_id: cx.credential.access_key_id.clone(),
            regions: env.regions().iter().map(|r| r.to_string()).collect(),
            endpoint_override: cx.endpoint_override.map(|a| a.to_string()),
        })
        .map_err(|e| fail(e.to_string()))?;
    let request = vigil_sync::SyncRequest {
        connection,
        cx: cx.clone(),
        products: vec![p],
        regions: env.regions(),
        denied: BTreeSet::new(),
        cancel: vigil_sync::CancelToken::new(),
    };
    env.runtime()
        .block_on(vigil_sync::sync(
            store.clone(),
            &request,
            &vigil_sync::NoProgress,
        ))
        .map_err(|e| fail(format!("sync failed: {e}")))
}

fn check_retries(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    let region = regions_for(env, p)
        .into_iter()
        .next()
        .ok_or_else(|| fail("no region"))?;
    let kind = p.asset_kinds[0].name;
    let cx = env.context(fast_options(1000));
    let collector = (p.build)(&cx).map_err(|e| fail(format!("build failed: {e}")))?;
    for (status, code) in [
        (429, "RequestLimitExceeded"),
        (500, "InternalError"),
        (503, "ServiceUnavailable"),
    ] {
        env.clear_faults();
        env.inject_fault(p, &region, status, code, 2);
        let before = env.request_count();
        let result = env
            .runtime()
            .block_on(collect_all(collector.as_ref(), &cx, &region, kind));
        let used = env.request_count() - before;
        result.map_err(|e| {
            fail(format!(
                "{status} {code} twice was not retried to success: {e}"
            ))
        })?;
        if used < 3 {
            return Err(fail(format!(
                "{status} {code}: expected at least 3 requests (2 failures, 1 success), saw {used}"
            )));
        }
    }
    env.clear_faults();
    env.inject_fault(p, &region, 403, "AccessDenied", 5);
    let before = env.request_count();
    let result = env
        .runtime()
        .block_on(collect_all(collector.as_ref(), &cx, &region, kind));
    let used = env.request_count() - before;
    env.clear_faults();
    match result {
        Err(e) if e.kind() == ErrorKind::PermissionDenied && used == 1 => Ok(()),
        Err(e) => Err(fail(format!("403 AccessDenied: expected one request and PermissionDenied, saw {used} requests and {:?}", e.kind()))),
        Ok(_) => Err(fail("403 AccessDenied was not reported as an error")),
    }
}

fn check_unknown_region(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    if p.scope == Scope::Global {
        return Ok(()); // global products take no region from the user
    }
    env.clear_faults();
    let cx = env.context(fast_options(1000));
    let collector = (p.build)(&cx).map_err(|e| fail(format!("build failed: {e}")))?;
    let region = Region::new("zz-nowhere").map_err(|e| fail(e.to_string()))?;
    match env.runtime().block_on(collect_all(
        collector.as_ref(),
        &cx,
        &region,
        p.asset_kinds[0].name,
    )) {
        Err(e) if e.kind() == ErrorKind::UnknownRegion => Ok(()),
        Err(e) => Err(fail(format!(
            "expected UnknownRegion, got {:?}: {e}",
            e.kind()
        ))),
        Ok(a) => Err(fail(format!(
            "listing an unknown region returned {} assets",
            a.len()
        ))),
    }
}

/// (kind, region, resource id, raw payload, first seen) of one stored asset.
type AssetSnapshot = (String, String, String, Value, String);

fn check_idempotent_sync(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    env.clear_faults();
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let store = Arc::new(
        vigil_store::Store::open(&dir.path().join("vigil.db")).map_err(|e| fail(e.to_string()))?,
    );
    let cx = env.context(fast_options(7));
    let first = run_sync(env, &store, &cx, p)?;
    let snapshot = |store: &vigil_store::Store| -> Result<Vec<AssetSnapshot>, Failed> {
        Ok(store
            .assets(&Default::default())
            .map_err(|e| fail(e.to_string()))?
            .into_iter()
            .map(|a| (a.kind, a.region, a.resource_id, a.raw, a.first_seen))
            .collect())
    };
    let before = snapshot(&store)?;
    let second = run_sync(env, &store, &cx, p)?;
    let after = snapshot(&store)?;
    if first.inserted == 0 {
        return Err(fail("the first sync stored nothing"));
    }
    if second.inserted != 0 || second.updated != 0 {
        return Err(fail(format!(
            "the second sync inserted {} and updated {} assets",
            second.inserted, second.updated
        )));
    }
    if second.unchanged != first.inserted {
        return Err(fail(format!(
            "second sync saw {} unchanged assets, first inserted {}",
            second.unchanged, first.inserted
        )));
    }
    if before != after {
        return Err(fail(
            "stored assets differ after running the same sync twice",
        ));
    }
    Ok(())
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check_no_secret_leak(env: &dyn SuiteEnv, p: &'static ProductDescriptor) -> Result<(), Failed> {
    use tracing::instrument::WithSubscriber;
    env.clear_faults();
    let secret = env.secret();
    if secret.len() < 8 {
        return Err(fail("the suite's secret is too short to search for"));
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);

    let cx = env.context(fast_options(7));
    let collector = (p.build)(&cx).map_err(|e| fail(format!("build failed: {e}")))?;
    let region = regions_for(env, p)
        .into_iter()
        .next()
        .ok_or_else(|| fail("no region"))?;
    let kind = p.asset_kinds[0].name;
    let mut text = format!("{cx:?}\n{collector:?}\n{:?}\n", cx.credential);

    // A successful listing, a retried one and a failing one, all under the capturing subscriber.
    env.inject_fault(p, &region, 503, "ServiceUnavailable", 1);
    let ok = env.runtime().block_on(
        collect_all(collector.as_ref(), &cx, &region, kind).with_subscriber(dispatch.clone()),
    );
    text.push_str(&format!("{ok:?}\n"));
    let mut wrong = (*cx.credential).clone();
    wrong.secret_access_key = vigil_core::Secret::new(format!("{secret}-wrong"));
    let bad_cx = ProviderContext::new("leak-check", wrong)
        .with_endpoint_override(cx.endpoint_override)
        .with_options(fast_options(7));
    let bad = (p.build)(&bad_cx).map_err(|e| fail(format!("build failed: {e}")))?;
    let err = env
        .runtime()
        .block_on(collect_all(bad.as_ref(), &bad_cx, &region, kind).with_subscriber(dispatch))
        .err()
        .ok_or_else(|| fail("a wrong secret was accepted"))?;
    if err.kind() != ErrorKind::SignatureMismatch {
        return Err(fail(format!(
            "a wrong secret gave {:?}, expected SignatureMismatch",
            err.kind()
        )));
    }
    text.push_str(&format!("{err}\n{err:?}\n{bad_cx:?}\n"));
    let logs =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|p| p.into_inner())).to_string();
    if logs.is_empty() {
        return Err(fail(
            "no logs were captured, so the leak check would prove nothing",
        ));
    }
    text.push_str(&logs);
    if text.contains(&secret) {
        return Err(fail(
            "the secret key appears in Debug output, an error or a log line",
        ));
    }
    Ok(())
}
