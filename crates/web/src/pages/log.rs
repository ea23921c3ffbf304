//! `/log`: the public record. The latest signed checkpoint, the newest entries as stored (the
//! canonical JSON that is hashed), and how anyone checks it without trusting this server.
//! Readable without signing in, like the API's `/log` endpoints.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use concord_server::AppState;
use serde::Deserialize;

use super::page;
use crate::WebError;
use crate::layout::Layout;
use crate::session::MaybeViewer;

/// The public log.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/log", get(show))
}

/// Entries per page.
const PER_PAGE: u64 = 25;

/// An entry as listed.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub seq: u64,
    pub leaf_hash: String,
    pub record: String,
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    layout: Layout,
    size: u64,
    checkpoint: String,
    log_key: String,
    base: String,
    entries: Vec<EntryRow>,
    older: Option<u64>,
    newer: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    /// The newest entry to show (default: the latest).
    before: Option<u64>,
}

/// `GET /log`.
pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
    Query(q): Query<LogQuery>,
) -> Result<Response, WebError> {
    let checkpoint = state.store().latest_checkpoint().await?;
    let size = checkpoint.as_ref().map_or(0, |c| c.size);
    // Entries [from, to), newest first on the page.
    let to = q.before.map_or(size, |b| b.min(size));
    let from = to.saturating_sub(PER_PAGE);
    let mut entries: Vec<EntryRow> = state
        .store()
        .entries(from, to - from)
        .await?
        .into_iter()
        .map(|e| EntryRow {
            seq: e.seq,
            leaf_hash: e.leaf_hash.to_hex(),
            record: String::from_utf8_lossy(&e.bytes).into_owned(),
        })
        .collect();
    entries.reverse();
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    page(&LogPage {
        layout: Layout::new(viewer.as_ref(), "The log", "/log"),
        size,
        checkpoint: checkpoint.map(|c| c.note).unwrap_or_default(),
        log_key: state.log_key().verifier().to_string(),
        base: format!("http://{host}"),
        entries,
        older: (from > 0).then_some(from),
        newer: (to < size).then_some((to + PER_PAGE).min(size)),
    })
}
