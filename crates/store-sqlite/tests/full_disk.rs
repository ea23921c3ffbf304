//! A write that runs out of space, on the store's own writer connection.

use concord_core::{Actor, Command, DecisionKind};
use concord_store::conformance::{append_all, story};
use concord_store::{Store, StoreError};
use concord_store_sqlite::SqliteStore;

/// A draft whose text (near the limit) needs dozens of new pages: in the log entry and again in
/// the proposal's row.
fn long_draft(n: usize) -> Command {
    Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Routine,
        significance: None,
        title: format!("Long draft {n}"),
        text: "Routine business, at length. ".repeat(3000),
    }
}

async fn page_count(store: &SqliteStore) -> i64 {
    sqlx::query_scalar("PRAGMA page_count").fetch_one(store.writer()).await.expect("page_count")
}

/// Caps the file at `pages` on the writer connection. The cap is per connection (SQLite keeps
/// it in the pager, not the file), so it stands in for a disk with no room left.
async fn cap_pages(store: &SqliteStore, pages: i64) {
    let set: i64 = sqlx::query_scalar(&format!("PRAGMA max_page_count = {pages}"))
        .fetch_one(store.writer())
        .await
        .expect("max_page_count");
    assert_eq!(set, pages);
}

/// SQLite rolls a transaction back by itself when it runs out of space (SQLITE_FULL), so sqlx's
/// own ROLLBACK then fails and its transaction count stays at one: the writer connection would
/// refuse every later `BEGIN IMMEDIATE` ("begin_with at non-zero transaction depth") until a
/// restart. The store must recover as soon as there is room again, with nothing of the failed
/// batch written.
#[tokio::test]
async fn after_a_full_disk_fails_an_append_writes_resume_once_there_is_room() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("concord.db")).await.expect("open");
    let (mut scenario, batches) = story();
    append_all(&store, &batches).await;
    let size = store.log_size().await.expect("log_size");
    let entries = store.entries(0, u64::MAX).await.expect("entries");
    let checkpoint = store.latest_checkpoint().await.expect("checkpoint");

    let mut later = scenario.clone();
    let lost = later.step(Actor::Secretariat, &long_draft(1), "2024-03-01T00:00:00Z");
    cap_pages(&store, page_count(&store).await).await;
    let err = store.append(&lost).await.expect_err("no room for the batch");
    assert!(matches!(err, StoreError::Unavailable(_)), "a full disk is retryable: {err}");
    assert!(err.to_string().contains("full"), "{err}");
    // A second try while the disk is still full fails the same way, not as a stuck connection.
    // (The cap goes with the connection it was set on: set it again in case that one is gone.)
    cap_pages(&store, page_count(&store).await).await;
    let err = store.append(&lost).await.expect_err("still no room");
    assert!(err.to_string().contains("full"), "{err}");

    // Nothing of the failed batch is visible.
    assert_eq!(store.log_size().await.expect("log_size"), size);
    assert_eq!(store.entries(0, u64::MAX).await.expect("entries"), entries);
    assert_eq!(store.latest_checkpoint().await.expect("checkpoint"), checkpoint);

    // Room again: the same store, without a reopen, takes the batch.
    cap_pages(&store, 1 << 30).await;
    let kept = scenario.step(Actor::Secretariat, &long_draft(1), "2024-03-01T00:00:00Z");
    assert_eq!(store.append(&kept).await.expect("append after the disk has room"), size + 1);
    let next = scenario.step(Actor::Secretariat, &long_draft(2), "2024-03-01T00:01:00Z");
    assert_eq!(store.append(&next).await.expect("and the next"), size + 2);
    let all = store.entries(0, u64::MAX).await.expect("entries");
    concord_core::record::check_chain(concord_core::record::genesis(), &all).expect("an intact chain");
    assert_eq!(all.len() as u64, size + 2);
}
