//! SHA-256 hashes and RFC 9162 §2.1.1 Merkle tree hashing.
//!
//! Leaves and interior nodes are hashed with distinct one-byte prefixes so that a leaf can never
//! be passed off as a node (second-preimage resistance):
//! `leaf = SHA-256(0x00 || entry)`, `node = SHA-256(0x01 || left || right)`.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::Error;

/// A SHA-256 output.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash([u8; 32]);

impl Hash {
    /// Wraps 32 bytes.
    #[must_use]
    pub const fn from_array(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// Reads exactly 32 bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self, Error> {
        <[u8; 32]>::try_from(b).map(Self).map_err(|_| Error::HashLength(b.len()))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, Error> {
        let v = hex::decode(s).map_err(|e| Error::HashHex(e.to_string()))?;
        Self::from_bytes(&v)
    }

    /// The bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// RFC 9162 §2.1.1: the hash of a leaf holding `entry`.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// RFC 9162 §2.1.1: the hash of an interior node.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    // transparency-dev/merkle testonly constants (also in ../shared/vectors/notes.md).
    #[test]
    fn leaf_hash_of_the_empty_leaf() {
        assert_eq!(leaf_hash(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    }

    #[test]
    fn node_hash_of_the_first_two_reference_leaves() {
        // Root of the tree of the first two reference leaves, "" and 0x00.
        let root = node_hash(&leaf_hash(b""), &leaf_hash(&[0x00]));
        assert_eq!(root.to_hex(), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    }

    #[test]
    fn hashes_parse_strictly() {
        assert!(Hash::from_bytes(&[0u8; 31]).is_err());
        assert!(Hash::from_hex("zz").is_err());
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()).unwrap(), h);
    }
}
