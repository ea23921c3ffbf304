//! The support forms that give the web parity with the API: the secretariat forms a coalition
//! and a member delegation joins it, a donor reaches its pledge's status and correction forms,
//! and the partner confirms a delivery's receipt from its dashboard.

use crate::harness::*;

/// The visible text of the element `css`, or "" when there is none.
async fn maybe_text(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_forms_in_chromium() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;

    // The secretariat forms a coalition (the rules give that to the secretariat alone), led by
    // France; the demo has eight, so it is the ninth.
    sign_in(&c, &demo, "secretariat").await;
    c.goto(&format!("{}/coalitions", demo.url)).await.unwrap();
    wait_for_text(&c, "h1", "Coalitions").await;
    axe(&c, &tools, "coalitions (secretariat)").await;
    c.find(Locator::Id("co-name")).await.unwrap().send_keys("Training capability coalition").await.unwrap();
    c.find(Locator::Css("#co-capability option[value=training]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Id("co-leads")).await.unwrap().send_keys("FRA").await.unwrap();
    c.find(Locator::Css("#form-coalition")).await.unwrap();
    screenshot(&c, "coalitions-form").await;
    c.find(Locator::Css("#form-coalition button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#coalition-9", "Training capability coalition").await;
    assert!(text_of(&c, "#coalition-9").await.contains("FRA"), "led by France");
    sign_out(&c, &demo).await;

    // Germany joins it as a participant: nothing is chosen for it.
    sign_in(&c, &demo, "deu").await;
    c.goto(&format!("{}/coalitions", demo.url)).await.unwrap();
    wait_for_text(&c, "#coalition-9", "Join Training capability coalition").await;
    assert!(maybe_text(&c, "#form-coalition").await.is_empty(), "a member forms no coalition");
    let chosen = c.execute("return document.getElementById('jn-9-as').value", vec![]).await.unwrap();
    assert_eq!(chosen.as_str(), Some(""), "no way of joining is preselected");
    axe(&c, &tools, "coalitions (member)").await;
    c.find(Locator::Css("#jn-9-as option[value=participant]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#coalition-9 button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#coalition-9", "DEU, FRA").await;
    let row = text_of(&c, "#coalition-9").await;
    assert!(row.contains("Training capability coalition") && row.contains("DEU, FRA"), "both take part: {row}");
    axe(&c, &tools, "coalitions (joined)").await;

    // Its pledges: a status form per pledge, and the page to correct its deliveries.
    c.goto(&format!("{}/support?donor=DEU", demo.url)).await.unwrap();
    wait_for_text(&c, "#pledges", "Change status").await;
    axe(&c, &tools, "support (member, pledge forms)").await;
    c.find(Locator::Css("#pledges a[href^='/support/pledges/']")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "#deliveries", "Correct the deliveries").await;
    axe(&c, &tools, "pledge page").await;
    sign_out(&c, &demo).await;

    // Ukraine confirms the demo's first unconfirmed delivery (4) from its dashboard.
    sign_in(&c, &demo, "ukraine").await;
    c.goto(&format!("{}/", demo.url)).await.unwrap();
    wait_for_text(&c, "#todo", "Confirm receipt of delivery 4").await;
    assert!(text_of(&c, "#todo").await.contains("overdue"), "overdue requests listed");
    axe(&c, &tools, "dashboard (partner)").await;
    c.find(Locator::Id("note-4")).await.unwrap().send_keys("Received, in good order").await.unwrap();
    screenshot(&c, "partner-dashboard-confirm").await;
    c.find(Locator::Css("form[action='/support/deliveries/4/confirm'] button")).await.unwrap().click().await.unwrap();
    wait_for_text(&c, "h1", "Dashboard").await;
    let todo = text_of(&c, "#todo").await;
    assert!(!todo.contains("Delivery 4:") && !todo.contains("delivery 4"), "no longer waiting: {todo}");
    assert!(todo.contains("Confirm receipt of delivery 5"), "the others still wait: {todo}");
    assert!(todo.contains("overdue"), "overdue requests stay listed: {todo}");
    axe(&c, &tools, "dashboard (partner, confirmed)").await;
    sign_out(&c, &demo).await;

    // The observer reaches none of these forms.
    sign_in(&c, &demo, "observer").await;
    for path in ["/", "/coalitions", "/support"] {
        c.goto(&format!("{}{path}", demo.url)).await.unwrap();
        assert_eq!(post_forms(&c).await, 0, "{path}: an observer sees no form");
    }
    c.close().await.unwrap();
}
