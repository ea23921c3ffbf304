//! Pledges and deliveries: who gives what, through which channel, how far it has got, and what
//! has arrived (domain.md §5.1, rules 6–10).
//!
//! A pledge's status only moves forward (rule 9); deliveries move it to partially delivered and
//! delivered. Deliveries never exceed the pledged quantity or value, except through a delivery
//! record marked as a correction (like the Kiel tracker's negative rows), which states its reason.

use arcstr::ArcStr;
use compact_str::CompactString;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::{Capability, Money, RangeClass, Stamp, SupportCategory, ValuationMethod};
use super::{CoalitionId, DeliveryId, FundId, RequestId};
use crate::{CountryCode, ProposalId};

/// How support travels (domain.md §5.2). A coalition pledge names its coalition, a fund
/// pledge its fund ([`PledgeTerms::coalition`], [`PledgeTerms::fund`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    /// The alliance's own trust fund (CAP-like): non-lethal only.
    AllianceFund,
    /// The alliance coordinates, members pay and deliver (NSATU/PURL-like).
    AllianceCoordinated,
    Bilateral,
    /// A capability coalition or other group of states.
    Coalition,
    /// Another organisation, e.g. the EU's European Peace Facility.
    OtherMultilateral,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Self; 5] =
        [Self::AllianceFund, Self::AllianceCoordinated, Self::Bilateral, Self::Coalition, Self::OtherMultilateral];

    /// Whether lethal aid may go this way (rule 7: bilateral, coalition, alliance-coordinated).
    #[must_use]
    pub fn allows_lethal(self) -> bool {
        matches!(self, Self::Bilateral | Self::Coalition | Self::AllianceCoordinated)
    }

    /// Whether the alliance as such acts through the channel, so that it rests on a decision
    /// taken by consensus (rule 8). National and coalition channels never do.
    #[must_use]
    pub fn is_alliance(self) -> bool {
        matches!(self, Self::AllianceFund | Self::AllianceCoordinated)
    }
}

/// How far a pledge has got (domain.md §5.2). Only forward; cancelled before delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PledgeStatus {
    /// ≈ IATI 12 outgoing pledge, FTS pledge, Kiel commitment.
    Announced,
    /// ≈ IATI 2 outgoing commitment.
    Committed,
    /// ≈ Kiel allocation.
    Allocated,
    PartiallyDelivered,
    /// ≈ IATI 3 disbursement, FTS paid.
    Delivered,
    Cancelled,
}

impl PledgeStatus {
    /// The order of the forward path; cancelled is off it.
    fn rank(self) -> Option<u8> {
        match self {
            Self::Announced => Some(0),
            Self::Committed => Some(1),
            Self::Allocated => Some(2),
            Self::PartiallyDelivered => Some(3),
            Self::Delivered => Some(4),
            Self::Cancelled => None,
        }
    }

    /// Rule 9: a status moves only forward (steps may be skipped), and to cancelled from any
    /// status before delivered. Staying put is not a move.
    #[must_use]
    pub fn can_move_to(self, next: Self) -> bool {
        match (self.rank(), next.rank()) {
            (Some(a), Some(b)) => b > a,
            (Some(_), None) => self != Self::Delivered,
            (None, _) => false,
        }
    }

    /// Whether the pledge counts under a report's measure (rule 10).
    #[must_use]
    pub fn counts_towards(self, measure: Measure) -> bool {
        match (self.rank(), measure) {
            (None, _) => false,
            (Some(r), Measure::Committed) => r >= 1,
            (Some(r), Measure::Allocated) => r >= 2,
            (Some(r), Measure::Delivered) => r >= 3,
        }
    }
}

/// What a report counts (rule 10); every report states its measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Measure {
    /// Committed and later: the headline totals (the FTS rule).
    Committed,
    /// Allocated and later: Kiel's main measure.
    Allocated,
    /// Partially delivered and delivered.
    Delivered,
}

