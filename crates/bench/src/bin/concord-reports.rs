//! `concord-reports`: how fast a real `concord serve` answers the support reports on a large
//! history, how long it takes to load it, how much memory it holds, and how fast it takes a bulk
//! pledge import.
//!
//! ```text
//! cargo build --release -p concord -p concord-bench
//! target/release/concord synth --db /tmp/synth/concord.db          # 1 M pledges, 2 M deliveries
//! target/release/concord synth --csv /tmp/synth/import.csv --pledges 100000
//! target/release/concord-reports --db /tmp/synth/concord.db --import /tmp/synth/import.csv
//! ```
//!
//! Each report is asked for `--requests` times, one request at a time (so the latency is the
//! server's, not a queue's), after a few unmeasured ones. The import goes through the real CLI
//! (`concord pledge import`: CSV parsing, one HTTP request, every row decided, one durable
//! append); it changes the database, so copy the database first to measure again from the same
//! start.
//!
//! With `--writers N`, it then measures reads and writes against each other: the reports again
//! while N clients record positions as fast as the server acknowledges them, and the positions
//! per second with and without the reports running (the writers concur, again and again, on
//! procedures the tool opens with a distant deadline; the log must accept unsigned positions, as
//! the synthetic one does).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use concord_bench::{peak_rss_kib, serve, token};
use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Report latency, load time, memory and bulk import on a large history.
#[derive(Debug, Parser)]
struct Args {
    /// A database written by `concord synth` (its `demo-log.key` beside it).
    #[arg(long)]
    db: PathBuf,
    /// Measured requests per report.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// A CSV of pledges (`concord synth --csv`) to import after the reports.
    #[arg(long)]
    import: Option<PathBuf>,
    /// The `concord` binary (default: beside this one).
    #[arg(long)]
    concord: Option<PathBuf>,
    /// Clients writing positions while the reports are measured again (0: no such phase).
    #[arg(long, default_value_t = 0)]
    writers: usize,
    /// How long the writers write alone, for the rate to compare with.
    #[arg(long, default_value_t = 10)]
    write_seconds: u64,
}

/// The reports measured: each endpoint, with the queries a dashboard would send.
const REPORTS: &[&str] = &[
    "/api/v1/reports/totals",
    "/api/v1/reports/totals?measure=delivered",
    "/api/v1/reports/totals?currency=USD",
    "/api/v1/reports/totals?from=2024-01&to=2024-12&lethal=true",
    "/api/v1/reports/totals?donor=DEU&limit=100",
    "/api/v1/reports/delivery",
    "/api/v1/reports/gaps",
    "/api/v1/reports/shares",
    "/api/v1/reports/shares?measure=delivered",
];

