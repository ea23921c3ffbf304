//! The log page's filters: by proposal, by member and by event type. A filter on a proposal or
//! a member reads the sealed content the viewer may read (after redaction), never anything
//! else, so a filter cannot tell a viewer which withheld entries concern what: an entry whose
//! content is withheld matches no proposal and no member. The event type is in the envelope,
//! which everyone sees.

use concord_core::record::Sealed;
use concord_core::{Actor, CountryCode, Event, ProposalId};

use crate::forms::Opt;

/// Every event type, in the order the log defines them (`concord_core::Event::name`).
pub const EVENT_TYPES: &[&str] = &[
    "log_created",
    "member_key_registered",
    "member_key_revoked",
    "member_admitted",
    "member_departed",
    "partner_registered",
    "body_established",
    "rule_changed",
    "populations_recorded",
    "proxy_authorised",
    "proxy_ended",
    "proposal_drafted",
    "proposal_amended",
    "proposal_circulated",
    "deadline_extended",
    "deadline_curtailed",
    "position_taken",
    "instructions_awaited",
    "proposal_decided",
    "proposal_withdrawn",
    "proposal_reopened",
    "donor_state_registered",
    "request_filed",
    "request_withdrawn",
    "pledge_recorded",
    "pledge_status_changed",
    "delivery_recorded",
    "receipt_confirmed",
    "coalition_formed",
    "coalition_joined",
    "fund_created",
    "exchange_rate_recorded",
    "gdp_recorded",
    "entry_published",
];

/// What the viewer asked to see; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub proposal: Option<ProposalId>,
    pub member: Option<CountryCode>,
    pub event: Option<&'static str>,
}

/// The filter form's fields as typed, kept to show them again.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub proposal: String,
    pub member: String,
    pub event: String,
}

impl Filter {
    /// Reads the form's fields; a refusal says which field and what it accepts.
    pub fn parse(typed: &Typed) -> Result<Self, String> {
        let proposal = match typed.proposal.trim().trim_start_matches('#') {
            "" => None,
            p => Some(ProposalId(
                p.parse().map_err(|_| format!("A proposal is its number, such as 3; {p:?} is not one."))?,
            )),
        };
        let member = match typed.member.trim() {
            "" => None,
            m => Some(
                CountryCode::parse(&m.to_ascii_uppercase())
                    .map_err(|_| format!("A member is its three-letter code, such as FRA; {m:?} is not one."))?,
            ),
        };
        let event = match typed.event.trim() {
            "" => None,
            e => Some(
                EVENT_TYPES
                    .iter()
                    .copied()
                    .find(|t| *t == e)
                    .ok_or_else(|| format!("There is no event type {e:?}; choose one from the list."))?,
            ),
        };
        Ok(Self { proposal, member, event })
    }

    /// No filter is set: every entry matches.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The entry (its envelope's event type and the content the viewer may read, if any)
    /// matches.
    pub fn matches(&self, kind: &str, content: Option<&Sealed>) -> bool {
        if self.event.is_some_and(|e| e != kind) {
            return false;
        }
        if self.proposal.is_some() && content.and_then(|c| c.event.proposal()) != self.proposal {
            return false;
        }
        if self.member.is_some_and(|m| !content.is_some_and(|c| concerns(c, m))) {
            return false;
        }
        true
    }

    /// The query string that keeps this filter on a link, starting with `&` (empty if none).
    pub fn query(&self) -> String {
        let mut q = String::new();
        if let Some(p) = self.proposal {
            q.push_str(&format!("&proposal={}", p.0));
        }
        if let Some(m) = self.member {
            q.push_str(&format!("&member={m}"));
        }
        if let Some(e) = self.event {
            q.push_str(&format!("&event={e}"));
        }
        q
    }

    /// The event types as options of the filter's list, "any" first.
    pub fn event_options(&self) -> Vec<Opt> {
        std::iter::once(Opt { value: String::new(), label: "any event".into(), selected: self.event.is_none() })
            .chain(EVENT_TYPES.iter().map(|t| Opt {
                value: (*t).to_owned(),
                label: t.replace('_', " "),
                selected: self.event == Some(*t),
            }))
            .collect()
    }
}

/// The entry concerns the member: it acted, or the event names it.
fn concerns(content: &Sealed, code: CountryCode) -> bool {
    let acted = matches!(content.actor, Actor::Member(c) | Actor::Partner(c) if c == code);
    acted || named(&content.event).contains(&code)
}

/// The state concerned a rule names, if any.
fn concerned(rule: &concord_core::decision_rule::Rule) -> Option<CountryCode> {
    match rule {
        concord_core::decision_rule::Rule::ConsensusMinusOne { concerned } => Some(*concerned),
        _ => None,
    }
}

