//! A decision that needs another's first (issue 15): a draft names the proposal it follows and
//! is circulated only once that one is adopted; it may follow only a decision that everyone who
//! reads it may read, to no wider audience than that decision's; replay holds to the same.

use super::bodies::establish;
use super::fixtures::*;
use crate::decision_rule::Rule;
use crate::{
    Actor, ApplyError, BodyId, Command, DecisionKind, Marking, Procedure, ProposalId, ProposalStatus, Refusal, Roster,
};

fn draft(body: Option<&str>, follows: Option<ProposalId>, kind: DecisionKind) -> Command {
    Command::DraftProposal {
        body: body.map(|b| BodyId::parse(b).unwrap()),
        follows,
        kind,
        significance: None,
        title: "A decision".into(),
        text: "The alliance decides.".into(),
    }
}

fn circulate(proposal: ProposalId, marking: Option<Marking>) -> Command {
    Command::Circulate { proposal, procedure: Procedure::Silence, deadline: deadline(), marking, urgent: None }
}

/// The alliance with `body` established (every member, consensus), and a proposal of kind
/// `kind` drafted in it.
fn with_committee(body: &str, roster: Roster, kind: DecisionKind) -> (World, ProposalId) {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &establish(body, roster, Rule::Consensus), t0());
    let id = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some(body), None, kind), t0());
    (w, id)
}

#[test]
fn a_proposal_following_another_is_circulated_only_once_that_one_is_adopted() {
    let (mut w, advice) =
        with_committee("mc", Roster::AllMembers { except: Vec::new() }, DecisionKind::CommandOrMission);
    let endorsement = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(None, Some(advice), DecisionKind::CommandOrMission), t0());
    assert_eq!(w.proposal(endorsement).follows, Some(advice));
    let early = w.refuse(Actor::Secretariat, &circulate(endorsement, None), t0());
    assert_eq!(early, Refusal::PriorNotAdopted { proposal: endorsement, prior: advice, status: ProposalStatus::Draft });

    let round = Command::Circulate {
        proposal: advice,
        procedure: Procedure::ConsensusRound,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, &round, t0());
    for m in electors_on_t0() {
        w.take(advice, m.as_str(), crate::Stance::Concur, plus(t0(), 60));
    }
    assert_eq!(w.proposal(advice).status, ProposalStatus::Adopted);

    // Replaying the endorsement's circulation on a state where the advice was not adopted fails.
    let before = w.state.clone();
    let events = w.run(Actor::Secretariat, &circulate(endorsement, None), plus(t0(), 120));
    let mut not_adopted = before;
    let p = not_adopted.proposals.get_mut(&advice).unwrap();
    p.status = ProposalStatus::Blocked;
    let refused = not_adopted.apply(&events[0]);
    assert!(
        matches!(refused, Err(ApplyError::Refused { refusal: Refusal::PriorNotAdopted { .. }, .. })),
        "{refused:?}"
    );
}

#[test]
fn a_proposal_follows_only_a_decision_all_its_readers_may_read() {
    // France sits in the Council but not in the Nuclear Planning Group.
    let npg = Roster::AllMembers { except: vec![c("FRA")] };
    let (mut w, npg_decision) = with_committee("npg", npg, DecisionKind::Statement);
    let refused = w.refuse(Actor::Secretariat, &draft(None, Some(npg_decision), DecisionKind::Statement), t0());
    assert!(matches!(&refused, Refusal::Invalid { field: "follows", reason } if reason.contains("FRA")), "{refused}");

    // The Council may follow the NATO-Ukraine Council (the allies and Ukraine), not the reverse.
    let nuc = Roster::WithPartners { except: Vec::new(), partners: vec![c("UKR")] };
    w.run(Actor::Secretariat, &establish("nuc", nuc, Rule::Consensus), t0());
    let joint = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some("nuc"), None, DecisionKind::Statement), t0());
    w.run(Actor::Secretariat, &draft(None, Some(joint), DecisionKind::Statement), t0());
    let council = w.draft(DecisionKind::Statement, t0());
    let refused = w.refuse(Actor::Secretariat, &draft(Some("nuc"), Some(council), DecisionKind::Statement), t0());
    assert!(matches!(&refused, Refusal::Invalid { field: "follows", reason } if reason.contains("UKR")), "{refused}");

    let nowhere = w.refuse(Actor::Secretariat, &draft(None, Some(ProposalId(99)), DecisionKind::Statement), t0());
    assert!(matches!(nowhere, Refusal::Invalid { field: "follows", .. }));
    w.run(Actor::Secretariat, &Command::Withdraw { proposal: council, reason: "Overtaken".into() }, t0());
    let withdrawn = w.refuse(Actor::Secretariat, &draft(None, Some(council), DecisionKind::Statement), t0());
    assert!(matches!(withdrawn, Refusal::Invalid { field: "follows", .. }));
}

#[test]
fn a_proposal_goes_no_wider_than_the_decision_it_follows() {
    // A mission adopted by the members stays with them: what follows it may not go to Ukraine.
    let mut w = World::alliance();
    let mission = w.open(DecisionKind::CommandOrMission, Procedure::ConsensusRound, t0(), deadline());
    for m in electors_on_t0() {
        w.take(mission, m.as_str(), crate::Stance::Concur, plus(t0(), 60));
    }
    let next = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(None, Some(mission), DecisionKind::Statement), t0());
    let to_ukraine = circulate(next, Some(Marking::MembersAndPartner(c("UKR"))));
    let refused = w.refuse(Actor::Secretariat, &to_ukraine, plus(t0(), 120));
    assert!(
        matches!(&refused, Refusal::Invalid { field: "marking", reason } if reason.contains("follows")),
        "{refused}"
    );
    w.run(Actor::Secretariat, &circulate(next, None), plus(t0(), 120));
}
