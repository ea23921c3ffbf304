//! What a log entry seals, and the commitment its public envelope carries.
//!
//! Each entry's content — who acted, the account (the person) that acted for it, and the event —
//! is sealed: a fresh 32-byte salt followed by the RFC 8785 canonical JSON of [`Sealed`]. The
//! envelope every audience reads carries only the SHA-256 of those bytes. The rest of the format
//! (the envelope, the chain) is [`crate::record`]'s; this part is the domain's own because a
//! publication ([`crate::Event::EntryPublished`]) reveals an earlier entry's salt and content,
//! and whether they match the commitment is a rule of the record like any other: `decide` checks
//! it, and replay checks it again.

use concord_ledger::{Hash, canonical};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Actor, Event};

/// The length of a sealed part's salt.
pub const SALT_LEN: usize = 32;

/// A sealed part's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// Who caused it: the role and, for a delegation or a partner, which.
    pub actor: Actor,
    /// The account that acted: the person signed in to the web, or the API token's label. The
    /// envelope names only the role, so the members' record says who did what and the public
    /// record does not: absent from an entry marked public, from a decision (the rules drew it,
    /// no one's act), and for the server's own acts (the scheduler) and offline tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub event: Event,
}

/// The sealed part's bytes: `salt`, then the canonical encoding of `content`.
pub fn seal(salt: &[u8; SALT_LEN], content: &Sealed) -> Result<Vec<u8>, concord_ledger::Error> {
    let content = canonical::to_vec(content)?;
    let mut part = Vec::with_capacity(SALT_LEN + content.len());
    part.extend_from_slice(salt);
    part.extend_from_slice(&content);
    Ok(part)
}

/// The commitment to a sealed part: the SHA-256 of its bytes (salt, then content).
#[must_use]
pub fn commitment(part: &[u8]) -> Hash {
    Hash::from_array(Sha256::digest(part).into())
}

/// An earlier entry's sealed part, revealed: what a publication carries so that anyone may
/// check it against the commitment in that entry's envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revealed {
    /// The marking the entry's envelope records.
    pub was: crate::Marking,
    /// The entry envelope's commitment, hex.
    pub commitment: String,
    /// The part's salt, hex.
    pub salt: String,
    pub content: Sealed,
}

impl Revealed {
    /// Whether the salt and content are the ones the commitment was made to.
    #[must_use]
    pub fn matches(&self) -> bool {
        let salt = hex::decode(&self.salt).ok().and_then(|s| <[u8; SALT_LEN]>::try_from(s).ok());
        salt.and_then(|salt| seal(&salt, &self.content).ok())
            .is_some_and(|part| commitment(&part).to_hex() == self.commitment)
    }
}
