use concord_ledger::Hash;
use concord_ledger::edge::TreeEdge;
use concord_ledger::keys::Signer;
use concord_store::{Checkpoint, NewEntry};

use crate::{LoadError, Loaded};

impl Loaded {
    /// The Merkle tree hashes and the signed checkpoint that close a batch of `entries` just
    /// sequenced (the tree catches up with the log).
    pub fn seal(&mut self, entries: &[NewEntry], log: &Signer) -> Result<(Vec<(u64, Hash)>, Checkpoint), LoadError> {
        let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
        let hashes = self.tree.append(&leaves)?;
        debug_assert_eq!(self.tree.size(), self.size, "the tree covers the log");
        Ok((hashes, sign_checkpoint(&self.tree, log)?))
    }
}

/// A signed checkpoint of the tree (c2sp.org/tlog-checkpoint; the origin is the log key's name).
pub fn sign_checkpoint(tree: &TreeEdge, log: &Signer) -> Result<Checkpoint, LoadError> {
    let root = tree.root()?;
    let note = concord_ledger::checkpoint::Checkpoint::new(log.name().as_str(), tree.size(), root)?.sign(log)?;
    Ok(Checkpoint { size: tree.size(), root, note })
}
