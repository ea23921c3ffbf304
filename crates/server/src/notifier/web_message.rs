//! What a message of the `web` channel holds: a notice the domain computed from the log, or a
//! word about delivery itself (a webhook disabled), which no log entry caused. The API's inbox
//! and the web's notices page read both through this one type.

use concord_core::notice::Notice;
use serde::{Deserialize, Serialize};

/// The body of a web message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WebMessage {
    Notice(Notice),
    /// A subscription of the reader's stopped: it must act to be reached again.
    Delivery {
        notice: DeliveryWord,
        summary: String,
        subscription: String,
    },
}

/// The kinds of word about delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryWord {
    WebhookDisabled,
}

impl WebMessage {
    /// The message stored as `body`; `None` for a body no version of Concord wrote.
    #[must_use]
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str(body).ok()
    }

    /// One line a person reads.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Notice(n) => n.summary(),
            Self::Delivery { summary, .. } => summary.clone(),
        }
    }

    /// The page it links to.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            Self::Notice(n) => n.path(),
            Self::Delivery { .. } => "/notices".into(),
        }
    }

    /// Within a day of a deadline.
    #[must_use]
    pub fn pressing(&self) -> bool {
        matches!(self, Self::Notice(n) if n.pressing)
    }

    /// The notice, if it is one.
    #[must_use]
    pub fn into_notice(self) -> Option<Notice> {
        match self {
            Self::Notice(n) => Some(n),
            Self::Delivery { .. } => None,
        }
    }

    /// The JSON stored as the message's body.
    #[must_use]
    pub fn body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_word_reads_back_and_is_never_taken_for_a_notice() {
        let m = WebMessage::Delivery {
            notice: DeliveryWord::WebhookDisabled,
            summary: "Your webhook w1 was disabled.".into(),
            subscription: "w1".into(),
        };
        let back = WebMessage::parse(&m.body());
        assert_eq!(back, Some(m));
        assert_eq!(back.map(|m| m.path()), Some("/notices".to_owned()));
        assert_eq!(WebMessage::parse("{\"notice\":\"circulated\"}"), None, "half a notice is no message");
    }
}
