//! Proposals over HTTP: the silence procedure and the consensus round driven to their outcomes,
//! amendments, deadline changes, withdrawal, and the refusals around them. Every refusal is
//! checked to have changed nothing.

mod common;

use common::{Alliance, codes, hours_from_now, ts};
use serde_json::json;

#[tokio::test]
async fn an_objection_under_silence_blocks_at_once_and_the_outcome_is_final() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Statement on the summit").await;
    let url = format!("/api/v1/proposals/{id}");

    let deadline = hours_from_now(6);
    let p = a.circulate(id, "silence", deadline).await;
    assert_eq!(p["status"], "under_silence");
    assert_eq!(p["circulation"]["procedure"], "silence");
    assert_eq!(ts(&p["circulation"]["deadline"]), deadline);
    assert_eq!(codes(&p["circulation"]["electorate"]), ["BEL", "CAN", "DNK", "FRA", "ISL"]);

    // Before the deadline, under silence, the outcome explains where things stand.
    let o = a.get(&a.secretariat, &format!("{url}/outcome")).await;
    let o = o.expect_status(200);
    assert_eq!(o["final"], false);
    assert!(o.get("decision").is_none(), "{o}");
    assert!(o["explanation"].as_str().is_some_and(|e| e.contains("silence")), "{o}");

    for m in ["BEL", "CAN"] {
        let r = a.position(a.token(m), id, 1, "concur", None).await;
        assert_eq!(r.expect_status(201)["status"], "under_silence");
    }
    let size = a.log_size().await;
    let r = a.position(a.token("DNK"), id, 1, "object", Some("Denmark cannot accept paragraph 3.")).await;
    let p = r.expect_status(201);
    assert_eq!(p["status"], "blocked", "one objection blocks at once: {p}");
    assert_eq!(p["decision"]["outcome"], "blocked");
    // The position and the decision: two entries.
    assert_eq!(a.log_size().await, size + 2);

    let o = a.get(&a.secretariat, &format!("{url}/outcome")).await;
    let o = o.expect_status(200);
    assert_eq!(o["proposal"], id);
    assert_eq!(o["status"], "blocked");
    assert_eq!(o["final"], true);
    let d = &o["decision"];
    assert_eq!(d["outcome"], "blocked");
    assert_eq!(d["procedure"], "silence");
    assert_eq!(d["revision"], 1);
    assert_eq!(codes(&d["objections"]), ["DNK"]);
    assert_eq!(d["objections"][0]["text"], "Denmark cannot accept paragraph 3.");
    assert_eq!(codes(&d["concurred"]), ["BEL", "CAN"]);
    assert_eq!(codes(&d["concurred_by_silence"]), Vec::<String>::new(), "a blocked proposal has no silent consent");
    let explanation = o["explanation"].as_str().expect("an explanation");
    assert!(explanation.contains("DNK") && explanation.contains("objected"), "{explanation}");
    assert!(explanation.ends_with('.'), "a sentence: {explanation}");

    // Nothing about a decided proposal changes any more.
    let position = json!({ "revision": 1, "stance": "concur" });
    a.refused(a.token("FRA"), &format!("{url}/positions"), &position, 409, "already-final", &url).await;
    let object = json!({ "revision": 1, "stance": "object", "text": "me too" });
    a.refused(a.token("ISL"), &format!("{url}/positions"), &object, 409, "already-final", &url).await;
    let amend = json!({ "text": "A softer text.", "deadline": hours_from_now(8).to_string() });
    a.refused(&a.secretariat, &format!("{url}/amend"), &amend, 409, "already-final", &url).await;
    let withdraw = json!({ "reason": "too late" });
    a.refused(&a.secretariat, &format!("{url}/withdraw"), &withdraw, 409, "already-final", &url).await;
    let circulate = json!({ "procedure": "silence", "deadline": hours_from_now(8).to_string() });
    a.refused(&a.secretariat, &format!("{url}/circulate"), &circulate, 409, "already-final", &url).await;
    let extend = json!({ "deadline": hours_from_now(9).to_string() });
    a.refused(&a.secretariat, &format!("{url}/extend"), &extend, 409, "already-final", &url).await;
}

