//! What a write answers: the resource the command affected, as it stands after the commit.

use concord_core::support::SupportCommand;
use concord_core::{Body, Command, LogSettings, Member, MemberKey, Partner, Proposal, State};

/// The resource a command affected.
#[derive(Debug)]
pub enum Resource<'a> {
    Log(Option<&'a LogSettings>),
    Keys(Option<&'a Vec<MemberKey>>),
    Member(Option<&'a Member>),
    Partner(Option<&'a Partner>),
    Body(Option<&'a Body>),
    /// The appointments to a body's chair (none: the principal body's), in the order made.
    Chairs(Vec<&'a concord_core::ChairTerm>),
    /// A body's authorisations to act for another member.
    Proxies(Option<&'a Vec<concord_core::Proxy>>),
    /// A year's population figures.
    Populations(Option<&'a concord_core::decision_rule::Populations>),
    Proposal(Option<&'a Proposal>),
    /// A publication: the entry released and who may read it now.
    Publication {
        entry: u64,
        marking: concord_core::Marking,
    },
    /// A support entity (request with its coverage, pledge, delivery, coalition, fund, donor
    /// state or exchange rate), as JSON.
    Support(Option<serde_json::Value>),
}

impl<'a> Resource<'a> {
    /// The resource `command` (already applied to `state`) affected.
    #[must_use]
    pub fn of(state: &'a State, command: &Command) -> Self {
        match command {
            Command::CreateLog { .. } => Self::Log(state.log.as_ref()),
            Command::RegisterMemberKey { member, .. } | Command::RevokeMemberKey { member, .. } => {
                Self::Keys(state.keys.get(member))
            }
            Command::AdmitMember { member } => Self::Member(state.members.get(&member.code)),
            Command::RecordDeparture { member, .. } => Self::Member(state.members.get(member)),
            Command::RegisterPartner { partner } => Self::Partner(state.partners.get(&partner.code)),
            Command::EstablishBody { id: body, .. } | Command::ChangeRule { body, .. } => {
                Self::Body(state.bodies.get(body))
            }
            Command::AppointChair { body, .. } => {
                Self::Chairs(state.chairs.iter().filter(|t| t.body == *body).collect())
            }
            Command::RecordPopulations { populations } => Self::Populations(state.populations.get(&populations.year)),
            Command::AuthoriseProxy { body, .. } | Command::EndProxy { body, .. } => {
                Self::Proxies(state.proxies.get(body))
            }
            // The draft is the newest proposal.
            Command::DraftProposal { .. } => Self::Proposal(state.proposals.values().next_back().map(|p| &**p)),
            Command::AmendProposal { proposal, .. }
            | Command::Circulate { proposal, .. }
            | Command::ExtendDeadline { proposal, .. }
            | Command::CurtailDeadline { proposal, .. }
            | Command::Withdraw { proposal, .. }
            | Command::Reopen { proposal, .. }
            | Command::TakePosition { proposal, .. }
            | Command::AwaitInstructions { proposal, .. }
            | Command::CloseAtDeadline { proposal } => Self::Proposal(state.proposals.get(proposal).map(|p| &**p)),
            Command::Publish { entry, marking, .. } => Self::Publication { entry: *entry, marking: *marking },
            Command::Support(command) => Self::Support(support_json(state, command)),
        }
    }

    /// The JSON body.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let r = match self {
            Self::Log(l) => serde_json::to_vec(l),
            Self::Keys(k) => serde_json::to_vec(&k.map_or(&[][..], |v| v.as_slice())),
            Self::Member(m) => serde_json::to_vec(m),
            Self::Partner(p) => serde_json::to_vec(p),
            Self::Body(b) => serde_json::to_vec(b),
            Self::Populations(p) => serde_json::to_vec(p),
            Self::Chairs(c) => serde_json::to_vec(c),
            Self::Proxies(p) => serde_json::to_vec(&p.map_or(&[][..], |v| v.as_slice())),
            Self::Proposal(p) => serde_json::to_vec(p),
            Self::Support(v) => serde_json::to_vec(v),
            Self::Publication { entry, marking } => {
                serde_json::to_vec(&serde_json::json!({ "entry": entry, "marking": marking }))
            }
        };
        r.expect("domain values serialise to JSON")
    }
}

/// The support entity a command (already applied) affected. A request is shown with its
/// coverage and status; a new entity is the newest of its kind.
fn support_json(state: &State, command: &SupportCommand) -> Option<serde_json::Value> {
    let s = &state.support;
    fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
        serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
    }
    match command {
        SupportCommand::RegisterDonorState { donor } => s.donors.get(&donor.code).map(json),
        SupportCommand::FileRequest { .. } => s.requests.keys().next_back().and_then(|id| request_json(state, *id)),
        SupportCommand::WithdrawRequest { request, .. } => request_json(state, *request),
        SupportCommand::RecordPledge { .. } => s.pledges.values().next_back().map(json),
        // The imported pledges are the newest, as many as were imported.
        SupportCommand::ImportPledges { pledges } => {
            let imported: Vec<_> = s.pledges.values().rev().take(pledges.len()).map(|p| p.id).collect();
            Some(
                serde_json::json!({ "imported": imported.len(), "pledges": imported.into_iter().rev().collect::<Vec<_>>() }),
            )
        }
        SupportCommand::ChangePledgeStatus { pledge, .. } => s.pledges.get(pledge).map(json),
        SupportCommand::RecordDelivery { .. } | SupportCommand::CorrectDeliveries { .. } => {
            s.deliveries.values().next_back().map(json)
        }
        SupportCommand::ConfirmReceipt { delivery, .. } => s.deliveries.get(delivery).map(json),
        SupportCommand::FormCoalition { .. } => s.coalitions.values().next_back().map(json),
        SupportCommand::JoinCoalition { coalition, .. } => s.coalitions.get(coalition).map(json),
        SupportCommand::CreateFund { .. } => s.funds.values().next_back().map(json),
        SupportCommand::RecordExchangeRate { rate } => s.rates.exact(rate.from, rate.to, rate.on).map(json),
        SupportCommand::RecordGdp { figure } => {
            s.gdp.get(&figure.member).and_then(|years| years.get(&figure.year)).map(json)
        }
    }
}

fn request_json(state: &State, id: concord_core::support::RequestId) -> Option<serde_json::Value> {
    let r = state.support.requests.get(&id)?;
    let mut v = serde_json::to_value(r).ok()?;
    if let (Some(obj), Some(c)) = (v.as_object_mut(), state.support.coverage(id)) {
        obj.insert("coverage".into(), serde_json::to_value(c).ok()?);
    }
    Some(v)
}

/// 201 for a command that creates something (a member, a partner, a draft, a position), 200 for
/// one that changes what exists.
#[must_use]
pub fn status_for(command: &Command) -> u16 {
    match command {
        Command::AdmitMember { .. }
        | Command::CreateLog { .. }
        | Command::RegisterMemberKey { .. }
        | Command::RegisterPartner { .. }
        | Command::EstablishBody { .. }
        | Command::AppointChair { .. }
        | Command::RecordPopulations { .. }
        | Command::AuthoriseProxy { .. }
        | Command::DraftProposal { .. }
        | Command::TakePosition { .. }
        | Command::Publish { .. } => 201,
        Command::RevokeMemberKey { .. }
        | Command::RecordDeparture { .. }
        | Command::ChangeRule { .. }
        | Command::EndProxy { .. }
        | Command::AmendProposal { .. }
        | Command::Circulate { .. }
        | Command::ExtendDeadline { .. }
        | Command::CurtailDeadline { .. }
        | Command::Withdraw { .. }
        | Command::Reopen { .. }
        | Command::AwaitInstructions { .. }
        | Command::CloseAtDeadline { .. } => 200,
        Command::Support(command) => match command {
            SupportCommand::RegisterDonorState { .. }
            | SupportCommand::FileRequest { .. }
            | SupportCommand::RecordPledge { .. }
            | SupportCommand::ImportPledges { .. }
            | SupportCommand::RecordDelivery { .. }
            | SupportCommand::CorrectDeliveries { .. }
            | SupportCommand::FormCoalition { .. }
            | SupportCommand::CreateFund { .. }
            | SupportCommand::RecordExchangeRate { .. }
            | SupportCommand::RecordGdp { .. } => 201,
            SupportCommand::WithdrawRequest { .. }
            | SupportCommand::ChangePledgeStatus { .. }
            | SupportCommand::ConfirmReceipt { .. }
            | SupportCommand::JoinCoalition { .. } => 200,
        },
    }
}
