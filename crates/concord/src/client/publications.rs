//! `concord publish`: releases a log entry to a wider audience (secretariat),
//! `POST /api/v1/log/entries/{seq}/publication`.

use concord_core::Marking;
use serde_json::json;

use super::output::print_json;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The entry to publish (its place in the log, as `concord verify` and the log page number it).
    pub seq: u64,
    /// Who may read it from now on: members+partner:<A3> or public; only ever wider.
    #[arg(long)]
    pub to: Marking,
    #[command(flatten)]
    pub conn: Conn,
}

pub async fn publish(args: PublishArgs) -> anyhow::Result<()> {
    let c = Client::new(&args.conn)?;
    let answer =
        c.post(&format!("/api/v1/log/entries/{}/publication", args.seq), json!({ "marking": args.to })).await?;
    if args.conn.json {
        return print_json(&answer);
    }
    outln!("entry {} is published to {}", args.seq, args.to);
    Ok(())
}
