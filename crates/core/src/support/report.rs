//! Reports over the support state (domain.md §5.1 "Reports", rules 10, 11, 12, 14): totals by
//! month × donor × category × lethality × channel × status, pledged against delivered, the share
//! of lethal and of long-range support over time, and burden share against GDP.
//!
//! Pure functions of the state, so that the server, the CLI and a member's own copy of the log
//! give the same figures. Every report states its [`Measure`] and its currency; amounts in
//! other currencies are converted with the recorded, dated exchange rates, and a missing rate is
//! an error naming the pledge, never a silent sum or a dropped row. Undated pledges go to the
//! [`Month::Unknown`] bucket (rule 12).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::{Channel, Currency, Measure, Money, MoneyError, Pledge, PledgeId, PledgeStatus, RangeClass, Support};
use super::{SupportCategory, SupportRequest};
use crate::CountryCode;

/// A UTC calendar month, or the bucket of undated pledges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Month {
    Known {
        year: i16,
        month: i8,
    },
    /// Undated: Kiel's `month_exists_dummy = 0`. Sorts after every known month.
    Unknown,
}

impl Month {
    fn of(date: Option<Date>) -> Self {
        date.map_or(Self::Unknown, |d| Self::Known { year: d.year(), month: d.month() })
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Known { year, month } => write!(f, "{year:04}-{month:02}"),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a report cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("pledge {pledge}: {error}; record an exchange rate for that day or report in the pledge's currency")]
    Money { pledge: PledgeId, error: MoneyError },
    #[error("the GDP shares cover no member that takes part: give a GDP for at least one member not opted out")]
    NoGdp,
    #[error("the burden-share figures overflow")]
    Overflow,
}

/// One row of [`totals`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TotalRow {
    pub month: Month,
    pub donor: CountryCode,
    pub category: SupportCategory,
    pub lethal: bool,
    pub channel: Channel,
    pub status: PledgeStatus,
    /// Pledges counted in the row.
    pub pledges: u64,
    /// Their quantities (pledged, or delivered under [`Measure::Delivered`]).
    pub quantity: i64,
    pub value: Money,
}

/// Totals by month × donor × category × lethality × channel × status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub measure: Measure,
    pub currency: Currency,
    pub rows: Vec<TotalRow>,
    pub total: Money,
}

/// The day a pledge's value is converted on: its announcement, else the day it was recorded.
fn valuation_day(p: &Pledge) -> Date {
    p.terms.announced_on.unwrap_or_else(|| crate::rules::utc_day(p.recorded_at))
}

/// An amount in the report's currency.
fn convert(support: &Support, pledge: PledgeId, m: Money, to: Currency, on: Date) -> Result<Money, ReportError> {
    support.rates.convert(m, to, on).map_err(|error| ReportError::Money { pledge, error })
}

fn add(pledge: PledgeId, a: Money, b: Money) -> Result<Money, ReportError> {
    a.checked_add(b).map_err(|error| ReportError::Money { pledge, error })
}

/// One contribution to a report: a pledge's value (or a delivery's) in the report's currency, in
/// its month.
struct Counted<'a> {
    pledge: &'a Pledge,
    month: Month,
    quantity: i64,
    value: Money,
}

/// What `measure` counts, converted to `currency`. Under [`Measure::Committed`] and
/// [`Measure::Allocated`], each pledge whose status counts, at its pledged value in its
/// announcement month (rule 10); under [`Measure::Delivered`], each delivery record
/// (corrections included) in the month it was delivered, whatever the pledge's status now.
fn counted<'a>(support: &'a Support, measure: Measure, currency: Currency) -> Result<Vec<Counted<'a>>, ReportError> {
    let mut out = Vec::new();
    for p in support.pledges.values() {
        if measure == Measure::Delivered {
            for d in support.deliveries_of(p.id) {
                out.push(Counted {
                    pledge: p,
                    month: Month::of(Some(d.delivered_on)),
                    quantity: d.quantity,
                    value: convert(support, p.id, d.value, currency, d.delivered_on)?,
                });
            }
        } else if p.status.counts_towards(measure) {
            out.push(Counted {
                pledge: p,
                month: Month::of(p.terms.announced_on),
                quantity: i64::try_from(p.terms.quantity).unwrap_or(i64::MAX),
                value: convert(support, p.id, p.terms.value, currency, valuation_day(p))?,
            });
        }
    }
    Ok(out)
}

