//! The log, for anyone to check: entries byte for byte, the latest signed checkpoint with its
//! witnesses' cosignatures, inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4), and the
//! same tree as static tiles (c2sp.org/tlog-tiles) under `/log/`, so that a plain mirror of those
//! files is enough to verify.
//!
//! The secretariat publishes an entry to a wider audience here too
//! (`POST /api/v1/log/entries/{seq}/publication`): the publication is an entry of its own,
//! revealing the earlier entry's salt and content.
//!
//! Every reading endpoint here answers without a token. The envelopes, the tiles, checkpoints and proofs
//! are the same for every reader; an entry's sealed part is served only to a reader the access
//! rule lets read it ([`concord_log::Loaded::redact`]), and otherwise only its commitment shows.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use concord_ledger::proof_bundle::TlogProof;
use concord_ledger::tlog::{self, HashReader};
use concord_ledger::{Hash, tile};

use super::extract::{Path, Query};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::Write;
use crate::auth::Viewer;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/log/entries", get(entries))
        .route("/api/v1/log/entries/{seq}/publication", post(publish))
        .route("/api/v1/log/checkpoint", get(checkpoint))
        .route("/api/v1/log/proof/inclusion", get(inclusion))
        .route("/api/v1/log/proof/consistency", get(consistency))
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
        // Entry bundles are text-like JSON and compress well; tlog-tiles asks servers to honour
        // `Accept-Encoding: gzip` for them. Hash tiles are random bytes: not worth compressing.
        .route(
            "/log/tile/entries/{*path}",
            get(entry_bundle).layer(tower_http::compression::CompressionLayer::new().gzip(true)),
        )
}

/// An entry bundle: [`tile`] under its own route, which compresses.
async fn entry_bundle(state: State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    tile(state, Path(format!("entries/{path}"))).await
}

/// Runs a proof function of `concord_ledger::tlog` against the store. Those functions ask for
/// every hash they need in one call, and which indexes they ask for depends only on the sizes,
/// never on hash values: a first dry run records the indexes, one query fetches them, and the
/// second run computes the proof.
pub(crate) async fn with_hashes<T>(
    state: &AppState,
    f: impl Fn(&dyn HashReader) -> Result<T, concord_ledger::Error>,
) -> Result<T, ApiError> {
    struct Recorder(std::sync::Mutex<Vec<u64>>);
    impl HashReader for Recorder {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, concord_ledger::Error> {
            self.0.lock().map_err(|_| concord_ledger::Error::MissingHash(0))?.extend_from_slice(indexes);
            Ok(vec![Hash::default(); indexes.len()])
        }
    }
    struct Fetched(std::collections::HashMap<u64, Hash>);
    impl HashReader for Fetched {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, concord_ledger::Error> {
            indexes.iter().map(|i| self.0.get(i).copied().ok_or(concord_ledger::Error::MissingHash(*i))).collect()
        }
    }
    let recorder = Recorder(std::sync::Mutex::new(Vec::new()));
    f(&recorder).map_err(|e| ApiError::bad_request("invalid-proof-request", e.to_string()))?;
    let indexes = recorder.0.into_inner().unwrap_or_default();
    let hashes = state.store().tree_hashes(&indexes).await?;
    let fetched = Fetched(indexes.into_iter().zip(hashes).collect());
    f(&fetched).map_err(|e| ApiError::Internal(format!("a proof over stored hashes failed: {e}")))
}

/// A c2sp.org/tlog-proof bundle proving that entry `index` is in the log, with the latest
/// cosigned checkpoint.
pub(crate) async fn proof_bundle(state: &AppState, index: u64) -> Result<String, ApiError> {
    let head = latest(state).await?;
    if index >= head.size {
        return Err(ApiError::Internal(format!("entry {index} is beyond the latest checkpoint ({})", head.size)));
    }
    let proof = with_hashes(state, |r| tlog::prove_record(head.size, index, &r)).await?;
    let note = cosigned(state, &head).await?;
    let bundle = TlogProof::new(index, proof, note, None)
        .map_err(|e| ApiError::Internal(format!("cannot bundle a proof: {e}")))?;
    Ok(bundle.to_text())
}

