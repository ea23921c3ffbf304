//! Accepting and serving HTTP/1.1 connections within bounds: how long a request head may take,
//! how long a connection may sit silent, how long a request may run, how many requests one
//! connection may carry, and how many connections are open at once.
//!
//! `axum::serve` has none of these, so one client holding a thousand silent connections used up
//! the process's descriptors and every other request failed. Here each accepted connection takes
//! a slot: up to [`Limits::max_connections`] are served; a few more beyond that are answered at
//! once with a 503 and `Retry-After` and closed (so a client learns to back off rather than
//! hang); beyond those, a connection is closed unanswered. Descriptors therefore never run out as
//! long as the cap is below the process's limit (`concord serve` sizes it from that limit).

mod idle;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::http::{HeaderValue, Request, Response, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::metrics::Metrics;
use crate::problem::ApiError;

/// The bounds a server keeps to. The defaults suit a server behind a reverse proxy on a host
/// with the usual 1,024 descriptors; `concord serve` raises the cap from the real limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A request head (request line and headers) must arrive within this time, counted from
    /// when the server starts waiting for it: on a new connection, or on a kept-alive one
    /// after the previous response (so an idle kept-alive connection closes after this too).
    pub header_read_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed: a client that
    /// stops reading a response, or trickles a body. Keep it above the event stream's 15 s
    /// keep-alive and above `request_timeout`.
    pub idle_timeout: Duration,
    /// A handler that has not answered within this time is answered 503 (the event stream's
    /// answer comes at once and its body is not bounded by this).
    pub request_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Requests one kept-alive connection may carry; the last is answered `Connection: close`.
    pub max_requests_per_connection: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 768,
            max_requests_per_connection: 1000,
        }
    }
}

/// Descriptors kept back from connections: the database pool, the log files, the listeners,
/// and whatever the runtime and libraries open.
pub const RESERVED_DESCRIPTORS: u64 = 128;

impl Limits {
    /// Connections answered 503 beyond `max_connections` before new ones are closed unanswered:
    /// an eighth more, at least 8.
    #[must_use]
    pub fn shed_slots(&self) -> usize {
        (self.max_connections / 8).max(8)
    }

    /// The most connections that fit `descriptors` (the process's open-file limit): what is left
    /// after [`RESERVED_DESCRIPTORS`], less the slots for shedding.
    #[must_use]
    pub fn connections_for(descriptors: u64) -> usize {
        let usable = usize::try_from(descriptors.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
        // usable = cap + max(cap / 8, 8), solved for the cap.
        usable.saturating_sub(8).min(usable / 9 * 8).max(1)
    }

    /// Descriptors these limits may use at most, with the reserve.
    #[must_use]
    pub fn descriptors_needed(&self) -> u64 {
        u64::try_from(self.max_connections + self.shed_slots()).unwrap_or(u64::MAX) + RESERVED_DESCRIPTORS
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting and waits for the open connections to finish their requests. Counts connections
/// in `metrics` when given.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    metrics: Option<Arc<Metrics>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = with_request_timeout(router, limits.request_timeout);
    let serving = Arc::new(Semaphore::new(limits.max_connections));
    let shedding = Arc::new(Semaphore::new(limits.shed_slots()));
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let mut shed_builder = http1::Builder::new();
    shed_builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(false);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of descriptors (or another resource): the caps should prevent it, but
                    // if something else used them up, wait a little instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        if let Ok(permit) = serving.clone().try_acquire_owned() {
            if let Some(m) = &metrics {
                m.connections.inc();
            }
            let io = TokioIo::new(idle::IdleTimeout::new(stream, limits.idle_timeout));
            let conn =
                builder.serve_connection(io, connection_service(router.clone(), limits.max_requests_per_connection));
            let done = graceful.watch(conn);
            let metrics = metrics.clone();
            tokio::spawn(async move {
                if let Err(e) = done.await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                if let Some(m) = &metrics {
                    m.connections.dec();
                }
                drop(permit);
            });
        } else if let Ok(permit) = shedding.clone().try_acquire_owned() {
            if let Some(m) = &metrics {
                m.connections_shed.inc();
            }
            let io = TokioIo::new(idle::IdleTimeout::new(stream, limits.header_read_timeout));
            let conn = shed_builder.serve_connection(io, hyper::service::service_fn(shed));
            let done = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = done.await;
                drop(permit);
            });
        } else {
            if let Some(m) = &metrics {
                m.connections_dropped.inc();
            }
            drop(stream);
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The router as one connection's service: after `max_requests_per_connection` requests the
/// answer says `Connection: close`, which hyper honours by closing after it.
fn connection_service(
    router: Router,
    max: u32,
) -> impl hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible, Future: Send + 'static>
+ Clone {
    let served = Arc::new(AtomicU32::new(0));
    hyper::service::service_fn(move |req: Request<Incoming>| {
        let n = served.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        let router = router.clone();
        async move {
            let mut res = router.oneshot(req.map(Body::new)).await?;
            if n >= max {
                res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(res)
        }
    })
}

/// Answers a handler that runs longer than `timeout` with a 503 problem document. Only the
/// time to the response's head counts: a streamed body (the event stream) is not cut off.
fn with_request_timeout(router: Router, timeout: Duration) -> Router {
    router.layer(
        tower::ServiceBuilder::new()
            .layer(HandleErrorLayer::new(move |_: tower::BoxError| async move {
                ApiError::Overloaded(format!(
                    "the request took longer than {} s; retry later",
                    timeout.as_secs_f64().round()
                ))
            }))
            .timeout(timeout),
    )
}

/// The answer on a connection beyond the cap.
async fn shed(_req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    Ok(ApiError::Overloaded("the server has too many open connections; retry shortly".into()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_shedding_and_the_reserve() {
        for descriptors in [200, 1024, 4096, 65_536, 1_048_576] {
            let limits = Limits { max_connections: Limits::connections_for(descriptors), ..Limits::default() };
            assert!(limits.descriptors_needed() <= descriptors, "{descriptors}: {limits:?}");
            // And it does not waste much.
            assert!(limits.descriptors_needed() + 16 >= descriptors, "{descriptors}: {limits:?}");
        }
        assert_eq!(Limits::connections_for(1024), 792);
        assert_eq!(Limits::connections_for(10), 1, "never zero");
    }
}
