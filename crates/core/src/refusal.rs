//! Why `decide` refused a command: typed, with the offending values, and a sentence a person
//! understands (the `Display`). `code()` is a stable slug the API publishes as a problem type.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::support::{
    Channel, CoalitionId, Currency, DeliveryId, FundId, Money, PledgeId, PledgeStatus, RequestId, SupportCategory,
};
use crate::{Actor, BodyId, CountryCode, DecisionKind, Marking, Procedure, ProposalId, ProposalStatus, Stance};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest proposal text, in characters.
pub const MAX_TEXT: usize = 100_000;
/// Longest reservation, amendment, objection or reason, in characters.
pub const MAX_STATEMENT: usize = 20_000;

/// A refused command. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// One row of a bulk command was refused, so none of it was recorded.
    #[error("row {row}: {refusal} (nothing was imported)")]
    InRow { row: usize, refusal: Box<Refusal> },
    #[error("{actor} may not {action}")]
    NotPermitted { actor: Actor, action: &'static str },
    #[error("{member} is not a member state known to the alliance")]
    UnknownMember { member: CountryCode },
    #[error("there is no proposal {proposal}")]
    UnknownProposal { proposal: ProposalId },
    #[error("there is no body {body}")]
    UnknownBody { body: BodyId },
    #[error("the body {body} is already established")]
    BodyExists { body: BodyId },
    #[error("the body {body} does not decide {} proposals", kind.words())]
    KindNotDecided { body: BodyId, kind: DecisionKind },
    #[error("the body {body} does not decide by {} procedure", procedure.words())]
    ProcedureNotUsed { body: BodyId, procedure: Procedure },
    #[error("the {rule} rule counts people, but {missing}: record the population figures first")]
    PopulationsMissing { rule: &'static str, missing: String },
    #[error(
        "\"{stance}\" is not taken under the {procedure} procedure: votes are cast only in a vote, consensus stances only under silence or in a consensus round"
    )]
    StanceNotInProcedure { stance: Stance, procedure: Procedure },
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
    #[error("proposal {proposal} is {status}: only a blocked or not adopted proposal is taken back into negotiation")]
    NotReopenable { proposal: ProposalId, status: ProposalStatus },
    #[error("proposal {proposal} keeps the audience it was first circulated to: a new round may not change it")]
    AudienceFixed { proposal: ProposalId },
    #[error(
        "proposal {proposal} follows proposal {prior}, which is {status}: it is circulated once that one is adopted"
    )]
    PriorNotAdopted { proposal: ProposalId, prior: ProposalId, status: ProposalStatus },
    #[error(
        "a silence of {requested:#} is shorter than this deployment's minimum of {minimum:#}: set a later deadline, or say why it is urgent"
    )]
    SilenceTooShort { minimum: jiff::SignedDuration, requested: jiff::SignedDuration },
    #[error("the deadline {deadline} has passed: nothing is accepted at or after it")]
    DeadlinePassed { deadline: Timestamp },
    #[error("the deadline {deadline} has not come yet")]
    NotDue { deadline: Timestamp },
    #[error(
        "{member} is not an elector of proposal {proposal}: the electorate is the members on the day it was first circulated"
    )]
    NotAnElector { member: CountryCode, proposal: ProposalId },
    #[error(
        "{member} has taken a position on the current text of proposal {proposal}: it is no longer awaiting instructions"
    )]
    AlreadyPositioned { member: CountryCode, proposal: ProposalId },
    #[error(
        "{partner} is a partner: a partner takes positions only on the proposals of a body it takes part in, not on this one"
    )]
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
    // Support coordination (issue 3; domain.md §5.3 rules 6–15).
    #[error(
        "{donor} is neither a member nor a registered donor state: the secretariat registers a non-member donor state first"
    )]
    UnknownDonor { donor: CountryCode },
    #[error("{partner} is not a registered partner: the secretariat registers the partner first")]
    UnknownPartner { partner: CountryCode },
    #[error("{partner} is a partner: it receives support, it does not pledge it or join donor coalitions")]
    PartnerIsNotDonor { partner: CountryCode },
    #[error("{donor} is a member state: members pledge without being registered as donor states")]
    DonorIsMember { donor: CountryCode },
    #[error("{donor} is already a registered donor state")]
    DonorExists { donor: CountryCode },
    #[error("there is no request {request}")]
    UnknownRequest { request: RequestId },
    #[error("there is no pledge {pledge}")]
    UnknownPledge { pledge: PledgeId },
    #[error("there is no delivery record {delivery}")]
    UnknownDelivery { delivery: DeliveryId },
    #[error("there is no coalition {coalition}")]
    UnknownCoalition { coalition: CoalitionId },
    #[error("there is no fund {fund}")]
    UnknownFund { fund: FundId },
    #[error(
        "the alliance fund accepts non-lethal aid only; {category} is lethal: pledge it bilaterally or through a coalition"
    )]
    LethalOnAllianceFund { category: SupportCategory },
    #[error(
        "lethal aid goes only bilaterally, through a coalition or alliance-coordinated, not {channel}; {category} is lethal: pledge it bilaterally or through a coalition"
    )]
    LethalChannel { category: SupportCategory, channel: Channel },
    #[error(
        "fund {fund} ({name}) accepts non-lethal aid only; {category} is lethal: pledge it bilaterally or through a coalition"
    )]
    FundNonLethalOnly { fund: FundId, name: String, category: SupportCategory },
    #[error(
        "{name} would be on the alliance-fund channel, which accepts non-lethal aid only: give it the non-lethal-only policy, or make it an alliance-coordinated fund"
    )]
    AllianceFundPolicy { name: String },
    #[error(
        "an {channel} pledge rests on an alliance decision adopted by consensus: cite the adopted assistance programme, fund policy or mission in authorised_by, pledge through a coordinated fund, or pledge bilaterally"
    )]
    DecisionRequired { channel: Channel },
    #[error(
        "proposal {proposal} is {status}, not adopted: significant actions need consensus first; wait for its adoption, or cite an adopted decision"
    )]
    DecisionNotAdopted { proposal: ProposalId, status: ProposalStatus },
    #[error(
        "proposal {proposal} is a {kind} decision: it cannot authorise this; cite an adopted assistance programme or fund policy"
    )]
    DecisionKindUnsuitable { proposal: ProposalId, kind: DecisionKind },
    #[error(
        "a {channel} pledge needs no alliance decision, and a coalition takes none: each state decides for itself; leave authorised_by empty"
    )]
    NoAllianceDecision { channel: Channel },
    #[error(
        "pledge {pledge} is {from}: a status only moves forward (announced, committed, allocated, partially delivered, delivered), so it cannot become {to}; it can still be cancelled before it is delivered"
    )]
    StatusNotForward { pledge: PledgeId, from: PledgeStatus, to: PledgeStatus },
    #[error("pledge {pledge} is cancelled: a cancelled pledge never changes; record a new pledge instead")]
    PledgeCancelled { pledge: PledgeId },
    #[error(
        "pledge {pledge} is delivered: a delivered pledge cannot be cancelled; record a correction of its deliveries instead"
    )]
    CancelAfterDelivery { pledge: PledgeId },
    #[error(
        "this delivery would bring the {measure} delivered against pledge {pledge} to {would_be}, above the {pledged} pledged: if more was really delivered, record a correction with its reason"
    )]
    OverDelivery { pledge: PledgeId, measure: &'static str, pledged: String, would_be: String },
    #[error(
        "this correction would make the deliveries recorded against pledge {pledge} negative: a correction can take them down to zero, not below"
    )]
    CorrectionBelowZero { pledge: PledgeId },
    #[error("{field} is {amount}: amounts are not negative (only a correction record may subtract)")]
    NegativeAmount { field: &'static str, amount: Money },
    #[error("{field} overflows: amounts and quantities are at most 9007199254740991 (2^53 - 1)")]
    AmountOverflow { field: &'static str },
    #[error(
        "the amount is in {given}, and the pledge in {expected}: amounts in different currencies are never added; give it in {expected}, converted at a dated rate"
    )]
    CurrencyMismatch { expected: Currency, given: Currency },
    #[error(
        "{donor} is not a participant of coalition {coalition} ({name}): join the coalition first, or pledge bilaterally"
    )]
    NotAParticipant { coalition: CoalitionId, name: String, donor: CountryCode },
    #[error("{lead} would lead the coalition without taking part in it: add it to the participants too")]
    LeadNotParticipant { lead: CountryCode },
    #[error("{participant} already takes part in coalition {coalition}")]
    AlreadyParticipant { coalition: CoalitionId, participant: CountryCode },
    #[error("there is already a coalition named {name:?}")]
    CoalitionExists { name: String },
    #[error("there is already a fund named {name:?}")]
    FundExists { name: String },
    #[error("request {request} was withdrawn by its partner: it takes no more pledges or changes")]
    RequestWithdrawn { request: RequestId },
    #[error("the pledge does not answer request {request}: {reason}")]
    RequestMismatch { request: RequestId, reason: String },
    #[error("delivery {delivery} was already confirmed as received at {at}")]
    AlreadyConfirmed { delivery: DeliveryId, at: Timestamp },
    #[error("a rate from {from} to {to} on {on} is already recorded: a published rate does not change")]
    RateExists { from: Currency, to: Currency, on: Date },
    #[error("a GDP figure of {member} for {year} is already recorded: give a correction with its reason to replace it")]
    GdpExists { member: CountryCode, year: i16 },
    #[error("{member} already has the key {key_id}")]
    KeyExists { member: CountryCode, key_id: String },
    #[error("{member} has no key {key_id}")]
    UnknownKey { member: CountryCode, key_id: String },
    #[error("{member}'s key {key_id} was already revoked at {at}")]
    KeyRevoked { member: CountryCode, key_id: String, at: Timestamp },
    #[error(
        "{member} must sign with its own key: this log accepts neither unsigned positions nor unsigned authorisations of a proxy"
    )]
    SignatureRequired { member: CountryCode },
    #[error("the signed position does not match: {reason}")]
    BadSignedPosition { reason: String },
    #[error("the signed authorisation of a proxy does not match: {reason}")]
    BadSignedProxy { reason: String },
    #[error("{member} has no key valid at {at} that signed this statement")]
    NoValidKey { member: CountryCode, at: Timestamp },
    #[error("a signed position of {member} at {at} is not newer than its last one on this proposal: a replay")]
    ReplayedPosition { member: CountryCode, at: Timestamp },
    #[error("entry {entry} is already released to {released}; a publication only widens, and {marking} does not")]
    NotWider { entry: u64, marking: Marking, released: Marking },
    #[error("the salt and content given for entry {entry} are not the ones its commitment was made to")]
    PublicationMismatch { entry: u64 },
    #[error(
        "proposal {proposal} is still a draft: circulate it (marked for a wider audience, if it should read the text) rather than publish it"
    )]
    DraftHeld { proposal: ProposalId },
}

