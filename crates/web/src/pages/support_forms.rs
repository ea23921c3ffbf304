//! The forms of `/support`: a partner files and withdraws its own requests and confirms what it
//! received; a member records its own pledges and their deliveries. A refusal shows the page
//! again with the error beside the field it is about.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use concord_core::support::{
    Capability, Channel, CoalitionId, Currency, DeliveryId, FundId, Money, PledgeId, PledgeTerms, Priority, RangeClass,
    RequestId, RequestTerms, SupportCategory, SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;

use super::support::{Filters, render};
use crate::WebError;
use crate::forms::{Fields, Kept, csrf, field, kept, optional_id, parse_count, parse_date, required, required_date};
use crate::session::Viewer;

/// The support page's forms; the page itself is `support::routes`.
pub(crate) fn routes() -> super::Routes {
    vec![
        ("/support/requests", post(file_request)),
        ("/support/requests/{id}/withdraw", post(withdraw_request)),
        ("/support/pledges", post(record_pledge)),
        ("/support/deliveries", post(record_delivery)),
        ("/support/deliveries/{id}/confirm", post(confirm_receipt)),
    ]
}

/// Submits; on success back to the list, else the page again with the form's errors.
async fn submit(
    state: &AppState,
    viewer: Viewer,
    command: Command,
    mut kept: Kept,
    which: usize,
    fields: &[&str],
    to: String,
) -> Result<Response, WebError> {
    match state.sequencer().submit(viewer.actor, Some(format!("user:{}", viewer.user)), command, None).await {
        Ok(_) => Ok(Redirect::to(&to).into_response()),
        Err(SubmitError::Refused(r)) => {
            kept.errors.refusal(&r, fields);
            again(state, viewer, kept, which).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn again(state: &AppState, viewer: Viewer, kept: Kept, which: usize) -> Result<Response, WebError> {
    let mut forms: [Kept; 3] = Default::default();
    forms[which] = kept;
    let filters = Filters::own(viewer.actor);
    render(state, viewer, filters, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /support/requests` (a partner, for itself).
pub async fn file_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let Actor::Partner(partner) = viewer.actor else {
        return Err(WebError::Forbidden("Only a partner files requests.".into()));
    };
    let mut k = kept(&fields);
    let e = &mut k.errors;
    let category = required::<SupportCategory>(e, &fields, "category", "a category");
    let capability = required::<Capability>(e, &fields, "capability", "a capability");
    let priority = required::<Priority>(e, &fields, "priority", "a priority");
    let quantity = parse_count(e, "quantity", field(&fields, "quantity"));
    let needed_by = parse_date(e, "needed_by", field(&fields, "needed_by"));
    let description = field(&fields, "description").to_owned();
    let unit = field(&fields, "unit").to_owned();
    let (Some(category), Some(capability), Some(priority), Some(quantity), Some(needed_by)) =
        (category, capability, priority, quantity, needed_by)
    else {
        return again(&state, viewer, k, 0).await;
    };
    let request = RequestTerms { partner, category, capability, description, quantity, unit, priority, needed_by };
    let to = format!("/support?partner={partner}#requests");
    submit(
        &state,
        viewer,
        SupportCommand::FileRequest { request }.into(),
        k,
        0,
        &["category", "capability", "description", "quantity", "unit", "priority", "needed_by"],
        to,
    )
    .await
}

/// `POST /support/requests/{id}/withdraw` (the partner that filed it).
pub async fn withdraw_request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let Actor::Partner(partner) = viewer.actor else {
        return Err(WebError::Forbidden("Only a partner withdraws its requests.".into()));
    };
    let id = id.parse::<RequestId>().map_err(|_| WebError::NotFound(format!("There is no request {id:?}.")))?;
    let reason = Some(field(&fields, "reason").to_owned()).filter(|r| !r.is_empty());
    let to = format!("/support?partner={partner}#requests");
    submit(&state, viewer, SupportCommand::WithdrawRequest { request: id, reason }.into(), kept(&fields), 0, &[], to)
        .await
}

/// `POST /support/deliveries/{id}/confirm` (the partner it was delivered to).
pub async fn confirm_receipt(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let Actor::Partner(partner) = viewer.actor else {
        return Err(WebError::Forbidden("Only the partner it was delivered to confirms a delivery.".into()));
    };
    let id = id.parse::<DeliveryId>().map_err(|_| WebError::NotFound(format!("There is no delivery {id:?}.")))?;
    let note = Some(field(&fields, "note").to_owned()).filter(|n| !n.is_empty());
    // Confirmed from the dashboard's list of receipts to confirm: back there.
    let to = if field(&fields, "back") == "dashboard" {
        "/#todo".to_owned()
    } else {
        format!("/support?partner={partner}#deliveries")
    };
    submit(&state, viewer, SupportCommand::ConfirmReceipt { delivery: id, note }.into(), kept(&fields), 2, &[], to)
        .await
}

/// `POST /support/pledges` (a member, for itself).
pub async fn record_pledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let Actor::Member(donor) = viewer.actor else {
        return Err(WebError::Forbidden("Only a member delegation records its pledges here.".into()));
    };
    let mut k = kept(&fields);
    let e = &mut k.errors;
    let recipient = CountryCode::parse(field(&fields, "recipient")).ok();
    if recipient.is_none() {
        e.add("recipient", "choose the partner receiving it");
    }
    let request = optional_id::<RequestId>(e, &fields, "request", "a request");
    let coalition = optional_id::<CoalitionId>(e, &fields, "coalition", "a coalition");
    let fund = optional_id::<FundId>(e, &fields, "fund", "a fund");
    let channel = required::<Channel>(e, &fields, "channel", "a channel");
    let category = required::<SupportCategory>(e, &fields, "category", "a category");
    let capability = required::<Capability>(e, &fields, "capability", "a capability");
    let range = required::<RangeClass>(e, &fields, "range", "a range class");
    let valuation = required::<ValuationMethod>(e, &fields, "valuation", "a valuation method");
    let quantity = parse_count(e, "quantity", field(&fields, "quantity"));
    let announced_on = parse_date(e, "announced_on", field(&fields, "announced_on"));
    let value = match Currency::parse(field(&fields, "currency")) {
        Ok(c) => match Money::parse_decimal(field(&fields, "value"), c) {
            Ok(m) => Some(m),
            Err(err) => {
                e.add("value", format!("enter an amount such as 1250000.50: {err}"));
                None
            }
        },
        Err(_) => {
            e.add("currency", "choose a currency");
            None
        }
    };
    let (
        Some(recipient),
        Some(request),
        Some(coalition),
        Some(fund),
        Some(channel),
        Some(category),
        Some(capability),
        Some(range),
        Some(valuation),
        Some(quantity),
        Some(announced_on),
        Some(value),
    ) = (
        recipient,
        request,
        coalition,
        fund,
        channel,
        category,
        capability,
        range,
        valuation,
        quantity,
        announced_on,
        value,
    )
    else {
        return again(&state, viewer, k, 1).await;
    };
    let pledge = PledgeTerms {
        donor,
        recipient,
        request,
        channel,
        coalition,
        fund,
        category,
        capability,
        range,
        item: field(&fields, "item").into(),
        quantity,
        value,
        valuation,
        announced_on,
        source_ref: None,
        authorised_by: None,
    };
    let to = format!("/support?donor={donor}#pledges");
    let names = [
        "recipient",
        "request",
        "channel",
        "coalition",
        "fund",
        "category",
        "capability",
        "range",
        "item",
        "quantity",
        "value",
        "currency",
        "valuation",
        "announced_on",
    ];
    submit(&state, viewer, SupportCommand::RecordPledge { pledge, status: None }.into(), k, 1, &names, to).await
}

/// `POST /support/deliveries` (the donor member, against its own pledge).
pub async fn record_delivery(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let Actor::Member(donor) = viewer.actor else {
        return Err(WebError::Forbidden("Only a member delegation records its deliveries here.".into()));
    };
    let mut k = kept(&fields);
    let e = &mut k.errors;
    let pledge = field(&fields, "pledge").parse().ok().and_then(PledgeId::new);
    if pledge.is_none() {
        e.add("pledge", "choose the pledge delivered");
    }
    let quantity = parse_count(e, "quantity", field(&fields, "quantity"));
    let on = required_date(e, "delivered_on", field(&fields, "delivered_on"), "enter the delivery date as YYYY-MM-DD");
    // The delivery's value is in its pledge's currency.
    let currency = match pledge {
        Some(p) => state.view().await.state.support.pledges.get(&p).map(|x| x.terms.value.currency),
        None => None,
    };
    let value = match currency {
        Some(c) => match Money::parse_decimal(field(&fields, "value"), c) {
            Ok(m) => Some(m),
            Err(err) => {
                k.errors.add("value", format!("enter an amount in {} such as 1250000.50: {err}", c.as_str()));
                None
            }
        },
        None => {
            k.errors.add("pledge", "choose one of your pledges");
            None
        }
    };
    let (Some(pledge), Some(quantity), Some(delivered_on), Some(value)) = (pledge, quantity, on, value) else {
        return again(&state, viewer, k, 2).await;
    };
    let to = format!("/support?donor={donor}#deliveries");
    submit(
        &state,
        viewer,
        SupportCommand::RecordDelivery { pledge, delivered_on, quantity, value }.into(),
        k,
        2,
        &["pledge", "delivered_on", "quantity", "value"],
        to,
    )
    .await
}
