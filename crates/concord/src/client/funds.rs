//! `concord fund`: the alliance's funds, `/api/v1/funds`: create, list, show (with their
//! contributions' totals).

use concord_core::support::{Channel, Fund, FundPolicy, Money};
use serde::Deserialize;
use serde_json::json;

use super::flags::{PageArgs, query, word};
use super::output::{Page, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, Deserialize)]
struct FundView {
    #[serde(flatten)]
    fund: Fund,
    contributions: u64,
    totals: Vec<Money>,
}

fn print_fund(f: &Fund) {
    outln!("Fund {} — {}", f.id, f.terms.name);
    outln!("  channel     {}, {}", f.terms.channel, f.terms.policy);
    outln!("  decision    {}", f.terms.authorised_by);
}

#[derive(Debug, clap::Subcommand)]
pub enum FundCmd {
    /// Sets up a fund on an adopted assistance programme or fund policy (secretariat).
    Create {
        #[arg(long)]
        name: String,
        /// alliance-fund or alliance-coordinated.
        #[arg(long)]
        channel: String,
        /// non-lethal-only or any (the alliance fund is non-lethal only).
        #[arg(long)]
        policy: String,
        /// The adopted decision (proposal id) that sets it up.
        #[arg(long)]
        authorised_by: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists funds.
    List {
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a fund with its contributions' count and totals per currency.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn fund(cmd: FundCmd) -> anyhow::Result<()> {
    match cmd {
        FundCmd::Create { name, channel, policy, authorised_by, conn } => {
            let body = json!({
                "name": name,
                "channel": word::<Channel>("channel", &channel)?,
                "policy": word::<FundPolicy>("policy", &policy)?,
                "authorised_by": authorised_by,
            });
            let v = Client::new(&conn)?.post("/api/v1/funds", body).await?;
            show(&conn, v, |f: Fund| print_fund(&f))
        }
        FundCmd::List { page, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/funds{}", query(&page.pairs()))).await?;
            let header = format!("{:>4}  {:<21} {:<16} {:>8}  NAME", "ID", "CHANNEL", "POLICY", "DECISION");
            show(&conn, v, |p: Page<Fund>| {
                table(p, &header, |f| {
                    let t = &f.terms;
                    format!(
                        "{:>4}  {:<21} {:<16} {:>8}  {}",
                        f.id,
                        t.channel.words(),
                        t.policy.words(),
                        t.authorised_by,
                        t.name
                    )
                });
            })
        }
        FundCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/funds/{id}")).await?;
            show(&conn, v, |f: FundView| {
                print_fund(&f.fund);
                let totals: Vec<String> = f.totals.iter().map(ToString::to_string).collect();
                let totals = if totals.is_empty() { "nothing".to_owned() } else { totals.join(", ") };
                outln!("  contributed {} pledge(s): {totals}", f.contributions);
            })
        }
    }
}
