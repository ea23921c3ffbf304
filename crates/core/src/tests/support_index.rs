//! The report index against the pledges themselves (proptest): after any accepted sequence of
//! support commands, the running totals equal an index built afresh from the pledges as they
//! stand, and every report equals the same report summed pledge by pledge and delivery by
//! delivery — in euros and in dollars, under each measure — with the conversion rule the
//! reports state (per line, per currency and day, at that day's rate).

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use proptest::prelude::*;

use super::properties::config;
use super::support_fixtures::{Support, now, rate};
use super::support_properties::{command, op, start};
use crate::support::index::ReportIndex;
use crate::support::report::{Month, ReportError, by_channel, by_donor, pledged_vs_delivered, shares, totals};
use crate::support::{
    Currency, FxRate, Measure, Money, PledgeStatus, RangeClass, Support as SupportState, SupportCommand, Total,
};
use crate::{Actor, Command, CountryCode, decide};

/// One pledge, or one delivery record, as the oracle counts it.
struct Fact {
    month: Month,
    donor: CountryCode,
    key: (crate::support::SupportCategory, crate::support::Channel, PledgeStatus),
    lethal: bool,
    long: bool,
    quantity: i64,
    value: Money,
    day: Date,
}

fn facts(st: &SupportState, measure: Measure) -> Vec<Fact> {
    let mut out = Vec::new();
    for p in st.pledges.values() {
        let t = &p.terms;
        let base = |month, quantity, value, day| Fact {
            month,
            donor: t.donor,
            key: (t.category, t.channel, p.status),
            lethal: t.category.is_lethal(),
            long: t.range == RangeClass::Long,
            quantity,
            value,
            day,
        };
        if measure == Measure::Delivered {
            for d in st.deliveries_of(p.id) {
                out.push(base(Month::of(Some(d.delivered_on)), d.quantity, d.value, d.delivered_on));
            }
        } else if p.status.counts_towards(measure) {
            let day = crate::support::index::valuation_day(p);
            out.push(base(Month::of(t.announced_on), t.quantity as i64, t.value, day));
        }
    }
    out
}

/// A line as the oracle sums it: facts, quantity, and amounts per currency and day.
type Lots = (u64, i128, BTreeMap<(Currency, Date), i128>);

/// Sums facts into lines, converting each line's amounts per currency and day.
fn oracle<L: Ord>(
    st: &SupportState,
    facts: &[Fact],
    to: Currency,
    line: impl Fn(&Fact) -> Option<L>,
) -> Result<BTreeMap<L, (u64, i128, Total)>, ReportError> {
    let mut lots: BTreeMap<L, Lots> = BTreeMap::new();
    for f in facts {
        if let Some(l) = line(f) {
            let e = lots.entry(l).or_default();
            e.0 += 1;
            e.1 += i128::from(f.quantity);
            let day = if f.value.currency == to { date(2000, 1, 1) } else { f.day };
            *e.2.entry((f.value.currency, day)).or_default() += i128::from(f.value.minor_units);
        }
    }
    lots.into_iter()
        .map(|(l, (n, q, lots))| {
            let mut sum = 0i128;
            for ((c, day), v) in lots {
                let t = Total { minor_units: v, currency: c };
                sum += if c == to {
                    v
                } else {
                    let rate = st.rates.applicable(c, to, day).map_err(ReportError::Money)?;
                    rate.apply_total(t).map_err(ReportError::Money)?.minor_units
                };
            }
            Ok((l, (n, q, Total { minor_units: sum, currency: to })))
        })
        .collect()
}

