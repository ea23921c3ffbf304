//! Concord's log, folded: the state every server decides on and serves from, kept in step with
//! the entries that made it.
//!
//! - [`Loaded`] is the fold of the first `size` entries: the domain's [`State`], the chain's last
//!   leaf hash, the Merkle tree's edge and the entry of each recorded decision;
//! - [`Loaded::walk`] checks and folds entries one by one (sequence, chain, canonical bytes, the
//!   domain's rules, the tree): the one chain walk that loading, following other servers and the
//!   offline verifier all run;
//! - [`Loaded::sequence`] decides a command and appends its events; [`Loaded::seal`] closes a
//!   batch with its tree hashes and signed checkpoint;
//! - [`load`] and [`Loaded::catch_up`] read the log from a [`Store`];
//!   [`load_from`] starts from a [`snapshot`] the store's tree agrees with.
//!
//! **Invariant:** nothing here knows HTTP; the offline commands (`rebuild`, `report`, `import`,
//! `synth`, the demo's loader) and the verifier use this crate without the server.
//!
//! [`State`]: concord_core::State
//! [`Store`]: concord_store::Store

#![forbid(unsafe_code)]

mod error;
mod fold;
mod publication;
mod read;
mod redact;
mod seal;
pub mod snapshot;
mod touched;

pub use error::LoadError;
pub use fold::{Loaded, Walked};
pub use publication::Claim;
pub use read::{load, load_from};
pub use seal::sign_checkpoint;
pub use touched::{DeadlineUpdate, Touched};

/// The generator of sealed parts' salts: a cryptographically secure one (ChaCha12), seeded from
/// the operating system. Tests that need the same log twice seed a `StdRng` themselves.
pub fn salts() -> Result<rand::rngs::StdRng, LoadError> {
    use rand::SeedableRng;
    let mut seed = [0; 32];
    getrandom::fill(&mut seed).map_err(|e| LoadError::Entropy(e.to_string()))?;
    Ok(rand::rngs::StdRng::from_seed(seed))
}
