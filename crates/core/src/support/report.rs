//! Reports over the support state (domain.md §5.1 "Reports", rules 10, 11, 12, 14): totals by
//! month × donor × category × lethality × channel × status, pledged against delivered, the share
//! of lethal and of long-range support over time, and burden share against GDP.
//!
//! Pure functions of the state, so that the server, the CLI and a member's own copy of the log
//! give the same figures. They read the running totals of the [`index`](super::index), not the
//! pledges one by one: a report costs the number of its lines, not the number of pledges. Every
//! report states its [`Measure`] and its currency. Amounts in other currencies are converted with
//! the recorded, dated exchange rates: within one line of a report, the amounts in one currency
//! on one day are summed and converted together, at that day's rate (the latest recorded on or
//! before it), rounded to the minor unit. A missing rate is an error naming the currency and day,
//! never a silent sum or a dropped row. Undated pledges go to the [`Month::Unknown`] bucket (rule
//! 12), valued on the day they were recorded.

use std::collections::BTreeMap;
use std::ops::Bound;

use jiff::civil::Date;
use serde::Serialize;

use super::index::{Cell, Cube, DonorKey, MonthKey, RowKey};
use super::{Channel, Currency, FxRate, Measure, Money, MoneyError, PledgeStatus, RangeClass, Support, Total};
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
    pub(crate) fn of(date: Option<Date>) -> Self {
        date.map_or(Self::Unknown, |d| Self::Known { year: d.year(), month: d.month() })
    }

    /// Parses `YYYY-MM` or `unknown`, as [`Display`](std::fmt::Display) writes it.
    pub fn parse(s: &str) -> Result<Self, InvalidMonth> {
        if s == "unknown" {
            return Ok(Self::Unknown);
        }
        let bad = || InvalidMonth(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (year, month): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self::Known { year, month })
    }
}

/// Not a month as reports write them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month: write YYYY-MM (e.g. 2024-03), or unknown")]
pub struct InvalidMonth(pub String);

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
    #[error("{0} (or report in that currency)")]
    Money(MoneyError),
    #[error("the GDP shares cover no member that takes part: give a GDP for at least one member not opted out")]
    NoGdp,
    /// Beyond `i128` minor units: no history of accepted amounts reaches it (see [`Total`]);
    /// only a baseline or a GDP figure given to [`burden_share`] can.
    #[error("the figures overflow")]
    Overflow,
    #[error("{} {} no GDP figure{}: record one (concord support gdp) or opt {} out", list(members), if members.len() == 1 { "has" } else { "have" }, year.map(|y| format!(" for {y}")).unwrap_or_default(), if members.len() == 1 { "it" } else { "them" })]
    MissingGdp { members: Vec<CountryCode>, year: Option<i16> },
    #[error("the GDP figures are in different units ({}): record them in one", .0.join(", "))]
    MixedUnits(Vec<String>),
    #[error("{0} is not a member state: only members opt out of the burden share")]
    NotAMember(CountryCode),
}

fn list(codes: &[CountryCode]) -> String {
    codes.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", ")
}

/// A report line's value as it is summed: the amounts already in the report's currency, and the
/// others per currency and day (gathered unsorted, summed per currency and day when the line is
/// finished: sorting a vector costs far less than a map's inserts).
#[derive(Debug, Clone)]
struct Sum {
    currency: Currency,
    native: i128,
    foreign: Vec<(Currency, Date, i128)>,
}

impl Sum {
    fn new(currency: Currency) -> Self {
        Self { currency, native: 0, foreign: Vec::new() }
    }

    fn add(&mut self, cell: &Cell) {
        for (currency, day, v) in cell.lots() {
            if currency == self.currency {
                self.native += v;
            } else {
                self.foreign.push((currency, day, v));
            }
        }
    }

    fn value(mut self, rates: &mut Converter<'_>) -> Result<Total, ReportError> {
        self.foreign.sort_unstable_by_key(|&(c, day, _)| (c, day));
        let mut total = self.native;
        let mut lots = self.foreign.into_iter().peekable();
        while let Some((c, day, mut v)) = lots.next() {
            while let Some(&(_, _, more)) = lots.peek().filter(|(c2, d2, _)| (*c2, *d2) == (c, day)) {
                v += more;
                lots.next();
            }
            total += rates.convert(c, day, v)?;
        }
        Ok(Total { minor_units: total, currency: self.currency })
    }
}

/// Converts a report's amounts into its currency, looking each currency and day's rate up once.
struct Converter<'a> {
    support: &'a Support,
    to: Currency,
    rates: std::collections::HashMap<(Currency, Date), FxRate>,
}

impl<'a> Converter<'a> {
    fn new(support: &'a Support, to: Currency) -> Self {
        Self { support, to, rates: std::collections::HashMap::new() }
    }

