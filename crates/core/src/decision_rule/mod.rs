//! Decision rules as data (issue 15): which rule a body decides by, and the pure, exact
//! arithmetic that says whether a set of final positions or votes adopts a proposal.
//!
//! Two families, with honest words for each:
//! - **consensus** rules ([`Rule::Consensus`], [`Rule::ConsensusMinusOne`],
//!   [`Rule::ConstructiveAbstention`]) read the members' [`Stance`](crate::Stance)s: consent,
//!   objection, opting out. Nobody votes; [`consent`] decides on the final positions and
//!   [`blocks`] says whether one stance blocks at once.
//! - **vote** rules ([`Rule::QualifiedMajority`], [`Rule::Threshold`], [`Rule::Majority`]) read
//!   [`Vote`]s; [`count`] tallies them and keeps every number it used.
//!
//! Everything here is integer arithmetic: a fraction is a [`Ratio`] compared by
//! cross-multiplying in `u128`, and a percentage is only ever text for people ([`percent`]).
//! Nothing reads a clock or a file, so a verifier recomputes every outcome from the log.
//!
//! This module does not know proposals, procedures or the log: the caller gives it the frozen
//! electorate, the final positions or votes and, for rules weighted by population, the dated
//! [`Populations`] recorded for the body.
//!
//! Not modelled yet: the blocking minority of Art. 238(3)(a) TFEU when not every member takes
//! part (the minimum here is a fixed number), the 72 % of Art. 238(2) TFEU, and Art. 27(3) of
//! the UN Charter's duty of a party to a dispute to abstain.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CountryCode;

mod consent;
mod rule;
mod vote;

#[cfg(test)]
mod tests;

pub use consent::{Consent, ConsentFailure, OptOutShare, blocks, consent};
pub use rule::{Base, Bound, Family, Rule};
pub use vote::{Count, Failure, PopulationTally, Vote, count};

/// An exact fraction `num/den`, such as 55/100 or 1/3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub num: u32,
    pub den: u32,
}

impl Ratio {
    /// One half.
    pub const HALF: Self = Self::new(1, 2);
    /// One third.
    pub const THIRD: Self = Self::new(1, 3);
    /// Two thirds.
    pub const TWO_THIRDS: Self = Self::new(2, 3);

    /// The fraction as given; [`Ratio::check`] refuses a zero denominator and one above 1.
    #[must_use]
    pub const fn new(num: u32, den: u32) -> Self {
        Self { num, den }
    }

    /// Refuses a zero denominator, a zero numerator (a threshold of nothing) and a fraction
    /// above one (a threshold nobody reaches). `what` names the fraction in the error.
    pub fn check(self, what: &'static str) -> Result<(), RuleError> {
        if self.den == 0 {
            return Err(RuleError::ZeroDenominator { what });
        }
        if self.num == 0 || self.num > self.den {
            return Err(RuleError::FractionOutOfRange { what, ratio: self });
        }
        Ok(())
    }

    /// Whether `part` is **at least** this fraction of `whole`: `part/whole >= num/den`,
    /// decided as `part × den >= num × whole` in `u128`, which cannot overflow.
    #[must_use]
    pub fn reached(self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(self.den) >= u128::from(self.num) * u128::from(whole)
    }

    /// Whether `part` is **strictly more** than this fraction of `whole`.
    #[must_use]
    pub fn exceeded(self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(self.den) > u128::from(self.num) * u128::from(whole)
    }

    /// The least `part` of `whole` that satisfies `bound`: what a count reports as "needed".
    /// Agrees with [`Ratio::reached`] and [`Ratio::exceeded`] (a property test checks it).
    #[must_use]
    pub fn least(self, whole: u64, bound: Bound) -> u64 {
        if self.den == 0 {
            return u64::MAX;
        }
        let (prod, den) = (u128::from(self.num) * u128::from(whole), u128::from(self.den));
        let least = match bound {
            Bound::AtLeast => prod.div_ceil(den),
            Bound::MoreThan => prod / den + 1,
        };
        // num <= den (checked), so least <= whole + 1; saturate rather than wrap otherwise.
        u64::try_from(least).unwrap_or(u64::MAX)
    }

    /// Whether `part` of `whole` satisfies `bound`.
    #[must_use]
    pub fn satisfied(self, part: u64, whole: u64, bound: Bound) -> bool {
        match bound {
            Bound::AtLeast => self.reached(part, whole),
            Bound::MoreThan => self.exceeded(part, whole),
        }
    }
}

/// `55 %` when the fraction is a whole or tenth percentage, `1/3` otherwise: never a rounded
/// figure that would misstate the threshold.
impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, d) = (u64::from(self.num), u64::from(self.den));
        if d != 0 && (n * 100) % d == 0 {
            write!(f, "{} %", n * 100 / d)
        } else if d != 0 && (n * 1000) % d == 0 {
            let tenths = n * 1000 / d;
            write!(f, "{}.{} %", tenths / 10, tenths % 10)
        } else {
            write!(f, "{n}/{d}")
        }
    }
}

