//! Reading support data over HTTP, against a real server on a loopback port: lists with their
//! filters, pagination across pages (no duplicates, no gaps), single resources, 404s for unknown
//! ids, 400s naming a bad filter, and who may read.

mod common;

use std::collections::BTreeSet;

use common::{Server, hours_from_now};
use serde_json::{Value, json};

/// Two members (FRA, DEU), a partner (UKR), a donor state (AUS); tokens for FRA, DEU and UKR.
struct World {
    s: Server,
    fra: String,
    deu: String,
    ukr: String,
}

async fn world() -> World {
    let s = Server::start().await;
    s.admit("FRA", "FR", "250", "France", "1949-08-24").await;
    s.admit("DEU", "DE", "276", "Germany", "1955-05-06").await;
    let sec = s.secretariat.clone();
    s.post(&sec, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    s.post(&sec, "/api/v1/donors", &json!({ "code": "AUS", "name": "Australia" })).await.expect_status(201);
    let (fra, deu, ukr) = (s.member_token("FRA").await, s.member_token("DEU").await, s.partner_token("UKR").await);
    World { s, fra, deu, ukr }
}

fn request(category: &str, capability: &str, quantity: u64, priority: &str) -> Value {
    json!({
        "partner": "UKR", "category": category, "capability": capability, "description": format!("{quantity} × {category}"),
        "quantity": quantity, "unit": "items", "priority": priority
    })
}

fn pledge(donor: &str, channel: &str, category: &str, quantity: u64, minor_units: i64, currency: &str) -> Value {
    json!({
        "donor": donor, "recipient": "UKR", "channel": channel, "category": category, "capability": "other",
        "range": "not_applicable", "item": category, "quantity": quantity,
        "value": { "minor_units": minor_units, "currency": currency }, "valuation": "reported_by_donor"
    })
}

fn eur(minor_units: i64) -> Value {
    json!({ "minor_units": minor_units, "currency": "EUR" })
}

/// Every item of a list, paging through it `limit` at a time: asserts each page is at most
/// `limit` long, and that the cursors move forward (no item twice).
async fn collect(s: &Server, path: &str, limit: u32) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut all: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..1000 {
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(a) = &after {
            url += &format!("&after={a}");
        }
        let page = s.get(&s.secretariat, &url).await.expect_status(200).clone();
        let items = page["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit as usize, "{url}: a page longer than its limit");
        all.extend(items);
        match page["next"].as_str() {
            Some(n) => {
                assert_ne!(after.as_deref(), Some(n), "{url}: the cursor did not move");
                after = Some(n.to_owned());
            }
            None => return all,
        }
    }
    panic!("{path}: more than 1000 pages");
}

/// Which items of the whole list a filter keeps.
type Keep = Box<dyn Fn(&Value) -> bool>;

fn ids(items: &[Value]) -> Vec<u64> {
    items.iter().map(|v| v["id"].as_u64().expect("an id")).collect()
}

/// Asserts a 400 problem whose sentence names the parameter.
#[track_caller]
fn names(r: &common::Resp, parameter: &str) {
    r.expect_problem(400, "invalid-query");
    let detail = r.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(parameter), "the problem does not name {parameter}: {detail}");
}

