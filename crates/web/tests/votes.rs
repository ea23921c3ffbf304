//! Votes and population figures on the web (issue 15), against a real server: a body that
//! decides by a vote rule circulates for a vote, its electors vote through the form (never
//! concur), and the decision shows the count, the population figures it used and who vetoed; a
//! consensus body's pages never speak of votes, and the state concerned's objection under
//! consensus minus one is not called blocking; a body whose rule counts people shows the
//! figures a procedure opening now would use, or says that none are recorded.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use std::collections::BTreeMap;

use common::{Web, cc};
use concord_core::decision_rule::{Populations, Ratio, Rule};
use concord_core::{Actor, BodyId, Command, DecisionKind, Marking, Procedure, ProposalId, Roster, Stance};
use concord_server::clock::Clock;
use jiff::SignedDuration;

/// Establishes a body of every member (FRA, DEU, NOR) deciding by `procedures` under `rule`.
async fn establish(w: &Web, id: &str, procedures: Vec<Procedure>, rule: Rule) {
    let command = Command::EstablishBody {
        id: BodyId::parse(id).unwrap(),
        name: format!("The {id} body"),
        parent: None,
        roster: Roster::AllMembers { except: Vec::new() },
        kinds: Vec::new(),
        procedures,
        rule,
        proxies: false,
    };
    w.app.sequencer().submit(Actor::Secretariat, None, command, None).await.unwrap();
}

/// Drafts a proposal of `kind` for body `id`; its number.
async fn draft(w: &Web, id: &str, kind: DecisionKind) -> ProposalId {
    let next = w.app.view().await.state.next_proposal_id();
    let command = Command::DraftProposal {
        body: Some(BodyId::parse(id).unwrap()),
        follows: None,
        kind,
        significance: None,
        title: format!("A decision of {id}"),
        text: "The body decides.".into(),
    };
    w.app.sequencer().submit(Actor::Secretariat, None, command, None).await.unwrap();
    next
}

/// Circulates `p` under `procedure` until three days from now, through the domain.
async fn circulate(w: &Web, p: ProposalId, procedure: Procedure) {
    circulate_to(w, p, procedure, None).await;
}

/// Circulates `p`, its text to `audience` beyond the members if given.
async fn circulate_to(w: &Web, p: ProposalId, procedure: Procedure, audience: Option<Marking>) {
    let deadline = w.clock.now().checked_add(SignedDuration::from_hours(72)).unwrap();
    let command = Command::Circulate { proposal: p, procedure, deadline, marking: audience, urgent: None };
    w.app.sequencer().submit(Actor::Secretariat, None, command, None).await.unwrap();
}

/// `member` takes `stance` on revision 1 of `p`, through the domain.
async fn take(w: &Web, p: ProposalId, member: &str, stance: Stance) {
    let command =
        Command::TakePosition { proposal: p, member: cc(member), revision: 1, stance, text: None, evidence: None };
    w.app.sequencer().submit(Actor::Member(cc(member)), None, command, None).await.unwrap();
}

/// Figures for 2024: France 68 million, Germany 84 million, Norway 5.5 million.
async fn record_figures(w: &Web) {
    let figures = BTreeMap::from([(cc("FRA"), 68_000_000), (cc("DEU"), 84_000_000), (cc("NOR"), 5_500_000)]);
    let populations = Populations { year: 2024, source: "Test figures 2024".into(), figures };
    let command = Command::RecordPopulations { populations };
    w.app.sequencer().submit(Actor::Secretariat, None, command, None).await.unwrap();
}

/// A table row as the pages render one: its header cell and its value.
fn row(label: &str, value: &str) -> String {
    format!("<tr><th scope=\"row\">{label}</th><td>{value}</td></tr>")
}

/// The page's words once the rule's own denials ("Nobody votes.") are set aside: what must
/// never speak of votes in a consensus body.
fn without_denials(body: &str) -> String {
    body.replace("Nobody votes.", "").replace("there is no vote", "").to_lowercase()
}

