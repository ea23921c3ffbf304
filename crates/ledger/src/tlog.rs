//! The log's Merkle tree as stored hashes: O(log n) writes per append, O(log n) reads per proof.
//!
//! The tree is RFC 9162 §2.1's: leaves are [`leaf_hash`](crate::leaf_hash)es of the entries and
//! every interior node is the [`node_hash`] of its two children (§2.1.1). The layout follows Go's
//! `golang.org/x/mod/sumdb/tlog`: every hash of a *complete* subtree is stored once, in the order
//! in which appends complete them, under a dense *stored-hash index*. Appending record `n` stores
//! its leaf hash followed by one hash per subtree it completes (one per trailing 1 bit of `n`),
//! so a tree of `n` records holds `2n − popcount(n)` hashes ([`stored_hash_count`]), and never
//! rewrites one. Any other hash (the root of a tree whose size is not a power of two, or a proof
//! element) folds at most log₂ n stored hashes, read in one batch through a [`HashReader`].
//!
//! # Worked example: five records
//!
//! ```text
//! level 2:            6
//!                 /       \
//! level 1:      2           5
//!             /   \       /   \
//! level 0:   0     1     3     4     7
//! record:    0     1     2     3     4
//! ```
//!
//! The numbers are stored-hash indexes: record 1 stores its leaf (1) and the level-1 hash it
//! completes (2); record 3 stores 4, 5 and 6; record 4 stores only 7. The root of the tree of
//! five records (§2.1.1, `MTH(D[0:5])`) is `node_hash(#6, #7)`; the inclusion proof of record 2
//! (§2.1.3.1) is `[#4, #2, #7]`; the consistency proof from size 3 to 5 (§2.1.4.1) is
//! `[#3, #4, #2, #7]`.
//!
//! ```
//! use concord_ledger::{leaf_hash, tlog};
//!
//! let mut stored = Vec::new(); // a `Vec<Hash>` is a `HashReader` over its own indexes
//! for (n, entry) in [b"a", b"b", b"c", b"d", b"e"].iter().enumerate() {
//!     let new = tlog::stored_hashes(n as u64, leaf_hash(*entry), &stored)?;
//!     stored.extend(new);
//! }
//! assert_eq!(stored.len() as u64, tlog::stored_hash_count(5));
//! assert_eq!(tlog::stored_hash_index(2, 0), 6);
//! assert_eq!(tlog::split_stored_hash_index(7), (0, 4));
//!
//! let root = tlog::tree_hash(5, &stored)?;
//! let proof = tlog::prove_record(5, 2, &stored)?;
//! assert_eq!(proof, [stored[4], stored[2], stored[7]]);
//! tlog::check_record(&proof, 5, root, 2, leaf_hash(b"c"))?;
//!
//! let root3 = tlog::tree_hash(3, &stored)?;
//! let proof = tlog::prove_tree(5, 3, &stored)?;
//! tlog::check_tree(&proof, 5, root, 3, root3)?;
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! # Policy on degenerate sizes
//!
//! RFC 9162 leaves these to the implementation; ours, like Go's `tlog`, refuses what proves
//! nothing:
//!
//! - **Inclusion with `n >= t`** (including `t = 0`): refused by [`prove_record`] and
//!   [`check_record`] ([`Error::LeafIndex`]): an empty tree holds no leaf.
//! - **Consistency from `n = 0`**, whatever `t` (also `t = 0`): refused by [`prove_tree`] and
//!   [`check_tree`] ([`Error::ConsistencySizes`]). Every tree extends the empty one, so such a
//!   proof is meaningless; a verifier seeing its first checkpoint simply starts from it.
//! - **Consistency with `n > t`**: refused ([`Error::ConsistencySizes`]).
//! - **Consistency with `n == t > 0`**: [`prove_tree`] gives the empty proof; [`check_tree`]
//!   accepts only the empty proof and equal roots.
//!
//! transparency-dev/merkle's vectors encode the same choices (`tests/merkle_vectors.rs`): all its
//! size-0 consistency cases, even `sizes-are-equal-zero-and-proof-is-empty.json`, expect an error.
//! The one vector we reject though it is marked valid,
//! `consistency/additional/sizes-are-equal-one-and-proof-is-empty.json`, is an equal-size case
//! whose "roots" are 12 bytes, which is not a [`Hash`](struct@Hash) here; with 32-byte roots we
//! accept it.
//!
//! # Limits
//!
//! Tree sizes are at most [`MAX_TREE_SIZE`] (2⁶²) so that every stored-hash index fits in a
//! `u64` with room to spare; functions that read the tree return [`Error::TreeTooLarge`] beyond.
//! Verification ([`check_record`], [`check_tree`]) is pure bit arithmetic and takes any size.

