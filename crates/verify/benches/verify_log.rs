//! Full verification of a log, against the machine's raw SHA-256 rate on the same bytes, and
//! signed-position acceptance against a raw `verify_strict`, each measured in the same run.
//!
//! `cargo bench -p concord-verify --bench verify_log -- --quick`

#![allow(clippy::unwrap_used)] // a benchmark whose setup fails should stop

use std::hint::black_box;

use concord_core::record::{LogRecord, SALT_LEN, encode, genesis};
use concord_core::{
    Actor, Command, DecisionKind, Member, PositionStatement, Procedure, ProposalId, Stance, State, decide,
    member_key_name,
};
use concord_ledger::keys::Signer;
use concord_ledger::{leaf_hash, note};
use concord_store::StoredEntry;
use concord_verify::{LogVerifier, Options, Owed};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};

const ORIGIN: &str = "bench.concord.example/log";
const MEMBERS: usize = 32;
const PROPOSALS: u64 = 64;

struct Log {
    entries: Vec<StoredEntry>,
    checkpoint: Vec<u8>,
    log_key: Signer,
}

fn code(i: usize) -> concord_core::CountryCode {
    let b = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8, b'X'];
    concord_core::CountryCode::parse(std::str::from_utf8(&b).unwrap()).unwrap()
}

/// A log of `positions` concurrences over 64 open proposals by 32 members, signed or not.
fn build(positions: usize, signed: bool) -> Log {
    let log_key = Signer::from_seed(ORIGIN, [1; 32]).unwrap();
    let keys: Vec<Signer> = (0..MEMBERS)
        .map(|i| Signer::from_seed(&member_key_name(ORIGIN, code(i)), [i as u8 + 2; 32]).unwrap())
        .collect();
    let mut state = State::new();
    let mut entries = Vec::new();
    let mut prev = genesis();
    let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut run = |state: &mut State, actor: Actor, command: Command, at: Timestamp| {
        for event in decide(state, actor, &command, at).unwrap() {
            state.apply(&event).unwrap();
            let seq = entries.len() as u64;
            let (marking, body) = (state.marking(&event), state.scope(&event));
            let record = LogRecord { seq, prev: prev.to_hex(), at, marking, body, actor, account: None, event };
            let e = encode(&record, [7; SALT_LEN]).unwrap();
            prev = e.leaf_hash;
            entries.push(StoredEntry { seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) });
        }
    };
    let create = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: log_key.verifier().to_string(),
        unsigned_positions: !signed,
        min_silence: None,
    };
    run(&mut state, Actor::Secretariat, create, t0);
    for (i, key) in keys.iter().enumerate() {
        let member = Member {
            code: code(i),
            alpha2: "XX".into(),
            numeric: format!("{:03}", i + 1),
            name: format!("Member {i}"),
            accession: "1949-08-24".parse().unwrap(),
            departure: None,
        };
        run(&mut state, Actor::Secretariat, Command::AdmitMember { member }, t0);
        let enrol = Command::RegisterMemberKey {
            member: code(i),
            key: key.verifier().to_string(),
            valid_from: None,
            valid_until: None,
        };
        run(&mut state, Actor::Secretariat, enrol, t0);
    }
    let deadline: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    for _ in 0..PROPOSALS {
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Routine,
            significance: None,
            title: "Routine".into(),
            text: "Routine business.".into(),
        };
        run(&mut state, Actor::Secretariat, draft, t0);
        let id = ProposalId(state.proposals.len() as u64);
        run(
            &mut state,
            Actor::Secretariat,
            Command::Circulate { proposal: id, procedure: Procedure::Silence, deadline, marking: None, urgent: None },
            t0,
        );
    }
    for n in 0..positions {
        let m = n % MEMBERS;
        let id = ProposalId(1 + (n as u64 / MEMBERS as u64) % PROPOSALS);
        let at = t0.checked_add(SignedDuration::from_secs(1 + n as i64)).unwrap();
        let evidence = signed.then(|| {
            let p = &state.proposals[&id];
            let s = PositionStatement {
                origin: ORIGIN.into(),
                member: code(m),
                proposal: id,
                revision: 1,
                text_hash: p.current().text_hash.clone(),
                stance: Stance::Concur,
                statement_hash: None,
                time: at,
            };
            note::sign(&s.to_text(), &[&keys[m]]).unwrap()
        });
        let take = Command::TakePosition {
            proposal: id,
            member: code(m),
            revision: 1,
            stance: Stance::Concur,
            text: None,
            evidence,
        };
        run(&mut state, Actor::Member(code(m)), take, at);
    }
    let root = concord_ledger::tlog::root_of(&entries.iter().map(|e| e.leaf_hash).collect::<Vec<_>>());
    let checkpoint = concord_ledger::checkpoint::Checkpoint::new(ORIGIN, entries.len() as u64, root)
        .unwrap()
        .sign(&log_key)
        .unwrap();
    Log { entries, checkpoint: checkpoint.into_bytes(), log_key }
}

fn verify_all(log: &Log) {
    let options = Options {
        owed: Owed::Every,
        log_key: log.log_key.verifier(),
        witnesses: vec![],
        quorum: 0,
        trusted: None,
        delegation: None,
        reader: None,
    };
    let mut v = LogVerifier::new(options).unwrap();
    v.feed(&log.entries).unwrap();
    black_box(v.finish(&log.checkpoint).unwrap());
}

fn bench(c: &mut Criterion) {
    for signed in [false, true] {
        let log = build(20_000, signed);
        let bytes: u64 = log.entries.iter().map(|e| e.bytes.len() as u64).sum();
        let mut g = c.benchmark_group(if signed { "log_of_signed_positions" } else { "log_of_unsigned_positions" });
        g.sample_size(10);
        g.throughput(Throughput::Elements(log.entries.len() as u64));
        g.bench_function("full_verification", |b| b.iter(|| verify_all(&log)));
        g.bench_function("raw_sha256_of_the_same_entries", |b| {
            b.iter(|| {
                for e in &log.entries {
                    black_box(leaf_hash(&e.bytes));
                }
            });
        });
        g.finish();
        eprintln!(
            "{} entries, {bytes} bytes, {:.0} bytes per entry",
            log.entries.len(),
            bytes as f64 / log.entries.len() as f64
        );
    }

    // Acceptance of one signed position against one raw verify_strict of its note.
    let key = Signer::from_seed(&member_key_name(ORIGIN, code(0)), [2; 32]).unwrap();
    let note = note::sign("concord/position/v1\n", &[&key]).unwrap();
    let verifier = key.verifier();
    let mut g = c.benchmark_group("signature");
    g.bench_function("raw_verify_strict_via_note_open", |b| {
        b.iter(|| black_box(note::open(note.as_bytes(), std::slice::from_ref(&verifier)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