/// The values of the position form's radio buttons.
fn stances_offered(body: &str) -> Vec<String> {
    body.split("name=\"stance\" value=\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn electors_vote_through_the_form_and_the_count_shows_the_veto() {
    let w = Web::start().await;
    let rule = Rule::Threshold { needed: 2, veto_holders: vec![cc("FRA")] };
    establish(&w, "council", vec![Procedure::Vote], rule).await;
    let p = draft(&w, "council", DecisionKind::Statement).await;
    let path = format!("/proposals/{}", p.0);

    // The secretariat circulates it for a vote, the one procedure the body decides by.
    let sec = w.login("sec").await;
    let page = w.get(&sec, &path).await;
    assert!(page.body.contains("<option value=\"vote\" selected>vote</option>"), "{}", page.body);
    assert!(!page.body.contains("<option value=\"silence\""), "a vote body takes no silence procedure");
    let csrf = w.csrf(&sec, &path).await;
    let deadline = w.clock.now().checked_add(SignedDuration::from_hours(72)).unwrap();
    let deadline = deadline.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let form = [("csrf", csrf.as_str()), ("procedure", "vote"), ("deadline", &deadline), ("release", "")];
    let r = w.post(&sec, &format!("{path}/circulate"), &form).await;
    assert_eq!(r.status, 303, "{}", r.body);

    // An elector is offered the four votes and nothing else, in a vote's words.
    let fra = w.login("fra").await;
    let page = w.get(&fra, &path).await;
    assert_eq!(stances_offered(&page.body), ["yes", "no", "abstain", "not_participating"], "{}", page.body);
    for said in
        ["<h2 id=\"grid-h\">Votes</h2>", "<h2 id=\"position-h\">Your vote</h2>", "Cast the vote", "has not voted"]
    {
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
    for never in
        ["Consensus grid", "Take a position", "Record position", "concurred", "value=\"concur", "silent so far"]
    {
        assert!(!page.body.contains(never), "{never} under a vote: {}", page.body);
    }
    assert!(page.body.contains("The body's rule counts the votes once every elector has voted"), "{}", page.body);

    // Concurring is refused beside the choice, and nothing is recorded.
    let csrf = w.csrf(&fra, &path).await;
    let before = w.log_size().await;
    let position = format!("{path}/position");
    let concur = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur"), ("text", "")];
    let r = w.post(&fra, &position, &concur).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"stance-error\""), "{}", r.body);
    assert_eq!(w.log_size().await, before, "nothing changed");

    // Germany votes yes through the same form, Norway (which has no account here) through the
    // domain: nothing is decided until France votes.
    let deu = w.login("deu").await;
    let csrf_deu = w.csrf(&deu, &path).await;
    let yes = [("csrf", csrf_deu.as_str()), ("revision", "1"), ("stance", "yes"), ("text", "")];
    let r = w.post(&deu, &position, &yes).await;
    assert_eq!((r.status, r.location.as_str()), (303, format!("{path}#grid").as_str()), "{}", r.body);
    take(&w, p, "NOR", Stance::Yes).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains("voted yes") && page.body.contains("Not decided yet"), "{}", page.body);

    // France, which holds a veto, votes no: the count is made, and the page shows it.
    let no = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "no"), ("text", "Not in our name.")];
    assert_eq!(w.post(&fra, &position, &no).await.status, 303);
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains(">not adopted<"), "{}", page.body);
    for (label, value) in [
        ("Yes", "2"),
        ("No", "1"),
        ("Abstain", "0"),
        ("Not participating (with those who did not vote)", "0"),
        ("Needed", "2 votes in favour"),
        ("Veto holders", "FRA"),
        ("Vetoed by", "FRA (voted no)"),
        ("Result", "not carried: vetoed"),
    ] {
        assert!(page.body.contains(&row(label, value)), "{label}: {}", page.body);
    }
    assert!(page.body.contains("<caption>The count: 3 electors</caption>"), "{}", page.body);
    assert!(page.body.contains("Not adopted: vetoed by FRA (a veto holder voted no)"), "the explanation");
    assert!(page.body.contains("Voted yes: DEU, NOR.") && page.body.contains("Voted no: FRA."), "{}", page.body);
    assert!(page.body.contains("Not in our name."), "an explanation of vote is shown with it");
    assert!(!page.body.contains("id=\"position-h\""), "no form once counted");
}

