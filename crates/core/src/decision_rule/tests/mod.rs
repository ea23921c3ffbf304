//! The decision rules' tests: the arithmetic and refusals here, each rule's law as a property in
//! `properties`, the boundaries in `boundaries`, and worked examples from published records in
//! `examples`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::*;
use crate::words::Word;
use crate::{CountryCode, Stance};

mod boundaries;
mod examples;
mod properties;

/// A country code.
pub(super) fn c(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

/// Codes from a space-separated list.
pub(super) fn codes(list: &str) -> Vec<CountryCode> {
    list.split_whitespace().map(c).collect()
}

/// `n` distinct electors: AAA, AAB, ...
pub(super) fn electors(n: usize) -> Vec<CountryCode> {
    (0..n)
        .map(|i| {
            let b = |k: usize| char::from(b'A' + u8::try_from(k % 26).unwrap_or(0));
            c(&format!("{}{}{}", b(i / 676), b(i / 26), b(i)))
        })
        .collect()
}

/// Figures for `members`, in order.
pub(super) fn populations(members: &[CountryCode], figures: &[u64]) -> Populations {
    assert_eq!(members.len(), figures.len());
    Populations {
        year: 2024,
        source: "test figures".into(),
        figures: members.iter().copied().zip(figures.iter().copied()).collect(),
    }
}

#[test]
fn ratios_compare_exactly_by_cross_multiplying() {
    let third = Ratio::THIRD;
    assert!(third.reached(1, 3) && !third.exceeded(1, 3));
    assert!(!third.reached(333_333_333, 1_000_000_000), "0.333333333 is less than a third");
    assert!(Ratio::new(u32::MAX, u32::MAX).reached(u64::MAX, u64::MAX), "no overflow");
    assert!(Ratio::HALF.exceeded(6, 10) && !Ratio::HALF.exceeded(5, 10) && Ratio::HALF.reached(5, 10));
    assert_eq!(Ratio::new(55, 100).least(27, Bound::AtLeast), 15, "55 % of 27 is 14.85");
    assert_eq!(Ratio::HALF.least(10, Bound::MoreThan), 6);
    assert_eq!(Ratio::TWO_THIRDS.least(15, Bound::AtLeast), 10);
    assert_eq!(Ratio::new(65, 100).to_string(), "65 %");
    assert_eq!(Ratio::new(725, 1000).to_string(), "72.5 %");
    assert_eq!(Ratio::THIRD.to_string(), "1/3");
}

#[test]
fn percentages_are_rounded_half_up_for_display_only() {
    assert_eq!(percent(713, 1000), "71.3 %");
    assert_eq!(percent(7125, 10_000), "71.2 %");
    assert_eq!(percent(6_499_999, 10_000_000), "64.9 %", "never reads as meeting 65 %");
    assert_eq!(percent(2, 3), "66.6 %");
    assert_eq!(percent(1, 1), "100.0 %");
    assert_eq!(percent(0, 0), "0.0 %");
    assert_eq!(percent(u64::MAX, u64::MAX), "100.0 %");
}

#[test]
fn nonsense_rules_are_refused() {
    let bad = [
        (Rule::Majority { fraction: Ratio::new(1, 0), of: Base::Cast, bound: Bound::AtLeast }, "denominator is 0"),
        (Rule::Majority { fraction: Ratio::new(3, 2), of: Base::Cast, bound: Bound::AtLeast }, "3/2"),
        (Rule::Majority { fraction: Ratio::new(0, 2), of: Base::Cast, bound: Bound::AtLeast }, "0/2"),
        (Rule::Majority { fraction: Ratio::new(2, 2), of: Base::Cast, bound: Bound::MoreThan }, "more than all"),
        (Rule::Threshold { needed: 0, veto_holders: vec![] }, "at least one vote"),
        (Rule::Threshold { needed: 9, veto_holders: codes("RUS USA RUS") }, "RUS is listed twice"),
        (Rule::ConstructiveAbstention { states: Ratio::THIRD, population: Ratio::new(1, 0) }, "population"),
        (
            Rule::QualifiedMajority {
                states: Ratio::new(0, 1),
                min_states: 0,
                population: Ratio::HALF,
                blocking_min: 0,
            },
            "members in favour",
        ),
    ];
    for (rule, says) in bad {
        let e = rule.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(says), "{rule:?}: {e:?} should say {says:?}");
    }
    for good in [
        Rule::Consensus,
        Rule::ConsensusMinusOne { concerned: c("SRB") },
        Rule::EU_CONSTRUCTIVE_ABSTENTION,
        Rule::EU_QUALIFIED_MAJORITY,
        Rule::Threshold { needed: 9, veto_holders: codes("CHN FRA GBR RUS USA") },
        Rule::simple_majority(Base::Cast),
        Rule::two_thirds(Base::Electorate),
        Rule::Majority { fraction: Ratio::new(1, 1), of: Base::Electorate, bound: Bound::AtLeast },
    ] {
        assert_eq!(good.check(), Ok(()), "{good:?}");
    }
}

