//! Refusals and bad input over HTTP: who may take which position, unknown things, and requests
//! the server cannot read. Each answer is a problem document, and nothing changes.

mod common;

use common::{Alliance, Server, hours_from_now};
use serde_json::json;

#[tokio::test]
async fn a_member_admitted_after_circulation_is_not_an_elector() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Electorate snapshot").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(4)).await;

    a.admit("SWE", "SE", "752", "Sweden", "2024-03-07").await;
    let sweden = a.member_token("SWE").await;
    let position = json!({ "revision": 1, "stance": "concur" });
    let r = a.refused(&sweden, &format!("{url}/positions"), &position, 409, "not-an-elector", &url).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("SWE")), "{}", r.json);
    let objection = json!({ "revision": 1, "stance": "object", "text": "Sweden objects." });
    a.refused(&sweden, &format!("{url}/positions"), &objection, 409, "not-an-elector", &url).await;

    // The electorate never changes, but Sweden is an elector of the next proposal.
    let grid = a.get(&a.secretariat, &format!("{url}/positions")).await;
    assert_eq!(grid.expect_status(200)["electors"].as_array().map(Vec::len), Some(5));
    let next = a.draft("routine", "After enlargement").await;
    let p = a.circulate(next, "silence", hours_from_now(4)).await;
    assert_eq!(common::codes(&p["circulation"]["electorate"]), ["BEL", "CAN", "DNK", "FRA", "ISL", "SWE"]);
    a.position(&sweden, next, 1, "concur", None).await.expect_status(201);
}

#[tokio::test]
async fn a_member_whose_accession_is_still_to_come_is_not_an_elector() {
    let a = Alliance::start().await;
    a.admit("FIN", "FI", "246", "Finland", "2099-04-04").await;
    let finland = a.member_token("FIN").await;
    let id = a.draft("routine", "Before accession").await;
    let url = format!("/api/v1/proposals/{id}");
    let p = a.circulate(id, "silence", hours_from_now(4)).await;
    assert_eq!(common::codes(&p["circulation"]["electorate"]), ["BEL", "CAN", "DNK", "FRA", "ISL"]);
    let position = json!({ "revision": 1, "stance": "concur" });
    a.refused(&finland, &format!("{url}/positions"), &position, 409, "not-an-elector", &url).await;
}

#[tokio::test]
async fn nobody_takes_a_position_for_someone_else() {
    let a = Alliance::start().await;
    let r = a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await;
    assert_eq!(r.expect_status(201)["code"], "UKR");
    let ukraine = a.partner_token("UKR").await;
    let id = a.draft("assistance_programme", "Medical supplies").await;
    let url = format!("/api/v1/proposals/{id}");
    let positions = format!("{url}/positions");
    a.circulate(id, "consensus_round", hours_from_now(4)).await;

    // A partner, with no member named (it speaks for itself, and takes part in no body here) or
    // naming a member.
    let own = json!({ "revision": 1, "stance": "concur" });
    a.refused(&ukraine, &positions, &own, 403, "partner-cannot-take-positions", &url).await;
    let for_bel = json!({ "member": "BEL", "revision": 1, "stance": "concur" });
    a.refused(&ukraine, &positions, &for_bel, 403, "not-permitted", &url).await;
    // A member delegation for another member.
    let r = a.refused(a.token("CAN"), &positions, &for_bel, 403, "not-permitted", &url).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("CAN")), "{}", r.json);
    let object_for_bel = json!({ "member": "BEL", "revision": 1, "stance": "object", "text": "no" });
    a.refused(a.token("CAN"), &positions, &object_for_bel, 403, "not-permitted", &url).await;
    // The secretariat and observers take no positions at all.
    a.refused(&a.secretariat, &positions, &for_bel, 403, "not-permitted", &url).await;
    a.refused(&a.secretariat, &positions, &own, 403, "not-permitted", &url).await;
    a.refused(&a.observer, &positions, &for_bel, 403, "not-permitted", &url).await;

    // Naming oneself explicitly is the same as not naming anyone.
    let r = a.post(a.token("BEL"), &positions, &for_bel).await;
    assert_eq!(r.expect_status(201)["positions"]["BEL"]["stance"], "concur");
}

