//! Signed positions: a log names its origin; member keys are enrolled, valid for a period, and
//! revocable; a signed position must state exactly the position taken and be signed by a key of
//! that member valid at its date; replays are refused; `apply` checks all of it again.

use concord_ledger::keys::Signer;
use concord_ledger::note;
use jiff::Timestamp;

use super::fixtures::{World, c, plus, t0};
use crate::{
    Actor, ApplyError, Command, Event, PositionStatement, ProposalId, Refusal, Stance, member_key_name, text_hash,
};

pub(super) const ORIGIN: &str = "alliance.test/concord";

fn log_key() -> Signer {
    Signer::from_seed(ORIGIN, [1; 32]).unwrap()
}

pub(super) fn member_key(code: &str, seed: u8) -> Signer {
    Signer::from_seed(&member_key_name(ORIGIN, c(code)), [seed; 32]).unwrap()
}

/// A log created with `unsigned` as its policy, the alliance in it, and keys for FRA and DEU.
pub(super) fn world(unsigned: bool) -> World {
    let mut w = World::empty();
    let create = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: log_key().verifier().to_string(),
        unsigned_positions: unsigned,
        min_silence: None,
    };
    w.run(Actor::Secretariat, &create, "2024-01-01T00:00:00Z".parse().unwrap());
    let alliance = World::alliance();
    for e in &alliance.log {
        w.state.apply(e).unwrap();
        w.log.push(e.clone());
    }
    for (code, seed) in [("FRA", 10), ("DEU", 11)] {
        let register = Command::RegisterMemberKey {
            member: c(code),
            key: member_key(code, seed).verifier().to_string(),
            valid_from: Some("2024-01-01T00:00:00Z".parse().unwrap()),
            valid_until: None,
        };
        w.run(Actor::Secretariat, &register, "2024-01-03T00:00:00Z".parse().unwrap());
    }
    w
}

fn statement(
    w: &World,
    id: ProposalId,
    code: &str,
    stance: Stance,
    text: Option<&str>,
    time: Timestamp,
) -> PositionStatement {
    PositionStatement {
        origin: ORIGIN.into(),
        member: c(code),
        proposal: id,
        revision: w.revision(id),
        text_hash: w.proposal(id).current().text_hash.clone(),
        stance,
        statement_hash: text.map(text_hash),
        time,
    }
}

fn signed(s: &PositionStatement, key: &Signer) -> String {
    note::sign(&s.to_text(), &[key]).unwrap()
}

fn take(id: ProposalId, code: &str, stance: Stance, text: Option<&str>, evidence: Option<String>) -> Command {
    Command::TakePosition { proposal: id, member: c(code), revision: 1, stance, text: text.map(Into::into), evidence }
}

#[test]
fn a_signed_position_is_recorded_as_signed_with_its_statement_time() {
    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let s = statement(&w, id, "FRA", Stance::Concur, None, at);
    let events = w.run(
        Actor::Member(c("FRA")),
        &take(id, "FRA", Stance::Concur, None, Some(signed(&s, &member_key("FRA", 10)))),
        at,
    );
    let Event::PositionTaken { evidence: Some(note), proxy: None, .. } = &events[0] else { panic!("{events:?}") };
    assert!(note.starts_with("concord/position/v1\n"), "the signed note is the evidence, byte for byte");
    let p = &w.proposal(id).positions[&c("FRA")];
    assert!(p.signed);
    assert_eq!(p.signed_at, Some(at));
}

#[test]
fn a_log_that_requires_signatures_refuses_an_unsigned_position() {
    let mut w = world(false);
    let id = w.silence();
    let r = w.refuse(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, None), plus(t0(), 60));
    assert_eq!(r, Refusal::SignatureRequired { member: c("FRA") });

    let mut lenient = world(true);
    let id = lenient.silence();
    lenient.run(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, None), plus(t0(), 60));
    assert!(!lenient.proposal(id).positions[&c("FRA")].signed);
}

