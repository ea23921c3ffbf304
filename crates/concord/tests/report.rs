//! `concord report` over the demo's database: the illustrative support history from 2022,
//! reported as tables and JSON; bad input is one line and a non-zero exit.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::process::{Command, Output};

use common::{BIN, demo};
use serde_json::Value;

fn report(args: &[&str], db: &std::path::Path) -> Output {
    Command::new(BIN).arg("report").args(args).arg("--db").arg(db).output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_demo_history_reports_by_measure_month_and_share() {
    let d = demo();
    let totals = json(&report(&["totals", "--json"], &d.db));
    assert_eq!(totals["measure"], "committed");
    assert_eq!(totals["currency"], "EUR");
    let rows = totals["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["month"] == "2022-03" && r["lethal"] == true));
    assert_eq!(rows.last().unwrap()["month"], "unknown", "the undated pledge is counted, last");
    let sum: i64 = rows.iter().map(|r| r["value"]["minor_units"].as_i64().unwrap()).sum();
    assert_eq!(sum, totals["total"]["minor_units"].as_i64().unwrap());

    // Delivered counts less than committed; announced pledges are in neither.
    let delivered = json(&report(&["totals", "--json", "--measure", "delivered"], &d.db));
    assert!(delivered["total"]["minor_units"].as_i64() < totals["total"]["minor_units"].as_i64());

    let shares = json(&report(&["shares", "--json"], &d.db));
    let long = |year: &str| {
        shares
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["month"].as_str().unwrap().starts_with(year) && s["long_range_bp"].as_u64() > Some(0))
    };
    assert!(!long("2022") && long("2023"), "{shares}");

    let gaps = json(&report(&["gaps", "--json"], &d.db));
    assert_eq!(gaps[0]["coverage"]["status"], "partially_covered", "uncovered requests come first: {gaps}");
    // The table says it in words, as every other output does.
    let table = report(&["gaps"], &d.db);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("partially covered") && !table.contains("PartiallyCovered"), "{table}");
    // The demo's token file is its owner's alone, like its logins.
    #[cfg(unix)]
    for file in ["demo-tokens.env", "demo-logins.txt"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.db.with_file_name(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    // Burden share reads the GDP figures the demo recorded, and names their year and source.
    let out = report(&["burden", "--baseline", "40000000000", "--opt-out", "HUN"], &d.db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let members: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(members.contains(&"USA") && members.contains(&"DEU") && !members.contains(&"HUN"), "{text}");
    assert!(text.contains("GDP 2024 · USD billion"), "{text}");
    assert!(text.contains("source: IMF World Economic Outlook, October 2024"), "{text}");
    assert!(text.contains("opted out: HUN"), "{text}");
    let burden = json(&report(&["burden", "--json"], &d.db));
    assert_eq!(burden["baseline"]["minor_units"], 4_000_000_000_000_i64, "the Washington pledge by default");
    assert_eq!(burden["lines"].as_array().unwrap().len(), 32);
    let deliveries = String::from_utf8(report(&["deliveries"], &d.db).stdout).unwrap();
    assert_eq!(deliveries.lines().count(), 1 + 13, "a header and the demo's 13 deliveries: {deliveries}");
    assert!(deliveries.starts_with("id,pledge,delivered_on,quantity,value,currency,correction,received_at"));
    let pledges = json(&report(&["pledges", "--json"], &d.db));
    assert_eq!(pledges.as_array().unwrap().len(), 22);
    let table = String::from_utf8(report(&["delivery"], &d.db).stdout).unwrap();
    assert!(table.lines().any(|l| l.starts_with("USA")), "{table}");
}

#[test]
fn bad_report_input_is_one_line_and_a_failure() {
    let d = demo();
    for (args, needle) in [
        (&["totals", "--currency", "XYZ"][..], "XYZ"),
        (&["totals", "--currency", "JPY"][..], "no exchange rate"),
        (&["burden", "--year", "1990"][..], "no GDP figure for 1990"),
        (&["burden", "--baseline", "lots"][..], "--baseline"),
    ] {
        let out = report(args, &d.db);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.to_lowercase().contains(&needle.to_lowercase()), "{args:?}: {err}");
    }
    let out = Command::new(BIN).args(["report", "totals", "--db", "/nonexistent/x.db"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn the_demo_history_exports_as_iati_2_03_that_the_schema_accepts() {
    let d = demo();
    let out = report(&["iati"], &d.db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let xml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(xml.matches("<iati-activity ").count(), 22, "one activity per pledge");
    let file = d._dir.path().join("iati.xml");
    std::fs::write(&file, &xml).unwrap();
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/iati-2.03/iati-activities-schema.xsd");
    let check = Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian: apt-get install libxml2-utils; .ci/run installs it)");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

/// `concord report …` with the environment's database and server settings removed.
fn bare() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CONCORD_DATABASE").env_remove("CONCORD_SERVER").env_remove("CONCORD_TOKEN");
    c
}

#[test]
fn every_report_over_a_server_prints_what_it_prints_from_the_database() {
    let d = demo();
    let server = common::serve_on(d.db.as_os_str(), &d.db.with_file_name("demo-log.key"));
    let sec = common::cli::token(&d.db, "secretariat", None);
    for args in [
        &["totals"][..],
        &["totals", "--json", "--measure", "delivered"],
        &["delivery"],
        &["delivery", "--json"],
        &["gaps"],
        &["gaps", "--json"],
        &["shares"],
        &["shares", "--json", "--measure", "allocated"],
        &["burden"],
        &["burden", "--json", "--opt-out", "HUN", "--baseline", "1000000"],
        &["pledges"],
        &["pledges", "--json"],
        &["deliveries"],
        &["deliveries", "--json"],
        &["iati"],
    ] {
        let over_server =
            bare().arg("report").args(args).args(["--server", &server.url, "--token", &sec]).output().unwrap();
        let from_db = bare().arg("report").args(args).arg("--db").arg(&d.db).output().unwrap();
        assert!(from_db.status.success(), "{args:?} --db: {}", String::from_utf8_lossy(&from_db.stderr));
        assert!(over_server.status.success(), "{args:?} --server: {}", String::from_utf8_lossy(&over_server.stderr));
        assert!(!from_db.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&over_server.stdout),
            String::from_utf8_lossy(&from_db.stdout),
            "{args:?}: the server's report differs from the database's"
        );
    }
    // The server's IATI file is the CLI's, and the schema accepts it.
    let url = format!("{}/exports/iati-activities.xml", server.url);
    let served = reqwest::blocking::Client::new().get(url).bearer_auth(&sec).send().unwrap().bytes().unwrap();
    let printed = bare().args(["report", "iati", "--db"]).arg(&d.db).output().unwrap().stdout;
    assert_eq!(served.as_ref(), printed.as_slice());

    // One source, and only one; each mistake is one line.
    for (args, needle) in [
        (vec!["report", "totals"], "give --db"),
        (vec!["report", "totals", "--db", "x.db", "--server", &server.url], "not both"),
        (vec!["report", "totals", "--server", &server.url], "no token"),
        (vec!["report", "iati", "--server", &server.url, "--token", &sec, "--org-ref", "XI-OTHER"], "--org-ref"),
    ] {
        let out = bare().args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
