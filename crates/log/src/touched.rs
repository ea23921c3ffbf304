use std::collections::BTreeSet;

use concord_core::{Event, ProposalId, State};
use jiff::Timestamp;

/// Deadlines to (re)schedule after a commit: `Some` for open proposals, `None` to cancel.
pub type DeadlineUpdate = (ProposalId, Option<Timestamp>);

/// The proposals a batch changed, to reschedule their deadlines once it commits.
#[derive(Debug, Default)]
pub struct Touched {
    proposals: BTreeSet<ProposalId>,
}

impl Touched {
    /// Notes what `e` changes.
    pub fn note(&mut self, e: &Event) {
        if let Some(p) = e.proposal() {
            self.proposals.insert(p);
        }
    }

    /// The deadline of every touched proposal: its current one if it is open, else none.
    #[must_use]
    pub fn deadlines(&self, state: &State) -> Vec<DeadlineUpdate> {
        let deadline = |p: &ProposalId| {
            let p = state.proposals.get(p).filter(|p| p.status.is_open())?;
            p.circulation.as_ref().map(|c| c.deadline)
        };
        self.proposals.iter().map(|p| (*p, deadline(p))).collect()
    }
}
