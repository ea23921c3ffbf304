//! Votes and population figures (issue 15): a body that decides by a vote rule circulates for a
//! vote, its electors vote (never concur), and the rule counts the votes with the population
//! figures fixed when the vote opened; constructive abstention weighs opt-outs the same way.
//! Replay recomputes every count, so a forged one is refused.

use std::collections::BTreeMap;

use super::bodies::{circulate, circulation, draft_in, establish, voting};
use super::fixtures::*;
use crate::decision_rule::{Failure, Populations, Rule};
use crate::{
    Actor, ApplyError, Command, CountryCode, DecisionKind, Event, Outcome, Procedure, ProposalStatus, Roster, Stance,
    State,
};

/// Figures for the electors on t0: one million each, `big` ten million each.
fn figures(year: i16, big: &[&str]) -> Populations {
    let figures: BTreeMap<CountryCode, u64> = electors_on_t0()
        .into_iter()
        .map(|m| (m, if big.iter().any(|b| c(b) == m) { 10_000_000 } else { 1_000_000 }))
        .collect();
    Populations { year, source: format!("constructed figures for {year}, for tests"), figures }
}

fn record(w: &mut World, p: Populations, at: jiff::Timestamp) {
    w.run(Actor::Secretariat, &Command::RecordPopulations { populations: p }, at);
}

/// A body of fifteen that decides as the UN Security Council does: nine votes including the five
/// veto holders' concurring votes, where abstaining is not a veto.
fn council_of_fifteen(w: &mut World) -> (Vec<CountryCode>, Vec<CountryCode>) {
    let members: Vec<CountryCode> = electors_on_t0().into_iter().take(15).collect();
    let veto: Vec<CountryCode> = members.iter().copied().take(5).collect();
    let rule = Rule::Threshold { needed: 9, veto_holders: veto.clone() };
    w.run(Actor::Secretariat, &voting("sc", Roster::Members { members: members.clone() }, rule), t0());
    (members, veto)
}

fn vote(w: &mut World, p: crate::ProposalId, m: CountryCode, stance: Stance, at: jiff::Timestamp) -> Vec<Event> {
    w.take(p, m.as_str(), stance, at)
}

#[test]
fn a_veto_holders_no_vetoes_and_its_abstention_does_not() {
    for (veto_holder_votes, outcome) in [(Stance::No, Outcome::NotAdopted), (Stance::Abstain, Outcome::Adopted)] {
        let mut w = World::alliance();
        let (members, veto) = council_of_fifteen(&mut w);
        let p = draft_in(&mut w, "sc", DecisionKind::Statement, t0());
        circulate(&mut w, p, Procedure::Vote, t0());
        assert_eq!(w.proposal(p).status, ProposalStatus::Voting);
        let first = members[0].as_str().to_owned();
        let refused = w.refuse_take(p, &first, Stance::Concur, plus(t0(), 10));
        assert_eq!(
            (refused.code(), refused.field()),
            ("stance-not-in-procedure", Some("stance")),
            "nobody concurs in a vote"
        );
        // Eleven yes, one veto holder as given, three abstentions (S/2022/155's tally).
        let mut at = plus(t0(), 60);
        for (i, m) in members.iter().enumerate() {
            let stance = match i {
                0 => veto_holder_votes,
                1..=11 => Stance::Yes,
                _ => Stance::Abstain,
            };
            assert!(w.proposal(p).decision.is_none(), "nothing is decided before the last vote");
            vote(&mut w, p, *m, stance, at);
            at = plus(at, 60);
        }
        let d = w.decision(p).clone();
        assert_eq!(d.outcome, outcome, "{veto_holder_votes:?}");
        let count = d.count.as_ref().expect("a vote keeps its count");
        assert_eq!((count.yes, count.electors, count.needed), (11, 15, 9));
        assert_eq!(d.votes.len(), 15, "every vote is kept with the decision");
        if veto_holder_votes == Stance::No {
            assert_eq!(count.vetoed_by, vec![veto[0]]);
            assert_eq!(count.failed, vec![Failure::Vetoed]);
            assert!(d.explain().contains(&format!("vetoed by {}", veto[0])), "{}", d.explain());
        } else {
            assert!(count.vetoed_by.is_empty() && count.carried);
            assert!(d.explain().contains("no veto holder voted no"), "{}", d.explain());
        }
        assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay recounts the same");
    }
}