/// Totals by month × donor × category × lethality × channel × status, under `measure`, in
/// `currency`; rows in that key order, unknown month last.
pub fn totals(support: &Support, measure: Measure, currency: Currency) -> Result<Totals, ReportError> {
    type Key = (Month, CountryCode, SupportCategory, Channel, PledgeStatus);
    let mut rows: BTreeMap<Key, TotalRow> = BTreeMap::new();
    let mut total = Money::zero(currency);
    for c in counted(support, measure, currency)? {
        let t = &c.pledge.terms;
        let key = (c.month, t.donor, t.category, t.channel, c.pledge.status);
        let row = rows.entry(key).or_insert_with(|| TotalRow {
            month: c.month,
            donor: t.donor,
            category: t.category,
            lethal: t.category.is_lethal(),
            channel: t.channel,
            status: c.pledge.status,
            pledges: 0,
            quantity: 0,
            value: Money::zero(currency),
        });
        row.pledges += 1;
        row.quantity = row.quantity.saturating_add(c.quantity);
        row.value = add(c.pledge.id, row.value, c.value)?;
        total = add(c.pledge.id, total, c.value)?;
    }
    Ok(Totals { measure, currency, rows: rows.into_values().collect(), total })
}

/// One donor's pledged (committed and later) and delivered values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DonorDelivery {
    pub donor: CountryCode,
    pub pledged: Money,
    pub delivered: Money,
    /// Pledged minus delivered: still to come (negative after corrections beyond the pledge).
    pub gap: Money,
}

/// Pledged against delivered, by donor, in `currency`.
pub fn pledged_vs_delivered(support: &Support, currency: Currency) -> Result<Vec<DonorDelivery>, ReportError> {
    let mut by_donor: BTreeMap<CountryCode, (Money, Money)> = BTreeMap::new();
    for c in counted(support, Measure::Committed, currency)? {
        let e = by_donor.entry(c.pledge.terms.donor).or_insert((Money::zero(currency), Money::zero(currency)));
        e.0 = add(c.pledge.id, e.0, c.value)?;
    }
    for c in counted(support, Measure::Delivered, currency)? {
        let e = by_donor.entry(c.pledge.terms.donor).or_insert((Money::zero(currency), Money::zero(currency)));
        e.1 = add(c.pledge.id, e.1, c.value)?;
    }
    by_donor
        .into_iter()
        .map(|(donor, (pledged, delivered))| {
            let gap = pledged.checked_sub(delivered).map_err(|_| ReportError::Overflow)?;
            Ok(DonorDelivery { donor, pledged, delivered, gap })
        })
        .collect()
}

/// A request with its coverage, for the gaps report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestGap<'a> {
    pub request: &'a SupportRequest,
    pub coverage: super::Coverage,
}

/// Every request that is not withdrawn, with what is pledged and delivered against it; the
/// uncovered ones (status open or partially covered) first, by priority as the partner gave it.
#[must_use]
pub fn request_gaps(support: &Support) -> Vec<RequestGap<'_>> {
    let mut out: Vec<_> = support
        .requests
        .values()
        .filter_map(|r| Some(RequestGap { request: r, coverage: support.coverage(r.id)? }))
        .filter(|g| g.coverage.status != super::RequestStatus::Withdrawn)
        .collect();
    out.sort_by_key(|g| {
        (g.coverage.status > super::RequestStatus::PartiallyCovered, g.request.terms.priority, g.request.id)
    });
    out
}

/// One month of [`shares`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub month: Month,
    pub total: Money,
    pub lethal: Money,
    pub long_range: Money,
    /// `lethal / total` in basis points (1/100 of a percent), rounded half up; 0 when nothing.
    pub lethal_bp: u32,
    pub long_range_bp: u32,
}

