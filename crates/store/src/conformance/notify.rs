//! The conformance of the notification rows: the outbox and its cursor, webhook subscriptions,
//! contacts and calendar feeds.

use concord_core::Actor;
use jiff::Timestamp;

use super::scenario::{cc, ts};
use crate::{
    Attempt, Channel, Contact, Message, MessageFilter, MessageState, NewMessage, NewSubscription, Store, StoreError,
};

/// A message for `recipient` on `channel`, created at minute `minute` of the day and due then.
pub fn message(id: &str, channel: Channel, recipient: Actor, minute: u8) -> NewMessage {
    let at = ts(&format!("2024-03-01T09:{minute:02}:00.5Z"));
    NewMessage {
        id: id.to_owned(),
        channel,
        recipient,
        destination: if channel == Channel::Web { String::new() } else { format!("{id}@example.org") },
        body: format!("{{\"notice\":{id:?}}}"),
        created_at: at,
        not_before: at,
    }
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

async fn all<S: Store>(store: &S) -> Vec<Message> {
    store.messages(&MessageFilter::default(), 0, u64::MAX).await.expect("messages")
}

/// Enqueueing is idempotent by id whatever the stored message's state; the cursor moves only
/// from where it is, and a conflict stores nothing; of racing enqueues from one position, one wins.
pub async fn outbox_enqueue<S: Store>(store: &S) {
    let fra = Actor::Member(cc("FRA"));
    assert_eq!(store.notice_cursor().await.expect("cursor"), 0, "a new store has queued nothing");
    let batch = [message("a", Channel::Email, fra, 1), message("b", Channel::Web, fra, 2)];
    assert_eq!(store.enqueue(Some((0, 4)), &batch).await.expect("enqueue"), 2);
    assert_eq!(store.notice_cursor().await.expect("cursor"), 4);
    let expected: Vec<Message> = batch.iter().rev().cloned().map(Message::from).collect();
    assert_eq!(all(store).await, expected, "stored exactly, pending and untried");

    assert!(store.record_attempt("a", &Attempt::Delivered { at: ts("2024-03-01T10:00:00Z") }).await.expect("record"));
    let again = [message("a", Channel::Email, Actor::Observer, 5), message("c", Channel::Web, fra, 3)];
    assert_eq!(store.enqueue(None, &again).await.expect("enqueue"), 1, "only c is new");
    assert_eq!(store.notice_cursor().await.expect("cursor"), 4, "no cursor, no move");
    let a = all(store).await.into_iter().find(|m| m.id == "a").expect("a");
    assert_eq!((a.recipient, a.state), (fra, MessageState::Delivered), "a stored id is left as it is");
    assert_eq!(store.enqueue(Some((4, 4)), &[]).await.expect("an empty enqueue"), 0);

    let late = [message("d", Channel::Web, fra, 4)];
    let r = store.enqueue(Some((3, 9)), &late).await;
    assert!(matches!(r, Err(StoreError::Conflict { expected: 3, found: 4 })), "{r:?}");
    assert_eq!((store.notice_cursor().await.expect("cursor"), all(store).await.len()), (4, 3), "nothing stored");

    let racers: Vec<[NewMessage; 1]> = (0..4).map(|i| [message(&format!("r{i}"), Channel::Web, fra, 10)]).collect();
    let (r0, r1, r2, r3) = tokio::join!(
        store.enqueue(Some((4, 8)), &racers[0]),
        store.enqueue(Some((4, 8)), &racers[1]),
        store.enqueue(Some((4, 8)), &racers[2]),
        store.enqueue(Some((4, 8)), &racers[3]),
    );
    let results = [r0, r1, r2, r3];
    let winners: Vec<usize> = (0..4).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "one racing enqueue wins: {results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(matches!(r, Err(StoreError::Conflict { expected: 4, found: 8 })), "{r:?}");
    }
    let stored = all(store).await;
    assert_eq!(ids(&stored).iter().filter(|id| id.starts_with('r')).count(), 1, "only the winner's message");
    assert!(ids(&stored).contains(&format!("r{}", winners[0]).as_str()));
}

