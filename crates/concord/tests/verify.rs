//! `concord verify` against tampered databases: each way an operator could alter the record —
//! a changed byte, a dropped or swapped entry, a false outcome written into a rewritten log, a
//! history re-signed with the log's own key — is caught, naming where.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::process::{Command, Output};

use concord_ledger::keys::Signer;
use concord_ledger::{Hash, canonical, leaf_hash, tlog};
use serde_json::Value;
use sqlx::{Connection, Row, SqliteConnection};

mod common;

use common::{BIN, Demo, demo};

fn verify(d: &Demo, extra: &[&str]) -> Output {
    Command::new(BIN).arg("verify").arg("--db").arg(&d.db).args(["--log-key", &d.log_key]).args(extra).output().unwrap()
}

#[track_caller]
fn fails_naming(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "verified a tampered log: {}", String::from_utf8_lossy(&out.stdout));
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

async fn db(d: &Demo) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", d.db.display())).await.unwrap()
}

async fn entries(c: &mut SqliteConnection) -> Vec<(i64, Vec<u8>)> {
    sqlx::query("SELECT seq, entry FROM log ORDER BY seq")
        .fetch_all(c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("seq"), r.get("entry")))
        .collect()
}

async fn put(c: &mut SqliteConnection, seq: i64, bytes: &[u8]) {
    sqlx::query("UPDATE log SET entry = ?, leaf_hash = ? WHERE seq = ?")
        .bind(bytes)
        .bind(leaf_hash(bytes).as_bytes().as_slice())
        .bind(seq)
        .execute(c)
        .await
        .unwrap();
}

/// Rewrites the log from entry `from` on with `edit` applied to that entry, re-chaining every
/// later entry as a careful operator would (new `prev`, canonical bytes, leaf hashes).
async fn rewrite(c: &mut SqliteConnection, from: usize, edit: impl Fn(&mut Value)) -> Vec<Hash> {
    let all = entries(c).await;
    let mut leaves: Vec<Hash> = all.iter().map(|(_, b)| leaf_hash(b)).collect();
    for i in from..all.len() {
        let mut record: Value = serde_json::from_slice(&all[i].1).unwrap();
        if i == from {
            edit(&mut record);
        }
        if i > 0 {
            record["prev"] = Value::String(leaves[i - 1].to_hex());
        }
        let bytes = canonical::to_vec(&record).unwrap();
        leaves[i] = leaf_hash(&bytes);
        put(c, all[i].0, &bytes).await;
    }
    leaves
}

fn first_entry_where(all: &[(i64, Vec<u8>)], pred: impl Fn(&Value) -> bool) -> usize {
    all.iter().position(|(_, b)| pred(&serde_json::from_slice(b).unwrap())).expect("such an entry")
}

