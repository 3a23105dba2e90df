//! A loopback simulator of the Baidu AI Cloud (BCE) APIs.
//!
//! Tests and `vigil demo` run against it instead of a real account. It answers requests in
//! origin form (`GET /v2/instance?maxKeys=1000`) with the real `Host` header
//! (`bcc.bj.baidubce.com[:port]`), exactly as the official SDKs send them through an HTTP
//! proxy setting, verifies `bce-auth-v1` signatures with `vigil-baidu-auth`, enforces IAM
//! policies, and serves the raw resources of a [`World`] with BCE's marker pagination and
//! error bodies.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use vigil_baidu_sim::{Fault, Simulator, World};
//! let sim = Simulator::start(World::default_world(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("BCE simulator on {}", sim.addr());
//! sim.inject_fault(Fault::new("bcc", 503, "ServiceUnavailable", 2));
//! sim.shutdown();
//! # Ok(()) }
//! ```
//!
//! The world file format, routing, error codes and every simulator-specific choice are
//! documented in `docs/simulator.md`.
#![warn(missing_docs)]
#![recursion_limit = "256"]

mod api;
mod default_world;
mod fixtures;
mod generate;
mod ids;
pub mod policy;
mod products;
mod server;
mod services;
mod world;

pub use default_world::DEFAULT_ACCOUNT_ID;
pub use generate::{GenerateOptions, GENERATED_ACCOUNT_ID};
pub use server::{Fault, SimHandle, Simulator, MAX_FUTURE_SKEW_SECONDS};
pub use world::{
    collection_id_field, AccessKeyEntry, Account, CustomPolicy, Group, Limits, LoginProfile,
    RegionEntry, Resources, User, World, WorldError,
};

/// Access key id of the default world's read-only auditor (`vigil-auditor`: IAM and BCC
/// read). Also present in every generated world.
pub const DEMO_ACCESS_KEY_ID: &str = keys::AUDITOR.0;
/// Secret access key of [`DEMO_ACCESS_KEY_ID`].
pub const DEMO_SECRET_ACCESS_KEY: &str = keys::AUDITOR.1;

/// `(access key id, secret access key)` of the built-in principals. These exist in the
/// default world and in every generated world. They are simulator-only test keys.
pub mod keys {
    /// The account's root key: every permission.
    pub const ROOT: (&str, &str) = (
        "09f13cb16a713b1f0d60d8544c9429bb",
        "a977a56d6b9f710241e24178c153d652",
    );
    /// `vigil-auditor`: `IAMReadAccessPolicy` + `BCCReadAccessPolicy` (the demo key).
    pub const AUDITOR: (&str, &str) = (
        "e2f860483a9e0c5ec4ad5741f061fb3b",
        "0856fcff6b8a33fd00777d1ea34cb2e4",
    );
    /// `global-reader`: `IAMReadAccessPolicy` + `GlobalReadPolicy`.
    pub const GLOBAL_READER: (&str, &str) = (
        "b825c62bc89f0b1d0be83f3eccd9ef65",
        "731189906a7fad11da6c32c4efbaef0b",
    );
    /// `iam-only`: `IAMReadAccessPolicy` only (AccessDenied on BCC).
    pub const IAM_ONLY: (&str, &str) = (
        "6bb6d2e7f074e73b1ccd1113b0c2ed44",
        "a4b36240c4d4149372e827b22091e652",
    );
    /// `bj-only`: custom policy `bcc-read-bj` (BCC READ in region `bj` only).
    pub const BJ_ONLY: (&str, &str) = (
        "8d0450d9b8f8029fd29f27b3a4d95306",
        "2ee2d1c3fc0097f7e6bc674368a222f8",
    );
    /// `disabled-user`: a disabled user whose only key is disabled.
    pub const DISABLED: (&str, &str) = (
        "635bbdeaaa04a31035b06f603f6426d0",
        "168a819cf277a752167548a55bb20f83",
    );
    /// `deny-gz`: `GlobalReadPolicy` + custom `deny-bcc-gz` (Deny on BCC in `gz`).
    pub const DENY_GZ: (&str, &str) = (
        "04fdcb5b1cd193761e681a664d855222",
        "8c085e9531f8e64ad0e13ad84e8777b4",
    );
    /// `alice`: member of group `admins` (`AdministratorAccess`).
    pub const ADMIN: (&str, &str) = (
        "4956293df8c56524a055e8572c562273",
        "432cde2ca2d5e867c95277fd58e67cf5",
    );
    /// `ci-deployer`: member of group `ops` (`BCCFullControlAccessPolicy`,
    /// `VPCReadAccessPolicy`); also owns a stale second key.
    pub const CI_DEPLOYER: (&str, &str) = (
        "251ff0616b63ca2bd00cdac2cb4cfda0",
        "b37155264d5b29df4b0100dc96f8743c",
    );
}
