//! Running totals of pledges and deliveries, kept as the log is folded, so that a report reads a
//! few thousand cells instead of a million pledges (issue 3's target: every report under 50 ms
//! at 1,000,000 pledges and 2,000,000 deliveries).
//!
//! Each pledge is one *fact* (its pledged quantity and value, in its announcement month, valued
//! on its announcement day) and each delivery record another (in the month and on the day it was
//! delivered, under its pledge's donor, category, channel, status and range). Facts are summed
//! into [`Cube`]s: the same facts under three keys, one per kind of report line —
//! [`RowKey`] (a row of the totals), [`MonthKey`] (months, for shares and charts over time) and
//! [`DonorKey`] (donors, for delivery gaps and burden share). A cell keeps its amounts per
//! currency and day (its *lots*), so that a report in any currency converts each day's amount at
//! that day's rate: exchange rates stay inputs of the report, and a rate recorded later changes
//! no stored total.
//!
//! The index is a pure function of the pledges and deliveries as they stand: a pledge's facts are
//! taken out before it changes and put back after ([`ReportIndex::remove`], [`ReportIndex::add`]),
//! and an empty cell or lot is dropped, so two states with the same pledges have equal indexes.
//! A whole index is built at once ([`ReportIndex::build`], as a snapshot is read) by sorting the
//! facts by key and summing each run of equal keys, which gives the same cells.

use imbl::OrdMap;
use jiff::civil::Date;
use smallvec::SmallVec;

use super::report::Month;
use super::{Channel, Currency, Delivery, Numbered, Pledge, PledgeStatus, RangeClass, RequestId, SupportCategory};
use crate::CountryCode;

/// A line of the totals report: month × donor × category × channel × status (lethality follows
/// from the category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    pub month: Month,
    pub donor: CountryCode,
    pub category: SupportCategory,
    pub channel: Channel,
    pub status: PledgeStatus,
}

/// Support over time: month × status × channel × lethality × range (a few thousand cells over
/// ten years: categories stay in the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthKey {
    pub month: Month,
    pub status: PledgeStatus,
    pub channel: Channel,
    pub lethal: bool,
    pub range: RangeClass,
}

/// Support by donor: donor × status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DonorKey {
    pub donor: CountryCode,
    pub status: PledgeStatus,
}

/// One pledge's or one delivery's contribution.
#[derive(Debug, Clone, Copy)]
struct Fact {
    month: Month,
    donor: CountryCode,
    category: SupportCategory,
    channel: Channel,
    status: PledgeStatus,
    range: RangeClass,
    quantity: i128,
    currency: Currency,
    minor_units: i128,
    day: Date,
}

impl Fact {
    fn of_pledge(p: &Pledge) -> Self {
        let t = &p.terms;
        Self {
            month: Month::of(t.announced_on),
            donor: t.donor,
            category: t.category,
            channel: t.channel,
            status: p.status,
            range: t.range,
            quantity: i128::from(t.quantity),
            currency: t.value.currency,
            minor_units: i128::from(t.value.minor_units),
            day: valuation_day(p),
        }
    }

    /// A delivery record's fact, under its pledge's keys (`pledge` is the pledge's fact).
    fn of_delivery(pledge: &Self, d: &Delivery) -> Self {
        Self {
            month: Month::of(Some(d.delivered_on)),
            quantity: i128::from(d.quantity),
            currency: d.value.currency,
            minor_units: i128::from(d.value.minor_units),
            day: d.delivered_on,
            ..*pledge
        }
    }

    fn negated(self) -> Self {
        Self { quantity: -self.quantity, minor_units: -self.minor_units, ..self }
    }

    fn row(&self) -> RowKey {
        let Self { month, donor, category, channel, status, .. } = *self;
        RowKey { month, donor, category, channel, status }
    }

    fn month_key(&self) -> MonthKey {
        let Self { month, status, channel, category, range, .. } = *self;
        MonthKey { month, status, channel, lethal: category.is_lethal(), range }
    }

    fn donor_key(&self) -> DonorKey {
        DonorKey { donor: self.donor, status: self.status }
    }
}

