//! `/log`: the record. The latest signed checkpoint, the newest entries' envelopes as stored
//! (the canonical JSON that is hashed) with the sealed content the viewer may read beside them
//! (withheld as the log's API withholds it: `concord_log::Loaded::redact`), what the viewer
//! can and cannot see and why, and how anyone checks it without trusting this server. Readable
//! without signing in, like the API's `/log` endpoints.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use concord_core::Reader;
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
    /// The envelope, as hashed.
    pub record: String,
    /// Its event type and marking, read from the envelope.
    pub kind: String,
    pub marking: String,
    /// The sealed content (actor and event), if this viewer may read it.
    pub content: Option<String>,
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
    /// Who the page is shown to, in words, and what that reader may read.
    reader: String,
    withheld: usize,
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
    let reader = Reader::of(viewer.as_ref().map(|v| v.actor));
    let mut stored = state.store().entries(from, to - from).await?;
    state.view().await.redact(reader, &mut stored);
    let mut entries: Vec<EntryRow> = stored
        .into_iter()
        .map(|e| {
            let envelope = concord_store::decode(&e.bytes).ok();
            EntryRow {
                seq: e.seq,
                leaf_hash: e.leaf_hash.to_hex(),
                record: String::from_utf8_lossy(&e.bytes).into_owned(),
                kind: envelope.as_ref().map_or_else(String::new, |v| v.kind.replace('_', " ")),
                marking: envelope.as_ref().map_or_else(String::new, |v| v.marking.to_string()),
                content: e
                    .part
                    .as_deref()
                    .and_then(|p| p.get(concord_store::SALT_LEN..))
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            }
        })
        .collect();
    entries.reverse();
    let withheld = entries.iter().filter(|e| e.content.is_none()).count();
    let reader = match reader {
        Reader::Secretariat => "the secretariat: every entry's content, drafts included".to_owned(),
        Reader::Member(c) => format!(
            "the delegation of {c}: the content of every entry marked for the members, the partner or the public, \
             except drafts the secretariat has not circulated yet"
        ),
        Reader::Partner(c) => {
            format!("partner {c}: the content of entries marked members+partner:{c} or public, and no other")
        }
        Reader::Public => "the public (not signed in, or an observer): the content of entries marked public".to_owned(),
    };
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    page(&LogPage {
        layout: Layout::new(viewer.as_ref(), "The log", "/log"),
        size,
        checkpoint: checkpoint.map(|c| c.note).unwrap_or_default(),
        log_key: state.log_key().verifier().to_string(),
        base: format!("http://{host}"),
        entries,
        reader,
        withheld,
        older: (from > 0).then_some(from),
        newer: (to < size).then_some((to + PER_PAGE).min(size)),
    })
}
