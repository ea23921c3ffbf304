//! The conformance suite every backend passes, so that SQLite and PostgreSQL keep the same
//! contract. Compiled with the `conformance` feature.
//!
//! Each property is a `pub async fn` that takes fresh, empty stores and panics when the store
//! breaks it. A backend's `tests/` runs them all with [`conformance_tests!`](crate::conformance_tests),
//! which writes one test per property from an expression that gives a fresh store and a guard
//! kept until the test ends:
//!
//! ```ignore
//! concord_store::conformance_tests!(fresh().await); // (store, temporary directory)
//! ```
//!
//! The data is real: [`Scenario`] runs commands through `concord_core::decide` and
//! `State::apply`, and encodes each event as a chained [`LogRecord`](concord_core::record::LogRecord), so the
//! suite stores what the server stores. Nothing here reads a clock or randomness.

mod notify;
mod scenario;

use concord_core::{Actor, Command, Partner, State};

use crate::{
    Batch, IdempotencyRecord, LoginCharge, NewEntry, NewSession, NewToken, NewUser, Store, StoreError, StoredEntry,
};
use concord_core::record::{check_and_open, check_chain, genesis};

pub use notify::{contacts_and_feeds, message, outbox_delivery, outbox_enqueue, outbox_filters, webhook_subscriptions};
pub use scenario::{Scenario, story};
use scenario::{cc, ts};

/// One `#[tokio::test]` per property, each on fresh stores from `$fresh`: an expression (it may
/// `.await`) giving `(store, guard)`, the guard kept alive until the test ends (a temporary
/// directory, a database dropped on drop, or `()`). The caller needs `tokio` (with `macros`).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@one $fresh; log_round_trip, entries_paginate, append_at_the_wrong_size_conflicts,
            racing_appends_have_one_winner, non_contiguous_batches_are_refused, tokens, idempotency_records,
            users_and_sessions, tree_hashes_and_checkpoints, ping, probe_write, outbox_enqueue, outbox_delivery,
            outbox_filters, webhook_subscriptions, contacts_and_feeds);
    };
    (@one $fresh:expr; $($property:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $property() {
            let (store, _guard) = $fresh;
            $crate::conformance::$property(&store).await;
        }
    )*};
}
pub use conformance_tests;

/// Appends every batch in order, checking the size each returns.
pub async fn append_all<S: Store>(store: &S, batches: &[Batch]) {
    for b in batches {
        let size = store.append(b).await.unwrap_or_else(|e| panic!("append at {}: {e}", b.expected_size));
        assert_eq!(size, b.expected_size + b.entries.len() as u64, "append returns the new size");
    }
}

/// The entries of `batches` as a store should return them.
fn stored(batches: &[Batch]) -> Vec<StoredEntry> {
    let entries = batches.iter().flat_map(|b| &b.entries);
    entries
        .map(|e: &NewEntry| StoredEntry {
            seq: e.seq,
            bytes: e.bytes.clone(),
            leaf_hash: e.leaf_hash,
            part: Some(e.part.clone()),
        })
        .collect()
}

async fn all_entries<S: Store>(store: &S) -> Vec<StoredEntry> {
    store.entries(0, u64::MAX).await.expect("entries")
}

/// What a batch writes besides entries and idempotency records: the tree and its checkpoints.
async fn tree<S: Store>(store: &S) -> (u64, Option<crate::Checkpoint>) {
    (store.tree_hash_count().await.expect("tree_hash_count"), store.latest_checkpoint().await.expect("checkpoint"))
}

// ---------------------------------------------------------------------------------------------
// The log.
// ---------------------------------------------------------------------------------------------