/// The sums of the facts under one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// How many facts (pledges, or delivery records).
    pub facts: u64,
    /// Their quantities (`i128`, like the values: sums of capped amounts are not capped, and a
    /// sum that saturated could not be taken back out exactly).
    quantity: Wide,
    /// Their values per currency and day, sorted, none zero. Most cells of the finest cubes hold
    /// one or two facts, so the first lot is kept in the cell itself: a heap vector per cell
    /// cost more than the lot it held.
    lots: SmallVec<[Lot; 1]>,
}

/// An `i128` kept as its two 64-bit halves: an `i128` field aligns its struct to 16 bytes, which
/// made a lot of 24 bytes take 32, and a cell of 56 take 64 (6 % of the finest cubes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Wide {
    high: i64,
    low: u64,
}

impl Wide {
    fn new(n: i128) -> Self {
        // Splitting an i128 into its two 64-bit halves: the truncations are the point.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (high, low) = ((n >> 64) as i64, n as u64);
        Self { high, low }
    }

    fn get(self) -> i128 {
        (i128::from(self.high) << 64) | i128::from(self.low)
    }
}

/// The facts' value in one currency on one day, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lot {
    currency: Currency,
    day: Date,
    sum: Wide,
}

impl Lot {
    fn new(currency: Currency, day: Date, minor_units: i128) -> Self {
        Self { currency, day, sum: Wide::new(minor_units) }
    }

    fn key(&self) -> (Currency, Date) {
        (self.currency, self.day)
    }

    fn minor_units(&self) -> i128 {
        self.sum.get()
    }
}

impl Cell {
    fn add(&mut self, f: &Fact, count: i64) {
        self.facts = self.facts.saturating_add_signed(count);
        self.quantity = Wide::new(self.quantity.get() + f.quantity);
        let key = (f.currency, f.day);
        match self.lots.binary_search_by(|lot| lot.key().cmp(&key)) {
            Ok(i) => {
                let sum = self.lots[i].minor_units() + f.minor_units;
                if sum == 0 {
                    self.lots.remove(i);
                    // Back inline when one lot is left, as `build` would keep it.
                    if self.lots.len() == 1 {
                        self.lots.shrink_to_fit();
                    }
                } else {
                    self.lots[i] = Lot::new(f.currency, f.day, sum);
                }
            }
            Err(i) if f.minor_units != 0 => self.lots.insert(i, Lot::new(f.currency, f.day, f.minor_units)),
            Err(_) => {}
        }
    }

    /// The sum of the facts' quantities.
    #[must_use]
    pub fn quantity(&self) -> i128 {
        self.quantity.get()
    }

    /// The values per currency and day, in minor units, sorted by currency and day. A report sums
    /// those in its own currency as it walks them for the others: no per-currency total is kept
    /// beside them, which would double the size of the finest cubes, whose cells hold a lot or two.
    pub fn lots(&self) -> impl Iterator<Item = (Currency, Date, i128)> + '_ {
        self.lots.iter().map(|lot| (lot.currency, lot.day, lot.minor_units()))
    }
}

/// Cells keyed by `K`, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cube<K: Ord + Clone> {
    cells: OrdMap<K, Cell>,
}

impl<K: Ord + Clone> Default for Cube<K> {
    fn default() -> Self {
        Self { cells: OrdMap::new() }
    }
}

impl<K: Ord + Copy> Cube<K> {
    /// The cube of `facts`, all added. Faster than adding them one by one (1.5× for a tenth of
    /// the synthetic history): each fact is one element of a sort instead of a lookup in a
    /// persistent map and an insertion among its cell's lots, and the map is built in key order
    /// with full leaves ([`crate::packed`]).
    fn build(facts: &[Fact], key: impl Fn(&Fact) -> K) -> Self {
        let mut keyed: Vec<(K, Currency, Date, usize)> =
            facts.iter().enumerate().map(|(i, f)| (key(f), f.currency, f.day, i)).collect();
        keyed.sort_unstable();
        let mut cells = Vec::with_capacity(keyed.chunk_by(|a, b| a.0 == b.0).count());
        // One cell's lots are gathered here and copied out at their exact length: no cell keeps
        // spare capacity, and the scratch space is allocated once.
        let mut lots = Vec::new();
        for run in keyed.chunk_by(|a, b| a.0 == b.0) {
            let mut quantity = 0;
            for lot in run.chunk_by(|a, b| (a.1, a.2) == (b.1, b.2)) {
                let (sum, q) =
                    lot.iter().fold((0, 0), |(v, q), &(.., i)| (v + facts[i].minor_units, q + facts[i].quantity));
                quantity += q;
                if sum != 0 {
                    lots.push(Lot::new(lot[0].1, lot[0].2, sum));
                }
            }
            cells.push((
                run[0].0,
                Cell { facts: run.len() as u64, quantity: Wide::new(quantity), lots: SmallVec::from_slice(&lots) },
            ));
            lots.clear();
        }
        // The facts' keys go before the map is built: the peak is the cells and the map.
        drop(keyed);
        Self { cells: crate::packed::ordered(cells) }
    }

