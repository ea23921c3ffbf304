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

/// A stored entry: its envelope's bytes and its sealed part (salt, then content).
struct Stored {
    seq: i64,
    envelope: Vec<u8>,
    part: Vec<u8>,
}

impl Stored {
    /// The sealed content (`{"actor":…,"event":…}`), with the envelope's `seq` beside it.
    fn content(&self) -> Value {
        let mut v: Value = serde_json::from_slice(&self.part[SALT..]).unwrap();
        v["seq"] = self.seq.into();
        v
    }
}

const SALT: usize = concord_core::record::SALT_LEN;

async fn entries(c: &mut SqliteConnection) -> Vec<Stored> {
    sqlx::query("SELECT seq, entry, part FROM log ORDER BY seq")
        .fetch_all(c)
        .await
        .unwrap()
        .iter()
        .map(|r| Stored { seq: r.get("seq"), envelope: r.get("entry"), part: r.get("part") })
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

async fn put_part(c: &mut SqliteConnection, seq: i64, part: &[u8]) {
    sqlx::query("UPDATE log SET part = ? WHERE seq = ?").bind(part).bind(seq).execute(c).await.unwrap();
}

/// Rewrites the log from entry `from` on with `edit` applied to that entry's sealed content,
/// re-sealed under its salt and re-chained as a careful operator would (new commitment, new
/// `prev` in every later envelope, canonical bytes, leaf hashes).
async fn rewrite(c: &mut SqliteConnection, from: usize, edit: impl Fn(&mut Value)) -> Vec<Hash> {
    let all = entries(c).await;
    let mut leaves: Vec<Hash> = all.iter().map(|r| leaf_hash(&r.envelope)).collect();
    for i in from..all.len() {
        let mut envelope: Value = serde_json::from_slice(&all[i].envelope).unwrap();
        if i == from {
            let mut content: Value = serde_json::from_slice(&all[i].part[SALT..]).unwrap();
            edit(&mut content);
            let part = [&all[i].part[..SALT], &canonical::to_vec(&content).unwrap()].concat();
            envelope["commitment"] = concord_core::record::commitment(&part).to_hex().into();
            put_part(c, all[i].seq, &part).await;
        }
        if i > 0 {
            envelope["prev"] = Value::String(leaves[i - 1].to_hex());
        }
        let bytes = canonical::to_vec(&envelope).unwrap();
        leaves[i] = leaf_hash(&bytes);
        put(c, all[i].seq, &bytes).await;
    }
    leaves
}

fn first_entry_where(all: &[Stored], pred: impl Fn(&Value) -> bool) -> usize {
    all.iter().position(|r| pred(&r.content())).expect("such an entry")
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
    let mut part = all[i].part.clone();
    let at = part.windows(6).position(|w| w == b"troops").unwrap();
    part[at] = b'T';
    put_part(&mut c, all[i].seq, &part).await;
    // The sealed text no longer matches the envelope's commitment: caught at the entry itself.
    fails_naming(&verify(&d, &[]), &format!("entry {i}: its sealed part does not match the envelope's commitment"));
    // Its salt changed instead: the same.
    let mut part = all[i].part.clone();
    part[3] ^= 1;
    put_part(&mut c, all[i].seq, &part).await;
    fails_naming(&verify(&d, &[]), &format!("entry {i}: its sealed part does not match the envelope's commitment"));
    // Re-sealed with a matching commitment, but not re-chained: the next entry's `prev` breaks.
    put_part(&mut c, all[i].seq, &all[i].part).await;
    rewrite(&mut c, i, |r| r["event"]["title"] = "Troops".into()).await;
    let back = entries(&mut c).await;
    put(&mut c, back[i + 1].seq, &all[i + 1].envelope).await;
    fails_naming(&verify(&d, &[]), &format!("entry {}: it does not follow", i + 1));
    for r in &all {
        put(&mut c, r.seq, &r.envelope).await;
        put_part(&mut c, r.seq, &r.part).await;
    }
    assert!(verify(&d, &[]).status.success(), "restored");

    // A byte changed in an envelope where nothing inside the entry contradicts it (a position's
    // time) is caught at the next entry, whose `prev` names the original.
    let k = first_entry_where(&all, |r| r["event"]["type"] == "position_taken" && r["seq"].as_u64() > Some(i as u64));
    let mut bytes = all[k].envelope.clone();
    let at = bytes.windows(4).position(|w| w == b"\"at\"").unwrap() + 20; // a digit of the minutes
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    put(&mut c, all[k].seq, &bytes).await;
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
    put(&mut c, 7, &all[8].envelope).await;
    put(&mut c, 8, &all[7].envelope).await;
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

/// Re-signs the rewritten log's checkpoint with the log's own key, as the operator can, and
/// rewrites the stored Merkle tree to match (or `verify --db` would name its first stale hash).
async fn re_sign(d: &Demo, c: &mut SqliteConnection, leaves: &[Hash]) {
    for (i, h) in concord_ledger::edge::TreeEdge::default().append(leaves).unwrap() {
        sqlx::query("UPDATE tree_hashes SET hash = ? WHERE idx = ?")
            .bind(h.as_bytes().as_slice())
            .bind(i as i64)
            .execute(&mut *c)
            .await
            .unwrap();
    }
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
    assert!(all[i].content()["event"]["evidence"].is_string(), "Hungary signed");
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
    let verify_export = || verify_export(&out, &d.log_key, &[]);
    let ok = verify_export();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("decisions  3 recomputed"));

    // Exporting over an existing folder is refused.
    let again = Command::new(BIN).args(["export", "--db"]).arg(&d.db).arg("--out").arg(&out).output().unwrap();
    fails_naming(&again, "exists already");

    // One changed byte in the mirror's sealed parts is caught against its commitment.
    let parts = out.join("parts/0.json");
    let original = std::fs::read(&parts).unwrap();
    let mut bytes = original.clone();
    let at = bytes.windows(6).position(|w| w == b"troops").unwrap();
    bytes[at] = b'T';
    std::fs::write(&parts, &bytes).unwrap();
    fails_naming(&verify_export(), "its sealed part does not match the envelope's commitment");
    std::fs::write(&parts, &original).unwrap();

    // One changed byte in the mirror's envelopes is caught.
    let bundle = out.join("tile/entries/000.p").read_dir().unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(16).position(|w| w == b"proposal_drafted").unwrap();
    bytes[at] = b'P';
    std::fs::write(&bundle, &bytes).unwrap();
    fails_naming(&verify_export(), "verification failed: entry");
    std::fs::remove_file(&bundle).unwrap();
    fails_naming(&verify_export(), "the export lacks tile/entries/000.p/");
}

/// Exports the demo for `audience` into a new folder under `dir`, and verifies it.
fn export_for(d: &Demo, dir: &std::path::Path, audience: &str) -> (std::path::PathBuf, Output) {
    let out = dir.join(audience.replace(':', "-"));
    let export = Command::new(BIN)
        .args(["export", "--audience", audience, "--db"])
        .arg(&d.db)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let verified = verify_export(&out, &d.log_key, &[]);
    (out, verified)
}

fn read_all(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all.extend(read_all(&p));
        } else {
            all.extend(std::fs::read(&p).unwrap());
        }
    }
    all
}

