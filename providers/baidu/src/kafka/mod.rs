//! Kafka (Baidu's managed message queue for Kafka): clusters.
//!
//! API: `GET /v2/clusters` on `kafka.{region}.baidubce.com`, marker paginated (items
//! `clusters`, id `clusterId`). Per cluster two read-only child calls give what a posture
//! check needs and the list lacks:
//!
//! - `detail`: `GET /v2/clusters/{clusterId}` → `{"cluster": {..., "provisioned": {...}}}`
//!   (public access and its bandwidth, authentication modes, ACL switch, VPC, subnets,
//!   security groups);
//! - `accessEndpoints`: `GET /v2/clusters/{clusterId}/access-endpoints` →
//!   `{"accessEndpoints": [{securityProtocol, network, endpoints}]}` (which listeners are
//!   plaintext, which are reachable from the Internet).
//!
//! Read access: `KAFKAReadAccessPolicy` (or `GlobalReadPolicy`); IAM service `kafka`.

use std::sync::Arc;

use async_trait::async_trait;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Error, ErrorKind, Page, PageToken, ProductDescriptor,
    ProviderContext, Region, Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{fetch_details, marker_page, MarkerList};

/// Kafka cluster asset kind.
pub const CLUSTER: &str = "baidu_kafka_cluster";

/// Child call: the cluster detail (`GET /v2/clusters/{id}`).
pub const CALL_DETAIL: &str = "detail";
/// Child call: the cluster's access endpoints (`GET /v2/clusters/{id}/access-endpoints`).
pub const CALL_ACCESS_ENDPOINTS: &str = "accessEndpoints";

const CLUSTERS_PATH: &str = "/v2/clusters";

const CLUSTERS: MarkerList = MarkerList {
    kind: AssetKind {
        name: CLUSTER,
        id_field: "clusterId",
    },
    path: CLUSTERS_PATH,
    items_field: "clusters",
    name_field: Some("name"),
};

/// The Kafka product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "kafka",
    title: "Message Queue for Kafka",
    service: "kafka",
    asset_kinds: &[CLUSTERS.kind],
    scope: Scope::Regional,
    read_policy: "KAFKAReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(KafkaCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Lists Kafka clusters with their detail and access endpoints.
#[derive(Debug)]
pub struct KafkaCollector {
    client: BceClient,
    page_size: u32,
}

/// The path of a per-cluster call, refusing ids that would change the path's shape (an id
/// comes from a response, and must name exactly one path segment).
fn cluster_path(id: &str, suffix: &str) -> Result<String> {
    if id.is_empty() || id == "." || id == ".." || id.contains(['/', '?', '#']) {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!("cluster id {id:?} cannot be used in a request path"),
        ));
    }
    Ok(format!("{CLUSTERS_PATH}/{id}{suffix}"))
}

#[async_trait]
impl AssetCollector for KafkaCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        if kind != CLUSTER {
            return Err(crate::list::unsupported_kind("kafka", kind));
        }
        let target = Target::regional("kafka", "kafka", region);
        let mut page = marker_page(
            &self.client,
            &target,
            &CLUSTERS,
            &[],
            region,
            self.page_size,
            page,
        )
        .await?;
        let client = &self.client;
        let target = &target;
        for (call, suffix) in [
            (CALL_DETAIL, ""),
            (CALL_ACCESS_ENDPOINTS, "/access-endpoints"),
        ] {
            fetch_details(client, &mut page.items, call, |asset| {
                let path = cluster_path(&asset.resource_id, suffix);
                async move { Ok(client.get(target, &path?, &[]).await?.body) }
            })
            .await;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_call_paths() {
        assert_eq!(
            cluster_path("6f0c1b2a", "").unwrap(),
            "/v2/clusters/6f0c1b2a"
        );
        assert_eq!(
            cluster_path("6f0c1b2a", "/access-endpoints").unwrap(),
            "/v2/clusters/6f0c1b2a/access-endpoints"
        );
        for bad in ["", ".", "..", "a/b", "a?b", "a#b"] {
            let e = cluster_path(bad, "").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{bad:?}");
        }
    }
}
