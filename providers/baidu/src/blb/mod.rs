//! BLB (Baidu Load Balancer): classic load balancers here, application BLB in [`appblb`].
//!
//! Both products live on `blb.{region}.baidubce.com` and share everything but the path
//! prefix (`/v1/blb`, `/v1/appblb`), so one collector serves both:
//!
//! - list: `GET {prefix}?marker=&maxKeys=`, marker paginated (items `blbList`, id `blbId`);
//!   `publicIp` tells whether a load balancer faces the Internet;
//! - child call `listeners`: `GET {prefix}/{blbId}/listener` (the SDKs' "all listeners" call:
//!   `BlbClient.describe_all_listeners`, `AppBlbClient.describe_app_all_listener`), itself
//!   marker paginated; every page is followed inside the child call and the result is
//!   `{"listenerList": [every listener]}` (protocol, ports, certificates, TLS versions and
//!   cipher policy, HTTP→HTTPS redirect).
//!
//! Read access: `BLBReadAccessPolicy` (or `GlobalReadPolicy`); IAM service `blb`.

pub mod appblb;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use vigil_core::{
    Asset, AssetCollector, AssetKind, Error, ErrorKind, Page, PageToken, ProductDescriptor,
    ProviderContext, Region, Result, Scope,
};

use crate::client::BceClient;
use crate::endpoint::Target;
use crate::list::{fetch_details, marker_page, MarkerList, MAX_KEYS};

/// Classic BLB load balancer asset kind.
pub const LOAD_BALANCER: &str = "baidu_blb_load_balancer";

/// Child call: every listener of a load balancer, all pages combined.
pub const CALL_LISTENERS: &str = "listeners";

/// The field holding listeners in a listener page and in the combined child-call value.
pub const LISTENER_LIST: &str = "listenerList";

/// Listener pages followed for one load balancer before giving up (a loop guard; BCE allows
/// at most 1000 listeners per page and a load balancer has far fewer).
const MAX_LISTENER_PAGES: usize = 10_000;

/// How one BLB flavour (classic or application) names things.
#[derive(Debug)]
pub(crate) struct Flavour {
    descriptor: &'static ProductDescriptor,
    list: MarkerList,
    /// `/v1/blb` or `/v1/appblb`.
    prefix: &'static str,
}

const LIST: MarkerList = MarkerList {
    kind: AssetKind {
        name: LOAD_BALANCER,
        id_field: "blbId",
    },
    path: "/v1/blb",
    items_field: "blbList",
    name_field: Some("name"),
};

static CLASSIC: Flavour = Flavour {
    descriptor: &DESCRIPTOR,
    list: LIST,
    prefix: "/v1/blb",
};

/// The classic BLB product descriptor.
pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor {
    provider: crate::PROVIDER,
    product: "blb",
    title: "Baidu Load Balancer (BLB, classic)",
    service: "blb",
    asset_kinds: &[LIST.kind],
    scope: Scope::Regional,
    read_policy: "BLBReadAccessPolicy",
    build,
};

vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }

fn build(cx: &ProviderContext) -> Result<Arc<dyn AssetCollector>> {
    LbCollector::build(cx, &CLASSIC)
}

/// Lists the load balancers of one BLB flavour with all their listeners.
#[derive(Debug)]
pub struct LbCollector {
    client: BceClient,
    page_size: u32,
    flavour: &'static Flavour,
}

impl LbCollector {
    pub(crate) fn build(
        cx: &ProviderContext,
        flavour: &'static Flavour,
    ) -> Result<Arc<dyn AssetCollector>> {
        Ok(Arc::new(LbCollector {
            client: BceClient::new(cx)?,
            page_size: cx.options.page_size,
            flavour,
        }))
    }
}

#[async_trait]
impl AssetCollector for LbCollector {
    fn descriptor(&self) -> &'static ProductDescriptor {
        self.flavour.descriptor
    }

    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>> {
        let flavour = self.flavour;
        if kind != flavour.list.kind.name {
            return Err(Error::new(
                ErrorKind::Other,
                format!(
                    "the {} collector does not list asset kind {kind:?}",
                    flavour.descriptor.product
                ),
            ));
        }
        let target = Target::regional("blb", "blb", region);
        let mut page = marker_page(
            &self.client,
            &target,
            &flavour.list,
            &[],
            region,
            self.page_size,
            page,
        )
        .await?;
        let client = &self.client;
        let target = &target;
        let page_size = self.page_size;
        fetch_details(client, &mut page.items, CALL_LISTENERS, |asset| {
            let path = listener_path(flavour.prefix, &asset.resource_id);
            async move { all_listeners(client, target, &path?, page_size).await }
        })
        .await;
        Ok(page)
    }
}

/// `{prefix}/{blbId}/listener`, refusing ids that would change the path's shape (an id comes
/// from a response, and must name exactly one path segment).
fn listener_path(prefix: &str, id: &str) -> Result<String> {
    if id.is_empty() || id == "." || id == ".." || id.contains(['/', '?', '#']) {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!("load balancer id {id:?} cannot be used in a request path"),
        ));
    }
    Ok(format!("{prefix}/{id}/listener"))
}