#[test]
fn a_statement_of_anything_else_is_refused() {
    let mut w = world(false);
    let id = w.silence();
    let other = w.silence();
    let at = plus(t0(), 60);
    let key = member_key("FRA", 10);
    let base = statement(&w, id, "FRA", Stance::ConcurWithReservation, Some("Our reading."), at);
    let cases: Vec<(&str, PositionStatement)> = vec![
        ("another origin", PositionStatement { origin: "elsewhere.test/log".into(), ..base.clone() }),
        ("another proposal", PositionStatement { proposal: other, ..base.clone() }),
        ("another revision", PositionStatement { revision: 2, ..base.clone() }),
        ("another text", PositionStatement { text_hash: text_hash("another text"), ..base.clone() }),
        ("another stance", PositionStatement { stance: Stance::Concur, ..base.clone() }),
        (
            "another reservation",
            PositionStatement { statement_hash: Some(text_hash("Another reading.")), ..base.clone() },
        ),
        ("another member", PositionStatement { member: c("DEU"), ..base.clone() }),
        ("a time in the future", PositionStatement { time: plus(at, 3600), ..base.clone() }),
        ("a time before circulation", PositionStatement { time: plus(t0(), -60), ..base.clone() }),
    ];
    for (what, s) in cases {
        let cmd = take(id, "FRA", Stance::ConcurWithReservation, Some("Our reading."), Some(signed(&s, &key)));
        let r = w.refuse(Actor::Member(c("FRA")), &cmd, at);
        assert!(matches!(r, Refusal::BadSignedPosition { .. }), "{what}: {r:?}");
    }
    let garbage = take(id, "FRA", Stance::Concur, None, Some("not a note".into()));
    assert!(matches!(w.refuse(Actor::Member(c("FRA")), &garbage, at), Refusal::BadSignedPosition { .. }));
}

#[test]
fn only_a_key_of_the_member_valid_at_the_statement_s_time_signs_for_it() {
    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let s = statement(&w, id, "FRA", Stance::Concur, None, at);
    // Germany's key, and a key France never enrolled, do not sign for France.
    for key in [Signer::from_seed(&member_key_name(ORIGIN, c("FRA")), [99; 32]).unwrap(), member_key("DEU", 11)] {
        let r = w.refuse(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, Some(signed(&s, &key))), at);
        assert_eq!(r, Refusal::NoValidKey { member: c("FRA"), at });
    }
    // After revocation the key signs nothing new.
    let key_id = member_key("FRA", 10).key_id().to_string();
    w.run(
        Actor::Member(c("FRA")),
        &Command::RevokeMemberKey { member: c("FRA"), key_id: key_id.clone() },
        plus(t0(), 30),
    );
    let r = w.refuse(
        Actor::Member(c("FRA")),
        &take(id, "FRA", Stance::Concur, None, Some(signed(&s, &member_key("FRA", 10)))),
        at,
    );
    assert_eq!(r, Refusal::NoValidKey { member: c("FRA"), at });
    let again = w.refuse(Actor::Secretariat, &Command::RevokeMemberKey { member: c("FRA"), key_id }, at);
    assert!(matches!(again, Refusal::KeyRevoked { .. }));
    // A rotated key takes over.
    let new = member_key("FRA", 12);
    let register = Command::RegisterMemberKey {
        member: c("FRA"),
        key: new.verifier().to_string(),
        valid_from: None,
        valid_until: None,
    };
    w.run(Actor::Secretariat, &register, plus(t0(), 40));
    w.run(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, Some(signed(&s, &new))), at);
}

