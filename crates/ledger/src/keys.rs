//! Ed25519 keys in the text encodings of signed notes (c2sp.org/signed-note@v1.0.0).
//!
//! A key has a **name** (chosen by its holder, e.g. `concord.example/log/member/FRA`) and a
//! 32-bit **key id** derived from the name, a one-byte signature type and the public key
//! (c2sp.org/signed-note §Signatures):
//!
//! ```text
//! key id = SHA-256(key name || 0x0A || signature type || 32-byte public key)[:4], big-endian
//! ```
//!
//! The same Ed25519 key pair serves two signature types here, told apart by that byte:
//! [`Algorithm::Ed25519`] (`0x01`, plain note signatures, signed-note §Ed25519 signatures) and
//! [`Algorithm::CosignatureV1`] (`0x04`, a witness's timestamped cosignature of a checkpoint,
//! c2sp.org/tlog-cosignature). A signer always holds the seed; its two verifiers differ only in
//! the type byte, hence in key id.
//!
//! # Verifier keys
//!
//! A verifier key ("vkey") is the string a key holder publishes:
//! `<name>+<key id as 8 lower-case hex digits>+<base64(type byte || public key)>`. Here is the key
//! of Go's `golang.org/x/mod/sumdb/note` documentation:
//!
//! ```
//! use concord_ledger::keys::{Algorithm, Verifier};
//!
//! let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
//! let verifier = Verifier::parse(vkey)?;
//! assert_eq!(verifier.name().as_str(), "PeterNeumann");
//! assert_eq!(verifier.key_id().to_string(), "c74f20a3");
//! assert_eq!(verifier.algorithm(), Algorithm::Ed25519);
//! assert_eq!(verifier.to_string(), vkey);
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! Parsing is strict, so that one key has exactly one spelling: the key id must be the one the
//! name and key imply, in lower-case hex; the base64 must be canonical (RFC 4648 §3.5) and hold a
//! known type byte followed by exactly 32 bytes; and the key must pass [`check_enrollable`].
//!
//! # Signer keys
//!
//! The private encoding is Go's: `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>`.
//! A signer is made from a seed that the caller supplies (this crate has no randomness):
//!
//! ```
//! use concord_ledger::keys::Signer;
//!
//! let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
//! let signer = Signer::parse(skey)?;
//! assert_eq!(signer.verifier().to_string(), "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
//! assert_eq!(signer.private_key_string(), skey);
//!
//! let member = Signer::from_seed("concord.example/log/member/FRA", [1; 32])?;
//! assert_eq!(member.verifier().to_string(), "concord.example/log/member/FRA+ae432a1e+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c");
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! A [`Signer`] deliberately implements neither `Display` nor a revealing `Debug`: the private
//! string comes only from an explicit call to [`Signer::private_key_string`], and the seed is
//! wiped when the signer is dropped (ed25519-dalek's `zeroize`).
//!
//! # Verification and enrolment
//!
//! Every signature is checked with ed25519-dalek's `verify_strict`, one at a time (never in a
//! batch): it rejects non-canonical `S` and `R`, and small-order `R` and `A`, so that a signature
//! is valid for everyone or no one — the property a consensus record needs (see the CCTV
//! vectors in `tests/ed25519_vectors.rs`). [`check_enrollable`] goes one step further for the
//! keys of members: it also refuses points with a torsion component, which `verify_strict`
//! accepts but no honest key generator produces.
//!
//! **Invariant:** pure: seeds come from the caller; no IO, clock or randomness.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Error;

/// A key name (c2sp.org/signed-note §Format): non-empty UTF-8 without Unicode spaces or `+`.
///
/// We also refuse control characters, which a signed note may not contain anyway.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyName(String);

impl KeyName {
    /// Checks `name` against the rules of c2sp.org/signed-note §Format.
    pub fn new(name: &str) -> Result<Self, Error> {
        if is_valid_name(name) { Ok(Self(name.to_owned())) } else { Err(Error::KeyName(name.to_owned())) }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rule for key names (and, in [`crate::checkpoint`], for the origins that we emit).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c == '+' || c.is_whitespace() || c.is_control())
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyName({:?})", self.0)
    }
}

/// A 32-bit key id; it identifies a key, it does not authenticate one (c2sp.org/signed-note
/// §Signatures). Displayed as 8 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(u32);

