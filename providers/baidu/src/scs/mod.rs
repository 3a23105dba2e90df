//! SCS (Simple Cache Service: Redis and Memcache): instances with their detail, IP whitelist
//! and backup policy.
//!
//! API: `GET /v2/instance` on `redis.{region}.baidubce.com`, marker paginated. The list item
//! lacks the public endpoint (`publicDomain`), the VPC and subnets, so every instance gets
//! three child calls:
//!
//! - `detail`: `GET /v2/instance/{id}` (flat object: `publicDomain`, `eip`, `vpcId`,
//!   `subnets[]`, `enableReadOnly`, ...);
//! - `securityIps`: `GET /v1/instance/{id}/securityIp` → `{"securityIps": [...]}`
//!   (`0.0.0.0/0` = everyone);
//! - `backupPolicy`: `GET /v1/instance/{id}/backup/policy` → `{backupDays, backupTime,
//!   expireDay, isEncrypt, ...}`.
//!
//! Paths as in the Go SDK (`services/scs`: `ListInstances`, `GetInstanceDetail`,
//! `GetSecurityIp`, `GetBackupPolicy`). Read access: `RedisReadAccessPolicy` (or
//! `GlobalReadPolicy`); IAM service `scs`.

use std::sync::Arc;

use async_trait::async_trait;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Page, PageToken, ProductDescriptor, ProviderContext, Region,
    Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{fetch_details, marker_page, MarkerList};

/// SCS instance asset kind.
pub const INSTANCE: &str = "baidu_scs_instance";

/// Child call: the instance detail.
pub const DETAIL: &str = "detail";
/// Child call: the IP whitelist.
pub const SECURITY_IPS: &str = "securityIps";
/// Child call: the backup policy.
pub const BACKUP_POLICY: &str = "backupPolicy";

const INSTANCES: MarkerList = MarkerList {
    kind: AssetKind {
        name: INSTANCE,
        id_field: "instanceId",
    },
    path: "/v2/instance",
    items_field: "instances",
    name_field: Some("instanceName"),
};

/// The path of a child call for an instance id.
type PathOf = fn(&str) -> String;

/// The child calls: (call name, path for an instance id).
const CHILD_CALLS: [(&str, PathOf); 3] = [
    (DETAIL, |id| format!("/v2/instance/{id}")),
    (SECURITY_IPS, |id| format!("/v1/instance/{id}/securityIp")),
    (BACKUP_POLICY, |id| {
        format!("/v1/instance/{id}/backup/policy")
    }),
];

/// The SCS product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "scs",
    title: "Simple Cache Service (SCS, Redis)",
    service: "scs",
    asset_kinds: &[INSTANCES.kind],
    scope: Scope::Regional,
    read_policy: "RedisReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(ScsCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Lists SCS instances with their detail, whitelist and backup policy.
#[derive(Debug)]
pub struct ScsCollector {
    client: BceClient,
    page_size: u32,
}

#[async_trait]
impl AssetCollector for ScsCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        if kind != INSTANCE {
            return Err(crate::list::unsupported_kind("scs", kind));
        }
        // The host label is `redis`; limits and faults use the IAM service name `scs`.
        let target = Target::regional("scs", "redis", region);
        let mut page = marker_page(
            &self.client,
            &target,
            &INSTANCES,
            &[],
            region,
            self.page_size,
            page,
        )
        .await?;
        let (client, target) = (&self.client, &target);
        for (call, path_of) in CHILD_CALLS {
            fetch_details(client, &mut page.items, call, |asset| {
                let path = path_of(&asset.resource_id);
                async move { Ok(client.get(target, &path, &[]).await?.body) }
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
    fn child_call_paths_follow_the_go_sdk() {
        let paths: Vec<(&str, String)> = CHILD_CALLS
            .iter()
            .map(|(call, path_of)| (*call, path_of("scs-bj-abc")))
            .collect();
        assert_eq!(
            paths,
            [
                ("detail", "/v2/instance/scs-bj-abc".to_string()),
                (
                    "securityIps",
                    "/v1/instance/scs-bj-abc/securityIp".to_string()
                ),
                (
                    "backupPolicy",
                    "/v1/instance/scs-bj-abc/backup/policy".to_string()
                ),
            ]
        );
    }
}
