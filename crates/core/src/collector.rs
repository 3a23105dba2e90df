//! The collector contract: one page of one asset kind in one region.
//!
//! Products implement only [`AssetCollector::list_page`]; the core turns pages into a stream
//! ([`crate::pagination`]) and applies retries and concurrency limits around every call, so
//! no product can forget them.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::credential::AccessKey;
use crate::error::Result;
use crate::limit::Limits;
use crate::region::Region;
use crate::registry::ProductDescriptor;
use crate::retry::RetryConfig;

/// One collected cloud resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Asset {
    /// `<provider>_<product>_<resource>`, e.g. `baidu_bcc_instance`.
    pub kind: &'static str,
    /// The cloud's id for the resource, unique within (kind, region).
    pub resource_id: String,
    /// The display name, when the resource has one.
    pub name: Option<String>,
    /// The region it lives in (`global` for global products).
    pub region: String,
    /// The payload exactly as the cloud returned it.
    pub raw: serde_json::Value,
}

/// An opaque continuation token (a marker, a page number ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageToken(pub String);

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The token for the next page, `None` on the last one.
    pub next: Option<PageToken>,
}

/// Knobs for collection, with `with_*` setters so adding one does not break callers.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Page size requested from list APIs (clamped by the provider to its maximum).
    pub page_size: u32,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// Retry policy for retryable failures.
    pub retry: RetryConfig,
    /// Concurrent requests allowed per (service, region).
    pub concurrency_per_service_region: usize,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            page_size: 1000,
            request_timeout: Duration::from_secs(30),
            retry: RetryConfig::default(),
            concurrency_per_service_region: 4,
        }
    }
}

impl CollectOptions {
    /// Set the page size.
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }
    /// Set the retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Set the request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// Everything a provider needs to build collectors for one connection.
#[derive(Clone)]
pub struct ProviderContext {
    /// The connection's name, for messages.
    pub connection: String,
    /// The key to sign with.
    pub credential: Arc<AccessKey>,
    /// Send every request to this socket address instead of the real endpoint, keeping the
    /// real Host header and signature (the simulator, or a proxy, stands in for the cloud).
    pub endpoint_override: Option<SocketAddr>,
    /// Collection knobs.
    pub options: CollectOptions,
    /// Shared concurrency limits.
    pub limits: Arc<Limits>,
}

impl fmt::Debug for ProviderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderContext")
            .field("connection", &self.connection)
            .field("credential", &self.credential)
            .field("endpoint_override", &self.endpoint_override)
            .field("options", &self.options)
            .finish()
    }
}

impl ProviderContext {
    /// A context with default options.
    pub fn new(connection: impl Into<String>, credential: AccessKey) -> Self {
        let options = CollectOptions::default();
        ProviderContext {
            connection: connection.into(),
            credential: Arc::new(credential),
            endpoint_override: None,
            limits: Arc::new(Limits::new(options.concurrency_per_service_region)),
            options,
        }
    }
    /// Route every request to `addr` (keeping Host names and signatures).
    pub fn with_endpoint_override(mut self, addr: Option<SocketAddr>) -> Self {
        self.endpoint_override = addr;
        self
    }
    /// Replace the options (and the limits derived from them).
    pub fn with_options(mut self, options: CollectOptions) -> Self {
        self.limits = Arc::new(Limits::new(options.concurrency_per_service_region));
        self.options = options;
        self
    }
}

/// Lists one product's assets. Implemented once per (provider, product).
#[async_trait]
pub trait AssetCollector: Send + Sync + fmt::Debug + 'static {
    /// The descriptor this collector was built from.
    fn descriptor(&self) -> &'static ProductDescriptor;

    /// Fetch one page of `kind` in `region`; `page == None` asks for the first page.
    ///
    /// Implementations make exactly one list request (plus any per-item detail calls the
    /// kind needs) and do not retry: the caller does.
    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>>;
}
