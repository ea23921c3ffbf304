//! Bodies (issue 15): their rosters, the kinds and procedures they decide, and their rules, each
//! fixed when a procedure opens; consensus minus one; replay refuses a forged roster or rule.

use proptest::prelude::*;

use super::fixtures::*;
use crate::decision_rule::Rule;
use crate::{
    Actor, ApplyError, BodyId, Command, DecisionKind, Event, Outcome, Procedure, ProposalId, Roster, Stance, State,
};

fn id(s: &str) -> BodyId {
    BodyId::parse(s).unwrap()
}

pub(super) fn establish(body: &str, roster: Roster, rule: Rule) -> Command {
    Command::EstablishBody {
        id: id(body),
        name: format!("The {body}"),
        parent: None,
        roster,
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule,
        proxies: false,
    }
}

/// A body that decides by the vote procedure alone.
pub(super) fn voting(body: &str, roster: Roster, rule: Rule) -> Command {
    match establish(body, roster, rule) {
        Command::EstablishBody { id, name, parent, roster, kinds, rule, .. } => Command::EstablishBody {
            id,
            name,
            parent,
            roster,
            kinds,
            procedures: vec![Procedure::Vote],
            rule,
            proxies: false,
        },
        other => other,
    }
}

/// The Nuclear Planning Group: every ally but France.
fn npg() -> Command {
    establish("npg", Roster::AllMembers { except: vec![c("FRA")] }, Rule::Consensus)
}

pub(super) fn draft_in(w: &mut World, body: &str, kind: DecisionKind, at: jiff::Timestamp) -> ProposalId {
    let proposal = w.state.next_proposal_id();
    let command = Command::DraftProposal {
        body: Some(id(body)),
        follows: None,
        kind,
        significance: None,
        title: format!("{body} proposal {proposal}"),
        text: format!("The {body} decides on proposal {proposal}."),
    };
    w.run(Actor::Secretariat, &command, at);
    proposal
}

/// The secretariat's command circulating `proposal` under `procedure` until `deadline()`.
pub(super) fn circulation(proposal: ProposalId, procedure: Procedure) -> Command {
    Command::Circulate { proposal, procedure, deadline: deadline(), marking: None, urgent: None }
}

pub(super) fn circulate(w: &mut World, proposal: ProposalId, procedure: Procedure, at: jiff::Timestamp) {
    w.run(Actor::Secretariat, &circulation(proposal, procedure), at);
}

#[test]
fn a_bodys_roster_is_its_electorate_frozen_at_circulation() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &npg(), t0());
    let p = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Silence, t0());
    let mut expected = electors_on_t0();
    expected.retain(|m| *m != c("FRA"));
    assert_eq!(w.electors(p), expected, "every member on the day but France");
    // France sits outside the group: its proposal answers as one that does not exist.
    assert_eq!(w.refuse_take(p, "FRA", Stance::Object, plus(t0(), 60)).code(), "unknown-proposal");
    let rule = w.proposal(p).circulation.as_ref().unwrap().rule.clone().unwrap();
    assert_eq!((rule.body, rule.version, rule.rule), (id("npg"), 1, Rule::Consensus));
    assert_eq!(w.close(p, deadline()).outcome, Outcome::Adopted);
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay gives the same state");
}

