//! The OpenAPI document the server serves is valid OpenAPI 3.1 and true to the server: unique
//! operation ids, every `$ref` resolving, the problem statuses and the bounds that the handlers
//! really apply. Checked on the document as served by a real server on a loopback port.

mod common;

use std::collections::BTreeMap;

use common::Server;
use serde_json::{Value, json};

async fn served(s: &Server) -> Value {
    let r = s.get_anon("/api/openapi.json").await;
    r.expect_status(200).clone()
}

/// Every `$ref` in `v`, with the JSON path where it sits.
fn refs<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "$ref" {
                    if let Some(r) = x.as_str() {
                        out.push((at.clone(), r));
                    }
                } else {
                    refs(x, format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                refs(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `(METHOD, path, operation)` for every operation.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            ops.push((method.to_uppercase(), path.clone(), op));
        }
    }
    ops
}

/// A parameter of an operation by name.
fn param<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    op["parameters"].as_array()?.iter().find(|p| p["name"] == name)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let s = Server::start().await;
    let doc = served(&s).await;

    let spec = oas3::from_json(doc.to_string()).expect("the document parses as OpenAPI");
    let version = spec.validate_version().expect("an OpenAPI 3.1 version");
    assert_eq!((version.major, version.minor), (3, 1));
    let mut ops = 0;
    for (path, method, op) in spec.operations() {
        ops += 1;
        op.parameters(&spec).unwrap_or_else(|e| panic!("{method} {path}: a parameter does not resolve: {e}"));
        op.request_body(&spec).unwrap_or_else(|e| panic!("{method} {path}: the request body does not resolve: {e}"));
        assert!(!op.responses(&spec).is_empty(), "{method} {path} documents no response");
    }
    assert!(ops >= 50, "only {ops} operations");

    // Unique operation ids (a client generator names its methods after them).
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        ids.entry(id).or_default().push(format!("{method} {path}"));
    }
    let duplicates: Vec<_> = ids.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(duplicates.is_empty(), "duplicate operationIds: {duplicates:?}");

    // Every local reference resolves (and there are no others).
    let mut all = Vec::new();
    refs(&doc, String::new(), &mut all);
    assert!(all.len() > 100, "suspiciously few references: {}", all.len());
    let dangling: Vec<_> = all
        .iter()
        .filter(|(_, r)| r.strip_prefix('#').and_then(|p| doc.pointer(p)).is_none())
        .map(|(at, r)| format!("{at}: {r}"))
        .collect();
    assert!(dangling.is_empty(), "references that do not resolve: {dangling:?}");
}

#[tokio::test]
async fn the_webhook_call_is_documented_with_its_signed_headers() {
    let s = Server::start().await;
    let doc = served(&s).await;
    let call = &doc["webhooks"]["notice"]["post"];
    let schema = &call["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(schema, "#/components/schemas/WebhookEnvelope");
    let envelope = &doc["components"]["schemas"]["WebhookEnvelope"];
    assert_eq!(envelope["required"], json!(["type", "timestamp", "data"]), "{envelope}");
    for header in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        assert_eq!(param(call, header).unwrap_or_else(|| panic!("{header}"))["in"], "header");
    }
}

