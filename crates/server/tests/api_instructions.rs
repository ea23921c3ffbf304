//! A delegation awaiting instructions from its capital, over HTTP: said with
//! `POST /api/v1/proposals/{id}/instructions`, shown in the proposal and the grid to the members
//! and the secretariat, ended by the delegation's position, refused once it has one or for
//! another member, and never shown to the partner the text was circulated to.

mod common;

use common::{Alliance, hours_from_now, ts};
use serde_json::{Value, json};

/// The grid row of `member`.
fn standing<'a>(grid: &'a Value, member: &str) -> &'a Value {
    let electors = grid["electors"].as_array().expect("electors");
    electors.iter().find(|e| e["member"] == member).unwrap_or_else(|| panic!("{member} is not in {grid}"))
}

#[tokio::test]
async fn a_delegation_awaits_instructions_until_it_takes_a_position() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Statement on the summit").await;
    a.circulate(id, "silence", hours_from_now(24)).await;
    let (url, grid_url) = (format!("/api/v1/proposals/{id}/instructions"), format!("/api/v1/proposals/{id}/positions"));

    let size = a.log_size().await;
    let r = a.post(a.token("DNK"), &url, &json!({ "note": "  Copenhagen replies on Friday. " })).await;
    let p = r.expect_status(200);
    assert_eq!(a.log_size().await, size + 1, "one entry");
    assert_eq!(p["status"], "under_silence", "silence is not broken: {p}");
    assert_eq!(p["awaiting"]["DNK"]["note"], "Copenhagen replies on Friday.", "kept trimmed: {p}");
    let since = ts(&p["awaiting"]["DNK"]["at"]);
    assert!(p["positions"].as_object().is_some_and(serde_json::Map::is_empty), "not a position: {p}");

    // The grid says so to the secretariat and to another member; the others await nothing.
    for token in [a.secretariat.as_str(), a.token("BEL")] {
        let grid = a.get(token, &grid_url).await;
        let dnk = standing(grid.expect_status(200), "DNK");
        assert_eq!(dnk["stance"], Value::Null);
        assert_eq!(ts(&dnk["awaiting"]["at"]), since);
        assert_eq!(dnk["awaiting"]["note"], "Copenhagen replies on Friday.");
        assert_eq!(standing(&grid.json, "BEL")["awaiting"], Value::Null);
    }

    // Naming its own member is the same as naming none; a second word replaces the note.
    let r = a.post(a.token("DNK"), &url, &json!({ "member": "DNK" })).await;
    assert_eq!(r.expect_status(200)["awaiting"]["DNK"].get("note"), None, "{}", r.json);

    // The position ends the wait.
    a.position(a.token("DNK"), id, 1, "concur", None).await.expect_status(201);
    let p = a.proposal(id).await;
    assert_eq!(p.get("awaiting"), None, "cleared by the position: {p}");
    let grid = a.get(&a.secretariat, &grid_url).await;
    let dnk = standing(grid.expect_status(200), "DNK");
    assert_eq!((&dnk["stance"], &dnk["awaiting"]), (&json!("concur"), &Value::Null));
}

#[tokio::test]
async fn after_a_position_or_for_another_member_or_from_anyone_else_it_is_refused() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Statement on the summit").await;
    a.circulate(id, "consensus_round", hours_from_now(24)).await;
    let url = format!("/api/v1/proposals/{id}/instructions");
    let watch = format!("/api/v1/proposals/{id}");

    a.position(a.token("FRA"), id, 1, "concur", None).await.expect_status(201);
    a.refused(a.token("FRA"), &url, &json!({}), 409, "already-positioned", &watch).await;
    // Another member's delegation, the secretariat and the observer may not say it for anyone.
    a.refused(a.token("BEL"), &url, &json!({ "member": "DNK" }), 403, "not-permitted", &watch).await;
    a.refused(&a.secretariat, &url, &json!({ "member": "DNK" }), 403, "not-permitted", &watch).await;
    a.refused(&a.secretariat, &url, &json!({}), 403, "not-permitted", &watch).await;
    a.refused(&a.observer, &url, &json!({}), 403, "not-permitted", &watch).await;
    // A note too long to record is invalid; an unknown field is not read at all.
    let long = "x".repeat(concord_core::MAX_STATEMENT + 1);
    a.refused(a.token("DNK"), &url, &json!({ "note": long }), 422, "invalid-field", &watch).await;
    a.refused(a.token("DNK"), &url, &json!({ "stance": "concur" }), 400, "invalid-body", &watch).await;
    a.refused(a.token("DNK"), "/api/v1/proposals/999/instructions", &json!({}), 404, "unknown-proposal", &watch).await;
    // A draft is not open for it.
    let draft = a.draft("statement", "Not yet circulated").await;
    let draft_url = format!("/api/v1/proposals/{draft}/instructions");
    a.refused(a.token("DNK"), &draft_url, &json!({}), 409, "not-open", &watch).await;
}

#[tokio::test]
async fn the_partner_reads_the_circulated_text_but_not_who_awaits_instructions() {
    let a = Alliance::start().await;
    a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let ukr = a.partner_token("UKR").await;
    let id = a.draft("routine", "Winter fuel").await;
    let circulate =
        json!({ "procedure": "silence", "deadline": hours_from_now(24).to_string(), "marking": "members+partner:UKR" });
    a.post(&a.secretariat, &format!("/api/v1/proposals/{id}/circulate"), &circulate).await.expect_status(200);
    let note = "Reykjavik has not yet decided.";
    a.post(a.token("ISL"), &format!("/api/v1/proposals/{id}/instructions"), &json!({ "note": note }))
        .await
        .expect_status(200);

    assert_eq!(a.proposal(id).await["awaiting"]["ISL"]["note"], note, "the secretariat reads it");
    let seen = a.get(&ukr, &format!("/api/v1/proposals/{id}")).await;
    let seen = seen.expect_status(200);
    assert_eq!(seen["revisions"][0]["title"], "Winter fuel", "the partner reads the text: {seen}");
    assert_eq!(seen.get("awaiting"), None, "{seen}");
    assert!(!seen.to_string().contains(note), "{seen}");
    let listed = a.get(&ukr, "/api/v1/proposals").await;
    assert!(!listed.expect_status(200).to_string().contains(note), "{}", listed.json);
    a.get(&ukr, &format!("/api/v1/proposals/{id}/positions")).await.expect_problem(403, "not-permitted");
}
