//! A log entry in plain language, for the log page: "HUN opted out of proposal 9, revision 1".
//! Read from the sealed content the viewer may read (never from anything else), so it says no
//! more than the raw entry beside it.

use concord_core::record::Sealed;
use concord_core::{Actor, Event, Outcome, Stance};

/// Who acted, as a sentence's subject.
fn who(actor: Actor) -> String {
    match actor {
        Actor::Secretariat => "The secretariat".into(),
        Actor::Member(c) | Actor::Partner(c) => c.to_string(),
        Actor::Observer => "An observer".into(),
        Actor::Scheduler => "The deadline scheduler".into(),
    }
}

fn stance(s: Stance) -> &'static str {
    match s {
        Stance::Concur => "concurred with",
        Stance::ConcurWithReservation => "concurred, with a reservation, with",
        Stance::OptOut => "opted out of",
        Stance::Object => "objected to",
        Stance::ProposeAmendment => "proposed an amendment to",
        Stance::Yes => "voted yes on",
        Stance::No => "voted no on",
        Stance::Abstain => "abstained on",
        Stance::NotParticipating => "took no part in the vote on",
    }
}

/// The entry `content` records, in one sentence.
#[must_use]
pub fn describe(content: &Sealed) -> String {
    let by = who(content.actor);
    match &content.event {
        Event::LogCreated { origin, .. } => format!("{by} created the log {origin}."),
        Event::MemberKeyRegistered { member, .. } => format!("{by} enrolled a key of {member}."),
        Event::MemberKeyRevoked { member, key_id, .. } => format!("{by} revoked {member}'s key {key_id}."),
        Event::MemberAdmitted { member } => format!("{by} admitted {} ({}).", member.name, member.code),
        Event::MemberDeparted { member, on } => format!("{by} recorded the departure of {member} on {on}."),
        Event::PartnerRegistered { partner } => {
            format!("{by} registered {} ({}) as a partner.", partner.name, partner.code)
        }
        Event::BodyEstablished { body } => {
            format!("{by} established {} ({}): {}; {}", body.name, body.id, body.roster.words(), body.rule.words())
        }
        Event::RuleChanged { body, version, rule, .. } => {
            format!("{by} changed the rule of {body} (version {version}): {}", rule.words())
        }
        Event::ChairAppointed { body, chair, from, .. } => format!(
            "{by} appointed {} to chair {} from {}.",
            match chair {
                concord_core::Chair::Secretariat => "the secretariat".to_owned(),
                concord_core::Chair::Member { member } => member.to_string(),
            },
            body.as_ref().map_or_else(|| "the principal body".to_owned(), ToString::to_string),
            crate::timefmt::utc(*from)
        ),
        Event::ProxyAuthorised { body, proxy: p, .. } => format!(
            "{by} recorded that {} acts for {} in {body} from {} until {}{}.",
            p.proxy,
            p.member,
            crate::timefmt::utc(p.from),
            crate::timefmt::utc(p.until),
            if p.evidence.is_some() { format!(" (signed with {}'s key)", p.member) } else { String::new() }
        ),
        Event::ProxyEnded { body, member, .. } => format!("{by} ended the proxy of {member} in {body}."),
        Event::PopulationsRecorded { populations: p, .. } => format!(
            "{by} recorded the population figures for {} ({} states, from {}).",
            p.year,
            p.figures.len(),
            p.source
        ),
        Event::ProposalDrafted { proposal, kind, title, body: Some(body), .. } => {
            format!("{by} drafted proposal {proposal} for {body}, {}: \u{201c}{title}\u{201d}.", kind.words())
        }
        Event::ProposalDrafted { proposal, kind, title, .. } => {
            format!("{by} drafted proposal {proposal}, {}: \u{201c}{title}\u{201d}.", kind.words())
        }
        Event::ProposalAmended { proposal, revision, .. } => {
            format!("{by} amended proposal {proposal}: revision {revision}.")
        }
        Event::ProposalCirculated { proposal, revision, procedure, deadline, marking, urgent, .. } => format!(
            "{by} circulated proposal {proposal}, revision {revision}, under {} procedure until {}{}{}.",
            procedure.words(),
            crate::timefmt::utc(*deadline),
            marking.map(|m| format!(", released to {m}")).unwrap_or_default(),
            urgent.as_ref().map(|_| ", as urgent (shorter than the minimum silence)").unwrap_or_default()
        ),
        Event::DeadlineExtended { proposal, deadline, .. } => {
            format!("{by} extended the deadline of proposal {proposal} to {}.", crate::timefmt::utc(*deadline))
        }
        Event::DeadlineCurtailed { proposal, deadline, .. } => {
            format!("{by} brought the deadline of proposal {proposal} forward to {}.", crate::timefmt::utc(*deadline))
        }
        Event::PositionTaken { proposal, member, revision, stance: s, evidence, proxy, .. } => format!(
            "{member} {} proposal {proposal}, revision {revision}{}{}.",
            stance(*s),
            proxy.map(|p| format!(", through {p} acting for it")).unwrap_or_default(),
            if evidence.is_some() { " (signed with its key)" } else { "" }
        ),
        Event::InstructionsAwaited { proposal, member, .. } => {
            format!("{member} is awaiting instructions from its capital on proposal {proposal}.")
        }
        Event::ProposalDecided { proposal, decision } => {
            let outcome = match decision.outcome {
                Outcome::Adopted => "adopted",
                Outcome::AdoptedWithReservations => "adopted with reservations",
                Outcome::Blocked => "blocked",
                Outcome::NotAdopted => "not adopted",
            };
            format!("Proposal {proposal}, revision {}, was {outcome}.", decision.revision)
        }
        Event::ProposalWithdrawn { proposal, .. } => format!("{by} withdrew proposal {proposal}."),
        Event::ProposalReopened { proposal, .. } => {
            format!("{by} took proposal {proposal} back into negotiation for a new round.")
        }
        Event::DonorStateRegistered { donor } => format!("{by} registered {} ({}) as a donor.", donor.name, donor.code),
        Event::RequestFiled { request, terms, .. } => format!(
            "{} filed request {request}: {} {} of {}.",
            terms.partner, terms.quantity, terms.unit, terms.description
        ),
        Event::RequestWithdrawn { request, .. } => format!("{by} withdrew request {request}."),
        Event::PledgeRecorded { pledge, terms, .. } => format!(
            "{by} recorded pledge {pledge}: {} pledges {} {} to {} ({}).",
            terms.donor, terms.quantity, terms.item, terms.recipient, terms.value
        ),
        Event::PledgeStatusChanged { pledge, from, to, .. } => {
            format!("{by} moved pledge {pledge} from {} to {}.", from.words(), to.words())
        }
        Event::DeliveryRecorded { delivery, pledge, quantity, correction, .. } => match correction {
            Some(_) => format!("{by} corrected the deliveries of pledge {pledge} by {quantity} (record {delivery})."),
            None => format!("{by} recorded delivery {delivery}: {quantity} against pledge {pledge}."),
        },
        Event::ReceiptConfirmed { delivery, partner, .. } => {
            format!("{partner} confirmed receipt of delivery {delivery}.")
        }
        Event::CoalitionFormed { coalition, terms, .. } => {
            format!("{by} formed coalition {coalition}, \u{201c}{}\u{201d}.", terms.name)
        }
        Event::CoalitionJoined { coalition, participant, lead, .. } => {
            format!("{participant} joined coalition {coalition}{}.", if *lead { " as a lead" } else { "" })
        }
        Event::FundCreated { fund, terms, .. } => format!("{by} created fund {fund}, \u{201c}{}\u{201d}.", terms.name),
        Event::ExchangeRateRecorded { rate } => {
            format!("{by} recorded the rate 1 {} = {} {} on {}.", rate.from, rate.rate, rate.to, rate.on)
        }
        Event::GdpRecorded { figure, .. } => format!(
            "{by} recorded {}'s GDP for {}: {} {} ({}){}.",
            figure.member,
            figure.year,
            figure.value,
            figure.unit,
            figure.source,
            if figure.correction.is_some() { ", a correction" } else { "" }
        ),
        Event::EntryPublished { entry, marking, .. } => format!("{by} published entry {entry} to {marking}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::{CountryCode, ProposalId};

    #[test]
    fn a_position_reads_as_a_sentence() {
        let hun = CountryCode::parse("HUN").unwrap_or_else(|e| panic!("{e}"));
        let content = Sealed {
            actor: Actor::Member(hun),
            account: None,
            event: Event::PositionTaken {
                proposal: ProposalId(9),
                member: hun,
                revision: 1,
                text_hash: String::new(),
                stance: Stance::OptOut,
                text: None,
                at: jiff::Timestamp::UNIX_EPOCH,
                evidence: None,
                proxy: None,
            },
        };
        assert_eq!(describe(&content), "HUN opted out of proposal 9, revision 1.");
    }
}
