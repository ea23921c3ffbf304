//! Client commands for support coordination: `request`, `delivery`, `coalition`, `fund`, `rate`
//! and `donor` (and, in `support_pledges`, `pledge`), all through the API with a bearer token.
//!
//! Every flag is checked here before anything is sent: enumerations are the API's words with
//! hyphens (`--category artillery-ammunition`), countries ISO 3166-1 alpha-3, dates
//! `YYYY-MM-DD`, amounts exact decimals in the currency's units (`--value 1250000.00 --currency
//! EUR`, never a float). A bad flag is one line naming it, and nothing is sent. Output is short
//! aligned text, or the API's JSON with `--json`; a refusal is the server's sentence.

use crate::terminal::outln;
use anyhow::{Context, anyhow};
use concord_core::CountryCode;
use concord_core::support::{
    Capability, Channel, Coalition, Coverage, Currency, Delivery, DonorState, Fund, FundPolicy, FxRate, Money,
    Priority, Rate, RequestStatus, SupportCategory, SupportRequest,
};
use concord_core::words::{UnknownWord, Word};
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{Client, Conn};

// ---- Checking flags: one line naming the flag, before anything is sent. ----

/// An enumeration flag: the API's snake_case word, written with hyphens or underscores.
pub(crate) fn word<T: Word>(flag: &str, s: &str) -> anyhow::Result<T> {
    s.parse().map_err(|e: UnknownWord| {
        // Shown as flags take them, with hyphens.
        let accepted: Vec<_> = e.expected.iter().map(|w| format!("`{}`", w.replace('_', "-"))).collect();
        anyhow!("--{flag}: {s:?} is not accepted; expected one of {}", accepted.join(", "))
    })
}

/// An enumeration filter, checked, as the API's word (`partially_covered`) for a query string.
pub(crate) fn filter<T: Word>(flag: &str, s: Option<&str>) -> anyhow::Result<Option<String>> {
    s.map(|s| word::<T>(flag, s).map(|v| v.name().to_owned())).transpose()
}

pub(crate) fn code(flag: &str, s: &str) -> anyhow::Result<CountryCode> {
    CountryCode::parse(s.trim()).map_err(|e| anyhow!("--{flag}: {e}"))
}

pub(crate) fn currency(flag: &str, s: &str) -> anyhow::Result<Currency> {
    Currency::parse(s.trim()).map_err(|e| anyhow!("--{flag}: {e}"))
}

pub(crate) fn date(flag: &str, s: &str) -> anyhow::Result<Date> {
    s.trim().parse().map_err(|e| anyhow!("--{flag}: {s:?} is not a date YYYY-MM-DD: {e}"))
}

pub(crate) fn opt<T>(v: Option<&str>, parse: impl FnOnce(&str) -> anyhow::Result<T>) -> anyhow::Result<Option<T>> {
    v.map(parse).transpose()
}

/// A non-negative amount, exact in the currency's minor units.
pub(crate) fn amount(value: &str, cur: &str) -> anyhow::Result<Money> {
    let cur = currency("currency", cur)?;
    Money::parse_decimal(value.trim(), cur).map_err(|e| anyhow!("--value: {e}"))
}

/// An amount that may be negative (a correction takes deliveries back).
pub(crate) fn signed_amount(value: &str, cur: &str) -> anyhow::Result<Money> {
    match value.trim().strip_prefix('-') {
        None => amount(value, cur),
        Some(abs) => {
            let m = amount(abs, cur)?;
            Ok(Money { minor_units: -m.minor_units, currency: m.currency })
        }
    }
}

/// `?k=v&…`, percent-encoded, for the given pairs (absent ones left out).
pub(crate) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut url = reqwest::Url::parse("http://query.invalid/").expect("a constant URL parses");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
    }
    url.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default()
}

// ---- Shapes of the API's answers, for the text output. ----

/// One page of a list.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RequestView {
    #[serde(flatten)]
    request: SupportRequest,
    coverage: Coverage,
}

#[derive(Debug, Deserialize)]
struct FundView {
    #[serde(flatten)]
    fund: Fund,
    contributions: u64,
    totals: Vec<Money>,
}

/// Prints the API's JSON (`--json`), or else the answer read as `T` through `text`.
pub(crate) fn show<T: DeserializeOwned>(conn: &Conn, v: Value, text: impl FnOnce(T)) -> anyhow::Result<()> {
    if conn.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    text(serde_json::from_value(v).context("the server's answer is not in the expected shape")?);
    Ok(())
}

/// Prints a page as a table, and where the next page starts.
pub(crate) fn table<T>(page: Page<T>, header: &str, row: impl Fn(&T) -> String) {
    outln!("{header}");
    for item in &page.items {
        outln!("{}", row(item));
    }
    if let Some(next) = page.next {
        outln!("(more: --after {next})");
    }
}

// ---- Text output. ----

pub(crate) fn lethality(lethal: bool) -> &'static str {
    if lethal { "lethal" } else { "non-lethal" }
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

