//! GDP figures and the burden share over HTTP, and the published exports at stable URLs: their
//! media types, names and bodies (the IATI file validated against the IATI 2.03 schema with
//! `xmllint`), who may fetch them, and `public_exports`.

mod common;

use std::path::{Path, PathBuf};

use common::Server;
use serde_json::{Value, json};

const SOURCE: &str = "IMF World Economic Outlook, October 2024 (rounded)";

fn gdp(member: &str, year: i16, value: u64) -> Value {
    json!({ "member": member, "year": year, "value": value, "unit": "USD billion", "source": SOURCE })
}

fn pledge(donor: &str, minor_units: i64) -> Value {
    json!({
        "donor": donor, "recipient": "UKR", "channel": "bilateral", "category": "artillery_ammunition",
        "capability": "artillery", "range": "not_applicable", "item": "155 mm shells", "quantity": 100,
        "value": { "minor_units": minor_units, "currency": "EUR" }, "valuation": "reported_by_donor",
        "announced_on": "2024-02-01"
    })
}

/// FRA and DEU with figures for 2023, UKR as partner, one committed pledge of each, one delivery.
async fn world() -> Server {
    let s = Server::start().await;
    s.admit("FRA", "FR", "250", "France", "1949-08-24").await;
    s.admit("DEU", "DE", "276", "Germany", "1955-05-06").await;
    let sec = s.secretariat.clone();
    s.post(&sec, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    s.post(&sec, "/api/v1/gdp", &gdp("DEU", 2023, 3)).await.expect_status(201);
    s.post(&sec, "/api/v1/gdp", &gdp("FRA", 2023, 1)).await.expect_status(201);
    for (donor, v) in [("DEU", 100_000_000), ("FRA", 300_000_000)] {
        let mut p = pledge(donor, v);
        p["status"] = json!("committed");
        s.post(&sec, "/api/v1/pledges", &p).await.expect_status(201);
    }
    let delivery = json!({ "delivered_on": "2024-03-01", "quantity": 10, "value": { "minor_units": 10_000_000, "currency": "EUR" } });
    s.post(&sec, "/api/v1/pledges/1/deliveries", &delivery).await.expect_status(201);
    s
}

#[tokio::test]
async fn the_secretariat_records_gdp_and_a_second_figure_needs_a_correction() {
    let s = Server::start().await;
    s.admit("FRA", "FR", "250", "France", "1949-08-24").await;
    let sec = s.secretariat.clone();
    let v = s.post(&sec, "/api/v1/gdp", &gdp("FRA", 2024, 3_174)).await;
    let v = v.expect_status(201);
    assert_eq!((v["figure"]["value"].as_u64(), v["figure"]["source"].as_str()), (Some(3_174), Some(SOURCE)));
    s.post(&sec, "/api/v1/gdp", &gdp("FRA", 2024, 3_200)).await.expect_problem(409, "gdp-exists");
    let mut corrected = gdp("FRA", 2024, 3_200);
    corrected["correction"] = json!("the October estimate was revised");
    s.post(&sec, "/api/v1/gdp", &corrected).await.expect_status(201);
    s.post(&sec, "/api/v1/gdp", &gdp("AUS", 2024, 1)).await.expect_problem(404, "unknown-member");
    s.post(&sec, "/api/v1/gdp", &gdp("FRA", 2025, 0)).await.expect_problem(422, "invalid-field");
    let fra = s.member_token("FRA").await;
    s.post(&fra, "/api/v1/gdp", &gdp("FRA", 2025, 1)).await.expect_problem(403, "not-permitted");
}

#[tokio::test]
async fn the_burden_report_reads_the_recorded_gdp_and_names_year_and_source() {
    let s = Server::start().await;
    s.admit("FRA", "FR", "250", "France", "1949-08-24").await;
    s.admit("DEU", "DE", "276", "Germany", "1955-05-06").await;
    let sec = s.secretariat.clone();
    s.post(&sec, "/api/v1/gdp", &gdp("DEU", 2023, 3)).await.expect_status(201);
    // France has no figure yet: the report says so rather than leaving it out.
    let r = s.get(&s.observer, "/api/v1/reports/burden?baseline=4000000").await;
    r.expect_problem(422, "report-unavailable");
    assert!(r.json["detail"].as_str().unwrap_or_default().contains("FRA has no GDP figure"), "{}", r.json);
    s.post(&sec, "/api/v1/gdp", &gdp("FRA", 2023, 1)).await.expect_status(201);
    let r = s.get(&s.observer, "/api/v1/reports/burden?baseline=4000000&measure=committed&currency=EUR").await;
    let v = r.expect_status(200);
    assert_eq!(v["years"], json!([2023]));
    assert_eq!(v["sources"], json!([SOURCE]));
    assert_eq!(v["unit"], "USD billion");
    assert_eq!(v["baseline"], json!({ "minor_units": 400_000_000, "currency": "EUR" }));
    let lines = v["lines"].as_array().expect("lines");
    assert_eq!(lines[0]["member"], "DEU");
    assert_eq!(lines[0]["fair_share"]["minor_units"], 300_000_000);
    assert_eq!(lines[1]["fair_share"]["minor_units"], 100_000_000);
    // Opting Germany out leaves France the whole baseline.
    let v = s.get(&s.observer, "/api/v1/reports/burden?baseline=4000000&opt_out=DEU").await;
    let v = v.expect_status(200);
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["lines"][0]["fair_share"]["minor_units"], 400_000_000);
    // The default baseline is the Washington pledge.
    let v = s.get(&s.observer, "/api/v1/reports/burden").await;
    assert_eq!(v.expect_status(200)["baseline"]["minor_units"], 4_000_000_000_000_i64);
    // Bad input is a problem naming the parameter.
    for (q, name) in
        [("baseline=lots", "baseline"), ("year=next", "year"), ("opt_out=FR", "opt_out"), ("colour=red", "colour")]
    {
        let r = s.get(&s.observer, &format!("/api/v1/reports/burden?{q}")).await;
        assert_eq!(r.status, 400, "{q}: {}", r.json);
        assert!(r.json["detail"].as_str().unwrap_or_default().contains(name), "{q}: {}", r.json);
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{q}");
    }
    let r = s.get(&s.observer, "/api/v1/reports/burden?year=2020").await;
    r.expect_problem(422, "report-unavailable");
    s.get_anon("/api/v1/reports/burden").await.expect_problem(401, "unauthenticated");
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/iati-2.03/iati-activities-schema.xsd")
}