#[tokio::test]
async fn requests_list_with_their_coverage_filter_and_page() {
    let w = world().await;
    let s = &w.s;
    s.post(&w.ukr, "/api/v1/requests", &request("artillery_ammunition", "artillery", 1000, "critical"))
        .await
        .expect_status(201);
    s.post(&w.ukr, "/api/v1/requests", &request("medical", "medical", 50, "high")).await.expect_status(201);
    s.post(&w.ukr, "/api/v1/requests", &request("winter_equipment", "logistics", 10, "low")).await.expect_status(201);
    let mut p1 = pledge("FRA", "bilateral", "artillery_ammunition", 400, 1_000, "EUR");
    p1["request"] = json!(1);
    s.post(&w.fra, "/api/v1/pledges", &p1).await.expect_status(201);
    let mut p2 = pledge("DEU", "bilateral", "winter_equipment", 10, 1_000, "EUR");
    p2["request"] = json!(3);
    s.post(&w.deu, "/api/v1/pledges", &p2).await.expect_status(201);
    let delivery = json!({ "delivered_on": "2024-03-01", "quantity": 10, "value": eur(1_000) });
    s.post(&w.deu, "/api/v1/pledges/2/deliveries", &delivery).await.expect_status(201);

    let all = collect(s, "/api/v1/requests", 50).await;
    assert_eq!(ids(&all), [1, 2, 3]);
    let statuses: Vec<_> = all.iter().map(|r| r["coverage"]["status"].as_str().unwrap_or("?")).collect();
    assert_eq!(statuses, ["partially_covered", "open", "closed"]);
    assert_eq!(ids(&collect(s, "/api/v1/requests", 1).await), [1, 2, 3], "one per page, none lost or repeated");
    assert_eq!(ids(&collect(s, "/api/v1/requests", 2).await), [1, 2, 3]);

    for (query, expected) in [
        ("status=partially_covered", vec![1]),
        ("status=open", vec![2]),
        ("status=closed", vec![3]),
        ("status=withdrawn", vec![]),
        ("category=medical", vec![2]),
        ("priority=low", vec![3]),
        ("partner=UKR&priority=critical", vec![1]),
        ("partner=MDA", vec![]),
    ] {
        assert_eq!(ids(&collect(s, &format!("/api/v1/requests?{query}"), 1).await), expected, "{query}");
    }

    let one = s.get(&s.secretariat, "/api/v1/requests/1").await;
    let one = one.expect_status(200);
    assert_eq!(
        one["coverage"],
        json!({ "requested": 1000, "pledged": 400, "delivered": 0, "status": "partially_covered" })
    );
    assert_eq!(one["pledges"], json!([1]));
    assert_eq!(one["category"], "artillery_ammunition");
    let three = s.get(&s.secretariat, "/api/v1/requests/3").await;
    assert_eq!(three.expect_status(200)["coverage"]["delivered"], 10);

    s.get(&s.observer, "/api/v1/requests/99").await.expect_problem(404, "unknown-request");
    s.get(&s.observer, "/api/v1/requests/first").await.expect_problem(400, "invalid-path");
    names(&s.get(&s.observer, "/api/v1/requests?status=pending").await, "status");
    names(&s.get(&s.observer, "/api/v1/requests?partner=Ukraine").await, "partner");
    names(&s.get(&s.observer, "/api/v1/requests?category=death_ray").await, "category");
    names(&s.get(&s.observer, "/api/v1/requests?priority=urgent").await, "priority");
    names(&s.get(&s.observer, "/api/v1/requests?limit=0").await, "limit");
    names(&s.get(&s.observer, "/api/v1/requests?limit=1001").await, "limit");
    names(&s.get(&s.observer, "/api/v1/requests?after=one").await, "after");
    // A misspelt filter is refused, not ignored (which would answer every request).
    names(&s.get(&s.observer, "/api/v1/requests?stauts=open").await, "stauts");
    assert_eq!(s.get(&s.observer, "/api/v1/requests?limit=1000").await.status, 200);
}

/// Twelve pledges by three donors, lethal and not, on two channels, dated 2024-01-01.. and one
/// undated; some committed, one answering a request.
async fn twelve_pledges(w: &World) -> Vec<Value> {
    let s = &w.s;
    s.post(&w.ukr, "/api/v1/requests", &request("artillery_ammunition", "artillery", 1000, "critical"))
        .await
        .expect_status(201);
    for i in 0..12u64 {
        let donor = ["FRA", "DEU", "AUS"][(i % 3) as usize];
        let (channel, category) = match i % 4 {
            0 | 2 => ("bilateral", "artillery_ammunition"),
            1 => ("other_multilateral", "medical"),
            _ => ("bilateral", "winter_equipment"),
        };
        let mut body = pledge(donor, channel, category, 10 + i, 100_000 * (i as i64 + 1), "EUR");
        if i != 11 {
            body["announced_on"] = json!(format!("2024-01-{:02}", i + 1));
        }
        if i % 5 == 0 {
            body["status"] = json!("committed");
        }
        if i == 4 {
            body["request"] = json!(1);
        }
        s.post(&s.secretariat, "/api/v1/pledges", &body).await.expect_status(201);
    }
    collect(s, "/api/v1/pledges", 1000).await
}

