//! The rules a command (and, on replay, an event) must satisfy: shared by `decide` and `apply`
//! so that the verifier checks exactly what the server decided (domain.md §5.3).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::refusal::{MAX_STATEMENT, MAX_TEXT, MAX_TITLE};
use crate::{
    CountryCode, DecisionKind, Member, Partner, Procedure, Proposal, ProposalStatus, Refusal, Significance, Stance,
    State,
};

/// The UTC calendar day of an instant: membership is decided on that day.
#[must_use]
pub fn utc_day(at: Timestamp) -> Date {
    at.to_zoned(TimeZone::UTC).date()
}

/// The electorate of a proposal first circulated at `at`: the members on that UTC day.
pub fn electorate(state: &State, at: Timestamp) -> Result<Vec<CountryCode>, Refusal> {
    let day = utc_day(at);
    let v: Vec<CountryCode> = state.members_on(day).map(|m| m.code).collect();
    if v.is_empty() { Err(Refusal::NoElectors { on: day }) } else { Ok(v) }
}

pub(crate) fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        return Err(Refusal::Invalid { field, reason: "it is empty".into() });
    }
    let n = s.chars().count();
    if n > max {
        return Err(Refusal::Invalid { field, reason: format!("it has {n} characters; at most {max} are allowed") });
    }
    Ok(())
}

pub(crate) fn check_admission(state: &State, m: &Member) -> Result<(), Refusal> {
    if state.members.contains_key(&m.code) {
        return Err(Refusal::MemberExists { member: m.code });
    }
    if state.partners.contains_key(&m.code) {
        return Err(Refusal::PartnerIsNotMember { code: m.code });
    }
    if m.alpha2.len() != 2 || !m.alpha2.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Refusal::Invalid { field: "alpha2", reason: format!("{:?} is not two capital letters", m.alpha2) });
    }
    if m.numeric.len() != 3 || !m.numeric.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::Invalid { field: "numeric", reason: format!("{:?} is not three digits", m.numeric) });
    }
    check_text("name", &m.name, 200)?;
    if let Some(d) = m.departure {
        return Err(Refusal::Invalid {
            field: "departure",
            reason: format!("a member is admitted without a departure date ({d} given); record it later"),
        });
    }
    Ok(())
}

pub(crate) fn check_departure(state: &State, code: CountryCode, on: Date) -> Result<(), Refusal> {
    let m = state.members.get(&code).ok_or(Refusal::UnknownMember { member: code })?;
    if let Some(d) = m.departure {
        return Err(Refusal::AlreadyDeparted { member: code, on: d });
    }
    if on <= m.accession {
        return Err(Refusal::DepartureBeforeAccession { member: code, on, accession: m.accession });
    }
    Ok(())
}

pub(crate) fn check_partner(state: &State, p: &Partner) -> Result<(), Refusal> {
    if state.partners.contains_key(&p.code) {
        return Err(Refusal::PartnerExists { partner: p.code });
    }
    if state.members.contains_key(&p.code) {
        return Err(Refusal::MemberIsNotPartner { code: p.code });
    }
    check_text("name", &p.name, 200)
}

pub(crate) fn check_draft(kind: DecisionKind, sig: Significance, title: &str, text: &str) -> Result<(), Refusal> {
    if kind.always_significant() && sig == Significance::Routine {
        return Err(Refusal::SignificanceMismatch { kind });
    }
    check_text("title", title, MAX_TITLE)?;
    check_text("text", text, MAX_TEXT)
}

pub(crate) fn check_not_final(p: &Proposal) -> Result<(), Refusal> {
    if p.status.is_final() { Err(Refusal::AlreadyFinal { proposal: p.id, status: p.status }) } else { Ok(()) }
}

/// A draft may be amended at any time; an open proposal only before its deadline, after which it
/// stands decided (and is closed, not recirculated).
pub(crate) fn check_amendable(p: &Proposal, at: Timestamp) -> Result<(), Refusal> {
    check_not_final(p)?;
    if p.status.is_open() {
        open_deadline(p, at)?;
    }
    Ok(())
}

/// The deadline of an open proposal; refuses if `at` is not strictly before it.
fn open_deadline(p: &Proposal, at: Timestamp) -> Result<Timestamp, Refusal> {
    check_not_final(p)?;
    let c = p.circulation.as_ref().filter(|c| p.status.is_open() && c.revision == p.current().number);
    let c = c.ok_or(Refusal::NotOpen { proposal: p.id, status: p.status })?;
    if at >= c.deadline {
        return Err(Refusal::DeadlinePassed { deadline: c.deadline });
    }
    Ok(c.deadline)
}

pub(crate) fn check_circulation(
    p: &Proposal,
    procedure: Procedure,
    deadline: Timestamp,
    at: Timestamp,
) -> Result<(), Refusal> {
    check_not_final(p)?;
    let recirculation = p.circulation.as_ref().is_some_and(|c| c.revision < p.current().number);
    if p.status != ProposalStatus::Draft && !recirculation {
        return Err(Refusal::NotADraft { proposal: p.id, status: p.status });
    }
    if procedure == Procedure::Silence && !p.kind.allows_silence() {
        return Err(Refusal::SilenceNotAllowed { kind: p.kind });
    }
    if deadline <= at {
        return Err(Refusal::DeadlineNotInFuture { deadline, now: at });
    }
    Ok(())
}

pub(crate) fn check_deadline_change(p: &Proposal, new: Timestamp, at: Timestamp, extend: bool) -> Result<(), Refusal> {
    let current = open_deadline(p, at)?;
    if new <= at {
        return Err(Refusal::DeadlineNotInFuture { deadline: new, now: at });
    }
    match extend {
        true if new <= current => Err(Refusal::NotAnExtension { current, requested: new }),
        false if new >= current => Err(Refusal::NotACurtailment { current, requested: new }),
        _ => Ok(()),
    }
}

pub(crate) fn check_withdrawable(p: &Proposal, at: Timestamp) -> Result<(), Refusal> {
    check_not_final(p)?;
    if p.status.is_open() {
        // A procedure whose deadline has come is decided, not withdrawn.
        open_deadline(p, at)?;
    }
    Ok(())
}

pub(crate) fn check_position(
    state: &State,
    p: &Proposal,
    member: CountryCode,
    revision: u32,
    stance: Stance,
    text: Option<&str>,
    at: Timestamp,
) -> Result<(), Refusal> {
    if state.partners.contains_key(&member) {
        return Err(Refusal::PartnerCannotTakePositions { partner: member });
    }
    if !state.members.contains_key(&member) {
        return Err(Refusal::UnknownMember { member });
    }
    open_deadline(p, at)?;
    if !p.is_elector(member) {
        return Err(Refusal::NotAnElector { member, proposal: p.id });
    }
    let current = p.current().number;
    if revision != current {
        return Err(Refusal::StaleRevision { given: revision, current });
    }
    if stance == Stance::OptOut && !p.kind.allows_opt_out() {
        return Err(Refusal::OptOutNotAllowed { kind: p.kind });
    }
    match text {
        Some(t) => check_text("text", t, MAX_STATEMENT)?,
        None if stance.requires_text() => return Err(Refusal::TextRequired { stance }),
        None => {}
    }
    Ok(())
}
