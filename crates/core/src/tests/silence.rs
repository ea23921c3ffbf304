//! Rule 4, the silence procedure: a draft circulated with an exact deadline is adopted when the
//! deadline passes unless an elector breaks silence (objects or proposes an amendment) strictly
//! before it; the first breach ends the procedure at once. Rule 8: deploying forces is never
//! decided by silence.

use super::fixtures::*;
use crate::{Actor, Command, DecisionKind, Event, Outcome, Procedure, ProposalStatus, Refusal, Stance};

#[test]
fn a_silence_deadline_must_be_later_than_circulation() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    for deadline in [t0(), plus(t0(), -1), ts("2024-01-01T00:00:00Z")] {
        let cmd =
            Command::Circulate { proposal: id, procedure: Procedure::Silence, deadline, marking: None, urgent: None };
        assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::DeadlineNotInFuture { deadline, now: t0() });
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::Draft);
    let cmd = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: plus(t0(), 1),
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, &cmd, t0());
    assert_eq!(w.proposal(id).status, ProposalStatus::UnderSilence);
}

#[test]
fn an_objection_strictly_before_the_deadline_blocks_at_once() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "FRA", Stance::Concur, plus(t0(), 60));
    let at = plus(deadline(), -1);
    let events = w.take(id, "TUR", Stance::Object, at);
    assert!(matches!(events[0], Event::PositionTaken { .. }));
    let d = decided(&events).expect("the objection decides at once");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(d.decided_at, at, "blocked at the objection, not at the deadline");
    assert_eq!(who(&d.objections), vec![c("TUR")]);
    assert!(d.concurred_by_silence.is_empty(), "nobody consents by silence to a blocked proposal");
    assert_eq!(who(&d.concurred), vec![c("FRA")]);
    assert_eq!(w.proposal(id).status, ProposalStatus::Blocked);
    assert_eq!(w.state.deadlines().count(), 0, "nothing is left for the scheduler");
}

#[test]
fn a_position_at_the_deadline_is_refused_as_deadline_passed() {
    let mut w = World::alliance();
    let id = w.silence();
    for stance in [Stance::Object, Stance::ProposeAmendment, Stance::Concur, Stance::OptOut] {
        assert_eq!(w.refuse_take(id, "TUR", stance, deadline()), Refusal::DeadlinePassed { deadline: deadline() });
        assert_eq!(
            w.refuse_take(id, "TUR", stance, plus(deadline(), 3600)),
            Refusal::DeadlinePassed { deadline: deadline() }
        );
    }
    // The late objection did not count: at the deadline the proposal is adopted.
    assert_eq!(w.close(id, deadline()).outcome, Outcome::Adopted);
}

#[test]
fn a_proposed_amendment_breaks_silence_and_blocks() {
    let mut w = World::alliance();
    let id = w.silence();
    let at = plus(t0(), 3600);
    let events = w.take(id, "DEU", Stance::ProposeAmendment, at);
    let d = decided(&events).expect("the amendment decides at once");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(d.decided_at, at);
    assert_eq!(d.objections[0].stance, Stance::ProposeAmendment);
    assert!(d.objections[0].text.is_some(), "the amendment's text is kept");
    assert_eq!(w.proposal(id).status, ProposalStatus::Blocked);
}

#[test]
fn when_the_deadline_passes_with_no_breach_the_proposal_is_adopted_and_the_silent_concur_by_silence() {
    let mut w = World::alliance();
    let id = w.silence();
    for (i, m) in ["USA", "GBR", "POL"].iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), 60 * (i as i64 + 1)));
    }
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::Adopted);
    assert_eq!(d.decided_at, deadline());
    assert_eq!(d.procedure, Procedure::Silence);
    assert_eq!(who(&d.concurred), vec![c("USA"), c("GBR"), c("POL")], "in the order they concurred");
    let silent: Vec<_> =
        electors_on_t0().into_iter().filter(|m| !["USA", "GBR", "POL"].contains(&m.as_str())).collect();
    assert_eq!(d.concurred_by_silence, silent);
    assert_eq!(d.concurred_by_silence.len(), 28);
    assert!(d.objections.is_empty() && d.outstanding.is_empty());
    assert_eq!(d.electorate, electors_on_t0());
    assert_eq!(d.revision, 1);
    assert_eq!(d.text_hash, w.proposal(id).current().text_hash);
    assert_eq!(w.proposal(id).status, ProposalStatus::Adopted);
}

