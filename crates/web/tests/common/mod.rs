//! A real server with the web pages on a loopback port, a small alliance in it, one account per
//! role, and a clock the test sets (sessions expire by it).

#![allow(clippy::unwrap_used, dead_code)] // shared by test files that each use part of it

use std::sync::{Arc, Mutex};

use concord_core::{Actor, Command, CountryCode, DecisionKind, Member, Partner, Procedure, ProposalId};
use concord_server::App;
use concord_server::clock::Clock;
use concord_store::Store;
use concord_store_sqlite::SqliteStore;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tokio::sync::oneshot;

/// The password of every test account.
pub const PASSWORD: &str = "a long enough password";

/// The test log's origin: its key's name, and the first part of its members' key names.
pub const ORIGIN: &str = "test.concord.example/log";

/// A clock the test moves by hand (starting at the real time, so the scheduler's timers agree).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().unwrap();
        *t = t.checked_add(by).unwrap();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

pub fn cc(c: &str) -> CountryCode {
    CountryCode::parse(c).unwrap()
}

/// A running server.
pub struct Web {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<SqliteStore>,
    pub clock: ManualClock,
    pub app: concord_server::AppState,
    _dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
}

/// A page fetched: status, location, cookies set, body.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: String,
    pub cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Web {
    /// Three founders, Ukraine as partner, proposal 1 (a statement) under silence until three
    /// days from now, and the accounts `sec`, `fra`, `deu`, `ukraine`, `obs`.
    pub async fn start() -> Self {
        Self::start_with(true).await
    }

    /// [`Web::start`] on a log whose positions are signed by their members' keys, or not.
    pub async fn start_with(unsigned_positions: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("web.db")).await.unwrap());
        let clock = ManualClock(Arc::new(Mutex::new(Timestamp::now())));
        let key = concord_ledger::keys::Signer::from_seed(ORIGIN, [9; 32]).unwrap();
        let identity = concord_server::LogIdentity {
            key,
            unsigned_positions,
            min_silence: None,
            witnesses: Vec::new(),
            snapshots: None,
        };
        let app = App::start(store.clone(), Arc::new(clock.clone()), identity).await.unwrap();
        let state = app.state.clone();
        let seq = state.sequencer();
        for (code, a2, num, name) in
            [("FRA", "FR", "250", "France"), ("DEU", "DE", "276", "Germany"), ("NOR", "NO", "578", "Norway")]
        {
            let member = Member {
                code: cc(code),
                alpha2: a2.into(),
                numeric: num.into(),
                name: name.into(),
                accession: "1949-08-24".parse().unwrap(),
                departure: None,
            };
            seq.submit(Actor::Secretariat, None, Command::AdmitMember { member }, None).await.unwrap();
        }
        let partner = Partner { code: cc("UKR"), name: "Ukraine".into() };
        seq.submit(Actor::Secretariat, None, Command::RegisterPartner { partner }, None).await.unwrap();
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "No combat troops".into(),
            text: "There are no plans for troops on the ground.".into(),
        };
        seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
        let deadline = clock.now().checked_add(SignedDuration::from_hours(72)).unwrap();
        let circulate = Command::Circulate {
            proposal: ProposalId(1),
            procedure: Procedure::Silence,
            deadline,
            marking: None,
            urgent: None,
        };
        seq.submit(Actor::Secretariat, None, circulate, None).await.unwrap();
        for (name, actor) in [
            ("sec", Actor::Secretariat),
            ("fra", Actor::Member(cc("FRA"))),
            ("deu", Actor::Member(cc("DEU"))),
            ("ukraine", Actor::Partner(cc("UKR"))),
            ("obs", Actor::Observer),
        ] {
            concord_web::accounts::create_user(store.as_ref(), name, PASSWORD, actor, clock.now()).await.unwrap();
        }
        let (listener, addr) = concord_server::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
        let router = app.router_with(concord_web::router(concord_web::WebConfig::default()));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.serve_router(listener, router, async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: format!("http://{addr}"), client, store, clock, app: state, _dir: dir, _shutdown: tx }
    }

    async fn page(&self, r: reqwest::RequestBuilder) -> Page {
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let location = headers.get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let cookies = headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        Page { status, location, cookies, headers, body: r.text().await.unwrap() }
    }

    /// `GET path` with the session cookie `session` (empty: none).
    pub async fn get(&self, session: &str, path: &str) -> Page {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if !session.is_empty() {
            r = r.header(COOKIE, format!("concord_session={session}"));
        }
        self.page(r).await
    }

    /// `POST path` with a form, and the session cookie `session`.
    pub async fn post(&self, session: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let mut r = self.client.post(format!("{}{path}", self.base)).form(form);
        if !session.is_empty() {
            r = r.header(COOKIE, format!("concord_session={session}"));
        }
        self.page(r).await
    }

    /// Tries to sign in; the page answered.
    pub async fn try_login(&self, name: &str, password: &str) -> Page {
        let form = self.get("", "/login").await;
        let csrf = hidden(&form.body, "csrf");
        let cookie = form.cookies.iter().find(|c| c.starts_with("concord_login=")).unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let r = self.client.post(format!("{}/login", self.base)).header(COOKIE, cookie).form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("password", password),
            ("next", "/"),
        ]);
        self.page(r).await
    }

    /// Signs in and returns the session token.
    pub async fn login(&self, name: &str) -> String {
        let p = self.try_login(name, PASSWORD).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let c = p.cookies.iter().find(|c| c.starts_with("concord_session=")).expect("a session cookie");
        c.trim_start_matches("concord_session=").split(';').next().unwrap().to_owned()
    }

    /// The CSRF token in the forms of `path` for this session.
    pub async fn csrf(&self, session: &str, path: &str) -> String {
        hidden(&self.get(session, path).await.body, "csrf")
    }

    /// The log's size: "nothing changed" is "the log did not grow".
    pub async fn log_size(&self) -> u64 {
        self.store.log_size().await.unwrap()
    }
}

/// The value of the first hidden input named `name`.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in:\n{body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}
