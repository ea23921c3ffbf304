use concord_core::record::{LogRecord, SALT_LEN, encode};
use concord_core::{Actor, Command, Event, ProposalId, Refusal, State};
use concord_ledger::Hash;
use concord_ledger::edge::TreeEdge;
use concord_store::{NewEntry, StoredEntry};
use jiff::Timestamp;

use crate::{LoadError, Touched};

/// The fold of a log's first `size` entries. Cheap to clone: the state and the decisions are
/// persistent maps, so a copy shares everything with the original until one of them changes
/// (what lets the server publish each batch's state to readers without copying it).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: State,
    pub size: u64,
    pub last_hash: Hash,
    pub tree: TreeEdge,
    /// The log entry of each recorded decision.
    pub decisions: imbl::OrdMap<ProposalId, u64>,
    /// What publications walked so far say of earlier envelopes, not yet checked against them
    /// (see [`Loaded::settle`]).
    pub claims: Vec<crate::Claim>,
    /// The leaf hash of every entry walked, kept when a reader who trusts no one asks for it
    /// ([`Loaded::keeping_leaves`]: the verifier), so that an entry looked up again to settle a
    /// publication is checked against the one the walk checked, not against itself.
    pub leaves: Option<Vec<Hash>>,
    /// The newest envelope format walked: a log never goes back to an older one, so that an
    /// operator cannot write a body's entry as v2 (which names no body) to keep it from those
    /// owed it. (Zero after a snapshot, which the verifier never starts from.)
    pub format: u32,
}

/// The entry types that can be a body's business (`State::scope`): about a body's proposal, or
/// its proxies.
const BODY_BUSINESS: [&str; 13] = [
    "proposal_drafted",
    "proposal_amended",
    "proposal_circulated",
    "position_taken",
    "instructions_awaited",
    "deadline_extended",
    "deadline_curtailed",
    "proposal_withdrawn",
    "proposal_reopened",
    "proposal_decided",
    "proxy_authorised",
    "proxy_ended",
    "entry_published",
];

/// What [`Loaded::walk`] added to the tree: each new hash with its stored-hash index.
pub type Walked = Vec<(u64, Hash)>;

impl Default for Loaded {
    fn default() -> Self {
        Self::empty()
    }
}

