//! `concord synth`: a synthetic support history at scale, for benchmarks (issue 3: 1,000,000
//! pledges, 2,000,000 deliveries, 100 donors, 10 years).
//!
//! It writes a real log, through the same path as the server: the demo's scenario first (members,
//! the partner, the adopted programme, the fund, the coalitions), then every synthetic command
//! decided and applied by the domain (`Loaded::sequence`), chained, sealed under a signed
//! checkpoint and appended in batches. `concord demo --db PATH` then serves it (its log key is
//! written beside the database, where the demo looks for it), and `concord verify --db` checks
//! it. `--csv` writes pledges only, in the columns `concord pledge import` reads, for the bulk
//! import benchmark against a demo server.
//!
//! The data are random but shaped like the record the brief describes: more lethal and
//! longer-range aid over the years, the alliance fund non-lethal, coalitions for members that
//! take part in one. Donors beyond the members are the user-assigned ISO codes `XAA`…: plainly
//! not states. Everything is drawn from one seeded generator, so a seed gives the same history.

use crate::terminal::outln;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use concord_core::support::{
    Capability, Channel, CoalitionId, Currency, DonorState, FundId, FxRate, Money, PledgeEntry, PledgeStatus,
    PledgeTerms, Priority, RangeClass, Rate, RequestId, RequestTerms, SupportCategory, SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode, ProposalId, State};
use concord_log::{Loaded, Touched};
use concord_store::{Batch, Store};
use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A new database to write the history into (a SQLite path, or a postgres:// URL); its log key
    /// goes beside it as demo-log.key, so that `concord demo --db` serves it.
    #[arg(long, conflicts_with = "csv", required_unless_present = "csv")]
    db: Option<PathBuf>,
    /// Write the pledges as a CSV for `concord pledge import` instead (donors: the demo's
    /// members; channels: bilateral and other multilateral, which need no coalition or fund).
    #[arg(long)]
    csv: Option<PathBuf>,
    #[arg(long, default_value_t = 1_000_000)]
    pledges: u64,
    #[arg(long, default_value_t = 2_000_000)]
    deliveries: u64,
    /// Donor states: the alliance's members, then synthetic non-members.
    #[arg(long, default_value_t = 100)]
    donors: usize,
    #[arg(long, default_value_t = 10)]
    years: i16,
    #[arg(long, default_value_t = 5_000)]
    requests: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// When the history is recorded: after every date in it.
fn recorded_at() -> Timestamp {
    "2026-11-02T09:00:00Z".parse().expect("a valid time")
}

/// The last day of the history.
fn last_day() -> Date {
    date(2026, 10, 31)
}

/// Entries per appended batch: large enough that one transaction carries many, small enough
/// that a batch's entries are a few megabytes.
const BATCH: usize = 20_000;

pub async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(csv) = &args.csv {
        return write_csv(&args, csv);
    }
    let path = args.db.clone().context("give --db or --csv")?;
    let started = Instant::now();
    let store = crate::serve::open_store(&path).await?;
    if store.log_size().await? != 0 {
        bail!("{} is not empty: synth writes a new database", path.display());
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let log = concord_ledger::keys::Signer::from_seed(crate::demo::DEMO_ORIGIN, rng.random())?;
    if !crate::serve::is_postgres(&path) {
        crate::keys::write_private_key(&path.with_file_name("demo-log.key"), &log)?;
    }
    let keys = crate::demo::scenario::DemoKeys::new(log.clone(), || Ok(rng.random()))?;
    crate::demo::scenario::load(store.as_ref(), recorded_at() - 1.hour(), &keys).await?;
    let mut loaded = concord_log::load(store.as_ref()).await.context("cannot read the scenario back")?;
    let mut w = Writer {
        store: store.as_ref(),
        log: &log,
        entries: Vec::new(),
        touched: Touched::default(),
        salts: concord_log::salts()?,
    };
    let world = World::new(&loaded.state, &args)?;

    for cmd in world.setup() {
        w.run(&mut loaded, cmd).await?;
    }
    let setup_done = Instant::now();
    let pledges = world.pledges(&mut rng, args.pledges);
    for chunk in pledges.chunks(10_000) {
        w.run(
            &mut loaded,
            (Actor::Secretariat, Command::Support(SupportCommand::ImportPledges { pledges: chunk.to_vec() })),
        )
        .await?;
    }
    w.flush(&mut loaded).await?;
    let pledges_done = Instant::now();
    let mut recorded = 0u64;
    let pledge_rate = args.pledges as f64 / (pledges_done - setup_done).as_secs_f64();
    for cmd in world.deliveries(&mut rng, &loaded.state, args.deliveries) {
        w.run(&mut loaded, cmd).await?;
        recorded += 1;
    }
    for cmd in world.cancellations(&mut rng, &loaded.state) {
        w.run(&mut loaded, cmd).await?;
    }
    w.flush(&mut loaded).await?;
    let done = Instant::now();
    let support = &loaded.state.support;
    outln!(
        "synth: {} entries in {} ({:.1} s): {} pledges ({pledge_rate:.0}/s), {} delivery records ({:.0}/s), {} requests, {} donors",
        loaded.size,
        path.display(),
        (done - started).as_secs_f64(),
        support.pledges.len(),
        support.deliveries.len(),
        recorded as f64 / (done - pledges_done).as_secs_f64(),
        support.requests.len(),
        loaded.state.members.len() + support.donors.len(),
    );
    outln!("synth: peak memory (VmHWM) {}", peak_memory().unwrap_or_else(|| "unknown".into()));
    outln!("serve it:  concord demo --db {}", path.display());
    Ok(())
}

/// Appends sequenced entries in sealed batches.
struct Writer<'a> {
    store: &'a dyn Store,
    log: &'a concord_ledger::keys::Signer,
    entries: Vec<concord_store::NewEntry>,
    touched: Touched,
    salts: rand::rngs::StdRng,
}

