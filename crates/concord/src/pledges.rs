//! `concord pledge import FILE.csv`: many pledges at once, all or nothing. The file is read and
//! checked here, row by row (a row that does not parse is named, and nothing is sent); the
//! server then decides every row as a pledge of its own, in one command, and names the first row
//! it refuses — so either every row is recorded or none is.
//!
//! Columns (a header row first; the order is free; empty cells are absent values):
//! `donor, recipient, channel, coalition, fund, category, capability, range, item, quantity,
//! value, currency, valuation, announced_on, request, status, source_ref`. Enumerations are the
//! API's snake_case words (`alliance_fund`, `artillery_ammunition`, …); `value` is a decimal in
//! the currency's units (`1250000.50`), converted exactly to minor units.

use crate::terminal::outln;
use std::path::PathBuf;

use anyhow::{Context, bail};
use concord_core::support::{Currency, Money, PledgeEntry, PledgeTerms};
use concord_core::{CountryCode, support};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

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

/// One CSV row as text, before it is checked.
#[derive(Debug, Deserialize)]
struct Row {
    donor: String,
    recipient: String,
    channel: String,
    coalition: Option<u64>,
    fund: Option<u64>,
    category: String,
    capability: String,
    range: String,
    item: String,
    quantity: u64,
    value: String,
    currency: String,
    valuation: String,
    announced_on: Option<String>,
    request: Option<u64>,
    status: Option<String>,
    source_ref: Option<String>,
}

fn word<T: DeserializeOwned>(column: &str, s: &str) -> anyhow::Result<T> {
    serde_json::from_value(Value::String(s.trim().to_owned()))
        .map_err(|_| anyhow::anyhow!("{column}: {s:?} is not one of the accepted values"))
}

fn code(column: &str, s: &str) -> anyhow::Result<CountryCode> {
    CountryCode::parse(s.trim()).map_err(|e| anyhow::anyhow!("{column}: {e}"))
}

fn entry(r: Row) -> anyhow::Result<PledgeEntry> {
    let currency = Currency::parse(r.currency.trim()).map_err(|e| anyhow::anyhow!("currency: {e}"))?;
    let announced_on = match r.announced_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse().map_err(|e| anyhow::anyhow!("announced_on: {d:?} is not a date: {e}"))?),
    };
    let terms = PledgeTerms {
        donor: code("donor", &r.donor)?,
        recipient: code("recipient", &r.recipient)?,
        request: r.request.map(support::RequestId),
        channel: word("channel", &r.channel)?,
        coalition: r.coalition.map(support::CoalitionId),
        fund: r.fund.map(support::FundId),
        category: word("category", &r.category)?,
        capability: word("capability", &r.capability)?,
        range: word("range", &r.range)?,
        item: r.item,
        quantity: r.quantity,
        value: Money::parse_decimal(r.value.trim(), currency).map_err(|e| anyhow::anyhow!("value: {e}"))?,
        valuation: word("valuation", &r.valuation)?,
        announced_on,
        source_ref: r.source_ref.filter(|s| !s.trim().is_empty()),
        authorised_by: None,
    };
    let status = match r.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(word("status", s)?),
    };
    Ok(PledgeEntry { terms, status })
}

/// Every row of a CSV file as a pledge; the first that does not parse is named (rows count from
/// 1 after the header, as the server counts them).
pub fn read(file: &std::path::Path) -> anyhow::Result<Vec<PledgeEntry>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let row = row.map_err(|e| anyhow::anyhow!("row {}: {e} (nothing was imported)", i + 1))?;
        out.push(entry(row).map_err(|e| anyhow::anyhow!("row {}: {e:#} (nothing was imported)", i + 1))?);
    }
    if out.is_empty() {
        bail!("{} holds no pledges (a header row, then one row per pledge)", file.display());
    }
    Ok(out)
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

/// A value's snake_case word, as the API and the CSV columns spell it.
fn word_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        other => format!("{other:?}"),
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
    w.write_record([
        "id",
        "donor",
        "recipient",
        "channel",
        "coalition",
        "fund",
        "category",
        "capability",
        "range",
        "item",
        "quantity",
        "value",
        "currency",
        "valuation",
        "announced_on",
        "request",
        "status",
        "source_ref",
    ])?;
    let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
    for (id, t, status) in pledges {
        w.write_record([
            opt(id.map(|i| i.0)),
            t.donor.to_string(),
            t.recipient.to_string(),
            word_of(&t.channel),
            opt(t.coalition.map(|c| c.0)),
            opt(t.fund.map(|f| f.0)),
            word_of(&t.category),
            word_of(&t.capability),
            word_of(&t.range),
            t.item.clone(),
            t.quantity.to_string(),
            t.value.decimal(),
            t.value.currency.to_string(),
            word_of(&t.valuation),
            t.announced_on.map(|d| d.to_string()).unwrap_or_default(),
            opt(t.request.map(|r| r.0)),
            word_of(&status),
            t.source_ref.clone().unwrap_or_default(),
        ])?;
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
