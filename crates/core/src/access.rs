//! Need to know: who may read which recorded fact.
//!
//! Every log entry carries a [`Marking`], the audience its content is released to; the marking
//! of an event is a pure function of the event and the state it follows ([`State::marking`]).
//! [`State::may_read`] is the one rule every read applies: the API, the web, the log's endpoints
//! and exports all ask it, and none filters by hand.
//!
//! A marking only ever widens: what the members may read, the secretariat may read; what the
//! partner may read, the members may read; what is public, everyone may read.
//!
//! Among the members, need to know narrows it further: what a body deliberates is for the
//! members that sit in it ([`State::scope`]). A member outside the body reads its proposals, and
//! its proxies, as the public does: the outcome once it is announced, nothing before. The log
//! names each entry's body in its envelope, so that such a member's verifier knows which entries
//! are not its to replay.

use std::borrow::Cow;

use crate::support::{Coalition, Delivery, DonorState, Fund, FxRate, Pledge, SupportRequest};
use crate::{BodyId, CountryCode, DecisionKind, Event, Member, Outcome, Partner, Proposal, ProposalStatus, State};

pub use crate::marking::{InvalidMarking, InvalidReader, Marking, Reader};

/// Kinds whose adopted decisions the alliance announces: what it says, whom it admits, what it
/// gives. Force deployments, commands and routine business stay with the members.
pub(crate) fn announced(kind: DecisionKind) -> bool {
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
        // Once circulated, a proposal's later texts, deadlines and withdrawal go to the audience
        // it was circulated to; its positions stay with the members.
        let audience_of = |proposal| self.proposals.get(proposal).and_then(|p| p.audience).unwrap_or(Marking::Members);
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
            | Event::BodyEstablished { .. }
            | Event::RuleChanged { .. }
            | Event::ChairAppointed { .. }
            | Event::PopulationsRecorded { .. }
            | Event::DonorStateRegistered { .. }
            | Event::ExchangeRateRecorded { .. }
            | Event::GdpRecorded { .. } => Marking::Public,
            Event::ProposalDecided { proposal, decision } => {
                self.proposals.get(proposal).map_or(Marking::Members, |p| decision_marking(p, decision))
            }
            Event::EntryPublished { marking, .. } => *marking,
            Event::ProposalCirculated { marking, .. } => marking.unwrap_or(Marking::Members),
            // A text revised in negotiation stays with the members until it is circulated
            // (`State::may_read` then releases it to the audience).
            Event::ProposalAmended { proposal, .. }
                if self.proposals.get(proposal).is_some_and(|p| p.status.awaits_circulation()) =>
            {
                Marking::Members
            }
            Event::ProposalAmended { proposal, .. }
            | Event::DeadlineExtended { proposal, .. }
            | Event::DeadlineCurtailed { proposal, .. }
            | Event::ProposalWithdrawn { proposal, .. } => audience_of(proposal),
            Event::ProposalDrafted { .. }
            | Event::ProposalReopened { .. }
            | Event::PositionTaken { .. }
            | Event::InstructionsAwaited { .. }
            | Event::ProxyAuthorised { .. }
            | Event::ProxyEnded { .. }
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

    /// The one access rule: whether `reader` may read `event`, recorded with `marking` (or
    /// published since to the wider audience [`State::released`] gives), in this state. The
    /// marking decides, with one narrowing and two releases, all of a proposal's texts: a draft
    /// is the secretariat's until it is circulated (or withdrawn, when the members may see what
    /// was withdrawn); a circulated text goes to the audience it was circulated to; and the
    /// revision a decision adopted is released with that decision (to the public, for an
    /// announced kind), so that whoever may read the decision can check the text it adopted
    /// against the log.
    #[must_use]
    pub fn may_read(&self, reader: Reader, marking: Marking, event: &Event) -> bool {
        let reader = self.cleared_in(reader, self.scope(event).as_ref());
        if reader == Reader::Secretariat {
            return true;
        }
        let text = match event {
            Event::ProposalDrafted { proposal, .. } => Some((proposal, 1)),
            Event::ProposalAmended { proposal, revision, .. } => Some((proposal, *revision)),
            _ => None,
        };
        let Some((proposal, revision)) = text else { return marking.admits(reader) };
        match self.proposals.get(proposal) {
            Some(p) if p.status == ProposalStatus::Draft => false,
            Some(p) if p.decision.as_ref().is_some_and(|d| d.revision == revision) => {
                marking.admits(reader) || self.proposal_marking(p).admits(reader) || audience_admits(p, reader)
            }
            Some(p) => marking.admits(reader) || (audience_admits(p, reader) && was_circulated(p, revision)),
            None => marking.admits(reader),
        }
    }
}

