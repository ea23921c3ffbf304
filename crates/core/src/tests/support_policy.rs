//! The support policy, domain.md §5.3 rules 6–15, one test (or a few) per rule, each named as
//! the rule it checks; then the bad input of issue 3 and who may do what. Every scenario runs
//! through `decide` and `apply` ([`World`]); a refusal changes nothing.

use jiff::civil::date;

use super::fixtures::*;
use super::support_fixtures::*;
use crate::support::{
    Channel, CoalitionId, Currency, DeliveryId, DonorState, FundId, FundPolicy, FundTerms, FxRate, Money, PledgeStatus,
    RequestStatus, SupportCategory as Cat, SupportCommand,
};
use crate::{Actor, ApplyError, Command, Event, Refusal, RefusalClass, State};

/// Ukraine's own delegation.
fn ukr() -> Actor {
    Actor::Partner(c("UKR"))
}

fn secretariat() -> Actor {
    Actor::Secretariat
}

// Rule 6: the alliance fund is non-lethal only.

#[test]
fn rule_6_the_alliance_fund_refuses_lethal_aid_and_says_how_to_give_it() {
    let mut s = Support::new();
    let r = s.w.refuse(Actor::Member(c("DEU")), &pledge(to_fund("DEU", Cat::ArtilleryAmmunition)), now());
    assert_eq!(r, Refusal::LethalOnAllianceFund { category: Cat::ArtilleryAmmunition });
    assert_eq!(
        r.to_string(),
        "the alliance fund accepts non-lethal aid only; artillery ammunition is lethal: pledge it bilaterally or through a coalition"
    );
    assert_eq!((r.code(), r.class()), ("lethal-on-alliance-fund", RefusalClass::Invalid));
    for cat in Cat::ALL.into_iter().filter(|c| c.is_lethal()) {
        let r = s.w.refuse(secretariat(), &pledge(to_fund("DEU", cat)), now());
        assert!(matches!(r, Refusal::LethalOnAllianceFund { .. }), "{cat}: {r}");
    }
    // Non-lethal aid goes in, and counts as a contribution to the fund.
    let id = s.pledge(Actor::Member(c("DEU")), to_fund("DEU", Cat::WinterEquipment));
    assert_eq!(s.w.state.support.contributions(s.fund).map(|p| p.id).collect::<Vec<_>>(), [id]);
}

#[test]
fn rule_6_a_fund_on_the_alliance_fund_channel_must_have_the_non_lethal_policy() {
    let mut s = Support::new();
    let fund = FundTerms {
        name: "Lethal trust".into(),
        channel: Channel::AllianceFund,
        policy: FundPolicy::Any,
        authorised_by: s.programme,
    };
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::CreateFund { fund }), now());
    assert!(matches!(r, Refusal::AllianceFundPolicy { .. }), "{r}");
    // An alliance-coordinated fund with a non-lethal policy refuses lethal pledges too.
    let fund = FundTerms {
        name: "Coordinated non-lethal".into(),
        channel: Channel::AllianceCoordinated,
        policy: FundPolicy::NonLethalOnly,
        authorised_by: s.programme,
    };
    s.w.run(secretariat(), &Command::Support(SupportCommand::CreateFund { fund }), now());
    let terms = crate::support::PledgeTerms {
        channel: Channel::AllianceCoordinated,
        fund: Some(FundId::new(2).unwrap()),
        ..bilateral("NLD", Cat::Tanks)
    };
    let r = s.w.refuse(secretariat(), &pledge(terms), now());
    assert!(matches!(r, Refusal::FundNonLethalOnly { fund, .. } if fund.get() == 2), "{r}");
}

// Rule 7: lethal aid is national.

#[test]
fn rule_7_lethal_aid_goes_bilaterally_through_a_coalition_or_alliance_coordinated_and_needs_no_decision() {
    let mut s = Support::new();
    s.pledge(Actor::Member(c("USA")), bilateral("USA", Cat::LongRangeMissiles));
    let coal = crate::support::PledgeTerms {
        channel: Channel::Coalition,
        coalition: Some(s.coalition),
        ..bilateral("FRA", Cat::Artillery)
    };
    s.pledge(Actor::Member(c("FRA")), coal);
    let coordinated = crate::support::PledgeTerms {
        channel: Channel::AllianceCoordinated,
        authorised_by: Some(s.programme),
        ..bilateral("NLD", Cat::AirAndMissileDefence)
    };
    s.pledge(Actor::Member(c("NLD")), coordinated);
    let other = crate::support::PledgeTerms { channel: Channel::OtherMultilateral, ..bilateral("ITA", Cat::Tanks) };
    let r = s.w.refuse(secretariat(), &pledge(other), now());
    assert_eq!(r, Refusal::LethalChannel { category: Cat::Tanks, channel: Channel::OtherMultilateral });
    assert!(r.to_string().contains("pledge it bilaterally or through a coalition"), "{r}");
}

