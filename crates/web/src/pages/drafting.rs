//! `/proposals/new`: the secretariat drafts a proposal, for the principal body or one it names.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use concord_core::{BodyId, Command, DecisionKind};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;
use serde::Deserialize;

use super::proposal::secretariat;
use super::{page, page_with};
use crate::WebError;
use crate::forms::{FieldErrors, Opt, options, parse_enum};
use crate::layout::Layout;
use crate::session::Viewer;

pub(crate) fn routes() -> super::Routes {
    vec![("/proposals/new", get(new_form).post(draft))]
}

/// The kinds, in the order the form lists them.
pub(crate) const KINDS: [DecisionKind; 8] = [
    DecisionKind::Statement,
    DecisionKind::Routine,
    DecisionKind::AssistanceProgramme,
    DecisionKind::FundPolicy,
    DecisionKind::DeployForces,
    DecisionKind::Enlargement,
    DecisionKind::CommandOrMission,
    DecisionKind::BurdenSharingPledge,
];

#[derive(Template)]
#[template(path = "new_proposal.html")]
struct NewProposalPage {
    layout: Layout,
    /// The principal body first, then each body established.
    bodies: Vec<Opt>,
    kinds: Vec<Opt>,
    title: String,
    text: String,
    /// The number of the proposal it follows, as typed (empty: none).
    follows: String,
    errors: FieldErrors,
}

fn new_page(state: &concord_core::State, viewer: &Viewer, f: &DraftForm, errors: FieldErrors) -> NewProposalPage {
    let principal = Opt { value: String::new(), label: super::bodies::PRINCIPAL.into(), selected: f.body.is_empty() };
    let bodies = std::iter::once(principal)
        .chain(state.bodies.values().map(|b| Opt {
            value: b.id.to_string(),
            label: format!("{} ({}): {}", b.name, b.roster.words(), b.rule.name().replace('_', " ")),
            selected: f.body == b.id.as_str(),
        }))
        .collect();
    NewProposalPage {
        layout: Layout::new(Some(viewer), "Draft a proposal", "/proposals/new"),
        bodies,
        kinds: options(&KINDS, |k| k.words().to_owned(), &f.kind),
        title: f.title.clone(),
        text: f.text.clone(),
        follows: f.follows.clone(),
        errors,
    }
}

/// `GET /proposals/new` (secretariat); `?body=npg` chooses the body.
pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    secretariat(&viewer)?;
    let view = state.view().await;
    let f = DraftForm { kind: "statement".into(), body: q.body.unwrap_or_default(), ..DraftForm::default() };
    page(&new_page(&view.state, &viewer, &f, FieldErrors::default()))
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    body: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    /// Empty: the principal body.
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    /// The number of the proposal it follows; empty: none.
    #[serde(default)]
    follows: String,
}

/// `POST /proposals/new`.
pub async fn draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<DraftForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let mut errors = FieldErrors::default();
    let view = state.view().await;
    let again =
        |errors: FieldErrors| page_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&view.state, &viewer, &f, errors));
    let Some(kind) = parse_enum::<DecisionKind>(&f.kind) else {
        errors.add("kind", "choose a kind of decision");
        return again(errors);
    };
    let body = match f.body.trim() {
        "" => None,
        b => match BodyId::parse(b) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("body", "choose a body from the list");
                return again(errors);
            }
        },
    };
    let typed = f.follows.trim();
    let follows = match typed.strip_prefix('#').unwrap_or(typed) {
        "" => None,
        n => match n.parse::<u64>() {
            Ok(n) => Some(concord_core::ProposalId(n)),
            Err(_) => {
                errors.add("follows", "give the number of a proposal, or leave it empty");
                return again(errors);
            }
        },
    };
    let command = Command::DraftProposal {
        body,
        follows,
        kind,
        significance: None,
        title: f.title.trim().to_owned(),
        text: f.text.replace("\r\n", "\n"),
    };
    match state.sequencer().submit(viewer.actor, Some(format!("user:{}", viewer.user)), command, None).await {
        Ok(reply) => {
            let id = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64));
            let to = id.map_or_else(|| "/".to_owned(), |id| format!("/proposals/{id}#actions"));
            Ok(Redirect::to(&to).into_response())
        }
        Err(SubmitError::Refused(r)) => {
            errors.refusal(&r, &["body", "follows", "kind", "title", "text"]);
            again(errors)
        }
        Err(e) => Err(e.into()),
    }
}