/// How much of a proposal a reader is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProposalAccess {
    /// Nothing: the proposal answers as if it did not exist.
    Hidden,
    /// What the alliance announced: title, kind, status, the decided text and the decision as
    /// recorded (an adopted one: who concurred, explicitly or by silence, and the reservations
    /// and opt-outs published with it, as the log releases its entry); not the deliberation
    /// (earlier revisions, the circulation, the grid of positions).
    Outcome,
    /// What it was circulated to this reader for: every revision's text and the procedure
    /// with its deadline, and its decision where the decision's marking admits the reader; not
    /// the positions (deliberation stays with the members).
    Circulated,
    /// Everything the state holds about it.
    Full,
}

impl State {
    /// The marking a proposal is read under: its decision's, once decided (public for an
    /// adopted decision of an announced kind), else the members' (drafts, circulation and
    /// positions are all marked for the members).
    #[must_use]
    pub fn proposal_marking(&self, p: &Proposal) -> Marking {
        let own = p.decision.as_ref().map_or(Marking::Members, |d| decision_marking(p, d));
        p.published.map_or(own, |published| wider(published, own))
    }

    /// The widest audience anything of `p` is released to: its decision's, or the audience its
    /// texts were circulated to (what a page about it says of who may read it).
    #[must_use]
    pub fn proposal_reach(&self, p: &Proposal) -> Marking {
        let decided = self.proposal_marking(p);
        p.audience.filter(|_| p.status != ProposalStatus::Draft).map_or(decided, |a| wider(a, decided))
    }

    /// How much of `p` `reader` may read. Deliberation is marked for the members, so a
    /// member-cleared reader sees it all (a draft only the secretariat, as [`State::may_read`]
    /// rules for its events); anyone else sees the outcome once the decision's marking admits
    /// them, and nothing before.
    #[must_use]
    pub fn proposal_access(&self, reader: Reader, p: &Proposal) -> ProposalAccess {
        let reader = self.cleared_in(reader, p.body.as_ref());
        if reader == Reader::Secretariat {
            ProposalAccess::Full
        } else if p.status == ProposalStatus::Draft {
            ProposalAccess::Hidden
        } else if Marking::Members.admits(reader) {
            ProposalAccess::Full
        } else if audience_admits(p, reader) {
            ProposalAccess::Circulated
        } else if p.decision.is_some() && self.proposal_marking(p).admits(reader) {
            ProposalAccess::Outcome
        } else {
            ProposalAccess::Hidden
        }
    }

