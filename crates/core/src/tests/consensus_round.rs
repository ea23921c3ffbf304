//! Rule 2, no voting: one objection blocks, whatever the count; and rule 3, the explicit
//! consensus round: silence is not consent, so a round is adopted only when every elector has
//! concurred (with or without a reservation) or opted out.

use super::fixtures::*;
use crate::{Outcome, ProposalStatus, Stance};

/// Every elector on 2024-02-27 but `except`, as text.
fn all_but(except: &[&str]) -> Vec<String> {
    electors_on_t0().iter().map(|m| m.to_string()).filter(|m| !except.contains(&m.as_str())).collect()
}

#[test]
fn one_objection_among_30_concurrences_blocks_a_consensus_round() {
    let mut w = World::alliance();
    let id = w.round();
    for (i, m) in all_but(&["HUN"]).iter().enumerate() {
        assert!(decided(&w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 1))).is_none());
    }
    assert_eq!(w.proposal(id).positions.len(), 30);
    let events = w.take(id, "HUN", Stance::Object, plus(t0(), 3600));
    let d = decided(&events).expect("the objection decides");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(d.concurred.len(), 30);
    assert_eq!(who(&d.objections), vec![c("HUN")]);
}

#[test]
fn one_objection_among_30_concurrences_blocks_under_silence() {
    let mut w = World::alliance();
    let id = w.silence();
    for (i, m) in all_but(&["HUN"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 1));
    }
    let d = decided(&w.take(id, "HUN", Stance::Object, plus(t0(), 3600))).cloned().expect("decided");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(w.proposal(id).status, ProposalStatus::Blocked);
}

#[test]
fn an_objection_blocks_whether_it_comes_first_or_last() {
    for first in [true, false] {
        let mut w = World::alliance();
        let id = w.round();
        let objection_at = if first { plus(t0(), 1) } else { plus(t0(), 100) };
        if first {
            w.take(id, "TUR", Stance::Object, objection_at);
        } else {
            for (i, m) in all_but(&["TUR", "FRA"]).iter().enumerate() {
                w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 2));
            }
            w.take(id, "TUR", Stance::Object, objection_at);
        }
        let d = w.decision(id);
        assert_eq!(d.outcome, Outcome::Blocked, "objection first: {first}");
        assert_eq!(d.decided_at, objection_at);
    }
}

#[test]
fn a_silent_elector_keeps_a_consensus_round_open() {
    let mut w = World::alliance();
    let id = w.round();
    for (i, m) in all_but(&["ISL"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 1));
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::ConsensusRound);
    assert!(w.proposal(id).decision.is_none());
    assert_eq!(w.state.deadlines().collect::<Vec<_>>(), vec![(id, deadline())]);
}

#[test]
fn a_consensus_round_is_adopted_the_moment_the_last_elector_consents() {
    let mut w = World::alliance();
    let id = w.round();
    for (i, m) in all_but(&["ISL"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 1));
    }
    let last = ts("2024-03-01T10:00:00Z");
    let events = w.take(id, "ISL", Stance::Concur, last);
    let d = decided(&events).expect("the last consent decides");
    assert_eq!(d.outcome, Outcome::Adopted);
    assert_eq!(d.decided_at, last, "at the last consent, not at the deadline");
    assert_eq!(d.concurred.len(), 31);
    assert!(d.concurred_by_silence.is_empty(), "in a round nobody concurs by silence");
    assert!(d.outstanding.is_empty());
    assert_eq!(w.proposal(id).status, ProposalStatus::Adopted);
}

#[test]
fn opting_out_and_reservations_count_as_consent_in_a_round() {
    let mut w = World::alliance();
    let id = w.round();
    w.take(id, "HUN", Stance::OptOut, plus(t0(), 1));
    w.take(id, "FRA", Stance::ConcurWithReservation, plus(t0(), 2));
    for (i, m) in all_but(&["HUN", "FRA"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 3));
    }
    let d = w.decision(id);
    assert_eq!(d.outcome, Outcome::AdoptedWithReservations);
    assert_eq!(who(&d.opt_outs), vec![c("HUN")]);
    assert_eq!(who(&d.reservations), vec![c("FRA")]);
    assert_eq!(d.concurred.len(), 30, "reservations are concurrences; opt-outs are not");
}

#[test]
fn a_consensus_round_closes_as_not_adopted_at_the_deadline_listing_the_missing_electors() {
    let mut w = World::alliance();
    let id = w.round();
    for (i, m) in all_but(&["ISL", "MNE", "USA"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 1));
    }
    w.take(id, "USA", Stance::ProposeAmendment, plus(t0(), 100));
    let d = w.close(id, deadline());
    assert_eq!(d.outcome, Outcome::NotAdopted);
    assert_eq!(d.decided_at, deadline());
    assert_eq!(d.outstanding, vec![c("ISL"), c("MNE"), c("USA")], "in code order");
    assert!(d.concurred_by_silence.is_empty());
    assert_eq!(w.proposal(id).status, ProposalStatus::NotAdopted);
    let why = d.explain();
    assert!(why.contains("3 of 31") && why.contains("ISL, MNE, USA"), "{why}");
}

#[test]
fn an_objection_in_a_round_blocks_at_once_without_waiting_for_the_others() {
    let mut w = World::alliance();
    let id = w.round();
    let at = plus(t0(), 5);
    let d = decided(&w.take(id, "GRC", Stance::Object, at)).cloned().expect("decided");
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(d.decided_at, at);
    assert_eq!(d.outstanding.len(), 31, "nobody else had consented");
    assert_eq!(w.proposal(id).status, ProposalStatus::Blocked);
}

#[test]
fn a_proposed_amendment_in_a_round_does_not_block_but_leaves_consent_outstanding() {
    let mut w = World::alliance();
    let id = w.round();
    let events = w.take(id, "DEU", Stance::ProposeAmendment, plus(t0(), 1));
    assert!(decided(&events).is_none(), "not a breach of silence: there is no silence in a round");
    for (i, m) in all_but(&["DEU"]).iter().enumerate() {
        w.take(id, m, Stance::Concur, plus(t0(), i as i64 + 2));
    }
    assert_eq!(w.proposal(id).status, ProposalStatus::ConsensusRound, "DEU's consent is still missing");
    // DEU concurs after all: adopted at once.
    let at = plus(t0(), 3600);
    let d = decided(&w.take(id, "DEU", Stance::Concur, at)).cloned().expect("decided");
    assert_eq!(d.outcome, Outcome::Adopted);
    assert_eq!(d.decided_at, at);
}

#[test]
fn the_outcome_does_not_depend_on_how_many_concurred() {
    // One concurrence or thirty, with one silent elector: the round stays open either way, and
    // closes as not adopted. Under silence, either way it is adopted.
    for n in [1usize, 15, 30] {
        let mut w = World::alliance();
        let round = w.round();
        let silence = w.silence();
        for (i, m) in electors_on_t0().iter().take(n).enumerate() {
            w.take(round, m.as_str(), Stance::Concur, plus(t0(), i as i64 + 1));
            w.take(silence, m.as_str(), Stance::Concur, plus(t0(), i as i64 + 1));
        }
        assert_eq!(w.close(round, deadline()).outcome, Outcome::NotAdopted, "{n} concurred");
        assert_eq!(w.close(silence, deadline()).outcome, Outcome::Adopted, "{n} concurred");
    }
}
