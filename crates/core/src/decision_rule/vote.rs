//! Vote rules: a vote per elector, a count that keeps every number it used, and its sentence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Base, Bound, Family, Populations, Rule, RuleError, electorate_set, list, percent};
use crate::CountryCode;

/// An elector's vote under a vote rule. Consensus rules never use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Vote {
    Yes,
    No,
    Abstain,
    /// Present or not, the elector takes no part: also what an elector without a vote counts as.
    NotParticipating,
}

words!(Vote {
    Yes => "yes",
    No => "no",
    Abstain => "abstain",
    NotParticipating => "not participating",
});

/// A condition of a vote rule that was not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Failure {
    /// Fewer votes (or members) in favour than the rule needs.
    TooFewInFavour,
    /// Those in favour represent too little of the population, and a blocking minority exists.
    TooLittlePopulation,
    /// A veto holder voted no.
    Vetoed,
}

words!(Failure {
    TooFewInFavour => "too few in favour",
    TooLittlePopulation => "too little of the population in favour",
    Vetoed => "vetoed",
});

/// The population side of a count: the figures used and the sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PopulationTally {
    /// The year and source of the figures, as recorded.
    pub year: i16,
    pub source: String,
    /// The electorate's population.
    pub total: u64,
    /// The population of the members who voted yes.
    pub in_favour: u64,
    /// The least population in favour that meets the rule.
    pub needed: u64,
}

/// A vote rule's count: every number it used, whether the proposal carried and, if not, every
/// condition that failed. Recomputable from the same inputs by [`count`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub rule: Rule,
    pub electors: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// Electors who took no part, including those with no vote recorded.
    pub not_participating: u32,
    /// What the fraction is taken of: the electors, or under [`Base::Cast`] yes + no.
    pub base: u32,
    /// The least number of yes votes that meets the rule (its fraction, its minimum, and never
    /// fewer than one).
    pub needed: u32,
    /// Only for rules weighted by population.
    pub population: Option<PopulationTally>,
    /// Veto holders who voted no.
    pub vetoed_by: Vec<CountryCode>,
    /// Qualified majority: the members not in favour, i.e. the potential blocking minority.
    pub not_in_favour: u32,
    /// Qualified majority: carried although short of the population, because fewer than the
    /// blocking minority's minimum number of members were not in favour.
    pub deemed_attained: bool,
    pub carried: bool,
    /// Every condition that failed, in the rule's order; empty when carried.
    pub failed: Vec<Failure>,
}

/// Counts `votes` under a vote rule. An elector without a vote counts as not participating; a
/// vote from anyone else is refused, as are a consensus rule, a rule the electorate can never
/// meet (more votes needed than electors, a veto holder who is not an elector) and, for rules
/// weighted by population, missing figures.
pub fn count(
    rule: &Rule,
    electorate: &[CountryCode],
    votes: &BTreeMap<CountryCode, Vote>,
    populations: Option<&Populations>,
) -> Result<Count, RuleError> {
    rule.check()?;
    if rule.family() != Family::Vote {
        return Err(RuleError::WrongFamily { rule: rule.name(), family: Family::Consensus });
    }
    let (electors, n) = electorate_set(electorate)?;
    if let Some(m) = votes.keys().find(|m| !electors.contains(m)) {
        return Err(RuleError::NotAnElector(*m));
    }
    let vote_of = |m: &CountryCode| votes.get(m).copied().unwrap_or(Vote::NotParticipating);
    let tally = |v: Vote| electors.iter().filter(|m| vote_of(m) == v).count() as u32;
    let (yes, no, abstain, not_participating) =
        (tally(Vote::Yes), tally(Vote::No), tally(Vote::Abstain), tally(Vote::NotParticipating));
    let mut c = Count {
        rule: rule.clone(),
        electors: n,
        yes,
        no,
        abstain,
        not_participating,
        base: n,
        needed: 1,
        population: None,
        vetoed_by: Vec::new(),
        not_in_favour: n - yes,
        deemed_attained: false,
        carried: false,
        failed: Vec::new(),
    };
    match rule {
        Rule::QualifiedMajority { states, min_states, population, blocking_min } => {
            let pops = populations.ok_or(RuleError::PopulationsNeeded { rule: rule.name() })?;
            if *min_states > n {
                return Err(RuleError::Unreachable { what: "members", needed: *min_states, electors: n });
            }
            let total = pops.total(&electors)?;
            if total == 0 {
                return Err(RuleError::ZeroPopulation);
            }
            let in_favour = pops.total(electors.iter().filter(|m| vote_of(m) == Vote::Yes))?;
            // least(n) <= n for a fraction <= 1, so it fits in u32.
            c.needed = (states.least(n.into(), Bound::AtLeast) as u32).max(*min_states).max(1);
            let states_ok = yes >= c.needed && states.reached(yes.into(), n.into());
            let people_ok = population.reached(in_favour, total);
            c.population = Some(PopulationTally {
                year: pops.year,
                source: pops.source.clone(),
                total,
                in_favour,
                needed: population.least(total, Bound::AtLeast),
            });
            // The deeming saves only the population condition: a blocking minority is a
            // population minority, and it needs `blocking_min` members to exist.
            c.deemed_attained = states_ok && !people_ok && c.not_in_favour < *blocking_min;
            if !states_ok {
                c.failed.push(Failure::TooFewInFavour);
            }
            if !people_ok && !c.deemed_attained {
                c.failed.push(Failure::TooLittlePopulation);
            }
        }
        Rule::Threshold { needed, veto_holders } => {
            if *needed > n {
                return Err(RuleError::Unreachable { what: "votes", needed: *needed, electors: n });
            }
            if let Some(m) = veto_holders.iter().find(|m| !electors.contains(m)) {
                return Err(RuleError::NotAnElector(*m));
            }
            c.needed = *needed;
            c.vetoed_by = veto_holders.iter().copied().filter(|m| vote_of(m) == Vote::No).collect();
            c.vetoed_by.sort();
            if yes < *needed {
                c.failed.push(Failure::TooFewInFavour);
            }
            if !c.vetoed_by.is_empty() {
                c.failed.push(Failure::Vetoed);
            }
        }
        Rule::Majority { fraction, of, bound } => {
            c.base = match of {
                Base::Electorate => n,
                Base::Cast => yes + no,
            };
            // Nothing carries without a vote in favour (at least 2/3 of no votes cast is not a
            // decision).
            c.needed = (fraction.least(c.base.into(), *bound) as u32).max(1);
            if yes == 0 || !fraction.satisfied(yes.into(), c.base.into(), *bound) {
                c.failed.push(Failure::TooFewInFavour);
            }
        }
        Rule::Consensus | Rule::ConsensusMinusOne { .. } | Rule::ConstructiveAbstention { .. } => {
            return Err(RuleError::WrongFamily { rule: rule.name(), family: Family::Consensus });
        }
    }
    c.carried = c.failed.is_empty();
    Ok(c)
}

