//! Signed notes, checkpoints and cosignatures against the golden values of Go's `sumdb/note`
//! and the C2SP specs (`../shared/vectors/notes.md`), the rejections those sources list, and
//! our own golden vectors under `testdata/golden/` (see the README there).

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::cosignature::{cosign, verify_cosignature};
use concord_ledger::keys::{Algorithm, Signer, Verifier};
use concord_ledger::note::{self, MAX_NOTE_BYTES, MAX_SIGNATURES, Note};
use concord_ledger::{Error, Hash, leaf_hash};
use proptest::prelude::*;

const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_LINE: &str =
    "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter() -> Signer {
    Signer::parse(PETER_SKEY).unwrap()
}

fn peter_v() -> Verifier {
    Verifier::parse(PETER_VKEY).unwrap()
}

fn golden() -> String {
    format!("{TEXT}\n{PETER_LINE}")
}

// ---- Go's sumdb/note golden values ----

#[test]
fn signs_the_go_golden_note_byte_for_byte() {
    assert_eq!(note::sign(TEXT, &[&peter()]).unwrap(), golden());
    assert_eq!(peter().verifier().to_string(), PETER_VKEY);
}

#[test]
fn opens_the_go_golden_note() {
    let n = note::open(golden().as_bytes(), &[peter_v()]).unwrap();
    assert_eq!(n.text(), TEXT);
    assert_eq!(n.verified().len(), 1);
    assert_eq!(n.verified()[0].algorithm(), Algorithm::Ed25519);
    assert_eq!(n.verified()[0].timestamp(), None);
    assert!(n.unverified().is_empty());
}

#[test]
fn second_signer_enoch_root() {
    let both = format!("{TEXT}\n{PETER_LINE}{ENOCH_LINE}");
    let enoch = Verifier::parse(ENOCH_VKEY).unwrap();
    assert_eq!(enoch.key_id().to_string(), "af0cfe78");

    let n = note::open(both.as_bytes(), &[peter_v(), enoch.clone()]).unwrap();
    assert_eq!(n.verified().len(), 2);
    assert!(n.is_signed_by(&peter_v()) && n.is_signed_by(&enoch));

    // Trusting only one: the other is kept, unverified.
    let n = note::open(both.as_bytes(), std::slice::from_ref(&enoch)).unwrap();
    assert_eq!(n.verified()[0].signature().name().as_str(), "EnochRoot");
    assert_eq!(n.unverified().len(), 1);
    assert_eq!(n.unverified()[0].name().as_str(), "PeterNeumann");
    assert_eq!(n.unverified()[0].key_id().to_string(), "c74f20a3");

    // Enoch alone over the same text.
    let alone = format!("{TEXT}\n{ENOCH_LINE}");
    assert!(note::open(alone.as_bytes(), &[enoch]).is_ok());
}

#[test]
fn opens_the_c2sp_example() {
    let v = Verifier::parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").unwrap();
    let msg = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let n = note::open(msg.as_bytes(), &[v]).unwrap();
    assert_eq!(n.text(), "This is an example message.\n");
}

// ---- The rejections listed in notes.md ----

#[test]
fn rejects_every_modified_vkey() {
    let vkey = PETER_VKEY.as_bytes();
    for i in 0..vkey.len() {
        for b in [b'A', b'a', b'0', b'+', b'/', b' ', b'c', 0x00, 0xff] {
            if vkey[i] == b {
                continue;
            }
            let mut m = vkey.to_vec();
            m[i] = b;
            let Ok(s) = String::from_utf8(m) else { continue };
            assert!(Verifier::parse(&s).is_err(), "accepted {s:?}");
        }
        // Flip each bit too.
        for bit in 0..8 {
            let mut m = vkey.to_vec();
            m[i] ^= 1 << bit;
            if let Ok(s) = String::from_utf8(m) {
                assert!(Verifier::parse(&s).is_err(), "accepted {s:?}");
            }
        }
    }
}

