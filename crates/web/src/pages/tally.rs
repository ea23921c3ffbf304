//! Votes and population figures on a page (issue 15): the words a proposal's page uses under
//! its procedure, the count of a vote, the opt-outs' share under constructive abstention, and
//! the population figures a rule counts people by.
//!
//! The vocabulary is honest both ways: nobody votes in a consensus body and nobody concurs in a
//! vote, so the grid, its legend and the position form take their words from [`Words::of`].
//! Every share is text from `concord_core::decision_rule::percent` (exact integers, truncated,
//! so that a share just short of a threshold never reads as meeting it); nothing here is a
//! float, and nothing here decides: the numbers are the ones the decision recorded.

use concord_core::decision_rule::{Count, OptOutShare, Populations, Rule, Vote, percent};
use concord_core::{BodyId, CountryCode, Decision, Position, Procedure, RuleInForce, Stance, State as Domain};
use jiff::Timestamp;

/// The words of a proposal's page under its procedure.
#[derive(Debug, Clone)]
pub struct Words {
    /// Under the vote procedure.
    pub vote: bool,
    /// The grid's heading: "Votes" or "Consensus grid".
    pub grid: &'static str,
    /// What an elector gives: "vote" or "position".
    pub position: &'static str,
    /// The form's heading: "Your vote" or "Take a position".
    pub form: &'static str,
    /// The form's button: "Cast the vote" or "Record position".
    pub button: &'static str,
    /// The grid's legend: class, symbol, words (colour is never the only signal).
    pub legend: Vec<(&'static str, &'static str, &'static str)>,
}

impl Words {
    /// The words under `procedure` (none yet: a draft, which nobody has voted on or concurred in;
    /// it reads as consensus until circulated, as the principal body always decides).
    #[must_use]
    pub fn of(procedure: Option<Procedure>) -> Self {
        if procedure == Some(Procedure::Vote) {
            Self {
                vote: true,
                grid: "Votes",
                position: "vote",
                form: "Your vote",
                button: "Cast the vote",
                // The votes' cells as the grid draws them, then what is not a vote.
                legend: [Stance::Yes, Stance::No, Stance::Abstain, Stance::NotParticipating]
                    .into_iter()
                    .map(super::proposal::stance_cell)
                    .chain([
                        ("st-awaiting", "⧗", "awaiting instructions (not a vote)"),
                        ("st-none", "…", "has not voted"),
                    ])
                    .collect(),
            }
        } else {
            Self {
                vote: false,
                grid: "Consensus grid",
                position: "position",
                form: "Take a position",
                button: "Record position",
                legend: vec![
                    ("st-concur", "✓", "concurred"),
                    ("st-silence", "✓", "concurred by silence"),
                    ("st-reservation", "✓!", "reservation"),
                    ("st-opt-out", "○", "opted out"),
                    ("st-object", "✗", "objected"),
                    ("st-amend", "✎", "amendment"),
                    ("st-awaiting", "⧗", "awaiting instructions (not a position)"),
                    ("st-none", "…", "no position"),
                ],
            }
        }
    }
}

/// One line of a figures table: a header cell and its value.
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub value: String,
}

fn row(label: impl Into<String>, value: impl Into<String>) -> Row {
    Row { label: label.into(), value: value.into() }
}

/// A small table of the numbers a decision used, with its caption.
#[derive(Debug, Clone)]
pub struct Table {
    pub caption: String,
    pub rows: Vec<Row>,
}

