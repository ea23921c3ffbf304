//! Why `decide` refused a command: typed, with the offending values, and a sentence a person
//! understands (the `Display`). `code()` is a stable slug the API publishes as a problem type.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::{Actor, CountryCode, DecisionKind, ProposalId, ProposalStatus, Stance};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest proposal text, in characters.
pub const MAX_TEXT: usize = 100_000;
/// Longest reservation, amendment, objection or reason, in characters.
pub const MAX_STATEMENT: usize = 20_000;

/// A refused command. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{actor} may not {action}")]
    NotPermitted { actor: Actor, action: &'static str },
    #[error("{member} is not a member state known to the alliance")]
    UnknownMember { member: CountryCode },
    #[error("there is no proposal {proposal}")]
    UnknownProposal { proposal: ProposalId },
    #[error("{member} is already a member")]
    MemberExists { member: CountryCode },
    #[error("{partner} is already a registered partner")]
    PartnerExists { partner: CountryCode },
    #[error("{code} is a partner; a partner is not a member and cannot be admitted while registered as one")]
    PartnerIsNotMember { code: CountryCode },
    #[error("{code} is a member state; it cannot also be registered as a partner")]
    MemberIsNotPartner { code: CountryCode },
    #[error("{field} is not valid: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{member} cannot depart on {on}: it joined on {accession}")]
    DepartureBeforeAccession { member: CountryCode, on: Date, accession: Date },
    #[error("{member} already departed on {on}")]
    AlreadyDeparted { member: CountryCode, on: Date },
    #[error("{kind} proposals are always significant; they cannot be marked routine")]
    SignificanceMismatch { kind: DecisionKind },
    #[error("{kind} proposals may not be decided by silence: circulate them for an explicit consensus round")]
    SilenceNotAllowed { kind: DecisionKind },
    #[error("the deadline {deadline} is not in the future (it is now {now})")]
    DeadlineNotInFuture { deadline: Timestamp, now: Timestamp },
    #[error("an amended text of an open proposal is circulated again: give its new deadline")]
    DeadlineRequired,
    #[error("proposal {proposal} is {status}, not a draft: it has already been circulated")]
    NotADraft { proposal: ProposalId, status: ProposalStatus },
    #[error("proposal {proposal} is {status}: it is not open for positions or deadline changes")]
    NotOpen { proposal: ProposalId, status: ProposalStatus },
    #[error("proposal {proposal} is {status}: a decided or withdrawn proposal never changes")]
    AlreadyFinal { proposal: ProposalId, status: ProposalStatus },
    #[error("the deadline {deadline} has passed: nothing is accepted at or after it")]
    DeadlinePassed { deadline: Timestamp },
    #[error("the deadline {deadline} has not come yet")]
    NotDue { deadline: Timestamp },
    #[error(
        "{member} is not an elector of proposal {proposal}: the electorate is the members on the day it was first circulated"
    )]
    NotAnElector { member: CountryCode, proposal: ProposalId },
    #[error("{partner} is a partner: partners do not take positions on alliance decisions")]
    PartnerCannotTakePositions { partner: CountryCode },
    #[error(
        "revision {given} is not the current text: proposal is at revision {current}; read it and take a position on that"
    )]
    StaleRevision { given: u32, current: u32 },
    #[error("the position '{stance}' needs its text")]
    TextRequired { stance: Stance },
    #[error("{kind} proposals do not allow opting out: concur with a reservation, or object")]
    OptOutNotAllowed { kind: DecisionKind },
    #[error("{requested} does not extend the deadline {current}: an extension must be later")]
    NotAnExtension { current: Timestamp, requested: Timestamp },
    #[error("{requested} does not curtail the deadline {current}: a curtailment must be earlier")]
    NotACurtailment { current: Timestamp, requested: Timestamp },
    #[error("there were no members on {on} to form an electorate")]
    NoElectors { on: Date },
    #[error("this log was already created; a log is created once, by its first entry")]
    LogExists,
    #[error("the log has not been created: it has no origin to name keys and statements by")]
    NoLog,
    #[error("the key is not valid: {reason}")]
    BadKey { reason: String },
    #[error("{member} already has the key {key_id}")]
    KeyExists { member: CountryCode, key_id: String },
    #[error("{member} has no key {key_id}")]
    UnknownKey { member: CountryCode, key_id: String },
    #[error("{member}'s key {key_id} was already revoked at {at}")]
    KeyRevoked { member: CountryCode, key_id: String, at: Timestamp },
    #[error("{member}'s positions must be signed with its own key: this log does not accept unsigned positions")]
    SignatureRequired { member: CountryCode },
    #[error("the signed position does not match: {reason}")]
    BadSignedPosition { reason: String },
    #[error("{member} has no key valid at {at} that signed this position")]
    NoValidKey { member: CountryCode, at: Timestamp },
    #[error("a signed position of {member} at {at} is not newer than its last one on this proposal: a replay")]
    ReplayedPosition { member: CountryCode, at: Timestamp },
}

