//! The bodies of the witness protocol, c2sp.org/tlog-witness@v1.0.0 `add-checkpoint`; no HTTP.
//!
//! A log asks a witness to cosign its new checkpoint with `POST <prefix>/add-checkpoint`. The
//! request body is an `old <size>` line, up to 63 lines each holding one base64 hash of the
//! RFC 6962 §2.1.2 consistency proof from that size, an empty line, and the signed checkpoint
//! (§add-checkpoint):
//!
//! ```
//! use concord_ledger::checkpoint::Checkpoint;
//! use concord_ledger::cosignature::cosign;
//! use concord_ledger::keys::Signer;
//! use concord_ledger::witness::{self, AddCheckpoint, Refusal};
//! use concord_ledger::{leaf_hash, note};
//!
//! let log = Signer::from_seed("concord.example/log", [2; 32])?;
//! let checkpoint = Checkpoint::new("concord.example/log", 1, leaf_hash(b"entry 0"))?;
//! let request = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: checkpoint.sign(&log)? };
//! let body = request.format();
//! assert!(body.starts_with("old 0\n\nconcord.example/log\n1\n"));
//!
//! // The witness parses it, checks it (signature, size, proof: not shown), and cosigns.
//! let received = AddCheckpoint::parse(body.as_bytes())?;
//! let text = note::open(received.checkpoint.as_bytes(), &[log.verifier()])?.text().to_owned();
//! let w = Signer::from_seed("concord.example/witness", [3; 32])?;
//! let response = witness::format_response(&[cosign(&text, &w, 1_700_000_000)?])?;
//! assert_eq!(witness::parse_response(response.as_bytes())?.len(), 1);
//!
//! // Had the witness seen size 7 already, it would have answered 409 with that size.
//! let refusal = Refusal::Conflict { known_size: 7 };
//! assert_eq!((refusal.status(), refusal.body().as_str()), (409, "7\n"));
//! assert_eq!(witness::parse_size_body(b"7\n")?, 7);
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! The witness's checks happen in a fixed order, each with its status (§add-checkpoint):
//! a body that does not parse, or an old size above the checkpoint's: **400**; an origin it does
//! not know: **404**; no signature by a log key it trusts: **403**; an old size other than the
//! size it last cosigned (or, at equal sizes, another root): **409** with its size as
//! `text/x.tlog.size`; a consistency proof that does not verify (including a non-empty proof
//! from size 0): **422**. [`Refusal`] carries them; the proof check itself belongs to the Merkle
//! code, and the atomic compare-and-swap of the witness's state to its storage.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{Checkpoint, parse_size};
use crate::note::{Note, SIGNATURE_PREFIX, Signature};
use crate::{Error, Hash};

/// The `Content-Type` of a 409 response body: a tree size and a newline.
pub const CONTENT_TYPE_TLOG_SIZE: &str = "text/x.tlog.size";

/// The most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// HTTP status codes of `add-checkpoint` (c2sp.org/tlog-witness@v1.0.0 §add-checkpoint).
pub mod status {
    /// Cosigned: the body is the cosignature lines.
    pub const OK: u16 = 200;
    /// The body does not parse, or the old size is above the checkpoint's size.
    pub const BAD_REQUEST: u16 = 400;
    /// No signature on the checkpoint verifies with a key trusted for its origin.
    pub const FORBIDDEN: u16 = 403;
    /// The witness does not know the checkpoint's origin.
    pub const NOT_FOUND: u16 = 404;
    /// The old size is not the size the witness last cosigned (body: that size,
    /// `text/x.tlog.size`), or equal sizes with different roots.
    pub const CONFLICT: u16 = 409;
    /// The consistency proof does not verify.
    pub const UNPROCESSABLE: u16 = 422;
}

/// Why a witness refuses an `add-checkpoint` request, with its status code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 400: malformed body, or old size above the checkpoint size.
    Malformed(String),
    /// 403: not signed by a key the witness trusts for this origin.
    UnknownKey,
    /// 404: unknown origin.
    UnknownLog(String),
    /// 409: the witness last cosigned a checkpoint of `known_size`.
    Conflict {
        /// The size of the latest checkpoint the witness cosigned for this origin (0 if none).
        known_size: u64,
    },
    /// 422: the consistency proof does not verify.
    BadProof,
}

impl Refusal {
    /// The HTTP status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) => status::BAD_REQUEST,
            Self::UnknownKey => status::FORBIDDEN,
            Self::UnknownLog(_) => status::NOT_FOUND,
            Self::Conflict { .. } => status::CONFLICT,
            Self::BadProof => status::UNPROCESSABLE,
        }
    }

    /// The response body: for a conflict the known size and a newline, else empty.
    #[must_use]
    pub fn body(&self) -> String {
        match self {
            Self::Conflict { known_size } => format_size_body(*known_size),
            _ => String::new(),
        }
    }

    /// The `Content-Type` the body must have, if the spec sets one.
    #[must_use]
    pub fn content_type(&self) -> Option<&'static str> {
        matches!(self, Self::Conflict { .. }).then_some(CONTENT_TYPE_TLOG_SIZE)
    }
}

