//! The storage contract of Concord. The format of the log's entries is not the store's: it is
//! `concord_core::record`, and a store keeps the bytes and hashes it is given.
//!
//! One trait, [`Store`] (with its notification rows' methods in the supertrait
//! [`Notifications`]), with one SQL implementation (`concord-store-sql`) for two backends
//! (`concord-store-sqlite`, `concord-store-postgres`) and one in memory for tests (`memory`,
//! feature `memory`), each passing the same [`conformance`] suite. What a backend keeps:
//!
//! - **the log**: entries in sequence from 0, each the canonical bytes of a public envelope, its
//!   RFC 9162 leaf hash and its sealed part ([`NewEntry`], [`StoredEntry`]). This is the
//!   source of truth. Leaf hashes are stored so that the Merkle
//!   tree, checkpoints and proofs can be built over the same rows without migrating them;
//! - **the tree and its checkpoints**: the Merkle tree's stored hashes, signed checkpoints and
//!   witnesses' cosignatures;
//! - **tokens** (hashes only), **web accounts and sessions** (Argon2id password hashes, session
//!   token hashes, lockout counters) and **idempotency records**: operational data about
//!   callers, not alliance state, and so outside the public log;
//! - **notification rows** ([`notify`](crate::NewMessage)): the outbox of messages to deliver and
//!   the log size up to which notices were queued, webhook subscriptions, e-mail contacts and
//!   calendar feeds' token hashes. Operational too: notices are computed from the log.
//!
//! Guarantees every backend gives: an append is durable when the call returns (a crash after
//! `Ok` loses nothing); a read after a write sees it; an append states the log size it expects
//! and fails with [`StoreError::Conflict`] if another writer got there first, so two sequencers
//! can never fork the log; transient failures are [`StoreError::Unavailable`] and may be retried.

#![forbid(unsafe_code)]

pub mod columns;
mod error;
mod notify;
mod types;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "memory")]
pub mod memory;

pub use concord_core::record::{NewEntry, StoredEntry};
pub use error::StoreError;
pub use notify::*;
pub use types::*;

use async_trait::async_trait;
use concord_ledger::Hash;

/// Persistence for Concord. See the crate docs for the guarantees. The notification rows are
/// [`Notifications`]'.
#[async_trait]
pub trait Store: Notifications + Send + Sync + 'static {
    /// The number of entries in the log.
    async fn log_size(&self) -> Result<u64, StoreError>;

    /// Appends `batch.entries` at `batch.expected_size` with their tree hashes, checkpoint and
    /// idempotency records, all in one durable transaction. Returns the new log size.
    async fn append(&self, batch: &Batch) -> Result<u64, StoreError>;

    /// Up to `limit` entries starting at sequence number `from`, in order.
    async fn entries(&self, from: u64, limit: u64) -> Result<Vec<StoredEntry>, StoreError>;

    /// Stores a new token's hash for `actor`.
    async fn create_token(&self, token: &NewToken) -> Result<(), StoreError>;
    /// The token with this hash, revoked or expired ones included (the caller checks
    /// [`TokenInfo::valid_at`] against its own clock).
    async fn find_token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError>;
    /// Every token, newest first.
    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError>;
    /// Revokes the token with this hash at `at`; `false` if there is none or it was revoked already.
    async fn revoke_token(&self, hash: &[u8; 32], at: jiff::Timestamp) -> Result<bool, StoreError>;

    /// Stores a new web account; a name already taken is refused (`Other`).
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError>;
    /// The account with this name.
    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Counts a sign-in attempt for `name` before its password is checked, in one atomic step,
    /// so that concurrent guesses each use up the budget and none is checked beyond it: a lock
    /// still running at `now` is returned and nothing is counted; a lock that ended by `now` is
    /// cleared and counting starts again at 1; otherwise the count goes up by one. `None`: no
    /// such user.
    async fn charge_login_attempt(&self, name: &str, now: jiff::Timestamp) -> Result<Option<LoginCharge>, StoreError>;
    /// Refuses sign-in for `name` until `until`, and starts counting failures afresh.
    async fn lock_user(&self, name: &str, until: jiff::Timestamp) -> Result<(), StoreError>;
    /// Clears the failure count and any lock (after a successful sign-in).
    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError>;
    /// Stores a new session (its token's hash).
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    /// The session with this token hash, expired or not (the caller compares `expires_at` with
    /// its clock: the store decides nothing).
    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;
    /// Ends a session (sign-out). Deleting an unknown one is not an error.
    async fn delete_session(&self, hash: &[u8; 32]) -> Result<(), StoreError>;

    /// The recorded reply to an earlier write with this key by this principal.
    async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Merkle tree hashes by stored-hash index, in the order asked. A missing one is `Corrupt`.
    async fn tree_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;
    /// How many tree hashes are stored. They are written in index order from 0, so a store may
    /// answer with one past the largest index (a missing one below it is `Corrupt` when read).
    async fn tree_hash_count(&self) -> Result<u64, StoreError>;
    /// Stores tree hashes computed for entries already in the log (filling in a log written
    /// before the tree existed). Idempotent.
    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError>;
    /// The newest checkpoint, if any.
    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError>;
    /// The checkpoint at `size`, if one was made.
    async fn checkpoint(&self, size: u64) -> Result<Option<Checkpoint>, StoreError>;
    /// Stores a witness's cosignature of the checkpoint at `cosignature.size` (replacing that
    /// witness's earlier one for the same size).
    async fn add_cosignature(&self, cosignature: &Cosignature) -> Result<(), StoreError>;
    /// The cosignatures of the checkpoint at `size`, by witness name.
    async fn cosignatures(&self, size: u64) -> Result<Vec<Cosignature>, StoreError>;

    /// A cheap round trip to the database, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A small durable write that changes nothing anyone reads, for readiness checks while
    /// appends fail: it succeeds only if the store takes writes again. A [`Store::ping`] reads,
    /// and a full disk still lets every read through.
    async fn probe_write(&self) -> Result<(), StoreError>;

    /// Takes the log's writer lease, shared by every process on this database, and holds it
    /// until the returned value is dropped (or the process dies). A sequencer that shares the
    /// database holds it while it catches up, decides and appends a batch, so that writers on
    /// several servers take turns instead of racing and losing to [`StoreError::Conflict`].
    /// The lease is an optimisation, not the guarantee: `append` still checks the size it
    /// expects. `None`: this backend has no such lease (one process owns it).
    async fn lease_log(&self) -> Result<Option<LogLease>, StoreError> {
        Ok(None)
    }
}

/// A held writer lease ([`Store::lease_log`]); dropping it releases the lease.
pub struct LogLease(pub Box<dyn Send>);

impl std::fmt::Debug for LogLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogLease")
    }
}
