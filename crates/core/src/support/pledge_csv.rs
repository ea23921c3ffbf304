//! Pledges as CSV: the file `concord pledge import` reads and `concord report pledges` writes.
//!
//! Here, not in the binary, so that the parser is pure and can be fuzzed (`fuzz/`): it takes the
//! file's bytes and opens nothing; the binary reads the file and streams the export.
//!
//! Columns (a header row first; the order is free; unknown columns, such as the export's `id`,
//! are ignored; empty cells are absent values): `donor, recipient, channel, coalition, fund,
//! category, capability, range, item, quantity, value, currency, valuation, announced_on,
//! request, status, source_ref`. Enumerations are the API's snake_case words (`alliance_fund`,
//! `artillery_ammunition`, …); `value` is a decimal in the currency's units (`1250000.50`),
//! converted exactly to minor units.

use serde::Deserialize;

use super::{CoalitionId, Currency, FundId, Money, PledgeEntry, PledgeId, PledgeStatus, PledgeTerms, RequestId};
use crate::CountryCode;
use crate::words::Word;

/// The export's header: an `id` column, then the columns [`parse`] reads, so an export imports
/// again.
pub const HEADER: [&str; 18] = [
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
];

/// Why a CSV file is not a list of pledges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PledgeCsvError {
    /// Rows count from 1 after the header, as the server counts the pledges of an import.
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
    #[error("no pledges (a header row, then one row per pledge)")]
    Empty,
}

/// One CSV row as text, before it is checked.
#[derive(Debug, Deserialize)]
struct Row {
    donor: String,
    recipient: String,
    channel: String,
    coalition: Option<CoalitionId>,
    fund: Option<FundId>,
    category: String,
    capability: String,
    range: String,
    item: String,
    quantity: u64,
    value: String,
    currency: String,
    valuation: String,
    announced_on: Option<String>,
    request: Option<RequestId>,
    status: Option<String>,
    source_ref: Option<String>,
}

/// Every row of a CSV file as a pledge, or the first row that does not parse.
pub fn parse(csv: &[u8]) -> Result<Vec<PledgeEntry>, PledgeCsvError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv);
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let bad = |reason: String| PledgeCsvError::Row { row: i + 1, reason };
        out.push(entry(row.map_err(|e| bad(e.to_string()))?).map_err(bad)?);
    }
    if out.is_empty() {
        return Err(PledgeCsvError::Empty);
    }
    Ok(out)
}

/// The export's record of a pledge (`id` empty for pledges not recorded yet, `status` empty for
/// an entry that takes the default), in the order of [`HEADER`].
#[must_use]
pub fn record(id: Option<PledgeId>, t: &PledgeTerms, status: Option<PledgeStatus>) -> [String; 18] {
    let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
    [
        opt(id.map(PledgeId::get)),
        t.donor.to_string(),
        t.recipient.to_string(),
        word_of(&t.channel),
        opt(t.coalition.map(CoalitionId::get)),
        opt(t.fund.map(FundId::get)),
        word_of(&t.category),
        word_of(&t.capability),
        word_of(&t.range),
        t.item.to_string(),
        t.quantity.to_string(),
        t.value.decimal(),
        t.value.currency.to_string(),
        word_of(&t.valuation),
        t.announced_on.map(|d| d.to_string()).unwrap_or_default(),
        opt(t.request.map(RequestId::get)),
        status.map(|s| word_of(&s)).unwrap_or_default(),
        t.source_ref.as_deref().unwrap_or_default().to_owned(),
    ]
}

fn entry(r: Row) -> Result<PledgeEntry, String> {
    let currency = Currency::parse(r.currency.trim()).map_err(|e| format!("currency: {e}"))?;
    let announced_on = match r.announced_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse().map_err(|e| format!("announced_on: {d:?} is not a date: {e}"))?),
    };
    let terms = PledgeTerms {
        donor: code("donor", &r.donor)?,
        recipient: code("recipient", &r.recipient)?,
        request: r.request,
        channel: word("channel", &r.channel)?,
        coalition: r.coalition,
        fund: r.fund,
        category: word("category", &r.category)?,
        capability: word("capability", &r.capability)?,
        range: word("range", &r.range)?,
        item: r.item.into(),
        quantity: r.quantity,
        value: Money::parse_decimal(r.value.trim(), currency).map_err(|e| format!("value: {e}"))?,
        valuation: word("valuation", &r.valuation)?,
        announced_on,
        source_ref: r.source_ref.filter(|s| !s.trim().is_empty()).map(arcstr::ArcStr::from),
        authorised_by: None,
    };
    let status = match r.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(word("status", s)?),
    };
    Ok(PledgeEntry { terms, status })
}

/// An enumeration from its API word (the serde name), so that CSV and JSON spell it alike.
fn word<T: Word>(column: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|e| format!("{column}: {e}"))
}

fn word_of<T: Word>(v: &T) -> String {
    v.name().to_owned()
}

fn code(column: &str, s: &str) -> Result<CountryCode, String> {
    CountryCode::parse(s.trim()).map_err(|e| format!("{column}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "donor,recipient,channel,coalition,fund,category,capability,range,item,quantity,value,currency,valuation,announced_on,request,status,source_ref\n";

    fn export(entries: &[PledgeEntry]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(HEADER).unwrap();
        for e in entries {
            w.write_record(record(None, &e.terms, e.status)).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn a_row_parses_to_exact_minor_units_and_exports_to_what_imports_again() {
        let csv = format!(
            "{HEAD}FRA,UKR,bilateral,,,tanks,armour, medium ,\"Leopard, 1A5\",10,1000.5,EUR,reported_by_donor,2024-01-16,,committed,\n"
        );
        let entries = parse(csv.as_bytes()).unwrap();
        assert_eq!(entries.len(), 1);
        let t = &entries[0].terms;
        assert_eq!((t.item.as_str(), t.quantity, t.value.minor_units), ("Leopard, 1A5", 10, 100_050));
        assert_eq!(entries[0].status, Some(PledgeStatus::Committed));
        assert_eq!(parse(&export(&entries)).unwrap(), entries);
    }

    #[test]
    fn the_first_bad_row_is_named() {
        let good = "FRA,UKR,bilateral,,,tanks,armour,medium,x,1,1,EUR,reported_by_donor,,,,";
        let csv =
            format!("{HEAD}{good}\nFRA,UKR,bilateral,,,death_ray,armour,medium,x,1,1,EUR,reported_by_donor,,,,\n");
        let err = parse(csv.as_bytes()).unwrap_err();
        assert!(matches!(&err, PledgeCsvError::Row { row: 2, reason } if reason.starts_with("category:")), "{err}");
        assert_eq!(parse(HEAD.as_bytes()), Err(PledgeCsvError::Empty));
    }

    #[test]
    fn ids_in_a_row_are_numbered_from_one() {
        let row = |request: &str| {
            format!("{HEAD}FRA,UKR,bilateral,,,tanks,armour,medium,x,1,1,EUR,reported_by_donor,,{request},,\n")
        };
        assert_eq!(parse(row("3").as_bytes()).unwrap()[0].terms.request.map(RequestId::get), Some(3));
        let err = parse(row("0").as_bytes()).unwrap_err();
        assert!(matches!(&err, PledgeCsvError::Row { row: 1, reason } if reason.contains("numbered from 1")), "{err}");
    }
}
