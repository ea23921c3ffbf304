//! The offline verifier: what a member runs on its own machine to check, without trusting the
//! operator, that the log it is shown is intact and that every decision in it is what the rules
//! give.
//!
//! Feed it every entry in order ([`LogVerifier::feed`]), then the log's signed checkpoint
//! ([`LogVerifier::finish`]). It checks, entry by entry:
//! 1. the bytes are canonical JSON (RFC 8785) of a log record, numbered in sequence, naming the
//!    leaf hash of the entry before (`prev`) — so no entry was altered, dropped or reordered;
//! 2. the event applies to the state the earlier ones built, through the **same**
//!    `concord_core::State::apply` the server ran: every rule is checked again and every recorded
//!    decision is recomputed from the positions and must be equal;
//!
//! and at the end:
//! 3. the RFC 9162 Merkle root of all entries equals the checkpoint's, whose signature must be
//!    the log's key (`verify_strict`);
//! 4. at least `quorum` of the given witnesses cosigned it (c2sp.org/tlog-cosignature);
//! 5. a checkpoint trusted from before (an earlier run, or another member) is a prefix of this
//!    log: same root at its size. A log rewritten by its operator — even one re-signed with the
//!    log's own key — fails here or at a witness.
//!
//! The first failure names the entry. **Invariant:** no IO here; callers fetch the bytes.

#![forbid(unsafe_code)]

use concord_core::{Event, State};
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::edge::TreeEdge;
use concord_ledger::keys::{Algorithm, Verifier};
use concord_ledger::{Hash, leaf_hash};
use concord_store::{LogRecord, StoredEntry, genesis};

/// What the verifier is told to trust.
#[derive(Debug, Clone)]
pub struct Options {
    /// The log's public key (its name is the log's origin).
    pub log_key: Verifier,
    /// Witnesses' cosigning keys (type 0x04).
    pub witnesses: Vec<Verifier>,
    /// How many of them must have cosigned the checkpoint.
    pub quorum: usize,
    /// A signed checkpoint of this log trusted from before.
    pub trusted: Option<Vec<u8>>,
}

/// Why a log does not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("entry {seq}: {reason}")]
    Entry { seq: u64, reason: String },
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
}

/// Checks a log entry by entry; see the crate docs.
#[derive(Debug)]
pub struct LogVerifier {
    options: Options,
    trusted: Option<Checkpoint>,
    trusted_root_seen: Option<Hash>,
    state: State,
    tree: TreeEdge,
    prev: Hash,
    decisions: usize,
    signed: usize,
    unsigned: usize,
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
        let mut v = Self {
            options,
            trusted,
            trusted_root_seen: None,
            state: State::new(),
            tree: TreeEdge::default(),
            prev: genesis(),
            decisions: 0,
            signed: 0,
            unsigned: 0,
        };
        v.note_trusted_root();
        Ok(v)
    }

    /// Entries checked so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    fn note_trusted_root(&mut self) {
        if self.trusted.as_ref().is_some_and(|t| t.size() == self.tree.size()) {
            self.trusted_root_seen = self.tree.root().ok();
        }
    }

    /// Checks the next entries, in order.
    pub fn feed(&mut self, entries: &[StoredEntry]) -> Result<(), VerifyError> {
        for e in entries {
            let seq = self.tree.size();
            let bad = |reason: String| VerifyError::Entry { seq, reason };
            if e.seq != seq {
                return Err(bad(format!("expected entry {seq}, got entry {}", e.seq)));
            }
            // The leaf hash is recomputed from the bytes, never taken from the source.
            let leaf = leaf_hash(&e.bytes);
            let record: LogRecord = concord_store::decode(&e.bytes).map_err(|err| bad(err.to_string()))?;
            if record.seq != seq {
                return Err(bad(format!("it says it is entry {}", record.seq)));
            }
            if record.prev != self.prev.to_hex() {
                return Err(bad(
                    "it does not follow the entry before: an entry was altered, dropped or reordered".into()
                ));
            }
            self.state.apply(&record.event).map_err(|err| bad(err.to_string()))?;
            match &record.event {
                Event::ProposalDecided { .. } => self.decisions += 1,
                Event::PositionTaken { evidence: Some(_), .. } => self.signed += 1,
                Event::PositionTaken { evidence: None, .. } => self.unsigned += 1,
                _ => {}
            }
            self.tree.append(&[leaf]).map_err(|err| bad(err.to_string()))?;
            self.prev = leaf;
            self.note_trusted_root();
        }
        Ok(())
    }

    /// Checks the log's signed checkpoint against everything fed, and reports.
    pub fn finish(self, checkpoint: &[u8]) -> Result<Report, VerifyError> {
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
        // The log's first entry names its key: a log created under another key is another log.
        if let Some(log) = &self.state.log {
            if log.log_key != self.options.log_key.to_string() || log.origin != c.origin() {
                return Err(VerifyError::Entry {
                    seq: 0,
                    reason: format!("the log was created with the key {}, not the one trusted", log.log_key),
                });
            }
        }
        let size = self.tree.size();
        if c.size() != size {
            return Err(VerifyError::Size { checkpoint: c.size(), entries: size });
        }
        let computed = self.tree.root().map_err(|e| VerifyError::Checkpoint(e.to_string()))?;
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
            members: self.state.members.len(),
            proposals: self.state.proposals.len(),
            decisions: self.decisions,
            signed_positions: self.signed,
            unsigned_positions: self.unsigned,
            extends_trusted,
        })
    }
}
