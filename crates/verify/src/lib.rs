//! The offline verifier: what a member runs on its own machine to check, without trusting the
//! operator, that the log it is shown is intact and that every decision in it is what the rules
//! give.
//!
//! Feed it every entry in order ([`LogVerifier::feed`]), then the log's signed checkpoint
//! ([`LogVerifier::finish`]). It checks, entry by entry:
//! 1. the bytes are canonical JSON (RFC 8785) of a log record, numbered in sequence, naming the
//!    leaf hash of the entry before (`prev`) — so no entry was altered, dropped or reordered;
//! 2. each sealed part matches its envelope's commitment (SHA-256 of salt and content), type and
//!    role, and its event applies to the state the earlier ones built, through the **same**
//!    `concord_core::State::apply` the server ran: every rule is checked again, every recorded
//!    decision is recomputed from the positions and must be equal, and every envelope's marking
//!    must be the one the rules give its event.
//!
//! A reader from whom some parts are withheld (the partner, the public: see
//! `concord_core::access`) cannot replay past the first of them; from there on the verifier
//! checks envelopes, chain and tree, and each part the reader holds against its commitment, and
//! the [`Report`] says where replay stopped and how many parts were withheld.
//!
//! Both run in [`concord_log::Loaded::walk`], the one chain walk the server also loads its log
//! with; the verifier never starts from a saved snapshot of the state, only from entry 0;
//!
//! and at the end:
//! 3. the RFC 9162 Merkle root of all entries equals the checkpoint's, whose signature must be
//!    the log's key (`verify_strict`) — a caller reading entries by the checkpoint's size checks
//!    that signature first ([`LogVerifier::open_checkpoint`]);
//! 4. at least `quorum` of the given witnesses cosigned it (c2sp.org/tlog-cosignature);
//! 5. a checkpoint trusted from before (an earlier run, or another member) is a prefix of this
//!    log: same root at its size. A log rewritten by its operator — even one re-signed with the
//!    log's own key — fails here or at a witness.
//!
//! A source that also stores the tree's hashes (a database, a mirror's tiles) is checked against
//! the tree recomputed here: [`LogVerifier::feed_with_hashes`] hands out every hash the entries
//! give, and [`TileCheck`] compares a mirror's tiles with them.
//!
//! The first failure names the entry. **Invariant:** no IO here; callers fetch the bytes.

#![forbid(unsafe_code)]

mod released;

use concord_core::{Event, Reader};
use concord_log::{LoadError, Loaded};
use std::collections::HashMap;

use concord_ledger::Hash;
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::keys::{Algorithm, Verifier};
use concord_ledger::note::VerifiedNote;
use concord_ledger::tile::{self, TILE_HEIGHT, Tile};
use concord_ledger::tlog::split_stored_hash_index;
use concord_store::StoredEntry;

/// Which sealed parts the reader verifying is owed, so that a part an operator holds back is
/// caught instead of passing for one the reader may not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Owed {
    /// Every part: a database, or an export for `all`.
    #[default]
    Every,
    /// A member-cleared reader: every part but the drafts the secretariat still holds, which
    /// are folded as numbered, unknown drafts so that replay goes on past them, and but the
    /// entries of bodies it does not sit in ([`Options::delegation`]), which it checks without
    /// replaying them.
    AllButDrafts,
    /// The partner or the public: a part may be withheld; replay stops at the first, and
    /// envelopes, chain, tree and the parts held are still checked to the end.
    WhatIsReleased,
}

/// What the verifier is told to trust.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which sealed parts this reader is owed.
    pub owed: Owed,
    /// The log's public key (its name is the log's origin).
    pub log_key: Verifier,
    /// Witnesses' cosigning keys (type 0x04).
    pub witnesses: Vec<Verifier>,
    /// How many of them must have cosigned the checkpoint.
    pub quorum: usize,
    /// A signed checkpoint of this log trusted from before.
    pub trusted: Option<Vec<u8>>,
    /// With [`Owed::AllButDrafts`], the member whose delegation verifies: it is owed, and
    /// replays, the entries of the bodies it sits in. None (a member-cleared reader who did not
    /// say which): no body's entries are owed or replayed, only the principal body's and the
    /// rest of the log.
    pub delegation: Option<concord_core::CountryCode>,
    /// With [`Owed::WhatIsReleased`], who reads, if it said (a partner, the public): a part the
    /// envelope's marking releases to it, or of a body a partner takes part in, is then owed,
    /// and one held back fails. None: any part may be missing.
    pub reader: Option<Reader>,
}

