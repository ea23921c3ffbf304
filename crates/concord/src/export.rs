//! `concord export`: the log as a static mirror in the c2sp.org/tlog-tiles layout — the signed
//! checkpoint with its cosignatures, every hash tile and every entry bundle (the entries'
//! public envelopes), the log's verifier key, and the sealed parts the chosen audience may read
//! — enough for `concord verify --export DIR` (or any tlog-tiles client) to check the whole log
//! with no server. The tiles are the same for every audience; only `parts/` differs.
//!
//! ```text
//! DIR/checkpoint            the signed checkpoint (note), cosignature lines appended
//! DIR/log.vkey              the log's verifier key, from the log's first entry
//! DIR/audience              who the export is for: all, members, delegation:<A3>, partner:<A3>
//!                           or public
//! DIR/tile/<L>/<N>[.p/<W>]  hash tiles
//! DIR/tile/entries/<N>[.p/<W>]  entry bundles (each envelope: u16 big-endian length, bytes)
//! DIR/parts/<N>.json        the sealed parts of bundle N this audience may read:
//!                           [{"seq":…,"salt":"<hex>","content":"<canonical JSON>"}, …]
//! ```

use crate::terminal::outln;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_core::Reader;
use concord_ledger::edge::{TreeEdge, check_stored};
use concord_ledger::tile::{self, FULL_WIDTH};
use concord_ledger::{Hash, leaf_hash};
use concord_store::StoredEntry;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to export: a SQLite file or a `postgres://` URL.
    #[arg(long)]
    db: PathBuf,
    /// The folder to write (it must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// Who the mirror is for: `all` (every sealed part: a full copy, what `concord import`
    /// needs), `members` (what any member delegation may read), `delegation:<A3>` (what that
    /// member's delegation may read: the business of the bodies it sits in too), `partner:<A3>`
    /// (the business of the bodies it takes part in too) or `public`.
    #[arg(long, default_value = "all")]
    audience: Audience,
}

/// Who an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    All,
    Members,
    /// One member's delegation.
    Delegation(concord_core::CountryCode),
    Partner(concord_core::CountryCode),
    Public,
}

impl std::str::FromStr for Audience {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Self::All),
            "members" => Ok(Self::Members),
            "public" => Ok(Self::Public),
            _ => {
                let code = |prefix: &str| s.strip_prefix(prefix).and_then(|c| concord_core::CountryCode::parse(c).ok());
                code("delegation:").map(Self::Delegation).or_else(|| code("partner:").map(Self::Partner)).ok_or_else(
                    || {
                        format!(
                            "{s:?} is not an audience: say all, members, delegation:<A3 code>, partner:<A3 code> or public"
                        )
                    },
                )
            }
        }
    }
}

impl std::fmt::Display for Audience {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Members => f.write_str("members"),
            Self::Delegation(c) => write!(f, "delegation:{c}"),
            Self::Partner(c) => write!(f, "partner:{c}"),
            Self::Public => f.write_str("public"),
        }
    }
}

impl Audience {
    /// The reader the access rule is asked about. Outside the bodies the rule reads no member's
    /// code (every member delegation reads the same), so the members' export asks as the log's
    /// first member, and keeps of a body's entries only what the public may read
    /// ([`public_in_bodies`]): a body's deliberation is for its own members, not every member.
    fn reader(self, state: &concord_core::State) -> anyhow::Result<Option<Reader>> {
        Ok(match self {
            Self::All => None,
            Self::Members => {
                let first = state.members.keys().next().context("the log has no members to export for")?;
                Some(Reader::Member(*first))
            }
            Self::Delegation(c) => {
                anyhow::ensure!(
                    state.cleared(Reader::Member(c)) == Reader::Member(c),
                    "{c} is not a member of the log: an export for its delegation would carry nothing of a member's"
                );
                Some(Reader::Member(c))
            }
            Self::Partner(c) => Some(Reader::Partner(c)),
            Self::Public => Some(Reader::Public),
        })
    }
}

/// Withholds from `entries` the part of every entry of a body (its envelope names one) that the
/// public may not read: what an export for every member may carry of a body's business.
fn public_in_bodies(loaded: &concord_log::Loaded, entries: &mut [concord_store::StoredEntry]) {
    let mut public = entries.to_vec();
    loaded.redact(Reader::Public, &mut public);
    for (e, p) in entries.iter_mut().zip(public) {
        if concord_core::record::decode(&e.bytes).is_ok_and(|envelope| envelope.body.is_some()) {
            e.part = p.part;
        }
    }
}

/// One sealed part in an export's `parts/<N>.json`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PartFile {
    seq: u64,
    salt: String,
    content: String,
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
    // The checkpoint first: the state loaded after it covers every entry it signs, even while a
    // server appends (a part beyond the state would be withheld from every audience).
    let checkpoint = store.latest_checkpoint().await?.context("the database holds no checkpoint")?;
    // The access rule reads the state; the fold is checked as it is built (a log that does not
    // replay is not exported for anyone).
    let loaded = if args.audience == Audience::All { None } else { Some(concord_log::load(store.as_ref()).await?) };
    let reader = match &loaded {
        Some(l) => args.audience.reader(&l.state)?,
        None => None,
    };
    std::fs::create_dir_all(&args.out)?;
    let every_member = args.audience == Audience::Members;
    let redact = loaded.as_ref().zip(reader);
    let written = write_export(store.as_ref(), &checkpoint, &args.out, redact, every_member).await;
    if written.is_err() {
        // Half a mirror must not pass for one.
        let _ = std::fs::remove_dir_all(&args.out);
    }
    let (size, tiles, parts) = written?;
    write(&args.out, "audience", format!("{}\n", args.audience).as_bytes())?;
    outln!(
        "exported {size} entries ({parts} sealed parts for {}), {tiles} tiles and the checkpoint at size {size} to {}",
        args.audience,
        args.out.display()
    );
    Ok(())
}