// Rule 8: significant actions need consensus first.

#[test]
fn rule_8_a_fund_needs_an_adopted_assistance_programme_or_fund_policy() {
    let mut s = Support::new();
    let fund = |authorised_by| FundTerms {
        name: "Second fund".into(),
        channel: Channel::AllianceFund,
        policy: FundPolicy::NonLethalOnly,
        authorised_by,
    };
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::CreateFund { fund: fund(s.pending) }), now());
    assert!(matches!(r, Refusal::DecisionNotAdopted { .. }), "{r}");
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::CreateFund { fund: fund(s.blocked) }), now());
    assert!(matches!(r, Refusal::DecisionNotAdopted { status: crate::ProposalStatus::Blocked, .. }), "{r}");
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::CreateFund { fund: fund(s.statement) }), now());
    assert!(matches!(r, Refusal::DecisionKindUnsuitable { kind: crate::DecisionKind::Statement, .. }), "{r}");
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::CreateFund { fund: fund(crate::ProposalId(99)) }),
        now(),
    );
    assert!(matches!(r, Refusal::UnknownProposal { .. }), "{r}");
    s.w.run(secretariat(), &Command::Support(SupportCommand::CreateFund { fund: fund(s.programme) }), now());
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::CreateFund { fund: fund(s.programme) }), now());
    assert!(matches!(r, Refusal::FundExists { .. }), "{r}");
}

#[test]
fn rule_8_an_alliance_coordinated_pledge_rests_on_an_adopted_decision_and_national_ones_cite_none() {
    let mut s = Support::new();
    let coordinated = |authorised_by| crate::support::PledgeTerms {
        channel: Channel::AllianceCoordinated,
        authorised_by,
        ..bilateral("NLD", Cat::Artillery)
    };
    let r = s.w.refuse(secretariat(), &pledge(coordinated(None)), now());
    assert_eq!(r, Refusal::DecisionRequired { channel: Channel::AllianceCoordinated });
    let r = s.w.refuse(secretariat(), &pledge(coordinated(Some(s.pending))), now());
    assert!(matches!(r, Refusal::DecisionNotAdopted { .. }), "{r}");
    let r = s.w.refuse(secretariat(), &pledge(coordinated(Some(s.statement))), now());
    assert!(matches!(r, Refusal::DecisionKindUnsuitable { .. }), "{r}");
    s.pledge(secretariat(), coordinated(Some(s.programme)));
    // A bilateral or coalition pledge needs no decision, and may not claim one.
    let bil = crate::support::PledgeTerms { authorised_by: Some(s.programme), ..bilateral("NLD", Cat::Artillery) };
    let r = s.w.refuse(secretariat(), &pledge(bil), now());
    assert_eq!(r, Refusal::NoAllianceDecision { channel: Channel::Bilateral });
}

// Rule 9: statuses only move forward; deliveries never exceed the pledge except by correction.

#[test]
fn rule_9_statuses_only_move_forward_and_cancel_only_before_delivery() {
    let mut s = Support::new();
    let p = s.pledge(Actor::Member(c("POL")), bilateral("POL", Cat::Tanks));
    let change = |to| Command::Support(SupportCommand::ChangePledgeStatus { pledge: p, status: to });
    s.w.run(Actor::Member(c("POL")), &change(PledgeStatus::Allocated), now());
    let r = s.w.refuse(Actor::Member(c("POL")), &change(PledgeStatus::Committed), now());
    assert_eq!(r, Refusal::StatusNotForward { pledge: p, from: PledgeStatus::Allocated, to: PledgeStatus::Committed });
    assert!(r.to_string().contains("it can still be cancelled"), "{r}");
    s.w.refuse(Actor::Member(c("POL")), &change(PledgeStatus::Allocated), now());
    s.deliver(p, 100, 100_000_000);
    assert_eq!(s.w.state.support.pledges[&p].status, PledgeStatus::Delivered);
    let r = s.w.refuse(Actor::Member(c("POL")), &change(PledgeStatus::Cancelled), now());
    assert_eq!(r, Refusal::CancelAfterDelivery { pledge: p });

    let q = s.pledge(secretariat(), bilateral("POL", Cat::Tanks));
    s.deliver(q, 10, 0);
    assert_eq!(s.w.state.support.pledges[&q].status, PledgeStatus::PartiallyDelivered);
    s.w.run(
        secretariat(),
        &Command::Support(SupportCommand::ChangePledgeStatus { pledge: q, status: PledgeStatus::Cancelled }),
        now(),
    );
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::ChangePledgeStatus { pledge: q, status: PledgeStatus::Delivered }),
        now(),
    );
    assert_eq!(r, Refusal::PledgeCancelled { pledge: q });
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::RecordDelivery {
            pledge: q,
            delivered_on: day(),
            quantity: 1,
            value: eur(0),
        }),
        now(),
    );
    assert_eq!(r, Refusal::PledgeCancelled { pledge: q });
}

