//! Markings and readers: the audience a recorded fact is released to, and who reads, as the log
//! and the API spell them. Which reader may read what is [`crate::access`]'s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Actor, CountryCode};

/// The audience a piece of content is released to.
/// Serialised as its word (`members+partner:UKR`); API schemas declare it a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marking {
    /// The member delegations and the secretariat (`members`).
    Members,
    /// The members and one partner (`members+partner:UKR`).
    MembersAndPartner(CountryCode),
    /// Everyone, signed in or not (`public`).
    Public,
}

/// Who reads: the role a caller authenticated as, or the public (observers and anonymous
/// callers alike: an observer's token grants nothing the public does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reader {
    Secretariat,
    Member(CountryCode),
    Partner(CountryCode),
    Public,
}

impl Reader {
    /// The reader an authenticated actor is; `None` (no token) is the public.
    #[must_use]
    pub fn of(actor: Option<Actor>) -> Self {
        match actor {
            Some(Actor::Secretariat | Actor::Scheduler) => Self::Secretariat,
            Some(Actor::Member(c)) => Self::Member(c),
            Some(Actor::Partner(c)) => Self::Partner(c),
            Some(Actor::Observer) | None => Self::Public,
        }
    }

    /// Whether this reader is cleared for everything marked for the members.
    #[must_use]
    pub fn is_member_cleared(self) -> bool {
        matches!(self, Self::Secretariat | Self::Member(_))
    }
}

/// `secretariat`, `member:FRA`, `partner:UKR` or `public`: how a notice names its reader.
impl fmt::Display for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secretariat => f.write_str("secretariat"),
            Self::Member(c) => write!(f, "member:{c}"),
            Self::Partner(c) => write!(f, "partner:{c}"),
            Self::Public => f.write_str("public"),
        }
    }
}

/// A reader that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a reader is `secretariat`, `member:<A3>`, `partner:<A3>` or `public` (not `{0}`)")]
pub struct InvalidReader(pub String);

impl FromStr for Reader {
    type Err = InvalidReader;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidReader(s.to_owned());
        let code = |c: &str| CountryCode::parse(c).map_err(|_| bad());
        match s.split_once(':') {
            None if s == "secretariat" => Ok(Self::Secretariat),
            None if s == "public" => Ok(Self::Public),
            Some(("member", c)) => Ok(Self::Member(code(c)?)),
            Some(("partner", c)) => Ok(Self::Partner(code(c)?)),
            _ => Err(bad()),
        }
    }
}

impl Serialize for Reader {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reader {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Marking {
    /// Whether content with this marking is released to `reader`.
    #[must_use]
    pub fn admits(self, reader: Reader) -> bool {
        match (self, reader) {
            (_, Reader::Secretariat | Reader::Member(_)) | (Self::Public, _) => true,
            (Self::MembersAndPartner(p), Reader::Partner(r)) => p == r,
            (Self::Members | Self::MembersAndPartner(_), _) => false,
        }
    }

    /// Whether `self` releases at least what `other` does (publication may only widen).
    #[must_use]
    pub fn covers(self, other: Self) -> bool {
        match (self, other) {
            (Self::Public, _) | (_, Self::Members) => true,
            (Self::MembersAndPartner(a), Self::MembersAndPartner(b)) => a == b,
            (Self::Members | Self::MembersAndPartner(_), _) => false,
        }
    }
}

impl fmt::Display for Marking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Members => f.write_str("members"),
            Self::MembersAndPartner(p) => write!(f, "members+partner:{p}"),
            Self::Public => f.write_str("public"),
        }
    }
}

/// In the API's document a marking is the string it is spelled as (utoipa cannot derive a
/// schema for an enum serialised by hand).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Marking {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some("^(members|members\\+partner:[A-Z]{3}|public)$"))
            .description(Some("Who may read it: members, members+partner:<A3>, or public."))
            .examples(["members+partner:UKR"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Marking {}

/// A marking that is none of `members`, `members+partner:<A3>`, `public`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a marking: say members, members+partner:<A3 code> or public")]
pub struct InvalidMarking(pub String);

impl FromStr for Marking {
    type Err = InvalidMarking;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "members" => Ok(Self::Members),
            "public" => Ok(Self::Public),
            _ => s
                .strip_prefix("members+partner:")
                .and_then(|code| CountryCode::parse(code).ok())
                .map(Self::MembersAndPartner)
                .ok_or_else(|| InvalidMarking(s.to_owned())),
        }
    }
}

impl Serialize for Marking {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Marking {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    #[test]
    fn markings_read_and_print_as_the_log_spells_them() {
        for s in ["members", "members+partner:UKR", "public"] {
            let m: Marking = s.parse().unwrap();
            assert_eq!(m.to_string(), s);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{s}\""));
        }
        for bad in ["", "Members", "members+partner:", "members+partner:ukraine", "partner:UKR", "public "] {
            assert!(bad.parse::<Marking>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_marking_admits_exactly_its_audience() {
        let ukr = Marking::MembersAndPartner(code("UKR"));
        let readers = [
            Reader::Secretariat,
            Reader::Member(code("HUN")),
            Reader::Partner(code("UKR")),
            Reader::Partner(code("MDA")),
            Reader::Public,
        ];
        let admitted = |m: Marking| readers.iter().map(|r| m.admits(*r)).collect::<Vec<_>>();
        assert_eq!(admitted(Marking::Members), [true, true, false, false, false]);
        assert_eq!(admitted(ukr), [true, true, true, false, false]);
        assert_eq!(admitted(Marking::Public), [true, true, true, true, true]);
    }

    #[test]
    fn an_observer_reads_what_the_public_reads() {
        assert_eq!(Reader::of(Some(Actor::Observer)), Reader::Public);
        assert_eq!(Reader::of(None), Reader::Public);
        assert!(!Marking::Members.admits(Reader::of(Some(Actor::Observer))));
    }

    #[test]
    fn markings_only_widen() {
        let ukr = Marking::MembersAndPartner(code("UKR"));
        let mda = Marking::MembersAndPartner(code("MDA"));
        assert!(Marking::Public.covers(ukr) && ukr.covers(Marking::Members) && ukr.covers(ukr));
        assert!(!Marking::Members.covers(ukr) && !ukr.covers(Marking::Public) && !ukr.covers(mda));
    }
}
