//! What a write answers: the resource the command affected, as it stands after the commit.

use concord_core::{Command, LogSettings, Member, MemberKey, Partner, Proposal, State};

/// The resource a command affected.
#[derive(Debug)]
pub enum Resource<'a> {
    Log(Option<&'a LogSettings>),
    Keys(Option<&'a Vec<MemberKey>>),
    Member(Option<&'a Member>),
    Partner(Option<&'a Partner>),
    Proposal(Option<&'a Proposal>),
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
            // The draft is the newest proposal.
            Command::DraftProposal { .. } => Self::Proposal(state.proposals.values().next_back()),
            Command::AmendProposal { proposal, .. }
            | Command::Circulate { proposal, .. }
            | Command::ExtendDeadline { proposal, .. }
            | Command::CurtailDeadline { proposal, .. }
            | Command::Withdraw { proposal, .. }
            | Command::TakePosition { proposal, .. }
            | Command::CloseAtDeadline { proposal } => Self::Proposal(state.proposals.get(proposal)),
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
            Self::Proposal(p) => serde_json::to_vec(p),
        };
        r.expect("domain values serialise to JSON")
    }
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
        | Command::DraftProposal { .. }
        | Command::TakePosition { .. } => 201,
        _ => 200,
    }
}
