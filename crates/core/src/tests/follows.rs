//! A decision that needs another's first (issue 15): a draft names the principal body's proposal
//! it follows and opens a procedure only once that one is adopted; it reaches no reader the
//! earlier decision is not released to; replay holds to the same, and an amended text circulated
//! again in an open procedure rests on the decision its opening did.

use std::sync::Arc;

use super::bodies::establish;
use super::fixtures::*;
use crate::decision_rule::Rule;
use crate::{
    Actor, ApplyError, BodyId, Command, DecisionKind, Marking, Procedure, ProposalId, ProposalStatus, Reader, Refusal,
    Roster, Stance,
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

fn round(proposal: ProposalId, marking: Option<Marking>) -> Command {
    Command::Circulate { proposal, procedure: Procedure::ConsensusRound, deadline: deadline(), marking, urgent: None }
}

/// Every elector on [`t0`] concurs with `id`, which is then adopted.
fn adopt(w: &mut World, id: ProposalId) {
    for m in electors_on_t0() {
        w.take(id, m.as_str(), Stance::Concur, plus(t0(), 60));
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::Adopted);
}

/// The alliance with the Military Committee (every member) and the NATO-Ukraine Council.
fn alliance_with_bodies() -> World {
    let mut w = World::alliance();
    let mc = Roster::AllMembers { except: Vec::new() };
    w.run(Actor::Secretariat, &establish("mc", mc, Rule::Consensus), t0());
    let nuc = Roster::WithPartners { except: Vec::new(), partners: vec![c("UKR")] };
    w.run(Actor::Secretariat, &establish("nuc", nuc, Rule::Consensus), t0());
    w
}

#[test]
fn a_proposal_following_another_opens_only_once_that_one_is_adopted() {
    let mut w = alliance_with_bodies();
    let mission = w.draft(DecisionKind::CommandOrMission, t0());
    let held = w.refuse(Actor::Secretariat, &draft(Some("mc"), Some(mission), DecisionKind::CommandOrMission), t0());
    assert!(matches!(&held, Refusal::Invalid { field: "follows", reason } if reason.contains("a draft")), "{held}");
    w.run(Actor::Secretariat, &round(mission, None), t0());
    let plan = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some("mc"), Some(mission), DecisionKind::CommandOrMission), t0());
    assert_eq!(w.proposal(plan).follows, Some(mission));
    let early = w.refuse(Actor::Secretariat, &round(plan, None), t0());
    let status = ProposalStatus::ConsensusRound;
    assert_eq!(early, Refusal::PriorNotAdopted { proposal: plan, prior: mission, status });

    adopt(&mut w, mission);
    // Replaying the plan's circulation on a state where the mission was blocked fails.
    let before = w.state.clone();
    let events = w.run(Actor::Secretariat, &round(plan, None), plus(t0(), 120));
    let mut blocked = before;
    Arc::make_mut(blocked.proposals.get_mut(&mission).unwrap()).status = ProposalStatus::Blocked;
    let refused = blocked.apply(&events[0]);
    assert!(
        matches!(refused, Err(ApplyError::Refused { refusal: Refusal::PriorNotAdopted { .. }, .. })),
        "{refused:?}"
    );

    // An amended text circulated again in the open procedure rests on the decision its opening
    // did: neither decide nor apply asks again, even of a state where that decision would no
    // longer do (a forged one: an adoption is final).
    Arc::make_mut(w.state.proposals.get_mut(&mission).unwrap()).status = ProposalStatus::Blocked;
    let amend = Command::AmendProposal {
        proposal: plan,
        title: None,
        text: "The committee plans, revised.".into(),
        deadline: Some(deadline()),
        urgent: None,
    };
    w.run(Actor::Secretariat, &amend, ts("2024-03-07T09:00:00Z"));
    assert_eq!(w.proposal(plan).status, ProposalStatus::ConsensusRound);
}

#[test]
fn a_proposal_follows_only_a_principal_body_decision_there_is() {
    let mut w = alliance_with_bodies();
    let in_mc = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some("mc"), None, DecisionKind::Statement), t0());
    let refused = w.refuse(Actor::Secretariat, &draft(None, Some(in_mc), DecisionKind::Statement), t0());
    assert!(matches!(&refused, Refusal::Invalid { field: "follows", reason } if reason.contains("mc's")), "{refused}");
    let nowhere = w.refuse(Actor::Secretariat, &draft(None, Some(ProposalId(99)), DecisionKind::Statement), t0());
    assert!(matches!(nowhere, Refusal::Invalid { field: "follows", .. }));
    let council = w.draft(DecisionKind::Statement, t0());
    w.run(Actor::Secretariat, &Command::Withdraw { proposal: council, reason: "Overtaken".into() }, t0());
    let withdrawn = w.refuse(Actor::Secretariat, &draft(None, Some(council), DecisionKind::Statement), t0());
    assert!(matches!(withdrawn, Refusal::Invalid { field: "follows", .. }));
}

