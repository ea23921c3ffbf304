//! What a reader who may not replay everything (a partner, the public) is still owed: the
//! sealed part of every entry whose envelope's marking releases it to that reader, and for a
//! partner the part of every entry of a body it takes part in as an equal participant (it reads
//! that body's business as the body's members do). An operator who held such a part back could
//! otherwise pass it off as one the reader may not read.
//!
//! A drafted text is the exception: a draft the secretariat has not circulated is nobody's yet,
//! and its envelope cannot say whether it was. So is a revised text of a body's proposal, which
//! its members read once the proposal was first circulated, and not before: the envelope cannot
//! say that either. (A revised text marked for the reader is served whatever happens: a
//! proposal never goes back to being a draft.)

use std::collections::BTreeSet;

use concord_core::record::Envelope;
use concord_core::{BodyId, Event, Reader};
use concord_store::StoredEntry;

/// The parts owed to one reader, learned as the entries go by.
#[derive(Debug, Default)]
pub(crate) struct Released {
    reader: Option<Reader>,
    /// The bodies the partner takes part in, from their establishment, which is public.
    bodies: BTreeSet<BodyId>,
}

impl Released {
    pub(crate) fn new(reader: Option<Reader>) -> Self {
        Self { reader, bodies: BTreeSet::new() }
    }

    /// The reader, and the bodies it was found to take part in.
    pub(crate) fn summary(&self) -> Option<(Reader, Vec<BodyId>)> {
        self.reader.map(|r| (r, self.bodies.iter().cloned().collect()))
    }

    /// Why `e`'s part may not be missing for this reader, if it may not; learns from its part.
    pub(crate) fn check(&mut self, envelope: &Envelope, e: &StoredEntry) -> Option<String> {
        let reader = self.reader?;
        match (&e.part, reader) {
            (Some(part), Reader::Partner(p)) if envelope.kind == "body_established" => {
                if let Ok(r) = concord_core::record::open(envelope, part) {
                    if let Event::BodyEstablished { body } = r.event {
                        if body.roster.partners().contains(&p) {
                            self.bodies.insert(body.id);
                        }
                    }
                }
                None
            }
            (Some(_), _) => None,
            (None, _) if envelope.kind == "proposal_drafted" => None,
            (None, _) if envelope.marking.admits(reader) => {
                Some(format!("its sealed part is withheld, but its marking ({}) releases it to you", envelope.marking))
            }
            (None, _) if envelope.kind == "proposal_amended" => None,
            (None, Reader::Partner(_)) => envelope
                .body
                .as_ref()
                .filter(|b| self.bodies.contains(*b))
                .map(|b| format!("its sealed part is withheld, but it is the business of {b}, where you take part")),
            (None, _) => None,
        }
    }
}
