//! Notices (issue 16): who is told what, and when, as a pure function of the state and the time.
//!
//! The reminder laws run as properties over a deliverer that wakes when [`next_due`] says and
//! whenever an entry is appended, keeps nothing but the ids it queued (its outbox), and may
//! restart at any wake-up: every elector without a position gets each rung of the ladder exactly
//! once, none after its position or the deadline, and an extended deadline moves the rungs still
//! to come.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::fixtures::*;
use super::properties::config;
use crate::notice::{Ladder, Notice, What, due, next_due, of_entry};
use crate::{Actor, Command, CountryCode, DecisionKind, Event, Marking, Procedure, ProposalId, Reader, Stance, State};

const HOUR: i64 = 3600;

/// The notices every entry of `w`'s log from `from` on causes, in log order.
pub(super) fn caused(w: &World, from: usize) -> Vec<Notice> {
    let mut replay = State::new();
    let mut out = Vec::new();
    for (seq, e) in w.log.iter().enumerate() {
        let marking = replay.marking(e);
        replay.apply(e).unwrap();
        if seq >= from {
            out.extend(of_entry(&w.state, seq as u64, marking, e, entry_time(e)));
        }
    }
    out
}

fn entry_time(e: &Event) -> Timestamp {
    match e {
        Event::ProposalCirculated { at, .. }
        | Event::PositionTaken { at, .. }
        | Event::DeadlineExtended { at, .. }
        | Event::DeadlineCurtailed { at, .. }
        | Event::ProposalWithdrawn { at, .. } => *at,
        Event::ProposalDecided { decision, .. } => decision.decided_at,
        _ => t0(),
    }
}

fn readers(notices: &[Notice]) -> BTreeSet<String> {
    notices.iter().map(|n| n.to.to_string()).collect()
}

#[test]
fn a_circulation_tells_every_elector_and_the_secretariat_and_no_one_else() {
    let mut w = World::alliance();
    let before = w.log.len();
    let id = w.silence();
    let notices = caused(&w, before);
    let mut expected: BTreeSet<String> = electors_on_t0().iter().map(|m| format!("member:{m}")).collect();
    expected.insert("secretariat".into());
    assert_eq!(readers(&notices), expected, "the draft itself tells nobody; the circulation tells the electors");
    assert!(
        notices.iter().all(|n| matches!(n.what, What::Circulated { proposal, restarted: false, .. } if proposal == id))
    );
    let ids: BTreeSet<&str> = notices.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), notices.len(), "one id per reader");
    assert!(!notices[0].pressing, "ten days before the deadline nothing is pressing");
}

#[test]
fn a_partner_hears_of_a_text_circulated_to_it_and_of_nothing_else() {
    let mut w = World::alliance();
    let open = w.silence();
    let to_ukraine = w.draft(DecisionKind::Statement, t0());
    let circulate = Command::Circulate {
        proposal: to_ukraine,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: Some(Marking::MembersAndPartner(c("UKR"))),
        urgent: None,
    };
    w.run(Actor::Secretariat, &circulate, t0());
    let before = w.log.len();
    w.take(open, "FRA", Stance::Object, plus(t0(), HOUR));
    w.take(to_ukraine, "DEU", Stance::Object, plus(t0(), HOUR));
    let ukraine = Reader::Partner(c("UKR"));
    let all = caused(&w, 0);
    let heard: Vec<&Notice> = all.iter().filter(|n| n.to == ukraine).collect();
    assert!(heard.iter().all(|n| n.what.proposal() == Some(to_ukraine)), "nothing of a members' proposal: {heard:?}");
    assert!(heard.iter().any(|n| matches!(n.what, What::Circulated { .. })));
    // Silence broken names the objector: that stays with the members. The outcome of a text not
    // adopted stays with the members too.
    let after = caused(&w, before);
    assert!(after.iter().all(|n| n.to != ukraine), "{after:?}");
    let broken: Vec<&Notice> = after.iter().filter(|n| matches!(n.what, What::SilenceBroken { .. })).collect();
    assert!(broken.iter().any(|n| n.to == Reader::Secretariat));
    assert!(broken.iter().all(|n| n.to != Reader::Member(c("FRA")) || n.what.proposal() != Some(open)));
}

#[test]
fn a_partner_is_told_of_a_delivery_to_confirm_and_its_request_coverage() {
    use super::support_fixtures::Support;
    use crate::support::SupportCategory;
    let mut s = Support::new();
    let from = s.w.log.len();
    let request = s.request(SupportCategory::ArtilleryAmmunition, 200);
    let pledge = s.pledge(
        Actor::Member(c("FRA")),
        crate::support::PledgeTerms {
            request: Some(request),
            ..super::support_fixtures::bilateral("FRA", SupportCategory::ArtilleryAmmunition)
        },
    );
    s.deliver(pledge, 40, 1_000);
    let notices = caused(&s.w, from);
    let ukraine = Reader::Partner(c("UKR"));
    let confirm: Vec<&Notice> = notices.iter().filter(|n| matches!(n.what, What::DeliveryToConfirm { .. })).collect();
    assert_eq!(confirm.len(), 1);
    assert_eq!(confirm[0].to, ukraine);
    let coverage: Vec<&What> = notices
        .iter()
        .filter(|n| n.to == ukraine)
        .map(|n| &n.what)
        .filter(|w| matches!(w, What::CoverageChanged { .. }))
        .collect();
    // The pledge, then the delivery and the status change it caused: each tells the coverage as
    // it stands when the notice is computed.
    assert_eq!(coverage.len(), 3, "{coverage:?}");
    assert!(
        coverage.iter().all(|w| matches!(w, What::CoverageChanged { requested: 200, pledged: 100, delivered: 40, .. }))
    );
    assert!(notices.iter().all(|n| n.to == ukraine), "the members are not told of their own support: {notices:?}");
}

