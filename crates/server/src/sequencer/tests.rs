use std::sync::Arc;

use concord_core::{Actor, Command, DecisionKind, ProposalId};
use concord_store::Store;

use super::*;
use crate::testing::{Fault, MemoryStore, app};
use concord_log::{Loaded, load};
use recovery::LAST_PROBE;

fn draft(title: &str) -> Command {
    Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Routine,
        significance: None,
        title: title.into(),
        text: "Routine business.".into(),
    }
}

fn key(k: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey { principal: "secretariat".into(), key: k.into(), fingerprint: format!("fp-{k}") })
}

async fn check_log(store: &MemoryStore) -> Loaded {
    load(store).await.expect("the log is intact and applies")
}

#[tokio::test(start_paused = true)]
async fn a_failed_append_changes_nothing_and_the_next_write_continues_the_log() {
    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer();
    let before = store.log_size().await.unwrap();

    store.inject(Fault::FailBeforeWrite);
    let err = seq.submit(Actor::Secretariat, None, draft("lost"), None).await.unwrap_err();
    assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
    assert_eq!(store.log_size().await.unwrap(), before);

    let reply = seq.submit(Actor::Secretariat, None, draft("kept"), None).await.unwrap();
    let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
    // The failed draft took no number: the state was reloaded from the log.
    assert_eq!(p.id, ProposalId(1));
    let loaded = check_log(&store).await;
    assert_eq!(loaded.size, before + 1);
    assert_eq!(loaded.state.proposals[&ProposalId(1)].current().title, "kept");
}

#[tokio::test(start_paused = true)]
async fn while_the_disk_is_full_readyz_says_so_until_a_probe_write_succeeds() {
    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer();
    seq.submit(Actor::Secretariat, None, draft("first"), None).await.unwrap();
    assert_eq!(seq.trouble(), None);

    store.inject(Fault::Full);
    let err = seq.submit(Actor::Secretariat, None, draft("lost"), None).await.unwrap_err();
    assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
    let why = seq.trouble().expect("not ready while writes fail");
    assert!(why.contains("cannot be written") && why.contains("full"), "{why}");
    // Reads still work, yet the trouble stays: probes keep failing, with no write arriving.
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert!(seq.trouble().is_some(), "ready again while the disk is still full");

    // Room again: a probe notices within its longest wait, with no write arriving.
    store.inject(Fault::None);
    tokio::time::sleep(LAST_PROBE + std::time::Duration::from_millis(1)).await;
    assert_eq!(seq.trouble(), None, "ready again once a write succeeds");
    let reply = seq.submit(Actor::Secretariat, None, draft("kept"), None).await.unwrap();
    let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(p.id, ProposalId(2), "the lost draft took no number: the state follows the log");
    let loaded = check_log(&store).await;
    let titles: Vec<_> = loaded.state.proposals.values().map(|p| p.current().title.clone()).collect();
    assert_eq!(titles, ["first", "kept"]);
}

#[tokio::test(start_paused = true)]
async fn a_write_that_persisted_but_reported_failure_is_answered_from_its_key_on_retry() {
    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer();
    let before = store.log_size().await.unwrap();

    store.inject(Fault::FailAfterWrite);
    let err = seq.submit(Actor::Secretariat, None, draft("once"), key("k1")).await.unwrap_err();
    assert!(matches!(err, SubmitError::Unavailable(_)), "{err}");
    assert_eq!(store.log_size().await.unwrap(), before + 1, "the write did persist");

    let retry = seq.submit(Actor::Secretariat, None, draft("once"), key("k1")).await.unwrap();
    assert!(retry.replayed);
    assert_eq!(store.log_size().await.unwrap(), before + 1, "the retry wrote nothing");

    // The sequencer's state caught up with the log: the next draft is number 2.
    let next = seq.submit(Actor::Secretariat, None, draft("next"), None).await.unwrap();
    let p: concord_core::Proposal = serde_json::from_slice(&next.body).unwrap();
    assert_eq!(p.id, ProposalId(2));
    assert_eq!(check_log(&store).await.size, before + 2);
}