#[test]
fn rule_9_deliveries_never_exceed_the_pledge_except_by_an_explicit_correction() {
    let mut s = Support::new();
    let p = s.pledge(Actor::Member(c("DNK")), bilateral("DNK", Cat::Artillery));
    let deliver = |quantity, value| {
        Command::Support(SupportCommand::RecordDelivery { pledge: p, delivered_on: day(), quantity, value: eur(value) })
    };
    s.w.run(Actor::Member(c("DNK")), &deliver(60, 50_000_000), now());
    let r = s.w.refuse(Actor::Member(c("DNK")), &deliver(41, 0), now());
    assert!(matches!(r, Refusal::OverDelivery { measure: "quantity", .. }), "{r}");
    assert!(r.to_string().contains("record a correction"), "{r}");
    let r = s.w.refuse(Actor::Member(c("DNK")), &deliver(1, 50_000_001), now());
    assert!(matches!(r, Refusal::OverDelivery { measure: "value", .. }), "{r}");
    // The donor really delivered 110: only a correction records it.
    let correct = |quantity, value, reason: &str| {
        Command::Support(SupportCommand::CorrectDeliveries {
            pledge: p,
            delivered_on: day(),
            quantity,
            value: eur(value),
            reason: reason.into(),
        })
    };
    s.w.run(Actor::Member(c("DNK")), &correct(50, 50_000_000, "the second shipment held 50, not 40"), now());
    let pl = &s.w.state.support.pledges[&p];
    assert_eq!(pl.delivered(), (110, eur(100_000_000)));
    assert_eq!(pl.status, PledgeStatus::Delivered);
    assert_eq!(pl.outstanding_quantity(), 0);
    // A correction never takes the totals below zero, and must state its reason.
    let r = s.w.refuse(Actor::Member(c("DNK")), &correct(-111, 0, "too much"), now());
    assert_eq!(r, Refusal::CorrectionBelowZero { pledge: p });
    let r = s.w.refuse(Actor::Member(c("DNK")), &correct(-1, 0, "  "), now());
    assert!(matches!(r, Refusal::Invalid { field: "correction", .. }), "{r}");
    s.w.run(Actor::Member(c("DNK")), &correct(-10, 0, "10 were counted twice"), now());
    let pl = &s.w.state.support.pledges[&p];
    assert_eq!(pl.delivered_quantity, 100);
    assert_eq!(pl.status, PledgeStatus::Delivered, "a correction never moves a status backward");
    assert_eq!(s.w.state.support.deliveries_of(p).filter(|d| d.is_correction()).count(), 2);
}

#[test]
fn rule_9_a_delivery_is_in_the_pledges_currency_dated_between_announcement_and_today() {
    let mut s = Support::new();
    let p = s.pledge(secretariat(), bilateral("CAN", Cat::Medical));
    let usd = Money { minor_units: 100, currency: Currency::USD };
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::RecordDelivery { pledge: p, delivered_on: day(), quantity: 1, value: usd }),
        now(),
    );
    assert_eq!(r, Refusal::CurrencyMismatch { expected: Currency::EUR, given: Currency::USD });
    for on in [date(2024, 2, 1), date(2024, 3, 11)] {
        let cmd = Command::Support(SupportCommand::RecordDelivery {
            pledge: p,
            delivered_on: on,
            quantity: 1,
            value: eur(1),
        });
        let r = s.w.refuse(secretariat(), &cmd, now());
        assert!(matches!(r, Refusal::Invalid { field: "delivered_on", .. }), "{on}: {r}");
    }
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::RecordDelivery {
            pledge: p,
            delivered_on: day(),
            quantity: 0,
            value: eur(1),
        }),
        now(),
    );
    assert!(matches!(r, Refusal::Invalid { field: "quantity", .. }), "{r}");
}

