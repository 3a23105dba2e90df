//! The sync engine: collect every (product, region, kind) of a connection into the store.
//!
//! A sync is a set of independent *tasks*, one per (product, region, asset kind). Tasks run
//! concurrently; requests are additionally bounded per (service, region) by the limits in
//! the provider context. Each page is written to the store in its own transaction as soon as
//! it arrives, so a task that fails half-way keeps what it already stored, and one failing
//! task never stops the others. Every task's outcome (ok, failed, not authorized) is
//! recorded with the vendor error code and request id, and the run's status says whether
//! anything failed.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use tracing::Instrument;
use vigil_core::pagination::pages;
use vigil_core::{Error, ErrorKind, ProductDescriptor, ProviderContext, Region, Result, Scope};
use vigil_store::{Connection, Outcome, OutcomeStatus, RunStatus, Store};

/// The pseudo-region global products are recorded under.
pub const GLOBAL_REGION: &str = "global";

/// How many tasks run at once (requests are further bounded per service and region).
const MAX_CONCURRENT_TASKS: usize = 16;

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Task {
    /// The product.
    pub product: &'static str,
    /// The region id, or `global`.
    pub region: String,
    /// The asset kind.
    pub kind: &'static str,
}

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// The stored connection.
    pub connection: Connection,
    /// Provider context (credential, endpoint override, options, limits).
    pub cx: ProviderContext,
    /// Products to collect.
    pub products: Vec<&'static ProductDescriptor>,
    /// Regions to collect regional products in.
    pub regions: Vec<Region>,
    /// Products known (from verification) to be denied: recorded as not authorized without
    /// calling the API. `None` means "try everything".
    pub denied: BTreeSet<&'static str>,
}

/// Receives progress events (a progress bar, logs, tests).
pub trait Progress: Send + Sync {
    /// The full task list, before any starts.
    fn planned(&self, _tasks: &[Task]) {}
    /// A page was stored.
    fn page(&self, _task: &Task, _assets: usize) {}
    /// A task finished.
    fn finished(&self, _task: &Task, _outcome: &Outcome) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// The result of a sync.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncSummary {
    /// The run id in the store.
    pub run_id: i64,
    /// Overall status.
    pub status: RunStatus,
    /// One outcome per task, sorted by (product, region, kind).
    pub outcomes: Vec<Outcome>,
    /// Assets seen in this run.
    pub assets_seen: u64,
    /// New assets.
    pub inserted: u64,
    /// Assets whose payload changed.
    pub updated: u64,
    /// Assets seen again unchanged.
    pub unchanged: u64,
}

impl SyncSummary {
    /// Outcomes that did not succeed.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.status != OutcomeStatus::Ok)
    }
}

/// Plan the tasks of a request.
pub fn plan(request: &SyncRequest) -> Vec<Task> {
    let mut tasks = Vec::new();
    for product in &request.products {
        let regions: Vec<String> = match product.scope {
            Scope::Regional => request.regions.iter().map(|r| r.to_string()).collect(),
            Scope::Global => vec![GLOBAL_REGION.to_string()],
        };
        for region in regions {
            for kind in product.kind_names() {
                tasks.push(Task {
                    product: product.product,
                    region: region.clone(),
                    kind,
                });
            }
        }
    }
    tasks.sort();
    tasks
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::new(ErrorKind::Store, format!("store task panicked: {e}")))?
}

fn now() -> String {
    vigil_store::now()
}

#[derive(Default)]
struct Counts {
    inserted: u64,
    updated: u64,
    unchanged: u64,
}

