//! Support coordination over HTTP, against a real server on a loopback port: requests, pledges,
//! deliveries and receipts through the domain's rules, policy refusals as problem documents that
//! change nothing, and the reports.

mod common;

use common::Server;
use serde_json::{Value, json};

async fn world() -> (Server, String, String) {
    let s = Server::start().await;
    s.admit("FRA", "FR", "250", "France", "1949-08-24").await;
    s.admit("DEU", "DE", "276", "Germany", "1955-05-06").await;
    let sec = s.secretariat.clone();
    s.post(&sec, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let fra = s.member_token("FRA").await;
    let ukr = s.partner_token("UKR").await;
    (s, fra, ukr)
}

fn ammunition_request() -> Value {
    json!({
        "partner": "UKR", "category": "artillery_ammunition", "capability": "artillery",
        "description": "155 mm shells", "quantity": 1000, "unit": "rounds", "priority": "critical",
        "needed_by": "2024-12-31"
    })
}

fn pledge(channel: &str, category: &str, value: i64) -> Value {
    json!({
        "donor": "FRA", "recipient": "UKR", "channel": channel, "category": category,
        "capability": "artillery", "range": "medium", "item": "155 mm shells", "quantity": 400,
        "value": { "minor_units": value, "currency": "EUR" }, "valuation": "reported_by_donor",
        "announced_on": "2024-01-16", "request": 1, "status": "committed"
    })
}

#[tokio::test]
async fn a_request_pledged_and_partly_delivered_shows_in_the_reports() {
    let (s, fra, ukr) = world().await;
    let r = s.post(&ukr, "/api/v1/requests", &ammunition_request()).await;
    let req = r.expect_status(201);
    assert_eq!(req["coverage"]["status"], "open", "{req}");

    let p = s.post(&fra, "/api/v1/pledges", &pledge("bilateral", "artillery_ammunition", 30_000_000)).await;
    assert_eq!(p.expect_status(201)["status"], "committed");
    let delivery = json!({ "delivered_on": "2024-03-01", "quantity": 100, "value": { "minor_units": 7_500_000, "currency": "EUR" } });
    s.post(&fra, "/api/v1/pledges/1/deliveries", &delivery).await.expect_status(201);
    let receipt = s.post(&ukr, "/api/v1/deliveries/1/receipt", &json!({ "note": "Received." })).await;
    receipt.expect_status(200);

    let totals = s.get(&s.observer, "/api/v1/reports/totals").await;
    let totals = totals.expect_status(200);
    assert_eq!((totals["measure"].as_str(), totals["currency"].as_str()), (Some("committed"), Some("EUR")));
    assert_eq!(totals["total"]["minor_units"], 30_000_000);
    assert_eq!(totals["rows"][0]["month"], "2024-01");
    assert_eq!(totals["rows"][0]["lethal"], true);
    let delivered = s.get(&s.observer, "/api/v1/reports/totals?measure=delivered").await;
    assert_eq!(delivered.expect_status(200)["total"]["minor_units"], 7_500_000);
    let gaps = s.get(&s.observer, "/api/v1/reports/gaps").await;
    let gaps = gaps.expect_status(200);
    assert_eq!(gaps[0]["coverage"]["status"], "partially_covered", "{gaps}");
    assert_eq!(gaps[0]["coverage"]["pledged"], 400);
    let shares = s.get(&s.observer, "/api/v1/reports/shares").await;
    assert_eq!(shares.expect_status(200)[0]["lethal_bp"], 10_000);
    let by_donor = s.get(&s.observer, "/api/v1/reports/delivery").await;
    assert_eq!(by_donor.expect_status(200)[0]["gap"]["minor_units"], 22_500_000);
}

#[tokio::test]
async fn policy_refusals_explain_themselves_and_change_nothing() {
    let (s, fra, ukr) = world().await;
    s.post(&ukr, "/api/v1/requests", &ammunition_request()).await.expect_status(201);

    // Only the partner files its requests.
    let before = s.log_size().await;
    s.post(&fra, "/api/v1/requests", &ammunition_request()).await.expect_problem(403, "not-permitted");
    // The alliance fund is non-lethal only, and the refusal names the way that is allowed.
    let r = s.post(&fra, "/api/v1/pledges", &pledge("alliance_fund", "artillery_ammunition", 1)).await;
    assert_eq!(r.status, 422, "{}", r.json);
    let detail = r.json["detail"].as_str().unwrap();
    assert!(detail.contains("non-lethal") && detail.contains("bilateral"), "{detail}");
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    // A member pledges only for itself.
    let mut other = pledge("bilateral", "artillery_ammunition", 1);
    other["donor"] = json!("DEU");
    assert_eq!(s.post(&fra, "/api/v1/pledges", &other).await.status, 403);
    // A negative amount is refused.
    assert_eq!(s.post(&fra, "/api/v1/pledges", &pledge("bilateral", "artillery_ammunition", -5)).await.status, 422);
    // An unknown category is a bad body.
    s.post(&fra, "/api/v1/pledges", &pledge("bilateral", "death_ray", 1)).await.expect_problem(400, "invalid-body");
    assert_eq!(s.log_size().await, before, "nothing refused was written");

    s.post(&fra, "/api/v1/pledges", &pledge("bilateral", "artillery_ammunition", 30_000_000)).await.expect_status(201);
    let before = s.log_size().await;
    // Statuses move forward only; deliveries never exceed the pledge.
    let back = s.post(&fra, "/api/v1/pledges/1/status", &json!({ "status": "announced" })).await;
    assert_eq!(back.status, 409, "{}", back.json);
    let too_much =
        json!({ "delivered_on": "2024-03-01", "quantity": 401, "value": { "minor_units": 1, "currency": "EUR" } });
    assert_eq!(s.post(&fra, "/api/v1/pledges/1/deliveries", &too_much).await.status, 409);
    assert_eq!(s.log_size().await, before);

    // A report in a currency with no recorded rate is refused, never a silent sum.
    let r = s.get(&s.observer, "/api/v1/reports/totals?currency=JPY").await;
    r.expect_problem(422, "report-unavailable");
    s.get(&s.observer, "/api/v1/reports/totals?currency=XYZ").await.expect_problem(400, "invalid-query");
}
