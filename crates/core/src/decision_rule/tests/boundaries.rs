//! Each rule at its exact boundaries: exactly at the threshold, and one person or one state
//! below it.

use std::collections::BTreeMap;

use super::{codes, electors, populations};
use crate::decision_rule::*;
use crate::{CountryCode, Stance};

/// Yes for `yes`, no for everyone else in `electorate`, abstention for `abstain`.
fn votes(electorate: &[CountryCode], yes: usize, abstain: &[CountryCode]) -> BTreeMap<CountryCode, Vote> {
    electorate
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let v = if i < yes {
                Vote::Yes
            } else if abstain.contains(&m) {
                Vote::Abstain
            } else {
                Vote::No
            };
            (m, v)
        })
        .collect()
}

/// 27 members whose first 15 hold exactly 65 000 of 100 000 persons.
fn exactly_65_percent_in_the_first_15() -> (Vec<CountryCode>, Vec<u64>) {
    let e = electors(27);
    // 14 × 4 000 + 9 000 = 65 000; 11 × 3 000 + 2 000 = 35 000.
    let mut figures = vec![4_000; 14];
    figures.push(9_000);
    figures.extend(vec![3_000; 11]);
    figures.push(2_000);
    assert_eq!(figures.iter().take(15).sum::<u64>(), 65_000);
    assert_eq!(figures.iter().sum::<u64>(), 100_000);
    (e, figures)
}

#[test]
fn qmv_carries_exactly_at_55_percent_of_states_and_65_percent_of_people() {
    let (e, figures) = exactly_65_percent_in_the_first_15();
    let pops = populations(&e, &figures);
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e, &votes(&e, 15, &[]), Some(&pops)).unwrap();
    assert!(r.carried, "{}", r.explain());
    assert_eq!((r.yes, r.needed), (15, 15));
    assert_eq!(r.population.as_ref().map(|p| (p.in_favour, p.needed)), Some((65_000, 65_000)));
    assert_eq!(r.explain(), "Adopted: 15 of 27 states, 65.0 % of the population; blocking minority not reached.");

    // One person fewer in favour: 64 999 of 100 000, and 12 members against block.
    let mut one_less = figures.clone();
    one_less[0] -= 1;
    one_less[26] += 1;
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e, &votes(&e, 15, &[]), Some(&populations(&e, &one_less))).unwrap();
    assert!(!r.carried);
    assert_eq!(r.failed, vec![Failure::TooLittlePopulation]);
    assert_eq!(
        r.explain(),
        "Not adopted: 15 of 27 states, but 64.9 % of the population (64999 persons of the 65000 needed for 65 %); a \
         blocking minority of 12 members is reached."
    );
}

#[test]
fn qmv_fails_one_state_below_and_at_the_minimum_of_states() {
    let e = electors(27);
    // The first 14 hold 70 000 of 96 000 persons: the population is met, the states are not.
    let mut heavy = vec![5_000; 14];
    heavy.extend(vec![2_000; 13]);
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e, &votes(&e, 14, &[]), Some(&populations(&e, &heavy))).unwrap();
    assert!(!r.carried);
    assert_eq!(r.failed, vec![Failure::TooFewInFavour]);
    assert!(r.explain().starts_with("Not adopted: 14 of 27 states in favour, 15 needed;"), "{}", r.explain());

    // 55 % of 20 is exactly 11, but the minimum of 15 states still applies.
    let e20 = electors(20);
    let pops = populations(&e20, &[5; 20]);
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e20, &votes(&e20, 14, &[]), Some(&pops)).unwrap();
    assert_eq!((r.carried, r.needed), (false, 15));
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e20, &votes(&e20, 15, &[]), Some(&pops)).unwrap();
    assert!(r.carried);
    // Without the minimum, exactly 55 % carries and one state fewer does not.
    let no_min = Rule::QualifiedMajority {
        states: Ratio::new(55, 100),
        min_states: 0,
        population: Ratio::new(50, 100),
        blocking_min: 4,
    };
    assert!(count(&no_min, &e20, &votes(&e20, 11, &[]), Some(&pops)).unwrap().carried);
    assert!(!count(&no_min, &e20, &votes(&e20, 10, &[]), Some(&pops)).unwrap().carried);
}

