//! A blocked proposal taken back into negotiation and adopted in a second round under a new,
//! urgent silence (issue 17, items 2–4): the secretariat reopens and revises it, the deployment's
//! minimum silence refuses a short deadline until the urgency is stated, the delegation that
//! objected is told its position lapsed and what changed, deadlines show their seconds, and the
//! decision history shows both rounds.

use std::time::Duration;

use crate::harness::*;

/// Clicks the submit button of the form posting to `action` (a path ending).
async fn submit(c: &Client, action: &str) {
    let css = format!("form[action$='{action}'] button[type=submit]");
    c.find(Locator::Css(&css)).await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_proposal_is_revised_and_adopted_in_a_second_round() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;

    // France breaks silence on the open proposal: blocked.
    sign_in(&c, &demo, "fra").await;
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    c.find(Locator::Id("stance-object")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("position-text")).await.unwrap().send_keys("France needs the heating costed.").await.unwrap();
    c.find(Locator::Css("#position button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#outcome", "blocked").await;
    sign_out(&c, &demo).await;

    // The secretariat is told, takes it back into negotiation and revises the text.
    sign_in(&c, &demo, "secretariat").await;
    wait_for_text(&c, "main", "take it back into negotiation").await;
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    c.find(Locator::Id("reopen_reason")).await.unwrap().send_keys("The heating is costed with France.").await.unwrap();
    submit(&c, "/reopen").await;
    wait_for_text(&c, "#outcome", "Back in negotiation").await;
    assert!(text_of(&c, "#outcome").await.contains("Round 1, revision 1"), "the first round stays in the history");
    let text_area = c.find(Locator::Id("amend_text")).await.unwrap();
    text_area.clear().await.unwrap();
    text_area
        .send_keys("The alliance's trust fund buys generators, winter clothing and fuel for Ukraine's forces, and heating costed at EUR 2 million.")
        .await
        .unwrap();
    submit(&c, "/amend").await;
    wait_for_text(&c, "#text-h", "revision 2").await;
    axe(&c, &tools, "proposal (negotiating)").await;
    screenshot(&c, "proposal-negotiating").await;

    // A 40-second silence is under the demo's one-day minimum: refused until the urgency is said.
    let deadline = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_secs(40)).unwrap();
    let deadline = deadline.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    set_value(&c, "deadline", &deadline).await;
    submit(&c, "/circulate").await;
    wait_for_text(&c, "#deadline-error", "shorter than this deployment's minimum of 24h").await;
    c.find(Locator::Id("urgent")).await.unwrap().send_keys("The winter offensive starts this week.").await.unwrap();
    submit(&c, "/circulate").await;
    wait_for_text(&c, "#summary", "Urgent procedure").await;
    let shown = text_of(&c, "#summary time").await;
    assert_eq!(shown, format!("{} {} UTC", &deadline[..10], &deadline[11..]), "the deadline to the second");
    assert!(text_of(&c, "#outcome").await.contains("Round 2"));
    sign_out(&c, &demo).await;

    // France is told its objection lapsed, and what changed.
    sign_in(&c, &demo, "fra").await;
    wait_for_text(&c, "main", "your position on revision 1 no longer counts").await;
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    wait_for_text(&c, "#lapsed", "Your position on revision 1 (objected").await;
    assert!(!c.find_all(Locator::Css("#lapsed ins")).await.unwrap().is_empty(), "the added words are marked");
    axe(&c, &tools, "proposal (lapsed position)").await;
    screenshot(&c, "proposal-lapsed-position").await;

    // Nobody breaks silence: adopted at the deadline, with both rounds in the history.
    let mut adopted = false;
    for _ in 0..90 {
        c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
        if !c.find_all(Locator::Css("#outcome .out-adopted")).await.unwrap().is_empty() {
            adopted = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(adopted, "adopted at the deadline:\n{}", text(&c).await);
    let outcome = text_of(&c, "#outcome").await;
    assert!(outcome.contains("Round 1, revision 1") && outcome.contains("blocked"), "{outcome}");
    assert!(outcome.contains("Concurred by silence") && outcome.contains("FRA"), "{outcome}");
    axe(&c, &tools, "proposal (second round adopted)").await;
    screenshot(&c, "proposal-second-round-adopted").await;
    c.close().await.unwrap();
}
