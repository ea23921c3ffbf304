//! The PostgreSQL backend of Concord's store: one database holds the log, its tree and
//! checkpoints, tokens, accounts and idempotency records (schema: `migrations/`, the SQLite
//! backend's final schema with `BIGINT` integers, `BYTEA` blobs and the same `TEXT` timestamps). The
//! statements are `concord-store-sql`'s, shared with SQLite; this crate connects, migrates,
//! maps PostgreSQL's errors and names its [`Dialect`].
//!
//! How it keeps the contract's guarantees:
//!
//! - **durable on return**: an append is one transaction, and PostgreSQL's default
//!   `synchronous_commit = on` has the commit flushed to the WAL before `append` returns;
//! - **no fork**: every write that depends on the log head (append,
//!   `put_tree_hashes`, the write probe) first locks the head row (`SELECT size FROM log_head
//!   WHERE id = 0 FOR UPDATE`) inside its transaction, then compares, writes and moves the head.
//!   Writers in any number of pools or processes are serialised on that row lock; one that
//!   waited reads the head its predecessor committed (`READ COMMITTED` re-reads a locked row)
//!   and gets [`StoreError::Conflict`], never a fork;
//! - **read after write**: reads run on the same pool under `READ COMMITTED`, so they see every
//!   commit that returned before they began; the head check on connect reads one
//!   `REPEATABLE READ` snapshot;
//! - **retryable failures**: serialization failures, deadlocks, a head lock held past the 5 s
//!   `lock_timeout`, lost or refused connections, a server shutting down and a pool that gives
//!   no connection within the 5 s acquire timeout are [`StoreError::Unavailable`].
//!
//! Text sorts bytewise (`COLLATE "C"` on every text column) whatever the database's locale, as
//! in SQLite.

#![forbid(unsafe_code)]

mod error;

use std::str::FromStr;
use std::time::Duration;

use concord_store::StoreError;
use concord_store_sql::{Dialect, SqlStore};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};

use crate::error::from_sqlx;

/// A [`concord_store::Store`] in one PostgreSQL database: `PostgresStore::connect(url)`.
pub type PostgresStore = SqlStore<PostgresDialect>;

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a caller waits for a connection (and `connect` for the first one) before the store
/// reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a statement waits for a row lock (the log head) before failing as unavailable: the
/// counterpart of the SQLite backend's busy timeout.
const LOCK_TIMEOUT: &str = "5s";
/// Connections in the pool.
const CONNECTIONS: u32 = 8;

/// What PostgreSQL does its own way.
#[derive(Debug, Clone, Copy)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    type DB = sqlx::Postgres;
    /// `postgres://user[:password]@host[:port]/database`.
    type Location = str;
    const BEGIN_WRITE: &'static str = "BEGIN";
    const HEAD_FOR_WRITE: &'static str = "SELECT size FROM log_head WHERE id = 0 FOR UPDATE";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    /// A transaction-scoped advisory lock, one per database (the key is "concord" in ASCII);
    /// waiting longer than `lock_timeout` fails as unavailable.
    const LEASE: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(27988542599688804)");

    fn error(e: sqlx::Error) -> StoreError {
        from_sqlx(e)
    }

    /// Connects to the database at `url`. A server that cannot be reached fails within 5 s as
    /// [`StoreError::Unavailable`], naming the host, port and database (never the password); a
    /// URL that does not parse is [`StoreError::Other`].
    #[tracing::instrument(skip_all)]
    async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("not a PostgreSQL URL: {e}")))?
            .options([("lock_timeout", LOCK_TIMEOUT)]);
        let context = |e: StoreError| in_context(e, &options);
        // One connection up front, for a clear error: the pool retries a refused connection
        // until its acquire timeout and then reports only that it timed out.
        match tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => conn.close().await.map_err(|e| context(from_sqlx(e)))?,
            Ok(Err(e)) => return Err(context(from_sqlx(e))),
            Err(_) => {
                let waited = ACQUIRE_TIMEOUT.as_secs();
                return Err(context(StoreError::Unavailable(format!("no connection within {waited} s"))));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(|e| context(from_sqlx(e)))?;
        MIGRATOR.run(&pool).await.map_err(|e| context(StoreError::Other(format!("migrating: {e}"))))?;
        SqlStore::from_pools(pool.clone(), pool).await.map_err(context)
    }
}

/// Adds where the store is (host, port, database; never the password) to an error, keeping its
/// kind.
fn in_context(e: StoreError, options: &PgConnectOptions) -> StoreError {
    let at = |m: String| {
        let database = options.get_database().unwrap_or(options.get_username());
        format!("PostgreSQL at {}:{} (database {database}): {m}", options.get_host(), options.get_port())
    };
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(at(m)),
        StoreError::Corrupt(m) => StoreError::Corrupt(at(m)),
        StoreError::Other(m) => StoreError::Other(at(m)),
        conflict @ StoreError::Conflict { .. } => conflict,
    }
}