#[test]
fn rejects_every_strict_substring_of_a_vkey() {
    let n = PETER_VKEY.len();
    for start in 0..n {
        for end in start..=n {
            if (start, end) != (0, n) {
                assert!(Verifier::parse(&PETER_VKEY[start..end]).is_err(), "accepted {:?}", &PETER_VKEY[start..end]);
            }
        }
    }
}

#[test]
fn rejects_wrong_key_length_and_unknown_algorithm() {
    let long = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    // Go decodes its base64 leniently and then finds 36 bytes; ours stops earlier, as
    // `…KEY==` leaves non-zero padding bits (RFC 4648 §3.5).
    assert!(matches!(Verifier::parse(long), Err(Error::VerifierKey { reason: "key is not canonical base64", .. })));
    let long = format!("x+00000000+{}", BASE64.encode([&[1u8][..], &[7u8; 33]].concat()));
    assert!(matches!(Verifier::parse(&long), Err(Error::VerifierKey { reason: "public key is not 32 bytes", .. })));
    let alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert!(matches!(Verifier::parse(alg), Err(Error::VerifierKey { reason: "unknown signature type", .. })));
    // A short key (31 bytes) with a matching id is refused too.
    let short = BASE64.encode([&[1u8][..], &[7u8; 31]].concat());
    assert!(Verifier::parse(&format!("x+00000000+{short}")).is_err());
}

#[test]
fn rejects_text_without_final_newline() {
    let text = TEXT.trim_end();
    assert!(matches!(note::sign(text, &[&peter()]), Err(Error::MalformedNote(_))));
    // The same bytes as a note: no blank line can separate a text that does not end in one.
    for msg in [format!("{text}\n{PETER_LINE}"), format!("{text}{PETER_LINE}"), format!("{text}\n")] {
        assert!(matches!(note::open(msg.as_bytes(), &[peter_v()]), Err(Error::MalformedNote(_))), "{msg:?}");
    }
}

#[test]
fn rejects_a_name_with_a_space() {
    let b64 = PETER_LINE.trim_end().rsplit_once(' ').unwrap().1;
    let msg = format!("{TEXT}\n\u{2014} Bad Name {b64}\n");
    assert!(matches!(note::open(msg.as_bytes(), &[peter_v()]), Err(Error::MalformedNote(_))));
    let with_good = format!("{TEXT}\n{PETER_LINE}\u{2014} Bad Name {b64}\n");
    assert!(note::open(with_good.as_bytes(), &[peter_v()]).is_err());
    assert!(Signer::from_seed("Bad Name", [1; 32]).is_err());
}

// ---- Malformed notes ----

fn open_err(msg: &[u8]) -> Error {
    note::open(msg, &[peter_v()]).unwrap_err()
}

fn peter_sig_raw() -> Vec<u8> {
    BASE64.decode(PETER_LINE.trim_end().rsplit_once(' ').unwrap().1).unwrap()
}

fn line_with(raw: &[u8]) -> String {
    format!("\u{2014} PeterNeumann {}\n", BASE64.encode(raw))
}

