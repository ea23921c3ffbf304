//! What every form shares: values parsed by their serde names, field errors shown beside their
//! fields, and a refusal placed beside the field it is about.
//!
//! Forms deserialize into plain strings, so that a bad value is never a bare 400: the page is
//! shown again (422) with the error beside the field and everything typed kept.

use std::collections::BTreeMap;

use concord_core::Refusal;
use concord_core::words::Word;

use crate::WebError;
use crate::session::Viewer;

/// Errors by field name; `""` is the form as a whole.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// The error beside `field`, or "".
    #[must_use]
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }

    /// Whether `field` has an error (for `aria-invalid`).
    #[must_use]
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Places a domain refusal beside the field it is about (the whole form if none is known).
    pub fn refusal(&mut self, refusal: &Refusal, fields: &[&str]) {
        // A form names its fields after its purpose (`amend_deadline`): match by suffix.
        match refusal.field().and_then(|g| fields.iter().find(|f| f.ends_with(g))) {
            Some(f) => self.add(f, refusal.to_string()),
            None => self.add("", refusal.to_string()),
        }
    }
}

/// A value from its serde name (`under_silence`), as the API and the log spell it.
pub fn parse_enum<T: Word>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// A value's serde name.
#[must_use]
pub fn slug<T: Word>(v: &T) -> String {
    v.name().to_owned()
}

/// One `<option>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options for every value in `all`, labelled in words, `selected` (a serde name) selected.
pub fn options<T: Word>(all: &[T], words: impl Fn(T) -> String, selected: &str) -> Vec<Opt> {
    all.iter()
        .map(|v| {
            let value = slug(v);
            Opt { selected: value == selected, label: words(*v), value }
        })
        .collect()
}

/// A positive whole number from a field.
pub fn parse_count(errors: &mut FieldErrors, field: &str, s: &str) -> Option<u64> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            errors.add(field, "enter a whole number greater than zero");
            None
        }
    }
}

/// An optional `YYYY-MM-DD` date from a field.
pub fn parse_date(errors: &mut FieldErrors, field: &str, s: &str) -> Option<Option<jiff::civil::Date>> {
    if s.trim().is_empty() {
        return Some(None);
    }
    match s.trim().parse() {
        Ok(d) => Some(Some(d)),
        Err(_) => {
            errors.add(field, "enter a date as YYYY-MM-DD");
            None
        }
    }
}

/// A required `YYYY-MM-DD` date from a field; `missing` is said beside it when left empty.
pub fn required_date(errors: &mut FieldErrors, field: &str, s: &str, missing: &str) -> Option<jiff::civil::Date> {
    let date = parse_date(errors, field, s)?;
    if date.is_none() {
        errors.add(field, missing);
    }
    date
}

/// A signed note pasted into a form: browsers send its lines as CRLF and people leave the final
/// newline off, but a signed note's text is LF lines ending in one. Empty: none given.
pub fn pasted_note(s: &str) -> Option<String> {
    Some(s.trim().replace("\r\n", "\n")).filter(|n| !n.is_empty()).map(|n| n + "\n")
}

/// A form's typed values and errors, shown again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub fields: BTreeMap<String, String>,
    pub errors: FieldErrors,
}

impl Kept {
    #[must_use]
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map_or("", String::as_str)
    }
}

/// The form fields as typed (all strings), and the anti-CSRF token.
pub type Fields = BTreeMap<String, String>;

/// Checks the form's anti-CSRF token against the viewer's session.
pub fn csrf(viewer: &Viewer, fields: &Fields) -> Result<(), WebError> {
    viewer.check_csrf(fields.get("csrf").map_or("", String::as_str))
}

/// The form as typed, to show again (the token is not kept: the page writes a fresh one).
pub fn kept(fields: &Fields) -> Kept {
    let mut fields = fields.clone();
    fields.remove("csrf");
    Kept { fields, errors: FieldErrors::default() }
}

/// A field's value, trimmed; empty when absent.
pub fn field<'a>(fields: &'a Fields, k: &str) -> &'a str {
    fields.get(k).map_or("", |s| s.trim())
}

/// A choice the form requires, by its serde word; an error beside the field when missing.
pub fn required<T: Word>(errors: &mut FieldErrors, fields: &Fields, k: &str, what: &str) -> Option<T> {
    let v = parse_enum(field(fields, k));
    if v.is_none() {
        errors.add(k, format!("choose {what}"));
    }
    v
}

/// An optional id chosen from a list: none when empty.
pub fn optional_id<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    fields: &Fields,
    k: &str,
    what: &str,
) -> Option<Option<T>> {
    match field(fields, k) {
        "" => Some(None),
        v => {
            let id = v.parse().ok();
            if id.is_none() {
                errors.add(k, format!("choose {what} from the list, or none"));
            }
            id.map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::{ProposalStatus, Stance};

    #[test]
    fn enums_by_serde_name() {
        assert_eq!(parse_enum::<Stance>("concur_with_reservation"), Some(Stance::ConcurWithReservation));
        assert_eq!(parse_enum::<Stance>("maybe"), None);
        assert_eq!(slug(&ProposalStatus::UnderSilence), "under_silence");
        let o = options(&[Stance::Concur, Stance::Object], |s| s.words().to_owned(), "object");
        assert!(!o[0].selected && o[1].selected && o[1].label == "object");
    }

    #[test]
    fn refusals_go_beside_their_field() {
        let mut e = FieldErrors::default();
        let r = Refusal::Invalid { field: "title", reason: "empty".into() };
        e.refusal(&r, &["title", "text"]);
        assert!(e.has("title") && !e.has(""));
        let mut e = FieldErrors::default();
        e.refusal(&r, &["text"]);
        assert!(e.has(""), "a field the form lacks goes to the form");
        assert!(parse_count(&mut e, "quantity", "0").is_none() && e.has("quantity"));
    }
}
