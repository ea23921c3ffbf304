//! A world with a marker planted in every free-text field a reader may or may not be cleared
//! for, built through the sequencer the way every write is. The API's walk
//! (`crates/server/tests/need_to_know.rs`) and the web's (`crates/web/tests/need_to_know.rs`,
//! which includes this file by path) plant the same world and look for the markers in every
//! answer.
//!
//! Each marker names its audience: [`DRAFT`] the secretariat's alone, [`MEMBERS`] the members',
//! [`BODY`] the members' of a body France does not sit in, [`UKR`] and [`MDA`] the members' and
//! that partner's, and [`PUBLIC`] everyone's (the text of an adopted statement), so that a walk
//! can also show that an admitted reader does see them.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use concord_core::support::{
    Capability, Channel, CoalitionTerms, Currency, DeliveryId, FundId, FundPolicy, FundTerms, Money, PledgeId,
    PledgeTerms, Priority, RangeClass, RequestTerms, SupportCategory, SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, CountryCode, DecisionKind, Marking, Partner, Procedure, ProposalId, Stance};
use concord_server::AppState;
use jiff::SignedDuration;

/// In a draft never circulated: the secretariat's alone.
pub const DRAFT: &str = "MARKER-DRAFT-7f3a";
/// In deliberation: titles and texts not announced, positions, reservations, objections,
/// withdrawal reasons, coalitions, funds.
pub const MEMBERS: &str = "MARKER-MEMBERS-c41d";
/// Released to Ukraine: its requests, pledges to it, deliveries, corrections, receipts.
pub const UKR: &str = "MARKER-UKR-92be";
/// Released to Moldova.
pub const MDA: &str = "MARKER-MDA-5e07";
/// Announced: the title, text and reservations of an adopted statement.
pub const PUBLIC: &str = "PUBLIC-NOTICE-1b2c";
/// Deliberated in a body France does not sit in: its members' (and the secretariat's) alone.
pub const BODY: &str = "MARKER-BODY-3d81";

/// Every marker, with the readers admitted to it (by [`Who`]).
pub const MARKERS: [(&str, &[Who]); 6] = [
    (DRAFT, &[Who::Secretariat]),
    (MEMBERS, &[Who::Secretariat, Who::Member, Who::Outsider]),
    (BODY, &[Who::Secretariat, Who::Member]),
    (UKR, &[Who::Secretariat, Who::Member, Who::Outsider, Who::Ukr]),
    (MDA, &[Who::Secretariat, Who::Member, Who::Outsider, Who::Mda]),
    (PUBLIC, &[Who::Secretariat, Who::Member, Who::Outsider, Who::Ukr, Who::Mda, Who::Observer, Who::Anonymous]),
];

/// The readers a walk reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    Anonymous,
    Observer,
    Mda,
    Ukr,
    Member,
    /// France's delegation: a member, outside the body [`BODY`] is deliberated in.
    Outsider,
    Secretariat,
}

impl Who {
    pub const ALL: [Self; 7] =
        [Self::Anonymous, Self::Observer, Self::Mda, Self::Ukr, Self::Member, Self::Outsider, Self::Secretariat];

    /// The actor behind the reader (`None`: no credentials at all).
    pub fn actor(self, member: CountryCode) -> Option<Actor> {
        match self {
            Self::Anonymous => None,
            Self::Observer => Some(Actor::Observer),
            Self::Mda => Some(Actor::Partner(code("MDA"))),
            Self::Ukr => Some(Actor::Partner(code("UKR"))),
            Self::Member => Some(Actor::Member(member)),
            Self::Outsider => Some(Actor::Member(code("FRA"))),
            Self::Secretariat => Some(Actor::Secretariat),
        }
    }
}

/// The markers `who` may not read.
pub fn forbidden(who: Who) -> Vec<&'static str> {
    MARKERS.iter().filter(|(_, admitted)| !admitted.contains(&who)).map(|(m, _)| *m).collect()
}

/// Every concrete path of a path template (an OpenAPI path, a web route): each `{param}`
/// replaced by every id of the collection named by the segment before it. A parameter after a
/// collection the walk has no ids for fails the walk, so that a new one is taught, not skipped.
pub fn expand(template: &str, ids: &BTreeMap<&str, Vec<String>>) -> Vec<String> {
    let mut paths = vec![String::new()];
    let mut previous = "";
    for segment in template.split('/').skip(1) {
        let values = if segment.starts_with('{') {
            ids.get(previous).cloned().unwrap_or_else(|| {
                panic!("{template}: this test does not know which ids fill {segment} (after {previous:?}); teach it")
            })
        } else {
            vec![segment.to_owned()]
        };
        paths = paths.iter().flat_map(|p| values.iter().map(move |v| format!("{p}/{v}"))).collect();
        previous = segment;
    }
    paths
}

