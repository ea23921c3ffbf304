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
use concord_core::{Actor, Reader};
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

/// The authenticated caller: the role its token is bound to, and the token's label, which
/// names the account that acts (sealed with each event it writes, as `token:<label>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub actor: Actor,
    pub label: String,
}

impl Caller {
    /// Who reads: what every read asks the domain's access rules with
    /// (`concord_core::access`), never the actor's role directly.
    #[must_use]
    pub fn reader(&self) -> Reader {
        Reader::of(Some(self.actor))
    }

    /// The account sealed with what this caller writes: `token:<label>`.
    #[must_use]
    pub fn account(&self) -> String {
        format!("token:{}", self.label)
    }
}

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
        // Read from the store on every request, never cached: a revoked token stops working at
        // once on every server sharing the database (one indexed read, far below a write's cost).
        let hash = hash_token(token);
        match state.store().find_token(&hash).await? {
            Some(t) if t.valid_at(state.clock().now()) => Ok(Self { actor: t.actor, label: t.label }),
            Some(t) if t.revoked_at.is_some() => Err(ApiError::Unauthorized("the token has been revoked".into())),
            Some(_) => Err(ApiError::Unauthorized("the token has expired".into())),
            None => Err(ApiError::Unauthorized("the token is not valid (unknown)".into())),
        }
    }
}

/// Who reads: the caller's [`Reader`](concord_core::Reader). No `Authorization` header is the
/// public; a header that does not hold a valid token is refused as for [`Caller`], never read
/// as the public (a caller who meant to sign in must learn that it did not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer(pub concord_core::Reader);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let caller = Caller::from_request_parts(parts, state).await?;
            Ok(Self(caller.reader()))
        } else {
            Ok(Self(concord_core::Reader::Public))
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