// Rule 11: money.

#[test]
fn rule_11_negative_overflowing_and_unknown_amounts_are_refused() {
    let mut s = Support::new();
    let neg = crate::support::PledgeTerms { value: eur(-1), ..bilateral("GBR", Cat::Medical) };
    let r = s.w.refuse(secretariat(), &pledge(neg), now());
    assert_eq!(r, Refusal::NegativeAmount { field: "value", amount: eur(-1) });
    let huge = crate::support::PledgeTerms { value: eur(i64::MAX), ..bilateral("GBR", Cat::Medical) };
    assert_eq!(s.w.refuse(secretariat(), &pledge(huge), now()), Refusal::AmountOverflow { field: "value" });
    let many = crate::support::PledgeTerms { quantity: u64::MAX, ..bilateral("GBR", Cat::Medical) };
    assert_eq!(s.w.refuse(secretariat(), &pledge(many), now()), Refusal::AmountOverflow { field: "quantity" });
    let none = crate::support::PledgeTerms { quantity: 0, ..bilateral("GBR", Cat::Medical) };
    assert!(matches!(s.w.refuse(secretariat(), &pledge(none), now()), Refusal::Invalid { field: "quantity", .. }));
    // An unknown currency or category does not even parse.
    let json = r#"{"minor_units": 100, "currency": "XYZ"}"#;
    assert!(serde_json::from_str::<Money>(json).is_err());
    assert!(serde_json::from_str::<Cat>(r#""nuclear_weapons""#).is_err());
}

#[test]
fn rule_11_exchange_rates_are_recorded_once_per_pair_and_day_and_used_for_conversion() {
    let mut s = Support::new();
    let rate = FxRate { from: Currency::EUR, to: Currency::USD, rate: rate("1.09"), on: date(2024, 1, 2) };
    let r = s.w.refuse(secretariat(), &Command::Support(SupportCommand::RecordExchangeRate { rate }), now());
    assert!(matches!(r, Refusal::RateExists { .. }), "{r}");
    let same = FxRate { to: Currency::EUR, ..rate };
    assert!(matches!(
        s.w.refuse(secretariat(), &Command::Support(SupportCommand::RecordExchangeRate { rate: same }), now()),
        Refusal::Invalid { .. }
    ));
    let usd = s.w.state.support.rates.convert(eur(10000), Currency::USD, date(2024, 3, 1));
    assert_eq!(usd, Ok(Money { minor_units: 10800, currency: Currency::USD }));
    assert!(s.w.state.support.rates.convert(eur(1), Currency::USD, date(2023, 12, 1)).is_err());
}

// Rule 13: coalitions.

#[test]
fn rule_13_coalition_leads_take_part_non_members_may_join_and_only_participants_pledge_through_it() {
    let mut s = Support::new();
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::FormCoalition { coalition: coalition("Drone", &["LVA", "GBR"], &["LVA"]) }),
        now(),
    );
    assert_eq!(r, Refusal::LeadNotParticipant { lead: c("GBR") });
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::FormCoalition { coalition: coalition("Drone", &["LVA"], &["LVA", "KOR"]) }),
        now(),
    );
    assert_eq!(r, Refusal::UnknownDonor { donor: c("KOR") });
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::FormCoalition { coalition: coalition("Drone", &["LVA"], &["LVA", "UKR"]) }),
        now(),
    );
    assert_eq!(r, Refusal::PartnerIsNotDonor { partner: c("UKR") });
    let r = s.w.refuse(
        secretariat(),
        &Command::Support(SupportCommand::FormCoalition { coalition: coalition("artillery", &["LVA"], &["LVA"]) }),
        now(),
    );
    assert!(matches!(r, Refusal::CoalitionExists { .. }), "{r}");
    // Australia, not a member, takes part in the artillery coalition and pledges through it.
    let coal = |donor| crate::support::PledgeTerms {
        channel: Channel::Coalition,
        coalition: Some(CoalitionId::FIRST),
        ..bilateral(donor, Cat::ArtilleryAmmunition)
    };
    s.pledge(secretariat(), coal("AUS"));
    let r = s.w.refuse(Actor::Member(c("DEU")), &pledge(coal("DEU")), now());
    assert!(matches!(r, Refusal::NotAParticipant { .. }), "{r}");
    assert!(r.to_string().contains("join the coalition first, or pledge bilaterally"), "{r}");
    // Germany joins itself, then pledges; then becomes a lead.
    let join = |lead| {
        Command::Support(SupportCommand::JoinCoalition { coalition: CoalitionId::FIRST, participant: c("DEU"), lead })
    };
    s.w.run(Actor::Member(c("DEU")), &join(false), now());
    s.w.refuse(Actor::Member(c("DEU")), &join(false), now());
    s.pledge(Actor::Member(c("DEU")), coal("DEU"));
    s.w.run(Actor::Member(c("DEU")), &join(true), now());
    let co = &s.w.state.support.coalitions[&CoalitionId::FIRST];
    assert!(co.terms.leads.is_subset(&co.terms.participants));
    assert!(co.is_lead(c("DEU")));
    // A coalition pledge names its coalition; other channels name none.
    let r = s.w.refuse(secretariat(), &pledge(crate::support::PledgeTerms { coalition: None, ..coal("FRA") }), now());
    assert!(matches!(r, Refusal::Invalid { field: "coalition", .. }), "{r}");
    let r = s.w.refuse(
        secretariat(),
        &pledge(crate::support::PledgeTerms { coalition: Some(CoalitionId::FIRST), ..bilateral("FRA", Cat::Medical) }),
        now(),
    );
    assert!(matches!(r, Refusal::Invalid { field: "coalition", .. }), "{r}");
}

