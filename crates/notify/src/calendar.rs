//! Deadlines as an iCalendar feed (RFC 5545), which a delegation subscribes to at a secret URL
//! (`/calendar/<token>.ics`) so that every open deadline sits in its own calendar and moves when
//! the secretariat extends or curtails it.
//!
//! One `VEVENT` per open procedure the reader may read (for a delegation: one it is an elector
//! of). Its `UID` names the proposal and the round (`proposal-7-1764579600@concord.example`), and
//! its `SEQUENCE` counts the changes of the round's deadline or text
//! ([`concord_core::Circulation::changes`]): a calendar that polls the feed replaces the event
//! it holds with the higher sequence. A procedure that closes drops out of the feed, and calendar
//! applications remove an event a subscribed feed no longer has.
//!
//! The event is a 15-minute block that ends at the deadline, not a zero-length instant: several
//! applications draw an instant as a hairline, or not at all in a week view, and a deadline
//! nobody sees is no use. Its transparency is `TRANSPARENT`, so that it does not mark the reader
//! busy. No alarm: reminders come as notices on the deployment's ladder, and applications
//! commonly ignore alarms in subscribed feeds anyway.
//!
//! Written by hand rather than with the `icalendar` crate: that crate takes chrono dates where
//! the workspace uses jiff, and needs a newer Rust than the workspace's; the feed uses a dozen
//! properties, and the two rules that need care — TEXT escaping and folding lines at 75 octets
//! with CRLF — are a few lines each, checked by the tests and by Python's `icalendar` parser.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use concord_core::{Procedure, Reader, State};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// How long before the deadline the event starts.
const BLOCK: SignedDuration = SignedDuration::from_mins(15);

/// How often a subscribed calendar should fetch the feed again (RFC 7986 `REFRESH-INTERVAL`, and
/// the older `X-PUBLISHED-TTL` some applications read instead).
const REFRESH: &str = "PT1H";

/// The feed `reader` subscribes to, as of `now` (its `DTSTAMP`): one event per open procedure it
/// may read and, for a delegation, of which it is an elector. Links go under `base_url`; event
/// ids end in `@origin` (the deployment's host name), so that they are unique across
/// deployments.
#[must_use]
pub fn feed(state: &State, reader: Reader, now: Timestamp, base_url: &str, origin: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let mut ics = Ical::default();
    ics.line("BEGIN", "VCALENDAR");
    ics.line("VERSION", "2.0");
    ics.line("PRODID", "-//Concord//Notices//EN");
    ics.line("CALSCALE", "GREGORIAN");
    ics.line("METHOD", "PUBLISH");
    ics.text("X-WR-CALNAME", &format!("Concord deadlines ({reader})"));
    ics.line("REFRESH-INTERVAL;VALUE=DURATION", REFRESH);
    ics.line("X-PUBLISHED-TTL", REFRESH);
    let cleared = state.cleared(reader);
    for p in state.proposals.values().filter(|p| p.status.is_open()) {
        if let Reader::Member(code) = cleared
            && !p.is_elector(code)
        {
            continue;
        }
        let Some(view) = state.proposal_for(reader, p) else { continue };
        let Some(c) = view.circulation.as_ref() else { continue };
        let title = &view.current().title;
        let link = format!("{base}/proposals/{}", view.id);
        let (summary, ends) = match c.procedure {
            Procedure::Silence => (format!("Silence ends: {title}"), "Silence ends"),
            Procedure::ConsensusRound => (format!("Consensus round closes: {title}"), "The round closes"),
            Procedure::Vote => (format!("Vote closes: {title}"), "The vote closes"),
        };
        let description = format!(
            "{} on {} (#{}, revision {}). {ends} {}.\nOpen: {link}",
            match c.procedure {
                Procedure::Silence => "Silence procedure",
                Procedure::ConsensusRound => "Consensus round",
                Procedure::Vote => "Vote",
            },
            view.kind,
            view.id,
            c.revision,
            utc_words(c.deadline),
        );
        ics.line("BEGIN", "VEVENT");
        ics.line("UID", &format!("proposal-{}-{}@{origin}", view.id, c.opened_at.as_second()));
        ics.line("SEQUENCE", &c.changes.to_string());
        ics.line("DTSTAMP", &utc(now));
        ics.line("DTSTART", &utc(c.deadline - BLOCK));
        ics.line("DTEND", &utc(c.deadline));
        ics.text("SUMMARY", &summary);
        ics.text("DESCRIPTION", &description);
        ics.line("URL", &link);
        ics.line("STATUS", "CONFIRMED");
        ics.line("TRANSP", "TRANSPARENT");
        ics.line("END", "VEVENT");
    }
    ics.line("END", "VCALENDAR");
    ics.0
}

/// A new feed token: 32 bytes from `rng`, base64url without padding (43 characters, safe in a
/// URL path). The URL carries it; the store keeps only [`token_hash`].
pub fn new_feed_token<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a feed token, which the store keeps and looks a request's token up by: a leaked
/// copy of the store does not give away the feeds' URLs.
#[must_use]
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// `20261205T170000Z`: a DATE-TIME in UTC (form #2 of RFC 5545 §3.3.5), which needs no
/// `VTIMEZONE`.
fn utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn utc_words(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// An iCalendar object being written: content lines folded at 75 octets, ended by CRLF.
#[derive(Debug, Default)]
struct Ical(String);

impl Ical {
    /// `name:value`, with `value` already in its type's syntax.
    fn line(&mut self, name: &str, value: &str) {
        fold(&format!("{name}:{value}"), &mut self.0);
    }

    /// `name:text`, escaped as a TEXT value.
    fn text(&mut self, name: &str, text: &str) {
        self.line(name, &escape_text(text));
    }
}

/// `text` as a TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, a line
/// break as `\n`; other control characters, which TEXT does not allow, dropped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` to `out`, folded (RFC 5545 §3.1): no physical line longer than 75 octets
/// without its CRLF, each continuation starting with a space, never splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    const MAX: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > MAX {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let summary = format!("SUMMARY:{}", "Ä".repeat(60));
        fold(&summary, &mut out);
        assert!(out.ends_with("\r\n"));
        let physical: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 1, "{out:?}");
        assert!(physical.iter().all(|l| l.len() <= 75), "{physical:?}");
        assert!(physical[1..].iter().all(|l| l.starts_with(' ')));
        let unfolded: String = physical.iter().enumerate().map(|(i, l)| if i == 0 { *l } else { &l[1..] }).collect();
        assert_eq!(unfolded, summary);
        let mut short = String::new();
        fold("VERSION:2.0", &mut short);
        assert_eq!(short, "VERSION:2.0\r\n");
    }

    #[test]
    fn text_values_escape_their_delimiters() {
        assert_eq!(escape_text("a, b; c\\d\ne\u{7}"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn tokens_are_random_urlsafe_and_hashed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let a = new_feed_token(&mut rng);
        let b = new_feed_token(&mut rng);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
        assert_eq!(token_hash(&a), token_hash(&a.clone()));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(
            token_hash("abc"),
            // SHA-256("abc"), FIPS 180-2 appendix B.1.
            [
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0,
                0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad
            ]
        );
    }
}
