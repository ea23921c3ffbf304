//! Server configuration: a TOML file, overridden by `CONCORD_*` environment variables, overridden
//! by command-line flags.
//!
//! ```toml
//! addr = "127.0.0.1:8080"
//! database = "/var/lib/concord/concord.db"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The settings `concord serve` needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    #[serde(default = "default_addr")]
    pub addr: SocketAddr,
    /// The SQLite database file, or a `postgres://` URL.
    pub database: Option<PathBuf>,
    /// The log's private key file (`concord keygen --name <origin>`); its name is the origin.
    pub log_key: Option<PathBuf>,
    /// For a new log: whether member positions may be recorded unsigned. Fixed in the log's
    /// first entry; later changes of this setting do not change an existing log.
    #[serde(default)]
    pub unsigned_positions: bool,
    /// Witnesses to ask to cosign each checkpoint, each `URL=VERIFIER_KEY` (the witness's
    /// cosigning key, type 0x04).
    #[serde(default)]
    pub witnesses: Vec<String>,
}

fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

impl Default for Config {
    fn default() -> Self {
        Self { addr: default_addr(), database: None, log_key: None, unsigned_positions: false, witnesses: Vec::new() }
    }
}

impl Config {
    /// Reads the file (if any), then applies `env` (name, value) pairs.
    pub fn load(file: Option<&Path>, env: impl Iterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("the config file {} is not valid", path.display()))?
            }
            None => Self::default(),
        };
        for (k, v) in env {
            match k.as_str() {
                "CONCORD_ADDR" => {
                    config.addr = v
                        .parse()
                        .with_context(|| format!("CONCORD_ADDR={v:?} is not an address like 127.0.0.1:8080"))?;
                }
                "CONCORD_DATABASE" | "CONCORD_DB" | "CONCORD_DATABASE_URL" => config.database = Some(PathBuf::from(v)),
                "CONCORD_LOG_KEY" => config.log_key = Some(PathBuf::from(v)),
                "CONCORD_WITNESSES" => {
                    config.witnesses = v.split(',').map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect()
                }
                "CONCORD_UNSIGNED_POSITIONS" => {
                    config.unsigned_positions =
                        v.parse().with_context(|| format!("CONCORD_UNSIGNED_POSITIONS={v:?} is not true or false"))?;
                }
                k if k.starts_with("CONCORD_") && !KNOWN_CLIENT_VARS.contains(&k) => {
                    bail!(
                        "unknown setting {k}: the server reads CONCORD_ADDR, CONCORD_DATABASE, CONCORD_LOG_KEY, CONCORD_UNSIGNED_POSITIONS and CONCORD_WITNESSES"
                    )
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

/// Parses a witness setting, `URL=VERIFIER_KEY`.
pub fn witness(setting: &str) -> anyhow::Result<concord_server::witnesses::WitnessConfig> {
    let (url, key) = setting.split_once('=').with_context(|| format!("witness {setting:?} is not URL=VERIFIER_KEY"))?;
    let key =
        concord_ledger::keys::Verifier::parse(key).with_context(|| format!("witness {url}: not a verifier key"))?;
    if key.algorithm() != concord_ledger::keys::Algorithm::CosignatureV1 {
        bail!("witness {url}: {key} is not a cosigning key (type 0x04)");
    }
    if !url.starts_with("http://") && !url.starts_with("https://") {
        bail!("witness {url}: the URL must start with http:// or https://");
    }
    Ok(concord_server::witnesses::WitnessConfig { url: url.to_owned(), key })
}

/// Variables the client commands read; the server ignores them.
const KNOWN_CLIENT_VARS: &[&str] = &["CONCORD_SERVER", "CONCORD_TOKEN"];

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("concord.toml");
        std::fs::write(&file, "addr = \"127.0.0.1:9000\"\ndatabase = \"/tmp/a.db\"\n").unwrap();
        let c = Config::load(Some(&file), env(&[("CONCORD_DATABASE", "/tmp/b.db"), ("PATH", "/bin")])).unwrap();
        assert_eq!(c.addr, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(c.database, Some(PathBuf::from("/tmp/b.db")));
    }

    #[test]
    fn bad_settings_are_named() {
        let e = Config::load(None, env(&[("CONCORD_ADDR", "nowhere")])).unwrap_err();
        assert!(format!("{e:#}").contains("CONCORD_ADDR"));
        let e = Config::load(None, env(&[("CONCORD_TYPO", "1")])).unwrap_err();
        assert!(format!("{e:#}").contains("CONCORD_TYPO"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "adr = 1\n").unwrap();
        assert!(Config::load(Some(&file), env(&[])).is_err());
    }
}
