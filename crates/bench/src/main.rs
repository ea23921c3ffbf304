//! `concord-load`: how many acknowledged, durable positions per second a real `concord serve`
//! records on this machine, with latency percentiles and the server's peak memory — next to the
//! disk's own fsync rate, measured in the same run, since durability costs one fsync per commit.
//!
//! ```text
//! cargo build --release -p concord -p concord-bench
//! target/release/concord-load --clients 64 --seconds 10
//! target/release/concord-load --clients 64 --seconds 10 --signed --proposals 1024
//! ```
//!
//! With `--signed`, each member's key is enrolled and every position carries a statement the
//! client signed with it, as a delegation's would: the server checks each signature. A member
//! signs in whole seconds and each of its statements on a proposal must be later than the one
//! before, so give enough proposals that a member comes back to one only seconds later.
//!
//! The server runs as its own process (so its RSS is its own) on a fresh SQLite file in a
//! temporary folder, or on an empty PostgreSQL database (`--database postgres://…`), where
//! `--servers 3` runs three processes on the one log; the load comes over loopback. The tool
//! stops by itself.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use concord_bench::{cpu_seconds, peak_rss_kib, serve, token};
use concord_core::{CountryCode, PositionStatement, ProposalId, Stance, member_key_name, text_hash};
use concord_ledger::keys::Signer;
use concord_ledger::note;
use hdrhistogram::Histogram;
use jiff::Timestamp;
use serde_json::{Value, json};

/// Position-ingest load test.
#[derive(Debug, Parser)]
struct Args {
    /// Concurrent clients, each sending one request at a time.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// How long to send load.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Open proposals the positions are spread over.
    #[arg(long, default_value_t = 64)]
    proposals: usize,
    /// The `concord` binary (default: beside this one).
    #[arg(long)]
    concord: Option<PathBuf>,
    /// Where the database goes (default: a temporary folder; use a folder on the disk to test).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// An empty PostgreSQL database (`postgres://…`) to run on instead of a SQLite file.
    #[arg(long)]
    database: Option<String>,
    /// `concord serve` processes on the one database (PostgreSQL only); clients are spread
    /// over them.
    #[arg(long, default_value_t = 1)]
    servers: usize,
    /// Positions signed by their member's enrolled key, on a log that requires them.
    #[arg(long)]
    signed: bool,
}

/// The name `concord keygen` is given here: the log's origin, which members' statements name.
const ORIGIN: &str = "load.concord.example/log";
/// Every proposal's text.
const TEXT: &str = "Routine business for load.";

const MEMBERS: &[(&str, &str, &str)] = &[
    ("BEL", "BE", "056"),
    ("CAN", "CA", "124"),
    ("DNK", "DK", "208"),
    ("FRA", "FR", "250"),
    ("ISL", "IS", "352"),
    ("ITA", "IT", "380"),
    ("LUX", "LU", "442"),
    ("NLD", "NL", "528"),
    ("NOR", "NO", "578"),
    ("PRT", "PT", "620"),
    ("GBR", "GB", "826"),
    ("USA", "US", "840"),
    ("GRC", "GR", "300"),
    ("TUR", "TR", "792"),
    ("DEU", "DE", "276"),
    ("ESP", "ES", "724"),
    ("CZE", "CZ", "203"),
    ("HUN", "HU", "348"),
    ("POL", "PL", "616"),
    ("BGR", "BG", "100"),
    ("EST", "EE", "233"),
    ("LVA", "LV", "428"),
    ("LTU", "LT", "440"),
    ("ROU", "RO", "642"),
    ("SVK", "SK", "703"),
    ("SVN", "SI", "705"),
    ("ALB", "AL", "008"),
    ("HRV", "HR", "191"),
    ("MNE", "ME", "499"),
    ("MKD", "MK", "807"),
    ("FIN", "FI", "246"),
    ("SWE", "SE", "752"),
];

/// Appends 4 KiB and fsyncs (`fdatasync`), repeatedly, for `dur`: the disk's durable-write rate.
fn fsync_rate(dir: &Path, dur: Duration) -> anyhow::Result<f64> {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path)?;
    let block = [0x5au8; 4096];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        f.write_all(&block)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    std::fs::remove_file(&path)?;
    Ok(rate)
}

