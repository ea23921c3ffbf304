//! A delegation awaiting instructions from its capital, on the web: the button beside the
//! position form, what the delegation is told after it, the grid and the dashboard that show it
//! to the secretariat and the members, and a partner's view that shows none of it.

mod common;

use common::{Web, cc};
use concord_core::{Actor, Command, DecisionKind, Marking, Procedure, ProposalId};
use concord_server::clock::Clock;
use jiff::SignedDuration;

const BUTTON: &str = "We are awaiting instructions from our capital";
const TOLD: &str = "You told the secretariat you are awaiting instructions (since ";
const CELL: &str = "awaiting instructions from its capital";

/// The grid's row of `member` in a proposal page.
fn row<'a>(body: &'a str, member: &str) -> &'a str {
    let start = body.find(&format!("<tr><th scope=\"row\">{member} ")).unwrap_or_else(|| panic!("no row {member}"));
    let row = &body[start..];
    &row[..row.find("</tr>").expect("the row ends")]
}

#[tokio::test]
async fn a_member_says_it_awaits_instructions_and_the_secretariat_sees_it_until_it_takes_a_position() {
    let w = Web::start().await;
    let (fra, deu, sec) = (w.login("fra").await, w.login("deu").await, w.login("sec").await);
    let page = w.get(&fra, "/proposals/1").await;
    assert!(page.body.contains(BUTTON), "{}", page.body);
    assert!(row(&page.body, "FRA").contains("silent so far"));

    // Without the session's token, nothing is recorded.
    let before = w.log_size().await;
    let note = [("await_note", "Paris answers on Friday.")];
    assert_eq!(w.post(&fra, "/proposals/1/instructions", &note).await.status, 403);
    assert_eq!(w.log_size().await, before);
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let form = [("csrf", csrf.as_str()), note[0]];
    let r = w.post(&fra, "/proposals/1/instructions", &form).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/proposals/1#position"), "{}", r.body);
    assert_eq!(w.log_size().await, before + 1, "one entry, and no decision");

    let page = w.get(&fra, "/proposals/1").await;
    assert!(page.body.contains(TOLD), "{}", page.body);
    assert!(page.body.contains("This is not a position: silence is not broken."), "{}", page.body);
    assert!(!page.body.contains(BUTTON), "said once; the position form stays");
    assert!(page.body.contains("Take a position"));

    // The secretariat's grid, and another member's, say so in France's row, with the note.
    for session in [&sec, &deu] {
        let page = w.get(session, "/proposals/1").await;
        let france = row(&page.body, "FRA");
        assert!(france.contains(CELL) && france.contains("Paris answers on Friday."), "{france}");
        assert!(!row(&page.body, "NOR").contains(CELL));
    }
    assert!(w.get(&deu, "/proposals/1").await.body.contains(BUTTON), "Germany has said nothing");
    let dashboard = w.get(&sec, "/").await;
    assert!(dashboard.body.contains("1 awaiting instructions"), "{}", dashboard.body);

    // France's position ends it, everywhere.
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let position = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur"), ("text", "")];
    assert_eq!(w.post(&fra, "/proposals/1/position", &position).await.status, 303);
    let page = w.get(&fra, "/proposals/1").await;
    assert!(!page.body.contains(TOLD) && !page.body.contains(BUTTON), "{}", page.body);
    let page = w.get(&sec, "/proposals/1").await;
    assert!(row(&page.body, "FRA").contains("concurred") && !row(&page.body, "FRA").contains(CELL));
    assert!(!w.get(&sec, "/").await.body.contains("awaiting instructions"));

    // After its position a delegation is offered no button, and a form sent anyway is refused.
    let before = w.log_size().await;
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let r = w.post(&fra, "/proposals/1/instructions", &[("csrf", csrf.as_str()), ("await_note", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("no longer awaiting instructions"), "{}", r.body);
    assert_eq!(w.log_size().await, before);
}

#[tokio::test]
async fn only_a_delegation_says_it_and_a_partner_reading_the_text_is_not_told() {
    let w = Web::start().await;
    let seq = w.app.sequencer();
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Routine,
        significance: None,
        title: "Winter fuel".into(),
        text: "Fuel for the winter, for Ukraine's grid.".into(),
    };
    seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let deadline = w.clock.now().checked_add(SignedDuration::from_hours(48)).unwrap();
    let circulate = Command::Circulate {
        proposal: ProposalId(2),
        procedure: Procedure::Silence,
        deadline,
        marking: Some(Marking::MembersAndPartner(cc("UKR"))),
        urgent: None,
    };
    seq.submit(Actor::Secretariat, None, circulate, None).await.unwrap();
    let (fra, ukr, sec) = (w.login("fra").await, w.login("ukraine").await, w.login("sec").await);
    let csrf = w.csrf(&fra, "/proposals/2").await;
    let form = [("csrf", csrf.as_str()), ("await_note", "Paris weighs the cost.")];
    assert_eq!(w.post(&fra, "/proposals/2/instructions", &form).await.status, 303);
    assert!(row(&w.get(&sec, "/proposals/2").await.body, "FRA").contains("Paris weighs the cost."));

    let seen = w.get(&ukr, "/proposals/2").await;
    assert_eq!(seen.status, 200);
    assert!(seen.body.contains("Fuel for the winter"), "the partner reads the text: {}", seen.body);
    for withheld in ["Paris weighs the cost.", "awaiting instructions", BUTTON] {
        assert!(!seen.body.contains(withheld), "{withheld}: {}", seen.body);
    }
    assert!(!w.get(&ukr, "/").await.body.contains("awaiting instructions"), "nor on its dashboard");

    // Neither the partner nor the secretariat may say it, and they are offered no button.
    assert!(!w.get(&sec, "/proposals/2").await.body.contains(BUTTON));
    let before = w.log_size().await;
    for session in [&ukr, &sec] {
        let csrf = w.csrf(session, "/proposals/2").await;
        let r = w.post(session, "/proposals/2/instructions", &[("csrf", csrf.as_str()), ("await_note", "")]).await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    assert_eq!(w.log_size().await, before);
}
