//! The consensus rules that are laws, as properties (proptest) of positions on one proposal: an
//! objection before the deadline always blocks; concurrences, reservations and opt-outs never
//! do; under silence the outcome is adoption however many concurred explicitly; no count decides.
//! Random command sequences are in `sequences`.
//!
//! The seed is fixed and failures are not persisted, so the suite is deterministic; set
//! `PROPTEST_CASES` to run more cases.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::subsequence;
use proptest::test_runner::RngSeed;

use super::fixtures::*;
use crate::{CountryCode, Outcome, Procedure, ProposalId, Stance, blocks};

pub(super) const DAY: i64 = 86_400;

/// Seconds from [`t0`] to [`deadline`].
const SPAN: i64 = 10 * DAY + 3 * 3600;

/// `cases` cases (or `PROPTEST_CASES`, to run more), from a fixed seed, persisting nothing.
pub(super) fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x0C0_4C0D),
        ..ProptestConfig::default()
    }
}

/// A stance that consents: it never blocks.
fn consenting() -> impl Strategy<Value = Stance> {
    prop_oneof![Just(Stance::Concur), Just(Stance::ConcurWithReservation), Just(Stance::OptOut)]
}

/// Any stance, mostly concurrences.
pub(super) fn any_stance() -> impl Strategy<Value = Stance> {
    prop_oneof![
        6 => Just(Stance::Concur),
        2 => Just(Stance::ConcurWithReservation),
        2 => Just(Stance::OptOut),
        1 => Just(Stance::Object),
        1 => Just(Stance::ProposeAmendment),
    ]
}

fn procedure(round: bool) -> &'static str {
    if round { "round" } else { "silence" }
}

/// A world with an open assistance programme (opt-outs allowed) under silence or in a round.
fn opened(round: bool) -> (World, ProposalId) {
    let mut w = World::alliance();
    let id = if round { w.round() } else { w.silence() };
    (w, id)
}

#[test]
fn the_span_constant_is_the_fixture_deadline() {
    assert_eq!(plus(t0(), SPAN), deadline());
}

