//! `/members`: members with their accession dates, partners, other donor states (coalitions,
//! funds and rates are on `/coalitions`, in `coalitions.rs`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use concord_server::AppState;

use super::page;
use crate::WebError;
use crate::layout::Layout;
use crate::session::Viewer;

/// The members and partners.
pub(crate) fn routes() -> super::Routes {
    vec![("/members", get(show))]
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
