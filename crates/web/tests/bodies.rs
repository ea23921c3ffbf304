//! Bodies on the web: each body's page says its rule in words and who takes part; the
//! secretariat drafts a proposal for a body, whose page then names the body and its rule.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use common::{Web, cc};
use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Chair, Command, Roster};
use concord_server::clock::Clock;

/// Establishes a body of every member but `except`, deciding by consensus.
async fn establish(w: &Web, id: &str, name: &str, except: &[&str], proxies: bool) {
    let body = Command::EstablishBody {
        id: BodyId::parse(id).unwrap(),
        name: name.into(),
        parent: None,
        roster: Roster::AllMembers { except: except.iter().map(|c| cc(c)).collect() },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
        proxies,
    };
    w.app.sequencer().submit(Actor::Secretariat, None, body, None).await.unwrap();
}

#[tokio::test]
async fn a_body_says_its_rule_and_roster_and_takes_drafts() {
    let w = Web::start().await;
    establish(&w, "npg", "Nuclear Planning Group", &["FRA"], false).await;
    let fra = w.login("fra").await;
    let list = w.get(&fra, "/bodies").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Nuclear Planning Group"), "{}", list.body);
    assert!(list.body.contains("every member but FRA"));
    let page = w.get(&fra, "/bodies/npg").await;
    assert!(page.body.contains("Consensus: every member must agree; one objection blocks. Nobody votes."));
    assert!(page.body.contains("DEU, NOR"), "today's roster, without France: {}", page.body);
    assert!(!page.body.contains("Draft a proposal for this body"), "a delegation drafts nothing");
    assert!(page.body.contains("<dt>Chair</dt><dd>None in office</dd>"), "{}", page.body);
    assert_eq!(w.get(&fra, "/bodies/nac").await.status, 404);

    // Norway chairs the group from now; the Council's chair is the secretariat's, announced for
    // a day ahead; each page says so.
    let seq = w.app.sequencer();
    let npg = Some(BodyId::parse("npg").unwrap());
    let nor = Command::AppointChair { body: npg, chair: Chair::Member { member: cc("NOR") }, from: None };
    seq.submit(Actor::Secretariat, None, nor, None).await.unwrap();
    let ahead = w.app.clock().now() + jiff::SignedDuration::from_hours(48);
    let council = Command::AppointChair { body: None, chair: Chair::Secretariat, from: Some(ahead) };
    seq.submit(Actor::Secretariat, None, council, None).await.unwrap();
    assert!(w.get(&fra, "/bodies/npg").await.body.contains("<dt>Chair</dt><dd>Norway</dd>"));
    let list = w.get(&fra, "/bodies").await.body;
    assert!(list.contains("<td>Norway</td>"), "{list}");
    assert!(list.contains("The principal body: chaired from "), "{list}");
    assert!(list.contains(" by the secretariat."), "{list}");

    let sec = w.login("sec").await;
    let form = w.get(&sec, "/proposals/new?body=npg").await;
    assert!(form.body.contains("<option value=\"npg\" selected>"), "{}", form.body);
    let csrf = w.csrf(&sec, "/proposals/new").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("body", "npg"),
        ("kind", "statement"),
        ("title", "Nuclear posture"),
        ("text", "The group agrees."),
    ];
    let r = w.post(&sec, "/proposals/new", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = w.get(&sec, "/proposals/2").await;
    assert!(shown.body.contains("Decided by <a href=\"/bodies/npg\">Nuclear Planning Group</a>"), "{}", shown.body);
    assert!(w.get(&sec, "/bodies/npg").await.body.contains("#2 Nuclear posture"));
    // A draft may follow a decision of the principal body (proposal 1), not the group's; the
    // number is read, and a refusal said beside it.
    let tries = [
        ("", "two", 422, "give the number of a proposal"),
        ("", "2", 422, "proposal 2 is npg&#39;s: a proposal follows only a decision of the principal body"),
        ("npg", "#1", 303, ""),
    ];
    for (body, follows, status, says) in tries {
        let fields = [
            ("csrf", csrf.as_str()),
            ("body", body),
            ("kind", "statement"),
            ("title", "Follow-up"),
            ("text", "Next."),
            ("follows", follows),
        ];
        let r = w.post(&sec, "/proposals/new", &fields).await;
        assert_eq!(r.status, status, "{}", r.body);
        if status == 422 {
            assert!(r.body.contains(says), "{}", r.body);
        }
    }
    let shown = w.get(&sec, "/proposals/3").await;
    assert!(shown.body.contains("Follows <a href=\"/proposals/1\">proposal 1: "), "{}", shown.body);

    // A body that does not exist is refused beside its field, the input kept.
    let bad = [("csrf", csrf.as_str()), ("body", "nac"), ("kind", "statement"), ("title", "Kept title"), ("text", "x")];
    let r = w.post(&sec, "/proposals/new", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Kept title"), "{}", r.body);
}

/// The dashboard and the proposals page are organised by body: `?body=` narrows both to one
/// body's proposals (`principal`: those drafted for no body), the body's page links them, and a
/// body that does not exist is said, not guessed.
#[tokio::test]
async fn the_dashboard_and_the_proposals_page_narrow_to_one_body() {
    let w = Web::start().await;
    let seq = w.app.sequencer();
    establish(&w, "npg", "Nuclear Planning Group", &["FRA"], false).await;
    let draft = Command::DraftProposal {
        body: Some(BodyId::parse("npg").unwrap()),
        follows: None,
        kind: concord_core::DecisionKind::Statement,
        significance: None,
        title: "Nuclear posture".into(),
        text: "The group agrees.".into(),
    };
    seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let deadline = w.clock.now().checked_add(jiff::SignedDuration::from_hours(48)).unwrap();
    let circulate = Command::Circulate {
        proposal: concord_core::ProposalId(2),
        procedure: concord_core::Procedure::Silence,
        deadline,
        marking: None,
        urgent: None,
    };
    seq.submit(Actor::Secretariat, None, circulate, None).await.unwrap();

    let deu = w.login("deu").await;
    let all = w.get(&deu, "/").await;
    assert!(all.body.contains("No combat troops") && all.body.contains("Nuclear posture"), "{}", all.body);
    let group = w.get(&deu, "/?body=npg").await;
    assert_eq!(group.status, 200);
    assert!(group.body.contains("<h1>Dashboard: Nuclear Planning Group</h1>"), "{}", group.body);
    assert!(group.body.contains("<option value=\"npg\" selected>"), "{}", group.body);
    assert!(group.body.contains("Nuclear posture — no position from DEU yet"), "its to-do: {}", group.body);
    assert!(!group.body.contains("No combat troops"), "another body's proposal: {}", group.body);
    let principal = w.get(&deu, "/?body=principal").await;
    assert!(principal.body.contains("No combat troops") && !principal.body.contains("Nuclear posture"));
    let unknown = w.get(&deu, "/?body=nac").await;
    assert_eq!(unknown.status, 200);
    assert!(
        unknown.body.contains("nac&#34; is not a body") || unknown.body.contains("nac&quot; is not a body"),
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("Nuclear posture"), "every body's, not a guess");

    let found = w.get(&deu, "/proposals?body=npg").await;
    assert!(found.body.contains("Nuclear posture") && !found.body.contains("No combat troops"), "{}", found.body);
    assert!(found.body.contains("<td>Nuclear Planning Group</td>"), "the body column: {}", found.body);
    // A page of results carries the body to the next page.
    for i in 0..50 {
        let draft = Command::DraftProposal {
            body: Some(BodyId::parse("npg").unwrap()),
            follows: None,
            kind: concord_core::DecisionKind::Statement,
            significance: None,
            title: format!("Group draft {i}"),
            text: "Drafted.".into(),
        };
        seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    }
    let sec = w.login("sec").await;
    let first = w.get(&sec, "/proposals?body=npg").await;
    assert!(first.body.contains("rel=\"next\""), "{}", first.body);
    assert!(first.body.contains("/proposals?body=npg&#38;after=51"), "the 50th is #51: {}", first.body);
    let found = w.get(&deu, "/proposals?body=principal").await;
    assert!(found.body.contains("No combat troops") && !found.body.contains("Nuclear posture"), "{}", found.body);
    let page = w.get(&deu, "/bodies/npg").await;
    assert!(page.body.contains("href=\"/?body=npg\"") && page.body.contains("href=\"/proposals?body=npg\""));
}

/// A member's own delegation authorises a proxy from the body's page and ends it there; a
/// refusal is shown beside its field with the input kept; the partner reads nothing of it.
#[tokio::test]
async fn a_delegation_authorises_and_ends_its_proxy_on_the_bodys_page() {
    let w = Web::start().await;
    establish(&w, "council", "Council", &[], true).await;
    let fra = w.login("fra").await;
    let page = w.get(&fra, "/bodies/council").await;
    assert!(page.body.contains("Authorise a proxy for FRA"), "{}", page.body);
    assert!(page.body.contains("<option value=\"DEU\">DEU Germany</option>"), "{}", page.body);
    assert!(!page.body.contains("<option value=\"FRA\">"), "not itself");
    let until = w.clock.now().checked_add(jiff::SignedDuration::from_hours(48)).unwrap();
    let until = until.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let csrf = w.csrf(&fra, "/bodies/council").await;
    // Without the session's token nothing is recorded, nor with a note that is not a signed one.
    let before = w.log_size().await;
    let forged = [("csrf", "wrong-token"), ("proxy", "DEU"), ("from", ""), ("until", until.as_str())];
    assert_eq!(w.post(&fra, "/bodies/council/proxies", &forged).await.status, 403);
    assert_eq!(w.post(&fra, "/bodies/council/proxies/end", &[("csrf", "wrong-token")]).await.status, 403);
    let unsigned_note = "concord/proxy/v1\norigin x\n";
    let fields = [
        ("csrf", csrf.as_str()),
        ("proxy", "DEU"),
        ("from", ""),
        ("until", until.as_str()),
        ("evidence", unsigned_note),
    ];
    let r = w.post(&fra, "/bodies/council/proxies", &fields).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("id=\"evidence-error\"") && r.body.contains("signed authorisation of a proxy"),
        "{}",
        r.body
    );
    assert_eq!(w.log_size().await, before, "nothing recorded");
    let fields = [("csrf", csrf.as_str()), ("proxy", "DEU"), ("from", ""), ("until", until.as_str()), ("evidence", "")];
    let r = w.post(&fra, "/bodies/council/proxies", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, "/bodies/council#proxies");
    let page = w.get(&fra, "/bodies/council").await;
    assert!(page.body.contains("<td>FRA</td><td>DEU</td>"), "{}", page.body);
    assert!(page.body.contains("<td>running</td>"), "{}", page.body);

    // A second authorisation over the same period is refused beside the proxy, kept as typed.
    let fields = [("csrf", csrf.as_str()), ("proxy", "NOR"), ("from", ""), ("until", until.as_str()), ("evidence", "")];
    let r = w.post(&fra, "/bodies/council/proxies", &fields).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"proxy-error\"") && r.body.contains("DEU already acts for FRA then"), "{}", r.body);
    assert!(r.body.contains("<option value=\"NOR\" selected>"), "{}", r.body);
    let bad = [("csrf", csrf.as_str()), ("proxy", "NOR"), ("from", ""), ("until", "next week"), ("evidence", "")];
    let r = w.post(&fra, "/bodies/council/proxies", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"until-error\""), "{}", r.body);

    // Germany reads who acts for whom; the partner does not, and may not post.
    let deu = w.login("deu").await;
    let page = w.get(&deu, "/bodies/council").await;
    assert!(page.body.contains("<td>FRA</td><td>DEU</td>") && page.body.contains("Authorise a proxy for DEU"));
    assert!(!page.body.contains("authorisation now</button>"), "DEU has none to end");
    let ukraine = w.login("ukraine").await;
    let page = w.get(&ukraine, "/bodies/council").await;
    assert!(page.body.contains("Who acts for whom is for the body's members.") && !page.body.contains("<td>FRA</td>"));
    let csrf_ukr = w.csrf(&ukraine, "/bodies/council").await;
    let fields = [("csrf", csrf_ukr.as_str()), ("proxy", "DEU"), ("from", ""), ("until", until.as_str())];
    assert_eq!(w.post(&ukraine, "/bodies/council/proxies", &fields).await.status, 403);

    w.clock.advance(jiff::SignedDuration::from_hours(1));
    let r = w.post(&fra, "/bodies/council/proxies/end", &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get(&fra, "/bodies/council").await;
    assert!(page.body.contains("<td>over</td>") && !page.body.contains("authorisation now</button>"), "{}", page.body);
}

