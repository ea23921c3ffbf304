//! The support policy (domain.md §5.3 rules 6–15) as checks a command, and on replay an event,
//! must pass: shared by `decide` and `apply` like the consensus rules in `crate::rules`, so the
//! verifier checks exactly what the server decided.
//!
//! Strictness of rule 8 (significant actions need consensus first), a design choice: the alliance
//! acts only on the alliance channels, so only they rest on a decision. A fund is always set up
//! on an adopted assistance programme or fund policy. A pledge on the alliance-fund channel goes
//! through such a fund; an alliance-coordinated pledge goes through a coordinated fund or cites
//! an adopted assistance programme, fund policy or command/mission (NSATU-like) decision. An
//! adopted decision means one adopted, with or without reservations: a reservation does not
//! block (rule 5). Bilateral, coalition and other multilateral pledges need no alliance decision
//! (each state decides for itself, rule 7) and may not cite one: a coalition takes no alliance
//! decisions (rule 13), and citing one would make a national act look like the alliance's.

use jiff::Timestamp;
use jiff::civil::Date;

use super::{
    Channel, CoalitionId, CoalitionTerms, DeliveryId, DonorState, FundTerms, FxRate, GdpFigure, MAX_MINOR_UNITS, Money,
    Pledge, PledgeId, PledgeStatus, PledgeTerms, RequestId, RequestTerms, SupportRequest,
};
use crate::rules::{check_text, utc_day};
use crate::{CountryCode, DecisionKind, ProposalId, ProposalStatus, Refusal, State};

/// Longest item name, unit, or entity name, in characters.
pub const MAX_NAME: usize = 300;
/// Longest description, reason, note or source reference, in characters.
pub const MAX_NOTE: usize = 5_000;

/// Decisions that can set up a fund.
const FUND_KINDS: &[DecisionKind] = &[DecisionKind::AssistanceProgramme, DecisionKind::FundPolicy];
/// Decisions an alliance-channel pledge may rest on.
const PROGRAMME_KINDS: &[DecisionKind] =
    &[DecisionKind::AssistanceProgramme, DecisionKind::FundPolicy, DecisionKind::CommandOrMission];

/// Whether `code` may give support: a member (now or once), or a registered donor state.
#[must_use]
pub fn is_known_donor(state: &State, code: CountryCode) -> bool {
    state.members.contains_key(&code) || state.support.donors.contains_key(&code)
}

fn known_donor(state: &State, code: CountryCode) -> Result<(), Refusal> {
    if state.partners.contains_key(&code) {
        return Err(Refusal::PartnerIsNotDonor { partner: code });
    }
    if is_known_donor(state, code) { Ok(()) } else { Err(Refusal::UnknownDonor { donor: code }) }
}

fn known_partner(state: &State, code: CountryCode) -> Result<(), Refusal> {
    if state.partners.contains_key(&code) { Ok(()) } else { Err(Refusal::UnknownPartner { partner: code }) }
}

/// A quantity: more than zero, and within what JSON readers read exactly.
fn check_quantity(field: &'static str, q: u64) -> Result<(), Refusal> {
    if q == 0 {
        return Err(Refusal::Invalid { field, reason: "it is zero: give how many, at least one".into() });
    }
    if q > MAX_MINOR_UNITS.unsigned_abs() {
        return Err(Refusal::AmountOverflow { field });
    }
    Ok(())
}

/// An amount within bounds; negative only where a correction allows it.
pub(crate) fn check_money(field: &'static str, m: Money, negative_allowed: bool) -> Result<(), Refusal> {
    m.checked().map_err(|_| Refusal::AmountOverflow { field })?;
    if m.is_negative() && !negative_allowed {
        return Err(Refusal::NegativeAmount { field, amount: m });
    }
    Ok(())
}

fn check_optional_text(field: &'static str, s: Option<&str>, max: usize) -> Result<(), Refusal> {
    s.map_or(Ok(()), |s| check_text(field, s, max))
}

