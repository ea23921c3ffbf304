//! Votes and population figures over the API on a real server (SQLite, a loopback port): the
//! secretariat records a year's figures; a body that decides by a vote rule circulates for a
//! vote; delegations vote with the stances a vote takes, and the decision carries the count.

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

#[tokio::test]
async fn population_figures_are_recorded_by_the_secretariat_and_read_by_anyone() {
    let s = alliance().await;
    let figures = json!({ "year": 2024, "source": "constructed for this test",
        "figures": { "BEL": 11_000_000, "CAN": 40_000_000, "DNK": 6_000_000, "FRA": 68_000_000, "ISL": 400_000 } });
    let fra = s.member_token("FRA").await;
    s.post(&fra, "/api/v1/populations", &figures).await.expect_problem(403, "not-permitted");
    let zero = json!({ "year": 2024, "source": "x", "figures": { "BEL": 0 } });
    s.post(&s.secretariat, "/api/v1/populations", &zero).await.expect_problem(422, "invalid-field");
    let stranger = json!({ "year": 2024, "source": "x", "figures": { "UKR": 1 } });
    s.post(&s.secretariat, "/api/v1/populations", &stranger).await.expect_problem(404, "unknown-member");
    let recorded = s.post(&s.secretariat, "/api/v1/populations", &figures).await.expect_status(201).clone();
    assert_eq!(recorded, figures);
    assert_eq!(s.get(&s.observer, "/api/v1/populations").await.expect_status(200).clone(), json!([figures]));
    assert_eq!(s.get(&s.observer, "/api/v1/populations/2024").await.expect_status(200).clone(), figures);
    s.get(&s.observer, "/api/v1/populations/2023").await.expect_problem(404, "not-found");
    s.get(&s.observer, "/api/v1/populations/last").await.expect_problem(400, "invalid-year");
}

#[tokio::test]
async fn a_body_that_votes_decides_by_its_count() {
    let s = alliance().await;
    let board = json!({ "id": "board", "name": "Board", "roster": { "roster": "all_members" }, "procedures": ["vote"],
        "rule": { "rule": "majority", "fraction": { "num": 1, "den": 2 }, "of": "electorate", "bound": "more_than" } });
    let shown = s.post(&s.secretariat, "/api/v1/bodies", &board).await.expect_status(201).clone();
    assert_eq!(shown["procedures"], json!(["vote"]));
    let by_consensus =
        json!({ "id": "other", "name": "Other", "roster": { "roster": "all_members" }, "procedures": ["vote"] });
    s.post(&s.secretariat, "/api/v1/bodies", &by_consensus).await.expect_problem(422, "invalid-field");

    let draft = json!({ "body": "board", "kind": "statement", "title": "Budget line", "text": "The board agrees." });
    let p = s.post(&s.secretariat, "/api/v1/proposals", &draft).await.expect_status(201)["id"].as_u64().unwrap();
    let deadline = Timestamp::now() + SignedDuration::from_hours(48);
    let body = json!({ "procedure": "silence", "deadline": deadline.to_string() });
    s.post(&s.secretariat, &format!("/api/v1/proposals/{p}/circulate"), &body)
        .await
        .expect_problem(422, "procedure-not-used");
    let circulated = s.circulate(p, "vote", deadline).await;
    assert_eq!(circulated["status"], "voting");

    let tokens: Vec<String> = futures_tokens(&s).await;
    s.position(&tokens[0], p, 1, "concur", None).await.expect_problem(422, "stance-not-in-procedure");
    for (token, vote) in tokens.iter().zip(["yes", "yes", "no", "abstain"]) {
        s.position(token, p, 1, vote, None).await.expect_status(201);
    }
    let open = s.get(&s.secretariat, &format!("/api/v1/proposals/{p}")).await.expect_status(200).clone();
    assert_eq!(open["status"], "voting", "one elector has not voted yet");
    s.position(&tokens[4], p, 1, "not_participating", None).await.expect_status(201);
    let decided = s.get(&s.secretariat, &format!("/api/v1/proposals/{p}")).await.expect_status(200).clone();
    assert_eq!(decided["status"], "not_adopted", "two of five is not more than half: {decided}");
    let count = &decided["decision"]["count"];
    assert_eq!((count["yes"].as_u64(), count["no"].as_u64(), count["needed"].as_u64()), (Some(2), Some(1), Some(3)));
    assert_eq!(decided["decision"]["votes"].as_array().unwrap().len(), 5);
}

/// The founders' delegations' tokens, in `FOUNDERS` order.
async fn futures_tokens(s: &Server) -> Vec<String> {
    let mut tokens = Vec::new();
    for (code, ..) in FOUNDERS {
        tokens.push(s.member_token(code).await);
    }
    tokens
}

#[tokio::test]
async fn a_proxy_votes_for_the_member_that_authorised_it_and_the_members_read_it() {
    let s = alliance().await;
    let board = json!({ "id": "board", "name": "Board", "roster": { "roster": "all_members" }, "procedures": ["vote"],
        "proxies": true, "rule": { "rule": "threshold", "needed": 3, "veto_holders": [] } });
    s.post(&s.secretariat, "/api/v1/bodies", &board).await.expect_status(201);
    let (fra, isl) = (s.member_token("FRA").await, s.member_token("ISL").await);
    let now = Timestamp::now();
    let proxy = json!({ "member": "ISL", "proxy": "FRA", "until": (now + SignedDuration::from_hours(72)).to_string() });
    s.post(&fra, "/api/v1/bodies/board/proxies", &proxy).await.expect_problem(403, "not-permitted");
    let given = s.post(&isl, "/api/v1/bodies/board/proxies", &proxy).await.expect_status(201).clone();
    assert_eq!(given[0]["proxy"], "FRA");
    assert_eq!(s.get(&fra, "/api/v1/bodies/board/proxies").await.expect_status(200).clone(), given);
    s.get(&s.observer, "/api/v1/bodies/board/proxies").await.expect_problem(403, "not-permitted");

    let draft = json!({ "body": "board", "kind": "statement", "title": "T", "text": "X" });
    let p = s.post(&s.secretariat, "/api/v1/proposals", &draft).await.expect_status(201)["id"].as_u64().unwrap();
    s.circulate(p, "vote", now + SignedDuration::from_hours(48)).await;
    let for_isl = json!({ "member": "ISL", "revision": 1, "stance": "yes" });
    let cast = s.post(&fra, &format!("/api/v1/proposals/{p}/positions"), &for_isl).await.expect_status(201).clone();
    assert_eq!(cast["positions"]["ISL"]["proxy"], "FRA", "the vote says who cast it: {cast}");
    let bel = s.member_token("BEL").await;
    s.post(&bel, &format!("/api/v1/proposals/{p}/positions"), &for_isl).await.expect_problem(403, "not-permitted");
    s.post(&isl, "/api/v1/bodies/board/proxies/ISL/end", &json!({})).await.expect_status(200);
    let again = json!({ "member": "ISL", "revision": 1, "stance": "no" });
    s.post(&fra, &format!("/api/v1/proposals/{p}/positions"), &again).await.expect_problem(403, "not-permitted");
}
