//! Throughput of the hot path: `decide` then `apply` for `TakePosition` on an open silence
//! proposal with 32 electors (the reference list, circulated after Sweden's accession). The
//! members take turns concurring and nobody objects, so the proposal stays open and the state
//! stays the same size however long the benchmark runs.
//!
//! Run: `cargo bench -p concord-core --bench decide` (add `-- --quick` for a short run). Results
//! are reported in elements (positions) per second.

use std::hint::black_box;

use concord_core::{Actor, Command, CountryCode, DecisionKind, Member, Procedure, ProposalId, Stance, State, decide};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};

/// The reference list of members (domain.md §4), read in place.
const MEMBERS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/members.csv"));

fn members() -> Vec<Member> {
    MEMBERS_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.trim().split(',').collect();
            Member {
                code: CountryCode::parse(f[0]).expect("alpha-3 code"),
                alpha2: f[1].into(),
                numeric: f[2].into(),
                name: f[3].into(),
                accession: f[4].parse().expect("accession date"),
                departure: None,
            }
        })
        .collect()
}

fn run(state: &mut State, actor: Actor, command: &Command, now: Timestamp) {
    for e in decide(state, actor, command, now).expect("accepted") {
        state.apply(&e).expect("applies");
    }
}

/// 32 members and one assistance programme under silence, circulated on 2024-06-03 with a
/// deadline far beyond any benchmark's reach.
fn open_silence() -> (State, ProposalId, Vec<CountryCode>, Timestamp) {
    let mut state = State::new();
    let at: Timestamp = "2024-06-03T09:00:00Z".parse().expect("instant");
    for member in members() {
        run(&mut state, Actor::Secretariat, &Command::AdmitMember { member }, at);
    }
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::AssistanceProgramme,
        significance: None,
        title: "Comprehensive Assistance Package: winter equipment".into(),
        text: "The alliance provides winter equipment, fuel and medical supplies to the partner.".into(),
    };
    run(&mut state, Actor::Secretariat, &draft, at);
    let id = ProposalId(1);
    let deadline: Timestamp = "2100-01-01T00:00:00Z".parse().expect("instant");
    run(
        &mut state,
        Actor::Secretariat,
        &Command::Circulate { proposal: id, procedure: Procedure::Silence, deadline, marking: None, urgent: None },
        at,
    );
    let electors = state.proposals[&id].electorate().to_vec();
    assert_eq!(electors.len(), 32);
    (state, id, electors, at)
}

fn take_position(c: &mut Criterion) {
    let (state, id, electors, opened) = open_silence();
    let commands: Vec<(Actor, Command)> = electors
        .iter()
        .map(|&member| {
            let command = Command::TakePosition {
                proposal: id,
                member,
                revision: 1,
                stance: Stance::Concur,
                text: None,
                evidence: None,
            };
            (Actor::Member(member), command)
        })
        .collect();

    let mut group = c.benchmark_group("take_position_silence_32_electors");
    group.throughput(Throughput::Elements(commands.len() as u64));

    group.bench_function("decide_and_apply", |b| {
        let mut state = state.clone();
        let mut now = opened;
        b.iter(|| {
            for (actor, command) in &commands {
                now += SignedDuration::from_millis(1);
                let events = decide(&state, *actor, command, now).expect("accepted");
                for e in &events {
                    state.apply(e).expect("applies");
                }
                black_box(&events);
            }
        });
    });

    // The same commands decided against the steady state (every elector has concurred once), not
    // applied: what `apply` adds is the difference.
    let mut steady = state.clone();
    let now = opened + SignedDuration::from_secs(60);
    for (actor, command) in &commands {
        run(&mut steady, *actor, command, now);
    }
    group.bench_function("decide_only", |b| {
        let state = &steady;
        b.iter(|| {
            for (actor, command) in &commands {
                black_box(decide(black_box(state), *actor, command, now).expect("accepted"));
            }
        });
    });

    group.finish();
}

criterion_group!(benches, take_position);
criterion_main!(benches);