#[test]
fn a_replayed_statement_is_refused() {
    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let key = member_key("FRA", 10);
    let first = signed(&statement(&w, id, "FRA", Stance::Concur, None, at), &key);
    w.run(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, Some(first.clone())), at);
    let r = w.refuse(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Concur, None, Some(first)), plus(at, 5));
    assert_eq!(r, Refusal::ReplayedPosition { member: c("FRA"), at });
    // A newer statement of the same member is a change of position, and stands.
    let later = signed(&statement(&w, id, "FRA", Stance::Object, Some("No."), plus(at, 10)), &key);
    w.run(Actor::Member(c("FRA")), &take(id, "FRA", Stance::Object, Some("No."), Some(later)), plus(at, 10));
}

#[test]
fn member_keys_are_enrolled_strictly() {
    let mut w = world(false);
    let at = plus(t0(), 1);
    let register =
        |key: String| Command::RegisterMemberKey { member: c("ITA"), key, valid_from: None, valid_until: None };
    let misnamed = Signer::from_seed("alliance.test/concord/member/FRA", [20; 32]).unwrap();
    assert!(matches!(
        w.refuse(Actor::Secretariat, &register(misnamed.verifier().to_string()), at),
        Refusal::BadKey { .. }
    ));
    let cosigner = Signer::from_seed(&member_key_name(ORIGIN, c("ITA")), [21; 32]).unwrap();
    assert!(matches!(
        w.refuse(Actor::Secretariat, &register(cosigner.cosigner_verifier().to_string()), at),
        Refusal::BadKey { .. }
    ));
    assert!(matches!(w.refuse(Actor::Secretariat, &register("ITA+00000000+AQ==".into()), at), Refusal::BadKey { .. }));
    let good = member_key("ITA", 22).verifier().to_string();
    assert!(matches!(w.refuse(Actor::Member(c("ITA")), &register(good.clone()), at), Refusal::NotPermitted { .. }));
    w.run(Actor::Secretariat, &register(good.clone()), at);
    assert!(matches!(w.refuse(Actor::Secretariat, &register(good), at), Refusal::KeyExists { .. }));
    let other = w.refuse(
        Actor::Member(c("DEU")),
        &Command::RevokeMemberKey { member: c("ITA"), key_id: "00000000".into() },
        at,
    );
    assert!(matches!(other, Refusal::NotPermitted { .. }));
}

#[test]
fn a_log_is_created_once_and_first() {
    let mut w = world(true);
    let again = Command::CreateLog {
        origin: ORIGIN.into(),
        log_key: log_key().verifier().to_string(),
        unsigned_positions: true,
        min_silence: None,
    };
    assert_eq!(w.refuse(Actor::Secretariat, &again, t0()), Refusal::LogExists);
    let mut fresh = World::empty();
    let misnamed = Command::CreateLog {
        origin: "other.test/log".into(),
        log_key: log_key().verifier().to_string(),
        unsigned_positions: true,
        min_silence: None,
    };
    assert!(matches!(fresh.refuse(Actor::Secretariat, &misnamed, t0()), Refusal::BadKey { .. }));
}

#[test]
fn apply_checks_the_signature_of_a_position_in_an_altered_log() {
    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let s = statement(&w, id, "FRA", Stance::Object, Some("No."), at);
    // A position forged with a key that is not France's, written straight into the log.
    let forged = Signer::from_seed(&member_key_name(ORIGIN, c("FRA")), [66; 32]).unwrap();
    let event = Event::PositionTaken {
        proposal: id,
        member: c("FRA"),
        revision: 1,
        text_hash: w.proposal(id).current().text_hash.clone(),
        stance: Stance::Object,
        text: Some("No.".into()),
        at,
        evidence: Some(signed(&s, &forged)),
        proxy: None,
    };
    let err = w.state.clone().apply(&event).unwrap_err();
    assert!(matches!(err, ApplyError::Refused { refusal: Refusal::NoValidKey { .. }, .. }), "{err}");
}