use sha2::{Digest, Sha256};

use crate::{Error, Hash, node_hash};

/// The largest tree size this module reads or writes: 2⁶² records. Stored-hash indexes then stay
/// below 2⁶³.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Reads stored hashes by index (see [`stored_hash_index`]).
///
/// Implementations return exactly one hash per requested index, in the order asked (indexes may
/// repeat and come in any order), or an error such as [`Error::MissingHash`]. Every function of
/// this module asks for all the hashes it needs in **one** call, so an implementation over a
/// database can answer with one query.
pub trait HashReader {
    /// The hashes at `indexes`, in that order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(indexes)
    }
}

/// All stored hashes of a tree, in index order: the in-memory reader of tests and benches.
impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| usize::try_from(i).ok().and_then(|i| self.get(i)).copied().ok_or(Error::MissingHash(i)))
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        self.as_slice().read_hashes(indexes)
    }
}

/// The root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1).
#[must_use]
pub fn empty_tree_hash() -> Hash {
    Hash::from_array(Sha256::digest(b"").into())
}

/// The stored-hash index of the hash at `level` (0 for leaves) and position `n` within that level,
/// i.e. of the complete subtree over records `n·2^level .. (n+1)·2^level`.
///
/// # Panics
///
/// If `(n + 1) · 2^level` exceeds 2⁶³ (no tree of at most [`MAX_TREE_SIZE`] records has it).
#[must_use]
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // The hash is completed by the subtree's last record, which stores its leaf and then one hash
    // per level it completes, bottom up: so it sits `level` places after that record's leaf.
    let last = n
        .checked_add(1)
        .and_then(|m| m.checked_mul(1u64.checked_shl(u32::from(level))?))
        .filter(|&end| end <= 1 << 63)
        .expect("stored hash coordinates beyond 2^63 records")
        - 1;
    stored_hash_count(last) + u64::from(level)
}

/// The inverse of [`stored_hash_index`]: `(level, n)` of the hash stored at `index`.
///
/// # Panics
///
/// If `index >= 2^63`.
#[must_use]
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    assert!(index < 1 << 63, "stored hash index {index} beyond 2^63");
    // The hash was stored with the record r for which count(r) <= index < count(r + 1). Since
    // count(r) = 2r − popcount(r), r lies in [index/2, index/2 + 32]: a short walk finds it.
    let mut record = index / 2;
    while stored_hash_count(record + 1) <= index {
        record += 1;
    }
    // Record r stored its leaf, then the hashes at levels 1, 2, … of the subtrees it completed.
    let level = index - stored_hash_count(record);
    let level = u8::try_from(level).expect("a record completes at most 63 levels");
    (level, record >> level)
}

/// How many hashes a tree of `n` records stores: `2n − popcount(n)` (n leaves and n − popcount(n)
/// complete interior nodes). It is also the stored-hash index of record `n`'s leaf.
///
/// # Panics
///
/// If `n > 2^63`.
#[must_use]
pub fn stored_hash_count(n: u64) -> u64 {
    let interior = n - u64::from(n.count_ones());
    n.checked_add(interior).expect("stored hash count beyond u64")
}

/// The hashes to store when appending record `n` with leaf hash `leaf` to a tree of `n` records:
/// the leaf, then one hash per subtree it completes, bottom up. They belong at stored-hash
/// indexes `stored_hash_count(n)` onwards.
///
/// Reads one hash per completed subtree (the left siblings), at most 62.
pub fn stored_hashes(n: u64, leaf: Hash, r: &impl HashReader) -> Result<Vec<Hash>, Error> {
    check_size(n.saturating_add(1))?;
    // Each trailing 1 bit of n is a complete left sibling at that level which the new record's
    // subtree joins; its position at level i is (n >> i) − 1 because n >> i is odd.
    let completed = n.trailing_ones();
    let indexes: Vec<u64> = (0..completed).map(|i| stored_hash_index(i as u8, (n >> i) - 1)).collect();
    let siblings = read(r, &indexes)?;
    let mut out = Vec::with_capacity(siblings.len() + 1);
    let mut h = leaf;
    out.push(h);
    for s in &siblings {
        h = node_hash(s, &h);
        out.push(h);
    }
    Ok(out)
}

