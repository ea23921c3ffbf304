//! The authorization matrix: every write the API documents × every kind of caller, against a
//! real server on a loopback port.
//!
//! The writes are enumerated from the OpenAPI document the server serves (itself derived from
//! the handlers' annotations), and every one must have a row here: a new endpoint without a row
//! fails [`every_documented_write_has_a_row`] by name. Each row builds a request that one of the
//! allowed callers makes successfully; every other caller (another member, another partner, the
//! observer, no token at all) is refused with a problem document — 401 without a token, 403
//! otherwise — and the log does not grow. Then each allowed caller makes the request (freshly
//! built) and succeeds, which shows the refusals were about who asked, not about the request.
//!
//! Whether the document lists every route the router answers is checked in
//! [`every_route_of_the_router_is_documented`].

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{Alliance, hours_from_now};
use concord_ledger::keys::Signer;
use reqwest::Method;
use serde_json::{Value, json};

/// Who calls. "Own" and "other" are relative to the resource a row acts on: the fixture's own
/// member is BEL and its own partner UKR; CAN and MDA are the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Secretariat,
    OwnMember,
    OtherMember,
    OwnPartner,
    OtherPartner,
    Observer,
    Anonymous,
}

const ROLES: [Role; 7] = [
    Role::Secretariat,
    Role::OwnMember,
    Role::OtherMember,
    Role::OwnPartner,
    Role::OtherPartner,
    Role::Observer,
    Role::Anonymous,
];

const OWN_MEMBER: &str = "BEL";
const OWN_PARTNER: &str = "UKR";

/// The server, the tokens of every role, and a counter for fresh names.
struct Fx {
    a: Alliance,
    own_partner: String,
    other_partner: String,
    fresh: AtomicU32,
}

impl Fx {
    async fn start() -> Self {
        let a = Alliance::start().await;
        for (code, name) in [(OWN_PARTNER, "Ukraine"), ("MDA", "Moldova")] {
            a.post(&a.secretariat, "/api/v1/partners", &json!({ "code": code, "name": name })).await.expect_status(201);
        }
        let own_partner = a.partner_token(OWN_PARTNER).await;
        let other_partner = a.partner_token("MDA").await;
        Self { a, own_partner, other_partner, fresh: AtomicU32::new(0) }
    }

    fn token(&self, role: Role) -> Option<&str> {
        match role {
            Role::Secretariat => Some(&self.a.secretariat),
            Role::OwnMember => Some(self.a.token(OWN_MEMBER)),
            Role::OtherMember => Some(self.a.token("CAN")),
            Role::OwnPartner => Some(&self.own_partner),
            Role::OtherPartner => Some(&self.other_partner),
            Role::Observer => Some(&self.a.observer),
            Role::Anonymous => None,
        }
    }

    fn sec(&self) -> &str {
        &self.a.secretariat
    }

