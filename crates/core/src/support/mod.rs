//! Support coordination (issue 3): a partner's requests, donors' pledges and deliveries,
//! coalitions, the alliance's funds, and money with explicit dated exchange rates.
//!
//! The types live in small modules (`money`, `category`, `request`, `pledge`, `coalition`,
//! `fund`); the policy rules of domain.md §5.3 (6–15) in `rules`, shared by `decide` and `apply`
//! like the consensus rules. [`Support`] is the part of the [`State`](crate::State) they fold
//! into; ids are numbered from 1 in recording order, from the state, like proposals.

use imbl::OrdMap;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer, Serialize};

use crate::CountryCode;

pub mod burden;
mod category;
mod coalition;
mod command;
pub mod export;
mod fund;
pub mod gdp;
pub mod index;
mod money;
pub mod numbered;
mod pledge;
pub mod pledge_csv;
pub mod report;
mod request;
pub(crate) mod rules;
mod stamp;

pub use category::{AidType, Capability, RangeClass, SupportCategory, ValuationMethod};
pub use coalition::{Coalition, CoalitionTerms, DonorState};
pub use command::SupportCommand;
pub use fund::{Fund, FundPolicy, FundTerms};
pub use gdp::{GdpFigure, GdpRecord, GdpRegister};
pub use money::{
    Currency, FxRate, MAX_MINOR_UNITS, MAX_RATE_SCALE, Money, MoneyError, Rate, Rates, Total, UnknownCurrency,
};
pub use numbered::Numbered;
pub use pledge::{Channel, Delivery, Measure, Pledge, PledgeEntry, PledgeStatus, PledgeTerms, Receipt};
pub use request::{Coverage, Priority, RequestStatus, RequestTerms, SupportRequest};
pub use stamp::Stamp;

/// Text or a number that is not an id: ids are whole numbers from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an id: ids are numbered from 1")]
pub struct NotAnId;

/// What serde says it expected when it reads one that is not.
impl serde::de::Expected for NotAnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id, numbered from 1")
    }
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        // Non-zero, as ids are numbered from 1: an `Option` of one is then 8 bytes, not 16, and
        // a pledge holds three (23 MiB at a million pledges).
        pub struct $name(NonZeroU64);

        impl $name {
            /// The first one recorded.
            pub const FIRST: Self = Self(NonZeroU64::MIN);

            /// The id numbered `n`; none is numbered 0.
            #[must_use]
            pub const fn new(n: u64) -> Option<Self> {
                match NonZeroU64::new(n) {
                    Some(n) => Some(Self(n)),
                    None => None,
                }
            }

            /// Its number.
            #[must_use]
            pub const fn get(self) -> u64 {
                self.0.get()
            }

            /// The id `n` places after this one.
            #[must_use]
            pub const fn after(self, n: u64) -> Self {
                Self(self.0.saturating_add(n))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = NotAnId;
            fn from_str(s: &str) -> Result<Self, NotAnId> {
                s.parse().ok().and_then(Self::new).ok_or(NotAnId)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let n = u64::deserialize(deserializer)?;
                Self::new(n).ok_or_else(|| D::Error::invalid_value(Unexpected::Unsigned(n), &NotAnId))
            }
        }

        // By hand: the derive would describe the field, a `NonZeroU64`, which utoipa does not
        // know; an id is an integer from 1.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl numbered::Serial for $name {
            fn serial(self) -> u64 {
                self.0.get()
            }
        }
    };
}

id!(
    /// A partner's request, numbered from 1.
    RequestId
);
id!(
    /// A pledge, numbered from 1.
    PledgeId
);
id!(
    /// A delivery record (a correction included), numbered from 1.
    DeliveryId
);
id!(
    /// A coalition, numbered from 1.
    CoalitionId
);
id!(
    /// A fund, numbered from 1.
    FundId
);

/// Records by id, each behind its own `Arc`: the proposals.
///
/// `imbl` keeps a map's entries inline in leaves of 16, split in half as keys arrive in order
/// (as ids do), so its leaves are about half full. Behind an `Arc` an empty slot is a pointer,
/// and a leaf copied on write (each change publishes a new state) copies 16 pointers instead of
/// cloning 16 records with their strings. Reads see `&Proposal` through `Deref`; a change goes
/// through [`Arc::make_mut`], which copies the one record if a published state still holds it.
/// (The pledges and delivery records, a million and more, are [`Numbered`], inline.)
pub type Records<K, V> = OrdMap<K, Arc<V>>;

