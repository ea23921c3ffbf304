//! Query parameters: each checked before anything is read, a bad value a 400 that names the
//! parameter; and the cursor walk every keyset-paginated list shares.

use std::fmt::Display;
use std::ops::Bound;
use std::str::FromStr;

use concord_core::CountryCode;
use concord_core::support::{Currency, NotAnId};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::DEFAULT_LIMIT;
use crate::problem::ApiError;

/// The largest page of a support list. Larger than the other lists' because dashboards and
/// exports read support data whole, and a page is only cloned out of memory.
pub const MAX_SUPPORT_LIMIT: u32 = 1000;

pub(super) fn invalid(name: &str, detail: impl Display) -> ApiError {
    ApiError::bad_request("invalid-query", format!("the query parameter {name} is not valid: {detail}"))
}

/// A parameter written as the API writes the value in JSON (an enumeration's snake_case word).
pub(super) fn word<T: DeserializeOwned>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|s| serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| invalid(name, e)))
        .transpose()
}

/// A parameter with a text form of its own (a number, a date, a code).
pub(super) fn parsed<T: FromStr>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError>
where
    T::Err: Display,
{
    raw.map(|s| s.parse().map_err(|e| invalid(name, format!("{s:?}: {e}")))).transpose()
}

/// An id parameter. Ids are int64, as the document says and every store keeps them: a larger
/// number is refused like any other bad value rather than matching nothing.
pub(super) fn id(name: &str, raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    let n: Option<u64> = parsed(name, raw)?;
    match n {
        Some(n) if i64::try_from(n).is_err() => Err(invalid(name, format!("{n} is larger than any id"))),
        n => Ok(n),
    }
}

/// A support record's id (`RequestId::new`, …) in the query: none is numbered 0.
pub(super) fn numbered<K>(name: &str, raw: Option<&str>, new: fn(u64) -> Option<K>) -> Result<Option<K>, ApiError> {
    id(name, raw)?.map(|n| new(n).ok_or_else(|| invalid(name, NotAnId))).transpose()
}

/// The support record a path names: none is numbered 0, so that address names nothing.
pub(super) fn numbered_path<K>(n: u64, new: fn(u64) -> Option<K>) -> Result<K, ApiError> {
    new(n).ok_or_else(|| ApiError::NotFound("no record is numbered 0: ids are numbered from 1".to_owned()))
}

pub(super) fn country(name: &str, raw: Option<&str>) -> Result<Option<CountryCode>, ApiError> {
    raw.map(|s| CountryCode::parse(s).map_err(|e| invalid(name, e))).transpose()
}

pub(super) fn currency(name: &str, raw: Option<&str>) -> Result<Option<Currency>, ApiError> {
    raw.map(|s| Currency::parse(s).map_err(|e| invalid(name, e))).transpose()
}

/// `limit`: 1 to [`MAX_SUPPORT_LIMIT`], default 50.
pub(super) fn limit(raw: Option<u32>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n @ 1..=MAX_SUPPORT_LIMIT) => Ok(n),
        Some(n) => Err(invalid("limit", format!("{n} is not between 1 and {MAX_SUPPORT_LIMIT}"))),
    }
}

/// The entries of `map` after the cursor `after` (exclusive), in key order.
pub(super) fn from_cursor<K: Ord + Clone, V: Clone>(
    map: &imbl::OrdMap<K, V>,
    after: Option<K>,
) -> impl Iterator<Item = &V> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    map.range((start, Bound::Unbounded)).map(|(_, v)| v)
}

/// `?limit=&after=` on lists paginated by a numeric id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IdPageQuery {
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (an id).
    #[param(value_type = Option<u64>)]
    pub after: Option<String>,
}

impl IdPageQuery {
    pub(super) fn parse(&self) -> Result<(u32, Option<u64>), ApiError> {
        Ok((limit(self.limit)?, id("after", self.after.as_deref())?))
    }
}
