//! Batching: deciding every waiting submission in turn, appending them in one transaction, and
//! deciding a batch again when another server appended first.

use std::collections::BTreeSet;
use std::sync::Arc;

use concord_ledger::keys::Signer;
use concord_log::{DeadlineUpdate, Loaded, Touched};
use concord_store::{Batch, IdempotencyRecord, Store, StoreError};
use tokio::sync::{mpsc, watch};

use super::recovery::WriteProbe;
use super::{IdempotencyKey, MAX_BATCH, Reply, Sharing, Submission, SubmitError};
use crate::clock::Clock;
use crate::metrics::{Metrics, WriteResult};
use crate::resource::{Resource, status_for};

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

pub(super) struct Sequencer {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) log: Arc<Signer>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) salts: rand::rngs::StdRng,
    pub(super) loaded: Loaded,
    pub(super) sharing: Sharing,
    pub(super) rx: mpsc::Receiver<Submission>,
    pub(super) deadlines: mpsc::UnboundedSender<Vec<DeadlineUpdate>>,
    /// The size of the latest checkpoint, for the witnesses.
    pub(super) head: watch::Sender<u64>,
    /// The state readers see, replaced after every change.
    pub(super) publish: watch::Sender<Arc<Loaded>>,
    /// Why the sequencer cannot write now, if it cannot (for `/readyz`).
    pub(super) health: watch::Sender<Option<String>>,
    pub(super) probe: WriteProbe,
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
    pub(super) async fn run(mut self) {
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

    /// Hands readers the state as it now stands. A clone of the fold shares its maps, so this
    /// costs what changed since the last one; a reader holding an older one keeps it intact.
    pub(super) fn publish(&self) {
        self.publish.send_replace(Arc::new(self.loaded.clone()));
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
                    self.recover(here).await;
                    let unavailable = || Err(SubmitError::Unavailable(e.to_string()));
                    return answer(&self.metrics, subs, std::iter::repeat_with(unavailable));
                }
            }
            // Cheap (the maps are shared): the state to go back to if the batch does not commit.
            let saved = self.loaded.clone();
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
                    self.publish();
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
            if let Err(refusal) = self.loaded.sequence(
                sub.actor,
                sub.account.as_deref(),
                &sub.command,
                sub.ahead.as_ref(),
                now,
                &mut self.salts,
                &mut entries,
                &mut touched,
            ) {
                // Held until the commit: a refusal may rest on an earlier write of this batch
                // (an objection that blocked the proposal), which must be durable first.
                results.push((Err(refusal.into()), after_writes));
                continue;
            }
            // The reply is the resource as this write left it (later writes of the batch may
            // change it again), and is recorded with the idempotency key in the same commit.
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
        let batch = Batch { expected_size: start_size, entries, tree_hashes, checkpoint, idempotency };
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
}

/// Sends each submission its answer, counting how each ended.
pub(super) fn answer(
    metrics: &Metrics,
    subs: Vec<Submission>,
    results: impl Iterator<Item = Result<Reply, SubmitError>>,
) {
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