pub fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("a valid code")
}

fn eur(minor_units: i64) -> Money {
    Money { minor_units, currency: Currency::EUR }
}

async fn run(state: &AppState, actor: Actor, command: Command) {
    if let Err(e) = state.sequencer().submit(actor, None, command.clone(), None).await {
        panic!("planting: {actor} {command:?} was refused: {e}");
    }
}

async fn support(state: &AppState, actor: Actor, command: SupportCommand) {
    run(state, actor, Command::Support(command)).await;
}

/// Drafts a proposal; its id.
async fn draft(state: &AppState, kind: DecisionKind, title: String, text: String) -> ProposalId {
    let id = state.view().await.state.next_proposal_id();
    run(
        state,
        Actor::Secretariat,
        Command::DraftProposal { body: None, follows: None, kind, significance: None, title, text },
    )
    .await;
    id
}

async fn circulate(state: &AppState, proposal: ProposalId, procedure: Procedure) {
    circulate_to(state, proposal, procedure, None).await;
}

/// Circulates `proposal`, releasing its texts and procedure to `marking` beyond the members.
async fn circulate_to(state: &AppState, proposal: ProposalId, procedure: Procedure, marking: Option<Marking>) {
    let deadline = state.clock().now().checked_add(SignedDuration::from_hours(24)).expect("a deadline");
    run(state, Actor::Secretariat, Command::Circulate { proposal, procedure, deadline, marking, urgent: None }).await;
}

/// `member` takes `stance` on the current revision.
async fn take(state: &AppState, proposal: ProposalId, member: CountryCode, stance: Stance, text: Option<String>) {
    let revision = state.view().await.state.proposals[&proposal].current().number;
    let command = Command::TakePosition { proposal, member, revision, stance, text, evidence: None };
    run(state, Actor::Member(member), command).await;
}

/// Every elector concurs, the first with a reservation carrying `reservation`.
async fn all_concur(state: &AppState, proposal: ProposalId, reservation: String) {
    let electors = state.view().await.state.proposals[&proposal].electorate().to_vec();
    for (i, m) in electors.into_iter().enumerate() {
        let (stance, text) =
            if i == 0 { (Stance::ConcurWithReservation, Some(reservation.clone())) } else { (Stance::Concur, None) };
        take(state, proposal, m, stance, text).await;
    }
}

fn pledge(donor: CountryCode, recipient: &str, item: String) -> PledgeTerms {
    PledgeTerms {
        donor,
        recipient: code(recipient),
        request: None,
        channel: Channel::Bilateral,
        coalition: None,
        fund: None,
        category: SupportCategory::Medical,
        capability: Capability::Medical,
        range: RangeClass::NotApplicable,
        item: item.into(),
        quantity: 10,
        value: eur(1_000_000),
        valuation: ValuationMethod::ReportedByDonor,
        announced_on: None,
        source_ref: None,
        authorised_by: None,
    }
}

fn request_terms(partner: &str, description: String) -> RequestTerms {
    RequestTerms {
        partner: code(partner),
        category: SupportCategory::Medical,
        capability: Capability::Medical,
        description,
        quantity: 100,
        unit: "kits".into(),
        priority: Priority::High,
        needed_by: None,
    }
}

/// Plants the markers in a state that already has members (at least one) and returns the member
/// whose delegation pledges and who reads as "a member". Registers Ukraine and Moldova if absent.
pub async fn plant(state: &AppState) -> CountryCode {
    let (members, partners): (Vec<CountryCode>, BTreeSet<CountryCode>) = {
        let view = state.view().await;
        (view.state.members.keys().copied().collect(), view.state.partners.keys().copied().collect())
    };
    let donor = *members.first().expect("planting needs a member");
    for (c, name) in [("UKR", "Ukraine"), ("MDA", "Moldova")] {
        if !partners.contains(&code(c)) {
            run(
                state,
                Actor::Secretariat,
                Command::RegisterPartner { partner: Partner { code: code(c), name: name.into() } },
            )
            .await;
        }
    }
    plant_deliberation(state).await;
    plant_support(state, donor).await;
    donor
}

