//! E-mail end to end: notices computed by the domain, rendered, sent through
//! `Mailer::from_url("smtp://127.0.0.1:<port>")` to a real SMTP server (Python's `aiosmtpd`,
//! started by the test), and what arrived parsed as MIME by Python's `email` package.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use common::{alliance, circulate, draft, python_with, script, ts};
use concord_core::notice::{self, Notice};
use concord_core::{Marking, Procedure, Reader};
use concord_notify::email::{MailSettings, Mailer, render, render_digest};
use jiff::tz::TimeZone;
use lettre::message::Mailbox;
use serde_json::Value;

const TEXT: &str = "CONFIDENTIAL-DRAFT-TEXT: the alliance will deliver forty tanks.";

/// The SMTP server, stopped when dropped.
struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    fn start(python: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child =
            Process::new(python).arg(script("smtp_sink.py")).arg(dir.path()).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("port ").and_then(|p| p.parse().ok());
        let Some(port) = port else { panic!("the SMTP sink did not start: {line:?}") };
        Self { child, port, dir }
    }

    /// The `n` messages received, oldest first, waiting up to 10 s for them.
    fn received(&self, n: usize) -> Vec<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect();
            files.sort();
            if files.len() >= n || Instant::now() > deadline {
                assert_eq!(files.len(), n, "messages received");
                return files;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A received message as Python's `email` package parses it.
fn parse(python: &Path, file: &Path) -> Value {
    let out = Process::new(python).arg(script("mime_dump.py")).arg(file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn part<'a>(mail: &'a Value, content_type: &str) -> &'a str {
    mail["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == content_type)
        .and_then(|p| p["text"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part in {mail:#}"))
}

/// The notices the circulation of a statement (with [`TEXT`]) causes, as the domain computes
/// them, and a deadline moved afterwards.
fn notices() -> (Vec<Notice>, Vec<Notice>) {
    let mut state = alliance();
    let at = ts("2026-12-01T09:00:00Z");
    let id = draft(&mut state, "Support for <Ukraine> & partners", TEXT, at);
    let events = circulate(&mut state, id, Procedure::Silence, ts("2026-12-05T17:00:00Z"), None, at);
    let circulated = notice::of_entry(&state, 4, Marking::Members, &events[0], at);
    let later = ts("2026-12-02T10:00:00Z");
    let moved = common::run(
        &mut state,
        concord_core::Actor::Secretariat,
        &concord_core::Command::ExtendDeadline { proposal: id, deadline: ts("2026-12-06T02:30:00Z") },
        later,
    );
    let moved = notice::of_entry(&state, 5, Marking::Members, &moved[0], later);
    (circulated, moved)
}

fn settings() -> MailSettings {
    MailSettings {
        from: "Concord <notices@concord.example>".parse().unwrap(),
        base_url: "https://concord.example".into(),
    }
}

#[tokio::test]
async fn notices_arrive_over_smtp_and_parse_as_mime() {
    let Some(python) = python_with("aiosmtpd") else { return };
    let sink = Sink::start(&python);
    let mailer = Mailer::from_url(&format!("smtp://127.0.0.1:{}", sink.port)).unwrap();

    let (circulated, moved) = notices();
    let fra = Reader::Member(common::code("FRA"));
    let for_fra = |ns: &[Notice]| ns.iter().find(|n| n.to == fra).cloned().expect("a notice for FRA");
    let first = for_fra(&circulated);
    let second = for_fra(&moved);

    let paris = TimeZone::get("Europe/Paris").unwrap();
    let new_york = TimeZone::get("America/New_York").unwrap();
    let fra_mailbox: Mailbox = "Délégation FRA <fra@delegations.example>".parse().unwrap();
    let usa_mailbox: Mailbox = "FRA desk in New York <fra-ny@delegations.example>".parse().unwrap();

    mailer.send(render(&first, &fra_mailbox, &paris, "Europe/Paris", &settings()).unwrap()).await.unwrap();
    let digest =
        render_digest(&[first.clone(), second.clone()], &usa_mailbox, &new_york, "America/New_York", &settings())
            .unwrap();
    mailer.send(digest).await.unwrap();

    let files = sink.received(2);
    let single = parse(&python, &files[0]);
    let digest = parse(&python, &files[1]);

    // One notice, to Paris.
    assert_eq!(single["defects"], serde_json::json!([]), "{single:#}");
    assert_eq!(single["content_type"], "multipart/alternative");
    assert_eq!(single["subject"], "Silence ends Sat 5 Dec 17:00 UTC: Support for <Ukraine> & partners");
    assert_eq!(single["to"], "Délégation FRA <fra@delegations.example>");
    assert_eq!(single["notice"], first.id);
    assert_eq!(single["message_id"], format!("<notice-{}@concord.example>", first.id));
    assert_eq!(single["date"], "Tue, 01 Dec 2026 09:00:00 +0000");
    let plain = part(&single, "text/plain");
    let html = part(&single, "text/html");
    for body in [plain, html] {
        assert!(body.contains("2026-12-05 17:00:00 UTC (18:00:00 CET, Europe/Paris)"), "{body}");
        assert!(body.contains("https://concord.example/proposals/1"), "{body}");
        assert!(!body.contains("CONFIDENTIAL"), "no proposal text in a mail: {body}");
    }
    assert!(plain.contains("Support for <Ukraine> & partners"), "{plain}");
    assert!(html.contains("Support for &lt;Ukraine&gt; &amp; partners"), "{html}");
    assert!(!html.contains("<Ukraine>"), "{html}");

    // Both, as a digest, to New York: the moved deadline falls on the previous day there.
    assert_eq!(digest["defects"], serde_json::json!([]), "{digest:#}");
    assert_eq!(digest["notice"], format!("{}, {}", first.id, second.id));
    assert_eq!(digest["subject"], "Concord: 2 notices, next deadline Sat 5 Dec 17:00 UTC");
    let plain = part(&digest, "text/plain");
    let html = part(&digest, "text/html");
    for body in [plain, html] {
        assert!(body.contains("2026-12-05 17:00:00 UTC (12:00:00 EST, America/New_York)"), "{body}");
        assert!(body.contains("2026-12-06 02:30:00 UTC (2026-12-05 21:30:00 EST, America/New_York)"), "{body}");
        assert!(body.contains("Deadline moved to Sun 6 Dec 02:30 UTC"), "{body}");
        assert!(!body.contains("CONFIDENTIAL"), "{body}");
    }
}

#[tokio::test]
async fn a_relay_that_is_down_is_a_retryable_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mailer = Mailer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let (circulated, _) = notices();
    let to: Mailbox = "fra@delegations.example".parse().unwrap();
    let m = render(&circulated[0], &to, &TimeZone::UTC, "UTC", &settings()).unwrap();
    let e = mailer.send(m).await.unwrap_err();
    assert!(e.retryable(), "{e}");
}

#[tokio::test]
async fn the_demo_writes_mail_to_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::folder(dir.path());
    let (circulated, _) = notices();
    let to: Mailbox = "fra@delegations.example".parse().unwrap();
    mailer.send(render(&circulated[0], &to, &TimeZone::UTC, "UTC", &settings()).unwrap()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "eml"), "{files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(raw.contains(&format!("X-Concord-Notice: {}", circulated[0].id)), "{raw}");
}
