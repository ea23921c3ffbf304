//! What the integration tests share: a Python with the packages a check needs, and a small
//! alliance built through the domain's own `decide` and `apply`.

#![allow(dead_code, clippy::unwrap_used)] // each test uses some helpers; a helper that fails should panic

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use concord_core::{
    Actor, Command, CountryCode, DecisionKind, Event, Marking, Member, Partner, Procedure, ProposalId, State,
    decide_and_apply,
};
use jiff::Timestamp;

/// A Python 3 that imports `module`: the project's virtualenv (`target/venv`, where `.ci/run`
/// installs the test packages) first, then the system's. `None` (after saying so) when there is
/// none outside CI; in CI (`CI=true`) a missing package fails the test instead of skipping it.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python3");
    let candidates = [venv, PathBuf::from("python3")];
    for python in candidates {
        let ok =
            Process::new(&python).args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success());
        if ok {
            return Some(python);
        }
    }
    let why = format!(
        "no python3 with `{module}` (python3 -m venv target/venv && target/venv/bin/pip install aiosmtpd icalendar)"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("this test cannot run in CI: {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// A test script beside this file.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(name)
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

pub fn code(c: &str) -> CountryCode {
    CountryCode::parse(c).unwrap()
}

/// Runs `command` as `actor` at `now`, which must be accepted.
pub fn run(state: &mut State, actor: Actor, command: &Command, now: Timestamp) -> Vec<Event> {
    decide_and_apply(state, actor, command, now, None).unwrap_or_else(|r| panic!("{command:?} refused: {r}"))
}

fn member(c: &str, alpha2: &str, numeric: &str, name: &str) -> Member {
    Member {
        code: code(c),
        alpha2: alpha2.into(),
        numeric: numeric.into(),
        name: name.into(),
        accession: jiff::civil::date(1949, 4, 4),
        departure: None,
    }
}

/// France and Germany as members, Ukraine as partner, admitted at the start of 2026.
pub fn alliance() -> State {
    let mut state = State::new();
    let at = ts("2026-01-05T08:00:00Z");
    for m in [member("FRA", "FR", "250", "France"), member("DEU", "DE", "276", "Germany")] {
        run(&mut state, Actor::Secretariat, &Command::AdmitMember { member: m }, at);
    }
    let partner = Partner { code: code("UKR"), name: "Ukraine".into() };
    run(&mut state, Actor::Secretariat, &Command::RegisterPartner { partner }, at);
    state
}

/// Norway, admitted at `at` (after a circulation: not an elector of it).
pub fn admit_norway(state: &mut State, at: Timestamp) {
    run(state, Actor::Secretariat, &Command::AdmitMember { member: member("NOR", "NO", "578", "Norway") }, at);
}

/// Drafts a statement titled `title` with `text`; its id.
pub fn draft(state: &mut State, title: &str, text: &str, at: Timestamp) -> ProposalId {
    let command = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Statement,
        significance: None,
        title: title.into(),
        text: text.into(),
    };
    run(state, Actor::Secretariat, &command, at);
    *state.proposals.keys().next_back().unwrap()
}

/// Circulates `proposal` under `procedure` until `deadline`, to the members and `marking`.
pub fn circulate(
    state: &mut State,
    proposal: ProposalId,
    procedure: Procedure,
    deadline: Timestamp,
    marking: Option<Marking>,
    at: Timestamp,
) -> Vec<Event> {
    let command = Command::Circulate { proposal, procedure, deadline, marking, urgent: None };
    run(state, Actor::Secretariat, &command, at)
}