/// Appended entries come back byte for byte with their hashes, in order, as an intact chain
/// whose replay gives the state that produced them.
pub async fn log_round_trip<S: Store>(store: &S) {
    assert_eq!(store.log_size().await.expect("log_size"), 0, "a new store has an empty log");
    assert!(store.entries(0, 10).await.expect("entries").is_empty());
    let (scenario, batches) = story();
    append_all(store, &batches).await;
    assert_eq!(store.log_size().await.expect("log_size"), scenario.size());

    let entries = all_entries(store).await;
    assert_eq!(entries, stored(&batches), "entries read back byte-identical, with their hashes");
    let (records, last) = check_and_open(genesis(), &entries).expect("the stored log is an intact chain");
    assert_eq!(Some(last), entries.last().map(|e| e.leaf_hash));
    let mut replayed = State::new();
    for r in &records {
        replayed.apply(&r.event).unwrap_or_else(|e| panic!("entry {}: {e}", r.seq));
    }
    assert_eq!(replayed, scenario.state, "replaying the stored log gives the live state");
}

/// `entries(from, limit)` pages through the log.
pub async fn entries_paginate<S: Store>(store: &S) {
    let (scenario, batches) = story();
    append_all(store, &batches).await;
    let all = stored(&batches);
    let n = scenario.size();

    let mut paged = Vec::new();
    let mut from = 0;
    loop {
        let page = store.entries(from, 4).await.expect("entries");
        assert!(page.len() <= 4, "at most `limit` entries");
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        paged.extend(page);
    }
    assert_eq!(paged, all, "pages of 4 concatenate to the whole log");
    let seqs = |v: Vec<StoredEntry>| v.into_iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(store.entries(3, 2).await.expect("entries")), vec![3, 4]);
    assert_eq!(seqs(store.entries(n - 1, 10).await.expect("entries")), vec![n - 1]);
    assert!(store.entries(n, 10).await.expect("entries").is_empty(), "nothing at the end");
    assert!(store.entries(u64::MAX, 10).await.expect("entries").is_empty(), "nothing far beyond");
    assert!(store.entries(0, 0).await.expect("entries").is_empty(), "a limit of 0 gives nothing");
}

/// An append that expects another size fails with a conflict and writes nothing: no entry, no
/// tree hash, no checkpoint, no idempotency record.
pub async fn append_at_the_wrong_size_conflicts<S: Store>(store: &S) {
    let (_, batches) = story();
    let (first, rest) = batches.split_at(3);
    append_all(store, first).await;
    let size = store.log_size().await.expect("log_size");
    let entries = all_entries(store).await;
    let written = tree(store).await;

    let mut next = rest[0].clone();
    next.idempotency.push(idempotency_record("secretariat", "k1", 1));
    let stale = Batch { expected_size: 1, entries: renumber(&next.entries, 1), ..next.clone() };
    let ahead = Batch { expected_size: size + 1, entries: renumber(&next.entries, size + 1), ..next.clone() };
    for (batch, expected) in [(&stale, 1), (&ahead, size + 1)] {
        match store.append(batch).await {
            Err(StoreError::Conflict { expected: e, found }) => assert_eq!((e, found), (expected, size)),
            other => panic!("an append expecting size {expected} at {size} gave {other:?}, not a conflict"),
        }
        assert_eq!(store.log_size().await.expect("log_size"), size, "a conflict leaves the size");
        assert_eq!(all_entries(store).await, entries, "a conflict writes no entry");
        assert_eq!(tree(store).await, written, "a conflict writes no tree hash or checkpoint");
        assert_eq!(store.idempotency("secretariat", "k1").await.expect("idempotency"), None);
    }
    assert_eq!(store.append(&next).await.expect("the right size appends"), size + next.entries.len() as u64);
    assert!(store.idempotency("secretariat", "k1").await.expect("idempotency").is_some());
}

/// The same entries, numbered from `from` (bytes and hashes unchanged).
fn renumber(entries: &[NewEntry], from: u64) -> Vec<NewEntry> {
    entries.iter().zip(from..).map(|(e, seq)| NewEntry { seq, ..e.clone() }).collect()
}

