//! Snapshots of the fold: a [`Loaded`] written out, so that a server starts from it and replays
//! only the entries after it, instead of the whole log.
//!
//! A snapshot is a cache, never a source of truth. It names the log size it folds and carries the
//! tree's edge and last leaf hash, so [`crate::load_from`] uses it only if the stored tree has
//! the same edge at that size and the stored entry there the same hash; its body is covered by a SHA-256 checksum, so a damaged one is
//! refused rather than read as a wrong state. Anything refused means a full replay. The offline
//! verifier never reads one.
//!
//! The format: a first line `concord-snapshot 3`; the body as JSON (the size, the last leaf hash,
//! the tree edge's hashes, the decisions' entries and the [`State`] in its serde form, whose
//! report index is rebuilt on reading); then a newline and the hex SHA-256 of the body. The
//! checksum comes last so that the body is streamed out as it is serialised, never held whole.
//! JSON rather than a compact binary form because the state's types are self-describing only in
//! a self-describing format (internally tagged enums, skipped empty fields).

use concord_core::{ProposalId, State};
use concord_ledger::Hash;
use concord_ledger::edge::{TreeEdge, edge_indexes};
use concord_ledger::tlog::HashReader;
use imbl::OrdMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;

use crate::Loaded;

/// The first line of every snapshot in this format. Another first line (an older or newer
/// format) is refused. Format 2: revisions say whether they were circulated, proposals keep
/// their earlier rounds, and the support state holds GDP figures — none of which a format-1
/// snapshot could default correctly, so it is replayed instead.
pub const FORMAT: &str = "concord-snapshot 3";

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a snapshot in this format (its first line is not {FORMAT:?})")]
    Format,
    #[error("its checksum does not match its contents")]
    Checksum,
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
    let mut out = out;
    out.write_all(FORMAT.as_bytes())?;
    out.write_all(b"\n")?;
    let mut body = Hashing { inner: &mut out, sha: Sha256::new() };
    serde_json::to_writer(
        &mut body,
        &Body {
            size: loaded.size,
            last_hash: loaded.last_hash.to_hex(),
            edge: edge.iter().map(Hash::to_hex).collect(),
            decisions: &loaded.decisions,
            state: &loaded.state,
        },
    )?;
    let sum = hex::encode(body.sha.finalize());
    out.write_all(b"\n")?;
    out.write_all(sum.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// A writer that hashes what passes through it. (Written here because it is four lines; `sha2`
/// has no such adapter.)
struct Hashing<W> {
    inner: W,
    sha: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads a snapshot back, checking its format line and checksum.
pub fn decode(bytes: &[u8]) -> Result<Loaded, SnapshotError> {
    let rest =
        bytes.strip_prefix(FORMAT.as_bytes()).and_then(|r| r.strip_prefix(b"\n")).ok_or(SnapshotError::Format)?;
    let (body, sum) = rest
        .len()
        .checked_sub(65)
        .map(|at| rest.split_at(at))
        .and_then(|(body, tail)| Some((body, tail.strip_prefix(b"\n")?)))
        .ok_or(SnapshotError::Checksum)?;
    if hex::encode(Sha256::digest(body)).as_bytes() != sum {
        return Err(SnapshotError::Checksum);
    }
    let b: ReadBody = serde_json::from_slice(body)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(loaded: &Loaded) -> Vec<u8> {
        let mut out = Vec::new();
        encode(loaded, &mut out).unwrap();
        out
    }

    #[test]
    fn an_empty_fold_reads_back_equal() {
        let empty = Loaded::empty();
        let back = decode(&bytes(&empty)).unwrap();
        assert_eq!(back.state, empty.state);
        assert_eq!((back.size, back.last_hash), (0, empty.last_hash));
    }

    #[test]
    fn a_damaged_or_foreign_snapshot_is_refused() {
        let bytes = bytes(&Loaded::empty());
        let mut flipped = bytes.clone();
        let body = FORMAT.len() + 3;
        flipped[body] ^= 1;
        assert!(matches!(decode(&flipped), Err(SnapshotError::Checksum)));
        let old = [b"concord-snapshot 0".as_slice(), &bytes[FORMAT.len()..]].concat();
        assert!(matches!(decode(&old), Err(SnapshotError::Format)));
        assert!(matches!(decode(&bytes[..FORMAT.len() + 10]), Err(SnapshotError::Checksum)));
        assert!(decode(b"").is_err());
    }
}
