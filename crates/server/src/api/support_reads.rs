//! Reading support coordination over HTTP: requests with their coverage, pledges with their
//! delivery records, deliveries, coalitions, funds with their contributions, donor states and
//! exchange rates. Each caller reads what the markings release to it (`State::may_see`): a
//! request, pledge or delivery to the members and its partner; anything else answers as absent.
//!
//! Every read runs on the state the sequencer last published ([`AppState::view`]), so a client
//! that got a write's reply sees it on its next read, and no read holds up a write. The
//! closures walk the state's maps from a cursor and clone one page out.
//!
//! Lists are keyset-paginated like the others (`limit`, `after` = the previous page's `next`).
//! Filters are checked before anything is read: a bad value, or an unknown parameter (a
//! misspelt filter would otherwise silently return everything), is a 400 naming the parameter.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use concord_core::support::{
    Channel, CoalitionId, Coverage, Delivery, DeliveryId, FundId, Pledge, PledgeId, PledgeStatus, Priority, RequestId,
    RequestStatus, Support, SupportCategory, SupportRequest,
};
use concord_core::{CountryCode, Marked, Marking, Reader, Refusal};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Page;
use super::extract::{Path, Query};
use super::params::{IdPageQuery, country, from_cursor, id, limit, numbered, numbered_path, parsed, word};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", get(list_requests))
        .route("/api/v1/requests/{id}", get(show_request))
        .route("/api/v1/pledges", get(list_pledges))
        .route("/api/v1/pledges/{id}", get(show_pledge))
        .route("/api/v1/pledges/{id}/deliveries", get(list_pledge_deliveries))
        .route("/api/v1/deliveries/{id}", get(show_delivery))
}

/// Runs `read` on the support state as last published (it never waits for the sequencer).
pub(super) async fn read<T>(state: &AppState, read: impl FnOnce(&Support) -> T) -> T {
    read(&state.view().await.state.support)
}

/// Runs `read` on the whole state as last published, for the reads that ask the access rules.
pub(super) async fn read_state<T>(state: &AppState, read: impl FnOnce(&concord_core::State) -> T) -> T {
    read(&state.view().await.state)
}

/// A request as it stands: its terms, the ids of the pledges that answer it, its coverage, and
/// the marking it is read under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub request: SupportRequest,
    pub coverage: Coverage,
    pub marking: Marking,
}

/// `r` with its coverage, if `reader` may read it.
fn request_view(st: &concord_core::State, reader: Reader, r: &SupportRequest) -> Option<RequestView> {
    if !st.may_see(reader, r) {
        return None;
    }
    let coverage = st.support.coverage(r.id)?;
    Some(RequestView { request: r.clone(), coverage, marking: r.marking_in(st) })
}

/// A pledge in a list, with the marking it is read under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PledgeItem {
    #[serde(flatten)]
    pub pledge: Pledge,
    pub marking: Marking,
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
    caller: Caller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<Page<RequestView>>, ApiError> {
    let filter = RequestFilter::parse(&q)?;
    let limit = limit(q.limit)?;
    let after = id("after", q.after.as_deref())?;
    let items = read_state(&state, move |st| {
        from_cursor(&st.support.requests, after.and_then(RequestId::new))
            .filter_map(|r| request_view(st, caller.reader(), r))
            .filter(|v| filter.matches(v))
            .take(limit as usize)
            .collect()
    })
    .await;
    Ok(Json(Page::new(items, limit, |v| v.request.id.to_string())))
}