    /// A number not used before in this fixture.
    fn next(&self) -> u32 {
        self.fresh.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh country: (alpha-3, alpha-2, numeric). The codes are user-assigned ISO ranges,
    /// which no real state holds.
    fn country(&self) -> (String, String, String) {
        let n = self.next();
        let (a, b) = (char::from(b'A' + (n / 26 % 26) as u8), char::from(b'A' + (n % 26) as u8));
        (format!("X{a}{b}"), format!("Q{a}"), format!("{:03}", 900 + n % 100))
    }

    /// POSTs as the secretariat (or `token`), expecting 200 or 201; returns the body.
    async fn setup(&self, token: &str, path: &str, body: Value) -> Value {
        let r = self.a.post(token, path, &body).await;
        assert!(matches!(r.status, 200 | 201), "setup POST {path} {body}: {} {}", r.status, r.json);
        r.json
    }

    /// A fresh body of three founders whose rules allow proxies; its id.
    async fn body_with_proxies(&self) -> String {
        let id = format!("proxied-{}", self.next());
        let body = json!({ "id": id, "name": "A council", "proxies": true,
            "roster": { "roster": "members", "members": [OWN_MEMBER, "CAN", "DNK"] } });
        self.setup(self.sec(), "/api/v1/bodies", body).await;
        id
    }

    async fn draft(&self) -> u64 {
        self.a.draft("statement", &format!("Statement {}", self.next())).await
    }

    async fn open_proposal(&self) -> u64 {
        let id = self.draft().await;
        self.a.circulate(id, "consensus_round", hours_from_now(48)).await;
        id
    }

    /// An adopted assistance programme, as a fund needs.
    async fn adopted_programme(&self) -> u64 {
        let id = self.a.draft("assistance_programme", &format!("Programme {}", self.next())).await;
        self.a.circulate(id, "consensus_round", hours_from_now(48)).await;
        // Every elector concurs: the founders, and the members other rows admitted.
        let grid = self.a.get(&self.a.secretariat, &format!("/api/v1/proposals/{id}/positions")).await;
        for elector in grid.expect_status(200)["electors"].as_array().expect("electors") {
            let token = self.a.member_token(elector["member"].as_str().expect("a code")).await;
            self.a.position(&token, id, 1, "concur", None).await.expect_status(201);
        }
        id
    }

    fn pledge_body(&self) -> Value {
        json!({
            "donor": OWN_MEMBER, "recipient": OWN_PARTNER, "channel": "bilateral", "category": "medical",
            "capability": "medical", "range": "not_applicable", "item": "field hospitals", "quantity": 10,
            "value": { "minor_units": 1_000_000, "currency": "EUR" }, "valuation": "reported_by_donor",
            "announced_on": "2024-01-16", "status": "committed"
        })
    }

    /// A committed pledge of the own member to the own partner.
    async fn pledge(&self) -> u64 {
        let p = self.setup(self.sec(), "/api/v1/pledges", self.pledge_body()).await;
        p["id"].as_u64().expect("a pledge id")
    }

    /// A delivery of such a pledge.
    async fn delivery(&self) -> u64 {
        let pledge = self.pledge().await;
        let d = self.setup(self.sec(), &format!("/api/v1/pledges/{pledge}/deliveries"), delivery_body()).await;
        d["id"].as_u64().expect("a delivery id")
    }

    /// A new Ed25519 verifier key for the own member, named as the test log requires.
    fn member_key(&self) -> String {
        let mut seed = [1u8; 32];
        seed[..4].copy_from_slice(&self.next().to_be_bytes());
        let name = format!("test.concord.example/log/member/{OWN_MEMBER}");
        Signer::from_seed(&name, seed).expect("a valid key name").verifier().to_string()
    }
}

fn delivery_body() -> Value {
    json!({ "delivered_on": "2024-03-01", "quantity": 1, "value": { "minor_units": 100_000, "currency": "EUR" } })
}

fn request_body() -> Value {
    json!({
        "partner": OWN_PARTNER, "category": "medical", "capability": "medical", "description": "field hospitals",
        "quantity": 10, "unit": "hospitals", "priority": "high", "needed_by": "2030-12-31"
    })
}

/// A request to make: the address and the JSON body.
struct Req {
    path: String,
    body: Value,
}

fn req(path: impl Into<String>, body: Value) -> Req {
    Req { path: path.into(), body }
}

type Build = for<'a> fn(&'a Fx) -> Pin<Box<dyn Future<Output = Req> + 'a>>;

/// One write: its method and path template as documented, who may make it, and how to build a
/// request that an allowed caller makes successfully.
struct Row {
    op: &'static str,
    allowed: &'static [Role],
    build: Build,
}

macro_rules! row {
    ($op:literal, [$($role:ident),*], |$fx:ident| $body:expr) => {
        Row { op: $op, allowed: &[$(Role::$role),*], build: |$fx| Box::pin(async move { $body }) }
    };
}

