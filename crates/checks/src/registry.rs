//! The check registry: every `static Check` submitted with `inventory`, sorted by id.

use std::sync::OnceLock;

use crate::model::Check;

/// Registers a check: `vigil_checks::inventory::submit! { vigil_checks::CheckRegistration(&CHECK) }`.
pub struct CheckRegistration(pub &'static Check);

inventory::collect!(CheckRegistration);

/// Sorts checks by id and rejects duplicate ids.
pub fn build_registry(
    checks: impl IntoIterator<Item = &'static Check>,
) -> Result<Vec<&'static Check>, String> {
    let mut v: Vec<&'static Check> = checks.into_iter().collect();
    v.sort_by_key(|c| c.meta.id);
    for w in v.windows(2) {
        if w[0].meta.id == w[1].meta.id {
            return Err(format!("duplicate check id {:?}", w[0].meta.id));
        }
    }
    Ok(v)
}

/// Every registered check, sorted by id.
///
/// # Panics
/// When two registered checks share an id (a programming error caught by the tests).
pub fn checks() -> &'static [&'static Check] {
    static REGISTRY: OnceLock<Vec<&'static Check>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        build_registry(inventory::iter::<CheckRegistration>().map(|r| r.0))
            .unwrap_or_else(|e| panic!("check registry: {e}"))
    })
}

/// The registered check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    let all = checks();
    all.binary_search_by(|c| c.meta.id.cmp(id))
        .ok()
        .map(|i| all[i])
}
