//! `concord gdp`: members' GDP figures, `/api/v1/gdp`: record (the data burden share reads).

use concord_core::support::GdpRecord;
use serde_json::json;

use super::flags::code;
use super::output::show;
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum GdpCmd {
    /// Records a member's GDP for a year, with its unit and source (secretariat). A second
    /// figure for the same member and year needs --correction, the reason it replaces the first.
    Record {
        /// The member (ISO 3166-1 alpha-3).
        #[arg(long)]
        member: String,
        /// The calendar year the figure is for.
        #[arg(long)]
        year: i16,
        /// A positive whole number, in --unit.
        #[arg(long)]
        value: u64,
        /// What the value counts, e.g. "USD billion".
        #[arg(long)]
        unit: String,
        /// Where the figure comes from, e.g. "IMF World Economic Outlook, October 2024".
        #[arg(long)]
        source: String,
        /// Why this figure replaces one already recorded for the member and year.
        #[arg(long)]
        correction: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn gdp(cmd: GdpCmd) -> anyhow::Result<()> {
    match cmd {
        GdpCmd::Record { member, year, value, unit, source, correction, conn } => {
            let body = json!({
                "member": code("member", &member)?,
                "year": year,
                "value": value,
                "unit": unit,
                "source": source,
                "correction": correction,
            });
            let v = Client::new(&conn)?.post("/api/v1/gdp", body).await?;
            show(&conn, v, |r: GdpRecord| {
                let f = &r.figure;
                outln!("{} {}: {} {} ({}), recorded {}", f.member, f.year, f.value, f.unit, f.source, r.recorded_at)
            })
        }
    }
}