/// The secretariat records a year's figures on `/populations`, pasted as `member,population`
/// lines; a line that is not one is refused beside the figures, the input kept; a delegation
/// reads the figures and is given no form.
#[tokio::test]
async fn the_secretariat_records_population_figures_on_the_web() {
    let w = Web::start().await;
    let sec = w.login("sec").await;
    let empty = w.get(&sec, "/populations").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No population figures are recorded.") && empty.body.contains("Record a year"));
    let csrf = w.csrf(&sec, "/populations").await;
    let before = w.log_size().await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("year", "2024"),
        ("source", "Eurostat, 1 January 2024"),
        ("figures", "member,population\r\nFRA,68 402 000\r\nDEU,many\r\n"),
    ];
    let r = w.post(&sec, "/populations", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"figures-error\"") && r.body.contains("line 3"), "{}", r.body);
    assert!(r.body.contains("Eurostat, 1 January 2024"), "kept: {}", r.body);
    assert_eq!(w.log_size().await, before, "a refused form records nothing");
    let good = [
        ("csrf", csrf.as_str()),
        ("year", "2024"),
        ("source", "Eurostat, 1 January 2024"),
        ("figures", "member,population\r\nFRA,68 402 000\r\nDEU,83 445 000\r\nNOR,5 550 203\r\n"),
    ];
    let r = w.post(&sec, "/populations", &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, "/populations?year=2024");
    let fra = w.login("fra").await;
    let page = w.get(&fra, "/populations?year=2024").await;
    assert!(page.body.contains("From Eurostat, 1 January 2024."), "{}", page.body);
    assert!(page.body.contains("83,445,000"), "{}", page.body);
    assert!(!page.body.contains("Record a year"), "a delegation records nothing");
    let csrf = w.csrf(&fra, "/populations").await;
    assert_eq!(w.post(&fra, "/populations", &[("csrf", csrf.as_str()), ("year", "2025")]).await.status, 403);
    let missing = w.get(&fra, "/populations?year=1990").await;
    assert!(missing.body.contains("No figures are recorded for"), "{}", missing.body);
}

