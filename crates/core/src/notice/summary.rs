//! What a notice says to a person, in one sentence, and the page it links to: the words every
//! channel (the web, mail, webhooks' readers) shares.

use jiff::Timestamp;

use super::{Notice, What};
use crate::{Outcome, Procedure};

impl Notice {
    /// What it says, in one sentence (times in UTC; each channel adds the reader's own zone).
    #[must_use]
    pub fn summary(&self) -> String {
        let utc = |t: &Timestamp| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
        match &self.what {
            What::Circulated { proposal, title, procedure, revision, restarted: false, deadline, .. } => format!(
                "Proposal {proposal}, \u{201c}{title}\u{201d} (revision {revision}), was circulated under {} procedure until {}.",
                procedure.words(),
                utc(deadline)
            ),
            What::Circulated { proposal, title, revision, deadline, .. } => format!(
                "Proposal {proposal}, \u{201c}{title}\u{201d}, was circulated again as revision {revision}: the procedure starts over and ends {}. Earlier positions no longer count.",
                utc(deadline)
            ),
            What::DeadlineMoved { proposal, title, deadline } => {
                format!("The deadline of proposal {proposal}, \u{201c}{title}\u{201d}, is now {}.", utc(deadline))
            }
            What::Reminder { proposal, title, procedure: Procedure::Silence, deadline } => format!(
                "Reminder: your delegation has taken no position on proposal {proposal}, \u{201c}{title}\u{201d}. Silence ends {}; saying nothing consents.",
                utc(deadline)
            ),
            What::Reminder { proposal, title, procedure: Procedure::Vote, deadline } => format!(
                "Reminder: your delegation has not voted on proposal {proposal}, \u{201c}{title}\u{201d}. The vote closes {}; a delegation that has not voted takes no part.",
                utc(deadline)
            ),
            What::Reminder { proposal, title, deadline, .. } => format!(
                "Reminder: your delegation has taken no position on proposal {proposal}, \u{201c}{title}\u{201d}. The consensus round closes {}; it needs your explicit consent.",
                utc(deadline)
            ),
            What::NoPositions { proposal, title, deadline } => format!(
                "No delegation has taken a position on proposal {proposal}, \u{201c}{title}\u{201d}, and its deadline is {}.",
                utc(deadline)
            ),
            What::SilenceBroken { proposal, title, by, stance } => {
                format!("{by} broke silence on proposal {proposal}, \u{201c}{title}\u{201d}: {}.", stance.words())
            }
            What::ActedByProxy { proposal, title, proxy, stance } => format!(
                "{proxy}, acting as your proxy, took your position on proposal {proposal}, \u{201c}{title}\u{201d}: {}. While the procedure is open, a position your delegation takes itself replaces it.",
                stance.words()
            ),
            What::Decided { proposal, title, outcome } => {
                let outcome = match outcome {
                    Outcome::Adopted => "adopted",
                    Outcome::AdoptedWithReservations => "adopted with reservations",
                    Outcome::Blocked => "blocked",
                    Outcome::NotAdopted => "not adopted",
                };
                format!("Proposal {proposal}, \u{201c}{title}\u{201d}, was {outcome}.")
            }
            What::Withdrawn { proposal, title } => {
                format!("The secretariat withdrew proposal {proposal}, \u{201c}{title}\u{201d}.")
            }
            What::CoverageChanged { request, description, requested, pledged, delivered, status } => format!(
                "Request {request} ({description}): {pledged} of {requested} pledged, {delivered} delivered; {}.",
                status.words()
            ),
            What::DeliveryToConfirm { delivery, item, quantity, .. } => {
                format!("Delivery {delivery} ({quantity} \u{d7} {item}) was recorded: please confirm its receipt.")
            }
        }
    }

    /// The page it is about, as a path under the site's address.
    #[must_use]
    pub fn path(&self) -> String {
        match &self.what {
            What::CoverageChanged { .. } => "/support/requests".into(),
            What::DeliveryToConfirm { .. } => "/".into(),
            other => other.proposal().map_or_else(|| "/".into(), |p| format!("/proposals/{p}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CountryCode, ProposalId, Reader};

    #[test]
    fn a_notice_reads_as_a_sentence_with_its_page() {
        let n = Notice {
            id: "r1-0-259200-member-FRA".into(),
            to: Reader::Member(CountryCode::parse("FRA").unwrap()),
            at: "2026-12-02T17:00:00Z".parse().unwrap(),
            pressing: false,
            what: What::Reminder {
                proposal: ProposalId(1),
                title: "Winter fuel".into(),
                procedure: Procedure::Silence,
                deadline: "2026-12-05T17:00:00Z".parse().unwrap(),
            },
        };
        assert_eq!(
            n.summary(),
            "Reminder: your delegation has taken no position on proposal 1, \u{201c}Winter fuel\u{201d}. Silence ends 2026-12-05 17:00:00 UTC; saying nothing consents."
        );
        assert_eq!(n.path(), "/proposals/1");
        let json = serde_json::to_value(&n).unwrap();
        assert_eq!(json["to"], "member:FRA");
        assert_eq!(json["notice"], "reminder");
        assert_eq!(serde_json::from_value::<Notice>(json).unwrap(), n);
    }
}