#[tokio::test]
async fn the_consensus_grid_shows_every_elector_and_where_it_stands() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Meeting calendar").await;
    a.circulate(id, "silence", hours_from_now(5)).await;
    a.position(a.token("CAN"), id, 1, "concur_with_reservation", Some("Canada notes the dates."))
        .await
        .expect_status(201);

    let g = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/positions")).await;
    let g = g.expect_status(200);
    assert_eq!(g["proposal"], id);
    assert_eq!(g["revision"], 1);
    assert_eq!(g["status"], "under_silence");
    assert_eq!(g["text_hash"].as_str().map(str::len), Some(64));
    let electors = g["electors"].as_array().expect("electors");
    assert_eq!(electors.len(), 5);
    for e in electors {
        if e["member"] == "CAN" {
            assert_eq!(e["stance"], "concur_with_reservation");
            assert_eq!(e["text"], "Canada notes the dates.");
            assert!(e["at"].is_string());
        } else {
            assert!(e["stance"].is_null(), "{e}");
        }
    }
}

#[tokio::test]
async fn a_consensus_round_is_adopted_the_moment_the_last_elector_concurs() {
    let a = Alliance::start().await;
    let id = a.draft("deploy_forces", "Air policing mission").await;
    let url = format!("/api/v1/proposals/{id}");

    // A deployment is never decided by silence.
    let silence = json!({ "procedure": "silence", "deadline": hours_from_now(6).to_string() });
    a.refused(&a.secretariat, &format!("{url}/circulate"), &silence, 422, "silence-not-allowed", &url).await;

    let p = a.circulate(id, "consensus_round", hours_from_now(6)).await;
    assert_eq!(p["status"], "consensus_round");

    let positions = format!("{url}/positions");
    // A reservation needs its text; a deployment allows no opt-out.
    let bare = json!({ "revision": 1, "stance": "concur_with_reservation" });
    a.refused(a.token("BEL"), &positions, &bare, 422, "text-required", &url).await;
    let opt_out = json!({ "revision": 1, "stance": "opt_out", "text": "Denmark abstains." });
    a.refused(a.token("DNK"), &positions, &opt_out, 422, "opt-out-not-allowed", &url).await;

    let r = a.position(a.token("BEL"), id, 1, "concur_with_reservation", Some("Belgium sends no aircraft.")).await;
    assert_eq!(r.expect_status(201)["status"], "consensus_round");
    for m in ["CAN", "DNK", "FRA"] {
        let r = a.position(a.token(m), id, 1, "concur", None).await;
        assert_eq!(r.expect_status(201)["status"], "consensus_round", "silence is not consent: still open");
    }
    let size = a.log_size().await;
    let r = a.position(a.token("ISL"), id, 1, "concur", None).await;
    let p = r.expect_status(201);
    assert_eq!(p["status"], "adopted_with_reservations", "{p}");
    assert_eq!(a.log_size().await, size + 2, "the last position and the decision");

    let o = a.get(&a.secretariat, &format!("{url}/outcome")).await;
    let o = o.expect_status(200);
    assert_eq!(o["final"], true);
    let d = &o["decision"];
    assert_eq!(d["outcome"], "adopted_with_reservations");
    assert_eq!(d["procedure"], "consensus_round");
    assert_eq!(codes(&d["reservations"]), ["BEL"]);
    assert_eq!(d["reservations"][0]["text"], "Belgium sends no aircraft.");
    let mut concurred = codes(&d["concurred"]);
    concurred.sort();
    assert_eq!(concurred, ["BEL", "CAN", "DNK", "FRA", "ISL"]);
    assert!(d["objections"].as_array().is_some_and(Vec::is_empty));
    assert!(d["outstanding"].as_array().is_some_and(Vec::is_empty));
    let explanation = o["explanation"].as_str().expect("an explanation");
    assert!(explanation.contains("Adopted by consensus") && explanation.contains("BEL"), "{explanation}");
}