#[test]
fn only_the_secretariat_establishes_a_body_and_only_one_that_makes_sense() {
    let mut w = World::alliance();
    assert_eq!(w.refuse(Actor::Member(c("FRA")), &npg(), t0()).code(), "not-permitted");
    w.run(Actor::Secretariat, &npg(), t0());
    assert_eq!(w.refuse(Actor::Secretariat, &npg(), t0()).code(), "body-exists");
    let unknown = establish("x", Roster::Members { members: vec![c("XXX")] }, Rule::Consensus);
    assert_eq!(w.refuse(Actor::Secretariat, &unknown, t0()).code(), "unknown-member");
    let empty = establish("x", Roster::Members { members: vec![] }, Rule::Consensus);
    assert_eq!(w.refuse(Actor::Secretariat, &empty, t0()).code(), "invalid-field");
    let qmv = establish("council", Roster::AllMembers { except: vec![] }, Rule::EU_QUALIFIED_MAJORITY);
    let refused = w.refuse(Actor::Secretariat, &qmv, t0());
    assert_eq!((refused.code(), refused.field()), ("invalid-field", Some("procedures")), "a vote rule needs the vote");
    let votes_by_consensus = voting("x", Roster::AllMembers { except: vec![] }, Rule::Consensus);
    let refused = w.refuse(Actor::Secretariat, &votes_by_consensus, t0());
    assert_eq!(
        (refused.code(), refused.field()),
        ("invalid-field", Some("procedures")),
        "nobody votes in a consensus body"
    );
    let zero = Rule::Threshold { needed: 0, veto_holders: vec![] };
    let nonsense = voting("x", Roster::AllMembers { except: vec![] }, zero);
    assert_eq!(w.refuse(Actor::Secretariat, &nonsense, t0()).field(), Some("rule"));
    let orphan = Command::EstablishBody {
        id: id("mc"),
        name: "Military Committee".into(),
        parent: Some(id("nac")),
        roster: Roster::AllMembers { except: vec![] },
        kinds: vec![],
        procedures: vec![],
        rule: Rule::Consensus,
        proxies: false,
    };
    assert_eq!(w.refuse(Actor::Secretariat, &orphan, t0()).code(), "unknown-body");
    assert!(BodyId::parse("NPG").is_err() && BodyId::parse("1x").is_err() && BodyId::parse("").is_err());
    assert!(serde_json::from_str::<BodyId>("\"a b\"").is_err(), "the log refuses a malformed id too");
}

#[test]
fn a_body_decides_only_its_kinds_by_its_procedures() {
    let mut w = World::alliance();
    let committee = Command::EstablishBody {
        id: id("budget"),
        name: "Budget Committee".into(),
        parent: None,
        roster: Roster::Members { members: vec![c("DEU"), c("FRA"), c("POL")] },
        kinds: vec![DecisionKind::FundPolicy],
        procedures: vec![Procedure::ConsensusRound],
        rule: Rule::Consensus,
        proxies: false,
    };
    w.run(Actor::Secretariat, &committee, t0());
    let statement = Command::DraftProposal {
        body: Some(id("budget")),
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: "t".into(),
        text: "x".into(),
    };
    assert_eq!(w.refuse(Actor::Secretariat, &statement, t0()).code(), "kind-not-decided");
    let p = draft_in(&mut w, "budget", DecisionKind::FundPolicy, t0());
    let silence = Command::Circulate {
        proposal: p,
        procedure: Procedure::Silence,
        deadline: deadline(),
        marking: None,
        urgent: None,
    };
    assert_eq!(w.refuse(Actor::Secretariat, &silence, t0()).code(), "procedure-not-used");
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    assert_eq!(w.electors(p), vec![c("DEU"), c("FRA"), c("POL")]);
    for m in ["DEU", "FRA", "POL"] {
        w.take(p, m, Stance::Concur, plus(t0(), 60));
    }
    assert_eq!(w.decision(p).outcome, Outcome::Adopted, "three of three concurred");
}

