//! A proposal's life: drafted, amended, circulated, its deadline extended or curtailed, withdrawn,
//! decided. A decided or withdrawn proposal never changes again.

use std::sync::Arc;

use super::fixtures::*;
use crate::{
    Actor, Command, DecisionKind, Outcome, Procedure, ProposalId, ProposalStatus, Refusal, Significance, Stance,
    text_hash,
};

fn amend(proposal: ProposalId, text: &str, deadline: Option<jiff::Timestamp>) -> Command {
    Command::AmendProposal { proposal, title: None, text: text.into(), deadline, urgent: None }
}

#[test]
fn drafting_numbers_proposals_in_order_and_hashes_their_text() {
    let mut w = World::alliance();
    let a = w.draft(DecisionKind::Statement, t0());
    let b = w.draft(DecisionKind::Routine, t0());
    assert_eq!((a, b), (ProposalId(1), ProposalId(2)));
    let p = w.proposal(a);
    assert_eq!(p.status, ProposalStatus::Draft);
    assert_eq!(p.revisions.len(), 1);
    assert_eq!(p.current().text_hash, text_hash(&p.current().text));
    assert_eq!(p.current().text_hash.len(), 64);
    assert!(p.circulation.is_none() && p.electorate().is_empty());
}

#[test]
fn an_always_significant_kind_cannot_be_marked_routine() {
    use DecisionKind::*;
    let mut w = World::alliance();
    for kind in [DeployForces, AssistanceProgramme, FundPolicy, Enlargement, CommandOrMission, BurdenSharingPledge] {
        let cmd = Command::DraftProposal {
            body: None,
            follows: None,
            kind,
            significance: Some(Significance::Routine),
            title: "t".into(),
            text: "x".into(),
        };
        assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::SignificanceMismatch { kind });
        let id = w.draft(kind, t0());
        assert_eq!(w.proposal(id).significance, Significance::Significant, "{kind:?} defaults to significant");
    }
}

#[test]
fn statements_and_routine_business_default_to_routine_and_may_be_marked_significant() {
    let mut w = World::alliance();
    for kind in [DecisionKind::Statement, DecisionKind::Routine] {
        let id = w.draft(kind, t0());
        assert_eq!(w.proposal(id).significance, Significance::Routine);
        let cmd = Command::DraftProposal {
            body: None,
            follows: None,
            kind,
            significance: Some(Significance::Significant),
            title: "t".into(),
            text: "x".into(),
        };
        w.run(Actor::Secretariat, &cmd, t0());
    }
}

#[test]
fn a_draft_needs_a_title_and_a_text_of_bounded_length() {
    let mut w = World::alliance();
    let draft = |title: String, text: String| Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title,
        text,
    };
    for (cmd, field) in [
        (draft(String::new(), "x".into()), "title"),
        (draft("t".into(), "   ".into()), "text"),
        (draft("t".repeat(crate::MAX_TITLE + 1), "x".into()), "title"),
        (draft("t".into(), "x".repeat(crate::MAX_TEXT + 1)), "text"),
        // Control characters other than newline and tab could rewrite what a terminal shows.
        (draft("t\x1b[2J".into(), "x".into()), "title"),
        (draft("t".into(), "line\rforged".into()), "text"),
        (draft("t".into(), "bell\x07".into()), "text"),
        (draft("t".into(), "c1\u{9b}31m".into()), "text"),
        (draft("t".into(), "nul\0".into()), "text"),
    ] {
        match w.refuse(Actor::Secretariat, &cmd, t0()) {
            Refusal::Invalid { field: f, .. } => assert_eq!(f, field),
            other => panic!("expected an invalid {field}, got {other:?}"),
        }
    }
    w.run(Actor::Secretariat, &draft("t".repeat(crate::MAX_TITLE), "x".into()), t0());
    // Newlines and tabs are text.
    w.run(Actor::Secretariat, &draft("t".into(), "1.\tfirst\n2.\tsecond\n".into()), t0());
}

#[test]
fn amending_a_draft_adds_a_revision_without_circulating_it() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    let events = w.run(Actor::Secretariat, &amend(id, "Second text", None), plus(t0(), 60));
    assert_eq!(events.len(), 1);
    let p = w.proposal(id);
    assert_eq!(p.status, ProposalStatus::Draft);
    assert_eq!(p.current().number, 2);
    assert_eq!(p.current().text, "Second text");
    assert_eq!(p.current().title, p.revisions[0].title, "the title is kept unless given");
    assert_eq!(p.current().text_hash, text_hash("Second text"));
}

