//! Checkpoints, c2sp.org/tlog-checkpoint@v1.0.0: the signed head of a transparency log.
//!
//! A checkpoint is a signed note (see [`crate::note`]) whose text is exactly three lines
//! (§Note text): the log's **origin**, the **tree size** in decimal without leading zeros, and
//! the base64 **root hash** of the RFC 6962 Merkle tree of that size. Go's checksum database
//! documents this one, whose root is the leaf hash of `hello world`:
//!
//! ```
//! use concord_ledger::checkpoint::Checkpoint;
//!
//! let body = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
//! let c = Checkpoint::parse(body)?;
//! assert_eq!((c.origin(), c.size()), ("go.sum database tree", 123_456_789_012));
//! assert_eq!(c.root(), concord_ledger::leaf_hash(b"hello world"));
//! assert_eq!(c.format(), body);
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! The log signs the text with its key, whose name SHOULD be the origin (§Signatures); a reader
//! opens it with the keys it trusts, and gets the checkpoint only if one of them signed it:
//!
//! ```
//! use concord_ledger::checkpoint::Checkpoint;
//! use concord_ledger::keys::Signer;
//! use concord_ledger::leaf_hash;
//!
//! let log = Signer::from_seed("concord.example/log", [2; 32])?;
//! let c = Checkpoint::new("concord.example/log", 1, leaf_hash(b"entry 0"))?;
//! let signed = c.sign(&log)?;
//! let (opened, note) = Checkpoint::open(signed.as_bytes(), &[log.verifier()])?;
//! assert_eq!(opened, c);
//! assert_eq!(note.verified().len(), 1);
//! # Ok::<(), concord_ledger::Error>(())
//! ```
//!
//! Lines after the third are **extension lines**: [`Checkpoint::parse`] accepts them (each must be
//! non-empty) and [`Checkpoint::extensions`] shows them, and [`Checkpoint::format`] writes back
//! what was parsed; but [`Checkpoint::new`] cannot make them, so the checkpoints that Concord signs
//! never carry any (the spec calls them NOT RECOMMENDED: monitors cannot audit them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::keys::{Signer, Verifier, is_valid_name};
use crate::note::{self, VerifiedNote};
use crate::{Error, Hash};

/// A tree head: origin, size, root hash, and any extension lines read from a log's checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint of a tree of `size` leaves with root `root`. The origin must follow the
    /// spec's recommendation (non-empty, no spaces, no `+`), as ours are also key names.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, Error> {
        if !is_valid_name(origin) {
            return Err(Error::MalformedCheckpoint(format!(
                "origin {origin:?} is empty or has a space, '+' or control"
            )));
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions: Vec::new() })
    }

    /// Parses a checkpoint's note text strictly (§Note text): at least three newline-terminated
    /// non-empty lines; a non-empty origin; a decimal size without sign or leading zeros that
    /// fits 64 bits; the canonical base64 of 32 bytes; non-empty extension lines.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |s: String| Error::MalformedCheckpoint(s);
        let body = text.strip_suffix('\n').ok_or_else(|| bad("text does not end in a newline".into()))?;
        if let Some(i) = body.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(bad(format!("control character at byte {i}")));
        }
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(bad(format!("{} lines, not at least 3", body.split('\n').count())));
        };
        if origin.is_empty() {
            return Err(bad("empty origin".into()));
        }
        let size = parse_size(size).ok_or_else(|| bad(format!("tree size {size:?} is not a canonical decimal")))?;
        let root = BASE64
            .decode(root)
            .ok()
            .and_then(|b| Hash::from_bytes(&b).ok())
            .ok_or_else(|| bad(format!("root hash {root:?} is not the base64 of 32 bytes")))?;
        let mut extensions = Vec::new();
        for line in lines {
            if line.is_empty() {
                return Err(bad("empty extension line".into()));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }

    /// The note text: `origin\nsize\nbase64(root)\n`, then the extension lines, if any were
    /// parsed.
    #[must_use]
    pub fn format(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root.as_bytes()));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// The origin line.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The extension lines, without newlines; always empty for checkpoints made by [`Self::new`].
    #[must_use]
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The signed note of this checkpoint, signed by `log`.
    pub fn sign(&self, log: &Signer) -> Result<String, Error> {
        note::sign(&self.format(), &[log])
    }

    /// Opens a signed checkpoint with the trusted `verifiers` (log keys and, if wanted, witness
    /// cosigner keys), then parses its text.
    pub fn open(signed: &[u8], verifiers: &[Verifier]) -> Result<(Self, VerifiedNote), Error> {
        let note = note::open(signed, verifiers)?;
        let checkpoint = Self::parse(note.text())?;
        Ok((checkpoint, note))
    }
}

/// ASCII digits only, no leading zero unless the value is zero (§Note text, line 2).
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;

    const GO: &str = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

    #[test]
    fn parses_go_sumdb_example() {
        let c = Checkpoint::parse(GO).unwrap();
        assert_eq!(c.origin(), "go.sum database tree");
        assert_eq!(c.size(), 123_456_789_012);
        assert_eq!(c.root(), leaf_hash(b"hello world"));
        assert!(c.extensions().is_empty());
        assert_eq!(c.format(), GO);
    }

    #[test]
    fn extension_lines_are_read_and_written_back() {
        let text = format!("{GO}ext one\next two\n");
        let c = Checkpoint::parse(&text).unwrap();
        assert_eq!(c.extensions(), ["ext one", "ext two"]);
        assert_eq!(c.format(), text);
        assert!(Checkpoint::parse(&format!("{GO}\n")).is_err(), "empty extension line");
    }

    #[test]
    fn sizes_are_canonical_decimals() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "00", "01", "+1", "-1", " 1", "1 ", "1e3", "0x10", "18446744073709551616", "١"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parse_is_strict() {
        let root = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=";
        for bad in [
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=".to_owned(),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n1\n{}\n", &root[..40]),
            "o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n".to_owned(), // non-zero trailing bits
            format!("o\n1\n{root}AAAA\n"),
            "o\n1\n".to_owned(),
            format!("o\r\n1\n{root}\n"),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn new_refuses_origins_we_would_not_sign() {
        for bad in ["", "a b", "a+b", "a\nb"] {
            assert!(Checkpoint::new(bad, 0, Hash::default()).is_err(), "{bad:?}");
        }
    }
}
