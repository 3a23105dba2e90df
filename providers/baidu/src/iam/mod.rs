//! IAM: users (with their access keys, attached policies, console login profile, groups and
//! detail), groups (with their policies and members) and custom policies (with their
//! documents).
//!
//! A global product on `iam.bj.baidubce.com` (prefix `/v1`). IAM lists have no pagination,
//! so every kind is one page; assets are recorded in region `global`. Child calls are named
//! by user or group name, which is what the API takes. Read access: `IAMReadAccessPolicy`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use vigil_core::{
    Asset, AssetCollector, AssetKind, Error, ErrorKind, Page, PageToken, ProductDescriptor,
    ProviderContext, Region, Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::{Target, IAM_HOST};
use crate::list::fetch_details;

/// IAM user asset kind.
pub const USER: &str = "baidu_iam_user";
/// IAM group asset kind.
pub const GROUP: &str = "baidu_iam_group";
/// IAM custom policy asset kind.
pub const POLICY: &str = "baidu_iam_policy";

/// The region IAM assets are recorded in.
pub const GLOBAL: &str = "global";

/// One IAM list API.
struct IamList {
    kind: AssetKind,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    items_field: &'static str,
    /// Child calls: (call name, path after `{prefix}/{name}`), e.g. `("accessKeys",
    /// "/accesskey")` → `GET /v1/user/{name}/accesskey`. An empty suffix is the detail call.
    children: &'static [(&'static str, &'static str)],
}

const USERS: IamList = IamList {
    kind: AssetKind {
        name: USER,
        id_field: "id",
    },
    path: "/v1/user",
    query: &[],
    items_field: "users",
    children: &[
        ("detail", ""),
        ("accessKeys", "/accesskey"),
        ("policies", "/policy"),
        ("groups", "/group"),
        (LOGIN_PROFILE, "/loginProfile"),
    ],
};

const GROUPS: IamList = IamList {
    kind: AssetKind {
        name: GROUP,
        id_field: "id",
    },
    path: "/v1/group",
    query: &[],
    items_field: "groups",
    children: &[("policies", "/policy"), ("users", "/user")],
};

const POLICIES: IamList = IamList {
    kind: AssetKind {
        name: POLICY,
        id_field: "id",
    },
    path: "/v1/policy",
    query: &[("policyType", "Custom")],
    items_field: "policies",
    children: &[],
};

/// The child call whose `404 NoSuchObject` means "no console login" (recorded as `null`).
pub const LOGIN_PROFILE: &str = "loginProfile";

/// The IAM product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "iam",
    title: "Identity and Access Management (IAM)",
    service: "iam",
    asset_kinds: &[USERS.kind, GROUPS.kind, POLICIES.kind],
    scope: Scope::Global,
    read_policy: "IAMReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    Ok(Arc::new(IamCollector {
        client: BceClient::new(cx)?,
    }))
}

/// Lists IAM users, groups and custom policies.
#[derive(Debug)]
pub struct IamCollector {
    client: BceClient,
}

/// Turn an IAM list body into assets in region `global`.
fn items_to_assets(list: &IamList, body: &Value) -> Result<Vec<Asset>> {
    let op = format!("GET {IAM_HOST}{}", list.path);
    let items = match body.get(list.items_field) {
        Some(Value::Array(items)) => items.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!("{op}: field {:?} should be an array", list.items_field),
            ))
        }
    };
    items
        .iter()
        .map(|item| {
            let text = |field: &str| {
                item.get(field)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let id = text(list.kind.id_field).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!(
                        "{op}: an item in {:?} has no {:?} string",
                        list.items_field, list.kind.id_field
                    ),
                )
            })?;
            Ok(Asset::new(
                list.kind.name,
                id,
                text("name").map(str::to_string),
                GLOBAL,
                item.clone(),
            ))
        })
        .collect()
}

/// A failed `loginProfile` call that means "this user has no console login".
fn is_no_login_profile(e: &Error) -> bool {
    e.kind() == ErrorKind::NotFound && e.code() == Some("NoSuchObject")
}

