//! Need to know on whole entities: how much of a proposal each reader is shown, and that every
//! support entity is read under the marking of the event that recorded it.

use super::fixtures::*;
use super::support_fixtures::*;
use crate::support::{Channel, SupportCategory, SupportCommand};
use crate::{Actor, DecisionKind, Event, Marked, Marking, ProposalAccess, Reader, State};

fn readers() -> [Reader; 5] {
    [
        Reader::Secretariat,
        Reader::Member(c("HUN")),
        Reader::Partner(c("UKR")),
        Reader::Partner(c("MDA")),
        Reader::Public,
    ]
}

/// A world with a draft, an adopted programme and statement, a pending and a blocked programme,
/// a request, a pledge answering it and a delivery with its receipt.
fn world() -> (Support, crate::ProposalId) {
    let mut s = Support::new();
    let draft = s.w.draft(DecisionKind::Statement, now());
    let request = s.request(SupportCategory::Medical, 10);
    let mut terms = bilateral("FRA", SupportCategory::Medical);
    terms.request = Some(request);
    let pledge = s.pledge(Actor::Member(c("FRA")), terms);
    s.deliver(pledge, 5, 1_000);
    let delivery = s.w.state.support.deliveries.last_id().expect("a delivery");
    let receipt = SupportCommand::ConfirmReceipt { delivery, note: Some("arrived".into()) };
    s.w.run(Actor::Partner(c("UKR")), &crate::Command::Support(receipt), now());
    (s, draft)
}

fn access(state: &State, id: crate::ProposalId) -> Vec<ProposalAccess> {
    let p = &state.proposals[&id];
    readers().iter().map(|r| state.proposal_access(*r, p)).collect()
}

#[test]
fn a_draft_is_the_secretariats_and_deliberation_the_members() {
    use ProposalAccess::{Full, Hidden, Outcome};
    let (s, draft) = world();
    let st = &s.w.state;
    assert_eq!(access(st, draft), [Full, Hidden, Hidden, Hidden, Hidden]);
    assert_eq!(access(st, s.pending), [Full, Full, Hidden, Hidden, Hidden]);
    assert_eq!(access(st, s.blocked), [Full, Full, Hidden, Hidden, Hidden]);
    assert_eq!(access(st, s.programme), [Full, Full, Outcome, Outcome, Outcome]);
    assert_eq!(access(st, s.statement), [Full, Full, Outcome, Outcome, Outcome]);
    assert!(st.proposal_for(Reader::Public, &st.proposals[&s.blocked]).is_none());
}

#[test]
fn a_decision_of_a_kind_not_announced_stays_with_the_members() {
    let mut w = World::alliance();
    let id = w.open(DecisionKind::DeployForces, crate::Procedure::ConsensusRound, t0(), deadline());
    for m in w.electors(id) {
        w.take(id, m.as_str(), crate::Stance::Concur, plus(t0(), 60));
    }
    assert!(w.proposal(id).status.is_final());
    assert_eq!(w.state.proposal_marking(w.proposal(id)), Marking::Members);
    assert_eq!(w.state.proposal_access(Reader::Public, w.proposal(id)), ProposalAccess::Hidden);
}

/// The announced outcome is the decision as its log entry records it (which the entry's public
/// marking releases: reservations and opt-outs are published with an adopted decision), the
/// decided text, and nothing of the deliberation: no grid, no circulation, no other revision.
#[test]
fn the_outcome_is_the_recorded_decision_and_the_decided_text_without_the_grid() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", crate::Stance::ConcurWithReservation, plus(t0(), 60));
    w.take(id, "FRA", crate::Stance::OptOut, plus(t0(), 61));
    w.close(id, deadline());
    let st = &w.state;
    let full = &st.proposals[&id];
    let shown = st.proposal_for(Reader::Public, full).expect("an adopted programme is announced");
    assert!(!full.positions.is_empty() && shown.positions.is_empty());
    assert!(shown.circulation.is_none() && shown.withdrawal.is_none());
    assert_eq!(shown.revisions.len(), 1);
    assert_eq!(shown.current().text, full.current().text);
    let d = shown.decision.as_ref().expect("the outcome");
    assert_eq!(Some(d), full.decision.as_ref(), "the decision as recorded");
    assert!(d.reservations.iter().any(|p| p.member == c("HUN")) && d.opt_outs.iter().any(|p| p.member == c("FRA")));
    assert_eq!(st.proposal_for(Reader::Member(c("EST")), full).as_deref(), Some(&**full));
}

/// The marking of an entity is the marking its recording event had: reading the entity and
/// reading the log entry are one question.
#[test]
fn every_support_entity_is_read_under_its_events_marking() {
    let (s, _) = world();
    let st = &s.w.state;
    let sup = &st.support;
    let mut checked = 0;
    for e in &s.w.log {
        let (entity, event): (Marking, Marking) = match e {
            Event::RequestFiled { request, .. } => (sup.requests[request].marking_in(st), st.marking(e)),
            Event::PledgeRecorded { pledge, .. } => (sup.pledges[pledge].marking_in(st), st.marking(e)),
            Event::DeliveryRecorded { delivery, .. } | Event::ReceiptConfirmed { delivery, .. } => {
                (sup.deliveries[delivery].marking_in(st), st.marking(e))
            }
            Event::CoalitionFormed { coalition, .. } => (sup.coalitions[coalition].marking_in(st), st.marking(e)),
            Event::FundCreated { fund, .. } => (sup.funds[fund].marking_in(st), st.marking(e)),
            Event::DonorStateRegistered { donor } => (sup.donors[&donor.code].marking_in(st), st.marking(e)),
            Event::MemberAdmitted { member } => (st.members[&member.code].marking_in(st), st.marking(e)),
            Event::PartnerRegistered { partner } => (st.partners[&partner.code].marking_in(st), st.marking(e)),
            Event::ExchangeRateRecorded { rate } => (rate.marking_in(st), st.marking(e)),
            _ => continue,
        };
        assert_eq!(entity, event, "{e:?}");
        checked += 1;
    }
    assert!(checked > 40, "the world records every kind of support entity ({checked})");
}

