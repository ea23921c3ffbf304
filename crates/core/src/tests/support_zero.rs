//! Zero-value pledges (issue 17): a pledge worth `0.00 EUR` says nothing a report
//! can count, so it is refused, wherever it comes from (one pledge or an import row). A
//! delivery may still carry no value: the rules record quantity-only deliveries against a
//! pledge whose value is counted once, at the pledge.

use super::support_fixtures::{Support, bilateral, eur, now};
use crate::support::{PledgeEntry, SupportCategory as Cat, SupportCommand};
use crate::{Actor, Command, Refusal, decide};

fn pledge(terms: crate::support::PledgeTerms) -> Command {
    Command::Support(SupportCommand::RecordPledge { pledge: terms, status: None })
}

#[test]
fn a_pledge_worth_nothing_is_refused_and_says_why() {
    let mut s = Support::new();
    let zero = crate::support::PledgeTerms { value: eur(0), ..bilateral("GBR", Cat::Medical) };
    let r = s.w.refuse(Actor::Secretariat, &pledge(zero), now());
    assert!(matches!(r, Refusal::Invalid { field: "value", .. }), "{r:?}");
    assert_eq!(
        r.to_string(),
        "value is not valid: it is zero (0.00 EUR): a pledge has a value; if the donor did not report one, give an estimate"
    );
    // One cent is a value.
    s.pledge(Actor::Secretariat, crate::support::PledgeTerms { value: eur(1), ..bilateral("GBR", Cat::Medical) });
}

#[test]
fn an_import_with_a_row_worth_nothing_is_refused_whole_and_names_the_row() {
    let s = Support::new();
    let rows = vec![
        PledgeEntry { terms: bilateral("FRA", Cat::Medical), status: None },
        PledgeEntry {
            terms: crate::support::PledgeTerms { value: eur(0), ..bilateral("FRA", Cat::Medical) },
            status: None,
        },
    ];
    let err = decide(
        &s.w.state,
        Actor::Secretariat,
        &Command::Support(SupportCommand::ImportPledges { pledges: rows }),
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Refusal::InRow { row: 2, refusal } if matches!(**refusal, Refusal::Invalid { field: "value", .. })),
        "{err:?}"
    );
}