    fn add(&mut self, key: K, f: &Fact, count: i64) {
        let cell = self.cells.entry(key).or_default();
        cell.add(f, count);
        if cell.facts == 0 {
            self.cells.remove(&key);
        }
    }

    /// The cells, in key order.
    #[must_use]
    pub fn cells(&self) -> &OrdMap<K, Cell> {
        &self.cells
    }
}

/// The same facts under the three keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cubes {
    pub rows: Cube<RowKey>,
    pub months: Cube<MonthKey>,
    pub donors: Cube<DonorKey>,
}

impl Cubes {
    fn add(&mut self, f: &Fact, count: i64) {
        self.rows.add(f.row(), f, count);
        self.months.add(f.month_key(), f, count);
        self.donors.add(f.donor_key(), f, count);
    }

    /// The cubes of the pledges' facts and of the deliveries' facts, built on two threads:
    /// building them takes most of a start from a snapshot. (Scoped threads computing a pure
    /// function: the result is the same whichever finishes first.)
    fn build(pledges: &[Fact], deliveries: &[Fact]) -> (Self, Self) {
        // Each thread takes about half the work: the rows (the finest cube) of one kind of fact,
        // and the months and donors of the other.
        let ((p_rows, d_months, d_donors), (d_rows, p_months, p_donors)) = std::thread::scope(|s| {
            let other = s.spawn(|| {
                let rows = Cube::build(pledges, Fact::row);
                (rows, Cube::build(deliveries, Fact::month_key), Cube::build(deliveries, Fact::donor_key))
            });
            let here = (
                Cube::build(deliveries, Fact::row),
                Cube::build(pledges, Fact::month_key),
                Cube::build(pledges, Fact::donor_key),
            );
            (other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), here)
        });
        (
            Self { rows: p_rows, months: p_months, donors: p_donors },
            Self { rows: d_rows, months: d_months, donors: d_donors },
        )
    }
}

/// What is pledged (not cancelled) and delivered against a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestTally {
    /// Sums of quantities each within 2^53: wide, so that adding and taking out stay exact.
    pub pledged: u128,
    pub delivered: u128,
}

/// The report index of a [`Support`](super::Support).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportIndex {
    /// One fact per pledge, whatever its status (a report's measure picks the statuses).
    pub pledges: Cubes,
    /// One fact per delivery record, corrections included.
    pub deliveries: Cubes,
    requests: OrdMap<RequestId, RequestTally>,
}

impl ReportIndex {
    /// The index of `pledges` with their delivery records, as they stand: equal to adding them
    /// one by one, built faster (see [`Cube::build`]).
    pub(crate) fn build(pledges: &Numbered<Pledge>, deliveries: &Numbered<Delivery>) -> Self {
        let mut pledge_facts = Vec::with_capacity(pledges.len());
        let mut delivery_facts = Vec::with_capacity(deliveries.len());
        let mut requests = std::collections::BTreeMap::<RequestId, RequestTally>::new();
        for p in pledges.values() {
            let fact = Fact::of_pledge(p);
            pledge_facts.push(fact);
            delivery_facts.extend(super::records_of(deliveries, p).map(|d| Fact::of_delivery(&fact, d)));
            if let Some(request) = p.terms.request.filter(|_| p.status != PledgeStatus::Cancelled) {
                let tally = requests.entry(request).or_default();
                tally.pledged += u128::from(p.terms.quantity);
                tally.delivered += u128::try_from(p.delivered_quantity).unwrap_or(0);
            }
        }
        requests.retain(|_, t| *t != RequestTally::default());
        let (pledges, deliveries) = Cubes::build(&pledge_facts, &delivery_facts);
        Self { pledges, deliveries, requests: requests.into_iter().collect() }
    }