#[tokio::test]
async fn an_assistance_programme_is_adopted_with_an_opt_out_and_without_reservations() {
    let a = Alliance::start().await;
    let id = a.draft("assistance_programme", "Winter equipment package").await;
    a.circulate(id, "consensus_round", hours_from_now(6)).await;
    a.position(a.token("ISL"), id, 1, "opt_out", Some("Iceland abstains constructively.")).await.expect_status(201);
    for m in ["BEL", "CAN", "DNK"] {
        a.position(a.token(m), id, 1, "concur", None).await.expect_status(201);
    }
    let r = a.position(a.token("FRA"), id, 1, "concur", None).await;
    assert_eq!(r.expect_status(201)["status"], "adopted");

    let o = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/outcome")).await;
    let d = &o.expect_status(200)["decision"];
    assert_eq!(d["outcome"], "adopted");
    assert_eq!(codes(&d["opt_outs"]), ["ISL"]);
    assert!(d["reservations"].as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn an_objection_in_a_round_blocks_and_a_proposed_amendment_does_not() {
    let a = Alliance::start().await;
    let id = a.draft("fund_policy", "Fund rules").await;
    a.circulate(id, "consensus_round", hours_from_now(6)).await;
    let r = a.position(a.token("BEL"), id, 1, "propose_amendment", Some("Replace 'shall' with 'may'.")).await;
    assert_eq!(r.expect_status(201)["status"], "consensus_round", "an amendment proposal leaves the round open");
    let r = a.position(a.token("CAN"), id, 1, "object", Some("Canada objects.")).await;
    assert_eq!(r.expect_status(201)["status"], "blocked");
    let o = a.get(&a.secretariat, &format!("/api/v1/proposals/{id}/outcome")).await;
    let o = o.expect_status(200);
    assert!(o["explanation"].as_str().is_some_and(|e| e.contains("CAN objected")), "{o}");
}

#[tokio::test]
async fn amending_an_open_proposal_circulates_a_new_revision_and_clears_positions() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Statement on cyber defence").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(4)).await;
    a.position(a.token("BEL"), id, 1, "concur", None).await.expect_status(201);
    assert_eq!(a.proposal(id).await["positions"].as_object().map(serde_json::Map::len), Some(1));

    // An open proposal's new text needs a new deadline, in the future.
    let no_deadline = json!({ "text": "The alliance condemns cyber attacks." });
    a.refused(&a.secretariat, &format!("{url}/amend"), &no_deadline, 422, "deadline-required", &url).await;
    let past = json!({ "text": "The alliance condemns cyber attacks.", "deadline": hours_from_now(-1).to_string() });
    a.refused(&a.secretariat, &format!("{url}/amend"), &past, 422, "deadline-not-in-future", &url).await;
    let empty = json!({ "text": "   ", "deadline": hours_from_now(8).to_string() });
    a.refused(&a.secretariat, &format!("{url}/amend"), &empty, 422, "invalid-field", &url).await;
    // Only the secretariat amends.
    let good = json!({ "text": "The alliance condemns cyber attacks.", "deadline": hours_from_now(8).to_string() });
    a.refused(a.token("FRA"), &format!("{url}/amend"), &good, 403, "not-permitted", &url).await;

    let deadline = hours_from_now(8);
    let body = json!({ "text": "The alliance condemns cyber attacks.", "deadline": deadline.to_string() });
    let r = a.post(&a.secretariat, &format!("{url}/amend"), &body).await;
    let p = r.expect_status(200);
    assert_eq!(p["status"], "under_silence");
    let revisions = p["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[1]["number"], 2);
    assert_eq!(revisions[1]["title"], "Statement on cyber defence", "the title is kept");
    assert_eq!(revisions[1]["text"], "The alliance condemns cyber attacks.");
    assert_ne!(revisions[0]["text_hash"], revisions[1]["text_hash"]);
    assert_eq!(p["circulation"]["revision"], 2);
    assert_eq!(ts(&p["circulation"]["deadline"]), deadline);
    assert_eq!(codes(&p["circulation"]["electorate"]), ["BEL", "CAN", "DNK", "FRA", "ISL"]);
    assert!(p["positions"].as_object().is_some_and(serde_json::Map::is_empty), "positions on the old text: {p}");

    // A position quoting the old revision is refused; on the new one it is taken.
    let stale = json!({ "revision": 1, "stance": "object", "text": "no" });
    let r = a.refused(a.token("CAN"), &format!("{url}/positions"), &stale, 409, "stale-revision", &url).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains('2')), "names the current revision: {}", r.json);
    let r = a.position(a.token("CAN"), id, 2, "concur", None).await;
    assert_eq!(r.expect_status(201)["positions"]["CAN"]["revision"], 2);
}

