//! `/coalitions`: capability coalitions with their leads and participants, the alliance's funds
//! and the exchange rates the reports convert at, with the forms that record them as the API
//! does: the secretariat forms coalitions, sets up funds and records rates; a member joins a
//! coalition itself (as a participant, or a participant becomes a lead), the secretariat for any
//! donor state.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_core::support::{
    Capability, Channel, CoalitionId, CoalitionTerms, Currency, FundPolicy, FundTerms, FxRate, Rate, SupportCommand,
};
use concord_core::{Actor, Command, CountryCode, DecisionKind, Marking, ProposalId, ProposalStatus, State as Domain};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;

use super::support::CAPABILITIES;
use super::{MarkingTag, page_with};
use crate::WebError;
use crate::forms::{Fields, Kept, Opt, csrf, field, kept, options, parse_date, required, required_date};
use crate::layout::Layout;
use crate::session::Viewer;

/// The coalitions page and its forms.
pub(crate) fn routes() -> super::Routes {
    vec![
        ("/coalitions", get(show).post(form_coalition)),
        ("/coalitions/{id}/join", post(join_coalition)),
        ("/coalitions/funds", post(create_fund)),
        ("/coalitions/rates", post(record_rate)),
    ]
}

/// The most rates listed: the newest; the API and the log hold them all.
const RATES_SHOWN: usize = 100;

/// A coalition's row, with what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct CoalitionRow {
    pub id: u64,
    pub name: String,
    pub capability: &'static str,
    pub leads: String,
    pub participants: String,
    pub formed_on: String,
    /// How the viewer may join it ("as a participant", "as a lead"): empty, no join form.
    pub join_as: Vec<Opt>,
    /// The join form's ids, and what was typed and refused in it.
    pub join_ids: [String; 2],
    pub join_participant: String,
    pub join_errors: [String; 3],
}

#[derive(Debug, Clone)]
pub struct FundRow {
    pub id: u64,
    pub name: String,
    pub channel: &'static str,
    pub policy: &'static str,
    pub authorised_by: u64,
}

#[derive(Debug, Clone)]
pub struct RateRow {
    pub on: String,
    pub from: &'static str,
    pub to: &'static str,
    pub rate: String,
}

/// The forms of the page, each with what was typed and its errors after a refusal.
#[derive(Debug, Clone, Default)]
struct Forms {
    coalition: Kept,
    /// The join form refused, and the coalition it was for.
    join: Kept,
    join_for: u64,
    fund: Kept,
    rate: Kept,
}

#[derive(Template)]
#[template(path = "coalitions.html")]
struct CoalitionsPage {
    layout: Layout,
    coalitions: Vec<CoalitionRow>,
    funds: Vec<FundRow>,
    rates: Vec<RateRow>,
    /// Coalitions and funds are marked for the members; the tag says so.
    marking: MarkingTag,
    /// Whether that marking admits the viewer.
    cleared: bool,
    /// The secretariat forms coalitions, sets up funds, records rates, and joins for any donor.
    secretariat: bool,
    coalition_form: Kept,
    fund_form: Kept,
    rate_form: Kept,
    f_capabilities: Vec<Opt>,
    f_channels: Vec<Opt>,
    f_policies: Vec<Opt>,
    f_decisions: Vec<Opt>,
    f_from: Vec<Opt>,
    f_to: Vec<Opt>,
}

/// `opts` after a first, empty choice (selected when nothing is): nothing is chosen for the user.
fn choose(mut opts: Vec<Opt>, label: &str, selected: &str) -> Vec<Opt> {
    opts.insert(0, Opt { value: String::new(), label: label.to_owned(), selected: selected.is_empty() });
    opts
}

