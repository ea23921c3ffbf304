//! The JSON API under `/api/v1`: one module per resource, each with its own `router()`.
//!
//! A handler reads: extract (the caller, the body) → call the domain through the sequencer, or
//! read the state it last published ([`crate::AppState::view`]) → reply. Errors are [`ApiError`]s, turned into problem documents in one place.

pub mod bodies;
pub mod burden;
pub mod extract;
pub mod health;
pub mod log;
pub mod members;
pub mod notices;
pub mod params;
pub mod partners;
pub mod populations;
pub mod positions;
pub mod proposals;
pub mod subscriptions;
pub mod support;
pub mod support_reads;
pub mod support_registers;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use concord_core::Command;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::ApiError;
use crate::sequencer::{IdempotencyKey, SubmitError};

/// Largest accepted request body. A proposal text is at most 100,000 characters (up to 400 KB
/// of UTF-8); anything larger is refused with 413 before it is read.
pub const BODY_LIMIT: usize = 512 * 1024;
/// Default and largest page sizes.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// All API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(members::router())
        .merge(bodies::router())
        .merge(populations::router())
        .merge(partners::router())
        .merge(proposals::router())
        .merge(positions::router())
        .merge(support::router())
        .merge(burden::router())
        .merge(support_reads::router())
        .merge(support_registers::router())
        .merge(log::router())
        .merge(notices::router())
        .merge(subscriptions::router())
}

/// `?limit=&after=` on list endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

impl ListQuery {
    pub(crate) fn limit(&self) -> Result<u32, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n @ 1..=MAX_LIMIT) => Ok(n),
            Some(n) => {
                Err(ApiError::bad_request("invalid-query", format!("limit {n} is not between 1 and {MAX_LIMIT}")))
            }
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of `limit` requested items, with `key` giving each item's cursor.
    pub(crate) fn new(items: Vec<T>, limit: u32, key: impl Fn(&T) -> String) -> Self {
        let next = if items.len() as u32 == limit { items.last().map(key) } else { None };
        Self { items, next }
    }
}

/// A write: the caller, its idempotency key, and the raw body (kept raw so that the key's
/// fingerprint covers exactly what was sent).
#[derive(Debug)]
pub struct Write {
    pub caller: Caller,
    key: Option<IdempotencyKey>,
    headers: HeaderMap,
    body: Bytes,
}

impl FromRequest<AppState> for Write {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        let headers = parts.headers.clone();
        let req = Request::from_parts(parts, body);
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!("the request body is larger than {BODY_LIMIT} bytes"))
            } else {
                ApiError::bad_request("unreadable-body", rejection.body_text())
            }
        })?;
        let key = match headers.get("idempotency-key") {
            None => None,
            Some(v) => {
                let key = v
                    .to_str()
                    .ok()
                    .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid-idempotency-key",
                            "Idempotency-Key must be 1 to 255 visible ASCII characters",
                        )
                    })?;
                let mut h = Sha256::new();
                for part in [method.as_str().as_bytes(), b" ", path.as_bytes(), b"\n", &body] {
                    h.update(part);
                }
                Some(IdempotencyKey {
                    // Per account, not per role: two clerks of the secretariat never answer for
                    // each other (the account is what the entry seals).
                    principal: format!("{} {}", caller.actor, caller.account()),
                    key: key.to_owned(),
                    fingerprint: hex::encode(h.finalize()),
                })
            }
        };
        Ok(Self { caller, key, headers, body })
    }
}

impl Write {
    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let is_json = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
        }
        // Well-formed JSON of the wrong shape (a number where a name belongs) is invalid, not
        // malformed; serde_json reports some of those as syntax errors, so check syntax alone first.
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.body)
            .map_err(|e| ApiError::bad_request("malformed-json", format!("the body is not well-formed JSON: {e}")))?;
        let invalid =
            |e: serde_json::Error| ApiError::bad_request("invalid-body", format!("the body is not valid: {e}"));
        match serde_json::from_slice(&self.body) {
            Ok(v) => Ok(v),
            Err(first) => {
                // JSON has one kind of number: `3.0` is the integer 3 (RFC 8259 §6, and JSON
                // Schema's `integer`, which the OpenAPI document uses), but serde reads it as a
                // float and refuses it where an integer belongs. So after such a refusal, and only
                // then (the usual body is read once), integral numbers are read again as integers.
                let mut value: serde_json::Value = serde_json::from_slice(&self.body).map_err(invalid)?;
                if integral_floats_to_integers(&mut value) {
                    serde_json::from_value(value).map_err(invalid)
                } else {
                    Err(invalid(first))
                }
            }
        }
    }

    /// Submits `command` as the caller and answers with the affected resource.
    pub async fn submit(self, state: &AppState, command: Command) -> Result<Response, ApiError> {
        let account = Some(self.caller.account());
        let reply =
            state.sequencer().submit(self.caller.actor, account, command, self.key).await.map_err(|e| match e {
                SubmitError::Refused(r) => ApiError::Refused(r),
                SubmitError::KeyReused => ApiError::IdempotencyKeyReused,
                SubmitError::Overloaded => ApiError::Unavailable,
                SubmitError::Unavailable(msg) => {
                    tracing::warn!(%msg, "write failed");
                    ApiError::Unavailable
                }
            })?;
        let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
        let mut resp = (status, reply.body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if reply.replayed {
            resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        Ok(resp)
    }
}

/// Rewrites every number in `v` written with a zero fraction (`3.0`, `1e3`) as the integer it is;
/// true if any was.
fn integral_floats_to_integers(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // The casts are exact: `f` has no fraction and is within the target's range.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let integer = if f.fract() != 0.0 || !f.is_finite() {
                None
            } else if f >= 0.0 && f < u64::MAX as f64 {
                Some(serde_json::Number::from(f as u64))
            } else if f < 0.0 && f >= i64::MIN as f64 {
                Some(serde_json::Number::from(f as i64))
            } else {
                None
            };
            integer.map(|i| *n = i).is_some()
        }
        // Every element is visited (no short circuit): all of them are rewritten.
        Value::Array(items) => items.iter_mut().map(integral_floats_to_integers).filter(|&changed| changed).count() > 0,
        Value::Object(map) => map.values_mut().map(integral_floats_to_integers).filter(|&changed| changed).count() > 0,
        _ => false,
    }
}
