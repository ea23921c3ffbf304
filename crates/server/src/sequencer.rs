//! The sequencer: the one task that decides commands and appends their events to the log.
//!
//! Writes arrive on a channel. The sequencer takes every submission waiting (up to
//! [`MAX_BATCH`]), decides each in turn against the state as the previous ones left it, and
//! appends all resulting events in **one** durable transaction (group commit): the cost of an
//! fsync is shared by the whole batch, which is what lets a disk doing a few thousand fsyncs a
//! second record many more positions than that. Replies go out only after the commit, so every
//! acknowledged write is durable.
//!
//! The in-memory [`State`] is the fold of the log. If an append fails, the state is reloaded
//! from the log and every write of the batch is answered "unavailable": nothing of it happened.
//! Until a write succeeds again, `/readyz` says the log cannot be written; see [`WriteProbe`].

use std::collections::BTreeSet;
use std::sync::Arc;

use concord_core::{Actor, Command, Event, ProposalId, Refusal, State, decide};
use concord_ledger::Hash;
use concord_ledger::keys::Signer;
use concord_store::{
    Batch, Checkpoint, IdempotencyRecord, LogRecord, NewEntry, RECORD_VERSION, Snapshot, Store, StoreError, encode,
};
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::metrics::{Metrics, WriteResult};
use crate::resource::{Resource, status_for};
use concord_ledger::edge::{TreeEdge, check_stored};

/// Most submissions decided and committed together.
pub const MAX_BATCH: usize = 512;
/// Submissions that may wait before new ones are refused as overload.
pub const QUEUE_DEPTH: usize = 4096;
/// Entries read per page when loading the log.
const LOAD_PAGE: u64 = 10_000;

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
    command: Command,
    key: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Reply, SubmitError>>,
}

/// A way to submit commands to the sequencer. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SequencerHandle {
    tx: mpsc::Sender<Submission>,
    queries: mpsc::Sender<Query>,
    health: tokio::sync::watch::Receiver<Option<String>>,
}

/// A read of the folded state, run by the sequencer between batches.
type Query = Box<dyn FnOnce(&State) + Send>;

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission").field("actor", &self.actor).field("command", &self.command).finish()
    }
}

impl SequencerHandle {
    /// Decides and commits one command; returns once it is durable (or refused).
    pub async fn submit(
        &self,
        actor: Actor,
        command: Command,
        key: Option<IdempotencyKey>,
    ) -> Result<Reply, SubmitError> {
        let (reply, rx) = oneshot::channel();
        self.tx.try_send(Submission { actor, command, key, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SubmitError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => SubmitError::Unavailable("the sequencer has stopped".into()),
        })?;
        rx.await.map_err(|_| SubmitError::Unavailable("the sequencer stopped before replying".into()))?
    }

    /// Runs `read` on the state as of the last commit (after catching up with other servers'
    /// entries, when the log is shared), between batches. For reads that need the whole fold
    /// (the support reports) until they have tables of their own; keep `read` short, since
    /// writes wait while it runs.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&State) -> T + Send + 'static,
    ) -> Result<T, SubmitError> {
        let (reply, rx) = oneshot::channel();
        let query: Query = Box::new(move |state| {
            let _ = reply.send(read(state));
        });
        self.queries.try_send(query).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SubmitError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => SubmitError::Unavailable("the sequencer has stopped".into()),
        })?;
        rx.await.map_err(|_| SubmitError::Unavailable("the sequencer stopped before replying".into()))
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

/// The log as loaded: the folded state, its size, last leaf hash and Merkle tree edge.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: State,
    pub size: u64,
    pub last_hash: Hash,
    pub tree: TreeEdge,
    /// The log entry of each recorded decision.
    pub decisions: std::collections::BTreeMap<ProposalId, u64>,
}

impl Loaded {
    /// Decides `command` at `now` and, if accepted, applies its events and appends their log
    /// entries to `entries`, chained to the log so far. The state and the chain move together.
    pub fn sequence(
        &mut self,
        actor: Actor,
        command: &Command,
        now: Timestamp,
        entries: &mut Vec<NewEntry>,
        touched: &mut Touched,
    ) -> Result<(), Refusal> {
        for event in decide(&self.state, actor, command, now)? {
            let record =
                LogRecord { v: RECORD_VERSION, seq: self.size, prev: self.last_hash.to_hex(), at: now, actor, event };
            let entry = encode(&record).unwrap_or_else(|e| panic!("a domain event failed to encode: {e}"));
            if let Err(e) = self.state.apply(&record.event) {
                // decide and apply share their rules: an event decide produced always applies.
                panic!("decide produced an event that apply refuses: {e}");
            }
            touched.note(&record.event);
            if let Event::ProposalDecided { proposal, .. } = &record.event {
                self.decisions.insert(*proposal, self.size);
            }
            self.size += 1;
            self.last_hash = entry.leaf_hash;
            entries.push(entry);
        }
        Ok(())
    }
}

