//! Random command sequences, run through `decide` and `apply` as the server would (proptest):
//! every event `decide` produces applies; the electorate never changes after circulation; a final
//! proposal never changes; recorded decisions follow the consensus rules; replay equals the live
//! state; an altered decision is caught; events round-trip through JSON.
//!
//! A [`Script`] is a starting alliance and a list of steps; each step names what someone tries to
//! do by indices that pick among what exists when it runs, so most commands are plausible and
//! many are refused for a reason. Time only moves forward, as on a server.

use std::collections::BTreeMap;

use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;

use super::fixtures::*;
use super::properties::{DAY, any_stance, config};
use crate::rules::{electorate, utc_day};
use crate::{
    Actor, Command, CountryCode, DecisionKind, Event, Member, Outcome, Procedure, ProposalId, Stance, State, blocks,
    decide,
};

/// States that are not in the reference list, for admissions.
const NEWCOMERS: [(&str, &str, &str, &str); 3] =
    [("AUT", "AT", "040", "Austria"), ("IRL", "IE", "372", "Ireland"), ("CHE", "CH", "756", "Switzerland")];

const KINDS: [DecisionKind; 8] = [
    DecisionKind::DeployForces,
    DecisionKind::AssistanceProgramme,
    DecisionKind::FundPolicy,
    DecisionKind::Enlargement,
    DecisionKind::CommandOrMission,
    DecisionKind::BurdenSharingPledge,
    DecisionKind::Statement,
    DecisionKind::Routine,
];

/// One thing someone tries to do. Indices pick among what exists when the step runs.
#[derive(Debug, Clone)]
enum Op {
    Draft { kind: usize, significant: Option<bool> },
    Amend { pick: usize, with_deadline: bool, secs: i64 },
    Circulate { pick: usize, round: bool, secs: i64 },
    Extend { pick: usize, secs: i64 },
    Curtail { pick: usize, secs: i64 },
    Withdraw { pick: usize },
    Take { pick: usize, who: usize, stance: Stance, stale: bool, signed: bool },
    Close { pick: usize },
    Admit { who: usize, days: i64 },
    Depart { who: usize, days: i64 },
    Wait { secs: i64 },
}

#[derive(Debug, Clone)]
struct Step {
    op: Op,
    /// `Some(i)`: the i-th of a few actors, most of whom may not do this; `None`: the right one.
    impostor: Option<usize>,
    /// Seconds that pass before the step.
    advance: i64,
}

/// A starting alliance of `size` members of the reference list (Sweden always among them, so
/// that its accession falls inside the run) and a sequence of steps.
#[derive(Debug, Clone)]
struct Script {
    size: usize,
    steps: Vec<Step>,
}

fn op() -> impl Strategy<Value = Op> {
    let pick = any::<usize>();
    prop_oneof![
        2 => (0..KINDS.len(), proptest::option::of(any::<bool>()))
            .prop_map(|(kind, significant)| Op::Draft { kind, significant }),
        1 => (pick, any::<bool>(), -3600..3 * DAY)
            .prop_map(|(pick, with_deadline, secs)| Op::Amend { pick, with_deadline, secs }),
        3 => (pick, any::<bool>(), -3600..4 * DAY)
            .prop_map(|(pick, round, secs)| Op::Circulate { pick, round, secs }),
        1 => (pick, -DAY..2 * DAY).prop_map(|(pick, secs)| Op::Extend { pick, secs }),
        1 => (pick, -DAY..2 * DAY).prop_map(|(pick, secs)| Op::Curtail { pick, secs }),
        1 => pick.prop_map(|pick| Op::Withdraw { pick }),
        14 => (pick, any::<usize>(), any_stance(), proptest::bool::weighted(0.1), any::<bool>())
            .prop_map(|(pick, who, stance, stale, signed)| Op::Take { pick, who, stance, stale, signed }),
        2 => pick.prop_map(|pick| Op::Close { pick }),
        1 => (0..NEWCOMERS.len(), -30..30i64).prop_map(|(who, days)| Op::Admit { who, days }),
        1 => (any::<usize>(), -10..60i64).prop_map(|(who, days)| Op::Depart { who, days }),
        2 => (0..5 * DAY).prop_map(|secs| Op::Wait { secs }),
    ]
}

fn script() -> impl Strategy<Value = Script> {
    let step = (op(), proptest::option::weighted(0.1, 0..5usize), 0..7200i64)
        .prop_map(|(op, impostor, advance)| Step { op, impostor, advance });
    (prop_oneof![Just(3usize), Just(6), Just(32)], proptest::collection::vec(step, 1..80))
        .prop_map(|(size, steps)| Script { size, steps })
}

