//! Support fixtures: the alliance with an adopted assistance programme, a pending one, a blocked
//! one, the non-lethal alliance fund, Australia as a non-member donor state, one coalition, a
//! EUR/USD rate, and builders of typical commands.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, date};

use super::fixtures::*;
use crate::support::{
    Capability, Channel, CoalitionId, CoalitionTerms, Currency, DonorState, FundId, FundPolicy, FundTerms, FxRate,
    Money, PledgeId, PledgeTerms, Priority, RangeClass, Rate, RequestId, RequestTerms, SupportCategory, SupportCommand,
    ValuationMethod,
};
use crate::{Actor, Command, DecisionKind, Procedure, ProposalId, Stance};

/// After every fixture decision: support commands run from here on.
pub(crate) fn now() -> Timestamp {
    ts("2024-03-10T09:00:00Z")
}

pub(crate) fn eur(minor_units: i64) -> Money {
    Money { minor_units, currency: Currency::EUR }
}

/// A report's figure in EUR.
pub(crate) fn total(minor_units: i64) -> crate::support::Total {
    eur(minor_units).into()
}

/// The support world and the ids it made.
#[derive(Debug, Clone)]
pub(crate) struct Support {
    pub w: World,
    /// An adopted assistance programme.
    pub programme: ProposalId,
    /// A statement, adopted: not a programme.
    pub statement: ProposalId,
    /// An assistance programme still under silence.
    pub pending: ProposalId,
    /// An assistance programme blocked by an objection.
    pub blocked: ProposalId,
    /// The non-lethal alliance fund (CAP Trust Fund-like).
    pub fund: FundId,
    /// The artillery coalition: France and the USA lead, Australia takes part.
    pub coalition: CoalitionId,
}

impl Support {
    pub fn new() -> Self {
        let mut w = World::alliance();
        let programme = w.silence();
        let statement = w.open(DecisionKind::Statement, Procedure::Silence, t0(), deadline());
        let pending = w.open(DecisionKind::AssistanceProgramme, Procedure::Silence, t0(), ts("2024-04-01T00:00:00Z"));
        let blocked = w.silence();
        w.take(blocked, "HUN", Stance::Object, plus(t0(), 60));
        w.close(programme, deadline());
        w.close(statement, deadline());
        let s = Actor::Secretariat;
        w.run(
            s,
            &Command::Support(SupportCommand::RegisterDonorState {
                donor: DonorState { code: c("AUS"), name: "Australia".into() },
            }),
            now(),
        );
        let fund = FundTerms {
            name: "Comprehensive Assistance Package Trust Fund".into(),
            channel: Channel::AllianceFund,
            policy: FundPolicy::NonLethalOnly,
            authorised_by: programme,
        };
        w.run(s, &Command::Support(SupportCommand::CreateFund { fund }), now());
        let coalition = coalition("Artillery", &["FRA", "USA"], &["FRA", "USA", "AUS", "EST"]);
        w.run(s, &Command::Support(SupportCommand::FormCoalition { coalition }), now());
        let rate = FxRate { from: Currency::EUR, to: Currency::USD, rate: rate("1.08"), on: date(2024, 1, 2) };
        w.run(s, &Command::Support(SupportCommand::RecordExchangeRate { rate }), now());
        Self { w, programme, statement, pending, blocked, fund: FundId::FIRST, coalition: CoalitionId::FIRST }
    }

    /// Records `terms` as `actor`; the pledge's id.
    pub fn pledge(&mut self, actor: Actor, terms: PledgeTerms) -> PledgeId {
        let id = self.w.state.support.next_pledge_id();
        self.w.run(actor, &Command::Support(SupportCommand::RecordPledge { pledge: terms, status: None }), now());
        id
    }

    /// Ukraine files a request for `quantity` of `category`.
    pub fn request(&mut self, category: SupportCategory, quantity: u64) -> RequestId {
        let id = self.w.state.support.next_request_id();
        let cmd = Command::Support(SupportCommand::FileRequest { request: request(category, quantity) });
        self.w.run(Actor::Partner(c("UKR")), &cmd, now());
        id
    }

    /// Delivers `quantity` worth `value` euro cents on 2024-03-09, as the secretariat.
    pub fn deliver(&mut self, pledge: PledgeId, quantity: u64, value: i64) {
        let cmd = Command::Support(SupportCommand::RecordDelivery {
            pledge,
            delivered_on: day(),
            quantity,
            value: eur(value),
        });
        self.w.run(Actor::Secretariat, &cmd, now());
    }
}

/// A delivery day before [`now`].
pub(crate) fn day() -> Date {
    date(2024, 3, 9)
}

pub(crate) fn rate(s: &str) -> Rate {
    Rate::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn coalition(name: &str, leads: &[&str], participants: &[&str]) -> CoalitionTerms {
    CoalitionTerms {
        name: name.into(),
        capability: Capability::Artillery,
        leads: leads.iter().map(|x| c(x)).collect::<BTreeSet<_>>(),
        participants: participants.iter().map(|x| c(x)).collect(),
        formed_on: Some(date(2024, 2, 14)),
    }
}

pub(crate) fn request(category: SupportCategory, quantity: u64) -> RequestTerms {
    RequestTerms {
        partner: c("UKR"),
        category,
        capability: Capability::Artillery,
        description: format!("{quantity} of {category}"),
        quantity,
        unit: "units".into(),
        priority: Priority::High,
        needed_by: Some(date(2024, 6, 1)),
    }
}

/// A bilateral pledge by `donor` to Ukraine: 100 of `category` worth 1,000,000.00 EUR.
pub(crate) fn bilateral(donor: &str, category: SupportCategory) -> PledgeTerms {
    PledgeTerms {
        donor: c(donor),
        recipient: c("UKR"),
        request: None,
        channel: Channel::Bilateral,
        coalition: None,
        fund: None,
        category,
        capability: Capability::Artillery,
        range: RangeClass::NotApplicable,
        item: format!("{category}").into(),
        quantity: 100,
        value: eur(100_000_000),
        valuation: ValuationMethod::ReportedByDonor,
        announced_on: Some(date(2024, 3, 1)),
        source_ref: None,
        authorised_by: None,
    }
}

/// A contribution by `donor` to the alliance fund (fund 1).
pub(crate) fn to_fund(donor: &str, category: SupportCategory) -> PledgeTerms {
    PledgeTerms { channel: Channel::AllianceFund, fund: Some(FundId::FIRST), ..bilateral(donor, category) }
}
