//! `concord demo`: the brief's scenario on a fresh embedded database, served, with tokens printed.
//!
//! Its data: [`scenario`], the founding brief's members, partners and proposals as commands
//! (also loaded by `concord synth` and the tests), and [`support_history`] (with its
//! [`pledge_table`]), the support history those commands end with.

mod bodies;
mod illustrative;
mod pledge_table;
pub(crate) mod scenario;
mod support_history;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use concord_core::{Actor, CountryCode};
use concord_server::App;
use concord_server::clock::SystemClock;

use crate::admin::create_token;
use crate::serve::{open_store, shutdown_signal};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Keep the database in this file (loaded with the scenario if new) instead of a temporary
    /// folder that is deleted on exit.
    #[arg(long)]
    db: Option<PathBuf>,
}

/// The demo log's origin, and the name of its key.
pub const DEMO_ORIGIN: &str = "demo.concord.example/alliance";

/// The demo's roles: who gets a token.
fn demo_actors() -> Vec<(&'static str, Actor)> {
    let m = |c: &str| Actor::Member(CountryCode::parse(c).expect("valid code"));
    vec![
        ("secretariat", Actor::Secretariat),
        ("member USA", m("USA")),
        ("member FRA", m("FRA")),
        ("member DEU", m("DEU")),
        ("member HUN", m("HUN")),
        ("member SWE", m("SWE")),
        ("partner UKR", Actor::Partner(CountryCode::parse("UKR").expect("valid code"))),
        ("observer", Actor::Observer),
    ]
}

/// The demo's web accounts: (sign-in name, role).
fn demo_users() -> Vec<(&'static str, Actor)> {
    let m = |c: &str| Actor::Member(CountryCode::parse(c).expect("valid code"));
    vec![
        ("secretariat", Actor::Secretariat),
        ("usa", m("USA")),
        ("fra", m("FRA")),
        ("deu", m("DEU")),
        ("hun", m("HUN")),
        ("swe", m("SWE")),
        ("ukraine", Actor::Partner(CountryCode::parse("UKR").expect("valid code"))),
        ("observer", Actor::Observer),
    ]
}

/// The demo's web logins: made with random passwords the first time (and written to `file`,
/// readable by the owner only), read back from `file` when the database is reused.
async fn demo_logins(
    store: &dyn concord_store::Store,
    file: &std::path::Path,
) -> anyhow::Result<Vec<(String, String)>> {
    if let Ok(text) = std::fs::read_to_string(file) {
        let logins: Vec<(String, String)> =
            text.lines().filter_map(|l| l.split_once(' ')).map(|(n, p)| (n.to_owned(), p.trim().to_owned())).collect();
        if !logins.is_empty() {
            return Ok(logins);
        }
    }
    let mut logins = Vec::new();
    for (name, actor) in demo_users() {
        let password = concord_web::accounts::random_password()?;
        concord_web::accounts::create_user(store, name, &password, actor, jiff::Timestamp::now())
            .await
            .with_context(|| format!("cannot create the demo account {name}"))?;
        logins.push((name.to_owned(), password));
    }
    let text: String = logins.iter().map(|(n, p)| format!("{n} {p}\n")).collect();
    write_private(file, &text).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(logins)
}

/// Each demo delegation's duty officer, mailed at once, in the zone of its capital; the
/// secretariat's, on a daily digest.
async fn add_demo_contacts(store: &dyn concord_store::Store) -> anyhow::Result<()> {
    let m = |c: &str| Actor::Member(CountryCode::parse(c).expect("valid code"));
    let contacts = [
        (Actor::Secretariat, "duty@secretariat.demo.concord.example", "Europe/Brussels", true),
        (m("USA"), "duty@usa.delegation.example", "America/New_York", false),
        (m("FRA"), "duty@fra.delegation.example", "Europe/Paris", false),
        (m("DEU"), "duty@deu.delegation.example", "Europe/Berlin", false),
        (m("HUN"), "duty@hun.delegation.example", "Europe/Budapest", false),
        (m("SWE"), "duty@swe.delegation.example", "Europe/Stockholm", false),
        (
            Actor::Partner(CountryCode::parse("UKR").expect("valid code")),
            "liaison@ukr.partner.example",
            "Europe/Kyiv",
            false,
        ),
    ];
    for (recipient, email, zone, digest) in contacts {
        let contact = concord_store::Contact { recipient, email: email.into(), time_zone: zone.into(), digest };
        store.set_contact(&contact).await.with_context(|| format!("cannot add the demo contact {email}"))?;
    }
    Ok(())
}

/// A calendar feed of each demo delegation's deadlines: (name, address).
async fn demo_feeds(store: &dyn concord_store::Store, addr: SocketAddr) -> anyhow::Result<Vec<(String, String)>> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::from_seed(crate::keys::random_seed()?);
    let mut feeds = Vec::new();
    for (name, actor) in demo_users().into_iter().filter(|(_, a)| matches!(a, Actor::Member(_))) {
        let base = format!("http://{addr}");
        let url = concord_server::calendar::create_in(store, actor, &base, jiff::Timestamp::now(), &mut rng)
            .await
            .context("cannot make a calendar feed")?;
        feeds.push((name.to_owned(), url.url));
    }
    Ok(feeds)
}