/// An export for one delegation carries the business of the bodies it sits in, and verifies
/// as that delegation: it replays them; another delegation's is refused as not its own.
#[test]
fn an_export_for_one_delegation_carries_its_bodies_and_verifies_as_that_delegation() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let group: &[u8] = b"annual review of its consultation arrangements";
    let holds_group = |out: &std::path::Path| read_all(out).windows(group.len()).any(|w| w == group);

    let (germany, ok) = export_for(&d, dir.path(), "delegation:DEU");
    let report = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(holds_group(&germany), "Germany sits in the planning group");
    assert!(!report.contains("bodies you do not sit in"), "Germany replays every body's business: {report}");

    let (france, ok) = export_for(&d, dir.path(), "delegation:FRA");
    let report = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(!holds_group(&france), "France does not");
    assert!(report.contains("entries are the business of bodies you do not sit in"), "{report}");
    let as_germany = verify_export(&france, &d.log_key, &["--delegation", "DEU"]);
    fails_naming(&as_germany, "this export is for FRA's delegation, not DEU's");

    let partner = Command::new(BIN)
        .args(["export", "--audience", "delegation:UKR", "--db"])
        .arg(&d.db)
        .arg("--out")
        .arg(dir.path().join("ukr"))
        .output()
        .unwrap();
    fails_naming(&partner, "UKR is not a member of the log");
    assert!(!dir.path().join("ukr").exists(), "nothing is left behind");
}

/// Removes from `out`'s parts the first one whose content holds every one of `needles`; its
/// entry's number.
fn drop_part(out: &std::path::Path, needles: &[&str]) -> u64 {
    for n in 0.. {
        let path = out.join(format!("parts/{n}.json"));
        let mut list: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let found = list.iter().position(|p| needles.iter().all(|n| p["content"].as_str().unwrap().contains(n)));
        if let Some(at) = found {
            let seq = list.remove(at)["seq"].as_u64().unwrap();
            std::fs::write(&path, serde_json::to_vec(&list).unwrap()).unwrap();
            return seq;
        }
    }
    unreachable!()
}

