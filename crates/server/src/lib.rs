//! Concord's server: the JSON API, authentication, the sequencer that appends to the log, and
//! the deadline scheduler.
//!
//! **Invariant:** only this crate, the web pages above it (`concord-web`) and the binary know
//! HTTP. Handlers authenticate the caller, parse the body, and hand a `concord_core::Command` to
//! the [`sequencer`]; the domain decides, the sequencer appends the events, and the reply is the
//! affected resource. Every read — API, pages, reports, live events — takes the state the
//! sequencer last published ([`AppState::view`]) and never waits for it.

#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod exports;
pub mod metrics;
pub mod notifier;
pub mod openapi;
pub mod problem;
mod resource;
pub mod scheduler;
pub mod sequencer;
pub mod serving;
pub mod session_cookie;
pub mod snapshots;
#[cfg(test)]
mod testing;
pub mod witnesses;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use concord_core::{Actor, Command};
use concord_ledger::keys::Signer;
use concord_store::{Batch, Store, StoreError};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::problem::ApiError;
use crate::sequencer::SequencerHandle;
use concord_log::{LoadError, Loaded};

/// The state every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    sequencer: SequencerHandle,
    clock: Arc<dyn Clock>,
    log: Arc<Signer>,
    metrics: Arc<metrics::Metrics>,
    /// The log's size after each commit, for pages that update live.
    head: tokio::sync::watch::Receiver<u64>,
    /// Other servers append to the same log (reads catch up with them first).
    follows: bool,
    /// Anyone may fetch the exports (`crate::exports`), not only callers who read support data.
    public_exports: std::sync::atomic::AtomicBool,
    /// Where links in notices and feeds point; set when notices start.
    base_url: std::sync::OnceLock<String>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").field("sequencer", &self.sequencer).field("clock", &self.clock).finish_non_exhaustive()
    }
}

impl AppState {
    /// The store.
    #[must_use]
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Whether anyone may fetch the exports (the `public_exports` setting).
    #[must_use]
    pub fn public_exports(&self) -> bool {
        self.inner.public_exports.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Lets anyone fetch the exports, or only callers who read support data (the default).
    pub fn set_public_exports(&self, public: bool) {
        self.inner.public_exports.store(public, std::sync::atomic::Ordering::Relaxed);
    }

    /// The sequencer.
    /// The site's address for links in notices and calendar feeds (empty: relative links).
    #[must_use]
    pub fn base_url(&self) -> String {
        self.inner.base_url.get().cloned().unwrap_or_default()
    }

    #[must_use]
    pub fn sequencer(&self) -> &SequencerHandle {
        &self.inner.sequencer
    }

    /// The clock.
    #[must_use]
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The log's signing key; its name is the log's origin.
    #[must_use]
    pub fn log_key(&self) -> &Signer {
        &self.inner.log
    }

    /// The metrics `/metrics` serves.
    #[must_use]
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// The state as the sequencer last published it: the fold of the log up to
    /// `view().size`, immutable and shared, taken without waiting for the sequencer. On a
    /// database shared with other servers, entries they appended since are first folded into a
    /// private copy, so that a read after a write acknowledged elsewhere sees it.
    pub async fn view(&self) -> Arc<Loaded> {
        let latest = self.inner.sequencer.latest();
        if !self.inner.follows {
            return latest;
        }
        match self.inner.store.log_size().await {
            Ok(size) if size > latest.size => {
                let mut fresh = Loaded::clone(&latest);
                match fresh.catch_up(self.store(), None, &mut concord_log::Touched::default()).await {
                    Ok(_) => Arc::new(fresh),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot catch up before a read; answering from the last state");
                        latest
                    }
                }
            }
            Ok(_) => latest,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the log's size; answering from the last state");
                latest
            }
        }
    }

    /// [`AppState::view`], once it covers the log's first `size` entries: a checkpoint is
    /// committed an instant before its fold is published, and a reader of entries up to the
    /// checkpoint must be judged on a state that knows them (`Loaded::redact` withholds the rest
    /// from all but the secretariat). Waits at most two seconds, then answers with what there is.
    pub async fn view_covering(&self, size: u64) -> Arc<Loaded> {
        let view = self.view().await;
        if view.size >= size {
            return view;
        }
        let mut published = self.inner.sequencer.published();
        let covered = published.wait_for(|l| l.size >= size);
        // The guard `wait_for` returns must not live across the await below.
        let covered = match tokio::time::timeout(std::time::Duration::from_secs(2), covered).await {
            Ok(Ok(l)) => Some(l.clone()),
            _ => None,
        };
        match covered {
            Some(l) => l,
            None => self.view().await,
        }
    }

    /// The log's size, updated after every commit: what live pages (server-sent events) watch.
    #[must_use]
    pub fn log_head(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.head.clone()
    }
}