#[tokio::test]
async fn a_partner_naming_itself_is_forbidden_like_any_partner() {
    let a = Alliance::start().await;
    a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let ukraine = a.partner_token("UKR").await;
    let id = a.draft("routine", "Partner positions").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(4)).await;
    let as_itself = json!({ "member": "UKR", "revision": 1, "stance": "object", "text": "Ukraine objects." });
    let r = a.post(&ukraine, &format!("{url}/positions"), &as_itself).await;
    assert_eq!(r.status, 403, "a partner is not permitted to take positions: {}", r.json);
    assert_eq!(a.proposal(id).await["status"], "under_silence");
}

#[tokio::test]
async fn observers_and_members_cannot_do_the_secretariats_work() {
    let a = Alliance::start().await;
    let draft = json!({ "kind": "statement", "title": "Unauthorised", "text": "Text." });
    let member =
        json!({ "code": "NOR", "alpha2": "NO", "numeric": "578", "name": "Norway", "accession": "1949-04-04" });
    let partner = json!({ "code": "MDA", "name": "Moldova" });
    for token in [&a.observer, a.token("BEL")] {
        a.refused(token, "/api/v1/proposals", &draft, 403, "not-permitted", "/api/v1/proposals").await;
        a.refused(token, "/api/v1/members", &member, 403, "not-permitted", "/api/v1/members").await;
        a.refused(token, "/api/v1/partners", &partner, 403, "not-permitted", "/api/v1/partners").await;
        let departure = json!({ "on": "2030-01-01" });
        a.refused(token, "/api/v1/members/ISL/departure", &departure, 403, "not-permitted", "/api/v1/members/ISL")
            .await;
    }
}

#[tokio::test]
async fn unknown_proposals_and_members_are_404() {
    let a = Alliance::start().await;
    let watch = "/api/v1/proposals";
    let position = json!({ "revision": 1, "stance": "concur" });
    let r =
        a.refused(a.token("BEL"), "/api/v1/proposals/999/positions", &position, 404, "unknown-proposal", watch).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("999")), "{}", r.json);
    let circulate = json!({ "procedure": "silence", "deadline": hours_from_now(2).to_string() });
    a.refused(&a.secretariat, "/api/v1/proposals/999/circulate", &circulate, 404, "unknown-proposal", watch).await;
    a.refused(
        &a.secretariat,
        "/api/v1/proposals/999/withdraw",
        &json!({ "reason": "x y" }),
        404,
        "unknown-proposal",
        watch,
    )
    .await;
    for path in ["/api/v1/proposals/999", "/api/v1/proposals/999/positions", "/api/v1/proposals/999/outcome"] {
        a.get(&a.observer, path).await.expect_problem(404, "unknown-proposal");
    }

    // A delegation of a state that is not (yet) a member.
    let id = a.draft("routine", "Open to all").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(2)).await;
    let norway = a.member_token("NOR").await;
    let r = a.refused(&norway, &format!("{url}/positions"), &position, 404, "unknown-member", &url).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("NOR")), "{}", r.json);
    a.get(&a.observer, "/api/v1/members/NOR").await.expect_problem(404, "unknown-member");
    let departure = json!({ "on": "2030-01-01" });
    a.refused(&a.secretariat, "/api/v1/members/NOR/departure", &departure, 404, "unknown-member", "/api/v1/members")
        .await;
}

