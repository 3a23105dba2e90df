//! BOS (Baidu Object Storage): buckets, with their ACL, encryption, logging, versioning and
//! location.
//!
//! A global product: `GET /` on `{home}.bcebos.com` lists every bucket of the account, in
//! every region, each with its `location` (no pagination: one page). Each asset is placed in
//! its bucket's `location`, and its settings are read from that region's endpoint, path style
//! (`GET {location}.bcebos.com/{bucket}?acl`, `?encryption`, `?logging`, `?versioning`,
//! `?location`: value-less query keys, sent as `?acl=` and signed as `acl=`, exactly like the
//! official Python SDK). Read access: `BOSLISTANDReadAccessPolicy` (or `GlobalReadPolicy`).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Error, ErrorKind, Page, PageToken, ProductDescriptor,
    ProviderContext, Region, Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::fetch_details;

/// BOS bucket asset kind.
pub const BUCKET: &str = "baidu_bos_bucket";

const BUCKET_KIND: AssetKind = AssetKind {
    name: BUCKET,
    id_field: "name",
};

/// The per-bucket child calls: (call name, query key). The response body of each is stored
/// verbatim under the call name.
pub const CHILD_CALLS: &[(&str, &str)] = &[
    ("acl", "acl"),
    ("encryption", "encryption"),
    ("logging", "logging"),
    ("versioning", "versioning"),
    ("location", "location"),
];

/// The BOS product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "bos",
    title: "Baidu Object Storage (BOS)",
    service: "bos",
    asset_kinds: &[BUCKET_KIND],
    scope: Scope::Global,
    read_policy: "BOSLISTANDReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(BosCollector {
        client: BceClient::new(cx)?,
    }))
}

/// Lists BOS buckets and reads each bucket's settings.
#[derive(Debug)]
pub struct BosCollector {
    client: BceClient,
}

/// The BOS endpoint of a region: `{region}.bcebos.com`, limited as (`bos`, region).
pub fn bos_target(region: &Region) -> Target {
    Target {
        service: "bos",
        region: region.to_string(),
        host: format!("{region}.bcebos.com"),
    }
}

/// Turn a `ListBuckets` body into assets, each placed in its bucket's `location` (or, when
/// that is missing or not a region id, in `listed_in`, the region that listed it).
pub fn buckets_to_assets(body: &Value, listed_in: &Region) -> Result<Vec<Asset>> {
    let items = match body.get("buckets") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "GET {}.bcebos.com/: field \"buckets\" should be an array",
                    listed_in
                ),
            ))
        }
    };
    items
        .iter()
        .map(|item| {
            let name = match item.get("name").and_then(Value::as_str) {
                Some(n) if !n.is_empty() => n,
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "GET {}.bcebos.com/: a bucket has no \"name\" string",
                            listed_in
                        ),
                    ))
                }
            };
            let region = item
                .get("location")
                .and_then(Value::as_str)
                .and_then(|l| Region::new(l).ok())
                .unwrap_or_else(|| listed_in.clone());
            Ok(Asset::new(
                BUCKET,
                name,
                Some(name.to_string()),
                region.as_str(),
                item.clone(),
            ))
        })
        .collect()
}

