//! `concord verify`: checks a log from a server or a database file, offline from the server's
//! point of view: every byte is fetched, every hash and signature recomputed here, every event
//! replayed through the same domain code (see `concord_verify`).

use crate::terminal::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_ledger::keys::Verifier;
use concord_store::StoredEntry;
use concord_verify::{LogVerifier, Options, Owed, Report, TileCheck};
use serde_json::Value;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["server", "db", "export"])))]
pub struct Args {
    /// A Concord server's base URL.
    #[arg(long)]
    server: Option<String>,
    /// A bearer token for --server: the sealed parts the server releases are those its role
    /// may read. Without one, the public's.
    #[arg(long, env = "CONCORD_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// I am member-cleared (a delegation or the secretariat): every sealed part but a draft
    /// the secretariat still holds must be given to me, and replayed; one held back fails.
    /// Implied by a database, and by an export for `all`, `members` or `delegation:<A3>`.
    #[arg(long)]
    member: bool,
    /// I am this member's delegation (alpha-3; implies --member): the entries of the bodies it
    /// sits in are owed and replayed too. Without it, a member-cleared reader checks every
    /// body's entries without replaying them (they are for the body's members). Implied by an
    /// export for `delegation:<A3>`.
    #[arg(long, conflicts_with = "partner")]
    delegation: Option<String>,
    /// I am this partner (alpha-3; with a partner's token, or implied by an export for
    /// `partner:<A3>`): every part released to it is owed, those of the bodies it takes part in
    /// included, and one held back fails.
    #[arg(long, conflicts_with = "member")]
    partner: Option<String>,
    /// A database file (the operator's own check).
    #[arg(long)]
    db: Option<PathBuf>,
    /// A folder written by `concord export` (a static mirror), checked with no server at all.
    #[arg(long)]
    export: Option<PathBuf>,
    /// The log's verifier key (`name+id+base64`), or a file holding it.
    #[arg(long)]
    log_key: String,
    /// A checkpoint trusted from before (e.g. saved by --save-checkpoint): the log must extend it.
    #[arg(long)]
    trusted_checkpoint: Option<PathBuf>,
    /// A witness's cosigner key (type 0x04, `name+id+base64`), or a file holding it; repeatable.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long)]
    quorum: Option<usize>,
    /// Saves the verified checkpoint here, to trust next time.
    #[arg(long)]
    save_checkpoint: Option<PathBuf>,
}

/// Who reads, where it is known and not member-cleared: a partner named by --partner or by the
/// export, the public for a public export or a server read with no token. (A server read with
/// another token says nothing of who it is: its parts are not held to anyone's.)
fn who_reads(args: &Args, audience: Option<&str>, member: bool) -> anyhow::Result<Option<concord_core::Reader>> {
    use concord_core::{CountryCode, Reader};

    let named = args.partner.as_deref().map(CountryCode::parse).transpose()?;
    let exported = audience.and_then(|a| a.strip_prefix("partner:")).map(CountryCode::parse).transpose()?;
    if let Some(n) = named {
        // What was read must be the partner's, or its parts would be held to the wrong reader.
        match (exported, audience) {
            (Some(e), _) if e != n => bail!("this export is for partner {e}, not {n}: verify it with --partner {e}"),
            (None, Some(a)) => bail!("this export is for {a}, not partner {n}: verify it without --partner"),
            _ if args.server.is_some() && args.token.is_none() => {
                bail!("--partner {n} needs the partner's --token: without one the server answers as to the public")
            }
            _ => {}
        }
    }
    if member {
        return Ok(None);
    }
    let public = audience == Some("public") || (args.server.is_some() && args.token.is_none());
    Ok(named.or(exported).map(Reader::Partner).or(public.then_some(Reader::Public)))
}

pub fn key(s: &str) -> anyhow::Result<Verifier> {
    let text = match std::fs::read_to_string(s) {
        Ok(t) => t.trim().to_owned(),
        Err(_) => s.to_owned(),
    };
    if text.starts_with("PRIVATE+KEY+") {
        bail!("{s} holds a private key: a verifier needs only the public verifier key");
    }
    Verifier::parse(&text).with_context(|| format!("{s} is not a verifier key (name+id+base64) or a file holding one"))
}

const PAGE: u64 = 1000;

