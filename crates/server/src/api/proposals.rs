//! `/api/v1/proposals`: drafting, circulating, amending, deadlines, withdrawal, reopening and
//! outcomes (positions and the grid: `positions.rs`).

use axum::Json;
use axum::Router;
use axum::extract::State;

use super::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, post};
use concord_core::{
    Command, Decision, DecisionKind, Marking, Procedure, Proposal, ProposalAccess, ProposalId, ProposalStatus, Reader,
    Refusal, Significance, Withdrawal,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ListQuery, Page, Write};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/proposals", get(list).post(draft))
        .route("/api/v1/proposals/{id}", get(show))
        .route("/api/v1/proposals/{id}/circulate", post(circulate))
        .route("/api/v1/proposals/{id}/amend", post(amend))
        .route("/api/v1/proposals/{id}/extend", post(extend))
        .route("/api/v1/proposals/{id}/curtail", post(curtail))
        .route("/api/v1/proposals/{id}/withdraw", post(withdraw))
        .route("/api/v1/proposals/{id}/reopen", post(reopen))
        .route("/api/v1/proposals/{id}/outcome", get(outcome))
}

/// A proposal as `caller` may read it (`State::proposal_for`), and how much of it that is. One
/// the caller may not read answers exactly as one that does not exist.
pub(super) async fn load(
    state: &AppState,
    caller: &Caller,
    id: u64,
) -> Result<(ProposalView, ProposalAccess), ApiError> {
    let id = ProposalId(id);
    let view = state.view().await;
    let s = &view.state;
    let reader = caller.reader();
    let shown =
        s.proposals.get(&id).and_then(|p| Some((ProposalView::of(s, reader, p)?, s.proposal_access(reader, p))));
    shown.ok_or(ApiError::Refused(Refusal::UnknownProposal { proposal: id }))
}

/// A proposal as the caller may read it, and the widest audience anything of it is released to:
/// `members` while deliberated (drafts are the secretariat's), a partner or the public when the
/// secretariat circulated the text to them, `public` once adopted and announced. A reader
/// outside the members sees what was circulated to it (texts and deadline, no positions) or the
/// announced outcome only (no earlier revision, circulation or positions).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub marking: Marking,
}

impl ProposalView {
    /// `p` as `reader` may read it, or `None`.
    fn of(s: &concord_core::State, reader: Reader, p: &Proposal) -> Option<Self> {
        let proposal = s.proposal_for(reader, p)?.into_owned();
        Some(Self { marking: s.proposal_reach(p), proposal })
    }
}

/// `?status=&limit=&after=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// Words that must each appear (case-insensitively) in a title or text the caller may read.
    pub q: Option<String>,
    /// Only proposals in this status.
    pub status: Option<ProposalStatus>,
    /// Only proposals of this kind.
    pub kind: Option<concord_core::DecisionKind>,
    /// Only proposals of this body (`principal` for the principal body's own).
    pub body: Option<String>,
    /// Only proposals drafted on or after this UTC day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub drafted_from: Option<jiff::civil::Date>,
    /// Only proposals drafted on or before this UTC day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub drafted_to: Option<jiff::civil::Date>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    #[param(value_type = Option<u64>)]
    pub after: Option<String>,
}

/// Proposals in id order, as the caller may read them, found by words of their titles and texts,
/// status, kind and the day they were drafted.
#[utoipa::path(get, path = "/api/v1/proposals", operation_id = "list_proposals", tag = "proposals", params(ProposalQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<ProposalView>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ProposalQuery>,
) -> Result<Json<Page<ProposalView>>, ApiError> {
    let limit = ListQuery { limit: q.limit, after: None }.limit()?;
    let after = super::params::id("after", q.after.as_deref())?.map(ProposalId);
    let view = state.view().await;
    let s = &view.state;
    let body = q
        .body
        .as_deref()
        .map(|b| {
            concord_core::search::BodyScope::parse(b).ok().filter(|scope| scope.exists_in(s)).ok_or_else(|| {
                ApiError::bad_request("invalid-query", format!("body {b:?} is not a body (GET /api/v1/bodies)"))
            })
        })
        .transpose()?;
    let mut filter = concord_core::search::ProposalFilter::words(q.q.as_deref().unwrap_or_default());
    (filter.status, filter.kind, filter.body, filter.drafted_from, filter.drafted_to) =
        (q.status, q.kind, body, q.drafted_from, q.drafted_to);
    // Matched on what the caller may read, never on the whole record (`concord_core::search`).
    let items = super::params::from_cursor(&s.proposals, after)
        .filter_map(|p| ProposalView::of(s, caller.reader(), p))
        .filter(|v| filter.matches(&v.proposal))
        .take(limit as usize)
        .collect();
    Ok(Json(Page::new(items, limit, |p: &ProposalView| p.proposal.id.to_string())))
}