#[test]
fn amending_an_open_proposal_recirculates_it_and_clears_the_positions_on_the_old_text() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "FRA", Stance::Concur, plus(t0(), 60));
    w.take(id, "ITA", Stance::OptOut, plus(t0(), 61));
    assert_eq!(w.proposal(id).positions.len(), 2);
    let at = plus(t0(), 3600);
    let new_deadline = ts("2024-03-15T12:00:00Z");
    let events = w.run(Actor::Secretariat, &amend(id, "Amended text", Some(new_deadline)), at);
    assert_eq!(events.len(), 2, "amended, then circulated again");
    let p = w.proposal(id);
    assert!(p.positions.is_empty(), "positions are bound to a text");
    assert_eq!(p.status, ProposalStatus::UnderSilence);
    let circ = p.circulation.as_ref().expect("circulated");
    assert_eq!((circ.revision, circ.deadline, circ.procedure), (2, new_deadline, Procedure::Silence));
    // FRA's concurrence on revision 1 is stale now.
    let stale = crate::tests::fixtures::position(id, "FRA", 1, Stance::Concur);
    assert_eq!(
        w.refuse(Actor::Member(c("FRA")), &stale, plus(at, 60)),
        Refusal::StaleRevision { given: 1, current: 2 }
    );
    w.take(id, "FRA", Stance::Concur, plus(at, 60));
    let d = w.close(id, new_deadline);
    assert_eq!(d.revision, 2);
    assert_eq!(d.text_hash, text_hash("Amended text"));
    assert_eq!(who(&d.concurred), vec![c("FRA")]);
    assert!(d.opt_outs.is_empty(), "ITA's opt-out was on the old text");
}

#[test]
fn amending_an_open_proposal_needs_a_new_deadline_in_the_future_before_the_old_one_passes() {
    let mut w = World::alliance();
    let id = w.silence();
    let at = plus(t0(), 60);
    assert_eq!(w.refuse(Actor::Secretariat, &amend(id, "x", None), at), Refusal::DeadlineRequired);
    assert_eq!(
        w.refuse(Actor::Secretariat, &amend(id, "x", Some(at)), at),
        Refusal::DeadlineNotInFuture { deadline: at, now: at }
    );
    let later = Some(plus(deadline(), 86_400));
    assert_eq!(
        w.refuse(Actor::Secretariat, &amend(id, "x", later), deadline()),
        Refusal::DeadlinePassed { deadline: deadline() }
    );
    assert_eq!(w.revision(id), 1);
}

#[test]
fn a_position_on_a_revision_other_than_the_current_one_is_refused() {
    let mut w = World::alliance();
    let id = w.silence();
    for given in [0, 2, 7] {
        let cmd = position(id, "FRA", given, Stance::Concur);
        assert_eq!(
            w.refuse(Actor::Member(c("FRA")), &cmd, plus(t0(), 60)),
            Refusal::StaleRevision { given, current: 1 }
        );
    }
}

#[test]
fn a_proposal_is_circulated_once_and_only_as_a_draft() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = Command::Circulate {
        proposal: id,
        procedure: Procedure::ConsensusRound,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    assert_eq!(
        w.refuse(Actor::Secretariat, &cmd, plus(t0(), 60)),
        Refusal::NotADraft { proposal: id, status: ProposalStatus::UnderSilence }
    );
}

#[test]
fn positions_on_a_draft_are_refused_as_not_open() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    assert_eq!(
        w.refuse_take(id, "FRA", Stance::Concur, t0()),
        Refusal::NotOpen { proposal: id, status: ProposalStatus::Draft }
    );
    let close = Command::CloseAtDeadline { proposal: id };
    assert_eq!(
        w.refuse(Actor::Scheduler, &close, deadline()),
        Refusal::NotOpen { proposal: id, status: ProposalStatus::Draft }
    );
}

