//! `decide`: a command, its actor and the time in; the events it causes, or a typed refusal, out.
//!
//! Pure: the time is a value, the state is read only. Every check is in `rules.rs`, shared with
//! `apply`; who may do what is `authorise.rs`; this module adds which events follow.

use jiff::Timestamp;

use crate::authorise::authorise;
use crate::decision::evaluate_with;
use crate::rules;
use crate::signature::{Checked, VerifiedSignature};
use crate::support::rules as support_rules;
use crate::support::{PledgeStatus, SupportCommand, rules::DeliveryClaim};
use crate::{Actor, Command, Event, Position, ProposalStatus, Refusal, Significance, State, text_hash};

/// Decides `command` at `now` and applies its events to `state`, which the live path runs:
/// [`decide`] then [`State::apply`], except that a signed position's signature, which `decide`
/// has just verified against this very state, is not verified a second time (it is the one
/// costly check). Nor is it verified here at all if `ahead` ([`crate::verify_ahead`]) verified
/// this very note with a key still valid here. Replaying the log ([`State::apply`]) verifies every
/// signature.
///
/// # Panics
/// If `apply` refuses an event `decide` produced: they share their rules, so that is a bug.
pub fn decide_and_apply(
    state: &mut State,
    actor: Actor,
    command: &Command,
    now: Timestamp,
    ahead: Option<&VerifiedSignature>,
) -> Result<Vec<Event>, Refusal> {
    let events = decide_checking(state, actor, command, now, ahead.map_or(Checked::No, Checked::Ahead))?;
    for event in &events {
        if let Err(e) = state.apply_decided(event) {
            panic!("decide produced an event that apply refuses: {e}");
        }
    }
    Ok(events)
}

/// Decides a command at `now`. The events, applied in order, are the whole effect.
pub fn decide(state: &State, actor: Actor, command: &Command, now: Timestamp) -> Result<Vec<Event>, Refusal> {
    decide_checking(state, actor, command, now, Checked::No)
}

