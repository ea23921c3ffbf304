//! The sequencer: the one task that decides commands and appends their events to the log.
//!
//! Writes arrive on a channel. The sequencer takes every submission waiting (up to
//! [`MAX_BATCH`]), decides each in turn against the state as the previous ones left it, and
//! appends all resulting events in **one** durable transaction (group commit): the cost of an
//! fsync is shared by the whole batch, which is what lets a disk doing a few thousand fsyncs a
//! second record many more positions than that. Replies go out only after the commit, so every
//! acknowledged write is durable.
//!
//! After each commit (and after folding in other servers' entries) the sequencer **publishes**
//! the state: an `Arc` of the fold, which readers take ([`SequencerHandle::latest`]) without
//! waiting for the sequencer, and the sequencer replaces without waiting for readers. The fold's
//! maps are persistent, so a published copy costs what the batch changed, not the state.
//!
//! The fold itself — load, catch-up, sealing — is `concord_log`'s; this module holds the task:
//! batching ([`batch`]), the writer lease and lost races, and recovery from a store that fails
//! ([`recovery`]). If an append fails, the state is reloaded from the log and every write of
//! the batch is answered "unavailable": nothing of it happened. Until a write succeeds again,
//! `/readyz` says the log cannot be written; see `recovery::WriteProbe`.

mod batch;
mod recovery;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use concord_core::{Actor, Command, Refusal, VerifiedSignature};
use concord_ledger::keys::Signer;
use concord_log::{DeadlineUpdate, Loaded};
use concord_store::Store;
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::metrics::Metrics;

/// Most submissions decided and committed together.
pub const MAX_BATCH: usize = 512;
/// Submissions that may wait before new ones are refused as overload.
pub const QUEUE_DEPTH: usize = 4096;

/// An idempotency key with the request it was first used for.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub principal: String,
    pub key: String,
    pub fingerprint: String,
}

/// What the sequencer answers.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP-ready status and JSON body: the resource the command affected, as it now stands.
    pub status: u16,
    pub body: Vec<u8>,
    /// Whether this reply was recorded earlier for the same idempotency key.
    pub replayed: bool,
}

/// Why a submission did not commit.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("this idempotency key was used for a different request")]
    KeyReused,
    #[error("overloaded: the write queue is full")]
    Overloaded,
    #[error("the log could not be written: {0}")]
    Unavailable(String),
}

struct Submission {
    actor: Actor,
    /// The account (the person or token) that acted, sealed with the event.
    account: Option<String>,
    command: Command,
    /// The command's signature, verified where it arrived, off the sequencer's one thread.
    ahead: Option<VerifiedSignature>,
    key: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Reply, SubmitError>>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("actor", &self.actor)
            .field("account", &self.account)
            .field("command", &self.command)
            .finish()
    }
}

/// A way to submit commands to the sequencer and to read what it published. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SequencerHandle {
    tx: mpsc::Sender<Submission>,
    published: watch::Receiver<Arc<Loaded>>,
    health: watch::Receiver<Option<String>>,
}

impl SequencerHandle {
    /// Decides and commits one command; returns once it is durable (or refused). `account` is
    /// who acted in the role `actor` (`user:<name>`, `token:<label>`), sealed with each event.
    pub async fn submit(
        &self,
        actor: Actor,
        account: Option<String>,
        command: Command,
        key: Option<IdempotencyKey>,
    ) -> Result<Reply, SubmitError> {
        // A place in the queue first: an overloaded server spends nothing on a write it refuses.
        let permit = self.tx.try_reserve().map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => SubmitError::Overloaded,
            mpsc::error::TrySendError::Closed(()) => SubmitError::Unavailable("the sequencer has stopped".into()),
        })?;
        // The one costly check of deciding, done here on the caller's task: many of these run
        // at once, while the sequencer decides one write after another. `latest()` takes an
        // `Arc` of the published state (cheap) rather than the watch's borrow, which would make
        // the sequencer's next publish wait for the Ed25519 check.
        let ahead = concord_core::verify_ahead(&self.latest().state, actor, &command);
        let (reply, rx) = oneshot::channel();
        permit.send(Submission { actor, account, command, ahead, key, reply });
        rx.await.map_err(|_| SubmitError::Unavailable("the sequencer stopped before replying".into()))?
    }

    /// The state as of the last commit this server made or saw: immutable, shared, never
    /// waiting for the sequencer.
    #[must_use]
    pub fn latest(&self) -> Arc<Loaded> {
        self.published.borrow().clone()
    }

    /// The published state, to wait for the next one.
    #[must_use]
    pub fn published(&self) -> watch::Receiver<Arc<Loaded>> {
        self.published.clone()
    }

    /// Whether the sequencer task is still running.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Why the sequencer cannot write now (the database went away), if it cannot.
    #[must_use]
    pub fn trouble(&self) -> Option<String> {
        self.health.borrow().clone()
    }
}

/// How the sequencer shares its log with other servers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sharing {
    /// Other servers append to the same database: look for their entries this often (so that
    /// this server's deadlines and witnesses see them even when it receives no writes), and
    /// keep a copy of the state before each batch, so that a batch that loses the race to
    /// append is decided again after catching up rather than by reloading the whole log.
    pub follow: Option<std::time::Duration>,
}

/// What the sequencer works with.
#[allow(missing_debug_implementations)] // a store is not Debug
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The log's signing key, for checkpoints.
    pub log: Arc<Signer>,
    pub metrics: Arc<Metrics>,
    /// Salts for the sealed parts ([`concord_log::salts`]).
    pub salts: rand::rngs::StdRng,
}

/// Starts the sequencer on a loaded log. `deadlines` receives the deadline of every proposal a
/// commit (or an entry of another server) touched.
pub fn start(
    parts: Parts,
    loaded: Loaded,
    sharing: Sharing,
    deadlines: mpsc::UnboundedSender<Vec<DeadlineUpdate>>,
    head: watch::Sender<u64>,
) -> (SequencerHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let (health_tx, health) = watch::channel(None);
    let (publish, published) = watch::channel(Arc::new(loaded.clone()));
    let Parts { store, clock, log, metrics, salts } = parts;
    let task = batch::Sequencer {
        store,
        clock,
        log,
        metrics,
        salts,
        loaded,
        sharing,
        rx,
        deadlines,
        head,
        publish,
        health: health_tx,
        probe: recovery::WriteProbe::default(),
    };
    (SequencerHandle { tx, published, health }, tokio::spawn(task.run()))
}