/// An adopted decision of one of `kinds` (rule 8), by the alliance as a whole: a body's decision
/// commits only that body (and a member outside it may not even read it).
pub(crate) fn check_decision(state: &State, id: ProposalId, kinds: &'static [DecisionKind]) -> Result<(), Refusal> {
    let p = state.proposal(id)?;
    if let Some(body) = &p.body {
        return Err(Refusal::Invalid {
            field: "authorised_by",
            reason: format!(
                "proposal {id} is {body}'s decision, not the alliance's: the principal body decides for all"
            ),
        });
    }
    if !matches!(p.status, ProposalStatus::Adopted | ProposalStatus::AdoptedWithReservations) {
        return Err(Refusal::DecisionNotAdopted { proposal: id, status: p.status });
    }
    if !kinds.contains(&p.kind) {
        return Err(Refusal::DecisionKindUnsuitable { proposal: id, kind: p.kind });
    }
    Ok(())
}

/// A non-member donor state, registered once; members and partners are not registered as such.
pub(crate) fn check_donor_state(state: &State, d: &DonorState) -> Result<(), Refusal> {
    if state.members.contains_key(&d.code) {
        return Err(Refusal::DonorIsMember { donor: d.code });
    }
    if state.partners.contains_key(&d.code) {
        return Err(Refusal::PartnerIsNotDonor { partner: d.code });
    }
    if state.support.donors.contains_key(&d.code) {
        return Err(Refusal::DonorExists { donor: d.code });
    }
    check_text("name", &d.name, MAX_NAME)
}

/// A request from a registered partner, for a positive quantity.
pub(crate) fn check_request(state: &State, t: &RequestTerms) -> Result<(), Refusal> {
    known_partner(state, t.partner)?;
    check_text("description", &t.description, MAX_NOTE)?;
    check_text("unit", &t.unit, MAX_NAME)?;
    check_quantity("quantity", t.quantity)
}

/// A request can be withdrawn once (only by its partner: `decide` authorises that).
pub(crate) fn check_withdrawal(state: &State, id: RequestId, reason: Option<&str>) -> Result<(), Refusal> {
    let r = request(state, id)?;
    if r.withdrawn_at.is_some() {
        return Err(Refusal::RequestWithdrawn { request: id });
    }
    check_optional_text("reason", reason, MAX_NOTE)
}

pub(crate) fn request(state: &State, id: RequestId) -> Result<&SupportRequest, Refusal> {
    state.support.requests.get(&id).ok_or(Refusal::UnknownRequest { request: id })
}

pub(crate) fn pledge(state: &State, id: PledgeId) -> Result<&Pledge, Refusal> {
    state.support.pledges.get(&id).ok_or(Refusal::UnknownPledge { pledge: id })
}

/// A new pledge: known donor and partner, a sensible amount, and the channel policy.
pub(crate) fn check_pledge(state: &State, t: &PledgeTerms, status: PledgeStatus, at: Timestamp) -> Result<(), Refusal> {
    known_donor(state, t.donor)?;
    known_partner(state, t.recipient)?;
    check_text("item", &t.item, MAX_NAME)?;
    check_optional_text("source_ref", t.source_ref.as_deref(), MAX_NOTE)?;
    check_quantity("quantity", t.quantity)?;
    check_money("value", t.value, false)?;
    if t.value.is_zero() {
        return Err(Refusal::Invalid {
            field: "value",
            reason: format!(
                "it is zero ({}): a pledge has a value; if the donor did not report one, give an estimate",
                t.value
            ),
        });
    }
    if !matches!(status, PledgeStatus::Announced | PledgeStatus::Committed | PledgeStatus::Allocated) {
        return Err(Refusal::Invalid {
            field: "status",
            reason: format!(
                "a pledge is recorded as announced, committed or allocated, not {status}: record its deliveries, or change its status afterwards"
            ),
        });
    }
    if let Some(on) = t.announced_on {
        let today = utc_day(at);
        if on > today {
            return Err(Refusal::Invalid {
                field: "announced_on",
                reason: format!("{on} is after today ({today}): record a pledge once it is announced"),
            });
        }
    }
    if let Some(id) = t.request {
        let r = request(state, id)?;
        if r.withdrawn_at.is_some() {
            return Err(Refusal::RequestWithdrawn { request: id });
        }
        if r.terms.partner != t.recipient {
            return Err(Refusal::RequestMismatch {
                request: id,
                reason: format!("it is {}'s request, and the pledge goes to {}", r.terms.partner, t.recipient),
            });
        }
        if r.terms.category != t.category {
            return Err(Refusal::RequestMismatch {
                request: id,
                reason: format!("it asks for {}, and the pledge gives {}", r.terms.category, t.category),
            });
        }
    }
    check_channel(state, t)
}

