//! Vigil's posture engine.
//!
//! Checks are pure functions over the stored assets of one sync: each is a `static` [`Check`]
//! (metadata in Prowler's shape plus an `evaluate` function) registered with
//! [`inventory`]:
//!
//! ```text
//! static CHECK: Check = Check { meta: CheckMeta { .. }, evaluate };
//! vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&CHECK) }
//! ```
//!
//! The engine gives every check a [`CheckContext`] (the assets of one sync, the per-region
//! coverage of each asset kind, the parameters, the sync's start time) and collects the
//! [`Finding`]s. [`CheckContext::per_asset`] is the standard way to write a check: it turns a
//! region whose listing failed or was not authorized into one MANUAL finding, never PASS or FAIL.
//!
//! See `docs/CHECKS.md` for parameters, the mutelist, compliance frameworks and finding ids.

pub mod compliance;
mod context;
pub mod engine;
mod model;
pub mod mutelist;
pub mod net;
mod params;
mod registry;

pub use inventory;

pub use context::{CheckContext, TestContext};
pub use engine::{EngineConfig, EvaluatedFinding, RunEvaluation};
pub use model::{
    finding_id, AssetView, Check, CheckMeta, Coverage, Finding, Mapping, Remediation, ResourceRef,
    Severity, Status, Verdict, ACCOUNT_RESOURCE_KIND,
};
pub use mutelist::Mutelist;
pub use params::{ParamError, ParamSpec, Params, PARAM_SPECS};
pub use registry::{build_registry, checks, find, CheckRegistration};

#[cfg(test)]
mod tests;
