//! `concord pledge import FILE.csv`: many pledges at once, all or nothing. The file is read and
//! checked here, row by row (a row that does not parse is named, and nothing is sent); the
//! server then decides every row as a pledge of its own, in one command, and names the first row
//! it refuses — so either every row is recorded or none is. The columns, and the parser, are
//! [`concord_core::support::pledge_csv`]'s.

use crate::terminal::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::support;
use concord_core::support::PledgeEntry;
use concord_core::support::pledge_csv::{self, PledgeCsvError};

use crate::client::{Client, Conn};

#[derive(Debug, clap::Subcommand)]
pub enum PledgeCmd {
    /// Records every pledge of a CSV file, or none (a member for itself; the secretariat for any donor).
    Import {
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
}

/// Every row of a CSV file as a pledge; the first that does not parse is named (rows count from
/// 1 after the header, as the server counts them).
pub fn read(file: &std::path::Path) -> anyhow::Result<Vec<PledgeEntry>> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    match pledge_csv::parse(&bytes) {
        Ok(pledges) => Ok(pledges),
        Err(PledgeCsvError::Empty) => {
            bail!("{} holds no pledges (a header row, then one row per pledge)", file.display())
        }
        Err(e @ PledgeCsvError::Row { .. }) => bail!("{e} (nothing was imported)"),
    }
}

pub async fn run(cmd: PledgeCmd) -> anyhow::Result<()> {
    match cmd {
        PledgeCmd::Import { file, conn } => {
            let pledges = read(&file)?;
            let n = pledges.len();
            let answer =
                Client::new(&conn)?.post("/api/v1/pledges/import", serde_json::json!({ "pledges": pledges })).await?;
            if conn.json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                let ids = answer["pledges"].as_array().map(Vec::len).unwrap_or_default();
                outln!("imported {n} pledges from {} (ids recorded: {ids})", file.display());
            }
            Ok(())
        }
    }
}

/// Every pledge as CSV: an `id` column, then the columns `pledge import` reads, so that an export
/// imports again.
pub fn pledges_csv(support: &support::Support, out: impl std::io::Write) -> anyhow::Result<()> {
    write_csv(support.pledges.values().map(|p| (Some(p.id), &p.terms, p.status)), out)
}

/// Pledges as CSV rows: the `id` (empty for pledges not recorded yet), then the columns `pledge
/// import` reads.
pub fn write_csv<'a>(
    pledges: impl Iterator<Item = (Option<support::PledgeId>, &'a support::PledgeTerms, support::PledgeStatus)>,
    out: impl std::io::Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(pledge_csv::HEADER)?;
    for (id, terms, status) in pledges {
        w.write_record(pledge_csv::record(id, terms, Some(status)))?;
    }
    w.flush()?;
    Ok(())
}

/// Every delivery record (corrections included) as CSV.
pub fn deliveries_csv(support: &support::Support, out: impl std::io::Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["id", "pledge", "delivered_on", "quantity", "value", "currency", "correction", "received_at"])?;
    for d in support.deliveries.values() {
        w.write_record([
            d.id.to_string(),
            d.pledge.to_string(),
            d.delivered_on.to_string(),
            d.quantity.to_string(),
            d.value.decimal(),
            d.value.currency.to_string(),
            d.correction.clone().unwrap_or_default(),
            d.receipt.as_ref().map(|r| r.at.to_string()).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
