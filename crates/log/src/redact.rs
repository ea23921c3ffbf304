use concord_core::Reader;
use concord_store::StoredEntry;

use crate::Loaded;

impl Loaded {
    /// `entries` as `reader` may see them: every envelope, and a sealed part only where the
    /// domain's access rule ([`concord_core::State::may_read`]) lets this reader read it in this
    /// state, under the marking the entry was recorded with or published to since. The one
    /// place the log's readers (the API, the web's log page, exports) withhold
    /// parts.
    ///
    /// An entry this fold does not cover yet (written after it, by this server or another)
    /// keeps its part only for the secretariat: the rule cannot be asked about an entry whose
    /// subject the state does not know (a draft written a moment ago would pass for released).
    /// A part that does not open against its envelope is withheld too; the verifier, not a
    /// reader, reports such damage.
    pub fn redact(&self, reader: Reader, entries: &mut [StoredEntry]) {
        if reader == Reader::Secretariat {
            return;
        }
        for e in entries {
            let readable = e.seq < self.size
                && e.part.as_deref().is_some_and(|part| {
                    concord_core::record::decode(&e.bytes)
                        .and_then(|envelope| concord_core::record::open(&envelope, part))
                        .is_ok_and(|r| self.state.may_read(reader, self.state.released(r.seq, r.marking), &r.event))
                });
            if !readable {
                e.part = None;
            }
        }
    }
}