impl Writer<'_> {
    async fn run(&mut self, loaded: &mut Loaded, (actor, command): (Actor, Command)) -> anyhow::Result<()> {
        loaded
            .sequence(actor, None, &command, None, recorded_at(), &mut self.salts, &mut self.entries, &mut self.touched)
            .map_err(|r| anyhow::anyhow!("the domain refused a synthetic command ({}): {r}", r.code()))?;
        if self.entries.len() >= BATCH {
            self.flush(loaded).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, loaded: &mut Loaded) -> anyhow::Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.entries);
        let (tree_hashes, checkpoint) = loaded.seal(&entries, self.log)?;
        self.touched = Touched::default();
        let batch = Batch {
            expected_size: loaded.size - entries.len() as u64,
            entries,
            tree_hashes,
            checkpoint: Some(checkpoint),
            ..Batch::default()
        };
        self.store.append(&batch).await.context("cannot append a batch")?;
        Ok(())
    }
}

fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l["VmHWM:".len()..].trim().to_owned())
}

/// What the history is drawn from: the state after the scenario.
struct World {
    members: Vec<CountryCode>,
    others: Vec<CountryCode>,
    partner: CountryCode,
    fund: FundId,
    programme: ProposalId,
    /// Each coalition, and its participants.
    coalitions: Vec<(CoalitionId, Vec<CountryCode>)>,
    requests: u64,
    /// The number the first synthetic request gets (the scenario filed some before).
    first_request: u64,
    years: i16,
}

