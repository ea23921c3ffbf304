//! The conformance suite every backend passes (to be filled in).