    /// `p` as `reader` may read it: `None` when hidden, the announced part of it at
    /// [`ProposalAccess::Outcome`], all of it at [`ProposalAccess::Full`]. Every read of a
    /// proposal goes through this, so no handler has to know what to leave out.
    #[must_use]
    pub fn proposal_for<'a>(&self, reader: Reader, p: &'a Proposal) -> Option<Cow<'a, Proposal>> {
        // The decision a proposal follows is named only to a reader of that decision (the rules
        // of `follows.rs` keep every reader of the one a reader of the other; this keeps it so
        // should a marking ever say otherwise).
        let follows = p.follows.filter(|id| {
            self.proposals.get(id).is_some_and(|e| self.proposal_access(reader, e) != ProposalAccess::Hidden)
        });
        let part = match self.proposal_access(reader, p) {
            ProposalAccess::Hidden => return None,
            ProposalAccess::Outcome => announced_part(p),
            ProposalAccess::Circulated => {
                let decided = self.proposal_marking(p).admits(self.cleared_in(reader, p.body.as_ref()));
                circulated_part(p, decided)
            }
            ProposalAccess::Full if follows == p.follows => return Some(Cow::Borrowed(p)),
            ProposalAccess::Full => p.clone(),
        };
        Some(Cow::Owned(Proposal { follows, ..part }))
    }

    /// Whether `reader` may read `item`: its marking admits the reader.
    #[must_use]
    pub fn may_see<T: Marked + ?Sized>(&self, reader: Reader, item: &T) -> bool {
        item.marking_in(self).admits(self.cleared(reader))
    }

    /// The reader as the log clears it: a delegation whose member departed (or was never
    /// admitted) reads as the public, whatever token it still holds.
    #[must_use]
    pub fn cleared(&self, reader: Reader) -> Reader {
        match reader {
            Reader::Member(c) if self.members.get(&c).is_none_or(|m| m.departure.is_some()) => Reader::Public,
            r => r,
        }
    }

    /// The reader as the log clears it for what `body` deliberates (none: the principal body,
    /// every member's): a delegation of a member outside the body reads it as the public; a
    /// partner taking part in the body reads it as the body's members do, and only it.
    #[must_use]
    pub fn cleared_in(&self, reader: Reader, body: Option<&BodyId>) -> Reader {
        match self.cleared(reader) {
            Reader::Member(c) if body.is_some_and(|b| !self.sits_in(b, c)) => Reader::Public,
            Reader::Partner(c) if body.is_some_and(|b| self.partner_in(b, c)) => Reader::Member(c),
            r => r,
        }
    }

    /// The name of a member or partner, if the log knows it.
    #[must_use]
    pub fn name_of(&self, code: CountryCode) -> Option<&str> {
        self.members.get(&code).map(|m| m.name.as_str()).or_else(|| self.partners.get(&code).map(|p| p.name.as_str()))
    }

    /// The reader an elector is, by its code: a member's delegation, or a partner taking part in
    /// a body. (An actor's code, the other way round, is [`crate::Actor::elector`].)
    #[must_use]
    pub fn reader_of(&self, code: CountryCode) -> Reader {
        if self.partners.contains_key(&code) { Reader::Partner(code) } else { Reader::Member(code) }
    }

    /// Whether `member` sits in `body` as a member (an unknown body: nobody does; a partner
    /// taking part is [`State::partner_in`] it).
    #[must_use]
    pub fn sits_in(&self, body: &BodyId, member: CountryCode) -> bool {
        self.members.contains_key(&member) && self.bodies.get(body).is_some_and(|b| b.roster.includes(member))
    }

    /// The body whose business `event` is, if it is not the principal body's: a body's
    /// proposal's (every entry about it, whatever its marking), a body's proxies. Its envelope
    /// names it; the members outside it read such an entry as the public.
    #[must_use]
    pub fn scope(&self, event: &Event) -> Option<BodyId> {
        match event {
            Event::ProposalDrafted { body, .. } => body.clone(),
            Event::ProxyAuthorised { body, .. } | Event::ProxyEnded { body, .. } => Some(body.clone()),
            // A publication is the business of what it reveals.
            Event::EntryPublished { revealed, .. } => self.scope(&revealed.content.event),
            other => other.proposal().and_then(|id| self.proposals.get(&id)).and_then(|p| p.body.clone()),
        }
    }
}

/// The marking of a decision on `p` (shared by [`State::marking`]'s rule for
/// `proposal_decided` and [`State::proposal_marking`]): an adopted one goes to the public for an
/// announced kind, and to the audience the proposal was circulated to; one that was not adopted
/// stays with the members, since it says who objected. So does one adopted over an objection (the
/// state concerned, under consensus minus one): it names the objector too.
fn decision_marking(p: &Proposal, decision: &crate::Decision) -> Marking {
    // A vote names every voter: it goes beyond the members only when nobody voted otherwise
    // than yes, as a consensus decision does only when nobody objected.
    let adopted = matches!(decision.outcome, Outcome::Adopted | Outcome::AdoptedWithReservations)
        && decision.objections.is_empty()
        && decision.votes.iter().all(|v| v.stance == crate::Stance::Yes);
    match (adopted, p.audience) {
        (true, _) if announced(p.kind) => Marking::Public,
        (true, Some(audience)) => audience,
        _ => Marking::Members,
    }
}