#[tokio::test]
async fn a_draft_is_amended_without_a_deadline_and_keeps_or_changes_its_title() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Budget calendar").await;
    let r = a.post(&a.secretariat, &format!("/api/v1/proposals/{id}/amend"), &json!({ "text": "Version two." })).await;
    let p = r.expect_status(200);
    assert_eq!(p["status"], "draft");
    assert_eq!(p["revisions"][1]["title"], "Budget calendar");
    let body = json!({ "title": "Budget calendar 2025", "text": "Version three." });
    let r = a.post(&a.secretariat, &format!("/api/v1/proposals/{id}/amend"), &body).await;
    let p = r.expect_status(200);
    assert_eq!(p["revisions"].as_array().map(Vec::len), Some(3));
    assert_eq!(p["revisions"][2]["title"], "Budget calendar 2025");
    // It is circulated at its latest revision.
    let p = a.circulate(id, "silence", hours_from_now(3)).await;
    assert_eq!(p["circulation"]["revision"], 3);
    a.position(a.token("BEL"), id, 3, "concur", None).await.expect_status(201);
}

#[tokio::test]
async fn deadlines_are_extended_and_curtailed_only_in_the_right_direction() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Office hours").await;
    let url = format!("/api/v1/proposals/{id}");

    // A draft has no deadline to move.
    let body = json!({ "deadline": hours_from_now(10).to_string() });
    a.refused(&a.secretariat, &format!("{url}/extend"), &body, 409, "not-open", &url).await;
    a.refused(&a.secretariat, &format!("{url}/curtail"), &body, 409, "not-open", &url).await;

    let first = hours_from_now(6);
    a.circulate(id, "silence", first).await;

    let earlier = json!({ "deadline": hours_from_now(3).to_string() });
    a.refused(&a.secretariat, &format!("{url}/extend"), &earlier, 422, "not-an-extension", &url).await;
    let same = json!({ "deadline": first.to_string() });
    a.refused(&a.secretariat, &format!("{url}/extend"), &same, 422, "not-an-extension", &url).await;
    a.refused(&a.secretariat, &format!("{url}/curtail"), &same, 422, "not-a-curtailment", &url).await;
    let later = json!({ "deadline": hours_from_now(12).to_string() });
    a.refused(&a.secretariat, &format!("{url}/curtail"), &later, 422, "not-a-curtailment", &url).await;
    let past = json!({ "deadline": hours_from_now(-2).to_string() });
    a.refused(&a.secretariat, &format!("{url}/curtail"), &past, 422, "deadline-not-in-future", &url).await;
    a.refused(&a.secretariat, &format!("{url}/extend"), &past, 422, "deadline-not-in-future", &url).await;
    a.refused(a.token("BEL"), &format!("{url}/extend"), &later, 403, "not-permitted", &url).await;

    let extended = hours_from_now(24);
    let r = a.post(&a.secretariat, &format!("{url}/extend"), &json!({ "deadline": extended.to_string() })).await;
    let p = r.expect_status(200);
    assert_eq!(ts(&p["circulation"]["deadline"]), extended);
    assert_eq!(p["status"], "under_silence");

    let curtailed = hours_from_now(2);
    let r = a.post(&a.secretariat, &format!("{url}/curtail"), &json!({ "deadline": curtailed.to_string() })).await;
    let p = r.expect_status(200);
    assert_eq!(ts(&p["circulation"]["deadline"]), curtailed);
    assert_eq!(ts(&a.proposal(id).await["circulation"]["deadline"]), curtailed);
}

