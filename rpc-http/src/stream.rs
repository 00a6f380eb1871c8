//! [`Stream`]: a connection's byte stream, plain TCP, a Unix socket or TLS,
//! the same type for the server's accepted connections and the clients'
//! connections.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// A connection, plain or over TLS (`Tls` is tokio-rustls's client or server
/// stream).
#[derive(Debug)]
pub(crate) enum Stream<Tls> {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    /// Boxed: a TLS session is large.
    Tls(Box<Tls>),
}

/// Runs `$call` on whichever stream `$self` holds.
macro_rules! each {
    ($self:expr, $io:ident => $call:expr) => {
        match $self {
            Stream::Tcp($io) => $call,
            #[cfg(unix)]
            Stream::Unix($io) => $call,
            Stream::Tls($io) => $call,
        }
    };
}

impl<Tls: AsyncRead + Unpin> AsyncRead for Stream<Tls> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self.get_mut(), io => Pin::new(io).poll_read(cx, buf))
    }
}

impl<Tls: AsyncWrite + Unpin> AsyncWrite for Stream<Tls> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), io => Pin::new(io).poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), io => Pin::new(io).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        each!(self, io => io.is_write_vectored())
    }
}
