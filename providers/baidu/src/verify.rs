//! Verifying a Baidu key: credentials, regions, identity and per-product access.
//!
//! 1. `describeRegions` proves the key authenticates (or fails with `InvalidAccessKeyId`,
//!    `SignatureDoesNotMatch`, `RequestExpired`, ...), and lists the account's regions.
//! 2. If IAM is readable, the key's owner is found by listing users and their access keys,
//!    and the policies attached to the user and its groups are read. A key that belongs to
//!    no IAM user is the primary account's key.
//! 3. Each product gets a one-item probe call: authorized, denied (naming the policy to
//!    attach) or unknown. The probe is the ground truth, because a custom policy may allow
//!    what no system policy names.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::join_all;
use serde_json::Value;
use vigil_core::retry::retry;
use vigil_core::{
    Error, ErrorKind, Identity, PolicyVerifier, ProductAccess, ProductDescriptor, ProductReport,
    ProviderContext, Region, Result, VerificationReport,
};

use crate::client::BceClient;
use crate::endpoint::{Target, GLOBAL_BCC_HOST, IAM_HOST};

/// Build the Baidu verifier for a connection.
pub fn build(cx: &ProviderContext) -> Result<Arc<dyn PolicyVerifier>> {
    Ok(Arc::new(BaiduVerifier {
        client: BceClient::new(cx)?,
        cx: cx.clone(),
    }))
}

/// The Baidu [`PolicyVerifier`].
#[derive(Debug)]
pub struct BaiduVerifier {
    client: BceClient,
    cx: ProviderContext,
}

fn str_field<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

fn array<'a>(v: &'a Value, field: &str) -> &'a [Value] {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

impl BaiduVerifier {
    async fn iam_get(&self, path: &str) -> Result<Value> {
        retry(&self.cx.options.retry, path, || async {
            self.client
                .get(&Target::global("iam", IAM_HOST), path, &[])
                .await
                .map(|r| r.body)
        })
        .await
    }

    /// Find the IAM user owning our key and the policies attached to it.
    async fn identity(&self) -> Result<Identity> {
        let key_id = &self.cx.credential.access_key_id;
        let users = self.iam_get("/v1/user").await?;
        let names: Vec<String> = array(&users, "users")
            .iter()
            .filter_map(|u| str_field(u, "name").map(str::to_string))
            .collect();
        let mut owner = None;
        for name in &names {
            let keys = self.iam_get(&format!("/v1/user/{name}/accesskey")).await?;
            if array(&keys, "accessKeys")
                .iter()
                .any(|k| str_field(k, "id") == Some(key_id.as_str()))
            {
                owner = Some(name.clone());
                break;
            }
        }
        let mut identity = Identity::default();
        let Some(user) = owner else {
            identity.is_primary_account_key = Some(true);
            return Ok(identity);
        };
        identity.is_primary_account_key = Some(false);
        let mut policies: Vec<String> = array(
            &self.iam_get(&format!("/v1/user/{user}/policy")).await?,
            "policies",
        )
        .iter()
        .filter_map(|p| str_field(p, "name").map(str::to_string))
        .collect();
        let groups = self.iam_get(&format!("/v1/user/{user}/group")).await?;
        for group in array(&groups, "groups") {
            if let Some(g) = str_field(group, "name") {
                let gp = self.iam_get(&format!("/v1/group/{g}/policy")).await?;
                policies.extend(
                    array(&gp, "policies")
                        .iter()
                        .filter_map(|p| str_field(p, "name").map(str::to_string)),
                );
            }
        }
        policies.sort();
        policies.dedup();
        identity.user_name = Some(user);
        identity.attached_policies = policies;
        Ok(identity)
    }

    async fn probe(&self, product: &'static ProductDescriptor, region: &Region) -> ProductReport {
        let mut options = self.cx.options.clone();
        options.page_size = 1;
        // A probe asks only whether the list call is allowed.
        options.details = false;
        let cx = self.cx.clone().with_options(options);
        let access = match (product.build)(&cx) {
            Err(e) => ProductAccess::Unknown {
                reason: format!("cannot build the {} collector: {e}", product.product),
            },
            Ok(collector) => {
                let kind = product.asset_kinds[0].name;
                let result = retry(&cx.options.retry, kind, || {
                    collector.list_page(region, kind, None)
                })
                .await;
                match result {
                    Ok(_) => ProductAccess::Authorized {
                        evidence: match product.scope {
                            vigil_core::Scope::Regional => {
                                format!("listing {kind} in {region} succeeded")
                            }
                            vigil_core::Scope::Global => format!("listing {kind} succeeded"),
                        },
                    },
                    Err(e) if e.kind() == ErrorKind::PermissionDenied => ProductAccess::Denied {
                        policy: product.read_policy.to_string(),
                        fix: format!(
                            "attach the system policy {} (or GlobalReadPolicy) to this key's IAM user: console → IAM → Users → the user → Permissions → Add permission",
                            product.read_policy
                        ),
                        code: e.code().map(str::to_string),
                    },
                    Err(e) => ProductAccess::Unknown {
                        reason: e.to_string(),
                    },
                }
            }
        };
        ProductReport {
            product: product.product,
            access,
        }
    }
}

#[async_trait]
impl PolicyVerifier for BaiduVerifier {
    async fn check_credentials(&self) -> Result<()> {
        self.regions().await.map(|_| ())
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        let body = retry(&self.cx.options.retry, "describeRegions", || async {
            self.client
                .describe_regions(&Target::global("bcc", GLOBAL_BCC_HOST))
                .await
        })
        .await?
        .body;
        let mut regions = Vec::new();
        for r in array(&body, "regions") {
            let id = str_field(r, "regionId").ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "describeRegions returned a region without regionId",
                )
            })?;
            regions.push(Region::new(id)?);
        }
        regions.sort();
        regions.dedup();
        Ok(regions)
    }

    async fn verify(
        &self,
        products: &[&'static ProductDescriptor],
        probe_region: &Region,
    ) -> Result<VerificationReport> {
        let regions = self.regions().await?;
        let identity = match self.identity().await {
            Ok(identity) => identity,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Identity::default(),
            Err(e) => return Err(e),
        };
        let reports = join_all(products.iter().map(|p| self.probe(p, probe_region))).await;
        Ok(VerificationReport {
            provider: crate::PROVIDER,
            key_hint: vigil_core::Credential::key_hint(self.cx.credential.as_ref()),
            identity,
            regions,
            products: reports,
        })
    }
}