impl Refusal {
    /// A stable identifier for the kind of refusal (used in problem type URIs).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPermitted { .. } => "not-permitted",
            Self::UnknownMember { .. } => "unknown-member",
            Self::UnknownProposal { .. } => "unknown-proposal",
            Self::MemberExists { .. } => "member-exists",
            Self::PartnerExists { .. } => "partner-exists",
            Self::PartnerIsNotMember { .. } => "partner-is-not-member",
            Self::MemberIsNotPartner { .. } => "member-is-not-partner",
            Self::Invalid { .. } => "invalid-field",
            Self::DepartureBeforeAccession { .. } => "departure-before-accession",
            Self::AlreadyDeparted { .. } => "already-departed",
            Self::SignificanceMismatch { .. } => "significance-mismatch",
            Self::SilenceNotAllowed { .. } => "silence-not-allowed",
            Self::DeadlineNotInFuture { .. } => "deadline-not-in-future",
            Self::DeadlineRequired => "deadline-required",
            Self::NotADraft { .. } => "not-a-draft",
            Self::NotOpen { .. } => "not-open",
            Self::AlreadyFinal { .. } => "already-final",
            Self::DeadlinePassed { .. } => "deadline-passed",
            Self::NotDue { .. } => "not-due",
            Self::NotAnElector { .. } => "not-an-elector",
            Self::PartnerCannotTakePositions { .. } => "partner-cannot-take-positions",
            Self::StaleRevision { .. } => "stale-revision",
            Self::TextRequired { .. } => "text-required",
            Self::OptOutNotAllowed { .. } => "opt-out-not-allowed",
            Self::NotAnExtension { .. } => "not-an-extension",
            Self::NotACurtailment { .. } => "not-a-curtailment",
            Self::NoElectors { .. } => "no-electors",
            Self::LogExists => "log-exists",
            Self::NoLog => "no-log",
            Self::BadKey { .. } => "bad-key",
            Self::KeyExists { .. } => "key-exists",
            Self::UnknownKey { .. } => "unknown-key",
            Self::KeyRevoked { .. } => "key-revoked",
            Self::SignatureRequired { .. } => "signature-required",
            Self::BadSignedPosition { .. } => "bad-signed-position",
            Self::NoValidKey { .. } => "no-valid-key",
            Self::ReplayedPosition { .. } => "replayed-position",
        }
    }

    /// The broad class of refusal, for transports that need one (HTTP status codes).
    #[must_use]
    pub fn class(&self) -> RefusalClass {
        match self {
            Self::NotPermitted { .. } | Self::PartnerCannotTakePositions { .. } => RefusalClass::Forbidden,
            Self::UnknownMember { .. } | Self::UnknownProposal { .. } | Self::UnknownKey { .. } => {
                RefusalClass::NotFound
            }
            Self::Invalid { .. }
            | Self::SignificanceMismatch { .. }
            | Self::SilenceNotAllowed { .. }
            | Self::DeadlineNotInFuture { .. }
            | Self::DeadlineRequired
            | Self::TextRequired { .. }
            | Self::OptOutNotAllowed { .. }
            | Self::NotAnExtension { .. }
            | Self::NotACurtailment { .. }
            | Self::DepartureBeforeAccession { .. }
            | Self::BadKey { .. }
            | Self::SignatureRequired { .. }
            | Self::BadSignedPosition { .. }
            | Self::NoValidKey { .. } => RefusalClass::Invalid,
            _ => RefusalClass::Conflict,
        }
    }
}

/// Broad classes of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalClass {
    /// The actor may not do this.
    Forbidden,
    /// The thing named does not exist.
    NotFound,
    /// The command is malformed or breaks a rule whatever the state.
    Invalid,
    /// The command conflicts with the current state (already decided, deadline passed, …).
    Conflict,
}