#[test]
fn a_rule_changed_mid_procedure_leaves_the_open_one_deciding_by_the_old() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &establish("osce", Roster::AllMembers { except: vec![] }, Rule::Consensus), t0());
    let open = draft_in(&mut w, "osce", DecisionKind::Statement, t0());
    circulate(&mut w, open, Procedure::Silence, t0());
    let change = Command::ChangeRule {
        body: id("osce"),
        rule: Rule::ConsensusMinusOne { concerned: c("HUN") },
        reason: "Prague Document §16".into(),
    };
    assert_eq!(w.refuse(Actor::Member(c("HUN")), &change, plus(t0(), 10)).code(), "not-permitted");
    w.run(Actor::Secretariat, &change, plus(t0(), 10));
    assert_eq!(w.state.bodies[&id("osce")].rule_version, 2);
    // Under the old rule Hungary's objection blocks the open procedure.
    w.take(open, "HUN", Stance::Object, plus(t0(), 60));
    let d = w.decision(open);
    assert_eq!(d.outcome, Outcome::Blocked);
    assert_eq!(d.rule.as_ref().map(|r| r.version), Some(1));
    // A procedure opened after the change decides by the new one: Hungary's objection is set aside.
    let later = draft_in(&mut w, "osce", DecisionKind::Statement, plus(t0(), 100));
    circulate(&mut w, later, Procedure::Silence, plus(t0(), 100));
    w.take(later, "HUN", Stance::Object, plus(t0(), 160));
    assert!(w.proposal(later).status.is_open(), "the state concerned does not block");
    let d = w.close(later, deadline());
    assert_eq!(d.outcome, Outcome::Adopted);
    assert_eq!(d.set_aside(), Some(c("HUN")));
    assert!(
        d.explain().contains("HUN, the state concerned, objected; under consensus minus one that does not block."),
        "{}",
        d.explain()
    );
    // Adopted over an objection, the decision names the objector: it stays with the members.
    let reader = crate::Reader::Public;
    assert!(w.state.proposal_for(reader, w.proposal(later)).is_none(), "the public reads nothing of it");
    let decided = w.log.iter().rev().find(|e| matches!(e, Event::ProposalDecided { .. })).unwrap();
    assert_eq!(w.state.marking(decided), crate::Marking::Members);
    // Anyone else's objection still blocks.
    let third = draft_in(&mut w, "osce", DecisionKind::Statement, plus(t0(), 200));
    circulate(&mut w, third, Procedure::Silence, plus(t0(), 200));
    w.take(third, "HUN", Stance::Object, plus(t0(), 210));
    w.take(third, "BEL", Stance::Object, plus(t0(), 220));
    let d = w.decision(third);
    assert_eq!(d.outcome, Outcome::Blocked);
    assert!(d.explain().contains("BEL objected"), "the blocking objection is named: {}", d.explain());
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay recomputes every outcome by its rule");
}

#[test]
fn a_consensus_round_minus_one_waits_for_everyone_but_the_state_concerned() {
    let mut w = World::alliance();
    let rule = Rule::ConsensusMinusOne { concerned: c("TUR") };
    w.run(Actor::Secretariat, &establish("osce", Roster::AllMembers { except: vec![] }, rule), t0());
    let p = draft_in(&mut w, "osce", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    let others: Vec<_> = w.electors(p).into_iter().filter(|m| *m != c("TUR")).collect();
    for m in &others {
        w.take(p, m.as_str(), Stance::Concur, plus(t0(), 60));
    }
    assert_eq!(w.decision(p).outcome, Outcome::Adopted, "Türkiye's consent is not waited for");
}

#[test]
fn replay_refuses_a_circulation_that_forges_the_rule_or_the_roster() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &npg(), t0());
    let p = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    let events = crate::decide(
        &w.state,
        Actor::Secretariat,
        &Command::Circulate {
            proposal: p,
            procedure: Procedure::Silence,
            deadline: deadline(),
            marking: None,
            urgent: None,
        },
        t0(),
    )
    .unwrap();
    let Event::ProposalCirculated { rule, electorate, .. } = &events[0] else { panic!("a circulation") };
    let mut forged_rule = events[0].clone();
    if let Event::ProposalCirculated { rule: r, .. } = &mut forged_rule {
        *r = rule.clone().map(|mut r| {
            r.rule = Rule::ConsensusMinusOne { concerned: c("DEU") };
            r
        });
    }
    assert!(matches!(w.state.clone().apply(&forged_rule), Err(ApplyError::Inconsistent { .. })));
    let mut forged_roster = events[0].clone();
    if let Event::ProposalCirculated { electorate: e, .. } = &mut forged_roster {
        *e = electors_on_t0();
    }
    assert!(!electorate.contains(&c("FRA")));
    assert!(matches!(w.state.clone().apply(&forged_roster), Err(ApplyError::Inconsistent { .. })));
    let dropped = {
        let mut e = events[0].clone();
        if let Event::ProposalCirculated { rule: r, .. } = &mut e {
            *r = None;
        }
        e
    };
    assert!(matches!(w.state.clone().apply(&dropped), Err(ApplyError::Inconsistent { .. })), "nor drops it");
}