#[async_trait]
impl AssetCollector for BosCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        _page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        if kind != BUCKET {
            return Err(crate::list::unsupported_kind("bos", kind));
        }
        let response = self.client.get(&bos_target(region), "/", &[]).await?;
        let mut assets =
            buckets_to_assets(&response.body, region).map_err(|e| match &response.request_id {
                Some(id) => e.with_request_id(id.clone()),
                None => e,
            })?;
        let client = &self.client;
        for &(call, key) in CHILD_CALLS {
            fetch_details(client, &mut assets, call, |asset| {
                // `asset.region` came from a validated `Region` (see `buckets_to_assets`).
                let target = Region::new(&asset.region).map(|r| bos_target(&r));
                let path = format!("/{}", asset.resource_id);
                let query = [(key.to_string(), String::new())];
                async move {
                    let target = target?;
                    client
                        .get(&target, &path, &query)
                        .await
                        .map(|response| response.body)
                }
            })
            .await;
        }
        Ok(Page {
            items: assets,
            next: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buckets_are_placed_in_their_location() {
        let bj = Region::new("bj").unwrap();
        let body = json!({
            "owner": {"id": "o", "displayName": "d"},
            "buckets": [
                {"name": "a", "location": "gz", "creationDate": "2024-01-02T03:04:05Z"},
                {"name": "b", "location": "bad region!"},
                {"name": "c"}
            ]
        });
        let assets = buckets_to_assets(&body, &bj).unwrap();
        let placed: Vec<(&str, &str)> = assets
            .iter()
            .map(|a| (a.resource_id.as_str(), a.region.as_str()))
            .collect();
        assert_eq!(placed, [("a", "gz"), ("b", "bj"), ("c", "bj")]);
        assert_eq!(assets[0].raw, body["buckets"][0]);
        assert_eq!(assets[0].name.as_deref(), Some("a"));
        assert!(buckets_to_assets(&json!({}), &bj).unwrap().is_empty());
        assert!(buckets_to_assets(&json!({"buckets": [{"location": "bj"}]}), &bj).is_err());
        assert!(buckets_to_assets(&json!({"buckets": {}}), &bj).is_err());
    }

    /// The collector against the simulator's default world: every bucket of every region,
    /// placed in its location, with every child call answered (none recorded as an error).
    #[tokio::test]
    async fn collects_buckets_and_their_settings_from_the_simulator() {
        use vigil_baidu_sim::{keys, Simulator, World};
        let world = World::default_world();
        let account = world.accounts()[0].id.clone();
        let mut expected: Vec<(String, String)> = Vec::new();
        for r in &world.accounts()[0].regions {
            for b in world.resources(&account, &r.region_id, "bos_buckets") {
                expected.push((b["name"].as_str().unwrap().into(), r.region_id.clone()));
            }
        }
        assert!(expected.len() >= 6, "{expected:?}");
        let sim = Simulator::start(world, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let cx = ProviderContext::new(
            "t",
            vigil_core::AccessKey::new(keys::GLOBAL_READER.0, keys::GLOBAL_READER.1),
        )
        .with_endpoint_override(Some(sim.addr()));
        let collector = build(&cx).unwrap();
        let page = collector
            .list_page(&Region::new("bj").unwrap(), BUCKET, None)
            .await
            .unwrap();
        assert!(page.next.is_none());
        let mut got: Vec<(String, String)> = page
            .items
            .iter()
            .map(|a| (a.resource_id.clone(), a.region.clone()))
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected);
        let mut public = 0;
        for a in &page.items {
            assert!(a.detail_errors.is_empty(), "{:?}", a.detail_errors);
            let calls: Vec<&str> = a.details.keys().map(String::as_str).collect();
            assert_eq!(
                calls,
                ["acl", "encryption", "location", "logging", "versioning"]
            );
            assert_eq!(
                a.details["location"]["locationConstraint"],
                a.region.as_str()
            );
            assert!(a.details["encryption"]["encryptionAlgorithm"].is_string());
            assert!(a.details["logging"]["status"].is_string());
            assert!(a.details["versioning"]["status"].is_string());
            let everyone = a.details["acl"]["accessControlList"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| {
                    e["grantee"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|g| g["id"] == "*")
                });
            public += usize::from(everyone);
        }
        assert!(public > 0 && public < page.items.len(), "{public}");
        sim.shutdown();
    }

    #[test]
    fn the_endpoint_is_the_regions_bos_host() {
        let t = bos_target(&Region::new("su").unwrap());
        assert_eq!(t.host, "su.bcebos.com");
        assert_eq!((t.service, t.region.as_str()), ("bos", "su"));
    }
}
