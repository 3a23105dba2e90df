//! `vigil serve`: the schedules of every connection of both sites, until SIGINT/SIGTERM.
//!
//! Every tick re-reads the connections of each site store (so connections added or changed
//! by other `vigil` commands are picked up) and starts what is due:
//! - an AK status check when `last_key_check_at + ak_check_interval <= now`: a credential
//!   failure marks the key invalid (with when and why), which pauses the connection's syncs;
//!   a later success marks it valid and syncs resume by themselves; other failures (network)
//!   are logged and retried at the next tick without touching the key status;
//! - a sync when the cspm module is on, the key is not invalid and there is no run yet or the
//!   last one started at least `sync_interval` ago.
//!
//! At most one sync and one AK check per connection run at a time (in-flight sets keyed by
//! connection name, which is unique across sites); different connections run concurrently.
//! On shutdown running syncs are cancelled: the engine records them `interrupted`, keeping
//! everything already stored, and the process exits 0.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use tokio::task::JoinSet;
use vigil_core::{registry, CollectOptions};
use vigil_store::{OutcomeStatus, Store};
use vigil_sync::{CancelToken, NoProgress};

use super::sync::{sync_located, Attempt, SyncOptions};
use super::verify::key_failure_reason;
use super::{context_for, log_line};
use crate::policy::{self, Next};
use crate::sites::{Located, Site};
use crate::{secrets, Ctx};

/// How long shutdown waits for cancelled syncs to record themselves.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);

fn parse_tick(s: &str) -> std::result::Result<Duration, String> {
    let d = policy::parse_duration(s)
        .map_err(|e| format!("{e}; expected a duration such as 200ms, 1s or 10s"))?;
    if d < Duration::from_millis(10) {
        return Err("the tick must be at least 10ms".to_string());
    }
    Ok(d)
}

/// Arguments of `vigil serve`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Runs in the foreground and logs one line per action on stderr; stop it \
with Ctrl-C or SIGTERM (running syncs are recorded as interrupted, nothing stored is lost, exit \
status 0). Run it under systemd or similar to keep it running.\n\n\
What it schedules comes from each connection's policy (`vigil connection show`):\n  \
--sync-interval      a sync when the last one started that long ago (or there is none yet)\n  \
--ak-check-interval  a key check; a failing one pauses syncs until a check succeeds again\n\
Change them with `vigil connection set NAME --sync-interval 6h --ak-check-interval 1h`; a \
running serve picks changes and new connections up at its next tick.\n\n\
Examples:\n  vigil serve\n  vigil --config /etc/vigil.toml serve --tick 5s"
)]
pub struct Args {
    /// How often schedules are evaluated (e.g. 200ms, 1s, 10s).
    #[arg(long, default_value = "1s", value_parser = parse_tick)]
    pub tick: Duration,
    /// Items per list request during syncs (1-1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: u32,
    /// Concurrent requests per (service, region) during syncs.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
    /// Do not evaluate the posture checks after each sync.
    #[arg(long)]
    pub no_checks: bool,
    /// Check parameters and mutelist (TOML; see docs/CHECKS.md).
    #[arg(long, env = "VIGIL_CHECKS_CONFIG", value_name = "FILE")]
    pub checks_config: Option<std::path::PathBuf>,
    /// A mutelist (Prowler's YAML shape), replacing the config's.
    #[arg(long, value_name = "FILE")]
    pub mutelist: Option<std::path::PathBuf>,
}

/// Names of connections with something in flight; the guard removes its name when dropped
/// (also when the task panics).
#[derive(Clone, Default)]
struct InFlight(Arc<Mutex<HashSet<String>>>);

struct InFlightGuard {
    set: InFlight,
    name: String,
}

