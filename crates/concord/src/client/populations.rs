//! `concord population`: each member's population for a year, from a named source,
//! `/api/v1/populations`: record (from a CSV file), list, show. The figures weigh the rules that
//! count people (qualified majority, constructive abstention).

use std::path::PathBuf;

use anyhow::Context;
use concord_core::decision_rule::{Populations, percent};
use serde_json::json;

use super::output::show;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum PopulationCmd {
    /// Records a year's figures (secretariat) from a CSV file of `member,population` lines (a
    /// header line is allowed). A year recorded again is corrected for procedures opening from
    /// now on; an open one keeps the figures it opened with.
    Record {
        /// The year the figures apply to.
        #[arg(long)]
        year: i16,
        /// Where they come from, e.g. an Official Journal reference.
        #[arg(long)]
        source: String,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists the years recorded, with their sources.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows one year's figures, each with its share of the total.
    Show {
        year: i16,
        #[command(flatten)]
        conn: Conn,
    },
}

fn print(p: &Populations) {
    let total: u64 = p.figures.values().sum();
    outln!("{}: {} states, {total} people ({})", p.year, p.figures.len(), p.source);
}

pub async fn population(cmd: PopulationCmd) -> anyhow::Result<()> {
    match cmd {
        PopulationCmd::Record { year, source, file, conn } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let figures =
                Populations::figures_from_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let body = json!({ "year": year, "source": source, "figures": figures });
            let v = Client::new(&conn)?.post("/api/v1/populations", body).await?;
            show(&conn, v, |p: Populations| print(&p))
        }
        PopulationCmd::List { conn } => {
            let v = Client::new(&conn)?.get("/api/v1/populations").await?;
            show(&conn, v, |years: Vec<Populations>| {
                if years.is_empty() {
                    outln!("No population figures are recorded.");
                }
                years.iter().for_each(print);
            })
        }
        PopulationCmd::Show { year, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/populations/{year}")).await?;
            show(&conn, v, |p: Populations| {
                print(&p);
                let total: u64 = p.figures.values().sum();
                for (m, n) in &p.figures {
                    outln!("  {m}  {n:>12}  {}", percent(*n, total));
                }
            })
        }
    }
}
