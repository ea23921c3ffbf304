//! `/api/v1/proposals/{id}/positions` and `/instructions`: what the member delegations say on
//! a proposal: a position on the current text, or word that the delegation awaits instructions
//! from its capital (not a position: silence is not broken), and the consensus grid of both.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use concord_core::{
    Actor, Awaiting, Command, CountryCode, Proposal, ProposalAccess, ProposalId, ProposalStatus, Refusal, Stance,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::Write;
use super::extract::Path;
use super::proposals::{ProposalView, load};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/proposals/{id}/positions", get(positions).post(take_position))
        .route("/api/v1/proposals/{id}/instructions", post(await_instructions))
}

/// The member a delegation (or a partner taking part in the proposal's body) speaks for: the one
/// named, or else the caller's own. Naming another is refused by the domain (`NotPermitted`),
/// which knows who may speak for whom.
fn speaking_for(named: Option<CountryCode>, caller: Actor, action: &'static str) -> Result<CountryCode, ApiError> {
    match named.or_else(|| caller.elector()) {
        Some(m) => Ok(m),
        None => Err(Refusal::NotPermitted { actor: caller, action }.into()),
    }
}

/// A position on the current revision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionBody {
    /// The member taking the position; defaults to the caller's own. Another member's, when the
    /// caller acts for it by proxy in the proposal's body (and then signs with its own key).
    pub member: Option<CountryCode>,
    /// The revision read: a position on an older text is refused.
    pub revision: u32,
    pub stance: Stance,
    /// The reservation, amendment, or the text of an objection or opt-out.
    pub text: Option<String>,
    /// The member's signed statement of this position: a c2sp.org/signed-note whose text is a
    /// `concord/position/v1` statement, signed with the member's enrolled key (the CLI's
    /// `position take --key` makes one). Required unless the log accepts unsigned positions.
    pub signed_note: Option<String>,
}

/// Takes a position (a member delegation, for its own member or, by proxy, for the member it acts for). Answers with the proposal, which
/// carries the decision if this position ended the procedure.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/positions", tag = "positions", security(("bearer" = [])),
    request_body = PositionBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = Proposal),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn take_position(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: PositionBody = w.json()?;
    let member = speaking_for(b.member, w.caller.actor, "take positions; only a member delegation can")?;
    let command = Command::TakePosition {
        proposal: ProposalId(id),
        member,
        revision: b.revision,
        stance: b.stance,
        text: b.text,
        evidence: b.signed_note,
    };
    w.submit(&state, command).await
}

/// A delegation's word that it awaits instructions from its capital.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructionsBody {
    /// The member whose delegation awaits instructions; defaults to the caller's own.
    pub member: Option<CountryCode>,
    /// For the secretariat and the other delegations ("instructions expected on Friday").
    pub note: Option<String>,
}

/// Tells the secretariat and the other members that the delegation awaits instructions from its
/// capital (a member delegation, for its own member, while it has no position on the current
/// text). Not a position: silence is not broken, and it lapses when the delegation takes one.
/// Answers with the proposal.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/instructions", operation_id = "await_instructions", tag = "positions",
    security(("bearer" = [])), request_body = InstructionsBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn await_instructions(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: InstructionsBody = w.json()?;
    let action = "say a delegation awaits instructions; only the delegation can";
    let member = speaking_for(b.member, w.caller.actor, action)?;
    w.submit(&state, Command::AwaitInstructions { proposal: ProposalId(id), member, note: b.note }).await
}

/// One elector's standing on the current revision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub member: CountryCode,
    /// Absent while the elector has said nothing.
    pub stance: Option<Stance>,
    pub text: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    pub signed: bool,
    /// The member that took it for this one, by proxy.
    pub proxy: Option<CountryCode>,
    /// Since when, and with what note, an elector without a position awaits instructions from
    /// its capital (not a position: it has not broken silence), while the procedure is open.
    /// Absent otherwise.
    pub awaiting: Option<Awaiting>,
}

/// The grid: every elector and where it stands (its consensus stance, or in a vote its vote).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Grid {
    pub proposal: ProposalId,
    pub revision: u32,
    pub text_hash: String,
    pub status: ProposalStatus,
    pub electors: Vec<Standing>,
}

/// The consensus grid of a proposal (positions are marked for the members: anyone else shown
/// the proposal's outcome is refused its grid).
#[utoipa::path(get, path = "/api/v1/proposals/{id}/positions", tag = "positions", security(("bearer" = [])),
    params(("id" = u64, Path)), responses((status = 200, body = Grid), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn positions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Grid>, ApiError> {
    let (ProposalView { proposal: p, .. }, access) = load(&state, &caller, id).await?;
    if access != ProposalAccess::Full {
        let action = "read the positions on a proposal; they are for the members";
        return Err(Refusal::NotPermitted { actor: caller.actor, action }.into());
    }
    let electors = p
        .electorate()
        .iter()
        .map(|m| {
            let pos = p.positions.get(m);
            Standing {
                member: *m,
                stance: pos.map(|x| x.stance),
                text: pos.and_then(|x| x.text.clone()),
                at: pos.map(|x| x.at),
                signed: pos.is_some_and(|x| x.signed),
                proxy: pos.and_then(|x| x.proxy),
                // A position ends the wait (the state clears it then), and so does the deadline.
                awaiting: p.awaiting.get(m).filter(|_| pos.is_none() && p.status.is_open()).cloned(),
            }
        })
        .collect();
    let rev = p.current();
    Ok(Json(Grid {
        proposal: p.id,
        revision: rev.number,
        text_hash: rev.text_hash.clone(),
        status: p.status,
        electors,
    }))
}
