//! Bodies: the councils and committees that decide, each with its own electorate and decision
//! rule (issue 15). A body is established by a log event and its rule changed by another, each
//! change a new version; a proposal belongs to one body, and its circulation records the roster
//! and the rule version in force then, so that changing either never changes an open procedure.
//!
//! A log with no body establishes none: its proposals belong to the principal body, decided by
//! every member by consensus, as they always were. A body's roster on a day is a pure function of
//! the log ([`State::roster`]).

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::decision_rule::{self, Family, Populations, Rule, Vote};
use crate::{CountryCode, DecisionKind, Procedure, Refusal, Stance, State};

/// Longest body id, in characters.
pub const MAX_BODY_ID: usize = 32;

/// A body's short name, its id in the log and in addresses: lower-case ASCII letters, digits and
/// hyphens, starting with a letter (`nac`, `npg`, `military-committee`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "npg"))]
pub struct BodyId(String);

impl BodyId {
    /// The id, if `s` is one.
    ///
    /// # Errors
    /// What is wrong with it, in words.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if s == "principal" {
            return Err("\"principal\" names the principal body, which is never established".to_owned());
        }
        if !ok_start || !ok_chars || s.len() > MAX_BODY_ID {
            return Err(format!(
                "{s:?} is not a body id: lower-case letters, digits and hyphens, starting with a letter, at most {MAX_BODY_ID}"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BodyId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<BodyId> for String {
    fn from(b: BodyId) -> Self {
        b.0
    }
}

impl fmt::Display for BodyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who takes part in a body's decisions. (Unknown fields are ignored, as in the decision rule it
/// sits beside: the OpenAPI document cannot say a tagged variant admits no others.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "roster", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Roster {
    /// Every member on the day, but those named (the Nuclear Planning Group: all allies but
    /// France).
    AllMembers {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        except: Vec<CountryCode>,
    },
    /// The members named, while they are members.
    Members { members: Vec<CountryCode> },
    /// Every member on the day but those named, and the partners named beside them as equal
    /// participants (the NATO-Ukraine Council: the allies and Ukraine). A partner taking part
    /// reads the body's business as its members do and takes positions in it; it does nothing
    /// else a member does (it authorises no proxy and acts for nobody).
    WithPartners {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        except: Vec<CountryCode>,
        partners: Vec<CountryCode>,
    },
}

impl Roster {
    /// Whether `member` takes part, while it is a member (the alliance's membership on a day is
    /// the electorate's business, [`State::roster`]; a code that is no member's is not asked).
    #[must_use]
    pub fn includes(&self, member: CountryCode) -> bool {
        match self {
            Self::AllMembers { except } | Self::WithPartners { except, .. } => !except.contains(&member),
            Self::Members { members } => members.contains(&member),
        }
    }

    /// The partners taking part beside the members.
    #[must_use]
    pub fn partners(&self) -> &[CountryCode] {
        match self {
            Self::WithPartners { partners, .. } => partners,
            Self::AllMembers { .. } | Self::Members { .. } => &[],
        }
    }

    /// The roster in words.
    #[must_use]
    pub fn words(&self) -> String {
        let list = |v: &[CountryCode]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Self::AllMembers { except } if except.is_empty() => "every member".to_owned(),
            Self::AllMembers { except } => format!("every member but {}", list(except)),
            Self::Members { members } => list(members),
            Self::WithPartners { except, partners } if except.is_empty() => {
                format!("every member, and {} as partner", list(partners))
            }
            Self::WithPartners { except, partners } => {
                format!("every member but {}, and {} as partner", list(except), list(partners))
            }
        }
    }
}

/// A body as established, with its rule as last changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Body {
    pub id: BodyId,
    pub name: String,
    /// The body it reports to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<BodyId>,
    pub roster: Roster,
    /// The kinds of proposal it decides; empty: every kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<DecisionKind>,
    /// The procedures it decides by; empty: silence and consensus rounds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub procedures: Vec<Procedure>,
    pub rule: Rule,
    /// Whether its rules allow a member to act for one other (see `proxy.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proxies: bool,
    /// 1 when established, one more at each change of rule.
    pub rule_version: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub established_at: Timestamp,
}

