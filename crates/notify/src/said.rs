//! What a notice says, in words: one rendering that the mail's plain-text and HTML parts (and a
//! digest's entries) are both written from, so that the two never say different things.

use concord_core::notice::{Notice, What};
use concord_core::{Outcome, Procedure};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The recipient's time zone, with the name it is shown by (`Europe/Paris`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Zone<'a> {
    pub tz: &'a TimeZone,
    pub name: &'a str,
}

/// A notice in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Said {
    /// What and by when, for a subject line.
    pub subject: String,
    /// One sentence: what happened, or what the reader is asked to do.
    pub headline: String,
    /// Label and value, each shown on its own line.
    pub facts: Vec<(&'static str, String)>,
    pub link: String,
}

/// `Thu 5 Dec 17:00 UTC`: short enough for a subject line.
pub(crate) fn short_utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC).strftime("%a %-d %b %H:%M UTC").to_string()
}

/// `2026-12-05 17:00:00 UTC (18:00:00 CET, Europe/Paris)`; the zone's date too when it is not
/// the same day there. A delegation reads deadlines against its capital's clock, and a
/// procedure's rules against UTC: both are shown so that neither has to convert.
pub(crate) fn utc_and_zoned(t: Timestamp, zone: Zone<'_>) -> String {
    let utc = t.to_zoned(TimeZone::UTC);
    let there = t.to_zoned(zone.tz.clone());
    let utc_text = utc.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
    if there.offset() == utc.offset() && zone.name.eq_ignore_ascii_case("UTC") {
        return utc_text;
    }
    let local = if there.date() == utc.date() {
        there.strftime("%H:%M:%S %Z").to_string()
    } else {
        there.strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
    };
    format!("{utc_text} ({local}, {})", zone.name)
}

fn outcome_words(o: Outcome) -> &'static str {
    match o {
        Outcome::Adopted => "Adopted",
        Outcome::AdoptedWithReservations => "Adopted with reservations",
        Outcome::Blocked => "Blocked",
        Outcome::NotAdopted => "Not adopted",
    }
}

