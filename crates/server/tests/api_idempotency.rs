//! `Idempotency-Key` over HTTP: a retried write is answered with the first reply, byte for byte,
//! and the log grows once; a key reused for a different request is refused; keys belong to the
//! principal that used them.

mod common;

use common::{Alliance, Server, hours_from_now, join_all};
use serde_json::json;

#[tokio::test]
async fn a_retried_draft_is_replayed_byte_for_byte_and_logged_once() {
    let s = Server::start().await;
    let body = json!({ "kind": "statement", "title": "Retried", "text": "Sent twice over a flaky link." });
    let size = s.log_size().await;

    let first = s.post_keyed(&s.secretariat, "/api/v1/proposals", "draft-42", &body).await;
    first.expect_status(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(s.log_size().await, size + 1);

    let second = s.post_keyed(&s.secretariat, "/api/v1/proposals", "draft-42", &body).await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.bytes, first.bytes, "the replay is byte-identical");
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.header("content-type"), Some("application/json"));
    assert_eq!(s.log_size().await, size + 1, "the log grew only once");
    let list = s.get(&s.secretariat, "/api/v1/proposals").await;
    assert_eq!(list.expect_status(200)["items"].as_array().map(Vec::len), Some(1));

    // A second token of the same principal (the secretariat) sees the same key.
    let other_secretariat_token = s.mint(concord_core::Actor::Secretariat).await;
    let third = s.post_keyed(&other_secretariat_token, "/api/v1/proposals", "draft-42", &body).await;
    assert_eq!(third.bytes, first.bytes);
    assert_eq!(third.header("idempotent-replayed"), Some("true"));
    assert_eq!(s.log_size().await, size + 1);
}

#[tokio::test]
async fn the_replay_is_the_first_reply_even_after_the_resource_changed() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Replay after change").await;
    a.circulate(id, "silence", hours_from_now(3)).await;
    let path = format!("/api/v1/proposals/{id}/positions");
    let body = json!({ "revision": 1, "stance": "concur" });
    let first = a.post_keyed(a.token("BEL"), &path, "bel-1", &body).await;
    assert_eq!(first.expect_status(201)["positions"].as_object().map(serde_json::Map::len), Some(1));
    a.position(a.token("CAN"), id, 1, "concur", None).await.expect_status(201);

    let size = a.log_size().await;
    let again = a.post_keyed(a.token("BEL"), &path, "bel-1", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.bytes, first.bytes, "the recorded reply, not the proposal as it is now");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.log_size().await, size);
}

#[tokio::test]
async fn a_key_reused_for_a_different_request_is_refused() {
    let a = Alliance::start().await;
    let body = json!({ "kind": "statement", "title": "First use", "text": "X." });
    a.post_keyed(&a.secretariat, "/api/v1/proposals", "k-1", &body).await.expect_status(201);

    let watch = "/api/v1/proposals";
    let cases = [
        // A different body on the same path.
        ("/api/v1/proposals", json!({ "kind": "statement", "title": "Second use", "text": "X." })),
        // Another path, with a body that path accepts.
        ("/api/v1/proposals/1/amend", json!({ "title": "First use", "text": "X." })),
        // Another command altogether.
        ("/api/v1/proposals/1/withdraw", json!({ "reason": "changed my mind" })),
    ];
    for (path, body) in cases {
        let before = (a.log_size().await, a.get(&a.secretariat, watch).await);
        let r = a.post_keyed(&a.secretariat, path, "k-1", &body).await;
        r.expect_problem(422, "idempotency-key-reused");
        assert_eq!(r.header("idempotent-replayed"), None);
        a.assert_unchanged(before, watch).await;
    }
    assert_eq!(a.proposal(1).await["status"], "draft");
    // Whitespace is part of the body the key fingerprints.
    let spaced = "{\"kind\": \"statement\",  \"title\": \"First use\", \"text\": \"X.\"}";
    let r = a
        .send(
            a.client
                .post(a.url(watch))
                .bearer_auth(&a.secretariat)
                .header("idempotency-key", "k-1")
                .header("content-type", "application/json")
                .body(spaced),
        )
        .await;
    r.expect_problem(422, "idempotency-key-reused");
}

