//! The alliance's funds and their policies (domain.md §2.1, rules 6 and 8).
//!
//! A fund is an alliance programme: it is set up only on an adopted decision (an assistance
//! programme or a fund policy), because significant actions need consensus first. A fund on the
//! alliance-fund channel (the CAP Trust Fund) accepts non-lethal aid only; a fund through which
//! the alliance coordinates members' purchases (PURL-like) may take any category its policy
//! allows. Contributions are the pledges that name the fund.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Channel, FundId, SupportCategory};
use crate::ProposalId;

/// What a fund accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FundPolicy {
    NonLethalOnly,
    Any,
}

impl FundPolicy {
    #[must_use]
    pub fn accepts(self, category: SupportCategory) -> bool {
        self == Self::Any || !category.is_lethal()
    }
}

/// What a fund is, as the command states it and the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundTerms {
    pub name: String,
    /// The alliance fund, or alliance-coordinated.
    pub channel: Channel,
    pub policy: FundPolicy,
    /// The adopted decision that set it up.
    pub authorised_by: ProposalId,
}

/// A fund as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fund {
    pub id: FundId,
    #[serde(flatten)]
    pub terms: FundTerms,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

words!(FundPolicy { NonLethalOnly => "non-lethal only", Any => "any" });
