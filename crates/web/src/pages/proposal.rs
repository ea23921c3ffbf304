//! `/proposals/{id}`: the text and its changes between revisions, the consensus grid (every
//! elector and its position, in colour and in words; under a vote, its vote), reservations and
//! opt-outs, the outcome and why (a vote's count and the opt-outs' share: `tally.rs`); a
//! member's position form (and `instructions.rs`' word that it awaits instructions) and the
//! secretariat's actions. `/proposals/new` drafts.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_core::decision_rule::Rule;
use concord_core::{
    Command, CountryCode, Marking, Outcome, PositionStatement, Procedure, Proposal, ProposalAccess, ProposalId, Stance,
    State as Domain,
};
use concord_server::AppState;
use concord_server::sequencer::SubmitError;
use jiff::Timestamp;
use serde::Deserialize;

use super::dashboard::{Deadline, status_class};
use super::tally::{Row, Table, Words};
use super::{MarkingTag, page_with};
use crate::WebError;
use crate::diff::{Chunk, diff};
use crate::forms::{FieldErrors, Opt, options, parse_enum};
use crate::layout::Layout;
use crate::session::Viewer;
use crate::timefmt;

/// A proposal's page and its forms, and drafting a new one.
pub(crate) fn routes() -> super::Routes {
    vec![
        ("/proposals/{id}", get(show)),
        ("/proposals/{id}/position", post(take_position)),
        ("/proposals/{id}/circulate", post(circulate)),
        ("/proposals/{id}/amend", post(amend)),
        ("/proposals/{id}/deadline", post(move_deadline)),
        ("/proposals/{id}/withdraw", post(withdraw)),
        ("/proposals/{id}/reopen", post(super::rounds::reopen)),
    ]
}

/// One elector's cell in the consensus grid.
#[derive(Debug, Clone)]
pub struct GridRow {
    pub member: String,
    pub name: String,
    pub class: &'static str,
    pub symbol: &'static str,
    pub words: String,
    pub text: String,
    pub at: String,
    pub signed: bool,
}

/// A revision and what changed from the one before.
#[derive(Debug, Clone)]
pub struct RevisionView {
    pub number: u32,
    pub title: String,
    pub at: String,
    pub changes: Vec<Chunk>,
}

/// A delegation's position on an earlier revision, which no longer counts, and what changed.
#[derive(Debug, Clone)]
pub struct Lapsed {
    pub revision: u32,
    pub words: &'static str,
    pub changes: Vec<Chunk>,
    /// The text did not change: a new round opened on the same revision.
    pub new_round: bool,
}

/// `member`'s position on an earlier revision of `p`, if it lapsed and the member has taken
/// none on the current text since: with the changes from that revision's text to the current.
fn lapsed(p: &Proposal, member: concord_core::CountryCode) -> Option<Lapsed> {
    let old = p.superseded.get(&member)?;
    if p.positions.get(&member).is_some_and(|x| x.revision == p.current().number) {
        return None;
    }
    let text = &p.revisions.iter().find(|r| r.number == old.revision)?.text;
    Some(Lapsed {
        revision: old.revision,
        words: stance_cell(old.stance).2,
        changes: diff(text, &p.current().text),
        new_round: old.revision == p.current().number,
    })
}

/// A position published with the decision.
#[derive(Debug, Clone)]
pub struct Published {
    pub member: String,
    pub text: String,
}

/// The outcome and why.
#[derive(Debug, Clone)]
pub struct DecisionView {
    pub outcome: String,
    pub class: &'static str,
    pub explain: String,
    /// Who concurred explicitly (reservations included), in code order.
    pub explicitly: Vec<String>,
    pub by_silence: Vec<String>,
    pub reservations: Vec<Published>,
    pub opt_outs: Vec<Published>,
    /// A vote's count, as recorded.
    pub count: Option<Table>,
    /// Who voted how, and who did not vote.
    pub votes: Vec<Row>,
    /// Under constructive abstention: the opt-outs' share, as recorded.
    pub opt_out_share: Option<Table>,
}

/// What the forms show again after a refusal: the values typed and the errors.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub stance: String,
    pub text: String,
    pub evidence: String,
    pub procedure: String,
    pub deadline: String,
    /// The circulation's marking, as spelled (`members+partner:UKR`).
    pub release: String,
    pub amend_title: String,
    pub amend_text: String,
    pub amend_deadline: String,
    pub move_deadline: String,
    pub reason: String,
    /// Why a silence shorter than the minimum is urgent (circulate, amend and curtail share it).
    pub urgent: String,
    pub reopen_reason: String,
    pub await_note: String,
    pub errors: FieldErrors,
}

