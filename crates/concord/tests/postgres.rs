//! The binary on PostgreSQL: `concord serve --db postgres://…` records writes that survive
//! `kill -9`, and `token create`, `rebuild`, `verify --db` and `export` work on the same URL.
//! Uses the server at 127.0.0.1:5432 (or `CONCORD_TEST_POSTGRES`), in a database of its own.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::pg::Db;
use common::{BIN, log_key};

fn concord(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[tokio::test]
async fn a_server_on_postgresql_keeps_what_it_acknowledged_and_verifies() {
    let db = Db::new().await;
    let dir = tempfile::tempdir().unwrap();
    let key = log_key(&dir.path().join("pg"));
    let serve = || {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--unsigned-positions", "--db", &db.url, "--log-key"])
            .arg(&key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        (child, line.trim().rsplit(' ').next().unwrap().to_owned())
    };
    let (mut child, url) = serve();
    let out = concord(&["token", "create", "--role", "secretariat", "--db", &db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let client = reqwest::Client::new();
    for i in 0..20 {
        let body = serde_json::json!({ "kind": "routine", "title": format!("On PostgreSQL {i}"), "text": "Routine." });
        let r = client.post(format!("{url}/api/v1/proposals")).bearer_auth(&token).json(&body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let (mut child, url) = serve();
    let page: serde_json::Value = client
        .get(format!("{url}/api/v1/proposals?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 20, "every acknowledged draft is there");
    child.kill().unwrap();
    child.wait().unwrap();

    let vkey = concord_ledger::keys::Signer::parse(std::fs::read_to_string(&key).unwrap().trim())
        .unwrap()
        .verifier()
        .to_string();
    let out = concord(&["verify", "--db", &db.url, "--log-key", &vkey]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = concord(&["rebuild", "--db", &db.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mirror = dir.path().join("mirror");
    let out = Command::new(BIN).args(["export", "--db", &db.url, "--out"]).arg(&mirror).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN).args(["verify", "--export"]).arg(&mirror).args(["--log-key", &vkey]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let out = concord(&["token", "create", "--role", "secretariat", "--db", "postgres://postgres@127.0.0.1:1/none"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("cannot open the PostgreSQL database"), "{err}");
}

/// The log's entries and checkpoint as a server serves them.
async fn served_log(url: &str) -> (Vec<serde_json::Value>, String) {
    let client = reqwest::Client::new();
    let page: serde_json::Value =
        client.get(format!("{url}/api/v1/log/entries?from=0&limit=1000")).send().await.unwrap().json().await.unwrap();
    let checkpoint = client.get(format!("{url}/api/v1/log/checkpoint")).send().await.unwrap().text().await.unwrap();
    (page["entries"].as_array().unwrap().clone(), checkpoint)
}

#[tokio::test]
async fn a_log_moves_from_sqlite_to_postgresql_and_back_with_the_same_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("first.db");
    let key = log_key(&sqlite);
    let server = common::serve(&sqlite);
    let out = concord(&["token", "create", "--role", "secretariat", "--db", sqlite.to_str().unwrap()]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let client = reqwest::Client::new();
    for i in 0..300 {
        let body = serde_json::json!({ "kind": "routine", "title": format!("Moved {i}"), "text": "Routine." });
        let r = client
            .post(format!("{}/api/v1/proposals", server.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    let before = served_log(&server.url).await;
    drop(server);
    let dump = |db: &str| {
        let out = concord(&["rebuild", "--db", db]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // The first line: size, root and what the state holds; a SQLite file's snapshot follows.
        String::from_utf8(out.stdout).unwrap().lines().next().unwrap().to_owned()
    };
    let first = dump(sqlite.to_str().unwrap());

    // SQLite → export → PostgreSQL.
    let export = dir.path().join("export");
    let out = Command::new(BIN).args(["export", "--db"]).arg(&sqlite).arg("--out").arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pg = Db::new().await;
    let out = Command::new(BIN).args(["import", "--db", &pg.url, "--from"]).arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 301 entries"), "{out:?}");
    // Importing again is refused: the database is no longer empty.
    let out = Command::new(BIN).args(["import", "--db", &pg.url, "--from"]).arg(&export).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a log of 301 entries"), "{out:?}");

    // PostgreSQL → export → a new SQLite file.
    let export2 = dir.path().join("export2");
    let out = Command::new(BIN).args(["export", "--db", &pg.url, "--out"]).arg(&export2).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = dir.path().join("back.db");
    let out = Command::new(BIN).args(["import", "--db"]).arg(&back).arg("--from").arg(&export2).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The same entries, root and state at every stop; and the log goes on.
    std::fs::copy(&key, back.with_extension("key")).unwrap();
    assert_eq!(dump(&pg.url), first);
    assert_eq!(dump(back.to_str().unwrap()), first);
    let server = common::serve(&back);
    assert_eq!(served_log(&server.url).await, before);
    // Tokens are operational data of one database, not part of the log: the old one is unknown.
    let body = serde_json::json!({ "kind": "routine", "title": "After the move", "text": "Routine." });
    let post =
        |token: String| client.post(format!("{}/api/v1/proposals", server.url)).bearer_auth(token).json(&body).send();
    assert_eq!(post(token).await.unwrap().status().as_u16(), 401);
    let out = concord(&["token", "create", "--role", "secretariat", "--db", back.to_str().unwrap()]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(post(token).await.unwrap().status().as_u16(), 201);
}

#[test]
fn an_export_that_was_tampered_with_is_not_imported() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("t.db");
    drop(common::serve(&sqlite));
    let export = dir.path().join("export");
    let out = Command::new(BIN).args(["export", "--db"]).arg(&sqlite).arg("--out").arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bundle = export.join("tile/entries/000.p/1");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let target = dir.path().join("target.db");
    let out = Command::new(BIN).args(["import", "--db"]).arg(&target).arg("--from").arg(&export).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("does not verify"), "{err}");
    assert!(!target.exists(), "nothing was written");
}

#[test]
fn a_server_given_an_unreachable_database_exits_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let key = log_key(&dir.path().join("k"));
    let out = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--db", "postgres://postgres@127.0.0.1:1/none", "--log-key"])
        .arg(&key)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("cannot open the PostgreSQL database"), "{err}");
}