/// User + system CPU seconds a process has used so far (from /proc/PID/stat).
async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
    let r = client.post(url).bearer_auth(token).json(body).send().await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        bail!("{url}: {status} {v}");
    }
    Ok(v)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match args.concord.clone() {
        Some(b) => b,
        None => std::env::current_exe()?.with_file_name("concord"),
    };
    anyhow::ensure!(bin.exists(), "no concord binary at {} (build it, or pass --concord)", bin.display());
    let tmp = tempfile::tempdir_in(args.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let db = match &args.database {
        Some(url) => url.clone(),
        None => tmp.path().join("load.db").to_string_lossy().into_owned(),
    };
    anyhow::ensure!(
        args.servers == 1 || args.database.is_some(),
        "several servers share a PostgreSQL database, not a SQLite file: give --database"
    );

    let fsyncs = fsync_rate(tmp.path(), Duration::from_secs(2))?;

    let key = tmp.path().join("log.key");
    let out = Command::new(&bin).args(["keygen", "--name", ORIGIN, "--out"]).arg(&key).output()?;
    anyhow::ensure!(out.status.success(), "keygen failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..args.servers {
        let (server, base) = serve(&bin, &db, &key, args.signed)?;
        servers.push(server);
        bases.push(base);
    }
    let base = bases[0].clone();
    let db = PathBuf::from(db);

    // Setup: 32 members, open silence procedures with a distant deadline.
    let sec = token(&bin, &db, "secretariat", None)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.clients).build()?;
    for (c, a2, num) in MEMBERS {
        let m = json!({"code": c, "alpha2": a2, "numeric": num, "name": c, "accession": "1949-08-24"});
        post(&client, &format!("{base}/api/v1/members"), &sec, &m).await?;
    }
    let mut tokens = Vec::new();
    let mut signers = Vec::new();
    for (i, (c, _, _)) in MEMBERS.iter().enumerate() {
        tokens.push(token(&bin, &db, "member", Some(c))?);
        if args.signed {
            let member = CountryCode::parse(c)?;
            let signer = Signer::from_seed(&member_key_name(ORIGIN, member), [u8::try_from(i)?; 32])?;
            let k = json!({"key": signer.verifier().to_string()});
            post(&client, &format!("{base}/api/v1/members/{c}/keys"), &sec, &k).await?;
            signers.push(Some((member, signer)));
        } else {
            signers.push(None);
        }
    }
    // A statement is dated in whole seconds, and must not be older than its key.
    if args.signed {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let deadline = "2099-01-01T00:00:00Z";
    for i in 0..args.proposals {
        let d = json!({"kind": "routine", "title": format!("Load {i}"), "text": TEXT});
        let p = post(&client, &format!("{base}/api/v1/proposals"), &sec, &d).await?;
        let id = p["id"].as_u64().context("no id")?;
        let c = json!({"procedure": "silence", "deadline": deadline});
        post(&client, &format!("{base}/api/v1/proposals/{id}/circulate"), &sec, &c).await?;
    }

    // Load: each client concurs again and again, as one member, across the proposals.
    let servers_cpu = || servers.iter().filter_map(|s| cpu_seconds(&s.0.id().to_string())).sum::<f64>();
    let server_cpu0 = servers_cpu();
    let load_cpu0 = cpu_seconds("self").unwrap_or(0.0);
    let stop_at = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let tokens = Arc::new(tokens);
    let signers = Arc::new(signers);
    let text_sha = text_hash(TEXT);
    let mut tasks = Vec::new();
    for w in 0..args.clients {
        let (client, base, tokens) = (client.clone(), bases[w % bases.len()].clone(), tokens.clone());
        let (signers, text_sha) = (signers.clone(), text_sha.clone());
        let proposals = args.proposals;
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut errors = 0u64;
            let token = &tokens[w % tokens.len()];
            let signer = &signers[w % signers.len()];
            let mut i = w;
            while Instant::now() < stop_at {
                let id = 1 + (i % proposals);
                i += 7;
                let t = Instant::now();
                let mut body = json!({"revision": 1, "stance": "concur"});
                if let Some((member, key)) = signer {
                    // Signing is the delegation's work, timed as part of the request.
                    let statement = PositionStatement {
                        origin: ORIGIN.to_owned(),
                        member: *member,
                        proposal: ProposalId(id as u64),
                        revision: 1,
                        text_hash: text_sha.clone(),
                        stance: Stance::Concur,
                        statement_hash: None,
                        time: Timestamp::from_second(Timestamp::now().as_second()).expect("a time in range"),
                    };
                    body["signed_note"] = note::sign(&statement.to_text(), &[key]).expect("signs").into();
                }
                let r = client
                    .post(format!("{base}/api/v1/proposals/{id}/positions"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let _ = r.bytes().await;
                        h.record(t.elapsed().as_micros() as u64).expect("in range");
                    }
                    _ => errors += 1,
                }
            }
            (h, errors)
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await?;
        all.add(h)?;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rss = servers.iter().filter_map(|s| peak_rss_kib(s.0.id())).max();
    let server_cpu = servers_cpu() - server_cpu0;
    let load_cpu = cpu_seconds("self").unwrap_or(0.0) - load_cpu0;
    drop(servers);

    let rate = all.len() as f64 / elapsed;
    let report = json!({
        "database": if args.database.is_some() { "postgresql" } else { "sqlite" },
        "positions": if args.signed { "signed" } else { "unsigned" },
        "servers": args.servers,
        "clients": args.clients,
        "seconds": elapsed,
        "acknowledged_positions": all.len(),
        "errors": errors,
        "positions_per_second": rate.round(),
        "latency_ms": {
            "p50": all.value_at_quantile(0.50) as f64 / 1000.0,
            "p99": all.value_at_quantile(0.99) as f64 / 1000.0,
            "max": all.max() as f64 / 1000.0,
        },
        "server_cpu_seconds": (server_cpu * 100.0).round() / 100.0,
        "load_tool_cpu_seconds": (load_cpu * 100.0).round() / 100.0,
        "server_peak_rss_mib_each": rss.map(|k| (k as f64 / 1024.0 * 10.0).round() / 10.0),
        "disk_fsyncs_per_second": fsyncs.round(),
        "positions_per_fsync": (rate / fsyncs * 100.0).round() / 100.0,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
