//! Rule 1, the electorate snapshot: the electors of a proposal are the members on the UTC day it
//! was first circulated, and that list never changes. Partners and unknown states never take
//! positions.

use jiff::civil::date;

use super::fixtures::*;
use crate::{Actor, Command, DecisionKind, Member, Procedure, ProposalStatus, Refusal, Stance};

#[test]
fn a_proposal_circulated_on_2024_02_27_has_31_electors_and_excludes_sweden() {
    let mut w = World::alliance();
    // The deadline falls after Sweden's accession on 2024-03-07; the snapshot still excludes it.
    let id = w.silence();
    assert!(deadline() > ts("2024-03-07T00:00:00Z"));
    let circ = w.proposal(id).circulation.clone().expect("circulated");
    assert_eq!(circ.electorate.len(), 31);
    assert!(!circ.electorate.contains(&c("SWE")));
    assert_eq!(circ.electorate, electors_on_t0());
    assert_eq!(circ.opened_at, t0());
}

#[test]
fn sweden_is_refused_as_not_an_elector_even_after_it_joined() {
    let mut w = World::alliance();
    let id = w.silence();
    for at in [ts("2024-02-28T10:00:00Z"), ts("2024-03-07T10:00:00Z"), ts("2024-03-08T11:00:00Z")] {
        for stance in [Stance::Concur, Stance::Object] {
            assert_eq!(w.refuse_take(id, "SWE", stance, at), Refusal::NotAnElector { member: c("SWE"), proposal: id });
        }
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::UnderSilence);
}

#[test]
fn a_proposal_circulated_on_the_day_sweden_joined_has_32_electors() {
    let mut w = World::alliance();
    let at = ts("2024-03-07T00:00:00Z");
    let id = w.open(DecisionKind::Statement, Procedure::Silence, at, ts("2024-03-08T00:00:00Z"));
    assert_eq!(w.electors(id).len(), 32);
    assert!(w.proposal(id).is_elector(c("SWE")));
    w.take(id, "SWE", Stance::Concur, ts("2024-03-07T09:00:00Z"));
}

#[test]
fn membership_is_decided_on_the_utc_day_of_first_circulation() {
    let mut w = World::alliance();
    let id = w.open(DecisionKind::Statement, Procedure::Silence, ts("2024-03-06T23:59:59Z"), deadline());
    assert_eq!(w.electors(id).len(), 31, "one second before Sweden's accession day, in UTC");
    // 00:30 in Stockholm is still 23:30 on the 6th in UTC.
    let id = w.open(DecisionKind::Statement, Procedure::Silence, ts("2024-03-06T23:30:00+01:00"), deadline());
    assert_eq!(w.electors(id).len(), 31);
}

#[test]
fn the_electorate_does_not_change_when_an_open_proposal_is_amended_and_recirculated() {
    let mut w = World::alliance();
    let id = w.silence();
    let before = w.proposal(id).circulation.clone().expect("circulated");
    // Amended on 2024-03-07, when Sweden is a member: the recirculated text keeps the snapshot.
    let at = ts("2024-03-07T12:00:00Z");
    let amend = Command::AmendProposal {
        proposal: id,
        title: None,
        text: "Amended text".into(),
        deadline: Some(ts("2024-03-20T12:00:00Z")),
        urgent: None,
    };
    w.run(Actor::Secretariat, &amend, at);
    let after = w.proposal(id).circulation.clone().expect("circulated");
    assert_eq!(after.revision, 2);
    assert_eq!(after.electorate, before.electorate);
    assert_eq!(after.opened_at, t0(), "the opening instant fixes the electorate");
    assert_eq!(after.circulated_at, at);
    assert_eq!(
        w.refuse_take(id, "SWE", Stance::Concur, plus(at, 60)),
        Refusal::NotAnElector { member: c("SWE"), proposal: id }
    );
}

#[test]
fn the_electorate_does_not_change_when_the_deadline_is_extended_past_an_accession() {
    let mut w = World::alliance();
    let id = w.silence();
    let extend = Command::ExtendDeadline { proposal: id, deadline: ts("2024-04-01T12:00:00Z") };
    w.run(Actor::Secretariat, &extend, ts("2024-03-07T12:00:00Z"));
    assert_eq!(w.electors(id), electors_on_t0());
}

#[test]
fn a_partner_cannot_take_positions() {
    let mut w = World::alliance();
    let id = w.silence();
    let at = plus(t0(), 3600);
    // Ukraine's own token, acting for Ukraine.
    let cmd = position(id, "UKR", 1, Stance::Concur);
    assert_eq!(w.refuse(Actor::Partner(c("UKR")), &cmd, at), Refusal::PartnerCannotTakePositions { partner: c("UKR") });
    // Even a delegation token wrongly bound to the partner's code.
    let cmd = position(id, "UKR", 1, Stance::Object);
    assert_eq!(w.refuse(Actor::Member(c("UKR")), &cmd, at), Refusal::PartnerCannotTakePositions { partner: c("UKR") });
    assert!(w.proposal(id).positions.is_empty());
}

#[test]
fn a_state_unknown_to_the_alliance_is_refused_as_an_unknown_member() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = position(id, "CHE", 1, Stance::Object);
    assert_eq!(w.refuse(Actor::Member(c("CHE")), &cmd, plus(t0(), 60)), Refusal::UnknownMember { member: c("CHE") });
}

#[test]
fn a_member_cannot_be_admitted_twice() {
    let mut w = World::alliance();
    let norway = w.state.members[&c("NOR")].clone();
    let cmd = Command::AdmitMember { member: norway };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::MemberExists { member: c("NOR") });
}

