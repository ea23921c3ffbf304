//! The log is the database: replaying every event from an empty state rebuilds the live state,
//! and `apply` re-checks each event against the rules, so an altered log fails to apply (with the
//! index of the first bad event) instead of producing a state no command could have produced.

use super::fixtures::*;
use crate::{
    ApplyError, Command, DecisionKind, Event, Outcome, Procedure, ProposalId, Refusal, Stance, State, text_hash,
};

/// A log with one proposal of each ending: adopted by silence, blocked, adopted in a round with
/// reservations, not adopted, withdrawn, and one still open.
fn busy_world() -> World {
    let mut w = World::alliance();
    let adopted = w.silence();
    w.take(adopted, "USA", Stance::Concur, plus(t0(), 10));
    w.take(adopted, "HUN", Stance::OptOut, plus(t0(), 11));
    let blocked = w.silence();
    w.take(blocked, "TUR", Stance::Object, plus(t0(), 12));
    let round = w.round();
    for (i, m) in electors_on_t0().iter().enumerate() {
        let stance = if m.as_str() == "FRA" { Stance::ConcurWithReservation } else { Stance::Concur };
        w.take(round, m.as_str(), stance, plus(t0(), 20 + i as i64));
    }
    let not_adopted = w.round();
    w.take(not_adopted, "DEU", Stance::ProposeAmendment, plus(t0(), 100));
    let withdrawn = w.draft(DecisionKind::Routine, t0());
    let cmd = Command::Withdraw { proposal: withdrawn, reason: "Superseded".into() };
    w.run(crate::Actor::Secretariat, &cmd, plus(t0(), 200));
    let open =
        w.open(DecisionKind::FundPolicy, Procedure::Silence, ts("2024-03-07T09:00:00Z"), ts("2024-04-01T00:00:00Z"));
    let amend = Command::AmendProposal {
        proposal: open,
        title: Some("Amended".into()),
        text: "Amended text".into(),
        deadline: Some(ts("2024-04-02T00:00:00Z")),
        urgent: None,
    };
    w.take(open, "SWE", Stance::Concur, ts("2024-03-07T10:00:00Z"));
    w.run(crate::Actor::Secretariat, &amend, ts("2024-03-07T11:00:00Z"));
    w.take(open, "SWE", Stance::Concur, ts("2024-03-07T12:00:00Z"));
    w.close(adopted, deadline());
    w.close(not_adopted, deadline());
    w
}

#[test]
fn replaying_the_log_from_an_empty_state_gives_the_live_state() {
    let w = busy_world();
    let replayed = State::replay(&w.log).unwrap_or_else(|(i, e)| panic!("event {i} does not apply: {e}"));
    assert_eq!(replayed, w.state);
    assert_eq!(w.state.proposals.len(), 6);
}

#[test]
fn every_prefix_of_the_log_replays() {
    let w = busy_world();
    for n in 0..=w.log.len() {
        assert!(State::replay(&w.log[..n]).is_ok(), "prefix of {n} events");
    }
}

/// The index of the first `ProposalDecided` for `proposal` in the log.
fn decided_index(log: &[Event], proposal: ProposalId) -> usize {
    log.iter()
        .position(|e| matches!(e, Event::ProposalDecided { proposal: p, .. } if *p == proposal))
        .unwrap_or_else(|| panic!("proposal {proposal} is never decided"))
}

#[test]
fn a_decision_with_a_flipped_outcome_fails_to_apply_with_outcome_mismatch() {
    let w = busy_world();
    for (id, flipped) in [
        (ProposalId(1), Outcome::Blocked),
        (ProposalId(2), Outcome::Adopted),
        (ProposalId(3), Outcome::Adopted),
        (ProposalId(4), Outcome::Adopted),
    ] {
        let mut log = w.log.clone();
        let i = decided_index(&log, id);
        if let Event::ProposalDecided { decision, .. } = &mut log[i] {
            assert_ne!(decision.outcome, flipped);
            decision.outcome = flipped;
        }
        match State::replay(&log) {
            Err((at, ApplyError::OutcomeMismatch { proposal, recorded, recomputed })) => {
                assert_eq!((at, proposal), (i, id));
                assert_eq!(recorded.outcome, flipped);
                assert_ne!(recomputed.map(|d| d.outcome), Some(flipped));
            }
            other => panic!("expected an outcome mismatch at {i}, got {other:?}"),
        }
    }
}

