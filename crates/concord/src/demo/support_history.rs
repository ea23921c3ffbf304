//! The demo's support history, 2022 to 2024, as commands recorded in March 2024.
//!
//! **Illustrative**: the channels, the eight capability coalitions and their lead nations
//! (domain.md §2.2), the non-lethal alliance fund and the order in which kinds of weapons appeared
//! (§2.4: anti-tank and air defence in 2022, tanks early 2023, long-range missiles from May 2023,
//! F-16s through a coalition) follow the public record; **every quantity and amount is invented**
//! to show the model, and is not a record of what any state gave. The texts say so.

use concord_core::support::{
    Capability, Channel, CoalitionId, CoalitionTerms, Currency, DeliveryId, DonorState, FundId, FundPolicy, FundTerms,
    FxRate, GdpFigure, Money, PledgeId, PledgeStatus, PledgeTerms, Priority, Rate, RequestId, RequestTerms,
    SupportCategory as Cat, SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode, ProposalId};
use jiff::Timestamp;
use jiff::civil::date;

use super::pledge_table::{DELIVERIES, PLEDGES};

/// The label on every support text of the demo.
pub const ILLUSTRATIVE: &str = "[Illustrative: amounts and quantities invented for the demo.]";

fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("the demo's codes are valid")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("the demo's times are valid")
}

fn money(units: i64, currency: &str) -> Money {
    let currency = Currency::parse(currency).expect("the demo's currencies are known");
    Money::parse_decimal(&units.to_string(), currency).expect("the demo's amounts are in range")
}

/// The eight capability coalitions: name, capability, leads, other participants.
const COALITIONS: &[(&str, Capability, &[&str], &[&str])] = &[
    ("Air Force (F-16)", Capability::AirForce, &["USA", "DNK", "NLD"], &["NOR", "BEL", "AUS"]),
    ("Integrated Air and Missile Defence", Capability::AirDefence, &["DEU", "FRA"], &["USA", "ESP", "ITA"]),
    ("Artillery", Capability::Artillery, &["FRA", "USA"], &["CZE", "AUS", "EST"]),
    ("Armoured vehicles", Capability::Armour, &["POL", "DEU", "ITA"], &["CAN", "SWE"]),
    ("Maritime", Capability::Maritime, &["GBR", "NOR"], &["NLD", "ROU"]),
    ("IT", Capability::It, &["EST", "LUX"], &["BEL", "DEU"]),
    ("Demining", Capability::Demining, &["LTU", "ISL"], &["DNK", "NLD"]),
    ("Drone", Capability::Drones, &["LVA", "GBR"], &["SWE", "NLD"]),
];

/// The history as (time, actor, command): recorded from 8 March 2024, after the assistance
/// programme that the fund rests on (`programme`) was adopted.
/// Where the demo's GDP figures come from: rounded, so labelled as such.
pub const GDP_SOURCE: &str =
    "IMF World Economic Outlook, October 2024, GDP at current prices, USD billion (rounded, illustrative)";

/// Each member's GDP for 2024 in USD billion, rounded: enough for the burden-share table, not a
/// statistic to quote.
const GDP_2024: &[(&str, u64)] = &[
    ("ALB", 26),
    ("BEL", 655),
    ("BGR", 113),
    ("CAN", 2_215),
    ("CZE", 346),
    ("DEU", 4_710),
    ("DNK", 412),
    ("ESP", 1_731),
    ("EST", 43),
    ("FIN", 300),
    ("FRA", 3_174),
    ("GBR", 3_588),
    ("GRC", 251),
    ("HRV", 92),
    ("HUN", 223),
    ("ISL", 33),
    ("ITA", 2_376),
    ("LTU", 84),
    ("LUX", 93),
    ("LVA", 44),
    ("MKD", 16),
    ("MNE", 8),
    ("NLD", 1_228),
    ("NOR", 504),
    ("POL", 915),
    ("PRT", 308),
    ("ROU", 382),
    ("SVK", 141),
    ("SVN", 73),
    ("SWE", 604),
    ("TUR", 1_345),
    ("USA", 29_168),
];

