//! BCE's marker pagination, shared by every product that uses it.
//!
//! Request `marker` (omitted on the first page) and `maxKeys` (1..=1000); the response has
//! `isTruncated` and, when truncated, `nextMarker`, plus the item list under a
//! product-specific field.

use serde_json::Value;
use vigil_core::{Asset, AssetKind, Error, ErrorKind, Page, PageToken, Region, Result};

use crate::client::BceClient;
use crate::endpoint::Target;

/// The error for a `list_page` call with a kind the collector does not produce (a caller bug:
/// the sync engine only asks for declared kinds).
pub fn unsupported_kind(product: &str, kind: &str) -> Error {
    Error::new(
        ErrorKind::Other,
        format!("the {product} collector does not list asset kind {kind:?}"),
    )
}

/// Whether a resource id can be put into a child call's path as one segment. Ids come from the
/// cloud's responses; one that would change the path (`/`, `..`, a query) is refused rather than
/// followed, so a bad response can never redirect a child call to another API.
pub fn is_path_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && !id.contains(['/', '?', '#', '\\'])
        && !id.chars().any(char::is_control)
}

/// BCE's maximum (and default) page size.
pub const MAX_KEYS: u32 = 1000;

/// How one marker-paginated list API names things.
#[derive(Debug, Clone, Copy)]
pub struct MarkerList {
    /// The asset kind the list produces (its `id_field` names each item's id).
    pub kind: AssetKind,
    /// API path.
    pub path: &'static str,
    /// Field holding the items.
    pub items_field: &'static str,
    /// Field holding each item's display name.
    pub name_field: Option<&'static str>,
}

/// Fetch one page of a marker-paginated list and turn its items into assets.
#[allow(clippy::too_many_arguments)]
pub async fn marker_page(
    client: &BceClient,
    target: &Target,
    list: &MarkerList,
    extra_query: &[(String, String)],
    region: &Region,
    page_size: u32,
    page: Option<PageToken>,
) -> Result<Page<Asset>> {
    let mut query: Vec<(String, String)> = extra_query.to_vec();
    query.push(("maxKeys".into(), page_size.clamp(1, MAX_KEYS).to_string()));
    if let Some(PageToken(marker)) = page {
        query.push(("marker".into(), marker));
    }
    let op = format!("GET {}{}", target.host, list.path);
    let response = client.get(target, list.path, &query).await?;
    let invalid = |what: String| {
        Error::new(ErrorKind::InvalidResponse, format!("{op}: {what}"))
            .with_request_id(response.request_id.clone().unwrap_or_default())
    };
    let items = match response.body.get(list.items_field) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => &Vec::new(),
        Some(other) => {
            return Err(invalid(format!(
                "field {:?} should be an array, found {}",
                list.items_field,
                type_name(other)
            )))
        }
    };
    let mut assets = Vec::with_capacity(items.len());
    for item in items {
        let id = match item.get(list.kind.id_field).and_then(Value::as_str) {
            Some(id) if is_path_safe_id(id) => id.to_string(),
            Some(id) => {
                return Err(invalid(format!(
                    "an item in {:?} has the id {id:?}, which cannot name a resource in a URL path",
                    list.items_field
                )))
            }
            None => {
                return Err(invalid(format!(
                    "an item in {:?} has no {:?} string",
                    list.items_field, list.kind.id_field
                )))
            }
        };
        let name = list
            .name_field
            .and_then(|f| item.get(f))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        assets.push(Asset {
            kind: list.kind.name,
            resource_id: id,
            name,
            region: region.to_string(),
            raw: item.clone(),
            ..Default::default()
        });
    }
    let truncated = response
        .body
        .get("isTruncated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let next = if truncated {
        match response.body.get("nextMarker").and_then(Value::as_str) {
            Some(m) if !m.is_empty() => Some(PageToken(m.to_string())),
            _ => {
                return Err(invalid(
                    "isTruncated is true but nextMarker is missing".into(),
                ))
            }
        }
    } else {
        None
    };
    Ok(Page {
        items: assets,
        next,
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Run one child call per asset, concurrently (bounded by the client's per-(service, region)
/// limit), each retried on its own; record each result in the asset's `details` under
/// `call`, or, if it still fails, in its `detail_errors`. A failed child call never fails the
/// page: the asset is kept and the error is recorded against it.
pub async fn fetch_details<F, Fut>(
    client: &BceClient,
    assets: &mut [Asset],
    call: &'static str,
    fetch: F,
) where
    F: Fn(&Asset) -> Fut,
    Fut: std::future::Future<Output = Result<Value>>,
{
    if !client.details_enabled() {
        return;
    }
    let retry = *client.retry_config();
    let fetch = &fetch;
    let results =
        futures::future::join_all(assets.iter().map(|asset| async move {
            vigil_core::retry::retry(&retry, call, || fetch(asset)).await
        }))
        .await;
    for (asset, result) in assets.iter_mut().zip(results) {
        asset.record_detail(call, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_a_path_are_refused() {
        for ok in ["i-Y8e1x2Pq", "vpc-7q2k9x4mzt1a", "my.bucket-1", "测试"] {
            assert!(is_path_safe_id(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a?b", "a#b", "a\\b", "a\nb"] {
            assert!(!is_path_safe_id(bad), "{bad:?}");
        }
    }
}
