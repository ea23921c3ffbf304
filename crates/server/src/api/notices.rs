//! `/api/v1/notices`: a reader's own notices (the web channel of the outbox), and
//! `/api/v1/outbox`: every message and how its delivery stands, for the secretariat.
//!
//! Need to know: a notice was addressed to one reader, who alone reads it here; it says no more
//! than that reader may read (the domain chose its readers by the access rule). The outbox shows
//! the secretariat where notices went and which failed, so that it can act on a silent channel.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use concord_core::notice::Notice;
use concord_store::{Channel, Message, MessageFilter, MessageState};
use serde::{Deserialize, Serialize};

use super::Write;
use super::extract::Query;
use crate::AppState;
use crate::auth::Caller;
use crate::notifier::{WebMessage, reader_of};
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notices", get(inbox))
        .route("/api/v1/notices/read", post(mark_read))
        .route("/api/v1/outbox", get(outbox))
}

/// `?limit=&unread=` on the inbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// At most this many, newest first (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Only those not yet read.
    pub unread: Option<bool>,
}

/// A reader's notices, newest first, and how many are unread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub unread: u64,
    pub items: Vec<InboxItem>,
}

/// One message of the reader's: a notice computed from the log, or (with `notice` null) a word
/// about delivery itself, such as a webhook of the reader's that was disabled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub read: bool,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    /// One line a person reads.
    pub summary: String,
    /// The page of the web interface it concerns.
    pub path: String,
    pub notice: Option<Notice>,
}

fn limit(n: Option<u32>) -> Result<u64, ApiError> {
    match n {
        None => Ok(u64::from(super::DEFAULT_LIMIT)),
        Some(n @ 1..=super::MAX_LIMIT) => Ok(u64::from(n)),
        Some(n) => Err(ApiError::bad_request("invalid-query", format!("limit {n} is not between 1 and 500"))),
    }
}

/// The caller's notices: what the log said that concerns it, and the reminders it was sent.
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, body = Inbox),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Inbox>, ApiError> {
    let limit = limit(q.limit)?;
    let mine = MessageFilter { recipient: Some(caller.actor), channel: Some(Channel::Web), state: None };
    let unread_only = MessageFilter { state: Some(MessageState::Pending), ..mine.clone() };
    let unread = state.store().count_messages(&unread_only).await?;
    let filter = if q.unread == Some(true) { unread_only } else { mine };
    let items = state
        .store()
        .messages(&filter, 0, limit)
        .await?
        .into_iter()
        .filter_map(|m| {
            let read = m.state != MessageState::Pending;
            let said = WebMessage::parse(&m.body)?;
            let (summary, path) = (said.summary(), said.path());
            Some(InboxItem { read, at: m.created_at, summary, path, notice: said.into_notice() })
        })
        .collect();
    Ok(Json(Inbox { unread, items }))
}

/// How many notices were marked read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Marks every notice of the caller read.
#[utoipa::path(post, path = "/api/v1/notices/read", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Marked),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn mark_read(State(state): State<AppState>, w: Write) -> Result<Json<Marked>, ApiError> {
    // A write (its Idempotency-Key checked as every write's), though not an entry of the log.
    let marked = state.store().mark_read(&w.caller.actor, state.clock().now()).await?;
    Ok(Json(Marked { marked }))
}

/// `?state=&channel=&limit=` on the outbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// pending, delivered or failed.
    #[param(pattern = "^(pending|delivered|failed)$")]
    pub state: Option<String>,
    /// email, webhook or web.
    #[param(pattern = "^(email|webhook|web)$")]
    pub channel: Option<String>,
    /// At most this many, newest first (1 to 500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// One message and how its delivery stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: String,
    /// email, webhook or web.
    pub channel: String,
    /// The reader it is for: `secretariat`, `member:FRA`, `partner:UKR`, `public`.
    pub to: String,
    /// The e-mail address or webhook subscription; empty for the web.
    pub destination: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: u32,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: jiff::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<jiff::Timestamp>,
    pub last_error: Option<String>,
    /// One line a person reads: the notice's, or a word about delivery (notice null).
    pub summary: String,
    pub notice: Option<Notice>,
}

impl From<Message> for OutboxItem {
    fn from(m: Message) -> Self {
        let said = WebMessage::parse(&m.body);
        Self {
            summary: said.as_ref().map(WebMessage::summary).unwrap_or_default(),
            notice: said.and_then(WebMessage::into_notice),
            id: m.id,
            channel: m.channel.as_str().to_owned(),
            to: reader_of(m.recipient).to_string(),
            destination: m.destination,
            state: m.state.as_str().to_owned(),
            attempts: m.attempts,
            created_at: m.created_at,
            next_attempt_at: m.next_attempt_at,
            delivered_at: m.delivered_at,
            last_error: m.last_error,
        }
    }
}

/// Every message notices became, newest first, with its delivery (secretariat).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "notices", security(("bearer" = [])), params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxItem>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn outbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxItem>>, ApiError> {
    if caller.actor != concord_core::Actor::Secretariat {
        let action = "read the outbox; it is the secretariat's";
        return Err(concord_core::Refusal::NotPermitted { actor: caller.actor, action }.into());
    }
    let bad = |field: &str, v: &str| {
        ApiError::bad_request("invalid-query", format!("{field} {v:?} is not one of those listed"))
    };
    let channel = q.channel.as_deref().map(|c| Channel::parse(c).map_err(|_| bad("channel", c))).transpose()?;
    let wanted = q.state.as_deref().map(|s| MessageState::parse(s).map_err(|_| bad("state", s))).transpose()?;
    let filter = MessageFilter { recipient: None, channel, state: wanted };
    let items = state.store().messages(&filter, 0, limit(q.limit)?).await?;
    Ok(Json(items.into_iter().map(OutboxItem::from).collect()))
}