/// Which body decides a proposal, and by which rule: the one fixed when its procedure opened,
/// or (before that) the body's rule today.
#[derive(Debug, Clone)]
pub struct BodyLine {
    pub id: String,
    pub name: String,
    pub rule: String,
    pub version: u32,
    /// Whether the rule is the one its procedure opened under, not the body's current one.
    pub fixed: bool,
    /// For a rule that counts people, the population figures' year and source (or that none
    /// apply yet); empty otherwise.
    pub figures: String,
}

impl BodyLine {
    fn of(s: &concord_core::State, p: &Proposal, now: Timestamp) -> Option<Self> {
        let body = s.bodies.get(p.body.as_ref()?)?;
        let fixed = p.circulation.as_ref().and_then(|c| c.rule.as_ref());
        let (rule, version) = fixed.map_or((&body.rule, body.rule_version), |r| (&r.rule, r.version));
        Some(Self {
            id: body.id.to_string(),
            name: body.name.clone(),
            rule: rule.words(),
            version,
            fixed: fixed.is_some(),
            figures: super::tally::figures_words(s, &body.id, fixed, now),
        })
    }
}

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage {
    layout: Layout,
    id: u64,
    title: String,
    kind: &'static str,
    significance: &'static str,
    status: &'static str,
    status_class: &'static str,
    procedure: &'static str,
    /// The words of its procedure: votes under a vote, positions otherwise.
    words: Words,
    /// The body that decides it (empty: the principal body) and the rule it is decided by.
    body: Option<BodyLine>,
    /// The proposal whose adoption it waits for, as the viewer may read it: number, title and
    /// status.
    follows: Option<(u64, String, &'static str)>,
    deadline: Option<Deadline>,
    is_open: bool,
    is_draft: bool,
    is_final: bool,
    /// A draft, or a proposal back in negotiation: the secretariat may circulate it.
    can_circulate: bool,
    negotiating: bool,
    /// Blocked or not adopted: the secretariat may take it back into negotiation.
    reopenable: bool,
    /// Every round that ended before this one, oldest first.
    rounds: Vec<super::rounds::RoundView>,
    /// Why the current silence is shorter than the deployment's minimum, when it is.
    urgent: Option<String>,
    /// The deployment's minimum silence in words ("24h"), empty when it sets none.
    min_silence: String,
    current_rev: u32,
    current_text: String,
    revisions: Vec<RevisionView>,
    grid: Vec<GridRow>,
    decision: Option<DecisionView>,
    /// Under constructive abstention, while the round is open: the opt-outs' share so far.
    running_opt_outs: Option<super::tally::Table>,
    withdrawal: String,
    /// The viewer is an elector of this open proposal.
    may_take_position: bool,
    my_position: String,
    /// The viewing delegation told the secretariat it awaits instructions (and has no position).
    my_awaiting: Option<super::instructions::AwaitingView>,
    secretariat: bool,
    signatures_required: bool,
    statement: String,
    stances: Vec<Opt>,
    procedures: Vec<Opt>,
    kept: Kept,
    /// The log entry recording the decision, whose inclusion proof the API serves.
    decision_entry: Option<u64>,
    /// Who may read what the page shows.
    marking: MarkingTag,
    /// The viewer is shown the announced outcome only: no grid, no earlier revision.
    announced: bool,
    /// The viewer is shown what was circulated to it: the texts and the procedure, no grid.
    circulated: bool,
    /// The viewing delegation's position that lapsed when the text changed, if it has not taken
    /// one on the current text since.
    lapsed: Option<Lapsed>,
    /// Whom a circulation may release the texts to: the members, each partner, the public.
    releases: Vec<Opt>,
}

/// The procedures a circulation of `p` may use: its body's (the principal body's: silence and
/// consensus rounds).
fn procedures(s: &Domain, p: &Proposal) -> Vec<Procedure> {
    let body = p.body.as_ref().and_then(|b| s.bodies.get(b));
    <Procedure as concord_core::words::Word>::VALUES
        .iter()
        .copied()
        .filter(|x| body.map_or(*x != Procedure::Vote, |b| b.uses(*x)))
        .collect()
}

/// The stances the position form offers on `p`: votes in a vote, consensus stances otherwise,
/// and opting out only for a kind of decision that allows it (the domain refuses it elsewhere).
fn stances(p: &Proposal) -> Vec<Stance> {
    let procedure = p.circulation.as_ref().map_or(Procedure::Silence, |c| c.procedure);
    <Stance as concord_core::words::Word>::VALUES
        .iter()
        .copied()
        .filter(|s| procedure.accepts(*s) && (*s != Stance::OptOut || p.kind.allows_opt_out()))
        .collect()
}

/// The grid's cell for the state concerned under consensus minus one when it breaks silence or
/// objects: its objection does not block, and the grid must not say it does.
fn set_aside_cell(stance: Stance) -> Option<(&'static str, &'static str, &'static str)> {
    match stance {
        Stance::Object => Some(("st-set-aside", "✗", "objected (the state concerned: does not block)")),
        Stance::ProposeAmendment => {
            Some(("st-set-aside", "✎", "proposed an amendment (the state concerned: does not block)"))
        }
        _ => None,
    }
}

/// The grid's colour class, symbol and words for a stance (colour is never the only signal).
pub(super) fn stance_cell(stance: Stance) -> (&'static str, &'static str, &'static str) {
    match stance {
        Stance::Concur => ("st-concur", "✓", "concurred"),
        Stance::ConcurWithReservation => ("st-reservation", "✓!", "concurred with a reservation"),
        Stance::OptOut => ("st-opt-out", "○", "opted out (constructive abstention)"),
        Stance::Object => ("st-object", "✗", "objected (breaks silence, blocks)"),
        Stance::ProposeAmendment => ("st-amend", "✎", "proposed an amendment (breaks silence)"),
        Stance::Yes => ("st-concur", "✓", "voted yes"),
        Stance::No => ("st-object", "✗", "voted no"),
        Stance::Abstain => ("st-opt-out", "○", "abstained"),
        Stance::NotParticipating => ("st-opt-out", "–", "takes no part"),
    }
}

/// A stance as the position form offers it: what the delegation does by choosing it.
fn stance_choice(stance: Stance) -> &'static str {
    match stance {
        Stance::Concur => "Concur",
        Stance::ConcurWithReservation => "Concur with a reservation (published with the decision)",
        Stance::OptOut => "Opt out (constructive abstention: not blocking, not taking part)",
        Stance::Object => "Object (breaks silence and blocks)",
        Stance::ProposeAmendment => "Propose an amendment (breaks silence)",
        Stance::Yes => "Yes",
        Stance::No => "No",
        Stance::Abstain => "Abstain",
        Stance::NotParticipating => "Not participating (takes no part in the vote)",
    }
}

