//! Server configuration: a TOML file, overridden by `CONCORD_*` environment variables, overridden
//! by command-line flags.
//!
//! ```toml
//! addr = "127.0.0.1:8080"
//! database = "/var/lib/concord/concord.db"
//! metrics_addr = "127.0.0.1:9464"
//! snapshot_dir = "/var/lib/concord/snapshots"
//! max_connections = 768
//! header_timeout = "10s"
//! idle_timeout = "60s"
//! request_timeout = "30s"
//! max_requests_per_connection = 1000
//! public_exports = false
//! base_url = "https://concord.alliance.example"
//! smtp_url = "smtp://mail.alliance.example:587"
//! mail_from = "Concord <concord@alliance.example>"
//! reminders = "72h,24h,2h"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_server::serving::Limits;
use jiff::SignedDuration;
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
    /// For a new log: the shortest silence procedure allowed without a stated urgency (e.g.
    /// "24h", the default; "0s": none). Fixed in the log's first entry, like
    /// `unsigned_positions`.
    pub min_silence: Option<SignedDuration>,
    /// Witnesses to ask to cosign each checkpoint, each `URL=VERIFIER_KEY` (the witness's
    /// cosigning key, type 0x04).
    #[serde(default)]
    pub witnesses: Vec<String>,
    /// Where to serve `/metrics` (not on `addr`); none: not served.
    pub metrics_addr: Option<SocketAddr>,
    /// Where snapshots of the state are kept, so that a start replays only the entries after
    /// the newest. Default: `<database>.snapshots` beside a SQLite file; none on PostgreSQL.
    pub snapshot_dir: Option<PathBuf>,
    /// Connections served at once; default: as many as the open-file limit allows.
    pub max_connections: Option<usize>,
    /// A request head must arrive within this (e.g. "10s"); also how long an idle kept-alive
    /// connection stays open.
    pub header_timeout: Option<SignedDuration>,
    /// A connection with no byte moving either way for this long is closed.
    pub idle_timeout: Option<SignedDuration>,
    /// A request not answered within this is answered 503.
    pub request_timeout: Option<SignedDuration>,
    /// Requests one kept-alive connection may carry.
    pub max_requests_per_connection: Option<u32>,
    /// Lets anyone, signed in or not, fetch the exports under `/exports/` (the IATI activity
    /// file, pledges and deliveries as CSV and JSON), as an IATI publisher's file must be for the
    /// IATI Registry to link it. Default: only callers who may read support data.
    #[serde(default)]
    pub public_exports: bool,
    /// The site's address as readers reach it, for links in mails, webhooks and calendar feeds.
    /// Default: `http://<addr>`.
    pub base_url: Option<String>,
    /// The SMTP server notices are mailed through (`smtp://host:587`, STARTTLS where the server
    /// offers it; `smtps://host:465`). None: no mail is sent (web notices and webhooks still are).
    pub smtp_url: Option<String>,
    /// Instead of an SMTP server, write each mail as an `.eml` file in this folder (the demo's).
    pub mail_folder: Option<PathBuf>,
    /// The sender of notices by mail.
    pub mail_from: Option<String>,
    /// When reminders go out to delegations that have taken no position, before each deadline.
    /// Default: `72h,24h,2h`; empty: none.
    pub reminders: Option<String>,
}

fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: default_addr(),
            database: None,
            log_key: None,
            unsigned_positions: false,
            min_silence: None,
            witnesses: Vec::new(),
            metrics_addr: None,
            snapshot_dir: None,
            max_connections: None,
            header_timeout: None,
            idle_timeout: None,
            request_timeout: None,
            max_requests_per_connection: None,
            public_exports: false,
            base_url: None,
            smtp_url: None,
            mail_folder: None,
            mail_from: None,
            reminders: None,
        }
    }
}

/// The minimum silence of a new log when the deployment names none.
pub const DEFAULT_MIN_SILENCE: SignedDuration = SignedDuration::from_hours(24);

