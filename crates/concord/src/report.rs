//! `concord report`: the support reports (`concord_core::support::report`) over a database's
//! log. The log is read and folded through the same `apply` the server and the verifier run (its
//! chain checked on the way), so a member computing a report from its own copy gets the server's
//! figures. Every report states its measure and currency.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use concord_core::CountryCode;
use concord_core::support::report::{burden_share, pledged_vs_delivered, request_gaps, shares, totals};
use concord_core::support::{Currency, Measure, Money, Support};
use concord_core::words::Word;

/// `println!` that returns the error (a closed pipe, `| head`) instead of panicking, and
/// escapes what a terminal would obey (`crate::terminal`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        writeln!(std::io::stdout().lock(), "{}", $crate::terminal::escape(&line))?
    }};
}

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
    /// Each member's fair share of a baseline by GDP share, against what it gave.
    Burden(BurdenArgs),
    /// Every pledge, as CSV (the columns `pledge import` reads, so an export imports again) or JSON.
    Pledges(ExportArgs),
    /// Every delivery record (corrections included), as CSV or JSON.
    Deliveries(ExportArgs),
    /// Every pledge as an IATI 2.03 activity (pledge, commitment and disbursement transactions),
    /// as XML on standard output.
    Iati(IatiArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The database: a SQLite file or a `postgres://` URL.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct IatiArgs {
    /// The database: a SQLite file or a `postgres://` URL.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
    /// The reporting organisation's IATI identifier.
    #[arg(long, default_value = "XI-CONCORD-ALLIANCE")]
    org_ref: String,
    /// The reporting organisation's name.
    #[arg(long, default_value = "Alliance secretariat (Concord)")]
    org_name: String,
}

#[derive(Debug, clap::Args)]
pub struct Common {
    /// The database: a SQLite file or a `postgres://` URL.
    #[arg(long, env = "CONCORD_DATABASE")]
    db: PathBuf,
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
    /// The baseline to share, a decimal in the report's currency (the Washington pledge:
    /// 40000000000).
    #[arg(long)]
    baseline: String,
    /// GDP by member, `CODE=VALUE`, repeatable, in any one unit.
    #[arg(long = "gdp", required = true)]
    gdp: Vec<String>,
    /// A member that opted out (left out of the shares), repeatable.
    #[arg(long = "opt-out")]
    opted_out: Vec<String>,
}

async fn state(db: &std::path::Path) -> anyhow::Result<concord_core::State> {
    if !crate::serve::database_exists(db) {
        bail!("no database at {}", db.display());
    }
    let store = crate::serve::open_store(db).await?;
    let loaded = concord_log::load(store.as_ref()).await.context("cannot read the log")?;
    Ok(loaded.state)
}

async fn support(db: &std::path::Path) -> anyhow::Result<Support> {
    Ok(state(db).await?.support)
}

/// An enumeration's flag with its serde names listed in `--help` (`[possible values: …]`), parsed
/// by its `FromStr`.
fn listed<T: Word + Clone + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::VALUES.iter().map(|v| v.name())).try_map(|s| s.parse::<T>())
}

fn currency(s: &str) -> anyhow::Result<Currency> {
    Currency::parse(&s.to_ascii_uppercase()).map_err(|e| anyhow::anyhow!("--currency: {e}"))
}

