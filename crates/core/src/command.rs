//! Commands: what someone asks the alliance to do, and who asks.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::decision_rule::Rule;
use crate::sealed::Revealed;
use crate::support::SupportCommand;
use crate::{
    BodyId, CountryCode, DecisionKind, Marking, Member, Partner, Procedure, ProposalId, Roster, Significance, Stance,
};

/// Who acts. The server authenticates; `decide` authorises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", content = "code", rename_all = "snake_case")]
pub enum Actor {
    Secretariat,
    /// A member delegation; it acts for this member only.
    Member(CountryCode),
    /// A partner; it acts for this partner only.
    Partner(CountryCode),
    Observer,
    /// The server's own deadline scheduler.
    Scheduler,
}

impl Actor {
    /// The state that may speak in a procedure as this actor, if any: a member delegation, or a
    /// partner (which speaks only in the bodies it takes part in).
    #[must_use]
    pub fn elector(self) -> Option<CountryCode> {
        match self {
            Self::Member(c) | Self::Partner(c) => Some(c),
            Self::Secretariat | Self::Observer | Self::Scheduler => None,
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Secretariat => f.write_str("secretariat"),
            Self::Member(c) => write!(f, "member {c}"),
            Self::Partner(c) => write!(f, "partner {c}"),
            Self::Observer => f.write_str("observer"),
            Self::Scheduler => f.write_str("scheduler"),
        }
    }
}

/// A request to change state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Starts a log. Only the first command of a log.
    CreateLog {
        origin: String,
        log_key: String,
        unsigned_positions: bool,
        /// The shortest silence this deployment allows without a stated urgency; none: no
        /// minimum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_silence: Option<SignedDuration>,
    },
    /// Enrols a member delegation's key (secretariat).
    RegisterMemberKey {
        member: CountryCode,
        key: String,
        /// Default: now.
        valid_from: Option<Timestamp>,
        valid_until: Option<Timestamp>,
    },
    /// Revokes a key from now on (the secretariat, or the member itself).
    RevokeMemberKey {
        member: CountryCode,
        key_id: String,
    },
    AdmitMember {
        member: Member,
    },
    RecordDeparture {
        member: CountryCode,
        on: Date,
    },
    RegisterPartner {
        partner: Partner,
    },
    /// Establishes a body that decides (the secretariat): its roster, the kinds and procedures
    /// it decides, and its rule (version 1).
    EstablishBody {
        id: BodyId,
        name: String,
        #[serde(default)]
        parent: Option<BodyId>,
        roster: Roster,
        /// Empty: every kind.
        #[serde(default)]
        kinds: Vec<DecisionKind>,
        /// Empty: silence and consensus rounds.
        #[serde(default)]
        procedures: Vec<Procedure>,
        #[serde(default)]
        rule: Rule,
        /// Whether its rules allow a member to act for one other.
        #[serde(default)]
        proxies: bool,
    },
    /// Changes a body's rule from now on (the secretariat): a new version. A procedure already
    /// open keeps the rule it was circulated under.
    ChangeRule {
        body: BodyId,
        rule: Rule,
        reason: String,
    },
    /// Appoints who chairs a body (none: the principal body) from `from` (the secretariat;
    /// default: now), until the next appointment takes effect.
    AppointChair {
        #[serde(default)]
        body: Option<BodyId>,
        chair: crate::Chair,
        #[serde(default)]
        from: Option<Timestamp>,
    },
    /// Authorises `proxy` to act for `member` in `body` for a period (the member's delegation, or
    /// the secretariat on its word).
    AuthoriseProxy {
        body: crate::BodyId,
        member: CountryCode,
        proxy: CountryCode,
        /// None: from now.
        #[serde(default)]
        from: Option<Timestamp>,
        until: Timestamp,
        /// The member's signed authorisation (`concord/proxy/v1`), required where the log
        /// requires signed positions; its period is the authorisation's.
        #[serde(default)]
        evidence: Option<String>,
    },
    /// Ends the authorisation of `member` in `body` running now.
    EndProxy {
        body: crate::BodyId,
        member: CountryCode,
    },
    /// Records each member's population for a year from a named source (the secretariat): the
    /// weights of the rules that count people. A year recorded again is corrected from now on; a
    /// procedure already open keeps the figures it was circulated with.
    RecordPopulations {
        populations: crate::decision_rule::Populations,
    },
    DraftProposal {
        /// The body that decides it; none: the principal body (every member, consensus).
        #[serde(default)]
        body: Option<BodyId>,
        /// The proposal whose adoption it waits for: it is circulated only once that one is
        /// adopted (`follows.rs`).
        #[serde(default)]
        follows: Option<ProposalId>,
        kind: DecisionKind,
        /// Defaults from the kind: significant unless a statement or routine business.
        significance: Option<Significance>,
        title: String,
        text: String,
    },
    /// A new revision. An open proposal is circulated again with the new deadline.
    AmendProposal {
        proposal: ProposalId,
        title: Option<String>,
        text: String,
        deadline: Option<Timestamp>,
        /// Why a silence shorter than the deployment's minimum is needed (see `Circulate`).
        #[serde(default)]
        urgent: Option<String>,
    },
    Circulate {
        proposal: ProposalId,
        procedure: Procedure,
        deadline: Timestamp,
        /// Releases the texts and the procedure beyond the members (to a partner, or the
        /// public); positions stay with the members. Default: the members only.
        #[serde(default)]
        marking: Option<Marking>,
        /// Why the silence must be shorter than the deployment's minimum. Recorded and shown
        /// with the procedure; refused without it when the silence is that short.
        #[serde(default)]
        urgent: Option<String>,
    },
    ExtendDeadline {
        proposal: ProposalId,
        deadline: Timestamp,
    },
    CurtailDeadline {
        proposal: ProposalId,
        deadline: Timestamp,
        /// Why the silence must end sooner than the deployment's minimum allows.
        #[serde(default)]
        urgent: Option<String>,
    },
    /// Takes a blocked or not adopted proposal back into negotiation (the secretariat), so that
    /// a revised text can be circulated under a new procedure: one proposal, every round kept.
    Reopen {
        proposal: ProposalId,
        reason: String,
    },
    Withdraw {
        proposal: ProposalId,
        reason: String,
    },
    TakePosition {
        proposal: ProposalId,
        member: CountryCode,
        /// The revision the member read; a position on an older text is refused.
        revision: u32,
        stance: Stance,
        text: Option<String>,
        /// The member's signed statement of this position (a signed note; see `signed.rs`).
        evidence: Option<String>,
    },
    /// A delegation says it is awaiting instructions from its capital on a proposal. Not a
    /// position: silence is not broken, and it lapses when the delegation takes one.
    AwaitInstructions {
        proposal: ProposalId,
        member: CountryCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Releases an earlier log entry to a wider audience (the secretariat). The entry's salt and
    /// content come from the stored log (the server fills `revealed` in); `decide` checks them
    /// against the commitment, replay checks that commitment against the entry's envelope.
    Publish {
        entry: u64,
        marking: Marking,
        revealed: Box<Revealed>,
    },
    /// Closes a procedure whose deadline has come.
    CloseAtDeadline {
        proposal: ProposalId,
    },
    /// Support coordination (issue 3). Untagged, so it serialises as its own tagged variant,
    /// exactly as when the support commands were variants of this enum.
    #[serde(untagged)]
    Support(SupportCommand),
}

impl From<SupportCommand> for Command {
    fn from(c: SupportCommand) -> Self {
        Self::Support(c)
    }
}