fn decide_checking(
    state: &State,
    actor: Actor,
    command: &Command,
    now: Timestamp,
    signature: Checked<'_>,
) -> Result<Vec<Event>, Refusal> {
    authorise(state, actor, command)?;
    match command {
        Command::CreateLog { origin, log_key, unsigned_positions, min_silence } => {
            rules::check_log(state, origin, log_key)?;
            rules::check_min_silence(*min_silence)?;
            Ok(vec![Event::LogCreated {
                origin: origin.clone(),
                log_key: log_key.clone(),
                unsigned_positions: *unsigned_positions,
                min_silence: *min_silence,
            }])
        }
        Command::RegisterMemberKey { member, key, valid_from, valid_until } => {
            let valid_from = valid_from.unwrap_or(now);
            rules::check_member_key(state, *member, key, valid_from, *valid_until)?;
            Ok(vec![Event::MemberKeyRegistered {
                member: *member,
                key: key.clone(),
                valid_from,
                valid_until: *valid_until,
            }])
        }
        Command::RevokeMemberKey { member, key_id } => {
            rules::check_revocation(state, *member, key_id)?;
            Ok(vec![Event::MemberKeyRevoked { member: *member, key_id: key_id.clone(), at: now }])
        }
        Command::AdmitMember { member } => {
            rules::check_admission(state, member)?;
            Ok(vec![Event::MemberAdmitted { member: member.clone() }])
        }
        Command::RecordDeparture { member, on } => {
            rules::check_departure(state, *member, *on)?;
            Ok(vec![Event::MemberDeparted { member: *member, on: *on }])
        }
        Command::RegisterPartner { partner } => {
            rules::check_partner(state, partner)?;
            Ok(vec![Event::PartnerRegistered { partner: partner.clone() }])
        }
        Command::EstablishBody { id, name, parent, roster, kinds, procedures, rule, proxies } => {
            let body = crate::Body {
                id: id.clone(),
                name: name.clone(),
                parent: parent.clone(),
                roster: roster.clone(),
                kinds: kinds.clone(),
                procedures: procedures.clone(),
                rule: rule.clone(),
                proxies: *proxies,
                rule_version: 1,
                established_at: now,
            };
            crate::body::check_body(state, &body)?;
            Ok(vec![Event::BodyEstablished { body }])
        }
        Command::AppointChair { body, chair, from } => {
            let term = crate::ChairTerm { body: body.clone(), chair: *chair, from: from.unwrap_or(now) };
            crate::chair::check_appointment(state, &term, now)?;
            Ok(vec![Event::ChairAppointed { body: term.body, chair: term.chair, from: term.from, at: now }])
        }
        Command::AuthoriseProxy { body, member, proxy, from, until, evidence } => {
            let from = match evidence {
                // A signed authorisation's period is the one the member signed.
                Some(note) => {
                    let (signed, start) = crate::proxy::signed_period(note, now)?;
                    if from.is_some_and(|f| f != signed.from) || *until != signed.until {
                        let reason = "the period given is not the one signed".to_owned();
                        return Err(Refusal::BadSignedProxy { reason });
                    }
                    start
                }
                None => from.unwrap_or(now),
            };
            let proxy =
                crate::Proxy { member: *member, proxy: *proxy, from, until: *until, evidence: evidence.clone() };
            crate::proxy::check_proxy(state, body, &proxy, now)?;
            Ok(vec![Event::ProxyAuthorised { body: body.clone(), proxy, at: now }])
        }
        Command::EndProxy { body, member } => {
            crate::proxy::check_end(state, body, *member, now)?;
            Ok(vec![Event::ProxyEnded { body: body.clone(), member: *member, at: now }])
        }
        Command::RecordPopulations { populations } => {
            crate::body::check_populations(state, populations)?;
            Ok(vec![Event::PopulationsRecorded { populations: populations.clone(), at: now }])
        }
        Command::ChangeRule { body, rule, reason } => {
            let version = crate::body::check_rule_change(state, body, rule, reason, now)?;
            Ok(vec![Event::RuleChanged {
                body: body.clone(),
                version,
                rule: rule.clone(),
                reason: reason.clone(),
                at: now,
            }])
        }
        Command::DraftProposal { body, follows, kind, significance, title, text } => {
            let significance = significance.unwrap_or(if kind.always_significant() {
                Significance::Significant
            } else {
                Significance::Routine
            });
            rules::check_draft(*kind, significance, title, text)?;
            crate::body::check_body_decides(state, body.as_ref(), *kind)?;
            if let Some(prior) = follows {
                crate::follows::check_follows(state, body.as_ref(), *prior)?;
            }
            Ok(vec![Event::ProposalDrafted {
                body: body.clone(),
                follows: *follows,
                proposal: state.next_proposal_id(),
                kind: *kind,
                significance,
                title: title.clone(),
                text: text.clone(),
                text_hash: text_hash(text),
                at: now,
            }])
        }
        Command::AmendProposal { proposal, title, text, deadline, urgent } => {
            let p = state.proposal(*proposal)?;
            rules::check_amendable(p, now)?;
            let title = title.clone().unwrap_or_else(|| p.current().title.clone());
            rules::check_text("title", &title, crate::refusal::MAX_TITLE)?;
            rules::check_text("text", text, crate::refusal::MAX_TEXT)?;
            let revision = p.current().number + 1;
            let amended = Event::ProposalAmended {
                proposal: *proposal,
                revision,
                title,
                text: text.clone(),
                text_hash: text_hash(text),
                at: now,
            };
            let Some(circ) = p.circulation.as_ref().filter(|_| p.status.is_open()) else {
                return Ok(vec![amended]);
            };
            // An open proposal's new text is circulated again, to the same electorate.
            let deadline = deadline.ok_or(Refusal::DeadlineRequired)?;
            if deadline <= now {
                return Err(Refusal::DeadlineNotInFuture { deadline, now });
            }
            let urgent = rules::check_silence_period(state, circ.procedure, now, deadline, urgent.as_deref())?;
            Ok(vec![
                amended,
                Event::ProposalCirculated {
                    proposal: *proposal,
                    revision,
                    procedure: circ.procedure,
                    deadline,
                    electorate: circ.electorate.clone(),
                    at: now,
                    marking: p.audience,
                    urgent,
                    rule: circ.rule.clone(),
                },
            ])
        }
        Command::Circulate { proposal, procedure, deadline, marking, urgent } => {
            let p = state.proposal(*proposal)?;
            if !p.status.awaits_circulation() {
                rules::check_not_final(p)?;
                return Err(Refusal::NotADraft { proposal: p.id, status: p.status });
            }
            rules::check_circulation(p, *procedure, *deadline, now)?;
            let urgent = rules::check_silence_period(state, *procedure, now, *deadline, urgent.as_deref())?;
            // A new round goes to the audience the first one was released to.
            let marking = match (p.status, rules::check_circulation_marking(state, *marking)?) {
                (ProposalStatus::Negotiating, asked) if marking.is_none() || asked == p.audience => p.audience,
                (ProposalStatus::Negotiating, _) => return Err(Refusal::AudienceFixed { proposal: p.id }),
                (_, asked) => asked,
            };
            let (electorate, rule) = match &p.circulation {
                // An amended text circulated again keeps the electorate and the rule (a new round
                // after a reopen has none here: it takes the roster and rule of its own day).
                Some(c) => (c.electorate.clone(), c.rule.clone()),
                None => (state.roster(p.body.as_ref(), now)?, state.rule_in_force(p.body.as_ref(), now)?),
            };
            crate::body::check_body_uses(state, p.body.as_ref(), *procedure)?;
            crate::body::check_electorate(&electorate, rule.as_ref(), now)?;
            crate::follows::check_prior_adopted(state, p, marking)?;
            Ok(vec![Event::ProposalCirculated {
                proposal: *proposal,
                revision: p.current().number,
                procedure: *procedure,
                deadline: *deadline,
                electorate,
                at: now,
                marking,
                urgent,
                rule,
            }])
        }
        Command::ExtendDeadline { proposal, deadline } => {
            rules::check_deadline_change(state.proposal(*proposal)?, *deadline, now, true)?;
            Ok(vec![Event::DeadlineExtended { proposal: *proposal, deadline: *deadline, at: now }])
        }
        Command::CurtailDeadline { proposal, deadline, urgent } => {
            let p = state.proposal(*proposal)?;
            rules::check_deadline_change(p, *deadline, now, false)?;
            let urgent = rules::check_curtailed_silence(state, p, *deadline, urgent.as_deref())?;
            Ok(vec![Event::DeadlineCurtailed { proposal: *proposal, deadline: *deadline, at: now, urgent }])
        }
        Command::Reopen { proposal, reason } => {
            rules::check_reopenable(state.proposal(*proposal)?)?;
            rules::check_text("reason", reason, crate::refusal::MAX_STATEMENT)?;
            Ok(vec![Event::ProposalReopened { proposal: *proposal, reason: reason.clone(), at: now }])
        }
        Command::Withdraw { proposal, reason } => {
            let p = state.proposal(*proposal)?;
            rules::check_withdrawable(p, now)?;
            rules::check_text("reason", reason, crate::refusal::MAX_STATEMENT)?;
            Ok(vec![Event::ProposalWithdrawn { proposal: *proposal, reason: reason.clone(), at: now }])
        }
        Command::AwaitInstructions { proposal, member, note } => {
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            rules::check_awaiting(state, visible(state, actor, *proposal)?, *member, note, now)?;
            Ok(vec![Event::InstructionsAwaited {
                proposal: *proposal,
                member: *member,
                note: note.map(str::to_owned),
                at: now,
            }])
        }
        Command::TakePosition { proposal, member, revision, stance, text, evidence } => {
            let p = visible(state, actor, *proposal)?;
            // Another member's delegation acts by proxy (`authorise` let it through only then).
            let proxy = match actor {
                Actor::Member(m) if m != *member => Some(m),
                _ => None,
            };
            let claim = rules::PositionClaim {
                member: *member,
                revision: *revision,
                stance: *stance,
                text: text.as_deref(),
                evidence: evidence.as_deref(),
                signature,
                proxy,
            };
            let signed_at = rules::check_position(state, p, claim, now)?;
            let taken = Event::PositionTaken {
                proposal: *proposal,
                member: *member,
                revision: *revision,
                text_hash: p.current().text_hash.clone(),
                stance: *stance,
                text: text.clone(),
                at: now,
                evidence: evidence.clone(),
                proxy,
            };
            let mut positions = p.positions.clone();
            positions.insert(
                *member,
                Position {
                    member: *member,
                    revision: *revision,
                    stance: *stance,
                    text: text.clone(),
                    at: now,
                    signed: evidence.is_some(),
                    signed_at,
                    proxy,
                },
            );
            // Under silence the first objection ends the procedure at once; in a round so does
            // an objection, or the last consent.
            match evaluate_with(p, &positions, now) {
                Some(decision) => Ok(vec![taken, Event::ProposalDecided { proposal: *proposal, decision }]),
                None => Ok(vec![taken]),
            }
        }
        Command::CloseAtDeadline { proposal } => {
            let p = state.proposal(*proposal)?;
            rules::check_not_final(p)?;
            let c = p.circulation.as_ref().filter(|_| p.status.is_open());
            let c = c.ok_or(Refusal::NotOpen { proposal: p.id, status: p.status })?;
            if now < c.deadline {
                return Err(Refusal::NotDue { deadline: c.deadline });
            }
            // Nothing closes while an amended text waits to be circulated again (with a new deadline).
            let decision =
                evaluate_with(p, &p.positions, now).ok_or(Refusal::NotOpen { proposal: p.id, status: p.status })?;
            Ok(vec![Event::ProposalDecided { proposal: *proposal, decision }])
        }
        Command::Publish { entry, marking, revealed } => {
            rules::check_publication(state, *entry, *marking, revealed)?;
            Ok(vec![Event::EntryPublished { entry: *entry, marking: *marking, revealed: revealed.clone(), at: now }])
        }
        Command::Support(command) => decide_support(state, actor, command, now),
    }
}

