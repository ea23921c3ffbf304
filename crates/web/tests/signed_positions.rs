//! A signed position through the web form, against a real server whose log requires signatures:
//! the delegation pastes the note its own key signed, the server checks it (ahead of the
//! sequencer, then deciding confirms the key) and records the position as signed; a note
//! signed by another key, or none, is shown beside the form's evidence field and changes
//! nothing.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use common::{ORIGIN, Page, Web, cc};
use concord_core::{Actor, Command, PositionStatement, ProposalId, Stance, member_key_name};
use concord_ledger::keys::Signer;
use concord_server::clock::Clock;

/// Posts the position form as the session given.
async fn send(w: &Web, (form, session): ([(&str, String); 5], String)) -> Page {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.post(&session, "/proposals/1/position", &form).await
}

fn france(seed: u8) -> Signer {
    Signer::from_seed(&member_key_name(ORIGIN, cc("FRA")), [seed; 32]).unwrap()
}

#[tokio::test]
async fn a_delegation_pastes_its_signed_note_and_the_position_is_recorded_as_signed() {
    let w = Web::start_with(false).await;
    let enrol = Command::RegisterMemberKey {
        member: cc("FRA"),
        key: france(10).verifier().to_string(),
        valid_from: Some(w.clock.now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap()),
        valid_until: None,
    };
    w.app.sequencer().submit(Actor::Secretariat, None, enrol, None).await.unwrap();
    let proposal = w.app.view().await.state.proposals[&ProposalId(1)].clone();
    let statement = PositionStatement {
        origin: ORIGIN.into(),
        member: cc("FRA"),
        proposal: ProposalId(1),
        revision: 1,
        text_hash: proposal.current().text_hash.clone(),
        stance: Stance::Concur,
        statement_hash: None,
        time: w.clock.now(),
    };
    let note = |key: &Signer| concord_ledger::note::sign(&statement.to_text(), &[key]).unwrap();

    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let post = |evidence: String| {
        let form = [
            ("csrf", csrf.clone()),
            ("revision", "1".into()),
            ("stance", "concur".into()),
            ("text", String::new()),
            ("evidence", evidence),
        ];
        (form, fra.clone())
    };
    let before = w.log_size().await;
    for (evidence, why) in [(note(&france(66)), "a key France never enrolled"), (String::new(), "no note")] {
        let refused = send(&w, post(evidence)).await;
        assert_eq!(refused.status, 422, "{why}: {}", refused.body);
        assert!(refused.body.contains("id=\"evidence-error\""), "{why}: the error sits by the note: {}", refused.body);
        assert_eq!(w.log_size().await, before, "{why}: nothing recorded");
    }

    let taken = send(&w, post(note(&france(10)))).await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let position = w.app.view().await.state.proposals[&ProposalId(1)].positions[&cc("FRA")].clone();
    assert!(position.signed, "recorded as signed");
    assert_eq!(position.signed_at, Some(statement.time));
    assert_eq!(w.log_size().await, before + 1);
}