/// Rules 6, 7, 8 and 13 for a pledge's channel, coalition, fund and authorising decision.
fn check_channel(state: &State, t: &PledgeTerms) -> Result<(), Refusal> {
    let (channel, category) = (t.channel, t.category);
    // Rule 6: the alliance fund is non-lethal only.
    if channel == Channel::AllianceFund && category.is_lethal() {
        return Err(Refusal::LethalOnAllianceFund { category });
    }
    // Rule 7: lethal aid is national.
    if category.is_lethal() && !channel.allows_lethal() {
        return Err(Refusal::LethalChannel { category, channel });
    }
    // Rule 13: a coalition pledge names a coalition the donor takes part in.
    match (channel, t.coalition) {
        (Channel::Coalition, None) => {
            return Err(Refusal::Invalid {
                field: "coalition",
                reason: "a coalition pledge names its coalition".into(),
            });
        }
        (Channel::Coalition, Some(id)) => {
            let c = state.support.coalitions.get(&id).ok_or(Refusal::UnknownCoalition { coalition: id })?;
            if !c.is_participant(t.donor) {
                return Err(Refusal::NotAParticipant { coalition: id, name: c.terms.name.clone(), donor: t.donor });
            }
        }
        (_, Some(_)) => {
            return Err(Refusal::Invalid {
                field: "coalition",
                reason: format!("a {channel} pledge names no coalition: choose the coalition channel, or leave it out"),
            });
        }
        (_, None) => {}
    }
    // Funds: only on alliance channels, the fund's own channel, within its policy.
    if let Some(id) = t.fund {
        let f = state.support.funds.get(&id).ok_or(Refusal::UnknownFund { fund: id })?;
        if f.terms.channel != channel {
            return Err(Refusal::Invalid {
                field: "fund",
                reason: format!(
                    "{} is an {} fund: a pledge through it is on the {} channel, not {channel}",
                    f.terms.name, f.terms.channel, f.terms.channel
                ),
            });
        }
        if !f.terms.policy.accepts(category) {
            return Err(Refusal::FundNonLethalOnly { fund: id, name: f.terms.name.clone(), category });
        }
    } else if channel == Channel::AllianceFund {
        return Err(Refusal::Invalid {
            field: "fund",
            reason: "a pledge to the alliance fund names the fund it goes to".into(),
        });
    }
    // Rule 8: the alliance acts on a decision adopted by consensus; nobody else needs one.
    match t.authorised_by {
        Some(_) if !channel.is_alliance() => Err(Refusal::NoAllianceDecision { channel }),
        Some(id) => check_decision(state, id, PROGRAMME_KINDS),
        None if channel == Channel::AllianceCoordinated && t.fund.is_none() => {
            Err(Refusal::DecisionRequired { channel })
        }
        None => Ok(()),
    }
}

/// Rule 9: a status moves forward only; cancelled before delivered.
pub(crate) fn check_status_change(state: &State, id: PledgeId, to: PledgeStatus) -> Result<PledgeStatus, Refusal> {
    let from = pledge(state, id)?.status;
    if from == PledgeStatus::Cancelled {
        return Err(Refusal::PledgeCancelled { pledge: id });
    }
    if from == PledgeStatus::Delivered && to == PledgeStatus::Cancelled {
        return Err(Refusal::CancelAfterDelivery { pledge: id });
    }
    if !from.can_move_to(to) {
        return Err(Refusal::StatusNotForward { pledge: id, from, to });
    }
    Ok(from)
}

/// A delivery record, or a correction of the deliveries (when `correction` gives its reason).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeliveryClaim<'a> {
    pub pledge: PledgeId,
    pub delivered_on: Date,
    pub quantity: i64,
    pub value: Money,
    pub correction: Option<&'a str>,
}

