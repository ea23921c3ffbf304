//! `verify` recounts every vote from the log: the votes cast, the body's rule and the population
//! figures fixed when the vote opened. A count recorded as carried when the votes say otherwise,
//! or figures in the circulation that are not the ones recorded, are caught — however the
//! operator signs them.

mod common;

use std::collections::BTreeMap;

use common::{Writer, code, t, verify};
use concord_core::decision_rule::{Populations, Rule};
use concord_core::{Actor, BodyId, Command, DecisionKind, Event, Outcome, Procedure, ProposalId, Roster, Stance};

/// Five members, a body of all five deciding by qualified majority with a blocking minority of
/// two, 2024 figures, and a vote: the three smallest yes, the two largest no.
fn log(figures: &[(&str, u64)]) -> Writer {
    let mut w = Writer::new(
        8,
        &[
            ("AUT", "AT", "040", "Austria"),
            ("DEU", "DE", "276", "Germany"),
            ("FRA", "FR", "250", "France"),
            ("HUN", "HU", "348", "Hungary"),
            ("SWE", "SE", "752", "Sweden"),
        ],
    );
    let council = BodyId::parse("council").expect("an id");
    let rule = Rule::QualifiedMajority {
        states: concord_core::decision_rule::Ratio::new(55, 100),
        min_states: 3,
        population: concord_core::decision_rule::Ratio::new(65, 100),
        blocking_min: 2,
    };
    let establish = Command::EstablishBody {
        id: council.clone(),
        name: "Council".into(),
        parent: None,
        roster: Roster::AllMembers { except: Vec::new() },
        kinds: Vec::new(),
        procedures: vec![Procedure::Vote],
        rule,
        proxies: false,
    };
    w.run(Actor::Secretariat, establish, "2024-02-20T09:00:00Z");
    let figures: BTreeMap<_, _> = figures.iter().map(|(m, n)| (code(m), *n)).collect();
    let populations = Populations { year: 2024, source: "constructed for this test".into(), figures };
    w.run(Actor::Secretariat, Command::RecordPopulations { populations }, "2024-02-20T09:30:00Z");
    let draft = Command::DraftProposal {
        body: Some(council),
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: "A regulation".into(),
        text: "The Council adopts.".into(),
    };
    w.run(Actor::Secretariat, draft, "2024-02-21T08:00:00Z");
    let circulate = Command::Circulate {
        proposal: ProposalId(1),
        procedure: Procedure::Vote,
        deadline: t("2024-02-23T12:00:00Z"),
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, circulate, "2024-02-21T09:00:00Z");
    for (i, (m, vote)) in
        [("AUT", Stance::Yes), ("HUN", Stance::Yes), ("SWE", Stance::Yes), ("DEU", Stance::No), ("FRA", Stance::No)]
            .into_iter()
            .enumerate()
    {
        let cast = Command::TakePosition {
            proposal: ProposalId(1),
            member: code(m),
            revision: 1,
            stance: vote,
            text: None,
            evidence: None,
        };
        w.run(Actor::Member(code(m)), cast, &format!("2024-02-22T09:0{i}:00Z"));
    }
    w
}

const FIGURES: [(&str, u64); 5] =
    [("AUT", 9_000_000), ("DEU", 83_000_000), ("FRA", 68_000_000), ("HUN", 9_600_000), ("SWE", 10_500_000)];

#[test]
fn a_vote_is_recounted_by_verify_and_agrees() {
    let w = log(&FIGURES);
    let d = w.loaded.state.proposals[&ProposalId(1)].decision.clone().expect("decided by the last vote");
    assert_eq!(d.outcome, Outcome::NotAdopted, "3 of 5 states but 29.1 million of 180.1: {}", d.explain());
    let (entries, checkpoint, key) = w.sealed();
    let report = verify(&entries, &checkpoint, &key).expect("the log verifies");
    assert_eq!(report.replayed, entries.len() as u64);
}

#[test]
fn a_count_forged_as_carried_is_caught() {
    let (entries, checkpoint, key) = log(&FIGURES).forged(|event| {
        let Event::ProposalDecided { decision, .. } = event else { panic!("the last entry decides: {event:?}") };
        decision.outcome = Outcome::Adopted;
        if let Some(c) = decision.count.as_mut() {
            c.carried = true;
            c.failed.clear();
        }
    });
    let err = verify(&entries, &checkpoint, &key).expect_err("a forged count is caught").to_string();
    assert!(err.contains("differs from the one its positions give"), "{err}");
}

#[test]
fn a_count_on_figures_other_than_those_recorded_is_caught() {
    // The forger claims the vote was counted on figures in which the three in favour are the
    // larger: the decision's figures are not the circulation's, so the recount disagrees.
    let (entries, checkpoint, key) = log(&FIGURES).forged(|event| {
        let Event::ProposalDecided { decision, .. } = event else { panic!("the last entry decides: {event:?}") };
        decision.outcome = Outcome::Adopted;
        if let Some(p) = decision.rule.as_mut().and_then(|r| r.populations.as_mut()) {
            p.figures.insert(code("AUT"), 200_000_000);
        }
    });
    assert!(verify(&entries, &checkpoint, &key).is_err(), "figures not the log's are caught");
}