pub async fn run(args: Args) -> anyhow::Result<()> {
    let witnesses = args.witnesses.iter().map(|w| key(w)).collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(w) = witnesses.iter().find(|w| w.algorithm() != concord_ledger::keys::Algorithm::CosignatureV1) {
        bail!("{w} is not a witness's cosigning key (type 0x04): it can never cosign a checkpoint");
    }
    let trusted = match &args.trusted_checkpoint {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let mut delegation = args.delegation.as_deref().map(concord_core::CountryCode::parse).transpose()?;
    let audience = match &args.export {
        Some(dir) => crate::export::read_audience(dir)?,
        None => None,
    };
    if let (Some("members"), Some(d)) = (audience.as_deref(), delegation) {
        bail!(
            "a members export is for every member: it carries of a body's business only what the public may \
             read, so it is not {d}'s to verify as a delegation; export for delegation:{d}, or verify it without \
             --delegation"
        );
    }
    // An export for one delegation is verified as that delegation.
    if let Some(code) = audience.as_deref().and_then(|a| a.strip_prefix("delegation:")) {
        let export_for = concord_core::CountryCode::parse(code)?;
        match delegation {
            Some(d) if d != export_for => {
                bail!(
                    "this export is for {export_for}'s delegation, not {d}'s: verify it with --delegation {export_for}"
                )
            }
            _ => delegation = Some(export_for),
        }
    }
    let member = args.member || delegation.is_some();
    let reader = who_reads(&args, audience.as_deref(), member)?;
    let owed = match (&args.db, &args.export) {
        (Some(_), _) => Owed::Every,
        (None, Some(_)) => match audience.as_deref() {
            Some("all") => Owed::Every,
            Some("members") => Owed::AllButDrafts,
            _ if member => Owed::AllButDrafts,
            _ => Owed::WhatIsReleased,
        },
        (None, None) if member => Owed::AllButDrafts,
        (None, None) => Owed::WhatIsReleased,
    };
    let options = Options {
        owed,
        log_key: key(&args.log_key)?,
        quorum: args.quorum.unwrap_or(witnesses.len()),
        witnesses,
        trusted,
        delegation,
        reader,
    };
    let mut verifier = LogVerifier::new(options)?;
    let checkpoint = match (&args.server, &args.db, &args.export) {
        (Some(url), _, _) => from_server(url, args.token.as_deref(), &mut verifier).await?,
        (None, Some(db), _) => from_db(db, &mut verifier).await?,
        (None, None, Some(dir)) => from_export(dir, &mut verifier)?,
        (None, None, None) => bail!("give --server, --db or --export"),
    };
    let report = verifier.finish(&checkpoint).context("verification failed")?;
    print(&report);
    if let Some(p) = &args.save_checkpoint {
        std::fs::write(p, &checkpoint).with_context(|| format!("cannot write {}", p.display()))?;
        outln!("saved the checkpoint to {}", p.display());
    }
    Ok(())
}

async fn from_server(url: &str, token: Option<&str>, verifier: &mut LogVerifier) -> anyhow::Result<Vec<u8>> {
    let base = url.trim_end_matches('/');
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
    // The checkpoint first: the log may grow while it is read, and only its first `size` entries
    // are what the checkpoint signs.
    let resp = http
        .get(format!("{base}/api/v1/log/checkpoint"))
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    if !resp.status().is_success() {
        bail!("{base} answered {} for its checkpoint", resp.status());
    }
    let checkpoint = resp.bytes().await?.to_vec();
    let size = verifier.open_checkpoint(&checkpoint).context("verification failed")?.size();
    while verifier.size() < size {
        let from = verifier.size();
        let limit = PAGE.min(size - from);
        let mut req = http.get(format!("{base}/api/v1/log/entries?from={from}&limit={limit}"));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let entries = read_page(req).await?;
        if entries.is_empty() {
            bail!("the server stopped at entry {from} of the {size} its checkpoint signs");
        }
        verifier.feed(&entries).context("verification failed")?;
        for entry in verifier.unsettled() {
            let mut req = http.get(format!("{base}/api/v1/log/entries?from={entry}&limit=1"));
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            verifier.settle(&read_page(req).await?).context("verification failed")?;
        }
    }
    Ok(checkpoint)
}

/// A page of `/api/v1/log/entries`, as entries to verify.
async fn read_page(req: reqwest::RequestBuilder) -> anyhow::Result<Vec<StoredEntry>> {
    let page: Value = req.send().await?.error_for_status()?.json().await?;
    let entries = page["entries"].as_array().context("no entries in the answer")?;
    entries
        .iter()
        .map(|e| {
            let seq = e["seq"].as_u64().context("an entry without seq")?;
            let bytes = e["entry"].as_str().context("an entry without bytes")?.as_bytes().to_vec();
            let part = match &e["part"] {
                Value::Null => None,
                p => {
                    let (salt, content) = (p["salt"].as_str(), p["content"].as_str());
                    let part = salt.zip(content).and_then(|(s, c)| concord_core::record::join_part(s, c));
                    Some(part.context("a part without a 32-byte hex salt and a content")?)
                }
            };
            // The served leaf hash is not trusted: the verifier recomputes it.
            Ok(StoredEntry { seq, leaf_hash: concord_ledger::leaf_hash(&bytes), bytes, part })
        })
        .collect()
}

async fn from_db(db: &std::path::Path, verifier: &mut LogVerifier) -> anyhow::Result<Vec<u8>> {
    if !crate::serve::database_exists(db) {
        bail!("no database at {}", db.display());
    }
    let store = crate::serve::open_store(db).await?;
    let c = store.latest_checkpoint().await?.context("the database holds no checkpoint")?;
    let mut note = c.note.clone();
    for co in store.cosignatures(c.size).await? {
        note.push_str(&co.line);
        note.push('\n');
    }
    while verifier.size() < c.size {
        let from = verifier.size();
        let entries = store.entries(from, PAGE.min(c.size - from)).await?;
        if entries.is_empty() {
            bail!("the database stops at entry {from} of the {} its checkpoint signs", c.size);
        }
        // Every stored tree hash is compared with the tree recomputed from the entries: the
        // server serves tiles and proofs from them, and `export` copies them.
        let added = verifier.feed_with_hashes(&entries).context("verification failed")?;
        for entry in verifier.unsettled() {
            verifier.settle(&store.entries(entry, 1).await?).context("verification failed")?;
        }
        let indexes: Vec<u64> = added.iter().map(|(i, _)| *i).collect();
        let stored = store.tree_hashes(&indexes).await.context("verification failed")?;
        concord_ledger::edge::check_stored(&added, &stored).context("verification failed")?;
    }
    Ok(note.into_bytes())
}

/// Reads an export: its checkpoint, verified before its size is trusted; every entry bundle;
/// and every hash tile, checked against the tree the entries give.
fn from_export(dir: &std::path::Path, verifier: &mut LogVerifier) -> anyhow::Result<Vec<u8>> {
    use concord_ledger::tile::{self, Tile};

    let checkpoint = crate::export::read_checkpoint_bytes(dir)?;
    let size = verifier.open_checkpoint(&checkpoint).context("verification failed")?.size();
    let read_tile = |t: &Tile| {
        let rel = tile::tile_path(t);
        std::fs::read(dir.join(&rel)).with_context(|| format!("the export lacks {rel}"))
    };
    let mut tiles = TileCheck::default();
    let (level0, upper): (Vec<Tile>, Vec<Tile>) = tile::tiles_for_size(size).into_iter().partition(|t| t.level() == 0);
    for (n, t) in (0..crate::export::bundles(size)).zip(&level0) {
        let added =
            verifier.feed_with_hashes(&crate::export::read_bundle(dir, n, size)?).context("verification failed")?;
        crate::export::settle(dir, size, verifier).context("verification failed")?;
        tiles.add(&added);
        // The level-0 tile of a bundle is its entries' leaf hashes: checked at once.
        tiles.check(t, &read_tile(t)?).context("verification failed")?;
    }
    for t in &upper {
        tiles.check(t, &read_tile(t)?).context("verification failed")?;
    }
    Ok(checkpoint)
}

fn print(r: &Report) {
    outln!("log        {}", r.origin);
    if r.withheld_drafts > 0 {
        outln!(
            "drafts     {} withheld from you: drafts the secretariat still holds, each folded as an unknown draft; \
             replay went on",
            r.withheld_drafts
        );
    }
    if r.outside > 0 {
        let proposals: Vec<String> = r
            .outside_proposals
            .iter()
            .map(|(body, ids)| {
                format!("{body}: {}", ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            })
            .collect();
        outln!(
            "bodies     {} entries are the business of bodies you do not sit in (or did not name with \
             --delegation): checked, not replayed (proposals {})",
            r.outside,
            proposals.join("; ")
        );
    }
    if let Some((reader, bodies)) = &r.released_to {
        let bodies: Vec<String> = bodies.iter().map(ToString::to_string).collect();
        let and_bodies = if bodies.is_empty() {
            String::new()
        } else {
            format!(", every part of {}, where you take part,", bodies.join(", "))
        };
        outln!("released   every part whose marking releases it to {reader}{and_bodies} is here");
    }
    match r.replay_stopped_at {
        None if r.outside > 0 => outln!(
            "entries    {} — chain intact, every sealed part you hold matches, every other event applies under the \
             domain's rules",
            r.size
        ),
        None => outln!(
            "entries    {} — chain intact, every sealed part matches, every event applies under the domain's rules",
            r.size
        ),
        Some(first) => {
            outln!(
                "entries    {} — chain intact, every envelope and every part you hold match their commitments",
                r.size
            );
            outln!(
                "withheld   {} sealed parts are not released to you (the first: entry {first}), so the rules were replayed \
                 over entries 0 to {} only; {} later parts you hold were checked against their commitments",
                r.withheld,
                first.saturating_sub(1),
                r.parts_checked
            );
        }
    }
    outln!("tree       root {} equals the signed checkpoint's", r.root);
    outln!(
        "witnesses  {} cosigned{}",
        r.cosigners.len(),
        if r.cosigners.is_empty() { String::new() } else { format!(": {}", r.cosigners.join(", ")) }
    );
    let replayed = if r.replay_stopped_at.is_some() { " (in the entries replayed)" } else { "" };
    outln!("decisions  {} recomputed from the positions, all equal to the recorded ones{replayed}", r.decisions);
    outln!("positions  {} signed, {} unsigned{replayed}", r.signed_positions, r.unsigned_positions);
    outln!("state      {} members, {} proposals{replayed}", r.members, r.proposals);
    if let Some(t) = r.extends_trusted {
        outln!("trusted    extends the trusted checkpoint at size {t}");
    }
    outln!("OK");
}
