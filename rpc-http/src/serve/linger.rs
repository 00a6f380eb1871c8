//! Lingering close: after an answer given before the request's body was read
//! (413, 415, 401, 408…), the connection stops writing, reads and discards
//! what the client still sends, and closes only then, within bounds.
//!
//! Most clients write a whole request before they read (Python's
//! `http.client`, `urllib`, `xmlrpc.client`, `requests`; Java's
//! `HttpURLConnection`). If the server closes while such a client is still
//! writing, the kernel answers the unread bytes with a reset, and the client
//! sees `BrokenPipeError` or "connection reset" instead of the answer that is
//! already in its receive buffer. nginx (`lingering_close`, `lingering_time`,
//! `lingering_timeout`) and Apache do what this module does, with the same
//! kind of bounds: a total time, a time of silence, and here also a number of
//! bytes, past any of which the connection is closed anyway.
//!
//! Only a connection whose last request body was left unread lingers (its
//! [`RequestBody`] was dropped before its end); every other connection
//! closes at once. hyper may still drain a small rest itself and keep the
//! connection alive; the mark is then cleared by the next request.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Bytes, HttpBody};
use hyper::body::Incoming;
use hyper::rt::{Read, ReadBuf, Write};
use tokio::time::{Instant, Sleep};

/// The default bound on the whole time a connection lingers: 30 seconds, as
/// nginx's `lingering_time`.
pub const DEFAULT_LINGERING_TIME: Duration = Duration::from_secs(30);

/// The default bound on the silence of a lingering client: 5 seconds, as
/// nginx's `lingering_timeout`.
pub const DEFAULT_LINGERING_TIMEOUT: Duration = Duration::from_secs(5);

/// The default bound on the bytes read and discarded while lingering: 128 MiB.
pub const DEFAULT_LINGERING_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// The bounds of a lingering close; a zero time turns lingering off.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub time: Duration,
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            time: DEFAULT_LINGERING_TIME,
            timeout: DEFAULT_LINGERING_TIMEOUT,
            max_bytes: DEFAULT_LINGERING_MAX_BYTES,
        }
    }
}

/// Whether a connection's last request body was left unread: set by the
/// [`RequestBody`] dropped before its end, cleared when the next request's
/// headers are read (hyper then drained the rest itself and went on).
#[derive(Debug, Default)]
pub(super) struct Unread(AtomicBool);

impl Unread {
    pub(super) fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(super) fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A request's body, which tells the connection when it is dropped before
/// its end.
#[derive(Debug)]
pub(super) struct RequestBody {
    body: Incoming,
    unread: Arc<Unread>,
    ended: bool,
}

impl RequestBody {
    pub(super) fn new(body: Incoming, unread: Arc<Unread>) -> Self {
        Self {
            body,
            unread,
            ended: false,
        }
    }
}

impl Drop for RequestBody {
    fn drop(&mut self) {
        if !self.ended && !self.body.is_end_stream() {
            self.unread.set();
        }
    }
}

impl HttpBody for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let frame = ready!(Pin::new(&mut this.body).poll_frame(cx));
        this.ended |= frame.is_none();
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// How far a lingering close has come.
#[derive(Debug)]
pub(super) enum Linger {
    /// The write side is being shut down (the answer flushed, then FIN).
    ClosingWrite,
    /// Reading and discarding until the client closes or a bound is passed.
    Draining {
        until: Instant,
        left: u64,
        scratch: Box<[u8]>,
        /// Fires when the client has been silent too long, or at `until`.
        timer: Pin<Box<Sleep>>,
    },
    /// Done: the connection may close.
    Done,
}

/// The size of the buffer a lingering connection reads into.
const SCRATCH: usize = 16 * 1024;

impl Linger {
    /// Drives a lingering close of `io` to its end.
    pub(super) fn poll<I: Read + Write + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        io: &mut I,
        bounds: Bounds,
    ) -> Poll<()> {
        loop {
            match self {
                Linger::ClosingWrite => {
                    if ready!(Pin::new(&mut *io).poll_shutdown(cx)).is_err() {
                        *self = Linger::Done;
                        continue;
                    }
                    let now = Instant::now();
                    *self = Linger::Draining {
                        until: now + bounds.time,
                        left: bounds.max_bytes,
                        scratch: vec![0; SCRATCH].into_boxed_slice(),
                        timer: Box::pin(tokio::time::sleep_until(
                            now + bounds.timeout.min(bounds.time),
                        )),
                    };
                }
                Linger::Draining {
                    until,
                    left,
                    scratch,
                    timer,
                } => {
                    let mut buf = ReadBuf::new(scratch);
                    match Pin::new(&mut *io).poll_read(cx, buf.unfilled()) {
                        Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                            let read = buf.filled().len() as u64;
                            *left = left.saturating_sub(read);
                            let now = Instant::now();
                            if *left == 0 || now >= *until {
                                tracing::debug!("lingering client cut off at its bound");
                                *self = Linger::Done;
                            } else {
                                timer.as_mut().reset((now + bounds.timeout).min(*until));
                            }
                        }
                        // The client closed (or failed): nothing more to read.
                        Poll::Ready(_) => *self = Linger::Done,
                        Poll::Pending => {
                            ready!(timer.as_mut().poll(cx));
                            tracing::debug!("lingering client silent past its bound");
                            *self = Linger::Done;
                        }
                    }
                }
                Linger::Done => return Poll::Ready(()),
            }
        }
    }
}