#[test]
fn evaluations_refuse_what_they_cannot_decide() {
    let e = electors(3);
    let no_votes = BTreeMap::new();
    let no_stances = BTreeMap::new();
    assert_eq!(
        count(&Rule::Consensus, &e, &no_votes, None).err(),
        Some(RuleError::WrongFamily { rule: "consensus", family: Family::Consensus })
    );
    assert!(consent(&Rule::simple_majority(Base::Cast), &e, &no_stances, None).is_err());
    assert_eq!(count(&Rule::simple_majority(Base::Cast), &[], &no_votes, None).err(), Some(RuleError::EmptyElectorate));
    let twice = [e[0], e[1], e[0]];
    assert_eq!(consent(&Rule::Consensus, &twice, &no_stances, None).err(), Some(RuleError::Duplicate(e[0])));
    let stranger: BTreeMap<_, _> = [(c("ZZZ"), Vote::Yes)].into();
    assert_eq!(
        count(&Rule::simple_majority(Base::Cast), &e, &stranger, None).err(),
        Some(RuleError::NotAnElector(c("ZZZ")))
    );
    let too_many = Rule::Threshold { needed: 4, veto_holders: vec![] };
    assert!(matches!(count(&too_many, &e, &no_votes, None), Err(RuleError::Unreachable { needed: 4, .. })));
    let outside_veto = Rule::Threshold { needed: 2, veto_holders: codes("ZZZ") };
    assert_eq!(count(&outside_veto, &e, &no_votes, None).err(), Some(RuleError::NotAnElector(c("ZZZ"))));
    let outside_concerned = Rule::ConsensusMinusOne { concerned: c("ZZZ") };
    assert_eq!(consent(&outside_concerned, &e, &no_stances, None).err(), Some(RuleError::NotAnElector(c("ZZZ"))));
    let qmv = Rule::QualifiedMajority { states: Ratio::HALF, min_states: 0, population: Ratio::HALF, blocking_min: 2 };
    assert_eq!(
        count(&qmv, &e, &no_votes, None).err(),
        Some(RuleError::PopulationsNeeded { rule: "qualified_majority" })
    );
    let partial = populations(&e[..2], &[10, 20]);
    assert_eq!(
        count(&qmv, &e, &no_votes, Some(&partial)).err().map(|e| e.to_string()),
        Some("no population figure for AAC in the 2024 figures".into())
    );
    let overflow = populations(&e, &[u64::MAX, 1, 1]);
    assert_eq!(count(&qmv, &e, &no_votes, Some(&overflow)).err(), Some(RuleError::PopulationOverflow));
}

