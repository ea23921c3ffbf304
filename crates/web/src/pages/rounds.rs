//! A proposal's rounds: the decisions of earlier procedures, and taking a blocked or not adopted
//! proposal back into negotiation so that a revised text goes out under a new procedure.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use concord_core::{Command, Outcome, Proposal};
use concord_server::AppState;
use serde::Deserialize;

use super::proposal::{Kept, parse_id, render, secretariat, submit};
use crate::error::WebError;
use crate::session::Viewer;
use crate::timefmt;

/// An earlier round, as the decision history shows it.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub number: usize,
    pub revision: u32,
    pub procedure: &'static str,
    pub closed: String,
    pub outcome: &'static str,
    pub class: &'static str,
    pub explain: String,
}

/// The rounds `p` went through before the current one, oldest first.
pub(super) fn rounds(p: &Proposal) -> Vec<RoundView> {
    p.rounds
        .iter()
        .enumerate()
        .map(|(i, d)| RoundView {
            number: i + 1,
            revision: d.revision,
            procedure: d.procedure.words(),
            closed: timefmt::utc(d.decided_at),
            outcome: match d.outcome {
                Outcome::Adopted => "adopted",
                Outcome::AdoptedWithReservations => "adopted with reservations",
                Outcome::Blocked => "blocked",
                Outcome::NotAdopted => "not adopted",
            },
            class: "out-blocked",
            explain: d.explain(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reopen_reason: String,
}

/// `POST /proposals/{id}/reopen`: back into negotiation (the secretariat).
pub async fn reopen(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ReopenForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let id = parse_id(&id)?;
    let mut kept = Kept { reopen_reason: f.reopen_reason.clone(), ..Kept::default() };
    if f.reopen_reason.trim().is_empty() {
        kept.errors.add("reopen_reason", "say what is being negotiated, for the record");
        return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let command = Command::Reopen { proposal: id, reason: f.reopen_reason.trim().to_owned() };
    submit(&state, viewer, id, command, kept, &["reopen_reason", "reason"], "actions").await
}