/// A reader who may not replay everything is still owed what is released to it: a partner the
/// business of the council it takes part in, anyone the parts whose marking names it. One held
/// back fails, instead of passing for one it may not read.
#[test]
fn a_partner_and_the_public_are_owed_what_is_released_to_them() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let verify = |out: &std::path::Path| verify_export(out, &d.log_key, &[]);
    let (ukraine, ok) = export_for(&d, dir.path(), "partner:UKR");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let council: &[u8] = b"closer coordination of air defence deliveries";
    assert!(read_all(&ukraine).windows(council.len()).any(|w| w == council), "Ukraine reads its council's text");
    // Poland's position in the council is Ukraine's to read: held back, it fails.
    let seq = drop_part(&ukraine, &["position_taken", "\"POL\"", "\"proposal\":7"]);
    fails_naming(
        &verify(&ukraine),
        &format!("entry {seq}: its sealed part is withheld, but it is the business of nuc"),
    );
    let as_another = verify_export(&ukraine, &d.log_key, &["--partner", "MDA"]);
    fails_naming(&as_another, "this export is for partner UKR, not MDA");

    let (public, ok) = export_for(&d, dir.path(), "public");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let as_ukraine = verify_export(&public, &d.log_key, &["--partner", "UKR"]);
    fails_naming(&as_ukraine, "this export is for public, not partner UKR");
    let seq = drop_part(&public, &["member_admitted", "Sweden"]);
    fails_naming(&verify(&public), &format!("entry {seq}: its sealed part is withheld, but its marking (public)"));
}

#[test]
fn each_audience_s_export_verifies_and_carries_only_what_it_may_read() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    // Germany's objection to deploying troops is the members' (a blocked proposal's position).
    let secret: &[u8] = b"Germany will not send ground troops.";
    let contains = |hay: &[u8]| hay.windows(secret.len()).any(|w| w == secret);

    let (members, ok) = export_for(&d, dir.path(), "members");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(contains(&read_all(&members)), "a member reads the objection");
    let report = String::from_utf8_lossy(&ok.stdout);
    // An export for every member carries of a body's business only what the public may read,
    // and its verification checks those entries without replaying them.
    let group: &[u8] = b"annual review of its consultation arrangements";
    assert!(!read_all(&members).windows(group.len()).any(|w| w == group), "the planning group's text is its own");
    assert!(report.contains("entries are the business of bodies you do not sit in"), "{report}");
    assert!(report.contains("every other event applies under the domain's rules"), "{report}");
    assert!(report.contains("decisions  3 recomputed"), "a member's replay goes on to the end: {report}");

    // A part held back from a member (not a draft the secretariat holds) is caught, not taken
    // for one the member may not read.
    let parts = members.join("parts/0.json");
    let original = std::fs::read(&parts).unwrap();
    let mut list: Vec<Value> = serde_json::from_slice(&original).unwrap();
    let at = list.iter().position(|p| p["content"].as_str().unwrap().contains("position_taken")).unwrap();
    let seq = list.remove(at)["seq"].as_u64().unwrap();
    std::fs::write(&parts, serde_json::to_vec(&list).unwrap()).unwrap();
    let held_back = verify_export(&members, &d.log_key, &[]);
    fails_naming(&held_back, &format!("entry {seq}: its sealed part is withheld"));
    std::fs::write(&parts, &original).unwrap();

    for audience in ["public", "partner:UKR"] {
        let (out, ok) = export_for(&d, dir.path(), audience);
        assert!(ok.status.success(), "{audience}: {}", String::from_utf8_lossy(&ok.stderr));
        let report = String::from_utf8_lossy(&ok.stdout);
        assert!(report.contains("sealed parts are not released to you"), "{audience}: {report}");
        assert!(!contains(&read_all(&out)), "{audience} must not read the objection");
        // The tiles are the same for every audience.
        assert_eq!(read_all(&out.join("tile")), read_all(&members.join("tile")), "{audience}");
        // Any changed byte of a public export fails: here, in a part it holds.
        let parts = out.join("parts/0.json");
        let original = std::fs::read(&parts).unwrap();
        let mut bytes = original.clone();
        let at = bytes.windows(7).position(|w| w == b"Ukraine").expect("the public reads the roster");
        bytes[at] = b'u';
        std::fs::write(&parts, &bytes).unwrap();
        let verified = verify_export(&out, &d.log_key, &[]);
        fails_naming(&verified, "its sealed part does not match the envelope's commitment");
        std::fs::write(&parts, &original).unwrap();
    }
    // An audience's export cannot be imported as the whole log.
    let db = dir.path().join("imported.db");
    let import = Command::new(BIN)
        .args(["import", "--db"])
        .arg(&db)
        .arg("--from")
        .arg(dir.path().join("public"))
        .output()
        .unwrap();
    fails_naming(&import, "import needs a full one");
}

