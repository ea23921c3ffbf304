//! transparency-dev/merkle's proof vectors (`../shared/vectors/merkle`, read in place) against
//! `tlog`'s verifiers and provers, and the reference roots of `../shared/vectors/notes.md`.
//!
//! Every `wantErr: true` case must be rejected and every `wantErr: false` case accepted, except
//! where our documented policy (see `tlog`'s module docs) differs; those files are listed in
//! [`POLICY_DIFFERS`] and the policy is tested for them explicitly.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use concord_ledger::tlog::{self, HashReader};
use concord_ledger::{Hash, leaf_hash};
use serde::Deserialize;

/// Vectors whose expected outcome our policy does not share, by path under `merkle/`.
///
/// - `sizes-are-equal-one-and-proof-is-empty.json` (`wantErr: false`): sizes 1 and 1, empty proof,
///   equal "roots" that are the 12 bytes `don't care 2`. transparency-dev compares roots as byte
///   strings; ours are `Hash`es, so a 12-byte root is refused where it is parsed. Our policy for
///   equal sizes (empty proof and equal roots accepted) is tested with real hashes in
///   `equal_sizes_policy`, and with 32-byte stand-ins for its roots the vector itself is accepted
///   (`vectors_refused_at_parse_are_refused_for_their_content_too`).
///
/// The other size-0 and equal-size cases (`consistency/additional/*zero*`,
/// `consistency-check-on-empty-tree-size1-is-zero-is-useless.json`,
/// `sizes-match-but-proof-is-not-empty-and-sizes-are-*.json`, `*size1-is-greater-than-size2*`)
/// expect rejection, and so does our policy: consistency from size 0 is always refused, also to
/// size 0 (see `empty_tree_policy`).
const POLICY_DIFFERS: &[&str] = &["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"];

/// Files in the vector folders at transparency-dev/merkle @ 417fb0c3.
const INCLUSION_FILES: usize = 98;
const CONSISTENCY_FILES: usize = 98;

/// `wantErr: true` files refused already because a hash is not 32 bytes (9-byte "wrong" roots and
/// leaves, 0-byte "garbage" proof elements, 12-byte "don't care" roots, empty roots and leaves):
/// counted so that a change in where we refuse them is noticed.
const INCLUSION_REFUSED_AT_PARSE: usize = 26;
const CONSISTENCY_REFUSED_AT_PARSE: usize = 27;

/// The 8 reference leaves (transparency-dev/merkle `testonly`) and the roots of their prefixes.
const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/merkle")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn name(path: &Path) -> String {
    path.strip_prefix(vectors_dir()).unwrap().to_string_lossy().replace('\\', "/")
}

/// A base64 value as a [`Hash`]; `None` if it is not 32 bytes.
fn hash(b64: &str) -> Option<Hash> {
    Hash::from_bytes(&STANDARD.decode(b64).expect("vectors are valid base64")).ok()
}

fn hashes(b64s: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    b64s.iter().flatten().map(|h| hash(h)).collect()
}

/// The reference tree's stored hashes.
fn reference_tree() -> Vec<Hash> {
    let leaves: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())).collect();
    tlog::stored_hashes_for_batch(0, &leaves, &Vec::new()).unwrap()
}

fn reference_root(size: u64) -> Option<Hash> {
    let i = usize::try_from(size).ok()?.checked_sub(1)?;
    ROOTS.get(i).map(|r| Hash::from_hex(r).unwrap())
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted,
    Refused,
    RefusedAtParse,
}