impl World {
    fn new(state: &State, args: &Args) -> anyhow::Result<Self> {
        let members: Vec<CountryCode> = state.members.keys().copied().collect();
        let others = (0..args.donors.saturating_sub(members.len() + state.support.donors.len()))
            .map(|i| {
                let code = format!("X{}{}", char::from(b'A' + (i / 26) as u8), char::from(b'A' + (i % 26) as u8));
                CountryCode::parse(&code)
            })
            .collect::<Result<_, _>>()?;
        let partner = *state.partners.keys().next().context("the scenario has no partner")?;
        let (fund, f) = state.support.funds.iter().next().context("the scenario has no fund")?;
        // The fund's decision was checked when the fund was set up: programmes may rest on it.
        let programme = f.terms.authorised_by;
        let coalitions =
            state.support.coalitions.values().map(|c| (c.id, c.terms.participants.iter().copied().collect())).collect();
        Ok(Self {
            members,
            others,
            partner,
            fund: *fund,
            programme,
            coalitions,
            requests: args.requests,
            first_request: state.support.next_request_id().get(),
            years: args.years,
        })
    }

    fn first_day(&self) -> Date {
        last_day().saturating_sub(i64::from(self.years).years()).saturating_add(1.day())
    }

    /// Donor states, monthly exchange rates over the whole span, and the partner's requests.
    fn setup(&self) -> Vec<(Actor, Command)> {
        let sec = Actor::Secretariat;
        let mut out = Vec::new();
        for (i, code) in self.others.iter().enumerate() {
            let donor = DonorState { code: *code, name: format!("Synthetic donor {}", i + 1) };
            out.push((sec, Command::Support(SupportCommand::RegisterDonorState { donor })));
        }
        let mut day = self.first_day().first_of_month();
        let mut month = 0u64;
        while day <= last_day() {
            // A slow wave, so that conversion matters: 0.85–0.95 EUR per USD, 1.15–1.25 per GBP,
            // in ten-thousandths; and the crosses to the dollar (of the pound, and of the demo's
            // Australian dollar), so that a dollar report converts everything too.
            let wave = month * 37 % 1_000;
            let (usd_eur, gbp_eur) = (8_500 + wave, 11_500 + wave);
            let gbp = Currency::parse("GBP").expect("known");
            for (from, to, units) in [
                (Currency::USD, Currency::EUR, usd_eur),
                (gbp, Currency::EUR, gbp_eur),
                (gbp, Currency::USD, gbp_eur * 10_000 / usd_eur),
                (Currency::parse("AUD").expect("known"), Currency::USD, 6_500 + wave / 10),
            ] {
                let rate = Rate::parse(&format!("{}.{:04}", units / 10_000, units % 10_000)).expect("a valid rate");
                out.push((
                    sec,
                    Command::Support(SupportCommand::RecordExchangeRate { rate: FxRate { from, to, rate, on: day } }),
                ));
            }
            day = day.saturating_add(1.month());
            month += 1;
        }
        let partner = Actor::Partner(self.partner);
        for i in 0..self.requests {
            let category = SupportCategory::ALL[(i as usize * 7) % SupportCategory::ALL.len()];
            let request = RequestTerms {
                partner: self.partner,
                category,
                capability: capability(category),
                description: format!("Synthetic request {}", i + 1),
                quantity: 1_000 + (i * 7_919) % 200_000,
                unit: "units".into(),
                priority: [Priority::Critical, Priority::High, Priority::Medium, Priority::Low][(i % 4) as usize],
                needed_by: None,
            };
            out.push((partner, Command::Support(SupportCommand::FileRequest { request })));
        }
        out
    }

    fn pledges(&self, rng: &mut StdRng, n: u64) -> Vec<PledgeEntry> {
        let first = self.first_day();
        let span = (last_day() - first).get_days();
        let mut days: Vec<i32> = (0..n).map(|_| rng.random_range(0..=span)).collect();
        days.sort_unstable();
        days.into_iter()
            .map(|d| {
                let on = first.saturating_add(d.days());
                self.pledge(rng, on, false)
            })
            .collect()
    }

