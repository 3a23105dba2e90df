//! The product registry.
//!
//! Every provider crate submits one [`ProductDescriptor`] per product with
//! `vigil_core::inventory::submit!`. Only this module iterates the submissions; everyone
//! else asks [`products`] (sorted, duplicates rejected) or [`find`].
//!
//! A provider crate that nothing references is not linked and its submissions silently
//! vanish, so the runner references each provider crate explicitly and a test asserts the
//! expected (provider, product) set.

use std::sync::{Arc, OnceLock};

use crate::collector::{AssetCollector, ProviderContext};
use crate::error::{Error, ErrorKind};

/// Whether a product is listed per region or once per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Listed once per selected region.
    Regional,
    /// Listed once per sync (IAM, bucket lists). Recorded under region `global`.
    Global,
}

/// One kind of asset a product produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AssetKind {
    /// `<provider>_<product>_<resource>`, e.g. `baidu_bcc_instance`.
    pub name: &'static str,
    /// The field of the raw payload holding the resource id (`id`, `instanceId`, ...).
    pub id_field: &'static str,
}

impl ProductDescriptor {
    /// The names of the asset kinds.
    pub fn kind_names(&self) -> impl Iterator<Item = &'static str> {
        self.asset_kinds.iter().map(|k| k.name)
    }
}

/// Static description of one product of one provider.
#[derive(Debug)]
pub struct ProductDescriptor {
    /// Provider id, e.g. `baidu`.
    pub provider: &'static str,
    /// Product id within the provider, e.g. `bcc`.
    pub product: &'static str,
    /// Human title, e.g. `Baidu Cloud Compute (BCC)`.
    pub title: &'static str,
    /// The service name used for concurrency limits (products sharing an API host share it).
    pub service: &'static str,
    /// Asset kinds this product produces.
    pub asset_kinds: &'static [AssetKind],
    /// Regional or global.
    pub scope: Scope,
    /// The read-only policy that grants access, as the provider names it.
    pub read_policy: &'static str,
    /// Build a collector for one connection.
    pub build: fn(&ProviderContext) -> Result<Arc<dyn AssetCollector>, Error>,
}

/// What provider crates submit: a reference to their product's `static` descriptor, so the
/// collector can hand out the same `&'static ProductDescriptor` the registry holds.
///
/// ```text
/// pub static DESCRIPTOR: ProductDescriptor = ProductDescriptor { /* ... */ };
/// vigil_core::inventory::submit! { vigil_core::registry::ProductRegistration(&DESCRIPTOR) }
/// ```
#[derive(Debug)]
pub struct ProductRegistration(pub &'static ProductDescriptor);

inventory::collect!(ProductRegistration);

/// Sort descriptors by (provider, product) and reject duplicates.
fn sort_and_check(
    mut all: Vec<&'static ProductDescriptor>,
) -> Result<Vec<&'static ProductDescriptor>, String> {
    all.sort_by_key(|d| (d.provider, d.product));
    for pair in all.windows(2) {
        if (pair[0].provider, pair[0].product) == (pair[1].provider, pair[1].product) {
            return Err(format!(
                "product {}/{} is registered twice",
                pair[0].provider, pair[0].product
            ));
        }
    }
    Ok(all)
}

fn sorted() -> &'static Result<Vec<&'static ProductDescriptor>, String> {
    static SORTED: OnceLock<Result<Vec<&'static ProductDescriptor>, String>> = OnceLock::new();
    SORTED.get_or_init(|| {
        sort_and_check(
            inventory::iter::<ProductRegistration>
                .into_iter()
                .map(|r| r.0)
                .collect(),
        )
    })
}

/// All registered products, sorted by (provider, product).
///
/// # Panics
/// If two descriptors share a (provider, product): a build defect, caught by tests.
pub fn products() -> &'static [&'static ProductDescriptor] {
    match sorted() {
        Ok(v) => v,
        Err(msg) => panic!("{msg}"),
    }
}

/// Check the registry for duplicates without panicking.
pub fn validate() -> Result<(), Error> {
    sorted()
        .as_ref()
        .map(|_| ())
        .map_err(|m| Error::new(ErrorKind::Other, m.clone()))
}

/// Products of one provider.
pub fn provider_products(provider: &str) -> Vec<&'static ProductDescriptor> {
    products()
        .iter()
        .copied()
        .filter(|d| d.provider == provider)
        .collect()
}

/// Look a product up.
pub fn find(provider: &str, product: &str) -> Result<&'static ProductDescriptor, Error> {
    products()
        .iter()
        .copied()
        .find(|d| d.provider == provider && d.product == product)
        .ok_or_else(|| {
            let known: Vec<_> = provider_products(provider)
                .iter()
                .map(|d| d.product)
                .collect();
            Error::new(
                ErrorKind::UnknownProduct,
                format!(
                    "unknown product {product:?} for provider {provider:?}; known products: {}",
                    known.join(", ")
                ),
            )
        })
}

/// Static description of one provider (one cloud).
#[derive(Debug)]
pub struct ProviderDescriptor {
    /// Provider id, e.g. `baidu`.
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// The region used for probes and region discovery when none is configured.
    pub home_region: &'static str,
    /// Environment variables the access key id and secret are read from.
    pub env_access_key: &'static str,
    /// Environment variable of the secret key.
    pub env_secret_key: &'static str,
    /// Build a verifier for a connection.
    pub verifier: fn(&ProviderContext) -> Result<Arc<dyn crate::verify::PolicyVerifier>, Error>,
}

inventory::collect!(ProviderDescriptor);

/// All registered providers, sorted by id.
pub fn providers() -> Vec<&'static ProviderDescriptor> {
    let mut all: Vec<_> = inventory::iter::<ProviderDescriptor>.into_iter().collect();
    all.sort_by_key(|p| p.id);
    all
}

/// Look a provider up.
pub fn find_provider(id: &str) -> Result<&'static ProviderDescriptor, Error> {
    providers().into_iter().find(|p| p.id == id).ok_or_else(|| {
        let known: Vec<_> = providers().iter().map(|p| p.id).collect();
        Error::new(
            ErrorKind::Config,
            format!(
                "unknown provider {id:?}; known providers: {}",
                known.join(", ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &ProviderContext) -> Result<Arc<dyn AssetCollector>, Error> {
        Err(Error::new(ErrorKind::Other, "test descriptor"))
    }

    macro_rules! descriptor {
        ($provider:expr, $product:expr) => {
            ProductDescriptor {
                provider: $provider,
                product: $product,
                title: "t",
                service: "s",
                asset_kinds: &[],
                scope: Scope::Regional,
                read_policy: "p",
                build: never,
            }
        };
    }

    static A_X: ProductDescriptor = descriptor!("a", "x");
    static A_Y: ProductDescriptor = descriptor!("a", "y");
    static B_X: ProductDescriptor = descriptor!("b", "x");
    static A_X_AGAIN: ProductDescriptor = descriptor!("a", "x");

    #[test]
    fn sorts_by_provider_then_product() {
        let sorted = sort_and_check(vec![&B_X, &A_Y, &A_X]).unwrap();
        let names: Vec<_> = sorted.iter().map(|d| (d.provider, d.product)).collect();
        assert_eq!(names, [("a", "x"), ("a", "y"), ("b", "x")]);
    }

    #[test]
    fn rejects_a_product_registered_twice() {
        let err = sort_and_check(vec![&A_X, &B_X, &A_X_AGAIN]).unwrap_err();
        assert_eq!(err, "product a/x is registered twice");
    }
}