fn rows() -> Vec<Row> {
    vec![
        row!("POST /api/v1/members", [Secretariat], |fx| {
            let (code, alpha2, numeric) = fx.country();
            req(
                "/api/v1/members",
                json!({ "code": code, "alpha2": alpha2, "numeric": numeric, "name": "Testland", "accession": "2000-01-01" }),
            )
        }),
        row!("POST /api/v1/members/{code}/departure", [Secretariat], |fx| {
            let (code, alpha2, numeric) = fx.country();
            let member = json!({ "code": code, "alpha2": alpha2, "numeric": numeric, "name": "Leaving", "accession": "2000-01-01" });
            fx.setup(fx.sec(), "/api/v1/members", member).await;
            req(format!("/api/v1/members/{code}/departure"), json!({ "on": "2001-01-01" }))
        }),
        row!("POST /api/v1/members/{code}/keys", [Secretariat], |fx| {
            req(format!("/api/v1/members/{OWN_MEMBER}/keys"), json!({ "key": fx.member_key() }))
        }),
        row!("POST /api/v1/members/{code}/keys/{key_id}/revoke", [Secretariat, OwnMember], |fx| {
            let keys = fx
                .setup(fx.sec(), &format!("/api/v1/members/{OWN_MEMBER}/keys"), json!({ "key": fx.member_key() }))
                .await;
            let key_id = last_key_id(&keys);
            req(format!("/api/v1/members/{OWN_MEMBER}/keys/{key_id}/revoke"), json!({}))
        }),
        row!("POST /api/v1/partners", [Secretariat], |fx| {
            let (code, ..) = fx.country();
            req("/api/v1/partners", json!({ "code": code, "name": "Partnerland" }))
        }),
        row!("POST /api/v1/bodies", [Secretariat], |fx| {
            let id = format!("body-{}", fx.next());
            req("/api/v1/bodies", json!({ "id": id, "name": "A committee", "roster": { "roster": "all_members" } }))
        }),
        row!("POST /api/v1/bodies/{id}/rule", [Secretariat], |fx| {
            let id = format!("ruled-{}", fx.next());
            let body = json!({ "id": id, "name": "A committee", "roster": { "roster": "all_members" } });
            fx.setup(fx.sec(), "/api/v1/bodies", body).await;
            req(format!("/api/v1/bodies/{id}/rule"), json!({ "rule": { "rule": "consensus" }, "reason": "review" }))
        }),
        row!("POST /api/v1/chairs", [Secretariat], |_fx| req("/api/v1/chairs", json!({ "chair": "secretariat" }))),
        row!("POST /api/v1/bodies/{id}/proxies", [OwnMember], |fx| {
            let id = fx.body_with_proxies().await;
            let until = hours_from_now(48).to_string();
            req(format!("/api/v1/bodies/{id}/proxies"), json!({ "member": OWN_MEMBER, "proxy": "DNK", "until": until }))
        }),
        row!("POST /api/v1/bodies/{id}/proxies/{member}/end", [OwnMember], |fx| {
            let id = fx.body_with_proxies().await;
            let proxy = json!({ "member": OWN_MEMBER, "proxy": "DNK", "until": hours_from_now(48).to_string() });
            fx.setup(fx.a.token(OWN_MEMBER), &format!("/api/v1/bodies/{id}/proxies"), proxy).await;
            req(format!("/api/v1/bodies/{id}/proxies/{OWN_MEMBER}/end"), json!({}))
        }),
        row!("POST /api/v1/populations", [Secretariat], |fx| {
            let year = 2000 + fx.next() % 900;
            req("/api/v1/populations", json!({ "year": year, "source": "a test", "figures": { OWN_MEMBER: 1000 } }))
        }),
        row!("POST /api/v1/proposals", [Secretariat], |_fx| {
            req(
                "/api/v1/proposals",
                json!({ "kind": "statement", "title": "A statement", "text": "The alliance states." }),
            )
        }),
        row!("POST /api/v1/proposals/{id}/circulate", [Secretariat], |fx| {
            let id = fx.draft().await;
            let body = json!({ "procedure": "silence", "deadline": hours_from_now(24).to_string() });
            req(format!("/api/v1/proposals/{id}/circulate"), body)
        }),
        row!("POST /api/v1/log/entries/{seq}/publication", [Secretariat], |fx| {
            // A member's position: the members', until published.
            let id = fx.open_proposal().await;
            let token = fx.a.member_token(OWN_MEMBER).await;
            fx.a.position(&token, id, 1, "concur", None).await.expect_status(201);
            let seq = fx.a.log_size().await - 1;
            req(format!("/api/v1/log/entries/{seq}/publication"), json!({ "marking": "public" }))
        }),
        row!("POST /api/v1/proposals/{id}/amend", [Secretariat], |fx| {
            let id = fx.draft().await;
            req(format!("/api/v1/proposals/{id}/amend"), json!({ "text": "The alliance states, amended." }))
        }),
        row!("POST /api/v1/proposals/{id}/extend", [Secretariat], |fx| {
            let id = fx.open_proposal().await;
            req(format!("/api/v1/proposals/{id}/extend"), json!({ "deadline": hours_from_now(96).to_string() }))
        }),
        row!("POST /api/v1/proposals/{id}/curtail", [Secretariat], |fx| {
            let id = fx.open_proposal().await;
            req(format!("/api/v1/proposals/{id}/curtail"), json!({ "deadline": hours_from_now(24).to_string() }))
        }),
        row!("POST /api/v1/proposals/{id}/withdraw", [Secretariat], |fx| {
            let id = fx.draft().await;
            req(format!("/api/v1/proposals/{id}/withdraw"), json!({ "reason": "overtaken by events" }))
        }),
        row!("POST /api/v1/proposals/{id}/reopen", [Secretariat], |fx| {
            let id = fx.open_proposal().await;
            let token = fx.a.member_token(OWN_MEMBER).await;
            fx.a.position(&token, id, 1, "object", Some("Not this text.")).await.expect_status(201);
            req(format!("/api/v1/proposals/{id}/reopen"), json!({ "reason": "A revised text is negotiated." }))
        }),
        row!("POST /api/v1/proposals/{id}/positions", [OwnMember], |fx| {
            let id = fx.open_proposal().await;
            req(
                format!("/api/v1/proposals/{id}/positions"),
                json!({ "member": OWN_MEMBER, "revision": 1, "stance": "concur" }),
            )
        }),
        row!("POST /api/v1/proposals/{id}/instructions", [OwnMember], |fx| {
            let id = fx.open_proposal().await;
            req(
                format!("/api/v1/proposals/{id}/instructions"),
                json!({ "member": OWN_MEMBER, "note": "Brussels decides." }),
            )
        }),
        row!("POST /api/v1/donors", [Secretariat], |fx| {
            let (code, ..) = fx.country();
            req("/api/v1/donors", json!({ "code": code, "name": "Donorland" }))
        }),
        row!("POST /api/v1/requests", [OwnPartner], |_fx| req("/api/v1/requests", request_body())),
        row!("POST /api/v1/requests/{id}/withdraw", [OwnPartner], |fx| {
            let r = fx.setup(&fx.own_partner, "/api/v1/requests", request_body()).await;
            let id = r["id"].as_u64().expect("a request id");
            req(format!("/api/v1/requests/{id}/withdraw"), json!({ "reason": "met elsewhere" }))
        }),
        row!("POST /api/v1/pledges", [Secretariat, OwnMember], |fx| req("/api/v1/pledges", fx.pledge_body())),
        row!("POST /api/v1/pledges/import", [Secretariat, OwnMember], |fx| {
            let mut row = fx.pledge_body();
            row.as_object_mut().expect("an object").remove("status");
            req("/api/v1/pledges/import", json!({ "pledges": [row] }))
        }),
        row!("POST /api/v1/pledges/{id}/status", [Secretariat, OwnMember], |fx| {
            let id = fx.pledge().await;
            req(format!("/api/v1/pledges/{id}/status"), json!({ "status": "allocated" }))
        }),
        row!("POST /api/v1/pledges/{id}/deliveries", [Secretariat, OwnMember], |fx| {
            let id = fx.pledge().await;
            req(format!("/api/v1/pledges/{id}/deliveries"), delivery_body())
        }),
        row!("POST /api/v1/pledges/{id}/corrections", [Secretariat, OwnMember], |fx| {
            let id = fx.pledge().await;
            let body = json!({
                "delivered_on": "2024-03-02", "quantity": 11,
                "value": { "minor_units": 1_100_000, "currency": "EUR" }, "reason": "one more arrived"
            });
            req(format!("/api/v1/pledges/{id}/corrections"), body)
        }),
        row!("POST /api/v1/deliveries/{id}/receipt", [OwnPartner], |fx| {
            let id = fx.delivery().await;
            req(format!("/api/v1/deliveries/{id}/receipt"), json!({ "note": "received" }))
        }),
        row!("POST /api/v1/coalitions", [Secretariat], |fx| {
            let body = json!({ "name": format!("Coalition {}", fx.next()), "capability": "air_defence", "leads": ["CAN"], "participants": ["CAN"] });
            req("/api/v1/coalitions", body)
        }),
        row!("POST /api/v1/coalitions/{id}/participants", [Secretariat, OwnMember], |fx| {
            let body = json!({ "name": format!("Coalition {}", fx.next()), "capability": "air_defence", "leads": ["CAN"], "participants": ["CAN"] });
            let c = fx.setup(fx.sec(), "/api/v1/coalitions", body).await;
            let id = c["id"].as_u64().expect("a coalition id");
            req(format!("/api/v1/coalitions/{id}/participants"), json!({ "participant": OWN_MEMBER }))
        }),
        row!("POST /api/v1/funds", [Secretariat], |fx| {
            let decision = fx.adopted_programme().await;
            let body = json!({ "name": "Assistance fund", "channel": "alliance_fund", "policy": "non_lethal_only", "authorised_by": decision });
            req("/api/v1/funds", body)
        }),
        row!("POST /api/v1/exchange-rates", [Secretariat], |fx| {
            let day = jiff::civil::date(2024, 1, 1) + jiff::Span::new().days(i64::from(fx.next()));
            req("/api/v1/exchange-rates", json!({ "from": "USD", "to": "EUR", "rate": "0.9", "on": day.to_string() }))
        }),
        // Where a reader's own notices go: every office manages its own (an observer's token is
        // shared by the public, so it subscribes to nothing but reads its notices on the web).
        row!("POST /api/v1/webhooks", [Secretariat, OwnMember, OtherMember, OwnPartner, OtherPartner], |fx| {
            let url = format!("https://hooks.example/{}", fx.next());
            req("/api/v1/webhooks", json!({ "url": url }))
        }),
        row!("DELETE /api/v1/webhooks/{id}", [Secretariat, OwnMember], |fx| {
            let made =
                fx.setup(fx.a.token(OWN_MEMBER), "/api/v1/webhooks", json!({ "url": "https://hooks.example/x" })).await;
            req(format!("/api/v1/webhooks/{}", made["id"].as_str().expect("an id")), json!({}))
        }),
        row!("POST /api/v1/webhooks/{id}/enable", [Secretariat, OwnMember], |fx| {
            let made =
                fx.setup(fx.a.token(OWN_MEMBER), "/api/v1/webhooks", json!({ "url": "https://hooks.example/y" })).await;
            req(format!("/api/v1/webhooks/{}/enable", made["id"].as_str().expect("an id")), json!({}))
        }),
        row!("POST /api/v1/contacts", [Secretariat, OwnMember, OtherMember, OwnPartner, OtherPartner], |fx| {
            req(
                "/api/v1/contacts",
                json!({ "email": format!("duty{}@example.org", fx.next()), "time_zone": "Europe/Brussels" }),
            )
        }),
        row!("DELETE /api/v1/contacts/{email}", [Secretariat, OwnMember], |fx| {
            let email = format!("gone{}@example.org", fx.next());
            fx.setup(fx.a.token(OWN_MEMBER), "/api/v1/contacts", json!({ "email": email, "time_zone": "UTC" })).await;
            req(format!("/api/v1/contacts/{email}"), json!({}))
        }),
        row!(
            "POST /api/v1/notices/read",
            [Secretariat, OwnMember, OtherMember, OwnPartner, OtherPartner, Observer],
            |_fx| {
                let nothing = json!({});
                req("/api/v1/notices/read", nothing)
            }
        ),
        row!("POST /api/v1/calendar-feeds", [Secretariat, OwnMember, OtherMember, OwnPartner, OtherPartner], |_fx| {
            let nothing = json!({});
            req("/api/v1/calendar-feeds", nothing)
        }),
        row!("DELETE /api/v1/calendar-feeds/{id}", [Secretariat, OwnMember], |fx| {
            let made = fx.setup(fx.a.token(OWN_MEMBER), "/api/v1/calendar-feeds", json!({})).await;
            req(format!("/api/v1/calendar-feeds/{}", made["id"].as_str().expect("an id")), json!({}))
        }),
        row!("POST /api/v1/gdp", [Secretariat], |fx| {
            let year = 1950 + i64::from(fx.next());
            req(
                "/api/v1/gdp",
                json!({ "member": OWN_MEMBER, "year": year, "value": 655, "unit": "USD billion", "source": "IMF WEO" }),
            )
        }),
    ]
}

