//! Proxies (issue 15): in a body whose rules allow it, a member authorises another to act for it
//! for a period (Art. 239 TFEU: at most one other); positions taken by proxy say so, are checked
//! against the authorisation at their time, and replay checks them again.

use super::bodies::{circulate, draft_in, voting};
use super::fixtures::*;
use crate::decision_rule::Rule;
use crate::{Actor, ApplyError, BodyId, Command, DecisionKind, Event, Procedure, Roster, Stance, State};

fn council() -> BodyId {
    BodyId::parse("council").unwrap()
}

/// A body of every member voting by simple majority of the electorate, proxies allowed.
fn with_proxies(w: &mut World) {
    let body = match voting(
        "council",
        Roster::AllMembers { except: vec![] },
        Rule::simple_majority(crate::decision_rule::Base::Electorate),
    ) {
        Command::EstablishBody { id, name, parent, roster, kinds, procedures, rule, .. } => {
            Command::EstablishBody { id, name, parent, roster, kinds, procedures, rule, proxies: true }
        }
        other => other,
    };
    w.run(Actor::Secretariat, &body, t0());
}

fn authorise(member: &str, proxy: &str, from: jiff::Timestamp, until: jiff::Timestamp) -> Command {
    Command::AuthoriseProxy {
        body: council(),
        member: c(member),
        proxy: c(proxy),
        from: Some(from),
        until,
        evidence: None,
    }
}

/// `member`'s own delegation authorises `proxy`.
fn by(member: &str) -> Actor {
    Actor::Member(c(member))
}

#[test]
fn a_proxy_votes_for_the_member_it_acts_for_and_says_so() {
    let mut w = World::alliance();
    with_proxies(&mut w);
    let p = draft_in(&mut w, "council", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    let vote_for_fra = position(p, "FRA", 1, Stance::Yes);
    assert_eq!(
        w.refuse(Actor::Member(c("DEU")), &vote_for_fra, plus(t0(), 60)).code(),
        "not-permitted",
        "no proxy yet"
    );
    assert_eq!(
        w.refuse(Actor::Member(c("DEU")), &authorise("FRA", "DEU", t0(), deadline()), t0()).code(),
        "not-permitted"
    );
    let events = w.run(by("FRA"), &authorise("FRA", "DEU", plus(t0(), 120), deadline()), t0());
    assert!(matches!(&events[..], [Event::ProxyAuthorised { .. }]));
    assert_eq!(
        w.refuse(Actor::Member(c("DEU")), &vote_for_fra, plus(t0(), 60)).code(),
        "not-permitted",
        "not before its time"
    );
    let before = w.log.len();
    let events = w.run(Actor::Member(c("DEU")), &vote_for_fra, plus(t0(), 180));
    assert!(matches!(&events[0], Event::PositionTaken { proxy: Some(d), .. } if *d == c("DEU")));
    assert_eq!(w.proposal(p).positions[&c("FRA")].proxy, Some(c("DEU")));
    // France hears at once that Germany voted for it; nobody else is told.
    let told = super::notices::caused(&w, before);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].to, crate::Reader::Member(c("FRA")));
    assert!(
        matches!(&told[0].what, crate::notice::What::ActedByProxy { proxy, stance: Stance::Yes, .. } if *proxy == c("DEU"))
    );
    assert!(told[0].summary().starts_with("DEU, acting as your proxy, took your position"), "{}", told[0].summary());
    // Germany still votes for itself; Italy may not act for France as well.
    w.take(p, "DEU", Stance::No, plus(t0(), 200));
    let refused = w.refuse(by("FRA"), &authorise("FRA", "ITA", plus(t0(), 200), deadline()), plus(t0(), 200));
    assert_eq!(refused.field(), Some("proxy"), "one authorisation at a time: {refused}");
    assert_eq!(State::replay(&w.log).unwrap(), w.state);

    // Ended, the proxy no longer acts.
    w.run(Actor::Member(c("FRA")), &Command::EndProxy { body: council(), member: c("FRA") }, plus(t0(), 300));
    assert_eq!(w.refuse(Actor::Member(c("DEU")), &vote_for_fra, plus(t0(), 360)).code(), "not-permitted");
    assert_eq!(State::replay(&w.log).unwrap(), w.state);
}

