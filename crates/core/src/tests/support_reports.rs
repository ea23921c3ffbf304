//! Reports (rules 10, 11, 12, 14): what each measure counts, conversion with recorded rates, the
//! unknown-month bucket, shares over time, burden share, and request gaps.

use std::collections::BTreeMap;

use jiff::civil::date;
use proptest::prelude::*;

use super::fixtures::c;
use super::support_fixtures::{Support, bilateral, eur, now, to_fund, total};
use crate::support::report::{Month, ReportError, burden_share, pledged_vs_delivered, request_gaps, shares, totals};
use crate::support::{
    Currency, Measure, Money, PledgeStatus, RangeClass, RequestStatus, SupportCategory as Cat, SupportCommand,
};
use crate::{Actor, Command};

fn committed(s: &mut Support, terms: crate::support::PledgeTerms) -> crate::support::PledgeId {
    let id = s.w.state.support.next_pledge_id();
    s.w.run(
        Actor::Secretariat,
        &Command::Support(SupportCommand::RecordPledge { pledge: terms, status: Some(PledgeStatus::Committed) }),
        now(),
    );
    id
}

#[test]
fn rule_10_each_measure_counts_its_statuses_and_says_which_it_is() {
    let mut s = Support::new();
    s.pledge(Actor::Secretariat, bilateral("DEU", Cat::Artillery)); // announced: not counted
    committed(&mut s, bilateral("FRA", Cat::Artillery));
    let t = totals(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap();
    assert_eq!(t.measure, Measure::Committed);
    assert_eq!(t.total, total(100_000_000));
    assert_eq!(t.rows.len(), 1);
    let row = &t.rows[0];
    assert_eq!(
        (row.donor, row.category, row.lethal, row.status),
        (c("FRA"), Cat::Artillery, true, PledgeStatus::Committed)
    );
    assert_eq!(row.month, Month::Known { year: 2024, month: 3 });
    // Nothing allocated yet; nothing delivered.
    assert_eq!(totals(&s.w.state.support, Measure::Allocated, Currency::EUR).unwrap().total, total(0));
    assert!(totals(&s.w.state.support, Measure::Delivered, Currency::EUR).unwrap().rows.is_empty());
}

#[test]
fn rule_10_deliveries_count_in_the_month_they_were_delivered() {
    let mut s = Support::new();
    let p = committed(&mut s, bilateral("FRA", Cat::Artillery));
    s.deliver(p, 40, 40_000_000);
    let t = totals(&s.w.state.support, Measure::Delivered, Currency::EUR).unwrap();
    assert_eq!(t.total, total(40_000_000));
    assert_eq!(t.rows[0].quantity, 40);
    assert_eq!(t.rows[0].status, PledgeStatus::PartiallyDelivered);
    let gap = pledged_vs_delivered(&s.w.state.support, Currency::EUR).unwrap();
    assert_eq!(
        (gap[0].pledged, gap[0].delivered, gap[0].gap),
        (total(100_000_000), total(40_000_000), total(60_000_000))
    );
}

#[test]
fn rule_12_undated_pledges_go_to_the_unknown_month_last_and_are_never_dropped() {
    let mut s = Support::new();
    committed(&mut s, bilateral("FRA", Cat::Artillery));
    committed(&mut s, crate::support::PledgeTerms { announced_on: None, ..bilateral("DEU", Cat::Artillery) });
    let t = totals(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows.last().unwrap().month, Month::Unknown);
    assert_eq!(t.rows.last().unwrap().month.to_string(), "unknown");
    assert_eq!(t.total, total(200_000_000));
}

#[test]
fn rule_11_other_currencies_convert_at_the_recorded_rate_and_a_missing_rate_is_an_error() {
    let mut s = Support::new();
    let usd = Money { minor_units: 108_000_000, currency: Currency::USD };
    committed(&mut s, crate::support::PledgeTerms { value: usd, ..bilateral("USA", Cat::Artillery) });
    // 1,080,000.00 USD at 1.08 USD per EUR (recorded 2024-01-02) is 1,000,000.00 EUR.
    let t = totals(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap();
    assert_eq!(t.total, total(100_000_000));
}

#[test]
fn the_shift_to_lethal_and_long_range_aid_shows_month_by_month() {
    let mut s = Support::new();
    committed(
        &mut s,
        crate::support::PledgeTerms { announced_on: Some(date(2022, 4, 1)), ..to_fund("NOR", Cat::Medical) },
    );
    committed(
        &mut s,
        crate::support::PledgeTerms {
            announced_on: Some(date(2023, 5, 11)),
            range: RangeClass::Long,
            ..bilateral("GBR", Cat::LongRangeMissiles)
        },
    );
    committed(
        &mut s,
        crate::support::PledgeTerms { announced_on: Some(date(2023, 5, 20)), ..to_fund("NOR", Cat::Medical) },
    );
    let sh = shares(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap();
    assert_eq!(sh.len(), 2);
    assert_eq!((sh[0].month.to_string(), sh[0].lethal_bp, sh[0].long_range_bp), ("2022-04".into(), 0, 0));
    assert_eq!((sh[1].month.to_string(), sh[1].lethal_bp, sh[1].long_range_bp), ("2023-05".into(), 5_000, 5_000));
}

#[test]
fn rule_14_burden_share_divides_the_baseline_by_gdp_among_members_taking_part() {
    let mut s = Support::new();
    committed(&mut s, bilateral("DEU", Cat::Artillery)); // 1,000,000.00 EUR
    committed(&mut s, to_fund("FRA", Cat::Medical)); // trust-fund contributions count too
    let gdp: BTreeMap<_, _> = [(c("DEU"), 3), (c("FRA"), 1), (c("HUN"), 1)].into();
    let baseline = eur(400_000_000);
    let lines = burden_share(&s.w.state.support, Measure::Committed, baseline, &gdp, &[c("HUN")]).unwrap();
    assert_eq!(lines.len(), 2, "the opted-out member has no line");
    assert_eq!(
        (lines[0].member, lines[0].fair_share, lines[0].given),
        (c("DEU"), eur(300_000_000), total(100_000_000))
    );
    assert_eq!(lines[0].ratio_bp, 3_333);
    assert_eq!(
        (lines[1].member, lines[1].fair_share, lines[1].given),
        (c("FRA"), eur(100_000_000), total(100_000_000))
    );
    assert_eq!(lines[1].ratio_bp, 10_000);
    let none: BTreeMap<_, _> = [(c("HUN"), 1)].into();
    assert_eq!(
        burden_share(&s.w.state.support, Measure::Committed, baseline, &none, &[c("HUN")]),
        Err(ReportError::NoGdp)
    );
}

#[test]
fn rule_15_request_gaps_list_uncovered_requests_first() {
    let mut s = Support::new();
    let covered = s.request(Cat::ArtilleryAmmunition, 100);
    let open = s.request(Cat::Medical, 50);
    committed(
        &mut s,
        crate::support::PledgeTerms { request: Some(covered), ..bilateral("FRA", Cat::ArtilleryAmmunition) },
    );
    let gaps = request_gaps(&s.w.state.support);
    assert_eq!(gaps.iter().map(|g| g.request.id).collect::<Vec<_>>(), [open, covered]);
    assert_eq!(gaps[0].coverage.status, RequestStatus::Open);
    assert_eq!(gaps[1].coverage.status, RequestStatus::Covered);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The rows add up to the total, every counted pledge is in exactly one row (dated or not),
    /// and nothing uncounted is.
    #[test]
    fn totals_add_up_and_drop_nothing(
        pledges in prop::collection::vec((1i64..1_000_000_000, prop::option::of(0u8..27), any::<bool>(), 0usize..3), 1..25)
    ) {
        let mut s = Support::new();
        let donors = ["DEU", "FRA", "POL"];
        let mut expected = 0i64;
        let mut counted = 0u64;
        for (value, month, commit, donor) in pledges {
            let announced_on = month.map(|m| date(2022 + i16::from(m / 12), 1 + (m % 12) as i8, 1));
            let terms = crate::support::PledgeTerms {
                value: eur(value),
                announced_on,
                ..bilateral(donors[donor], Cat::Artillery)
            };
            if commit {
                committed(&mut s, terms);
                expected += value;
                counted += 1;
            } else {
                s.pledge(Actor::Secretariat, terms);
            }
        }
        let t = totals(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap();
        prop_assert_eq!(t.total, total(expected));
        prop_assert_eq!(t.rows.iter().map(|r| r.value.minor_units).sum::<i128>(), i128::from(expected));
        prop_assert_eq!(t.rows.iter().map(|r| r.pledges).sum::<u64>(), counted);
        prop_assert!(t.rows.windows(2).all(|w| w[0].month <= w[1].month));
    }
}

/// One member's 1,100 pledges at the largest amount and quantity accepted: every report still
/// answers, for everyone, in the pledges' currency and converted (KRW, where the sums grow
/// 1,500-fold), and the figures are the exact sums.
#[test]
fn no_accepted_pledges_can_make_a_report_overflow() {
    use crate::support::{FxRate, MAX_MINOR_UNITS, Total};
    let mut s = Support::new();
    let krw = Currency::parse("KRW").unwrap();
    let to_krw =
        FxRate { from: Currency::EUR, to: krw, rate: super::support_fixtures::rate("1500.5"), on: date(2024, 1, 2) };
    s.w.run(Actor::Secretariat, &Command::Support(SupportCommand::RecordExchangeRate { rate: to_krw }), now());
    let max = u64::try_from(MAX_MINOR_UNITS).unwrap();
    let n: i128 = 1_100;
    for _ in 0..n {
        let terms = crate::support::PledgeTerms {
            quantity: max,
            value: eur(MAX_MINOR_UNITS),
            ..bilateral("POL", Cat::Artillery)
        };
        committed(&mut s, terms);
    }
    let support = &s.w.state.support;
    let sum = n * i128::from(MAX_MINOR_UNITS);
    let t = totals(support, Measure::Committed, Currency::EUR).unwrap();
    assert_eq!(t.total, Total { minor_units: sum, currency: Currency::EUR });
    assert_eq!(t.rows.iter().map(|r| r.quantity).sum::<i128>(), sum);
    // Converted per currency and day, then rounded once: 1500.5 EUR cents → KRW (no minor unit).
    let k = totals(support, Measure::Committed, krw).unwrap();
    assert_eq!(k.total.minor_units, (sum * 15_005 + 500) / 1_000);
    for currency in [Currency::EUR, krw] {
        assert!(shares(support, Measure::Committed, currency).is_ok());
        assert!(crate::support::report::by_donor(support, Measure::Committed, currency).is_ok());
        assert!(crate::support::report::by_channel(support, Measure::Committed, currency).is_ok());
        assert!(pledged_vs_delivered(support, currency).is_ok());
    }
    let gdp: BTreeMap<_, _> = [(c("POL"), 1), (c("DEU"), 4)].into();
    let burden = burden_share(support, Measure::Committed, eur(MAX_MINOR_UNITS), &gdp, &[]).unwrap();
    assert_eq!(burden[1].given.minor_units, sum);
}