impl KeyId {
    /// Wraps a raw id.
    #[must_use]
    pub const fn from_u32(id: u32) -> Self {
        Self(id)
    }

    /// The raw id.
    #[must_use]
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The 4 bytes, big-endian, as they open a signature.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// `SHA-256(name || 0x0A || type || public key)[:4]` (c2sp.org/signed-note §Signatures).
    #[must_use]
    pub fn compute(name: &KeyName, algorithm: Algorithm, public_key: &[u8; 32]) -> Self {
        let mut h = Sha256::new();
        h.update(name.as_str().as_bytes());
        h.update([b'\n', algorithm.byte()]);
        h.update(public_key);
        let d = h.finalize();
        Self(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:08x})", self.0)
    }
}

/// The signature types we implement (c2sp.org/signed-note §Signature types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `0x01`: Ed25519 over the note text (c2sp.org/signed-note §Ed25519 signatures).
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature@v1.0.1).
    CosignatureV1,
}

impl Algorithm {
    /// The signature type byte.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Self::Ed25519 => 0x01,
            Self::CosignatureV1 => 0x04,
        }
    }

    /// The type with this byte, if we implement it.
    #[must_use]
    pub const fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(Self::Ed25519),
            0x04 => Some(Self::CosignatureV1),
            _ => None,
        }
    }

    /// Length of a signature of this type, without the 4-byte key id.
    #[must_use]
    pub const fn signature_len(self) -> usize {
        match self {
            Self::Ed25519 => 64,
            Self::CosignatureV1 => 8 + 64,
        }
    }
}

/// An Ed25519 private key with its name: signs notes (type `0x01`) and cosigns checkpoints
/// (type `0x04`, see [`crate::cosignature`]).
#[derive(Clone)]
pub struct Signer {
    name: KeyName,
    id: KeyId,
    key: SigningKey,
}

impl Signer {
    /// The signer with this name and 32-byte Ed25519 seed (RFC 8032 §5.1.5 private key).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, Error> {
        let name = KeyName::new(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = KeyId::compute(&name, Algorithm::Ed25519, key.verifying_key().as_bytes());
        Ok(Self { name, id, key })
    }

    /// Parses `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>` (Go's `note.NewSigner`),
    /// strictly. Errors never carry the key material.
    pub fn parse(private_key: &str) -> Result<Self, Error> {
        let bad = |name: &str, reason| Error::SignerKey { name: name.to_owned(), reason };
        let rest = private_key.strip_prefix("PRIVATE+KEY+").ok_or_else(|| bad("", "no PRIVATE+KEY+ prefix"))?;
        let (name, rest) = rest.split_once('+').ok_or_else(|| bad("", "no key id"))?;
        if !is_valid_name(name) {
            return Err(bad(name, "invalid key name"));
        }
        let (id, key) = rest.split_once('+').ok_or_else(|| bad(name, "no key"))?;
        let id = parse_key_id(id).ok_or_else(|| bad(name, "key id is not 8 lower-case hex digits"))?;
        let key = BASE64.decode(key).map_err(|_| bad(name, "key is not canonical base64"))?;
        let (&alg, seed) = key.split_first().ok_or_else(|| bad(name, "empty key"))?;
        if alg != Algorithm::Ed25519.byte() {
            return Err(bad(name, "not an Ed25519 (0x01) key"));
        }
        let seed = <[u8; 32]>::try_from(seed).map_err(|_| bad(name, "seed is not 32 bytes"))?;
        let signer = Self::from_seed(name, seed)?;
        if signer.id != id {
            return Err(bad(name, "key id does not match the key"));
        }
        Ok(signer)
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id of its note signatures (type `0x01`).
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The verifier of its note signatures (type `0x01`).
    #[must_use]
    pub fn verifier(&self) -> Verifier {
        self.verifier_for(Algorithm::Ed25519)
    }

    /// The verifier of its checkpoint cosignatures (type `0x04`).
    #[must_use]
    pub fn cosigner_verifier(&self) -> Verifier {
        self.verifier_for(Algorithm::CosignatureV1)
    }

    fn verifier_for(&self, algorithm: Algorithm) -> Verifier {
        let key = self.key.verifying_key();
        let id = KeyId::compute(&self.name, algorithm, key.as_bytes());
        Verifier { name: self.name.clone(), id, algorithm, key }
    }

    /// The private key string `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`. A secret:
    /// this is the only way to get it, on purpose.
    #[must_use]
    pub fn private_key_string(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(Algorithm::Ed25519.byte());
        key.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, self.id, BASE64.encode(&key))
    }

