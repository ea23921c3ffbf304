//! Operational rows for reaching the delegations: the notification outbox and its cursor over the
//! log, webhook subscriptions, e-mail contacts and calendar feeds. None of it is alliance state:
//! notices are computed from the log, and these rows only record where they went.

use concord_core::Actor;
use jiff::Timestamp;

use crate::StoreError;
use crate::columns::corrupt;

/// Names stored as text, one per variant, read back strictly.
macro_rules! stored_names {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            /// The name as stored.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Reads a stored name.
            pub fn parse(s: &str) -> Result<Self, StoreError> {
                match s {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(corrupt(stringify!($name), format_args!("unknown {s:?}"))),
                }
            }
        }
    };
}

stored_names!(
    /// How a message is delivered.
    Channel { Email = "email", Webhook = "webhook", Web = "web" }
);
stored_names!(
    /// Where a message stands: pending until delivered, or failed after its last try.
    MessageState { Pending = "pending", Delivered = "delivered", Failed = "failed" }
);

/// A message to queue in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Stable id: the notice's id and the destination, e.g.
    /// `n-41-member:FRA/email:ops@fr.example`; the receiver de-duplicates by it. An id already
    /// stored is skipped, so a notice is queued at most once.
    pub id: String,
    pub channel: Channel,
    /// Who it is for (whose rights bound what it may say).
    pub recipient: Actor,
    /// Where: an e-mail address, a subscription id, or "" for the web.
    pub destination: String,
    /// The rendered notice, JSON text.
    pub body: String,
    pub created_at: Timestamp,
    /// The first attempt is not before this (e-mail digests wait for their hour).
    pub not_before: Timestamp,
}

/// A message in the outbox, with its delivery so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub channel: Channel,
    pub recipient: Actor,
    pub destination: String,
    pub body: String,
    pub created_at: Timestamp,
    pub attempts: u32,
    /// When a pending message is next due.
    pub next_attempt_at: Timestamp,
    pub state: MessageState,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

impl From<NewMessage> for Message {
    /// The message as first stored: pending, untried, due at `not_before`.
    fn from(m: NewMessage) -> Self {
        Message {
            id: m.id,
            channel: m.channel,
            recipient: m.recipient,
            destination: m.destination,
            body: m.body,
            created_at: m.created_at,
            attempts: 0,
            next_attempt_at: m.not_before,
            state: MessageState::Pending,
            last_error: None,
            delivered_at: None,
        }
    }
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        at: Timestamp,
    },
    /// Failed this time; try again at `next_attempt_at`.
    Retry {
        at: Timestamp,
        error: String,
        next_attempt_at: Timestamp,
    },
    /// Failed for the last time: the message is not tried again.
    Failed {
        at: Timestamp,
        error: String,
    },
}

/// Which messages to list or count; `None` matches any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub recipient: Option<Actor>,
    pub channel: Option<Channel>,
    pub state: Option<MessageState>,
}

impl MessageFilter {
    /// Whether `m` is one of the messages this filter selects.
    #[must_use]
    pub fn matches(&self, m: &Message) -> bool {
        self.recipient.is_none_or(|r| r == m.recipient)
            && self.channel.is_none_or(|c| c == m.channel)
            && self.state.is_none_or(|s| s == m.state)
    }
}

/// A new webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub id: String,
    /// Whose notices it receives.
    pub recipient: Actor,
    pub url: String,
    /// The signing secret, `whsec_<base64>` (Standard Webhooks). Kept as is: signing needs it.
    pub secret: String,
    pub created_at: Timestamp,
}

/// A webhook subscription with its delivery health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub recipient: Actor,
    pub url: String,
    pub secret: String,
    pub created_at: Timestamp,
    /// Consecutive failed deliveries.
    pub failures: u32,
    /// Set when `failures` reached the deployment's limit: nothing is sent until re-enabled.
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
}

/// A calendar feed: the SHA-256 of its secret token (the token itself is never stored, and
/// cannot be recovered from it), and whose deadlines it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub hash: [u8; 32],
    pub recipient: Actor,
    pub created_at: Timestamp,
}

/// Where a recipient's e-mail goes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub recipient: Actor,
    pub email: String,
    /// An IANA time zone name, for the deadlines' local time.
    pub time_zone: String,
    /// One mail per day, except deadlines within 24 h.
    pub digest: bool,
}

