//! `concord delivery`: delivery records, `/api/v1/deliveries` (recorded under `concord pledge
//! deliver`): the partner confirms receipt; anyone shows one.

use concord_core::support::Delivery;
use serde_json::json;

use super::output::show;
use super::{Client, Conn};
use crate::terminal::outln;

pub(crate) fn delivery_line(d: &Delivery) -> String {
    let kind = d.correction.as_deref().map(|r| format!("  correction: {r}")).unwrap_or_default();
    let receipt = d.receipt.as_ref().map(|r| format!("  received by {} at {}", r.partner, r.at)).unwrap_or_default();
    format!(
        "delivery {:<4} pledge {:<4} {}  {:>8}  {:>18}{receipt}{kind}",
        d.id, d.pledge, d.delivered_on, d.quantity, d.value
    )
}

#[derive(Debug, clap::Subcommand)]
pub enum DeliveryCmd {
    /// Confirms receipt of a delivery (the partner it was made to).
    Confirm {
        id: u64,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a delivery record and its receipt.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn delivery(cmd: DeliveryCmd) -> anyhow::Result<()> {
    let (conn, v) = match cmd {
        DeliveryCmd::Confirm { id, note, conn } => {
            let v =
                Client::new(&conn)?.post(&format!("/api/v1/deliveries/{id}/receipt"), json!({ "note": note })).await?;
            (conn, v)
        }
        DeliveryCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/deliveries/{id}")).await?;
            (conn, v)
        }
    };
    show(&conn, v, |d: Delivery| outln!("{}", delivery_line(&d)))
}
