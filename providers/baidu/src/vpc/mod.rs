//! VPC: VPCs, subnets and subnet ACL rules.
//!
//! API: `GET /v1/vpc`, `GET /v1/subnet` and `GET /v1/acl?vpcId=` on `bcc.{region}.baidubce.com`
//! (the VPC APIs share BCC's host, under `/v1`; IAM service `vpc`). Read access:
//! `VPCReadAccessPolicy` (or `GlobalReadPolicy`).
//!
//! VPCs and subnets are marker-paginated lists whose items carry every field a check needs,
//! so no detail call is made (`GET /v1/vpc/{id}` only adds `relay` and the VPC's subnets,
//! which the subnet list already gives).
//!
//! ACL rules have no account-wide list: BCE offers the rules of one VPC, grouped by subnet
//! (`GET /v1/acl?vpcId=`, not paginated, `aclEntrys[].aclRules[]`), or of one subnet
//! (`GET /v1/acl/rule?subnetId=`, marker-paginated). The collector reads them per VPC (one
//! call per VPC instead of one or more per subnet; a VPC has few subnets' worth of rules and
//! the response is small) by walking the VPC list, and every page is still exactly one
//! request: the page token is an [`AclCursor`], which alternates between
//!
//! - a VPC-list page (`GET /v1/vpc`, at most [`ACL_VPC_WALK_PAGE`] VPCs): yields no assets and
//!   moves the page's VPC ids into the cursor, keeping the list's `nextMarker`;
//! - an ACL page (`GET /v1/acl?vpcId=` of the cursor's first VPC): yields that VPC's rules,
//!   one asset per rule, and drops the VPC from the cursor.
//!
//! A VPC deleted between the two (`404 NoSuchObject` on its ACL) gives an empty page and the
//! walk goes on.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Error, ErrorKind, Page, PageToken, ProductDescriptor,
    ProviderContext, Region, Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{marker_page, MarkerList};

/// VPC asset kind.
pub const VPC: &str = "baidu_vpc_vpc";
/// Subnet asset kind.
pub const SUBNET: &str = "baidu_vpc_subnet";
/// Subnet ACL rule asset kind (one asset per rule).
pub const ACL_RULE: &str = "baidu_vpc_acl_rule";

/// At most this many VPC ids are carried in an ACL page token.
pub const ACL_VPC_WALK_PAGE: u32 = 100;

const VPCS: MarkerList = MarkerList {
    kind: AssetKind {
        name: VPC,
        id_field: "vpcId",
    },
    path: "/v1/vpc",
    items_field: "vpcs",
    name_field: Some("name"),
};
const SUBNETS: MarkerList = MarkerList {
    kind: AssetKind {
        name: SUBNET,
        id_field: "subnetId",
    },
    path: "/v1/subnet",
    items_field: "subnets",
    name_field: Some("name"),
};
const ACL_RULES: AssetKind = AssetKind {
    name: ACL_RULE,
    id_field: "id",
};
const ACL_PATH: &str = "/v1/acl";

/// The VPC product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "vpc",
    title: "Virtual Private Cloud (VPC)",
    service: "vpc",
    asset_kinds: &[VPCS.kind, SUBNETS.kind, ACL_RULES],
    scope: Scope::Regional,
    read_policy: "VPCReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(VpcCollector {
        client: BceClient::new(cx)?,
        page_size: cx.options.page_size,
    }))
}

/// Lists VPCs, subnets and subnet ACL rules.
#[derive(Debug)]
pub struct VpcCollector {
    client: BceClient,
    page_size: u32,
}

fn target(region: &Region) -> Target {
    // VPC APIs live on the BCC host; concurrency is limited per IAM service (`vpc`).
    Target::regional("vpc", "bcc", region)
}

#[async_trait]
impl AssetCollector for VpcCollector {
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
            VPC => &VPCS,
            SUBNET => &SUBNETS,
            ACL_RULE => return self.acl_page(region, page).await,
            other => return Err(crate::list::unsupported_kind("vpc", other)),
        };
        marker_page(
            &self.client,
            &target(region),
            list,
            &[],
            region,
            self.page_size,
            page,
        )
        .await
    }
}

/// Where an ACL-rule listing stands (the page token of [`ACL_RULE`], serialised as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclCursor {
    /// VPC ids whose ACL is still to be read, in list order.
    #[serde(rename = "vpcs", default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
    /// The VPC list's `nextMarker` after the pending VPCs; `None` when the list is done.
    #[serde(rename = "marker", default, skip_serializing_if = "Option::is_none")]
    pub vpc_marker: Option<String>,
}

impl AclCursor {
    /// The token for this cursor, or `None` when nothing is left.
    pub fn token(&self) -> Option<PageToken> {
        if self.pending.is_empty() && self.vpc_marker.is_none() {
            return None;
        }
        // Serialising strings into JSON cannot fail.
        Some(PageToken(serde_json::to_string(self).unwrap_or_default()))
    }

