//! Acknowledged writes survive `kill -9`: the real binary is killed mid-stream, restarted on the
//! same database, and every write it acknowledged is there, with the log intact.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

mod common;

use common::{BIN, all_titles, serve};

fn token(db: &Path) -> String {
    let out = Command::new(BIN)
        .args(["token", "create", "--role", "secretariat", "--db"])
        .arg(db)
        .output()
        .expect("token create runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut server = serve(&db);
    let url = server.url.clone();
    let token = token(&db);
    let client = reqwest::Client::new();

    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..16 {
        let (client, url, token, acked, stop) =
            (client.clone(), url.clone(), token.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let title = format!("writer {w} draft {i}");
                let body = json!({ "kind": "routine", "title": title, "text": "Routine business." });
                let resp = client.post(format!("{url}/api/v1/proposals")).bearer_auth(&token).json(&body).send().await;
                match resp {
                    Ok(r) if r.status().as_u16() == 201 => acked.lock().unwrap().push(title),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    // The server died under us: this write was not acknowledged.
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill once a good number of writes were acknowledged, while the others are in flight.
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.child.kill().expect("SIGKILL"); // std's Child::kill sends SIGKILL on Unix
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    // Restart on the same file: every acknowledged write is there.
    let server = serve(&db);
    let url = server.url.clone();
    let titles: std::collections::BTreeSet<String> = all_titles(&client, &url, &token).await.into_iter().collect();
    let missing: Vec<_> = acked.iter().filter(|t| !titles.contains(*t)).collect();
    assert!(missing.is_empty(), "{} acknowledged writes lost, e.g. {:?}", missing.len(), missing.first());
    assert!(titles.len() >= acked.len());

    // The log is contiguous and its chain intact: entries are numbered 0.. and each names the
    // previous one's hash.
    let range: Value = client
        .get(format!("{url}/api/v1/log/entries?from=0&limit=1000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = range["entries"].as_array().unwrap();
    let mut prev: Option<String> = None;
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64));
        let record: Value = serde_json::from_str(e["entry"].as_str().unwrap()).unwrap();
        if let Some(p) = &prev {
            assert_eq!(record["prev"].as_str(), Some(p.as_str()), "entry {i} does not follow");
        }
        prev = Some(e["leaf_hash"].as_str().unwrap().to_owned());
    }
    drop(server);

    // `concord rebuild` re-checks the whole chain and refolds it.
    let out = Command::new(BIN).args(["rebuild", "--db"]).arg(&db).output().unwrap();
    assert!(out.status.success(), "rebuild failed: {}", String::from_utf8_lossy(&out.stderr));
}
