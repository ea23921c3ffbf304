//! Releases beyond the members: a proposal circulated to a wider audience, and the publication
//! of an earlier entry, which reveals its salt and content.

use super::fixtures::*;
use super::support_fixtures::now;
use crate::sealed::{Revealed, SALT_LEN, Sealed, commitment, seal};
use crate::{
    Actor, ApplyError, Command, DecisionKind, Event, Marking, Procedure, ProposalAccess, ProposalStatus, Reader,
    Refusal, Stance,
};

const UKR: fn() -> Marking = || Marking::MembersAndPartner(c("UKR"));

fn readers() -> [Reader; 4] {
    [Reader::Secretariat, Reader::Member(c("HUN")), Reader::Partner(c("UKR")), Reader::Public]
}

/// A force deployment (a kind the alliance does not announce) in a consensus round, circulated
/// with `marking`.
fn deployment(w: &mut World, marking: Option<Marking>) -> crate::ProposalId {
    let id = w.draft(DecisionKind::DeployForces, t0());
    let circulate = Command::Circulate {
        proposal: id,
        procedure: Procedure::ConsensusRound,
        deadline: deadline(),
        marking,
        urgent: None,
    };
    w.run(Actor::Secretariat, &circulate, t0());
    id
}

fn all_concur(w: &mut World, id: crate::ProposalId) {
    for (i, m) in w.electors(id).into_iter().enumerate() {
        w.take(id, m.as_str(), Stance::Concur, plus(t0(), 60 + i64::try_from(i).unwrap()));
    }
}

fn access(w: &World, id: crate::ProposalId) -> Vec<ProposalAccess> {
    readers().iter().map(|r| w.state.proposal_access(*r, w.proposal(id))).collect()
}

/// The log entry (its index in `w.log`) of the first event that `is`.
fn entry(w: &World, is: impl Fn(&Event) -> bool) -> u64 {
    u64::try_from(w.log.iter().position(is).expect("the event is in the log")).unwrap()
}

/// Entry `n` of `w.log`, revealed under `salt` as the log sealed it, marked `was`.
pub(super) fn reveal(w: &World, n: u64, actor: Actor, was: Marking, salt: u8) -> Box<Revealed> {
    let content =
        Sealed { actor, account: Some("registrar".into()), event: w.log[usize::try_from(n).unwrap()].clone() };
    let part = seal(&[salt; SALT_LEN], &content).unwrap();
    Box::new(Revealed { was, commitment: commitment(&part).to_hex(), salt: hex::encode([salt; SALT_LEN]), content })
}

pub(super) fn publish(entry: u64, marking: Marking, revealed: Box<Revealed>) -> Command {
    Command::Publish { entry, marking, revealed }
}

#[test]
fn a_text_circulated_to_the_partner_is_its_to_read_but_the_positions_are_not() {
    use ProposalAccess::{Circulated, Full, Hidden};
    let mut w = World::alliance();
    let id = deployment(&mut w, Some(UKR()));
    let circulated = w.log.last().unwrap().clone();
    assert_eq!(w.state.marking(&circulated), UKR());
    assert_eq!(access(&w, id), [Full, Full, Circulated, Hidden]);
    let taken = w.take(id, "HUN", Stance::Concur, plus(t0(), 30))[0].clone();
    assert_eq!(w.state.marking(&taken), Marking::Members);

    let ukr = Reader::Partner(c("UKR"));
    let drafted = w.log.iter().find(|e| matches!(e, Event::ProposalDrafted { .. })).unwrap().clone();
    assert!(w.state.may_read(ukr, Marking::Members, &drafted), "the circulated text");
    assert!(!w.state.may_read(Reader::Public, Marking::Members, &drafted));
    assert!(!w.state.may_read(ukr, Marking::Members, &taken), "a member's position");
    let shown = w.state.proposal_for(ukr, w.proposal(id)).unwrap();
    assert_eq!(shown.revisions, w.proposal(id).revisions);
    assert!(shown.circulation.is_some() && shown.positions.is_empty() && shown.decision.is_none());

    // Adopted: the decision goes to the audience the proposal was circulated to.
    all_concur(&mut w, id);
    assert_eq!(w.proposal(id).status, ProposalStatus::Adopted);
    let decided = w.log.last().unwrap().clone();
    assert_eq!(w.state.marking(&decided), UKR());
    let shown = w.state.proposal_for(ukr, w.proposal(id)).unwrap();
    assert!(shown.decision.is_some() && shown.positions.is_empty());
    assert_eq!(access(&w, id), [Full, Full, Circulated, Hidden]);
}

