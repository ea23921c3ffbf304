//! A webhook delivery in flight when `concord serve` is killed with SIGKILL is not lost: the
//! message was queued durably before the attempt, the attempt was never recorded, and the
//! restarted server delivers it again under the same `webhook-id` (at least once; the receiver
//! de-duplicates by it).

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

mod common;

use common::cli::token;
use common::serve;

/// What the receiver saw: every `webhook-id`, in order, and whether it should hang.
#[derive(Debug, Default)]
struct Seen {
    ids: Vec<String>,
    hang: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_in_flight_at_sigkill_is_delivered_after_the_restart() {
    let seen = Arc::new(Mutex::new(Seen { hang: true, ..Seen::default() }));
    let app =
        axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(
                    |axum::extract::State(seen): axum::extract::State<Arc<Mutex<Seen>>>,
                     headers: axum::http::HeaderMap| async move {
                        let hang = {
                            let mut s = seen.lock().unwrap();
                            s.ids.push(headers["webhook-id"].to_str().unwrap().to_owned());
                            s.hang
                        };
                        if hang {
                            // Holds the call open until the server is killed.
                            tokio::time::sleep(Duration::from_secs(60)).await;
                        }
                        axum::http::StatusCode::NO_CONTENT
                    },
                ),
            )
            .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notices.db");
    let mut server = serve(&db);
    let client = reqwest::Client::new();
    let post = |token: &str, path: &str, body: serde_json::Value| {
        client.post(format!("{}{path}", server.url)).bearer_auth(token.to_owned()).json(&body).send()
    };
    let sec = token(&db, "secretariat", None);
    let admit = json!({ "code": "FRA", "alpha2": "FR", "numeric": "250", "name": "France", "accession": "1949-04-04" });
    assert_eq!(post(&sec, "/api/v1/members", admit).await.unwrap().status(), 201);
    let fra = token(&db, "member", Some("FRA"));
    assert_eq!(post(&fra, "/api/v1/webhooks", json!({ "url": hook })).await.unwrap().status(), 201);
    let draft = json!({ "kind": "statement", "title": "On the corridor", "text": "The alliance agrees." });
    let id =
        post(&sec, "/api/v1/proposals", draft).await.unwrap().json::<serde_json::Value>().await.unwrap()["id"].clone();
    let deadline = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let circulate = json!({ "procedure": "silence", "deadline": deadline, "urgent": null });
    let r = post(&sec, &format!("/api/v1/proposals/{id}/circulate"), circulate).await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // Wait until the notice's delivery is in flight, then kill the server.
    for _ in 0..400 {
        if !seen.lock().unwrap().ids.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let first: BTreeSet<String> = seen.lock().unwrap().ids.iter().cloned().collect();
    assert!(!first.is_empty(), "the delivery never started");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    seen.lock().unwrap().hang = false;
    let _server = serve(&db);
    for _ in 0..400 {
        let again: BTreeSet<String> = seen.lock().unwrap().ids.iter().skip(first.len()).cloned().collect();
        if first.is_subset(&again) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("after the restart the receiver saw only {:?}", seen.lock().unwrap().ids);
}
