//! The fold of the support events (issue 3): pledges, deliveries, requests, coalitions, funds,
//! exchange rates and GDP figures, each re-checked with the rules `decide` used.

use smallvec::SmallVec;

use super::{ApplyError, State};
use crate::Event;
use crate::support::rules as support_rules;
use crate::support::{Coalition, Delivery, Fund, Money, Pledge, Receipt, SupportRequest};

impl State {
    /// Folds a support event (issue 3), re-checked with the rules `decide` used.
    pub(super) fn apply_support(&mut self, event: &Event) -> Result<(), ApplyError> {
        let name = event.name();
        let refused = |refusal| ApplyError::Refused { event: name, refusal };
        let inconsistent = |reason: String| ApplyError::Inconsistent { event: name, reason };
        let not_next = |what: &str, id: u64| inconsistent(format!("{what} {id} is not the next number"));
        match event {
            Event::DonorStateRegistered { donor } => {
                support_rules::check_donor_state(self, donor).map_err(refused)?;
                self.support.donors.insert(donor.code, donor.clone());
            }
            Event::RequestFiled { request, terms, at } => {
                if *request != self.support.next_request_id() {
                    return Err(not_next("request", request.get()));
                }
                support_rules::check_request(self, terms).map_err(refused)?;
                let r = SupportRequest {
                    id: *request,
                    terms: terms.clone(),
                    submitted_at: *at,
                    withdrawn_at: None,
                    pledges: Vec::new(),
                };
                self.support.requests.insert(*request, r);
            }
            Event::RequestWithdrawn { request, reason, at } => {
                support_rules::check_withdrawal(self, *request, reason.as_deref()).map_err(refused)?;
                if let Some(r) = self.support.requests.get_mut(request) {
                    r.withdrawn_at = Some(*at);
                }
            }
            Event::PledgeRecorded { pledge, terms, status, at } => {
                if *pledge != self.support.next_pledge_id() {
                    return Err(not_next("pledge", pledge.get()));
                }
                support_rules::check_pledge(self, terms, *status, *at).map_err(refused)?;
                let p = Pledge {
                    id: *pledge,
                    terms: terms.clone(),
                    status: *status,
                    recorded_at: (*at).into(),
                    deliveries: SmallVec::new(),
                    delivered_quantity: 0,
                    delivered_value: Money::zero(terms.value.currency),
                };
                self.support.pledges.insert(p);
                self.support.index_pledge(*pledge, true);
                if let Some(r) = terms.request.and_then(|r| self.support.requests.get_mut(&r)) {
                    r.pledges.push(*pledge);
                }
            }
            Event::PledgeStatusChanged { pledge, from, to, at: _ } => {
                let current = support_rules::check_status_change(self, *pledge, *to).map_err(refused)?;
                if current != *from {
                    return Err(inconsistent(format!("pledge {pledge} is {current}, not {from}")));
                }
                self.support.index_pledge(*pledge, false);
                if let Some(p) = self.support.pledges.get_mut(pledge) {
                    p.status = *to;
                }
                self.support.index_pledge(*pledge, true);
            }
            Event::DeliveryRecorded { delivery, pledge, delivered_on, quantity, value, correction, at } => {
                if *delivery != self.support.next_delivery_id() {
                    return Err(not_next("delivery", delivery.get()));
                }
                let claim = support_rules::DeliveryClaim {
                    pledge: *pledge,
                    delivered_on: *delivered_on,
                    quantity: *quantity,
                    value: *value,
                    correction: correction.as_deref(),
                };
                let (total_quantity, total_value) = support_rules::check_delivery(self, claim, *at).map_err(refused)?;
                let d = Delivery {
                    id: *delivery,
                    pledge: *pledge,
                    delivered_on: *delivered_on,
                    quantity: *quantity,
                    value: *value,
                    correction: correction.as_deref().map(arcstr::ArcStr::from),
                    recorded_at: (*at).into(),
                    receipt: None,
                };
                self.support.index_pledge(*pledge, false);
                self.support.deliveries.insert(d);
                if let Some(p) = self.support.pledges.get_mut(pledge) {
                    p.deliveries.push(*delivery);
                    p.delivered_quantity = total_quantity;
                    p.delivered_value = total_value;
                }
                self.support.index_pledge(*pledge, true);
            }
            Event::ReceiptConfirmed { delivery, partner, note, at } => {
                let recipient = support_rules::check_receipt(self, *delivery, note.as_deref()).map_err(refused)?;
                if recipient != *partner {
                    return Err(inconsistent(format!("delivery {delivery} was made to {recipient}, not {partner}")));
                }
                if let Some(d) = self.support.deliveries.get_mut(delivery) {
                    d.receipt = Some(Box::new(Receipt { partner: *partner, at: *at, note: note.clone() }));
                }
            }
            Event::CoalitionFormed { coalition, terms, at } => {
                if *coalition != self.support.next_coalition_id() {
                    return Err(not_next("coalition", coalition.get()));
                }
                support_rules::check_coalition(self, terms).map_err(refused)?;
                let c = Coalition { id: *coalition, terms: terms.clone(), recorded_at: *at };
                self.support.coalitions.insert(*coalition, c);
            }
            Event::CoalitionJoined { coalition, participant, lead, at: _ } => {
                support_rules::check_join(self, *coalition, *participant, *lead).map_err(refused)?;
                if let Some(c) = self.support.coalitions.get_mut(coalition) {
                    c.terms.participants.insert(*participant);
                    if *lead {
                        c.terms.leads.insert(*participant);
                    }
                }
            }
            Event::FundCreated { fund, terms, at } => {
                if *fund != self.support.next_fund_id() {
                    return Err(not_next("fund", fund.get()));
                }
                support_rules::check_fund(self, terms).map_err(refused)?;
                self.support.funds.insert(*fund, Fund { id: *fund, terms: terms.clone(), created_at: *at });
            }
            Event::ExchangeRateRecorded { rate } => {
                support_rules::check_rate(self, rate).map_err(refused)?;
                self.support.rates.insert(*rate);
            }
            Event::GdpRecorded { figure, at } => {
                support_rules::check_gdp(self, figure).map_err(refused)?;
                let record = crate::support::GdpRecord { figure: figure.clone(), recorded_at: *at };
                self.support.gdp.entry(figure.member).or_default().insert(figure.year, record);
            }
            // The caller folds these itself and sends only the support events here.
            Event::LogCreated { .. }
            | Event::MemberKeyRegistered { .. }
            | Event::MemberKeyRevoked { .. }
            | Event::MemberAdmitted { .. }
            | Event::MemberDeparted { .. }
            | Event::PartnerRegistered { .. }
            | Event::BodyEstablished { .. }
            | Event::RuleChanged { .. }
            | Event::ChairAppointed { .. }
            | Event::PopulationsRecorded { .. }
            | Event::ProxyAuthorised { .. }
            | Event::ProxyEnded { .. }
            | Event::ProposalDrafted { .. }
            | Event::ProposalAmended { .. }
            | Event::ProposalCirculated { .. }
            | Event::DeadlineExtended { .. }
            | Event::DeadlineCurtailed { .. }
            | Event::PositionTaken { .. }
            | Event::InstructionsAwaited { .. }
            | Event::ProposalDecided { .. }
            | Event::ProposalWithdrawn { .. }
            | Event::ProposalReopened { .. }
            | Event::EntryPublished { .. } => {
                return Err(inconsistent(format!("{name} is not a support event")));
            }
        }
        Ok(())
    }
}
