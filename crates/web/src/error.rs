//! The one error type of the pages, and its one rendering: an HTML page with the right status.
//! Internal error text is logged, never shown.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use concord_server::sequencer::SubmitError;
use concord_store::StoreError;

/// Why a page could not be shown or a form not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found: {0}")]
    NotFound(String),
    /// Signed in, but this role may not see or do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No session (or an expired one): sign in first.
    #[error("sign-in required")]
    SignIn { expired: bool },
    /// A form without the session's anti-CSRF token, or with another.
    #[error("the form's security token is missing or wrong")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("submit: {0}")]
    Submit(SubmitError),
    #[error("render: {0}")]
    Render(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<SubmitError> for WebError {
    fn from(e: SubmitError) -> Self {
        Self::Submit(e)
    }
}

/// The page shown for an error.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self {
            Self::SignIn { expired } => {
                let to = if *expired { "/login?expired=1" } else { "/login" };
                let mut r = Redirect::to(to).into_response();
                if *expired {
                    r.headers_mut().append(
                        axum::http::header::SET_COOKIE,
                        crate::session::clear_cookie_header(false),
                    );
                }
                return r;
            }
            Self::NotFound(m) => (StatusCode::NOT_FOUND, "Page not found", m.clone()),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.clone()),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired or not from this site",
                "The form's security token is missing or does not match your session. Nothing was changed: go back, reload the page and try again.".to_owned(),
            ),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m.clone()),
            Self::Submit(SubmitError::Overloaded) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy",
                "The server is busy. Nothing was changed; try again in a moment.".to_owned(),
            ),
            Self::Submit(SubmitError::Refused(r)) => (StatusCode::UNPROCESSABLE_ENTITY, "Refused", r.to_string()),
            Self::Submit(e) => {
                tracing::error!(error = %e, "a page's write failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "The log could not be written. Nothing was changed; try again in a moment.".to_owned(),
                )
            }
            Self::Store(StoreError::Unavailable(e)) => {
                tracing::warn!(error = %e, "store unavailable for a page");
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "The database is unavailable; try again in a moment.".to_owned())
            }
            Self::Store(_) | Self::Render(_) | Self::Internal(_) => {
                tracing::error!(error = %self, "a page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be shown. The error was logged.".to_owned())
            }
        };
        let page = ErrorPage { status: status.as_u16(), heading, message };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}
