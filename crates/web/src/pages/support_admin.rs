//! `/support/pledges/{id}`: one pledge with its deliveries, and the forms its donor (or the
//! secretariat) changes it with, as the API does: its status moved forward or cancelled, and a
//! correction of its deliveries (the only way to record more than pledged, or to take a
//! delivery back). The status form also sits on each row of `/support`'s pledges; a refusal
//! from either is shown here, beside the form.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_core::support::{Money, Pledge, PledgeId, PledgeStatus, SupportCommand};
use concord_core::{Actor, Command, State as Domain};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;

use super::support::PLEDGE_STATUSES;
use super::{MarkingTag, page_with};
use crate::WebError;
use crate::forms::{Fields, Kept, Opt, csrf, field, kept, required, required_date, slug};
use crate::layout::Layout;
use crate::session::Viewer;

/// The pledge page and its forms.
pub(crate) fn routes() -> super::Routes {
    vec![
        ("/support/pledges/{id}", get(show)),
        ("/support/pledges/{id}/status", post(change_status)),
        ("/support/pledges/{id}/corrections", post(correct_deliveries)),
    ]
}

/// Whether `viewer` may change `p` (its status, its deliveries): its donor, or the secretariat.
#[must_use]
pub(crate) fn may_change(viewer: &Viewer, p: &Pledge) -> bool {
    match viewer.actor {
        Actor::Secretariat => true,
        Actor::Member(m) => m == p.terms.donor,
        _ => false,
    }
}

/// The statuses `p` may move to (rule 9: forward, or cancelled before delivered), after a first
/// empty choice so that none is chosen for the user; empty if it may not move at all.
#[must_use]
pub(crate) fn next_statuses(p: &Pledge, selected: &str) -> Vec<Opt> {
    let next: Vec<Opt> = PLEDGE_STATUSES
        .iter()
        .filter(|to| p.status.can_move_to(**to))
        .map(|to| Opt { value: slug(to), label: to.words().to_owned(), selected: slug(to) == selected })
        .collect();
    if next.is_empty() {
        return next;
    }
    let mut opts = vec![Opt { value: String::new(), label: "choose a status".into(), selected: selected.is_empty() }];
    opts.extend(next);
    opts
}

#[derive(Debug, Clone)]
pub struct DeliveryLine {
    pub id: u64,
    pub on: String,
    pub quantity: i64,
    pub value: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "pledge.html")]
struct PledgePage {
    layout: Layout,
    id: u64,
    summary: String,
    status: &'static str,
    delivered: String,
    /// The value field's label, in the pledge's currency.
    value_label: String,
    marking: MarkingTag,
    deliveries: Vec<DeliveryLine>,
    /// The viewer is its donor or the secretariat.
    changes: bool,
    f_statuses: Vec<Opt>,
    status_form: Kept,
    correction_form: Kept,
}

/// The pledge `id` as the viewer may read it, or not found (the same answer whether it does not
/// exist or is not released to the viewer).
fn readable<'a>(s: &'a Domain, viewer: &Viewer, id: &str) -> Result<&'a Pledge, WebError> {
    let missing = || WebError::NotFound(format!("There is no pledge {id:?}."));
    let id = id.parse::<PledgeId>().map_err(|_| missing())?;
    s.support.pledges.get(&id).filter(|p| s.may_see(viewer.reader(), *p)).ok_or_else(missing)
}

fn build(s: &Domain, viewer: &Viewer, p: &Pledge, status_form: Kept, correction_form: Kept) -> PledgePage {
    let t = &p.terms;
    let deliveries = s
        .support
        .deliveries_of(p.id)
        .map(|d| DeliveryLine {
            id: d.id.get(),
            on: d.delivered_on.to_string(),
            quantity: d.quantity,
            value: format!("{} {}", d.value.decimal(), d.value.currency.as_str()),
            what: match (&d.correction, &d.receipt) {
                (Some(reason), _) => format!("correction: {reason}"),
                (None, Some(_)) => "delivery, receipt confirmed by the partner".into(),
                (None, None) => "delivery, receipt not confirmed".into(),
            },
        })
        .collect();
    let changes = may_change(viewer, p);
    PledgePage {
        layout: Layout::new(Some(viewer), format!("Pledge {}", p.id.get()), "/support"),
        id: p.id.get(),
        summary: format!(
            "{} × {} from {} to {} ({}, {}), worth {} {}",
            t.quantity,
            t.item,
            t.donor,
            t.recipient,
            t.channel.words(),
            t.category.words(),
            t.value.decimal(),
            t.value.currency.as_str()
        ),
        status: p.status.words(),
        delivered: super::support::delivered_words(p),
        value_label: format!("Value to add, in {} (negative to take back)", t.value.currency.as_str()),
        marking: MarkingTag::of(concord_core::Marked::marking_in(p, s)),
        deliveries,
        changes,
        f_statuses: if changes { next_statuses(p, status_form.get("status")) } else { Vec::new() },
        status_form,
        correction_form,
    }
}

