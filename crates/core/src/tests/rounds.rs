//! A blocked proposal taken back into negotiation and circulated again under a new procedure
//! (issue 17, item 2), and the deployment's minimum silence with its logged urgency (item 4).

use concord_ledger::keys::Signer;
use jiff::SignedDuration;

use super::fixtures::*;
use crate::{
    Actor, ApplyError, Command, DecisionKind, Event, Marking, Outcome, Procedure, ProposalStatus, Refusal, Stance,
    State,
};

fn reopen(id: crate::ProposalId) -> Command {
    Command::Reopen { proposal: id, reason: "Negotiated a revised text with France.".into() }
}

fn amend(id: crate::ProposalId, text: &str) -> Command {
    Command::AmendProposal { proposal: id, title: None, text: text.into(), deadline: None, urgent: None }
}

fn circulate(id: crate::ProposalId, deadline: jiff::Timestamp) -> Command {
    Command::Circulate { proposal: id, procedure: Procedure::Silence, deadline, marking: None, urgent: None }
}

fn log_key() -> String {
    Signer::from_seed("test.concord.example/log", [7; 32]).unwrap().verifier().to_string()
}

/// A world whose log names a minimum silence of a day.
fn with_minimum() -> World {
    let mut w = World::empty();
    let create = Command::CreateLog {
        origin: "test.concord.example/log".into(),
        log_key: log_key(),
        unsigned_positions: true,
        min_silence: Some(SignedDuration::from_hours(24)),
    };
    w.run(Actor::Secretariat, &create, ts("2024-01-01T00:00:00Z"));
    let alliance = World::alliance();
    for e in &alliance.log {
        w.state.apply(e).unwrap();
        w.log.push(e.clone());
    }
    w
}

#[test]
fn a_blocked_proposal_goes_back_into_negotiation_and_a_second_round_adopts_its_revision() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "FRA", Stance::Object, plus(t0(), 60));
    assert_eq!(w.proposal(id).status, ProposalStatus::Blocked);
    // Adopted, withdrawn and open proposals do not reopen; only the secretariat reopens.
    assert!(matches!(w.refuse(Actor::Member(c("FRA")), &reopen(id), plus(t0(), 120)), Refusal::NotPermitted { .. }));

    let later = plus(deadline(), 3600);
    w.run(Actor::Secretariat, &reopen(id), later);
    let p = w.proposal(id);
    assert_eq!(p.status, ProposalStatus::Negotiating);
    assert_eq!(p.rounds.len(), 1, "the first round's decision is kept");
    assert_eq!(p.rounds[0].outcome, Outcome::Blocked);
    assert!(p.decision.is_none() && p.circulation.is_none() && p.positions.is_empty());
    assert_eq!(p.superseded[&c("FRA")].stance, Stance::Object, "France is told its objection lapsed");
    // Back in negotiation: no position is taken until a revision is circulated.
    assert!(matches!(w.refuse_take(id, "FRA", Stance::Concur, plus(later, 1)), Refusal::NotOpen { .. }));

    w.run(Actor::Secretariat, &amend(id, "The revised programme, costed first."), plus(later, 60));
    assert_eq!(w.proposal(id).status, ProposalStatus::Negotiating, "amending does not circulate");
    let second = plus(later, 7 * 24 * 3600);
    w.run(Actor::Secretariat, &circulate(id, second), plus(later, 120));
    let p = w.proposal(id);
    assert_eq!(p.status, ProposalStatus::UnderSilence);
    assert_eq!(p.current().number, 2);
    assert_eq!(p.circulation.as_ref().map(|c| c.revision), Some(2));
    assert_eq!(p.circulation.as_ref().map(|c| c.opened_at), Some(plus(later, 120)), "a new round opens anew");

    let decision = w.close(id, second);
    assert_eq!(decision.outcome, Outcome::Adopted);
    assert_eq!(decision.revision, 2);
    assert!(decision.concurred_by_silence.contains(&c("FRA")));
    assert_eq!(w.proposal(id).rounds.len(), 1);
    assert!(matches!(w.refuse(Actor::Secretariat, &reopen(id), plus(second, 1)), Refusal::NotReopenable { .. }));

    // Replay gives the live state.
    let mut replayed = State::new();
    for e in &w.log {
        replayed.apply(e).unwrap();
    }
    assert_eq!(replayed, w.state);
}

#[test]
fn only_a_blocked_or_not_adopted_proposal_reopens() {
    let mut w = World::alliance();
    let draft = w.draft(DecisionKind::Statement, t0());
    assert!(matches!(w.refuse(Actor::Secretariat, &reopen(draft), t0()), Refusal::NotReopenable { .. }));
    let open = w.silence();
    assert!(matches!(w.refuse(Actor::Secretariat, &reopen(open), t0()), Refusal::NotReopenable { .. }));
    w.close(open, deadline());
    assert!(matches!(w.refuse(Actor::Secretariat, &reopen(open), deadline()), Refusal::NotReopenable { .. }));

    // A round that ran out of time without every consent reopens.
    let round = w.round();
    w.close(round, deadline());
    assert_eq!(w.proposal(round).status, ProposalStatus::NotAdopted);
    w.run(Actor::Secretariat, &reopen(round), plus(deadline(), 1));
    // And a new round is withdrawable while it is negotiated.
    let withdraw = Command::Withdraw { proposal: round, reason: "No agreement.".into() };
    w.run(Actor::Secretariat, &withdraw, plus(deadline(), 2));
    assert_eq!(w.proposal(round).status, ProposalStatus::Withdrawn);
}

