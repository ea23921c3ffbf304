//! `/api/v1/log/entries`: the log itself, entry by entry, byte for byte.

use axum::Json;
use axum::Router;
use axum::extract::State;

use super::extract::Query;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/log/entries", get(entries))
}

/// `?from=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First sequence number (default 0).
    pub from: Option<u64>,
    /// Entries to return, 1 to 1000 (default 100).
    pub limit: Option<u64>,
}

/// One log entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub seq: u64,
    /// Hex RFC 9162 leaf hash of `entry`'s UTF-8 bytes.
    pub leaf_hash: String,
    /// The entry exactly as stored and hashed: RFC 8785 canonical JSON, as a string.
    pub entry: String,
}

/// A range of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogRange {
    /// Entries in the whole log.
    pub size: u64,
    pub entries: Vec<LogEntry>,
}

/// Entries by range.
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", params(RangeQuery), security(("bearer" = [])),
    responses((status = 200, body = LogRange)))]
pub async fn entries(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<RangeQuery>,
) -> Result<Json<LogRange>, ApiError> {
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::bad_request("invalid-query", format!("limit {n} is not between 1 and 1000"))),
    };
    let size = state.store().log_size().await?;
    let rows = state.store().entries(q.from.unwrap_or(0), limit).await?;
    let entries = rows
        .into_iter()
        .map(|e| {
            let entry =
                String::from_utf8(e.bytes).map_err(|_| ApiError::Internal(format!("entry {} is not UTF-8", e.seq)))?;
            Ok(LogEntry { seq: e.seq, leaf_hash: e.leaf_hash.to_hex(), entry })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LogRange { size, entries }))
}
