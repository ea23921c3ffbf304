//! Snapshots of the fold: a [`Loaded`] written out, so that a server starts from it and replays
//! only the entries after it, instead of the whole log.
//!
//! A snapshot is a cache, never a source of truth. It names the log size it folds and carries the
//! tree's edge and last leaf hash, so [`crate::load_from`] uses it only if the stored tree has
//! the same edge at that size and the stored entry there the same hash; each of its parts is
//! covered by a CRC-32 checksum, so a damaged one is refused rather than read as a wrong state.
//! Anything refused means a full replay. The offline verifier never reads one.
//!
//! The format: a first line `concord-snapshot 4`; three parts, each a line of JSON: the size, the
//! last leaf hash, the tree edge's hashes, the decisions' entries and the [`State`] in its serde
//! form without its pledges and delivery records; the pledges; the delivery records. Then a last
//! line, the trailer, giving each part's length and CRC-32 (`length:crc` three times). The
//! trailer comes last so that the parts are streamed out as they are serialised, never held
//! whole. The parts are separate so that [`read`] reads and decodes the three on three threads
//! at once (most of a start's time is here); the report index is then rebuilt from the records.
//!
//! JSON rather than a compact binary form because the state's types are self-describing only in
//! a self-describing format (internally tagged enums, skipped empty fields). CRC-32 rather than
//! SHA-256 because it guards against damage, not forgery (whoever can write a server's snapshots
//! can run it), and because at 3.9 M entries SHA-256 took 0.8 s of the two cores a start shares.

use concord_core::support::{Delivery, Numbered, Pledge};
use concord_core::{ProposalId, State};
use concord_ledger::Hash;
use concord_ledger::edge::{TreeEdge, edge_indexes};
use concord_ledger::tlog::HashReader;
use imbl::OrdMap;
use serde::{Deserialize, Serialize};
use std::io::Write;

use crate::Loaded;