/// Decides a support command (issue 3), already authorised.
fn decide_support(
    state: &State,
    actor: Actor,
    command: &SupportCommand,
    now: Timestamp,
) -> Result<Vec<Event>, Refusal> {
    let support = &state.support;
    match command {
        SupportCommand::RegisterDonorState { donor } => {
            support_rules::check_donor_state(state, donor)?;
            Ok(vec![Event::DonorStateRegistered { donor: donor.clone() }])
        }
        SupportCommand::FileRequest { request } => {
            support_rules::check_request(state, request)?;
            Ok(vec![Event::RequestFiled { request: support.next_request_id(), terms: request.clone(), at: now }])
        }
        SupportCommand::WithdrawRequest { request, reason } => {
            support_rules::check_withdrawal(state, *request, reason.as_deref())?;
            Ok(vec![Event::RequestWithdrawn { request: *request, reason: reason.clone(), at: now }])
        }
        SupportCommand::ImportPledges { pledges } => {
            if pledges.is_empty() {
                return Err(Refusal::Invalid { field: "pledges", reason: "there are none: give at least one".into() });
            }
            // A row's rules read donors, partners, requests, coalitions, funds and decisions,
            // which no row changes: each row is decided on the state as it is (no copy of a
            // state that may hold a million pledges), numbered after the rows before it.
            let first = support.next_pledge_id();
            let mut events = Vec::with_capacity(pledges.len());
            for (i, p) in pledges.iter().enumerate() {
                let row = Command::Support(SupportCommand::RecordPledge { pledge: p.terms.clone(), status: p.status });
                let refused = |r| Refusal::InRow { row: i + 1, refusal: Box::new(r) };
                for mut e in decide(state, actor, &row, now).map_err(refused)? {
                    if let Event::PledgeRecorded { pledge, .. } = &mut e {
                        *pledge = first.after(i as u64);
                    }
                    events.push(e);
                }
            }
            Ok(events)
        }
        SupportCommand::RecordPledge { pledge, status } => {
            let status = status.unwrap_or(PledgeStatus::Announced);
            support_rules::check_pledge(state, pledge, status, now)?;
            Ok(vec![Event::PledgeRecorded { pledge: support.next_pledge_id(), terms: pledge.clone(), status, at: now }])
        }
        SupportCommand::ChangePledgeStatus { pledge, status } => {
            let from = support_rules::check_status_change(state, *pledge, *status)?;
            Ok(vec![Event::PledgeStatusChanged { pledge: *pledge, from, to: *status, at: now }])
        }
        SupportCommand::RecordDelivery { pledge, delivered_on, quantity, value } => {
            let quantity = i64::try_from(*quantity).map_err(|_| Refusal::AmountOverflow { field: "quantity" })?;
            delivery(
                state,
                DeliveryClaim {
                    pledge: *pledge,
                    delivered_on: *delivered_on,
                    quantity,
                    value: *value,
                    correction: None,
                },
                now,
            )
        }
        SupportCommand::CorrectDeliveries { pledge, delivered_on, quantity, value, reason } => {
            let claim = DeliveryClaim {
                pledge: *pledge,
                delivered_on: *delivered_on,
                quantity: *quantity,
                value: *value,
                correction: Some(reason),
            };
            delivery(state, claim, now)
        }
        SupportCommand::ConfirmReceipt { delivery, note } => {
            let partner = support_rules::check_receipt(state, *delivery, note.as_deref())?;
            Ok(vec![Event::ReceiptConfirmed { delivery: *delivery, partner, note: note.clone(), at: now }])
        }
        SupportCommand::FormCoalition { coalition } => {
            support_rules::check_coalition(state, coalition)?;
            Ok(vec![Event::CoalitionFormed {
                coalition: support.next_coalition_id(),
                terms: coalition.clone(),
                at: now,
            }])
        }
        SupportCommand::JoinCoalition { coalition, participant, lead } => {
            support_rules::check_join(state, *coalition, *participant, *lead)?;
            Ok(vec![Event::CoalitionJoined { coalition: *coalition, participant: *participant, lead: *lead, at: now }])
        }
        SupportCommand::CreateFund { fund } => {
            support_rules::check_fund(state, fund)?;
            Ok(vec![Event::FundCreated { fund: support.next_fund_id(), terms: fund.clone(), at: now }])
        }
        SupportCommand::RecordExchangeRate { rate } => {
            support_rules::check_rate(state, rate)?;
            Ok(vec![Event::ExchangeRateRecorded { rate: *rate }])
        }
        SupportCommand::RecordGdp { figure } => {
            support_rules::check_gdp(state, figure)?;
            Ok(vec![Event::GdpRecorded { figure: figure.clone(), at: now }])
        }
    }
}