impl Loaded {
    /// The Merkle tree hashes and the signed checkpoint that close a batch of `entries` just
    /// sequenced (the tree catches up with the log).
    pub fn seal(&mut self, entries: &[NewEntry], log: &Signer) -> Result<(Vec<(u64, Hash)>, Checkpoint), LoadError> {
        let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
        let hashes = self.tree.append(&leaves)?;
        debug_assert_eq!(self.tree.size(), self.size, "the tree covers the log");
        Ok((hashes, sign_checkpoint(&self.tree, log)?))
    }
}

/// A signed checkpoint of the tree (c2sp.org/tlog-checkpoint; the origin is the log key's name).
pub fn sign_checkpoint(tree: &TreeEdge, log: &Signer) -> Result<Checkpoint, LoadError> {
    let root = tree.root()?;
    let note = concord_ledger::checkpoint::Checkpoint::new(log.name().as_str(), tree.size(), root)?.sign(log)?;
    Ok(Checkpoint { size: tree.size(), root, note })
}

/// An error loading the log.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the log is not intact: {0}")]
    Chain(#[from] concord_store::ChainError),
    #[error("entry {seq} does not apply: {error}")]
    Apply { seq: u64, error: concord_core::ApplyError },
    #[error("the Merkle tree: {0}")]
    Tree(#[from] concord_ledger::Error),
    #[error("the log was created with the key {log}, not the key given, {given}")]
    WrongKey { log: String, given: String },
    #[error("the log could not be started: {0}")]
    Refused(#[from] concord_core::Refusal),
    #[error("the stored checkpoint at size {size} has root {stored}, but the log's entries give {computed}")]
    CheckpointMismatch { size: u64, stored: Hash, computed: Hash },
}

impl Loaded {
    /// The fold of an empty log.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            state: State::new(),
            size: 0,
            last_hash: concord_store::genesis(),
            tree: TreeEdge::default(),
            decisions: std::collections::BTreeMap::new(),
        }
    }

    /// Reads the entries appended after `self.size` (by this process before a restart, or by
    /// another server on the same database), checks that they continue the chain, and folds
    /// them in, noting what they touched. Tree hashes below index `fill_tree_from` are read
    /// and compared with the ones the entries give ([`LoadError::Tree`] names the first that
    /// differs); those from it on are stored as they are computed (filling in a log written
    /// before the tree existed). `None` neither compares nor stores: the writer of the entries
    /// stored their hashes, and this server compared the older ones when it loaded. Returns how many were read.
    /// After a store error, `self` is the fold of a prefix of the log (whole pages); after an
    /// entry that does not apply, the log is corrupt and `self` must be thrown away.
    pub async fn catch_up(
        &mut self,
        store: &dyn Store,
        fill_tree_from: Option<u64>,
        touched: &mut Touched,
    ) -> Result<u64, LoadError> {
        let start = self.size;
        loop {
            let page = store.entries(self.size, LOAD_PAGE).await?;
            if page.is_empty() {
                return Ok(self.size - start);
            }
            let (records, last) = concord_store::check_chain(self.last_hash, &page)?;
            for r in &records {
                if r.seq != self.size {
                    return Err(concord_store::ChainError::OutOfSequence { seq: self.size, claimed: r.seq }.into());
                }
                self.state.apply(&r.event).map_err(|error| LoadError::Apply { seq: r.seq, error })?;
                touched.note(&r.event);
                if let Event::ProposalDecided { proposal, .. } = &r.event {
                    self.decisions.insert(*proposal, r.seq);
                }
                self.size += 1;
            }
            let leaves: Vec<Hash> = page.iter().map(|e| e.leaf_hash).collect();
            let hashes = self.tree.append(&leaves)?;
            self.last_hash = last;
            if let Some(from) = fill_tree_from {
                // What is stored already is compared with what the entries give, so that a
                // server never serves a tile or a proof from an altered row; what is missing
                // is stored.
                let (stored, missing) = hashes.split_at(hashes.partition_point(|(i, _)| *i < from));
                if !stored.is_empty() {
                    let indexes: Vec<u64> = stored.iter().map(|(i, _)| *i).collect();
                    check_stored(stored, &store.tree_hashes(&indexes).await?)?;
                }
                if !missing.is_empty() {
                    store.put_tree_hashes(missing).await?;
                }
            }
        }
    }
}

/// Reads the whole log, checks its chain, folds it into a state and rebuilds the Merkle tree's
/// edge from the leaves, comparing every stored tree hash with the one the entries give and
/// storing any missing (a log written before the tree existed). The root must equal the stored
/// checkpoint's, if there is one at this size.
pub async fn load(store: &dyn Store) -> Result<Loaded, LoadError> {
    let mut loaded = Loaded::empty();
    let stored_hashes = store.tree_hash_count().await?;
    loaded.catch_up(store, Some(stored_hashes), &mut Touched::default()).await?;
    if let Some(c) = store.checkpoint(loaded.size).await? {
        let computed = loaded.tree.root()?;
        if c.root != computed {
            return Err(LoadError::CheckpointMismatch { size: loaded.size, stored: c.root, computed });
        }
    }
    Ok(loaded)
}

