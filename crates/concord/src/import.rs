//! `concord import`: loads a log written by `concord export` into an empty database of either
//! kind, then loads it back as a server would. The entries are stored byte for byte, so the log's
//! hashes, its Merkle root and its signed checkpoint are the same after the move as before.
//!
//! Nothing in the export is trusted: a first pass runs the whole offline verifier over it (the
//! chain, every event through the domain's rules, the root against the checkpoint signed by
//! the key the log's first entry names), and only a log that verifies is written, in a second
//! pass. An interrupted import leaves a valid prefix of the log: drop the database and import
//! again.

use crate::terminal::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_ledger::edge::TreeEdge;
use concord_ledger::note::Note;
use concord_store::{Batch, Checkpoint, Cosignature, NewEntry};
use concord_verify::{LogVerifier, Options, Owed};

use crate::export::{bundles, read_bundle, read_checkpoint_bytes};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to fill: a SQLite file or a `postgres://` URL. Its log must be empty.
    #[arg(long)]
    db: PathBuf,
    /// The folder `concord export` wrote.
    #[arg(long)]
    from: PathBuf,
}

/// Entry bundles written per transaction (256 entries each).
const BUNDLES_PER_BATCH: u64 = 16;

pub async fn run(args: Args) -> anyhow::Result<()> {
    let checkpoint = read_checkpoint_bytes(&args.from)?;
    let vkey = std::fs::read_to_string(args.from.join("log.vkey"))
        .with_context(|| format!("{} has no log.vkey: is it a concord export?", args.from.display()))?;
    let log_key = crate::verify::key(vkey.trim())?;
    let origin = log_key.name().to_string();

    let mut verifier = LogVerifier::new(Options {
        // Checked below, to say what to do instead.
        owed: Owed::WhatIsReleased,
        log_key,
        witnesses: Vec::new(),
        quorum: 0,
        trusted: None,
        delegation: None,
        reader: None,
    })?;
    // Its size is trusted only once its signature is checked.
    let size = verifier.open_checkpoint(&checkpoint).context("the export does not verify")?.size();
    for n in 0..bundles(size) {
        verifier.feed(&read_bundle(&args.from, n, size)?).context("the export does not verify")?;
        crate::export::settle(&args.from, size, &mut verifier).context("the export does not verify")?;
    }
    let report = verifier.finish(&checkpoint).context("the export does not verify")?;
    if let Some(seq) = report.replay_stopped_at {
        bail!(
            "the export withholds {} sealed parts, the first entry {seq}'s (an export for one audience): \
             import needs a full one (`concord export --audience all`)",
            report.withheld
        );
    }
    if report.origin != origin {
        bail!("the export's key names the log {origin}, but its entries are the log {}", report.origin);
    }

    let store = crate::serve::open_store(&args.db).await?;
    let existing = store.log_size().await?;
    if existing > 0 {
        bail!("the database already holds a log of {existing} entries: import into an empty database");
    }
    let mut tree = TreeEdge::default();
    let mut n = 0;
    while n < bundles(size) {
        let mut entries = Vec::new();
        for b in n..(n + BUNDLES_PER_BATCH).min(bundles(size)) {
            for e in read_bundle(&args.from, b, size)? {
                let Some(part) = e.part else {
                    bail!(
                        "the export withholds entry {}'s sealed part (an export for one audience): \
                         import needs a full one (`concord export --audience all`)",
                        e.seq
                    );
                };
                entries.push(NewEntry { seq: e.seq, bytes: e.bytes, leaf_hash: e.leaf_hash, part });
            }
        }
        let leaves: Vec<_> = entries.iter().map(|e| e.leaf_hash).collect();
        let tree_hashes = tree.append(&leaves)?;
        let expected_size = n * u64::from(concord_ledger::tile::FULL_WIDTH);
        store
            .append(&Batch { expected_size, entries, tree_hashes, ..Batch::default() })
            .await
            .with_context(|| format!("cannot write the entries from {expected_size}"))?;
        n += BUNDLES_PER_BATCH;
    }

    // The checkpoint as the log signed it, and the witnesses' cosignatures beside it.
    let note = Note::parse(&checkpoint)?;
    let mut signed = note.text.clone();
    signed.push('\n');
    let mut cosignatures = Vec::new();
    for s in &note.signatures {
        if s.name().as_str() == origin {
            signed.push_str(&s.to_line());
        } else {
            let line = s.to_line().trim_end_matches('\n').to_owned();
            cosignatures.push(Cosignature { size, witness: s.name().to_string(), line });
        }
    }
    let c = Checkpoint { size, root: report.root, note: signed };
    store.append(&Batch { expected_size: size, checkpoint: Some(c), ..Batch::default() }).await?;
    for c in &cosignatures {
        store.add_cosignature(c).await?;
    }
    let loaded = concord_log::load(store.as_ref()).await.context("the imported log does not load")?;
    outln!(
        "imported {} entries (root {}, checkpoint and {} cosignatures kept): members {}, partners {}, proposals {}",
        loaded.size,
        report.root,
        cosignatures.len(),
        loaded.state.members.len(),
        loaded.state.partners.len(),
        loaded.state.proposals.len()
    );
    Ok(())
}
