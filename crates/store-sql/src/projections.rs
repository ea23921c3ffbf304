//! Projections: members, partners, proposals and positions as query tables, written in the same
//! transaction as the entries that change them, read by the API, rebuilt from the log, and
//! dumped as text to compare two stores. Everything about them is in this file.
//!
//! Each row keeps the full domain value as JSON (`body`) and repeats a few fields as columns for
//! filtering and sorting; a proposal's positions have rows of their own, so that one more
//! position does not rewrite the others inside the body. The dump is one line per row, tables
//! in a fixed order, rows by primary key, every column shown (text quoted, `NULL` for nulls, the
//! JSON body last and verbatim), so two stores with the same projected state give equal dumps:
//!
//! ```text
//! members code="FRA" name="France" accession="1949-08-24" departure=NULL body={"code":"FRA",…}
//! positions proposal=1 member="FRA" revision=1 stance="concur" text=NULL at="2024-02-27T10:00:00.000000000Z" signed=true signed_at=NULL
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use concord_core::{CountryCode, Position, Proposal, ProposalId, ProposalStatus};
use concord_store::columns::{body, corrupt, decoded, label, last_change, parse_timestamp, timestamp, to_i64, to_u64};
use concord_store::{Page, Snapshot, StoreError};
use serde::de::DeserializeOwned;
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Type};

use crate::statement::Statement;
use crate::write::ROWS_PER_STATEMENT;
use crate::{Conn, Dialect, Row, SqlStore, Value, get};

/// The columns of a position row, to tell whether the stored row is current.
#[derive(Debug, PartialEq, Eq)]
struct PositionRow {
    revision: i64,
    stance: String,
    text: Option<String>,
    at: String,
    signed: bool,
    signed_at: Option<String>,
}

impl PositionRow {
    fn of(x: &Position) -> Result<Self, StoreError> {
        Ok(Self {
            revision: i64::from(x.revision),
            stance: label(serde_json::to_value(x.stance))?,
            text: x.text.clone(),
            at: timestamp(x.at),
            signed: x.signed,
            signed_at: x.signed_at.map(timestamp),
        })
    }

    fn read<R: sqlx::Row>(r: &R) -> Result<Self, StoreError>
    where
        for<'c> &'c str: ColumnIndex<R>,
        i64: Value<R::Database>,
        bool: Value<R::Database>,
        String: Value<R::Database>,
    {
        Ok(Self {
            revision: get(r, "revision")?,
            stance: get(r, "stance")?,
            text: get(r, "text")?,
            at: get(r, "at")?,
            signed: get(r, "signed")?,
            signed_at: get(r, "signed_at")?,
        })
    }

    fn position(self, member: &str) -> Result<Position, StoreError> {
        Ok(Position {
            member: CountryCode::parse(member).map_err(|e| corrupt("position row", e))?,
            revision: u32::try_from(self.revision).map_err(|e| corrupt("position row", e))?,
            stance: decoded(serde_json::from_value(serde_json::Value::String(self.stance)), "position stance")?,
            text: self.text,
            at: parse_timestamp(&self.at, "position time")?,
            signed: self.signed,
            signed_at: self.signed_at.map(|t| parse_timestamp(&t, "signed position time")).transpose()?,
        })
    }
}