/// Four appends racing from the same size: exactly one wins, the others conflict, and the log
/// holds the winner's entries and idempotency record. Repeated for a few rounds.
pub async fn racing_appends_have_one_winner<S: Store>(store: &S) {
    let (mut base, batches) = story();
    append_all(store, &batches).await;
    for round in 0..3u64 {
        let size = base.size();
        // Four different commands decided against the same state, as four sequencers would.
        let contenders: Vec<(Scenario, Batch)> = (0..4u8)
            .map(|i| {
                let code = String::from_utf8(vec![b'Q', b'A' + round as u8, b'A' + i]).expect("ASCII");
                let mut s = base.clone();
                let partner = Partner { code: cc(&code), name: format!("Partner {code}") };
                let b = s.step(Actor::Secretariat, &Command::RegisterPartner { partner }, "2024-03-01T00:00:00Z");
                let b = Batch { idempotency: vec![idempotency_record("secretariat", &code, round)], ..b };
                (s, b)
            })
            .collect();
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| &contenders[i].1);
        let (ra, rb, rc, rd) = tokio::join!(store.append(a), store.append(b), store.append(c), store.append(d));
        let results = [ra, rb, rc, rd];
        let winners: Vec<usize> = (0..4).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one racing append wins: {results:?}");
        let w = winners[0];
        assert_eq!(results[w].as_ref().ok(), Some(&(size + 1)));
        for (i, r) in results.iter().enumerate().filter(|(i, _)| *i != w) {
            assert!(
                matches!(r, Err(StoreError::Conflict { expected, found }) if *expected == size && *found == size + 1),
                "round {round}: loser {i} gave {r:?}"
            );
        }
        let (winner, batch) = &contenders[w];
        assert_eq!(store.entries(size, 10).await.expect("entries"), stored(std::slice::from_ref(batch)));
        for (i, (_, b)) in contenders.iter().enumerate() {
            let key = &b.idempotency[0].key;
            let found = store.idempotency("secretariat", key).await.expect("idempotency");
            assert_eq!(found.is_some(), i == w, "round {round}: only the winner's idempotency record is stored");
        }
        base = winner.clone();
    }
    check_chain(genesis(), &all_entries(store).await).expect("the raced log is one intact chain");
}

/// A batch whose entries do not run on contiguously from its expected size is refused and
/// writes nothing.
pub async fn non_contiguous_batches_are_refused<S: Store>(store: &S) {
    let (_, batches) = story();
    append_all(store, &batches[..2]).await;
    let size = store.log_size().await.expect("log_size");
    let entries = all_entries(store).await;
    let written = tree(store).await;
    let next = batches.iter().find(|b| b.entries.len() > 1).expect("a batch of several entries");
    let mut gap = Batch { expected_size: size, entries: renumber(&next.entries, size), ..next.clone() };
    gap.entries[1].seq += 1;
    let late = Batch { expected_size: size, entries: renumber(&next.entries, size + 1), ..next.clone() };
    for batch in [gap, late] {
        let r = store.append(&batch).await;
        assert!(matches!(r, Err(StoreError::Other(_))), "a batch numbered {:?} gave {r:?}", seqs_of(&batch));
        assert_eq!(all_entries(store).await, entries, "a refused batch writes no entry");
        assert_eq!(tree(store).await, written, "a refused batch writes no tree hash or checkpoint");
    }
}

fn seqs_of(b: &Batch) -> Vec<u64> {
    b.entries.iter().map(|e| e.seq).collect()
}

// ---------------------------------------------------------------------------------------------
// Tokens, idempotency, health.
// ---------------------------------------------------------------------------------------------

fn token(n: u8, actor: Actor) -> NewToken {
    NewToken {
        hash: [n; 32],
        actor,
        label: format!("token {n}"),
        created_at: ts("2024-02-26T07:00:00.5Z"),
        expires_at: None,
    }
}

fn idempotency_record(principal: &str, key: &str, n: u64) -> IdempotencyRecord {
    IdempotencyRecord {
        principal: principal.into(),
        key: key.into(),
        fingerprint: format!("fingerprint {n}"),
        status: 201,
        // Replies are bytes, not necessarily text.
        body: vec![0, 159, 146, 150, 255, n as u8],
        created_at: ts("2024-02-26T08:00:00.123456789Z"),
    }
}

