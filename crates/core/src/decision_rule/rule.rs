//! The rules themselves, as data a body records: each variant cites the law it encodes.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Ratio, RuleError, list};
use crate::CountryCode;

/// A decision rule. Serialised with its name in `rule`:
/// `{"rule":"threshold","needed":9,"veto_holders":["CHN","FRA","GBR","RUS","USA"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rule {
    /// Consensus, Concord's rule until now (NATO: "consensus ... no voting", domain.md §1.1):
    /// every elector must consent; one objection blocks.
    #[default]
    Consensus,
    /// Consensus minus one (OSCE Prague Document, 30 January 1992, §16: in cases of clear, gross
    /// and uncorrected violations, appropriate action may be taken "if necessary in the absence
    /// of the consent of the State concerned"). The objection, or the missing consent, of the
    /// state concerned does not block; anyone else's objection does.
    ConsensusMinusOne { concerned: CountryCode },
    /// Unanimity with constructive abstention (Art. 31(1), second subparagraph, TEU): an elector
    /// that opts out by formal declaration ([`Stance::OptOut`](crate::Stance::OptOut)) does not
    /// block, but the decision is **not** adopted if those opting out are at least `states` of
    /// the electorate **and** comprise at least `population` of its population (the Treaty's
    /// one third and one third: exactly one third of each fails).
    ConstructiveAbstention { states: Ratio, population: Ratio },
    /// Qualified majority (Art. 16(4) TEU, first subparagraph): at least `states` of the
    /// members (55 %), at least `min_states` of them (15), representing at least `population`
    /// of the population (65 %). Second subparagraph: a blocking minority must include at least
    /// `blocking_min` members (4), failing which the qualified majority is deemed attained.
    /// Only yes votes count in favour; abstaining and not taking part count as not in favour.
    QualifiedMajority { states: Ratio, min_states: u32, population: Ratio, blocking_min: u32 },
    /// A threshold of affirmative votes with veto holders (UN Charter Art. 27(3): nine members
    /// "including the concurring votes of the permanent members"; by the Council's practice
    /// since 1946, upheld by the ICJ's Namibia opinion of 1971, a permanent member's abstention
    /// or absence is not a veto, only its vote against is). With no veto holders it is the
    /// procedural vote of Art. 27(2).
    Threshold { needed: u32, veto_holders: Vec<CountryCode> },
    /// A majority of a fraction of a base: of all electors ([`Base::Electorate`]) or of the
    /// votes cast ([`Base::Cast`], yes and no: "present and voting"), either strictly more than
    /// the fraction ([`Bound::MoreThan`]: a simple majority is more than half) or at least it
    /// ([`Bound::AtLeast`]: a two-thirds majority is at least two thirds).
    Majority { fraction: Ratio, of: Base, bound: Bound },
}

/// How a rule is decided: by consensus stances (nobody votes) or by votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Family {
    Consensus,
    Vote,
}

words!(Family {
    Consensus => "consensus",
    Vote => "vote",
});

/// What a majority is a fraction of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Base {
    /// Every elector, whether it voted or not: abstaining counts against.
    Electorate,
    /// The votes cast, yes and no: abstaining and not taking part do not count at all.
    Cast,
}

words!(Base {
    Electorate => "all members",
    Cast => "the votes cast",
});

/// Whether reaching the fraction exactly is enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Bound {
    /// Strictly more than the fraction (half of 10 is not a majority; 6 is).
    MoreThan,
    /// The fraction or more (10 of 15 is two thirds).
    AtLeast,
}

words!(Bound {
    MoreThan => "more than",
    AtLeast => "at least",
});

impl Rule {
    /// The Council of the EU's qualified majority (Art. 16(4) TEU): 55 %, at least 15, 65 %;
    /// a blocking minority needs at least 4 members.
    pub const EU_QUALIFIED_MAJORITY: Self = Self::QualifiedMajority {
        states: Ratio::new(55, 100),
        min_states: 15,
        population: Ratio::new(65, 100),
        blocking_min: 4,
    };

    /// Constructive abstention with the Treaty's thresholds, one third and one third.
    pub const EU_CONSTRUCTIVE_ABSTENTION: Self =
        Self::ConstructiveAbstention { states: Ratio::THIRD, population: Ratio::THIRD };

    /// A simple majority of `of`: more than half.
    #[must_use]
    pub const fn simple_majority(of: Base) -> Self {
        Self::Majority { fraction: Ratio::HALF, of, bound: Bound::MoreThan }
    }

    /// A two-thirds majority of `of`: at least two thirds.
    #[must_use]
    pub const fn two_thirds(of: Base) -> Self {
        Self::Majority { fraction: Ratio::TWO_THIRDS, of, bound: Bound::AtLeast }
    }