/// How `viewer` may join `c`: a member not in it as a participant or a lead, a participant as a
/// lead; the secretariat names the state, so both ways.
fn join_as(viewer: &Viewer, c: &concord_core::support::Coalition, kept: &str) -> Vec<Opt> {
    let ways: &[(&str, &str)] = match viewer.actor {
        Actor::Secretariat => &[("participant", "as a participant"), ("lead", "as a lead")],
        Actor::Member(m) if !c.is_participant(m) => &[("participant", "as a participant"), ("lead", "as a lead")],
        Actor::Member(m) if !c.is_lead(m) => &[("lead", "as a lead")],
        _ => &[],
    };
    if ways.is_empty() {
        return Vec::new();
    }
    let opts = ways
        .iter()
        .map(|(value, label)| Opt { value: (*value).to_owned(), label: (*label).to_owned(), selected: *value == kept })
        .collect();
    choose(opts, "choose how", kept)
}

fn currencies(selected: &str) -> Vec<Opt> {
    let opts = Currency::all()
        .map(|c| Opt {
            value: c.as_str().to_owned(),
            label: format!("{} — {}", c.as_str(), c.name()),
            selected: c.as_str() == selected,
        })
        .collect();
    choose(opts, "choose a currency", selected)
}

fn build(s: &Domain, viewer: &Viewer, forms: Forms) -> CoalitionsPage {
    let reader = viewer.reader();
    let none = Kept::default();
    let join_kept = |id: u64| if id == forms.join_for { &forms.join } else { &none };
    let coalitions = s
        .support
        .coalitions
        .values()
        .filter(|c| s.may_see(reader, *c))
        .map(|c| CoalitionRow {
            id: c.id.get(),
            name: c.terms.name.clone(),
            capability: c.terms.capability.words(),
            leads: c.terms.leads.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            participants: c.terms.participants.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            formed_on: c.terms.formed_on.map(|d| d.to_string()).unwrap_or_default(),
            join_as: join_as(viewer, c, join_kept(c.id.get()).get("as")),
            join_ids: [format!("jn-{}-participant", c.id.get()), format!("jn-{}-as", c.id.get())],
            join_participant: join_kept(c.id.get()).get("participant").to_owned(),
            join_errors: ["", "participant", "as"].map(|f| join_kept(c.id.get()).errors.get(f).to_owned()),
        })
        .collect();
    let funds = s
        .support
        .funds
        .values()
        .filter(|f| s.may_see(reader, *f))
        .map(|f| FundRow {
            id: f.id.get(),
            name: f.terms.name.clone(),
            channel: f.terms.channel.words(),
            policy: f.terms.policy.words(),
            authorised_by: f.terms.authorised_by.0,
        })
        .collect();
    let mut rates: Vec<&FxRate> = s.support.rates.iter().filter(|r| s.may_see(reader, *r)).collect();
    rates.sort_by(|a, b| b.on.cmp(&a.on).then(a.from.as_str().cmp(b.from.as_str())));
    let rates = rates
        .into_iter()
        .take(RATES_SHOWN)
        .map(|r| RateRow { on: r.on.to_string(), from: r.from.as_str(), to: r.to.as_str(), rate: r.rate.to_string() })
        .collect();
    let secretariat = viewer.actor == Actor::Secretariat;
    let (cf, ff, rf) = (&forms.coalition, &forms.fund, &forms.rate);
    // Only the secretariat sets up funds: for anyone else, no scan of the proposals.
    let f_decisions = s
        .proposals
        .values()
        .take_while(|_| secretariat)
        .filter(|p| [DecisionKind::AssistanceProgramme, DecisionKind::FundPolicy].contains(&p.kind))
        .filter(|p| matches!(p.status, ProposalStatus::Adopted | ProposalStatus::AdoptedWithReservations))
        .map(|p| Opt {
            value: p.id.0.to_string(),
            label: format!("{}: {} ({})", p.id.0, p.current().title, p.kind.words()),
            selected: p.id.0.to_string() == ff.get("authorised_by"),
        })
        .collect();
    let marking = Marking::Members;
    CoalitionsPage {
        layout: Layout::new(Some(viewer), "Coalitions, funds and exchange rates", "/coalitions"),
        coalitions,
        funds,
        rates,
        marking: MarkingTag::of(marking),
        cleared: marking.admits(reader),
        secretariat,
        f_capabilities: choose(
            options(&CAPABILITIES, |x| x.words().to_owned(), cf.get("capability")),
            "choose a capability",
            cf.get("capability"),
        ),
        f_channels: choose(
            options(
                &[Channel::AllianceFund, Channel::AllianceCoordinated],
                |x| x.words().to_owned(),
                ff.get("channel"),
            ),
            "choose a channel",
            ff.get("channel"),
        ),
        f_policies: choose(
            options(&[FundPolicy::NonLethalOnly, FundPolicy::Any], |x| x.words().to_owned(), ff.get("policy")),
            "choose a policy",
            ff.get("policy"),
        ),
        f_decisions: choose(f_decisions, "choose the decision", ff.get("authorised_by")),
        f_from: currencies(rf.get("from")),
        f_to: currencies(rf.get("to")),
        coalition_form: forms.coalition,
        fund_form: forms.fund,
        rate_form: forms.rate,
    }
}

