//! Where a report's data comes from: the folded log of a database, or a server's API. Each
//! report comes back as the API's JSON (a database's report serialised the same way), and each
//! export as the bytes the server publishes under `/exports/`.

use anyhow::{Context, bail};
use concord_core::CountryCode;
use concord_core::support::burden::burden_report;
use concord_core::support::report::{pledged_vs_delivered, request_gaps, shares, totals};
use concord_core::support::{Currency, Measure, Money};
use serde_json::Value;

use super::Origin;
use crate::client::{Client, Conn};

/// A folded log, with when its last entry was recorded; or a server to ask.
pub(crate) enum Source {
    Db { state: Box<concord_core::State>, last_at: jiff::Timestamp },
    Server(Client),
}

/// What a burden-share report is asked for, as given on the command line.
pub(crate) struct BurdenAsk<'a> {
    pub measure: Measure,
    pub currency: &'a str,
    pub baseline: &'a str,
    pub year: Option<i16>,
    pub opted_out: &'a [String],
}

fn currency(s: &str) -> anyhow::Result<Currency> {
    Currency::parse(&s.to_ascii_uppercase()).map_err(|e| anyhow::anyhow!("--currency: {e}"))
}

fn code(s: &str) -> anyhow::Result<CountryCode> {
    CountryCode::parse(&s.to_ascii_uppercase()).map_err(|e| anyhow::anyhow!("--opt-out {s}: {e}"))
}

/// `?k=v&…`, each value percent-encoded as the client commands do.
fn query(pairs: &[(&str, String)]) -> String {
    let pairs: Vec<(&str, Option<String>)> = pairs.iter().map(|(k, v)| (*k, Some(v.clone()))).collect();
    crate::client::flags::query(&pairs)
}

impl Source {
    /// The database or the server the flags name: exactly one of them.
    pub async fn open(from: &Origin) -> anyhow::Result<Self> {
        match (&from.db, &from.server) {
            (Some(_), Some(_)) => bail!("give --db or --server, not both (or unset CONCORD_DATABASE / CONCORD_SERVER)"),
            (None, None) => bail!("give --db (a database) or --server with --token (a Concord server)"),
            (Some(db), None) => {
                if !crate::serve::database_exists(db) {
                    bail!("no database at {}", db.display());
                }
                let store = crate::serve::open_store(db).await?;
                let loaded = concord_log::load(store.as_ref()).await.context("cannot read the log")?;
                let last_at = match loaded.size {
                    0 => jiff::Timestamp::UNIX_EPOCH,
                    n => {
                        let entries = store.entries(n - 1, 1).await.context("cannot read the log's last entry")?;
                        let entry = entries.first().context("the log's last entry is missing")?;
                        concord_core::record::decode(&entry.bytes).context("the log's last entry does not read")?.at
                    }
                };
                Ok(Self::Db { state: Box::new(loaded.state), last_at })
            }
            (None, Some(server)) => {
                let conn = Conn { server: server.clone(), token: from.token.clone(), json: false };
                Ok(Self::Server(Client::new(&conn)?))
            }
        }
    }

    pub async fn totals(&self, measure: Measure, cur: &str) -> anyhow::Result<Value> {
        let cur = currency(cur)?;
        match self {
            Self::Db { state, .. } => Ok(serde_json::to_value(totals(&state.support, measure, cur)?)?),
            Self::Server(c) => {
                // The API pages the totals; a report is all of them, as from a database.
                let mut pairs = vec![
                    ("measure", measure.name().to_owned()),
                    ("currency", cur.to_string()),
                    ("limit", "10000".to_owned()),
                ];
                let mut all = c.get(&format!("/api/v1/reports/totals{}", query(&pairs))).await?;
                let mut next = all.as_object_mut().and_then(|o| o.remove("next"));
                while let Some(after) = next.as_ref().and_then(Value::as_str).map(str::to_owned) {
                    pairs.retain(|(k, _)| *k != "after");
                    pairs.push(("after", after));
                    let mut page = c.get(&format!("/api/v1/reports/totals{}", query(&pairs))).await?;
                    next = page.as_object_mut().and_then(|o| o.remove("next"));
                    let rows = page["rows"].as_array().cloned().unwrap_or_default();
                    if let Some(r) = all["rows"].as_array_mut() {
                        r.extend(rows);
                    }
                }
                all["more"] = Value::Bool(false);
                Ok(all)
            }
        }
    }