#[test]
fn the_secretariat_is_warned_of_a_procedure_nobody_answered_a_day_before_its_deadline() {
    let mut w = World::alliance();
    let id = w.silence();
    let ladder = Ladder::default();
    let warn = deadline() - SignedDuration::from_hours(24);
    assert!(due(&w.state, warn - SignedDuration::from_secs(1), &ladder).iter().all(|n| n.to != Reader::Secretariat));
    let at_warn = due(&w.state, warn, &ladder);
    let quiet: Vec<&Notice> = at_warn.iter().filter(|n| n.to == Reader::Secretariat).collect();
    assert_eq!(quiet.len(), 1);
    assert!(matches!(quiet[0].what, What::NoPositions { proposal, .. } if proposal == id));
    w.take(id, "FRA", Stance::Concur, plus(t0(), HOUR));
    assert!(due(&w.state, warn, &ladder).iter().all(|n| n.to != Reader::Secretariat), "one position is enough");
}

#[test]
fn rungs_before_the_circulation_are_not_sent_and_rungs_after_the_deadline_never() {
    let mut w = World::alliance();
    // Circulated 30 hours before its deadline: the 72 h rung fell before, the 24 h and 2 h fall after.
    let end = plus(t0(), 30 * HOUR);
    let id = w.open(DecisionKind::AssistanceProgramme, Procedure::Silence, t0(), end);
    let ladder = Ladder::default();
    let mut rungs = BTreeSet::new();
    let mut t = t0();
    while t < plus(end, 2 * HOUR) {
        for n in due(&w.state, t, &ladder) {
            if let What::Reminder { proposal, .. } = n.what {
                assert_eq!(proposal, id);
                assert!(t < end, "a reminder at {t}, after the deadline {end}");
                rungs.insert(end.duration_since(n.at).as_hours());
            }
        }
        t = plus(t, 600);
    }
    assert_eq!(rungs, BTreeSet::from([24, 2]));
}

/// What a deliverer queued: each notice id once, with the instant it was queued.
#[derive(Debug, Default)]
struct Outbox(BTreeMap<String, (Timestamp, Notice)>);

impl Outbox {
    fn queue(&mut self, state: &State, now: Timestamp, ladder: &Ladder) {
        for n in due(state, now, ladder) {
            self.0.entry(n.id.clone()).or_insert((now, n));
        }
    }

    /// When each of `member`'s reminders for `rung` was queued.
    fn queued(&self, member: CountryCode, rung: SignedDuration) -> Vec<Timestamp> {
        let tag = format!("-{}-member-{member}", rung.as_secs());
        self.0.values().filter(|(_, n)| n.id.ends_with(&tag)).map(|(t, _)| *t).collect()
    }
}

/// One scripted silence procedure of ten days: positions (elector index, seconds after t0), an
/// optional extension (when, by how much), wake-ups besides those the deliverer computes (other
/// entries appended, say), and an optional outage (from the n-th wake-up, for how long).
#[derive(Debug, Clone)]
struct Script {
    positions: Vec<(usize, i64)>,
    extension: Option<(i64, i64)>,
    wakes: Vec<i64>,
    outage: Option<(usize, i64)>,
}

const SPAN: i64 = 10 * 24 * HOUR;

fn script() -> impl Strategy<Value = Script> {
    (
        proptest::collection::vec((0usize..31, 0..SPAN + 6 * HOUR), 0..12),
        proptest::option::of((0..SPAN, HOUR..4 * 24 * HOUR)),
        proptest::collection::vec(0..SPAN + 5 * 24 * HOUR, 0..20),
        // Shorter than the shortest rung: an outage may delay a reminder, never skip one.
        proptest::option::of((0usize..40, 1..2 * HOUR)),
    )
        .prop_map(|(positions, extension, wakes, outage)| Script { positions, extension, wakes, outage })
}

