//! Notices by webhook, as the Standard Webhooks specification says
//! (<https://www.standardwebhooks.com>, `spec/standard-webhooks.md`).
//!
//! A subscriber registers a URL and receives a secret (`whsec_` and base64 of random bytes). Each
//! notice is POSTed as JSON in the specification's envelope (`type`, `timestamp`, `data`), with
//! three headers: `webhook-id` (the message id, the same on every retry: the receiver's
//! de-duplication key), `webhook-timestamp` (the attempt's time, unix seconds, so that a receiver
//! can refuse a replay) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` under the decoded secret).
//!
//! Only a 2xx answer delivers. Redirects are not followed (the specification: a subscriber should
//! update its URL instead). A failure says whether trying again may help; the caller retries on
//! [`backoff`]'s schedule and gives up after [`GIVE_UP_AFTER`] attempts.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use concord_core::notice::Notice;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use sha2::Sha256;

/// The prefix that marks a symmetric signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// How many random bytes a new secret has: the specification asks for 24 to 64.
const SECRET_BYTES: usize = 32;

/// How long one attempt may take. The specification recommends 15 to 30 s for the receiver to
/// answer; the lower end keeps one slow subscriber from holding up the others for long.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// A webhook that could not be signed or delivered.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("a webhook secret is `whsec_` followed by base64")]
    InvalidSecret,
    #[error("a message id must be non-empty, without `.` or spaces (not {0:?})")]
    InvalidId(String),
    #[error("the HTTP client could not be built: {0}")]
    Client(#[source] reqwest::Error),
    #[error("the subscriber's URL is not usable: {0}")]
    InvalidUrl(#[source] reqwest::Error),
    #[error("the subscriber could not be reached: {0}")]
    Unreachable(#[source] reqwest::Error),
    #[error("the subscriber answered {status}, try again later")]
    Unavailable { status: u16, retry_after: Option<SignedDuration> },
    #[error("the subscriber answered 410 Gone: it wants no more webhooks")]
    Gone,
    #[error("the subscriber refused the webhook ({status})")]
    Refused { status: u16 },
}

impl WebhookError {
    /// Whether the same message may succeed later: the network failed or timed out, or the
    /// subscriber answered 5xx, 429 or 408. A refusal (3xx, other 4xx) will be refused again.
    #[must_use]
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Unavailable { .. })
    }

    /// How long the subscriber asked to be left alone (`Retry-After` in seconds), if it did.
    #[must_use]
    pub fn retry_after(&self) -> Option<SignedDuration> {
        match self {
            Self::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A new signing secret: `whsec_` and the base64 of 32 bytes from `rng`.
pub fn new_secret<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut key = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` value for message `id` sent at `timestamp` (unix seconds) with
/// `body`: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the
/// base64-decoded part of `secret` after `whsec_`.
///
/// # Errors
/// [`WebhookError::InvalidSecret`]; [`WebhookError::InvalidId`] for an id with a `.` (which
/// would let the signed string be split another way, as the specification warns) or a space.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, WebhookError> {
    if id.is_empty() || id.contains(['.', ' ', '\r', '\n']) {
        return Err(WebhookError::InvalidId(id.to_owned()));
    }
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|k| STANDARD.decode(k).ok())
        .filter(|k| !k.is_empty())
        .ok_or(WebhookError::InvalidSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| WebhookError::InvalidSecret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The JSON a notice is sent as: the specification's envelope, `type` `notice.<what>`
/// (`notice.circulated`, `notice.deadline_moved`, ...), `timestamp` when the notice became due
/// (RFC 3339), and the notice itself as `data`.
#[must_use]
pub fn payload(notice: &Notice) -> serde_json::Value {
    let data = serde_json::to_value(notice).unwrap_or(serde_json::Value::Null);
    let what = data.get("notice").and_then(serde_json::Value::as_str).unwrap_or("unknown").to_owned();
    serde_json::json!({
        "type": format!("notice.{what}"),
        "timestamp": notice.at.to_string(),
        "data": data,
    })
}

/// The delay before the next attempt after `attempt` failed ones: none before the first, then
/// the specification's example schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h), then
/// 24 h. The caller may add jitter, as the specification recommends, so that many failed
/// messages do not return at once.
#[must_use]
pub fn backoff(attempt: u32) -> SignedDuration {
    const SCHEDULE: [i64; 10] = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600];
    let i = usize::try_from(attempt).unwrap_or(usize::MAX).min(SCHEDULE.len() - 1);
    SignedDuration::from_secs(SCHEDULE[i])
}

/// After this many failed attempts a message is failed (and its subscriber, the caller
/// decides, disabled and told): the first and nine retries, about three days of trying.
pub const GIVE_UP_AFTER: u32 = 10;

/// Sends webhooks: one HTTP client (its connections shared), no redirects, a timeout.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
}

impl Sender {
    /// A sender whose attempts each time out after [`TIMEOUT`].
    ///
    /// # Errors
    /// [`WebhookError::Client`] if the TLS backend cannot start.
    pub fn new() -> Result<Self, WebhookError> {
        Self::with_timeout(TIMEOUT)
    }

    /// A sender whose attempts each time out after `timeout`.
    ///
    /// # Errors
    /// [`WebhookError::Client`] if the TLS backend cannot start.
    pub fn with_timeout(timeout: Duration) -> Result<Self, WebhookError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("Concord-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(WebhookError::Client)?;
        Ok(Self { client })
    }

    /// POSTs `body` (JSON, such as [`payload`] serialised) to `url`, signed with `secret` as
    /// message `msg_id` at `timestamp` (the attempt's time, not the notice's).
    ///
    /// # Errors
    /// Signing errors as for [`sign`]; [`WebhookError::InvalidUrl`]; otherwise the failure,
    /// which [`WebhookError::retryable`] classifies.
    pub async fn deliver(
        &self,
        url: &str,
        secret: &str,
        msg_id: &str,
        timestamp: Timestamp,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let seconds = timestamp.as_second();
        let signature = sign(secret, msg_id, seconds, body)?;
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", seconds.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .build()
            .map_err(WebhookError::InvalidUrl)?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| if e.is_builder() { WebhookError::InvalidUrl(e) } else { WebhookError::Unreachable(e) })?;
        let status = response.status();
        tracing::debug!(%url, id = msg_id, status = status.as_u16(), "webhook attempt");
        classify(status, response.headers())
    }
}

/// What a subscriber's answer means for the message.
fn classify(status: StatusCode, headers: &HeaderMap) -> Result<(), WebhookError> {
    if status.is_success() {
        return Ok(());
    }
    match status {
        StatusCode::GONE => Err(WebhookError::Gone),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
            Err(WebhookError::Unavailable { status: status.as_u16(), retry_after: retry_after(headers) })
        }
        s if s.is_server_error() => {
            Err(WebhookError::Unavailable { status: s.as_u16(), retry_after: retry_after(headers) })
        }
        s => Err(WebhookError::Refused { status: s.as_u16() }),
    }
}

/// The longest `Retry-After` taken as given: a receiver may not park a message for longer (nor
/// make the next attempt's time overflow).
pub const MAX_RETRY_AFTER: SignedDuration = SignedDuration::from_hours(24);

/// `Retry-After` in seconds, at most [`MAX_RETRY_AFTER`] (an HTTP date is not read: the backoff
/// schedule then applies).
fn retry_after(headers: &HeaderMap) -> Option<SignedDuration> {
    let seconds: i64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    (seconds >= 0).then(|| SignedDuration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The test vector every reference library of the specification checks
    /// (libraries/{go,python,javascript,csharp,php}: "sign works").
    #[test]
    fn signs_the_specifications_test_vector() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    /// The Rust reference library's own vector (libraries/rust, `test_sign`).
    #[test]
    fn signs_the_rust_reference_vector() {
        let signature = sign(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn the_reference_crate_verifies_what_is_signed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let secret = new_secret(&mut rng);
        let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap()).unwrap();
        assert!((24..=64).contains(&key.len()));
        assert_ne!(secret, new_secret(&mut rng), "each secret is new");
        let body = br#"{"type":"notice.withdrawn"}"#;
        let now = jiff::Timestamp::now().as_second();
        let ours = sign(&secret, "e7-member-FRA", now, body).unwrap();
        let reference = standardwebhooks::Webhook::new(&secret).unwrap();
        assert_eq!(ours, reference.sign("e7-member-FRA", now, body).unwrap());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("webhook-id", "e7-member-FRA".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", ours.parse().unwrap());
        reference.verify(body, &headers).unwrap();
        headers.insert("webhook-id", "e8-member-FRA".parse().unwrap());
        assert!(reference.verify(body, &headers).is_err(), "the id is signed");
    }

    #[test]
    fn bad_secrets_and_ids_are_refused() {
        assert!(matches!(sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, b""), Err(WebhookError::InvalidSecret)));
        assert!(matches!(sign("whsec_!!", "m", 1, b""), Err(WebhookError::InvalidSecret)));
        assert!(matches!(sign("whsec_", "m", 1, b""), Err(WebhookError::InvalidSecret)));
        assert!(matches!(
            sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a.b", 1, b""),
            Err(WebhookError::InvalidId(_))
        ));
        assert!(matches!(sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "", 1, b""), Err(WebhookError::InvalidId(_))));
    }

    #[test]
    fn the_schedule_grows_then_stays_at_a_day() {
        let secs: Vec<i64> = (0..12).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs[..4], [0, 5, 300, 1800]);
        assert!(secs.windows(2).all(|w| w[0] <= w[1]), "{secs:?}");
        assert_eq!(backoff(u32::MAX), SignedDuration::from_hours(24));
        let total: i64 = (1..GIVE_UP_AFTER).map(|a| backoff(a).as_secs()).sum();
        assert!((2 * 86_400..4 * 86_400).contains(&total), "retries span about three days: {total} s");
    }

    #[test]
    fn answers_are_classified() {
        let none = HeaderMap::new();
        assert!(classify(StatusCode::NO_CONTENT, &none).is_ok());
        assert!(classify(StatusCode::INTERNAL_SERVER_ERROR, &none).unwrap_err().retryable());
        assert!(classify(StatusCode::TOO_MANY_REQUESTS, &none).unwrap_err().retryable());
        assert!(matches!(classify(StatusCode::GONE, &none), Err(WebhookError::Gone)));
        assert!(!classify(StatusCode::BAD_REQUEST, &none).unwrap_err().retryable());
        assert!(!classify(StatusCode::FOUND, &none).unwrap_err().retryable());
        let mut later = HeaderMap::new();
        later.insert(RETRY_AFTER, "120".parse().unwrap());
        let e = classify(StatusCode::SERVICE_UNAVAILABLE, &later).unwrap_err();
        assert_eq!(e.retry_after(), Some(SignedDuration::from_secs(120)));
        // A receiver cannot park a message for ages, nor overflow the next attempt's time.
        later.insert(RETRY_AFTER, "999999999999".parse().unwrap());
        let e = classify(StatusCode::SERVICE_UNAVAILABLE, &later).unwrap_err();
        assert_eq!(e.retry_after(), Some(MAX_RETRY_AFTER));
    }
}