pub fn steps(programme: ProposalId) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let ukr = Actor::Partner(code("UKR"));
    let mut s = Vec::new();
    let t = at("2024-03-08T09:00:00Z");
    s.push((
        t,
        sec,
        Command::Support(SupportCommand::RegisterDonorState {
            donor: DonorState { code: code("AUS"), name: "Australia".into() },
        }),
    ));
    for (from, to, rate, on) in [
        ("USD", "EUR", "0.92", date(2022, 1, 3)),
        ("GBP", "EUR", "1.17", date(2022, 1, 3)),
        ("AUD", "EUR", "0.61", date(2022, 1, 3)),
    ] {
        let rate = FxRate {
            from: Currency::parse(from).expect("known"),
            to: Currency::parse(to).expect("known"),
            rate: Rate::parse(rate).expect("a valid rate"),
            on,
        };
        s.push((t, sec, Command::Support(SupportCommand::RecordExchangeRate { rate })));
    }
    for (member, value) in GDP_2024 {
        let figure = GdpFigure {
            member: code(member),
            year: 2024,
            value: *value,
            unit: "USD billion".into(),
            source: GDP_SOURCE.into(),
            correction: None,
        };
        s.push((t, sec, Command::Support(SupportCommand::RecordGdp { figure })));
    }
    let fund = FundTerms {
        name: "Comprehensive Assistance Package Trust Fund (illustrative)".into(),
        channel: Channel::AllianceFund,
        policy: FundPolicy::NonLethalOnly,
        authorised_by: programme,
    };
    s.push((t, sec, Command::Support(SupportCommand::CreateFund { fund })));
    for (name, capability, leads, others) in COALITIONS {
        let coalition = CoalitionTerms {
            name: format!("{name} capability coalition"),
            capability: *capability,
            leads: leads.iter().map(|c| code(c)).collect(),
            participants: leads.iter().chain(others.iter()).map(|c| code(c)).collect(),
            formed_on: Some(date(2023, 10, 11)),
        };
        s.push((t, sec, Command::Support(SupportCommand::FormCoalition { coalition })));
    }
    let requests = [
        (
            Cat::ArtilleryAmmunition,
            Capability::Artillery,
            "155 mm artillery shells",
            1_000_000u64,
            "rounds",
            Priority::Critical,
        ),
        (
            Cat::AirAndMissileDefence,
            Capability::AirDefence,
            "Air defence systems and interceptors",
            10,
            "systems",
            Priority::Critical,
        ),
        (Cat::WinterEquipment, Capability::Logistics, "Winter clothing sets", 120_000, "sets", Priority::High),
        (Cat::Demining, Capability::Demining, "Demining equipment kits", 1_000, "kits", Priority::Medium),
    ];
    let t = at("2024-03-08T10:00:00Z");
    for (category, capability, what, quantity, unit, priority) in requests {
        let request = RequestTerms {
            partner: code("UKR"),
            category,
            capability,
            description: format!("{what}. {ILLUSTRATIVE}"),
            quantity,
            unit: unit.into(),
            priority,
            needed_by: Some(date(2024, 12, 31)),
        };
        s.push((t, ukr, Command::Support(SupportCommand::FileRequest { request })));
    }
    let t = at("2024-03-08T11:00:00Z");
    for x in PLEDGES {
        let terms = PledgeTerms {
            donor: code(x.donor),
            recipient: code("UKR"),
            request: x.request.and_then(RequestId::new),
            channel: x.channel,
            coalition: x.coalition.and_then(CoalitionId::new),
            fund: (x.channel == Channel::AllianceFund).then_some(FundId::FIRST),
            category: x.category,
            capability: x.capability,
            range: x.range,
            item: x.item.into(),
            quantity: x.quantity,
            value: money(x.value.0, x.value.1),
            valuation: ValuationMethod::ReportedByDonor,
            announced_on: x.announced,
            source_ref: Some(ILLUSTRATIVE.into()),
            authorised_by: None,
        };
        let status = if matches!(x.status, PledgeStatus::Delivered | PledgeStatus::PartiallyDelivered) {
            PledgeStatus::Committed
        } else {
            x.status
        };
        s.push((t, sec, Command::Support(SupportCommand::RecordPledge { pledge: terms, status: Some(status) })));
    }
    let t = at("2024-03-08T12:00:00Z");
    for (pledge, day, quantity, value) in DELIVERIES {
        let x = &PLEDGES[usize::try_from(*pledge - 1).expect("small")];
        let delivery = Command::Support(SupportCommand::RecordDelivery {
            pledge: PledgeId::new(*pledge).expect("the demo's pledges are numbered from 1"),
            delivered_on: *day,
            quantity: *quantity,
            value: money(*value, x.value.1),
        });
        s.push((t, sec, delivery));
    }
    // Ukraine confirms the first deliveries it received.
    let t = at("2024-03-09T09:00:00Z");
    for d in 0..3 {
        s.push((
            t,
            ukr,
            Command::Support(SupportCommand::ConfirmReceipt {
                delivery: DeliveryId::FIRST.after(d),
                note: Some("Received in full.".into()),
            }),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use concord_core::support::report::{Month, request_gaps, shares, totals};
    use concord_core::support::{Measure, RequestStatus};
    use concord_core::{State, decide};

    use super::*;

    /// The whole demo scenario, folded.
    fn state() -> State {
        let mut state = State::new();
        for (t, actor, command) in crate::demo::scenario::steps(at("2026-11-25T17:20:00Z")) {
            for e in decide(&state, actor, &command, t).unwrap_or_else(|r| panic!("{command:?} refused: {r}")) {
                state.apply(&e).unwrap();
            }
        }
        state
    }

    #[test]
    fn the_history_shows_lethal_aid_growing_and_long_range_systems_from_2023() {
        let s = state();
        let support = &s.support;
        assert_eq!(support.pledges.len(), PLEDGES.len());
        assert_eq!(support.coalitions.len(), 8);
        let sh = shares(support, Measure::Committed, Currency::EUR).unwrap();
        let long_range = |year: i16| {
            sh.iter()
                .filter(|x| matches!(x.month, Month::Known { year: y, .. } if y == year))
                .any(|x| x.long_range_bp > 0)
        };
        assert!(!long_range(2022), "no long-range systems in 2022");
        assert!(long_range(2023), "long-range systems appear in 2023");
        assert!(sh.iter().any(|x| x.month == Month::Known { year: 2022, month: 3 } && x.lethal_bp > 5_000));
        // The Australian pledge has no date: it is counted, in the unknown month.
        let t = totals(support, Measure::Committed, Currency::EUR).unwrap();
        assert!(t.rows.iter().any(|r| r.month == Month::Unknown && r.donor == code("AUS")));
    }

    #[test]
    fn some_requests_are_covered_and_some_are_not() {
        let s = state();
        let gaps = request_gaps(&s.support);
        let status =
            |id: u64| gaps.iter().find(|g| Some(g.request.id) == RequestId::new(id)).map(|g| g.coverage.status);
        assert_eq!(status(3), Some(RequestStatus::Closed), "winter equipment: pledged and delivered in full");
        assert_eq!(status(1), Some(RequestStatus::PartiallyCovered), "ammunition: 390,000 of 1,000,000 pledged");
        assert_eq!(status(4), Some(RequestStatus::PartiallyCovered));
        assert!(s.support.deliveries.values().filter(|d| d.receipt.is_some()).count() == 3);
    }
}
