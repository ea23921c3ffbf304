//! `/log`: the record. The latest signed checkpoint, the newest entries' envelopes as stored
//! (the canonical JSON that is hashed) with the sealed content the viewer may read beside them
//! (withheld as the log's API withholds it: `concord_log::Loaded::redact`), what the viewer
//! can and cannot see and why, and how anyone checks it without trusting this server. Readable
//! without signing in, like the API's `/log` endpoints.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_core::{Actor, Marking, Reader};
use concord_server::AppState;
use concord_server::problem::ApiError;
use serde::Deserialize;

use super::page;
use crate::WebError;
use crate::forms::Opt;
use crate::layout::Layout;
use crate::session::{MaybeViewer, Viewer};

/// The public log, and the secretariat's publication of an entry from it.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/log", get(show)).route("/log/{seq}/publication", post(publish))
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
    /// The wider audience the secretariat published it to since, if any.
    pub published: Option<String>,
    /// The secretariat may publish it more widely: it is not public and not a publication.
    pub publishable: bool,
    /// The sealed content (actor and event), if this viewer may read it.
    pub content: Option<String>,
    /// The content in plain language, if this viewer may read it.
    pub words: Option<String>,
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
    /// For the secretariat: the audiences an entry may be published to.
    audiences: Vec<Opt>,
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
    let view = state.view().await;
    view.redact(reader, &mut stored);
    let secretariat = reader == Reader::Secretariat;
    let mut entries: Vec<EntryRow> = stored
        .into_iter()
        .map(|e| {
            let envelope = concord_store::decode(&e.bytes).ok();
            let released = envelope.as_ref().map(|v| view.state.released(e.seq, v.marking));
            let published =
                envelope.as_ref().zip(released).filter(|(v, r)| v.marking != *r).map(|(_, r)| r.to_string());
            let publishable = secretariat
                && released.is_some_and(|r| r != Marking::Public)
                && envelope.as_ref().is_some_and(|v| v.kind != "entry_published");
            EntryRow {
                published,
                publishable,
                seq: e.seq,
                leaf_hash: e.leaf_hash.to_hex(),
                record: String::from_utf8_lossy(&e.bytes).into_owned(),
                kind: envelope.as_ref().map_or_else(String::new, |v| v.kind.replace('_', " ")),
                marking: envelope.as_ref().map_or_else(String::new, |v| v.marking.to_string()),
                words: e
                    .part
                    .as_deref()
                    .and_then(|p| p.get(concord_store::SALT_LEN..))
                    .and_then(|c| serde_json::from_slice::<concord_store::Sealed>(c).ok())
                    .map(|sealed| crate::entry_words::describe(&sealed)),
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
        audiences: if secretariat { super::wider_audiences(&view.state, "public") } else { Vec::new() },
    })
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    marking: String,
}

/// `POST /log/{seq}/publication` (the secretariat): publishes the entry to a wider audience, as
/// the API's `POST /api/v1/log/entries/{seq}/publication` does, and shows the log with the new
/// entry.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(seq): Path<String>,
    Form(f): Form<PublishForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    if viewer.actor != Actor::Secretariat {
        return Err(WebError::Forbidden("Only the secretariat publishes entries.".into()));
    }
    let seq: u64 = seq.parse().map_err(|_| WebError::NotFound(format!("There is no entry {seq:?}.")))?;
    let marking: Marking = f.marking.parse().map_err(|e: concord_core::access::InvalidMarking| {
        WebError::BadRequest(format!("Choose whom to publish the entry to: {e}."))
    })?;
    let command = concord_server::api::log::publication(&state, seq, marking).await.map_err(|e| match e {
        ApiError::NotFound(m) => WebError::NotFound(m),
        other => WebError::Internal(other.to_string()),
    })?;
    let account = Some(format!("user:{}", viewer.user));
    state.sequencer().submit(viewer.actor, account, command, None).await?;
    Ok(Redirect::to("/log").into_response())
}