#[test]
fn a_blocked_decision_does_not_tell_the_partner_who_objected() {
    let mut w = World::alliance();
    let id = deployment(&mut w, Some(UKR()));
    let events = w.take(id, "HUN", Stance::Object, plus(t0(), 30));
    let decided = events.last().unwrap();
    assert!(matches!(decided, Event::ProposalDecided { .. }));
    assert_eq!(w.state.marking(decided), Marking::Members);
    let shown = w.state.proposal_for(Reader::Partner(c("UKR")), w.proposal(id)).unwrap();
    assert_eq!(shown.status, ProposalStatus::Blocked);
    assert!(shown.decision.is_none() && shown.positions.is_empty());
}

#[test]
fn the_members_are_no_marking_an_unknown_partner_is_refused_and_a_recirculation_keeps_the_audience() {
    let mut w = World::alliance();
    let id = deployment(&mut w, Some(Marking::Members));
    assert!(matches!(w.log.last(), Some(Event::ProposalCirculated { marking: None, .. })));
    assert_eq!(w.proposal(id).audience, None);

    let draft = w.draft(DecisionKind::DeployForces, t0());
    let to_moldova = Command::Circulate {
        proposal: draft,
        procedure: Procedure::ConsensusRound,
        deadline: deadline(),
        marking: Some(Marking::MembersAndPartner(c("MDA"))),
        urgent: None,
    };
    assert_eq!(w.refuse(Actor::Secretariat, &to_moldova, t0()), Refusal::UnknownPartner { partner: c("MDA") });

    let id = deployment(&mut w, Some(Marking::Public));
    let amend = Command::AmendProposal {
        proposal: id,
        title: None,
        text: "Revised.".into(),
        deadline: Some(plus(deadline(), 60)),
        urgent: None,
    };
    let before = w.state.clone();
    let events = w.run(Actor::Secretariat, &amend, plus(t0(), 10));
    assert_eq!(w.state.marking(&events[0]), Marking::Public, "the amended text goes where the first went");
    let Event::ProposalCirculated { marking, .. } = &events[1] else { panic!("a recirculation") };
    assert_eq!(*marking, Some(Marking::Public));

    // A recirculation that names another audience does not follow.
    let mut replayed = before;
    replayed.apply(&events[0]).unwrap();
    let mut forged = events[1].clone();
    if let Event::ProposalCirculated { marking, .. } = &mut forged {
        *marking = None;
    }
    assert!(matches!(replayed.apply(&forged), Err(ApplyError::Inconsistent { event: "proposal_circulated", .. })));
}

#[test]
fn publishing_a_decision_releases_its_outcome_and_only_ever_widens() {
    let mut w = World::alliance();
    let id = deployment(&mut w, None);
    all_concur(&mut w, id);
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Hidden);
    let decided = entry(&w, |e| matches!(e, Event::ProposalDecided { .. }));
    let revealed = reveal(&w, decided, Actor::Member(c("ALB")), Marking::Members, 7);

    // Only the secretariat publishes.
    let to_partner = publish(decided, UKR(), revealed.clone());
    assert!(matches!(w.refuse(Actor::Member(c("HUN")), &to_partner, now()), Refusal::NotPermitted { .. }));

    let events = w.run(Actor::Secretariat, &to_partner, now());
    assert_eq!(w.state.marking(&events[0]), UKR(), "a publication is read by the audience it releases to");
    assert_eq!(w.state.released(decided, Marking::Members), UKR());
    assert_eq!(w.state.proposal_access(Reader::Partner(c("UKR")), w.proposal(id)), ProposalAccess::Outcome);
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Hidden);

    // Never narrower, never the same again, never sideways to another partner.
    for marking in [Marking::Members, UKR()] {
        let again = publish(decided, marking, revealed.clone());
        assert!(matches!(w.refuse(Actor::Secretariat, &again, now()), Refusal::NotWider { .. }), "{marking}");
    }
    w.run(Actor::Secretariat, &publish(decided, Marking::Public, revealed), now());
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Outcome);
    let shown = w.state.proposal_for(Reader::Public, w.proposal(id)).unwrap();
    assert!(shown.positions.is_empty() && shown.decision.is_some());
}

