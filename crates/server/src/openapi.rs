//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/openapi.json`, with the calls Concord makes to its webhook subscribers under
//! `webhooks`.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, Required, Type};

use crate::api;

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Concord API", description = "Consensus decisions and support coordination for an alliance of states. Errors are RFC 9457 problem documents; times are RFC 3339; countries ISO 3166-1 alpha-3."),
    paths(
        api::health::healthz, api::health::readyz,
        api::members::list, api::members::show, api::members::admit, api::members::depart, api::members::register_key, api::members::revoke_key,
        api::partners::list, api::partners::register,
        api::bodies::list, api::bodies::show, api::bodies::establish, api::bodies::change_rule,
        api::bodies::chairs, api::bodies::appoint_chair,
        api::bodies::proxies, api::bodies::authorise_proxy, api::bodies::end_proxy,
        api::populations::list, api::populations::show, api::populations::record,
        api::proposals::list, api::proposals::show, api::proposals::draft, api::proposals::circulate,
        api::proposals::amend, api::proposals::extend, api::proposals::curtail, api::proposals::withdraw, api::proposals::reopen,
        api::proposals::outcome, api::positions::positions, api::positions::take_position, api::positions::await_instructions,
        api::support::register_donor, api::support::file_request, api::support::withdraw_request,
        api::support::record_pledge, api::support::import_pledges, api::support::change_status, api::support::record_delivery,
        api::support::correct_deliveries, api::support::confirm_receipt, api::support::form_coalition,
        api::support::join_coalition, api::support::create_fund, api::support::record_rate,
        api::support::report_totals, api::support::report_delivery, api::support::report_gaps, api::support::report_shares,
        api::burden::record_gdp, api::burden::report_burden, crate::exports::export,
        api::support_reads::list_requests, api::support_reads::show_request, api::support_reads::list_pledges,
        api::support_reads::show_pledge, api::support_reads::list_pledge_deliveries, api::support_reads::show_delivery,
        api::support_registers::list_coalitions, api::support_registers::show_coalition, api::support_registers::list_funds,
        api::support_registers::show_fund, api::support_registers::list_donors, api::support_registers::list_rates,
        api::log::entries, api::log::publish, api::log::checkpoint, api::log::inclusion, api::log::consistency,
        api::notices::inbox, api::notices::mark_read, api::notices::outbox,
        api::subscriptions::create_webhook, api::subscriptions::list_webhooks, api::subscriptions::delete_webhook,
        api::subscriptions::enable_webhook, api::subscriptions::set_contact, api::subscriptions::list_contacts,
        api::subscriptions::delete_contact, api::subscriptions::create_feed, api::subscriptions::list_feeds,
        api::subscriptions::delete_feed,
    ),
    components(schemas(concord_core::support::Measure, concord_core::notice::Notice, concord_core::notice::What, WebhookEnvelope)),
    modifiers(&Bearer, &Writes, &Problems),
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("cct_…").build()),
        );
    }
}

/// Every write goes through the [`api::Write`] extractor, which reads `Idempotency-Key` and
/// refuses a key that is not 1 to 255 visible ASCII characters: so every write documents the
/// header, here in one place rather than in each annotation (where it was missing or unbounded).
struct Writes;

/// The name of the idempotency header, as documented.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

impl utoipa::Modify for Writes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
                let params = op.parameters.get_or_insert_with(Vec::new);
                params.retain(|p| !p.name.eq_ignore_ascii_case(IDEMPOTENCY_KEY));
                params.push(
                    ParameterBuilder::new()
                        .name(IDEMPOTENCY_KEY)
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some(
                            "Makes a retried write safe: the same key with the same request answers with the first \
                             reply; with a different request it is refused (422).",
                        ))
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .min_length(Some(1))
                                .max_length(Some(255))
                                .pattern(Some("^[\\x21-\\x7E]+$")),
                        ))
                        .build(),
                );
            }
        }
    }
}

/// The problem responses each operation can give, added where its annotation does not already
/// say more. They follow from how the handlers are built rather than from each handler's body,
/// which is why they are derived here from the operation's shape:
///
/// - a bearer-secured operation answers 401 without a valid token (the `Caller` extractor);
/// - an operation with parameters or a body answers 400 to one it cannot read (the `Query`,
///   `Path` and `Write` extractors);
/// - a write is decided by the domain, whose refusals map to 403, 404, 409 and 422
///   ([`ApiError::parts`](crate::problem::ApiError)), and the `Write` extractor refuses an
///   oversized body (413), a body that is not JSON (415) and a reused key (422);
/// - a read of one resource by its address answers 404 when there is none;
/// - everything under `/api/v1` answers 503 when the database or the sequencer cannot serve.
struct Problems;

