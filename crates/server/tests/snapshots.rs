//! Start-up from a snapshot on a real SQLite log: the server writes snapshots of its published
//! state in the background; a start from the newest replays only the entries after it and gives
//! the same state as a full replay; a damaged snapshot, or one of another log, means a full
//! replay, never a wrong state.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use concord_core::{Actor, Command, DecisionKind};
use concord_log::{Loaded, load, load_from};
use concord_server::clock::SystemClock;
use concord_server::snapshots::{self, SnapshotConfig};
use concord_server::{App, LogIdentity};
use concord_store_sqlite::SqliteStore;

fn identity(snapshots: Option<SnapshotConfig>) -> LogIdentity {
    let key = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [7; 32]).expect("a valid key");
    LogIdentity { key, unsigned_positions: true, min_silence: None, witnesses: Vec::new(), snapshots }
}

async fn draft(app: &App, n: usize) {
    for i in 0..n {
        let command = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Routine,
            significance: None,
            title: format!("Routine {i}"),
            text: format!("Routine business number {i}."),
        };
        app.state.sequencer().submit(Actor::Secretariat, None, command, None).await.expect("a draft is recorded");
    }
}

/// Waits for the snapshot writer to save a snapshot of at least `min` entries; returns its size.
async fn snapshot_of(dir: &Path, min: u64) -> u64 {
    for _ in 0..200 {
        let sizes = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_prefix("snapshot-")?.parse::<u64>().ok());
        if let Some(size) = sizes.filter(|s| *s >= min).max() {
            return size;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no snapshot of {min} entries or more was written");
}

fn equal(a: &Loaded, b: &Loaded) {
    assert_eq!(a.state, b.state);
    assert_eq!((a.size, a.last_hash, a.tree.root().ok()), (b.size, b.last_hash, b.tree.root().ok()));
    assert_eq!(a.decisions, b.decisions);
}

#[tokio::test]
async fn a_start_replays_only_what_follows_the_newest_snapshot_the_tree_agrees_with() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("snapshots");
    let store = Arc::new(SqliteStore::open(&dir.path().join("concord.db")).await.unwrap());
    let config = SnapshotConfig { dir: snaps.clone(), every_entries: 5, every: Duration::from_secs(3600) };
    let app = App::start(store.clone(), Arc::new(SystemClock), identity(Some(config))).await.unwrap();
    // The log's creation (1 entry), then 5 drafts: a snapshot once 5 entries are in; then 2
    // more, not yet saved.
    draft(&app, 5).await;
    let saved = snapshot_of(&snaps, 5).await;
    draft(&app, 2).await;

    let full = load(store.as_ref()).await.unwrap();
    assert_eq!(full.size, 8);
    let (from_snapshot, started) = load_from(store.as_ref(), snapshots::read(&snaps)).await.unwrap();
    assert_eq!(started, Some(saved));
    assert!(saved < full.size, "entries follow the snapshot");
    equal(&from_snapshot, &full);

    // A damaged snapshot is passed over: a full replay, the same state.
    let file = snaps.join(format!("snapshot-{saved}"));
    let mut bytes = std::fs::read(&file).unwrap();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'1' { b'2' } else { b'1' };
    std::fs::write(&file, &bytes).unwrap();
    let (replayed, started) = load_from(store.as_ref(), snapshots::read(&snaps)).await.unwrap();
    assert_eq!(started, None);
    equal(&replayed, &full);

    // A snapshot of another log (same size, another history) does not match this tree.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Arc::new(SqliteStore::open(&other_dir.path().join("other.db")).await.unwrap());
    let other_app = App::start(other.clone(), Arc::new(SystemClock), identity(None)).await.unwrap();
    draft(&other_app, 7).await;
    let foreign = load(other.as_ref()).await.unwrap();
    assert_eq!(foreign.size, 8);
    let (replayed, started) = load_from(store.as_ref(), [foreign]).await.unwrap();
    assert_eq!(started, None);
    equal(&replayed, &full);

    // One whose tree agrees but whose last hash does not (the next entry would not chain).
    let mut wrong_hash = from_snapshot.clone();
    wrong_hash.last_hash = concord_ledger::leaf_hash(b"another entry");
    let (replayed, started) = load_from(store.as_ref(), [wrong_hash]).await.unwrap();
    assert_eq!(started, None);
    equal(&replayed, &full);

    // A server started on the folder uses the snapshot, and writes a new one once it grows.
    snapshots::write(&snaps, &from_snapshot).unwrap();
    drop(app);
    let config = SnapshotConfig { dir: snaps.clone(), every_entries: 1, every: Duration::from_secs(3600) };
    let again = App::start(store.clone(), Arc::new(SystemClock), identity(Some(config))).await.unwrap();
    equal(&again.state.sequencer().latest(), &full);
    draft(&again, 1).await;
    snapshot_of(&snaps, 9).await;
}