    /// `v` minor units of `c` on `day`, in the report's currency (rounded to its minor unit).
    fn convert(&mut self, c: Currency, day: Date, v: i128) -> Result<i128, ReportError> {
        let rate = match self.rates.get(&(c, day)) {
            Some(r) => *r,
            None => {
                let r = self.support.rates.applicable(c, self.to, day).map_err(ReportError::Money)?;
                self.rates.insert((c, day), r);
                r
            }
        };
        let converted = rate.apply_total(Total { minor_units: v, currency: c }).map_err(ReportError::Money)?;
        Ok(converted.minor_units)
    }
}

/// The facts a measure counts: pledges whose status counts towards it (committed, allocated),
/// or every delivery record (delivered), whatever its pledge's status now.
fn facts(support: &Support, measure: Measure) -> (&super::index::Cubes, impl Fn(PledgeStatus) -> bool) {
    let index = &support.index;
    let cubes = if measure == Measure::Delivered { &index.deliveries } else { &index.pledges };
    (cubes, move |s: PledgeStatus| measure == Measure::Delivered || s.counts_towards(measure))
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
    /// Pledges counted in the row (delivery records, under [`Measure::Delivered`]).
    pub pledges: u64,
    /// Their quantities (pledged, or delivered under [`Measure::Delivered`]).
    pub quantity: i128,
    pub value: Total,
}

impl TotalRow {
    /// The row's key, for [`TotalsQuery::after`].
    #[must_use]
    pub fn key(&self) -> RowKey {
        RowKey {
            month: self.month,
            donor: self.donor,
            category: self.category,
            channel: self.channel,
            status: self.status,
        }
    }
}

/// Totals by month × donor × category × lethality × channel × status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub measure: Measure,
    pub currency: Currency,
    pub rows: Vec<TotalRow>,
    /// The total of every row the filter selects (not only those of this page).
    pub total: Total,
    /// More rows follow this page: ask again with `after` = the last row's key.
    pub more: bool,
}

/// Which rows of the totals to give: any field left `None` selects every value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TotalsFilter {
    /// Months from this one (known months only: the unknown bucket is outside any range).
    pub from: Option<Month>,
    /// Months up to this one, inclusive.
    pub to: Option<Month>,
    pub donor: Option<CountryCode>,
    pub category: Option<SupportCategory>,
    pub channel: Option<Channel>,
    pub lethal: Option<bool>,
    pub status: Option<PledgeStatus>,
}

impl TotalsFilter {
    fn month(&self, m: Month) -> bool {
        let ranged = self.from.is_some() || self.to.is_some();
        !(ranged && m == Month::Unknown) && self.from.is_none_or(|f| m >= f) && self.to.is_none_or(|t| m <= t)
    }

    fn row(&self, k: &RowKey) -> bool {
        self.month(k.month)
            && self.donor.is_none_or(|d| k.donor == d)
            && self.category.is_none_or(|c| k.category == c)
            && self.common(k.channel, k.category.is_lethal(), k.status)
    }

    fn common(&self, channel: Channel, lethal: bool, status: PledgeStatus) -> bool {
        self.channel.is_none_or(|c| channel == c)
            && self.lethal.is_none_or(|l| lethal == l)
            && self.status.is_none_or(|s| status == s)
    }

    /// The first row key a scan must look at.
    fn start(&self) -> Option<RowKey> {
        let month = self.from?;
        Some(RowKey {
            month,
            donor: CountryCode::FIRST,
            category: SupportCategory::ALL.into_iter().min()?,
            channel: Channel::ALL.into_iter().min()?,
            status: PledgeStatus::Announced,
        })
    }
}

/// A page of [`totals_page`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalsQuery {
    pub measure: Measure,
    pub currency: Currency,
    pub filter: TotalsFilter,
    /// Rows strictly after this key.
    pub after: Option<RowKey>,
    /// At most this many rows.
    pub limit: usize,
}

/// Every row of the totals by month × donor × category × lethality × channel × status, under
/// `measure`, in `currency`; rows in that key order, unknown month last.
pub fn totals(support: &Support, measure: Measure, currency: Currency) -> Result<Totals, ReportError> {
    let q = TotalsQuery { measure, currency, filter: TotalsFilter::default(), after: None, limit: usize::MAX };
    totals_page(support, &q)
}