#[test]
fn rule_13_a_coalition_takes_no_alliance_decisions() {
    let mut s = Support::new();
    let coal = crate::support::PledgeTerms {
        channel: Channel::Coalition,
        coalition: Some(CoalitionId::FIRST),
        authorised_by: Some(s.programme),
        ..bilateral("FRA", Cat::Artillery)
    };
    let r = s.w.refuse(secretariat(), &pledge(coal), now());
    assert_eq!(r, Refusal::NoAllianceDecision { channel: Channel::Coalition });
    assert!(r.to_string().contains("a coalition takes none"), "{r}");
}

// Rule 15: requests.

#[test]
fn rule_15_request_coverage_is_the_sum_of_non_cancelled_linked_pledges_and_its_status_follows() {
    let mut s = Support::new();
    let req = s.request(Cat::ArtilleryAmmunition, 200);
    let cov = |s: &Support| s.w.state.support.coverage(req).unwrap_or_else(|| panic!("no request"));
    assert_eq!(cov(&s).status, RequestStatus::Open);
    let answer =
        |donor| crate::support::PledgeTerms { request: Some(req), ..bilateral(donor, Cat::ArtilleryAmmunition) };
    let a = s.pledge(Actor::Member(c("CZE")), answer("CZE"));
    assert_eq!((cov(&s).pledged, cov(&s).status), (100, RequestStatus::PartiallyCovered));
    assert_eq!(cov(&s).unpledged(), 100);
    let b = s.pledge(Actor::Member(c("EST")), answer("EST"));
    assert_eq!((cov(&s).pledged, cov(&s).status), (200, RequestStatus::Covered));
    s.w.run(
        Actor::Member(c("EST")),
        &Command::Support(SupportCommand::ChangePledgeStatus { pledge: b, status: PledgeStatus::Cancelled }),
        now(),
    );
    assert_eq!(
        (cov(&s).pledged, cov(&s).status),
        (100, RequestStatus::PartiallyCovered),
        "cancelled pledges do not cover"
    );
    let c2 = s.pledge(secretariat(), answer("LTU"));
    s.deliver(a, 100, 1);
    s.deliver(c2, 100, 1);
    assert_eq!((cov(&s).delivered, cov(&s).status), (200, RequestStatus::Closed));
    // A pledge answers a request of its own partner, in the same category.
    let wrong = crate::support::PledgeTerms { request: Some(req), ..bilateral("CZE", Cat::Medical) };
    let r = s.w.refuse(secretariat(), &pledge(wrong), now());
    assert!(matches!(r, Refusal::RequestMismatch { .. }), "{r}");
}

