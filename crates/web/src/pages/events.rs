//! `/events`: server-sent events for live pages. One `log` event each time the log grows
//! (the sequencer's head after a commit), carrying the new size; the page script then fetches
//! its live regions again. The size is all it carries: how many entries the log holds is what
//! every audience learns from the public envelopes anyway, and what the page then fetches goes
//! through the same access rules as any page, so the stream needs no session and no marking.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use concord_server::AppState;
use futures::Stream;

/// The live-refresh stream.
pub(crate) fn routes() -> super::Routes {
    vec![("/events", get(stream))]
}

/// `GET /events`.
pub async fn stream(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut head = state.log_head();
    // The current size is not news: only growth from now on is sent.
    head.mark_unchanged();
    let events = futures::stream::unfold(head, |mut head| async move {
        head.changed().await.ok()?;
        let size = *head.borrow_and_update();
        Some((Ok(Event::default().event("log").data(size.to_string())), head))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
