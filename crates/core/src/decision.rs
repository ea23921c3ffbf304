//! How positions become an outcome: the one place that knows the consensus rules
//! (domain.md §5.3, rules 2–5).
//!
//! No count ever decides. Under silence the first objection or proposed amendment blocks at
//! once, and the deadline passing adopts. In a consensus round every elector must concur (with or
//! without a reservation) or opt out; an objection blocks at once; the deadline passing without
//! consensus closes the round as not adopted.
//!
//! A body's rule, recorded with the circulation, may be consensus minus one
//! (`decision_rule::Rule::ConsensusMinusOne`): then the state concerned neither blocks nor is
//! waited for, and everything else is as above. Under constructive abstention a text that every
//! elector consented to is still not adopted when the opt-outs reach the rule's share of the
//! electors and of their population.
//!
//! A body that decides by a vote rule circulates for a vote instead: nothing blocks, and when
//! every elector has voted or the deadline passes the rule counts the votes
//! (`decision_rule::count`), keeping every number it used in the decision.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::decision_rule::{self, Count, OptOutShare, Rule, Vote};
use crate::{CountryCode, Position, Procedure, Proposal, RuleInForce, Stance};

/// How a circulated proposal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Adopted,
    /// Adopted; reservations or interpretative statements are published with it.
    AdoptedWithReservations,
    /// An elector objected (or, under silence, proposed an amendment).
    Blocked,
    /// A consensus round reached its deadline without every elector's consent.
    NotAdopted,
}

/// A recorded decision and the facts that explain it. Recomputable from the log: `apply`
/// refuses a recorded decision that differs from the one these rules give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub outcome: Outcome,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
    pub procedure: Procedure,
    /// The revision decided on, and its text hash.
    pub revision: u32,
    pub text_hash: String,
    /// Every elector, in code order.
    pub electorate: Vec<CountryCode>,
    /// Explicit concurrences, reservations included.
    pub concurred: Vec<Position>,
    /// Electors who said nothing under silence, and so consented.
    pub concurred_by_silence: Vec<CountryCode>,
    /// Reservations and interpretative statements, published with the decision.
    pub reservations: Vec<Position>,
    /// Constructive abstentions: not blocking, excused from the burden share.
    pub opt_outs: Vec<Position>,
    /// Objections and proposed amendments.
    pub objections: Vec<Position>,
    /// In a consensus round: electors whose consent was missing when it closed.
    pub outstanding: Vec<CountryCode>,
    /// The body's rule it was decided by; absent: the principal body's consensus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleInForce>,
    /// In a vote: every vote cast, in the order cast.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub votes: Vec<Position>,
    /// In a vote: the rule's count, with every number it used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Box<Count>>,
    /// Under constructive abstention: the opt-outs' share of the electors and their population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out_share: Option<Box<OptOutShare>>,
}

