//! Webhook delivery against a real receiver on a loopback port, which verifies each signature
//! with the specification's reference crate (`standardwebhooks`) as a subscriber would.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Shared;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use concord_core::notice::{Notice, What};
use concord_core::{CountryCode, ProposalId, Reader};
use concord_notify::webhook::{self, GIVE_UP_AFTER, Sender, WebhookError};
use rand::SeedableRng;

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    /// Each verified delivery: its id and body.
    verified: Vec<(String, Vec<u8>)>,
    /// Requests whose signature did not verify.
    forged: usize,
    /// Attempts at the flaky route.
    flaky: usize,
}

struct Receiver {
    secret: String,
    seen: Mutex<Seen>,
}

async fn ok(Shared(r): Shared<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let reference = standardwebhooks::Webhook::new(&r.secret).unwrap();
    let mut seen = r.seen.lock().unwrap();
    let json = headers.get(header::CONTENT_TYPE).is_some_and(|v| v == "application/json");
    if json && reference.verify(&body, &headers).is_ok() {
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        seen.verified.push((id, body.to_vec()));
        StatusCode::NO_CONTENT
    } else {
        seen.forged += 1;
        StatusCode::UNAUTHORIZED
    }
}

/// Fails five times (503), then takes the webhook as `ok` does.
async fn flaky(Shared(r): Shared<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    {
        let mut seen = r.seen.lock().unwrap();
        seen.flaky += 1;
        if seen.flaky <= 5 {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    ok(Shared(r), headers, body).await
}

async fn slow() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(5)).await;
    StatusCode::OK
}

async fn moved() -> impl IntoResponse {
    (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, "/ok")])
}

/// The receiver, on a loopback port: its base URL and what it saw.
async fn receiver(secret: &str) -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver { secret: secret.to_owned(), seen: Mutex::new(Seen::default()) });
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/flaky", post(flaky))
        .route("/slow", post(slow))
        .route("/moved", post(moved))
        .route("/fail", post(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/gone", post(|| async { StatusCode::GONE }))
        .route("/bad", post(|| async { StatusCode::BAD_REQUEST }))
        .with_state(Arc::clone(&r));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, r)
}

fn notice() -> Notice {
    Notice {
        id: "e42-member-FRA".into(),
        to: Reader::Member(CountryCode::parse("FRA").unwrap()),
        at: "2026-12-01T09:00:00Z".parse().unwrap(),
        pressing: true,
        what: What::DeadlineMoved {
            proposal: ProposalId(3),
            title: "A statement".into(),
            deadline: "2026-12-05T17:00:00Z".parse().unwrap(),
        },
    }
}

fn secret() -> String {
    webhook::new_secret(&mut rand::rngs::StdRng::seed_from_u64(2026))
}

#[tokio::test]
async fn a_signed_notice_is_delivered_and_verifies() {
    let secret = secret();
    let (base, r) = receiver(&secret).await;
    let n = notice();
    let body = serde_json::to_vec(&webhook::payload(&n)).unwrap();
    let sender = Sender::new().unwrap();
    sender.deliver(&format!("{base}/ok"), &secret, &n.id, jiff::Timestamp::now(), &body).await.unwrap();

    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.forged, 0);
    assert_eq!(seen.verified.len(), 1);
    let (id, received) = &seen.verified[0];
    assert_eq!(id, "e42-member-FRA");
    let json: serde_json::Value = serde_json::from_slice(received).unwrap();
    assert_eq!(json["type"], "notice.deadline_moved");
    assert_eq!(json["timestamp"], "2026-12-01T09:00:00Z");
    assert_eq!(json["data"]["id"], "e42-member-FRA");
    assert_eq!(json["data"]["to"], "member:FRA");
    assert_eq!(json["data"]["deadline"], "2026-12-05T17:00:00Z");
}

#[tokio::test]
async fn a_wrong_secret_or_a_stale_timestamp_does_not_verify() {
    let secret = secret();
    let (base, r) = receiver(&secret).await;
    let body = serde_json::to_vec(&webhook::payload(&notice())).unwrap();
    let sender = Sender::new().unwrap();
    let other = webhook::new_secret(&mut rand::rngs::StdRng::seed_from_u64(1));
    let wrong = sender.deliver(&format!("{base}/ok"), &other, "e1", jiff::Timestamp::now(), &body).await;
    assert!(matches!(wrong, Err(WebhookError::Refused { status: 401 })), "{wrong:?}");
    // An hour-old attempt time is a replay to the receiver.
    let stale = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let replay = sender.deliver(&format!("{base}/ok"), &secret, "e1", stale, &body).await;
    assert!(matches!(replay, Err(WebhookError::Refused { status: 401 })), "{replay:?}");
    assert_eq!(r.seen.lock().unwrap().forged, 2);
}

#[tokio::test]
async fn failures_say_whether_to_try_again() {
    let secret = secret();
    let (base, r) = receiver(&secret).await;
    let sender = Sender::new().unwrap();
    let now = jiff::Timestamp::now();
    let at = |path: &str| format!("{base}{path}");

    let e = sender.deliver(&at("/fail"), &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Unavailable { status: 500, .. }) && e.retryable(), "{e:?}");
    let e = sender.deliver(&at("/gone"), &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Gone) && !e.retryable(), "{e:?}");
    let e = sender.deliver(&at("/bad"), &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Refused { status: 400 }) && !e.retryable(), "{e:?}");

    // A redirect is a failure, and not followed: /ok never hears of it.
    let e = sender.deliver(&at("/moved"), &secret, "m2", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Refused { status: 307 }) && !e.retryable(), "{e:?}");
    assert!(r.seen.lock().unwrap().verified.is_empty());

    // Nobody listening: retryable.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let e = sender.deliver(&format!("http://127.0.0.1:{port}/"), &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Unreachable(_)) && e.retryable(), "{e:?}");

    // Too slow: retryable.
    let impatient = Sender::with_timeout(Duration::from_millis(300)).unwrap();
    let e = impatient.deliver(&at("/slow"), &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::Unreachable(_)) && e.retryable(), "{e:?}");

    // Not a URL: not retryable.
    let e = sender.deliver("not a url", &secret, "m1", now, b"{}").await.unwrap_err();
    assert!(matches!(e, WebhookError::InvalidUrl(_)) && !e.retryable(), "{e:?}");
}

/// A receiver that fails five times then succeeds gets the message once, with the same id on
/// every attempt, well within the attempts allowed.
#[tokio::test]
async fn retries_deliver_once_after_five_failures() {
    let secret = secret();
    let (base, r) = receiver(&secret).await;
    let sender = Sender::new().unwrap();
    let n = notice();
    let body = serde_json::to_vec(&webhook::payload(&n)).unwrap();
    let mut waited = jiff::SignedDuration::ZERO;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match sender.deliver(&format!("{base}/flaky"), &secret, &n.id, jiff::Timestamp::now(), &body).await {
            Ok(()) => break,
            Err(e) if e.retryable() && attempts < GIVE_UP_AFTER => waited += webhook::backoff(attempts),
            Err(e) => panic!("attempt {attempts}: {e}"),
        }
    }
    assert_eq!(attempts, 6);
    // The schedule the caller would have slept: 5 s + 5 min + 30 min + 2 h + 5 h.
    assert_eq!(waited.as_secs(), 5 + 300 + 1800 + 7200 + 18_000);
    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.flaky, 6);
    assert_eq!(seen.verified.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), [n.id.as_str()]);
}