#[test]
fn a_publication_whose_salt_or_content_was_changed_is_refused_by_decide_and_by_replay() {
    let mut w = World::alliance();
    let id = deployment(&mut w, None);
    all_concur(&mut w, id);
    let decided = entry(&w, |e| matches!(e, Event::ProposalDecided { .. }));
    let honest = reveal(&w, decided, Actor::Member(c("ALB")), Marking::Members, 7);

    let mut salt = honest.clone();
    salt.salt = hex::encode([8; SALT_LEN]);
    let mut content = honest.clone();
    content.content.account = Some("someone else".into());
    let mut actor = honest.clone();
    actor.content.actor = Actor::Member(c("HUN"));
    for changed in [salt, content, actor] {
        let refusal = w.refuse(Actor::Secretariat, &publish(decided, Marking::Public, changed.clone()), now());
        assert_eq!(refusal, Refusal::PublicationMismatch { entry: decided });
        let forged = Event::EntryPublished { entry: decided, marking: Marking::Public, revealed: changed, at: now() };
        let err = w.state.clone().apply(&forged).unwrap_err();
        assert!(matches!(err, ApplyError::Refused { refusal: Refusal::PublicationMismatch { .. }, .. }), "{err}");
    }
}

#[test]
fn a_draft_is_released_by_circulating_it_not_by_publishing_it() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    let drafted = entry(&w, |e| matches!(e, Event::ProposalDrafted { .. }));
    let revealed = reveal(&w, drafted, Actor::Secretariat, Marking::Members, 1);
    let refusal = w.refuse(Actor::Secretariat, &publish(drafted, Marking::Public, revealed), now());
    assert_eq!(refusal, Refusal::DraftHeld { proposal: id });
}

#[test]
fn a_published_blocked_decision_opens_nothing_of_the_round_negotiated_after_it() {
    let mut w = World::alliance();
    let id = deployment(&mut w, None);
    w.take(id, "HUN", Stance::Object, plus(t0(), 60));
    let decided = entry(&w, |e| matches!(e, Event::ProposalDecided { .. }));
    let revealed = reveal(&w, decided, Actor::Member(c("HUN")), Marking::Members, 9);
    w.run(Actor::Secretariat, &publish(decided, Marking::Public, revealed), now());
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Outcome);

    let reopen = Command::Reopen { proposal: id, reason: "Renegotiated with Hungary.".into() };
    w.run(Actor::Secretariat, &reopen, now());
    let amend = Command::AmendProposal {
        proposal: id,
        title: None,
        text: "A text negotiated among the members.".into(),
        deadline: None,
        urgent: None,
    };
    let amended = w.run(Actor::Secretariat, &amend, now());
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Hidden, "nothing decided now");
    assert!(w.state.proposal_for(Reader::Public, w.proposal(id)).is_none());
    assert!(!w.state.may_read(Reader::Public, Marking::Members, &amended[0]), "the negotiated text is the members'");
    // The published entry itself stays released.
    assert_eq!(w.state.released(decided, Marking::Members), Marking::Public);
}

#[test]
fn who_awaits_instructions_is_the_members_to_read_never_the_partners_or_the_publics() {
    use ProposalAccess::{Circulated, Full, Outcome};
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::Statement, t0());
    let circulate = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: Some(UKR()),
        urgent: None,
    };
    w.run(Actor::Secretariat, &circulate, t0());
    let wait =
        Command::AwaitInstructions { proposal: id, member: c("HUN"), note: Some("Budapest replies on Friday.".into()) };
    let awaited = w.run(Actor::Member(c("HUN")), &wait, plus(t0(), 60))[0].clone();
    assert_eq!(w.state.marking(&awaited), Marking::Members);
    let ukr = Reader::Partner(c("UKR"));
    assert!(!w.state.may_read(ukr, Marking::Members, &awaited), "the partner does not read the entry");

    let awaiting = |w: &World, r: Reader| w.state.proposal_for(r, w.proposal(id)).map(|p| p.awaiting.len());
    assert_eq!(access(&w, id)[..3], [Full, Full, Circulated]);
    assert_eq!(awaiting(&w, Reader::Secretariat), Some(1));
    assert_eq!(awaiting(&w, Reader::Member(c("FRA"))), Some(1), "every member delegation reads it");
    assert_eq!(awaiting(&w, ukr), Some(0), "the partner reads the circulated text, not who awaits instructions");

    // Adopted by silence at the deadline (waiting is not a position): the announced outcome
    // says nothing of it either, though the state still records it.
    w.close(id, plus(deadline(), 1));
    assert_eq!(w.proposal(id).status, ProposalStatus::Adopted);
    assert!(w.proposal(id).awaiting.contains_key(&c("HUN")));
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), Outcome);
    assert_eq!(awaiting(&w, Reader::Public), Some(0));
    assert_eq!(awaiting(&w, ukr), Some(0));
}