proptest! {
    #![proptest_config(config(128))]

    /// Rules 2–4: whatever consents came before, an objection strictly before the deadline blocks
    /// at once (and under silence, so does a proposed amendment).
    #[test]
    fn an_objection_before_the_deadline_always_blocks(
        round in any::<bool>(),
        objector in 0..31usize,
        others in subsequence((0..31usize).collect::<Vec<_>>(), 0..=31),
        stances in proptest::collection::vec(consenting(), 31),
        amendment in any::<bool>(),
        offset in 0..(SPAN - 100),
    ) {
        let (mut w, id) = opened(round);
        let electors = electors_on_t0();
        let others: Vec<usize> = others.into_iter().filter(|&i| i != objector).collect();
        for (n, &i) in others.iter().enumerate() {
            let events = w.take(id, electors[i].as_str(), stances[i], plus(t0(), n as i64 + 1));
            prop_assert!(decided(&events).is_none(), "decided before {} had spoken", electors[objector]);
        }
        let breach = if amendment && !round { Stance::ProposeAmendment } else { Stance::Object };
        let at = plus(t0(), 100 + offset);
        prop_assert!(at < deadline());
        let events = w.take(id, electors[objector].as_str(), breach, at);
        let d = decided(&events).cloned();
        prop_assert!(d.is_some(), "{:?} in a {} did not decide", breach, procedure(round));
        let d = d.unwrap_or_else(|| unreachable!());
        prop_assert_eq!(d.outcome, Outcome::Blocked);
        prop_assert_eq!(d.decided_at, at);
        prop_assert_eq!(who(&d.objections), vec![electors[objector]]);
        prop_assert!(d.concurred_by_silence.is_empty());
    }

    /// Rule 3: in a round a proposed amendment never blocks; it leaves consent outstanding.
    #[test]
    fn a_proposed_amendment_never_blocks_a_round(
        amender in 0..31usize,
        others in subsequence((0..31usize).collect::<Vec<_>>(), 0..=31),
    ) {
        let (mut w, id) = opened(true);
        let electors = electors_on_t0();
        prop_assert!(decided(&w.take(id, electors[amender].as_str(), Stance::ProposeAmendment, plus(t0(), 1))).is_none());
        for (n, &i) in others.iter().filter(|&&i| i != amender).enumerate() {
            prop_assert!(decided(&w.take(id, electors[i].as_str(), Stance::Concur, plus(t0(), n as i64 + 2))).is_none());
        }
        let d = w.close(id, deadline());
        prop_assert_eq!(d.outcome, Outcome::NotAdopted);
        prop_assert!(d.outstanding.contains(&electors[amender]));
    }

    /// Rules 2 and 5: concurrences, reservations and opt-outs, in any number and order, never block.
    #[test]
    fn adding_concurrences_never_blocks(
        round in any::<bool>(),
        takes in proptest::collection::vec((0..31usize, consenting(), 1..8_000i64), 0..120),
    ) {
        let (mut w, id) = opened(round);
        let electors = electors_on_t0();
        let mut at = t0();
        for (i, stance, gap) in takes {
            at = plus(at, gap);
            if at >= deadline() || !w.proposal(id).status.is_open() {
                break;
            }
            let events = w.take(id, electors[i].as_str(), stance, at);
            prop_assert_ne!(decided(&events).map(|d| d.outcome), Some(Outcome::Blocked));
        }
        let d = match w.proposal(id).decision.clone() {
            Some(d) => d,
            None => w.close(id, deadline()),
        };
        prop_assert!(d.objections.is_empty());
        match d.outcome {
            Outcome::Adopted | Outcome::AdoptedWithReservations => {
                prop_assert_eq!(d.outcome == Outcome::AdoptedWithReservations, !d.reservations.is_empty());
            }
            Outcome::NotAdopted => {
                prop_assert!(round, "silence never ends as not adopted");
                prop_assert!(!d.outstanding.is_empty());
            }
            Outcome::Blocked => prop_assert!(false, "blocked without an objection"),
        }
    }

    /// Rule 4: under silence with no breach the proposal is adopted at the deadline, however many
    /// electors concurred explicitly; every elector is accounted for exactly once.
    #[test]
    fn under_silence_without_a_breach_the_outcome_is_adoption_however_many_concurred_explicitly(
        explicit in subsequence((0..31usize).collect::<Vec<_>>(), 0..=31),
        stances in proptest::collection::vec(consenting(), 31),
    ) {
        let (mut w, id) = opened(false);
        let electors = electors_on_t0();
        for (n, &i) in explicit.iter().enumerate() {
            w.take(id, electors[i].as_str(), stances[i], plus(t0(), n as i64 + 1));
        }
        let d = w.close(id, deadline());
        let any_reservation = explicit.iter().any(|&i| stances[i] == Stance::ConcurWithReservation);
        let expected = if any_reservation { Outcome::AdoptedWithReservations } else { Outcome::Adopted };
        prop_assert_eq!(d.outcome, expected);
        prop_assert_eq!(d.decided_at, deadline());
        prop_assert_eq!(d.concurred_by_silence.len(), 31 - explicit.len());
        let mut everyone: Vec<CountryCode> = who(&d.concurred);
        everyone.extend(who(&d.opt_outs));
        everyone.extend(d.concurred_by_silence.iter().copied());
        everyone.sort();
        prop_assert_eq!(everyone, electors);
    }

    /// Rule 4: nothing is accepted at or after the deadline.
    #[test]
    fn a_position_at_or_after_the_deadline_is_refused(
        round in any::<bool>(),
        elector in 0..31usize,
        stance in any_stance(),
        late in 0..(30 * DAY),
    ) {
        let (mut w, id) = opened(round);
        let member = electors_on_t0()[elector];
        let r = w.refuse_take(id, member.as_str(), stance, plus(deadline(), late));
        prop_assert_eq!(r, crate::Refusal::DeadlinePassed { deadline: deadline() });
    }

    /// Rule 2: no count decides. The outcome is blocked exactly when some elector held a blocking
    /// stance; otherwise adopted (silence), or adopted or not adopted by whether all consented.
    #[test]
    fn the_outcome_is_blocked_exactly_when_a_blocking_stance_was_held(
        round in any::<bool>(),
        takes in proptest::collection::vec((0..31usize, any_stance()), 0..60),
    ) {
        let (mut w, id) = opened(round);
        let electors = electors_on_t0();
        let mut held = BTreeMap::new();
        for (n, (i, stance)) in takes.into_iter().enumerate() {
            if !w.proposal(id).status.is_open() {
                break;
            }
            w.take(id, electors[i].as_str(), stance, plus(t0(), n as i64 + 1));
            held.insert(i, stance);
        }
        let d = match w.proposal(id).decision.clone() {
            Some(d) => d,
            None => w.close(id, deadline()),
        };
        let p = if round { Procedure::ConsensusRound } else { Procedure::Silence };
        let blocking = held.values().any(|&s| blocks(p, s));
        prop_assert_eq!(d.outcome == Outcome::Blocked, blocking);
        if !blocking {
            let all = held.len() == 31 && held.values().all(|s| s.consents());
            let adopted = matches!(d.outcome, Outcome::Adopted | Outcome::AdoptedWithReservations);
            prop_assert_eq!(adopted, !round || all);
        }
    }
}
