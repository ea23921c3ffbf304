//! What opening a signed note costs over the Ed25519 check inside it.
//!
//! `raw_verify_strict`: one ed25519-dalek `verify_strict` of a checkpoint-sized message;
//! `open_note_1_sig`: [`note::open`] of the same text signed once (parse, UTF-8 and control
//! character scan, base64, key lookup, `verify_strict`); `open_checkpoint_cosigned`: a checkpoint
//! with a log signature and a witness cosignature, both trusted (two verifications).
//!
//! Run: `cargo bench -p concord-ledger --bench verify -- --quick`.

use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::cosignature::cosign;
use concord_ledger::keys::Signer;
use concord_ledger::{leaf_hash, note};
use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};

fn bench(c: &mut Criterion) {
    let log = Signer::from_seed("concord.example/log", [2; 32]).expect("valid name");
    let witness = Signer::from_seed("concord.example/witness/w1", [3; 32]).expect("valid name");
    let text = Checkpoint::new("concord.example/log", 1_000_000, leaf_hash(b"x")).expect("valid origin").format();

    let sk = SigningKey::from_bytes(&[2; 32]);
    let vk = sk.verifying_key();
    let sig = sk.sign(text.as_bytes());

    let signed = note::sign(&text, &[&log]).expect("valid text");
    let cosigned = signed.clone() + &cosign(&text, &witness, 1_767_225_600).expect("valid checkpoint");
    let one = [log.verifier()];
    let two = [log.verifier(), witness.cosigner_verifier()];

    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw_verify_strict", |b| {
        b.iter(|| vk.verify_strict(black_box(text.as_bytes()), black_box(&sig)).expect("valid"))
    });
    g.bench_function("open_note_1_sig", |b| b.iter(|| note::open(black_box(signed.as_bytes()), &one).expect("valid")));
    g.bench_function("open_checkpoint_cosigned", |b| {
        b.iter(|| Checkpoint::open(black_box(cosigned.as_bytes()), &two).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
