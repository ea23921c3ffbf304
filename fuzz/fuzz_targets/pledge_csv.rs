//! The pledge CSV import (`concord pledge import`, crates/core/src/support/pledge_csv.rs).
#![no_main]

use concord_core::support::PledgeEntry;
use concord_core::support::pledge_csv::{HEADER, PledgeCsvError, parse, record};
use libfuzzer_sys::fuzz_target;

fn export(entries: &[PledgeEntry]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("writes to memory");
    for e in entries {
        w.write_record(record(None, &e.terms, e.status)).expect("writes to memory");
    }
    w.into_inner().expect("writes to memory")
}

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(entries) => {
            assert!(!entries.is_empty());
            // What imports, exports to a file that imports to the same pledges.
            assert_eq!(parse(&export(&entries)).as_ref(), Ok(&entries));
            // ... and survives the JSON the CLI sends to the server.
            let json = serde_json::to_vec(&entries).expect("pledges encode");
            let back: Vec<PledgeEntry> = serde_json::from_slice(&json).expect("pledges decode");
            assert_eq!(back, entries);
        }
        Err(PledgeCsvError::Row { row, .. }) => assert!(row >= 1),
        Err(PledgeCsvError::Empty) => {}
    }
});
