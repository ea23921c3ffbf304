//! The words of the domain's enumerations, in one place: each enumeration's serde names (the
//! snake_case words of the API, the log and the CSV import: `under_silence`) and the words people
//! read (`under silence`, `medical supplies`).
//!
//! An enumeration declares its readable words once, with [`words!`]; that gives it
//! [`Display`](std::fmt::Display) (the readable words), [`FromStr`] and [`Word`]. Its serde
//! names are never written out by hand: [`FromStr`] asks the enumeration's own `Deserialize` and
//! [`Word::name`] its own `Serialize`, so the clap flags, the API's queries, the web's forms and
//! the CSV import accept exactly what the JSON does.
//!
//! ```
//! use concord_core::ProposalStatus;
//! use concord_core::words::Word;
//!
//! let s: ProposalStatus = "under-silence".parse().unwrap();
//! assert_eq!(s, ProposalStatus::UnderSilence);
//! assert_eq!(s.name(), "under_silence");
//! assert_eq!(s.to_string(), "under silence");
//! assert_eq!("under silence".parse::<ProposalStatus>(), Ok(s));
//! assert!("maybe".parse::<ProposalStatus>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::de::value::StrDeserializer;
use serde::ser::{Impossible, Serialize, Serializer};

/// An enumeration of plain words: [`FromStr`] and `Display` as [`words!`] makes them, and its
/// serde name.
pub trait Word: Copy + fmt::Display + FromStr<Err = UnknownWord> + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];

    /// The serde name (`under_silence`), as the API, the log and the CSV import spell it.
    fn name(self) -> &'static str;
}

/// A word that names no value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not one of {}", expected.join(", "))]
pub struct UnknownWord {
    /// The word as given.
    pub word: String,
    /// The serde names accepted.
    pub expected: &'static [&'static str],
}

/// A value from its serde name, written with underscores, hyphens (as flags are) or spaces;
/// surrounding blanks are ignored. The enumeration's own `Deserialize` decides.
pub fn parse<T: DeserializeOwned>(s: &str) -> Result<T, UnknownWord> {
    let word = s.trim().replace(['-', ' '], "_");
    T::deserialize(StrDeserializer::<NotAWord>::new(&word))
        .map_err(|e| UnknownWord { word: s.to_owned(), expected: e.expected })
}

/// The serde name of a unit variant (`under_silence`), from the value's own `Serialize`; `None`
/// for anything else.
#[must_use]
pub fn serde_name<T: Serialize + ?Sized>(v: &T) -> Option<&'static str> {
    v.serialize(NameOf).ok()
}

/// Gives an enumeration of unit variants its readable words, `Display`, [`FromStr`] (the serde
/// name, or the readable words) and [`Word`]. Each variant is listed once with its words; a test
/// of each enumeration checks that every variant is there and that the two spellings agree.
macro_rules! words {
    ($t:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $t {
            /// The value in words.
            #[must_use]
            pub fn words(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// The serde name (`under_silence`).
            #[must_use]
            pub fn name(self) -> &'static str {
                $crate::words::serde_name(&self).expect("a words! enumeration has unit variants only")
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.words())
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = $crate::words::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::words::parse(s).or_else(|e| match s.trim() {
                    $(w if w.eq_ignore_ascii_case($text) => Ok(Self::$variant),)*
                    _ => Err(e),
                })
            }
        }
        impl $crate::words::Word for $t {
            const VALUES: &'static [Self] = &[$(Self::$variant),*];
            fn name(self) -> &'static str {
                Self::name(self)
            }
        }
    };
}

/// The deserializer's error: what serde said was expected, if it named the accepted words.
#[derive(Debug)]
struct NotAWord {
    expected: &'static [&'static str],
}

impl fmt::Display for NotAWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected one of {}", self.expected.join(", "))
    }
}

impl std::error::Error for NotAWord {}

impl serde::de::Error for NotAWord {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Self { expected: &[] }
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Self { expected }
    }
}

impl serde::ser::Error for NotAWord {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Self { expected: &[] }
    }
}

/// A serializer that answers only a unit variant's name.
struct NameOf;

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, NotAWord> {
            Err(NotAWord { expected: &[] })
        })*
    };
}

