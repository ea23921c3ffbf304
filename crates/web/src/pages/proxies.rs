//! A body's proxies on its page (`/bodies/{id}#proxies`): who acts for whom, and, for a member
//! sitting in a body whose rules allow it, the forms with which its own delegation authorises
//! another member to act for it, or ends that authorisation — as `POST
//! /api/v1/bodies/{id}/proxies` does. Where the log requires signed positions, the member's
//! signed authorisation (`concord/proxy/v1`, made by `concord body proxy --key`) is pasted in.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use concord_core::{Actor, Body, BodyId, Command, CountryCode, State as Domain};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;
use jiff::Timestamp;
use serde::Deserialize;

use crate::WebError;
use crate::forms::{FieldErrors, Opt};
use crate::session::Viewer;
use crate::timefmt;

pub(crate) fn routes() -> super::Routes {
    vec![("/bodies/{id}/proxies", post(authorise)), ("/bodies/{id}/proxies/end", post(end))]
}

/// One authorisation, as the page shows it.
#[derive(Debug, Clone)]
pub struct ProxyRow {
    pub member: String,
    pub proxy: String,
    pub from: String,
    pub until: String,
    /// `running`, `to come`, `over` or `ended before it began`, in words.
    pub when: &'static str,
    pub signed: bool,
}

/// The proxies part of a body's page.
#[derive(Debug, Clone, Default)]
pub struct ProxiesPart {
    /// The body's rules allow proxies.
    pub allowed: bool,
    /// The viewer may read who acts for whom (the body's members and the secretariat).
    pub readable: bool,
    pub rows: Vec<ProxyRow>,
    /// The member the viewer's delegation is, when it sits in the body and may authorise.
    pub mine: String,
    /// Whether it has an authorisation running or to come, which it may end.
    pub may_end: bool,
    /// The members it may choose, today's roster but itself.
    pub choices: Vec<Opt>,
    /// The log requires a signed authorisation.
    pub signed_required: bool,
    pub kept: ProxyForm,
    pub errors: FieldErrors,
}

impl ProxiesPart {
    /// What `viewer` is shown of `b`'s proxies at `now`, its form filled with `kept`.
    pub fn of(s: &Domain, b: &Body, viewer: &Viewer, now: Timestamp, kept: ProxyForm, errors: FieldErrors) -> Self {
        let readable = s.cleared_in(viewer.reader(), Some(&b.id)).is_member_cleared();
        if !b.proxies || !readable {
            return Self { allowed: b.proxies, readable, errors, ..Self::default() };
        }
        let granted = s.proxies.get(&b.id).map(Vec::as_slice).unwrap_or_default();
        let rows = granted
            .iter()
            .map(|p| ProxyRow {
                member: p.member.to_string(),
                proxy: p.proxy.to_string(),
                from: timefmt::utc(p.from),
                until: timefmt::utc(p.until),
                when: if p.until <= p.from {
                    "ended before it began"
                } else if p.until <= now {
                    "over"
                } else if p.from > now {
                    "to come"
                } else {
                    "running"
                },
                signed: p.evidence.is_some(),
            })
            .collect();
        let roster = s.roster(Some(&b.id), now).unwrap_or_default();
        let mine = match viewer.actor {
            Actor::Member(m) if roster.contains(&m) => Some(m),
            _ => None,
        };
        let choices = mine.map_or_else(Vec::new, |m| {
            let first = Opt { value: String::new(), label: "choose a member".into(), selected: kept.proxy.is_empty() };
            std::iter::once(first)
                // A partner taking part acts for nobody.
                .chain(roster.iter().filter(|c| **c != m && !s.partners.contains_key(*c)).map(|c| Opt {
                    value: c.to_string(),
                    label: s.members.get(c).map_or_else(|| c.to_string(), |x| format!("{c} {}", x.name)),
                    selected: kept.proxy == c.as_str(),
                }))
                .collect()
        });
        Self {
            allowed: true,
            readable,
            rows,
            mine: mine.map(|m| m.to_string()).unwrap_or_default(),
            may_end: mine.is_some_and(|m| granted.iter().any(|p| p.member == m && now < p.until)),
            choices,
            signed_required: s.log.as_ref().is_some_and(|l| !l.unsigned_positions),
            kept,
            errors,
        }
    }
}

/// The authorisation form, kept as typed when it is refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProxyForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub proxy: String,
    /// Empty: from now.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub evidence: String,
}

/// Who posts a proxy form, checked first: the session's own token, and the member whose own
/// delegation `viewer` is (only it authorises or ends its proxy), in the body `id`.
fn acting(viewer: &Viewer, csrf: &str, id: &str) -> Result<(CountryCode, BodyId), WebError> {
    viewer.check_csrf(csrf)?;
    let Actor::Member(member) = viewer.actor else {
        return Err(WebError::Forbidden("Only a member's own delegation authorises its proxy.".into()));
    };
    let body = BodyId::parse(id).map_err(|_| WebError::NotFound(format!("There is no body {id}.")))?;
    Ok((member, body))
}

/// `POST /bodies/{id}/proxies`.
pub async fn authorise(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ProxyForm>,
) -> Result<Response, WebError> {
    let (member, body) = acting(&viewer, &f.csrf, &id)?;
    let mut errors = FieldErrors::default();
    let proxy = CountryCode::parse(f.proxy.trim()).ok();
    if proxy.is_none() {
        errors.add("proxy", "choose the member that will act for yours");
    }
    let from = match f.from.trim() {
        "" => Some(None),
        t => timefmt::parse_utc_input(t).map(Some),
    };
    if from.is_none() {
        errors.add("from", "a UTC date and time, or empty for now");
    }
    let until = timefmt::parse_utc_input(&f.until);
    if until.is_none() {
        errors.add("until", "a UTC date and time");
    }
    let (Some(proxy), Some(from), Some(until)) = (proxy, from, until) else {
        return super::bodies::again(&state, &viewer, &body, f, errors).await;
    };
    let evidence = crate::forms::pasted_note(&f.evidence);
    let command = Command::AuthoriseProxy { body: body.clone(), member, proxy, from, until, evidence };
    submit(&state, &viewer, &body, command, f).await
}

/// `POST /bodies/{id}/proxies/end`.
pub async fn end(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ProxyForm>,
) -> Result<Response, WebError> {
    let (member, body) = acting(&viewer, &f.csrf, &id)?;
    let command = Command::EndProxy { body: body.clone(), member };
    submit(&state, &viewer, &body, command, ProxyForm::default()).await
}

async fn submit(
    state: &AppState,
    viewer: &Viewer,
    body: &BodyId,
    command: Command,
    kept: ProxyForm,
) -> Result<Response, WebError> {
    match state.sequencer().submit(viewer.actor, Some(format!("user:{}", viewer.user)), command, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/bodies/{body}#proxies")).into_response()),
        Err(SubmitError::Refused(r)) => {
            let mut errors = FieldErrors::default();
            errors.refusal(&r, &["proxy", "from", "until", "evidence"]);
            super::bodies::again(state, viewer, body, kept, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
