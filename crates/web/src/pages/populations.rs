//! `/populations`: each year's population figures, from their named source — the weights of the
//! rules that count people (qualified majority, constructive abstention) — and, for the
//! secretariat, the form that records a year's figures as `POST /api/v1/populations` does,
//! pasted as `member,population` lines.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use concord_core::decision_rule::Populations;
use concord_core::{Command, CountryCode};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;
use serde::Deserialize;

use super::tally::{BodyFigures, persons};
use super::{page, page_with};
use crate::WebError;
use crate::forms::FieldErrors;
use crate::layout::Layout;
use crate::session::Viewer;

pub(crate) fn routes() -> super::Routes {
    vec![("/populations", get(show).post(record))]
}

/// A year recorded, in the list.
#[derive(Debug, Clone)]
pub struct YearRow {
    pub year: i16,
    pub source: String,
    pub states: usize,
    pub total: String,
}

#[derive(Template)]
#[template(path = "populations.html")]
struct PopulationsPage {
    layout: Layout,
    years: Vec<YearRow>,
    /// The year shown in full: the one asked for, else the latest.
    shown: Option<BodyFigures>,
    problem: Option<String>,
    secretariat: bool,
    kept: RecordForm,
    errors: FieldErrors,
}

/// The secretariat's form, kept as typed when it is refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub figures: String,
}

async fn populations_page(
    state: &AppState,
    viewer: &Viewer,
    year: &str,
    kept: RecordForm,
    errors: FieldErrors,
) -> PopulationsPage {
    let view = state.view().await;
    let s = &view.state;
    let years = s
        .populations
        .values()
        .rev()
        .map(|p| YearRow {
            year: p.year,
            source: p.source.clone(),
            states: p.figures.len(),
            total: persons(p.figures.values().fold(0u64, |sum, n| sum.saturating_add(*n))),
        })
        .collect();
    let asked = year.trim();
    let chosen = if asked.is_empty() {
        s.populations.values().next_back()
    } else {
        asked.parse::<i16>().ok().and_then(|y| s.populations.get(&y))
    };
    let problem = (chosen.is_none() && !asked.is_empty())
        .then(|| format!("No figures are recorded for {asked:?}; the years recorded are listed."));
    let shown = chosen.map(|p| BodyFigures::of(s, p, &p.figures.keys().copied().collect::<Vec<CountryCode>>()));
    PopulationsPage {
        layout: Layout::new(Some(viewer), "Population figures", "/bodies"),
        years,
        shown,
        problem,
        secretariat: viewer.is_secretariat(),
        kept,
        errors,
    }
}

/// `GET /populations?year=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let year = q.get("year").map_or("", String::as_str);
    page(&populations_page(&state, &viewer, year, RecordForm::default(), FieldErrors::default()).await)
}

/// `POST /populations` (secretariat).
pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<RecordForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    if !viewer.is_secretariat() {
        return Err(WebError::Forbidden("The secretariat records population figures.".into()));
    }
    let mut errors = FieldErrors::default();
    let year = f.year.trim().parse::<i16>().ok();
    if year.is_none() {
        errors.add("year", "a year, e.g. 2025");
    }
    let figures = Populations::figures_from_csv(&f.figures).map_err(|e| errors.add("figures", e)).ok();
    let again = |errors| async {
        let p = populations_page(&state, &viewer, "", f.clone(), errors).await;
        page_with(StatusCode::UNPROCESSABLE_ENTITY, &p)
    };
    let (Some(year), Some(figures)) = (year, figures) else { return again(errors).await };
    let populations = Populations { year, source: f.source.trim().to_owned(), figures };
    let command = Command::RecordPopulations { populations };
    match state.sequencer().submit(viewer.actor, Some(format!("user:{}", viewer.user)), command, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/populations?year={year}")).into_response()),
        Err(SubmitError::Refused(r)) => {
            errors.refusal(&r, &["year", "source", "figures"]);
            again(errors).await
        }
        Err(e) => Err(e.into()),
    }
}
