//! `concord pledge`: a donor's pledges and their deliveries, `/api/v1/pledges`: import a CSV
//! file (all or nothing), record, status, deliver, correct, list, show.
//!
//! `pledge import FILE.csv` reads and checks the file here, row by row (a row that does not
//! parse is named, and nothing is sent); the server then decides every row as a pledge of its
//! own, in one command, and names the first row it refuses, so either every row is recorded or
//! none is. The columns, and the parser, are [`concord_core::support::pledge_csv`]'s.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use concord_core::support::pledge_csv::{self, PledgeCsvError};
use concord_core::support::{
    Capability, Channel, Delivery, Pledge, PledgeEntry, PledgeStatus, RangeClass, SupportCategory, ValuationMethod,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::deliveries::delivery_line;
use super::flags::{PageArgs, amount, code, date, filter, opt, query, signed_amount, word};
use super::output::{Page, lethality, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

/// `GET /api/v1/pledges/{id}`: the pledge with its delivery records.
#[derive(Debug, Deserialize)]
struct PledgeView {
    #[serde(flatten)]
    pledge: Pledge,
    #[serde(default)]
    delivery_records: Vec<Delivery>,
}

fn print_pledge(p: &Pledge, records: &[Delivery]) {
    let t = &p.terms;
    outln!("Pledge {} — {} → {}: {}", p.id, t.donor, t.recipient, t.item);
    let via = match (t.coalition, t.fund) {
        (Some(c), _) => format!(" (coalition {c})"),
        (None, Some(f)) => format!(" (fund {f})"),
        (None, None) => String::new(),
    };
    outln!("  channel     {}{via}", t.channel);
    outln!("  category    {} ({}), range {}", t.category, lethality(p.is_lethal()), t.range);
    outln!("  quantity    {}, value {} ({})", t.quantity, t.value, t.valuation);
    outln!("  status      {}", p.status);
    outln!("  delivered   {}, {}", p.delivered_quantity, p.delivered_value);
    if let Some(d) = t.announced_on {
        outln!("  announced   {d}");
    }
    if let Some(r) = t.request {
        outln!("  request     {r}");
    }
    if let Some(d) = t.authorised_by {
        outln!("  decision    {d}");
    }
    for d in records {
        outln!("    {}", delivery_line(d));
    }
}

/// What a pledge is: the flags of `pledge record`.
#[derive(Debug, clap::Args)]
pub struct PledgeArgs {
    /// The donor: a member, or a registered donor state (ISO 3166-1 alpha-3).
    #[arg(long)]
    donor: String,
    /// The partner receiving it.
    #[arg(long)]
    recipient: String,
    /// alliance-fund, alliance-coordinated, bilateral, coalition or other-multilateral.
    #[arg(long)]
    channel: String,
    /// e.g. artillery-ammunition, medical, winter-equipment.
    #[arg(long)]
    category: String,
    /// e.g. artillery, air-defence, medical.
    #[arg(long)]
    capability: String,
    /// not-applicable, short, medium or long.
    #[arg(long)]
    range: String,
    /// What is given, in words.
    #[arg(long)]
    item: String,
    #[arg(long)]
    quantity: u64,
    /// An exact decimal in the currency's units, e.g. 1250000.00.
    #[arg(long, allow_hyphen_values = true)]
    value: String,
    /// ISO 4217, e.g. EUR.
    #[arg(long)]
    currency: String,
    /// reported-by-donor, market-price-estimate, price-list-estimate or unknown.
    #[arg(long, default_value = "reported-by-donor")]
    valuation: String,
    /// The request it answers.
    #[arg(long)]
    request: Option<u64>,
    /// On the coalition channel: the coalition.
    #[arg(long)]
    coalition: Option<u64>,
    /// On an alliance channel: the fund.
    #[arg(long)]
    fund: Option<u64>,
    /// YYYY-MM-DD.
    #[arg(long)]
    announced_on: Option<String>,
    /// Where the record comes from (a press release, a tracker row).
    #[arg(long)]
    source_ref: Option<String>,
    /// On an alliance channel: the adopted decision it rests on.
    #[arg(long)]
    authorised_by: Option<u64>,
    /// The status it starts in (default announced).
    #[arg(long)]
    status: Option<String>,
}

impl PledgeArgs {
    /// The body of `POST /api/v1/pledges`, every flag checked.
    fn body(&self) -> anyhow::Result<Value> {
        Ok(json!({
            "donor": code("donor", &self.donor)?,
            "recipient": code("recipient", &self.recipient)?,
            "channel": word::<Channel>("channel", &self.channel)?,
            "category": word::<SupportCategory>("category", &self.category)?,
            "capability": word::<Capability>("capability", &self.capability)?,
            "range": word::<RangeClass>("range", &self.range)?,
            "item": self.item,
            "quantity": self.quantity,
            "value": amount(&self.value, &self.currency)?,
            "valuation": word::<ValuationMethod>("valuation", &self.valuation)?,
            "request": self.request,
            "coalition": self.coalition,
            "fund": self.fund,
            "announced_on": opt(self.announced_on.as_deref(), |d| date("announced-on", d))?,
            "source_ref": self.source_ref,
            "authorised_by": self.authorised_by,
            "status": opt(self.status.as_deref(), |s| word::<PledgeStatus>("status", s))?,
        }))
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum PledgeCmd {
    /// Records every pledge of a CSV file, or none (a member for itself; the secretariat for any donor).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Records the file's pledges even if this file, byte for byte, was imported before by
        /// the same token (by default that is refused, and nothing is recorded twice).
        #[arg(long)]
        again: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Records a pledge (a member for itself; the secretariat for any donor).
    Record {
        #[command(flatten)]
        pledge: Box<PledgeArgs>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Moves a pledge's status forward, or cancels it before delivery.
    Status {
        id: u64,
        /// committed, allocated, partially-delivered, delivered or cancelled.
        #[arg(long)]
        status: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Records a delivery against a pledge; never more than was pledged.
    Deliver {
        id: u64,
        /// YYYY-MM-DD.
        #[arg(long)]
        delivered_on: String,
        #[arg(long)]
        quantity: u64,
        /// An exact decimal in the pledge's currency.
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        currency: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Corrects a pledge's deliveries (may be negative; states why).
    Correct {
        id: u64,
        /// YYYY-MM-DD.
        #[arg(long)]
        delivered_on: String,
        /// Added to the delivered quantity; may be negative.
        #[arg(long, allow_negative_numbers = true)]
        quantity: i64,
        /// Added to the delivered value; may be negative, e.g. -1500.00.
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        currency: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists pledges, filtered.
    List {
        #[command(flatten)]
        filters: Box<PledgeFilters>,
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a pledge and its delivery records.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

/// The filters of `pledge list`.
#[derive(Debug, clap::Args)]
pub struct PledgeFilters {
    #[arg(long)]
    donor: Option<String>,
    #[arg(long)]
    recipient: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    request: Option<u64>,
    #[arg(long)]
    coalition: Option<u64>,
    #[arg(long)]
    fund: Option<u64>,
    /// Only lethal categories.
    #[arg(long, conflicts_with = "non_lethal")]
    lethal: bool,
    /// Only non-lethal categories.
    #[arg(long)]
    non_lethal: bool,
    /// Announced on or after (YYYY-MM-DD).
    #[arg(long)]
    announced_from: Option<String>,
    /// Announced on or before (YYYY-MM-DD).
    #[arg(long)]
    announced_to: Option<String>,
}

impl PledgeFilters {
    fn pairs(&self) -> anyhow::Result<Vec<(&'static str, Option<String>)>> {
        let lethal = match (self.lethal, self.non_lethal) {
            (true, _) => Some("true".to_owned()),
            (_, true) => Some("false".to_owned()),
            _ => None,
        };
        let day =
            |flag: &str, v: &Option<String>| opt(v.as_deref(), |d| date(flag, d)).map(|d| d.map(|d| d.to_string()));
        Ok(vec![
            ("donor", opt(self.donor.as_deref(), |s| code("donor", s))?.map(|c| c.to_string())),
            ("recipient", opt(self.recipient.as_deref(), |s| code("recipient", s))?.map(|c| c.to_string())),
            ("channel", filter::<Channel>("channel", self.channel.as_deref())?),
            ("category", filter::<SupportCategory>("category", self.category.as_deref())?),
            ("status", filter::<PledgeStatus>("status", self.status.as_deref())?),
            ("request", self.request.map(|n| n.to_string())),
            ("coalition", self.coalition.map(|n| n.to_string())),
            ("fund", self.fund.map(|n| n.to_string())),
            ("lethal", lethal),
            ("announced_from", day("announced-from", &self.announced_from)?),
            ("announced_to", day("announced-to", &self.announced_to)?),
        ])
    }
}

fn pledge_row(p: &Pledge) -> String {
    let t = &p.terms;
    format!(
        "{:>5}  {:<5} {:<9} {:<20} {:<19} {:>8} {:>20}  {}",
        p.id,
        t.donor.as_str(),
        t.recipient.as_str(),
        t.channel.words(),
        p.status.words(),
        t.quantity,
        t.value.to_string(),
        t.category
    )
}

/// Every row of a CSV file as a pledge; the first that does not parse is named (rows count from
/// 1 after the header, as the server counts them).
fn read(file: &Path) -> anyhow::Result<Vec<PledgeEntry>> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    match pledge_csv::parse(&bytes) {
        Ok(pledges) => Ok(pledges),
        Err(PledgeCsvError::Empty) => {
            bail!("{} holds no pledges (a header row, then one row per pledge)", file.display())
        }
        Err(e @ PledgeCsvError::Row { .. }) => bail!("{e} (nothing was imported)"),
    }
}

/// `pledge import`: every row of the file, recorded by the server as one command. The file's
/// SHA-256 is the write's idempotency key, so that the same file imported twice is answered from
/// the first import (and refused here) rather than recorded twice; `again` sends no key.
async fn import(file: &Path, again: bool, conn: &Conn) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let pledges = read(file)?;
    let n = pledges.len();
    let body = serde_json::json!({ "pledges": pledges });
    let client = Client::new(conn)?;
    let (answer, replayed) = if again {
        (client.post("/api/v1/pledges/import", body).await?, false)
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let key = format!("pledge-import-{}", hex::encode(Sha256::digest(&bytes)));
        client.post_keyed("/api/v1/pledges/import", body, &key).await?
    };
    let ids = id_ranges(answer["pledges"].as_array().into_iter().flatten().filter_map(Value::as_u64));
    if replayed {
        bail!(
            "{} was imported already (pledges {ids}): nothing was recorded again; to record its pledges a second time, pass --again",
            file.display()
        );
    }
    if conn.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        outln!("imported {n} pledges from {}: pledges {ids}", file.display());
    }
    Ok(())
}

/// Ids as runs: `27 to 29, 31`.
fn id_ranges(ids: impl IntoIterator<Item = u64>) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for id in ids {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == id => *end = id,
            _ => runs.push((id, id)),
        }
    }
    let run = |(a, b): &(u64, u64)| if a == b { a.to_string() } else { format!("{a} to {b}") };
    runs.iter().map(run).collect::<Vec<_>>().join(", ")
}

pub async fn pledge(cmd: PledgeCmd) -> anyhow::Result<()> {
    match cmd {
        PledgeCmd::Import { file, again, conn } => import(&file, again, &conn).await,
        PledgeCmd::Record { pledge, conn } => {
            let body = pledge.body()?;
            let v = Client::new(&conn)?.post("/api/v1/pledges", body).await?;
            show(&conn, v, |p: Pledge| print_pledge(&p, &[]))
        }
        PledgeCmd::Status { id, status, conn } => {
            let body = json!({ "status": word::<PledgeStatus>("status", &status)? });
            let v = Client::new(&conn)?.post(&format!("/api/v1/pledges/{id}/status"), body).await?;
            show(&conn, v, |p: Pledge| print_pledge(&p, &[]))
        }
        PledgeCmd::Deliver { id, delivered_on, quantity, value, currency, conn } => {
            let body = json!({
                "delivered_on": date("delivered-on", &delivered_on)?,
                "quantity": quantity,
                "value": amount(&value, &currency)?,
            });
            let v = Client::new(&conn)?.post(&format!("/api/v1/pledges/{id}/deliveries"), body).await?;
            show(&conn, v, |d: Delivery| outln!("{}", delivery_line(&d)))
        }
        PledgeCmd::Correct { id, delivered_on, quantity, value, currency, reason, conn } => {
            let body = json!({
                "delivered_on": date("delivered-on", &delivered_on)?,
                "quantity": quantity,
                "value": signed_amount(&value, &currency)?,
                "reason": reason,
            });
            let v = Client::new(&conn)?.post(&format!("/api/v1/pledges/{id}/corrections"), body).await?;
            show(&conn, v, |d: Delivery| outln!("{}", delivery_line(&d)))
        }
        PledgeCmd::List { filters, page, conn } => {
            let mut pairs = filters.pairs()?;
            pairs.extend(page.pairs());
            let v = Client::new(&conn)?.get(&format!("/api/v1/pledges{}", query(&pairs))).await?;
            let header = format!(
                "{:>5}  {:<5} {:<9} {:<20} {:<19} {:>8} {:>20}  CATEGORY",
                "ID", "DONOR", "RECIPIENT", "CHANNEL", "STATUS", "QUANTITY", "VALUE"
            );
            show(&conn, v, |p: Page<Pledge>| table(p, &header, pledge_row))
        }
        PledgeCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/pledges/{id}")).await?;
            show(&conn, v, |p: PledgeView| print_pledge(&p.pledge, &p.delivery_records))
        }
    }
}
