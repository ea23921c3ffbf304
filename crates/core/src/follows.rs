//! A decision that needs another's first (issue 15): the Council agrees, then a body under it
//! acts on what the Council agreed (the NATO-Ukraine Council welcomes an assistance programme the
//! allies adopted). A draft may name the proposal it follows, and it is circulated only once
//! that one is adopted.
//!
//! It follows a decision of the principal body only. Every member replays the principal body's
//! business, whenever it joined and whichever delegation it verifies as, so whoever replays the
//! later proposal replays the earlier one too; a subsidiary body's business is replayed only by
//! those who sat in it then, and a later circulation resting on it could not be checked by the
//! rest (a member admitted since, or a reader of the members' export). And naming the earlier
//! proposal reveals nothing: the draft's entry names it, so it must be one its readers may read
//! when it is drafted (circulated, and readable by every partner taking part in the body); and
//! the later proposal may reach no reader the earlier decision was not released to — its
//! audience, a partner taking part in its body, and, for a kind the alliance announces once
//! adopted, the public.

use crate::{BodyId, Marking, Proposal, ProposalAccess, ProposalId, ProposalStatus, Reader, Refusal, State};

/// Whether a draft in `body` may follow `prior`: a proposal of the principal body there is,
/// given to the members (not a draft the secretariat holds) and not withdrawn, that every partner
/// taking part in `body` may read. The draft's own entry names `prior`, and it goes to the
/// body's members and partners when the draft is circulated or withdrawn; what one may read of a
/// proposal only grows.
pub(crate) fn check_follows(state: &State, body: Option<&BodyId>, prior: ProposalId) -> Result<(), Refusal> {
    let invalid = |reason: String| Refusal::Invalid { field: "follows", reason };
    let p = state.proposals.get(&prior).ok_or_else(|| invalid(format!("there is no proposal {prior}")))?;
    if let Some(body) = &p.body {
        return Err(invalid(format!(
            "proposal {prior} is {body}'s: a proposal follows only a decision of the principal body, which every member replays"
        )));
    }
    if p.status == ProposalStatus::Withdrawn {
        return Err(invalid(format!("proposal {prior} was withdrawn: it will never be adopted")));
    }
    if p.status == ProposalStatus::Draft {
        return Err(invalid(format!("proposal {prior} is a draft still: circulate it first")));
    }
    let partners = body.and_then(|id| state.bodies.get(id)).map_or(&[][..], |b| b.roster.partners());
    if let Some(partner) =
        partners.iter().find(|c| state.proposal_access(Reader::Partner(**c), p) == ProposalAccess::Hidden)
    {
        return Err(invalid(format!("{partner} takes part in this body but may not read proposal {prior}")));
    }
    Ok(())
}

/// Whether `p` may open a procedure now (a first circulation, or a new round) to `audience`
/// (none: the members only): the proposal it follows, if any, is adopted, and its decision is
/// released to every reader `p` may reach.
pub(crate) fn check_prior_adopted(state: &State, p: &Proposal, audience: Option<Marking>) -> Result<(), Refusal> {
    let Some(prior) = p.follows else { return Ok(()) };
    let earlier = state.proposal(prior)?;
    if !matches!(earlier.status, ProposalStatus::Adopted | ProposalStatus::AdoptedWithReservations) {
        return Err(Refusal::PriorNotAdopted { proposal: p.id, prior, status: earlier.status });
    }
    let released = state.proposal_marking(earlier);
    match reach(state, p.body.as_ref(), p.kind, audience).into_iter().find(|m| !released.covers(*m)) {
        Some(wider) => Err(Refusal::Invalid {
            field: "marking",
            reason: format!(
                "proposal {} may reach {wider}, but the decision on proposal {prior}, which it follows, is released only to {released}",
                p.id
            ),
        }),
        None => Ok(()),
    }
}

/// Whether an entry of `p` may be published to `marking`: not wider than the decision `p`
/// follows, if any, is released (its drafted entry names that decision).
pub(crate) fn check_publication(state: &State, p: &Proposal, marking: Marking) -> Result<(), Refusal> {
    let Some(earlier) = p.follows.and_then(|id| state.proposals.get(&id)) else { return Ok(()) };
    let released = state.proposal_marking(earlier);
    if released.covers(marking) {
        return Ok(());
    }
    let reason =
        format!("proposal {} follows proposal {}, whose decision is released only to {released}", p.id, earlier.id);
    Err(Refusal::Invalid { field: "marking", reason })
}

/// Every audience a proposal of `body` and `kind`, circulated to `audience`, may reach: that
/// audience, each partner taking part in the body, and the public for a kind announced once
/// adopted.
fn reach(state: &State, body: Option<&BodyId>, kind: crate::DecisionKind, audience: Option<Marking>) -> Vec<Marking> {
    let partners = body.and_then(|id| state.bodies.get(id)).map_or(&[][..], |b| b.roster.partners());
    audience
        .into_iter()
        .chain(partners.iter().map(|p| Marking::MembersAndPartner(*p)))
        .chain(crate::access::announced(kind).then_some(Marking::Public))
        .collect()
}
