//! A [`Store`] in memory that injects faults, as Sunlight tests its sequencer against an
//! in-memory backend (feature `memory`). It passes the same conformance suite as the SQL
//! backends, so a test on it tests the contract; it keeps nothing across a restart.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use concord_ledger::Hash;
use jiff::Timestamp;

use concord_core::Actor;

use crate::columns::actor_columns;
use crate::{
    Attempt, Batch, Checkpoint, Contact, Cosignature, Feed, IdempotencyRecord, LoginCharge, Message, MessageFilter,
    MessageState, NewMessage, NewSession, NewSubscription, NewToken, NewUser, Session, Store, StoreError, StoredEntry,
    Subscription, TokenInfo, User,
};

/// What the next append does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Fails and writes nothing.
    FailBeforeWrite,
    /// Writes everything, then reports failure (the reply was lost).
    FailAfterWrite,
    /// Every append and write probe fails, writing nothing, until another fault is injected
    /// (a full disk, until room is made).
    Full,
}

#[derive(Debug, Default)]
struct Data {
    log: Vec<StoredEntry>,
    tokens: BTreeMap<[u8; 32], TokenInfo>,
    users: BTreeMap<String, User>,
    sessions: BTreeMap<[u8; 32], NewSession>,
    idempotency: BTreeMap<(String, String), IdempotencyRecord>,
    tree: BTreeMap<u64, Hash>,
    checkpoints: BTreeMap<u64, Checkpoint>,
    cosignatures: BTreeMap<(u64, String), Cosignature>,
    notice_cursor: u64,
    outbox: BTreeMap<String, Message>,
    subscriptions: BTreeMap<String, Subscription>,
    /// By role, country code and address: the SQL backends' order.
    contacts: BTreeMap<(&'static str, Option<String>, String), Contact>,
    feeds: BTreeMap<[u8; 32], Feed>,
    next_fault: Fault,
}

/// A store in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
}