/// What a donor pledges, as the command states it and the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeTerms {
    /// A member, or a registered non-member donor state.
    pub donor: CountryCode,
    /// The partner receiving it.
    pub recipient: CountryCode,
    /// The partner's request it answers, if any (same partner, same category).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    pub channel: Channel,
    /// On the coalition channel: the coalition, of which the donor is a participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coalition: Option<CoalitionId>,
    /// On an alliance channel: the fund it goes through (required on the alliance-fund channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund: Option<FundId>,
    pub category: SupportCategory,
    pub capability: Capability,
    pub range: RangeClass,
    /// What is given, in words ("155mm shells", "IRIS-T SLM").
    // A `CompactString` keeps up to 24 bytes inline, as most items are, where a `String` would be
    // a heap block per pledge.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub item: CompactString,
    /// How many; more than zero.
    pub quantity: u64,
    /// Its value, not negative, as the donor reported it or as estimated.
    pub value: Money,
    pub valuation: ValuationMethod,
    /// When it was announced; undated pledges are kept (reports put them in "unknown month").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub announced_on: Option<Date>,
    /// Where the record comes from (a press release, a Kiel row), for imported public data.
    // An `ArcStr` is one pointer to its length and text, so that the field is 8 bytes in every
    // pledge (a `Box<str>` is 16, a `String` 24) and only the few pledges that have one pay more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub source_ref: Option<ArcStr>,
    /// On an alliance channel: the adopted decision (an assistance programme, fund policy or
    /// mission) it rests on. National and coalition pledges need none and name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<ProposalId>,
}

/// A pledge as it stands: its terms, status and what has been delivered against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PledgeRecord")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pledge {
    pub id: super::PledgeId,
    #[serde(flatten)]
    pub terms: PledgeTerms,
    pub status: PledgeStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: Stamp,
    /// Its delivery records (corrections included), oldest first.
    // The first two inline: most pledges have no more, and a vector would be a heap block per
    // pledge with any delivery.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<DeliveryId>))]
    pub deliveries: SmallVec<[DeliveryId; 2]>,
    /// The sum of the delivery records' quantities.
    pub delivered_quantity: i64,
    /// The sum of the delivery records' values, in the pledge's currency.
    pub delivered_value: Money,
}

/// A [`Pledge`] as it is read: its own fields and its terms' side by side, as `flatten` writes
/// them. Spelt out because `#[serde(flatten)]` reads a struct through serde's buffered `Content`
/// (every key and value copied first), which made reading a snapshot's million pledges 1.4
/// times as slow. The compiler keeps the fields in step (`From` names each one); the test
/// `a_pledge_reads_back_equal_with_every_field_or_none` keeps their attributes in step.
#[derive(Deserialize)]
struct PledgeRecord {
    id: super::PledgeId,
    donor: CountryCode,
    recipient: CountryCode,
    #[serde(default)]
    request: Option<RequestId>,
    channel: Channel,
    #[serde(default)]
    coalition: Option<CoalitionId>,
    #[serde(default)]
    fund: Option<FundId>,
    category: SupportCategory,
    capability: Capability,
    range: RangeClass,
    item: CompactString,
    quantity: u64,
    value: Money,
    valuation: ValuationMethod,
    #[serde(default)]
    announced_on: Option<Date>,
    #[serde(default)]
    source_ref: Option<ArcStr>,
    #[serde(default)]
    authorised_by: Option<ProposalId>,
    status: PledgeStatus,
    recorded_at: Stamp,
    deliveries: SmallVec<[DeliveryId; 2]>,
    delivered_quantity: i64,
    delivered_value: Money,
}

impl From<PledgeRecord> for Pledge {
    fn from(r: PledgeRecord) -> Self {
        let terms = PledgeTerms {
            donor: r.donor,
            recipient: r.recipient,
            request: r.request,
            channel: r.channel,
            coalition: r.coalition,
            fund: r.fund,
            category: r.category,
            capability: r.capability,
            range: r.range,
            item: r.item,
            quantity: r.quantity,
            value: r.value,
            valuation: r.valuation,
            announced_on: r.announced_on,
            source_ref: r.source_ref,
            authorised_by: r.authorised_by,
        };
        let PledgeRecord { id, status, recorded_at, deliveries, delivered_quantity, delivered_value, .. } = r;
        Self { id, terms, status, recorded_at, deliveries, delivered_quantity, delivered_value }
    }
}

impl Pledge {
    #[must_use]
    pub fn is_lethal(&self) -> bool {
        self.terms.category.is_lethal()
    }

    /// What has been delivered, corrections included.
    #[must_use]
    pub fn delivered(&self) -> (i64, Money) {
        (self.delivered_quantity, self.delivered_value)
    }

    /// Pledged but not yet delivered (never below zero: a correction may record more delivered
    /// than pledged).
    #[must_use]
    pub fn outstanding_quantity(&self) -> u64 {
        let q = i64::try_from(self.terms.quantity).unwrap_or(i64::MAX);
        u64::try_from(q.saturating_sub(self.delivered_quantity)).unwrap_or(0)
    }

    /// The UTC calendar month a report buckets the pledge in (rule 12), as (year, month); `None`
    /// for an undated pledge, which goes to the "unknown month" bucket and is never dropped.
    #[must_use]
    pub fn month(&self) -> Option<(i16, i8)> {
        self.terms.announced_on.map(|d| (d.year(), d.month()))
    }

