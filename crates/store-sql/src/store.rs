//! The [`Store`] trait on [`SqlStore`]: the log, tree hashes, checkpoints, tokens, accounts,
//! sessions, idempotency records and health checks; the statements of an append are in
//! [`crate::write`], the notification rows ([`concord_store::Notifications`]) in [`crate::notify`].

use std::collections::HashMap;

use async_trait::async_trait;
use concord_ledger::Hash;
use concord_store::columns::{actor_columns, corrupt, parse_timestamp, timestamp, to_i64, to_u64};
use concord_store::{
    Batch, Checkpoint, Cosignature, IdempotencyRecord, LogLease, LoginCharge, NewSession, NewToken, NewUser, Session,
    Store, StoreError, StoredEntry, TokenInfo, User,
};
use jiff::Timestamp;
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Type};

use crate::dialect::is_unique_violation;
use crate::rows::{actor_of, checkpoint_from_row, hash, login_charge, token_from_row};
use crate::statement::Statement;
use crate::{Conn, Dialect, Row, SqlStore, Value, get};

/// Tree hashes asked for in one statement.
const HASHES_PER_QUERY: usize = 500;

#[async_trait]
impl<D> Store for SqlStore<D>
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
    #[tracing::instrument(skip_all)]
    async fn log_size(&self) -> Result<u64, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(D::error)?;
        Self::head(&mut conn).await
    }

    #[tracing::instrument(skip_all, fields(expected = batch.expected_size, entries = batch.entries.len()))]
    async fn append(&self, batch: &Batch) -> Result<u64, StoreError> {
        batch.check()?;
        let (mut tx, found) = self.begin_write().await?;
        if found != batch.expected_size {
            // Dropping the transaction rolls it back; nothing was written.
            return Err(StoreError::Conflict { expected: batch.expected_size, found });
        }
        let size = Self::write_batch(&mut tx, batch).await?;
        tx.commit().await.map_err(D::error)?;
        Ok(size)
    }

    #[tracing::instrument(skip_all, fields(from = from, limit = limit))]
    async fn entries(&self, from: u64, limit: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let Ok(from) = i64::try_from(from) else { return Ok(Vec::new()) };
        let rows = sqlx::query("SELECT seq, leaf_hash, entry, part FROM log WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(from)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter()
            .map(|r| {
                let seq = to_u64(get(r, "seq")?, "sequence number")?;
                let leaf_hash = hash(get(r, "leaf_hash")?, format_args!("log entry {seq}"))?;
                Ok(StoredEntry { seq, bytes: get(r, "entry")?, leaf_hash, part: Some(get(r, "part")?) })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(actor = %token.actor))]
    async fn create_token(&self, token: &NewToken) -> Result<(), StoreError> {
        let (role, code) = actor_columns(&token.actor);
        let inserted = sqlx::query(
            "INSERT INTO tokens (hash, role, code, label, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(token.hash.to_vec())
        .bind(role)
        .bind(code)
        .bind(&token.label)
        .bind(timestamp(token.created_at))
        .bind(token.expires_at.map(timestamp))
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Other("a token with this hash exists".into())),
            Err(e) => Err(D::error(e)),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn find_token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT hash, role, code, label, created_at, expires_at, revoked_at FROM tokens WHERE hash = $1",
        )
        .bind(hash.to_vec())
        .fetch_optional(&self.reader)
        .await
        .map_err(D::error)?;
        row.as_ref().map(token_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT hash, role, code, label, created_at, expires_at, revoked_at FROM tokens \
             ORDER BY created_at DESC, hash",
        )
        .fetch_all(&self.reader)
        .await
        .map_err(D::error)?;
        rows.iter().map(token_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_token(&self, hash: &[u8; 32], at: Timestamp) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL RETURNING hash")
                .bind(timestamp(at))
                .bind(hash.to_vec())
                .fetch_optional(&self.writer)
                .await
                .map_err(D::error)?;
        Ok(done.is_some())
    }

    #[tracing::instrument(skip_all, fields(user = %user.name))]
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
        let (role, code) = actor_columns(&user.actor);
        let inserted = sqlx::query(
            "INSERT INTO users (name, password_hash, role, code, created_at, failed_logins, locked_until) \
             VALUES ($1, $2, $3, $4, $5, 0, NULL)",
        )
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(role)
        .bind(code)
        .bind(timestamp(user.created_at))
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Other(format!("a user named {:?} exists", user.name))),
            Err(e) => Err(D::error(e)),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT name, password_hash, role, code, failed_logins, locked_until FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.reader)
        .await
        .map_err(D::error)?;
        let Some(row) = row else { return Ok(None) };
        let charge = login_charge(&row)?;
        Ok(Some(User {
            name: get(&row, "name")?,
            password_hash: get(&row, "password_hash")?,
            actor: actor_of(&row)?,
            failed_logins: charge.attempts,
            locked_until: charge.locked_until,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn charge_login_attempt(&self, name: &str, now: Timestamp) -> Result<Option<LoginCharge>, StoreError> {
        // One statement, so that concurrent attempts each count and see each other's lock.
        // Stored timestamps are fixed-width UTC text (`columns::timestamp`), so comparing the
        // text compares the times. The right-hand sides all read the row as it was.
        let row = sqlx::query(
            "UPDATE users SET \
               failed_logins = CASE WHEN locked_until > $1 THEN failed_logins \
                                    WHEN locked_until IS NOT NULL THEN 1 \
                                    ELSE failed_logins + 1 END, \
               locked_until = CASE WHEN locked_until > $1 THEN locked_until ELSE NULL END \
             WHERE name = $2 RETURNING failed_logins, locked_until",
        )
        .bind(timestamp(now))
        .bind(name)
        .fetch_optional(&self.writer)
        .await
        .map_err(D::error)?;
        row.as_ref().map(login_charge).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn lock_user(&self, name: &str, until: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE name = $2")
            .bind(timestamp(until))
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = $1")
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = %session.user))]
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (hash, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(session.hash.to_vec())
            .bind(&session.user)
            .bind(&session.csrf)
            .bind(timestamp(session.created_at))
            .bind(timestamp(session.expires_at))
            .execute(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.user_name, s.csrf, s.expires_at, u.role, u.code FROM sessions s \
             JOIN users u ON u.name = s.user_name WHERE s.hash = $1",
        )
        .bind(hash.to_vec())
        .fetch_optional(&self.reader)
        .await
        .map_err(D::error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            user: get(&row, "user_name")?,
            actor: actor_of(&row)?,
            csrf: get(&row, "csrf")?,
            expires_at: parse_timestamp(&get::<_, String>(&row, "expires_at")?, "expires_at")?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, hash: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE hash = $1")
            .bind(hash.to_vec())
            .execute(&self.writer)
            .await
            .map_err(D::error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT fingerprint, status, body, created_at FROM idempotency WHERE principal = $1 AND key = $2",
        )
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.reader)
        .await
        .map_err(D::error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(IdempotencyRecord {
            principal: principal.to_owned(),
            key: key.to_owned(),
            fingerprint: get(&row, "fingerprint")?,
            status: u16::try_from(get::<_, i64>(&row, "status")?).map_err(|e| corrupt("idempotency status", e))?,
            body: get(&row, "body")?,
            created_at: parse_timestamp(&get::<_, String>(&row, "created_at")?, "idempotency created_at")?,
        }))
    }

    #[tracing::instrument(skip_all, fields(n = indexes.len()))]
    async fn tree_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let mut found = HashMap::with_capacity(indexes.len());
        for chunk in indexes.chunks(HASHES_PER_QUERY) {
            let mut q = Statement::<D::DB>::new("SELECT idx, hash FROM tree_hashes WHERE idx IN (");
            for i in chunk {
                q.value(to_i64(*i, "tree hash index")?);
            }
            q.push(")");
            let (sql, args) = q.finish()?;
            for r in sqlx::query_with(&sql, args).persistent(false).fetch_all(&self.reader).await.map_err(D::error)? {
                found.insert(to_u64(get(&r, "idx")?, "tree hash index")?, hash(get(&r, "hash")?, "tree hash")?);
            }
        }
        indexes
            .iter()
            .map(|i| found.get(i).copied().ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing"))))
            .collect()
    }

    async fn tree_hash_count(&self) -> Result<u64, StoreError> {
        // Hashes are written in index order from 0, so the count is one past the largest index:
        // a seek to the end of the primary key. `COUNT(*)` walked all of them at every start
        // (7.8 M rows at 3.9 M entries).
        let row = sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM tree_hashes")
            .fetch_one(&self.reader)
            .await
            .map_err(D::error)?;
        to_u64(get(&row, "n")?, "tree hash count")
    }

    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError> {
        // Under the log's lock: appends insert tree hashes without `ON CONFLICT`.
        let (mut tx, _) = self.begin_write().await?;
        Self::write_tree_hashes(&mut tx, hashes, true).await?;
        tx.commit().await.map_err(D::error)
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn checkpoint(&self, size: u64) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints WHERE size = $1")
            .bind(to_i64(size, "checkpoint size")?)
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn add_cosignature(&self, c: &Cosignature) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cosignatures (size, witness, line) VALUES ($1, $2, $3) \
             ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line",
        )
        .bind(to_i64(c.size, "checkpoint size")?)
        .bind(&c.witness)
        .bind(&c.line)
        .execute(&self.writer)
        .await
        .map_err(D::error)?;
        Ok(())
    }

    async fn cosignatures(&self, size: u64) -> Result<Vec<Cosignature>, StoreError> {
        let rows = sqlx::query("SELECT size, witness, line FROM cosignatures WHERE size = $1 ORDER BY witness")
            .bind(to_i64(size, "checkpoint size")?)
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter()
            .map(|r| {
                let size = to_u64(get(r, "size")?, "checkpoint size")?;
                Ok(Cosignature { size, witness: get(r, "witness")?, line: get(r, "line")? })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(D::error)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn probe_write(&self) -> Result<(), StoreError> {
        // Rewriting the head with its own value, as an append would (under the log's lock):
        // the database writes it all the same, to its WAL, synced on commit.
        let (mut tx, _) = self.begin_write().await?;
        sqlx::query("UPDATE log_head SET size = size WHERE id = 0").execute(&mut *tx).await.map_err(D::error)?;
        tx.commit().await.map_err(D::error)
    }

    /// A transaction holding [`Dialect::LEASE`]: dropping it rolls back, which releases the
    /// lease, and so does a dropped connection if the process dies.
    #[tracing::instrument(skip_all)]
    async fn lease_log(&self) -> Result<Option<LogLease>, StoreError> {
        let Some(lease) = D::LEASE else { return Ok(None) };
        let mut tx = self.writer.begin().await.map_err(D::error)?;
        sqlx::query(lease).execute(&mut *tx).await.map_err(D::error)?;
        Ok(Some(LogLease(Box::new(tx))))
    }
}
