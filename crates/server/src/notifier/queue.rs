//! Queues notices: those the entries after the notice cursor cause, and the reminders due now.

use std::sync::Arc;
use std::time::Duration;

use concord_core::notice::{due, next_due, of_entry};
use concord_log::Loaded;
use concord_store::{NewMessage, StoreError};
use jiff::{SignedDuration, Timestamp};

use super::{NotifyConfig, route};
use crate::AppState;
use crate::clock::until;

/// Entries read per transaction.
const PAGE: u64 = 500;

/// An entry older than this when first seen causes no notice: a log that existed before
/// notices were switched on does not mail its whole history. Far longer than any restart.
const HORIZON: SignedDuration = SignedDuration::from_hours(48);

/// Passes are at least this far apart: under a stream of writes one pass takes many entries.
const AT_LEAST: Duration = Duration::from_millis(500);

pub(super) async fn run(state: AppState, config: Arc<NotifyConfig>, wake: Arc<tokio::sync::Notify>) {
    let mut published = state.sequencer().published();
    loop {
        let view = state.view().await;
        let now = state.clock().now();
        let pause = match pass(&state, &view, now, &config).await {
            Ok(queued) => {
                if queued > 0 {
                    wake.notify_one();
                }
                next_due(&view.state, now, &config.ladder).map_or(config.poll, |t| until(now, t).min(config.poll))
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot queue notices; trying again shortly");
                Duration::from_secs(5)
            }
        };
        tokio::time::sleep(AT_LEAST.min(pause)).await;
        tokio::select! {
            changed = published.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(pause.saturating_sub(AT_LEAST)) => {}
        }
    }
}

/// One pass: the entries after the cursor up to `view`, then the reminders due at `now`.
/// Returns how many messages were new.
async fn pass(state: &AppState, view: &Loaded, now: Timestamp, config: &NotifyConfig) -> Result<usize, StoreError> {
    let store = state.store();
    let contacts = store.contacts().await?;
    let subscriptions = store.subscriptions().await?;
    let mut queued = 0;
    let mut cursor = store.notice_cursor().await?;
    while cursor < view.size {
        let entries = store.entries(cursor, PAGE.min(view.size - cursor)).await?;
        if entries.is_empty() {
            break;
        }
        let mut messages: Vec<NewMessage> = Vec::new();
        for e in &entries {
            // The sequencer checked every entry before it was stored, and a load checks again; an
            // entry that does not open here causes no notice rather than stopping all others.
            let Some(record) = e
                .part
                .as_deref()
                .and_then(|part| concord_core::record::decode(&e.bytes).ok().map(|env| (env, part)))
                .and_then(|(env, part)| concord_core::record::open(&env, part).ok())
            else {
                tracing::warn!(seq = e.seq, "an entry that does not open causes no notice");
                continue;
            };
            if record.at < now - HORIZON {
                continue;
            }
            for notice in of_entry(&view.state, record.seq, record.marking, &record.event, record.at) {
                messages.extend(route::messages(&notice, &contacts, &subscriptions, now));
            }
        }
        let to = cursor + entries.len() as u64;
        match store.enqueue(Some((cursor, to)), &messages).await {
            Ok(n) => {
                queued += n;
                cursor = to;
            }
            // Another server queued these first; go on from where it got.
            Err(StoreError::Conflict { .. }) => cursor = store.notice_cursor().await?,
            Err(e) => return Err(e),
        }
    }
    let reminders: Vec<NewMessage> = due(&view.state, now, &config.ladder)
        .iter()
        .flat_map(|n| route::messages(n, &contacts, &subscriptions, now))
        .collect();
    if !reminders.is_empty() {
        queued += store.enqueue(None, &reminders).await?;
    }
    Ok(queued)
}
