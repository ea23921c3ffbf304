//! The statements of a write transaction: log entries, projection upserts, idempotency records.
//!
//! Each function runs inside a transaction the caller opened and commits, after locking the log
//! head row with [`lock_head`]; none commits on its own. The SQL is the SQLite backend's with
//! `$n` placeholders (`ON CONFLICT … DO UPDATE SET … = excluded.…` is spelled the same).

use std::collections::HashMap;

use concord_core::{CountryCode, Member, Partner, Proposal};
use concord_store::{Batch, IdempotencyRecord, Snapshot, StoreError};
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

/// Rows per multi-row statement: at most 8 parameters a row, well under PostgreSQL's limit of
/// 65,535 bound parameters.
const ROWS_PER_STATEMENT: usize = 400;

use crate::error::{from_sqlx, is_unique_violation};
use crate::rows::{body, label, last_change, timestamp, to_i64, to_u64};

/// The stored log size, as the caller's snapshot sees it.
pub(crate) async fn head(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT size FROM log_head WHERE id = 0").fetch_one(conn).await.map_err(from_sqlx)?;
    to_u64(row.try_get("size").map_err(from_sqlx)?, "log head")
}

/// The stored log size, with the head row locked until the caller's transaction ends: every
/// write that depends on the head (appends, projection rebuilds, tree hashes) takes this lock
/// first, so writes from any number of pools and processes are serialised on it, as SQLite's
/// single writer serialises them. A writer that waited for the lock reads the head as the
/// previous holder committed it (`READ COMMITTED` re-reads a locked row), so it sees a conflict,
/// never a stale head. A lock held longer than `lock_timeout` fails as unavailable.
pub(crate) async fn lock_head(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let row =
        sqlx::query("SELECT size FROM log_head WHERE id = 0 FOR UPDATE").fetch_one(conn).await.map_err(from_sqlx)?;
    to_u64(row.try_get("size").map_err(from_sqlx)?, "log head")
}

/// Writes a batch whose `expected_size` the caller has checked against [`head`], and moves the
/// head. Entries go first and the head last, the order of a tlog commit (entries, then the tree
/// head), though inside one transaction nothing is visible before the commit anyway.
pub(crate) async fn batch(conn: &mut PgConnection, batch: &Batch) -> Result<u64, StoreError> {
    let expected = batch.expected_size;
    // Multi-row statements: each statement costs a round trip to the server, which for a batch
    // of hundreds of entries dominates the cost of the rows themselves.
    for chunk in batch.entries.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Postgres>::new("INSERT INTO log (seq, leaf_hash, entry) ");
        let mut bad = None;
        q.push_values(chunk, |mut b, e| match to_i64(e.seq, "sequence number") {
            Ok(seq) => {
                b.push_bind(seq).push_bind(e.leaf_hash.as_bytes().to_vec()).push_bind(e.bytes.clone());
            }
            Err(err) => bad = Some(err),
        });
        if let Some(err) = bad {
            return Err(err);
        }
        match q.build().persistent(false).execute(&mut *conn).await {
            Ok(_) => {}
            // The head said the log ended before these rows, and appends are serialised on its
            // lock, so the head and the log disagree: retrying as a conflict would fail forever.
            Err(err) if is_unique_violation(&err) => {
                return Err(StoreError::Corrupt(format!("log entries exist beyond the head {expected}")));
            }
            Err(err) => return Err(from_sqlx(err)),
        }
    }
    let size = expected + batch.entries.len() as u64;
    projections(conn, &batch.projections).await?;
    tree_hashes(conn, &batch.tree_hashes, false).await?;
    if let Some(c) = &batch.checkpoint {
        // The primary key on `size` is the compare-and-swap on the signed tree head: a second
        // checkpoint of the same size can never be stored.
        sqlx::query("INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)")
            .bind(to_i64(c.size, "checkpoint size")?)
            .bind(c.root.as_bytes().as_slice())
            .bind(&c.note)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict { expected: c.size, found: c.size }
                } else {
                    from_sqlx(e)
                }
            })?;
    }
    for record in &batch.idempotency {
        idempotency(conn, record).await?;
    }
    let moved = sqlx::query("UPDATE log_head SET size = $1 WHERE id = 0 AND size = $2")
        .bind(to_i64(size, "log size")?)
        .bind(to_i64(expected, "log size")?)
        .execute(&mut *conn)
        .await
        .map_err(from_sqlx)?;
    if moved.rows_affected() != 1 {
        // Unreachable while the caller holds the head's lock and checked the head.
        return Err(StoreError::Other(format!("the log head moved from {expected} during the append")));
    }
    Ok(size)
}

