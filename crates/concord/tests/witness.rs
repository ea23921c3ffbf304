//! Witnesses end to end: a member runs `concord witness`; the server asks it to cosign each new
//! checkpoint; the cosignature is served on the checkpoint, and `concord verify --witness` counts
//! it towards a quorum. A witness restarted with its state carries on from what it cosigned.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, log_key};
use serde_json::json;
use sqlx::Connection;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a witness on a free port; returns it, its URL and its cosigning key.
fn witness(dir: &Path, log_vkey: &str) -> (Proc, String, String) {
    let key = dir.join("witness.key");
    if !key.exists() {
        let out = Command::new(BIN).args(["keygen", "--name", "w1.test/witness", "--out"]).arg(&key).output().unwrap();
        assert!(out.status.success());
    }
    let mut child = Command::new(BIN)
        .args(["witness", "--listen", "127.0.0.1:0", "--key"])
        .arg(&key)
        .args(["--log-key", log_vkey, "--state"])
        .arg(dir.join("witness-state"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // "concord witness on http://ADDR cosigning ORIGIN as VKEY"
    let words: Vec<&str> = line.split_whitespace().collect();
    (Proc(child), words[3].to_owned(), words.last().unwrap().to_string())
}

fn serve(db: &Path, witness: &str) -> (Proc, String) {
    serve_logging_to(db, witness, Stdio::inherit())
}

fn serve_logging_to(db: &Path, witness: &str, log: Stdio) -> (Proc, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--unsigned-positions", "--db"])
        .arg(db)
        .arg("--log-key")
        .arg(log_key(db))
        .args(["--witness", witness])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Proc(child), line.trim().rsplit(' ').next().unwrap().to_owned())
}

fn vkey_of(key_file: &Path) -> String {
    let text = std::fs::read_to_string(key_file).unwrap();
    concord_ledger::keys::Signer::parse(text.trim()).unwrap().verifier().to_string()
}

/// Waits (boundedly) until the served checkpoint is for `size` entries or more and carries a
/// line by the witness; returns the checkpoint.
fn cosigned_checkpoint(url: &str, size_at_least: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let note = reqwest::blocking::get(format!("{url}/api/v1/log/checkpoint")).unwrap().text().unwrap();
        let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
        if size >= size_at_least && note.contains("— w1.test/witness ") {
            return note;
        }
        assert!(Instant::now() < deadline, "no cosignature arrived: {note}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn draft(url: &str, token: &str, title: &str) {
    let body = json!({ "kind": "routine", "title": title, "text": "Routine business." });
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}/api/v1/proposals"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

#[test]
fn checkpoints_are_cosigned_by_the_members_witness_and_verified_with_a_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let log = vkey_of(&log_key(&db));
    let (w, w_url, w_key) = witness(dir.path(), &log);
    let (server, url) = serve(&db, &format!("{w_url}={w_key}"));
    let token = String::from_utf8(
        Command::new(BIN).args(["token", "create", "--role", "secretariat", "--db"]).arg(&db).output().unwrap().stdout,
    )
    .unwrap()
    .trim()
    .to_owned();

    draft(&url, &token, "First");
    let first = cosigned_checkpoint(&url, 2);
    draft(&url, &token, "Second");
    let second = cosigned_checkpoint(&url, 3);
    assert_ne!(first, second);

    let verify = |extra: &[&str]| {
        Command::new(BIN).args(["verify", "--server", &url, "--log-key", &log]).args(extra).output().unwrap()
    };
    let ok = verify(&["--witness", &w_key, "--quorum", "1"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("witnesses  1 cosigned: w1.test/witness"));
    // Another witness's key does not make the quorum.
    let stranger =
        concord_ledger::keys::Signer::from_seed("w2.test/witness", [5; 32]).unwrap().cosigner_verifier().to_string();
    let short = verify(&["--witness", &stranger, "--quorum", "1"]);
    assert!(!short.status.success());

    // The witness restarts from its state; the server goes on asking from what it cosigned.
    drop(w);
    let (_w, w_url2, _) = witness(dir.path(), &log);
    assert_ne!(w_url2, w_url, "a new port");
    drop(server);
    let (_server, url) = serve(&db, &format!("{w_url2}={w_key}"));
    draft(&url, &token, "Third");
    cosigned_checkpoint(&url, 4);
}

fn secretariat_token(db: &Path) -> String {
    let out = Command::new(BIN).args(["token", "create", "--role", "secretariat", "--db"]).arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_cosignature_the_server_lost_is_asked_for_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let log = vkey_of(&log_key(&db));
    let (_w, w_url, w_key) = witness(dir.path(), &log);
    let witness_arg = format!("{w_url}={w_key}");
    let (server, url) = serve(&db, &witness_arg);
    let token = secretariat_token(&db);
    draft(&url, &token, "First");
    let cosigned = cosigned_checkpoint(&url, 2);
    let size: u64 = cosigned.lines().nth(1).unwrap().parse().unwrap();
    drop(server);

    // The server "crashed" after the witness answered but before its cosignature was committed:
    // the witness remembers the checkpoint, the database has no cosignature of it.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        let deleted = sqlx::query("DELETE FROM cosignatures").execute(&mut c).await.unwrap();
        assert!(deleted.rows_affected() > 0);
    });

    // Restarted with no new entry, the server asks from size 0; the witness answers 409 with the
    // size it cosigned, which is this very checkpoint's; the server asks again from there and
    // the witness cosigns it again. The refusal is logged with its reason.
    let log_file = dir.path().join("serve.log");
    let (server, url) = serve_logging_to(&db, &witness_arg, std::fs::File::create(&log_file).unwrap().into());
    let again = cosigned_checkpoint(&url, size);
    assert_eq!(again.lines().nth(1).unwrap().parse::<u64>().unwrap(), size, "the same checkpoint, cosigned again");
    drop(server);
    let logged = std::fs::read_to_string(&log_file).unwrap();
    // Without the terminal's colour codes.
    let mut parts = logged.split('\x1b');
    let logged: String =
        parts.next().into_iter().chain(parts.map(|p| p.split_once('m').map_or(p, |(_, rest)| rest))).collect();
    let refusal = logged.lines().find(|l| l.contains("the witness refused")).unwrap_or_else(|| panic!("{logged}"));
    assert!(
        refusal.contains("WARN") && refusal.contains("w1.test/witness") && refusal.contains("status=409"),
        "{refusal}"
    );
    assert!(refusal.contains(&format!("body={size}")), "{refusal}");
}

