//! [`Accepted`]: an accepted connection's byte stream, plain TCP or TLS.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// An accepted connection, as HTTP reads and writes it.
#[derive(Debug)]
pub(super) enum Accepted {
    Tcp(TcpStream),
    /// Boxed: a TLS session is large, and rarer than plain TCP behind a proxy.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Accepted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Accepted::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Accepted::Tls(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Accepted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Accepted::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Accepted::Tls(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Accepted::Tcp(io) => Pin::new(io).poll_flush(cx),
            Accepted::Tls(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Accepted::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Accepted::Tls(io) => Pin::new(io).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Accepted::Tcp(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Accepted::Tls(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Accepted::Tcp(io) => io.is_write_vectored(),
            Accepted::Tls(io) => io.is_write_vectored(),
        }
    }
}
