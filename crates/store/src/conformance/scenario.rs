//! Real data for the suite: commands decided by `concord_core::decide`, applied with
//! `State::apply`, and each event encoded as a [`LogRecord`] chained from [`genesis`] — what the
//! server's sequencer stores.

use concord_core::{
    Actor, Command, CountryCode, DecisionKind, Member, Partner, PositionStatement, Procedure, ProposalId, Stance,
    State, decide, text_hash,
};
use concord_ledger::Hash;
use concord_ledger::keys::Signer;
use concord_ledger::note;

/// The origin of the conformance log.
const ORIGIN: &str = "conformance.test/log";

/// A member delegation's key in the conformance log.
fn member_key(code: &str) -> Signer {
    Signer::from_seed(&concord_core::member_key_name(ORIGIN, cc(code)), [code.as_bytes()[0]; 32]).expect("a key")
}
use jiff::Timestamp;
use jiff::civil::date;

use crate::Batch;
use concord_core::record::{LogRecord, encode, genesis};

/// A log being built from commands, as the server's sequencer builds it.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The state after every step so far.
    pub state: State,
    /// The log entry of each decision so far.
    pub decisions: std::collections::BTreeMap<ProposalId, u64>,
    size: u64,
    prev: Hash,
}

impl Default for Scenario {
    fn default() -> Self {
        Self::new()
    }
}

impl Scenario {
    /// An empty alliance and an empty log.
    #[must_use]
    pub fn new() -> Self {
        Self { state: State::new(), decisions: Default::default(), size: 0, prev: genesis() }
    }

    /// The log size after every step so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A member's signed statement of a position on the current revision of `id`, dated `at`.
    #[must_use]
    pub fn signed(&self, id: u64, member: &str, stance: Stance, text: Option<&str>, at: &str) -> String {
        let p = &self.state.proposals[&ProposalId(id)];
        let statement = PositionStatement {
            origin: ORIGIN.into(),
            member: cc(member),
            proposal: ProposalId(id),
            revision: p.current().number,
            text_hash: p.current().text_hash.clone(),
            stance,
            statement_hash: text.map(text_hash),
            time: ts(at),
        };
        note::sign(&statement.to_text(), &[&member_key(member)]).expect("a statement signs")
    }

    /// Decides `command` at `at` (RFC 3339), applies its events and returns the batch that
    /// records them: one chained entry per event. Panics if the command is refused: the fixture is wrong.
    pub fn step(&mut self, actor: Actor, command: &Command, at: &str) -> Batch {
        let at = ts(at);
        let events = decide(&self.state, actor, command, at).unwrap_or_else(|r| panic!("{command:?} refused: {r}"));
        let expected_size = self.size;
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            self.state.apply(&event).unwrap_or_else(|e| panic!("{event:?} does not apply: {e}"));
            if let concord_core::Event::ProposalDecided { proposal, .. } = &event {
                self.decisions.insert(*proposal, self.size);
            }
            let (marking, body) = (self.state.marking(&event), self.state.scope(&event));
            let record =
                LogRecord { seq: self.size, prev: self.prev.to_hex(), at, marking, body, actor, account: None, event };
            // A salt from the sequence number: the fixture must be deterministic.
            let entry =
                encode(&record, [u8::try_from(self.size % 251).expect("below 251"); concord_core::record::SALT_LEN])
                    .expect("a record encodes");
            self.prev = entry.leaf_hash;
            self.size += 1;
            entries.push(entry);
        }
        Batch { expected_size, entries, ..Batch::default() }
    }
}

