//! `/members` (members with their accession dates, partners, other donor states) and
//! `/coalitions` (capability coalitions with their leads and participants).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use concord_core::Marking;
use concord_server::AppState;

use super::{MarkingTag, page};
use crate::WebError;
use crate::layout::Layout;
use crate::session::Viewer;

/// The members and partners, and the coalitions.
pub(crate) fn routes() -> super::Routes {
    vec![("/members", get(show)), ("/coalitions", get(coalitions))]
}

/// A state as the tables list it.
#[derive(Debug, Clone)]
pub struct StateRow {
    pub code: String,
    pub name: String,
    pub accession: String,
    pub departure: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    layout: Layout,
    members: Vec<StateRow>,
    partners: Vec<StateRow>,
    donors: Vec<StateRow>,
}

/// `GET /members`.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let view = state.view().await;
    let s = &view.state;
    let reader = viewer.reader();
    let members = s
        .members
        .values()
        .filter(|m| s.may_see(reader, *m))
        .map(|m| StateRow {
            code: m.code.to_string(),
            name: m.name.clone(),
            accession: m.accession.to_string(),
            departure: m.departure.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let partners = s
        .partners
        .values()
        .filter(|p| s.may_see(reader, *p))
        .map(|p| StateRow {
            code: p.code.to_string(),
            name: p.name.clone(),
            accession: String::new(),
            departure: String::new(),
        })
        .collect();
    let donors = s
        .support
        .donors
        .values()
        .filter(|d| s.may_see(reader, *d))
        .map(|d| StateRow {
            code: d.code.to_string(),
            name: d.name.clone(),
            accession: String::new(),
            departure: String::new(),
        })
        .collect();
    page(&MembersPage {
        layout: Layout::new(Some(&viewer), "Members and partners", "/members"),
        members,
        partners,
        donors,
    })
}

/// A coalition's row.
#[derive(Debug, Clone)]
pub struct CoalitionRow {
    pub name: String,
    pub capability: &'static str,
    pub leads: String,
    pub participants: String,
    pub formed_on: String,
}

#[derive(Template)]
#[template(path = "coalitions.html")]
struct CoalitionsPage {
    layout: Layout,
    coalitions: Vec<CoalitionRow>,
    /// Coalitions are marked for the members; the tag says so.
    marking: MarkingTag,
    /// Whether that marking admits the viewer.
    cleared: bool,
}

/// `GET /coalitions`.
pub async fn coalitions(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let view = state.view().await;
    let s = &view.state;
    let coalitions = s
        .support
        .coalitions
        .values()
        .filter(|c| s.may_see(viewer.reader(), *c))
        .map(|c| CoalitionRow {
            name: c.terms.name.clone(),
            capability: c.terms.capability.words(),
            leads: c.terms.leads.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            participants: c.terms.participants.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            formed_on: c.terms.formed_on.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let marking = Marking::Members;
    page(&CoalitionsPage {
        layout: Layout::new(Some(&viewer), "Coalitions", "/coalitions"),
        coalitions,
        marking: MarkingTag::of(marking),
        cleared: marking.admits(viewer.reader()),
    })
}
