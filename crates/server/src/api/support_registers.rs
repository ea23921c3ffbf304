//! Reading the registers support refers to: coalitions, funds with their contributions, donor
//! states and exchange rates. Like the other support reads ([`super::support_reads`]), each
//! caller reads what the markings release to it (`State::may_see`): coalitions and funds are
//! the members', donor states and rates public.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use concord_core::support::{
    Coalition, CoalitionId, Currency, DonorState, Fund, FundId, FxRate, Money, PledgeStatus, Support,
};
use concord_core::{CountryCode, Refusal};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Page;
use super::extract::{Path, Query};
use super::params::{IdPageQuery, country, currency, from_cursor, invalid, limit, numbered_path};
use super::support_reads::read_state;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/coalitions", get(list_coalitions))
        .route("/api/v1/coalitions/{id}", get(show_coalition))
        .route("/api/v1/funds", get(list_funds))
        .route("/api/v1/funds/{id}", get(show_fund))
        .route("/api/v1/donors", get(list_donors))
        .route("/api/v1/exchange-rates", get(list_rates))
}

/// Coalitions in id order.
#[utoipa::path(get, path = "/api/v1/coalitions", tag = "support", security(("bearer" = [])), params(IdPageQuery),
    responses((status = 200, body = Page<Coalition>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_coalitions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Coalition>>, ApiError> {
    let (limit, after) = q.parse()?;
    let items = read_state(&state, move |st| {
        from_cursor(&st.support.coalitions, after.and_then(CoalitionId::new))
            .filter(|c| st.may_see(caller.reader(), *c))
            .take(limit as usize)
            .cloned()
            .collect()
    })
    .await;
    Ok(Json(Page::new(items, limit, |c: &Coalition| c.id.to_string())))
}

/// One coalition: its leads and participants.
#[utoipa::path(get, path = "/api/v1/coalitions/{id}", tag = "support", security(("bearer" = [])), params(("id" = u64, Path)),
    responses((status = 200, body = Coalition), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show_coalition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Coalition>, ApiError> {
    let id = numbered_path(id, CoalitionId::new)?;
    let c = read_state(&state, move |st| {
        st.support.coalitions.get(&id).filter(|c| st.may_see(caller.reader(), *c)).cloned()
    })
    .await;
    c.map(Json).ok_or(ApiError::Refused(Refusal::UnknownCoalition { coalition: id }))
}

/// Funds in id order.
#[utoipa::path(get, path = "/api/v1/funds", tag = "support", security(("bearer" = [])), params(IdPageQuery),
    responses((status = 200, body = Page<Fund>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list_funds(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<IdPageQuery>,
) -> Result<Json<Page<Fund>>, ApiError> {
    let (limit, after) = q.parse()?;
    let items = read_state(&state, move |st| {
        from_cursor(&st.support.funds, after.and_then(FundId::new))
            .filter(|f| st.may_see(caller.reader(), *f))
            .take(limit as usize)
            .cloned()
            .collect()
    })
    .await;
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
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<FundView>, ApiError> {
    let id = numbered_path(id, FundId::new)?;
    let view = read_state(&state, move |st| {
        st.support.funds.get(&id).filter(|f| st.may_see(caller.reader(), *f)).map(|f| fund_view(&st.support, f))
    })
    .await;
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
    caller: Caller,
    Query(q): Query<DonorQuery>,
) -> Result<Json<Page<DonorState>>, ApiError> {
    let limit = limit(q.limit)?;
    let after = country("after", q.after.as_deref())?;
    let items = read_state(&state, move |st| {
        from_cursor(&st.support.donors, after)
            .filter(|d| st.may_see(caller.reader(), *d))
            .take(limit as usize)
            .cloned()
            .collect()
    })
    .await;
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
    caller: Caller,
    Query(q): Query<RateQuery>,
) -> Result<Json<Page<FxRate>>, ApiError> {
    let from = currency("from", q.from.as_deref())?;
    let to = currency("to", q.to.as_deref())?;
    let limit = limit(q.limit)?;
    let after = q.after.as_deref().map(parse_rate_cursor).transpose()?;
    let items = read_state(&state, move |st| {
        st.support
            .rates
            .iter()
            .filter(|r| st.may_see(caller.reader(), *r))
            .filter(|r| after.is_none_or(|a| rate_key(r) > a))
            .filter(|r| from.is_none_or(|c| r.from == c) && to.is_none_or(|c| r.to == c))
            .take(limit as usize)
            .copied()
            .collect()
    })
    .await;
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
}
