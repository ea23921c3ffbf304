//! RFC 8785 JSON Canonicalization Scheme: sorted keys, no insignificant whitespace, ES6 number
//! and string serialisation. The log stores and hashes exactly these bytes.
//!
//! Concord's events hold no floating-point numbers (money is integer minor units), so the part
//! of RFC 8785 that is hard to get right — ES6 number formatting — never varies between
//! implementations for our entries. The encoding itself is delegated to
//! `serde_json_canonicalizer`, a maintained implementation of the RFC.

use serde::Serialize;

use crate::Error;

/// Encodes `value` canonically.
pub fn to_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json_canonicalizer::to_vec(value).map_err(Error::Encode)
}

/// Checks that `bytes` are exactly the canonical encoding of the JSON they hold, so that an entry
/// that was re-serialised (or hand-edited) on its way to a verifier is caught.
pub fn check(bytes: &[u8]) -> Result<serde_json::Value, Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Error::NotCanonical(e.to_string()))?;
    let again = to_vec(&value)?;
    if again != bytes {
        return Err(Error::NotCanonical("the bytes differ from the canonical encoding of their value".into()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"d": [1, 2], "c": "x"}});
        assert_eq!(to_vec(&v).unwrap(), br#"{"a":{"c":"x","d":[1,2]},"b":1}"#);
    }

    // RFC 8785 §3.2.2.2: only the mandatory escapes; everything else is literal UTF-8.
    #[test]
    fn escapes_strings_as_the_rfc_says() {
        let v = json!({"s": "\u{20ac}$\u{000f}\nA'B\"\\\\\"/"});
        assert_eq!(to_vec(&v).unwrap(), "{\"s\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}".as_bytes());
    }

    // RFC 8785 §3.2.3: keys sort by UTF-16 code units, not by UTF-8 bytes.
    #[test]
    fn sorts_by_utf16_code_units() {
        let v = json!({"\u{20ac}": 1, "\r": 2, "\u{1d11e}": 3, "1": 4, "\u{80}": 5, "\u{fb33}": 6, "\u{00f6}": 7});
        let s = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        // The order of RFC 8785 §3.2.3's example: U+1D11E (a surrogate pair) before U+FB33.
        assert_eq!(s, "{\"\\r\":2,\"1\":4,\"\u{80}\":5,\"\u{f6}\":7,\"\u{20ac}\":1,\"\u{1d11e}\":3,\"\u{fb33}\":6}");
    }

    #[test]
    fn check_refuses_non_canonical_bytes() {
        assert!(check(br#"{"a":1,"b":2}"#).is_ok());
        assert!(check(br#"{"b":2,"a":1}"#).is_err());
        assert!(check(br#"{"a": 1}"#).is_err());
        assert!(check(br#"{"a":1}x"#).is_err());
    }
}
