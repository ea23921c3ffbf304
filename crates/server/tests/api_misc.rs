//! Lists and their pages, concurrent writes and the log they leave, restarts, health and the
//! OpenAPI document.

mod common;

use std::collections::BTreeSet;

use common::{Alliance, FOUNDERS, Server, hours_from_now, join_all, leaf_hash_hex, opened};
use serde_json::{Value, json};

/// Follows `next` from the first page of `path` (which has a `?`), `limit` items at a time.
async fn all_pages(s: &Server, path: &str, limit: u32) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut after: Option<String> = None;
    loop {
        let url = match &after {
            None => format!("{path}&limit={limit}"),
            Some(a) => format!("{path}&limit={limit}&after={a}"),
        };
        let r = s.get(&s.secretariat, &url).await;
        let page = r.expect_status(200);
        let got = page["items"].as_array().expect("items");
        assert!(got.len() <= limit as usize, "a page larger than its limit: {url}");
        pages += 1;
        items.extend(got.iter().cloned());
        match page.get("next") {
            None => return (items, pages),
            Some(next) => {
                assert_eq!(got.len(), limit as usize, "only full pages have a next: {url}");
                after = Some(next.as_str().expect("a cursor").to_owned());
            }
        }
        assert!(pages < 100, "pagination does not end");
    }
}

