//! Members' signed position statements (`concord/position/v1`, crates/core/src/signed.rs): the
//! text alone, or a whole signed note.
#![no_main]

use concord_core::PositionStatement;
use concord_fuzz::MEMBER;
use concord_ledger::note::{self, Note};
use libfuzzer_sys::fuzz_target;

fn statement(text: &str) {
    let Ok(s) = PositionStatement::parse(text) else { return };
    // One spelling per statement, so a signature covers one meaning.
    assert_eq!(s.to_text(), text);
    assert_eq!(PositionStatement::parse(&s.to_text()).as_ref(), Ok(&s));
    let signed = note::sign(text, &[&MEMBER]).expect("a statement can be signed");
    let opened = note::open(signed.as_bytes(), &[MEMBER.verifier()]).expect("the member's signature opens");
    assert_eq!(PositionStatement::parse(opened.text()), Ok(s));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        statement(text);
    }
    if let Ok(n) = Note::parse(data) {
        statement(&n.text);
    }
});