/// Due messages come oldest first, not before their time and at most `limit`; a retry waits
/// for its time, a delivery is recorded once, and a failure is final.
pub async fn outbox_delivery<S: Store>(store: &S) {
    let fra = Actor::Member(cc("FRA"));
    let later = NewMessage { not_before: ts("2024-03-01T18:00:00Z"), ..message("digest", Channel::Email, fra, 0) };
    let queued = [message("b", Channel::Email, fra, 2), message("a", Channel::Webhook, fra, 2), later];
    // A web message is read in place, never due: "w" appears in no list below.
    store
        .enqueue(None, &[message("c", Channel::Email, fra, 1), message("w", Channel::Web, fra, 0)])
        .await
        .expect("enqueue");
    store.enqueue(None, &queued).await.expect("enqueue");
    let now = ts("2024-03-01T09:30:00Z");
    assert_eq!(ids(&store.due_messages(now, 10).await.expect("due")), ["c", "a", "b"], "by time, then id");
    assert_eq!(ids(&store.due_messages(now, 2).await.expect("due")), ["c", "a"], "at most the limit");
    assert!(store.due_messages(ts("2024-03-01T09:01:00.4Z"), 10).await.expect("due").is_empty(), "none yet");
    let evening = ts("2024-03-01T18:00:00Z");
    assert_eq!(ids(&store.due_messages(evening, 10).await.expect("due")), ["digest", "c", "a", "b"]);

    let retry_at = ts("2024-03-01T09:35:00.000000001Z");
    let retry = Attempt::Retry { at: now, error: "connection refused".into(), next_attempt_at: retry_at };
    assert!(store.record_attempt("a", &retry).await.expect("record"));
    assert_eq!(ids(&store.due_messages(now, 10).await.expect("due")), ["c", "b"], "a waits for its retry");
    let a = store.due_messages(retry_at, 10).await.expect("due").into_iter().find(|m| m.id == "a").expect("due");
    assert_eq!((a.attempts, a.state, a.next_attempt_at), (1, MessageState::Pending, retry_at));
    assert_eq!(a.last_error.as_deref(), Some("connection refused"));

    let delivered_at = ts("2024-03-01T09:35:01Z");
    assert!(store.record_attempt("a", &Attempt::Delivered { at: delivered_at }).await.expect("record"));
    assert!(!store.record_attempt("a", &Attempt::Delivered { at: evening }).await.expect("record"), "once");
    let a = all(store).await.into_iter().find(|m| m.id == "a").expect("a");
    assert_eq!((a.attempts, a.state, a.delivered_at), (2, MessageState::Delivered, Some(delivered_at)));
    assert_eq!(a.last_error.as_deref(), Some("connection refused"), "the last error is kept");

    assert!(
        store.record_attempt("b", &Attempt::Failed { at: now, error: "550 no such user".into() }).await.expect("r")
    );
    assert!(!store.record_attempt("b", &Attempt::Delivered { at: now }).await.expect("record"), "failed is final");
    let b = all(store).await.into_iter().find(|m| m.id == "b").expect("b");
    assert_eq!((b.attempts, b.state, b.last_error.as_deref()), (1, MessageState::Failed, Some("550 no such user")));
    assert_eq!(ids(&store.due_messages(evening, 10).await.expect("due")), ["digest", "c"], "neither is due again");
    assert!(!store.record_attempt("nothing", &Attempt::Delivered { at: now }).await.expect("record"), "unknown");
}

