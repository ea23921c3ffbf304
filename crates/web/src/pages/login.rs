//! `/login` and `/logout`.

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use concord_server::AppState;
use concord_store::NewSession;
use serde::Deserialize;

use super::page_with;
use crate::accounts::{self, AccountError};
use crate::layout::Layout;
use crate::session::{self, LOGIN_COOKIE, SESSION_TTL, Viewer};
use crate::{WebConfig, WebError};

/// Signing in and out.
pub(crate) fn routes() -> super::Routes {
    vec![("/login", get(form).post(submit)), ("/logout", post(logout))]
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    name: String,
    next: String,
    error: String,
    notice: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
    next: Option<String>,
}

/// Where to go after signing in: only a path on this site, never another origin.
///
/// Checking the string's shape is not enough (`/\t/evil.example` passes a "starts with one
/// slash" test, and browsers drop the tab and follow `//evil.example`), so `next` is resolved the
/// way a browser resolves a `Location` (WHATWG URL parsing, which strips tabs and newlines and
/// reads `\` as `/`) against a placeholder origin, and kept only if it stays on that origin. What
/// is returned is the re-serialised path, query and fragment: percent-encoded, with no control
/// characters, so it is always a valid header value.
fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(next) = next.filter(|n| n.starts_with('/')) else { return HOME.to_owned() };
    let Ok(base) = url::Url::parse("http://concord.invalid/") else { return HOME.to_owned() };
    let Ok(resolved) = base.join(next) else { return HOME.to_owned() };
    if resolved.origin() != base.origin() {
        return HOME.to_owned();
    }
    let path = &resolved[url::Position::BeforePath..];
    // A path that begins with two slashes would be read as another host once it stands alone.
    if path.starts_with("//") || path.starts_with("/\\") { HOME.to_owned() } else { path.to_owned() }
}

fn render(
    csrf: String,
    name: String,
    next: String,
    error: String,
    notice: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let layout = Layout::new(None, "Sign in", "/login");
    let mut r = page_with(status, &LoginPage { layout, csrf: csrf.clone(), name, next, error, notice })?;
    // The double-submit cookie: the form's token must equal it (no session exists yet).
    let cookie = format!("{LOGIN_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// `GET /login`.
pub async fn form(Query(q): Query<LoginQuery>) -> Result<Response, WebError> {
    let notice = if q.expired.is_some() { "Your session has expired. Please sign in again." } else { "" };
    render(
        session::random_token()?,
        String::new(),
        safe_next(q.next.as_deref()),
        String::new(),
        notice.to_owned(),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<WebConfig>>,
    Extension(checks): Extension<Arc<accounts::PasswordChecks>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let cookie = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !session::tokens_match(cookie, &f.csrf) {
        return Err(WebError::Csrf);
    }
    let now = state.clock().now();
    let next = safe_next(Some(&f.next));
    let retry = |error: String, status| {
        render(session::random_token()?, f.name.clone(), next.clone(), error, String::new(), status)
    };
    let actor = match accounts::sign_in(state.store(), &checks, state.metrics(), f.name.trim(), &f.password, now).await
    {
        Ok(a) => a,
        Err(AccountError::WrongCredentials) => {
            return retry("Wrong name or password.".into(), StatusCode::UNAUTHORIZED);
        }
        Err(AccountError::Locked { until }) => {
            return retry(
                format!("Too many failed sign-ins: this account is locked until {}.", crate::timefmt::utc(until)),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Err(AccountError::Busy) => {
            let mut r = retry(
                "Too many sign-ins at once: please try again in a few seconds.".into(),
                StatusCode::SERVICE_UNAVAILABLE,
            )?;
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(concord_server::problem::OVERLOADED_RETRY_AFTER));
            return Ok(r);
        }
        Err(e) => return Err(WebError::Internal(e.to_string())),
    };
    tracing::info!(user = %f.name.trim(), %actor, "signed in");
    let token = session::random_token()?;
    let expires_at = now.saturating_add(SESSION_TTL).map_err(|e| WebError::Internal(e.to_string()))?;
    state
        .store()
        .create_session(&NewSession {
            hash: session::hash_token(&token),
            user: f.name.trim().to_owned(),
            csrf: session::random_token()?,
            created_at: now,
            expires_at,
        })
        .await?;
    let tls = session::is_tls(&config, &headers);
    let mut r = Redirect::to(&next).into_response();
    r.headers_mut().append(header::SET_COOKIE, session::session_cookie_header(&token, tls));
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("concord_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (in the store, not only the cookie).
pub async fn logout(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<WebConfig>>,
    headers: HeaderMap,
    viewer: Viewer,
    Form(f): Form<LogoutForm>,
) -> Result<Response, WebError> {
    viewer.check_csrf(&f.csrf)?;
    state.store().delete_session(&viewer.token_hash).await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, session::clear_cookie_header(session::is_tls(&config, &headers)));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/proposals/4")), "/proposals/4");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    /// The WHATWG URL parser's tricks (tabs and newlines stripped, `\\` read as `/`, encoded
    /// forms), each of which a browser would follow to another origin.
    #[test]
    fn next_never_leaves_the_site() {
        for evil in [
            "/\t/evil.example",
            "/%09/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\\/evil.example",
            "//evil.example",
            "///evil.example",
            "/.//evil.example",
            "/./\t/evil.example",
            "https:evil.example",
            "http://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            let next = safe_next(Some(evil));
            assert!(!next.starts_with("//") && !next.contains('\\'), "{evil:?} gave {next:?}");
            let resolved = url::Url::parse("https://concord.example/login").unwrap().join(&next).unwrap();
            assert_eq!(resolved.host_str(), Some("concord.example"), "{evil:?} gave {next:?}");
            assert!(next.chars().all(|c| c.is_ascii_graphic()), "{evil:?} gave {next:?}");
        }
        // `%09` stays an encoded tab inside a path (harmless); control characters are encoded.
        assert_eq!(safe_next(Some("/proposals?q=a\r\nSet-Cookie:x")), "/proposals?q=aSet-Cookie:x");
        assert_eq!(safe_next(Some("/support?donor=FRA&lethal=yes#top")), "/support?donor=FRA&lethal=yes#top");
        assert_eq!(safe_next(Some("/caf\u{e9}")), "/caf%C3%A9");
    }
}
