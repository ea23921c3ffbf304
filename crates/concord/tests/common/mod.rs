//! Running the real `concord` binary in tests: a server on a free loopback port, its log key.

#![allow(clippy::unwrap_used, dead_code)] // shared by test files that each use part of it

pub mod cli;
pub mod pg;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_concord");

/// The log key beside `db`, made with `concord keygen` on first use.
pub fn log_key(db: &Path) -> PathBuf {
    let key = db.with_extension("key");
    if !key.exists() {
        let out = Command::new(BIN)
            .args(["keygen", "--name", "test.concord.example/log", "--out"])
            .arg(&key)
            .output()
            .expect("keygen runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let vkey = String::from_utf8(out.stdout).expect("utf-8");
        assert!(vkey.starts_with("test.concord.example/log+"), "{vkey}");
    }
    key
}

/// A `concord serve` process, killed when dropped.
#[derive(Debug)]
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `concord serve` on `db` (a new log accepting unsigned positions) on a free port.
pub fn serve(db: &Path) -> Server {
    serve_on(db.as_os_str(), &log_key(db))
}

/// Starts `concord serve` on a database file or URL, with the log key `key`, on a free port.
pub fn serve_on(db: &std::ffi::OsStr, key: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--log-key")
        .arg(key)
        .arg("--unsigned-positions")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("the server prints its address");
    let url = line.trim().rsplit(' ').next().expect("an address").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line {line:?}");
    Server { child, url }
}

/// A database holding the demo scenario, and the log's verifier key.
pub struct Demo {
    pub _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub log_key: String,
}

pub fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut child = Command::new(BIN)
        .args(["demo", "--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log_key = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(k) = line.trim().strip_prefix("log key") {
            log_key = Some(k.trim().to_owned());
        }
        if line.starts_with("Ctrl-C") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    Demo { _dir: dir, db, log_key: log_key.expect("the demo prints its log key") }
}

/// The title of every proposal on the server, paging through the list.
pub async fn all_titles(client: &reqwest::Client, url: &str, token: &str) -> Vec<String> {
    let mut titles = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut u = format!("{url}/api/v1/proposals?limit=500");
        if let Some(a) = &after {
            u += &format!("&after={a}");
        }
        let page: serde_json::Value = client.get(&u).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        for p in page["items"].as_array().unwrap() {
            titles.push(p["revisions"][0]["title"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => return titles,
        }
    }
}