/// Whether `p` was circulated to an audience that admits `reader`.
fn audience_admits(p: &Proposal, reader: Reader) -> bool {
    p.status != ProposalStatus::Draft && p.audience.is_some_and(|a| a.admits(reader))
}

/// The wider of two markings, `a` when neither covers the other (two partners).
fn wider(a: Marking, b: Marking) -> Marking {
    if b.covers(a) && !a.covers(b) { b } else { a }
}

/// What a proposal circulated beyond the members shows that audience: its texts and procedure,
/// its decision only if `decided` (the decision's marking admits the reader), never positions
/// nor who awaits instructions.
fn circulated_part(p: &Proposal, decided: bool) -> Proposal {
    Proposal {
        revisions: p.revisions.iter().filter(|r| r.circulated).cloned().collect(),
        positions: std::collections::BTreeMap::new(),
        superseded: std::collections::BTreeMap::new(),
        // Who awaits its capital's instructions is deliberation too, as a position is.
        awaiting: std::collections::BTreeMap::new(),
        decision: p.decision.clone().filter(|_| decided),
        // Earlier rounds ended blocked or not adopted: their decisions name the objectors.
        rounds: Vec::new(),
        ..p.clone()
    }
}

/// Whether revision `number` of `p` went out to its audience (a text drafted or negotiated
/// between circulations stays with the members).
fn was_circulated(p: &Proposal, number: u32) -> bool {
    p.revisions.iter().any(|r| r.number == number && r.circulated)
}

/// What the alliance announced of a decided proposal: the decided revision's title and text and
/// the decision as its log entry records it, exactly what that entry's public marking releases
/// (the reservations and opt-outs are published with an adopted decision, and an adopted one has
/// no objection). The grid of positions, the circulation and earlier revisions are deliberation,
/// marked for the members.
fn announced_part(p: &Proposal) -> Proposal {
    let decision = p.decision.clone();
    let decided = decision.as_ref().map_or(p.current().number, |d| d.revision);
    Proposal {
        revisions: p.revisions.iter().filter(|r| r.number == decided).cloned().collect(),
        circulation: None,
        positions: std::collections::BTreeMap::new(),
        superseded: std::collections::BTreeMap::new(),
        awaiting: std::collections::BTreeMap::new(),
        decision,
        rounds: Vec::new(),
        withdrawal: None,
        ..p.clone()
    }
}

/// Something the state keeps whose marking follows from what it is: the marking of the event
/// that records it (the tests check that they agree), so reading the thing and reading its
/// event are the same question.
pub trait Marked {
    /// The audience this is released to, in `state`.
    fn marking_in(&self, state: &State) -> Marking;
}

/// What a partner asked for is released to it.
impl Marked for SupportRequest {
    fn marking_in(&self, _: &State) -> Marking {
        Marking::MembersAndPartner(self.terms.partner)
    }
}

/// A pledge is released to its recipient (whose reports total it anyway).
impl Marked for Pledge {
    fn marking_in(&self, _: &State) -> Marking {
        Marking::MembersAndPartner(self.terms.recipient)
    }
}

/// A delivery, and the receipt on it, follow the pledge delivered against.
impl Marked for Delivery {
    fn marking_in(&self, state: &State) -> Marking {
        state.support.pledges.get(&self.pledge).map_or(Marking::Members, |p| p.marking_in(state))
    }
}

/// How members organise their giving stays with the members.
impl Marked for Coalition {
    fn marking_in(&self, _: &State) -> Marking {
        Marking::Members
    }
}

/// The alliance's funds and their contributions stay with the members.
impl Marked for Fund {
    fn marking_in(&self, _: &State) -> Marking {
        Marking::Members
    }
}

/// The registers: who the alliance is, whom it helps, who else gives, at what rates.
macro_rules! public_register {
    ($($t:ty),*) => {$(
        impl Marked for $t {
            fn marking_in(&self, _: &State) -> Marking {
                Marking::Public
            }
        }
    )*};
}
public_register!(Member, Partner, DonorState, FxRate);
