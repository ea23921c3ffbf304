//! `/bodies`: the councils and committees that decide, each with its roster and its rule in
//! words; `/bodies/{id}`: one body, the population figures a procedure opening now would count
//! people by (for a rule that needs them), and the proposals of it the viewer may read.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use concord_core::search::BodyScope;
use concord_core::{Body, BodyId, State as Domain};
use concord_server::AppState;

use super::dashboard::status_class;
use super::proxies::{ProxiesPart, ProxyForm};
use super::tally::BodyFigures;
use super::{page, page_with};
use crate::WebError;
use crate::forms::{FieldErrors, Opt};
use crate::layout::Layout;
use crate::session::Viewer;

pub(crate) fn routes() -> super::Routes {
    vec![("/bodies", get(list)), ("/bodies/{id}", get(show))]
}

/// A `?body=` filter as the pages read it: `principal` or an established body's id, the
/// principal body's name in words, and what could not be read (left out, never guessed).
#[derive(Debug, Clone, Default)]
pub struct BodyChoice {
    pub scope: Option<BodyScope>,
    /// The body chosen, in words (empty: none chosen).
    pub name: String,
    /// What the query asked for that is no body, in words.
    pub problem: Option<String>,
}

/// What the principal body is called on the pages.
pub const PRINCIPAL: &str = "The principal body (every member, by consensus)";

impl BodyChoice {
    /// Reads `value` (empty: every body) against the bodies `s` has.
    pub fn read(s: &Domain, value: &str) -> Self {
        if value.is_empty() {
            return Self::default();
        }
        match BodyScope::parse(value).ok().filter(|b| b.exists_in(s)) {
            Some(scope) => {
                let name = match &scope {
                    BodyScope::Principal => PRINCIPAL.to_owned(),
                    BodyScope::Of(id) => s.bodies.get(id).map(|b| b.name.clone()).unwrap_or_default(),
                };
                Self { scope: Some(scope), name, problem: None }
            }
            None => Self {
                problem: Some(format!("body: {value:?} is not a body (see Bodies); every body's are shown")),
                ..Self::default()
            },
        }
    }

    /// Whether `p` is of the body chosen (any, when none is).
    pub fn holds(&self, p: &concord_core::Proposal) -> bool {
        self.scope.as_ref().is_none_or(|b| b.holds(p))
    }

    /// The choices of a filter: every body, the principal body, then each body established,
    /// this one selected.
    pub fn options(&self, s: &Domain) -> Vec<Opt> {
        let chosen = self.scope.as_ref().map_or("", BodyScope::as_str);
        let opt = |value: &str, label: String| Opt { selected: value == chosen, value: value.to_owned(), label };
        [opt("", "every body".into()), opt("principal", PRINCIPAL.into())]
            .into_iter()
            .chain(s.bodies.values().map(|b| opt(b.id.as_str(), b.name.clone())))
            .collect()
    }
}

/// The name of the body `p` belongs to, in words.
pub fn body_name(s: &Domain, p: &concord_core::Proposal) -> String {
    p.body.as_ref().and_then(|id| s.bodies.get(id)).map_or_else(|| "principal body".to_owned(), |b| b.name.clone())
}

/// A body as the pages show it.
#[derive(Debug, Clone)]
pub struct BodyRow {
    pub id: String,
    pub name: String,
    pub parent: String,
    pub roster: String,
    /// The members taking part today, by code.
    pub today: String,
    pub rule: String,
    pub version: u32,
    pub kinds: String,
    pub procedures: String,
    pub established: String,
    /// Who chairs it now, in words (empty: nobody in office).
    pub chair: String,
    /// The appointments announced ahead: when (UTC) and who.
    pub chairs_ahead: Vec<(String, String)>,
}

/// Who chairs `body` (none: the principal body) at `now`, in words (empty: nobody in office),
/// and the appointments announced ahead.
fn chair_rows(s: &Domain, body: Option<&BodyId>, now: jiff::Timestamp) -> (String, Vec<(String, String)>) {
    let chair = s.chair_of(body, now).map(|c| s.chair_words(c)).unwrap_or_default();
    let ahead =
        s.chairs_ahead(body, now).into_iter().map(|t| (crate::timefmt::utc(t.from), s.chair_words(t.chair))).collect();
    (chair, ahead)
}

