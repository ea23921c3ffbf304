//! `concord position`: positions on a proposal, `/api/v1/proposals/{id}/positions`: take one
//! (signed here, with the member's own key, when `--key` is given), or show the consensus grid.

use anyhow::{Context, bail};
use concord_core::{Proposal, Stance};
use jiff::Timestamp;
use serde_json::json;

use super::output::print_json;
use super::proposals::write;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum PositionCmd {
    /// Takes a position on the current revision of a proposal (member delegation).
    Take {
        id: u64,
        /// concur, concur-with-reservation, opt-out, object, propose-amendment; in a vote: yes,
        /// no, abstain, not-participating.
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
    let (key, origin, member) = crate::keys::read_member_signer(key_file)?;
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
        origin,
        member,
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
                let silent = match e["awaiting"]["at"].as_str() {
                    Some(at) => format!("(silent, awaiting instructions since {at})"),
                    None => "(silent)".to_owned(),
                };
                let stance = e["stance"].as_str().map_or(silent, |s| s.replace('_', " "));
                let stance = if e["signed"] == true { format!("{stance}, signed") } else { stance };
                let text = e["text"].as_str().or(e["awaiting"]["note"].as_str());
                let text = text.map(|t| format!("  {t}")).unwrap_or_default();
                outln!("  {}  {stance}{text}", e["member"].as_str().unwrap_or("?"));
            }
            Ok(())
        }
    }
}