/// Runs a script: the deliverer wakes at each entry, each extra wake-up and each instant
/// [`next_due`] names, until well after the deadline, keeping nothing between wake-ups but its
/// outbox. During an outage it wakes for nothing; it restarts at the outage's end. Returns the
/// world, the outbox and the final deadline.
fn run(s: &Script, with_outage: bool) -> (World, Outbox, Timestamp) {
    let mut w = World::alliance();
    let end = plus(t0(), SPAN);
    let id = w.open(DecisionKind::AssistanceProgramme, Procedure::Silence, t0(), end);
    let electors = w.electors(id);
    let ladder = Ladder::default();
    let mut entries: Vec<(Timestamp, Actor, Command)> = s
        .positions
        .iter()
        .map(|&(m, off)| {
            let member = electors[m % electors.len()];
            (plus(t0(), off), Actor::Member(member), position(id, member.as_str(), 1, Stance::Concur))
        })
        .collect();
    if let Some((at, by)) = s.extension {
        entries.push((
            plus(t0(), at),
            Actor::Secretariat,
            Command::ExtendDeadline { proposal: id, deadline: plus(end, by) },
        ));
    }
    entries.sort_by_key(|(t, ..)| *t);
    let mut entries = entries.into_iter().peekable();
    let wakes: BTreeSet<Timestamp> = s.wakes.iter().map(|&o| plus(t0(), o)).collect();
    let mut outbox = Outbox::default();
    let mut now = t0();
    let mut down_until = None;
    let stop = plus(t0(), SPAN + 6 * 24 * HOUR);
    for wake in 0.. {
        // Entries are appended whether or not the deliverer is up.
        while let Some((at, actor, command)) = entries.next_if(|(at, ..)| *at <= now) {
            // A position after the deadline is refused, as it would be live.
            if crate::decide(&w.state, actor, &command, at).is_ok() {
                w.run(actor, &command, at);
            }
        }
        let up = down_until.is_none_or(|u| now >= u);
        if up {
            down_until = None;
            outbox.queue(&w.state, now, &ladder);
        }
        if with_outage && let Some((_, length)) = s.outage.filter(|(from, _)| *from == wake) {
            down_until = Some(plus(now, length));
        }
        let later = |t: &Timestamp| *t > now;
        let next = [
            next_due(&w.state, now, &ladder),
            entries.peek().map(|(t, ..)| *t),
            wakes.iter().copied().find(later),
            down_until,
        ]
        .into_iter()
        .flatten()
        .filter(later)
        .min();
        match next {
            Some(t) if t < stop => now = t,
            _ => break,
        }
    }
    let deadline = w.proposal(id).circulation.as_ref().map_or(end, |c| c.deadline);
    (w, outbox, deadline)
}

fn position_at(w: &World, member: CountryCode) -> Option<Timestamp> {
    w.log.iter().find_map(|e| match e {
        Event::PositionTaken { member: m, at, .. } if *m == member => Some(*at),
        _ => None,
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_silent_elector_gets_each_rung_once_and_none_after_its_position_or_the_deadline(s in script()) {
        let (w, outbox, deadline) = run(&s, false);
        for member in w.electors(ProposalId(1)) {
            let answered = position_at(&w, member);
            for rung in Ladder::default().rungs() {
                let when = deadline - *rung;
                let queued = outbox.queued(member, *rung);
                prop_assert!(queued.len() <= 1, "{} rung {:#} queued {:?}", member, rung, queued);
                // Without an extension the rung's time is fixed: owed exactly then, or never.
                let owed = when > t0() && answered.is_none_or(|a| a > when);
                if s.extension.is_none() {
                    prop_assert_eq!(queued, if owed { vec![when] } else { vec![] }, "{} rung {:#}", member, rung);
                }
            }
            for (t, n) in outbox.0.values().filter(|(_, n)| n.to == Reader::Member(member)) {
                prop_assert!(*t < deadline, "a reminder queued at {}, at or after the deadline {}", t, deadline);
                prop_assert!(answered.is_none_or(|a| *t < a), "{} reminded at {} after its position at {:?}", member, t, answered);
                prop_assert!(matches!(n.what, What::Reminder { .. }), "{:?}", n);
            }
        }
    }

    #[test]
    fn an_extension_moves_the_rungs_still_to_come_and_repeats_none(s in script()) {
        let Some((at, _)) = s.extension else { return Ok(()) };
        let moved_at = plus(t0(), at);
        let (w, outbox, deadline) = run(&s, false);
        for member in w.electors(ProposalId(1)) {
            let answered = position_at(&w, member);
            for rung in Ladder::default().rungs() {
                let old_time = plus(t0(), SPAN) - *rung;
                let new_time = deadline - *rung;
                let queued = outbox.queued(member, *rung);
                if old_time >= moved_at && answered.is_none_or(|a| a > new_time) {
                    // Not yet due when the deadline moved: it goes out at its new time.
                    prop_assert_eq!(queued, vec![new_time], "{} rung {:#}", member, rung);
                } else if old_time < moved_at && answered.is_none_or(|a| a > old_time) {
                    // Due before: sent then, and not again at its new time.
                    prop_assert_eq!(queued, vec![old_time], "{} rung {:#}", member, rung);
                }
            }
        }
    }

    #[test]
    fn an_outage_shorter_than_the_shortest_rung_loses_and_repeats_nothing(s in script()) {
        let (_, whole, _) = run(&s, false);
        let (_, interrupted, _) = run(&s, true);
        let a: BTreeSet<&String> = whole.0.keys().collect();
        let b: BTreeSet<&String> = interrupted.0.keys().collect();
        prop_assert_eq!(a, b);
    }
}
