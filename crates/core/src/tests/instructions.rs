//! A delegation awaiting instructions from its capital (issue 16, item 2): not a position, it
//! breaks no silence and lapses when the delegation takes one.

use super::fixtures::*;
use crate::{Actor, Command, Event, ProposalStatus, Refusal, Stance, State};

fn awaiting(id: crate::ProposalId, member: &str, note: Option<&str>) -> Command {
    Command::AwaitInstructions { proposal: id, member: c(member), note: note.map(str::to_owned) }
}

#[test]
fn awaiting_instructions_breaks_no_silence_and_lapses_with_a_position() {
    let mut w = World::alliance();
    let id = w.silence();
    let events = w.run(Actor::Member(c("HUN")), &awaiting(id, "HUN", Some("  Capital consulted.  ")), plus(t0(), 60));
    assert!(matches!(&events[..], [Event::InstructionsAwaited { note: Some(n), .. }] if n == "Capital consulted."));
    let p = w.proposal(id);
    assert_eq!(p.status, ProposalStatus::UnderSilence, "silence holds");
    assert!(p.positions.is_empty());
    assert_eq!(p.awaiting[&c("HUN")].at, plus(t0(), 60));
    // Saying it again (a new note) is allowed; a position ends it.
    w.run(Actor::Member(c("HUN")), &awaiting(id, "HUN", None), plus(t0(), 120));
    assert_eq!(w.proposal(id).awaiting[&c("HUN")].note, None);
    w.take(id, "HUN", Stance::Concur, plus(t0(), 180));
    assert!(w.proposal(id).awaiting.is_empty());
    assert_eq!(
        w.refuse(Actor::Member(c("HUN")), &awaiting(id, "HUN", None), plus(t0(), 240)).code(),
        "already-positioned"
    );
    // At the deadline silence is still unbroken: adopted.
    assert_eq!(w.close(id, deadline()).outcome, crate::Outcome::Adopted);
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay gives the same state");
}

#[test]
fn only_an_elector_delegation_itself_may_say_so_while_the_procedure_is_open() {
    let mut w = World::alliance();
    let id = w.silence();
    let t = plus(t0(), 60);
    let refused = |w: &mut World, actor, cmd: &Command, at| w.refuse(actor, cmd, at).code();
    assert_eq!(refused(&mut w, Actor::Member(c("FRA")), &awaiting(id, "HUN", None), t), "not-permitted");
    assert_eq!(refused(&mut w, Actor::Secretariat, &awaiting(id, "HUN", None), t), "not-permitted");
    assert_eq!(refused(&mut w, Actor::Partner(c("UKR")), &awaiting(id, "UKR", None), t), "not-permitted");
    // Sweden joined after the first circulation: not an elector.
    assert_eq!(refused(&mut w, Actor::Member(c("SWE")), &awaiting(id, "SWE", None), deadline()), "deadline-passed");
    assert!(matches!(w.refuse(Actor::Member(c("SWE")), &awaiting(id, "SWE", None), t), Refusal::NotAnElector { .. }));
    let draft = w.draft(crate::DecisionKind::Statement, t0());
    assert_eq!(refused(&mut w, Actor::Member(c("HUN")), &awaiting(draft, "HUN", None), t), "not-open");
}

#[test]
fn replay_refuses_an_awaiting_entry_after_the_delegations_position() {
    let mut w = World::alliance();
    let id = w.silence();
    w.take(id, "HUN", Stance::Concur, plus(t0(), 60));
    let mut log = w.log.clone();
    log.push(Event::InstructionsAwaited { proposal: id, member: c("HUN"), note: None, at: plus(t0(), 120) });
    let err = State::replay(&log).unwrap_err();
    assert_eq!(err.0, log.len() - 1);
    assert!(err.1.to_string().contains("has taken a position"), "{}", err.1);
}
