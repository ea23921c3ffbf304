//! Need to know, checked so that it cannot go stale: a marker planted in every free-text field
//! (`common/planted.rs`), then EVERY GET path of the served OpenAPI document, with its path
//! parameters filled with every id that exists, read as the anonymous caller, an observer, two
//! partners, a member and the secretariat. A marker never appears in an answer to a reader its
//! audience does not include, and does appear for one it does (so the walk can fail). A new
//! endpoint is walked as soon as it is documented; one with a path parameter this test does not
//! know how to fill fails until it is taught.

mod common;
#[path = "common/planted.rs"]
mod planted;

use std::collections::{BTreeMap, BTreeSet};

use common::Server;
use planted::{MARKERS, Who, expand, forbidden};
use serde_json::Value;

/// Every id a path parameter can take, by the collection the parameter follows.
async fn ids(s: &Server) -> BTreeMap<&'static str, Vec<String>> {
    let view = s.state.view().await;
    let st = &view.state;
    let sup = &st.support;
    let strings = |v: Vec<u64>| v.into_iter().map(|i| i.to_string()).collect::<Vec<_>>();
    BTreeMap::from([
        ("proposals", strings(st.proposals.keys().map(|k| k.0).collect())),
        ("requests", strings(sup.requests.keys().map(|k| k.get()).collect())),
        ("pledges", strings(sup.pledges.keys().map(|k| k.get()).collect())),
        ("deliveries", strings(sup.deliveries.keys().map(|k| k.get()).collect())),
        ("coalitions", strings(sup.coalitions.keys().map(|k| k.get()).collect())),
        ("funds", strings(sup.funds.keys().map(|k| k.get()).collect())),
        ("members", st.members.keys().map(ToString::to_string).collect()),
        ("bodies", st.bodies.keys().map(ToString::to_string).collect()),
        ("populations", st.populations.keys().map(ToString::to_string).collect()),
        ("keys", vec!["1".to_owned()]),
        // The published exports: each holds only the pledges its reader may read.
        ("exports", concord_server::exports::FILES.iter().map(|f| (*f).to_owned()).collect()),
    ])
}

/// The documented GET paths, from the document the server serves.
async fn documented_gets(s: &Server) -> Vec<String> {
    let doc = s.get_anon("/api/openapi.json").await;
    let doc = doc.expect_status(200);
    let paths = doc["paths"].as_object().expect("paths");
    let gets: Vec<String> = paths.iter().filter(|(_, item)| item["get"].is_object()).map(|(p, _)| p.clone()).collect();
    assert!(gets.len() > 20, "the document lists the reads: {gets:?}");
    gets
}

#[tokio::test]
async fn no_api_read_gives_a_reader_what_its_marking_withholds() {
    let s = Server::start().await;
    for (code, a2, num, name) in common::FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    let member = planted::plant(&s.state).await;
    let mut tokens = BTreeMap::new();
    for who in Who::ALL {
        if let Some(actor) = who.actor(member) {
            tokens.insert(who, s.mint(actor).await);
        }
    }
    let ids = ids(&s).await;
    let mut walked = 0;
    let mut leaks = Vec::new();
    let mut seen: BTreeMap<Who, BTreeSet<&str>> = BTreeMap::new();
    for template in documented_gets(&s).await {
        for path in expand(&template, &ids) {
            for who in Who::ALL {
                let r = match tokens.get(&who) {
                    Some(t) => s.get(t, &path).await,
                    None => s.get_anon(&path).await,
                };
                walked += 1;
                let body = String::from_utf8_lossy(&r.bytes);
                for (marker, _) in MARKERS {
                    if body.contains(marker) {
                        seen.entry(who).or_default().insert(marker);
                    }
                }
                for marker in forbidden(who) {
                    if !body.contains(marker) {
                        continue;
                    }
                    leaks.push(format!("{who:?} reads {marker} at {path} ({})", r.status));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{} reads leak:\n{}", leaks.len(), leaks.join("\n"));
    assert!(walked > 300, "the walk read {walked} answers");
    // Each marker reaches every reader it is released to (anonymous callers get no API reads).
    for (marker, admitted) in MARKERS {
        for who in admitted.iter().filter(|w| **w != Who::Anonymous) {
            assert!(seen.get(who).is_some_and(|m| m.contains(marker)), "{who:?} never reads {marker}: {seen:?}");
        }
    }
}

#[tokio::test]
async fn a_hidden_proposal_answers_as_one_that_does_not_exist() {
    let s = Server::start().await;
    for (code, a2, num, name) in common::FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    planted::plant(&s.state).await;
    let observer = s.observer.clone();
    let draft = s.get(&observer, "/api/v1/proposals/1").await;
    let absent = s.get(&observer, "/api/v1/proposals/999").await;
    draft.expect_problem(404, "unknown-proposal");
    assert_eq!(draft.json["title"], absent.json["title"]);
    let said = |r: &common::Resp| r.json["detail"].as_str().unwrap_or_default().replace("999", "1");
    assert_eq!(said(&draft), said(&absent), "the same sentence, but for the number");
    // An announced decision: its outcome, and no grid.
    let statement = s.get(&observer, "/api/v1/proposals/2").await;
    let statement = statement.expect_status(200);
    assert_eq!(statement["marking"], "public");
    assert_eq!(statement["positions"], serde_json::json!({}));
    assert_eq!(statement["revisions"].as_array().map(Vec::len), Some(1));
    s.get(&observer, "/api/v1/proposals/2/positions").await.expect_problem(403, "not-permitted");
    let list = s.get(&observer, "/api/v1/proposals").await;
    let listed: Vec<u64> =
        list.expect_status(200)["items"].as_array().into_iter().flatten().filter_map(|p| p["id"].as_u64()).collect();
    assert!(!listed.contains(&1) && listed.contains(&2), "{listed:?}");
    let member = s.member_token("BEL").await;
    let full = s.get(&member, "/api/v1/proposals/2").await;
    assert_eq!(full.expect_status(200)["marking"], "public");
    assert_eq!(full.json["revisions"].as_array().map(Vec::len), Some(2), "a member reads every revision");
    let value: &Value = &full.json;
    assert!(value["positions"].as_object().is_some_and(|p| !p.is_empty()));
}

/// `/metrics` (on the operators' listener) names no member, partner or content: its one label is
/// how a write ended, so the counters say how much happened and never to whom or about what.
#[tokio::test]
async fn the_metrics_name_nobody_and_nothing_sealed() {
    let s = Server::start().await;
    for (code, a2, num, name) in common::FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    planted::plant(&s.state).await;
    // A refused write too: its refusal names a proposal and a member.
    let r = s.position(&s.member_token("BEL").await, 1, 1, "concur", None).await;
    assert!(r.status >= 400, "a position on a draft is refused");
    let metrics = s.client.get(format!("{}/metrics", s.metrics_base)).send().await.expect("metrics");
    let body = metrics.text().await.expect("a body");
    assert!(body.contains("writes_total{result=\"refused\"}"), "{body}");
    for marker in MARKERS.iter().map(|(m, _)| *m).chain(["UKR", "MDA", "BEL", "proposal", "member"]) {
        assert!(!body.contains(marker), "/metrics names {marker}:\n{body}");
    }
    for line in body.lines().filter(|l| l.contains('{')) {
        let labels = &line[line.find('{').unwrap_or(0)..];
        assert!(labels.starts_with("{result=\"") || labels.starts_with("{le=\""), "an unexpected label: {line}");
    }
}
