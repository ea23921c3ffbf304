//! Which messages a notice becomes: one in the reader's web inbox, one per e-mail contact of the
//! reader (at once, or held for the contact's daily digest), one per live webhook subscription.

use concord_core::notice::Notice;
use concord_core::{Actor, Reader};
use concord_store::{Channel, Contact, NewMessage, Subscription};
use jiff::Timestamp;

/// The hour of the morning, in the contact's own zone, at which a daily digest goes out.
const DIGEST_HOUR: i8 = 8;

/// The account kind a reader's messages are kept under (the public's: observers').
#[must_use]
pub fn actor_of(reader: Reader) -> Actor {
    match reader {
        Reader::Secretariat => Actor::Secretariat,
        Reader::Member(c) => Actor::Member(c),
        Reader::Partner(c) => Actor::Partner(c),
        Reader::Public => Actor::Observer,
    }
}

/// The reader an account reads as.
#[must_use]
pub fn reader_of(actor: Actor) -> Reader {
    Reader::of(Some(actor))
}

/// The messages `notice` becomes at `now`.
pub(super) fn messages(
    notice: &Notice,
    contacts: &[Contact],
    subscriptions: &[Subscription],
    now: Timestamp,
) -> Vec<NewMessage> {
    let recipient = actor_of(notice.to);
    let body = serde_json::to_string(notice).expect("a notice serialises");
    let message = |channel, id: String, destination: String, not_before| NewMessage {
        id,
        channel,
        recipient,
        destination,
        body: body.clone(),
        created_at: now,
        not_before,
    };
    let mut out = vec![message(Channel::Web, format!("{}/web", notice.id), String::new(), now)];
    for c in contacts.iter().filter(|c| c.recipient == recipient) {
        let when = if c.digest && !notice.pressing { next_digest(now, &c.time_zone) } else { now };
        out.push(message(Channel::Email, format!("{}/email:{}", notice.id, c.email), c.email.clone(), when));
    }
    for s in subscriptions.iter().filter(|s| s.recipient == recipient && s.disabled_at.is_none()) {
        out.push(message(Channel::Webhook, format!("{}/webhook:{}", notice.id, s.id), s.id.clone(), now));
    }
    out
}

/// The next [`DIGEST_HOUR`] o'clock in `zone` after `now` (UTC when the zone is unknown).
fn next_digest(now: Timestamp, zone: &str) -> Timestamp {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = now.to_zoned(tz);
    let today = local.date().at(DIGEST_HOUR, 0, 0, 0).to_zoned(local.time_zone().clone());
    let next = match today {
        Ok(t) if t.timestamp() > now => Ok(t),
        _ => (local.date() + jiff::Span::new().days(1)).at(DIGEST_HOUR, 0, 0, 0).to_zoned(local.time_zone().clone()),
    };
    next.map_or(now, |t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_goes_out_at_eight_in_the_contacts_own_zone() {
        let now: Timestamp = "2026-12-05T10:00:00Z".parse().unwrap();
        assert_eq!(next_digest(now, "Europe/Paris"), "2026-12-06T07:00:00Z".parse().unwrap());
        assert_eq!(next_digest(now, "America/New_York"), "2026-12-05T13:00:00Z".parse().unwrap());
        assert_eq!(next_digest(now, "Nowhere/Else"), "2026-12-06T08:00:00Z".parse().unwrap());
    }
}
