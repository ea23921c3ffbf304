//! `/api/v1/members`: the member states, with their accession (and departure) dates.

use axum::Json;
use axum::Router;
use axum::extract::State;

use super::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use concord_core::{Command, CountryCode, Member};
use jiff::civil::Date;
use serde::Deserialize;

use super::{ListQuery, Page, Write};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/members", get(list).post(admit))
        .route("/api/v1/members/{code}", get(show))
        .route("/api/v1/members/{code}/departure", post(depart))
        .route("/api/v1/members/{code}/keys", post(register_key))
        .route("/api/v1/members/{code}/keys/{key_id}/revoke", post(revoke_key))
}

pub(crate) fn code(s: &str) -> Result<CountryCode, ApiError> {
    CountryCode::parse(s).map_err(|e| ApiError::bad_request("invalid-country-code", e.to_string()))
}

/// Members in code order.
#[utoipa::path(get, path = "/api/v1/members", operation_id = "list_members", tag = "members", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<Member>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Member>>, ApiError> {
    let limit = q.limit()?;
    // A cursor that is no country code sorts as text, as it always did: the page after it.
    let view = state.view().await;
    let after = q.after.as_deref().unwrap_or("");
    let items = view.state.members.values().filter(|m| m.code.as_str() > after).take(limit as usize).cloned().collect();
    Ok(Json(Page::new(items, limit, |m| m.code.to_string())))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/members/{code}", operation_id = "show_member", tag = "members", security(("bearer" = [])),
    params(("code" = CountryCode, Path, description = "ISO 3166-1 alpha-3")),
    responses((status = 200, body = Member), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    _caller: Caller,
    Path(c): Path<String>,
) -> Result<Json<Member>, ApiError> {
    let c = code(&c)?;
    let m = state.view().await.state.members.get(&c).cloned();
    m.map(Json).ok_or(ApiError::Refused(concord_core::Refusal::UnknownMember { member: c }))
}

/// Admits a member (secretariat).
#[utoipa::path(post, path = "/api/v1/members", operation_id = "admit_member", tag = "members", security(("bearer" = [])), request_body = Member,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Member), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn admit(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let member: Member = w.json()?;
    w.submit(&state, Command::AdmitMember { member }).await
}

/// A departure date.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Departure {
    /// The first day the state is no longer a member.
    #[schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub on: Date,
}

/// Records a member's departure (secretariat).
#[utoipa::path(post, path = "/api/v1/members/{code}/departure", operation_id = "record_departure", tag = "members", security(("bearer" = [])),
    request_body = Departure, params(("code" = CountryCode, Path)),
    responses((status = 200, body = Member), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn depart(State(state): State<AppState>, Path(c): Path<String>, w: Write) -> Result<Response, ApiError> {
    let member = code(&c)?;
    let d: Departure = w.json()?;
    w.submit(&state, Command::RecordDeparture { member, on: d.on }).await
}

/// A member delegation's key to enrol.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// The signed-note verifier key, named `<origin>/member/<code>` (`concord keygen --member`).
    pub key: String,
    /// Default: now.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_from: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<jiff::Timestamp>,
}

/// Enrols a member delegation's Ed25519 key (secretariat). Answers with the member's keys.
#[utoipa::path(post, path = "/api/v1/members/{code}/keys", operation_id = "register_member_key", tag = "members", security(("bearer" = [])),
    request_body = KeyBody, params(("code" = CountryCode, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, description = "the member's keys"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn register_key(
    State(state): State<AppState>,
    Path(c): Path<String>,
    w: Write,
) -> Result<Response, ApiError> {
    let member = code(&c)?;
    let b: KeyBody = w.json()?;
    w.submit(
        &state,
        Command::RegisterMemberKey { member, key: b.key, valid_from: b.valid_from, valid_until: b.valid_until },
    )
    .await
}

/// Revokes a key from now on (secretariat, or the member itself).
#[utoipa::path(post, path = "/api/v1/members/{code}/keys/{key_id}/revoke", operation_id = "revoke_member_key", tag = "members", security(("bearer" = [])),
    params(("code" = CountryCode, Path), ("key_id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, description = "the member's keys"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Path((c, key_id)): Path<(String, String)>,
    w: Write,
) -> Result<Response, ApiError> {
    let member = code(&c)?;
    w.submit(&state, Command::RevokeMemberKey { member, key_id }).await
}