    /// The RFC 8032 Ed25519 signature of `message` (deterministic).
    #[must_use]
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Signer {
    // Never the seed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("name", &self.name).field("id", &self.id).finish_non_exhaustive()
    }
}

/// A public key with its name and signature type: verifies note signatures (type `0x01`) or
/// checkpoint cosignatures (type `0x04`).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: KeyName,
    id: KeyId,
    algorithm: Algorithm,
    key: VerifyingKey,
}

impl Verifier {
    /// The verifier for `public_key` under `name`; the key must pass [`check_enrollable`].
    pub fn new(name: &str, algorithm: Algorithm, public_key: &[u8; 32]) -> Result<Self, Error> {
        let name = KeyName::new(name)?;
        check_enrollable(public_key)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| weak(public_key, "not a point on the curve"))?;
        let id = KeyId::compute(&name, algorithm, public_key);
        Ok(Self { name, id, algorithm, key })
    }

    /// Parses a verifier key `<name>+<key id>+<base64(type || public key)>`, strictly: the id
    /// must be the one computed, in lower-case hex; the base64 canonical; the type `0x01` or
    /// `0x04`; the key 32 bytes and enrollable. No substring or other spelling of a valid key
    /// parses.
    pub fn parse(vkey: &str) -> Result<Self, Error> {
        let bad = |reason| Error::VerifierKey { key: vkey.to_owned(), reason };
        let (name, rest) = vkey.split_once('+').ok_or_else(|| bad("no key id"))?;
        if !is_valid_name(name) {
            return Err(bad("invalid key name"));
        }
        let (id, key) = rest.split_once('+').ok_or_else(|| bad("no key"))?;
        let id = parse_key_id(id).ok_or_else(|| bad("key id is not 8 lower-case hex digits"))?;
        let key = BASE64.decode(key).map_err(|_| bad("key is not canonical base64"))?;
        let (&alg, key) = key.split_first().ok_or_else(|| bad("empty key"))?;
        let algorithm = Algorithm::from_byte(alg).ok_or_else(|| bad("unknown signature type"))?;
        let key = <[u8; 32]>::try_from(key).map_err(|_| bad("public key is not 32 bytes"))?;
        let verifier = Self::new(name, algorithm, &key)?;
        if verifier.id != id {
            return Err(bad("key id does not match the key"));
        }
        Ok(verifier)
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

    /// The signature type.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The 32-byte public key.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Verifies `signature` (without its key id) over the note `text`: for type `0x01`, an
    /// Ed25519 signature of `text`; for type `0x04`, a timestamped cosignature (see
    /// [`crate::cosignature`]). Returns the cosignature's timestamp, if any.
    pub fn verify(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, Error> {
        let invalid = || Error::InvalidSignature { name: self.name.to_string(), id: self.id };
        match self.algorithm {
            Algorithm::Ed25519 => {
                let sig = <[u8; 64]>::try_from(signature).map_err(|_| invalid())?;
                verify_strict(&self.key, text.as_bytes(), &sig).then_some(None).ok_or_else(invalid)
            }
            Algorithm::CosignatureV1 => {
                crate::cosignature::verify_raw(&self.key, text, signature).map(Some).ok_or_else(invalid)
            }
        }
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = Vec::with_capacity(33);
        key.push(self.algorithm.byte());
        key.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{}+{}", self.name, self.id, BASE64.encode(&key))
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({self})")
    }
}

/// The one place where this crate checks an Ed25519 signature: `verify_strict`, alone.
pub(crate) fn verify_strict(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok()
}

/// Checks that `public_key` may be enrolled as a member's (or a log's, or a witness's) key:
/// it must be the canonical encoding (RFC 8032 §5.1.3) of a point of the prime-order subgroup,
/// so neither of small order (a "weak" key, for which signatures of many messages verify) nor
/// with a small-order component (which no honest key generator produces).
pub fn check_enrollable(public_key: &[u8; 32]) -> Result<(), Error> {
    let point =
        CompressedEdwardsY(*public_key).decompress().ok_or_else(|| weak(public_key, "not a point on the curve"))?;
    // curve25519-dalek reduces y modulo p and ignores the sign of x = 0; re-encoding shows both.
    if point.compress().as_bytes() != public_key {
        return Err(weak(public_key, "non-canonical encoding"));
    }
    if point.is_small_order() {
        return Err(weak(public_key, "small-order point"));
    }
    if !point.is_torsion_free() {
        return Err(weak(public_key, "point with a small-order component"));
    }
    Ok(())
}

fn weak(public_key: &[u8; 32], reason: &'static str) -> Error {
    Error::WeakKey { key: hex::encode(public_key), reason }
}

/// Exactly 8 lower-case hex digits, so that a key id has one spelling.
fn parse_key_id(s: &str) -> Option<KeyId> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 16).ok().map(KeyId)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A verifier that claims another key's name and id (a collision, for tests).
    pub(crate) fn with_name_and_id(v: Verifier, name: KeyName, id: KeyId) -> Verifier {
        Verifier { name, id, ..v }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn go_keys_round_trip() {
        let s = Signer::parse(SKEY).unwrap();
        assert_eq!(s.private_key_string(), SKEY);
        assert_eq!(s.verifier().to_string(), VKEY);
        assert_eq!(Verifier::parse(VKEY).unwrap(), s.verifier());
        assert_eq!(s.key_id(), KeyId::from_u32(0xc74f_20a3));
    }

    #[test]
    fn key_names_follow_the_spec() {
        for ok in ["a", "example.com/foo", "PeterNeumann", "ünïcödé"] {
            assert!(KeyName::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a+b", "a b", "a\tb", "a\u{a0}b", "a\u{2003}b", "a\u{3000}b", "a\u{1}b", "a\nb"] {
            assert!(KeyName::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_seed() {
        let s = Signer::parse(SKEY).unwrap();
        let d = format!("{s:?}");
        assert!(d.contains("PeterNeumann") && !d.contains("AYEK"), "{d}");
    }

    #[test]
    fn signer_parse_is_strict() {
        for bad in [
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
            "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumanN+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3",
            "PRIVATE+KEY+",
            "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            VKEY,
        ] {
            let e = Signer::parse(bad).unwrap_err();
            assert!(!e.to_string().contains("AYEK"), "error leaks the key: {e}");
        }
    }

    #[test]
    fn cosigner_keys_use_type_4() {
        let s = Signer::parse(SKEY).unwrap();
        let v = s.cosigner_verifier();
        assert_eq!(v.algorithm(), Algorithm::CosignatureV1);
        assert_ne!(v.key_id(), s.key_id());
        assert!(v.to_string().starts_with("PeterNeumann+"));
        assert_eq!(Verifier::parse(&v.to_string()).unwrap(), v);
        assert_eq!(KeyId::compute(s.name(), Algorithm::CosignatureV1, &s.public_key()), v.key_id());
    }

    #[test]
    fn enrolment_refuses_weak_keys() {
        let h = |s: &str| <[u8; 32]>::try_from(hex::decode(s).unwrap()).unwrap();
        // The identity, and a non-canonical spelling of it (y = p + 1).
        let identity = h("0100000000000000000000000000000000000000000000000000000000000000");
        assert!(matches!(check_enrollable(&identity), Err(Error::WeakKey { reason: "small-order point", .. })));
        let y_over_p = h("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assert!(matches!(check_enrollable(&y_over_p), Err(Error::WeakKey { reason: "non-canonical encoding", .. })));
        // A prime-order key plus a point of order 8.
        let good = Signer::parse(SKEY).unwrap().public_key();
        assert!(check_enrollable(&good).is_ok());
        let order8 = CompressedEdwardsY(h("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))
            .decompress()
            .unwrap();
        let mixed = (CompressedEdwardsY(good).decompress().unwrap() + order8).compress().to_bytes();
        assert!(matches!(
            check_enrollable(&mixed),
            Err(Error::WeakKey { reason: "point with a small-order component", .. })
        ));
        assert!(Verifier::new("x", Algorithm::Ed25519, &mixed).is_err());
    }
}
