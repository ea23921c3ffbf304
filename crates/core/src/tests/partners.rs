//! A partner taking part in a body as an equal participant (the NATO-Ukraine Council: the allies
//! and Ukraine): it is an elector of the body's procedures, reads the body's business as its
//! members do, takes its own positions (signed with its own key where the log requires it) and
//! is told of them; everywhere else it is the partner it always was.

use super::bodies::{circulate, draft_in, establish};
use super::fixtures::*;
use super::signatures::{ORIGIN, world};
use crate::decision_rule::Rule;
use crate::{
    Actor, BodyId, Command, DecisionKind, Outcome, PositionStatement, Procedure, ProposalAccess, Reader, Refusal,
    Roster, Stance, State, partner_key_name,
};

fn nuc() -> Command {
    establish("nuc", Roster::WithPartners { except: Vec::new(), partners: vec![c("UKR")] }, Rule::Consensus)
}

fn ukr() -> Actor {
    Actor::Partner(c("UKR"))
}

fn partner_takes(w: &mut World, p: crate::ProposalId, stance: Stance, at: jiff::Timestamp) -> Vec<crate::Event> {
    let command = position(p, "UKR", w.revision(p), stance);
    w.run(ukr(), &command, at)
}

#[test]
fn a_partner_taking_part_is_an_elector_whose_consent_the_body_waits_for() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &nuc(), t0());
    let p = draft_in(&mut w, "nuc", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    let mut expected = electors_on_t0();
    expected.push(c("UKR"));
    expected.sort();
    assert_eq!(w.electors(p), expected, "every member on the day, and Ukraine");

    for m in electors_on_t0() {
        w.take(p, m.as_str(), Stance::Concur, plus(t0(), 60));
    }
    assert!(w.proposal(p).decision.is_none(), "every ally concurs: the round still waits for Ukraine");
    let events = partner_takes(&mut w, p, Stance::Concur, plus(t0(), 120));
    assert_eq!(decided(&events).map(|d| d.outcome), Some(Outcome::Adopted), "Ukraine's concurrence completes it");

    // Its objection breaks silence and blocks at once, as a member's does.
    let q = draft_in(&mut w, "nuc", DecisionKind::Statement, plus(t0(), 180));
    circulate(&mut w, q, Procedure::Silence, plus(t0(), 180));
    let events = partner_takes(&mut w, q, Stance::Object, plus(t0(), 240));
    assert_eq!(decided(&events).map(|d| d.outcome), Some(Outcome::Blocked));
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay gives the same state");
}

#[test]
fn a_partner_speaks_only_for_itself_and_only_where_it_takes_part() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &nuc(), t0());
    w.run(Actor::Secretariat, &establish("npg", Roster::AllMembers { except: vec![c("FRA")] }, Rule::Consensus), t0());
    let p = draft_in(&mut w, "nuc", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    let elsewhere = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    circulate(&mut w, elsewhere, Procedure::ConsensusRound, t0());
    let principal = w.round();
    let at = plus(t0(), 60);

    let for_usa = position(p, "USA", 1, Stance::Concur);
    assert!(matches!(w.refuse(ukr(), &for_usa, at), Refusal::NotPermitted { .. }), "not for a member");
    let for_ukr = position(p, "UKR", 1, Stance::Concur);
    assert!(matches!(w.refuse(Actor::Member(c("USA")), &for_ukr, at), Refusal::NotPermitted { .. }));
    // Elsewhere it is refused in the same words whether the proposal exists or not, so that the
    // refusal tells it nothing of the Nuclear Planning Group's business.
    let not_here = Refusal::PartnerCannotTakePositions { partner: c("UKR") };
    for id in [elsewhere, principal, crate::ProposalId(99)] {
        assert_eq!(w.refuse(ukr(), &position(id, "UKR", 1, Stance::Concur), at), not_here, "proposal {id}");
        let awaiting = Command::AwaitInstructions { proposal: id, member: c("UKR"), note: None };
        assert!(matches!(w.refuse(ukr(), &awaiting, at), Refusal::NotPermitted { .. }), "proposal {id}");
    }
    // Where it takes part, it may say it awaits instructions, as a delegation does.
    w.run(ukr(), &Command::AwaitInstructions { proposal: p, member: c("UKR"), note: None }, at);
    assert_eq!(w.state.reader_of(c("UKR")), Reader::Partner(c("UKR")));
    assert_eq!(w.state.reader_of(c("FRA")), Reader::Member(c("FRA")));

    // It acts for nobody, and nobody for it, even in a body whose rules allow proxies.
    let mut with_proxies =
        establish("nuc2", Roster::WithPartners { except: Vec::new(), partners: vec![c("UKR")] }, Rule::Consensus);
    if let Command::EstablishBody { proxies, .. } = &mut with_proxies {
        *proxies = true;
    }
    w.run(Actor::Secretariat, &with_proxies, at);
    let authorise = |member: &str, proxy: &str| Command::AuthoriseProxy {
        body: BodyId::parse("nuc2").unwrap(),
        member: c(member),
        proxy: c(proxy),
        from: None,
        until: deadline(),
        evidence: None,
    };
    let refused = w.refuse(Actor::Member(c("FRA")), &authorise("FRA", "UKR"), at);
    assert_eq!(refused.field(), Some("proxy"), "{refused}");
    assert!(matches!(w.refuse(ukr(), &authorise("UKR", "FRA"), at), Refusal::NotPermitted { .. }));
    w.run(Actor::Member(c("FRA")), &authorise("FRA", "DEU"), at);
}

