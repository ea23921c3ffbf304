//! The log page's filters (by proposal, by member, by event type): they return only matching
//! rows, keep the filter on the paging links, and never show a viewer an entry it could not
//! read; the raw entry stays behind a disclosure.

mod common;

use common::Web;
use concord_core::{Actor, Command, DecisionKind};

/// The plain-language sentences of the page's rows, in order.
fn sentences(body: &str) -> Vec<String> {
    body.split("<span class=\"words\">")
        .skip(1)
        .map(|s| s.split("</span>").next().expect("split yields one part").to_owned())
        .collect()
}

/// The page's rows: their event types, in order.
fn kinds(body: &str) -> Vec<String> {
    body.split("<tr><td class=\"num\">")
        .skip(1)
        .map(|row| row.split("</td><td>").nth(1).expect("a row has its event type").to_owned())
        .collect()
}

/// The target of the link labelled `label`, unescaped.
fn link(body: &str, label: &str) -> Option<String> {
    let end = body.find(&format!("\">{label}</a>"))?;
    let start = body[..end].rfind("href=\"")? + "href=\"".len();
    Some(body[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

/// Positions from FRA and DEU on proposal 1, and 30 more drafts (proposals 2 to 31).
async fn busy(w: &Web) {
    for who in ["fra", "deu"] {
        let s = w.login(who).await;
        let csrf = w.csrf(&s, "/proposals/1").await;
        let form = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur"), ("text", "")];
        assert_eq!(w.post(&s, "/proposals/1/position", &form).await.status, 303, "{who}");
    }
    for n in 2..=31 {
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Routine,
            significance: None,
            title: format!("Draft number {n}"),
            text: "A text.".into(),
        };
        w.app.sequencer().submit(Actor::Secretariat, None, draft, None).await.expect("a draft is recorded");
    }
}

#[tokio::test]
async fn an_event_type_filter_shows_only_that_type_and_keeps_it_on_the_paging_links() {
    let w = Web::start().await;
    busy(&w).await;
    let sec = w.login("sec").await;
    let first = w.get(&sec, "/log?event=proposal_drafted").await;
    assert_eq!(first.status, 200);
    let rows = kinds(&first.body);
    assert_eq!(rows.len(), 25, "a full page: {rows:?}");
    assert!(rows.iter().all(|k| k == "proposal drafted"), "{rows:?}");
    assert!(first.body.contains("<option value=\"proposal_drafted\" selected>"), "the choice is kept");
    let older = link(&first.body, "Older entries").expect("a link to older drafts");
    assert!(older.contains("event=proposal_drafted"), "{older}");
    let second = w.get(&sec, &older).await;
    let rows = kinds(&second.body);
    assert_eq!(rows.len(), 6, "31 drafts in all: {rows:?}");
    assert!(rows.iter().all(|k| k == "proposal drafted"), "{rows:?}");
    assert!(link(&second.body, "Older entries").is_none(), "nothing older matches");
    let newer = link(&second.body, "Newer entries").expect("a way back");
    assert!(newer.contains("event=proposal_drafted"), "{newer}");
    assert_eq!(kinds(&w.get(&sec, &newer).await.body), kinds(&first.body), "back to the first page");
}

#[tokio::test]
async fn a_proposal_filter_shows_only_entries_about_that_proposal() {
    let w = Web::start().await;
    busy(&w).await;
    let deu = w.login("deu").await;
    let page = w.get(&deu, "/log?proposal=1").await;
    let words = sentences(&page.body);
    // Its draft, its circulation and both positions.
    assert_eq!(words.len(), 4, "{words:?}");
    for s in &words {
        assert!(s.contains("proposal 1,") || s.contains("proposal 1:"), "{s}");
    }
    assert!(words.iter().any(|s| s.starts_with("FRA concurred with proposal 1")), "{words:?}");
    assert!(!page.body.contains("Draft number"), "no other proposal");
    // Proposal 2 is a draft the secretariat has not circulated: a member's filter finds nothing,
    // the secretariat's finds the draft.
    let member = w.get(&deu, "/log?proposal=2").await;
    assert!(sentences(&member.body).is_empty() && member.body.contains("No entries match"), "{}", member.body);
    let sec = w.get(&w.login("sec").await, "/log?proposal=2").await;
    assert_eq!(sentences(&sec.body), ["The secretariat drafted proposal 2, routine: \u{201c}Draft number 2\u{201d}."]);
}

#[tokio::test]
async fn a_member_filter_shows_only_entries_naming_that_member() {
    let w = Web::start().await;
    busy(&w).await;
    let fra = w.login("fra").await;
    let page = w.get(&fra, "/log?member=fra").await;
    let words = sentences(&page.body);
    assert_eq!(words.len(), 2, "its admission and its position: {words:?}");
    assert!(words.iter().all(|s| s.contains("FRA")), "{words:?}");
    assert!(page.body.contains("value=\"fra\""), "the input is kept as typed");
    assert!(!words.iter().any(|s| s.contains("DEU")), "{words:?}");
}

#[tokio::test]
async fn a_signed_out_viewer_filters_only_what_it_may_read() {
    let w = Web::start().await;
    busy(&w).await;
    // The positions and the proposal's entries are for the members: the public's filters find
    // none of them, though a member's find them.
    for (who, session) in [("public", String::new()), ("observer", w.login("obs").await)] {
        let by_proposal = w.get(&session, "/log?proposal=1").await;
        assert_eq!(by_proposal.status, 200, "{who}");
        assert!(kinds(&by_proposal.body).is_empty(), "{who}: {:?}", kinds(&by_proposal.body));
        assert!(by_proposal.body.contains("No entries match"), "{who}");
        let by_member = w.get(&session, "/log?member=FRA").await;
        let rows = kinds(&by_member.body);
        assert_eq!(rows, ["member admitted"], "{who}: only the public admission");
        // The event type is in the envelope everyone sees: the positions are listed, withheld.
        let positions = w.get(&session, "/log?event=position_taken").await;
        assert_eq!(kinds(&positions.body).len(), 2, "{who}");
        assert!(sentences(&positions.body).is_empty(), "{who}: no content");
        assert!(positions.body.contains("withheld from you"), "{who}");
    }
    assert_eq!(sentences(&w.get(&w.login("deu").await, "/log?event=position_taken").await.body).len(), 2);
}

#[tokio::test]
async fn a_filter_that_cannot_be_read_is_refused_beside_the_form_with_the_input_kept() {
    let w = Web::start().await;
    let page = w.get("", "/log?proposal=three").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("A proposal is its number"), "{}", page.body);
    assert!(page.body.contains("value=\"three\""), "kept");
    assert!(kinds(&page.body).is_empty());
}

#[tokio::test]
async fn the_raw_entry_is_behind_a_disclosure() {
    let w = Web::start().await;
    busy(&w).await;
    let page = w.get(&w.login("deu").await, "/log?proposal=1").await;
    assert!(page.body.contains("<details class=\"raw\"><summary>Raw entry"), "{}", page.body);
    // Outside the disclosures there is no JSON: every envelope and sealed part is inside one.
    let mut outside = String::new();
    let mut rest = page.body.as_str();
    while let Some(start) = rest.find("<details") {
        outside.push_str(&rest[..start]);
        let end = rest[start..].find("</details>").expect("closed") + start + "</details>".len();
        rest = &rest[end..];
    }
    outside.push_str(rest);
    let raw = page.body.split("<details class=\"raw\">").nth(1).unwrap_or_default();
    assert!(raw.contains("&#34;seq&#34;") || raw.contains("&quot;seq&quot;"), "the raw entry is there: {raw}");
    for json in ["&#34;seq&#34;", "&quot;seq&quot;", "\"seq\"", "&#34;actor&#34;", "&quot;actor&quot;"] {
        assert!(!outside.contains(json), "{json} outside a disclosure");
    }
    assert!(sentences(&page.body).iter().any(|s| s.contains("concurred with proposal 1")));
}