impl Decision {
    /// One sentence a person can read.
    #[must_use]
    pub fn explain(&self) -> String {
        let list = |v: &[Position]| v.iter().map(|p| p.member.to_string()).collect::<Vec<_>>().join(", ");
        let n = self.electorate.len();
        match self.outcome {
            Outcome::Blocked => {
                // The position that blocked: in a round an earlier proposed amendment is recorded
                // among the objections but did not block.
                let first = self
                    .objections
                    .iter()
                    .find(|p| Some(p.member) != self.set_aside() && blocks(self.procedure, p.stance));
                let who = first.map_or_else(String::new, |p| p.member.to_string());
                let how = match first.map(|p| p.stance) {
                    Some(Stance::ProposeAmendment) => "proposed an amendment, breaking silence",
                    _ => "objected",
                };
                format!("Blocked at {}: {who} {how}. One objection blocks; there is no vote.", self.decided_at)
            }
            _ if self.procedure == Procedure::Vote => {
                let count =
                    self.count.as_ref().map_or_else(|| "the votes could not be counted.".to_owned(), |c| c.explain());
                format!("Decided by vote at {}. {count}", self.decided_at)
            }
            Outcome::NotAdopted if self.outstanding.is_empty() && !self.opt_outs.is_empty() => {
                let share = self.opt_out_share.as_ref().map_or_else(String::new, |p| {
                    format!(", {} of the population", decision_rule::percent(p.opted_out, p.total))
                });
                let (states, population) = match self.rule.as_ref().map(|r| &r.rule) {
                    Some(Rule::ConstructiveAbstention { states, population }) => {
                        (states.to_string(), population.to_string())
                    }
                    _ => (String::new(), String::new()),
                };
                format!(
                    "Not adopted at {}: {} of {n} electors opted out ({}){share}, at least {states} of the electors and {population} of the population. Constructive abstention does not carry that far.",
                    self.decided_at,
                    self.opt_outs.len(),
                    list(&self.opt_outs)
                )
            }
            Outcome::NotAdopted => format!(
                "Not adopted: the round closed at its deadline {} without the consent of {} of {n} electors ({}).",
                self.decided_at,
                self.outstanding.len(),
                self.outstanding.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            Outcome::Adopted | Outcome::AdoptedWithReservations => {
                let mut s = match self.procedure {
                    Procedure::Silence => format!(
                        "Adopted by silence procedure at {}: {} of {n} electors concurred by silence, {} explicitly",
                        self.decided_at,
                        self.concurred_by_silence.len(),
                        self.concurred.len()
                    ),
                    // A vote is explained above; this arm reads the same for a round.
                    Procedure::ConsensusRound | Procedure::Vote => format!(
                        "Adopted by consensus at {}: {} of {n} electors concurred",
                        self.decided_at,
                        self.concurred.len()
                    ),
                };
                if !self.opt_outs.is_empty() {
                    s += &format!(", {} opted out ({})", self.opt_outs.len(), list(&self.opt_outs));
                }
                s.push('.');
                if !self.reservations.is_empty() {
                    s += &format!(" Reservations from {} are published with it.", list(&self.reservations));
                }
                let concerned = self.set_aside().and_then(|c| self.objections.iter().find(|p| p.member == c));
                if let Some(p) = concerned {
                    let did = match p.stance {
                        Stance::ProposeAmendment => "proposed an amendment",
                        _ => "objected",
                    };
                    s += &format!(
                        " {}, the state concerned, {did}; under consensus minus one that does not block.",
                        p.member
                    );
                }
                s
            }
        }
    }

    /// The state concerned whose consent a consensus-minus-one rule does without.
    #[must_use]
    pub fn set_aside(&self) -> Option<CountryCode> {
        set_aside(self.rule.as_ref())
    }
}

fn set_aside(rule: Option<&RuleInForce>) -> Option<CountryCode> {
    match rule.map(|r| &r.rule) {
        Some(Rule::ConsensusMinusOne { concerned }) => Some(*concerned),
        _ => None,
    }
}

/// Whether a stance blocks at once under `procedure`.
#[must_use]
pub fn blocks(procedure: Procedure, stance: Stance) -> bool {
    match procedure {
        Procedure::Silence => matches!(stance, Stance::Object | Stance::ProposeAmendment),
        Procedure::ConsensusRound => stance == Stance::Object,
        Procedure::Vote => false,
    }
}

/// The decision a circulated proposal has reached as of `now`, if any.
///
/// `now` at or after the deadline closes the procedure with the outcome as of the deadline:
/// positions are only ever accepted strictly before it, so every recorded one counts.
#[must_use]
pub fn evaluate(proposal: &Proposal, now: Timestamp) -> Option<Decision> {
    evaluate_with(proposal, &proposal.positions, now)
}

/// [`evaluate`] with the positions given apart, as they would be after one more.
#[must_use]
pub fn evaluate_with(
    proposal: &Proposal,
    positions: &BTreeMap<CountryCode, Position>,
    now: Timestamp,
) -> Option<Decision> {
    let circ = proposal.circulation.as_ref()?;
    // An amended text waits to be circulated again: nothing is decided on a text nobody was given.
    if !proposal.status.is_open() || circ.revision != proposal.current().number {
        return None;
    }
    if circ.procedure == Procedure::Vote {
        return evaluate_vote(proposal, positions, now);
    }
    // Under consensus minus one the state concerned neither blocks nor is waited for.
    let counts = |m: &CountryCode| set_aside(circ.rule.as_ref()) != Some(*m);
    let held = || circ.electorate.iter().filter_map(|m| positions.get(m));
    let blocking = held().filter(|p| counts(&p.member) && blocks(circ.procedure, p.stance)).min_by_key(|p| p.at);
    let all_consent =
        circ.electorate.iter().filter(|m| counts(m)).all(|m| positions.get(m).is_some_and(|p| p.stance.consents()));

    let (outcome_base, decided_at) = if let Some(first) = blocking {
        (Outcome::Blocked, first.at)
    } else if circ.procedure == Procedure::ConsensusRound && all_consent {
        let last = held().map(|p| p.at).max().unwrap_or(circ.circulated_at);
        (Outcome::Adopted, last)
    } else if now >= circ.deadline {
        let o = match circ.procedure {
            Procedure::Silence => Outcome::Adopted,
            Procedure::ConsensusRound | Procedure::Vote => Outcome::NotAdopted,
        };
        (o, circ.deadline)
    } else {
        return None;
    };

    let by_stance = |f: fn(Stance) -> bool| -> Vec<Position> {
        let mut v: Vec<Position> = held().filter(|p| f(p.stance)).cloned().collect();
        v.sort_by_key(|p| (p.at, p.member));
        v
    };
    let concurred = by_stance(|s| matches!(s, Stance::Concur | Stance::ConcurWithReservation));
    let reservations = by_stance(|s| s == Stance::ConcurWithReservation);
    let opt_outs = by_stance(|s| s == Stance::OptOut);
    let objections = by_stance(|s| matches!(s, Stance::Object | Stance::ProposeAmendment));
    let silent: Vec<CountryCode> = circ.electorate.iter().copied().filter(|m| !positions.contains_key(m)).collect();
    let opt_out_share = opt_out_share(circ, positions);
    let outcome = match outcome_base {
        Outcome::Adopted if opt_out_share.as_ref().is_some_and(|s| s.states_reached && s.population_reached) => {
            Outcome::NotAdopted
        }
        Outcome::Adopted if !reservations.is_empty() => Outcome::AdoptedWithReservations,
        o => o,
    };
    let adopted_by_silence =
        circ.procedure == Procedure::Silence && matches!(outcome, Outcome::Adopted | Outcome::AdoptedWithReservations);
    let outstanding = if circ.procedure == Procedure::ConsensusRound && outcome != Outcome::Adopted {
        circ.electorate
            .iter()
            .copied()
            .filter(|m| counts(m) && !positions.get(m).is_some_and(|p| p.stance.consents()))
            .collect()
    } else {
        Vec::new()
    };
    let revision = proposal.current();
    Some(Decision {
        outcome,
        decided_at,
        procedure: circ.procedure,
        revision: revision.number,
        text_hash: revision.text_hash.clone(),
        electorate: circ.electorate.clone(),
        concurred,
        concurred_by_silence: if adopted_by_silence { silent } else { Vec::new() },
        reservations,
        opt_outs,
        objections,
        outstanding,
        rule: circ.rule.clone(),
        votes: Vec::new(),
        count: None,
        opt_out_share: opt_out_share.map(Box::new),
    })
}

/// Under constructive abstention, the opt-outs' share (a silent elector consents under silence).
/// The circulation checked that every elector has a figure, so the rule cannot fail here; if it
/// somehow did, the share reads as reached, so that an error never adopts.
fn opt_out_share(circ: &crate::Circulation, positions: &BTreeMap<CountryCode, Position>) -> Option<OptOutShare> {
    let rule = circ.rule.as_ref().filter(|r| matches!(r.rule, Rule::ConstructiveAbstention { .. }))?;
    let stances: BTreeMap<CountryCode, Stance> = circ
        .electorate
        .iter()
        .filter_map(|m| {
            positions
                .get(m)
                .map(|p| (*m, p.stance))
                .or((circ.procedure == Procedure::Silence).then_some((*m, Stance::Concur)))
        })
        .collect();
    let unknown = || OptOutShare {
        year: 0,
        source: String::new(),
        total: 0,
        opted_out: 0,
        states_reached: true,
        population_reached: true,
    };
    match decision_rule::consent(&rule.rule, &circ.electorate, &stances, rule.populations.as_ref()) {
        Ok(c) => c.opt_out_share,
        Err(_) => Some(unknown()),
    }
}

/// A vote's decision: once every elector has voted, or at the deadline, the body's rule counts
/// the votes (an elector who did not vote takes no part). The circulation checked the rule and
/// its figures, so the count cannot fail; if it somehow did, the proposal is not adopted.
fn evaluate_vote(proposal: &Proposal, positions: &BTreeMap<CountryCode, Position>, now: Timestamp) -> Option<Decision> {
    let circ = proposal.circulation.as_ref()?;
    let cast = || circ.electorate.iter().filter_map(|m| positions.get(m)).filter(|p| p.stance.vote().is_some());
    let votes: BTreeMap<CountryCode, Vote> = cast().filter_map(|p| Some((p.member, p.stance.vote()?))).collect();
    let decided_at = if votes.len() == circ.electorate.len() {
        cast().map(|p| p.at).max().unwrap_or(circ.circulated_at)
    } else if now >= circ.deadline {
        circ.deadline
    } else {
        return None;
    };
    let count = circ
        .rule
        .as_ref()
        .and_then(|r| decision_rule::count(&r.rule, &circ.electorate, &votes, r.populations.as_ref()).ok());
    let mut ballots: Vec<Position> = cast().cloned().collect();
    ballots.sort_by_key(|p| (p.at, p.member));
    let revision = proposal.current();
    Some(Decision {
        outcome: if count.as_ref().is_some_and(|c| c.carried) { Outcome::Adopted } else { Outcome::NotAdopted },
        decided_at,
        procedure: Procedure::Vote,
        revision: revision.number,
        text_hash: revision.text_hash.clone(),
        electorate: circ.electorate.clone(),
        concurred: Vec::new(),
        concurred_by_silence: Vec::new(),
        reservations: Vec::new(),
        opt_outs: Vec::new(),
        objections: Vec::new(),
        outstanding: Vec::new(),
        rule: circ.rule.clone(),
        votes: ballots,
        count: count.map(Box::new),
        opt_out_share: None,
    })
}