#[test]
fn an_extension_must_make_the_deadline_later() {
    let mut w = World::alliance();
    let id = w.silence();
    let at = plus(t0(), 60);
    for requested in [deadline(), plus(deadline(), -1)] {
        let cmd = Command::ExtendDeadline { proposal: id, deadline: requested };
        assert_eq!(w.refuse(Actor::Secretariat, &cmd, at), Refusal::NotAnExtension { current: deadline(), requested });
    }
    let later = plus(deadline(), 86_400);
    w.run(Actor::Secretariat, &Command::ExtendDeadline { proposal: id, deadline: later }, at);
    assert_eq!(w.proposal(id).circulation.as_ref().map(|c| c.deadline), Some(later));
    // A position at the old deadline is now in time.
    w.take(id, "FRA", Stance::Concur, deadline());
}

#[test]
fn an_extension_comes_before_the_deadline_passes() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = Command::ExtendDeadline { proposal: id, deadline: plus(deadline(), 86_400) };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, deadline()), Refusal::DeadlinePassed { deadline: deadline() });
}

#[test]
fn a_curtailment_must_make_the_deadline_earlier_and_still_in_the_future() {
    let mut w = World::alliance();
    let id = w.silence();
    let at = ts("2024-03-01T12:00:00Z");
    for requested in [deadline(), plus(deadline(), 1)] {
        let cmd = Command::CurtailDeadline { proposal: id, deadline: requested, urgent: None };
        assert_eq!(w.refuse(Actor::Secretariat, &cmd, at), Refusal::NotACurtailment { current: deadline(), requested });
    }
    for requested in [at, plus(at, -3600)] {
        let cmd = Command::CurtailDeadline { proposal: id, deadline: requested, urgent: None };
        assert_eq!(
            w.refuse(Actor::Secretariat, &cmd, at),
            Refusal::DeadlineNotInFuture { deadline: requested, now: at }
        );
    }
    let sooner = ts("2024-03-02T12:00:00Z");
    w.run(Actor::Secretariat, &Command::CurtailDeadline { proposal: id, deadline: sooner, urgent: None }, at);
    assert_eq!(w.refuse_take(id, "FRA", Stance::Object, sooner), Refusal::DeadlinePassed { deadline: sooner });
    assert_eq!(w.close(id, sooner).outcome, Outcome::Adopted);
}

#[test]
fn a_deadline_change_needs_an_open_proposal() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    let cmd = Command::ExtendDeadline { proposal: id, deadline: deadline() };
    assert_eq!(
        w.refuse(Actor::Secretariat, &cmd, t0()),
        Refusal::NotOpen { proposal: id, status: ProposalStatus::Draft }
    );
}

#[test]
fn a_draft_or_an_open_proposal_can_be_withdrawn_with_a_reason() {
    let mut w = World::alliance();
    let draft = w.draft(DecisionKind::Statement, t0());
    let open = w.silence();
    w.take(open, "FRA", Stance::Concur, plus(t0(), 30));
    for id in [draft, open] {
        let at = plus(t0(), 60);
        let blank = Command::Withdraw { proposal: id, reason: " ".into() };
        assert!(matches!(w.refuse(Actor::Secretariat, &blank, at), Refusal::Invalid { field: "reason", .. }));
        let cmd = Command::Withdraw { proposal: id, reason: "Overtaken by events".into() };
        w.run(Actor::Secretariat, &cmd, at);
        let p = w.proposal(id);
        assert_eq!(p.status, ProposalStatus::Withdrawn);
        assert_eq!(p.withdrawal.as_ref().map(|x| (x.at, x.reason.as_str())), Some((at, "Overtaken by events")));
        assert!(p.decision.is_none(), "a withdrawal is not a decision");
    }
    assert_eq!(w.state.deadlines().count(), 0);
}

#[test]
fn an_open_proposal_cannot_be_withdrawn_once_its_deadline_has_come() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = Command::Withdraw { proposal: id, reason: "Too late".into() };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, deadline()), Refusal::DeadlinePassed { deadline: deadline() });
}