    /// Parse a token made by [`AclCursor::token`].
    pub fn parse(token: &PageToken) -> Result<Self> {
        let invalid = || {
            Error::new(
                ErrorKind::Other,
                format!("invalid ACL rule page token {:?}", token.0),
            )
        };
        let cursor: AclCursor = serde_json::from_str(&token.0).map_err(|_| invalid())?;
        if cursor.token().is_none() {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

impl VpcCollector {
    /// One page of ACL rules: a VPC-list page or one VPC's ACL (see the module docs).
    async fn acl_page(&self, region: &Region, page: Option<PageToken>) -> Result<Page<Asset>> {
        let cursor = match &page {
            None => AclCursor::default(),
            Some(token) => AclCursor::parse(token)?,
        };
        let target = target(region);
        let Some((vpc_id, rest)) = cursor.pending.split_first() else {
            // Read the next page of VPC ids.
            let vpcs = marker_page(
                &self.client,
                &target,
                &VPCS,
                &[],
                region,
                self.page_size.min(ACL_VPC_WALK_PAGE),
                cursor.vpc_marker.map(PageToken),
            )
            .await?;
            let next = AclCursor {
                pending: vpcs.items.into_iter().map(|a| a.resource_id).collect(),
                vpc_marker: vpcs.next.map(|t| t.0),
            };
            return Ok(Page {
                items: Vec::new(),
                next: next.token(),
            });
        };
        let next = AclCursor {
            pending: rest.to_vec(),
            vpc_marker: cursor.vpc_marker.clone(),
        }
        .token();
        let query = [("vpcId".to_string(), vpc_id.clone())];
        let response = match self.client.get(&target, ACL_PATH, &query).await {
            Ok(response) => response,
            // The VPC was deleted after it was listed: it has no rules any more.
            Err(e) if e.kind() == ErrorKind::NotFound && e.code() == Some("NoSuchObject") => {
                return Ok(Page {
                    items: Vec::new(),
                    next,
                })
            }
            Err(e) => return Err(e),
        };
        let items = acl_rules(&response.body, region).map_err(|what| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("GET {}{ACL_PATH}?vpcId={vpc_id}: {what}", target.host),
            )
            .with_request_id(response.request_id.clone().unwrap_or_default())
        })?;
        Ok(Page { items, next })
    }
}

/// The rules of a `GET /v1/acl` response (`aclEntrys[].aclRules[]`), one asset per rule, raw
/// = the rule verbatim.
pub fn acl_rules(body: &Value, region: &Region) -> std::result::Result<Vec<Asset>, String> {
    let mut out = Vec::new();
    for entry in array(body, "aclEntrys")? {
        for rule in array(entry, "aclRules")? {
            let id = match rule.get(ACL_RULES.id_field).and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_string(),
                _ => return Err("an ACL rule has no \"id\" string".to_string()),
            };
            let name = rule
                .get("description")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            out.push(Asset::new(
                ACL_RULE,
                id,
                name,
                region.to_string(),
                rule.clone(),
            ));
        }
    }
    Ok(out)
}

/// `v[field]` as an array; absent or `null` is empty.
fn array<'v>(v: &'v Value, field: &str) -> std::result::Result<&'v [Value], String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("field {field:?} should be an array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cursor_round_trips_and_ends() {
        assert_eq!(AclCursor::default().token(), None);
        let c = AclCursor {
            pending: vec!["vpc-a".into(), "vpc-b".into()],
            vpc_marker: Some("vpc-c|,\"x".into()),
        };
        let t = c.token().unwrap();
        assert_eq!(AclCursor::parse(&t).unwrap(), c);
        let only_marker = AclCursor {
            pending: Vec::new(),
            vpc_marker: Some("m".into()),
        };
        assert_eq!(
            AclCursor::parse(&only_marker.token().unwrap()).unwrap(),
            only_marker
        );
        let only_pending = AclCursor {
            pending: vec!["vpc-a".into()],
            vpc_marker: None,
        };
        assert_eq!(only_pending.token().unwrap().0, r#"{"vpcs":["vpc-a"]}"#);
        // Distinct states give distinct tokens (the core's loop detection relies on it).
        assert_ne!(only_pending.token(), only_marker.token());
        for bad in ["", "{}", "vpc-a", r#"{"vpcs":"x"}"#] {
            assert!(AclCursor::parse(&PageToken(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn rules_are_flattened_from_every_subnet() {
        let region = Region::new("bj").unwrap();
        let body = json!({
            "vpcId": "vpc-1",
            "aclEntrys": [
                {"subnetId": "sbn-1", "aclRules": [
                    {"id": "ar-1", "subnetId": "sbn-1", "description": "deny telnet", "action": "deny"},
                    {"id": "ar-2", "subnetId": "sbn-1", "description": "", "action": "allow"}
                ]},
                {"subnetId": "sbn-2", "aclRules": []},
                {"subnetId": "sbn-3"},
                {"subnetId": "sbn-4", "aclRules": [{"id": "ar-3", "subnetId": "sbn-4"}]}
            ]
        });
        let rules = acl_rules(&body, &region).unwrap();
        let ids: Vec<&str> = rules.iter().map(|a| a.resource_id.as_str()).collect();
        assert_eq!(ids, ["ar-1", "ar-2", "ar-3"]);
        assert_eq!(rules[0].name.as_deref(), Some("deny telnet"));
        assert_eq!(rules[1].name, None);
        assert_eq!(rules[0].raw, body["aclEntrys"][0]["aclRules"][0]);
        assert!(rules.iter().all(|a| a.kind == ACL_RULE && a.region == "bj"));

        assert!(acl_rules(&json!({}), &region).unwrap().is_empty());
        assert!(acl_rules(&json!({"aclEntrys": null}), &region)
            .unwrap()
            .is_empty());
        assert!(acl_rules(&json!({"aclEntrys": {}}), &region).is_err());
        assert!(acl_rules(&json!({"aclEntrys": [{"aclRules": 1}]}), &region).is_err());
        assert!(acl_rules(&json!({"aclEntrys": [{"aclRules": [{"id": ""}]}]}), &region).is_err());
    }
}