#[tokio::test]
async fn pledges_page_in_id_order_without_duplicates_or_gaps_under_every_filter() {
    let w = world().await;
    let s = &w.s;
    let all = twelve_pledges(&w).await;
    assert_eq!(ids(&all), (1..=12).collect::<Vec<_>>());
    for limit in [1, 5, 12, 13] {
        assert_eq!(ids(&collect(s, "/api/v1/pledges", limit).await), ids(&all), "limit {limit}");
    }

    let lethal = |p: &Value| p["category"] == "artillery_ammunition";
    let day = |p: &Value| p["announced_on"].as_str().map(str::to_owned);
    let cases: Vec<(&str, Keep)> = vec![
        ("donor=DEU", Box::new(|p| p["donor"] == "DEU")),
        ("donor=AUS&lethal=true", Box::new(move |p| p["donor"] == "AUS" && lethal(p))),
        ("lethal=true", Box::new(lethal)),
        ("lethal=false", Box::new(move |p| !lethal(p))),
        ("channel=other_multilateral", Box::new(|p| p["channel"] == "other_multilateral")),
        ("category=winter_equipment", Box::new(|p| p["category"] == "winter_equipment")),
        ("status=committed", Box::new(|p| p["status"] == "committed")),
        ("recipient=UKR", Box::new(|_| true)),
        ("recipient=MDA", Box::new(|_| false)),
        ("request=1", Box::new(|p| p["request"] == 1)),
        ("fund=1", Box::new(|_| false)),
        ("coalition=1", Box::new(|_| false)),
        (
            "announced_from=2024-01-03&announced_to=2024-01-07",
            Box::new(move |p| day(p).is_some_and(|d| ("2024-01-03"..="2024-01-07").contains(&d.as_str()))),
        ),
        ("announced_from=2024-01-10", Box::new(move |p| day(p).is_some_and(|d| d.as_str() >= "2024-01-10"))),
    ];
    for (query, keep) in cases {
        let expected: Vec<u64> = ids(&all.iter().filter(|p| keep(p)).cloned().collect::<Vec<_>>());
        for limit in [1, 2, 50] {
            let got = ids(&collect(s, &format!("/api/v1/pledges?{query}"), limit).await);
            assert_eq!(got, expected, "{query}, limit {limit}");
        }
    }
    assert_eq!(ids(&collect(s, "/api/v1/pledges?request=1", 5).await), [5], "the pledge answering request 1");
    assert!(!collect(s, "/api/v1/pledges?lethal=true", 5).await.is_empty(), "the fixture has lethal pledges");

    names(&s.get(&s.observer, "/api/v1/pledges?lethal=maybe").await, "lethal");
    names(&s.get(&s.observer, "/api/v1/pledges?announced_from=2024-13-01").await, "announced_from");
    names(&s.get(&s.observer, "/api/v1/pledges?announced_to=yesterday").await, "announced_to");
    names(&s.get(&s.observer, "/api/v1/pledges?channel=carrier_pigeon").await, "channel");
    names(&s.get(&s.observer, "/api/v1/pledges?status=promised").await, "status");
    names(&s.get(&s.observer, "/api/v1/pledges?donor=FR").await, "donor");
    names(&s.get(&s.observer, "/api/v1/pledges?recipient=12").await, "recipient");
    names(&s.get(&s.observer, "/api/v1/pledges?request=first").await, "request");
    // Ids are numbered from 1: a filter on id 0 is refused, not an empty list.
    names(&s.get(&s.observer, "/api/v1/pledges?request=0").await, "request");
    names(&s.get(&s.observer, "/api/v1/pledges?fund=-1").await, "fund");
    names(&s.get(&s.observer, "/api/v1/pledges?coalition=x").await, "coalition");
    names(&s.get(&s.observer, "/api/v1/pledges?after=-3").await, "after");
}

