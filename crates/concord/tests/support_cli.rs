//! Support coordination from the CLI end to end: the real `concord` binary against a real
//! server, as a partner, a member delegation and the secretariat would drive it.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::process::Output;

use serde_json::Value;

mod common;

use common::cli::{concord, fails, json, ok, token};
use common::serve;

/// A server with France a member and Ukraine a partner, and the tokens to act as each.
struct World {
    _dir: tempfile::TempDir,
    server: common::Server,
    sec: String,
    fra: String,
    ukr: String,
    obs: String,
}

impl World {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("support.db");
        let server = serve(&db);
        let sec = token(&db, "secretariat", None);
        let http = reqwest::blocking::Client::new();
        for (path, body) in [
            (
                "/api/v1/members",
                r#"{"code":"FRA","alpha2":"FR","numeric":"250","name":"France","accession":"1949-08-24"}"#,
            ),
            ("/api/v1/partners", r#"{"code":"UKR","name":"Ukraine"}"#),
        ] {
            let r = http
                .post(format!("{}{path}", server.url))
                .bearer_auth(&sec)
                .header("content-type", "application/json")
                .body(body);
            assert_eq!(r.send().unwrap().status().as_u16(), 201);
        }
        let (fra, ukr, obs) =
            (token(&db, "member", Some("FRA")), token(&db, "partner", Some("UKR")), token(&db, "observer", None));
        Self { _dir: dir, server, sec, fra, ukr, obs }
    }

    /// Runs `concord <args> --server … --token <token>`.
    fn run(&self, token: &str, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--server", &self.server.url, "--token", token]);
        concord(&all)
    }

    /// The size of the server's log: unchanged when nothing was sent.
    fn log_size(&self) -> u64 {
        let r = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/log/entries?limit=1", self.server.url))
            .bearer_auth(&self.obs)
            .send()
            .unwrap();
        r.json::<Value>().unwrap()["size"].as_u64().unwrap()
    }
}

const PLEDGE: &[&str] = &[
    "pledge",
    "record",
    "--donor",
    "FRA",
    "--recipient",
    "UKR",
    "--channel",
    "bilateral",
    "--category",
    "artillery-ammunition",
    "--capability",
    "artillery",
    "--range",
    "medium",
    "--item",
    "155 mm shells",
    "--quantity",
    "400",
    "--value",
    "1250000.00",
    "--currency",
    "EUR",
    "--announced-on",
    "2024-01-16",
    "--status",
    "committed",
];

/// `PLEDGE` with some flags' values replaced.
fn pledge_with(changes: &[(&str, &str)]) -> Vec<String> {
    let mut args: Vec<String> = PLEDGE.iter().map(|s| (*s).to_owned()).collect();
    for (flag, value) in changes {
        let i = args.iter().position(|a| a == flag).unwrap_or_else(|| panic!("no flag {flag}"));
        args[i + 1] = (*value).to_owned();
    }
    args
}

