//! c2sp.org/tlog-tiles paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`) and entry
//! bundles.
#![no_main]

use concord_ledger::tile::{
    decode_entry_bundle, encode_entry_bundle, entries_path, parse_entries_path, parse_tile_path, tile_hash_indexes,
    tile_path,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(tile) = parse_tile_path(path) {
            // One spelling per tile: a static mirror has one file per tile.
            assert_eq!(tile_path(&tile), path);
            assert_eq!(tile_hash_indexes(&tile).len(), usize::from(tile.width()));
            assert_eq!(tile.byte_len(), usize::from(tile.width()) * 32);
        }
        if let Ok((n, width)) = parse_entries_path(path) {
            assert_eq!(entries_path(n, width), path);
        }
    }
    if let Ok(entries) = decode_entry_bundle(data) {
        assert_eq!(encode_entry_bundle(&entries).expect("decoded entries fit a bundle"), data);
    }
});