async fn render(state: &AppState, viewer: &Viewer, forms: Forms, status: StatusCode) -> Result<Response, WebError> {
    let p = build(&state.view().await.state, viewer, forms);
    page_with(status, &p)
}

/// `GET /coalitions`.
pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    render(&state, &viewer, Forms::default(), StatusCode::OK).await
}

/// Submits as the API does; on success to `to`, else the page again with the refusal beside the
/// form `place` puts `kept` in.
async fn submit(
    state: &AppState,
    viewer: Viewer,
    command: SupportCommand,
    mut kept: Kept,
    fields: &[&str],
    place: impl FnOnce(&mut Forms, Kept),
    to: &str,
) -> Result<Response, WebError> {
    let by = Some(format!("user:{}", viewer.user));
    match state.sequencer().submit(viewer.actor, by, Command::Support(command), None).await {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(SubmitError::Refused(r)) => {
            kept.errors.refusal(&r, fields);
            again(state, &viewer, kept, place).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn again(
    state: &AppState,
    viewer: &Viewer,
    kept: Kept,
    place: impl FnOnce(&mut Forms, Kept),
) -> Result<Response, WebError> {
    let mut forms = Forms::default();
    place(&mut forms, kept);
    render(state, viewer, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

fn secretariat_only(viewer: &Viewer, what: &str) -> Result<(), WebError> {
    if viewer.actor == Actor::Secretariat {
        Ok(())
    } else {
        Err(WebError::Forbidden(format!("Only the secretariat {what}.")))
    }
}

/// Country codes typed as a list (`FRA, DEU` or `fra deu`), or the error beside `name`.
fn codes(k: &mut Kept, fields: &Fields, name: &str) -> Option<BTreeSet<CountryCode>> {
    let mut set = BTreeSet::new();
    for word in field(fields, name).split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
        match CountryCode::parse(&word.to_uppercase()) {
            Ok(c) => {
                set.insert(c);
            }
            Err(_) => {
                k.errors.add(name, format!("{word:?} is not a country code: give codes such as FRA, DEU"));
                return None;
            }
        }
    }
    Some(set)
}

/// `POST /coalitions` (the secretariat): forms a coalition; its leads take part in it, so they
/// are counted among the participants.
pub async fn form_coalition(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    secretariat_only(&viewer, "forms coalitions")?;
    let mut k = kept(&fields);
    let capability = required::<Capability>(&mut k.errors, &fields, "capability", "a capability");
    let formed_on = parse_date(&mut k.errors, "formed_on", field(&fields, "formed_on"));
    let leads = codes(&mut k, &fields, "leads");
    let others = codes(&mut k, &fields, "participants");
    let (Some(capability), Some(formed_on), Some(leads), Some(others)) = (capability, formed_on, leads, others) else {
        return again(&state, &viewer, k, |f, k| f.coalition = k).await;
    };
    let participants = leads.iter().chain(&others).copied().collect();
    let coalition =
        CoalitionTerms { name: field(&fields, "name").to_owned(), capability, leads, participants, formed_on };
    let names = ["name", "capability", "leads", "participants", "formed_on"];
    let command = SupportCommand::FormCoalition { coalition };
    submit(&state, viewer, command, k, &names, |f, k| f.coalition = k, "/coalitions#coalitions").await
}

/// `POST /coalitions/{id}/join`: a member joins itself; the secretariat names the state.
pub async fn join_coalition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    let coalition =
        id.parse::<CoalitionId>().map_err(|_| WebError::NotFound(format!("There is no coalition {id:?}.")))?;
    let id = coalition.get();
    let mut k = kept(&fields);
    let participant = match viewer.actor {
        Actor::Member(m) => Some(m),
        Actor::Secretariat => {
            let c = CountryCode::parse(&field(&fields, "participant").to_uppercase()).ok();
            if c.is_none() {
                k.errors.add("participant", "give the state's code, such as FRA");
            }
            c
        }
        _ => return Err(WebError::Forbidden("Only a member delegation, or the secretariat, joins coalitions.".into())),
    };
    let lead = match field(&fields, "as") {
        "participant" => Some(false),
        "lead" => Some(true),
        _ => {
            k.errors.add("as", "choose whether as a participant or as a lead");
            None
        }
    };
    let (Some(participant), Some(lead)) = (participant, lead) else {
        return again(&state, &viewer, k, |f, k| (f.join, f.join_for) = (k, id)).await;
    };
    let command = SupportCommand::JoinCoalition { coalition, participant, lead };
    let to = format!("/coalitions#coalition-{id}");
    submit(&state, viewer, command, k, &["participant", "as"], |f, k| (f.join, f.join_for) = (k, id), &to).await
}

/// `POST /coalitions/funds` (the secretariat): sets up a fund on an adopted decision.
pub async fn create_fund(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    secretariat_only(&viewer, "sets up funds")?;
    let mut k = kept(&fields);
    let channel = required::<Channel>(&mut k.errors, &fields, "channel", "a channel");
    let policy = required::<FundPolicy>(&mut k.errors, &fields, "policy", "a policy");
    let authorised_by = field(&fields, "authorised_by").parse().ok().map(ProposalId);
    if authorised_by.is_none() {
        k.errors.add("authorised_by", "choose the adopted decision that sets it up");
    }
    let (Some(channel), Some(policy), Some(authorised_by)) = (channel, policy, authorised_by) else {
        return again(&state, &viewer, k, |f, k| f.fund = k).await;
    };
    let fund = FundTerms { name: field(&fields, "name").to_owned(), channel, policy, authorised_by };
    let names = ["name", "channel", "policy", "authorised_by"];
    submit(&state, viewer, SupportCommand::CreateFund { fund }, k, &names, |f, k| f.fund = k, "/coalitions#funds").await
}

/// `POST /coalitions/rates` (the secretariat): records a rate for a day.
pub async fn record_rate(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    csrf(&viewer, &fields)?;
    secretariat_only(&viewer, "records exchange rates")?;
    let mut k = kept(&fields);
    let currency = |k: &mut Kept, name: &str| {
        let c = Currency::parse(field(&fields, name)).ok();
        if c.is_none() {
            k.errors.add(name, "choose a currency");
        }
        c
    };
    let (from, to) = (currency(&mut k, "from"), currency(&mut k, "to"));
    let rate = match Rate::parse(field(&fields, "rate")) {
        Ok(r) => Some(r),
        Err(e) => {
            k.errors.add("rate", format!("enter a positive decimal such as 1.0812: {e}"));
            None
        }
    };
    let on = required_date(&mut k.errors, "on", field(&fields, "on"), "enter the day the rate is for, as YYYY-MM-DD");
    let (Some(from), Some(to), Some(rate), Some(on)) = (from, to, rate, on) else {
        return again(&state, &viewer, k, |f, k| f.rate = k).await;
    };
    let command = SupportCommand::RecordExchangeRate { rate: FxRate { from, to, rate, on } };
    submit(&state, viewer, command, k, &["from", "to", "rate", "on"], |f, k| f.rate = k, "/coalitions#rates").await
}
