//! `concord export`: the log as a static mirror in the c2sp.org/tlog-tiles layout — the signed
//! checkpoint with its cosignatures, every hash tile and every entry bundle, and the log's
//! verifier key — enough for `concord verify --export DIR` (or any tlog-tiles client) to check
//! the whole log with no server.
//!
//! ```text
//! DIR/checkpoint            the signed checkpoint (note), cosignature lines appended
//! DIR/log.vkey              the log's verifier key, from the log's first entry
//! DIR/tile/<L>/<N>[.p/<W>]  hash tiles
//! DIR/tile/entries/<N>[.p/<W>]  entry bundles (each entry: u16 big-endian length, bytes)
//! ```

use crate::terminal::outln;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_ledger::edge::{TreeEdge, check_stored};
use concord_ledger::tile::{self, FULL_WIDTH};
use concord_ledger::{Hash, leaf_hash};
use concord_store::{LogRecord, StoredEntry};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to export: a SQLite file or a `postgres://` URL.
    #[arg(long)]
    db: PathBuf,
    /// The folder to write (it must not exist yet).
    #[arg(long)]
    out: PathBuf,
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if !crate::serve::database_exists(&args.db) {
        bail!("no database at {}", args.db.display());
    }
    if args.out.exists() {
        bail!("{} exists already: export into a new folder", args.out.display());
    }
    let store = crate::serve::open_store(&args.db).await?;
    std::fs::create_dir_all(&args.out)?;
    let written = write_export(store.as_ref(), &args.out).await;
    if written.is_err() {
        // Half a mirror must not pass for one.
        let _ = std::fs::remove_dir_all(&args.out);
    }
    let (size, tiles) = written?;
    outln!("exported {size} entries, {tiles} tiles and the checkpoint at size {size} to {}", args.out.display());
    Ok(())
}

/// Writes the export of the latest checkpoint into `out`; returns its size and how many tiles.
/// The tiles are copies of the stored tree hashes, so each of those is first compared with the
/// tree recomputed from the entries: a mirror must not carry a tile its entries contradict.
async fn write_export(store: &dyn concord_store::Store, out: &Path) -> anyhow::Result<(u64, usize)> {
    let c = store.latest_checkpoint().await?.context("the database holds no checkpoint")?;
    let mut note = c.note.clone();
    for co in store.cosignatures(c.size).await? {
        note.push_str(&co.line);
        note.push('\n');
    }
    write(out, "checkpoint", note.as_bytes())?;

    let refuse = "the database's Merkle tree does not match its entries, nothing exported (see `concord verify --db`)";
    let mut tree = TreeEdge::default();
    let full = u64::from(FULL_WIDTH);
    for n in 0..c.size.div_ceil(full) {
        let width = (c.size - n * full).min(full);
        let entries = store.entries(n * full, width).await?;
        anyhow::ensure!(entries.len() as u64 == width, "the database stops before entry {}", n * full + width);
        if n == 0 {
            let first: LogRecord = concord_store::decode(&entries[0].bytes)?;
            if let concord_core::Event::LogCreated { log_key, .. } = first.event {
                write(out, "log.vkey", format!("{log_key}\n").as_bytes())?;
            }
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(&e.bytes)).collect();
        let added = tree.append(&leaves)?;
        let stored = store.tree_hashes(&added.iter().map(|(i, _)| *i).collect::<Vec<_>>()).await.context(refuse)?;
        check_stored(&added, &stored).context(refuse)?;
        let bytes: Vec<&[u8]> = entries.iter().map(|e| e.bytes.as_slice()).collect();
        write(out, &tile::entries_path(n, width as u16), &tile::encode_entry_bundle(&bytes)?)?;
    }
    if tree.root()? != c.root {
        bail!("the database's entries do not give the root of its latest checkpoint, nothing exported");
    }
    // Every hash below is one of those just compared.
    let tiles = tile::tiles_for_size(c.size);
    for t in &tiles {
        let hashes = store.tree_hashes(&tile::tile_hash_indexes(t)).await?;
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| *h.as_bytes()).collect();
        write(out, &tile::tile_path(t), &bytes)?;
    }
    Ok((c.size, tiles.len()))
}

/// An export's checkpoint note, as read (not verified).
pub fn read_checkpoint_bytes(dir: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(dir.join("checkpoint"))
        .with_context(|| format!("{} has no checkpoint: is it a concord export?", dir.display()))
}

/// How many entry bundles a log of `size` entries has.
pub fn bundles(size: u64) -> u64 {
    size.div_ceil(u64::from(FULL_WIDTH))
}

/// The entries of bundle `n` of an export of a log of `size` entries, with their leaf hashes
/// computed here (nothing in the export is trusted).
pub fn read_bundle(dir: &Path, n: u64, size: u64) -> anyhow::Result<Vec<StoredEntry>> {
    let full = u64::from(FULL_WIDTH);
    let width = (size - n * full).min(full);
    let rel = tile::entries_path(n, width as u16);
    let bytes = std::fs::read(dir.join(&rel)).with_context(|| format!("the export lacks {rel}"))?;
    let entries: Vec<StoredEntry> = tile::decode_entry_bundle(&bytes)
        .with_context(|| format!("{rel} is not an entry bundle"))?
        .into_iter()
        .zip(n * full..)
        .map(|(b, seq)| StoredEntry { seq, bytes: b.to_vec(), leaf_hash: concord_ledger::leaf_hash(b) })
        .collect();
    if entries.len() as u64 != width {
        bail!("{rel} holds {} entries, not {width}", entries.len());
    }
    Ok(entries)
}
