//! ISO 3166-1 alpha-3 country codes, the identity of members and partners.
//!
//! The code is checked for shape (three ASCII capitals) only: whether a code is assigned by ISO
//! is the secretariat's business when it admits a member or registers a partner.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 3166-1 alpha-3 code such as `FRA` or `UKR`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 3]);

/// The text was not three ASCII capital letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 3166-1 alpha-3 code (three capital letters, e.g. FRA)")]
pub struct InvalidCountryCode(pub String);

impl CountryCode {
    /// The first code in sort order, for ranges over keys that start with a code.
    pub const FIRST: Self = Self(*b"AAA");

    /// Parses a code; lower case is refused rather than folded, so that one country has one
    /// spelling in the log.
    pub fn parse(s: &str) -> Result<Self, InvalidCountryCode> {
        match s.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(InvalidCountryCode(s.to_owned())),
        }
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).expect("country codes are ASCII")
    }
}

impl FromStr for CountryCode {
    type Err = InvalidCountryCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CountryCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("ISO 3166-1 alpha-3 country code"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CountryCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_three_capitals_only() {
        assert_eq!(CountryCode::parse("FRA").map(|c| c.to_string()), Ok("FRA".into()));
        for bad in ["fra", "FR", "FRAN", "", "F1A", "ÜKR"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn serde_round_trips_and_refuses_bad_codes() {
        let c: CountryCode = serde_json::from_str("\"UKR\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"UKR\"");
        assert!(serde_json::from_str::<CountryCode>("\"uk\"").is_err());
    }
}
