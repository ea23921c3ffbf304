//! The statements of an append: log entries, tree hashes, the checkpoint, idempotency records
//! and the head. Each runs inside a write
//! transaction the caller opened ([`SqlStore::begin_write`]) and commits; none commits on its own.

use concord_ledger::Hash;
use concord_store::columns::{timestamp, to_i64};
use concord_store::{Batch, IdempotencyRecord, StoreError};
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Type};

use crate::dialect::is_unique_violation;
use crate::statement::Statement;
use crate::{Conn, Dialect, Row, SqlStore, Value};

/// Rows per multi-row statement: at most 8 parameters a row, well under SQLite's limit of
/// 32,766 bound parameters (PostgreSQL's is 65,535).
pub(crate) const ROWS_PER_STATEMENT: usize = 400;

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
    /// Writes a batch whose `expected_size` the caller has checked against the head, and moves
    /// the head. Entries go first and the head last, the order of a tlog commit (entries, then
    /// the tree head), though inside one transaction nothing is visible before the commit anyway.
    pub(crate) async fn write_batch(conn: &mut Conn<D>, batch: &Batch) -> Result<u64, StoreError> {
        let expected = batch.expected_size;
        // Multi-row statements: each statement costs a round trip (to the server, or to sqlx's
        // SQLite thread), which for a batch of hundreds of entries dominates the rows' cost.
        for chunk in batch.entries.chunks(ROWS_PER_STATEMENT) {
            let mut q = Statement::<D::DB>::new("INSERT INTO log (seq, leaf_hash, entry, part) VALUES ");
            for e in chunk {
                let seq = to_i64(e.seq, "sequence number")?;
                q.row()
                    .value(seq)
                    .value(e.leaf_hash.as_bytes().to_vec())
                    .value(e.bytes.clone())
                    .value(e.part.clone())
                    .push(")");
            }
            let (sql, args) = q.finish()?;
            match sqlx::query_with(&sql, args).persistent(false).execute(&mut *conn).await {
                Ok(_) => {}
                // The head said the log ended before these rows, and appends are serialised, so
                // the head and the log disagree: retrying as a conflict would fail forever.
                Err(err) if is_unique_violation(&err) => {
                    return Err(StoreError::Corrupt(format!("log entries exist beyond the head {expected}")));
                }
                Err(err) => return Err(D::error(err)),
            }
        }
        let size = expected + batch.entries.len() as u64;
        Self::write_tree_hashes(conn, &batch.tree_hashes, false).await?;
        if let Some(c) = &batch.checkpoint {
            // The primary key on `size` is the compare-and-swap on the signed tree head: a
            // second checkpoint of the same size can never be stored.
            sqlx::query("INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)")
                .bind(to_i64(c.size, "checkpoint size")?)
                .bind(c.root.as_bytes().to_vec())
                .bind(&c.note)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict { expected: c.size, found: c.size }
                    } else {
                        D::error(e)
                    }
                })?;
        }
        for record in &batch.idempotency {
            Self::write_idempotency(conn, record).await?;
        }
        let moved = sqlx::query("UPDATE log_head SET size = $1 WHERE id = 0 AND size = $2 RETURNING size")
            .bind(to_i64(size, "log size")?)
            .bind(to_i64(expected, "log size")?)
            .fetch_optional(&mut *conn)
            .await
            .map_err(D::error)?;
        if moved.is_none() {
            // Unreachable while the caller holds the log's lock and checked the head.
            return Err(StoreError::Other(format!("the log head moved from {expected} during the append")));
        }
        Ok(size)
    }

    /// Inserts tree hashes; with `idempotent`, hashes already stored are left as they are.
    pub(crate) async fn write_tree_hashes(
        conn: &mut Conn<D>,
        hashes: &[(u64, Hash)],
        idempotent: bool,
    ) -> Result<(), StoreError> {
        for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
            let mut q = Statement::<D::DB>::new("INSERT INTO tree_hashes (idx, hash) VALUES ");
            for (i, h) in chunk {
                q.row().value(to_i64(*i, "tree hash index")?).value(h.as_bytes().to_vec()).push(")");
            }
            if idempotent {
                q.push(" ON CONFLICT (idx) DO NOTHING");
            }
            let (sql, args) = q.finish()?;
            sqlx::query_with(&sql, args).persistent(false).execute(&mut *conn).await.map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Corrupt("a tree hash exists beyond the stored log".into())
                } else {
                    D::error(e)
                }
            })?;
        }
        Ok(())
    }

    async fn write_idempotency(conn: &mut Conn<D>, r: &IdempotencyRecord) -> Result<(), StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency (principal, key, fingerprint, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&r.principal)
        .bind(&r.key)
        .bind(&r.fingerprint)
        .bind(i64::from(r.status))
        .bind(r.body.clone())
        .bind(timestamp(r.created_at))
        .execute(conn)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // Two requests with one key raced past the server's check: the second must have no
            // effect, so its whole batch fails.
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Other(format!("idempotency key {:?} of {} is already recorded", r.key, r.principal)))
            }
            Err(e) => Err(D::error(e)),
        }
    }
}
