use concord_core::{Actor, Command, Event, ProposalId, Refusal, State};
use concord_ledger::Hash;
use concord_ledger::edge::TreeEdge;
use concord_store::{LogRecord, NewEntry, RECORD_VERSION, StoredEntry, encode};
use jiff::Timestamp;

use crate::{LoadError, Touched};

/// The fold of a log's first `size` entries. Cheap to clone: the state and the decisions are
/// persistent maps, so a copy shares everything with the original until one of them changes
/// (what lets the server publish each batch's state to readers without copying it).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: State,
    pub size: u64,
    pub last_hash: Hash,
    pub tree: TreeEdge,
    /// The log entry of each recorded decision.
    pub decisions: imbl::OrdMap<ProposalId, u64>,
}

/// What [`Loaded::walk`] added to the tree: each new hash with its stored-hash index.
pub type Walked = Vec<(u64, Hash)>;

impl Default for Loaded {
    fn default() -> Self {
        Self::empty()
    }
}

impl Loaded {
    /// The fold of an empty log.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            state: State::new(),
            size: 0,
            last_hash: concord_store::genesis(),
            tree: TreeEdge::default(),
            decisions: imbl::OrdMap::new(),
        }
    }

    /// Checks that `entries` continue this log — each leaf hash is its bytes', the bytes are the
    /// canonical encoding of a record that names its place and the entry before it — and folds
    /// them in through [`State::apply`], which checks every rule (signatures and recorded
    /// decisions included) again. `each` sees every record as it is folded. Returns the tree
    /// hashes the entries add.
    ///
    /// This is the one chain walk: loading a log, following other servers and the offline
    /// verifier all run it. After an error, `self` must be thrown away (it may hold part of the
    /// entries' effect); the error names the entry at fault ([`LoadError::seq`]).
    pub fn walk(&mut self, entries: &[StoredEntry], mut each: impl FnMut(&LogRecord)) -> Result<Walked, LoadError> {
        let (records, last) = concord_store::check_chain(self.last_hash, entries)?;
        for r in &records {
            if r.seq != self.size {
                return Err(concord_store::ChainError::OutOfSequence { seq: self.size, claimed: r.seq }.into());
            }
            self.state.apply(&r.event).map_err(|error| LoadError::Apply { seq: r.seq, error })?;
            if let Event::ProposalDecided { proposal, .. } = &r.event {
                self.decisions.insert(*proposal, r.seq);
            }
            each(r);
            self.size += 1;
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
        let hashes = self.tree.append(&leaves)?;
        self.last_hash = last;
        Ok(hashes)
    }

    /// Decides `command` at `now` and, if accepted, applies its events and appends their log
    /// entries to `entries`, chained to the log so far. The state and the chain move together.
    /// A signature is checked once here ([`concord_core::decide_and_apply`]); replay checks
    /// each again.
    pub fn sequence(
        &mut self,
        actor: Actor,
        command: &Command,
        now: Timestamp,
        entries: &mut Vec<NewEntry>,
        touched: &mut Touched,
    ) -> Result<(), Refusal> {
        for event in concord_core::decide_and_apply(&mut self.state, actor, command, now)? {
            let record =
                LogRecord { v: RECORD_VERSION, seq: self.size, prev: self.last_hash.to_hex(), at: now, actor, event };
            let entry = encode(&record).unwrap_or_else(|e| panic!("a domain event failed to encode: {e}"));
            touched.note(&record.event);
            if let Event::ProposalDecided { proposal, .. } = &record.event {
                self.decisions.insert(*proposal, self.size);
            }
            self.size += 1;
            self.last_hash = entry.leaf_hash;
            entries.push(entry);
        }
        Ok(())
    }
}
