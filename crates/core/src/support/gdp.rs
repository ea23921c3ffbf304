//! GDP figures (domain.md §5.3 rule 14): dated, sourced data recorded in the log by the
//! secretariat, so that a burden-share report reads them from the state and names the year and
//! source it used instead of taking figures typed per call.
//!
//! A figure is a whole number in a unit the record states (e.g. "USD billion"): burden share only
//! compares figures with each other, so the unit must be the same across the members a report
//! covers, and is checked there, not here.

use imbl::OrdMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::CountryCode;

/// Longest source or unit, in characters.
pub const MAX_SOURCE: usize = 500;
/// Earliest and latest year a figure may be for.
pub const YEARS: std::ops::RangeInclusive<i16> = 1950..=2100;

/// A member's GDP for a year, as the command states it and the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GdpFigure {
    pub member: CountryCode,
    /// The calendar year the figure is for.
    #[cfg_attr(feature = "openapi", schema(example = 2024, minimum = 1950, maximum = 2100))]
    pub year: i16,
    /// A positive whole number, in `unit`.
    #[cfg_attr(feature = "openapi", schema(example = 4660, minimum = 1))]
    pub value: u64,
    /// What `value` counts, e.g. "USD billion".
    #[cfg_attr(feature = "openapi", schema(example = "USD billion"))]
    pub unit: String,
    /// Where the figure comes from, e.g. "IMF World Economic Outlook, October 2024".
    #[cfg_attr(feature = "openapi", schema(example = "IMF World Economic Outlook, October 2024"))]
    pub source: String,
    /// Why an earlier figure for the same member and year is replaced: required then, refused
    /// otherwise, so that a figure never changes silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<String>,
}

/// A figure as the state holds it: the last recorded for its member and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GdpRecord {
    pub figure: GdpFigure,
    pub recorded_at: Timestamp,
}

/// Every member's figures, by member and year.
pub type GdpRegister = OrdMap<CountryCode, OrdMap<i16, GdpRecord>>;