/// Upserts every member, partner and proposal of `snapshot`.
pub(crate) async fn projections(conn: &mut PgConnection, snapshot: &Snapshot) -> Result<(), StoreError> {
    for m in &snapshot.members {
        member(conn, m).await?;
    }
    for p in &snapshot.partners {
        partner(conn, p).await?;
    }
    let decided: HashMap<u64, u64> = snapshot.decisions.iter().map(|(p, s)| (p.0, *s)).collect();
    // A multi-row upsert may not touch one row twice in PostgreSQL (SQLite applies the rows in
    // turn): keep the last form of a proposal listed twice, which is what SQLite ends up with.
    let last: HashMap<u64, usize> = snapshot.proposals.iter().enumerate().map(|(i, p)| (p.id.0, i)).collect();
    let deduplicated: Vec<Proposal>;
    let unique: &[Proposal] = if last.len() == snapshot.proposals.len() {
        &snapshot.proposals
    } else {
        deduplicated = snapshot
            .proposals
            .iter()
            .enumerate()
            .filter(|(i, p)| last.get(&p.id.0) == Some(i))
            .map(|(_, p)| p.clone())
            .collect();
        &deduplicated
    };
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        proposals(conn, chunk, &decided).await?;
    }
    Ok(())
}

/// Inserts tree hashes; with `idempotent`, hashes already stored are left as they are.
pub(crate) async fn tree_hashes(
    conn: &mut PgConnection,
    hashes: &[(u64, concord_ledger::Hash)],
    idempotent: bool,
) -> Result<(), StoreError> {
    for chunk in hashes.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Postgres>::new("INSERT INTO tree_hashes (idx, hash) ");
        let mut bad = None;
        q.push_values(chunk, |mut b, (idx, h)| match to_i64(*idx, "tree hash index") {
            Ok(i) => {
                b.push_bind(i).push_bind(h.as_bytes().to_vec());
            }
            Err(e) => bad = Some(e),
        });
        if let Some(e) = bad {
            return Err(e);
        }
        if idempotent {
            q.push(" ON CONFLICT (idx) DO NOTHING");
        }
        q.build().persistent(false).execute(&mut *conn).await.map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Corrupt("a tree hash exists beyond the stored log".into())
            } else {
                from_sqlx(e)
            }
        })?;
    }
    Ok(())
}

/// Deletes every projection row (not the log, tokens or idempotency records).
pub(crate) async fn clear_projections(conn: &mut PgConnection) -> Result<(), StoreError> {
    // Positions first: they refer to proposals.
    for table in ["positions", "proposals", "partners", "members"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await.map_err(from_sqlx)?;
    }
    Ok(())
}

async fn member(conn: &mut PgConnection, m: &Member) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO members (code, name, accession, departure, body) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, accession = excluded.accession, \
         departure = excluded.departure, body = excluded.body",
    )
    .bind(m.code.as_str())
    .bind(&m.name)
    .bind(m.accession.to_string())
    .bind(m.departure.map(|d| d.to_string()))
    .bind(body(serde_json::to_string(m))?)
    .execute(conn)
    .await
    .map_err(from_sqlx)?;
    Ok(())
}

async fn partner(conn: &mut PgConnection, p: &Partner) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO partners (code, name, body) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, body = excluded.body",
    )
    .bind(p.code.as_str())
    .bind(&p.name)
    .bind(body(serde_json::to_string(p))?)
    .execute(conn)
    .await
    .map_err(from_sqlx)?;
    Ok(())
}

