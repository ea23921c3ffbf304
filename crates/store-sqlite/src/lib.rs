//! The embedded SQLite backend of Concord's store: one database file holds the log, its tree and
//! checkpoints, tokens, accounts and idempotency records (schema: `migrations/`). The statements are
//! `concord-store-sql`'s; this crate opens the file, migrates it, maps SQLite's errors and
//! names its [`Dialect`].
//!
//! How it keeps the contract's guarantees:
//!
//! - **durable on return**: the file is in WAL mode with `synchronous=FULL`, so a commit has
//!   reached the disk (the WAL is synced) before `append` returns; `kill -9` or a power cut
//!   afterwards loses nothing;
//! - **no fork**: every write runs on one dedicated writer connection (a pool of exactly one)
//!   inside `BEGIN IMMEDIATE`, which takes SQLite's write lock up front. The head check, the
//!   inserts and the head update of an append are therefore one atomic step, also against
//!   another process that opened the same file;
//! - **read after write**: reads use a small pool of read-only connections; in WAL mode each read
//!   transaction sees every commit that returned before it began;
//! - **retryable failures**: a database still busy after the 5 s busy timeout, or a writer queue
//!   longer than the acquire timeout, is [`StoreError::Unavailable`].

#![forbid(unsafe_code)]

mod error;

use std::path::Path;
use std::time::Duration;

use concord_store::StoreError;
use concord_store_sql::{Dialect, SqlStore};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row};

use crate::error::from_sqlx;

/// A [`concord_store::Store`] in one SQLite file: `SqliteStore::open(path)`.
pub type SqliteStore = SqlStore<SqliteDialect>;

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a statement waits for another connection's lock before failing as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers in the pool. WAL readers do not block each other or the writer.
const READERS: u32 = 4;

/// What SQLite does its own way.
#[derive(Debug, Clone, Copy)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    type DB = sqlx::Sqlite;
    type Location = Path;
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // `BEGIN IMMEDIATE` holds the write lock already.
    const HEAD_FOR_WRITE: &'static str = "SELECT size FROM log_head WHERE id = 0";
    // A WAL read transaction sees one snapshot from its first read on.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";

    fn error(e: sqlx::Error) -> StoreError {
        from_sqlx(e)
    }

    /// Opens the database at `path`, creating the file if it is missing.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let context = |e: StoreError| in_context(e, path);
        let options = SqliteConnectOptions::new()
            .filename(path)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // WAL is a property of the file, set once by the writer; readers find it in place.
        let writer_options = options.clone().create_if_missing(true).journal_mode(SqliteJournalMode::Wal);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A local file: a connection that opened stays usable, so skip the ping per acquire.
            .test_before_acquire(false)
            .after_release(|conn, _| Box::pin(still_outside_a_transaction(conn)))
            .connect_with(writer_options)
            .await
            .map_err(|e| context(from_sqlx(e)))?;
        MIGRATOR.run(&writer).await.map_err(|e| context(StoreError::Other(format!("migrating: {e}"))))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.pragma("query_only", "ON"))
            .await
            .map_err(|e| context(from_sqlx(e)))?;
        SqlStore::from_pools(writer, reader).await.map_err(context)
    }
}

/// The SQLite settings in effect on a connection, for startup logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `wal`.
    pub journal_mode: String,
    /// 2 is `FULL`: each commit syncs the WAL.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
}

/// The settings of the writer connection: the one whose commits must be durable.
pub async fn settings(store: &SqliteStore) -> Result<Settings, StoreError> {
    let mut conn = store.writer().acquire().await.map_err(from_sqlx)?;
    let mut pragma = async |name: &str| {
        let row = sqlx::query(&format!("PRAGMA {name}")).fetch_one(&mut *conn).await.map_err(from_sqlx)?;
        Ok::<_, StoreError>(row)
    };
    let journal_mode = pragma("journal_mode").await?.try_get(0).map_err(from_sqlx)?;
    let synchronous = pragma("synchronous").await?.try_get(0).map_err(from_sqlx)?;
    let foreign_keys = pragma("foreign_keys").await?.try_get(0).map_err(from_sqlx)?;
    let busy_timeout_ms = pragma("busy_timeout").await?.try_get(0).map_err(from_sqlx)?;
    Ok(Settings { journal_mode, synchronous, foreign_keys, busy_timeout_ms })
}

/// Whether a writer connection coming back to the pool may be used again: closed if it is not.
///
/// When SQLite runs out of space (`SQLITE_FULL`, also an I/O error) it rolls the transaction
/// back by itself. The ROLLBACK sqlx then sends for the dropped transaction fails ("no
/// transaction is active"), so sqlx goes on counting the connection as inside a transaction and
/// refuses every later `BEGIN IMMEDIATE` on it: with one writer connection, every write would
/// fail until a restart. A fresh connection has no such count; closing this one also rolls back
/// whatever SQLite itself might still hold open.
async fn still_outside_a_transaction(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    // The rollback of a dropped transaction is queued on the connection's worker; a ping goes
    // through the same queue, so once it answers the rollback has run and the count is final.
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a writer transaction could not be rolled back; replacing the writer connection");
    }
    Ok(clean)
}

/// Adds the file's path to an error, keeping its kind.
fn in_context(e: StoreError, path: &Path) -> StoreError {
    let at = |m: String| format!("{}: {m}", path.display());
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(at(m)),
        StoreError::Corrupt(m) => StoreError::Corrupt(at(m)),
        StoreError::Other(m) => StoreError::Other(at(m)),
        conflict @ StoreError::Conflict { .. } => conflict,
    }
}