#[tokio::test]
async fn admissions_and_registrations_are_checked() {
    let a = Alliance::start().await;
    let watch = "/api/v1/members";
    let bel = json!({ "code": "BEL", "alpha2": "BE", "numeric": "056", "name": "Belgium", "accession": "1949-04-04" });
    a.refused(&a.secretariat, "/api/v1/members", &bel, 409, "member-exists", watch).await;
    let bad_alpha2 =
        json!({ "code": "NOR", "alpha2": "no", "numeric": "578", "name": "Norway", "accession": "1949-04-04" });
    a.refused(&a.secretariat, "/api/v1/members", &bad_alpha2, 422, "invalid-field", watch).await;
    let bad_numeric =
        json!({ "code": "NOR", "alpha2": "NO", "numeric": "57", "name": "Norway", "accession": "1949-04-04" });
    a.refused(&a.secretariat, "/api/v1/members", &bad_numeric, 422, "invalid-field", watch).await;

    a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let ukr = json!({ "code": "UKR", "alpha2": "UA", "numeric": "804", "name": "Ukraine", "accession": "2024-01-01" });
    a.refused(&a.secretariat, "/api/v1/members", &ukr, 409, "partner-is-not-member", watch).await;
    let again = json!({ "code": "UKR", "name": "Ukraine" });
    a.refused(&a.secretariat, "/api/v1/partners", &again, 409, "partner-exists", "/api/v1/partners").await;
    let member = json!({ "code": "FRA", "name": "France" });
    a.refused(&a.secretariat, "/api/v1/partners", &member, 409, "member-is-not-partner", "/api/v1/partners").await;

    // Departures: not before accession, not twice.
    let isl = "/api/v1/members/ISL";
    let early = json!({ "on": "1949-04-04" });
    a.refused(&a.secretariat, &format!("{isl}/departure"), &early, 422, "departure-before-accession", isl).await;
    let r = a.post(&a.secretariat, &format!("{isl}/departure"), &json!({ "on": "2090-01-01" })).await;
    assert_eq!(r.expect_status(200)["departure"], "2090-01-01");
    let twice = json!({ "on": "2091-01-01" });
    a.refused(&a.secretariat, &format!("{isl}/departure"), &twice, 409, "already-departed", isl).await;
}

#[tokio::test]
async fn drafts_are_checked() {
    let a = Alliance::start().await;
    let watch = "/api/v1/proposals";
    let routine_deploy = json!({ "kind": "deploy_forces", "significance": "routine", "title": "T", "text": "X" });
    a.refused(&a.secretariat, watch, &routine_deploy, 422, "significance-mismatch", watch).await;
    let empty_title = json!({ "kind": "statement", "title": "", "text": "X" });
    let r = a.refused(&a.secretariat, watch, &empty_title, 422, "invalid-field", watch).await;
    assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("title")), "{}", r.json);
    let long_title = json!({ "kind": "statement", "title": "t".repeat(301), "text": "X" });
    a.refused(&a.secretariat, watch, &long_title, 422, "invalid-field", watch).await;
    let long_text = json!({ "kind": "statement", "title": "T", "text": "x".repeat(100_001) });
    a.refused(&a.secretariat, watch, &long_text, 422, "invalid-field", watch).await;
    // The longest text is accepted, even in four-byte characters (400 KB, under the body limit).
    let longest = json!({ "kind": "statement", "title": "T", "text": "\u{1F54A}".repeat(100_000) });
    a.post(&a.secretariat, watch, &longest).await.expect_status(201);
}

#[tokio::test]
async fn unreadable_bodies_are_400_415_or_413_and_change_nothing() {
    let s = Server::start().await;
    let path = "/api/v1/proposals";
    let token = s.secretariat.clone();
    let cases: [(&str, &str, u16, &str); 9] = [
        ("application/json", "{\"kind\": \"statement\",", 400, "malformed-json"),
        ("application/json", "", 400, "malformed-json"),
        ("application/json", "{\"kind\": \"statement\", \"title\": 5, \"text\": \"x\"}", 400, "invalid-body"),
        (
            "application/json",
            "{\"kind\": \"statement\", \"title\": \"t\", \"text\": \"x\", \"extra\": 1}",
            400,
            "invalid-body",
        ),
        ("application/json", "{\"kind\": \"invade\", \"title\": \"t\", \"text\": \"x\"}", 400, "invalid-body"),
        ("application/json", "{\"kind\": \"statement\", \"title\": \"t\"}", 400, "invalid-body"),
        ("application/json", "\"a draft\"", 400, "invalid-body"),
        ("text/plain", "{\"kind\": \"statement\", \"title\": \"t\", \"text\": \"x\"}", 415, "unsupported-media-type"),
        ("application/x-www-form-urlencoded", "kind=statement&title=t&text=x", 415, "unsupported-media-type"),
    ];
    for (content_type, body, status, slug) in cases {
        let before = (s.log_size().await, s.get(&s.secretariat, path).await);
        let r = s.post_raw(&token, path, content_type, body).await;
        assert_eq!(
            (r.status, r.json["type"].as_str()),
            (status, Some(&*format!("urn:concord:problem:{slug}"))),
            "{body}"
        );
        r.expect_problem(status, slug);
        s.assert_unchanged(before, path).await;
    }

    // No content type at all.
    let before = (s.log_size().await, s.get(&s.secretariat, path).await);
    let r = s.send(s.client.post(s.url(path)).bearer_auth(&token).body("{}")).await;
    r.expect_problem(415, "unsupported-media-type");
    s.assert_unchanged(before, path).await;

    // A structured-syntax JSON type is JSON.
    let body = "{\"kind\": \"statement\", \"title\": \"t\", \"text\": \"x\"}";
    s.post_raw(&token, path, "application/merge-patch+json; charset=utf-8", body).await.expect_status(201);

    // A body over 512 KiB, valid JSON or not.
    let before = (s.log_size().await, s.get(&s.secretariat, path).await);
    let big = json!({ "kind": "statement", "title": "t", "text": "x".repeat(600 * 1024) }).to_string();
    let r = s.post_raw(&token, path, "application/json", big).await;
    r.expect_problem(413, "payload-too-large");
    let r = s.post_raw(&token, path, "application/json", vec![b' '; 512 * 1024 + 1]).await;
    r.expect_problem(413, "payload-too-large");
    s.assert_unchanged(before, path).await;
}

