//! GDP figures in the log (rule 14's data) and the burden share computed from them.

use proptest::prelude::*;

use super::fixtures::c;
use super::support_fixtures::{Support, bilateral, eur, now, to_fund, total};
use crate::support::burden::burden_report;
use crate::support::report::ReportError;
use crate::support::{GdpFigure, Measure, PledgeStatus, SupportCategory as Cat, SupportCommand};
use crate::{Actor, Command, CountryCode, Refusal};

const SOURCE: &str = "IMF World Economic Outlook, October 2024 (rounded)";

fn figure(member: &str, year: i16, value: u64) -> GdpFigure {
    GdpFigure { member: c(member), year, value, unit: "USD billion".into(), source: SOURCE.into(), correction: None }
}

fn record(figure: GdpFigure) -> Command {
    Command::Support(SupportCommand::RecordGdp { figure })
}

/// Every member but `taking_part` opted out, so the tests name a few members only.
fn others(s: &Support, taking_part: &[&str]) -> Vec<CountryCode> {
    s.w.state.members.keys().filter(|m| !taking_part.contains(&m.as_str())).copied().collect()
}

fn committed(s: &mut Support, terms: crate::support::PledgeTerms) {
    let pledge =
        Command::Support(SupportCommand::RecordPledge { pledge: terms, status: Some(PledgeStatus::Committed) });
    s.w.run(Actor::Secretariat, &pledge, now());
}

#[test]
fn the_secretariat_records_a_figure_and_the_state_keeps_it_with_its_source() {
    let mut s = Support::new();
    s.w.run(Actor::Secretariat, &record(figure("DEU", 2023, 4_460)), now());
    let kept = &s.w.state.support.gdp[&c("DEU")][&2023];
    assert_eq!((kept.figure.value, kept.figure.source.as_str(), kept.recorded_at), (4_460, SOURCE, now()));
    // Replay gives the same state.
    let replayed = crate::State::replay(&s.w.log).unwrap();
    assert_eq!(replayed.support.gdp, s.w.state.support.gdp);
}

#[test]
fn only_the_secretariat_records_gdp() {
    let mut s = Support::new();
    for actor in [Actor::Member(c("DEU")), Actor::Partner(c("UKR")), Actor::Observer] {
        let r = s.w.refuse(actor, &record(figure("DEU", 2023, 4_460)), now());
        assert!(matches!(r, Refusal::NotPermitted { .. }), "{actor}: {r:?}");
    }
}

#[test]
fn a_figure_is_for_a_member_a_year_in_range_positive_and_sourced() {
    let mut s = Support::new();
    let sec = Actor::Secretariat;
    assert_eq!(s.w.refuse(sec, &record(figure("AUS", 2023, 1)), now()), Refusal::UnknownMember { member: c("AUS") });
    let cases = [
        (GdpFigure { value: 0, ..figure("DEU", 2023, 1) }, "value"),
        (GdpFigure { year: 1800, ..figure("DEU", 2023, 1) }, "year"),
        (GdpFigure { source: "  ".into(), ..figure("DEU", 2023, 1) }, "source"),
        (GdpFigure { unit: String::new(), ..figure("DEU", 2023, 1) }, "unit"),
        (GdpFigure { correction: Some("typo".into()), ..figure("DEU", 2023, 1) }, "correction"),
    ];
    for (f, field) in cases {
        let r = s.w.refuse(sec, &record(f), now());
        assert_eq!(r.field(), Some(field), "{r}");
    }
}

#[test]
fn a_second_figure_for_a_member_and_year_is_a_correction_with_its_reason() {
    let mut s = Support::new();
    let sec = Actor::Secretariat;
    s.w.run(sec, &record(figure("DEU", 2023, 4_460)), now());
    let again = s.w.refuse(sec, &record(figure("DEU", 2023, 4_500)), now());
    assert_eq!(again, Refusal::GdpExists { member: c("DEU"), year: 2023 });
    assert_eq!(again.code(), "gdp-exists");
    let corrected = GdpFigure { correction: Some("revised estimate".into()), ..figure("DEU", 2023, 4_500) };
    s.w.run(sec, &record(corrected), now());
    assert_eq!(s.w.state.support.gdp[&c("DEU")][&2023].figure.value, 4_500);
    // Another year is a figure of its own.
    s.w.run(sec, &record(figure("DEU", 2024, 4_660)), now());
    assert_eq!(s.w.state.support.gdp[&c("DEU")].len(), 2);
}