#[test]
fn a_partner_reads_what_concerns_it_and_the_public_the_registers() {
    let (s, _) = world();
    let st = &s.w.state;
    let sup = &st.support;
    let seen = |f: &dyn Fn(Reader) -> bool| readers().iter().map(|r| f(*r)).collect::<Vec<_>>();
    let request = sup.requests.values().next().expect("a request");
    let pledge = sup.pledges.values().next().expect("a pledge");
    let delivery = sup.deliveries.values().next().expect("a delivery");
    let to_ukr = [true, true, true, false, false];
    assert_eq!(seen(&|r| st.may_see(r, request)), to_ukr);
    assert_eq!(seen(&|r| st.may_see(r, pledge)), to_ukr);
    assert_eq!(seen(&|r| st.may_see(r, delivery)), to_ukr);
    let members = [true, true, false, false, false];
    assert_eq!(seen(&|r| st.may_see(r, &sup.coalitions[&s.coalition])), members);
    assert_eq!(seen(&|r| st.may_see(r, &sup.funds[&s.fund])), members);
    assert_eq!(sup.funds[&s.fund].terms.channel, Channel::AllianceFund);
    let all = [true; 5];
    assert_eq!(seen(&|r| st.may_see(r, &sup.donors[&c("AUS")])), all);
    assert_eq!(seen(&|r| st.may_see(r, &st.members[&c("HUN")])), all);
    assert_eq!(seen(&|r| st.may_see(r, &st.partners[&c("UKR")])), all);
}

/// A delegation whose member departed keeps no clearance, whatever token it still holds.
#[test]
fn a_departed_member_reads_as_the_public() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", crate::Stance::Object, plus(t0(), 60));
    let hun = Reader::Member(c("HUN"));
    assert_eq!(w.state.proposal_access(hun, w.proposal(id)), ProposalAccess::Full);
    assert!(w.state.may_read(
        hun,
        Marking::Members,
        &Event::ProposalWithdrawn { proposal: id, reason: String::new(), at: t0() }
    ));
    let departed = Event::MemberDeparted { member: c("HUN"), on: "2024-03-01".parse().expect("a date") };
    w.state.apply(&departed).expect("a departure applies");
    assert_eq!(w.state.cleared(hun), Reader::Public);
    assert_eq!(
        w.state.proposal_access(hun, w.proposal(id)),
        ProposalAccess::Hidden,
        "a blocked proposal is the members'"
    );
    assert!(!w.state.may_read(
        hun,
        Marking::Members,
        &Event::ProposalWithdrawn { proposal: id, reason: String::new(), at: t0() }
    ));
    assert_eq!(w.state.cleared(Reader::Member(c("FRA"))), Reader::Member(c("FRA")), "the others keep theirs");
}

/// A member replaying the log while the secretariat holds a draft folds it as a numbered,
/// unknown draft: the proposals drafted after it keep their numbers.
#[test]
fn a_withheld_draft_keeps_its_number() {
    let mut w = World::alliance();
    let mut replayed = w.state.clone();
    let first = w.draft(DecisionKind::Statement, t0());
    replayed.hold_withheld_draft(t0(), None);
    assert_eq!(replayed.next_proposal_id(), w.state.next_proposal_id());
    assert_eq!(replayed.proposals[&first].status, crate::ProposalStatus::Draft);
}

/// A position on an earlier revision lapses when the text changes, and is kept aside so that
/// the delegation can be told; like every position, only the members read it.
#[test]
fn a_lapsed_position_is_kept_aside_for_the_members() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", crate::Stance::OptOut, plus(t0(), 60));
    let amend = crate::Command::AmendProposal {
        proposal: id,
        title: None,
        text: "A revised programme.".into(),
        deadline: Some(plus(deadline(), 3600)),
        urgent: None,
    };
    w.run(Actor::Secretariat, &amend, plus(t0(), 120));
    let p = w.proposal(id);
    assert!(p.positions.is_empty(), "a new text needs new positions");
    let lapsed = &p.superseded[&c("HUN")];
    assert_eq!((lapsed.revision, lapsed.stance), (1, crate::Stance::OptOut));
    // A new position on revision 2 counts; the lapsed one stays as history.
    w.take(id, "HUN", crate::Stance::Concur, plus(t0(), 180));
    assert_eq!(w.proposal(id).positions[&c("HUN")].revision, 2);
    assert!(w.proposal(id).superseded.contains_key(&c("HUN")));
    w.close(id, plus(deadline(), 3600));
    let shown = w.state.proposal_for(Reader::Public, w.proposal(id)).expect("an adopted programme is announced");
    assert!(shown.superseded.is_empty() && shown.positions.is_empty());
}