impl InFlight {
    fn try_claim(&self, name: &str) -> Option<InFlightGuard> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if set.insert(name.to_string()) {
            Some(InFlightGuard {
                set: self.clone(),
                name: name.to_string(),
            })
        } else {
            None
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut set = self.set.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.name);
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn key_check(loc: Located, shutdown: CancelToken, _guard: InFlightGuard) {
    let c = &loc.connection;
    let name = c.name.clone();
    let result = async {
        let provider = registry::find_provider(&c.provider).map_err(|e| anyhow::anyhow!("{e}"))?;
        let key = secrets::load(&loc.path, &c.name)?;
        let cx = context_for(c, key, CollectOptions::default())?;
        let verifier = (provider.verifier)(&cx).map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::Ok(verifier.check_credentials().await)
    };
    let result = tokio::select! {
        r = result => r,
        _ = shutdown.cancelled() => return,
    };
    let was_invalid = policy::key_invalid(c);
    match result {
        Ok(Ok(())) => match loc.store.record_key_check(c.id, Ok(())) {
            Ok(_) if was_invalid => log_line(format_args!(
                "serve: {name}: AK check ok: the key is valid again; scheduled syncs resume"
            )),
            Ok(_) => log_line(format_args!("serve: {name}: AK check ok")),
            Err(e) => log_line(format_args!(
                "serve: {name}: cannot record the AK check: {e}"
            )),
        },
        Ok(Err(e)) if e.kind().is_credential_failure() => {
            let reason = key_failure_reason(&e, c);
            match loc.store.record_key_check(c.id, Err(&reason)) {
                Ok(_) => log_line(format_args!(
                    "serve: {name}: AK check FAILED, key marked invalid, scheduled syncs paused: {reason}"
                )),
                Err(e) => log_line(format_args!(
                    "serve: {name}: cannot record the AK check: {e}"
                )),
            }
        }
        Ok(Err(e)) => log_line(format_args!(
            "serve: {name}: AK check could not complete ({}: {e}); the key status is unchanged, retrying at the next tick",
            e.kind()
        )),
        Err(e) => log_line(format_args!(
            "serve: {name}: AK check could not run: {}",
            one_line(&format!("{e:#}"))
        )),
    }
}

async fn scheduled_sync(
    mut loc: Located,
    opts: SyncOptions,
    shutdown: CancelToken,
    _guard: InFlightGuard,
) {
    let name = loc.connection.name.clone();
    log_line(format_args!(
        "serve: {name}: sync started ({} site)",
        loc.site
    ));
    match sync_located(&mut loc, &opts, shutdown, &NoProgress).await {
        Ok(Attempt::Done(done)) => {
            let s = &done.summary;
            let failed: Vec<String> = s
                .failures()
                .filter(|o| o.status != OutcomeStatus::Skipped)
                .map(|o| format!("{}/{}", o.product, o.region))
                .collect();
            let mut line = format!(
                "serve: {name}: sync run {} {}: {} assets ({} new, {} changed, {} deleted)",
                s.run_id, s.status, s.assets_seen, s.inserted, s.updated, s.deleted
            );
            if !failed.is_empty() {
                line.push_str(&format!(
                    "; {} tasks did not succeed ({})",
                    failed.len(),
                    failed.join(", ")
                ));
            }
            if !done.regions.newly_included.is_empty() {
                line.push_str(&format!(
                    "; newly included regions: {}",
                    done.regions.newly_included.join(", ")
                ));
            }
            if !done.regions.not_included.is_empty() {
                line.push_str(&format!(
                    "; new regions NOT included (region management off): {}",
                    done.regions.not_included.join(", ")
                ));
            }
            match &done.posture {
                Some(Ok(p)) => {
                    let failing: u64 = p.failing_by_severity.values().sum();
                    line.push_str(&format!(
                        "; checks: {} findings, {failing} failing ({} critical, {} high)",
                        p.findings,
                        p.failing_by_severity.get("critical").copied().unwrap_or(0),
                        p.failing_by_severity.get("high").copied().unwrap_or(0)
                    ));
                }
                Some(Err(e)) => line.push_str(&format!("; checks failed: {}", one_line(e))),
                None => {}
            }
            log_line(line);
        }
        Ok(Attempt::NotSynced(message)) => log_line(format_args!(
            "serve: {name}: sync not started: {}",
            one_line(&message)
        )),
        Ok(Attempt::Disabled(reason)) => log_line(format_args!(
            "serve: {name}: sync skipped: {}",
            one_line(&reason)
        )),
        Err(e) => log_line(format_args!(
            "serve: {name}: sync failed: {}",
            one_line(&format!("{e:#}"))
        )),
    }
}

struct Scheduler<'a> {
    ctx: &'a Ctx,
    opts: SyncOptions,
    stores: HashMap<Site, Arc<Store>>,
    syncing: InFlight,
    checking: InFlight,
    shutdown: CancelToken,
    tasks: JoinSet<()>,
    reported: HashSet<String>,
}

