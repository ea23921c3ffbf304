//! Chairs (issue 15): who chairs a body on a day is the appointment in effect then; an
//! appointment ahead is kept until its day; history is not rewritten; a member chairs only a
//! body it sits in.

use super::bodies::establish;
use super::fixtures::*;
use crate::decision_rule::Rule;
use crate::{Actor, BodyId, Chair, Command, Refusal, Roster};

fn appoint(body: Option<&str>, chair: Chair, from: Option<&str>) -> Command {
    Command::AppointChair { body: body.map(|b| BodyId::parse(b).unwrap()), chair, from: from.map(ts) }
}

fn member(code: &str) -> Chair {
    Chair::Member { member: c(code) }
}

/// The alliance with the Nuclear Planning Group (every member but France), and the instant
/// everything here happens.
fn with_npg() -> (World, jiff::Timestamp) {
    let mut w = World::alliance();
    let now = ts("2024-01-10T09:00:00Z");
    let npg = Roster::AllMembers { except: vec![c("FRA")] };
    w.run(Actor::Secretariat, &establish("npg", npg, Rule::Consensus), now);
    (w, now)
}

#[test]
fn the_chair_on_a_day_is_the_appointment_in_effect_and_a_later_record_corrects_an_earlier() {
    let mut w = World::alliance();
    let now = ts("2024-01-10T09:00:00Z");
    assert_eq!(w.state.chair_of(None, now), None, "nobody chairs until appointed");
    w.run(Actor::Secretariat, &appoint(None, Chair::Secretariat, None), now);
    w.run(Actor::Secretariat, &appoint(None, member("BEL"), Some("2024-07-01T00:00:00Z")), now);
    assert_eq!(w.state.chair_of(None, ts("2024-06-30T23:59:59Z")), Some(Chair::Secretariat));
    assert_eq!(w.state.chair_of(None, ts("2024-07-01T00:00:00Z")), Some(member("BEL")));
    // Announced again for the same day: the later record is the one that holds.
    w.run(Actor::Secretariat, &appoint(None, member("HUN"), Some("2024-07-01T00:00:00Z")), now);
    assert_eq!(w.state.chair_of(None, ts("2024-07-02T00:00:00Z")), Some(member("HUN")));
    let ahead: Vec<Chair> = w.state.chairs_ahead(None, now).into_iter().map(|t| t.chair).collect();
    assert_eq!(ahead, [member("BEL"), member("HUN")]);
    assert_eq!(w.state.chair_words(member("HUN")), "Hungary");

    // Replay, from the log's JSON, gives the same chairs.
    let mut replayed = crate::State::new();
    for e in &w.log {
        let json = serde_json::to_string(e).unwrap();
        let read: crate::Event = serde_json::from_str(&json).unwrap_or_else(|err| panic!("{json}: {err}"));
        assert_eq!(&read, e);
        replayed.apply(&read).unwrap();
    }
    assert_eq!(replayed, w.state);
}

#[test]
fn each_body_has_its_own_chair() {
    let (mut w, now) = with_npg();
    w.run(Actor::Secretariat, &appoint(Some("npg"), member("NOR"), None), now);
    assert_eq!(w.state.chair_of(Some(&BodyId::parse("npg").unwrap()), now), Some(member("NOR")));
    assert_eq!(w.state.chair_of(None, now), None, "the principal body's chair is its own");
}

#[test]
fn an_appointment_in_the_past_of_a_stranger_or_of_a_member_outside_the_body_is_refused() {
    let (mut w, now) = with_npg();
    let past = appoint(None, Chair::Secretariat, Some("2024-01-09T09:00:00Z"));
    assert!(matches!(w.refuse(Actor::Secretariat, &past, now), Refusal::Invalid { field: "from", .. }));
    let partner = appoint(None, member("UKR"), None);
    assert_eq!(w.refuse(Actor::Secretariat, &partner, now), Refusal::PartnerIsNotMember { code: c("UKR") });
    let stranger = appoint(None, member("MDA"), None);
    assert_eq!(w.refuse(Actor::Secretariat, &stranger, now), Refusal::UnknownMember { member: c("MDA") });
    let outside = appoint(Some("npg"), member("FRA"), None);
    assert!(matches!(w.refuse(Actor::Secretariat, &outside, now), Refusal::Invalid { field: "chair", .. }));
    // Sweden may be appointed for a day it is a member (it joined on 2024-03-07), not before.
    let early = appoint(None, member("SWE"), Some("2024-03-06T12:00:00Z"));
    assert!(matches!(w.refuse(Actor::Secretariat, &early, now), Refusal::Invalid { field: "chair", .. }));
    w.run(Actor::Secretariat, &appoint(None, member("SWE"), Some("2024-03-07T00:00:00Z")), now);
    let nowhere = appoint(Some("mc"), Chair::Secretariat, None);
    assert!(matches!(w.refuse(Actor::Secretariat, &nowhere, now), Refusal::UnknownBody { .. }));
    let by_member = appoint(None, Chair::Secretariat, None);
    assert!(matches!(w.refuse(Actor::Member(c("FRA")), &by_member, now), Refusal::NotPermitted { .. }));
}

#[test]
fn replay_refuses_an_appointment_back_in_time_or_of_a_member_outside_the_body() {
    let (w, now) = with_npg();
    let npg = Some(BodyId::parse("npg").unwrap());
    let back =
        crate::Event::ChairAppointed { body: None, chair: member("BEL"), from: ts("2024-01-01T00:00:00Z"), at: now };
    assert!(matches!(w.state.clone().apply(&back), Err(crate::ApplyError::Refused { event: "chair_appointed", .. })));
    let outside = crate::Event::ChairAppointed { body: npg, chair: member("FRA"), from: now, at: now };
    assert!(matches!(w.state.clone().apply(&outside), Err(crate::ApplyError::Refused { .. })));
}

#[test]
fn a_member_that_departs_chairs_no_more() {
    let mut w = World::alliance();
    let now = ts("2024-01-10T09:00:00Z");
    w.run(Actor::Secretariat, &appoint(None, member("HUN"), None), now);
    let departure = Command::RecordDeparture { member: c("HUN"), on: jiff::civil::date(2024, 6, 1) };
    w.run(Actor::Secretariat, &departure, now);
    assert_eq!(w.state.chair_of(None, ts("2024-05-31T12:00:00Z")), Some(member("HUN")));
    assert_eq!(w.state.chair_of(None, ts("2024-06-01T12:00:00Z")), None, "nobody chairs until the next appointment");
}
