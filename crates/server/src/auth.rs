//! Bearer tokens: who is calling.
//!
//! A token is `cct_` followed by 32 random bytes in unpadded base64url. The store keeps only its
//! SHA-256, bound to one [`Actor`] (secretariat, a member, a partner, or an observer). This
//! module authenticates; what each actor may do is decided by the domain (`concord_core::decide`)
//! and, for reads, by the handlers.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use concord_core::Actor;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::problem::ApiError;

/// The prefix that makes Concord tokens recognisable (e.g. to secret scanners).
pub const TOKEN_PREFIX: &str = "cct_";

/// A new random token and the hash to store.
pub fn generate_token() -> Result<(String, [u8; 32]), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The stored form of a token.
#[must_use]
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Recently verified tokens, so that a request does not cost a database read to authenticate.
///
/// Only hits are cached, for [`TokenCache::TTL`]: a token created a moment ago (by
/// `concord token create`, from another process) is found on its first use, and a revoked one
/// stops working within the TTL. Hand-written rather than a cache crate: a map, a lock and a
/// clock are all it takes.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], (Actor, std::time::Instant)>>,
}

impl TokenCache {
    /// How long a verified token is trusted without asking the store again.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    /// Entries kept at most; the cache is emptied when it would grow past this.
    const CAPACITY: usize = 10_000;

    fn get(&self, hash: &[u8; 32]) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries.get(hash).filter(|(_, at)| at.elapsed() < Self::TTL).map(|(a, _)| *a)
    }

    fn put(&self, hash: [u8; 32], actor: Actor) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(hash, (actor, std::time::Instant::now()));
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("an Authorization: Bearer token is required".into()))?;
        let token = value
            .to_str()
            .ok()
            // RFC 9110 §11.1: the scheme name is case-insensitive.
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| t.starts_with(TOKEN_PREFIX))
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header is not a Concord bearer token".into()))?;
        let hash = hash_token(token);
        if let Some(actor) = state.tokens().get(&hash) {
            return Ok(Self(actor));
        }
        match state.store().find_token(&hash).await? {
            Some(actor) => {
                state.tokens().put(hash, actor);
                Ok(Self(actor))
            }
            None => Err(ApiError::Unauthorized("the token is not valid (unknown or revoked)".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let (a, ha) = generate_token().unwrap();
        let (b, hb) = generate_token().unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(hash_token(&a), ha);
    }
}