/// A token is found as its actor, an unknown one is not, and a hash cannot be stored twice;
/// tokens are listed newest first with their expiry, and a revoked one is found revoked (once).
pub async fn tokens<S: Store>(store: &S) {
    let actors =
        [Actor::Secretariat, Actor::Member(cc("FRA")), Actor::Partner(cc("UKR")), Actor::Observer, Actor::Scheduler];
    for (n, actor) in (1..).zip(actors) {
        store.create_token(&token(n, actor)).await.expect("create_token");
    }
    let at = ts("2024-02-26T07:00:00.5Z");
    for (n, actor) in (1..).zip(actors) {
        let found = store.find_token(&[n; 32]).await.expect("find_token").expect("the token is found");
        assert_eq!((found.actor, found.valid_at(at)), (actor, true));
    }
    assert_eq!(store.find_token(&[0; 32]).await.expect("find_token"), None, "an unknown token is not found");
    assert!(store.create_token(&token(1, Actor::Observer)).await.is_err(), "a hash is stored once");
    let first = store.find_token(&[1; 32]).await.expect("find_token").expect("found");
    assert_eq!(first.actor, Actor::Secretariat);

    // Expiry is stored to the nanosecond and read back; the caller's clock decides.
    let expires_at = ts("2024-05-26T07:00:00.000000001Z");
    let expiring =
        NewToken { expires_at: Some(expires_at), created_at: ts("2024-02-27T07:00:00Z"), ..token(9, Actor::Observer) };
    store.create_token(&expiring).await.expect("create_token");
    let found = store.find_token(&[9; 32]).await.expect("find_token").expect("found");
    assert_eq!(found.expires_at, Some(expires_at));
    assert!(found.valid_at(ts("2024-05-26T07:00:00Z")) && !found.valid_at(expires_at));

    let listed = store.tokens().await.expect("tokens");
    assert_eq!(listed.len(), 6);
    assert_eq!(listed[0].hash, [9; 32], "newest first");
    assert_eq!(listed[0].label, "token 9");

    let revoked_at = ts("2024-03-01T12:00:00Z");
    assert!(store.revoke_token(&[2; 32], revoked_at).await.expect("revoke_token"));
    assert!(!store.revoke_token(&[2; 32], revoked_at).await.expect("revoke_token"), "revoked once");
    assert!(!store.revoke_token(&[0; 32], revoked_at).await.expect("revoke_token"), "nothing to revoke");
    let found = store.find_token(&[2; 32]).await.expect("find_token").expect("still listed");
    assert_eq!(found.revoked_at, Some(revoked_at));
    assert!(!found.valid_at(at));
    assert!(store.find_token(&[3; 32]).await.expect("find_token").expect("found").valid_at(at), "others unaffected");
}