#[test]
fn each_member_acts_for_at_most_one_other_and_only_where_the_rules_allow() {
    let mut w = World::alliance();
    let refused = w.refuse(by("FRA"), &authorise("FRA", "DEU", t0(), deadline()), t0());
    assert_eq!(refused.code(), "unknown-body");
    assert_eq!(w.refuse(Actor::Secretariat, &authorise("FRA", "DEU", t0(), deadline()), t0()).code(), "not-permitted");
    w.run(
        Actor::Secretariat,
        &super::bodies::establish("npg", Roster::AllMembers { except: vec![c("FRA")] }, Rule::Consensus),
        t0(),
    );
    let npg = Command::AuthoriseProxy {
        body: BodyId::parse("npg").unwrap(),
        member: c("ITA"),
        proxy: c("DEU"),
        from: None,
        until: deadline(),
        evidence: None,
    };
    assert_eq!(w.refuse(by("ITA"), &npg, t0()).field(), Some("proxy"), "the group's rules allow none");
    with_proxies(&mut w);
    w.run(by("FRA"), &authorise("FRA", "DEU", t0(), deadline()), t0());
    for (member, proxy, why) in [
        ("ITA", "DEU", "DEU already acts for FRA"),
        ("DEU", "ITA", "DEU acts for another: it does not hand its own place on"),
        ("ITA", "FRA", "FRA acts through a proxy: it acts for nobody"),
        ("ITA", "ITA", "not for itself"),
        ("ITA", "UKR", "a partner sits in no body"),
    ] {
        let refused = w.refuse(by(member), &authorise(member, proxy, t0(), deadline()), t0());
        assert_eq!(refused.field(), Some("proxy"), "{why}: {refused}");
    }
    let refused = w.refuse(by("ITA"), &authorise("ITA", "ESP", deadline(), t0()), t0());
    assert_eq!(refused.field(), Some("until"), "an empty period");
    let refused = w.refuse(by("ITA"), &authorise("ITA", "ESP", plus(t0(), -60), deadline()), t0());
    assert_eq!(refused.field(), Some("from"), "never in the past");
    // After France's authorisation ends, Germany may act for Italy; Italy may end that one
    // before it starts, and then choose Spain for the same period.
    w.run(by("ITA"), &authorise("ITA", "DEU", deadline(), plus(deadline(), 3600)), t0());
    w.run(by("ITA"), &Command::EndProxy { body: council(), member: c("ITA") }, plus(t0(), 60));
    w.run(by("ITA"), &authorise("ITA", "ESP", deadline(), plus(deadline(), 3600)), plus(t0(), 60));
    assert_eq!(State::replay(&w.log).unwrap(), w.state);
}

