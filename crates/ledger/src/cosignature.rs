//! Witness cosignatures, c2sp.org/tlog-cosignature@v1.0.1, Ed25519 type `0x04`.
//!
//! A witness that has checked that a checkpoint is consistent with every earlier one it saw adds
//! its own signature line to the checkpoint note: a **cosignature**. It is an ordinary note
//! signature line (c2sp.org/signed-note) with three differences (§Format, §Ed25519 signed
//! message):
//!
//! - the key id is computed with signature type `0x04`, not `0x01`:
//!   `SHA-256(name || 0x0A || 0x04 || public key)[:4]`;
//! - the signature bytes are a `timestamped_signature`: the 8-byte big-endian POSIX time of
//!   cosigning (at most 2^63 − 1), then the 64-byte Ed25519 signature;
//! - the signed message is not the checkpoint text alone but
//!   `cosignature/v1\ntime <seconds>\n` followed by the whole checkpoint text.
//!
//! ```
//! use concord_ledger::checkpoint::Checkpoint;
//! use concord_ledger::cosignature::{cosign, verify_cosignature};
//! use concord_ledger::keys::Signer;
//! use concord_ledger::{leaf_hash, note};
//!
//! let log = Signer::from_seed("concord.example/log", [2; 32])?;
//! let witness = Signer::from_seed("concord.example/witness", [3; 32])?;
//! let text = Checkpoint::new("concord.example/log", 1, leaf_hash(b"entry 0"))?.format();
//!
//! // The witness returns one line; the log appends it to its signed checkpoint.
//! let line = cosign(&text, &witness, 1_700_000_000)?;
//! assert_eq!(verify_cosignature(&text, &line, &witness.cosigner_verifier())?, 1_700_000_000);
//! let signed = note::sign(&text, &[&log])? + &line;
//!
//! // A client that trusts the log and the witness opens the note with both keys.
//! let opened = note::open(signed.as_bytes(), &[log.verifier(), witness.cosigner_verifier()])?;
//! assert!(opened.is_signed_by(&witness.cosigner_verifier()));
//! assert_eq!(opened.verified()[1].timestamp(), Some(1_700_000_000));
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! The time is an argument: this crate reads no clock. The Ed25519 message does not commit to the
//! witness's name, so one key must not serve two witnesses (§Ed25519 signed message).

use ed25519_dalek::VerifyingKey;

use crate::Error;
use crate::checkpoint::Checkpoint;
use crate::keys::{Algorithm, Signer, Verifier, verify_strict};
use crate::note::{SIGNATURE_PREFIX, Signature};

/// The header line of the signed message, with its newline.
pub const HEADER: &str = "cosignature/v1\n";

/// The latest time a cosignature may state: 2^63 − 1 (§Format).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The message a witness signs: `cosignature/v1\ntime <time>\n` then the checkpoint text.
#[must_use]
pub fn signed_message(checkpoint_text: &str, time: u64) -> Vec<u8> {
    format!("{HEADER}time {time}\n{checkpoint_text}").into_bytes()
}

/// The cosignature line (with its newline) by `witness` of the checkpoint `checkpoint_text` at
/// `time` (POSIX seconds). The text must be a valid checkpoint and the time at most
/// [`MAX_TIMESTAMP`].
pub fn cosign(checkpoint_text: &str, witness: &Signer, time: u64) -> Result<String, Error> {
    Checkpoint::parse(checkpoint_text)?;
    if time > MAX_TIMESTAMP {
        return Err(Error::MalformedCosignature(format!("time {time} is over 2^63 - 1")));
    }
    let sig = witness.sign_raw(&signed_message(checkpoint_text, time));
    let mut bytes = Vec::with_capacity(72);
    bytes.extend_from_slice(&time.to_be_bytes());
    bytes.extend_from_slice(&sig);
    let v = witness.cosigner_verifier();
    Ok(Signature::new(v.name().clone(), v.key_id(), bytes)?.to_line())
}

