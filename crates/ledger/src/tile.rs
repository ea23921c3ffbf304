//! The tree as static tiles, c2sp.org/tlog-tiles: paths, which tiles a tree has, their bytes, entry
//! bundles, and a [`HashReader`] that answers from tiles alone.
//!
//! A tile (§"Merkle Tree") is 256 consecutive hashes of one level of the tree: a *level-L* tile
//! holds hashes of tree level 8·L, so the hashes of level-0 tiles are leaf hashes and each hash of
//! a level-1 tile is the root of a full level-0 tile. The tree levels in between are recomputed by
//! hashing a tile's hashes. The right edge of a tree is made of *partial* tiles (§"Partial
//! Tiles"), narrower than 256; a tree of size 70,000 has 273 full and one 112-wide partial level-0
//! tile, one full and one 17-wide level-1 tile, and one 1-wide level-2 tile.
//!
//! Paths are `tile/<L>/<N>[.p/<W>]`, with `<N>` cut into 3-digit groups, all but the last prefixed
//! with `x`: tile 1234067 of level 0, 8 wide, is `tile/0/x001/x234/067.p/8`. Entry bundles
//! (§"Log entries") live at `tile/entries/<N>[.p/<W>]` and hold the entries of the level-0 tile
//! with the same `<N>` and `<W>`, each prefixed with its length as a big-endian `u16`.
//!
//! ```
//! use concord_ledger::tile::{self, Tile};
//!
//! let t = tile::parse_tile_path("tile/0/x001/x234/067.p/8")?;
//! assert_eq!((t.level(), t.n(), t.width()), (0, 1_234_067, 8));
//! assert_eq!(tile::tile_path(&t), "tile/0/x001/x234/067.p/8");
//! assert_eq!(tile::entries_path(5, 256), "tile/entries/005");
//! assert_eq!(tile::tiles_for_size(256), [Tile::new(0, 0, 256)?, Tile::new(1, 0, 1)?]);
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! A server writes the tiles a new tree size adds ([`new_tiles`], bytes from [`read_tile`]) before
//! it publishes the checkpoint; a verifier holding only a static mirror of the tiles reads stored
//! hashes through [`TileHashReader`] and so computes any proof with [`tlog`].
//! Tile bytes are not trusted: a proof computed from them is checked against a signed root, which
//! is what authenticates the hashes it used.

use std::collections::{BTreeMap, HashMap};

use crate::tlog::{self, HashReader, MAX_TREE_SIZE, split_stored_hash_index, stored_hash_count, stored_hash_index};
use crate::{Error, Hash, node_hash};

/// Tree levels per tile level: a full tile holds 2⁸ hashes.
pub const TILE_HEIGHT: u8 = 8;
/// The width of a full tile (and of a full entry bundle).
pub const FULL_WIDTH: u16 = 1 << TILE_HEIGHT;

/// A tile: `width` hashes of tree level 8·`level`, from position `n`·256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    level: u8,
    n: u64,
    width: u16,
}

impl Tile {
    /// Checks the coordinates: `width` in 1..=256, and the tile within a tree of at most
    /// [`MAX_TREE_SIZE`] records (so levels above 7 never are).
    pub fn new(level: u8, n: u64, width: u16) -> Result<Self, Error> {
        let bad = || Error::Tile { level, n, width };
        if width == 0 || width > FULL_WIDTH {
            return Err(bad());
        }
        // The records the tile's hashes span end at (n·256 + width)·256^level.
        let end = n
            .checked_mul(u64::from(FULL_WIDTH))
            .and_then(|x| x.checked_add(u64::from(width)))
            .and_then(|x| x.checked_mul(1u64.checked_shl(u32::from(level) * u32::from(TILE_HEIGHT))?));
        match end {
            Some(end) if end <= MAX_TREE_SIZE => Ok(Self { level, n, width }),
            _ => Err(bad()),
        }
    }

