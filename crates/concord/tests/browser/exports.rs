//! The secretariat's support dashboard: the burden-share table from the GDP figures the demo
//! recorded, with their source named, and the IATI activity file its link downloads, which the
//! IATI 2.03 schema accepts.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burden_share_and_exports() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;

    sign_in(&c, &demo, "secretariat").await;
    c.goto(&format!("{}/support/dashboard", demo.url)).await.unwrap();
    wait_for_text(&c, "#burden-share h2", "Burden share").await;
    let section = text_of(&c, "#burden-share").await;
    assert!(section.contains("40000000000.00 EUR"), "the Washington pledge is the baseline: {section}");
    let source = text_of(&c, "#gdp-source").await;
    assert!(source.contains("IMF World Economic Outlook, October 2024"), "{source}");
    assert!(source.contains("2024") && source.contains("USD billion"), "{source}");
    let rows = c.find_all(Locator::Css("#burden-share tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 32, "a line for every member");
    let usa = c
        .execute(
            "return [...document.querySelectorAll('#burden-share tbody tr')].map(r => r.innerText).find(t => t.startsWith('USA')) || ''",
            vec![],
        )
        .await
        .unwrap();
    assert!(usa.as_str().unwrap_or_default().contains("29168"), "the USA's recorded GDP: {usa}");
    axe(&c, &tools, "support dashboard (burden share)").await;
    c.execute("document.getElementById('burden-share').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&c, "burden-share").await;

    // The IATI link downloads the file, with the secretariat's session.
    let link = c.find(Locator::Css("a[href='/exports/iati-activities.xml']")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    let fetched = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type') || '', await r.text()]))
               .catch(e => done([0, '', String(e)]));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    let (status, media_type, xml) = (&fetched[0], fetched[1].as_str().unwrap(), fetched[2].as_str().unwrap());
    assert_eq!(status, 200, "{xml}");
    assert!(media_type.starts_with("application/xml"), "{media_type}");
    assert_eq!(xml.matches("<iati-activity ").count(), 22, "one activity per pledge");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("iati-activities.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = root().join("../shared/reference/iati-2.03/iati-activities-schema.xsd");
    let check = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("xmllint runs (Debian package libxml2-utils)");
    assert!(check.status.success(), "not valid IATI 2.03: {}", String::from_utf8_lossy(&check.stderr));

    // Signed out, the file is not served (the demo does not set public_exports).
    sign_out(&c, &demo).await;
    let anonymous = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(anonymous, 401);
}
