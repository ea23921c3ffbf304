//! The support exports as bytes: every pledge and every delivery record as CSV and as JSON. The
//! server publishes them at stable URLs and `concord report pledges|deliveries` prints them, from
//! these same functions, so the two give the same bytes. The pledge columns are
//! [`pledge_csv`](super::pledge_csv)'s, so that an export imports again.

use super::{PledgeId, PledgeStatus, PledgeTerms, Support, pledge_csv};

/// Pledges as CSV rows: the `id` (empty for pledges not recorded yet), then the columns `pledge
/// import` reads.
pub fn write_pledges_csv<'a>(
    pledges: impl Iterator<Item = (Option<PledgeId>, &'a PledgeTerms, PledgeStatus)>,
    out: impl std::io::Write,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(pledge_csv::HEADER)?;
    for (id, terms, status) in pledges {
        w.write_record(pledge_csv::record(id, terms, Some(status)))?;
    }
    w.flush()?;
    Ok(())
}

/// Every pledge as CSV.
pub fn pledges_csv(support: &Support) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::new();
    write_pledges_csv(support.pledges.values().map(|p| (Some(p.id), &p.terms, p.status)), &mut out)?;
    Ok(out)
}

/// Every delivery record (corrections included) as CSV.
pub fn deliveries_csv(support: &Support) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "pledge", "delivered_on", "quantity", "value", "currency", "correction", "received_at"])?;
    for d in support.deliveries.values() {
        w.write_record([
            d.id.to_string(),
            d.pledge.to_string(),
            d.delivered_on.to_string(),
            d.quantity.to_string(),
            d.value.decimal(),
            d.value.currency.to_string(),
            d.correction.as_deref().unwrap_or_default().to_owned(),
            d.receipt.as_ref().map(|r| r.at.to_string()).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Every pledge as a JSON array, pretty-printed, with a final newline.
pub fn pledges_json(support: &Support) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(&support.pledges.values().collect::<Vec<_>>())? + "\n")
}

/// Every delivery record as a JSON array, pretty-printed, with a final newline.
pub fn deliveries_json(support: &Support) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(&support.deliveries.values().collect::<Vec<_>>())? + "\n")
}