impl Serializer for NameOf {
    type Ok = &'static str;
    type Error = NotAWord;
    type SerializeSeq = Impossible<&'static str, NotAWord>;
    type SerializeTuple = Impossible<&'static str, NotAWord>;
    type SerializeTupleStruct = Impossible<&'static str, NotAWord>;
    type SerializeTupleVariant = Impossible<&'static str, NotAWord>;
    type SerializeMap = Impossible<&'static str, NotAWord>;
    type SerializeStruct = Impossible<&'static str, NotAWord>;
    type SerializeStructVariant = Impossible<&'static str, NotAWord>;

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<&'static str, NotAWord> {
        Ok(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<&'static str, NotAWord> {
        Err(NotAWord { expected: &[] })
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<&'static str, NotAWord> {
        Err(NotAWord { expected: &[] })
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotAWord> {
        Err(NotAWord { expected: &[] })
    }

    refuse! {
        serialize_bool(bool) -> &'static str;
        serialize_i8(i8) -> &'static str;
        serialize_i16(i16) -> &'static str;
        serialize_i32(i32) -> &'static str;
        serialize_i64(i64) -> &'static str;
        serialize_u8(u8) -> &'static str;
        serialize_u16(u16) -> &'static str;
        serialize_u32(u32) -> &'static str;
        serialize_u64(u64) -> &'static str;
        serialize_f32(f32) -> &'static str;
        serialize_f64(f64) -> &'static str;
        serialize_char(char) -> &'static str;
        serialize_str(&str) -> &'static str;
        serialize_bytes(&[u8]) -> &'static str;
        serialize_none() -> &'static str;
        serialize_unit() -> &'static str;
        serialize_unit_struct(&'static str) -> &'static str;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::{
        AidType, Capability, Channel, FundPolicy, Measure, PledgeStatus, Priority, RangeClass, RequestStatus,
        SupportCategory, ValuationMethod,
    };
    use crate::{DecisionKind, Procedure, ProposalStatus, Significance, Stance};

    /// Every value: its serde name is the JSON's, it parses back from that name, from the name
    /// with hyphens and from its words; `VALUES` holds each variant once.
    fn check<T: Word + Serialize + PartialEq + fmt::Debug>(count: usize) {
        assert_eq!(T::VALUES.len(), count, "{}: a variant is missing from words!", std::any::type_name::<T>());
        for &v in T::VALUES {
            let json = serde_json::to_value(v).ok();
            assert_eq!(json.as_ref().and_then(|j| j.as_str()), Some(v.name()));
            assert_eq!(v.name().parse::<T>(), Ok(v));
            assert_eq!(v.name().replace('_', "-").parse::<T>(), Ok(v));
            assert_eq!(v.to_string().parse::<T>(), Ok(v), "{v}: Display and FromStr agree");
            assert_eq!(T::VALUES.iter().filter(|&&w| w == v).count(), 1);
        }
        let e = "no-such-word".parse::<T>().err();
        assert_eq!(e.as_ref().map(|e| e.expected.len()), Some(count), "the refusal lists the accepted words");
    }

    #[test]
    fn every_enumeration_parses_its_serde_names_and_its_words() {
        check::<DecisionKind>(8);
        check::<Significance>(2);
        check::<Procedure>(3);
        check::<ProposalStatus>(10);
        check::<Stance>(9);
        check::<AidType>(3);
        check::<SupportCategory>(SupportCategory::ALL.len());
        check::<Capability>(12);
        check::<RangeClass>(4);
        check::<ValuationMethod>(4);
        check::<Channel>(Channel::ALL.len());
        check::<PledgeStatus>(6);
        check::<Measure>(3);
        check::<Priority>(4);
        check::<RequestStatus>(5);
        check::<FundPolicy>(2);
    }

    #[test]
    fn a_wrong_word_is_named_with_the_accepted_ones() {
        let e = "maybe".parse::<Stance>().err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "\"maybe\" is not one of concur, concur_with_reservation, opt_out, object, propose_amendment, yes, no, abstain, not_participating"
            )
        );
        assert_eq!(" opt-out ".parse::<Stance>(), Ok(Stance::OptOut));
        assert_eq!(serde_name(&3u8), None);
    }
}
