//! Reading support coordination over HTTP: requests with their coverage, pledges with their
//! delivery records, deliveries, coalitions, funds with their contributions, donor states and
//! exchange rates. Any authenticated caller may read them (observers included).
//!
//! Support has no query tables: every read runs on the sequencer's folded state between batches
//! ([`SequencerHandle::read`]), so a client that got a write's reply sees it on its next read.
//! The closures only walk `BTreeMap`s from a cursor and clone one page out, because writes wait
//! while they run.
//!
//! Lists are keyset-paginated like the others (`limit`, `after` = the previous page's `next`).
//! Filters are checked before anything is read: a bad value, or an unknown parameter (a
//! misspelt filter would otherwise silently return everything), is a 400 naming the parameter.
//!
//! [`SequencerHandle::read`]: crate::sequencer::SequencerHandle::read

use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Bound;
use std::str::FromStr;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use concord_core::support::{
    Channel, Coalition, CoalitionId, Coverage, Currency, Delivery, DeliveryId, DonorState, Fund, FundId, FxRate, Money,
    Pledge, PledgeId, PledgeStatus, Priority, RequestId, RequestStatus, Support, SupportCategory, SupportRequest,
};
use concord_core::{CountryCode, Refusal};
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::extract::{Path, Query};
use super::{DEFAULT_LIMIT, Page};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};
use crate::sequencer::SubmitError;

/// The largest page of a support list. Larger than the other lists' because dashboards and
/// exports read support data whole, and a page is only cloned out of memory.
pub const MAX_SUPPORT_LIMIT: u32 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", get(list_requests))
        .route("/api/v1/requests/{id}", get(show_request))
        .route("/api/v1/pledges", get(list_pledges))
        .route("/api/v1/pledges/{id}", get(show_pledge))
        .route("/api/v1/pledges/{id}/deliveries", get(list_pledge_deliveries))
        .route("/api/v1/deliveries/{id}", get(show_delivery))
        .route("/api/v1/coalitions", get(list_coalitions))
        .route("/api/v1/coalitions/{id}", get(show_coalition))
        .route("/api/v1/funds", get(list_funds))
        .route("/api/v1/funds/{id}", get(show_fund))
        .route("/api/v1/donors", get(list_donors))
        .route("/api/v1/exchange-rates", get(list_rates))
}

/// Runs `read` on the support state as of the last commit.
pub(super) async fn read<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce(&Support) -> T + Send + 'static,
) -> Result<T, ApiError> {
    state.sequencer().read(move |s| read(&s.support)).await.map_err(|e| match e {
        SubmitError::Overloaded | SubmitError::Unavailable(_) => ApiError::Unavailable,
        other => ApiError::Internal(other.to_string()),
    })
}

pub(super) fn invalid(name: &str, detail: impl Display) -> ApiError {
    ApiError::bad_request("invalid-query", format!("the query parameter {name} is not valid: {detail}"))
}

/// A parameter written as the API writes the value in JSON (an enumeration's snake_case word).
pub(super) fn word<T: DeserializeOwned>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|s| serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| invalid(name, e)))
        .transpose()
}

/// A parameter with a text form of its own (a number, a date, a code).
fn parsed<T: FromStr>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError>
where
    T::Err: Display,
{
    raw.map(|s| s.parse().map_err(|e| invalid(name, format!("{s:?}: {e}")))).transpose()
}

/// An id parameter. Ids are int64, as the document says and every store keeps them: a larger
/// number is refused like any other bad value rather than matching nothing.
pub(super) fn id(name: &str, raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    let n: Option<u64> = parsed(name, raw)?;
    match n {
        Some(n) if i64::try_from(n).is_err() => Err(invalid(name, format!("{n} is larger than any id"))),
        n => Ok(n),
    }
}

pub(super) fn country(name: &str, raw: Option<&str>) -> Result<Option<CountryCode>, ApiError> {
    raw.map(|s| CountryCode::parse(s).map_err(|e| invalid(name, e))).transpose()
}

pub(super) fn currency(name: &str, raw: Option<&str>) -> Result<Option<Currency>, ApiError> {
    raw.map(|s| Currency::parse(s).map_err(|e| invalid(name, e))).transpose()
}

/// `limit`: 1 to [`MAX_SUPPORT_LIMIT`], default 50.
fn limit(raw: Option<u32>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n @ 1..=MAX_SUPPORT_LIMIT) => Ok(n),
        Some(n) => Err(invalid("limit", format!("{n} is not between 1 and {MAX_SUPPORT_LIMIT}"))),
    }
}