/// Messages list newest first through filters, offset and limit, and count the same way;
/// marking read touches only that recipient's pending web messages.
pub async fn outbox_filters<S: Store>(store: &S) {
    let (fra, deu) = (Actor::Member(cc("FRA")), Actor::Member(cc("DEU")));
    let sec = Actor::Secretariat;
    let queued = [
        message("1", Channel::Web, fra, 1),
        message("2", Channel::Email, fra, 2),
        message("3", Channel::Web, deu, 3),
        message("4", Channel::Web, sec, 4),
        message("5", Channel::Web, fra, 5),
        message("6", Channel::Webhook, Actor::Partner(cc("FRA")), 6),
    ];
    store.enqueue(None, &queued).await.expect("enqueue");
    let now = ts("2024-03-01T10:00:00Z");
    store.record_attempt("5", &Attempt::Failed { at: now, error: "gone".into() }).await.expect("record");
    let f = |recipient, channel, state| MessageFilter { recipient, channel, state };
    let cases: [(MessageFilter, &[&str]); 7] = [
        (MessageFilter::default(), &["6", "5", "4", "3", "2", "1"]),
        (f(Some(fra), None, None), &["5", "2", "1"]),
        (f(Some(fra), Some(Channel::Web), None), &["5", "1"]),
        (f(Some(fra), Some(Channel::Web), Some(MessageState::Pending)), &["1"]),
        (f(None, None, Some(MessageState::Failed)), &["5"]),
        (f(Some(sec), None, None), &["4"]),
        (f(Some(Actor::Observer), None, None), &[]),
    ];
    for (filter, expected) in &cases {
        let found = store.messages(filter, 0, 100).await.expect("messages");
        assert_eq!(ids(&found), *expected, "{filter:?}");
        assert_eq!(store.count_messages(filter).await.expect("count"), expected.len() as u64, "{filter:?}");
    }
    let page = store.messages(&MessageFilter::default(), 2, 3).await.expect("messages");
    assert_eq!(ids(&page), ["4", "3", "2"], "skip 2, take 3");
    assert!(store.messages(&MessageFilter::default(), 6, 3).await.expect("messages").is_empty());

    let read_at = ts("2024-03-01T11:00:00Z");
    assert_eq!(store.mark_read(&fra, read_at).await.expect("mark_read"), 1, "only 1: 2 is e-mail, 5 failed");
    assert_eq!(store.mark_read(&fra, read_at).await.expect("mark_read"), 0, "read once");
    let states: Vec<(String, MessageState, Option<jiff::Timestamp>)> =
        all(store).await.into_iter().map(|m| (m.id, m.state, m.delivered_at)).collect();
    let (pending, delivered, failed) = (MessageState::Pending, MessageState::Delivered, MessageState::Failed);
    let expected = [("6", pending, None), ("5", failed, None), ("4", pending, None)];
    let expected =
        expected.into_iter().chain([("3", pending, None), ("2", pending, None), ("1", delivered, Some(read_at))]);
    assert_eq!(states, expected.map(|(id, s, at)| (id.to_owned(), s, at)).collect::<Vec<_>>());
    assert_eq!(store.mark_read(&sec, read_at).await.expect("mark_read"), 1, "the secretariat's own");
}

/// Subscriptions: an id is taken once, listed oldest first; failures count up to the threshold,
/// which disables with the reason; a success resets the count; enabling and deleting.
pub async fn webhook_subscriptions<S: Store>(store: &S) {
    let sub = |id: &str, recipient, at: &str| NewSubscription {
        id: id.to_owned(),
        recipient,
        url: format!("https://hooks.example.org/{id}"),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        created_at: ts(at),
    };
    store.create_subscription(&sub("s2", Actor::Partner(cc("UKR")), "2024-03-01T09:00:00Z")).await.expect("create");
    store.create_subscription(&sub("s1", Actor::Secretariat, "2024-03-02T09:00:00Z")).await.expect("create");
    let taken = store.create_subscription(&sub("s1", Actor::Observer, "2024-03-03T09:00:00Z")).await;
    assert!(matches!(taken, Err(StoreError::Other(_))), "an id is taken once: {taken:?}");
    let listed = store.subscriptions().await.expect("subscriptions");
    assert_eq!(listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["s2", "s1"], "oldest first");
    assert_eq!((listed[1].recipient, listed[1].url.as_str()), (sec(), "https://hooks.example.org/s1"));
    assert_eq!(listed[1].secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "kept as is: signing needs it");
    assert_eq!((listed[0].failures, listed[0].disabled_at), (0, None));

    let at = |minute: u8| ts(&format!("2024-03-04T10:{minute:02}:00Z"));
    let fail = |minute| store.record_subscription_result("s2", false, at(minute), Some("HTTP 500"), 3);
    assert_eq!(fail(1).await.expect("record").map(|s| (s.failures, s.disabled_at)), Some((1, None)));
    assert_eq!(fail(2).await.expect("record").map(|s| s.failures), Some(2));
    let ok = store.record_subscription_result("s2", true, at(3), None, 3).await.expect("record").expect("known");
    assert_eq!((ok.failures, ok.disabled_at), (0, None), "a success resets the count");
    for minute in 4..6 {
        assert_eq!(fail(minute).await.expect("record").and_then(|s| s.disabled_at), None, "below the threshold");
    }
    let disabled = fail(6).await.expect("record").expect("known");
    assert_eq!((disabled.failures, disabled.disabled_at), (3, Some(at(6))), "disabled at the third in a row");
    assert_eq!(disabled.disabled_reason.as_deref(), Some("HTTP 500"));
    let still = store.record_subscription_result("s2", false, at(7), Some("later"), 3).await.expect("r").expect("s2");
    assert_eq!((still.disabled_at, still.disabled_reason.as_deref()), (Some(at(6)), Some("HTTP 500")), "first cause");
    assert_eq!(store.subscriptions().await.expect("subscriptions")[0], still, "as returned");
    assert_eq!(store.record_subscription_result("s9", true, at(8), None, 3).await.expect("record"), None);

    assert!(!store.enable_subscription("s1").await.expect("enable"), "s1 was not disabled");
    assert!(store.enable_subscription("s2").await.expect("enable"));
    let s2 = store.subscriptions().await.expect("subscriptions").remove(0);
    assert_eq!((s2.failures, s2.disabled_at, s2.disabled_reason), (0, None, None));
    assert!(store.delete_subscription("s1").await.expect("delete"));
    assert!(!store.delete_subscription("s1").await.expect("delete"), "deleted once");
    assert_eq!(store.subscriptions().await.expect("subscriptions").len(), 1);
}

