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
use concord_core::record::Sealed;
use concord_core::{Actor, Marking, Reader};
use concord_server::AppState;
use concord_server::problem::ApiError;
use concord_store::StoredEntry;
use serde::Deserialize;

use super::page;
use crate::WebError;
use crate::forms::Opt;
use crate::layout::Layout;
use crate::log_filter::{Filter, Typed};
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
    /// The filters as typed, the query string that keeps them on the paging links, whether
    /// any is set, the event types to choose from, and why the filters were refused, if so.
    typed: Typed,
    keep: String,
    filtered: bool,
    event_options: Vec<Opt>,
    filter_error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    /// The newest entry to show is the last one before this place (default: the latest).
    before: Option<u64>,
    /// Filters, as typed: a proposal's number, a member's code, an event type.
    #[serde(default)]
    proposal: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    event: String,
}

/// Entries read from the store at a time while looking for those a filter matches.
const CHUNK: u64 = 200;

/// Chunks one request reads in each direction (anyone may filter the public log, so one
/// request must not walk the whole of it): a rare match is found page by page.
const MAX_CHUNKS: u32 = 25;

/// The envelope's event type and the content this viewer may read (`None` if withheld).
fn read(e: &StoredEntry) -> (String, Option<Sealed>) {
    let kind = concord_core::record::decode(&e.bytes).map(|v| v.kind).unwrap_or_default();
    let content = e
        .part
        .as_deref()
        .and_then(|p| p.get(concord_core::record::SALT_LEN..))
        .and_then(|c| serde_json::from_slice::<Sealed>(c).ok());
    (kind, content)
}

/// Entries as the viewer may read them (redacted already, so that a filter sees no more than
/// the page shows), each with whether `filter` matches it.
fn marked(stored: Vec<StoredEntry>, filter: &Filter) -> Vec<(StoredEntry, bool)> {
    stored
        .into_iter()
        .map(|e| {
            let (kind, content) = read(&e);
            let hit = filter.matches(&kind, content.as_ref());
            (e, hit)
        })
        .collect()
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
    let typed = Typed { proposal: q.proposal, member: q.member, event: q.event };
    let (filter, filter_error) = match Filter::parse(&typed) {
        Ok(f) => (f, None),
        Err(e) => (Filter::default(), Some(e)),
    };
    let to = q.before.map_or(size, |b| b.min(size));
    let reader = Reader::of(viewer.as_ref().map(|v| v.actor));
    let view = state.view().await;
    // The matching entries before `to`, newest first, up to a page, and whether there are older.
    let mut shown: Vec<StoredEntry> = Vec::new();
    let mut more_older = false;
    let mut hi = to;
    let mut budget = MAX_CHUNKS;
    while hi > 0 && !more_older && filter_error.is_none() && budget > 0 {
        budget -= 1;
        let lo = hi.saturating_sub(CHUNK);
        let mut stored = state.store().entries(lo, hi - lo).await?;
        view.redact(reader, &mut stored);
        for (e, hit) in marked(stored, &filter).into_iter().rev() {
            if !hit {
                continue;
            }
            if shown.len() as u64 == PER_PAGE {
                more_older = true;
                break;
            }
            shown.push(e);
        }
        hi = lo;
    }
    // The page of newer matching entries ends just after its newest.
    let mut newer = None;
    let mut found = 0;
    let mut lo = to;
    let mut budget = MAX_CHUNKS;
    while lo < size && found < PER_PAGE && filter_error.is_none() && budget > 0 {
        budget -= 1;
        let hi = (lo + CHUNK).min(size);
        let mut stored = state.store().entries(lo, hi - lo).await?;
        view.redact(reader, &mut stored);
        for (e, hit) in marked(stored, &filter) {
            if hit && found < PER_PAGE {
                found += 1;
                newer = Some(e.seq + 1);
            }
        }
        lo = hi;
    }
    // A search that ran out of its budget goes on from where it stopped, on the next page.
    let older =
        if more_older { shown.last().map(|e| e.seq) } else { Some(hi).filter(|&h| h > 0 && filter_error.is_none()) };
    let secretariat = reader == Reader::Secretariat;
    let entries: Vec<EntryRow> = shown
        .into_iter()
        .map(|e| {
            let envelope = concord_core::record::decode(&e.bytes).ok();
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
                words: read(&e).1.map(|sealed| crate::entry_words::describe(&sealed)),
                content: e
                    .part
                    .as_deref()
                    .and_then(|p| p.get(concord_core::record::SALT_LEN..))
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            }
        })
        .collect();
    let withheld = entries.iter().filter(|e| e.content.is_none()).count();
    let reader = match reader {
        Reader::Secretariat => "the secretariat: every entry's content, drafts included".to_owned(),
        Reader::Member(c) => format!(
            "the delegation of {c}: the content of every entry marked for the members, the partner or the public, \
             except drafts the secretariat has not circulated yet and the business of bodies {c} does not sit in \
             (read as the public reads it)"
        ),
        Reader::Partner(c) => {
            format!(
                "partner {c}: the content of entries marked members+partner:{c} or public, and the business of \
                 the bodies {c} takes part in (as their members read it), and no other"
            )
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
        older,
        newer,
        keep: filter.query(),
        filtered: !filter.is_empty(),
        event_options: filter.event_options(),
        typed,
        filter_error,
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