impl Scheduler<'_> {
    /// Log a problem once (not at every tick).
    fn report_once(&mut self, message: String) {
        if self.reported.insert(message.clone()) {
            log_line(message);
        }
    }

    fn open_stores(&mut self) {
        for site in Site::ALL {
            if self.stores.contains_key(&site) {
                continue;
            }
            match self.ctx.sites.open_existing(site) {
                Ok(Some(s)) => {
                    log_line(format_args!(
                        "serve: using the {site} store {}",
                        s.path.display()
                    ));
                    self.stores.insert(site, s.store);
                }
                Ok(None) => {}
                Err(e) => self.report_once(format!(
                    "serve: cannot open the {site} store: {}",
                    one_line(&format!("{e:#}"))
                )),
            }
        }
    }

    fn tick(&mut self) {
        self.open_stores();
        let now = chrono::Utc::now();
        let stores: Vec<(Site, Arc<Store>)> =
            self.stores.iter().map(|(s, st)| (*s, st.clone())).collect();
        for (site, store) in stores {
            let connections = match store.connections() {
                Ok(c) => c,
                Err(e) => {
                    self.report_once(format!(
                        "serve: cannot read the connections of the {site} store: {e}"
                    ));
                    continue;
                }
            };
            for connection in connections {
                let loc = Located {
                    site,
                    path: self.ctx.sites.path(site).to_path_buf(),
                    store: store.clone(),
                    connection,
                };
                self.schedule(loc, now);
            }
        }
    }

    fn schedule(&mut self, loc: Located, now: chrono::DateTime<chrono::Utc>) {
        let c = &loc.connection;
        if policy::next_key_check(c, now) == Next::Due {
            if let Some(guard) = self.checking.try_claim(&c.name) {
                self.tasks
                    .spawn_local(key_check(loc.clone(), self.shutdown.clone(), guard));
            }
        }
        let latest = match loc.store.runs(Some(c.id), 1) {
            Ok(r) => r,
            Err(e) => {
                self.report_once(format!("serve: {}: cannot read its runs: {e}", c.name));
                return;
            }
        };
        if policy::next_sync(c, latest.first(), now) == Next::Due {
            if let Some(guard) = self.syncing.try_claim(&c.name) {
                self.tasks.spawn_local(scheduled_sync(
                    loc,
                    self.opts.clone(),
                    self.shutdown.clone(),
                    guard,
                ));
            }
        }
    }

    fn reap(&mut self) {
        while let Some(done) = self.tasks.try_join_next() {
            if let Err(e) = done {
                log_line(format_args!("serve: a scheduled task failed: {e}"));
            }
        }
    }
}

/// `vigil serve`.
pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    // Scheduled tasks run on this thread (a `LocalSet`): the sync engine's future is not
    // provably `Send`, and the work is I/O-bound (store writes go to blocking threads).
    tokio::task::LocalSet::new()
        .run_until(serve(ctx, args))
        .await
}

async fn serve(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut scheduler = Scheduler {
        ctx,
        opts: SyncOptions {
            products: Vec::new(),
            page_size: args.page_size,
            concurrency: args.concurrency as usize,
            checks: if args.no_checks {
                None
            } else {
                Some(Arc::new(super::posture::engine_config(
                    args.checks_config.as_deref(),
                    args.mutelist.as_deref(),
                )?))
            },
        },
        stores: HashMap::new(),
        syncing: InFlight::default(),
        checking: InFlight::default(),
        shutdown: CancelToken::new(),
        tasks: JoinSet::new(),
        reported: HashSet::new(),
    };
    log_line(format_args!(
        "serve: started (tick {}ms; mainland store {}, overseas store {}); stop with Ctrl-C or SIGTERM",
        args.tick.as_millis(),
        ctx.sites.path(Site::Mainland).display(),
        ctx.sites.path(Site::Overseas).display()
    ));
    let signal = super::shutdown_signal();
    tokio::pin!(signal);
    loop {
        scheduler.tick();
        tokio::select! {
            _ = &mut signal => break,
            _ = tokio::time::sleep(args.tick) => {}
        }
        scheduler.reap();
    }
    let running = scheduler.tasks.len();
    log_line(format_args!(
        "serve: stopping: cancelling {running} running task(s)"
    ));
    scheduler.shutdown.cancel();
    let mut tasks = std::mem::take(&mut scheduler.tasks);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while let Some(done) = tasks.join_next().await {
            if let Err(e) = done {
                log_line(format_args!("serve: a scheduled task failed: {e}"));
            }
        }
    })
    .await;
    if drained.is_err() {
        log_line(format_args!(
            "serve: {} task(s) did not stop within {}s; exiting anyway",
            tasks.len(),
            SHUTDOWN_GRACE.as_secs()
        ));
        tasks.abort_all();
    }
    log_line("serve: stopped");
    Ok(ExitCode::SUCCESS)
}