#[test]
fn an_intact_log_verifies_and_extends_its_own_checkpoint() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("trusted.note");
    let out = verify(&d, &["--save-checkpoint", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("decisions  3 recomputed"), "{report}");
    let out = verify(&d, &["--trusted-checkpoint", saved.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("extends the trusted checkpoint"));
    // A wrong log key, or witnesses that did not cosign, do not pass.
    let other = Signer::from_seed("demo.concord.example/alliance", [9; 32]).unwrap().verifier().to_string();
    let out = Command::new(BIN).args(["verify", "--db"]).arg(&d.db).args(["--log-key", &other]).output().unwrap();
    fails_naming(&out, "checkpoint does not verify");
    let witness = Signer::from_seed("w.example/witness", [3; 32]).unwrap().cosigner_verifier().to_string();
    fails_naming(&verify(&d, &["--witness", &witness]), "0 of the required 1 witnesses");
}

#[tokio::test]
async fn a_changed_byte_is_caught() {
    let d = demo();
    let mut c = db(&d).await;
    let all = entries(&mut c).await;
    let i = first_entry_where(&all, |r| r["event"]["type"] == "proposal_drafted");
    let mut bytes = all[i].1.clone();
    let at = bytes.windows(6).position(|w| w == b"troops").unwrap();
    bytes[at] = b'T';
    put(&mut c, all[i].0, &bytes).await;
    // The text no longer matches the hash the entry states: caught at the entry itself.
    fails_naming(&verify(&d, &[]), &format!("entry {i}: proposal_drafted does not follow: the text hash"));

    // A byte changed where nothing inside the entry contradicts it (a position's time) is caught at
    // the next entry, whose `prev` names the original.
    let k = first_entry_where(&all, |r| r["event"]["type"] == "position_taken" && r["seq"].as_u64() > Some(i as u64));
    put(&mut c, all[i].0, &all[i].1).await;
    let mut bytes = all[k].1.clone();
    let at = bytes.windows(4).position(|w| w == b"\"at\"").unwrap() + 20; // a digit of the minutes
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    put(&mut c, all[k].0, &bytes).await;
    fails_naming(&verify(&d, &[]), &format!("entry {}: it does not follow", k + 1));
}

#[tokio::test]
async fn a_dropped_entry_is_caught() {
    let d = demo();
    let mut c = db(&d).await;
    sqlx::query("DELETE FROM log WHERE seq = 5").execute(&mut c).await.unwrap();
    fails_naming(&verify(&d, &[]), "entry 5: expected entry 5, got entry 6");
}

#[tokio::test]
async fn swapped_entries_are_caught() {
    let d = demo();
    let mut c = db(&d).await;
    let all = entries(&mut c).await;
    put(&mut c, 7, &all[8].1).await;
    put(&mut c, 8, &all[7].1).await;
    fails_naming(&verify(&d, &[]), "entry 7: it says it is entry 8");
}

#[tokio::test]
async fn a_false_outcome_in_a_rewritten_log_is_caught_by_replay() {
    let d = demo();
    let mut c = db(&d).await;
    let all = entries(&mut c).await;
    let i = first_entry_where(&all, |r| r["event"]["decision"]["outcome"] == "blocked");
    rewrite(&mut c, i, |r| r["event"]["decision"]["outcome"] = "adopted".into()).await;
    fails_naming(&verify(&d, &[]), &format!("entry {i}: the recorded decision on proposal"));
}

/// Re-signs the rewritten log's checkpoint with the log's own key, as the operator can.
async fn re_sign(d: &Demo, c: &mut SqliteConnection, leaves: &[Hash]) {
    let root = tlog::root_of(leaves);
    let key = Signer::parse(std::fs::read_to_string(d.db.with_file_name("demo-log.key")).unwrap().trim()).unwrap();
    let note = concord_ledger::checkpoint::Checkpoint::new(key.name().as_str(), leaves.len() as u64, root)
        .unwrap()
        .sign(&key)
        .unwrap();
    sqlx::query("UPDATE checkpoints SET root = ?, note = ? WHERE size = ?")
        .bind(root.as_bytes().as_slice())
        .bind(&note)
        .bind(leaves.len() as i64)
        .execute(c)
        .await
        .unwrap();
}

/// Rewrites Türkiye's (unsigned) reservation, and the decision that publishes it, to read
/// `text`; returns the new leaves.
async fn rewrite_reservation(c: &mut SqliteConnection, text: &str) -> Vec<Hash> {
    let all = entries(c).await;
    let i =
        first_entry_where(&all, |r| r["event"]["stance"] == "concur_with_reservation" && r["event"]["member"] == "TUR");
    rewrite(c, i, |r| r["event"]["text"] = text.into()).await;
    let all = entries(c).await;
    let j =
        first_entry_where(&all, |r| r["event"]["decision"]["reservations"].as_array().is_some_and(|a| !a.is_empty()));
    rewrite(c, j, |r| {
        for list in ["reservations", "concurred"] {
            for p in r["event"]["decision"][list].as_array_mut().unwrap() {
                if p["member"] == "TUR" {
                    p["text"] = text.into();
                }
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_history_re_signed_with_the_log_key_forks_from_a_trusted_checkpoint() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let trusted = dir.path().join("trusted.note");
    assert!(verify(&d, &["--save-checkpoint", trusted.to_str().unwrap()]).status.success());

    // The operator rewrites an unsigned reservation (and the decision publishing it), re-chains
    // the log, and signs a new checkpoint with the log's own key.
    let mut c = db(&d).await;
    let leaves = rewrite_reservation(&mut c, "Türkiye has no reservation.").await;
    re_sign(&d, &mut c, &leaves).await;

    // Alone, the rewritten log is consistent: only a checkpoint trusted from before (or a
    // witness) shows the fork.
    let alone = verify(&d, &[]);
    assert!(alone.status.success(), "{}", String::from_utf8_lossy(&alone.stderr));
    fails_naming(
        &verify(&d, &["--trusted-checkpoint", trusted.to_str().unwrap()]),
        "forks from the trusted checkpoint",
    );
}

#[tokio::test]
async fn a_signed_position_cannot_be_rewritten_even_by_the_operator() {
    let d = demo();
    let mut c = db(&d).await;
    // Hungary signed its opt-out. Rewriting it as a concurrence (re-chained, re-signed by the
    // log) leaves Hungary's signature stating "opt out": replay refuses the entry.
    let all = entries(&mut c).await;
    let i = first_entry_where(&all, |r| r["event"]["stance"] == "opt_out");
    assert!(serde_json::from_slice::<Value>(&all[i].1).unwrap()["event"]["evidence"].is_string(), "Hungary signed");
    let leaves = rewrite(&mut c, i, |r| {
        r["event"]["stance"] = "concur".into();
        r["event"].as_object_mut().unwrap().remove("text");
    })
    .await;
    re_sign(&d, &mut c, &leaves).await;
    fails_naming(
        &verify(&d, &[]),
        &format!("entry {i}: position_taken breaks a rule: the signed position does not match"),
    );

    // A position forged with a key that is not Hungary's is refused the same way.
    let forged = Signer::from_seed("demo.concord.example/alliance/member/HUN", [42; 32]).unwrap();
    let leaves = rewrite(&mut c, i, |r| {
        let statement =
            concord_ledger::note::Note::parse(r["event"]["evidence"].as_str().unwrap().as_bytes()).unwrap().text;
        let statement: String =
            statement
                .replace("stance opt_out", "stance concur")
                .lines()
                .map(|l| {
                    if l.starts_with("statement-sha256 ") {
                        "statement-sha256 -\n".to_owned()
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
        r["event"]["evidence"] = concord_ledger::note::sign(&statement, &[&forged]).unwrap().into();
    })
    .await;
    re_sign(&d, &mut c, &leaves).await;
    fails_naming(&verify(&d, &[]), &format!("entry {i}: position_taken breaks a rule: HUN has no key valid at"));
}

#[test]
fn an_export_verifies_with_no_server_and_a_changed_mirror_does_not() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    let export = Command::new(BIN).args(["export", "--db"]).arg(&d.db).arg("--out").arg(&out).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert!(out.join("checkpoint").exists() && out.join("log.vkey").exists());
    assert_eq!(std::fs::read_to_string(out.join("log.vkey")).unwrap().trim(), d.log_key);
    let verify_export = || {
        Command::new(BIN)
            .args(["verify", "--export"])
            .arg(&out)
            .args(["--log-key", out.join("log.vkey").to_str().unwrap()])
            .output()
            .unwrap()
    };
    let ok = verify_export();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("decisions  3 recomputed"));

    // Exporting over an existing folder is refused.
    let again = Command::new(BIN).args(["export", "--db"]).arg(&d.db).arg("--out").arg(&out).output().unwrap();
    fails_naming(&again, "exists already");

    // One changed byte in the mirror's entries is caught.
    let bundle = out.join("tile/entries/000.p").read_dir().unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(6).position(|w| w == b"troops").unwrap();
    bytes[at] = b'T';
    std::fs::write(&bundle, &bytes).unwrap();
    fails_naming(&verify_export(), "verification failed: entry");
    std::fs::remove_file(&bundle).unwrap();
    fails_naming(&verify_export(), "the export lacks tile/entries/000.p/");
}
