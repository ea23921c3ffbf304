//! Snapshot files: the published state written to a folder in the background, and read back at
//! start-up so that only the entries after the newest are replayed (`concord_log::snapshot` has
//! the format and `concord_log::load_from` the checks that decide whether one is used).
//!
//! Files are named by the log size they fold (`snapshot-<size>`), written to a temporary name,
//! synced and renamed, so a crash leaves either the old file or the new one; the newest
//! [`KEEP`] are kept. A snapshot is this server's cache, not part of the record: a lost, damaged
//! or foreign file costs a full replay, never a wrong state.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use concord_log::{Loaded, snapshot};
use tokio::sync::watch;

/// Snapshot files kept: the newest and the one before, in case the newest is damaged.
pub const KEEP: usize = 2;

/// Where snapshots go, and how often.
#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    pub dir: PathBuf,
    /// A snapshot is written once the log has grown by this many entries since the last one…
    pub every_entries: u64,
    /// …or after this long, if it has grown at all.
    pub every: Duration,
}

impl SnapshotConfig {
    /// Every 100,000 entries or 10 minutes.
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, every_entries: 100_000, every: Duration::from_secs(600) }
    }
}

const PREFIX: &str = "snapshot-";

/// The snapshot files in `dir`, newest (largest size) first.
fn files(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
        Ok(entries) => {
            for e in entries {
                let e = e?;
                let size = e.file_name().to_str().and_then(|n| n.strip_prefix(PREFIX)).and_then(|n| n.parse().ok());
                if let Some(size) = size {
                    out.push((size, e.path()));
                }
            }
        }
    }
    out.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    Ok(out)
}

/// The snapshots in `dir` that read back, newest first, read one at a time as the caller asks
/// (each may be large). One that does not read back is logged and skipped.
pub fn read(dir: &Path) -> impl Iterator<Item = Loaded> + use<> {
    let found = files(dir).unwrap_or_else(|e| {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot list the snapshots; replaying the whole log");
        Vec::new()
    });
    found.into_iter().filter_map(|(_, path)| match snapshot::read(&path) {
        Ok(loaded) => Some(loaded),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "passing over a snapshot that does not read back");
            None
        }
    })
}

/// Writes `loaded` as a snapshot in `dir` (durably: synced, renamed, the folder synced), then
/// removes all but the newest [`KEEP`].
pub fn write(dir: &Path, loaded: &Loaded) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{PREFIX}{}", loaded.size));
    let tmp = dir.join(format!(".{PREFIX}{}.tmp", loaded.size));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        snapshot::encode(loaded, &mut f).map_err(std::io::Error::other)?;
        f.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()?;
    for (_, old) in files(dir)?.into_iter().skip(KEEP) {
        std::fs::remove_file(old)?;
    }
    Ok(path)
}

/// Writes a snapshot of the published state whenever the log has grown enough (or for long
/// enough) since `saved`, the size of the last one. Encoding and writing run on a blocking
/// thread, from the shared published state: neither the sequencer nor a reader waits for them.
pub fn start(
    config: SnapshotConfig,
    mut published: watch::Receiver<Arc<Loaded>>,
    mut saved: u64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut since = tokio::time::Instant::now();
        // The first check runs at once: a start that replayed a long log saves it straight away.
        let mut first = true;
        loop {
            if !std::mem::take(&mut first) {
                let wait = config.every.saturating_sub(since.elapsed());
                let changed = tokio::time::timeout(wait, published.changed()).await;
                if matches!(changed, Ok(Err(_))) {
                    return; // the sequencer stopped
                }
            }
            let latest = published.borrow().clone();
            let grown = latest.size.saturating_sub(saved);
            if grown == 0 || (grown < config.every_entries && since.elapsed() < config.every) {
                continue;
            }
            let dir = config.dir.clone();
            let size = latest.size;
            match tokio::task::spawn_blocking(move || write(&dir, &latest)).await {
                Ok(Ok(path)) => tracing::info!(file = %path.display(), size, "snapshot written"),
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot write a snapshot; the next start replays more"),
                Err(e) => tracing::warn!(error = %e, "the snapshot writer failed"),
            }
            saved = size;
            since = tokio::time::Instant::now();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_listed_newest_first_and_only_the_newest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), &Loaded::empty()).unwrap();
        for size in [3, 10, 7] {
            std::fs::copy(&first, dir.path().join(format!("snapshot-{size}"))).unwrap();
        }
        write(dir.path(), &Loaded::empty()).unwrap();
        let sizes: Vec<u64> = files(dir.path()).unwrap().into_iter().map(|(s, _)| s).collect();
        assert_eq!(sizes, [10, 7]);
        std::fs::write(dir.path().join("snapshot-10"), b"concord-snapshot 4\n{}\n{}\n{}\nnot a checksum").unwrap();
        assert_eq!(read(dir.path()).count(), 1, "the damaged newest is passed over");
        assert_eq!(read(&dir.path().join("absent")).count(), 0);
    }
}
