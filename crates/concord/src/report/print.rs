//! The reports as tables, printed from their JSON form (the API's), so that a report read from a
//! database and one read from a server print the same lines.

use anyhow::Context;
use concord_core::support::{Money, RequestStatus, Total};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::say;

/// `v[key]` read back as `T`, naming the field when it does not read.
fn field<T: DeserializeOwned>(v: &Value, key: &str) -> anyhow::Result<T> {
    serde_json::from_value(v[key].clone()).with_context(|| format!("the report's {key} does not read: {}", v[key]))
}

/// A word, a code or a month as the JSON writes it (their `Display` is their JSON form).
fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn total(v: &Value, key: &str) -> anyhow::Result<String> {
    Ok(field::<Total>(v, key)?.to_string())
}

fn rows<'a>(v: &'a Value, key: Option<&str>) -> &'a [Value] {
    key.map_or(v, |k| &v[k]).as_array().map_or(&[], Vec::as_slice)
}

pub fn totals(t: &Value) -> anyhow::Result<()> {
    say!("measure {} · currency {} · total {}", text(t, "measure"), text(t, "currency"), total(t, "total")?);
    say!(
        "{:<8} {:<5} {:<28} {:<7} {:<22} {:<20} {:>7} {:>22}",
        "month",
        "donor",
        "category",
        "lethal",
        "channel",
        "status",
        "pledges",
        "value"
    );
    for r in rows(t, Some("rows")) {
        say!(
            "{:<8} {:<5} {:<28} {:<7} {:<22} {:<20} {:>7} {:>22}",
            text(r, "month"),
            text(r, "donor"),
            text(r, "category"),
            if r["lethal"] == Value::Bool(true) { "lethal" } else { "-" },
            text(r, "channel"),
            text(r, "status"),
            text(r, "pledges"),
            total(r, "value")?
        );
    }
    Ok(())
}

pub fn delivery(v: &Value, cur: &str) -> anyhow::Result<()> {
    say!("pledged (committed and later) against delivered · currency {cur}");
    say!("{:<5} {:>22} {:>22} {:>22}", "donor", "pledged", "delivered", "still to deliver");
    for r in rows(v, None) {
        say!(
            "{:<5} {:>22} {:>22} {:>22}",
            text(r, "donor"),
            total(r, "pledged")?,
            total(r, "delivered")?,
            total(r, "gap")?
        );
    }
    Ok(())
}

pub fn gaps(v: &Value) -> anyhow::Result<()> {
    say!(
        "{:<4} {:<8} {:<28} {:>10} {:>10} {:>10} {:<18}",
        "id",
        "partner",
        "category",
        "requested",
        "pledged",
        "delivered",
        "status"
    );
    for g in rows(v, None) {
        let (request, coverage) = (&g["request"], &g["coverage"]);
        let status: RequestStatus = field(coverage, "status")?;
        say!(
            "{:<4} {:<8} {:<28} {:>10} {:>10} {:>10} {:<18}",
            text(request, "id"),
            text(&request["terms"], "partner"),
            text(&request["terms"], "category"),
            text(coverage, "requested"),
            text(coverage, "pledged"),
            text(coverage, "delivered"),
            status.words()
        );
    }
    Ok(())
}

fn pct(bp: u64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

pub fn shares(v: &Value, measure: &str, cur: &str) -> anyhow::Result<()> {
    say!("shares of lethal and long-range support · measure {measure} · currency {cur}");
    say!("{:<8} {:>22} {:>8} {:>11}", "month", "total", "lethal", "long-range");
    for x in rows(v, None) {
        say!(
            "{:<8} {:>22} {:>8} {:>11}",
            text(x, "month"),
            total(x, "total")?,
            pct(x["lethal_bp"].as_u64().unwrap_or_default()),
            pct(x["long_range_bp"].as_u64().unwrap_or_default())
        );
    }
    Ok(())
}

pub fn burden(v: &Value) -> anyhow::Result<()> {
    let baseline: Money = field(v, "baseline")?;
    say!("burden share of {baseline} · measure {}", text(v, "measure"));
    let years: Vec<String> = rows(v, Some("years")).iter().map(Value::to_string).collect();
    say!("GDP {} · {}", years.join(", "), text(v, "unit"));
    for s in rows(v, Some("sources")) {
        say!("source: {}", s.as_str().unwrap_or_default());
    }
    let opted: Vec<&str> = rows(v, Some("opted_out")).iter().filter_map(Value::as_str).collect();
    if !opted.is_empty() {
        say!("opted out: {}", opted.join(", "));
    }
    say!("{:<6} {:>22} {:>22} {:>9}", "member", "fair share", "given", "of share");
    for l in rows(v, Some("lines")) {
        let fair: Money = field(l, "fair_share")?;
        say!(
            "{:<6} {:>22} {:>22} {:>8}%",
            text(l, "member"),
            fair.to_string(),
            total(l, "given")?,
            l["ratio_bp"].as_u64().unwrap_or_default() / 100
        );
    }
    Ok(())
}