const POSITION_COLUMNS: &str = "SELECT proposal, member, revision, stance, text, at, signed, signed_at FROM positions";

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
    /// Upserts every member, partner and proposal of `snapshot`.
    pub(crate) async fn write_projections(conn: &mut Conn<D>, snapshot: &Snapshot) -> Result<(), StoreError> {
        for m in &snapshot.members {
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
            .execute(&mut *conn)
            .await
            .map_err(D::error)?;
        }
        for p in &snapshot.partners {
            sqlx::query(
                "INSERT INTO partners (code, name, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, body = excluded.body",
            )
            .bind(p.code.as_str())
            .bind(&p.name)
            .bind(body(serde_json::to_string(p))?)
            .execute(&mut *conn)
            .await
            .map_err(D::error)?;
        }
        let decided: HashMap<u64, u64> = snapshot.decisions.iter().map(|(p, s)| (p.0, *s)).collect();
        // A multi-row upsert may not touch one row twice (PostgreSQL refuses it).
        for chunk in snapshot.unique_proposals().chunks(ROWS_PER_STATEMENT) {
            Self::write_proposals(conn, chunk, &decided).await?;
        }
        Ok(())
    }

    /// Upserts proposals and replaces their positions rows with those they hold now (an
    /// amendment clears them, so stale rows must go, not just new ones arrive): three statements
    /// per chunk of proposals, however many positions they hold.
    async fn write_proposals(
        conn: &mut Conn<D>,
        chunk: &[&Proposal],
        decided: &HashMap<u64, u64>,
    ) -> Result<(), StoreError> {
        struct ProposalRow {
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
            rows.push(ProposalRow {
                id: to_i64(p.id.0, "proposal id")?,
                decided_seq: decided.get(&p.id.0).map(|s| to_i64(*s, "sequence number")).transpose()?,
                kind: label(serde_json::to_value(p.kind))?,
                status: label(serde_json::to_value(p.status))?,
                title,
                deadline: p.circulation.as_ref().map(|c| timestamp(c.deadline)),
                updated: timestamp(last_change(p)),
                body: body(serde_json::to_string(&Proposal { positions: Default::default(), ..(*p).clone() }))?,
            });
        }
        // An upsert, not a delete and insert: deleting the row would cascade to its positions.
        let mut q = Statement::<D::DB>::new(
            "INSERT INTO proposals (id, kind, status, title, deadline, updated, body, decided_seq) VALUES ",
        );
        for r in &rows {
            q.row().value(r.id).value(&r.kind).value(&r.status).value(&r.title).value(&r.deadline);
            q.value(&r.updated).value(&r.body).value(r.decided_seq).push(")");
        }
        q.push(
            " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, \
             title = excluded.title, deadline = excluded.deadline, updated = excluded.updated, \
             body = excluded.body, decided_seq = COALESCE(excluded.decided_seq, proposals.decided_seq)",
        );
        let (sql, args) = q.finish()?;
        sqlx::query_with(&sql, args).persistent(false).execute(&mut *conn).await.map_err(D::error)?;

        // Only the positions that changed are written: a batch of positions on many proposals
        // costs one row each, not one row per elector of every proposal it touched.
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut stored: HashMap<i64, HashMap<String, PositionRow>> = HashMap::new();
        for r in Self::positions_of(&mut *conn, &ids).await? {
            let (id, member): (i64, String) = (get(&r, "proposal")?, get(&r, "member")?);
            stored.entry(id).or_default().insert(member, PositionRow::read(&r)?);
        }
        let mut replace_all = Vec::new();
        let mut upserts = Vec::new();
        for (p, r) in chunk.iter().zip(&rows) {
            let before = stored.get(&r.id);
            // A member whose row must go (an amendment cleared the positions): rewrite them all.
            let gone = |m: &String| CountryCode::parse(m).map_or(true, |c| !p.positions.contains_key(&c));
            let rewrite = before.is_some_and(|b| b.keys().any(gone));
            if rewrite {
                replace_all.push(r.id);
            }
            for x in p.positions.values() {
                let row = PositionRow::of(x)?;
                if rewrite || before.and_then(|b| b.get(x.member.as_str())) != Some(&row) {
                    upserts.push((r.id, x.member.to_string(), row));
                }
            }
        }
        if !replace_all.is_empty() {
            let mut q = Statement::<D::DB>::new("DELETE FROM positions WHERE proposal IN (");
            for id in replace_all {
                q.value(id);
            }
            q.push(")");
            let (sql, args) = q.finish()?;
            sqlx::query_with(&sql, args).persistent(false).execute(&mut *conn).await.map_err(D::error)?;
        }
        for part in upserts.chunks(ROWS_PER_STATEMENT) {
            let mut q = Statement::<D::DB>::new(
                "INSERT INTO positions (proposal, member, revision, stance, text, at, signed, signed_at) VALUES ",
            );
            for (id, member, x) in part {
                q.row().value(*id).value(member).value(x.revision).value(&x.stance).value(&x.text);
                q.value(&x.at).value(x.signed).value(&x.signed_at).push(")");
            }
            q.push(
                " ON CONFLICT (proposal, member) DO UPDATE SET revision = excluded.revision, \
                 stance = excluded.stance, text = excluded.text, at = excluded.at, signed = excluded.signed, \
                 signed_at = excluded.signed_at",
            );
            let (sql, args) = q.finish()?;
            sqlx::query_with(&sql, args).persistent(false).execute(&mut *conn).await.map_err(D::error)?;
        }
        Ok(())
    }

    /// The position rows of some proposals.
    async fn positions_of<'e, E>(executor: E, ids: &[i64]) -> Result<Vec<Row<D>>, StoreError>
    where
        E: Executor<'e, Database = D::DB>,
    {
        let mut q = Statement::<D::DB>::new(POSITION_COLUMNS);
        q.push(" WHERE proposal IN (");
        for id in ids {
            q.value(*id);
        }
        q.push(")");
        let (sql, args) = q.finish()?;
        sqlx::query_with(&sql, args).persistent(false).fetch_all(executor).await.map_err(D::error)
    }

    /// Deletes every projection row (not the log, tokens or idempotency records).
    pub(crate) async fn clear_projections(conn: &mut Conn<D>) -> Result<(), StoreError> {
        // Positions first: they refer to proposals.
        for sql in ["DELETE FROM positions", "DELETE FROM proposals", "DELETE FROM partners", "DELETE FROM members"] {
            sqlx::query(sql).execute(&mut *conn).await.map_err(D::error)?;
        }
        Ok(())
    }

    /// A page of member or partner rows, by code.
    pub(crate) async fn bodies_page<T: DeserializeOwned>(
        &self,
        table: &str,
        page: &Page<String>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = sqlx::query(&format!("SELECT body FROM {table} WHERE code > $1 ORDER BY code LIMIT $2"))
            .bind(page.after.clone().unwrap_or_default())
            .bind(i64::from(page.limit))
            .fetch_all(&self.reader)
            .await
            .map_err(D::error)?;
        rows.iter().map(|r| decoded(serde_json::from_str(&get::<_, String>(r, "body")?), table)).collect()
    }

    /// A member or partner by code.
    pub(crate) async fn body_by_code<T: DeserializeOwned>(
        &self,
        table: &str,
        code: &str,
    ) -> Result<Option<T>, StoreError> {
        let row = sqlx::query(&format!("SELECT body FROM {table} WHERE code = $1"))
            .bind(code)
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        row.map(|r| decoded(serde_json::from_str(&get::<_, String>(&r, "body")?), table)).transpose()
    }

    pub(crate) async fn proposals_page(
        &self,
        status: Option<ProposalStatus>,
        page: &Page<ProposalId>,
    ) -> Result<Vec<Proposal>, StoreError> {
        // Ids start at 1, and an id beyond i64 is after every stored one.
        let after = match page.after.map(|id| i64::try_from(id.0)) {
            None => -1,
            Some(Ok(id)) => id,
            Some(Err(_)) => return Ok(Vec::new()),
        };
        let query = match status {
            None => sqlx::query("SELECT body FROM proposals WHERE id > $1 ORDER BY id LIMIT $2"),
            Some(s) => sqlx::query("SELECT body FROM proposals WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(label(serde_json::to_value(s))?),
        };
        let rows = query.bind(after).bind(i64::from(page.limit)).fetch_all(&self.reader).await.map_err(D::error)?;
        self.with_positions(rows).await
    }

    pub(crate) async fn proposal_by_id(&self, id: ProposalId) -> Result<Option<Proposal>, StoreError> {
        let Ok(key) = i64::try_from(id.0) else { return Ok(None) };
        let row = sqlx::query("SELECT body FROM proposals WHERE id = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        Ok(self.with_positions(row.into_iter().collect()).await?.pop())
    }

    /// The proposals of some rows, with their positions from their own rows (the body leaves
    /// them out).
    async fn with_positions(&self, rows: Vec<Row<D>>) -> Result<Vec<Proposal>, StoreError> {
        let mut proposals = rows
            .iter()
            .map(|r| decoded::<Proposal>(serde_json::from_str(&get::<_, String>(r, "body")?), "proposal row"))
            .collect::<Result<Vec<_>, _>>()?;
        if proposals.is_empty() {
            return Ok(proposals);
        }
        let ids = proposals.iter().map(|p| to_i64(p.id.0, "proposal id")).collect::<Result<Vec<_>, _>>()?;
        let mut by_id: HashMap<i64, Vec<Position>> = HashMap::new();
        for r in Self::positions_of(&self.reader, &ids).await? {
            let member: String = get(&r, "member")?;
            by_id.entry(get(&r, "proposal")?).or_default().push(PositionRow::read(&r)?.position(&member)?);
        }
        for (p, id) in proposals.iter_mut().zip(ids) {
            p.positions.extend(by_id.remove(&id).unwrap_or_default().into_iter().map(|x| (x.member, x)));
        }
        Ok(proposals)
    }

    /// The sequence number of the entry recording a proposal's decision.
    pub(crate) async fn decided_seq(&self, id: ProposalId) -> Result<Option<u64>, StoreError> {
        let Ok(key) = i64::try_from(id.0) else { return Ok(None) };
        let row = sqlx::query("SELECT decided_seq FROM proposals WHERE id = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await
            .map_err(D::error)?;
        let seq: Option<i64> = row.map(|r| get(&r, "decided_seq")).transpose()?.flatten();
        seq.map(|s| to_u64(s, "decision entry")).transpose()
    }

    /// Dumps the projections (see the module docs). Run it inside one read transaction so that
    /// all tables come from the same snapshot.
    pub(crate) async fn dump(conn: &mut Conn<D>) -> Result<String, StoreError> {
        let mut out = String::new();
        let tables: [(&str, &str, &[&str]); 4] = [
            ("members", "code", &["code", "name", "accession", "departure"]),
            ("partners", "code", &["code", "name"]),
            ("proposals", "id", &["id", "kind", "status", "title", "deadline", "updated", "decided_seq"]),
            (
                "positions",
                "proposal, member",
                &["proposal", "member", "revision", "stance", "text", "at", "signed", "signed_at"],
            ),
        ];
        for (table, key, columns) in tables {
            let body = if table == "positions" { "" } else { ", body" };
            let sql = format!("SELECT {}{body} FROM {table} ORDER BY {key}", columns.join(", "));
            for r in sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(D::error)? {
                out.push_str(table);
                for column in columns {
                    // Each column as its type reads: text quoted, integers and booleans bare.
                    let shown = match *column {
                        "id" | "proposal" | "revision" | "decided_seq" => {
                            get::<_, Option<i64>>(&r, column)?.map(|n| n.to_string())
                        }
                        "signed" => Some(get::<_, bool>(&r, column)?.to_string()),
                        _ => get::<_, Option<String>>(&r, column)?.map(|s| format!("{s:?}")),
                    };
                    // Writing to a String cannot fail.
                    let _ = write!(out, " {column}={}", shown.as_deref().unwrap_or("NULL"));
                }
                if !body.is_empty() {
                    let _ = write!(out, " body={}", get::<_, String>(&r, "body")?);
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}
