//! The real `concord serve` under resource attacks: many silent connections and a slowloris
//! (the server sheds load with 503 + Retry-After, closes them, and recovers), and a flood of
//! wrong sign-ins (a bounded number of password checks, bounded memory, other requests answered
//! throughout). Every wait is bounded; nothing asserts how long anything took.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `concord serve` with a metrics address, killed when dropped.
struct Served {
    child: Child,
    url: String,
    metrics: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(common::BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--log-key")
        .arg(common::log_key(db))
        .args(extra)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap().trim().rsplit(' ').next().unwrap().to_owned();
    let url = next();
    let metrics = next().trim_end_matches("/metrics").to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && metrics.starts_with("http://127.0.0.1:"), "{url} {metrics}");
    Served { child, url, metrics }
}

/// A metric's value from the metrics address.
async fn metric(s: &Served, name: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", s.metrics)).await.unwrap().text().await.unwrap();
    let line = text.lines().find(|l| l.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("no {name}: {text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Waits (bounded) until `check` holds, polling.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 30 s");
}

/// Whether the server has closed `conn`: a read ends (EOF or reset) within a bounded wait.
async fn closed_by_server(conn: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), conn.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            // A server may say why before closing (e.g. 408); keep reading to the end.
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slow_connections_are_shed_then_closed_and_the_server_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let cap = 64;
    let s = serve(
        &db,
        &["--max-connections", "64", "--header-timeout", "2s", "--idle-timeout", "4s", "--request-timeout", "2s"],
    );
    let addr = s.url.trim_start_matches("http://").to_owned();
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert_eq!(client.get(format!("{}/healthz", s.url)).send().await.unwrap().status(), 200);

    // A slowloris, a byte a second, then silent connections up to the cap.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let slowloris = tokio::spawn(async move {
        for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" {
            if slow.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        closed_by_server(&mut slow).await
    });
    let mut idle = Vec::new();
    for _ in 1..cap {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    eventually("the cap filling", || async { metric(&s, "concord_http_connections").await >= f64::from(cap) }).await;

    // At the cap, a normal request is answered at once: 503, a problem document, Retry-After.
    let r = client.get(format!("{}/healthz", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["type"], "urn:concord:problem:overloaded", "{p}");
    assert!(metric(&s, "concord_http_connections_shed_total").await >= 1.0);

    // Beyond the shedding slots too, new connections are closed unanswered (not held).
    let mut beyond = Vec::new();
    for _ in 0..40 {
        beyond.push(TcpStream::connect(&addr).await.unwrap());
    }
    eventually("connections beyond the slots being dropped", || async {
        metric(&s, "concord_http_connections_dropped_total").await >= 1.0
    })
    .await;

    // The server closes every silent connection and the slowloris by itself...
    let closes = futures::future::join_all(idle.iter_mut().chain(beyond.iter_mut()).map(closed_by_server)).await;
    assert!(
        closes.iter().all(|c| *c),
        "{} of {} connections still open",
        closes.iter().filter(|c| !**c).count(),
        closes.len()
    );
    assert!(slowloris.await.unwrap(), "the slowloris was closed");
    // ...and then answers normal requests again.
    eventually("recovery", || async {
        client.get(format!("{}/healthz", s.url)).send().await.is_ok_and(|r| r.status() == 200)
    })
    .await;
    eventually("the gauge going down", || async { metric(&s, "concord_http_connections").await <= 1.0 }).await;

    // A kept-alive connection that goes quiet is closed too.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 12];
    kept.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    assert!(closed_by_server(&mut kept).await, "an idle kept-alive connection is closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_flood_gets_few_checks_bounded_memory_and_leaves_the_server_answering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let s = serve(&db, &[]);
    let password = "a long enough password";
    let mut create = Command::new(common::BIN)
        .args(["user", "create", "--db"])
        .arg(&db)
        .args(["--name", "fra", "--role", "observer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    assert!(create.wait().unwrap().success());

    let client = reqwest::Client::new();
    let login = |pw: &'static str| {
        // The double-submit token: the form's value must equal the cookie's.
        client
            .post(format!("{}/login", s.url))
            .header("cookie", "concord_login=flood-token")
            .form(&[("csrf", "flood-token"), ("name", "fra"), ("password", pw), ("next", "/")])
            .send()
    };
    // 100 guessers at once; a guesser told to come back (503, busy) does, so that every guess
    // reaches the lockout rule.
    let flood = futures::future::join_all((0..100).map(|_| async {
        for _ in 0..600 {
            let r = login("wrong password").await.unwrap();
            match r.status().as_u16() {
                503 => {
                    assert!(r.headers().contains_key("retry-after"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
        panic!("a guess was refused as busy 600 times");
    }));
    // Meanwhile, other requests are answered.
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<()>();
    let others = async {
        let mut answered = 0;
        loop {
            let r = client.get(format!("{}/api/v1/log/checkpoint", s.url)).send().await.unwrap();
            assert_eq!(r.status(), 200);
            answered += 1;
            if done_rx.try_recv().is_ok() {
                return answered;
            }
        }
    };
    let flooding = async {
        let statuses = flood.await;
        let _ = done_tx.send(());
        statuses
    };
    let (statuses, answered) = tokio::join!(flooding, others);
    assert!(answered >= 1);
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, locked), (4, 96), "{statuses:?}");

    // No more checks than the lockout allows, however many guessed at once.
    assert_eq!(metric(&s, "concord_signin_checks_total").await, 5.0);
    // The right password is refused while the account is locked, without a check.
    assert_eq!(login(password).await.unwrap().status(), 429);
    assert_eq!(metric(&s, "concord_signin_checks_total").await, 5.0);

    // The peak resident memory stayed far below what unbounded checks took (9 GB).
    let pid = s.child.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let hwm_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    eprintln!("peak resident memory of the server after the flood: {hwm_kib} KiB");
    assert!(hwm_kib < 1024 * 1024, "peak resident memory {hwm_kib} KiB");
    assert_eq!(reqwest::get(format!("{}/healthz", s.url)).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_outlives_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(&dir.path().join("c.db"), &["--request-timeout", "1s"]);
    let mut conn = TcpStream::connect(s.url.trim_start_matches("http://")).await.unwrap();
    conn.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 12];
    conn.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    // Well past the request timeout the stream is still open: reads either wait or get events,
    // never the end.
    let mut rest = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(read) = tokio::time::timeout_at(deadline, conn.read(&mut rest)).await {
        assert!(read.unwrap() > 0, "the event stream was closed");
    }
}
