//! `concord population`: each member's population for a year, from a named source,
//! `/api/v1/populations`: record (from a CSV file), list, show. The figures weigh the rules that
//! count people (qualified majority, constructive abstention).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::CountryCode;
use concord_core::decision_rule::{Populations, percent};
use serde_json::json;

use super::flags::code;
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

/// `member,population` lines; a first line that is not a figure is a header.
fn read_figures(text: &str) -> anyhow::Result<BTreeMap<CountryCode, u64>> {
    let mut figures = BTreeMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((member, figure)) = line.split_once(',') else {
            bail!("line {}: expected `member,population`, found {line:?}", i + 1);
        };
        let figure = figure.trim().replace(['_', ' '], "");
        let Ok(figure) = figure.parse::<u64>() else {
            if i == 0 {
                continue;
            }
            bail!("line {}: {figure:?} is not a whole number of people", i + 1);
        };
        if figures.insert(code("member", member.trim())?, figure).is_some() {
            bail!("line {}: {} is listed twice", i + 1, member.trim());
        }
    }
    if figures.is_empty() {
        bail!("the file lists no figure");
    }
    Ok(figures)
}

fn print(p: &Populations) {
    let total: u64 = p.figures.values().sum();
    outln!("{}: {} states, {total} people ({})", p.year, p.figures.len(), p.source);
}

pub async fn population(cmd: PopulationCmd) -> anyhow::Result<()> {
    match cmd {
        PopulationCmd::Record { year, source, file, conn } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let figures = read_figures(&text).with_context(|| format!("{}", file.display()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_with_or_without_a_header_and_refuse_nonsense() {
        let f = read_figures("member,population\nDEU, 83 445 000\nFRA,68402000\n").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[&CountryCode::parse("DEU").unwrap()], 83_445_000);
        assert!(read_figures("FRA,1\nDEU,many\n").is_err(), "a bad figure after the first line");
        assert!(read_figures("FRA,1\nFRA,2\n").is_err(), "twice");
        assert!(read_figures("").is_err(), "empty");
        assert!(read_figures("France,1\n").is_err(), "not a code");
    }
}
