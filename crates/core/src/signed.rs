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
//!
//! A member's authorisation of a proxy ([`ProxyStatement`], `concord/proxy/v1`) is signed the
//! same way, by the member's own key, so that a position taken by proxy in a log that requires
//! signatures proves the member's consent as well as the proxy's word:
//!
//! ```text
//! concord/proxy/v1
//! origin alliance.example/concord
//! body council
//! member FRA
//! proxy DEU
//! from 2026-11-26T00:00:00Z
//! until 2026-11-28T00:00:00Z
//! time 2026-11-25T18:00:00Z
//! ```

use jiff::Timestamp;

use crate::{BodyId, CountryCode, ProposalId, Stance};

/// The statement's first line.
pub const POSITION_HEADER: &str = "concord/position/v1";

/// The name of a member delegation's key in a log of this origin.
#[must_use]
pub fn member_key_name(origin: &str, member: CountryCode) -> String {
    format!("{origin}/member/{member}")
}

/// The name of a partner's key in a log of this origin: it signs the partner's positions in the
/// bodies it takes part in.
#[must_use]
pub fn partner_key_name(origin: &str, partner: CountryCode) -> String {
    format!("{origin}/partner/{partner}")
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
#[error("not a signed statement in its format: {0}")]
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
        let mut f = Fields::new(text, POSITION_HEADER)?;
        let origin = f.next("origin")?;
        let member = f.code("member")?;
        let proposal = ProposalId(f.next("proposal")?.parse().map_err(|_| f.bad("proposal is not a number"))?);
        let revision = f.next("revision")?.parse().map_err(|_| f.bad("revision is not a number"))?;
        let text_hash = f.hex64("text-sha256")?;
        let stance = serde_plain_stance(&f.next("stance")?).ok_or_else(|| f.bad("unknown stance"))?;
        let statement_hash = match f.next("statement-sha256")?.as_str() {
            "-" => None,
            v => Some(hex64(v.to_owned(), "statement-sha256")?),
        };
        let time = f.time("time")?;
        let s = Self { origin, member, proposal, revision, text_hash, stance, statement_hash, time };
        f.end(&s.to_text())?;
        Ok(s)
    }
}

/// The header of a member's signed authorisation of a proxy.
pub const PROXY_HEADER: &str = "concord/proxy/v1";

/// What a member signs to let `proxy` act for it in `body` from `from` until `until`; `time`
/// is when it signed (it must increase from one of the member's authorisations in the body to
/// the next, so that a note is never used twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyStatement {
    pub origin: String,
    pub body: BodyId,
    pub member: CountryCode,
    pub proxy: CountryCode,
    pub from: Timestamp,
    pub until: Timestamp,
    pub time: Timestamp,
}

impl ProxyStatement {
    /// The note text, ending in a newline.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!(
            "{PROXY_HEADER}\norigin {}\nbody {}\nmember {}\nproxy {}\nfrom {}\nuntil {}\ntime {}\n",
            self.origin, self.body, self.member, self.proxy, self.from, self.until, self.time,
        )
    }

    /// Parses a note text strictly, as [`PositionStatement::parse`] does.
    pub fn parse(text: &str) -> Result<Self, StatementError> {
        let mut f = Fields::new(text, PROXY_HEADER)?;
        let origin = f.next("origin")?;
        let body = BodyId::parse(&f.next("body")?).map_err(|e| f.bad(&e))?;
        let (member, proxy) = (f.code("member")?, f.code("proxy")?);
        let (from, until, time) = (f.time("from")?, f.time("until")?, f.time("time")?);
        let s = Self { origin, body, member, proxy, from, until, time };
        f.end(&s.to_text())?;
        Ok(s)
    }
}

/// The lines of a statement after its header, read one `name value` at a time.
struct Fields<'a> {
    header: &'static str,
    text: &'a str,
    lines: std::str::Split<'a, char>,
}

