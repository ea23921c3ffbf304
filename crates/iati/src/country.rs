//! ISO 3166-1 alpha-2 codes, which IATI uses for countries, for the alpha-3 codes Concord uses.
//!
//! A member carries its alpha-2 code (`Member::alpha2`, checked at admission), so it is taken
//! from there. A partner (`Partner { code, name }`) carries none, so partners' codes are in the
//! table below, which holds only the partners Concord supports (domain.md §4: Ukraine, UA / UKR).
//! It is our own table rather than a copy of a published list, whose licence (CC BY-SA) would
//! follow it; a new partner needs one line here, and until then the export refuses its pledges
//! ([`Error::NoAlpha2`](crate::Error::NoAlpha2)) rather than guess.

use concord_core::{CountryCode, State};

/// Alpha-3 → alpha-2 for partners, sorted by alpha-3.
const PARTNERS: &[(&str, &str)] = &[("UKR", "UA")];

/// The alpha-2 code of `code`: a member's own, or a known partner's.
#[must_use]
pub fn alpha2(state: &State, code: CountryCode) -> Option<String> {
    if let Some(m) = state.members.get(&code) {
        return Some(m.alpha2.clone());
    }
    PARTNERS.iter().find(|(a3, _)| *a3 == code.as_str()).map(|(_, a2)| (*a2).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ukraine_is_ua_and_unknown_partners_have_none() {
        let state = State::new();
        assert_eq!(alpha2(&state, code("UKR")).as_deref(), Some("UA"));
        assert_eq!(alpha2(&state, code("MDA")), None, "no guessing");
    }

    #[test]
    fn the_table_is_sorted_and_well_formed() {
        assert!(PARTNERS.windows(2).all(|w| w[0].0 < w[1].0));
        for (a3, a2) in PARTNERS {
            assert!(CountryCode::parse(a3).is_ok());
            assert!(a2.len() == 2 && a2.bytes().all(|b| b.is_ascii_uppercase()));
        }
    }
}
