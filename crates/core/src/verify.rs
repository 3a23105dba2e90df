//! Verifying what a connected key may read.
//!
//! A [`PolicyVerifier`] checks the credentials first (is the key known, enabled, is the
//! secret right, is the clock right), then, per product, whether the key may read it:
//! from the policies attached to the key's user where IAM can be read, and from a cheap
//! probe call per product (a custom policy may allow what no system policy names).
//!
//! The report says, per product, which attached policies grant or deny it
//! ([`ProductReport::granted_by`], [`ProductReport::denied_by`]), and which documented
//! permission setup the attached policies correspond to ([`VerificationReport::policy_option`]).

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
        /// How we know, and which attached policy grants it when known (e.g. "listing
        /// baidu_bcc_instance in bj succeeded; granted by GlobalReadPolicy"). The same
        /// policies, structured, are in [`ProductReport::granted_by`].
        evidence: String,
    },
    /// The cloud refused.
    Denied {
        /// The policy that grants this product (the one to attach).
        policy: String,
        /// What to do, in words: the exact policy and where in the console, or the policy
        /// whose `Deny` must go.
        fix: String,
        /// The vendor error code.
        code: Option<String>,
    },
    /// Could not tell (the probe failed for another reason, and the attached policies could
    /// not settle it).
    Unknown {
        /// Why not.
        reason: String,
    },
}

/// Whether a policy is one of the cloud's built-in ones or the account's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyType {
    /// Built in (e.g. Baidu's `GlobalReadPolicy`).
    System,
    /// Written by the account.
    Custom,
    /// The cloud did not say.
    Unknown,
}

/// What one attached policy says about one product, read from its document (or, when the
/// document cannot be read, from a well-known system policy's name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyGrant {
    /// The policy name, e.g. `GlobalReadPolicy` or `bcc-read-bj`.
    pub policy: String,
    /// System or custom.
    #[serde(rename = "type")]
    pub policy_type: PolicyType,
    /// The group it is attached through; `None` when attached to the user directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// Whether it covers listing the product where it was probed (`false`: it only mentions
    /// the product, e.g. other regions, some resources or some actions only).
    pub full: bool,
    /// In words, e.g. `allows bce:bcc READ in region bj only`.
    pub detail: String,
}

impl ProductAccess {
    /// Whether collection may proceed.
    pub fn is_authorized(&self) -> bool {
        matches!(self, ProductAccess::Authorized { .. })
    }
}

/// The outcome of verifying one product.
///
/// In JSON the access is flattened into the object: `{"product", "status", "evidence" |
/// "policy", "fix", "code" | "reason", "granted_by"?, "denied_by"?}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductReport {
    /// Product id.
    pub product: &'static str,
    /// The access.
    #[serde(flatten)]
    pub access: ProductAccess,
    /// Attached policies that allow reading the product (`full`) or mention it with an
    /// `Allow` (`!full`). Empty when IAM could not be read or none does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub granted_by: Vec<PolicyGrant>,
    /// Attached policies with a `Deny` for the product (`full`: where it was probed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_by: Vec<PolicyGrant>,
}

impl ProductReport {
    /// A report with no policy findings.
    pub fn new(product: &'static str, access: ProductAccess) -> Self {
        ProductReport {
            product,
            access,
            granted_by: Vec::new(),
            denied_by: Vec::new(),
        }
    }
}

/// Which of the provider's documented permission setups the attached policies match.
///
/// Baidu's setup guide: option 1 is `IAMReadAccessPolicy` + `GlobalReadPolicy`; option 2 is
/// `IAMReadAccessPolicy` + `BCCReadAccessPolicy` + the read policy of each other product
/// wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum SetupOption {
    /// One global read policy (Baidu: `GlobalReadPolicy`).
    #[serde(rename = "option_1")]
    Option1,
    /// Only per-product system read policies.
    #[serde(rename = "option_2")]
    Option2,
    /// Anything else: custom policies, or system policies beyond read access.
    #[serde(rename = "custom")]
    Custom,
    /// The policies could not be read (IAM not readable), or the key is the primary
    /// account's (no policies apply).
    #[serde(rename = "unknown")]
    #[default]
    Unknown,
}

/// A product no attached policy grants, and the policy that would.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingPolicy {
    /// Product id.
    pub product: &'static str,
    /// The read policy to attach.
    pub policy: String,
}

/// The permission setup of the key's user, from the attached policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicySetup {
    /// Which option.
    pub option: SetupOption,
    /// Products asked about that no attached policy grants (for option 2: those still
    /// missing their read policy).
    pub missing: Vec<MissingPolicy>,
    /// Attached policies that are not part of the option (for `custom`: the ones that make
    /// it custom).
    pub extra_policies: Vec<String>,
    /// In words.
    pub detail: String,
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
    /// Which documented permission setup the attached policies correspond to.
    pub policy_option: PolicySetup,
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
    /// (`InvalidCredentials`, `CredentialsDisabled`, `SignatureMismatch`, `RequestExpired`,
    /// ...) or a network error, each explained in its message.
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
