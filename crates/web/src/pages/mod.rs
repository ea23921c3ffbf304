//! One module per page (or family of pages), each with its handlers and template structs.

pub mod charts_page;
pub mod dashboard;
pub mod events;
pub mod log;
pub mod login;
pub mod members;
pub mod proposal;
pub mod support;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use concord_server::AppState;

use crate::WebError;

/// Every page's routes, each module declaring its own.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(dashboard::router())
        .merge(login::router())
        .merge(proposal::router())
        .merge(members::router())
        .merge(support::router())
        .merge(charts_page::router())
        .merge(log::router())
        .merge(events::router())
}

/// The HTML 404 page for any address the web and the API do not know (in the viewer's frame
/// when signed in: the extractor finds the viewer).
pub async fn not_found(_viewer: crate::session::MaybeViewer) -> WebError {
    missing()
}

/// What an unknown address is.
pub(crate) fn missing() -> WebError {
    WebError::NotFound("There is no page at this address.".into())
}

/// A rendered page with status 200.
pub(crate) fn page(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

/// A rendered page with another status (a form shown again with its errors: 422).
pub(crate) fn page_with(status: StatusCode, t: &impl Template) -> Result<Response, WebError> {
    Ok((status, Html(t.render()?)).into_response())
}