/// A page of the totals: the rows the filter selects after `q.after`, at most `q.limit` of them,
/// and the total of every selected row. The page costs its rows; the total reads the month
/// index (a few thousand cells), or, when the filter names a donor or a category, every row in
/// the months selected.
pub fn totals_page(support: &Support, q: &TotalsQuery) -> Result<Totals, ReportError> {
    let (cubes, counts) = facts(support, q.measure);
    let f = &q.filter;
    let lower = match (q.after, f.start()) {
        (Some(a), Some(s)) if s > a => Bound::Included(s),
        (Some(a), _) => Bound::Excluded(a),
        (None, Some(s)) => Bound::Included(s),
        (None, None) => Bound::Unbounded,
    };
    let mut rates = Converter::new(support, q.currency);
    let mut rows = Vec::new();
    let mut more = false;
    for (k, cell) in cubes.rows.cells().range((lower, Bound::Unbounded)) {
        // Past the last month selected (the unknown bucket sorts last and is outside any range).
        if f.to.is_some_and(|t| k.month > t) {
            break;
        }
        if !(counts(k.status) && f.row(k)) {
            continue;
        }
        if rows.len() == q.limit {
            more = true;
            break;
        }
        let mut sum = Sum::new(q.currency);
        sum.add(cell);
        rows.push(TotalRow {
            month: k.month,
            donor: k.donor,
            category: k.category,
            lethal: k.category.is_lethal(),
            channel: k.channel,
            status: k.status,
            pledges: cell.facts,
            quantity: cell.quantity(),
            value: sum.value(&mut rates)?,
        });
    }
    let mut total = Sum::new(q.currency);
    if f.donor.is_some() || f.category.is_some() {
        for (k, cell) in
            cubes.rows.cells().range((f.start().map_or(Bound::Unbounded, Bound::Included), Bound::Unbounded))
        {
            if f.to.is_some_and(|t| k.month > t) {
                break;
            }
            if counts(k.status) && f.row(k) {
                total.add(cell);
            }
        }
    } else {
        for (k, cell) in cubes.months.cells() {
            if counts(k.status) && f.month(k.month) && f.common(k.channel, k.lethal, k.status) {
                total.add(cell);
            }
        }
    }
    Ok(Totals { measure: q.measure, currency: q.currency, rows, total: total.value(&mut rates)?, more })
}

/// Sums the cells of `cube` that `select` keeps, by the line key `line` gives them.
fn lines<K: Ord + Copy, L: Ord>(
    cube: &Cube<K>,
    currency: Currency,
    mut select: impl FnMut(&K) -> Option<L>,
) -> BTreeMap<L, Sum> {
    let mut out: BTreeMap<L, Sum> = BTreeMap::new();
    for (k, cell) in cube.cells() {
        if let Some(line) = select(k) {
            out.entry(line).or_insert_with(|| Sum::new(currency)).add(cell);
        }
    }
    out
}

/// What was given under `measure` through each channel, in `currency` (channels with nothing
/// left out), from the month index.
pub fn by_channel(
    support: &Support,
    measure: Measure,
    currency: Currency,
) -> Result<Vec<(Channel, Total)>, ReportError> {
    let (cubes, counts) = facts(support, measure);
    let mut rates = Converter::new(support, currency);
    lines(&cubes.months, currency, |k: &MonthKey| counts(k.status).then_some(k.channel))
        .into_iter()
        .map(|(channel, sum)| Ok((channel, sum.value(&mut rates)?)))
        .collect()
}

/// What each donor gave under `measure`, in `currency`, from the donor index.
pub fn by_donor(
    support: &Support,
    measure: Measure,
    currency: Currency,
) -> Result<Vec<(CountryCode, Total)>, ReportError> {
    let (cubes, counts) = facts(support, measure);
    let mut rates = Converter::new(support, currency);
    lines(&cubes.donors, currency, |k: &DonorKey| counts(k.status).then_some(k.donor))
        .into_iter()
        .map(|(donor, sum)| Ok((donor, sum.value(&mut rates)?)))
        .collect()
}

/// One donor's pledged (committed and later) and delivered values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DonorDelivery {
    pub donor: CountryCode,
    pub pledged: Total,
    pub delivered: Total,
    /// Pledged minus delivered: still to come (negative after corrections beyond the pledge).
    pub gap: Total,
}

/// Pledged against delivered, by donor, in `currency`.
pub fn pledged_vs_delivered(support: &Support, currency: Currency) -> Result<Vec<DonorDelivery>, ReportError> {
    let index = &support.index;
    let mut rates = Converter::new(support, currency);
    let mut pledged = lines(&index.pledges.donors, currency, |k: &DonorKey| {
        k.status.counts_towards(Measure::Committed).then_some(k.donor)
    });
    let mut delivered = lines(&index.deliveries.donors, currency, |k: &DonorKey| Some(k.donor));
    let mut donors: Vec<CountryCode> = pledged.keys().chain(delivered.keys()).copied().collect();
    donors.sort_unstable();
    donors.dedup();
    let zero = || Sum::new(currency);
    donors
        .into_iter()
        .map(|donor| {
            let pledged = pledged.remove(&donor).unwrap_or_else(zero).value(&mut rates)?;
            let delivered = delivered.remove(&donor).unwrap_or_else(zero).value(&mut rates)?;
            let gap = pledged.checked_sub(delivered).map_err(|_| ReportError::Overflow)?;
            Ok(DonorDelivery { donor, pledged, delivered, gap })
        })
        .collect()
}