#[tokio::test]
async fn members_page_through_in_code_order_without_duplicates_or_gaps() {
    let a = Alliance::start().await;
    let more = [("NOR", "NO", "578"), ("ITA", "IT", "380"), ("LUX", "LU", "442"), ("NLD", "NL", "528")];
    for (code, a2, num) in more {
        a.admit(code, a2, num, code, "1949-04-04").await;
    }
    let mut expected: Vec<String> =
        FOUNDERS.iter().map(|f| f.0.to_owned()).chain(more.iter().map(|m| m.0.into())).collect();
    expected.sort();

    let (items, pages) = all_pages(&a, "/api/v1/members?", 2).await;
    let got: Vec<String> = items.iter().map(|m| m["code"].as_str().expect("a code").to_owned()).collect();
    assert_eq!(got, expected, "every member once, in code order");
    assert_eq!(pages, 5, "9 members in pages of 2");
    // A page size that divides the count ends with an empty page or none, never a repeat.
    let (items, _) = all_pages(&a, "/api/v1/members?", 3).await;
    assert_eq!(items.len(), 9);
    let full = a.get(&a.observer, "/api/v1/members").await;
    let full = full.expect_status(200);
    assert!(full.get("next").is_none(), "one page holds all: {full}");
    assert_eq!(full["items"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        full["items"][0],
        json!({ "code": "BEL", "alpha2": "BE", "numeric": "056", "name": "Belgium", "accession": "1949-04-04" })
    );
    // A cursor from the middle continues after it.
    let r = a.get(&a.observer, "/api/v1/members?after=FRA&limit=2").await;
    let codes: Vec<&str> =
        r.json["items"].as_array().expect("items").iter().filter_map(|m| m["code"].as_str()).collect();
    assert_eq!(codes, ["ISL", "ITA"]);
}

#[tokio::test]
async fn proposals_page_through_and_filter_by_status() {
    let a = Alliance::start().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(a.draft("routine", &format!("Item {i}")).await);
    }
    for id in [ids[1], ids[4], ids[6]] {
        a.circulate(id, "silence", hours_from_now(5)).await;
    }
    a.post(&a.secretariat, &format!("/api/v1/proposals/{}/withdraw", ids[2]), &json!({ "reason": "Dropped." }))
        .await
        .expect_status(200);
    a.circulate(ids[5], "consensus_round", hours_from_now(5)).await;
    let r = a.position(a.token("BEL"), ids[6], 1, "object", Some("Belgium objects.")).await;
    assert_eq!(r.expect_status(201)["status"], "blocked");

    let id_list = |items: &[Value]| items.iter().map(|p| p["id"].as_u64().expect("an id")).collect::<Vec<_>>();
    let (items, _) = all_pages(&a, "/api/v1/proposals?", 2).await;
    assert_eq!(id_list(&items), ids, "every proposal once, in id order");

    let filters = [
        ("draft", vec![ids[0], ids[3]]),
        ("under_silence", vec![ids[1], ids[4]]),
        ("consensus_round", vec![ids[5]]),
        ("withdrawn", vec![ids[2]]),
        ("blocked", vec![ids[6]]),
        ("adopted", vec![]),
    ];
    for (status, expected) in filters {
        let (items, _) = all_pages(&a, &format!("/api/v1/proposals?status={status}"), 1).await;
        assert_eq!(id_list(&items), expected, "status={status}");
        assert!(items.iter().all(|p| p["status"] == status), "status={status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_positions_are_all_logged_in_one_unbroken_chain() {
    let a = Alliance::start().await;
    // 13 open proposals under silence (a concurrence never decides one), 5 electors each.
    let mut ids = Vec::new();
    for i in 0..13 {
        let id = a.draft("routine", &format!("Parallel {i}")).await;
        a.circulate(id, "silence", hours_from_now(6)).await;
        ids.push(id);
    }
    let size_before = a.log_size().await;
    let mut pairs: Vec<(u64, &str)> = Vec::new();
    for id in &ids {
        for (code, _) in &a.members {
            pairs.push((*id, code));
        }
    }
    pairs.truncate(64);

    let posts = pairs.iter().map(|(id, code)| a.position(a.token(code), *id, 1, "concur", None));
    let replies = join_all(posts).await;
    for (r, (id, code)) in replies.iter().zip(&pairs) {
        let p = r.expect_status(201);
        assert_eq!(p["id"], *id);
        assert_eq!(p["positions"][code]["stance"], "concur");
    }

    // Exactly one entry per acknowledged position.
    let size = a.log_size().await;
    assert_eq!(size, size_before + 64);
    let entries = a.log_entries().await;
    assert_eq!(entries.len() as u64, size);

    // Contiguous from 0, each entry hashed as published and chained to the one before.
    let mut prev = leaf_hash_hex(b"");
    let mut positions = BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"], i as u64);
        let text = e["entry"].as_str().expect("the entry as a string");
        assert_eq!(e["leaf_hash"], leaf_hash_hex(text.as_bytes()), "entry {i}: leaf hash");
        let record: Value = serde_json::from_str(text).expect("the entry is JSON");
        assert_eq!(record["seq"], i as u64, "entry {i}: seq inside the record");
        assert_eq!(record["prev"], prev, "entry {i}: prev is the previous leaf hash");
        prev = e["leaf_hash"].as_str().expect("a leaf hash").to_owned();
        if i as u64 >= size_before {
            assert_eq!(record["type"], "position_taken", "entry {i}");
            assert_eq!(record["role"], "member", "entry {i}: the envelope names the role only");
            let content = opened(e);
            let key = (content["event"]["proposal"].as_u64(), content["event"]["member"].as_str().map(str::to_owned));
            assert!(positions.insert(key.clone()), "entry {i}: {key:?} logged twice");
            assert_eq!(content["actor"], json!({ "role": "member", "code": key.1 }));
        }
    }
    assert_eq!(positions.len(), 64);

    // Every proposal shows exactly its positions.
    for id in &ids {
        let p = a.proposal(*id).await;
        let expected = pairs.iter().filter(|(i, _)| i == id).count();
        assert_eq!(p["positions"].as_object().map(serde_json::Map::len), Some(expected), "proposal {id}");
        assert_eq!(p["status"], "under_silence");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_last_consents_decide_a_round_exactly_once() {
    let a = Alliance::start().await;
    let id = a.draft("assistance_programme", "Everyone at once").await;
    a.circulate(id, "consensus_round", hours_from_now(6)).await;
    let size = a.log_size().await;
    let replies = join_all(a.members.iter().map(|(_, t)| a.position(t, id, 1, "concur", None))).await;
    for r in &replies {
        r.expect_status(201);
    }
    let adopted = replies.iter().filter(|r| r.json["status"] == "adopted").count();
    assert_eq!(adopted, 1, "exactly one reply carries the decision");
    assert_eq!(a.log_size().await, size + 6, "five positions and one decision");
    let o = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/outcome")).await;
    let d = &o.expect_status(200)["decision"];
    assert_eq!(d["outcome"], "adopted");
    assert_eq!(d["concurred"].as_array().map(Vec::len), Some(5));
    let entries = a.log_entries().await;
    let decided = entries
        .iter()
        .filter(|e| e["entry"].as_str().is_some_and(|t| t.contains("\"type\":\"proposal_decided\"")))
        .count();
    assert_eq!(decided, 1);
}

#[tokio::test]
async fn log_entries_are_served_by_range() {
    let a = Alliance::start().await;
    let size = a.log_size().await;
    assert_eq!(size, 6, "the log's creation, then five admissions");
    let r = a.get(&a.observer, "/api/v1/log/entries?from=0&limit=1").await;
    // The roster is public: the observer reads these entries' sealed parts.
    let created = opened(&r.expect_status(200)["entries"][0]);
    assert_eq!(created["event"]["type"], "log_created");
    assert_eq!(created["event"]["origin"], "test.concord.example/log");
    let r = a.get(&a.observer, "/api/v1/log/entries?from=2&limit=2").await;
    let r = r.expect_status(200);
    assert_eq!(r["size"], 6);
    let seqs: Vec<u64> = r["entries"].as_array().expect("entries").iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(seqs, [2, 3]);
    let envelope: Value = serde_json::from_str(r["entries"][0]["entry"].as_str().expect("entry")).expect("JSON");
    assert_eq!(
        (&envelope["type"], &envelope["marking"], &envelope["role"]),
        (&json!("member_admitted"), &json!("public"), &json!("secretariat"))
    );
    let first = opened(&r["entries"][0]);
    assert_eq!(first["event"]["type"], "member_admitted");
    assert_eq!(first["event"]["member"]["code"], "CAN");
    assert_eq!(first["actor"], json!({ "role": "secretariat" }));
    let beyond = a.get(&a.observer, "/api/v1/log/entries?from=99").await;
    let beyond = beyond.expect_status(200);
    assert_eq!(beyond["size"], 6);
    assert!(beyond["entries"].as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn the_sealed_part_names_the_account_and_the_envelope_only_the_role() {
    let s = Server::start().await;
    let clerk = s.mint_labelled(concord_core::Actor::Secretariat, "clerk Dupont").await;
    let body = json!({ "kind": "statement", "title": "Signed by a clerk", "text": "X." });
    s.post(&clerk, "/api/v1/proposals", &body).await.expect_status(201);
    let entries = s.log_entries().await;
    let (created, drafted) = (&entries[0], entries.last().expect("the draft's entry"));

    // The secretariat, cleared for the members-marked draft, reads who acted.
    let content = drafted["part"]["content"].as_str().expect("the part, for the secretariat");
    assert!(content.contains(r#""account":"token:clerk Dupont""#), "{content}");
    let sealed = opened(drafted);
    assert_eq!(sealed["event"]["type"], "proposal_drafted");
    assert_eq!(sealed["actor"], json!({ "role": "secretariat" }));
    assert_eq!(sealed["account"], "token:clerk Dupont");
    // The log's creation was the server's own act: no account.
    assert_eq!(opened_account(created), None);

    // The public envelope names the role only.
    let envelope = drafted["entry"].as_str().expect("an envelope");
    assert!(envelope.contains(r#""marking":"members""#) && envelope.contains(r#""role":"secretariat""#), "{envelope}");
    assert!(!envelope.contains("clerk") && !envelope.contains("account"), "{envelope}");

    // Readers outside the marking get the envelope and no part at all.
    let seq = drafted["seq"].as_u64().expect("seq");
    let path = format!("/api/v1/log/entries?from={seq}&limit=1");
    for r in [s.get_anon(&path).await, s.get(&s.observer, &path).await] {
        let entry = &r.expect_status(200)["entries"][0];
        assert_eq!(entry["entry"].as_str(), Some(envelope));
        assert!(entry.get("part").is_none(), "withheld: {entry}");
        assert!(!r.json.to_string().contains("clerk"), "{}", r.json);
    }

    // A public entry names the role alone, for everyone: no account is sealed in it.
    let body = json!({ "code": "UKR", "name": "Ukraine" });
    s.post(&clerk, "/api/v1/partners", &body).await.expect_status(201);
    let registered = s.log_entries().await.pop().expect("the partner's entry");
    assert_eq!(opened(&registered)["event"]["type"], "partner_registered");
    assert_eq!(opened_account(&registered), None);
}

/// A decision a position drew is no one's act: the member's account stays on its position,
/// marked for the members, and is not carried into the decision released with the outcome.
#[tokio::test]
async fn a_decision_a_position_drew_names_no_account() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Closed by the last consent").await;
    a.circulate(id, "consensus_round", hours_from_now(6)).await;
    for (code, _) in common::FOUNDERS.iter().map(|(c, ..)| (*c, ())) {
        a.position(a.token(code), id, 1, "concur", None).await.expect_status(201);
    }
    let entries = a.log_entries().await;
    let decided = entries.last().expect("the decision");
    assert_eq!(opened(decided)["event"]["type"], "proposal_decided");
    assert_eq!(opened_account(decided), None);
    let position = &entries[entries.len() - 2];
    assert_eq!(opened(position)["event"]["type"], "position_taken");
    assert!(opened_account(position).is_some_and(|a| a.starts_with("token:")), "{position}");
}

/// The account in a served entry's sealed content, if it names one.
fn opened_account(entry: &Value) -> Option<String> {
    opened(entry).get("account").and_then(Value::as_str).map(str::to_owned)
}

#[tokio::test]
async fn a_restart_keeps_every_acknowledged_write() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Survives").await;
    a.circulate(id, "silence", hours_from_now(6)).await;
    a.position(a.token("BEL"), id, 1, "concur_with_reservation", Some("Belgium reserves.")).await.expect_status(201);
    let body = json!({ "kind": "routine", "title": "Keyed", "text": "X." });
    let keyed = a.post_keyed(&a.secretariat, "/api/v1/proposals", "before-restart", &body).await;
    keyed.expect_status(201);
    let before = (a.log_entries().await, a.proposal(id).await, a.get(&a.secretariat, "/api/v1/members").await.json);
    let bel = a.token("BEL").to_owned();

    let Alliance { server, .. } = a;
    let s = server.restart().await;
    assert_eq!(s.log_entries().await, before.0, "the same log");
    assert_eq!(s.proposal(id).await, before.1, "the same proposal");
    assert_eq!(s.get(&s.observer, "/api/v1/members").await.json, before.2);
    // Tokens and idempotency records survive too, and the procedure goes on.
    let again = s.post_keyed(&s.secretariat, "/api/v1/proposals", "before-restart", &body).await;
    assert_eq!(again.bytes, keyed.bytes);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let r = s.position(&bel, id, 1, "concur", None).await;
    assert_eq!(r.expect_status(201)["positions"]["BEL"]["stance"], "concur");
    let r = s.draft("routine", "After restart").await;
    assert_eq!(r, id + 2, "ids continue");
}

#[tokio::test]
async fn health_and_readiness() {
    let s = Server::start().await;
    let r = s.get_anon("/healthz").await;
    r.expect_status(200);
    assert_eq!(String::from_utf8_lossy(&r.bytes).trim(), "ok");
    let r = s.get_anon("/readyz").await;
    r.expect_status(200);
    assert_eq!(String::from_utf8_lossy(&r.bytes).trim(), "ready");
}

#[tokio::test]
async fn metrics_count_writes_by_how_they_ended() {
    let s = Server::start().await;
    let id = s.draft("routine", "Counted").await;
    let sec = s.secretariat.clone();
    let past = json!({ "procedure": "silence", "deadline": "2001-01-01T00:00:00Z" });
    assert_eq!(s.post(&sec, &format!("/api/v1/proposals/{id}/circulate"), &past).await.status, 422);
    // Not on the public address: it would tell anyone how busy the server is.
    s.get_anon("/metrics").await.expect_problem(404, "not-found");
    let r = s.client.get(format!("{}/metrics", s.metrics_base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = r.text().await.unwrap();
    let value = |name: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // The fixture's own writes (members admitted) count too: compare, not equal.
    assert!(value("concord_writes_total{result=\"committed\"}") >= 1.0, "{text}");
    assert_eq!(value("concord_writes_total{result=\"refused\"}"), 1.0, "{text}");
    assert_eq!(value("concord_log_entries"), s.log_size().await as f64, "{text}");
    assert!(value("concord_batch_commit_seconds_count") >= 1.0, "{text}");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let s = Server::start().await;
    let r = s.get_anon("/api/openapi.json").await;
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let doc = r.expect_status(200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/proposals",
        "/api/v1/proposals/{id}",
        "/api/v1/proposals/{id}/circulate",
        "/api/v1/proposals/{id}/amend",
        "/api/v1/proposals/{id}/extend",
        "/api/v1/proposals/{id}/curtail",
        "/api/v1/proposals/{id}/withdraw",
        "/api/v1/proposals/{id}/positions",
        "/api/v1/proposals/{id}/outcome",
        "/api/v1/members",
        "/api/v1/members/{code}",
        "/api/v1/members/{code}/departure",
        "/api/v1/partners",
        "/api/v1/log/entries",
        "/api/v1/requests",
        "/api/v1/pledges",
        "/api/v1/pledges/{id}/deliveries",
        "/api/v1/reports/totals",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    let positions = &paths["/api/v1/proposals/{id}/positions"];
    assert!(positions.get("get").is_some() && positions.get("post").is_some());
    assert!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object(), "the problem schema");
}

// The helpers that check "refused and nothing changed" must themselves be able to fail.

#[tokio::test]
#[should_panic(expected = "expected 403 not-permitted, got 201")]
async fn the_refusal_check_fails_on_a_write_that_succeeds() {
    let s = Server::start().await;
    let body = json!({ "kind": "statement", "title": "Accepted", "text": "X." });
    s.refused(&s.secretariat, "/api/v1/proposals", &body, 403, "not-permitted", "/api/v1/proposals").await;
}

#[tokio::test]
#[should_panic(expected = "a refused write changed the log")]
async fn the_unchanged_check_fails_when_the_log_grew() {
    let s = Server::start().await;
    let before = (s.log_size().await, s.get(&s.secretariat, "/api/v1/proposals").await);
    s.draft("routine", "Sneaked in").await;
    s.assert_unchanged(before, "/api/v1/proposals").await;
}