async fn latest(state: &AppState) -> Result<concord_store::Checkpoint, ApiError> {
    state.store().latest_checkpoint().await?.ok_or_else(|| ApiError::NotFound("the log has no checkpoint yet".into()))
}

/// The checkpoint note with every stored cosignature appended as a further signature line.
async fn cosigned(state: &AppState, c: &concord_store::Checkpoint) -> Result<String, ApiError> {
    let mut note = c.note.clone();
    for co in state.store().cosignatures(c.size).await? {
        note.push_str(&co.line);
        note.push('\n');
    }
    Ok(note)
}

/// The latest checkpoint (c2sp.org/tlog-checkpoint), signed by the log and cosigned by witnesses.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "a signed note", content_type = "text/plain; charset=utf-8", body = String),
        (status = 404, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let c = latest(&state).await?;
    let note = cosigned(&state, &c).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], note)
        .into_response())
}

/// `?index=&size=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's sequence number.
    pub index: u64,
    /// The tree size to prove it in (default: the latest checkpoint's).
    pub size: Option<u64>,
}

/// An inclusion proof.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// Base64 leaf hash of the entry.
    pub leaf_hash: String,
    /// Base64 root of the tree of `size` entries.
    pub root: String,
    /// Base64 hashes, leaf to root (RFC 9162 §2.1.3).
    pub proof: Vec<String>,
    /// The same proof as a c2sp.org/tlog-proof bundle with the signed checkpoint, when `size` is
    /// the latest checkpoint's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
}

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h.as_bytes())
}

/// Proves that an entry is in the tree.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "the log has no checkpoint yet", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
    let head = latest(&state).await?;
    let size = q.size.unwrap_or(head.size);
    if size > head.size || q.index >= size {
        return Err(ApiError::bad_request(
            "invalid-proof-request",
            format!("entry {} is not in a tree of {size} (the latest checkpoint has {})", q.index, head.size),
        ));
    }
    let proof = with_hashes(&state, |r| tlog::prove_record(size, q.index, &r)).await?;
    let root = with_hashes(&state, |r| tlog::tree_hash(size, &r)).await?;
    let leaf = state.store().tree_hashes(&[tlog::stored_hash_index(0, q.index)]).await?[0];
    let bundle = if size == head.size {
        let note = cosigned(&state, &head).await?;
        let b = TlogProof::new(q.index, proof.clone(), note, None)
            .map_err(|e| ApiError::Internal(format!("cannot bundle a proof: {e}")))?;
        Some(b.to_text())
    } else {
        None
    };
    Ok(Json(InclusionProof {
        index: q.index,
        size,
        leaf_hash: b64(&leaf),
        root: b64(&root),
        proof: proof.iter().map(b64).collect(),
        bundle,
    }))
}

/// `?from=&to=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size (at least 1).
    #[param(minimum = 1)]
    pub from: u64,
    /// The newer tree size (default: the latest checkpoint's).
    pub to: Option<u64>,
}

/// A consistency proof.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub from_root: String,
    pub to_root: String,
    /// Base64 hashes (RFC 9162 §2.1.4).
    pub proof: Vec<String>,
}

/// Proves that the tree of `to` entries extends the tree of `from` entries.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 400, body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "the log has no checkpoint yet", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let head = latest(&state).await?;
    let to = q.to.unwrap_or(head.size);
    if q.from == 0 || q.from > to || to > head.size {
        return Err(ApiError::bad_request(
            "invalid-proof-request",
            format!("no consistency proof from {} to {to}: need 1 <= from <= to <= {}", q.from, head.size),
        ));
    }
    let proof = with_hashes(&state, |r| tlog::prove_tree(to, q.from, &r)).await?;
    let from_root = with_hashes(&state, |r| tlog::tree_hash(q.from, &r)).await?;
    let to_root = with_hashes(&state, |r| tlog::tree_hash(to, &r)).await?;
    Ok(Json(ConsistencyProof {
        from: q.from,
        to,
        from_root: b64(&from_root),
        to_root: b64(&to_root),
        proof: proof.iter().map(b64).collect(),
    }))
}

