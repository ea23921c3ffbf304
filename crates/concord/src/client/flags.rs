//! Checking a client command's flags, before anything is sent: each bad flag is one line that
//! names it. Enumerations are the API's words with hyphens (`--category artillery-ammunition`,
//! read by the domain's own `FromStr`), countries ISO 3166-1 alpha-3, dates `YYYY-MM-DD`,
//! amounts exact decimals in the currency's units (`--value 1250000.00 --currency EUR`, never a
//! float).

use anyhow::anyhow;
use concord_core::CountryCode;
use concord_core::support::{Currency, Money};
use concord_core::words::{UnknownWord, Word};
use jiff::civil::Date;

/// An enumeration flag: the API's snake_case word, written with hyphens or underscores.
pub(crate) fn word<T: Word>(flag: &str, s: &str) -> anyhow::Result<T> {
    s.parse().map_err(|e: UnknownWord| {
        // Shown as flags take them, with hyphens.
        let accepted: Vec<_> = e.expected.iter().map(|w| format!("`{}`", w.replace('_', "-"))).collect();
        anyhow!("--{flag}: {s:?} is not accepted; expected one of {}", accepted.join(", "))
    })
}

/// An enumeration filter, checked, as the API's word (`partially_covered`) for a query string.
pub(crate) fn filter<T: Word>(flag: &str, s: Option<&str>) -> anyhow::Result<Option<String>> {
    s.map(|s| word::<T>(flag, s).map(|v| v.name().to_owned())).transpose()
}

pub(crate) fn code(flag: &str, s: &str) -> anyhow::Result<CountryCode> {
    CountryCode::parse(s.trim()).map_err(|e| anyhow!("--{flag}: {e}"))
}

pub(crate) fn currency(flag: &str, s: &str) -> anyhow::Result<Currency> {
    Currency::parse(s.trim()).map_err(|e| anyhow!("--{flag}: {e}"))
}

pub(crate) fn date(flag: &str, s: &str) -> anyhow::Result<Date> {
    s.trim().parse().map_err(|e| anyhow!("--{flag}: {s:?} is not a date YYYY-MM-DD: {e}"))
}

pub(crate) fn opt<T>(v: Option<&str>, parse: impl FnOnce(&str) -> anyhow::Result<T>) -> anyhow::Result<Option<T>> {
    v.map(parse).transpose()
}

/// A non-negative amount, exact in the currency's minor units.
pub(crate) fn amount(value: &str, cur: &str) -> anyhow::Result<Money> {
    let cur = currency("currency", cur)?;
    Money::parse_decimal(value.trim(), cur).map_err(|e| anyhow!("--value: {e}"))
}

/// An amount that may be negative (a correction takes deliveries back).
pub(crate) fn signed_amount(value: &str, cur: &str) -> anyhow::Result<Money> {
    match value.trim().strip_prefix('-') {
        None => amount(value, cur),
        Some(abs) => {
            let m = amount(abs, cur)?;
            Ok(Money { minor_units: -m.minor_units, currency: m.currency })
        }
    }
}

/// `?k=v&…`, percent-encoded, for the given pairs (absent ones left out).
pub(crate) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut url = reqwest::Url::parse("http://query.invalid/").expect("a constant URL parses");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
    }
    url.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default()
}

pub(crate) fn codes(flag: &str, list: &[String]) -> anyhow::Result<std::collections::BTreeSet<CountryCode>> {
    list.iter().map(|s| code(flag, s)).collect()
}

#[derive(Debug, clap::Args)]
pub struct PageArgs {
    /// Items per page, 1 to 1000 (default 50).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Start after this cursor (the `--after` a previous page printed).
    #[arg(long)]
    pub(crate) after: Option<String>,
}

impl PageArgs {
    pub(crate) fn pairs(&self) -> [(&'static str, Option<String>); 2] {
        [("limit", self.limit.map(|n| n.to_string())), ("after", self.after.clone())]
    }
}

#[cfg(test)]
mod tests {
    use concord_core::support::{RequestStatus, SupportCategory};

    use super::*;

    #[test]
    fn flags_take_the_api_words_with_hyphens_and_name_themselves_when_wrong() {
        assert_eq!(
            word::<SupportCategory>("category", "artillery-ammunition").ok(),
            Some(SupportCategory::ArtilleryAmmunition)
        );
        let e = word::<SupportCategory>("category", "death-ray").unwrap_err().to_string();
        assert!(e.starts_with("--category: \"death-ray\"") && e.contains("artillery-ammunition"), "{e}");
        assert_eq!(
            filter::<RequestStatus>("status", Some("partially-covered")).ok().flatten().as_deref(),
            Some("partially_covered")
        );
    }

    #[test]
    fn amounts_are_exact_and_only_corrections_may_be_negative() {
        let m = amount("1250000.00", "EUR").unwrap();
        assert_eq!((m.minor_units, m.currency), (125_000_000, Currency::EUR));
        assert!(amount("12.345", "EUR").unwrap_err().to_string().starts_with("--value:"));
        assert!(amount("-1.00", "EUR").is_err());
        assert!(amount("1.00", "EURO").unwrap_err().to_string().starts_with("--currency:"));
        assert_eq!(signed_amount("-1500.5", "EUR").unwrap().minor_units, -150_050);
        assert_eq!(signed_amount("300", "JPY").unwrap().minor_units, 300);
    }

    #[test]
    fn query_strings_leave_out_absent_values_and_encode_the_rest() {
        assert_eq!(query(&[("a", None)]), "");
        assert_eq!(
            query(&[("after", Some("EUR:USD:2024-01-02".into())), ("x", None), ("n", Some("a b&c".into()))]),
            "?after=EUR%3AUSD%3A2024-01-02&n=a+b%26c"
        );
    }
}
