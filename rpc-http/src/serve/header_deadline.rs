//! The header-read deadline of a connection, kept with one timer per
//! connection.
//!
//! hyper's own `header_read_timeout` boxes, registers and drops a timer for
//! every request: about a tenth of the server's work for a small call. Here a
//! connection has one timer, armed once, and each request only stores a
//! number: the deadline is moved lazily, when the timer fires.
//!
//! A connection waits for headers from its start, and again from the moment
//! the previous answer's body has been handed over (the [`Answer`] is
//! dropped), until hyper has read the next request's headers and calls the
//! service ([`Watch::call_started`]). While a call is in progress (its body
//! arriving, the method running, the answer streaming) no deadline applies:
//! the body has its own ([`RpcRouter::body_read_timeout`]).
//!
//! [`RpcRouter::body_read_timeout`]: crate::RpcRouter::body_read_timeout

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use tokio::time::{Instant, Sleep};

/// What a connection's deadline stands at while a call is in progress.
const IN_CALL: u64 = u64::MAX;

/// The state a connection's reader and its service share.
#[derive(Debug)]
pub(super) struct Watch {
    origin: Instant,
    timeout: Duration,
    /// When the wait for headers ends, in nanoseconds since `origin`, or
    /// [`IN_CALL`].
    deadline: AtomicU64,
    /// Whether the connection was upgraded.
    upgraded: AtomicBool,
}

impl Watch {
    /// A connection accepted now, waiting for its first headers.
    pub(super) fn new(timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            timeout,
            deadline: AtomicU64::new(nanos(timeout)),
            upgraded: AtomicBool::new(false),
        })
    }

    /// The headers of a request are read: no deadline until it is answered.
    pub(super) fn call_started(&self) {
        self.deadline.store(IN_CALL, Ordering::Relaxed);
    }

    /// The connection was upgraded (to a WebSocket): it reads no headers any
    /// more, so no deadline applies.
    pub(super) fn upgraded(&self) {
        self.upgraded.store(true, Ordering::Relaxed);
    }

    /// The answer is handed over: the next headers are due within the timeout.
    fn call_finished(&self) {
        if self.upgraded.load(Ordering::Relaxed) {
            return;
        }
        let due = (Instant::now() - self.origin).saturating_add(self.timeout);
        self.deadline.store(nanos(due), Ordering::Relaxed);
    }

    /// When the current wait for headers ends; `None` during a call.
    fn deadline(&self) -> Option<Instant> {
        match self.deadline.load(Ordering::Relaxed) {
            IN_CALL => None,
            due => Some(self.origin + Duration::from_nanos(due)),
        }
    }
}

/// Nanoseconds, saturated below [`IN_CALL`] (a timeout of centuries is the
/// same as none).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).map_or(IN_CALL - 1, |n| n.min(IN_CALL - 1))
}

/// The timer of a connection's header deadline: one per connection,
/// moved lazily.
#[derive(Debug)]
pub(super) struct HeaderTimer {
    /// Fires at the deadline as it stood when the timer was last set, which
    /// is never later than the current one.
    timer: Pin<Box<Sleep>>,
    /// Whether the timer is registered to wake the connection.
    armed: bool,
}

impl HeaderTimer {
    pub(super) fn new(watch: &Watch) -> Self {
        let first = watch.deadline().unwrap_or_else(Instant::now);
        Self {
            timer: Box::pin(tokio::time::sleep_until(first)),
            armed: false,
        }
    }

    /// Called when a read would wait: `Pending` if the client is still in
    /// time (the timer then wakes the connection), an error if it is late.
    pub(super) fn poll_deadline(
        &mut self,
        watch: &Watch,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let Some(due) = watch.deadline() else {
                return Poll::Pending;
            };
            ready!(self.poll_timer(cx));
            if due <= self.timer.deadline() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client did not send a request's headers in time",
                )));
            }
            // Requests came and went since the timer was set: move it on.
            self.timer.as_mut().reset(due);
        }
    }

    /// Called as hyper flushes an answer: the wait for the next headers
    /// starts, and the timer must be running, since no read may come to start
    /// it (hyper reads again only when the client sends or the timer fires).
    pub(super) fn keep_armed(&mut self, watch: &Watch, cx: &mut Context<'_>) {
        if self.armed {
            return;
        }
        if let Some(due) = watch.deadline() {
            self.timer.as_mut().reset(due);
            if self.poll_timer(cx).is_ready() {
                // Already due (a zero timeout): let the next read say so.
                cx.waker().wake_by_ref();
            }
        }
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let polled = self.timer.as_mut().poll(cx);
        self.armed = polled.is_pending();
        polled
    }
}

/// An answer's body: once hyper is done with it (and drops it), the
/// connection waits for the next request's headers.
#[derive(Debug)]
pub(super) struct Answer {
    body: Body,
    watch: Arc<Watch>,
}

impl Answer {
    pub(super) fn new(body: Body, watch: Arc<Watch>) -> Self {
        Self { body, watch }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        self.watch.call_finished();
    }
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_deadline_runs_only_between_calls() {
        let watch = Watch::new(Duration::from_secs(30));
        assert_eq!(
            watch.deadline(),
            Some(watch.origin + Duration::from_secs(30))
        );
        tokio::time::advance(Duration::from_secs(20)).await;
        watch.call_started();
        assert_eq!(watch.deadline(), None);
        tokio::time::advance(Duration::from_secs(100)).await;
        drop(Answer::new(Body::empty(), Arc::clone(&watch)));
        assert_eq!(
            watch.deadline(),
            Some(watch.origin + Duration::from_secs(150))
        );
    }

    #[test]
    fn a_timeout_of_centuries_is_no_deadline_overflow() {
        assert_eq!(nanos(Duration::MAX), IN_CALL - 1);
        assert_eq!(nanos(Duration::from_nanos(7)), 7);
    }
}