#[test]
fn a_partner_cannot_be_admitted_as_a_member_nor_a_member_registered_as_a_partner() {
    let mut w = World::alliance();
    let ukr = Member {
        code: c("UKR"),
        alpha2: "UA".into(),
        numeric: "804".into(),
        name: "Ukraine".into(),
        accession: date(2030, 1, 1),
        departure: None,
    };
    let cmd = Command::AdmitMember { member: ukr };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::PartnerIsNotMember { code: c("UKR") });
    let cmd = Command::RegisterPartner { partner: crate::Partner { code: c("FRA"), name: "France".into() } };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::MemberIsNotPartner { code: c("FRA") });
    let cmd = Command::RegisterPartner { partner: ukraine() };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::PartnerExists { partner: c("UKR") });
}

#[test]
fn a_member_is_admitted_with_valid_codes_and_without_a_departure_date() {
    let mut w = World::empty();
    let good = members().remove(0);
    let cases = [
        (Member { alpha2: "be".into(), ..good.clone() }, "alpha2"),
        (Member { alpha2: "BEL".into(), ..good.clone() }, "alpha2"),
        (Member { numeric: "56".into(), ..good.clone() }, "numeric"),
        (Member { name: "  ".into(), ..good.clone() }, "name"),
        (Member { departure: Some(date(2030, 1, 1)), ..good.clone() }, "departure"),
    ];
    for (member, field) in cases {
        match w.refuse(Actor::Secretariat, &Command::AdmitMember { member }, t0()) {
            Refusal::Invalid { field: f, .. } => assert_eq!(f, field),
            other => panic!("expected an invalid {field}, got {other:?}"),
        }
    }
    w.run(Actor::Secretariat, &Command::AdmitMember { member: good }, t0());
    assert_eq!(w.state.members.len(), 1);
}

#[test]
fn a_member_that_departed_is_not_an_elector_of_proposals_circulated_after_it_left() {
    let mut w = World::alliance();
    let cmd = Command::RecordDeparture { member: c("HUN"), on: date(2030, 1, 1) };
    w.run(Actor::Secretariat, &cmd, t0());
    assert_eq!(w.state.members[&c("HUN")].departure, Some(date(2030, 1, 1)));
    let at = ts("2030-01-01T00:00:00Z");
    let id = w.open(DecisionKind::Statement, Procedure::Silence, at, ts("2030-01-10T00:00:00Z"));
    assert_eq!(w.electors(id).len(), 31);
    assert!(!w.proposal(id).is_elector(c("HUN")));
    assert_eq!(
        w.refuse_take(id, "HUN", Stance::Object, plus(at, 60)),
        Refusal::NotAnElector { member: c("HUN"), proposal: id }
    );
    // On its last day as a member it was still an elector.
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &cmd, t0());
    let id =
        w.open(DecisionKind::Statement, Procedure::Silence, ts("2029-12-31T23:00:00Z"), ts("2030-01-10T00:00:00Z"));
    assert!(w.proposal(id).is_elector(c("HUN")));
}

#[test]
fn a_member_that_departs_after_circulation_stays_an_elector_of_that_proposal() {
    let mut w = World::alliance();
    let id = w.silence();
    let cmd = Command::RecordDeparture { member: c("HUN"), on: date(2024, 3, 1) };
    w.run(Actor::Secretariat, &cmd, ts("2024-02-28T09:00:00Z"));
    assert_eq!(w.electors(id), electors_on_t0(), "the snapshot is not recomputed");
    // Its objection, strictly before the deadline, still counts.
    let events = w.take(id, "HUN", Stance::Object, ts("2024-03-02T09:00:00Z"));
    assert_eq!(decided(&events).map(|d| d.outcome), Some(crate::Outcome::Blocked));
}

#[test]
fn a_departure_must_follow_accession_be_recorded_once_and_name_a_known_member() {
    let mut w = World::alliance();
    let before = Command::RecordDeparture { member: c("SWE"), on: date(2024, 3, 7) };
    assert_eq!(
        w.refuse(Actor::Secretariat, &before, t0()),
        Refusal::DepartureBeforeAccession { member: c("SWE"), on: date(2024, 3, 7), accession: date(2024, 3, 7) }
    );
    let unknown = Command::RecordDeparture { member: c("CHE"), on: date(2030, 1, 1) };
    assert_eq!(w.refuse(Actor::Secretariat, &unknown, t0()), Refusal::UnknownMember { member: c("CHE") });
    let partner = Command::RecordDeparture { member: c("UKR"), on: date(2030, 1, 1) };
    assert_eq!(w.refuse(Actor::Secretariat, &partner, t0()), Refusal::UnknownMember { member: c("UKR") });
    let ok = Command::RecordDeparture { member: c("SWE"), on: date(2030, 1, 1) };
    w.run(Actor::Secretariat, &ok, t0());
    let again = Command::RecordDeparture { member: c("SWE"), on: date(2031, 1, 1) };
    assert_eq!(
        w.refuse(Actor::Secretariat, &again, t0()),
        Refusal::AlreadyDeparted { member: c("SWE"), on: date(2030, 1, 1) }
    );
}

#[test]
fn a_proposal_cannot_be_circulated_when_there_are_no_members() {
    let mut w = World::empty();
    let id = w.draft(DecisionKind::Statement, t0());
    let cmd = Command::Circulate {
        proposal: id,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::NoElectors { on: date(2024, 2, 27) });
    // A member admitted with a future accession date is not yet an elector either.
    let mut sweden = members().pop().expect("Sweden is last");
    assert_eq!(sweden.code, c("SWE"));
    sweden.departure = None;
    w.run(Actor::Secretariat, &Command::AdmitMember { member: sweden }, t0());
    assert_eq!(w.refuse(Actor::Secretariat, &cmd, t0()), Refusal::NoElectors { on: date(2024, 2, 27) });
}