impl Config {
    /// The minimum silence a new log records: the configured one, a day by default, none for
    /// "0s".
    #[must_use]
    pub fn min_silence(&self) -> Option<SignedDuration> {
        Some(self.min_silence.unwrap_or(DEFAULT_MIN_SILENCE)).filter(|d| d.is_positive())
    }

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
                "CONCORD_MIN_SILENCE" => config.min_silence = Some(duration(&k, &v)?),
                "CONCORD_METRICS_ADDR" => {
                    config.metrics_addr = Some(v.parse().with_context(|| {
                        format!("CONCORD_METRICS_ADDR={v:?} is not an address like 127.0.0.1:9464")
                    })?);
                }
                "CONCORD_SNAPSHOT_DIR" => config.snapshot_dir = Some(PathBuf::from(v)),
                "CONCORD_MAX_CONNECTIONS" => {
                    config.max_connections =
                        Some(v.parse().with_context(|| format!("CONCORD_MAX_CONNECTIONS={v:?} is not a number"))?);
                }
                "CONCORD_MAX_REQUESTS_PER_CONNECTION" => {
                    config.max_requests_per_connection = Some(
                        v.parse()
                            .with_context(|| format!("CONCORD_MAX_REQUESTS_PER_CONNECTION={v:?} is not a number"))?,
                    );
                }
                "CONCORD_PUBLIC_EXPORTS" => {
                    config.public_exports =
                        v.parse().with_context(|| format!("CONCORD_PUBLIC_EXPORTS={v:?} is not true or false"))?;
                }
                "CONCORD_BASE_URL" => config.base_url = Some(v),
                "CONCORD_SMTP_URL" => config.smtp_url = Some(v),
                "CONCORD_MAIL_FOLDER" => config.mail_folder = Some(PathBuf::from(v)),
                "CONCORD_MAIL_FROM" => config.mail_from = Some(v),
                "CONCORD_REMINDERS" => config.reminders = Some(v),
                "CONCORD_HEADER_TIMEOUT" => config.header_timeout = Some(duration(&k, &v)?),
                "CONCORD_IDLE_TIMEOUT" => config.idle_timeout = Some(duration(&k, &v)?),
                "CONCORD_REQUEST_TIMEOUT" => config.request_timeout = Some(duration(&k, &v)?),
                k if k.starts_with("CONCORD_") && !KNOWN_CLIENT_VARS.contains(&k) => {
                    bail!(
                        "unknown setting {k}: the server reads CONCORD_ADDR, CONCORD_DATABASE, CONCORD_LOG_KEY, CONCORD_UNSIGNED_POSITIONS, CONCORD_MIN_SILENCE, CONCORD_WITNESSES, CONCORD_METRICS_ADDR, CONCORD_SNAPSHOT_DIR, CONCORD_MAX_CONNECTIONS, CONCORD_HEADER_TIMEOUT, CONCORD_IDLE_TIMEOUT, CONCORD_REQUEST_TIMEOUT, CONCORD_MAX_REQUESTS_PER_CONNECTION, CONCORD_PUBLIC_EXPORTS, CONCORD_BASE_URL, CONCORD_SMTP_URL, CONCORD_MAIL_FOLDER, CONCORD_MAIL_FROM and CONCORD_REMINDERS"
                    )
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

impl Config {
    /// How this deployment tells its readers what concerns them.
    pub fn notices(&self) -> anyhow::Result<concord_server::notifier::NotifyConfig> {
        use concord_server::notifier::{MailConfig, MailTransport, NotifyConfig};
        let ladder = match &self.reminders {
            None => concord_core::notice::Ladder::default(),
            Some(r) => r.parse().with_context(|| format!("reminders = {r:?}"))?,
        };
        let transport = match (&self.smtp_url, &self.mail_folder) {
            (Some(_), Some(_)) => bail!("set smtp_url or mail_folder, not both"),
            (Some(url), None) => Some(MailTransport::Smtp(url.clone())),
            (None, Some(dir)) => Some(MailTransport::Folder(dir.clone())),
            (None, None) => None,
        };
        let mail = transport.map(|transport| MailConfig {
            from: self.mail_from.clone().unwrap_or_else(|| "Concord <concord@localhost>".into()),
            transport,
        });
        let base_url = self.base_url.clone().unwrap_or_else(|| format!("http://{}", self.addr));
        Ok(NotifyConfig { ladder, mail, ..NotifyConfig::new(&base_url) })
    }
}

/// Parses a duration setting such as `10s` or `1m 30s`.
fn duration(name: &str, value: &str) -> anyhow::Result<SignedDuration> {
    value.parse().with_context(|| format!("{name}={value:?} is not a duration like 10s or 1m 30s"))
}

impl Config {
    /// The connection limits these settings ask for, with `max_connections` as given or, if
    /// not, as many as `descriptors` (the open-file limit) allow. Refuses a cap that does not
    /// fit the limit, and durations that are not positive.
    pub fn limits(&self, descriptors: u64) -> anyhow::Result<Limits> {
        let d = Limits::default();
        let positive = |what: &str, v: Option<SignedDuration>, default| match v {
            None => Ok(default),
            Some(v) if v.is_positive() => Ok(std::time::Duration::try_from(v)?),
            Some(v) => bail!("{what} must be more than zero; got {v:#}"),
        };
        let fit = Limits::connections_for(descriptors);
        let limits = Limits {
            header_read_timeout: positive("header_timeout", self.header_timeout, d.header_read_timeout)?,
            idle_timeout: positive("idle_timeout", self.idle_timeout, d.idle_timeout)?,
            request_timeout: positive("request_timeout", self.request_timeout, d.request_timeout)?,
            max_connections: self.max_connections.unwrap_or(fit),
            max_requests_per_connection: self.max_requests_per_connection.unwrap_or(d.max_requests_per_connection),
        };
        if limits.max_connections == 0 || limits.max_requests_per_connection == 0 {
            bail!("max_connections and max_requests_per_connection must be at least 1");
        }
        if limits.descriptors_needed() > descriptors {
            bail!(
                "max_connections {} needs {} open files, but the limit is {descriptors}: lower it to {fit} or raise the limit (LimitNOFILE= in the systemd unit, ulimit -n)",
                limits.max_connections,
                limits.descriptors_needed(),
            );
        }
        Ok(limits)
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
    fn connection_limits_come_from_the_file_the_environment_and_the_descriptor_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("concord.toml");
        std::fs::write(&file, "header_timeout = \"5s\"\nmax_connections = 100\nmetrics_addr = \"127.0.0.1:9464\"\n")
            .unwrap();
        let c =
            Config::load(Some(&file), env(&[("CONCORD_IDLE_TIMEOUT", "1m 30s"), ("CONCORD_MAX_CONNECTIONS", "64")]))
                .unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9464".parse().unwrap()));
        let l = c.limits(1024).unwrap();
        assert_eq!(l.header_read_timeout, std::time::Duration::from_secs(5));
        assert_eq!(l.idle_timeout, std::time::Duration::from_secs(90));
        assert_eq!(l.request_timeout, Limits::default().request_timeout);
        assert_eq!(l.max_connections, 64, "the environment overrides the file");
        // Unset: sized from the descriptor limit.
        assert_eq!(Config::default().limits(4096).unwrap().max_connections, Limits::connections_for(4096));
        // A cap the limit cannot hold, or a zero duration, is refused with the reason.
        let big = Config { max_connections: Some(5000), ..Config::default() };
        assert!(format!("{:#}", big.limits(1024).unwrap_err()).contains("LimitNOFILE"));
        let zero = Config { request_timeout: Some(SignedDuration::ZERO), ..Config::default() };
        assert!(format!("{:#}", zero.limits(1024).unwrap_err()).contains("request_timeout"));
        let e = Config::load(None, env(&[("CONCORD_HEADER_TIMEOUT", "soon")])).unwrap_err();
        assert!(format!("{e:#}").contains("CONCORD_HEADER_TIMEOUT"));
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