/// A signature verified where the write arrived (`verify_ahead`, against the state the server
/// last published) is not verified again by `decide_and_apply`, but only for the very note it
/// checked, signed by a key still valid when the position is decided.
#[test]
fn a_signature_verified_ahead_holds_only_for_its_note_and_a_key_still_valid() {
    use crate::{decide_and_apply, verify_ahead};

    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let fra = Actor::Member(c("FRA"));
    let s = statement(&w, id, "FRA", Stance::Concur, None, at);
    let good = take(id, "FRA", Stance::Concur, None, Some(signed(&s, &member_key("FRA", 10))));
    let ahead = verify_ahead(&w.state, fra, &good).expect("a note signed by France's key verifies");

    // Nothing to verify: an unsigned position, a note no key of France signed, or no position.
    assert_eq!(verify_ahead(&w.state, fra, &take(id, "FRA", Stance::Concur, None, None)), None);
    let forged = Signer::from_seed(&member_key_name(ORIGIN, c("FRA")), [66; 32]).unwrap();
    let bad = take(id, "FRA", Stance::Concur, None, Some(signed(&s, &forged)));
    assert_eq!(verify_ahead(&w.state, fra, &bad), None);
    assert_eq!(verify_ahead(&w.state, fra, &Command::CloseAtDeadline { proposal: id }), None);

    // Checked for another note, it does not let a forged one through.
    let r = decide_and_apply(&mut w.state.clone(), fra, &bad, at, Some(&ahead)).unwrap_err();
    assert_eq!(r, Refusal::NoValidKey { member: c("FRA"), at });

    // The key was revoked after the check and before the decision, and France holds another:
    // deciding verifies afresh, and that one did not sign it.
    let mut revoked = w.clone();
    let rotated = Command::RegisterMemberKey {
        member: c("FRA"),
        key: member_key("FRA", 12).verifier().to_string(),
        valid_from: None,
        valid_until: None,
    };
    revoked.run(Actor::Secretariat, &rotated, plus(t0(), 20));
    let key_id = member_key("FRA", 10).key_id().to_string();
    revoked.run(fra, &Command::RevokeMemberKey { member: c("FRA"), key_id }, plus(t0(), 30));
    let r = decide_and_apply(&mut revoked.state, fra, &good, at, Some(&ahead)).unwrap_err();
    assert_eq!(r, Refusal::NoValidKey { member: c("FRA"), at });

    // Otherwise the position is decided exactly as without it, and the log it makes replays.
    let mut without = w.state.clone();
    let expected = decide_and_apply(&mut without, fra, &good, at, None).unwrap();
    let events = decide_and_apply(&mut w.state, fra, &good, at, Some(&ahead)).unwrap();
    assert_eq!(events, expected);
    assert_eq!(w.state, without);
    let mut replayed = crate::State::new();
    for e in w.log.iter().chain(&events) {
        replayed.apply(e).unwrap();
    }
    assert_eq!(replayed, w.state);
}

/// Nothing is verified ahead for a caller that deciding turns away before it reads the note: a
/// member acting for another that did not authorise it, or the secretariat. (A proxy's own key
/// is verified ahead in `proxies.rs`.)
#[test]
fn nothing_is_verified_ahead_for_a_caller_deciding_would_turn_away() {
    use crate::verify_ahead;

    let mut w = world(false);
    let id = w.silence();
    let at = plus(t0(), 60);
    let s = statement(&w, id, "FRA", Stance::Concur, None, at);
    let by_deu = take(id, "FRA", Stance::Concur, None, Some(signed(&s, &member_key("DEU", 11))));
    assert_eq!(verify_ahead(&w.state, Actor::Member(c("DEU")), &by_deu), None, "Germany does not act for France");
    assert_eq!(verify_ahead(&w.state, Actor::Member(c("FRA")), &by_deu), None, "not France's key");
    let by_fra = take(id, "FRA", Stance::Concur, None, Some(signed(&s, &member_key("FRA", 10))));
    assert_eq!(verify_ahead(&w.state, Actor::Secretariat, &by_fra), None, "the secretariat takes no positions");
    assert!(verify_ahead(&w.state, Actor::Member(c("FRA")), &by_fra).is_some());
}
