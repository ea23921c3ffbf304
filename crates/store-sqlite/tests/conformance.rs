//! The store conformance suite on SQLite files, and what only SQLite has: the file survives a
//! reopen, and the durability settings are in effect.

use std::path::{Path, PathBuf};

use concord_core::record::genesis;
use concord_store::conformance::{append_all, message, story};
use concord_store::{Attempt, Batch, Channel, Contact, MessageFilter, NewToken, Notifications, Store, StoreError};
use concord_store_sqlite::SqliteStore;
use sqlx::Connection;
use tempfile::TempDir;

/// A fresh database file in its own temporary directory, removed when the returned guard drops.
async fn fresh() -> (SqliteStore, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&db(&dir)).await.expect("open");
    (store, dir)
}

fn db(dir: &TempDir) -> PathBuf {
    dir.path().join("concord.db")
}

concord_store::conformance_tests!(fresh().await);

#[tokio::test]
async fn a_reopened_file_keeps_everything() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (scenario, mut batches) = story();
    batches[0].idempotency.push(concord_store::IdempotencyRecord {
        principal: "secretariat".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        status: 200,
        body: b"{}".to_vec(),
        created_at: "2024-02-26T08:00:00Z".parse().expect("a timestamp"),
    });
    let token = NewToken {
        hash: [7; 32],
        actor: concord_core::Actor::Member("FRA".parse().expect("a code")),
        label: "France".into(),
        created_at: "2024-02-26T08:00:00Z".parse().expect("a timestamp"),
        expires_at: None,
    };
    let queued =
        [message("n-1/web", Channel::Web, token.actor, 1), message("n-1/email", Channel::Email, token.actor, 2)];
    let at = queued[1].created_at;
    let (entries, checkpoint) = {
        let store = SqliteStore::open(&db(&dir)).await.expect("open");
        append_all(&store, &batches).await;
        store.create_token(&token).await.expect("create_token");
        store.enqueue(Some((0, scenario.size())), &queued).await.expect("enqueue");
        let retry = Attempt::Retry { at, error: "timeout".into(), next_attempt_at: at };
        assert!(store.record_attempt("n-1/email", &retry).await.expect("record_attempt"));
        let contact = Contact {
            recipient: token.actor,
            email: "ops@fr.example".into(),
            time_zone: "Europe/Paris".into(),
            digest: true,
        };
        store.set_contact(&contact).await.expect("set_contact");
        store.create_feed(&[9; 32], &token.actor, at).await.expect("create_feed");
        (store.entries(0, u64::MAX).await.expect("entries"), store.latest_checkpoint().await.expect("checkpoint"))
    };

    let store = SqliteStore::open(&db(&dir)).await.expect("reopen");
    assert_eq!(store.log_size().await.expect("log_size"), scenario.size());
    assert_eq!(store.entries(0, u64::MAX).await.expect("entries"), entries);
    concord_core::record::check_chain(genesis(), &entries).expect("an intact chain");
    assert_eq!(store.latest_checkpoint().await.expect("checkpoint"), checkpoint);
    assert_eq!(store.find_token(&token.hash).await.expect("find_token").map(|t| t.actor), Some(token.actor));
    assert_eq!(
        store.idempotency("secretariat", "k").await.expect("idempotency"),
        Some(batches[0].idempotency[0].clone())
    );

    // The outbox, its cursor, contacts and feeds too: nothing queued is lost or queued again.
    assert_eq!(store.notice_cursor().await.expect("notice_cursor"), scenario.size());
    let outbox = store.messages(&MessageFilter::default(), 0, 10).await.expect("messages");
    let states: Vec<_> = outbox.iter().map(|m| (m.id.as_str(), m.attempts, m.last_error.as_deref())).collect();
    assert_eq!(states, [("n-1/email", 1, Some("timeout")), ("n-1/web", 0, None)]);
    let pending = MessageFilter { state: Some(concord_store::MessageState::Pending), ..MessageFilter::default() };
    assert_eq!(store.count_messages(&pending).await.expect("count"), 2, "both still pending");
    assert_eq!(store.due_messages(at, 10).await.expect("due").len(), 1, "the mail is due; the web's is read in place");
    assert_eq!(store.contacts().await.expect("contacts").len(), 1);
    assert_eq!(store.find_feed(&[9; 32]).await.expect("find_feed"), Some(token.actor));

    // The reopened store appends on from where the log ended.
    let mut next = scenario.clone();
    let partner = concord_core::Partner { code: "MDA".parse().expect("a code"), name: "Moldova".into() };
    let batch = next.step(
        concord_core::Actor::Secretariat,
        &concord_core::Command::RegisterPartner { partner },
        "2024-03-01T00:00:00Z",
    );
    assert_eq!(store.append(&batch).await.expect("append"), scenario.size() + 1);
}

