//! The embedded SQLite backend of Concord's [`Store`]: one database file holds the log, the
//! projections, tokens and idempotency records (schema: `migrations/0001_init.sql`).
//!
//! How it keeps the contract's guarantees:
//!
//! - **durable on return**: the file is in WAL mode with `synchronous=FULL`, so a commit has
//!   reached the disk (the WAL is synced) before [`Store::append`] returns; `kill -9` or a power
//!   cut afterwards loses nothing;
//! - **no fork**: every write runs on one dedicated writer connection (a pool of exactly one)
//!   inside `BEGIN IMMEDIATE`, which takes SQLite's write lock up front. The head check, the
//!   inserts and the head update of an append are therefore one atomic step, also against
//!   another process that opened the same file;
//! - **read after write**: reads use a small pool of read-only connections; in WAL mode each read
//!   transaction sees every commit that returned before it began;
//! - **retryable failures**: a database still busy after the 5 s busy timeout, or a writer queue
//!   longer than the acquire timeout, is [`StoreError::Unavailable`].
//!
//! It leaves out the Merkle tree and checkpoints: they are built above the store, over the leaf
//! hashes stored with each entry.

#![forbid(unsafe_code)]

mod dump;
mod error;
mod rows;
#[cfg(test)]
mod tests;
mod write;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use concord_core::{Member, Partner, Proposal, ProposalId, ProposalStatus};
use concord_ledger::{Hash, leaf_hash};
use concord_store::{
    Batch, Checkpoint, Cosignature, IdempotencyRecord, LoginCharge, NewSession, NewToken, NewUser, Page, Session,
    Snapshot, Store, StoreError, StoredEntry, TokenInfo, User,
};
use jiff::Timestamp;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row};

use crate::error::{corrupt, from_sqlx, is_unique_violation};
use crate::rows::{actor_columns, actor_from_columns, decoded, label, parse_timestamp, timestamp, to_u64};

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a statement waits for another connection's lock before failing as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a connection before the store reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers in the pool. WAL readers do not block each other or the writer.
const READERS: u32 = 4;

