//! The published exports at stable URLs, as an IATI publisher hosts its activity file for the
//! IATI Registry to link: `/exports/iati-activities.xml` (IATI 2.03), and every pledge and
//! delivery record as CSV and JSON. They are the bytes `concord report iati|pledges|deliveries`
//! prints from the same log (the same writers: `concord_iati::activities` and
//! `concord_core::support::export`), and their `generated` time is the log's last entry's, never
//! a clock's, so that a file changes only when the log does.
//!
//! Need to know: they carry support data, so by default they are served as the support API
//! serves it (`support_reads`): to a caller signed in with a bearer token or a browser session,
//! holding the pledges (and their deliveries) that caller may read, and to no anonymous client.
//! A deployment that publishes its data sets `public_exports` (`CONCORD_PUBLIC_EXPORTS`): then
//! anyone may fetch the whole export, as the IATI Registry needs.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use concord_core::{Reader, State as Domain};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};
use crate::session_cookie;

/// The files, by the name under `/exports/`.
pub const FILES: [&str; 5] =
    ["iati-activities.xml", "pledges.csv", "pledges.json", "deliveries.csv", "deliveries.json"];

pub fn router() -> Router<AppState> {
    Router::new().route("/exports/{file}", get(export))
}

/// Who asks for an export: a bearer token's reader, a browser session's, or none.
#[derive(Debug, Clone, Copy)]
pub struct Asker(Option<Reader>);

impl FromRequestParts<AppState> for Asker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(Some(Caller::from_request_parts(parts, state).await?.reader())));
        }
        // A signed-in page links the exports, so its session reads them as a token would.
        let Some(token) = session_cookie::token(&parts.headers) else { return Ok(Self(None)) };
        let session = state.store().find_session(&session_cookie::hash_token(token)).await?;
        let now = state.clock().now();
        Ok(Self(session.filter(|s| s.expires_at > now).map(|s| Reader::of(Some(s.actor)))))
    }
}

/// One export's bytes, media type and file name, from `state` as of a log whose last entry was
/// recorded at `generated`.
pub fn render(state: &Domain, file: &str, generated: Timestamp) -> Result<(Vec<u8>, &'static str), ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(format!("cannot write {file}: {e}"));
    let s = &state.support;
    Ok(match file {
        "iati-activities.xml" => {
            let options = concord_iati::Options {
                reporting_org_ref: concord_iati::DEFAULT_ORG_REF.into(),
                reporting_org_name: concord_iati::DEFAULT_ORG_NAME.into(),
                generated,
            };
            let xml = concord_iati::activities(state, &options).map_err(|e| match e {
                concord_iati::Error::NoPledges => ApiError::NotFound(e.to_string()),
                e => internal(&e),
            })?;
            ((xml + "\n").into_bytes(), "application/xml; charset=utf-8")
        }
        "pledges.csv" => {
            (concord_core::support::export::pledges_csv(s).map_err(|e| internal(&e))?, "text/csv; charset=utf-8")
        }
        "deliveries.csv" => {
            (concord_core::support::export::deliveries_csv(s).map_err(|e| internal(&e))?, "text/csv; charset=utf-8")
        }
        "pledges.json" => {
            (concord_core::support::export::pledges_json(s).map_err(|e| internal(&e))?.into_bytes(), "application/json")
        }
        "deliveries.json" => (
            concord_core::support::export::deliveries_json(s).map_err(|e| internal(&e))?.into_bytes(),
            "application/json",
        ),
        _ => return Err(ApiError::NotFound(format!("there is no export {file}"))),
    })
}

