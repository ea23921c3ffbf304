//! The one error type of the storage contract: small on purpose (STYLE.md).

/// What went wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended first: the log is not at the size this append expected.
    #[error("log conflict: expected size {expected}, found {found}")]
    Conflict { expected: u64, found: u64 },
    /// A transient failure (busy, connection lost): the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data that cannot be read back (a corrupt row).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// Anything else.
    #[error("store error: {0}")]
    Other(String),
}