#[test]
fn rejects_structural_errors() {
    let g = golden();
    let cases: Vec<(&str, String)> = vec![
        ("missing final newline", g.trim_end_matches('\n').to_owned()),
        ("no blank line", format!("{TEXT}{PETER_LINE}")),
        ("blank line but no signatures", format!("{TEXT}\n")),
        ("trailing blank line", format!("{g}\n")),
        ("trailing text line", format!("{g}extra\n")),
        ("trailing text, no newline", format!("{g}extra")),
        ("hyphen, not em dash", g.replace('\u{2014}', "-")),
        ("en dash", g.replace('\u{2014}', "\u{2013}")),
        ("no space after dash", g.replace("\u{2014} ", "\u{2014}")),
        ("two spaces after name", g.replace("PeterNeumann ", "PeterNeumann  ")),
        ("name with plus", g.replace("\u{2014} PeterNeumann", "\u{2014} Peter+Neumann")),
        ("empty name", g.replace("\u{2014} PeterNeumann", "\u{2014} ")),
        ("no signature", g.replace(PETER_LINE, "\u{2014} PeterNeumann\n")),
        ("empty signature", g.replace(PETER_LINE, "\u{2014} PeterNeumann \n")),
        ("bad base64", g.replace("x08go/", "x08go*")),
        ("base64 without padding", g.replace("JnAM=", "JnAM")),
        ("non-canonical base64 bits", g.replace("JnAM=", "JnAN=")),
        ("only a key id", format!("{TEXT}\n{}", line_with(&peter_sig_raw()[..4]))),
        ("carriage return", g.replace("problem,\n", "problem,\r\n")),
        ("tab", g.replace("think ", "think\t")),
        ("NUL", g.replace("think ", "think\0")),
    ];
    for (what, msg) in cases {
        assert!(matches!(open_err(msg.as_bytes()), Error::MalformedNote(_)), "{what}: {msg:?}");
    }
    // Not UTF-8.
    let mut bytes = g.into_bytes();
    bytes[3] = 0xff;
    assert!(matches!(open_err(&bytes), Error::MalformedNote(_)));
}

#[test]
fn rejects_known_key_with_wrong_signature_length() {
    let raw = peter_sig_raw();
    for len in [1, 32, 63, 65, 72, 128] {
        let mut r = raw[..4].to_vec();
        r.extend(std::iter::repeat_n(7u8, len));
        let msg = format!("{TEXT}\n{}", line_with(&r));
        assert!(matches!(open_err(msg.as_bytes()), Error::InvalidSignature { .. }), "length {len}");
    }
    // The right signature with one byte too many or too few.
    for r in [[&raw[..], &[0]].concat(), raw[..raw.len() - 1].to_vec()] {
        let msg = format!("{TEXT}\n{}", line_with(&r));
        assert!(matches!(open_err(msg.as_bytes()), Error::InvalidSignature { .. }));
    }
}

#[test]
fn a_bad_signature_by_a_known_key_fails_the_note() {
    let mut raw = peter_sig_raw();
    raw[10] ^= 0x40;
    let bad = line_with(&raw);
    for msg in [format!("{TEXT}\n{bad}"), format!("{TEXT}\n{PETER_LINE}{bad}"), format!("{TEXT}\n{bad}{PETER_LINE}")] {
        let e = open_err(msg.as_bytes());
        assert!(matches!(e, Error::InvalidSignature { ref name, .. } if name == "PeterNeumann"), "{e}");
        assert_eq!(e.to_string(), "invalid signature by key PeterNeumann+c74f20a3");
    }
    // The valid signature over another text.
    let other = format!("Another text.\n\n{PETER_LINE}");
    assert!(matches!(open_err(other.as_bytes()), Error::InvalidSignature { .. }));
}

#[test]
fn a_wrong_key_id_makes_the_signature_unknown() {
    let mut raw = peter_sig_raw();
    raw[0] ^= 1;
    let msg = format!("{TEXT}\n{}", line_with(&raw));
    assert!(matches!(open_err(msg.as_bytes()), Error::UnverifiedNote { unknown: 1 }));
    // ... and a known id under another name, too (§Signatures: name AND id must match).
    let msg = golden().replace("PeterNeumann", "PeterNeuman");
    assert!(matches!(open_err(msg.as_bytes()), Error::UnverifiedNote { unknown: 1 }));
    // No trusted keys at all.
    assert!(matches!(note::open(golden().as_bytes(), &[]), Err(Error::UnverifiedNote { unknown: 1 })));
}

