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
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::support::{Coalition, Delivery, DonorState, Fund, FxRate, Pledge, SupportRequest};
use crate::{
    Actor, BodyId, CountryCode, DecisionKind, Event, Member, Outcome, Partner, Proposal, ProposalStatus, State,
};

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

/// `secretariat`, `member:FRA`, `partner:UKR` or `public`: how a notice names its reader.
impl fmt::Display for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secretariat => f.write_str("secretariat"),
            Self::Member(c) => write!(f, "member:{c}"),
            Self::Partner(c) => write!(f, "partner:{c}"),
            Self::Public => f.write_str("public"),
        }
    }
}

/// A reader that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a reader is `secretariat`, `member:<A3>`, `partner:<A3>` or `public` (not `{0}`)")]
pub struct InvalidReader(pub String);

impl FromStr for Reader {
    type Err = InvalidReader;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidReader(s.to_owned());
        let code = |c: &str| CountryCode::parse(c).map_err(|_| bad());
        match s.split_once(':') {
            None if s == "secretariat" => Ok(Self::Secretariat),
            None if s == "public" => Ok(Self::Public),
            Some(("member", c)) => Ok(Self::Member(code(c)?)),
            Some(("partner", c)) => Ok(Self::Partner(code(c)?)),
            _ => Err(bad()),
        }
    }
}

impl Serialize for Reader {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reader {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
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

/// In the API's document a marking is the string it is spelled as (utoipa cannot derive a
/// schema for an enum serialised by hand).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Marking {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some("^(members|members\\+partner:[A-Z]{3}|public)$"))
            .description(Some("Who may read it: members, members+partner:<A3>, or public."))
            .examples(["members+partner:UKR"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Marking {}

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
        // Once circulated, a proposal's later texts, deadlines and withdrawal go to the audience
        // it was circulated to; its positions stay with the members.
        let audience_of =
            |proposal| self.proposals.get(proposal).and_then(|p: &Proposal| p.audience).unwrap_or(Marking::Members);
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
        match self.proposal_access(reader, p) {
            ProposalAccess::Hidden => None,
            ProposalAccess::Outcome => Some(Cow::Owned(announced_part(p))),
            ProposalAccess::Circulated => {
                let decided = self.proposal_marking(p).admits(self.cleared_in(reader, p.body.as_ref()));
                Some(Cow::Owned(circulated_part(p, decided)))
            }
            ProposalAccess::Full => Some(Cow::Borrowed(p)),
        }
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
    /// every member's): a delegation of a member outside the body reads it as the public.
    #[must_use]
    pub fn cleared_in(&self, reader: Reader, body: Option<&BodyId>) -> Reader {
        match self.cleared(reader) {
            Reader::Member(c) if body.is_some_and(|b| !self.sits_in(b, c)) => Reader::Public,
            r => r,
        }
    }

    /// Whether `member` sits in `body` (an unknown body: nobody does).
    #[must_use]
    pub fn sits_in(&self, body: &BodyId, member: CountryCode) -> bool {
        self.bodies.get(body).is_some_and(|b| b.roster.includes(member))
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
