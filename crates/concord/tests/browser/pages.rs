//! The main pages for every role, the partner's request, an amended revision and a broken
//! silence seen live in a second browser.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_chromium() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;

    // Signed out: only the sign-in page and the public log.
    c.goto(&format!("{}/", demo.url)).await.unwrap();
    wait_for_text(&c, "h1", "Sign in").await;
    axe(&c, &tools, "sign-in").await;
    screenshot(&c, "sign-in").await;

    // An observer reads every main page, accessibly, and can reach no form (an open proposal is
    // the members': it is not among them, below).
    sign_in(&c, &demo, "observer").await;
    for (path, name) in [
        ("/", "dashboard"),
        ("/proposals?q=troops", "proposals-search"),
        ("/proposals/1", "proposal-decided"),
        ("/members", "members"),
        ("/bodies", "bodies"),
        ("/bodies/npg", "body"),
        ("/bodies/illustrative-council", "body-voting"),
        ("/coalitions", "coalitions"),
        ("/support", "support"),
        ("/support/dashboard", "support-dashboard"),
        ("/log", "log"),
    ] {
        c.goto(&format!("{}{path}", demo.url)).await.unwrap();
        assert_eq!(post_forms(&c).await, 0, "{path}: an observer sees no form");
        axe(&c, &tools, path).await;
        screenshot(&c, name).await;
    }
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    assert!(text(&c).await.contains("There is no proposal 4"), "an open proposal is the members'");
    sign_out(&c, &demo).await;

    // A delegation in the illustrative council is asked for a vote, never a consensus stance.
    sign_in(&c, &demo, "fra").await;
    c.goto(&format!("{}/proposals/6", demo.url)).await.unwrap();
    wait_for_text(&c, "h1", "Illustrative vote").await;
    let choices = c
        .execute("return [...document.querySelectorAll('input[name=stance]')].map(i => i.value)", vec![])
        .await
        .unwrap();
    assert_eq!(choices, serde_json::json!(["yes", "no", "abstain", "not_participating"]), "the votes, and only them");
    axe(&c, &tools, "proposal (vote)").await;
    screenshot(&c, "proposal-vote").await;
    // France sits in the illustrative council: it reads who acts for whom (Belgium for
    // Luxembourg) and is offered the form to authorise its own proxy.
    c.goto(&format!("{}/bodies/illustrative-council", demo.url)).await.unwrap();
    wait_for_text(&c, "#proxies", "Authorise a proxy for FRA").await;
    assert!(text_of(&c, "#proxies").await.contains("LUX"), "Luxembourg's proxy is listed");
    axe(&c, &tools, "body (proxies form)").await;
    screenshot(&c, "body-proxies").await;
    // It does not sit in the Nuclear Planning Group: the group's proposal is not its to read.
    c.goto(&format!("{}/proposals/5", demo.url)).await.unwrap();
    assert!(text(&c).await.contains("There is no proposal 5"), "a body's business is its members'");
    sign_out(&c, &demo).await;
    sign_in(&c, &demo, "observer").await;
    c.goto(&format!("{}/support/dashboard", demo.url)).await.unwrap();
    let figures = c.find_all(Locator::Css("figure.chart svg")).await.unwrap();
    assert_eq!(figures.len(), 5, "five charts");
    c.goto(&format!("{}/proposals/new", demo.url)).await.unwrap();
    assert!(text(&c).await.contains("Not allowed"), "the drafting form is out of reach");
    assert_eq!(post_forms(&c).await, 0);
    sign_out(&c, &demo).await;

    // The partner files a request and sees its coverage.
    sign_in(&c, &demo, "ukraine").await;
    c.find(Locator::LinkText("Our requests")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "h1", "Support").await;
    axe(&c, &tools, "support (partner)").await;
    c.find(Locator::Css("#rq-category option[value=winter_equipment]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("rq-description")).await.unwrap().send_keys("Heated tents for field hospitals").await.unwrap();
    c.find(Locator::Id("rq-quantity")).await.unwrap().send_keys("250").await.unwrap();
    c.find(Locator::Id("rq-unit")).await.unwrap().send_keys("tents").await.unwrap();
    c.find(Locator::Css("#file-request button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#requests table", "Heated tents for field hospitals").await;
    let row = c
        .execute(
            "return [...document.querySelectorAll('#requests tbody tr')].map(r => r.innerText).find(t => t.includes('Heated tents')) || ''",
            vec![],
        )
        .await
        .unwrap();
    let row = row.as_str().unwrap();
    assert!(row.contains("open") && row.contains("0 % pledged") && row.contains("250 tents"), "{row}");
    screenshot(&c, "support-partner").await;
    // Proposal 4 was circulated to Ukraine too: its text and deadline, never the positions.
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    wait_for_text(&c, "#grid", "circulated the text and its deadline to you").await;
    assert!(text(&c).await.contains("generators, winter clothing and fuel"), "the circulated text");
    assert!(c.find_all(Locator::Css("#grid table")).await.unwrap().is_empty(), "no grid of positions");
    assert_eq!(post_forms(&c).await, 0, "the partner takes no position");
    axe(&c, &tools, "proposal (partner)").await;
    screenshot(&c, "proposal-partner").await;
    sign_out(&c, &demo).await;

    // The secretariat reads the population figures and the form that records them.
    sign_in(&c, &demo, "secretariat").await;
    c.goto(&format!("{}/populations", demo.url)).await.unwrap();
    wait_for_text(&c, "h1", "Population figures").await;
    assert!(text(&c).await.contains("Record a year"), "the secretariat's form");
    axe(&c, &tools, "populations (secretariat)").await;
    screenshot(&c, "populations").await;
    // The secretariat circulates an amended revision of the open proposal.
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    axe(&c, &tools, "proposal (secretariat)").await;
    let text_area = c.find(Locator::Id("amend_text")).await.unwrap();
    text_area.clear().await.unwrap();
    text_area
        .send_keys("The alliance's trust fund buys generators, winter clothing, fuel and field hospitals' heating for Ukraine's forces for the coming winter, within the non-lethal policy of the fund.")
        .await
        .unwrap();
    let deadline = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(96)).unwrap();
    let deadline = deadline.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M").to_string();
    set_value(&c, "amend_deadline", &deadline).await;
    c.find(Locator::Css("form[action$='/amend'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#text-h", "revision 2").await;
    let changes = c.find_all(Locator::Css("#revisions ins")).await.unwrap();
    assert!(!changes.is_empty(), "the added words are marked");
    screenshot(&c, "proposal-amended").await;
    sign_out(&c, &demo).await;

    // Another delegation's browser watches the proposal without reloading it.
    let watcher = browser(&tools, &driver).await;
    sign_in(&watcher, &demo, "deu").await;
    watcher.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    wait_for_text(&watcher, "#grid", "silent so far").await;
    let grid = text_of(&watcher, "#grid").await;
    assert!(grid.contains("FRA") && grid.contains("silent so far"), "{grid}");
    // The script shows the deadline in the viewer's zone too.
    let local = text_of(&watcher, "#summary [data-local-time]").await;
    assert!(local.contains("your time zone"), "{local:?}");

    // A delegation breaks silence: the grid and the outcome update.
    sign_in(&c, &demo, "fra").await;
    c.goto(&format!("{}/proposals/4", demo.url)).await.unwrap();
    axe(&c, &tools, "proposal (member)").await;
    screenshot(&c, "proposal-member-form").await;
    c.find(Locator::Id("stance-object")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("position-text"))
        .await
        .unwrap()
        .send_keys("France breaks silence: the heating needs costing first.")
        .await
        .unwrap();
    c.find(Locator::Css("#position button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#outcome", "blocked").await;
    let fra = c
        .execute("return [...document.querySelectorAll('#grid tbody tr')].map(r => r.innerText).find(t => t.startsWith('FRA')) || ''", vec![])
        .await
        .unwrap();
    assert!(fra.as_str().unwrap().contains("objected"), "{fra}");
    assert!(text_of(&c, "#outcome").await.contains("FRA objected"));
    screenshot(&c, "proposal-blocked").await;

    // The watcher's page updated itself (server-sent events), without a reload.
    wait_for_text(&watcher, "#grid", "objected").await;
    wait_for_text(&watcher, "#outcome", "blocked").await;
    screenshot(&watcher, "proposal-live-update").await;

    watcher.close().await.unwrap();
    c.close().await.unwrap();
}