impl Refusal {
    /// A stable identifier for the kind of refusal (used in problem type URIs).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InRow { refusal, .. } => refusal.code(),
            Self::NotPermitted { .. } => "not-permitted",
            Self::UnknownMember { .. } => "unknown-member",
            Self::UnknownProposal { .. } => "unknown-proposal",
            Self::UnknownBody { .. } => "unknown-body",
            Self::BodyExists { .. } => "body-exists",
            Self::KindNotDecided { .. } => "kind-not-decided",
            Self::ProcedureNotUsed { .. } => "procedure-not-used",
            Self::PopulationsMissing { .. } => "populations-missing",
            Self::StanceNotInProcedure { .. } => "stance-not-in-procedure",
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
            Self::NotReopenable { .. } => "not-reopenable",
            Self::AudienceFixed { .. } => "audience-fixed",
            Self::PriorNotAdopted { .. } => "prior-not-adopted",
            Self::SilenceTooShort { .. } => "silence-too-short",
            Self::DeadlinePassed { .. } => "deadline-passed",
            Self::NotDue { .. } => "not-due",
            Self::NotAnElector { .. } => "not-an-elector",
            Self::AlreadyPositioned { .. } => "already-positioned",
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
            Self::BadSignedProxy { .. } => "bad-signed-proxy",
            Self::NoValidKey { .. } => "no-valid-key",
            Self::ReplayedPosition { .. } => "replayed-position",
            Self::NotWider { .. } => "not-wider",
            Self::PublicationMismatch { .. } => "publication-mismatch",
            Self::DraftHeld { .. } => "draft-held",
            Self::UnknownDonor { .. } => "unknown-donor",
            Self::UnknownPartner { .. } => "unknown-partner",
            Self::PartnerIsNotDonor { .. } => "partner-is-not-donor",
            Self::DonorIsMember { .. } => "donor-is-member",
            Self::DonorExists { .. } => "donor-exists",
            Self::UnknownRequest { .. } => "unknown-request",
            Self::UnknownPledge { .. } => "unknown-pledge",
            Self::UnknownDelivery { .. } => "unknown-delivery",
            Self::UnknownCoalition { .. } => "unknown-coalition",
            Self::UnknownFund { .. } => "unknown-fund",
            Self::LethalOnAllianceFund { .. } => "lethal-on-alliance-fund",
            Self::LethalChannel { .. } => "lethal-channel",
            Self::FundNonLethalOnly { .. } => "fund-non-lethal-only",
            Self::AllianceFundPolicy { .. } => "alliance-fund-policy",
            Self::DecisionRequired { .. } => "decision-required",
            Self::DecisionNotAdopted { .. } => "decision-not-adopted",
            Self::DecisionKindUnsuitable { .. } => "decision-kind-unsuitable",
            Self::NoAllianceDecision { .. } => "no-alliance-decision",
            Self::StatusNotForward { .. } => "status-not-forward",
            Self::PledgeCancelled { .. } => "pledge-cancelled",
            Self::CancelAfterDelivery { .. } => "cancel-after-delivery",
            Self::OverDelivery { .. } => "over-delivery",
            Self::CorrectionBelowZero { .. } => "correction-below-zero",
            Self::NegativeAmount { .. } => "negative-amount",
            Self::AmountOverflow { .. } => "amount-overflow",
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::NotAParticipant { .. } => "not-a-participant",
            Self::LeadNotParticipant { .. } => "lead-not-participant",
            Self::AlreadyParticipant { .. } => "already-participant",
            Self::CoalitionExists { .. } => "coalition-exists",
            Self::FundExists { .. } => "fund-exists",
            Self::RequestWithdrawn { .. } => "request-withdrawn",
            Self::RequestMismatch { .. } => "request-mismatch",
            Self::AlreadyConfirmed { .. } => "already-confirmed",
            Self::RateExists { .. } => "rate-exists",
            Self::GdpExists { .. } => "gdp-exists",
        }
    }

    /// The command's field a refusal is about, for a form to show it beside that field; `None`
    /// when it is about the command as a whole. Field names are the commands' own (`deadline`,
    /// `stance`, `evidence`, `channel`, …); a form matches them against its inputs.
    #[must_use]
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InRow { refusal, .. } => refusal.field(),
            Self::Invalid { field, .. } | Self::NegativeAmount { field, .. } | Self::AmountOverflow { field } => {
                Some(field)
            }
            Self::DeadlineNotInFuture { .. }
            | Self::SilenceTooShort { .. }
            | Self::DeadlineRequired
            | Self::DeadlinePassed { .. }
            | Self::NotAnExtension { .. }
            | Self::NotACurtailment { .. } => Some("deadline"),
            Self::TextRequired { .. } => Some("text"),
            Self::OptOutNotAllowed { .. } => Some("stance"),
            Self::SilenceNotAllowed { .. } | Self::ProcedureNotUsed { .. } => Some("procedure"),
            Self::UnknownBody { .. } | Self::BodyExists { .. } => Some("body"),
            Self::KindNotDecided { .. } => Some("kind"),
            Self::StanceNotInProcedure { .. } => Some("stance"),
            Self::SignificanceMismatch { .. } => Some("significance"),
            Self::NotWider { .. } => Some("marking"),
            Self::PublicationMismatch { .. } => Some("entry"),
            // A signed position's statement and signature travel in its evidence.
            Self::BadKey { .. }
            | Self::KeyExists { .. }
            | Self::UnknownKey { .. }
            | Self::KeyRevoked { .. }
            | Self::SignatureRequired { .. }
            | Self::BadSignedPosition { .. }
            | Self::BadSignedProxy { .. }
            | Self::NoValidKey { .. } => Some("evidence"),
            // Whether lethal aid may go somewhere is a question of the channel it takes.
            Self::LethalOnAllianceFund { .. }
            | Self::LethalChannel { .. }
            | Self::FundNonLethalOnly { .. }
            | Self::AllianceFundPolicy { .. } => Some("channel"),
            Self::UnknownFund { .. } => Some("fund"),
            Self::UnknownCoalition { .. } | Self::NotAParticipant { .. } => Some("coalition"),
            Self::UnknownRequest { .. } | Self::RequestWithdrawn { .. } | Self::RequestMismatch { .. } => {
                Some("request")
            }
            Self::UnknownPledge { .. }
            | Self::UnknownDelivery { .. }
            | Self::PledgeCancelled { .. }
            | Self::CancelAfterDelivery { .. }
            | Self::OverDelivery { .. }
            | Self::CorrectionBelowZero { .. } => Some("pledge"),
            Self::StatusNotForward { .. } => Some("status"),
            Self::CurrencyMismatch { .. } => Some("currency"),
            Self::DecisionRequired { .. }
            | Self::DecisionNotAdopted { .. }
            | Self::DecisionKindUnsuitable { .. }
            | Self::NoAllianceDecision { .. } => Some("authorised_by"),
            Self::NotPermitted { .. }
            | Self::DraftHeld { .. }
            | Self::UnknownMember { .. }
            | Self::UnknownProposal { .. }
            | Self::MemberExists { .. }
            | Self::PartnerExists { .. }
            | Self::PartnerIsNotMember { .. }
            | Self::MemberIsNotPartner { .. }
            | Self::DepartureBeforeAccession { .. }
            | Self::AlreadyDeparted { .. }
            | Self::NotADraft { .. }
            | Self::NotOpen { .. }
            | Self::AlreadyFinal { .. }
            | Self::NotReopenable { .. }
            | Self::AudienceFixed { .. }
            | Self::PriorNotAdopted { .. }
            | Self::NotDue { .. }
            | Self::NotAnElector { .. }
            | Self::AlreadyPositioned { .. }
            | Self::PartnerCannotTakePositions { .. }
            | Self::StaleRevision { .. }
            | Self::NoElectors { .. }
            | Self::LogExists
            | Self::NoLog
            | Self::ReplayedPosition { .. }
            | Self::UnknownDonor { .. }
            | Self::UnknownPartner { .. }
            | Self::PartnerIsNotDonor { .. }
            | Self::DonorIsMember { .. }
            | Self::DonorExists { .. }
            | Self::LeadNotParticipant { .. }
            | Self::AlreadyParticipant { .. }
            | Self::CoalitionExists { .. }
            | Self::FundExists { .. }
            | Self::AlreadyConfirmed { .. }
            | Self::RateExists { .. }
            | Self::GdpExists { .. }
            | Self::PopulationsMissing { .. } => None,
        }
    }

    /// The broad class of refusal, for transports that need one (HTTP status codes).
    #[must_use]
    pub fn class(&self) -> RefusalClass {
        match self {
            Self::InRow { refusal, .. } => refusal.class(),
            Self::NotPermitted { .. } | Self::PartnerCannotTakePositions { .. } => RefusalClass::Forbidden,
            Self::UnknownMember { .. }
            | Self::UnknownProposal { .. }
            | Self::UnknownKey { .. }
            | Self::UnknownDonor { .. }
            | Self::UnknownPartner { .. }
            | Self::UnknownRequest { .. }
            | Self::UnknownPledge { .. }
            | Self::UnknownDelivery { .. }
            | Self::UnknownCoalition { .. }
            | Self::UnknownFund { .. }
            | Self::UnknownBody { .. } => RefusalClass::NotFound,
            Self::Invalid { .. }
            | Self::SignificanceMismatch { .. }
            | Self::SilenceNotAllowed { .. }
            | Self::DeadlineNotInFuture { .. }
            | Self::SilenceTooShort { .. }
            | Self::DeadlineRequired
            | Self::TextRequired { .. }
            | Self::OptOutNotAllowed { .. }
            | Self::NotAnExtension { .. }
            | Self::NotACurtailment { .. }
            | Self::DepartureBeforeAccession { .. }
            | Self::BadKey { .. }
            | Self::SignatureRequired { .. }
            | Self::BadSignedPosition { .. }
            | Self::BadSignedProxy { .. }
            | Self::NoValidKey { .. }
            | Self::PartnerIsNotDonor { .. }
            | Self::DonorIsMember { .. }
            | Self::LethalOnAllianceFund { .. }
            | Self::LethalChannel { .. }
            | Self::FundNonLethalOnly { .. }
            | Self::AllianceFundPolicy { .. }
            | Self::DecisionRequired { .. }
            | Self::DecisionKindUnsuitable { .. }
            | Self::NoAllianceDecision { .. }
            | Self::NegativeAmount { .. }
            | Self::AmountOverflow { .. }
            | Self::CurrencyMismatch { .. }
            | Self::LeadNotParticipant { .. }
            | Self::RequestMismatch { .. }
            | Self::PublicationMismatch { .. }
            | Self::KindNotDecided { .. }
            | Self::ProcedureNotUsed { .. }
            | Self::StanceNotInProcedure { .. } => RefusalClass::Invalid,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_field_it_is_about() {
        let at: Timestamp = "2024-02-28T12:00:00Z".parse().unwrap_or_default();
        assert_eq!(Refusal::Invalid { field: "title", reason: "empty".into() }.field(), Some("title"));
        assert_eq!(Refusal::DeadlinePassed { deadline: at }.field(), Some("deadline"));
        assert_eq!(Refusal::TextRequired { stance: Stance::Object }.field(), Some("text"));
        assert_eq!(Refusal::BadSignedPosition { reason: "x".into() }.field(), Some("evidence"));
        let row = Refusal::InRow { row: 3, refusal: Box::new(Refusal::UnknownPledge { pledge: PledgeId::FIRST }) };
        assert_eq!(row.field(), Some("pledge"));
        assert_eq!(Refusal::NotDue { deadline: at }.field(), None);
    }
}
