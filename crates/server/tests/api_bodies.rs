//! Bodies over the API on a real server (SQLite, a loopback port): established by the
//! secretariat, each with its roster and rule; proposals drafted in a body and found by it; a
//! rule changed while a procedure is open leaves that procedure to the old rule.

#![allow(clippy::unwrap_used)] // a test helper that fails should panic

mod common;

use common::{FOUNDERS, Server};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

async fn alliance() -> Server {
    let s = Server::start().await;
    for (code, a2, num, name) in FOUNDERS {
        s.admit(code, a2, num, name, "1949-04-04").await;
    }
    s
}

fn npg() -> serde_json::Value {
    json!({ "id": "npg", "name": "Nuclear Planning Group", "roster": { "roster": "all_members", "except": ["FRA"] } })
}

#[tokio::test]
async fn a_body_decides_with_its_own_roster_and_says_its_rule() {
    let s = alliance().await;
    let made = s.post(&s.secretariat, "/api/v1/bodies", &npg()).await;
    let made = made.expect_status(201).clone();
    assert_eq!((made["rule"]["rule"].as_str(), made["rule_version"].as_u64()), (Some("consensus"), Some(1)));
    let shown = s.get(&s.observer, "/api/v1/bodies/npg").await.expect_status(200).clone();
    assert_eq!(shown["roster_today"], json!(["BEL", "CAN", "DNK", "ISL"]), "every member but France");
    assert!(shown["rule_words"].as_str().unwrap().contains("one objection blocks"), "{shown}");
    assert_eq!(s.get(&s.observer, "/api/v1/bodies").await.json.as_array().unwrap().len(), 1);

    let draft = json!({ "body": "npg", "kind": "statement", "title": "Nuclear posture", "text": "The group agrees." });
    let p = s.post(&s.secretariat, "/api/v1/proposals", &draft).await.expect_status(201)["id"].as_u64().unwrap();
    s.draft("statement", "Principal business").await;
    let in_npg = s.get(&s.secretariat, "/api/v1/proposals?body=npg").await.expect_status(200).clone();
    assert_eq!(in_npg["items"].as_array().unwrap().len(), 1);
    assert_eq!(in_npg["items"][0]["body"], "npg");
    let principal = s.get(&s.secretariat, "/api/v1/proposals?body=principal").await.expect_status(200).clone();
    assert_eq!(principal["items"].as_array().unwrap().len(), 1);
    s.get(&s.secretariat, "/api/v1/proposals?body=nac").await.expect_problem(400, "invalid-query");

    let deadline = Timestamp::now() + SignedDuration::from_hours(48);
    let circulated = s.circulate(p, "silence", deadline).await;
    assert_eq!(circulated["circulation"]["electorate"], json!(["BEL", "CAN", "DNK", "ISL"]));
    assert_eq!(circulated["circulation"]["rule"]["version"], 1);
    // France sits outside the group: its proposal answers as one that does not exist, to a read
    // and to a position alike (a refusal naming its status or deadline would tell).
    let fra = s.member_token("FRA").await;
    s.position(&fra, p, 1, "object", Some("Not ours to decide.")).await.expect_problem(404, "unknown-proposal");
    s.get(&fra, &format!("/api/v1/proposals/{p}")).await.expect_problem(404, "unknown-proposal");
    let listed = s.get(&fra, "/api/v1/proposals?body=npg").await.expect_status(200).clone();
    assert_eq!(listed["items"], json!([]), "{listed}");
    s.get(&fra, "/api/v1/bodies/npg/proxies").await.expect_problem(403, "not-permitted");

    // The rule changes; the open procedure keeps version 1.
    let change = json!({ "rule": { "rule": "consensus_minus_one", "concerned": "ISL" }, "reason": "A case of a state concerned" });
    let changed = s.post(&s.secretariat, "/api/v1/bodies/npg/rule", &change).await.expect_status(200).clone();
    assert_eq!(changed["rule_version"], 2);
    let isl = s.member_token("ISL").await;
    s.position(&isl, p, 1, "object", Some("We object.")).await.expect_status(201);
    let blocked = s.get(&s.secretariat, &format!("/api/v1/proposals/{p}")).await.expect_status(200).clone();
    assert_eq!(blocked["status"], "blocked", "decided by the rule it opened under: {blocked}");
}