/// What `notice` says, its deadline shown in `zone` as well as UTC, linking under `base_url`.
pub(crate) fn said(notice: &Notice, zone: Zone<'_>, base_url: &str) -> Said {
    let link = crate::link(notice, base_url);
    let proposal = |id: &dyn std::fmt::Display, title: &str| ("Proposal", format!("#{id} {title}"));
    let (subject, headline, facts) = match &notice.what {
        What::Circulated { proposal: id, title, kind, procedure, revision, restarted, deadline } => {
            let (subject, ends, headline) = match (procedure, restarted) {
                (Procedure::Silence, false) => (
                    format!("Silence ends {}: {title}", short_utc(*deadline)),
                    "Silence ends",
                    format!(
                        "This {kind} is circulated under the silence procedure: it is adopted at the deadline unless a delegation breaks silence before it."
                    ),
                ),
                (Procedure::Silence, true) => (
                    format!("Revised text, silence ends {}: {title}", short_utc(*deadline)),
                    "Silence ends",
                    format!(
                        "A revised text (revision {revision}) was circulated and the silence starts over: a position on an earlier text no longer counts."
                    ),
                ),
                (Procedure::ConsensusRound, false) => (
                    format!("Consensus round closes {}: {title}", short_utc(*deadline)),
                    "Round closes",
                    format!(
                        "This {kind} is circulated for a consensus round: it is adopted only if every delegation concurs or opts out before the deadline."
                    ),
                ),
                (Procedure::Vote, false) => (
                    format!("Vote closes {}: {title}", short_utc(*deadline)),
                    "Vote closes",
                    format!(
                        "This {kind} is put to a vote: the body's rule counts the votes once every delegation has voted or at the deadline."
                    ),
                ),
                (Procedure::Vote, true) => (
                    format!("Revised text, vote closes {}: {title}", short_utc(*deadline)),
                    "Vote closes",
                    format!(
                        "A revised text (revision {revision}) was put to the vote again: a vote on an earlier text no longer counts."
                    ),
                ),
                (Procedure::ConsensusRound, true) => (
                    format!("Revised text, consensus round closes {}: {title}", short_utc(*deadline)),
                    "Round closes",
                    format!(
                        "A revised text (revision {revision}) was circulated and the round starts over: a position on an earlier text no longer counts."
                    ),
                ),
            };
            let facts = vec![
                proposal(id, title),
                ("Procedure", procedure.to_string()),
                ("Revision", revision.to_string()),
                (ends, utc_and_zoned(*deadline, zone)),
            ];
            (subject, headline, facts)
        }
        What::DeadlineMoved { proposal: id, title, deadline } => (
            format!("Deadline moved to {}: {title}", short_utc(*deadline)),
            "The secretariat moved the deadline.".to_owned(),
            vec![proposal(id, title), ("New deadline", utc_and_zoned(*deadline, zone))],
        ),
        What::Reminder { proposal: id, title, procedure, deadline } => {
            let headline = match procedure {
                Procedure::Silence => {
                    "Your delegation has taken no position yet. Under silence, saying nothing lets the text be adopted at the deadline."
                }
                Procedure::ConsensusRound => {
                    "Your delegation has taken no position yet. The round adopts the text only if every delegation concurs or opts out before the deadline."
                }
                Procedure::Vote => {
                    "Your delegation has not voted yet. A delegation that does not vote before the deadline takes no part in the vote."
                }
            };
            (
                format!("Reminder: no position yet on {title}, deadline {}", short_utc(*deadline)),
                headline.to_owned(),
                vec![
                    proposal(id, title),
                    ("Procedure", procedure.to_string()),
                    ("Deadline", utc_and_zoned(*deadline, zone)),
                ],
            )
        }
        What::NoPositions { proposal: id, title, deadline } => (
            format!("No positions yet, deadline {}: {title}", short_utc(*deadline)),
            "No delegation has taken a position, and the deadline is a day away.".to_owned(),
            vec![proposal(id, title), ("Deadline", utc_and_zoned(*deadline, zone))],
        ),
        What::SilenceBroken { proposal: id, title, by, stance } => (
            format!("Silence broken by {by}: {title}"),
            format!("{by} broke silence ({stance}): the text will not be adopted by silence."),
            vec![proposal(id, title), ("By", by.to_string()), ("Stance", stance.to_string())],
        ),
        What::ActedByProxy { proposal: id, title, proxy, stance } => (
            format!("{proxy} acted for you: {title}"),
            format!(
                "{proxy}, acting as your proxy, took your position ({stance}). While the procedure is open, a position your delegation takes itself replaces it."
            ),
            vec![proposal(id, title), ("Proxy", proxy.to_string()), ("Stance", stance.to_string())],
        ),
        What::Decided { proposal: id, title, outcome } => (
            format!("{}: {title}", outcome_words(*outcome)),
            format!("The procedure ended: {}.", outcome_words(*outcome).to_lowercase()),
            vec![proposal(id, title), ("Outcome", outcome_words(*outcome).to_owned())],
        ),
        What::Withdrawn { proposal: id, title } => (
            format!("Withdrawn: {title}"),
            "The secretariat withdrew the proposal; its procedure is closed.".to_owned(),
            vec![proposal(id, title)],
        ),
        What::CoverageChanged { request, description, requested, pledged, delivered, status } => (
            format!("Coverage changed: {description}"),
            "What is pledged and delivered against your request changed.".to_owned(),
            vec![
                ("Request", format!("#{request} {description}")),
                ("Requested", requested.to_string()),
                ("Pledged", pledged.to_string()),
                ("Delivered", delivered.to_string()),
                ("Status", status.to_string()),
            ],
        ),
        What::DeliveryToConfirm { delivery, pledge, item, quantity } => (
            format!("Delivery to confirm: {quantity} \u{d7} {item}"),
            "A delivery to you was recorded. Please confirm its receipt.".to_owned(),
            vec![
                ("Delivery", format!("#{delivery} (pledge #{pledge})")),
                ("Item", item.clone()),
                ("Quantity", quantity.to_string()),
            ],
        ),
    };
    Said { subject, headline, facts, link }
}

/// `s` safe inside HTML text and double- or single-quoted attribute values.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn deadlines_read_in_utc_and_in_the_zone() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        let t = ts("2026-12-05T17:00:00Z");
        assert_eq!(
            utc_and_zoned(t, Zone { tz: &paris, name: "Europe/Paris" }),
            "2026-12-05 17:00:00 UTC (18:00:00 CET, Europe/Paris)"
        );
        assert_eq!(
            utc_and_zoned(ts("2026-12-05T02:30:00Z"), Zone { tz: &ny, name: "America/New_York" }),
            "2026-12-05 02:30:00 UTC (2026-12-04 21:30:00 EST, America/New_York)"
        );
        assert_eq!(utc_and_zoned(t, Zone { tz: &TimeZone::UTC, name: "UTC" }), "2026-12-05 17:00:00 UTC");
        assert_eq!(short_utc(t), "Sat 5 Dec 17:00 UTC");
    }

    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