/// Overwrites one row of the stored Merkle tree, as an operator (or a bad disk) could.
async fn overwrite_tree_hash(c: &mut SqliteConnection, index: i64) {
    let done = sqlx::query("UPDATE tree_hashes SET hash = ? WHERE idx = ?")
        .bind(leaf_hash(b"not the tree").as_bytes().as_slice())
        .bind(index)
        .execute(c)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "tree hash {index} is stored");
}

/// Runs `concord serve` on the demo database until it exits on its own; a server that starts
/// instead is stopped after a bounded wait and the test fails.
fn serve_until_exit(d: &Demo) -> Output {
    let child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(&d.db)
        .arg("--log-key")
        .arg(d.db.with_file_name("demo-log.key"))
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(out) => out,
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("the server started on a database whose tree does not match its entries");
        }
    }
}

#[tokio::test]
async fn an_overwritten_tree_hash_is_named_by_verify_rebuild_export_and_serve() {
    let d = demo();
    let mut c = db(&d).await;
    // Index 5 is the level-1 node over entries 2 and 3: no entry's bytes change, only the tree
    // that tiles and proofs are served from.
    overwrite_tree_hash(&mut c, 5).await;
    let named = "stored tree hash 5 (level 1, node 1) is not the hash recomputed from the entries";
    fails_naming(&verify(&d, &[]), named);
    let rebuild = Command::new(BIN).args(["rebuild", "--db"]).arg(&d.db).output().unwrap();
    fails_naming(&rebuild, named);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    let export = Command::new(BIN).args(["export", "--db"]).arg(&d.db).arg("--out").arg(&out).output().unwrap();
    fails_naming(&export, named);
    assert!(!out.exists(), "no half-written mirror is left behind");
    fails_naming(&serve_until_exit(&d), named);

    // Repaired, the tree verifies again; then the last stored hash (next to where a server
    // filling in missing hashes starts) is caught too.
    let stored: Vec<(i64, Vec<u8>)> = sqlx::query("SELECT idx, hash FROM tree_hashes ORDER BY idx")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("idx"), r.get("hash")))
        .collect();
    let leaves: Vec<Hash> = entries(&mut c).await.iter().map(|r| leaf_hash(&r.envelope)).collect();
    assert_eq!(stored.len() as u64, tlog::stored_hash_count(leaves.len() as u64), "the store holds every hash");
    let mut fixed = concord_ledger::edge::TreeEdge::default();
    let want = fixed.append(&leaves).unwrap();
    sqlx::query("UPDATE tree_hashes SET hash = ? WHERE idx = 5")
        .bind(want[5].1.as_bytes().as_slice())
        .execute(&mut c)
        .await
        .unwrap();
    assert!(verify(&d, &[]).status.success(), "the tree repaired verifies");
    let last = stored.len() as i64 - 1;
    overwrite_tree_hash(&mut c, last).await;
    let (level, n) = tlog::split_stored_hash_index(last as u64);
    let named = format!("stored tree hash {last} (level {level}, node {n}) is not the hash recomputed");
    fails_naming(&verify(&d, &[]), &named);
    fails_naming(&Command::new(BIN).args(["rebuild", "--db"]).arg(&d.db).output().unwrap(), &named);
}

fn export(d: &Demo, out: &std::path::Path) {
    let export = Command::new(BIN).args(["export", "--db"]).arg(&d.db).arg("--out").arg(out).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
}

/// `concord verify --export <out> --log-key <log_key> <extra>…`, the key given apart from the
/// export, as a reader who trusts the log's key and not the mirror's copy of it would.
fn verify_export(out: &std::path::Path, log_key: &str, extra: &[&str]) -> Output {
    Command::new(BIN).args(["verify", "--export"]).arg(out).args(["--log-key", log_key]).args(extra).output().unwrap()
}