/// Why a log does not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("entry {seq}: {reason}")]
    Entry { seq: u64, reason: String },
    /// An entry that is not intact or does not apply; the error names it.
    #[error(transparent)]
    Log(#[from] LoadError),
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    #[error("the checkpoint is for size {checkpoint}, but the log has {entries} entries")]
    Size { checkpoint: u64, entries: u64 },
    #[error("the entries' Merkle root {computed} is not the checkpoint's {signed}")]
    Root { signed: Hash, computed: Hash },
    #[error("{have} of the required {need} witnesses cosigned the checkpoint")]
    Quorum { have: usize, need: usize },
    #[error("the trusted checkpoint does not verify: {0}")]
    Trusted(String),
    #[error(
        "the log forks from the trusted checkpoint at size {size}: its root there is {computed}, the trusted one {trusted}"
    )]
    Fork { size: u64, trusted: Hash, computed: Hash },
    #[error("the log has {entries} entries, fewer than the {trusted} of the trusted checkpoint")]
    Shrunk { trusted: u64, entries: u64 },
    #[error("{path}: {reason}")]
    Tile { path: String, reason: String },
}

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Names of the witnesses whose cosignatures verified.
    pub cosigners: Vec<String>,
    pub members: usize,
    pub proposals: usize,
    /// Decisions recomputed and found equal.
    pub decisions: usize,
    pub signed_positions: usize,
    pub unsigned_positions: usize,
    /// The size of the trusted checkpoint this log was found to extend.
    pub extends_trusted: Option<u64>,
    /// Entries replayed through the domain's rules (all of them, for a member-cleared reader
    /// who holds every sealed part; the counts above cover these only).
    pub replayed: u64,
    /// Entries whose sealed part was withheld from this reader.
    pub withheld: u64,
    /// Of those, drafts the secretariat still holds, folded as unknown drafts (a member's
    /// replay goes on past them).
    pub withheld_drafts: u64,
    /// Entries of bodies the reader does not sit in: checked (envelope, chain, tree, any part
    /// held) but not replayed, for a member-cleared reader.
    pub outside: u64,
    /// The proposals those entries are about, by body: what the reader may compare with the
    /// bodies' proposals as the server lists them (a proposal of the principal body filed under
    /// a body would show here).
    pub outside_proposals: std::collections::BTreeMap<String, Vec<u64>>,
    /// The first such entry: replay stops there, since the rules need every event before.
    pub replay_stopped_at: Option<u64>,
    /// Sealed parts after that entry that this reader holds, each checked against its
    /// envelope's commitment, type and role.
    pub parts_checked: u64,
    /// The reader every released part was required for ([`Options::reader`]), and the bodies
    /// it takes part in as a partner, whose every part was required too.
    pub released_to: Option<(Reader, Vec<concord_core::BodyId>)>,
}

/// Checks a log entry by entry; see the crate docs.
#[derive(Debug)]
pub struct LogVerifier {
    options: Options,
    trusted: Option<Checkpoint>,
    trusted_root_seen: Option<Hash>,
    log: Loaded,
    decisions: usize,
    signed: usize,
    unsigned: usize,
    replayed: u64,
    withheld: u64,
    withheld_drafts: u64,
    outside: u64,
    outside_proposals: std::collections::BTreeMap<String, Vec<u64>>,
    parts_checked: u64,
    replay_stopped_at: Option<u64>,
    released: released::Released,
}

