//! Random support command sequences, run through `decide` and `apply` as the server would
//! (proptest). Whatever is accepted: every event applies; a pledge's status never moves backward
//! (rule 9); deliveries never exceed the pledge without a correction record, and never go below
//! zero (rule 9); no lethal aid reaches the alliance fund (rule 6); coalition leads take part
//! (rule 13); a request's coverage is the sum of its non-cancelled pledges (rule 15); events
//! round-trip through JSON; and replaying the log gives the live state.

use jiff::civil::date;
use proptest::prelude::*;

use super::fixtures::*;
use super::properties::config;
use super::support_fixtures::*;
use crate::support::{
    Channel, CoalitionId, Currency, DeliveryId, FundId, PledgeId, PledgeStatus, PledgeTerms, RequestId,
    SupportCategory as Cat, SupportCommand,
};
use crate::{Actor, Command, Event, State, decide};

const DONORS: [&str; 6] = ["FRA", "USA", "AUS", "EST", "DEU", "KOR"];
const STATUSES: [PledgeStatus; 6] = [
    PledgeStatus::Announced,
    PledgeStatus::Committed,
    PledgeStatus::Allocated,
    PledgeStatus::PartiallyDelivered,
    PledgeStatus::Delivered,
    PledgeStatus::Cancelled,
];

#[derive(Debug, Clone)]
pub(super) enum Op {
    Pledge {
        donor: usize,
        category: usize,
        channel: usize,
        quantity: u64,
        value: i64,
        request: Option<usize>,
        /// In US dollars rather than euros.
        usd: bool,
        /// Announced this many days before the fixture's day (at most ~2 years); undated if None.
        days_ago: Option<u16>,
    },
    Status {
        pick: usize,
        status: usize,
    },
    /// `percent` of the pledge's value (a negative percent: a negative value).
    Deliver {
        pick: usize,
        quantity: u64,
        percent: i64,
    },
    Correct {
        pick: usize,
        quantity: i64,
        value: i64,
    },
    Request {
        category: usize,
        quantity: u64,
    },
    Withdraw {
        pick: usize,
    },
    Confirm {
        pick: usize,
    },
    Join {
        donor: usize,
        lead: bool,
    },
}

pub(super) fn op() -> impl Strategy<Value = Op> {
    let pick = any::<usize>();
    prop_oneof![
        4 => (0..DONORS.len(), 0..Cat::ALL.len(), 0..Channel::ALL.len(), 0..300u64, -10..2_000_000i64,
              proptest::option::weighted(0.4, any::<usize>()), proptest::bool::weighted(0.3),
              proptest::option::weighted(0.9, 0..700u16))
            .prop_map(|(donor, category, channel, quantity, value, request, usd, days_ago)|
                Op::Pledge { donor, category, channel, quantity, value, request, usd, days_ago }),
        3 => (pick, 0..STATUSES.len()).prop_map(|(pick, status)| Op::Status { pick, status }),
        6 => (pick, 0..90u64, -1..70i64).prop_map(|(pick, quantity, percent)| Op::Deliver { pick, quantity, percent }),
        1 => (pick, -150..150i64, -1_000_000..1_000_000i64)
            .prop_map(|(pick, quantity, value)| Op::Correct { pick, quantity, value }),
        2 => (0..Cat::ALL.len(), 1..400u64).prop_map(|(category, quantity)| Op::Request { category, quantity }),
        1 => pick.prop_map(|pick| Op::Withdraw { pick }),
        1 => pick.prop_map(|pick| Op::Confirm { pick }),
        1 => (0..DONORS.len(), any::<bool>()).prop_map(|(donor, lead)| Op::Join { donor, lead }),
    ]
}

/// The `pick`-th of `n` ids numbered from 1, if any exist.
fn nth(pick: usize, n: usize) -> Option<u64> {
    (n > 0).then(|| (pick % n) as u64 + 1)
}