fn grid(s: &Domain, p: &Proposal) -> Vec<GridRow> {
    let Some(c) = p.circulation.as_ref() else { return Vec::new() };
    let by_silence = p.decision.as_ref().map(|d| d.concurred_by_silence.clone()).unwrap_or_default();
    let concerned: Option<CountryCode> = match c.rule.as_ref().map(|r| &r.rule) {
        Some(Rule::ConsensusMinusOne { concerned }) => Some(*concerned),
        _ => None,
    };
    let vote = c.procedure == Procedure::Vote;
    c.electorate
        .iter()
        .map(|m| {
            let name = s.name_of(*m).unwrap_or_default().to_owned();
            let position = p.positions.get(m).filter(|x| x.revision == c.revision);
            let awaiting = super::instructions::awaiting(p, *m).filter(|_| position.is_none());
            let (class, symbol, words) = match position {
                Some(x) => {
                    let set_aside = if concerned == Some(*m) { set_aside_cell(x.stance) } else { None };
                    let (c, s, w) = set_aside.unwrap_or_else(|| stance_cell(x.stance));
                    match x.proxy {
                        Some(by) => (c, s, format!("{w} (cast by {by}, acting for it)")),
                        None => (c, s, w.to_owned()),
                    }
                }
                None if by_silence.contains(m) => ("st-silence", "✓", "concurred by silence".to_owned()),
                None if awaiting.is_some() => {
                    let (c, s, w) = super::instructions::CELL;
                    (c, s, w.to_owned())
                }
                None if vote && p.status.is_open() => ("st-none", "…", "has not voted".to_owned()),
                None if vote => ("st-none", "—", "did not vote (takes no part)".to_owned()),
                None if p.status.is_open() && c.procedure == Procedure::Silence => {
                    ("st-none", "…", "silent so far (silence at the deadline is concurrence)".to_owned())
                }
                None if p.status.is_open() && concerned == Some(*m) => {
                    ("st-none", "…", "no position yet (the state concerned: not waited for)".to_owned())
                }
                None if p.status.is_open() => ("st-none", "…", "no position yet".to_owned()),
                None => ("st-none", "—", "no position".to_owned()),
            };
            GridRow {
                member: m.to_string(),
                name,
                class,
                symbol,
                words,
                text: position
                    .and_then(|x| x.text.clone())
                    .or(awaiting.as_ref().map(|a| a.note.clone()))
                    .unwrap_or_default(),
                at: position.map(|x| timefmt::utc(x.at)).or(awaiting.map(|a| a.since)).unwrap_or_default(),
                signed: position.is_some_and(|x| x.signed),
            }
        })
        .collect()
}

