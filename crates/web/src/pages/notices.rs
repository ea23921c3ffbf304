//! `/notices`: what concerns the viewer — procedures opened, texts circulated again, deadlines
//! moved, reminders while its delegation has taken no position, outcomes; for a partner, its
//! requests' coverage and deliveries to confirm — newest first, the unread marked. The count of
//! unread notices sits in the navigation of every page, and the page script keeps it live over
//! the event stream (`/notices/count`). The secretariat also sees how delivery stands: what
//! waits, what went, what failed and why.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_server::AppState;
use concord_server::notifier::WebMessage;
use concord_store::{Channel, MessageFilter, MessageState};
use serde::Deserialize;

use super::page;
use crate::WebError;
use crate::layout::Layout;
use crate::session::Viewer;

pub(crate) fn routes() -> super::Routes {
    vec![("/notices", get(show)), ("/notices/read", post(mark_read)), ("/notices/count", get(count))]
}

/// How many notices a list shows.
const SHOWN: u64 = 100;

/// A notice as the page lists it.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub summary: String,
    pub href: String,
    pub at: String,
    pub at_iso: String,
    pub unread: bool,
    pub pressing: bool,
}

/// A message of the outbox as the secretariat's table lists it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub channel: &'static str,
    pub to: String,
    pub destination: String,
    pub state: &'static str,
    pub attempts: u32,
    pub next: String,
    pub error: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    layout: Layout,
    rows: Vec<NoticeRow>,
    unread: u64,
    csrf: String,
    /// The secretariat's view of delivery: counts, then the messages not delivered.
    outbox: Option<Outbox>,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
    pub rows: Vec<DeliveryRow>,
}

fn channel_words(c: Channel) -> &'static str {
    match c {
        Channel::Email => "e-mail",
        Channel::Webhook => "webhook",
        Channel::Web => "web",
    }
}

fn state_words(s: MessageState) -> &'static str {
    match s {
        MessageState::Pending => "pending",
        MessageState::Delivered => "delivered",
        MessageState::Failed => "failed",
    }
}

fn summary(body: &str) -> (String, String, bool) {
    WebMessage::parse(body)
        .map_or_else(|| (String::new(), "/notices".into(), false), |m| (m.summary(), m.path(), m.pressing()))
}

/// `GET /notices`.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let store = state.store();
    let mine = MessageFilter { recipient: Some(viewer.actor), channel: Some(Channel::Web), state: None };
    let rows = store
        .messages(&mine, 0, SHOWN)
        .await?
        .into_iter()
        .map(|m| {
            let (summary, href, pressing) = summary(&m.body);
            NoticeRow {
                summary,
                href,
                at: crate::timefmt::utc(m.created_at),
                at_iso: crate::timefmt::iso(m.created_at),
                unread: m.state == MessageState::Pending,
                pressing,
            }
        })
        .collect();
    let unread = viewer.unread;
    let outbox = if viewer.is_secretariat() { Some(outbox(&state).await?) } else { None };
    let layout = Layout::new(Some(&viewer), "Notices", "/notices");
    page(&NoticesPage { layout, rows, unread, csrf: viewer.csrf.clone(), outbox })
}

async fn outbox(state: &AppState) -> Result<Outbox, WebError> {
    let store = state.store();
    let of = |s| MessageFilter { recipient: None, channel: None, state: Some(s) };
    let sent = |s| async move { store.count_messages(&of(s)).await };
    let (pending, delivered, failed) =
        (sent(MessageState::Pending).await?, sent(MessageState::Delivered).await?, sent(MessageState::Failed).await?);
    let mut undelivered = store.messages(&of(MessageState::Failed), 0, 50).await?;
    let not_web = MessageFilter { recipient: None, channel: None, state: Some(MessageState::Pending) };
    undelivered
        .extend(store.messages(&not_web, 0, 200).await?.into_iter().filter(|m| m.channel != Channel::Web).take(50));
    let rows = undelivered
        .into_iter()
        .filter(|m| m.channel != Channel::Web)
        .map(|m| DeliveryRow {
            channel: channel_words(m.channel),
            to: concord_server::notifier::reader_of(m.recipient).to_string(),
            destination: m.destination,
            state: state_words(m.state),
            attempts: m.attempts,
            next: if m.state == MessageState::Pending { crate::timefmt::utc(m.next_attempt_at) } else { String::new() },
            error: m.last_error.unwrap_or_default(),
            summary: summary(&m.body).0,
        })
        .collect();
    Ok(Outbox { pending, delivered, failed, rows })
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /notices/read`: marks every notice of the viewer read.
pub async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<ReadForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    state.store().mark_read(&viewer.actor, state.clock().now()).await?;
    Ok(Redirect::to("/notices").into_response())
}

/// `GET /notices/count`: the unread count, for the page script to keep the navigation live.
pub async fn count(viewer: Viewer) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        viewer.unread.to_string(),
    )
        .into_response()
}
