//! The notifier: turns the notices the domain computes (`concord_core::notice`) into messages in
//! the store's outbox, and delivers them by e-mail and webhook (`concord_notify`); the web's
//! notices are the messages of the `web` channel, read in place.
//!
//! Two tasks. [`queue`] follows the log: it reads the entries after the store's notice cursor,
//! asks the domain which notices each causes, and writes their messages and the new cursor in
//! one transaction, so a crash between an entry's commit and its notices only delays them (the
//! cursor has not moved; the next pass computes the same ids, and an id already queued is
//! skipped). It also queues the reminders due now, which need no entry: their ids are stable, so
//! computing them again after a restart repeats none. [`deliver`] sends what is due, at least
//! once, with the message id as the receiver's de-duplication key, retrying with backoff and
//! giving up after [`concord_notify::webhook::GIVE_UP_AFTER`] attempts.
//!
//! This is the transactional outbox by log tailing rather than a write in the entry's own
//! transaction: the log is the one source of truth, and the sequencer's hot path stays free of
//! mail and webhook concerns, at the same guarantee (nothing lost, nothing repeated by id).

mod deliver;
mod queue;
mod route;
mod web_message;

use std::path::PathBuf;
use std::sync::Arc;

use concord_core::notice::Ladder;

use crate::AppState;

pub use route::{actor_of, reader_of};
pub use web_message::{DeliveryWord, WebMessage};

/// How a deployment reaches its readers.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// When reminders go out before a deadline.
    pub ladder: Ladder,
    /// Where links in mails and feeds point: the site's address, without a trailing slash.
    pub base_url: String,
    /// E-mail, if any.
    pub mail: Option<MailConfig>,
    /// A webhook subscriber is disabled after this many failed deliveries in a row.
    pub disable_after: u32,
    /// The longest either task waits before looking again, whatever woke it or not.
    pub poll: std::time::Duration,
}

impl NotifyConfig {
    /// The default ladder, no mail, links under `base_url`, a subscriber disabled after ten
    /// failures in a row, a look every five seconds.
    #[must_use]
    pub fn new(base_url: &str) -> Self {
        Self {
            ladder: Ladder::default(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            mail: None,
            disable_after: 10,
            poll: std::time::Duration::from_secs(5),
        }
    }
}

/// How mail leaves.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The sender, `Concord <concord@alliance.example>`.
    pub from: String,
    pub transport: MailTransport,
}

/// An SMTP server, or a folder of `.eml` files (the demo's, when no server is set).
#[derive(Debug, Clone)]
pub enum MailTransport {
    Smtp(String),
    Folder(PathBuf),
}

/// Starts the notifier's two tasks on `state`.
///
/// # Errors
/// The mail settings cannot be used (an SMTP URL that does not parse, a sender that is no
/// address).
pub fn start(state: AppState, config: NotifyConfig) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let mailer = match &config.mail {
        None => None,
        Some(m) => Some(deliver::Mail::new(m, &config.base_url)?),
    };
    let config = Arc::new(config);
    let wake = Arc::new(tokio::sync::Notify::new());
    let queue = tokio::spawn(queue::run(state.clone(), config.clone(), wake.clone()));
    let deliver = tokio::spawn(deliver::run(state, config, mailer, wake));
    Ok(vec![queue, deliver])
}
