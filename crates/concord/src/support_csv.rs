//! Pledges and delivery records as CSV files: what `concord report pledges` and `report
//! deliveries` print from a database's log, and what `concord synth --csv` writes. The writers
//! are `concord_core::support::export`'s, which the server's `/exports/…` files use too.

use concord_core::support;

/// Pledges as CSV rows: the `id` (empty for pledges not recorded yet), then the columns `pledge
/// import` reads.
pub fn write_csv<'a>(
    pledges: impl Iterator<Item = (Option<support::PledgeId>, &'a support::PledgeTerms, support::PledgeStatus)>,
    out: impl std::io::Write,
) -> anyhow::Result<()> {
    support::export::write_pledges_csv(pledges, out)?;
    Ok(())
}