    /// The tile level `L`; its hashes are at tree level 8·L.
    #[must_use]
    pub const fn level(&self) -> u8 {
        self.level
    }

    /// The tile's index `N` within its level.
    #[must_use]
    pub const fn n(&self) -> u64 {
        self.n
    }

    /// How many hashes it holds, 256 for a full tile.
    #[must_use]
    pub const fn width(&self) -> u16 {
        self.width
    }

    /// Whether it is narrower than a full tile.
    #[must_use]
    pub const fn is_partial(&self) -> bool {
        self.width < FULL_WIDTH
    }

    /// Its size in bytes, 32 per hash.
    #[must_use]
    pub const fn byte_len(&self) -> usize {
        self.width as usize * 32
    }

    /// The position, within tree level 8·L, of its first hash.
    fn first(&self) -> u64 {
        self.n * u64::from(FULL_WIDTH)
    }
}

/// `tile/<L>/<N>[.p/<W>]` (tlog-tiles §"Merkle Tree").
#[must_use]
pub fn tile_path(tile: &Tile) -> String {
    format!("tile/{}/{}", tile.level, n_and_width(tile.n, tile.width))
}

/// `tile/entries/<N>[.p/<W>]` (tlog-tiles §"Log entries"), the bundle of the entries whose leaf
/// hashes are the level-0 tile `n` of width `width`.
///
/// # Panics
///
/// If `width` is not in 1..=256.
#[must_use]
pub fn entries_path(n: u64, width: u16) -> String {
    assert!((1..=FULL_WIDTH).contains(&width), "entry bundle width {width}");
    format!("tile/entries/{}", n_and_width(n, width))
}

fn n_and_width(n: u64, width: u16) -> String {
    // Groups of three digits, most significant first, all but the last marked with `x` so that a
    // file `067` and a directory `x067` never collide in a filesystem.
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    let mut path = groups.join("/");
    if width < FULL_WIDTH {
        path.push_str(&format!(".p/{width}"));
    }
    path
}

/// Parses a tile path, strictly: one spelling per tile (no leading zeros in `<L>` or `<W>`, no
/// leading `x000` group, `.p/256` is not a partial tile).
pub fn parse_tile_path(path: &str) -> Result<Tile, Error> {
    let bad = || Error::TilePath(path.to_owned());
    let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
    let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
    let level = parse_decimal(level, 63).ok_or_else(bad)?;
    let (n, width) = parse_n_and_width(rest).ok_or_else(bad)?;
    Tile::new(level as u8, n, width).map_err(|_| bad())
}

/// Parses an entry bundle path into its `(n, width)`, as strictly as [`parse_tile_path`].
pub fn parse_entries_path(path: &str) -> Result<(u64, u16), Error> {
    let bad = || Error::TilePath(path.to_owned());
    let rest = path.strip_prefix("tile/entries/").ok_or_else(bad)?;
    let (n, width) = parse_n_and_width(rest).ok_or_else(bad)?;
    // The bundle's entries must lie within the largest tree, as its level-0 tile's do.
    Tile::new(0, n, width).map_err(|_| bad())?;
    Ok((n, width))
}

fn parse_n_and_width(s: &str) -> Option<(u64, u16)> {
    let (groups, width) = match s.split_once(".p/") {
        Some((groups, width)) => (groups, parse_decimal(width, u64::from(FULL_WIDTH) - 1)? as u16),
        None => (s, FULL_WIDTH),
    };
    let groups: Vec<&str> = groups.split('/').collect();
    let (last, init) = groups.split_last()?;
    if init.first() == Some(&"x000") {
        return None;
    }
    let mut n: u64 = 0;
    for group in init.iter().map(|g| g.strip_prefix('x')).chain([Some(*last)]) {
        let group = group?;
        if group.len() != 3 || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(group.parse().ok()?)?;
    }
    Some((n, width))
}

