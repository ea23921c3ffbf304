//! `concord rate`: dated exchange rates, `/api/v1/exchange-rates`: record, list.

use anyhow::anyhow;
use concord_core::support::{FxRate, Rate};
use serde_json::json;

use super::flags::{PageArgs, currency, date, opt, query};
use super::output::{Page, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

fn rate_line(r: &FxRate) -> String {
    format!("{}  1 {} = {} {}", r.on, r.from, r.rate, r.to)
}

#[derive(Debug, clap::Subcommand)]
pub enum RateCmd {
    /// Records a dated exchange rate (secretariat): 1 FROM = RATE TO on the day.
    Record {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// An exact positive decimal, e.g. 1.0812.
        #[arg(long, allow_hyphen_values = true)]
        rate: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists recorded exchange rates.
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn rate(cmd: RateCmd) -> anyhow::Result<()> {
    match cmd {
        RateCmd::Record { from, to, rate, on, conn } => {
            let rate = Rate::parse(rate.trim()).map_err(|e| anyhow!("--rate: {e}"))?;
            let body = json!({
                "from": currency("from", &from)?,
                "to": currency("to", &to)?,
                "rate": rate,
                "on": date("on", &on)?,
            });
            let v = Client::new(&conn)?.post("/api/v1/exchange-rates", body).await?;
            show(&conn, v, |r: FxRate| outln!("{}", rate_line(&r)))
        }
        RateCmd::List { from, to, page, conn } => {
            let mut pairs = vec![
                ("from", opt(from.as_deref(), |c| currency("from", c))?.map(|c| c.to_string())),
                ("to", opt(to.as_deref(), |c| currency("to", c))?.map(|c| c.to_string())),
            ];
            pairs.extend(page.pairs());
            let v = Client::new(&conn)?.get(&format!("/api/v1/exchange-rates{}", query(&pairs))).await?;
            show(&conn, v, |p: Page<FxRate>| table(p, "DAY         RATE", rate_line))
        }
    }
}