/// The log's signing key (its name is the log's origin) and, for a new log, whether it accepts
/// member positions without the member's signature.
#[derive(Debug)]
pub struct LogIdentity {
    pub key: Signer,
    pub unsigned_positions: bool,
    /// For a new log: the shortest silence allowed without a stated urgency (none: no minimum).
    pub min_silence: Option<jiff::SignedDuration>,
    /// Witnesses to ask to cosign each new checkpoint.
    pub witnesses: Vec<witnesses::WitnessConfig>,
    /// Where snapshots of the state are kept, to start from the newest (none: every start
    /// replays the whole log).
    pub snapshots: Option<snapshots::SnapshotConfig>,
}

/// A running application: its routes, and the tasks behind them.
#[derive(Debug)]
pub struct App {
    pub state: AppState,
    sequencer_task: tokio::task::JoinHandle<()>,
    scheduler_task: tokio::task::JoinHandle<()>,
    witness_tasks: Vec<tokio::task::JoinHandle<()>>,
    snapshot_task: Option<tokio::task::JoinHandle<()>>,
    notifier_tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl App {
    /// Loads the log from `store`, and starts the sequencer and the scheduler (which at once
    /// closes any procedure whose deadline passed while no server ran).
    pub async fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, log: LogIdentity) -> Result<Self, LoadError> {
        Self::start_with(store, clock, log, sequencer::Sharing::default()).await
    }

    /// As [`App::start`], for a server that may share its database with others.
    pub async fn start_with(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        log: LogIdentity,
        sharing: sequencer::Sharing,
    ) -> Result<Self, LoadError> {
        let LogIdentity { key: log, unsigned_positions, min_silence, witnesses, snapshots } = log;
        let from = snapshots.as_ref().map(|c| snapshots::read(&c.dir));
        let policy = Policy { unsigned_positions, min_silence };
        let (loaded, started_from) =
            open_log(store.as_ref(), clock.as_ref(), &log, policy, from.into_iter().flatten()).await?;
        let initial: Vec<_> = loaded.state.deadlines().collect();
        let (deadline_tx, deadline_rx) = mpsc::unbounded_channel();
        let (head_tx, head_rx) = tokio::sync::watch::channel(store.latest_checkpoint().await?.map_or(0, |c| c.size));
        let log = Arc::new(log);
        let metrics = Arc::new(metrics::Metrics::default());
        metrics.set_log_size(loaded.size);
        let (handle, sequencer_task) = sequencer::start(
            sequencer::Parts {
                store: store.clone(),
                clock: clock.clone(),
                log: log.clone(),
                metrics: metrics.clone(),
                salts: concord_log::salts()?,
            },
            loaded,
            sharing,
            deadline_tx,
            head_tx,
        );
        let scheduler_task = scheduler::start(clock.clone(), handle.clone(), initial, deadline_rx, metrics.clone());
        // The writer checks at once: a start that replayed a long log saves it for the next.
        let snapshot_task = snapshots.map(|c| snapshots::start(c, handle.published(), started_from.unwrap_or(0)));
        let state = AppState {
            inner: Arc::new(Inner {
                store,
                sequencer: handle,
                clock,
                log,
                metrics,
                head: head_rx.clone(),
                follows: sharing.follow.is_some(),
                public_exports: std::sync::atomic::AtomicBool::new(false),
                base_url: std::sync::OnceLock::new(),
            }),
        };
        let witness_tasks = witnesses::start(state.clone(), witnesses, head_rx);
        Ok(Self { state, sequencer_task, scheduler_task, witness_tasks, snapshot_task, notifier_tasks: Vec::new() })
    }

    /// The HTTP routes.
    /// Starts telling readers what concerns them (the notifier): web notices, e-mail and
    /// webhooks as `config` says.
    ///
    /// # Errors
    /// The mail settings cannot be used.
    pub fn notify(&mut self, config: notifier::NotifyConfig) -> Result<(), String> {
        let _ = self.state.inner.base_url.set(config.base_url.clone());
        self.notifier_tasks.extend(notifier::start(self.state.clone(), config)?);
        Ok(())
    }

    pub fn router(&self) -> Router {
        self.router_with(Router::new().fallback(not_found))
    }

    /// The HTTP routes with `pages` (the web interface) beside the API. `pages` brings its own
    /// fallback for unknown paths (an HTML page); unknown paths under `/api/` stay problem
    /// documents.
    pub fn router_with(&self, pages: Router<AppState>) -> Router {
        Router::new()
            .merge(api::router())
            .merge(api::health::router())
            .merge(exports::router())
            .merge(calendar::router())
            .route("/api/openapi.json", get(openapi::document))
            .route("/api/{*rest}", axum::routing::any(not_found))
            .merge(pages)
            .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
            .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
            .layer(TraceLayer::new_for_http())
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then stops the background tasks.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        self.serve_router(listener, router, shutdown).await
    }

    /// As [`App::serve`], with the given routes (e.g. [`App::router_with`] the web pages), the
    /// default [`serving::Limits`] and no metrics address.
    pub async fn serve_router(
        self,
        listener: TcpListener,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_with(Serving { listener, router, limits: serving::Limits::default(), metrics: None }, shutdown).await
    }

