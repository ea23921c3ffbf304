//! `concord serve`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use concord_server::App;
use concord_server::clock::SystemClock;
use concord_store::Store;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A TOML config file (settings: addr, database, log_key, unsigned_positions, witnesses).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Overrides the address (else CONCORD_ADDR, the file, or 127.0.0.1:8080).
    #[arg(long)]
    addr: Option<std::net::SocketAddr>,
    /// Overrides the database: a SQLite file or a `postgres://` URL (else CONCORD_DATABASE /
    /// CONCORD_DATABASE_URL or the file).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Overrides the log's private key file (else CONCORD_LOG_KEY or the file).
    #[arg(long)]
    log_key: Option<PathBuf>,
    /// When this server creates a new log: accept member positions without the member's
    /// signature (else CONCORD_UNSIGNED_POSITIONS or the file; default: signatures required).
    #[arg(long)]
    unsigned_positions: bool,
    /// A witness to ask to cosign each checkpoint, `URL=VERIFIER_KEY`; repeatable (adds to
    /// CONCORD_WITNESSES and the file's `witnesses`).
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// The web pages are reached over TLS (e.g. behind a TLS-terminating proxy): session
    /// cookies get `Secure` and the `__Host-` prefix. Also set per request by a proxy's
    /// `X-Forwarded-Proto: https`.
    #[arg(long, env = "CONCORD_TLS")]
    tls: bool,
    /// Serve `/metrics` on this address, apart from the public one (else CONCORD_METRICS_ADDR
    /// or the file's `metrics_addr`; default: not served).
    #[arg(long)]
    metrics_addr: Option<std::net::SocketAddr>,
    /// Keep snapshots of the state here, so that a start replays only the entries after the
    /// newest (else CONCORD_SNAPSHOT_DIR or the file's `snapshot_dir`; default:
    /// `<database>.snapshots` beside a SQLite file, none on PostgreSQL).
    #[arg(long)]
    snapshot_dir: Option<PathBuf>,
    /// Connections served at once; beyond, new ones are answered 503 (else
    /// CONCORD_MAX_CONNECTIONS or the file; default: what the open-file limit allows).
    #[arg(long)]
    max_connections: Option<usize>,
    /// A request head must arrive within this, e.g. `10s`; an idle kept-alive connection closes
    /// after it too (else CONCORD_HEADER_TIMEOUT or the file; default 10s).
    #[arg(long)]
    header_timeout: Option<jiff::SignedDuration>,
    /// A connection on which nothing moves for this long is closed (else CONCORD_IDLE_TIMEOUT or
    /// the file; default 60s).
    #[arg(long)]
    idle_timeout: Option<jiff::SignedDuration>,
    /// A request not answered within this is answered 503 (else CONCORD_REQUEST_TIMEOUT or the
    /// file; default 30s).
    #[arg(long)]
    request_timeout: Option<jiff::SignedDuration>,
    /// Requests one kept-alive connection may carry (else CONCORD_MAX_REQUESTS_PER_CONNECTION or
    /// the file; default 1000).
    #[arg(long)]
    max_requests_per_connection: Option<u32>,
}