impl Body {
    /// Whether it decides proposals of `kind`.
    #[must_use]
    pub fn decides(&self, kind: DecisionKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// Whether it decides by `procedure`.
    #[must_use]
    pub fn uses(&self, procedure: Procedure) -> bool {
        uses(&self.procedures, procedure)
    }
}

/// Whether a body listing `procedures` decides by `procedure` (none listed: silence and
/// consensus rounds).
fn uses(procedures: &[Procedure], procedure: Procedure) -> bool {
    if procedures.is_empty() { procedure != Procedure::Vote } else { procedures.contains(&procedure) }
}

/// The rule a circulation was decided by: its body's rule and version at the time, and for a
/// rule that counts people the population figures it counts them by, so that figures recorded
/// later never change an open procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInForce {
    pub body: BodyId,
    pub version: u32,
    pub rule: Rule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub populations: Option<Populations>,
}

impl State {
    /// The body `id`, or the refusal naming it.
    pub fn body(&self, id: &BodyId) -> Result<&Body, Refusal> {
        self.bodies.get(id).ok_or_else(|| Refusal::UnknownBody { body: id.clone() })
    }

    /// Who takes part in `body`'s decisions on the UTC day of `at`, in code order (the principal
    /// body, `None`: every member): its members on the day, and the partners taking part.
    pub fn roster(&self, body: Option<&BodyId>, at: Timestamp) -> Result<Vec<CountryCode>, Refusal> {
        let mut electorate = crate::rules::electorate(self, at)?;
        let Some(id) = body else { return Ok(electorate) };
        let roster = &self.body(id)?.roster;
        electorate.retain(|m| roster.includes(*m));
        if electorate.is_empty() {
            return Err(Refusal::NoElectors { on: crate::rules::utc_day(at) });
        }
        electorate.extend(roster.partners().iter().filter(|p| self.partners.contains_key(*p)));
        electorate.sort_unstable();
        Ok(electorate)
    }

    /// Whether `partner` takes part in `body` beside its members.
    #[must_use]
    pub fn partner_in(&self, body: &BodyId, partner: CountryCode) -> bool {
        self.partners.contains_key(&partner)
            && self.bodies.get(body).is_some_and(|b| b.roster.partners().contains(&partner))
    }
}

/// A rule that means something, and the procedures that go with it: a vote rule is decided by
/// a vote and nothing else, a consensus rule never by a vote. (Population figures are a
/// circulation's business: they are looked up when a procedure opens.)
pub(crate) fn check_rule(rule: &Rule, procedures: &[Procedure]) -> Result<(), Refusal> {
    rule.check().map_err(|e| Refusal::Invalid { field: "rule", reason: e.to_string() })?;
    let votes = rule.family() == Family::Vote;
    if votes && procedures != [Procedure::Vote] {
        let reason = format!("the {} rule counts votes: its body decides by the vote procedure alone", rule.name());
        return Err(Refusal::Invalid { field: "procedures", reason });
    }
    if !votes && uses(procedures, Procedure::Vote) {
        let reason = format!("the {} rule is decided by consensus: nobody votes in its body", rule.name());
        return Err(Refusal::Invalid { field: "procedures", reason });
    }
    Ok(())
}

/// Figures that may be recorded: a plausible year, a named source, and a positive figure for
/// members only.
pub(crate) fn check_populations(state: &State, p: &Populations) -> Result<(), Refusal> {
    if !(1945..=9999).contains(&p.year) {
        return Err(Refusal::Invalid { field: "year", reason: format!("{} is not a year of figures", p.year) });
    }
    crate::rules::check_text("source", &p.source, crate::refusal::MAX_TITLE)?;
    if p.figures.is_empty() {
        return Err(Refusal::Invalid { field: "figures", reason: "no figure is given".into() });
    }
    for (m, n) in &p.figures {
        if !state.members.contains_key(m) {
            return Err(Refusal::UnknownMember { member: *m });
        }
        if *n == 0 {
            return Err(Refusal::Invalid { field: "figures", reason: format!("{m} has a population of 0") });
        }
    }
    p.total(p.figures.keys()).map_err(|e| Refusal::Invalid { field: "figures", reason: e.to_string() })?;
    Ok(())
}

