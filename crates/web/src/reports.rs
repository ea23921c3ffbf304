//! The one adapter between the pages and the support domain's derived figures
//! (`concord_core::support::report` and coverage): everything the pages show about support
//! totals, shares, gaps and coverage is computed here, into plain rows the templates print.
//! Keeping every such call in this file means a change of those functions touches one place.

use std::collections::BTreeMap;

use concord_core::CountryCode;
use concord_core::support::report::{self, Month};
use concord_core::support::{Currency, Measure, RequestId, RequestStatus, Support, SupportCategory, Total};

/// An amount as a chart plots it: millions of the major unit. Tables print the exact
/// [`Total::decimal`]; only the drawing uses a float (rounded past 2^53 minor units, which a
/// drawing cannot show anyway).
#[must_use]
pub fn millions(m: Total) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let minor = m.minor_units as f64;
    minor / 10f64.powi(i32::from(m.currency.exponent())) / 1e6
}

/// One month of support, split by lethality, with the long-range share.
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub month: String,
    pub lethal: Total,
    pub non_lethal: Total,
    pub total: Total,
    /// Long-range share of the month's total, in percent (from basis points).
    pub long_range_pct: f64,
}

/// An amount by a label (a channel, a donor).
#[derive(Debug, Clone)]
pub struct AmountRow {
    pub label: String,
    pub amount: Total,
}

/// Requests of one category by where they stand.
#[derive(Debug, Clone)]
pub struct CoverageRow {
    pub category: String,
    pub open: u32,
    pub partial: u32,
    pub covered: u32,
    pub closed: u32,
}

/// Everything the support dashboard draws.
#[derive(Debug, Clone)]
pub struct Figures {
    pub currency: Currency,
    pub measure: Measure,
    pub months: Vec<MonthRow>,
    pub channels: Vec<AmountRow>,
    pub donors: Vec<AmountRow>,
    pub coverage: Vec<CoverageRow>,
}

/// How many donors the top-donors chart shows.
pub const TOP_DONORS: usize = 10;

/// The dashboard's figures under `measure`, converted to `currency` at recorded rates only (an
/// error names the currency and day that have no rate).
///
/// Every reader sees them: they are support aggregates, public by the need-to-know rules (see
/// `concord_server::api::support`). They total money by month, channel and donor, and count
/// requests by category and coverage; no request's description, pledge's item or note, fund or
/// coalition appears in them.
pub fn figures(support: &Support, measure: Measure, currency: Currency) -> Result<Figures, String> {
    let shares = report::shares(support, measure, currency).map_err(|e| e.to_string())?;
    let known: BTreeMap<(i16, i8), MonthRow> = shares
        .iter()
        .filter_map(|s| match s.month {
            Month::Known { year, month } => Some((
                (year, month),
                MonthRow {
                    month: s.month.to_string(),
                    lethal: s.lethal,
                    non_lethal: s.total.checked_sub(s.lethal).unwrap_or(Total::zero(currency)),
                    total: s.total,
                    long_range_pct: f64::from(s.long_range_bp) / 100.0,
                },
            )),
            Month::Unknown => None,
        })
        .collect();
    let months = every_month(known, currency);
    // From the running totals by channel and by donor: the dashboard costs the same at a
    // million pledges as at a hundred.
    let channels: BTreeMap<String, Total> = report::by_channel(support, measure, currency)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(c, m)| (c.words().to_owned(), m))
        .collect();
    let donors: BTreeMap<String, Total> = report::by_donor(support, measure, currency)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(d, m)| (d.to_string(), m))
        .collect();
    let by_amount = |m: BTreeMap<String, Total>| {
        let mut v: Vec<AmountRow> = m.into_iter().map(|(label, amount)| AmountRow { label, amount }).collect();
        v.sort_by(|a, b| b.amount.minor_units.cmp(&a.amount.minor_units).then(a.label.cmp(&b.label)));
        v
    };
    let mut donors = by_amount(donors);
    donors.truncate(TOP_DONORS);
    let mut coverage: BTreeMap<SupportCategory, CoverageRow> = BTreeMap::new();
    for g in report::request_gaps(support) {
        let row = coverage.entry(g.request.terms.category).or_insert_with(|| CoverageRow {
            category: g.request.terms.category.words().to_owned(),
            open: 0,
            partial: 0,
            covered: 0,
            closed: 0,
        });
        match g.coverage.status {
            RequestStatus::Open => row.open += 1,
            RequestStatus::PartiallyCovered => row.partial += 1,
            RequestStatus::Covered => row.covered += 1,
            RequestStatus::Closed => row.closed += 1,
            RequestStatus::Withdrawn => {}
        }
    }
    Ok(Figures {
        currency,
        measure,
        months,
        channels: by_amount(channels),
        donors,
        coverage: coverage.into_values().collect(),
    })
}

