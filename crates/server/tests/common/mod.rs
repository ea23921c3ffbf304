//! A real Concord server for HTTP tests: a fresh SQLite file in a temporary directory, the app
//! on a loopback port chosen by the OS, bearer tokens minted straight into the store, and small
//! helpers that send requests and check problem documents.
//!
//! Every test file includes this module and uses part of it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use concord_core::{Actor, CountryCode};
use concord_server::App;
use concord_server::auth::generate_token;
use concord_server::clock::SystemClock;
use concord_server::notifier::NotifyConfig;
use concord_store::{NewToken, Store};
use concord_store_sqlite::SqliteStore;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The founding members the fixture admits, in code order: (alpha-3, alpha-2, numeric, name).
pub const FOUNDERS: [(&str, &str, &str, &str); 5] = [
    ("BEL", "BE", "056", "Belgium"),
    ("CAN", "CA", "124", "Canada"),
    ("DNK", "DK", "208", "Denmark"),
    ("FRA", "FR", "250", "France"),
    ("ISL", "IS", "352", "Iceland"),
];

/// An HTTP answer: status, headers, the raw body and the body as JSON (`Null` if it is not).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Resp {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, with the body in the message.
    #[track_caller]
    pub fn expect_status(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", String::from_utf8_lossy(&self.bytes));
        &self.json
    }

    /// Asserts an RFC 9457 problem document with this status and slug, and a sentence in `detail`.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, slug: &str) {
        assert_problem(self, status, slug);
    }
}

/// Asserts an RFC 9457 problem document: the status, the media type, the stable type URI, the
/// status echoed in the body, a title, and a `detail` that is a human sentence.
#[track_caller]
pub fn assert_problem(r: &Resp, status: u16, slug: &str) {
    let body = String::from_utf8_lossy(&r.bytes);
    assert_eq!(r.status, status, "unexpected status; body: {body}");
    assert_eq!(r.header("content-type"), Some("application/problem+json"), "not a problem document: {body}");
    assert_eq!(r.json["type"], format!("urn:concord:problem:{slug}"), "wrong problem type: {body}");
    assert_eq!(r.json["status"], status, "status in the body: {body}");
    assert!(r.json["title"].as_str().is_some_and(|t| !t.trim().is_empty()), "no title: {body}");
    let detail = r.json["detail"].as_str().unwrap_or_default();
    assert!(
        detail.trim().len() >= 10 && detail.contains(' ') && detail.chars().any(char::is_alphabetic),
        "detail is not a human sentence: {body}"
    );
}