/// The id of the last key in a "the member's keys" answer.
fn last_key_id(keys: &Value) -> String {
    let list = keys.as_array().or_else(|| keys["keys"].as_array()).expect("a list of keys");
    let key = list.last().expect("a key");
    key["key_id"].as_str().or_else(|| key["id"].as_str()).expect("a key id").to_owned()
}

/// The writes the served OpenAPI document lists, as `METHOD /path`.
async fn documented_writes(fx: &Fx) -> BTreeSet<String> {
    let doc = fx.a.get_anon("/api/openapi.json").await;
    let doc = doc.expect_status(200);
    let mut writes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                writes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    writes
}

#[tokio::test]
async fn every_documented_write_has_a_row() {
    let fx = Fx::start().await;
    let documented = documented_writes(&fx).await;
    let rows: BTreeSet<String> = rows().iter().map(|r| r.op.to_owned()).collect();
    let missing: Vec<_> = documented.difference(&rows).collect();
    assert!(missing.is_empty(), "writes with no row in the authorization matrix: {missing:?}");
    let stale: Vec<_> = rows.difference(&documented).collect();
    assert!(stale.is_empty(), "rows for writes the document does not list: {stale:?}");
}

/// Sends `r` as `role`.
async fn send(fx: &Fx, role: Role, method: &Method, r: &Req) -> common::Resp {
    let mut b = fx.a.client.request(method.clone(), fx.a.url(&r.path)).json(&r.body);
    if let Some(t) = fx.token(role) {
        b = b.bearer_auth(t);
    }
    fx.a.send(b).await
}