#[tokio::test]
async fn keys_belong_to_their_principal() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Shared key").await;
    a.circulate(id, "silence", hours_from_now(3)).await;
    let path = format!("/api/v1/proposals/{id}/positions");
    let body = json!({ "revision": 1, "stance": "concur" });
    let size = a.log_size().await;
    // Five delegations pick the same key for the same body: five positions, none replayed.
    for (code, token) in &a.members {
        let r = a.post_keyed(token, &path, "same-key", &body).await;
        assert_eq!(r.expect_status(201)["positions"][code]["stance"], "concur");
        assert_eq!(r.header("idempotent-replayed"), None, "{code} got another principal's reply");
    }
    assert_eq!(a.log_size().await, size + 5);
    // The secretariat's use of the same key is its own as well.
    let draft = json!({ "kind": "routine", "title": "Also same-key", "text": "X." });
    a.post_keyed(&a.secretariat, "/api/v1/proposals", "same-key", &draft).await.expect_status(201);
    assert_eq!(a.log_size().await, size + 6);
}

#[tokio::test]
async fn a_refused_write_does_not_use_up_its_key() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Not yet open").await;
    let path = format!("/api/v1/proposals/{id}/positions");
    let body = json!({ "revision": 1, "stance": "concur" });
    let r = a.post_keyed(a.token("FRA"), &path, "fra-1", &body).await;
    r.expect_problem(409, "not-open");
    // Retried with the same key: still refused, not replayed from a cache of refusals...
    let r = a.post_keyed(a.token("FRA"), &path, "fra-1", &body).await;
    r.expect_problem(409, "not-open");
    assert_eq!(r.header("idempotent-replayed"), None);
    // ...and once the state allows it, the same key and body go through.
    a.circulate(id, "silence", hours_from_now(3)).await;
    let size = a.log_size().await;
    let r = a.post_keyed(a.token("FRA"), &path, "fra-1", &body).await;
    r.expect_status(201);
    assert_eq!(r.header("idempotent-replayed"), None);
    assert_eq!(a.log_size().await, size + 1);
}

#[tokio::test]
async fn malformed_keys_are_400_and_change_nothing() {
    let s = Server::start().await;
    let body = json!({ "kind": "statement", "title": "Bad key", "text": "X." });
    for key in ["", "has space", &"k".repeat(256), "tab\tkey"] {
        let before = (s.log_size().await, s.get(&s.secretariat, "/api/v1/proposals").await);
        let r = s.post_keyed(&s.secretariat, "/api/v1/proposals", key, &body).await;
        r.expect_problem(400, "invalid-idempotency-key");
        s.assert_unchanged(before, "/api/v1/proposals").await;
    }
    // The longest key is accepted.
    s.post_keyed(&s.secretariat, "/api/v1/proposals", &"k".repeat(255), &body).await.expect_status(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_write_once() {
    let s = Server::start().await;
    let body = json!({ "kind": "statement", "title": "Hammered", "text": "Retried in parallel." });
    let size = s.log_size().await;
    let tries = (0..16).map(|_| s.post_keyed(&s.secretariat, "/api/v1/proposals", "parallel", &body));
    let replies = join_all(tries).await;

    // Each retry is the one write, its replay, or a 503 to retry while the first is in flight.
    let mut originals = 0;
    let mut created = None;
    for r in &replies {
        match r.status {
            201 => {
                if r.header("idempotent-replayed").is_none() {
                    originals += 1;
                }
                let first = created.get_or_insert_with(|| r.bytes.clone());
                assert_eq!(&r.bytes, first, "every 201 carries the same body");
            }
            503 => {
                r.expect_problem(503, "unavailable");
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}: {}", String::from_utf8_lossy(&r.bytes)),
        }
    }
    assert_eq!(originals, 1, "exactly one retry did the write");
    assert_eq!(s.log_size().await, size + 1);
    // Once it is done, a retry is a replay.
    let r = s.post_keyed(&s.secretariat, "/api/v1/proposals", "parallel", &body).await;
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
    assert_eq!(Some(&r.bytes), created.as_ref());
}