/// A running server and the tokens to call it with.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    /// The metrics listener's base URL (`/metrics` is not on the public address).
    pub metrics_base: String,
    pub client: reqwest::Client,
    pub store: Arc<SqliteStore>,
    pub secretariat: String,
    pub observer: String,
    /// The app's state, to write through its sequencer as the handlers do.
    pub state: concord_server::AppState,
    dir: Option<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Server {
    /// A server on an empty log, with a secretariat and an observer token.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut server = Self::start_in(dir).await;
        server.secretariat = server.mint(Actor::Secretariat).await;
        server.observer = server.mint(Actor::Observer).await;
        server
    }

    /// A server whose notices (web, webhooks, mail) `notify` configures, on `clock`.
    pub async fn start_notifying(clock: Arc<dyn concord_server::clock::Clock>, notify: NotifyConfig) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut server = Self::start_with(dir, clock, Some(notify)).await;
        server.secretariat = server.mint(Actor::Secretariat).await;
        server.observer = server.mint(Actor::Observer).await;
        server
    }

    /// A server on whatever log the directory holds (the same tokens remain valid).
    async fn start_in(dir: TempDir) -> Self {
        Self::start_with(dir, Arc::new(SystemClock), None).await
    }

    async fn start_with(
        dir: TempDir,
        clock: Arc<dyn concord_server::clock::Clock>,
        notify: Option<NotifyConfig>,
    ) -> Self {
        let store = Arc::new(SqliteStore::open(&dir.path().join("concord.db")).await.expect("open the store"));
        let log = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [7; 32]).expect("a valid key");
        let log = concord_server::LogIdentity {
            key: log,
            unsigned_positions: true,
            min_silence: None,
            witnesses: Vec::new(),
            snapshots: None,
        };
        let mut app = App::start(store.clone(), clock, log).await.expect("start the app");
        if let Some(notify) = notify {
            app.notify(notify).expect("start notices");
        }
        let (listener, addr) = concord_server::bind(([127, 0, 0, 1], 0).into()).await.expect("bind a loopback port");
        let (metrics, metrics_addr) =
            concord_server::bind(([127, 0, 0, 1], 0).into()).await.expect("bind a loopback port");
        let (tx, rx) = oneshot::channel::<()>();
        let state = app.state.clone();
        let serving = concord_server::Serving {
            listener,
            router: app.router(),
            limits: concord_server::serving::Limits::default(),
            metrics: Some(metrics),
        };
        let task = tokio::spawn(app.serve_with(serving, async move {
            let _ = rx.await;
        }));
        Self {
            addr,
            base: format!("http://{addr}"),
            metrics_base: format!("http://{metrics_addr}"),
            client: reqwest::Client::new(),
            store,
            secretariat: String::new(),
            observer: String::new(),
            state,
            dir: Some(dir),
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server gracefully and starts a new one on the same database file, as after a
    /// restart of the process.
    pub async fn restart(mut self) -> Self {
        let (secretariat, observer) = (self.secretariat.clone(), self.observer.clone());
        let dir = self.dir.take().expect("the directory");
        self.client = reqwest::Client::new(); // drop pooled keep-alive connections
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the server task").expect("the server stopped cleanly");
        }
        drop(self);
        let mut server = Self::start_in(dir).await;
        server.secretariat = secretariat;
        server.observer = observer;
        server
    }

    /// A new bearer token for `actor`, written to the store (tokens are not log events).
    pub async fn mint(&self, actor: Actor) -> String {
        self.mint_labelled(actor, &format!("test token for {actor}")).await
    }

    /// A new bearer token for `actor` with `label`, the account its writes are sealed with.
    pub async fn mint_labelled(&self, actor: Actor, label: &str) -> String {
        let (token, hash) = generate_token().expect("random bytes");
        let new = NewToken { hash, actor, label: label.to_owned(), created_at: Timestamp::now(), expires_at: None };
        self.store.create_token(&new).await.expect("store the token");
        token
    }

    /// A token for the delegation of member `code`.
    pub async fn member_token(&self, code: &str) -> String {
        self.mint(Actor::Member(cc(code))).await
    }

    /// A token for partner `code`.
    pub async fn partner_token(&self, code: &str) -> String {
        self.mint(Actor::Partner(cc(code))).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a prepared request and reads the whole answer.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("the request was sent and answered");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("the body").to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, bytes, json }
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.send(self.client.get(self.url(path)).bearer_auth(token)).await
    }

    /// `GET path` with no credentials.
    pub async fn get_anon(&self, path: &str) -> Resp {
        self.send(self.client.get(self.url(path))).await
    }

    /// `POST path` with a bearer token and a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Resp {
        self.send(self.client.post(self.url(path)).bearer_auth(token).json(body)).await
    }

    /// `DELETE path` with a bearer token.
    pub async fn delete(&self, token: &str, path: &str) -> Resp {
        self.send(self.client.delete(self.url(path)).bearer_auth(token)).await
    }

    /// `POST path` with a bearer token, a JSON body and an `Idempotency-Key`.
    pub async fn post_keyed(&self, token: &str, path: &str, key: &str, body: &Value) -> Resp {
        self.send(self.client.post(self.url(path)).bearer_auth(token).header("idempotency-key", key).json(body)).await
    }

    /// `POST path` with raw bytes and a content type.
    pub async fn post_raw(&self, token: &str, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Resp {
        let body: Vec<u8> = body.into();
        self.send(self.client.post(self.url(path)).bearer_auth(token).header(CONTENT_TYPE, content_type).body(body))
            .await
    }

    /// The number of entries in the log, as the API reports it.
    pub async fn log_size(&self) -> u64 {
        let r = self.get(&self.observer, "/api/v1/log/entries?limit=1").await;
        r.expect_status(200)["size"].as_u64().expect("the log size")
    }

    /// Every log entry as the secretariat reads it (every sealed part), paging through
    /// `/api/v1/log/entries`.
    pub async fn log_entries(&self) -> Vec<Value> {
        self.log_entries_as(&self.secretariat).await
    }

    /// Every log entry as `token` reads it.
    pub async fn log_entries_as(&self, token: &str) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let r = self.get(token, &format!("/api/v1/log/entries?from={}&limit=1000", all.len())).await;
            let page = r.expect_status(200)["entries"].as_array().expect("entries").clone();
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// Sends a write that must be refused with `status` and `slug`, and checks that it changed
    /// nothing: the log has the same size, and the resource at `watch` reads the same (to the
    /// secretariat, who may read every resource).
    #[track_caller]
    pub fn refused<'a>(
        &'a self,
        token: &'a str,
        path: &'a str,
        body: &'a Value,
        status: u16,
        slug: &'a str,
        watch: &'a str,
    ) -> impl Future<Output = Resp> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let before = (self.log_size().await, self.get(&self.secretariat, watch).await);
            let r = self.post(token, path, body).await;
            let body_text = String::from_utf8_lossy(&r.bytes).into_owned();
            if r.status != status || r.json["type"] != format!("urn:concord:problem:{slug}") {
                panic!("{caller}: POST {path} {body}: expected {status} {slug}, got {} {body_text}", r.status);
            }
            assert_problem(&r, status, slug);
            self.assert_unchanged(before, watch).await;
            r
        }
    }

    /// Asserts that nothing changed since `before` (the log size and the resource at `watch`).
    pub async fn assert_unchanged(&self, before: (u64, Resp), watch: &str) {
        let (size, resource) = before;
        assert_eq!(self.log_size().await, size, "a refused write changed the log");
        let now = self.get(&self.secretariat, watch).await;
        assert_eq!(now.status, resource.status, "a refused write changed {watch}");
        assert_eq!(now.json, resource.json, "a refused write changed {watch}");
    }

    /// Admits a member (secretariat), expecting 201.
    pub async fn admit(&self, code: &str, alpha2: &str, numeric: &str, name: &str, accession: &str) -> Value {
        let body = json!({ "code": code, "alpha2": alpha2, "numeric": numeric, "name": name, "accession": accession });
        self.post(&self.secretariat, "/api/v1/members", &body).await.expect_status(201).clone()
    }

    /// Drafts a proposal (secretariat), expecting 201; returns its id.
    pub async fn draft(&self, kind: &str, title: &str) -> u64 {
        let body = json!({ "kind": kind, "title": title, "text": format!("The alliance agrees: {title}.") });
        let r = self.post(&self.secretariat, "/api/v1/proposals", &body).await;
        let p = r.expect_status(201);
        assert_eq!(p["status"], "draft");
        p["id"].as_u64().expect("a proposal id")
    }

    /// Circulates a draft (secretariat), expecting 200; returns the proposal.
    pub async fn circulate(&self, id: u64, procedure: &str, deadline: Timestamp) -> Value {
        let body = json!({ "procedure": procedure, "deadline": deadline.to_string() });
        self.post(&self.secretariat, &format!("/api/v1/proposals/{id}/circulate"), &body)
            .await
            .expect_status(200)
            .clone()
    }

    /// Takes a position with `token` on revision `revision`; returns the answer unchecked.
    pub async fn position(&self, token: &str, id: u64, revision: u32, stance: &str, text: Option<&str>) -> Resp {
        let mut body = json!({ "revision": revision, "stance": stance });
        if let Some(t) = text {
            body["text"] = json!(t);
        }
        self.post(token, &format!("/api/v1/proposals/{id}/positions"), &body).await
    }

    /// The proposal as the API shows the secretariat, who may read all of it (an observer reads
    /// only announced outcomes).
    pub async fn proposal(&self, id: u64) -> Value {
        self.get(&self.secretariat, &format!("/api/v1/proposals/{id}")).await.expect_status(200).clone()
    }
}

