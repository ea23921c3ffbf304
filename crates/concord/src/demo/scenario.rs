//! The founding brief's scenario (27 February 2024), as commands with the times they happen.
//!
//! Illustrative: the members, their accession dates and Ukraine as partner are facts
//! (domain.md §4); the proposals' texts paraphrase the brief, and **every position is invented
//! for the demonstration**, not a record of what any state said.

use anyhow::Context;
use std::collections::BTreeMap;

use concord_core::{
    Actor, Chair, Command, CountryCode, DecisionKind, Marking, Member, Partner, PositionStatement, Procedure,
    ProposalId, Stance, member_key_name, partner_key_name, text_hash,
};
use concord_ledger::keys::Signer;
use concord_ledger::note;
use concord_log::Touched;
use concord_store::{Batch, Store};
use jiff::{SignedDuration, Timestamp, civil::Date};

/// The label carried by every scenario text.
pub const ILLUSTRATIVE: &str = "[Illustrative scenario: positions in this demo are invented to show the procedure, not a record of real positions.]";

/// NATO's 32 members: alpha-3, alpha-2, numeric, name, accession (domain.md §4). Our own table
/// of public facts; Sweden is admitted last, on its accession day, as an event of the log.
const MEMBERS: &[(&str, &str, &str, &str, &str)] = &[
    ("BEL", "BE", "056", "Belgium", "1949-08-24"),
    ("CAN", "CA", "124", "Canada", "1949-08-24"),
    ("DNK", "DK", "208", "Denmark", "1949-08-24"),
    ("FRA", "FR", "250", "France", "1949-08-24"),
    ("ISL", "IS", "352", "Iceland", "1949-08-24"),
    ("ITA", "IT", "380", "Italy", "1949-08-24"),
    ("LUX", "LU", "442", "Luxembourg", "1949-08-24"),
    ("NLD", "NL", "528", "Netherlands", "1949-08-24"),
    ("NOR", "NO", "578", "Norway", "1949-08-24"),
    ("PRT", "PT", "620", "Portugal", "1949-08-24"),
    ("GBR", "GB", "826", "United Kingdom", "1949-08-24"),
    ("USA", "US", "840", "United States", "1949-08-24"),
    ("GRC", "GR", "300", "Greece", "1952-02-18"),
    ("TUR", "TR", "792", "Türkiye", "1952-02-18"),
    ("DEU", "DE", "276", "Germany", "1955-05-06"),
    ("ESP", "ES", "724", "Spain", "1982-05-30"),
    ("CZE", "CZ", "203", "Czechia", "1999-03-12"),
    ("HUN", "HU", "348", "Hungary", "1999-03-12"),
    ("POL", "PL", "616", "Poland", "1999-03-12"),
    ("BGR", "BG", "100", "Bulgaria", "2004-03-29"),
    ("EST", "EE", "233", "Estonia", "2004-03-29"),
    ("LVA", "LV", "428", "Latvia", "2004-03-29"),
    ("LTU", "LT", "440", "Lithuania", "2004-03-29"),
    ("ROU", "RO", "642", "Romania", "2004-03-29"),
    ("SVK", "SK", "703", "Slovakia", "2004-03-29"),
    ("SVN", "SI", "705", "Slovenia", "2004-03-29"),
    ("ALB", "AL", "008", "Albania", "2009-04-01"),
    ("HRV", "HR", "191", "Croatia", "2009-04-01"),
    ("MNE", "ME", "499", "Montenegro", "2017-06-05"),
    ("MKD", "MK", "807", "North Macedonia", "2020-03-27"),
    ("FIN", "FI", "246", "Finland", "2023-04-04"),
    ("SWE", "SE", "752", "Sweden", "2024-03-07"),
];

pub(super) fn code(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("the scenario's codes are valid")
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("the scenario's times are valid")
}