    /// The serde name (`qualified_majority`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Consensus => "consensus",
            Self::ConsensusMinusOne { .. } => "consensus_minus_one",
            Self::ConstructiveAbstention { .. } => "constructive_abstention",
            Self::QualifiedMajority { .. } => "qualified_majority",
            Self::Threshold { .. } => "threshold",
            Self::Majority { .. } => "majority",
        }
    }

    /// Whether the rule reads consensus stances or votes.
    #[must_use]
    pub fn family(&self) -> Family {
        match self {
            Self::Consensus | Self::ConsensusMinusOne { .. } | Self::ConstructiveAbstention { .. } => Family::Consensus,
            Self::QualifiedMajority { .. } | Self::Threshold { .. } | Self::Majority { .. } => Family::Vote,
        }
    }

    /// Whether evaluating the rule needs population figures.
    #[must_use]
    pub fn needs_populations(&self) -> bool {
        matches!(self, Self::ConstructiveAbstention { .. } | Self::QualifiedMajority { .. })
    }

    /// Refuses a rule that means nothing: a zero denominator, a fraction of 0 or above 1,
    /// "more than all", a threshold of 0 votes, a veto holder listed twice.
    pub fn check(&self) -> Result<(), RuleError> {
        match self {
            Self::Consensus | Self::ConsensusMinusOne { .. } => Ok(()),
            Self::ConstructiveAbstention { states, population } => {
                states.check("the opt-outs' share of the members")?;
                population.check("the opt-outs' share of the population")
            }
            Self::QualifiedMajority { states, population, .. } => {
                states.check("the share of members in favour")?;
                population.check("the share of the population in favour")
            }
            Self::Threshold { needed, veto_holders } => {
                if *needed == 0 {
                    return Err(RuleError::NeededZero);
                }
                let mut seen = BTreeSet::new();
                match veto_holders.iter().find(|m| !seen.insert(**m)) {
                    Some(m) => Err(RuleError::Duplicate(*m)),
                    None => Ok(()),
                }
            }
            Self::Majority { fraction, bound, .. } => {
                fraction.check("the majority")?;
                if *bound == Bound::MoreThan && fraction.num == fraction.den {
                    return Err(RuleError::MoreThanAll);
                }
                Ok(())
            }
        }
    }

    /// One honest sentence a delegate can read: what must happen for adoption, in the rule's
    /// own vocabulary (consensus rules speak of consent, objection and opting out; only vote
    /// rules speak of votes).
    #[must_use]
    pub fn words(&self) -> String {
        match self {
            Self::Consensus => "Consensus: every member must agree; one objection blocks. Nobody votes.".to_owned(),
            Self::ConsensusMinusOne { concerned } => format!(
                "Consensus minus one: every member must agree except {concerned}, the state concerned, whose \
                 objection or missing consent does not block; any other member's objection blocks. Nobody votes."
            ),
            Self::ConstructiveAbstention { states, population } => format!(
                "Unanimity with constructive abstention: every member must agree or formally opt out; one \
                 objection blocks; the decision falls if those opting out are at least {states} of the members \
                 and comprise at least {population} of the population."
            ),
            Self::QualifiedMajority { states, min_states, population, blocking_min } => format!(
                "Qualified majority: {states} of the members, at least {min_states}, representing {population} of \
                 the population; a blocking minority needs at least {blocking_min} members, failing which the \
                 qualified majority is deemed attained. Abstaining counts as not in favour."
            ),
            Self::Threshold { needed, veto_holders } if veto_holders.is_empty() => format!(
                "Threshold vote (procedural): at least {needed} votes in favour; nobody has a veto; abstaining \
                 counts as not in favour."
            ),
            Self::Threshold { needed, veto_holders } => format!(
                "Threshold vote: at least {needed} votes in favour, and no vote against by a permanent member \
                 ({}); a permanent member's abstention or absence is not a veto.",
                list(veto_holders)
            ),
            Self::Majority { fraction, of, bound } => {
                // By value, not by spelling: 4/6 is two thirds.
                let is =
                    |r: Ratio| u64::from(fraction.num) * u64::from(r.den) == u64::from(r.num) * u64::from(fraction.den);
                let what = match (bound, of) {
                    (Bound::MoreThan, Base::Cast) if is(Ratio::HALF) => "Simple majority",
                    (Bound::MoreThan, Base::Electorate) if is(Ratio::HALF) => "Absolute majority",
                    (Bound::AtLeast, _) if is(Ratio::TWO_THIRDS) => "Two-thirds majority",
                    _ => "Majority",
                };
                let counted = match of {
                    Base::Cast => "abstaining and not taking part do not count",
                    Base::Electorate => "abstaining and not taking part count as not in favour",
                };
                format!("{what}: votes in favour {bound} {fraction} of {of} ({counted}).")
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words())
    }
}
