//! Each rule's law as a property (proptest, from a fixed seed, persisting nothing: the suite is
//! deterministic; set `PROPTEST_CASES` to run more cases).

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::subsequence;
use proptest::test_runner::RngSeed;

use super::{electors, populations};
use crate::decision_rule::*;
use crate::{CountryCode, Stance};

/// `cases` cases (or `PROPTEST_CASES`), from a fixed seed, persisting nothing.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x0C0_4C0D),
        ..ProptestConfig::default()
    }
}

fn any_stance() -> impl Strategy<Value = Option<Stance>> {
    prop_oneof![
        Just(None),
        Just(Some(Stance::Concur)),
        Just(Some(Stance::ConcurWithReservation)),
        Just(Some(Stance::OptOut)),
        Just(Some(Stance::Object)),
        Just(Some(Stance::ProposeAmendment)),
    ]
}

fn any_vote() -> impl Strategy<Value = Option<Vote>> {
    prop_oneof![
        Just(None),
        Just(Some(Vote::Yes)),
        Just(Some(Vote::No)),
        Just(Some(Vote::Abstain)),
        Just(Some(Vote::NotParticipating)),
    ]
}

/// A fraction above 0 and at most 1.
fn any_ratio() -> impl Strategy<Value = Ratio> {
    (1u32..=100).prop_flat_map(|den| (1..=den).prop_map(move |num| Ratio::new(num, den)))
}

/// Any consensus rule over `n` electors.
fn any_consensus_rule(n: usize) -> impl Strategy<Value = Rule> {
    let e = electors(n);
    prop_oneof![
        Just(Rule::Consensus),
        (0..n).prop_map(move |k| Rule::ConsensusMinusOne { concerned: e[k] }),
        (any_ratio(), any_ratio()).prop_map(|(states, population)| Rule::ConstructiveAbstention { states, population }),
    ]
}

/// Any vote rule the `n` electors can meet.
fn any_vote_rule(n: usize) -> impl Strategy<Value = Rule> {
    let n32 = u32::try_from(n).unwrap_or(u32::MAX);
    let e = electors(n);
    prop_oneof![
        (any_ratio(), 0..=n32, any_ratio(), 0..=n32).prop_map(|(states, min_states, population, blocking_min)| {
            Rule::QualifiedMajority { states, min_states, population, blocking_min }
        }),
        (1..=n32, subsequence(e, 0..=n)).prop_map(|(needed, veto_holders)| Rule::Threshold { needed, veto_holders }),
        (
            any_ratio(),
            prop_oneof![Just(Base::Electorate), Just(Base::Cast)],
            prop_oneof![Just(Bound::MoreThan), Just(Bound::AtLeast)]
        )
            .prop_filter("more than all is refused", |(f, _, b)| !(*b == Bound::MoreThan && f.num == f.den))
            .prop_map(|(fraction, of, bound)| Rule::Majority { fraction, of, bound }),
    ]
}

/// Electors, a rule, positions (or votes), figures, and one elector to change.
fn world<R, P>(
    rule: fn(usize) -> R,
    position: fn() -> P,
) -> impl Strategy<Value = (R::Value, Vec<P::Value>, Vec<u64>, usize)>
where
    R: Strategy,
    P: Strategy,
{
    (1usize..=12).prop_flat_map(move |n| {
        (rule(n), proptest::collection::vec(position(), n), proptest::collection::vec(1u64..1_000_000, n), 0..n)
    })
}

fn keyed<T: Copy>(e: &[CountryCode], v: &[Option<T>]) -> BTreeMap<CountryCode, T> {
    e.iter().zip(v).filter_map(|(&m, p)| p.map(|p| (m, p))).collect()
}

proptest! {
    #![proptest_config(config(256))]

    /// Turning any elector's stance into concurrence never turns adopted into not adopted, and
    /// never adds a reason to fail.
    #[test]
    fn concurring_never_hurts_under_a_consensus_rule(
        (rule, stances, figures, k) in world(any_consensus_rule, any_stance)
    ) {
        let e = electors(stances.len());
        let pops = populations(&e, &figures);
        let before = consent(&rule, &e, &keyed(&e, &stances), Some(&pops)).unwrap();
        let mut changed = stances.clone();
        changed[k] = Some(Stance::Concur);
        let after = consent(&rule, &e, &keyed(&e, &changed), Some(&pops)).unwrap();
        prop_assert!(!before.adopted || after.adopted, "{} / {}", before.explain(), after.explain());
        prop_assert!(after.failed.iter().all(|f| before.failed.contains(f)));
        // Only an objection that counts ever blocks.
        let blocking = e.iter().zip(&stances).any(|(&m, s)| s.is_some_and(|s| blocks(&rule, m, s)));
        prop_assert_eq!(before.failed.contains(&ConsentFailure::Blocked), blocking);
    }

    /// Turning a no, an abstention or a missing vote into yes never turns carried into not
    /// carried, under every vote rule.
    #[test]
    fn voting_yes_never_hurts_under_a_vote_rule(
        (rule, votes, figures, k) in world(any_vote_rule, any_vote)
    ) {
        let e = electors(votes.len());
        let pops = populations(&e, &figures);
        let before = count(&rule, &e, &keyed(&e, &votes), Some(&pops)).unwrap();
        let mut changed = votes.clone();
        changed[k] = Some(Vote::Yes);
        let after = count(&rule, &e, &keyed(&e, &changed), Some(&pops)).unwrap();
        prop_assert!(!before.carried || after.carried, "{} / {}", before.explain(), after.explain());
        prop_assert_eq!(before.yes + before.no + before.abstain + before.not_participating, before.electors);
        prop_assert_eq!(before.carried, before.failed.is_empty());
    }

    /// What a count reports as needed is exactly where the comparison turns.
    #[test]
    fn the_least_needed_agrees_with_the_comparison(ratio in any_ratio(), whole in 0u64..10_000, part in 0u64..10_000) {
        for bound in [Bound::AtLeast, Bound::MoreThan] {
            prop_assert_eq!(ratio.satisfied(part, whole, bound), part >= ratio.least(whole, bound));
        }
    }

    /// A veto holder's abstention or absence never stops a resolution with enough votes; its no
    /// always does.
    #[test]
    fn only_a_permanent_members_no_is_a_veto(
        elected in proptest::collection::vec(any_vote(), 10),
        permanent in proptest::collection::vec(
            prop_oneof![Just(None), Just(Some(Vote::Yes)), Just(Some(Vote::Abstain)), Just(Some(Vote::NotParticipating))],
            5,
        ),
        vetoing in 0usize..5,
    ) {
        let e = electors(15);
        let rule = Rule::Threshold { needed: 9, veto_holders: e[..5].to_vec() };
        let mut all: Vec<Option<Vote>> = permanent.clone();
        all.extend(elected);
        let r = count(&rule, &e, &keyed(&e, &all), None).unwrap();
        prop_assert_eq!(r.carried, r.yes >= 9);
        all[vetoing] = Some(Vote::No);
        let r = count(&rule, &e, &keyed(&e, &all), None).unwrap();
        prop_assert!(!r.carried);
        prop_assert_eq!(r.vetoed_by.clone(), vec![e[vetoing]]);
        // The same vote with no veto holders (procedural) carries on the numbers alone.
        let procedural = Rule::Threshold { needed: 9, veto_holders: vec![] };
        let p = count(&procedural, &e, &keyed(&e, &all), None).unwrap();
        prop_assert_eq!(p.carried, p.yes >= 9);
    }
}
