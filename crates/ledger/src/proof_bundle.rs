//! c2sp.org/tlog-proof: an entry's inclusion proof and the checkpoint it leads to, as one text a
//! member can keep and check offline.
//!
//! The format (§"Format"): the line `c2sp.org/tlog-proof@v1`; optionally `extra <base64>` with
//! opaque, unauthenticated application data; `index <N>` (decimal, no leading zeros); the RFC
//! 6962/9162 inclusion proof, one base64 hash per line, the leaf's sibling first; an empty line;
//! and the checkpoint, verbatim.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! index 2
//! 5AOhDmDDvzyn2oGGqF2w/mcDQk8nWb69KIcMXtRQdZo=
//! ...
//!
//! concord.example/log
//! 5
//! ...
//! — concord.example/log ...
//! ```
//!
//! This module only encodes and decodes the text and checks the Merkle part; the checkpoint's
//! signatures, origin, size and root are checked by the caller (with the checkpoint and note
//! modules), who then passes that size and root to [`TlogProof::check`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::tlog::check_record;
use crate::{Error, Hash};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// An inclusion proof can hold at most 64 hashes, one per level of a tree of up to 2⁶⁴ entries.
const MAX_PROOF_LEN: usize = 64;

/// A parsed or assembled tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    extra: Option<Vec<u8>>,
    index: u64,
    proof: Vec<Hash>,
    checkpoint: String,
}

impl TlogProof {
    /// Assembles a proof of the entry at `index`: its inclusion `proof` in the tree of the signed
    /// `checkpoint` (the note text as served, ending in a newline), with optional `extra` data.
    pub fn new(index: u64, proof: Vec<Hash>, checkpoint: String, extra: Option<Vec<u8>>) -> Result<Self, Error> {
        if proof.len() > MAX_PROOF_LEN {
            return Err(bad(format!("{} proof hashes, at most {MAX_PROOF_LEN}", proof.len())));
        }
        // A checkpoint starts with its non-empty origin line and, being a note, ends in a newline;
        // anything else would not survive a round trip through the text.
        if checkpoint.is_empty() || checkpoint.starts_with('\n') || !checkpoint.ends_with('\n') {
            return Err(bad("checkpoint is empty or not a note".to_owned()));
        }
        Ok(Self { extra, index, proof, checkpoint })
    }

    /// The log index of the entry.
    #[must_use]
    pub const fn index(&self) -> u64 {
        self.index
    }

    /// The inclusion proof, leaf's sibling first.
    #[must_use]
    pub fn proof(&self) -> &[Hash] {
        &self.proof
    }

    /// The checkpoint text, verbatim; unverified.
    #[must_use]
    pub fn checkpoint(&self) -> &str {
        &self.checkpoint
    }

    /// The extra data, unauthenticated: never trust it implicitly.
    #[must_use]
    pub fn extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// The text form.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&STANDARD.encode(h.as_bytes()));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses the text form strictly: exact header, canonical base64 and decimal, 32-byte hashes.
    pub fn parse(text: &str) -> Result<Self, Error> {
        // The proof ends at the first empty line; the checkpoint is everything after it.
        let (head, checkpoint) = text.split_once("\n\n").ok_or_else(|| bad("no empty line".to_owned()))?;
        let mut lines = head.split('\n').peekable();
        if lines.next() != Some(HEADER) {
            return Err(bad(format!("first line is not {HEADER}")));
        }
        let extra = match lines.next_if(|l| l.starts_with("extra ")) {
            Some(line) => {
                Some(STANDARD.decode(&line["extra ".len()..]).map_err(|e| bad(format!("extra is not base64: {e}")))?)
            }
            None => None,
        };
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (*n == "0" || !n.starts_with('0')))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("no valid index line".to_owned()))?;
        let proof = lines
            .map(|line| {
                STANDARD
                    .decode(line)
                    .ok()
                    .and_then(|b| Hash::from_bytes(&b).ok())
                    .ok_or_else(|| bad(format!("proof line {line:?} is not a base64 hash")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(index, proof, checkpoint.to_owned(), extra)
    }

    /// Checks that the proof shows the entry with leaf hash `leaf` at [`index`](Self::index) in the
    /// tree of `size` entries with root `root`, which the caller read from the checkpoint after
    /// verifying its signatures.
    pub fn check(&self, leaf: Hash, size: u64, root: Hash) -> Result<(), Error> {
        check_record(&self.proof, size, root, self.index, leaf)
    }
}

fn bad(why: String) -> Error {
    Error::TlogProof(why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaf_hash;
    use crate::tlog::{prove_record, stored_hashes_for_batch, tree_hash};

    // The example of c2sp.org/tlog-proof, verbatim (its signatures are elided there).
    const SPEC_EXAMPLE: &str = "c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
— witness2.example TnKKVHLX[...]xwYwrSjgow==
— witness3.example S4X82uH5[...]3oEcROGLFQ==
";

    #[test]
    fn the_spec_example_parses_and_round_trips() {
        let p = TlogProof::parse(SPEC_EXAMPLE).unwrap();
        assert_eq!(p.index(), 73_894);
        assert!(p.extra().unwrap().starts_with(b"age-v1.2.1-darwin-arm64.tar.gz"));
        assert_eq!(p.proof().len(), 5);
        assert!(p.checkpoint().starts_with("example.com/fancylog\n109482\n"));
        assert_eq!(p.to_text(), SPEC_EXAMPLE);
    }

    #[test]
    fn a_proof_from_our_tree_checks() {
        let leaves: Vec<Hash> = (0..5u8).map(|i| leaf_hash(&[i])).collect();
        let stored = stored_hashes_for_batch(0, &leaves, &Vec::new()).unwrap();
        let root = tree_hash(5, &stored).unwrap();
        let checkpoint =
            format!("concord.example/log\n5\n{}\n\n— concord.example/log AAAA\n", STANDARD.encode(root.as_bytes()));
        let p = TlogProof::new(2, prove_record(5, 2, &stored).unwrap(), checkpoint, None).unwrap();
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 2\n"));
        let back = TlogProof::parse(&text).unwrap();
        assert_eq!(back, p);
        back.check(leaves[2], 5, root).unwrap();
        assert!(back.check(leaves[3], 5, root).is_err());
        // A record with no proof hashes: the only entry of a tree of one.
        let one = TlogProof::new(0, vec![], "o\n1\nx\n".to_owned(), Some(vec![])).unwrap();
        assert_eq!(one.to_text(), "c2sp.org/tlog-proof@v1\nextra \nindex 0\n\no\n1\nx\n");
        assert_eq!(TlogProof::parse(&one.to_text()).unwrap(), one);
    }

    #[test]
    fn malformed_proofs_are_refused() {
        let good = SPEC_EXAMPLE;
        for bad in [
            good.replace("@v1", "@v2"),
            good.replace("index 73894", "index 073894"),
            good.replace("index 73894", "index -1"),
            good.replace("index 73894", "index  73894"),
            good.replace("index 73894\n", ""),
            good.replace("extra ", "extra: "),
            good.replace("YWdlLXYx", "YWdlLXY*"),
            good.replace(
                "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=",
                "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPl==",
            ),
            good.replace(
                "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n",
                "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\n",
            ),
            good.replace("\n\nexample.com", "\nexample.com"),
            good.trim_end().to_owned(),
            "c2sp.org/tlog-proof@v1\nindex 0\n\n".to_owned(),
        ] {
            assert!(TlogProof::parse(&bad).is_err(), "{bad}");
        }
        assert!(TlogProof::new(0, vec![Hash::default(); 65], "o\n".to_owned(), None).is_err());
    }
}