/// What follows a decision reaches nobody that decision was not released to: not a wider
/// audience, not a partner taking part in the body, not the public that an announced kind
/// reaches once adopted. A decision the public reads may be followed anywhere.
#[test]
fn a_proposal_reaches_no_reader_the_decision_it_follows_is_not_released_to() {
    let mut w = alliance_with_bodies();
    let mission = w.open(DecisionKind::CommandOrMission, Procedure::ConsensusRound, t0(), deadline());
    adopt(&mut w, mission);
    assert_eq!(w.state.proposal_marking(w.proposal(mission)), Marking::Members, "a mission stays with the members");
    let at = plus(t0(), 120);
    let refuses = |w: &mut World, body: Option<&str>, kind, marking| {
        let id = w.state.next_proposal_id();
        w.run(Actor::Secretariat, &draft(body, Some(mission), kind), at);
        let refused = w.refuse(Actor::Secretariat, &round(id, marking), at);
        assert!(matches!(&refused, Refusal::Invalid { field: "marking", .. }), "{refused}");
    };
    refuses(&mut w, None, DecisionKind::CommandOrMission, Some(Marking::MembersAndPartner(c("UKR"))));
    refuses(&mut w, None, DecisionKind::Statement, None);
    // Ukraine, taking part in the NATO-Ukraine Council, may not read the mission: nothing there
    // follows it, not even as a draft (whose entry would name it once withdrawn).
    let in_nuc = w.refuse(Actor::Secretariat, &draft(Some("nuc"), Some(mission), DecisionKind::CommandOrMission), at);
    assert!(matches!(&in_nuc, Refusal::Invalid { field: "follows", reason } if reason.contains("UKR")), "{in_nuc}");
    let fine = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some("mc"), Some(mission), DecisionKind::CommandOrMission), at);
    w.run(Actor::Secretariat, &round(fine, None), at);
    // Its drafted entry names the mission: it is never published wider than the mission is.
    let drafted =
        w.log.iter().position(|e| matches!(e, crate::Event::ProposalDrafted { proposal, .. } if *proposal == fine));
    let drafted = u64::try_from(drafted.unwrap()).unwrap();
    let revealed = super::publication::reveal(&w, drafted, Actor::Secretariat, Marking::Members, 7);
    let published = w.refuse(Actor::Secretariat, &super::publication::publish(drafted, Marking::Public, revealed), at);
    assert!(
        matches!(&published, Refusal::Invalid { field: "marking", reason } if reason.contains("follows")),
        "{published}"
    );

    // A statement the public read may be followed in the council where Ukraine takes part, and
    // Ukraine is told which decision it follows; the public is not told of what it cannot read.
    let statement = w.open(DecisionKind::Statement, Procedure::ConsensusRound, at, deadline());
    adopt(&mut w, statement);
    let welcome = w.state.next_proposal_id();
    w.run(Actor::Secretariat, &draft(Some("nuc"), Some(statement), DecisionKind::Statement), at);
    w.run(Actor::Secretariat, &round(welcome, None), at);
    let seen = w.state.proposal_for(Reader::Partner(c("UKR")), w.proposal(welcome)).unwrap();
    assert_eq!(seen.follows, Some(statement));
    let plan = w.state.proposal_for(Reader::Member(c("FRA")), w.proposal(fine)).unwrap();
    assert_eq!(plan.follows, Some(mission), "a member reads both");
    // Should a follower ever reach a reader of it who may not read what it follows, that reader
    // is not told which (the rules above keep this from happening: here the state is forged).
    let mut forged = w.state.clone();
    Arc::make_mut(forged.proposals.get_mut(&welcome).unwrap()).follows = Some(mission);
    let seen = forged.proposal_for(Reader::Partner(c("UKR")), forged.proposals.get(&welcome).unwrap()).unwrap();
    assert_eq!(seen.follows, None);
    let seen = forged.proposal_for(Reader::Member(c("FRA")), forged.proposals.get(&welcome).unwrap()).unwrap();
    assert_eq!(seen.follows, Some(mission), "a member reads the mission");
}
