//! Concord's [`Store`](concord_store::Store) on SQL, once for every database: [`SqlStore`] over
//! a [`Dialect`] (`concord-store-sqlite`, `concord-store-postgres`), which says only what differs.
//! A backend crate connects, migrates, maps its errors and names its dialect; the statements,
//! the row mappings and the guarantees live here.
//!
//! How the contract's guarantees are kept, on any database:
//!
//! - **durable on return**: an append is one transaction, committed before it returns (the
//!   backend sets the durability: SQLite's `synchronous=FULL`, PostgreSQL's default);
//! - **no fork**: every write that depends on the log head (append,
//!   `put_tree_hashes`, the write probe) begins with [`Dialect::BEGIN_WRITE`] and reads the
//!   head with [`Dialect::HEAD_FOR_WRITE`], which between them hold the database's write lock
//!   or the head row's lock until the commit; it then compares, writes and moves the head. A
//!   writer that waited reads the head its predecessor committed and gets
//!   [`StoreError::Conflict`], never a fork;
//! - **read after write**: reads run on the reader pool and see every commit that returned
//!   before they began; the check on open reads one snapshot ([`Dialect::BEGIN_SNAPSHOT`]);
//! - **retryable failures** are whatever [`Dialect::error`] calls [`StoreError::Unavailable`].
//!
//! Columns are portable: `BIGINT`/`INTEGER` as `i64`, blobs as bytes, booleans, and times as
//! fixed-width UTC text (`concord_store::columns`) so that they sort as text. There are no query
//! tables: reads of the alliance's state are served from the server's fold of the log.

#![forbid(unsafe_code)]

mod dialect;
mod notify;
mod rows;
mod statement;
mod store;
mod write;

use std::marker::PhantomData;

use concord_store::StoreError;
use concord_store::columns::{corrupt, to_u64};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Transaction, Type};

pub use dialect::Dialect;

/// A value that goes into a column and comes back out of one.
pub trait Value<DB: Database>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> {}
impl<DB: Database, T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB>> Value<DB> for T {}

type Conn<D> = <<D as Dialect>::DB as Database>::Connection;
type Row<D> = <<D as Dialect>::DB as Database>::Row;

/// A [`Store`](concord_store::Store) in one SQL database.
///
/// Every impl block that runs statements repeats the same bounds (sqlx's own, met by every
/// driver): Rust does not carry them along with `D: Dialect`.
pub struct SqlStore<D: Dialect> {
    /// Where writes go (SQLite: a pool of exactly one connection, so appends queue here).
    writer: Pool<D::DB>,
    /// Where reads go (SQLite: `query_only` connections; PostgreSQL: the writer's pool).
    reader: Pool<D::DB>,
    dialect: PhantomData<fn() -> D>,
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self { writer: self.writer.clone(), reader: self.reader.clone(), dialect: PhantomData }
    }
}

impl<D: Dialect> std::fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore").field("writer", &self.writer).field("reader", &self.reader).finish()
    }
}

impl<D: Dialect> SqlStore<D> {
    /// Opens the store at `location` (a SQLite file's path, a PostgreSQL URL), creating what is
    /// missing and bringing its schema up to date.
    pub async fn open(location: &D::Location) -> Result<Self, StoreError> {
        D::open(location).await
    }

    /// [`SqlStore::open`], under the name a server's URL reads better with.
    pub async fn connect(location: &D::Location) -> Result<Self, StoreError> {
        D::open(location).await
    }

    /// The pool writes go through, for what only a backend does with it (its own checks).
    pub fn writer(&self) -> &Pool<D::DB> {
        &self.writer
    }

    /// Closes the pools' connections, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

impl<D> SqlStore<D>
where
    D: Dialect,
    for<'c> &'c mut Conn<D>: Executor<'c, Database = D::DB>,
    for<'q> <D::DB as Database>::Arguments<'q>: IntoArguments<'q, D::DB>,
    for<'r> &'r str: ColumnIndex<Row<D>>,
    for<'q> &'q str: Encode<'q, D::DB> + Type<D::DB>,
    i64: Value<D::DB>,
    bool: Value<D::DB>,
    String: Value<D::DB>,
    Vec<u8>: Value<D::DB>,
    Option<i64>: Value<D::DB>,
    Option<String>: Value<D::DB>,
{
    /// A store on migrated pools (the same pool twice where reads need no pool of their own).
    /// Refuses a database whose head does not match its log (rows lost or added behind the
    /// store's back) rather than appending after a gap or over existing rows. It reads only the
    /// ends of the log, so it costs the same for any size; a gap in the middle is for
    /// `check_chain`.
    pub async fn from_pools(writer: Pool<D::DB>, reader: Pool<D::DB>) -> Result<Self, StoreError> {
        let store = Self { writer, reader, dialect: PhantomData };
        let mut tx = store.snapshot().await?;
        let head = Self::head(&mut tx).await?;
        // Two subqueries: SQLite answers a lone MIN or MAX from the index's ends, but a query
        // asking for both scans the table (1.5 s at 3.9 M entries).
        let row = sqlx::query("SELECT (SELECT MIN(seq) FROM log) AS first, (SELECT MAX(seq) FROM log) AS last")
            .fetch_one(&mut *tx)
            .await
            .map_err(D::error)?;
        let (first, last): (Option<i64>, Option<i64>) = (get(&row, "first")?, get(&row, "last")?);
        tx.commit().await.map_err(D::error)?;
        let expected = head.checked_sub(1).map(|last| (0, last));
        let found = match (first, last) {
            (Some(first), Some(last)) => Some((to_u64(first, "log start")?, to_u64(last, "log end")?)),
            _ => None,
        };
        if found != expected {
            return Err(StoreError::Corrupt(format!(
                "the log head says {head} entries; the log holds entries {found:?} (first, last)"
            )));
        }
        Ok(store)
    }

    /// The stored log size, as the caller's transaction sees it.
    async fn head(conn: &mut Conn<D>) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT size FROM log_head WHERE id = 0").fetch_one(conn).await.map_err(D::error)?;
        to_u64(get(&row, "size")?, "log head")
    }

    /// A write transaction holding the log's lock, and the head it read.
    async fn begin_write(&self) -> Result<(Transaction<'static, D::DB>, u64), StoreError> {
        let mut tx = self.writer.begin_with(D::BEGIN_WRITE).await.map_err(D::error)?;
        let row = sqlx::query(D::HEAD_FOR_WRITE).fetch_one(&mut *tx).await.map_err(D::error)?;
        let head = to_u64(get(&row, "size")?, "log head")?;
        Ok((tx, head))
    }

    /// A read transaction that sees one snapshot.
    async fn snapshot(&self) -> Result<Transaction<'static, D::DB>, StoreError> {
        self.reader.begin_with(D::BEGIN_SNAPSHOT).await.map_err(D::error)
    }
}

/// A column of a row; a column that is missing or of another type means the store is corrupt.
fn get<'r, R, T>(row: &'r R, column: &str) -> Result<T, StoreError>
where
    R: sqlx::Row,
    for<'c> &'c str: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(column).map_err(|e| corrupt(format_args!("column {column}"), e))
}