/// `part` as a percentage of `whole`, to one decimal, for display only: `percent(713, 1000)` is
/// `"71.3 %"`. Truncated, never rounded up, so that a share just short of a threshold never
/// reads as meeting it (64.99 % reads "64.9 %", not "65.0 %"). A zero whole reads `"0.0 %"`.
/// Decisions never use it.
#[must_use]
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0 %".to_owned();
    }
    let tenths = u128::from(part) * 1000 / u128::from(whole);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// Each member's population for one year, from one named source: the weights of a rule that
/// counts people (qualified majority, constructive abstention). Like a GDP figure
/// (`support::gdp`), it is dated and sourced so that an outcome can say which figures it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Populations {
    /// The year the figures apply to (for the Council of the EU, the calendar year of the
    /// Council decision that publishes them).
    #[cfg_attr(feature = "openapi", schema(minimum = 1945, maximum = 9999))]
    pub year: i16,
    /// Where the figures come from, e.g. the Official Journal reference.
    pub source: String,
    /// Persons, by member.
    pub figures: BTreeMap<CountryCode, u64>,
}

impl Populations {
    /// A member's figure, or the typed error naming it.
    pub fn of(&self, member: CountryCode) -> Result<u64, RuleError> {
        self.figures.get(&member).copied().ok_or(RuleError::NoPopulation { member, year: self.year })
    }

    /// Figures from CSV text, one `member,population` line each (spaces and underscores within
    /// a number are ignored: `83 445 000`); a first line that is not a figure is a header.
    /// The API takes figures as JSON; the CLI and the web read them as people paste them.
    ///
    /// # Errors
    /// Naming the line: one that is not `member,population`, a figure that is not a whole
    /// number, a code that is not ISO alpha-3, a member listed twice, or no figure at all.
    pub fn figures_from_csv(text: &str) -> Result<BTreeMap<CountryCode, u64>, String> {
        let mut figures = BTreeMap::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let n = i + 1;
            let (member, figure) = line
                .split_once(',')
                .ok_or_else(|| format!("line {n}: expected `member,population`, found {line:?}"))?;
            let figure = figure.trim().replace(['_', ' '], "");
            let Ok(figure) = figure.parse::<u64>() else {
                if i == 0 {
                    continue;
                }
                return Err(format!("line {n}: {figure:?} is not a whole number of people"));
            };
            let code = CountryCode::parse(member.trim()).map_err(|e| format!("line {n}: {e}"))?;
            if figures.insert(code, figure).is_some() {
                return Err(format!("line {n}: {code} is listed twice"));
            }
        }
        if figures.is_empty() {
            return Err("no figure is listed".into());
        }
        Ok(figures)
    }

    /// The members' total, refusing a member without a figure (never counting it as zero).
    pub fn total<'a>(&self, members: impl IntoIterator<Item = &'a CountryCode>) -> Result<u64, RuleError> {
        members.into_iter().try_fold(0u64, |sum, m| sum.checked_add(self.of(*m)?).ok_or(RuleError::PopulationOverflow))
    }
}

/// Why a rule or an evaluation was refused. Refusals are typed so that a caller (the command
/// that sets a body's rule, the verifier) can say exactly what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{what}: the denominator is 0")]
    ZeroDenominator { what: &'static str },
    #[error("{what}: {}/{} is not a fraction above 0 and at most 1", ratio.num, ratio.den)]
    FractionOutOfRange { what: &'static str, ratio: Ratio },
    #[error("a majority of more than all is never reached")]
    MoreThanAll,
    #[error("a threshold vote needs at least one vote in favour")]
    NeededZero,
    #[error("{0} is listed twice")]
    Duplicate(CountryCode),
    #[error("the electorate is empty")]
    EmptyElectorate,
    #[error("the electorate is too large to count")]
    ElectorateTooLarge,
    #[error("{0} is not an elector")]
    NotAnElector(CountryCode),
    #[error("{needed} {what} needed but only {electors} electors: the rule can never be met")]
    Unreachable { what: &'static str, needed: u32, electors: u32 },
    #[error("the {rule} rule is decided by {family}, not by this evaluation")]
    WrongFamily { rule: &'static str, family: Family },
    #[error("the {rule} rule needs population figures")]
    PopulationsNeeded { rule: &'static str },
    #[error("no population figure for {member} in the {year} figures")]
    NoPopulation { member: CountryCode, year: i16 },
    #[error("the population figures add up beyond what can be counted")]
    PopulationOverflow,
    #[error("the electorate has no population: shares of it are meaningless")]
    ZeroPopulation,
}

/// The electorate as a set, refusing an empty one and duplicates, and its size.
fn electorate_set(electorate: &[CountryCode]) -> Result<(BTreeSet<CountryCode>, u32), RuleError> {
    let mut set = BTreeSet::new();
    for &m in electorate {
        if !set.insert(m) {
            return Err(RuleError::Duplicate(m));
        }
    }
    if set.is_empty() {
        return Err(RuleError::EmptyElectorate);
    }
    let n = u32::try_from(set.len()).map_err(|_| RuleError::ElectorateTooLarge)?;
    Ok((set, n))
}

/// Codes joined for a sentence: `CHN, RUS`.
fn list(codes: &[CountryCode]) -> String {
    codes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
