//! `/api/v1/partners`: the states the alliance supports. Never members.

use axum::Json;
use axum::Router;
use axum::extract::State;

use super::extract::Query;
use axum::response::Response;
use axum::routing::get;
use concord_core::{Command, Partner};

use super::{ListQuery, Page, Write};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/partners", get(list).post(register))
}

/// Partners in code order.
#[utoipa::path(get, path = "/api/v1/partners", operation_id = "list_partners", tag = "partners", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Partner>)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Partner>>, ApiError> {
    let limit = q.limit()?;
    let view = state.view().await;
    let after = q.after.as_deref().unwrap_or("");
    let items =
        view.state.partners.values().filter(|p| p.code.as_str() > after).take(limit as usize).cloned().collect();
    Ok(Json(Page::new(items, limit, |p| p.code.to_string())))
}

/// Registers a partner (secretariat).
#[utoipa::path(post, path = "/api/v1/partners", operation_id = "register_partner", tag = "partners", security(("bearer" = [])), request_body = Partner,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Partner), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn register(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let partner: Partner = w.json()?;
    w.submit(&state, Command::RegisterPartner { partner }).await
}
