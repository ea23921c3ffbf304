//! `concord witness`: a witness a member runs with its own key (c2sp.org/tlog-witness@v1.0.0).
//!
//! It serves `POST /add-checkpoint`: the log sends its new checkpoint with a consistency proof
//! from the last checkpoint this witness cosigned; the witness checks the log's signature and the
//! proof, remembers the new checkpoint (durably, before answering), and answers with its
//! cosignature (c2sp.org/tlog-cosignature@v1.0.1, Ed25519). Because it never cosigns two
//! checkpoints that are not consistent, a log that shows different histories to different members
//! cannot get both cosigned by the same witness: a quorum of members' witnesses makes a split
//! view detectable.

use crate::terminal::outln;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use concord_ledger::checkpoint::Checkpoint;
use concord_ledger::keys::{Signer, Verifier};
use concord_ledger::witness::{self, AddCheckpoint, Refusal};
use concord_ledger::{Hash, cosignature, note, tlog};
use tokio::sync::Mutex;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// The witness's private key file (`concord keygen --name <witness name>`): not a position key.
    #[arg(long)]
    key: PathBuf,
    /// The log's verifier key, or a file holding it: the one log this witness cosigns.
    #[arg(long)]
    log_key: String,
    /// Where the witness keeps the last checkpoint it cosigned.
    #[arg(long)]
    state: PathBuf,
}

/// What the witness remembers: the latest checkpoint it cosigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cosigned {
    pub size: u64,
    pub root: Hash,
}

/// Checks an `add-checkpoint` request against what the witness last cosigned; returns the
/// checkpoint's text and its new state, or the refusal with its status (§add-checkpoint).
pub fn check(body: &[u8], log: &Verifier, last: Option<Cosigned>) -> Result<(String, Cosigned), Refusal> {
    let req = AddCheckpoint::parse(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let unverified = note::Note::parse(req.checkpoint.as_bytes()).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let claimed = Checkpoint::parse(&unverified.text).map_err(|e| Refusal::Malformed(e.to_string()))?;
    if claimed.origin() != log.name().as_str() {
        return Err(Refusal::UnknownLog(claimed.origin().to_owned()));
    }
    let (c, _) =
        Checkpoint::open(req.checkpoint.as_bytes(), std::slice::from_ref(log)).map_err(|_| Refusal::UnknownKey)?;
    if req.old_size > c.size() {
        return Err(Refusal::Malformed(format!("old size {} is above the checkpoint's {}", req.old_size, c.size())));
    }
    let known = last.map_or(0, |l| l.size);
    if req.old_size != known {
        return Err(Refusal::Conflict { known_size: known });
    }
    match last {
        // Never cosigned, or cosigned only the empty tree: every tree extends the empty one, so
        // the checkpoint is trusted as it comes, and tlog-witness says the proof from old size 0
        // MUST be empty; one that is not does not verify (422).
        Some(l) if l.size == 0 && c.size() == 0 && l.root != c.root() => {
            return Err(Refusal::Conflict { known_size: known });
        }
        None | Some(Cosigned { size: 0, .. }) if req.proof.is_empty() => {}
        None | Some(Cosigned { size: 0, .. }) => return Err(Refusal::BadProof),
        Some(l) if l.size == c.size() => {
            if l.root != c.root() || !req.proof.is_empty() {
                return Err(Refusal::Conflict { known_size: known });
            }
        }
        Some(l) => {
            tlog::check_tree(&req.proof, c.size(), c.root(), l.size, l.root).map_err(|_| Refusal::BadProof)?;
        }
    }
    Ok((unverified.text, Cosigned { size: c.size(), root: c.root() }))
}

struct Witness {
    key: Signer,
    log: Verifier,
    state_file: PathBuf,
    last: Mutex<Option<Cosigned>>,
}

fn load_state(path: &Path, log: &Verifier) -> anyhow::Result<Option<Cosigned>> {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        Ok(bytes) => {
            let (c, _) = Checkpoint::open(&bytes, std::slice::from_ref(log))
                .with_context(|| format!("{} is not a checkpoint signed by the log", path.display()))?;
            Ok(Some(Cosigned { size: c.size(), root: c.root() }))
        }
    }
}

