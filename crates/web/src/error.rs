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
    /// No session (or an expired one): sign in first, then come back to `next` (a path on
    /// this site, or empty).
    #[error("sign-in required")]
    SignIn { expired: bool, next: String },
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

/// A path as a query value: everything but unreserved characters percent-encoded (RFC 3986
/// §2.3).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
            Self::SignIn { expired, next } => {
                let mut query = Vec::new();
                if *expired {
                    query.push("expired=1".to_owned());
                }
                if !next.is_empty() && next != "/" {
                    query.push(format!("next={}", percent_encode(next)));
                }
                let to = if query.is_empty() { "/login".to_owned() } else { format!("/login?{}", query.join("&")) };
                let mut r = Redirect::to(&to).into_response();
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
        let page = ErrorPage { status: status.as_u16(), heading, message: message.clone() };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, heading).into_response(),
        };
        // For `frame::errors`, which shows it inside the signed-in viewer's own frame.
        response.extensions_mut().insert(ErrorInfo { heading, message });
        response
    }
}

/// What an error page says, kept on the response so that it can be shown again inside the
/// page frame of a signed-in viewer (with their navigation).
#[derive(Debug, Clone)]
pub(crate) struct ErrorInfo {
    pub heading: &'static str,
    pub message: String,
}

/// An error page inside the viewer's frame.
#[derive(Template)]
#[template(path = "error_framed.html")]
pub(crate) struct FramedErrorPage {
    pub layout: crate::layout::Layout,
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}

impl FramedErrorPage {
    /// The page, or `None` if it does not render (the plain one is kept then).
    pub(crate) fn response(self, status: StatusCode) -> Option<Response> {
        self.render().ok().map(|html| (status, Html(html)).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_comes_back_to_the_page_asked_for() {
        let to = |expired, next: &str| {
            let r = WebError::SignIn { expired, next: next.to_owned() }.into_response();
            r.headers()["location"].to_str().unwrap_or_default().to_owned()
        };
        assert_eq!(to(false, "/"), "/login");
        assert_eq!(to(true, ""), "/login?expired=1");
        assert_eq!(to(false, "/support?donor=FRA&lethal=yes"), "/login?next=/support%3Fdonor%3DFRA%26lethal%3Dyes");
    }
}