#[test]
fn a_vote_closes_at_its_deadline_and_a_silent_elector_takes_no_part() {
    let mut w = World::alliance();
    let (members, _) = council_of_fifteen(&mut w);
    let p = draft_in(&mut w, "sc", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    for m in &members[5..13] {
        vote(&mut w, p, *m, Stance::Yes, plus(t0(), 60));
    }
    vote(&mut w, p, members[13], Stance::NotParticipating, plus(t0(), 90));
    let d = w.close(p, deadline());
    let count = d.count.as_ref().unwrap();
    assert_eq!((count.yes, count.not_participating), (8, 7), "six silent and one who said so");
    assert_eq!((d.outcome, d.decided_at), (Outcome::NotAdopted, deadline()), "eight of nine needed");
}

#[test]
fn the_principal_body_never_votes_and_a_consensus_body_takes_no_vote() {
    let mut w = World::alliance();
    let p = w.draft(DecisionKind::Statement, t0());
    let vote = circulation(p, Procedure::Vote);
    let refused = w.refuse(Actor::Secretariat, &vote, t0());
    assert_eq!(refused.field(), Some("procedure"), "{refused}");
    w.run(Actor::Secretariat, &establish("npg", Roster::AllMembers { except: vec![c("FRA")] }, Rule::Consensus), t0());
    let q = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    let vote = circulation(q, Procedure::Vote);
    assert_eq!(w.refuse(Actor::Secretariat, &vote, t0()).code(), "procedure-not-used");
    circulate(&mut w, q, Procedure::ConsensusRound, t0());
    assert_eq!(w.refuse_take(q, "DEU", Stance::Yes, plus(t0(), 60)).code(), "stance-not-in-procedure");
}

#[test]
fn population_figures_are_recorded_by_the_secretariat_for_members_only() {
    let mut w = World::alliance();
    let ok = figures(2024, &[]);
    let command = Command::RecordPopulations { populations: ok.clone() };
    assert_eq!(w.refuse(Actor::Member(c("DEU")), &command, t0()).code(), "not-permitted");
    let mut stranger = ok.clone();
    stranger.figures.insert(c("UKR"), 1);
    assert_eq!(
        w.refuse(Actor::Secretariat, &Command::RecordPopulations { populations: stranger }, t0()).code(),
        "unknown-member"
    );
    let mut zero = ok.clone();
    zero.figures.insert(c("DEU"), 0);
    assert_eq!(
        w.refuse(Actor::Secretariat, &Command::RecordPopulations { populations: zero }, t0()).field(),
        Some("figures")
    );
    let unsourced = Populations { source: " ".into(), ..ok.clone() };
    assert_eq!(
        w.refuse(Actor::Secretariat, &Command::RecordPopulations { populations: unsourced }, t0()).field(),
        Some("source")
    );
    let events = w.run(Actor::Secretariat, &command, t0());
    assert!(matches!(&events[..], [Event::PopulationsRecorded { populations, .. }] if *populations == ok));
    assert_eq!(w.state.populations.get(&2024), Some(&ok));
}

/// The electors of t0 voting: the first `yes` in code order yes, the rest no.
fn vote_qmv(w: &mut World, p: crate::ProposalId, yes: usize) {
    for (i, m) in electors_on_t0().into_iter().enumerate() {
        vote(w, p, m, if i < yes { Stance::Yes } else { Stance::No }, plus(t0(), 60 + i as i64));
    }
}

#[test]
fn a_qualified_majority_counts_states_and_people_by_the_figures_fixed_when_the_vote_opened() {
    let mut w = World::alliance();
    w.run(
        Actor::Secretariat,
        &voting("council", Roster::AllMembers { except: vec![] }, Rule::EU_QUALIFIED_MAJORITY),
        t0(),
    );
    let p = draft_in(&mut w, "council", DecisionKind::Statement, t0());
    let vote = circulation(p, Procedure::Vote);
    assert_eq!(w.refuse(Actor::Secretariat, &vote, t0()).code(), "populations-missing", "no figures, no count");
    // Figures for the year before apply until the year's own are recorded.
    record(&mut w, figures(2023, &[]), t0());
    let mut short = figures(2024, &[]);
    short.figures.remove(&c("USA"));
    record(&mut w, short, t0());
    assert_eq!(w.refuse(Actor::Secretariat, &vote, t0()).code(), "populations-missing", "USA has no 2024 figure");
    record(&mut w, figures(2024, &[]), t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    let frozen = w.proposal(p).circulation.as_ref().and_then(|c| c.rule.clone()).and_then(|r| r.populations).unwrap();
    assert_eq!(frozen, figures(2024, &[]));
    // New figures during the vote change nothing for it: with them, the 18 below would carry.
    let first_18: Vec<String> = electors_on_t0().iter().take(18).map(ToString::to_string).collect();
    let first_18: Vec<&str> = first_18.iter().map(String::as_str).collect();
    record(&mut w, figures(2024, &first_18), plus(t0(), 30));
    // 18 of 31 states (55 % is 17.05) but 18 of 31 million people (65 % is 20.15): not carried,
    // and the thirteen against are a blocking minority.
    vote_qmv(&mut w, p, 18);
    let d = w.decision(p).clone();
    let count = d.count.as_ref().unwrap();
    assert_eq!((d.outcome, count.needed), (Outcome::NotAdopted, 18));
    assert_eq!(count.failed, vec![Failure::TooLittlePopulation]);
    let pop = count.population.as_ref().unwrap();
    assert_eq!((pop.in_favour, pop.total, pop.needed), (18_000_000, 31_000_000, 20_150_000));
    assert_eq!(State::replay(&w.log).unwrap(), w.state);

    // The same vote opened now counts by the new figures: 18 states and 63 million of 76.
    let q = draft_in(&mut w, "council", DecisionKind::Statement, plus(t0(), 40));
    circulate(&mut w, q, Procedure::Vote, plus(t0(), 40));
    vote_qmv(&mut w, q, 18);
    assert_eq!(w.decision(q).outcome, Outcome::Adopted, "{}", w.decision(q).explain());
    assert!(w.decision(q).explain().contains("18 of 31 states"), "{}", w.decision(q).explain());
}

#[test]
fn replay_refuses_a_forged_count_and_forged_figures() {
    let mut w = World::alliance();
    w.run(
        Actor::Secretariat,
        &voting("council", Roster::AllMembers { except: vec![] }, Rule::EU_QUALIFIED_MAJORITY),
        t0(),
    );
    record(&mut w, figures(2024, &[]), t0());
    let p = draft_in(&mut w, "council", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    vote_qmv(&mut w, p, 18);
    assert_eq!(w.decision(p).outcome, Outcome::NotAdopted);

    let mut forged = w.log.clone();
    let Some(Event::ProposalDecided { decision, .. }) = forged.last_mut() else { panic!("the vote ended the log") };
    decision.outcome = Outcome::Adopted;
    if let Some(c) = decision.count.as_mut() {
        c.carried = true;
        c.failed.clear();
    }
    assert!(matches!(State::replay(&forged), Err((_, ApplyError::OutcomeMismatch { .. }))));

    let mut forged = w.log.clone();
    for e in &mut forged {
        if let Event::ProposalCirculated { rule: Some(r), .. } = e
            && let Some(p) = r.populations.as_mut()
        {
            p.figures.insert(c("DEU"), 90_000_000);
        }
    }
    assert!(State::replay(&forged).is_err(), "the figures recorded with the circulation are the log's");
}

#[test]
fn constructive_abstention_fails_at_a_third_of_the_states_with_a_third_of_the_people() {
    for (opt_outs, outcome) in [(10, Outcome::Adopted), (11, Outcome::NotAdopted)] {
        let mut w = World::alliance();
        w.run(
            Actor::Secretariat,
            &establish("council", Roster::AllMembers { except: vec![] }, Rule::EU_CONSTRUCTIVE_ABSTENTION),
            t0(),
        );
        let q = draft_in(&mut w, "council", DecisionKind::AssistanceProgramme, t0());
        let round = circulation(q, Procedure::ConsensusRound);
        assert_eq!(w.refuse(Actor::Secretariat, &round, t0()).code(), "populations-missing");
        record(&mut w, figures(2024, &[]), t0());
        circulate(&mut w, q, Procedure::ConsensusRound, t0());
        // 11 of 31 is at least a third (10.33) of the states and of the people; 10 is not.
        for (i, m) in electors_on_t0().into_iter().enumerate() {
            let stance = if i < opt_outs { Stance::OptOut } else { Stance::Concur };
            w.take(q, m.as_str(), stance, plus(t0(), 60 + i as i64));
        }
        let d = w.decision(q).clone();
        assert_eq!(d.outcome, outcome, "{opt_outs} opted out: {}", d.explain());
        let share = d.opt_out_share.as_ref().unwrap();
        assert_eq!(share.opted_out, opt_outs as u64 * 1_000_000);
        if outcome == Outcome::NotAdopted {
            assert!(d.explain().contains("opted out"), "{}", d.explain());
        }
        assert_eq!(State::replay(&w.log).unwrap(), w.state);
    }
}

#[test]
fn no_vote_opens_that_its_rule_could_never_decide() {
    let mut w = World::alliance();
    let five: Vec<CountryCode> = electors_on_t0().into_iter().take(5).collect();
    let roster = Roster::Members { members: five };
    w.run(Actor::Secretariat, &voting("small", roster, Rule::EU_QUALIFIED_MAJORITY), t0());
    record(&mut w, figures(2024, &[]), t0());
    let p = draft_in(&mut w, "small", DecisionKind::Statement, t0());
    let vote = circulation(p, Procedure::Vote);
    let refused = w.refuse(Actor::Secretariat, &vote, t0());
    assert_eq!(refused.field(), Some("rule"), "fifteen states are never found among five: {refused}");
}

#[test]
fn an_adopted_vote_leaves_the_members_only_if_everyone_voted_yes() {
    for (last, public) in [(Stance::Yes, true), (Stance::Abstain, false)] {
        let mut w = World::alliance();
        let (members, _) = council_of_fifteen(&mut w);
        let p = draft_in(&mut w, "sc", DecisionKind::Statement, t0());
        circulate(&mut w, p, Procedure::Vote, t0());
        for (i, m) in members.iter().enumerate() {
            let stance = if i == 14 { last } else { Stance::Yes };
            vote(&mut w, p, *m, stance, plus(t0(), 60 + i as i64));
        }
        let Some(decided) = w.log.last() else { panic!("a log") };
        assert_eq!(w.decision(p).outcome, Outcome::Adopted);
        let marking = w.state.marking(decided);
        assert_eq!(marking == crate::Marking::Public, public, "{last:?}: {marking:?}");
    }
}
