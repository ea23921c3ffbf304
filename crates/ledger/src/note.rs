//! Signed notes, c2sp.org/signed-note@v1.0.0: a text, a blank line, and signature lines.
//!
//! A note is a text ending in a newline, signed by one or more keys; this module reads and
//! writes the format of Go's `golang.org/x/mod/sumdb/note` (the keys are in [`crate::keys`]).
//! Here is the note of that package's documentation, signed by `PeterNeumann`:
//!
//! ```text
//! If you think cryptography is the answer to your problem,
//! then you don't know what your problem is.
//!
//! — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=
//! ```
//!
//! Each signature line is an em dash (U+2014), a space, the key name, a space, and the base64 of
//! the 4-byte key id followed by the signature (§Format, §Signatures). The signature covers the
//! text including its final newline, and nothing else.
//!
//! # Signing
//!
//! Ed25519 is deterministic (RFC 8032 §5.1.6), so signing the same text with the same key
//! gives the same bytes, everywhere:
//!
//! ```
//! use concord_ledger::keys::Signer;
//! use concord_ledger::note;
//!
//! let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
//! let signer = Signer::parse(skey)?;
//! let text = "If you think cryptography is the answer to your problem,\n\
//!             then you don't know what your problem is.\n";
//! let signed = note::sign(text, &[&signer])?;
//! assert!(signed.ends_with(
//!     "\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
//! ));
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! # Verifying
//!
//! [`open`] takes the note's bytes and the verifier keys that the reader trusts. It returns the
//! text only if at least one trusted key signed it; a signature by a trusted key that does not
//! verify fails the whole note (§Signatures: "clients SHOULD reject the whole note"), and
//! signatures by other keys are kept, unverified, for the caller to pass on:
//!
//! ```
//! use concord_ledger::keys::Verifier;
//! use concord_ledger::note;
//!
//! let msg = "If you think cryptography is the answer to your problem,\n\
//!            then you don't know what your problem is.\n\
//!            \n\
//!            — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n\
//!            — EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
//! let peter = Verifier::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")?;
//! let opened = note::open(msg.as_bytes(), &[peter])?;
//! assert!(opened.text().starts_with("If you think"));
//! assert_eq!(opened.verified()[0].signature().name().as_str(), "PeterNeumann");
//! assert_eq!(opened.unverified()[0].name().as_str(), "EnochRoot");
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! # Strictness
//!
//! [`Note::parse`] refuses, as Go's `note.Open` does: invalid UTF-8; ASCII control characters
//! other than newline; a note without a blank line before its signatures or whose last line does
//! not end in a newline; a signature line not opening with `— `; an invalid key name (so a name
//! with a space); non-base64 signatures or ones shorter than 5 bytes; more than
//! [`MAX_SIGNATURES`] lines. Beyond Go, base64 must be canonical (RFC 4648 §3.5, so one
//! signature has one spelling), a note over [`MAX_NOTE_BYTES`] is refused before parsing, and
//! every line from a trusted key is verified (Go verifies only the first from each key and
//! skips the rest).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::Error;
use crate::keys::{Algorithm, KeyId, KeyName, Signer, Verifier};

/// The largest note [`open`] reads, in bytes. The spec asks verifiers to accept at least 16
/// signatures of up to ~5 kB (§Format); this leaves room for a long text too.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// The most signature lines [`Note::parse`] reads (Go's `note.Open` limit).
pub const MAX_SIGNATURES: usize = 100;

/// The opening of a signature line: U+2014 EM DASH, then a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// One signature line: key name, key id, and signature bytes (after the id).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    name: KeyName,
    id: KeyId,
    bytes: Vec<u8>,
}

impl Signature {
    /// A signature by key `name`/`id`; `bytes` must not be empty.
    pub fn new(name: KeyName, id: KeyId, bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.is_empty() {
            return Err(Error::MalformedNote(format!("empty signature by {name}+{id}")));
        }
        Ok(Self { name, id, bytes })
    }

