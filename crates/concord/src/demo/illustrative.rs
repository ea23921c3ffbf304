//! Step (f) of the demo: a clearly illustrative body that votes — the alliance's members that
//! are also in the EU, deciding by the EU's qualified majority on published population figures.
//! No such body of the alliance exists; it shows a vote, a count and population weights beside
//! consensus. Every vote in it is invented, like every position in the demo.

use concord_core::decision_rule::{Populations, Rule};
use concord_core::{Actor, BodyId, Chair, Command, DecisionKind, Procedure, ProposalId, Roster, Stance};
use jiff::Timestamp;

use super::scenario::{code, position, text};

/// The steps at `t`, the vote open until `deadline`.
pub(super) fn steps(t: Timestamp, deadline: Timestamp) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let mut s = Vec::new();
    let illustrative = BodyId::parse("illustrative-council").expect("a valid body id");
    s.push((t, sec, Command::RecordPopulations { populations: eu_populations_2024() }));
    s.push((
        t,
        sec,
        Command::EstablishBody {
            id: illustrative.clone(),
            name: "Illustrative council (not a real body): the EU members, by qualified majority".into(),
            parent: None,
            roster: Roster::AllMembers { except: NOT_IN_THE_EU.iter().map(|m| code(m)).collect() },
            kinds: Vec::new(),
            procedures: vec![Procedure::Vote],
            rule: Rule::EU_QUALIFIED_MAJORITY,
            // Art. 239 TFEU: a member may act on behalf of one other.
            proxies: true,
        },
    ));
    // A rotating presidency chairs, six months each; the next is announced ahead (both
    // invented, like the body).
    let presidency = |member: &str, from| Command::AppointChair {
        body: Some(illustrative.clone()),
        chair: Chair::Member { member: code(member) },
        from,
    };
    s.push((t, sec, presidency("POL", None)));
    s.push((t, sec, presidency("DNK", Some(t + jiff::SignedDuration::from_hours(24 * 182)))));
    s.push((
        t,
        sec,
        Command::DraftProposal {
            body: Some(illustrative.clone()),
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "Illustrative vote: joint procurement of artillery ammunition".into(),
            text: text("The council calls for joint procurement of artillery ammunition for Ukraine."),
        },
    ));
    s.push((
        t,
        sec,
        Command::Circulate {
            proposal: ProposalId(6),
            procedure: Procedure::Vote,
            deadline,
            marking: None,
            urgent: None,
        },
    ));
    for (m, vote) in [
        ("DEU", Stance::Yes),
        ("POL", Stance::Yes),
        ("ITA", Stance::Yes),
        ("HUN", Stance::No),
        ("ESP", Stance::Abstain),
    ] {
        let (a, c) = position(6, m, vote, None);
        s.push((t, a, c));
    }
    // Luxembourg's delegation lets Belgium's act for it while the vote is open, and Belgium
    // votes for it: the grid says the vote was cast by Belgium, acting for Luxembourg.
    let authorise = Command::AuthoriseProxy {
        body: illustrative,
        member: code("LUX"),
        proxy: code("BEL"),
        from: None,
        until: deadline,
        evidence: None,
    };
    s.push((t, Actor::Member(code("LUX")), authorise));
    let (_, for_luxembourg) = position(6, "LUX", Stance::Yes, None);
    s.push((t, Actor::Member(code("BEL")), for_luxembourg));
    s
}

/// The alliance's members outside the EU: the illustrative council leaves them out.
const NOT_IN_THE_EU: [&str; 9] = ["ALB", "CAN", "GBR", "ISL", "MKD", "MNE", "NOR", "TUR", "USA"];

/// Population on 1 January 2024 of the alliance's EU members: Eurostat's first figures
/// (published 11 July 2024), rounded to the hundred. Public statistics, used here as weights of
/// an illustrative body; they are not the Council of the EU's own figures for any year (Annex III
/// to its Rules of Procedure), which the demo does not claim to reproduce.
fn eu_populations_2024() -> Populations {
    const FIGURES: [(&str, u64); 23] = [
        ("BEL", 11_832_000),
        ("BGR", 6_445_500),
        ("CZE", 10_900_600),
        ("DEU", 83_445_000),
        ("DNK", 5_961_200),
        ("ESP", 48_610_500),
        ("EST", 1_374_700),
        ("FIN", 5_603_900),
        ("FRA", 68_402_000),
        ("GRC", 10_397_200),
        ("HRV", 3_862_000),
        ("HUN", 9_584_600),
        ("ITA", 58_989_700),
        ("LTU", 2_885_900),
        ("LUX", 672_100),
        ("LVA", 1_871_900),
        ("NLD", 17_942_900),
        ("POL", 36_621_000),
        ("PRT", 10_639_700),
        ("ROU", 19_064_400),
        ("SVK", 5_424_700),
        ("SVN", 2_123_900),
        ("SWE", 10_551_700),
    ];
    Populations {
        year: 2024,
        source: "Eurostat, population on 1 January 2024 (first figures, 11 July 2024), rounded to the hundred; \
                 illustrative weights, not the Council of the EU's Annex III figures"
            .into(),
        figures: FIGURES.iter().map(|(m, n)| (code(m), *n)).collect(),
    }
}