/// The NATO-Ukraine Council: Ukraine takes part as the allies do. Its dashboard lists the
/// council's proposal as owing its position, the proposal's page offers it the position form and
/// the grid, and the position it sends is recorded as its own, shown to the allies by name.
#[tokio::test]
async fn a_partner_taking_part_in_a_body_takes_its_position_on_the_web() {
    let w = Web::start().await;
    let seq = w.app.sequencer();
    let nuc = Command::EstablishBody {
        id: BodyId::parse("nuc").unwrap(),
        name: "NATO-Ukraine Council".into(),
        parent: None,
        roster: Roster::WithPartners { except: Vec::new(), partners: vec![cc("UKR")] },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
        proxies: false,
    };
    seq.submit(Actor::Secretariat, None, nuc, None).await.unwrap();
    let draft = Command::DraftProposal {
        body: Some(BodyId::parse("nuc").unwrap()),
        follows: None,
        kind: concord_core::DecisionKind::Statement,
        significance: None,
        title: "Air defence coordination".into(),
        text: "The council agrees.".into(),
    };
    seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let deadline = w.clock.now().checked_add(jiff::SignedDuration::from_hours(72)).unwrap();
    let circulate = Command::Circulate {
        proposal: concord_core::ProposalId(2),
        procedure: concord_core::Procedure::ConsensusRound,
        deadline,
        marking: None,
        urgent: None,
    };
    seq.submit(Actor::Secretariat, None, circulate, None).await.unwrap();

    let ukraine = w.login("ukraine").await;
    assert!(w.get(&ukraine, "/bodies/nuc").await.body.contains("every member, and UKR as partner"));
    let dashboard = w.get(&ukraine, "/").await;
    assert!(
        dashboard.body.contains("Proposal 2: Air defence coordination — no position from UKR yet"),
        "{}",
        dashboard.body
    );
    let page = w.get(&ukraine, "/proposals/2").await;
    assert!(page.body.contains("name=\"stance\""), "the position form: {}", page.body);
    assert_eq!(w.get(&ukraine, "/proposals/1").await.status, 404, "the principal body's business is the members'");

    let csrf = w.csrf(&ukraine, "/proposals/2").await;
    // It may first say it awaits instructions from Kyiv, as a delegation does.
    let awaiting = [("csrf", csrf.as_str()), ("await_note", "Kyiv answers tomorrow.")];
    assert_eq!(w.post(&ukraine, "/proposals/2/instructions", &awaiting).await.status, 303);
    assert!(w.get(&ukraine, "/proposals/2").await.body.contains("Kyiv answers tomorrow."));
    let position = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur"), ("text", "")];
    let r = w.post(&ukraine, "/proposals/2/position", &position).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let stored = w.app.view().await.state.proposals[&concord_core::ProposalId(2)].clone();
    assert_eq!(stored.positions[&cc("UKR")].stance, concord_core::Stance::Concur);
    let fra = w.login("fra").await;
    let grid = w.get(&fra, "/proposals/2").await;
    assert!(grid.body.contains("Ukraine"), "Ukraine's row in the grid, by name: {}", grid.body);
}
