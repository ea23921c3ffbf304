//! Time to first byte and page weight of the main web pages, against a running server with
//! the demo data, or with a synthetic history at scale served by `concord demo --db` on a
//! database `concord synth` wrote (`BENCHMARKS.md`, "Web pages"):
//!
//! ```text
//! cargo run --release -- demo --db /tmp/bench/demo.db --addr 127.0.0.1:8080 &
//! cargo run --release -p concord-web --example page_weight -- http://127.0.0.1:8080 \
//!     observer "$(grep '^observer ' /tmp/bench/demo-logins.txt | cut -d' ' -f2)" 200
//! ```
//!
//! Signs in once, then fetches each page `rounds` times one after another (after a warm-up),
//! timing until the response headers arrive (TTFB: over loopback, the server's time) and
//! counting the body bytes. The weight adds the stylesheet and script, the page's only other
//! requests (charts are inline SVG); bodies are counted as sent, without compression.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, SET_COOKIE};

const PAGES: [(&str, &str); 5] = [
    ("dashboard", "/"),
    ("proposal (open, 32 electors)", "/proposals/4"),
    ("proposal (decided)", "/proposals/1"),
    ("support dashboard", "/support/dashboard"),
    ("support lists", "/support"),
];

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("a hidden field") + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, user, password, rest @ ..] = args.as_slice() else {
        eprintln!("usage: page_weight URL USER PASSWORD [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = rest.first().map_or(100, |r| r.parse().expect("ROUNDS is a number"));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Sign in like a browser: the form, its double-submit cookie, then the session cookie.
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = form.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = hidden(&form.text().await.unwrap(), "csrf");
    let signed = client
        .post(format!("{base}/login"))
        .header(COOKIE, login_cookie)
        .form(&[("csrf", csrf.as_str()), ("name", user), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "sign-in failed");
    let session = signed
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("concord_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let mut assets = 0;
    for path in ["/static/app.css", "/static/app.js"] {
        assets += client.get(format!("{base}{path}")).send().await.unwrap().bytes().await.unwrap().len();
    }
    println!(
        "{:<30} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "page", "TTFB p50", "TTFB p95", "TTFB max", "HTML bytes", "weight"
    );
    for (name, path) in PAGES {
        let url = format!("{base}{path}");
        let mut times = Vec::with_capacity(rounds);
        let mut size = 0;
        for round in 0..rounds + 10 {
            let start = Instant::now();
            let r = client.get(&url).header(COOKIE, &session).send().await.unwrap();
            let ttfb = start.elapsed();
            assert_eq!(r.status(), 200, "{path}");
            size = r.bytes().await.unwrap().len();
            if round >= 10 {
                times.push(ttfb);
            }
        }
        times.sort();
        println!(
            "{name:<30} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>12} {:>10} B",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3,
            size,
            size + assets
        );
    }
    println!("(weight = HTML + app.css + app.js = HTML + {assets} B; {rounds} rounds per page after 10 warm-up)");
}
