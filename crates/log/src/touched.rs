use std::collections::BTreeSet;

use concord_core::{CountryCode, Event, ProposalId, State};
use concord_store::Snapshot;
use jiff::Timestamp;

use crate::Loaded;

/// Deadlines to (re)schedule after a commit: `Some` for open proposals, `None` to cancel.
pub type DeadlineUpdate = (ProposalId, Option<Timestamp>);

/// What a batch changed, to write its projection rows and reschedule its deadlines.
#[derive(Debug, Default)]
pub struct Touched {
    members: BTreeSet<CountryCode>,
    partners: BTreeSet<CountryCode>,
    proposals: BTreeSet<ProposalId>,
}

impl Touched {
    /// Notes what `e` changes.
    pub fn note(&mut self, e: &Event) {
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