#[test]
fn inclusion_vectors() {
    let files = json_files(&vectors_dir().join("inclusion"));
    assert_eq!(files.len(), INCLUSION_FILES, "inclusion vectors missing?");
    let tree = reference_tree();
    let mut at_parse = 0;
    for file in &files {
        let v: Inclusion = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let outcome = match (hash(&v.root), hash(&v.leaf_hash), hashes(&v.proof)) {
            (Some(root), Some(leaf), Some(proof)) => {
                match tlog::check_record(&proof, v.tree_size, root, v.leaf_idx, leaf) {
                    Ok(()) => Outcome::Accepted,
                    Err(_) => Outcome::Refused,
                }
            }
            _ => Outcome::RefusedAtParse,
        };
        let name = name(file);
        at_parse += usize::from(outcome == Outcome::RefusedAtParse);
        let accepted = outcome == Outcome::Accepted;
        assert_eq!(accepted, !v.want_err, "{name} ({}): {outcome:?}", v.desc);
        // The valid proofs are of the reference tree: we must produce exactly them.
        if !v.want_err && reference_root(v.tree_size) == hash(&v.root) {
            let ours = tlog::prove_record(v.tree_size, v.leaf_idx, &tree).unwrap();
            assert_eq!(Some(ours), hashes(&v.proof), "{name}");
        }
    }
    // 5 wrong-leaf, 5 preceding- and 5 trailing-garbage, 8 additional empty roots or leaves, 3
    // single-entry.
    assert_eq!(at_parse, INCLUSION_REFUSED_AT_PARSE);
}

#[test]
fn consistency_vectors() {
    let files = json_files(&vectors_dir().join("consistency"));
    assert_eq!(files.len(), CONSISTENCY_FILES, "consistency vectors missing?");
    let tree = reference_tree();
    let mut at_parse = 0;
    let mut differing = Vec::new();
    for file in &files {
        let v: Consistency = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let outcome = match (hash(&v.root1), hash(&v.root2), hashes(&v.proof)) {
            (Some(root1), Some(root2), Some(proof)) => match tlog::check_tree(&proof, v.size2, root2, v.size1, root1) {
                Ok(()) => Outcome::Accepted,
                Err(_) => Outcome::Refused,
            },
            _ => Outcome::RefusedAtParse,
        };
        let name = name(file);
        at_parse += usize::from(outcome == Outcome::RefusedAtParse);
        let accepted = outcome == Outcome::Accepted;
        if POLICY_DIFFERS.contains(&name.as_str()) {
            assert_eq!(accepted, v.want_err, "{name} was listed as differing but agrees");
            differing.push(name);
            continue;
        }
        assert_eq!(accepted, !v.want_err, "{name} ({}): {outcome:?}", v.desc);
        if !v.want_err && reference_root(v.size1) == hash(&v.root1) && reference_root(v.size2) == hash(&v.root2) {
            let ours = tlog::prove_tree(v.size2, v.size1, &tree).unwrap();
            assert_eq!(Some(ours), hashes(&v.proof), "{name}");
        }
    }
    assert_eq!(differing, POLICY_DIFFERS, "a listed vector was not found");
    // 4 × (wrong-root1, wrong-root2, preceding- and trailing-garbage), and the 11 additional cases
    // with 12-byte roots.
    assert_eq!(at_parse, CONSISTENCY_REFUSED_AT_PARSE);
}

/// A base64 value as a [`Hash`], or if it is not 32 bytes a well-formed stand-in derived from it.
fn stand_in(b64: &str) -> Hash {
    let bytes = STANDARD.decode(b64).unwrap();
    Hash::from_bytes(&bytes).unwrap_or_else(|_| leaf_hash(&bytes))
}

