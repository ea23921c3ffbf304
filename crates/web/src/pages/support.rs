//! `/support`: the partner's requests and their coverage (a partner files and withdraws its
//! own), pledges and deliveries (a member files its own), with filters.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_core::support::{
    Capability, Channel, CoalitionId, Currency, DeliveryId, FundId, Money, PledgeId, PledgeStatus, PledgeTerms,
    Priority, RangeClass, RequestId, RequestStatus, RequestTerms, SupportCategory, SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode, Marked, State as Domain};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;
use serde::Deserialize;

use super::support_admin::{may_change, next_statuses};
use super::{MarkingTag, page_with};
use crate::WebError;
use crate::forms::{FieldErrors, Opt, options, parse_count, parse_date, parse_enum, required_date, slug};
use crate::layout::Layout;
use crate::reports;
use crate::session::Viewer;

/// The support page and its forms.
pub(crate) fn routes() -> super::Routes {
    vec![
        ("/support", get(show)),
        ("/support/requests", post(file_request)),
        ("/support/requests/{id}/withdraw", post(withdraw_request)),
        ("/support/pledges", post(record_pledge)),
        ("/support/deliveries", post(record_delivery)),
        ("/support/deliveries/{id}/confirm", post(confirm_receipt)),
    ]
}

pub(crate) const CAPABILITIES: [Capability; 12] = [
    Capability::AirForce,
    Capability::AirDefence,
    Capability::Artillery,
    Capability::Armour,
    Capability::Maritime,
    Capability::It,
    Capability::Demining,
    Capability::Drones,
    Capability::Medical,
    Capability::Logistics,
    Capability::Training,
    Capability::Other,
];
const PRIORITIES: [Priority; 4] = [Priority::Critical, Priority::High, Priority::Medium, Priority::Low];
const RANGES: [RangeClass; 4] = [RangeClass::NotApplicable, RangeClass::Short, RangeClass::Medium, RangeClass::Long];
const VALUATIONS: [ValuationMethod; 4] = [
    ValuationMethod::ReportedByDonor,
    ValuationMethod::MarketPriceEstimate,
    ValuationMethod::PriceListEstimate,
    ValuationMethod::Unknown,
];
const REQUEST_STATUSES: [RequestStatus; 5] = [
    RequestStatus::Open,
    RequestStatus::PartiallyCovered,
    RequestStatus::Covered,
    RequestStatus::Closed,
    RequestStatus::Withdrawn,
];
pub(crate) const PLEDGE_STATUSES: [PledgeStatus; 6] = [
    PledgeStatus::Announced,
    PledgeStatus::Committed,
    PledgeStatus::Allocated,
    PledgeStatus::PartiallyDelivered,
    PledgeStatus::Delivered,
    PledgeStatus::Cancelled,
];

/// `?partner=&status=&category=&donor=&channel=&lethal=&pledge_status=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    partner: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    donor: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    lethal: String,
    #[serde(default)]
    pledge_status: String,
}

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: u64,
    pub partner: String,
    pub category: &'static str,
    pub capability: &'static str,
    pub description: String,
    pub quantity: String,
    pub priority: &'static str,
    pub needed_by: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub pledged: u64,
    pub delivered: u64,
    pub percent: u64,
    /// The viewer (its partner) may withdraw it.
    pub withdrawable: bool,
    pub marking: MarkingTag,
}

#[derive(Debug, Clone)]
pub struct PledgeRow {
    pub id: PledgeId,
    pub donor: String,
    pub recipient: String,
    pub channel: &'static str,
    pub category: &'static str,
    pub lethal: &'static str,
    pub range: &'static str,
    pub item: String,
    pub quantity: u64,
    pub value: String,
    pub status: &'static str,
    pub delivered: String,
    pub request: String,
    pub marking: MarkingTag,
    /// The statuses the viewer (its donor, or the secretariat) may move it to; empty: no form.
    pub next_statuses: Vec<Opt>,
    /// The viewer may change it: the status form and the link to correct its deliveries.
    pub changeable: bool,
}

#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: u64,
    pub pledge: u64,
    pub donor: String,
    pub on: String,
    pub quantity: i64,
    pub value: String,
    pub receipt: &'static str,
    /// The viewer is the partner it was delivered to, and has not confirmed it yet.
    pub confirmable: bool,
}

/// A form's typed values and errors, shown again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub fields: std::collections::BTreeMap<String, String>,
    pub errors: FieldErrors,
}

