//! The log entry format (v3; v2 is still read): a public **envelope**, hashed as the RFC 9162 leaf, and beside it
//! a **sealed part** holding what the envelope's marking protects.
//!
//! The envelope names its place (`seq`), the leaf hash of the entry before it (`prev`), when it
//! was recorded, the acting role, the event's type, its [`Marking`], the body whose business it
//! is (when it is not the principal body's) and the commitment to the sealed part. Every audience reads the same envelopes, so the chain, the Merkle tree, the
//! checkpoints, cosignatures and proofs are one and the same for all of them.
//!
//! The sealed part is a fresh 32-byte random salt followed by the RFC 8785 canonical JSON of the
//! [`Sealed`] content (the actor, the account that acted, and the event); the commitment is the
//! SHA-256 of those bytes.
//! The salt is why a short content (`"stance":"concur"`, a member's code) cannot be guessed by
//! hashing candidates against the commitment. A reader cleared for the marking receives the part
//! and checks it against the commitment ([`open`]); anyone else sees the envelope alone.
//!
//! ```json
//! {"at":"2024-02-27T09:00:00Z","commitment":"9f2c…","marking":"members","prev":"6e34…",
//!  "role":"secretariat","seq":3,"type":"proposal_drafted","v":3}
//! ```

pub use crate::sealed::{SALT_LEN, Sealed, commitment};
use crate::{Actor, BodyId, Event, Marking};
use concord_ledger::{Hash, canonical, leaf_hash};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// An entry about to be appended: the canonical bytes of its [`Envelope`], their leaf
/// hash, and its sealed part (salt, then content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub seq: u64,
    pub bytes: Vec<u8>,
    pub leaf_hash: Hash,
    pub part: Vec<u8>,
}

/// An entry as stored or as shown to a reader: the envelope's bytes and leaf hash, and the
/// sealed part unless it is withheld from this reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: u64,
    pub bytes: Vec<u8>,
    pub leaf_hash: Hash,
    pub part: Option<Vec<u8>>,
}

/// The version of the record format written today. v3 added the envelope's `body`; a v2
/// envelope (written before bodies had need to know) is still read, and names no body.
pub const RECORD_VERSION: u32 = 3;

/// The oldest version still read.
pub const OLDEST_VERSION: u32 = 2;

/// An entry's public envelope: the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub seq: u64,
    /// Hex leaf hash of entry `seq - 1`; for entry 0, the hash of the empty leaf.
    pub prev: String,
    /// When the server recorded it.
    pub at: Timestamp,
    /// The acting role (`secretariat`, `member`, `partner`, `observer`, `scheduler`), never the
    /// member or partner: that is sealed.
    pub role: String,
    /// The event's type (`position_taken`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Who may read the sealed part.
    pub marking: Marking,
    /// The body whose business the entry is (`State::scope`): among the members, only those
    /// sitting in it may read the sealed part (unless its marking is public), and a member
    /// outside it does not replay it. Absent: the principal body's, or no proposal's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyId>,
    /// Hex SHA-256 of the sealed part: its salt, then its content's canonical bytes.
    pub commitment: String,
}

/// One log entry, opened: its envelope's facts and its sealed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: u64,
    /// Hex leaf hash of entry `seq - 1`.
    pub prev: String,
    pub at: Timestamp,
    pub marking: Marking,
    /// As [`Envelope::body`].
    pub body: Option<BodyId>,
    pub actor: Actor,
    /// The account (the person or the token) that acted, as [`Sealed::account`].
    pub account: Option<String>,
    pub event: Event,
}

/// The role word of an actor, as envelopes name it.
#[must_use]
pub fn role(actor: Actor) -> &'static str {
    match actor {
        Actor::Secretariat => "secretariat",
        Actor::Member(_) => "member",
        Actor::Partner(_) => "partner",
        Actor::Observer => "observer",
        Actor::Scheduler => "scheduler",
    }
}

/// The `prev` of entry 0.
#[must_use]
pub fn genesis() -> Hash {
    leaf_hash(b"")
}