fn check_reports(st: &SupportState) -> Result<(), TestCaseError> {
    for measure in [Measure::Committed, Measure::Allocated, Measure::Delivered] {
        for to in [Currency::EUR, Currency::USD] {
            let f = facts(st, measure);
            let rows = oracle(st, &f, to, |f| Some((f.month, f.donor, f.key)));
            let all = oracle(st, &f, to, |_| Some(()));
            match (totals(st, measure, to), rows, all) {
                (Ok(t), Ok(rows), Ok(all)) => {
                    let got: Vec<_> = t
                        .rows
                        .iter()
                        .map(|r| {
                            ((r.month, r.donor, (r.category, r.channel, r.status)), (r.pledges, r.quantity, r.value))
                        })
                        .collect();
                    prop_assert_eq!(got, rows.into_iter().collect::<Vec<_>>());
                    let total = all.get(&()).map_or(Total::zero(to), |l| l.2);
                    prop_assert_eq!(t.total, total);
                    prop_assert!(!t.more);
                }
                (Err(a), Err(_), _) | (Err(a), _, Err(_)) => prop_assert!(matches!(a, ReportError::Money(_))),
                (a, b, c) => prop_assert!(false, "index {a:?}, oracle {b:?} / {c:?}"),
            }
            let channels = oracle(st, &f, to, |f| Some(f.key.1));
            if let (Ok(got), Ok(want)) = (by_channel(st, measure, to), channels) {
                prop_assert_eq!(got, want.into_iter().map(|(c, l)| (c, l.2)).collect::<Vec<_>>());
            }
            let donors = oracle(st, &f, to, |f| Some(f.donor));
            if let (Ok(got), Ok(want)) = (by_donor(st, measure, to), donors) {
                prop_assert_eq!(got, want.into_iter().map(|(d, l)| (d, l.2)).collect::<Vec<_>>());
            }
            let months = oracle(st, &f, to, |f| Some(f.month));
            let lethal = oracle(st, &f, to, |f| f.lethal.then_some(f.month));
            let long = oracle(st, &f, to, |f| f.long.then_some(f.month));
            if let (Ok(sh), Ok(months), Ok(lethal), Ok(long)) = (shares(st, measure, to), months, lethal, long) {
                prop_assert_eq!(sh.len(), months.len());
                for s in sh {
                    let pick =
                        |m: &BTreeMap<Month, (u64, i128, Total)>| m.get(&s.month).map_or(Total::zero(to), |l| l.2);
                    prop_assert_eq!((s.total, s.lethal, s.long_range), (pick(&months), pick(&lethal), pick(&long)));
                }
            }
        }
    }
    let committed = facts(st, Measure::Committed);
    let delivered = facts(st, Measure::Delivered);
    if let (Ok(lines), Ok(p), Ok(d)) = (
        pledged_vs_delivered(st, Currency::EUR),
        oracle(st, &committed, Currency::EUR, |f| Some(f.donor)),
        oracle(st, &delivered, Currency::EUR, |f| Some(f.donor)),
    ) {
        for l in lines {
            let pick = |m: &BTreeMap<CountryCode, (u64, i128, Total)>| {
                m.get(&l.donor).map_or(Total::zero(Currency::EUR), |x| x.2)
            };
            prop_assert_eq!((l.pledged, l.delivered), (pick(&p), pick(&d)));
        }
    }
    Ok(())
}

/// The fixture's world, with two more rates so that older dollar pledges convert too (one
/// recorded each way round).
fn world() -> Support {
    let mut s = start();
    let old = FxRate { from: Currency::EUR, to: Currency::USD, rate: rate("1.1371"), on: date(2022, 1, 3) };
    let inverse = FxRate { from: Currency::USD, to: Currency::EUR, rate: rate("0.9217"), on: date(2023, 6, 1) };
    for rate in [old, inverse] {
        s.w.run(Actor::Secretariat, &Command::Support(SupportCommand::RecordExchangeRate { rate }), now());
    }
    s
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_running_totals_equal_the_pledges_summed_one_by_one(ops in proptest::collection::vec(op(), 1..60)) {
        let mut s = world();
        for op in &ops {
            let Some((actor, cmd)) = command(&s, op) else { continue };
            if let Ok(events) = decide(&s.w.state, actor, &cmd, now()) {
                for e in &events {
                    s.w.state.apply(e).map_err(|err| TestCaseError::fail(format!("{e:?}: {err}")))?;
                }
            }
            let st = &s.w.state.support;
            let mut fresh = ReportIndex::default();
            for p in st.pledges.values() {
                fresh.add(p, st.deliveries_of(p.id));
            }
            prop_assert_eq!(&fresh, &st.index, "the index drifted from its pledges");
            let built = ReportIndex::build(&st.pledges, &st.deliveries);
            prop_assert_eq!(&built, &st.index, "the index built at once differs from the running one");
            for (id, r) in &st.requests {
                prop_assert_eq!(st.coverage(*id), Some(r.coverage(st.pledges.values())));
            }
        }
        check_reports(&s.w.state.support)?;
    }
}

