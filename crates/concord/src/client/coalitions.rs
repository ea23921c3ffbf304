//! `concord coalition`: capability coalitions, `/api/v1/coalitions`: form, join, list, show.

use concord_core::CountryCode;
use concord_core::support::{Capability, Coalition};
use serde_json::json;

use super::flags::codes;
use super::flags::{PageArgs, code, date, opt, query, word};
use super::output::{Page, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

fn print_coalition(c: &Coalition) {
    let t = &c.terms;
    let list =
        |s: &std::collections::BTreeSet<CountryCode>| s.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(" ");
    outln!("Coalition {} — {} ({})", c.id, t.name, t.capability);
    outln!("  leads         {}", list(&t.leads));
    outln!("  participants  {}", list(&t.participants));
    if let Some(d) = t.formed_on {
        outln!("  formed        {d}");
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum CoalitionCmd {
    /// Records a coalition (secretariat).
    Form {
        #[arg(long)]
        name: String,
        /// e.g. air-defence, artillery, drones.
        #[arg(long)]
        capability: String,
        /// A lead nation (repeat the flag); a lead takes part too.
        #[arg(long = "lead")]
        leads: Vec<String>,
        /// A participating state, member or not (repeat the flag).
        #[arg(long = "participant")]
        participants: Vec<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        formed_on: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// A state joins a coalition, or a participant becomes a lead (the secretariat, or a member
    /// for itself).
    Join {
        id: u64,
        #[arg(long)]
        participant: String,
        #[arg(long)]
        lead: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists coalitions.
    List {
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a coalition.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn coalition(cmd: CoalitionCmd) -> anyhow::Result<()> {
    match cmd {
        CoalitionCmd::Form { name, capability, leads, participants, formed_on, conn } => {
            let leads = codes("lead", &leads)?;
            let mut participants = codes("participant", &participants)?;
            participants.extend(leads.iter().copied());
            let body = json!({
                "name": name,
                "capability": word::<Capability>("capability", &capability)?,
                "leads": leads,
                "participants": participants,
                "formed_on": opt(formed_on.as_deref(), |d| date("formed-on", d))?,
            });
            let v = Client::new(&conn)?.post("/api/v1/coalitions", body).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
        CoalitionCmd::Join { id, participant, lead, conn } => {
            let body = json!({ "participant": code("participant", &participant)?, "lead": lead });
            let v = Client::new(&conn)?.post(&format!("/api/v1/coalitions/{id}/participants"), body).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
        CoalitionCmd::List { page, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/coalitions{}", query(&page.pairs()))).await?;
            let header = format!("{:>4}  {:<14} {:<13} {:<20} NAME", "ID", "CAPABILITY", "PARTICIPANTS", "LEADS");
            show(&conn, v, |p: Page<Coalition>| {
                table(p, &header, |c| {
                    let leads: Vec<&str> = c.terms.leads.iter().map(CountryCode::as_str).collect();
                    format!(
                        "{:>4}  {:<14} {:<13} {:<20} {}",
                        c.id,
                        c.terms.capability.words(),
                        c.terms.participants.len(),
                        leads.join(" "),
                        c.terms.name
                    )
                });
            })
        }
        CoalitionCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/coalitions/{id}")).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
    }
}
