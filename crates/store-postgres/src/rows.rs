//! This backend's rows decoded to domain values; the column conversions themselves are shared
//! (`concord_store::columns`).

use concord_core::{CountryCode, Position};
use concord_store::StoreError;
pub(crate) use concord_store::columns::*;

/// A position row, as `(proposal id, position)`.
pub(crate) fn position_from_row(r: &sqlx::postgres::PgRow) -> Result<(i64, Position), StoreError> {
    use sqlx::Row;
    let get = |e: sqlx::Error| corrupt("position row", e);
    let member: String = r.try_get("member").map_err(get)?;
    let stance: String = r.try_get("stance").map_err(get)?;
    let at: String = r.try_get("at").map_err(get)?;
    let revision: i64 = r.try_get("revision").map_err(get)?;
    let position = Position {
        member: CountryCode::parse(&member).map_err(|e| corrupt("position row", e))?,
        revision: u32::try_from(revision).map_err(|e| corrupt("position row", e))?,
        stance: decoded(serde_json::from_value(serde_json::Value::String(stance)), "position stance")?,
        text: r.try_get("text").map_err(get)?,
        at: parse_timestamp(&at, "position time")?,
        signed: r.try_get("signed").map_err(get)?,
        signed_at: match r.try_get::<Option<String>, _>("signed_at").map_err(get)? {
            Some(t) => Some(parse_timestamp(&t, "signed position time")?),
            None => None,
        },
    };
    Ok((r.try_get("proposal").map_err(get)?, position))
}
