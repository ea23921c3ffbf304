//! Finding proposals: the one filter the API's list and the web's proposals page share.
//!
//! It is applied to a proposal **as its reader may read it** (`State::proposal_for`), never to
//! the whole record: a search must not match a word of a text the reader may not read, or the
//! list of results would tell what the hidden text says.

use jiff::civil::Date;

use crate::{BodyId, DecisionKind, Proposal, ProposalStatus};

/// Whose proposals: the principal body's own (`principal`, drafted for no body) or one body's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyScope {
    Principal,
    Of(BodyId),
}

impl BodyScope {
    /// `principal`, or a body's id (whether such a body exists is the state's to say).
    ///
    /// # Errors
    /// When `s` is neither `principal` nor spelled as a body id.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "principal" { Ok(Self::Principal) } else { BodyId::parse(s).map(Self::Of) }
    }

    /// Whether `p` belongs to this body.
    #[must_use]
    pub fn holds(&self, p: &Proposal) -> bool {
        match self {
            Self::Principal => p.body.is_none(),
            Self::Of(id) => p.body.as_ref() == Some(id),
        }
    }

    /// Whether `state` has this body (the principal body it always has).
    #[must_use]
    pub fn exists_in(&self, state: &crate::State) -> bool {
        match self {
            Self::Principal => true,
            Self::Of(id) => state.bodies.contains_key(id),
        }
    }

    /// The word a query names it by.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Principal => "principal",
            Self::Of(id) => id.as_str(),
        }
    }
}

/// What to look for. Every part given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalFilter {
    /// Words that must each appear (case-insensitively) in a title or text of some revision.
    words: Vec<String>,
    pub status: Option<ProposalStatus>,
    pub kind: Option<DecisionKind>,
    pub body: Option<BodyScope>,
    /// Drafted on or after this UTC day.
    pub drafted_from: Option<Date>,
    /// Drafted on or before this UTC day.
    pub drafted_to: Option<Date>,
}

impl ProposalFilter {
    /// A filter on the words of `text` (split at whitespace; none: any proposal).
    #[must_use]
    pub fn words(text: &str) -> Self {
        Self { words: text.split_whitespace().map(str::to_lowercase).collect(), ..Self::default() }
    }

    /// Whether `p` (as its reader may read it) matches.
    #[must_use]
    pub fn matches(&self, p: &Proposal) -> bool {
        let day = crate::rules::utc_day(p.drafted_at);
        self.status.is_none_or(|s| p.status == s)
            && self.kind.is_none_or(|k| p.kind == k)
            && self.body.as_ref().is_none_or(|b| b.holds(p))
            && self.drafted_from.is_none_or(|d| day >= d)
            && self.drafted_to.is_none_or(|d| day <= d)
            && (self.words.is_empty() || {
                let texts: Vec<String> =
                    p.revisions.iter().flat_map(|r| [r.title.to_lowercase(), r.text.to_lowercase()]).collect();
                self.words.iter().all(|w| texts.iter().any(|t| t.contains(w.as_str())))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::fixtures::{World, t0};
    use crate::{Reader, State};

    fn shown<'a>(state: &'a State, reader: Reader) -> impl Iterator<Item = std::borrow::Cow<'a, Proposal>> {
        state.proposals.values().filter_map(move |p| state.proposal_for(reader, p))
    }

    #[test]
    fn words_match_any_revision_case_insensitively_and_all_must_match() {
        let mut w = World::alliance();
        let id = w.silence();
        let p = w.proposal(id);
        let title = p.current().title.clone();
        assert!(ProposalFilter::words("").matches(p));
        assert!(ProposalFilter::words(&title.to_uppercase()).matches(p), "{title}");
        assert!(ProposalFilter::words("ALLIANCE decides").matches(p));
        assert!(!ProposalFilter::words("alliance nonexistentword").matches(p));
        let mut f = ProposalFilter::words("alliance");
        f.status = Some(ProposalStatus::Draft);
        assert!(!f.matches(p), "the status too");
        f.status = Some(p.status);
        f.drafted_from = Some(crate::rules::utc_day(t0()));
        f.drafted_to = f.drafted_from;
        assert!(f.matches(p));
        f.drafted_from = f.drafted_from.and_then(|d| d.tomorrow().ok());
        assert!(!f.matches(p), "drafted before the first day asked");
    }

    #[test]
    fn a_body_scope_holds_its_own_proposals_and_the_principal_body_those_of_none() {
        let mut w = World::alliance();
        let id = w.silence();
        let mut p = w.proposal(id).clone();
        let npg = BodyId::parse("npg").unwrap();
        let mut f = ProposalFilter::words("");
        f.body = Some(BodyScope::parse("principal").unwrap());
        assert!(f.matches(&p));
        f.body = Some(BodyScope::parse("npg").unwrap());
        assert!(!f.matches(&p), "a principal-body proposal is no body's");
        p.body = Some(npg.clone());
        assert!(f.matches(&p));
        assert_eq!(f.body.as_ref().map(BodyScope::as_str), Some("npg"));
        f.body = Some(BodyScope::Principal);
        assert!(!f.matches(&p));
        assert!(BodyScope::parse("Not a body!").is_err());
    }

    #[test]
    fn a_search_never_matches_what_the_reader_may_not_read() {
        let mut w = World::alliance();
        let id = w.draft(DecisionKind::Statement, t0());
        let secret = ProposalFilter::words(&format!("proposal {id}"));
        let found = |reader| shown(&w.state, reader).filter(|p| secret.matches(p)).count();
        assert_eq!(found(Reader::Secretariat), 1);
        assert_eq!(found(Reader::Member(crate::tests::fixtures::c("HUN"))), 0, "a draft is the secretariat's");
        assert_eq!(found(Reader::Public), 0);
    }
}
