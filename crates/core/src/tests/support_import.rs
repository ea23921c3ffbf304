//! Bulk pledge import: all or nothing, the refused row named, each row authorised and checked as
//! a pledge of its own on the state the rows before it leave.

use super::support_fixtures::{Support, bilateral, now, to_fund};
use crate::support::{PledgeEntry, SupportCategory as Cat, SupportCommand};
use crate::{Actor, Command, Refusal, decide};

fn entry(terms: crate::support::PledgeTerms) -> PledgeEntry {
    PledgeEntry { terms, status: None }
}

#[test]
fn an_import_records_every_row_in_order() {
    let mut s = Support::new();
    let before = s.w.state.support.next_pledge_id();
    let rows = vec![
        entry(bilateral("FRA", Cat::Artillery)),
        entry(to_fund("NOR", Cat::Medical)),
        entry(bilateral("USA", Cat::Tanks)),
    ];
    s.w.run(Actor::Secretariat, &Command::Support(SupportCommand::ImportPledges { pledges: rows }), now());
    let ids: Vec<_> = s.w.state.support.pledges.keys().collect();
    assert_eq!(ids, [before, before.after(1), before.after(2)]);
}

#[test]
fn one_bad_row_refuses_the_whole_import_and_names_the_row() {
    let s = Support::new();
    let rows = vec![
        entry(bilateral("FRA", Cat::Artillery)),
        entry(to_fund("NOR", Cat::ArtilleryAmmunition)), // lethal on the alliance fund
        entry(bilateral("USA", Cat::Tanks)),
    ];
    let err = decide(
        &s.w.state,
        Actor::Secretariat,
        &Command::Support(SupportCommand::ImportPledges { pledges: rows }),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Refusal::InRow { row: 2, refusal } if matches!(**refusal, Refusal::LethalOnAllianceFund { .. })),
        "{err:?}"
    );
    assert_eq!(err.code(), "lethal-on-alliance-fund", "the row's own code");
    assert!(err.to_string().starts_with("row 2: the alliance fund accepts non-lethal aid only"), "{err}");
    assert!(err.to_string().ends_with("(nothing was imported)"), "{err}");
}

#[test]
fn a_member_imports_only_its_own_pledges() {
    let s = Support::new();
    let rows = vec![entry(bilateral("FRA", Cat::Artillery)), entry(bilateral("DEU", Cat::Artillery))];
    let err = decide(
        &s.w.state,
        Actor::Member(super::fixtures::c("FRA")),
        &Command::Support(SupportCommand::ImportPledges { pledges: rows }),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Refusal::InRow { row: 2, refusal } if matches!(**refusal, Refusal::NotPermitted { .. })),
        "{err:?}"
    );
    let err = decide(
        &s.w.state,
        Actor::Observer,
        &Command::Support(SupportCommand::ImportPledges { pledges: vec![] }),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, Refusal::NotPermitted { .. }), "{err:?}");
    let err = decide(
        &s.w.state,
        Actor::Secretariat,
        &Command::Support(SupportCommand::ImportPledges { pledges: vec![] }),
        now(),
    )
    .unwrap_err();
    assert!(matches!(err, Refusal::Invalid { field: "pledges", .. }), "{err:?}");
}