    /// One pledge announced `on`: the later, the likelier lethal and long-range.
    fn pledge(&self, rng: &mut StdRng, on: Date, csv: bool) -> PledgeEntry {
        let progress = f64::from((on - self.first_day()).get_days()) / (365.25 * f64::from(self.years));
        let lethal = rng.random_bool((0.2 + 0.6 * progress).clamp(0.0, 1.0));
        let pool: Vec<SupportCategory> = SupportCategory::ALL.into_iter().filter(|c| c.is_lethal() == lethal).collect();
        let category = pool[rng.random_range(0..pool.len())];
        let member = csv || self.others.is_empty() || rng.random_bool(0.7);
        let donor = if member {
            self.members[rng.random_range(0..self.members.len())]
        } else {
            self.others[rng.random_range(0..self.others.len())]
        };
        let (channel, coalition, fund, authorised_by) = self.channel(rng, donor, category, member && !csv);
        let range = if !lethal {
            RangeClass::NotApplicable
        } else if rng.random_bool((progress * 0.3).clamp(0.0, 1.0)) {
            RangeClass::Long
        } else if rng.random_bool(0.5) {
            RangeClass::Medium
        } else {
            RangeClass::Short
        };
        let quantity = rng.random_range(1..=10_000u64);
        let units = rng.random_range(10_000..=500_000_000i64);
        let currency = match rng.random_range(0..100) {
            0..90 => Currency::EUR,
            90..96 => Currency::USD,
            _ => Currency::parse("GBP").expect("known"),
        };
        let status = match rng.random_range(0..10) {
            0 => PledgeStatus::Announced,
            1..6 => PledgeStatus::Committed,
            _ => PledgeStatus::Allocated,
        };
        let request =
            (!csv && rng.random_bool(0.2) && self.requests > 0).then(|| self.request_for(rng, category)).flatten();
        PledgeEntry {
            terms: PledgeTerms {
                donor,
                recipient: self.partner,
                request,
                channel,
                coalition,
                fund,
                category,
                capability: capability(category),
                range,
                item: format!("synthetic {category}").into(),
                quantity,
                value: Money { minor_units: units, currency },
                valuation: ValuationMethod::MarketPriceEstimate,
                announced_on: (rng.random_range(0..100) != 0).then_some(on),
                source_ref: None,
                authorised_by,
            },
            status: Some(status),
        }
    }

    /// A channel the rules allow for this donor and category.
    fn channel(
        &self,
        rng: &mut StdRng,
        donor: CountryCode,
        category: SupportCategory,
        alliance: bool,
    ) -> (Channel, Option<CoalitionId>, Option<FundId>, Option<ProposalId>) {
        let coalition = self.coalitions.iter().filter(|(_, ps)| ps.contains(&donor)).map(|(id, _)| *id).next();
        match rng.random_range(0..10) {
            0..2 if alliance && !category.is_lethal() => {
                (Channel::AllianceFund, None, Some(self.fund), Some(self.programme))
            }
            2 if alliance => (Channel::AllianceCoordinated, None, None, Some(self.programme)),
            3..5 if coalition.is_some() => (Channel::Coalition, coalition, None, None),
            5 if !category.is_lethal() => (Channel::OtherMultilateral, None, None, None),
            _ => (Channel::Bilateral, None, None, None),
        }
    }

    /// A request in this category, if the partner filed one (requests cycle through the
    /// categories, so request `i` is in category `i × 7 mod n`).
    fn request_for(&self, rng: &mut StdRng, category: SupportCategory) -> Option<RequestId> {
        let n = SupportCategory::ALL.len() as u64;
        let k = SupportCategory::ALL.iter().position(|c| *c == category)? as u64;
        // i × 7 ≡ k (mod n): n is 29, a prime, so 7 has an inverse.
        let inverse = (1..n).find(|x| (7 * x) % n == 1)?;
        let base = (k * inverse) % n;
        let count = self.requests.saturating_sub(base).div_ceil(n);
        if count == 0 {
            return None;
        }
        RequestId::new(self.first_request + base + rng.random_range(0..count) * n)
    }

