//! The scenario's bodies beside the principal one, which are facts of NATO's structure (their
//! proposals and every position in them are invented, as everywhere in the scenario): the
//! Nuclear Planning Group, where every ally but France sits, and the NATO-Ukraine Council, where
//! Ukraine takes part beside the allies.

use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Chair, Command, DecisionKind, Procedure, ProposalId, Roster, Stance};
use jiff::Timestamp;

use super::scenario::{code, position, text};

/// The Nuclear Planning Group's proposal in the scenario.
const NPG_PROPOSAL: u64 = 5;

/// The NATO-Ukraine Council's proposal in the scenario.
pub const NUC_PROPOSAL: u64 = 7;

/// Its second, which follows the Council's decision on proposal 3.
pub const WELCOME_PROPOSAL: u64 = 8;

type Steps = Vec<(Timestamp, Actor, Command)>;

/// The Nuclear Planning Group, where every ally but France sits (France stays outside it, a
/// fact), deciding by consensus; one of its proposals in a consensus round. France takes no
/// position and does not even read it: a body's business is for its own members (need to know
/// among the members).
pub(super) fn nuclear_planning_group(t: Timestamp, deadline: Timestamp) -> Steps {
    let group =
        Body { id: "npg", name: "Nuclear Planning Group", roster: Roster::AllMembers { except: vec![code("FRA")] } };
    let statement = Statement {
        proposal: NPG_PROPOSAL,
        title: "Nuclear planning consultations, annual review",
        text: "The Group takes note of the annual review of its consultation arrangements.",
    };
    let mut s = group.with_statement(t, deadline, &statement);
    for m in ["USA", "GBR", "DEU"] {
        s.push(at(t, position(NPG_PROPOSAL, m, Stance::Concur, None)));
    }
    s
}

/// The NATO-Ukraine Council (a fact: established in July 2023, the allies and Ukraine as equal
/// participants), deciding by consensus. Ukraine reads its business and takes its own position,
/// as the allies do.
pub(super) fn nato_ukraine_council(t: Timestamp, deadline: Timestamp) -> Steps {
    let council = Body {
        id: "nuc",
        name: "NATO-Ukraine Council",
        roster: Roster::WithPartners { except: Vec::new(), partners: vec![code("UKR")] },
    };
    let statement = Statement {
        proposal: NUC_PROPOSAL,
        title: "Joint statement on air defence coordination",
        text: "The Council welcomes closer coordination of air defence deliveries to Ukraine.",
    };
    let mut s = council.with_statement(t, deadline, &statement);
    let (_, ukraine_speaks) = position(NUC_PROPOSAL, "UKR", Stance::Concur, None);
    s.push((t, Actor::Partner(code("UKR")), ukraine_speaks));
    for m in ["USA", "POL"] {
        s.push(at(t, position(NUC_PROPOSAL, m, Stance::Concur, None)));
    }
    // A statement that follows the Council's decision on the assistance programme (proposal 3):
    // it could be circulated only once that was adopted, and since that decision is public,
    // Ukraine may read which decision it follows.
    let welcome = Command::DraftProposal {
        body: Some(BodyId::parse("nuc").expect("a valid body id")),
        follows: Some(ProposalId(3)),
        kind: DecisionKind::Statement,
        significance: None,
        title: "Joint statement welcoming the comprehensive assistance programme".into(),
        text: text("The Council welcomes the allies' comprehensive assistance programme for Ukraine."),
    };
    let circulate = Command::Circulate {
        proposal: ProposalId(WELCOME_PROPOSAL),
        procedure: Procedure::ConsensusRound,
        deadline,
        marking: None,
        urgent: None,
    };
    s.push((t, Actor::Secretariat, welcome));
    s.push((t, Actor::Secretariat, circulate));
    s
}

/// A body deciding by consensus, with no proxies.
struct Body {
    id: &'static str,
    name: &'static str,
    roster: Roster,
}

/// A statement drafted in a body, as the scenario's proposal `proposal`.
struct Statement {
    proposal: u64,
    title: &'static str,
    text: &'static str,
}

impl Body {
    /// The secretariat establishes the body, drafts `statement` in it and circulates it for a
    /// consensus round until `deadline`.
    fn with_statement(self, t: Timestamp, deadline: Timestamp, statement: &Statement) -> Steps {
        let id = BodyId::parse(self.id).expect("a valid body id");
        let sec = Actor::Secretariat;
        let establish = Command::EstablishBody {
            id: id.clone(),
            name: self.name.into(),
            parent: None,
            roster: self.roster,
            kinds: Vec::new(),
            procedures: Vec::new(),
            rule: Rule::Consensus,
            proxies: false,
        };
        // NATO's Secretary General chairs its councils and the Nuclear Planning Group.
        let chair = Command::AppointChair { body: Some(id.clone()), chair: Chair::Secretariat, from: None };
        let draft = Command::DraftProposal {
            body: Some(id),
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: statement.title.into(),
            text: text(statement.text),
        };
        let circulate = Command::Circulate {
            proposal: ProposalId(statement.proposal),
            procedure: Procedure::ConsensusRound,
            deadline,
            marking: None,
            urgent: None,
        };
        vec![(t, sec, establish), (t, sec, chair), (t, sec, draft), (t, sec, circulate)]
    }
}

fn at(t: Timestamp, (actor, command): (Actor, Command)) -> (Timestamp, Actor, Command) {
    (t, actor, command)
}
