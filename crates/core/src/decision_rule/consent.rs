//! Consensus rules: final positions (stances), never votes.
//!
//! Assumptions about the caller's procedure, as Concord decides today (`decision.rs`):
//! - [`consent`] reads the **final** positions, as a consensus round closing does: an elector
//!   without a stance has not consented. Under the silence procedure the caller counts a silent
//!   elector as concurring before it asks.
//! - [`Stance::ProposeAmendment`] is not an objection here and not consent either: it leaves
//!   the elector's consent outstanding, as in a round. Under silence it breaks silence and so
//!   blocks at once; that is the procedure's business (`decision::blocks`), decided before any
//!   final position exists.
//! - Concurring, concurring with a reservation and opting out consent; only
//!   [`Stance::Object`] blocks, and under consensus minus one not when the state concerned
//!   objects.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Family, Populations, Rule, RuleError, electorate_set, list, percent};
use crate::{CountryCode, Stance};

/// Why a consensus rule did not adopt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConsentFailure {
    /// An elector whose objection counts objected.
    Blocked,
    /// Under constructive abstention, the opt-outs reached both thresholds.
    TooManyOptOuts,
    /// An elector whose consent is needed did not give it (no stance, or an amendment).
    Outstanding,
}

words!(ConsentFailure {
    Blocked => "blocked",
    TooManyOptOuts => "too many opted out",
    Outstanding => "consent outstanding",
});

/// The opt-outs' weight under constructive abstention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptOutShare {
    pub year: i16,
    pub source: String,
    /// The electorate's population.
    pub total: u64,
    /// The population of the members who opted out.
    pub opted_out: u64,
    /// Whether the opt-outs reached the rule's share of the members and of the population.
    pub states_reached: bool,
    pub population_reached: bool,
}

/// A consensus rule's verdict on final positions, with who consented, who objected, who opted
/// out and their share. Recomputable from the same inputs by [`consent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub rule: Rule,
    pub electors: u32,
    /// Concurrences, with or without a reservation, in code order.
    pub consented: Vec<CountryCode>,
    /// Formal opt-outs (constructive abstentions), in code order: they consent.
    pub opt_outs: Vec<CountryCode>,
    /// Objections that block, in code order.
    pub objections: Vec<CountryCode>,
    /// Electors whose consent is needed and missing.
    pub outstanding: Vec<CountryCode>,
    /// Under consensus minus one: the state concerned, when its objection or missing consent was
    /// disregarded.
    pub set_aside: Option<CountryCode>,
    /// Under constructive abstention: the opt-outs' share.
    pub opt_out_share: Option<OptOutShare>,
    pub adopted: bool,
    /// Every reason it was not adopted; empty when adopted.
    pub failed: Vec<ConsentFailure>,
}

/// Whether `stance`, taken by `member`, blocks at once under `rule`: an objection, except the
/// state concerned's under consensus minus one. Nothing blocks under a vote rule.
#[must_use]
pub fn blocks(rule: &Rule, member: CountryCode, stance: Stance) -> bool {
    match rule {
        Rule::ConsensusMinusOne { concerned } if *concerned == member => false,
        _ => rule.family() == Family::Consensus && stance == Stance::Object,
    }
}

