//! Signed positions: the statement a member delegation signs with its own key, so that anyone can
//! check, with any signed-note tool (c2sp.org/signed-note), that the member took that position on
//! that text — whatever the server's operator does.
//!
//! The statement is the text of a signed note by the key named `<origin>/member/<alpha-3>`:
//!
//! ```text
//! concord/position/v1
//! origin alliance.example/concord
//! member FRA
//! proposal 4
//! revision 1
//! text-sha256 3b1f…(64 hex)
//! stance object
//! statement-sha256 9c0e…(64 hex, or - when the position has no text)
//! time 2026-11-25T18:00:00Z
//!
//! — alliance.example/concord/member/FRA base64(key id || Ed25519 signature)
//! ```
//!
//! The first line separates these notes from every other kind (checkpoints, other tools'); every
//! line names what it binds, so a note for another log, member, proposal, revision, text or
//! stance is refused, and its time (RFC 3339 in UTC, with as many fractional digits as it needs)
//! — which must increase from one signed position of a member on a proposal to the next —
//! refuses a replayed note. Checked with `verify_strict` only.

use jiff::Timestamp;

use crate::{CountryCode, ProposalId, Stance};

/// The statement's first line.
pub const POSITION_HEADER: &str = "concord/position/v1";

/// The name of a member delegation's key in a log of this origin.
#[must_use]
pub fn member_key_name(origin: &str, member: CountryCode) -> String {
    format!("{origin}/member/{member}")
}

/// What a member signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionStatement {
    pub origin: String,
    pub member: CountryCode,
    pub proposal: ProposalId,
    pub revision: u32,
    /// Lower-case hex SHA-256 of the revision's text.
    pub text_hash: String,
    pub stance: Stance,
    /// Lower-case hex SHA-256 of the position's own text (a reservation, an amendment), if any.
    pub statement_hash: Option<String>,
    pub time: Timestamp,
}

/// Why a statement's text is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a concord/position/v1 statement: {0}")]
pub struct StatementError(pub String);

impl PositionStatement {
    /// The note text, ending in a newline.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!(
            "{POSITION_HEADER}\norigin {}\nmember {}\nproposal {}\nrevision {}\ntext-sha256 {}\nstance {}\nstatement-sha256 {}\ntime {}\n",
            self.origin,
            self.member,
            self.proposal,
            self.revision,
            self.text_hash,
            self.stance.words().replace(' ', "_"),
            self.statement_hash.as_deref().unwrap_or("-"),
            self.time,
        )
    }

    /// Parses a note text strictly: exactly these lines, in this order, nothing else.
    pub fn parse(text: &str) -> Result<Self, StatementError> {
        let bad = |s: &str| StatementError(s.to_owned());
        let body = text.strip_suffix('\n').ok_or_else(|| bad("it does not end in a newline"))?;
        // A note's text has no control characters but newlines (c2sp.org/signed-note), so a
        // statement with one could never be signed; the origin is the only free-form field.
        if let Some(i) = body.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(StatementError(format!("control character {:#04x} at byte {i}", body.as_bytes()[i])));
        }
        let mut lines = body.split('\n');
        if lines.next() != Some(POSITION_HEADER) {
            return Err(bad("the first line is not concord/position/v1"));
        }
        let mut field = |name: &str| -> Result<String, StatementError> {
            let line = lines.next().ok_or_else(|| bad(&format!("no {name} line")))?;
            line.strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .filter(|v| !v.is_empty() && !v.contains(' '))
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("expected a {name} line, found {line:?}")))
        };
        let hex64 = |v: String, what: &str| {
            if v.len() == 64 && v.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                Ok(v)
            } else {
                Err(bad(&format!("{what} is not 64 lower-case hex digits")))
            }
        };
        let origin = field("origin")?;
        let member = CountryCode::parse(&field("member")?).map_err(|e| bad(&e.to_string()))?;
        let proposal = field("proposal")?;
        let proposal = ProposalId(proposal.parse().map_err(|_| bad("proposal is not a number"))?);
        let revision = field("revision")?.parse().map_err(|_| bad("revision is not a number"))?;
        let text_hash = hex64(field("text-sha256")?, "text-sha256")?;
        let stance = field("stance")?;
        let stance: Stance = serde_plain_stance(&stance).ok_or_else(|| bad("unknown stance"))?;
        let statement = field("statement-sha256")?;
        let statement_hash = if statement == "-" { None } else { Some(hex64(statement, "statement-sha256")?) };
        let time: Timestamp = field("time")?.parse().map_err(|_| bad("time is not RFC 3339"))?;
        if lines.next().is_some() {
            return Err(bad("it has lines after time"));
        }
        let s = Self { origin, member, proposal, revision, text_hash, stance, statement_hash, time };
        // One spelling only: the text must be exactly what `to_text` writes.
        if s.to_text() != text {
            return Err(bad(
                "it is not in canonical form (numbers without leading zeros, time in UTC as RFC 3339 writes it)",
            ));
        }
        Ok(s)
    }
}