/// Two stores on one file (as two processes would be) racing from the same size: `BEGIN
/// IMMEDIATE` makes the loser wait for the winner's commit and then see a conflict, not a busy
/// error or a fork.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_cannot_fork_the_log() {
    let (a, dir) = fresh().await;
    let b = SqliteStore::open(&db(&dir)).await.expect("open a second time");
    let (_, batches) = story();
    append_all(&a, &batches).await;
    for round in 0..5u8 {
        let size = a.log_size().await.expect("log_size");
        assert_eq!(b.log_size().await.expect("log_size"), size, "each store reads the other's writes");
        // Two different entries for the same place in the log (the store does not read them).
        let batch = |by: &str| {
            let bytes = format!("{{\"by\":\"{by}\",\"round\":{round}}}").into_bytes();
            let entry = concord_store::NewEntry {
                seq: size,
                leaf_hash: concord_ledger::leaf_hash(&bytes),
                bytes,
                part: Vec::new(),
            };
            Batch { expected_size: size, entries: vec![entry], ..Batch::default() }
        };
        let (ba, bb) = (batch("a"), batch("b"));
        let (ra, rb) = tokio::join!(a.append(&ba), b.append(&bb));
        let conflict = |r: &Result<u64, StoreError>| matches!(r, Err(StoreError::Conflict { expected, found }) if *expected == size && *found == size + 1);
        match (&ra, &rb) {
            (Ok(n), r) | (r, Ok(n)) if *n == size + 1 && conflict(r) => {}
            _ => panic!("round {round}: {ra:?} and {rb:?}"),
        }
    }
}

#[tokio::test]
async fn the_file_is_in_wal_mode() {
    let (_store, dir) = fresh().await;
    // A separate connection to the same file: WAL is a property of the file itself.
    let mut conn = raw(&dir).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await.expect("journal_mode");
    assert_eq!(mode, "wal");
    conn.close().await.expect("close");
}

#[tokio::test]
async fn the_store_connections_use_full_sync_and_foreign_keys() {
    let (store, _dir) = fresh().await;
    let settings = concord_store_sqlite::settings(&store).await.expect("settings");
    assert_eq!(settings.journal_mode, "wal");
    assert_eq!(settings.synchronous, 2, "synchronous=FULL");
    assert!(settings.foreign_keys);
    assert_eq!(settings.busy_timeout_ms, 5000);
}

#[tokio::test]
async fn a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path: &Path = &dir.path().join("missing").join("concord.db");
    let err = SqliteStore::open(path).await.expect_err("no directory, no database");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[tokio::test]
async fn an_entry_whose_hash_does_not_match_is_refused() {
    let (store, _dir) = fresh().await;
    let (_, batches) = story();
    let mut bad: Batch = batches[0].clone();
    bad.entries[0].bytes.push(b' ');
    assert!(matches!(store.append(&bad).await, Err(StoreError::Other(_))));
    assert_eq!(store.log_size().await.expect("log_size"), 0);
}

/// A file whose log and head disagree (rows deleted behind the store's back) is refused on open.
#[tokio::test]
async fn a_log_shorter_than_its_head_is_refused() {
    let (store, dir) = fresh().await;
    let (_, batches) = story();
    append_all(&store, &batches).await;
    drop(store);
    let mut conn = raw(&dir).await;
    sqlx::query("DELETE FROM log WHERE seq = (SELECT MAX(seq) FROM log)").execute(&mut conn).await.expect("delete");
    conn.close().await.expect("close");
    let err = SqliteStore::open(&db(&dir)).await.expect_err("a damaged file");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
}

/// Another process holding the write lock past the busy timeout makes an append unavailable
/// (retryable), not a conflict or a failure.
#[tokio::test]
async fn a_locked_database_is_unavailable() {
    let (store, dir) = fresh().await;
    let mut conn = raw(&dir).await;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.expect("take the write lock");
    let (_, batches) = story();
    let err = store.append(&batches[0]).await.expect_err("the file is locked");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    sqlx::query("ROLLBACK").execute(&mut conn).await.expect("release the lock");
    assert_eq!(store.append(&batches[0]).await.expect("append once the lock is gone"), 1);
}

/// A plain connection to the store's file, as another process would open it.
async fn raw(dir: &TempDir) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", db(dir).display())).await.expect("connect")
}
