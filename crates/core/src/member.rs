//! Members and partners. Membership is a function of the date (domain.md §5.1).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::CountryCode;

/// A member state of the alliance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub code: CountryCode,
    /// ISO 3166-1 alpha-2 (the United Kingdom is `GB`, not `UK`).
    pub alpha2: String,
    /// ISO 3166-1 numeric, three digits.
    pub numeric: String,
    /// Display name; ISO's short names ("Netherlands, Kingdom of the") are not always what people say.
    pub name: String,
    /// The day the state became a member.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub accession: Date,
    /// The first day on which it no longer is, if it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub departure: Option<Date>,
}

impl Member {
    /// `accession <= day < departure`.
    #[must_use]
    pub fn is_member_on(&self, day: Date) -> bool {
        self.accession <= day && self.departure.is_none_or(|d| day < d)
    }
}

/// A partner the alliance supports (Ukraine). Never a member; never takes positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    pub code: CountryCode,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn sweden() -> Member {
        Member {
            code: CountryCode::parse("SWE").unwrap(),
            alpha2: "SE".into(),
            numeric: "752".into(),
            name: "Sweden".into(),
            accession: date(2024, 3, 7),
            departure: None,
        }
    }

    #[test]
    fn membership_starts_on_the_accession_day() {
        let m = sweden();
        assert!(!m.is_member_on(date(2024, 2, 27)));
        assert!(!m.is_member_on(date(2024, 3, 6)));
        assert!(m.is_member_on(date(2024, 3, 7)));
    }

    #[test]
    fn membership_ends_on_the_departure_day() {
        let m = Member { departure: Some(date(2030, 1, 1)), ..sweden() };
        assert!(m.is_member_on(date(2029, 12, 31)));
        assert!(!m.is_member_on(date(2030, 1, 1)));
    }
}
