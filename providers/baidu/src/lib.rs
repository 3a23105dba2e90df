//! Baidu AI Cloud (BCE) for Vigil.
//!
//! - [`client`]: a read-only HTTP client that signs every request with `bce-auth-v1` and turns
//!   BCE error bodies into [`vigil_core::Error`]s with the vendor code and request id.
//! - [`endpoint`]: host names per (service, region), and the endpoint override that sends
//!   requests to a simulator or proxy while keeping real Host headers and signatures.
//! - one module per product (`bcc`, ...), each registering a
//!   [`vigil_core::ProductDescriptor`] through `inventory`.
//! - [`verify`]: the [`vigil_core::PolicyVerifier`] for Baidu keys.
//! - [`policy`]: products' IAM services, the least-privilege custom policy, and a reading of
//!   policy documents.

pub mod bcc;
pub mod blb;
pub mod bos;
pub mod checks;
pub mod client;
pub mod eip;
pub mod endpoint;
pub mod iam;
pub mod kafka;
pub mod list;
pub mod mongodb;
pub mod policy;
pub mod rds;
pub mod scs;
pub mod verify;
pub mod vpc;

/// The provider id used in descriptors, errors and spans.
pub const PROVIDER: &str = "baidu";

/// Environment variable holding the access key id (the Terraform baiducloud provider's name).
pub const ENV_ACCESS_KEY: &str = "BAIDUCLOUD_ACCESS_KEY";
/// Environment variable holding the secret access key.
pub const ENV_SECRET_KEY: &str = "BAIDUCLOUD_SECRET_KEY";

/// Reference this from binaries so the linker keeps this crate's registrations.
///
/// A crate nothing references is not linked, and its `inventory` submissions vanish.
pub fn init() {}

vigil_core::inventory::submit! {
    vigil_core::ProviderDescriptor {
        id: PROVIDER,
        title: "Baidu AI Cloud",
        home_region: "bj",
        env_access_key: ENV_ACCESS_KEY,
        env_secret_key: ENV_SECRET_KEY,
        verifier: verify::build,
    }
}
