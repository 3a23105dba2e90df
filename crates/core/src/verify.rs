//! Verifying what a connected key may read.
//!
//! A [`PolicyVerifier`] checks the credentials first (is the key known, enabled, is the
//! secret right, is the clock right), then, per product, whether the key may read it:
//! from the policies attached to the key's user where IAM can be read, and from a cheap
//! probe call per product (a custom policy may allow what no system policy names).

use std::fmt;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::region::Region;
use crate::registry::ProductDescriptor;

/// Whether the key may read one product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProductAccess {
    /// The probe succeeded.
    Authorized {
        /// How we know (e.g. "probe ListInstances in bj succeeded").
        evidence: String,
    },
    /// The cloud refused.
    Denied {
        /// The policy to attach.
        policy: String,
        /// What to do, in words.
        fix: String,
        /// The vendor error code.
        code: Option<String>,
    },
    /// Could not tell.
    Unknown {
        /// Why not.
        reason: String,
    },
}

impl ProductAccess {
    /// Whether collection may proceed.
    pub fn is_authorized(&self) -> bool {
        matches!(self, ProductAccess::Authorized { .. })
    }
}

/// The outcome of verifying one product.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductReport {
    /// Product id.
    pub product: &'static str,
    /// The access.
    #[serde(flatten)]
    pub access: ProductAccess,
}

/// Who the key belongs to, when the cloud lets us find out.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Identity {
    /// The account (tenant) id.
    pub account_id: Option<String>,
    /// The IAM user owning the key, if it is a sub-user key.
    pub user_name: Option<String>,
    /// Policies attached to that user (directly or through groups), when IAM is readable.
    pub attached_policies: Vec<String>,
    /// `Some(true)` when IAM is readable and the key belongs to no IAM user (the primary
    /// account's own key, which should not be used for auditing); `None` when unknown.
    pub is_primary_account_key: Option<bool>,
}

/// The full verification report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerificationReport {
    /// Provider id.
    pub provider: &'static str,
    /// A safe hint of the key id.
    pub key_hint: String,
    /// Identity, if found.
    pub identity: Identity,
    /// Regions the account can use, as the cloud lists them.
    pub regions: Vec<Region>,
    /// One entry per product asked about.
    pub products: Vec<ProductReport>,
}

impl VerificationReport {
    /// Products that may be collected.
    pub fn authorized(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.products
            .iter()
            .filter(|p| p.access.is_authorized())
            .map(|p| p.product)
    }
}

/// Verifies a key and its permissions for one provider.
#[async_trait]
pub trait PolicyVerifier: Send + Sync + fmt::Debug + 'static {
    /// Check that the credentials authenticate at all. Fails with a credential-kind error
    /// (`InvalidCredentials`, `SignatureMismatch`, `RequestExpired`, ...) or a network error.
    async fn check_credentials(&self) -> Result<()>;

    /// The regions the account can use.
    async fn regions(&self) -> Result<Vec<Region>>;

    /// Credentials, regions and per-product access in one report. `probe_region` is where
    /// regional probes are sent.
    async fn verify(
        &self,
        products: &[&'static ProductDescriptor],
        probe_region: &Region,
    ) -> Result<VerificationReport, Error>;
}