#[tokio::test]
async fn a_pledge_shows_its_delivery_records_and_each_delivery_reads_alone() {
    let w = world().await;
    let s = &w.s;
    s.post(&w.fra, "/api/v1/pledges", &pledge("FRA", "bilateral", "medical", 100, 1_000_000, "EUR"))
        .await
        .expect_status(201);
    for q in [30, 20] {
        let d = json!({ "delivered_on": "2024-03-01", "quantity": q, "value": eur(q * 10_000) });
        s.post(&w.fra, "/api/v1/pledges/1/deliveries", &d).await.expect_status(201);
    }
    let c =
        json!({ "delivered_on": "2024-03-02", "quantity": -5, "value": eur(-50_000), "reason": "five crates damaged" });
    s.post(&w.fra, "/api/v1/pledges/1/corrections", &c).await.expect_status(201);
    s.post(&w.ukr, "/api/v1/deliveries/2/receipt", &json!({ "note": "arrived" })).await.expect_status(200);

    let p = s.get(&s.secretariat, "/api/v1/pledges/1").await;
    let p = p.expect_status(200);
    assert_eq!(p["deliveries"], json!([1, 2, 3]));
    assert_eq!(ids(p["delivery_records"].as_array().expect("records")), [1, 2, 3]);
    assert_eq!(p["delivery_records"][2]["correction"], "five crates damaged");
    assert_eq!(p["delivered_quantity"], 45);
    assert_eq!(p["donor"], "FRA");

    assert_eq!(ids(&collect(s, "/api/v1/pledges/1/deliveries", 2).await), [1, 2, 3]);
    assert_eq!(ids(&collect(s, "/api/v1/pledges/1/deliveries", 1).await), [1, 2, 3]);
    let d = s.get(&s.secretariat, "/api/v1/deliveries/2").await;
    let d = d.expect_status(200);
    assert_eq!((d["pledge"].as_u64(), d["quantity"].as_i64()), (Some(1), Some(20)));
    assert_eq!(d["receipt"]["partner"], "UKR");
    assert_eq!(d["receipt"]["note"], "arrived");

    s.get(&s.observer, "/api/v1/pledges/99").await.expect_problem(404, "unknown-pledge");
    s.get(&s.observer, "/api/v1/pledges/99/deliveries").await.expect_problem(404, "unknown-pledge");
    s.get(&s.observer, "/api/v1/deliveries/99").await.expect_problem(404, "unknown-delivery");
    s.get(&s.observer, "/api/v1/deliveries/x").await.expect_problem(400, "invalid-path");
    // No record is numbered 0: its address names nothing, and a pledge answering request 0 is
    // refused as its body is read.
    s.get(&s.observer, "/api/v1/pledges/0").await.expect_problem(404, "not-found");
    s.get(&s.observer, "/api/v1/deliveries/0").await.expect_problem(404, "not-found");
    let mut zero = pledge("FRA", "bilateral", "medical", 1, 100, "EUR");
    zero["request"] = json!(0);
    s.post(&w.fra, "/api/v1/pledges", &zero).await.expect_problem(400, "invalid-body");
    names(&s.get(&s.observer, "/api/v1/pledges/1/deliveries?after=z").await, "after");
}

/// Adopts an assistance programme by a consensus round both members concur in; returns its id.
async fn adopted_programme(w: &World) -> u64 {
    let s = &w.s;
    let id = s.draft("assistance_programme", "Comprehensive assistance package").await;
    s.circulate(id, "consensus_round", hours_from_now(4)).await;
    for t in [&w.fra, &w.deu] {
        s.position(t, id, 1, "concur", None).await.expect_status(201);
    }
    assert_eq!(s.proposal(id).await["status"], "adopted");
    id
}

