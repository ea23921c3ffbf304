//! Signed notes (c2sp.org/signed-note): `Note::parse` and `note::open` on any bytes.
#![no_main]

use concord_fuzz::{LOG, WITNESS};
use concord_ledger::note::{self, Note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trusted = [LOG.verifier(), WITNESS.cosigner_verifier()];
    let opened = note::open(data, &trusted);
    let Ok(parsed) = Note::parse(data) else {
        assert!(opened.is_err(), "open accepted a note that does not parse");
        return;
    };
    // One spelling per note: what parses writes back byte for byte.
    assert_eq!(parsed.to_string().as_bytes(), data);
    if let Ok(opened) = opened {
        assert_eq!(opened.text(), parsed.text);
        // Repeated lines count once.
        assert!(opened.verified().len() + opened.unverified().len() <= parsed.signatures.len());
    }
    // Any text that a note may carry can be signed, and the signature opens.
    if let Ok(signed) = note::sign(&parsed.text, &[&LOG]) {
        let again = note::open(signed.as_bytes(), &[LOG.verifier()]).expect("our own signature opens");
        assert_eq!(again.text(), parsed.text);
    }
});
