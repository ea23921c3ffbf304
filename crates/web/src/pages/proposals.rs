//! `/proposals`: every proposal the viewer may read, found by words of its titles and texts,
//! status, kind, body and the day it was drafted, a page at a time. The filter is the API's
//! (`concord_core::search`), applied to what the viewer may read.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use concord_core::search::ProposalFilter;
use concord_core::{ProposalId, ProposalStatus};
use concord_server::AppState;

use super::bodies::{BodyChoice, body_name};
use super::dashboard::status_class;
use super::{MarkingTag, page};
use crate::WebError;
use crate::forms::{Opt, options, parse_enum};
use crate::layout::Layout;
use crate::session::Viewer;

/// Proposals shown on one page.
const PAGE: usize = 50;

const STATUSES: [ProposalStatus; 9] = [
    ProposalStatus::Draft,
    ProposalStatus::UnderSilence,
    ProposalStatus::ConsensusRound,
    ProposalStatus::Voting,
    ProposalStatus::Adopted,
    ProposalStatus::AdoptedWithReservations,
    ProposalStatus::Blocked,
    ProposalStatus::NotAdopted,
    ProposalStatus::Withdrawn,
];

pub(crate) fn routes() -> super::Routes {
    vec![("/proposals", get(list))]
}

/// One proposal found.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: u64,
    pub title: String,
    pub kind: &'static str,
    /// The body that decides it, in words.
    pub body: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub drafted: String,
    pub marking: MarkingTag,
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ProposalsPage {
    layout: Layout,
    q: String,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    bodies: Vec<Opt>,
    drafted_from: String,
    drafted_to: String,
    /// What the filter could not read, in words.
    problems: Vec<String>,
    rows: Vec<Row>,
    /// The query string of the next page, if there is one.
    next: Option<String>,
}

/// `GET /proposals?q=&status=&kind=&body=&drafted_from=&drafted_to=&after=`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let get = |k: &str| params.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let (q, status, kind, body, from, to) =
        (get("q"), get("status"), get("kind"), get("body"), get("drafted_from"), get("drafted_to"));
    let mut problems = Vec::new();
    let mut filter = ProposalFilter::words(&q);
    filter.status = understood(&mut problems, "status", &status, "a status", parse_enum(&status));
    filter.kind = understood(&mut problems, "kind", &kind, "a kind", parse_enum(&kind));
    filter.drafted_from = understood(&mut problems, "drafted from", &from, "a date (YYYY-MM-DD)", from.parse().ok());
    filter.drafted_to = understood(&mut problems, "drafted to", &to, "a date (YYYY-MM-DD)", to.parse().ok());
    let after = get("after").parse::<u64>().ok().map(ProposalId);

    let view = state.view().await;
    let s = &view.state;
    let chosen = BodyChoice::read(s, &body);
    problems.extend(chosen.problem.clone());
    filter.body.clone_from(&chosen.scope);
    let reader = viewer.reader();
    let mut found = s
        .proposals
        .range(after.map_or(ProposalId(0), |a| ProposalId(a.0 + 1))..)
        .filter_map(|(_, stored)| Some((stored, s.proposal_for(reader, stored)?)))
        .filter(|(_, shown)| filter.matches(shown));
    let rows: Vec<Row> = found
        .by_ref()
        .take(PAGE)
        .map(|(stored, p)| Row {
            id: p.id.0,
            title: p.current().title.clone(),
            kind: p.kind.words(),
            body: body_name(s, &p),
            status: p.status.words(),
            status_class: status_class(p.status),
            drafted: concord_core::rules::utc_day(p.drafted_at).to_string(),
            marking: MarkingTag::of_proposal(s, stored),
        })
        .collect();
    let next = match (found.next(), rows.last()) {
        (Some(_), Some(last)) => Some(query_string(&[
            ("q", &q),
            ("status", &status),
            ("kind", &kind),
            ("body", chosen.scope.as_ref().map_or("", |b| b.as_str())),
            ("drafted_from", &from),
            ("drafted_to", &to),
            ("after", &last.id.to_string()),
        ])),
        _ => None,
    };
    page(&ProposalsPage {
        layout: Layout::new(Some(&viewer), "Proposals", "/proposals"),
        statuses: with_any(options(&STATUSES, |x| x.words().to_owned(), &status)),
        kinds: with_any(options(&super::drafting::KINDS, |x| x.words().to_owned(), &kind)),
        bodies: chosen.options(s),
        q,
        drafted_from: from,
        drafted_to: to,
        problems,
        rows,
        next,
    })
}

/// `parsed`, noting in `problems` a value given that did not parse (it is left out, not guessed).
fn understood<T>(problems: &mut Vec<String>, field: &str, value: &str, what: &str, parsed: Option<T>) -> Option<T> {
    if parsed.is_none() && !value.is_empty() {
        problems.push(format!("{field}: {value:?} is not {what}; it is left out of the search"));
    }
    parsed
}

/// `options` with "any" first, selected when nothing else is.
fn with_any(mut v: Vec<Opt>) -> Vec<Opt> {
    let none = !v.iter().any(|o| o.selected);
    v.insert(0, Opt { value: String::new(), label: "any".into(), selected: none });
    v
}

/// `k=v&…` for the non-empty values, percent-encoded.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.append_pair(k, v);
    }
    out.finish()
}