/// The first line of every snapshot in this format. Another first line (an older or newer
/// format) is refused. Format 2: revisions say whether they were circulated, proposals keep
/// their earlier rounds, and the support state holds GDP figures — none of which a format-1
/// snapshot could default correctly, so it is replayed instead. Format 4: the records in parts
/// of their own, with a trailer of lengths and checksums.
pub const FORMAT: &str = "concord-snapshot 4";

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a snapshot in this format (its first line is not {FORMAT:?})")]
    Format,
    #[error("its checksum does not match its contents")]
    Checksum,
    #[error("its parts do not fill it as its last line says (cut short, or not written whole)")]
    Layout,
    #[error("its contents do not read back: {0}")]
    Body(#[from] serde_json::Error),
    #[error("it cannot be written: {0}")]
    Io(#[from] std::io::Error),
    #[error("its tree: {0}")]
    Tree(#[from] concord_ledger::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    size: u64,
    last_hash: String,
    edge: Vec<String>,
    decisions: &'a OrdMap<ProposalId, u64>,
    state: &'a State,
}

#[derive(Deserialize)]
struct ReadBody {
    size: u64,
    last_hash: String,
    edge: Vec<String>,
    decisions: OrdMap<ProposalId, u64>,
    state: State,
}

/// Writes the snapshot of `loaded` to `out` (buffer it: the body goes out in small pieces).
pub fn encode(loaded: &Loaded, out: impl Write) -> Result<(), SnapshotError> {
    let edge = loaded.tree.read_hashes(&edge_indexes(loaded.size))?;
    // A clone of the state shares its maps (persistent maps): taking the records out of it copies
    // nothing.
    let mut rest = loaded.state.clone();
    let pledges = std::mem::take(&mut rest.support.pledges);
    let deliveries = std::mem::take(&mut rest.support.deliveries);
    let head = Body {
        size: loaded.size,
        last_hash: loaded.last_hash.to_hex(),
        edge: edge.iter().map(Hash::to_hex).collect(),
        decisions: &loaded.decisions,
        state: &rest,
    };
    let mut out = out;
    out.write_all(FORMAT.as_bytes())?;
    let trailer = [write_part(&mut out, &head)?, write_part(&mut out, &pledges)?, write_part(&mut out, &deliveries)?];
    out.write_all(b"\n")?;
    out.write_all(trailer.join(" ").as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes a newline and `value` as one part, returning its trailer word: `length:crc`.
fn write_part(out: &mut impl Write, value: &impl Serialize) -> Result<String, SnapshotError> {
    out.write_all(b"\n")?;
    let mut part = Checksummed { inner: out, crc: crc32fast::Hasher::new(), len: 0 };
    serde_json::to_writer(&mut part, value)?;
    Ok(format!("{}:{:08x}", part.len, part.crc.finalize()))
}

/// A writer that counts and checksums what passes through it. (Written here because it is a
/// few lines; `crc32fast` has no such adapter.)
struct Checksummed<W> {
    inner: W,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Where one part lies in a snapshot, and its checksum.
#[derive(Debug, Clone, Copy)]
struct Part {
    /// Where its newline is: the part follows it.
    offset: u64,
    len: u64,
    crc: u32,
}

impl Part {
    /// The part's bytes from `path`, checked: the newline before them, then their checksum.
    /// (Each thread opens the file again, for a read position of its own; a snapshot is
    /// written under another name and renamed, never changed in place, and one removed
    /// meanwhile is an error, so a full replay.)
    fn read(&self, path: &std::path::Path) -> Result<Vec<u8>, SnapshotError> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut before = [0];
        file.read_exact(&mut before)?;
        if before != *b"\n" {
            return Err(SnapshotError::Layout);
        }
        let mut bytes = vec![0; usize::try_from(self.len).map_err(|_| SnapshotError::Layout)?];
        file.read_exact(&mut bytes)?;
        if crc32fast::hash(&bytes) == self.crc { Ok(bytes) } else { Err(SnapshotError::Checksum) }
    }
}

/// The parts of a snapshot of `size` bytes whose last line is `trailer`, checked to fill it
/// exactly: the format line, each part after a newline, then a newline and the trailer.
fn layout(size: u64, trailer: &[u8]) -> Result<[Part; 3], SnapshotError> {
    let words = std::str::from_utf8(trailer).map_err(|_| SnapshotError::Layout)?;
    let mut offset = FORMAT.len() as u64;
    let mut parts = Vec::with_capacity(3);
    for word in words.split(' ') {
        let (len, crc) = word.split_once(':').ok_or(SnapshotError::Layout)?;
        let len: u64 = len.parse().ok().filter(|len| *len < size).ok_or(SnapshotError::Layout)?;
        let crc = u32::from_str_radix(crc, 16).map_err(|_| SnapshotError::Layout)?;
        parts.push(Part { offset, len, crc });
        offset = offset.checked_add(len).and_then(|o| o.checked_add(1)).ok_or(SnapshotError::Layout)?;
    }
    let filled = offset.checked_add(1 + trailer.len() as u64) == Some(size);
    <[Part; 3]>::try_from(parts).ok().filter(|_| filled).ok_or(SnapshotError::Layout)
}

/// Reads the snapshot in the file at `path`, each part by the thread that decodes it: the file is
/// never held whole, and each part's bytes are freed once it is decoded. Its format line, layout
/// and checksums are checked.
pub fn read(path: &std::path::Path) -> Result<Loaded, SnapshotError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut format = vec![0; FORMAT.len() + 1];
    file.read_exact(&mut format).map_err(|_| SnapshotError::Format)?;
    if format.strip_suffix(b"\n") != Some(FORMAT.as_bytes()) {
        return Err(SnapshotError::Format);
    }
    // The trailer: three lengths of at most 20 digits, each with a colon and 8 hex digits.
    let tail_len = size.min(128);
    let mut tail = vec![0; usize::try_from(tail_len).map_err(|_| SnapshotError::Layout)?];
    file.seek(SeekFrom::Start(size - tail_len))?;
    file.read_exact(&mut tail)?;
    let trailer = tail.rsplit(|b| *b == b'\n').next().unwrap_or_default();
    let parts = layout(size, trailer)?;
    let [head, pledges, deliveries] = parts;
    // The three parts on three threads: most of a start's time is here.
    let (b, pledges, deliveries) = std::thread::scope(|s| {
        let pledges =
            s.spawn(|| Ok::<_, SnapshotError>(serde_json::from_slice::<Numbered<Pledge>>(&pledges.read(path)?)?));
        let deliveries =
            s.spawn(|| Ok::<_, SnapshotError>(serde_json::from_slice::<Numbered<Delivery>>(&deliveries.read(path)?)?));
        let b = head.read(path).and_then(|bytes| Ok(serde_json::from_slice::<ReadBody>(&bytes)?));
        (b, joined(pledges), joined(deliveries))
    });
    let mut b = b?;
    b.state.support.pledges = pledges?;
    b.state.support.deliveries = deliveries?;
    b.state.support.reindex();
    let hash = |h: &str| Hash::from_hex(h);
    let edge = b.edge.iter().map(|h| hash(h)).collect::<Result<Vec<_>, _>>()?;
    Ok(Loaded {
        state: b.state,
        size: b.size,
        last_hash: hash(&b.last_hash)?,
        tree: TreeEdge::from_hashes(b.size, edge)?,
        decisions: b.decisions,
        claims: Vec::new(),
        leaves: None,
        format: 0,
    })
}

/// What a thread returned, or its panic carried on.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(loaded: &Loaded) -> Vec<u8> {
        let mut out = Vec::new();
        encode(loaded, &mut out).unwrap();
        out
    }

    /// `bytes` written to a file of its own, and read back with [`read`].
    fn read_back(bytes: &[u8]) -> Result<Loaded, SnapshotError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot-0");
        std::fs::write(&path, bytes).unwrap();
        read(&path)
    }

    #[test]
    fn an_empty_fold_reads_back_equal() {
        let empty = Loaded::empty();
        let back = read_back(&bytes(&empty)).unwrap();
        assert_eq!(back.state, empty.state);
        assert_eq!((back.size, back.last_hash), (0, empty.last_hash));
    }

    #[test]
    fn a_damaged_cut_or_foreign_snapshot_is_refused() {
        let bytes = bytes(&Loaded::empty());
        let lines: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
        assert_eq!(lines.len(), 4, "a format line, three parts and a trailer");
        // A byte of each part: the head's second, and the opening brace of each map.
        for at in [lines[0] + 2, lines[1] + 1, lines[2] + 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1;
            assert!(matches!(read_back(&flipped), Err(SnapshotError::Checksum)), "byte {at}");
        }
        let old = [b"concord-snapshot 0".as_slice(), &bytes[FORMAT.len()..]].concat();
        assert!(matches!(read_back(&old), Err(SnapshotError::Format)));
        let newer = [FORMAT.as_bytes(), b"0", &bytes[FORMAT.len()..]].concat();
        assert!(matches!(read_back(&newer), Err(SnapshotError::Format)), "format 40 is not format 4");
        let mut joined = bytes.clone();
        joined[lines[2]] = b' ';
        assert!(matches!(read_back(&joined), Err(SnapshotError::Layout)), "parts are separated by newlines");
        let huge = [&bytes[..=lines[3]], format!("{}:0 1:0 1:0", u64::MAX).as_bytes()].concat();
        assert!(matches!(read_back(&huge), Err(SnapshotError::Layout)));
        let cut = &bytes[..lines[3]];
        assert!(matches!(read_back(cut), Err(SnapshotError::Layout)), "no trailer");
        assert!(read_back(&bytes[..bytes.len() - 3]).is_err());
        let longer = [&bytes[..lines[1]], b" ", &bytes[lines[1]..]].concat();
        assert!(matches!(read_back(&longer), Err(SnapshotError::Layout)), "a part longer than the trailer says");
        assert!(read_back(b"").is_err());
    }
}
