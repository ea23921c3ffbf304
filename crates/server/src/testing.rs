//! Test support: an in-memory store that injects faults, as Sunlight tests its sequencer.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use concord_core::{Actor, Member, Partner, Proposal, ProposalId, ProposalStatus};
use concord_ledger::Hash;
use concord_store::{
    Batch, Checkpoint, Cosignature, IdempotencyRecord, NewSession, NewToken, NewUser, Page, Session, Snapshot, Store,
    StoreError, StoredEntry, User,
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
    members: BTreeMap<String, Member>,
    partners: BTreeMap<String, Partner>,
    proposals: BTreeMap<ProposalId, Proposal>,
    decisions: BTreeMap<ProposalId, u64>,
    tokens: BTreeMap<[u8; 32], concord_store::TokenInfo>,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().expect("no test panics while holding the lock")
    }
}

fn write_snapshot(d: &mut Data, s: &Snapshot) {
    for m in &s.members {
        d.members.insert(m.code.to_string(), m.clone());
    }
    for p in &s.partners {
        d.partners.insert(p.code.to_string(), p.clone());
    }
    for p in &s.proposals {
        d.proposals.insert(p.id, p.clone());
    }
    d.decisions.extend(s.decisions.iter().copied());
}

fn page<K: Ord + Clone, V: Clone>(m: &BTreeMap<K, V>, p: &Page<K>) -> Vec<V> {
    let iter: Box<dyn Iterator<Item = (&K, &V)>> = match &p.after {
        Some(a) => Box::new(m.range((std::ops::Bound::Excluded(a.clone()), std::ops::Bound::Unbounded))),
        None => Box::new(m.iter()),
    };
    iter.take(p.limit as usize).map(|(_, v)| v.clone()).collect()
}

#[async_trait]
impl Store for MemoryStore {
    async fn log_size(&self) -> Result<u64, StoreError> {
        Ok(self.lock().log.len() as u64)
    }

    async fn append(&self, batch: &Batch) -> Result<u64, StoreError> {
        let mut d = self.lock();
        if d.next_fault == Fault::Full {
            return Err(StoreError::Unavailable("injected fault: the disk is full".into()));
        }
        let fault = std::mem::take(&mut d.next_fault);
        if fault == Fault::FailBeforeWrite {
            return Err(StoreError::Unavailable("injected fault before write".into()));
        }
        let found = d.log.len() as u64;
        if found != batch.expected_size {
            return Err(StoreError::Conflict { expected: batch.expected_size, found });
        }
        for e in &batch.entries {
            d.log.push(StoredEntry { seq: e.seq, bytes: e.bytes.clone(), leaf_hash: e.leaf_hash });
        }
        write_snapshot(&mut d, &batch.projections);
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
        Ok(self.lock().log.iter().skip(from as usize).take(limit as usize).cloned().collect())
    }

    async fn replace_projections(&self, snapshot: &Snapshot, at_size: u64) -> Result<(), StoreError> {
        let mut d = self.lock();
        let found = d.log.len() as u64;
        if found != at_size {
            return Err(StoreError::Conflict { expected: at_size, found });
        }
        d.members.clear();
        d.partners.clear();
        d.proposals.clear();
        d.decisions.clear();
        write_snapshot(&mut d, snapshot);
        Ok(())
    }

    async fn dump_projections(&self) -> Result<String, StoreError> {
        let d = self.lock();
        Ok(format!("{:?}\n{:?}\n{:?}", d.members, d.partners, d.proposals))
    }

    async fn members(&self, p: &Page<String>) -> Result<Vec<Member>, StoreError> {
        Ok(page(&self.lock().members, p))
    }

    async fn partner(&self, code: &str) -> Result<Option<Partner>, StoreError> {
        Ok(self.lock().partners.get(code).cloned())
    }

    async fn member(&self, code: &str) -> Result<Option<Member>, StoreError> {
        Ok(self.lock().members.get(code).cloned())
    }

    async fn partners(&self, p: &Page<String>) -> Result<Vec<Partner>, StoreError> {
        Ok(page(&self.lock().partners, p))
    }

    async fn proposals(
        &self,
        status: Option<ProposalStatus>,
        p: &Page<ProposalId>,
    ) -> Result<Vec<Proposal>, StoreError> {
        let d = self.lock();
        let filtered: BTreeMap<_, _> = d
            .proposals
            .iter()
            .filter(|(_, x)| status.is_none_or(|s| x.status == s))
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        Ok(page(&filtered, p))
    }

    async fn proposal(&self, id: ProposalId) -> Result<Option<Proposal>, StoreError> {
        Ok(self.lock().proposals.get(&id).cloned())
    }

    async fn decision_entry(&self, id: ProposalId) -> Result<Option<u64>, StoreError> {
        Ok(self.lock().decisions.get(&id).copied())
    }

    async fn create_token(&self, t: &NewToken) -> Result<(), StoreError> {
        let info = concord_store::TokenInfo {
            hash: t.hash,
            actor: t.actor,
            label: t.label.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: None,
        };
        self.lock().tokens.insert(t.hash, info);
        Ok(())
    }

    async fn find_token(&self, hash: &[u8; 32]) -> Result<Option<concord_store::TokenInfo>, StoreError> {
        Ok(self.lock().tokens.get(hash).cloned())
    }