/// The entries of `map` after the cursor `after` (exclusive), in key order.
fn from_cursor<K: Ord, V>(map: &BTreeMap<K, V>, after: Option<K>) -> impl Iterator<Item = &V> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    map.range((start, Bound::Unbounded)).map(|(_, v)| v)
}

/// `?limit=&after=` on lists paginated by a numeric id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IdPageQuery {
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (an id).
    #[param(value_type = Option<u64>)]
    pub after: Option<String>,
}

impl IdPageQuery {
    fn parse(&self) -> Result<(u32, Option<u64>), ApiError> {
        Ok((limit(self.limit)?, id("after", self.after.as_deref())?))
    }
}

/// A request as it stands: its terms, the ids of the pledges that answer it, and its coverage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub request: SupportRequest,
    pub coverage: Coverage,
}

fn request_view(s: &Support, r: &SupportRequest) -> Option<RequestView> {
    s.coverage(r.id).map(|coverage| RequestView { request: r.clone(), coverage })
}

/// `?partner=&status=&category=&priority=&limit=&after=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Only this partner's requests (ISO 3166-1 alpha-3).
    #[param(value_type = Option<CountryCode>)]
    pub partner: Option<String>,
    /// Only requests whose coverage puts them in this status.
    #[param(value_type = Option<RequestStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<SupportCategory>)]
    pub category: Option<String>,
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (a request id).
    #[param(value_type = Option<u64>)]
    pub after: Option<String>,
}

/// The checked filters of a request list.
#[derive(Debug, Clone, Copy)]
struct RequestFilter {
    partner: Option<CountryCode>,
    status: Option<RequestStatus>,
    category: Option<SupportCategory>,
    priority: Option<Priority>,
}

impl RequestFilter {
    fn parse(q: &RequestQuery) -> Result<Self, ApiError> {
        Ok(Self {
            partner: country("partner", q.partner.as_deref())?,
            status: word("status", q.status.as_deref())?,
            category: word("category", q.category.as_deref())?,
            priority: word("priority", q.priority.as_deref())?,
        })
    }

    fn matches(&self, v: &RequestView) -> bool {
        let t = &v.request.terms;
        self.partner.is_none_or(|x| t.partner == x)
            && self.status.is_none_or(|x| v.coverage.status == x)
            && self.category.is_none_or(|x| t.category == x)
            && self.priority.is_none_or(|x| t.priority == x)
    }
}