#[test]
fn a_partner_reads_the_business_of_its_body_as_the_members_do_and_no_other() {
    let mut w = World::alliance();
    w.run(Actor::Secretariat, &nuc(), t0());
    w.run(Actor::Secretariat, &establish("npg", Roster::AllMembers { except: vec![c("FRA")] }, Rule::Consensus), t0());
    let p = draft_in(&mut w, "nuc", DecisionKind::Statement, t0());
    let elsewhere = draft_in(&mut w, "npg", DecisionKind::Statement, t0());
    let partner = Reader::Partner(c("UKR"));
    assert_eq!(w.state.proposal_access(partner, w.proposal(p)), ProposalAccess::Hidden, "a draft is nobody's yet");
    circulate(&mut w, p, Procedure::ConsensusRound, t0());
    circulate(&mut w, elsewhere, Procedure::ConsensusRound, t0());
    w.take(p, "DEU", Stance::Concur, plus(t0(), 60));
    w.take(elsewhere, "DEU", Stance::Concur, plus(t0(), 60));

    assert_eq!(w.state.proposal_access(partner, w.proposal(p)), ProposalAccess::Full);
    assert_eq!(w.state.proposal_access(partner, w.proposal(elsewhere)), ProposalAccess::Hidden);
    let nuc = BodyId::parse("nuc").unwrap();
    for e in w.log.iter().filter(|e| e.proposal() == Some(p)) {
        assert_eq!(w.state.scope(e), Some(nuc.clone()));
        assert!(w.state.may_read(partner, w.state.marking(e), e), "Ukraine reads its council's {e:?}");
    }
    for e in w.log.iter().filter(|e| e.proposal() == Some(elsewhere)) {
        assert!(!w.state.may_read(partner, w.state.marking(e), e), "but not the group's {e:?}");
    }
    // Another partner reads the council as the public does.
    w.run(
        Actor::Secretariat,
        &Command::RegisterPartner { partner: crate::Partner { code: c("MDA"), name: "Moldova".into() } },
        t0(),
    );
    let moldova = Reader::Partner(c("MDA"));
    assert_eq!(w.state.proposal_access(moldova, w.proposal(p)), ProposalAccess::Hidden);
    assert_eq!(w.state.cleared_in(moldova, Some(&nuc)), moldova);
    // Ukraine takes part in the council as a partner; it sits in no body as a member.
    assert!(w.state.partner_in(&nuc, c("UKR")) && !w.state.sits_in(&nuc, c("UKR")));
    assert!(!w.state.sits_in(&BodyId::parse("npg").unwrap(), c("UKR")));

    // The procedure's notices reach it, as an elector: the reminder of a deadline it has not
    // answered, and the news that a member broke silence.
    let ladder = crate::notice::Ladder::default();
    let due = crate::notice::due(&w.state, plus(deadline(), -3600), &ladder);
    assert!(due.iter().any(|n| n.to == partner && n.what.proposal() == Some(p)), "{due:?}");
    assert!(due.iter().all(|n| n.what.proposal() != Some(elsewhere) || n.to != partner));
}