/// Writes a file only its owner can read (it holds passwords or tokens).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    crate::init_tracing();
    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let path = args.db.clone().unwrap_or_else(|| tmp.path().join("concord-demo.db"));
    let store = open_store(&path).await?;
    // The demo log's key: made afresh beside a new database, reused with an existing one.
    let key_file = path.with_file_name("demo-log.key");
    let log = if key_file.exists() {
        crate::keys::read_signer(&key_file)?
    } else {
        let signer = concord_ledger::keys::Signer::from_seed(DEMO_ORIGIN, crate::keys::random_seed()?)?;
        crate::keys::write_private_key(&key_file, &signer)?;
        signer
    };
    let fresh = store.log_size().await? == 0;
    // The delegations' keys sit beside the database, one private key file each.
    let keys_dir = path.with_file_name("demo-keys");
    if fresh {
        let keys = scenario::DemoKeys::new(log.clone(), crate::keys::random_seed)?;
        std::fs::create_dir_all(&keys_dir).with_context(|| format!("cannot create {}", keys_dir.display()))?;
        for (c, key) in &keys.members {
            let file = keys_dir.join(format!("{c}.key"));
            if file.exists() {
                std::fs::remove_file(&file)?;
            }
            crate::keys::write_private_key(&file, key)?;
        }
        scenario::load(store.as_ref(), jiff::Timestamp::now(), &keys).await?;
    }
    let (listener, addr) = concord_server::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {} (is it in use? try --addr 127.0.0.1:0)", args.addr))?;
    let mut lines = Vec::new();
    for (name, actor) in demo_actors() {
        let token = create_token(store.as_ref(), actor, &format!("demo {name}"), None).await?;
        lines.push((name, token));
    }
    let env_file = path.with_file_name("demo-tokens.env");
    let env_text: String = lines.iter().map(|(n, t)| format!("{}={t}\n", n.to_uppercase().replace(' ', "_"))).collect();
    write_private(&env_file, &env_text).with_context(|| format!("cannot write {}", env_file.display()))?;

    let logins_file = path.with_file_name("demo-logins.txt");
    let logins = demo_logins(store.as_ref(), &logins_file).await?;

    let verifier = log.verifier();
    let identity = concord_server::LogIdentity {
        key: log,
        unsigned_positions: true,
        min_silence: Some(scenario::MIN_SILENCE),
        witnesses: Vec::new(),
        snapshots: None,
    };
    let mail_dir = path.with_file_name("demo-mail");
    if fresh {
        add_demo_contacts(store.as_ref()).await?;
    }
    let feeds = demo_feeds(store.as_ref(), addr).await?;
    let mut app = App::start(store, Arc::new(SystemClock), identity).await.context("cannot load the log")?;
    let notices = concord_server::notifier::NotifyConfig {
        mail: Some(concord_server::notifier::MailConfig {
            from: "Concord demo <concord@demo.concord.example>".into(),
            transport: concord_server::notifier::MailTransport::Folder(mail_dir.clone()),
        }),
        ..concord_server::notifier::NotifyConfig::new(&format!("http://{addr}"))
    };
    app.notify(notices).map_err(anyhow::Error::msg).context("cannot start notices")?;
    println!("Concord demo: the founding brief's scenario (27 February 2024), illustrative positions,");
    println!("  and an illustrative support history 2022-2024 (amounts and quantities invented).");
    println!("  database   {}{}", path.display(), if fresh { "" } else { " (existing; scenario not reloaded)" });
    println!("  web        http://{addr}/   (sign in with a demo login below)");
    println!("  API        http://{addr}/api/v1/proposals");
    println!("  OpenAPI    http://{addr}/api/openapi.json");
    println!("  log key    {verifier}");
    println!("  keys       {} (each delegation's private key, to sign positions)", keys_dir.display());
    println!("Demo tokens (also in {}):", env_file.display());
    for (name, token) in &lines {
        println!("  {name:<12} {token}");
    }
    println!("Demo web logins (also in {}):", logins_file.display());
    for (name, password) in &logins {
        println!("  login {name:<12} {password}");
    }
    println!("Notices: on the web at /notices (a count in the navigation); mailed as .eml files to");
    println!("  {} (no SMTP server in the demo); each delegation's deadlines as a calendar feed:", mail_dir.display());
    for (name, url) in &feeds {
        println!("  calendar {name:<9} {url}");
    }
    println!("Three audiences, one log (sign in as each; /log says what you can and cannot see):");
    println!("  observer     the public: announced decisions, the roster, support aggregates; no draft, no position");
    println!("  ukraine      the partner: the above, its requests and the support it receives, proposal 4's");
    println!("               text circulated to it, and the NATO-Ukraine Council's business, where it takes part");
    println!("  fra          a member delegation: every position and every circulated text, but the Nuclear");
    println!("               Planning Group's (France does not sit in it: a body's business is its members')");
    println!("  secretariat  everything, its own drafts included");
    println!("Try:  concord proposal list --server http://{addr} --token <a token>");
    println!("      concord report shares --db {}   (also totals, delivery, gaps, burden)", path.display());
    println!("Ctrl-C stops the demo{}.", if args.db.is_none() { " and deletes its database" } else { "" });
    let router = app.router_with(concord_web::router(concord_web::WebConfig::default()));
    app.serve_router(listener, router, shutdown_signal()).await.context("the server failed")?;
    drop(tmp);
    Ok(())
}
