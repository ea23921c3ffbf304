//! Events: every state change, as it is written to the log.
//!
//! An event states a fact that `decide` established; `apply` folds it into the state. The JSON
//! form (tagged by `type`, snake_case) is what the ledger canonicalises and hashes, so renaming a
//! field or a variant changes the log format: add, never rename.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::decision_rule::Rule;
use crate::sealed::Revealed;
use crate::support::{
    CoalitionId, CoalitionTerms, DeliveryId, DonorState, FundId, FundTerms, FxRate, GdpFigure, Money, PledgeId,
    PledgeStatus, PledgeTerms, RequestId, RequestTerms,
};
use crate::{
    Body, BodyId, CountryCode, Decision, DecisionKind, Marking, Member, Partner, Procedure, ProposalId, RuleInForce,
    Significance, Stance,
};

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Event {
    /// The first entry of a log: its origin (the name of its key), the log's public key, and
    /// whether member positions may be recorded without the member's signature.
    LogCreated {
        origin: String,
        log_key: String,
        unsigned_positions: bool,
        /// The shortest silence allowed without a stated urgency (ISO 8601, e.g. `PT24H`);
        /// absent: no minimum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "PT24H"))]
        min_silence: Option<jiff::SignedDuration>,
    },
    /// A member delegation's Ed25519 key (a signed-note verifier key named
    /// `<origin>/member/<code>`), valid from `valid_from` until `valid_until` or revocation.
    MemberKeyRegistered {
        member: CountryCode,
        key: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        valid_from: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        valid_until: Option<Timestamp>,
    },
    /// A key revoked: nothing it signs at or after `at` is accepted.
    MemberKeyRevoked {
        member: CountryCode,
        key_id: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    MemberAdmitted {
        member: Member,
    },
    MemberDeparted {
        member: CountryCode,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
        on: Date,
    },
    PartnerRegistered {
        partner: Partner,
    },
    /// A body established, its rule at version 1.
    BodyEstablished {
        body: Body,
    },
    /// A body's rule from now on, at its next version.
    RuleChanged {
        body: BodyId,
        version: u32,
        rule: Rule,
        reason: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// An appointment of a body's chair, taking effect at its `from`.
    ChairAppointed {
        /// Absent: the principal body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<BodyId>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^(secretariat|[A-Z]{3})$"))]
        chair: crate::Chair,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        from: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A member's authorisation of another to act for it in a body.
    ProxyAuthorised {
        body: crate::BodyId,
        #[serde(flatten)]
        proxy: crate::Proxy,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// An authorisation ended by its member before its time.
    ProxyEnded {
        body: crate::BodyId,
        member: CountryCode,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A year's population figures, from their source.
    PopulationsRecorded {
        populations: crate::decision_rule::Populations,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    ProposalDrafted {
        proposal: ProposalId,
        /// The body that decides it; absent: the principal body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<BodyId>,
        /// The proposal whose adoption it waits for; absent: none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follows: Option<ProposalId>,
        kind: DecisionKind,
        significance: Significance,
        title: String,
        text: String,
        text_hash: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A new revision of the text. If the proposal was open, a `ProposalCirculated` for the new
    /// revision follows, and positions on the old text no longer count.
    ProposalAmended {
        proposal: ProposalId,
        revision: u32,
        title: String,
        text: String,
        text_hash: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    ProposalCirculated {
        proposal: ProposalId,
        revision: u32,
        procedure: Procedure,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
        /// The electorate snapshot, in code order.
        electorate: Vec<CountryCode>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The audience beyond the members that the secretariat released the texts and the
        /// procedure to when it first circulated them (a recirculation repeats it); absent: the
        /// members only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        marking: Option<Marking>,
        /// Why the silence is shorter than the deployment's minimum, when it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        urgent: Option<String>,
        /// The body's rule and its version when the procedure opened (a proposal of a body);
        /// absent: the principal body's consensus.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<RuleInForce>,
    },
    DeadlineExtended {
        proposal: ProposalId,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    DeadlineCurtailed {
        proposal: ProposalId,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        deadline: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// Why the silence now ends sooner than the deployment's minimum allows, when it does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        urgent: Option<String>,
    },
    /// A position, bound to the revision's text hash.
    PositionTaken {
        proposal: ProposalId,
        member: CountryCode,
        revision: u32,
        text_hash: String,
        stance: Stance,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// The member's signed statement of this position, kept byte for byte, when it signed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<String>,
        /// The member that took it for `member`, by proxy (and signed it, if signed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proxy: Option<CountryCode>,
    },
    ProposalDecided {
        proposal: ProposalId,
        decision: Decision,
    },
    /// A delegation is awaiting instructions from its capital (not a position).
    InstructionsAwaited {
        proposal: ProposalId,
        member: CountryCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    ProposalWithdrawn {
        proposal: ProposalId,
        reason: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A blocked or not adopted proposal back in negotiation: its decision becomes an earlier
    /// round, its positions lapse, and a revised text may be circulated under a new procedure.
    ProposalReopened {
        proposal: ProposalId,
        reason: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A non-member state that gives support.
    DonorStateRegistered {
        donor: DonorState,
    },
    RequestFiled {
        request: RequestId,
        terms: RequestTerms,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    RequestWithdrawn {
        request: RequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    PledgeRecorded {
        pledge: PledgeId,
        terms: PledgeTerms,
        status: PledgeStatus,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A pledge's status moved forward, or it was cancelled (rule 9).
    PledgeStatusChanged {
        pledge: PledgeId,
        from: PledgeStatus,
        to: PledgeStatus,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// A delivery against a pledge or, with `correction`, a correction of its deliveries.
    DeliveryRecorded {
        delivery: DeliveryId,
        pledge: PledgeId,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))]
        delivered_on: Date,
        quantity: i64,
        value: Money,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        correction: Option<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// The partner confirmed a delivery arrived.
    ReceiptConfirmed {
        delivery: DeliveryId,
        partner: CountryCode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    CoalitionFormed {
        coalition: CoalitionId,
        terms: CoalitionTerms,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    CoalitionJoined {
        coalition: CoalitionId,
        participant: CountryCode,
        lead: bool,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    FundCreated {
        fund: FundId,
        terms: FundTerms,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    ExchangeRateRecorded {
        rate: FxRate,
    },
    /// A member's GDP for a year (rule 14's data), with its unit and source.
    GdpRecorded {
        figure: GdpFigure,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// An earlier entry released to a wider audience by the secretariat. It carries the entry's
    /// salt and content, which anyone it is released to checks against the commitment in that
    /// entry's envelope; a release never narrows.
    EntryPublished {
        /// The entry published (its place in the log).
        entry: u64,
        /// Who may read it from now on.
        marking: Marking,
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        revealed: Box<Revealed>,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
}

impl Event {
    /// The proposal the event concerns, if any.
    #[must_use]
    pub fn proposal(&self) -> Option<ProposalId> {
        match self {
            Self::LogCreated { .. }
            | Self::MemberKeyRegistered { .. }
            | Self::MemberKeyRevoked { .. }
            | Self::MemberAdmitted { .. }
            | Self::MemberDeparted { .. }
            | Self::PartnerRegistered { .. }
            | Self::BodyEstablished { .. }
            | Self::RuleChanged { .. }
            | Self::ChairAppointed { .. }
            | Self::PopulationsRecorded { .. }
            | Self::ProxyAuthorised { .. }
            | Self::ProxyEnded { .. }
            | Self::DonorStateRegistered { .. }
            | Self::RequestFiled { .. }
            | Self::RequestWithdrawn { .. }
            | Self::PledgeRecorded { .. }
            | Self::PledgeStatusChanged { .. }
            | Self::DeliveryRecorded { .. }
            | Self::ReceiptConfirmed { .. }
            | Self::CoalitionFormed { .. }
            | Self::CoalitionJoined { .. }
            | Self::FundCreated { .. }
            | Self::ExchangeRateRecorded { .. }
            | Self::GdpRecorded { .. } => None,
            Self::ProposalDrafted { proposal, .. }
            | Self::ProposalAmended { proposal, .. }
            | Self::ProposalCirculated { proposal, .. }
            | Self::DeadlineExtended { proposal, .. }
            | Self::DeadlineCurtailed { proposal, .. }
            | Self::PositionTaken { proposal, .. }
            | Self::InstructionsAwaited { proposal, .. }
            | Self::ProposalDecided { proposal, .. }
            | Self::ProposalWithdrawn { proposal, .. }
            | Self::ProposalReopened { proposal, .. } => Some(*proposal),
            Self::EntryPublished { revealed, .. } => revealed.content.event.proposal(),
        }
    }

    /// The event's name in the log, e.g. `position_taken`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::LogCreated { .. } => "log_created",
            Self::MemberKeyRegistered { .. } => "member_key_registered",
            Self::MemberKeyRevoked { .. } => "member_key_revoked",
            Self::MemberAdmitted { .. } => "member_admitted",
            Self::MemberDeparted { .. } => "member_departed",
            Self::PartnerRegistered { .. } => "partner_registered",
            Self::BodyEstablished { .. } => "body_established",
            Self::RuleChanged { .. } => "rule_changed",
            Self::ChairAppointed { .. } => "chair_appointed",
            Self::PopulationsRecorded { .. } => "populations_recorded",
            Self::ProxyAuthorised { .. } => "proxy_authorised",
            Self::ProxyEnded { .. } => "proxy_ended",
            Self::ProposalDrafted { .. } => "proposal_drafted",
            Self::ProposalAmended { .. } => "proposal_amended",
            Self::ProposalCirculated { .. } => "proposal_circulated",
            Self::DeadlineExtended { .. } => "deadline_extended",
            Self::DeadlineCurtailed { .. } => "deadline_curtailed",
            Self::PositionTaken { .. } => "position_taken",
            Self::InstructionsAwaited { .. } => "instructions_awaited",
            Self::ProposalDecided { .. } => "proposal_decided",
            Self::ProposalWithdrawn { .. } => "proposal_withdrawn",
            Self::ProposalReopened { .. } => "proposal_reopened",
            Self::DonorStateRegistered { .. } => "donor_state_registered",
            Self::RequestFiled { .. } => "request_filed",
            Self::RequestWithdrawn { .. } => "request_withdrawn",
            Self::PledgeRecorded { .. } => "pledge_recorded",
            Self::PledgeStatusChanged { .. } => "pledge_status_changed",
            Self::DeliveryRecorded { .. } => "delivery_recorded",
            Self::ReceiptConfirmed { .. } => "receipt_confirmed",
            Self::CoalitionFormed { .. } => "coalition_formed",
            Self::CoalitionJoined { .. } => "coalition_joined",
            Self::FundCreated { .. } => "fund_created",
            Self::ExchangeRateRecorded { .. } => "exchange_rate_recorded",
            Self::GdpRecorded { .. } => "gdp_recorded",
            Self::EntryPublished { .. } => "entry_published",
        }
    }
}