/// Rule 9 for deliveries: never beyond the pledge except by a correction, which never takes the
/// totals below zero. Returns the delivered quantity and value after the record.
pub(crate) fn check_delivery(state: &State, d: DeliveryClaim<'_>, at: Timestamp) -> Result<(i64, Money), Refusal> {
    let p = pledge(state, d.pledge)?;
    if p.status == PledgeStatus::Cancelled {
        return Err(Refusal::PledgeCancelled { pledge: d.pledge });
    }
    if d.value.currency != p.terms.value.currency {
        return Err(Refusal::CurrencyMismatch { expected: p.terms.value.currency, given: d.value.currency });
    }
    let today = utc_day(at);
    if d.delivered_on > today {
        return Err(Refusal::Invalid {
            field: "delivered_on",
            reason: format!("{} is after today ({today}): record a delivery once it is made", d.delivered_on),
        });
    }
    if let Some(announced) = p.terms.announced_on.filter(|a| d.delivered_on < *a) {
        return Err(Refusal::Invalid {
            field: "delivered_on",
            reason: format!("{} is before the pledge was announced ({announced})", d.delivered_on),
        });
    }
    check_money("value", d.value, d.correction.is_some())?;
    if d.quantity.unsigned_abs() > MAX_MINOR_UNITS.unsigned_abs() {
        return Err(Refusal::AmountOverflow { field: "quantity" });
    }
    let quantity = p.delivered_quantity.checked_add(d.quantity).ok_or(Refusal::AmountOverflow { field: "quantity" })?;
    let value = p.delivered_value.checked_add(d.value).map_err(|_| Refusal::AmountOverflow { field: "value" })?;
    match d.correction {
        None => {
            if d.quantity <= 0 {
                return Err(Refusal::Invalid {
                    field: "quantity",
                    reason: "a delivery delivers at least one: to reduce what was recorded, record a correction".into(),
                });
            }
            let pledged = i64::try_from(p.terms.quantity).unwrap_or(i64::MAX);
            if quantity > pledged {
                return Err(Refusal::OverDelivery {
                    pledge: d.pledge,
                    measure: "quantity",
                    pledged: pledged.to_string(),
                    would_be: quantity.to_string(),
                });
            }
            if value.minor_units > p.terms.value.minor_units {
                return Err(Refusal::OverDelivery {
                    pledge: d.pledge,
                    measure: "value",
                    pledged: p.terms.value.to_string(),
                    would_be: value.to_string(),
                });
            }
        }
        Some(reason) => {
            check_text("correction", reason, MAX_NOTE)?;
            if d.quantity == 0 && d.value.is_zero() {
                return Err(Refusal::Invalid {
                    field: "correction",
                    reason: "it corrects nothing (zero quantity and value)".into(),
                });
            }
            if quantity < 0 || value.is_negative() {
                return Err(Refusal::CorrectionBelowZero { pledge: d.pledge });
            }
        }
    }
    Ok((quantity, value))
}

/// The status a pledge moves to when its deliveries reach `delivered` (deliveries only ever move
/// a status forward: a negative correction leaves it where it is).
#[must_use]
pub(crate) fn status_after_delivery(p: &Pledge, delivered: i64) -> Option<PledgeStatus> {
    let pledged = i64::try_from(p.terms.quantity).unwrap_or(i64::MAX);
    let next = if delivered >= pledged {
        PledgeStatus::Delivered
    } else if delivered > 0 {
        PledgeStatus::PartiallyDelivered
    } else {
        return None;
    };
    p.status.can_move_to(next).then_some(next)
}

/// Only the partner a delivery was made to confirms it, once, and a correction is no shipment.
pub(crate) fn check_receipt(state: &State, id: DeliveryId, note: Option<&str>) -> Result<CountryCode, Refusal> {
    let d = state.support.deliveries.get(&id).ok_or(Refusal::UnknownDelivery { delivery: id })?;
    if d.is_correction() {
        return Err(Refusal::Invalid {
            field: "delivery",
            reason: format!("delivery record {id} is a correction, not a shipment: there is nothing to receive"),
        });
    }
    if let Some(r) = &d.receipt {
        return Err(Refusal::AlreadyConfirmed { delivery: id, at: r.at });
    }
    check_optional_text("note", note, MAX_NOTE)?;
    Ok(pledge(state, d.pledge)?.terms.recipient)
}

