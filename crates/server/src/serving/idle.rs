//! A connection that fails once neither side has moved a byte for a while.
//!
//! hyper closes a connection whose request head is slow to arrive (its header-read timeout), but
//! has nothing for a peer that stops reading a response, or trickles a request body: each would
//! hold a descriptor for as long as it likes. This wrapper measures the silence on the socket
//! itself, in both directions, so it bounds every such case with one rule. Long-lived responses
//! stay open as long as they write (the event stream sends a keep-alive every 15 s).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// `S`, failing its reads and writes with `TimedOut` after `timeout` without progress.
#[derive(Debug)]
pub(super) struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    /// When a byte last moved either way.
    last: Instant,
    /// Armed for `last + timeout` whenever an operation has to wait.
    sleep: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    pub(super) fn new(inner: S, timeout: Duration) -> Self {
        let last = Instant::now();
        Self { inner, timeout, last, sleep: Box::pin(tokio::time::sleep_until(last + timeout)) }
    }

    /// Called when an operation is pending: registers the deadline with the waker, and fails
    /// once it has passed with no progress since.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let deadline = self.last + self.timeout;
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long"));
        }
        Ok(())
    }

    fn progress<T>(&mut self, moved: bool, r: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(r) => {
                if moved {
                    self.last = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => match self.check(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let moved = buf.filled().len() > before;
        self.progress(moved, r, cx)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        let moved = matches!(r, Poll::Ready(Ok(n)) if n > 0);
        self.progress(moved, r, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        let moved = matches!(r, Poll::Ready(Ok(n)) if n > 0);
        self.progress(moved, r, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.progress(false, r, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progress(false, r, cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test(start_paused = true)]
    async fn a_silent_peer_times_out_and_traffic_keeps_it_open() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut a = IdleTimeout::new(a, Duration::from_secs(10));
        let mut buf = [0u8; 8];
        // Bytes every 6 s keep it open past 10 s in all.
        for _ in 0..3 {
            tokio::time::advance(Duration::from_secs(6)).await;
            b.write_all(b"x").await.unwrap();
            assert_eq!(a.read(&mut buf).await.unwrap(), 1);
        }
        // Then silence: the read fails (the paused clock advances to the deadline by itself).
        let e = a.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }
}
