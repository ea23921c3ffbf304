//! Support coordination over HTTP: a partner's requests, donors' pledges, deliveries and
//! receipts, coalitions, funds, donor states and exchange rates (writes, decided by the domain
//! like every other command), and the support reports (reads).
//!
//! The reports read the running totals the domain keeps as it folds the log (the report index
//! of `concord_core::support::index`), from the state the sequencer last published
//! ([`AppState::view`]), with the same functions `concord report` runs on a copy of the log: a
//! report costs its lines, not the number of pledges, and never holds up a write.
//!
//! Need to know: the totals, delivery and shares reports are aggregates, and public. Their rows
//! are keyed by month, donor, category, lethality, channel and status and carry counts, quantities
//! and money, never a pledge's id, item, notes, request, coalition or fund; a row that sums one
//! pledge does show that donor's amount for that month and category, which is the "who gives
//! what" the alliance publishes (as donors announce their packages), not the pledge's record.
//! The gaps report is different: each row is a request, with its description, released to the
//! members and its partner, so its rows pass the same rule as `/api/v1/requests`.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use concord_core::Command;
use concord_core::CountryCode;
use concord_core::support::index::RowKey;
use concord_core::support::report::{
    Month, Totals, TotalsFilter, TotalsQuery, pledged_vs_delivered, request_gaps, shares, totals_page,
};
use concord_core::support::{
    Channel, CoalitionId, CoalitionTerms, Currency, DeliveryId, DonorState, FundTerms, FxRate, Measure, Money,
    PledgeId, PledgeStatus, PledgeTerms, RequestId, RequestTerms, SupportCategory, SupportCommand,
};
use concord_core::words::Word;
use jiff::civil::Date;
use serde::Deserialize;

use super::Write;
use super::extract::{Path, Query};
use super::params::{country, currency, invalid, numbered_path};
use super::support_reads::{read, read_state};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

/// Largest import body: about 100,000 pledges of JSON.
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/donors", post(register_donor))
        .route("/api/v1/requests", post(file_request))
        .route("/api/v1/requests/{id}/withdraw", post(withdraw_request))
        .route("/api/v1/pledges", post(record_pledge))
        .route("/api/v1/pledges/import", post(import_pledges).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)))
        .route("/api/v1/pledges/{id}/status", post(change_status))
        .route("/api/v1/pledges/{id}/deliveries", post(record_delivery))
        .route("/api/v1/pledges/{id}/corrections", post(correct_deliveries))
        .route("/api/v1/deliveries/{id}/receipt", post(confirm_receipt))
        .route("/api/v1/coalitions", post(form_coalition))
        .route("/api/v1/coalitions/{id}/participants", post(join_coalition))
        .route("/api/v1/funds", post(create_fund))
        .route("/api/v1/exchange-rates", post(record_rate))
        .route("/api/v1/reports/totals", get(report_totals))
        .route("/api/v1/reports/delivery", get(report_delivery))
        .route("/api/v1/reports/gaps", get(report_gaps))
        .route("/api/v1/reports/shares", get(report_shares))
}

