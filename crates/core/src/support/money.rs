//! Money: integer minor units with an ISO 4217 currency, checked arithmetic, and explicit dated
//! exchange rates (domain.md §5.3 rule 11).
//!
//! Nothing here rounds silently or mixes currencies: adding a EUR and a USD amount is an error
//! ([`MoneyError::CurrencyMismatch`]), and the only way from one currency to another is
//! [`Rates::convert`] with a rate someone recorded for a date. Amounts are bounded by
//! [`MAX_MINOR_UNITS`] (2^53 − 1): every JSON reader (RFC 7493 I-JSON, JavaScript, the IATI and
//! CSV consumers) reads such integers exactly, so going past it is an overflow, not a rounding.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest magnitude of an amount, in minor units (and of a quantity): 2^53 − 1.
pub const MAX_MINOR_UNITS: i64 = (1 << 53) - 1;

/// The currencies Concord knows: code, minor-unit exponent (ISO 4217), name. Sorted by code.
///
/// The member states' currencies (EUR, USD, GBP, CAD, NOK, SEK, DKK, PLN, CZK, HUF, RON, BGN, ISK,
/// ALL, MKD, TRY; HRK for Croatia before 2023), the partner's (UAH), and those of the other donors
/// the Kiel tracker follows (AUD, CHF, CNY, INR, JPY, KRW, NZD, TWD).
const CURRENCIES: &[(&str, u8, &str)] = &[
    ("ALL", 2, "Albanian lek"),
    ("AUD", 2, "Australian dollar"),
    ("BGN", 2, "Bulgarian lev"),
    ("CAD", 2, "Canadian dollar"),
    ("CHF", 2, "Swiss franc"),
    ("CNY", 2, "Chinese yuan renminbi"),
    ("CZK", 2, "Czech koruna"),
    ("DKK", 2, "Danish krone"),
    ("EUR", 2, "euro"),
    ("GBP", 2, "pound sterling"),
    ("HRK", 2, "Croatian kuna"),
    ("HUF", 2, "Hungarian forint"),
    ("INR", 2, "Indian rupee"),
    ("ISK", 0, "Icelandic króna"),
    ("JPY", 0, "Japanese yen"),
    ("KRW", 0, "South Korean won"),
    ("MKD", 2, "Macedonian denar"),
    ("NOK", 2, "Norwegian krone"),
    ("NZD", 2, "New Zealand dollar"),
    ("PLN", 2, "Polish złoty"),
    ("RON", 2, "Romanian leu"),
    ("SEK", 2, "Swedish krona"),
    ("TRY", 2, "Turkish lira"),
    ("TWD", 2, "New Taiwan dollar"),
    ("UAH", 2, "Ukrainian hryvnia"),
    ("USD", 2, "US dollar"),
];

/// An ISO 4217 currency code from the list Concord knows.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// The text is not the code of a currency Concord knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a known ISO 4217 currency code (e.g. EUR, USD, GBP)")]
pub struct UnknownCurrency(pub String);

impl Currency {
    /// The euro, the default currency of reports (as in the Kiel tracker).
    pub const EUR: Self = Self(*b"EUR");
    /// The US dollar (OCHA FTS reports in it).
    pub const USD: Self = Self(*b"USD");

    /// Parses a code of the known list; lower case is refused, so that a currency has one spelling.
    pub fn parse(s: &str) -> Result<Self, UnknownCurrency> {
        match CURRENCIES.binary_search_by(|(c, ..)| (*c).cmp(s)) {
            Ok(i) => {
                let b = CURRENCIES[i].0.as_bytes();
                Ok(Self([b[0], b[1], b[2]]))
            }
            Err(_) => Err(UnknownCurrency(s.to_owned())),
        }
    }

    /// Every known currency, in code order.
    pub fn all() -> impl Iterator<Item = Self> {
        CURRENCIES.iter().map(|(c, ..)| {
            let b = c.as_bytes();
            Self([b[0], b[1], b[2]])
        })
    }

