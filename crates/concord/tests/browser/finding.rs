//! Finding things: a delegation pledges to the alliance fund and finds its pledge listed; a
//! search by a word of a proposal's text; the log in plain language, filtered, with the raw
//! entries behind disclosures; a decided proposal printed (Chromium's print media emulated);
//! the request-coverage chart's axes read from its SVG.

use serde_json::json;

use crate::harness::*;
use crate::widths::{Cdp, fits, viewport};

/// The values of a JavaScript expression's array, as strings.
async fn strings(c: &Client, script: &str) -> Vec<String> {
    serde_json::from_value(c.execute(script, vec![]).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_pledges_proposals_log_entries_decisions_and_chart_axes() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;
    sign_in(&c, &demo, "fra").await;

    // A delegation pledges winter equipment to the alliance's fund, and finds it listed.
    c.goto(&format!("{}/support", demo.url)).await.unwrap();
    axe(&c, &tools, "/support (delegation)").await;
    let fund = c
        .execute(
            "return [...document.querySelectorAll('#pl-fund option')].map(o => o.value).find(v => v !== '')",
            vec![],
        )
        .await
        .unwrap();
    let fund = fund.as_str().expect("the demo's fund is offered").to_owned();
    for (id, value) in [
        ("pl-recipient", "UKR"),
        ("pl-channel", "alliance_fund"),
        ("pl-fund", fund.as_str()),
        ("pl-category", "winter_equipment"),
    ] {
        set_value(&c, id, value).await;
    }
    for id in ["pl-capability", "pl-range", "pl-currency", "pl-valuation"] {
        // The first real choice of each list: nothing is preselected on a sovereign choice.
        c.execute(
            "const s = document.getElementById(arguments[0]); s.value = [...s.options].map(o => o.value).find(v => v !== '')",
            vec![json!(id)],
        )
        .await
        .unwrap();
    }
    set_value(&c, "pl-currency", "EUR").await;
    c.find(Locator::Id("pl-item")).await.unwrap().send_keys("Field generators for the finding journey").await.unwrap();
    c.find(Locator::Id("pl-quantity")).await.unwrap().send_keys("12").await.unwrap();
    c.find(Locator::Id("pl-value")).await.unwrap().send_keys("480000.00").await.unwrap();
    c.find(Locator::Css("#record-pledge button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#pledges-list", "Field generators for the finding journey").await;
    let row = c
        .execute(
            "return [...document.querySelectorAll('#pledges-list tbody tr')].map(r => r.innerText).find(t => t.includes('Field generators')) || ''",
            vec![],
        )
        .await
        .unwrap();
    let row = row.as_str().unwrap();
    assert!(row.contains("FRA") && row.contains("480000.00") && row.to_lowercase().contains("alliance fund"), "{row}");
    screenshot(&c, "finding-pledge-to-the-fund").await;

    // "unprecedented" is in proposal 1's text only, not in any title: the search finds it.
    c.goto(&format!("{}/proposals?q=unprecedented", demo.url)).await.unwrap();
    let found = text_of(&c, "#found").await;
    assert!(found.contains("no plans for alliance combat troops"), "{found}");
    assert!(!found.contains("Winter equipment for Ukraine"), "only the proposal whose text has the word: {found}");
    axe(&c, &tools, "/proposals?q=unprecedented").await;
    screenshot(&c, "finding-search-by-text").await;

    // The log in plain language: the positions, filtered by event type, read as sentences; no
    // raw JSON shows until a disclosure is opened.
    c.goto(&format!("{}/log?event=position_taken", demo.url)).await.unwrap();
    let sentences = strings(&c, "return [...document.querySelectorAll('td .words')].map(s => s.innerText)").await;
    assert!(!sentences.is_empty(), "the positions are listed");
    assert!(sentences.iter().any(|s| s.contains("concurred with proposal 1, revision 1")), "{sentences:?}");
    assert!(sentences.iter().all(|s| !s.contains('{')), "{sentences:?}");
    let kinds = strings(
        &c,
        "return [...document.querySelectorAll('table.log tbody tr td:nth-child(2)')].map(t => t.innerText)",
    )
    .await;
    assert!(kinds.iter().all(|k| k == "position taken"), "only positions: {kinds:?}");
    let visible = text(&c).await;
    assert!(!visible.contains("\"seq\"") && !visible.contains("{\""), "raw JSON visible before a disclosure is opened");
    axe(&c, &tools, "/log?event=position_taken").await;
    screenshot(&c, "finding-log-positions").await;
    c.find(Locator::Css("table.log details.raw summary")).await.unwrap().click().await.unwrap();
    let opened = text_of(&c, "table.log details.raw[open]").await;
    assert!(opened.contains("\"type\":\"position_taken\""), "the raw envelope behind the disclosure: {opened}");
    assert!(opened.contains("\"actor\""), "and the sealed content the delegation may read: {opened}");
    fits(&c, "/log with a disclosure open at 1280").await;
    screenshot(&c, "finding-log-raw-entry").await;

    // A decided proposal prints: with Chromium's print media emulated, the navigation, forms and
    // countdowns are gone, the decision stays, and its link to the log prints its address.
    c.goto(&format!("{}/proposals/1", demo.url)).await.unwrap();
    wait_for_text(&c, "#outcome", "adopted").await;
    c.issue_cmd(Cdp { cmd: "Emulation.setEmulatedMedia", params: json!({ "media": "print" }) }).await.unwrap();
    let printed = c
        .execute(
            "const shown = s => [...document.querySelectorAll(s)].some(e => getComputedStyle(e).display !== 'none');
             const link = document.querySelector('#outcome a[href^=\"/log\"]');
             return { print: window.matchMedia('print').matches, nav: shown('header.site'), forms: shown('main form'),
                      outcome: shown('#outcome'), after: link ? getComputedStyle(link, '::after').content : '' };",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(printed["print"], json!(true), "print media is emulated: {printed}");
    assert_eq!(printed["nav"], json!(false), "the navigation is not printed: {printed}");
    assert_eq!(printed["forms"], json!(false), "no form is printed: {printed}");
    assert_eq!(printed["outcome"], json!(true), "the decision is printed: {printed}");
    assert!(printed["after"].as_str().unwrap().contains("/log?before="), "the log's address is printed: {printed}");
    screenshot(&c, "finding-decision-printed").await;
    c.issue_cmd(Cdp { cmd: "Emulation.setEmulatedMedia", params: json!({ "media": "" }) }).await.unwrap();
    let screen = c.execute("return window.matchMedia('print').matches", vec![]).await.unwrap();
    assert_eq!(screen, json!(false), "back to the screen");

    // The request-coverage chart: categories along x, each labelled once; whole numbers of
    // requests up y; its axes say what they hold.
    c.goto(&format!("{}/support/dashboard", demo.url)).await.unwrap();
    axe(&c, &tools, "/support/dashboard").await;
    let texts =
        strings(&c, "return [...document.querySelectorAll('#coverage svg text')].map(t => t.textContent.trim())").await;
    let categories =
        strings(&c, "return [...document.querySelectorAll('#coverage tbody th')].map(t => t.textContent.trim())").await;
    assert!(!categories.is_empty(), "the demo has requests");
    let x_ticks = texts.iter().filter(|t| categories.contains(t)).count();
    assert_eq!(x_ticks, categories.len(), "one x label per category: {texts:?}");
    let y_ticks: Vec<f64> = texts.iter().filter_map(|t| t.parse().ok()).collect();
    assert!(y_ticks.len() >= 2, "{texts:?}");
    assert!(y_ticks.iter().all(|v| v.fract() == 0.0), "whole requests only: {y_ticks:?}");
    assert!(texts.iter().any(|t| t == "Category") && texts.iter().any(|t| t == "Requests (count)"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("Month")), "categories are not months: {texts:?}");
    // The chart over time: every month label it draws is a month of its table, the first one
    // included, and the table's amounts are in the unit its headers name (EUR, exactly).
    let months =
        strings(&c, "return [...document.querySelectorAll('#over-time tbody th')].map(t => t.textContent.trim())")
            .await;
    let drawn =
        strings(&c, "return [...document.querySelectorAll('#over-time svg text')].map(t => t.textContent.trim()).filter(t => /^\\d{4}-\\d{2}$/.test(t))").await;
    assert!(
        !drawn.is_empty() && drawn.iter().all(|m| months.contains(m)) && drawn[0] == months[0],
        "{drawn:?} of {months:?}"
    );
    let headers =
        strings(&c, "return [...document.querySelectorAll('#over-time thead th')].map(t => t.textContent.trim())")
            .await;
    assert!(headers.iter().skip(1).all(|h| h.ends_with("(EUR)")), "{headers:?}");
    let caption = text_of(&c, "#over-time figcaption").await;
    assert!(caption.contains("chart in EUR million, table in EUR"), "{caption}");
    for id in ["coverage", "donors", "channels", "over-time"] {
        // Each chart on its own, as it is drawn (the page's screenshot shows the first only).
        let figure = c.find(Locator::Id(id)).await.unwrap();
        let png = figure.screenshot().await.unwrap();
        std::fs::write(root().join(format!("target/screenshots/finding-chart-{id}.png")), png).unwrap();
    }
    viewport(&c, 390).await;
    c.refresh().await.unwrap();
    fits(&c, "/support/dashboard at 390").await;
    screenshot(&c, "finding-support-dashboard-390").await;
    viewport(&c, 1280).await;
    screenshot(&c, "finding-support-dashboard-1280").await;

    c.close().await.unwrap();
}
