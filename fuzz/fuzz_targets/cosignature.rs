//! Witness cosignatures (c2sp.org/tlog-cosignature): a checkpoint text and a cosignature line,
//! split at the last line that opens with an em dash.
#![no_main]

use concord_fuzz::{LOG, OTHER_WITNESS, TIME, WITNESS};
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::cosignature::{MAX_TIMESTAMP, cosign, verify_cosignature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (text, line) = match input.rfind("\n\u{2014} ") {
        Some(i) => input.split_at(i + 1),
        None => (input, ""),
    };
    if let Ok(time) = verify_cosignature(text, line, &WITNESS.cosigner_verifier()) {
        assert!(time <= MAX_TIMESTAMP);
        // Ed25519 is deterministic and `verify_strict` refuses malleated signatures, so a line
        // that verifies is exactly the one the witness writes.
        let ours = cosign(text, &WITNESS, time).expect("a verified checkpoint can be cosigned");
        assert_eq!(ours.strip_suffix('\n'), Some(line.strip_suffix('\n').unwrap_or(line)));
        assert!(verify_cosignature(text, line, &OTHER_WITNESS.cosigner_verifier()).is_err());
        assert!(verify_cosignature(text, line, &LOG.verifier()).is_err(), "a 0x01 key verified a cosignature");
    }
    if Checkpoint::parse(text).is_ok() {
        let ours = cosign(text, &WITNESS, TIME).expect("a checkpoint can be cosigned");
        assert_eq!(verify_cosignature(text, &ours, &WITNESS.cosigner_verifier()).ok(), Some(TIME));
    }
});
