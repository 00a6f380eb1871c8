//! How the server tells HTTP/2 with prior knowledge (h2c) from HTTP/1.1 on
//! a plain connection: it reads the first bytes itself ([`sniff`]), then
//! hands them back to the protocol's reader ([`Rewind`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// What an HTTP/2 client with prior knowledge sends first (RFC 9113, 3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How much of the first request one read takes: enough for a whole small
/// call, so hyper does not read again for it.
const FIRST_READ: usize = 8 * 1024;

/// Reads until the first bytes tell the protocol: `true` for HTTP/2's
/// preface, `false` for anything else (HTTP/1.1, or the end of the stream).
/// The bytes read are returned, to be read again through [`Rewind`].
pub(super) async fn sniff<I: AsyncRead + Unpin>(io: &mut I) -> io::Result<(Bytes, bool)> {
    let mut read = BytesMut::with_capacity(FIRST_READ);
    loop {
        if io.read_buf(&mut read).await? == 0 {
            return Ok((read.freeze(), false));
        }
        let seen = read.len().min(PREFACE.len());
        if read[..seen] != PREFACE[..seen] {
            return Ok((read.freeze(), false));
        }
        if seen == PREFACE.len() {
            return Ok((read.freeze(), true));
        }
    }
}

/// A stream whose first bytes were already read: they are read again
/// first, then the stream's own.
#[derive(Debug)]
pub(super) struct Rewind<I> {
    read: Bytes,
    io: I,
}

impl<I> Rewind<I> {
    pub(super) fn new(read: Bytes, io: I) -> Self {
        Self { read, io }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Rewind<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.read.is_empty() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = this.read.len().min(buf.remaining());
        buf.put_slice(&this.read[..n]);
        this.read.advance(n);
        if this.read.is_empty() {
            // The buffer is freed now, not when the connection ends.
            this.read = Bytes::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Rewind<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test]
    async fn the_preface_is_http2_and_its_bytes_are_read_again() {
        let (mut client, mut server) = tokio::io::duplex(64);
        // The preface in two pieces: the server reads on until it is whole.
        client.write_all(&PREFACE[..5]).await.unwrap();
        let writer = tokio::spawn(async move {
            tokio::task::yield_now().await;
            client.write_all(&PREFACE[5..]).await.unwrap();
            client.write_all(b"frames").await.unwrap();
            client
        });
        let (read, http2) = sniff(&mut server).await.unwrap();
        assert!(http2);
        let _client = writer.await.unwrap();
        let mut again = Rewind::new(read, server);
        let mut first = vec![0; PREFACE.len()];
        again.read_exact(&mut first).await.unwrap();
        assert_eq!(first, PREFACE);
    }

    #[tokio::test]
    async fn http1_is_told_at_its_first_byte() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        drop(client);
        let (read, http2) = sniff(&mut server).await.unwrap();
        assert!(!http2);
        let mut again = String::new();
        Rewind::new(read, server)
            .read_to_string(&mut again)
            .await
            .unwrap();
        assert_eq!(again, "GET / HTTP/1.1\r\n");
    }

    #[tokio::test]
    async fn a_post_is_http1_though_it_starts_as_the_preface_does() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(b"P").await.unwrap();
        client
            .write_all(b"OST /jsonrpc HTTP/1.1\r\n")
            .await
            .unwrap();
        let (_, http2) = sniff(&mut server).await.unwrap();
        assert!(!http2);
    }
}