/// Decides a consensus rule on the electors' final positions (see the module's assumptions).
/// Refuses a vote rule, a stance from a non-elector, a state concerned that is not an elector
/// and, under constructive abstention, missing population figures.
pub fn consent(
    rule: &Rule,
    electorate: &[CountryCode],
    stances: &BTreeMap<CountryCode, Stance>,
    populations: Option<&Populations>,
) -> Result<Consent, RuleError> {
    rule.check()?;
    if rule.family() != Family::Consensus {
        return Err(RuleError::WrongFamily { rule: rule.name(), family: Family::Vote });
    }
    let (electors, n) = electorate_set(electorate)?;
    if let Some(m) = stances.keys().find(|m| !electors.contains(m)) {
        return Err(RuleError::NotAnElector(*m));
    }
    let concerned = match rule {
        Rule::ConsensusMinusOne { concerned } if !electors.contains(concerned) => {
            return Err(RuleError::NotAnElector(*concerned));
        }
        Rule::ConsensusMinusOne { concerned } => Some(*concerned),
        _ => None,
    };
    let mut c = Consent {
        rule: rule.clone(),
        electors: n,
        consented: Vec::new(),
        opt_outs: Vec::new(),
        objections: Vec::new(),
        outstanding: Vec::new(),
        set_aside: None,
        opt_out_share: None,
        adopted: false,
        failed: Vec::new(),
    };
    for &m in &electors {
        let stance = stances.get(&m).copied();
        match stance {
            Some(Stance::Concur | Stance::ConcurWithReservation) => c.consented.push(m),
            Some(Stance::OptOut) => c.opt_outs.push(m),
            _ if concerned == Some(m) => c.set_aside = Some(m),
            Some(s @ Stance::Object) if blocks(rule, m, s) => c.objections.push(m),
            _ => c.outstanding.push(m),
        }
    }
    if let Rule::ConstructiveAbstention { states, population } = rule {
        let pops = populations.ok_or(RuleError::PopulationsNeeded { rule: rule.name() })?;
        let total = pops.total(&electors)?;
        if total == 0 {
            return Err(RuleError::ZeroPopulation);
        }
        let opted_out = pops.total(&c.opt_outs)?;
        let share = OptOutShare {
            year: pops.year,
            source: pops.source.clone(),
            total,
            opted_out,
            states_reached: states.reached(c.opt_outs.len() as u64, n.into()),
            population_reached: population.reached(opted_out, total),
        };
        if !c.objections.is_empty() {
            c.failed.push(ConsentFailure::Blocked);
        }
        if share.states_reached && share.population_reached {
            c.failed.push(ConsentFailure::TooManyOptOuts);
        }
        c.opt_out_share = Some(share);
    } else if !c.objections.is_empty() {
        c.failed.push(ConsentFailure::Blocked);
    }
    if !c.outstanding.is_empty() {
        c.failed.push(ConsentFailure::Outstanding);
    }
    c.adopted = c.failed.is_empty();
    Ok(c)
}

impl Consent {
    /// One sentence a person can read. It never speaks of votes.
    #[must_use]
    pub fn explain(&self) -> String {
        let n = self.electors;
        let mut s = if self.failed.contains(&ConsentFailure::Blocked) {
            format!("Blocked: {} objected. One objection blocks; nobody votes.", list(&self.objections))
        } else if self.failed.contains(&ConsentFailure::TooManyOptOuts) {
            let share = self
                .opt_out_share
                .as_ref()
                .map_or_else(String::new, |p| format!(" with {} of the population", percent(p.opted_out, p.total)));
            let (states, population) = match &self.rule {
                Rule::ConstructiveAbstention { states, population } => (states.to_string(), population.to_string()),
                _ => (String::new(), String::new()),
            };
            format!(
                "Not adopted: {} of {n} members opted out ({}){share}, at least {states} of the members and \
                 {population} of the population.",
                self.opt_outs.len(),
                list(&self.opt_outs)
            )
        } else if self.failed.contains(&ConsentFailure::Outstanding) {
            format!(
                "Not adopted: the consent of {} of {n} members is missing ({}).",
                self.outstanding.len(),
                list(&self.outstanding)
            )
        } else {
            let mut s = format!("Adopted by consensus: {} of {n} members consented", self.consented.len());
            if !self.opt_outs.is_empty() {
                s += &format!(", {} opted out ({})", self.opt_outs.len(), list(&self.opt_outs));
                if let Some(p) = &self.opt_out_share {
                    s += &format!(" with {} of the population", percent(p.opted_out, p.total));
                }
            }
            s.push('.');
            s
        };
        if let Some(m) = self.set_aside {
            s += &format!(" {m}, the state concerned, did not consent; under consensus minus one that does not block.");
        }
        s
    }
}