/// Registers a non-member state as a donor (secretariat).
#[utoipa::path(post, path = "/api/v1/donors", tag = "support", security(("bearer" = [])), request_body = DonorState,
    responses((status = 201, description = "the donor state"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn register_donor(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let donor: DonorState = w.json()?;
    w.submit(&state, SupportCommand::RegisterDonorState { donor }.into()).await
}

/// Files a request (the partner, for itself). Answers with the request and its coverage.
#[utoipa::path(post, path = "/api/v1/requests", tag = "support", security(("bearer" = [])), request_body = RequestTerms,
    responses((status = 201, description = "the request with its coverage"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn file_request(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let request: RequestTerms = w.json()?;
    w.submit(&state, SupportCommand::FileRequest { request }.into()).await
}

/// Why a request is withdrawn.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestWithdrawBody {
    pub reason: Option<String>,
}

/// Withdraws a request (the partner that filed it).
#[utoipa::path(post, path = "/api/v1/requests/{id}/withdraw", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = RequestWithdrawBody,
    responses((status = 200, description = "the request"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw_request(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: RequestWithdrawBody = w.json()?;
    w.submit(
        &state,
        SupportCommand::WithdrawRequest { request: numbered_path(id, RequestId::new)?, reason: b.reason }.into(),
    )
    .await
}

/// A pledge as recorded: its terms, and the status it starts in (default: announced).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PledgeBody {
    #[serde(flatten)]
    pub terms: PledgeTerms,
    pub status: Option<PledgeStatus>,
}

/// Records a pledge (a member for itself; the secretariat for any donor). Policy refusals say
/// which way is allowed ("the alliance fund accepts non-lethal aid only: …").
#[utoipa::path(post, path = "/api/v1/pledges", tag = "support", security(("bearer" = [])), request_body = PledgeBody,
    responses((status = 201, description = "the pledge"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn record_pledge(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let b: PledgeBody = w.json()?;
    w.submit(&state, SupportCommand::RecordPledge { pledge: b.terms, status: b.status }.into()).await
}

/// Pledges to record together.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    pub pledges: Vec<concord_core::support::PledgeEntry>,
}

/// Records many pledges at once, all or nothing: the first row refused is named ("row 3: …")
/// and nothing is recorded. Answers with the new pledges' ids.
#[utoipa::path(post, path = "/api/v1/pledges/import", tag = "support", security(("bearer" = [])), request_body = ImportBody,
    responses((status = 201, description = "how many were imported, and their ids"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import_pledges(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let b: ImportBody = w.json()?;
    w.submit(&state, SupportCommand::ImportPledges { pledges: b.pledges }.into()).await
}

/// A pledge's next status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: PledgeStatus,
}

/// Moves a pledge's status forward (or cancels it before delivery).
#[utoipa::path(post, path = "/api/v1/pledges/{id}/status", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = StatusBody,
    responses((status = 200, description = "the pledge"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn change_status(State(state): State<AppState>, Path(id): Path<u64>, w: Write) -> Result<Response, ApiError> {
    let b: StatusBody = w.json()?;
    w.submit(
        &state,
        SupportCommand::ChangePledgeStatus { pledge: numbered_path(id, PledgeId::new)?, status: b.status }.into(),
    )
    .await
}

/// A delivery against a pledge.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    #[schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub delivered_on: Date,
    pub quantity: u64,
    pub value: Money,
}

/// Records a delivery; never more than was pledged (see corrections).
#[utoipa::path(post, path = "/api/v1/pledges/{id}/deliveries", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = DeliveryBody,
    responses((status = 201, description = "the delivery"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn record_delivery(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: DeliveryBody = w.json()?;
    let command = Command::Support(SupportCommand::RecordDelivery {
        pledge: numbered_path(id, PledgeId::new)?,
        delivered_on: b.delivered_on,
        quantity: b.quantity,
        value: b.value,
    });
    w.submit(&state, command).await
}

/// An explicit correction of a pledge's deliveries.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    #[schema(value_type = String, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub delivered_on: Date,
    /// Added to the delivered quantity; may be negative.
    pub quantity: i64,
    /// Added to the delivered value; may be negative.
    pub value: Money,
    pub reason: String,
}

/// Records a correction: the only way to record more delivered than pledged, or to take a
/// delivery back.
#[utoipa::path(post, path = "/api/v1/pledges/{id}/corrections", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = CorrectionBody,
    responses((status = 201, description = "the correction record"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn correct_deliveries(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: CorrectionBody = w.json()?;
    let command = Command::Support(SupportCommand::CorrectDeliveries {
        pledge: numbered_path(id, PledgeId::new)?,
        delivered_on: b.delivered_on,
        quantity: b.quantity,
        value: b.value,
        reason: b.reason,
    });
    w.submit(&state, command).await
}

/// A receipt note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    pub note: Option<String>,
}

/// Confirms receipt of a delivery (the partner it was made to).
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/receipt", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = ReceiptBody,
    responses((status = 200, description = "the delivery"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn confirm_receipt(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: ReceiptBody = w.json()?;
    w.submit(
        &state,
        SupportCommand::ConfirmReceipt { delivery: numbered_path(id, DeliveryId::new)?, note: b.note }.into(),
    )
    .await
}

/// Records a coalition (secretariat); its leads must take part in it.
#[utoipa::path(post, path = "/api/v1/coalitions", tag = "support", security(("bearer" = [])), request_body = CoalitionTerms,
    responses((status = 201, description = "the coalition"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn form_coalition(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let coalition: CoalitionTerms = w.json()?;
    w.submit(&state, SupportCommand::FormCoalition { coalition }.into()).await
}

/// A state joining a coalition, or a participant becoming a lead.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    pub participant: concord_core::CountryCode,
    #[serde(default)]
    pub lead: bool,
}

/// A state joins a coalition (the secretariat, or a member for itself).
#[utoipa::path(post, path = "/api/v1/coalitions/{id}/participants", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path)), request_body = JoinBody,
    responses((status = 200, description = "the coalition"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn join_coalition(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    w: Write,
) -> Result<Response, ApiError> {
    let b: JoinBody = w.json()?;
    w.submit(
        &state,
        SupportCommand::JoinCoalition {
            coalition: numbered_path(id, CoalitionId::new)?,
            participant: b.participant,
            lead: b.lead,
        }
        .into(),
    )
    .await
}

/// Sets up a fund on an adopted decision (secretariat).
#[utoipa::path(post, path = "/api/v1/funds", tag = "support", security(("bearer" = [])), request_body = FundTerms,
    responses((status = 201, description = "the fund"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn create_fund(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let fund: FundTerms = w.json()?;
    w.submit(&state, SupportCommand::CreateFund { fund }.into()).await
}

/// Records a dated exchange rate (secretariat): reports convert only at recorded rates.
#[utoipa::path(post, path = "/api/v1/exchange-rates", tag = "support", security(("bearer" = [])), request_body = FxRate,
    responses((status = 201, description = "the rate"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn record_rate(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    let rate: FxRate = w.json()?;
    w.submit(&state, SupportCommand::RecordExchangeRate { rate }.into()).await
}

/// `?measure=&currency=` on the reports.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// committed (default: committed and later, the headline), allocated, or delivered.
    pub measure: Option<Measure>,
    /// ISO 4217 (default EUR); other currencies convert at recorded, dated rates.
    #[param(value_type = Option<Currency>)]
    pub currency: Option<String>,
}

impl ReportQuery {
    fn parse(&self) -> Result<(Measure, Currency), ApiError> {
        let currency = currency("currency", self.currency.as_deref())?.unwrap_or(Currency::EUR);
        Ok((self.measure.unwrap_or(Measure::Committed), currency))
    }
}

/// Runs a report on the support state, mapping a report error (a missing exchange rate) to 422.
async fn report<T: serde::Serialize + Send + 'static>(
    state: &AppState,
    run: impl FnOnce(&concord_core::support::Support) -> Result<T, concord_core::support::report::ReportError>
    + Send
    + 'static,
) -> Result<Json<T>, ApiError> {
    read(state, run).await.map(Json).map_err(|e| ApiError::Unprocessable("report-unavailable", e.to_string()))
}

/// `?…` on the totals: the measure and currency, filters, and the page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TotalsParams {
    /// committed (default: committed and later, the headline), allocated, or delivered.
    pub measure: Option<Measure>,
    /// ISO 4217 (default EUR); other currencies convert at recorded, dated rates.
    #[param(value_type = Option<Currency>)]
    pub currency: Option<String>,
    /// First month, `YYYY-MM` (a range leaves out the unknown month).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// Last month, `YYYY-MM`, inclusive.
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
    /// Only this donor (ISO 3166-1 alpha-3).
    #[param(value_type = Option<CountryCode>)]
    pub donor: Option<String>,
    pub category: Option<SupportCategory>,
    pub channel: Option<Channel>,
    pub lethal: Option<bool>,
    pub status: Option<PledgeStatus>,
    /// The `next` of the page before.
    pub after: Option<String>,
    /// Rows per page: default 1,000, at most 10,000.
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<usize>,
}

/// A page of totals, and where the next one starts.
#[derive(Debug, serde::Serialize)]
struct TotalsPage {
    #[serde(flatten)]
    totals: Totals,
    /// Give as `after` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

const TOTALS_LIMIT: usize = 1_000;
const TOTALS_MAX_LIMIT: usize = 10_000;

fn cursor_word<T: Word>(s: &str) -> Result<T, ApiError> {
    if s.is_empty() {
        return Err(invalid("after", "a part of it is empty"));
    }
    s.parse().map_err(|e| invalid("after", e))
}

/// The cursor of a row: `month,donor,category,channel,status`.
fn cursor(k: &RowKey) -> String {
    format!("{},{},{},{},{}", k.month, k.donor, k.category.name(), k.channel.name(), k.status.name())
}

fn parse_cursor(s: &str) -> Result<RowKey, ApiError> {
    let parts: Vec<&str> = s.split(',').collect();
    let [month, donor, category, channel, status] = parts[..] else {
        return Err(invalid("after", "give the `next` of the page before, unchanged"));
    };
    Ok(RowKey {
        month: Month::parse(month).map_err(|e| invalid("after", e))?,
        donor: CountryCode::parse(donor).map_err(|e| invalid("after", e))?,
        category: cursor_word(category)?,
        channel: cursor_word(channel)?,
        status: cursor_word(status)?,
    })
}

impl TotalsParams {
    fn query(&self) -> Result<TotalsQuery, ApiError> {
        let (measure, currency) = ReportQuery { measure: self.measure, currency: self.currency.clone() }.parse()?;
        let month = |param, s: &Option<String>| {
            s.as_deref().map(|m| Month::parse(m).map_err(|e| invalid(param, e))).transpose()
        };
        let filter = TotalsFilter {
            from: month("from", &self.from)?,
            to: month("to", &self.to)?,
            donor: country("donor", self.donor.as_deref())?,
            category: self.category,
            channel: self.channel,
            lethal: self.lethal,
            status: self.status,
        };
        let limit = match self.limit {
            None => TOTALS_LIMIT,
            Some(n @ 1..=TOTALS_MAX_LIMIT) => n,
            Some(n) => return Err(invalid("limit", format!("{n} is not between 1 and {TOTALS_MAX_LIMIT}"))),
        };
        let after = self.after.as_deref().map(parse_cursor).transpose()?;
        Ok(TotalsQuery { measure, currency, filter, after, limit })
    }
}

/// Totals by month × donor × category × lethality × channel × status, under the stated measure,
/// a page at a time, in that key order (the unknown month last), with the total of every row
/// the filters select.
#[utoipa::path(get, path = "/api/v1/reports/totals", tag = "reports", security(("bearer" = [])), params(TotalsParams),
    responses((status = 200, description = "measure, currency, rows, total, and the next page's cursor"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn report_totals(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<TotalsParams>,
) -> Result<Response, ApiError> {
    let query = q.query()?;
    report(&state, move |s| {
        let totals = totals_page(s, &query)?;
        let next = totals.more.then(|| totals.rows.last().map(|r| cursor(&r.key()))).flatten();
        Ok(TotalsPage { totals, next })
    })
    .await
    .map(axum::response::IntoResponse::into_response)
}

/// Pledged (committed and later) against delivered, by donor.
#[utoipa::path(get, path = "/api/v1/reports/delivery", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "one line per donor"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn report_delivery(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (_, currency) = q.parse()?;
    report(&state, move |s| pledged_vs_delivered(s, currency)).await.map(axum::response::IntoResponse::into_response)
}

/// Requests with what is pledged and delivered against them, uncovered ones first: the ones the
/// caller may read (a request is released to the members and its partner).
#[utoipa::path(get, path = "/api/v1/reports/gaps", tag = "reports", security(("bearer" = [])),
    responses((status = 200, description = "requests with their coverage")))]
pub async fn report_gaps(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let gaps = read_state(&state, |st| {
        let gaps: Vec<_> =
            request_gaps(&st.support).into_iter().filter(|g| st.may_see(caller.reader(), g.request)).collect();
        serde_json::to_value(gaps).unwrap_or_default()
    })
    .await;
    Ok(axum::response::IntoResponse::into_response(Json(gaps)))
}

/// The shares of lethal and of long-range support, month by month.
#[utoipa::path(get, path = "/api/v1/reports/shares", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "one line per month, the unknown month last"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn report_shares(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (measure, currency) = q.parse()?;
    report(&state, move |s| shares(s, measure, currency)).await.map(axum::response::IntoResponse::into_response)
}
