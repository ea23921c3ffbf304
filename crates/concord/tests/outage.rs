//! The database going away under a running server: writes fail with 503 problem documents,
//! `/readyz` says why, and when the database is back the server serves again, with every write
//! it acknowledged in the log. The outage is real: the server reaches PostgreSQL through a TCP
//! relay in this test, which cuts every connection and refuses new ones, then lets them through.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::pg::{Db, server_url};
use common::{BIN, log_key, serve_on};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

/// A TCP relay to PostgreSQL that can be cut.
struct Relay {
    port: u16,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (d, l) = (down.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = listener.accept().await.unwrap();
                if d.load(Ordering::SeqCst) {
                    drop(inbound); // refused: the database is "down"
                    continue;
                }
                let upstream = upstream.clone();
                l.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                }));
            }
        });
        Self { port, down, links }
    }

    /// Cuts every open connection and refuses new ones.
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_503_and_readyz_says_why_then_service_resumes() {
    let db = Db::new().await;
    let upstream = server_url().rsplit('@').next().unwrap().to_owned();
    let relay = Relay::start(upstream).await;
    let name = db.url.rsplit('/').next().unwrap();
    let relayed = format!("postgres://postgres@127.0.0.1:{}/{name}", relay.port);
    let dir = tempfile::tempdir().unwrap();
    let server = serve_on(relayed.as_ref(), &log_key(&dir.path().join("outage")));
    let out = Command::new(BIN).args(["token", "create", "--role", "secretariat", "--db", &db.url]).output().unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let draft = |title: String| {
        let body = json!({ "kind": "routine", "title": title, "text": "Routine." });
        client.post(format!("{}/api/v1/proposals", server.url)).bearer_auth(&token).json(&body).send()
    };
    let mut acked = Vec::new();
    for i in 0..10 {
        let r = draft(format!("before {i}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        acked.push(format!("before {i}"));
    }

    // Writers keep going through the outage: every answer is 201 or a 503 problem document.
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (client, url, token, stop) = (client.clone(), server.url.clone(), token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let title = format!("writer {w} draft {i}");
                    let body = json!({ "kind": "routine", "title": title, "text": "Routine." });
                    let r = client.post(format!("{url}/api/v1/proposals")).bearer_auth(&token).json(&body).send();
                    let r = r.await.unwrap();
                    match r.status().as_u16() {
                        201 => acked.push(title),
                        503 => assert_eq!(r.headers()["content-type"], "application/problem+json"),
                        other => panic!("unexpected status {other}"),
                    }
                }
                acked
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    relay.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = draft("during".into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 503, "{problem}");
    let r = client.get(format!("{}/readyz", server.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let why: serde_json::Value = r.json().await.unwrap();
    assert!(why["detail"].as_str().unwrap().contains("database"), "{why}");

    relay.restore();
    // Service resumes by itself once the database answers again.
    let mut ready = false;
    for _ in 0..100 {
        if client.get(format!("{}/readyz", server.url)).send().await.unwrap().status().is_success() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "readyz never became ready again");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    for i in 0..10 {
        let r = draft(format!("after {i}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
        acked.push(format!("after {i}"));
    }
    let titles: std::collections::BTreeSet<String> =
        common::all_titles(&client, &server.url, &token).await.into_iter().collect();
    for t in &acked {
        assert!(titles.contains(t), "{t} was acknowledged and is gone");
    }
    assert!(!titles.contains("during"), "a write answered 503 happened");
    drop(server);
    let out = Command::new(BIN).args(["rebuild", "--db", &db.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