impl Kept {
    #[must_use]
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "support.html")]
struct SupportPage {
    layout: Layout,
    filters: Filters,
    requests: Vec<RequestRow>,
    pledges: Vec<PledgeRow>,
    deliveries: Vec<DeliveryRow>,
    partner_opts: Vec<Opt>,
    status_opts: Vec<Opt>,
    category_opts: Vec<Opt>,
    channel_opts: Vec<Opt>,
    donor_opts: Vec<Opt>,
    pledge_status_opts: Vec<Opt>,
    /// The viewer files requests (a partner) / pledges and deliveries (a member).
    files_requests: bool,
    files_pledges: bool,
    /// The viewer changes pledges (its own as a member; any as the secretariat).
    changes_pledges: bool,
    request_form: Kept,
    pledge_form: Kept,
    delivery_form: Kept,
    f_categories: Vec<Opt>,
    f_capabilities: Vec<Opt>,
    f_priorities: Vec<Opt>,
    f_recipients: Vec<Opt>,
    f_requests: Vec<Opt>,
    f_channels: Vec<Opt>,
    f_ranges: Vec<Opt>,
    f_valuations: Vec<Opt>,
    f_currencies: Vec<Opt>,
    f_coalitions: Vec<Opt>,
    /// The alliance's funds, for a pledge on the alliance-fund channel.
    f_funds: Vec<Opt>,
    f_my_pledges: Vec<Opt>,
}

fn request_class(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Open => "st-object",
        RequestStatus::PartiallyCovered => "st-reservation",
        RequestStatus::Covered | RequestStatus::Closed => "st-concur",
        RequestStatus::Withdrawn => "st-none",
    }
}

fn with_any(mut v: Vec<Opt>, any: &str, selected: &str) -> Vec<Opt> {
    v.insert(0, Opt { value: String::new(), label: any.to_owned(), selected: selected.is_empty() });
    v
}

fn code_opts(codes: impl Iterator<Item = (CountryCode, String)>, selected: &str) -> Vec<Opt> {
    codes
        .map(|(c, name)| Opt {
            value: c.to_string(), label: format!("{c} — {name}"), selected: c.as_str() == selected
        })
        .collect()
}

/// The most rows a list (requests, pledges, deliveries) or a choice of the forms shows: a page
/// stays small and quick to build however long the history; filters narrow it, and the API
/// pages through everything.
const SHOWN: usize = 100;