/// `GET /support/pledges/{id}`.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, WebError> {
    let view = state.view().await;
    let p = readable(&view.state, &viewer, &id)?;
    page_with(StatusCode::OK, &build(&view.state, &viewer, p, Kept::default(), Kept::default()))
}

/// The pledge posted to, if the viewer may change it; refused (403) otherwise, as the API does.
async fn changeable(state: &AppState, viewer: &Viewer, id: &str) -> Result<PledgeId, WebError> {
    let view = state.view().await;
    let p = readable(&view.state, viewer, id)?;
    if may_change(viewer, p) {
        Ok(p.id)
    } else {
        Err(WebError::Forbidden("Only the pledge's donor, or the secretariat, changes a pledge.".into()))
    }
}

/// Submits as the API does; on success back to `to`, else the pledge page with the refusal
/// beside the form (`which`: 0 status, 1 correction).
async fn submit(
    state: &AppState,
    viewer: Viewer,
    pledge: PledgeId,
    command: SupportCommand,
    (mut kept, which, fields): (Kept, usize, &[&str]),
    to: String,
) -> Result<Response, WebError> {
    let by = Some(format!("user:{}", viewer.user));
    match state.sequencer().submit(viewer.actor, by, Command::Support(command), None).await {
        Ok(_) => Ok(Redirect::to(&to).into_response()),
        Err(SubmitError::Refused(r)) => {
            kept.errors.refusal(&r, fields);
            again(state, &viewer, pledge, kept, which).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn again(
    state: &AppState,
    viewer: &Viewer,
    pledge: PledgeId,
    kept: Kept,
    which: usize,
) -> Result<Response, WebError> {
    let view = state.view().await;
    let p = readable(&view.state, viewer, &pledge.get().to_string())?;
    let (status, correction) = if which == 0 { (kept, Kept::default()) } else { (Kept::default(), kept) };
    page_with(StatusCode::UNPROCESSABLE_ENTITY, &build(&view.state, viewer, p, status, correction))
}

/// `POST /support/pledges/{id}/status` (its donor, or the secretariat).
pub async fn change_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let pledge = changeable(&state, &viewer, &id).await?;
    let mut k = kept(&fields);
    let Some(status) = required::<PledgeStatus>(&mut k.errors, &fields, "status", "the pledge's next status") else {
        return again(&state, &viewer, pledge, k, 0).await;
    };
    let to = format!("/support/pledges/{}", pledge.get());
    submit(&state, viewer, pledge, SupportCommand::ChangePledgeStatus { pledge, status }, (k, 0, &["status"]), to).await
}

/// A signed whole number, or the error beside `name`.
fn signed_count(k: &mut Kept, fields: &Fields, name: &str) -> Option<i64> {
    let v = field(fields, name).parse().ok();
    if v.is_none() {
        k.errors.add(name, "enter a whole number: negative takes back what was recorded");
    }
    v
}

/// A signed decimal in the pledge's currency (`-1250.50`), or the error beside `value`.
fn signed_value(k: &mut Kept, fields: &Fields, currency: concord_core::support::Currency) -> Option<Money> {
    let typed = field(fields, "value");
    let (negative, digits) = typed.strip_prefix('-').map_or((false, typed), |d| (true, d.trim_start()));
    let m = Money::parse_decimal(digits, currency)
        .and_then(|m| if negative { Money::new(-m.minor_units, currency) } else { Ok(m) });
    match m {
        Ok(m) => Some(m),
        Err(e) => {
            let c = currency.as_str();
            k.errors.add("value", format!("enter an amount in {c} such as 1250.50, or -1250.50 to take back: {e}"));
            None
        }
    }
}

/// `POST /support/pledges/{id}/corrections` (its donor, or the secretariat): signed deltas of
/// the delivered quantity and value, with the reason the log keeps.
pub async fn correct_deliveries(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let pledge = changeable(&state, &viewer, &id).await?;
    let currency = state.view().await.state.support.pledges.get(&pledge).map(|p| p.terms.value.currency);
    let currency = currency.ok_or_else(|| WebError::NotFound(format!("There is no pledge {id:?}.")))?;
    let mut k = kept(&fields);
    let quantity = signed_count(&mut k, &fields, "quantity");
    let value = signed_value(&mut k, &fields, currency);
    let delivered_on = required_date(
        &mut k.errors,
        "delivered_on",
        field(&fields, "delivered_on"),
        "enter the date the correction is for, as YYYY-MM-DD",
    );
    let reason = field(&fields, "reason").to_owned();
    if reason.is_empty() {
        k.errors.add("reason", "say why the deliveries are corrected");
    }
    let (Some(quantity), Some(value), Some(delivered_on), false) = (quantity, value, delivered_on, reason.is_empty())
    else {
        return again(&state, &viewer, pledge, k, 1).await;
    };
    let command = SupportCommand::CorrectDeliveries { pledge, delivered_on, quantity, value, reason };
    let names = ["delivered_on", "quantity", "value"];
    let to = format!("/support/pledges/{}#deliveries", pledge.get());
    submit(&state, viewer, pledge, command, (k, 1, &names), to).await
}