#[test]
fn burden_share_reads_the_latest_recorded_figures_and_names_their_years_and_sources() {
    let mut s = Support::new();
    let sec = Actor::Secretariat;
    committed(&mut s, bilateral("DEU", Cat::Artillery)); // 1,000,000.00 EUR
    committed(&mut s, to_fund("FRA", Cat::Medical)); // a trust-fund contribution counts too
    s.w.run(sec, &record(figure("DEU", 2022, 1)), now());
    s.w.run(sec, &record(figure("DEU", 2023, 3)), now());
    let fra = GdpFigure { source: "Eurostat".into(), ..figure("FRA", 2023, 1) };
    s.w.run(sec, &record(fra), now());
    let out = others(&s, &["DEU", "FRA"]);
    let r = burden_report(&s.w.state, Measure::Committed, eur(400_000_000), None, &out).unwrap();
    assert_eq!(r.years, vec![2023]);
    assert_eq!(r.sources, vec!["Eurostat".to_owned(), SOURCE.to_owned()]);
    assert_eq!(r.unit, "USD billion");
    assert_eq!(r.lines.len(), 2);
    assert_eq!(
        (r.lines[0].member, r.lines[0].fair_share, r.lines[0].given),
        (c("DEU"), eur(300_000_000), total(100_000_000))
    );
    assert_eq!((r.lines[1].member, r.lines[1].fair_share, r.lines[1].ratio_bp), (c("FRA"), eur(100_000_000), 10_000));
    // Asking for 2022: France has no figure for it, and the report says so.
    let err = burden_report(&s.w.state, Measure::Committed, eur(400_000_000), Some(2022), &out).unwrap_err();
    assert_eq!(err, ReportError::MissingGdp { members: vec![c("FRA")], year: Some(2022) });
    assert!(err.to_string().contains("FRA has no GDP figure for 2022"), "{err}");
}

#[test]
fn burden_share_refuses_a_member_without_a_figure_and_figures_in_two_units() {
    let mut s = Support::new();
    let sec = Actor::Secretariat;
    s.w.run(sec, &record(figure("DEU", 2023, 3)), now());
    let out = others(&s, &["DEU", "FRA"]);
    let err = burden_report(&s.w.state, Measure::Committed, eur(1), None, &out).unwrap_err();
    assert_eq!(err, ReportError::MissingGdp { members: vec![c("FRA")], year: None });
    s.w.run(sec, &record(GdpFigure { unit: "EUR million".into(), ..figure("FRA", 2023, 1) }), now());
    let err = burden_report(&s.w.state, Measure::Committed, eur(1), None, &out).unwrap_err();
    assert!(matches!(err, ReportError::MixedUnits(_)), "{err:?}");
    let err = burden_report(&s.w.state, Measure::Committed, eur(1), None, &[c("AUS")]).unwrap_err();
    assert_eq!(err, ReportError::NotAMember(c("AUS")));
}

proptest! {
    /// The fair shares are exact: each is `baseline × gdp / Σ gdp` rounded half away from zero,
    /// so they never differ from the baseline by more than half a minor unit per member.
    #[test]
    fn fair_shares_add_up_to_the_baseline_within_rounding(
        gdp in proptest::collection::vec(1u64..1_000_000_000, 3),
        baseline in 1i64..4_000_000_000_000,
    ) {
        let mut s = Support::new();
        let taking_part = ["DEU", "FRA", "POL"];
        for (m, g) in taking_part.iter().zip(&gdp) {
            s.w.run(Actor::Secretariat, &record(figure(m, 2024, *g)), now());
        }
        let out = others(&s, &taking_part);
        let r = burden_report(&s.w.state, Measure::Committed, eur(baseline), None, &out).unwrap();
        let sum: u128 = gdp.iter().map(|g| u128::from(*g)).sum();
        let mut shares = 0i128;
        for (line, g) in r.lines.iter().zip(&gdp) {
            let exact = i128::from(baseline) * i128::from(*g);
            let den = i128::try_from(sum).unwrap();
            let fair = i128::from(line.fair_share.minor_units);
            prop_assert!((2 * (fair * den - exact)).abs() <= den, "{fair} for {g} of {sum}");
            shares += fair;
        }
        prop_assert!((shares - i128::from(baseline)).abs() <= 2);
    }
}
