//! The witness protocol's bodies (c2sp.org/tlog-witness): `add-checkpoint` requests, 200
//! responses (cosignature lines) and 409 bodies (a tree size).
#![no_main]

use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::note::Note;
use concord_ledger::witness::{
    AddCheckpoint, MAX_PROOF_LINES, format_response, format_size_body, parse_response, parse_size_body,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = AddCheckpoint::parse(data) {
        assert_eq!(r.format().as_bytes(), data, "a request has one spelling");
        assert!(r.proof.len() <= MAX_PROOF_LINES);
        let note = Note::parse(r.checkpoint.as_bytes()).expect("the request's checkpoint was parsed");
        let c = Checkpoint::parse(&note.text).expect("the request's checkpoint was parsed");
        assert!(r.old_size <= c.size());
    }
    if let Ok(sigs) = parse_response(data) {
        let lines: Vec<String> = sigs.iter().map(|s| s.to_line()).collect();
        assert!(!lines.is_empty());
        assert_eq!(lines.concat().as_bytes(), data);
        assert_eq!(format_response(&lines).expect("parsed lines format").as_bytes(), data);
    }
    if let Ok(size) = parse_size_body(data) {
        assert_eq!(format_size_body(size).as_bytes(), data);
    }
});
