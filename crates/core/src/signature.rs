//! Checking the signature on a signed statement (`signed.rs`) against the keys a state holds,
//! and checking it **ahead** of deciding.
//!
//! An Ed25519 check is the one costly step of deciding a signed position, and a server decides
//! its writes one at a time. [`verify_ahead`] lets the check run where writes arrive, many at
//! once, against the state the server last published; deciding then only confirms that the key
//! that verified the note is still one of the signer's keys valid at the note's date
//! ([`Checked::Ahead`]). Each signature is still verified once on the live path (twice where
//! the check ahead found no key, or its key no longer holds), and replaying the log verifies
//! every one again.

use concord_ledger::keys::Verifier;
use jiff::Timestamp;

use crate::{Actor, Command, CountryCode, MemberKey, State};

/// A signed position's note whose signature a key of its signer verified, against some state.
/// Only [`verify_ahead`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The whole note: the check holds for exactly this text.
    note: Box<str>,
    signer: CountryCode,
    /// The parsed key that opened it: the key itself, not a `MemberKey`'s text, which a state's
    /// owner could pair with another key.
    key: Verifier,
}

/// What is already known of a position's signature when it is checked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Checked<'a> {
    /// Nothing: verify it.
    No,
    /// `decide` verified it against this very state, an instant before.
    Here,
    /// Verified against an earlier state: it holds if that key still does.
    Ahead(&'a VerifiedSignature),
}

impl Checked<'_> {
    /// Whether `note` is signed by a key of `signer` valid at `time` in `state`.
    pub(crate) fn holds(self, state: &State, signer: CountryCode, time: Timestamp, note: &str) -> bool {
        match self {
            Checked::Here => true,
            Checked::Ahead(v) if v.note.as_ref() == note && v.signer == signer => {
                keys_at(state, signer, time).any(|k| k.verifier.as_ref() == Some(&v.key))
                    || signed_by(state, signer, time, note)
            }
            Checked::Ahead(_) | Checked::No => signed_by(state, signer, time, note),
        }
    }
}

/// Verifies the signature of the signed position `command` states, if it states one and
/// `actor` may take it, against `state`: the keys of whoever signs it (the member, or the member
/// acting for it by proxy) valid at the note's date. `None` when there is nothing to verify, the
/// actor may not, or it does not verify; deciding then verifies, and refuses, as it would have.
#[must_use]
pub fn verify_ahead(state: &State, actor: Actor, command: &Command) -> Option<VerifiedSignature> {
    let Command::TakePosition { member, evidence: Some(note), .. } = command else {
        return None;
    };
    // No Ed25519 work for a caller `decide` will turn away before it looks at the note.
    crate::authorise::authorise(state, actor, command).ok()?;
    // As `decide` has it: another member's delegation acts, and signs, by proxy.
    let signer = match actor {
        Actor::Member(m) => m,
        _ => *member,
    };
    let parsed = concord_ledger::note::Note::parse(note.as_bytes()).ok()?;
    let time = crate::PositionStatement::parse(&parsed.text).ok()?.time;
    let key = signing_key(state, signer, time, note)?;
    Some(VerifiedSignature { note: note.as_str().into(), signer, key })
}

/// Whether `note` carries a signature by a key of `member` valid at `time`.
pub(crate) fn signed_by(state: &State, member: CountryCode, time: Timestamp, note: &str) -> bool {
    signing_key(state, member, time, note).is_some()
}

/// The key of `member` valid at `time` that signed `note`, if one did.
fn signing_key(state: &State, member: CountryCode, time: Timestamp, note: &str) -> Option<Verifier> {
    keys_at(state, member, time).find_map(|k| {
        // Parsed once when the key was enrolled; parsing again costs more than the signature.
        let v = k.verifier.clone().or_else(|| Verifier::parse(&k.key).ok())?;
        concord_ledger::note::open(note.as_bytes(), std::slice::from_ref(&v)).is_ok().then_some(v)
    })
}

fn keys_at(state: &State, member: CountryCode, time: Timestamp) -> impl Iterator<Item = &MemberKey> {
    let keys = state.keys.get(&member).map(Vec::as_slice).unwrap_or_default();
    keys.iter().filter(move |k| k.valid_at(time))
}