    /// Adds a pledge and its delivery records, as they stand.
    pub(crate) fn add<'a>(&mut self, pledge: &Pledge, deliveries: impl Iterator<Item = &'a Delivery>) {
        self.count(pledge, deliveries, 1);
    }

    /// Takes out what [`add`](Self::add) put in for the pledge as it stands.
    pub(crate) fn remove<'a>(&mut self, pledge: &Pledge, deliveries: impl Iterator<Item = &'a Delivery>) {
        self.count(pledge, deliveries, -1);
    }

    fn count<'a>(&mut self, p: &Pledge, deliveries: impl Iterator<Item = &'a Delivery>, sign: i64) {
        let t = &p.terms;
        let fact = Fact::of_pledge(p);
        let signed = |f: Fact| if sign < 0 { f.negated() } else { f };
        self.pledges.add(&signed(fact), sign);
        for d in deliveries {
            self.deliveries.add(&signed(Fact::of_delivery(&fact, d)), sign);
        }
        if let Some(request) = t.request.filter(|_| p.status != PledgeStatus::Cancelled) {
            let tally = self.requests.entry(request).or_default();
            let delivered = u128::try_from(p.delivered_quantity).unwrap_or(0);
            if sign > 0 {
                tally.pledged += u128::from(t.quantity);
                tally.delivered += delivered;
            } else {
                tally.pledged -= u128::from(t.quantity);
                tally.delivered -= delivered;
            }
            if *tally == RequestTally::default() {
                self.requests.remove(&request);
            }
        }
    }

    /// What is pledged and delivered against `request`.
    #[must_use]
    pub fn request(&self, request: RequestId) -> RequestTally {
        self.requests.get(&request).copied().unwrap_or_default()
    }
}

/// The day a pledge's value is converted on: its announcement, else the day it was recorded.
#[must_use]
pub fn valuation_day(p: &Pledge) -> Date {
    p.terms.announced_on.unwrap_or_else(|| crate::rules::utc_day(p.recorded_at.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lot_keeps_its_sum_exactly_whatever_its_sign_and_size() {
        let day = Date::constant(2024, 2, 29);
        let wide = i128::from(i64::MAX) * 4096;
        for v in [0, 1, -1, i128::from(u64::MAX), -i128::from(u64::MAX) - 1, wide, -wide, i128::MAX, i128::MIN] {
            let lot = Lot::new(Currency::EUR, day, v);
            assert_eq!(lot.minor_units(), v);
            assert_eq!(lot.key(), (Currency::EUR, day));
        }
        assert_eq!(Wide::new(-wide).get(), -wide);
        assert_eq!((std::mem::size_of::<Lot>(), std::mem::size_of::<Cell>()), (24, 56), "the point of the halves");
    }

    #[test]
    fn a_cells_lots_are_summed_per_currency_and_day_and_dropped_at_zero() {
        let (eur, usd) = (Currency::EUR, Currency::USD);
        let fact = |currency, day: Date, minor_units| Fact {
            month: Month::of(Some(day)),
            donor: CountryCode::parse("EST").expect("a code"),
            category: SupportCategory::HumanitarianRelief,
            channel: Channel::Bilateral,
            status: PledgeStatus::Committed,
            range: RangeClass::NotApplicable,
            quantity: 1,
            currency,
            minor_units,
            day,
        };
        let (d1, d2) = (Date::constant(2024, 3, 1), Date::constant(2024, 3, 2));
        let mut cell = Cell::default();
        for f in [fact(usd, d1, 7), fact(eur, d2, 5), fact(eur, d1, 3), fact(usd, d2, 11), fact(eur, d1, -3)] {
            cell.add(&f, 1);
        }
        // The EUR lot of d1 came to zero and went.
        assert_eq!(cell.lots().collect::<Vec<_>>(), [(eur, d2, 5), (usd, d1, 7), (usd, d2, 11)]);
        assert_eq!((cell.facts, cell.quantity()), (5, 5));
    }
}