#[test]
fn when_every_elector_is_silent_the_proposal_is_adopted_by_silence_alone() {
    let mut w = World::alliance();
    let id = w.silence();
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::Adopted);
    assert!(d.concurred.is_empty());
    assert_eq!(d.concurred_by_silence, electors_on_t0());
}

#[test]
fn concurrences_alone_do_not_end_a_silence_procedure_before_its_deadline() {
    let mut w = World::alliance();
    let id = w.silence();
    for (i, m) in electors_on_t0().iter().enumerate() {
        let events = w.take(id, m.as_str(), Stance::Concur, plus(t0(), i as i64 + 1));
        assert!(decided(&events).is_none(), "silence ends at the deadline, not at the last concurrence");
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::UnderSilence);
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::Adopted);
    assert_eq!(d.concurred.len(), 31);
    assert!(d.concurred_by_silence.is_empty());
}

#[test]
fn closing_before_the_deadline_is_refused_as_not_due() {
    let mut w = World::alliance();
    let id = w.silence();
    let close = Command::CloseAtDeadline { proposal: id };
    for at in [t0(), plus(deadline(), -1)] {
        assert_eq!(w.refuse(Actor::Scheduler, &close, at), Refusal::NotDue { deadline: deadline() });
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::UnderSilence);
}

#[test]
fn a_late_close_decides_as_of_the_deadline() {
    let mut w = World::alliance();
    let id = w.silence();
    // The scheduler was down for a day: the decision is still dated at the deadline.
    let d = w.close(id, plus(deadline(), 86_400));
    assert_eq!(d.decided_at, deadline());
    assert_eq!(d.outcome, Outcome::Adopted);
}

#[test]
fn a_blocked_proposal_cannot_be_closed_or_take_positions() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", Stance::Object, plus(t0(), 60));
    let blocked = Refusal::AlreadyFinal { proposal: id, status: ProposalStatus::Blocked };
    assert_eq!(w.refuse_take(id, "FRA", Stance::Concur, plus(t0(), 120)), blocked);
    assert_eq!(w.refuse_take(id, "HUN", Stance::Concur, plus(t0(), 120)), blocked, "an objection is not retracted");
    assert_eq!(w.refuse(Actor::Scheduler, &Command::CloseAtDeadline { proposal: id }, deadline()), blocked);
}

#[test]
fn an_elector_may_turn_a_concurrence_into_an_objection_before_the_deadline() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", Stance::Concur, plus(t0(), 60));
    let events = w.take(id, "HUN", Stance::Object, plus(t0(), 120));
    let d = decided(&events).expect("blocked");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert!(d.concurred.is_empty(), "only the latest position counts");
}

#[test]
fn deploying_forces_may_not_use_the_silence_procedure() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::DeployForces, t0());
    let cmd = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    assert_eq!(
        w.refuse(Actor::Secretariat, &cmd, t0()),
        Refusal::SilenceNotAllowed { kind: DecisionKind::DeployForces }
    );
    assert_eq!(w.proposal(id).status, ProposalStatus::Draft);
    let cmd = Command::Circulate {
        proposal: id,
        procedure: Procedure::ConsensusRound,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, &cmd, t0());
    assert_eq!(w.proposal(id).status, ProposalStatus::ConsensusRound);
}

#[test]
fn every_kind_but_deploying_forces_may_use_the_silence_procedure() {
    use DecisionKind::*;
    let mut w = World::alliance();
    for kind in
        [AssistanceProgramme, FundPolicy, Enlargement, CommandOrMission, BurdenSharingPledge, Statement, Routine]
    {
        let id = w.open(kind, Procedure::Silence, t0(), deadline());
        assert_eq!(w.proposal(id).status, ProposalStatus::UnderSilence, "{kind:?}");
    }
}