/// [`stored_hashes`] for a batch: the hashes to store when appending `leaves` to a tree of `n`
/// records, concatenated in stored-hash order from index `stored_hash_count(n)`.
///
/// Reads only the hashes of the complete subtrees of the tree of `n` records (popcount(n) of them)
/// in one call; everything else is computed in memory. Equal to calling [`stored_hashes`] for each
/// leaf in turn and storing the result before the next.
pub fn stored_hashes_for_batch(n: u64, leaves: &[Hash], r: &impl HashReader) -> Result<Vec<Hash>, Error> {
    let end = u64::try_from(leaves.len()).ok().and_then(|k| n.checked_add(k)).unwrap_or(u64::MAX);
    check_size(end)?;
    // The right edge of the tree of n records (its complete subtrees, left to right, levels
    // strictly decreasing) is all that appending needs from the past: each new interior node's
    // left child is either one of these or new itself.
    let mut edge = Vec::new();
    subtree_indexes(0, n, &mut edge);
    // Those subtrees are n's set bits, highest first (see `subtree_indexes`).
    let levels = (0..64u8).rev().filter(|&bit| n >> bit & 1 == 1);
    let mut stack: Vec<(u8, Hash)> = levels.zip(read(r, &edge)?).collect();
    let mut out = Vec::with_capacity(leaves.len() * 2 + 1);
    for &leaf in leaves {
        out.push(leaf);
        let mut top = (0u8, leaf);
        while let Some(&(level, left)) = stack.last() {
            if level != top.0 {
                break;
            }
            stack.pop();
            top = (level + 1, node_hash(&left, &top.1));
            out.push(top.1);
        }
        stack.push(top);
    }
    Ok(out)
}

/// The root hash of the tree of `n` records, RFC 9162 §2.1.1 `MTH(D[0:n])`; for `n = 0` the hash
/// of the empty string. Reads popcount(n) hashes.
pub fn tree_hash(n: u64, r: &impl HashReader) -> Result<Hash, Error> {
    if n == 0 {
        return Ok(empty_tree_hash());
    }
    check_size(n)?;
    let mut indexes = Vec::new();
    subtree_indexes(0, n, &mut indexes);
    Ok(fold_right(&read(r, &indexes)?))
}

/// The inclusion proof of record `n` in the tree of `t` records, RFC 9162 §2.1.3.1 `PATH(n, D[t])`:
/// the leaf's sibling first, the root's child last.
///
/// Refuses `n >= t` ([`Error::LeafIndex`]). Reads at most 2·⌈log₂ t⌉ stored hashes, in one call.
pub fn prove_record(t: u64, n: u64, r: &impl HashReader) -> Result<Vec<Hash>, Error> {
    if n >= t {
        return Err(Error::LeafIndex { index: n, size: t });
    }
    check_size(t)?;
    // Walk from the root to the leaf; at each split the subtree not holding the leaf is a proof
    // element. The walk meets them top down, PATH lists them bottom up.
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0, t);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if n < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, r)
}

