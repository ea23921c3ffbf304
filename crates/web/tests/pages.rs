//! The web pages over HTTP against a real server: sign-in, sessions, CSRF, lockout, role
//! navigation, forms and their refusals, the 404 page. "Nothing changed" is checked as "the
//! log did not grow".

#![allow(clippy::unwrap_used)]

mod common;

use common::{PASSWORD, Web, hidden};
use jiff::SignedDuration;

#[tokio::test]
async fn unknown_addresses_get_a_real_404_page_and_the_api_keeps_problems() {
    let w = Web::start().await;
    let s = w.login("obs").await;
    let p = w.get(&s, "/no/such/page").await;
    assert_eq!(p.status, 404);
    assert!(p.body.contains("<h1>Page not found</h1>"), "{}", p.body);
    assert!(p.body.contains("Signed in as <strong>obs</strong>"), "the viewer keeps their frame");
    assert!(w.get("", "/no/such/page").await.body.contains("<h1>Page not found</h1>"), "signed out too");
    assert!(p.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    for missing in ["/proposals/99", "/proposals/not-a-number"] {
        let p = w.get(&s, missing).await;
        assert_eq!(p.status, 404, "{missing}");
        assert!(p.body.contains("There is no proposal"), "{}", p.body);
    }
    let api = w.get("", "/api/v1/nothing-here").await;
    assert_eq!(api.status, 404);
    assert!(api.headers["content-type"].to_str().unwrap().starts_with("application/problem+json"));
}

#[tokio::test]
async fn pages_need_a_session_and_carry_security_headers() {
    let w = Web::start().await;
    let p = w.get("", "/").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login"));
    let p = w.get("not-a-session", "/proposals/1").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/proposals/1"), "and back after signing in");
    assert!(w.get("", &p.location).await.body.contains("name=\"next\" value=\"/proposals/1\""));
    let login = w.get("", "/login").await;
    assert_eq!(login.status, 200);
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(login.headers["x-content-type-options"], "nosniff");
    assert!(login.headers.contains_key("referrer-policy"));
    // The log is public.
    assert_eq!(w.get("", "/log").await.status, 200);
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_the_session() {
    let w = Web::start().await;
    let p = w.try_login("fra", PASSWORD).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/"));
    let cookie = p.cookies.iter().find(|c| c.starts_with("concord_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback: no Secure flag");
    let s = w.login("fra").await;
    assert_eq!(w.get(&s, "/").await.status, 200);
    // Sign-out needs the token too.
    assert_eq!(w.post(&s, "/logout", &[]).await.status, 403);
    let csrf = w.csrf(&s, "/").await;
    let out = w.post(&s, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_str()), (303, "/login"));
    assert_eq!(w.get(&s, "/").await.status, 303, "the old cookie no longer works");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_name_kept_and_repeated_failures_lock() {
    let w = Web::start().await;
    let p = w.try_login("deu", "wrong password").await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("Wrong name or password"));
    assert!(p.body.contains("value=\"deu\""), "the name is kept");
    assert!(p.cookies.iter().all(|c| !c.starts_with("concord_session=")));
    assert_eq!(w.try_login("nobody", "whatever").await.status, 401, "unknown names look the same");
    for _ in 0..4 {
        w.try_login("deu", "wrong again").await;
    }
    let locked = w.try_login("deu", PASSWORD).await;
    assert_eq!(locked.status, 429, "locked even with the right password");
    assert!(locked.body.contains("locked until"));
    // The lock ends with the clock.
    w.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(w.try_login("deu", PASSWORD).await.status, 303);
}

#[tokio::test]
async fn a_login_form_without_its_token_is_refused() {
    let w = Web::start().await;
    let r = w.post("", "/login", &[("csrf", "forged"), ("name", "fra"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 403);
    assert!(r.cookies.iter().all(|c| !c.starts_with("concord_session=")));
}

#[tokio::test]
async fn an_expired_session_sends_back_to_sign_in_with_a_notice() {
    let w = Web::start().await;
    let s = w.login("obs").await;
    assert_eq!(w.get(&s, "/").await.status, 200);
    w.clock.advance(SignedDuration::from_hours(13));
    let p = w.get(&s, "/").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?expired=1"));
    assert!(w.get("", "/login?expired=1").await.body.contains("Your session has expired"));
    assert_eq!(w.get(&s, "/").await.location, "/login", "and the session is gone");
}

#[tokio::test]
async fn a_position_needs_the_session_csrf_token_and_then_updates_the_grid() {
    let w = Web::start().await;
    let s = w.login("fra").await;
    let page = w.get(&s, "/proposals/1").await;
    assert!(page.body.contains("Take a position"));
    assert!(page.body.contains("silent so far"));
    let before = w.log_size().await;
    let form = [("revision", "1"), ("stance", "object"), ("text", "Not this text.")];
    let no_token = w.post(&s, "/proposals/1/position", &form).await;
    assert_eq!(no_token.status, 403);
    let mut wrong = form.to_vec();
    wrong.push(("csrf", "wrong-token"));
    assert_eq!(w.post(&s, "/proposals/1/position", &wrong).await.status, 403);
    // Another session's token is wrong too.
    let other = w.login("deu").await;
    let other_csrf = w.csrf(&other, "/").await;
    let mut foreign = form.to_vec();
    foreign.push(("csrf", &other_csrf));
    assert_eq!(w.post(&s, "/proposals/1/position", &foreign).await.status, 403);
    assert_eq!(w.log_size().await, before, "nothing changed");

    let csrf = w.csrf(&s, "/proposals/1").await;
    let mut ok = form.to_vec();
    ok.push(("csrf", &csrf));
    let r = w.post(&s, "/proposals/1/position", &ok).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/proposals/1#grid"));
    assert_eq!(w.log_size().await, before + 2, "the position, and the decision it forces");
    let page = w.get(&s, "/proposals/1").await;
    assert!(page.body.contains("objected (breaks silence, blocks)"), "{}", page.body);
    assert!(page.body.contains("Not this text."));
    assert!(page.body.contains(">blocked<"), "the outcome");
    assert!(page.body.contains("The decision is <a href=\"/log?before="), "and where the log records it");
}

#[tokio::test]
async fn an_invalid_form_is_shown_again_with_the_error_beside_the_field_and_the_input_kept() {
    let w = Web::start().await;
    let s = w.login("fra").await;
    let csrf = w.csrf(&s, "/proposals/1").await;
    let before = w.log_size().await;
    let r = w
        .post(
            &s,
            "/proposals/1/position",
            &[("csrf", &csrf), ("revision", "1"), ("stance", "maybe"), ("text", "kept words")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"stance-error\">choose a position"), "{}", r.body);
    assert!(r.body.contains(">kept words</textarea>"));
    // A reservation without its text: refused by the domain, shown beside the text field.
    let r = w
        .post(
            &s,
            "/proposals/1/position",
            &[("csrf", &csrf), ("revision", "1"), ("stance", "concur_with_reservation"), ("text", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"text-error\""), "{}", r.body);
    assert!(r.body.contains("value=\"concur_with_reservation\" checked"), "the choice is kept");
    assert_eq!(w.log_size().await, before, "nothing changed");
}

#[tokio::test]
async fn a_position_after_the_deadline_is_refused_and_changes_nothing() {
    let w = Web::start().await;
    w.clock.advance(SignedDuration::from_hours(73));
    let s = w.login("deu").await;
    let csrf = w.csrf(&s, "/proposals/1").await;
    let before = w.log_size().await;
    let r = w
        .post(
            &s,
            "/proposals/1/position",
            &[("csrf", &csrf), ("revision", "1"), ("stance", "object"), ("text", "late")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\""), "the refusal is shown");
    // The scheduler may have closed it meanwhile (one entry); the late position is not there.
    assert!(w.log_size().await <= before + 1);
    assert!(!w.get(&s, "/proposals/1").await.body.contains("late"));
}

#[tokio::test]
async fn each_role_sees_its_own_navigation_and_an_observer_gets_no_forms() {
    let w = Web::start().await;
    let sec = w.login("sec").await;
    let obs = w.login("obs").await;
    let ukr = w.login("ukraine").await;
    let sec_page = w.get(&sec, "/proposals/1").await;
    assert!(sec_page.body.contains("Draft a proposal") && sec_page.body.contains("Secretariat actions"));
    assert!(!sec_page.body.contains("Take a position"), "the secretariat is no elector");
    // Proposal 1 is under silence, the members' (an observer is told there is none).
    assert_eq!(w.get(&obs, "/proposals/1").await.status, 404);
    for path in ["/", "/members", "/coalitions", "/support", "/support/dashboard", "/log"] {
        let p = w.get(&obs, path).await;
        assert_eq!(p.status, 200, "{path}");
        let posts = p.body.matches("method=\"post\"").count();
        assert_eq!(posts, 1, "{path}: only the sign-out form, found {posts}");
        assert!(!p.body.contains("Draft a proposal"));
    }
    let forbidden = w.get(&obs, "/proposals/new").await;
    assert_eq!(forbidden.status, 403);
    assert!(
        forbidden.body.contains("Not allowed") && forbidden.body.contains("Members and partners"),
        "with navigation"
    );
    let csrf = w.csrf(&obs, "/").await;
    let before = w.log_size().await;
    let r = w.post(&obs, "/proposals/1/withdraw", &[("csrf", &csrf), ("reason", "no")]).await;
    assert_eq!(r.status, 403);
    let r = w.post(&obs, "/proposals/1/position", &[("csrf", &csrf), ("revision", "1"), ("stance", "object")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(w.log_size().await, before);
    assert!(w.get(&ukr, "/").await.body.contains("Our requests"));
}

#[tokio::test]
async fn the_secretariat_circulates_an_amended_revision_with_its_changes_shown() {
    let w = Web::start().await;
    let s = w.login("sec").await;
    let csrf = w.csrf(&s, "/proposals/1").await;
    let deadline = concord_web_time(w.clock_now().checked_add(SignedDuration::from_hours(96)).unwrap());
    let r = w
        .post(
            &s,
            "/proposals/1/amend",
            &[
                ("csrf", &csrf),
                ("amend_title", ""),
                ("amend_text", "There are no plans for combat troops on the ground."),
                ("amend_deadline", &deadline),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get(&s, "/proposals/1").await;
    assert!(page.body.contains("Text (revision 2)"));
    assert!(page.body.contains("combat "), "{}", page.body);
    assert!(page.body.contains("<ins>"), "the change is marked");
    // A deadline in the past is refused beside its field, the typed text kept.
    let r = w
        .post(
            &s,
            "/proposals/1/amend",
            &[("csrf", &csrf), ("amend_text", "Later text."), ("amend_deadline", "2000-01-01T00:00")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"amend_deadline-error\""), "{}", r.body);
    assert!(r.body.contains(">Later text.</textarea>"));
}

#[tokio::test]
async fn the_partner_files_a_request_and_sees_its_coverage() {
    let w = Web::start().await;
    let s = w.login("ukraine").await;
    let csrf = w.csrf(&s, "/support?partner=UKR").await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("category", "winter_equipment"),
        ("capability", "logistics"),
        ("description", "Winter tents"),
        ("quantity", "zero"),
        ("unit", "tents"),
        ("priority", "high"),
        ("needed_by", ""),
    ];
    let before = w.log_size().await;
    let bad = w.post(&s, "/support/requests", &form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"rq-quantity-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"Winter tents\""), "kept");
    assert_eq!(w.log_size().await, before);
    form[4] = ("quantity", "500");
    let ok = w.post(&s, "/support/requests", &form).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&s, &ok.location).await;
    assert!(page.body.contains("Winter tents"));
    assert!(page.body.contains("0 % pledged"), "{}", page.body);
    assert!(page.body.contains("Withdraw request 1"));
}

impl Web {
    fn clock_now(&self) -> jiff::Timestamp {
        use concord_server::clock::Clock;
        self.clock.now()
    }
}

/// A `datetime-local` value in UTC.
fn concord_web_time(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M").to_string()
}

#[tokio::test]
async fn a_member_records_its_pledge_and_a_delivery_and_the_partner_withdraws_its_request() {
    let w = Web::start().await;
    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/support?donor=FRA").await;
    let mut pledge = vec![
        ("csrf", csrf.as_str()),
        ("recipient", "UKR"),
        ("request", ""),
        ("channel", "bilateral"),
        ("coalition", ""),
        ("category", "medical"),
        ("capability", "medical"),
        ("range", "not_applicable"),
        ("item", "Field surgical kits"),
        ("quantity", "40"),
        ("value", "12,5"),
        ("currency", "EUR"),
        ("valuation", "reported_by_donor"),
        ("announced_on", ""),
    ];
    let before = w.log_size().await;
    let bad = w.post(&fra, "/support/pledges", &pledge).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"pl-value-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"Field surgical kits\""), "kept");
    assert_eq!(w.log_size().await, before);
    pledge[10] = ("value", "125000.00");
    let ok = w.post(&fra, "/support/pledges", &pledge).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&fra, &ok.location).await;
    assert!(page.body.contains("Field surgical kits") && page.body.contains("125000.00 EUR"), "{}", page.body);

    let today = w.clock_now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    let delivery = [
        ("csrf", csrf.as_str()),
        ("pledge", "1"),
        ("delivered_on", today.as_str()),
        ("quantity", "10"),
        ("value", "31250.00"),
    ];
    let ok = w.post(&fra, "/support/deliveries", &delivery).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&fra, &ok.location).await;
    assert!(page.body.contains("31250.00 EUR") && page.body.contains("not confirmed"), "{}", page.body);
    // Another delegation cannot deliver against FRA's pledge.
    let deu = w.login("deu").await;
    let deu_csrf = w.csrf(&deu, "/").await;
    let before = w.log_size().await;
    let foreign = [
        ("csrf", deu_csrf.as_str()),
        ("pledge", "1"),
        ("delivered_on", today.as_str()),
        ("quantity", "1"),
        ("value", "1.00"),
    ];
    assert_eq!(w.post(&deu, "/support/deliveries", &foreign).await.status, 422);
    assert_eq!(w.log_size().await, before);

    let ukr = w.login("ukraine").await;
    let csrf = w.csrf(&ukr, "/support").await;
    let request = [
        ("csrf", csrf.as_str()),
        ("category", "fuel"),
        ("capability", "logistics"),
        ("description", "Diesel"),
        ("quantity", "1000"),
        ("unit", "tonnes"),
        ("priority", "critical"),
        ("needed_by", ""),
    ];
    // The delivery to Ukraine: its receipt is confirmed by Ukraine alone.
    let page = w.get(&ukr, "/support?partner=UKR").await;
    assert!(page.body.contains("Confirm receipt of delivery 1"));
    assert!(!w.get(&fra, "/support").await.body.contains("Confirm receipt"), "not by the donor");
    let r = w.post(&ukr, "/support/deliveries/1/confirm", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(w.get(&ukr, &r.location).await.body.contains("confirmed by the partner"));
    assert_eq!(w.post(&ukr, "/support/deliveries/1/confirm", &[("csrf", &csrf)]).await.status, 422, "once");

    assert_eq!(w.post(&ukr, "/support/requests", &request).await.status, 303);
    let r = w.post(&ukr, "/support/requests/1/withdraw", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get(&ukr, "/support?status=withdrawn").await;
    assert!(page.body.contains("Diesel") && page.body.contains(">withdrawn<"), "{}", page.body);
    assert!(!page.body.contains("Withdraw request 1"), "no second withdrawal offered");
}

#[tokio::test]
async fn the_event_stream_says_when_the_log_grows() {
    let w = Web::start().await;
    let mut events = w.client.get(format!("{}/events", w.base)).send().await.unwrap();
    assert_eq!(events.status(), 200);
    assert!(events.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let s = w.login("fra").await;
    let csrf = w.csrf(&s, "/proposals/1").await;
    let r = w
        .post(&s, "/proposals/1/position", &[("csrf", &csrf), ("revision", "1"), ("stance", "concur"), ("text", "")])
        .await;
    assert_eq!(r.status, 303);
    let size = w.log_size().await;
    // Read until the event for the new size (keep-alive comments may come first). The timeout
    // only stops a broken test from hanging; nothing is asserted about time.
    let mut seen = String::new();
    let wanted = format!("event: log\ndata: {size}\n");
    let read = async {
        while !seen.contains(&wanted) {
            let chunk = events.chunk().await.unwrap().expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), read).await.expect("an event for the new log size");
    // The stream needs no session, so it says what the public envelopes say and nothing more:
    // a size (never who acted, on what, or how).
    for data in seen.lines().filter_map(|l| l.strip_prefix("data:")) {
        assert!(data.trim().chars().all(|c| c.is_ascii_digit()), "the stream carries {data:?}");
    }
}

#[tokio::test]
async fn behind_a_tls_proxy_the_session_cookie_is_secure_and_host_only() {
    use reqwest::header::COOKIE;
    let w = Web::start().await;
    let form = w.get("", "/login").await;
    let csrf = common::hidden(&form.body, "csrf");
    let login_cookie =
        form.cookies.iter().find(|c| c.starts_with("concord_login=")).unwrap().split(';').next().unwrap().to_owned();
    let r = w
        .client
        .post(format!("{}/login", w.base))
        .header(COOKIE, login_cookie)
        .header("x-forwarded-proto", "https")
        .form(&[("csrf", csrf.as_str()), ("name", "obs"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-"))
        .expect("a __Host- cookie");
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let page = w.client.get(format!("{}/", w.base)).header(COOKIE, pair).send().await.unwrap();
    assert_eq!(page.status(), 200, "the prefixed cookie is read back");
}

#[tokio::test]
async fn the_log_page_shows_each_viewer_the_content_it_may_read_and_says_why() {
    let w = Web::start().await;
    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let marker = "France objects: MARKER-7f3a";
    let form = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "object"), ("text", marker)];
    assert_eq!(w.post(&fra, "/proposals/1/position", &form).await.status, 303);

    // A member reads the objection in the log; the partner, an observer and the public see its
    // envelope (the same for all) and are told that its content is withheld.
    let member = w.get(&w.login("deu").await, "/log").await;
    assert!(member.body.contains("MARKER-7f3a"), "{}", member.body);
    assert!(member.body.contains("the delegation of DEU"), "{}", member.body);
    for (who, session) in
        [("partner", w.login("ukraine").await), ("observer", w.login("obs").await), ("public", String::new())]
    {
        let p = w.get(&session, "/log").await;
        assert_eq!(p.status, 200, "{who}");
        assert!(!p.body.contains("MARKER-7f3a"), "{who} reads the objection: {}", p.body);
        assert!(p.body.contains("position taken") && p.body.contains("withheld from you"), "{who}: {}", p.body);
        assert!(p.body.contains("is withheld from you") || p.body.contains("are withheld from you"), "{who}");
    }
    // The roster is public: the observer reads who was admitted.
    assert!(w.get("", "/log").await.body.contains("Norway"));
}

#[tokio::test]
async fn the_secretariat_circulates_a_text_to_the_partner_which_reads_it_but_not_the_positions() {
    use concord_core::{Actor, Command, DecisionKind, ProposalId, Stance};
    let w = Web::start().await;
    let seq = w.app.sequencer();
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Routine,
        significance: None,
        title: "Winter fuel".into(),
        text: "Fuel for the winter, for Ukraine's grid.".into(),
    };
    seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let (s, ukr, obs) = (w.login("sec").await, w.login("ukraine").await, w.login("obs").await);
    assert_eq!(w.get(&ukr, "/proposals/2").await.status, 404, "a draft is the secretariat's");
    let page = w.get(&s, "/proposals/2").await;
    assert!(
        page.body.contains(r#"<option value="members+partner:UKR">the members and Ukraine</option>"#),
        "{}",
        page.body
    );

    // An audience that is none of those offered is refused beside its field.
    let csrf = w.csrf(&s, "/proposals/2").await;
    let deadline = concord_web_time(w.clock_now().checked_add(SignedDuration::from_hours(48)).unwrap());
    let before = w.log_size().await;
    let circulate = |release: &'static str| {
        [("csrf", csrf.as_str()), ("procedure", "silence"), ("deadline", deadline.as_str()), ("release", release)]
    };
    let r = w.post(&s, "/proposals/2/circulate", &circulate("everyone")).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("choose whom the text is released to"), "{}", r.body);
    assert_eq!(w.log_size().await, before);
    assert_eq!(w.post(&s, "/proposals/2/circulate", &circulate("members+partner:UKR")).await.status, 303);

    let fra = concord_core::CountryCode::parse("FRA").unwrap();
    let position = Command::TakePosition {
        proposal: ProposalId(2),
        member: fra,
        revision: 1,
        stance: Stance::ConcurWithReservation,
        text: Some("France's reservation, for the members.".into()),
        evidence: None,
    };
    seq.submit(Actor::Member(fra), None, position, None).await.unwrap();
    let seen = w.get(&ukr, "/proposals/2").await;
    assert_eq!(seen.status, 200);
    assert!(seen.body.contains("Fuel for the winter, for Ukraine"), "the text: {}", seen.body);
    assert!(seen.body.contains("released to UKR"), "the marking: {}", seen.body);
    assert!(seen.body.contains("circulated the text and its deadline to you"), "{}", seen.body);
    assert!(!seen.body.contains("reservation, for the members"), "a position is the members': {}", seen.body);
    assert!(w.get(&s, "/proposals/2").await.body.contains("reservation, for the members"), "the secretariat reads it");
    assert_eq!(w.get(&obs, "/proposals/2").await.status, 404, "the public is not the partner");
}

#[tokio::test]
async fn a_position_taken_on_the_web_seals_the_signed_in_user_as_the_account() {
    use concord_store::Store;
    let w = Web::start().await;
    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let form = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur"), ("text", "")];
    assert_eq!(w.post(&fra, "/proposals/1/position", &form).await.status, 303);

    let entries = w.store.entries(0, 1000).await.unwrap();
    let taken = entries.iter().rev().find(|e| String::from_utf8_lossy(&e.bytes).contains("position_taken")).unwrap();
    let content = String::from_utf8_lossy(&taken.part.as_ref().unwrap()[concord_core::record::SALT_LEN..]).into_owned();
    assert!(content.contains(r#""account":"user:fra""#), "{content}");
    assert!(!String::from_utf8_lossy(&taken.bytes).contains("fra"), "the envelope names only the role");
    // The fixture's own writes went straight to the sequencer: no account.
    let first = String::from_utf8_lossy(entries[1].part.as_ref().unwrap()).into_owned();
    assert!(!first.contains("account"), "{first}");
}

#[tokio::test]
async fn a_member_pledges_to_the_alliance_fund_from_the_web() {
    use concord_core::support::{Channel, FundPolicy, FundTerms, SupportCommand};
    use concord_core::{Actor, Command, DecisionKind, Procedure, ProposalId, Stance};
    let w = Web::start().await;
    // The fund needs an adopted assistance programme: every member concurs in a round.
    let seq = w.app.sequencer();
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::AssistanceProgramme,
        significance: None,
        title: "Medical programme".into(),
        text: "The alliance's fund buys medical kits.".into(),
    };
    seq.submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let deadline = w.clock_now().checked_add(SignedDuration::from_hours(24)).unwrap();
    let round = Command::Circulate {
        proposal: ProposalId(2),
        procedure: Procedure::ConsensusRound,
        deadline,
        marking: None,
        urgent: None,
    };
    seq.submit(Actor::Secretariat, None, round, None).await.unwrap();
    for m in ["DEU", "FRA", "NOR"] {
        let member = concord_core::CountryCode::parse(m).unwrap();
        let concur = Command::TakePosition {
            proposal: ProposalId(2),
            member,
            revision: 1,
            stance: Stance::Concur,
            text: None,
            evidence: None,
        };
        seq.submit(Actor::Member(member), None, concur, None).await.unwrap();
    }
    let fund = FundTerms {
        name: "Medical trust fund".into(),
        channel: Channel::AllianceFund,
        policy: FundPolicy::NonLethalOnly,
        authorised_by: ProposalId(2),
    };
    seq.submit(Actor::Secretariat, None, Command::Support(SupportCommand::CreateFund { fund }), None).await.unwrap();

    let fra = w.login("fra").await;
    let page = w.get(&fra, "/support?donor=FRA").await;
    assert!(page.body.contains(r#"<option value="1">Medical trust fund"#), "the fund is offered: {}", page.body);
    let csrf = w.csrf(&fra, "/support?donor=FRA").await;
    let pledge = |fund: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("recipient", "UKR".into()),
            ("request", String::new()),
            ("channel", "alliance_fund".into()),
            ("coalition", String::new()),
            ("fund", fund.into()),
            ("category", "medical".into()),
            ("capability", "medical".into()),
            ("range", "not_applicable".into()),
            ("item", "First-aid kits".into()),
            ("quantity", "500".into()),
            ("value", "75000.00".into()),
            ("currency", "EUR".into()),
            ("valuation", "reported_by_donor".into()),
            ("announced_on", String::new()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        let fra = fra.clone();
        let w = &w;
        async move {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            w.post(&fra, "/support/pledges", &fields).await
        }
    };
    // Without a fund, the refusal says so beside the fund field, and nothing is written.
    let before = w.log_size().await;
    let refused = post(pledge("")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"pl-fund-error\""), "{}", refused.body);
    assert!(refused.body.contains("names the fund it goes to"), "{}", refused.body);
    assert_eq!(w.log_size().await, before);
    let ok = post(pledge("1")).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let state = w.app.view().await;
    let p = state.state.support.pledges.values().next_back().unwrap();
    assert_eq!((p.terms.channel, p.terms.fund.map(|f| f.get())), (Channel::AllianceFund, Some(1)));
    assert_eq!(p.terms.item, "First-aid kits");
}

#[tokio::test]
async fn the_position_form_preselects_nothing_and_says_what_each_choice_does() {
    let w = Web::start().await;
    let fra = w.login("fra").await;
    let page = w.get(&fra, "/proposals/1").await;
    let radios: Vec<&str> = page.body.lines().filter(|l| l.contains(r#"name="stance""#)).collect();
    // A statement is no decision to opt out of (the domain refuses it): four choices, not five.
    assert_eq!(radios.len(), 4, "{}", page.body);
    assert!(radios.iter().all(|r| !r.contains("opt_out")), "{radios:?}");
    assert!(radios.iter().all(|r| !r.contains("checked")), "a stance is preselected: {radios:?}");
    assert!(page.body.contains("Object (breaks silence and blocks)"), "{}", page.body);
    // Sent without a choice, the form asks for one beside the choices, and nothing is written.
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let before = w.log_size().await;
    let r = w.post(&fra, "/proposals/1/position", &[("csrf", &csrf), ("revision", "1"), ("text", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("choose a position"), "{}", r.body);
    assert_eq!(w.log_size().await, before);
}

#[tokio::test]
async fn a_delegation_is_told_when_its_position_lapses_with_a_new_revision() {
    let w = Web::start().await;
    let (fra, deu, sec) = (w.login("fra").await, w.login("deu").await, w.login("sec").await);
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("revision", "1"),
        ("stance", "concur_with_reservation"),
        ("text", "France reads this as excluding trainers."),
    ];
    assert_eq!(w.post(&fra, "/proposals/1/position", &form).await.status, 303);
    let csrf = w.csrf(&sec, "/proposals/1").await;
    let deadline = concord_web_time(w.clock_now().checked_add(SignedDuration::from_hours(96)).unwrap());
    let amend = [
        ("csrf", csrf.as_str()),
        ("amend_title", ""),
        ("amend_text", "There are no plans for troops or trainers on the ground."),
        ("amend_deadline", deadline.as_str()),
    ];
    assert_eq!(w.post(&sec, "/proposals/1/amend", &amend).await.status, 303);

    // France is told, on its dashboard and on the proposal, with what changed; Germany, which
    // took no position, is not.
    let dashboard = w.get(&fra, "/").await;
    assert!(dashboard.body.contains("your position on revision 1 no longer counts"), "{}", dashboard.body);
    let page = w.get(&fra, "/proposals/1").await;
    assert!(
        page.body.contains("Your position on revision 1 (concurred with a reservation) no longer counts"),
        "{}",
        page.body
    );
    let notice = &page.body[page.body.find("id=\"lapsed\"").expect("the notice")..];
    assert!(notice.contains("<ins>") && notice.contains("trainers"), "the change is shown: {notice}");
    assert!(!w.get(&deu, "/").await.body.contains("no longer counts"));
    assert!(!w.get(&deu, "/proposals/1").await.body.contains("id=\"lapsed\""));

    // Once France takes a position on revision 2, the notice goes.
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let form = [("csrf", csrf.as_str()), ("revision", "2"), ("stance", "concur"), ("text", "")];
    assert_eq!(w.post(&fra, "/proposals/1/position", &form).await.status, 303);
    assert!(!w.get(&fra, "/proposals/1").await.body.contains("id=\"lapsed\""));
    assert!(!w.get(&fra, "/").await.body.contains("no longer counts"));
}

#[tokio::test]
async fn the_proposals_page_finds_a_proposal_by_a_word_of_its_text_and_never_by_what_is_withheld() {
    use concord_core::{Actor, Command, DecisionKind};
    let w = Web::start().await;
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::Routine,
        significance: None,
        title: "Budget lines".into(),
        text: "Reallocate the heliotrope budget line.".into(),
    };
    w.app.sequencer().submit(Actor::Secretariat, None, draft, None).await.unwrap();
    let (sec, fra) = (w.login("sec").await, w.login("fra").await);
    let found = w.get(&fra, "/proposals?q=TROOPS+ground").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains(r#"<a href="/proposals/1">1. No combat troops</a>"#), "{}", found.body);
    let none = w.get(&fra, "/proposals?q=troops+heliotrope").await;
    assert!(none.body.contains("No proposal you may read matches"), "every word must match: {}", none.body);
    // A draft is the secretariat's: a member's search does not find it by its words.
    assert!(!w.get(&fra, "/proposals?q=heliotrope").await.body.contains("Budget lines"));
    assert!(w.get(&sec, "/proposals?q=heliotrope").await.body.contains("Budget lines"));
    // Filters: by status and kind; a value that is none is said, not guessed.
    let drafts = w.get(&sec, "/proposals?status=draft").await;
    assert!(drafts.body.contains("Budget lines") && !drafts.body.contains("No combat troops"), "{}", drafts.body);
    let statements = w.get(&sec, "/proposals?kind=statement").await;
    assert!(!statements.body.contains("Budget lines") && statements.body.contains("No combat troops"));
    let odd = w.get(&sec, "/proposals?status=pending&drafted_from=yesterday").await;
    assert!(odd.body.contains("status: &#34;pending&#34; is not a status"), "{}", odd.body);
    assert!(odd.body.contains("is not a date"), "{}", odd.body);
}

#[tokio::test]
async fn the_secretariat_publishes_an_entry_from_the_log_page() {
    let w = Web::start().await;
    let (fra, sec) = (w.login("fra").await, w.login("sec").await);
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let form =
        [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "concur_with_reservation"), ("text", "Heliotrope.")];
    assert_eq!(w.post(&fra, "/proposals/1/position", &form).await.status, 303);
    let seq = w.log_size().await - 1;
    assert!(!w.get("", "/log").await.body.contains("Heliotrope."), "a position is the members'");
    let page = w.get(&sec, "/log").await;
    assert!(page.body.contains(&format!("Publish entry {seq}</button>")), "{}", page.body);
    assert!(!w.get(&fra, "/log").await.body.contains("Publish entry"), "a member publishes nothing");

    let csrf = w.csrf(&sec, "/log").await;
    let path = format!("/log/{seq}/publication");
    let before = w.log_size().await;
    assert_eq!(w.post(&fra, &path, &[("csrf", &w.csrf(&fra, "/log").await), ("marking", "public")]).await.status, 403);
    assert_eq!(w.post(&sec, &path, &[("csrf", &csrf), ("marking", "everyone")]).await.status, 400);
    assert_eq!(w.log_size().await, before, "refusals change nothing");
    let r = w.post(&sec, &path, &[("csrf", &csrf), ("marking", "public")]).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/log"));
    assert_eq!(w.log_size().await, before + 1);
    let public = w.get("", "/log").await;
    assert!(public.body.contains("Heliotrope.") && public.body.contains("published to public"), "{}", public.body);
    assert!(public.body.contains("entry published"), "the publication's own entry: {}", public.body);
    // Each entry reads as a sentence, the raw content behind a disclosure.
    assert!(public.body.contains("FRA concurred, with a reservation, with proposal 1, revision 1."), "{}", public.body);
    assert!(public.body.contains(&format!("The secretariat published entry {seq} to public.")), "{}", public.body);
    // Publishing it again is refused: it is public already.
    assert_eq!(w.post(&sec, &path, &[("csrf", &csrf), ("marking", "public")]).await.status, 422);
}

#[tokio::test]
async fn the_partner_dashboard_lists_receipts_to_confirm_and_overdue_requests() {
    use concord_core::support::{
        Capability, Channel, Currency, Money, PledgeTerms, Priority, RangeClass, RequestTerms, SupportCategory,
        SupportCommand, ValuationMethod,
    };
    use concord_core::{Actor, Command};
    let w = Web::start().await;
    let seq = w.app.sequencer();
    let ukr = concord_core::CountryCode::parse("UKR").unwrap();
    let fra = concord_core::CountryCode::parse("FRA").unwrap();
    let today = w.clock_now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let request = RequestTerms {
        partner: ukr,
        category: SupportCategory::Medical,
        capability: Capability::Medical,
        description: "Tourniquets".into(),
        quantity: 100,
        unit: "pieces".into(),
        priority: Priority::High,
        needed_by: today.yesterday().ok(),
    };
    let run = |actor, command: SupportCommand| seq.submit(actor, None, Command::Support(command), None);
    run(Actor::Partner(ukr), SupportCommand::FileRequest { request }).await.unwrap();
    let pledge = PledgeTerms {
        donor: fra,
        recipient: ukr,
        request: Some(concord_core::support::RequestId::FIRST),
        channel: Channel::Bilateral,
        coalition: None,
        fund: None,
        category: SupportCategory::Medical,
        capability: Capability::Medical,
        range: RangeClass::NotApplicable,
        item: "Tourniquets".into(),
        quantity: 100,
        value: Money { minor_units: 500_000, currency: Currency::EUR },
        valuation: ValuationMethod::ReportedByDonor,
        announced_on: None,
        source_ref: None,
        authorised_by: None,
    };
    run(Actor::Member(fra), SupportCommand::RecordPledge { pledge, status: None }).await.unwrap();
    let pledge = concord_core::support::PledgeId::FIRST;
    let value = Money { minor_units: 200_000, currency: Currency::EUR };
    let delivery = SupportCommand::RecordDelivery { pledge, delivered_on: today, quantity: 40, value };
    run(Actor::Member(fra), delivery).await.unwrap();

    let partner = w.login("ukraine").await;
    let dashboard = w.get(&partner, "/").await;
    assert!(dashboard.body.contains("Delivery 1: 40 Tourniquets from FRA"), "{}", dashboard.body);
    assert!(dashboard.body.contains("overdue: 40 of 100 pieces delivered"), "{}", dashboard.body);
    let receipt = SupportCommand::ConfirmReceipt { delivery: concord_core::support::DeliveryId::FIRST, note: None };
    run(Actor::Partner(ukr), receipt).await.unwrap();
    let dashboard = w.get(&partner, "/").await;
    assert!(!dashboard.body.contains("confirm its receipt"), "confirmed: {}", dashboard.body);
    assert!(dashboard.body.contains("overdue"), "still overdue");
}

#[tokio::test]
async fn printed_a_page_keeps_its_record_and_drops_the_screen_s_navigation_and_forms() {
    let w = Web::start().await;
    let css = w.client.get(format!("{}/static/app.css", w.base)).send().await.unwrap().text().await.unwrap();
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    for hidden in ["header.site", "form", "#actions", "#position", ".countdown"] {
        assert!(print.contains(hidden), "{hidden} is not dropped in print: {print}");
    }
}

#[tokio::test]
async fn the_secretariat_takes_a_blocked_proposal_back_into_negotiation_and_opens_a_new_round() {
    let w = Web::start().await;
    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/proposals/1").await;
    let object = [("csrf", csrf.as_str()), ("revision", "1"), ("stance", "object"), ("text", "Not this text.")];
    assert_eq!(w.post(&fra, "/proposals/1/position", &object).await.status, 303);

    // Blocked: the secretariat's dashboard says what it can do, and the page offers it.
    let sec = w.login("sec").await;
    let dashboard = w.get(&sec, "/").await;
    assert!(dashboard.body.contains("blocked: take it back into negotiation"), "{}", dashboard.body);
    let page = w.get(&sec, "/proposals/1").await;
    assert!(page.body.contains("Take back into negotiation"), "{}", page.body);
    assert!(!w.get(&fra, "/proposals/1").await.body.contains("action=\"/proposals/1/reopen\""), "members do not");
    let csrf = hidden(&page.body, "csrf");
    let before = w.log_size().await;
    let r = w.post(&sec, "/proposals/1/reopen", &[("csrf", &csrf), ("reopen_reason", " ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"reopen_reason-error\">say what is being negotiated"), "{}", r.body);
    assert_eq!(w.post(&fra, "/proposals/1/reopen", &[("csrf", &csrf), ("reopen_reason", "x")]).await.status, 403);
    assert_eq!(w.log_size().await, before, "nothing changed");

    let reason = [("csrf", csrf.as_str()), ("reopen_reason", "Paragraph 2 is renegotiated with France.")];
    let r = w.post(&sec, "/proposals/1/reopen", &reason).await;
    assert_eq!((r.status, r.location.as_str()), (303, "/proposals/1#actions"));
    let page = w.get(&sec, "/proposals/1").await;
    assert!(page.body.contains("Back in negotiation"), "{}", page.body);
    assert!(page.body.contains("Earlier rounds") && page.body.contains("Round 1, revision 1"), "{}", page.body);
    assert!(page.body.contains("FRA objected"), "the first round's decision stays: {}", page.body);
    assert!(page.body.contains("Circulate for a new round"), "{}", page.body);

    let deadline = (jiff::Timestamp::now() + SignedDuration::from_hours(48)).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let circulate = [("csrf", csrf.as_str()), ("procedure", "silence"), ("deadline", &deadline), ("release", "")];
    let r = w.post(&sec, "/proposals/1/circulate", &circulate).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = w.get(&sec, "/proposals/1").await;
    assert!(page.body.contains("Round 2") && page.body.contains(">under silence<"), "{}", page.body);

    // France is told its objection from round 1 no longer counts.
    let page = w.get(&fra, "/proposals/1").await;
    assert!(page.body.contains("Your position on revision 1 (objected"), "{}", page.body);
    assert!(page.body.contains("circulated again under a new procedure"), "{}", page.body);
    assert!(w.get(&fra, "/").await.body.contains("it was circulated again for a new round"));
}