#[test]
fn size_limits() {
    // Up to MAX_SIGNATURES lines are read (duplicates of one unknown line are kept once).
    let unknown = "\u{2014} someone AAAAAAA=\n";
    let at_limit = format!("{TEXT}\n{PETER_LINE}{}", unknown.repeat(MAX_SIGNATURES - 1));
    let n = note::open(at_limit.as_bytes(), &[peter_v()]).unwrap();
    assert_eq!(n.unverified().len(), 1);
    let over = format!("{TEXT}\n{PETER_LINE}{}", unknown.repeat(MAX_SIGNATURES));
    assert!(matches!(open_err(over.as_bytes()), Error::MalformedNote(_)));
    // 16 distinct signers (the spec's floor) are fine.
    let signers: Vec<Signer> = (0..16u8).map(|i| Signer::from_seed(&format!("s{i}"), [i; 32]).unwrap()).collect();
    let refs: Vec<&Signer> = signers.iter().collect();
    let many = note::sign(TEXT, &refs).unwrap();
    let vs: Vec<Verifier> = signers.iter().map(Signer::verifier).collect();
    assert_eq!(note::open(many.as_bytes(), &vs).unwrap().verified().len(), 16);
    // Overall size.
    let big = "a".repeat(MAX_NOTE_BYTES) + "\n";
    assert!(matches!(note::sign(&big, &[&peter()]), Err(Error::NoteTooLarge { .. })));
    let huge = format!("{big}\n{PETER_LINE}");
    assert!(matches!(open_err(huge.as_bytes()), Error::NoteTooLarge { .. }));
}

#[test]
fn parse_and_format_round_trip() {
    let both = format!("{TEXT}\n{PETER_LINE}{ENOCH_LINE}");
    let n = Note::parse(both.as_bytes()).unwrap();
    assert_eq!(n.text, TEXT);
    assert_eq!(n.signatures.len(), 2);
    assert_eq!(n.signatures[1].bytes().len(), 64);
    assert_eq!(n.to_string(), both);
}

// ---- Checkpoints and cosignatures ----

const GO_CHECKPOINT: &str = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

#[test]
fn go_checkpoint_signs_opens_and_cosigns() {
    let c = Checkpoint::parse(GO_CHECKPOINT).unwrap();
    assert_eq!(c.root(), leaf_hash(b"hello world"));
    let log = Signer::from_seed("go.sum database tree", [9; 32]);
    // Go's origin has spaces, so it cannot be a key name: sign with another name.
    assert!(log.is_err());
    let log = Signer::from_seed("sum.golang.org", [9; 32]).unwrap();
    let signed = note::sign(GO_CHECKPOINT, &[&log]).unwrap();
    let w = Signer::from_seed("witness.example/w1", [10; 32]).unwrap();
    let line = cosign(GO_CHECKPOINT, &w, 1_679_315_147).unwrap();
    let with_cosig = format!("{signed}{line}");
    let (opened, n) = Checkpoint::open(with_cosig.as_bytes(), &[log.verifier(), w.cosigner_verifier()]).unwrap();
    assert_eq!(opened, c);
    assert_eq!(n.verified()[1].timestamp(), Some(1_679_315_147));
    // A client that does not know the witness still opens it; one that knows only the
    // witness does too (the cosignature is a valid signature by a trusted key).
    assert_eq!(Checkpoint::open(with_cosig.as_bytes(), &[log.verifier()]).unwrap().1.unverified().len(), 1);
    assert!(Checkpoint::open(with_cosig.as_bytes(), &[w.cosigner_verifier()]).is_ok());
    // The witness's plain (0x01) key does not match the cosignature's id.
    assert!(matches!(
        Checkpoint::open(with_cosig.as_bytes(), &[w.verifier()]),
        Err(Error::UnverifiedNote { unknown: 2 })
    ));
}

#[test]
fn a_signed_note_that_is_not_a_checkpoint() {
    let signed = note::sign("just text\n", &[&peter()]).unwrap();
    assert!(matches!(Checkpoint::open(signed.as_bytes(), &[peter_v()]), Err(Error::MalformedCheckpoint(_))));
}

// ---- Our golden vectors ----