/// Every listener of one load balancer: follows `nextMarker` to the last page. One failing
/// page fails the whole call (the caller retries it from the start).
async fn all_listeners(
    client: &BceClient,
    target: &Target,
    path: &str,
    page_size: u32,
) -> Result<Value> {
    let mut pages = ListenerPages::default();
    let mut marker: Option<String> = None;
    loop {
        let mut query = vec![(
            "maxKeys".to_string(),
            page_size.clamp(1, MAX_KEYS).to_string(),
        )];
        if let Some(m) = &marker {
            query.push(("marker".to_string(), m.clone()));
        }
        let response = client.get(target, path, &query).await?;
        let next = pages.absorb(&response.body).map_err(|what| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("GET {}{path}: {what}", target.host),
            )
            .with_request_id(response.request_id.clone().unwrap_or_default())
        })?;
        match next {
            Some(m) => marker = Some(m),
            None => return Ok(pages.into_value()),
        }
    }
}

/// Listener pages seen so far, and the checks that keep the page loop finite.
#[derive(Debug, Default)]
struct ListenerPages {
    listeners: Vec<Value>,
    markers: HashSet<String>,
    pages: usize,
}

impl ListenerPages {
    /// Take one page's listeners; the marker of the next page, or `None` after the last.
    fn absorb(&mut self, body: &Value) -> std::result::Result<Option<String>, String> {
        self.pages += 1;
        match body.get(LISTENER_LIST) {
            Some(Value::Array(items)) => self.listeners.extend(items.iter().cloned()),
            Some(Value::Null) | None => {}
            Some(_) => return Err(format!("field {LISTENER_LIST:?} should be an array")),
        }
        if !body
            .get("isTruncated")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            return Ok(None);
        }
        let next = match body.get("nextMarker").and_then(Value::as_str) {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => return Err("isTruncated is true but nextMarker is missing".into()),
        };
        if !self.markers.insert(next.clone()) {
            return Err(format!(
                "listener pagination loops: marker {next:?} came back"
            ));
        }
        if self.pages >= MAX_LISTENER_PAGES {
            return Err(format!(
                "more than {MAX_LISTENER_PAGES} listener pages: giving up"
            ));
        }
        Ok(Some(next))
    }

    fn into_value(self) -> Value {
        json!({ LISTENER_LIST: self.listeners })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_pages_are_combined_in_order() {
        let mut pages = ListenerPages::default();
        let next = pages
            .absorb(
                &json!({"marker": "", "isTruncated": true, "nextMarker": "HTTPS:443", "maxKeys": 1,
                "listenerList": [{"listenerPort": 80, "listenerType": "HTTP"}]}),
            )
            .unwrap();
        assert_eq!(next.as_deref(), Some("HTTPS:443"));
        let next = pages
            .absorb(
                &json!({"marker": "HTTPS:443", "isTruncated": false, "maxKeys": 1,
                "listenerList": [{"listenerPort": 443, "listenerType": "HTTPS"}]}),
            )
            .unwrap();
        assert_eq!(next, None);
        assert_eq!(
            pages.into_value(),
            json!({"listenerList": [
                {"listenerPort": 80, "listenerType": "HTTP"},
                {"listenerPort": 443, "listenerType": "HTTPS"}
            ]})
        );
    }

    #[test]
    fn a_load_balancer_without_listeners_has_an_empty_list() {
        let mut pages = ListenerPages::default();
        assert_eq!(pages.absorb(&json!({"isTruncated": false})).unwrap(), None);
        assert_eq!(pages.into_value(), json!({"listenerList": []}));
        let mut pages = ListenerPages::default();
        assert_eq!(
            pages
                .absorb(&json!({"listenerList": null, "isTruncated": false}))
                .unwrap(),
            None
        );
    }

    #[test]
    fn malformed_and_looping_pages_are_errors() {
        let mut pages = ListenerPages::default();
        assert!(pages
            .absorb(&json!({"listenerList": {}, "isTruncated": false}))
            .unwrap_err()
            .contains("array"));
        let mut pages = ListenerPages::default();
        assert!(pages
            .absorb(&json!({"listenerList": [], "isTruncated": true}))
            .unwrap_err()
            .contains("nextMarker"));
        let mut pages = ListenerPages::default();
        assert!(pages
            .absorb(&json!({"listenerList": [], "isTruncated": true, "nextMarker": ""}))
            .is_err());
        let mut pages = ListenerPages::default();
        let page = json!({"listenerList": [], "isTruncated": true, "nextMarker": "a"});
        assert_eq!(pages.absorb(&page).unwrap().as_deref(), Some("a"));
        assert!(pages.absorb(&page).unwrap_err().contains("loops"));
    }

    #[test]
    fn listener_paths() {
        assert_eq!(
            listener_path("/v1/blb", "lb-5e2a1c9d").unwrap(),
            "/v1/blb/lb-5e2a1c9d/listener"
        );
        assert_eq!(
            listener_path("/v1/appblb", "lb-a1b2c3d4").unwrap(),
            "/v1/appblb/lb-a1b2c3d4/listener"
        );
        for bad in ["", ".", "..", "lb-1/../x"] {
            assert_eq!(
                listener_path("/v1/blb", bad).unwrap_err().kind(),
                ErrorKind::InvalidResponse
            );
        }
    }
}