#[test]
fn an_export_s_hash_tiles_are_checked_against_its_entries() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    export(&d, &out);
    // The demo's log fits one partial level-0 tile: its hashes are the entries' leaf hashes.
    let tile = out.join("tile/0/000.p").read_dir().unwrap().next().unwrap().unwrap().path();
    let rel = tile.strip_prefix(&out).unwrap().to_str().unwrap().to_owned();
    let good = std::fs::read(&tile).unwrap();
    let mut bytes = good.clone();
    bytes[3 * 32 + 7] ^= 0x40;
    std::fs::write(&tile, &bytes).unwrap();
    fails_naming(
        &verify_export(&out, &d.log_key, &[]),
        &format!("{rel}: hash 3 of the tile is not the one recomputed from the entries"),
    );
    std::fs::write(&tile, &good[32..]).unwrap();
    fails_naming(
        &verify_export(&out, &d.log_key, &[]),
        &format!("{rel}: the tile is {} bytes, not {}", good.len() - 32, good.len()),
    );
    std::fs::remove_file(&tile).unwrap();
    fails_naming(&verify_export(&out, &d.log_key, &[]), &format!("the export lacks {rel}"));
    std::fs::write(&tile, &good).unwrap();
    assert!(verify_export(&out, &d.log_key, &[]).status.success());
}

#[test]
fn an_export_s_checkpoint_is_verified_before_its_size_is_trusted() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mirror");
    export(&d, &out);
    let path = out.join("checkpoint");
    let note = std::fs::read_to_string(&path).unwrap();
    let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
    // A larger size would send a reader after bundles that do not exist; the signature says
    // first that the checkpoint is not the log's.
    std::fs::write(&path, note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 300), 1)).unwrap();
    fails_naming(&verify_export(&out, &d.log_key, &[]), "verification failed: the checkpoint does not verify");
    // `import` checks it first too.
    let import = Command::new(BIN)
        .args(["import", "--db"])
        .arg(dir.path().join("i.db"))
        .arg("--from")
        .arg(&out)
        .output()
        .unwrap();
    fails_naming(&import, "the export does not verify: the checkpoint does not verify");
}

/// The secretariat publishes Germany's objection (the members', in a blocked proposal) with
/// `concord publish`; every source `concord verify` reads — the server as the public, the
/// database, a public export — looks the published entry up and checks the publication against
/// its envelope, and the public now reads the objection.
#[tokio::test]
async fn a_published_entry_is_checked_by_every_source_and_read_by_the_public() {
    let d = demo();
    let secret = "Germany will not send ground troops.";
    let objection = {
        let mut c = db(&d).await;
        let all = entries(&mut c).await;
        let at = first_entry_where(&all, |v| v["event"]["text"].as_str().is_some_and(|t| t.starts_with(secret)));
        all[at].seq
    };
    let bin = |args: &[&str]| Command::new(BIN).args(args).output().unwrap();
    let token = bin(&["token", "create", "--db", d.db.to_str().unwrap(), "--role", "secretariat", "--label", "press"]);
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let server = common::serve_on(d.db.as_os_str(), &d.db.with_file_name("demo-log.key"));
    let s = server.url.as_str();

    let narrower = bin(&["publish", &objection.to_string(), "--to", "members", "--server", s, "--token", &token]);
    fails_naming(&narrower, "a publication only widens");
    let published = bin(&["publish", &objection.to_string(), "--to", "public", "--server", s, "--token", &token]);
    assert!(published.status.success(), "{}", String::from_utf8_lossy(&published.stderr));
    assert!(String::from_utf8_lossy(&published.stdout).contains(&format!("entry {objection} is published to public")));

    // The public, over the server: the objection and the publication are released to it.
    let public = bin(&["verify", "--server", s, "--log-key", &d.log_key]);
    assert!(public.status.success(), "{}", String::from_utf8_lossy(&public.stderr));
    let page = reqwest::get(format!("{s}/api/v1/log/entries?from={objection}&limit=1")).await.unwrap();
    assert!(page.text().await.unwrap().contains(secret), "the public reads the published objection");
    drop(server);

    let whole = verify(&d, &[]);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let dir = tempfile::tempdir().unwrap();
    let (out, verified) = export_for(&d, dir.path(), "public");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    let exported = read_all(&out);
    assert!(exported.windows(secret.len()).any(|w| w == secret.as_bytes()), "the public export carries it");
    // A whole export with the publication imports, checking it on the way, and verifies again.
    let (all, verified) = export_for(&d, dir.path(), "all");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    let imported = dir.path().join("imported.db");
    let import = Command::new(BIN).args(["import", "--db"]).arg(&imported).arg("--from").arg(&all).output().unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let again =
        Command::new(BIN).args(["verify", "--db"]).arg(&imported).args(["--log-key", &d.log_key]).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}
