//! Where the fold's memory goes: reads a snapshot (`concord rebuild` writes one) and counts the
//! heap bytes each part of the state holds, by dropping the parts one by one under a counting
//! allocator. Resident memory (`/usr/bin/time -v`) says how much; this says where.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[derive(Debug, Parser)]
#[command(about = "Heap bytes held by each part of a snapshot's state")]
struct Args {
    /// A snapshot file (`<database>.snapshots/…` after `concord rebuild`).
    snapshot: PathBuf,
}

/// Bytes still held of what was allocated since `region` began.
fn held(region: &Region<'_, std::alloc::System>) -> i128 {
    let s = region.change();
    // stats_alloc counts a reallocation's growth as allocated and its shrinking as deallocated
    // (and once more in `bytes_reallocated`, which is therefore not added).
    i128::try_from(s.bytes_allocated).unwrap_or(i128::MAX) - i128::try_from(s.bytes_deallocated).unwrap_or(0)
}

fn mib(bytes: i128) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let region = Region::new(GLOBAL);
    let started = Instant::now();
    let mut loaded = concord_log::snapshot::read(&args.snapshot)
        .with_context(|| format!("{} is not a usable snapshot", args.snapshot.display()))?;
    let decoded = started.elapsed();
    let total = held(&region);
    let region = Region::new(GLOBAL);
    let support = &loaded.state.support;
    let (pledges, deliveries) = (support.pledges.len(), support.deliveries.len());
    println!("snapshot of {} entries decoded in {:.2} s: state {}", loaded.size, decoded.as_secs_f64(), mib(total));
    println!("{pledges} pledges, {deliveries} delivery records");

    let mut last = 0;
    let mut step = |name: &str| {
        let now = held(&region);
        println!("  {name:<26} {:>12}", mib(last - now));
        last = now;
    };
    let s = &mut loaded.state;
    let index = &mut s.support.index;
    for (facts, cubes) in [("pledges", &mut index.pledges), ("deliveries", &mut index.deliveries)] {
        drop(std::mem::take(&mut cubes.rows));
        step(&format!("index: {facts} rows"));
        drop(std::mem::take(&mut cubes.months));
        step(&format!("index: {facts} months"));
        drop(std::mem::take(&mut cubes.donors));
        step(&format!("index: {facts} donors"));
    }
    drop(std::mem::take(&mut s.support.index));
    step("index: requests");
    drop(std::mem::take(&mut s.support.deliveries));
    step("delivery records");
    drop(std::mem::take(&mut s.support.pledges));
    step("pledges");
    drop(std::mem::take(&mut s.support));
    step("rest of support");
    drop(std::mem::take(&mut s.proposals));
    step("proposals");
    drop(loaded);
    step("everything else");
    if pledges > 0 {
        println!(
            "per pledge (with its share of deliveries and index): {} bytes",
            total / i128::try_from(pledges).unwrap_or(1)
        );
    }
    Ok(())
}
