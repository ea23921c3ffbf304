use concord_ledger::edge::{check_stored, edge_indexes};
use concord_ledger::tlog::{HashReader, stored_hash_count};
use concord_store::Store;

use crate::{LoadError, Loaded, Touched};

/// Entries read per page when loading the log.
const LOAD_PAGE: u64 = 10_000;

impl Loaded {
    /// Reads the entries appended after `self.size` (by this process before a restart, or by
    /// another server on the same database), checks and folds them ([`Loaded::walk`]), noting
    /// what they touched. Tree hashes below index `fill_tree_from` are read and compared with
    /// the ones the entries give ([`LoadError::Tree`] names the first that differs); those from
    /// it on are stored as they are computed (filling in a log written before the tree existed).
    /// `None` neither compares nor stores: the writer of the entries stored their hashes, and
    /// this server compared the older ones when it loaded. Returns how many were read.
    /// After a store error, `self` is the fold of a prefix of the log (whole pages); after an
    /// entry that does not apply, the log is corrupt and `self` must be thrown away.
    pub async fn catch_up(
        &mut self,
        store: &dyn Store,
        fill_tree_from: Option<u64>,
        touched: &mut Touched,
    ) -> Result<u64, LoadError> {
        let start = self.size;
        loop {
            let page = store.entries(self.size, LOAD_PAGE).await?;
            if page.is_empty() {
                return Ok(self.size - start);
            }
            let hashes = self.walk(&page, |r| touched.note(&r.event))?;
            // Publications are rare: each earlier entry one names is read again to settle it.
            for entry in self.unsettled() {
                let earlier = store.entries(entry, 1).await?;
                self.settle(&earlier)?;
            }
            if let Some(c) = self.claims.first() {
                let reason = "the entry it publishes is not in the log".into();
                return Err(LoadError::Publication { seq: c.by, entry: c.entry, reason });
            }
            if let Some(from) = fill_tree_from {
                // What is stored already is compared with what the entries give, so that a
                // server never serves a tile or a proof from an altered row; what is missing
                // is stored.
                let (stored, missing) = hashes.split_at(hashes.partition_point(|(i, _)| *i < from));
                if !stored.is_empty() {
                    let indexes: Vec<u64> = stored.iter().map(|(i, _)| *i).collect();
                    check_stored(stored, &store.tree_hashes(&indexes).await?)?;
                }
                if !missing.is_empty() {
                    store.put_tree_hashes(missing).await?;
                }
            }
        }
    }
}

/// Reads the whole log, checks its chain, folds it into a state and rebuilds the Merkle tree's
/// edge from the leaves, comparing every stored tree hash with the one the entries give and
/// storing any missing (a log written before the tree existed). The root must equal the stored
/// checkpoint's, if there is one at this size.
pub async fn load(store: &dyn Store) -> Result<Loaded, LoadError> {
    load_after(store, Loaded::empty()).await
}

/// [`load`], starting from the first of `snapshots` (newest first) that the stored log agrees
/// with: one whose size the log has reached, whose tree edge (the roots of its complete
/// subtrees, which give the tree's root) is the one the store holds for that size, and whose
/// last leaf hash is the stored entry's. Only the
/// entries after it are read. A snapshot that disagrees, or after which the log does not
/// follow, is passed over; with none left, the whole log is read. Returns the fold and the size
/// of the snapshot it started from.
pub async fn load_from(
    store: &dyn Store,
    snapshots: impl IntoIterator<Item = Loaded>,
) -> Result<(Loaded, Option<u64>), LoadError> {
    let size = store.log_size().await?;
    let stored = store.tree_hash_count().await?;
    for snapshot in snapshots {
        let at = snapshot.size;
        // Its edge gives the tree's root; its last hash is what the next entry must chain
        // from, so it is compared with the stored entry's too.
        let agrees = at > 0 && at <= size && stored >= stored_hash_count(at) && {
            let indexes = edge_indexes(at);
            snapshot.tree.read_hashes(&indexes).ok() == Some(store.tree_hashes(&indexes).await?)
                && store.entries(at - 1, 1).await?.first().map(|e| e.leaf_hash) == Some(snapshot.last_hash)
        };
        if !agrees {
            tracing::warn!(size = at, "a snapshot does not match the stored tree; passing it over");
            continue;
        }
        match load_after(store, snapshot).await {
            Ok(loaded) => return Ok((loaded, Some(at))),
            Err(LoadError::Store(e)) => return Err(e.into()),
            Err(e) => tracing::warn!(size = at, error = %e, "the log does not follow a snapshot; passing it over"),
        }
    }
    Ok((load(store).await?, None))
}

/// Folds the entries after `loaded` into it, checking the tree hashes they give against the
/// stored ones (and storing any missing), and the root against the stored checkpoint at the
/// log's size.
async fn load_after(store: &dyn Store, mut loaded: Loaded) -> Result<Loaded, LoadError> {
    let stored_hashes = store.tree_hash_count().await?;
    loaded.catch_up(store, Some(stored_hashes), &mut Touched::default()).await?;
    if let Some(c) = store.checkpoint(loaded.size).await? {
        let computed = loaded.tree.root()?;
        if c.root != computed {
            return Err(LoadError::CheckpointMismatch { size: loaded.size, stored: c.root, computed });
        }
    }
    Ok(loaded)
}