/// `state` with only the pledges, delivery records, requests, coalitions and funds `reader` may
/// read (the IATI file names a pledge's coalition and fund).
fn visible(state: &Domain, reader: Reader) -> Domain {
    let mut out = state.clone();
    let support = &mut out.support;
    // Shared, not copied, when the reader may see every pledge (a million are 250 MiB).
    let all = state.support.pledges.values().all(|p| state.may_see(reader, p));
    if !all {
        support.pledges = state.support.pledges.values().filter(|p| state.may_see(reader, *p)).cloned().collect();
    }
    support.coalitions = state
        .support
        .coalitions
        .iter()
        .filter(|(_, c)| state.may_see(reader, *c))
        .map(|(k, c)| (*k, c.clone()))
        .collect();
    support.funds =
        state.support.funds.iter().filter(|(_, f)| state.may_see(reader, *f)).map(|(k, f)| (*k, f.clone())).collect();
    support.requests = state
        .support
        .requests
        .iter()
        .filter(|(_, r)| state.may_see(reader, *r))
        .map(|(k, r)| (*k, r.clone()))
        .collect();
    // A pledge the reader may see can go through a fund or coalition it may not (both are the
    // members'): the file names who carries the pledge out without saying which one it is or
    // who is in it.
    for pledge in support.pledges.values() {
        if let Some(f) = pledge.terms.fund.filter(|f| !support.funds.contains_key(f)) {
            if let Some(fund) = state.support.funds.get(&f) {
                let mut shown = fund.clone();
                shown.terms.name = format!("An alliance fund ({})", fund.terms.channel.words());
                support.funds.insert(f, shown);
            }
        }
        if let Some(c) = pledge.terms.coalition.filter(|c| !support.coalitions.contains_key(c)) {
            if let Some(coalition) = state.support.coalitions.get(&c) {
                let mut shown = coalition.clone();
                shown.terms.name = format!("A coalition of donor states ({})", coalition.terms.capability.words());
                shown.terms.leads.clear();
                shown.terms.participants.clear();
                support.coalitions.insert(c, shown);
            }
        }
    }
    if !all {
        let kept = &support.pledges;
        support.deliveries = state.support.deliveries.values().filter(|d| kept.contains(&d.pledge)).cloned().collect();
    }
    out
}

/// When the log's last entry was recorded (the Unix epoch for an empty log).
pub async fn last_entry_time(store: &dyn concord_store::Store, size: u64) -> Result<Timestamp, ApiError> {
    if size == 0 {
        return Ok(Timestamp::UNIX_EPOCH);
    }
    let entries = store.entries(size - 1, 1).await?;
    let entry = entries.first().ok_or_else(|| ApiError::Internal(format!("entry {} is missing", size - 1)))?;
    let envelope = concord_core::record::decode(&entry.bytes)
        .map_err(|e| ApiError::Internal(format!("entry {} does not read: {e}", size - 1)))?;
    Ok(envelope.at)
}

/// A published export: `iati-activities.xml` (IATI 2.03), `pledges.csv`, `pledges.json`,
/// `deliveries.csv` or `deliveries.json`, the bytes `concord report iati|pledges|deliveries`
/// prints. Served to a caller with a bearer token (or a signed-in browser), holding what it may
/// read; to anyone, whole, when the deployment sets `public_exports` (`CONCORD_PUBLIC_EXPORTS`).
/// `ETag` and `Last-Modified` (the log's last entry) change only when the log does.
#[utoipa::path(get, path = "/exports/{file}", tag = "exports", security((), ("bearer" = [])),
    params(("file" = String, Path, description = "iati-activities.xml, pledges.csv, pledges.json, deliveries.csv or deliveries.json")),
    responses((status = 200, description = "the file (application/xml, text/csv or application/json), with Content-Disposition naming it"),
        (status = 304, description = "unchanged since the ETag given in If-None-Match"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(app): State<AppState>,
    asker: Asker,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let Some(file) = FILES.into_iter().find(|f| *f == file) else {
        return ApiError::NotFound(format!("there is no export {file}: there are {}", FILES.join(", ")))
            .into_response();
    };
    match answer(&app, asker, &headers, file).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn answer(app: &AppState, asker: Asker, headers: &HeaderMap, file: &str) -> Result<Response, ApiError> {
    let public = app.public_exports();
    let reader = match asker.0 {
        _ if public => None,
        Some(r) => Some(r),
        None => {
            return Err(ApiError::Unauthorized(
                "the exports carry support data: sign in, or give an Authorization: Bearer token".into(),
            ));
        }
    };
    let view = app.view().await;
    let generated = last_entry_time(app.store(), view.size).await?;
    let state = match reader {
        Some(r) => std::borrow::Cow::Owned(visible(&view.state, r)),
        None => std::borrow::Cow::Borrowed(&view.state),
    };
    let (body, media_type) = render(&state, file, generated)?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let mut h = HeaderMap::new();
    let value = |s: &str| HeaderValue::from_str(s).map_err(|e| ApiError::Internal(e.to_string()));
    h.insert(header::ETAG, value(&etag)?);
    let modified = generated.to_zoned(jiff::tz::TimeZone::UTC).strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
    h.insert(header::LAST_MODIFIED, value(&modified)?);
    h.insert(header::VARY, HeaderValue::from_static("Authorization, Cookie"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public { "public, no-cache" } else { "private, no-cache" }),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(header::CONTENT_DISPOSITION, value(&format!("attachment; filename=\"{file}\""))?);
    Ok((StatusCode::OK, h, body).into_response())
}