/// The rows of `known` with every month between the first and the last filled in (nothing
/// pledged that month: zero), so that a time axis is continuous: two months years apart must
/// not sit side by side, nor a line join them as if they were neighbours.
fn every_month(known: BTreeMap<(i16, i8), MonthRow>, currency: Currency) -> Vec<MonthRow> {
    let (Some(&first), Some(&last)) = (known.keys().next(), known.keys().next_back()) else { return Vec::new() };
    let mut rows = Vec::new();
    let (mut year, mut month) = first;
    while (year, month) <= last {
        rows.push(known.get(&(year, month)).cloned().unwrap_or_else(|| MonthRow {
            month: format!("{year:04}-{month:02}"),
            lethal: Total::zero(currency),
            non_lethal: Total::zero(currency),
            total: Total::zero(currency),
            long_range_pct: 0.0,
        }));
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    rows
}

/// A request's coverage: requested, pledged, delivered and status.
#[derive(Debug, Clone, Copy)]
pub struct Coverage {
    pub requested: u64,
    pub pledged: u64,
    pub delivered: u64,
    pub status: RequestStatus,
}

/// The coverage of one request.
#[must_use]
pub fn coverage(support: &Support, request: RequestId) -> Option<Coverage> {
    support.coverage(request).map(|c| Coverage {
        requested: c.requested,
        pledged: c.pledged,
        delivered: c.delivered,
        status: c.status,
    })
}

/// A partner's requests not yet fully pledged, in words, for its dashboard.
#[must_use]
pub fn open_requests_of(support: &Support, partner: CountryCode) -> Vec<String> {
    report::request_gaps(support)
        .into_iter()
        .filter(|g| g.request.terms.partner == partner)
        .filter(|g| matches!(g.coverage.status, RequestStatus::Open | RequestStatus::PartiallyCovered))
        .map(|g| {
            format!(
                "Request {}: {} — {} of {} {} pledged ({})",
                g.request.id,
                g.request.terms.description,
                g.coverage.pledged,
                g.coverage.requested,
                g.request.terms.unit,
                g.coverage.status.words()
            )
        })
        .collect()
}

/// The partner's requests whose needed-by day has passed before `today` without the whole
/// quantity delivered, in words.
pub fn overdue_requests_of(support: &Support, partner: CountryCode, today: jiff::civil::Date) -> Vec<String> {
    report::request_gaps(support)
        .into_iter()
        .filter(|g| g.request.terms.partner == partner && g.request.withdrawn_at.is_none())
        .filter_map(|g| {
            let by = g.request.terms.needed_by.filter(|by| *by < today)?;
            (g.coverage.delivered < g.coverage.requested).then(|| {
                format!(
                    "Request {}: {} — needed by {by}, overdue: {} of {} {} delivered",
                    g.request.id,
                    g.request.terms.description,
                    g.coverage.delivered,
                    g.coverage.requested,
                    g.request.terms.unit
                )
            })
        })
        .collect()
}

/// Deliveries to the partner that wait for its confirmation of receipt, each with its words.
pub fn awaiting_receipt_of(
    support: &Support,
    partner: CountryCode,
) -> Vec<(concord_core::support::DeliveryId, String)> {
    support
        .deliveries
        .values()
        .filter(|d| d.receipt.is_none() && !d.is_correction())
        .filter_map(|d| {
            let p = support.pledges.get(&d.pledge).filter(|p| p.terms.recipient == partner)?;
            Some((
                d.id,
                format!(
                    "Delivery {}: {} {} from {}, delivered on {} — confirm its receipt",
                    d.id, d.quantity, p.terms.item, p.terms.donor, d.delivered_on
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod month_tests {
    use super::*;

    fn row(month: &str, minor_units: i64) -> MonthRow {
        let t = Total { minor_units: i128::from(minor_units), ..Total::zero(Currency::EUR) };
        MonthRow {
            month: month.into(),
            lethal: t,
            non_lethal: Total::zero(Currency::EUR),
            total: t,
            long_range_pct: 0.0,
        }
    }

    #[test]
    fn empty_months_between_the_first_and_the_last_are_filled_with_zero() {
        let known = BTreeMap::from([((2023, 11), row("2023-11", 5)), ((2024, 2), row("2024-02", 7))]);
        let rows = every_month(known, Currency::EUR);
        let months: Vec<&str> = rows.iter().map(|r| r.month.as_str()).collect();
        assert_eq!(months, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(rows[1].total.minor_units, 0);
        assert_eq!(rows[3].total.minor_units, 7);
        assert!(every_month(BTreeMap::new(), Currency::EUR).is_empty());
    }
}

/// One member's line of the burden-share table, formatted.
#[derive(Debug, Clone)]
pub struct BurdenRow {
    pub member: String,
    pub gdp: String,
    pub fair_share: String,
    pub given: String,
    /// What it gave as a share of its fair share, in percent.
    pub ratio: String,
}

/// The burden-share table (rule 14) and what it rests on: the baseline, and the year, unit and
/// source of the GDP figures recorded in the log.
#[derive(Debug, Clone)]
pub struct BurdenTable {
    pub baseline: String,
    pub years: String,
    pub unit: String,
    pub sources: Vec<String>,
    pub rows: Vec<BurdenRow>,
}

/// The Washington pledge, EUR 40 billion a year: the baseline the dashboard shares.
pub const WASHINGTON_PLEDGE_EUR: i64 = 40_000_000_000;

/// Burden share of the Washington pledge under `measure`, in EUR, by the latest GDP figures
/// recorded for every member (none opted out). An aggregate per member, like the other figures.
pub fn burden(state: &concord_core::State, measure: Measure) -> Result<BurdenTable, String> {
    let baseline =
        concord_core::support::Money::new(WASHINGTON_PLEDGE_EUR * 100, Currency::EUR).map_err(|e| e.to_string())?;
    let r =
        concord_core::support::burden::burden_report(state, measure, baseline, None, &[]).map_err(|e| e.to_string())?;
    let gdp: BTreeMap<CountryCode, u64> = r.gdp.iter().map(|g| (g.member, g.value)).collect();
    let rows = r
        .lines
        .iter()
        .map(|l| BurdenRow {
            member: l.member.as_str().to_owned(),
            gdp: gdp.get(&l.member).map(u64::to_string).unwrap_or_default(),
            fair_share: l.fair_share.decimal(),
            given: l.given.decimal(),
            ratio: format!("{}.{:02}", l.ratio_bp / 100, l.ratio_bp % 100),
        })
        .collect();
    Ok(BurdenTable {
        baseline: format!("{baseline}"),
        years: r.years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        unit: r.unit,
        sources: r.sources,
        rows,
    })
}
