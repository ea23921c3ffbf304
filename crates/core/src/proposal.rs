//! Proposals: what the secretariat drafts and circulates, and the positions electors take on it.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{CountryCode, Decision};

/// A proposal's number, given in drafting order from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalId(pub u64);

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a proposal would have the alliance do (domain.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DecisionKind {
    DeployForces,
    AssistanceProgramme,
    FundPolicy,
    Enlargement,
    CommandOrMission,
    BurdenSharingPledge,
    Statement,
    Routine,
}

impl DecisionKind {
    /// Every kind but statements and routine business is always significant.
    #[must_use]
    pub fn always_significant(self) -> bool {
        !matches!(self, Self::Statement | Self::Routine)
    }

    /// Whether an elector may opt out (constructive abstention) instead of concurring.
    ///
    /// Opting out excuses a member from taking part or paying, so it fits decisions that commit
    /// resources (Hungary and the 2024 Ukraine programmes). It does not fit a deployment or an
    /// enlargement, which need every member's positive support, nor a statement, which speaks
    /// for all: there a member who disagrees without blocking attaches a reservation.
    #[must_use]
    pub fn allows_opt_out(self) -> bool {
        matches!(
            self,
            Self::AssistanceProgramme | Self::FundPolicy | Self::CommandOrMission | Self::BurdenSharingPledge
        )
    }

    /// Whether the silence procedure may be used. A deployment of forces is never decided by
    /// silence: it needs an explicit consensus round (a design choice, domain.md §5.3 rule 8).
    #[must_use]
    pub fn allows_silence(self) -> bool {
        self != Self::DeployForces
    }
}

/// Significant actions need consensus before anything depends on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Significance {
    Routine,
    Significant,
}

/// How a circulated proposal is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Procedure {
    /// Adopted when the deadline passes unless an elector breaks silence (objects or proposes an
    /// amendment) strictly before it.
    Silence,
    /// Silence is not consent: adopted when every elector has concurred (with or without a
    /// reservation) or opted out; closed as not adopted if the deadline comes first.
    ConsensusRound,
    /// Only in a body that decides by a vote rule: each elector votes yes, no or abstains (or
    /// says it takes no part) before the deadline; the body's rule counts the votes once every
    /// elector has voted or the deadline passes. Nothing blocks at once.
    Vote,
}

impl Procedure {
    /// Whether an elector may take `stance` under this procedure: votes in a vote, consensus
    /// stances otherwise — nobody votes in a consensus body, nobody concurs in a vote.
    #[must_use]
    pub fn accepts(self, stance: Stance) -> bool {
        (self == Self::Vote) == stance.vote().is_some()
    }
}

/// One version of a proposal's text. Positions are bound to a revision's text hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    /// 1 for the first draft, then one more per amendment.
    pub number: u32,
    pub title: String,
    pub text: String,
    /// Lower-case hex SHA-256 of the UTF-8 text.
    pub text_hash: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Whether this text was ever circulated. An audience beyond the members reads only the
    /// texts circulated to it, never one drafted or negotiated in between.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub circulated: bool,
}

/// The SHA-256 of a proposal text, as positions quote it.
#[must_use]
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The current circulation of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Circulation {
    pub procedure: Procedure,
    /// The revision circulated.
    pub revision: u32,
    /// When the proposal was first circulated: the day that fixes the electorate.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Timestamp,
    /// When the current revision was circulated.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub circulated_at: Timestamp,
    /// Nothing is accepted at or after this instant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Timestamp,
    /// The members on the day of first circulation; it never changes afterwards.
    pub electorate: Vec<CountryCode>,
    /// Why the secretariat set a silence shorter than the deployment's minimum, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<String>,
    /// How often the deadline or the text changed since the procedure opened (a calendar
    /// event's `SEQUENCE`: a client replaces the event it holds with a higher one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub changes: u32,
    /// The rule it is decided by, fixed when the procedure first opened; none: consensus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<crate::RuleInForce>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProposalStatus {
    Draft,
    UnderSilence,
    ConsensusRound,
    /// Circulated for a vote (see [`Procedure::Vote`]).
    Voting,
    Adopted,
    AdoptedWithReservations,
    Blocked,
    NotAdopted,
    Withdrawn,
    /// Blocked or not adopted, then taken back by the secretariat to negotiate a revised text
    /// that it circulates under a new procedure (a new round).
    Negotiating,
}

impl ProposalStatus {
    /// Circulated and not yet decided: positions are accepted (before the deadline).
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Self::UnderSilence | Self::ConsensusRound | Self::Voting)
    }

    /// Decided or withdrawn: nothing about the proposal changes any more.
    #[must_use]
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Draft | Self::UnderSilence | Self::ConsensusRound | Self::Voting | Self::Negotiating)
    }

    /// Not yet circulated in its current round: a draft, or a proposal back in negotiation.
    #[must_use]
    pub fn awaits_circulation(self) -> bool {
        matches!(self, Self::Draft | Self::Negotiating)
    }
}

/// What an elector says about a proposal: a consensus stance, or under [`Procedure::Vote`] a
/// vote (the last four), never one for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stance {
    Concur,
    /// Concurs, with a formal reservation or interpretative statement published with the
    /// decision. Does not block.
    ConcurWithReservation,
    /// Constructive abstention: does not block; excused from the burden share.
    OptOut,
    /// Breaks silence and blocks.
    Object,
    /// Breaks silence (and so blocks under silence); in a round it leaves the elector's consent
    /// outstanding.
    ProposeAmendment,
    /// A vote in favour.
    Yes,
    /// A vote against (from a veto holder, a veto).
    No,
    /// An abstention: counted as present, not in favour; never a veto.
    Abstain,
    /// The elector says it takes no part in the vote.
    NotParticipating,
}