/// Support coordination's part of the state, folded from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SupportRecords")]
pub struct Support {
    /// Non-member states registered as donors.
    pub donors: OrdMap<CountryCode, DonorState>,
    pub requests: OrdMap<RequestId, SupportRequest>,
    // Inline, not each behind an `Arc`: 30 MiB less resident at a million pledges, for a
    // dearer first change to a published chunk (its 64 pledges cloned: 14 µs against 4.5 µs,
    // BENCHMARKS.md), paid once per chunk a batch changes.
    pub pledges: Numbered<Pledge>,
    pub deliveries: Numbered<Delivery>,
    pub coalitions: OrdMap<CoalitionId, Coalition>,
    pub funds: OrdMap<FundId, Fund>,
    pub rates: Rates,
    /// GDP figures by member and year (rule 14).
    pub gdp: GdpRegister,
    /// Running totals for reports, derived from `pledges` and `deliveries`: never serialised,
    /// but built again from them when a [`Support`] is read back.
    #[serde(skip)]
    pub index: index::ReportIndex,
}

/// What a [`Support`] is read back from: everything but the index it derives.
#[derive(Deserialize)]
struct SupportRecords {
    donors: OrdMap<CountryCode, DonorState>,
    requests: OrdMap<RequestId, SupportRequest>,
    pledges: Numbered<Pledge>,
    deliveries: Numbered<Delivery>,
    coalitions: OrdMap<CoalitionId, Coalition>,
    funds: OrdMap<FundId, Fund>,
    rates: Rates,
    // Snapshots written before GDP figures were recorded have none.
    #[serde(default)]
    gdp: GdpRegister,
}

impl From<SupportRecords> for Support {
    fn from(r: SupportRecords) -> Self {
        let mut support = Self {
            donors: r.donors,
            requests: r.requests,
            pledges: r.pledges,
            deliveries: r.deliveries,
            coalitions: r.coalitions,
            funds: r.funds,
            rates: r.rates,
            gdp: r.gdp,
            index: index::ReportIndex::default(),
        };
        support.reindex();
        support
    }
}

/// The delivery records of `pledge` among `deliveries`, oldest first.
pub(crate) fn records_of<'a>(
    deliveries: &'a Numbered<Delivery>,
    pledge: &'a Pledge,
) -> impl Iterator<Item = &'a Delivery> {
    pledge.deliveries.iter().filter_map(|d| deliveries.get(d))
}

/// The number after `last`, the highest id given so far (1 when none is).
fn next<K: numbered::Serial>(last: Option<&K>) -> NonZeroU64 {
    last.map_or(NonZeroU64::MIN, |k| NonZeroU64::MIN.checked_add(k.serial()).expect("ids are given one by one"))
}

impl Support {
    /// Whether nothing has been recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    #[must_use]
    pub fn next_request_id(&self) -> RequestId {
        RequestId(next(self.requests.keys().next_back()))
    }

    #[must_use]
    pub fn next_pledge_id(&self) -> PledgeId {
        PledgeId(next(self.pledges.last_id().as_ref()))
    }

    #[must_use]
    pub fn next_delivery_id(&self) -> DeliveryId {
        DeliveryId(next(self.deliveries.last_id().as_ref()))
    }

    #[must_use]
    pub fn next_coalition_id(&self) -> CoalitionId {
        CoalitionId(next(self.coalitions.keys().next_back()))
    }

    #[must_use]
    pub fn next_fund_id(&self) -> FundId {
        FundId(next(self.funds.keys().next_back()))
    }

    /// A request's coverage and status (rule 15), from the pledges linked to it.
    #[must_use]
    pub fn coverage(&self, request: RequestId) -> Option<Coverage> {
        let r = self.requests.get(&request)?;
        let tally = self.index.request(request);
        // Beyond u64 a request is covered many times over; the status is the same.
        let clamp = |q: u128| u64::try_from(q).unwrap_or(u64::MAX);
        Some(r.coverage_of(clamp(tally.pledged), clamp(tally.delivered)))
    }

    /// Adds a pledge as it stands to the report index, or takes it out (before it changes).
    pub(crate) fn index_pledge(&mut self, id: PledgeId, add: bool) {
        let Self { pledges, deliveries, index, .. } = self;
        if let Some(p) = pledges.get(&id) {
            let records = records_of(deliveries, p);
            if add { index.add(p, records) } else { index.remove(p, records) }
        }
    }

    /// The delivery records of a pledge, oldest first.
    pub fn deliveries_of(&self, pledge: PledgeId) -> impl Iterator<Item = &Delivery> {
        self.pledges.get(&pledge).into_iter().flat_map(|p| records_of(&self.deliveries, p))
    }

    /// Builds the report index again from the pledges and deliveries (after they were read back).
    pub fn reindex(&mut self) {
        self.index = index::ReportIndex::build(&self.pledges, &self.deliveries);
    }

    /// The pledges that name `fund`: its contributions.
    pub fn contributions(&self, fund: FundId) -> impl Iterator<Item = &Pledge> {
        self.pledges.values().filter(move |p| p.terms.fund == Some(fund))
    }
}
