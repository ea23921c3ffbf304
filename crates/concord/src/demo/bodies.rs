//! The scenario's bodies beside the principal one, which are facts of NATO's structure (their
//! proposals and every position in them are invented, as everywhere in the scenario): the
//! Nuclear Planning Group, where every ally but France sits, and the NATO-Ukraine Council, where
//! Ukraine takes part beside the allies.

use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Command, DecisionKind, Procedure, ProposalId, Roster, Stance};
use jiff::Timestamp;

use super::scenario::{code, position, text};

/// The NATO-Ukraine Council's proposal in the scenario.
pub const NUC_PROPOSAL: u64 = 7;

/// The Nuclear Planning Group, where every ally but France sits (France stays
/// outside it, a fact), deciding by consensus; one of its proposals in a consensus round. France
/// takes no position and does not even read it: a body's business is for its own members (need to
/// know among the members).
pub(super) fn nuclear_planning_group(t: Timestamp, deadline: Timestamp) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let mut s = Vec::new();
    s.push((
        t,
        sec,
        Command::EstablishBody {
            id: BodyId::parse("npg").expect("a valid body id"),
            name: "Nuclear Planning Group".into(),
            parent: None,
            roster: Roster::AllMembers { except: vec![code("FRA")] },
            kinds: Vec::new(),
            procedures: Vec::new(),
            rule: Rule::Consensus,
            proxies: false,
        },
    ));
    s.push((
        t,
        sec,
        Command::DraftProposal {
            body: Some(BodyId::parse("npg").expect("a valid body id")),
            kind: DecisionKind::Statement,
            significance: None,
            title: "Nuclear planning consultations, annual review".into(),
            text: text("The Group takes note of the annual review of its consultation arrangements."),
        },
    ));
    s.push((
        t,
        sec,
        Command::Circulate {
            proposal: ProposalId(5),
            procedure: Procedure::ConsensusRound,
            deadline,
            marking: None,
            urgent: None,
        },
    ));
    for m in ["USA", "GBR", "DEU"] {
        let (a, c) = position(5, m, Stance::Concur, None);
        s.push((t, a, c));
    }
    s
}

/// The NATO-Ukraine Council (a fact: established in July 2023, the allies and Ukraine as equal
/// participants), deciding by consensus. Ukraine reads its business and takes its own position, as
/// the allies do; the statement and every position are invented.
pub(super) fn nato_ukraine_council(t: Timestamp, deadline: Timestamp) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let mut s = Vec::new();
    let nuc = BodyId::parse("nuc").expect("a valid body id");
    s.push((
        t,
        sec,
        Command::EstablishBody {
            id: nuc.clone(),
            name: "NATO-Ukraine Council".into(),
            parent: None,
            roster: Roster::WithPartners { except: Vec::new(), partners: vec![code("UKR")] },
            kinds: Vec::new(),
            procedures: Vec::new(),
            rule: Rule::Consensus,
            proxies: false,
        },
    ));
    s.push((
        t,
        sec,
        Command::DraftProposal {
            body: Some(nuc),
            kind: DecisionKind::Statement,
            significance: None,
            title: "Joint statement on air defence coordination".into(),
            text: text("The Council welcomes closer coordination of air defence deliveries to Ukraine."),
        },
    ));
    s.push((
        t,
        sec,
        Command::Circulate {
            proposal: ProposalId(NUC_PROPOSAL),
            procedure: Procedure::ConsensusRound,
            deadline,
            marking: None,
            urgent: None,
        },
    ));
    for m in ["UKR", "USA", "POL"] {
        let (a, c) = position(NUC_PROPOSAL, m, Stance::Concur, None);
        s.push((t, if m == "UKR" { Actor::Partner(code(m)) } else { a }, c));
    }
    s
}
