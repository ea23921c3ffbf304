//! `/support`: the partner's requests and their coverage, pledges and deliveries, with filters,
//! and the forms (`support_forms`) a partner files its requests and a member its pledges with.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use concord_core::support::{
    Capability, Channel, Currency, PledgeId, PledgeStatus, Priority, RangeClass, RequestStatus, SupportCategory,
    ValuationMethod,
};
use concord_core::{Actor, CountryCode, Marked, State as Domain};
use concord_server::AppState;
use serde::Deserialize;

use super::support_admin::{may_change, next_statuses};
use super::{MarkingTag, page_with};
use crate::WebError;
use crate::forms::{Kept, Opt, options, slug};
use crate::layout::Layout;
use crate::reports;
use crate::session::Viewer;

/// The support page; its forms are `support_forms`.
pub(crate) fn routes() -> super::Routes {
    vec![("/support", get(show))]
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

impl Filters {
    /// The view of a form's author, shown again after a refusal: a partner's own requests, a
    /// member's own pledges.
    pub(super) fn own(actor: Actor) -> Self {
        match actor {
            Actor::Partner(c) => Self { partner: c.to_string(), ..Self::default() },
            Actor::Member(c) => Self { donor: c.to_string(), ..Self::default() },
            _ => Self::default(),
        }
    }
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

pub(super) async fn render(
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

/// What was delivered against `p`: "40 (1250.00 EUR)".
pub(crate) fn delivered_words(p: &concord_core::support::Pledge) -> String {
    format!("{} ({} {})", p.delivered_quantity, p.delivered_value.decimal(), p.delivered_value.currency.as_str())
}
