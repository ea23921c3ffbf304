//! Concord's log formats: what a member's offline verifier needs, and nothing more.
//!
//! - [`canonical`]: RFC 8785 (JSON Canonicalization Scheme) encoding of log entries, so that the
//!   bytes hashed are the same whoever encodes the same value;
//! - [`hash`]: the 32-byte [`Hash`] and RFC 9162 §2.1.1 leaf and node hashing.
//!
//! **Invariant:** pure: no IO, no clock, no knowledge of the domain's types.

#![forbid(unsafe_code)]

pub mod canonical;
pub mod hash;

pub use hash::{Hash, leaf_hash, node_hash};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot encode as canonical JSON: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("entry is not canonical JSON (RFC 8785): {0}")]
    NotCanonical(String),
    #[error("hash is {0} bytes, not 32")]
    HashLength(usize),
    #[error("hash is not valid hex: {0}")]
    HashHex(String),
}