#[tokio::test(start_paused = true)]
async fn a_key_reused_for_another_request_is_refused() {
    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer();
    seq.submit(Actor::Secretariat, None, draft("a"), key("k")).await.unwrap();
    let other = Some(IdempotencyKey { principal: "secretariat".into(), key: "k".into(), fingerprint: "other".into() });
    let err = seq.submit(Actor::Secretariat, None, draft("b"), other).await.unwrap_err();
    assert!(matches!(err, SubmitError::KeyReused), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_batch_of_many_writes_is_one_contiguous_chain() {
    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer().clone();
    let writes = (0..200).map(|i| {
        let seq = seq.clone();
        tokio::spawn(async move { seq.submit(Actor::Secretariat, None, draft(&format!("p{i}")), None).await })
    });
    let results = futures_join(writes).await;
    assert!(results.iter().all(Result::is_ok));
    let loaded = check_log(&store).await;
    assert_eq!(loaded.state.proposals.len(), 200);
    let ids: std::collections::BTreeSet<_> = loaded.state.proposals.keys().map(|p| p.0).collect();
    assert_eq!(ids, (1..=200).collect());
}

#[tokio::test(start_paused = true)]
async fn a_refusal_resting_on_a_write_that_failed_is_not_given() {
    use concord_core::Stance;

    use crate::testing::{code, silence, t};

    let store = Arc::new(MemoryStore::default());
    let app = app(store.clone()).await;
    let seq = app.state.sequencer();
    let p = silence(seq, 1, t("2024-02-27T12:00:00Z")).await;
    let position = |m: &str, stance| Command::TakePosition {
        proposal: p,
        member: code(m),
        revision: 1,
        stance,
        text: None,
        evidence: None,
    };
    store.inject(Fault::FailBeforeWrite);
    // One batch: the objection would block the proposal, so the concurrence after it is refused
    // as coming too late; but the objection is never written.
    let (object, concur) = tokio::join!(
        seq.submit(Actor::Member(code("FRA")), None, position("FRA", Stance::Object), None),
        seq.submit(Actor::Member(code("USA")), None, position("USA", Stance::Concur), None),
    );
    assert!(matches!(object, Err(SubmitError::Unavailable(_))), "{object:?}");
    assert!(matches!(concur, Err(SubmitError::Unavailable(_))), "told something that did not happen: {concur:?}");
    // The proposal is still open, and the concurrence goes through on retry.
    seq.submit(Actor::Member(code("USA")), None, position("USA", Stance::Concur), None).await.expect("accepted");
}

/// A second server on the same store, following it every second.
async fn second_server(store: Arc<MemoryStore>) -> crate::App {
    let clock = crate::clock::TokioClock::starting_at(crate::testing::t(crate::testing::T0));
    let sharing = Sharing { follow: Some(std::time::Duration::from_secs(1)) };
    crate::App::start_with(store, Arc::new(clock), crate::testing::log_key(), sharing).await.expect("loads")
}

#[tokio::test(start_paused = true)]
async fn a_server_that_loses_the_race_to_append_decides_again_on_the_log_as_it_stands() {
    let store = Arc::new(MemoryStore::default());
    let a = app(store.clone()).await;
    let b = second_server(store.clone()).await;
    // b loaded the log before a writes: its next append conflicts.
    a.state.sequencer().submit(Actor::Secretariat, None, draft("from a"), None).await.unwrap();
    let reply = b.state.sequencer().submit(Actor::Secretariat, None, draft("from b"), None).await.unwrap();
    let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(p.id, ProposalId(2), "b decided on the log including a's draft");
    // And a, which does not follow, catches up when its own append conflicts.
    let reply = a.state.sequencer().submit(Actor::Secretariat, None, draft("from a again"), None).await.unwrap();
    let p: concord_core::Proposal = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(p.id, ProposalId(3));
    let loaded = check_log(&store).await;
    let titles: Vec<_> = loaded.state.proposals.values().map(|p| p.current().title.clone()).collect();
    assert_eq!(titles, ["from a", "from b", "from a again"]);
}

#[tokio::test(start_paused = true)]
async fn concurrent_writes_through_two_servers_make_one_chain() {
    let store = Arc::new(MemoryStore::default());
    let a = app(store.clone()).await;
    let b = second_server(store.clone()).await;
    let writes = (0..100).map(|i| {
        let seq = if i % 2 == 0 { a.state.sequencer().clone() } else { b.state.sequencer().clone() };
        tokio::spawn(async move { seq.submit(Actor::Secretariat, None, draft(&format!("p{i}")), None).await })
    });
    let results = futures_join(writes).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let loaded = check_log(&store).await;
    let ids: std::collections::BTreeSet<_> = loaded.state.proposals.keys().map(|p| p.0).collect();
    assert_eq!(ids, (1..=100).collect());
}

#[tokio::test(start_paused = true)]
async fn a_deadline_seen_by_two_servers_is_closed_once() {
    use crate::testing::{silence, t};

    let store = Arc::new(MemoryStore::default());
    let a = app(store.clone()).await;
    let b = second_server(store.clone()).await;
    let p = silence(a.state.sequencer(), 1, t("2024-02-27T10:00:00Z")).await;
    // b learns of the circulation by following the log, and sets its own timer.
    tokio::time::sleep(std::time::Duration::from_secs(2 * 3600)).await;
    let loaded = check_log(&store).await;
    let decided = loaded.state.proposals[&p].decision.as_ref().expect("closed at the deadline");
    assert_eq!(decided.decided_at, t("2024-02-27T10:00:00Z"));
    let mut closes = 0;
    for e in store.entries(0, 1000).await.unwrap() {
        if concord_core::record::decode(&e.bytes).unwrap().kind == "proposal_decided" {
            closes += 1;
        }
    }
    assert_eq!(closes, 1);

    // b follows the log on its own: with a's scheduler gone, b closes a's next procedure.
    a.scheduler_task.abort();
    let q = silence(a.state.sequencer(), 2, t("2024-02-27T13:00:00Z")).await;
    tokio::time::sleep(std::time::Duration::from_secs(3 * 3600)).await;
    let loaded = check_log(&store).await;
    let decided = loaded.state.proposals[&q].decision.as_ref().expect("closed by the other server");
    assert_eq!(decided.decided_at, t("2024-02-27T13:00:00Z"));
    drop(b);
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task completes"));
    }
    out
}