async fn plant_deliberation(state: &AppState) {
    let m = |s: &str| format!("{MEMBERS} {s}");
    // A body: public (who decides by which rule is no secret); a draft of it is not.
    let body = concord_core::BodyId::parse("planted").expect("a body id");
    let establish = Command::EstablishBody {
        id: body.clone(),
        name: format!("{PUBLIC} committee"),
        parent: None,
        roster: concord_core::Roster::AllMembers { except: Vec::new() },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: concord_core::decision_rule::Rule::Consensus,
        proxies: false,
    };
    run(state, Actor::Secretariat, establish).await;
    // Population figures: public statistics, from a named source.
    let figures = state.view().await.state.members.keys().map(|m| (*m, 1_000_000)).collect();
    let populations =
        concord_core::decision_rule::Populations { year: 2024, source: format!("{PUBLIC} statistics"), figures };
    run(state, Actor::Secretariat, Command::RecordPopulations { populations }).await;

    // A draft, never circulated.
    draft(state, DecisionKind::Statement, format!("{DRAFT} title"), format!("{DRAFT} text")).await;
    // A statement amended before circulation, then adopted with a reservation: announced with
    // its reservation (published with the decision), but its first text is deliberation.
    let statement = draft(state, DecisionKind::Statement, m("first title"), m("first text")).await;
    let amend = Command::AmendProposal {
        proposal: statement,
        title: Some(format!("{PUBLIC} statement")),
        text: format!("{PUBLIC} adopted text"),
        deadline: None,
        urgent: None,
    };
    run(state, Actor::Secretariat, amend).await;
    circulate(state, statement, Procedure::ConsensusRound).await;
    all_concur(state, statement, format!("{PUBLIC} reservation published with the decision")).await;
    // An assistance programme blocked by an objection.
    let blocked = draft(state, DecisionKind::AssistanceProgramme, m("blocked title"), m("blocked text")).await;
    circulate(state, blocked, Procedure::Silence).await;
    let first = state.view().await.state.proposals[&blocked].electorate()[0];
    take(state, blocked, first, Stance::Object, Some(m("objection"))).await;
    // An enlargement still under silence, with a reservation taken.
    let open = draft(state, DecisionKind::Enlargement, m("open title"), m("open text")).await;
    circulate(state, open, Procedure::Silence).await;
    take(state, open, first, Stance::ConcurWithReservation, Some(m("open reservation"))).await;
    // Routine business circulated to Ukraine: its texts are Ukraine's to read, not its positions.
    let shared = draft(state, DecisionKind::Routine, format!("{UKR} shared title"), format!("{UKR} shared text")).await;
    circulate_to(state, shared, Procedure::Silence, Some(Marking::MembersAndPartner(code("UKR")))).await;
    take(state, shared, first, Stance::ConcurWithReservation, Some(m("reservation on the shared text"))).await;
    // Another elector awaits its capital's instructions on it: the members' to know, not Ukraine's.
    let waiting = state.view().await.state.proposals[&shared].electorate()[1];
    let note = Some(m("awaiting instructions on the shared text"));
    run(state, Actor::Member(waiting), Command::AwaitInstructions { proposal: shared, member: waiting, note }).await;
    // Routine business circulated, then withdrawn.
    let withdrawn = draft(state, DecisionKind::Routine, m("withdrawn title"), m("withdrawn text")).await;
    circulate(state, withdrawn, Procedure::Silence).await;
    run(state, Actor::Secretariat, Command::Withdraw { proposal: withdrawn, reason: m("withdrawal reason") }).await;
    // A deployment adopted by consensus: adopted, but not a kind the alliance announces.
    let deploy = draft(state, DecisionKind::DeployForces, m("deployment title"), m("deployment text")).await;
    circulate(state, deploy, Procedure::ConsensusRound).await;
    all_concur(state, deploy, m("reservation on the deployment")).await;
    // Last, so that the proposals planted before keep their numbers: a draft of the body,
    // never circulated.
    let in_body = Command::DraftProposal {
        body: Some(body),
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: format!("{DRAFT} committee title"),
        text: format!("{DRAFT} committee text"),
    };
    run(state, Actor::Secretariat, in_body).await;
    // A body France does not sit in: what it deliberates is for its own members, not every
    // member (need to know among the members).
    let inner = concord_core::BodyId::parse("inner").expect("a body id");
    let establish = Command::EstablishBody {
        id: inner.clone(),
        name: "Inner group".into(),
        parent: None,
        roster: concord_core::Roster::AllMembers { except: vec![code("FRA")] },
        kinds: Vec::new(),
        procedures: Vec::new(),
        rule: concord_core::decision_rule::Rule::Consensus,
        proxies: false,
    };
    run(state, Actor::Secretariat, establish).await;
    let id = state.view().await.state.next_proposal_id();
    let command = Command::DraftProposal {
        body: Some(inner),
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: format!("{BODY} title"),
        text: format!("{BODY} text"),
    };
    run(state, Actor::Secretariat, command).await;
    circulate(state, id, Procedure::Silence).await;
    take(state, id, first, Stance::ConcurWithReservation, Some(format!("{BODY} reservation"))).await;
}