/// Rule 13: a named coalition of known donors whose leads take part in it.
pub(crate) fn check_coalition(state: &State, t: &CoalitionTerms) -> Result<(), Refusal> {
    check_text("name", &t.name, MAX_NAME)?;
    let name = t.name.trim().to_lowercase();
    if state.support.coalitions.values().any(|c| c.terms.name.trim().to_lowercase() == name) {
        return Err(Refusal::CoalitionExists { name: t.name.clone() });
    }
    if t.leads.is_empty() {
        return Err(Refusal::Invalid { field: "leads", reason: "a coalition has at least one lead nation".into() });
    }
    for &p in &t.participants {
        known_donor(state, p)?;
    }
    if let Some(&lead) = t.leads.iter().find(|l| !t.participants.contains(l)) {
        return Err(Refusal::LeadNotParticipant { lead });
    }
    Ok(())
}

/// A known donor joins a coalition, or a participant becomes a lead.
pub(crate) fn check_join(state: &State, id: CoalitionId, who: CountryCode, lead: bool) -> Result<(), Refusal> {
    let c = state.support.coalitions.get(&id).ok_or(Refusal::UnknownCoalition { coalition: id })?;
    known_donor(state, who)?;
    if c.is_participant(who) && (!lead || c.is_lead(who)) {
        return Err(Refusal::AlreadyParticipant { coalition: id, participant: who });
    }
    Ok(())
}

/// A fund: an alliance programme on an adopted decision (rule 8); the alliance fund is
/// non-lethal only (rule 6).
pub(crate) fn check_fund(state: &State, t: &FundTerms) -> Result<(), Refusal> {
    check_text("name", &t.name, MAX_NAME)?;
    let name = t.name.trim().to_lowercase();
    if state.support.funds.values().any(|f| f.terms.name.trim().to_lowercase() == name) {
        return Err(Refusal::FundExists { name: t.name.clone() });
    }
    if !t.channel.is_alliance() {
        return Err(Refusal::Invalid {
            field: "channel",
            reason: format!(
                "a fund is the alliance's: its channel is the alliance fund or alliance coordinated, not {}",
                t.channel
            ),
        });
    }
    if t.channel == Channel::AllianceFund && t.policy != super::FundPolicy::NonLethalOnly {
        return Err(Refusal::AllianceFundPolicy { name: t.name.clone() });
    }
    check_decision(state, t.authorised_by, FUND_KINDS)
}

/// A rate between two currencies, one per pair and day.
pub(crate) fn check_rate(state: &State, r: &FxRate) -> Result<(), Refusal> {
    if r.from == r.to {
        return Err(Refusal::Invalid { field: "rate", reason: format!("it converts {} to itself", r.from) });
    }
    if state.support.rates.exact(r.from, r.to, r.on).is_some() {
        return Err(Refusal::RateExists { from: r.from, to: r.to, on: r.on });
    }
    Ok(())
}

/// A GDP figure (rule 14's data): for a member the log knows, a year in range, a positive value,
/// a unit and a source; a second figure for the same member and year only as a correction with
/// its reason, and a correction only where there is a figure to correct.
pub(crate) fn check_gdp(state: &State, g: &GdpFigure) -> Result<(), Refusal> {
    if !state.members.contains_key(&g.member) {
        return Err(Refusal::UnknownMember { member: g.member });
    }
    if !super::gdp::YEARS.contains(&g.year) {
        let (from, to) = (super::gdp::YEARS.start(), super::gdp::YEARS.end());
        return Err(Refusal::Invalid { field: "year", reason: format!("{} is not between {from} and {to}", g.year) });
    }
    if g.value == 0 {
        return Err(Refusal::Invalid { field: "value", reason: "a GDP figure is positive".into() });
    }
    check_text("unit", &g.unit, super::gdp::MAX_SOURCE)?;
    check_text("source", &g.source, super::gdp::MAX_SOURCE)?;
    let recorded = state.support.gdp.get(&g.member).is_some_and(|years| years.contains_key(&g.year));
    match (&g.correction, recorded) {
        (None, true) => Err(Refusal::GdpExists { member: g.member, year: g.year }),
        (Some(_), false) => Err(Refusal::Invalid {
            field: "correction",
            reason: format!("there is no GDP figure of {} for {} to correct", g.member, g.year),
        }),
        (Some(reason), true) => check_text("correction", reason, crate::refusal::MAX_STATEMENT),
        (None, false) => Ok(()),
    }
}