async fn run_task(
    store: Arc<Store>,
    request: &SyncRequest,
    run_id: i64,
    task: &Task,
    progress: &dyn Progress,
) -> (Outcome, Counts) {
    let started_at = now();
    let mut outcome = Outcome {
        product: task.product.to_string(),
        region: task.region.clone(),
        kind: task.kind.to_string(),
        status: OutcomeStatus::Ok,
        asset_count: 0,
        pages: 0,
        error_kind: None,
        error_code: None,
        error_message: None,
        request_id: None,
        detail_errors: 0,
        started_at,
        finished_at: None,
    };
    let mut counts = Counts::default();
    let result: Result<()> = async {
        let descriptor = vigil_core::registry::find(&request.connection.provider, task.product)?;
        if request.denied.contains(task.product) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "the key may not read {}: attach {} (or GlobalReadPolicy) to its IAM user",
                    task.product, descriptor.read_policy
                ),
            )
            .with_code("AccessDenied"));
        }
        let collector = (descriptor.build)(&request.cx)?;
        let region = match descriptor.scope {
            Scope::Regional => Region::new(&task.region)?,
            Scope::Global => Region::new(
                vigil_core::registry::find_provider(&request.connection.provider)?.home_region,
            )?,
        };
        let mut stream = std::pin::pin!(pages(collector.as_ref(), &request.cx, &region, task.kind));
        while let Some(page) = stream.try_next().await? {
            let n = page.len();
            let detail_errors: usize = page.iter().map(|a| a.detail_errors.len()).sum();
            let (store, connection, product) =
                (store.clone(), request.connection.clone(), task.product);
            let stats =
                blocking(move || store.write_assets(&connection, run_id, product, &page)).await?;
            counts.inserted += stats.inserted;
            counts.updated += stats.updated;
            counts.unchanged += stats.unchanged;
            outcome.pages += 1;
            outcome.asset_count += n as u64;
            outcome.detail_errors += detail_errors as u64;
            progress.page(task, n);
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        outcome.status = if e.kind() == ErrorKind::PermissionDenied {
            OutcomeStatus::NotAuthorized
        } else {
            OutcomeStatus::Failed
        };
        outcome.error_kind = Some(e.kind().to_string());
        outcome.error_code = e.code().map(str::to_string);
        outcome.error_message = Some(e.to_string());
        outcome.request_id = e.request_id().map(str::to_string);
        // Reported to the user in the outcome and summary; logged for -v.
        tracing::info!(
            message = "Collection task failed.",
            product = task.product,
            region = %task.region,
            kind = task.kind,
            error = %e,
            error_type = %e.kind(),
        );
    }
    outcome.finished_at = Some(now());
    (outcome, counts)
}

/// Run a sync and record it in the store.
pub async fn sync(
    store: Arc<Store>,
    request: &SyncRequest,
    progress: &dyn Progress,
) -> Result<SyncSummary> {
    let tasks = plan(request);
    progress.planned(&tasks);
    let connection_id = request.connection.id;
    let run_id = {
        let store = store.clone();
        blocking(move || store.begin_run(connection_id)).await?
    };
    let span = tracing::info_span!("sync", connection = %request.connection.name, run_id);

    let results: Vec<(Outcome, Counts)> = futures::stream::iter(tasks.iter())
        .map(|task| {
            let store = store.clone();
            async move {
                let (outcome, counts) =
                    run_task(store.clone(), request, run_id, task, progress).await;
                let o = outcome.clone();
                let recorded = blocking(move || store.record_outcome(run_id, &o)).await;
                progress.finished(task, &outcome);
                recorded.map(|_| (outcome, counts))
            }
        })
        .buffer_unordered(MAX_CONCURRENT_TASKS)
        .collect::<Vec<Result<(Outcome, Counts)>>>()
        .instrument(span)
        .await
        .into_iter()
        .collect::<Result<_>>()?;

    let mut summary = SyncSummary {
        run_id,
        status: RunStatus::Succeeded,
        outcomes: Vec::with_capacity(results.len()),
        assets_seen: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
    };
    for (outcome, counts) in results {
        summary.inserted += counts.inserted;
        summary.updated += counts.updated;
        summary.unchanged += counts.unchanged;
        summary.outcomes.push(outcome);
    }
    summary
        .outcomes
        .sort_by(|a, b| (&a.product, &a.region, &a.kind).cmp(&(&b.product, &b.region, &b.kind)));
    let failed = summary.failures().count();
    summary.status = if failed == 0 {
        RunStatus::Succeeded
    } else if failed == summary.outcomes.len() {
        RunStatus::Failed
    } else {
        RunStatus::Partial
    };
    let status = summary.status;
    let error = (failed > 0).then(|| {
        format!(
            "{failed} of {} collection tasks did not succeed",
            summary.outcomes.len()
        )
    });
    let store2 = store.clone();
    blocking(move || store2.finish_run(run_id, status, error.as_deref())).await?;
    let run = blocking(move || store.run(run_id)).await?;
    summary.assets_seen = run.map(|r| r.assets_seen).unwrap_or(0);
    Ok(summary)
}