pub(crate) fn delivery_line(d: &Delivery) -> String {
    let kind = d.correction.as_deref().map(|r| format!("  correction: {r}")).unwrap_or_default();
    let receipt = d.receipt.as_ref().map(|r| format!("  received by {} at {}", r.partner, r.at)).unwrap_or_default();
    format!(
        "delivery {:<4} pledge {:<4} {}  {:>8}  {:>18}{receipt}{kind}",
        d.id, d.pledge, d.delivered_on, d.quantity, d.value
    )
}

fn print_coalition(c: &Coalition) {
    let t = &c.terms;
    let list =
        |s: &std::collections::BTreeSet<CountryCode>| s.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(" ");
    outln!("Coalition {} — {} ({})", c.id, t.name, t.capability);
    outln!("  leads         {}", list(&t.leads));
    outln!("  participants  {}", list(&t.participants));
    if let Some(d) = t.formed_on {
        outln!("  formed        {d}");
    }
}

fn print_fund(f: &Fund) {
    outln!("Fund {} — {}", f.id, f.terms.name);
    outln!("  channel     {}, {}", f.terms.channel, f.terms.policy);
    outln!("  decision    {}", f.terms.authorised_by);
}

fn rate_line(r: &FxRate) -> String {
    format!("{}  1 {} = {} {}", r.on, r.from, r.rate, r.to)
}

// ---- request ----

#[derive(Debug, clap::Args)]
pub struct PageArgs {
    /// Items per page, 1 to 1000 (default 50).
    #[arg(long)]
    limit: Option<u32>,
    /// Start after this cursor (the `--after` a previous page printed).
    #[arg(long)]
    after: Option<String>,
}

