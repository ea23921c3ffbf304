//! Asking witnesses to cosign (c2sp.org/tlog-witness@v1.0.0, the log's side).
//!
//! After each new checkpoint, one task per configured witness sends it `add-checkpoint`: the
//! checkpoint and a consistency proof from the last size that witness cosigned. A 409 answer
//! names the size the witness knows (after a restart of this server, or of the witness, or when
//! this server lost the cosignature it was answered), and the request is made again from there,
//! also when that is the size asked for: the witness cosigns the same checkpoint again. Every
//! refusal is logged with the witness's name, the status and the body. Each cosignature is verified with the witness's key before
//! it is stored; the checkpoint endpoint then serves it as one more signature line.

use std::time::Duration;

use concord_ledger::keys::Verifier;
use concord_ledger::witness::{self, AddCheckpoint};
use concord_ledger::{cosignature, note, tlog};
use concord_store::Cosignature;
use tokio::sync::watch;

use crate::AppState;

/// A witness the log asks: its base URL (`<url>/add-checkpoint`) and its cosigning key.
#[derive(Debug, Clone)]
pub struct WitnessConfig {
    pub url: String,
    pub key: Verifier,
}

/// Starts one task per witness, following the log's checkpoint size.
pub(crate) fn start(
    state: AppState,
    witnesses: Vec<WitnessConfig>,
    head: watch::Receiver<u64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    witnesses.into_iter().map(|w| tokio::spawn(follow(state.clone(), w, head.clone()))).collect()
}

async fn follow(state: AppState, w: WitnessConfig, mut head: watch::Receiver<u64>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(h) => h,
        Err(e) => return tracing::error!(error = %e, "no HTTP client for witnesses"),
    };
    let name = w.key.name().to_string();
    // `known`: the size the witness last cosigned, as far as this task knows (the request's old
    // size). `cosigned`: the size whose cosignature by this witness is stored. They differ after
    // a restart, or when the server lost a cosignature the witness gave (a crash between its
    // answer and the commit): the witness then names `known` in a 409 and is asked again from it.
    let mut known = 0u64;
    let mut cosigned = 0u64;
    let mut backoff = Duration::from_millis(200);
    loop {
        let size = *head.borrow_and_update();
        if size > cosigned && size >= known {
            let retry = match ask(&state, &http, &w, known, size).await {
                Ok(Asked::Cosigned) => {
                    tracing::info!(witness = %name, size, "checkpoint cosigned");
                    (known, cosigned) = (size, size);
                    backoff = Duration::from_millis(200);
                    false
                }
                Ok(Asked::Stored) => {
                    (known, cosigned) = (size, size);
                    false
                }
                Ok(Asked::Knows(k)) if k == known => {
                    // It cosigned another checkpoint of the very size it was asked from: another
                    // history of this log. Asking again changes nothing until an operator looks.
                    tracing::error!(witness = %name, status = 409, body = k, size,
                        "the witness refused: it cosigned another checkpoint of size {k}; will retry");
                    true
                }
                Ok(Asked::Knows(k)) => {
                    tracing::warn!(witness = %name, status = 409, body = k, size, old = known,
                        "the witness refused: it last cosigned size {k}; asking again from there");
                    known = k;
                    if k > size {
                        tracing::error!(witness = %name, size, known = k,
                            "the witness cosigned a larger log than this one (restored from an older \
                             copy?): it is asked again once the log passes that size");
                    }
                    // Asked again at once (with a proof from k), or, beyond the log, when it grows.
                    continue;
                }
                Ok(Asked::Refused { status, body }) => {
                    tracing::warn!(witness = %name, status, body = %body, size, old = known,
                        "the witness refused the checkpoint; will retry");
                    true
                }
                Err(e) => {
                    tracing::warn!(witness = %name, error = %e, size, "witness did not cosign; will retry");
                    true
                }
            };
            if retry {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                continue;
            }
        }
        if head.changed().await.is_err() {
            return;
        }
    }
}

enum Asked {
    /// The witness cosigned; its cosignature is stored.
    Cosigned,
    /// A cosignature by this witness at this size is stored already (from before a restart).
    Stored,
    /// 409: the witness last cosigned this size.
    Knows(u64),
    /// Any other refusal, with its status and body.
    Refused { status: u16, body: String },
}

async fn ask(
    state: &AppState,
    http: &reqwest::Client,
    w: &WitnessConfig,
    known: u64,
    size: u64,
) -> Result<Asked, String> {
    let name = w.key.name().to_string();
    if state.store().cosignatures(size).await.map_err(|e| e.to_string())?.iter().any(|c| c.witness == name) {
        return Ok(Asked::Stored);
    }
    let c = state.store().checkpoint(size).await.map_err(|e| e.to_string())?.ok_or("no checkpoint at that size")?;
    // tlog-witness: from old size 0 the proof is empty, and from the size itself too.
    let proof = if known == 0 || known >= size {
        Vec::new()
    } else {
        crate::api::log::with_hashes(state, |r| tlog::prove_tree(size, known, &r)).await.map_err(|e| e.to_string())?
    };
    let body = AddCheckpoint { old_size: known, proof, checkpoint: c.note.clone() }.format();
    let url = format!("{}/add-checkpoint", w.url.trim_end_matches('/'));
    let resp = http.post(&url).body(body).send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    if status == witness::status::CONFLICT {
        return witness::parse_size_body(&bytes).map(Asked::Knows).map_err(|e| format!("{url} answered 409: {e}"));
    }
    if status != witness::status::OK {
        return Ok(Asked::Refused { status, body: String::from_utf8_lossy(&bytes).trim().to_owned() });
    }
    let text = note::Note::parse(c.note.as_bytes()).map_err(|e| e.to_string())?.text;
    let lines = witness::parse_response(&bytes).map_err(|e| e.to_string())?;
    let mut stored = false;
    for sig in lines {
        let line = sig.to_line().trim_end().to_owned();
        if cosignature::verify_cosignature(&text, &line, &w.key).is_ok() {
            let co = Cosignature { size, witness: name.clone(), line };
            state.store().add_cosignature(&co).await.map_err(|e| e.to_string())?;
            stored = true;
        }
    }
    if stored { Ok(Asked::Cosigned) } else { Err("no cosignature by the witness's key in its answer".into()) }
}