#[test]
fn a_new_round_keeps_the_audience_and_its_negotiated_text_stays_with_the_members() {
    let mut w = World::alliance();
    let id = w.draft(DecisionKind::AssistanceProgramme, t0());
    let to_ukraine = Marking::MembersAndPartner(c("UKR"));
    let first = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: Some(to_ukraine),
        urgent: None,
    };
    w.run(Actor::Secretariat, &first, t0());
    w.take(id, "HUN", Stance::Object, plus(t0(), 60));
    w.run(Actor::Secretariat, &reopen(id), plus(t0(), 120));
    let amended = w.run(Actor::Secretariat, &amend(id, "A text negotiated among the members."), plus(t0(), 180));
    assert_eq!(
        w.state.marking(&Event::ProposalReopened { proposal: id, reason: String::new(), at: t0() }),
        Marking::Members
    );
    let partner = crate::Reader::Partner(c("UKR"));
    assert!(!w.state.may_read(partner, Marking::Members, &amended[0]), "not circulated yet: the members' only");
    let seen = w.state.proposal_for(partner, w.proposal(id)).unwrap();
    assert_eq!(seen.revisions.len(), 1, "the partner reads the circulated text only");
    assert!(seen.rounds.is_empty(), "an earlier round names its objectors: members only");

    let wider = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: Some(Marking::Public),
        urgent: None,
    };
    assert!(matches!(w.refuse(Actor::Secretariat, &wider, plus(t0(), 240)), Refusal::AudienceFixed { .. }));
    w.run(Actor::Secretariat, &circulate(id, deadline()), plus(t0(), 240));
    assert_eq!(w.proposal(id).audience, Some(to_ukraine));
    assert!(w.state.may_read(partner, Marking::Members, &amended[0]), "circulated: released to the audience");
}

#[test]
fn a_silence_shorter_than_the_minimum_needs_a_stated_urgency_which_is_recorded() {
    let mut w = with_minimum();
    let at = t0();
    let id = w.draft(DecisionKind::Statement, at);
    let short = plus(at, 30);
    let refusal = w.refuse(Actor::Secretariat, &circulate(id, short), at);
    assert!(matches!(refusal, Refusal::SilenceTooShort { .. }), "{refusal}");
    assert!(refusal.to_string().contains("30s") && refusal.to_string().contains("24h"), "{refusal}");
    // A consensus round is not adopted by silence, so it may be short.
    let round = w.draft(DecisionKind::Statement, at);
    let quick_round = Command::Circulate {
        proposal: round,
        procedure: Procedure::ConsensusRound,
        deadline: short,
        marking: None,
        urgent: None,
    };
    w.run(Actor::Secretariat, &quick_round, at);

    let urgent = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: short,
        marking: None,
        urgent: Some("The statement answers tonight's strike.".into()),
    };
    let events = w.run(Actor::Secretariat, &urgent, at);
    assert!(matches!(&events[0], Event::ProposalCirculated { urgent: Some(r), .. } if r.contains("strike")));
    assert_eq!(
        w.proposal(id).circulation.as_ref().and_then(|c| c.urgent.as_deref()),
        Some("The statement answers tonight's strike.")
    );

    // A long enough silence records no urgency, even when one is given.
    let calm = w.draft(DecisionKind::Statement, at);
    let given = Command::Circulate {
        proposal: calm,
        procedure: Procedure::Silence,
        deadline: plus(at, 2 * 24 * 3600),
        marking: None,
        urgent: Some("Not needed.".into()),
    };
    let events = w.run(Actor::Secretariat, &given, at);
    assert!(matches!(&events[0], Event::ProposalCirculated { urgent: None, .. }));
    // Curtailing it under the minimum needs the urgency too.
    let sooner = Command::CurtailDeadline { proposal: calm, deadline: plus(at, 3600), urgent: None };
    assert!(matches!(w.refuse(Actor::Secretariat, &sooner, plus(at, 60)), Refusal::SilenceTooShort { .. }));

    // Replay checks it: a short silence without its urgency does not apply.
    let mut forged = w.log.clone();
    for e in &mut forged {
        if let Event::ProposalCirculated { urgent, .. } = e {
            *urgent = None;
        }
    }
    let mut replayed = State::new();
    let failed = forged.iter().map(|e| replayed.apply(e)).find_map(Result::err);
    assert!(matches!(failed, Some(ApplyError::Refused { refusal: Refusal::SilenceTooShort { .. }, .. })), "{failed:?}");
}

#[test]
fn a_minimum_silence_is_positive() {
    let mut w = World::empty();
    let create = Command::CreateLog {
        origin: "test.concord.example/log".into(),
        log_key: log_key(),
        unsigned_positions: true,
        min_silence: Some(SignedDuration::ZERO),
    };
    assert!(matches!(w.refuse(Actor::Secretariat, &create, t0()), Refusal::Invalid { field: "min_silence", .. }));
}