/// The command an op stands for, and who issues it (the owner, or the secretariat).
pub(super) fn command(s: &Support, op: &Op) -> Option<(Actor, Command)> {
    let st = &s.w.state.support;
    let sec = Actor::Secretariat;
    Some(match *op {
        Op::Pledge { donor, category, channel, quantity, value, request, usd, days_ago } => {
            let channel = Channel::ALL[channel];
            let value =
                if usd { crate::support::Money { minor_units: value, currency: Currency::USD } } else { eur(value) };
            let announced_on = days_ago.map(|d| day().saturating_sub(jiff::Span::new().days(i64::from(d))));
            let terms = PledgeTerms {
                channel,
                quantity,
                value,
                announced_on,
                request: request.and_then(|r| nth(r, st.requests.len())).and_then(RequestId::new),
                coalition: (channel == Channel::Coalition).then_some(CoalitionId::FIRST),
                fund: (channel == Channel::AllianceFund).then_some(FundId::FIRST),
                authorised_by: (channel == Channel::AllianceCoordinated).then_some(s.programme),
                ..bilateral(DONORS[donor], Cat::ALL[category])
            };
            let actor = if s.w.state.members.contains_key(&terms.donor) { Actor::Member(terms.donor) } else { sec };
            (actor, Command::Support(SupportCommand::RecordPledge { pledge: terms, status: None }))
        }
        Op::Status { pick, status } => (
            sec,
            Command::Support(SupportCommand::ChangePledgeStatus {
                pledge: PledgeId::new(nth(pick, st.pledges.len())?)?,
                status: STATUSES[status],
            }),
        ),
        Op::Deliver { pick, quantity, percent } => {
            let pledge = PledgeId::new(nth(pick, st.pledges.len())?)?;
            let value = st.pledges.get(&pledge).map_or(0, |p| p.terms.value.minor_units * percent / 100);
            (
                sec,
                Command::Support(SupportCommand::RecordDelivery {
                    pledge,
                    delivered_on: day(),
                    quantity,
                    value: eur(value),
                }),
            )
        }
        Op::Correct { pick, quantity, value } => {
            let pledge = PledgeId::new(nth(pick, st.pledges.len())?)?;
            let reason = "recount".to_owned();
            (
                sec,
                Command::Support(SupportCommand::CorrectDeliveries {
                    pledge,
                    delivered_on: day(),
                    quantity,
                    value: eur(value),
                    reason,
                }),
            )
        }
        Op::Request { category, quantity } => (
            Actor::Partner(c("UKR")),
            Command::Support(SupportCommand::FileRequest { request: request(Cat::ALL[category], quantity) }),
        ),
        Op::Withdraw { pick } => {
            let request = RequestId::new(nth(pick, st.requests.len())?)?;
            (Actor::Partner(c("UKR")), Command::Support(SupportCommand::WithdrawRequest { request, reason: None }))
        }
        Op::Confirm { pick } => {
            let delivery = DeliveryId::new(nth(pick, st.deliveries.len())?)?;
            (Actor::Partner(c("UKR")), Command::Support(SupportCommand::ConfirmReceipt { delivery, note: None }))
        }
        Op::Join { donor, lead } => {
            let participant = c(DONORS[donor]);
            (sec, Command::Support(SupportCommand::JoinCoalition { coalition: CoalitionId::FIRST, participant, lead }))
        }
    })
}

/// The world the sequences start from: the support fixture, with South Korea unregistered (so
/// some pledges name an unknown donor).
pub(super) fn start() -> Support {
    Support::new()
}

