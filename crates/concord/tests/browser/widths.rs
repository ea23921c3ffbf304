//! Every main page, for every role, at 1,280 and at 390 px wide: a screenshot of each in
//! `target/screenshots/<page>-<role>-<width>.png`, and no page wider than its viewport (a
//! wide table scrolls inside its own region instead).

use serde_json::json;

use crate::harness::*;

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
pub struct Cdp {
    pub cmd: &'static str,
    pub params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &reqwest::Url, session: Option<&str>) -> Result<reqwest::Url, url_error::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// `url::ParseError`, named through reqwest's re-export of the `url` crate.
mod url_error {
    pub type ParseError = <reqwest::Url as std::str::FromStr>::Err;
}

/// Makes the viewport `width` px wide: the window is resized, and where the window cannot be
/// made that narrow, the viewport is emulated at that width as a phone's would be.
pub async fn viewport(c: &Client, width: u32) {
    c.set_window_size(width, 900).await.unwrap();
    let inner = c.execute("return window.innerWidth", vec![]).await.unwrap().as_u64().unwrap();
    if inner == u64::from(width) {
        c.issue_cmd(Cdp { cmd: "Emulation.clearDeviceMetricsOverride", params: json!({}) }).await.unwrap();
        return;
    }
    c.issue_cmd(Cdp {
        cmd: "Emulation.setDeviceMetricsOverride",
        params: json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
    })
    .await
    .unwrap();
}

/// The page is no wider than its viewport; if it is, which elements stick out.
pub async fn fits(c: &Client, what: &str) {
    let r = c
        .execute(
            "const w = window.innerWidth;
             const over = [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > w + 0.5 && !e.closest('.scroll, figure.chart .table'))
               .slice(0, 8)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className : '') + ' → ' + Math.round(e.getBoundingClientRect().right));
             return [document.documentElement.scrollWidth, w, over];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (r[0].as_u64().unwrap(), r[1].as_u64().unwrap());
    assert!(scroll <= inner, "{what}: the page is {scroll} px wide in a {inner} px viewport; sticking out: {}", r[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_its_viewport_at_1280_and_390() {
    let Some(tools) = tools_or_skip() else { return };
    let demo = demo();
    let driver = driver(&tools).await;
    let c = browser(&tools, &driver).await;

    // Signed out: the sign-in page (every other page sends there, but the log).
    for width in [1280, 390] {
        viewport(&c, width).await;
        for (path, page) in [("/login", "login"), ("/log", "log")] {
            c.goto(&format!("{}{path}", demo.url)).await.unwrap();
            screenshot(&c, &format!("{page}-signed-out-{width}")).await;
            fits(&c, &format!("{path} signed out at {width}")).await;
        }
        axe(&c, &tools, &format!("/log signed out at {width}")).await;
    }

    for (role, proposal) in [
        ("observer", "/proposals/1"),
        ("fra", "/proposals/4"),
        ("secretariat", "/proposals/4"),
        ("ukraine", "/proposals/4"),
    ] {
        viewport(&c, 1280).await;
        sign_in(&c, &demo, role).await;
        for width in [1280, 390] {
            viewport(&c, width).await;
            for (path, page) in [
                ("/", "dashboard"),
                ("/proposals", "proposals"),
                (proposal, "proposal"),
                ("/members", "members"),
                ("/bodies/npg", "body"),
                ("/bodies/illustrative-council", "body-voting"),
                ("/populations", "populations"),
                ("/coalitions", "coalitions"),
                ("/support", "support"),
                ("/support/dashboard", "support-dashboard"),
                ("/support/pledges/1", "pledge"),
                ("/proposals/new", "new-proposal"),
                ("/log", "log"),
            ] {
                c.goto(&format!("{}{path}", demo.url)).await.unwrap();
                let what = format!("{path} as {role} at {width}");
                screenshot(&c, &format!("{page}-{role}-{width}")).await;
                fits(&c, &what).await;
                if width == 390 {
                    // The narrow layout is as accessible as the wide one (the scrolling regions
                    // are focusable and named).
                    axe(&c, &tools, &what).await;
                }
            }
            // The chart tables are never clipped: they fit their own box at either width.
            c.goto(&format!("{}/support/dashboard", demo.url)).await.unwrap();
            let clipped = c
                .execute(
                    "return [...document.querySelectorAll('figure.chart .table')]
                       .filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.closest('figure').id)",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(clipped, json!([]), "chart tables clipped as {role} at {width}");
        }
        viewport(&c, 1280).await;
        sign_out(&c, &demo).await;
    }
    c.close().await.unwrap();
}