/// Builds the page from the state (on the sequencer: short, since every list stops at [`SHOWN`]).
fn build(s: &Domain, viewer: &Viewer, f: Filters, forms: [Kept; 3]) -> SupportPage {
    let sup = &s.support;
    let [request_form, pledge_form, delivery_form] = forms;
    let me_partner = match viewer.actor {
        Actor::Partner(c) => Some(c),
        _ => None,
    };
    let me_member = match viewer.actor {
        Actor::Member(c) => Some(c),
        _ => None,
    };
    let reader = viewer.reader();
    let requests = sup
        .requests
        .values()
        .rev()
        .filter(|r| s.may_see(reader, *r))
        .filter_map(|r| Some((r, reports::coverage(sup, r.id)?)))
        .filter(|(r, _)| f.partner.is_empty() || r.terms.partner.as_str() == f.partner)
        .filter(|(r, _)| f.category.is_empty() || slug(&r.terms.category) == f.category)
        .filter(|(_, c)| f.status.is_empty() || slug(&c.status) == f.status)
        .map(|(r, c)| RequestRow {
            id: r.id.get(),
            partner: r.terms.partner.to_string(),
            category: r.terms.category.words(),
            capability: r.terms.capability.words(),
            description: r.terms.description.clone(),
            quantity: format!("{} {}", r.terms.quantity, r.terms.unit),
            priority: r.terms.priority.words(),
            needed_by: r.terms.needed_by.map(|d| d.to_string()).unwrap_or_default(),
            status: c.status.words(),
            status_class: request_class(c.status),
            pledged: c.pledged,
            delivered: c.delivered,
            percent: (c.pledged.min(c.requested) * 100).checked_div(c.requested).unwrap_or(0),
            withdrawable: me_partner == Some(r.terms.partner) && c.status != RequestStatus::Withdrawn,
            marking: MarkingTag::of(r.marking_in(s)),
        })
        .take(SHOWN)
        .collect();
    // Deliveries are listed for the pledges shown, so they pass the same rule as their pledge.
    let pledges: Vec<PledgeRow> = sup
        .pledges
        .values()
        .rev()
        .filter(|p| s.may_see(reader, *p))
        .filter(|p| f.donor.is_empty() || p.terms.donor.as_str() == f.donor)
        .filter(|p| f.channel.is_empty() || slug(&p.terms.channel) == f.channel)
        .filter(|p| f.pledge_status.is_empty() || slug(&p.status) == f.pledge_status)
        .filter(|p| match f.lethal.as_str() {
            "yes" => p.is_lethal(),
            "no" => !p.is_lethal(),
            _ => true,
        })
        .map(|p| PledgeRow {
            id: p.id,
            donor: p.terms.donor.to_string(),
            recipient: p.terms.recipient.to_string(),
            channel: p.terms.channel.words(),
            category: p.terms.category.words(),
            lethal: if p.is_lethal() { "lethal" } else { "non-lethal" },
            range: p.terms.range.words(),
            item: p.terms.item.to_string(),
            quantity: p.terms.quantity,
            value: format!("{} {}", p.terms.value.decimal(), p.terms.value.currency.as_str()),
            status: p.status.words(),
            delivered: delivered_words(p),
            request: p.terms.request.map(|r| r.to_string()).unwrap_or_default(),
            marking: MarkingTag::of(p.marking_in(s)),
            changeable: may_change(viewer, p),
            next_statuses: if may_change(viewer, p) { next_statuses(p, "") } else { Vec::new() },
        })
        .take(SHOWN)
        .collect();
    let mut shown: Vec<&concord_core::support::Delivery> =
        pledges.iter().flat_map(|p| sup.deliveries_of(p.id)).collect();
    shown.sort_by_key(|d| std::cmp::Reverse(d.id));
    let deliveries = shown
        .into_iter()
        .take(SHOWN)
        .map(|d| DeliveryRow {
            id: d.id.get(),
            pledge: d.pledge.get(),
            donor: sup.pledges.get(&d.pledge).map(|p| p.terms.donor.to_string()).unwrap_or_default(),
            on: d.delivered_on.to_string(),
            quantity: d.quantity,
            value: format!("{} {}", d.value.decimal(), d.value.currency.as_str()),
            receipt: if d.receipt.is_some() { "confirmed by the partner" } else { "not confirmed" },
            confirmable: d.receipt.is_none()
                && !d.is_correction()
                && me_partner.is_some_and(|m| sup.pledges.get(&d.pledge).is_some_and(|p| p.terms.recipient == m)),
        })
        .collect();
    let partners = || s.partners.values().map(|p| (p.code, p.name.clone()));
    let mut donors: Vec<(CountryCode, String)> = s.members.values().map(|m| (m.code, m.name.clone())).collect();
    donors.extend(sup.donors.values().map(|d| (d.code, d.name.clone())));
    donors.sort();
    let rf = &request_form;
    let pf = &pledge_form;
    let df = &delivery_form;
    let or = |v: &str, d: &str| if v.is_empty() { d.to_owned() } else { v.to_owned() };
    let f_requests = with_any(
        sup.requests
            .values()
            .rev()
            .filter(|r| s.may_see(reader, *r))
            .filter(|r| reports::coverage(sup, r.id).is_some_and(|c| c.status != RequestStatus::Withdrawn))
            .take(SHOWN)
            .map(|r| Opt {
                value: r.id.to_string(),
                label: format!("{}: {} ({})", r.id, r.terms.description, r.terms.partner),
                selected: r.id.to_string() == pf.get("request"),
            })
            .collect(),
        "none",
        pf.get("request"),
    );
    let f_coalitions = with_any(
        sup.coalitions
            .values()
            .filter(|c| s.may_see(reader, *c) && me_member.is_some_and(|m| c.is_participant(m)))
            .map(|c| Opt {
                value: c.id.to_string(),
                label: c.terms.name.clone(),
                selected: c.id.to_string() == pf.get("coalition"),
            })
            .collect(),
        "none",
        pf.get("coalition"),
    );
    let f_funds = with_any(
        sup.funds
            .values()
            .filter(|f| s.may_see(reader, *f))
            .map(|f| Opt {
                value: f.id.to_string(),
                label: format!("{} ({})", f.terms.name, f.terms.policy.words()),
                selected: f.id.to_string() == pf.get("fund"),
            })
            .collect(),
        "none",
        pf.get("fund"),
    );
    // Only a member delivers against its pledges: for anyone else, no scan for pledges of theirs.
    let f_my_pledges = sup
        .pledges
        .values()
        .rev()
        .take_while(|_| me_member.is_some())
        .filter(|p| me_member == Some(p.terms.donor) && p.status != PledgeStatus::Cancelled)
        .take(SHOWN)
        .map(|p| Opt {
            value: p.id.to_string(),
            label: format!(
                "{}: {} × {} to {} ({})",
                p.id,
                p.terms.quantity,
                p.terms.item,
                p.terms.recipient,
                p.status.words()
            ),
            selected: p.id.to_string() == df.get("pledge"),
        })
        .collect();
    SupportPage {
        layout: Layout::new(
            Some(viewer),
            "Support",
            &match viewer.actor {
                Actor::Member(c) => format!("/support?donor={c}"),
                Actor::Partner(c) => format!("/support?partner={c}"),
                _ => "/support".to_owned(),
            },
        ),
        partner_opts: with_any(code_opts(partners(), &f.partner), "any partner", &f.partner),
        status_opts: with_any(options(&REQUEST_STATUSES, |x| x.words().to_owned(), &f.status), "any status", &f.status),
        category_opts: with_any(
            options(&SupportCategory::ALL, |x| x.words().to_owned(), &f.category),
            "any category",
            &f.category,
        ),
        channel_opts: with_any(options(&Channel::ALL, |x| x.words().to_owned(), &f.channel), "any channel", &f.channel),
        donor_opts: with_any(code_opts(donors.into_iter(), &f.donor), "any donor", &f.donor),
        pledge_status_opts: with_any(
            options(&PLEDGE_STATUSES, |x| x.words().to_owned(), &f.pledge_status),
            "any status",
            &f.pledge_status,
        ),
        files_requests: me_partner.is_some(),
        files_pledges: me_member.is_some(),
        changes_pledges: matches!(viewer.actor, Actor::Member(_) | Actor::Secretariat),
        f_categories: options(
            &SupportCategory::ALL,
            |x| x.words().to_owned(),
            &or(if me_partner.is_some() { rf.get("category") } else { pf.get("category") }, "medical"),
        ),
        f_capabilities: options(
            &CAPABILITIES,
            |x| x.words().to_owned(),
            &or(if me_partner.is_some() { rf.get("capability") } else { pf.get("capability") }, "medical"),
        ),
        f_priorities: options(&PRIORITIES, |x| x.words().to_owned(), &or(rf.get("priority"), "high")),
        f_recipients: code_opts(partners(), pf.get("recipient")),
        f_requests,
        f_channels: options(&Channel::ALL, |x| x.words().to_owned(), &or(pf.get("channel"), "bilateral")),
        f_ranges: options(&RANGES, |x| x.words().to_owned(), &or(pf.get("range"), "not_applicable")),
        f_valuations: options(&VALUATIONS, |x| x.words().to_owned(), &or(pf.get("valuation"), "reported_by_donor")),
        f_currencies: Currency::all()
            .map(|c| Opt {
                value: c.as_str().to_owned(),
                label: c.as_str().to_owned(),
                selected: c.as_str() == or(pf.get("currency"), "EUR"),
            })
            .collect(),
        f_coalitions,
        f_funds,
        f_my_pledges,
        filters: f,
        requests,
        pledges,
        deliveries,
        request_form,
        pledge_form,
        delivery_form,
    }
}