#[tokio::test]
async fn coalitions_funds_donors_and_rates_list_and_show() {
    let w = world().await;
    let s = &w.s;
    let sec = s.secretariat.clone();

    for (name, cap) in [("Air defence", "air_defence"), ("Drones", "drones")] {
        let body = json!({ "name": name, "capability": cap, "leads": ["DEU"], "participants": ["DEU", "FRA", "AUS"] });
        s.post(&sec, "/api/v1/coalitions", &body).await.expect_status(201);
    }
    let coalitions = collect(s, "/api/v1/coalitions", 1).await;
    assert_eq!(ids(&coalitions), [1, 2]);
    let c = s.get(&s.secretariat, "/api/v1/coalitions/2").await;
    let c = c.expect_status(200);
    assert_eq!((c["name"].as_str(), c["leads"].clone()), (Some("Drones"), json!(["DEU"])));
    assert_eq!(c["participants"], json!(["AUS", "DEU", "FRA"]));
    s.get(&s.observer, "/api/v1/coalitions/3").await.expect_problem(404, "unknown-coalition");

    let decision = adopted_programme(&w).await;
    let fund = json!({ "name": "Assistance fund", "channel": "alliance_fund", "policy": "non_lethal_only", "authorised_by": decision });
    s.post(&sec, "/api/v1/funds", &fund).await.expect_status(201);
    for (token, donor, units, currency) in
        [(&w.fra, "FRA", 100_000, "EUR"), (&w.deu, "DEU", 50_000, "USD"), (&w.fra, "FRA", 7, "EUR")]
    {
        let mut p = pledge(donor, "alliance_fund", "medical", 1, units, currency);
        p["fund"] = json!(1);
        s.post(token, "/api/v1/pledges", &p).await.expect_status(201);
    }
    s.post(&w.fra, "/api/v1/pledges/3/status", &json!({ "status": "cancelled" })).await.expect_status(200);
    assert_eq!(ids(&collect(s, "/api/v1/funds", 1).await), [1]);
    let f = s.get(&s.secretariat, "/api/v1/funds/1").await;
    let f = f.expect_status(200);
    assert_eq!(f["name"], "Assistance fund");
    assert_eq!(f["contributions"], 2, "the cancelled pledge is no contribution: {f}");
    assert_eq!(f["totals"], json!([eur(100_000), { "minor_units": 50_000, "currency": "USD" }]));
    assert_eq!(ids(&collect(s, "/api/v1/pledges?fund=1", 2).await), [1, 2, 3], "the list shows cancelled ones too");
    s.get(&s.observer, "/api/v1/funds/2").await.expect_problem(404, "unknown-fund");

    s.post(&sec, "/api/v1/donors", &json!({ "code": "KOR", "name": "South Korea" })).await.expect_status(201);
    let donors = collect(s, "/api/v1/donors", 1).await;
    let codes: Vec<_> = donors.iter().map(|d| d["code"].as_str().unwrap_or("?")).collect();
    assert_eq!(codes, ["AUS", "KOR"], "non-member donors only, in code order");
    names(&s.get(&s.observer, "/api/v1/donors?after=Korea").await, "after");

    for (from, to, rate, on) in [
        ("EUR", "USD", "1.0812", "2024-01-02"),
        ("GBP", "EUR", "1.16", "2024-01-02"),
        ("EUR", "USD", "1.09", "2024-01-03"),
    ] {
        s.post(&sec, "/api/v1/exchange-rates", &json!({ "from": from, "to": to, "rate": rate, "on": on }))
            .await
            .expect_status(201);
    }
    let key = |r: &Value| {
        format!(
            "{}>{} {}",
            r["from"].as_str().unwrap_or("?"),
            r["to"].as_str().unwrap_or("?"),
            r["on"].as_str().unwrap_or("?")
        )
    };
    let keys = |v: Vec<Value>| v.iter().map(key).collect::<Vec<_>>();
    let every = ["EUR>USD 2024-01-02", "EUR>USD 2024-01-03", "GBP>EUR 2024-01-02"];
    assert_eq!(keys(collect(s, "/api/v1/exchange-rates", 1).await), every);
    assert_eq!(keys(collect(s, "/api/v1/exchange-rates", 2).await), every);
    assert_eq!(keys(collect(s, "/api/v1/exchange-rates?from=EUR", 1).await), &every[..2]);
    assert_eq!(keys(collect(s, "/api/v1/exchange-rates?to=EUR", 1).await), &every[2..]);
    assert_eq!(keys(collect(s, "/api/v1/exchange-rates?from=USD&to=EUR", 1).await), Vec::<String>::new());
    let first = s.get(&s.observer, "/api/v1/exchange-rates").await;
    assert_eq!(first.expect_status(200)["items"][0]["rate"], "1.0812", "rates stay exact decimals");
    names(&s.get(&s.observer, "/api/v1/exchange-rates?from=EURO").await, "from");
    names(&s.get(&s.observer, "/api/v1/exchange-rates?to=eur1").await, "to");
    names(&s.get(&s.observer, "/api/v1/exchange-rates?after=EUR-USD").await, "after");
}