#[test]
fn rule_15_only_the_partner_files_and_withdraws_its_requests() {
    let mut s = Support::new();
    let file = Command::Support(SupportCommand::FileRequest { request: request(Cat::Demining, 5) });
    for actor in [secretariat(), Actor::Member(c("FRA")), Actor::Observer] {
        assert!(matches!(s.w.refuse(actor, &file, now()), Refusal::NotPermitted { .. }), "{actor}");
    }
    let mut other = request(Cat::Demining, 5);
    other.partner = c("MDA");
    let r = s.w.refuse(ukr(), &Command::Support(SupportCommand::FileRequest { request: other.clone() }), now());
    assert!(matches!(r, Refusal::NotPermitted { .. }), "{r}");
    let r =
        s.w.refuse(Actor::Partner(c("MDA")), &Command::Support(SupportCommand::FileRequest { request: other }), now());
    assert_eq!(r, Refusal::UnknownPartner { partner: c("MDA") });
    let req = s.request(Cat::Demining, 5);
    let withdraw =
        Command::Support(SupportCommand::WithdrawRequest { request: req, reason: Some("covered elsewhere".into()) });
    for actor in [secretariat(), Actor::Member(c("FRA")), Actor::Partner(c("MDA"))] {
        assert!(matches!(s.w.refuse(actor, &withdraw, now()), Refusal::NotPermitted { .. }), "{actor}");
    }
    s.w.run(ukr(), &withdraw, now());
    assert_eq!(s.w.state.support.coverage(req).map(|c| c.status), Some(RequestStatus::Withdrawn));
    assert_eq!(s.w.refuse(ukr(), &withdraw, now()), Refusal::RequestWithdrawn { request: req });
    let late = crate::support::PledgeTerms { request: Some(req), ..bilateral("CZE", Cat::Demining) };
    assert_eq!(s.w.refuse(secretariat(), &pledge(late), now()), Refusal::RequestWithdrawn { request: req });
}

// Issue 3's bad input, and who may do what.

#[test]
fn unknown_donors_and_partners_are_refused_and_non_members_are_registered_first() {
    let mut s = Support::new();
    let r = s.w.refuse(secretariat(), &pledge(bilateral("KOR", Cat::ArtilleryAmmunition)), now());
    assert_eq!(r, Refusal::UnknownDonor { donor: c("KOR") });
    assert_eq!(r.class(), RefusalClass::NotFound);
    assert!(r.to_string().contains("registers a non-member donor state first"), "{r}");
    s.w.run(
        secretariat(),
        &Command::Support(SupportCommand::RegisterDonorState {
            donor: DonorState { code: c("KOR"), name: "South Korea".into() },
        }),
        now(),
    );
    s.pledge(secretariat(), bilateral("KOR", Cat::ArtilleryAmmunition));
    let to_nowhere = crate::support::PledgeTerms { recipient: c("MDA"), ..bilateral("FRA", Cat::Medical) };
    assert_eq!(s.w.refuse(secretariat(), &pledge(to_nowhere), now()), Refusal::UnknownPartner { partner: c("MDA") });
    assert_eq!(
        s.w.refuse(secretariat(), &pledge(bilateral("UKR", Cat::Medical)), now()),
        Refusal::PartnerIsNotDonor { partner: c("UKR") }
    );
    let again = Command::Support(SupportCommand::RegisterDonorState {
        donor: DonorState { code: c("KOR"), name: "Korea".into() },
    });
    assert_eq!(s.w.refuse(secretariat(), &again, now()), Refusal::DonorExists { donor: c("KOR") });
    let member = Command::Support(SupportCommand::RegisterDonorState {
        donor: DonorState { code: c("FRA"), name: "France".into() },
    });
    assert_eq!(s.w.refuse(secretariat(), &member, now()), Refusal::DonorIsMember { donor: c("FRA") });
    let r = s.w.refuse(Actor::Member(c("FRA")), &again, now());
    assert!(matches!(r, Refusal::NotPermitted { .. }));
}

