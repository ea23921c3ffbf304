//! The binary on PostgreSQL: `concord serve --db postgres://…` records writes that survive
//! `kill -9`, and `token create`, `rebuild`, `verify --db` and `export` work on the same URL.
//! Uses the server at 127.0.0.1:5432 (or `CONCORD_TEST_POSTGRES`), in a database of its own.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{BIN, log_key};
use sqlx::{Connection, Executor, PgConnection};

fn server_url() -> String {
    std::env::var("CONCORD_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh database, dropped when the test ends.
struct Db {
    name: String,
    url: String,
}

impl Db {
    async fn new() -> Self {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).unwrap();
        let name = format!("concord_cli_{}", hex::encode(seed));
        let mut c = PgConnection::connect(&format!("{}/postgres", server_url())).await.unwrap();
        c.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
        Self { url: format!("{}/{name}", server_url()), name }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let (url, name) = (format!("{}/postgres", server_url()), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = c.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}

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