impl<'a> Fields<'a> {
    fn new(text: &'a str, header: &'static str) -> Result<Self, StatementError> {
        let bad = |s: String| StatementError(format!("{header}: {s}"));
        let body = text.strip_suffix('\n').ok_or_else(|| bad("it does not end in a newline".into()))?;
        // A note's text has no control characters but newlines (c2sp.org/signed-note), so a
        // statement with one could never be signed; the origin is the only free-form field.
        if let Some(i) = body.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(bad(format!("control character {:#04x} at byte {i}", body.as_bytes()[i])));
        }
        let mut lines = body.split('\n');
        if lines.next() != Some(header) {
            return Err(bad(format!("the first line is not {header}")));
        }
        Ok(Self { header, text, lines })
    }

    fn bad(&self, s: &str) -> StatementError {
        StatementError(format!("{}: {s}", self.header))
    }

    fn next(&mut self, name: &str) -> Result<String, StatementError> {
        let line = self.lines.next().ok_or_else(|| self.bad(&format!("no {name} line")))?;
        line.strip_prefix(name)
            .and_then(|r| r.strip_prefix(' '))
            .filter(|v| !v.is_empty() && !v.contains(' '))
            .map(str::to_owned)
            .ok_or_else(|| self.bad(&format!("expected a {name} line, found {line:?}")))
    }

    fn code(&mut self, name: &str) -> Result<CountryCode, StatementError> {
        let v = self.next(name)?;
        CountryCode::parse(&v).map_err(|e| self.bad(&e.to_string()))
    }

    fn hex64(&mut self, name: &str) -> Result<String, StatementError> {
        hex64(self.next(name)?, name)
    }

    fn time(&mut self, name: &str) -> Result<Timestamp, StatementError> {
        self.next(name)?.parse().map_err(|_| self.bad(&format!("{name} is not RFC 3339")))
    }

    /// No line is left, and the text is exactly `canonical`: one spelling only.
    fn end(mut self, canonical: &str) -> Result<(), StatementError> {
        if self.lines.next().is_some() {
            return Err(self.bad("it has lines after time"));
        }
        if canonical != self.text {
            return Err(self.bad(
                "it is not in canonical form (numbers without leading zeros, time in UTC as RFC 3339 writes it)",
            ));
        }
        Ok(())
    }
}

fn hex64(v: String, what: &str) -> Result<String, StatementError> {
    if v.len() == 64 && v.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(v)
    } else {
        Err(StatementError(format!("{what} is not 64 lower-case hex digits")))
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

    fn authorisation() -> ProxyStatement {
        ProxyStatement {
            origin: "alliance.example/concord".into(),
            body: BodyId::parse("council").unwrap(),
            member: CountryCode::parse("FRA").unwrap(),
            proxy: CountryCode::parse("DEU").unwrap(),
            from: "2026-11-26T00:00:00Z".parse().unwrap(),
            until: "2026-11-28T00:00:00Z".parse().unwrap(),
            time: "2026-11-25T18:00:00.5Z".parse().unwrap(),
        }
    }

    #[test]
    fn an_authorisation_round_trips_in_one_spelling_and_nothing_else_is_one() {
        let a = authorisation();
        let text = a.to_text();
        assert_eq!(
            text,
            "concord/proxy/v1\norigin alliance.example/concord\nbody council\nmember FRA\nproxy DEU\n\
             from 2026-11-26T00:00:00Z\nuntil 2026-11-28T00:00:00Z\ntime 2026-11-25T18:00:00.5Z\n"
        );
        assert_eq!(ProxyStatement::parse(&text), Ok(a));
        for bad in [
            text.replace("concord/proxy/v1", "concord/position/v1"),
            text.replace("body council", "body Council!"),
            text.replace("proxy DEU", "proxy deu"),
            text.replace("\nproxy DEU", ""),
            text.replace("T00:00:00Z\nuntil", "T01:00:00+01:00\nuntil"),
            text.replace("alliance", "alli\u{1b}ance"),
            format!("{text}extra line\n"),
            text.trim_end().to_owned(),
        ] {
            assert!(ProxyStatement::parse(&bad).is_err(), "accepted {bad:?}");
        }
        assert!(PositionStatement::parse(&text).is_err(), "one kind of statement is never another");
    }
}
