//! Notices: who must be told what, and when — a pure function of the state and the time.
//!
//! Two kinds. A log entry causes notices to everyone it concerns who may read it
//! ([`of_entry`]): a procedure opened or a text circulated again (silence restarted), a deadline
//! moved, silence broken, the outcome, a withdrawal; for a partner, its request's coverage
//! changing and a delivery to confirm. Time causes the others ([`due`]): reminders to the
//! electors who have taken no position yet, on the deployment's [`Ladder`], and a warning to the
//! secretariat when a procedure has no position at all a day before its deadline.
//!
//! Every notice has a stable id, derived from what caused it and whom it is for, never from when
//! it was computed. A reminder's id names the circulation and the rung, not the deadline, so that
//! an extended deadline moves the rungs still to come without repeating one already due. Whoever
//! delivers notices keeps the ids it has queued; computing again after a restart then neither
//! loses nor repeats one.
//!
//! A notice carries titles, kinds, deadlines and outcomes, never a proposal's text: the channels
//! it goes out on (mail, webhooks) leave the deployment, and a link brings the reader to the text
//! under its own rights.

mod ladder;
mod summary;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::support::{DeliveryId, PledgeId, RequestId, RequestStatus};
use crate::{
    CountryCode, DecisionKind, Event, Marking, Outcome, Procedure, Proposal, ProposalId, Reader, Stance, State,
};

pub use ladder::{InvalidLadder, Ladder};

/// Something a reader must be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// Stable: the same cause for the same reader always has this id, so a receiver can
    /// de-duplicate by it.
    pub id: String,
    /// Who it is for: `secretariat`, `member:FRA`, `partner:UKR` or `public`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to: Reader,
    /// When it became due: the entry's time, or the reminder's.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Within a day of a deadline: mail goes out at once rather than in a digest.
    pub pressing: bool,
    #[serde(flatten)]
    pub what: What,
}

/// What a notice says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum What {
    /// A text was circulated: a procedure opened, or (`restarted`) a revised text went out again
    /// and the silence started over.
    Circulated {
        proposal: ProposalId,
        title: String,
        kind: DecisionKind,
        procedure: Procedure,
        revision: u32,
        restarted: bool,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
    },
    /// The deadline was extended or curtailed.
    DeadlineMoved {
        proposal: ProposalId,
        title: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
    },
    /// The delegation has taken no position, and the deadline is near.
    Reminder {
        proposal: ProposalId,
        title: String,
        procedure: Procedure,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
    },
    /// For the secretariat: nobody has taken a position a day before the deadline.
    NoPositions {
        proposal: ProposalId,
        title: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
    },
    /// A delegation broke silence (objected, or proposed an amendment).
    SilenceBroken { proposal: ProposalId, title: String, by: CountryCode, stance: Stance },
    /// For a member: the delegation it authorised as its proxy took a position for it.
    ActedByProxy { proposal: ProposalId, title: String, proxy: CountryCode, stance: Stance },
    /// The procedure ended.
    Decided { proposal: ProposalId, title: String, outcome: Outcome },
    /// The secretariat withdrew the proposal.
    Withdrawn { proposal: ProposalId, title: String },
    /// For a partner: what is pledged and delivered against its request changed.
    CoverageChanged {
        request: RequestId,
        description: String,
        requested: u64,
        pledged: u64,
        delivered: u64,
        status: RequestStatus,
    },
    /// For a partner: a delivery to it was recorded; it is asked to confirm receipt.
    DeliveryToConfirm { delivery: DeliveryId, pledge: PledgeId, item: String, quantity: i64 },
}

impl What {
    /// The proposal it is about, if any.
    #[must_use]
    pub fn proposal(&self) -> Option<ProposalId> {
        match self {
            Self::Circulated { proposal, .. }
            | Self::DeadlineMoved { proposal, .. }
            | Self::Reminder { proposal, .. }
            | Self::NoPositions { proposal, .. }
            | Self::SilenceBroken { proposal, .. }
            | Self::ActedByProxy { proposal, .. }
            | Self::Decided { proposal, .. }
            | Self::Withdrawn { proposal, .. } => Some(*proposal),
            Self::CoverageChanged { .. } | Self::DeliveryToConfirm { .. } => None,
        }
    }

