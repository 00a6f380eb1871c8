//! The send timeout of a connection: a client that stops reading its answer
//! (its receive window stays full) is cut off once a write has made no
//! progress for the timeout, as nginx's `send_timeout` does, rather than
//! holding a connection and its answer forever.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// The default bound on the time a write may wait for a client to read: 30
/// seconds.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The timer of a connection's stalled writes, made the first time one
/// stalls.
#[derive(Debug)]
pub(super) struct SendTimer {
    timeout: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether the last write waited (the timer then runs from its start).
    stalled: bool,
}

impl SendTimer {
    pub(super) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            timer: None,
            stalled: false,
        }
    }

    /// Passes on the outcome of a write; a write that waits past the timeout
    /// becomes a [`io::ErrorKind::TimedOut`] error.
    pub(super) fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled = false;
            return polled;
        }
        let due = Instant::now() + self.timeout;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
        if !self.stalled {
            self.stalled = true;
            timer.as_mut().reset(due);
        }
        match timer.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer in time",
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::Waker;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_write_that_waits_past_the_timeout_fails_and_progress_restarts_it() {
        let mut timer = SendTimer::new(Duration::from_secs(30));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(timer.check::<()>(&mut cx, Poll::Pending).is_pending());
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(timer.check::<()>(&mut cx, Poll::Pending).is_pending());
        // Progress: the wait starts again.
        assert!(timer.check(&mut cx, Poll::Ready(Ok(()))).is_ready());
        assert!(timer.check::<()>(&mut cx, Poll::Pending).is_pending());
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(timer.check::<()>(&mut cx, Poll::Pending).is_pending());
        tokio::time::advance(Duration::from_secs(11)).await;
        let late = timer.check::<()>(&mut cx, Poll::Pending);
        assert!(matches!(late, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::TimedOut));
    }
}
