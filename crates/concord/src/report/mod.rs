//! `concord report`: the support reports (`concord_core::support::report`) and the exports,
//! from a database's log (`--db`, the operator's copy or a member's) or from a server's API
//! (`--server` with a token, for anyone the server lets read them). From a database the log is
//! read and folded through the same `apply` the server and the verifier run (its chain checked
//! on the way), so both give the same figures; each report is printed from its JSON form
//! ([`print`]), the API's, so that both print the same lines. Every report states its measure and
//! currency.

mod print;
mod source;

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use concord_core::support::Measure;
use concord_core::words::Word;

use source::Source;

/// `println!` that returns the error (a closed pipe, `| head`) instead of panicking, and
/// escapes what a terminal would obey (`crate::terminal`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        writeln!(std::io::stdout().lock(), "{}", $crate::terminal::escape(&line))?
    }};
}
pub(crate) use say;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCmd {
    /// Totals by month × donor × category × lethality × channel × status.
    Totals(Common),
    /// Pledged (committed and later) against delivered, by donor.
    Delivery(Common),
    /// Partner requests with what is pledged and delivered against them; uncovered ones first.
    Gaps(Common),
    /// The shares of lethal and of long-range support, month by month.
    Shares(Common),
    /// Each member's fair share of a baseline by its share of the GDP recorded in the log
    /// (`concord gdp record`), against what it gave.
    Burden(BurdenArgs),
    /// Every pledge, as CSV (the columns `pledge import` reads, so an export imports again) or JSON.
    Pledges(ExportArgs),
    /// Every delivery record (corrections included), as CSV or JSON.
    Deliveries(ExportArgs),
    /// Every pledge as an IATI 2.03 activity (pledge, commitment and disbursement transactions),
    /// as XML on standard output; generated at the log's last entry.
    Iati(IatiArgs),
}

/// Where the data comes from: a database, or a server's API with a token; one of the two.
#[derive(Debug, Clone, clap::Args)]
pub struct Origin {
    /// The database: a SQLite file or a `postgres://` URL.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: Option<PathBuf>,
    /// Instead of --db: a Concord server's base URL, read with --token.
    #[arg(long, env = "CONCORD_SERVER")]
    server: Option<String>,
    /// The bearer token for --server (`concord token create`, or printed by `concord demo`).
    #[arg(long, env = "CONCORD_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    from: Origin,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct IatiArgs {
    #[command(flatten)]
    from: Origin,
    /// The reporting organisation's IATI identifier (a server publishes under its own).
    #[arg(long, default_value = concord_iati::DEFAULT_ORG_REF)]
    org_ref: String,
    /// The reporting organisation's name.
    #[arg(long, default_value = concord_iati::DEFAULT_ORG_NAME)]
    org_name: String,
}

#[derive(Debug, clap::Args)]
pub struct Common {
    #[command(flatten)]
    from: Origin,
    /// What to count: committed (and later; the headline), allocated (and later), or delivered.
    #[arg(long, default_value = "committed", value_parser = listed::<Measure>())]
    measure: Measure,
    /// The currency to report in (ISO 4217); other amounts convert at recorded, dated rates.
    #[arg(long, default_value = "EUR")]
    currency: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct BurdenArgs {
    #[command(flatten)]
    common: Common,
    /// The baseline to share, a decimal in the report's currency (default: the Washington
    /// pledge, 40000000000).
    #[arg(long, default_value = concord_server::api::burden::WASHINGTON_PLEDGE)]
    baseline: String,
    /// The GDP year to use (default: each member's latest recorded figure).
    #[arg(long)]
    year: Option<i16>,
    /// A member that opted out (left out of the shares), repeatable.
    #[arg(long = "opt-out")]
    opted_out: Vec<String>,
}

/// An enumeration's flag with its serde names listed in `--help` (`[possible values: …]`), parsed
/// by its `FromStr`.
fn listed<T: Word + Clone + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::VALUES.iter().map(|v| v.name())).try_map(|s| s.parse::<T>())
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn write_raw(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

pub async fn run(cmd: ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Pledges(a) => {
            let file = if a.json { "pledges.json" } else { "pledges.csv" };
            write_raw(&Source::open(&a.from).await?.export(file).await?)
        }
        ReportCmd::Deliveries(a) => {
            let file = if a.json { "deliveries.json" } else { "deliveries.csv" };
            write_raw(&Source::open(&a.from).await?.export(file).await?)
        }
        ReportCmd::Iati(a) => {
            let source = Source::open(&a.from).await?;
            write_raw(&source.iati(a.org_ref, a.org_name).await?)
        }
        ReportCmd::Totals(c) => {
            let v = Source::open(&c.from).await?.totals(c.measure, &c.currency).await?;
            if c.json { print_json(&v) } else { print::totals(&v) }
        }
        ReportCmd::Delivery(c) => {
            let v = Source::open(&c.from).await?.delivery(&c.currency).await?;
            if c.json { print_json(&v) } else { print::delivery(&v, &c.currency.to_ascii_uppercase()) }
        }
        ReportCmd::Gaps(c) => {
            let v = Source::open(&c.from).await?.gaps().await?;
            if c.json { print_json(&v) } else { print::gaps(&v) }
        }
        ReportCmd::Shares(c) => {
            let v = Source::open(&c.from).await?.shares(c.measure, &c.currency).await?;
            if c.json { print_json(&v) } else { print::shares(&v, c.measure.name(), &c.currency.to_ascii_uppercase()) }
        }
        ReportCmd::Burden(b) => {
            let c = &b.common;
            let ask = source::BurdenAsk {
                measure: c.measure,
                currency: &c.currency,
                baseline: &b.baseline,
                year: b.year,
                opted_out: &b.opted_out,
            };
            let v = Source::open(&c.from).await?.burden(ask).await?;
            if c.json { print_json(&v) } else { print::burden(&v) }
        }
    }
}
