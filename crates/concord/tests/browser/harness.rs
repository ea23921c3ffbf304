//! What every browser test shares: the tools it needs, `concord demo` on a free port,
//! chromedriver and Chromium sessions, reading the page, axe-core and screenshots.

#![allow(dead_code)] // each test module uses part of it

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The repository's root (`target/` for axe-core and the screenshots is there).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the test needs from the machine, or why it cannot run.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub axe: String,
}

pub fn tools() -> Result<Tools, String> {
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
pub struct Demo {
    pub child: Child,
    pub url: String,
    pub logins: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(crate::common::BIN)
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
pub struct Driver {
    pub child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

pub async fn driver(tools: &Tools) -> Driver {
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

pub async fn browser(tools: &Tools, driver: &Driver) -> Client {
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
pub async fn text(c: &Client) -> String {
    c.execute("return document.body.innerText", vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

/// The text of the element `css`.
pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Waits until the element `css` holds `needle` (the page may be updating itself).
pub async fn wait_for_text(c: &Client, css: &str, needle: &str) {
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
pub async fn axe(c: &Client, tools: &Tools, page: &str) {
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
pub async fn screenshot(c: &Client, name: &str) {
    let dir = root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
}

pub async fn sign_in(c: &Client, demo: &Demo, name: &str) {
    c.goto(&format!("{}/login", demo.url)).await.unwrap();
    c.find(Locator::Id("name")).await.unwrap().send_keys(name).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(&demo.logins[name]).await.unwrap();
    c.find(Locator::Css("main button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "header", &format!("Signed in as {name}")).await;
}

pub async fn sign_out(c: &Client, demo: &Demo) {
    c.goto(&format!("{}/", demo.url)).await.unwrap();
    c.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    wait_for_text(c, "h1", "Sign in").await;
}

/// Sets a form control's value (date pickers are typed differently in each locale).
pub async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute("document.getElementById(arguments[0]).value = arguments[1]", vec![json!(id), json!(value)])
        .await
        .unwrap();
}

pub async fn post_forms(c: &Client) -> u64 {
    c.execute("return document.querySelectorAll('form[method=post]:not([action=\"/logout\"])').length", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

/// The tools, or `None` (with a notice) when they are missing outside CI; in CI a missing
/// browser fails the test.
pub fn tools_or_skip() -> Option<Tools> {
    match tools() {
        Ok(t) => Some(t),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("browser tests cannot run in CI: {why}"),
        Err(why) => {
            eprintln!("skipping the browser tests: {why}");
            None
        }
    }
}
