//! The log over HTTP, checked as an outside verifier would: public without a token, the signed
//! checkpoint opens with the log's key and matches a tree recomputed from the entries, every
//! inclusion and consistency proof verifies, and the tiles hold the same hashes and entries.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Alliance, hours_from_now, opened};
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::keys::Signer;
use concord_ledger::proof_bundle::TlogProof;
use concord_ledger::{Hash, leaf_hash, tile, tlog};

fn log_key() -> Signer {
    Signer::from_seed("test.concord.example/log", [7; 32]).expect("the test servers' key")
}

fn hash(v: &serde_json::Value) -> Hash {
    Hash::from_bytes(&STANDARD.decode(v.as_str().expect("base64")).expect("base64")).expect("32 bytes")
}

fn hashes(v: &serde_json::Value) -> Vec<Hash> {
    v.as_array().expect("an array").iter().map(hash).collect()
}

/// An alliance whose log has grown through a few batches.
async fn busy() -> Alliance {
    let a = Alliance::start().await;
    for i in 0..3 {
        let id = a.draft("routine", &format!("Routine {i}")).await;
        a.circulate(id, "silence", hours_from_now(5)).await;
    }
    a
}

/// The leaves of the whole log, from the entries' bytes.
async fn leaves(a: &Alliance) -> Vec<Hash> {
    a.log_entries().await.iter().map(|e| leaf_hash(e["entry"].as_str().expect("entry").as_bytes())).collect()
}

#[tokio::test]
async fn the_checkpoint_is_signed_and_matches_the_entries() {
    let a = busy().await;
    let r = a.get_anon("/api/v1/log/checkpoint").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/plain")));
    let (checkpoint, note) = Checkpoint::open(&r.bytes, &[log_key().verifier()]).expect("signed by the log");
    assert_eq!(note.verified().len(), 1);
    assert_eq!(checkpoint.origin(), "test.concord.example/log");
    assert!(checkpoint.extensions().is_empty(), "no extension lines");
    let leaves = leaves(&a).await;
    assert_eq!(checkpoint.size(), leaves.len() as u64);
    assert_eq!(checkpoint.root(), tlog::root_of(&leaves), "the root is the entries' Merkle root");

    // The static mirror path serves the same note.
    assert_eq!(a.get_anon("/log/checkpoint").await.bytes, r.bytes);
    // Another key does not open it.
    let other = Signer::from_seed("test.concord.example/log", [8; 32]).unwrap();
    assert!(Checkpoint::open(&r.bytes, &[other.verifier()]).is_err());
}

#[tokio::test]
async fn every_entry_has_an_inclusion_proof_that_verifies() {
    let a = busy().await;
    let leaves = leaves(&a).await;
    let size = leaves.len() as u64;
    let root = tlog::root_of(&leaves);
    for (i, leaf) in leaves.iter().enumerate() {
        let r = a.get_anon(&format!("/api/v1/log/proof/inclusion?index={i}")).await;
        let p = r.expect_status(200);
        assert_eq!(p["size"], size);
        assert_eq!(hash(&p["leaf_hash"]), *leaf);
        assert_eq!(hash(&p["root"]), root);
        tlog::check_record(&hashes(&p["proof"]), size, root, i as u64, *leaf).expect("the proof verifies");
        let bundle = TlogProof::parse(p["bundle"].as_str().expect("a bundle")).expect("a tlog-proof");
        bundle.check(*leaf, size, root).expect("the bundle verifies");
        Checkpoint::open(bundle.checkpoint().as_bytes(), &[log_key().verifier()])
            .expect("the bundled checkpoint is signed");
        // A proof for another leaf does not verify this one.
        if i > 0 {
            assert!(tlog::check_record(&hashes(&p["proof"]), size, root, i as u64, leaves[0]).is_err());
        }
    }
    // In an older tree too.
    let p = a.get_anon("/api/v1/log/proof/inclusion?index=1&size=3").await;
    let p = p.expect_status(200);
    tlog::check_record(&hashes(&p["proof"]), 3, tlog::root_of(&leaves[..3]), 1, leaves[1]).expect("verifies at size 3");
}