#[tokio::test]
async fn a_withdrawn_proposal_is_final_and_cannot_be_circulated_amended_or_positioned() {
    let a = Alliance::start().await;

    // A draft is withdrawn; a withdrawal needs a reason.
    let draft = a.draft("statement", "Draft to drop").await;
    let url = format!("/api/v1/proposals/{draft}");
    a.refused(&a.secretariat, &format!("{url}/withdraw"), &json!({ "reason": " " }), 422, "invalid-field", &url).await;
    a.refused(a.token("BEL"), &format!("{url}/withdraw"), &json!({ "reason": "mine" }), 403, "not-permitted", &url)
        .await;
    let r = a.post(&a.secretariat, &format!("{url}/withdraw"), &json!({ "reason": "Superseded." })).await;
    assert_eq!(r.expect_status(200)["status"], "withdrawn");
    let circulate = json!({ "procedure": "silence", "deadline": hours_from_now(5).to_string() });
    a.refused(&a.secretariat, &format!("{url}/circulate"), &circulate, 409, "already-final", &url).await;
    let amend = json!({ "text": "Back from the dead." });
    a.refused(&a.secretariat, &format!("{url}/amend"), &amend, 409, "already-final", &url).await;
    let again = json!({ "reason": "Twice." });
    a.refused(&a.secretariat, &format!("{url}/withdraw"), &again, 409, "already-final", &url).await;

    // An open one too, and the outcome says why.
    let open = a.draft("routine", "Open then dropped").await;
    let url = format!("/api/v1/proposals/{open}");
    a.circulate(open, "silence", hours_from_now(5)).await;
    a.position(a.token("BEL"), open, 1, "concur", None).await.expect_status(201);
    let r = a.post(&a.secretariat, &format!("{url}/withdraw"), &json!({ "reason": "The summit was cancelled." })).await;
    assert_eq!(r.expect_status(200)["status"], "withdrawn");
    let o = a.get(&a.secretariat, &format!("{url}/outcome")).await;
    let o = o.expect_status(200);
    assert_eq!(o["final"], true);
    assert_eq!(o["status"], "withdrawn");
    assert_eq!(o["withdrawal"]["reason"], "The summit was cancelled.");
    assert!(o.get("decision").is_none());
    assert!(o["explanation"].as_str().is_some_and(|e| e.contains("The summit was cancelled.")), "{o}");

    let position = json!({ "revision": 1, "stance": "concur" });
    a.refused(a.token("CAN"), &format!("{url}/positions"), &position, 409, "already-final", &url).await;
    let amend = json!({ "text": "Revived.", "deadline": hours_from_now(9).to_string() });
    a.refused(&a.secretariat, &format!("{url}/amend"), &amend, 409, "already-final", &url).await;
    let extend = json!({ "deadline": hours_from_now(9).to_string() });
    a.refused(&a.secretariat, &format!("{url}/extend"), &extend, 409, "already-final", &url).await;
}

