//! What the fuzz targets share: the golden test keys (crates/ledger/testdata/golden, whose seeds
//! are public), so that a seed from the golden files verifies and the fuzzer can mutate a
//! signed input without losing the signing path.

use std::sync::LazyLock;

use concord_ledger::keys::Signer;

fn signer(name: &str, seed: u8) -> Signer {
    Signer::from_seed(name, [seed; 32]).expect("the golden key names are valid")
}

/// `log.skey`: the log, `concord.example/log`.
pub static LOG: LazyLock<Signer> = LazyLock::new(|| signer("concord.example/log", 2));

/// `member.skey`: France's delegation, `concord.example/log/member/FRA`.
pub static MEMBER: LazyLock<Signer> = LazyLock::new(|| signer("concord.example/log/member/FRA", 1));

/// `witness.skey`: the witness `concord.example/witness/w1` (its verifier is the cosigner key).
pub static WITNESS: LazyLock<Signer> = LazyLock::new(|| signer("concord.example/witness/w1", 3));

/// A second witness, which signed nothing in the corpus.
pub static OTHER_WITNESS: LazyLock<Signer> = LazyLock::new(|| signer("concord.example/witness/w2", 4));

/// The golden cosignature's time, 2026-01-01T00:00:00Z.
pub const TIME: u64 = 1_767_225_600;