/// An `add-checkpoint` request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness last cosigned.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent (it may carry several signatures).
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The body: `old <size>\n`, one base64 hash per line, `\n`, the signed checkpoint.
    #[must_use]
    pub fn format(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&BASE64.encode(h.as_bytes()));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses a request body strictly; every error here is a **400**. Checks the syntax of the
    /// signed checkpoint and that the old size is not above its size, but verifies nothing.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let bad = |s: String| Error::MalformedWitness(s);
        let body = std::str::from_utf8(body).map_err(|_| bad("request is not UTF-8".into()))?;
        let (head, checkpoint) =
            body.split_once("\n\n").ok_or_else(|| bad("no empty line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        let old = lines.next().unwrap_or_default();
        let old_size = old
            .strip_prefix("old ")
            .and_then(parse_size)
            .ok_or_else(|| bad(format!("old size line {old:?} is not `old <decimal>`")))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(format!("more than {MAX_PROOF_LINES} proof lines")));
            }
            let h = BASE64.decode(line).ok().and_then(|b| Hash::from_bytes(&b).ok());
            proof.push(h.ok_or_else(|| bad(format!("proof line {line:?} is not the base64 of 32 bytes")))?);
        }
        let note = Note::parse(checkpoint.as_bytes())?;
        let size = Checkpoint::parse(&note.text)?.size();
        if old_size > size {
            return Err(bad(format!("old size {old_size} is above the checkpoint size {size}")));
        }
        Ok(Self { old_size, proof, checkpoint: checkpoint.to_owned() })
    }
}

/// The 200 response body: the cosignature lines, each ending in a newline (at least one).
pub fn format_response(lines: &[String]) -> Result<String, Error> {
    let body = lines.concat();
    parse_response(body.as_bytes())?;
    Ok(body)
}

/// Parses a 200 response body: one or more signature lines, each ending in a newline. The
/// client then appends the ones it trusts to the checkpoint and opens the whole note.
pub fn parse_response(body: &[u8]) -> Result<Vec<Signature>, Error> {
    let body = std::str::from_utf8(body).map_err(|_| Error::MalformedWitness("response is not UTF-8".into()))?;
    let lines = body.strip_suffix('\n').filter(|b| b.starts_with(SIGNATURE_PREFIX));
    let lines = lines.ok_or_else(|| Error::MalformedWitness(format!("response is not signature lines: {body:?}")))?;
    lines.split('\n').map(Signature::parse_line).collect()
}

/// A 409 body: the size in decimal, then a newline.
#[must_use]
pub fn format_size_body(size: u64) -> String {
    format!("{size}\n")
}

/// Parses a 409 (`text/x.tlog.size`) body.
pub fn parse_size_body(body: &[u8]) -> Result<u64, Error> {
    std::str::from_utf8(body).ok().and_then(|s| s.strip_suffix('\n')).and_then(parse_size).ok_or_else(|| {
        Error::MalformedWitness(format!("size body {:?} is not `<decimal>\\n`", String::from_utf8_lossy(body)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example request of c2sp.org/tlog-witness@v1.0.0 §add-checkpoint.
    const SPEC_REQUEST: &str = "old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
\u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
";

    const SPEC_RESPONSE: &str = "\u{2014} witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==
\u{2014} witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==
\u{2014} witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==
";

    #[test]
    fn parses_and_formats_the_spec_request() {
        let r = AddCheckpoint::parse(SPEC_REQUEST.as_bytes()).unwrap();
        assert_eq!(r.old_size, 20_852_014);
        assert_eq!(r.proof.len(), 4);
        assert!(r.checkpoint.starts_with("example.com/behind-the-sofa\n20852163\n"));
        assert_eq!(r.format(), SPEC_REQUEST);
    }

    #[test]
    fn parses_the_spec_response() {
        let sigs = parse_response(SPEC_RESPONSE.as_bytes()).unwrap();
        assert_eq!(sigs.len(), 3);
        assert_eq!(sigs[2].name().as_str(), "witness.example/w2");
        assert!(sigs.iter().all(|s| s.bytes().len() == 72));
    }

    #[test]
    fn requests_are_strict() {
        let with = |from: &str, to: &str| SPEC_REQUEST.replacen(from, to, 1);
        for bad in [
            with("old 20852014", "old 020852014"),
            with("old 20852014", "Old 20852014"),
            with("old 20852014", "old 20852164"), // above the checkpoint size
            with("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n", "PlRN\n"),
            with("\n\nexample.com", "\nexample.com"),
            SPEC_REQUEST.trim_end().to_owned(),
            with(
                "old 20852014\n",
                &format!("old 20852014\n{}", "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n".repeat(60)),
            ),
        ] {
            assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn responses_are_strict() {
        assert!(parse_response(b"").is_err());
        assert!(parse_response(SPEC_RESPONSE.trim_end().as_bytes()).is_err());
        assert!(parse_response(format!("{SPEC_RESPONSE}\n").as_bytes()).is_err());
        assert!(format_response(&[]).is_err());
    }

    #[test]
    fn refusals_map_to_statuses() {
        assert_eq!(Refusal::Malformed("x".into()).status(), 400);
        assert_eq!(Refusal::UnknownKey.status(), 403);
        assert_eq!(Refusal::UnknownLog("o".into()).status(), 404);
        let c = Refusal::Conflict { known_size: 20_852_014 };
        assert_eq!((c.status(), c.body(), c.content_type()), (409, "20852014\n".to_owned(), Some("text/x.tlog.size")));
        assert_eq!(Refusal::BadProof.status(), 422);
        assert_eq!(parse_size_body(b"0\n").unwrap(), 0);
        for bad in [&b"01\n"[..], b"1", b"-1\n", b"1\n\n", b""] {
            assert!(parse_size_body(bad).is_err());
        }
    }
}