    /// The deadline it announces, if any.
    #[must_use]
    pub fn deadline(&self) -> Option<Timestamp> {
        match self {
            Self::Circulated { deadline, .. }
            | Self::DeadlineMoved { deadline, .. }
            | Self::Reminder { deadline, .. }
            | Self::NoPositions { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }
}

/// How long before a deadline a notice is pressing: sent at once, never held for a digest.
pub const PRESSING: SignedDuration = SignedDuration::from_hours(24);

/// The secretariat is warned this long before a deadline that nobody has taken a position.
pub const QUIET_WARNING: SignedDuration = SignedDuration::from_hours(24);

/// The notices log entry `seq`, recorded with `marking`, causes. `state` is the state after the
/// entry (or any later one: what a notice names is taken from the event where the event says it,
/// and otherwise does not change — titles aside, which read as they stand). Each goes only to a
/// reader who may read the entry ([`State::may_read`]) and the proposal.
#[must_use]
pub fn of_entry(state: &State, seq: u64, marking: Marking, event: &Event, at: Timestamp) -> Vec<Notice> {
    let proposal = event.proposal().and_then(|id| state.proposals.get(&id));
    let (what, readers): (What, Vec<Reader>) = match (event, proposal) {
        (Event::ProposalCirculated { proposal: id, procedure, revision, deadline, .. }, Some(p)) => {
            let restarted = p.circulation.as_ref().is_some_and(|c| c.opened_at < at);
            let title = p.revisions.get((*revision as usize).saturating_sub(1)).unwrap_or(p.current()).title.clone();
            let what = What::Circulated {
                proposal: *id,
                title,
                kind: p.kind,
                procedure: *procedure,
                revision: *revision,
                restarted,
                deadline: *deadline,
            };
            (what, concerned(state, p))
        }
        (
            Event::DeadlineExtended { proposal: id, deadline, .. }
            | Event::DeadlineCurtailed { proposal: id, deadline, .. },
            Some(p),
        ) => {
            (What::DeadlineMoved { proposal: *id, title: released_title(p), deadline: *deadline }, concerned(state, p))
        }
        // The member a proxy acted for hears of it at once: it may have to take the position
        // back (a member's own position replaces its proxy's), and nothing else tells it.
        (Event::PositionTaken { proposal: id, member, stance, proxy: Some(proxy), .. }, Some(p)) => {
            let acted = What::ActedByProxy { proposal: *id, title: released_title(p), proxy: *proxy, stance: *stance };
            let mut notices = addressed(state, seq, marking, event, at, acted, vec![Reader::Member(*member)]);
            if let Some((what, readers)) = silence_broken(state, p, *id, *member, *stance) {
                notices.extend(addressed(state, seq, marking, event, at, what, readers));
            }
            return notices;
        }
        (Event::PositionTaken { proposal: id, member, stance, .. }, Some(p)) => {
            match silence_broken(state, p, *id, *member, *stance) {
                Some(broken) => broken,
                None => return Vec::new(),
            }
        }
        (Event::ProposalDecided { proposal: id, decision }, Some(p)) => {
            let title = p
                .revisions
                .get((decision.revision as usize).saturating_sub(1))
                .map_or_else(|| released_title(p), |r| r.title.clone());
            (What::Decided { proposal: *id, title, outcome: decision.outcome }, concerned(state, p))
        }
        (Event::ProposalWithdrawn { proposal: id, .. }, Some(p)) if p.circulation.is_some() => {
            (What::Withdrawn { proposal: *id, title: released_title(p) }, concerned(state, p))
        }
        (Event::PledgeRecorded { terms, .. }, _) => return coverage(state, seq, marking, event, at, terms.request),
        (Event::PledgeStatusChanged { pledge, .. }, _) => {
            let request = state.support.pledges.get(pledge).and_then(|p| p.terms.request);
            return coverage(state, seq, marking, event, at, request);
        }
        (Event::DeliveryRecorded { delivery, pledge, quantity, correction, .. }, _) => {
            let Some(pl) = state.support.pledges.get(pledge) else { return Vec::new() };
            let mut notices = coverage(state, seq, marking, event, at, pl.terms.request);
            if correction.is_none() && *quantity > 0 {
                let what = What::DeliveryToConfirm {
                    delivery: *delivery,
                    pledge: *pledge,
                    item: pl.terms.item.to_string(),
                    quantity: *quantity,
                };
                notices.extend(addressed(
                    state,
                    seq,
                    marking,
                    event,
                    at,
                    what,
                    vec![Reader::Partner(pl.terms.recipient)],
                ));
            }
            return notices;
        }
        _ => return Vec::new(),
    };
    addressed(state, seq, marking, event, at, what, readers)
}

/// Whom to tell that `member`'s `stance` broke the silence on `p`, if it did: the other electors
/// and the secretariat. Under consensus minus one the state concerned breaks no silence.
fn silence_broken(
    state: &State,
    p: &Proposal,
    id: ProposalId,
    member: CountryCode,
    stance: Stance,
) -> Option<(What, Vec<Reader>)> {
    let c = p.circulation.as_ref()?;
    let set_aside = matches!(c.rule.as_ref().map(|r| &r.rule),
        Some(crate::decision_rule::Rule::ConsensusMinusOne { concerned }) if *concerned == member);
    if !matches!(stance, Stance::Object | Stance::ProposeAmendment) || c.procedure != Procedure::Silence || set_aside {
        return None;
    }
    let what = What::SilenceBroken { proposal: id, title: released_title(p), by: member, stance };
    let mut readers = electors(state, p);
    readers.retain(|r| *r != state.reader_of(member));
    readers.push(Reader::Secretariat);
    Some((what, readers))
}

/// The notices `what`, caused by entry `seq`, for each of `readers` who may read the entry and
/// what it is about.
fn addressed(
    state: &State,
    seq: u64,
    marking: Marking,
    event: &Event,
    at: Timestamp,
    what: What,
    readers: Vec<Reader>,
) -> Vec<Notice> {
    let marking = state.released(seq, marking);
    let about = what.proposal().and_then(|id| state.proposals.get(&id));
    let pressing = what.deadline().is_some_and(|d| d.duration_since(at) <= PRESSING);
    let mut seen = Vec::with_capacity(readers.len());
    for reader in readers {
        let reader = state.cleared(reader);
        if seen.contains(&reader)
            || !state.may_read(reader, marking, event)
            || about.is_some_and(|p| state.proposal_for(reader, p).is_none())
        {
            continue;
        }
        seen.push(reader);
    }
    seen.into_iter()
        .map(|to| Notice { id: format!("e{seq}-{}", id_part(to)), to, at, pressing, what: what.clone() })
        .collect()
}

/// A partner's notice that the coverage of `request` changed, when the entry touches one.
fn coverage(
    state: &State,
    seq: u64,
    marking: Marking,
    event: &Event,
    at: Timestamp,
    request: Option<RequestId>,
) -> Vec<Notice> {
    let Some(r) = request.and_then(|id| state.support.requests.get(&id)) else { return Vec::new() };
    let Some(c) = state.support.coverage(r.id) else { return Vec::new() };
    let what = What::CoverageChanged {
        request: r.id,
        description: r.terms.description.clone(),
        requested: r.terms.quantity,
        pledged: c.pledged,
        delivered: c.delivered,
        status: c.status,
    };
    let mut notices = addressed(state, seq, marking, event, at, what, vec![Reader::Partner(r.terms.partner)]);
    for n in &mut notices {
        n.id = format!("e{seq}-coverage-{}", id_part(n.to));
    }
    notices
}

/// The title of the last text circulated: what every reader a proposal's notices go to may
/// read, where a text revised since in negotiation is still the members'. Notices may be
/// computed after later entries (a queue catching up), so the current title will not do.
fn released_title(p: &Proposal) -> String {
    p.revisions.iter().rev().find(|r| r.circulated).unwrap_or(p.current()).title.clone()
}

/// Who a proposal's procedure concerns: its electors, the secretariat, and the audience beyond
/// the members it was circulated to.
fn concerned(state: &State, p: &Proposal) -> Vec<Reader> {
    let mut readers = electors(state, p);
    readers.push(Reader::Secretariat);
    match p.audience {
        Some(Marking::MembersAndPartner(partner)) => readers.push(Reader::Partner(partner)),
        Some(Marking::Public) => readers.push(Reader::Public),
        Some(Marking::Members) | None => {}
    }
    readers
}

fn electors(state: &State, p: &Proposal) -> Vec<Reader> {
    p.electorate().iter().map(|m| state.reader_of(*m)).collect()
}

/// The reminders and warnings due at `now`: for each open procedure and each rung of `ladder`
/// that falls after the text was circulated, a reminder to every elector without a position on
/// the current text, from the rung's time until the next rung's (or the deadline); and the
/// secretariat's warning when there is no position at all, from [`QUIET_WARNING`] before the
/// deadline until it. A rung that fell before the circulation is not sent: the circulation's
/// own notice said as much.
#[must_use]
pub fn due(state: &State, now: Timestamp, ladder: &Ladder) -> Vec<Notice> {
    let mut notices = Vec::new();
    for p in state.proposals.values().filter(|p| p.status.is_open()) {
        let Some(c) = p.circulation.as_ref() else { continue };
        if now >= c.deadline {
            continue;
        }
        let title = || p.current().title.clone();
        let circulation = c.circulated_at.as_second();
        for (when, until, rung) in rungs(c.deadline, c.circulated_at, ladder) {
            if !(when <= now && now < until) {
                continue;
            }
            for member in p.electorate().iter().filter(|m| !p.positions.contains_key(m)) {
                let to = state.reader_of(*member);
                if state.cleared(to) != to {
                    continue;
                }
                notices.push(Notice {
                    id: format!("r{}-{circulation}-{}-{}", p.id, rung.as_secs(), id_part(to)),
                    to,
                    at: when,
                    pressing: c.deadline.duration_since(when) <= PRESSING,
                    what: What::Reminder {
                        proposal: p.id,
                        title: title(),
                        procedure: c.procedure,
                        deadline: c.deadline,
                    },
                });
            }
        }
        let warn_at = c.deadline - QUIET_WARNING;
        if p.positions.is_empty() && c.circulated_at < warn_at && warn_at <= now {
            notices.push(Notice {
                id: format!("q{}-{circulation}-secretariat", p.id),
                to: Reader::Secretariat,
                at: warn_at,
                pressing: true,
                what: What::NoPositions { proposal: p.id, title: title(), deadline: c.deadline },
            });
        }
    }
    notices
}

/// The first instant after `now` at which [`due`] may give a notice it does not give at `now`:
/// when a deliverer should look again, if nothing is appended before.
#[must_use]
pub fn next_due(state: &State, now: Timestamp, ladder: &Ladder) -> Option<Timestamp> {
    state
        .proposals
        .values()
        .filter(|p| p.status.is_open())
        .filter_map(|p| p.circulation.as_ref())
        .flat_map(|c| {
            let quiet = Some(c.deadline - QUIET_WARNING).filter(|w| c.circulated_at < *w);
            rungs(c.deadline, c.circulated_at, ladder).map(|(when, _, _)| when).chain(quiet)
        })
        .filter(|t| *t > now)
        .min()
}

/// Each rung that falls after `circulated_at`: when it is due, until when, and the rung.
fn rungs(
    deadline: Timestamp,
    circulated_at: Timestamp,
    ladder: &Ladder,
) -> impl Iterator<Item = (Timestamp, Timestamp, SignedDuration)> + '_ {
    let times: Vec<Timestamp> = ladder.rungs().iter().map(|r| deadline - *r).collect();
    ladder.rungs().iter().enumerate().filter_map(move |(i, rung)| {
        let when = times[i];
        let until = times.get(i + 1).copied().unwrap_or(deadline);
        (when > circulated_at).then_some((when, until, *rung))
    })
}

/// A reader as it appears in an id: `secretariat`, `member-FRA`, `partner-UKR`, `public`.
fn id_part(reader: Reader) -> String {
    reader.to_string().replace(':', "-")
}
