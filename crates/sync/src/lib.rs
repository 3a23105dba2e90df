//! The sync engine: collect every (product, region, kind) of a connection into the store.
//!
//! A sync is a set of independent *tasks*, one per (product, region, asset kind). Tasks run
//! concurrently; requests are additionally bounded per (service, region) by the limits in
//! the provider context. Each page is written to the store in its own transaction as soon as
//! it arrives, so a task that fails half-way keeps what it already stored, and one failing
//! task never stops the others. Every task's outcome (ok, failed, not authorized) is
//! recorded with the vendor error code and request id, and the run's status says whether
//! anything failed.
//!
//! When a task's listing completes successfully, the assets of that (product, region, kind)
//! it no longer returned are marked deleted in the store; a failed, unauthorized or
//! interrupted listing never marks anything (what it did not return may still exist).
//!
//! A sync can be stopped with its [`CancelToken`]: running tasks stop at their next page,
//! keep what they stored and are recorded as `skipped` with error kind `interrupted`, tasks
//! not started yet are recorded the same way, and the run ends `interrupted`.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Stops a sync. Cheap to clone; every clone cancels the same sync.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<CancelState>);

#[derive(Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: tokio::sync::Notify,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancel: wakes everyone waiting in [`CancelToken::cancelled`]. Idempotent.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let notified = self.0.notify.notified();
        let mut notified = std::pin::pin!(notified);
        // Registered before the flag is read, so a cancel in between is not missed.
        notified.as_mut().enable();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
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
    /// Stops the sync when cancelled (see [`sync`]).
    pub cancel: CancelToken,
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
    /// Assets marked deleted: complete listings no longer returned them.
    pub deleted: u64,
}

/// The `error_kind` of tasks a cancelled sync did not finish.
pub const INTERRUPTED: &str = "interrupted";