fn revisions(p: &Proposal) -> Vec<RevisionView> {
    let mut out = Vec::new();
    let mut previous: Option<&str> = None;
    for r in &p.revisions {
        let changes = previous.map(|old| diff(old, &r.text)).unwrap_or_default();
        out.push(RevisionView { number: r.number, title: r.title.clone(), at: timefmt::utc(r.at), changes });
        previous = Some(&r.text);
    }
    out.reverse();
    out
}

/// The outcome and why, as the decision's log entry records it (what it releases to whoever may
/// read the decision).
fn decision(p: &Proposal) -> Option<DecisionView> {
    let d = p.decision.as_ref()?;
    let publish = |v: &[concord_core::Position]| {
        v.iter().map(|x| Published { member: x.member.to_string(), text: x.text.clone().unwrap_or_default() }).collect()
    };
    let class = match d.outcome {
        Outcome::Adopted => "out-adopted",
        Outcome::AdoptedWithReservations => "out-reservations",
        _ => "out-blocked",
    };
    Some(DecisionView {
        outcome: p.status.words().to_owned(),
        class,
        explain: d.explain(),
        explicitly: d.concurred.iter().map(|x| x.member.to_string()).collect(),
        by_silence: d.concurred_by_silence.iter().map(ToString::to_string).collect(),
        reservations: publish(&d.reservations),
        opt_outs: publish(&d.opt_outs),
        count: d.count.as_deref().map(super::tally::count_table),
        votes: if d.procedure == Procedure::Vote { super::tally::vote_lists(d) } else { Vec::new() },
        opt_out_share: d.opt_out_share.as_ref().map(|share| super::tally::opt_out_table(share, d)),
    })
}

