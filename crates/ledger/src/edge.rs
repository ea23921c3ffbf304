//! The right edge of a Merkle tree: all that appending to it, or computing its root, needs.
//!
//! Appending to an RFC 9162 tree needs only the roots of its complete subtrees (one per set bit
//! of the size, at most 64 hashes), and so does computing its root. A log's sequencer keeps
//! exactly those in memory and computes each batch's new stored hashes and root from them
//! without reading storage; a verifier streams a whole log through one to recompute its root.

use std::collections::HashMap;

use crate::tlog::{self, HashReader, stored_hash_count, stored_hash_index};
use crate::{Error, Hash};

/// The complete subtrees of the tree of `size` entries, by stored-hash index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeEdge {
    size: u64,
    hashes: HashMap<u64, Hash>,
}

impl HashReader for TreeEdge {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes.iter().map(|i| self.hashes.get(i).copied().ok_or(Error::MissingHash(*i))).collect()
    }
}

/// The stored-hash indexes of the complete subtrees of the tree of `n` entries, largest first.
#[must_use]
pub fn edge_indexes(n: u64) -> Vec<u64> {
    let mut start = 0u64;
    let mut out = Vec::new();
    for level in (0..64u8).rev() {
        if n >> level & 1 == 1 {
            out.push(stored_hash_index(level, start >> level));
            start += 1 << level;
        }
    }
    out
}

impl TreeEdge {
    /// The edge of a tree of `size` entries, from its hashes at [`edge_indexes`]`(size)`.
    pub fn from_hashes(size: u64, hashes: Vec<Hash>) -> Result<Self, Error> {
        let indexes = edge_indexes(size);
        if indexes.len() != hashes.len() {
            return Err(Error::MissingHash(indexes.get(hashes.len()).copied().unwrap_or_default()));
        }
        Ok(Self { size, hashes: indexes.into_iter().zip(hashes).collect() })
    }

    /// The tree's size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree's root (RFC 9162 §2.1.1).
    pub fn root(&self) -> Result<Hash, Error> {
        tlog::tree_hash(self.size, self)
    }

    /// Appends leaves; returns the stored hashes they add, with their indexes.
    pub fn append(&mut self, leaves: &[Hash]) -> Result<Vec<(u64, Hash)>, Error> {
        let new = tlog::stored_hashes_for_batch(self.size, leaves, self)?;
        let first = stored_hash_count(self.size);
        let added: Vec<(u64, Hash)> = (first..).zip(new).collect();
        let size = self.size + leaves.len() as u64;
        let mut all = std::mem::take(&mut self.hashes);
        all.extend(added.iter().copied());
        self.hashes = edge_indexes(size).into_iter().filter_map(|i| all.get(&i).map(|h| (i, *h))).collect();
        self.size = size;
        debug_assert_eq!(self.hashes.len() as u32, size.count_ones(), "the edge holds every complete subtree");
        Ok(added)
    }
}

/// Checks hashes a store holds against the same hashes recomputed from the entries (`recomputed`
/// as [`TreeEdge::append`] gives them, `stored` read at their indexes, in that order), naming the
/// first that differs ([`Error::StoredHash`]). A stored hash is never trusted for what it
/// serves — tiles, proofs, exports — until it has been compared once with the entries: one
/// overwritten row would otherwise go on serving a wrong tile under a correct signed root.
pub fn check_stored(recomputed: &[(u64, Hash)], stored: &[Hash]) -> Result<(), Error> {
    if recomputed.len() != stored.len() {
        return Err(Error::HashCount { wanted: recomputed.len(), got: stored.len() });
    }
    match recomputed.iter().zip(stored).find(|((_, want), got)| want != *got) {
        None => Ok(()),
        Some(((index, _), _)) => {
            let (level, n) = tlog::split_stored_hash_index(*index);
            Err(Error::StoredHash { index: *index, level, n })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::leaf_hash;

    use super::*;

    #[test]
    fn appending_in_batches_gives_the_reference_roots_and_every_stored_hash() {
        let leaves: Vec<Hash> = (0..300u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut edge = TreeEdge::default();
        let mut stored: Vec<(u64, Hash)> = Vec::new();
        let mut done = 0;
        for batch in [1usize, 2, 5, 64, 100, 128] {
            stored.extend(edge.append(&leaves[done..done + batch]).unwrap());
            done += batch;
            assert_eq!(edge.root().unwrap(), tlog::root_of(&leaves[..done]), "root after {done} leaves");
        }
        // The hashes handed out are exactly the stored-hash layout, in index order.
        assert_eq!(stored.len() as u64, stored_hash_count(done as u64));
        assert!(stored.iter().enumerate().all(|(i, (idx, _))| *idx == i as u64));
        let all: Vec<Hash> = stored.iter().map(|(_, h)| *h).collect();
        assert_eq!(tlog::tree_hash(done as u64, &all).unwrap(), tlog::root_of(&leaves[..done]));
        // An edge rebuilt from the store equals the one kept in memory.
        let reloaded =
            TreeEdge::from_hashes(done as u64, all.read_hashes(&edge_indexes(done as u64)).unwrap()).unwrap();
        assert_eq!(reloaded, edge);
    }

    #[test]
    fn a_stored_hash_that_differs_is_named() {
        let leaves: Vec<Hash> = (0..5u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let added = TreeEdge::default().append(&leaves).unwrap();
        let mut stored: Vec<Hash> = added.iter().map(|(_, h)| *h).collect();
        check_stored(&added, &stored).unwrap();
        // Index 5 is the level-1 node over records 2 and 3 (see `tlog`'s worked example).
        stored[5] = leaf_hash(b"other");
        assert!(matches!(check_stored(&added, &stored), Err(Error::StoredHash { index: 5, level: 1, n: 1 })));
        assert!(matches!(check_stored(&added, &stored[..4]), Err(Error::HashCount { wanted: 8, got: 4 })));
    }

    #[test]
    fn the_edge_is_one_subtree_per_set_bit() {
        assert!(edge_indexes(0).is_empty());
        assert_eq!(edge_indexes(1), vec![0]);
        assert_eq!(edge_indexes(2), vec![2]); // the node over leaves 0 and 1
        assert_eq!(edge_indexes(3).len(), 2);
        assert_eq!(edge_indexes(0b1011_0110).len(), 5);
    }
}