#[tokio::test]
async fn every_write_refuses_every_caller_not_allowed_and_changes_nothing() {
    let fx = Fx::start().await;
    for row in rows() {
        let (method, _) = row.op.split_once(' ').expect("METHOD /path");
        let method: Method = method.parse().expect("a method");
        let shared = (row.build)(&fx).await;
        for role in ROLES.into_iter().filter(|r| !row.allowed.contains(r)) {
            let before = fx.a.log_size().await;
            let r = send(&fx, role, &method, &shared).await;
            let (status, slug) = if role == Role::Anonymous {
                (401, "unauthenticated")
            } else {
                (403, r.json["type"].as_str().unwrap_or(""))
            };
            assert_eq!(
                r.status, status,
                "{} ({}) as {role:?}: expected {status}, got {} {}",
                row.op, shared.path, r.status, r.json
            );
            let slug = slug.trim_start_matches("urn:concord:problem:");
            common::assert_problem(&r, status, slug);
            assert_eq!(fx.a.log_size().await, before, "{} as {role:?} was refused but the log grew", row.op);
        }
        for &role in row.allowed {
            let fresh = (row.build)(&fx).await;
            let r = send(&fx, role, &method, &fresh).await;
            assert!(
                matches!(r.status, 200 | 201),
                "{} ({}) as {role:?} is allowed, but got {} {}",
                row.op,
                fresh.path,
                r.status,
                r.json
            );
        }
    }
}