/// A body that may be established in `state`.
pub(crate) fn check_body(state: &State, body: &Body) -> Result<(), Refusal> {
    if state.bodies.contains_key(&body.id) {
        return Err(Refusal::BodyExists { body: body.id.clone() });
    }
    crate::rules::check_text("name", &body.name, crate::refusal::MAX_TITLE)?;
    if let Some(parent) = &body.parent {
        state.body(parent)?;
    }
    match &body.roster {
        // Those left out need only be known: a state may be left out before it joins.
        Roster::AllMembers { except } => {
            if let Some(m) = except.iter().find(|m| !state.members.contains_key(*m)) {
                return Err(Refusal::UnknownMember { member: *m });
            }
        }
        Roster::WithPartners { except, partners } => {
            if let Some(m) = except.iter().find(|m| !state.members.contains_key(*m)) {
                return Err(Refusal::UnknownMember { member: *m });
            }
            if partners.is_empty() {
                return Err(Refusal::Invalid { field: "roster", reason: "it names no partner".into() });
            }
            if let Some(p) = partners.iter().enumerate().find_map(|(i, p)| partners[..i].contains(p).then_some(p)) {
                return Err(Refusal::Invalid { field: "roster", reason: format!("it names {p} twice") });
            }
            if let Some(p) = partners.iter().find(|p| !state.partners.contains_key(*p)) {
                let reason = format!("{p} is not a registered partner");
                return Err(Refusal::Invalid { field: "roster", reason });
            }
        }
        Roster::Members { members } if members.is_empty() => {
            return Err(Refusal::Invalid { field: "roster", reason: "it names no member".into() });
        }
        Roster::Members { members } => {
            for m in members {
                check_member_now(state, *m, body.established_at)?;
            }
        }
    }
    if body.rule_version != 1 {
        return Err(Refusal::Invalid { field: "rule_version", reason: "a body is established at version 1".into() });
    }
    check_rule_for(state, &body.roster, &body.procedures, &body.rule, body.established_at)
}

/// `m` is a member on the UTC day of `at`: known, and not departed.
fn check_member_now(state: &State, m: CountryCode, at: Timestamp) -> Result<(), Refusal> {
    let day = crate::rules::utc_day(at);
    match state.members.get(&m) {
        None => Err(Refusal::UnknownMember { member: m }),
        Some(x) if !x.is_member_on(day) => {
            Err(Refusal::Invalid { field: "roster", reason: format!("{m} is not a member on {day}") })
        }
        Some(_) => Ok(()),
    }
}

/// `rule` may decide for a body of `roster` from `at`: a rule the log records, and someone to
/// decide. Under consensus minus one the state concerned must sit in the body, beside at least
/// one other member: a body of the state concerned alone would adopt whatever it is given.
fn check_rule_for(
    state: &State,
    roster: &Roster,
    procedures: &[Procedure],
    rule: &Rule,
    at: Timestamp,
) -> Result<(), Refusal> {
    check_rule(rule, procedures)?;
    if rule.needs_populations() && !roster.partners().is_empty() {
        let reason = format!("the {} rule counts members' populations; a partner taking part has none", rule.name());
        return Err(Refusal::Invalid { field: "rule", reason });
    }
    let day = crate::rules::utc_day(at);
    let sits = |m: &CountryCode| roster.includes(*m);
    let today: Vec<CountryCode> = state.members_on(day).map(|m| m.code).filter(|m| sits(m)).collect();
    if today.is_empty() {
        return Err(Refusal::NoElectors { on: day });
    }
    if let Rule::ConsensusMinusOne { concerned } = rule {
        check_member_now(state, *concerned, at)?;
        if !sits(concerned) {
            let reason = format!("{concerned}, the state concerned, does not sit in the body");
            return Err(Refusal::Invalid { field: "rule", reason });
        }
        if today.iter().all(|m| m == concerned) {
            let reason = format!("nobody but {concerned}, the state concerned, sits in the body");
            return Err(Refusal::Invalid { field: "rule", reason });
        }
    }
    Ok(())
}

/// A change of `body`'s rule that may be recorded at `at`; the version it becomes.
pub(crate) fn check_rule_change(
    state: &State,
    body: &BodyId,
    rule: &Rule,
    reason: &str,
    at: Timestamp,
) -> Result<u32, Refusal> {
    let b = state.body(body)?;
    check_rule_for(state, &b.roster, &b.procedures, rule, at)?;
    crate::rules::check_text("reason", reason, crate::refusal::MAX_STATEMENT)?;
    Ok(b.rule_version + 1)
}