/// Every command that would change proposal `id`, with the actor who may give it.
fn every_change(id: ProposalId, rev: u32) -> Vec<(Actor, Command)> {
    vec![
        (Actor::Secretariat, amend(id, "x", Some(plus(deadline(), 86_400)))),
        (Actor::Secretariat, amend(id, "x", None)),
        (Actor::Secretariat, Command::Withdraw { proposal: id, reason: "r".into() }),
        (Actor::Secretariat, Command::ExtendDeadline { proposal: id, deadline: plus(deadline(), 86_400) }),
        (Actor::Secretariat, Command::CurtailDeadline { proposal: id, deadline: plus(t0(), 7200), urgent: None }),
        (
            Actor::Secretariat,
            Command::Circulate {
                proposal: id,
                procedure: Procedure::Silence,
                deadline: deadline(),
                marking: None,
                urgent: None,
            },
        ),
        (Actor::Member(c("FRA")), position(id, "FRA", rev, Stance::Concur)),
        (Actor::Member(c("FRA")), position(id, "FRA", rev, Stance::Object)),
        (Actor::Scheduler, Command::CloseAtDeadline { proposal: id }),
    ]
}

#[test]
fn a_decided_proposal_never_changes() {
    let mut w = World::alliance();
    let blocked = w.silence();
    w.take(blocked, "TUR", Stance::Object, plus(t0(), 60));
    let adopted = w.round();
    for (i, m) in electors_on_t0().iter().enumerate() {
        w.take(adopted, m.as_str(), Stance::Concur, plus(t0(), i as i64 + 100));
    }
    let not_adopted = w.round();
    w.close(not_adopted, deadline());
    for (id, status) in [
        (blocked, ProposalStatus::Blocked),
        (adopted, ProposalStatus::Adopted),
        (not_adopted, ProposalStatus::NotAdopted),
    ] {
        assert_eq!(w.proposal(id).status, status);
        let before = w.proposal(id).clone();
        for (actor, cmd) in every_change(id, w.revision(id)) {
            for at in [plus(t0(), 3600), plus(deadline(), 3600)] {
                assert_eq!(w.refuse(actor, &cmd, at), Refusal::AlreadyFinal { proposal: id, status }, "{cmd:?}");
            }
        }
        assert_eq!(*w.proposal(id), before);
    }
}

#[test]
fn a_withdrawn_proposal_never_changes() {
    let mut w = World::alliance();
    let id = w.silence();
    w.run(Actor::Secretariat, &Command::Withdraw { proposal: id, reason: "r".into() }, plus(t0(), 60));
    let status = ProposalStatus::Withdrawn;
    for (actor, cmd) in every_change(id, w.revision(id)) {
        assert_eq!(w.refuse(actor, &cmd, plus(t0(), 3600)), Refusal::AlreadyFinal { proposal: id, status }, "{cmd:?}");
    }
}

#[test]
fn commands_on_an_unknown_proposal_are_refused() {
    let mut w = World::alliance();
    w.draft(DecisionKind::Statement, t0());
    let id = ProposalId(42);
    for (actor, cmd) in every_change(id, 1) {
        assert_eq!(w.refuse(actor, &cmd, t0()), Refusal::UnknownProposal { proposal: id }, "{cmd:?}");
    }
}

#[test]
fn nothing_is_decided_on_an_amended_text_before_it_is_circulated_again() {
    // The live path amends an open proposal and circulates it again in one command; a forger's
    // log that amends it and then adopts the new text at the deadline, never circulated, is
    // refused on replay.
    let mut w = World::alliance();
    let p = w.silence();
    let text = "A revised text nobody was given.";
    let amended = crate::Event::ProposalAmended {
        proposal: p,
        revision: 2,
        title: w.proposal(p).current().title.clone(),
        text: text.into(),
        text_hash: text_hash(text),
        at: plus(t0(), 60),
    };
    let mut forged = w.log.clone();
    forged.push(amended.clone());
    w.state.apply(&amended).unwrap();
    assert!(crate::evaluate(w.proposal(p), deadline()).is_none(), "nothing to decide at the deadline");
    let close = Command::CloseAtDeadline { proposal: p };
    assert_eq!(w.refuse(Actor::Scheduler, &close, deadline()).code(), "not-open");
    // The decision the forger claims: revision 2, everyone concurring by silence.
    let mut claimed = w.clone();
    Arc::make_mut(claimed.state.proposals.get_mut(&p).unwrap()).circulation.as_mut().unwrap().revision = 2;
    let decision = crate::evaluate(claimed.proposal(p), deadline()).expect("as if circulated");
    assert_eq!((decision.revision, decision.outcome), (2, Outcome::Adopted));
    forged.push(crate::Event::ProposalDecided { proposal: p, decision });
    assert!(crate::State::replay(&forged).is_err(), "a decision on a text never circulated");
}
