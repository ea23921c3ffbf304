//! RFC 8785 canonical JSON: the encoding the log hashes, and the check a verifier makes.
#![no_main]

use concord_ledger::canonical::{check, to_vec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = check(data) {
        assert_eq!(to_vec(&value).expect("a checked value encodes"), data);
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(canonical) = to_vec(&value) else { return };
    // Idempotent: the canonical bytes are canonical, and encode to themselves.
    let again = check(&canonical).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&canonical)));
    assert_eq!(to_vec(&again).expect("a checked value encodes"), canonical);
});