/// (status, component name, description) of the shared problem responses.
const PROBLEMS: [(&str, &str, &str); 9] = [
    ("400", "BadRequest", "The request cannot be read: a malformed parameter, header or body."),
    ("401", "Unauthenticated", "No valid bearer token."),
    ("403", "Forbidden", "The caller may not do this."),
    ("404", "NotFound", "No such resource."),
    ("409", "Conflict", "Refused in the resource's present state."),
    ("413", "PayloadTooLarge", "The body is larger than accepted."),
    ("415", "UnsupportedMediaType", "The body is not sent as JSON."),
    ("422", "Unprocessable", "Well-formed but invalid, or an Idempotency-Key reused for a different request."),
    ("503", "Unavailable", "The database or the sequencer cannot serve now; retry after Retry-After seconds."),
];

fn problem_response(status: &str, description: &str) -> Response {
    let string = || ObjectBuilder::new().schema_type(Type::String).build();
    let mut r = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
    );
    // Only headers the server always sends with this status (see `ApiError::into_response`).
    match status {
        "401" => r = r.header("WWW-Authenticate", HeaderBuilder::new().schema(string()).build()),
        "503" => r = r.header("Retry-After", HeaderBuilder::new().schema(string()).build()),
        _ => {}
    }
    r.build()
}

/// The statuses `op` at `path` can answer with a problem document (see [`Problems`]).
fn problem_statuses(path: &str, op: &Operation, write: bool) -> Vec<&'static str> {
    let mut statuses = Vec::new();
    let api = path.starts_with("/api/");
    let has_input = op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
    if has_input {
        statuses.push("400");
    }
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        statuses.push("401");
    }
    if write {
        statuses.extend(["403", "404", "409", "413", "415", "422"]);
    } else if path.contains('{') {
        statuses.push("404");
    }
    if api {
        statuses.push("503");
    }
    statuses
}

impl utoipa::Modify for Problems {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (status, name, description) in PROBLEMS {
            components.responses.insert(name.to_owned(), RefOr::T(problem_response(status, description)));
        }
        for (path, item) in &mut doc.paths.paths {
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (op, write) in ops {
                let Some(op) = op.as_mut() else { continue };
                for status in problem_statuses(path, op, write) {
                    let name = PROBLEMS.iter().find(|(s, ..)| *s == status).map(|(_, n, _)| *n).unwrap_or("BadRequest");
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// The body of every webhook call: the Standard Webhooks envelope around one notice, as
/// `concord_notify::webhook::payload` writes it. Deserialising a delivered body into it (the
/// webhook tests do) checks that the document describes what is sent.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEnvelope {
    /// `notice.` and the notice's kind: `notice.circulated`, `notice.reminder`, ...
    #[serde(rename = "type")]
    #[schema(example = "notice.circulated")]
    pub kind: String,
    /// When the notice became due (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: jiff::Timestamp,
    pub data: concord_core::notice::Notice,
}

/// OpenAPI 3.1's `webhooks`: the call each subscriber receives. utoipa has no field for them,
/// so they are added to the document as JSON.
fn webhooks() -> serde_json::Value {
    let header = |name: &str, description: &str| {
        serde_json::json!({ "name": name, "in": "header", "required": true, "description": description,
            "schema": { "type": "string" } })
    };
    serde_json::json!({
        "notice": { "post": {
            "operationId": "notice_webhook",
            "tags": ["notices"],
            "summary": "A notice, POSTed to a subscriber's URL",
            "description": "Signed as the Standard Webhooks specification says (standardwebhooks.com). \
                Delivered at least once: a receiver de-duplicates by `webhook-id`, which is the same on every \
                retry. Retried with backoff (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, or when the \
                receiver's `Retry-After` says, at most 24 h) and given up after 10 attempts; a subscription is \
                disabled after 10 failed deliveries in a row, and its owner is told on the web. Carries what its reader may read, never a proposal's text.",
            "parameters": [
                header("webhook-id", "The message id: the receiver's de-duplication key."),
                header("webhook-timestamp", "When this attempt was sent, in unix seconds: refuse a stale one."),
                header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` \
                    under the secret given when subscribing (the base64 after `whsec_`)."),
            ],
            "requestBody": { "required": true, "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/WebhookEnvelope" } } } },
            "responses": {
                "2XX": { "description": "Delivered: it is not sent again." },
                "410": { "description": "Gone: the subscription is disabled at once." },
                "default": { "description": "Anything else, or no answer within 15 s: retried later." }
            }
        } }
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Result<Json<serde_json::Value>, crate::problem::ApiError> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())
        .map_err(|e| crate::problem::ApiError::Internal(format!("the OpenAPI document: {e}")))?;
    if let Some(doc) = doc.as_object_mut() {
        doc.insert("webhooks".to_owned(), webhooks());
    }
    Ok(Json(doc))
}
