//! Coalitions of donor states, and the non-member states that may take part in them
//! (domain.md §2.2, rule 13).
//!
//! A coalition is a group of states, members or not, with lead nations who are participants
//! themselves. It takes no alliance decisions: nothing a coalition does needs, or can give, the
//! consensus of the alliance.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{Capability, CoalitionId};
use crate::CountryCode;

/// A state that gives support without being a member (Australia, South Korea, Switzerland…),
/// registered by the secretariat so that pledges and coalitions can name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonorState {
    pub code: CountryCode,
    pub name: String,
}

/// What a coalition is, as the command states it and the log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoalitionTerms {
    pub name: String,
    pub capability: Capability,
    /// The lead nations; each is also a participant.
    pub leads: BTreeSet<CountryCode>,
    /// Members and non-member donor states.
    pub participants: BTreeSet<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
    pub formed_on: Option<Date>,
}

/// A coalition as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coalition {
    pub id: CoalitionId,
    #[serde(flatten)]
    pub terms: CoalitionTerms,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: Timestamp,
}

impl Coalition {
    #[must_use]
    pub fn is_participant(&self, state: CountryCode) -> bool {
        self.terms.participants.contains(&state)
    }

    #[must_use]
    pub fn is_lead(&self, state: CountryCode) -> bool {
        self.terms.leads.contains(&state)
    }
}