#[test]
fn a_decision_that_hides_an_objection_or_a_reservation_fails_to_apply() {
    let w = busy_world();
    let mut log = w.log.clone();
    let i = decided_index(&log, ProposalId(2));
    if let Event::ProposalDecided { decision, .. } = &mut log[i] {
        decision.objections.clear();
    }
    assert!(matches!(State::replay(&log), Err((at, ApplyError::OutcomeMismatch { .. })) if at == i));
    let mut log = w.log.clone();
    let i = decided_index(&log, ProposalId(3));
    if let Event::ProposalDecided { decision, .. } = &mut log[i] {
        decision.reservations.clear();
        decision.outcome = Outcome::Adopted;
    }
    assert!(matches!(State::replay(&log), Err((at, ApplyError::OutcomeMismatch { .. })) if at == i));
}

#[test]
fn a_decision_dated_before_the_deadline_fails_to_apply() {
    let mut w = World::alliance();
    let id = w.silence();
    let events =
        crate::decide(&w.state, crate::Actor::Scheduler, &Command::CloseAtDeadline { proposal: id }, deadline())
            .expect("due");
    let mut early = events[0].clone();
    if let Event::ProposalDecided { decision, .. } = &mut early {
        decision.decided_at = plus(deadline(), -1);
    }
    let before = w.state.clone();
    assert!(matches!(w.state.apply(&early), Err(ApplyError::OutcomeMismatch { recomputed: None, .. })));
    assert_eq!(w.state, before, "a failed apply changes nothing");
}

#[test]
fn a_second_decision_on_a_decided_proposal_fails_to_apply() {
    let w = busy_world();
    let mut log = w.log.clone();
    let i = decided_index(&log, ProposalId(2));
    log.push(log[i].clone());
    let n = log.len() - 1;
    assert!(matches!(State::replay(&log), Err((at, ApplyError::OutcomeMismatch { .. })) if at == n));
}

#[test]
fn a_position_from_a_non_elector_in_the_log_fails_to_apply() {
    let mut w = World::alliance();
    let id = w.silence();
    let forged = Event::PositionTaken {
        proposal: id,
        member: c("SWE"),
        revision: 1,
        text_hash: w.proposal(id).current().text_hash.clone(),
        stance: Stance::Object,
        text: None,
        at: ts("2024-03-07T10:00:00Z"),
        evidence: None,
        proxy: None,
    };
    let before = w.state.clone();
    assert_eq!(
        w.state.apply(&forged),
        Err(ApplyError::Refused {
            event: "position_taken",
            refusal: Refusal::NotAnElector { member: c("SWE"), proposal: id }
        })
    );
    assert_eq!(w.state, before);
}

#[test]
fn a_position_after_the_deadline_in_the_log_fails_to_apply() {
    let mut w = World::alliance();
    let id = w.silence();
    let late = Event::PositionTaken {
        proposal: id,
        member: c("TUR"),
        revision: 1,
        text_hash: w.proposal(id).current().text_hash.clone(),
        stance: Stance::Object,
        text: None,
        at: deadline(),
        evidence: None,
        proxy: None,
    };
    assert!(matches!(w.state.apply(&late), Err(ApplyError::Refused { refusal: Refusal::DeadlinePassed { .. }, .. })));
}

