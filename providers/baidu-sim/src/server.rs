//! The HTTP server: one handler that authenticates, routes by Host, authorises and answers.
//!
//! Every request goes through [`Shared::process`] in this order:
//!
//! 1. resolve the `Host` (unknown host, or a region no account has → `421 UnknownHost`);
//! 2. authenticate (`bce-auth-v1`; see [`authenticate`]);
//! 3. the caller's account must have the host's region (else `421 UnknownHost`);
//! 4. rate limit per access key (`429 RequestLimitExceeded`, only with `limits`);
//! 5. injected faults;
//! 6. route (`404 InvalidURI` when the endpoint has no such API);
//! 7. authorise against IAM policies (`403 AccessDenied`);
//! 8. run the handler.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;
use vigil_baidu_auth::{parse_authorization, verify_signature, RequestToSign};
use vigil_core::Secret;

use crate::api::{decode, ApiError, ApiResult, Query};
use crate::policy::{self, AccessRequest};
use crate::services::{self, Authz, Ctx, Operation, Target};
use crate::world::{Account, KeyLocation, Principal, RegionEntry, World};

/// Requests signed more than this far in the future are rejected as expired.
pub const MAX_FUTURE_SKEW_SECONDS: i64 = 15 * 60;
/// Request bodies larger than this are rejected.
const MAX_BODY_BYTES: usize = 1 << 20;

/// A fault to inject: the next `times` requests that match fail with `status` and `code`
/// (after authentication succeeded, before routing and authorisation).
#[derive(Debug, Clone)]
pub struct Fault {
    /// The host's service (`bcc`, `iam`) or the API's IAM service (`vpc` for `/v1/vpc` on the
    /// bcc host); `*` matches every service.
    pub service: String,
    /// Only this region (`None`: any, including global hosts).
    pub region: Option<String>,
    /// Only paths starting with this (decoded) prefix, e.g. `/v2/instance`.
    pub path_prefix: Option<String>,
    /// The HTTP status, e.g. 500, 503, 429.
    pub status: u16,
    /// The error code, e.g. `InternalError`, `ServiceUnavailable`, `RequestLimitExceeded`.
    pub code: String,
    /// How many matching requests fail; 0 injects nothing.
    pub times: u32,
}

impl Fault {
    /// A fault for every request to `service` (any region or path), `times` times.
    pub fn new(
        service: impl Into<String>,
        status: u16,
        code: impl Into<String>,
        times: u32,
    ) -> Self {
        Fault {
            service: service.into(),
            region: None,
            path_prefix: None,
            status,
            code: code.into(),
            times,
        }
    }

    /// Only in this region.
    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Only for paths starting with this prefix.
    pub fn with_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    fn matches(&self, services: [&str; 2], region: Option<&str>, path: &str) -> bool {
        (self.service == "*" || services.contains(&self.service.as_str()))
            && self.region.as_deref().is_none_or(|r| region == Some(r))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// Starts simulators.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Validate `world`, bind `addr` (port 0 picks a free port) and serve in the background.
    ///
    /// Fails with `InvalidInput` when the world does not validate.
    pub async fn start(world: World, addr: SocketAddr) -> std::io::Result<SimHandle> {
        world
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
        let (stopped_tx, stopped_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            world: RwLock::new(world),
            faults: Mutex::new(Vec::new()),
            buckets: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
            clock_skew_seconds: AtomicI64::new(0),
            shutdown: shutdown_tx,
            stopped: stopped_rx,
            addr: local,
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            let signal = async move {
                let _ = shutdown_rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::error!(error = %e, "the BCE simulator stopped with an error");
            }
            let _ = stopped_tx.send(true);
        });
        tracing::info!(addr = %local, "BCE simulator listening");
        Ok(SimHandle { shared })
    }
}