/// The states an event names.
fn named(event: &Event) -> Vec<CountryCode> {
    match event {
        Event::MemberKeyRegistered { member, .. }
        | Event::MemberKeyRevoked { member, .. }
        | Event::MemberDeparted { member, .. }
        | Event::InstructionsAwaited { member, .. } => vec![*member],
        Event::PositionTaken { member, proxy, .. } => std::iter::once(*member).chain(*proxy).collect(),
        Event::MemberAdmitted { member } => vec![member.code],
        Event::BodyEstablished { body } => {
            let mut codes = match &body.roster {
                concord_core::Roster::AllMembers { except } => except.clone(),
                concord_core::Roster::Members { members } => members.clone(),
                concord_core::Roster::WithPartners { except, partners } => [&except[..], partners].concat(),
            };
            codes.extend(concerned(&body.rule));
            codes
        }
        Event::RuleChanged { rule, .. } => concerned(rule).into_iter().collect(),
        Event::PopulationsRecorded { populations, .. } => populations.figures.keys().copied().collect(),
        Event::ProxyAuthorised { proxy, .. } => vec![proxy.member, proxy.proxy],
        Event::ProxyEnded { member, .. } => vec![*member],
        Event::ChairAppointed { chair, .. } => match chair {
            concord_core::Chair::Member { member } => vec![*member],
            concord_core::Chair::Secretariat => Vec::new(),
        },
        Event::PartnerRegistered { partner } => vec![partner.code],
        Event::DonorStateRegistered { donor } => vec![donor.code],
        Event::RequestFiled { terms, .. } => vec![terms.partner],
        Event::PledgeRecorded { terms, .. } => vec![terms.donor, terms.recipient],
        Event::ReceiptConfirmed { partner, .. } => vec![*partner],
        Event::CoalitionFormed { terms, .. } => terms.participants.iter().chain(&terms.leads).copied().collect(),
        Event::CoalitionJoined { participant, .. } => vec![*participant],
        Event::GdpRecorded { figure, .. } => vec![figure.member],
        Event::EntryPublished { revealed, .. } => {
            let mut codes = named(&revealed.content.event);
            if let Actor::Member(c) | Actor::Partner(c) = revealed.content.actor {
                codes.push(c);
            }
            codes
        }
        Event::LogCreated { .. }
        | Event::ProposalDrafted { .. }
        | Event::ProposalAmended { .. }
        | Event::ProposalCirculated { .. }
        | Event::DeadlineExtended { .. }
        | Event::DeadlineCurtailed { .. }
        | Event::ProposalDecided { .. }
        | Event::ProposalWithdrawn { .. }
        | Event::ProposalReopened { .. }
        | Event::RequestWithdrawn { .. }
        | Event::PledgeStatusChanged { .. }
        | Event::DeliveryRecorded { .. }
        | Event::FundCreated { .. }
        | Event::ExchangeRateRecorded { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_listed() {
        // A new event type must be filterable: its name is in the list.
        let sample = Event::LogCreated {
            origin: String::new(),
            log_key: String::new(),
            unsigned_positions: false,
            min_silence: None,
        };
        assert!(EVENT_TYPES.contains(&sample.name()));
        let reopened =
            Event::ProposalReopened { proposal: ProposalId(1), reason: String::new(), at: jiff::Timestamp::UNIX_EPOCH };
        assert!(EVENT_TYPES.contains(&reopened.name()));
        assert_eq!(EVENT_TYPES.len(), 34);
    }

    #[test]
    fn a_filter_is_read_from_what_was_typed() {
        let typed = Typed { proposal: " 3 ".into(), member: "fra".into(), event: "position_taken".into() };
        let f = Filter::parse(&typed).unwrap();
        assert_eq!(f.proposal, Some(ProposalId(3)));
        assert_eq!(f.member.map(|m| m.to_string()).as_deref(), Some("FRA"));
        assert_eq!(f.query(), "&proposal=3&member=FRA&event=position_taken");
        assert!(Filter::parse(&Typed { proposal: "three".into(), ..Typed::default() }).is_err());
        assert!(Filter::parse(&Typed { event: "nonsense".into(), ..Typed::default() }).is_err());
        assert!(Filter::parse(&Typed::default()).unwrap().is_empty());
    }

    #[test]
    fn withheld_content_matches_no_proposal_and_no_member() {
        let f = Filter { proposal: Some(ProposalId(1)), ..Filter::default() };
        assert!(!f.matches("proposal_drafted", None));
        let f = Filter { event: Some("proposal_drafted"), ..Filter::default() };
        assert!(f.matches("proposal_drafted", None), "the event type is in the envelope, which everyone sees");
    }
}
