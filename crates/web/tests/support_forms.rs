//! The support forms that give the web parity with the API (issue 17, item 6): coalitions,
//! funds and exchange rates on `/coalitions`, pledge status changes and delivery corrections on
//! `/support` and the pledge page, and receipts confirmed from the partner's dashboard. Each
//! writes as the API does, shows a refusal beside the form with nothing written, and appears
//! only to the roles the rules allow (a POST from another is refused).

mod common;

use common::{Web, cc};
use concord_core::support::{
    Capability, Channel, Currency, Money, PledgeId, PledgeTerms, Priority, RangeClass, RequestTerms, SupportCategory,
    SupportCommand, ValuationMethod,
};
use concord_core::{Actor, Command, DecisionKind, Procedure, ProposalId, Stance};
use concord_server::clock::Clock;
use jiff::SignedDuration;

async fn run(w: &Web, actor: Actor, command: Command) {
    w.app.sequencer().submit(actor, None, command, None).await.expect("the fixture's command is accepted");
}

fn today(w: &Web) -> String {
    w.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

/// FRA's pledge of 40 surgical kits to Ukraine (pledge 1, announced).
async fn fra_pledge(w: &Web) {
    let pledge = PledgeTerms {
        donor: cc("FRA"),
        recipient: cc("UKR"),
        request: None,
        channel: Channel::Bilateral,
        coalition: None,
        fund: None,
        category: SupportCategory::Medical,
        capability: Capability::Medical,
        range: RangeClass::NotApplicable,
        item: "Field surgical kits".into(),
        quantity: 40,
        value: Money::parse_decimal("40000.00", Currency::EUR).expect("an amount"),
        valuation: ValuationMethod::ReportedByDonor,
        announced_on: None,
        source_ref: None,
        authorised_by: None,
    };
    run(w, Actor::Member(cc("FRA")), SupportCommand::RecordPledge { pledge, status: None }.into()).await;
}

/// A POST from `session` is refused outright, and writes nothing.
async fn refused(w: &Web, session: &str, path: &str, form: &[(&str, &str)]) {
    let before = w.log_size().await;
    let r = w.post(session, path, form).await;
    assert!(matches!(r.status, 403 | 404), "{path}: {} {}", r.status, r.body);
    assert_eq!(w.log_size().await, before, "{path}: nothing written");
}

#[tokio::test]
async fn the_secretariat_forms_a_coalition_and_members_join_it() {
    let w = Web::start().await;
    let sec = w.login("sec").await;
    let csrf = w.csrf(&sec, "/coalitions").await;
    let page = w.get(&sec, "/coalitions").await;
    assert!(page.body.contains("Form coalition"), "{}", page.body);
    assert!(page.body.contains(r#"<option value="" selected>choose a capability</option>"#), "nothing preselected");

    // Refused: a lead that is no country code, then no lead at all (the rules' refusal).
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "Demining coalition"),
        ("capability", "demining"),
        ("leads", "FRA, 12"),
        ("participants", ""),
        ("formed_on", ""),
    ];
    let before = w.log_size().await;
    let bad = w.post(&sec, "/coalitions", &form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"id="co-leads-error""#) && bad.body.contains("not a country code"), "{}", bad.body);
    assert!(bad.body.contains(r#"value="Demining coalition""#), "kept");
    form[3] = ("leads", "");
    let bad = w.post(&sec, "/coalitions", &form).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"id="co-leads-error""#) && bad.body.contains("at least one lead"), "{}", bad.body);
    assert_eq!(w.log_size().await, before, "nothing written");

    form[3] = ("leads", "fra");
    let ok = w.post(&sec, "/coalitions", &form).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&sec, "/coalitions").await;
    assert!(
        page.body.contains("<td>Demining coalition</td><td>demining</td><td>FRA</td><td>FRA</td>"),
        "{}",
        page.body
    );

    // A member sees no form to form one, and is refused if it posts anyway.
    let deu = w.login("deu").await;
    let deu_csrf = w.csrf(&deu, "/coalitions").await;
    let page = w.get(&deu, "/coalitions").await;
    assert!(!page.body.contains("Form coalition") && !page.body.contains(r#"action="/coalitions""#));
    form[0] = ("csrf", deu_csrf.as_str());
    form[1] = ("name", "Another");
    refused(&w, &deu, "/coalitions", &form).await;

    // DEU joins: no way chosen for it; without one it is told so beside the choice.
    assert!(page.body.contains("Join Demining coalition"), "{}", page.body);
    assert!(page.body.contains(r#"<option value="" selected>choose how</option>"#));
    let bad = w.post(&deu, "/coalitions/1/join", &[("csrf", &deu_csrf), ("as", "")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"id="jn-1-as-error""#), "{}", bad.body);
    let ok = w.post(&deu, "/coalitions/1/join", &[("csrf", &deu_csrf), ("as", "participant")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&deu, "/coalitions").await;
    assert!(page.body.contains("<td>FRA</td><td>DEU, FRA</td>"), "{}", page.body);
    // Now in it, DEU may only become a lead; joining again as a participant is refused beside it.
    assert!(!page.body.contains(r#"<option value="participant""#), "{}", page.body);
    let before = w.log_size().await;
    let again = w.post(&deu, "/coalitions/1/join", &[("csrf", &deu_csrf), ("as", "participant")]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains(r#"class="alert""#) && again.body.contains("DEU"), "{}", again.body);
    assert_eq!(w.log_size().await, before);

    // The secretariat joins a state for it.
    let ok = w.post(&sec, "/coalitions/1/join", &[("csrf", &csrf), ("participant", "nor"), ("as", "lead")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(w.get(&sec, "/coalitions").await.body.contains("<td>FRA, NOR</td><td>DEU, FRA, NOR</td>"));

    // The partner and the observer see no coalition form, and are refused.
    for who in ["ukraine", "obs"] {
        let s = w.login(who).await;
        let page = w.get(&s, "/coalitions").await;
        assert!(!page.body.contains(r#"method="post" action="/coalitions"#), "{who}: {}", page.body);
        let c = w.csrf(&s, "/").await;
        refused(&w, &s, "/coalitions/1/join", &[("csrf", &c), ("as", "participant")]).await;
        refused(&w, &s, "/coalitions", &[("csrf", &c), ("name", "X"), ("capability", "demining"), ("leads", "FRA")])
            .await;
    }
}

#[tokio::test]
async fn the_secretariat_sets_up_a_fund_and_records_exchange_rates() {
    let w = Web::start().await;
    // A fund rests on an adopted assistance programme: every member concurs in a round.
    let draft = Command::DraftProposal {
        body: None,
        follows: None,
        kind: DecisionKind::AssistanceProgramme,
        significance: None,
        title: "Medical programme".into(),
        text: "The alliance's fund buys medical kits.".into(),
    };
    run(&w, Actor::Secretariat, draft).await;
    let deadline = w.clock.now().checked_add(SignedDuration::from_hours(24)).unwrap();
    let round = Command::Circulate {
        proposal: ProposalId(2),
        procedure: Procedure::ConsensusRound,
        deadline,
        marking: None,
        urgent: None,
    };
    run(&w, Actor::Secretariat, round).await;
    for m in ["DEU", "FRA", "NOR"] {
        let concur = Command::TakePosition {
            proposal: ProposalId(2),
            member: cc(m),
            revision: 1,
            stance: Stance::Concur,
            text: None,
            evidence: None,
        };
        run(&w, Actor::Member(cc(m)), concur).await;
    }
    let sec = w.login("sec").await;
    let csrf = w.csrf(&sec, "/coalitions").await;
    let page = w.get(&sec, "/coalitions").await;
    assert!(page.body.contains(r#"<option value="2">2: Medical programme"#), "{}", page.body);
    assert!(!page.body.contains(r#"<option value="1">"#), "a statement sets up no fund");

    // Refused by the rules: the alliance fund takes non-lethal aid only.
    let mut fund = vec![
        ("csrf", csrf.as_str()),
        ("name", "Medical trust fund"),
        ("channel", "alliance_fund"),
        ("policy", "any"),
        ("authorised_by", "2"),
    ];
    let before = w.log_size().await;
    let bad = w.post(&sec, "/coalitions/funds", &fund).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("non-lethal"), "{}", bad.body);
    assert!(bad.body.contains(r#"value="Medical trust fund""#), "kept");
    fund[3] = ("policy", "");
    let bad = w.post(&sec, "/coalitions/funds", &fund).await;
    assert!(bad.status == 422 && bad.body.contains(r#"id="fd-policy-error""#), "{}", bad.body);
    assert_eq!(w.log_size().await, before);
    fund[3] = ("policy", "non_lethal_only");
    let ok = w.post(&sec, "/coalitions/funds", &fund).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&sec, "/coalitions").await;
    assert!(
        page.body.contains("<td>Medical trust fund</td><td>alliance fund</td><td>non-lethal only</td>"),
        "{}",
        page.body
    );

    // Rates: a bad number beside its field, a currency to itself refused, then one recorded.
    let mut rate =
        vec![("csrf", csrf.as_str()), ("from", "USD"), ("to", "EUR"), ("rate", "zero"), ("on", "2024-01-03")];
    let before = w.log_size().await;
    let bad = w.post(&sec, "/coalitions/rates", &rate).await;
    assert!(bad.status == 422 && bad.body.contains(r#"id="rt-rate-error""#), "{}", bad.body);
    rate[2] = ("to", "USD");
    rate[3] = ("rate", "1");
    let bad = w.post(&sec, "/coalitions/rates", &rate).await;
    assert!(bad.status == 422 && bad.body.contains("to itself"), "{}", bad.body);
    assert_eq!(w.log_size().await, before);
    rate[2] = ("to", "EUR");
    rate[3] = ("rate", "0.92");
    let ok = w.post(&sec, "/coalitions/rates", &rate).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&sec, "/coalitions").await;
    assert!(
        page.body.contains("<td>2024-01-03</td><td>USD</td><td class=\"num\">0.92</td><td>EUR</td>"),
        "{}",
        page.body
    );
    let dup = w.post(&sec, "/coalitions/rates", &rate).await;
    assert_eq!(dup.status, 422, "one rate per pair and day");

    // A member reads the fund and the rate, but sets up and records nothing.
    let fra = w.login("fra").await;
    let page = w.get(&fra, "/coalitions").await;
    assert!(page.body.contains("Medical trust fund") && page.body.contains("0.92"));
    assert!(!page.body.contains("/coalitions/funds") && !page.body.contains("/coalitions/rates"), "{}", page.body);
    let c = w.csrf(&fra, "/").await;
    fund[0] = ("csrf", c.as_str());
    fund[1] = ("name", "Another fund");
    refused(&w, &fra, "/coalitions/funds", &fund).await;
    rate[0] = ("csrf", c.as_str());
    rate[4] = ("on", "2024-01-04");
    refused(&w, &fra, "/coalitions/rates", &rate).await;
    // The observer reads the public rates, not the members' fund.
    let obs = w.login("obs").await;
    let page = w.get(&obs, "/coalitions").await;
    assert!(page.body.contains("0.92") && !page.body.contains("Medical trust fund"), "{}", page.body);
}

#[tokio::test]
async fn a_donor_moves_its_pledge_forward_and_corrects_its_deliveries() {
    let w = Web::start().await;
    fra_pledge(&w).await;
    let fra = w.login("fra").await;
    let csrf = w.csrf(&fra, "/support?donor=FRA").await;
    let page = w.get(&fra, "/support?donor=FRA").await;
    assert!(page.body.contains(r#"<label for="ps-1">Status of pledge 1</label>"#), "{}", page.body);
    let form = &page.body[page.body.find(r#"<select id="ps-1""#).unwrap()..];
    let form = &form[..form.find("</select>").unwrap()];
    assert!(form.contains(r#"<option value="" selected>choose a status</option>"#), "nothing preselected: {form}");
    assert!(!form.contains(r#"value="announced""#), "no move to where it is: {form}");
    assert!(form.contains(r#"value="committed""#) && form.contains(r#"value="cancelled""#), "{form}");

    // Nothing chosen: told so beside the choice, on the pledge's page.
    let before = w.log_size().await;
    let bad = w.post(&fra, "/support/pledges/1/status", &[("csrf", &csrf), ("status", "")]).await;
    assert!(bad.status == 422 && bad.body.contains(r#"id="ps-status-error""#), "{}", bad.body);
    assert_eq!(w.log_size().await, before);
    let ok = w.post(&fra, "/support/pledges/1/status", &[("csrf", &csrf), ("status", "allocated")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&fra, &ok.location).await;
    assert!(page.body.contains("Status: <strong>allocated</strong>"), "{}", page.body);
    assert!(!page.body.contains(r#"<option value="committed""#), "forward only: {}", page.body);
    // Backwards is the rules' refusal, beside the form.
    let before = w.log_size().await;
    let bad = w.post(&fra, "/support/pledges/1/status", &[("csrf", &csrf), ("status", "committed")]).await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains(r#"id="ps-status-error""#) && bad.body.contains("cannot become committed"),
        "{}",
        bad.body
    );
    assert_eq!(w.log_size().await, before);

    // A correction: taking back more than was delivered is refused; a reason is required.
    let day = today(&w);
    let mut correction = vec![
        ("csrf", csrf.as_str()),
        ("delivered_on", day.as_str()),
        ("quantity", "-5"),
        ("value", "-500.00"),
        ("reason", ""),
    ];
    let bad = w.post(&fra, "/support/pledges/1/corrections", &correction).await;
    assert!(bad.status == 422 && bad.body.contains(r#"id="cr-reason-error""#), "{}", bad.body);
    correction[4] = ("reason", "Counted twice");
    let bad = w.post(&fra, "/support/pledges/1/corrections", &correction).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains(r#"class="alert""#) && bad.body.contains(r#"value="Counted twice""#), "{}", bad.body);
    assert_eq!(w.log_size().await, before);
    // More than pledged, recorded as a correction (a delivery cannot).
    correction[2] = ("quantity", "45");
    correction[3] = ("value", "45000.50");
    correction[4] = ("reason", "Five extra kits sent with the shipment");
    let ok = w.post(&fra, "/support/pledges/1/corrections", &correction).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = w.get(&fra, "/support/pledges/1").await;
    assert!(page.body.contains("correction: Five extra kits sent with the shipment"), "{}", page.body);
    assert!(page.body.contains("Delivered so far: 45 (45000.50 EUR)"), "{}", page.body);

    // Another delegation, the partner and the observer see no such form and are refused.
    for who in ["deu", "ukraine", "obs"] {
        let s = w.login(who).await;
        let page = w.get(&s, "/support").await;
        assert!(!page.body.contains("/support/pledges/1/status"), "{who}: {}", page.body);
        assert!(!w.get(&s, "/support/pledges/1").await.body.contains("Record correction"), "{who}");
        let c = w.csrf(&s, "/").await;
        refused(&w, &s, "/support/pledges/1/status", &[("csrf", &c), ("status", "cancelled")]).await;
        let mut theirs = correction.clone();
        theirs[0] = ("csrf", c.as_str());
        refused(&w, &s, "/support/pledges/1/corrections", &theirs).await;
    }
    // Delivered in full by the correction, pledge 1 moves no further; the secretariat may change
    // any donor's other pledge.
    let sec = w.login("sec").await;
    let c = w.csrf(&sec, "/support").await;
    assert!(w.get(&sec, "/support/pledges/1").await.body.contains("Status: <strong>delivered</strong>"));
    fra_pledge(&w).await;
    let page = w.get(&sec, "/support").await;
    assert!(page.body.contains("/support/pledges/2/status") && !page.body.contains("/support/pledges/1/status"));
    let ok = w.post(&sec, "/support/pledges/2/status", &[("csrf", &c), ("status", "delivered")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(w.get(&sec, "/support/pledges/2").await.body.contains("moves no further"));
}

#[tokio::test]
async fn the_partner_confirms_a_delivery_from_its_dashboard() {
    let w = Web::start().await;
    fra_pledge(&w).await;
    let delivered_on = w.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let delivery = SupportCommand::RecordDelivery {
        pledge: PledgeId::FIRST,
        delivered_on,
        quantity: 10,
        value: Money::parse_decimal("10000.00", Currency::EUR).unwrap(),
    };
    run(&w, Actor::Member(cc("FRA")), delivery.into()).await;
    let request = RequestTerms {
        partner: cc("UKR"),
        category: SupportCategory::Fuel,
        capability: Capability::Logistics,
        description: "Diesel for generators".into(),
        quantity: 1000,
        unit: "tonnes".into(),
        priority: Priority::Critical,
        needed_by: Some("2024-01-31".parse().unwrap()),
    };
    run(&w, Actor::Partner(cc("UKR")), SupportCommand::FileRequest { request }.into()).await;

    let ukr = w.login("ukraine").await;
    let dash = w.get(&ukr, "/").await;
    assert!(dash.body.contains(r#"action="/support/deliveries/1/confirm""#), "{}", dash.body);
    assert!(dash.body.contains("Confirm receipt of delivery 1") && dash.body.contains(r#"<label for="note-1">"#));
    assert!(dash.body.contains("needed by 2024-01-31, overdue"), "{}", dash.body);
    let csrf = w.csrf(&ukr, "/").await;

    // Another role sees no such button and is refused if it posts.
    let fra = w.login("fra").await;
    assert!(!w.get(&fra, "/").await.body.contains("Confirm receipt"));
    let c = w.csrf(&fra, "/").await;
    refused(&w, &fra, "/support/deliveries/1/confirm", &[("csrf", &c), ("back", "dashboard")]).await;

    let form = [("csrf", csrf.as_str()), ("back", "dashboard"), ("note", "Ten kits, in good order")];
    let ok = w.post(&ukr, "/support/deliveries/1/confirm", &form).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location, "/#todo");
    let dash = w.get(&ukr, "/").await;
    assert!(!dash.body.contains("Confirm receipt of delivery 1"), "confirmed: {}", dash.body);
    assert!(dash.body.contains("needed by 2024-01-31, overdue"), "overdue requests stay listed: {}", dash.body);
    let receipt =
        w.app.view().await.state.support.deliveries[&concord_core::support::DeliveryId::FIRST].receipt.clone();
    assert_eq!(receipt.and_then(|r| r.note).as_deref(), Some("Ten kits, in good order"));
    // Confirmed once: again is refused, and shown with the refusal.
    let before = w.log_size().await;
    let again = w.post(&ukr, "/support/deliveries/1/confirm", &form).await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again.body.contains(r#"class="alert""#), "{}", again.body);
    assert_eq!(w.log_size().await, before);
}