/// Verifies one cosignature line (with or without its newline) by `witness` (a type `0x04`
/// verifier) over `checkpoint_text`, and returns the time it states.
pub fn verify_cosignature(checkpoint_text: &str, line: &str, witness: &Verifier) -> Result<u64, Error> {
    if witness.algorithm() != Algorithm::CosignatureV1 {
        return Err(Error::MalformedCosignature(format!(
            "{}+{} is not a cosigner (0x04) key",
            witness.name(),
            witness.key_id()
        )));
    }
    Checkpoint::parse(checkpoint_text)?;
    let line = line.strip_suffix('\n').unwrap_or(line);
    if line.contains('\n') || !line.starts_with(SIGNATURE_PREFIX) {
        return Err(Error::MalformedCosignature(format!("not one signature line: {line:?}")));
    }
    let sig = Signature::parse_line(line)?;
    if sig.name() != witness.name() || sig.key_id() != witness.key_id() {
        return Err(Error::MalformedCosignature(format!(
            "line is by {}+{}, not by {}+{}",
            sig.name(),
            sig.key_id(),
            witness.name(),
            witness.key_id()
        )));
    }
    witness.verify(checkpoint_text, sig.bytes())?.ok_or_else(|| Error::MalformedCosignature("no timestamp".into()))
}

/// Checks a `timestamped_signature` over `text`; returns its time. Used by
/// [`Verifier::verify`] for type `0x04`.
pub(crate) fn verify_raw(key: &VerifyingKey, text: &str, signature: &[u8]) -> Option<u64> {
    let bytes = <&[u8; 72]>::try_from(signature).ok()?;
    let (time, sig) = bytes.split_at(8);
    let time = u64::from_be_bytes(time.try_into().ok()?);
    if time > MAX_TIMESTAMP {
        return None;
    }
    let sig: &[u8; 64] = sig.try_into().ok()?;
    verify_strict(key, &signed_message(text, time), sig).then_some(time)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;

    use super::*;
    use crate::leaf_hash;

    /// The base64 of a line's `key id || timestamp || signature`.
    fn line_base64(line: &str) -> Option<&str> {
        line.trim_end_matches('\n').strip_prefix(SIGNATURE_PREFIX)?.split_once(' ').map(|(_, b)| b)
    }

    fn witness() -> Signer {
        Signer::from_seed("witness.example/w1", [3; 32]).unwrap()
    }

    fn text() -> String {
        Checkpoint::new("example.com/log", 5, leaf_hash(b"x")).unwrap().format()
    }

    #[test]
    fn cosign_and_verify() {
        let w = witness();
        let line = cosign(&text(), &w, 1_679_315_147).unwrap();
        assert!(line.starts_with("\u{2014} witness.example/w1 ") && line.ends_with('\n'));
        let raw = BASE64.decode(line_base64(&line).unwrap()).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        assert_eq!(raw[..4], w.cosigner_verifier().key_id().to_bytes());
        assert_eq!(raw[4..12], 1_679_315_147u64.to_be_bytes());
        assert_eq!(verify_cosignature(&text(), &line, &w.cosigner_verifier()).unwrap(), 1_679_315_147);
    }

    #[test]
    fn signed_message_matches_the_spec_example() {
        let body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            signed_message(body, 1_679_315_147),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn wrong_key_type_time_or_text_fails() {
        let w = witness();
        let line = cosign(&text(), &w, 10).unwrap();
        assert!(verify_cosignature(&text(), &line, &w.verifier()).is_err(), "0x01 key");
        let other = Checkpoint::new("example.com/log", 6, leaf_hash(b"x")).unwrap().format();
        assert!(matches!(
            verify_cosignature(&other, &line, &w.cosigner_verifier()),
            Err(Error::InvalidSignature { .. })
        ));
        // Change the timestamp: the signature no longer matches.
        let mut raw = BASE64.decode(line_base64(&line).unwrap()).unwrap();
        raw[11] ^= 1;
        let forged = format!("\u{2014} witness.example/w1 {}\n", BASE64.encode(&raw));
        assert!(verify_cosignature(&text(), &forged, &w.cosigner_verifier()).is_err());
        // A plain note signature is not a cosignature.
        let plain = crate::note::sign(&text(), &[&w]).unwrap();
        let plain_line = plain.rsplit_once("\n\n").unwrap().1;
        assert!(verify_cosignature(&text(), plain_line, &w.cosigner_verifier()).is_err());
    }

    #[test]
    fn time_is_bounded() {
        let w = witness();
        assert!(cosign(&text(), &w, MAX_TIMESTAMP).is_ok());
        assert!(cosign(&text(), &w, MAX_TIMESTAMP + 1).is_err());
        assert!(cosign("not a checkpoint\n", &w, 0).is_err());
    }
}