    fn entry(self) -> &'static (&'static str, u8, &'static str) {
        let i = CURRENCIES.binary_search_by(|(c, ..)| c.as_bytes().cmp(&self.0[..]));
        &CURRENCIES[i.expect("a Currency is always from the list")]
    }

    /// The code, e.g. `EUR`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// Digits after the decimal point of the minor unit: 2 for EUR (cents), 0 for JPY or ISK.
    #[must_use]
    pub fn exponent(self) -> u8 {
        self.entry().1
    }

    /// The currency's English name.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.entry().2
    }
}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why an amount could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "{left} and {right} amounts cannot be added or compared without an exchange rate: convert one at a dated rate first"
    )]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("the amount is beyond ±{MAX_MINOR_UNITS} minor units: it overflows")]
    Overflow,
    #[error("there is no exchange rate between {from} and {to} on or before {on}: record one first")]
    NoRate { from: Currency, to: Currency, on: Date },
    #[error("{0:?} is not an exchange rate: write a positive decimal such as 1.0812")]
    InvalidRate(String),
    #[error("{amount:?} is not an amount in {currency}: write digits with at most {places} decimal places, no sign")]
    InvalidAmount { amount: String, currency: Currency, places: u8 },
}

/// An amount: integer minor units (cents) of a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor_units: i64,
    pub currency: Currency,
}

impl Money {
    /// An amount, refused beyond [`MAX_MINOR_UNITS`].
    pub fn new(minor_units: i64, currency: Currency) -> Result<Self, MoneyError> {
        Self { minor_units, currency }.checked()
    }

    /// Nothing, in `currency`.
    #[must_use]
    pub fn zero(currency: Currency) -> Self {
        Self { minor_units: 0, currency }
    }

    /// The amount itself, if it is within [`MAX_MINOR_UNITS`].
    pub fn checked(self) -> Result<Self, MoneyError> {
        if self.minor_units.unsigned_abs() > MAX_MINOR_UNITS.unsigned_abs() {
            Err(MoneyError::Overflow)
        } else {
            Ok(self)
        }
    }

    fn same_currency(self, other: Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    /// `self + other`, in one currency, within bounds.
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let sum = self.minor_units.checked_add(other.minor_units).ok_or(MoneyError::Overflow)?;
        Self::new(sum, self.currency)
    }

    /// `self - other`, in one currency, within bounds.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let d = self.minor_units.checked_sub(other.minor_units).ok_or(MoneyError::Overflow)?;
        Self::new(d, self.currency)
    }

    /// Compares two amounts of one currency.
    pub fn checked_cmp(self, other: Self) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor_units.cmp(&other.minor_units))
    }

    /// The sum of `amounts`, all in `currency` (an empty sum is zero).
    pub fn sum(currency: Currency, amounts: impl IntoIterator<Item = Self>) -> Result<Self, MoneyError> {
        amounts.into_iter().try_fold(Self::zero(currency), Self::checked_add)
    }

    #[must_use]
    pub fn is_negative(self) -> bool {
        self.minor_units < 0
    }

    #[must_use]
    pub fn is_zero(self) -> bool {
        self.minor_units == 0
    }
}

impl Money {
    /// The amount as an exact decimal in its currency's major unit: 1234567 EUR cents are
    /// `12345.67`, 5 cents `0.05`, 300 yen `300`. Integer arithmetic only, never a float.
    #[must_use]
    pub fn decimal(self) -> String {
        decimal(i128::from(self.minor_units), self.currency)
    }

    /// Parses a non-negative decimal in `currency`'s major unit (`1250000.50`) into exact minor
    /// units, the inverse of [`Money::decimal`]. More decimal places than the currency has, a
    /// sign, or anything but digits and one point is an error, never rounded.
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<Self, MoneyError> {
        let places = currency.exponent();
        let bad = || MoneyError::InvalidAmount { amount: s.to_owned(), currency, places };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (s.contains('.') && !digits(frac)) || frac.len() > usize::from(places) {
            return Err(bad());
        }
        let text = format!("{whole}{frac:0<w$}", w = usize::from(places));
        let minor: i64 = text.parse().map_err(|_| MoneyError::Overflow)?;
        Self::new(minor, currency)
    }
}

