//! The log entry format: a [`LogRecord`], encoded as RFC 8785 canonical JSON and hashed as an
//! RFC 9162 leaf.
//!
//! A record names its own sequence number and the leaf hash of the entry before it, so a dropped,
//! reordered or altered entry is caught by [`check_chain`] even before Merkle proofs are checked.
//!
//! ```json
//! {"actor":{"role":"secretariat"},"at":"2024-02-27T09:00:00Z","event":{"type":"proposal_drafted",…},
//!  "prev":"6e34…","seq":3,"v":1}
//! ```

use concord_core::{Actor, Event};
use concord_ledger::{Hash, canonical, leaf_hash};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{NewEntry, StoredEntry};

/// The version of the record format written today.
pub const RECORD_VERSION: u32 = 1;

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogRecord {
    pub v: u32,
    pub seq: u64,
    /// Hex leaf hash of entry `seq - 1`; for entry 0, the hash of the empty leaf.
    pub prev: String,
    /// When the server recorded it.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    pub event: Event,
}

/// The `prev` of entry 0.
#[must_use]
pub fn genesis() -> Hash {
    leaf_hash(b"")
}

/// Encodes a record canonically and hashes it.
pub fn encode(record: &LogRecord) -> Result<NewEntry, concord_ledger::Error> {
    let bytes = canonical::to_vec(record)?;
    let leaf_hash = leaf_hash(&bytes);
    Ok(NewEntry { seq: record.seq, bytes, leaf_hash })
}

/// Decodes an entry's bytes, refusing bytes that are not canonical.
pub fn decode(bytes: &[u8]) -> Result<LogRecord, ChainError> {
    let malformed = |reason: String| ChainError::Malformed { seq: None, reason };
    let record: LogRecord = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    // One parse, one encoding: the bytes must be exactly the canonical encoding of the record
    // they hold (stricter than canonical JSON of any value: nothing the record drops survives).
    if canonical::to_vec(&record).map_err(|e| malformed(e.to_string()))? != bytes {
        return Err(malformed("the bytes are not the canonical encoding (RFC 8785) of their record".into()));
    }
    Ok(record)
}

/// A log that is not intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {}: malformed: {reason}", seq.map_or("?".into(), |s| s.to_string()))]
    Malformed { seq: Option<u64>, reason: String },
    #[error("entry {seq}: its leaf hash does not match its bytes")]
    HashMismatch { seq: u64 },
    #[error("entry {seq}: it says it is entry {claimed}")]
    OutOfSequence { seq: u64, claimed: u64 },
    #[error("entry {seq}: it does not follow entry {}: the previous hash differs", seq.saturating_sub(1))]
    BrokenChain { seq: u64 },
}

/// Checks that `entries` continue a log whose last leaf hash is `prev` (the [`genesis`] hash for
/// a log checked from the start), and returns the records and the new last hash.
pub fn check_chain(prev: Hash, entries: &[StoredEntry]) -> Result<(Vec<LogRecord>, Hash), ChainError> {
    let mut prev = prev;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if leaf_hash(&e.bytes) != e.leaf_hash {
            return Err(ChainError::HashMismatch { seq: e.seq });
        }
        let record = decode(&e.bytes).map_err(|err| match err {
            ChainError::Malformed { reason, .. } => ChainError::Malformed { seq: Some(e.seq), reason },
            other => other,
        })?;
        if record.seq != e.seq {
            return Err(ChainError::OutOfSequence { seq: e.seq, claimed: record.seq });
        }
        if record.prev != prev.to_hex() {
            return Err(ChainError::BrokenChain { seq: e.seq });
        }
        prev = e.leaf_hash;
        out.push(record);
    }
    Ok((out, prev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::{CountryCode, Partner};

    fn record(seq: u64, prev: Hash) -> LogRecord {
        LogRecord {
            v: RECORD_VERSION,
            seq,
            prev: prev.to_hex(),
            at: "2024-02-27T09:00:00Z".parse().unwrap(),
            actor: Actor::Secretariat,
            event: Event::PartnerRegistered {
                partner: Partner { code: CountryCode::parse("UKR").unwrap(), name: format!("Ukraine {seq}") },
            },
        }
    }

    fn chain(n: u64) -> Vec<StoredEntry> {
        let mut prev = genesis();
        (0..n)
            .map(|seq| {
                let e = encode(&record(seq, prev)).unwrap();
                prev = e.leaf_hash;
                StoredEntry { seq, bytes: e.bytes, leaf_hash: e.leaf_hash }
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_checks_and_decodes() {
        let entries = chain(3);
        let (records, last) = check_chain(genesis(), &entries).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(last, entries[2].leaf_hash);
        assert_eq!(records[1], record(1, entries[0].leaf_hash));
    }

    #[test]
    fn the_encoding_is_canonical_json() {
        let e = encode(&record(0, genesis())).unwrap();
        let s = String::from_utf8(e.bytes).unwrap();
        assert!(s.starts_with(r#"{"actor":{"role":"secretariat"},"at":"2024-02-27T09:00:00Z","event":{"#), "{s}");
        assert!(s.ends_with(r#","seq":0,"v":1}"#), "{s}");
    }

    #[test]
    fn one_changed_byte_is_caught() {
        let mut entries = chain(3);
        let i = entries[1].bytes.len() / 2;
        entries[1].bytes[i] ^= 0x01;
        assert!(check_chain(genesis(), &entries).is_err());
        // Even with the leaf hash recomputed to match, the next entry's `prev` breaks.
        entries[1].leaf_hash = leaf_hash(&entries[1].bytes);
        let err = check_chain(genesis(), &entries).unwrap_err();
        assert!(
            matches!(err, ChainError::Malformed { seq: Some(1), .. } | ChainError::BrokenChain { seq: 2 }),
            "{err}"
        );
    }

    #[test]
    fn a_re_serialised_entry_is_refused() {
        let e = encode(&record(0, genesis())).unwrap();
        assert!(decode(&e.bytes).is_ok());
        let v: serde_json::Value = serde_json::from_slice(&e.bytes).unwrap();
        assert!(decode(&serde_json::to_vec_pretty(&v).unwrap()).is_err(), "whitespace");
        let reordered =
            String::from_utf8(e.bytes.clone()).unwrap().replacen(r#"{"actor":{"role":"secretariat"},"#, "{", 1);
        let reordered = reordered.replacen(r#","v":1}"#, r#","v":1,"actor":{"role":"secretariat"}}"#, 1);
        assert!(decode(reordered.as_bytes()).is_err(), "keys out of order");
        let extra = String::from_utf8(e.bytes).unwrap().replacen(r#""v":1"#, r#""v":1,"x":0"#, 1);
        assert!(decode(extra.as_bytes()).is_err(), "an unknown field");
    }

    #[test]
    fn a_dropped_or_swapped_entry_is_caught() {
        let mut entries = chain(4);
        let dropped: Vec<_> = entries.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, e)| e.clone()).collect();
        assert!(check_chain(genesis(), &dropped).is_err());
        entries.swap(1, 2);
        assert!(check_chain(genesis(), &entries).is_err());
    }
}