    /// Delivery records, about `n` of them: each committed or allocated pledge, in turn, gets one
    /// to four, splitting its quantity and value, on days after its announcement.
    fn deliveries(&self, rng: &mut StdRng, state: &State, n: u64) -> Vec<(Actor, Command)> {
        let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        let eligible: Vec<_> = state
            .support
            .pledges
            .values()
            .filter(|p| matches!(p.status, PledgeStatus::Committed | PledgeStatus::Allocated))
            .collect();
        if eligible.is_empty() {
            return out;
        }
        let per = (n as f64 / eligible.len() as f64).clamp(0.0, 4.0);
        let mut owed = 0.0;
        for p in eligible {
            owed += per;
            let k = (owed.floor() as u64).min(p.terms.quantity).min(4);
            owed -= k as f64;
            let start = p.terms.announced_on.unwrap_or(last_day());
            for i in 0..k {
                let quantity = p.terms.quantity / (k + 1) + u64::from(i == 0 && rng.random_bool(0.1));
                if quantity == 0 {
                    continue;
                }
                let value = p.terms.value.minor_units / (k as i64 + 1);
                let later = rng.random_range(0..=400i64);
                let delivered_on = start.saturating_add(later.days()).min(last_day());
                out.push((
                    Actor::Secretariat,
                    Command::Support(SupportCommand::RecordDelivery {
                        pledge: p.id,
                        delivered_on,
                        quantity,
                        value: Money { minor_units: value, currency: p.terms.value.currency },
                    }),
                ));
            }
        }
        out
    }

    /// One announced pledge in fifty is cancelled.
    fn cancellations(&self, rng: &mut StdRng, state: &State) -> Vec<(Actor, Command)> {
        state
            .support
            .pledges
            .values()
            .filter(|p| p.status == PledgeStatus::Announced && rng.random_range(0..50) == 0)
            .map(|p| {
                (
                    Actor::Secretariat,
                    Command::Support(SupportCommand::ChangePledgeStatus {
                        pledge: p.id,
                        status: PledgeStatus::Cancelled,
                    }),
                )
            })
            .collect()
    }
}

fn capability(category: SupportCategory) -> Capability {
    use SupportCategory as C;
    match category {
        C::Artillery | C::ArtilleryAmmunition => Capability::Artillery,
        C::AirAndMissileDefence => Capability::AirDefence,
        C::Medical => Capability::Medical,
        C::Fuel => Capability::Logistics,
        _ => Capability::Other,
    }
}

/// Pledges as a CSV in the columns `concord pledge import` reads.
fn write_csv(args: &Args, path: &PathBuf) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let members: Vec<CountryCode> = crate::demo::scenario::steps(recorded_at())
        .into_iter()
        .filter_map(|(_, _, c)| if let Command::AdmitMember { member } = c { Some(member.code) } else { None })
        .collect();
    let world = World {
        members,
        others: Vec::new(),
        partner: CountryCode::parse("UKR")?,
        fund: FundId::FIRST,
        programme: ProposalId(1),
        coalitions: Vec::new(),
        requests: 0,
        first_request: 1,
        years: args.years,
    };
    let first = world.first_day();
    let span = (last_day() - first).get_days();
    let pledges: Vec<PledgeEntry> = (0..args.pledges)
        .map(|_| {
            let on = first.saturating_add(rng.random_range(0..=span).days());
            world.pledge(&mut rng, on, true)
        })
        .collect();
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let rows = pledges.iter().map(|p| (None, &p.terms, p.status.unwrap_or(PledgeStatus::Announced)));
    crate::support_csv::write_csv(rows, std::io::BufWriter::new(file))?;
    outln!(
        "synth: {} pledges written to {} in {:.1} s",
        pledges.len(),
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