fn member(row: &(&str, &str, &str, &str, &str)) -> Member {
    let (a3, a2, num, name, acc) = *row;
    Member {
        code: code(a3),
        alpha2: a2.into(),
        numeric: num.into(),
        name: name.into(),
        accession: acc.parse::<Date>().expect("the scenario's dates are valid"),
        departure: None,
    }
}

pub(super) fn position(proposal: u64, m: &str, stance: Stance, text: Option<&str>) -> (Actor, Command) {
    (
        Actor::Member(code(m)),
        Command::TakePosition {
            proposal: ProposalId(proposal),
            member: code(m),
            revision: 1,
            stance,
            text: text.map(|t| format!("{t} {ILLUSTRATIVE}")),
            evidence: None,
        },
    )
}

pub(super) fn text(body: &str) -> String {
    format!("{body}\n\n{ILLUSTRATIVE}")
}

/// The scenario's steps, in time order; `now` places the still-open procedure (d).
#[must_use]
pub fn steps(now: Timestamp) -> Vec<(Timestamp, Actor, Command)> {
    let sec = Actor::Secretariat;
    let mut s: Vec<(Timestamp, Actor, Command)> = Vec::new();
    let mut push = |t: &str, a: Actor, c: Command| s.push((at(t), a, c));

    // The alliance as of 20 February 2024: 31 members, and Ukraine as partner.
    for row in &MEMBERS[..31] {
        push("2024-02-20T09:00:00Z", sec, Command::AdmitMember { member: member(row) });
    }
    push(
        "2024-02-20T09:00:00Z",
        sec,
        Command::RegisterPartner { partner: Partner { code: code("UKR"), name: "Ukraine".into() } },
    );
    // The Secretary General chairs the Council.
    push("2024-02-20T09:00:00Z", sec, Command::AppointChair { body: None, chair: Chair::Secretariat, from: None });

    // (a) The public statement, under silence: adopted at the deadline.
    push(
        "2024-02-27T08:00:00Z",
        sec,
        Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::Statement,
            significance: None,
            title: "Statement: no plans for alliance combat troops on the ground in Ukraine".into(),
            text: text(
                "Allies are providing unprecedented support to Ukraine. We have done that since 2014 and stepped up after \
             the full-scale invasion. There are no plans for alliance combat troops on the ground in Ukraine. Ukraine \
             has the right to self-defence, and Allies have the right to support it in upholding that right.",
            ),
        },
    );
    push(
        "2024-02-27T08:30:00Z",
        sec,
        Command::Circulate {
            proposal: ProposalId(1),
            procedure: Procedure::Silence,
            deadline: at("2024-02-27T15:00:00Z"),
            marking: None,
            urgent: Some("The statement answers the day's reports; it must be out before the evening news.".into()),
        },
    );
    for (t, m) in [("2024-02-27T09:10:00Z", "USA"), ("2024-02-27T09:40:00Z", "DEU"), ("2024-02-27T10:05:00Z", "GBR")] {
        let (a, c) = position(1, m, Stance::Concur, None);
        push(t, a, c);
    }
    push("2024-02-27T15:00:00Z", Actor::Scheduler, Command::CloseAtDeadline { proposal: ProposalId(1) });

    // (c) Deploying combat troops: never by silence; a consensus round, blocked by an objection.
    push(
        "2024-02-27T11:00:00Z",
        sec,
        Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::DeployForces,
            significance: None,
            title: "Deploy alliance combat troops to Ukraine".into(),
            text: text("The North Atlantic Council decides to deploy alliance combat forces on the ground in Ukraine."),
        },
    );
    push(
        "2024-02-27T11:30:00Z",
        sec,
        Command::Circulate {
            proposal: ProposalId(2),
            procedure: Procedure::ConsensusRound,
            deadline: at("2024-03-05T17:00:00Z"),
            marking: None,
            urgent: None,
        },
    );
    let (a, c) = position(2, "LTU", Stance::Concur, None);
    push("2024-02-28T10:00:00Z", a, c);
    let (a, c) = position(2, "DEU", Stance::Object, Some("Germany will not send ground troops."));
    push("2024-02-28T12:00:00Z", a, c);

    // (b) A non-lethal assistance programme under silence: adopted with a reservation and an opt-out.
    push(
        "2024-02-29T09:00:00Z",
        sec,
        Command::DraftProposal {
            body: None,
            follows: None,
            kind: DecisionKind::AssistanceProgramme,
            significance: None,
            title: "Comprehensive assistance: medical supplies, uniforms and winter equipment".into(),
            text: text(
                "The alliance's trust fund provides Ukraine with non-lethal assistance: medical supplies and first-aid \
             kits, uniforms, and winter equipment, delivered on Ukraine's requests. Contributions are voluntary.",
            ),
        },
    );
    push(
        "2024-02-29T09:30:00Z",
        sec,
        Command::Circulate {
            proposal: ProposalId(3),
            procedure: Procedure::Silence,
            deadline: at("2024-03-04T17:00:00Z"),
            marking: None,
            urgent: None,
        },
    );
    let (a, c) =
        position(3, "HUN", Stance::OptOut, Some("Hungary will not block, but will neither fund nor staff it."));
    push("2024-03-01T10:00:00Z", a, c);
    let (a, c) = position(
        3,
        "TUR",
        Stance::ConcurWithReservation,
        Some("Türkiye understands the programme as strictly non-lethal and without alliance personnel in Ukraine."),
    );
    push("2024-03-01T14:00:00Z", a, c);
    let (a, c) = position(3, "POL", Stance::Concur, None);
    push("2024-03-02T08:00:00Z", a, c);
    push("2024-03-04T17:00:00Z", Actor::Scheduler, Command::CloseAtDeadline { proposal: ProposalId(3) });

    // Sweden joins on 7 March 2024: the 32nd member, elector only of what is circulated after.
    push("2024-03-07T12:00:00Z", sec, Command::AdmitMember { member: member(&MEMBERS[31]) });

    s.sort_by_key(|(t, _, _)| *t);

    // The support history from 2022, recorded once the fund's programme (proposal 3) is adopted.
    s.extend(super::support_history::steps(ProposalId(3)));

    // (d) An open silence procedure, its deadline three days from now (on the hour). The text is
    // circulated to Ukraine too, the programme's recipient: it reads the text and the deadline,
    // never the positions.
    let start = now.checked_sub(SignedDuration::from_mins(30)).unwrap_or(now);
    let deadline = round_to_hour(now.checked_add(SignedDuration::from_hours(72)).unwrap_or(now));
    s.push((start, sec, Command::DraftProposal { body: None, follows: None,
        kind: DecisionKind::AssistanceProgramme,
        significance: None,
        title: "Winter equipment for Ukraine, next season".into(),
        text: text(
            "The alliance's trust fund buys generators, winter clothing and fuel for Ukraine's forces for the coming \
             winter, within the non-lethal policy of the fund.",
        ),
    }));
    s.push((
        start,
        sec,
        Command::Circulate {
            proposal: ProposalId(4),
            procedure: Procedure::Silence,
            deadline,
            marking: Some(Marking::MembersAndPartner(code("UKR"))),
            urgent: None,
        },
    ));
    let t = start.checked_add(SignedDuration::from_mins(10)).unwrap_or(start);
    for m in ["NOR", "SWE"] {
        let (a, c) = position(4, m, Stance::Concur, None);
        s.push((t, a, c));
    }

    // (e) A second body: the Nuclear Planning Group (`bodies.rs`).
    let t = t.checked_add(SignedDuration::from_mins(5)).unwrap_or(t);
    s.extend(super::bodies::nuclear_planning_group(t, deadline));
    // (f) A clearly illustrative body that votes (`illustrative.rs`).
    s.extend(super::illustrative::steps(t, deadline));
    // (g) The NATO-Ukraine Council, where the partner takes part (`bodies.rs`).
    s.extend(super::bodies::nato_ukraine_council(t, deadline));
    s
}

