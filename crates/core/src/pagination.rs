//! Turning "one page" into "all pages".
//!
//! [`pages`] drives an [`AssetCollector`] from the first page to the last, retrying a page
//! whose list request failed with a retryable error. Concurrency limits are not taken here:
//! a page may fan out into child calls, so the provider's HTTP client holds a
//! (service, region) slot of [`ProviderContext::limits`] per request instead.
//! It stops with an error if the cloud hands back a token it already gave (a loop), so a
//! misbehaving API can never make a sync run forever.

use std::collections::HashSet;

use futures::stream::{self, Stream};

use crate::collector::{Asset, AssetCollector, PageToken, ProviderContext};
use crate::error::{Error, ErrorKind, Result};
use crate::region::Region;
use crate::retry::retry;

struct State {
    next: Option<PageToken>,
    seen: HashSet<PageToken>,
    done: bool,
    page_no: u32,
}

/// Stream every page of `kind` in `region`, in order.
pub fn pages<'a>(
    collector: &'a dyn AssetCollector,
    cx: &'a ProviderContext,
    region: &'a Region,
    kind: &'static str,
) -> impl Stream<Item = Result<Vec<Asset>>> + Send + 'a {
    let state = State {
        next: None,
        seen: HashSet::new(),
        done: false,
        page_no: 0,
    };
    stream::try_unfold(state, move |mut st| async move {
        if st.done {
            return Ok(None);
        }
        let token = st.next.clone();
        let page = retry(&cx.options.retry, kind, || {
            let token = token.clone();
            async move { collector.list_page(region, kind, token).await }
        })
        .await
        .map_err(|e| e.with_context("page", (st.page_no + 1).to_string()))?;
        st.page_no += 1;
        match page.next {
            Some(next) => {
                if !st.seen.insert(next.clone()) {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "the {kind} listing in {region} returned page token {:?} twice; stopping to avoid an endless loop",
                            next.0
                        ),
                    ));
                }
                st.next = Some(next);
            }
            None => st.done = true,
        }
        Ok(Some((page.items, st)))
    })
}

/// Collect every asset of `kind` in `region` into memory.
pub async fn collect_all(
    collector: &dyn AssetCollector,
    cx: &ProviderContext,
    region: &Region,
    kind: &'static str,
) -> Result<Vec<Asset>> {
    use futures::TryStreamExt;
    let mut out = Vec::new();
    let mut s = std::pin::pin!(pages(collector, cx, region, kind));
    while let Some(page) = s.try_next().await? {
        out.extend(page);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::Page;
    use crate::credential::AccessKey;
    use crate::registry::{ProductDescriptor, Scope};
    use crate::retry::RetryConfig;
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    static DESC: ProductDescriptor = ProductDescriptor {
        provider: "test",
        product: "fake",
        title: "Fake",
        service: "fake",
        asset_kinds: &[crate::registry::AssetKind {
            name: "test_fake_thing",
            id_field: "id",
        }],
        scope: Scope::Regional,
        read_policy: "FakeRead",
        build: |_| Err(Error::new(ErrorKind::Other, "not buildable")),
    };

    #[derive(Debug)]
    struct Fake {
        total: u32,
        page: u32,
        loop_at: Option<u32>,
        fail_first: AtomicU32,
    }

    #[async_trait]
    impl AssetCollector for Fake {
        fn descriptor(&self) -> &'static ProductDescriptor {
            &DESC
        }
        async fn list_page(
            &self,
            region: &Region,
            kind: &'static str,
            page: Option<PageToken>,
        ) -> Result<Page<Asset>> {
            if self.fail_first.load(Ordering::SeqCst) > 0 {
                self.fail_first.fetch_sub(1, Ordering::SeqCst);
                return Err(Error::new(ErrorKind::ServerError, "flaky"));
            }
            let start: u32 = page.map(|t| t.0.parse().unwrap()).unwrap_or(0);
            let end = (start + self.page).min(self.total);
            let items = (start..end)
                .map(|i| Asset {
                    kind,
                    resource_id: format!("id-{i}"),
                    name: None,
                    region: region.to_string(),
                    raw: serde_json::json!({ "id": i }),
                    ..Default::default()
                })
                .collect();
            let next = match self.loop_at {
                Some(l) if end >= l => Some(PageToken("0".into())),
                _ if end < self.total => Some(PageToken(end.to_string())),
                _ => None,
            };
            Ok(Page { items, next })
        }
    }

    fn cx() -> ProviderContext {
        ProviderContext::new("t", AccessKey::new("ak", "sk")).with_options(
            crate::collector::CollectOptions::default().with_retry(RetryConfig::fast()),
        )
    }

    #[tokio::test]
    async fn collects_every_page_once_and_retries_flaky_pages() {
        let fake = Fake {
            total: 23,
            page: 7,
            loop_at: None,
            fail_first: AtomicU32::new(2),
        };
        let region = Region::new("bj").unwrap();
        let all = collect_all(&fake, &cx(), &region, "test_fake_thing")
            .await
            .unwrap();
        let ids: std::collections::BTreeSet<_> =
            all.iter().map(|a| a.resource_id.clone()).collect();
        assert_eq!(all.len(), 23);
        assert_eq!(ids.len(), 23);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_hang() {
        let fake = Arc::new(Fake {
            total: 100,
            page: 10,
            loop_at: Some(20),
            fail_first: AtomicU32::new(0),
        });
        let region = Region::new("bj").unwrap();
        let err = collect_all(fake.as_ref(), &cx(), &region, "test_fake_thing")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }
}