const WARM_UP: usize = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match args.concord.clone() {
        Some(b) => b,
        None => std::env::current_exe()?.with_file_name("concord"),
    };
    anyhow::ensure!(bin.exists(), "no concord binary at {} (build it, or pass --concord)", bin.display());
    let key = args.db.with_file_name("demo-log.key");
    anyhow::ensure!(key.exists(), "no log key at {} (write the database with concord synth)", key.display());
    let observer = token(&bin, &args.db, "observer", None)?;
    let secretariat = token(&bin, &args.db, "secretariat", None)?;

    let started = Instant::now();
    let (server, base) = serve(&bin, &args.db.to_string_lossy(), &key, false)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let rss_loaded = peak_rss_kib(server.0.id());

    let client = reqwest::Client::new();
    let reports = measure(&client, &base, &observer, args.requests).await?;
    let contention = if args.writers == 0 {
        Value::Null
    } else {
        contention(&bin, &args, &client, &base, &observer, &secretariat, &reports).await?
    };

    let import = match &args.import {
        None => Value::Null,
        Some(csv) => {
            let rows = std::fs::read_to_string(csv)?.lines().count().saturating_sub(1);
            let t = Instant::now();
            let out = Command::new(&bin)
                .args(["pledge", "import"])
                .arg(csv)
                .args(["--server", &base, "--token", &secretariat])
                .output()
                .context("cannot run concord pledge import")?;
            let seconds = t.elapsed().as_secs_f64();
            anyhow::ensure!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
            json!({
                "pledges": rows,
                "seconds": (seconds * 1000.0).round() / 1000.0,
                "pledges_per_second": (rows as f64 / seconds).round(),
            })
        }
    };
    let rss_peak = peak_rss_kib(server.0.id());
    drop(server);
    let mib = |k: Option<u64>| k.map(|k| (k as f64 / 1024.0).round());
    let report = json!({
        "database": args.db,
        "load_seconds": (load_seconds * 10.0).round() / 10.0,
        "server_peak_rss_mib_after_load": mib(rss_loaded),
        "server_peak_rss_mib_at_end": mib(rss_peak),
        "requests_per_report": args.requests,
        "reports": reports,
        "contention": contention,
        "import": import,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Each report asked `requests` times after a few unmeasured, one request at a time.
async fn measure(client: &reqwest::Client, base: &str, token: &str, requests: usize) -> anyhow::Result<Vec<Value>> {
    let mut reports = Vec::new();
    for path in REPORTS {
        let url = format!("{base}{path}");
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        let mut bytes = 0;
        for i in 0..WARM_UP + requests {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(token).send().await?;
            let status = r.status();
            let body = r.bytes().await?;
            anyhow::ensure!(status.is_success(), "{path}: {status} {}", String::from_utf8_lossy(&body));
            if i >= WARM_UP {
                h.record(t.elapsed().as_micros() as u64)?;
            }
            bytes = body.len();
        }
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        reports.push(json!({
            "path": path,
            "p50_ms": ms(0.5),
            "p99_ms": ms(0.99),
            "max_ms": h.max() as f64 / 1000.0,
            "response_bytes": bytes,
        }));
    }
    Ok(reports)
}

/// Procedures the writers take positions on.
const PROCEDURES: u64 = 16;

/// The reports while writers write, and the writers' rate with and without the reports.
async fn contention(
    bin: &std::path::Path,
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    observer: &str,
    secretariat: &str,
    alone: &[Value],
) -> anyhow::Result<Value> {
    let post = |url: String, token: String, body: Value| {
        let client = client.clone();
        async move {
            let r = client.post(url).bearer_auth(token).json(&body).send().await?;
            anyhow::ensure!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
            anyhow::Ok(r.json::<Value>().await?)
        }
    };
    let mut ids = Vec::new();
    for i in 0..PROCEDURES {
        let d = json!({"kind": "routine", "title": format!("Load {i}"), "text": "Routine business for load."});
        let p = post(format!("{base}/api/v1/proposals"), secretariat.to_owned(), d).await?;
        let id = p["id"].as_u64().context("no id")?;
        let c = json!({"procedure": "silence", "deadline": "2099-01-01T00:00:00Z"});
        post(format!("{base}/api/v1/proposals/{id}/circulate"), secretariat.to_owned(), c).await?;
        ids.push(id);
    }
    let members: Value =
        client.get(format!("{base}/api/v1/members?limit=100")).bearer_auth(observer).send().await?.json().await?;
    let codes: Vec<String> = members["items"]
        .as_array()
        .context("no members")?
        .iter()
        .filter_map(|m| m["code"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(!codes.is_empty(), "the log has no members to write as");
    let mut tokens = Vec::new();
    for c in &codes {
        tokens.push(token(bin, &args.db, "member", Some(c))?);
    }
    let writers =
        Writers { client: client.clone(), base: base.to_owned(), tokens: Arc::new(tokens), ids: Arc::new(ids) };

    let alone_rate = writers.run(args.writers, std::time::Duration::from_secs(args.write_seconds)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let running = writers.spawn(args.writers, stop.clone());
    let started = Instant::now();
    let with = measure(client, base, observer, args.requests).await?;
    stop.store(true, Ordering::Relaxed);
    let mut acked = 0;
    for t in running {
        acked += t.await?;
    }
    let beside_rate = acked as f64 / started.elapsed().as_secs_f64();
    let ratios: Vec<Value> = alone
        .iter()
        .zip(&with)
        .map(|(a, w)| {
            let (a99, w99) = (a["p99_ms"].as_f64().unwrap_or(0.0), w["p99_ms"].as_f64().unwrap_or(0.0));
            json!({"path": a["path"], "p99_ms_alone": a99, "p99_ms_with_writers": w99, "ratio": (w99 / a99 * 100.0).round() / 100.0})
        })
        .collect();
    Ok(json!({
        "writers": args.writers,
        "positions_per_second_alone": alone_rate.round(),
        "positions_per_second_beside_reports": beside_rate.round(),
        "ingest_ratio": (beside_rate / alone_rate * 100.0).round() / 100.0,
        "reports": ratios,
    }))
}

/// Clients concurring, again and again, each as one member, across the procedures.
struct Writers {
    client: reqwest::Client,
    base: String,
    tokens: Arc<Vec<String>>,
    ids: Arc<Vec<u64>>,
}

impl Writers {
    /// `n` writers until `stop`; each task returns how many positions were acknowledged.
    fn spawn(&self, n: usize, stop: Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<u64>> {
        (0..n)
            .map(|w| {
                let (client, base, tokens, ids, stop) =
                    (self.client.clone(), self.base.clone(), self.tokens.clone(), self.ids.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut acked = 0;
                    let token = &tokens[w % tokens.len()];
                    let mut i = w;
                    while !stop.load(Ordering::Relaxed) {
                        let id = ids[i % ids.len()];
                        i += 1;
                        let r = client
                            .post(format!("{base}/api/v1/proposals/{id}/positions"))
                            .bearer_auth(token)
                            .json(&json!({"revision": 1, "stance": "concur"}))
                            .send()
                            .await;
                        if let Ok(r) = r {
                            if r.status().as_u16() == 201 {
                                acked += 1;
                            }
                            let _ = r.bytes().await;
                        }
                    }
                    acked
                })
            })
            .collect()
    }

    /// Positions per second `n` writers record in `for_` with nothing else running.
    async fn run(&self, n: usize, for_: std::time::Duration) -> f64 {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let tasks = self.spawn(n, stop.clone());
        tokio::time::sleep(for_).await;
        stop.store(true, Ordering::Relaxed);
        let mut acked = 0;
        for t in tasks {
            acked += t.await.unwrap_or(0);
        }
        acked as f64 / started.elapsed().as_secs_f64()
    }
}
