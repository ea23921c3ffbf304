//! Notices end to end on a real server (SQLite, a loopback port) with a clock the test moves:
//! what a circulation tells each reader on the web; a webhook receiver on another loopback port
//! that checks every delivery's Standard Webhooks signature, and fails five times before it
//! answers; reminders to the delegations that have taken no position.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::{FOUNDERS, Server};
use concord_core::{Actor, CountryCode};
use concord_server::clock::ManualClock;
use concord_server::notifier::NotifyConfig;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

/// A server on a manual clock at [`t0`] whose notices are looked at every 50 ms, with the
/// founders admitted; the tokens of FRA, DNK and a partner, UKR.
async fn start() -> (Server, Arc<ManualClock>, String, String, String) {
    let clock = Arc::new(ManualClock::new(t0()));
    let notify = NotifyConfig { poll: Duration::from_millis(50), ..NotifyConfig::new("https://concord.test") };
    let s = Server::start_notifying(clock.clone(), notify).await;
    for (code, a2, num, name) in FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    s.post(&s.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let fra = s.member_token("FRA").await;
    let dnk = s.member_token("DNK").await;
    let ukr = s.partner_token("UKR").await;
    (s, clock, fra, dnk, ukr)
}

/// The caller's notices, waiting up to ten seconds until `ready` holds.
async fn inbox_until(s: &Server, token: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let r = s.get(token, "/api/v1/notices").await;
        let items = r.expect_status(200)["items"].as_array().cloned().unwrap_or_default();
        if ready(&items) {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the notices never came: {}", s.get(token, "/api/v1/notices").await.json);
}

fn kinds(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["notice"]["notice"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn a_circulation_reaches_each_elector_on_the_web_and_no_one_else() {
    let (s, _clock, fra, _dnk, ukr) = start().await;
    let id = s.draft("assistance_programme", "Winter fuel").await;
    let before = s.get(&fra, "/api/v1/notices").await.expect_status(200)["unread"].as_u64().unwrap();
    s.circulate(id, "silence", t0() + SignedDuration::from_hours(96)).await;
    let items = inbox_until(&s, &fra, |i| kinds(i).contains(&"circulated".to_owned())).await;
    let n = &items[0]["notice"];
    assert_eq!(n["proposal"], id);
    assert_eq!(n["title"], "Winter fuel");
    assert_eq!(n["to"], "member:FRA");
    assert!(n.get("text").is_none(), "a notice never carries the text: {n}");
    let unread = s.get(&fra, "/api/v1/notices").await.json["unread"].as_u64().unwrap();
    assert_eq!(unread, before + 1);
    // The partner was not circulated to: it hears nothing of it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let theirs = s.get(&ukr, "/api/v1/notices").await;
    assert!(kinds(theirs.expect_status(200)["items"].as_array().unwrap()).is_empty(), "{}", theirs.json);
    // Read: the count goes to zero, for FRA only.
    s.post(&fra, "/api/v1/notices/read", &json!({})).await.expect_status(200);
    assert_eq!(s.get(&fra, "/api/v1/notices").await.json["unread"], 0);
    // The outbox is the secretariat's.
    s.get(&fra, "/api/v1/outbox").await.expect_problem(403, "not-permitted");
    let outbox = s.get(&s.secretariat, "/api/v1/outbox?channel=web").await;
    assert!(outbox.expect_status(200).as_array().unwrap().len() >= 6, "five electors and the secretariat");
}

#[tokio::test]
async fn reminders_go_only_to_delegations_without_a_position_and_once() {
    let (s, clock, fra, dnk, _) = start().await;
    let deadline = t0() + SignedDuration::from_hours(96);
    let id = s.draft("assistance_programme", "Demining kits").await;
    s.circulate(id, "silence", deadline).await;
    s.position(&dnk, id, 1, "concur", None).await.expect_status(201);
    // 72 hours before the deadline.
    clock.set(deadline - SignedDuration::from_hours(72));
    let items = inbox_until(&s, &fra, |i| kinds(i).contains(&"reminder".to_owned())).await;
    assert_eq!(kinds(&items).iter().filter(|k| *k == "reminder").count(), 1);
    // A second later, and after the 24-hour rung: one more, no repeat of the first.
    clock.set(deadline - SignedDuration::from_hours(72) + SignedDuration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.set(deadline - SignedDuration::from_hours(24));
    let items = inbox_until(&s, &fra, |i| kinds(i).iter().filter(|k| *k == "reminder").count() == 2).await;
    assert_eq!(kinds(&items).iter().filter(|k| *k == "reminder").count(), 2);
    let theirs = s.get(&dnk, "/api/v1/notices").await;
    assert!(!kinds(theirs.expect_status(200)["items"].as_array().unwrap()).contains(&"reminder".to_owned()));
}

/// What the receiver saw: each delivery's `webhook-id` and body, and how many it refused.
#[derive(Debug, Default)]
struct Received {
    refused: u32,
    accepted: Vec<(String, Value)>,
}

/// What the receiver's handler shares: what it saw, the secret, how many calls it refuses.
type Shared = (Arc<Mutex<Received>>, Arc<Mutex<String>>, u32);

/// A receiver on a loopback port that verifies each call as the Standard Webhooks
/// specification's reference does, refusing the first `fail` calls with 500.
async fn receiver(secret: Arc<Mutex<String>>, fail: u32) -> (String, Arc<Mutex<Received>>) {
    let seen = Arc::new(Mutex::new(Received::default()));
    let state = (seen.clone(), secret, fail);
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State((seen, secret, fail)): axum::extract::State<Shared>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let secret = secret.lock().unwrap().clone();
                    let hook = standardwebhooks::Webhook::new(&secret).expect("a valid secret");
                    // The reference's own signing of what arrived: the server's clock is the
                    // test's (months from the wall clock), so `verify`'s five-minute tolerance
                    // around the wall clock does not apply; the signature is checked exactly.
                    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
                    let ts: i64 = header("webhook-timestamp").parse().expect("unix seconds");
                    let expected = hook.sign(&header("webhook-id"), ts, &body).expect("the reference signs");
                    assert!(
                        header("webhook-signature").split(' ').any(|s| s == expected),
                        "every delivery is signed as the specification says"
                    );
                    let mut seen = seen.lock().unwrap();
                    if seen.refused < fail {
                        seen.refused += 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let id = headers["webhook-id"].to_str().unwrap().to_owned();
                    seen.accepted.push((id, serde_json::from_slice(&body).unwrap()));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test]
async fn a_webhook_that_fails_five_times_then_answers_gets_each_notice_once_signed() {
    let (s, clock, fra, _, _) = start().await;
    let secret = Arc::new(Mutex::new(String::new()));
    let (url, seen) = receiver(secret.clone(), 5).await;
    let made = s.post(&fra, "/api/v1/webhooks", &json!({ "url": url })).await;
    let made = made.expect_status(201).clone();
    *secret.lock().unwrap() = made["secret"].as_str().unwrap().to_owned();
    assert!(s.get(&fra, "/api/v1/webhooks").await.json[0].get("secret").is_none(), "the secret is shown once");
    let id = s.draft("statement", "On the grain corridor").await;
    s.circulate(id, "silence", t0() + SignedDuration::from_hours(48)).await;
    // Each retry waits its backoff on the server's clock: move it on until the receiver answers.
    for _ in 0..200 {
        if !seen.lock().unwrap().accepted.is_empty() {
            break;
        }
        clock.set(clock_now(&clock) + SignedDuration::from_hours(1));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.refused, 5);
        assert_eq!(seen.accepted.len(), 1, "delivered once: {:?}", seen.accepted);
        let (msg_id, body) = &seen.accepted[0];
        assert_eq!(body["type"], "notice.circulated");
        let envelope: concord_server::openapi::WebhookEnvelope = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(envelope.data.id, msg_id.split('/').next().unwrap(), "the body is the documented envelope");
        assert_eq!(body["data"]["proposal"], id);
        assert!(msg_id.ends_with(&format!("/webhook:{}", made["id"].as_str().unwrap())), "{msg_id}");
    }
    let hooks = s.get(&fra, "/api/v1/webhooks").await;
    assert_eq!(hooks.json[0]["failures"], 0, "a success resets the count: {}", hooks.json);
    let outbox = s.get(&s.secretariat, "/api/v1/outbox?channel=webhook").await;
    let m = &outbox.expect_status(200)[0];
    assert_eq!(m["state"], "delivered");
    assert_eq!(m["attempts"], 6);
}

fn clock_now(c: &ManualClock) -> Timestamp {
    concord_server::clock::Clock::now(c)
}

#[tokio::test]
async fn webhooks_and_contacts_refuse_what_they_cannot_use() {
    let (s, _, fra, _, _) = start().await;
    s.post(&fra, "/api/v1/webhooks", &json!({ "url": "ftp://example.org/x" }))
        .await
        .expect_problem(422, "invalid-field");
    s.post(&fra, "/api/v1/contacts", &json!({ "email": "not an address", "time_zone": "Europe/Paris" }))
        .await
        .expect_problem(422, "invalid-field");
    s.post(&fra, "/api/v1/contacts", &json!({ "email": "duty@fra.example", "time_zone": "Mars/Olympus" }))
        .await
        .expect_problem(422, "invalid-field");
    let ok =
        s.post(&fra, "/api/v1/contacts", &json!({ "email": "duty@fra.example", "time_zone": "Europe/Paris" })).await;
    assert_eq!(ok.expect_status(200)["to"], "member:FRA");
    let dnk = s.member_token("DNK").await;
    assert!(s.get(&dnk, "/api/v1/contacts").await.json.as_array().unwrap().is_empty(), "each sees its own");
    assert_eq!(s.get(&s.secretariat, "/api/v1/contacts").await.json.as_array().unwrap().len(), 1);
    let _ = Actor::Member(CountryCode::parse("FRA").unwrap());
}

#[tokio::test]
async fn a_calendar_feed_holds_the_deadlines_its_reader_must_act_by_at_a_secret_address() {
    let (s, _, fra, _, ukr) = start().await;
    let deadline = t0() + SignedDuration::from_hours(96);
    let id = s.draft("assistance_programme", "Field hospitals").await;
    s.circulate(id, "silence", deadline).await;
    let feed = |token: String| {
        let s = &s;
        async move {
            let made = s.post(&token, "/api/v1/calendar-feeds", &json!({})).await;
            let url = made.expect_status(201)["url"].as_str().unwrap().to_owned();
            let path = url.strip_prefix("https://concord.test").expect("under the base URL").to_owned();
            let r = s.get_anon(&path).await;
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(r.header("content-type"), Some("text/calendar; charset=utf-8"));
            String::from_utf8(r.bytes).unwrap()
        }
    };
    let theirs = feed(fra).await;
    assert!(theirs.starts_with("BEGIN:VCALENDAR\r\n"), "{theirs}");
    assert_eq!(theirs.matches("BEGIN:VEVENT").count(), 1, "{theirs}");
    assert!(theirs.contains("Field hospitals"));
    assert!(theirs.contains(&format!("/proposals/{id}")));
    assert!(!theirs.contains("The alliance agrees"), "no proposal text in a feed");
    let partner = feed(ukr).await;
    assert_eq!(partner.matches("BEGIN:VEVENT").count(), 0, "not circulated to the partner: {partner}");
    s.get_anon("/calendar/not-a-token.ics").await.expect_problem(404, "not-found");
}

#[tokio::test]
async fn a_leaked_calendar_address_is_revoked_by_its_owner_and_opens_nothing_after() {
    let (s, _, fra, dnk, _) = start().await;
    let made = s.post(&fra, "/api/v1/calendar-feeds", &json!({})).await.expect_status(201).clone();
    let (id, url) = (made["id"].as_str().unwrap(), made["url"].as_str().unwrap());
    let path = url.strip_prefix("https://concord.test").unwrap();
    assert_eq!(s.get_anon(path).await.status, 200);
    let listed = s.get(&fra, "/api/v1/calendar-feeds").await.expect_status(200).clone();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["to"], "member:FRA");
    assert!(listed[0].get("url").is_none(), "the address is not kept: {listed}");
    assert!(s.get(&dnk, "/api/v1/calendar-feeds").await.json.as_array().unwrap().is_empty(), "each sees its own");
    s.delete(&dnk, &format!("/api/v1/calendar-feeds/{id}")).await.expect_problem(403, "not-permitted");
    s.get(&s.observer, "/api/v1/calendar-feeds").await.expect_status(200);
    s.post(&s.observer, "/api/v1/calendar-feeds", &json!({})).await.expect_problem(403, "not-permitted");
    s.delete(&fra, &format!("/api/v1/calendar-feeds/{id}")).await.expect_status(200);
    s.get_anon(path).await.expect_problem(404, "not-found");
    s.delete(&fra, &format!("/api/v1/calendar-feeds/{id}")).await.expect_problem(404, "not-found");
}

#[tokio::test]
async fn a_webhook_that_never_answers_is_disabled_and_its_owner_told_on_the_web() {
    let (s, clock, fra, _, _) = start().await;
    let secret = Arc::new(Mutex::new(String::new()));
    let (url, seen) = receiver(secret.clone(), u32::MAX).await;
    let made = s.post(&fra, "/api/v1/webhooks", &json!({ "url": url })).await;
    *secret.lock().unwrap() = made.expect_status(201)["secret"].as_str().unwrap().to_owned();
    let id = s.draft("statement", "On the grain corridor").await;
    s.circulate(id, "silence", t0() + SignedDuration::from_hours(200)).await;
    for _ in 0..400 {
        if s.get(&fra, "/api/v1/webhooks").await.json[0]["disabled_at"].is_string() {
            break;
        }
        clock.set(clock_now(&clock) + SignedDuration::from_hours(3));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hook = s.get(&fra, "/api/v1/webhooks").await.json[0].clone();
    assert!(hook["disabled_at"].is_string(), "disabled: {hook}");
    assert_eq!(hook["failures"], 10, "after ten failures in a row: {hook}");
    // Time goes on past every backoff: a disabled hook is called no more.
    for _ in 0..16 {
        clock.set(clock_now(&clock) + SignedDuration::from_hours(3));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().refused, 10, "called no more once disabled");
    let inbox = inbox_until(&s, &fra, |i| i.iter().any(|i| i["notice"].is_null())).await;
    let word = inbox.iter().find(|i| i["notice"].is_null()).unwrap();
    assert!(word["summary"].as_str().unwrap().contains("was disabled after 10 failed deliveries"), "{word}");
    assert_eq!(word["read"], false);
    let unread = s.get(&fra, "/api/v1/notices?unread=true").await.json.clone();
    assert_eq!(unread["unread"].as_u64(), Some(unread["items"].as_array().unwrap().len() as u64), "counted as shown");
    // Enabled again by its owner, it is called again.
    let hook_id = hook["id"].as_str().unwrap();
    s.post(&fra, &format!("/api/v1/webhooks/{hook_id}/enable"), &json!({})).await.expect_status(200);
    assert!(s.get(&fra, "/api/v1/webhooks").await.json[0]["disabled_at"].is_null());
}
