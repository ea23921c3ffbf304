//! The deadline scheduler: closes each procedure exactly at its deadline.
//!
//! It keeps one timer per open deadline (an ordered set, sleeping until the earliest) rather
//! than polling. The sequencer tells it about every deadline a commit set, moved or cleared. On
//! start it is given every open deadline in the log, so a procedure whose deadline passed while
//! the server was down is closed at once — and its decision is dated at the deadline, as of
//! the positions recorded before it, not at the moment of catching up.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use concord_core::{Actor, Command, ProposalId, Refusal};
use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::clock::{Clock, until};
use crate::metrics::Metrics;
use concord_log::DeadlineUpdate;

use crate::sequencer::{SequencerHandle, SubmitError};

/// Starts the scheduler with the open deadlines known at start.
pub fn start(
    clock: Arc<dyn Clock>,
    sequencer: SequencerHandle,
    initial: Vec<(ProposalId, Timestamp)>,
    updates: mpsc::UnboundedReceiver<Vec<DeadlineUpdate>>,
    metrics: Arc<Metrics>,
) -> tokio::task::JoinHandle<()> {
    let mut timers = Timers::default();
    for (p, t) in initial {
        timers.set(p, Some(t));
    }
    tokio::spawn(run(clock, sequencer, timers, updates, metrics))
}

#[derive(Debug, Default)]
struct Timers {
    by_time: BTreeSet<(Timestamp, ProposalId)>,
    by_id: HashMap<ProposalId, Timestamp>,
}

impl Timers {
    fn set(&mut self, p: ProposalId, deadline: Option<Timestamp>) {
        if let Some(old) = self.by_id.remove(&p) {
            self.by_time.remove(&(old, p));
        }
        if let Some(t) = deadline {
            self.by_id.insert(p, t);
            self.by_time.insert((t, p));
        }
    }

    fn next(&self) -> Option<Timestamp> {
        self.by_time.first().map(|(t, _)| *t)
    }

    fn take_due(&mut self, now: Timestamp) -> Vec<ProposalId> {
        let due: Vec<_> = self.by_time.iter().take_while(|(t, _)| *t <= now).copied().collect();
        for (t, p) in &due {
            self.by_time.remove(&(*t, *p));
            self.by_id.remove(p);
        }
        due.into_iter().map(|(_, p)| p).collect()
    }
}

async fn run(
    clock: Arc<dyn Clock>,
    sequencer: SequencerHandle,
    mut timers: Timers,
    mut updates: mpsc::UnboundedReceiver<Vec<DeadlineUpdate>>,
    metrics: Arc<Metrics>,
) {
    loop {
        let sleep = timers.next().map(|t| until(clock.now(), t));
        tokio::select! {
            update = updates.recv() => match update {
                Some(changes) => for (p, d) in changes { timers.set(p, d) },
                None => return,
            },
            () = async { tokio::time::sleep(sleep.unwrap_or_default()).await }, if sleep.is_some() => {
                for p in timers.take_due(clock.now()) {
                    close(&sequencer, &mut timers, p, clock.as_ref(), &metrics).await;
                }
            }
        }
    }
}