/// Writes the export of checkpoint `c` into `out`, with the sealed parts `redact` (the
/// fold and the reader to ask the access rule about; none: every part) lets through, and of a
/// body's entries only their public parts for `every_member`; returns its size, how many tiles
/// and how many parts. The tiles are copies of the stored tree hashes, so
/// each of those is first compared with the tree recomputed from the entries: a mirror must not
/// carry a tile its entries contradict.
async fn write_export(
    store: &dyn concord_store::Store,
    c: &concord_store::Checkpoint,
    out: &Path,
    redact: Option<(&concord_log::Loaded, Reader)>,
    every_member: bool,
) -> anyhow::Result<(u64, usize, u64)> {
    let mut note = c.note.clone();
    for co in store.cosignatures(c.size).await? {
        note.push_str(&co.line);
        note.push('\n');
    }
    write(out, "checkpoint", note.as_bytes())?;

    let refuse = "the database's Merkle tree does not match its entries, nothing exported (see `concord verify --db`)";
    let mut tree = TreeEdge::default();
    let mut part_count = 0;
    let full = u64::from(FULL_WIDTH);
    for n in 0..c.size.div_ceil(full) {
        let width = (c.size - n * full).min(full);
        let mut entries = store.entries(n * full, width).await?;
        anyhow::ensure!(entries.len() as u64 == width, "the database stops before entry {}", n * full + width);
        if n == 0 {
            let (first, _) = concord_core::record::check_and_open(concord_core::record::genesis(), &entries[..1])?;
            if let concord_core::Event::LogCreated { log_key, .. } = &first[0].event {
                write(out, "log.vkey", format!("{log_key}\n").as_bytes())?;
            }
        }
        if let Some((loaded, reader)) = redact {
            loaded.redact(reader, &mut entries);
            if every_member {
                public_in_bodies(loaded, &mut entries);
            }
        }
        let parts = entries
            .iter()
            .filter_map(|e| {
                let (salt, content) = concord_core::record::split_part(e.part.as_deref()?)?;
                Some(PartFile { seq: e.seq, salt, content })
            })
            .collect::<Vec<_>>();
        part_count += parts.len() as u64;
        write(out, &format!("parts/{n}.json"), &serde_json::to_vec(&parts)?)?;
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
    Ok((c.size, tiles.len(), part_count))
}

/// Who an export says it is for (its `audience` file), if it says.
pub fn read_audience(dir: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(dir.join("audience")) {
        Ok(s) => Ok(Some(s.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.join("audience").display())),
    }
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
/// computed here (nothing in the export is trusted) and the sealed parts the export holds.
pub fn read_bundle(dir: &Path, n: u64, size: u64) -> anyhow::Result<Vec<StoredEntry>> {
    let full = u64::from(FULL_WIDTH);
    let width = (size - n * full).min(full);
    let rel = tile::entries_path(n, width as u16);
    let bytes = std::fs::read(dir.join(&rel)).with_context(|| format!("the export lacks {rel}"))?;
    let mut entries: Vec<StoredEntry> = tile::decode_entry_bundle(&bytes)
        .with_context(|| format!("{rel} is not an entry bundle"))?
        .into_iter()
        .zip(n * full..)
        .map(|(b, seq)| StoredEntry { seq, bytes: b.to_vec(), leaf_hash: concord_ledger::leaf_hash(b), part: None })
        .collect();
    if entries.len() as u64 != width {
        bail!("{rel} holds {} entries, not {width}", entries.len());
    }
    let rel = format!("parts/{n}.json");
    let parts: Vec<PartFile> = match std::fs::read(dir.join(&rel)) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("{rel} is not a list of sealed parts"))?,
        // A mirror of the public tiles alone: every part withheld.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {rel}")),
    };
    for p in parts {
        let entry = p
            .seq
            .checked_sub(n * full)
            .and_then(|i| entries.get_mut(usize::try_from(i).ok()?))
            .with_context(|| format!("{rel} holds a part for entry {}, outside its bundle", p.seq))?;
        let part = concord_core::record::join_part(&p.salt, &p.content).with_context(|| {
            format!("{rel}: entry {}'s salt is not {} bytes of hex", p.seq, concord_core::record::SALT_LEN)
        })?;
        entry.part = Some(part);
    }
    Ok(entries)
}

/// Looks up, in the export at `dir` (of a log of `size` entries), every earlier entry that the
/// publications `verifier` has been fed name, and checks each publication against it.
pub fn settle(dir: &Path, size: u64, verifier: &mut concord_verify::LogVerifier) -> anyhow::Result<()> {
    for entry in verifier.unsettled() {
        let bundle = read_bundle(dir, entry / u64::from(FULL_WIDTH), size)?;
        verifier.settle(&bundle)?;
    }
    Ok(())
}