const MEMBER: &str = "concord.example/log/member/FRA";
const LOG: &str = "concord.example/log";
const WITNESS: &str = "concord.example/witness/w1";
/// 2026-01-01T00:00:00Z.
const COSIGNED_AT: u64 = 1_767_225_600;
/// A real `concord/position/v1` statement (the format of `concord_core::signed`, whose tests parse
/// this golden note): France concurs with proposal 1, revision 1, whose text is "There are no plans
/// for alliance combat troops on the ground."
const POSITION: &str = "concord/position/v1\norigin concord.example/log\nmember FRA\nproposal 1\nrevision 1\n\
text-sha256 ed6f36b568745af80a5a23eddee78f002fd2264747aa126620cf7d7a0e94d32f\nstance concur\nstatement-sha256 -\n\
time 2026-01-01T00:00:00Z\n";
/// Root of the tree of the 8 reference leaves of transparency-dev/merkle (notes.md).
const ROOT_8: &str = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

/// Every golden file, by name, as this code makes it.
fn golden_files() -> Vec<(&'static str, String)> {
    let member = Signer::from_seed(MEMBER, [0x01; 32]).unwrap();
    let log = Signer::from_seed(LOG, [0x02; 32]).unwrap();
    let witness = Signer::from_seed(WITNESS, [0x03; 32]).unwrap();
    let checkpoint = Checkpoint::new(LOG, 8, Hash::from_hex(ROOT_8).unwrap()).unwrap();
    let body = checkpoint.format();
    let cosignature = cosign(&body, &witness, COSIGNED_AT).unwrap();
    vec![
        ("member.skey", member.private_key_string() + "\n"),
        ("member.vkey", member.verifier().to_string() + "\n"),
        ("position.note", note::sign(POSITION, &[&member]).unwrap()),
        ("log.skey", log.private_key_string() + "\n"),
        ("log.vkey", log.verifier().to_string() + "\n"),
        ("checkpoint.txt", body.clone()),
        ("checkpoint.note", checkpoint.sign(&log).unwrap()),
        ("witness.skey", witness.private_key_string() + "\n"),
        ("witness.vkey", witness.cosigner_verifier().to_string() + "\n"),
        ("cosignature.txt", cosignature.clone()),
        ("checkpoint-cosigned.note", checkpoint.sign(&log).unwrap() + &cosignature),
    ]
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/golden")
}

/// `CONCORD_WRITE_GOLDEN=1 cargo test -p concord-ledger --test notes golden` rewrites the files;
/// otherwise the test checks that the code still makes exactly their bytes.
#[test]
fn golden_vectors_are_stable() {
    let dir = golden_dir();
    let write = std::env::var_os("CONCORD_WRITE_GOLDEN").is_some();
    for (name, want) in golden_files() {
        let path = dir.join(name);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(have, want, "{name} changed; if on purpose, rewrite it and say why in the README");
    }
}

#[test]
fn golden_vectors_open_with_their_published_keys() {
    let read = |name: &str| std::fs::read_to_string(golden_dir().join(name)).unwrap();
    let member = Verifier::parse(read("member.vkey").trim_end()).unwrap();
    let log = Verifier::parse(read("log.vkey").trim_end()).unwrap();
    let witness = Verifier::parse(read("witness.vkey").trim_end()).unwrap();
    assert_eq!(witness.algorithm(), Algorithm::CosignatureV1);

    assert_eq!(note::open(read("position.note").as_bytes(), std::slice::from_ref(&member)).unwrap().text(), POSITION);
    let (c, _) = Checkpoint::open(read("checkpoint.note").as_bytes(), std::slice::from_ref(&log)).unwrap();
    assert_eq!(c.format(), read("checkpoint.txt"));
    assert_eq!(verify_cosignature(&read("checkpoint.txt"), &read("cosignature.txt"), &witness).unwrap(), COSIGNED_AT);
    let (_, n) = Checkpoint::open(read("checkpoint-cosigned.note").as_bytes(), &[log, witness.clone()]).unwrap();
    assert!(n.is_signed_by(&witness));
    // The member's key does not open the log's checkpoint.
    assert!(Checkpoint::open(read("checkpoint.note").as_bytes(), &[member]).is_err());
}

