//! Proxies (issue 15): in a body whose rules allow it, a member authorises another to act for it
//! for a period — the Council of the EU's Art. 239 TFEU: "any member of the Council may also act
//! on behalf of not more than one other member". A position taken by proxy names the proxy, is
//! signed (where the log requires signatures) with the proxy's own key, and is checked on replay
//! against the authorisation in force at its time. Where the log requires signatures, the
//! authorisation is signed too, by the member's own key ([`crate::ProxyStatement`]): the proxy's
//! signature proves the proxy's word, the member's the member's consent.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{BodyId, CountryCode, Refusal, State};

/// An authorisation: `proxy` acts for `member` in a body from `from` until (not including)
/// `until`, or until the member ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proxy {
    pub member: CountryCode,
    pub proxy: CountryCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub until: Timestamp,
    /// The member's signed authorisation (`concord/proxy/v1`), kept byte for byte, when it
    /// signed: `from` is its `from`, or the time it was recorded if that is later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Proxy {
    fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }

    fn overlaps(&self, from: Timestamp, until: Timestamp) -> bool {
        self.from < until && from < self.until
    }
}

impl State {
    /// Who acts for `member` in `body` at `at`, if anyone.
    #[must_use]
    pub fn proxy_for(&self, body: &BodyId, member: CountryCode, at: Timestamp) -> Option<CountryCode> {
        let granted = self.proxies.get(body)?;
        granted.iter().find(|p| p.member == member && p.covers(at)).map(|p| p.proxy)
    }
}

/// An authorisation that may be recorded at `at`: the body allows proxies; both sit in it and
/// differ; the period is not empty nor over; and, while it runs, the member gives no other
/// authorisation, the proxy acts for nobody else and has not itself handed its place to another.
pub(crate) fn check_proxy(state: &State, body: &BodyId, p: &Proxy, at: Timestamp) -> Result<(), Refusal> {
    let b = state.body(body)?;
    let invalid = |reason: String| Refusal::Invalid { field: "proxy", reason };
    // Where positions must be signed, a proxy's signature proves only the proxy's word: the
    // member's consent is its own signed authorisation.
    match &p.evidence {
        None if state.log.as_ref().is_some_and(|l| !l.unsigned_positions) => {
            return Err(Refusal::SignatureRequired { member: p.member });
        }
        None => {}
        Some(note) => check_signed(state, body, p, note, at)?,
    }
    if !b.proxies {
        return Err(invalid(format!("the rules of {body} do not allow a member to act for another")));
    }
    if p.member == p.proxy {
        return Err(invalid("a member does not act for itself".into()));
    }
    let roster = state.roster(Some(body), at)?;
    for m in [p.member, p.proxy] {
        if !roster.contains(&m) {
            return Err(invalid(format!("{m} does not sit in {body}")));
        }
        // A partner taking part in a body speaks for itself only.
        if state.partners.contains_key(&m) {
            return Err(invalid(format!("{m} takes part as a partner: it acts for nobody, and nobody for it")));
        }
    }
    if p.from < at {
        return Err(Refusal::Invalid {
            field: "from",
            reason: "an authorisation starts now or later, never in the past".into(),
        });
    }
    if p.until <= p.from {
        return Err(Refusal::Invalid { field: "until", reason: "the period must end after it starts".into() });
    }
    let granted = state.proxies.get(body).map(Vec::as_slice).unwrap_or_default();
    let during = |q: &&Proxy| q.overlaps(p.from, p.until);
    if let Some(q) = granted.iter().filter(during).find(|q| q.member == p.member) {
        return Err(invalid(format!("{} already acts for {} then", q.proxy, p.member)));
    }
    if let Some(q) = granted.iter().filter(during).find(|q| q.proxy == p.proxy) {
        return Err(invalid(format!("{} already acts for {} then: at most one other member", p.proxy, q.member)));
    }
    if granted.iter().filter(during).any(|q| q.member == p.proxy || q.proxy == p.member) {
        return Err(invalid("a member acting through a proxy does not act for others, nor a proxy through one".into()));
    }
    Ok(())
}