#[test]
fn a_position_quoting_another_text_fails_to_apply() {
    let mut w = World::alliance();
    let id = w.silence();
    let forged = Event::PositionTaken {
        proposal: id,
        member: c("FRA"),
        revision: 1,
        text_hash: text_hash("a text nobody circulated"),
        stance: Stance::Concur,
        text: None,
        at: plus(t0(), 60),
        evidence: None,
        proxy: None,
    };
    assert!(matches!(w.state.apply(&forged), Err(ApplyError::Inconsistent { event: "position_taken", .. })));
}

#[test]
fn a_forged_electorate_fails_to_apply() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    let mut electorate = electors_on_t0();
    electorate.push(c("SWE"));
    electorate.sort();
    let forged = Event::ProposalCirculated {
        proposal: id,
        revision: 1,
        procedure: Procedure::Silence,
        deadline: deadline(),
        electorate,
        at: t0(),
        marking: None,
        urgent: None,
        rule: None,
    };
    assert!(matches!(w.state.apply(&forged), Err(ApplyError::Inconsistent { event: "proposal_circulated", .. })));
    // Leaving a member out is just as wrong.
    let mut electorate = electors_on_t0();
    electorate.retain(|m| m.as_str() != "HUN");
    let forged = Event::ProposalCirculated {
        proposal: id,
        revision: 1,
        procedure: Procedure::Silence,
        deadline: deadline(),
        electorate,
        at: t0(),
        marking: None,
        urgent: None,
        rule: None,
    };
    assert!(matches!(w.state.apply(&forged), Err(ApplyError::Inconsistent { .. })));
}

#[test]
fn a_drafted_text_with_a_wrong_hash_fails_to_apply() {
    let mut w = World::alliance();
    let forged = Event::ProposalDrafted {
        body: None,
        follows: None,
        proposal: ProposalId(1),
        kind: DecisionKind::Statement,
        significance: crate::Significance::Routine,
        title: "t".into(),
        text: "x".into(),
        text_hash: text_hash("y"),
        at: t0(),
    };
    assert!(matches!(w.state.apply(&forged), Err(ApplyError::Inconsistent { event: "proposal_drafted", .. })));
}

#[test]
fn a_dropped_event_is_detected_on_replay() {
    let w = busy_world();
    // Drop the circulation of proposal 1: its positions no longer follow.
    let i = w
        .log
        .iter()
        .position(|e| matches!(e, Event::ProposalCirculated { proposal: ProposalId(1), .. }))
        .expect("proposal 1 was circulated");
    let mut log = w.log.clone();
    log.remove(i);
    assert!(matches!(State::replay(&log), Err((_, ApplyError::Refused { .. }))));
}

#[test]
fn events_are_tagged_by_their_snake_case_name_in_json() {
    let w = busy_world();
    for e in &w.log {
        let v = serde_json::to_value(e).expect("serialises");
        assert_eq!(v["type"], e.name(), "{v}");
    }
    let v = serde_json::to_value(&w.log[0]).expect("serialises");
    assert_eq!(v["type"], "member_admitted");
    assert_eq!(v["member"]["code"], "BEL");
    assert_eq!(v["member"]["accession"], "1949-08-24");
}

#[test]
fn the_log_round_trips_through_json_and_still_replays() {
    let w = busy_world();
    let json = serde_json::to_string(&w.log).expect("serialises");
    let back: Vec<Event> = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, w.log);
    assert_eq!(State::replay(&back).map_err(|(i, e)| format!("{i}: {e}")), Ok(w.state));
}

#[test]
fn an_event_with_an_unknown_field_is_refused_by_the_parser() {
    let json = r#"{"type":"proposal_withdrawn","proposal":1,"reason":"r","at":"2024-02-27T09:00:00Z","extra":1}"#;
    assert!(serde_json::from_str::<Event>(json).is_err());
}

