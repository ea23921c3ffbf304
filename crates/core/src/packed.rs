//! Persistent maps built whole from entries in key order, with full leaves.
//!
//! `imbl::OrdMap` splits a full leaf in half, so a map filled in key order (as the report index is
//! built) keeps every leaf half empty: half its slots are paid for and never used. Inserting every
//! other entry first, and then the rest, fills each leaf: the first pass leaves leaves of 8 entries
//! spanning 16 ranks (a leaf's right neighbour starts at the key that separates them), and the
//! second puts the 8 missing entries into each, all but the last one or two, which split again.
//! Branches stay half full, as before: one to about nine leaves. This rests on how `imbl` splits a
//! leaf; were that to change, the map would only be less full, never different
//! (`tests/packed_fill.rs` measures the fill under a counting allocator; the unit tests below check
//! the map).

use imbl::OrdMap;

/// The map of `entries`. When their keys are strictly ascending (the case this is for) every
/// other one is inserted first, which fills the map's leaves; otherwise they are inserted in
/// order, so that a later entry with the same key wins.
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
}