#[test]
fn a_witness_that_cosigned_the_empty_log_cosigns_its_growth() {
    use concord_ledger::checkpoint::Checkpoint;
    use concord_ledger::witness::AddCheckpoint;
    use concord_ledger::{Hash, leaf_hash, tlog};

    let dir = tempfile::tempdir().unwrap();
    let key_file = log_key(&dir.path().join("l.db"));
    let log = concord_ledger::keys::Signer::parse(std::fs::read_to_string(&key_file).unwrap().trim()).unwrap();
    let (_w, w_url, _) = witness(dir.path(), &log.verifier().to_string());
    let leaves: Vec<Hash> = (0..3u8).map(|i| leaf_hash(&[i])).collect();
    let post = |old: u64, proof: Vec<Hash>, leaves: &[Hash]| {
        let c = Checkpoint::new(log.name().as_str(), leaves.len() as u64, tlog::root_of(leaves)).unwrap();
        let body = AddCheckpoint { old_size: old, proof, checkpoint: c.sign(&log).unwrap() }.format();
        let r = reqwest::blocking::Client::new().post(format!("{w_url}/add-checkpoint")).body(body).send().unwrap();
        r.status().as_u16()
    };
    assert_eq!(post(0, vec![], &[]), 200, "the empty log");
    // From old size 0 the proof must be empty (c2sp.org/tlog-witness): one that is not is 422.
    assert_eq!(post(0, vec![leaves[0]], &leaves), 422);
    assert_eq!(post(0, vec![], &leaves), 200, "its growth, from size 0 with the empty proof");
    assert_eq!(post(0, vec![], &leaves), 409, "and now the witness knows size 3");
}
