//! Error pages inside the viewer's own frame: a signed-in viewer who meets a 403 or a 404 keeps
//! their navigation. The extractors leave the viewer in a slot on the request; after the
//! handler, an error response (marked by `ErrorInfo`) is rendered again with that viewer's
//! layout. Without a viewer the plain error page stays.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{ErrorInfo, FramedErrorPage};
use crate::layout::Layout;
use crate::session::ViewerSlot;

/// The middleware.
pub async fn errors(mut request: Request, next: Next) -> Response {
    let slot = ViewerSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else { return response };
    let viewer = slot.0.lock().ok().and_then(|v| v.clone());
    let Some(viewer) = viewer else { return response };
    let status = response.status();
    let page = FramedErrorPage {
        layout: Layout::new(Some(&viewer), info.heading, ""),
        status: status.as_u16(),
        heading: info.heading,
        message: info.message,
    };
    page.response(status).unwrap_or(response)
}