/// `minor` minor units of `currency` as an exact decimal in its major unit.
fn decimal(minor: i128, currency: Currency) -> String {
    let e = u32::from(currency.exponent());
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if e == 0 {
        return format!("{sign}{abs}");
    }
    let unit = 10u128.pow(e);
    format!("{sign}{}.{:0w$}", abs / unit, abs % unit, w = e as usize)
}

/// A sum of amounts in one currency, as reports give it.
///
/// Each accepted amount is within [`MAX_MINOR_UNITS`], but their sum is not: a thousand pledges
/// at the cap already pass it. A report's figures are therefore `i128` minor units, which no
/// history can overflow (it would take 2^74 pledges at the cap), so that no accepted write can
/// make a report fail for everyone. Written in JSON like [`Money`]; past 2^53 a JSON reader
/// that reads numbers as doubles (JavaScript) rounds it, so [`Total::decimal`] is the exact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Total {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub minor_units: i128,
    pub currency: Currency,
}

impl Total {
    /// Nothing, in `currency`.
    #[must_use]
    pub fn zero(currency: Currency) -> Self {
        Self { minor_units: 0, currency }
    }

    /// The amount as an exact decimal in its currency's major unit (as [`Money::decimal`]).
    #[must_use]
    pub fn decimal(self) -> String {
        decimal(self.minor_units, self.currency)
    }

    /// `self - other`, in one currency.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        let d = self.minor_units.checked_sub(other.minor_units).ok_or(MoneyError::Overflow)?;
        Ok(Self { minor_units: d, currency: self.currency })
    }
}

impl From<Money> for Total {
    fn from(m: Money) -> Self {
        Self { minor_units: i128::from(m.minor_units), currency: m.currency }
    }
}

/// `1234.50 EUR`: the sum with its currency's decimals, then the code.
impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

/// `1234.50 EUR`, `-3 JPY`: the amount with its currency's decimals, then the code.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

/// The most decimal places a rate may have.
pub const MAX_RATE_SCALE: u8 = 12;

/// An exact, positive decimal exchange rate: `units / 10^scale` units of the target currency per
/// unit of the source (major units, as central banks publish them: 1 EUR = 1.0812 USD). Written
/// in JSON as a decimal string (`"1.0812"`), never as a float.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    units: u64,
    scale: u8,
}

impl Rate {
    /// Parses a positive decimal (`1.0812`, `25`, `0.000037`), at most [`MAX_RATE_SCALE`] places.
    pub fn parse(s: &str) -> Result<Self, MoneyError> {
        let bad = || MoneyError::InvalidRate(s.to_owned());
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        let scale = u8::try_from(frac.len()).ok().filter(|&n| n <= MAX_RATE_SCALE).ok_or_else(bad)?;
        let units: u64 = format!("{int}{frac}").parse().map_err(|_| bad())?;
        if units == 0 {
            return Err(bad());
        }
        Ok(Self { units, scale })
    }