/// One request, with its coverage and the ids of the pledges linked to it.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = RequestView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_request(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<RequestView>, ApiError> {
    let id = numbered_path(id, RequestId::new)?;
    let view =
        read_state(&state, move |st| st.support.requests.get(&id).and_then(|r| request_view(st, caller.reader(), r)))
            .await;
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
    #[param(value_type = Option<u64>, minimum = 1)]
    pub request: Option<String>,
    /// Only pledges through this coalition.
    #[param(value_type = Option<u64>, minimum = 1)]
    pub coalition: Option<String>,
    /// Only pledges to this fund.
    #[param(value_type = Option<u64>, minimum = 1)]
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
            request: numbered("request", q.request.as_deref(), RequestId::new)?,
            coalition: numbered("coalition", q.coalition.as_deref(), CoalitionId::new)?,
            fund: numbered("fund", q.fund.as_deref(), FundId::new)?,
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
    responses((status = 200, body = Page<PledgeItem>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_pledges(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PledgeQuery>,
) -> Result<Json<Page<PledgeItem>>, ApiError> {
    let filter = PledgeFilter::parse(&q)?;
    let limit = limit(q.limit)?;
    let after = id("after", q.after.as_deref())?;
    let items = read_state(&state, move |st| {
        st.support
            .pledges
            .after(after.and_then(PledgeId::new))
            .filter(|p| filter.matches(p) && st.may_see(caller.reader(), *p))
            .take(limit as usize)
            .map(|p| PledgeItem { pledge: Pledge::clone(p), marking: p.marking_in(st) })
            .collect()
    })
    .await;
    Ok(Json(Page::new(items, limit, |p: &PledgeItem| p.pledge.id.to_string())))
}

/// A pledge with its delivery records (corrections included), oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PledgeView {
    #[serde(flatten)]
    pub pledge: Pledge,
    /// The records whose ids `deliveries` lists.
    pub delivery_records: Vec<Delivery>,
    /// The audience the pledge, and its deliveries, are released to.
    pub marking: Marking,
}

/// The pledge `id`, if `reader` may read it.
fn readable_pledge(st: &concord_core::State, reader: Reader, id: PledgeId) -> Option<&Pledge> {
    st.support.pledges.get(&id).filter(|p| st.may_see(reader, *p))
}

/// One pledge, with its delivery records.
#[utoipa::path(get, path = "/api/v1/pledges/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = PledgeView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_pledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<PledgeView>, ApiError> {
    let id = numbered_path(id, PledgeId::new)?;
    let view = read_state(&state, move |st| {
        let pledge = readable_pledge(st, caller.reader(), id)?;
        let delivery_records = st.support.deliveries_of(id).cloned().collect();
        Some(PledgeView { marking: pledge.marking_in(st), pledge: pledge.clone(), delivery_records })
    })
    .await;
    view.map(Json).ok_or(ApiError::Refused(Refusal::UnknownPledge { pledge: id }))
}

/// A pledge's delivery records (corrections included), in id order.
#[utoipa::path(get, path = "/api/v1/pledges/{id}/deliveries", tag = "support", security(("bearer" = [])),
    params(("id" = u64, Path), IdPageQuery),
    responses((status = 200, body = Page<Delivery>), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_pledge_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    let (limit, after) = q.parse()?;
    let id = numbered_path(id, PledgeId::new)?;
    // A delivery is marked as its pledge is: one readable pledge, all its deliveries.
    let items = read_state(&state, move |st| {
        readable_pledge(st, caller.reader(), id)?;
        let after = after.unwrap_or(0);
        Some(
            st.support
                .deliveries_of(id)
                .filter(|d| d.id.get() > after)
                .take(limit as usize)
                .cloned()
                .collect::<Vec<_>>(),
        )
    })
    .await;
    let items = items.ok_or(ApiError::Refused(Refusal::UnknownPledge { pledge: id }))?;
    Ok(Json(Page::new(items, limit, |d: &Delivery| d.id.to_string())))
}

/// One delivery record, with the partner's receipt once confirmed.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Delivery), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_delivery(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Delivery>, ApiError> {
    let id = numbered_path(id, DeliveryId::new)?;
    let d = read_state(&state, move |st| {
        st.support.deliveries.get(&id).filter(|d| st.may_see(caller.reader(), *d)).cloned()
    })
    .await;
    d.map(Json).ok_or(ApiError::Refused(Refusal::UnknownDelivery { delivery: id }))
}

#[cfg(test)]
mod tests {
    use super::super::DEFAULT_LIMIT;
    use super::super::params::MAX_SUPPORT_LIMIT;
    use super::*;

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