/// A decimal in 1..=max or "0", without sign or leading zeros.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    let v: u64 = if canonical { s.parse().ok()? } else { return None };
    (v <= max).then_some(v)
}

/// The tiles of the tree of size `t`, level by level, left to right: at each level L with
/// `t / 256^L` hashes, the full tiles and then, unless that count is a multiple of 256, one partial
/// tile of width `(t / 256^L) mod 256` (tlog-tiles §"Partial Tiles").
///
/// # Panics
///
/// If `t > MAX_TREE_SIZE`.
#[must_use]
pub fn tiles_for_size(t: u64) -> Vec<Tile> {
    new_tiles(0, t)
}

/// The tiles of the tree of size `new` that the tree of size `old` does not have: the ones a
/// server must write when the log grows from `old` to `new` (the partial tiles of `old` are
/// superseded by wider or full ones). Empty unless `old < new`.
///
/// # Panics
///
/// If `new > MAX_TREE_SIZE`.
#[must_use]
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    assert!(new <= MAX_TREE_SIZE, "tree size {new} beyond 2^62");
    let mut tiles = Vec::new();
    for level in 0..=MAX_LEVEL {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        let (old_count, new_count) = (old >> shift, new >> shift);
        if new_count <= old_count {
            // Counts shrink with the level, so no level above changes either.
            break;
        }
        let full = u64::from(FULL_WIDTH);
        for n in old_count / full..=(new_count - 1) / full {
            let width = (new_count - n * full).min(full) as u16;
            tiles.push(Tile { level, n, width });
        }
    }
    tiles
}

/// The highest tile level in a tree of at most 2⁶² records.
const MAX_LEVEL: u8 = 7;

/// The stored-hash indexes of a tile's hashes, in tile order.
#[must_use]
pub fn tile_hash_indexes(tile: &Tile) -> Vec<u64> {
    let level = tile.level * TILE_HEIGHT;
    (0..u64::from(tile.width)).map(|i| stored_hash_index(level, tile.first() + i)).collect()
}

/// A tile's bytes (its hashes, concatenated) from the stored hashes of a tree that has it.
pub fn read_tile(tile: &Tile, r: &impl HashReader) -> Result<Vec<u8>, Error> {
    let hashes = tlog::read(r, &tile_hash_indexes(tile))?;
    Ok(hashes.iter().flat_map(|h| *h.as_bytes()).collect())
}

/// An entry bundle: each entry as a big-endian `u16` length and its bytes.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| Error::EntryTooLong(entry.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// The entries of a bundle, refusing a truncated one. The caller compares their number with the
/// bundle's width.
pub fn decode_entry_bundle(mut bytes: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let bad = || Error::EntryBundle(format!("entry {} is truncated", entries.len()));
        let (len, rest) = bytes.split_first_chunk::<2>().ok_or_else(bad)?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return Err(bad());
        }
        let (entry, rest) = rest.split_at(len);
        entries.push(entry);
        bytes = rest;
    }
    Ok(entries)
}

/// Reads tiles' bytes, e.g. from a static mirror of a log. Implementations return one byte string
/// per tile, in the order asked, or an error such as [`Error::MissingTile`].
pub trait TileReader {
    /// The bytes of `tiles`, in that order.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error>;
}

fn read_tiles_from_map(tiles: &[Tile], get: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Vec<Vec<u8>>, Error> {
    tiles
        .iter()
        .map(|t| {
            let path = tile_path(t);
            get(&path).ok_or(Error::MissingTile(path))
        })
        .collect()
}

/// A mirror in memory: tile bytes by [`tile_path`].
impl TileReader for BTreeMap<String, Vec<u8>> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        read_tiles_from_map(tiles, |p| self.get(p).cloned())
    }
}

/// A mirror in memory: tile bytes by [`tile_path`].
impl<S: std::hash::BuildHasher> TileReader for HashMap<String, Vec<u8>, S> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        read_tiles_from_map(tiles, |p| self.get(p).cloned())
    }
}