/// Four big members hold 48 % of 100 000 persons; the other 23 hold 52 %.
fn four_big_members() -> (Vec<CountryCode>, Populations) {
    let e = electors(27);
    let mut figures = vec![2_260; 23];
    figures[22] = 2_280;
    figures.extend([12_000; 4]);
    assert_eq!(figures.iter().sum::<u64>(), 100_000);
    let pops = populations(&e, &figures);
    (e, pops)
}

#[test]
fn three_members_are_no_blocking_minority_four_are() {
    let (e, pops) = four_big_members();
    // Three big members against: 64 % in favour, but three members cannot block.
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e, &votes(&e, 24, &[]), Some(&pops)).unwrap();
    assert!(r.carried && r.deemed_attained, "{}", r.explain());
    assert_eq!(r.not_in_favour, 3);
    assert_eq!(
        r.explain(),
        "Adopted: 24 of 27 states, 64.0 % of the population (65 % needed), deemed attained: the 3 members not in \
         favour are fewer than the 4 a blocking minority needs."
    );
    // The fourth big member abstains: abstaining counts as not in favour, and four block.
    let r = count(&Rule::EU_QUALIFIED_MAJORITY, &e, &votes(&e, 23, &e[26..]), Some(&pops)).unwrap();
    assert!(!r.carried && !r.deemed_attained);
    assert_eq!((r.not_in_favour, r.abstain, r.no), (4, 1, 3));
    assert_eq!(r.failed, vec![Failure::TooLittlePopulation]);
}

#[test]
fn constructive_abstention_falls_at_exactly_one_third_of_states_and_people() {
    let e = electors(9);
    let rule = Rule::EU_CONSTRUCTIVE_ABSTENTION;
    let stances = |opt_outs: usize| -> BTreeMap<_, _> {
        e.iter().enumerate().map(|(i, &m)| (m, if i < opt_outs { Stance::OptOut } else { Stance::Concur })).collect()
    };
    // Three of nine opt out, holding 300 of 900 persons: exactly one third of each.
    let exact = populations(&e, &[100; 9]);
    let r = consent(&rule, &e, &stances(3), Some(&exact)).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.failed, vec![ConsentFailure::TooManyOptOuts]);
    assert_eq!(
        r.explain(),
        "Not adopted: 3 of 9 members opted out (AAA, AAB, AAC) with 33.3 % of the population, at least 1/3 of the \
         members and 1/3 of the population."
    );
    // One third of the states but one person short of a third of the population: adopted.
    let mut short = vec![100; 9];
    short[0] = 99;
    short[8] = 101;
    let r = consent(&rule, &e, &stances(3), Some(&populations(&e, &short))).unwrap();
    assert!(r.adopted, "{}", r.explain());
    assert_eq!(r.opt_out_share.as_ref().map(|s| (s.states_reached, s.population_reached)), Some((true, false)));
    // Two states holding most of the population: fewer than a third of the states, adopted.
    let r = consent(&rule, &e, &stances(2), Some(&populations(&e, &[400, 400, 20, 20, 20, 20, 20, 20, 20]))).unwrap();
    assert!(r.adopted);
    assert_eq!(
        r.explain(),
        "Adopted by consensus: 7 of 9 members consented, 2 opted out (AAA, AAB) with 85.1 % of the population."
    );
    // An objection still blocks, opt-outs or not.
    let mut objecting = stances(0);
    objecting.insert(e[4], Stance::Object);
    let r = consent(&rule, &e, &objecting, Some(&exact)).unwrap();
    assert_eq!(r.failed, vec![ConsentFailure::Blocked]);
}