#[test]
fn an_amendment_of_an_open_proposal_after_its_deadline_in_the_log_fails_to_apply() {
    // Once a silence deadline has passed unbroken the proposal stands adopted; a log that amends
    // and recirculates it instead must not verify, just as `decide` refuses the amendment.
    let mut w = World::alliance();
    let id = w.silence();
    let text = "A text circulated too late";
    let late = Event::ProposalAmended {
        proposal: id,
        revision: 2,
        title: "Late".into(),
        text: text.into(),
        text_hash: text_hash(text),
        at: deadline(),
    };
    let before = w.state.clone();
    assert_eq!(
        w.state.apply(&late),
        Err(ApplyError::Refused {
            event: "proposal_amended",
            refusal: Refusal::DeadlinePassed { deadline: deadline() }
        })
    );
    assert_eq!(w.state, before);
    // The same amendment of a draft has no deadline to miss.
    let draft = w.draft(DecisionKind::Statement, t0());
    let ok = Event::ProposalAmended {
        proposal: draft,
        revision: 2,
        title: "Late".into(),
        text: text.into(),
        text_hash: text_hash(text),
        at: plus(deadline(), DAY),
    };
    w.state.apply(&ok).unwrap_or_else(|e| panic!("{e}"));
}

const DAY: i64 = 86_400;

#[test]
fn a_recirculation_under_another_procedure_in_the_log_fails_to_apply() {
    // `decide` recirculates an amended text under the procedure it was opened with; a log that
    // turns a consensus round into a silence procedure (where silence would be consent) must not
    // verify.
    let mut w = World::alliance();
    let id = w.round();
    let at = plus(t0(), 3600);
    let amend = Command::AmendProposal {
        proposal: id,
        title: None,
        text: "Amended".into(),
        deadline: Some(plus(deadline(), DAY)),
        urgent: None,
    };
    let mut events = crate::decide(&w.state, crate::Actor::Secretariat, &amend, at).expect("amendable");
    assert_eq!(events.len(), 2);
    if let Event::ProposalCirculated { procedure, .. } = &mut events[1] {
        assert_eq!(*procedure, Procedure::ConsensusRound);
        *procedure = Procedure::Silence;
    }
    w.state.apply(&events[0]).unwrap_or_else(|e| panic!("{e}"));
    let before = w.state.clone();
    assert!(matches!(w.state.apply(&events[1]), Err(ApplyError::Inconsistent { event: "proposal_circulated", .. })));
    assert_eq!(w.state, before);
}

#[test]
fn a_log_that_drops_a_decision_and_then_withdraws_the_proposal_fails_to_apply() {
    // The last consent in a round adopts at once. A log that leaves the decision out and
    // withdraws (or amends, or extends) the proposal afterwards hides an adoption.
    let mut w = World::alliance();
    let id = w.round();
    let electors = electors_on_t0();
    for (i, m) in electors[1..].iter().enumerate() {
        w.take(id, m.as_str(), Stance::Concur, plus(t0(), i as i64 + 1));
    }
    let last = position(id, electors[0].as_str(), 1, Stance::Concur);
    let events = crate::decide(&w.state, crate::Actor::Member(electors[0]), &last, plus(t0(), 100)).expect("accepted");
    assert!(matches!(events[1], Event::ProposalDecided { .. }));
    w.state.apply(&events[0]).unwrap_or_else(|e| panic!("{e}"));
    let at = plus(t0(), 200);
    let forged = [
        Event::ProposalWithdrawn { proposal: id, reason: "hidden".into(), at },
        Event::DeadlineExtended { proposal: id, deadline: plus(deadline(), DAY), at },
        Event::DeadlineCurtailed { proposal: id, deadline: plus(at, DAY), at, urgent: None },
        Event::ProposalAmended {
            proposal: id,
            revision: 2,
            title: "t".into(),
            text: "x".into(),
            text_hash: text_hash("x"),
            at,
        },
    ];
    let before = w.state.clone();
    for e in &forged {
        assert!(matches!(w.state.apply(e), Err(ApplyError::Inconsistent { .. })), "{e:?} applied");
        assert_eq!(w.state, before);
    }
    // The decision itself still applies.
    w.state.apply(&events[1]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.proposal(id).status, crate::ProposalStatus::Adopted);
}
