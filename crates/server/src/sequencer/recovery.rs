//! Following other servers' entries, and recovering from a store that fails: reloading the
//! state, refusing writes while the store is down, and probing a full disk until it takes
//! writes again.

use concord_log::{LoadError, Loaded, Touched};

use super::MAX_BATCH;
use super::SubmitError;
use super::batch::Sequencer;

/// First wait before a write probe, after an append failed.
pub(super) const FIRST_PROBE: std::time::Duration = std::time::Duration::from_millis(500);
/// Longest wait between write probes.
pub(super) const LAST_PROBE: std::time::Duration = std::time::Duration::from_secs(5);

/// When to try a write of the sequencer's own, while appends fail (a full disk).
///
/// Reads go on working when the disk is full, so only a write shows that the store takes writes
/// again; and an append cannot be relied on to show it, since no write may come: a balancer
/// sends none to a server whose `/readyz` says it is not ready. So while appends fail the
/// sequencer probes with [`concord_store::Store::probe_write`], backing off, until one succeeds.
#[derive(Debug, Default)]
pub(super) struct WriteProbe {
    /// When the next probe is due; `None` while writes succeed.
    pub(super) due: Option<tokio::time::Instant>,
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

impl Sequencer {
    /// Tries a write while appends fail, saying so in `/readyz` until one succeeds.
    pub(super) async fn probe_write(&mut self) {
        match self.store.probe_write().await {
            Ok(()) => self.write_succeeded(),
            Err(e) => self.write_failed(&e.to_string()),
        }
    }

    pub(super) fn write_failed(&mut self, why: &str) {
        self.health.send_replace(Some(format!("the log cannot be written: {why}")));
        self.probe.failed();
    }

    pub(super) fn write_succeeded(&mut self) {
        if self.probe.succeeded() {
            tracing::info!("the log can be written again");
            self.health.send_replace(None);
        }
    }

    /// Folds in what other servers appended since the last look (one read when there is none).
    pub(super) async fn follow(&mut self) {
        // A store error leaves the state at a prefix of the log: the next look goes on.
        if let Err(e) = self.catch_up().await {
            tracing::warn!(error = %e, "following the log failed; will try again");
        }
    }

    /// Reads and folds the entries appended after the state, telling the scheduler, the
    /// witnesses and the readers about them.
    pub(super) async fn catch_up(&mut self) -> Result<u64, LoadError> {
        let mut touched = Touched::default();
        let read = self.loaded.catch_up(self.store.as_ref(), None, &mut touched).await?;
        if read > 0 {
            self.publish();
            self.metrics.entries_followed.inc_by(read);
            self.metrics.set_log_size(self.loaded.size);
            tracing::debug!(entries = read, size = self.loaded.size, "caught up with the log");
            let _ = self.deadlines.send(touched.deadlines(&self.loaded.state));
            self.head.send_replace(self.loaded.size);
        }
        Ok(read)
    }

    /// Brings the in-memory state back to the log after a batch did not commit: from `saved`, a
    /// fold of a prefix of the log (the copy taken before the batch), reading only what was
    /// appended since (by another server, or by this batch if the store failed after writing it).
    /// Deciding against a state that differs from the log would fork it, so this retries until
    /// the store answers, answering meanwhile every submission as unavailable and `/readyz` as
    /// not ready. Returns whether the state is back without waiting (false: the store was down).
    pub(super) async fn recover(&mut self, saved: Loaded) -> bool {
        let mut delay = std::time::Duration::from_millis(50);
        let mut first = true;
        loop {
            self.loaded = saved.clone();
            match self.catch_up().await {
                Ok(_) => {
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