/// The routes the router serves, as `(METHOD, path template)`, read from the handlers' source.
///
/// axum's `Router` cannot list its routes, so this reads the `.route("…", get(…).post(…))`
/// calls of the API modules, the only place routes are declared; the test below then checks
/// on the live server that every route read here really answers, so a mistake in this reading
/// cannot hide a route. Written by hand: the calls have one fixed shape, and a parser crate would
/// be more code than this.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("the api sources") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a source file");
        for call in text.split(".route(\"").skip(1) {
            let (route, rest) = call.split_once('"').expect("a route literal");
            // The method routers of this call: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let methods = &rest[..end];
            for m in ["get", "post", "put", "patch", "delete"] {
                let called = methods.match_indices(&format!("{m}(")).any(|(i, _)| {
                    i == 0 || !methods[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if called {
                    routes.insert((m.to_uppercase(), route.to_owned()));
                }
            }
        }
    }
    routes
}

/// A concrete address for a path template.
fn concrete(template: &str) -> String {
    template.replace("{code}", OWN_MEMBER).replace("{key_id}", "nokey").replace("{*path}", "x").replace("{id}", "1")
}

#[tokio::test]
async fn every_route_of_the_router_is_documented() {
    let fx = Fx::start().await;
    let doc = fx.a.get_anon("/api/openapi.json").await;
    let doc = doc.expect_status(200).clone();
    let paths = doc["paths"].as_object().expect("paths");
    let routes = routes_in_source();
    assert!(routes.len() >= 40, "the source reading found too few routes: {routes:?}");

    let mut undocumented = Vec::new();
    for (method, route) in &routes {
        // The routes outside /api/v1 (a static mirror's tiles) are not the JSON API.
        if !route.starts_with("/api/") && !paths.contains_key(route) {
            continue;
        }
        if paths.get(route).and_then(|p| p.get(method.to_lowercase())).is_none() {
            undocumented.push(format!("{method} {route}"));
        }
    }
    assert!(undocumented.is_empty(), "routes the OpenAPI document does not list: {undocumented:?}");

    // Every route read from the source answers, and so does every documented operation: neither
    // the router's catch-all 404 nor a 405.
    let documented = paths.iter().flat_map(|(p, item)| {
        item.as_object().expect("a path item").keys().map(move |m| (m.to_uppercase(), p.clone()))
    });
    let probed = routes.iter().filter(|(_, r)| r.starts_with("/api/") || paths.contains_key(r)).cloned();
    for (method, route) in probed.chain(documented) {
        let method: Method = method.parse().expect("a method");
        let b = fx.a.client.request(method.clone(), fx.a.url(&concrete(&route))).bearer_auth(fx.sec()).json(&json!({}));
        let r = fx.a.send(b).await;
        assert_ne!(r.status, 405, "{method} {route} is not routed");
        // The catch-all's sentence (`not_found` in lib.rs); a handler's 404 names what is missing.
        assert_ne!(r.json["detail"], "there is nothing at this address", "{method} {route} is not routed");
    }
}