impl Stance {
    /// The vote this stance casts, if it is one.
    #[must_use]
    pub fn vote(self) -> Option<crate::decision_rule::Vote> {
        use crate::decision_rule::Vote;
        match self {
            Self::Yes => Some(Vote::Yes),
            Self::No => Some(Vote::No),
            Self::Abstain => Some(Vote::Abstain),
            Self::NotParticipating => Some(Vote::NotParticipating),
            Self::Concur | Self::ConcurWithReservation | Self::OptOut | Self::Object | Self::ProposeAmendment => None,
        }
    }

    /// Whether the stance counts towards consensus (a vote never does).
    #[must_use]
    pub fn consents(self) -> bool {
        matches!(self, Self::Concur | Self::ConcurWithReservation | Self::OptOut)
    }

    /// Whether the stance needs a text (the reservation or the amendment itself).
    #[must_use]
    pub fn requires_text(self) -> bool {
        matches!(self, Self::ConcurWithReservation | Self::ProposeAmendment)
    }
}

/// A position as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub member: CountryCode,
    pub revision: u32,
    pub stance: Stance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Whether the member's own signature was recorded with it.
    pub signed: bool,
    /// The time in the member's signed statement, if signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Timestamp>,
    /// The member that took it for `member`, by proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<CountryCode>,
}

/// A delegation's word that it is awaiting instructions from its capital.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Awaiting {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A withdrawal by the secretariat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withdrawal {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    pub reason: String,
}

/// A proposal and everything that happened to it: the state `apply` folds from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: ProposalId,
    /// The body that decides it; none: the principal body (every member, consensus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<crate::BodyId>,
    /// The proposal whose adoption it waits for: it is circulated only once that one is adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<ProposalId>,
    pub kind: DecisionKind,
    pub significance: Significance,
    pub status: ProposalStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub drafted_at: Timestamp,
    /// Every revision, oldest first; the last is current.
    pub revisions: Vec<Revision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circulation: Option<Circulation>,
    /// The latest position of each elector on the current revision.
    pub positions: BTreeMap<CountryCode, Position>,
    /// Each elector's latest position on an earlier revision, which no longer counts: a new text
    /// needs a new position, and the delegation must be told that its old one lapsed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub superseded: BTreeMap<CountryCode, Position>,
    /// Electors awaiting instructions from their capital, who have taken no position on the
    /// current text since they said so.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub awaiting: BTreeMap<CountryCode, Awaiting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The decisions of earlier rounds, oldest first: each a procedure that ended blocked or
    /// not adopted before the secretariat took the proposal back into negotiation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
    /// The audience beyond the members its texts and procedure were circulated to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<crate::Marking>,
    /// The audience the secretariat published its decision to, beyond its own marking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<crate::Marking>,
}

impl Proposal {
    /// A new draft whose first revision is `revision`, drafted when that revision was written.
    #[must_use]
    pub fn draft(id: ProposalId, kind: DecisionKind, significance: Significance, revision: Revision) -> Self {
        Self {
            id,
            body: None,
            follows: None,
            kind,
            significance,
            status: ProposalStatus::Draft,
            drafted_at: revision.at,
            revisions: vec![revision],
            circulation: None,
            positions: BTreeMap::new(),
            superseded: BTreeMap::new(),
            awaiting: BTreeMap::new(),
            decision: None,
            rounds: Vec::new(),
            withdrawal: None,
            audience: None,
            published: None,
        }
    }

    /// The revision positions are taken on.
    #[must_use]
    pub fn current(&self) -> &Revision {
        self.revisions.last().expect("a proposal has at least one revision")
    }

    /// The electorate, empty before circulation.
    #[must_use]
    pub fn electorate(&self) -> &[CountryCode] {
        self.circulation.as_ref().map_or(&[], |c| c.electorate.as_slice())
    }

    /// Whether `member` is an elector of this proposal.
    #[must_use]
    pub fn is_elector(&self, member: CountryCode) -> bool {
        self.electorate().binary_search(&member).is_ok()
    }
}

words!(DecisionKind {
    DeployForces => "deploy forces",
    AssistanceProgramme => "assistance programme",
    FundPolicy => "fund policy",
    Enlargement => "enlargement",
    CommandOrMission => "command or mission",
    BurdenSharingPledge => "burden sharing pledge",
    Statement => "statement",
    Routine => "routine",
});
words!(Significance { Routine => "routine", Significant => "significant" });
words!(Procedure { Silence => "silence", ConsensusRound => "consensus round", Vote => "vote" });
words!(ProposalStatus {
    Draft => "draft",
    UnderSilence => "under silence",
    ConsensusRound => "consensus round",
    Voting => "voting",
    Adopted => "adopted",
    AdoptedWithReservations => "adopted with reservations",
    Blocked => "blocked",
    NotAdopted => "not adopted",
    Withdrawn => "withdrawn",
    Negotiating => "back in negotiation",
});
words!(Stance {
    Concur => "concur",
    ConcurWithReservation => "concur with reservation",
    OptOut => "opt out",
    Object => "object",
    ProposeAmendment => "propose amendment",
    Yes => "yes",
    No => "no",
    Abstain => "abstain",
    NotParticipating => "not participating",
});
