//! The iCalendar feed, parsed by Python's `icalendar` package (`Calendar.from_ical`), and
//! following the deadline as the secretariat extends it.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command as Process, Stdio};

use common::{admit_norway, alliance, circulate, code, draft, python_with, run, script, ts};
use concord_core::{Actor, Command, Marking, Procedure, Reader, State};
use concord_notify::calendar::feed;
use serde_json::Value;

const BASE: &str = "https://concord.example";
const ORIGIN: &str = "concord.example";

fn parse(python: &Path, ics: &str) -> Value {
    let mut child = Process::new(python)
        .arg(script("ics_dump.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(ics.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}\n{ics}", String::from_utf8_lossy(&out.stderr));
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["errors"], serde_json::json!([]), "{ics}");
    assert_eq!(parsed["prodid"], "-//Concord//Notices//EN");
    assert_eq!(parsed["version"], "2.0");
    parsed
}

fn events(python: &Path, state: &State, reader: Reader, now: &str) -> Vec<Value> {
    let ics = feed(state, reader, ts(now), BASE, ORIGIN);
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|line| line.len() <= 75), "lines are folded: {ics}");
    assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
    parse(python, &ics)["events"].as_array().unwrap().clone()
}

#[test]
fn the_feed_parses_and_follows_an_extension() {
    let Some(python) = python_with("icalendar") else { return };
    let mut state = alliance();
    let at = ts("2026-12-01T09:00:00Z");
    let title = "Support for Ukraine; winter, fuel \\ and a title long enough to be folded across lines";
    let id = draft(&mut state, title, "SECRET TEXT", at);
    let _not_circulated = draft(&mut state, "Still a draft", "DRAFT TEXT", at);
    circulate(&mut state, id, Procedure::Silence, ts("2026-12-05T17:00:00Z"), None, at);
    admit_norway(&mut state, ts("2026-12-01T10:00:00Z"));

    let fra = Reader::Member(code("FRA"));
    let uid = format!("proposal-{id}-{}@{ORIGIN}", at.as_second());
    let before = events(&python, &state, fra, "2026-12-01T12:00:00Z");
    assert_eq!(before.len(), 1, "{before:#?}");
    let e = &before[0];
    assert_eq!(e["uid"], uid);
    assert_eq!(e["sequence"], 0);
    assert_eq!(e["dtend"], "2026-12-05T17:00:00+00:00");
    assert_eq!(e["dtstart"], "2026-12-05T16:45:00+00:00");
    assert_eq!(e["dtstamp"], "2026-12-01T12:00:00+00:00");
    assert_eq!(e["summary"], format!("Silence ends: {title}"));
    assert_eq!(e["url"], format!("{BASE}/proposals/{id}"));
    let description = e["description"].as_str().unwrap();
    assert!(description.contains(&format!("{BASE}/proposals/{id}")), "{description}");
    assert!(!description.contains("SECRET"), "{description}");

    // The secretariat sees it too; Norway joined after it went out and is no elector; the
    // partner was not circulated to.
    assert_eq!(events(&python, &state, Reader::Secretariat, "2026-12-01T12:00:00Z").len(), 1);
    assert!(events(&python, &state, Reader::Member(code("NOR")), "2026-12-01T12:00:00Z").is_empty());
    assert!(events(&python, &state, Reader::Partner(code("UKR")), "2026-12-01T12:00:00Z").is_empty());
    assert!(events(&python, &state, Reader::Public, "2026-12-01T12:00:00Z").is_empty());

    let extend = Command::ExtendDeadline { proposal: id, deadline: ts("2026-12-08T12:00:00Z") };
    run(&mut state, Actor::Secretariat, &extend, ts("2026-12-02T09:00:00Z"));
    let after = events(&python, &state, fra, "2026-12-02T12:00:00Z");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["uid"], uid, "the same event, updated");
    assert!(after[0]["sequence"].as_i64() > before[0]["sequence"].as_i64(), "{after:#?}");
    assert_eq!(after[0]["dtend"], "2026-12-08T12:00:00+00:00");
    assert_eq!(after[0]["dtstart"], "2026-12-08T11:45:00+00:00");

    // At the deadline the scheduler closes it; it drops out of the feed.
    run(&mut state, Actor::Scheduler, &Command::CloseAtDeadline { proposal: id }, ts("2026-12-08T12:00:00Z"));
    assert!(events(&python, &state, fra, "2026-12-08T12:00:01Z").is_empty());
}

#[test]
fn a_partner_sees_the_rounds_circulated_to_it() {
    let Some(python) = python_with("icalendar") else { return };
    let mut state = alliance();
    let at = ts("2026-12-01T09:00:00Z");
    let shared = draft(&mut state, "Delivery plan", "TEXT", at);
    let members_only = draft(&mut state, "Internal matter", "TEXT", at);
    let ukr = Marking::MembersAndPartner(code("UKR"));
    circulate(&mut state, shared, Procedure::ConsensusRound, ts("2026-12-10T12:00:00Z"), Some(ukr), at);
    circulate(&mut state, members_only, Procedure::Silence, ts("2026-12-10T12:00:00Z"), None, at);

    let partner = events(&python, &state, Reader::Partner(code("UKR")), "2026-12-01T12:00:00Z");
    assert_eq!(partner.len(), 1, "{partner:#?}");
    assert_eq!(partner[0]["summary"], "Consensus round closes: Delivery plan");
    assert!(
        events(&python, &state, Reader::Partner(code("UKR")), "2026-12-01T12:00:00Z")[0]["uid"]
            .as_str()
            .unwrap()
            .starts_with(&format!("proposal-{shared}-"))
    );
    let deu = events(&python, &state, Reader::Member(code("DEU")), "2026-12-01T12:00:00Z");
    assert_eq!(deu.len(), 2, "{deu:#?}");
}
