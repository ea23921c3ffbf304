//! `/api/v1/bodies`: the councils and committees that decide, each with its roster and its
//! decision rule (issue 15). Bodies are public, as the members are: who decides by which rule is
//! no secret; what a body deliberates is, and stays with the proposals. `/api/v1/chairs`: who
//! chairs which body from when, the principal body's included.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use concord_core::decision_rule::Rule;
use concord_core::{Body, BodyId, Chair, ChairTerm, Command, CountryCode, DecisionKind, Procedure, Proxy, Roster};
use serde::{Deserialize, Serialize};

use super::Write;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/bodies", get(list).post(establish))
        .route("/api/v1/bodies/{id}", get(show))
        .route("/api/v1/bodies/{id}/rule", post(change_rule))
        .route("/api/v1/bodies/{id}/proxies", get(proxies).post(authorise_proxy))
        .route("/api/v1/bodies/{id}/proxies/{member}/end", post(end_proxy))
        .route("/api/v1/chairs", get(chairs).post(appoint_chair))
}

/// A body as it stands: its record, who sits in it today, and its rule in words.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BodyView {
    #[serde(flatten)]
    pub body: Body,
    /// The members taking part on today's UTC day, in code order.
    pub roster_today: Vec<CountryCode>,
    /// The rule, in one sentence a delegate reads.
    pub rule_words: String,
    /// Who chairs it now; absent: nobody is in office (none was appointed, or the member
    /// appointed has departed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^(secretariat|[A-Z]{3})$")]
    pub chair: Option<Chair>,
}

impl BodyView {
    fn of(state: &concord_core::State, body: &Body, now: jiff::Timestamp) -> Self {
        Self {
            roster_today: state.roster(Some(&body.id), now).unwrap_or_default(),
            rule_words: body.rule.words(),
            chair: state.chair_of(Some(&body.id), now),
            body: body.clone(),
        }
    }
}

/// A body id from the path: a malformed one is the client's mistake (400), as a malformed
/// country code is.
fn body_id(s: &str) -> Result<BodyId, ApiError> {
    BodyId::parse(s).map_err(|reason| ApiError::bad_request("invalid-body-id", reason))
}

/// Every body, by id.
#[utoipa::path(get, path = "/api/v1/bodies", operation_id = "list_bodies", tag = "bodies", security(("bearer" = [])),
    responses((status = 200, body = Vec<BodyView>)))]
pub async fn list(State(state): State<AppState>, _caller: Caller) -> Result<Json<Vec<BodyView>>, ApiError> {
    let view = state.view().await;
    let now = state.clock().now();
    Ok(Json(view.state.bodies.values().map(|b| BodyView::of(&view.state, b, now)).collect()))
}

/// One body.
#[utoipa::path(get, path = "/api/v1/bodies/{id}", operation_id = "show_body", tag = "bodies", security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[a-z][a-z0-9-]{0,31}$")),
    responses((status = 200, body = BodyView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BodyView>, ApiError> {
    let id = body_id(&id)?;
    let view = state.view().await;
    let body = view.state.body(&id)?;
    Ok(Json(BodyView::of(&view.state, body, state.clock().now())))
}

/// A new body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBody {
    /// Lower-case letters, digits and hyphens, starting with a letter: `npg`.
    #[schema(value_type = String, pattern = "^[a-z][a-z0-9-]{0,31}$", example = "npg")]
    pub id: BodyId,
    pub name: String,
    /// The body it reports to.
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9-]{0,31}$")]
    pub parent: Option<BodyId>,
    pub roster: Roster,
    /// The kinds of proposal it decides; none listed: every kind.
    #[serde(default)]
    pub kinds: Vec<DecisionKind>,
    /// The procedures it decides by; none listed: silence and consensus rounds.
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    /// Default: consensus.
    #[serde(default)]
    pub rule: Rule,
    /// Whether its rules allow a member to act for one other (default: no).
    #[serde(default)]
    pub proxies: bool,
}

/// Establishes a body (secretariat).
#[utoipa::path(post, path = "/api/v1/bodies", operation_id = "establish_body", tag = "bodies", security(("bearer" = [])), request_body = NewBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Body), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn establish(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let b: NewBody = w.json()?;
    let command = Command::EstablishBody {
        id: b.id,
        name: b.name,
        parent: b.parent,
        roster: b.roster,
        kinds: b.kinds,
        procedures: b.procedures,
        rule: b.rule,
        proxies: b.proxies,
    };
    w.submit(&state, command).await
}

/// A body's rule from now on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    pub rule: Rule,
    /// Why, for the record.
    pub reason: String,
}

