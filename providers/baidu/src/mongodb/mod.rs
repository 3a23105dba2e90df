//! MongoDB (DocDB for MongoDB): instances with their detail, IP whitelist and backup policy.
//!
//! API: `GET /v1/instance?manner=marker` on `mongodb.{region}.baidubce.com`, marker paginated
//! (the `manner=marker` switch is what the Go SDK's `ListMongodb` sends). The list item lacks
//! the public connection strings and the members' public IPs, so every instance gets three
//! child calls:
//!
//! - `detail`: `GET /v1/instance/{id}` (flat object: `publicConnectionString`,
//!   `members[].eip`, `mongosList[]`/`shardList[]`, ...);
//! - `securityIps`: `GET /v1/instance/{id}?describeSecurityIps` → `{"securityIps": [...]}`.
//!   The action is selected by a value-less query key: it is signed as
//!   `describeSecurityIps=` (an empty value canonicalises to `key=`) and sent on the wire the
//!   same way, as the Python SDK does (the Go SDK sends `?describeSecurityIps`, which BCE
//!   canonicalises identically);
//! - `backupPolicy`: `GET /v1/instance/{id}/backupPolicy` → `{autoBackupEnable,
//!   preferredBackupPeriod, preferredBackupTime, backupRetentionPeriod, ...}`.
//!
//! Paths as in the Go SDK (`services/mongodb`: `ListMongodb`, `GetInstanceDetail`,
//! `GetSecurityIps`, `GetBackupPolicy`). Read access: `MONGODBReadAccessPolicy` (or
//! `GlobalReadPolicy`); IAM service `mongodb`.

use std::sync::Arc;

use async_trait::async_trait;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Page, PageToken, ProductDescriptor, ProviderContext, Region,
    Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{fetch_details, marker_page, MarkerList};

/// MongoDB instance asset kind.
pub const INSTANCE: &str = "baidu_mongodb_instance";

/// Child call: the instance detail.
pub const DETAIL: &str = "detail";
/// Child call: the IP whitelist.
pub const SECURITY_IPS: &str = "securityIps";
/// Child call: the backup policy.
pub const BACKUP_POLICY: &str = "backupPolicy";

/// The value-less query key that turns `GET /v1/instance/{id}` into the whitelist read.
pub const DESCRIBE_SECURITY_IPS: &str = "describeSecurityIps";

const INSTANCES: MarkerList = MarkerList {
    kind: AssetKind {
        name: INSTANCE,
        id_field: "dbInstanceId",
    },
    path: "/v1/instance",
    items_field: "dbInstances",
    name_field: Some("dbInstanceName"),
};

/// The MongoDB product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "mongodb",
    title: "DocDB for MongoDB",
    service: "mongodb",
    asset_kinds: &[INSTANCES.kind],
    scope: Scope::Regional,
    read_policy: "MONGODBReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(MongodbCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// One child call: its name, path and query for an instance id.
fn child_request(call: &str, id: &str) -> (String, Vec<(String, String)>) {
    match call {
        SECURITY_IPS => (
            format!("/v1/instance/{id}"),
            vec![(DESCRIBE_SECURITY_IPS.to_string(), String::new())],
        ),
        BACKUP_POLICY => (format!("/v1/instance/{id}/backupPolicy"), Vec::new()),
        _ => (format!("/v1/instance/{id}"), Vec::new()),
    }
}

/// Lists MongoDB instances with their detail, whitelist and backup policy.
#[derive(Debug)]
pub struct MongodbCollector {
    client: BceClient,
    page_size: u32,
}

#[async_trait]
impl AssetCollector for MongodbCollector {
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
            return Err(crate::list::unsupported_kind("mongodb", kind));
        }
        let target = Target::regional("mongodb", "mongodb", region);
        let mut page = marker_page(
            &self.client,
            &target,
            &INSTANCES,
            &[("manner".to_string(), "marker".to_string())],
            region,
            self.page_size,
            page,
        )
        .await?;
        let (client, target) = (&self.client, &target);
        for call in [DETAIL, SECURITY_IPS, BACKUP_POLICY] {
            fetch_details(client, &mut page.items, call, |asset| {
                let (path, query) = child_request(call, &asset.resource_id);
                async move { Ok(client.get(target, &path, &query).await?.body) }
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
    fn the_whitelist_is_a_valueless_query_key_on_the_instance_path() {
        let (path, query) = child_request(SECURITY_IPS, "m-abc");
        assert_eq!(path, "/v1/instance/m-abc");
        assert_eq!(query, [("describeSecurityIps".to_string(), String::new())]);
        // Signed as `describeSecurityIps=`, like the SDKs' `?describeSecurityIps`.
        assert_eq!(
            vigil_baidu_auth::canonical_query(&query),
            "describeSecurityIps="
        );
        assert_eq!(
            child_request(DETAIL, "m-abc"),
            ("/v1/instance/m-abc".to_string(), vec![])
        );
        assert_eq!(
            child_request(BACKUP_POLICY, "m-abc"),
            ("/v1/instance/m-abc/backupPolicy".to_string(), vec![])
        );
    }
}