fn code(s: &str) -> anyhow::Result<CountryCode> {
    CountryCode::parse(&s.to_ascii_uppercase()).map_err(|e| anyhow::anyhow!("{s}: {e}"))
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub async fn run(cmd: ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Pledges(a) => {
            let s = support(&a.db).await?;
            if a.json {
                return print_json(&s.pledges.values().collect::<Vec<_>>());
            }
            crate::support_csv::pledges_csv(&s, std::io::stdout().lock())?;
        }
        ReportCmd::Deliveries(a) => {
            let s = support(&a.db).await?;
            if a.json {
                return print_json(&s.deliveries.values().collect::<Vec<_>>());
            }
            crate::support_csv::deliveries_csv(&s, std::io::stdout().lock())?;
        }
        ReportCmd::Iati(a) => {
            let state = state(&a.db).await?;
            let options = concord_iati::Options {
                reporting_org_ref: a.org_ref,
                reporting_org_name: a.org_name,
                generated: jiff::Timestamp::now(),
            };
            let xml = concord_iati::activities(&state, &options).context("cannot write the IATI document")?;
            say!("{xml}");
        }
        ReportCmd::Totals(c) => {
            let (s, cur, measure) = (support(&c.db).await?, currency(&c.currency)?, c.measure);
            let t = totals(&s, measure, cur)?;
            if c.json {
                return print_json(&t);
            }
            say!("measure {measure} · currency {cur} · total {}", t.total);
            say!(
                "{:<8} {:<5} {:<28} {:<7} {:<22} {:<20} {:>7} {:>22}",
                "month",
                "donor",
                "category",
                "lethal",
                "channel",
                "status",
                "pledges",
                "value"
            );
            for r in &t.rows {
                say!(
                    "{:<8} {:<5} {:<28} {:<7} {:<22} {:<20} {:>7} {:>22}",
                    r.month.to_string(),
                    r.donor.as_str(),
                    r.category.to_string(),
                    if r.lethal { "lethal" } else { "-" },
                    r.channel.to_string(),
                    r.status.to_string(),
                    r.pledges,
                    r.value.to_string()
                );
            }
        }
        ReportCmd::Delivery(c) => {
            let (s, cur) = (support(&c.db).await?, currency(&c.currency)?);
            let rows = pledged_vs_delivered(&s, cur)?;
            if c.json {
                return print_json(&rows);
            }
            say!("pledged (committed and later) against delivered · currency {cur}");
            say!("{:<5} {:>22} {:>22} {:>22}", "donor", "pledged", "delivered", "still to deliver");
            for r in &rows {
                say!(
                    "{:<5} {:>22} {:>22} {:>22}",
                    r.donor.as_str(),
                    r.pledged.to_string(),
                    r.delivered.to_string(),
                    r.gap.to_string()
                );
            }
        }
        ReportCmd::Gaps(c) => {
            let s = support(&c.db).await?;
            let gaps = request_gaps(&s);
            if c.json {
                return print_json(&gaps);
            }
            say!(
                "{:<4} {:<8} {:<28} {:>10} {:>10} {:>10} {:<18}",
                "id",
                "partner",
                "category",
                "requested",
                "pledged",
                "delivered",
                "status"
            );
            for g in &gaps {
                say!(
                    "{:<4} {:<8} {:<28} {:>10} {:>10} {:>10} {:<18}",
                    g.request.id.0,
                    g.request.terms.partner.as_str(),
                    g.request.terms.category.to_string(),
                    g.coverage.requested,
                    g.coverage.pledged,
                    g.coverage.delivered,
                    g.coverage.status.words()
                );
            }
        }
        ReportCmd::Shares(c) => {
            let (s, cur, measure) = (support(&c.db).await?, currency(&c.currency)?, c.measure);
            let sh = shares(&s, measure, cur)?;
            if c.json {
                return print_json(&sh);
            }
            say!("shares of lethal and long-range support · measure {measure} · currency {cur}");
            say!("{:<8} {:>22} {:>8} {:>11}", "month", "total", "lethal", "long-range");
            for x in &sh {
                let pct = |bp: u32| format!("{}.{:02}%", bp / 100, bp % 100);
                say!(
                    "{:<8} {:>22} {:>8} {:>11}",
                    x.month.to_string(),
                    x.total.to_string(),
                    pct(x.lethal_bp),
                    pct(x.long_range_bp)
                );
            }
        }
        ReportCmd::Burden(b) => {
            let c = &b.common;
            let (s, cur, measure) = (support(&c.db).await?, currency(&c.currency)?, c.measure);
            let mut gdp = BTreeMap::new();
            for g in &b.gdp {
                let (m, v) = g.split_once('=').with_context(|| format!("--gdp {g}: give CODE=VALUE"))?;
                let v: u64 = v.parse().with_context(|| format!("--gdp {g}: the value is not a whole number"))?;
                gdp.insert(code(m)?, v);
            }
            let opted: Vec<CountryCode> = b.opted_out.iter().map(|m| code(m)).collect::<anyhow::Result<_>>()?;
            let baseline = Money::parse_decimal(&b.baseline, cur).map_err(|e| anyhow::anyhow!("--baseline: {e}"))?;
            let lines = burden_share(&s, measure, baseline, &gdp, &opted)?;
            if c.json {
                return print_json(&lines);
            }
            say!("burden share of {baseline} · measure {measure}");
            say!("{:<6} {:>22} {:>22} {:>9}", "member", "fair share", "given", "of share");
            for l in &lines {
                say!(
                    "{:<6} {:>22} {:>22} {:>8}%",
                    l.member.as_str(),
                    l.fair_share.to_string(),
                    l.given.to_string(),
                    l.ratio_bp / 100
                );
            }
        }
    }
    Ok(())
}