#[tokio::test]
async fn a_body_has_a_chair_from_a_day_the_principal_body_too() {
    let s = alliance().await;
    s.post(&s.secretariat, "/api/v1/bodies", &npg()).await.expect_status(201);
    let now = s.post(&s.secretariat, "/api/v1/chairs", &json!({ "chair": "secretariat" })).await;
    assert_eq!(now.expect_status(201).clone()[0]["chair"], "secretariat", "{}", now.json);
    let later = (Timestamp::now() + SignedDuration::from_hours(24 * 30)).to_string();
    let npg_chair = json!({ "body": "npg", "chair": "DNK", "from": later });
    let made = s.post(&s.secretariat, "/api/v1/chairs", &npg_chair).await.expect_status(201).clone();
    assert_eq!(made, json!([{ "body": "npg", "chair": "DNK", "from": later }]), "only the body's own appointments");
    let shown = s.get(&s.observer, "/api/v1/bodies/npg").await.expect_status(200).clone();
    assert_eq!(shown.get("chair"), None, "Denmark chairs from next month, nobody before: {shown}");
    let all = s.get(&s.observer, "/api/v1/chairs").await.expect_status(200).clone();
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");

    // France does not sit in the group; only the secretariat appoints; a chair is a word or a code.
    let fra = json!({ "body": "npg", "chair": "FRA" });
    s.post(&s.secretariat, "/api/v1/chairs", &fra).await.expect_problem(422, "invalid-field");
    let member = s.member_token("BEL").await;
    s.post(&member, "/api/v1/chairs", &json!({ "chair": "BEL" })).await.expect_problem(403, "not-permitted");
    s.post(&s.secretariat, "/api/v1/chairs", &json!({ "chair": "nobody" })).await.expect_problem(400, "invalid-body");
    let past = json!({ "chair": "BEL", "from": "2001-01-01T00:00:00Z" });
    s.post(&s.secretariat, "/api/v1/chairs", &past).await.expect_problem(422, "invalid-field");
    assert_eq!(s.get(&s.observer, "/api/v1/chairs").await.json.as_array().map(Vec::len), Some(2), "nothing changed");
}

