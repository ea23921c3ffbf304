//! The rules a command (and, on replay, an event) must satisfy: shared by `decide` and `apply`
//! so that the verifier checks exactly what the server decided (domain.md §5.3).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::refusal::{MAX_STATEMENT, MAX_TEXT, MAX_TITLE};
use crate::sealed::Revealed;
use crate::signature::Checked;
use crate::{
    CountryCode, DecisionKind, Event, Marking, Member, Partner, Procedure, Proposal, ProposalStatus, Refusal,
    Significance, Stance, State,
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

/// Text that people read (titles, drafts, statements, reasons, names, notes): not empty, not too
/// long, and without control characters other than newline and tab. A carriage return, an
/// escape or a backspace in a reservation would let its author rewrite what another member's
/// terminal shows ("FRA objected"); refused here, they never reach the log.
pub(crate) fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        return Err(Refusal::Invalid { field, reason: "it is empty".into() });
    }
    if let Some(c) = s.chars().find(|&c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Refusal::Invalid {
            field,
            reason: format!(
                "it contains the control character U+{:04X}; only newline and tab are allowed",
                u32::from(c)
            ),
        });
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
    if !p.status.awaits_circulation() && !recirculation {
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

/// A silence of `from`..`deadline` under this deployment's minimum: refused unless the
/// secretariat says why it is urgent. Returns the urgency to record (none when the silence is
/// long enough, or the procedure is not silence: a consensus round needs every explicit
/// consent, so a short one adopts nothing by default).
pub(crate) fn check_silence_period(
    state: &State,
    procedure: Procedure,
    from: Timestamp,
    deadline: Timestamp,
    urgent: Option<&str>,
) -> Result<Option<String>, Refusal> {
    let Some(minimum) = state.log.as_ref().and_then(|l| l.min_silence) else { return Ok(None) };
    let requested = deadline.duration_since(from);
    if procedure != Procedure::Silence || requested >= minimum {
        return Ok(None);
    }
    match urgent.map(str::trim) {
        Some(reason) if !reason.is_empty() => {
            check_text("urgent", reason, crate::refusal::MAX_STATEMENT)?;
            Ok(Some(reason.to_owned()))
        }
        _ => Err(Refusal::SilenceTooShort { minimum, requested }),
    }
}

/// [`check_silence_period`] for a curtailed deadline: the silence is counted from when the
/// current text was circulated.
pub(crate) fn check_curtailed_silence(
    state: &State,
    p: &Proposal,
    deadline: Timestamp,
    urgent: Option<&str>,
) -> Result<Option<String>, Refusal> {
    match &p.circulation {
        Some(c) => check_silence_period(state, c.procedure, c.circulated_at, deadline, urgent),
        None => Ok(None),
    }
}

/// A minimum silence is a positive duration.
pub(crate) fn check_min_silence(min: Option<jiff::SignedDuration>) -> Result<(), Refusal> {
    match min {
        Some(d) if !d.is_positive() => {
            Err(Refusal::Invalid { field: "min_silence", reason: format!("{d:#} is not a positive duration") })
        }
        _ => Ok(()),
    }
}

/// Only a proposal whose round ended without adoption goes back into negotiation: an adopted
/// one is the alliance's decision, and a withdrawn one was given up.
pub(crate) fn check_reopenable(p: &Proposal) -> Result<(), Refusal> {
    match p.status {
        ProposalStatus::Blocked | ProposalStatus::NotAdopted => Ok(()),
        status => Err(Refusal::NotReopenable { proposal: p.id, status }),
    }
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

/// What a position claims, as a command or an event states it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PositionClaim<'a> {
    pub member: CountryCode,
    pub revision: u32,
    pub stance: Stance,
    pub text: Option<&'a str>,
    pub evidence: Option<&'a str>,
    /// What is known of the evidence's signature already; every other check still runs.
    pub signature: Checked<'a>,
    /// The member acting for `member` by proxy, who signs in its own name.
    pub proxy: Option<CountryCode>,
}

/// Signed statements may be dated this much after the server's clock (clocks differ).
pub const MAX_CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// Checks that `member` may speak on `p` at `at`: an elector (a member, or a partner taking part
/// in `p`'s body), while the procedure is open and before its deadline. A position and a word
/// that the delegation awaits instructions both need it.
fn check_open_to(state: &State, p: &Proposal, member: CountryCode, at: Timestamp) -> Result<(), Refusal> {
    if state.partners.contains_key(&member) && !p.is_elector(member) {
        return Err(Refusal::PartnerCannotTakePositions { partner: member });
    }
    if !state.members.contains_key(&member) && !state.partners.contains_key(&member) {
        return Err(Refusal::UnknownMember { member });
    }
    open_deadline(p, at)?;
    if !p.is_elector(member) {
        return Err(Refusal::NotAnElector { member, proposal: p.id });
    }
    Ok(())
}

/// Checks a position; returns the time of its signed statement, if it is signed.
pub(crate) fn check_position(
    state: &State,
    p: &Proposal,
    claim: PositionClaim<'_>,
    at: Timestamp,
) -> Result<Option<Timestamp>, Refusal> {
    let PositionClaim { member, revision, stance, text, evidence, proxy, .. } = claim;
    check_open_to(state, p, member, at)?;
    if let Some(by) = proxy {
        crate::proxy::check_acting(state, p, member, by, at)?;
    }
    let current = p.current().number;
    if revision != current {
        return Err(Refusal::StaleRevision { given: revision, current });
    }
    if let Some(c) = p.circulation.as_ref().filter(|c| !c.procedure.accepts(stance)) {
        return Err(Refusal::StanceNotInProcedure { stance, procedure: c.procedure });
    }
    if stance == Stance::OptOut && !p.kind.allows_opt_out() {
        return Err(Refusal::OptOutNotAllowed { kind: p.kind });
    }
    match text {
        Some(t) => check_text("text", t, MAX_STATEMENT)?,
        None if stance.requires_text() => return Err(Refusal::TextRequired { stance }),
        None => {}
    }
    match evidence {
        None if state.log.as_ref().is_some_and(|l| !l.unsigned_positions) => Err(Refusal::SignatureRequired { member }),
        None => Ok(None),
        Some(note) => check_signed_position(state, p, claim, note, at).map(Some),
    }
}

/// Checks that `member` may say it awaits instructions on `p` at `at`: an elector of an open
/// procedure, before the deadline, with no position on the current text.
pub(crate) fn check_awaiting(
    state: &State,
    p: &Proposal,
    member: CountryCode,
    note: Option<&str>,
    at: Timestamp,
) -> Result<(), Refusal> {
    check_open_to(state, p, member, at)?;
    if p.positions.contains_key(&member) {
        return Err(Refusal::AlreadyPositioned { member, proposal: p.id });
    }
    note.map_or(Ok(()), |n| check_text("note", n, MAX_STATEMENT))
}

/// Checks a member's signed statement of a position (see `signed.rs`): it must state exactly
/// this position, be dated within the procedure and after the member's last signed one, and be
/// signed (`verify_strict`) by a key of the member valid at its date.
fn check_signed_position(
    state: &State,
    p: &Proposal,
    claim: PositionClaim<'_>,
    note: &str,
    at: Timestamp,
) -> Result<Timestamp, Refusal> {
    use crate::signed::PositionStatement;

    let bad = |reason: String| Refusal::BadSignedPosition { reason };
    let log = state.log.as_ref().ok_or(Refusal::NoLog)?;
    let parsed = concord_ledger::note::Note::parse(note.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let s = PositionStatement::parse(&parsed.text).map_err(|e| bad(e.to_string()))?;
    let expect = |what: &str, ok: bool| if ok { Ok(()) } else { Err(bad(format!("it states another {what}"))) };
    expect("log origin", s.origin == log.origin)?;
    expect("member", s.member == claim.member)?;
    expect("proposal", s.proposal == p.id)?;
    expect("revision", s.revision == claim.revision)?;
    expect("text (its SHA-256 differs from the revision's)", s.text_hash == p.current().text_hash)?;
    expect("stance", s.stance == claim.stance)?;
    expect("statement text (its SHA-256 differs)", s.statement_hash == claim.text.map(crate::text_hash))?;
    let circ = p.circulation.as_ref().ok_or(Refusal::NotOpen { proposal: p.id, status: p.status })?;
    if s.time < circ.circulated_at || s.time >= circ.deadline {
        return Err(bad(format!(
            "it is dated {}, outside the procedure ({} to {})",
            s.time, circ.circulated_at, circ.deadline
        )));
    }
    if at.checked_add(MAX_CLOCK_SKEW).is_ok_and(|latest| s.time > latest) {
        return Err(bad(format!("it is dated {}, in the future", s.time)));
    }
    // A proxy signs only while it acts for the member.
    if let Some(by) = claim.proxy {
        crate::proxy::check_acting(state, p, claim.member, by, s.time)?;
    }
    if let Some(last) = p.positions.get(&claim.member).and_then(|x| x.signed_at) {
        if s.time <= last {
            return Err(Refusal::ReplayedPosition { member: claim.member, at: s.time });
        }
    }
    // A proxy signs the member's position with its own key.
    let signer = claim.proxy.unwrap_or(claim.member);
    if !claim.signature.holds(state, signer, s.time, note) {
        return Err(Refusal::NoValidKey { member: signer, at: s.time });
    }
    Ok(s.time)
}

/// A log is created once, first, with an origin that can name keys and a valid log key.
pub(crate) fn check_log(state: &State, origin: &str, log_key: &str) -> Result<(), Refusal> {
    if state.log.is_some()
        || !state.members.is_empty()
        || !state.proposals.is_empty()
        || !state.partners.is_empty()
        || !state.support.is_empty()
    {
        return Err(Refusal::LogExists);
    }
    let key = concord_ledger::keys::Verifier::parse(log_key).map_err(|e| Refusal::BadKey { reason: e.to_string() })?;
    if key.name().as_str() != origin {
        return Err(Refusal::BadKey {
            reason: format!("the log's key is named {}, not its origin {origin}", key.name()),
        });
    }
    Ok(())
}

/// Checks a member key for enrolment; returns its key id.
pub(crate) fn check_member_key(
    state: &State,
    member: CountryCode,
    key: &str,
    valid_from: Timestamp,
    valid_until: Option<Timestamp>,
) -> Result<String, Refusal> {
    use concord_ledger::keys::{Algorithm, Verifier};

    let log = state.log.as_ref().ok_or(Refusal::NoLog)?;
    // A partner's key signs its positions in the bodies it takes part in.
    let partner = state.partners.contains_key(&member);
    if !state.members.contains_key(&member) && !partner {
        return Err(Refusal::UnknownMember { member });
    }
    if key.starts_with("PRIVATE+KEY+") {
        // Not echoed back: a private key sent by mistake must not travel any further.
        return Err(Refusal::BadKey {
            reason: "this is a private key; send the verifier key `concord keygen` printed".into(),
        });
    }
    // `parse` refuses non-canonical, small-order and non-torsion-free keys.
    let v = Verifier::parse(key).map_err(|e| Refusal::BadKey { reason: e.to_string() })?;
    if v.algorithm() != Algorithm::Ed25519 {
        return Err(Refusal::BadKey { reason: "a member's key signs notes: its type must be Ed25519 (0x01)".into() });
    }
    let name = if partner {
        crate::signed::partner_key_name(&log.origin, member)
    } else {
        crate::signed::member_key_name(&log.origin, member)
    };
    if v.name().as_str() != name {
        return Err(Refusal::BadKey { reason: format!("{member}'s key must be named {name}, not {}", v.name()) });
    }
    if valid_until.is_some_and(|u| u <= valid_from) {
        return Err(Refusal::BadKey { reason: "it would be valid until before it is valid from".into() });
    }
    let key_id = v.key_id().to_string();
    if state.keys.get(&member).is_some_and(|ks| ks.iter().any(|k| k.key_id == key_id || k.key == key)) {
        return Err(Refusal::KeyExists { member, key_id });
    }
    Ok(key_id)
}

/// A key can be revoked once.
pub(crate) fn check_revocation(state: &State, member: CountryCode, key_id: &str) -> Result<(), Refusal> {
    let key = state.keys.get(&member).and_then(|ks| ks.iter().find(|k| k.key_id == key_id));
    let key = key.ok_or_else(|| Refusal::UnknownKey { member, key_id: key_id.to_owned() })?;
    match key.revoked_at {
        Some(at) => Err(Refusal::KeyRevoked { member, key_id: key_id.to_owned(), at }),
        None => Ok(()),
    }
}

/// The audience a first circulation releases a proposal's texts and procedure to beyond the
/// members: `None` for the members themselves (one spelling for one meaning), and a partner only
/// if registered.
pub(crate) fn check_circulation_marking(state: &State, marking: Option<Marking>) -> Result<Option<Marking>, Refusal> {
    match marking {
        None | Some(Marking::Members) => Ok(None),
        Some(Marking::MembersAndPartner(partner)) if !state.partners.contains_key(&partner) => {
            Err(Refusal::UnknownPartner { partner })
        }
        Some(m) => Ok(Some(m)),
    }
}

/// A publication of entry `entry` to `marking`: the revealed salt and content must be the ones
/// the entry's commitment was made to, the release must widen what the entry is released to
/// already, and a draft the secretariat holds is released by circulating it, not by publishing.
/// Whether `revealed.was` and its commitment are the entry's own envelope's is the log's to
/// check (the domain does not hold envelopes).
pub(crate) fn check_publication(
    state: &State,
    entry: u64,
    marking: Marking,
    revealed: &Revealed,
) -> Result<(), Refusal> {
    if !revealed.matches() {
        return Err(Refusal::PublicationMismatch { entry });
    }
    let event = &revealed.content.event;
    if matches!(event, Event::EntryPublished { .. }) {
        return Err(Refusal::Invalid {
            field: "entry",
            reason: format!("entry {entry} is itself a publication: publish the entry it released"),
        });
    }
    if let Event::ProposalDrafted { proposal, .. } | Event::ProposalAmended { proposal, .. } = event {
        if state.proposals.get(proposal).is_none_or(|p| p.status == ProposalStatus::Draft) {
            return Err(Refusal::DraftHeld { proposal: *proposal });
        }
    }
    if let Marking::MembersAndPartner(partner) = marking {
        if !state.partners.contains_key(&partner) {
            return Err(Refusal::UnknownPartner { partner });
        }
    }
    let released = state.released(entry, revealed.was);
    if marking == released || !marking.covers(released) {
        return Err(Refusal::NotWider { entry, marking, released });
    }
    match event.proposal().and_then(|id| state.proposals.get(&id)) {
        Some(p) => crate::follows::check_publication(state, p, marking),
        None => Ok(()),
    }
}