/// A request with its coverage, for the gaps report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestGap<'a> {
    /// The request, without the ids of the pledges that answer it (the request's own page lists
    /// them: a gaps report of thousands of requests need not carry a million ids).
    #[serde(serialize_with = "without_pledges")]
    pub request: &'a SupportRequest,
    /// How many pledges answer it, cancelled ones included.
    pub pledges: usize,
    pub coverage: super::Coverage,
}

fn without_pledges<S: serde::Serializer>(r: &&SupportRequest, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct View<'a> {
        id: super::RequestId,
        #[serde(flatten)]
        terms: &'a super::RequestTerms,
        submitted_at: jiff::Timestamp,
        #[serde(skip_serializing_if = "Option::is_none")]
        withdrawn_at: Option<jiff::Timestamp>,
    }
    View { id: r.id, terms: &r.terms, submitted_at: r.submitted_at, withdrawn_at: r.withdrawn_at }.serialize(s)
}

/// Every request that is not withdrawn, with what is pledged and delivered against it; the
/// uncovered ones (status open or partially covered) first, by priority as the partner gave it.
#[must_use]
pub fn request_gaps(support: &Support) -> Vec<RequestGap<'_>> {
    let mut out: Vec<_> = support
        .requests
        .values()
        .filter_map(|r| Some(RequestGap { request: r, pledges: r.pledges.len(), coverage: support.coverage(r.id)? }))
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
    pub total: Total,
    pub lethal: Total,
    pub long_range: Total,
    /// `lethal / total` in basis points (1/100 of a percent), rounded half up; 0 when nothing.
    pub lethal_bp: u32,
    pub long_range_bp: u32,
}

/// The shares of lethal and of long-range support, month by month under `measure` (the shift
/// the brief describes: more lethal, longer-range aid over time).
pub fn shares(support: &Support, measure: Measure, currency: Currency) -> Result<Vec<Share>, ReportError> {
    let (cubes, counts) = facts(support, measure);
    // Three lines a month: everything, the lethal part, the long-range part.
    let total = lines(&cubes.months, currency, |k: &MonthKey| counts(k.status).then_some(k.month));
    let mut rates = Converter::new(support, currency);
    let mut lethal = lines(&cubes.months, currency, |k: &MonthKey| (counts(k.status) && k.lethal).then_some(k.month));
    let mut long = lines(&cubes.months, currency, |k: &MonthKey| {
        (counts(k.status) && k.range == RangeClass::Long).then_some(k.month)
    });
    let zero = || Sum::new(currency);
    total
        .into_iter()
        .map(|(month, sum)| {
            let total = sum.value(&mut rates)?;
            let lethal = lethal.remove(&month).unwrap_or_else(zero).value(&mut rates)?;
            let long_range = long.remove(&month).unwrap_or_else(zero).value(&mut rates)?;
            Ok(Share {
                month,
                total,
                lethal,
                long_range,
                lethal_bp: basis_points(lethal, total),
                long_range_bp: basis_points(long_range, total),
            })
        })
        .collect()
}

/// `part / whole` in basis points, rounded half up; 0 when either is not positive, and
/// `u32::MAX` when the ratio is beyond it.
fn basis_points(part: Total, whole: Total) -> u32 {
    let (p, w) = (part.minor_units, whole.minor_units);
    if w <= 0 || p <= 0 {
        return 0;
    }
    // Drop low bits that cannot change the ratio at this precision, so that p × 20,000 fits.
    let shift = (128 - w.max(p).leading_zeros()).saturating_sub(110);
    let (p, w) = (p >> shift, (w >> shift).max(1));
    p.checked_mul(20_000).and_then(|x| u32::try_from((x + w) / (2 * w)).ok()).unwrap_or(u32::MAX)
}

/// One member's line of [`burden_share`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurdenLine {
    pub member: CountryCode,
    /// Its fair share of the baseline: `baseline × gdp(m) / Σ gdp` over members taking part.
    pub fair_share: Money,
    /// What it gave under the measure, every channel counted (trust-fund contributions too).
    pub given: Total,
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
    let (cubes, counts) = facts(support, measure);
    let mut given = lines(&cubes.donors, currency, |k: &DonorKey| counts(k.status).then_some(k.donor));
    let mut rates = Converter::new(support, currency);
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
            let given = match given.remove(&member) {
                Some(sum) => sum.value(&mut rates)?,
                None => Total::zero(currency),
            };
            Ok(BurdenLine { member, fair_share, given, ratio_bp: basis_points(given, fair_share.into()) })
        })
        .collect()
}