#[test]
fn consensus_minus_one_disregards_only_the_state_concerned() {
    // The CSCE's 1992 suspension of Yugoslavia is the classic case; the electorate is illustrative.
    let e = codes("AUT FRA RUS SRB USA");
    let rule = Rule::ConsensusMinusOne { concerned: "SRB".parse().unwrap() };
    let mut stances: BTreeMap<_, _> = e.iter().map(|&m| (m, Stance::Concur)).collect();
    stances.insert("SRB".parse().unwrap(), Stance::Object);
    let r = consent(&rule, &e, &stances, None).unwrap();
    assert!(r.adopted, "{}", r.explain());
    assert_eq!(
        r.explain(),
        "Adopted by consensus: 4 of 5 members consented. SRB, the state concerned, did not consent; under consensus \
         minus one that does not block."
    );
    // Its silence does not hold the decision up either.
    stances.remove(&"SRB".parse().unwrap());
    assert!(consent(&rule, &e, &stances, None).unwrap().adopted);
    // Anyone else's objection blocks.
    stances.insert("RUS".parse().unwrap(), Stance::Object);
    let r = consent(&rule, &e, &stances, None).unwrap();
    assert!(!r.adopted);
    assert_eq!(
        r.explain(),
        "Blocked: RUS objected. One objection blocks; nobody votes. SRB, the state concerned, did not consent; under \
         consensus minus one that does not block."
    );
    // Under plain consensus the state concerned's objection blocks like any other.
    stances.insert("RUS".parse().unwrap(), Stance::Concur);
    stances.insert("SRB".parse().unwrap(), Stance::Object);
    assert_eq!(consent(&Rule::Consensus, &e, &stances, None).unwrap().objections, codes("SRB"));
}

#[test]
fn majorities_are_more_than_or_at_least_as_they_say() {
    let e = electors(15);
    let v = |yes: usize, no: usize| -> BTreeMap<_, _> {
        e.iter().take(yes + no).enumerate().map(|(i, &m)| (m, if i < yes { Vote::Yes } else { Vote::No })).collect()
    };
    let simple = Rule::simple_majority(Base::Cast);
    // 5 to 5 is not a majority of the votes cast; 6 to 5 is; the 5 not voting do not count.
    assert!(!count(&simple, &e, &v(5, 5), None).unwrap().carried);
    let r = count(&simple, &e, &v(6, 5), None).unwrap();
    assert!(r.carried);
    assert_eq!((r.base, r.needed, r.not_participating), (11, 6, 4));
    // Of the electorate: 8 of 15 is more than half, 7 is not.
    let absolute = Rule::simple_majority(Base::Electorate);
    assert!(count(&absolute, &e, &v(8, 0), None).unwrap().carried);
    assert!(!count(&absolute, &e, &v(7, 0), None).unwrap().carried);
    // Two thirds: exactly 10 of 15 is enough, 9 is not.
    let two_thirds = Rule::two_thirds(Base::Electorate);
    assert!(count(&two_thirds, &e, &v(10, 5), None).unwrap().carried);
    assert!(!count(&two_thirds, &e, &v(9, 6), None).unwrap().carried);
    // Nothing carries with no vote in favour, even "at least 2/3 of no votes cast".
    let r = count(&Rule::two_thirds(Base::Cast), &e, &BTreeMap::new(), None).unwrap();
    assert!(!r.carried);
    assert_eq!(
        r.explain(),
        "Not adopted: 0 in favour, 0 against, 0 abstaining, 15 not participating; 1 needed (at least 2/3 of the votes \
         cast: 0)."
    );
}

#[test]
fn the_deeming_saves_the_population_condition_only() {
    // Five members: two in favour are too few states, although only three are not in favour.
    let e = electors(5);
    let rule = Rule::QualifiedMajority {
        states: Ratio::new(55, 100),
        min_states: 0,
        population: Ratio::new(65, 100),
        blocking_min: 4,
    };
    let pops = populations(&e, &[100; 5]);
    let r = count(&rule, &e, &votes(&e, 2, &[]), Some(&pops)).unwrap();
    assert!(!r.carried && !r.deemed_attained);
    assert_eq!(r.failed, vec![Failure::TooFewInFavour, Failure::TooLittlePopulation]);
    // Three in favour meet the states (60 %) but not the population (60 %): two cannot block.
    let r = count(&rule, &e, &votes(&e, 3, &[]), Some(&pops)).unwrap();
    assert!(r.carried && r.deemed_attained);
}