async fn close(sequencer: &SequencerHandle, timers: &mut Timers, p: ProposalId, clock: &dyn Clock, metrics: &Metrics) {
    match sequencer.submit(Actor::Scheduler, None, Command::CloseAtDeadline { proposal: p }, None).await {
        Ok(_) => {
            metrics.deadlines_closed.inc();
            tracing::info!(proposal = %p, "procedure closed at its deadline");
        }
        // Extended meanwhile: the update carrying the new deadline reschedules it.
        Err(SubmitError::Refused(Refusal::NotDue { deadline })) => timers.set(p, Some(deadline)),
        // Decided or withdrawn meanwhile: nothing to close.
        Err(SubmitError::Refused(r)) => tracing::debug!(proposal = %p, refusal = %r, "nothing to close"),
        Err(e) => {
            // The log could not be written: try again shortly rather than lose the deadline.
            tracing::warn!(proposal = %p, error = %e, "closing failed; will retry");
            let retry = clock.now().checked_add(jiff::SignedDuration::from_secs(1)).unwrap_or(clock.now());
            timers.set(p, Some(retry.max(clock.now())));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use concord_core::{Actor, Command, Outcome, ProposalStatus, Stance};
    use concord_store::Store;

    use crate::App;
    use crate::clock::TokioClock;
    use crate::testing::{MemoryStore, app, code, silence, submit, t};

    /// The proposal as the log records it.
    async fn proposal(store: &MemoryStore, id: concord_core::ProposalId) -> concord_core::Proposal {
        let loaded = concord_log::load(store).await.unwrap();
        concord_core::Proposal::clone(loaded.state.proposals.get(&id).unwrap())
    }

    async fn status(store: &MemoryStore, id: concord_core::ProposalId) -> (ProposalStatus, Option<jiff::Timestamp>) {
        let p = proposal(store, id).await;
        (p.status, p.decision.map(|d| d.decided_at))
    }

    #[tokio::test(start_paused = true)]
    async fn a_silence_procedure_is_closed_exactly_at_its_deadline() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let deadline = t("2024-02-27T10:00:00Z");
        let p = silence(app.state.sequencer(), 1, deadline).await;

        tokio::time::sleep(Duration::from_secs(3599)).await;
        assert_eq!(status(&store, p).await, (ProposalStatus::UnderSilence, None), "closed a second early");

        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(status(&store, p).await, (ProposalStatus::Adopted, Some(deadline)));
    }

    #[tokio::test(start_paused = true)]
    async fn an_extended_deadline_is_rescheduled_and_a_curtailed_one_brought_forward() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        let a = silence(seq, 1, t("2024-02-27T10:00:00Z")).await;
        let b = silence(seq, 2, t("2024-02-27T12:00:00Z")).await;
        let later = t("2024-02-27T11:00:00Z");
        submit(seq, Actor::Secretariat, Command::ExtendDeadline { proposal: a, deadline: later }).await;
        let sooner = t("2024-02-27T09:30:00Z");
        submit(seq, Actor::Secretariat, Command::CurtailDeadline { proposal: b, deadline: sooner, urgent: None }).await;

        tokio::time::sleep(Duration::from_secs(31 * 60)).await;
        assert_eq!(status(&store, b).await, (ProposalStatus::Adopted, Some(sooner)));
        tokio::time::sleep(Duration::from_secs(60 * 60)).await; // 10:31: past the old deadline of a
        assert_eq!(status(&store, a).await.0, ProposalStatus::UnderSilence);
        tokio::time::sleep(Duration::from_secs(30 * 60)).await; // 11:01
        assert_eq!(status(&store, a).await, (ProposalStatus::Adopted, Some(later)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_blocked_procedure_is_not_closed_again() {
        let store = Arc::new(MemoryStore::default());
        let app = app(store.clone()).await;
        let seq = app.state.sequencer();
        let p = silence(seq, 1, t("2024-02-27T10:00:00Z")).await;
        let object = Command::TakePosition {
            proposal: p,
            member: code("FRA"),
            revision: 1,
            stance: Stance::Object,
            text: None,
            evidence: None,
        };
        submit(seq, Actor::Member(code("FRA")), object).await;
        let size = store.log_size().await.unwrap();
        tokio::time::sleep(Duration::from_secs(2 * 3600)).await;
        let decided = proposal(&store, p).await.decision.unwrap();
        assert_eq!(decided.outcome, Outcome::Blocked);
        assert_eq!(store.log_size().await.unwrap(), size, "the scheduler wrote to a decided proposal");
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_restart_a_passed_deadline_is_closed_as_of_the_deadline() {
        let store = Arc::new(MemoryStore::default());
        let deadline = t("2024-02-27T10:00:00Z");
        {
            let app = app(store.clone()).await;
            let seq = app.state.sequencer();
            let p = silence(seq, 1, deadline).await;
            let concur = Command::TakePosition {
                proposal: p,
                member: code("USA"),
                revision: 1,
                stance: Stance::Concur,
                text: None,
                evidence: None,
            };
            submit(seq, Actor::Member(code("USA")), concur).await;
            // The server goes down before the deadline.
            app.sequencer_task.abort();
            app.scheduler_task.abort();
        }
        // It comes back two days later.
        let clock = TokioClock::starting_at(t("2024-02-29T08:00:00Z"));
        let _app = App::start(store.clone(), Arc::new(clock), crate::testing::log_key()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        let p = proposal(&store, concord_core::ProposalId(1)).await;
        let d = p.decision.expect("closed on catching up");
        assert_eq!((d.outcome, d.decided_at), (Outcome::Adopted, deadline));
        assert_eq!(d.concurred.len(), 1);
        assert_eq!(d.concurred_by_silence, vec![code("DEU"), code("FRA")]);
    }
}