impl Loaded {
    /// The fold of an empty log.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            state: State::new(),
            size: 0,
            last_hash: concord_core::record::genesis(),
            tree: TreeEdge::default(),
            decisions: imbl::OrdMap::new(),
            claims: Vec::new(),
            leaves: None,
            format: 0,
        }
    }

    /// Checks that `envelopes` never go back to an older format than the log's newest so far.
    fn check_formats(&mut self, envelopes: &[concord_core::record::Envelope]) -> Result<(), LoadError> {
        for e in envelopes {
            if e.v < self.format {
                let reason =
                    format!("format v{} after a v{} entry: a log never goes back to an older format", e.v, self.format);
                return Err(concord_core::record::ChainError::Malformed { seq: Some(e.seq), reason }.into());
            }
            self.format = e.v;
        }
        Ok(())
    }

    /// The fold of an empty log that keeps every leaf hash it walks (32 bytes an entry): what the
    /// verifier runs, for whom a source that serves an entry a second time proves nothing.
    #[must_use]
    pub fn keeping_leaves() -> Self {
        Self { leaves: Some(Vec::new()), ..Self::empty() }
    }

    /// Notes the leaf hashes `entries` add, if this fold keeps them.
    fn keep_leaves(&mut self, entries: &[StoredEntry]) {
        if let Some(leaves) = &mut self.leaves {
            leaves.extend(entries.iter().map(|e| e.leaf_hash));
        }
    }

    /// Checks that `entries` continue this log — each leaf hash is its bytes', the bytes are the
    /// canonical encoding of an envelope that names its place and the entry before it, each
    /// sealed part matches its envelope's commitment, type and role — and folds them in through
    /// [`State::apply`], which checks every rule (signatures and recorded decisions included)
    /// again; each envelope's marking must be the one the rules give its event. `each` sees
    /// every record as it is folded. Returns the tree hashes the entries add.
    ///
    /// It needs every sealed part: a reader from whom one is withheld cannot replay the log (the
    /// verifier checks such a reader's envelopes and parts without replaying).
    ///
    /// This is the one chain walk: loading a log, following other servers and the offline
    /// verifier all run it. After an error, `self` must be thrown away (it may hold part of the
    /// entries' effect); the error names the entry at fault ([`LoadError::seq`]).
    pub fn walk(&mut self, entries: &[StoredEntry], mut each: impl FnMut(&LogRecord)) -> Result<Walked, LoadError> {
        let (envelopes, last) = concord_core::record::check_chain(self.last_hash, entries)?;
        self.check_formats(&envelopes)?;
        for (envelope, e) in envelopes.iter().zip(entries) {
            let part = e.part.as_deref().ok_or(concord_core::record::ChainError::Withheld { seq: e.seq })?;
            let r = &concord_core::record::open(envelope, part)?;
            if r.seq != self.size {
                return Err(concord_core::record::ChainError::OutOfSequence { seq: self.size, claimed: r.seq }.into());
            }
            self.state.apply(&r.event).map_err(|error| LoadError::Apply { seq: r.seq, error })?;
            // After the event: a marking reads only facts fixed when their subject was created
            // (a proposal's kind, a pledge's recipient), as `sequence` computes it.
            let marking = self.state.marking(&r.event);
            if marking != r.marking {
                return Err(LoadError::Marking { seq: r.seq, recorded: r.marking, expected: marking });
            }
            // A v2 envelope predates bodies' need to know: it names no body, and none is asked of it.
            let body = self.state.scope(&r.event);
            if body != r.body && envelope.v >= 3 {
                return Err(LoadError::Scope { seq: r.seq, recorded: r.body.clone(), expected: body });
            }
            if let Event::ProposalDecided { proposal, .. } = &r.event {
                self.decisions.insert(*proposal, r.seq);
            }
            self.claims.extend(crate::Claim::of(r.seq, &r.event)?);
            each(r);
            self.size += 1;
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
        let hashes = self.tree.append(&leaves)?;
        self.keep_leaves(entries);
        self.last_hash = last;
        Ok(hashes)
    }

    /// [`walk`](Self::walk) for a reader who may lack sealed parts: checks the chain of
    /// envelopes, opens each part present against its envelope, and extends the tree, without
    /// folding anything (the state stays where it was: the rules cannot follow a log with
    /// events missing). What the verifier runs past the first withheld part.
    pub fn walk_envelopes(&mut self, entries: &[StoredEntry]) -> Result<Walked, LoadError> {
        let (envelopes, last) = concord_core::record::check_chain(self.last_hash, entries)?;
        self.check_formats(&envelopes)?;
        for (envelope, e) in envelopes.iter().zip(entries) {
            if envelope.seq != self.size {
                return Err(
                    concord_core::record::ChainError::OutOfSequence { seq: self.size, claimed: envelope.seq }.into()
                );
            }
            if let Some(part) = &e.part {
                let r = concord_core::record::open(envelope, part)?;
                // A publication this reader holds: its revealed part must match the commitment
                // it names (the domain's rule), and that commitment the earlier envelope's.
                if let Event::EntryPublished { entry, revealed, .. } = &r.event {
                    if !revealed.matches() {
                        let reason = concord_core::Refusal::PublicationMismatch { entry: *entry }.to_string();
                        return Err(LoadError::Publication { seq: r.seq, entry: *entry, reason });
                    }
                }
                self.claims.extend(crate::Claim::of(r.seq, &r.event)?);
            }
            self.size += 1;
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| e.leaf_hash).collect();
        let hashes = self.tree.append(&leaves)?;
        self.keep_leaves(entries);
        self.last_hash = last;
        Ok(hashes)
    }

    /// [`walk`](Self::walk) for one entry of a body the reader does not sit in (its envelope
    /// names the body, [`concord_core::State::scope`]), or whose bodies the reader did not say:
    /// checks it as [`walk_envelopes`](Self::walk_envelopes) does, part or no part, and folds
    /// nothing of it but a drafted proposal's number ([`State::hold_withheld_draft`]), so that
    /// every later proposal keeps its own. Nothing outside a body follows from what it
    /// deliberates (the alliance acts on the principal body's decisions alone), so the rest of
    /// the log replays as it would with it.
    ///
    /// What can be checked without replaying is: the body exists, the entry is of a kind that
    /// can be a body's business, and, where the reader holds its part, its event is that body's
    /// (so that an operator cannot file the principal body's business under a body to keep a
    /// member from replaying it; an entry whose part is withheld too is checked by the body's
    /// members, who replay it).
    pub fn walk_outside(&mut self, entry: &StoredEntry) -> Result<Walked, LoadError> {
        let envelope = concord_core::record::decode(&entry.bytes)?;
        let seq = envelope.seq;
        let body = envelope
            .body
            .clone()
            .ok_or(LoadError::NotBodyBusiness { seq, reason: "its envelope names no body".into() })?;
        if !BODY_BUSINESS.contains(&envelope.kind.as_str()) {
            let reason = format!("a {} entry is never a body's business", envelope.kind);
            return Err(LoadError::NotBodyBusiness { seq, reason });
        }
        if !self.state.bodies.contains_key(&body) {
            return Err(LoadError::NotBodyBusiness { seq, reason: format!("the log never established a body {body}") });
        }
        let hashes = self.walk_envelopes(std::slice::from_ref(entry))?;
        if let Some(part) = &entry.part {
            let r = concord_core::record::open(&envelope, part)?;
            let expected = self.state.scope(&r.event);
            if expected.as_ref() != Some(&body) {
                return Err(LoadError::Scope { seq, recorded: Some(body), expected });
            }
        }
        if envelope.kind == "proposal_drafted" {
            self.state.hold_withheld_draft(envelope.at, Some(body));
        }
        Ok(hashes)
    }

    /// [`walk`](Self::walk) for one entry whose sealed part a member-cleared reader is not given
    /// because it is a draft the secretariat still holds (`State::may_read`): checks that it
    /// continues the chain and that its envelope is such a draft's (`proposal_drafted` or
    /// `proposal_amended`, marked for the members), folds a drafted one as a numbered, unknown
    /// draft ([`concord_core::State::hold_withheld_draft`]) and extends the tree, so that replay
    /// goes on past it. Any other withheld entry is [`ChainError::Withheld`]: a member is owed
    /// every other part.
    ///
    /// [`ChainError::Withheld`]: concord_core::record::ChainError::Withheld
    pub fn walk_withheld_draft(&mut self, entry: &StoredEntry) -> Result<Walked, LoadError> {
        let (envelopes, last) = concord_core::record::check_chain(self.last_hash, std::slice::from_ref(entry))?;
        self.check_formats(&envelopes)?;
        let envelope = &envelopes[0];
        if envelope.seq != self.size {
            return Err(
                concord_core::record::ChainError::OutOfSequence { seq: self.size, claimed: envelope.seq }.into()
            );
        }
        let draft = matches!(envelope.kind.as_str(), "proposal_drafted" | "proposal_amended");
        if !draft || envelope.marking != concord_core::Marking::Members || entry.part.is_some() {
            return Err(concord_core::record::ChainError::Withheld { seq: envelope.seq }.into());
        }
        if envelope.kind == "proposal_drafted" {
            self.state.hold_withheld_draft(envelope.at, envelope.body.clone());
        }
        self.size += 1;
        let hashes = self.tree.append(&[entry.leaf_hash])?;
        self.keep_leaves(std::slice::from_ref(entry));
        self.last_hash = last;
        Ok(hashes)
    }

    /// Decides `command` at `now` and, if accepted, applies its events and appends their log
    /// entries to `entries`, chained to the log so far, each sealed under a fresh salt from
    /// `salts` (a cryptographically secure generator: a guessable salt lets anyone test guesses
    /// of a short sealed content against its commitment). The state and the chain move
    /// together. A signature is checked once, here ([`concord_core::decide_and_apply`]) or
    /// `ahead` where the write arrived ([`concord_core::verify_ahead`]); replay checks each
    /// again. `account` (`user:<name>`, `token:<label>`, none for the scheduler) is
    /// who acted in the role `actor`: it is sealed with each event, never in the envelope.
    #[allow(clippy::too_many_arguments)] // who (role, account), what (checked ahead), when, where it goes
    pub fn sequence(
        &mut self,
        actor: Actor,
        account: Option<&str>,
        command: &Command,
        ahead: Option<&concord_core::VerifiedSignature>,
        now: Timestamp,
        salts: &mut impl rand::CryptoRng,
        entries: &mut Vec<NewEntry>,
        touched: &mut Touched,
    ) -> Result<(), Refusal> {
        for event in concord_core::decide_and_apply(&mut self.state, actor, command, now, ahead)? {
            let (marking, body) = (self.state.marking(&event), self.state.scope(&event));
            // The person is the members' to know: an entry released to the public names the
            // role alone, and a decision the rules drew from a position is no one's act.
            let named = marking != concord_core::Marking::Public && !matches!(event, Event::ProposalDecided { .. });
            let account = account.filter(|_| named).map(str::to_owned);
            let record = LogRecord {
                seq: self.size,
                prev: self.last_hash.to_hex(),
                at: now,
                marking,
                body,
                actor,
                account,
                event,
            };
            let mut salt = [0; SALT_LEN];
            salts.fill_bytes(&mut salt);
            let entry = encode(&record, salt).unwrap_or_else(|e| panic!("a domain event failed to encode: {e}"));
            touched.note(&record.event);
            if let Event::ProposalDecided { proposal, .. } = &record.event {
                self.decisions.insert(*proposal, self.size);
            }
            self.size += 1;
            self.last_hash = entry.leaf_hash;
            entries.push(entry);
        }
        Ok(())
    }
}
