//! Values to and from database columns, the same for every backend: timestamps, actors and
//! integer ranges.

use std::fmt::Display;

use concord_core::{Actor, CountryCode};
use jiff::Timestamp;

use crate::StoreError;

/// A stored value that does not decode: the store is corrupt.
pub fn corrupt(what: impl Display, e: impl Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// A timestamp as stored: RFC 3339 in UTC with all nine fractional digits, so that stored times
/// sort as text in time order (`…:00Z` would sort after `…:00.5Z`).
pub fn timestamp(t: Timestamp) -> String {
    format!("{t:.9}")
}

/// Reads a stored timestamp.
pub fn parse_timestamp(s: &str, what: &str) -> Result<Timestamp, StoreError> {
    s.parse().map_err(|e| corrupt(format_args!("{what} {s:?}"), e))
}

/// Columns are signed 64-bit integers: sequence numbers and ids beyond that cannot be stored.
pub fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Other(format!("{what} {n} is out of range")))
}

/// Reads back an integer that was stored from a `u64`.
pub fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt(what, format_args!("{n} is negative")))
}

/// A token's actor as `(role, code)` columns.
pub fn actor_columns(actor: &Actor) -> (&'static str, Option<String>) {
    match actor {
        Actor::Secretariat => ("secretariat", None),
        Actor::Member(c) => ("member", Some(c.to_string())),
        Actor::Partner(c) => ("partner", Some(c.to_string())),
        Actor::Observer => ("observer", None),
        Actor::Scheduler => ("scheduler", None),
    }
}

/// The actor stored as `(role, code)`.
pub fn actor_from_columns(role: &str, code: Option<&str>) -> Result<Actor, StoreError> {
    let country = |code: Option<&str>| {
        let code = code.ok_or_else(|| corrupt("token", format_args!("role {role} without a country code")))?;
        CountryCode::parse(code).map_err(|e| corrupt("token", e))
    };
    match (role, code) {
        ("secretariat", None) => Ok(Actor::Secretariat),
        ("observer", None) => Ok(Actor::Observer),
        ("scheduler", None) => Ok(Actor::Scheduler),
        ("member", code) => Ok(Actor::Member(country(code)?)),
        ("partner", code) => Ok(Actor::Partner(country(code)?)),
        (role, code) => Err(corrupt("token", format_args!("unknown role {role:?} (code {code:?})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_timestamps_sort_as_text() {
        let a: Timestamp = "2024-02-27T09:00:00Z".parse().unwrap();
        let b: Timestamp = "2024-02-27T09:00:00.5Z".parse().unwrap();
        assert_eq!(timestamp(a), "2024-02-27T09:00:00.000000000Z");
        assert!(timestamp(a) < timestamp(b));
        assert_eq!(parse_timestamp(&timestamp(b), "t").unwrap(), b);
    }

    #[test]
    fn actors_round_trip_through_columns() {
        let fra = CountryCode::parse("FRA").unwrap();
        for actor in [Actor::Secretariat, Actor::Member(fra), Actor::Partner(fra), Actor::Observer, Actor::Scheduler] {
            let (role, code) = actor_columns(&actor);
            assert_eq!(actor_from_columns(role, code.as_deref()).unwrap(), actor);
        }
        assert_eq!(actor_columns(&Actor::Member(fra)), ("member", Some("FRA".to_owned())));
        assert!(actor_from_columns("member", None).is_err());
        assert!(actor_from_columns("admin", None).is_err());
    }
}
