//! The PostgreSQL backend of Concord's [`Store`]: one database holds the log, the projections,
//! tokens and idempotency records (schema: `migrations/0001_init.sql`, the SQLite backend's
//! final schema with `BIGINT` integers, `BYTEA` blobs and the same `TEXT` timestamps).
//!
//! It behaves as the SQLite backend does, and passes the same conformance suite. How it keeps
//! the contract's guarantees:
//!
//! - **durable on return**: an append is one transaction, and PostgreSQL's default
//!   `synchronous_commit = on` has the commit flushed to the WAL before [`Store::append`]
//!   returns;
//! - **no fork**: every write that depends on the log head (append, `replace_projections`,
//!   `put_tree_hashes`) first locks the head row (`SELECT size FROM log_head WHERE id = 0 FOR
//!   UPDATE`) inside its transaction, then compares, writes and moves the head. Writers in any
//!   number of pools or processes are serialised on that row lock; one that waited reads the head
//!   its predecessor committed and gets [`StoreError::Conflict`], never a fork;
//! - **read after write**: reads run on the same pool under `READ COMMITTED`, so they see every
//!   commit that returned before they began; the head check on connect and the projection dump
//!   read one `REPEATABLE READ` snapshot;
//! - **retryable failures**: serialization failures, deadlocks, a head lock held past the 5 s
//!   `lock_timeout`, lost or refused connections, a server shutting down and a pool that gives
//!   no connection within the 5 s acquire timeout are [`StoreError::Unavailable`]; unique
//!   violations map exactly as in the SQLite backend.
//!
//! Text sorts bytewise (`COLLATE "C"` on every text column) whatever the database's locale, so
//! pages and [`Store::dump_projections`] come out in the same order, and the dump as the same
//! text, as from SQLite.
//!
//! It leaves out the Merkle tree and checkpoints: they are built above the store, over the leaf
//! hashes stored with each entry.

#![forbid(unsafe_code)]

mod dump;
mod error;
mod rows;
mod write;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use concord_core::{Member, Partner, Proposal, ProposalId, ProposalStatus};
use concord_ledger::{Hash, leaf_hash};
use concord_store::{
    Batch, Checkpoint, Cosignature, IdempotencyRecord, LogLease, LoginCharge, NewSession, NewToken, NewUser, Page,
    Session, Snapshot, Store, StoreError, StoredEntry, TokenInfo, User,
};
use jiff::Timestamp;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, PgConnection, Row};

