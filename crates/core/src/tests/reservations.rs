//! Rule 5, reservations and opt-outs never block: a reservation or interpretative statement is
//! published with the decision; a constructive abstention excuses the member, for the kinds of
//! decision that commit resources. And `Decision::explain`, the sentence a person reads.

use super::fixtures::*;
use crate::{Actor, Command, DecisionKind, Outcome, Procedure, Refusal, Stance};

#[test]
fn a_reservation_under_silence_gives_adopted_with_reservations_published_in_the_decision() {
    let mut w = World::alliance();
    let id = w.silence();
    let text = "Denmark concurs on the understanding that no personnel are deployed.";
    let cmd = Command::TakePosition {
        proposal: id,
        member: c("DNK"),
        revision: 1,
        stance: Stance::ConcurWithReservation,
        text: Some(text.into()),
        evidence: None,
    };
    let events = w.run(Actor::Member(c("DNK")), &cmd, plus(t0(), 60));
    assert!(decided(&events).is_none(), "a reservation does not break silence");
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::AdoptedWithReservations);
    assert_eq!(d.reservations.len(), 1);
    assert_eq!(d.reservations[0].member, c("DNK"));
    assert_eq!(d.reservations[0].text.as_deref(), Some(text));
    assert_eq!(who(&d.concurred), vec![c("DNK")], "a reservation is a concurrence");
    assert_eq!(d.concurred_by_silence.len(), 30);
    let why = d.explain();
    assert!(why.contains("Reservations from DNK"), "{why}");
}

#[test]
fn an_opt_out_does_not_block_and_is_recorded_apart_from_the_concurrences() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", Stance::OptOut, plus(t0(), 60));
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::Adopted, "an opt-out is not a reservation");
    assert_eq!(who(&d.opt_outs), vec![c("HUN")]);
    assert!(!d.concurred_by_silence.contains(&c("HUN")), "an opted-out member did not concur by silence");
    assert!(d.concurred.is_empty());
    assert_eq!(d.concurred_by_silence.len(), 30);
    let why = d.explain();
    assert!(why.contains("1 opted out (HUN)"), "{why}");
}

#[test]
fn many_reservations_and_opt_outs_still_never_block() {
    let mut w = World::alliance();
    let id = w.silence();
    let electors = electors_on_t0();
    for (i, m) in electors.iter().enumerate() {
        let stance = if i % 2 == 0 { Stance::OptOut } else { Stance::ConcurWithReservation };
        assert!(decided(&w.take(id, m.as_str(), stance, plus(t0(), i as i64 + 1))).is_none());
    }
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::AdoptedWithReservations);
    assert_eq!(d.opt_outs.len(), 16);
    assert_eq!(d.reservations.len(), 15);
}

#[test]
fn opting_out_is_refused_for_deployments_enlargements_statements_and_routine_business() {
    use DecisionKind::*;
    let mut w = World::alliance();
    for kind in [DeployForces, Enlargement, Statement, Routine] {
        let id = w.open(kind, Procedure::ConsensusRound, t0(), deadline());
        assert_eq!(w.refuse_take(id, "HUN", Stance::OptOut, plus(t0(), 60)), Refusal::OptOutNotAllowed { kind });
        assert!(w.proposal(id).positions.is_empty());
        // A reservation is the way to disagree without blocking.
        w.take(id, "HUN", Stance::ConcurWithReservation, plus(t0(), 120));
    }
}

#[test]
fn opting_out_is_allowed_for_decisions_that_commit_resources() {
    use DecisionKind::*;
    let mut w = World::alliance();
    for kind in [AssistanceProgramme, FundPolicy, CommandOrMission, BurdenSharingPledge] {
        let id = w.open(kind, Procedure::Silence, t0(), deadline());
        w.take(id, "HUN", Stance::OptOut, plus(t0(), 60));
        assert_eq!(w.close(id, deadline()).opt_outs.len(), 1, "{kind:?}");
    }
}

