//! The web pages in real Chromium, driven over WebDriver (fantoccini → chromedriver) against
//! `concord demo` on a loopback port: an observer reads every main page and can reach no form;
//! the partner files a request and sees its coverage; the secretariat circulates an amended
//! revision; a delegation breaks silence and the grid and outcome update, also live (server-sent
//! events) in another browser that did not reload. Every page is checked with axe-core against
//! the WCAG 2.1 A and AA rules, and screenshots of the main pages go to `target/screenshots/`.
//!
//! Needs `chromium`, `chromedriver` and `target/npm/node_modules/axe-core` (installed by
//! `.ci/run`). Without them the test fails when `CI=true`, and is skipped with a notice otherwise.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The repository's root (`target/` for axe-core and the screenshots is there).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the test needs from the machine, or why it cannot run.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

fn tools() -> Result<Tools, String> {
    let path = |var: &str, default: &str| PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_owned()));
    let chromium = path("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = path("CHROMEDRIVER", "/usr/bin/chromedriver");
    let axe = path("AXE_CORE", &root().join("target/npm/node_modules/axe-core/axe.min.js").to_string_lossy());
    for p in [&chromium, &chromedriver] {
        if !p.exists() {
            return Err(format!("{} is missing: apt-get install -y chromium chromium-driver", p.display()));
        }
    }
    let axe = std::fs::read_to_string(&axe)
        .map_err(|e| format!("{}: {e}: npm install --prefix target/npm axe-core", axe.display()))?;
    Ok(Tools { chromium, chromedriver, axe })
}

/// `concord demo` on a free port, with its web logins.
struct Demo {
    child: Child,
    url: String,
    logins: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(common::BIN)
        .args(["demo", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("demo.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut logins) = (String::new(), HashMap::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["web", u, ..] => url = u.trim_end_matches('/').to_owned(),
            ["login", name, password] => {
                logins.insert((*name).to_owned(), (*password).to_owned());
            }
            ["Ctrl-C", ..] => break,
            _ => {}
        }
    }
    assert!(url.starts_with("http://127.0.0.1:"), "the demo prints its web address");
    assert_eq!(logins.len(), 8, "the demo prints a login per role: {logins:?}");
    Demo { child, url, logins, _dir: dir }
}

/// `chromedriver` on a free port, in a process group of its own: when dropped (also when a
/// failed assertion unwinds before the browsers were closed), the whole group is killed, so no
/// Chromium it started is left behind.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

async fn driver(tools: &Tools) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&tools.chromedriver)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let d = Driver { child, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(tools: &Tools, driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": tools.chromium.to_string_lossy(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The page's visible text.
async fn text(c: &Client) -> String {
    c.execute("return document.body.innerText", vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

/// The text of the element `css`.
async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Waits until the element `css` holds `needle` (the page may be updating itself).
async fn wait_for_text(c: &Client, css: &str, needle: &str) {
    for _ in 0..200 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if e.text().await.unwrap_or_default().contains(needle) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never showed {needle:?}; the page:\n{}", text(c).await);
}

/// Runs axe-core on the page: any WCAG 2.1 A or AA violation fails the test.
async fn axe(c: &Client, tools: &Tools, page: &str) {
    c.execute(&tools.axe, vec![]).await.unwrap();
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
          .catch(e => done(['axe failed: ' + e]));";
    let violations = c.execute_async(script, vec![]).await.unwrap();
    let violations: Vec<String> = serde_json::from_value(violations).unwrap();
    assert!(violations.is_empty(), "{page}: accessibility violations:\n{}", violations.join("\n"));
}

/// Saves a screenshot to `target/screenshots/{name}.png`.
async fn screenshot(c: &Client, name: &str) {
    let dir = root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
}

async fn sign_in(c: &Client, demo: &Demo, name: &str) {
    c.goto(&format!("{}/login", demo.url)).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys(name).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(&demo.logins[name]).await.unwrap();
    c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "header", &format!("Signed in as {name}")).await;
}

async fn sign_out(c: &Client, demo: &Demo) {
    c.goto(&format!("{}/", demo.url)).await.unwrap();
    c.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "h1", "Sign in").await;
}

/// Sets a form control's value (date pickers are typed differently in each locale).
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute("document.getElementById(arguments[0]).value = arguments[1]", vec![json!(id), json!(value)])
        .await
        .unwrap();
}

async fn post_forms(c: &Client) -> u64 {
    c.execute("return document.querySelectorAll('form[method=post]:not([action=\"/logout\"])').length", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_chromium() {
    let tools = match tools() {
        Ok(t) => t,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("browser tests cannot run in CI: {why}"),
        Err(why) => {
            eprintln!("skipping the browser tests: {why}");
            return;
        }
    };
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

    // The secretariat circulates an amended revision of the open proposal.
    sign_in(&c, &demo, "secretariat").await;
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
