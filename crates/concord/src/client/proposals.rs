//! `concord proposal`: proposals, `/api/v1/proposals`: list, show (with the outcome), create,
//! circulate, amend, extend, curtail, withdraw, reopen, and a delegation's word that it awaits
//! instructions. Every write prints the proposal as it now stands.

use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::{DecisionKind, Procedure, Proposal, ProposalStatus, Significance};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::output::print_json;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum ProposalCmd {
    /// Lists proposals.
    List {
        /// Only this status (draft, under-silence, consensus-round, adopted, adopted-with-reservations, blocked, not-adopted, withdrawn, negotiating).
        #[arg(long)]
        status: Option<ProposalStatus>,
        /// Only this body's (`principal`: the principal body's own).
        #[arg(long)]
        body: Option<String>,
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
        /// The body that decides it (`concord body list`); none: the principal body.
        #[arg(long)]
        body: Option<String>,
        /// The proposal whose adoption it waits for: it is circulated only once that one is
        /// adopted.
        #[arg(long)]
        follows: Option<u64>,
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
        /// Releases the texts and the procedure beyond the members: members+partner:<A3> or
        /// public (positions stay with the members). Default: the members only.
        #[arg(long)]
        marking: Option<concord_core::Marking>,
        /// Why the silence must be shorter than the deployment's minimum (recorded and shown).
        #[arg(long)]
        urgent: Option<String>,
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
        /// Why the silence must be shorter than the deployment's minimum (recorded and shown).
        #[arg(long)]
        urgent: Option<String>,
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
        /// Why the silence must be shorter than the deployment's minimum (recorded and shown).
        #[arg(long)]
        urgent: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Takes a blocked or not adopted proposal back into negotiation, to amend and circulate
    /// it again under a new procedure (secretariat).
    Reopen {
        id: u64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Tells the secretariat and the other members that your delegation awaits instructions from
    /// its capital (member delegation, with no position on the current text yet). Not a
    /// position: silence is not broken, and it lapses when you take one.
    AwaitInstructions {
        id: u64,
        /// What the secretariat should know ("instructions expected on Friday").
        #[arg(long)]
        note: Option<String>,
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
    #[arg(long, value_parser = parse_time)]
    deadline: Option<Timestamp>,
    /// A duration from now, e.g. 72h or 90m.
    #[arg(long = "for", value_parser = parse_duration, allow_hyphen_values = true)]
    for_: Option<SignedDuration>,
}

/// An optional deadline.
#[derive(Debug, clap::Args)]
#[group(required = false, multiple = false)]
pub struct OptDeadline {
    /// An exact time, e.g. 2026-12-01T17:00:00Z (required to amend an open proposal).
    #[arg(long, value_parser = parse_time)]
    deadline: Option<Timestamp>,
    /// A duration from now, e.g. 72h.
    #[arg(long = "for", value_parser = parse_duration, allow_hyphen_values = true)]
    for_: Option<SignedDuration>,
}

/// An exact instant: RFC 3339 with its zone, which a deadline must name (no local guess).
fn parse_time(s: &str) -> Result<Timestamp, String> {
    s.parse().map_err(|_| format!("{s:?} is not an exact time: give one with its zone, like 2026-12-01T17:00:00Z"))
}

fn parse_duration(s: &str) -> Result<SignedDuration, String> {
    if s.starts_with('-') {
        return Err(format!("{s:?} is in the past: a deadline is a positive duration from now, like 72h, 90m or 3d"));
    }
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
    if let Some(prior) = p.follows {
        outln!("  follows    proposal {prior}: it opens a procedure only once that one is adopted");
    }
    outln!("  revision   {} (text sha256 {})", rev.number, &rev.text_hash[..16]);
    for (n, round) in p.rounds.iter().enumerate() {
        outln!("  round {}   revision {}: {}", n + 1, round.revision, round.explain());
    }
    if let Some(c) = &p.circulation {
        if let Some(why) = &c.urgent {
            outln!("  urgent     shorter than the minimum silence: {why}");
        }
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
            } else if let Some(a) = p.awaiting.get(m).filter(|_| p.status.is_open()) {
                let note = a.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
                outln!("    {m}  awaiting instructions since {} (not a position){note}", a.at);
            }
        }
    }
    if let Some(e) = outcome.and_then(|o| o.get("explanation")).and_then(Value::as_str) {
        outln!("  {e}");
    }
}

pub async fn proposal(cmd: ProposalCmd) -> anyhow::Result<()> {
    match cmd {
        ProposalCmd::List { status, body, limit, conn } => {
            let c = Client::new(&conn)?;
            let mut path = format!("/api/v1/proposals?limit={limit}");
            if let Some(s) = status {
                path += &format!("&status={}", s.name());
            }
            if let Some(b) = body {
                if b != "principal" {
                    concord_core::BodyId::parse(&b).map_err(|e| anyhow::anyhow!(e))?;
                }
                path += &format!("&body={b}");
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
        ProposalCmd::Create { body, follows, kind, title, text, text_file, significance, conn } => {
            let text = match (text, text_file) {
                (Some(t), _) => t,
                (None, Some(f)) => {
                    std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?
                }
                (None, None) => bail!("give --text or --text-file"),
            };
            let body = body.as_deref().map(concord_core::BodyId::parse).transpose().map_err(|e| anyhow::anyhow!(e))?;
            let body = json!({ "body": body, "follows": follows, "kind": kind, "title": title, "text": text,
                "significance": significance });
            write(&conn, "/api/v1/proposals", body).await
        }
        ProposalCmd::Circulate { id, procedure, deadline, marking, urgent, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            let body = json!({ "procedure": procedure, "deadline": d, "marking": marking, "urgent": urgent });
            write(&conn, &format!("/api/v1/proposals/{id}/circulate"), body).await
        }
        ProposalCmd::Amend { id, text, title, deadline, urgent, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            let body = json!({ "text": text, "title": title, "deadline": d, "urgent": urgent });
            write(&conn, &format!("/api/v1/proposals/{id}/amend"), body).await
        }
        ProposalCmd::Extend { id, deadline, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(&conn, &format!("/api/v1/proposals/{id}/extend"), json!({ "deadline": d })).await
        }
        ProposalCmd::Curtail { id, deadline, urgent, conn } => {
            let d = resolve(deadline.deadline, deadline.for_)?;
            write(&conn, &format!("/api/v1/proposals/{id}/curtail"), json!({ "deadline": d, "urgent": urgent })).await
        }
        ProposalCmd::Reopen { id, reason, conn } => {
            write(&conn, &format!("/api/v1/proposals/{id}/reopen"), json!({ "reason": reason })).await
        }
        ProposalCmd::AwaitInstructions { id, note, conn } => {
            write(&conn, &format!("/api/v1/proposals/{id}/instructions"), json!({ "note": note })).await
        }
        ProposalCmd::Withdraw { id, reason, conn } => {
            write(&conn, &format!("/api/v1/proposals/{id}/withdraw"), json!({ "reason": reason })).await
        }
    }
}

/// Posts a write and prints the proposal it answers with.
pub(super) async fn write(conn: &Conn, path: &str, body: Value) -> anyhow::Result<()> {
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