/// A running simulator. Cheap to clone; every clone controls the same server.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.shared.addr)
            .finish()
    }
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Make the next `fault.times` matching requests fail (after authentication succeeded).
    /// Faults are consumed in the order they were injected.
    pub fn inject_fault(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push(fault);
        }
    }

    /// Remove every pending fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Enable or disable an access key (root or user key). Unknown keys are ignored with a
    /// warning.
    pub fn set_key_enabled(&self, access_key_id: &str, enabled: bool) {
        let mut world = self.shared.world_mut();
        match world.find_key(access_key_id) {
            Some(loc) => world.key_mut(loc).enabled = enabled,
            None => tracing::warn!(access_key_id, "set_key_enabled: no such access key"),
        }
    }

    /// Replace the directly attached policies of every user with this name. Unknown users
    /// are ignored with a warning; unknown policy names grant nothing.
    pub fn set_user_policies(&self, user_name: &str, policies: Vec<String>) {
        let mut world = self.shared.world_mut();
        let mut found = false;
        for account in &mut world.accounts {
            for user in account.users.iter_mut().filter(|u| u.name == user_name) {
                user.policies = policies.clone();
                found = true;
            }
        }
        if !found {
            tracing::warn!(user_name, "set_user_policies: no such user");
        }
    }

    /// Add a region to every account at run time: `describeRegions` lists it (after the
    /// account's other regions) and its hosts answer, with empty lists until resources are
    /// added with [`SimHandle::update_world`]. An account that already has the region keeps
    /// its entry. A `region_id` that is not a valid region id (it could not be part of a host
    /// name) is ignored with a warning.
    pub fn add_region(&self, region_id: &str, region_name: &str) {
        if let Err(e) = vigil_core::Region::new(region_id) {
            tracing::warn!(region_id, error = %e, "add_region: not a valid region id");
            return;
        }
        let mut world = self.shared.world_mut();
        for account in &mut world.accounts {
            if !account.has_region(region_id) {
                account.regions.push(RegionEntry {
                    region_id: region_id.to_string(),
                    region_name: region_name.to_string(),
                });
            }
        }
    }

    /// Remove a region from every account at run time, with its resources: `describeRegions`
    /// no longer lists it and its hosts answer `421 UnknownHost`. Unknown regions are ignored.
    pub fn remove_region(&self, region_id: &str) {
        let mut world = self.shared.world_mut();
        for account in &mut world.accounts {
            account.regions.retain(|r| r.region_id != region_id);
            account.resources.remove(region_id);
        }
    }

    /// Run the simulator's clock `seconds` ahead of this machine's (negative: behind), as if
    /// the client's clock were wrong. Signature time windows are checked against the
    /// simulator's clock, and every response's `Date` header shows it. 0 restores it.
    pub fn set_clock_skew(&self, seconds: i64) {
        self.shared
            .clock_skew_seconds
            .store(seconds, Ordering::SeqCst);
    }

    /// Change the world in place (takes effect for the next request; not re-validated).
    pub fn update_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.shared.world_mut())
    }

    /// A copy of the current world.
    pub fn world_snapshot(&self) -> World {
        self.shared.world().clone()
    }

    /// Requests served so far (every request, whatever its outcome).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Stop accepting connections and finish in-flight requests.
    pub fn shutdown(&self) {
        let _ = self.shared.shutdown.send(true);
    }

    /// Wait until the server has stopped (after [`SimHandle::shutdown`]).
    pub async fn stopped(&self) {
        let mut rx = self.shared.stopped.clone();
        let _ = rx.wait_for(|s| *s).await;
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

struct Shared {
    world: RwLock<World>,
    faults: Mutex<Vec<Fault>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    requests: AtomicU64,
    /// Added to the machine's clock: the simulator's idea of "now".
    clock_skew_seconds: AtomicI64,
    shutdown: watch::Sender<bool>,
    stopped: watch::Receiver<bool>,
    addr: SocketAddr,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The parts of a request the pipeline needs.
struct Incoming<'a> {
    method: &'a str,
    host: String,
    raw_path: &'a str,
    raw_query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Shared {
    fn world(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|p| p.into_inner())
    }

    fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The simulator's clock: the machine's plus the configured skew.
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.clock_skew_seconds.load(Ordering::SeqCst))
    }

    fn process(&self, req: &Incoming<'_>, now: DateTime<Utc>) -> ApiResult {
        let target =
            services::resolve_host(&req.host).ok_or_else(|| ApiError::unknown_host(&req.host))?;
        let region = target.region.as_deref();
        let path = decode(req.raw_path);
        let query = Query::parse(req.raw_query);
        let world = self.world();
        if let Some(r) = region {
            if !world.accounts.iter().any(|a| a.has_region(r)) {
                return Err(ApiError::unknown_host(&req.host));
            }
        }
        let loc = authenticate(&world, req, &path, &query, now)?;
        let account = &world.accounts[loc.account];
        if let Some(r) = region {
            if !account.has_region(r) {
                return Err(ApiError::unknown_host(&req.host));
            }
        }
        self.throttle(&world, &world.key(loc).access_key_id)?;
        // A BOS virtual-host name carries the bucket: route `/{bucket}{path}` like path style
        // (the signature above covers the path as sent).
        let routed = match &target.bucket {
            Some(bucket) => format!("/{bucket}{path}"),
            None => path.clone(),
        };
        let request = services::Request::new(req.method, &routed).with_query(&query);
        let op = target.route(&request);
        self.take_fault(&target, op.as_ref().map(|o| o.service), &path)?;
        let op = op.ok_or_else(|| ApiError::invalid_uri(req.method, &path))?;
        authorize(account, loc.principal, &op, &target)?;
        let cx = Ctx {
            account,
            region,
            query: &query,
            body: req.body,
        };
        (op.run)(&cx)
    }

    fn throttle(&self, world: &World, access_key_id: &str) -> Result<(), ApiError> {
        let Some(limits) = &world.limits else {
            return Ok(());
        };
        let rate = limits.requests_per_second_per_key;
        if !(rate.is_finite() && rate > 0.0) {
            return Ok(());
        }
        let capacity = rate.max(1.0);
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let bucket = buckets.entry(access_key_id.to_string()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::throttled())
        }
    }

    fn take_fault(
        &self,
        target: &Target,
        api_service: Option<&str>,
        path: &str,
    ) -> Result<(), ApiError> {
        let services = [
            target.entry.service,
            api_service.unwrap_or(target.entry.service),
        ];
        let mut faults = lock(&self.faults);
        let Some(i) = faults
            .iter()
            .position(|f| f.matches(services, target.region.as_deref(), path))
        else {
            return Ok(());
        };
        let fault = &mut faults[i];
        let err = ApiError::injected(fault.status, &fault.code);
        fault.times -= 1;
        if fault.times == 0 {
            faults.remove(i);
        }
        Err(err)
    }
}

