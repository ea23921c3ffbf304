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

    let out = report(
        &[
            "burden",
            "--baseline",
            "40000000000",
            "--gdp",
            "USA=27",
            "--gdp",
            "DEU=4",
            "--gdp",
            "HUN=1",
            "--opt-out",
            "HUN",
        ],
        &d.db,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("USA") && text.contains("DEU") && !text.contains("HUN"), "{text}");
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
        (&["burden", "--baseline", "1", "--gdp", "USA"][..], "CODE=VALUE"),
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