/// A tile or an entry bundle (c2sp.org/tlog-tiles), as a static mirror would serve it.
pub async fn tile(State(state): State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let path = format!("tile/{path}");
    let not_found = || ApiError::NotFound(format!("there is no {path} in this log yet"));
    let head = state.store().latest_checkpoint().await?.ok_or_else(not_found)?;
    let bytes = if path.starts_with("tile/entries/") {
        let (n, width) = tile::parse_entries_path(&path).map_err(|_| not_found())?;
        let first = n * u64::from(tile::FULL_WIDTH);
        if first + u64::from(width) > head.size {
            return Err(not_found());
        }
        let entries = state.store().entries(first, u64::from(width)).await?;
        let bytes: Vec<&[u8]> = entries.iter().map(|e| e.bytes.as_slice()).collect();
        tile::encode_entry_bundle(&bytes).map_err(|e| ApiError::Internal(format!("cannot bundle entries: {e}")))?
    } else {
        let t = tile::parse_tile_path(&path).map_err(|_| not_found())?;
        let indexes = tile::tile_hash_indexes(&t);
        if indexes.iter().any(|i| *i >= tlog::stored_hash_count(head.size)) {
            return Err(not_found());
        }
        let hashes = state.store().tree_hashes(&indexes).await.map_err(|_| not_found())?;
        hashes.iter().flat_map(|h| *h.as_bytes()).collect()
    };
    // What a tile path names never changes: a partial tile's path carries its width
    // (`.p/<W>`), so a wider tile is a different path, not new content at this one. Only the
    // checkpoint changes, and it is served `no-store`.
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}

/// `?from=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First sequence number (default 0); int64, as every store counts entries.
    pub from: Option<u64>,
    /// Entries to return, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// One log entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub seq: u64,
    /// Hex RFC 9162 leaf hash of `entry`'s UTF-8 bytes.
    pub leaf_hash: String,
    /// The entry's public envelope exactly as stored and hashed: RFC 8785 canonical JSON, as a
    /// string. Its `commitment` is the SHA-256 of the sealed part's salt and content.
    pub entry: String,
    /// The sealed part, if the caller may read it; absent, it is withheld from this caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<SealedPart>,
}

/// An entry's sealed part: SHA-256 of the salt's 32 bytes, then the content's UTF-8 bytes, is
/// the envelope's `commitment`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SealedPart {
    /// 64 hex digits.
    pub salt: String,
    /// The actor, the account that acted (if any) and the event: RFC 8785 canonical JSON, as a
    /// string.
    pub content: String,
}

impl SealedPart {
    /// Splits a stored part into its salt and content.
    pub fn of(seq: u64, part: &[u8]) -> Result<Self, ApiError> {
        let (salt, content) = concord_core::record::split_part(part)
            .ok_or_else(|| ApiError::Internal(format!("entry {seq}'s sealed part is damaged")))?;
        Ok(Self { salt, content })
    }
}

/// A range of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogRange {
    /// Entries in the whole log.
    pub size: u64,
    pub entries: Vec<LogEntry>,
}

/// Entries by range.
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", params(RangeQuery),
    responses((status = 200, body = LogRange)))]