#[tokio::test]
async fn a_consensus_body_never_speaks_of_votes_and_the_state_concerned_does_not_block() {
    let w = Web::start().await;
    establish(&w, "osce", Vec::new(), Rule::ConsensusMinusOne { concerned: cc("NOR") }).await;
    let p = draft(&w, "osce", DecisionKind::Statement).await;
    circulate(&w, p, Procedure::ConsensusRound).await;
    let path = format!("/proposals/{}", p.0);
    let fra = w.login("fra").await;

    let page = w.get(&fra, &path).await;
    assert_eq!(
        stances_offered(&page.body),
        ["concur", "concur_with_reservation", "object", "propose_amendment"],
        "{}",
        page.body
    );
    assert!(page.body.contains("no position yet (the state concerned: not waited for)"), "{}", page.body);
    assert!(!without_denials(&page.body).contains("vote"), "{}", page.body);

    take(&w, p, "NOR", Stance::Object).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains("objected (the state concerned: does not block)"), "{}", page.body);
    assert!(!page.body.contains("blocks)</span>"), "the state concerned's objection is not called blocking");
    assert!(page.body.contains("Not decided yet"), "{}", page.body);

    take(&w, p, "FRA", Stance::Concur).await;
    take(&w, p, "DEU", Stance::Concur).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains(">adopted<"), "{}", page.body);
    assert!(page.body.contains("NOR, the state concerned, objected; under consensus minus one that does not block."));
    assert!(!page.body.contains("id=\"count\""), "no count where nobody votes");
    assert!(!without_denials(&page.body).contains("vote"), "{}", page.body);
    // Nor does the principal body's proposal, or the body's own page.
    assert!(!without_denials(&w.get(&fra, "/proposals/1").await.body).contains("vote"));
    assert!(!without_denials(&w.get(&fra, "/bodies/osce").await.body).contains("vote"));
}

#[tokio::test]
async fn a_qualified_majority_body_shows_its_figures_and_the_count_of_people() {
    let w = Web::start().await;
    // 55 % of the members and at least two, 65 % of the people; one member can block.
    let rule = Rule::QualifiedMajority {
        states: Ratio::new(55, 100),
        min_states: 2,
        population: Ratio::new(65, 100),
        blocking_min: 1,
    };
    establish(&w, "council", vec![Procedure::Vote], rule).await;
    let fra = w.login("fra").await;

    let page = w.get(&fra, "/bodies/council").await;
    assert!(page.body.contains("<h2 id=\"figures-h\">Population figures</h2>"), "{}", page.body);
    assert!(page.body.contains("No population figures are recorded for this year or before"), "{}", page.body);
    assert!(!page.body.contains("<table class=\"figures\">"));
    let p = draft(&w, "council", DecisionKind::Statement).await;
    let path = format!("/proposals/{}", p.0);
    let sec = w.login("sec").await; // a draft is the secretariat's alone
    assert!(
        w.get(&sec, &path).await.body.contains("it cannot be circulated until the secretariat records them"),
        "the proposal says so too"
    );

    record_figures(&w).await;
    let page = w.get(&fra, "/bodies/council").await;
    assert!(page.body.contains("counts people by the figures for 2024, from Test figures 2024"), "{}", page.body);
    assert!(page.body.contains("<caption>Population by member taking part today (2024)"), "{}", page.body);
    for (member, persons, share) in
        [("DEU", "84,000,000", "53.3 %"), ("FRA", "68,000,000", "43.1 %"), ("NOR", "5,500,000", "3.4 %")]
    {
        let cells = format!(
            "<td class=\"num\" data-label=\"Population\">{persons}</td><td class=\"num\" data-label=\"Share\">{share}</td>"
        );
        assert!(page.body.contains(&cells), "{member}: {}", page.body);
    }
    assert!(page.body.contains(">157,500,000<"), "the total: {}", page.body);
    let page = w.get(&sec, &path).await;
    assert!(page.body.contains("would apply if it opened now: 2024, from Test figures 2024."), "{}", page.body);

    circulate(&w, p, Procedure::Vote).await;
    // Two of three members (the minimum), but 73.5 of 157.5 million people: Germany blocks.
    take(&w, p, "FRA", Stance::Yes).await;
    take(&w, p, "NOR", Stance::Yes).await;
    take(&w, p, "DEU", Stance::No).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains(">not adopted<"), "{}", page.body);
    assert!(
        page.body.contains("Counted by the population figures for 2024, from Test figures 2024, fixed when it opened.")
    );
    for (label, value) in [
        ("Yes", "2"),
        ("Needed", "2 members in favour (55 % of 3, and at least 2)"),
        ("Population in favour", "46.6 % (73,500,000 of 157,500,000 persons)"),
        ("Population needed", "65.0 % (102,375,000 persons)"),
        ("Population figures", "2024, from Test figures 2024"),
        ("Members not in favour", "1 (a blocking minority needs at least 1)"),
        ("Result", "not carried: too little of the population in favour"),
    ] {
        assert!(page.body.contains(&row(label, value)), "{label}: {}", page.body);
    }
    assert!(!page.body.contains("Vetoed by"), "nobody holds a veto here");
}

