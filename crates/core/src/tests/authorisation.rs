//! Who may do what (DESIGN.md, "Who uses it"): the secretariat manages members and proposals, a
//! member delegation takes its own member's positions, the scheduler closes procedures, and
//! nobody acts for another member or partner. Authorisation comes before any other check.

use super::fixtures::*;
use crate::{Actor, Command, DecisionKind, Member, Partner, Procedure, ProposalId, Refusal, Stance};

fn is_not_permitted(r: &Refusal, actor: Actor) -> bool {
    matches!(r, Refusal::NotPermitted { actor: a, .. } if *a == actor)
}

/// Everyone but the secretariat.
fn not_secretariat() -> [Actor; 4] {
    [Actor::Member(c("FRA")), Actor::Partner(c("UKR")), Actor::Observer, Actor::Scheduler]
}

#[test]
fn only_the_secretariat_drafts_amends_circulates_withdraws_and_changes_deadlines() {
    let mut w = World::alliance();
    let draft = w.draft(DecisionKind::Statement, t0());
    let open = w.silence();
    let commands = [
        Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "t".into(),
            text: "x".into(),
        },
        Command::AmendProposal { proposal: draft, title: None, text: "x".into(), deadline: None, urgent: None },
        Command::Circulate {
            proposal: draft,
            procedure: Procedure::Silence,
            deadline: deadline(),
            marking: None,
            urgent: None,
        },
        Command::ExtendDeadline { proposal: open, deadline: plus(deadline(), 3600) },
        Command::CurtailDeadline { proposal: open, deadline: plus(deadline(), -3600), urgent: None },
        Command::Withdraw { proposal: open, reason: "r".into() },
    ];
    for cmd in &commands {
        for actor in not_secretariat() {
            let r = w.refuse(actor, cmd, plus(t0(), 60));
            assert!(is_not_permitted(&r, actor), "{actor} {cmd:?}: {r:?}");
        }
        w.run(Actor::Secretariat, cmd, plus(t0(), 60));
    }
}

#[test]
fn only_the_secretariat_admits_members_records_departures_and_registers_partners() {
    let mut w = World::alliance();
    let commands = [
        Command::AdmitMember {
            member: Member {
                code: c("CHE"),
                alpha2: "CH".into(),
                numeric: "756".into(),
                name: "Switzerland".into(),
                accession: jiff::civil::date(2040, 1, 1),
                departure: None,
            },
        },
        Command::RecordDeparture { member: c("FRA"), on: jiff::civil::date(2040, 1, 1) },
        Command::RegisterPartner { partner: Partner { code: c("MDA"), name: "Moldova".into() } },
    ];
    for cmd in &commands {
        for actor in not_secretariat() {
            let r = w.refuse(actor, cmd, t0());
            assert!(is_not_permitted(&r, actor), "{actor} {cmd:?}: {r:?}");
        }
        w.run(Actor::Secretariat, cmd, t0());
    }
}

#[test]
fn a_member_delegation_cannot_take_another_members_position() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = position(id, "HUN", 1, Stance::Object);
    let r = w.refuse(Actor::Member(c("FRA")), &cmd, plus(t0(), 60));
    assert!(is_not_permitted(&r, Actor::Member(c("FRA"))), "{r:?}");
    assert!(w.proposal(id).positions.is_empty());
}

#[test]
fn a_partner_cannot_take_a_members_position() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = position(id, "FRA", 1, Stance::Object);
    let r = w.refuse(Actor::Partner(c("UKR")), &cmd, plus(t0(), 60));
    assert!(is_not_permitted(&r, Actor::Partner(c("UKR"))), "{r:?}");
}

#[test]
fn an_observer_the_secretariat_and_the_scheduler_cannot_take_positions() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = position(id, "FRA", 1, Stance::Concur);
    for actor in [Actor::Observer, Actor::Secretariat, Actor::Scheduler] {
        let r = w.refuse(actor, &cmd, plus(t0(), 60));
        assert!(is_not_permitted(&r, actor), "{actor}: {r:?}");
    }
}

#[test]
fn an_observer_can_do_nothing() {
    let mut w = World::alliance();
    let id = w.silence();
    let commands = [
        Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "t".into(),
            text: "x".into(),
        },
        Command::RegisterPartner { partner: Partner { code: c("MDA"), name: "Moldova".into() } },
        Command::CloseAtDeadline { proposal: id },
        position(id, "FRA", 1, Stance::Concur),
    ];
    for cmd in &commands {
        let r = w.refuse(Actor::Observer, cmd, deadline());
        assert!(is_not_permitted(&r, Actor::Observer), "{cmd:?}: {r:?}");
    }
}

#[test]
fn only_the_scheduler_closes_a_procedure() {
    let mut w = World::alliance();
    let id = w.silence();
    let close = Command::CloseAtDeadline { proposal: id };
    for actor in [Actor::Secretariat, Actor::Member(c("FRA")), Actor::Partner(c("UKR")), Actor::Observer] {
        let r = w.refuse(actor, &close, deadline());
        assert!(is_not_permitted(&r, actor), "{actor}: {r:?}");
    }
    w.run(Actor::Scheduler, &close, deadline());
}

#[test]
fn authorisation_is_checked_before_anything_else() {
    let mut w = World::alliance();
    // The observer learns nothing about whether proposal 99 exists.
    let cmd = Command::Withdraw { proposal: ProposalId(99), reason: "r".into() };
    let r = w.refuse(Actor::Observer, &cmd, t0());
    assert!(is_not_permitted(&r, Actor::Observer), "{r:?}");
    let cmd = position(ProposalId(99), "HUN", 1, Stance::Object);
    let r = w.refuse(Actor::Member(c("FRA")), &cmd, t0());
    assert!(is_not_permitted(&r, Actor::Member(c("FRA"))), "{r:?}");
}

#[test]
fn a_refusal_says_who_may_not_do_what() {
    let mut w = World::alliance();
    let cmd = Command::CloseAtDeadline { proposal: ProposalId(1) };
    let r = w.refuse(Actor::Member(c("FRA")), &cmd, t0());
    assert_eq!(r.code(), "not-permitted");
    assert_eq!(r.class(), crate::RefusalClass::Forbidden);
    assert!(r.to_string().starts_with("member FRA may not close procedures"), "{r}");
}
