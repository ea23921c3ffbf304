//! `concord donor`: non-member donor states, `/api/v1/donors`: register, list.

use concord_core::support::DonorState;
use serde_json::json;

use super::flags::{PageArgs, code, query};
use super::output::{Page, show, table};
use super::{Client, Conn};
use crate::terminal::outln;

#[derive(Debug, clap::Subcommand)]
pub enum DonorCmd {
    /// Registers a non-member state as a donor (secretariat).
    Register {
        /// ISO 3166-1 alpha-3.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists the registered non-member donor states.
    List {
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn donor(cmd: DonorCmd) -> anyhow::Result<()> {
    match cmd {
        DonorCmd::Register { code: c, name, conn } => {
            let body = json!({ "code": code("code", &c)?, "name": name });
            let v = Client::new(&conn)?.post("/api/v1/donors", body).await?;
            show(&conn, v, |d: DonorState| outln!("{}  {}", d.code, d.name))
        }
        DonorCmd::List { page, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/donors{}", query(&page.pairs()))).await?;
            show(&conn, v, |p: Page<DonorState>| table(p, "CODE  NAME", |d| format!("{}   {}", d.code, d.name)))
        }
    }
}
