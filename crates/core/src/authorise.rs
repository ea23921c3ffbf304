//! Who may do what (DESIGN.md, "Who uses it"): the first check `decide` makes, before any rule,
//! and the one a signature checked ahead of deciding must pass first (`signature.rs`).

use crate::support::SupportCommand;
use crate::{Actor, Command, Refusal, State};

/// Who may do what (DESIGN.md, "Who uses it"). Nobody acts for another member or partner.
pub(crate) fn authorise(state: &State, actor: Actor, command: &Command) -> Result<(), Refusal> {
    let (allowed, action) = match command {
        Command::CreateLog { .. } => (actor == Actor::Secretariat, "create the log"),
        Command::RegisterMemberKey { .. } => (actor == Actor::Secretariat, "enrol member keys"),
        Command::RevokeMemberKey { member, .. } => {
            (matches!(actor, Actor::Secretariat) || actor.elector() == Some(*member), "revoke another member's keys")
        }
        Command::AdmitMember { .. } => (actor == Actor::Secretariat, "admit members"),
        Command::RecordDeparture { .. } => (actor == Actor::Secretariat, "record departures"),
        Command::RegisterPartner { .. } => (actor == Actor::Secretariat, "register partners"),
        Command::EstablishBody { .. } => (actor == Actor::Secretariat, "establish bodies"),
        Command::AppointChair { .. } => (actor == Actor::Secretariat, "appoint chairs"),
        Command::ChangeRule { .. } => (actor == Actor::Secretariat, "change a body's rule"),
        Command::RecordPopulations { .. } => (actor == Actor::Secretariat, "record population figures"),
        Command::AuthoriseProxy { member, .. } | Command::EndProxy { member, .. } => {
            (actor == Actor::Member(*member), "authorise a proxy; only the member's own delegation can")
        }
        Command::DraftProposal { .. } => (actor == Actor::Secretariat, "draft proposals"),
        Command::AmendProposal { .. } => (actor == Actor::Secretariat, "amend proposals"),
        Command::Circulate { .. } => (actor == Actor::Secretariat, "circulate proposals"),
        Command::Reopen { .. } => (actor == Actor::Secretariat, "take proposals back into negotiation"),
        Command::ExtendDeadline { .. } => (actor == Actor::Secretariat, "extend deadlines"),
        Command::CurtailDeadline { .. } => (actor == Actor::Secretariat, "curtail deadlines"),
        Command::Withdraw { .. } => (actor == Actor::Secretariat, "withdraw proposals"),
        Command::TakePosition { member, proposal, .. } => match actor {
            // A proxy's authority at the time is checked with the position (`rules`).
            Actor::Member(m) => (
                m == *member || crate::proxy::ever_held(state, *proposal, *member, m),
                "take positions for another member",
            ),
            // A partner speaks for itself where it takes part, and is told the same whether the
            // proposal exists or not.
            Actor::Partner(p) if p == *member => {
                if !partner_elector(state, p, *proposal) {
                    return Err(Refusal::PartnerCannotTakePositions { partner: p });
                }
                (true, "take positions")
            }
            _ => (false, "take positions; only a member delegation can"),
        },
        Command::AwaitInstructions { member, proposal, .. } => match actor {
            Actor::Member(m) => (m == *member, "say another member awaits instructions"),
            Actor::Partner(p) => (
                p == *member && partner_elector(state, p, *proposal),
                "say a delegation awaits instructions; only an elector's delegation can",
            ),
            _ => (false, "say a delegation awaits instructions; only the delegation can"),
        },
        Command::CloseAtDeadline { .. } => (actor == Actor::Scheduler, "close procedures; the scheduler does"),
        Command::Publish { .. } => (actor == Actor::Secretariat, "publish entries"),
        Command::Support(command) => authorise_support(state, actor, command),
    };
    if allowed { Ok(()) } else { Err(Refusal::NotPermitted { actor, action }) }
}

/// Whether `partner` is an elector of `proposal`: one circulated in a body it takes part in.
fn partner_elector(state: &State, partner: crate::CountryCode, proposal: crate::ProposalId) -> bool {
    state.proposals.get(&proposal).is_some_and(|p| p.is_elector(partner))
}

/// Who may do what in support coordination: whether `actor` may, and what it may not do if not.
///
/// A partner files and withdraws its own requests and confirms deliveries made to it; a member
/// records its own pledges and their deliveries, and joins coalitions itself; the secretariat
/// records pledges and deliveries for any donor (data entry, imports of public data), and
/// registers donor states, coalitions, funds and exchange rates. Where the owner is found in the
/// state (a pledge's donor, a request's partner) and the thing does not exist, the actor's role
/// is enough here and the rules then refuse it as unknown.
fn authorise_support(state: &State, actor: Actor, command: &SupportCommand) -> (bool, &'static str) {
    let support = &state.support;
    let donor_of = |p| support.pledges.get(p).map(|p| p.terms.donor);
    let by_donor = |owner: Option<crate::CountryCode>| match actor {
        Actor::Secretariat => true,
        Actor::Member(m) => owner.is_none_or(|o| o == m),
        _ => false,
    };
    let by_partner = |owner: Option<crate::CountryCode>| match actor {
        Actor::Partner(p) => owner.is_none_or(|o| o == p),
        _ => false,
    };
    match command {
        SupportCommand::RegisterDonorState { .. } => (actor == Actor::Secretariat, "register donor states"),
        SupportCommand::FileRequest { request } => {
            (actor == Actor::Partner(request.partner), "file requests for assistance; only the partner itself can")
        }
        SupportCommand::WithdrawRequest { request, .. } => {
            let owner = support.requests.get(request).map(|r| r.terms.partner);
            (by_partner(owner), "withdraw a request; only the partner that filed it can")
        }
        SupportCommand::RecordPledge { pledge, .. } => {
            (by_donor(Some(pledge.donor)), "record pledges for another donor")
        }
        // Each row is authorised as a pledge of its own.
        SupportCommand::ImportPledges { .. } => {
            (matches!(actor, Actor::Secretariat | Actor::Member(_)), "import pledges; a member or the secretariat can")
        }
        SupportCommand::ChangePledgeStatus { pledge, .. } => {
            (by_donor(donor_of(pledge)), "change another donor's pledges")
        }
        SupportCommand::RecordDelivery { pledge, .. } | SupportCommand::CorrectDeliveries { pledge, .. } => {
            (by_donor(donor_of(pledge)), "record deliveries of another donor's pledges")
        }
        SupportCommand::ConfirmReceipt { delivery, .. } => {
            let recipient = support.deliveries.get(delivery).and_then(|d| support.pledges.get(&d.pledge));
            (by_partner(recipient.map(|p| p.terms.recipient)), "confirm receipt; only the partner it was made to can")
        }
        SupportCommand::FormCoalition { .. } => (actor == Actor::Secretariat, "form coalitions"),
        SupportCommand::JoinCoalition { participant, .. } => {
            (by_donor(Some(*participant)), "make another state join a coalition")
        }
        SupportCommand::CreateFund { .. } => (actor == Actor::Secretariat, "create funds"),
        SupportCommand::RecordExchangeRate { .. } => (actor == Actor::Secretariat, "record exchange rates"),
        SupportCommand::RecordGdp { .. } => (actor == Actor::Secretariat, "record GDP figures"),
    }
}