/// Builds the page from the state (on the sequencer, between batches: keep it short).
fn build(s: &Domain, viewer: &Viewer, id: ProposalId, now: Timestamp, kept: Kept) -> Option<ProposalPage> {
    let stored = s.proposals.get(&id)?;
    let reader = viewer.reader();
    let p = &*s.proposal_for(reader, stored)?;
    let access = s.proposal_access(reader, stored);
    let announced = access == ProposalAccess::Outcome;
    let circulated = access == ProposalAccess::Circulated;
    let c = p.circulation.as_ref();
    // A partner takes positions too, where it takes part in the proposal's body.
    let member = viewer.actor.elector();
    let may_take_position =
        member.is_some_and(|m| p.status.is_open() && p.is_elector(m) && c.is_some_and(|c| now < c.deadline));
    let my_position = member
        .and_then(|m| p.positions.get(&m).filter(|x| c.is_some_and(|c| c.revision == x.revision)))
        .map(|x| stance_cell(x.stance).2.to_owned())
        .unwrap_or_default();
    let signatures_required = s.log.as_ref().is_some_and(|l| !l.unsigned_positions);
    let statement = match (member, &s.log) {
        (Some(m), Some(log)) if signatures_required && may_take_position => PositionStatement {
            origin: log.origin.clone(),
            member: m,
            proposal: p.id,
            revision: p.current().number,
            text_hash: p.current().text_hash.clone(),
            // A placeholder the delegation replaces with its own: a stance its procedure accepts.
            stance: stances(p).first().copied().unwrap_or(Stance::Concur),
            statement_hash: None,
            time: now,
        }
        .to_text(),
        _ => String::new(),
    };
    // Nothing is preselected: a sovereign decision is the delegation's own choice, every time.
    let stance_sel = kept.stance.clone();
    let procedures = procedures(s, p);
    let proc_sel = match procedures.first() {
        Some(first) if kept.procedure.is_empty() => first.name().to_owned(),
        _ => kept.procedure.clone(),
    };
    Some(ProposalPage {
        layout: Layout::new(Some(viewer), format!("Proposal {}: {}", p.id, p.current().title), ""),
        id: p.id.0,
        title: p.current().title.clone(),
        kind: p.kind.words(),
        significance: p.significance.words(),
        status: p.status.words(),
        status_class: status_class(p.status),
        procedure: c.map_or("", |c| c.procedure.words()),
        words: Words::of(c.map(|c| c.procedure)),
        body: BodyLine::of(s, p, now),
        follows: p.follows.and_then(|prior| {
            let prior = s.proposal_for(reader, s.proposals.get(&prior)?)?;
            Some((prior.id.0, prior.current().title.clone(), prior.status.words()))
        }),
        deadline: c.map(|c| Deadline::new(c.deadline, now)),
        is_open: p.status.is_open(),
        is_draft: p.status == concord_core::ProposalStatus::Draft,
        is_final: p.status.is_final(),
        can_circulate: p.status.awaits_circulation(),
        negotiating: p.status == concord_core::ProposalStatus::Negotiating,
        reopenable: matches!(
            p.status,
            concord_core::ProposalStatus::Blocked | concord_core::ProposalStatus::NotAdopted
        ),
        rounds: super::rounds::rounds(p),
        urgent: c.and_then(|c| c.urgent.clone()),
        min_silence: s.log.as_ref().and_then(|l| l.min_silence).map(|d| format!("{d:#}")).unwrap_or_default(),
        current_rev: p.current().number,
        current_text: p.current().text.clone(),
        revisions: revisions(p),
        grid: grid(s, p),
        decision: decision(p),
        // Positions are deliberation: the share they make is shown to whoever sees the grid.
        running_opt_outs: super::tally::running_opt_out_table(p).filter(|_| access == ProposalAccess::Full),
        marking: MarkingTag::of_proposal(s, stored),
        announced,
        circulated,
        lapsed: member.filter(|_| p.status.is_open()).and_then(|m| lapsed(p, m)),
        releases: releases(s, &kept.release),
        withdrawal: p
            .withdrawal
            .as_ref()
            .map(|w| format!("Withdrawn at {}: {}", timefmt::utc(w.at), w.reason))
            .unwrap_or_default(),
        my_awaiting: member.filter(|_| may_take_position).and_then(|m| super::instructions::awaiting(p, m)),
        may_take_position,
        my_position,
        secretariat: viewer.is_secretariat(),
        signatures_required,
        statement,
        stances: options(&stances(p), |s| stance_choice(s).to_owned(), &stance_sel),
        procedures: options(&procedures, |p| p.words().to_owned(), &proc_sel),
        kept,
        decision_entry: None,
    })
}

/// The audiences a circulation may release a text to, `selected` (as spelled) selected.
fn releases(s: &Domain, selected: &str) -> Vec<Opt> {
    let selected = if selected.is_empty() { "members" } else { selected };
    let members = Marking::Members.to_string();
    let mut all = vec![Opt {
        selected: members == selected,
        label: "the members only (positions always are)".into(),
        value: members,
    }];
    all.extend(super::wider_audiences(s, selected));
    all
}

pub(super) fn parse_id(id: &str) -> Result<ProposalId, WebError> {
    id.parse().map(ProposalId).map_err(|_| WebError::NotFound(format!("There is no proposal {id:?}.")))
}

pub(super) async fn render(
    state: &AppState,
    viewer: Viewer,
    id: ProposalId,
    kept: Kept,
    status: StatusCode,
) -> Result<Response, WebError> {
    let now = state.clock().now();
    let view = state.view().await;
    match build(&view.state, &viewer, id, now, kept) {
        Some(mut p) => {
            if p.decision.is_some() {
                p.decision_entry = view.decisions.get(&id).copied();
            }
            page_with(status, &p)
        }
        None => Err(WebError::NotFound(format!("There is no proposal {id}."))),
    }
}