/// The notification rows a store keeps beside the log: the outbox and the log size up to which
/// notices were queued, webhook subscriptions, e-mail contacts and calendar feeds.
#[async_trait::async_trait]
pub trait Notifications: Send + Sync {
    /// The log size up to which notices have been queued (0 on a new store).
    async fn notice_cursor(&self) -> Result<u64, StoreError>;
    /// In one durable transaction: stores `messages` (skipping ids already stored, whatever
    /// their state) and, when `cursor` is `Some((expected, to))`, moves the notice cursor from
    /// `expected` to `to` (`Conflict` if it is not at `expected`, and then nothing is stored).
    /// Returns how many messages were new.
    async fn enqueue(&self, cursor: Option<(u64, u64)>, messages: &[NewMessage]) -> Result<usize, StoreError>;
    /// Pending messages whose next attempt is due at `now` (`next_attempt_at <= now`), oldest
    /// first (`created_at`, then id), at most `limit`; never the web's, which are read in place
    /// (pending there is unread), not delivered.
    async fn due_messages(&self, now: jiff::Timestamp, limit: u64) -> Result<Vec<Message>, StoreError>;
    /// Records an attempt on a pending message: attempts + 1; `Delivered` makes it delivered at
    /// `at`; `Retry` keeps it pending with `last_error` until `next_attempt_at`; `Failed` makes it
    /// failed with `last_error`, for good. `false` if no pending message has this id (a second
    /// record of a delivery changes nothing).
    async fn record_attempt(&self, id: &str, attempt: &Attempt) -> Result<bool, StoreError>;
    /// The messages `filter` selects, newest first (`created_at` descending, then id), skipping
    /// `offset`, at most `limit`.
    async fn messages(&self, filter: &MessageFilter, offset: u64, limit: u64) -> Result<Vec<Message>, StoreError>;
    /// How many messages `filter` selects.
    async fn count_messages(&self, filter: &MessageFilter) -> Result<u64, StoreError>;
    /// Marks `recipient`'s pending web messages delivered (read) at `at`, and only those;
    /// returns how many.
    async fn mark_read(&self, recipient: &Actor, at: jiff::Timestamp) -> Result<u64, StoreError>;

    /// Stores a new webhook subscription; an id already taken is refused (`Other`).
    async fn create_subscription(&self, subscription: &NewSubscription) -> Result<(), StoreError>;
    /// Every subscription, oldest first (`created_at`, then id).
    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;
    /// Deletes a subscription; `false` if there is none.
    async fn delete_subscription(&self, id: &str) -> Result<bool, StoreError>;
    /// Records a delivery to the subscription, in one atomic step: success resets `failures`
    /// to 0; failure adds 1 and, when that reaches `disable_after` on an enabled subscription,
    /// disables it at `at` for `error`. Returns the subscription as it now stands (`None`:
    /// unknown).
    async fn record_subscription_result(
        &self,
        id: &str,
        ok: bool,
        at: jiff::Timestamp,
        error: Option<&str>,
        disable_after: u32,
    ) -> Result<Option<Subscription>, StoreError>;
    /// Enables a disabled subscription again, its failures at 0; `false` if there is none or it
    /// was not disabled.
    async fn enable_subscription(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a contact, replacing the one with the same recipient and address.
    async fn set_contact(&self, contact: &Contact) -> Result<(), StoreError>;
    /// Every contact, by recipient (role, then country code) and address.
    async fn contacts(&self) -> Result<Vec<Contact>, StoreError>;
    /// Deletes a contact; `false` if there is none.
    async fn delete_contact(&self, recipient: &Actor, email: &str) -> Result<bool, StoreError>;

    /// Stores a calendar feed: the SHA-256 of its secret URL token and whose feed it is. A hash
    /// is stored once (`Other`).
    async fn create_feed(
        &self,
        hash: &[u8; 32],
        recipient: &Actor,
        created_at: jiff::Timestamp,
    ) -> Result<(), StoreError>;
    /// Whose feed the token with this hash opens.
    async fn find_feed(&self, hash: &[u8; 32]) -> Result<Option<Actor>, StoreError>;
    /// Every calendar feed, oldest first.
    async fn feeds(&self) -> Result<Vec<Feed>, StoreError>;
    /// Revokes a feed: its address opens nothing any more. `false` if there is none.
    async fn delete_feed(&self, hash: &[u8; 32]) -> Result<bool, StoreError>;
}