/// Where snapshots of a database's state go by default: `<file>.snapshots` beside a SQLite file;
/// none for PostgreSQL, whose servers may run on other machines than the database.
pub fn default_snapshot_dir(db: &Path) -> Option<PathBuf> {
    (!is_postgres(db)).then(|| {
        let mut dir = db.as_os_str().to_owned();
        dir.push(".snapshots");
        PathBuf::from(dir)
    })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    crate::init_tracing();
    let mut config = Config::load(args.config.as_deref(), std::env::vars())?;
    if let Some(a) = args.addr {
        config.addr = a;
    }
    if let Some(d) = args.db {
        config.database = Some(d);
    }
    if let Some(k) = args.log_key {
        config.log_key = Some(k);
    }
    config.unsigned_positions |= args.unsigned_positions;
    config.metrics_addr = args.metrics_addr.or(config.metrics_addr);
    config.snapshot_dir = args.snapshot_dir.or(config.snapshot_dir);
    config.max_connections = args.max_connections.or(config.max_connections);
    config.header_timeout = args.header_timeout.or(config.header_timeout);
    config.idle_timeout = args.idle_timeout.or(config.idle_timeout);
    config.request_timeout = args.request_timeout.or(config.request_timeout);
    config.max_requests_per_connection = args.max_requests_per_connection.or(config.max_requests_per_connection);
    let limits = config.limits(raise_descriptor_limit())?;
    config.witnesses.extend(args.witnesses);
    let witnesses = config.witnesses.iter().map(|w| crate::config::witness(w)).collect::<anyhow::Result<Vec<_>>>()?;
    let db =
        config.database.clone().context("no database: give --db, CONCORD_DATABASE or `database` in the config file")?;
    let key = config.log_key.clone().context(
        "no log key: create one with `concord keygen --name <origin> --out FILE`, then give --log-key, CONCORD_LOG_KEY or `log_key`",
    )?;
    let log = crate::keys::read_signer(&key)?;
    let store = open_store(&db).await?;
    let (listener, addr) =
        concord_server::bind(config.addr).await.with_context(|| format!("cannot listen on {}", config.addr))?;
    let metrics = match config.metrics_addr {
        Some(a) => Some(concord_server::bind(a).await.with_context(|| format!("cannot listen on {a} for metrics"))?),
        None => None,
    };
    let snapshot_dir = config.snapshot_dir.clone().or_else(|| default_snapshot_dir(&db));
    let identity = concord_server::LogIdentity {
        key: log,
        unsigned_positions: config.unsigned_positions,
        min_silence: config.min_silence(),
        witnesses,
        snapshots: snapshot_dir.map(concord_server::snapshots::SnapshotConfig::new),
    };
    // Several servers may share a PostgreSQL database; a SQLite file belongs to one.
    let sharing = concord_server::sequencer::Sharing { follow: is_postgres(&db).then_some(FOLLOW_INTERVAL) };
    let notices = config.notices()?;
    let mut app =
        App::start_with(store, Arc::new(SystemClock), identity, sharing).await.context("cannot load the log")?;
    app.state.set_public_exports(config.public_exports);
    app.notify(notices).map_err(anyhow::Error::msg).context("cannot start notices")?;
    tracing::info!(%addr, db = %db.display(), max_connections = limits.max_connections, "serving");
    println!("concord serving on http://{addr}");
    if let Some((_, a)) = &metrics {
        println!("metrics on http://{a}/metrics");
    }
    let router = app.router_with(concord_web::router(concord_web::WebConfig { tls: args.tls }));
    let serving = concord_server::Serving { listener, router, limits, metrics: metrics.map(|(l, _)| l) };
    app.serve_with(serving, shutdown_signal()).await.context("the server failed")?;
    Ok(())
}

/// Raises the soft open-file limit to the hard one (systemd's default soft limit is 1,024, the
/// hard one far higher) and returns it; the connection cap is sized from it. If it cannot be
/// read, 1,024, the common default.
fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit; assuming 1024");
            1024
        }
    }
}

/// How often a server on PostgreSQL looks for entries other servers appended.
const FOLLOW_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether a database setting names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres(database: &std::path::Path) -> bool {
    let s = database.to_string_lossy();
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// Whether the database exists (a server is taken to; a file must).
pub fn database_exists(database: &std::path::Path) -> bool {
    is_postgres(database) || database.exists()
}

/// Opens the store a database setting names: a `postgres://` URL, or else a SQLite file. The one
/// place that picks a backend; everything else is generic over `Store`.
pub async fn open_store(database: &std::path::Path) -> anyhow::Result<Arc<dyn Store>> {
    if is_postgres(database) {
        let url = database.to_string_lossy();
        let store = concord_store_postgres::PostgresStore::connect(&url).await.context(
            "cannot open the PostgreSQL database (check the URL, that the server runs, and the credentials)",
        )?;
        return Ok(Arc::new(store));
    }
    let store = concord_store_sqlite::SqliteStore::open(database)
        .await
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    Ok(Arc::new(store))
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
