//! Publications, checked against the log: an `entry_published` entry reveals an earlier entry's
//! salt and content and names that entry's marking and commitment. The domain checks the
//! revealed part against the named commitment (`concord_core::rules`); what only the log can
//! check is that the named marking and commitment are the earlier envelope's own. A walk notes
//! each publication's [`Claim`]; whoever feeds the walk looks the earlier entries up
//! ([`Loaded::unsettled`]) and settles the claims ([`Loaded::settle`]).

use concord_core::record::Envelope;
use concord_core::{Event, Marking};
use concord_store::StoredEntry;

use crate::{LoadError, Loaded};

/// What a publication says of an earlier entry's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The publication's place in the log.
    pub by: u64,
    /// The entry it publishes.
    pub entry: u64,
    pub was: Marking,
    pub commitment: String,
}

impl Claim {
    /// The claim `event`, at `seq`, makes, if it is a publication.
    pub fn of(seq: u64, event: &Event) -> Result<Option<Self>, LoadError> {
        let Event::EntryPublished { entry, revealed, .. } = event else { return Ok(None) };
        if *entry >= seq {
            let reason = "it publishes an entry that does not precede it".into();
            return Err(LoadError::Publication { seq, entry: *entry, reason });
        }
        Ok(Some(Self { by: seq, entry: *entry, was: revealed.was, commitment: revealed.commitment.clone() }))
    }

    /// Checks the claim against the published entry's envelope.
    pub fn check(&self, envelope: &Envelope) -> Result<(), LoadError> {
        let fail = |reason: String| Err(LoadError::Publication { seq: self.by, entry: self.entry, reason });
        if envelope.seq != self.entry {
            return fail(format!("the envelope looked up is entry {}'s", envelope.seq));
        }
        if envelope.commitment != self.commitment {
            return fail("the revealed part is not the one the entry's envelope commits to".into());
        }
        if envelope.marking != self.was {
            return fail(format!("the entry is marked {}, not {} as the publication says", envelope.marking, self.was));
        }
        Ok(())
    }
}

impl Loaded {
    /// The earlier entries that publications folded so far name, whose envelopes are still to be
    /// looked up and given to [`Loaded::settle`].
    #[must_use]
    pub fn unsettled(&self) -> Vec<u64> {
        self.claims.iter().map(|c| c.entry).collect()
    }

    /// Checks every pending claim against the entry it names, found in `earlier`. A claim whose
    /// entry `earlier` lacks stays pending.
    ///
    /// The entry looked up must be the one the walk checked: a fold that keeps its leaves (the
    /// verifier's) compares the looked-up bytes' leaf hash with the one it walked, so a source
    /// that serves another envelope the second time is caught. A server's fold keeps none (32
    /// bytes an entry, for ever): it compares with the stored row's own leaf hash, trusting its
    /// own database as it does when it serves; the verifier is what members run against it.
    pub fn settle(&mut self, earlier: &[StoredEntry]) -> Result<(), LoadError> {
        // A claim that fails stays pending too, so that a caller who goes on cannot finish.
        let claims = std::mem::take(&mut self.claims);
        let mut outcome = Ok(());
        for claim in claims {
            let looked_up = earlier.iter().find(|e| e.seq == claim.entry);
            match looked_up {
                Some(e) if outcome.is_ok() => match self.check_claim(&claim, e) {
                    Ok(()) => {}
                    Err(err) => {
                        outcome = Err(err);
                        self.claims.push(claim);
                    }
                },
                _ => self.claims.push(claim),
            }
        }
        outcome
    }

    /// Checks `claim` against `e`, the entry it names as the source gave it again.
    fn check_claim(&self, claim: &Claim, e: &StoredEntry) -> Result<(), LoadError> {
        let walked = match &self.leaves {
            Some(leaves) => usize::try_from(e.seq).ok().and_then(|i| leaves.get(i)).copied(),
            None => Some(e.leaf_hash),
        };
        if walked != Some(concord_ledger::leaf_hash(&e.bytes)) {
            let reason = "the entry looked up to check it is not the one the log holds there".into();
            return Err(LoadError::Publication { seq: claim.by, entry: claim.entry, reason });
        }
        claim.check(&concord_core::record::decode(&e.bytes)?)
    }
}
