//! Need to know: who may read which recorded fact.
//!
//! Every log entry carries a [`Marking`], the audience its content is released to; the marking
//! of an event is a pure function of the event and the state it follows ([`State::marking`]).
//! [`State::may_read`] is the one rule every read applies: the API, the web, the log's endpoints
//! and exports all ask it, and none filters by hand.
//!
//! A marking only ever widens: what the members may read, the secretariat may read; what the
//! partner may read, the members may read; what is public, everyone may read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Actor, CountryCode, DecisionKind, Event, Outcome, ProposalStatus, State};

/// The audience a piece of content is released to.
/// Serialised as its word (`members+partner:UKR`); API schemas declare it a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marking {
    /// The member delegations and the secretariat (`members`).
    Members,
    /// The members and one partner (`members+partner:UKR`).
    MembersAndPartner(CountryCode),
    /// Everyone, signed in or not (`public`).
    Public,
}

/// Who reads: the role a caller authenticated as, or the public (observers and anonymous
/// callers alike: an observer's token grants nothing the public does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    Secretariat,
    Member(CountryCode),
    Partner(CountryCode),
    Public,
}

impl Reader {
    /// The reader an authenticated actor is; `None` (no token) is the public.
    #[must_use]
    pub fn of(actor: Option<Actor>) -> Self {
        match actor {
            Some(Actor::Secretariat | Actor::Scheduler) => Self::Secretariat,
            Some(Actor::Member(c)) => Self::Member(c),
            Some(Actor::Partner(c)) => Self::Partner(c),
            Some(Actor::Observer) | None => Self::Public,
        }
    }

    /// Whether this reader is cleared for everything marked for the members.
    #[must_use]
    pub fn is_member_cleared(self) -> bool {
        matches!(self, Self::Secretariat | Self::Member(_))
    }
}

impl Marking {
    /// Whether content with this marking is released to `reader`.
    #[must_use]
    pub fn admits(self, reader: Reader) -> bool {
        match (self, reader) {
            (_, Reader::Secretariat | Reader::Member(_)) | (Self::Public, _) => true,
            (Self::MembersAndPartner(p), Reader::Partner(r)) => p == r,
            (Self::Members | Self::MembersAndPartner(_), _) => false,
        }
    }

    /// Whether `self` releases at least what `other` does (publication may only widen).
    #[must_use]
    pub fn covers(self, other: Self) -> bool {
        match (self, other) {
            (Self::Public, _) | (_, Self::Members) => true,
            (Self::MembersAndPartner(a), Self::MembersAndPartner(b)) => a == b,
            (Self::Members | Self::MembersAndPartner(_), _) => false,
        }
    }
}

impl fmt::Display for Marking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Members => f.write_str("members"),
            Self::MembersAndPartner(p) => write!(f, "members+partner:{p}"),
            Self::Public => f.write_str("public"),
        }
    }
}

/// A marking that is none of `members`, `members+partner:<A3>`, `public`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a marking: say members, members+partner:<A3 code> or public")]
pub struct InvalidMarking(pub String);

impl FromStr for Marking {
    type Err = InvalidMarking;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "members" => Ok(Self::Members),
            "public" => Ok(Self::Public),
            _ => s
                .strip_prefix("members+partner:")
                .and_then(|code| CountryCode::parse(code).ok())
                .map(Self::MembersAndPartner)
                .ok_or_else(|| InvalidMarking(s.to_owned())),
        }
    }
}