#[test]
fn replay_refuses_a_position_forged_as_by_proxy() {
    let mut w = World::alliance();
    with_proxies(&mut w);
    let p = draft_in(&mut w, "council", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    w.run(Actor::Member(c("FRA")), &authorise("FRA", "DEU", t0(), plus(t0(), 600)), t0());
    let vote = position(p, "FRA", 1, Stance::Yes);
    w.run(Actor::Member(c("DEU")), &vote, plus(t0(), 60));
    let mut forged = w.log.clone();
    let Some(Event::PositionTaken { proxy, .. }) = forged.last_mut() else { panic!("the vote ends the log") };
    *proxy = Some(c("ITA"));
    assert!(matches!(State::replay(&forged), Err((_, ApplyError::Refused { .. }))), "Italy held no proxy");
    let mut late = w.log.clone();
    let Some(Event::PositionTaken { at, .. }) = late.last_mut() else { panic!() };
    *at = plus(t0(), 900);
    assert!(State::replay(&late).is_err(), "after the authorisation ran out");
}

#[test]
fn a_proxy_that_left_the_body_no_longer_acts() {
    let mut w = World::alliance();
    with_proxies(&mut w);
    let p = draft_in(&mut w, "council", DecisionKind::Statement, t0());
    circulate(&mut w, p, Procedure::Vote, t0());
    w.run(by("FRA"), &authorise("FRA", "HUN", t0(), plus(deadline(), 3600)), t0());
    w.run(Actor::Secretariat, &Command::RecordDeparture { member: c("HUN"), on: "2024-02-28".parse().unwrap() }, t0());
    let vote = position(p, "FRA", 1, Stance::No);
    assert_eq!(w.refuse(by("HUN"), &vote, ts("2024-03-01T09:00:00Z")).code(), "not-permitted", "HUN has left");
}

/// Where positions must be signed, a proxy's signature proves only the proxy's word: the
/// member's consent is its own signed authorisation (`concord/proxy/v1`), for exactly this body,
/// proxy and period, used once. The proxy then signs the member's position with its own key.
#[test]
fn where_positions_are_signed_a_proxy_needs_the_members_signed_authorisation() {
    use super::signatures::{ORIGIN, member_key, world};
    use crate::{PositionStatement, ProxyStatement};

    let mut w = world(false);
    with_proxies(&mut w);
    let (fra, deu) = (member_key("FRA", 10), member_key("DEU", 11));
    let statement = ProxyStatement {
        origin: ORIGIN.into(),
        body: council(),
        member: c("FRA"),
        proxy: c("DEU"),
        from: t0(),
        until: deadline(),
        time: t0(),
    };
    let note = |s: &ProxyStatement, key| concord_ledger::note::sign(&s.to_text(), &[key]).unwrap();
    let signed = |s: &ProxyStatement, key| Command::AuthoriseProxy {
        body: s.body.clone(),
        member: s.member,
        proxy: s.proxy,
        from: Some(s.from),
        until: s.until,
        evidence: Some(note(s, key)),
    };
    let at = plus(t0(), 60);
    let unsigned = authorise("FRA", "DEU", at, deadline());
    assert_eq!(w.refuse(by("FRA"), &unsigned, at).code(), "signature-required");
    for (forged, key, code, why) in [
        (ProxyStatement { proxy: c("ITA"), ..statement.clone() }, &fra, "bad-signed-proxy", "another proxy"),
        (
            ProxyStatement { origin: "other.example/log".into(), ..statement.clone() },
            &fra,
            "bad-signed-proxy",
            "another log",
        ),
        (ProxyStatement { time: plus(at, 3600), ..statement.clone() }, &fra, "bad-signed-proxy", "in the future"),
        (statement.clone(), &deu, "no-valid-key", "signed by the proxy, not the member"),
    ] {
        let mut command = signed(&forged, key);
        if let Command::AuthoriseProxy { proxy, .. } = &mut command {
            *proxy = c("DEU");
        }
        assert_eq!(w.refuse(by("FRA"), &command, at).code(), code, "{why}");
    }
    let mut longer = signed(&statement, &fra);
    if let Command::AuthoriseProxy { until, .. } = &mut longer {
        *until = plus(deadline(), 3600);
    }
    assert_eq!(w.refuse(by("FRA"), &longer, at).code(), "bad-signed-proxy", "a period other than the one signed");

    // Signed before it is recorded, the authorisation runs from when it is recorded.
    w.run(by("FRA"), &signed(&statement, &fra), at);
    let granted = &w.state.proxies[&council()][0];
    assert_eq!((granted.from, granted.until), (at, deadline()));
    assert!(granted.evidence.is_some());

    // The proxy signs France's vote with its own key.
    let p = draft_in(&mut w, "council", DecisionKind::Statement, at);
    circulate(&mut w, p, Procedure::Vote, at);
    let vote = PositionStatement {
        origin: ORIGIN.into(),
        member: c("FRA"),
        proposal: p,
        revision: 1,
        text_hash: w.proposal(p).current().text_hash.clone(),
        stance: Stance::Yes,
        statement_hash: None,
        time: plus(at, 60),
    };
    let take = Command::TakePosition {
        proposal: p,
        member: c("FRA"),
        revision: 1,
        stance: Stance::Yes,
        text: None,
        evidence: Some(concord_ledger::note::sign(&vote.to_text(), &[&deu]).unwrap()),
    };
    // Verified ahead, as a server does where the write arrives: under the proxy's key, and
    // deciding with it gives what deciding without it does.
    let ahead = crate::verify_ahead(&w.state, Actor::Member(c("DEU")), &take).expect("Germany's key signed it");
    let with =
        crate::decide_and_apply(&mut w.state.clone(), Actor::Member(c("DEU")), &take, plus(at, 60), Some(&ahead));
    assert_eq!(with.unwrap(), crate::decide(&w.state, Actor::Member(c("DEU")), &take, plus(at, 60)).unwrap());
    w.run(Actor::Member(c("DEU")), &take, plus(at, 60));
    assert_eq!(w.proposal(p).positions[&c("FRA")].proxy, Some(c("DEU")));
    assert_eq!(State::replay(&w.log).unwrap(), w.state, "replay checks both signatures again");

    // Ended, the same note cannot authorise again: it is a replay.
    w.run(by("FRA"), &Command::EndProxy { body: council(), member: c("FRA") }, plus(at, 120));
    let again = w.refuse(by("FRA"), &signed(&statement, &fra), plus(at, 180));
    assert_eq!(again.code(), "bad-signed-proxy", "{again}");
    assert!(again.to_string().contains("a replay"), "{again}");

    // Nor a note for a period still to come, ended before it began: it is kept, emptied.
    let later = ProxyStatement {
        from: plus(deadline(), 3600),
        until: plus(deadline(), 7200),
        time: plus(at, 200),
        ..statement.clone()
    };
    w.run(by("FRA"), &signed(&later, &fra), plus(at, 200));
    w.run(by("FRA"), &Command::EndProxy { body: council(), member: c("FRA") }, plus(at, 240));
    let again = w.refuse(by("FRA"), &signed(&later, &fra), plus(at, 300));
    assert!(again.to_string().contains("a replay"), "{again}");
    assert_eq!(w.state.proxy_for(&council(), c("FRA"), plus(deadline(), 5000)), None);
    assert_eq!(State::replay(&w.log).unwrap(), w.state);

    // A note held back is stale; one signed by a key revoked since is refused, however dated.
    let stale =
        ProxyStatement { from: plus(at, 7200), until: plus(at, 9000), time: plus(at, 400), ..statement.clone() };
    let refused = w.refuse(by("FRA"), &signed(&stale, &fra), plus(at, 400 + 3601));
    assert!(refused.to_string().contains("more than an hour before"), "{refused}");
    let revoke = Command::RevokeMemberKey { member: c("FRA"), key_id: fra.key_id().to_string() };
    w.run(Actor::Secretariat, &revoke, plus(at, 500));
    let backdated =
        ProxyStatement { from: plus(at, 7200), until: plus(at, 9000), time: plus(at, 450), ..statement.clone() };
    let refused = w.refuse(by("FRA"), &signed(&backdated, &fra), plus(at, 600));
    assert_eq!(refused.code(), "no-valid-key", "{refused}");

    // A log whose authorisation's note was tampered with does not replay.
    let mut log = w.log.clone();
    let i = log.iter().position(|e| matches!(e, Event::ProxyAuthorised { .. })).unwrap();
    if let Event::ProxyAuthorised { proxy, .. } = &mut log[i] {
        proxy.until = plus(deadline(), 3600);
    }
    assert!(
        matches!(State::replay(&log), Err((_, ApplyError::Refused { .. }))),
        "a period stretched past the signed one"
    );
}