impl PageArgs {
    pub(crate) fn pairs(&self) -> [(&'static str, Option<String>); 2] {
        [("limit", self.limit.map(|n| n.to_string())), ("after", self.after.clone())]
    }
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

// ---- delivery ----

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

// ---- coalition ----

#[derive(Debug, clap::Subcommand)]
pub enum CoalitionCmd {
    /// Records a coalition (secretariat).
    Form {
        #[arg(long)]
        name: String,
        /// e.g. air-defence, artillery, drones.
        #[arg(long)]
        capability: String,
        /// A lead nation (repeat the flag); a lead takes part too.
        #[arg(long = "lead")]
        leads: Vec<String>,
        /// A participating state, member or not (repeat the flag).
        #[arg(long = "participant")]
        participants: Vec<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        formed_on: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// A state joins a coalition, or a participant becomes a lead (the secretariat, or a member
    /// for itself).
    Join {
        id: u64,
        #[arg(long)]
        participant: String,
        #[arg(long)]
        lead: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists coalitions.
    List {
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a coalition.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

fn codes(flag: &str, list: &[String]) -> anyhow::Result<std::collections::BTreeSet<CountryCode>> {
    list.iter().map(|s| code(flag, s)).collect()
}

pub async fn coalition(cmd: CoalitionCmd) -> anyhow::Result<()> {
    match cmd {
        CoalitionCmd::Form { name, capability, leads, participants, formed_on, conn } => {
            let leads = codes("lead", &leads)?;
            let mut participants = codes("participant", &participants)?;
            participants.extend(leads.iter().copied());
            let body = json!({
                "name": name,
                "capability": word::<Capability>("capability", &capability)?,
                "leads": leads,
                "participants": participants,
                "formed_on": opt(formed_on.as_deref(), |d| date("formed-on", d))?,
            });
            let v = Client::new(&conn)?.post("/api/v1/coalitions", body).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
        CoalitionCmd::Join { id, participant, lead, conn } => {
            let body = json!({ "participant": code("participant", &participant)?, "lead": lead });
            let v = Client::new(&conn)?.post(&format!("/api/v1/coalitions/{id}/participants"), body).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
        CoalitionCmd::List { page, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/coalitions{}", query(&page.pairs()))).await?;
            let header = format!("{:>4}  {:<14} {:<13} {:<20} NAME", "ID", "CAPABILITY", "PARTICIPANTS", "LEADS");
            show(&conn, v, |p: Page<Coalition>| {
                table(p, &header, |c| {
                    let leads: Vec<&str> = c.terms.leads.iter().map(CountryCode::as_str).collect();
                    format!(
                        "{:>4}  {:<14} {:<13} {:<20} {}",
                        c.id,
                        c.terms.capability.words(),
                        c.terms.participants.len(),
                        leads.join(" "),
                        c.terms.name
                    )
                });
            })
        }
        CoalitionCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/coalitions/{id}")).await?;
            show(&conn, v, |c: Coalition| print_coalition(&c))
        }
    }
}

// ---- fund ----

#[derive(Debug, clap::Subcommand)]
pub enum FundCmd {
    /// Sets up a fund on an adopted assistance programme or fund policy (secretariat).
    Create {
        #[arg(long)]
        name: String,
        /// alliance-fund or alliance-coordinated.
        #[arg(long)]
        channel: String,
        /// non-lethal-only or any (the alliance fund is non-lethal only).
        #[arg(long)]
        policy: String,
        /// The adopted decision (proposal id) that sets it up.
        #[arg(long)]
        authorised_by: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists funds.
    List {
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
    /// Shows a fund with its contributions' count and totals per currency.
    Show {
        id: u64,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn fund(cmd: FundCmd) -> anyhow::Result<()> {
    match cmd {
        FundCmd::Create { name, channel, policy, authorised_by, conn } => {
            let body = json!({
                "name": name,
                "channel": word::<Channel>("channel", &channel)?,
                "policy": word::<FundPolicy>("policy", &policy)?,
                "authorised_by": authorised_by,
            });
            let v = Client::new(&conn)?.post("/api/v1/funds", body).await?;
            show(&conn, v, |f: Fund| print_fund(&f))
        }
        FundCmd::List { page, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/funds{}", query(&page.pairs()))).await?;
            let header = format!("{:>4}  {:<21} {:<16} {:>8}  NAME", "ID", "CHANNEL", "POLICY", "DECISION");
            show(&conn, v, |p: Page<Fund>| {
                table(p, &header, |f| {
                    let t = &f.terms;
                    format!(
                        "{:>4}  {:<21} {:<16} {:>8}  {}",
                        f.id,
                        t.channel.words(),
                        t.policy.words(),
                        t.authorised_by,
                        t.name
                    )
                });
            })
        }
        FundCmd::Show { id, conn } => {
            let v = Client::new(&conn)?.get(&format!("/api/v1/funds/{id}")).await?;
            show(&conn, v, |f: FundView| {
                print_fund(&f.fund);
                let totals: Vec<String> = f.totals.iter().map(ToString::to_string).collect();
                let totals = if totals.is_empty() { "nothing".to_owned() } else { totals.join(", ") };
                outln!("  contributed {} pledge(s): {totals}", f.contributions);
            })
        }
    }
}

// ---- rate ----

#[derive(Debug, clap::Subcommand)]
pub enum RateCmd {
    /// Records a dated exchange rate (secretariat): 1 FROM = RATE TO on the day.
    Record {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// An exact positive decimal, e.g. 1.0812.
        #[arg(long, allow_hyphen_values = true)]
        rate: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Lists recorded exchange rates.
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        page: PageArgs,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn rate(cmd: RateCmd) -> anyhow::Result<()> {
    match cmd {
        RateCmd::Record { from, to, rate, on, conn } => {
            let rate = Rate::parse(rate.trim()).map_err(|e| anyhow!("--rate: {e}"))?;
            let body = json!({
                "from": currency("from", &from)?,
                "to": currency("to", &to)?,
                "rate": rate,
                "on": date("on", &on)?,
            });
            let v = Client::new(&conn)?.post("/api/v1/exchange-rates", body).await?;
            show(&conn, v, |r: FxRate| outln!("{}", rate_line(&r)))
        }
        RateCmd::List { from, to, page, conn } => {
            let mut pairs = vec![
                ("from", opt(from.as_deref(), |c| currency("from", c))?.map(|c| c.to_string())),
                ("to", opt(to.as_deref(), |c| currency("to", c))?.map(|c| c.to_string())),
            ];
            pairs.extend(page.pairs());
            let v = Client::new(&conn)?.get(&format!("/api/v1/exchange-rates{}", query(&pairs))).await?;
            show(&conn, v, |p: Page<FxRate>| table(p, "DAY         RATE", rate_line))
        }
    }
}

// ---- donor ----

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_take_the_api_words_with_hyphens_and_name_themselves_when_wrong() {
        assert_eq!(
            word::<SupportCategory>("category", "artillery-ammunition").ok(),
            Some(SupportCategory::ArtilleryAmmunition)
        );
        let e = word::<SupportCategory>("category", "death-ray").unwrap_err().to_string();
        assert!(e.starts_with("--category: \"death-ray\"") && e.contains("artillery-ammunition"), "{e}");
        assert_eq!(
            filter::<RequestStatus>("status", Some("partially-covered")).ok().flatten().as_deref(),
            Some("partially_covered")
        );
    }

    #[test]
    fn amounts_are_exact_and_only_corrections_may_be_negative() {
        let m = amount("1250000.00", "EUR").unwrap();
        assert_eq!((m.minor_units, m.currency), (125_000_000, Currency::EUR));
        assert!(amount("12.345", "EUR").unwrap_err().to_string().starts_with("--value:"));
        assert!(amount("-1.00", "EUR").is_err());
        assert!(amount("1.00", "EURO").unwrap_err().to_string().starts_with("--currency:"));
        assert_eq!(signed_amount("-1500.5", "EUR").unwrap().minor_units, -150_050);
        assert_eq!(signed_amount("300", "JPY").unwrap().minor_units, 300);
    }

    #[test]
    fn query_strings_leave_out_absent_values_and_encode_the_rest() {
        assert_eq!(query(&[("a", None)]), "");
        assert_eq!(
            query(&[("after", Some("EUR:USD:2024-01-02".into())), ("x", None), ("n", Some("a b&c".into()))]),
            "?after=EUR%3AUSD%3A2024-01-02&n=a+b%26c"
        );
    }
}
