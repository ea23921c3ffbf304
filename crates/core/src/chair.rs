//! Chairs: who chairs a body from a date (issue 15). NATO's Secretary General chairs the North
//! Atlantic Council, the Nuclear Planning Group and the NATO-Ukraine Council; the Council of the
//! EU is chaired by the member holding the rotating presidency, six months each, announced well
//! ahead. So an appointment names the day it takes effect, which may lie ahead, and a body's
//! chair on a day is a pure function of the log ([`State::chair_of`]).
//!
//! Chairing gives no say: the chair takes positions as its delegation always did, and the
//! secretariat still drafts and circulates. The record says who chaired when, for the minutes
//! and for whoever later asks.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{BodyId, CountryCode, Refusal, State};

/// Who chairs: in the log and the API `secretariat`, or a member's alpha-3 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Chair {
    /// The alliance's secretariat (NATO: the Secretary General).
    Secretariat,
    /// A member of the body (the Council of the EU: the presidency).
    Member { member: CountryCode },
}

impl TryFrom<String> for Chair {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == "secretariat" {
            return Ok(Self::Secretariat);
        }
        CountryCode::parse(&s)
            .map(|member| Self::Member { member })
            .map_err(|_| format!("{s:?} is no chair: `secretariat`, or a member's alpha-3 code"))
    }
}

impl From<Chair> for String {
    fn from(c: Chair) -> Self {
        match c {
            Chair::Secretariat => "secretariat".to_owned(),
            Chair::Member { member } => member.to_string(),
        }
    }
}

/// One appointment: `chair` chairs `body` (none: the principal body) from `from` until the next
/// appointment to it takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChairTerm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^(secretariat|[A-Z]{3})$"))]
    pub chair: Chair,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
}

impl State {
    /// Who chairs `body` (none: the principal body) at `at`: the appointment to it that took
    /// effect last by then; of two taking effect at one instant, the later recorded (a
    /// correction). None: nobody is in office (none was appointed, or the member appointed has
    /// departed).
    #[must_use]
    pub fn chair_of(&self, body: Option<&BodyId>, at: Timestamp) -> Option<Chair> {
        self.chairs
            .iter()
            .filter(|t| t.body.as_ref() == body && t.from <= at)
            .fold(None::<&ChairTerm>, |best, t| if best.is_some_and(|b| b.from > t.from) { best } else { Some(t) })
            .map(|t| t.chair)
            .filter(|c| self.may_chair(*c, at))
    }

    /// Whether `chair` may chair at `at`: a member that has departed chairs nothing, whatever it
    /// was appointed to.
    fn may_chair(&self, chair: Chair, at: Timestamp) -> bool {
        match chair {
            Chair::Secretariat => true,
            Chair::Member { member } => {
                self.members.get(&member).is_some_and(|m| m.is_member_on(crate::rules::utc_day(at)))
            }
        }
    }

    /// The appointments to `body` taking effect after `at`, soonest first (a correction after
    /// the one it corrects), but those of a member that will have departed by then.
    #[must_use]
    pub fn chairs_ahead(&self, body: Option<&BodyId>, at: Timestamp) -> Vec<ChairTerm> {
        let mut ahead: Vec<ChairTerm> = self
            .chairs
            .iter()
            .filter(|t| t.body.as_ref() == body && t.from > at && self.may_chair(t.chair, t.from))
            .cloned()
            .collect();
        ahead.sort_by_key(|t| t.from);
        ahead
    }

    /// Who chairs, in words: "the secretariat", or the member's name.
    #[must_use]
    pub fn chair_words(&self, chair: Chair) -> String {
        match chair {
            Chair::Secretariat => "the secretariat".to_owned(),
            Chair::Member { member } => self.name_of(member).map_or_else(|| member.to_string(), str::to_owned),
        }
    }
}

/// An appointment that may be recorded at `now`: to a body there is, taking effect no earlier
/// than now (who chaired is history and is not rewritten), of a member who sits in the body on
/// the day it takes effect. A partner taking part chairs nothing: it is not the alliance's.
pub(crate) fn check_appointment(state: &State, term: &ChairTerm, now: Timestamp) -> Result<(), Refusal> {
    if term.from < now {
        let reason = format!("{} is past: an appointment takes effect now or later", term.from);
        return Err(Refusal::Invalid { field: "from", reason });
    }
    if let Some(id) = &term.body {
        state.body(id)?;
    }
    if let Chair::Member { member } = term.chair {
        let day = crate::rules::utc_day(term.from);
        if state.partners.contains_key(&member) {
            return Err(Refusal::PartnerIsNotMember { code: member });
        }
        let m = state.members.get(&member).ok_or(Refusal::UnknownMember { member })?;
        let sits = term.body.as_ref().and_then(|id| state.bodies.get(id)).is_none_or(|b| b.roster.includes(member));
        if !m.is_member_on(day) || !sits {
            let reason = format!("{member} does not sit in the body on {day}");
            return Err(Refusal::Invalid { field: "chair", reason });
        }
    }
    Ok(())
}
