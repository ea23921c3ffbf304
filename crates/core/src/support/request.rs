//! A partner's requests for assistance, and their coverage: how much of each is pledged and
//! delivered, and the status that follows (domain.md §5.3 rule 15).
//!
//! Coverage is never recorded, always derived from the pledges linked to the request, so it can
//! never disagree with them: pledged is the sum of the non-cancelled linked pledges' quantities,
//! delivered the sum of what was delivered against them.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{Capability, Pledge, PledgeId, PledgeStatus, RequestId, SupportCategory};
use crate::CountryCode;

/// How urgent a request is, as the partner says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
}

/// Where a request stands (domain.md §5.2), derived from its coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RequestStatus {
    /// Nothing pledged against it.
    Open,
    /// Some, not all, of the quantity pledged.
    PartiallyCovered,
    /// The whole quantity pledged, not yet all delivered.
    Covered,
    /// The whole quantity delivered: the need is met.
    Closed,
    /// The partner withdrew it.
    Withdrawn,
}

/// What a partner asks for, as the command states it and the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestTerms {
    pub partner: CountryCode,
    pub category: SupportCategory,
    pub capability: Capability,
    pub description: String,
    /// How many; more than zero.
    pub quantity: u64,
    /// What a quantity counts ("rounds", "systems", "sets").
    pub unit: String,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub needed_by: Option<Date>,
}

/// A request as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportRequest {
    pub id: RequestId,
    #[serde(flatten)]
    pub terms: RequestTerms,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    /// When the partner withdrew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub withdrawn_at: Option<Timestamp>,
    /// The pledges that answer it, in recording order (cancelled ones included).
    pub pledges: Vec<PledgeId>,
}

/// How much of a request is pledged and delivered, and its status (rule 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub requested: u64,
    /// The non-cancelled linked pledges' quantities.
    pub pledged: u64,
    /// Delivered against the non-cancelled linked pledges (corrections included).
    pub delivered: u64,
    pub status: RequestStatus,
}

impl Coverage {
    /// What is still neither pledged: the gap reports show.
    #[must_use]
    pub fn unpledged(&self) -> u64 {
        self.requested.saturating_sub(self.pledged)
    }
}

impl SupportRequest {
    /// The coverage given by `pledges` (those not linked to this request are ignored), summed
    /// one by one: what the state's running tally ([`Support::coverage`]) must always equal.
    ///
    /// [`Support::coverage`]: super::Support::coverage
    #[must_use]
    pub fn coverage<'a>(&self, pledges: impl IntoIterator<Item = &'a Pledge>) -> Coverage {
        let (mut pledged, mut delivered) = (0u64, 0u64);
        for p in pledges {
            if p.terms.request != Some(self.id) || p.status == PledgeStatus::Cancelled {
                continue;
            }
            pledged = pledged.saturating_add(p.terms.quantity);
            delivered = delivered.saturating_add(u64::try_from(p.delivered_quantity).unwrap_or(0));
        }
        self.coverage_of(pledged, delivered)
    }

    /// The coverage, and so the status, given what is pledged and delivered against it.
    #[must_use]
    pub fn coverage_of(&self, pledged: u64, delivered: u64) -> Coverage {
        let requested = self.terms.quantity;
        let status = if self.withdrawn_at.is_some() {
            RequestStatus::Withdrawn
        } else if delivered >= requested {
            RequestStatus::Closed
        } else if pledged >= requested {
            RequestStatus::Covered
        } else if pledged > 0 {
            RequestStatus::PartiallyCovered
        } else {
            RequestStatus::Open
        };
        Coverage { requested, pledged, delivered, status }
    }
}

words!(Priority { Critical => "critical", High => "high", Medium => "medium", Low => "low" });
words!(RequestStatus {
    Open => "open",
    PartiallyCovered => "partially covered",
    Covered => "covered",
    Closed => "closed",
    Withdrawn => "withdrawn",
});