/// Seals a record's content under `salt` and encodes its envelope canonically.
pub fn encode(record: &LogRecord, salt: [u8; SALT_LEN]) -> Result<NewEntry, concord_ledger::Error> {
    let part = crate::sealed::seal(
        &salt,
        &Sealed { actor: record.actor, account: record.account.clone(), event: record.event.clone() },
    )?;
    let envelope = Envelope {
        v: RECORD_VERSION,
        seq: record.seq,
        prev: record.prev.clone(),
        at: record.at,
        role: role(record.actor).to_owned(),
        kind: record.event.name().to_owned(),
        marking: record.marking,
        body: record.body.clone(),
        commitment: commitment(&part).to_hex(),
    };
    let bytes = canonical::to_vec(&envelope)?;
    let leaf_hash = leaf_hash(&bytes);
    Ok(NewEntry { seq: record.seq, bytes, leaf_hash, part })
}

/// A sealed part as its readers receive it (the API's `part`, an export's `parts/N.json`): the
/// salt in hex and the content as text. `None` if the part is shorter than its salt or its
/// content is not UTF-8 (canonical JSON always is).
#[must_use]
pub fn split_part(part: &[u8]) -> Option<(String, String)> {
    let (salt, content) = part.split_at_checked(SALT_LEN)?;
    Some((hex::encode(salt), String::from_utf8(content.to_vec()).ok()?))
}

/// The bytes of a part given as [`split_part`] gives it; `None` if the salt is not 32 bytes of
/// hex.
#[must_use]
pub fn join_part(salt: &str, content: &str) -> Option<Vec<u8>> {
    let mut part = hex::decode(salt).ok().filter(|s| s.len() == SALT_LEN)?;
    part.extend_from_slice(content.as_bytes());
    Some(part)
}

/// Decodes an envelope's bytes, refusing bytes that are not canonical or of another version.
pub fn decode(bytes: &[u8]) -> Result<Envelope, ChainError> {
    let malformed = |reason: String| ChainError::Malformed { seq: None, reason };
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    // One parse, one encoding: the bytes must be exactly the canonical encoding of the envelope
    // they hold (stricter than canonical JSON of any value: nothing the envelope drops survives).
    if canonical::to_vec(&envelope).map_err(|e| malformed(e.to_string()))? != bytes {
        return Err(malformed("the bytes are not the canonical encoding (RFC 8785) of their envelope".into()));
    }
    if !(OLDEST_VERSION..=RECORD_VERSION).contains(&envelope.v) {
        return Err(malformed(format!("format v{} is not v{OLDEST_VERSION} to v{RECORD_VERSION}", envelope.v)));
    }
    if envelope.v < 3 && envelope.body.is_some() {
        return Err(malformed(format!("a v{} envelope names no body", envelope.v)));
    }
    Ok(envelope)
}

/// Opens an entry's sealed part: checks it against the envelope's commitment, decodes its
/// content and checks that the content is what the envelope says it is (type and role).
pub fn open(envelope: &Envelope, part: &[u8]) -> Result<LogRecord, ChainError> {
    let seq = envelope.seq;
    if commitment(part).to_hex() != envelope.commitment {
        return Err(ChainError::Commitment { seq });
    }
    let malformed = |reason: String| ChainError::Malformed { seq: Some(seq), reason };
    let content = part.get(SALT_LEN..).ok_or_else(|| malformed("the sealed part is shorter than its salt".into()))?;
    let sealed: Sealed = serde_json::from_slice(content).map_err(|e| malformed(format!("sealed part: {e}")))?;
    if canonical::to_vec(&sealed).map_err(|e| malformed(e.to_string()))? != content {
        return Err(malformed("the sealed part is not the canonical encoding (RFC 8785) of its content".into()));
    }
    if sealed.event.name() != envelope.kind || role(sealed.actor) != envelope.role {
        return Err(ChainError::Mislabelled {
            seq,
            reason: format!(
                "the envelope says {} by the {}, the sealed part {} by the {}",
                envelope.kind,
                envelope.role,
                sealed.event.name(),
                role(sealed.actor)
            ),
        });
    }
    Ok(LogRecord {
        seq,
        prev: envelope.prev.clone(),
        at: envelope.at,
        marking: envelope.marking,
        body: envelope.body.clone(),
        actor: sealed.actor,
        account: sealed.account,
        event: sealed.event,
    })
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
    #[error("entry {seq}: its sealed part does not match the envelope's commitment")]
    Commitment { seq: u64 },
    #[error("entry {seq}: {reason}")]
    Mislabelled { seq: u64, reason: String },
    #[error("entry {seq}: its sealed part is withheld from this reader, so it cannot be replayed")]
    Withheld { seq: u64 },
}

