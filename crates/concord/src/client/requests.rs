//! `concord request`: a partner's requests for assistance, `/api/v1/requests`, each shown with
//! its coverage (what is pledged and delivered against it).

use concord_core::support::{Capability, Coverage, Priority, RequestStatus, SupportCategory, SupportRequest};
use serde::Deserialize;
use serde_json::json;

use super::flags::{PageArgs, code, date, filter, opt, query, word};
use super::output::{Page, lethality, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, Deserialize)]
struct RequestView {
    #[serde(flatten)]
    request: SupportRequest,
    coverage: Coverage,
}

fn print_request(v: &RequestView) {
    let (r, c) = (&v.request, &v.coverage);
    let t = &r.terms;
    outln!("Request {} — {} ({})", r.id, t.description, t.partner);
    outln!("  category    {} ({}), capability {}", t.category, lethality(t.category.is_lethal()), t.capability);
    let needed = t.needed_by.map(|d| format!(", needed by {d}")).unwrap_or_default();
    outln!("  quantity    {} {}, priority {}{needed}", t.quantity, t.unit, t.priority);
    outln!("  coverage    {}: {} pledged, {} delivered of {} requested", c.status, c.pledged, c.delivered, c.requested);
    outln!("  submitted   {}", r.submitted_at);
    if let Some(w) = r.withdrawn_at {
        outln!("  withdrawn   {w}");
    }
    let ids: Vec<String> = r.pledges.iter().map(ToString::to_string).collect();
    outln!("  pledges     {}", if ids.is_empty() { "none".to_owned() } else { ids.join(", ") });
}

#[derive(Debug, clap::Subcommand)]
pub enum RequestCmd {
    /// Files a request for assistance (the partner, for itself).
    File {
        /// The partner asking (ISO 3166-1 alpha-3).
        #[arg(long)]
        partner: String,
        /// e.g. artillery-ammunition, medical, winter-equipment.
        #[arg(long)]
        category: String,
        /// e.g. artillery, air-defence, medical.
        #[arg(long)]
        capability: String,
        #[arg(long)]
        description: String,
        #[arg(long)]
        quantity: u64,
        /// What a quantity counts (rounds, systems, sets).
        #[arg(long)]
        unit: String,
        /// critical, high, medium or low.
        #[arg(long)]
        priority: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        needed_by: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Withdraws a request (the partner that filed it).
    Withdraw {
        id: u64,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists requests with their coverage.
    List {
        #[arg(long)]
        partner: Option<String>,
        /// open, partially-covered, covered, closed or withdrawn.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a request, its coverage and the pledges that answer it.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn request(cmd: RequestCmd) -> anyhow::Result<()> {
    match cmd {
        RequestCmd::File { partner, category, capability, description, quantity, unit, priority, needed_by, conn } => {
            let body = json!({
                "partner": code("partner", &partner)?,
                "category": word::<SupportCategory>("category", &category)?,
                "capability": word::<Capability>("capability", &capability)?,
                "description": description,
                "quantity": quantity,
                "unit": unit,
                "priority": word::<Priority>("priority", &priority)?,
                "needed_by": opt(needed_by.as_deref(), |d| date("needed-by", d))?,
            });
            let v = Client::new(&conn)?.post("/api/v1/requests", body).await?;
            show(&conn, v, |r: RequestView| print_request(&r))
        }
        RequestCmd::Withdraw { id, reason, conn } => {
            let v = Client::new(&conn)?
                .post(&format!("/api/v1/requests/{id}/withdraw"), json!({ "reason": reason }))
                .await?;
            show(&conn, v, |r: RequestView| print_request(&r))
        }
        RequestCmd::List { partner, status, category, priority, page, conn } => {
            let mut pairs = vec![
                ("partner", opt(partner.as_deref(), |s| code("partner", s))?.map(|c| c.to_string())),
                ("status", filter::<RequestStatus>("status", status.as_deref())?),
                ("category", filter::<SupportCategory>("category", category.as_deref())?),
                ("priority", filter::<Priority>("priority", priority.as_deref())?),
            ];
            pairs.extend(page.pairs());
            let q = query(&pairs);
            let v = Client::new(&conn)?.get(&format!("/api/v1/requests{q}")).await?;
            show(&conn, v, |p: Page<RequestView>| {
                table(
                    p,
                    &format!(
                        "{:>4}  {:<7} {:<18} {:>9} {:>9} {:>9}  {:<8}  DESCRIPTION",
                        "ID", "PARTNER", "STATUS", "REQUESTED", "PLEDGED", "DELIVERED", "PRIORITY"
                    ),
                    |v| {
                        let (r, c) = (&v.request, &v.coverage);
                        format!(
                            "{:>4}  {:<7} {:<18} {:>9} {:>9} {:>9}  {:<8}  {}",
                            r.id,
                            r.terms.partner.as_str(),
                            c.status.words(),
                            c.requested,
                            c.pledged,
                            c.delivered,
                            r.terms.priority.words(),
                            r.terms.description
                        )
                    },
                );
            })
        }
        RequestCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/requests/{id}")).await?;
            show(&conn, v, |r: RequestView| print_request(&r))
        }
    }
}