#[tokio::test]
async fn a_wrong_type_for_an_enum_is_invalid_not_malformed() {
    let s = Server::start().await;
    for body in [
        json!({ "kind": 5, "title": "t", "text": "x" }),
        json!({ "kind": null, "title": "t", "text": "x" }),
        json!({ "kind": ["statement"], "title": "t", "text": "x" }),
        json!([1, 2, 3]),
    ] {
        s.refused(&s.secretariat, "/api/v1/proposals", &body, 400, "invalid-body", "/api/v1/proposals").await;
    }
}

#[tokio::test]
async fn bad_values_in_a_position_are_400() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Values").await;
    let url = format!("/api/v1/proposals/{id}");
    a.circulate(id, "silence", hours_from_now(2)).await;
    let positions = format!("{url}/positions");
    for body in [
        json!({ "member": "fr", "revision": 1, "stance": "concur" }),
        json!({ "member": "FRANCE", "revision": 1, "stance": "concur" }),
        json!({ "revision": -1, "stance": "concur" }),
        json!({ "revision": "1", "stance": "concur" }),
        json!({ "revision": 1, "stance": "maybe" }),
        json!({ "stance": "concur" }),
        json!({ "revision": 1, "stance": "concur", "signature": "x" }),
    ] {
        a.refused(a.token("BEL"), &positions, &body, 400, "invalid-body", &url).await;
    }
    let bad_deadline = json!({ "deadline": "tomorrow" });
    a.refused(&a.secretariat, &format!("{url}/extend"), &bad_deadline, 400, "invalid-body", &url).await;
    let bad_procedure = json!({ "procedure": "ballot", "deadline": hours_from_now(3).to_string() });
    let other = a.draft("routine", "Other").await;
    let other_url = format!("/api/v1/proposals/{other}");
    a.refused(&a.secretariat, &format!("{other_url}/circulate"), &bad_procedure, 400, "invalid-body", &other_url).await;
}

#[tokio::test]
async fn invalid_country_codes_in_paths_are_400() {
    let a = Alliance::start().await;
    for code in ["fra", "FR", "FRAN", "F1A"] {
        a.get(&a.observer, &format!("/api/v1/members/{code}")).await.expect_problem(400, "invalid-country-code");
    }
    let departure = json!({ "on": "2090-01-01" });
    a.refused(
        &a.secretariat,
        "/api/v1/members/isl/departure",
        &departure,
        400,
        "invalid-country-code",
        "/api/v1/members",
    )
    .await;
}

