//! Checkpoints (c2sp.org/tlog-checkpoint): the note text, and signed checkpoints.
#![no_main]

use concord_fuzz::{LOG, WITNESS};
use concord_ledger::checkpoint::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = Checkpoint::parse(text)
    {
        // A parsed checkpoint re-encodes to the same bytes.
        assert_eq!(c.format(), text);
        assert_eq!(Checkpoint::parse(&c.format()).expect("its own format parses"), c);
        // Signed by the log, it opens to itself.
        let signed = c.sign(&LOG).expect("a parsed checkpoint can be signed");
        let (opened, _) = Checkpoint::open(signed.as_bytes(), &[LOG.verifier()]).expect("signed by the log");
        assert_eq!(opened, c);
    }
    if let Ok((c, note)) = Checkpoint::open(data, &[LOG.verifier(), WITNESS.cosigner_verifier()]) {
        assert_eq!(c.format(), note.text());
    }
});
