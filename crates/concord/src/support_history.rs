//! The demo's support history, 2022 to 2024, as commands recorded in March 2024.
//!
//! **Illustrative**: the channels, the eight capability coalitions and their lead nations
//! (domain.md §2.2), the non-lethal alliance fund and the order in which kinds of weapons appeared
//! (§2.4: anti-tank and air defence in 2022, tanks early 2023, long-range missiles from May 2023,
//! F-16s through a coalition) follow the public record; **every quantity and amount is invented**
//! to show the model, and is not a record of what any state gave. The texts say so.

use concord_core::support::{
    Capability, Channel, CoalitionId, CoalitionTerms, Currency, DeliveryId, DonorState, FundId, FundPolicy, FundTerms,
    FxRate, Money, PledgeId, PledgeStatus, PledgeTerms, Priority, RangeClass, Rate, RequestId, RequestTerms,
    SupportCategory as Cat, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode, ProposalId};
use jiff::Timestamp;
use jiff::civil::{Date, date};

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

struct Pledge {
    donor: &'static str,
    channel: Channel,
    coalition: Option<u64>,
    category: Cat,
    capability: Capability,
    range: RangeClass,
    item: &'static str,
    quantity: u64,
    value: (i64, &'static str),
    announced: Option<Date>,
    status: PledgeStatus,
    request: Option<u64>,
}

#[allow(clippy::too_many_arguments)] // a table row, read as one
const fn p(
    donor: &'static str,
    channel: Channel,
    coalition: Option<u64>,
    category: Cat,
    capability: Capability,
    range: RangeClass,
    item: &'static str,
    quantity: u64,
    value: (i64, &'static str),
    announced: Option<Date>,
    status: PledgeStatus,
    request: Option<u64>,
) -> Pledge {
    Pledge { donor, channel, coalition, category, capability, range, item, quantity, value, announced, status, request }
}

use Capability as K;
use Channel::{AllianceFund as Fund, Bilateral as Bi, Coalition as Co};
use PledgeStatus::{Allocated, Announced, Committed, Delivered};
use RangeClass::{Long, Medium, NotApplicable as Na, Short};

/// The pledges, oldest first. Requests: 1 artillery ammunition, 2 air defence, 3 winter
/// equipment, 4 demining equipment.
const PLEDGES: &[Pledge] = &[
    // 2022: the alliance fund's non-lethal aid; anti-tank weapons, MANPADS and artillery bilaterally.
    p(
        "NOR",
        Fund,
        None,
        Cat::Fuel,
        K::Logistics,
        Na,
        "Fuel",
        2_000_000,
        (12_000_000, "EUR"),
        Some(date(2022, 3, 15)),
        Delivered,
        None,
    ),
    p(
        "DEU",
        Fund,
        None,
        Cat::Medical,
        K::Medical,
        Na,
        "First-aid kits",
        100_000,
        (8_000_000, "EUR"),
        Some(date(2022, 4, 5)),
        Delivered,
        None,
    ),
    p(
        "USA",
        Bi,
        None,
        Cat::AntiTank,
        K::Other,
        Short,
        "Anti-tank missiles",
        2_000,
        (400_000_000, "USD"),
        Some(date(2022, 3, 1)),
        Delivered,
        None,
    ),
    p(
        "GBR",
        Bi,
        None,
        Cat::AntiTank,
        K::Other,
        Short,
        "Light anti-tank weapons",
        4_000,
        (120_000_000, "GBP"),
        Some(date(2022, 3, 9)),
        Delivered,
        None,
    ),
    p(
        "USA",
        Bi,
        None,
        Cat::ManPortableAirDefence,
        K::AirDefence,
        Short,
        "MANPADS",
        1_400,
        (250_000_000, "USD"),
        Some(date(2022, 3, 16)),
        Delivered,
        None,
    ),
    p(
        "FRA",
        Bi,
        None,
        Cat::Artillery,
        K::Artillery,
        Medium,
        "155 mm self-propelled howitzers",
        18,
        (90_000_000, "EUR"),
        Some(date(2022, 4, 22)),
        Delivered,
        None,
    ),
    p(
        "USA",
        Bi,
        None,
        Cat::MultipleRocketLaunchers,
        K::Artillery,
        Medium,
        "Rocket launchers",
        20,
        (600_000_000, "USD"),
        Some(date(2022, 6, 1)),
        Delivered,
        None,
    ),
    p(
        "DEU",
        Bi,
        None,
        Cat::AirAndMissileDefence,
        K::AirDefence,
        Medium,
        "Medium-range air defence system",
        4,
        (600_000_000, "EUR"),
        Some(date(2022, 10, 11)),
        PledgeStatus::PartiallyDelivered,
        Some(2),
    ),
    p(
        "CAN",
        Fund,
        None,
        Cat::WinterEquipment,
        K::Logistics,
        Na,
        "Winter clothing sets",
        120_000,
        (20_000_000, "EUR"),
        Some(date(2022, 11, 2)),
        Delivered,
        Some(3),
    ),
    // 2023: tanks, then long-range missiles; fighter jets through the coalition.
    p(
        "DEU",
        Bi,
        None,
        Cat::Tanks,
        K::Armour,
        Na,
        "Main battle tanks",
        18,
        (200_000_000, "EUR"),
        Some(date(2023, 1, 25)),
        Delivered,
        None,
    ),
    p(
        "GBR",
        Bi,
        None,
        Cat::Tanks,
        K::Armour,
        Na,
        "Main battle tanks",
        14,
        (80_000_000, "GBP"),
        Some(date(2023, 1, 14)),
        Delivered,
        None,
    ),
    p(
        "POL",
        Co,
        Some(4),
        Cat::ArmouredVehicles,
        K::Armour,
        Na,
        "Infantry fighting vehicles",
        60,
        (150_000_000, "EUR"),
        Some(date(2023, 3, 2)),
        Allocated,
        None,
    ),
    p(
        "GBR",
        Bi,
        None,
        Cat::LongRangeMissiles,
        K::Artillery,
        Long,
        "Air-launched cruise missiles",
        50,
        (100_000_000, "GBP"),
        Some(date(2023, 5, 11)),
        Delivered,
        None,
    ),
    p(
        "FRA",
        Bi,
        None,
        Cat::LongRangeMissiles,
        K::Artillery,
        Long,
        "Air-launched cruise missiles",
        40,
        (120_000_000, "EUR"),
        Some(date(2023, 7, 11)),
        Committed,
        None,
    ),
    p(
        "DNK",
        Co,
        Some(1),
        Cat::CombatAircraft,
        K::AirForce,
        Long,
        "Fighter aircraft",
        19,
        (1_500_000_000, "EUR"),
        Some(date(2023, 8, 20)),
        Committed,
        None,
    ),
    p(
        "NLD",
        Co,
        Some(1),
        Cat::CombatAircraft,
        K::AirForce,
        Long,
        "Fighter aircraft",
        18,
        (1_400_000_000, "EUR"),
        Some(date(2023, 8, 20)),
        Announced,
        None,
    ),
    p(
        "NOR",
        Fund,
        None,
        Cat::Demining,
        K::Demining,
        Na,
        "Demining equipment",
        200,
        (10_000_000, "EUR"),
        Some(date(2023, 9, 14)),
        Committed,
        Some(4),
    ),
    p(
        "USA",
        Bi,
        None,
        Cat::AirAndMissileDefence,
        K::AirDefence,
        Long,
        "Long-range air defence battery",
        1,
        (1_000_000_000, "USD"),
        Some(date(2023, 4, 19)),
        Delivered,
        Some(2),
    ),
    // 2024: ammunition through the artillery coalition, drones; a pledge with no known date.
    p(
        "CZE",
        Co,
        Some(3),
        Cat::ArtilleryAmmunition,
        K::Artillery,
        Medium,
        "155 mm shells",
        300_000,
        (900_000_000, "EUR"),
        Some(date(2024, 2, 17)),
        Committed,
        Some(1),
    ),
    p(
        "FRA",
        Co,
        Some(3),
        Cat::ArtilleryAmmunition,
        K::Artillery,
        Medium,
        "155 mm shells",
        80_000,
        (300_000_000, "EUR"),
        Some(date(2024, 1, 16)),
        Allocated,
        Some(1),
    ),
    p(
        "LVA",
        Co,
        Some(8),
        Cat::ArmedDrones,
        K::Drones,
        Short,
        "First-person-view drones",
        5_000,
        (20_000_000, "EUR"),
        Some(date(2024, 2, 14)),
        Announced,
        None,
    ),
    p(
        "AUS",
        Co,
        Some(3),
        Cat::ArtilleryAmmunition,
        K::Artillery,
        Medium,
        "155 mm shells",
        10_000,
        (30_000_000, "AUD"),
        None,
        Committed,
        Some(1),
    ),
];

/// Deliveries: (pledge number from 1 in [`PLEDGES`] order, day, quantity, value in whole units).
const DELIVERIES: &[(u64, Date, u64, i64)] = &[
    (1, date(2022, 5, 1), 2_000_000, 12_000_000),
    (2, date(2022, 5, 20), 100_000, 8_000_000),
    (3, date(2022, 4, 10), 2_000, 400_000_000),
    (4, date(2022, 3, 30), 4_000, 120_000_000),
    (5, date(2022, 5, 5), 1_400, 250_000_000),
    (6, date(2022, 6, 30), 18, 90_000_000),
    (7, date(2022, 8, 1), 20, 600_000_000),
    (8, date(2022, 11, 1), 2, 300_000_000),
    (9, date(2023, 1, 10), 120_000, 20_000_000),
    (10, date(2023, 3, 27), 18, 200_000_000),
    (11, date(2023, 3, 28), 14, 80_000_000),
    (13, date(2023, 6, 1), 50, 100_000_000),
    (18, date(2023, 4, 25), 1, 1_000_000_000),
];

/// The history as (time, actor, command): recorded from 8 March 2024, after the assistance
/// programme that the fund rests on (`programme`) was adopted.
pub fn steps(programme: ProposalId) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let ukr = Actor::Partner(code("UKR"));
    let mut s = Vec::new();
    let t = at("2024-03-08T09:00:00Z");
    s.push((t, sec, Command::RegisterDonorState { donor: DonorState { code: code("AUS"), name: "Australia".into() } }));
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
        s.push((t, sec, Command::RecordExchangeRate { rate }));
    }
    let fund = FundTerms {
        name: "Comprehensive Assistance Package Trust Fund (illustrative)".into(),
        channel: Channel::AllianceFund,
        policy: FundPolicy::NonLethalOnly,
        authorised_by: programme,
    };
    s.push((t, sec, Command::CreateFund { fund }));
    for (name, capability, leads, others) in COALITIONS {
        let coalition = CoalitionTerms {
            name: format!("{name} capability coalition"),
            capability: *capability,
            leads: leads.iter().map(|c| code(c)).collect(),
            participants: leads.iter().chain(others.iter()).map(|c| code(c)).collect(),
            formed_on: Some(date(2023, 10, 11)),
        };
        s.push((t, sec, Command::FormCoalition { coalition }));
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
        s.push((t, ukr, Command::FileRequest { request }));
    }
    let t = at("2024-03-08T11:00:00Z");
    for x in PLEDGES {
        let terms = PledgeTerms {
            donor: code(x.donor),
            recipient: code("UKR"),
            request: x.request.map(RequestId),
            channel: x.channel,
            coalition: x.coalition.map(CoalitionId),
            fund: (x.channel == Channel::AllianceFund).then_some(FundId(1)),
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
        let status =
            if matches!(x.status, Delivered | PledgeStatus::PartiallyDelivered) { Committed } else { x.status };
        s.push((t, sec, Command::RecordPledge { pledge: terms, status: Some(status) }));
    }
    let t = at("2024-03-08T12:00:00Z");
    for (pledge, day, quantity, value) in DELIVERIES {
        let x = &PLEDGES[usize::try_from(*pledge - 1).expect("small")];
        let delivery = Command::RecordDelivery {
            pledge: PledgeId(*pledge),
            delivered_on: *day,
            quantity: *quantity,
            value: money(*value, x.value.1),
        };
        s.push((t, sec, delivery));
    }
    // Ukraine confirms the first deliveries it received.
    let t = at("2024-03-09T09:00:00Z");
    for d in 1..=3 {
        s.push((t, ukr, Command::ConfirmReceipt { delivery: DeliveryId(d), note: Some("Received in full.".into()) }));
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
        for (t, actor, command) in crate::scenario::steps(at("2026-11-25T17:20:00Z")) {
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
        let status = |id: u64| gaps.iter().find(|g| g.request.id == RequestId(id)).map(|g| g.coverage.status);
        assert_eq!(status(3), Some(RequestStatus::Closed), "winter equipment: pledged and delivered in full");
        assert_eq!(status(1), Some(RequestStatus::PartiallyCovered), "ammunition: 390,000 of 1,000,000 pledged");
        assert_eq!(status(4), Some(RequestStatus::PartiallyCovered));
        assert!(s.support.deliveries.values().filter(|d| d.receipt.is_some()).count() == 3);
    }
}
