//! The stylesheet and script, compiled into the binary, and the security headers on every page.
//!
//! Both files are hand-written and small; nothing is fetched from elsewhere, so the content
//! security policy allows only this origin and no inline script or style at all.

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use concord_server::AppState;

/// The compiled-in CSS and JavaScript.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

/// The content security policy: this origin only, no inline code, no framing, forms post here.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `GET /static/{file}`: `app.css` or `app.js`. Cached for a day; the names carry no version,
/// so a deploy is picked up at the latest the next day (small files, cheap to revalidate).
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return crate::pages::missing().into_response(),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=86400")], body)
        .into_response()
}

/// Adds the security headers to every web response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show who is signed in and their forms' tokens: never cache them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
