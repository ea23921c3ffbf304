//! Where a reader's notices go besides the web: webhooks (`/api/v1/webhooks`), e-mail contacts
//! (`/api/v1/contacts`), and a calendar feed of its deadlines (`/api/v1/calendar-feeds`, served
//! at `/calendar/<token>.ics`).
//!
//! Each caller manages its own (a delegation's clerk its delegation's, an observer the public
//! notices it subscribes to); the secretariat sees every one and may remove any. A webhook's
//! secret and a feed's token are shown once, when made, and kept only as the subscription needs
//! them (the secret to sign with) or as a hash (the token).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use concord_core::{Actor, Refusal};
use concord_store::{Contact, NewSubscription, Subscription};
use serde::{Deserialize, Serialize};

use super::Write;
use crate::AppState;
use crate::auth::Caller;
use crate::notifier::reader_of;
use crate::problem::{ApiError, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/webhooks/{id}", delete(delete_webhook))
        .route("/api/v1/webhooks/{id}/enable", post(enable_webhook))
        .route("/api/v1/contacts", get(list_contacts).post(set_contact))
        .route("/api/v1/contacts/{email}", delete(delete_contact))
        .route("/api/v1/calendar-feeds", get(list_feeds).post(create_feed))
        .route("/api/v1/calendar-feeds/{id}", delete(delete_feed))
}

fn invalid(field: &'static str, why: impl std::fmt::Display) -> ApiError {
    ApiError::Refused(Refusal::Invalid { field, reason: why.to_string() })
}

fn owns(caller: &Caller, owner: Actor) -> bool {
    caller.actor == Actor::Secretariat || caller.actor == owner
}

/// An observer's token stands for the public and is shared by every observer: its webhooks and
/// contacts would be every observer's to read and remove. Only an office with an identity (the
/// secretariat, a delegation, a partner) subscribes.
fn check_subscriber(caller: &Caller) -> Result<(), ApiError> {
    if caller.actor == Actor::Observer {
        let action =
            "subscribe as an observer: observer tokens are shared by the public; the public's notices are on the web";
        return Err(Refusal::NotPermitted { actor: caller.actor, action }.into());
    }
    Ok(())
}

/// A new webhook subscription.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where notices are POSTed, `https://…` (or `http://` on a private network).
    #[schema(example = "https://delegation.example/concord-hook")]
    pub url: String,
}

/// A webhook subscription. The secret is shown only in the answer that made it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// Whose notices it receives.
    pub to: String,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Failed deliveries in a row.
    pub failures: u32,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<jiff::Timestamp>,
    pub disabled_reason: Option<String>,
}

impl WebhookView {
    fn of(s: Subscription, secret: bool) -> Self {
        Self {
            id: s.id,
            url: s.url,
            to: reader_of(s.recipient).to_string(),
            secret: secret.then_some(s.secret),
            failures: s.failures,
            disabled_at: s.disabled_at,
            disabled_reason: s.disabled_reason,
        }
    }
}

fn check_url(url: &str) -> Result<(), ApiError> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && reqwest::Url::parse(url).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()));
    if ok { Ok(()) } else { Err(invalid("url", format!("{url:?} is not an http(s) URL"))) }
}