#[test]
fn rules_serialise_with_their_name_as_tag_and_round_trip() {
    let unsc = Rule::Threshold { needed: 9, veto_holders: codes("CHN FRA GBR RUS USA") };
    assert_eq!(
        serde_json::to_string(&unsc).ok().as_deref(),
        Some(r#"{"rule":"threshold","needed":9,"veto_holders":["CHN","FRA","GBR","RUS","USA"]}"#)
    );
    assert_eq!(serde_json::to_string(&Rule::Consensus).ok().as_deref(), Some(r#"{"rule":"consensus"}"#));
    assert_eq!(
        serde_json::to_string(&Rule::simple_majority(Base::Cast)).ok().as_deref(),
        Some(r#"{"rule":"majority","fraction":{"num":1,"den":2},"of":"cast","bound":"more_than"}"#)
    );
    for rule in [
        Rule::Consensus,
        Rule::ConsensusMinusOne { concerned: c("SRB") },
        Rule::EU_CONSTRUCTIVE_ABSTENTION,
        Rule::EU_QUALIFIED_MAJORITY,
        unsc,
        Rule::two_thirds(Base::Electorate),
    ] {
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(json["rule"].as_str(), Some(rule.name()));
        assert_eq!(serde_json::from_value::<Rule>(json).ok(), Some(rule));
    }
    assert_eq!(Rule::default(), Rule::Consensus);
}

#[test]
fn each_rule_reads_as_one_honest_sentence() {
    assert_eq!(Rule::Consensus.words(), "Consensus: every member must agree; one objection blocks. Nobody votes.");
    assert_eq!(
        Rule::EU_QUALIFIED_MAJORITY.to_string(),
        "Qualified majority: 55 % of the members, at least 15, representing 65 % of the population; a blocking \
         minority needs at least 4 members, failing which the qualified majority is deemed attained. Abstaining \
         counts as not in favour."
    );
    assert_eq!(
        Rule::simple_majority(Base::Cast).words(),
        "Simple majority: votes in favour more than 50 % of the votes cast (abstaining and not taking part do not \
         count)."
    );
    assert!(
        Rule::two_thirds(Base::Electorate).words().starts_with("Two-thirds majority: votes in favour at least 2/3")
    );
    for rule in [Rule::Consensus, Rule::ConsensusMinusOne { concerned: c("SRB") }, Rule::EU_CONSTRUCTIVE_ABSTENTION] {
        assert_eq!(rule.family(), Family::Consensus);
        assert!(!rule.words().to_lowercase().contains(" vote "), "{}", rule.words());
    }
}

/// Every value of a words! enumeration: its serde name, its words, and both parse back.
fn check_words<T: Word + Serialize + PartialEq + fmt::Debug>(count: usize) {
    assert_eq!(T::VALUES.len(), count);
    for &v in T::VALUES {
        let json = serde_json::to_value(v).ok();
        assert_eq!(json.as_ref().and_then(|j| j.as_str()), Some(v.name()));
        assert_eq!(v.name().parse::<T>(), Ok(v));
        assert_eq!(v.to_string().parse::<T>(), Ok(v), "{v}: Display and FromStr agree");
    }
}

#[test]
fn the_enumerations_have_words() {
    check_words::<Vote>(4);
    check_words::<Family>(2);
    check_words::<Base>(2);
    check_words::<Bound>(2);
    check_words::<Failure>(3);
    check_words::<ConsentFailure>(3);
    assert_eq!("not-participating".parse::<Vote>(), Ok(Vote::NotParticipating));
}

#[test]
fn only_an_objection_blocks_and_never_under_a_vote_rule() {
    let rule = Rule::ConsensusMinusOne { concerned: c("SRB") };
    assert!(!blocks(&rule, c("SRB"), Stance::Object), "the state concerned never blocks");
    assert!(blocks(&rule, c("FRA"), Stance::Object));
    for s in [Stance::Concur, Stance::ConcurWithReservation, Stance::OptOut, Stance::ProposeAmendment] {
        assert!(!blocks(&Rule::Consensus, c("FRA"), s), "{s:?}");
    }
    assert!(!blocks(&Rule::EU_QUALIFIED_MAJORITY, c("FRA"), Stance::Object));
}

#[test]
fn a_missing_stance_or_an_amendment_leaves_consent_outstanding() {
    let e = codes("BEL FRA NLD");
    let stances: BTreeMap<_, _> = [(c("BEL"), Stance::Concur), (c("FRA"), Stance::ProposeAmendment)].into();
    let r = consent(&Rule::Consensus, &e, &stances, None).unwrap();
    assert!(!r.adopted);
    assert_eq!(r.failed, vec![ConsentFailure::Outstanding]);
    assert_eq!(r.outstanding, codes("FRA NLD"));
    assert_eq!(r.explain(), "Not adopted: the consent of 2 of 3 members is missing (FRA, NLD).");
}

#[test]
fn figures_read_from_csv_with_or_without_a_header_and_refuse_nonsense_by_line() {
    let f = Populations::figures_from_csv("member,population\nDEU, 83 445 000\n\nFRA,68_402_000\n").unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!((f[&c("DEU")], f[&c("FRA")]), (83_445_000, 68_402_000));
    for (bad, says) in [
        ("FRA,1\nDEU,many\n", "line 2: \"many\" is not a whole number"),
        ("FRA,1\nFRA,2\n", "line 2: FRA is listed twice"),
        ("", "no figure"),
        ("member,population\n", "no figure"),
        ("FRA,1\nFrance,1\n", "line 2:"),
        ("FRA 1\n", "line 1: expected `member,population`"),
    ] {
        let err = Populations::figures_from_csv(bad).unwrap_err();
        assert!(err.contains(says), "{bad:?}: {err}");
    }
}
