//! Calendar feeds: `/calendar/<token>.ics`, one per reader who asked for one, holding an event
//! per open deadline it must act by (RFC 5545, rendered by `concord_notify::calendar`). The
//! token is the credential, as calendar apps cannot send one: long, random, kept only as a hash.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use concord_core::Actor;

use crate::AppState;
use crate::notifier::reader_of;
use crate::problem::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/calendar/{file}", get(feed))
}

/// A generator seeded from the operating system, for secrets (feed tokens, webhook secrets).
pub(crate) fn fresh_rng() -> Result<rand::rngs::StdRng, ApiError> {
    use rand::SeedableRng;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| ApiError::Internal(format!("no randomness available: {e}")))?;
    Ok(rand::rngs::StdRng::from_seed(seed))
}

/// A feed just made: its secret address, shown this once, and the id that names it to list or
/// revoke it.
#[derive(Debug, Clone)]
pub struct NewFeed {
    pub id: String,
    pub url: String,
}

/// A feed's id: the hex of its token's SHA-256 (what the store keeps), which opens nothing.
#[must_use]
pub fn feed_id(hash: &[u8; 32]) -> String {
    hex::encode(hash)
}

/// Makes a feed for `actor`.
pub async fn create(state: &AppState, actor: Actor) -> Result<NewFeed, ApiError> {
    let made = create_in(state.store(), actor, &state.base_url(), state.clock().now(), &mut fresh_rng()?).await?;
    Ok(made)
}

/// Makes a feed for `actor` in `store`, under `base_url` (the demo makes its delegations' feeds
/// before it serves).
pub async fn create_in(
    store: &dyn concord_store::Store,
    actor: Actor,
    base_url: &str,
    now: jiff::Timestamp,
    rng: &mut rand::rngs::StdRng,
) -> Result<NewFeed, concord_store::StoreError> {
    let token = concord_notify::calendar::new_feed_token(rng);
    let hash = concord_notify::calendar::token_hash(&token);
    store.create_feed(&hash, &actor, now).await?;
    Ok(NewFeed { id: feed_id(&hash), url: format!("{base_url}/calendar/{token}.ics") })
}

async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let unknown = || ApiError::NotFound("there is no calendar feed at this address".into());
    let token = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let actor = state.store().find_feed(&concord_notify::calendar::token_hash(token)).await?.ok_or_else(unknown)?;
    let view = state.view().await;
    let origin = view.state.log.as_ref().map_or("concord", |l| l.origin.as_str());
    let body =
        concord_notify::calendar::feed(&view.state, reader_of(actor), state.clock().now(), &state.base_url(), origin);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            // Whoever holds the address reads it; no cache on the way should keep a copy.
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}
