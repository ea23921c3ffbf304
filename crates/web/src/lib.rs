//! Concord's web interface: server-rendered pages for delegations, the secretariat, the partner
//! and observers, served by the same binary as the API.
//!
//! - [`router`] gives the pages (`/`, `/proposals/{id}`, `/members`, `/coalitions`, `/support`,
//!   `/support/dashboard`, `/log`, `/login`, `/logout`, `/events`, `/static/*`) and an HTML 404
//!   for any other path; the binary merges it beside the API (`App::router_with`).
//! - Pages are [askama] templates compiled into the binary (`templates/`); CSS and a little
//!   JavaScript (countdowns, live refresh over server-sent events) are compiled in too
//!   ([`assets`]). Every page works without JavaScript.
//! - Sign-in is by name and password ([`accounts`]: Argon2id, lockout after repeated failures);
//!   a session is a random token in an HttpOnly, SameSite=Strict cookie, stored as its SHA-256
//!   with its own anti-CSRF token ([`session`]).
//!
//! **Invariant:** a form writes exactly as the API does: it builds a `concord_core::Command` and
//! submits it to the sequencer; a refusal is shown beside the form with the input kept, and
//! nothing changes. No page writes to the store except accounts and sessions.
//!
//! **Invariant:** every call into `concord_core::support::report` goes through [`reports`], one
//! small adapter, so that changes there touch one file.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod assets;
mod charts;
mod diff;
mod entry_words;
mod error;
mod forms;
mod frame;
mod layout;
mod log_filter;
mod pages;
mod reports;
pub mod session;
mod timefmt;

use std::sync::Arc;

use axum::Router;
use concord_server::AppState;

pub use error::WebError;
pub use pages::paths;

/// How the pages are served.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The server is reached over TLS (directly or behind a proxy): cookies get `Secure` and
    /// the `__Host-` prefix. Also inferred per request from `X-Forwarded-Proto: https`.
    pub tls: bool,
}

/// The web pages, to merge beside the API (`concord_server::App::router_with`). Includes the
/// HTML 404 fallback, so the merged router must have no other fallback.
pub fn router(config: WebConfig) -> Router<AppState> {
    Router::new()
        .merge(pages::router())
        .merge(assets::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(frame::errors))
        .layer(axum::middleware::from_fn(assets::security_headers))
        .layer(axum::Extension(Arc::new(config)))
        .layer(axum::Extension(Arc::new(accounts::PasswordChecks::for_this_machine())))
}
