//! Persistent maps built whole from entries in key order, with full leaves.
//!
//! `imbl::OrdMap` splits a full leaf in half, so a map filled in key order (as a snapshot is read
//! and the report index built) keeps every leaf half empty: half its slots are paid for and
//! never used. Inserting every other entry first, and then the rest, fills each leaf: the first
//! pass leaves leaves of 8 entries spanning 16 ranks (a leaf's right neighbour starts at the key
//! that separates them), and the second puts the 8 missing entries into each, all but the last
//! one or two, which split again. Branches stay half full, as before: one to about nine leaves.
//! This rests on how `imbl` splits a leaf; were that to change, the map would only be
//! less full, never different (`tests/packed_fill.rs` measures the fill under a counting
//! allocator; the unit tests below check the map).

use std::fmt;
use std::marker::PhantomData;

use imbl::OrdMap;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// The map of `entries`. When their keys are strictly ascending (the case this is for) every
/// other one is inserted first, which fills the map's leaves; otherwise they are inserted in
/// order, so that a later entry with the same key wins, as in a map read from JSON.
pub fn ordered<K: Ord + Clone, V: Clone>(entries: Vec<(K, V)>) -> OrdMap<K, V> {
    let mut map = OrdMap::new();
    if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
        map.extend(entries);
        return map;
    }
    let mut odd = Vec::with_capacity(entries.len() / 2);
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i % 2 == 0 {
            map.insert(k, v);
        } else {
            odd.push((k, v));
        }
    }
    map.extend(odd);
    map
}

/// A map read from a serialised map through [`ordered`]: a snapshot's pledges and delivery
/// records, written in key order.
pub struct Ordered<K, V>(pub OrdMap<K, V>);

impl<K: Ord + fmt::Debug, V: fmt::Debug> fmt::Debug for Ordered<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de, K, V> Deserialize<'de> for Ordered<K, V>
where
    K: Deserialize<'de> + Ord + Clone,
    V: Deserialize<'de> + Clone,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
            type Value = Vec<(K, V)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(entries)
            }
        }
        deserializer.deserialize_map(Entries(PhantomData)).map(|entries| Self(ordered(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_is_the_same_whatever_the_order_of_insertion() {
        for n in [0u64, 1, 2, 15, 16, 17, 33, 1000, 4097] {
            let entries: Vec<(u64, u64)> = (0..n).map(|k| (k * 3, k)).collect();
            let expected: OrdMap<u64, u64> = entries.iter().copied().collect();
            assert_eq!(ordered(entries), expected, "{n} entries");
        }
    }

    #[test]
    fn entries_out_of_order_or_repeated_are_read_as_a_json_map_reads_them() {
        let map = ordered(vec![(3, "a"), (1, "b"), (3, "c"), (2, "d")]);
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [(1, "b"), (2, "d"), (3, "c")]);
    }

    #[test]
    fn a_map_reads_back_as_it_was_written() {
        let map: OrdMap<u64, String> = (1..=40u64).map(|k| (k, k.to_string())).collect();
        let json = serde_json::to_string(&map).expect("serialisable");
        let read: Ordered<u64, String> = serde_json::from_str(&json).expect("a map");
        assert_eq!(read.0, map);
        assert!(serde_json::from_str::<Ordered<u64, String>>("[1, 2]").is_err(), "a list is not a map");
    }
}