use crate::error::{corrupt, from_sqlx, is_unique_violation};
use crate::rows::{actor_columns, actor_from_columns, decoded, label, parse_timestamp, timestamp, to_u64};

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a caller waits for a connection (and `connect` for the first one) before the store
/// reports itself unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a statement waits for a row lock (the log head) before failing as unavailable: the
/// counterpart of the SQLite backend's busy timeout.
const LOCK_TIMEOUT: &str = "5s";
/// The advisory lock key of the log's writer lease ("concord" in ASCII): one per database.
const LOG_LEASE_KEY: i64 = 0x0063_6f6e_636f_7264;
/// Connections in the pool.
const CONNECTIONS: u32 = 8;
/// How the transactions that must read one snapshot begin.
const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// A [`Store`] in one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`),
    /// brings its schema up to date and checks that the log head matches the log.
    ///
    /// A server that cannot be reached fails within 5 s as
    /// [`StoreError::Unavailable`], naming the host, port and database (never the password); a
    /// URL that does not parse is [`StoreError::Other`].
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("not a PostgreSQL URL: {e}")))?
            .options([("lock_timeout", LOCK_TIMEOUT)]);
        let context = |e: StoreError| in_context(e, &options);
        // One connection up front, for a clear error: the pool retries a refused connection
        // until its acquire timeout and then reports only that it timed out.
        let probe = tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options)).await;
        match probe {
            Ok(Ok(conn)) => conn.close().await.map_err(|e| context(from_sqlx(e)))?,
            Ok(Err(e)) => return Err(context(from_sqlx(e))),
            Err(_) => {
                return Err(context(StoreError::Unavailable(format!(
                    "no connection within {} s",
                    ACQUIRE_TIMEOUT.as_secs()
                ))));
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(|e| context(from_sqlx(e)))?;
        MIGRATOR.run(&pool).await.map_err(|e| context(StoreError::Other(format!("migrating: {e}"))))?;
        let store = PostgresStore { pool };
        store.check_head().await.map_err(context)?;
        Ok(store)
    }

    /// Closes the pool's connections, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refuses a database whose head does not match its log (rows lost or added behind the
    /// store's back) rather than appending after a gap or over existing rows. It reads only the
    /// ends of the log, so it costs the same for any size; a gap in the middle is for
    /// `check_chain`.
    async fn check_head(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with(SNAPSHOT).await.map_err(from_sqlx)?;
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

impl PostgresStore {
    /// Fills in the proposals' positions from their rows (the body leaves them out).
    async fn with_positions(&self, mut proposals: Vec<Proposal>) -> Result<Vec<Proposal>, StoreError> {
        if proposals.is_empty() {
            return Ok(proposals);
        }
        let ids = proposals.iter().map(|p| rows::to_i64(p.id.0, "proposal id")).collect::<Result<Vec<_>, _>>()?;
        let rows = sqlx::query(
            "SELECT proposal, member, revision, stance, text, at, signed, signed_at FROM positions \
             WHERE proposal = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
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
impl Store for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn log_size(&self) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(from_sqlx)?;
        write::head(&mut conn).await
    }

    #[tracing::instrument(skip_all, fields(expected = batch.expected_size, entries = batch.entries.len()))]
    async fn append(&self, batch: &Batch) -> Result<u64, StoreError> {
        check_batch(batch)?;
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        let found = write::lock_head(&mut tx).await?;
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
        let rows = sqlx::query("SELECT seq, leaf_hash, entry FROM log WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(from)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        let found = write::lock_head(&mut tx).await?;
        if found != at_size {
            return Err(StoreError::Conflict { expected: at_size, found });
        }
        write::clear_projections(&mut tx).await?;
        write::projections(&mut tx, snapshot).await?;
        tx.commit().await.map_err(from_sqlx)
    }

    #[tracing::instrument(skip_all)]
    async fn dump_projections(&self) -> Result<String, StoreError> {
        // One read transaction: every table from the same snapshot.
        let mut tx = self.pool.begin_with(SNAPSHOT).await.map_err(from_sqlx)?;
        let out = dump::dump(&mut tx).await?;
        tx.commit().await.map_err(from_sqlx)?;
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn members(&self, page: &Page<String>) -> Result<Vec<Member>, StoreError> {
        let rows = sqlx::query("SELECT code, body FROM members WHERE code > $1 ORDER BY code LIMIT $2")
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(i64::from(page.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(from_sqlx)?;
        rows.iter().map(|r| decoded::<Member>(serde_json::from_str(&body_of(r)?), "member row")).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn member(&self, code: &str) -> Result<Option<Member>, StoreError> {
        let row = sqlx::query("SELECT code, body FROM members WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(|r| decoded::<Member>(serde_json::from_str(&body_of(r)?), "member row")).transpose()
    }

    async fn partner(&self, code: &str) -> Result<Option<Partner>, StoreError> {
        let row = sqlx::query("SELECT code, body FROM partners WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(|r| decoded::<Partner>(serde_json::from_str(&body_of(r)?), "partner row")).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn partners(&self, page: &Page<String>) -> Result<Vec<Partner>, StoreError> {
        let rows = sqlx::query("SELECT code, body FROM partners WHERE code > $1 ORDER BY code LIMIT $2")
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(i64::from(page.limit))
            .fetch_all(&self.pool)
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
            None => sqlx::query("SELECT id, body FROM proposals WHERE id > $1 ORDER BY id LIMIT $2"),
            Some(s) => sqlx::query("SELECT id, body FROM proposals WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(label(serde_json::to_value(s))?),
        };
        let rows = query.bind(after).bind(i64::from(page.limit)).fetch_all(&self.pool).await.map_err(from_sqlx)?;
        let proposals: Vec<Proposal> = rows
            .iter()
            .map(|r| decoded::<Proposal>(serde_json::from_str(&body_of(r)?), "proposal row"))
            .collect::<Result<_, _>>()?;
        self.with_positions(proposals).await
    }

    #[tracing::instrument(skip_all, fields(%id))]
    async fn proposal(&self, id: ProposalId) -> Result<Option<Proposal>, StoreError> {
        let Ok(key) = i64::try_from(id.0) else { return Ok(None) };
        let row = sqlx::query("SELECT id, body FROM proposals WHERE id = $1")
            .bind(key)
            .fetch_optional(&self.pool)
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
            let keys = chunk.iter().map(|i| rows::to_i64(*i, "tree hash index")).collect::<Result<Vec<_>, _>>()?;
            let rows = sqlx::query("SELECT idx, hash FROM tree_hashes WHERE idx = ANY($1)")
                .bind(&keys)
                .fetch_all(&self.pool)
                .await
                .map_err(from_sqlx)?;
            for r in rows {
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
            sqlx::query("SELECT COUNT(*) AS n FROM tree_hashes").fetch_one(&self.pool).await.map_err(from_sqlx)?;
        to_u64(row.try_get("n").map_err(from_sqlx)?, "tree hash count")
    }

    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        // Serialised with appends, which insert tree hashes without `ON CONFLICT`.
        write::lock_head(&mut tx).await?;
        write::tree_hashes(&mut tx, hashes, true).await?;
        tx.commit().await.map_err(from_sqlx)
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn checkpoint(&self, size: u64) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note FROM checkpoints WHERE size = $1")
            .bind(rows::to_i64(size, "checkpoint size")?)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn add_cosignature(&self, c: &Cosignature) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO cosignatures (size, witness, line) VALUES ($1, $2, $3) \
             ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line",
        )
        .bind(rows::to_i64(c.size, "checkpoint size")?)
        .bind(&c.witness)
        .bind(&c.line)
        .execute(&self.pool)
        .await
        .map_err(from_sqlx)?;
        Ok(())
    }

    async fn cosignatures(&self, size: u64) -> Result<Vec<Cosignature>, StoreError> {
        let rows = sqlx::query("SELECT size, witness, line FROM cosignatures WHERE size = $1 ORDER BY witness")
            .bind(rows::to_i64(size, "checkpoint size")?)
            .fetch_all(&self.pool)
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
        let row = sqlx::query("SELECT decided_seq FROM proposals WHERE id = $1")
            .bind(key)
            .fetch_optional(&self.pool)
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
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(token.hash.as_slice())
        .bind(role)
        .bind(code)
        .bind(&token.label)
        .bind(timestamp(token.created_at))
        .bind(token.expires_at.map(timestamp))
        .execute(&self.pool)
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
            "SELECT hash, role, code, label, created_at, expires_at, revoked_at FROM tokens WHERE hash = $1",
        )
        .bind(hash.as_slice())
        .fetch_optional(&self.pool)
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
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.iter().map(token_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_token(&self, hash: &[u8; 32], at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
            .bind(timestamp(at))
            .bind(hash.as_slice())
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(done.rows_affected() == 1)
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
        .execute(&self.pool)
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
            "SELECT name, password_hash, role, code, failed_logins, locked_until FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
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
               failed_logins = CASE WHEN locked_until > $1 THEN failed_logins \
                                    WHEN locked_until IS NOT NULL THEN 1 \
                                    ELSE failed_logins + 1 END, \
               locked_until = CASE WHEN locked_until > $1 THEN locked_until ELSE NULL END \
             WHERE name = $2 RETURNING failed_logins, locked_until",
        )
        .bind(timestamp(now))
        .bind(name)
        .fetch_optional(&self.pool)
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
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE name = $2")
            .bind(timestamp(until))
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = %session.user))]
    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (hash, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(session.hash.as_slice())
            .bind(&session.user)
            .bind(&session.csrf)
            .bind(timestamp(session.created_at))
            .bind(timestamp(session.expires_at))
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT s.user_name, s.csrf, s.expires_at, u.role, u.code FROM sessions s \
             JOIN users u ON u.name = s.user_name WHERE s.hash = $1",
        )
        .bind(hash.as_slice())
        .fetch_optional(&self.pool)
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
        sqlx::query("DELETE FROM sessions WHERE hash = $1")
            .bind(hash.as_slice())
            .execute(&self.pool)
            .await
            .map_err(from_sqlx)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT fingerprint, status, body, created_at FROM idempotency WHERE principal = $1 AND key = $2",
        )
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.pool)
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
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(from_sqlx)?;
        Ok(())
    }

    async fn probe_write(&self) -> Result<(), StoreError> {
        // A new row version of the head with its own value: written to the WAL and flushed on
        // commit like any write. One statement, so it holds the head's row lock only briefly.
        sqlx::query("UPDATE log_head SET size = size WHERE id = 0").execute(&self.pool).await.map_err(from_sqlx)?;
        Ok(())
    }

    /// A transaction holding a transaction-scoped advisory lock: dropping it rolls back, which
    /// releases the lock, and so does a dropped connection if the process dies. Waiting longer
    /// than `lock_timeout` fails as unavailable.
    #[tracing::instrument(skip_all)]
    async fn lease_log(&self) -> Result<Option<LogLease>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOG_LEASE_KEY)
            .execute(&mut *tx)
            .await
            .map_err(from_sqlx)?;
        Ok(Some(LogLease(Box::new(tx))))
    }
}

fn checkpoint_from_row(r: &PgRow) -> Result<Checkpoint, StoreError> {
    let root: Vec<u8> = r.try_get("root").map_err(from_sqlx)?;
    Ok(Checkpoint {
        size: to_u64(r.try_get("size").map_err(from_sqlx)?, "checkpoint size")?,
        root: Hash::from_bytes(&root).map_err(|e| corrupt("checkpoint root", e))?,
        note: r.try_get("note").map_err(from_sqlx)?,
    })
}

/// The JSON `body` of a projection row.
fn body_of(r: &PgRow) -> Result<String, StoreError> {
    r.try_get("body").map_err(from_sqlx)
}

/// A `tokens` row.
fn token_from_row(row: &sqlx::postgres::PgRow) -> Result<TokenInfo, StoreError> {
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
