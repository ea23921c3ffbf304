//! What sealing costs: one commitment (SHA-256 over a 32-byte salt and the content) against raw
//! SHA-256 of the same content, and a whole entry's encoding (the content's canonical JSON, its
//! commitment, the envelope's canonical JSON and its leaf hash) with opening it again (the
//! envelope decoded, the part checked against its commitment and decoded).
//!
//! Run: `cargo bench -p concord-core --bench seal -- --quick`.

#![allow(clippy::unwrap_used)] // a bench that fails should panic

use std::hint::black_box;

use concord_core::record::{LogRecord, SALT_LEN, commitment, decode, encode, genesis, open};
use concord_core::{Actor, CountryCode, Event, Marking, ProposalId, Stance};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

/// A member's position with a statement: a typical sealed content.
fn position() -> LogRecord {
    let member = CountryCode::parse("FRA").unwrap();
    LogRecord {
        seq: 61,
        prev: genesis().to_hex(),
        at: "2024-02-27T09:00:00Z".parse().unwrap(),
        marking: Marking::Members,
        body: None,
        actor: Actor::Member(member),
        account: Some("fra-delegate".into()),
        event: Event::PositionTaken {
            proposal: ProposalId(9),
            member,
            revision: 1,
            text_hash: "4b0c594262fc87209b69fd7acdcb568004d121325b25b3a1a8c001bf096c9264".into(),
            stance: Stance::ProposeAmendment,
            text: Some("France asks for the fuel purchases to be costed first.".into()),
            at: "2024-02-27T09:00:00Z".parse().unwrap(),
            evidence: None,
            proxy: None,
        },
    }
}

fn bench(c: &mut Criterion) {
    let record = position();
    let entry = encode(&record, [7; SALT_LEN]).unwrap();
    let content = entry.part[SALT_LEN..].to_vec();
    let mut g = c.benchmark_group("seal");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw_sha256_of_content", |b| b.iter(|| Sha256::digest(black_box(&content))));
    g.bench_function("commitment_salt_and_content", |b| b.iter(|| commitment(black_box(&entry.part))));
    g.bench_function("encode_entry", |b| b.iter(|| encode(black_box(&record), [7; SALT_LEN]).unwrap()));
    g.bench_function("open_entry", |b| {
        b.iter(|| open(&decode(black_box(&entry.bytes)).unwrap(), black_box(&entry.part)).unwrap())
    });
    g.finish();
    println!("content {} bytes, envelope {} bytes", content.len(), entry.bytes.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