fn serde_plain_stance(s: &str) -> Option<Stance> {
    <Stance as crate::words::Word>::VALUES.iter().copied().find(|x| x.words().replace(' ', "_") == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> PositionStatement {
        PositionStatement {
            origin: "alliance.example/concord".into(),
            member: CountryCode::parse("FRA").unwrap(),
            proposal: ProposalId(4),
            revision: 1,
            text_hash: "ab".repeat(32),
            stance: Stance::ConcurWithReservation,
            statement_hash: Some("cd".repeat(32)),
            time: "2026-11-25T18:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn statements_round_trip_in_one_spelling() {
        let s = statement();
        let text = s.to_text();
        assert!(text.starts_with("concord/position/v1\norigin alliance.example/concord\nmember FRA\n"));
        assert!(text.contains("\nstance concur_with_reservation\n"));
        assert_eq!(PositionStatement::parse(&text), Ok(s.clone()));
        let none = PositionStatement { statement_hash: None, ..s };
        assert!(none.to_text().contains("statement-sha256 -\n"));
        assert_eq!(PositionStatement::parse(&none.to_text()), Ok(none));
    }

    #[test]
    fn the_published_golden_position_note_is_a_statement_in_this_format() {
        let note = include_str!("../../ledger/testdata/golden/position.note");
        let vkey = include_str!("../../ledger/testdata/golden/member.vkey").trim();
        let key = concord_ledger::keys::Verifier::parse(vkey).unwrap();
        let opened = concord_ledger::note::open(note.as_bytes(), &[key]).unwrap();
        let s = PositionStatement::parse(opened.text()).unwrap();
        assert_eq!((s.member.as_str(), s.proposal, s.stance), ("FRA", ProposalId(1), Stance::Concur));
        assert_eq!(s.text_hash, crate::text_hash("There are no plans for alliance combat troops on the ground."));
        assert_eq!(member_key_name(&s.origin, s.member), "concord.example/log/member/FRA");
    }

    #[test]
    fn sub_second_times_are_kept() {
        let s = PositionStatement { time: "2026-11-25T18:00:00.123456789Z".parse().unwrap(), ..statement() };
        assert!(s.to_text().contains("time 2026-11-25T18:00:00.123456789Z\n"));
        assert_eq!(PositionStatement::parse(&s.to_text()), Ok(s));
    }

    #[test]
    fn anything_else_is_refused() {
        let text = statement().to_text();
        for bad in [
            text.replace("concord/position/v1", "concord/position/v2"),
            text.replace("proposal 4", "proposal 04"),
            text.replace("member FRA", "member fra"),
            text.replace("stance concur_with_reservation", "stance veto"),
            text.replace("T18:00:00Z", "T18:00:00.50Z"),
            text.replace("T18:00:00Z", "T19:00:00+01:00"),
            text.trim_end().to_owned(),
            format!("{text}extra line\n"),
            text.replace("\nrevision 1", ""),
            text.replace(&"ab".repeat(32), &"AB".repeat(32)),
        ] {
            assert!(PositionStatement::parse(&bad).is_err(), "accepted {bad:?}");
        }
    }

    // Found by the fuzz target `position_statement`: NULs in the origin parsed, and the
    // statement then could not be signed.
    #[test]
    fn a_control_character_is_refused_as_no_note_can_carry_it() {
        let text = statement().to_text();
        for c in ['\0', '\r', '\t', '\u{1b}'] {
            let bad = text.replacen("alliance", &format!("alli{c}ance"), 1);
            assert_ne!(bad, text);
            let err = PositionStatement::parse(&bad).unwrap_err();
            assert!(err.0.contains("control character"), "{err}");
        }
    }
}