/// Checks that `proof` (from [`prove_record`]) shows the record with leaf hash `leaf` at index `n`
/// in the tree of `t` records whose root is `root`, by RFC 9162 §2.1.3.2.
pub fn check_record(proof: &[Hash], t: u64, root: Hash, n: u64, leaf: Hash) -> Result<(), Error> {
    if n >= t {
        return Err(Error::LeafIndex { index: n, size: t });
    }
    let fail = || Error::InclusionProof { index: n, size: t };
    // fn and sn follow the leaf and the tree's last leaf up the levels: where they differ the leaf
    // has a right sibling at this level, where they meet the node is on the right edge.
    let (mut f, mut s) = (n, t - 1);
    let mut h = leaf;
    for p in proof {
        if s == 0 {
            return Err(fail());
        }
        if f & 1 == 1 || f == s {
            h = node_hash(p, &h);
            // Right-edge nodes with no sibling are promoted unchanged: skip their levels.
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            h = node_hash(&h, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && h == root { Ok(()) } else { Err(fail()) }
}

/// The consistency proof from the tree of `n` records to the tree of `t` records, RFC 9162
/// §2.1.4.1 `PROOF(n, D[t])`. Empty when `n == t`.
///
/// Refuses `n = 0` and `n > t` ([`Error::ConsistencySizes`]; see the module's policy). Reads at
/// most 2·⌈log₂ t⌉ stored hashes, in one call.
pub fn prove_tree(t: u64, n: u64, r: &impl HashReader) -> Result<Vec<Hash>, Error> {
    if n == 0 || n > t {
        return Err(Error::ConsistencySizes { old: n, new: t });
    }
    check_size(t)?;
    // SUBPROOF(m, D[lo:hi], b) unrolled: `whole` is b, "the old tree is exactly the subtree the
    // verifier already knows", true until the walk first goes right.
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0, t);
    let mut whole = true;
    loop {
        if hi == n {
            if !whole {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split_point(hi - lo);
        if n <= lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            whole = false;
        }
    }
    ranges.reverse();
    range_hashes(&ranges, r)
}

/// Checks that `proof` (from [`prove_tree`]) shows that the tree of `t` records with root `root_t`
/// extends the tree of `n` records with root `root_n`, by RFC 9162 §2.1.4.2.
///
/// Refuses `n = 0` and `n > t`; for `n == t` accepts only the empty proof and equal roots.
pub fn check_tree(proof: &[Hash], t: u64, root_t: Hash, n: u64, root_n: Hash) -> Result<(), Error> {
    if n == 0 || n > t {
        return Err(Error::ConsistencySizes { old: n, new: t });
    }
    let fail = || Error::ConsistencyProof { old: n, new: t };
    if n == t {
        return if proof.is_empty() && root_t == root_n { Ok(()) } else { Err(fail()) };
    }
    // When n is a power of two the old root is itself a node of the new tree, and the proof
    // leaves it out: the verifier starts from it.
    let (first, rest) = if n.is_power_of_two() {
        (root_n, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(fail()),
        }
    };
    let (mut f, mut s) = (n - 1, t - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // fr rebuilds the old root and sr the new one from the same path.
    let (mut fr, mut sr) = (first, first);
    for c in rest {
        if s == 0 {
            return Err(fail());
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && fr == root_n && sr == root_t { Ok(()) } else { Err(fail()) }
}

/// The reference: RFC 9162 §2.1.1 `MTH` of a list of leaf hashes, computed recursively from all of
/// them. O(n); for tests and for checking a whole entry bundle.
#[must_use]
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_tree_hash(),
        1 => leaves[0],
        len => {
            let k = 1 << (len - 1).ilog2();
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

fn check_size(t: u64) -> Result<(), Error> {
    if t > MAX_TREE_SIZE { Err(Error::TreeTooLarge(t)) } else { Ok(()) }
}

/// Reads through `r`, holding it to its contract of one hash per index.
pub(crate) fn read(r: &impl HashReader, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::HashCount { wanted: indexes.len(), got: hashes.len() });
    }
    Ok(hashes)
}

/// The largest power of two below `size` (size >= 2): where RFC 9162 splits `D[0:size]`.
fn split_point(size: u64) -> u64 {
    debug_assert!(size >= 2);
    1 << (size - 1).ilog2()
}

/// Appends the stored-hash indexes whose [`fold_right`] is `MTH(D[lo:hi])`: the complete subtrees
/// of `lo..hi`, largest first. `lo` must be aligned to the range's split, as it is for every
/// subtree RFC 9162's recursions visit.
fn subtree_indexes(lo: u64, hi: u64, out: &mut Vec<u64>) {
    let mut lo = lo;
    debug_assert!(lo == 0 || hi <= lo || lo.trailing_zeros() >= (hi - lo).ilog2());
    while lo < hi {
        let level = (hi - lo).ilog2();
        out.push(stored_hash_index(level as u8, lo >> level));
        lo += 1 << level;
    }
}

/// `MTH` of a range from its complete subtrees, largest first: each one is the left child of the
/// fold of those to its right (the split of RFC 9162 §2.1.1 is always at the largest power of two).
fn fold_right(hashes: &[Hash]) -> Hash {
    let (last, rest) = hashes.split_last().expect("a non-empty range has at least one subtree");
    rest.iter().rev().fold(*last, |right, left| node_hash(left, &right))
}

/// `MTH` of each range, reading all their stored hashes in one call.
fn range_hashes(ranges: &[(u64, u64)], r: &impl HashReader) -> Result<Vec<Hash>, Error> {
    let mut indexes = Vec::with_capacity(ranges.len() * 2);
    let mut ends = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges {
        subtree_indexes(lo, hi, &mut indexes);
        ends.push(indexes.len());
    }
    let hashes = read(r, &indexes)?;
    let mut start = 0;
    Ok(ends
        .into_iter()
        .map(|end| {
            let h = fold_right(&hashes[start..end]);
            start = end;
            h
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::leaf_hash;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn build(n: u64) -> Vec<Hash> {
        let mut stored = Vec::new();
        for (i, leaf) in leaves(n).into_iter().enumerate() {
            let new = stored_hashes(i as u64, leaf, &stored).unwrap();
            stored.extend(new);
        }
        stored
    }

    #[test]
    fn the_layout_of_the_first_records() {
        // (level, n) in index order for records 0..8, as in Go's tlog tests.
        let want = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (0, 3),
            (1, 1),
            (2, 0),
            (0, 4),
            (0, 5),
            (1, 2),
            (0, 6),
            (0, 7),
            (1, 3),
            (2, 1),
            (3, 0),
        ];
        for (index, &(level, n)) in want.iter().enumerate() {
            assert_eq!(stored_hash_index(level, n), index as u64);
            assert_eq!(split_stored_hash_index(index as u64), (level, n));
        }
        assert_eq!(stored_hash_count(8), 15);
        assert_eq!(stored_hash_count(0), 0);
    }

    #[test]
    fn the_empty_tree() {
        assert_eq!(empty_tree_hash().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(tree_hash(0, &Vec::new()).unwrap(), empty_tree_hash());
        assert_eq!(root_of(&[]), empty_tree_hash());
    }

    #[test]
    fn degenerate_sizes_follow_the_policy() {
        let stored = build(5);
        let r5 = tree_hash(5, &stored).unwrap();
        let e = empty_tree_hash();
        // Inclusion: n >= t, also in the empty tree.
        assert!(matches!(prove_record(5, 5, &stored), Err(Error::LeafIndex { index: 5, size: 5 })));
        assert!(matches!(prove_record(0, 0, &stored), Err(Error::LeafIndex { .. })));
        assert!(check_record(&[], 0, e, 0, e).is_err());
        // Consistency from the empty tree: refused both ways, even to the empty tree.
        assert!(matches!(prove_tree(5, 0, &stored), Err(Error::ConsistencySizes { old: 0, new: 5 })));
        assert!(matches!(prove_tree(0, 0, &stored), Err(Error::ConsistencySizes { .. })));
        assert!(check_tree(&[], 0, e, 0, e).is_err());
        assert!(check_tree(&[], 5, r5, 0, e).is_err());
        // n > t.
        assert!(matches!(prove_tree(4, 5, &stored), Err(Error::ConsistencySizes { old: 5, new: 4 })));
        assert!(check_tree(&[], 4, r5, 5, r5).is_err());
        // n == t: the empty proof, equal roots only.
        assert_eq!(prove_tree(5, 5, &stored).unwrap(), Vec::<Hash>::new());
        check_tree(&[], 5, r5, 5, r5).unwrap();
        assert!(check_tree(&[r5], 5, r5, 5, r5).is_err());
        assert!(check_tree(&[], 5, r5, 5, e).is_err());
    }

    #[test]
    fn sizes_beyond_the_limit_are_refused() {
        let stored = build(1);
        assert!(matches!(tree_hash(MAX_TREE_SIZE + 1, &stored), Err(Error::TreeTooLarge(_))));
        assert!(matches!(prove_record(u64::MAX, 0, &stored), Err(Error::TreeTooLarge(_))));
        assert!(matches!(stored_hashes(MAX_TREE_SIZE, leaf_hash(b""), &stored), Err(Error::TreeTooLarge(_))));
        // A reader that lacks a hash says which.
        assert!(matches!(tree_hash(3, &stored), Err(Error::MissingHash(2))));
    }

    #[test]
    fn a_reader_returning_the_wrong_count_is_caught() {
        struct Short;
        impl HashReader for Short {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, Error> {
                Ok(vec![])
            }
        }
        assert!(matches!(tree_hash(3, &Short), Err(Error::HashCount { wanted: 2, got: 0 })));
    }

    proptest! {
        #[test]
        fn split_inverts_index(level in 0u8..40, n in 0u64..(1 << 20)) {
            prop_assert_eq!(split_stored_hash_index(stored_hash_index(level, n)), (level, n));
        }

        #[test]
        fn index_inverts_split(index in 0u64..(1 << 62)) {
            let (level, n) = split_stored_hash_index(index);
            prop_assert_eq!(stored_hash_index(level, n), index);
        }

        #[test]
        fn batches_store_what_single_appends_store(n in 0u64..600, k in 0usize..600) {
            let all = leaves(n + k as u64);
            let before = build(n);
            let batch = stored_hashes_for_batch(n, &all[n as usize..], &before).unwrap();
            let mut want = build(n + k as u64);
            let tail = want.split_off(stored_hash_count(n) as usize);
            prop_assert_eq!(batch, tail);
        }
    }
}
