//! Ed25519 edge cases from other implementations, read in place from `../shared/vectors/ed25519/`:
//! C2SP's CCTV vectors (914 signatures with low-order and non-canonical points), Wycheproof's
//! 151 cases, and RFC 8032 §7.1 TEST 1. They pin down which signatures we accept — the same
//! answer everywhere is what a consensus record needs — and which keys we refuse to enrol.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use concord_ledger::keys::{Algorithm, Signer, Verifier, check_enrollable};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde_json::Value;

fn vectors(file: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/ed25519").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

fn hex32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// `verify_strict`, as `keys` uses it; `false` also for keys that do not decode.
fn strict(key: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = <[u8; 64]>::try_from(sig) else { return false };
    VerifyingKey::from_bytes(key).is_ok_and(|k| k.verify_strict(msg, &Signature::from_bytes(&sig)).is_ok())
}

/// Plain (cofactorless, Go- and OpenSSL-like) `verify`, for comparison only.
fn lenient(key: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
    use ed25519_dalek::Verifier as _;
    VerifyingKey::from_bytes(key).is_ok_and(|k| k.verify(msg, &Signature::from_bytes(sig)).is_ok())
}

struct Cctv {
    number: u64,
    key: [u8; 32],
    sig: [u8; 64],
    msg: String,
    flags: BTreeSet<String>,
}

fn cctv() -> Vec<Cctv> {
    let v = vectors("cctv-ed25519vectors.json");
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| Cctv {
            number: c["number"].as_u64().unwrap(),
            key: hex32(c["key"].as_str().unwrap()),
            sig: hex::decode(c["sig"].as_str().unwrap()).unwrap().try_into().unwrap(),
            msg: c["msg"].as_str().unwrap().to_owned(),
            flags: c["flags"]
                .as_array()
                .map_or_else(BTreeSet::new, |f| f.iter().map(|x| x.as_str().unwrap().to_owned()).collect()),
        })
        .collect()
}

fn flags(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn cctv_verify_strict_accepts_exactly_43_of_914() {
    let cases = cctv();
    assert_eq!(cases.len(), 914);
    let accepted: Vec<&Cctv> = cases.iter().filter(|c| strict(&c.key, c.msg.as_bytes(), &c.sig)).collect();
    assert_eq!(accepted.len(), 43);

    // What they carry: only the flags of a low-order *component* (which no blocklist can
    // catch, and cofactorless verification does not care about), or none.
    let mut by_flags: BTreeMap<BTreeSet<String>, usize> = BTreeMap::new();
    for c in &accepted {
        *by_flags.entry(c.flags.clone()).or_default() += 1;
    }
    let want: BTreeMap<BTreeSet<String>, usize> = [
        (flags(&[]), 1),
        (flags(&["low_order_component_A"]), 7),
        (flags(&["low_order_component_R"]), 0),
        (flags(&["low_order_component_A", "low_order_component_R"]), 35),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect();
    assert_eq!(by_flags, want);

    // Conversely: every vector flagged low_order_A/R, non_canonical_A/R or low_order_residue
    // (with or without reencoded_k) is refused; every other vector is accepted.
    let refused_flags =
        flags(&["low_order_A", "low_order_R", "non_canonical_A", "non_canonical_R", "low_order_residue"]);
    for c in &cases {
        let expected = c.flags.is_disjoint(&refused_flags);
        assert_eq!(strict(&c.key, c.msg.as_bytes(), &c.sig), expected, "vector {} {:?}", c.number, c.flags);
    }

    // For comparison: the plain `verify` of Go, OpenSSL and ed25519-dalek accepts 208.
    assert_eq!(cases.iter().filter(|c| lenient(&c.key, c.msg.as_bytes(), &c.sig)).count(), 208);
}

#[test]
fn cctv_through_our_verifier_agrees_with_verify_strict() {
    // `Verifier` refuses non-enrollable keys up front; for the others its answer is verify_strict's.
    let mut checked = 0;
    for c in cctv() {
        let Ok(v) = Verifier::new("cctv", Algorithm::Ed25519, &c.key) else { continue };
        assert_eq!(v.verify(&c.msg, &c.sig).is_ok(), strict(&c.key, c.msg.as_bytes(), &c.sig), "vector {}", c.number);
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn cctv_keys_that_enrolment_refuses() {
    // check_enrollable refuses exactly the keys flagged low_order_A (which include every
    // non_canonical_A) or low_order_component_A: small-order points, their non-canonical
    // encodings, and points with a small-order component.
    let weak_flags = flags(&["low_order_A", "non_canonical_A", "low_order_component_A"]);
    let mut refused_keys = BTreeSet::new();
    let mut accepted_keys = BTreeSet::new();
    for c in cctv() {
        if c.flags.contains("non_canonical_A") {
            assert!(c.flags.contains("low_order_A"), "vector {}", c.number);
        }
        let weak = !c.flags.is_disjoint(&weak_flags);
        assert_eq!(check_enrollable(&c.key).is_err(), weak, "vector {} {:?}", c.number, c.flags);
        if weak {
            refused_keys.insert(c.key)
        } else {
            accepted_keys.insert(c.key)
        };
    }
    // The 14 encodings of the 8 low-order points (cctv-README.md) are all among them.
    let low_order: Vec<&str> = vec![
        "0000000000000000000000000000000000000000000000000000000000000000",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];
    for k in low_order {
        assert!(check_enrollable(&hex32(k)).is_err(), "{k}");
    }
    assert!(!refused_keys.is_empty() && !accepted_keys.is_empty());
    eprintln!("CCTV public keys: {} refused, {} enrollable", refused_keys.len(), accepted_keys.len());
}

#[test]
fn wycheproof_all_151_agree_with_result() {
    let v = vectors("wycheproof-ed25519_test.json");
    let (mut n, mut valid) = (0, 0);
    for group in v["testGroups"].as_array().unwrap() {
        let key = hex::decode(group["publicKey"]["pk"].as_str().unwrap()).unwrap();
        let key: [u8; 32] = key.try_into().unwrap();
        for t in group["tests"].as_array().unwrap() {
            let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
            let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
            let want = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {}: result {other}", t["tcId"]),
            };
            assert_eq!(strict(&key, &msg, &sig), want, "tcId {} {}", t["tcId"], t["comment"]);
            n += 1;
            valid += usize::from(want);
        }
    }
    assert_eq!(n, 151);
    eprintln!("Wycheproof: {n} cases, {valid} valid, {} invalid", n - valid);
}

#[test]
fn rfc8032_test_1() {
    let secret = hex32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    let public = hex32("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    let want = hex::decode(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    )
    .unwrap();

    use ed25519_dalek::Signer as _;
    let sk = SigningKey::from_bytes(&secret);
    assert_eq!(sk.verifying_key().to_bytes(), public);
    assert_eq!(sk.sign(b"").to_bytes().to_vec(), want);
    assert!(strict(&public, b"", &want));

    // The same through our keys: the seed gives the public key, and the verifier accepts the
    // signature of the empty text and nothing else.
    let s = Signer::from_seed("rfc8032", secret).unwrap();
    assert_eq!(s.public_key(), public);
    check_enrollable(&public).unwrap();
    let v = s.verifier();
    assert_eq!(v.verify("", &want).unwrap(), None);
    assert!(v.verify("x", &want).is_err());
    let mut bad = want.clone();
    bad[63] ^= 0x10;
    assert!(v.verify("", &bad).is_err());
}