/// Requests in id order, each with its coverage. Scans from the cursor and stops when the page
/// is full: a rare filter may scan far, the page bounds the response, not the scan.
#[utoipa::path(get, path = "/api/v1/requests", tag = "support", security(("bearer" = [])), params(RequestQuery),
    responses((status = 200, body = Page<RequestView>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_requests(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<Page<RequestView>>, ApiError> {
    let filter = RequestFilter::parse(&q)?;
    let limit = limit(q.limit)?;
    let after = id("after", q.after.as_deref())?;
    let items = read(&state, move |s| {
        from_cursor(&s.requests, after.map(RequestId))
            .filter_map(|r| request_view(s, r))
            .filter(|v| filter.matches(v))
            .take(limit as usize)
            .collect()
    })
    .await?;
    Ok(Json(Page::new(items, limit, |v| v.request.id.to_string())))
}

/// One request, with its coverage and the ids of the pledges linked to it.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = RequestView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_request(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<RequestView>, ApiError> {
    let id = RequestId(id);
    let view = read(&state, move |s| s.requests.get(&id).and_then(|r| request_view(s, r))).await?;
    view.map(Json).ok_or(ApiError::Refused(Refusal::UnknownRequest { request: id }))
}

/// `?donor=&recipient=&channel=&category=&status=&request=&coalition=&fund=&lethal=&announced_from=&announced_to=&limit=&after=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PledgeQuery {
    /// ISO 3166-1 alpha-3.
    #[param(value_type = Option<CountryCode>)]
    pub donor: Option<String>,
    /// ISO 3166-1 alpha-3.
    #[param(value_type = Option<CountryCode>)]
    pub recipient: Option<String>,
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    #[param(value_type = Option<SupportCategory>)]
    pub category: Option<String>,
    #[param(value_type = Option<PledgeStatus>)]
    pub status: Option<String>,
    /// Only pledges answering this request.
    #[param(value_type = Option<u64>)]
    pub request: Option<String>,
    /// Only pledges through this coalition.
    #[param(value_type = Option<u64>)]
    pub coalition: Option<String>,
    /// Only pledges to this fund.
    #[param(value_type = Option<u64>)]
    pub fund: Option<String>,
    /// Only lethal (`true`) or non-lethal (`false`) categories.
    #[param(value_type = Option<bool>)]
    pub lethal: Option<String>,
    /// Announced on or after this day (YYYY-MM-DD); undated pledges do not match.
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub announced_from: Option<String>,
    /// Announced on or before this day (YYYY-MM-DD); undated pledges do not match.
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub announced_to: Option<String>,
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (a pledge id).
    #[param(value_type = Option<u64>)]
    pub after: Option<String>,
}

/// The checked filters of a pledge list.
#[derive(Debug, Clone, Copy)]
struct PledgeFilter {
    donor: Option<CountryCode>,
    recipient: Option<CountryCode>,
    channel: Option<Channel>,
    category: Option<SupportCategory>,
    status: Option<PledgeStatus>,
    request: Option<RequestId>,
    coalition: Option<CoalitionId>,
    fund: Option<FundId>,
    lethal: Option<bool>,
    from: Option<Date>,
    to: Option<Date>,
}

impl PledgeFilter {
    fn parse(q: &PledgeQuery) -> Result<Self, ApiError> {
        Ok(Self {
            donor: country("donor", q.donor.as_deref())?,
            recipient: country("recipient", q.recipient.as_deref())?,
            channel: word("channel", q.channel.as_deref())?,
            category: word("category", q.category.as_deref())?,
            status: word("status", q.status.as_deref())?,
            request: id("request", q.request.as_deref())?.map(RequestId),
            coalition: id("coalition", q.coalition.as_deref())?.map(CoalitionId),
            fund: id("fund", q.fund.as_deref())?.map(FundId),
            lethal: parsed("lethal", q.lethal.as_deref())?,
            from: parsed("announced_from", q.announced_from.as_deref())?,
            to: parsed("announced_to", q.announced_to.as_deref())?,
        })
    }

    fn matches(&self, p: &Pledge) -> bool {
        let t = &p.terms;
        let announced = |bound: Option<Date>, ok: fn(Date, Date) -> bool| {
            bound.is_none_or(|b| t.announced_on.is_some_and(|d| ok(d, b)))
        };
        self.donor.is_none_or(|x| t.donor == x)
            && self.recipient.is_none_or(|x| t.recipient == x)
            && self.channel.is_none_or(|x| t.channel == x)
            && self.category.is_none_or(|x| t.category == x)
            && self.status.is_none_or(|x| p.status == x)
            && self.request.is_none_or(|x| t.request == Some(x))
            && self.coalition.is_none_or(|x| t.coalition == Some(x))
            && self.fund.is_none_or(|x| t.fund == Some(x))
            && self.lethal.is_none_or(|x| p.is_lethal() == x)
            && announced(self.from, |d, b| d >= b)
            && announced(self.to, |d, b| d <= b)
    }
}

/// Pledges in id order.
///
/// The filters are applied while scanning in id order from the cursor, and the scan stops when
/// the page is full: a rare filter may scan far (up to every pledge), since the page bounds the
/// response, not the scan.
#[utoipa::path(get, path = "/api/v1/pledges", tag = "support", security(("bearer" = [])), params(PledgeQuery),
    responses((status = 200, body = Page<Pledge>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_pledges(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<PledgeQuery>,
) -> Result<Json<Page<Pledge>>, ApiError> {
    let filter = PledgeFilter::parse(&q)?;
    let limit = limit(q.limit)?;
    let after = id("after", q.after.as_deref())?;
    let items = read(&state, move |s| {
        from_cursor(&s.pledges, after.map(PledgeId))
            .filter(|p| filter.matches(p))
            .take(limit as usize)
            .cloned()
            .collect()
    })
    .await?;
    Ok(Json(Page::new(items, limit, |p: &Pledge| p.id.to_string())))
}

/// A pledge with its delivery records (corrections included), oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PledgeView {
    #[serde(flatten)]
    pub pledge: Pledge,
    /// The records whose ids `deliveries` lists.
    pub delivery_records: Vec<Delivery>,
}

/// One pledge, with its delivery records.
#[utoipa::path(get, path = "/api/v1/pledges/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = PledgeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_pledge(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<PledgeView>, ApiError> {
    let id = PledgeId(id);
    let view = read(&state, move |s| {
        let pledge = s.pledges.get(&id)?.clone();
        Some(PledgeView { pledge, delivery_records: s.deliveries_of(id).cloned().collect() })
    })
    .await?;
    view.map(Json).ok_or(ApiError::Refused(Refusal::UnknownPledge { pledge: id }))
}

/// A pledge's delivery records (corrections included), in id order.
#[utoipa::path(get, path = "/api/v1/pledges/{id}/deliveries", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path), IdPageQuery),
    responses((status = 200, body = Page<Delivery>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_pledge_deliveries(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    let (limit, after) = q.parse()?;
    let id = PledgeId(id);
    let items = read(&state, move |s| {
        s.pledges.get(&id)?;
        let after = after.unwrap_or(0);
        Some(s.deliveries_of(id).filter(|d| d.id.0 > after).take(limit as usize).cloned().collect::<Vec<_>>())
    })
    .await?;
    let items = items.ok_or(ApiError::Refused(Refusal::UnknownPledge { pledge: id }))?;
    Ok(Json(Page::new(items, limit, |d: &Delivery| d.id.to_string())))
}

/// One delivery record, with the partner's receipt once confirmed.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Delivery), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_delivery(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Delivery>, ApiError> {
    let id = DeliveryId(id);
    let d = read(&state, move |s| s.deliveries.get(&id).cloned()).await?;
    d.map(Json).ok_or(ApiError::Refused(Refusal::UnknownDelivery { delivery: id }))
}

/// Coalitions in id order.
#[utoipa::path(get, path = "/api/v1/coalitions", tag = "support", security(("bearer" = [])), params(IdPageQuery),
    responses((status = 200, body = Page<Coalition>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_coalitions(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Coalition>>, ApiError> {
    let (limit, after) = q.parse()?;
    let items = read(&state, move |s| {
        from_cursor(&s.coalitions, after.map(CoalitionId)).take(limit as usize).cloned().collect()
    })
    .await?;
    Ok(Json(Page::new(items, limit, |c: &Coalition| c.id.to_string())))
}

/// One coalition: its leads and participants.
#[utoipa::path(get, path = "/api/v1/coalitions/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Coalition), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_coalition(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Coalition>, ApiError> {
    let id = CoalitionId(id);
    let c = read(&state, move |s| s.coalitions.get(&id).cloned()).await?;
    c.map(Json).ok_or(ApiError::Refused(Refusal::UnknownCoalition { coalition: id }))
}

/// Funds in id order.
#[utoipa::path(get, path = "/api/v1/funds", tag = "support", security(("bearer" = [])), params(IdPageQuery),
    responses((status = 200, body = Page<Fund>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_funds(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Fund>>, ApiError> {
    let (limit, after) = q.parse()?;
    let items =
        read(&state, move |s| from_cursor(&s.funds, after.map(FundId)).take(limit as usize).cloned().collect()).await?;
    Ok(Json(Page::new(items, limit, |f: &Fund| f.id.to_string())))
}

/// A fund with what has been contributed to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FundView {
    #[serde(flatten)]
    pub fund: Fund,
    /// How many pledges name the fund, cancelled ones left out (they were never given).
    pub contributions: u64,
    /// Their values summed per currency, in currency order: amounts in different currencies are
    /// never added without a dated rate.
    pub totals: Vec<Money>,
}

fn fund_view(s: &Support, fund: &Fund) -> Result<FundView, ApiError> {
    let mut totals: BTreeMap<Currency, Money> = BTreeMap::new();
    let mut contributions = 0u64;
    for p in s.contributions(fund.id).filter(|p| p.status != PledgeStatus::Cancelled) {
        contributions += 1;
        let v = p.terms.value;
        let sum = totals.entry(v.currency).or_insert_with(|| Money::zero(v.currency));
        *sum = sum.checked_add(v).map_err(|e| ApiError::Unprocessable("amount-overflow", e.to_string()))?;
    }
    Ok(FundView { fund: fund.clone(), contributions, totals: totals.into_values().collect() })
}

/// One fund, with its contributions' count and totals per currency.
#[utoipa::path(get, path = "/api/v1/funds/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = FundView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_fund(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<FundView>, ApiError> {
    let id = FundId(id);
    let view = read(&state, move |s| s.funds.get(&id).map(|f| fund_view(s, f))).await?;
    view.ok_or(ApiError::Refused(Refusal::UnknownFund { fund: id }))?.map(Json)
}

/// `?limit=&after=` on the donor list, paginated by country code.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DonorQuery {
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (an ISO 3166-1 alpha-3 code).
    #[param(value_type = Option<CountryCode>)]
    pub after: Option<String>,
}

/// Registered non-member donor states, in code order (members give support as members).
#[utoipa::path(get, path = "/api/v1/donors", tag = "support", security(("bearer" = [])), params(DonorQuery),
    responses((status = 200, body = Page<DonorState>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_donors(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<DonorQuery>,
) -> Result<Json<Page<DonorState>>, ApiError> {
    let limit = limit(q.limit)?;
    let after = country("after", q.after.as_deref())?;
    let items = read(&state, move |s| from_cursor(&s.donors, after).take(limit as usize).cloned().collect()).await?;
    Ok(Json(Page::new(items, limit, |d: &DonorState| d.code.to_string())))
}

/// `?from=&to=&limit=&after=` on exchange rates.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RateQuery {
    /// Only rates from this currency (ISO 4217).
    #[param(value_type = Option<Currency>)]
    pub from: Option<String>,
    /// Only rates to this currency (ISO 4217).
    #[param(value_type = Option<Currency>)]
    pub to: Option<String>,
    /// Items per page, 1 to 1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page (`FROM:TO:YYYY-MM-DD`).
    pub after: Option<String>,
}

/// A rate's place in the (from, to, day) order, the order rates are kept in.
type RateKey = (Currency, Currency, Date);

fn rate_key(r: &FxRate) -> RateKey {
    (r.from, r.to, r.on)
}

fn rate_cursor(r: &FxRate) -> String {
    format!("{}:{}:{}", r.from, r.to, r.on)
}

fn parse_rate_cursor(s: &str) -> Result<RateKey, ApiError> {
    let bad = || invalid("after", format!("{s:?} is not a cursor of this list (FROM:TO:YYYY-MM-DD)"));
    let mut parts = s.splitn(3, ':');
    let (Some(from), Some(to), Some(on)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    Ok((
        Currency::parse(from).map_err(|_| bad())?,
        Currency::parse(to).map_err(|_| bad())?,
        on.parse().map_err(|_| bad())?,
    ))
}

/// Recorded exchange rates, in (from, to, day) order.
#[utoipa::path(get, path = "/api/v1/exchange-rates", tag = "support", security(("bearer" = [])), params(RateQuery),
    responses((status = 200, body = Page<FxRate>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_rates(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<RateQuery>,
) -> Result<Json<Page<FxRate>>, ApiError> {
    let from = currency("from", q.from.as_deref())?;
    let to = currency("to", q.to.as_deref())?;
    let limit = limit(q.limit)?;
    let after = q.after.as_deref().map(parse_rate_cursor).transpose()?;
    let items = read(&state, move |s| {
        s.rates
            .iter()
            .filter(|r| after.is_none_or(|a| rate_key(r) > a))
            .filter(|r| from.is_none_or(|c| r.from == c) && to.is_none_or(|c| r.to == c))
            .take(limit as usize)
            .copied()
            .collect()
    })
    .await?;
    Ok(Json(Page::new(items, limit, rate_cursor)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_cursor_reads_back_as_its_key() {
        let r = FxRate {
            from: Currency::EUR,
            to: Currency::USD,
            rate: "1.0812".parse().unwrap(),
            on: "2024-01-02".parse().unwrap(),
        };
        assert_eq!(parse_rate_cursor(&rate_cursor(&r)).unwrap(), rate_key(&r));
        for bad in ["", "EUR", "EUR:USD", "EUR:USD:2024-13-01", "EUR:XYZ:2024-01-02"] {
            assert!(parse_rate_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_filter_values_name_their_parameter() {
        let q = PledgeQuery {
            donor: None,
            recipient: None,
            channel: Some("carrier_pigeon".into()),
            category: None,
            status: None,
            request: None,
            coalition: None,
            fund: None,
            lethal: None,
            announced_from: None,
            announced_to: None,
            limit: None,
            after: None,
        };
        let e = PledgeFilter::parse(&q).unwrap_err().to_string();
        assert!(e.contains("channel") && e.contains("carrier_pigeon"), "{e}");
        assert!(limit(Some(0)).is_err() && limit(Some(MAX_SUPPORT_LIMIT + 1)).is_err());
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
    }
}