#[test]
fn a_missing_rate_names_the_currency_and_the_day() {
    let mut s = world();
    let gbp = Money { minor_units: 100, currency: Currency::parse("GBP").unwrap() };
    let terms = crate::support::PledgeTerms {
        value: gbp,
        ..super::support_fixtures::bilateral("GBR", crate::support::SupportCategory::Artillery)
    };
    s.w.run(
        Actor::Secretariat,
        &Command::Support(SupportCommand::RecordPledge { pledge: terms, status: Some(PledgeStatus::Committed) }),
        now(),
    );
    let err = totals(&s.w.state.support, Measure::Committed, Currency::EUR).unwrap_err();
    assert!(matches!(err, ReportError::Money(crate::support::MoneyError::NoRate { .. })), "{err:?}");
    assert!(err.to_string().contains("GBP") && err.to_string().contains("2024-03-01"), "{err}");
}

/// A million pledges and two million delivery records are held in memory: these sizes are what
/// the non-zero ids, the one-pointer notes and the 12-byte stamps are for (232 and 88 bytes
/// before them).
#[test]
fn a_pledge_and_a_delivery_record_keep_their_size() {
    use crate::support::{Delivery, Pledge};
    assert_eq!((std::mem::size_of::<Pledge>(), std::mem::size_of::<Delivery>()), (192, 72));
}

/// Ids are numbered from 1: none is 0, in code or in JSON.
#[test]
fn ids_are_numbered_from_one() {
    use crate::support::{NotAnId, PledgeId};
    assert_eq!(PledgeId::new(0), None);
    assert_eq!((PledgeId::FIRST.get(), PledgeId::FIRST.after(2)), (1, PledgeId::new(3).unwrap()));
    assert_eq!(serde_json::from_str::<PledgeId>("7").unwrap().get(), 7);
    let zero = serde_json::from_str::<PledgeId>("0").unwrap_err().to_string();
    assert!(zero.contains("expected an id, numbered from 1"), "{zero}");
    assert_eq!(
        ("7".parse(), "0".parse::<PledgeId>(), "x".parse::<PledgeId>()),
        (Ok(PledgeId::new(7).unwrap()), Err(NotAnId), Err(NotAnId))
    );
}

/// `Pledge` is read through a record of its own (see `PledgeRecord`): every field must come back.
#[test]
fn a_pledge_reads_back_equal_with_every_field_or_none() {
    use crate::support::{CoalitionId, DeliveryId, FundId, Pledge, PledgeId, PledgeTerms, RequestId};
    let bare = super::support_fixtures::bilateral("DEU", crate::support::SupportCategory::Artillery);
    let full = PledgeTerms {
        request: Some(RequestId::new(4).unwrap()),
        coalition: Some(CoalitionId::new(2).unwrap()),
        fund: Some(FundId::new(3).unwrap()),
        source_ref: Some("Kiel row 12".into()),
        authorised_by: Some(crate::ProposalId(5)),
        announced_on: None,
        // Over the 24 bytes a `CompactString` keeps inline.
        item: "IRIS-T SLM fire units with launchers and radar".into(),
        ..bare.clone()
    };
    // Two delivery ids are kept inline, a third moves them to the heap.
    let (two, three) = (
        [DeliveryId::FIRST, DeliveryId::new(9).unwrap()],
        [DeliveryId::FIRST, DeliveryId::new(9).unwrap(), DeliveryId::new(12).unwrap()],
    );
    for (terms, deliveries) in [(bare, &two[..]), (full, &three[..])] {
        let pledge = Pledge {
            id: PledgeId::new(7).unwrap(),
            terms,
            status: PledgeStatus::PartiallyDelivered,
            recorded_at: jiff::Timestamp::UNIX_EPOCH.into(),
            deliveries: deliveries.iter().copied().collect(),
            delivered_quantity: 40,
            delivered_value: Money { minor_units: 1234, currency: Currency::EUR },
        };
        let json = serde_json::to_string(&pledge).unwrap();
        assert_eq!(serde_json::from_str::<Pledge>(&json).unwrap(), pledge, "{json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["item"], serde_json::json!(pledge.terms.item.as_str()), "written as a string");
        let ids: Vec<u64> = deliveries.iter().map(|d| d.get()).collect();
        assert_eq!(value["deliveries"], serde_json::json!(ids), "written as an array of ids");
    }
}
