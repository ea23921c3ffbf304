//! Three `concord serve` processes on one PostgreSQL database: concurrent writes through all of
//! them make one log with no gap and no fork, a deadline is closed exactly once, one process is
//! killed mid-stream without losing anything it acknowledged, and the whole log verifies
//! (every decision recomputed equal) afterwards.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::pg::Db;
use common::{BIN, Server, log_key, serve_on};
use serde_json::{Value, json};

fn token(db: &str, role: &str, code: Option<&str>) -> String {
    let mut args = vec!["token", "create", "--role", role, "--db", db];
    if let Some(c) = code {
        args.extend(["--code", c]);
    }
    let out = Command::new(BIN).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> reqwest::Result<reqwest::Response> {
    client.post(url).bearer_auth(token).json(body).send().await
}

/// Every entry of the log, as served.
async fn entries(client: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/log/entries?from={}&limit=1000", out.len()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let batch = page["entries"].as_array().unwrap();
        if batch.is_empty() {
            return out;
        }
        out.extend(batch.iter().cloned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_on_one_database_keep_one_log() {
    let db = Db::new().await;
    let dir = tempfile::tempdir().unwrap();
    let key = log_key(&dir.path().join("cluster"));
    // All three start at once on the empty database: one creates the log, the others load it.
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let (url, key) = (db.url.clone(), key.clone());
            std::thread::spawn(move || serve_on(url.as_ref(), &key))
        })
        .collect();
    let mut servers: Vec<Server> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let client = reqwest::Client::new();
    let sec = token(&db.url, "secretariat", None);

    for (i, (code, a2, num)) in [("FRA", "FR", "250"), ("DEU", "DE", "276"), ("USA", "US", "840")].iter().enumerate() {
        let body = json!({ "code": code, "alpha2": a2, "numeric": num, "name": code, "accession": "1949-08-24" });
        let r = post(&client, &format!("{}/api/v1/members", urls[i]), &sec, &body).await.unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    }
    // Silence procedures drafted and circulated through different servers, all ending while the
    // writes below go on: every server's scheduler races to close each one.
    let deadline = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(6);
    let mut procedures = Vec::new();
    for i in 0..6 {
        let base = &urls[i % 3];
        let body = json!({ "kind": "statement", "title": format!("Statement {i}"), "text": "No troops." });
        let r = post(&client, &format!("{base}/api/v1/proposals"), &sec, &body).await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
        let body = json!({ "procedure": "silence", "deadline": deadline.to_string(), "urgent": "These procedures end in seconds." });
        let base = &urls[(i + 1) % 3];
        let r = post(&client, &format!("{base}/api/v1/proposals/{id}/circulate"), &sec, &body).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
        procedures.push(id);
    }

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..12 {
        let (client, base, sec, acked, stop) =
            (client.clone(), urls[w % 3].clone(), sec.clone(), acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let title = format!("writer {w} draft {i}");
                let body = json!({ "kind": "routine", "title": title, "text": "Routine business." });
                match post(&client, &format!("{base}/api/v1/proposals"), &sec, &body).await {
                    Ok(r) if r.status().as_u16() == 201 => acked.lock().unwrap().push(title),
                    Ok(r) => panic!("unexpected status {}: {}", r.status(), r.text().await.unwrap()),
                    // The server died under us: this write was not acknowledged.
                    Err(_) => break,
                }
            }
        }));
    }
    // Two members concur on the first procedures through different servers meanwhile.
    for (m, code) in ["FRA", "DEU"].iter().enumerate() {
        let t = token(&db.url, "member", Some(code));
        for (i, id) in procedures.iter().take(3).enumerate() {
            let base = &urls[(i + m) % 2];
            let body = json!({ "revision": 1, "stance": "concur" });
            let r = post(&client, &format!("{base}/api/v1/proposals/{id}/positions"), &t, &body).await.unwrap();
            assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
        }
    }

    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut killed = servers.pop().unwrap();
    killed.child.kill().unwrap(); // SIGKILL, mid-stream
    killed.child.wait().unwrap();
    // Let the deadlines pass with writes still going on, then stop.
    while jiff::Timestamp::now() < deadline + jiff::SignedDuration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    // One log: numbered without gaps, each entry naming the one before, the same from both
    // surviving servers.
    let log = entries(&client, &urls[0], &sec).await;
    assert_eq!(log, entries(&client, &urls[1], &sec).await);
    let mut prev: Option<&str> = None;
    let mut decided = BTreeMap::<u64, usize>::new();
    let mut titles = BTreeSet::new();
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64));
        let envelope: Value = serde_json::from_str(e["entry"].as_str().unwrap()).unwrap();
        if let Some(p) = prev {
            assert_eq!(envelope["prev"].as_str(), Some(p), "entry {i} does not follow");
        }
        prev = e["leaf_hash"].as_str();
        // Read with the secretariat's token: every sealed part is served.
        let record: Value = serde_json::from_str(e["part"]["content"].as_str().unwrap()).unwrap();
        match record["event"]["type"].as_str().unwrap() {
            "proposal_decided" => *decided.entry(record["event"]["proposal"].as_u64().unwrap()).or_default() += 1,
            "proposal_drafted" => {
                titles.insert(record["event"]["title"].as_str().unwrap().to_owned());
            }
            _ => {}
        }
    }
    // Every acknowledged write is in it, whichever server took it.
    let missing: Vec<_> = acked.iter().filter(|t| !titles.contains(*t)).collect();
    assert!(missing.is_empty(), "{} acknowledged writes lost, e.g. {:?}", missing.len(), missing.first());
    // Every deadline was closed, exactly once, and adopted.
    for id in &procedures {
        assert_eq!(decided.get(id), Some(&1), "proposal {id} decided {:?} times", decided.get(id));
        let p: Value = client
            .get(format!("{}/api/v1/proposals/{id}", urls[1]))
            .bearer_auth(&sec)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(p["status"], "adopted", "{p}");
    }
    drop(servers);

    // The offline verifier replays the whole log: chain, tree, signed checkpoint, and every
    // decision recomputed from the positions before it.
    let vkey = concord_ledger::keys::Signer::parse(std::fs::read_to_string(&key).unwrap().trim())
        .unwrap()
        .verifier()
        .to_string();
    let out = Command::new(BIN).args(["verify", "--db", &db.url, "--log-key", &vkey]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains(&format!("entries    {} \u{2014}", log.len())), "{report}");
    assert!(report.contains(&format!("decisions  {} recomputed", procedures.len())), "{report}");
}
