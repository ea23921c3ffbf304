//! Worked examples from published records.
//!
//! The UN Security Council, February 2022, with its composition that year: permanent members
//! China, France, Russia, the United Kingdom and the United States; elected members Albania,
//! Brazil, Gabon, Ghana, India, Ireland, Kenya, Mexico, Norway and the United Arab Emirates.
//! - Draft resolution S/2022/155 (Albania and the United States), 25 February 2022, 8979th
//!   meeting (S/PV.8979; UN press release SC/14808): 11 in favour, 1 against (Russian
//!   Federation), 3 abstentions (China, India, United Arab Emirates). Not adopted: the vote
//!   against was a permanent member's.
//! - Resolution 2623 (2022), 27 February 2022, 8980th meeting (S/RES/2623 (2022); UN press
//!   release SC/14809): the same tally, adopted, because calling an emergency special session of
//!   the General Assembly is procedural (Art. 27(2)): no veto applies.
//!
//! The Council of the EU's qualified majority on the Council's official population figures is
//! not here: the Annex III tables (e.g. Council Decision (EU, Euratom) 2022/2518, OJ L 326,
//! 21.12.2022, p. 23, for 2023) could not be read in full from the sources reachable when this
//! was written, and figures are never typed from memory. The QMV arithmetic is tested on
//! constructed figures in `boundaries`.

use std::collections::BTreeMap;

use super::codes;
use crate::CountryCode;
use crate::decision_rule::*;

fn council_2022() -> Vec<CountryCode> {
    codes("ALB ARE BRA CHN FRA GAB GBR GHA IND IRL KEN MEX NOR RUS USA")
}

/// The tally of 25 and 27 February 2022.
fn votes_of_february_2022() -> BTreeMap<CountryCode, Vote> {
    let mut votes: BTreeMap<_, _> =
        codes("ALB BRA FRA GAB GBR GHA IRL KEN MEX NOR USA").into_iter().map(|m| (m, Vote::Yes)).collect();
    votes.insert("RUS".parse().unwrap(), Vote::No);
    for m in codes("CHN IND ARE") {
        votes.insert(m, Vote::Abstain);
    }
    votes
}

#[test]
fn s_2022_155_is_vetoed_by_russia() {
    let rule = Rule::Threshold { needed: 9, veto_holders: codes("CHN FRA GBR RUS USA") };
    let r = count(&rule, &council_2022(), &votes_of_february_2022(), None).unwrap();
    assert_eq!((r.yes, r.no, r.abstain, r.not_participating), (11, 1, 3, 0));
    assert!(!r.carried);
    assert_eq!(r.failed, vec![Failure::Vetoed]);
    assert_eq!(
        r.explain(),
        "Not adopted: vetoed by RUS (a veto holder voted no); 11 votes in favour of the 9 needed (1 against, 3 \
         abstaining, 0 not participating)."
    );
    // China's abstention was not a veto: had Russia abstained too, the draft would have passed.
    let mut abstaining = votes_of_february_2022();
    abstaining.insert("RUS".parse().unwrap(), Vote::Abstain);
    assert!(count(&rule, &council_2022(), &abstaining, None).unwrap().carried);
}

#[test]
fn resolution_2623_is_procedural_and_adopted_on_the_same_tally() {
    let rule = Rule::Threshold { needed: 9, veto_holders: vec![] };
    let r = count(&rule, &council_2022(), &votes_of_february_2022(), None).unwrap();
    assert!(r.carried);
    assert_eq!(
        r.explain(),
        "Adopted: 11 votes in favour of the 9 needed (1 against, 3 abstaining, 0 not participating); a procedural \
         vote, which no member can veto."
    );
}