#[test]
fn a_member_records_only_its_own_pledges_and_deliveries_and_the_secretariat_any() {
    let mut s = Support::new();
    let r = s.w.refuse(Actor::Member(c("FRA")), &pledge(bilateral("DEU", Cat::Medical)), now());
    assert!(matches!(r, Refusal::NotPermitted { actor: Actor::Member(_), .. }), "{r}");
    for actor in [ukr(), Actor::Observer, Actor::Scheduler] {
        assert!(matches!(
            s.w.refuse(actor, &pledge(bilateral("DEU", Cat::Medical)), now()),
            Refusal::NotPermitted { .. }
        ));
    }
    let p = s.pledge(secretariat(), bilateral("DEU", Cat::Medical));
    let cmds = [
        Command::Support(SupportCommand::ChangePledgeStatus { pledge: p, status: PledgeStatus::Committed }),
        Command::Support(SupportCommand::RecordDelivery { pledge: p, delivered_on: day(), quantity: 1, value: eur(1) }),
        Command::Support(SupportCommand::CorrectDeliveries {
            pledge: p,
            delivered_on: day(),
            quantity: 1,
            value: eur(1),
            reason: "r".into(),
        }),
    ];
    for cmd in &cmds {
        for actor in [Actor::Member(c("FRA")), ukr(), Actor::Observer] {
            assert!(matches!(s.w.refuse(actor, cmd, now()), Refusal::NotPermitted { .. }), "{actor} {cmd:?}");
        }
        s.w.run(Actor::Member(c("DEU")), cmd, now());
    }
    for cmd in [
        Command::Support(SupportCommand::FormCoalition { coalition: coalition("IT", &["EST"], &["EST", "LUX"]) }),
        Command::Support(SupportCommand::CreateFund {
            fund: FundTerms {
                name: "x".into(),
                channel: Channel::AllianceFund,
                policy: FundPolicy::NonLethalOnly,
                authorised_by: s.programme,
            },
        }),
        Command::Support(SupportCommand::RecordExchangeRate {
            rate: FxRate { from: Currency::USD, to: Currency::EUR, rate: rate("0.9"), on: day() },
        }),
    ] {
        assert!(matches!(s.w.refuse(Actor::Member(c("EST")), &cmd, now()), Refusal::NotPermitted { .. }), "{cmd:?}");
    }
    let join = Command::Support(SupportCommand::JoinCoalition {
        coalition: CoalitionId::FIRST,
        participant: c("DEU"),
        lead: false,
    });
    assert!(matches!(s.w.refuse(Actor::Member(c("FRA")), &join, now()), Refusal::NotPermitted { .. }));
}

#[test]
fn the_partner_confirms_receipt_of_deliveries_made_to_it_once() {
    let mut s = Support::new();
    let p = s.pledge(secretariat(), bilateral("SWE", Cat::WinterEquipment));
    s.deliver(p, 10, 1_000);
    let d = DeliveryId::FIRST;
    let confirm =
        Command::Support(SupportCommand::ConfirmReceipt { delivery: d, note: Some("arrived in Lviv".into()) });
    for actor in [secretariat(), Actor::Member(c("SWE")), Actor::Partner(c("MDA"))] {
        assert!(matches!(s.w.refuse(actor, &confirm, now()), Refusal::NotPermitted { .. }), "{actor}");
    }
    s.w.run(ukr(), &confirm, now());
    let receipt = s.w.state.support.deliveries[&d].receipt.clone();
    assert_eq!(receipt.map(|r| (r.partner, r.at)), Some((c("UKR"), now())));
    assert!(matches!(s.w.refuse(ukr(), &confirm, now()), Refusal::AlreadyConfirmed { .. }));
    assert!(matches!(
        s.w.refuse(
            ukr(),
            &Command::Support(SupportCommand::ConfirmReceipt { delivery: DeliveryId::new(9).unwrap(), note: None }),
            now()
        ),
        Refusal::UnknownDelivery { .. }
    ));
}

#[test]
fn observers_do_nothing_in_support() {
    let mut s = Support::new();
    let p = s.pledge(secretariat(), bilateral("NOR", Cat::Medical));
    for cmd in [
        pledge(bilateral("NOR", Cat::Medical)),
        Command::Support(SupportCommand::ChangePledgeStatus { pledge: p, status: PledgeStatus::Committed }),
        Command::Support(SupportCommand::FileRequest { request: request(Cat::Medical, 1) }),
        Command::Support(SupportCommand::RegisterDonorState {
            donor: DonorState { code: c("NZL"), name: "New Zealand".into() },
        }),
        Command::Support(SupportCommand::JoinCoalition {
            coalition: CoalitionId::FIRST,
            participant: c("NOR"),
            lead: false,
        }),
    ] {
        assert!(matches!(s.w.refuse(Actor::Observer, &cmd, now()), Refusal::NotPermitted { .. }), "{cmd:?}");
    }
}

