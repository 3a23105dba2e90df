//! BCC (Baidu Cloud Compute): instances and security groups (with their rules).
//!
//! API: `GET /v2/instance` and `GET /v2/securityGroup` on `bcc.{region}.baidubce.com`, marker
//! paginated. The security-group list already carries every rule, so no detail call is
//! needed. Read access: `BCCReadAccessPolicy` (or `GlobalReadPolicy`).

use std::sync::Arc;

use async_trait::async_trait;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Page, PageToken, ProductDescriptor, ProviderContext, Region,
    Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{marker_page, MarkerList};

/// BCC instance asset kind.
pub const INSTANCE: &str = "baidu_bcc_instance";
/// BCC security group asset kind.
pub const SECURITY_GROUP: &str = "baidu_bcc_security_group";

const INSTANCES: MarkerList = MarkerList {
    kind: AssetKind {
        name: INSTANCE,
        id_field: "id",
    },
    path: "/v2/instance",
    items_field: "instances",
    name_field: Some("name"),
};
const SECURITY_GROUPS: MarkerList = MarkerList {
    kind: AssetKind {
        name: SECURITY_GROUP,
        id_field: "id",
    },
    path: "/v2/securityGroup",
    items_field: "securityGroups",
    name_field: Some("name"),
};

/// The BCC product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "bcc",
    title: "Baidu Cloud Compute (BCC)",
    service: "bcc",
    asset_kinds: &[INSTANCES.kind, SECURITY_GROUPS.kind],
    scope: Scope::Regional,
    read_policy: "BCCReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(BccCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Lists BCC instances and security groups.
#[derive(Debug)]
pub struct BccCollector {
    client: BceClient,
    page_size: u32,
}

#[async_trait]
impl AssetCollector for BccCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        let list = match kind {
            INSTANCE => &INSTANCES,
            SECURITY_GROUP => &SECURITY_GROUPS,
            other => return Err(crate::list::unsupported_kind("bcc", other)),
        };
        marker_page(
            &self.client,
            &Target::regional("bcc", "bcc", region),
            list,
            &[],
            region,
            self.page_size,
            page,
        )
        .await
    }
}