/// Validates `xml` against the IATI 2.03 schema; fails, naming the package, without xmllint.
pub fn assert_valid_iati(xml: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("iati-activities.xml");
    std::fs::write(&file, xml).expect("write the file");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian package libxml2-utils)");
    assert!(out.status.success(), "not valid IATI 2.03: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_exports_are_served_with_their_types_names_and_the_logs_time() {
    let s = world().await;
    let sec = s.secretariat.clone();
    for (file, media_type, starts) in [
        ("iati-activities.xml", "application/xml; charset=utf-8", "<?xml"),
        ("pledges.csv", "text/csv; charset=utf-8", "id,"),
        ("deliveries.csv", "text/csv; charset=utf-8", "id,pledge,delivered_on"),
        ("pledges.json", "application/json", "["),
        ("deliveries.json", "application/json", "["),
    ] {
        let r = s.get(&sec, &format!("/exports/{file}")).await;
        assert_eq!(r.status, 200, "{file}: {}", String::from_utf8_lossy(&r.bytes));
        assert_eq!(r.header("content-type"), Some(media_type), "{file}");
        assert_eq!(r.header("content-disposition"), Some(format!("attachment; filename=\"{file}\"").as_str()));
        assert!(String::from_utf8_lossy(&r.bytes).starts_with(starts), "{file}");
        let etag = r.header("etag").expect("an ETag").to_owned();
        assert!(r.header("last-modified").is_some_and(|m| m.ends_with(" GMT")), "{file}");
        // Unchanged log, same bytes; If-None-Match answers 304.
        let again = s.get(&sec, &format!("/exports/{file}")).await;
        assert_eq!(again.bytes, r.bytes, "{file} is stable while the log is");
        let not_modified = s
            .send(s.client.get(s.url(&format!("/exports/{file}"))).bearer_auth(&sec).header("if-none-match", &etag))
            .await;
        assert_eq!(not_modified.status, 304, "{file}");
    }
    let xml = s.get(&sec, "/exports/iati-activities.xml").await;
    assert_valid_iati(&xml.bytes);
    let text = String::from_utf8_lossy(&xml.bytes);
    // The document's time is the log's last entry's, not the clock's.
    let entries = s.log_entries().await;
    let envelope: Value =
        serde_json::from_str(entries.last().and_then(|e| e["entry"].as_str()).expect("an envelope")).unwrap();
    let last_at = envelope["at"].as_str().expect("the last entry's time").to_owned();
    assert!(text.contains(&format!("generated-datetime=\"{last_at}\"")), "{last_at} not in {}", &text[..200]);
    let pledges = s.get(&sec, "/exports/pledges.json").await;
    assert_eq!(pledges.json.as_array().map(Vec::len), Some(2));
    let csv = String::from_utf8_lossy(&s.get(&sec, "/exports/pledges.csv").await.bytes).into_owned();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    s.get(&sec, "/exports/secrets.txt").await.expect_problem(404, "not-found");
}