pub async fn entries(
    State(state): State<AppState>,
    Viewer(reader): Viewer,
    Query(q): Query<RangeQuery>,
) -> Result<Json<LogRange>, ApiError> {
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::bad_request("invalid-query", format!("limit {n} is not between 1 and 1000"))),
    };
    let from = q.from.unwrap_or(0);
    // The document declares int64 (what every store keeps); a larger number names no entry and
    // is refused like any other bad parameter, not passed on to the store.
    if i64::try_from(from).is_err() {
        return Err(ApiError::bad_request("invalid-query", format!("from {from} is larger than any sequence number")));
    }
    let size = state.store().log_size().await?;
    let mut rows = state.store().entries(from, limit).await?;
    let view = state.view_covering(rows.last().map_or(0, |e| e.seq + 1)).await;
    view.redact(reader, &mut rows);
    let entries = rows
        .into_iter()
        .map(|e| {
            let part = e.part.as_deref().map(|p| SealedPart::of(e.seq, p)).transpose()?;
            let entry =
                String::from_utf8(e.bytes).map_err(|_| ApiError::Internal(format!("entry {} is not UTF-8", e.seq)))?;
            Ok(LogEntry { seq: e.seq, leaf_hash: e.leaf_hash.to_hex(), entry, part })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LogRange { size, entries }))
}

/// What a publication asks.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationRequest {
    /// Who may read the entry from now on: wider than it is released to now.
    pub marking: concord_core::Marking,
}

/// What a publication answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Publication {
    /// The entry published.
    pub entry: u64,
    pub marking: concord_core::Marking,
}

/// Publishes an entry to a wider audience (secretariat): a new entry reveals its salt and
/// content, which the new audience checks against the commitment in its envelope. A release
/// never narrows; a draft is released by circulating it.
#[utoipa::path(post, path = "/api/v1/log/entries/{seq}/publication", operation_id = "publish_entry", tag = "log",
    security(("bearer" = [])), request_body = PublicationRequest,
    params(("seq" = u64, Path, description = "the entry to publish"),
        ("Idempotency-Key" = Option<String>, Header, description = "makes a retried write safe")),
    responses((status = 201, body = Publication), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn publish(State(state): State<AppState>, Path(seq): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let PublicationRequest { marking } = w.json()?;
    // Only the secretariat may publish, and only it may learn what an entry holds: refused here,
    // before the entry is read, as `decide` would refuse it.
    let actor = w.caller.actor;
    if actor != concord_core::Actor::Secretariat {
        return Err(ApiError::Refused(concord_core::Refusal::NotPermitted { actor, action: "publish entries" }));
    }
    w.submit(&state, publication(&state, seq, marking).await?).await
}

/// The command that publishes entry `seq` to `marking`: the entry's salt and content, as stored,
/// revealed with its envelope's marking and commitment (which `decide` checks them against). The
/// API and the web's log page both publish through it; only the secretariat may call it, since it
/// reads a sealed part whatever its marking.
pub async fn publication(
    state: &AppState,
    seq: u64,
    marking: concord_core::Marking,
) -> Result<concord_core::Command, ApiError> {
    let not_found = || ApiError::NotFound(format!("entry {seq} is not in the log"));
    let stored = if i64::try_from(seq).is_ok() { state.store().entries(seq, 1).await? } else { Vec::new() };
    let e = stored.into_iter().find(|e| e.seq == seq).ok_or_else(not_found)?;
    let damaged = |what: String| ApiError::Internal(format!("entry {seq}: {what}"));
    let envelope = concord_core::record::decode(&e.bytes).map_err(|err| damaged(err.to_string()))?;
    let part = e.part.as_deref().ok_or_else(|| damaged("its sealed part is missing".into()))?;
    let record = concord_core::record::open(&envelope, part).map_err(|err| damaged(err.to_string()))?;
    let (salt, _) =
        concord_core::record::split_part(part).ok_or_else(|| damaged("its sealed part is damaged".into()))?;
    let revealed = concord_core::sealed::Revealed {
        was: envelope.marking,
        commitment: envelope.commitment,
        salt,
        content: concord_core::sealed::Sealed { actor: record.actor, account: record.account, event: record.event },
    };
    Ok(concord_core::Command::Publish { entry: seq, marking, revealed: Box::new(revealed) })
}