impl LogVerifier {
    /// A verifier for a log trusted as `options` say. The trusted checkpoint, if any, is
    /// checked at once.
    pub fn new(options: Options) -> Result<Self, VerifyError> {
        let trusted = match &options.trusted {
            None => None,
            Some(bytes) => Some(
                Checkpoint::open(bytes, std::slice::from_ref(&options.log_key))
                    .map_err(|e| VerifyError::Trusted(e.to_string()))?
                    .0,
            ),
        };
        let released = released::Released::new(match options.owed {
            Owed::WhatIsReleased => options.reader,
            Owed::Every | Owed::AllButDrafts => None,
        });
        let mut v = Self {
            options,
            trusted,
            trusted_root_seen: None,
            log: Loaded::keeping_leaves(),
            decisions: 0,
            signed: 0,
            unsigned: 0,
            replayed: 0,
            withheld: 0,
            withheld_drafts: 0,
            outside: 0,
            outside_proposals: std::collections::BTreeMap::new(),
            parts_checked: 0,
            replay_stopped_at: None,
            released,
        };
        v.note_trusted_root();
        Ok(v)
    }

    /// Entries checked so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.log.tree.size()
    }

    fn note_trusted_root(&mut self) {
        if self.trusted.as_ref().is_some_and(|t| t.size() == self.log.tree.size()) {
            self.trusted_root_seen = self.log.tree.root().ok();
        }
    }

    /// Checks the log's signed checkpoint as far as it can be before the entries: the log's
    /// signature and origin. Only then may a caller trust its size to read that many entries:
    /// a size altered in an unsigned copy is a bad signature, not a missing entry.
    pub fn open_checkpoint(&self, checkpoint: &[u8]) -> Result<Checkpoint, VerifyError> {
        self.open(checkpoint).map(|(c, _)| c)
    }

    fn open(&self, checkpoint: &[u8]) -> Result<(Checkpoint, VerifiedNote), VerifyError> {
        let mut keys = vec![self.options.log_key.clone()];
        keys.extend(self.options.witnesses.iter().cloned());
        let (c, note) = Checkpoint::open(checkpoint, &keys).map_err(|e| VerifyError::Checkpoint(e.to_string()))?;
        if !note.is_signed_by(&self.options.log_key) {
            return Err(VerifyError::Checkpoint("it is not signed by the log's key".into()));
        }
        if c.origin() != self.options.log_key.name().as_str() {
            return Err(VerifyError::Checkpoint(format!(
                "its origin {} is not the log key's name {}",
                c.origin(),
                self.options.log_key.name()
            )));
        }
        Ok((c, note))
    }

    /// Checks the next entries, in order.
    pub fn feed(&mut self, entries: &[StoredEntry]) -> Result<(), VerifyError> {
        self.feed_with_hashes(entries).map(drop)
    }

    /// [`feed`](Self::feed), returning every hash the entries add to the tree with its
    /// stored-hash index (see `concord_ledger::tlog`), to compare with a source's own.
    pub fn feed_with_hashes(&mut self, entries: &[StoredEntry]) -> Result<Vec<(u64, Hash)>, VerifyError> {
        let mut added = Vec::with_capacity(entries.len() * 2);
        for e in entries {
            let seq = self.log.size;
            if e.seq != seq {
                return Err(VerifyError::Entry { seq, reason: format!("expected entry {seq}, got entry {}", e.seq) });
            }
            if self.options.owed == Owed::WhatIsReleased && self.options.reader.is_some() {
                let envelope = concord_core::record::decode(&e.bytes).map_err(LoadError::from)?;
                if let Some(reason) = self.released.check(&envelope, e) {
                    return Err(VerifyError::Entry { seq, reason });
                }
            }
            // A body's entry is for its members: another member checks it, but neither is owed
            // its part nor replays it.
            if self.options.owed == Owed::AllButDrafts && self.replay_stopped_at.is_none() {
                let envelope = concord_core::record::decode(&e.bytes).map_err(LoadError::from)?;
                if let Some(body) = &envelope.body {
                    if !self.options.delegation.is_some_and(|c| self.log.state.sits_in(body, c)) {
                        if envelope.kind == "proposal_drafted" {
                            let id = self.log.state.next_proposal_id().0;
                            self.outside_proposals.entry(body.to_string()).or_default().push(id);
                        }
                        added.extend(self.log.walk_outside(e)?);
                        self.outside += 1;
                        self.withheld += u64::from(e.part.is_none());
                        self.note_trusted_root();
                        continue;
                    }
                }
            }
            if e.part.is_none() {
                self.withheld += 1;
                match self.options.owed {
                    Owed::Every => {
                        return Err(LoadError::from(concord_core::record::ChainError::Withheld { seq }).into());
                    }
                    Owed::AllButDrafts if self.replay_stopped_at.is_none() => {
                        added.extend(self.log.walk_withheld_draft(e)?);
                        self.withheld_drafts += 1;
                        self.note_trusted_root();
                        continue;
                    }
                    Owed::AllButDrafts | Owed::WhatIsReleased => {
                        self.replay_stopped_at.get_or_insert(seq);
                    }
                }
            }
            // One entry at a time, so that the root at a trusted checkpoint's size is seen.
            if self.replay_stopped_at.is_none() {
                let (decisions, signed, unsigned) = (&mut self.decisions, &mut self.signed, &mut self.unsigned);
                added.extend(self.log.walk(std::slice::from_ref(e), |r| match &r.event {
                    Event::ProposalDecided { .. } => *decisions += 1,
                    Event::PositionTaken { evidence: Some(_), .. } => *signed += 1,
                    Event::PositionTaken { evidence: None, .. } => *unsigned += 1,
                    _ => {}
                })?);
                self.replayed += 1;
            } else {
                // Past a withheld part the domain cannot follow: the envelopes, the chain, the
                // tree and every part this reader holds are still checked.
                added.extend(self.log.walk_envelopes(std::slice::from_ref(e))?);
                self.parts_checked += u64::from(e.part.is_some());
            }
            self.note_trusted_root();
        }
        Ok(added)
    }

    /// The earlier entries that publications fed so far name: the source looks each up and
    /// gives it to [`LogVerifier::settle`], which checks that the publication reveals what that
    /// entry's envelope committed to.
    #[must_use]
    pub fn unsettled(&self) -> Vec<u64> {
        self.log.unsettled()
    }

    /// Checks pending publications against the earlier entries they name, found in `earlier`.
    pub fn settle(&mut self, earlier: &[StoredEntry]) -> Result<(), VerifyError> {
        Ok(self.log.settle(earlier)?)
    }

    /// Checks the log's signed checkpoint against everything fed, and reports.
    pub fn finish(self, checkpoint: &[u8]) -> Result<Report, VerifyError> {
        if let Some(c) = self.log.claims.first() {
            return Err(VerifyError::Entry {
                seq: c.by,
                reason: format!("it publishes entry {}, which the source never gave to check it against", c.entry),
            });
        }
        let (c, note) = self.open(checkpoint)?;
        // The log's first entry names its key: a log created under another key is another log.
        if let Some(log) = &self.log.state.log {
            if log.log_key != self.options.log_key.to_string() || log.origin != c.origin() {
                return Err(VerifyError::Entry {
                    seq: 0,
                    reason: format!("the log was created with the key {}, not the one trusted", log.log_key),
                });
            }
        }
        let size = self.log.tree.size();
        if c.size() != size {
            return Err(VerifyError::Size { checkpoint: c.size(), entries: size });
        }
        let computed = self.log.tree.root().map_err(|e| VerifyError::Checkpoint(e.to_string()))?;
        if c.root() != computed {
            return Err(VerifyError::Root { signed: c.root(), computed });
        }
        let cosigners: Vec<String> = note
            .verified()
            .iter()
            .filter(|s| s.algorithm() == Algorithm::CosignatureV1)
            .map(|s| s.signature().name().to_string())
            .collect();
        if cosigners.len() < self.options.quorum {
            return Err(VerifyError::Quorum { have: cosigners.len(), need: self.options.quorum });
        }
        let extends_trusted = match &self.trusted {
            None => None,
            Some(t) if t.size() > size => return Err(VerifyError::Shrunk { trusted: t.size(), entries: size }),
            Some(t) => match self.trusted_root_seen {
                Some(root) if root == t.root() => Some(t.size()),
                Some(root) => return Err(VerifyError::Fork { size: t.size(), trusted: t.root(), computed: root }),
                None => return Err(VerifyError::Shrunk { trusted: t.size(), entries: size }),
            },
        };
        Ok(Report {
            origin: c.origin().to_owned(),
            size,
            root: computed,
            cosigners,
            members: self.log.state.members.len(),
            proposals: self.log.state.proposals.len(),
            decisions: self.decisions,
            signed_positions: self.signed,
            unsigned_positions: self.unsigned,
            extends_trusted,
            replayed: self.replayed,
            withheld: self.withheld,
            withheld_drafts: self.withheld_drafts,
            outside: self.outside,
            outside_proposals: self.outside_proposals,
            replay_stopped_at: self.replay_stopped_at,
            parts_checked: self.parts_checked,
            released_to: self.released.summary(),
        })
    }
}