/// One proposal: every revision, the circulation, current positions and any decision.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", operation_id = "show_proposal", tag = "proposals", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = ProposalView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<ProposalView>, ApiError> {
    load(&state, &caller, id).await.map(|(p, _)| Json(p))
}

/// A new draft.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// The body that decides it (`GET /api/v1/bodies`); none: the principal body, where every
    /// member decides by consensus.
    #[schema(value_type = Option<String>, example = "npg", pattern = "^[a-z][a-z0-9-]{0,31}$")]
    pub body: Option<concord_core::BodyId>,
    /// The principal body's proposal whose adoption it waits for: it is circulated only once
    /// that one is adopted. It must already have been circulated, and be readable by every
    /// partner taking part in this proposal's body.
    #[schema(value_type = Option<u64>)]
    pub follows: Option<ProposalId>,
    pub kind: DecisionKind,
    /// Defaults from the kind.
    pub significance: Option<Significance>,
    pub title: String,
    pub text: String,
}

/// Drafts a proposal (secretariat).
#[utoipa::path(post, path = "/api/v1/proposals", operation_id = "draft_proposal", tag = "proposals", security(("bearer" = [])), request_body = DraftBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Proposal), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn draft(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let b: DraftBody = w.json()?;
    w.submit(
        &state,
        Command::DraftProposal {
            body: b.body,
            follows: b.follows,
            kind: b.kind,
            significance: b.significance,
            title: b.title,
            text: b.text,
        },
    )
    .await
}

/// How and until when a draft is circulated.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CirculateBody {
    pub procedure: Procedure,
    /// RFC 3339; must be in the future.
    #[schema(value_type = String, format = DateTime)]
    pub deadline: Timestamp,
    /// Releases the texts and the procedure beyond the members (`members+partner:UKR`,
    /// `public`); positions stay with the members. Absent: the members only.
    #[serde(default)]
    pub marking: Option<concord_core::Marking>,
    /// Why the silence must be shorter than the deployment's minimum (the log's
    /// `min_silence`); recorded with the procedure and shown with it. A shorter silence without
    /// it is refused (`silence-too-short`).
    #[serde(default)]
    pub urgent: Option<String>,
}

/// Circulates a draft to the members of the day (secretariat).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/circulate", tag = "proposals", security(("bearer" = [])),
    request_body = CirculateBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn circulate(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: CirculateBody = w.json()?;
    w.submit(
        &state,
        Command::Circulate {
            proposal: ProposalId(id),
            procedure: b.procedure,
            deadline: b.deadline,
            marking: b.marking,
            urgent: b.urgent,
        },
    )
    .await
}

/// A new revision of the text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendBody {
    /// Keeps the current title if absent.
    pub title: Option<String>,
    pub text: String,
    /// Required when the proposal is open: the amended text is circulated again until then.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline: Option<Timestamp>,
    /// Why the silence must be shorter than the deployment's minimum (the log's
    /// `min_silence`); recorded with the procedure and shown with it. A shorter silence without
    /// it is refused (`silence-too-short`).
    #[serde(default)]
    pub urgent: Option<String>,
}

/// Amends a draft or an open proposal (secretariat). An open one is circulated again; positions
/// on the old text no longer count.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/amend", tag = "proposals", security(("bearer" = [])),
    request_body = AmendBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn amend(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: AmendBody = w.json()?;
    w.submit(
        &state,
        Command::AmendProposal {
            proposal: ProposalId(id),
            title: b.title,
            text: b.text,
            deadline: b.deadline,
            urgent: b.urgent,
        },
    )
    .await
}

/// A new deadline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    #[schema(value_type = String, format = DateTime)]
    pub deadline: Timestamp,
}

/// Moves the deadline later (secretariat).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/extend", tag = "proposals", security(("bearer" = [])),
    request_body = DeadlineBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn extend(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: DeadlineBody = w.json()?;
    w.submit(&state, Command::ExtendDeadline { proposal: ProposalId(id), deadline: b.deadline }).await
}

/// An earlier deadline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurtailBody {
    #[schema(value_type = String, format = DateTime)]
    pub deadline: Timestamp,
    /// Why the silence must be shorter than the deployment's minimum (the log's
    /// `min_silence`); recorded with the procedure and shown with it. A shorter silence without
    /// it is refused (`silence-too-short`).
    #[serde(default)]
    pub urgent: Option<String>,
}

/// Moves the deadline earlier, still in the future (secretariat).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/curtail", tag = "proposals", security(("bearer" = [])),
    request_body = CurtailBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn curtail(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: CurtailBody = w.json()?;
    w.submit(&state, Command::CurtailDeadline { proposal: ProposalId(id), deadline: b.deadline, urgent: b.urgent })
        .await
}