#[test]
fn every_support_refusal_has_a_stable_code_and_every_event_replays() {
    let mut s = Support::new();
    let req = s.request(Cat::Tanks, 10);
    let p = s.pledge(secretariat(), crate::support::PledgeTerms { request: Some(req), ..bilateral("POL", Cat::Tanks) });
    s.deliver(p, 4, 10);
    s.w.run(
        ukr(),
        &Command::Support(SupportCommand::ConfirmReceipt { delivery: DeliveryId::FIRST, note: None }),
        now(),
    );
    let replayed = State::replay(&s.w.log).unwrap_or_else(|(i, e)| panic!("event {i}: {e}"));
    assert_eq!(replayed, s.w.state);
    for e in &s.w.log {
        let back: Event = serde_json::from_str(&serde_json::to_string(e).unwrap_or_default())
            .unwrap_or_else(|err| panic!("{} does not round-trip: {err}", e.name()));
        assert_eq!(&back, e);
    }
}

/// A tampered log fails at the tampered event: apply re-checks every support rule.
#[test]
fn a_log_with_a_lethal_fund_pledge_or_an_over_delivery_fails_to_apply() {
    let mut s = Support::new();
    let p = s.pledge(secretariat(), to_fund("DEU", Cat::Medical));
    s.deliver(p, 100, 100_000_000);
    let mut log = s.w.log.clone();
    let i = log.iter().position(|e| matches!(e, Event::PledgeRecorded { .. })).unwrap_or_else(|| panic!("no pledge"));
    if let Event::PledgeRecorded { terms, .. } = &mut log[i] {
        terms.category = Cat::ArtilleryAmmunition;
    }
    match State::replay(&log) {
        Err((at, ApplyError::Refused { refusal: Refusal::LethalOnAllianceFund { .. }, .. })) => assert_eq!(at, i),
        other => panic!("expected the lethal fund pledge to be refused at {i}, got {other:?}"),
    }
    let mut log = s.w.log.clone();
    let j =
        log.iter().position(|e| matches!(e, Event::DeliveryRecorded { .. })).unwrap_or_else(|| panic!("no delivery"));
    if let Event::DeliveryRecorded { quantity, .. } = &mut log[j] {
        *quantity = 101;
    }
    match State::replay(&log) {
        Err((at, ApplyError::Refused { refusal: Refusal::OverDelivery { .. }, .. })) => assert_eq!(at, j),
        other => panic!("expected the over-delivery to be refused at {j}, got {other:?}"),
    }
    // A status change that claims another starting status does not follow.
    let mut log = s.w.log.clone();
    let k =
        log.iter().position(|e| matches!(e, Event::PledgeStatusChanged { .. })).unwrap_or_else(|| panic!("no change"));
    if let Event::PledgeStatusChanged { from, .. } = &mut log[k] {
        *from = PledgeStatus::Allocated;
    }
    assert!(matches!(State::replay(&log), Err((at, ApplyError::Inconsistent { .. })) if at == k));
}

fn pledge(terms: crate::support::PledgeTerms) -> Command {
    Command::Support(SupportCommand::RecordPledge { pledge: terms, status: None })
}

#[test]
fn a_request_description_cannot_carry_terminal_escapes() {
    let mut s = Support::new();
    let mut forged = request(Cat::Demining, 5);
    // Would clear another user's screen and print a forged status.
    forged.description = "mines\x1b[2J\x1b[Hstatus covered".into();
    let r = s.w.refuse(ukr(), &Command::Support(SupportCommand::FileRequest { request: forged }), now());
    assert!(matches!(&r, Refusal::Invalid { field: "description", reason } if reason.contains("U+001B")), "{r}");
}

/// Support commands are nested in `Command::Support` only to make matches over commands
/// exhaustive: their JSON is what it was when they were variants of `Command` themselves.
#[test]
fn a_support_command_serialises_as_a_flat_command() {
    let withdraw = Command::Support(SupportCommand::WithdrawRequest {
        request: crate::support::RequestId::new(2).unwrap(),
        reason: Some("met".into()),
    });
    let json = serde_json::json!({ "command": "withdraw_request", "request": 2, "reason": "met" });
    assert_eq!(serde_json::to_value(&withdraw).unwrap(), json);
    assert_eq!(serde_json::from_value::<Command>(json).unwrap(), withdraw);
    let close = Command::CloseAtDeadline { proposal: crate::ProposalId(1) };
    let json = serde_json::json!({ "command": "close_at_deadline", "proposal": 1 });
    assert_eq!(serde_json::to_value(&close).unwrap(), json);
    assert_eq!(serde_json::from_value::<Command>(json).unwrap(), close);
    assert!(serde_json::from_value::<Command>(serde_json::json!({ "command": "support" })).is_err());
}