/// Checks a mirror's hash tiles (c2sp.org/tlog-tiles) against the tree recomputed from its
/// entries: a tile is only as good as the entries it claims to hash, and a client computing
/// proofs from a wrong one would be shown proofs that fail, or a tree that is not the log's.
///
/// Give it the hashes [`LogVerifier::feed_with_hashes`] returns ([`add`](Self::add)); it keeps
/// those that tiles hold (tree levels 0, 8, 16, …) until their tile is checked, so a level-0 tile
/// checked after its entry bundle costs no more memory than the bundle.
#[derive(Debug, Default)]
pub struct TileCheck {
    hashes: HashMap<u64, Hash>,
}

impl TileCheck {
    /// Keeps the hashes among `added` that some tile holds.
    pub fn add(&mut self, added: &[(u64, Hash)]) {
        for &(index, hash) in added {
            if split_stored_hash_index(index).0 % TILE_HEIGHT == 0 {
                self.hashes.insert(index, hash);
            }
        }
    }

    /// Checks `bytes`, read from `tile`'s path, against the recomputed hashes, naming the first
    /// hash that differs; the tile's hashes are then forgotten (each belongs to one tile only).
    /// A tile whose hashes were not all added yet is refused, so a caller checking too early
    /// fails rather than passing.
    pub fn check(&mut self, tile: &Tile, bytes: &[u8]) -> Result<(), VerifyError> {
        let path = tile::tile_path(tile);
        let bad = |reason: String| VerifyError::Tile { path: path.clone(), reason };
        if bytes.len() != tile.byte_len() {
            return Err(bad(format!("the tile is {} bytes, not {}", bytes.len(), tile.byte_len())));
        }
        let indexes = tile::tile_hash_indexes(tile);
        for (i, (index, got)) in indexes.iter().zip(bytes.chunks_exact(32)).enumerate() {
            let want = self.hashes.get(index).ok_or_else(|| bad(format!("hash {i} is beyond the entries read")))?;
            if want.as_bytes().as_slice() != got {
                return Err(bad(format!("hash {i} of the tile is not the one recomputed from the entries")));
            }
        }
        for index in &indexes {
            self.hashes.remove(index);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use concord_ledger::edge::TreeEdge;
    use concord_ledger::leaf_hash;
    use concord_ledger::tile::{read_tile, tiles_for_size};

    use super::*;

    #[test]
    fn tiles_are_checked_against_the_recomputed_tree_at_every_level() {
        // 600 entries: level-0 tiles 000, 001 and 002.p/88, and the level-1 tile 000.p/2.
        let leaves: Vec<Hash> = (0..600u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut edge = TreeEdge::default();
        let added = edge.append(&leaves).unwrap();
        let all: Vec<Hash> = added.iter().map(|(_, h)| *h).collect();
        let tiles = tiles_for_size(600);
        assert_eq!(tiles.len(), 4);
        let bytes = |t: &Tile| read_tile(t, &all).unwrap();

        let mut check = TileCheck::default();
        check.add(&added);
        for t in &tiles {
            check.check(t, &bytes(t)).unwrap();
        }
        assert!(check.hashes.is_empty(), "every kept hash belongs to a tile");

        for t in &tiles {
            let mut check = TileCheck::default();
            check.add(&added);
            let mut wrong = bytes(t);
            wrong[33] ^= 1; // in the tile's second hash
            let err = check.check(t, &wrong).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("{}: hash 1 of the tile is not the one recomputed from the entries", tile::tile_path(t))
            );
            assert!(check.check(t, &bytes(t)[32..]).unwrap_err().to_string().contains("bytes, not"));
        }
        // A tile checked before its entries were read fails.
        let mut early = TileCheck::default();
        early.add(&added[..10]);
        assert!(early.check(&tiles[0], &bytes(&tiles[0])).unwrap_err().to_string().contains("beyond the entries read"));
    }
}
