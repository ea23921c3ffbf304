use concord_ledger::Hash;
use concord_store::StoreError;

/// An error loading or folding the log.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chain(#[from] concord_core::record::ChainError),
    #[error("entry {seq}: {error}")]
    Apply { seq: u64, error: concord_core::ApplyError },
    #[error("entry {seq}: it is marked {recorded}, but the rules mark its event {expected}")]
    Marking { seq: u64, recorded: concord_core::Marking, expected: concord_core::Marking },
    #[error("entry {seq}: its envelope names the body {}, but its event is {}'s business", words(recorded.as_ref()), words(expected.as_ref()))]
    Scope { seq: u64, recorded: Option<concord_core::BodyId>, expected: Option<concord_core::BodyId> },
    #[error("entry {seq}: it is filed as a body's business, but {reason}")]
    NotBodyBusiness { seq: u64, reason: String },
    #[error("entry {seq}: the publication of entry {entry} fails: {reason}")]
    Publication { seq: u64, entry: u64, reason: String },
    #[error("no randomness for the salts of sealed parts: {0}")]
    Entropy(String),
    #[error("the Merkle tree: {0}")]
    Tree(#[from] concord_ledger::Error),
    #[error("the log was created with the key {log}, not the key given, {given}")]
    WrongKey { log: String, given: String },
    #[error("the log could not be started: {0}")]
    Refused(#[from] concord_core::Refusal),
    #[error("the stored checkpoint at size {size} has root {stored}, but the log's entries give {computed}")]
    CheckpointMismatch { size: u64, stored: Hash, computed: Hash },
}

impl LoadError {
    /// The entry at fault, for errors that name one.
    #[must_use]
    pub fn seq(&self) -> Option<u64> {
        use concord_core::record::ChainError as C;
        match self {
            Self::Apply { seq, .. }
            | Self::Marking { seq, .. }
            | Self::Scope { seq, .. }
            | Self::NotBodyBusiness { seq, .. }
            | Self::Publication { seq, .. } => Some(*seq),
            Self::Chain(
                C::HashMismatch { seq }
                | C::OutOfSequence { seq, .. }
                | C::BrokenChain { seq }
                | C::Commitment { seq }
                | C::Mislabelled { seq, .. }
                | C::Withheld { seq },
            ) => Some(*seq),
            Self::Chain(C::Malformed { seq, .. }) => *seq,
            _ => None,
        }
    }
}

/// A body's id, or the principal body in words.
fn words(body: Option<&concord_core::BodyId>) -> String {
    body.map_or_else(|| "(none: the principal body)".to_owned(), ToString::to_string)
}