/// Subscribes a URL to the caller's notices, signed as the Standard Webhooks specification says.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "notices", security(("bearer" = [])), request_body = NewWebhook,
    responses((status = 201, body = WebhookView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_webhook(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    check_subscriber(&w.caller)?;
    let body: NewWebhook = w.json()?;
    check_url(&body.url)?;
    let mut rng = crate::calendar::fresh_rng()?;
    let id = format!("wh_{}", concord_notify::calendar::new_feed_token(&mut rng).get(..16).unwrap_or_default());
    let subscription = NewSubscription {
        id,
        recipient: w.caller.actor,
        url: body.url,
        secret: concord_notify::webhook::new_secret(&mut rng),
        created_at: state.clock().now(),
    };
    state.store().create_subscription(&subscription).await?;
    let made = Subscription {
        id: subscription.id,
        recipient: subscription.recipient,
        url: subscription.url,
        secret: subscription.secret,
        created_at: subscription.created_at,
        failures: 0,
        disabled_at: None,
        disabled_reason: None,
    };
    Ok((StatusCode::CREATED, Json(WebhookView::of(made, true))).into_response())
}

/// The caller's webhook subscriptions (the secretariat: every one), without their secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Vec<WebhookView>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_webhooks(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let all = state.store().subscriptions().await?;
    Ok(Json(all.into_iter().filter(|s| owns(&caller, s.recipient)).map(|s| WebhookView::of(s, false)).collect()))
}

/// The subscription `id`, if the caller may manage it: its owner's, or the secretariat.
async fn own_webhook(state: &AppState, caller: &Caller, id: &str) -> Result<Subscription, ApiError> {
    let found = state.store().subscriptions().await?.into_iter().find(|s| s.id == id);
    match found {
        None => Err(ApiError::NotFound(format!("there is no webhook {id}"))),
        Some(s) if owns(caller, s.recipient) => Ok(s),
        Some(_) => Err(not_yours(caller, "manage another reader's webhook")),
    }
}

fn not_yours(caller: &Caller, action: &'static str) -> ApiError {
    Refusal::NotPermitted { actor: caller.actor, action }.into()
}

/// Removes a webhook subscription (the caller's own; the secretariat: any).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "notices", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = WebhookView, description = "the subscription removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Json<WebhookView>, ApiError> {
    // A write (its Idempotency-Key checked as every write's), though not an entry of the log.
    let caller = w.caller;
    let s = own_webhook(&state, &caller, &id).await?;
    state.store().delete_subscription(&id).await?;
    Ok(Json(WebhookView::of(s, false)))
}

/// Enables a webhook disabled after repeated failures, once its receiver works again.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", tag = "notices", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = WebhookView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn enable_webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Json<WebhookView>, ApiError> {
    let caller = w.caller;
    own_webhook(&state, &caller, &id).await?;
    state.store().enable_subscription(&id).await?;
    Ok(Json(WebhookView::of(own_webhook(&state, &caller, &id).await?, false)))
}

/// An e-mail contact to add or change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    #[schema(example = "duty-officer@delegation.example")]
    pub email: String,
    /// The IANA time zone deadlines are shown in beside UTC.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// One mail a day at 08:00 in that zone, except for what is due within a day (sent at once).
    #[serde(default)]
    pub digest: bool,
}

/// Where and how a person of the caller's office is mailed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    #[schema(example = "duty-officer@delegation.example")]
    pub email: String,
    /// The IANA time zone deadlines are shown in beside UTC.
    #[schema(example = "Europe/Paris")]
    pub time_zone: String,
    /// One mail a day at 08:00 in that zone, except for what is due within a day (sent at once).
    pub digest: bool,
    /// Whose notices it receives.
    pub to: String,
}

fn check_email(email: &str) -> Result<(), ApiError> {
    email
        .parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|e| invalid("email", format!("{email:?} is not an e-mail address: {e}")))
}

