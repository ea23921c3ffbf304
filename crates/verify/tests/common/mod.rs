//! A log written the way a server writes it, for `verify` to check: the commands decided and
//! their events chained and sealed by `concord_log`, then read back as stored entries. And a
//! forger's hand: the last entry rewritten, re-chained and signed under a fresh checkpoint.

#![allow(dead_code)] // each test file uses the part it needs

use concord_core::{Actor, Command, CountryCode, Event, Member};
use concord_ledger::keys::Signer;
use concord_log::{Loaded, Touched};
use concord_store::{NewEntry, StoredEntry};
use concord_verify::{LogVerifier, Options, Owed, Report, VerifyError};
use jiff::Timestamp;
use rand::SeedableRng;
use rand::rngs::StdRng;

pub const ORIGIN: &str = "test.concord.example/log";

pub fn t(s: &str) -> Timestamp {
    s.parse().expect("a time")
}

pub fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("a code")
}

/// A log being written: its fold, its entries and its key.
pub struct Writer {
    pub loaded: Loaded,
    pub entries: Vec<NewEntry>,
    pub key: Signer,
    salts: StdRng,
    touched: Touched,
}

impl Writer {
    /// A new log (unsigned positions allowed) with `members`: (alpha-3, alpha-2, numeric, name).
    pub fn new(seed: u8, members: &[(&str, &str, &str, &str)]) -> Self {
        let key = Signer::from_seed(ORIGIN, [seed; 32]).expect("a key");
        let mut w = Self {
            loaded: Loaded::empty(),
            entries: Vec::new(),
            key,
            salts: StdRng::seed_from_u64(u64::from(seed)),
            touched: Touched::default(),
        };
        let create = Command::CreateLog {
            origin: ORIGIN.into(),
            log_key: w.key.verifier().to_string(),
            unsigned_positions: true,
            min_silence: None,
        };
        w.run(Actor::Secretariat, create, "2024-02-20T08:00:00Z");
        for (c, a2, num, name) in members {
            let member = Member {
                code: code(c),
                alpha2: (*a2).into(),
                numeric: (*num).into(),
                name: (*name).into(),
                accession: "1995-01-01".parse().expect("a date"),
                departure: None,
            };
            w.run(Actor::Secretariat, Command::AdmitMember { member }, "2024-02-20T08:00:00Z");
        }
        w
    }

    /// Decides `command` at `at` and appends its events; it must be accepted.
    pub fn run(&mut self, actor: Actor, command: Command, at: &str) {
        let Self { loaded, entries, salts, touched, .. } = self;
        loaded.sequence(actor, None, &command, None, t(at), salts, entries, touched).expect("accepted");
    }

    /// The entries as a store returns them, and a checkpoint over them.
    pub fn sealed(mut self) -> (Vec<StoredEntry>, Vec<u8>, Signer) {
        let (_, checkpoint) = self.loaded.seal(&self.entries, &self.key).expect("sealed");
        (stored(self.entries), checkpoint.note.into_bytes(), self.key)
    }

    /// A forger's log: the last entry's event rewritten by `forge`, re-chained, and a checkpoint
    /// signed over it with the log's own key (the forger is the operator).
    pub fn forged(mut self, forge: impl FnOnce(&mut Event)) -> (Vec<StoredEntry>, Vec<u8>, Signer) {
        let honest = self.entries.pop().expect("an entry to forge");
        let envelope = concord_core::record::decode(&honest.bytes).expect("an envelope");
        let opened = concord_core::record::open(&envelope, &honest.part).expect("it opens");
        let mut event = opened.event;
        forge(&mut event);
        let record = concord_core::record::LogRecord {
            seq: honest.seq,
            prev: self.entries.last().expect("an entry before it").leaf_hash.to_hex(),
            at: envelope.at,
            marking: envelope.marking,
            body: envelope.body,
            actor: opened.actor,
            account: None,
            event,
        };
        self.entries.push(concord_core::record::encode(&record, [3; concord_core::record::SALT_LEN]).expect("encoded"));
        let mut fold = Loaded::empty();
        fold.size = self.entries.len() as u64;
        let (_, checkpoint) = fold.seal(&self.entries, &self.key).expect("sealed");
        (stored(self.entries), checkpoint.note.into_bytes(), self.key)
    }
}

pub fn stored(entries: Vec<NewEntry>) -> Vec<StoredEntry> {
    entries
        .into_iter()
        .map(|e| StoredEntry { seq: e.seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part: Some(e.part) })
        .collect()
}

/// What a verifier of the log signed by `key` trusts: no witness, no earlier checkpoint.
pub fn options(owed: Owed, key: &Signer, delegation: Option<CountryCode>) -> Options {
    Options { owed, log_key: key.verifier(), witnesses: Vec::new(), quorum: 0, trusted: None, delegation, reader: None }
}

/// Verifies every entry, as a member owed them all.
pub fn verify(entries: &[StoredEntry], checkpoint: &[u8], key: &Signer) -> Result<Report, VerifyError> {
    let mut v = LogVerifier::new(options(Owed::Every, key, None))?;
    v.feed(entries)?;
    v.finish(checkpoint)
}