impl Count {
    /// One sentence a person can read, with the figures that decided.
    #[must_use]
    pub fn explain(&self) -> String {
        let verdict = if self.carried { "Adopted" } else { "Not adopted" };
        match &self.rule {
            Rule::QualifiedMajority { population: share, blocking_min, .. } => {
                let Some(p) = &self.population else { return format!("{verdict}.") };
                let pct = percent(p.in_favour, p.total);
                let states = format!("{} of {} states", self.yes, self.electors);
                if self.failed.contains(&Failure::TooFewInFavour) {
                    format!("{verdict}: {states} in favour, {} needed; {pct} of the population.", self.needed)
                } else if self.deemed_attained {
                    format!(
                        "{verdict}: {states}, {pct} of the population ({share} needed), deemed attained: the {} \
                         members not in favour are fewer than the {blocking_min} a blocking minority needs.",
                        self.not_in_favour
                    )
                } else if self.carried {
                    format!("{verdict}: {states}, {pct} of the population; blocking minority not reached.")
                } else {
                    format!(
                        "{verdict}: {states}, but {pct} of the population ({} persons of the {} needed for \
                         {share}); a blocking minority of {} members is reached.",
                        p.in_favour, p.needed, self.not_in_favour
                    )
                }
            }
            Rule::Threshold { veto_holders, .. } => {
                let votes = format!(
                    "{} votes in favour of the {} needed ({} against, {} abstaining, {} not participating)",
                    self.yes, self.needed, self.no, self.abstain, self.not_participating
                );
                let who = if self.vetoed_by.len() == 1 { "a veto holder" } else { "veto holders" };
                if !self.vetoed_by.is_empty() {
                    format!("{verdict}: vetoed by {} ({who} voted no); {votes}.", list(&self.vetoed_by))
                } else if veto_holders.is_empty() {
                    format!("{verdict}: {votes}; a procedural vote, which no member can veto.")
                } else {
                    format!("{verdict}: {votes}; no veto holder voted no.")
                }
            }
            Rule::Majority { fraction, of, bound } => format!(
                "{verdict}: {} in favour, {} against, {} abstaining, {} not participating; {} needed ({bound} \
                 {fraction} of {of}: {}).",
                self.yes, self.no, self.abstain, self.not_participating, self.needed, self.base
            ),
            Rule::Consensus | Rule::ConsensusMinusOne { .. } | Rule::ConstructiveAbstention { .. } => {
                format!("{verdict}.")
            }
        }
    }
}