#[tokio::test]
async fn constructive_abstention_shows_the_opt_outs_share_of_members_and_people() {
    let w = Web::start().await;
    establish(&w, "cfsp", Vec::new(), Rule::EU_CONSTRUCTIVE_ABSTENTION).await;
    record_figures(&w).await;
    let p = draft(&w, "cfsp", DecisionKind::AssistanceProgramme).await;
    // Its text goes to Ukraine as well: Ukraine reads the text, not the positions.
    circulate_to(&w, p, Procedure::ConsensusRound, Some(Marking::MembersAndPartner(cc("UKR")))).await;
    let path = format!("/proposals/{}", p.0);
    let fra = w.login("fra").await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains("Counted by the population figures for 2024, from Test figures 2024"), "{}", page.body);
    assert!(page.body.contains("value=\"opt_out\""), "opting out is offered here");

    assert!(page.body.contains("Members opting out</th><td>0 of 3"), "none so far: {}", page.body);

    // France opts out: a third of the members with 43 % of the people, so the text falls. While
    // the round is open, the share so far says so to whoever sees the positions.
    take(&w, p, "FRA", Stance::OptOut).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains("The opt-outs&#39; share so far") || page.body.contains("The opt-outs' share so far"));
    assert!(page.body.contains(&row("Members opting out", "1 of 3 (33.3 %); the text falls at 1/3: reached")));
    let ukraine = w.login("ukraine").await;
    let seen = w.get(&ukraine, &path).await;
    assert!(seen.body.contains("A decision of cfsp"), "Ukraine reads the circulated text: {}", seen.body);
    assert!(!seen.body.contains("share so far"), "positions are the members': {}", seen.body);
    take(&w, p, "DEU", Stance::Concur).await;
    take(&w, p, "NOR", Stance::Concur).await;
    let page = w.get(&fra, &path).await;
    assert!(page.body.contains(">not adopted<"), "{}", page.body);
    for (label, value) in [
        ("Members opting out", "1 of 3 (33.3 %); the text falls at 1/3: reached"),
        ("Their population", "43.1 % (68,000,000 of 157,500,000 persons); the text falls at 1/3: reached"),
        ("Population figures", "2024, from Test figures 2024"),
    ] {
        assert!(page.body.contains(&row(label, value)), "{label}: {}", page.body);
    }
    assert!(!without_denials(&page.body).contains("vote"), "{}", page.body);
}