impl Serialize for Marking {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Marking {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Kinds whose adopted decisions the alliance announces: what it says, whom it admits, what it
/// gives. Force deployments, commands and routine business stay with the members.
fn announced(kind: DecisionKind) -> bool {
    matches!(
        kind,
        DecisionKind::Statement
            | DecisionKind::Enlargement
            | DecisionKind::AssistanceProgramme
            | DecisionKind::FundPolicy
            | DecisionKind::BurdenSharingPledge
    )
}

impl State {
    /// The marking an event is recorded with, when it follows this state: the default for its
    /// kind. The roster, keys and adopted decisions of an announced kind are public; what the
    /// partner asked for and what it is given are released to that partner; drafts, positions,
    /// deadlines and every other deliberation stay with the members.
    #[must_use]
    pub fn marking(&self, event: &Event) -> Marking {
        let partner_of_pledge = |pledge| {
            self.support.pledges.get(pledge).map_or(Marking::Members, |p| Marking::MembersAndPartner(p.terms.recipient))
        };
        match event {
            Event::LogCreated { .. }
            | Event::MemberKeyRegistered { .. }
            | Event::MemberKeyRevoked { .. }
            | Event::MemberAdmitted { .. }
            | Event::MemberDeparted { .. }
            | Event::PartnerRegistered { .. }
            | Event::DonorStateRegistered { .. }
            | Event::ExchangeRateRecorded { .. } => Marking::Public,
            Event::ProposalDecided { proposal, decision } => {
                let adopted = matches!(decision.outcome, Outcome::Adopted | Outcome::AdoptedWithReservations);
                let kind = self.proposals.get(proposal).map(|p| p.kind);
                if adopted && kind.is_some_and(announced) { Marking::Public } else { Marking::Members }
            }
            Event::ProposalDrafted { .. }
            | Event::ProposalAmended { .. }
            | Event::ProposalCirculated { .. }
            | Event::DeadlineExtended { .. }
            | Event::DeadlineCurtailed { .. }
            | Event::PositionTaken { .. }
            | Event::ProposalWithdrawn { .. }
            | Event::CoalitionFormed { .. }
            | Event::CoalitionJoined { .. }
            | Event::FundCreated { .. } => Marking::Members,
            Event::RequestFiled { terms, .. } => Marking::MembersAndPartner(terms.partner),
            Event::RequestWithdrawn { request, .. } => self
                .support
                .requests
                .get(request)
                .map_or(Marking::Members, |r| Marking::MembersAndPartner(r.terms.partner)),
            Event::PledgeRecorded { terms, .. } => Marking::MembersAndPartner(terms.recipient),
            Event::PledgeStatusChanged { pledge, .. } => partner_of_pledge(pledge),
            Event::DeliveryRecorded { pledge, .. } => partner_of_pledge(pledge),
            Event::ReceiptConfirmed { partner, .. } => Marking::MembersAndPartner(*partner),
        }
    }

    /// The one access rule: whether `reader` may read `event`, recorded with `marking`, in this
    /// state. The marking decides, with one narrowing: a draft is the secretariat's until it is
    /// circulated (or withdrawn, when the members may see what was withdrawn).
    #[must_use]
    pub fn may_read(&self, reader: Reader, marking: Marking, event: &Event) -> bool {
        if reader == Reader::Secretariat {
            return true;
        }
        let still_a_draft = matches!(event, Event::ProposalDrafted { .. } | Event::ProposalAmended { .. })
            && event
                .proposal()
                .and_then(|id| self.proposals.get(&id))
                .is_some_and(|p| p.status == ProposalStatus::Draft);
        !still_a_draft && marking.admits(reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    #[test]
    fn markings_read_and_print_as_the_log_spells_them() {
        for s in ["members", "members+partner:UKR", "public"] {
            let m: Marking = s.parse().unwrap();
            assert_eq!(m.to_string(), s);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{s}\""));
        }
        for bad in ["", "Members", "members+partner:", "members+partner:ukraine", "partner:UKR", "public "] {
            assert!(bad.parse::<Marking>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_marking_admits_exactly_its_audience() {
        let ukr = Marking::MembersAndPartner(code("UKR"));
        let readers = [
            Reader::Secretariat,
            Reader::Member(code("HUN")),
            Reader::Partner(code("UKR")),
            Reader::Partner(code("MDA")),
            Reader::Public,
        ];
        let admitted = |m: Marking| readers.iter().map(|r| m.admits(*r)).collect::<Vec<_>>();
        assert_eq!(admitted(Marking::Members), [true, true, false, false, false]);
        assert_eq!(admitted(ukr), [true, true, true, false, false]);
        assert_eq!(admitted(Marking::Public), [true, true, true, true, true]);
    }

    #[test]
    fn an_observer_reads_what_the_public_reads() {
        assert_eq!(Reader::of(Some(Actor::Observer)), Reader::Public);
        assert_eq!(Reader::of(None), Reader::Public);
        assert!(!Marking::Members.admits(Reader::of(Some(Actor::Observer))));
    }

    #[test]
    fn markings_only_widen() {
        let ukr = Marking::MembersAndPartner(code("UKR"));
        let mda = Marking::MembersAndPartner(code("MDA"));
        assert!(Marking::Public.covers(ukr) && ukr.covers(Marking::Members) && ukr.covers(ukr));
        assert!(!Marking::Members.covers(ukr) && !ukr.covers(Marking::Public) && !ukr.covers(mda));
    }
}
