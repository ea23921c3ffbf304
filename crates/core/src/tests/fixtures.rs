//! Shared fixtures: the 32 members of the reference list (read in place), Ukraine as partner,
//! fixed instants, and a [`World`] that decides commands and applies their events, asserting that
//! every event `decide` produced applies cleanly.

use jiff::{SignedDuration, Timestamp};

use crate::{
    Actor, Command, CountryCode, Decision, DecisionKind, Event, Member, Partner, Procedure, Proposal, ProposalId,
    Refusal, Stance, State, decide,
};

/// The reference list of members (domain.md §4): `alpha3,alpha2,numeric,name,accession`.
const MEMBERS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/members.csv"));

/// An RFC 3339 instant.
pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not an instant: {e}"))
}

/// `t` plus `secs` seconds.
pub(crate) fn plus(t: Timestamp, secs: i64) -> Timestamp {
    t + SignedDuration::from_secs(secs)
}

/// A country code.
pub(crate) fn c(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

/// The day of the AP interview: 31 members, Sweden not yet among them.
pub(crate) fn t0() -> Timestamp {
    ts("2024-02-27T09:00:00Z")
}

/// A deadline after Sweden's accession (2024-03-07), so that the snapshot rule is visible.
pub(crate) fn deadline() -> Timestamp {
    ts("2024-03-08T12:00:00Z")
}

/// The 32 members of the reference list, in file order.
pub(crate) fn members() -> Vec<Member> {
    MEMBERS_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.trim().split(',').collect();
            assert_eq!(f.len(), 5, "members.csv line {line:?}");
            Member {
                code: c(f[0]),
                alpha2: f[1].into(),
                numeric: f[2].into(),
                name: f[3].into(),
                accession: f[4].parse().unwrap_or_else(|e| panic!("accession of {}: {e}", f[0])),
                departure: None,
            }
        })
        .collect()
}

/// The 31 members on 2024-02-27, in code order: everyone but Sweden.
pub(crate) fn electors_on_t0() -> Vec<CountryCode> {
    let mut v: Vec<CountryCode> = members().into_iter().map(|m| m.code).filter(|&m| m != c("SWE")).collect();
    v.sort();
    v
}

/// The partner: never a member, never takes positions.
pub(crate) fn ukraine() -> Partner {
    Partner { code: c("UKR"), name: "Ukraine".into() }
}

/// A command taking `stance`, with a text when the stance needs one.
pub(crate) fn position(proposal: ProposalId, member: &str, revision: u32, stance: Stance) -> Command {
    let text = stance.requires_text().then(|| format!("{member}: statement on revision {revision}"));
    Command::TakePosition { proposal, member: c(member), revision, stance, text, evidence: None }
}

/// The state and the log of every event applied to it.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub state: State,
    pub log: Vec<Event>,
}

impl World {
    /// No members, no partners.
    pub fn empty() -> Self {
        Self { state: State::new(), log: Vec::new() }
    }

    /// The 32 members of the reference list, admitted by the secretariat, and Ukraine as partner.
    pub fn alliance() -> Self {
        let mut w = Self::empty();
        let at = ts("2024-01-02T08:00:00Z");
        for member in members() {
            w.run(Actor::Secretariat, &Command::AdmitMember { member }, at);
        }
        w.run(Actor::Secretariat, &Command::RegisterPartner { partner: ukraine() }, at);
        w
    }

    /// Decides `command`, which must be accepted, and applies its events, each of which must apply.
    pub fn run(&mut self, actor: Actor, command: &Command, now: Timestamp) -> Vec<Event> {
        let events = decide(&self.state, actor, command, now)
            .unwrap_or_else(|r| panic!("{actor} {command:?} at {now} was refused: {r}"));
        assert!(!events.is_empty(), "an accepted command causes at least one event");
        for e in &events {
            self.state.apply(e).unwrap_or_else(|err| panic!("decide produced {e:?}, which does not apply: {err}"));
            self.log.push(e.clone());
        }
        events
    }

    /// Decides `command`, which must be refused; nothing may change.
    pub fn refuse(&mut self, actor: Actor, command: &Command, now: Timestamp) -> Refusal {
        let before = self.clone();
        let refusal = match decide(&self.state, actor, command, now) {
            Ok(events) => panic!("{actor} {command:?} at {now} was accepted: {events:?}"),
            Err(r) => r,
        };
        assert_eq!(self.state, before.state, "a refusal changes nothing");
        assert_eq!(self.log, before.log, "a refusal appends nothing");
        refusal
    }

