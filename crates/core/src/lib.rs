//! Vigil core: the provider-neutral half of the collector.
//!
//! Providers (one crate per cloud) implement [`AssetCollector`] and [`PolicyVerifier`] and
//! register one [`ProductDescriptor`] per product with `inventory::submit!`. Everything
//! generic lives here: the error type every layer speaks ([`Error`]), validated
//! [`Region`]s, redacting [`Secret`]s, retries with backoff ([`retry`]), concurrency limits
//! per (service, region) ([`limit`]) and page streaming ([`pagination`]).
#![warn(missing_docs, missing_debug_implementations)]

pub mod collector;
pub mod credential;
pub mod error;
pub mod limit;
pub mod pagination;
pub mod region;
pub mod registry;
pub mod retry;
pub mod verify;

pub use collector::{
    Asset, AssetCollector, CollectOptions, DetailError, Page, PageToken, ProviderContext,
};
pub use credential::{AccessKey, Credential, Secret};
pub use error::{Error, ErrorKind, Result};
pub use region::Region;
pub use registry::{AssetKind, ProductDescriptor, ProviderDescriptor, Scope};
pub use verify::{Identity, PolicyVerifier, ProductAccess, ProductReport, VerificationReport};

/// Re-exported so provider crates use the same `inventory` the registry collects with.
pub use inventory;