/// `GET /proposals/{id}`.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    render(&state, viewer, id, Kept::default(), StatusCode::OK).await
}

/// Submits a command from a form: on success back to the page (POST-redirect-GET); on a refusal
/// the page again (422) with the refusal beside its field and the input kept.
pub(super) async fn submit(
    state: &AppState,
    viewer: Viewer,
    id: ProposalId,
    command: Command,
    mut kept: Kept,
    fields: &[&str],
    anchor: &str,
) -> Result<Response, WebError> {
    match state.sequencer().submit(viewer.actor, Some(format!("user:{}", viewer.user)), command, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{}#{anchor}", id.0)).into_response()),
        Err(SubmitError::Refused(r)) => {
            // Shown beside the form either way; a caller who may not act at all is told so.
            let status = match r.class() {
                concord_core::RefusalClass::Forbidden => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            kept.errors.refusal(&r, fields);
            render(state, viewer, id, kept, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PositionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    stance: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    evidence: String,
}

/// `POST /proposals/{id}/position` (a member delegation).
pub async fn take_position(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<PositionForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    let id = parse_id(&id)?;
    let Some(member) = viewer.actor.elector() else {
        return Err(WebError::Forbidden("Only a member delegation, or a partner taking part, takes positions.".into()));
    };
    let mut kept =
        Kept { stance: f.stance.clone(), text: f.text.clone(), evidence: f.evidence.clone(), ..Kept::default() };
    let stance = parse_enum::<Stance>(&f.stance);
    if stance.is_none() {
        kept.errors.add("stance", "choose a position");
    }
    let revision = f.revision.trim().parse::<u32>().ok();
    if revision.is_none() {
        kept.errors.add("", "the form does not name the revision you read; reload the page");
    }
    let (Some(stance), Some(revision)) = (stance, revision) else {
        return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let text = Some(f.text.trim().to_owned()).filter(|t| !t.is_empty());
    let evidence = crate::forms::pasted_note(&f.evidence);
    let command = Command::TakePosition { proposal: id, member, revision, stance, text, evidence };
    submit(&state, viewer, id, command, kept, &["stance", "text", "evidence"], "grid").await
}

#[derive(Debug, Deserialize)]
pub struct CirculateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    release: String,
    #[serde(default)]
    urgent: String,
}

/// An urgency typed in a form: none when left empty.
fn urgency(typed: &str) -> Option<String> {
    Some(typed.trim().to_owned()).filter(|u| !u.is_empty())
}

/// Requires the secretariat.
pub(super) fn secretariat(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.is_secretariat() { Ok(()) } else { Err(WebError::Forbidden("Only the secretariat may do this.".into())) }
}

/// `POST /proposals/{id}/circulate`.
pub async fn circulate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CirculateForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let id = parse_id(&id)?;
    let mut kept = Kept {
        procedure: f.procedure.clone(),
        deadline: f.deadline.clone(),
        release: f.release.clone(),
        urgent: f.urgent.clone(),
        ..Kept::default()
    };
    let procedure = parse_enum::<Procedure>(&f.procedure);
    if procedure.is_none() {
        kept.errors.add("procedure", "choose a procedure");
    }
    let marking = match f.release.trim() {
        "" => Some(None),
        release => release.parse::<Marking>().ok().map(Some),
    };
    if marking.is_none() {
        kept.errors.add("release", "choose whom the text is released to");
    }
    let deadline = timefmt::parse_utc_input(&f.deadline);
    if deadline.is_none() {
        kept.errors.add("deadline", "enter the deadline as a date and time in UTC");
    }
    let (Some(procedure), Some(deadline), Some(marking)) = (procedure, deadline, marking) else {
        return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    submit(
        &state,
        viewer,
        id,
        Command::Circulate { proposal: id, procedure, deadline, marking, urgent: urgency(&f.urgent) },
        kept,
        &["procedure", "deadline", "release", "urgent"],
        "grid",
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amend_title: String,
    #[serde(default)]
    amend_text: String,
    #[serde(default)]
    amend_deadline: String,
    #[serde(default)]
    urgent: String,
}

/// `POST /proposals/{id}/amend`: a new revision; an open proposal is circulated again.
pub async fn amend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AmendForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let id = parse_id(&id)?;
    let mut kept = Kept {
        amend_title: f.amend_title.clone(),
        amend_text: f.amend_text.clone(),
        amend_deadline: f.amend_deadline.clone(),
        urgent: f.urgent.clone(),
        ..Kept::default()
    };
    let deadline = if f.amend_deadline.trim().is_empty() {
        None
    } else {
        match timefmt::parse_utc_input(&f.amend_deadline) {
            Some(d) => Some(d),
            None => {
                kept.errors.add("amend_deadline", "enter the deadline as a date and time in UTC");
                return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        }
    };
    let title = Some(f.amend_title.trim().to_owned()).filter(|t| !t.is_empty());
    let command = Command::AmendProposal {
        proposal: id,
        title,
        text: f.amend_text.replace("\r\n", "\n"),
        deadline,
        urgent: urgency(&f.urgent),
    };
    let fields = ["amend_title", "amend_text", "amend_deadline", "urgent"];
    submit(&state, viewer, id, command, kept, &fields, "revisions").await
}

#[derive(Debug, Deserialize)]
pub struct DeadlineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    move_deadline: String,
    /// `extend` or `curtail`: which button was pressed.
    #[serde(default)]
    direction: String,
    #[serde(default)]
    urgent: String,
}

/// `POST /proposals/{id}/deadline`: extend or curtail.
pub async fn move_deadline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<DeadlineForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let id = parse_id(&id)?;
    let mut kept = Kept { move_deadline: f.move_deadline.clone(), urgent: f.urgent.clone(), ..Kept::default() };
    let Some(deadline) = timefmt::parse_utc_input(&f.move_deadline) else {
        kept.errors.add("move_deadline", "enter the new deadline as a date and time in UTC");
        return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let command = match f.direction.as_str() {
        "extend" => Command::ExtendDeadline { proposal: id, deadline },
        "curtail" => Command::CurtailDeadline { proposal: id, deadline, urgent: urgency(&f.urgent) },
        _ => return Err(WebError::BadRequest("extend or curtail?".into())),
    };
    submit(&state, viewer, id, command, kept, &["move_deadline", "urgent"], "grid").await
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /proposals/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    secretariat(&viewer)?;
    let id = parse_id(&id)?;
    let mut kept = Kept { reason: f.reason.clone(), ..Kept::default() };
    if f.reason.trim().is_empty() {
        kept.errors.add("reason", "say why the proposal is withdrawn");
        return render(&state, viewer, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let command = Command::Withdraw { proposal: id, reason: f.reason.trim().to_owned() };
    submit(&state, viewer, id, command, kept, &["reason"], "outcome").await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use concord_core::{Actor, DecisionKind, Member, decide};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn run(state: &mut Domain, actor: Actor, command: Command, at: &str) {
        for e in decide(state, actor, &command, t(at)).unwrap() {
            state.apply(&e).unwrap();
        }
    }

    /// Three members, a statement under silence until noon on the 28th, unsigned positions
    /// allowed or not.
    fn alliance(unsigned_positions: bool) -> Domain {
        let mut s = Domain::new();
        let at = "2024-02-27T09:00:00Z";
        let key = concord_ledger::keys::Signer::from_seed("test.concord.example/log", [1; 32]).unwrap();
        let log_key = key.verifier().to_string();
        let create = Command::CreateLog {
            origin: "test.concord.example/log".into(),
            log_key,
            unsigned_positions,
            min_silence: None,
        };
        run(&mut s, Actor::Secretariat, create, at);
        for (code, name) in [("FRA", "France"), ("HUN", "Hungary"), ("NOR", "Norway")] {
            let member = Member {
                code: CountryCode::parse(code).unwrap(),
                alpha2: code[..2].into(),
                numeric: "000".into(),
                name: name.into(),
                accession: "1949-08-24".parse().unwrap(),
                departure: None,
            };
            run(&mut s, Actor::Secretariat, Command::AdmitMember { member }, at);
        }
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "No combat troops".into(),
            text: "There are no plans.".into(),
        };
        run(&mut s, Actor::Secretariat, draft, at);
        let circulate = Command::Circulate {
            proposal: ProposalId(1),
            procedure: Procedure::Silence,
            deadline: t("2024-02-28T12:00:00Z"),
            marking: None,
            urgent: None,
        };
        run(&mut s, Actor::Secretariat, circulate, at);
        s
    }

    use concord_core::CountryCode;

    fn viewer(actor: Actor) -> Viewer {
        Viewer { user: "u".into(), actor, csrf: "the-csrf-token".into(), token_hash: [0; 32], unread: 0 }
    }

    #[test]
    fn the_grid_says_each_position_in_words_and_colour_and_the_decision_why() {
        let mut s = alliance(true);
        let take = |m: &str, stance, text: Option<&str>| Command::TakePosition {
            proposal: ProposalId(1),
            member: CountryCode::parse(m).unwrap(),
            revision: 1,
            stance,
            text: text.map(str::to_owned),
            evidence: None,
        };
        let fra = Actor::Member(CountryCode::parse("FRA").unwrap());
        run(
            &mut s,
            fra,
            take("FRA", Stance::ConcurWithReservation, Some("Within the treaty.")),
            "2024-02-27T10:00:00Z",
        );
        let now = t("2024-02-27T11:00:00Z");
        let html = build(&s, &viewer(fra), ProposalId(1), now, Kept::default()).unwrap().render().unwrap();
        assert!(
            html.contains("st-reservation\"><span aria-hidden=\"true\">✓!</span> concurred with a reservation"),
            "{html}"
        );
        assert!(html.contains("silent so far (silence at the deadline is concurrence)"));
        assert!(html.contains("Within the treaty."));
        assert!(html.contains("name=\"csrf\" value=\"the-csrf-token\""), "every form carries the token");
        assert!(html.contains("Take a position") && html.contains("1 day 1 hour 0 minutes left"));
        assert!(!html.contains("Signed note"), "unsigned positions: no signature asked");

        // At the deadline the others concur by silence; the page says so and why.
        run(&mut s, Actor::Scheduler, Command::CloseAtDeadline { proposal: ProposalId(1) }, "2024-02-28T12:00:00Z");
        let after = t("2024-02-28T13:00:00Z");
        let hun = Actor::Member(CountryCode::parse("HUN").unwrap());
        let html = build(&s, &viewer(hun), ProposalId(1), after, Kept::default()).unwrap().render().unwrap();
        assert!(html.contains("concurred by silence"));
        assert!(html.contains("adopted with reservations"));
        assert!(html.contains("Reservations from FRA are published with it."));
        assert!(html.contains(">public<"), "an adopted statement is announced: {html}");
        // The record names who concurred explicitly and who by silence.
        assert!(
            html.contains("Concurred explicitly: FRA.") && html.contains("Concurred by silence: HUN, NOR."),
            "{html}"
        );

        // An observer reads the announced outcome, as the log releases it (the reservations are
        // published with the decision), and no grid of positions.
        let html =
            build(&s, &viewer(Actor::Observer), ProposalId(1), after, Kept::default()).unwrap().render().unwrap();
        assert!(html.contains("adopted with reservations"));
        assert!(html.contains("Reservations from FRA are published with it."), "{html}");
        assert!(!html.contains("badge st-silence"), "no grid: {html}");
        assert!(html.contains("The positions are for the members"));
        assert!(!html.contains("Take a position") && !html.contains("Secretariat actions"), "an observer gets no form");
    }

    #[test]
    fn a_log_that_requires_signatures_shows_the_statement_to_sign() {
        let s = alliance(false);
        let hun = Actor::Member(CountryCode::parse("HUN").unwrap());
        let html = build(&s, &viewer(hun), ProposalId(1), t("2024-02-27T11:00:00Z"), Kept::default())
            .unwrap()
            .render()
            .unwrap();
        assert!(html.contains("Signed note"));
        assert!(
            html.contains("concord/position/v1\norigin test.concord.example/log\nmember HUN\nproposal 1\nrevision 1"),
            "{html}"
        );
    }

    #[test]
    fn drafts_are_the_secretariats_alone() {
        let mut s = alliance(true);
        let draft = Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Routine,
            significance: None,
            title: "Draft".into(),
            text: "Not yet.".into(),
        };
        run(&mut s, Actor::Secretariat, draft, "2024-02-27T09:30:00Z");
        let now = t("2024-02-27T11:00:00Z");
        assert!(build(&s, &viewer(Actor::Observer), ProposalId(2), now, Kept::default()).is_none());
        let html =
            build(&s, &viewer(Actor::Secretariat), ProposalId(2), now, Kept::default()).unwrap().render().unwrap();
        assert!(html.contains("Circulate") && html.contains("Withdraw"));
    }
}
