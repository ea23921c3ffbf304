//! Concord's log formats: what a member's offline verifier needs, and nothing more.
//!
//! - [`canonical`]: RFC 8785 (JSON Canonicalization Scheme) encoding of log entries, so that the
//!   bytes hashed are the same whoever encodes the same value;
//! - [`hash`]: the 32-byte [`Hash`] and RFC 9162 §2.1.1 leaf and node hashing.
//! - [`tlog`]: the Merkle tree as stored hashes (Go's `sumdb/tlog` layout), RFC 9162 §2.1
//!   inclusion and consistency proofs;
//! - [`tile`]: c2sp.org/tlog-tiles paths, tiles and entry bundles, and proofs from tiles alone;
//! - [`proof_bundle`]: the c2sp.org/tlog-proof text format.
//! - [`keys`]: Ed25519 signer and verifier keys in the c2sp.org/signed-note encoding, and the
//!   enrolment checks on members' public keys;
//! - [`note`]: c2sp.org/signed-note signed notes (Go's `sumdb/note` format);
//! - [`checkpoint`]: c2sp.org/tlog-checkpoint tree heads;
//! - [`cosignature`]: c2sp.org/tlog-cosignature witness cosignatures (Ed25519, type `0x04`);
//! - [`witness`]: the c2sp.org/tlog-witness `add-checkpoint` bodies and status codes.
//!
//! **Invariant:** pure: no IO, no clock, no knowledge of the domain's types.

#![forbid(unsafe_code)]

pub mod canonical;
pub mod checkpoint;
pub mod cosignature;
pub mod edge;
pub mod hash;
pub mod keys;
pub mod note;
pub mod proof_bundle;
pub mod tile;
pub mod tlog;
pub mod witness;

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
    #[error("leaf index {index} is not below tree size {size}")]
    LeafIndex { index: u64, size: u64 },
    #[error("no consistency proof from tree size {old} to {new}")]
    ConsistencySizes { old: u64, new: u64 },
    #[error("inclusion proof of leaf {index} in tree size {size} does not verify")]
    InclusionProof { index: u64, size: u64 },
    #[error("consistency proof from tree size {old} to {new} does not verify")]
    ConsistencyProof { old: u64, new: u64 },
    #[error("tree size {0} is beyond the supported 2^62")]
    TreeTooLarge(u64),
    #[error("stored hash {0} is not available")]
    MissingHash(u64),
    #[error("stored tree hash {index} (level {level}, node {n}) is not the hash recomputed from the entries")]
    StoredHash { index: u64, level: u8, n: u64 },
    #[error("hash reader returned {got} hashes for {wanted} indexes")]
    HashCount { wanted: usize, got: usize },
    #[error("invalid tile: level {level}, index {n}, width {width}")]
    Tile { level: u8, n: u64, width: u16 },
    #[error("invalid tile path: {0:?}")]
    TilePath(String),
    #[error("tile {0} is not available")]
    MissingTile(String),
    #[error("tile {path} is {len} bytes, not {expected}")]
    TileLength { path: String, len: usize, expected: usize },
    #[error("entry of {0} bytes is too long for an entry bundle (at most 65535)")]
    EntryTooLong(usize),
    #[error("invalid entry bundle: {0}")]
    EntryBundle(String),
    #[error("invalid tlog-proof: {0}")]
    TlogProof(String),
    #[error("invalid key name {0:?}")]
    KeyName(String),
    #[error("malformed verifier key {key:?}: {reason}")]
    VerifierKey { key: String, reason: &'static str },
    /// Never carries the key material.
    #[error("malformed private key named {name:?}: {reason}")]
    SignerKey { name: String, reason: &'static str },
    #[error("public key {key} cannot be enrolled: {reason}")]
    WeakKey { key: String, reason: &'static str },
    #[error("malformed note: {0}")]
    MalformedNote(String),
    #[error("note is {size} bytes, over the limit of {limit}")]
    NoteTooLarge { size: usize, limit: usize },
    #[error("invalid signature by key {name}+{id}")]
    InvalidSignature { name: String, id: keys::KeyId },
    #[error("no signature by a trusted key ({unknown} by unknown keys)")]
    UnverifiedNote { unknown: usize },
    #[error("two different trusted keys are named {name}+{id}")]
    AmbiguousKey { name: String, id: keys::KeyId },
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(String),
    #[error("malformed cosignature: {0}")]
    MalformedCosignature(String),
    #[error("malformed witness message: {0}")]
    MalformedWitness(String),
}