    /// Serves `serving.router` within its limits, and `/metrics` on its own listener if one is
    /// given, until `shutdown` completes; then stops the background tasks.
    pub async fn serve_with(
        self,
        serving: Serving,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Serving { listener, router, limits, metrics } = serving;
        let metrics_task = metrics.map(|listener| {
            let router = metrics_router(self.state.clone());
            // A scraper or two: a small cap, and the same timeouts.
            let limits = serving::Limits { max_connections: 16, ..limits.clone() };
            tokio::spawn(async move {
                if let Err(e) = serving::serve(listener, router, &limits, None, std::future::pending()).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            })
        });
        let result = serving::serve(listener, router, &limits, Some(self.state.inner.metrics.clone()), shutdown).await;
        if let Some(t) = metrics_task {
            t.abort();
        }
        self.scheduler_task.abort();
        for t in self.witness_tasks.iter().chain(&self.snapshot_task).chain(&self.notifier_tasks) {
            t.abort();
        }
        self.sequencer_task.abort();
        result
    }
}

/// What [`App::serve_with`] serves: the public routes on `listener` within `limits`, and
/// `/metrics` on `metrics` if given. Metrics are kept off the public address: they tell an
/// outsider how busy the server is and how sign-ins fare.
#[derive(Debug)]
pub struct Serving {
    pub listener: TcpListener,
    pub router: Router,
    pub limits: serving::Limits,
    pub metrics: Option<TcpListener>,
}

/// `/metrics` alone, for the metrics listener.
fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(api::health::metrics))
        .fallback(not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The API's answer at an address that has nothing.
async fn not_found() -> ApiError {
    ApiError::NotFound("there is nothing at this address".into())
}

/// What a new log's first entry fixes for good.
#[derive(Debug, Clone, Copy)]
struct Policy {
    unsigned_positions: bool,
    min_silence: Option<jiff::SignedDuration>,
}

/// Loads the log (from the first of `snapshots` the store agrees with, if any), creating it if
/// the database is empty, and checks that it is this key's log. Several servers may start at
/// once on one database: the first to append creates the log, and the others load it. Returns
/// the fold and the size of the snapshot it started from.
async fn open_log(
    store: &dyn Store,
    clock: &dyn Clock,
    log: &Signer,
    policy: Policy,
    snapshots: impl IntoIterator<Item = Loaded>,
) -> Result<(Loaded, Option<u64>), LoadError> {
    let Policy { unsigned_positions, min_silence } = policy;
    let vkey = log.verifier().to_string();
    let (mut loaded, started_from) = concord_log::load_from(store, snapshots).await?;
    if let Some(size) = started_from {
        tracing::info!(snapshot = size, replayed = loaded.size - size, "loaded the log from a snapshot");
    }
    if loaded.state.log.is_none() && loaded.size == 0 {
        // A new log begins by naming its origin, its key and its policy.
        let create = Command::CreateLog {
            origin: log.name().to_string(),
            log_key: vkey.clone(),
            unsigned_positions,
            min_silence,
        };
        let mut entries = Vec::new();
        let mut touched = concord_log::Touched::default();
        loaded.sequence(
            Actor::Secretariat,
            None,
            &create,
            None,
            clock.now(),
            &mut concord_log::salts()?,
            &mut entries,
            &mut touched,
        )?;
        let (tree_hashes, checkpoint) = loaded.seal(&entries, log)?;
        let batch = Batch { expected_size: 0, entries, tree_hashes, checkpoint: Some(checkpoint), ..Batch::default() };
        match store.append(&batch).await {
            Ok(_) => {}
            Err(StoreError::Conflict { .. }) => loaded = concord_log::load(store).await?,
            Err(e) => return Err(e.into()),
        }
    }
    match &loaded.state.log {
        Some(settings) if settings.log_key != vkey => {
            return Err(LoadError::WrongKey { log: settings.log_key.clone(), given: vkey });
        }
        Some(settings) if settings.unsigned_positions != unsigned_positions => {
            tracing::warn!(
                log = settings.unsigned_positions,
                configured = unsigned_positions,
                "the unsigned-positions setting applies only to a new log; this log keeps the policy of its first entry"
            );
        }
        Some(settings) if settings.min_silence != min_silence => {
            tracing::warn!(
                log = ?settings.min_silence,
                configured = ?min_silence,
                "the minimum silence applies only to a new log; this log keeps the policy of its first entry"
            );
        }
        _ => {}
    }
    // A log whose latest entries have no checkpoint (written before checkpoints, or by a
    // server that stopped in between) gets one now, so that what is served is signed.
    let latest = store.latest_checkpoint().await?;
    if loaded.size > 0 && latest.as_ref().is_none_or(|c| c.size != loaded.size) {
        let checkpoint = concord_log::sign_checkpoint(&loaded.tree, log)?;
        match store
            .append(&Batch { expected_size: loaded.size, checkpoint: Some(checkpoint), ..Batch::default() })
            .await
        {
            // Another server appended meanwhile (and signed its own checkpoint): the sequencer
            // catches up on its first write.
            Ok(_) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((loaded, started_from))
}

/// Binds `addr` (port 0 picks a free one) and returns the listener and its address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