    pub fn proposal(&self, id: ProposalId) -> &Proposal {
        self.state.proposals.get(&id).unwrap_or_else(|| panic!("no proposal {id}"))
    }

    /// The recorded decision on `id`.
    pub fn decision(&self, id: ProposalId) -> &Decision {
        self.proposal(id).decision.as_ref().unwrap_or_else(|| panic!("proposal {id} is not decided"))
    }

    /// The current revision of `id`.
    pub fn revision(&self, id: ProposalId) -> u32 {
        self.proposal(id).current().number
    }

    pub fn draft(&mut self, kind: DecisionKind, now: Timestamp) -> ProposalId {
        let id = self.state.next_proposal_id();
        let command = Command::DraftProposal {
            body: None,
            follows: None,
            kind,
            significance: None,
            title: format!("{kind:?} proposal {id}"),
            text: format!("The alliance decides on {kind:?} proposal {id}."),
        };
        self.run(Actor::Secretariat, &command, now);
        id
    }

    /// Drafts and circulates a proposal at `at`.
    pub fn open(&mut self, kind: DecisionKind, procedure: Procedure, at: Timestamp, deadline: Timestamp) -> ProposalId {
        let id = self.draft(kind, at);
        self.run(
            Actor::Secretariat,
            &Command::Circulate { proposal: id, procedure, deadline, marking: None, urgent: None },
            at,
        );
        id
    }

    /// An assistance programme (opt-outs allowed) under silence, circulated at [`t0`] until [`deadline`].
    pub fn silence(&mut self) -> ProposalId {
        self.open(DecisionKind::AssistanceProgramme, Procedure::Silence, t0(), deadline())
    }

    /// An assistance programme in a consensus round, circulated at [`t0`] until [`deadline`].
    pub fn round(&mut self) -> ProposalId {
        self.open(DecisionKind::AssistanceProgramme, Procedure::ConsensusRound, t0(), deadline())
    }

    /// `member`'s own delegation takes `stance` on the current revision.
    pub fn take(&mut self, id: ProposalId, member: &str, stance: Stance, now: Timestamp) -> Vec<Event> {
        let command = position(id, member, self.revision(id), stance);
        self.run(Actor::Member(c(member)), &command, now)
    }

    /// `member`'s own delegation tries to take `stance`, and is refused.
    pub fn refuse_take(&mut self, id: ProposalId, member: &str, stance: Stance, now: Timestamp) -> Refusal {
        let command = position(id, member, self.revision(id), stance);
        self.refuse(Actor::Member(c(member)), &command, now)
    }

    /// The scheduler closes `id` at `now`.
    pub fn close(&mut self, id: ProposalId, now: Timestamp) -> Decision {
        self.run(Actor::Scheduler, &Command::CloseAtDeadline { proposal: id }, now);
        self.decision(id).clone()
    }

    /// The electors of `id`, as codes.
    pub fn electors(&self, id: ProposalId) -> Vec<CountryCode> {
        self.proposal(id).electorate().to_vec()
    }
}

/// The decision an event list ends with, if any.
pub(crate) fn decided(events: &[Event]) -> Option<&Decision> {
    events.iter().find_map(|e| match e {
        Event::ProposalDecided { decision, .. } => Some(decision),
        _ => None,
    })
}

/// The members of a list of positions.
pub(crate) fn who(positions: &[crate::Position]) -> Vec<CountryCode> {
    positions.iter().map(|p| p.member).collect()
}

#[test]
fn the_reference_list_has_32_members_with_unique_codes_and_sweden_joined_on_2024_03_07() {
    let ms = members();
    assert_eq!(ms.len(), 32);
    let mut codes: Vec<_> = ms.iter().map(|m| m.code).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 32);
    let swe = ms.iter().find(|m| m.code == c("SWE")).expect("Sweden is listed");
    assert_eq!(swe.accession, jiff::civil::date(2024, 3, 7));
    let gbr = ms.iter().find(|m| m.code == c("GBR")).expect("the UK is listed");
    assert_eq!(gbr.alpha2, "GB", "the UK's alpha-2 code is GB, not UK");
    assert_eq!(electors_on_t0().len(), 31);
}

#[test]
fn the_alliance_fixture_admits_all_32_members_and_registers_ukraine_as_a_partner_only() {
    let w = World::alliance();
    assert_eq!(w.state.members.len(), 32);
    assert!(w.state.partners.contains_key(&c("UKR")));
    assert!(!w.state.members.contains_key(&c("UKR")));
    assert_eq!(w.log.len(), 33);
}