#[async_trait]
impl AssetCollector for IamCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        &DESCRIPTOR
    }

    async fn list_page(
        &self,
        _region: &Region,
        kind: &'static str,
        _page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        let list = match kind {
            USER => &USERS,
            GROUP => &GROUPS,
            POLICY => &POLICIES,
            other => return Err(crate::list::unsupported_kind("iam", other)),
        };
        let target = Target::global("iam", IAM_HOST);
        let query: Vec<(String, String)> = list
            .query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let response = self.client.get(&target, list.path, &query).await?;
        let mut assets =
            items_to_assets(list, &response.body).map_err(|e| match &response.request_id {
                Some(id) => e.with_request_id(id.clone()),
                None => e,
            })?;
        let (client, target) = (&self.client, &target);
        for &(call, suffix) in list.children {
            fetch_details(client, &mut assets, call, |asset| {
                let name = asset
                    .raw
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let path = format!("{}/{name}{suffix}", list.path);
                async move {
                    if name.is_empty() {
                        return Err(Error::new(
                            ErrorKind::InvalidResponse,
                            format!("the {kind} has no name to call {path} with"),
                        ));
                    }
                    match client.get(target, &path, &[]).await {
                        Ok(response) => Ok(response.body),
                        Err(e) if call == LOGIN_PROFILE && is_no_login_profile(&e) => {
                            Ok(Value::Null)
                        }
                        Err(e) => Err(e),
                    }
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
    fn list_items_become_global_assets_keyed_by_id() {
        let body = json!({"users": [
            {"id": "u1", "name": "alice", "enabled": true},
            {"id": "u2", "name": ""}
        ]});
        let assets = items_to_assets(&USERS, &body).unwrap();
        assert_eq!(assets.len(), 2);
        assert_eq!(assets[0].resource_id, "u1");
        assert_eq!(assets[0].name.as_deref(), Some("alice"));
        assert_eq!(assets[0].region, GLOBAL);
        assert_eq!(assets[0].raw, body["users"][0]);
        assert_eq!(assets[1].name, None);
        assert!(items_to_assets(&GROUPS, &json!({})).unwrap().is_empty());
        let err = items_to_assets(&POLICIES, &json!({"policies": [{"name": "p"}]})).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(items_to_assets(&USERS, &json!({"users": "x"})).is_err());
    }

    /// The collector against the simulator's default world: every user, group and custom
    /// policy with its child calls; a user without console login has `loginProfile: null`.
    #[tokio::test]
    async fn collects_iam_entities_and_their_child_calls_from_the_simulator() {
        use vigil_baidu_sim::{keys, Simulator, World};
        let world = World::default_world();
        let account = world.accounts()[0].clone();
        let sim = Simulator::start(world, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let cx = ProviderContext::new(
            "t",
            vigil_core::AccessKey::new(keys::IAM_ONLY.0, keys::IAM_ONLY.1),
        )
        .with_endpoint_override(Some(sim.addr()));
        let collector = build(&cx).unwrap();
        let bj = Region::new("bj").unwrap();
        let list = |kind| {
            let collector = collector.clone();
            let bj = bj.clone();
            async move { collector.list_page(&bj, kind, None).await.unwrap() }
        };

        let users = list(USER).await;
        assert!(users.next.is_none());
        let raws: Vec<&Value> = users.items.iter().map(|a| &a.raw).collect();
        let served = account.served_iam_users();
        assert_eq!(raws, served.iter().collect::<Vec<_>>());
        for u in &users.items {
            assert!(u.detail_errors.is_empty(), "{:?}", u.detail_errors);
            assert_eq!(u.details.len(), 5, "{:?}", u.details.keys());
            assert_eq!(u.region, GLOBAL);
        }
        let by_name = |name: &str| {
            users
                .items
                .iter()
                .find(|a| a.name.as_deref() == Some(name))
                .unwrap()
        };
        let alice = by_name("alice");
        assert_eq!(alice.details["loginProfile"]["enabledLoginMfa"], false);
        assert_eq!(alice.details["groups"]["groups"][0]["name"], "admins");
        assert!(alice.details["detail"]["lastLoginTime"].is_string());
        assert!(by_name("ci-deployer").details["loginProfile"].is_null());
        let keys = by_name("ci-deployer").details["accessKeys"]["accessKeys"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(keys, 2);
        assert!(by_name("global-reader").details["policies"]["policies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "GlobalReadPolicy"));

        let groups = list(GROUP).await;
        assert_eq!(groups.items.len(), account.groups.len());
        let admins = groups
            .items
            .iter()
            .find(|g| g.name.as_deref() == Some("admins"))
            .unwrap();
        assert!(admins.detail_errors.is_empty());
        assert_eq!(
            admins.details["policies"]["policies"][0]["name"],
            "AdministratorAccess"
        );
        assert_eq!(admins.details["users"]["users"][0]["name"], "alice");

        let policies = list(POLICY).await;
        let names: Vec<&str> = policies
            .items
            .iter()
            .filter_map(|p| p.name.as_deref())
            .collect();
        assert_eq!(names, ["bcc-read-bj", "deny-bcc-gz"]);
        for p in &policies.items {
            assert_eq!(p.raw["type"], "Custom");
            let doc: Value = serde_json::from_str(p.raw["document"].as_str().unwrap()).unwrap();
            assert!(doc["accessControlList"].is_array());
        }
        sim.shutdown();
    }

    #[test]
    fn only_no_such_object_means_no_login_profile() {
        let not_found = crate::client::api_error(
            404,
            br#"{"code":"NoSuchObject","message":"m","requestId":"r"}"#,
            None,
            "op",
        );
        assert!(is_no_login_profile(&not_found));
        let denied = crate::client::api_error(
            403,
            br#"{"code":"AccessDenied","message":"m","requestId":"r"}"#,
            None,
            "op",
        );
        assert!(!is_no_login_profile(&denied));
        let other_404 = crate::client::api_error(
            404,
            br#"{"code":"InvalidURI","message":"m","requestId":"r"}"#,
            None,
            "op",
        );
        assert!(!is_no_login_profile(&other_404));
    }
}