/// Why a proposal is withdrawn.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    pub reason: String,
}

/// Withdraws a draft or an open proposal (secretariat).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", operation_id = "withdraw_proposal", tag = "proposals", security(("bearer" = [])),
    request_body = WithdrawBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: WithdrawBody = w.json()?;
    w.submit(&state, Command::Withdraw { proposal: ProposalId(id), reason: b.reason }).await
}

/// Why a proposal goes back into negotiation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub reason: String,
}

/// Takes a blocked or not adopted proposal back into negotiation (secretariat): its decision
/// becomes an earlier round (`rounds`), its positions lapse, and it may be amended and
/// circulated again under a new procedure, to the audience it was first circulated to.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/reopen", operation_id = "reopen_proposal", tag = "proposals", security(("bearer" = [])),
    request_body = ReopenBody, params(("id" = u64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = Proposal), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn reopen(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: ReopenBody = w.json()?;
    w.submit(&state, Command::Reopen { proposal: ProposalId(id), reason: b.reason }).await
}

/// A proposal's outcome and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutcomeView {
    pub proposal: ProposalId,
    pub status: ProposalStatus,
    /// Whether the proposal is decided or withdrawn: then nothing about it changes any more.
    #[serde(rename = "final")]
    pub final_: bool,
    /// A sentence a person can read.
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
    /// The decision's place in the log, with its proof (when decided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<DecisionProof>,
}

/// Where a decision is recorded, and the proof of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionProof {
    /// The sequence number of the log entry recording the decision.
    pub entry: u64,
    /// A c2sp.org/tlog-proof bundle: the entry's inclusion proof and the signed (and cosigned)
    /// checkpoint it is proved against. Check it with the entry's bytes
    /// (`/api/v1/log/entries?from=<entry>&limit=1`) and the log's key.
    pub bundle: String,
}

/// The outcome of a proposal, with who concurred explicitly or by silence, who objected and when,
/// reservations and opt-outs: the decision as its log entry records it. A reader outside the
/// members reads only an announced decision (adopted, of a public kind), as that entry releases it.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/outcome", tag = "proposals", security(("bearer" = [])),
    params(("id" = u64, Path)), responses((status = 200, body = OutcomeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn outcome(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<OutcomeView>, ApiError> {
    let (ProposalView { proposal: p, .. }, access) = load(&state, &caller, id).await?;
    // The proof is of the decision's entry: given with the decision, never without it.
    let entry = p.decision.as_ref().and(state.view().await.decisions.get(&p.id).copied());
    let proof = match entry {
        Some(entry) => Some(DecisionProof { entry, bundle: super::log::proof_bundle(&state, entry).await? }),
        None => None,
    };
    Ok(Json(OutcomeView {
        proof,
        proposal: p.id,
        status: p.status,
        final_: p.status.is_final(),
        // The decision as recorded is what its log entry releases to this reader.
        explanation: explain(&p, access),
        decision: p.decision.clone(),
        withdrawal: p.withdrawal.clone(),
    }))
}

fn explain(p: &Proposal, access: ProposalAccess) -> String {
    if let Some(d) = &p.decision {
        return d.explain();
    }
    // A reader the text was circulated to reads no position: the state, in words, and no count.
    if access == ProposalAccess::Circulated {
        return match (p.status.is_final(), &p.circulation) {
            (true, _) => {
                format!("The proposal is {}: the positions and the decision are the members'.", p.status.words())
            }
            (false, Some(c)) => {
                format!("Under {} procedure until {}: the positions are the members'.", c.procedure.words(), c.deadline)
            }
            (false, None) => "Not circulated.".into(),
        };
    }
    if let Some(w) = &p.withdrawal {
        return format!("Withdrawn by the secretariat at {}: {}", w.at, w.reason);
    }
    let Some(c) = &p.circulation else {
        return "A draft: not yet circulated.".into();
    };
    let responded = p.positions.len();
    let n = c.electorate.len();
    match c.procedure {
        Procedure::Silence => format!(
            "Under silence until {}: {responded} of {n} electors have responded. It is adopted at the deadline unless an elector breaks silence before it.",
            c.deadline
        ),
        Procedure::ConsensusRound => {
            let consenting = p.positions.values().filter(|x| x.stance.consents()).count();
            format!(
                "In a consensus round until {}: {consenting} of {n} electors have consented. Silence is not consent: every elector must concur or opt out before the deadline.",
                c.deadline
            )
        }
        Procedure::Vote => format!(
            "Put to the vote until {}: {responded} of {n} electors have voted. The body's rule counts the votes once every elector has voted or at the deadline; an elector who does not vote takes no part.",
            c.deadline
        ),
    }
}
