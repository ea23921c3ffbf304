//! A moment in 12 bytes, for the records held by the million (pledges and delivery records).

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A [`Timestamp`] kept as three 4-byte parts. jiff's is 16 bytes aligned to 8 (an `i64` of
/// seconds, an `i32` of nanoseconds and padding); this is 12 aligned to 4, so that it shares an
/// 8-byte word with a small neighbour (a delivery's date, a pledge's status): 8 bytes less in
/// each of three million records. Written and read as the timestamp it holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    second_high: i32,
    second_low: u32,
    nanosecond: i32,
}

impl Stamp {
    /// The moment held.
    #[must_use]
    pub fn get(self) -> Timestamp {
        let second = (i64::from(self.second_high) << 32) | i64::from(self.second_low);
        Timestamp::new(second, self.nanosecond).expect("the parts of a timestamp make it again")
    }
}

/// As the moment, not its parts.
impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl From<Timestamp> for Stamp {
    fn from(t: Timestamp) -> Self {
        let second = t.as_second();
        // Splitting an i64 into its two 32-bit halves: the truncations are the point.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (second_high, second_low) = ((second >> 32) as i32, second as u32);
        Self { second_high, second_low, nanosecond: t.subsec_nanosecond() }
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Timestamp::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_holds_any_timestamp_exactly() {
        let moments = [
            Timestamp::MIN,
            Timestamp::MAX,
            Timestamp::UNIX_EPOCH,
            Timestamp::new(-1, -500_000_000).unwrap(),
            Timestamp::new(1_765_000_000, 123_456_789).unwrap(),
            Timestamp::new(i64::from(u32::MAX) + 7, 999_999_999).unwrap(),
        ];
        for t in moments {
            assert_eq!(Stamp::from(t).get(), t);
            let json = serde_json::to_string(&Stamp::from(t)).unwrap();
            assert_eq!(json, serde_json::to_string(&t).unwrap(), "written as the timestamp");
            assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), Stamp::from(t));
        }
        assert_eq!((std::mem::size_of::<Stamp>(), std::mem::align_of::<Stamp>()), (12, 4));
        let t = Timestamp::new(1_765_000_000, 5).unwrap();
        assert_eq!(format!("{:?}", Stamp::from(t)), format!("{t:?}"), "debugged as the moment");
    }
}