/// Replaces the state file atomically and durably: written aside, synced, renamed.
fn save_state(path: &Path, checkpoint: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(checkpoint)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

async fn add_checkpoint(witness: Arc<Witness>, body: Bytes) -> Response {
    let mut last = witness.last.lock().await;
    let refused = |r: Refusal| {
        let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let ct = r.content_type().unwrap_or("text/plain; charset=utf-8");
        (status, [(header::CONTENT_TYPE, ct)], r.body()).into_response()
    };
    let (text, next) = match check(&body, &witness.log, *last) {
        Ok(ok) => ok,
        Err(r) => return refused(r),
    };
    let now = jiff::Timestamp::now().as_second().max(0).unsigned_abs();
    let line = match cosignature::cosign(&text, &witness.key, now) {
        Ok(l) => l,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    // Remember before answering: a witness that forgot would cosign a fork after a restart.
    let request = AddCheckpoint::parse(&body).map(|r| r.checkpoint).unwrap_or_default();
    if let Err(e) = save_state(&witness.state_file, request.as_bytes()) {
        tracing::error!(error = %e, "cannot save the witness state");
        return (StatusCode::SERVICE_UNAVAILABLE, "cannot save state\n").into_response();
    }
    *last = Some(next);
    match witness::format_response(&[line]) {
        Ok(body) => (StatusCode::OK, body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    crate::init_tracing();
    let key = crate::keys::read_signer(&args.key)?;
    let log_text = std::fs::read_to_string(&args.log_key).map_or(args.log_key.clone(), |t| t.trim().to_owned());
    let log = Verifier::parse(&log_text).context("--log-key is not the log's verifier key")?;
    std::fs::create_dir_all(&args.state).with_context(|| format!("cannot create {}", args.state.display()))?;
    let state_file = args.state.join("checkpoint");
    let last = load_state(&state_file, &log)?;
    let witness = Arc::new(Witness { key, log, state_file, last: Mutex::new(last) });
    let vkey = witness.key.cosigner_verifier();
    let app = axum::Router::new().route(
        "/add-checkpoint",
        axum::routing::post({
            let w = witness.clone();
            move |body: Bytes| add_checkpoint(w.clone(), body)
        }),
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    outln!("concord witness on http://{addr} cosigning {} as {vkey}", witness.log.name());
    axum::serve(listener, app).with_graceful_shutdown(crate::serve::shutdown_signal()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use concord_ledger::leaf_hash;

    use super::*;

    fn log() -> Signer {
        Signer::from_seed("w.test/log", [1; 32]).unwrap()
    }

    fn request(old: u64, proof: Vec<Hash>, leaves: &[Hash], key: &Signer) -> Vec<u8> {
        let c = Checkpoint::new(key.name().as_str(), leaves.len() as u64, tlog::root_of(leaves)).unwrap();
        AddCheckpoint { old_size: old, proof, checkpoint: c.sign(key).unwrap() }.format().into_bytes()
    }

    #[test]
    fn a_witness_cosigns_only_what_extends_what_it_cosigned() {
        let leaves: Vec<Hash> = (0..10u8).map(|i| leaf_hash(&[i])).collect();
        let v = log().verifier();
        // First contact: no proof needed from size 0.
        let (_, first) = check(&request(0, vec![], &leaves[..4], &log()), &v, None).unwrap();
        assert_eq!(first.size, 4);
        // A consistent extension, with its proof.
        let proof = tlog::prove_tree(10, 4, &full_tree(&leaves)).unwrap();
        let (_, next) = check(&request(4, proof.clone(), &leaves, &log()), &v, Some(first)).unwrap();
        assert_eq!(next.size, 10);
        // A fork: another 10th leaf, with the old proof: refused.
        let mut forked = leaves.clone();
        forked[9] = leaf_hash(b"other");
        assert!(matches!(check(&request(4, proof, &forked, &log()), &v, Some(first)), Err(Refusal::BadProof)));
        // Not from the size it knows: 409 with its size.
        assert!(matches!(
            check(&request(2, vec![], &leaves, &log()), &v, Some(first)),
            Err(Refusal::Conflict { known_size: 4 })
        ));
        // Another log, another key, garbage.
        let other = Signer::from_seed("other.test/log", [2; 32]).unwrap();
        assert!(matches!(check(&request(0, vec![], &leaves, &other), &v, None), Err(Refusal::UnknownLog(_))));
        let impostor = Signer::from_seed("w.test/log", [3; 32]).unwrap();
        assert!(matches!(check(&request(0, vec![], &leaves, &impostor), &v, None), Err(Refusal::UnknownKey)));
        assert!(matches!(check(b"nonsense", &v, None), Err(Refusal::Malformed(_))));
    }

    fn full_tree(leaves: &[Hash]) -> Vec<Hash> {
        let mut all = Vec::new();
        let mut edge = concord_ledger::edge::TreeEdge::default();
        for l in leaves {
            all.extend(edge.append(&[*l]).unwrap().into_iter().map(|(_, h)| h));
        }
        all
    }

    #[test]
    fn a_witness_that_cosigned_the_empty_tree_goes_on_from_size_0() {
        let leaves: Vec<Hash> = (0..3u8).map(|i| leaf_hash(&[i])).collect();
        let v = log().verifier();
        let (_, empty) = check(&request(0, vec![], &[], &log()), &v, None).unwrap();
        assert_eq!(empty, Cosigned { size: 0, root: tlog::empty_tree_hash() });
        // The same empty checkpoint again, then a first real one: from old size 0, no proof.
        assert_eq!(check(&request(0, vec![], &[], &log()), &v, Some(empty)).unwrap().1, empty);
        let (_, next) = check(&request(0, vec![], &leaves, &log()), &v, Some(empty)).unwrap();
        assert_eq!(next.size, 3);
        // A proof from size 0 is not empty as the spec requires: 422, as before any checkpoint.
        let junk = vec![leaves[0]];
        assert!(matches!(check(&request(0, junk.clone(), &leaves, &log()), &v, Some(empty)), Err(Refusal::BadProof)));
        assert!(matches!(check(&request(0, junk, &leaves, &log()), &v, None), Err(Refusal::BadProof)));
        // A size-0 checkpoint with another root is another log's history: 409.
        let odd = Checkpoint::new("w.test/log", 0, leaf_hash(b"x")).unwrap().sign(&log()).unwrap();
        let odd = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: odd }.format().into_bytes();
        assert!(matches!(check(&odd, &v, Some(empty)), Err(Refusal::Conflict { known_size: 0 })));
    }

    #[test]
    fn state_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint");
        let v = log().verifier();
        assert_eq!(load_state(&path, &v).unwrap(), None);
        let c = Checkpoint::new("w.test/log", 3, leaf_hash(b"x")).unwrap().sign(&log()).unwrap();
        save_state(&path, c.as_bytes()).unwrap();
        assert_eq!(load_state(&path, &v).unwrap(), Some(Cosigned { size: 3, root: leaf_hash(b"x") }));
    }
}
