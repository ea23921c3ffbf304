//! `/support/dashboard`: support over time stacked by lethality, by channel, top donors, the
//! long-range share over time, and request coverage by category. Each chart is an SVG with a
//! title, axes with units and a legend, beside a table of the same numbers.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use concord_core::support::{Currency, Measure};
use concord_server::AppState;
use serde::Deserialize;

use super::page;
use crate::WebError;
use crate::charts::{self, Series};
use crate::forms::{Opt, options, parse_enum};
use crate::layout::Layout;
use crate::reports::{self, Figures, millions};
use crate::session::Viewer;

/// The support dashboard's charts.
pub(crate) fn routes() -> super::Routes {
    vec![("/support/dashboard", get(show))]
}

/// A table row of a chart: a label and its formatted numbers.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub cells: Vec<String>,
}

/// A chart and its numbers.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "support_dashboard.html")]
struct DashboardPage {
    layout: Layout,
    measures: Vec<Opt>,
    currencies: Vec<Opt>,
    measure: &'static str,
    currency: String,
    error: String,
    charts: Vec<Chart>,
    burden: Result<reports::BurdenTable, String>,
    exports: &'static [&'static str],
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    measure: Option<String>,
    currency: Option<String>,
}

fn svg_or_note(r: Result<String, charts::ChartError>) -> String {
    r.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a chart could not be drawn");
        String::new()
    })
}

fn build(f: &Figures) -> Vec<Chart> {
    let cur = f.currency.as_str();
    let unit = format!("{cur} million");
    // The charts are drawn in millions; the tables beside them give every figure exactly, in
    // the currency itself, and say so.
    let units = format!("chart in {unit}, table in {cur}");
    let months: Vec<String> = f.months.iter().map(|m| m.month.clone()).collect();
    let over_time = Chart {
        id: "over-time",
        title: format!("Support over time by lethality ({}; {units})", f.measure.words()),
        svg: svg_or_note(charts::stacked_bars(
            &format!("Support by month, lethal and non-lethal ({unit})"),
            &months,
            &[
                Series {
                    name: "lethal".into(),
                    colour: charts::RED,
                    values: f.months.iter().map(|m| millions(m.lethal)).collect(),
                },
                Series {
                    name: "non-lethal".into(),
                    colour: charts::BLUE,
                    values: f.months.iter().map(|m| millions(m.non_lethal)).collect(),
                },
            ],
            charts::Axes { x: "Month (UTC)", y: &unit, counts: false },
        )),
        headers: vec![
            "Month".into(),
            format!("Lethal ({cur})"),
            format!("Non-lethal ({cur})"),
            format!("Total ({cur})"),
        ],
        rows: f
            .months
            .iter()
            .map(|m| Row {
                label: m.month.clone(),
                cells: vec![m.lethal.decimal(), m.non_lethal.decimal(), m.total.decimal()],
            })
            .collect(),
    };
    let channel_labels: Vec<String> = f.channels.iter().map(|c| c.label.clone()).collect();
    let by_channel = Chart {
        id: "channels",
        title: format!("Support by channel ({}; {units})", f.measure.words()),
        svg: svg_or_note(charts::horizontal_bars(
            &format!("Support by channel ({unit})"),
            &channel_labels,
            &f.channels.iter().map(|c| millions(c.amount)).collect::<Vec<_>>(),
            &unit,
            charts::BLUE,
        )),
        headers: vec!["Channel".into(), format!("Amount ({cur})")],
        rows: f.channels.iter().map(|c| Row { label: c.label.clone(), cells: vec![c.amount.decimal()] }).collect(),
    };
    let donor_labels: Vec<String> = f.donors.iter().map(|c| c.label.clone()).collect();
    let donors = Chart {
        id: "donors",
        title: format!("Top {} donors ({}; {units})", reports::TOP_DONORS, f.measure.words()),
        svg: svg_or_note(charts::horizontal_bars(
            &format!("Top donors ({unit})"),
            &donor_labels,
            &f.donors.iter().map(|c| millions(c.amount)).collect::<Vec<_>>(),
            &unit,
            charts::GREEN,
        )),
        headers: vec!["Donor".into(), format!("Amount ({cur})")],
        rows: f.donors.iter().map(|c| Row { label: c.label.clone(), cells: vec![c.amount.decimal()] }).collect(),
    };
    let long_range = Chart {
        id: "long-range",
        title: format!("Share of long-range systems over time ({}, % of the month's value)", f.measure.words()),
        svg: svg_or_note(charts::percent_line(
            "Long-range share of support by month (%)",
            &months,
            &f.months.iter().map(|m| m.long_range_pct).collect::<Vec<_>>(),
            "long-range share",
        )),
        headers: vec!["Month".into(), "Long-range share (%)".into()],
        rows: f
            .months
            .iter()
            .map(|m| Row { label: m.month.clone(), cells: vec![format!("{:.2}", m.long_range_pct)] })
            .collect(),
    };
    let categories: Vec<String> = f.coverage.iter().map(|c| c.category.clone()).collect();
    let count = |g: fn(&reports::CoverageRow) -> u32| f.coverage.iter().map(|c| f64::from(g(c))).collect::<Vec<_>>();
    let coverage = Chart {
        id: "coverage",
        title: "Request coverage by category (number of requests)".into(),
        svg: svg_or_note(charts::stacked_bars(
            "Requests by category and coverage (count)",
            &categories,
            &[
                Series { name: "open (nothing pledged)".into(), colour: charts::RED, values: count(|c| c.open) },
                Series { name: "partially covered".into(), colour: charts::AMBER, values: count(|c| c.partial) },
                Series { name: "covered (pledged)".into(), colour: charts::BLUE, values: count(|c| c.covered) },
                Series { name: "closed (delivered)".into(), colour: charts::GREEN, values: count(|c| c.closed) },
            ],
            charts::Axes { x: "Category", y: "Requests (count)", counts: true },
        )),
        headers: vec!["Category".into(), "Open".into(), "Partially covered".into(), "Covered".into(), "Closed".into()],
        rows: f
            .coverage
            .iter()
            .map(|c| Row {
                label: c.category.clone(),
                cells: vec![c.open.to_string(), c.partial.to_string(), c.covered.to_string(), c.closed.to_string()],
            })
            .collect(),
    };
    vec![over_time, by_channel, donors, long_range, coverage]
}

