//! Application BLB (layer-7 load balancers): the same host, API shapes and collector as
//! classic BLB (see [`super`]), under the `/v1/appblb` prefix.
//!
//! - list: `GET /v1/appblb?marker=&maxKeys=` (items `blbList`, id `blbId`; `publicIp`, and
//!   `publicIpv6` for IPv6 load balancers);
//! - child call `listeners`: `GET /v1/appblb/{blbId}/listener`, every page combined into
//!   `{"listenerList": [...]}`.
//!
//! Read access: `BLBReadAccessPolicy` (or `GlobalReadPolicy`); IAM service `blb`.

use std::sync::Arc;

use vigil_core::{AssetCollector, AssetKind, ProductDescriptor, ProviderContext, Result, Scope};

use super::{Flavour, LbCollector};
use crate::list::MarkerList;

/// Application BLB load balancer asset kind.
pub const LOAD_BALANCER: &str = "baidu_appblb_load_balancer";

const LIST: MarkerList = MarkerList {
    kind: AssetKind {
        name: LOAD_BALANCER,
        id_field: "blbId",
    },
    path: "/v1/appblb",
    items_field: "blbList",
    name_field: Some("name"),
};

static APPLICATION: Flavour = Flavour {
    descriptor: &DESCRIPTOR,
    list: LIST,
    prefix: "/v1/appblb",
};

/// The application BLB product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "appblb",
    title: "Application Load Balancer (application BLB)",
    service: "blb",
    asset_kinds: &[LIST.kind],
    scope: Scope::Regional,
    read_policy: "BLBReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    LbCollector::build(cx, &APPLICATION)
}
