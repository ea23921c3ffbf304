//! Authentication over HTTP: every API read and write needs a valid bearer token; a missing or
//! wrong one is a 401 problem with a `WWW-Authenticate: Bearer` challenge, and changes nothing.

mod common;

use common::{Alliance, Resp, hours_from_now};
use serde_json::json;

/// Every read of the API, on a proposal that exists. (The log is public: `api_log.rs`.)
const READS: [&str; 7] = [
    "/api/v1/members",
    "/api/v1/members/BEL",
    "/api/v1/partners",
    "/api/v1/proposals",
    "/api/v1/proposals/1",
    "/api/v1/proposals/1/positions",
    "/api/v1/proposals/1/outcome",
];

#[track_caller]
fn assert_challenge(r: &Resp) {
    r.expect_problem(401, "unauthenticated");
    let challenge = r.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "WWW-Authenticate: {challenge:?}");
}

async fn alliance_with_a_proposal() -> Alliance {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Readable").await;
    assert_eq!(id, 1);
    a.circulate(id, "silence", hours_from_now(3)).await;
    a
}

#[tokio::test]
async fn every_read_requires_a_valid_token() {
    let a = alliance_with_a_proposal().await;
    let (unknown, _) = concord_server::auth::generate_token().expect("random bytes");
    for path in READS {
        assert_challenge(&a.get_anon(path).await);
        assert_challenge(&a.get(&unknown, path).await);
        assert_challenge(&a.get("not-a-concord-token", path).await);
        let basic = a.send(a.client.get(a.url(path)).basic_auth("secretariat", Some("secret"))).await;
        assert_challenge(&basic);
        // The same read with a valid token works for the roles it is released to; an observer
        // is authenticated too, and told only what the public may read (an open proposal is
        // the members': 404, as if absent), never challenged.
        for token in [&a.secretariat, a.token("ISL")] {
            a.get(token, path).await.expect_status(200);
        }
        assert_ne!(a.get(&a.observer, path).await.status, 401, "{path}");
    }
}

#[tokio::test]
async fn writes_without_a_valid_token_are_401_and_change_nothing() {
    let a = alliance_with_a_proposal().await;
    let (unknown, _) = concord_server::auth::generate_token().expect("random bytes");
    let writes = [
        ("/api/v1/proposals", json!({ "kind": "statement", "title": "T", "text": "X" })),
        ("/api/v1/proposals/1/positions", json!({ "member": "BEL", "revision": 1, "stance": "object", "text": "no" })),
        ("/api/v1/proposals/1/withdraw", json!({ "reason": "no reason" })),
        (
            "/api/v1/members",
            json!({ "code": "NOR", "alpha2": "NO", "numeric": "578", "name": "Norway", "accession": "1949-04-04" }),
        ),
        ("/api/v1/partners", json!({ "code": "UKR", "name": "Ukraine" })),
    ];
    for (path, body) in writes {
        let before = (a.log_size().await, a.get(&a.secretariat, "/api/v1/proposals/1").await);
        assert_challenge(&a.send(a.client.post(a.url(path)).json(&body)).await);
        assert_challenge(&a.post(&unknown, path, &body).await);
        // Authentication comes before the body is even read.
        assert_challenge(&a.send(a.client.post(a.url(path)).body("not json")).await);
        a.assert_unchanged(before, "/api/v1/proposals/1").await;
    }
    assert_eq!(a.get(&a.observer, "/api/v1/members/NOR").await.status, 404);
    assert!(a.get(&a.observer, "/api/v1/partners").await.json["items"].as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn the_bearer_scheme_and_token_are_read_strictly() {
    let a = alliance_with_a_proposal().await;
    let path = "/api/v1/members";
    // The token is exact: a changed character or a missing prefix fails.
    let mut altered = a.observer.clone();
    let last = altered.pop().expect("a character");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert_challenge(&a.get(&altered, path).await);
    let without_prefix = a.observer.trim_start_matches("cct_").to_owned();
    assert_challenge(&a.get(&without_prefix, path).await);
    let raw = a.send(a.client.get(a.url(path)).header("authorization", a.observer.clone())).await;
    assert_challenge(&raw);
    let empty = a.send(a.client.get(a.url(path)).header("authorization", "Bearer ")).await;
    assert_challenge(&empty);
    // Surrounding spaces after the scheme are tolerated.
    let spaced = a.send(a.client.get(a.url(path)).header("authorization", format!("Bearer  {} ", a.observer))).await;
    spaced.expect_status(200);
}

#[tokio::test]
async fn a_token_acts_only_as_its_own_actor() {
    let a = alliance_with_a_proposal().await;
    // Two tokens of one member delegation act for the same member.
    let second = a.member_token("BEL").await;
    let r = a.position(&second, 1, 1, "concur", None).await;
    assert!(r.expect_status(201)["positions"]["BEL"].is_object());
    // A token for one member cannot act for another.
    let body = json!({ "member": "CAN", "revision": 1, "stance": "object", "text": "no" });
    a.refused(&second, "/api/v1/proposals/1/positions", &body, 403, "not-permitted", "/api/v1/proposals/1").await;
}

#[tokio::test]
async fn operational_endpoints_need_no_token() {
    let a = Alliance::start().await;
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        a.get_anon(path).await.expect_status(200);
    }
}

#[tokio::test]
async fn the_auth_scheme_is_case_insensitive() {
    let a = Alliance::start().await;
    for scheme in ["bearer", "BEARER"] {
        let r = a
            .send(a.client.get(a.url("/api/v1/members")).header("authorization", format!("{scheme} {}", a.observer)))
            .await;
        r.expect_status(200);
    }
}