#[test]
fn a_body_takes_only_registered_partners_and_no_rule_that_counts_people() {
    let mut w = World::alliance();
    let with = |partners: Vec<&str>, rule: Rule| {
        let partners = partners.into_iter().map(c).collect();
        establish("nuc", Roster::WithPartners { except: Vec::new(), partners }, rule)
    };
    let unknown = w.refuse(Actor::Secretariat, &with(vec!["MDA"], Rule::Consensus), t0());
    assert_eq!(unknown.field(), Some("roster"), "{unknown}");
    let none = w.refuse(Actor::Secretariat, &with(vec![], Rule::Consensus), t0());
    assert_eq!(none.field(), Some("roster"), "{none}");
    let twice = w.refuse(Actor::Secretariat, &with(vec!["UKR", "UKR"], Rule::Consensus), t0());
    assert_eq!(twice.field(), Some("roster"), "{twice}");
    let counted = w.refuse(Actor::Secretariat, &with(vec!["UKR"], Rule::EU_CONSTRUCTIVE_ABSTENTION), t0());
    assert_eq!(counted.field(), Some("rule"), "{counted}");
    w.run(Actor::Secretariat, &with(vec!["UKR"], Rule::Consensus), t0());
    assert_eq!(
        w.state.bodies[&BodyId::parse("nuc").unwrap()].roster.words(),
        "every member, and UKR as partner",
        "the roster in words"
    );
}

#[test]
fn a_partner_signs_its_positions_with_its_own_key() {
    use concord_ledger::keys::Signer;

    let mut w = world(false);
    let key = Signer::from_seed(&partner_key_name(ORIGIN, c("UKR")), [30; 32]).unwrap();
    let enrol = |key: &Signer| Command::RegisterMemberKey {
        member: c("UKR"),
        key: key.verifier().to_string(),
        valid_from: Some("2024-01-01T00:00:00Z".parse().unwrap()),
        valid_until: None,
    };
    // A partner's key is named as a partner's, not a member's.
    let misnamed = super::signatures::member_key("UKR", 30);
    let refused = w.refuse(Actor::Secretariat, &enrol(&misnamed), t0());
    assert!(matches!(refused, Refusal::BadKey { .. }), "{refused}");
    w.run(Actor::Secretariat, &enrol(&key), t0());
    w.run(Actor::Secretariat, &nuc(), t0());
    let p = draft_in(&mut w, "nuc", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::ConsensusRound, t0());

    let at = plus(t0(), 60);
    let unsigned = position(p, "UKR", 1, Stance::Concur);
    assert_eq!(w.refuse(ukr(), &unsigned, at), Refusal::SignatureRequired { member: c("UKR") });
    let statement = PositionStatement {
        origin: ORIGIN.into(),
        member: c("UKR"),
        proposal: p,
        revision: 1,
        text_hash: w.proposal(p).current().text_hash.clone(),
        stance: Stance::Concur,
        statement_hash: None,
        time: at,
    };
    let note = concord_ledger::note::sign(&statement.to_text(), &[&key]).unwrap();
    let forged = concord_ledger::note::sign(&statement.to_text(), &[&misnamed]).unwrap();
    let with = |evidence: String| match position(p, "UKR", 1, Stance::Concur) {
        Command::TakePosition { proposal, member, revision, stance, text, .. } => {
            Command::TakePosition { proposal, member, revision, stance, text, evidence: Some(evidence) }
        }
        other => other,
    };
    assert!(matches!(w.refuse(ukr(), &with(forged), at), Refusal::NoValidKey { .. }));
    w.run(ukr(), &with(note), at);
    assert_eq!(w.proposal(p).positions[&c("UKR")].signed_at, Some(at));
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay checks the partner's signature again");
}