#[tokio::test]
async fn circulation_is_refused_with_a_past_deadline_twice_or_before_positions() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Parking rules").await;
    let url = format!("/api/v1/proposals/{id}");

    // No positions on a draft.
    let position = json!({ "revision": 1, "stance": "concur" });
    a.refused(a.token("BEL"), &format!("{url}/positions"), &position, 409, "not-open", &url).await;

    let past = json!({ "procedure": "silence", "deadline": hours_from_now(-3).to_string() });
    let r = a.refused(&a.secretariat, &format!("{url}/circulate"), &past, 422, "deadline-not-in-future", &url).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("not in the future")), "{}", r.json);
    let now = json!({ "procedure": "consensus_round", "deadline": jiff::Timestamp::now().to_string() });
    a.refused(&a.secretariat, &format!("{url}/circulate"), &now, 422, "deadline-not-in-future", &url).await;
    let ok = json!({ "procedure": "silence", "deadline": hours_from_now(3).to_string() });
    a.refused(a.token("BEL"), &format!("{url}/circulate"), &ok, 403, "not-permitted", &url).await;
    a.refused(&a.observer, &format!("{url}/circulate"), &ok, 403, "not-permitted", &url).await;

    a.circulate(id, "silence", hours_from_now(3)).await;
    a.refused(&a.secretariat, &format!("{url}/circulate"), &ok, 409, "not-a-draft", &url).await;
}

#[tokio::test]
async fn a_member_may_change_its_position_before_the_deadline() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Canteen menu").await;
    a.circulate(id, "consensus_round", hours_from_now(3)).await;
    a.position(a.token("FRA"), id, 1, "propose_amendment", Some("Add cheese.")).await.expect_status(201);
    let r = a.position(a.token("FRA"), id, 1, "concur", None).await;
    let p = r.expect_status(201);
    assert_eq!(p["positions"]["FRA"]["stance"], "concur");
    assert!(p["positions"]["FRA"].get("text").is_none(), "{p}");
    assert_eq!(p["positions"].as_object().map(serde_json::Map::len), Some(1));
}

/// A text circulated to the partner: it reads the proposal and its outcome without a position,
/// a count of positions, the decision of a blocked proposal or its proof.
#[tokio::test]
async fn the_partner_a_text_was_circulated_to_reads_no_position_in_its_outcome() {
    let a = Alliance::start().await;
    a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let ukr = a.partner_token("UKR").await;
    let id = a.draft("routine", "Fuel for the grid").await;
    let body =
        json!({ "procedure": "silence", "deadline": hours_from_now(6).to_string(), "marking": "members+partner:UKR" });
    let circulated = a.post(&a.secretariat, &format!("/api/v1/proposals/{id}/circulate"), &body).await;
    assert_eq!(circulated.expect_status(200)["audience"], "members+partner:UKR");
    a.position(a.token("BEL"), id, 1, "concur", None).await.expect_status(201);

    let shown = a.get(&ukr, &format!("/api/v1/proposals/{id}")).await;
    assert_eq!(shown.expect_status(200)["positions"], json!({}));
    let outcome = a.get(&ukr, &format!("/api/v1/proposals/{id}/outcome")).await;
    let outcome = outcome.expect_status(200);
    let explanation = outcome["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("the positions are the members'") && !explanation.contains("electors"),
        "{explanation}"
    );
    a.get(&ukr, &format!("/api/v1/proposals/{id}/positions")).await.expect_problem(403, "not-permitted");

    a.position(a.token("DNK"), id, 1, "object", Some("Denmark objects.")).await.expect_status(201);
    let outcome = a.get(&ukr, &format!("/api/v1/proposals/{id}/outcome")).await;
    let outcome = outcome.expect_status(200);
    assert_eq!(outcome["status"], "blocked");
    assert!(outcome["decision"].is_null() && outcome.get("proof").is_none_or(serde_json::Value::is_null), "{outcome}");
    assert!(!outcome.to_string().contains("DNK"), "who objected is the members': {outcome}");
}

