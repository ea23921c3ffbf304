//! Pledges and delivery records as CSV files: what `concord report pledges` and `report
//! deliveries` print from a database's log, and what `concord synth --csv` writes. The pledge
//! columns are [`concord_core::support::pledge_csv`]'s, so that an export imports again
//! (`concord pledge import`).

use concord_core::support;
use concord_core::support::pledge_csv;

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
