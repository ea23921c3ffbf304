//! `/`: open procedures with live countdowns, and what needs the signed-in viewer's action;
//! `/?body=npg`: the same for one body's proposals (`principal`: the principal body's own).

use std::borrow::Cow;
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use concord_core::{Actor, CountryCode, Procedure, Proposal, ProposalStatus, Reader, State as Domain};
use concord_server::AppState;
use jiff::Timestamp;

use super::bodies::BodyChoice;
use super::page;
use crate::forms::Opt;
use crate::layout::Layout;
use crate::session::Viewer;
use crate::timefmt;
use crate::{WebError, reports};

/// The dashboard, at `/`.
pub(crate) fn routes() -> super::Routes {
    vec![("/", get(show))]
}

/// A deadline as every page shows it: exact instant, UTC, and the time left at render.
#[derive(Debug, Clone)]
pub struct Deadline {
    pub iso: String,
    pub utc: String,
    pub left: String,
}

impl Deadline {
    #[must_use]
    pub fn new(deadline: Timestamp, now: Timestamp) -> Self {
        Self { iso: timefmt::iso(deadline), utc: timefmt::utc(deadline), left: timefmt::remaining(now, deadline) }
    }
}

/// An open procedure's row.
#[derive(Debug, Clone)]
pub struct OpenRow {
    pub id: u64,
    pub title: String,
    pub procedure: &'static str,
    pub deadline: Deadline,
    pub spoken: usize,
    pub electors: usize,
    /// Electors without a position who told the secretariat they await instructions.
    pub awaiting: usize,
    pub blocked_by: Vec<String>,
}

/// A thing to do, with where to do it.
#[derive(Debug, Clone)]
pub struct Todo {
    pub href: String,
    pub text: String,
    /// A delivery the viewer (its partner) confirms right here.
    pub confirm: Option<u64>,
}

/// A decided proposal's row.
#[derive(Debug, Clone)]
pub struct DecidedRow {
    pub id: u64,
    pub title: String,
    pub outcome: &'static str,
    pub class: &'static str,
    pub at: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    /// The body whose dashboard this is (empty: every body's).
    body_name: String,
    /// Its id, to link its page (empty: the principal body's, or every body's).
    body_id: String,
    bodies: Vec<Opt>,
    problem: Option<String>,
    open: Vec<OpenRow>,
    todo: Vec<Todo>,
    todo_heading: String,
    decided: Vec<DecidedRow>,
}

/// The colour class of a final status (the words are always shown too).
pub fn status_class(s: ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Adopted => "out-adopted",
        ProposalStatus::AdoptedWithReservations => "out-reservations",
        ProposalStatus::Blocked | ProposalStatus::NotAdopted => "out-blocked",
        ProposalStatus::UnderSilence | ProposalStatus::ConsensusRound | ProposalStatus::Voting => "st-open",
        ProposalStatus::Draft | ProposalStatus::Withdrawn | ProposalStatus::Negotiating => "st-none",
    }
}

/// Every proposal of the body chosen as `reader` may read it (`State::proposal_for`): hidden
/// ones left out, the others cut to what the reader is shown.
fn readable<'a>(s: &'a Domain, reader: Reader, body: &'a BodyChoice) -> impl Iterator<Item = Cow<'a, Proposal>> {
    s.proposals.values().filter(|p| body.holds(p)).filter_map(move |p| s.proposal_for(reader, p))
}

