//! What a check sees: the assets of one sync, their coverage, the parameters, the sync's time.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{AssetView, Check, Coverage, Finding, Status, Verdict, ACCOUNT_RESOURCE_KIND};
use crate::params::Params;

/// The assets of one sync as checks see them.
#[derive(Debug, Clone)]
pub struct CheckContext<'a> {
    assets: BTreeMap<String, Vec<AssetView>>,
    coverage: BTreeMap<(String, String), Coverage>,
    now: DateTime<Utc>,
    params: Cow<'a, Params>,
    verification: Option<Value>,
}

impl<'a> CheckContext<'a> {
    /// A context over `assets` with the per-(kind, region) coverage of the sync. Assets are kept
    /// in (region, resource id) order so every evaluation sees them in the same order.
    pub fn new(
        assets: Vec<AssetView>,
        coverage: impl IntoIterator<Item = ((String, String), Coverage)>,
        now: DateTime<Utc>,
        params: &'a Params,
        verification: Option<Value>,
    ) -> CheckContext<'a> {
        Self::build(
            assets,
            coverage.into_iter().collect(),
            now,
            Cow::Borrowed(params),
            verification,
        )
    }

    fn build(
        assets: Vec<AssetView>,
        coverage: BTreeMap<(String, String), Coverage>,
        now: DateTime<Utc>,
        params: Cow<'a, Params>,
        verification: Option<Value>,
    ) -> CheckContext<'a> {
        let mut by_kind: BTreeMap<String, Vec<AssetView>> = BTreeMap::new();
        for a in assets {
            by_kind.entry(a.kind.clone()).or_default().push(a);
        }
        for v in by_kind.values_mut() {
            v.sort_by(|a, b| (&a.region, &a.resource_id).cmp(&(&b.region, &b.resource_id)));
        }
        CheckContext {
            assets: by_kind,
            coverage,
            now,
            params,
            verification,
        }
    }

    /// Test builder.
    pub fn for_test(assets: Vec<AssetView>) -> TestContext {
        TestContext {
            assets,
            coverage: BTreeMap::new(),
            params: Params::defaults(),
            now: None,
            verification: None,
        }
    }

    /// Every asset of `kind`, in every region.
    pub fn assets(&self, kind: &str) -> &[AssetView] {
        self.assets.get(kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The asset of `kind` with this resource id (any region).
    pub fn asset(&self, kind: &str, resource_id: &str) -> Option<&AssetView> {
        self.assets(kind)
            .iter()
            .find(|a| a.resource_id == resource_id)
    }

    /// Whether `kind` was collected completely in `region`. A kind listed globally (an outcome
    /// in region `global`, like the BOS bucket list whose buckets carry their real region)
    /// covers every region it has no outcome of its own in; otherwise
    /// [`Coverage::NotCollected`] when the sync has no outcome for it.
    pub fn coverage(&self, kind: &str, region: &str) -> Coverage {
        self.coverage
            .get(&(kind.to_string(), region.to_string()))
            .or_else(|| self.coverage.get(&(kind.to_string(), "global".to_string())))
            .cloned()
            .unwrap_or(Coverage::NotCollected)
    }

    /// Regions with an outcome for the kind (incl. "global"), sorted.
    pub fn regions(&self, kind: &str) -> Vec<String> {
        self.coverage
            .keys()
            .filter(|(k, _)| k == kind)
            .map(|(_, r)| r.clone())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect()
    }

    /// The sync's start time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The connection's last verification report JSON.
    pub fn verification(&self) -> Option<&Value> {
        self.verification.as_ref()
    }

    /// Evaluates `f` for every asset of `kind`, and adds one MANUAL finding per region whose
    /// coverage is not Collected (naming the missing permission/API); assets whose region is not
    /// Collected ([`CheckContext::coverage`]) are not evaluated, so a product whose listing failed
    /// or was not authorized never yields PASS or FAIL there.
    pub fn per_asset(
        &self,
        check: &Check,
        kind: &str,
        f: impl Fn(&AssetView) -> Verdict,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for region in self.regions(kind) {
            let cov = self.coverage(kind, &region);
            if cov != Coverage::Collected {
                out.push(self.region_manual(check, kind, &region, &cov));
            }
        }
        for a in self.assets(kind) {
            if self.coverage(kind, &a.region) != Coverage::Collected {
                continue;
            }
            out.push(Finding::from_verdict(check, a, f(a)));
        }
        out
    }

    /// The MANUAL finding for a (kind, region) that was not collected: resource kind `kind`,
    /// resource id `*`.
    pub fn region_manual(
        &self,
        check: &Check,
        kind: &str,
        region: &str,
        cov: &Coverage,
    ) -> Finding {
        let mut evidence = cov.to_json();
        if let Some(m) = evidence.as_object_mut() {
            m.insert("kind".into(), Value::String(kind.to_string()));
            m.insert("region".into(), Value::String(region.to_string()));
        }
        Finding {
            check_id: check.meta.id.to_string(),
            status: Status::Manual,
            severity: check.meta.severity,
            resource_kind: kind.to_string(),
            resource_id: "*".to_string(),
            resource_name: Some(format!("all {kind} in {region}")),
            region: region.to_string(),
            message: format!("Could not evaluate: {}", cov.describe(kind, region)),
            evidence,
            related: Vec::new(),
        }
    }

    /// A check whose data never exists (catalog "VERIFY" / API not collected): one MANUAL finding
    /// for the account (resource kind `account`, resource id `account`, region `global`) naming
    /// the missing API/permission.
    pub fn manual_account(&self, check: &Check, missing: &str) -> Vec<Finding> {
        vec![Finding {
            check_id: check.meta.id.to_string(),
            status: Status::Manual,
            severity: check.meta.severity,
            resource_kind: ACCOUNT_RESOURCE_KIND.to_string(),
            resource_id: "account".to_string(),
            resource_name: None,
            region: "global".to_string(),
            message: format!("Could not evaluate: {missing}"),
            evidence: serde_json::json!({ "missing": missing }),
            related: Vec::new(),
        }]
    }

    /// An account-level finding (resource kind `account`, id `account`, region `global`) from a
    /// verdict, for checks that judge the account as a whole.
    pub fn account_finding(&self, check: &Check, verdict: Verdict) -> Finding {
        let account = AssetView::new(ACCOUNT_RESOURCE_KIND, "global", "account", Value::Null);
        Finding::from_verdict(check, &account, verdict)
    }
}

/// Builds a [`CheckContext`] for unit tests: `CheckContext::for_test(assets).coverage(..)
/// .param(..).now(..).verification(..).build()`. Every (kind, region) that has assets and no
/// explicit coverage is [`Coverage::Collected`] — unless the kind has an explicit `global`
/// coverage, which then applies to all its regions (as for globally listed kinds in a real
/// sync); `now` defaults to the current time.
#[derive(Debug, Clone)]
pub struct TestContext {
    assets: Vec<AssetView>,
    coverage: BTreeMap<(String, String), Coverage>,
    params: Params,
    now: Option<DateTime<Utc>>,
    verification: Option<Value>,
}

impl TestContext {
    /// Sets the coverage of a kind in a region.
    pub fn coverage(mut self, kind: &str, region: &str, coverage: Coverage) -> TestContext {
        self.coverage
            .insert((kind.to_string(), region.to_string()), coverage);
        self
    }

    /// Overrides one parameter.
    pub fn param(mut self, key: &str, value: impl Into<Value>) -> TestContext {
        self.params.set(key, value);
        self
    }

    /// Replaces every parameter.
    pub fn params(mut self, params: Params) -> TestContext {
        self.params = params;
        self
    }

    /// Sets the sync time.
    pub fn now(mut self, now: DateTime<Utc>) -> TestContext {
        self.now = Some(now);
        self
    }

    /// Sets the verification report JSON.
    pub fn verification(mut self, v: Value) -> TestContext {
        self.verification = Some(v);
        self
    }

    /// Adds an asset.
    pub fn asset(mut self, a: AssetView) -> TestContext {
        self.assets.push(a);
        self
    }

    pub fn build(self) -> CheckContext<'static> {
        let mut coverage = self.coverage;
        for a in &self.assets {
            if coverage.contains_key(&(a.kind.clone(), "global".to_string())) {
                continue;
            }
            coverage
                .entry((a.kind.clone(), a.region.clone()))
                .or_insert(Coverage::Collected);
        }
        CheckContext::build(
            self.assets,
            coverage,
            self.now.unwrap_or_else(Utc::now),
            Cow::Owned(self.params),
            self.verification,
        )
    }
}