    /// Parses one line `— <name> <base64(key id || signature)>`, without its newline.
    pub fn parse_line(line: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::MalformedNote(format!("signature line {line:?}: {reason}"));
        let rest =
            line.strip_prefix(SIGNATURE_PREFIX).ok_or_else(|| bad("does not open with an em dash and a space"))?;
        // The name ends at the first space; a name with a space leaves a space in the base64.
        let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("no space after the key name"))?;
        let name = KeyName::new(name).map_err(|_| bad("invalid key name"))?;
        let raw = BASE64.decode(b64).map_err(|_| bad("signature is not canonical base64"))?;
        if raw.len() < 5 {
            return Err(bad("signature shorter than a key id and one byte"));
        }
        let id = KeyId::from_u32(u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]));
        Ok(Self { name, id, bytes: raw[4..].to_vec() })
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The signature, without the key id.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The line, with its newline.
    #[must_use]
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.bytes.len());
        raw.extend_from_slice(&self.id.to_bytes());
        raw.extend_from_slice(&self.bytes);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }

    fn matches(&self, v: &Verifier) -> bool {
        self.name == *v.name() && self.id == v.key_id()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}+{}, {} bytes)", self.name, self.id, self.bytes.len())
    }
}

/// A parsed, **unverified** note: its text must be ignored until [`open`] has verified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<Signature>,
}

impl Note {
    /// Splits a note into text and signatures without verifying anything (§Format).
    pub fn parse(note: &[u8]) -> Result<Self, Error> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(Error::NoteTooLarge { size: note.len(), limit: MAX_NOTE_BYTES });
        }
        let malformed = |s: &str| Error::MalformedNote(s.to_owned());
        let note = std::str::from_utf8(note)
            .map_err(|e| Error::MalformedNote(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
        if let Some(i) = note.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(Error::MalformedNote(format!("control character {:#04x} at byte {i}", note.as_bytes()[i])));
        }
        // The text is separated from the signatures by the last empty line.
        let split = note.rfind("\n\n").ok_or_else(|| malformed("no blank line before the signatures"))?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        if sigs.is_empty() {
            return Err(malformed("no signature lines"));
        }
        let Some(sigs) = sigs.strip_suffix('\n') else {
            return Err(malformed("the last signature line does not end in a newline"));
        };
        let mut signatures = Vec::new();
        for line in sigs.split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(Error::MalformedNote(format!("more than {MAX_SIGNATURES} signatures")));
            }
            signatures.push(Signature::parse_line(line)?);
        }
        Ok(Self { text: text.to_owned(), signatures })
    }
}

impl fmt::Display for Note {
    /// The note's bytes: text, blank line, signature lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        self.signatures.iter().try_for_each(|s| f.write_str(&s.to_line()))
    }
}

/// A signature that [`open`] verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    signature: Signature,
    algorithm: Algorithm,
    timestamp: Option<u64>,
}

impl VerifiedSignature {
    /// The signature line.
    #[must_use]
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Its type: a plain note signature or a witness cosignature.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// For a cosignature, the time it states (POSIX seconds).
    #[must_use]
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
}

/// A note with at least one signature by a trusted key, all of which verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<VerifiedSignature>,
    unverified: Vec<Signature>,
}

impl VerifiedNote {
    /// The text, ending in a newline.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures by trusted keys, each once, in note order.
    #[must_use]
    pub fn verified(&self) -> &[VerifiedSignature] {
        &self.verified
    }

    /// The signatures by other keys, each once, in note order: not checked.
    #[must_use]
    pub fn unverified(&self) -> &[Signature] {
        &self.unverified
    }

    /// Whether `key` signed (or cosigned) the note.
    #[must_use]
    pub fn is_signed_by(&self, key: &Verifier) -> bool {
        self.verified.iter().any(|v| v.signature.matches(key) && v.algorithm == key.algorithm())
    }
}

/// Signs `text` (which must end in a newline) with each signer, in order, and returns the note.
///
/// Refuses a text that [`open`] would not read back: one without a final newline, with control
/// characters other than newline, or too long; and an empty list of signers.
pub fn sign(text: &str, signers: &[&Signer]) -> Result<String, Error> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(Error::MalformedNote("no signers".into()));
    }
    let mut note = Note { text: text.to_owned(), signatures: Vec::with_capacity(signers.len()) };
    for s in signers {
        let sig = s.sign_raw(text.as_bytes()).to_vec();
        note.signatures.push(Signature { name: s.name().clone(), id: s.key_id(), bytes: sig });
    }
    let out = note.to_string();
    if out.len() > MAX_NOTE_BYTES {
        return Err(Error::NoteTooLarge { size: out.len(), limit: MAX_NOTE_BYTES });
    }
    Ok(out)
}

