//! The Merkle tree's costs: appending (stored hashes per record), proofs at 1M and 10M records
//! from an in-memory `Vec<Hash>` of stored hashes, and raw SHA-256 for scale.
//!
//! `cargo bench -p concord-ledger --bench tlog -- --quick`. Building the 10M-record tree takes
//! about 20M hashes and 640 MB, once, outside the measurements; its build time is printed.

#![allow(clippy::unwrap_used)] // a bench that fails should panic

use std::hint::black_box;
use std::time::Instant;

use concord_ledger::tile::{TileHashReader, read_tile, tile_path, tiles_for_size};
use concord_ledger::tlog::{self, HashReader};
use concord_ledger::{Hash, leaf_hash, node_hash};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// A cheap deterministic sequence of indexes, so each iteration proves a different record.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn sha256(c: &mut Criterion) {
    let mut g = c.benchmark_group("sha256");
    let input = [7u8; 64];
    g.throughput(Throughput::Bytes(64));
    g.bench_function("64-byte input", |b| b.iter(|| Sha256::digest(black_box(input))));
    let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
    g.throughput(Throughput::Bytes(65));
    g.bench_function("node_hash (65 bytes)", |b| b.iter(|| node_hash(black_box(&l), black_box(&r))));
    g.finish();
}

fn append(c: &mut Criterion) {
    const N: u64 = 10_000;
    let new = leaves(N);
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(N));
    g.bench_function("stored_hashes, 10k records one by one", |b| {
        b.iter_batched(
            || Vec::with_capacity(2 * N as usize),
            |mut stored: Vec<Hash>| {
                for (n, leaf) in new.iter().enumerate() {
                    let hashes = tlog::stored_hashes(n as u64, *leaf, &stored).unwrap();
                    stored.extend(hashes);
                }
                stored
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("stored_hashes_for_batch, 10k records", |b| {
        b.iter(|| tlog::stored_hashes_for_batch(0, &new, &Vec::new()).unwrap());
    });
    g.finish();
}

fn build(size: u64) -> Vec<Hash> {
    let start = Instant::now();
    let stored = tlog::stored_hashes_for_batch(0, &leaves(size), &Vec::new()).unwrap();
    eprintln!(
        "built {size} records: {} stored hashes ({} MB) in {:.2?}",
        stored.len(),
        (stored.len() * 32) >> 20,
        start.elapsed()
    );
    stored
}

fn prove_at(c: &mut Criterion, size: u64, stored: &[Hash]) {
    let mut g = c.benchmark_group(format!("proofs at {size}"));
    g.throughput(Throughput::Elements(1));
    let root = tlog::tree_hash(size, &stored).unwrap();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    g.bench_function("tree_hash", |b| b.iter(|| tlog::tree_hash(black_box(size), &stored).unwrap()));
    g.bench_function("prove_record", |b| {
        b.iter(|| tlog::prove_record(size, rng.below(size), &stored).unwrap());
    });
    g.bench_function("prove_tree", |b| {
        b.iter(|| tlog::prove_tree(size, rng.below(size) + 1, &stored).unwrap());
    });
    let n = size / 3;
    let proof = tlog::prove_record(size, n, &stored).unwrap();
    let leaf = stored.read_hashes(&[tlog::stored_hash_index(0, n)]).unwrap()[0];
    g.bench_function("check_record", |b| {
        b.iter(|| tlog::check_record(black_box(&proof), size, root, n, leaf).unwrap());
    });
    let old = size / 3;
    let proof = tlog::prove_tree(size, old, &stored).unwrap();
    let old_root = tlog::tree_hash(old, &stored).unwrap();
    g.bench_function("check_tree", |b| {
        b.iter(|| tlog::check_tree(black_box(&proof), size, root, old, old_root).unwrap());
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    for size in [1_000_000, 10_000_000] {
        let stored = build(size);
        prove_at(c, size, &stored);
    }
}

fn proofs_from_tiles(c: &mut Criterion) {
    let size = 1_000_000;
    let stored = build(size);
    let mirror: std::collections::HashMap<String, Vec<u8>> =
        tiles_for_size(size).iter().map(|t| (tile_path(t), read_tile(t, &stored).unwrap())).collect();
    drop(stored);
    let r = TileHashReader::new(size, &mirror).unwrap();
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut g = c.benchmark_group(format!("proofs from tiles at {size}"));
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("prove_record", "in-memory mirror"), |b| {
        b.iter(|| tlog::prove_record(size, rng.below(size), &r).unwrap());
    });
    g.finish();
}

criterion_group!(benches, sha256, append, proofs, proofs_from_tiles);
criterion_main!(benches);