/// Whether an outcome is that of a task a cancelled sync stopped (or never started).
pub fn is_interrupted(outcome: &Outcome) -> bool {
    outcome.status == OutcomeStatus::Skipped && outcome.error_kind.as_deref() == Some(INTERRUPTED)
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

/// How a task's listing ended, when it did not fail.
enum Listing {
    /// Every page was listed and stored.
    Complete,
    /// The sync was cancelled first.
    Interrupted,
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
        deleted: 0,
        started_at,
        finished_at: None,
    };
    let mut counts = Counts::default();
    let cancel = &request.cancel;
    let result: Result<Listing> = async {
        if cancel.is_cancelled() {
            return Ok(Listing::Interrupted);
        }
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
        loop {
            // Only waiting for the cloud is cut short: a page being stored is stored whole.
            let next = tokio::select! {
                biased;
                () = cancel.cancelled() => return Ok(Listing::Interrupted),
                next = stream.try_next() => next?,
            };
            let Some(page) = next else { break };
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
        // The listing is complete and stored: what it did not return is gone.
        let (store, connection_id, product, kind, region) = (
            store.clone(),
            request.connection.id,
            task.product,
            task.kind,
            task.region.clone(),
        );
        outcome.deleted = blocking(move || match descriptor.scope {
            Scope::Regional => {
                store.mark_missing_deleted(connection_id, run_id, product, kind, &region)
            }
            // A global listing covers every region (buckets are placed in their location).
            Scope::Global => {
                store.mark_missing_deleted_all_regions(connection_id, run_id, product, kind)
            }
        })
        .await?;
        Ok(Listing::Complete)
    }
    .await;
    match result {
        Ok(Listing::Complete) => {}
        Ok(Listing::Interrupted) => {
            outcome.status = OutcomeStatus::Skipped;
            outcome.error_kind = Some(INTERRUPTED.to_string());
            outcome.error_message = Some(if outcome.pages == 0 {
                "the sync was stopped before this task finished".to_string()
            } else {
                format!(
                    "the sync was stopped before this task finished; what it stored is kept \
                     (pages: {}, assets: {})",
                    outcome.pages, outcome.asset_count
                )
            });
        }
        Err(e) => record_failure(&mut outcome, task, &e),
    }
    outcome.finished_at = Some(now());
    (outcome, counts)
}

/// Record a failed task: `not_authorized` for a permission error, `failed` otherwise.
fn record_failure(outcome: &mut Outcome, task: &Task, e: &Error) {
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

/// Run a sync and record it in the store.
///
/// The run records how many tasks it planned, then one outcome per task. If
/// `request.cancel` is cancelled, running tasks stop at their next page (what they stored
/// stays), unfinished and unstarted tasks are recorded as `skipped` with error kind
/// `interrupted`, nothing of theirs is marked deleted, and the run ends
/// [`RunStatus::Interrupted`]; `sync` still returns `Ok` with that status.
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
    {
        let store = store.clone();
        let planned = tasks.len() as u64;
        blocking(move || store.set_planned_tasks(run_id, planned)).await?;
    }
    let span = tracing::info_span!("sync", connection = %request.connection.name, run_id);

    // Tasks by index: a closure taking `&Task` would keep the sync's future from being
    // `Send` (so it could not be spawned).
    let tasks = &tasks;
    let results: Vec<(Outcome, Counts)> = futures::stream::iter(0..tasks.len())
        .map(|index| {
            let store = store.clone();
            async move {
                let task = &tasks[index];
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
        deleted: 0,
    };
    for (outcome, counts) in results {
        summary.inserted += counts.inserted;
        summary.updated += counts.updated;
        summary.unchanged += counts.unchanged;
        summary.deleted += outcome.deleted;
        summary.outcomes.push(outcome);
    }
    summary
        .outcomes
        .sort_by(|a, b| (&a.product, &a.region, &a.kind).cmp(&(&b.product, &b.region, &b.kind)));
    let failed = summary.failures().count();
    let interrupted = summary
        .outcomes
        .iter()
        .filter(|o| is_interrupted(o))
        .count();
    summary.status = if interrupted > 0 {
        RunStatus::Interrupted
    } else if failed == 0 {
        RunStatus::Succeeded
    } else if failed == summary.outcomes.len() {
        RunStatus::Failed
    } else {
        RunStatus::Partial
    };
    let status = summary.status;
    let total = summary.outcomes.len();
    let error = if interrupted > 0 {
        tracing::info!(
            connection = %request.connection.name,
            run_id,
            interrupted,
            "Sync interrupted."
        );
        let others = failed - interrupted;
        Some(if others == 0 {
            format!("interrupted: {interrupted} of {total} collection tasks did not finish")
        } else {
            format!(
                "interrupted: {interrupted} of {total} collection tasks did not finish, \
                 and {others} more did not succeed"
            )
        })
    } else {
        (failed > 0).then(|| format!("{failed} of {total} collection tasks did not succeed"))
    };
    let store2 = store.clone();
    blocking(move || store2.finish_run(run_id, status, error.as_deref())).await?;
    let run = blocking(move || store.run(run_id)).await?;
    summary.assets_seen = run.map(|r| r.assets_seen).unwrap_or(0);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_interrupted_error_kind_is_cores() {
        assert_eq!(INTERRUPTED, ErrorKind::Interrupted.as_str());
    }

    #[tokio::test]
    async fn a_cancel_wakes_every_clone_and_later_waiters() {
        let token = CancelToken::new();
        assert!(!token.is_cancelled());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let t = token.clone();
                tokio::spawn(async move { t.cancelled().await })
            })
            .collect();
        // Not cancelled: nobody wakes up.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(waiters.iter().all(|w| !w.is_finished()));

        token.clone().cancel();
        for w in waiters {
            tokio::time::timeout(Duration::from_secs(5), w)
                .await
                .expect("woken")
                .unwrap();
        }
        assert!(token.is_cancelled());
        // Already cancelled: resolves at once; cancelling again is harmless.
        token.cancel();
        tokio::time::timeout(Duration::from_secs(5), token.cancelled())
            .await
            .expect("resolves at once");
        assert!(format!("{token:?}").contains("cancelled: true"));
        // A new token is independent.
        assert!(!CancelToken::default().is_cancelled());
    }
}
