//! What client commands print: the API's JSON as it came (`--json`), or short aligned text read
//! from the answer's shape.

use anyhow::Context;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Conn;
use crate::terminal::outln;

/// One page of a list.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next: Option<String>,
}

/// Prints the API's JSON (`--json`), or else the answer read as `T` through `text`.
pub(crate) fn show<T: DeserializeOwned>(conn: &Conn, v: Value, text: impl FnOnce(T)) -> anyhow::Result<()> {
    if conn.json {
        return print_json(&v);
    }
    text(serde_json::from_value(v).context("the server's answer is not in the expected shape")?);
    Ok(())
}

/// Prints a page as a table, and where the next page starts.
pub(crate) fn table<T>(page: Page<T>, header: &str, row: impl Fn(&T) -> String) {
    outln!("{header}");
    for item in &page.items {
        outln!("{}", row(item));
    }
    if let Some(next) = page.next {
        outln!("(more: --after {next})");
    }
}

/// Prints the API's JSON, indented.
pub(crate) fn print_json(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// How a category is described in text.
pub(crate) fn lethality(lethal: bool) -> &'static str {
    if lethal { "lethal" } else { "non-lethal" }
}