/// Deadlines to (re)schedule after a commit: `Some` for open proposals, `None` to cancel.
pub type DeadlineUpdate = (ProposalId, Option<Timestamp>);

/// How the sequencer shares its log with other servers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sharing {
    /// Other servers append to the same database: look for their entries this often (so that
    /// this server's deadlines and witnesses see them even when it receives no writes), and
    /// keep a copy of the state before each batch, so that a batch that loses the race to
    /// append is decided again after catching up rather than by reloading the whole log.
    pub follow: Option<std::time::Duration>,
}

/// Most times a batch is decided again after losing the race to append to another server.
const MAX_CONFLICT_RETRIES: u32 = 32;

/// How long to wait before deciding a batch again after its `n`th lost race: exponential up to
/// 64 ms, with jitter so that servers that collided do not collide again in step. The jitter
/// comes from the process id and the log size rather than a random generator: it only has to
/// differ between servers, and the sequencer stays deterministic in tests.
fn conflict_backoff(n: u32, size: u64) -> std::time::Duration {
    let ceiling = 1u64 << n.min(6);
    let mix =
        u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ size.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    std::time::Duration::from_micros(mix % (ceiling * 1000))
}

/// Starts the sequencer on a loaded log. `deadlines` receives the deadline of every proposal a
/// commit (or an entry of another server) touched.
pub fn start(
    parts: Parts,
    loaded: Loaded,
    sharing: Sharing,
    deadlines: mpsc::UnboundedSender<Vec<DeadlineUpdate>>,
    head: tokio::sync::watch::Sender<u64>,
) -> (SequencerHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let (queries_tx, queries) = mpsc::channel(QUEUE_DEPTH);
    let (health_tx, health) = tokio::sync::watch::channel(None);
    let Parts { store, clock, log, metrics } = parts;
    let task = Sequencer {
        store,
        clock,
        log,
        metrics,
        loaded,
        sharing,
        rx,
        queries,
        deadlines,
        head,
        health: health_tx,
        probe: WriteProbe::default(),
    };
    (SequencerHandle { tx, queries: queries_tx, health }, tokio::spawn(task.run()))
}

/// What the sequencer works with.
#[allow(missing_debug_implementations)] // a store is not Debug
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The log's signing key, for checkpoints.
    pub log: Arc<Signer>,
    pub metrics: Arc<Metrics>,
}

struct Sequencer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    log: Arc<Signer>,
    metrics: Arc<Metrics>,
    loaded: Loaded,
    sharing: Sharing,
    rx: mpsc::Receiver<Submission>,
    queries: mpsc::Receiver<Query>,
    deadlines: mpsc::UnboundedSender<Vec<DeadlineUpdate>>,
    /// The size of the latest checkpoint, for the witnesses.
    head: tokio::sync::watch::Sender<u64>,
    /// Why the sequencer cannot write now, if it cannot (for `/readyz`).
    health: tokio::sync::watch::Sender<Option<String>>,
    probe: WriteProbe,
}

/// First wait before a write probe, after an append failed.
const FIRST_PROBE: std::time::Duration = std::time::Duration::from_millis(500);
/// Longest wait between write probes.
const LAST_PROBE: std::time::Duration = std::time::Duration::from_secs(5);

/// When to try a write of the sequencer's own, while appends fail (a full disk).
///
/// Reads go on working when the disk is full, so only a write shows that the store takes writes
/// again; and an append cannot be relied on to show it, since no write may come: a balancer
/// sends none to a server whose `/readyz` says it is not ready. So while appends fail the
/// sequencer probes with [`Store::probe_write`], backing off, until one succeeds.
#[derive(Debug, Default)]
struct WriteProbe {
    /// When the next probe is due; `None` while writes succeed.
    due: Option<tokio::time::Instant>,
    /// The wait after the next failure.
    backoff: std::time::Duration,
}

impl WriteProbe {
    /// An append or probe failed: probe again later, waiting longer each time.
    fn failed(&mut self) {
        self.backoff = if self.due.is_none() { FIRST_PROBE } else { (self.backoff * 2).min(LAST_PROBE) };
        self.due = Some(tokio::time::Instant::now() + self.backoff);
    }

    /// A write succeeded. Returns whether writes had been failing.
    fn succeeded(&mut self) -> bool {
        self.due.take().is_some()
    }
}

/// A batch decided against the state, not yet appended.
struct Decided {
    /// One per submission, in order: its answer, and whether it was decided against a state
    /// holding earlier, uncommitted writes of this batch (if the commit fails, whatever it was
    /// told no longer holds).
    results: Vec<(Result<Reply, SubmitError>, bool)>,
    batch: Option<Batch>,
    touched: Touched,
}

