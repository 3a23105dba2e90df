//! RDS (Relational Database Service: MySQL, SQL Server, PostgreSQL): instances with their IP
//! whitelists.
//!
//! API: `GET /v1/instance` on `rds.{region}.baidubce.com`, marker paginated (`maxKeys` counts
//! instance groups: a primary with its read replicas). Child calls per instance:
//!
//! - `securityIps`: `GET /v1/instance/{id}/securityIp` → `{"etag", "securityIps": [...]}`
//!   (`%` and `0.0.0.0/0` mean "any host"); always.
//! - `detail`: `GET /v1/instance/{id}` (the flat instance object); only for list items that
//!   lack a field the posture checks read (`engineVersion`, `publicAccessStatus`, `endpoint`,
//!   `backupPolicy`). BCE's list items normally carry all of them, so this is usually skipped.
//!
//! Read access: `RDSReadAccessPolicy` (or `GlobalReadPolicy`); IAM service `rds`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Page, PageToken, ProductDescriptor, ProviderContext, Region,
    Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{fetch_details, marker_page, MarkerList};

/// RDS instance asset kind.
pub const INSTANCE: &str = "baidu_rds_instance";

/// Child call: the instance's IP whitelist.
pub const SECURITY_IPS: &str = "securityIps";
/// Child call: the instance detail (only when the list item lacks a needed field).
pub const DETAIL: &str = "detail";

/// Fields of an instance the posture checks read; a list item missing any of them gets a
/// `detail` call.
pub const CHECKED_FIELDS: [&str; 4] = [
    "engineVersion",
    "publicAccessStatus",
    "endpoint",
    "backupPolicy",
];

const INSTANCES: MarkerList = MarkerList {
    kind: AssetKind {
        name: INSTANCE,
        id_field: "instanceId",
    },
    path: "/v1/instance",
    items_field: "instances",
    name_field: Some("instanceName"),
};

/// The RDS product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "rds",
    title: "Relational Database Service (RDS)",
    service: "rds",
    asset_kinds: &[INSTANCES.kind],
    scope: Scope::Regional,
    read_policy: "RDSReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(RdsCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Whether a list item lacks (absent or `null`) a field the posture checks need.
pub fn needs_detail(raw: &Value) -> bool {
    CHECKED_FIELDS
        .iter()
        .any(|f| raw.get(f).is_none_or(Value::is_null))
}

/// Lists RDS instances and their whitelists.
#[derive(Debug)]
pub struct RdsCollector {
    client: BceClient,
    page_size: u32,
}

#[async_trait]
impl AssetCollector for RdsCollector {
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
            return Err(crate::list::unsupported_kind("rds", kind));
        }
        let target = Target::regional("rds", "rds", region);
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

        fetch_details(client, &mut page.items, SECURITY_IPS, |asset| {
            let path = format!("/v1/instance/{}/securityIp", asset.resource_id);
            async move { Ok(client.get(target, &path, &[]).await?.body) }
        })
        .await;

        // The detail call only for the items that need it, keeping the page order.
        let wanted: Vec<usize> = (0..page.items.len())
            .filter(|&i| needs_detail(&page.items[i].raw))
            .collect();
        if !wanted.is_empty() {
            let mut assets: Vec<Asset> = wanted
                .iter()
                .map(|&i| std::mem::take(&mut page.items[i]))
                .collect();
            fetch_details(client, &mut assets, DETAIL, |asset| {
                let path = format!("/v1/instance/{}", asset.resource_id);
                async move { Ok(client.get(target, &path, &[]).await?.body) }
            })
            .await;
            for (i, asset) in wanted.into_iter().zip(assets) {
                page.items[i] = asset;
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detail_is_needed_only_when_a_checked_field_is_missing() {
        let full = json!({
            "instanceId": "rds-1",
            "engineVersion": "8.0",
            "publicAccessStatus": "CLOSE",
            "endpoint": {"address": "a", "port": 3306, "vnetIp": "10.0.0.1", "inetIp": ""},
            "backupPolicy": {"backupDays": "0,3", "backupTime": "17:00:00Z"}
        });
        assert!(!needs_detail(&full));
        for field in CHECKED_FIELDS {
            let mut missing = full.clone();
            missing.as_object_mut().unwrap().remove(field);
            assert!(needs_detail(&missing), "{field} absent");
            let mut null = full.clone();
            null[field] = Value::Null;
            assert!(needs_detail(&null), "{field} null");
        }
        // Empty values are answers, not gaps: an empty inetIp means "no public address".
        let mut empty = full.clone();
        empty["publicAccessStatus"] = json!("");
        assert!(!needs_detail(&empty));
    }
}