/// Checks that `entries` continue a log whose last leaf hash is `prev` (the [`genesis`] hash for
/// a log checked from the start), and returns their envelopes and the new last hash. Sealed
/// parts are not looked at: see [`open`].
pub fn check_chain(prev: Hash, entries: &[StoredEntry]) -> Result<(Vec<Envelope>, Hash), ChainError> {
    let mut prev = prev;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if leaf_hash(&e.bytes) != e.leaf_hash {
            return Err(ChainError::HashMismatch { seq: e.seq });
        }
        let envelope = decode(&e.bytes).map_err(|err| match err {
            ChainError::Malformed { reason, .. } => ChainError::Malformed { seq: Some(e.seq), reason },
            other => other,
        })?;
        if envelope.seq != e.seq {
            return Err(ChainError::OutOfSequence { seq: e.seq, claimed: envelope.seq });
        }
        if envelope.prev != prev.to_hex() {
            return Err(ChainError::BrokenChain { seq: e.seq });
        }
        prev = e.leaf_hash;
        out.push(envelope);
    }
    Ok((out, prev))
}

/// Checks that `entries` continue a log ending at `prev` and opens every sealed part; a part
/// missing is [`ChainError::Withheld`].
pub fn check_and_open(prev: Hash, entries: &[StoredEntry]) -> Result<(Vec<LogRecord>, Hash), ChainError> {
    let (envelopes, last) = check_chain(prev, entries)?;
    let records = envelopes
        .iter()
        .zip(entries)
        .map(|(env, e)| open(env, e.part.as_deref().ok_or(ChainError::Withheld { seq: e.seq })?))
        .collect::<Result<_, _>>()?;
    Ok((records, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CountryCode, Partner};

    fn record(seq: u64, prev: Hash) -> LogRecord {
        LogRecord {
            seq,
            prev: prev.to_hex(),
            at: "2024-02-27T09:00:00Z".parse().unwrap(),
            marking: Marking::Public,
            body: None,
            actor: Actor::Secretariat,
            account: Some("registrar".into()),
            event: Event::PartnerRegistered {
                partner: Partner { code: CountryCode::parse("UKR").unwrap(), name: format!("Ukraine {seq}") },
            },
        }
    }

    fn salt(seq: u64) -> [u8; SALT_LEN] {
        [u8::try_from(seq % 251).unwrap(); SALT_LEN]
    }

    fn chain(n: u64) -> Vec<StoredEntry> {
        let mut prev = genesis();
        (0..n)
            .map(|seq| {
                let e = encode(&record(seq, prev), salt(seq)).unwrap();
                prev = e.leaf_hash;
                StoredEntry { seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) }
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_checks_and_opens() {
        let entries = chain(3);
        let (records, last) = check_and_open(genesis(), &entries).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(last, entries[2].leaf_hash);
        assert_eq!(records[1], record(1, entries[0].leaf_hash));
    }

    #[test]
    fn the_envelope_is_canonical_json_and_names_no_content() {
        let e = encode(&record(0, genesis()), salt(0)).unwrap();
        let s = String::from_utf8(e.bytes).unwrap();
        assert!(s.starts_with(r#"{"at":"2024-02-27T09:00:00Z","commitment":""#), "{s}");
        assert!(s.ends_with(r#","role":"secretariat","seq":0,"type":"partner_registered","v":3}"#), "{s}");
        assert!(!s.contains("Ukraine") && !s.contains("UKR"), "{s}");
        assert!(String::from_utf8_lossy(&e.part).contains("Ukraine 0"));
        // The account that acted is sealed: the public envelope names only the role.
        assert!(!s.contains("registrar") && !s.contains("account"), "{s}");
        assert!(String::from_utf8_lossy(&e.part[SALT_LEN..]).contains(r#""account":"registrar""#));
    }

    #[test]
    fn the_same_content_sealed_twice_gives_different_commitments() {
        let r = record(0, genesis());
        let (a, b) = (encode(&r, [1; SALT_LEN]).unwrap(), encode(&r, [2; SALT_LEN]).unwrap());
        assert_ne!(a.bytes, b.bytes);
        assert_ne!(commitment(&a.part), commitment(&b.part));
        assert_eq!(a.part[SALT_LEN..], b.part[SALT_LEN..], "the content is the same");
    }

    #[test]
    fn a_changed_salt_or_content_is_caught_against_the_commitment() {
        let entries = chain(2);
        let (envelopes, _) = check_chain(genesis(), &entries).unwrap();
        let part = entries[1].part.clone().unwrap();
        for i in [0, SALT_LEN + 5, part.len() - 2] {
            let mut changed = part.clone();
            changed[i] ^= 0x01;
            assert_eq!(open(&envelopes[1], &changed), Err(ChainError::Commitment { seq: 1 }), "byte {i}");
        }
        // The envelope's commitment changed: the part no longer matches it, and the leaf hash
        // no longer matches the envelope.
        let mut tampered = envelopes[1].clone();
        tampered.commitment = commitment(b"something else").to_hex();
        assert_eq!(open(&tampered, &part), Err(ChainError::Commitment { seq: 1 }));
        let mut entries = entries;
        entries[1].bytes = canonical::to_vec(&tampered).unwrap();
        assert_eq!(check_chain(genesis(), &entries).unwrap_err(), ChainError::HashMismatch { seq: 1 });
    }

    #[test]
    fn a_part_that_is_not_what_its_envelope_says_is_refused() {
        let r = record(0, genesis());
        let e = encode(&r, salt(0)).unwrap();
        let mut env = decode(&e.bytes).unwrap();
        env.kind = "member_admitted".into();
        assert!(matches!(open(&env, &e.part), Err(ChainError::Mislabelled { seq: 0, .. })));
        let mut env = decode(&e.bytes).unwrap();
        env.role = "member".into();
        assert!(matches!(open(&env, &e.part), Err(ChainError::Mislabelled { seq: 0, .. })));
    }

    #[test]
    fn a_withheld_part_stops_opening_but_not_the_chain() {
        let mut entries = chain(3);
        entries[1].part = None;
        assert!(check_chain(genesis(), &entries).is_ok());
        assert_eq!(check_and_open(genesis(), &entries).unwrap_err(), ChainError::Withheld { seq: 1 });
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
    fn a_re_serialised_or_old_format_envelope_is_refused() {
        let e = encode(&record(0, genesis()), salt(0)).unwrap();
        assert!(decode(&e.bytes).is_ok());
        let v: serde_json::Value = serde_json::from_slice(&e.bytes).unwrap();
        assert!(decode(&serde_json::to_vec_pretty(&v).unwrap()).is_err(), "whitespace");
        let extra = String::from_utf8(e.bytes.clone()).unwrap().replacen(r#""v":3"#, r#""v":3,"x":0"#, 1);
        assert!(decode(extra.as_bytes()).is_err(), "an unknown field");
        let v1 = String::from_utf8(e.bytes.clone()).unwrap().replacen(r#""v":3"#, r#""v":1"#, 1);
        assert!(decode(v1.as_bytes()).is_err(), "format v1");
        // v2, written before envelopes named a body, is still read; a v2 envelope naming one is not.
        let v2 = String::from_utf8(e.bytes.clone()).unwrap().replacen(r#""v":3"#, r#""v":2"#, 1);
        assert_eq!(decode(v2.as_bytes()).unwrap().v, 2);
        let named = String::from_utf8(e.bytes).unwrap().replacen(r#""commitment""#, r#""body":"npg","commitment""#, 1);
        assert!(decode(named.as_bytes()).is_ok(), "{named}");
        assert!(decode(named.replacen(r#""v":3"#, r#""v":2"#, 1).as_bytes()).is_err(), "v2 names no body");
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