    async fn tokens(&self) -> Result<Vec<concord_store::TokenInfo>, StoreError> {
        Ok(self.lock().tokens.values().cloned().collect())
    }

    async fn revoke_token(&self, hash: &[u8; 32], at: jiff::Timestamp) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .tokens
            .get_mut(hash)
            .filter(|t| t.revoked_at.is_none())
            .map(|t| t.revoked_at = Some(at))
            .is_some())
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

    async fn charge_login_attempt(
        &self,
        name: &str,
        now: jiff::Timestamp,
    ) -> Result<Option<concord_store::LoginCharge>, StoreError> {
        Ok(self.lock().users.get_mut(name).map(|u| {
            match u.locked_until {
                Some(until) if until > now => {}
                Some(_) => (u.locked_until, u.failed_logins) = (None, 1),
                None => u.failed_logins += 1,
            }
            concord_store::LoginCharge { attempts: u.failed_logins, locked_until: u.locked_until }
        }))
    }

    async fn lock_user(&self, name: &str, until: jiff::Timestamp) -> Result<(), StoreError> {
        if let Some(u) = self.lock().users.get_mut(name) {
            u.locked_until = Some(until);
            u.failed_logins = 0;
        }
        Ok(())
    }

    async fn reset_login_failures(&self, name: &str) -> Result<(), StoreError> {
        if let Some(u) = self.lock().users.get_mut(name) {
            u.locked_until = None;
            u.failed_logins = 0;
        }
        Ok(())
    }

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        self.lock().sessions.insert(session.hash, session.clone());
        Ok(())
    }

    async fn find_session(&self, hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let d = self.lock();
        Ok(d.sessions.get(hash).and_then(|s| {
            d.users.get(&s.user).map(|u| Session {
                user: s.user.clone(),
                actor: u.actor,
                csrf: s.csrf.clone(),
                expires_at: s.expires_at,
            })
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
        indexes
            .iter()
            .map(|i| d.tree.get(i).copied().ok_or_else(|| StoreError::Corrupt(format!("tree hash {i} is missing"))))
            .collect()
    }

    async fn tree_hash_count(&self) -> Result<u64, StoreError> {
        Ok(self.lock().tree.len() as u64)
    }

    async fn put_tree_hashes(&self, hashes: &[(u64, Hash)]) -> Result<(), StoreError> {
        self.lock().tree.extend(hashes.iter().copied());
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
        Ok(self
            .lock()
            .cosignatures
            .range((size, String::new())..(size + 1, String::new()))
            .map(|(_, c)| c.clone())
            .collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn probe_write(&self) -> Result<(), StoreError> {
        match self.lock().next_fault {
            Fault::Full => Err(StoreError::Unavailable("injected fault: the disk is full".into())),
            _ => Ok(()),
        }
    }
}

use std::sync::Arc;

use concord_core::{Command, CountryCode, DecisionKind, Procedure};
use jiff::Timestamp;

use crate::App;
use crate::clock::TokioClock;
use crate::sequencer::SequencerHandle;

/// The test log's identity: its key, and positions accepted unsigned (these tests are about
/// procedures; signed positions have their own).
pub fn log_key() -> crate::LogIdentity {
    let key = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [7; 32]).expect("a valid key name");
    crate::LogIdentity { key, unsigned_positions: true, witnesses: Vec::new(), snapshots: None }
}

/// A fixed start for tests.
pub const T0: &str = "2024-02-27T09:00:00Z";

pub fn t(s: &str) -> Timestamp {
    s.parse().expect("test timestamps are valid")
}

pub fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("test codes are valid")
}

/// Members of the test alliance.
pub const MEMBERS: [&str; 3] = ["DEU", "FRA", "USA"];

/// An app on a memory store and a tokio-driven clock at [`T0`], with three members.
pub async fn app(store: Arc<MemoryStore>) -> App {
    let app = App::start(store, Arc::new(TokioClock::starting_at(t(T0))), log_key()).await.expect("an empty log loads");
    for (i, c) in MEMBERS.iter().enumerate() {
        let member = Member {
            code: code(c),
            alpha2: c[..2].to_owned(),
            numeric: format!("{:03}", i + 1),
            name: (*c).to_owned(),
            accession: "1949-08-24".parse().expect("valid date"),
            departure: None,
        };
        submit(app.state.sequencer(), Actor::Secretariat, Command::AdmitMember { member }).await;
    }
    app
}

/// Submits a command that must be accepted.
pub async fn submit(seq: &SequencerHandle, actor: Actor, command: Command) {
    if let Err(e) = seq.submit(actor, command.clone(), None).await {
        panic!("{command:?} failed: {e}");
    }
}

/// Drafts and circulates a statement under silence with the given deadline; returns its id.
pub async fn silence(seq: &SequencerHandle, id: u64, deadline: Timestamp) -> ProposalId {
    let draft = Command::DraftProposal {
        kind: DecisionKind::Statement,
        significance: None,
        title: format!("Statement {id}"),
        text: "There are no plans for combat troops on the ground.".into(),
    };
    submit(seq, Actor::Secretariat, draft).await;
    let p = ProposalId(id);
    submit(seq, Actor::Secretariat, Command::Circulate { proposal: p, procedure: Procedure::Silence, deadline }).await;
    p
}
