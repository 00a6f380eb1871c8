//! [`Guarded`]: a connection's transport with the server's guards on it.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use hyper::rt::{Read, ReadBufCursor, Write};

use super::header_deadline::{HeaderTimer, Watch};
use super::linger::{Bounds, Linger, Unread};
use super::send_timeout::SendTimer;

/// A connection's transport, which
///
/// - fails a read with [`io::ErrorKind::TimedOut`] when a client waits past
///   the deadline to send its headers ([`super::header_deadline`]);
/// - fails a write with it when a client stops reading its answer
///   ([`super::send_timeout`]);
/// - lingers when it is shut down after a request body was left unread
///   ([`super::linger`]).
#[derive(Debug)]
pub(super) struct Guarded<I> {
    io: I,
    watch: Arc<Watch>,
    header_timer: HeaderTimer,
    send_timer: SendTimer,
    unread: Arc<Unread>,
    bounds: Bounds,
    /// The lingering close under way, if any.
    linger: Option<Linger>,
}

impl<I> Guarded<I> {
    pub(super) fn new(
        io: I,
        watch: Arc<Watch>,
        send_timer: SendTimer,
        unread: Arc<Unread>,
        bounds: Bounds,
    ) -> Self {
        Self {
            io,
            header_timer: HeaderTimer::new(&watch),
            watch,
            send_timer,
            unread,
            bounds,
            linger: None,
        }
    }
}

impl<I: Read + Unpin> Read for Guarded<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Pending => this.header_timer.poll_deadline(&this.watch, cx),
            ready => ready,
        }
    }
}

impl<I: Read + Write + Unpin> Write for Guarded<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.send_timer.check(cx, polled)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.header_timer.keep_armed(&this.watch, cx);
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        this.send_timer.check(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.linger.is_none() && this.unread.is_set() && !this.bounds.time.is_zero() {
            this.linger = Some(Linger::ClosingWrite);
        }
        match &mut this.linger {
            Some(linger) => {
                ready!(linger.poll(cx, &mut this.io, this.bounds));
                Poll::Ready(Ok(()))
            }
            None => Pin::new(&mut this.io).poll_shutdown(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.send_timer.check(cx, polled)
    }
}