/// The shares of lethal and of long-range support, month by month under `measure` (the shift
/// the brief describes: more lethal, longer-range aid over time).
pub fn shares(support: &Support, measure: Measure, currency: Currency) -> Result<Vec<Share>, ReportError> {
    let mut months: BTreeMap<Month, (Money, Money, Money)> = BTreeMap::new();
    for c in counted(support, measure, currency)? {
        let zero = Money::zero(currency);
        let e = months.entry(c.month).or_insert((zero, zero, zero));
        e.0 = add(c.pledge.id, e.0, c.value)?;
        if c.pledge.is_lethal() {
            e.1 = add(c.pledge.id, e.1, c.value)?;
        }
        if c.pledge.terms.range == RangeClass::Long {
            e.2 = add(c.pledge.id, e.2, c.value)?;
        }
    }
    Ok(months
        .into_iter()
        .map(|(month, (total, lethal, long_range))| Share {
            month,
            total,
            lethal,
            long_range,
            lethal_bp: basis_points(lethal, total),
            long_range_bp: basis_points(long_range, total),
        })
        .collect())
}

fn basis_points(part: Money, whole: Money) -> u32 {
    let (p, w) = (i128::from(part.minor_units), i128::from(whole.minor_units));
    if w <= 0 || p <= 0 {
        return 0;
    }
    u32::try_from((p * 10_000 * 2 + w) / (2 * w)).unwrap_or(u32::MAX)
}

/// One member's line of [`burden_share`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurdenLine {
    pub member: CountryCode,
    /// Its fair share of the baseline: `baseline × gdp(m) / Σ gdp` over members taking part.
    pub fair_share: Money,
    /// What it gave under the measure, every channel counted (trust-fund contributions too).
    pub given: Money,
    /// `given / fair_share` in basis points (10,000 = exactly its share).
    pub ratio_bp: u32,
}

/// Burden share (rule 14, the Washington pledge): each member's fair share of `baseline` by its
/// share of the GDP of members taking part (those in `gdp` and not in `opted_out`), against what
/// it gave under `measure` through every channel, in the baseline's currency. GDP figures are
/// given as input in any one unit; they are only compared with each other.
pub fn burden_share(
    support: &Support,
    measure: Measure,
    baseline: Money,
    gdp: &BTreeMap<CountryCode, u64>,
    opted_out: &[CountryCode],
) -> Result<Vec<BurdenLine>, ReportError> {
    let taking_part: Vec<(CountryCode, u64)> =
        gdp.iter().filter(|(m, _)| !opted_out.contains(m)).map(|(m, g)| (*m, *g)).collect();
    let sum: u128 = taking_part.iter().map(|(_, g)| u128::from(*g)).sum();
    if sum == 0 {
        return Err(ReportError::NoGdp);
    }
    let currency = baseline.currency;
    let mut given: BTreeMap<CountryCode, Money> = BTreeMap::new();
    for c in counted(support, measure, currency)? {
        let e = given.entry(c.pledge.terms.donor).or_insert(Money::zero(currency));
        *e = add(c.pledge.id, *e, c.value)?;
    }
    let base = i128::from(baseline.minor_units);
    taking_part
        .into_iter()
        .map(|(member, g)| {
            // Rounded half away from zero, in i128 so that a large baseline × GDP cannot overflow.
            let num = base.checked_mul(i128::from(g)).ok_or(ReportError::Overflow)?;
            let den = i128::try_from(sum).map_err(|_| ReportError::Overflow)?;
            let fair = (2 * num + den * num.signum()) / (2 * den);
            let fair_share = Money::new(i64::try_from(fair).map_err(|_| ReportError::Overflow)?, currency)
                .map_err(|_| ReportError::Overflow)?;
            let given = given.get(&member).copied().unwrap_or(Money::zero(currency));
            Ok(BurdenLine { member, fair_share, given, ratio_bp: basis_points(given, fair_share) })
        })
        .collect()
}