fn round_to_hour(t: Timestamp) -> Timestamp {
    let secs = t.as_second();
    Timestamp::from_second(secs - secs.rem_euclid(3600) + 3600).unwrap_or(t)
}

/// The demo's keys: the log's, and those of the delegations that get demo tokens (and the
/// partner's, for the body it takes part in), who sign their positions in the scenario.
#[derive(Debug)]
pub struct DemoKeys {
    pub log: Signer,
    pub members: BTreeMap<CountryCode, Signer>,
}

/// The delegations the demo gives tokens and keys to.
pub const DEMO_DELEGATIONS: [&str; 5] = ["USA", "FRA", "DEU", "HUN", "SWE"];

impl DemoKeys {
    /// Keys for the log and [`DEMO_DELEGATIONS`], from `seed` (random in the demo, fixed in tests).
    pub fn new(log: Signer, mut seed: impl FnMut() -> anyhow::Result<[u8; 32]>) -> anyhow::Result<Self> {
        let origin = log.name().to_string();
        let mut members = BTreeMap::new();
        for m in DEMO_DELEGATIONS {
            let c = code(m);
            members.insert(c, Signer::from_seed(&member_key_name(&origin, c), seed()?)?);
        }
        let ukr = code("UKR");
        members.insert(ukr, Signer::from_seed(&partner_key_name(&origin, ukr), seed()?)?);
        Ok(Self { log, members })
    }
}

