//! Commands: what someone asks the alliance to do, and who asks.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::support::{
    CoalitionId, CoalitionTerms, DeliveryId, DonorState, FundTerms, FxRate, Money, PledgeId, PledgeStatus, PledgeTerms,
    RequestId, RequestTerms,
};
use crate::{CountryCode, DecisionKind, Member, Partner, Procedure, ProposalId, Significance, Stance};

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
    DraftProposal {
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
    },
    Circulate {
        proposal: ProposalId,
        procedure: Procedure,
        deadline: Timestamp,
    },
    ExtendDeadline {
        proposal: ProposalId,
        deadline: Timestamp,
    },
    CurtailDeadline {
        proposal: ProposalId,
        deadline: Timestamp,
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
    /// Closes a procedure whose deadline has come.
    CloseAtDeadline {
        proposal: ProposalId,
    },
    // Support coordination (issue 3).
    /// Registers a non-member state that gives support, so pledges and coalitions can name it
    /// (secretariat).
    RegisterDonorState {
        donor: DonorState,
    },
    /// A partner asks for assistance (that partner only).
    FileRequest {
        request: RequestTerms,
    },
    /// A partner withdraws its own request.
    WithdrawRequest {
        request: RequestId,
        reason: Option<String>,
    },
    /// Records many pledges at once, all or nothing (a member for itself; the secretariat for
    /// any donor): each is decided as `RecordPledge` (no row changes what another's rules read),
    /// numbered after the ones before it, and the first refused names its row (from 1).
    ImportPledges {
        pledges: Vec<crate::support::PledgeEntry>,
    },
    /// Records a pledge: a member its own, the secretariat any donor's (data entry, import of
    /// public data). Default status: announced.
    RecordPledge {
        pledge: PledgeTerms,
        status: Option<PledgeStatus>,
    },
    /// Moves a pledge's status forward, or cancels it before delivery (its donor or the
    /// secretariat).
    ChangePledgeStatus {
        pledge: PledgeId,
        status: PledgeStatus,
    },
    /// Records a delivery against a pledge (its donor or the secretariat).
    RecordDelivery {
        pledge: PledgeId,
        delivered_on: Date,
        quantity: u64,
        value: Money,
    },
    /// Records a correction of a pledge's deliveries (its donor or the secretariat): the only
    /// way to record more delivered than pledged, or to take a recorded delivery back.
    CorrectDeliveries {
        pledge: PledgeId,
        delivered_on: Date,
        /// Added to the delivered quantity; may be negative.
        quantity: i64,
        /// Added to the delivered value; may be negative.
        value: Money,
        reason: String,
    },
    /// The partner a delivery was made to confirms it arrived.
    ConfirmReceipt {
        delivery: DeliveryId,
        note: Option<String>,
    },
    /// Records a coalition (secretariat).
    FormCoalition {
        coalition: CoalitionTerms,
    },
    /// A donor joins a coalition, or a participant becomes a lead (the secretariat, or the
    /// member itself).
    JoinCoalition {
        coalition: CoalitionId,
        participant: CountryCode,
        lead: bool,
    },
    /// Sets up a fund on an adopted decision (secretariat).
    CreateFund {
        fund: FundTerms,
    },
    /// Records an exchange rate for a day (secretariat).
    RecordExchangeRate {
        rate: FxRate,
    },
}