impl MemoryStore {
    /// Makes the next append behave as `fault` (every append, for [`Fault::Full`]).
    pub fn inject(&self, fault: Fault) {
        self.lock().next_fault = fault;
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock leaves plain data behind, still consistent: every
        // write below checks first and then changes, without a fallible step in between.
        self.data.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Refuses what a SQL backend's keys and constraints refuse, before anything is written.
fn check_append(d: &Data, batch: &Batch) -> Result<(), StoreError> {
    batch.check()?;
    let found = d.log.len() as u64;
    if found != batch.expected_size {
        return Err(StoreError::Conflict { expected: batch.expected_size, found });
    }
    if let Some(c) = batch.checkpoint.as_ref().filter(|c| d.checkpoints.contains_key(&c.size)) {
        return Err(StoreError::Conflict { expected: c.size, found: c.size });
    }
    if batch.tree_hashes.iter().any(|(i, _)| d.tree.contains_key(i)) {
        return Err(StoreError::Corrupt("a tree hash exists beyond the stored log".into()));
    }
    let mut keys = std::collections::BTreeSet::new();
    for r in &batch.idempotency {
        let key = (r.principal.clone(), r.key.clone());
        if d.idempotency.contains_key(&key) || !keys.insert(key) {
            return Err(StoreError::Other(format!(
                "idempotency key {:?} of {} is already recorded",
                r.key, r.principal
            )));
        }
    }
    Ok(())
}

fn contact_key(recipient: &Actor, email: &str) -> (&'static str, Option<String>, String) {
    let (role, code) = actor_columns(recipient);
    (role, code, email.to_owned())
}

/// Up to `limit` of `items`, skipping `offset`.
fn page<T>(items: impl Iterator<Item = T>, offset: u64, limit: u64) -> Vec<T> {
    items
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect()
}

fn full() -> StoreError {
    StoreError::Unavailable("injected fault: the disk is full".into())
}

#[async_trait]
impl Store for MemoryStore {
    async fn log_size(&self) -> Result<u64, StoreError> {
        Ok(self.lock().log.len() as u64)
    }

    async fn append(&self, batch: &Batch) -> Result<u64, StoreError> {
        let mut d = self.lock();
        if d.next_fault == Fault::Full {
            return Err(full());
        }
        let fault = std::mem::take(&mut d.next_fault);
        if fault == Fault::FailBeforeWrite {
            return Err(StoreError::Unavailable("injected fault before write".into()));
        }
        check_append(&d, batch)?;
        d.log.extend(batch.entries.iter().map(|e| StoredEntry {
            seq: e.seq,
            bytes: e.bytes.clone(),
            leaf_hash: e.leaf_hash,
            part: Some(e.part.clone()),
        }));
        d.tree.extend(batch.tree_hashes.iter().copied());
        if let Some(c) = &batch.checkpoint {
            d.checkpoints.insert(c.size, c.clone());
        }
        for r in &batch.idempotency {
            d.idempotency.insert((r.principal.clone(), r.key.clone()), r.clone());
        }
        if fault == Fault::FailAfterWrite {
            return Err(StoreError::Unavailable("injected fault after write".into()));
        }
        Ok(d.log.len() as u64)
    }

    async fn entries(&self, from: u64, limit: u64) -> Result<Vec<StoredEntry>, StoreError> {
        let from = usize::try_from(from).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self.lock().log.iter().skip(from).take(limit).cloned().collect())
    }

    async fn create_token(&self, t: &NewToken) -> Result<(), StoreError> {
        let mut d = self.lock();
        if d.tokens.contains_key(&t.hash) {
            return Err(StoreError::Other("a token with this hash exists".into()));
        }
        let info = TokenInfo {
            hash: t.hash,
            actor: t.actor,
            label: t.label.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: None,
        };
        d.tokens.insert(t.hash, info);
        Ok(())
    }

    async fn find_token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        Ok(self.lock().tokens.get(hash).cloned())
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut all: Vec<TokenInfo> = self.lock().tokens.values().cloned().collect();
        // Newest first, then by hash: the SQL backends' order.
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.hash.cmp(&b.hash)));
        Ok(all)
    }

    async fn revoke_token(&self, hash: &[u8; 32], at: Timestamp) -> Result<bool, StoreError> {
        let mut d = self.lock();
        let token = d.tokens.get_mut(hash).filter(|t| t.revoked_at.is_none());
        Ok(token.map(|t| t.revoked_at = Some(at)).is_some())
    }

    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
        let mut d = self.lock();
        if d.users.contains_key(&user.name) {
            return Err(StoreError::Other(format!("a user named {:?} exists", user.name)));
        }
        let stored = User {
            name: user.name.clone(),
            password_hash: user.password_hash.clone(),
            actor: user.actor,
            failed_logins: 0,
            locked_until: None,
        };
        d.users.insert(user.name.clone(), stored);
        Ok(())
    }

    async fn find_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(name).cloned())
    }

    async fn charge_login_attempt(&self, name: &str, now: Timestamp) -> Result<Option<LoginCharge>, StoreError> {
        Ok(self.lock().users.get_mut(name).map(|u| {
            match u.locked_until {
                Some(until) if until > now => {}
                Some(_) => (u.locked_until, u.failed_logins) = (None, 1),
                None => u.failed_logins += 1,
            }
            LoginCharge { attempts: u.failed_logins, locked_until: u.locked_until }
        }))
    }

    async fn lock_user(&self, name: &str, until: Timestamp) -> Result<(), StoreError> {
        if let Some(u) = self.lock().users.get_mut(name) {
            (u.locked_until, u.failed_logins) = (Some(until), 0);
        }
        Ok(())
    }

    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError> {
        if let Some(u) = self.lock().users.get_mut(name) {
            (u.locked_until, u.failed_logins) = (None, 0);
        }
        Ok(())
    }

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let mut d = self.lock();
        // The SQL backends' foreign key: a session belongs to an existing user.
        if !d.users.contains_key(&session.user) {
            return Err(StoreError::Other(format!("no user named {:?}", session.user)));
        }
        d.sessions.insert(session.hash, session.clone());
        Ok(())
    }

    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let d = self.lock();
        let found = d.sessions.get(hash).and_then(|s| d.users.get(&s.user).map(|u| (s, u)));
        Ok(found.map(|(s, u)| Session {
            user: s.user.clone(),
            actor: u.actor,
            csrf: s.csrf.clone(),
            expires_at: s.expires_at,
        }))
    }

    async fn delete_session(&self, hash: &[u8; 32]) -> Result<(), StoreError> {
        self.lock().sessions.remove(hash);
        Ok(())
    }

    async fn idempotency(&self, principal: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.lock().idempotency.get(&(principal.to_owned(), key.to_owned())).cloned())
    }

    async fn tree_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let d = self.lock();
        let get =
            |i: &u64| d.tree.get(i).copied().ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing")));
        indexes.iter().map(get).collect()
    }

    async fn tree_hash_count(&self) -> Result<u64, StoreError> {
        Ok(self.lock().tree.len() as u64)
    }

    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError> {
        let mut d = self.lock();
        for (i, h) in hashes {
            d.tree.entry(*i).or_insert(*h);
        }
        Ok(())
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.lock().checkpoints.values().next_back().cloned())
    }

    async fn checkpoint(&self, size: u64) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.lock().checkpoints.get(&size).cloned())
    }

    async fn add_cosignature(&self, c: &Cosignature) -> Result<(), StoreError> {
        self.lock().cosignatures.insert((c.size, c.witness.clone()), c.clone());
        Ok(())
    }

    async fn cosignatures(&self, size: u64) -> Result<Vec<Cosignature>, StoreError> {
        let d = self.lock();
        Ok(d.cosignatures
            .range((size, String::new())..)
            .take_while(|((s, _), _)| *s == size)
            .map(|(_, c)| c.clone())
            .collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn probe_write(&self) -> Result<(), StoreError> {
        match self.lock().next_fault {
            Fault::Full => Err(full()),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl crate::Notifications for MemoryStore {
    async fn notice_cursor(&self) -> Result<u64, StoreError> {
        Ok(self.lock().notice_cursor)
    }

    async fn enqueue(&self, cursor: Option<(u64, u64)>, messages: &[NewMessage]) -> Result<usize, StoreError> {
        let mut d = self.lock();
        if let Some((expected, to)) = cursor {
            if d.notice_cursor != expected {
                return Err(StoreError::Conflict { expected, found: d.notice_cursor });
            }
            d.notice_cursor = to;
        }
        let before = d.outbox.len();
        for m in messages {
            d.outbox.entry(m.id.clone()).or_insert_with(|| m.clone().into());
        }
        Ok(d.outbox.len() - before)
    }

    async fn due_messages(&self, now: Timestamp, limit: u64) -> Result<Vec<Message>, StoreError> {
        let d = self.lock();
        let mut due: Vec<&Message> = d
            .outbox
            .values()
            .filter(|m| {
                m.state == MessageState::Pending && m.channel != crate::Channel::Web && m.next_attempt_at <= now
            })
            .collect();
        due.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(page(due.into_iter().cloned(), 0, limit))
    }

    async fn record_attempt(&self, id: &str, attempt: &Attempt) -> Result<bool, StoreError> {
        let mut d = self.lock();
        let Some(m) = d.outbox.get_mut(id).filter(|m| m.state == MessageState::Pending) else { return Ok(false) };
        m.attempts += 1;
        match attempt {
            Attempt::Delivered { at } => (m.state, m.delivered_at) = (MessageState::Delivered, Some(*at)),
            Attempt::Retry { error, next_attempt_at, .. } => {
                (m.last_error, m.next_attempt_at) = (Some(error.clone()), *next_attempt_at);
            }
            Attempt::Failed { error, .. } => (m.state, m.last_error) = (MessageState::Failed, Some(error.clone())),
        }
        Ok(true)
    }

    async fn messages(&self, filter: &MessageFilter, offset: u64, limit: u64) -> Result<Vec<Message>, StoreError> {
        let d = self.lock();
        let mut found: Vec<&Message> = d.outbox.values().filter(|m| filter.matches(m)).collect();
        found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(page(found.into_iter().cloned(), offset, limit))
    }

    async fn count_messages(&self, filter: &MessageFilter) -> Result<u64, StoreError> {
        Ok(self.lock().outbox.values().filter(|m| filter.matches(m)).count() as u64)
    }

    async fn mark_read(&self, recipient: &Actor, at: Timestamp) -> Result<u64, StoreError> {
        let unread = MessageFilter {
            recipient: Some(*recipient),
            channel: Some(crate::Channel::Web),
            state: Some(MessageState::Pending),
        };
        let mut n = 0;
        for m in self.lock().outbox.values_mut().filter(|m| unread.matches(m)) {
            (m.state, m.delivered_at, n) = (MessageState::Delivered, Some(at), n + 1);
        }
        Ok(n)
    }

    async fn create_subscription(&self, s: &NewSubscription) -> Result<(), StoreError> {
        let mut d = self.lock();
        if d.subscriptions.contains_key(&s.id) {
            return Err(StoreError::Other(format!("a subscription {:?} exists", s.id)));
        }
        let stored = Subscription {
            id: s.id.clone(),
            recipient: s.recipient,
            url: s.url.clone(),
            secret: s.secret.clone(),
            created_at: s.created_at,
            failures: 0,
            disabled_at: None,
            disabled_reason: None,
        };
        d.subscriptions.insert(s.id.clone(), stored);
        Ok(())
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let mut all: Vec<Subscription> = self.lock().subscriptions.values().cloned().collect();
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    async fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.lock().subscriptions.remove(id).is_some())
    }

    async fn record_subscription_result(
        &self,
        id: &str,
        ok: bool,
        at: Timestamp,
        error: Option<&str>,
        disable_after: u32,
    ) -> Result<Option<Subscription>, StoreError> {
        Ok(self.lock().subscriptions.get_mut(id).map(|s| {
            if ok {
                s.failures = 0;
            } else {
                s.failures += 1;
                if s.disabled_at.is_none() && s.failures >= disable_after {
                    (s.disabled_at, s.disabled_reason) = (Some(at), error.map(str::to_owned));
                }
            }
            s.clone()
        }))
    }

    async fn enable_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let mut d = self.lock();
        let s = d.subscriptions.get_mut(id).filter(|s| s.disabled_at.is_some());
        Ok(s.map(|s| (s.failures, s.disabled_at, s.disabled_reason) = (0, None, None)).is_some())
    }

    async fn set_contact(&self, c: &Contact) -> Result<(), StoreError> {
        self.lock().contacts.insert(contact_key(&c.recipient, &c.email), c.clone());
        Ok(())
    }

    async fn contacts(&self) -> Result<Vec<Contact>, StoreError> {
        Ok(self.lock().contacts.values().cloned().collect())
    }

    async fn delete_contact(&self, recipient: &Actor, email: &str) -> Result<bool, StoreError> {
        Ok(self.lock().contacts.remove(&contact_key(recipient, email)).is_some())
    }

    async fn create_feed(&self, hash: &[u8; 32], recipient: &Actor, created_at: Timestamp) -> Result<(), StoreError> {
        let mut d = self.lock();
        if d.feeds.contains_key(hash) {
            return Err(StoreError::Other("a feed with this hash exists".into()));
        }
        d.feeds.insert(*hash, Feed { hash: *hash, recipient: *recipient, created_at });
        Ok(())
    }

    async fn find_feed(&self, hash: &[u8; 32]) -> Result<Option<Actor>, StoreError> {
        Ok(self.lock().feeds.get(hash).map(|f| f.recipient))
    }

    async fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        let mut all: Vec<Feed> = self.lock().feeds.values().cloned().collect();
        all.sort_by_key(|f| (f.created_at, f.hash));
        Ok(all)
    }

    async fn delete_feed(&self, hash: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self.lock().feeds.remove(hash).is_some())
    }
}

#[cfg(all(test, feature = "conformance"))]
mod tests {
    use super::*;
    use crate::conformance::{append_all, story};

    crate::conformance_tests!((MemoryStore::default(), ()));

    /// The faults the sequencer's tests rely on: before the write nothing is kept, after it
    /// everything is, and a full disk refuses appends and probes until cleared.
    #[tokio::test]
    async fn injected_faults() {
        let store = MemoryStore::default();
        let (_, batches) = story();
        store.inject(Fault::FailBeforeWrite);
        assert!(matches!(store.append(&batches[0]).await, Err(StoreError::Unavailable(_))));
        assert_eq!(store.log_size().await.ok(), Some(0));
        store.inject(Fault::FailAfterWrite);
        assert!(matches!(store.append(&batches[0]).await, Err(StoreError::Unavailable(_))));
        assert_eq!(store.log_size().await.ok(), Some(1));
        store.inject(Fault::Full);
        assert!(store.append(&batches[1]).await.is_err() && store.probe_write().await.is_err());
        assert!(store.append(&batches[1]).await.is_err(), "full until room is made");
        store.inject(Fault::None);
        store.probe_write().await.expect("room again");
        append_all(&store, &batches[1..]).await;
    }
}