/// Upserts proposals and replaces their positions rows with those they hold now (an amendment
/// clears them, so stale rows must go, not just new ones arrive): three statements per chunk of
/// proposals, however many positions they hold.
async fn proposals(conn: &mut PgConnection, chunk: &[Proposal], decided: &HashMap<u64, u64>) -> Result<(), StoreError> {
    struct Row {
        id: i64,
        decided_seq: Option<i64>,
        kind: String,
        status: String,
        title: String,
        deadline: Option<String>,
        updated: String,
        body: String,
    }
    let mut rows = Vec::with_capacity(chunk.len());
    for p in chunk {
        let title = p.revisions.last().map(|r| r.title.clone());
        let title = title.ok_or_else(|| StoreError::Other(format!("proposal {} has no revision", p.id)))?;
        rows.push(Row {
            id: to_i64(p.id.0, "proposal id")?,
            decided_seq: decided.get(&p.id.0).map(|s| to_i64(*s, "sequence number")).transpose()?,
            kind: label(serde_json::to_value(p.kind))?,
            status: label(serde_json::to_value(p.status))?,
            title,
            deadline: p.circulation.as_ref().map(|c| timestamp(c.deadline)),
            updated: timestamp(last_change(p)),
            // Positions live in their own rows (below), so that one more position does not
            // rewrite every other one inside the body.
            body: body(serde_json::to_string(&without_positions(p)))?,
        });
    }
    // An upsert, not a delete and insert: deleting the row would cascade to its positions.
    let mut q = QueryBuilder::<Postgres>::new(
        "INSERT INTO proposals (id, kind, status, title, deadline, updated, body, decided_seq) ",
    );
    q.push_values(&rows, |mut b, r| {
        b.push_bind(r.id)
            .push_bind(&r.kind)
            .push_bind(&r.status)
            .push_bind(&r.title)
            .push_bind(&r.deadline)
            .push_bind(&r.updated)
            .push_bind(&r.body)
            .push_bind(r.decided_seq);
    });
    q.push(
        " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, title = excluded.title, \
         deadline = excluded.deadline, updated = excluded.updated, body = excluded.body, \
         decided_seq = COALESCE(excluded.decided_seq, proposals.decided_seq)",
    );
    q.build().persistent(false).execute(&mut *conn).await.map_err(from_sqlx)?;

    // Only the positions that changed are written: a batch of positions on many proposals costs
    // one row each, not one row per elector of every proposal it touched.
    let stored = stored_positions(conn, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let mut replace_all = Vec::new();
    let mut upserts = Vec::new();
    for (p, r) in chunk.iter().zip(&rows) {
        let before = stored.get(&r.id);
        // A member whose row must go (an amendment cleared the positions): rewrite them all.
        let gone = |m: &String| CountryCode::parse(m).map_or(true, |c| !p.positions.contains_key(&c));
        if before.is_some_and(|b| b.keys().any(gone)) {
            replace_all.push(r.id);
            for x in p.positions.values() {
                upserts.push((r.id, x, position_key(x)?));
            }
            continue;
        }
        for x in p.positions.values() {
            let key = position_key(x)?;
            if before.and_then(|b| b.get(x.member.as_str())) != Some(&key) {
                upserts.push((r.id, x, key));
            }
        }
    }
    if !replace_all.is_empty() {
        sqlx::query("DELETE FROM positions WHERE proposal = ANY($1)")
            .bind(&replace_all)
            .execute(&mut *conn)
            .await
            .map_err(from_sqlx)?;
    }
    for part in upserts.chunks(ROWS_PER_STATEMENT) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO positions (proposal, member, revision, stance, text, at, signed, signed_at) ",
        );
        q.push_values(part, |mut b, (id, x, key)| {
            b.push_bind(*id)
                .push_bind(x.member.as_str())
                .push_bind(i64::from(x.revision))
                .push_bind(key.stance.as_str())
                .push_bind(x.text.as_deref())
                .push_bind(key.at.as_str())
                .push_bind(x.signed)
                .push_bind(key.signed_at.as_deref());
        });
        q.push(
            " ON CONFLICT (proposal, member) DO UPDATE SET revision = excluded.revision, stance = excluded.stance, \
             text = excluded.text, at = excluded.at, signed = excluded.signed, signed_at = excluded.signed_at",
        );
        q.build().persistent(false).execute(&mut *conn).await.map_err(from_sqlx)?;
    }
    Ok(())
}

/// A proposal as its `body` column holds it: everything but the positions.
fn without_positions(p: &Proposal) -> Proposal {
    Proposal { positions: Default::default(), ..p.clone() }
}

/// The columns of a position row, to tell whether the stored row is current.
#[derive(Debug, PartialEq, Eq)]
struct PositionKey {
    revision: i64,
    stance: String,
    text: Option<String>,
    at: String,
    signed: bool,
    signed_at: Option<String>,
}

fn position_key(x: &concord_core::Position) -> Result<PositionKey, StoreError> {
    Ok(PositionKey {
        revision: i64::from(x.revision),
        stance: label(serde_json::to_value(x.stance))?,
        text: x.text.clone(),
        at: timestamp(x.at),
        signed: x.signed,
        signed_at: x.signed_at.map(timestamp),
    })
}

/// The stored position rows of some proposals, by proposal and member.
async fn stored_positions(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<HashMap<i64, HashMap<String, PositionKey>>, StoreError> {
    let rows = sqlx::query(
        "SELECT proposal, member, revision, stance, text, at, signed, signed_at FROM positions \
         WHERE proposal = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(from_sqlx)?;
    let mut out: HashMap<i64, HashMap<String, PositionKey>> = HashMap::new();
    for r in rows {
        let key = PositionKey {
            revision: r.try_get("revision").map_err(from_sqlx)?,
            stance: r.try_get("stance").map_err(from_sqlx)?,
            text: r.try_get("text").map_err(from_sqlx)?,
            at: r.try_get("at").map_err(from_sqlx)?,
            signed: r.try_get("signed").map_err(from_sqlx)?,
            signed_at: r.try_get("signed_at").map_err(from_sqlx)?,
        };
        out.entry(r.try_get("proposal").map_err(from_sqlx)?)
            .or_default()
            .insert(r.try_get("member").map_err(from_sqlx)?, key);
    }
    Ok(out)
}

async fn idempotency(conn: &mut PgConnection, r: &IdempotencyRecord) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency (principal, key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.principal)
    .bind(&r.key)
    .bind(&r.fingerprint)
    .bind(i64::from(r.status))
    .bind(r.body.as_slice())
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
        Err(e) => Err(from_sqlx(e)),
    }
}