/// Adds or changes an e-mail contact for the caller's notices.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "notices", security(("bearer" = [])), request_body = NewContact,
    responses((status = 200, body = ContactView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_contact(State(state): State<AppState>, w: Write) -> Result<Json<ContactView>, ApiError> {
    check_subscriber(&w.caller)?;
    let body: NewContact = w.json()?;
    check_email(&body.email)?;
    if jiff::tz::TimeZone::get(&body.time_zone).is_err() {
        return Err(invalid(
            "time_zone",
            format!("{:?} is not an IANA time zone such as Europe/Paris", body.time_zone),
        ));
    }
    let contact = Contact {
        recipient: w.caller.actor,
        email: body.email.clone(),
        time_zone: body.time_zone.clone(),
        digest: body.digest,
    };
    state.store().set_contact(&contact).await?;
    let to = reader_of(w.caller.actor).to_string();
    Ok(Json(ContactView { email: body.email, time_zone: body.time_zone, digest: body.digest, to }))
}

/// The caller's e-mail contacts (the secretariat: every one).
#[utoipa::path(get, path = "/api/v1/contacts", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Vec<ContactView>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_contacts(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ContactView>>, ApiError> {
    let all = state.store().contacts().await?;
    Ok(Json(
        all.into_iter()
            .filter(|c| owns(&caller, c.recipient))
            .map(|c| ContactView {
                email: c.email,
                time_zone: c.time_zone,
                digest: c.digest,
                to: reader_of(c.recipient).to_string(),
            })
            .collect(),
    ))
}

/// Stops mailing an address the caller's notices.
#[utoipa::path(delete, path = "/api/v1/contacts/{email}", tag = "notices", security(("bearer" = [])),
    params(("email" = String, Path)),
    responses((status = 200, body = ContactView, description = "the contact removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_contact(
    State(state): State<AppState>,
    Path(email): Path<String>,
    w: Write,
) -> Result<Json<ContactView>, ApiError> {
    let caller = w.caller;
    let all = state.store().contacts().await?;
    let Some(c) = all.iter().find(|c| c.email == email && owns(&caller, c.recipient)) else {
        return Err(if all.iter().any(|c| c.email == email) {
            not_yours(&caller, "remove another reader's contact")
        } else {
            ApiError::NotFound(format!("{email} is not a contact"))
        });
    };
    state.store().delete_contact(&c.recipient, &email).await?;
    let to = reader_of(c.recipient).to_string();
    Ok(Json(ContactView { email, time_zone: c.time_zone.clone(), digest: c.digest, to }))
}

/// A calendar feed just made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewFeedView {
    /// Names the feed to list or revoke it; opens nothing.
    pub id: String,
    /// The secret address, shown this once: subscribe a calendar to it. Whoever holds it reads
    /// the caller's open deadlines, until the feed is revoked.
    pub url: String,
}

/// A calendar feed, without its address (which is not kept).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedView {
    pub id: String,
    /// Whose deadlines it shows.
    pub to: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
}

impl From<concord_store::Feed> for FeedView {
    fn from(f: concord_store::Feed) -> Self {
        Self { id: crate::calendar::feed_id(&f.hash), to: reader_of(f.recipient).to_string(), created_at: f.created_at }
    }
}

/// Makes a secret iCalendar feed of the deadlines the caller must act by (RFC 5545).
#[utoipa::path(post, path = "/api/v1/calendar-feeds", tag = "notices", security(("bearer" = [])),
    responses((status = 201, body = NewFeedView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create_feed(State(state): State<AppState>, w: Write) -> Result<Response, ApiError> {
    check_subscriber(&w.caller)?;
    let made = crate::calendar::create(&state, w.caller.actor).await?;
    Ok((StatusCode::CREATED, Json(NewFeedView { id: made.id, url: made.url })).into_response())
}

/// The caller's calendar feeds (the secretariat: every one), oldest first.
#[utoipa::path(get, path = "/api/v1/calendar-feeds", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Vec<FeedView>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list_feeds(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<FeedView>>, ApiError> {
    let all = state.store().feeds().await?;
    Ok(Json(all.into_iter().filter(|f| owns(&caller, f.recipient)).map(FeedView::from).collect()))
}

/// Revokes a calendar feed (the caller's own; the secretariat: any): its address, if it leaked,
/// opens nothing any more.
#[utoipa::path(delete, path = "/api/v1/calendar-feeds/{id}", tag = "notices", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = FeedView, description = "the feed revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_feed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Json<FeedView>, ApiError> {
    let all = state.store().feeds().await?;
    let Some(f) = all.into_iter().find(|f| crate::calendar::feed_id(&f.hash).eq_ignore_ascii_case(&id)) else {
        return Err(ApiError::NotFound(format!("there is no calendar feed {id}")));
    };
    if !owns(&w.caller, f.recipient) {
        return Err(not_yours(&w.caller, "revoke another reader's calendar feed"));
    }
    state.store().delete_feed(&f.hash).await?;
    Ok(Json(FeedView::from(f)))
}
