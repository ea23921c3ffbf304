//! Need to know on the pages, checked so that it cannot go stale: the markers of
//! `crates/server/tests/common/planted.rs` planted in every free-text field, then every path the
//! web router is built from (`concord_web::paths()`, so a new page is walked as soon as it is
//! routed), each `{id}` filled with every id that exists, read as the anonymous visitor, the
//! observer, two partners, a member and the secretariat. A marker never appears in a page for a
//! reader its audience does not include, and does appear for one it does.

mod common;
#[path = "../../server/tests/common/planted.rs"]
mod planted;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{PASSWORD, Web, cc};
use concord_core::Actor;
use concord_server::clock::Clock;
use planted::{MARKERS, Who, expand, forbidden};
use reqwest::header::COOKIE;

/// How long the event stream, which never ends, is read: whatever it sent in this time is what
/// is checked. Every other page is read to its end.
const BODY_WAIT: Duration = Duration::from_millis(400);

/// A page's status and its body (the event stream's: as much as arrived in [`BODY_WAIT`]).
async fn read(web: &Web, session: &str, path: &str) -> (u16, String) {
    let mut r = web.client.get(format!("{}{path}", web.base));
    if !session.is_empty() {
        r = r.header(COOKIE, format!("concord_session={session}"));
    }
    let mut resp = r.send().await.expect("an answer");
    let status = resp.status().as_u16();
    if !path.starts_with("/events") {
        return (status, resp.text().await.expect("a whole body"));
    }
    let mut body = Vec::new();
    let _ = tokio::time::timeout(BODY_WAIT, async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            body.extend_from_slice(&chunk);
        }
    })
    .await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn no_page_gives_a_reader_what_its_marking_withholds() {
    let web = Web::start().await;
    let member = planted::plant(&web.app).await;
    assert_eq!(member, cc("DEU"), "the member the walk reads as is the one with an account");
    let moldova = Actor::Partner(cc("MDA"));
    concord_web::accounts::create_user(web.store.as_ref(), "moldova", PASSWORD, moldova, web.clock.now())
        .await
        .unwrap();
    let mut sessions = BTreeMap::from([(Who::Anonymous, String::new())]);
    for (who, name) in [
        (Who::Observer, "obs"),
        (Who::Mda, "moldova"),
        (Who::Ukr, "ukraine"),
        (Who::Member, "deu"),
        (Who::Outsider, "fra"),
        (Who::Secretariat, "sec"),
    ] {
        sessions.insert(who, web.login(name).await);
    }
    let ids = {
        let view = web.app.view().await;
        let s = &view.state;
        let strings = |v: Vec<u64>| v.into_iter().map(|i| i.to_string()).collect::<Vec<_>>();
        BTreeMap::from([
            ("proposals", strings(s.proposals.keys().map(|k| k.0).collect())),
            ("requests", strings(s.support.requests.keys().map(|k| k.get()).collect())),
            ("deliveries", strings(s.support.deliveries.keys().map(|k| k.get()).collect())),
            ("pledges", strings(s.support.pledges.keys().map(|k| k.get()).collect())),
            ("coalitions", strings(s.support.coalitions.keys().map(|k| k.get()).collect())),
            ("bodies", s.bodies.keys().map(ToString::to_string).collect()),
        ])
    };
    // Every routed path, the HTML 404 beside them, and a filtered support page.
    let mut paths: Vec<String> = concord_web::paths().iter().flat_map(|t| expand(t, &ids)).collect();
    paths.extend(["/no-such-page".to_owned(), "/support?partner=UKR".to_owned(), "/support?partner=MDA".to_owned()]);
    // Every page of the log, not only the newest entries.
    let size = web.app.view().await.size;
    paths.extend((1..=size.div_ceil(25)).map(|k| format!("/log?before={}", k * 25)));
    let mut leaks = Vec::new();
    let mut seen: BTreeMap<Who, BTreeSet<&str>> = BTreeMap::new();
    for path in &paths {
        for (who, session) in &sessions {
            let (status, body) = read(&web, session, path).await;
            for (marker, _) in MARKERS {
                if body.contains(marker) {
                    seen.entry(*who).or_default().insert(marker);
                }
            }
            for marker in forbidden(*who).into_iter().filter(|m| body.contains(m)) {
                leaks.push(format!("{who:?} reads {marker} at {path} ({status})"));
            }
        }
    }
    assert!(leaks.is_empty(), "{} pages leak:\n{}", leaks.len(), leaks.join("\n"));
    assert!(paths.len() > 20, "the walk covers the routes: {paths:?}");
    for (marker, admitted) in MARKERS {
        for who in admitted.iter().filter(|w| **w != Who::Anonymous) {
            assert!(seen.get(who).is_some_and(|m| m.contains(marker)), "{who:?} never reads {marker}: {seen:?}");
        }
    }
}

#[tokio::test]
async fn pages_tag_what_they_show_with_its_marking() {
    let web = Web::start().await;
    planted::plant(&web.app).await;
    let (obs, deu) = (web.login("obs").await, web.login("deu").await);
    // Proposal 3 is the announced statement: the observer sees its outcome, tagged public.
    let (status, page) = read(&web, &obs, "/proposals/3").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("title=\"marking: public\""), "{page}");
    // Proposal 1 (the fixture's statement under silence) is the members' while open.
    let (status, _) = read(&web, &obs, "/proposals/1").await;
    assert_eq!(status, 404);
    let (_, page) = read(&web, &deu, "/proposals/1").await;
    assert!(page.contains(">members only<"), "{page}");
    let (_, support) = read(&web, &deu, "/support").await;
    assert!(support.contains(">released to UKR<") && support.contains(">released to MDA<"), "{support}");
    let (_, coalitions) = read(&web, &obs, "/coalitions").await;
    assert!(coalitions.contains("coalitions are for the members"), "{coalitions}");
}
