//! Client commands: talk to a Concord server over its API with a bearer token.
//!
//! Human-readable output by default, `--json` for scripts (the API's JSON, unchanged). A refusal
//! is printed as the problem document's sentence, with a non-zero exit.

use crate::terminal::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::{DecisionKind, Procedure, Proposal, ProposalStatus, Significance, Stance};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

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

#[derive(Debug, clap::Subcommand)]
pub enum ProposalCmd {
    /// Lists proposals.
    List {
        /// Only this status (draft, under-silence, consensus-round, adopted, adopted-with-reservations, blocked, not-adopted, withdrawn).
        #[arg(long)]
        status: Option<ProposalStatus>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a proposal, its positions and its outcome.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// Drafts a proposal (secretariat).
    Create {
        /// deploy-forces, assistance-programme, fund-policy, enlargement, command-or-mission, burden-sharing-pledge, statement, routine.
        #[arg(long)]
        kind: DecisionKind,
        #[arg(long)]
        title: String,
        #[arg(long, conflicts_with = "text_file", required_unless_present = "text_file")]
        text: Option<String>,
        #[arg(long)]
        text_file: Option<PathBuf>,
        /// routine or significant (default from the kind).
        #[arg(long)]
        significance: Option<Significance>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Circulates a draft (secretariat).
    Circulate {
        id: u64,
        /// silence or consensus-round.
        #[arg(long)]
        procedure: Procedure,
        #[command(flatten)]
        deadline: Deadline,
        #[command(flatten)]
        conn: Conn,
    },
    /// Amends a proposal; an open one is circulated again (secretariat).
    Amend {
        id: u64,
        #[arg(long)]
        text: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        deadline: OptDeadline,
        #[command(flatten)]
        conn: Conn,
    },
    /// Moves an open proposal's deadline later (secretariat).
    Extend {
        id: u64,
        #[command(flatten)]
        deadline: Deadline,
        #[command(flatten)]
        conn: Conn,
    },
    /// Moves an open proposal's deadline earlier (secretariat).
    Curtail {
        id: u64,
        #[command(flatten)]
        deadline: Deadline,
        #[command(flatten)]
        conn: Conn,
    },
    /// Withdraws a proposal (secretariat).
    Withdraw {
        id: u64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Conn,
    },
}

/// A deadline: an exact RFC 3339 time, or a duration from now.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct Deadline {
    /// An exact time, e.g. 2026-12-01T17:00:00Z.
    #[arg(long)]
    deadline: Option<Timestamp>,
    /// A duration from now, e.g. 72h or 90m.
    #[arg(long = "for", value_parser = parse_duration)]
    for_: Option<SignedDuration>,
}

/// An optional deadline.
#[derive(Debug, clap::Args)]
#[group(required = false, multiple = false)]
pub struct OptDeadline {
    /// An exact time, e.g. 2026-12-01T17:00:00Z (required to amend an open proposal).
    #[arg(long)]
    deadline: Option<Timestamp>,
    /// A duration from now, e.g. 72h.
    #[arg(long = "for", value_parser = parse_duration)]
    for_: Option<SignedDuration>,
}

fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| format!("{s:?} is not a duration like 72h, 90m or 3d"))?;
    match unit {
        "d" => Ok(SignedDuration::from_hours(n * 24)),
        "h" => Ok(SignedDuration::from_hours(n)),
        "m" => Ok(SignedDuration::from_mins(n)),
        "s" => Ok(SignedDuration::from_secs(n)),
        _ => Err(format!("{s:?} is not a duration like 72h, 90m or 3d")),
    }
}

fn resolve(deadline: Option<Timestamp>, for_: Option<SignedDuration>) -> anyhow::Result<Option<Timestamp>> {
    Ok(match (deadline, for_) {
        (Some(t), _) => Some(t),
        // To the whole second: a deadline people read should not carry nanoseconds.
        (None, Some(d)) => {
            let t = Timestamp::now().checked_add(d).context("the deadline is out of range")?;
            Some(Timestamp::from_second(t.as_second()).context("the deadline is out of range")?)
        }
        (None, None) => None,
    })
}

