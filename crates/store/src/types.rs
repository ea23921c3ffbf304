//! Values that cross the storage contract.

use concord_core::Actor;
use concord_ledger::Hash;
use jiff::Timestamp;

use crate::{NewEntry, StoreError};

/// The reply given to a write that carried an `Idempotency-Key`, kept so that a retry gets the
/// same reply instead of a second effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Who wrote (`Actor`'s display form): keys are scoped per principal.
    pub principal: String,
    pub key: String,
    /// A hash of the request (method, path, body): the same key with another request is refused.
    pub fingerprint: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub created_at: Timestamp,
}

/// A signed checkpoint (c2sp.org/tlog-checkpoint) of the log at `size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub size: u64,
    pub root: Hash,
    /// The signed note, byte for byte as served.
    pub note: String,
}

/// A witness's cosignature line on a checkpoint (c2sp.org/tlog-cosignature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    pub size: u64,
    /// The witness's key name.
    pub witness: String,
    /// The signature line, `— name base64(...)`, without its newline.
    pub line: String,
}

/// One atomic append: entries, their Merkle tree hashes and checkpoint, and idempotency records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The log size this batch was decided against; the append fails with a conflict otherwise.
    pub expected_size: u64,
    pub entries: Vec<NewEntry>,
    /// The Merkle tree hashes these entries add, by stored-hash index (the layout of Go's
    /// `sumdb/tlog`: O(log n) per entry, every proof O(log n) reads).
    pub tree_hashes: Vec<(u64, Hash)>,
    /// The checkpoint of the log after this batch.
    pub checkpoint: Option<Checkpoint>,
    pub idempotency: Vec<IdempotencyRecord>,
}

impl Batch {
    /// Checks what a store can check before taking any lock: entries numbered on from
    /// `expected_size`, each with the leaf hash of its bytes (so a wrong hash never enters the
    /// log).
    pub fn check(&self) -> Result<(), StoreError> {
        for (e, seq) in self.entries.iter().zip(self.expected_size..) {
            if e.seq != seq {
                return Err(StoreError::Other(format!(
                    "batch entries must run on from {} contiguously; entry {seq} says it is {}",
                    self.expected_size, e.seq
                )));
            }
            if concord_ledger::leaf_hash(&e.bytes) != e.leaf_hash {
                return Err(StoreError::Other(format!("entry {seq}: the leaf hash does not match its bytes")));
            }
        }
        Ok(())
    }
}

/// A new API token. Only its SHA-256 is stored: tokens are 256-bit random values, so a fast hash
/// is enough (no password stretching needed), and a stolen database yields no usable token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub hash: [u8; 32],
    pub actor: Actor,
    pub label: String,
    pub created_at: Timestamp,
    /// When it stops working by itself; `None`: only when revoked.
    pub expires_at: Option<Timestamp>,
}

/// A stored token as `concord token list` shows it: never the token itself, which is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub hash: [u8; 32],
    pub actor: Actor,
    pub label: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl TokenInfo {
    /// Whether the token authenticates at `now`: not revoked, not expired.
    #[must_use]
    pub fn valid_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// A new web account. Accounts are operational data, like tokens: not in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Unique sign-in name.
    pub name: String,
    /// The Argon2id PHC string (`$argon2id$v=19$…`); never the password.
    pub password_hash: String,
    pub actor: Actor,
    pub created_at: Timestamp,
}

/// A web account as stored, with its lockout counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password_hash: String,
    pub actor: Actor,
    /// Failed sign-ins since the last success or lock.
    pub failed_logins: u32,
    /// Sign-in is refused until then.
    pub locked_until: Option<Timestamp>,
}

/// A sign-in attempt counted against an account's failure budget, before its password is
/// checked ([`crate::Store::charge_login_attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginCharge {
    /// Attempts since the last success or lock, this one included (unchanged while locked).
    pub attempts: u32,
    /// The lock still running at the time given, if any: the attempt is then not counted.
    pub locked_until: Option<Timestamp>,
}

/// A new web session. Only the SHA-256 of the session token is stored, as for API tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub hash: [u8; 32],
    pub user: String,
    /// The session's anti-CSRF token, sent back in every form.
    pub csrf: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A stored session and the actor of its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub actor: Actor,
    pub csrf: String,
    pub expires_at: Timestamp,
}
