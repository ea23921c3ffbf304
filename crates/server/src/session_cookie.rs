//! The browser session cookie, as `concord-web` sets it and as anything served beside the pages
//! (the exports) reads it: one place for its names, how it is found and how it is stored.

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

/// The session cookie's name over plain HTTP (loopback, the demo).
pub const COOKIE: &str = "concord_session";
/// Its name over TLS: the `__Host-` prefix makes the browser refuse it without `Secure`, from
/// another host, or with a `Domain`.
pub const HOST_COOKIE: &str = "__Host-concord_session";

/// A cookie's value from the request's `Cookie` headers.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session token a request carries: the `__Host-` cookie if there is one, else the plain.
#[must_use]
pub fn token(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, HOST_COOKIE).or_else(|| cookie(headers, COOKIE))
}

/// The stored form of a session token.
#[must_use]
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
