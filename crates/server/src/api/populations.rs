//! `/api/v1/populations`: each member's population for a year, from a named source (issue 15):
//! the weights of the rules that count people (qualified majority, constructive abstention).
//! Population figures are public statistics, as GDP figures are; a procedure fixes the figures it
//! is decided by when it opens, so recording a year again never changes an open one.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use concord_core::Command;
use concord_core::decision_rule::Populations;

use super::Write;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/populations", get(list).post(record)).route("/api/v1/populations/{year}", get(show))
}

/// Every year's figures, oldest first.
#[utoipa::path(get, path = "/api/v1/populations", operation_id = "list_populations", tag = "bodies", security(("bearer" = [])),
    responses((status = 200, body = Vec<Populations>)))]
pub async fn list(State(state): State<AppState>, _caller: Caller) -> Json<Vec<Populations>> {
    let view = state.view().await;
    Json(view.state.populations.values().cloned().collect())
}

/// One year's figures.
#[utoipa::path(get, path = "/api/v1/populations/{year}", operation_id = "show_populations", tag = "bodies", security(("bearer" = [])),
    params(("year" = i16, Path, minimum = 1945, maximum = 9999)),
    responses((status = 200, body = Populations), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    _caller: Caller,
    Path(year): Path<String>,
) -> Result<Json<Populations>, ApiError> {
    let year: i16 =
        year.parse().map_err(|_| ApiError::bad_request("invalid-year", format!("{year:?} is not a year")))?;
    let view = state.view().await;
    let figures = view.state.populations.get(&year).cloned();
    figures.map(Json).ok_or_else(|| ApiError::NotFound(format!("no population figures are recorded for {year}")))
}

/// Records a year's figures (secretariat). A year recorded again is corrected for procedures
/// that open from now on.
#[utoipa::path(post, path = "/api/v1/populations", operation_id = "record_populations", tag = "bodies", security(("bearer" = [])), request_body = Populations,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Populations), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let populations: Populations = w.json()?;
    w.submit(&state, Command::RecordPopulations { populations }).await
}
