//! A [`Store`] in memory that injects faults, as Sunlight tests its sequencer against an
//! in-memory backend (feature `memory`). It passes the same conformance suite as the SQL
//! backends, so a test on it tests the contract; it keeps nothing across a restart.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use concord_ledger::Hash;
use jiff::Timestamp;

use crate::{
    Batch, Checkpoint, Cosignature, IdempotencyRecord, LoginCharge, NewSession, NewToken, NewUser, Session, Store,
    StoreError, StoredEntry, TokenInfo, User,
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