/// Checks the invariants of a state against the one before it.
fn check_invariants(before: &State, after: &State) -> Result<(), TestCaseError> {
    let st = &after.support;
    for p in st.pledges.values() {
        let id = &p.id;
        if let Some(old) = before.support.pledges.get(id) {
            prop_assert!(
                old.status == p.status || old.status.can_move_to(p.status),
                "pledge {id} moved from {} to {}",
                old.status,
                p.status
            );
        }
        let records: Vec<_> = st.deliveries_of(*id).collect();
        let q: i64 = records.iter().map(|d| d.quantity).sum();
        let v: i64 = records.iter().map(|d| d.value.minor_units).sum();
        prop_assert_eq!((q, v), (p.delivered_quantity, p.delivered_value.minor_units), "totals of pledge {}", id);
        prop_assert!(q >= 0 && v >= 0, "pledge {id}: deliveries below zero");
        if !records.iter().any(|d| d.is_correction()) {
            prop_assert!(q <= p.terms.quantity as i64, "pledge {id}: {q} delivered of {}", p.terms.quantity);
            prop_assert!(v <= p.terms.value.minor_units, "pledge {id}: value {v} delivered of {}", p.terms.value);
        }
        if p.terms.channel == Channel::AllianceFund || p.terms.fund.is_some() {
            prop_assert!(!p.is_lethal(), "lethal pledge {id} through the alliance fund");
        }
        if p.is_lethal() {
            prop_assert!(p.terms.channel.allows_lethal(), "lethal pledge {id} on {}", p.terms.channel);
        }
    }
    for co in st.coalitions.values() {
        prop_assert!(co.terms.leads.is_subset(&co.terms.participants));
    }
    for (id, r) in &st.requests {
        let pledged: u64 = st
            .pledges
            .values()
            .filter(|p| p.terms.request == Some(*id) && p.status != PledgeStatus::Cancelled)
            .map(|p| p.terms.quantity)
            .sum();
        let cov = st.coverage(*id).ok_or_else(|| TestCaseError::fail("no coverage"))?;
        prop_assert_eq!(cov.pledged, pledged);
        prop_assert_eq!(cov.requested, r.terms.quantity);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_support_sequences_keep_every_rule_and_replay_to_the_live_state(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let mut s = start();
        for op in &ops {
            let Some((actor, cmd)) = command(&s, op) else { continue };
            let before = s.w.state.clone();
            match decide(&s.w.state, actor, &cmd, now()) {
                Ok(events) => {
                    for e in &events {
                        s.w.state.apply(e).map_err(|err| TestCaseError::fail(format!("{e:?} does not apply: {err}")))?;
                        s.w.log.push(e.clone());
                        let json = serde_json::to_string(e).map_err(|err| TestCaseError::fail(err.to_string()))?;
                        let back: Event = serde_json::from_str(&json).map_err(|err| TestCaseError::fail(err.to_string()))?;
                        prop_assert_eq!(&back, e);
                    }
                }
                Err(r) => {
                    prop_assert!(!r.code().is_empty());
                    prop_assert!(!r.to_string().is_empty());
                }
            }
            check_invariants(&before, &s.w.state)?;
        }
        let replayed = State::replay(&s.w.log).map_err(|(i, e)| TestCaseError::fail(format!("event {i}: {e}")))?;
        prop_assert_eq!(&replayed, &s.w.state);
    }

    /// Random status changes, as any of several actors: a status only ever moves forward, and
    /// a delivered pledge is never cancelled.
    #[test]
    fn pledge_statuses_never_move_backward(changes in proptest::collection::vec((0..STATUSES.len(), any::<bool>()), 1..30)) {
        let mut s = start();
        let p = s.pledge(Actor::Member(c("FRA")), bilateral("FRA", Cat::Artillery));
        let mut history = vec![PledgeStatus::Announced];
        for (i, own) in changes {
            let actor = if own { Actor::Member(c("FRA")) } else { Actor::Member(c("DEU")) };
            let cmd = Command::Support(SupportCommand::ChangePledgeStatus { pledge: p, status: STATUSES[i] });
            if let Ok(events) = decide(&s.w.state, actor, &cmd, now()) {
                prop_assert!(own, "another member changed France's pledge");
                for e in &events {
                    s.w.state.apply(e).map_err(|err| TestCaseError::fail(err.to_string()))?;
                }
                history.push(s.w.state.support.pledges[&p].status);
            }
        }
        for w in history.windows(2) {
            prop_assert!(w[0].can_move_to(w[1]), "{} then {}", w[0], w[1]);
        }
    }
}

#[test]
fn the_sequence_fixture_starts_with_a_fund_a_coalition_and_a_rate() {
    let s = start();
    assert_eq!(s.w.state.support.funds.len(), 1);
    assert_eq!(s.w.state.support.coalitions.len(), 1);
    assert!(
        s.w.state
            .support
            .rates
            .latest(crate::support::Currency::EUR, crate::support::Currency::USD, date(2024, 3, 1))
            .is_some()
    );
}
