//! Support commands (issue 3): what a partner, a donor or the secretariat asks of the alliance's
//! support coordination. They travel as [`Command::Support`](crate::Command::Support).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{
    CoalitionId, CoalitionTerms, DeliveryId, DonorState, FundTerms, FxRate, GdpFigure, Money, PledgeEntry, PledgeId,
    PledgeStatus, PledgeTerms, RequestId, RequestTerms,
};
use crate::CountryCode;

/// A request to change the support state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum SupportCommand {
    /// Registers a non-member state that gives support, so pledges and coalitions can name it
    /// (secretariat).
    RegisterDonorState { donor: DonorState },
    /// A partner asks for assistance (that partner only).
    FileRequest { request: RequestTerms },
    /// A partner withdraws its own request.
    WithdrawRequest { request: RequestId, reason: Option<String> },
    /// Records many pledges at once, all or nothing (a member for itself; the secretariat for
    /// any donor): each is decided as `RecordPledge` (no row changes what another's rules read),
    /// numbered after the ones before it, and the first refused names its row (from 1).
    ImportPledges { pledges: Vec<PledgeEntry> },
    /// Records a pledge: a member its own, the secretariat any donor's (data entry, import of
    /// public data). Default status: announced.
    RecordPledge { pledge: PledgeTerms, status: Option<PledgeStatus> },
    /// Moves a pledge's status forward, or cancels it before delivery (its donor or the
    /// secretariat).
    ChangePledgeStatus { pledge: PledgeId, status: PledgeStatus },
    /// Records a delivery against a pledge (its donor or the secretariat).
    RecordDelivery { pledge: PledgeId, delivered_on: Date, quantity: u64, value: Money },
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
    ConfirmReceipt { delivery: DeliveryId, note: Option<String> },
    /// Records a coalition (secretariat).
    FormCoalition { coalition: CoalitionTerms },
    /// A donor joins a coalition, or a participant becomes a lead (the secretariat, or the
    /// member itself).
    JoinCoalition { coalition: CoalitionId, participant: CountryCode, lead: bool },
    /// Sets up a fund on an adopted decision (secretariat).
    CreateFund { fund: FundTerms },
    /// Records an exchange rate for a day (secretariat).
    RecordExchangeRate { rate: FxRate },
    /// Records a member's GDP for a year, with its unit and source (secretariat); a second
    /// figure for the same member and year only as a correction.
    RecordGdp { figure: GdpFigure },
}