/// The vectors refused above for a malformed hash are refused by the verifiers too once every such
/// value is replaced by a 32-byte stand-in, except those whose only fault was the length.
#[test]
fn vectors_refused_at_parse_are_refused_for_their_content_too() {
    // Root and leaf are the same 0 bytes: with equal stand-ins the one-leaf tree checks.
    const ONLY_THE_LENGTH: &[&str] = &["inclusion/single-entry/empty-root-and-leaf.json"];
    let mut checked = 0;
    for file in json_files(&vectors_dir().join("inclusion")) {
        let v: Inclusion = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        if !v.want_err || (hash(&v.root).is_some() && hash(&v.leaf_hash).is_some() && hashes(&v.proof).is_some()) {
            continue;
        }
        let proof: Vec<Hash> = v.proof.iter().flatten().map(|h| stand_in(h)).collect();
        let ok = tlog::check_record(&proof, v.tree_size, stand_in(&v.root), v.leaf_idx, stand_in(&v.leaf_hash)).is_ok();
        assert_eq!(ok, ONLY_THE_LENGTH.contains(&name(&file).as_str()), "{}", name(&file));
        checked += 1;
    }
    for file in json_files(&vectors_dir().join("consistency")) {
        let v: Consistency = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        if hash(&v.root1).is_some() && hash(&v.root2).is_some() && hashes(&v.proof).is_some() {
            continue;
        }
        let proof: Vec<Hash> = v.proof.iter().flatten().map(|h| stand_in(h)).collect();
        let ok = tlog::check_tree(&proof, v.size2, stand_in(&v.root2), v.size1, stand_in(&v.root1)).is_ok();
        // With stand-ins, the vector our policy differs on is accepted as transparency-dev wants.
        assert_eq!(ok, !v.want_err, "{}", name(&file));
        checked += 1;
    }
    assert_eq!(checked, INCLUSION_REFUSED_AT_PARSE + CONSISTENCY_REFUSED_AT_PARSE);
}

#[test]
fn equal_sizes_policy() {
    // The case of `sizes-are-equal-one-and-proof-is-empty.json` with hashes for roots.
    let root = leaf_hash(b"don't care 2");
    tlog::check_tree(&[], 1, root, 1, root).unwrap();
    assert!(hash(&STANDARD.encode("don't care 2")).is_none(), "a 12-byte root is not a Hash");
    // And its neighbours: a non-empty proof, or different roots, are refused.
    assert!(tlog::check_tree(&[root], 1, root, 1, root).is_err());
    assert!(tlog::check_tree(&[], 1, root, 1, leaf_hash(b"don't care 1")).is_err());
    // The same at a larger size, and our prover agrees.
    let tree = reference_tree();
    let r8 = reference_root(8).unwrap();
    assert!(tlog::prove_tree(8, 8, &tree).unwrap().is_empty());
    tlog::check_tree(&[], 8, r8, 8, r8).unwrap();
}

#[test]
fn empty_tree_policy() {
    let empty = tlog::empty_tree_hash();
    let tree = reference_tree();
    let r1 = reference_root(1).unwrap();
    // Consistency from size 0 is refused, to any size, proof or not, with the right roots or not.
    for (t, root_t) in [(0, empty), (1, r1)] {
        for proof in [vec![], vec![empty]] {
            assert!(tlog::check_tree(&proof, t, root_t, 0, empty).is_err());
        }
        assert!(tlog::prove_tree(t, 0, &tree).is_err());
    }
    // Inclusion in the empty tree is refused.
    assert!(tlog::check_record(&[], 0, empty, 0, empty).is_err());
    assert!(tlog::prove_record(0, 0, &tree).is_err());
    assert_eq!(tlog::tree_hash(0, &tree).unwrap(), empty);
}

#[test]
fn reference_roots() {
    let leaves: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())).collect();
    let tree = reference_tree();
    for (n, want) in (1..=8u64).zip(ROOTS) {
        let want = Hash::from_hex(want).unwrap();
        assert_eq!(tlog::tree_hash(n, &tree).unwrap(), want, "tree_hash({n})");
        assert_eq!(tlog::root_of(&leaves[..n as usize]), want, "root_of({n})");
    }
    // The stored hashes of each prefix are a prefix of the stored hashes.
    assert_eq!(tree.len() as u64, tlog::stored_hash_count(8));
    let six = tlog::stored_hash_count(6) as usize;
    assert_eq!(tree.as_slice()[..six].read_hashes(&[0, 1, 2]).unwrap(), tree[..3]);
}