/// Serves the stored hashes of the tree of size `size` from its tiles (the tiles of
/// [`tiles_for_size`]`(size)`), so that [`tlog`]'s proofs can be computed from a
/// static mirror. Each call reads every tile it needs in one [`TileReader::read_tiles`] call.
///
/// The hashes are only as good as the tiles: check what they prove against a signed root.
#[derive(Debug)]
pub struct TileHashReader<'a, R> {
    size: u64,
    tiles: &'a R,
}

impl<'a, R: TileReader> TileHashReader<'a, R> {
    /// A reader for the tree of size `size`.
    pub fn new(size: u64, tiles: &'a R) -> Result<Self, Error> {
        if size > MAX_TREE_SIZE {
            return Err(Error::TreeTooLarge(size));
        }
        Ok(Self { size, tiles })
    }

    /// Where the stored hash `index` is: a tile of this tree, the offset of its first tile hash and
    /// how many tile hashes it spans (2^k, for tree level 8·L + k).
    fn locate(&self, index: u64) -> Result<(Tile, usize, usize), Error> {
        // Only hashes of complete subtrees of this tree are stored, and those are exactly the
        // indexes below its count.
        if index >= stored_hash_count(self.size) {
            return Err(Error::MissingHash(index));
        }
        let (level, n) = split_stored_hash_index(index);
        let (tile_level, above) = (level / TILE_HEIGHT, level % TILE_HEIGHT);
        let first = n << above;
        let tile_n = first >> TILE_HEIGHT;
        let count = self.size >> (u32::from(tile_level) * u32::from(TILE_HEIGHT));
        let full = u64::from(FULL_WIDTH);
        let width = (count - tile_n * full).min(full) as u16;
        let tile = Tile { level: tile_level, n: tile_n, width };
        Ok((tile, (first - tile_n * full) as usize, 1 << above))
    }
}

impl<R: TileReader> HashReader for TileHashReader<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let located = indexes.iter().map(|&i| self.locate(i)).collect::<Result<Vec<_>, _>>()?;
        // Each tile once, in order of first use.
        let mut slots: BTreeMap<Tile, usize> = BTreeMap::new();
        let mut tiles = Vec::new();
        for (tile, _, _) in &located {
            slots.entry(*tile).or_insert_with(|| {
                tiles.push(*tile);
                tiles.len() - 1
            });
        }
        if tiles.is_empty() {
            return Ok(Vec::new());
        }
        let bytes = self.tiles.read_tiles(&tiles)?;
        if bytes.len() != tiles.len() {
            return Err(Error::MissingTile(format!("{} of {} tiles", bytes.len(), tiles.len())));
        }
        for (tile, b) in tiles.iter().zip(&bytes) {
            if b.len() != tile.byte_len() {
                return Err(Error::TileLength { path: tile_path(tile), len: b.len(), expected: tile.byte_len() });
            }
        }
        Ok(located
            .iter()
            .map(|(tile, offset, span)| {
                let b = &bytes[slots[tile]][offset * 32..(offset + span) * 32];
                let hashes: Vec<Hash> =
                    b.chunks_exact(32).map(|c| Hash::from_bytes(c).expect("32-byte chunk")).collect();
                perfect_root(hashes)
            })
            .collect())
    }
}