/// What a run did: the state before and after every step, each step's events, and the whole log.
#[derive(Debug)]
struct Trace {
    states: Vec<State>,
    steps: Vec<Vec<Event>>,
    log: Vec<Event>,
}

impl Trace {
    fn last(&self) -> &State {
        self.states.last().unwrap_or_else(|| unreachable!("a trace starts with a state"))
    }
}

fn starting_world(size: usize) -> World {
    let mut w = World::empty();
    let all = members();
    let mut chosen: Vec<Member> = all.iter().take(size.min(all.len())).cloned().collect();
    if !chosen.iter().any(|m| m.code == c("SWE")) {
        chosen.push(all.iter().find(|m| m.code == c("SWE")).cloned().unwrap_or_else(|| unreachable!()));
    }
    let at = ts("2024-01-02T08:00:00Z");
    for member in chosen {
        w.run(Actor::Secretariat, &Command::AdmitMember { member }, at);
    }
    w.run(Actor::Secretariat, &Command::RegisterPartner { partner: ukraine() }, at);
    w
}

/// Which proposals a step aims at, mostly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aim {
    Any,
    Drafts,
    Open,
}

/// The proposal an index picks: mostly one of those aimed at (or any, if there are none), now and
/// then the next, unknown, number.
fn pick(state: &State, k: usize, aim: Aim) -> ProposalId {
    let unknown = state.next_proposal_id();
    if k % 10 == 0 {
        return unknown;
    }
    let wanted = |p: &&crate::Proposal| match aim {
        Aim::Any => true,
        Aim::Drafts => p.status == crate::ProposalStatus::Draft,
        Aim::Open => p.status.is_open(),
    };
    let mut ids: Vec<ProposalId> = state.proposals.values().map(|p| &**p).filter(wanted).map(|p| p.id).collect();
    if ids.is_empty() {
        ids = state.proposals.keys().copied().collect();
    }
    if ids.is_empty() { unknown } else { ids[(k / 10) % ids.len()] }
}

fn current_deadline(state: &State, id: ProposalId, now: Timestamp) -> Timestamp {
    state.proposals.get(&id).and_then(|p| p.circulation.as_ref()).map_or(now, |c| c.deadline)
}

/// The command a step gives at `now`, with the actor entitled to give it (or an impostor); none
/// when the step only lets time pass.
fn command(state: &State, step: &Step, now: Timestamp) -> Option<(Actor, Command)> {
    let day = utc_day(now);
    let (actor, command) = match &step.op {
        Op::Draft { kind, significant } => {
            let kind = KINDS[*kind];
            let significance =
                significant.map(|s| if s { crate::Significance::Significant } else { crate::Significance::Routine });
            let text = format!("{kind:?} drafted at {now}");
            (
                Actor::Secretariat,
                Command::DraftProposal {
                    body: None,
                    follows: None,
                    kind,
                    significance,
                    title: format!("{kind:?}"),
                    text,
                },
            )
        }
        Op::Amend { pick: k, with_deadline, secs } => {
            let proposal = pick(state, *k, Aim::Any);
            let deadline = with_deadline.then(|| plus(now, *secs));
            let text = format!("amended at {now}");
            (Actor::Secretariat, Command::AmendProposal { proposal, title: None, text, deadline, urgent: None })
        }
        Op::Circulate { pick: k, round, secs } => {
            let procedure = if *round { Procedure::ConsensusRound } else { Procedure::Silence };
            (
                Actor::Secretariat,
                Command::Circulate {
                    proposal: pick(state, *k, Aim::Drafts),
                    procedure,
                    deadline: plus(now, *secs),
                    marking: None,
                    urgent: None,
                },
            )
        }
        Op::Extend { pick: k, secs } => {
            let proposal = pick(state, *k, Aim::Open);
            let deadline = plus(current_deadline(state, proposal, now), *secs);
            (Actor::Secretariat, Command::ExtendDeadline { proposal, deadline })
        }
        Op::Curtail { pick: k, secs } => {
            let proposal = pick(state, *k, Aim::Open);
            let deadline = plus(current_deadline(state, proposal, now), -*secs);
            (Actor::Secretariat, Command::CurtailDeadline { proposal, deadline, urgent: None })
        }
        Op::Withdraw { pick: k } => (
            Actor::Secretariat,
            Command::Withdraw { proposal: pick(state, *k, Aim::Any), reason: format!("withdrawn at {now}") },
        ),
        Op::Take { pick: k, who, stance, stale, signed } => {
            let proposal = pick(state, *k, Aim::Open);
            // Mostly members; now and then the partner, or a state nobody admitted (unless it
            // was admitted since).
            let codes: Vec<CountryCode> = state.members.keys().copied().collect();
            let member = match who % 12 {
                0 => c("UKR"),
                1 => c("CHE"),
                _ => codes[(who / 12) % codes.len()],
            };
            let current = state.proposals.get(&proposal).map_or(1, |p| p.current().number);
            let revision = if *stale { current.saturating_sub(1) } else { current };
            let text = stance.requires_text().then(|| format!("{member} on revision {revision}"));
            let evidence = signed.then(|| format!("signed by {member}"));
            let actor = if member == c("UKR") { Actor::Partner(member) } else { Actor::Member(member) };
            (actor, Command::TakePosition { proposal, member, revision, stance: *stance, text, evidence })
        }
        Op::Close { pick: k } => (Actor::Scheduler, Command::CloseAtDeadline { proposal: pick(state, *k, Aim::Open) }),
        Op::Admit { who, days } => {
            let (code, alpha2, numeric, name) = NEWCOMERS[*who];
            let member = Member {
                code: c(code),
                alpha2: alpha2.into(),
                numeric: numeric.into(),
                name: name.into(),
                accession: day + days.days(),
                departure: None,
            };
            (Actor::Secretariat, Command::AdmitMember { member })
        }
        Op::Depart { who, days } => {
            let codes: Vec<CountryCode> = state.members.keys().copied().collect();
            let member = codes[who % codes.len()];
            (Actor::Secretariat, Command::RecordDeparture { member, on: day + days.days() })
        }
        Op::Wait { .. } => return None,
    };
    let impostors =
        [Actor::Secretariat, Actor::Member(c("FRA")), Actor::Partner(c("UKR")), Actor::Observer, Actor::Scheduler];
    Some((step.impostor.map_or(actor, |i| impostors[i]), command))
}