/// `bce-auth-v1` verification: parse (`400 InvalidHTTPAuthHeader`, also when missing) →
/// look the key up (`403 InvalidAccessKeyId`) → time window (`400 RequestExpired`) →
/// signature (`400 SignatureDoesNotMatch`) → key and user enabled (`403
/// InvalidAccessKeyId` like an unknown key, message "disabled"; checked last so only holders
/// of the secret learn it).
fn authenticate(
    world: &World,
    req: &Incoming<'_>,
    decoded_path: &str,
    query: &Query,
    now: DateTime<Utc>,
) -> Result<KeyLocation, ApiError> {
    let header = req
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::invalid_auth_header("the Authorization header is missing"))?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::invalid_auth_header("the header is not ASCII"))?;
    let auth =
        parse_authorization(text).map_err(|e| ApiError::invalid_auth_header(&e.to_string()))?;
    let loc = world
        .find_key(&auth.access_key_id)
        .ok_or_else(ApiError::invalid_access_key_id)?;
    let expires = auth.timestamp + Duration::seconds(i64::from(auth.expiration_seconds));
    if now > expires || auth.timestamp > now + Duration::seconds(MAX_FUTURE_SKEW_SECONDS) {
        return Err(ApiError::request_expired(&auth.timestamp_text));
    }
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let to_sign = RequestToSign {
        method: req.method,
        path: decoded_path,
        query: query.pairs(),
        headers: &headers,
    };
    let key = world.key(loc);
    if !verify_signature(&auth, &to_sign, &Secret::new(key.secret_access_key.clone())) {
        return Err(ApiError::signature_mismatch());
    }
    let user_enabled = match loc.principal {
        Principal::Root => true,
        Principal::User(u) => world.accounts[loc.account].users[u].enabled,
    };
    if !key.enabled || !user_enabled {
        return Err(ApiError::access_key_disabled(!key.enabled, !user_enabled));
    }
    Ok(loc)
}

/// Root keys may do everything; users need an `Allow` and no `Deny` among their directly
/// attached and group policies.
fn authorize(
    account: &Account,
    principal: Principal,
    op: &Operation<'_>,
    target: &Target,
) -> Result<(), ApiError> {
    if op.authz == Authz::AnyAuthenticated {
        return Ok(());
    }
    let Principal::User(u) = principal else {
        return Ok(());
    };
    let user = &account.users[u];
    let docs: Vec<Cow<'_, policy::AclDocument>> = account
        .effective_policy_names(user)
        .iter()
        .filter_map(|name| match account.custom_policy(name) {
            Some(custom) => custom.acl().ok().map(Cow::Owned),
            None => policy::system_policy(name).map(|p| Cow::Borrowed(&p.document)),
        })
        .collect();
    let request = AccessRequest {
        service: op.service,
        region: target.region.as_deref(),
        action: op.action,
        resource: op.resource,
    };
    if policy::is_allowed(docs.iter().map(|d| d.as_ref()), &request) {
        Ok(())
    } else {
        Err(ApiError::access_denied())
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let now = shared.now();
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let outcome = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Err(_) => Err(ApiError::invalid_request(
            "The request body could not be read or is too large.",
        )),
        Ok(bytes) => {
            let incoming = Incoming {
                method: parts.method.as_str(),
                host: host.clone(),
                raw_path: parts.uri.path(),
                raw_query: parts.uri.query(),
                headers: &parts.headers,
                body: &bytes,
            };
            shared.process(&incoming, now)
        }
    };
    let (status, body) = match outcome {
        Ok(value) => (200, value),
        Err(e) => {
            let body = e.body(&request_id);
            (e.status, body)
        }
    };
    tracing::debug!(
        request_id = %request_id,
        method = %parts.method,
        host = %host,
        path = %parts.uri.path(),
        query = %Query::parse(parts.uri.query()).redacted(),
        status,
        "BCE simulator request"
    );
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        // The simulator's clock (see `SimHandle::set_clock_skew`), as BCE sends its own.
        .header(header::DATE, http_date(now))
        .header("x-bce-request-id", request_id.as_str())
        .body(Body::from(bytes))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// An HTTP `Date` value (RFC 9110 IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
