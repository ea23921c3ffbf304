//! A delegation awaiting instructions from its capital, on a proposal's page: the form that
//! says so (beside the position form), what the delegation is told afterwards, and the grid's
//! cell for such an elector. Not a position: it breaks no silence, and it lapses when the
//! delegation takes one (the domain clears it).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use concord_core::{Command, CountryCode, Proposal};
use concord_server::AppState;
use serde::Deserialize;

use super::proposal::{Kept, parse_id, submit};
use crate::error::WebError;
use crate::session::Viewer;
use crate::timefmt;

/// The form's address.
pub(crate) fn routes() -> super::Routes {
    vec![("/proposals/{id}/instructions", post(await_instructions))]
}

/// Since when, and with what note, a delegation awaits instructions.
#[derive(Debug, Clone)]
pub struct AwaitingView {
    /// UTC, as the grid shows times.
    pub since: String,
    pub note: String,
}

/// Whether `member` awaits instructions on `p` as the viewer is shown it (`p` is already cut to
/// what the viewer may read: a partner's copy holds none), with no position on the current
/// text, while the procedure is open.
pub(super) fn awaiting(p: &Proposal, member: CountryCode) -> Option<AwaitingView> {
    let current = p.circulation.as_ref().map(|c| c.revision);
    let positioned = p.positions.get(&member).is_some_and(|x| Some(x.revision) == current);
    let a = p.awaiting.get(&member).filter(|_| p.status.is_open() && !positioned)?;
    Some(AwaitingView { since: timefmt::utc(a.at), note: a.note.clone().unwrap_or_default() })
}

/// The grid's class, symbol and words for an elector awaiting instructions (its note and since
/// when go in the statement and time columns).
pub(super) const CELL: (&str, &str, &str) = ("st-awaiting", "⧗", "awaiting instructions from its capital");

/// How many electors of `p` await instructions (the dashboard's summary).
pub(super) fn count(p: &Proposal) -> usize {
    p.electorate().iter().filter(|m| awaiting(p, **m).is_some()).count()
}

#[derive(Debug, Deserialize)]
pub struct AwaitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    await_note: String,
}

/// `POST /proposals/{id}/instructions` (a member delegation, for its own member).
pub async fn await_instructions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AwaitForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    let id = parse_id(&id)?;
    // A partner taking part in the proposal's body says it too (the domain checks where).
    let Some(member) = viewer.actor.elector() else {
        return Err(WebError::Forbidden("Only a delegation says it awaits instructions.".into()));
    };
    let kept = Kept { await_note: f.await_note.clone(), ..Kept::default() };
    let note = Some(f.await_note.trim().to_owned()).filter(|n| !n.is_empty());
    let command = Command::AwaitInstructions { proposal: id, member, note };
    submit(&state, viewer, id, command, kept, &["await_note"], "position").await
}
