//! The generic conformance suite (vigil-testkit) run against every registered Baidu product,
//! served by the simulator over loopback. `cargo xtask conformance [--product P]` runs this.

use std::sync::Arc;

use serde_json::Value;
use vigil_baidu_sim::{Fault, GenerateOptions, SimHandle, Simulator, World};
use vigil_core::{AccessKey, CollectOptions, ProductDescriptor, ProviderContext, Region, Scope};
use vigil_testkit::SuiteEnv;

struct BaiduEnv {
    runtime: tokio::runtime::Runtime,
    sim: SimHandle,
    world: World,
    account_id: String,
    regions: Vec<Region>,
}

/// World collections are named after the asset kind: `baidu_bcc_instance` → `bcc_instances`.
fn collection_of(kind: &str) -> String {
    format!("{}s", kind.strip_prefix("baidu_").unwrap_or(kind))
}

impl SuiteEnv for BaiduEnv {
    fn provider(&self) -> &'static str {
        vigil_provider_baidu::PROVIDER
    }
    fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }
    fn context(&self, options: CollectOptions) -> ProviderContext {
        ProviderContext::new(
            "conformance",
            // `global-reader` (GlobalReadPolicy + IAMReadAccessPolicy): the suite needs a key
            // that may read every product; the demo auditor only has IAM and BCC.
            AccessKey::new(
                vigil_baidu_sim::keys::GLOBAL_READER.0,
                vigil_baidu_sim::keys::GLOBAL_READER.1,
            ),
        )
        .with_endpoint_override(Some(self.sim.addr()))
        .with_options(options)
    }
    fn secret(&self) -> String {
        vigil_baidu_sim::keys::GLOBAL_READER.1.to_string()
    }
    fn regions(&self) -> Vec<Region> {
        self.regions.clone()
    }
    fn home_region(&self) -> Region {
        Region::new("bj").expect("valid")
    }
    fn fixture(&self, kind: &str, region: &Region) -> Vec<Value> {
        // IAM: the account's users, groups and custom policies as the list APIs serve them.
        let account = &self.world.accounts()[0];
        match kind {
            "baidu_iam_user" => return account.served_iam_users(),
            "baidu_iam_group" => return account.served_iam_groups(),
            "baidu_iam_policy" => return account.served_iam_custom_policies(),
            _ => {}
        }
        let global = vigil_core::registry::products()
            .iter()
            .any(|p| p.scope == Scope::Global && p.kind_names().any(|k| k == kind));
        let collection = collection_of(kind);
        if global {
            // A global product lists the whole account: its items may sit in any region.
            return self.world.accounts()[0]
                .regions
                .iter()
                .flat_map(|r| {
                    self.world
                        .resources(&self.account_id, &r.region_id, &collection)
                        .to_vec()
                })
                .collect();
        }
        self.world
            .resources(&self.account_id, region.as_str(), &collection)
            .to_vec()
    }
    fn inject_fault(
        &self,
        product: &ProductDescriptor,
        region: &Region,
        status: u16,
        code: &str,
        times: u32,
    ) {
        self.sim.inject_fault(Fault {
            service: product.service.to_string(),
            // IAM's host (`iam.bj.baidubce.com`) names no region: its faults match any.
            region: (product.service != "iam").then(|| region.to_string()),
            path_prefix: None,
            status,
            code: code.to_string(),
            times,
        });
    }
    fn clear_faults(&self) {
        self.sim.clear_faults();
    }
    fn request_count(&self) -> u64 {
        self.sim.request_count()
    }
}

fn main() {
    vigil_provider_baidu::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // A generated world: several regions, enough items per region that page sizes 1 and 7
    // cross many page boundaries, and the demo keys.
    let world = World::generate(&GenerateOptions {
        regions: 3,
        instances_per_region: 23,
        security_groups_per_region: 9,
        users: 3,
        resources_per_region: 9,
        seed: 7,
    });
    let account_id = world.accounts()[0].id.clone();
    let sim = runtime
        .block_on(Simulator::start(
            world.clone(),
            "127.0.0.1:0".parse().expect("addr"),
        ))
        .expect("start the simulator");
    let regions: Vec<Region> = world.accounts()[0]
        .regions
        .iter()
        .filter(|r| {
            !world
                .resources(&account_id, &r.region_id, "bcc_instances")
                .is_empty()
        })
        .map(|r| Region::new(&r.region_id).expect("valid region"))
        .collect();
    let env = Arc::new(BaiduEnv {
        runtime,
        sim,
        world,
        account_id,
        regions,
    });
    vigil_testkit::run(env)
}