/// Web accounts: found by name with their actor, a name is taken once, failures count up and
/// a lock (or a success) resets them; sessions are found by hash with their user's actor, and
/// deleted.
pub async fn users_and_sessions<S: Store>(store: &S) {
    let user = |name: &str, actor| NewUser {
        name: name.to_owned(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${name}"),
        actor,
        created_at: ts("2024-02-26T08:00:00Z"),
    };
    store.create_user(&user("fra", Actor::Member(cc("FRA")))).await.expect("create_user");
    store.create_user(&user("kyiv", Actor::Partner(cc("UKR")))).await.expect("create_user");
    assert!(store.create_user(&user("fra", Actor::Observer)).await.is_err(), "a name is taken once");
    let fra = store.find_user("fra").await.expect("find_user").expect("found");
    assert_eq!(fra.actor, Actor::Member(cc("FRA")));
    assert_eq!(fra.password_hash, user("fra", Actor::Observer).password_hash);
    assert_eq!((fra.failed_logins, fra.locked_until), (0, None));
    assert_eq!(store.find_user("nobody").await.expect("find_user"), None);

    let t0 = ts("2024-02-26T08:00:00Z");
    let charge = |attempts, locked_until| Some(LoginCharge { attempts, locked_until });
    assert_eq!(store.charge_login_attempt("fra", t0).await.expect("charge"), charge(1, None));
    assert_eq!(store.charge_login_attempt("fra", t0).await.expect("charge"), charge(2, None));
    assert_eq!(store.charge_login_attempt("nobody", t0).await.expect("charge"), None, "no such user");
    let until = ts("2024-02-26T08:15:00.5Z");
    store.lock_user("fra", until).await.expect("lock");
    let fra = store.find_user("fra").await.expect("find_user").expect("found");
    assert_eq!((fra.failed_logins, fra.locked_until), (0, Some(until)));
    // While the lock runs, attempts see it and are not counted; a nanosecond before its end
    // too (the times compare as times, not as text of different widths).
    for at in [t0, ts("2024-02-26T08:15:00.499999999Z")] {
        assert_eq!(store.charge_login_attempt("fra", at).await.expect("charge"), charge(0, Some(until)));
    }
    // Once it has ended, the first attempt clears it and counting starts again.
    assert_eq!(store.charge_login_attempt("fra", until).await.expect("charge"), charge(1, None));
    assert_eq!(store.charge_login_attempt("fra", until).await.expect("charge"), charge(2, None));
    assert_eq!(store.find_user("fra").await.expect("find_user").expect("found").locked_until, None);
    store.reset_login_failures("fra").await.expect("reset");
    let fra = store.find_user("fra").await.expect("find_user").expect("found");
    assert_eq!((fra.failed_logins, fra.locked_until), (0, None));
    assert_eq!(store.find_user("kyiv").await.expect("find_user").expect("found").failed_logins, 0, "per user");

    let session = NewSession {
        hash: [7; 32],
        user: "kyiv".to_owned(),
        csrf: "csrf-token".to_owned(),
        created_at: ts("2024-02-26T08:00:00Z"),
        expires_at: ts("2024-02-26T20:00:00.25Z"),
    };
    store.create_session(&session).await.expect("create_session");
    let found = store.find_session(&[7; 32]).await.expect("find_session").expect("found");
    assert_eq!(found.user, "kyiv");
    assert_eq!(found.actor, Actor::Partner(cc("UKR")));
    assert_eq!(found.csrf, "csrf-token");
    assert_eq!(found.expires_at, session.expires_at);
    assert_eq!(store.find_session(&[8; 32]).await.expect("find_session"), None);
    store.delete_session(&[7; 32]).await.expect("delete_session");
    assert_eq!(store.find_session(&[7; 32]).await.expect("find_session"), None, "signed out");
    store.delete_session(&[7; 32]).await.expect("deleting twice is fine");
}

/// Idempotency records are stored with their batch, scoped per principal, read back exactly,
/// and a batch that records a key twice fails whole.
pub async fn idempotency_records<S: Store>(store: &S) {
    let (_, mut batches) = story();
    let fra = Actor::Member(cc("FRA")).to_string();
    batches[0].idempotency = vec![idempotency_record("secretariat", "k1", 1), idempotency_record(&fra, "k1", 2)];
    append_all(store, &batches[..1]).await;
    for r in &batches[0].idempotency {
        assert_eq!(store.idempotency(&r.principal, &r.key).await.expect("idempotency").as_ref(), Some(r));
    }
    assert_eq!(store.idempotency("secretariat", "k2").await.expect("idempotency"), None);
    assert_eq!(store.idempotency("observer", "k1").await.expect("idempotency"), None, "keys are per principal");

    let size = store.log_size().await.expect("log_size");
    let mut again = batches[1].clone();
    again.idempotency = vec![idempotency_record("secretariat", "k1", 3)];
    assert!(store.append(&again).await.is_err(), "a key already recorded fails the batch");
    assert_eq!(store.log_size().await.expect("log_size"), size, "and nothing of it is written");
    let kept = store.idempotency("secretariat", "k1").await.expect("idempotency");
    assert_eq!(kept.map(|r| r.fingerprint), Some("fingerprint 1".to_owned()), "the first record stays");
}

/// The store answers a ping.
pub async fn ping<S: Store>(store: &S) {
    store.ping().await.expect("ping");
}

/// A write probe succeeds on a store that takes writes, and changes nothing readable.
pub async fn probe_write<S: Store>(store: &S) {
    store.probe_write().await.expect("probe_write on an empty store");
    let (_, batches) = story();
    append_all(store, &batches).await;
    let (entries, written) = (all_entries(store).await, tree(store).await);
    store.probe_write().await.expect("probe_write");
    assert_eq!(all_entries(store).await, entries, "the log is as it was");
    assert_eq!(tree(store).await, written, "the tree is as it was");
    let next = batches.last().map_or(0, |b| b.expected_size + b.entries.len() as u64);
    assert_eq!(store.log_size().await.expect("log_size"), next, "the head is where it was");
}

/// Tree hashes and the checkpoint of a batch are stored with it; a second checkpoint of the same
/// size is refused (the compare-and-swap on the signed tree head); backfilled hashes are
/// idempotent; cosignatures are kept per witness.
pub async fn tree_hashes_and_checkpoints<S: Store>(store: &S) {
    use concord_ledger::leaf_hash;

    use crate::{Checkpoint, Cosignature};

    let (_, mut batches) = story();
    let first = batches.remove(0);
    let size = first.entries.len() as u64;
    let h = |i: u64| leaf_hash(format!("hash {i}").as_bytes());
    let checkpoint = |size: u64, note: &str| Checkpoint { size, root: h(size), note: note.to_owned() };
    let with_tree = Batch {
        tree_hashes: (0..8).map(|i| (i, h(i))).collect(),
        checkpoint: Some(checkpoint(size, "note one\n")),
        ..first
    };
    store.append(&with_tree).await.expect("append with tree hashes");
    assert_eq!(store.tree_hash_count().await.expect("count"), 8);
    let got = store.tree_hashes(&[3, 0, 1]).await.expect("tree hashes");
    assert_eq!(got, vec![h(3), h(0), h(1)], "hashes come back in the order asked");
    assert!(matches!(store.tree_hashes(&[8]).await, Err(StoreError::Corrupt(_))), "a missing hash is an error");
    assert_eq!(store.latest_checkpoint().await.expect("latest"), Some(checkpoint(size, "note one\n")));
    assert_eq!(store.checkpoint(size).await.expect("at size"), Some(checkpoint(size, "note one\n")));
    assert_eq!(store.checkpoint(size + 1).await.expect("at another size"), None);

    // Backfilling hashes that exist changes nothing and is not an error.
    store.put_tree_hashes(&[(0, h(0)), (8, h(8))]).await.expect("backfill");
    assert_eq!(store.tree_hashes(&[0, 8]).await.expect("after backfill"), vec![h(0), h(8)]);

    // A batch that would store a second checkpoint for an existing size fails whole.
    let empty = Batch { expected_size: size, checkpoint: Some(checkpoint(size, "forked\n")), ..Batch::default() };
    assert!(store.append(&empty).await.is_err(), "a second checkpoint of one size is refused");
    assert_eq!(store.checkpoint(size).await.expect("kept"), Some(checkpoint(size, "note one\n")));

    let co = |w: &str, line: &str| Cosignature { size, witness: w.to_owned(), line: line.to_owned() };
    store.add_cosignature(&co("w2", "— w2 AAAA")).await.expect("cosign");
    store.add_cosignature(&co("w1", "— w1 BBBB")).await.expect("cosign");
    store.add_cosignature(&co("w1", "— w1 CCCC")).await.expect("cosign again");
    assert_eq!(
        store.cosignatures(size).await.expect("cosignatures"),
        vec![co("w1", "— w1 CCCC"), co("w2", "— w2 AAAA")]
    );
    assert!(store.cosignatures(size + 1).await.expect("none").is_empty());
}