/// A small alliance's February: five members (Sweden not yet one), a partner, and five
/// proposals that end adopted with a reservation, blocked, still a draft, in an amended
/// consensus round, and withdrawn; then a departure. Returns the scenario and one batch per
/// command.
#[must_use]
pub fn story() -> (Scenario, Vec<Batch>) {
    use Actor::{Scheduler, Secretariat};
    let mut s = Scenario::new();
    let mut batches = Vec::new();
    let mut run = |s: &mut Scenario, actor, command: Command, at| batches.push(s.step(actor, &command, at));

    let log = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: Signer::from_seed(ORIGIN, [1; 32]).expect("a key").verifier().to_string(),
        unsigned_positions: true,
        min_silence: None,
    };
    run(&mut s, Secretariat, log, "2024-02-26T07:00:00Z");

    for (code, alpha2, numeric, name, accession) in [
        ("DEU", "DE", "276", "Germany", date(1955, 5, 9)),
        ("FRA", "FR", "250", "France", date(1949, 8, 24)),
        ("NOR", "NO", "578", "Norway", date(1949, 8, 24)),
        ("POL", "PL", "616", "Poland", date(1999, 3, 12)),
        ("SWE", "SE", "752", "Sweden", date(2024, 3, 7)),
    ] {
        let member = Member {
            code: cc(code),
            alpha2: alpha2.into(),
            numeric: numeric.into(),
            name: name.into(),
            accession,
            departure: None,
        };
        run(&mut s, Secretariat, Command::AdmitMember { member }, "2024-02-26T08:00:00Z");
    }
    for code in ["FRA", "NOR"] {
        let key = member_key(code).verifier().to_string();
        let enrol = Command::RegisterMemberKey { member: cc(code), key, valid_from: None, valid_until: None };
        run(&mut s, Secretariat, enrol, "2024-02-26T08:10:00Z");
    }
    let partner = Partner { code: cc("UKR"), name: "Ukraine".into() };
    run(&mut s, Secretariat, Command::RegisterPartner { partner }, "2024-02-26T08:30:00Z");

    let draft = |kind, title: &str| Command::DraftProposal {
        body: None,
        follows: None,
        kind,
        significance: None,
        title: title.into(),
        text: format!("The alliance agrees: {title}."),
    };
    let circulate = |id, procedure, deadline: &str| Command::Circulate {
        proposal: ProposalId(id),
        procedure,
        deadline: ts(deadline),
        marking: None,
        urgent: None,
    };
    let position =
        |id, member: &str, revision, stance, text: Option<&str>, evidence: Option<&str>| Command::TakePosition {
            proposal: ProposalId(id),
            member: cc(member),
            revision,
            stance,
            text: text.map(Into::into),
            evidence: evidence.map(Into::into),
        };
    let fra = Actor::Member(cc("FRA"));
    let deu = Actor::Member(cc("DEU"));
    let nor = Actor::Member(cc("NOR"));
    let pol = Actor::Member(cc("POL"));

    // 1: a statement under silence; France concurs with a signed reservation; adopted at the deadline.
    run(&mut s, Secretariat, draft(DecisionKind::Statement, "No combat troops"), "2024-02-27T09:00:00Z");
    run(&mut s, Secretariat, circulate(1, Procedure::Silence, "2024-02-28T12:00:00Z"), "2024-02-27T09:00:00Z");
    let signed = s.signed(1, "FRA", Stance::ConcurWithReservation, Some("France reserves..."), "2024-02-27T10:15:30Z");
    let reservation = position(1, "FRA", 1, Stance::ConcurWithReservation, Some("France reserves..."), Some(&signed));
    run(&mut s, fra, reservation, "2024-02-27T10:15:30.123456789Z");
    // 2: an assistance programme under silence; Poland objects and blocks it at once.
    run(&mut s, Secretariat, draft(DecisionKind::AssistanceProgramme, "Winter equipment"), "2024-02-27T09:30:00Z");
    run(&mut s, Secretariat, circulate(2, Procedure::Silence, "2024-03-01T12:00:00Z"), "2024-02-27T09:30:00Z");
    run(&mut s, pol, position(2, "POL", 1, Stance::Object, None, None), "2024-02-27T11:00:00Z");
    // 3: routine business left in draft.
    run(&mut s, Secretariat, draft(DecisionKind::Routine, "Minutes of the 12th meeting"), "2024-02-27T09:45:00Z");
    // 4: a fund policy in a consensus round, amended after Germany and Poland concurred: their
    // positions lapse; Germany takes a new one, Poland does not.
    run(&mut s, Secretariat, draft(DecisionKind::FundPolicy, "Fund policy"), "2024-02-27T10:00:00Z");
    run(&mut s, Secretariat, circulate(4, Procedure::ConsensusRound, "2024-03-05T12:00:00Z"), "2024-02-27T10:00:00Z");
    run(&mut s, deu, position(4, "DEU", 1, Stance::Concur, None, None), "2024-02-27T12:00:00Z");
    run(&mut s, pol, position(4, "POL", 1, Stance::Concur, None, None), "2024-02-27T12:30:00Z");
    let amend = Command::AmendProposal {
        proposal: ProposalId(4),
        title: None,
        text: "The fund buys non-lethal aid only.".into(),
        deadline: Some(ts("2024-03-06T12:00:00Z")),
        urgent: None,
    };
    run(&mut s, Secretariat, amend, "2024-02-27T13:00:00Z");
    let signed = s.signed(4, "NOR", Stance::Concur, None, "2024-02-27T14:00:00Z");
    run(&mut s, nor, position(4, "NOR", 2, Stance::Concur, None, Some(&signed)), "2024-02-27T14:00:00Z");
    run(&mut s, deu, position(4, "DEU", 2, Stance::OptOut, None, None), "2024-02-27T14:30:00Z");
    // 5: a statement withdrawn.
    run(&mut s, Secretariat, draft(DecisionKind::Statement, "Overtaken"), "2024-02-27T15:00:00Z");
    let withdraw = Command::Withdraw { proposal: ProposalId(5), reason: "Overtaken by events".into() };
    run(&mut s, Secretariat, withdraw, "2024-02-27T15:30:00Z");
    run(&mut s, Scheduler, Command::CloseAtDeadline { proposal: ProposalId(1) }, "2024-02-28T12:00:00Z");
    let departure = Command::RecordDeparture { member: cc("NOR"), on: date(2030, 1, 1) };
    run(&mut s, Secretariat, departure, "2024-02-28T13:00:00Z");
    (s, batches)
}

pub(super) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not a timestamp: {e}"))
}

pub(super) fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).unwrap_or_else(|e| panic!("{e}"))
}
