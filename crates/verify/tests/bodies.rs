//! `verify` recomputes every outcome under the rule its procedure opened with: a rule changed
//! mid-procedure leaves that procedure to the old one, and a decision recorded as if the new rule
//! applied (a forger's entry, signed into the checkpoint) is caught.

mod common;

use common::{Writer, code, t, verify};
use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Command, DecisionKind, Event, Procedure, ProposalId, Roster, Stance};

/// Three members and a body deciding by consensus; proposal 1 circulated under it; the rule
/// changed to consensus minus one (Hungary concerned); Hungary objects to proposal 1.
fn log() -> Writer {
    let mut w = Writer::new(
        6,
        &[("AUT", "AT", "040", "Austria"), ("HUN", "HU", "348", "Hungary"), ("SWE", "SE", "752", "Sweden")],
    );
    let osce = BodyId::parse("council").expect("an id");
    let establish = Command::EstablishBody {
        id: osce.clone(),
        name: "Permanent Council".into(),
        parent: None,
        roster: Roster::AllMembers { except: Vec::new() },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
        proxies: false,
    };
    w.run(Actor::Secretariat, establish, "2024-02-20T09:00:00Z");
    let draft = Command::DraftProposal {
        body: Some(osce.clone()),
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: "A statement".into(),
        text: "The Council states.".into(),
    };
    w.run(Actor::Secretariat, draft, "2024-02-21T08:00:00Z");
    let circulate = Command::Circulate {
        proposal: ProposalId(1),
        procedure: Procedure::Silence,
        deadline: t("2024-02-23T12:00:00Z"),
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, circulate, "2024-02-21T09:00:00Z");
    let change = Command::ChangeRule {
        body: osce,
        rule: Rule::ConsensusMinusOne { concerned: code("HUN") },
        reason: "Prague Document, paragraph 16".into(),
    };
    w.run(Actor::Secretariat, change, "2024-02-21T10:00:00Z");
    let object = Command::TakePosition {
        proposal: ProposalId(1),
        member: code("HUN"),
        revision: 1,
        stance: Stance::Object,
        text: Some("We object.".into()),
        evidence: None,
    };
    w.run(Actor::Member(code("HUN")), object, "2024-02-22T09:00:00Z");
    w
}

#[test]
fn the_open_procedure_is_decided_by_the_rule_it_opened_under_and_verify_agrees() {
    let w = log();
    let decided = w.loaded.state.proposals[&ProposalId(1)].decision.clone().expect("decided");
    assert_eq!(decided.outcome, concord_core::Outcome::Blocked, "version 1, consensus: Hungary's objection blocks");
    assert_eq!(decided.rule.as_ref().map(|r| r.version), Some(1));
    let (entries, checkpoint, key) = w.sealed();
    let report = verify(&entries, &checkpoint, &key).expect("the log verifies");
    assert_eq!(report.replayed, entries.len() as u64);
}

#[test]
fn a_decision_recorded_as_if_the_new_rule_applied_is_caught() {
    // The honest log ends with Hungary's objection and the decision it caused (blocked, by
    // version 1). A forger replaces the decision with one that says adopted, as consensus minus
    // one would have it, and signs a checkpoint over the altered log.
    let (entries, checkpoint, key) = log().forged(|event| {
        let Event::ProposalDecided { decision, .. } = event else { panic!("the last entry decides: {event:?}") };
        decision.outcome = concord_core::Outcome::Adopted;
        if let Some(r) = decision.rule.as_mut() {
            r.version = 2;
            r.rule = Rule::ConsensusMinusOne { concerned: code("HUN") };
        }
    });
    let err = verify(&entries, &checkpoint, &key).expect_err("a forged outcome is caught").to_string();
    assert!(err.contains(&format!("entry {}", entries.len() - 1)), "{err}");
    assert!(err.contains("differs from the one its positions give"), "the outcome, recomputed, disagrees: {err}");
}
