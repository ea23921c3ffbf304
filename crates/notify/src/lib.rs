//! Concord's delivery channels for notices ([`concord_core::notice`]): how a notice the domain
//! computed reaches a delegation that is not looking at the site.
//!
//! - [`email`]: one mail per notice, or a digest of several, as plain text and HTML, with the
//!   deadline in UTC and in the recipient's time zone; sent over SMTP (STARTTLS where the relay
//!   offers it, or implicit TLS) or written as `.eml` files to a folder (the demo).
//! - [`webhook`]: a JSON body POSTed to a subscriber's URL, signed as the Standard Webhooks
//!   specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with the
//!   specification's retry schedule ([`webhook::backoff`]).
//! - [`calendar`]: an RFC 5545 feed per reader at a secret URL, one event per open deadline,
//!   which calendar applications poll and update when a deadline moves.
//!
//! Delivery is at least once. Whoever calls these channels (the server's notifier, from its
//! durable outbox) may send the same notice again after a crash or a failed attempt; every
//! channel therefore carries the notice's stable id ([`concord_core::notice::Notice::id`]) as the
//! key a receiver de-duplicates by: the mail's `X-Concord-Notice` header and `Message-ID`, the
//! webhook's `webhook-id`, the calendar event's `UID` (per proposal and round, not per notice).
//!
//! A notice never carries a proposal's text: titles, kinds, deadlines, outcomes and a link
//! ([`link`]) to the page, which the reader opens under its own rights.
//!
//! This crate has no store and no server: it renders and sends, and the caller decides what,
//! when and how often. Time and randomness come in as arguments.

#![forbid(unsafe_code)]

pub mod calendar;
pub mod email;
mod said;
pub mod webhook;

use concord_core::Reader;
use concord_core::notice::{Notice, What};

/// The page a notice is about, under `base_url` (`https://concord.example`, no trailing slash
/// needed): the proposal's page, or for a partner the support page's requests or deliveries.
#[must_use]
pub fn link(notice: &Notice, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let support = |anchor: &str| match notice.to {
        Reader::Partner(code) => format!("{base}/support?partner={code}#{anchor}"),
        _ => format!("{base}/support#{anchor}"),
    };
    match &notice.what {
        What::CoverageChanged { .. } => support("requests"),
        What::DeliveryToConfirm { .. } => support("deliveries"),
        what => what.proposal().map_or_else(|| format!("{base}/"), |p| format!("{base}/proposals/{p}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::support::{DeliveryId, PledgeId};
    use concord_core::{CountryCode, ProposalId};

    fn notice(to: Reader, what: What) -> Notice {
        Notice { id: "e1-x".into(), to, at: "2026-12-01T09:00:00Z".parse().unwrap(), pressing: false, what }
    }

    #[test]
    fn links_go_to_the_page_a_notice_is_about() {
        let ukr = Reader::Partner(CountryCode::parse("UKR").unwrap());
        let withdrawn = What::Withdrawn { proposal: ProposalId(7), title: "T".into() };
        assert_eq!(
            link(&notice(Reader::Secretariat, withdrawn), "https://c.example/"),
            "https://c.example/proposals/7"
        );
        let delivery = What::DeliveryToConfirm {
            delivery: DeliveryId::new(3).unwrap(),
            pledge: PledgeId::new(2).unwrap(),
            item: "fuel".into(),
            quantity: 5,
        };
        assert_eq!(
            link(&notice(ukr, delivery), "https://c.example"),
            "https://c.example/support?partner=UKR#deliveries"
        );
    }
}