#[derive(Debug, clap::Subcommand)]
pub enum MemberCmd {
    /// Enrols a member delegation's key (secretariat).
    KeyAdd {
        /// The member's ISO 3166-1 alpha-3 code.
        code: String,
        /// The verifier key printed by `concord keygen --member`, or a file holding it.
        #[arg(long)]
        key: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Revokes a member's key from now on (secretariat, or the member itself).
    KeyRevoke {
        code: String,
        /// The key's 8-hex-digit id (the middle part of the verifier key).
        key_id: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn member(cmd: MemberCmd) -> anyhow::Result<()> {
    let (conn, path, body) = match cmd {
        MemberCmd::KeyAdd { code, key, conn } => {
            let key = std::fs::read_to_string(&key).map(|k| k.trim().to_owned()).unwrap_or(key);
            if key.starts_with("PRIVATE+KEY+") {
                bail!(
                    "that is a private key: it never leaves its owner; give the verifier key `concord keygen` printed"
                );
            }
            (conn, format!("/api/v1/members/{code}/keys"), json!({ "key": key }))
        }
        MemberCmd::KeyRevoke { code, key_id, conn } => {
            (conn, format!("/api/v1/members/{code}/keys/{key_id}/revoke"), json!({}))
        }
    };
    let c = Client::new(&conn)?;
    let keys = c.post(&path, body).await?;
    if conn.json {
        return print_json(&keys);
    }
    for k in keys.as_array().into_iter().flatten() {
        let revoked = k["revoked_at"].as_str().map(|r| format!(", revoked {r}")).unwrap_or_default();
        outln!("{}  valid from {}{revoked}", k["key"].as_str().unwrap_or("?"), k["valid_from"].as_str().unwrap_or("?"));
    }
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum PositionCmd {
    /// Takes a position on the current revision of a proposal (member delegation).
    Take {
        id: u64,
        /// concur, concur-with-reservation, opt-out, object, propose-amendment.
        #[arg(long)]
        stance: Stance,
        /// The reservation, amendment, objection or opt-out statement.
        #[arg(long)]
        text: Option<String>,
        /// The revision you read (default: the current one, fetched first).
        #[arg(long)]
        revision: Option<u32>,
        /// Signs the position here with this private key file (`concord keygen --member`); the
        /// key never leaves this machine, only the signed statement is sent.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows the consensus grid: every elector and its position.
    List {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

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
        let resp = req.bearer_auth(&self.token).send().await.with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status();
        let body: Value = resp.json().await.with_context(|| format!("the server answered {status} with no JSON"))?;
        if status.is_success() {
            return Ok(body);
        }
        let detail = body.get("detail").and_then(Value::as_str).unwrap_or("no detail");
        let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
        bail!("{detail} ({status}, {kind})")
    }

    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// "in 2 days 3 hours" or "passed 5 minutes ago", to the minute.
fn countdown(deadline: Timestamp) -> String {
    let secs = deadline.as_second() - Timestamp::now().as_second();
    let (d, h, m) = (secs.abs() / 86_400, secs.abs() % 86_400 / 3600, secs.abs() % 3600 / 60);
    let mut parts = Vec::new();
    for (n, unit) in [(d, "day"), (h, "hour"), (m, "minute")] {
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    let span = if parts.is_empty() { "less than a minute".to_owned() } else { parts.join(" ") };
    if secs >= 0 { format!("in {span}") } else { format!("passed {span} ago") }
}

fn print_proposal(p: &Proposal, outcome: Option<&Value>) {
    let rev = p.current();
    outln!("Proposal {} — {}", p.id, rev.title);
    outln!("  kind       {} ({})", p.kind, p.significance);
    outln!("  status     {}", p.status);
    outln!("  revision   {} (text sha256 {})", rev.number, &rev.text_hash[..16]);
    if let Some(c) = &p.circulation {
        if p.status.is_open() {
            outln!("  procedure  {}, deadline {} ({})", c.procedure, c.deadline, countdown(c.deadline));
        } else {
            outln!("  procedure  {}, deadline {}", c.procedure, c.deadline);
        }
        outln!("  electors   {} (members on {})", c.electorate.len(), concord_core::rules::utc_day(c.opened_at));
        for m in &c.electorate {
            if let Some(pos) = p.positions.get(m) {
                let text = pos.text.as_deref().map(|t| format!(": {t}")).unwrap_or_default();
                let signed = if pos.signed { ", signed" } else { "" };
                outln!("    {m}  {} at {}{signed}{text}", pos.stance, pos.at);
            }
        }
    }
    if let Some(e) = outcome.and_then(|o| o.get("explanation")).and_then(Value::as_str) {
        outln!("  {e}");
    }
}

pub async fn proposal(cmd: ProposalCmd) -> anyhow::Result<()> {
    match cmd {
        ProposalCmd::List { status, limit, conn } => {
            let c = Client::new(&conn)?;
            let mut path = format!("/api/v1/proposals?limit={limit}");
            if let Some(s) = status {
                path += &format!("&status={}", s.name());
            }
            let page = c.get(&path).await?;
            if conn.json {
                return print_json(&page);
            }
            let items: Vec<Proposal> = serde_json::from_value(page["items"].clone())?;
            outln!("{:>4}  {:<26} {:<21} TITLE", "ID", "STATUS", "DEADLINE");
            for p in items {
                let deadline = p.circulation.as_ref().map(|c| c.deadline.to_string()).unwrap_or_else(|| "-".into());
                outln!("{:>4}  {:<26} {:<21} {}", p.id, p.status.words(), deadline, p.current().title);
            }
            Ok(())
        }
        ProposalCmd::Show { id, conn } => {
            let c = Client::new(&conn)?;
            let p = c.get(&format!("/api/v1/proposals/{id}")).await?;
            let outcome = c.get(&format!("/api/v1/proposals/{id}/outcome")).await?;
            if conn.json {
                return print_json(&json!({ "proposal": p, "outcome": outcome }));
            }
            print_proposal(&serde_json::from_value(p)?, Some(&outcome));
            Ok(())
        }
        ProposalCmd::Create { kind, title, text, text_file, significance, conn } => {
            let text = match (text, text_file) {
                (Some(t), _) => t,
                (None, Some(f)) => {
                    std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?
                }
                (None, None) => bail!("give --text or --text-file"),
            };
            let body = json!({ "kind": kind, "title": title, "text": text, "significance": significance });
            write(&conn, "/api/v1/proposals", body).await
        }
        ProposalCmd::Circulate { id, procedure, deadline, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(&conn, &format!("/api/v1/proposals/{id}/circulate"), json!({ "procedure": procedure, "deadline": d }))
                .await
        }
        ProposalCmd::Amend { id, text, title, deadline, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(
                &conn,
                &format!("/api/v1/proposals/{id}/amend"),
                json!({ "text": text, "title": title, "deadline": d }),
            )
            .await
        }
        ProposalCmd::Extend { id, deadline, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(&conn, &format!("/api/v1/proposals/{id}/extend"), json!({ "deadline": d })).await
        }
        ProposalCmd::Curtail { id, deadline, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(&conn, &format!("/api/v1/proposals/{id}/curtail"), json!({ "deadline": d })).await
        }
        ProposalCmd::Withdraw { id, reason, conn } => {
            write(&conn, &format!("/api/v1/proposals/{id}/withdraw"), json!({ "reason": reason })).await
        }
    }
}

/// Posts a write and prints the proposal it answers with.
async fn write(conn: &Conn, path: &str, body: Value) -> anyhow::Result<()> {
    let c = Client::new(conn)?;
    let p = c.post(path, body).await?;
    if conn.json {
        return print_json(&p);
    }
    let p: Proposal = serde_json::from_value(p)?;
    let outcome = c.get(&format!("/api/v1/proposals/{}/outcome", p.id)).await.ok();
    print_proposal(&p, outcome.as_ref());
    Ok(())
}

/// Signs a position statement locally with the member's key.
///
/// The statement quotes the SHA-256 of the text this machine received and hashed itself, not
/// the hash the server states: a member signs what it read.
fn sign_position(
    key_file: &std::path::Path,
    p: &Proposal,
    revision: u32,
    stance: Stance,
    text: Option<&str>,
) -> anyhow::Result<String> {
    let key = crate::keys::read_signer(key_file)?;
    let name = key.name().to_string();
    let (origin, member) = name
        .rsplit_once("/member/")
        .with_context(|| format!("the key {name} is not a member delegation's key (<origin>/member/<code>)"))?;
    let rev = p
        .revisions
        .iter()
        .find(|r| r.number == revision)
        .with_context(|| format!("proposal {} has no revision {revision}", p.id))?;
    let text_hash = concord_core::text_hash(&rev.text);
    if text_hash != rev.text_hash {
        bail!("the server's text hash for proposal {} does not match the text it sent: not signing", p.id);
    }
    let now = Timestamp::now();
    let statement = concord_core::PositionStatement {
        origin: origin.to_owned(),
        member: concord_core::CountryCode::parse(member)?,
        proposal: p.id,
        revision,
        text_hash,
        stance,
        statement_hash: text.map(concord_core::text_hash),
        time: now,
    };
    Ok(concord_ledger::note::sign(&statement.to_text(), &[&key])?)
}

pub async fn position(cmd: PositionCmd) -> anyhow::Result<()> {
    match cmd {
        PositionCmd::Take { id, stance, text, revision, key, conn } => {
            let c = Client::new(&conn)?;
            let p: Proposal = serde_json::from_value(c.get(&format!("/api/v1/proposals/{id}")).await?)?;
            let revision = revision.unwrap_or(p.current().number);
            let signed_note = match key {
                None => None,
                Some(file) => Some(sign_position(&file, &p, revision, stance, text.as_deref())?),
            };
            let body = json!({ "revision": revision, "stance": stance, "text": text, "signed_note": signed_note });
            write(&conn, &format!("/api/v1/proposals/{id}/positions"), body).await
        }
        PositionCmd::List { id, conn } => {
            let c = Client::new(&conn)?;
            let grid = c.get(&format!("/api/v1/proposals/{id}/positions")).await?;
            if conn.json {
                return print_json(&grid);
            }
            outln!(
                "Proposal {id}, revision {}: {}",
                grid["revision"],
                grid["status"].as_str().unwrap_or("").replace('_', " ")
            );
            for e in grid["electors"].as_array().into_iter().flatten() {
                let stance = e["stance"].as_str().map_or("(silent)".to_owned(), |s| s.replace('_', " "));
                let stance = if e["signed"] == true { format!("{stance}, signed") } else { stance };
                let text = e["text"].as_str().map(|t| format!("  {t}")).unwrap_or_default();
                outln!("  {}  {stance}{text}", e["member"].as_str().unwrap_or("?"));
            }
            Ok(())
        }
    }
}