async fn plant_support(state: &AppState, donor: CountryCode) {
    let m = |s: &str| format!("{MEMBERS} {s}");
    let u = |s: &str| format!("{UKR} {s}");
    let member = Actor::Member(donor);
    let (ukr, mda) = (Actor::Partner(code("UKR")), Actor::Partner(code("MDA")));
    // The adopted programme a fund needs: announced, so nothing in it is marked.
    let programme =
        draft(state, DecisionKind::AssistanceProgramme, "Winter programme".into(), "Winter kit.".into()).await;
    circulate(state, programme, Procedure::ConsensusRound).await;
    all_concur(state, programme, "Winter kit is welcome.".into()).await;
    let coalition = state.view().await.state.support.next_coalition_id();
    let terms = CoalitionTerms {
        name: m("coalition"),
        capability: Capability::Medical,
        leads: [donor].into(),
        participants: [donor].into(),
        formed_on: None,
    };
    support(state, Actor::Secretariat, SupportCommand::FormCoalition { coalition: terms }).await;
    let fund = FundTerms {
        name: m("fund"),
        channel: Channel::AllianceFund,
        policy: FundPolicy::NonLethalOnly,
        authorised_by: programme,
    };
    let id: FundId = state.view().await.state.support.next_fund_id();
    support(state, Actor::Secretariat, SupportCommand::CreateFund { fund }).await;
    let fund = id;

    let request = state.view().await.state.support.next_request_id();
    support(state, ukr, SupportCommand::FileRequest { request: request_terms("UKR", u("request")) }).await;
    let withdrawn = state.view().await.state.support.next_request_id();
    support(state, ukr, SupportCommand::FileRequest { request: request_terms("UKR", u("withdrawn request")) }).await;
    support(state, ukr, SupportCommand::WithdrawRequest { request: withdrawn, reason: Some(u("withdrawal")) }).await;
    support(state, mda, SupportCommand::FileRequest { request: request_terms("MDA", format!("{MDA} request")) }).await;

    let first: PledgeId = state.view().await.state.support.next_pledge_id();
    let mut answer = pledge(donor, "UKR", u("item"));
    answer.request = Some(request);
    answer.source_ref = Some(u("source").into());
    let mut to_fund = pledge(donor, "UKR", u("fund item"));
    (to_fund.channel, to_fund.fund) = (Channel::AllianceFund, Some(fund));
    let mut by_coalition = pledge(donor, "UKR", u("coalition item"));
    (by_coalition.channel, by_coalition.coalition) = (Channel::Coalition, Some(coalition));
    let to_mda = pledge(donor, "MDA", format!("{MDA} item"));
    for terms in [answer, to_fund, by_coalition, to_mda] {
        support(state, member, SupportCommand::RecordPledge { pledge: terms, status: None }).await;
    }
    let delivery: DeliveryId = state.view().await.state.support.next_delivery_id();
    let on = "2024-03-01".parse().expect("a date");
    support(
        state,
        member,
        SupportCommand::RecordDelivery { pledge: first, delivered_on: on, quantity: 5, value: eur(1) },
    )
    .await;
    let correction = SupportCommand::CorrectDeliveries {
        pledge: first,
        delivered_on: on,
        quantity: -1,
        value: eur(0),
        reason: u("correction"),
    };
    support(state, member, correction).await;
    support(state, ukr, SupportCommand::ConfirmReceipt { delivery, note: Some(u("receipt")) }).await;
}