/// A delivery record, and the status it moves its pledge to (partially delivered, delivered).
fn delivery(state: &State, claim: DeliveryClaim<'_>, now: Timestamp) -> Result<Vec<Event>, Refusal> {
    let (total, _) = support_rules::check_delivery(state, claim, now)?;
    let pledge = support_rules::pledge(state, claim.pledge)?;
    let mut events = vec![Event::DeliveryRecorded {
        delivery: state.support.next_delivery_id(),
        pledge: claim.pledge,
        delivered_on: claim.delivered_on,
        quantity: claim.quantity,
        value: claim.value,
        correction: claim.correction.map(str::to_owned),
        at: now,
    }];
    if let Some(to) = support_rules::status_after_delivery(pledge, total) {
        events.push(Event::PledgeStatusChanged { pledge: claim.pledge, from: pledge.status, to, at: now });
    }
    Ok(events)
}

/// Proposal `id`, as a delegation acting on it may know of it: a proposal of a body it does not
/// sit in answers as one that does not exist, so that a refusal tells it nothing of its status
/// or deadline.
fn visible(state: &State, actor: Actor, id: crate::ProposalId) -> Result<&crate::Proposal, Refusal> {
    let p = state.proposal(id)?;
    match (actor, &p.body) {
        (Actor::Member(m), Some(body)) if !state.sits_in(body, m) => Err(Refusal::UnknownProposal { proposal: id }),
        _ => Ok(p),
    }
}
