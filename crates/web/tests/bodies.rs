//! Bodies on the web: each body's page says its rule in words and who takes part; the
//! secretariat drafts a proposal for a body, whose page then names the body and its rule.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use common::{Web, cc};
use concord_core::decision_rule::Rule;
use concord_core::{Actor, BodyId, Command, Roster};

#[tokio::test]
async fn a_body_says_its_rule_and_roster_and_takes_drafts() {
    let w = Web::start().await;
    let npg = Command::EstablishBody {
        id: BodyId::parse("npg").unwrap(),
        name: "Nuclear Planning Group".into(),
        parent: None,
        roster: Roster::AllMembers { except: vec![cc("FRA")] },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: Rule::Consensus,
        proxies: false,
    };
    w.app.sequencer().submit(Actor::Secretariat, None, npg, None).await.unwrap();
    let fra = w.login("fra").await;
    let list = w.get(&fra, "/bodies").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Nuclear Planning Group"), "{}", list.body);
    assert!(list.body.contains("every member but FRA"));
    let page = w.get(&fra, "/bodies/npg").await;
    assert!(page.body.contains("Consensus: every member must agree; one objection blocks. Nobody votes."));
    assert!(page.body.contains("DEU, NOR"), "today's roster, without France: {}", page.body);
    assert!(!page.body.contains("Draft a proposal for this body"), "a delegation drafts nothing");
    assert_eq!(w.get(&fra, "/bodies/nac").await.status, 404);

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
    // A body that does not exist is refused beside its field, the input kept.
    let bad = [("csrf", csrf.as_str()), ("body", "nac"), ("kind", "statement"), ("title", "Kept title"), ("text", "x")];
    let r = w.post(&sec, "/proposals/new", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Kept title"), "{}", r.body);
}