/// A [`Store`] in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection: appends are serialised here.
    writer: SqlitePool,
    /// Read-only (`query_only`) connections for everything else.
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file if it is missing and bringing its schema
    /// up to date.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
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
        let store = SqliteStore { writer, reader };
        store.check_head().await.map_err(context)?;
        Ok(store)
    }

    /// Refuses a file whose head does not match its log (rows lost or added behind the store's
    /// back) rather than appending after a gap or over existing rows. It reads only the ends of
    /// the log, so it costs the same for any size; a gap in the middle is for `check_chain`.
    async fn check_head(&self) -> Result<(), StoreError> {
        let mut conn = self.reader.acquire().await.map_err(from_sqlx)?;
        let mut tx = conn.begin().await.map_err(from_sqlx)?;
        let head = write::head(&mut tx).await?;
        let row = sqlx::query("SELECT MIN(seq) AS first, MAX(seq) AS last FROM log")
            .fetch_one(&mut *tx)
            .await
            .map_err(from_sqlx)?;
        let first: Option<i64> = row.try_get("first").map_err(from_sqlx)?;
        let last: Option<i64> = row.try_get("last").map_err(from_sqlx)?;
        tx.commit().await.map_err(from_sqlx)?;
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
        Ok(())
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

impl SqliteStore {
    /// The settings of the writer connection: the one whose commits must be durable.
    /// Fills in the proposals' positions from their rows (the body leaves them out).
    async fn with_positions(&self, mut proposals: Vec<Proposal>) -> Result<Vec<Proposal>, StoreError> {
        if proposals.is_empty() {
            return Ok(proposals);
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT proposal, member, revision, stance, text, at, signed, signed_at FROM positions WHERE proposal IN (",
        );
        let mut sep = q.separated(", ");
        for p in &proposals {
            sep.push_bind(rows::to_i64(p.id.0, "proposal id")?);
        }
        q.push(")");
        let rows = q.build().persistent(false).fetch_all(&self.reader).await.map_err(from_sqlx)?;
        let mut by_id: std::collections::HashMap<i64, Vec<concord_core::Position>> = Default::default();
        for r in &rows {
            let (id, position) = rows::position_from_row(r)?;
            by_id.entry(id).or_default().push(position);
        }
        for p in &mut proposals {
            for position in by_id.remove(&rows::to_i64(p.id.0, "proposal id")?).unwrap_or_default() {
                p.positions.insert(position.member, position);
            }
        }
        Ok(proposals)
    }

    pub async fn settings(&self) -> Result<Settings, StoreError> {
        let mut conn = self.writer.acquire().await.map_err(from_sqlx)?;
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

/// Checks a batch before any lock is taken: entries numbered on from the expected size, each
/// with the leaf hash of its bytes (so a wrong hash never enters the log).
fn check_batch(batch: &Batch) -> Result<(), StoreError> {
    for (e, seq) in batch.entries.iter().zip(batch.expected_size..) {
        if e.seq != seq {
            return Err(StoreError::Other(format!(
                "batch entries must run on from {} contiguously; entry {seq} says it is {}",
                batch.expected_size, e.seq
            )));
        }
        if leaf_hash(&e.bytes) != e.leaf_hash {
            return Err(StoreError::Other(format!("entry {seq}: the leaf hash does not match its bytes")));
        }
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn log_size(&self) -> Result<u64, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(from_sqlx)?;
        write::head(&mut conn).await
    }

    #[tracing::instrument(skip_all, fields(expected = batch.expected_size, entries = batch.entries.len()))]
    async fn append(&self, batch: &Batch) -> Result<u64, StoreError> {
        check_batch(batch)?;
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(from_sqlx)?;
        let found = write::head(&mut tx).await?;
        if found != batch.expected_size {
            // Dropping the transaction rolls it back; nothing was written.
            return Err(StoreError::Conflict { expected: batch.expected_size, found });
        }
        let size = write::batch(&mut tx, batch).await?;
        tx.commit().await.map_err(from_sqlx)?;
        Ok(size)
    }

    #[tracing::instrument(skip_all, fields(from = from, limit = limit))]
    async fn entries(&self, from: u64, limit: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let Ok(from) = i64::try_from(from) else { return Ok(Vec::new()) };
        let rows = sqlx::query("SELECT seq, leaf_hash, entry FROM log WHERE seq >= ? ORDER BY seq LIMIT ?")
            .bind(from)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.reader)
            .await
            .map_err(from_sqlx)?;
        rows.iter()
            .map(|r| {
                let seq = to_u64(r.try_get("seq").map_err(from_sqlx)?, "sequence number")?;
                let hash: Vec<u8> = r.try_get("leaf_hash").map_err(from_sqlx)?;
                let leaf_hash = Hash::from_bytes(&hash).map_err(|e| corrupt(format_args!("log entry {seq}"), e))?;
                Ok(StoredEntry { seq, bytes: r.try_get("entry").map_err(from_sqlx)?, leaf_hash })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn replace_projections(&self, snapshot: &Snapshot, at_size: u64) -> Result<(), StoreError> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(from_sqlx)?;
        let found = write::head(&mut tx).await?;
        if found != at_size {
            return Err(StoreError::Conflict { expected: at_size, found });
        }
        write::clear_projections(&mut tx).await?;
        write::projections(&mut tx, snapshot).await?;
        tx.commit().await.map_err(from_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn dump_projections(&self) -> Result<String, StoreError> {
        let mut conn = self.reader.acquire().await.map_err(from_sqlx)?;
        // One read transaction: every table from the same snapshot.
        let mut tx = conn.begin().await.map_err(from_sqlx)?;
        let out = dump::dump(&mut tx).await?;
        tx.commit().await.map_err(from_sqlx)?;
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn members(&self, page: &Page<String>) -> Result<Vec<Member>, StoreError> {
        let rows = sqlx::query("SELECT code, body FROM members WHERE code > ? ORDER BY code LIMIT ?")
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(i64::from(page.limit))
            .fetch_all(&self.reader)
            .await
            .map_err(from_sqlx)?;
        rows.iter().map(|r| decoded::<Member>(serde_json::from_str(&body_of(r)?), "member row")).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn member(&self, code: &str) -> Result<Option<Member>, StoreError> {
        let row = sqlx::query("SELECT code, body FROM members WHERE code = ?")
            .bind(code)
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(|r| decoded::<Member>(serde_json::from_str(&body_of(r)?), "member row")).transpose()
    }

    async fn partner(&self, code: &str) -> Result<Option<Partner>, StoreError> {
        let row = sqlx::query("SELECT code, body FROM partners WHERE code = ?")
            .bind(code)
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(|r| decoded::<Partner>(serde_json::from_str(&body_of(r)?), "partner row")).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn partners(&self, page: &Page<String>) -> Result<Vec<Partner>, StoreError> {
        let rows = sqlx::query("SELECT code, body FROM partners WHERE code > ? ORDER BY code LIMIT ?")
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(i64::from(page.limit))
            .fetch_all(&self.reader)
            .await
            .map_err(from_sqlx)?;
        rows.iter().map(|r| decoded::<Partner>(serde_json::from_str(&body_of(r)?), "partner row")).collect()
    }

    #[tracing::instrument(skip_all, fields(status = ?status))]
    async fn proposals(
        &self,
        status: Option<ProposalStatus>,
        page: &Page<ProposalId>,
    ) -> Result<Vec<Proposal>, StoreError> {
        // Ids start at 1, and an id beyond i64 is after every stored one.
        let after = match page.after {
            None => -1,
            Some(id) => match i64::try_from(id.0) {
                Ok(id) => id,
                Err(_) => return Ok(Vec::new()),
            },
        };
        let query = match status {
            None => sqlx::query("SELECT id, body FROM proposals WHERE id > ? ORDER BY id LIMIT ?"),
            Some(s) => sqlx::query("SELECT id, body FROM proposals WHERE status = ? AND id > ? ORDER BY id LIMIT ?")
                .bind(label(serde_json::to_value(s))?),
        };
        let rows = query.bind(after).bind(i64::from(page.limit)).fetch_all(&self.reader).await.map_err(from_sqlx)?;
        let proposals: Vec<Proposal> = rows
            .iter()
            .map(|r| decoded::<Proposal>(serde_json::from_str(&body_of(r)?), "proposal row"))
            .collect::<Result<_, _>>()?;
        self.with_positions(proposals).await
    }

    #[tracing::instrument(skip_all, fields(%id))]
    async fn proposal(&self, id: ProposalId) -> Result<Option<Proposal>, StoreError> {
        let Ok(key) = i64::try_from(id.0) else { return Ok(None) };
        let row = sqlx::query("SELECT id, body FROM proposals WHERE id = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        let proposal = row
            .as_ref()
            .map(|r| decoded::<Proposal>(serde_json::from_str(&body_of(r)?), "proposal row"))
            .transpose()?;
        Ok(self.with_positions(proposal.into_iter().collect()).await?.pop())
    }

    #[tracing::instrument(skip_all, fields(n = indexes.len()))]
    async fn tree_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let mut found = std::collections::HashMap::with_capacity(indexes.len());
        for chunk in indexes.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT idx, hash FROM tree_hashes WHERE idx IN (");
            let mut sep = q.separated(", ");
            for i in chunk {
                sep.push_bind(rows::to_i64(*i, "tree hash index")?);
            }
            q.push(")");
            for r in q.build().persistent(false).fetch_all(&self.reader).await.map_err(from_sqlx)? {
                let idx = to_u64(r.try_get("idx").map_err(from_sqlx)?, "tree hash index")?;
                let hash: Vec<u8> = r.try_get("hash").map_err(from_sqlx)?;
                found.insert(idx, Hash::from_bytes(&hash).map_err(|e| corrupt("tree hash", e))?);
            }
        }
        indexes
            .iter()
            .map(|i| found.get(i).copied().ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing"))))
            .collect()
    }

    async fn tree_hash_count(&self) -> Result<u64, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM tree_hashes").fetch_one(&self.reader).await.map_err(from_sqlx)?;
        to_u64(row.try_get("n").map_err(from_sqlx)?, "tree hash count")
    }

    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(from_sqlx)?;
        write::tree_hashes(&mut tx, hashes, true).await?;
        tx.commit().await.map_err(from_sqlx)
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn checkpoint(&self, size: u64) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints WHERE size = ?")
            .bind(rows::to_i64(size, "checkpoint size")?)
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn add_cosignature(&self, c: &Cosignature) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cosignatures (size, witness, line) VALUES (?, ?, ?) \
             ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line",
        )
        .bind(rows::to_i64(c.size, "checkpoint size")?)
        .bind(&c.witness)
        .bind(&c.line)
        .execute(&self.writer)
        .await
        .map_err(from_sqlx)?;
        Ok(())
    }

    async fn cosignatures(&self, size: u64) -> Result<Vec<Cosignature>, StoreError> {
        let rows = sqlx::query("SELECT size, witness, line FROM cosignatures WHERE size = ? ORDER BY witness")
            .bind(rows::to_i64(size, "checkpoint size")?)
            .fetch_all(&self.reader)
            .await
            .map_err(from_sqlx)?;
        rows.iter()
            .map(|r| {
                Ok(Cosignature {
                    size: to_u64(r.try_get("size").map_err(from_sqlx)?, "checkpoint size")?,
                    witness: r.try_get("witness").map_err(from_sqlx)?,
                    line: r.try_get("line").map_err(from_sqlx)?,
                })
            })
            .collect()
    }

    async fn decision_entry(&self, id: ProposalId) -> Result<Option<u64>, StoreError> {
        let Ok(key) = i64::try_from(id.0) else { return Ok(None) };
        let row = sqlx::query("SELECT decided_seq FROM proposals WHERE id = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(from_sqlx)?;
        match row.map(|r| r.try_get::<Option<i64>, _>("decided_seq")).transpose().map_err(from_sqlx)?.flatten() {
            Some(seq) => Ok(Some(to_u64(seq, "decision entry")?)),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(actor = %token.actor))]
    async fn create_token(&self, token: &NewToken) -> Result<(), StoreError> {
        let (role, code) = actor_columns(&token.actor);
        let inserted = sqlx::query(
            "INSERT INTO tokens (hash, role, code, label, created_at, expires_at, revoked_at) \
             VALUES (?, ?, ?, ?, ?, ?, NULL)",
        )
        .bind(token.hash.as_slice())
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
            Err(e) => Err(from_sqlx(e)),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn find_token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT hash, role, code, label, created_at, expires_at, revoked_at FROM tokens WHERE hash = ?",
        )
        .bind(hash.as_slice())
        .fetch_optional(&self.reader)
        .await
        .map_err(from_sqlx)?;
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
        .map_err(from_sqlx)?;
        rows.iter().map(token_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_token(&self, hash: &[u8; 32], at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL")
            .bind(timestamp(at))
            .bind(hash.as_slice())
            .execute(&self.writer)
            .await
            .map_err(from_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all, fields(user = %user.name))]
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
        let (role, code) = actor_columns(&user.actor);
        let inserted = sqlx::query(
            "INSERT INTO users (name, password_hash, role, code, created_at, failed_logins, locked_until) \
             VALUES (?, ?, ?, ?, ?, 0, NULL)",
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
            Err(e) => Err(from_sqlx(e)),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT name, password_hash, role, code, failed_logins, locked_until FROM users WHERE name = ?",
        )
        .bind(name)
        .fetch_optional(&self.reader)
        .await
        .map_err(from_sqlx)?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role").map_err(from_sqlx)?;
        let code: Option<String> = row.try_get("code").map_err(from_sqlx)?;
        let failed: i64 = row.try_get("failed_logins").map_err(from_sqlx)?;
        let locked: Option<String> = row.try_get("locked_until").map_err(from_sqlx)?;
        Ok(Some(User {
            name: row.try_get("name").map_err(from_sqlx)?,
            password_hash: row.try_get("password_hash").map_err(from_sqlx)?,
            actor: actor_from_columns(&role, code.as_deref())?,
            failed_logins: u32::try_from(failed).map_err(|e| corrupt("failed_logins", e))?,
            locked_until: locked.map(|t| parse_timestamp(&t, "locked_until")).transpose()?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn charge_login_attempt(&self, name: &str, now: jiff::Timestamp) -> Result<Option<LoginCharge>, StoreError> {
        // One statement, so that concurrent attempts each count and see each other's lock.
        // Stored timestamps are fixed-width UTC text (`columns::timestamp`), so comparing the
        // text compares the times. The right-hand sides all read the row as it was.
        let row = sqlx::query(
            "UPDATE users SET \
               failed_logins = CASE WHEN locked_until > ?1 THEN failed_logins \
                                    WHEN locked_until IS NOT NULL THEN 1 \
                                    ELSE failed_logins + 1 END, \
               locked_until = CASE WHEN locked_until > ?1 THEN locked_until ELSE NULL END \
             WHERE name = ?2 RETURNING failed_logins, locked_until",
        )
        .bind(timestamp(now))
        .bind(name)
        .fetch_optional(&self.writer)
        .await
        .map_err(from_sqlx)?;
        let Some(row) = row else { return Ok(None) };
        let attempts: i64 = row.try_get("failed_logins").map_err(from_sqlx)?;
        let locked: Option<String> = row.try_get("locked_until").map_err(from_sqlx)?;
        Ok(Some(LoginCharge {
            attempts: u32::try_from(attempts).map_err(|e| corrupt("failed_logins", e))?,
            locked_until: locked.map(|t| parse_timestamp(&t, "locked_until")).transpose()?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn lock_user(&self, name: &str, until: jiff::Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = ? WHERE name = ?")
            .bind(timestamp(until))
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?")
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = %session.user))]
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(session.hash.as_slice())
            .bind(&session.user)
            .bind(&session.csrf)
            .bind(timestamp(session.created_at))
            .bind(timestamp(session.expires_at))
            .execute(&self.writer)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.user_name, s.csrf, s.expires_at, u.role, u.code FROM sessions s \
             JOIN users u ON u.name = s.user_name WHERE s.hash = ?",
        )
        .bind(hash.as_slice())
        .fetch_optional(&self.reader)
        .await
        .map_err(from_sqlx)?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role").map_err(from_sqlx)?;
        let code: Option<String> = row.try_get("code").map_err(from_sqlx)?;
        let expires: String = row.try_get("expires_at").map_err(from_sqlx)?;
        Ok(Some(Session {
            user: row.try_get("user_name").map_err(from_sqlx)?,
            actor: actor_from_columns(&role, code.as_deref())?,
            csrf: row.try_get("csrf").map_err(from_sqlx)?,
            expires_at: parse_timestamp(&expires, "expires_at")?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, hash: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE hash = ?")
            .bind(hash.as_slice())
            .execute(&self.writer)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT fingerprint, status, body, created_at FROM idempotency WHERE principal = ? AND key = ?",
        )
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.reader)
        .await
        .map_err(from_sqlx)?;
        let Some(row) = row else { return Ok(None) };
        let status: i64 = row.try_get("status").map_err(from_sqlx)?;
        let created_at: String = row.try_get("created_at").map_err(from_sqlx)?;
        Ok(Some(IdempotencyRecord {
            principal: principal.to_owned(),
            key: key.to_owned(),
            fingerprint: row.try_get("fingerprint").map_err(from_sqlx)?,
            status: u16::try_from(status).map_err(|e| corrupt("idempotency status", e))?,
            body: row.try_get("body").map_err(from_sqlx)?,
            created_at: parse_timestamp(&created_at, "idempotency created_at")?,
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn probe_write(&self) -> Result<(), StoreError> {
        // Rewriting the head with its own value: SQLite writes the page all the same (into the
        // WAL, synced on commit), and only the writer connection, as an append would.
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(from_sqlx)?;
        sqlx::query("UPDATE log_head SET size = size WHERE id = 0").execute(&mut *tx).await.map_err(from_sqlx)?;
        tx.commit().await.map_err(from_sqlx)
    }
}

fn checkpoint_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Checkpoint, StoreError> {
    let root: Vec<u8> = r.try_get("root").map_err(from_sqlx)?;
    Ok(Checkpoint {
        size: to_u64(r.try_get("size").map_err(from_sqlx)?, "checkpoint size")?,
        root: Hash::from_bytes(&root).map_err(|e| corrupt("checkpoint root", e))?,
        note: r.try_get("note").map_err(from_sqlx)?,
    })
}

/// The JSON `body` of a projection row.
fn body_of(r: &sqlx::sqlite::SqliteRow) -> Result<String, StoreError> {
    r.try_get("body").map_err(from_sqlx)
}

/// A `tokens` row.
fn token_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<TokenInfo, StoreError> {
    let hash: Vec<u8> = row.try_get("hash").map_err(from_sqlx)?;
    let role: String = row.try_get("role").map_err(from_sqlx)?;
    let code: Option<String> = row.try_get("code").map_err(from_sqlx)?;
    let at = |column: &'static str| -> Result<Option<Timestamp>, StoreError> {
        let v: Option<String> = row.try_get(column).map_err(from_sqlx)?;
        v.map(|t| parse_timestamp(&t, column)).transpose()
    };
    Ok(TokenInfo {
        hash: hash.try_into().map_err(|_| StoreError::Corrupt("a token hash is not 32 bytes".into()))?,
        actor: actor_from_columns(&role, code.as_deref())?,
        label: row.try_get("label").map_err(from_sqlx)?,
        created_at: at("created_at")?.ok_or_else(|| StoreError::Corrupt("a token has no creation time".into()))?,
        expires_at: at("expires_at")?,
        revoked_at: at("revoked_at")?,
    })
}