#[test]
fn a_request_is_filed_pledged_delivered_and_received_and_shows_its_coverage() {
    let w = World::start();
    let filed = ok(w.run(
        &w.ukr,
        &[
            "request",
            "file",
            "--partner",
            "UKR",
            "--category",
            "artillery-ammunition",
            "--capability",
            "artillery",
            "--description",
            "155 mm shells",
            "--quantity",
            "1000",
            "--unit",
            "rounds",
            "--priority",
            "critical",
            "--needed-by",
            "2024-12-31",
        ],
    ));
    assert!(filed.starts_with("Request 1 — 155 mm shells (UKR)"), "{filed}");
    assert!(filed.contains("open: 0 pledged, 0 delivered of 1000 requested"), "{filed}");

    let mut args = pledge_with(&[]);
    args.extend(["--request".into(), "1".into(), "--json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let pledge = json(&ok(w.run(&w.fra, &args)));
    assert_eq!(pledge["id"], 1);
    assert_eq!(pledge["value"], serde_json::json!({ "minor_units": 125_000_000, "currency": "EUR" }), "exact cents");
    assert_eq!(
        (pledge["category"].as_str(), pledge["status"].as_str()),
        (Some("artillery_ammunition"), Some("committed"))
    );
    // The status moves forward only.
    let status = ok(w.run(&w.fra, &["pledge", "status", "1", "--status", "allocated"]));
    assert!(status.contains("status      allocated"), "{status}");
    let err = fails(w.run(&w.fra, &["pledge", "status", "1", "--status", "announced"]));
    assert!(err.contains("409"), "{err}");

    let delivered = ok(w.run(
        &w.fra,
        &[
            "pledge",
            "deliver",
            "1",
            "--delivered-on",
            "2024-03-01",
            "--quantity",
            "100",
            "--value",
            "312500",
            "--currency",
            "EUR",
        ],
    ));
    assert!(delivered.contains("delivery 1") && delivered.contains("312500.00 EUR"), "{delivered}");
    let received = ok(w.run(&w.ukr, &["delivery", "confirm", "1", "--note", "Received in Rzeszów."]));
    assert!(received.contains("received by UKR"), "{received}");

    let shown = ok(w.run(&w.sec, &["request", "show", "1"]));
    assert!(shown.contains("partially covered: 400 pledged, 100 delivered of 1000 requested"), "{shown}");
    assert!(shown.contains("pledges      1") || shown.contains("pledges     1"), "{shown}");
    let shown = json(&ok(w.run(&w.sec, &["request", "show", "1", "--json"])));
    assert_eq!(shown["coverage"]["status"], "partially_covered");
    assert_eq!(
        (shown["coverage"]["pledged"].as_u64(), shown["coverage"]["delivered"].as_u64()),
        (Some(400), Some(100))
    );

    let pledge = ok(w.run(&w.sec, &["pledge", "show", "1"]));
    assert!(pledge.contains("Pledge 1 — FRA → UKR: 155 mm shells"), "{pledge}");
    assert!(pledge.contains("1250000.00 EUR") && pledge.contains("received by UKR"), "{pledge}");
    let delivery = json(&ok(w.run(&w.sec, &["delivery", "show", "1", "--json"])));
    assert_eq!(delivery["receipt"]["note"], "Received in Rzeszów.");

    let listed = ok(w.run(&w.sec, &["request", "list", "--status", "partially-covered"]));
    assert_eq!(listed.lines().count(), 2, "a header and one request: {listed}");
    assert!(listed.lines().nth(1).unwrap().contains("partially covered"), "{listed}");
    let none = ok(w.run(&w.sec, &["request", "list", "--status", "closed"]));
    assert_eq!(none.lines().count(), 1, "only the header: {none}");
    let pledges = json(&ok(w.run(&w.sec, &["pledge", "list", "--donor", "FRA", "--lethal", "--json"])));
    assert_eq!(pledges["items"].as_array().unwrap().len(), 1);
    let pledges = json(&ok(w.run(&w.sec, &["pledge", "list", "--non-lethal", "--json"])));
    assert!(pledges["items"].as_array().unwrap().is_empty());
    let table =
        ok(w.run(&w.sec, &["pledge", "list", "--announced-from", "2024-01-01", "--announced-to", "2024-01-31"]));
    assert!(table.lines().nth(1).is_some_and(|l| l.contains("FRA") && l.contains("partially delivered")), "{table}");

    // A correction takes back what was delivered.
    let corrected = ok(w.run(
        &w.fra,
        &[
            "pledge",
            "correct",
            "1",
            "--delivered-on",
            "2024-03-05",
            "--quantity",
            "-10",
            "--value",
            "-31250.00",
            "--currency",
            "EUR",
            "--reason",
            "ten rounds counted twice",
        ],
    ));
    assert!(corrected.contains("-31250.00 EUR") && corrected.contains("ten rounds counted twice"), "{corrected}");

    // Withdrawn by the partner that filed it.
    let withdrawn = ok(w.run(&w.ukr, &["request", "withdraw", "1", "--reason", "covered elsewhere"]));
    assert!(withdrawn.contains("withdrawn"), "{withdrawn}");
}

#[test]
fn a_refusal_and_bad_input_exit_non_zero_with_one_line_and_change_nothing() {
    let w = World::start();
    let before = w.log_size();

    // The domain's refusal, as its sentence: the alliance fund takes non-lethal aid only.
    let args = pledge_with(&[("--channel", "alliance-fund")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = fails(w.run(&w.fra, &args));
    assert!(err.contains("non-lethal") && err.contains("bilateral"), "{err}");
    // A pledge worth nothing (issue 17): one line, non-zero exit, nothing written.
    for zero in ["0", "0.00"] {
        let args = pledge_with(&[("--value", zero)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(w.run(&w.fra, &args));
        assert!(err.contains("value is not valid: it is zero (0.00 EUR)"), "{zero}: {err}");
    }

    // Bad input, checked before anything is sent: each names its flag.
    for (changes, says) in [
        (&[("--value", "1250000.005")][..], "--value"),
        (&[("--value", "1,250,000")][..], "--value"),
        (&[("--value", "-5.00")][..], "--value"),
        (&[("--currency", "EURO")][..], "--currency"),
        (&[("--category", "death-ray")][..], "--category: \"death-ray\" is not accepted"),
        (&[("--channel", "carrier-pigeon")][..], "--channel"),
        (&[("--donor", "France")][..], "--donor"),
        (&[("--announced-on", "2024-02-30")][..], "--announced-on"),
    ] {
        let args = pledge_with(changes);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(w.run(&w.fra, &args));
        assert!(err.contains(says), "{changes:?}: {err}");
    }
    // Wrong input, even at an unreachable server: refused here.
    let err = fails(concord(&[
        "pledge",
        "list",
        "--status",
        "promised",
        "--server",
        "http://127.0.0.1:9",
        "--token",
        "cct_x",
    ]));
    assert!(err.contains("--status") && err.contains("partially-delivered"), "{err}");
    let err = fails(concord(&[
        "rate",
        "record",
        "--from",
        "EUR",
        "--to",
        "USD",
        "--rate",
        "-1",
        "--on",
        "2024-01-02",
        "--server",
        "http://127.0.0.1:9",
        "--token",
        "cct_x",
    ]));
    assert!(err.contains("--rate"), "{err}");
    assert_eq!(w.log_size(), before, "nothing was written");

    // Unknown ids are the server's 404 sentence.
    let err = fails(w.run(&w.obs, &["request", "show", "7"]));
    assert!(err.contains("404"), "{err}");
    // An observer reads but cannot write.
    let err = fails(w.run(&w.obs, &["donor", "register", "--code", "AUS", "--name", "Australia"]));
    assert!(err.contains("403"), "{err}");
    assert_eq!(w.log_size(), before, "nothing was written");
}

#[test]
fn coalitions_donors_rates_and_funds_from_the_cli() {
    let w = World::start();
    let out = ok(w.run(&w.sec, &["donor", "register", "--code", "AUS", "--name", "Australia"]));
    assert!(out.contains("AUS  Australia"), "{out}");
    let donors = json(&ok(w.run(&w.obs, &["donor", "list", "--json"])));
    assert_eq!(donors["items"][0]["code"], "AUS");

    let formed = ok(w.run(
        &w.sec,
        &[
            "coalition",
            "form",
            "--name",
            "Drone coalition",
            "--capability",
            "drones",
            "--lead",
            "FRA",
            "--participant",
            "AUS",
        ],
    ));
    assert!(formed.contains("Coalition 1 — Drone coalition"), "{formed}");
    assert!(formed.contains("participants  AUS FRA"), "a lead takes part: {formed}");
    let joined = json(&ok(w.run(&w.sec, &["coalition", "join", "1", "--participant", "AUS", "--lead", "--json"])));
    assert_eq!(joined["leads"], serde_json::json!(["AUS", "FRA"]));
    let listed = ok(w.run(&w.sec, &["coalition", "list"]));
    assert!(listed.lines().nth(1).is_some_and(|l| l.contains("AUS FRA") && l.contains("Drone coalition")), "{listed}");
    assert!(ok(w.run(&w.sec, &["coalition", "show", "1"])).contains("leads         AUS FRA"));

    for (on, rate) in [("2024-01-02", "1.0812"), ("2024-01-03", "1.09")] {
        ok(w.run(&w.sec, &["rate", "record", "--from", "EUR", "--to", "USD", "--rate", rate, "--on", on]));
    }
    let rates = ok(w.run(&w.obs, &["rate", "list", "--from", "EUR", "--limit", "1"]));
    assert!(rates.contains("2024-01-02  1 EUR = 1.0812 USD"), "{rates}");
    assert!(rates.contains("(more: --after EUR:USD:2024-01-02)"), "{rates}");
    let next = ok(w.run(&w.obs, &["rate", "list", "--from", "EUR", "--limit", "1", "--after", "EUR:USD:2024-01-02"]));
    assert!(next.contains("2024-01-03  1 EUR = 1.09 USD"), "{next}");

    // A fund needs an adopted decision: France, the only member, concurs in a consensus round.
    let id = json(&ok(w.run(
        &w.sec,
        &[
            "proposal",
            "create",
            "--kind",
            "assistance-programme",
            "--title",
            "Aid",
            "--text",
            "Non-lethal aid.",
            "--json",
        ],
    )))["id"]
        .as_u64()
        .unwrap()
        .to_string();
    ok(w.run(&w.sec, &["proposal", "circulate", &id, "--procedure", "consensus-round", "--for", "2h"]));
    assert!(ok(w.run(&w.fra, &["position", "take", &id, "--stance", "concur"])).contains("adopted"));
    let fund = ok(w.run(
        &w.sec,
        &[
            "fund",
            "create",
            "--name",
            "Assistance fund",
            "--channel",
            "alliance-fund",
            "--policy",
            "non-lethal-only",
            "--authorised-by",
            &id,
        ],
    ));
    assert!(fund.contains("Fund 1 — Assistance fund"), "{fund}");
    let args = pledge_with(&[("--channel", "alliance-fund"), ("--category", "medical"), ("--value", "1000.50")]);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--fund", "1"]);
    ok(w.run(&w.fra, &args));
    let shown = ok(w.run(&w.sec, &["fund", "show", "1"]));
    assert!(shown.contains("contributed 1 pledge(s): 1000.50 EUR"), "{shown}");
    assert!(ok(w.run(&w.sec, &["fund", "list"])).contains("Assistance fund"));
}

#[test]
fn the_secretariat_records_gdp_figures_and_burden_share_reads_them_over_the_server() {
    let w = World::start();
    let record = |token: &str, value: &str, correction: Option<&str>| {
        let mut args = vec![
            "gdp",
            "record",
            "--member",
            "FRA",
            "--year",
            "2024",
            "--value",
            value,
            "--unit",
            "USD billion",
            "--source",
            "IMF World Economic Outlook, October 2024",
        ];
        if let Some(c) = correction {
            args.extend(["--correction", c]);
        }
        w.run(token, &args)
    };
    let out = ok(record(&w.sec, "3174", None));
    assert!(out.contains("FRA 2024: 3174 USD billion (IMF World Economic Outlook, October 2024)"), "{out}");
    let err = fails(record(&w.sec, "3200", None));
    assert!(err.contains("already recorded") && err.contains("correction"), "{err}");
    ok(record(&w.sec, "3200", Some("revised")));
    let before = w.log_size();
    let err = fails(record(&w.fra, "1", Some("mine")));
    assert!(err.contains("may not record GDP figures"), "{err}");
    assert_eq!(w.log_size(), before, "a refused write appends nothing");

    let out = ok(w.run(&w.obs, &["report", "burden", "--baseline", "1000"]));
    assert!(out.contains("GDP 2024 · USD billion") && out.contains("source: IMF World Economic Outlook"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("FRA") && l.contains("1000.00 EUR")), "{out}");
    let v = json(&ok(w.run(&w.obs, &["report", "burden", "--json"])));
    assert_eq!(v["gdp"][0]["value"], 3200, "the correction is the figure used");
}