async fn render(
    state: &AppState,
    viewer: Viewer,
    f: Filters,
    forms: [Kept; 3],
    status: StatusCode,
) -> Result<Response, WebError> {
    let p = build(&state.view().await.state, &viewer, f, forms);
    page_with(status, &p)
}

/// `GET /support`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<Filters>,
) -> Result<Response, WebError> {
    render(&state, viewer, f, Default::default(), StatusCode::OK).await
}

/// The form fields as typed (all strings), and the anti-CSRF token.
pub(crate) type Fields = std::collections::BTreeMap<String, String>;

pub(crate) fn csrf(viewer: &Viewer, fields: &Fields) -> Result<(), WebError> {
    viewer.check_csrf(fields.get("csrf").map_or("", String::as_str))
}

pub(crate) fn kept(fields: &Fields) -> Kept {
    let mut fields = fields.clone();
    fields.remove("csrf");
    Kept { fields, errors: FieldErrors::default() }
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
    let filters = match viewer.actor {
        Actor::Partner(c) => Filters { partner: c.to_string(), ..Filters::default() },
        Actor::Member(c) => Filters { donor: c.to_string(), ..Filters::default() },
        _ => Filters::default(),
    };
    render(state, viewer, filters, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub(crate) fn field<'a>(fields: &'a Fields, k: &str) -> &'a str {
    fields.get(k).map_or("", |s| s.trim())
}

pub(crate) fn required<T: concord_core::words::Word>(
    errors: &mut FieldErrors,
    fields: &Fields,
    k: &str,
    what: &str,
) -> Option<T> {
    let v = parse_enum(field(fields, k));
    if v.is_none() {
        errors.add(k, format!("choose {what}"));
    }
    v
}

/// An optional id chosen from a list: none when empty.
fn optional_id<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    fields: &Fields,
    k: &str,
    what: &str,
) -> Option<Option<T>> {
    match field(fields, k) {
        "" => Some(None),
        v => {
            let id = v.parse().ok();
            if id.is_none() {
                errors.add(k, format!("choose {what} from the list, or none"));
            }
            id.map(Some)
        }
    }
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

/// What was delivered against `p`: "40 (1250.00 EUR)".
pub(crate) fn delivered_words(p: &concord_core::support::Pledge) -> String {
    format!("{} ({} {})", p.delivered_quantity, p.delivered_value.decimal(), p.delivered_value.currency.as_str())
}
