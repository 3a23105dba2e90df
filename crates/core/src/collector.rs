//! The collector contract: one page of one asset kind in one region.
//!
//! Products implement only [`AssetCollector::list_page`]; the core turns pages into a stream
//! ([`crate::pagination`]) and retries failed pages. Concurrency limits
//! ([`ProviderContext::limits`]) are held per HTTP request by the provider's client, so a
//! page's child calls share the bound with list calls.

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
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Asset {
    /// `<provider>_<product>_<resource>`, e.g. `baidu_bcc_instance`.
    pub kind: &'static str,
    /// The cloud's id for the resource, unique within (kind, region).
    pub resource_id: String,
    /// The display name, when the resource has one.
    pub name: Option<String>,
    /// The region it lives in (`global` for global products).
    pub region: String,
    /// The payload exactly as the cloud returned it in the list response.
    pub raw: serde_json::Value,
    /// Responses of per-asset child calls (detail, whitelist, ACL, listeners ...), by call
    /// name, each exactly as the cloud returned it.
    pub details: std::collections::BTreeMap<String, serde_json::Value>,
    /// Child calls that failed for this asset. A failed child call never drops the asset.
    pub detail_errors: Vec<DetailError>,
}

impl Asset {
    /// An asset with no child-call data yet.
    pub fn new(
        kind: &'static str,
        resource_id: impl Into<String>,
        name: Option<String>,
        region: impl Into<String>,
        raw: serde_json::Value,
    ) -> Self {
        Asset {
            kind,
            resource_id: resource_id.into(),
            name,
            region: region.into(),
            raw,
            details: Default::default(),
            detail_errors: Vec::new(),
        }
    }

    /// Record the outcome of one child call.
    pub fn record_detail(&mut self, call: &str, result: Result<serde_json::Value>) {
        match result {
            Ok(value) => {
                self.details.insert(call.to_string(), value);
            }
            Err(e) => self.detail_errors.push(DetailError::new(call, &e)),
        }
    }
}

/// A child call that failed for one asset.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DetailError {
    /// The call name (the key its result would have had in `details`).
    pub call: String,
    /// What went wrong.
    pub kind: crate::error::ErrorKind,
    /// The vendor code.
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// The vendor request id.
    pub request_id: Option<String>,
}

impl DetailError {
    /// From an error.
    pub fn new(call: &str, e: &crate::error::Error) -> Self {
        DetailError {
            call: call.to_string(),
            kind: e.kind(),
            code: e.code().map(str::to_string),
            message: e.to_string(),
            request_id: e.request_id().map(str::to_string),
        }
    }
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
    /// Whether collectors make their per-asset child calls. Verification probes turn this
    /// off: they only need to know whether the list call is allowed.
    pub details: bool,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            page_size: 1000,
            request_timeout: Duration::from_secs(30),
            retry: RetryConfig::default(),
            concurrency_per_service_region: 4,
            details: true,
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
    /// Turn per-asset child calls on or off.
    pub fn with_details(mut self, details: bool) -> Self {
        self.details = details;
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
    /// Implementations make exactly one list request, which they do not retry (the caller
    /// retries the page), plus any per-asset child calls the kind needs, each retried on its
    /// own; a child call that still fails is recorded in the asset's `detail_errors` and does
    /// not fail the page.
    async fn list_page(
        &self,
        region: &Region,
        kind: &'static str,
        page: Option<PageToken>,
    ) -> Result<Page<Asset>>;
}