#[test]
fn a_reservation_or_a_proposed_amendment_needs_its_text() {
    let mut w = World::alliance();
    let id = w.silence();
    for stance in [Stance::ConcurWithReservation, Stance::ProposeAmendment] {
        let cmd =
            Command::TakePosition { proposal: id, member: c("DNK"), revision: 1, stance, text: None, evidence: None };
        assert_eq!(w.refuse(Actor::Member(c("DNK")), &cmd, plus(t0(), 60)), Refusal::TextRequired { stance });
        let cmd = Command::TakePosition {
            proposal: id,
            member: c("DNK"),
            revision: 1,
            stance,
            text: Some(" \n".into()),
            evidence: None,
        };
        assert!(matches!(
            w.refuse(Actor::Member(c("DNK")), &cmd, plus(t0(), 60)),
            Refusal::Invalid { field: "text", .. }
        ));
    }
}

/// DNK's reservation with `text` on revision 1 of `id`, refused as DNK's.
fn refused_reservation(w: &mut World, id: crate::ProposalId, text: String) -> Refusal {
    let cmd = Command::TakePosition {
        proposal: id,
        member: c("DNK"),
        revision: 1,
        stance: Stance::ConcurWithReservation,
        text: Some(text),
        evidence: None,
    };
    w.refuse(Actor::Member(c("DNK")), &cmd, plus(t0(), 60))
}

#[test]
fn an_overlong_statement_is_refused() {
    let mut w = World::alliance();
    let id = w.silence();
    let r = refused_reservation(&mut w, id, "x".repeat(crate::MAX_STATEMENT + 1));
    assert!(matches!(r, Refusal::Invalid { field: "text", .. }), "{r:?}");
}

#[test]
fn the_explanation_of_a_blocked_decision_names_who_objected() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "FRA", Stance::Concur, plus(t0(), 60));
    w.take(id, "TUR", Stance::Object, plus(t0(), 120));
    let why = w.decision(id).explain();
    assert!(why.contains("TUR objected"), "{why}");
    assert!(!why.contains("FRA"), "{why}");
}

#[test]
fn the_explanation_of_a_broken_silence_says_an_amendment_was_proposed() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "DEU", Stance::ProposeAmendment, plus(t0(), 60));
    let why = w.decision(id).explain();
    assert!(why.contains("DEU proposed an amendment"), "{why}");
}

#[test]
fn the_explanation_of_a_blocked_round_names_the_objector_not_an_earlier_amendment() {
    let mut w = World::alliance();
    let id = w.round();
    // In a round a proposed amendment does not block; the objection that followed did.
    w.take(id, "DEU", Stance::ProposeAmendment, plus(t0(), 60));
    w.take(id, "TUR", Stance::Object, plus(t0(), 120));
    let d = w.decision(id);
    assert_eq!(who(&d.objections), vec![c("DEU"), c("TUR")], "both are recorded");
    let why = d.explain();
    assert!(why.contains("TUR objected"), "{why}");
    assert!(!why.contains("breaking silence"), "there is no silence to break in a round: {why}");
}

#[test]
fn the_explanation_of_an_adoption_counts_silent_and_explicit_concurrences() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "NOR", Stance::Concur, plus(t0(), 60));
    let why = w.close(id, deadline()).explain();
    assert!(why.contains("30 of 31 electors concurred by silence, 1 explicitly"), "{why}");
}

#[test]
fn a_reservation_cannot_carry_terminal_escapes() {
    let mut w = World::alliance();
    let id = w.silence();
    // Would print, in another delegation's terminal, a line saying FRA objected.
    let r = refused_reservation(&mut w, id, "ok\r\x1b[2K    FRA  object at 2024-02-27T10:00:00Z".into());
    assert!(matches!(&r, Refusal::Invalid { field: "text", reason } if reason.contains("U+000D")), "{r:?}");
}