fn sec() -> Actor {
    Actor::Secretariat
}

/// Contacts are replaced by recipient and address (also for an actor without a country) and
/// listed by recipient and address; calendar feeds are found by their token's hash, once each.
pub async fn contacts_and_feeds<S: Store>(store: &S) {
    let contact = |recipient, email: &str, time_zone: &str, digest| Contact {
        recipient,
        email: email.to_owned(),
        time_zone: time_zone.to_owned(),
        digest,
    };
    let fra = Actor::Member(cc("FRA"));
    let set = [
        contact(fra, "ops@fr.example", "Europe/Paris", false),
        contact(sec(), "desk@alliance.example", "Europe/Brussels", false),
        contact(fra, "amb@fr.example", "Europe/Paris", true),
        contact(Actor::Member(cc("CAN")), "ops@ca.example", "America/Toronto", true),
    ];
    for c in &set {
        store.set_contact(c).await.expect("set_contact");
    }
    store.set_contact(&contact(sec(), "desk@alliance.example", "UTC", true)).await.expect("replace");
    store.set_contact(&contact(fra, "ops@fr.example", "Indian/Reunion", true)).await.expect("replace");
    let expected = [
        contact(Actor::Member(cc("CAN")), "ops@ca.example", "America/Toronto", true),
        contact(fra, "amb@fr.example", "Europe/Paris", true),
        contact(fra, "ops@fr.example", "Indian/Reunion", true),
        contact(sec(), "desk@alliance.example", "UTC", true),
    ];
    assert_eq!(store.contacts().await.expect("contacts"), expected);
    assert!(store.delete_contact(&fra, "amb@fr.example").await.expect("delete"));
    assert!(!store.delete_contact(&fra, "amb@fr.example").await.expect("delete"), "deleted once");
    assert!(!store.delete_contact(&Actor::Partner(cc("FRA")), "ops@fr.example").await.expect("delete"), "per actor");
    assert!(store.delete_contact(&sec(), "desk@alliance.example").await.expect("delete"));
    assert_eq!(store.contacts().await.expect("contacts").len(), 2);

    let at = ts("2024-03-01T09:00:00Z");
    store.create_feed(&[1; 32], &fra, at).await.expect("create_feed");
    store.create_feed(&[2; 32], &sec(), at).await.expect("create_feed");
    assert_eq!(store.find_feed(&[1; 32]).await.expect("find_feed"), Some(fra));
    assert_eq!(store.find_feed(&[2; 32]).await.expect("find_feed"), Some(sec()));
    assert_eq!(store.find_feed(&[3; 32]).await.expect("find_feed"), None);
    assert!(matches!(store.create_feed(&[1; 32], &sec(), at).await, Err(StoreError::Other(_))), "a hash once");
    assert_eq!(store.find_feed(&[1; 32]).await.expect("find_feed"), Some(fra), "and kept");
    let later = ts("2024-03-02T09:00:00Z");
    store.create_feed(&[0; 32], &fra, later).await.expect("create_feed");
    let listed: Vec<([u8; 32], Actor, Timestamp)> =
        store.feeds().await.expect("feeds").into_iter().map(|f| (f.hash, f.recipient, f.created_at)).collect();
    assert_eq!(listed, vec![([1; 32], fra, at), ([2; 32], sec(), at), ([0; 32], fra, later)], "oldest first");
    assert!(store.delete_feed(&[1; 32]).await.expect("delete_feed"));
    assert!(!store.delete_feed(&[1; 32]).await.expect("delete_feed"), "revoked once");
    assert_eq!(store.find_feed(&[1; 32]).await.expect("find_feed"), None, "its address opens nothing");
    assert_eq!(store.feeds().await.expect("feeds").len(), 2);
}