    /// Whether deliveries reached the pledged quantity.
    #[must_use]
    pub fn fully_delivered(&self) -> bool {
        self.outstanding_quantity() == 0
    }
}

/// A partner's confirmation that a delivery arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub partner: CountryCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A delivery against a pledge, or a correction of the deliveries recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: DeliveryId,
    pub pledge: super::PledgeId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub delivered_on: Date,
    /// Positive for a delivery; a correction may be negative.
    pub quantity: i64,
    /// In the pledge's currency; a correction may be negative.
    pub value: Money,
    /// Set on a correction record: why the deliveries recorded are corrected.
    // One pointer (8 bytes, where a `Box<str>` is 16 and a `String` 24), like `source_ref`:
    // few records are corrections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub correction: Option<ArcStr>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: Stamp,
    /// The partner's confirmation of receipt, once given.
    // Boxed: inline it is 48 bytes in every record; boxed, 8, and a confirmed record pays 48 more
    // (and an allocation). Records wait unconfirmed for weeks, and imported public history (a
    // Kiel row) is never confirmed; where nearly every record is confirmed this costs more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Box<Receipt>>,
}

impl super::numbered::Record for Delivery {
    type Id = DeliveryId;
    fn id(&self) -> DeliveryId {
        self.id
    }
}

impl super::numbered::Record for Pledge {
    type Id = super::PledgeId;
    fn id(&self) -> super::PledgeId {
        self.id
    }
}

impl Delivery {
    #[must_use]
    pub fn is_correction(&self) -> bool {
        self.correction.is_some()
    }
}

words!(Channel {
    AllianceFund => "alliance fund",
    AllianceCoordinated => "alliance coordinated",
    Bilateral => "bilateral",
    Coalition => "coalition",
    OtherMultilateral => "other multilateral",
});
words!(PledgeStatus {
    Announced => "announced",
    Committed => "committed",
    Allocated => "allocated",
    PartiallyDelivered => "partially delivered",
    Delivered => "delivered",
    Cancelled => "cancelled",
});
words!(Measure { Committed => "committed", Allocated => "allocated", Delivered => "delivered" });

#[cfg(test)]
mod tests {
    use super::*;
    use PledgeStatus as S;

    const ALL: [S; 6] = [S::Announced, S::Committed, S::Allocated, S::PartiallyDelivered, S::Delivered, S::Cancelled];

    #[test]
    fn statuses_move_forward_only_and_cancel_before_delivery() {
        assert!(S::Announced.can_move_to(S::Committed));
        assert!(S::Announced.can_move_to(S::Delivered), "steps may be skipped");
        assert!(!S::Allocated.can_move_to(S::Committed));
        assert!(!S::Committed.can_move_to(S::Committed), "staying put is not a move");
        assert!(S::PartiallyDelivered.can_move_to(S::Cancelled));
        assert!(!S::Delivered.can_move_to(S::Cancelled));
        for s in ALL {
            assert!(!S::Cancelled.can_move_to(s), "cancelled is final");
        }
    }

    #[test]
    fn measures_count_committed_allocated_or_delivered_and_later() {
        assert!(!S::Announced.counts_towards(Measure::Committed), "pledges are recorded, not counted");
        assert!(S::Committed.counts_towards(Measure::Committed));
        assert!(!S::Committed.counts_towards(Measure::Allocated));
        assert!(S::Delivered.counts_towards(Measure::Allocated));
        assert!(S::PartiallyDelivered.counts_towards(Measure::Delivered));
        for m in [Measure::Committed, Measure::Allocated, Measure::Delivered] {
            assert!(!S::Cancelled.counts_towards(m));
        }
    }

    #[test]
    fn only_bilateral_coalition_and_alliance_coordinated_carry_lethal_aid() {
        let lethal: Vec<_> = Channel::ALL.into_iter().filter(|c| c.allows_lethal()).collect();
        assert_eq!(lethal, [Channel::AllianceCoordinated, Channel::Bilateral, Channel::Coalition]);
    }

    #[test]
    fn status_and_channel_words_are_their_serde_names_with_spaces() {
        for s in ALL {
            assert_eq!(
                serde_json::to_value(s).ok().and_then(|v| v.as_str().map(|x| x.replace('_', " "))),
                Some(s.words().into())
            );
        }
        for c in Channel::ALL {
            assert_eq!(
                serde_json::to_value(c).ok().and_then(|v| v.as_str().map(|x| x.replace('_', " "))),
                Some(c.words().into())
            );
        }
    }
}

/// One pledge of an import: its terms, and the status it starts in (default: announced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeEntry {
    #[serde(flatten)]
    pub terms: PledgeTerms,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PledgeStatus>,
}
