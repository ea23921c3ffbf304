//! Client commands: talk to a Concord server over its API with a bearer token, one module per
//! resource the API serves (`proposals`, `positions`, `members`, `bodies`, and support's `requests`,
//! `pledges`, `deliveries`, `coalitions`, `funds`, `rates`, `donors`).
//!
//! Every client command flattens the one [`Conn`] (`--server`, `--token`, `--json`), and checks
//! its flags ([`flags`]) before anything is sent. Human-readable output by default, `--json` for
//! scripts (the API's JSON, unchanged; [`output`]). A refusal is printed as the problem
//! document's sentence, with a non-zero exit.

pub(crate) mod bodies;
pub(crate) mod coalitions;
pub(crate) mod deliveries;
pub(crate) mod donors;
pub(crate) mod flags;
pub(crate) mod funds;
pub(crate) mod gdp;
pub(crate) mod members;
pub(crate) mod output;
pub(crate) mod pledges;
pub(crate) mod populations;
pub(crate) mod positions;
pub(crate) mod proposals;
pub(crate) mod publications;
pub(crate) mod rates;
pub(crate) mod requests;

use anyhow::{Context, bail};
use serde_json::Value;

/// How to reach the server.
#[derive(Debug, clap::Args)]
pub struct Conn {
    /// The server's base URL.
    #[arg(long, env = "CONCORD_SERVER", default_value = "http://127.0.0.1:8080", global = true)]
    pub(crate) server: String,
    /// A bearer token (`concord token create`, or printed by `concord demo`).
    #[arg(long, env = "CONCORD_TOKEN", hide_env_values = true, global = true)]
    pub(crate) token: Option<String>,
    /// Print the API's JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

/// A connection to the server's API, with the caller's token.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub(crate) fn new(conn: &Conn) -> anyhow::Result<Self> {
        let token = conn.token.clone().context("no token: give --token or set CONCORD_TOKEN")?;
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build()?;
        Ok(Self { http, base: conn.server.trim_end_matches('/').to_owned(), token })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        self.send_replayed(req).await.map(|(body, _)| body)
    }

    /// [`Self::send`], and whether the server answered from an earlier write with the same
    /// idempotency key (`Idempotent-Replayed: true`).
    async fn send_replayed(&self, req: reqwest::RequestBuilder) -> anyhow::Result<(Value, bool)> {
        let resp = req.bearer_auth(&self.token).send().await.with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status();
        let replayed = resp.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        let body: Value = resp.json().await.with_context(|| format!("the server answered {status} with no JSON"))?;
        if status.is_success() {
            return Ok((body, replayed));
        }
        let detail = body.get("detail").and_then(Value::as_str).unwrap_or("no detail");
        let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
        bail!("{detail} ({status}, {kind})")
    }

    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    /// A file the server publishes (an export), as its bytes.
    pub(crate) async fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let req = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token);
        let resp = req.send().await.with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status();
        let body = resp.bytes().await.with_context(|| format!("the server's answer ({status}) broke off"))?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let problem: Value = serde_json::from_slice(&body).unwrap_or_default();
        let detail = problem.get("detail").and_then(Value::as_str).unwrap_or("no detail");
        let kind = problem.get("type").and_then(Value::as_str).unwrap_or("");
        bail!("{detail} ({status}, {kind})")
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }

    /// Posts with an `Idempotency-Key`; the answer, and whether it was replayed from an earlier
    /// write with that key.
    pub(crate) async fn post_keyed(&self, path: &str, body: Value, key: &str) -> anyhow::Result<(Value, bool)> {
        let req = self.http.post(format!("{}{path}", self.base)).header("idempotency-key", key).json(&body);
        self.send_replayed(req).await
    }
}