/// The root of a complete subtree from its 2^k bottom hashes.
fn perfect_root(mut level: Vec<Hash>) -> Hash {
    while level.len() > 1 {
        level = level.chunks_exact(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;
    use crate::tlog::{prove_record, prove_tree, stored_hashes_for_batch, tree_hash};

    fn tile(level: u8, n: u64, width: u16) -> Tile {
        Tile::new(level, n, width).unwrap()
    }

    #[test]
    fn paths_as_in_the_spec() {
        assert_eq!(tile_path(&tile(0, 1_234_067, 256)), "tile/0/x001/x234/067");
        assert_eq!(tile_path(&tile(0, 0, 256)), "tile/0/000");
        assert_eq!(tile_path(&tile(2, 1000, 17)), "tile/2/x001/000.p/17");
        assert_eq!(tile_path(&tile(1, 999, 1)), "tile/1/999.p/1");
        assert_eq!(entries_path(1_234_067, 112), "tile/entries/x001/x234/067.p/112");
        assert_eq!(entries_path(0, 256), "tile/entries/000");
    }

    #[test]
    fn paths_parse_back_and_only_in_one_spelling() {
        for t in [tile(0, 0, 256), tile(0, 1_234_067, 8), tile(3, 1_000_000, 255), tile(1, 7, 1)] {
            assert_eq!(parse_tile_path(&tile_path(&t)).unwrap(), t);
        }
        assert_eq!(parse_entries_path("tile/entries/x001/x234/067.p/112").unwrap(), (1_234_067, 112));
        for bad in [
            "tile/0/1",
            "tile/00/000",
            "tile/64/000",
            "tile/0/x000/001",
            "tile/0/001/x234",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/08",
            "tile/0/000.p/",
            "tile/0/x001/x234",
            "tile/0/",
            "tile/entries/000",
            "tile/0/+01",
            "tile/8/001",
            "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
            "/tile/0/000",
        ] {
            assert!(parse_tile_path(bad).is_err(), "{bad}");
        }
        assert!(parse_entries_path("tile/0/000").is_err());
        assert!(parse_entries_path("tile/entries/000.p/256").is_err());
    }

    #[test]
    fn tiles_of_the_spec_examples() {
        let tiles = tiles_for_size(70_000);
        let full0 = tiles.iter().filter(|t| t.level == 0 && !t.is_partial()).count();
        assert_eq!(full0, 273);
        let rest: Vec<Tile> = tiles.into_iter().filter(|t| t.level > 0 || t.is_partial()).collect();
        assert_eq!(rest, [tile(0, 273, 112), tile(1, 0, 256), tile(1, 1, 17), tile(2, 0, 1)]);
        assert_eq!(tiles_for_size(256), [tile(0, 0, 256), tile(1, 0, 1)]);
        assert_eq!(tiles_for_size(0), []);
    }

    #[test]
    fn new_tiles_are_the_difference() {
        for (old, new) in [(0, 1), (1, 2), (255, 256), (256, 257), (300, 70_000), (65_535, 65_536), (5, 5)] {
            let before = tiles_for_size(old);
            let want: Vec<Tile> = tiles_for_size(new).into_iter().filter(|t| !before.contains(t)).collect();
            assert_eq!(new_tiles(old, new), want, "{old} -> {new}");
        }
        assert_eq!(new_tiles(9, 3), []);
    }

    #[test]
    fn tiles_are_validated() {
        assert!(Tile::new(0, 0, 0).is_err());
        assert!(Tile::new(0, 0, 257).is_err());
        assert!(Tile::new(8, 0, 1).is_err());
        assert!(Tile::new(7, 63, 256).is_err());
        assert!(Tile::new(7, 0, 64).is_ok());
    }

    #[test]
    fn entry_bundles_round_trip() {
        let entries: [&[u8]; 3] = [b"", b"hello", &[0xff; 300]];
        let bundle = encode_entry_bundle(&entries).unwrap();
        assert_eq!(&bundle[..9], b"\x00\x00\x00\x05hello");
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
        assert!(decode_entry_bundle(&bundle[..bundle.len() - 1]).is_err());
        assert!(decode_entry_bundle(&[0]).is_err());
        assert!(matches!(encode_entry_bundle(&[vec![0; 65_536]]), Err(Error::EntryTooLong(65_536))));
    }

    fn stored(n: u64) -> Vec<Hash> {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        stored_hashes_for_batch(0, &leaves, &Vec::new()).unwrap()
    }

    fn mirror(size: u64, stored: &Vec<Hash>) -> BTreeMap<String, Vec<u8>> {
        tiles_for_size(size).iter().map(|t| (tile_path(t), read_tile(t, stored).unwrap())).collect()
    }

    #[test]
    fn a_level_1_tile_hashes_full_level_0_tiles() {
        let s = stored(512);
        let t1 = read_tile(&tile(1, 0, 2), &s).unwrap();
        assert_eq!(t1[..32], *tree_hash(256, &s).unwrap().as_bytes());
        let m = mirror(512, &s);
        assert_eq!(m["tile/1/000.p/2"], t1);
        assert_eq!(m["tile/0/001"].len(), 8192);
    }

    #[test]
    fn proofs_from_tiles_equal_proofs_from_stored_hashes() {
        // 70,000 has tiles at three levels, partial at each.
        let size = 70_000;
        let s = stored(size);
        let m = mirror(size, &s);
        let r = TileHashReader::new(size, &m).unwrap();
        for t in [1, 2, 255, 256, 257, 65_536, 69_999, 70_000] {
            assert_eq!(tree_hash(t, &r).unwrap(), tree_hash(t, &s).unwrap(), "tree {t}");
            for n in [0, t / 3, t - 1] {
                assert_eq!(prove_record(t, n, &r).unwrap(), prove_record(t, n, &s).unwrap(), "record {n} of {t}");
                if n > 0 {
                    assert_eq!(prove_tree(t, n, &r).unwrap(), prove_tree(t, n, &s).unwrap(), "{n} to {t}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn tiles_serve_the_same_proofs(size in 1u64..3000, a in proptest::prelude::any::<u64>(), b in proptest::prelude::any::<u64>()) {
            let s = stored(size);
            let m = mirror(size, &s);
            let r = TileHashReader::new(size, &m).unwrap();
            let t = a % size + 1;
            let n = b % t;
            proptest::prop_assert_eq!(tree_hash(t, &r).unwrap(), tree_hash(t, &s).unwrap());
            proptest::prop_assert_eq!(prove_record(t, n, &r).unwrap(), prove_record(t, n, &s).unwrap());
            proptest::prop_assert_eq!(prove_tree(t, n + 1, &r).unwrap(), prove_tree(t, n + 1, &s).unwrap());
        }

        #[test]
        fn paths_round_trip(level in 0u8..=3, n in 0u64..(1 << 30), width in 1u16..=256) {
            let t = tile(level, n, width);
            proptest::prop_assert_eq!(parse_tile_path(&tile_path(&t)).unwrap(), t);
            proptest::prop_assert_eq!(parse_entries_path(&entries_path(n, width)).unwrap(), (n, width));
        }
    }

    #[test]
    fn tile_reader_refuses_what_the_tree_lacks() {
        let s = stored(300);
        let m = mirror(300, &s);
        let r = TileHashReader::new(300, &m).unwrap();
        // Record 300's leaf is beyond the tree.
        assert!(matches!(r.read_hashes(&[stored_hash_count(300)]), Err(Error::MissingHash(_))));
        // A mirror without the partial tile.
        let mut gap = m.clone();
        gap.remove("tile/0/001.p/44");
        let r = TileHashReader::new(300, &gap).unwrap();
        assert!(matches!(tree_hash(300, &r), Err(Error::MissingTile(p)) if p == "tile/0/001.p/44"));
        // A short tile. (The root does not need it: level 8 is in tile/1/000.p/1.)
        let mut short = m;
        short.get_mut("tile/0/000").unwrap().pop();
        let r = TileHashReader::new(300, &short).unwrap();
        tree_hash(300, &r).unwrap();
        assert!(matches!(prove_record(300, 5, &r), Err(Error::TileLength { len: 8191, .. })));
    }
}