fn open_rows(s: &Domain, reader: Reader, body: &BodyChoice, now: Timestamp) -> Vec<OpenRow> {
    let mut rows: Vec<OpenRow> = readable(s, reader, body)
        .filter(|p| p.status.is_open())
        .filter_map(|p| {
            let c = p.circulation.as_ref()?;
            let current = |m: &concord_core::CountryCode| p.positions.get(m).is_some_and(|x| x.revision == c.revision);
            Some(OpenRow {
                id: p.id.0,
                title: p.current().title.clone(),
                procedure: c.procedure.words(),
                deadline: Deadline::new(c.deadline, now),
                spoken: c.electorate.iter().filter(|m| current(m)).count(),
                electors: c.electorate.len(),
                awaiting: super::instructions::count(&p),
                blocked_by: c
                    .electorate
                    .iter()
                    .filter(|m| {
                        p.positions
                            .get(*m)
                            .is_some_and(|x| x.revision == c.revision && concord_core::blocks(c.procedure, x.stance))
                    })
                    .map(ToString::to_string)
                    .collect(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.deadline.iso.cmp(&b.deadline.iso));
    rows
}

/// How long a blocked proposal stays on the secretariat's list of things to act on.
const RECENT_DAYS: i64 = 30;

fn todos(s: &Domain, actor: Actor, body: &BodyChoice, now: Timestamp) -> (String, Vec<Todo>) {
    let reader = Reader::of(Some(actor));
    match actor {
        Actor::Member(m) => (format!("What needs action from {m}"), positions_owed(s, reader, body, m)),
        Actor::Secretariat => {
            let todo = readable(s, reader, body)
                .filter_map(|p| {
                    let (id, title) = (p.id.0, &p.current().title);
                    let text = match p.status {
                        ProposalStatus::Draft => format!("Proposal {id}: {title} — a draft, not circulated"),
                        ProposalStatus::Negotiating => {
                            format!("Proposal {id}: {title} — back in negotiation: circulate the revised text")
                        }
                        // Recent ones only: an old blocked proposal is history, not work.
                        ProposalStatus::Blocked | ProposalStatus::NotAdopted
                            if p.decision.as_ref().is_some_and(|d| {
                                now.duration_since(d.decided_at) < jiff::SignedDuration::from_hours(RECENT_DAYS * 24)
                            }) =>
                        {
                            format!(
                                "Proposal {id}: {title} — {}: take it back into negotiation, or leave it",
                                p.status.words()
                            )
                        }
                        _ => return None,
                    };
                    Some(Todo { href: format!("/proposals/{id}#actions"), text, confirm: None })
                })
                .collect();
            ("What needs the secretariat's action".into(), todo)
        }
        Actor::Partner(c) => {
            let today = concord_core::rules::utc_day(now);
            let to = |anchor: &str| format!("/support?partner={c}#{anchor}");
            let receipts = reports::awaiting_receipt_of(&s.support, c).into_iter().map(|(d, text)| Todo {
                href: to("deliveries"),
                text,
                confirm: Some(d.get()),
            });
            let requests = |r| Todo { href: to("requests"), text: r, confirm: None };
            let overdue = reports::overdue_requests_of(&s.support, c, today).into_iter().map(requests);
            let open = reports::open_requests_of(&s.support, c).into_iter().map(requests);
            // Where it takes part in a body, it owes positions as a delegation does.
            let todo =
                positions_owed(s, reader, body, c).into_iter().chain(receipts).chain(overdue).chain(open).collect();
            (
                format!("What needs action from {c}: positions, receipts to confirm, overdue and uncovered requests"),
                todo,
            )
        }
        Actor::Observer | Actor::Scheduler => ("Nothing needs an observer's action".into(), Vec::new()),
    }
}

/// The proposals where elector `m` (a member, or a partner taking part in a body) owes a
/// position on the text now circulated.
fn positions_owed(s: &Domain, reader: Reader, body: &BodyChoice, m: CountryCode) -> Vec<Todo> {
    readable(s, reader, body)
        .filter(|p| p.status.is_open() && p.is_elector(m))
        .filter(|p| {
            let rev = p.circulation.as_ref().map_or(0, |c| c.revision);
            p.positions.get(&m).is_none_or(|x| x.revision != rev)
        })
        .map(|p| {
            let silence = p.circulation.as_ref().is_some_and(|c| c.procedure == Procedure::Silence);
            let then = if silence { "silence counts as concurrence" } else { "a round needs every elector's consent" };
            let (id, title) = (p.id.0, &p.current().title);
            let text = match p.superseded.get(&m) {
                Some(old) if old.revision == p.current().number => format!(
                    "Proposal {id}: {title} — your position on revision {} no longer counts: it was \
                     circulated again for a new round ({then})",
                    old.revision
                ),
                Some(old) => format!(
                    "Proposal {id}: {title} — your position on revision {} no longer counts: revision {} \
                     changed the text ({then})",
                    old.revision,
                    p.current().number
                ),
                None => format!("Proposal {id}: {title} — no position from {m} yet ({then})"),
            };
            Todo { href: format!("/proposals/{id}#position"), text, confirm: None }
        })
        .collect()
}

fn decided(s: &Domain, reader: Reader, body: &BodyChoice) -> Vec<DecidedRow> {
    let mut rows: Vec<(Timestamp, DecidedRow)> = readable(s, reader, body)
        .filter(|p| p.status.is_final())
        .map(|p| {
            let at = p
                .decision
                .as_ref()
                .map(|d| d.decided_at)
                .or(p.withdrawal.as_ref().map(|w| w.at))
                .unwrap_or(p.drafted_at);
            (
                at,
                DecidedRow {
                    id: p.id.0,
                    title: p.current().title.clone(),
                    outcome: p.status.words(),
                    class: status_class(p.status),
                    at: timefmt::utc(at),
                },
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    rows.into_iter().take(10).map(|(_, r)| r).collect()
}

/// `GET /?body=`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let now = state.clock().now();
    let actor = viewer.actor;
    let view = state.view().await;
    let s = &view.state;
    let reader = viewer.reader();
    let body = BodyChoice::read(s, params.get("body").map_or("", |b| b.trim()));
    let (open, (todo_heading, todo), decided) =
        (open_rows(s, reader, &body, now), todos(s, actor, &body, now), decided(s, reader, &body));
    let title = if body.name.is_empty() { "Dashboard".to_owned() } else { format!("Dashboard: {}", body.name) };
    page(&DashboardPage {
        layout: Layout::new(Some(&viewer), title, "/"),
        body_id: match &body.scope {
            Some(concord_core::search::BodyScope::Of(id)) => id.to_string(),
            _ => String::new(),
        },
        bodies: body.options(s),
        problem: body.problem.clone(),
        body_name: body.name,
        open,
        todo,
        todo_heading,
        decided,
    })
}