impl Sequencer {
    async fn run(mut self) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut follow = self.sharing.follow.map(|every| {
            let mut t = tokio::time::interval(every);
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        loop {
            tokio::select! {
                n = self.rx.recv_many(&mut batch, MAX_BATCH) => {
                    if n == 0 {
                        return;
                    }
                    self.commit(std::mem::take(&mut batch)).await;
                }
                Some(query) = self.queries.recv() => {
                    if self.sharing.follow.is_some() {
                        // Read the log as it stands, as a write would be decided on it.
                        if let Err(e) = self.catch_up().await {
                            tracing::warn!(error = %e, "cannot catch up before a read; answering from the last state");
                        }
                    }
                    query(&self.loaded.state);
                }
                _ = async { follow.as_mut().expect("guarded").tick().await }, if follow.is_some() => {
                    self.follow().await;
                }
                () = tokio::time::sleep_until(self.probe.due.unwrap_or_else(tokio::time::Instant::now)),
                    if self.probe.due.is_some() =>
                {
                    self.probe_write().await;
                }
            }
        }
    }

    /// Tries a write while appends fail, saying so in `/readyz` until one succeeds.
    async fn probe_write(&mut self) {
        match self.store.probe_write().await {
            Ok(()) => self.write_succeeded(),
            Err(e) => self.write_failed(&e.to_string()),
        }
    }

    fn write_failed(&mut self, why: &str) {
        self.health.send_replace(Some(format!("the log cannot be written: {why}")));
        self.probe.failed();
    }

    fn write_succeeded(&mut self) {
        if self.probe.succeeded() {
            tracing::info!("the log can be written again");
            self.health.send_replace(None);
        }
    }

    /// Folds in what other servers appended since the last look (one read when there is none).
    async fn follow(&mut self) {
        // A store error leaves the state at a prefix of the log: the next look goes on.
        if let Err(e) = self.catch_up().await {
            tracing::warn!(error = %e, "following the log failed; will try again");
        }
    }

    /// Reads and folds the entries appended after the state, telling the scheduler and the
    /// witnesses about them.
    async fn catch_up(&mut self) -> Result<u64, LoadError> {
        let mut touched = Touched::default();
        let read = self.loaded.catch_up(self.store.as_ref(), None, &mut touched).await?;
        if read > 0 {
            self.metrics.entries_followed.inc_by(read);
            self.metrics.set_log_size(self.loaded.size);
            tracing::debug!(entries = read, size = self.loaded.size, "caught up with the log");
            let _ = self.deadlines.send(touched.deadlines(&self.loaded.state));
            self.head.send_replace(self.loaded.size);
        }
        Ok(read)
    }

    #[tracing::instrument(skip_all, fields(submissions = subs.len()))]
    async fn commit(&mut self, subs: Vec<Submission>) {
        let mut conflicts = 0;
        loop {
            // Other servers wait while this one holds the lease, from catching up to appending.
            let mut lease = None;
            if self.sharing.follow.is_some() {
                match self.store.lease_log().await {
                    Ok(l) => lease = l,
                    Err(e) => {
                        tracing::warn!(error = %e, "the log's writer lease is not available");
                        self.write_failed(&e.to_string());
                        let unavailable = || Err(SubmitError::Unavailable(e.to_string()));
                        return answer(&self.metrics, subs, std::iter::repeat_with(unavailable));
                    }
                }
                // Decide on the log as it stands, not as this server last wrote it: a refusal
                // ("no such proposal") must not rest on a state older than a write another
                // server acknowledged before this request arrived.
                if let Err(e) = self.catch_up().await {
                    tracing::error!(error = %e, "the log cannot be read; recovering");
                    // Let the other servers go on while this one waits for the store.
                    drop(lease);
                    // A store error leaves the state at a prefix of the log: go on from there.
                    let here = self.loaded.clone();
                    self.recover(Some(here)).await;
                    let unavailable = || Err(SubmitError::Unavailable(e.to_string()));
                    return answer(&self.metrics, subs, std::iter::repeat_with(unavailable));
                }
            }
            let saved = self.sharing.follow.is_some().then(|| self.loaded.clone());
            let decided = self.decide(&subs).await;
            let Some(batch) = decided.batch else {
                return answer(&self.metrics, subs, decided.results.into_iter().map(|(r, _)| r));
            };
            let started = std::time::Instant::now();
            let appended = self.store.append(&batch).await;
            drop(lease);
            match appended {
                Ok(_) => {
                    self.write_succeeded();
                    self.metrics.batches.inc();
                    self.metrics.commit_seconds.observe(started.elapsed().as_secs_f64());
                    self.metrics.set_log_size(self.loaded.size);
                    let _ = self.deadlines.send(decided.touched.deadlines(&self.loaded.state));
                    if batch.checkpoint.is_some() {
                        self.head.send_replace(self.loaded.size);
                    }
                    return answer(&self.metrics, subs, decided.results.into_iter().map(|(r, _)| r));
                }
                Err(StoreError::Conflict { expected, found }) if conflicts < MAX_CONFLICT_RETRIES => {
                    // Another server appended first: nothing of this batch happened. Decide it
                    // again on the log as it now stands.
                    conflicts += 1;
                    self.metrics.conflicts.inc();
                    tracing::debug!(expected, found, conflicts, "another server appended first; deciding again");
                    tokio::time::sleep(conflict_backoff(conflicts, found)).await;
                    if !self.recover(saved).await {
                        return self.fail(subs, decided.results, "the log could not be read".into());
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "append failed; recovering the state from the log");
                    let msg = e.to_string();
                    self.recover(saved).await;
                    // After `recover`, which clears the health once the log reads again.
                    self.write_failed(&msg);
                    return self.fail(subs, decided.results, msg);
                }
            }
        }
    }

    /// Answers a batch that did not commit: every write, and every refusal that rested on one,
    /// as unavailable.
    fn fail(&self, subs: Vec<Submission>, results: Vec<(Result<Reply, SubmitError>, bool)>, msg: String) {
        let results = results
            .into_iter()
            .map(|(r, after_writes)| if after_writes { Err(SubmitError::Unavailable(msg.clone())) } else { r });
        answer(&self.metrics, subs, results);
    }

    /// Decides every submission in turn, against the state as the previous ones left it.
    async fn decide(&mut self, subs: &[Submission]) -> Decided {
        let now = self.clock.now();
        let start_size = self.loaded.size;
        let mut entries = Vec::new();
        let mut results = Vec::with_capacity(subs.len());
        let mut idempotency = Vec::new();
        let mut keys_in_batch = BTreeSet::new();
        let mut touched = Touched::default();

        for sub in subs {
            if let Some(key) = &sub.key {
                match self.check_key(key, &keys_in_batch).await {
                    Ok(Some(reply)) => {
                        results.push((Ok(reply), false));
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        results.push((Err(e), false));
                        continue;
                    }
                }
            }
            let after_writes = !entries.is_empty();
            if let Err(refusal) = self.loaded.sequence(sub.actor, &sub.command, now, &mut entries, &mut touched) {
                // Held until the commit: a refusal may rest on an earlier write of this batch
                // (an objection that blocked the proposal), which must be durable first.
                results.push((Err(refusal.into()), after_writes));
                continue;
            }
            let resource = Resource::of(&self.loaded.state, &sub.command);
            let result = Reply { status: status_for(&sub.command), body: resource.to_json(), replayed: false };
            if let Some(key) = &sub.key {
                keys_in_batch.insert((key.principal.clone(), key.key.clone()));
                idempotency.push(IdempotencyRecord {
                    principal: key.principal.clone(),
                    key: key.key.clone(),
                    fingerprint: key.fingerprint.clone(),
                    status: result.status,
                    body: result.body.clone(),
                    created_at: now,
                });
            }
            results.push((Ok(result), true));
        }

        if entries.is_empty() && idempotency.is_empty() {
            return Decided { results, batch: None, touched };
        }
        let (tree_hashes, checkpoint) = if entries.is_empty() {
            (Vec::new(), None)
        } else {
            match self.loaded.seal(&entries, &self.log) {
                Ok((h, c)) => (h, Some(c)),
                Err(e) => panic!("the Merkle tree of a sequenced batch cannot be computed: {e}"),
            }
        };
        let batch = Batch {
            expected_size: start_size,
            entries,
            tree_hashes,
            checkpoint,
            projections: touched.snapshot(&self.loaded),
            idempotency,
        };
        Decided { results, batch: Some(batch), touched }
    }

    /// A stored reply for a key already used, or a refusal if the key is taken by another request.
    async fn check_key(
        &self,
        key: &IdempotencyKey,
        in_batch: &BTreeSet<(String, String)>,
    ) -> Result<Option<Reply>, SubmitError> {
        if in_batch.contains(&(key.principal.clone(), key.key.clone())) {
            // The same key twice in one batch: the first is not yet committed, so the second
            // cannot be answered with its reply. Ask the client to retry.
            return Err(SubmitError::Unavailable("a request with this idempotency key is in progress".into()));
        }
        match self.store.idempotency(&key.principal, &key.key).await {
            Ok(Some(rec)) if rec.fingerprint == key.fingerprint => {
                Ok(Some(Reply { status: rec.status, body: rec.body, replayed: true }))
            }
            Ok(Some(_)) => Err(SubmitError::KeyReused),
            Ok(None) => Ok(None),
            Err(e) => Err(SubmitError::Unavailable(e.to_string())),
        }
    }

    /// Brings the in-memory state back to the log after a batch did not commit: from the copy
    /// taken before the batch, reading only what was appended since (by another server, or by
    /// this batch if the store failed after writing it), or else by reloading the whole log.
    /// Deciding against a state that differs from the log would fork it, so this retries until
    /// the store answers, answering meanwhile every submission as unavailable and `/readyz` as
    /// not ready. Returns whether the state is back without waiting (false: the store was down).
    async fn recover(&mut self, saved: Option<Loaded>) -> bool {
        let mut delay = std::time::Duration::from_millis(50);
        let mut first = true;
        loop {
            let result = match &saved {
                Some(saved) => {
                    self.loaded = saved.clone();
                    self.catch_up().await.map(|_| ())
                }
                None => load(self.store.as_ref()).await.map(|loaded| {
                    self.loaded = loaded;
                }),
            };
            match result {
                Ok(()) => {
                    self.health.send_replace(None);
                    return first;
                }
                Err(e) => {
                    first = false;
                    tracing::error!(error = %e, "reading the log failed; retrying");
                    self.health.send_replace(Some(format!("the log cannot be read: {e}")));
                    self.refuse_while_down(delay, &e.to_string()).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
    }

    /// Waits `delay`, answering every submission that arrives meanwhile as unavailable.
    async fn refuse_while_down(&mut self, delay: std::time::Duration, why: &str) {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        let mut waiting = Vec::new();
        loop {
            tokio::select! {
                () = &mut sleep => return,
                n = self.rx.recv_many(&mut waiting, MAX_BATCH) => {
                    if n == 0 {
                        return;
                    }
                    for sub in waiting.drain(..) {
                        let _ = sub.reply.send(Err(SubmitError::Unavailable(why.to_string())));
                    }
                }
            }
        }
    }
}

/// Sends each submission its answer, counting how each ended.
fn answer(metrics: &Metrics, subs: Vec<Submission>, results: impl Iterator<Item = Result<Reply, SubmitError>>) {
    for (sub, result) in subs.into_iter().zip(results) {
        metrics.write(match &result {
            Ok(r) if r.replayed => WriteResult::Replayed,
            Ok(_) => WriteResult::Committed,
            Err(SubmitError::Refused(_) | SubmitError::KeyReused) => WriteResult::Refused,
            Err(SubmitError::Overloaded | SubmitError::Unavailable(_)) => WriteResult::Unavailable,
        });
        let _ = sub.reply.send(result);
    }
}

/// What a batch changed, to write its projection rows and reschedule its deadlines.
#[derive(Debug, Default)]
pub struct Touched {
    members: BTreeSet<concord_core::CountryCode>,
    partners: BTreeSet<concord_core::CountryCode>,
    proposals: BTreeSet<ProposalId>,
}

impl Touched {
    fn note(&mut self, e: &Event) {
        match e {
            Event::MemberAdmitted { member } => {
                self.members.insert(member.code);
            }
            Event::MemberDeparted { member, .. } => {
                self.members.insert(*member);
            }
            Event::PartnerRegistered { partner } => {
                self.partners.insert(partner.code);
            }
            other => {
                if let Some(p) = other.proposal() {
                    self.proposals.insert(p);
                }
            }
        }
    }

    /// The projection rows of everything touched.
    #[must_use]
    pub fn snapshot(&self, loaded: &Loaded) -> Snapshot {
        let state = &loaded.state;
        Snapshot {
            decisions: self.proposals.iter().filter_map(|p| loaded.decisions.get(p).map(|s| (*p, *s))).collect(),
            members: self.members.iter().filter_map(|c| state.members.get(c).cloned()).collect(),
            partners: self.partners.iter().filter_map(|c| state.partners.get(c).cloned()).collect(),
            proposals: self.proposals.iter().filter_map(|p| state.proposals.get(p).cloned()).collect(),
        }
    }

    fn deadlines(&self, state: &State) -> Vec<DeadlineUpdate> {
        let deadline = |p: &ProposalId| {
            let p = state.proposals.get(p).filter(|p| p.status.is_open())?;
            p.circulation.as_ref().map(|c| c.deadline)
        };
        self.proposals.iter().map(|p| (*p, deadline(p))).collect()
    }
}

/// Every projection row of a loaded log.
#[must_use]
pub fn full_snapshot(loaded: &Loaded) -> Snapshot {
    let state = &loaded.state;
    Snapshot {
        decisions: loaded.decisions.iter().map(|(p, s)| (*p, *s)).collect(),
        members: state.members.values().cloned().collect(),
        partners: state.partners.values().cloned().collect(),
        proposals: state.proposals.values().cloned().collect(),
    }
}

/// Recomputes every projection from the log (checking the log on the way). If a server appends
/// meanwhile, the log is read again, so that the projections never miss an entry.
pub async fn rebuild(store: &dyn Store) -> Result<Loaded, LoadError> {
    loop {
        let loaded = load(store).await?;
        match store.replace_projections(&full_snapshot(&loaded), loaded.size).await {
            Ok(()) => return Ok(loaded),
            Err(StoreError::Conflict { .. }) => tracing::info!("the log grew during the rebuild; reading it again"),
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use concord_core::{Actor, Command, DecisionKind, ProposalId};
    use concord_store::Store;

    use super::*;
    use crate::testing::{Fault, MemoryStore, app};

    fn draft(title: &str) -> Command {
        Command::DraftProposal {
            kind: DecisionKind::Routine,
            significance: None,
            title: title.into(),
            text: "Routine business.".into(),
        }
    }

    fn key(k: &str) -> Option<IdempotencyKey> {
        Some(IdempotencyKey { principal: "secretariat".into(), key: k.into(), fingerprint: format!("fp-{k}") })
    }

    async fn check_log(store: &MemoryStore) -> Loaded {
        load(store).await.expect("the log is intact and applies")
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_append_changes_nothing_and_the_next_write_continues_the_log() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        let before = store.log_size().await.unwrap();

        store.inject(Fault::FailBeforeWrite);
        let err = seq.submit(Actor::Secretariat, draft("lost"), None).await.unwrap_err();
        assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
        assert_eq!(store.log_size().await.unwrap(), before);

        let reply = seq.submit(Actor::Secretariat, draft("kept"), None).await.unwrap();
        let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
        // The failed draft took no number: the state was reloaded from the log.
        assert_eq!(p.id, ProposalId(1));
        let loaded = check_log(&store).await;
        assert_eq!(loaded.size, before + 1);
        assert_eq!(loaded.state.proposals[&ProposalId(1)].current().title, "kept");
    }

    #[tokio::test(start_paused = true)]
    async fn while_the_disk_is_full_readyz_says_so_until_a_probe_write_succeeds() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        seq.submit(Actor::Secretariat, draft("first"), None).await.unwrap();
        assert_eq!(seq.trouble(), None);

        store.inject(Fault::Full);
        let err = seq.submit(Actor::Secretariat, draft("lost"), None).await.unwrap_err();
        assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
        let why = seq.trouble().expect("not ready while writes fail");
        assert!(why.contains("cannot be written") && why.contains("full"), "{why}");
        // Reads still work, yet the trouble stays: probes keep failing, with no write arriving.
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        assert!(seq.trouble().is_some(), "ready again while the disk is still full");

        // Room again: a probe notices within its longest wait, with no write arriving.
        store.inject(Fault::None);
        tokio::time::sleep(LAST_PROBE + std::time::Duration::from_millis(1)).await;
        assert_eq!(seq.trouble(), None, "ready again once a write succeeds");
        let reply = seq.submit(Actor::Secretariat, draft("kept"), None).await.unwrap();
        let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(p.id, ProposalId(2), "the lost draft took no number: the state follows the log");
        let loaded = check_log(&store).await;
        let titles: Vec<_> = loaded.state.proposals.values().map(|p| p.current().title.clone()).collect();
        assert_eq!(titles, ["first", "kept"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_persisted_but_reported_failure_is_answered_from_its_key_on_retry() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        let before = store.log_size().await.unwrap();

        store.inject(Fault::FailAfterWrite);
        let err = seq.submit(Actor::Secretariat, draft("once"), key("k1")).await.unwrap_err();
        assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
        assert_eq!(store.log_size().await.unwrap(), before + 1, "the write did persist");

        let retry = seq.submit(Actor::Secretariat, draft("once"), key("k1")).await.unwrap();
        assert!(retry.replayed);
        assert_eq!(store.log_size().await.unwrap(), before + 1, "the retry wrote nothing");

        // The sequencer's state caught up with the log: the next draft is number 2.
        let next = seq.submit(Actor::Secretariat, draft("next"), None).await.unwrap();
        let p: concord_core::Proposal = serde_json::from_slice(&next.body).unwrap();
        assert_eq!(p.id, ProposalId(2));
        assert_eq!(check_log(&store).await.size, before + 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_reused_for_another_request_is_refused() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        seq.submit(Actor::Secretariat, draft("a"), key("k")).await.unwrap();
        let other =
            Some(IdempotencyKey { principal: "secretariat".into(), key: "k".into(), fingerprint: "other".into() });
        let err = seq.submit(Actor::Secretariat, draft("b"), other).await.unwrap_err();
        assert!(matches!(err, SubmitError::KeyReused), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_of_many_writes_is_one_contiguous_chain() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer().clone();
        let writes = (0..200).map(|i| {
            let seq = seq.clone();
            tokio::spawn(async move { seq.submit(Actor::Secretariat, draft(&format!("p{i}")), None).await })
        });
        let results = futures_join(writes).await;
        assert!(results.iter().all(Result::is_ok));
        let loaded = check_log(&store).await;
        assert_eq!(loaded.state.proposals.len(), 200);
        let ids: std::collections::BTreeSet<_> = loaded.state.proposals.keys().map(|p| p.0).collect();
        assert_eq!(ids, (1..=200).collect());
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_resting_on_a_write_that_failed_is_not_given() {
        use concord_core::Stance;

        use crate::testing::{code, silence, t};

        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        let p = silence(seq, 1, t("2024-02-27T12:00:00Z")).await;
        let position = |m: &str, stance| Command::TakePosition {
            proposal: p,
            member: code(m),
            revision: 1,
            stance,
            text: None,
            evidence: None,
        };
        store.inject(Fault::FailBeforeWrite);
        // One batch: the objection would block the proposal, so the concurrence after it is refused
        // as coming too late; but the objection is never written.
        let (object, concur) = tokio::join!(
            seq.submit(Actor::Member(code("FRA")), position("FRA", Stance::Object), None),
            seq.submit(Actor::Member(code("USA")), position("USA", Stance::Concur), None),
        );
        assert!(matches!(object, Err(SubmitError::Unavailable(_))), "{object:?}");
        assert!(matches!(concur, Err(SubmitError::Unavailable(_))), "told something that did not happen: {concur:?}");
        // The proposal is still open, and the concurrence goes through on retry.
        seq.submit(Actor::Member(code("USA")), position("USA", Stance::Concur), None).await.expect("accepted");
    }

    /// A second server on the same store, following it every second.
    async fn second_server(store: Arc<MemoryStore>) -> crate::App {
        let clock = crate::clock::TokioClock::starting_at(crate::testing::t(crate::testing::T0));
        let sharing = Sharing { follow: Some(std::time::Duration::from_secs(1)) };
        crate::App::start_with(store, Arc::new(clock), crate::testing::log_key(), sharing).await.expect("loads")
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_loses_the_race_to_append_decides_again_on_the_log_as_it_stands() {
        let store = Arc::new(MemoryStore::default());
        let a = app(store.clone()).await;
        let b = second_server(store.clone()).await;
        // b loaded the log before a writes: its next append conflicts.
        a.state.sequencer().submit(Actor::Secretariat, draft("from a"), None).await.unwrap();
        let reply = b.state.sequencer().submit(Actor::Secretariat, draft("from b"), None).await.unwrap();
        let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(p.id, ProposalId(2), "b decided on the log including a's draft");
        // And a, which does not follow, catches up when its own append conflicts.
        let reply = a.state.sequencer().submit(Actor::Secretariat, draft("from a again"), None).await.unwrap();
        let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(p.id, ProposalId(3));
        let loaded = check_log(&store).await;
        let titles: Vec<_> = loaded.state.proposals.values().map(|p| p.current().title.clone()).collect();
        assert_eq!(titles, ["from a", "from b", "from a again"]);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_writes_through_two_servers_make_one_chain() {
        let store = Arc::new(MemoryStore::default());
        let a = app(store.clone()).await;
        let b = second_server(store.clone()).await;
        let writes = (0..100).map(|i| {
            let seq = if i % 2 == 0 { a.state.sequencer().clone() } else { b.state.sequencer().clone() };
            tokio::spawn(async move { seq.submit(Actor::Secretariat, draft(&format!("p{i}")), None).await })
        });
        let results = futures_join(writes).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let loaded = check_log(&store).await;
        let ids: std::collections::BTreeSet<_> = loaded.state.proposals.keys().map(|p| p.0).collect();
        assert_eq!(ids, (1..=100).collect());
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_seen_by_two_servers_is_closed_once() {
        use crate::testing::{silence, t};

        let store = Arc::new(MemoryStore::default());
        let a = app(store.clone()).await;
        let b = second_server(store.clone()).await;
        let p = silence(a.state.sequencer(), 1, t("2024-02-27T10:00:00Z")).await;
        // b learns of the circulation by following the log, and sets its own timer.
        tokio::time::sleep(std::time::Duration::from_secs(2 * 3600)).await;
        let loaded = check_log(&store).await;
        let decided = loaded.state.proposals[&p].decision.as_ref().expect("closed at the deadline");
        assert_eq!(decided.decided_at, t("2024-02-27T10:00:00Z"));
        let mut closes = 0;
        for e in store.entries(0, 1000).await.unwrap() {
            if matches!(concord_store::decode(&e.bytes).unwrap().event, Event::ProposalDecided { .. }) {
                closes += 1;
            }
        }
        assert_eq!(closes, 1);

        // b follows the log on its own: with a's scheduler gone, b closes a's next procedure.
        a.scheduler_task.abort();
        let q = silence(a.state.sequencer(), 2, t("2024-02-27T13:00:00Z")).await;
        tokio::time::sleep(std::time::Duration::from_secs(3 * 3600)).await;
        let loaded = check_log(&store).await;
        let decided = loaded.state.proposals[&q].decision.as_ref().expect("closed by the other server");
        assert_eq!(decided.decided_at, t("2024-02-27T13:00:00Z"));
        drop(b);
    }

    async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.expect("task completes"));
        }
        out
    }
}
