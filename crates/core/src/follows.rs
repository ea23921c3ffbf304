//! A decision that needs another's first (issue 15): NATO's Council acts on what a committee
//! under it agreed; the North Atlantic Council endorses what the NATO-Ukraine Council agreed. A
//! draft may name the proposal it follows, and it is circulated only once that one is adopted.
//!
//! Whoever may read a proposal may read the decision it follows, so that naming it reveals
//! nothing and everyone who replays the one can replay the other: every member of its body sits
//! in the earlier body and every partner taking part takes part there too, and its audience
//! beyond the members is one the earlier decision was released to. (The Nuclear Planning Group's
//! decisions cannot be followed in the Council, where France sits: France could neither read nor
//! check them.)

use crate::{BodyId, Marking, Proposal, ProposalId, ProposalStatus, Refusal, State};

/// Whether a draft in `body` may follow `prior`: a proposal there is, not withdrawn, of a body
/// whose readers include every reader of `body`'s business.
pub(crate) fn check_follows(state: &State, body: Option<&BodyId>, prior: ProposalId) -> Result<(), Refusal> {
    let invalid = |reason: String| Refusal::Invalid { field: "follows", reason };
    let p = state.proposals.get(&prior).ok_or_else(|| invalid(format!("there is no proposal {prior}")))?;
    if p.status == ProposalStatus::Withdrawn {
        return Err(invalid(format!("proposal {prior} was withdrawn: it will never be adopted")));
    }
    check_readers(state, body, p)
}

/// Every member sitting in `body` sits in `prior`'s body, and every partner taking part in
/// `body` takes part there (the principal body: every member, no partner).
fn check_readers(state: &State, body: Option<&BodyId>, prior: &Proposal) -> Result<(), Refusal> {
    let roster = |id: Option<&BodyId>| id.and_then(|id| state.bodies.get(id)).map(|b| &b.roster);
    let (later, earlier) = (roster(body), roster(prior.body.as_ref()));
    let sits = |r: Option<&crate::Roster>, m| r.is_none_or(|r| r.includes(m));
    let outside = state.members.keys().find(|m| sits(later, **m) && !sits(earlier, **m));
    let partner_outside =
        later.map_or(&[][..], |r| r.partners()).iter().find(|p| !earlier.is_some_and(|r| r.partners().contains(p)));
    match outside.or(partner_outside) {
        Some(who) => Err(Refusal::Invalid {
            field: "follows",
            reason: format!(
                "{who} decides this proposal but not proposal {}: it could neither read nor check the decision followed",
                prior.id
            ),
        }),
        None => Ok(()),
    }
}

/// Whether `p` may be circulated now to `audience` (none: the members only): the proposal it
/// follows, if any, is adopted, its decision released to that audience, and its readers still
/// include `p`'s (a member admitted since may sit in the one and not the other).
pub(crate) fn check_prior_adopted(state: &State, p: &Proposal, audience: Option<Marking>) -> Result<(), Refusal> {
    let Some(prior) = p.follows else { return Ok(()) };
    let earlier = state.proposal(prior)?;
    if !matches!(earlier.status, ProposalStatus::Adopted | ProposalStatus::AdoptedWithReservations) {
        return Err(Refusal::PriorNotAdopted { proposal: p.id, prior, status: earlier.status });
    }
    check_readers(state, p.body.as_ref(), earlier)?;
    match audience {
        Some(wider) if !state.proposal_marking(earlier).covers(wider) => Err(Refusal::Invalid {
            field: "marking",
            reason: format!("the decision on proposal {prior}, which this one follows, is not released that widely"),
        }),
        _ => Ok(()),
    }
}