/// A circulation's electorate leaves someone to decide once the state concerned is set aside (a
/// member may have departed since the rule was set), has a population figure for each elector
/// when the rule counts people, and can meet the rule at all (fifteen states are never found
/// among five): the rule is tried on everyone agreeing, so that no procedure opens that its own
/// count would refuse to decide.
pub(crate) fn check_electorate(
    electorate: &[CountryCode],
    rule: Option<&RuleInForce>,
    at: Timestamp,
) -> Result<(), Refusal> {
    if let Some(r) = rule {
        let missing = |missing: String| Refusal::PopulationsMissing { rule: r.rule.name(), missing };
        if r.rule.needs_populations() {
            let p = r.populations.as_ref().ok_or_else(|| missing(format!("no figures apply in {}", at_year(at))))?;
            if let Some(m) = electorate.iter().find(|m| !p.figures.contains_key(m)) {
                return Err(missing(format!("the {} figures ({}) have none for {m}", p.year, p.source)));
            }
        }
        let tried = match r.rule.family() {
            Family::Vote => {
                let all: BTreeMap<CountryCode, Vote> = electorate.iter().map(|m| (*m, Vote::Yes)).collect();
                decision_rule::count(&r.rule, electorate, &all, r.populations.as_ref()).map(|_| ())
            }
            Family::Consensus => {
                let all: BTreeMap<CountryCode, Stance> = electorate.iter().map(|m| (*m, Stance::Concur)).collect();
                decision_rule::consent(&r.rule, electorate, &all, r.populations.as_ref()).map(|_| ())
            }
        };
        tried.map_err(|e| Refusal::Invalid {
            field: "rule",
            reason: format!("it cannot decide for this electorate: {e}"),
        })?;
    }
    let set_aside = match rule.map(|r| &r.rule) {
        Some(Rule::ConsensusMinusOne { concerned }) => Some(*concerned),
        _ => None,
    };
    if electorate.iter().all(|m| Some(*m) == set_aside) {
        return Err(Refusal::NoElectors { on: crate::rules::utc_day(at) });
    }
    Ok(())
}

/// Whether `body` (none: the principal body, which decides every kind) decides `kind`.
pub(crate) fn check_body_decides(state: &State, body: Option<&BodyId>, kind: DecisionKind) -> Result<(), Refusal> {
    let Some(id) = body else { return Ok(()) };
    if state.body(id)?.decides(kind) { Ok(()) } else { Err(Refusal::KindNotDecided { body: id.clone(), kind }) }
}

/// Whether `body` (none: the principal body, which decides by silence and consensus rounds)
/// decides by `procedure`.
pub(crate) fn check_body_uses(state: &State, body: Option<&BodyId>, procedure: Procedure) -> Result<(), Refusal> {
    let Some(id) = body else {
        return if uses(&[], procedure) {
            Ok(())
        } else {
            Err(Refusal::Invalid {
                field: "procedure",
                reason: "the principal body decides by consensus: nobody votes in it".into(),
            })
        };
    };
    if state.body(id)?.uses(procedure) {
        Ok(())
    } else {
        Err(Refusal::ProcedureNotUsed { body: id.clone(), procedure })
    }
}

fn at_year(at: Timestamp) -> i16 {
    crate::rules::utc_day(at).year()
}

impl State {
    /// The rule a procedure opening at `at` in `body` is decided by (none for the principal
    /// body: consensus, recorded as nothing, as logs before bodies did), with the population
    /// figures of the latest year recorded up to `at`'s (UTC) when the rule counts people.
    pub fn rule_in_force(&self, body: Option<&BodyId>, at: Timestamp) -> Result<Option<RuleInForce>, Refusal> {
        let Some(id) = body else { return Ok(None) };
        let b = self.body(id)?;
        let populations = if b.rule.needs_populations() {
            self.populations.range(..=at_year(at)).next_back().map(|(_, p)| p.clone())
        } else {
            None
        };
        Ok(Some(RuleInForce { body: id.clone(), version: b.rule_version, rule: b.rule.clone(), populations }))
    }
}
