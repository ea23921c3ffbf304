//! `verify` recomputes every outcome under the rule its procedure opened with: a rule changed
//! mid-procedure leaves that procedure to the old one, and a decision recorded as if the new rule
//! applied (a forger's entry, signed into the checkpoint) is caught.

use concord_core::decision_rule::Rule;
use concord_core::{
    Actor, BodyId, Command, CountryCode, DecisionKind, Event, Member, Procedure, ProposalId, Roster, Stance,
};
use concord_ledger::keys::Signer;
use concord_log::{Loaded, Touched};
use concord_store::{NewEntry, StoredEntry};
use concord_verify::{LogVerifier, Options, Owed};
use jiff::Timestamp;
use rand::SeedableRng;

const ORIGIN: &str = "test.concord.example/log";

fn t(s: &str) -> Timestamp {
    s.parse().expect("a time")
}

fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("a code")
}

/// Three members and a body deciding by consensus; proposal 1 circulated under it; the rule
/// changed to consensus minus one (Hungary concerned); Hungary objects to proposal 1. The log,
/// its fold and its signing key.
fn log() -> (Vec<NewEntry>, Loaded, Signer) {
    let key = Signer::from_seed(ORIGIN, [6; 32]).expect("a key");
    let mut salts = rand::rngs::StdRng::seed_from_u64(21);
    let mut loaded = Loaded::empty();
    let mut entries = Vec::new();
    let mut touched = Touched::default();
    let mut run = |loaded: &mut Loaded, actor: Actor, command: Command, at: &str| {
        loaded.sequence(actor, None, &command, t(at), &mut salts, &mut entries, &mut touched).expect("accepted");
    };
    let create = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: key.verifier().to_string(),
        unsigned_positions: true,
        min_silence: None,
    };
    run(&mut loaded, Actor::Secretariat, create, "2024-02-20T08:00:00Z");
    for (c, a2, num, name) in
        [("AUT", "AT", "040", "Austria"), ("HUN", "HU", "348", "Hungary"), ("SWE", "SE", "752", "Sweden")]
    {
        let member = Member {
            code: code(c),
            alpha2: a2.into(),
            numeric: num.into(),
            name: name.into(),
            accession: "1995-01-01".parse().expect("a date"),
            departure: None,
        };
        run(&mut loaded, Actor::Secretariat, Command::AdmitMember { member }, "2024-02-20T08:00:00Z");
    }
    let osce = BodyId::parse("council").expect("an id");
    let establish = Command::EstablishBody {
        id: osce.clone(),
        name: "Permanent Council".into(),
        parent: None,
        roster: Roster::AllMembers { except: Vec::new() },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
    };
    run(&mut loaded, Actor::Secretariat, establish, "2024-02-20T09:00:00Z");
    let draft = Command::DraftProposal {
        body: Some(osce.clone()),
        kind: DecisionKind::Statement,
        significance: None,
        title: "A statement".into(),
        text: "The Council states.".into(),
    };
    run(&mut loaded, Actor::Secretariat, draft, "2024-02-21T08:00:00Z");
    let circulate = Command::Circulate {
        proposal: ProposalId(1),
        procedure: Procedure::Silence,
        deadline: t("2024-02-23T12:00:00Z"),
        marking: None,
        urgent: None,
    };
    run(&mut loaded, Actor::Secretariat, circulate, "2024-02-21T09:00:00Z");
    let change = Command::ChangeRule {
        body: osce,
        rule: Rule::ConsensusMinusOne { concerned: code("HUN") },
        reason: "Prague Document, paragraph 16".into(),
    };
    run(&mut loaded, Actor::Secretariat, change, "2024-02-21T10:00:00Z");
    let object = Command::TakePosition {
        proposal: ProposalId(1),
        member: code("HUN"),
        revision: 1,
        stance: Stance::Object,
        text: Some("We object.".into()),
        evidence: None,
    };
    run(&mut loaded, Actor::Member(code("HUN")), object, "2024-02-22T09:00:00Z");
    (entries, loaded, key)
}

fn stored(entries: Vec<NewEntry>) -> Vec<StoredEntry> {
    entries
        .into_iter()
        .map(|e| StoredEntry { seq: e.seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) })
        .collect()
}

fn verify(
    entries: &[StoredEntry],
    checkpoint: &[u8],
    key: &Signer,
) -> Result<concord_verify::Report, concord_verify::VerifyError> {
    let options =
        Options { owed: Owed::Every, log_key: key.verifier(), witnesses: Vec::new(), quorum: 0, trusted: None };
    let mut v = LogVerifier::new(options)?;
    v.feed(entries)?;
    v.finish(checkpoint)
}

#[test]
fn the_open_procedure_is_decided_by_the_rule_it_opened_under_and_verify_agrees() {
    let (entries, mut loaded, key) = log();
    let decided = loaded.state.proposals[&ProposalId(1)].decision.clone().expect("decided");
    assert_eq!(decided.outcome, concord_core::Outcome::Blocked, "version 1, consensus: Hungary's objection blocks");
    assert_eq!(decided.rule.as_ref().map(|r| r.version), Some(1));
    let (_, checkpoint) = loaded.seal(&entries, &key).expect("sealed");
    let entries = stored(entries);
    let report = verify(&entries, checkpoint.note.as_bytes(), &key).expect("the log verifies");
    assert_eq!(report.replayed, entries.len() as u64);
}

#[test]
fn a_decision_recorded_as_if_the_new_rule_applied_is_caught() {
    // The honest log ends with Hungary's objection and the decision it caused (blocked, by
    // version 1). A forger replaces the decision with one that says adopted, as consensus minus
    // one would have it, and signs a checkpoint over the altered log.
    let (mut entries, _, key) = log();
    let honest = entries.pop().expect("the decision");
    let envelope = concord_store::decode(&honest.bytes).expect("an envelope");
    let opened = concord_store::open(&envelope, &honest.part).expect("it opens");
    let Event::ProposalDecided { proposal, mut decision } = opened.event else {
        panic!("the last entry decides: {:?}", opened.event)
    };
    decision.outcome = concord_core::Outcome::Adopted;
    if let Some(r) = decision.rule.as_mut() {
        r.version = 2;
        r.rule = Rule::ConsensusMinusOne { concerned: code("HUN") };
    }
    let record = concord_store::LogRecord {
        seq: honest.seq,
        prev: entries.last().expect("the position").leaf_hash.to_hex(),
        at: t("2024-02-22T09:00:00Z"),
        marking: envelope.marking,
        actor: opened.actor,
        account: None,
        event: Event::ProposalDecided { proposal, decision },
    };
    entries.push(concord_store::encode(&record, [3; concord_store::SALT_LEN]).expect("encoded"));
    let mut fold = Loaded::empty();
    fold.size = entries.len() as u64;
    let (_, checkpoint) = fold.seal(&entries, &key).expect("sealed");
    let entries = stored(entries);
    let err = verify(&entries, checkpoint.note.as_bytes(), &key).expect_err("a forged outcome is caught");
    let err = err.to_string();
    assert!(err.contains(&format!("entry {}", entries.len() - 1)), "{err}");
    assert!(err.contains("differs from the one its positions give"), "the outcome, recomputed, disagrees: {err}");
}