impl BodyRow {
    fn of(s: &Domain, b: &Body, now: jiff::Timestamp) -> Self {
        let (chair, chairs_ahead) = chair_rows(s, Some(&b.id), now);
        let words = |v: Vec<&'static str>, all: &str| if v.is_empty() { all.to_owned() } else { v.join(", ") };
        Self {
            id: b.id.to_string(),
            name: b.name.clone(),
            parent: b.parent.as_ref().map(ToString::to_string).unwrap_or_default(),
            roster: b.roster.words(),
            today: s
                .roster(Some(&b.id), now)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|_| "nobody".into()),
            rule: b.rule.words(),
            version: b.rule_version,
            kinds: words(b.kinds.iter().map(|k| k.words()).collect(), "every kind"),
            procedures: words(b.procedures.iter().map(|p| p.words()).collect(), "silence and consensus rounds"),
            established: crate::timefmt::utc(b.established_at),
            chair,
            chairs_ahead,
        }
    }
}

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    layout: Layout,
    bodies: Vec<BodyRow>,
    /// Who chairs the principal body now (empty: nobody appointed), and who is announced.
    principal_chair: String,
    principal_ahead: Vec<(String, String)>,
}

/// `GET /bodies`.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let view = state.view().await;
    let now = state.clock().now();
    let bodies = view.state.bodies.values().map(|b| BodyRow::of(&view.state, b, now)).collect();
    let (principal_chair, principal_ahead) = chair_rows(&view.state, None, now);
    page(&BodiesPage {
        layout: Layout::new(Some(&viewer), "Bodies", "/bodies"),
        bodies,
        principal_chair,
        principal_ahead,
    })
}

/// A proposal of the body, as the viewer may read it.
#[derive(Debug, Clone)]
pub struct ProposalRow {
    pub id: u64,
    pub title: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "body.html")]
struct BodyPage {
    layout: Layout,
    body: BodyRow,
    proposals: Vec<ProposalRow>,
    secretariat: bool,
    /// Whether the rule counts people (qualified majority, constructive abstention).
    needs_figures: bool,
    /// The figures a procedure opening now would count people by; none recorded: `None`.
    figures: Option<BodyFigures>,
    proxies: ProxiesPart,
}

/// `GET /bodies/{id}`.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = BodyId::parse(&id).map_err(|_| WebError::NotFound(format!("There is no body {id}.")))?;
    page(&body_page(&state, &viewer, &id, ProxyForm::default(), FieldErrors::default()).await?)
}

/// The body's page again, 422, with a refused proxy form kept and its errors beside it.
pub(crate) async fn again(
    state: &AppState,
    viewer: &Viewer,
    id: &BodyId,
    kept: ProxyForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &body_page(state, viewer, id, kept, errors).await?)
}

async fn body_page(
    state: &AppState,
    viewer: &Viewer,
    id: &BodyId,
    kept: ProxyForm,
    errors: FieldErrors,
) -> Result<BodyPage, WebError> {
    let view = state.view().await;
    let s = &view.state;
    let b = s.bodies.get(id).ok_or_else(|| WebError::NotFound(format!("There is no body {id}.")))?;
    let reader = viewer.reader();
    let proposals = s
        .proposals
        .values()
        .filter(|p| p.body.as_ref() == Some(&b.id))
        .filter_map(|stored| s.proposal_for(reader, stored))
        .map(|p| ProposalRow {
            id: p.id.0,
            title: p.current().title.clone(),
            status: p.status.words(),
            status_class: status_class(p.status),
        })
        .collect();
    let now = state.clock().now();
    let needs_figures = b.rule.needs_populations();
    let figures = s
        .rule_in_force(Some(&b.id), now)
        .ok()
        .flatten()
        .and_then(|r| r.populations)
        .filter(|_| needs_figures)
        .map(|p| BodyFigures::of(s, &p, &s.roster(Some(&b.id), now).unwrap_or_default()));
    Ok(BodyPage {
        layout: Layout::new(Some(viewer), b.name.clone(), "/bodies"),
        body: BodyRow::of(s, b, now),
        proposals,
        secretariat: viewer.is_secretariat(),
        needs_figures,
        figures,
        proxies: ProxiesPart::of(s, b, viewer, now, kept, errors),
    })
}