    pub async fn delivery(&self, cur: &str) -> anyhow::Result<Value> {
        let cur = currency(cur)?;
        match self {
            Self::Db { state, .. } => Ok(serde_json::to_value(pledged_vs_delivered(&state.support, cur)?)?),
            Self::Server(c) => c.get(&format!("/api/v1/reports/delivery?currency={cur}")).await,
        }
    }

    pub async fn gaps(&self) -> anyhow::Result<Value> {
        match self {
            Self::Db { state, .. } => Ok(serde_json::to_value(request_gaps(&state.support))?),
            Self::Server(c) => c.get("/api/v1/reports/gaps").await,
        }
    }

    pub async fn shares(&self, measure: Measure, cur: &str) -> anyhow::Result<Value> {
        let cur = currency(cur)?;
        match self {
            Self::Db { state, .. } => Ok(serde_json::to_value(shares(&state.support, measure, cur)?)?),
            Self::Server(c) => {
                c.get(&format!("/api/v1/reports/shares?measure={}&currency={cur}", measure.name())).await
            }
        }
    }

    pub async fn burden(&self, ask: BurdenAsk<'_>) -> anyhow::Result<Value> {
        let cur = currency(ask.currency)?;
        let opted: Vec<CountryCode> = ask.opted_out.iter().map(|m| code(m)).collect::<anyhow::Result<_>>()?;
        let baseline = Money::parse_decimal(ask.baseline, cur).map_err(|e| anyhow::anyhow!("--baseline: {e}"))?;
        match self {
            Self::Db { state, .. } => {
                Ok(serde_json::to_value(burden_report(state, ask.measure, baseline, ask.year, &opted)?)?)
            }
            Self::Server(c) => {
                let mut pairs = vec![
                    ("baseline", ask.baseline.to_owned()),
                    ("measure", ask.measure.name().to_owned()),
                    ("currency", cur.to_string()),
                ];
                if let Some(y) = ask.year {
                    pairs.push(("year", y.to_string()));
                }
                if !opted.is_empty() {
                    pairs.push(("opt_out", opted.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(",")));
                }
                c.get(&format!("/api/v1/reports/burden{}", query(&pairs))).await
            }
        }
    }

    /// One of the CSV or JSON exports, as the server publishes it.
    pub async fn export(&self, file: &str) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Db { state, .. } => {
                let s = &state.support;
                Ok(match file {
                    "pledges.csv" => concord_core::support::export::pledges_csv(s)?,
                    "deliveries.csv" => concord_core::support::export::deliveries_csv(s)?,
                    "pledges.json" => concord_core::support::export::pledges_json(s)?.into_bytes(),
                    _ => concord_core::support::export::deliveries_json(s)?.into_bytes(),
                })
            }
            Self::Server(c) => c.get_bytes(&format!("/exports/{file}")).await,
        }
    }

    /// The IATI 2.03 document, generated at the log's last entry.
    pub async fn iati(&self, org_ref: String, org_name: String) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Db { state, last_at } => {
                let options = concord_iati::Options {
                    reporting_org_ref: org_ref,
                    reporting_org_name: org_name,
                    generated: *last_at,
                };
                let xml = concord_iati::activities(state, &options).context("cannot write the IATI document")?;
                Ok((xml + "\n").into_bytes())
            }
            Self::Server(c) => {
                if org_ref != concord_iati::DEFAULT_ORG_REF || org_name != concord_iati::DEFAULT_ORG_NAME {
                    bail!("--org-ref and --org-name apply to --db: a server publishes under its own identifier");
                }
                c.get_bytes("/exports/iati-activities.xml").await
            }
        }
    }
}
