//! `packed::ordered` fills a persistent map's leaves: measured as the heap its map holds, under a
//! counting allocator (its own test binary, so that no other test's allocations are counted).

use concord_core::packed::ordered;
use imbl::OrdMap;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

type Map = OrdMap<u64, [u64; 8]>;

/// Heap bytes still held of what `build` allocated: the map it returns. (stats_alloc counts a
/// reallocation's growth as allocated and its shrinking as deallocated.)
fn held(build: impl FnOnce() -> Map) -> (Map, usize) {
    let region = Region::new(GLOBAL);
    let map = build();
    let s = region.change();
    (map, s.bytes_allocated.saturating_sub(s.bytes_deallocated))
}

#[test]
fn a_map_built_in_order_holds_about_half_the_heap_of_one_filled_entry_by_entry() {
    let entries: Vec<(u64, [u64; 8])> = (0..100_000).map(|k| (k, [k; 8])).collect();
    let (one_by_one, before) = held(|| entries.iter().copied().collect());
    let (packed, after) = held(|| ordered(entries.clone()));
    assert_eq!(packed, one_by_one);
    // Each side counts only what its map holds: the input's clone is consumed and freed. An
    // `imbl` that filled its leaves by itself would make this about 1.0, and this check moot.
    let ratio = after as f64 / before as f64;
    assert!(ratio < 0.6, "{after} bytes packed against {before} one by one: {ratio:.2}");
}
