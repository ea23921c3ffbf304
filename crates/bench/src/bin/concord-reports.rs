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

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::Command;
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
    let mut reports = Vec::new();
    for path in REPORTS {
        let url = format!("{base}{path}");
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        let mut bytes = 0;
        for i in 0..WARM_UP + args.requests {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(&observer).send().await?;
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
        "import": import,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
