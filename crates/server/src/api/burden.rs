//! GDP figures (rule 14's data, recorded by the secretariat) and the burden-share report that
//! reads them from the log, beside the other support reports.
//!
//! Need to know: GDP figures are public statistics, and the report is an aggregate per member
//! (its fair share and what it gave in total), like the totals report: any signed-in caller.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use concord_core::CountryCode;
use concord_core::support::burden::burden_report;
use concord_core::support::{Currency, GdpFigure, Measure, Money, SupportCommand};
use serde::Deserialize;

use super::Write;
use super::extract::Query;
use super::params::{currency, invalid};
use super::support_reads::read_state;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

/// The Washington pledge: EUR 40 billion a year, the baseline when none is given.
pub const WASHINGTON_PLEDGE: &str = "40000000000";

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/gdp", post(record_gdp)).route("/api/v1/reports/burden", get(report_burden))
}

/// Records a member's GDP for a year, with its unit and source (secretariat). A second figure
/// for the same member and year is refused (409 `gdp-exists`) unless it gives `correction`, the
/// reason it replaces the first.
#[utoipa::path(post, path = "/api/v1/gdp", tag = "support", security(("bearer" = [])), request_body = GdpFigure,
    responses((status = 201, description = "the figure as recorded, with when"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_gdp(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let figure: GdpFigure = w.json()?;
    w.submit(&state, SupportCommand::RecordGdp { figure }.into()).await
}

/// `?baseline=&measure=&currency=&year=&opt_out=` on the burden share.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BurdenQuery {
    /// The amount shared, a decimal in `currency` (default 40000000000, the Washington pledge).
    #[param(pattern = r"^[0-9]+(\.[0-9]+)?$", example = "40000000000")]
    pub baseline: Option<String>,
    /// committed (default: committed and later, the headline), allocated, or delivered.
    pub measure: Option<Measure>,
    /// ISO 4217 (default EUR): the baseline's currency and the report's.
    #[param(value_type = Option<Currency>)]
    pub currency: Option<String>,
    /// The GDP year to use; default: each member's latest recorded figure.
    #[param(minimum = 1950, maximum = 2100)]
    pub year: Option<String>,
    /// Members left out of the shares, comma-separated ISO 3166-1 alpha-3 codes (default none).
    #[param(example = "HUN,SVK")]
    pub opt_out: Option<String>,
}

/// The parsed query: measure, baseline, year, opted-out members.
type Parsed = (Measure, Money, Option<i16>, Vec<CountryCode>);

impl BurdenQuery {
    fn parse(&self) -> Result<Parsed, ApiError> {
        let cur = currency("currency", self.currency.as_deref())?.unwrap_or(Currency::EUR);
        let baseline = Money::parse_decimal(self.baseline.as_deref().unwrap_or(WASHINGTON_PLEDGE), cur)
            .map_err(|e| invalid("baseline", e))?;
        if baseline.minor_units <= 0 {
            return Err(invalid("baseline", "it must be positive"));
        }
        let year = self
            .year
            .as_deref()
            .map(|y| y.parse::<i16>().map_err(|e| invalid("year", format!("{y:?}: {e}"))))
            .transpose()?;
        let opted_out = self
            .opt_out
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| CountryCode::parse(&s.to_ascii_uppercase()).map_err(|e| invalid("opt_out", format!("{s:?}: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok((self.measure.unwrap_or(Measure::Committed), baseline, year, opted_out))
    }
}

/// Burden share (rule 14): each member's fair share of the baseline by its share of the GDP
/// recorded in the log (of the members not opted out), against what it gave under the measure
/// through every channel, trust-fund contributions included. Names the year(s), unit and
/// source(s) of the figures used; 422 `report-unavailable` when a member taking part has no
/// figure (for the year asked), the figures are in different units, or a rate is missing.
#[utoipa::path(get, path = "/api/v1/reports/burden", tag = "reports", security(("bearer" = [])), params(BurdenQuery),
    responses((status = 200, description = "measure, baseline, year(s), unit, sources, the figures used, and one line per member"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn report_burden(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<BurdenQuery>,
) -> Result<Response, ApiError> {
    let (measure, baseline, year, opted_out) = q.parse()?;
    let report = read_state(&state, move |st| burden_report(st, measure, baseline, year, &opted_out)).await;
    report.map(|r| Json(r).into_response()).map_err(|e| ApiError::Unprocessable("report-unavailable", e.to_string()))
}