#[tokio::test]
async fn page_sizes_out_of_range_are_400_invalid_query() {
    let s = Server::start().await;
    for path in ["/api/v1/members", "/api/v1/partners", "/api/v1/proposals"] {
        for limit in ["0", "501"] {
            let r = s.get(&s.observer, &format!("{path}?limit={limit}")).await;
            r.expect_problem(400, "invalid-query");
            assert!(r.json["detail"].as_str().is_some_and(|d| d.contains(limit)), "{}", r.json);
        }
        s.get(&s.observer, &format!("{path}?limit=1")).await.expect_status(200);
        s.get(&s.observer, &format!("{path}?limit=500")).await.expect_status(200);
    }
    s.get(&s.observer, "/api/v1/proposals?after=abc").await.expect_problem(400, "invalid-query");
    for limit in ["0", "1001"] {
        s.get(&s.observer, &format!("/api/v1/log/entries?limit={limit}")).await.expect_problem(400, "invalid-query");
    }
}

#[tokio::test]
async fn unparseable_query_and_path_values_are_problem_documents() {
    let s = Server::start().await;
    for path in [
        "/api/v1/members?limit=abc",
        "/api/v1/proposals?limit=-1",
        "/api/v1/proposals?status=pending",
        "/api/v1/log/entries?from=x",
        "/api/v1/proposals/abc",
        "/api/v1/proposals/-1/outcome",
    ] {
        let r = s.get(&s.observer, path).await;
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{path}: {}",
            String::from_utf8_lossy(&r.bytes)
        );
    }
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let s = Server::start().await;
    for path in ["/api/v1/nothing", "/", "/api/v2/proposals", "/api/v1/proposals/1/votes"] {
        let r = s.get(&s.observer, path).await;
        r.expect_problem(404, "not-found");
    }
    let r = s.post(&s.secretariat, "/api/v1/elsewhere", &json!({})).await;
    r.expect_problem(404, "not-found");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let s = Server::start().await;
    let r = s.send(s.client.delete(s.url("/api/v1/proposals")).bearer_auth(&s.secretariat)).await;
    assert_eq!(r.status, 405);
    assert!(r.header("allow").is_some_and(|a| a.contains("GET") && a.contains("POST")), "{:?}", r.headers);
    r.expect_problem(405, "method-not-allowed");
}

#[tokio::test]
async fn a_member_that_departed_before_circulation_is_not_an_elector() {
    let a = Alliance::start().await;
    let r = a.post(&a.secretariat, "/api/v1/members/ISL/departure", &json!({ "on": "2000-01-01" })).await;
    assert_eq!(r.expect_status(200)["departure"], "2000-01-01");
    let id = a.draft("routine", "Without Iceland").await;
    let url = format!("/api/v1/proposals/{id}");
    let p = a.circulate(id, "silence", hours_from_now(4)).await;
    assert_eq!(common::codes(&p["circulation"]["electorate"]), ["BEL", "CAN", "DNK", "FRA"]);
    let position = json!({ "revision": 1, "stance": "object", "text": "Iceland objects." });
    a.refused(a.token("ISL"), &format!("{url}/positions"), &position, 409, "not-an-elector", &url).await;
}

#[tokio::test]
async fn positions_quote_the_current_revision_and_carry_bounded_texts() {
    let a = Alliance::start().await;
    let id = a.draft("routine", "Revision checks").await;
    let url = format!("/api/v1/proposals/{id}");
    let positions = format!("{url}/positions");
    a.circulate(id, "silence", hours_from_now(4)).await;
    for revision in [0, 2] {
        let body = json!({ "revision": revision, "stance": "concur" });
        a.refused(a.token("BEL"), &positions, &body, 409, "stale-revision", &url).await;
    }
    let amendment = json!({ "revision": 1, "stance": "propose_amendment" });
    a.refused(a.token("BEL"), &positions, &amendment, 422, "text-required", &url).await;
    let blank = json!({ "revision": 1, "stance": "object", "text": "  " });
    a.refused(a.token("BEL"), &positions, &blank, 422, "invalid-field", &url).await;
    let long = json!({ "revision": 1, "stance": "object", "text": "x".repeat(20_001) });
    a.refused(a.token("BEL"), &positions, &long, 422, "invalid-field", &url).await;
    // A routine matter allows no opt-out either.
    let opt_out = json!({ "revision": 1, "stance": "opt_out" });
    a.refused(a.token("BEL"), &positions, &opt_out, 422, "opt-out-not-allowed", &url).await;
}
