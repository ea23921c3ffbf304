//! Liveness, readiness and metrics (served on the metrics listener, not with these routes).

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::AppState;
use crate::problem::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The process can serve: the database answers, the sequencer runs and the log can be written
/// (after a failed append, until a write succeeds again).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "ready"),
    (status = 503, description = "not ready, with the reason", body = crate::problem::Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if !state.sequencer().is_alive() {
        return Err(ApiError::NotReady("the sequencer has stopped".into()));
    }
    if let Some(why) = state.sequencer().trouble() {
        return Err(ApiError::NotReady(why));
    }
    state.store().ping().await.map_err(|e| ApiError::NotReady(format!("the database does not answer: {e}")))?;
    Ok("ready\n")
}

/// The server's metrics in the OpenMetrics text format, for Prometheus. Served only on the
/// metrics listener (`--metrics-addr`), so not part of the public API's document.
pub async fn metrics(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics().encode(),
    )
}