#[tokio::test]
async fn consistency_proofs_link_every_earlier_tree_to_the_latest() {
    let a = busy().await;
    let leaves = leaves(&a).await;
    let size = leaves.len() as u64;
    for from in 1..=size {
        let p = a.get_anon(&format!("/api/v1/log/proof/consistency?from={from}")).await;
        let p = p.expect_status(200);
        assert_eq!(hash(&p["from_root"]), tlog::root_of(&leaves[..from as usize]));
        let (old, new) = (hash(&p["from_root"]), hash(&p["to_root"]));
        tlog::check_tree(&hashes(&p["proof"]), size, new, from, old).expect("consistent");
    }
}

#[tokio::test]
async fn bad_proof_requests_are_problems() {
    let a = busy().await;
    let size = a.log_size().await;
    for path in [
        format!("/api/v1/log/proof/inclusion?index={size}"),
        format!("/api/v1/log/proof/inclusion?index=0&size={}", size + 1),
        "/api/v1/log/proof/consistency?from=0".to_owned(),
        format!("/api/v1/log/proof/consistency?from=2&to={}", size + 1),
        "/api/v1/log/proof/consistency?from=3&to=2".to_owned(),
    ] {
        a.get_anon(&path).await.expect_problem(400, "invalid-proof-request");
    }
    a.get_anon("/api/v1/log/proof/inclusion?index=x").await.expect_problem(400, "invalid-query");
}

#[tokio::test]
async fn tiles_and_entry_bundles_serve_the_same_tree() {
    let a = busy().await;
    let entries = a.log_entries().await;
    let leaves = leaves(&a).await;
    let width = u16::try_from(leaves.len()).expect("fewer than 256 entries");

    let path = tile::tile_path(&tile::Tile::new(0, 0, width).unwrap());
    let r = a.get_anon(&format!("/log/{path}")).await;
    assert_eq!(r.status, 200, "{path}");
    let expected: Vec<u8> = leaves.iter().flat_map(|h| *h.as_bytes()).collect();
    assert_eq!(r.bytes, expected, "the level-0 tile holds the leaf hashes");

    let r = a.get_anon(&format!("/log/{}", tile::entries_path(0, width))).await;
    assert_eq!(r.status, 200);
    let bundle = tile::decode_entry_bundle(&r.bytes).expect("an entry bundle");
    let stored: Vec<&[u8]> = entries.iter().map(|e| e["entry"].as_str().unwrap().as_bytes()).collect();
    assert_eq!(bundle, stored);
    // A partial tile's path names its width, so what it names never changes either.
    assert_eq!(r.header("cache-control"), Some("public, max-age=31536000, immutable"));

    // Asked for gzip, the entry bundle comes compressed, and decompresses to the same bytes.
    let gz = a
        .client
        .get(a.url(&format!("/log/{}", tile::entries_path(0, width))))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let compressed = gz.bytes().await.unwrap();
    assert!(compressed.len() < r.bytes.len(), "{} bytes compressed from {}", compressed.len(), r.bytes.len());
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut plain).unwrap();
    assert_eq!(plain, r.bytes);
    // Hash tiles are random bytes: sent as they are.
    let raw = a.client.get(a.url(&format!("/log/{path}"))).header("accept-encoding", "gzip").send().await.unwrap();
    assert!(raw.headers().get("content-encoding").is_none());
    assert_eq!(raw.headers()["cache-control"], "public, max-age=31536000, immutable");
    // The checkpoint does change, and is never cached.
    assert_eq!(a.get_anon("/log/checkpoint").await.header("cache-control"), Some("no-store"));

    // A full tile of a log this small, or a wider partial one, does not exist yet.
    for missing in [
        tile::tile_path(&tile::Tile::new(0, 0, 256).unwrap()),
        tile::entries_path(0, width + 1),
        "tile/nonsense".into(),
    ] {
        a.get_anon(&format!("/log/{missing}")).await.expect_problem(404, "not-found");
    }
}