    /// The rate as `units / 10^scale`, normalised (no trailing zeros).
    #[must_use]
    pub fn parts(self) -> (u64, u8) {
        (self.units, self.scale)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let unit = 10u64.pow(u32::from(self.scale));
        write!(f, "{}.{:0w$}", self.units / unit, self.units % unit, w = usize::from(self.scale))
    }
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Rate {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An exchange rate published for a day: one `from` is worth `rate` of `to` on `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FxRate {
    pub from: Currency,
    pub to: Currency,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.0812", pattern = r"^([1-9][0-9]{0,6}(\.[0-9]{1,12})?|0\.[0-9]{0,11}[1-9])$"))]
    pub rate: Rate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub on: Date,
}

/// Rounds `num / den` (den > 0) to the nearest integer, halves away from zero.
fn div_round(num: i128, den: i128) -> i128 {
    let (q, r) = (num / den, num % den);
    if 2 * r.abs() >= den { q + num.signum() } else { q }
}

/// `v × n / d` (n, d > 0) rounded as [`div_round`] rounds, without forming `v × n`: with
/// `v = q·d + r`, it is `q·n + r·n/d`, where `q·n` is exact and `r·n` (|r| < d) stays small. So
/// the only overflow is that of the result itself.
fn mul_div_round(v: i128, n: i128, d: i128) -> Option<i128> {
    let (q, r) = (v / d, v % d);
    // q and r share v's sign, so rounding the fraction alone rounds the whole the same way.
    q.checked_mul(n)?.checked_add(div_round(r.checked_mul(n)?, d))
}

impl FxRate {
    /// Converts `m` (in `from`, or in `to` for the inverse direction) at this rate, rounding
    /// to the nearest minor unit of the target, halves away from zero.
    pub fn apply(&self, m: Money) -> Result<Money, MoneyError> {
        let (out, target) = self.convert(i128::from(m.minor_units), m.currency)?;
        Money::new(i64::try_from(out).map_err(|_| MoneyError::Overflow)?, target)
    }

    /// Converts a report's sum (in `from`, or in `to` for the inverse direction), rounded as
    /// [`FxRate::apply`] rounds; it overflows only if the result is beyond `i128`.
    pub fn apply_total(&self, t: Total) -> Result<Total, MoneyError> {
        let (minor_units, currency) = self.convert(t.minor_units, t.currency)?;
        Ok(Total { minor_units, currency })
    }

    fn convert(&self, minor_units: i128, currency: Currency) -> Result<(i128, Currency), MoneyError> {
        let (inverse, target) = match currency {
            c if c == self.from => (false, self.to),
            c if c == self.to => (true, self.from),
            c => return Err(MoneyError::CurrencyMismatch { left: c, right: self.from }),
        };
        let (units, scale) = self.rate.parts();
        let pow = |n: i64| 10i128.checked_pow(u32::try_from(n).unwrap_or(0)).ok_or(MoneyError::Overflow);
        let shift = i64::from(target.exponent()) - i64::from(currency.exponent());
        let (up, down) = (pow(shift.max(0))?, pow((-shift).max(0))?);
        let (rate_num, rate_den) = (i128::from(units), pow(i64::from(scale))?);
        let (num_factor, den_factor) = if inverse { (rate_den, rate_num) } else { (rate_num, rate_den) };
        let num = num_factor.checked_mul(up).ok_or(MoneyError::Overflow)?;
        let den = den_factor.checked_mul(down).ok_or(MoneyError::Overflow)?;
        Ok((mul_div_round(minor_units, num, den).ok_or(MoneyError::Overflow)?, target))
    }
}

/// Every recorded exchange rate, kept sorted by (from, to, day); a pure lookup table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rates {
    /// Shared until a rate is added (rarely), so that copying the state does not copy them.
    rates: std::sync::Arc<Vec<FxRate>>,
}

impl Rates {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn key(r: &FxRate) -> (Currency, Currency, Date) {
        (r.from, r.to, r.on)
    }

    /// Adds a rate; returns false (and changes nothing) if one for that pair and day exists.
    pub fn insert(&mut self, rate: FxRate) -> bool {
        match self.rates.binary_search_by_key(&Self::key(&rate), Self::key) {
            Ok(_) => false,
            Err(i) => {
                std::sync::Arc::make_mut(&mut self.rates).insert(i, rate);
                true
            }
        }
    }

    /// The rate recorded for exactly this pair (in this direction) and day.
    #[must_use]
    pub fn exact(&self, from: Currency, to: Currency, on: Date) -> Option<&FxRate> {
        self.rates.binary_search_by_key(&(from, to, on), Self::key).ok().map(|i| &self.rates[i])
    }

    /// The latest rate from `from` to `to` (in that direction) dated on or before `on`.
    #[must_use]
    pub fn latest(&self, from: Currency, to: Currency, on: Date) -> Option<&FxRate> {
        let end = self.rates.partition_point(|r| Self::key(r) <= (from, to, on));
        self.rates[..end].last().filter(|r| r.from == from && r.to == to)
    }

    /// Converts `m` into `to` at the latest rate dated on or before `on`, direct (`m`'s currency
    /// to `to`) or inverse (`to` to `m`'s currency), whichever is more recent (the direct one on
    /// a tie). No cross rates through a third currency: every conversion rests on a rate someone
    /// recorded. The same currency converts to itself.
    pub fn convert(&self, m: Money, to: Currency, on: Date) -> Result<Money, MoneyError> {
        if m.currency == to {
            return m.checked();
        }
        self.applicable(m.currency, to, on)?.apply(m)
    }

    /// The rate [`convert`](Self::convert) uses from `from` to `to` on `on` (two currencies).
    pub fn applicable(&self, from: Currency, to: Currency, on: Date) -> Result<FxRate, MoneyError> {
        let direct = self.latest(from, to, on);
        let inverse = self.latest(to, from, on);
        match (direct, inverse) {
            (Some(d), Some(i)) => Ok(if i.on > d.on { *i } else { *d }),
            (Some(r), None) | (None, Some(r)) => Ok(*r),
            (None, None) => Err(MoneyError::NoRate { from, to, on }),
        }
    }

    /// The sum of dated amounts in `to`, each converted at its own date's rate.
    pub fn sum_in(&self, to: Currency, amounts: impl IntoIterator<Item = (Money, Date)>) -> Result<Money, MoneyError> {
        amounts.into_iter().try_fold(Money::zero(to), |acc, (m, on)| acc.checked_add(self.convert(m, to, on)?))
    }

    /// Every rate, in (from, to, day) order.
    pub fn iter(&self) -> impl Iterator<Item = &FxRate> {
        self.rates.iter()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(CURRENCIES.iter().map(|(c, ..)| *c)))
            .description(Some("ISO 4217 currency code"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

#[cfg(test)]
mod tests {
    use super::{Currency, Money, MoneyError};

    #[test]
    fn decimals_print_and_parse_exactly_or_not_at_all() {
        let eur = Currency::EUR;
        let jpy = Currency::parse("JPY").unwrap();
        let m = |minor_units, currency| Money { minor_units, currency };
        assert_eq!(m(1_234_567, eur).decimal(), "12345.67");
        assert_eq!(m(5, eur).decimal(), "0.05");
        assert_eq!(m(0, Currency::USD).decimal(), "0.00");
        assert_eq!(m(-250, eur).decimal(), "-2.50");
        assert_eq!(m(300, jpy).decimal(), "300");
        assert_eq!(m(-250, eur).to_string(), "-2.50 EUR");
        assert_eq!(m(-7, Currency::parse("ISK").unwrap()).decimal(), "-7");
        // The largest amount Concord allows, digit for digit (a float would round it).
        assert_eq!(m(super::MAX_MINOR_UNITS, eur).decimal(), "90071992547409.91");
        assert_eq!(m(-super::MAX_MINOR_UNITS, Currency::parse("KRW").unwrap()).decimal(), "-9007199254740991");
        assert_eq!(Money::parse_decimal("1250000.5", eur), Ok(m(125_000_050, eur)));
        assert_eq!(Money::parse_decimal("7", eur), Ok(m(700, eur)));
        assert_eq!(Money::parse_decimal("0.07", eur), Ok(m(7, eur)));
        assert_eq!(Money::parse_decimal("1000", jpy), Ok(m(1000, jpy)));
        for bad in ["1.234", "-5", "1,5", "", ".5", "5.", "1e6", " 5"] {
            assert!(
                matches!(Money::parse_decimal(bad, eur), Err(MoneyError::InvalidAmount { .. })),
                "{bad:?} was accepted"
            );
        }
        assert!(Money::parse_decimal("1.5", jpy).is_err());
        assert_eq!(Money::parse_decimal("99999999999999999999", eur), Err(MoneyError::Overflow));
        for x in [0, 1, 99, 100, 123_456_789] {
            assert_eq!(Money::parse_decimal(&m(x, eur).decimal(), eur), Ok(m(x, eur)), "round trip");
        }
    }

    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn eur(minor: i64) -> Money {
        Money { minor_units: minor, currency: Currency::EUR }
    }

    fn cur(s: &str) -> Currency {
        Currency::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn rate(from: &str, to: &str, r: &str, on: Date) -> FxRate {
        FxRate { from: cur(from), to: cur(to), rate: Rate::parse(r).unwrap_or_else(|e| panic!("{e}")), on }
    }

    #[test]
    fn the_currency_list_is_sorted_and_has_every_members_currency() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        let members = ["EUR", "USD", "GBP", "CAD", "NOK", "SEK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "ISK"];
        let others = ["ALL", "MKD", "TRY", "HRK", "CHF", "JPY", "AUD", "UAH", "KRW", "NZD"];
        for code in members.iter().chain(&others) {
            assert_eq!(cur(code).as_str(), *code);
        }
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("EUR").exponent(), 2);
        assert_eq!(Currency::all().count(), CURRENCIES.len());
    }

    #[test]
    fn unknown_or_misspelt_currencies_are_refused() {
        for bad in ["eur", "EU", "EURO", "XXX", "", "ABC", "UKR"] {
            assert!(Currency::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap_or_default(), "\"EUR\"");
    }

    #[test]
    fn adding_different_currencies_is_an_error_never_a_sum() {
        let usd = Money { minor_units: 100, currency: Currency::USD };
        assert_eq!(
            eur(100).checked_add(usd),
            Err(MoneyError::CurrencyMismatch { left: Currency::EUR, right: Currency::USD })
        );
        assert!(eur(1).checked_sub(usd).is_err());
        assert!(eur(1).checked_cmp(usd).is_err());
        assert!(Money::sum(Currency::EUR, [eur(1), usd]).is_err());
        assert_eq!(Money::sum(Currency::EUR, [eur(1), eur(2)]), Ok(eur(3)));
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(eur(MAX_MINOR_UNITS).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(-MAX_MINOR_UNITS).checked_sub(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MAX).checked_add(eur(i64::MAX)), Err(MoneyError::Overflow));
        assert_eq!(Money::new(i64::MIN, Currency::EUR), Err(MoneyError::Overflow));
        assert!(Money::new(MAX_MINOR_UNITS, Currency::EUR).is_ok());
    }

    #[test]
    fn money_displays_with_its_currencys_decimals() {
        assert_eq!(eur(123_450).to_string(), "1234.50 EUR");
        assert_eq!(eur(-5).to_string(), "-0.05 EUR");
        assert_eq!(Money { minor_units: 3, currency: cur("JPY") }.to_string(), "3 JPY");
    }

    #[test]
    fn rates_are_exact_decimals() {
        let r = Rate::parse("1.08120").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.parts(), (10812, 4));
        assert_eq!(r.to_string(), "1.0812");
        assert_eq!(serde_json::to_string(&r).unwrap_or_default(), "\"1.0812\"");
        for bad in ["", "0", "0.000", "-1", "1e3", "1.", ".5", "1,5", "NaN", "0.0000000000001"] {
            assert!(Rate::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn convert_picks_the_latest_rate_on_or_before_the_date() {
        let mut rates = Rates::new();
        assert!(rates.insert(rate("EUR", "USD", "1.10", date(2024, 1, 1))));
        assert!(rates.insert(rate("EUR", "USD", "1.20", date(2024, 2, 1))));
        assert!(!rates.insert(rate("EUR", "USD", "1.30", date(2024, 2, 1))), "one rate per pair and day");
        let usd = |m| Money { minor_units: m, currency: Currency::USD };
        assert_eq!(rates.convert(eur(10000), Currency::USD, date(2024, 1, 31)), Ok(usd(11000)));
        assert_eq!(rates.convert(eur(10000), Currency::USD, date(2024, 2, 1)), Ok(usd(12000)));
        assert_eq!(rates.convert(eur(10000), Currency::USD, date(2030, 1, 1)), Ok(usd(12000)));
        assert_eq!(
            rates.convert(eur(10000), Currency::USD, date(2023, 12, 31)),
            Err(MoneyError::NoRate { from: Currency::EUR, to: Currency::USD, on: date(2023, 12, 31) })
        );
        // The inverse direction uses the same rate.
        assert_eq!(rates.convert(usd(12000), Currency::EUR, date(2024, 3, 1)), Ok(eur(10000)));
        // No rate to GBP at all: an error, not a guess through USD.
        assert!(rates.convert(eur(1), cur("GBP"), date(2024, 3, 1)).is_err());
        assert_eq!(rates.convert(eur(7), Currency::EUR, date(2000, 1, 1)), Ok(eur(7)));
    }

    #[test]
    fn convert_respects_minor_unit_exponents_and_rounds_half_away_from_zero() {
        let mut rates = Rates::new();
        rates.insert(rate("EUR", "JPY", "160.5", date(2024, 1, 1)));
        let jpy = |m| Money { minor_units: m, currency: cur("JPY") };
        // 1.00 EUR = 160.5 JPY, rounded to 161 (JPY has no minor unit).
        assert_eq!(rates.convert(eur(100), cur("JPY"), date(2024, 1, 2)), Ok(jpy(161)));
        assert_eq!(rates.convert(eur(-100), cur("JPY"), date(2024, 1, 2)), Ok(jpy(-161)));
        // 1605 JPY = 10.00 EUR.
        assert_eq!(rates.convert(jpy(1605), Currency::EUR, date(2024, 1, 2)), Ok(eur(1000)));
    }

    #[test]
    fn sum_in_converts_each_amount_at_its_own_date() {
        let mut rates = Rates::new();
        rates.insert(rate("USD", "EUR", "0.5", date(2024, 1, 1)));
        rates.insert(rate("USD", "EUR", "0.8", date(2024, 6, 1)));
        let usd = |m| Money { minor_units: m, currency: Currency::USD };
        let total = rates.sum_in(
            Currency::EUR,
            [(usd(100), date(2024, 2, 1)), (usd(100), date(2024, 7, 1)), (eur(1), date(2020, 1, 1))],
        );
        assert_eq!(total, Ok(eur(50 + 80 + 1)));
        assert!(rates.sum_in(Currency::EUR, [(usd(100), date(2023, 1, 1))]).is_err());
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(Currency::all().collect::<Vec<_>>())
    }

    fn any_money() -> impl Strategy<Value = Money> {
        (-MAX_MINOR_UNITS..=MAX_MINOR_UNITS, any_currency())
            .prop_map(|(minor_units, currency)| Money { minor_units, currency })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x0C0_4C0D), ..ProptestConfig::default() })]

        /// Splitting `v` by `d` before multiplying gives the same rounded result as forming
        /// `v × n` whole, wherever that fits.
        #[test]
        fn mul_div_round_is_the_rounded_quotient(v in any::<i64>(), n in 1i64..=i64::MAX, d in 1i64..=i64::MAX) {
            let (v, n, d) = (i128::from(v), i128::from(n), i128::from(d));
            prop_assert_eq!(super::mul_div_round(v, n, d), Some(super::div_round(v * n, d)));
        }

        /// Addition never silently mixes currencies and never wraps.
        #[test]
        fn addition_is_exact_or_an_error(a in any_money(), b in any_money()) {
            match a.checked_add(b) {
                Ok(s) => {
                    prop_assert_eq!(a.currency, b.currency);
                    prop_assert_eq!(s.currency, a.currency);
                    prop_assert_eq!(i128::from(s.minor_units), i128::from(a.minor_units) + i128::from(b.minor_units));
                }
                Err(MoneyError::CurrencyMismatch { .. }) => prop_assert_ne!(a.currency, b.currency),
                Err(MoneyError::Overflow) => prop_assert!(
                    (i128::from(a.minor_units) + i128::from(b.minor_units)).abs() > i128::from(MAX_MINOR_UNITS)
                ),
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }

        /// A conversion lands in the target currency or fails; it never returns the input's.
        #[test]
        fn conversion_lands_in_the_target_currency_or_fails(
            m in any_money(), to in any_currency(), units in 1u64..10_000_000, scale in 0u8..8, day in 0i64..400
        ) {
            let mut rates = Rates::new();
            let on = date(2024, 1, 1);
            rates.insert(FxRate { from: m.currency, to, rate: Rate { units, scale }, on });
            let when = on.checked_add(jiff::Span::new().days(day - 200)).unwrap_or(on);
            match rates.convert(m, to, when) {
                Ok(x) => {
                    prop_assert_eq!(x.currency, to);
                    prop_assert!(when >= on || m.currency == to);
                }
                Err(MoneyError::NoRate { .. }) => prop_assert!(when < on && m.currency != to),
                Err(MoneyError::Overflow) => {}
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