/// Changes a body's rule from now on (secretariat): a new version; a procedure already open
/// keeps the rule it opened under.
#[utoipa::path(post, path = "/api/v1/bodies/{id}/rule", operation_id = "change_rule", tag = "bodies", security(("bearer" = [])), request_body = NewRule,
    params(("id" = String, Path, pattern = "^[a-z][a-z0-9-]{0,31}$"), ("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 200, body = Body), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn change_rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: NewRule = w.json()?;
    let body = body_id(&id)?;
    w.submit(&state, Command::ChangeRule { body, rule: b.rule, reason: b.reason }).await
}

/// Every appointment to a body's chair, the principal body's (no `body`) included, in the order
/// made: a body's chair on a day is the last to take effect by then. Public, as bodies are.
#[utoipa::path(get, path = "/api/v1/chairs", operation_id = "list_chairs", tag = "bodies", security(("bearer" = [])),
    responses((status = 200, body = Vec<ChairTerm>)))]
pub async fn chairs(State(state): State<AppState>, _caller: Caller) -> Result<Json<Vec<ChairTerm>>, ApiError> {
    Ok(Json(state.view().await.state.chairs.iter().cloned().collect()))
}

/// An appointment to a body's chair.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChair {
    /// The body; absent: the principal body.
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9-]{0,31}$")]
    pub body: Option<BodyId>,
    /// `secretariat`, or a member's alpha-3 code.
    #[schema(value_type = String, pattern = "^(secretariat|[A-Z]{3})$")]
    pub chair: Chair,
    /// When it takes effect (now or later; default: now).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
}

/// Appoints a body's chair from a day (secretariat): the secretariat, or a member sitting in it
/// (the Council of the EU's presidency). It answers the body's appointments, in the order made.
#[utoipa::path(post, path = "/api/v1/chairs", operation_id = "appoint_chair", tag = "bodies", security(("bearer" = [])), request_body = NewChair,
    responses((status = 201, body = Vec<ChairTerm>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn appoint_chair(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let c: NewChair = w.json()?;
    w.submit(&state, Command::AppointChair { body: c.body, chair: c.chair, from: c.from }).await
}

/// The authorisations given in a body to act for another member, in the order given. They are
/// the members' business, as positions are: the secretariat and member delegations read them.
#[utoipa::path(get, path = "/api/v1/bodies/{id}/proxies", operation_id = "list_proxies", tag = "bodies", security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[a-z][a-z0-9-]{0,31}$")),
    responses((status = 200, body = Vec<Proxy>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn proxies(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Proxy>>, ApiError> {
    let id = body_id(&id)?;
    let view = state.view().await;
    view.state.body(&id)?;
    // A departed member's delegation, or one outside the body, reads what the public reads
    // (`State::cleared_in`).
    if !view.state.cleared_in(caller.reader(), Some(&id)).is_member_cleared() {
        let action = "read proxies; they are the body's members'";
        return Err(ApiError::Refused(concord_core::Refusal::NotPermitted { actor: caller.actor, action }));
    }
    Ok(Json(view.state.proxies.get(&id).cloned().unwrap_or_default()))
}

/// An authorisation to act for a member.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProxy {
    /// The member authorising: only its own delegation may.
    pub member: CountryCode,
    /// The member that will act for it.
    pub proxy: CountryCode,
    /// Default: now.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub until: jiff::Timestamp,
    /// The member's signed authorisation: a signed note of a `concord/proxy/v1` statement by
    /// its own key, stating this body, member, proxy, `from` and `until` (`concord body proxy
    /// --key` signs one). Required where the log requires signed positions.
    pub signed_note: Option<String>,
}

/// Authorises a member to act for another in a body whose rules allow it (Art. 239 TFEU: each
/// member acts for at most one other). Positions it takes for that member say so.
#[utoipa::path(post, path = "/api/v1/bodies/{id}/proxies", operation_id = "authorise_proxy", tag = "bodies", security(("bearer" = [])), request_body = NewProxy,
    params(("id" = String, Path, pattern = "^[a-z][a-z0-9-]{0,31}$"), ("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Vec<Proxy>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn authorise_proxy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: NewProxy = w.json()?;
    let body = body_id(&id)?;
    let command = Command::AuthoriseProxy {
        body,
        member: b.member,
        proxy: b.proxy,
        from: b.from,
        until: b.until,
        evidence: b.signed_note,
    };
    w.submit(&state, command).await
}

/// Ends, now, the authorisation a member gave in a body.
#[utoipa::path(post, path = "/api/v1/bodies/{id}/proxies/{member}/end", operation_id = "end_proxy", tag = "bodies", security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[a-z][a-z0-9-]{0,31}$"), ("member" = String, Path, pattern = "^[A-Z]{3}$"),
        ("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 200, body = Vec<Proxy>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn end_proxy(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    w: Write,
) -> Result<Response, ApiError> {
    let body = body_id(&id)?;
    let member = CountryCode::parse(&member).map_err(|e| ApiError::bad_request("invalid-member", e.to_string()))?;
    w.submit(&state, Command::EndProxy { body, member }).await
}