/// The list finds proposals by words of what the caller may read, and by status and kind; an
/// unknown status is a bad query.
#[tokio::test]
async fn the_list_finds_proposals_by_words_the_caller_may_read() {
    let a = Alliance::start().await;
    let adopted = a.draft("statement", "Support for the grid").await;
    a.circulate(adopted, "consensus_round", hours_from_now(6)).await;
    for (code, ..) in common::FOUNDERS {
        a.position(a.token(code), adopted, 1, "concur", None).await.expect_status(201);
    }
    let deliberated = a.draft("routine", "Heliotrope budget").await;
    a.circulate(deliberated, "silence", hours_from_now(6)).await;
    let ids = |r: &common::Resp| -> Vec<u64> {
        r.json["items"].as_array().into_iter().flatten().filter_map(|p| p["id"].as_u64()).collect()
    };
    let member = a.token("BEL");
    assert_eq!(ids(&a.get(member, "/api/v1/proposals?q=HELIOTROPE").await), [deliberated]);
    assert_eq!(ids(&a.get(member, "/api/v1/proposals?q=grid%20support").await), [adopted]);
    assert!(ids(&a.get(member, "/api/v1/proposals?q=grid%20heliotrope").await).is_empty(), "every word");
    assert_eq!(ids(&a.get(member, "/api/v1/proposals?kind=routine&status=under_silence").await), [deliberated]);
    // The observer reads the announced statement only: the deliberated text is not searched.
    assert!(ids(&a.get(&a.observer, "/api/v1/proposals?q=heliotrope").await).is_empty());
    assert_eq!(ids(&a.get(&a.observer, "/api/v1/proposals?q=grid").await), [adopted]);
    a.get(member, "/api/v1/proposals?status=pending").await.expect_problem(400, "invalid-query");
}

#[tokio::test]
async fn a_blocked_proposal_is_reopened_revised_and_adopted_in_a_second_round() {
    let a = Alliance::start().await;
    let id = a.draft("statement", "Statement on the summit").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(6)).await;
    a.position(a.token("DNK"), id, 1, "object", Some("Denmark cannot accept paragraph 3.")).await.expect_status(201);

    // Only the secretariat reopens, and only with a reason; an open or adopted one does not.
    let reason = json!({ "reason": "Paragraph 3 is being renegotiated with Denmark." });
    a.refused(a.token("DNK"), &format!("{url}/reopen"), &reason, 403, "not-permitted", &url).await;
    a.refused(&a.secretariat, &format!("{url}/reopen"), &json!({ "reason": " " }), 422, "invalid-field", &url).await;
    let r = a.post(&a.secretariat, &format!("{url}/reopen"), &reason).await;
    let p = r.expect_status(200);
    assert_eq!(p["status"], "negotiating");
    assert_eq!(p["rounds"][0]["outcome"], "blocked", "{p}");
    assert_eq!(codes(&p["rounds"][0]["objections"]), ["DNK"]);
    assert!(p.get("decision").is_none() && p.get("circulation").is_none(), "{p}");
    assert_eq!(p["superseded"]["DNK"]["stance"], "object", "Denmark is told its objection lapsed");
    a.refused(&a.secretariat, &format!("{url}/reopen"), &reason, 409, "not-reopenable", &url).await;

    let amend = json!({ "text": "The alliance agrees, paragraph 3 revised." });
    let r = a.post(&a.secretariat, &format!("{url}/amend"), &amend).await;
    let p = r.expect_status(200);
    assert_eq!(p["status"], "negotiating", "amending does not circulate: {p}");
    let p = a.circulate(id, "silence", hours_from_now(6)).await;
    assert_eq!(p["status"], "under_silence");
    assert_eq!(p["circulation"]["revision"], 2);
    for m in ["BEL", "CAN", "DNK", "FRA", "ISL"] {
        a.position(a.token(m), id, 2, "concur", None).await.expect_status(201);
    }
    let r = a.get(&a.secretariat, &url).await;
    let p = r.expect_status(200);
    assert_eq!(p["status"], "under_silence", "silence ends at the deadline: {p}");
    assert_eq!(p["rounds"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["positions"]["DNK"]["revision"], 2, "Denmark concurs with the revised text: {p}");
}
