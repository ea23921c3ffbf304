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
    let gaps = s.get(&s.secretariat, "/api/v1/reports/gaps").await;
    let gaps = gaps.expect_status(200);
    assert_eq!(gaps[0]["coverage"]["status"], "partially_covered", "{gaps}");
    assert_eq!(gaps[0]["coverage"]["pledged"], 400);
    // Each row of the gaps is a request, released to the members and its partner only; the
    // other reports are aggregates, public.
    assert_eq!(&s.get(&ukr, "/api/v1/reports/gaps").await.json, gaps);
    assert_eq!(s.get(&s.observer, "/api/v1/reports/gaps").await.expect_status(200), &json!([]));
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

/// Pledges by two donors over several months, in one import.
fn spread() -> Value {
    let mut rows = Vec::new();
    for (i, month) in ["2023-11", "2024-01", "2024-02", "2024-03"].iter().enumerate() {
        for (donor, category, channel) in [
            ("FRA", "artillery_ammunition", "bilateral"),
            ("DEU", "medical", "bilateral"),
            ("FRA", "fuel", "bilateral"),
        ] {
            rows.push(json!({
                "donor": donor, "recipient": "UKR", "channel": channel, "category": category,
                "capability": "other", "range": "not_applicable", "item": "supplies", "quantity": 10 + i,
                "value": { "minor_units": 1_000_000 * (i as i64 + 1), "currency": "EUR" },
                "valuation": "reported_by_donor", "announced_on": format!("{month}-05"), "status": "committed"
            }));
        }
    }
    json!({ "pledges": rows })
}

#[tokio::test]
async fn totals_come_a_page_at_a_time_with_filters_and_a_total_of_every_selected_row() {
    let (s, _, _) = world().await;
    let sec = s.secretariat.clone();
    s.post(&sec, "/api/v1/pledges/import", &spread()).await.expect_status(201);
    let all = s.get(&s.observer, "/api/v1/reports/totals").await.expect_status(200).clone();
    let rows = all["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 12);
    assert!(all.get("next").is_none(), "{all}");

    // Pages of five: every row once, in order, each page stating the whole total.
    let (mut paged, mut after) = (Vec::new(), None::<String>);
    loop {
        let path = match &after {
            None => "/api/v1/reports/totals?limit=5".to_owned(),
            Some(a) => format!("/api/v1/reports/totals?limit=5&after={a}"),
        };
        let page = s.get(&s.observer, &path).await.expect_status(200).clone();
        assert_eq!(page["total"], all["total"]);
        paged.extend(page["rows"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, rows);

    // Filters select rows, and the total is theirs.
    let q = s
        .get(&s.observer, "/api/v1/reports/totals?from=2024-01&to=2024-02&lethal=false")
        .await
        .expect_status(200)
        .clone();
    let months: Vec<_> =
        q["rows"].as_array().unwrap().iter().map(|r| r["month"].as_str().unwrap().to_owned()).collect();
    assert_eq!(months, ["2024-01", "2024-01", "2024-02", "2024-02"], "{q}");
    assert_eq!(q["total"]["minor_units"], 2 * 2_000_000 + 2 * 3_000_000);
    let deu = s.get(&s.observer, "/api/v1/reports/totals?donor=DEU").await.expect_status(200).clone();
    assert_eq!(deu["rows"].as_array().unwrap().len(), 4);
    assert_eq!(deu["total"]["minor_units"], 10_000_000);
    let fra =
        s.get(&s.observer, "/api/v1/reports/totals?donor=FRA&from=2024-01&to=2024-02").await.expect_status(200).clone();
    assert_eq!(fra["rows"].as_array().unwrap().len(), 4, "{fra}");
    assert_eq!(fra["total"]["minor_units"], 2 * 2_000_000 + 2 * 3_000_000);

    // Bad parameters are problems naming the parameter.
    for (path, word) in [
        ("/api/v1/reports/totals?from=2024-13", "from"),
        ("/api/v1/reports/totals?limit=0", "limit"),
        ("/api/v1/reports/totals?after=nonsense", "after"),
        ("/api/v1/reports/totals?category=spaceships", "category"),
        ("/api/v1/reports/totals?donor=france", "donor"),
    ] {
        let r = s.get(&s.observer, path).await;
        assert_eq!(r.status, 400, "{path}");
        let p = r.expect_status(400).clone();
        assert!(p["detail"].as_str().unwrap_or_default().contains(word), "{path}: {p}");
    }
}