/// A server with the five founders admitted (accession 1949-04-04) and a token for each.
#[derive(Debug)]
pub struct Alliance {
    pub server: Server,
    /// Tokens of the founders' delegations, in `FOUNDERS` order.
    pub members: Vec<(String, String)>,
}

impl std::ops::Deref for Alliance {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

impl Alliance {
    pub async fn start() -> Self {
        let server = Server::start().await;
        let mut members = Vec::new();
        for (code, a2, num, name) in FOUNDERS {
            server.admit(code, a2, num, name, "1949-04-04").await;
            members.push((code.to_owned(), server.member_token(code).await));
        }
        Self { server, members }
    }

    /// The token of founder `code`.
    pub fn token(&self, code: &str) -> &str {
        &self.members.iter().find(|(c, _)| c == code).expect("a founder").1
    }
}

/// A country code.
pub fn cc(code: &str) -> CountryCode {
    CountryCode::parse(code).expect("a valid country code")
}

/// Now plus `hours`.
pub fn hours_from_now(hours: i64) -> Timestamp {
    Timestamp::now().checked_add(SignedDuration::from_hours(hours)).expect("a representable time")
}

/// A timestamp field of a JSON value.
#[track_caller]
pub fn ts(v: &Value) -> Timestamp {
    v.as_str().expect("a timestamp string").parse().expect("an RFC 3339 timestamp")
}

/// The RFC 9162 leaf hash of `entry`, in hex: SHA-256 of 0x00 followed by the bytes.
pub fn leaf_hash_hex(entry: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    hex::encode(h.finalize())
}

/// The members of an electorate or a list of positions, as codes.
pub fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_str().or_else(|| x["member"].as_str()).expect("a code").to_owned())
        .collect()
}

/// Runs futures concurrently on this task (all requests in flight at once) and collects their
/// outputs in order.
pub async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let set: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    let mut pending: Vec<_> = set.into_iter().enumerate().collect();
    std::future::poll_fn(move |cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                outputs[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(outputs.iter_mut().map(|o| o.take().expect("an output")).collect())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// A served log entry's sealed content (`{"actor":…,"event":…}`), checked against its envelope's
/// commitment: SHA-256 of the salt's bytes, then the content's. Panics if it is withheld.
#[allow(dead_code)] // not every test binary opens entries
pub fn opened(entry: &Value) -> Value {
    use sha2::{Digest, Sha256};
    let envelope: Value = serde_json::from_str(entry["entry"].as_str().expect("an envelope")).expect("JSON");
    let part = &entry["part"];
    let salt = hex::decode(part["salt"].as_str().expect("a sealed part (withheld?)")).expect("hex salt");
    let content = part["content"].as_str().expect("content");
    let commitment = hex::encode(Sha256::new().chain_update(&salt).chain_update(content.as_bytes()).finalize());
    assert_eq!(envelope["commitment"], commitment.as_str(), "the part matches its envelope's commitment");
    serde_json::from_str(content).expect("the content is JSON")
}