/// A decision that needs the Council's consensus first: the Military Committee plans a mission
/// the Council adopted, and nothing follows a decision of the Nuclear Planning Group, which not
/// every member replays.
#[tokio::test]
async fn a_proposal_following_a_council_decision_waits_for_its_adoption() {
    let s = alliance().await;
    let mc = json!({ "id": "mc", "name": "Military Committee", "roster": { "roster": "all_members" } });
    s.post(&s.secretariat, "/api/v1/bodies", &mc).await.expect_status(201);
    s.post(&s.secretariat, "/api/v1/bodies", &npg()).await.expect_status(201);
    let mission = s.draft("command_or_mission", "Air policing mission").await;
    let deadline = (Timestamp::now() + SignedDuration::from_hours(48)).to_string();
    let round = json!({ "procedure": "consensus_round", "deadline": deadline });
    s.post(&s.secretariat, &format!("/api/v1/proposals/{mission}/circulate"), &round).await.expect_status(200);
    let plan =
        json!({ "body": "mc", "follows": mission, "kind": "command_or_mission", "title": "Plan", "text": "Planned." });
    let made = s.post(&s.secretariat, "/api/v1/proposals", &plan).await.expect_status(201).clone();
    assert_eq!(made["follows"], mission);
    let plan = made["id"].as_u64().unwrap();
    let early = s.post(&s.secretariat, &format!("/api/v1/proposals/{plan}/circulate"), &round).await;
    early.expect_problem(409, "prior-not-adopted");

    for (code, ..) in FOUNDERS {
        let token = s.member_token(code).await;
        s.position(&token, mission, 1, "concur", None).await.expect_status(201);
    }
    s.post(&s.secretariat, &format!("/api/v1/proposals/{plan}/circulate"), &round).await.expect_status(200);
    // The mission stays with the members: what follows it may not go to Ukraine.
    s.post(&s.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let plan_b = json!({ "follows": mission, "kind": "command_or_mission", "title": "Plan B", "text": "Planned." });
    let plan_b = s.post(&s.secretariat, "/api/v1/proposals", &plan_b).await.expect_status(201)["id"].as_u64().unwrap();
    let to_ukraine = json!({ "procedure": "consensus_round", "deadline": deadline, "marking": "members+partner:UKR" });
    let wider = s.post(&s.secretariat, &format!("/api/v1/proposals/{plan_b}/circulate"), &to_ukraine).await;
    wider.expect_problem(422, "invalid-field");

    let in_npg = json!({ "body": "npg", "kind": "statement", "title": "Nuclear posture", "text": "Agreed." });
    let in_npg = s.post(&s.secretariat, "/api/v1/proposals", &in_npg).await.expect_status(201)["id"].as_u64().unwrap();
    let follow_npg = json!({ "follows": in_npg, "kind": "statement", "title": "t", "text": "x" });
    s.post(&s.secretariat, "/api/v1/proposals", &follow_npg).await.expect_problem(422, "invalid-field");
}

#[tokio::test]
async fn bodies_refuse_what_they_cannot_be() {
    let s = alliance().await;
    let fra = s.member_token("FRA").await;
    s.post(&fra, "/api/v1/bodies", &npg()).await.expect_problem(403, "not-permitted");
    s.post(&s.secretariat, "/api/v1/bodies", &npg()).await.expect_status(201);
    s.post(&s.secretariat, "/api/v1/bodies", &npg()).await.expect_problem(409, "body-exists");
    let qmv = json!({ "id": "council", "name": "Council", "roster": { "roster": "all_members" },
        "rule": { "rule": "qualified_majority", "states": { "num": 55, "den": 100 }, "min_states": 15,
                  "population": { "num": 65, "den": 100 }, "blocking_min": 4 } });
    s.post(&s.secretariat, "/api/v1/bodies", &qmv).await.expect_problem(422, "invalid-field");
    let bad = json!({ "id": "No Such", "name": "x", "roster": { "roster": "all_members" } });
    s.post(&s.secretariat, "/api/v1/bodies", &bad).await.expect_problem(400, "invalid-body");
    s.get(&s.observer, "/api/v1/bodies/No%20Such").await.expect_problem(400, "invalid-body-id");
    s.get(&s.observer, "/api/v1/bodies/nac").await.expect_problem(404, "unknown-body");
    let wrong_kind = json!({ "body": "nac", "kind": "statement", "title": "t", "text": "x" });
    s.post(&s.secretariat, "/api/v1/proposals", &wrong_kind).await.expect_problem(404, "unknown-body");
}

#[tokio::test]
async fn a_partner_taking_part_in_a_body_reads_it_and_speaks_for_itself() {
    let s = alliance().await;
    s.post(&s.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let nuc = json!({ "id": "nuc", "name": "NATO-Ukraine Council",
        "roster": { "roster": "with_partners", "partners": ["UKR"] } });
    s.post(&s.secretariat, "/api/v1/bodies", &nuc).await.expect_status(201);
    let shown = s.get(&s.observer, "/api/v1/bodies/nuc").await.expect_status(200).clone();
    assert_eq!(shown["roster_today"], json!(["BEL", "CAN", "DNK", "FRA", "ISL", "UKR"]), "{shown}");

    let draft = json!({ "body": "nuc", "kind": "statement", "title": "Air defence", "text": "The council agrees." });
    let p = s.post(&s.secretariat, "/api/v1/proposals", &draft).await.expect_status(201)["id"].as_u64().unwrap();
    let principal = s.draft("statement", "Principal business").await;
    let deadline = Timestamp::now() + SignedDuration::from_hours(48);
    s.circulate(p, "consensus_round", deadline).await;
    s.circulate(principal, "consensus_round", deadline).await;

    // Ukraine reads the council's proposal and its grid, as the allies do, and takes its own
    // position without naming itself; the principal body's business stays the members'.
    let ukr = s.partner_token("UKR").await;
    s.get(&ukr, &format!("/api/v1/proposals/{p}")).await.expect_status(200);
    s.position(&ukr, p, 1, "concur", None).await.expect_status(201);
    let grid = s.get(&ukr, &format!("/api/v1/proposals/{p}/positions")).await.expect_status(200).clone();
    let ukraine = grid["electors"].as_array().unwrap().iter().find(|e| e["member"] == "UKR").cloned();
    assert_eq!(ukraine.map(|e| e["stance"].clone()), Some(json!("concur")), "{grid}");
    s.get(&ukr, &format!("/api/v1/proposals/{principal}")).await.expect_problem(404, "unknown-proposal");
    s.position(&ukr, principal, 1, "concur", None).await.expect_problem(403, "partner-cannot-take-positions");

    // Every ally concurs: with Ukraine's concurrence the round is complete.
    for code in ["BEL", "CAN", "DNK", "FRA", "ISL"] {
        let token = s.member_token(code).await;
        s.position(&token, p, 1, "concur", None).await.expect_status(201);
    }
    assert_eq!(s.proposal(p).await["status"], "adopted");
}