// ---- Mutations ----

fn one_signer_note() -> (String, Vec<Verifier>) {
    let b = Signer::from_seed("concord.example/log/member/FRA", [1; 32]).unwrap();
    (note::sign("concord/position/v1\nsupport\n", &[&b]).unwrap(), vec![b.verifier()])
}

fn two_signer_note() -> (String, Vec<Verifier>) {
    let a = peter();
    let b = Signer::from_seed("concord.example/log/member/FRA", [1; 32]).unwrap();
    let n = note::sign("concord/position/v1\nsupport\n", &[&a, &b]).unwrap();
    (n, vec![a.verifier(), b.verifier()])
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Swap(usize, usize),
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    if n == 0 {
        if let Mutation::Insert(_, b) = *m {
            bytes.push(b);
        }
        return;
    }
    match *m {
        Mutation::Flip(i, mask) => bytes[i % n] ^= mask.max(1),
        Mutation::Set(i, b) => bytes[i % n] = b,
        Mutation::Insert(i, b) => bytes.insert(i % (n + 1), b),
        Mutation::Delete(i) => {
            bytes.remove(i % n);
        }
        Mutation::Truncate(i) => bytes.truncate(i % n),
        Mutation::Swap(i, j) => bytes.swap(i % n, j % n),
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bias inserted and set bytes towards the note's own alphabet.
    let byte = prop_oneof![any::<u8>(), prop::sample::select(b"\n +/=AZaz09\xe2\x80\x94".to_vec())];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::Swap(i, j)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any mutation of a note signed by one trusted key is refused (and never panics), unless
    /// it left the bytes unchanged.
    #[test]
    fn mutated_notes_never_verify(ms in prop::collection::vec(mutation(), 1..4)) {
        let (n, verifiers) = one_signer_note();
        let mut bytes = n.clone().into_bytes();
        for m in &ms {
            apply(&mut bytes, m);
        }
        let result = note::open(&bytes, &verifiers);
        if bytes == n.as_bytes() {
            prop_assert!(result.is_ok());
        } else {
            prop_assert!(result.is_err(), "accepted {:?}", String::from_utf8_lossy(&bytes));
        }
        // Parsing alone never panics either, and what parses formats back to the same bytes.
        if let Ok(parsed) = Note::parse(&bytes) {
            prop_assert_eq!(parsed.to_string().into_bytes(), bytes);
        }
    }

    /// With two trusted signers a mutation may turn one line into an unknown key's, which the
    /// spec says to ignore: the note may then open, but only with the original text and a
    /// subset of the original signatures.
    #[test]
    fn mutated_notes_never_verify_anything_new(ms in prop::collection::vec(mutation(), 1..4)) {
        let (n, verifiers) = two_signer_note();
        let original = note::open(n.as_bytes(), &verifiers).unwrap();
        let mut bytes = n.clone().into_bytes();
        for m in &ms {
            apply(&mut bytes, m);
        }
        if let Ok(opened) = note::open(&bytes, &verifiers) {
            prop_assert_eq!(opened.text(), original.text());
            for v in opened.verified() {
                prop_assert!(original.verified().contains(v));
            }
        }
    }

    /// Arbitrary bytes never panic the parsers.
    #[test]
    fn arbitrary_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = note::open(&bytes, &[peter_v()]);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = Verifier::parse(s);
            let _ = Signer::parse(s);
            let _ = Checkpoint::parse(s);
        }
    }

    /// Every text that `sign` accepts opens back to itself.
    #[test]
    fn sign_open_round_trip(text in "[^\\x00-\\x09\\x0b-\\x1f]{0,200}\n") {
        let s = peter();
        let n = note::sign(&text, &[&s]).unwrap();
        let opened = note::open(n.as_bytes(), &[s.verifier()]).unwrap();
        prop_assert_eq!(opened.text(), text.as_str());
    }
}
