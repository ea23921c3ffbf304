//! The text dump of every projection row, for comparing a rebuilt store with a live one.
//!
//! One line per row, tables in a fixed order and rows by primary key; every stored column is
//! shown (text quoted and escaped, `NULL` for nulls, the JSON body last and verbatim), so two
//! stores with the same projected state give equal dumps and any differing column shows:
//!
//! ```text
//! members code="FRA" name="France" accession="1949-08-24" departure=NULL body={"code":"FRA",…}
//! positions proposal=1 member="FRA" revision=1 stance="concur" text=NULL at="2024-02-27T10:00:00.000000000Z" signed=true
//! ```
//!
//! The text is the same as the SQLite backend's for the same state, line for line: columns hold
//! the same values (timestamps as the same text, `BIGINT` as the same integers) and text sorts
//! bytewise (`COLLATE "C"`), as in SQLite.

use std::fmt::Write;

use concord_store::StoreError;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::error::from_sqlx;

/// Dumps the projections. Run it inside one `REPEATABLE READ` transaction so that all tables
/// come from the same snapshot.
pub(crate) async fn dump(conn: &mut PgConnection) -> Result<String, StoreError> {
    let mut out = String::new();
    let rows = fetch(conn, "SELECT code, name, accession, departure, body FROM members ORDER BY code").await?;
    for r in &rows {
        let line = format!(
            "members code={} name={} accession={} departure={} body={}",
            text(r, "code")?,
            text(r, "name")?,
            text(r, "accession")?,
            text(r, "departure")?,
            raw(r, "body")?,
        );
        push(&mut out, &line);
    }
    let rows = fetch(conn, "SELECT code, name, body FROM partners ORDER BY code").await?;
    for r in &rows {
        let line = format!("partners code={} name={} body={}", text(r, "code")?, text(r, "name")?, raw(r, "body")?);
        push(&mut out, &line);
    }
    let rows =
        fetch(conn, "SELECT id, kind, status, title, deadline, updated, body, decided_seq FROM proposals ORDER BY id")
            .await?;
    for r in &rows {
        let decided: Option<i64> = r.try_get("decided_seq").map_err(from_sqlx)?;
        let line = format!(
            "proposals id={} kind={} status={} title={} deadline={} updated={} decided_seq={} body={}",
            int(r, "id")?,
            text(r, "kind")?,
            text(r, "status")?,
            text(r, "title")?,
            text(r, "deadline")?,
            text(r, "updated")?,
            decided.map_or_else(|| "NULL".to_owned(), |s| s.to_string()),
            raw(r, "body")?,
        );
        push(&mut out, &line);
    }
    let rows = fetch(
        conn,
        "SELECT proposal, member, revision, stance, text, at, signed, signed_at FROM positions ORDER BY proposal, member",
    )
    .await?;
    for r in &rows {
        let signed: bool = r.try_get("signed").map_err(from_sqlx)?;
        let line = format!(
            "positions proposal={} member={} revision={} stance={} text={} at={} signed={signed} signed_at={}",
            int(r, "proposal")?,
            text(r, "member")?,
            int(r, "revision")?,
            text(r, "stance")?,
            text(r, "text")?,
            text(r, "at")?,
            text(r, "signed_at")?,
        );
        push(&mut out, &line);
    }
    Ok(out)
}

async fn fetch(conn: &mut PgConnection, sql: &'static str) -> Result<Vec<PgRow>, StoreError> {
    sqlx::query(sql).fetch_all(conn).await.map_err(from_sqlx)
}

fn push(out: &mut String, line: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{line}");
}

/// A nullable text column, quoted and escaped so that it stays on one line.
fn text(r: &PgRow, column: &str) -> Result<String, StoreError> {
    let v: Option<String> = r.try_get(column).map_err(from_sqlx)?;
    Ok(v.map_or_else(|| "NULL".to_owned(), |s| format!("{s:?}")))
}

/// A JSON body, verbatim (compact JSON holds no newline).
fn raw(r: &PgRow, column: &str) -> Result<String, StoreError> {
    let v: String = r.try_get(column).map_err(from_sqlx)?;
    Ok(v)
}

fn int(r: &PgRow, column: &str) -> Result<i64, StoreError> {
    r.try_get(column).map_err(from_sqlx)
}