/// The account sealed with a scenario step: the demo's web user for the acting role
/// (`user:usa` for the United States, `user:secretariat`…), as if that person had acted through
/// the web, so that the demo's log shows what a real one records. Roles without a demo user
/// (most members, the scheduler) act with no account rather than one that cannot sign in.
fn demo_account(actor: Actor) -> Option<String> {
    super::demo_users().into_iter().find(|(_, a)| *a == actor).map(|(name, _)| format!("user:{name}"))
}

/// The demo's minimum silence, as a deployment's default: a day.
pub const MIN_SILENCE: SignedDuration = SignedDuration::from_hours(24);

/// Appends the scenario to an empty store in one transaction: the log's creation (accepting
/// unsigned positions, so that the demo can be driven with curl), the steps, each demo
/// delegation's key enrolled when it is admitted, and its positions signed with it.
pub async fn load(store: &dyn Store, now: Timestamp, keys: &DemoKeys) -> anyhow::Result<()> {
    let mut loaded = concord_log::load(store).await.context("cannot read the log")?;
    anyhow::ensure!(loaded.size == 0, "the database is not empty; the demo needs a fresh one");
    let mut entries = Vec::new();
    let mut touched = Touched::default();
    let mut salts = concord_log::salts()?;
    let create = Command::CreateLog {
        origin: keys.log.name().to_string(),
        log_key: keys.log.verifier().to_string(),
        unsigned_positions: true,
        min_silence: Some(MIN_SILENCE),
    };
    // The log is created by the server itself, as `open_log` does: no account acted.
    loaded.sequence(
        Actor::Secretariat,
        None,
        &create,
        None,
        at("2024-02-20T08:00:00Z"),
        &mut salts,
        &mut entries,
        &mut touched,
    )?;
    for (t, actor, mut command) in steps(now) {
        if let Command::TakePosition { proposal, member, revision, stance, text, evidence } = &mut command {
            if let (Some(key), Some(p)) = (keys.members.get(member), loaded.state.proposals.get(proposal)) {
                let statement = PositionStatement {
                    origin: keys.log.name().to_string(),
                    member: *member,
                    proposal: *proposal,
                    revision: *revision,
                    text_hash: p.current().text_hash.clone(),
                    stance: *stance,
                    statement_hash: text.as_deref().map(text_hash),
                    time: t,
                };
                *evidence = Some(note::sign(&statement.to_text(), &[key])?);
            }
        }
        let account = demo_account(actor);
        loaded
            .sequence(actor, account.as_deref(), &command, None, t, &mut salts, &mut entries, &mut touched)
            .with_context(|| format!("the scenario step at {t} ({command:?}) was refused"))?;
        let admitted = match &command {
            Command::AdmitMember { member } => Some(member.code),
            Command::RegisterPartner { partner } => Some(partner.code),
            _ => None,
        };
        if let Some(code) = admitted {
            if let Some(key) = keys.members.get(&code) {
                let enrol = Command::RegisterMemberKey {
                    member: code,
                    key: key.verifier().to_string(),
                    valid_from: Some(t),
                    valid_until: None,
                };
                let account = demo_account(Actor::Secretariat);
                loaded.sequence(
                    Actor::Secretariat,
                    account.as_deref(),
                    &enrol,
                    None,
                    t,
                    &mut salts,
                    &mut entries,
                    &mut touched,
                )?;
            }
        }
    }
    let batch = Batch { expected_size: 0, entries, ..Batch::default() };
    store.append(&batch).await.context("cannot write the scenario")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use concord_core::{Outcome, ProposalStatus, State, decide};

    fn run() -> State {
        let mut state = State::new();
        for (t, actor, command) in steps(at("2026-11-25T17:20:00Z")) {
            for e in decide(&state, actor, &command, t).unwrap_or_else(|r| panic!("{command:?} refused: {r}")) {
                state.apply(&e).unwrap();
            }
        }
        state
    }

    #[test]
    fn the_scenario_gives_the_brief_s_outcomes() {
        let s = run();
        let p = |n| &s.proposals[&ProposalId(n)];
        assert_eq!(p(1).status, ProposalStatus::Adopted);
        assert_eq!(p(1).electorate().len(), 31, "Sweden was not a member on 2024-02-27");
        assert_eq!(p(2).status, ProposalStatus::Blocked);
        let d3 = p(3).decision.as_ref().unwrap();
        assert_eq!(d3.outcome, Outcome::AdoptedWithReservations);
        assert_eq!((d3.reservations.len(), d3.opt_outs.len()), (1, 1));
        assert_eq!(p(4).status, ProposalStatus::UnderSilence);
        assert_eq!(p(4).electorate().len(), 32);
        assert!(s.members.contains_key(&code("SWE")));
        assert_eq!(p(5).status, ProposalStatus::ConsensusRound);
        assert_eq!(p(5).electorate().len(), 31, "every ally but France");
        assert!(!p(5).electorate().contains(&code("FRA")));
        let nuc = p(super::super::bodies::NUC_PROPOSAL);
        assert_eq!(nuc.electorate().len(), 33, "the allies and Ukraine");
        assert_eq!(nuc.positions[&code("UKR")].stance, Stance::Concur, "Ukraine speaks for itself");
        let welcome = p(super::super::bodies::WELCOME_PROPOSAL);
        assert_eq!(welcome.follows, Some(ProposalId(3)), "it follows the Council's adopted programme");
        assert_eq!(welcome.status, ProposalStatus::ConsensusRound);
        let now = at("2026-11-25T17:20:00Z");
        assert_eq!(s.chair_of(None, now), Some(concord_core::Chair::Secretariat));
        let illustrative = concord_core::BodyId::parse("illustrative-council").unwrap();
        assert_eq!(s.chair_of(Some(&illustrative), now), Some(concord_core::Chair::Member { member: code("POL") }));
        assert_eq!(s.chairs_ahead(Some(&illustrative), now).len(), 1, "the next presidency is announced");
    }

    #[test]
    fn the_open_deadline_is_days_ahead_on_the_hour() {
        let now = at("2026-11-25T17:20:00Z");
        let s = steps(now);
        let deadline = s.iter().find_map(|(_, _, c)| {
            if let Command::Circulate { proposal: ProposalId(4), deadline, .. } = c { Some(*deadline) } else { None }
        });
        assert_eq!(deadline, Some(at("2026-11-28T18:00:00Z")));
    }
}
