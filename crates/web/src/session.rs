//! Sessions: who is looking at a page.
//!
//! Signing in makes a random 256-bit session token, sent in a cookie (`HttpOnly`,
//! `SameSite=Strict`, `Path=/`; over TLS also `Secure` and the `__Host-` prefix, which pins it
//! to this host). The store keeps only its SHA-256, the user, an expiry and the session's
//! anti-CSRF token. Every form carries that token in a hidden `csrf` field, compared in constant
//! time on every POST (the synchronizer-token pattern); `SameSite=Strict` is a second line.
//! The sign-in form, which has no session yet, uses a double-submit cookie instead.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use concord_core::{Actor, Reader};
use concord_server::AppState;
use concord_store::{Channel, MessageFilter, MessageState};
use jiff::{SignedDuration, Timestamp};
use subtle::ConstantTimeEq;

use crate::{WebConfig, WebError};

pub use concord_server::session_cookie::{COOKIE, HOST_COOKIE, cookie, hash_token};
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "concord_login";
/// How long a session lasts from sign-in.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);

/// 32 random bytes in unpadded base64url.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Constant-time equality of two tokens (a mismatch at the first byte takes as long as at the
/// last).
#[must_use]
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether this request reached us over TLS: configured, or said by a proxy.
#[must_use]
pub fn is_tls(config: &WebConfig, headers: &HeaderMap) -> bool {
    config.tls
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value for a new session token.
#[must_use]
pub fn session_cookie_header(token: &str, tls: bool) -> HeaderValue {
    let ttl = SESSION_TTL.as_secs();
    let v = if tls {
        format!("{HOST_COOKIE}={token}; Path=/; Max-Age={ttl}; HttpOnly; SameSite=Strict; Secure")
    } else {
        format!("{COOKIE}={token}; Path=/; Max-Age={ttl}; HttpOnly; SameSite=Strict")
    };
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
#[must_use]
pub fn clear_cookie_header(tls: bool) -> HeaderValue {
    if tls {
        HeaderValue::from_static("__Host-concord_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure")
    } else {
        HeaderValue::from_static("concord_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
    }
}

/// A signed-in viewer.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: String,
    pub actor: Actor,
    /// The session's anti-CSRF token, for the forms on the page.
    pub csrf: String,
    pub(crate) token_hash: [u8; 32],
    /// Notices not yet read, for the navigation.
    pub unread: u64,
}

impl Viewer {
    /// Refuses a form whose `csrf` field is not this session's token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        if tokens_match(submitted, &self.csrf) { Ok(()) } else { Err(WebError::Csrf) }
    }

    /// Who reads: what every page asks the domain's access rules with (`concord_core::access`).
    #[must_use]
    pub fn reader(&self) -> Reader {
        Reader::of(Some(self.actor))
    }

    /// Whether the viewer is the secretariat.
    #[must_use]
    pub fn is_secretariat(&self) -> bool {
        self.actor == Actor::Secretariat
    }
}

/// Finds the session a request carries, if valid at `now`. `Err(SignIn { expired: true })` when
/// it was valid once and has expired (the page says so); `next` is where to come back after.
pub async fn find(
    state: &AppState,
    headers: &HeaderMap,
    now: Timestamp,
    next: &str,
) -> Result<Option<Viewer>, WebError> {
    let Some(token) = concord_server::session_cookie::token(headers) else { return Ok(None) };
    let hash = hash_token(token);
    let Some(session) = state.store().find_session(&hash).await? else { return Ok(None) };
    if session.expires_at <= now {
        // Expired sessions are removed when met.
        state.store().delete_session(&hash).await?;
        return Err(WebError::SignIn { expired: true, next: next.to_owned() });
    }
    let unread = MessageFilter {
        recipient: Some(session.actor),
        channel: Some(Channel::Web),
        state: Some(MessageState::Pending),
    };
    let unread = state.store().count_messages(&unread).await?;
    Ok(Some(Viewer { user: session.user, actor: session.actor, csrf: session.csrf, token_hash: hash, unread }))
}

/// Where the extractors leave the viewer they found, for `frame::errors` to read after the
/// handler (an error page then keeps the viewer's navigation).
#[derive(Debug, Clone, Default)]
pub(crate) struct ViewerSlot(pub std::sync::Arc<std::sync::Mutex<Option<Viewer>>>);

fn remember(parts: &Parts, viewer: &Viewer) {
    if let Some(slot) = parts.extensions.get::<ViewerSlot>() {
        if let Ok(mut s) = slot.0.lock() {
            *s = Some(viewer.clone());
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let now = state.clock().now();
        // After signing in, back to the page asked for (a form's target is not a page).
        let next = if parts.method == axum::http::Method::GET {
            parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default()
        } else {
            String::new()
        };
        let viewer = find(state, &parts.headers, now, &next).await?.ok_or(WebError::SignIn { expired: false, next })?;
        remember(parts, &viewer);
        Ok(viewer)
    }
}

/// The viewer if signed in (pages anyone may read, such as the log).
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let now = state.clock().now();
        match find(state, &parts.headers, now, "").await {
            Ok(v) => {
                if let Some(v) = &v {
                    remember(parts, v);
                }
                Ok(Self(v))
            }
            Err(WebError::SignIn { .. }) => Ok(Self(None)),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "abcd"));
        assert!(!tokens_match("", "a"));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("x_concord_session=bad; concord_session=good; other=1"));
        assert_eq!(cookie(&h, COOKIE), Some("good"));
        assert_eq!(cookie(&h, HOST_COOKIE), None);
    }

    #[test]
    fn cookies_are_strict_and_secure_over_tls() {
        let plain = session_cookie_header("t", false);
        let plain = plain.to_str().unwrap();
        assert!(
            plain.starts_with("concord_session=t;") && plain.contains("HttpOnly") && plain.contains("SameSite=Strict")
        );
        assert!(!plain.contains("Secure"));
        let tls = session_cookie_header("t", true);
        let tls = tls.to_str().unwrap();
        assert!(tls.starts_with("__Host-concord_session=t;") && tls.contains("; Secure"));
        let mut h = HeaderMap::new();
        assert!(!is_tls(&WebConfig::default(), &h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_tls(&WebConfig::default(), &h));
        assert!(is_tls(&WebConfig { tls: true }, &HeaderMap::new()));
    }

    #[test]
    fn session_tokens_are_random_and_hashed() {
        let a = random_token().unwrap();
        assert_ne!(a, random_token().unwrap());
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
