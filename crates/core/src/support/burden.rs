//! Burden share from the log (rule 14): the GDP figures the secretariat recorded, not figures
//! typed per call. The report names the year and the source of every figure it used, and refuses
//! when a member taking part has none, rather than leaving it out of the shares.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::report::{BurdenLine, ReportError, burden_share};
use super::{GdpRecord, Measure, Money};
use crate::{CountryCode, State};

/// The figure a report used for one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GdpUsed {
    pub member: CountryCode,
    pub year: i16,
    pub value: u64,
    pub source: String,
}

/// Burden share of a baseline among the members taking part, with the figures it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurdenReport {
    pub measure: Measure,
    pub baseline: Money,
    /// The year asked for; `None` when each member's latest figure was used.
    pub year: Option<i16>,
    /// The years of the figures used, ascending.
    pub years: Vec<i16>,
    /// The unit every figure used is in.
    pub unit: String,
    /// The sources of the figures used, each once.
    pub sources: Vec<String>,
    /// Members left out of the shares.
    pub opted_out: Vec<CountryCode>,
    pub gdp: Vec<GdpUsed>,
    pub lines: Vec<BurdenLine>,
}

/// Burden share of `baseline` among the members that have not departed and did not opt out,
/// by the GDP recorded for `year` (each member's latest recorded year when `None`), against
/// what each gave under `measure` through every channel.
pub fn burden_report(
    state: &State,
    measure: Measure,
    baseline: Money,
    year: Option<i16>,
    opted_out: &[CountryCode],
) -> Result<BurdenReport, ReportError> {
    if let Some(m) = opted_out.iter().find(|m| !state.members.contains_key(*m)) {
        return Err(ReportError::NotAMember(*m));
    }
    let taking_part = state.members.values().filter(|m| m.departure.is_none() && !opted_out.contains(&m.code));
    let mut used: Vec<&GdpRecord> = Vec::new();
    let mut missing = Vec::new();
    for m in taking_part {
        let years = state.support.gdp.get(&m.code);
        let record = match year {
            Some(y) => years.and_then(|ys| ys.get(&y)),
            None => years.and_then(|ys| ys.values().next_back()),
        };
        match record {
            Some(r) => used.push(r),
            None => missing.push(m.code),
        }
    }
    if !missing.is_empty() {
        return Err(ReportError::MissingGdp { members: missing, year });
    }
    let units: BTreeSet<&str> = used.iter().map(|r| r.figure.unit.as_str()).collect();
    if units.len() > 1 {
        return Err(ReportError::MixedUnits(units.into_iter().map(str::to_owned).collect()));
    }
    let gdp: BTreeMap<CountryCode, u64> = used.iter().map(|r| (r.figure.member, r.figure.value)).collect();
    let lines = burden_share(&state.support, measure, baseline, &gdp, &[])?;
    let sources: BTreeSet<&str> = used.iter().map(|r| r.figure.source.as_str()).collect();
    Ok(BurdenReport {
        measure,
        baseline,
        year,
        years: used.iter().map(|r| r.figure.year).collect::<BTreeSet<_>>().into_iter().collect(),
        unit: units.into_iter().next().unwrap_or_default().to_owned(),
        sources: sources.into_iter().map(str::to_owned).collect(),
        opted_out: opted_out.to_vec(),
        gdp: used
            .iter()
            .map(|r| GdpUsed {
                member: r.figure.member,
                year: r.figure.year,
                value: r.figure.value,
                source: r.figure.source.clone(),
            })
            .collect(),
        lines,
    })
}