proptest! {
    /// Under consensus minus one, what the state concerned says never changes the outcome.
    #[test]
    fn the_state_concerned_never_decides(
        stances in proptest::collection::vec(0..3usize, 5),
        concerned_says in 0..3usize,
    ) {
        let all = [Stance::Concur, Stance::Object, Stance::ProposeAmendment];
        let roster = vec![c("DEU"), c("FRA"), c("ITA"), c("POL"), c("ESP"), c("HUN")];
        let outcome = |concerned: Option<Stance>| {
            let mut w = World::alliance();
            let rule = Rule::ConsensusMinusOne { concerned: c("HUN") };
            w.run(Actor::Secretariat, &establish("osce", Roster::Members { members: roster.clone() }, rule), t0());
            let p = draft_in(&mut w, "osce", DecisionKind::Statement, t0());
            circulate(&mut w, p, Procedure::Silence, t0());
            if let Some(s) = concerned {
                w.take(p, "HUN", s, plus(t0(), 1));
            }
            for (i, (m, s)) in ["DEU", "FRA", "ITA", "POL", "ESP"].iter().zip(&stances).enumerate() {
                if w.proposal(p).status.is_open() {
                    w.take(p, m, all[*s], plus(t0(), 10 + i64::try_from(i).unwrap_or(0)));
                }
            }
            if w.proposal(p).status.is_open() {
                w.close(p, deadline());
            }
            w.decision(p).outcome
        };
        prop_assert_eq!(outcome(None), outcome(Some(all[concerned_says])));
    }
}

#[test]
fn consensus_minus_one_needs_the_state_concerned_in_the_body_beside_someone_else() {
    let mut w = World::alliance();
    let minus = |c_: &str| Rule::ConsensusMinusOne { concerned: c(c_) };
    let outside = establish("a", Roster::Members { members: vec![c("DEU"), c("FRA")] }, minus("HUN"));
    assert_eq!(w.refuse(Actor::Secretariat, &outside, t0()).code(), "invalid-field");
    let alone = establish("b", Roster::Members { members: vec![c("HUN")] }, minus("HUN"));
    assert_eq!(w.refuse(Actor::Secretariat, &alone, t0()).code(), "invalid-field", "it would adopt anything");
    let excepted = establish("c", Roster::AllMembers { except: vec![c("HUN")] }, minus("HUN"));
    assert_eq!(w.refuse(Actor::Secretariat, &excepted, t0()).code(), "invalid-field");
    w.run(
        Actor::Secretariat,
        &establish("d", Roster::Members { members: vec![c("HUN"), c("DEU")] }, Rule::Consensus),
        t0(),
    );
    let change = Command::ChangeRule { body: id("d"), rule: minus("FRA"), reason: "a case".into() };
    assert_eq!(w.refuse(Actor::Secretariat, &change, t0()).code(), "invalid-field", "FRA does not sit in d");
    let nobody =
        establish("e", Roster::AllMembers { except: members().into_iter().map(|m| m.code).collect() }, Rule::Consensus);
    assert_eq!(w.refuse(Actor::Secretariat, &nobody, t0()).code(), "no-electors");
}

#[test]
fn a_departed_member_sits_in_no_new_body() {
    let mut w = World::alliance();
    let depart = Command::RecordDeparture { member: c("ISL"), on: jiff::civil::date(2024, 2, 1) };
    w.run(Actor::Secretariat, &depart, ts("2024-01-20T08:00:00Z"));
    let named = establish("x", Roster::Members { members: vec![c("ISL"), c("DEU")] }, Rule::Consensus);
    assert_eq!(w.refuse(Actor::Secretariat, &named, t0()).code(), "invalid-field");
}

#[test]
fn a_new_round_after_a_reopen_takes_the_rule_of_its_own_day() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &establish("osce", Roster::AllMembers { except: vec![] }, Rule::Consensus), t0());
    let p = draft_in(&mut w, "osce", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Silence, t0());
    w.take(p, "HUN", Stance::Object, plus(t0(), 10));
    assert_eq!(w.decision(p).outcome, Outcome::Blocked);
    let change = Command::ChangeRule {
        body: id("osce"),
        rule: Rule::ConsensusMinusOne { concerned: c("HUN") },
        reason: "r".into(),
    };
    w.run(Actor::Secretariat, &change, plus(t0(), 20));
    w.run(Actor::Secretariat, &Command::Reopen { proposal: p, reason: "Renegotiate".into() }, plus(t0(), 30));
    circulate(&mut w, p, Procedure::Silence, plus(t0(), 40));
    let rule = w.proposal(p).circulation.as_ref().unwrap().rule.clone().unwrap();
    assert_eq!(rule.version, 2, "the new round opens under the rule of its day");
    w.take(p, "HUN", Stance::Object, plus(t0(), 50));
    assert!(w.proposal(p).status.is_open());
    assert_eq!(State::replay(&w.log).unwrap(), w.state);
}