#[tokio::test]
async fn anonymous_clients_get_the_exports_only_when_the_deployment_publishes_them() {
    let s = world().await;
    for file in ["iati-activities.xml", "pledges.csv", "pledges.json", "deliveries.csv", "deliveries.json"] {
        s.get_anon(&format!("/exports/{file}")).await.expect_problem(401, "unauthenticated");
    }
    // A partner reads the pledges made to it: here all of them.
    let ukr = s.partner_token("UKR").await;
    assert_eq!(s.get(&ukr, "/exports/pledges.json").await.expect_status(200).as_array().map(Vec::len), Some(2));
    let full = s.get(&s.secretariat, "/exports/iati-activities.xml").await;
    s.state.set_public_exports(true);
    for file in ["iati-activities.xml", "pledges.csv", "pledges.json", "deliveries.csv", "deliveries.json"] {
        let r = s.get_anon(&format!("/exports/{file}")).await;
        assert_eq!(r.status, 200, "{file}");
        assert_eq!(r.header("cache-control"), Some("public, no-cache"));
    }
    let anon = s.get_anon("/exports/iati-activities.xml").await;
    assert_eq!(anon.bytes, full.bytes, "the public file is the whole export");
    assert_valid_iati(&anon.bytes);
}

#[tokio::test]
async fn a_partner_reads_a_coalition_pledge_without_the_members_coalition() {
    let s = world().await;
    let sec = s.secretariat.clone();
    let coalition = json!({ "name": "Artillery coalition", "capability": "artillery", "leads": ["FRA"], "participants": ["FRA", "DEU"] });
    s.post(&sec, "/api/v1/coalitions", &coalition).await.expect_status(201);
    let mut p = pledge("FRA", 50_000_000);
    p["channel"] = json!("coalition");
    p["coalition"] = json!(1);
    s.post(&sec, "/api/v1/pledges", &p).await.expect_status(201);

    let ukr = s.partner_token("UKR").await;
    let r = s.get(&ukr, "/exports/iati-activities.xml").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_valid_iati(&r.bytes);
    let xml = String::from_utf8_lossy(&r.bytes);
    assert!(xml.contains("coalition of donor states"), "{xml}");
    assert!(!xml.contains("Artillery coalition"), "the coalition's name is the members': {xml}");
    let full = s.get(&sec, "/exports/iati-activities.xml").await;
    assert!(String::from_utf8_lossy(&full.bytes).contains("Artillery coalition"), "the secretariat reads it");
}