/// Checks that `text` can be the text of a note.
pub(crate) fn check_text(text: &str) -> Result<(), Error> {
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote(format!("text does not end in a newline: {:?}", tail(text))));
    }
    if let Some(i) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(Error::MalformedNote(format!("control character {:#04x} at byte {i}", text.as_bytes()[i])));
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err(Error::NoteTooLarge { size: text.len(), limit: MAX_NOTE_BYTES });
    }
    Ok(())
}

fn tail(text: &str) -> &str {
    let mut i = text.len().saturating_sub(40);
    while !text.is_char_boundary(i) {
        i += 1;
    }
    &text[i..]
}

/// Parses `note` and verifies it against the trusted `verifiers` (§Signatures).
///
/// A signature whose key name *and* id match a verifier must verify, or the note is refused
/// with [`Error::InvalidSignature`]; other signatures are returned unverified; if no signature
/// is by a trusted key, the note is refused with [`Error::UnverifiedNote`].
pub fn open(note: &[u8], verifiers: &[Verifier]) -> Result<VerifiedNote, Error> {
    let Note { text, signatures } = Note::parse(note)?;
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    let mut unverified: Vec<Signature> = Vec::new();
    for sig in signatures {
        let mut known = verifiers.iter().filter(|v| sig.matches(v));
        let Some(v) = known.next() else {
            if !unverified.contains(&sig) {
                unverified.push(sig);
            }
            continue;
        };
        // Two different trusted keys with one name and id: refuse rather than pick one.
        if known.any(|other| other != v) {
            return Err(Error::AmbiguousKey { name: sig.name.to_string(), id: sig.id });
        }
        let timestamp = v.verify(&text, &sig.bytes)?;
        if !verified.iter().any(|x| x.signature == sig) {
            verified.push(VerifiedSignature { signature: sig, algorithm: v.algorithm(), timestamp });
        }
    }
    if verified.is_empty() {
        return Err(Error::UnverifiedNote { unknown: unverified.len() });
    }
    Ok(VerifiedNote { text, verified, unverified })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    fn signer() -> Signer {
        Signer::parse(SKEY).unwrap()
    }

    #[test]
    fn sign_then_open() {
        let s = signer();
        let n = sign("hello\n", &[&s]).unwrap();
        let v = open(n.as_bytes(), &[s.verifier()]).unwrap();
        assert_eq!(v.text(), "hello\n");
        assert!(v.is_signed_by(&s.verifier()));
        assert!(!v.is_signed_by(&s.cosigner_verifier()));
        assert_eq!(Note::parse(n.as_bytes()).unwrap().to_string(), n);
    }

    #[test]
    fn text_may_hold_blank_lines() {
        let s = signer();
        let text = "a\n\nb\n\n";
        let n = sign(text, &[&s]).unwrap();
        assert_eq!(open(n.as_bytes(), &[s.verifier()]).unwrap().text(), text);
    }

    #[test]
    fn sign_refuses_what_open_would() {
        let s = signer();
        assert!(sign("no newline", &[&s]).is_err());
        assert!(sign("tab\there\n", &[&s]).is_err());
        assert!(sign("cr\r\n", &[&s]).is_err());
        assert!(sign("ok\n", &[]).is_err());
    }

    #[test]
    fn duplicates_are_kept_once() {
        let s = signer();
        let n = sign("x\n", &[&s, &s]).unwrap();
        let v = open(n.as_bytes(), &[s.verifier()]).unwrap();
        assert_eq!(v.verified().len(), 1);
    }

    #[test]
    fn ambiguous_verifiers_are_refused() {
        let s = signer();
        let n = sign("x\n", &[&s]).unwrap();
        // Same name, same id, different key: only possible by construction here.
        let mut other =
            Verifier::new("other", Algorithm::Ed25519, &Signer::from_seed("o", [7; 32]).unwrap().public_key()).unwrap();
        other = forge_name_and_id(other, &s.verifier());
        assert!(matches!(open(n.as_bytes(), &[s.verifier(), other]), Err(Error::AmbiguousKey { .. })));
        // The same verifier twice is fine.
        assert!(open(n.as_bytes(), &[s.verifier(), s.verifier()]).is_ok());
    }

    fn forge_name_and_id(v: Verifier, like: &Verifier) -> Verifier {
        crate::keys::tests_support::with_name_and_id(v, like.name().clone(), like.key_id())
    }
}
