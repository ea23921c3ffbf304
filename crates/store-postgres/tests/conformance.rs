//! The store conformance suite on a real PostgreSQL, and what only PostgreSQL has: several
//! pools (as several processes) appending to one database, a reconnect keeping everything, and
//! connection failures.
//!
//! The server is `postgres://postgres@127.0.0.1:5432` (trust authentication) unless the
//! environment variable `CONCORD_TEST_POSTGRES` names another. Each test creates its own
//! database, `concord_test_<random hex>`, and drops it when it ends, also when it fails.

use std::time::{Duration, Instant};

use concord_core::record::genesis;
use concord_store::conformance::{append_all, story};
use concord_store::{Batch, NewToken, Store, StoreError};
use concord_store_postgres::PostgresStore;
use sqlx::{Connection, PgConnection};

/// The server's URL, without a database.
fn server() -> String {
    std::env::var("CONCORD_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// `url` with its database (the path) replaced by `database`, keeping any query parameters.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database of its own for one test, dropped (with any connections still open to it) when
/// the guard drops, even while a failed test unwinds.
#[derive(Debug)]
struct Database {
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Database {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random bytes");
        let name = format!("concord_test_{}", hex::encode(bytes));
        let mut admin = admin().await;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create the database");
        admin.close().await.expect("close");
        let url = with_database(&server(), &name);
        Database { name, url }
    }

    async fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url).await.expect("connect")
    }

    async fn raw(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect")
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Best effort, on a thread of its own: a runtime cannot block inside another one.
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&with_database(&server(), "postgres")).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let result = sqlx::query(&sql).execute(&mut admin).await;
                let _ = admin.close().await;
                result.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// A connection to the server's `postgres` database, for creating and dropping databases.
async fn admin() -> PgConnection {
    let url = with_database(&server(), "postgres");
    PgConnection::connect(&url).await.unwrap_or_else(|e| panic!("no PostgreSQL at {url}: {e}"))
}

async fn fresh() -> (PostgresStore, Database) {
    let db = Database::create().await;
    (db.store().await, db)
}

concord_store::conformance_tests!(fresh().await);

/// A COMMIT that fails (here a deferred trigger raising disk_full, as PostgreSQL does when it
/// cannot extend a file) leaves no connection of the pool stuck inside a transaction: once the
/// cause is gone, every append goes through on the same store, and nothing of the failed ones
/// was written. (On SQLite the same failure needed the writer connection replaced; PostgreSQL
/// ends the transaction and sqlx's ROLLBACK after it is only a warning.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_commit_leaves_the_store_writable() {
    let (store, db) = fresh().await;
    let (mut scenario, batches) = story();
    let (first, rest) = batches.split_at(batches.len() - 2);
    append_all(&store, first).await;
    let mut raw = db.raw().await;
    for sql in [
        "CREATE TABLE disk (full_up boolean NOT NULL)",
        "INSERT INTO disk VALUES (true)",
        "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF (SELECT full_up FROM disk) THEN \
             RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; \
           END IF; RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER full_disk AFTER INSERT ON log DEFERRABLE INITIALLY DEFERRED \
         FOR EACH ROW EXECUTE FUNCTION refuse_commit()",
    ] {
        sqlx::query(sql).execute(&mut raw).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let size = store.log_size().await.expect("log_size");
    let checkpoint = store.latest_checkpoint().await.expect("checkpoint");
    // More failures than the pool has connections, so that each may have been through one.
    for _ in 0..12 {
        let err = store.append(&rest[0]).await.expect_err("the commit fails");
        assert!(matches!(err, StoreError::Unavailable(_)), "a full disk is retryable: {err}");
        assert!(err.to_string().contains("No space left"), "{err}");
    }
    assert_eq!(store.log_size().await.expect("log_size"), size, "nothing of the failed appends");
    assert_eq!(store.latest_checkpoint().await.expect("checkpoint"), checkpoint);

    sqlx::query("UPDATE disk SET full_up = false").execute(&mut raw).await.expect("room again");
    append_all(&store, rest).await;
    // Then more appends than there are connections, each on whichever the pool hands out.
    for i in 0..12 {
        let command = concord_core::Command::DraftProposal {
            body: None,
            follows: None,
            kind: concord_core::DecisionKind::Routine,
            significance: None,
            title: format!("After {i}"),
            text: "Routine business.".into(),
        };
        let batch = scenario.step(concord_core::Actor::Secretariat, &command, "2024-03-01T00:00:00Z");
        store.append(&batch).await.unwrap_or_else(|e| panic!("append {i} after the disk has room: {e}"));
    }
    let entries = store.entries(0, u64::MAX).await.expect("entries");
    concord_core::record::check_chain(genesis(), &entries).expect("an intact chain");
    raw.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reconnected_store_keeps_everything() {
    let db = Database::create().await;
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
    let (entries, checkpoint) = {
        let store = db.store().await;
        append_all(&store, &batches).await;
        store.create_token(&token).await.expect("create_token");
        let kept =
            (store.entries(0, u64::MAX).await.expect("entries"), store.latest_checkpoint().await.expect("checkpoint"));
        store.close().await;
        kept
    };

    let store = db.store().await;
    assert_eq!(store.log_size().await.expect("log_size"), scenario.size());
    assert_eq!(store.entries(0, u64::MAX).await.expect("entries"), entries);
    concord_core::record::check_chain(genesis(), &entries).expect("an intact chain");
    assert_eq!(store.latest_checkpoint().await.expect("checkpoint"), checkpoint);
    assert_eq!(store.find_token(&token.hash).await.expect("find_token").map(|t| t.actor), Some(token.actor));
    assert_eq!(
        store.idempotency("secretariat", "k").await.expect("idempotency"),
        Some(batches[0].idempotency[0].clone())
    );

    // The reconnected store appends on from where the log ended.
    let mut next = scenario.clone();
    let partner = concord_core::Partner { code: "MDA".parse().expect("a code"), name: "Moldova".into() };
    let batch = next.step(
        concord_core::Actor::Secretariat,
        &concord_core::Command::RegisterPartner { partner },
        "2024-03-01T00:00:00Z",
    );
    assert_eq!(store.append(&batch).await.expect("append"), scenario.size() + 1);
}

/// Two stores with pools of their own on one database (as two processes would be) racing from
/// the same size: the head row lock makes the loser wait for the winner's commit and then see a
/// conflict, not an error or a fork; the log stays contiguous.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_database_cannot_fork_the_log() {
    let (a, db) = fresh().await;
    let b = db.store().await;
    let (scenario, batches) = story();
    append_all(&a, &batches).await;
    for round in 0..10u8 {
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
        let winner = match (&ra, &rb) {
            (Ok(n), r) if *n == size + 1 && conflict(r) => &ba,
            (r, Ok(n)) if *n == size + 1 && conflict(r) => &bb,
            _ => panic!("round {round}: {ra:?} and {rb:?}"),
        };
        let stored = b.entries(size, 10).await.expect("entries");
        assert_eq!(stored.len(), 1, "round {round}: one entry at {size}");
        assert_eq!(stored[0].bytes, winner.entries[0].bytes, "round {round}: the winner's entry is stored");
    }
    let all = a.entries(0, u64::MAX).await.expect("entries");
    assert!(all.iter().map(|e| e.seq).eq(0..all.len() as u64), "the log is contiguous");
    assert_eq!(a.log_size().await.expect("log_size"), all.len() as u64);
    assert_eq!(all.len() as u64, scenario.size() + 10);
}

/// The same batches give the same log, tree and checkpoints as on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_is_the_same_as_on_sqlite() {
    let (pg, _db) = fresh().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lite = concord_store_sqlite::SqliteStore::open(&dir.path().join("concord.db")).await.expect("open");
    let (_, batches) = story();
    append_all(&pg, &batches).await;
    append_all(&lite, &batches).await;
    let count = pg.tree_hash_count().await.expect("tree_hash_count");
    assert_eq!(count, lite.tree_hash_count().await.expect("tree_hash_count"));
    let indexes: Vec<u64> = (0..count).collect();
    let hashes = pg.tree_hashes(&indexes).await.expect("tree_hashes");
    assert_eq!(hashes, lite.tree_hashes(&indexes).await.expect("tree_hashes"));
    assert_eq!(pg.entries(0, u64::MAX).await.expect("entries"), lite.entries(0, u64::MAX).await.expect("entries"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_entry_whose_hash_does_not_match_is_refused() {
    let (store, _db) = fresh().await;
    let (_, batches) = story();
    let mut bad: Batch = batches[0].clone();
    bad.entries[0].bytes.push(b' ');
    assert!(matches!(store.append(&bad).await, Err(StoreError::Other(_))));
    assert_eq!(store.log_size().await.expect("log_size"), 0);
}

/// A database whose log and head disagree (rows deleted behind the store's back) is refused on
/// connect.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_log_shorter_than_its_head_is_refused() {
    let (store, db) = fresh().await;
    let (_, batches) = story();
    append_all(&store, &batches).await;
    store.close().await;
    let mut conn = db.raw().await;
    sqlx::query("DELETE FROM log WHERE seq = (SELECT MAX(seq) FROM log)").execute(&mut conn).await.expect("delete");
    conn.close().await.expect("close");
    let err = PostgresStore::connect(&db.url).await.expect_err("a damaged database");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
}

/// Another process holding the head row's lock past the lock timeout makes an append
/// unavailable (retryable), not a conflict or a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_locked_head_is_unavailable() {
    let (store, db) = fresh().await;
    let mut conn = db.raw().await;
    sqlx::query("BEGIN").execute(&mut conn).await.expect("begin");
    sqlx::query("SELECT size FROM log_head WHERE id = 0 FOR UPDATE").execute(&mut conn).await.expect("lock the head");
    let (_, batches) = story();
    let err = store.append(&batches[0]).await.expect_err("the head is locked");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    sqlx::query("ROLLBACK").execute(&mut conn).await.expect("release the lock");
    conn.close().await.expect("close");
    assert_eq!(store.append(&batches[0]).await.expect("append once the lock is gone"), 1);
}

/// Nothing listens on port 1: the error comes quickly, is retryable and says where.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_server_is_a_clear_error() {
    let started = Instant::now();
    let err = PostgresStore::connect("postgres://postgres:secret@127.0.0.1:1/concord")
        .await
        .expect_err("nothing listens on port 1");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1") && message.contains("concord"), "{message}");
    assert!(!message.contains("secret"), "the password stays out of errors: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_database_and_a_bad_url_are_clear_errors() {
    let url = with_database(&server(), "concord_test_does_not_exist");
    let err = PostgresStore::connect(&url).await.expect_err("no such database");
    assert!(err.to_string().contains("concord_test_does_not_exist"), "{err}");
    let err = PostgresStore::connect("mysql://localhost/x").await.expect_err("not a PostgreSQL URL");
    assert!(matches!(err, StoreError::Other(_)), "{err}");
}

#[test]
fn urls_get_the_database_in_place() {
    assert_eq!(with_database("postgres://u@h:1", "d"), "postgres://u@h:1/d");
    assert_eq!(with_database("postgres://u@h:1/other?sslmode=disable", "d"), "postgres://u@h:1/d?sslmode=disable");
}