#[tokio::test]
async fn a_decision_carries_the_proof_of_its_log_entry() {
    let a = busy().await;
    let id = a.draft("statement", "Proved").await;
    a.circulate(id, "silence", hours_from_now(3)).await;
    let open = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/outcome")).await;
    assert!(open.expect_status(200).get("proof").is_none(), "an open proposal has no decision to prove");
    a.position(a.token("BEL"), id, 1, "object", Some("Belgium objects.")).await.expect_status(201);

    let outcome = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/outcome")).await;
    let outcome = outcome.expect_status(200);
    let entry = outcome["proof"]["entry"].as_u64().expect("the decision's entry");
    let bundle = TlogProof::parse(outcome["proof"]["bundle"].as_str().expect("a bundle")).expect("a tlog-proof");

    // The entry is the decision, and the bundle proves it against the log's signed checkpoint.
    let entries = a.log_entries().await;
    let bytes = entries[entry as usize]["entry"].as_str().unwrap().as_bytes();
    let record = opened(&entries[entry as usize]);
    assert_eq!(record["event"]["type"], "proposal_decided");
    assert_eq!(record["event"]["proposal"], id);
    assert_eq!(record["event"]["decision"]["outcome"], "blocked");
    // A blocked decision (who objected) is the members': the observer gets the same envelope,
    // which the same proof covers, and not the sealed part.
    let seen = a.log_entries_as(&a.observer).await;
    assert_eq!(seen[entry as usize]["entry"], entries[entry as usize]["entry"]);
    assert!(seen[entry as usize].get("part").is_none(), "{}", seen[entry as usize]);
    let (checkpoint, _) = Checkpoint::open(bundle.checkpoint().as_bytes(), &[log_key().verifier()]).expect("signed");
    bundle.check(leaf_hash(bytes), checkpoint.size(), checkpoint.root()).expect("the proof verifies");
    // Not for another entry.
    assert!(bundle.check(leaf_hash(b"another entry"), checkpoint.size(), checkpoint.root()).is_err());
}

/// An entry anyone may fetch: `seq` as the anonymous caller reads it.
async fn anonymous_entry(s: &common::Server, seq: u64) -> serde_json::Value {
    let r = s.get_anon(&format!("/api/v1/log/entries?from={seq}&limit=1")).await;
    r.expect_status(200)["entries"][0].clone()
}

#[tokio::test]
async fn the_secretariat_publishes_an_entry_and_the_public_checks_it_against_its_commitment() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Routine business").await;
    a.circulate(id, "silence", hours_from_now(5)).await;
    a.position(a.token("BEL"), id, 1, "concur", Some("Belgium agrees, and says so.")).await.expect_status(201);
    let entries = a.log_entries().await;
    let seq = entries.iter().position(|e| opened(e)["event"]["type"] == "position_taken").expect("the position");
    let seq = seq as u64;
    assert!(anonymous_entry(&a, seq).await.get("part").is_none(), "a position is the members'");

    // Who may publish, what, and to whom: refused without changing anything.
    let path = format!("/api/v1/log/entries/{seq}/publication");
    let watch = format!("/api/v1/log/entries?from={seq}&limit=1");
    let public = serde_json::json!({ "marking": "public" });
    a.refused(a.token("BEL"), &path, &public, 403, "not-permitted", &watch).await;
    a.refused(&a.observer, &path, &public, 403, "not-permitted", &watch).await;
    let members = serde_json::json!({ "marking": "members" });
    a.refused(&a.secretariat, &path, &members, 409, "not-wider", &watch).await;
    let everyone = serde_json::json!({ "marking": "everyone" });
    a.refused(&a.secretariat, &path, &everyone, 400, "invalid-body", &watch).await;
    let r = a.post(&a.secretariat, "/api/v1/log/entries/100000/publication", &public).await;
    r.expect_problem(404, "not-found");

    let r = a.post(&a.secretariat, &path, &public).await;
    let answer = r.expect_status(201);
    assert_eq!((answer["entry"].as_u64(), answer["marking"].as_str()), (Some(seq), Some("public")));
    a.refused(&a.secretariat, &path, &public, 409, "not-wider", &watch).await;

    // The public now reads the position, and the publication revealing it: the same salt and
    // content, which it checks against the position's envelope.
    let server = a.server.restart().await;
    let position = anonymous_entry(&server, seq).await;
    let content = opened(&position);
    assert_eq!(content["event"]["text"], "Belgium agrees, and says so.");
    let size = server.log_size().await;
    let publication = opened(&anonymous_entry(&server, size - 1).await);
    assert_eq!(publication["event"]["type"], "entry_published");
    let revealed = &publication["event"]["revealed"];
    assert_eq!(revealed["content"], content);
    assert_eq!(revealed["salt"], position["part"]["salt"]);
    let envelope: serde_json::Value = serde_json::from_str(position["entry"].as_str().unwrap()).unwrap();
    assert_eq!(revealed["commitment"], envelope["commitment"]);
    assert_eq!(envelope["marking"], "members", "the envelope is as it was: publication adds, never rewrites");
}
