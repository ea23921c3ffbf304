//! RFC 9457 problem details: the one place where every error becomes an HTTP response.
//!
//! Each kind of problem has a stable `type` URI (`urn:concord:problem:<slug>`; the slugs of
//! domain refusals are `Refusal::code`), an HTTP status, a short title and a sentence for people
//! in `detail`. Internal errors are logged with their cause and answered with a generic sentence:
//! internal text is never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use concord_core::{Refusal, RefusalClass};
use concord_store::StoreError;
use serde::Serialize;

/// The problem type URI prefix.
pub const TYPE_PREFIX: &str = "urn:concord:problem:";

/// The JSON body of a problem response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem, e.g. `urn:concord:problem:deadline-passed`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// What happened, in a sentence.
    pub detail: String,
}

/// Seconds an overloaded server asks a client to wait: long enough for idle connections and
/// sign-in checks to drain, short enough for a person retrying.
pub const OVERLOADED_RETRY_AFTER: &str = "5";

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{detail}")]
    BadRequest { slug: &'static str, detail: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("this address does not accept that method; the Allow header lists those it does")]
    MethodNotAllowed,
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A well-formed request that cannot be answered as asked (a report in a currency with no
    /// recorded rate).
    #[error("{1}")]
    Unprocessable(&'static str, String),
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the service is overloaded or its database is unavailable; retry shortly")]
    Unavailable,
    /// Too many connections, sign-ins or a request that ran too long: retry after a pause.
    #[error("{0}")]
    Overloaded(String),
    #[error("not ready: {0}")]
    NotReady(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub(crate) fn bad_request(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest { slug, detail: detail.into() }
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Refused(r) => {
                let status = match r.class() {
                    RefusalClass::Forbidden => StatusCode::FORBIDDEN,
                    RefusalClass::NotFound => StatusCode::NOT_FOUND,
                    RefusalClass::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                    RefusalClass::Conflict => StatusCode::CONFLICT,
                };
                (status, r.code())
            }
            Self::BadRequest { slug, .. } => (StatusCode::BAD_REQUEST, slug),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            Self::Unprocessable(slug, _) => (StatusCode::UNPROCESSABLE_ENTITY, slug),
            Self::IdempotencyKeyReused => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not-ready"),
            Self::Overloaded(_) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The problem document for this error.
    #[must_use]
    pub fn problem(&self) -> Problem {
        let (status, slug) = self.parts();
        let detail = match self {
            Self::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        Problem { type_: format!("{TYPE_PREFIX}{slug}"), title: title(slug), status: status.as_u16(), detail }
    }
}

/// `deadline-passed` → `Deadline passed`.
fn title(slug: &str) -> String {
    let mut s = slug.replace('-', " ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) | StoreError::Conflict { .. } => {
                tracing::warn!(error = %e, "store unavailable");
                Self::Unavailable
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let problem = self.problem();
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match self {
            Self::Unauthorized(_) => {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"concord\""));
            }
            Self::Unavailable | Self::NotReady(_) => {
                h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Overloaded(_) => {
                h.insert(header::RETRY_AFTER, HeaderValue::from_static(OVERLOADED_RETRY_AFTER));
            }
            _ => {}
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_their_slug_and_sentence() {
        let e = ApiError::from(Refusal::DeadlinePassed { deadline: "2024-02-28T12:00:00Z".parse().unwrap() });
        let p = e.problem();
        assert_eq!(p.type_, "urn:concord:problem:deadline-passed");
        assert_eq!(p.title, "Deadline passed");
        assert_eq!(p.status, 409);
        assert!(p.detail.contains("2024-02-28T12:00:00Z"), "{}", p.detail);
    }

    #[test]
    fn internal_text_is_never_sent() {
        let p = ApiError::Internal("disk /var/lib/secret failed".into()).problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("secret"));
    }
}