#[test]
fn the_state_concerned_breaks_no_silence_and_nobody_is_told_it_did() {
    let mut w = World::alliance();
    let rule = Rule::ConsensusMinusOne { concerned: c("HUN") };
    w.run(Actor::Secretariat, &establish("osce", Roster::AllMembers { except: vec![] }, rule), t0());
    let p = draft_in(&mut w, "osce", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Silence, t0());
    let events = w.take(p, "HUN", Stance::ProposeAmendment, plus(t0(), 10));
    let seq = u64::try_from(w.log.len() - 1).unwrap();
    let notices = crate::notice::of_entry(&w.state, seq, crate::Marking::Members, &events[0], plus(t0(), 10));
    assert!(
        !notices.iter().any(|n| matches!(n.what, crate::notice::What::SilenceBroken { .. })),
        "no silence was broken: {notices:?}"
    );
}

/// Need to know among the members: what a body deliberates is for the members sitting in it.
/// France, outside the Nuclear Planning Group, reads its proposal as the public does — nothing
/// while it is deliberated, the outcome once an announced kind is adopted — and none of its
/// entries; Germany, inside, reads them all. Every entry about it names the group.
#[test]
fn a_member_outside_a_body_reads_its_business_as_the_public_does() {
    use crate::{Marking, ProposalAccess, Reader};

    let mut w = World::alliance();
    w.run(Actor::Secretariat, &npg(), t0());
    let p = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    let (fra, deu) = (Reader::Member(c("FRA")), Reader::Member(c("DEU")));
    let stored = w.proposal(p).clone();
    assert_eq!(w.state.proposal_access(fra, &stored), ProposalAccess::Hidden);
    assert_eq!(w.state.proposal_access(deu, &stored), ProposalAccess::Full);
    assert_eq!(w.state.proposal_access(Reader::Secretariat, &stored), ProposalAccess::Full);
    for e in w.log.iter().filter(|e| e.proposal() == Some(p)) {
        assert_eq!(w.state.scope(e), Some(id("npg")), "{e:?}");
        assert!(!w.state.may_read(fra, w.state.marking(e), e), "France reads none of it: {e:?}");
        assert!(w.state.may_read(deu, w.state.marking(e), e));
    }
    assert_eq!(w.state.cleared_in(fra, Some(&id("npg"))), Reader::Public);
    assert_eq!(w.state.cleared_in(fra, None), fra, "the principal body's business is every member's");

    // Adopted, the statement is announced: France reads the outcome, as the public does.
    for m in electors_on_t0().into_iter().filter(|m| *m != c("FRA")) {
        w.take(p, m.as_str(), Stance::Concur, plus(t0(), 60));
    }
    let stored = w.proposal(p).clone();
    assert_eq!(stored.status, crate::ProposalStatus::Adopted);
    assert_eq!(w.state.proposal_access(fra, &stored), ProposalAccess::Outcome);
    let decided = w.log.last().expect("the decision");
    assert_eq!(w.state.marking(decided), Marking::Public);
    assert!(w.state.may_read(fra, Marking::Public, decided));
    // The alliance acts on its own decisions only: a body's does not authorise a programme.
    let fund = crate::support::SupportCommand::CreateFund {
        fund: crate::support::FundTerms {
            name: "Capacity".into(),
            channel: crate::support::Channel::AllianceFund,
            policy: crate::support::FundPolicy::NonLethalOnly,
            authorised_by: p,
        },
    };
    let refused = w.refuse(Actor::Secretariat, &Command::Support(fund), plus(t0(), 120));
    assert_eq!(refused.field(), Some("authorised_by"), "{refused}");
}