#[tokio::test]
async fn every_operation_documents_the_problems_it_can_answer_with() {
    let s = Server::start().await;
    let doc = served(&s).await;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        let has = |status: &str| responses.contains_key(status);
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured {
            assert!(has("401"), "{method} {path}: 401 undocumented");
        }
        if method == "POST" {
            for status in ["400", "403", "404", "409", "413", "415", "422", "503"] {
                assert!(has(status), "{method} {path}: {status} undocumented");
            }
            let key = param(op, "Idempotency-Key").unwrap_or_else(|| panic!("{method} {path}: no Idempotency-Key"));
            assert_eq!(key["in"], "header");
            assert_eq!(
                (&key["schema"]["minLength"], &key["schema"]["maxLength"]),
                (&json!(1), &json!(255)),
                "{method} {path}"
            );
        }
        if path.starts_with("/api/v1/") {
            assert!(has("503"), "{method} {path}: 503 undocumented");
        }
        if path.contains('{') {
            assert!(has("400") && has("404"), "{method} {path}: 400 or 404 undocumented");
        }
    }
    // The shared problem responses are problem documents, with the headers the server sends.
    let components = &doc["components"]["responses"];
    assert!(components["Unauthenticated"]["headers"]["WWW-Authenticate"].is_object());
    assert!(components["Unavailable"]["headers"]["Retry-After"].is_object());
    assert_eq!(
        components["Conflict"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}

/// The documented page sizes are the ones the handlers accept: the bounds themselves answer 200,
/// one past them 400.
#[tokio::test]
async fn page_size_bounds_are_the_handlers_bounds() {
    let s = Server::start().await;
    let doc = served(&s).await;
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let Some(limit) = param(op, "limit") else { continue };
        let schema = &limit["schema"];
        let (min, max) = (schema["minimum"].as_u64(), schema["maximum"].as_u64());
        let (Some(min), Some(max)) = (min, max) else {
            panic!("{method} {path}: limit has no bounds: {limit}");
        };
        assert_eq!(min, 1, "{method} {path}");
        if path.contains('{') {
            continue; // a list under a resource needs the resource; its query type is shared
        }
        // The observer reads every list but the outbox, which is the secretariat's alone.
        let token = if path == "/api/v1/outbox" { s.secretariat.clone() } else { s.observer.clone() };
        let at = |n: u64| format!("{path}?limit={n}");
        for (n, status) in [(min, 200), (max, 200), (min - 1, 400), (max + 1, 400)] {
            let r = s.get(&token, &at(n)).await;
            assert_eq!(r.status, status, "{method} {} answered {} {}", at(n), r.status, r.json);
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} lists checked");
}

/// A body field the document calls required is required by the server, and the other way round
/// for the fields that were wrong: withdrawing a proposal needs a reason.
#[tokio::test]
async fn required_fields_are_the_servers() {
    let s = Server::start().await;
    let doc = served(&s).await;
    let withdraw = &doc["paths"]["/api/v1/proposals/{id}/withdraw"]["post"];
    let schema = withdraw["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .and_then(|r| doc.pointer(&r[1..]))
        .expect("the withdrawal body schema");
    assert_eq!(schema["required"], json!(["reason"]), "{schema}");

    let id = s.draft("statement", "To withdraw").await;
    s.post(&s.secretariat, &format!("/api/v1/proposals/{id}/withdraw"), &json!({}))
        .await
        .expect_problem(400, "invalid-body");
    // Every write whose body has required fields refuses an empty body as invalid.
    for (method, path, op) in operations(&doc) {
        let Some(r) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() else { continue };
        let schema = doc.pointer(&r[1..]).expect("a body schema");
        let required = schema["required"].as_array().map_or(0, Vec::len)
            + schema["allOf"].as_array().into_iter().flatten().filter(|s| s["required"].is_array()).count();
        if required == 0 {
            continue;
        }
        let address = path.replace("{code}", "FRA").replace("{key_id}", "k").replace("{id}", "1").replace("{seq}", "0");
        let r = s.post(&s.secretariat, &address, &json!({})).await;
        assert_eq!((r.status, &r.json["type"]), (400, &json!("urn:concord:problem:invalid-body")), "{method} {path}");
    }
}

/// The log's `from` is documented as int64; past it the server refused nothing and handed the
/// number to the store (found by Schemathesis). Now it is a bad query like any other.
#[tokio::test]
async fn log_entries_past_int64_are_refused() {
    let s = Server::start().await;
    let doc = served(&s).await;
    let from = param(&doc["paths"]["/api/v1/log/entries"]["get"], "from").expect("from");
    assert_eq!(from["schema"]["format"], "int64", "{from}");
    let past = format!("/api/v1/log/entries?from={}", i64::MAX as u64 + 1);
    s.get_anon(&past).await.expect_problem(400, "invalid-query");
    let last = format!("/api/v1/log/entries?from={}", i64::MAX);
    assert_eq!(s.get_anon(&last).await.expect_status(200)["entries"], json!([]));
}

/// Id parameters are documented as int64; a larger number used to match nothing and answer an
/// empty page (found by Schemathesis). It is refused now, naming the parameter.
#[tokio::test]
async fn id_parameters_past_int64_are_refused() {
    let s = Server::start().await;
    let past = i64::MAX as u64 + 1;
    for q in [
        format!("/api/v1/proposals?after={past}"),
        format!("/api/v1/coalitions?after={past}"),
        format!("/api/v1/funds?after={past}"),
        format!("/api/v1/requests?after={past}"),
        format!("/api/v1/pledges?after={past}"),
        format!("/api/v1/pledges?request={past}"),
        format!("/api/v1/pledges?fund={past}"),
    ] {
        let r = s.get(&s.observer, &q).await;
        r.expect_problem(400, "invalid-query");
        assert!(r.json["detail"].as_str().is_some_and(|d| d.contains("larger than any id")), "{q}: {}", r.json);
        let at_max = q.replace(&past.to_string(), &i64::MAX.to_string());
        s.get(&s.observer, &at_max).await.expect_status(200);
    }
}

/// `10.0` is the integer 10 in JSON and in the document's `integer`; the server refused it where
/// an integer belongs (found by Schemathesis). A fraction stays refused.
#[tokio::test]
async fn integral_numbers_written_with_a_fraction_are_integers() {
    let s = Server::start().await;
    s.post(&s.secretariat, "/api/v1/partners", &json!({ "code": "UKR", "name": "Ukraine" })).await.expect_status(201);
    let ukr = s.partner_token("UKR").await;
    let request = |quantity: Value| {
        json!({ "partner": "UKR", "category": "medical", "capability": "medical", "description": "field hospitals",
                "quantity": quantity, "unit": "hospitals", "priority": "high" })
    };
    let before = s.log_size().await;
    s.post(&ukr, "/api/v1/requests", &request(json!(10.5))).await.expect_problem(400, "invalid-body");
    s.post(&ukr, "/api/v1/requests", &request(json!("ten"))).await.expect_problem(400, "invalid-body");
    assert_eq!(s.log_size().await, before);
    let r = s.post(&ukr, "/api/v1/requests", &request(json!(10.0))).await;
    assert_eq!(r.expect_status(201)["quantity"], 10, "{}", r.json);
}

/// Support ids are numbered from 1, and the document says so wherever one is written or
/// filtered on: the server refuses an id 0 there (the document allowed it when ids became
/// non-zero, which Schemathesis would have found).
#[tokio::test]
async fn support_ids_are_documented_from_one() {
    let s = Server::start().await;
    let doc = served(&s).await;
    for name in ["RequestId", "PledgeId", "DeliveryId", "CoalitionId", "FundId"] {
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(
            (schema["type"].as_str(), schema["minimum"].as_u64()),
            (Some("integer"), Some(1)),
            "{name}: {schema}"
        );
    }
    let pledges = &doc["paths"]["/api/v1/pledges"]["get"];
    for name in ["request", "coalition", "fund"] {
        assert_eq!(param(pledges, name).expect(name)["schema"]["minimum"], 1, "{name}");
        s.get(&s.observer, &format!("/api/v1/pledges?{name}=0")).await.expect_problem(400, "invalid-query");
    }
}
