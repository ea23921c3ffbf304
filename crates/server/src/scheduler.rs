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
use crate::sequencer::{DeadlineUpdate, SequencerHandle, SubmitError};

/// Starts the scheduler with the open deadlines known at start.
pub fn start(
    clock: Arc<dyn Clock>,
    sequencer: SequencerHandle,
    initial: Vec<(ProposalId, Timestamp)>,
    updates: mpsc::UnboundedReceiver<Vec<DeadlineUpdate>>,
) -> tokio::task::JoinHandle<()> {
    let mut timers = Timers::default();
    for (p, t) in initial {
        timers.set(p, Some(t));
    }
    tokio::spawn(run(clock, sequencer, timers, updates))
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
                    close(&sequencer, &mut timers, p, clock.as_ref()).await;
                }
            }
        }
    }
}

async fn close(sequencer: &SequencerHandle, timers: &mut Timers, p: ProposalId, clock: &dyn Clock) {
    match sequencer.submit(Actor::Scheduler, Command::CloseAtDeadline { proposal: p }, None).await {
        Ok(_) => tracing::info!(proposal = %p, "procedure closed at its deadline"),
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