/// The period a signed authorisation gives, recorded at `at`: from its `from` (or `at`, if later)
/// until its `until`.
///
/// # Errors
/// When `note` is not a signed note of a `concord/proxy/v1` statement.
pub(crate) fn signed_period(note: &str, at: Timestamp) -> Result<(crate::ProxyStatement, Timestamp), Refusal> {
    let bad = |reason: String| Refusal::BadSignedProxy { reason };
    let parsed = concord_ledger::note::Note::parse(note.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let s = crate::ProxyStatement::parse(&parsed.text).map_err(|e| bad(e.to_string()))?;
    let from = s.from.max(at);
    Ok((s, from))
}

/// How long before it is recorded a signed authorisation may have been signed.
pub const MAX_NOTE_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// A signed authorisation is the member's, for this log, body, proxy and period, signed with
/// a key of the member valid both when it signed and when it is recorded, within
/// [`MAX_NOTE_AGE`] before that and not in the future, and later than the member's last signed
/// authorisation in the body (so that a note is used once: ended, even before it began, it
/// cannot be recorded again).
fn check_signed(state: &State, body: &BodyId, p: &Proxy, note: &str, at: Timestamp) -> Result<(), Refusal> {
    let bad = |reason: String| Refusal::BadSignedProxy { reason };
    let log = state.log.as_ref().ok_or(Refusal::NoLog)?;
    let (s, from) = signed_period(note, at)?;
    let expect = |what: &str, ok: bool| if ok { Ok(()) } else { Err(bad(format!("it states another {what}"))) };
    expect("log origin", s.origin == log.origin)?;
    expect("body", &s.body == body)?;
    expect("member", s.member == p.member)?;
    expect("proxy", s.proxy == p.proxy)?;
    expect("period", p.from == from && p.until == s.until)?;
    if at.checked_add(crate::rules::MAX_CLOCK_SKEW).is_ok_and(|latest| s.time > latest) {
        return Err(bad(format!("it is dated {}, in the future", s.time)));
    }
    // Fresh, so that a note held back (refused once, or signed by a key revoked since) is not
    // recorded later: a member signs its authorisation when it gives it.
    if at.checked_sub(MAX_NOTE_AGE).is_ok_and(|earliest| s.time < earliest) {
        return Err(bad(format!("it is dated {}, more than an hour before it was recorded", s.time)));
    }
    let granted = state.proxies.get(body).map(Vec::as_slice).unwrap_or_default();
    let earlier = granted.iter().filter(|q| q.member == p.member).filter_map(|q| q.evidence.as_deref());
    if let Some(last) = earlier.filter_map(|n| signed_period(n, at).ok()).map(|(e, _)| e.time).max() {
        if s.time <= last {
            return Err(bad(format!(
                "it is dated {}, not after {}'s last signed authorisation: a replay",
                s.time, p.member
            )));
        }
    }
    for time in [s.time, at] {
        if !crate::signature::signed_by(state, p.member, time, note) {
            return Err(Refusal::NoValidKey { member: p.member, at: time });
        }
    }
    Ok(())
}

/// `by` acts for `member` in `p`'s body at `at`, and still sits in it.
pub(crate) fn check_acting(
    state: &State,
    p: &crate::Proposal,
    member: CountryCode,
    by: CountryCode,
    at: Timestamp,
) -> Result<(), Refusal> {
    let body = p.body.as_ref();
    let holds = body.and_then(|b| state.proxy_for(b, member, at)) == Some(by)
        && state.roster(body, at).is_ok_and(|r| r.contains(&by));
    if holds {
        Ok(())
    } else {
        Err(Refusal::NotPermitted { actor: crate::Actor::Member(by), action: "take positions for another member" })
    }
}

/// Whether `m` was ever authorised to act for `member` in the body deciding `proposal`.
pub(crate) fn ever_held(
    state: &State,
    proposal: crate::ProposalId,
    member: crate::CountryCode,
    m: crate::CountryCode,
) -> bool {
    let body = state.proposals.get(&proposal).and_then(|p| p.body.as_ref());
    let granted = body.and_then(|b| state.proxies.get(b)).map(Vec::as_slice).unwrap_or_default();
    granted.iter().any(|g| g.member == member && g.proxy == m)
}

/// Whether `member` has an authorisation in `body` running at `at` or still to come, which it
/// may end then.
pub(crate) fn check_end(state: &State, body: &BodyId, member: CountryCode, at: Timestamp) -> Result<(), Refusal> {
    state.body(body)?;
    let granted = state.proxies.get(body).map(Vec::as_slice).unwrap_or_default();
    if granted.iter().any(|p| p.member == member && at < p.until && p.from < p.until) {
        Ok(())
    } else {
        Err(Refusal::Invalid { field: "member", reason: format!("nobody acts for {member} in {body} now or later") })
    }
}

/// Ends at `at` the authorisations of `member` running then, and empties those still to come
/// (their period ends where it begins). None is dropped: a signed one's note must stay to be
/// recognised if it is offered again ([`check_signed`]).
pub(crate) fn end(state: &mut State, body: &BodyId, member: CountryCode, at: Timestamp) {
    if let Some(granted) = state.proxies.get_mut(body) {
        for p in granted.iter_mut().filter(|p| p.member == member && at < p.until) {
            p.until = at.max(p.from);
        }
    }
}
