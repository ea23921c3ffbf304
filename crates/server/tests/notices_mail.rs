//! E-mail through the running server: the notifier sends to a real SMTP server (Python's
//! `aiosmtpd`, the sink the `concord-notify` tests use) that is out of service (it answers `421`
//! and hangs up) when the notices are queued, and comes back later. Every message waits in the
//! outbox with its failed attempts, then arrives exactly once, and parses as MIME (Python's
//! `email` package).

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;
// The notify tests' way of finding a Python with the test packages, shared rather than copied.
#[path = "../../notify/tests/common/mod.rs"]
mod notify_common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{FOUNDERS, Server};
use concord_server::clock::{Clock, ManualClock};
use concord_server::notifier::{MailConfig, MailTransport, NotifyConfig};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// The scripts the `concord-notify` tests run, shared rather than copied.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../notify/tests").join(name)
}

/// The SMTP server, out of service until [`Sink::come_up`]; stopped when dropped.
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
    fn start_down(python: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Process::new(python)
            .arg(script("smtp_sink.py"))
            .arg(dir.path())
            .arg(dir.path().join("up"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("port ").and_then(|p| p.parse().ok());
        let Some(port) = port else { panic!("the SMTP sink did not start: {line:?}") };
        Self { child, port, dir }
    }

    /// From now on every connection is served.
    fn come_up(&self) {
        std::fs::write(self.dir.path().join("up"), b"").unwrap();
    }

    /// The messages received so far, oldest first.
    fn received(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }
}

/// A received message as Python's `email` package parses it.
fn parse(python: &Path, file: &Path) -> Value {
    let out = Process::new(python).arg(script("mime_dump.py")).arg(file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The secretariat's view of the e-mail outbox.
async fn mail_outbox(s: &Server) -> Vec<Value> {
    s.get(&s.secretariat, "/api/v1/outbox?channel=email").await.expect_status(200).as_array().unwrap().clone()
}

/// Whether every message of the outbox is delivered.
fn all_delivered(outbox: &[Value]) -> bool {
    outbox.iter().all(|m| m["state"] == "delivered")
}

// Several threads: the test's blocking waits on Python do not hold up the server's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_while_the_smtp_server_is_down_then_arrives_once() {
    let Some(python) = notify_common::python_with("aiosmtpd") else { return };
    let sink = Sink::start_down(&python);
    let port = sink.port;
    let t0: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let mail = MailConfig {
        from: "Concord <concord@alliance.example>".into(),
        transport: MailTransport::Smtp(format!("smtp://127.0.0.1:{port}")),
    };
    let notify =
        NotifyConfig { poll: Duration::from_millis(50), mail: Some(mail), ..NotifyConfig::new("https://concord.test") };
    let s = Server::start_notifying(clock.clone(), notify).await;
    for (code, a2, num, name) in FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    let fra = s.member_token("FRA").await;
    let dnk = s.member_token("DNK").await;
    for (token, email, zone) in [(&fra, "duty@fra.example", "Europe/Paris"), (&dnk, "duty@dnk.example", "America/Nuuk")]
    {
        let contact = json!({ "email": email, "time_zone": zone, "digest": false });
        s.post(token, "/api/v1/contacts", &contact).await.expect_status(200);
    }

    // Two notices each while the server is down: the circulation, then an extension.
    let id = s.draft("assistance_programme", "Winter fuel").await;
    let deadline = t0 + SignedDuration::from_hours(96);
    s.circulate(id, "silence", deadline).await;
    let later = (deadline + SignedDuration::from_hours(24)).to_string();
    let extended =
        s.post(&s.secretariat, &format!("/api/v1/proposals/{id}/extend"), &json!({ "deadline": later })).await;
    extended.expect_status(200);
    let mut tried = Vec::new();
    for _ in 0..200 {
        tried = mail_outbox(&s).await;
        if tried.len() == 4 && tried.iter().all(|m| m["attempts"].as_u64() >= Some(1)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tried.len(), 4, "two notices to each of two contacts: {tried:?}");
    for m in &tried {
        assert_eq!(m["state"], "pending", "{m}");
        assert!(m["attempts"].as_u64() >= Some(1), "tried while down: {m}");
        assert!(m["last_error"].is_string(), "the failure is recorded: {m}");
    }

    // The server comes back; each retry waits its backoff on the server's clock, which never
    // reaches a reminder's rung (deadline - 72 h) or the deadline: only these four are due.
    sink.come_up();
    let quiet_until = deadline + SignedDuration::from_hours(24) - SignedDuration::from_hours(73);
    for _ in 0..400 {
        if all_delivered(&mail_outbox(&s).await) {
            break;
        }
        let next = (clock.now() + SignedDuration::from_mins(30)).min(quiet_until);
        clock.set(next);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outbox = mail_outbox(&s).await;
    assert!(all_delivered(&outbox), "delivered once the server is back: {outbox:?}");
    // Time goes on to just before the first reminder: nothing is sent again.
    clock.set(quiet_until);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let outbox = mail_outbox(&s).await;
    assert_eq!(outbox.len(), 4, "nothing more queued: {outbox:?}");
    for m in &outbox {
        assert_eq!(m["state"], "delivered", "{m}");
        assert!(m["attempts"].as_u64() >= Some(2), "failed at least once, then delivered: {m}");
    }
    let mails: Vec<Value> = sink.received().iter().map(|f| parse(&python, f)).collect();
    // Notices due to one address at once go in one mail; `X-Concord-Notice` lists them.
    let mut said: Vec<String> = mails
        .iter()
        .flat_map(|m| m["notice"].as_str().unwrap().split(", ").map(str::to_owned).collect::<Vec<_>>())
        .collect();
    said.sort();
    let mut once = said.clone();
    once.dedup();
    assert_eq!(said, once, "no notice mailed twice: {mails:?}");
    assert_eq!(said.len(), 4, "two notices to each of two contacts: {said:?}");
    let text = |m: &Value| {
        let parts = m["parts"].as_array().unwrap();
        parts.iter().find(|p| p["type"] == "text/plain").unwrap()["text"].as_str().unwrap().to_owned()
    };
    for m in &mails {
        assert!(m["defects"].as_array().unwrap().is_empty(), "well-formed MIME: {m}");
        assert!(text(m).contains("Winter fuel"), "{m}");
        let zone = if m["to"].as_str().unwrap().contains("fra.example") { "Europe/Paris" } else { "America/Nuuk" };
        assert!(text(m).contains(zone), "the contact's zone beside UTC: {m}");
    }
}