/// An observer reads what is public (donor states, rates), and the partner what is released to
/// it; what is not released answers as absent: a 404 for one, an empty list for many.
#[tokio::test]
async fn each_reader_reads_the_support_data_released_to_it_and_an_observer_writes_none() {
    let w = world().await;
    let s = &w.s;
    s.post(&w.ukr, "/api/v1/requests", &request("medical", "medical", 5, "high")).await.expect_status(201);
    s.post(&w.fra, "/api/v1/pledges", &pledge("FRA", "bilateral", "medical", 5, 1, "EUR")).await.expect_status(201);
    s.post(
        &w.fra,
        "/api/v1/pledges/1/deliveries",
        &json!({ "delivered_on": "2024-03-01", "quantity": 1, "value": eur(1) }),
    )
    .await
    .expect_status(201);
    let coalition = json!({ "name": "Drones", "capability": "drones", "leads": ["FRA"], "participants": ["FRA"] });
    s.post(&s.secretariat, "/api/v1/coalitions", &coalition).await.expect_status(201);
    let mda = s.partner_token("MDA").await;
    // (path, released to the partner UKR, released to the public)
    for (path, to_ukr, public) in [
        ("/api/v1/requests", true, false),
        ("/api/v1/requests/1", true, false),
        ("/api/v1/pledges", true, false),
        ("/api/v1/pledges/1", true, false),
        ("/api/v1/pledges/1/deliveries", true, false),
        ("/api/v1/deliveries/1", true, false),
        ("/api/v1/coalitions", false, false),
        ("/api/v1/coalitions/1", false, false),
        ("/api/v1/funds", false, false),
        ("/api/v1/donors", true, true),
        ("/api/v1/exchange-rates", true, true),
    ] {
        let member = s.get(&w.deu, path).await;
        assert_eq!(member.status, 200, "{path}: {}", member.json);
        assert_eq!(member.header("content-type"), Some("application/json"), "{path}");
        let listed = |r: &common::Resp| r.json["items"].as_array().map(|i| !i.is_empty());
        for (token, released) in [(&w.ukr, to_ukr), (&mda, public), (&s.observer, public)] {
            let r = s.get(token, path).await;
            match listed(&member) {
                // A list: the same list, less what the reader may not read (and a list under
                // a pledge it may not read answers, like that pledge, 404).
                Some(true) if !released => {
                    assert!(listed(&r) == Some(false) || r.status == 404, "{path}: {}", r.json);
                }
                Some(_) => assert_eq!(r.json, member.json, "{path}"),
                None if released => assert_eq!(r.json, member.json, "{path}"),
                None => assert_eq!(r.status, 404, "{path}: {}", r.json),
            }
        }
        s.get_anon(path).await.expect_problem(401, "unauthenticated");
    }

    let obs = s.observer.clone();
    let watch = "/api/v1/pledges/1";
    s.refused(&obs, "/api/v1/requests", &request("medical", "medical", 5, "high"), 403, "not-permitted", watch).await;
    s.refused(
        &obs,
        "/api/v1/pledges",
        &pledge("FRA", "bilateral", "medical", 5, 1, "EUR"),
        403,
        "not-permitted",
        watch,
    )
    .await;
    let d = json!({ "delivered_on": "2024-03-02", "quantity": 1, "value": eur(1) });
    s.refused(&obs, "/api/v1/pledges/1/deliveries", &d, 403, "not-permitted", watch).await;
    s.refused(&obs, "/api/v1/deliveries/1/receipt", &json!({}), 403, "not-permitted", watch).await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_support_read() {
    let s = Server::start().await;
    let doc = s.get_anon("/api/openapi.json").await;
    let doc = doc.expect_status(200);
    for path in [
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/pledges",
        "/api/v1/pledges/{id}",
        "/api/v1/pledges/{id}/deliveries",
        "/api/v1/deliveries/{id}",
        "/api/v1/coalitions",
        "/api/v1/coalitions/{id}",
        "/api/v1/funds",
        "/api/v1/funds/{id}",
        "/api/v1/donors",
        "/api/v1/exchange-rates",
    ] {
        let get = &doc["paths"][path]["get"];
        assert!(get.is_object(), "{path} has no GET in the document");
        assert!(get["responses"]["200"].is_object(), "{path}: no 200 response");
        let problems: BTreeSet<_> =
            get["responses"].as_object().into_iter().flatten().map(|(k, _)| k.clone()).collect();
        assert!(problems.contains("400") || problems.contains("404"), "{path}: no error response documented");
    }
    let params: Vec<_> = doc["paths"]["/api/v1/pledges"]["get"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for filter in [
        "donor",
        "recipient",
        "channel",
        "category",
        "status",
        "request",
        "coalition",
        "fund",
        "lethal",
        "announced_from",
        "announced_to",
        "limit",
        "after",
    ] {
        assert!(params.contains(&filter), "the pledge list does not document {filter}: {params:?}");
    }
    assert!(doc["paths"]["/api/v1/pledges"]["post"].is_object(), "the write is still there");
    for schema in ["RequestView", "PledgeView", "FundView", "Delivery", "Coverage"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "no schema {schema}");
    }
}