/// A whole number of persons with thousands separated: `83,200,000`.
#[must_use]
pub fn persons(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Where figures come from, in words: `2024, from Council Decision (EU) 2023/2124`.
fn figures_line(year: i16, source: &str) -> String {
    if source.is_empty() { format!("{year}") } else { format!("{year}, from {source}") }
}

fn codes(v: &[CountryCode]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The count of a vote, as the decision recorded it: yes, no, abstain, not participating, what
/// was needed and, when the rule counts people, the population in favour, the total and what
/// was needed, with the figures' year and source; and who vetoed, under a rule with veto holders.
#[must_use]
pub fn count_table(c: &Count) -> Table {
    let mut rows = vec![
        row("Yes", c.yes.to_string()),
        row("No", c.no.to_string()),
        row("Abstain", c.abstain.to_string()),
        row("Not participating (with those who did not vote)", c.not_participating.to_string()),
    ];
    let needed = match &c.rule {
        Rule::Majority { fraction, of, bound } => {
            format!("{} votes in favour ({bound} {fraction} of {of}: {})", c.needed, c.base)
        }
        Rule::QualifiedMajority { states, min_states, .. } => {
            format!("{} members in favour ({states} of {}, and at least {min_states})", c.needed, c.electors)
        }
        _ => format!("{} votes in favour", c.needed),
    };
    rows.push(row("Needed", needed));
    if let Some(p) = &c.population {
        rows.push(row(
            "Population in favour",
            format!("{} ({} of {} persons)", percent(p.in_favour, p.total), persons(p.in_favour), persons(p.total)),
        ));
        rows.push(row("Population needed", format!("{} ({} persons)", percent(p.needed, p.total), persons(p.needed))));
        rows.push(row("Population figures", figures_line(p.year, &p.source)));
    }
    if let Rule::QualifiedMajority { blocking_min, .. } = &c.rule {
        let deemed = if c.deemed_attained { "; the qualified majority is deemed attained" } else { "" };
        rows.push(row(
            "Members not in favour",
            format!("{} (a blocking minority needs at least {blocking_min}){deemed}", c.not_in_favour),
        ));
    }
    if let Rule::Threshold { veto_holders, .. } = &c.rule
        && !veto_holders.is_empty()
    {
        rows.push(row("Veto holders", codes(veto_holders)));
        let vetoed = if c.vetoed_by.is_empty() {
            "nobody: no veto holder voted no".to_owned()
        } else {
            format!("{} (voted no)", codes(&c.vetoed_by))
        };
        rows.push(row("Vetoed by", vetoed));
    }
    let result = if c.carried {
        "carried".to_owned()
    } else {
        let failed: Vec<String> = c.failed.iter().map(ToString::to_string).collect();
        format!("not carried: {}", failed.join(", "))
    };
    rows.push(row("Result", result));
    Table { caption: format!("The count: {} electors", c.electors), rows }
}

/// The opt-outs' share under constructive abstention, as the decision recorded it, beside the
/// rule's thresholds (both must be reached for the text to fall).
#[must_use]
pub fn opt_out_table(share: &OptOutShare, d: &Decision) -> Table {
    let rule = d.rule.as_ref().map(|r| &r.rule);
    let (n, out) = (d.electorate.len() as u64, d.opt_outs.len() as u64);
    share_table(share, rule, n, out, "The opt-outs' share (constructive abstention)")
}

/// While a round under constructive abstention is open, the opt-outs' share so far on the
/// current text (for a reader shown the positions): what would make the text fall if it held
/// at the deadline. `None` under any other rule, or when it cannot be computed.
#[must_use]
pub fn running_opt_out_table(p: &concord_core::Proposal) -> Option<Table> {
    let c = p.circulation.as_ref().filter(|_| p.status.is_open())?;
    let rule = c.rule.as_ref().filter(|r| matches!(r.rule, Rule::ConstructiveAbstention { .. }))?;
    let stances = c
        .electorate
        .iter()
        .filter_map(|m| p.positions.get(m).filter(|x| x.revision == c.revision).map(|x| (*m, x.stance)))
        .collect();
    let so_far =
        concord_core::decision_rule::consent(&rule.rule, &c.electorate, &stances, rule.populations.as_ref()).ok()?;
    let share = so_far.opt_out_share.as_ref()?;
    let (n, out) = (c.electorate.len() as u64, so_far.opt_outs.len() as u64);
    Some(share_table(share, Some(&rule.rule), n, out, "The opt-outs' share so far (constructive abstention)"))
}

fn share_table(share: &OptOutShare, rule: Option<&Rule>, n: u64, out: u64, caption: &str) -> Table {
    let (states, population) = match rule {
        Some(Rule::ConstructiveAbstention { states, population }) => (states.to_string(), population.to_string()),
        _ => (String::from("its share"), String::from("its share")),
    };
    let reached = |r: bool| if r { "reached" } else { "not reached" };
    let mut rows = vec![
        row(
            "Members opting out",
            format!(
                "{out} of {n} ({}); the text falls at {states}: {}",
                percent(out, n),
                reached(share.states_reached)
            ),
        ),
        row(
            "Their population",
            format!(
                "{} ({} of {} persons); the text falls at {population}: {}",
                percent(share.opted_out, share.total),
                persons(share.opted_out),
                persons(share.total),
                reached(share.population_reached)
            ),
        ),
    ];
    if share.year != 0 {
        rows.push(row("Population figures", figures_line(share.year, &share.source)));
    }
    Table { caption: caption.into(), rows }
}

/// Who voted how, each list in code order, and who did not vote: what the record releases with
/// a vote's decision, as "Concurred explicitly" is under consensus.
#[must_use]
pub fn vote_lists(d: &Decision) -> Vec<Row> {
    let with = |v: Vote| -> Vec<CountryCode> {
        let mut m: Vec<CountryCode> =
            d.votes.iter().filter(|p: &&Position| p.stance.vote() == Some(v)).map(|p| p.member).collect();
        m.sort();
        m
    };
    let silent: Vec<CountryCode> =
        d.electorate.iter().copied().filter(|m| !d.votes.iter().any(|p| p.member == *m)).collect();
    [
        ("Voted yes", with(Vote::Yes)),
        ("Voted no", with(Vote::No)),
        ("Abstained", with(Vote::Abstain)),
        ("Said it takes no part", with(Vote::NotParticipating)),
        ("Did not vote (takes no part)", silent),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(label, v)| row(label, codes(&v)))
    .collect()
}

/// What the proposal page says of the population figures a rule counts people by: those fixed
/// when the procedure opened or, before that, those that would apply if it opened at `now`.
/// Empty when the rule counts no people.
#[must_use]
pub fn figures_words(s: &Domain, body: &BodyId, fixed: Option<&RuleInForce>, now: Timestamp) -> String {
    if let Some(r) = fixed {
        return r.populations.as_ref().map_or_else(String::new, |p| {
            format!("Counted by the population figures for {}, fixed when it opened.", figures_line(p.year, &p.source))
        });
    }
    match s.rule_in_force(Some(body), now) {
        Ok(Some(r)) if r.rule.needs_populations() => match r.populations {
            Some(p) => {
                format!("Population figures that would apply if it opened now: {}.", figures_line(p.year, &p.source))
            }
            None => "No population figures are recorded for this year or before: it cannot be circulated until the \
                     secretariat records them."
                .into(),
        },
        _ => String::new(),
    }
}

/// One member's line in a body's figures.
#[derive(Debug, Clone)]
pub struct FigureRow {
    pub member: String,
    pub name: String,
    /// Persons, or "no figure".
    pub population: String,
    /// Its share of the roster's total, or "—".
    pub share: String,
}

/// The figures a procedure opening now in a body would count people by.
#[derive(Debug, Clone)]
pub struct BodyFigures {
    pub year: i16,
    pub source: String,
    pub rows: Vec<FigureRow>,
    /// The roster's total, in persons, and its share of itself ("0.0 %" when nobody has a figure).
    pub total: String,
    pub total_share: String,
    /// Members of today's roster without a figure (a procedure cannot open until they have one).
    pub missing: String,
}

impl BodyFigures {
    /// `populations` for today's `roster`, each member's share of their total.
    #[must_use]
    pub fn of(s: &Domain, populations: &Populations, roster: &[CountryCode]) -> Self {
        let total =
            roster.iter().filter_map(|m| populations.figures.get(m)).fold(0u64, |sum, n| sum.saturating_add(*n));
        let rows = roster
            .iter()
            .map(|m| {
                let figure = populations.figures.get(m).copied();
                FigureRow {
                    member: m.to_string(),
                    name: s.members.get(m).map(|x| x.name.clone()).unwrap_or_default(),
                    population: figure.map_or_else(|| "no figure".to_owned(), persons),
                    share: figure.map_or_else(|| "—".to_owned(), |n| percent(n, total)),
                }
            })
            .collect();
        let missing: Vec<CountryCode> =
            roster.iter().copied().filter(|m| !populations.figures.contains_key(m)).collect();
        Self {
            year: populations.year,
            source: populations.source.clone(),
            rows,
            total: persons(total),
            total_share: percent(total, total),
            missing: codes(&missing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_are_grouped_by_thousands() {
        for (n, s) in [(0, "0"), (999, "999"), (1_000, "1,000"), (83_200_000, "83,200,000"), (12_345, "12,345")] {
            assert_eq!(persons(n), s);
        }
    }

    #[test]
    fn a_majority_of_the_votes_cast_says_what_it_is_taken_of_and_counts_no_people() {
        use std::collections::BTreeMap;

        use concord_core::decision_rule::{Base, count};
        let code = |c: &str| CountryCode::parse(c).unwrap_or_else(|e| panic!("{e}"));
        let electorate = [code("DEU"), code("FRA"), code("NOR")];
        let votes = BTreeMap::from([(code("DEU"), Vote::No), (code("FRA"), Vote::Yes), (code("NOR"), Vote::Abstain)]);
        let c = count(&Rule::simple_majority(Base::Cast), &electorate, &votes, None).unwrap_or_else(|e| panic!("{e}"));
        let t = count_table(&c);
        let rows: Vec<(&str, &str)> = t.rows.iter().map(|r| (r.label.as_str(), r.value.as_str())).collect();
        assert!(rows.contains(&("Needed", "2 votes in favour (more than 50 % of the votes cast: 2)")), "{rows:?}");
        assert!(rows.contains(&("Result", "not carried: too few in favour")), "{rows:?}");
        assert!(rows.iter().all(|(label, _)| !label.starts_with("Population") && !label.starts_with("Veto")));
    }

    #[test]
    fn a_consensus_page_has_no_word_of_voting_and_a_vote_no_word_of_concurring() {
        // What a reader sees: the words, not the colour classes.
        let said = |w: &Words| {
            let legend: Vec<&str> = w.legend.iter().map(|(_, _, words)| *words).collect();
            format!("{} {} {} {} {}", w.grid, w.position, w.form, w.button, legend.join(" ")).to_lowercase()
        };
        for p in [None, Some(Procedure::Silence), Some(Procedure::ConsensusRound)] {
            let all = said(&Words::of(p));
            assert!(!all.contains("vot"), "{all}");
        }
        let all = said(&Words::of(Some(Procedure::Vote)));
        assert!(!all.contains("concur") && !all.contains("position"), "{all}");
    }
}