const MEASURES: [Measure; 3] = [Measure::Committed, Measure::Allocated, Measure::Delivered];

/// `GET /support/dashboard?measure=&currency=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let measure = q.measure.as_deref().and_then(parse_enum::<Measure>).unwrap_or(Measure::Committed);
    let currency = q
        .currency
        .as_deref()
        .and_then(|c| Currency::parse(&c.to_ascii_uppercase()).ok())
        .unwrap_or(Currency::parse("EUR").map_err(|e| WebError::Internal(e.to_string()))?);
    let view = state.view().await;
    let figures = reports::figures(&view.state.support, measure, currency);
    let burden = reports::burden(&view.state, measure);
    let (charts, error) = match figures {
        Ok(f) => (build(&f), String::new()),
        Err(e) => (Vec::new(), e),
    };
    let currency_code = currency.as_str().to_owned();
    let currencies: Vec<Opt> = Currency::all()
        .map(|c| Opt {
            value: c.as_str().to_owned(),
            label: format!("{} — {}", c.as_str(), c.name()),
            selected: c == currency,
        })
        .collect();
    page(&DashboardPage {
        layout: Layout::new(Some(&viewer), "Support dashboard", "/support/dashboard"),
        measures: options(&MEASURES, |m| m.words().to_owned(), &crate::forms::slug(&measure)),
        currencies,
        measure: measure.words(),
        currency: currency_code,
        error,
        charts,
        burden,
        exports: &concord_server::exports::FILES,
    })
}