/// Runs a script through `decide` and `apply`, as the server would. Fails if an event that
/// `decide` produced does not apply: decide and apply must agree.
fn run(script: &Script) -> Result<Trace, TestCaseError> {
    let w = starting_world(script.size);
    let mut state = w.state;
    let mut trace = Trace { states: vec![state.clone()], steps: Vec::new(), log: w.log };
    let mut now = ts("2024-03-01T00:00:00Z");
    for step in &script.steps {
        now = plus(now, step.advance);
        if let Op::Wait { secs } = step.op {
            now = plus(now, secs);
        }
        let Some((actor, command)) = command(&state, step, now) else {
            trace.steps.push(Vec::new());
            trace.states.push(state.clone());
            continue;
        };
        let events = decide(&state, actor, &command, now).unwrap_or_default();
        for (i, e) in events.iter().enumerate() {
            if let Err(err) = state.apply(e) {
                return Err(TestCaseError::fail(format!(
                    "{actor} {command:?} at {now}: event {i} of {events:?} does not apply: {err}"
                )));
            }
        }
        trace.log.extend(events.iter().cloned());
        trace.steps.push(events);
        trace.states.push(state.clone());
    }
    Ok(trace)
}

proptest! {
    #![proptest_config(config(96))]

    /// Every event `decide` produces applies: the server and the verifier agree on every command.
    #[test]
    fn decide_and_apply_agree_on_random_command_sequences(script in script()) {
        let trace = run(&script)?;
        prop_assert_eq!(trace.steps.len(), script.steps.len());
        // Whatever was decided is what the rules give: a status that matches its decision.
        for p in trace.last().proposals.values() {
            if let Some(d) = &p.decision {
                prop_assert_eq!(p.status, d.outcome.into());
            }
        }
    }

    /// Rule 1: a proposal's electorate is the members on the UTC day of first circulation, and it
    /// never changes afterwards, whatever is amended, extended, admitted or departed.
    #[test]
    fn the_electorate_never_changes_after_circulation(script in script()) {
        let trace = run(&script)?;
        let mut first: BTreeMap<ProposalId, (Vec<CountryCode>, Timestamp)> = BTreeMap::new();
        for (before, after) in trace.states.iter().zip(&trace.states[1..]) {
            for (id, p) in &after.proposals {
                let Some(circ) = &p.circulation else { continue };
                match first.get(id) {
                    None => {
                        let expected = electorate(before, circ.opened_at);
                        prop_assert_eq!(Ok(&circ.electorate), expected.as_ref());
                        prop_assert_eq!(circ.opened_at, circ.circulated_at);
                        first.insert(*id, (circ.electorate.clone(), circ.opened_at));
                    }
                    Some((snapshot, opened_at)) => {
                        prop_assert_eq!(&circ.electorate, snapshot, "proposal {}", id);
                        prop_assert_eq!(circ.opened_at, *opened_at);
                    }
                }
                if let Some(d) = &p.decision {
                    prop_assert_eq!(&d.electorate, &circ.electorate);
                }
            }
        }
    }

    /// A decided or withdrawn proposal never changes.
    #[test]
    fn a_final_proposal_never_changes(script in script()) {
        let trace = run(&script)?;
        for (before, after) in trace.states.iter().zip(&trace.states[1..]) {
            for (id, p) in before.proposals.iter().filter(|(_, p)| p.status.is_final()) {
                prop_assert_eq!(Some(p), after.proposals.get(id), "proposal {} changed", id);
            }
        }
    }

    /// Rule 2 on whatever was decided: blocked exactly when a blocking stance is recorded, and
    /// adopted with reservations exactly when a reservation is.
    #[test]
    fn recorded_decisions_follow_the_consensus_rules(script in script()) {
        let trace = run(&script)?;
        for p in trace.last().proposals.values() {
            let Some(d) = &p.decision else { continue };
            let blocking = d.objections.iter().any(|o| blocks(d.procedure, o.stance));
            prop_assert_eq!(d.outcome == Outcome::Blocked, blocking, "{:?}", d);
            match d.outcome {
                Outcome::Adopted | Outcome::AdoptedWithReservations => {
                    prop_assert_eq!(d.outcome == Outcome::AdoptedWithReservations, !d.reservations.is_empty());
                    prop_assert!(d.outstanding.is_empty());
                }
                Outcome::NotAdopted => {
                    prop_assert_eq!(d.procedure, Procedure::ConsensusRound);
                    prop_assert!(!d.outstanding.is_empty());
                }
                Outcome::Blocked => prop_assert!(d.concurred_by_silence.is_empty()),
            }
        }
    }

    /// The log is the database: replaying it from an empty state gives the live state.
    #[test]
    fn replaying_the_log_gives_the_live_state(script in script()) {
        let trace = run(&script)?;
        let replayed = State::replay(&trace.log).map_err(|(i, e)| TestCaseError::fail(format!("event {i}: {e}")))?;
        prop_assert_eq!(&replayed, trace.last());
    }

    /// A `ProposalDecided` whose outcome was altered fails to apply, and leaves the state as it was.
    #[test]
    fn an_altered_decision_fails_with_outcome_mismatch(script in script()) {
        let trace = run(&script)?;
        let outcomes = [Outcome::Adopted, Outcome::AdoptedWithReservations, Outcome::Blocked, Outcome::NotAdopted];
        for (before, events) in trace.states.iter().zip(&trace.steps) {
            let mut state = before.clone();
            for e in events {
                if let Event::ProposalDecided { proposal, decision } = e {
                    for &outcome in outcomes.iter().filter(|&&o| o != decision.outcome) {
                        let mut altered = decision.clone();
                        altered.outcome = outcome;
                        let forged = Event::ProposalDecided { proposal: *proposal, decision: altered };
                        let mut s = state.clone();
                        let result = s.apply(&forged);
                        prop_assert!(
                            matches!(result, Err(crate::ApplyError::OutcomeMismatch { .. })),
                            "{:?} applied as {:?}", outcome, result
                        );
                        prop_assert_eq!(&s, &state);
                    }
                }
                state.apply(e).map_err(|err| TestCaseError::fail(err.to_string()))?;
            }
        }
    }

    /// Events round-trip through JSON unchanged.
    #[test]
    fn events_round_trip_through_json(script in script()) {
        let trace = run(&script)?;
        for e in &trace.log {
            let json = serde_json::to_string(e).map_err(|err| TestCaseError::fail(err.to_string()))?;
            let back: Event = serde_json::from_str(&json).map_err(|err| TestCaseError::fail(format!("{json}: {err}")))?;
            prop_assert_eq!(&back, e);
        }
    }
}

/// The generator reaches the interesting states, so the properties above are not vacuous.
#[test]
fn random_command_sequences_reach_every_ending() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(config(1));
    let mut seen = BTreeMap::new();
    for _ in 0..300 {
        let script = script().new_tree(&mut runner).map(|t| t.current()).unwrap_or_else(|e| panic!("{e}"));
        let trace = run(&script).unwrap_or_else(|e| panic!("{e}"));
        for p in trace.last().proposals.values() {
            *seen.entry(format!("{:?}", p.status)).or_insert(0) += 1;
        }
    }
    for status in ["Adopted", "AdoptedWithReservations", "Blocked", "NotAdopted", "Withdrawn", "UnderSilence"] {
        assert!(seen.contains_key(status), "no run ended {status}: {seen:?}");
    }
}
