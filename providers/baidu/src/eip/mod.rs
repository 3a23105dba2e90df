//! EIP: elastic (public) IP addresses.
//!
//! API: `GET /v1/eip` on `eip.{region}.baidubce.com`, marker paginated, items under `eipList`.
//! Each item already says what the address is bound to (`instanceType`, `instanceId`), its
//! `status` (`available`, `binded`, `paused`, ...) and bandwidth, so no detail call is made
//! (BCE has no per-EIP read API). Read access: `EIPReadAccessPolicy` (or `GlobalReadPolicy`).
//!
//! The asset id is the address itself (`eip`): every EIP API of the official SDKs (bind,
//! unbind, resize, release) names an EIP by its address, and the Go SDK's `EipModel` has no
//! `eipId` field, so `eipId` is kept in the raw JSON but not relied on.

use std::sync::Arc;

use async_trait::async_trait;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Page, PageToken, ProductDescriptor, ProviderContext, Region,
    Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{marker_page, MarkerList};

/// EIP asset kind.
pub const EIP: &str = "baidu_eip_eip";

const EIPS: MarkerList = MarkerList {
    kind: AssetKind {
        name: EIP,
        id_field: "eip",
    },
    path: "/v1/eip",
    items_field: "eipList",
    name_field: Some("name"),
};

/// The EIP product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "eip",
    title: "Elastic IP (EIP)",
    service: "eip",
    asset_kinds: &[EIPS.kind],
    scope: Scope::Regional,
    read_policy: "EIPReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(EipCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Lists EIPs.
#[derive(Debug)]
pub struct EipCollector {
    client: BceClient,
    page_size: u32,
}

#[async_trait]
impl AssetCollector for EipCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        if kind != EIP {
            return Err(crate::list::unsupported_kind("eip", kind));
        }
        marker_page(
            &self.client,
            &Target::regional("eip", "eip", region),
            &EIPS,
            &[],
            region,
            self.page_size,
            page,
        )
        .await
    }
}
