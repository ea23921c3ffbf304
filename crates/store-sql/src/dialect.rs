//! What differs between the databases, and nothing else: how a write takes the log's lock, how a
//! read sees one snapshot, the writer lease, the error codes, and how a store is opened. The SQL
//! itself is shared: `$n` placeholders (which SQLite reads too), `ON CONFLICT … DO UPDATE`, and
//! multi-row statements written by sqlx's `QueryBuilder` in each database's own placeholders.

use std::future::Future;

use concord_store::StoreError;

use crate::SqlStore;

/// A database that [`SqlStore`] runs on.
pub trait Dialect: Send + Sync + Sized + 'static {
    /// The sqlx driver.
    type DB: sqlx::Database + sqlx::database::HasStatementCache;
    /// Where a store is: a file's path, a server's URL.
    type Location: ?Sized + Sync;

    /// How a write transaction begins (SQLite: `BEGIN IMMEDIATE`, taking the write lock at once).
    const BEGIN_WRITE: &'static str;
    /// Reads `size` from `log_head` as a write transaction's first statement, locking the row
    /// until the commit where [`Dialect::BEGIN_WRITE`] took no lock (PostgreSQL: `FOR UPDATE`):
    /// every write that depends on the head is serialised, also across processes, so the
    /// compare-and-swap on the head holds.
    const HEAD_FOR_WRITE: &'static str;
    /// How a read transaction that must see one snapshot begins (the check on open).
    const BEGIN_SNAPSHOT: &'static str;
    /// A statement that takes the log's writer lease until its transaction ends, where several
    /// processes may share the database ([`concord_store::Store::lease_log`]).
    const LEASE: Option<&'static str> = None;

    /// Maps a driver error onto the storage contract's: busy, locked, full or disconnected is
    /// [`StoreError::Unavailable`]; a row that does not decode is [`StoreError::Corrupt`].
    fn error(e: sqlx::Error) -> StoreError;

    /// Opens the store at `location`: connects, brings the schema up to date, then
    /// [`SqlStore::from_pools`].
    fn open(location: &Self::Location) -> impl Future<Output = Result<SqlStore<Self>, StoreError>> + Send;
}

/// Whether `e` is a uniqueness (or primary key) violation, in any database.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}
