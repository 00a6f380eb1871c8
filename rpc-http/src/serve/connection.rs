//! [`Connections`]: how the server serves each connection it accepts, and
//! what it does when a connection ends or cannot be accepted.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::graceful::Watcher;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use futures_util::TryFutureExt;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tower::ServiceExt;

use super::guarded::Guarded;
use super::header_deadline::{Answer, Watch};
use super::linger::{Bounds, RequestBody, Unread};
use super::listener::Plain;
use super::rewind::{Rewind, sniff};
use super::send_timeout::SendTimer;
use crate::stream::Stream;

/// Who is at the other end, as [`ConnectInfo`] tells handlers.
#[derive(Clone, Debug)]
enum Peer {
    Tcp(SocketAddr),
    /// The peer process's credentials, when asked for.
    #[cfg(unix)]
    Unix(Option<tokio::net::unix::UCred>),
}

/// An accepted connection.
type Accepted = Stream<TlsStream<TcpStream>>;

/// An accepted connection whose protocol is known, its first bytes ready
/// to be read again.
type Told = Rewind<Accepted>;

/// How often an idle HTTP/2 connection is pinged, and how long its answer
/// may take before the connection is closed.
const HTTP2_KEEP_ALIVE: Duration = Duration::from_secs(20);

/// How many calls an HTTP/2 connection may have in progress at once.
const HTTP2_MAX_STREAMS: u32 = 200;

/// HTTP/1.1 as the server speaks it.
pub(super) fn http1_builder() -> http1::Builder {
    let mut builder = http1::Builder::new();
    // The header-read timeout is kept per connection (`Guarded`), not by
    // hyper's timer per request.
    builder.header_read_timeout(None);
    // Head and body written with one `write` from one buffer rather than
    // a `writev` of both: RPC answers are small, and the copy costs less
    // than the vectored call (measured: ~5% more calls a second).
    builder.writev(false);
    builder
}

/// HTTP/2 as the server speaks it.
pub(super) fn http2_builder() -> http2::Builder<TokioExecutor> {
    let mut builder = http2::Builder::new(TokioExecutor::new());
    // A peer that vanishes without a word is found by its missing answer
    // to a ping.
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(Some(HTTP2_KEEP_ALIVE))
        .keep_alive_timeout(HTTP2_KEEP_ALIVE)
        .max_concurrent_streams(HTTP2_MAX_STREAMS);
    builder
}

/// The TLS handshake of `config`, which offers `h2` only if the server
/// serves `http2`.
pub(super) fn tls_acceptor(config: Arc<rustls::ServerConfig>, http2: bool) -> TlsAcceptor {
    let mut config = Arc::unwrap_or_clone(config);
    if !http2 {
        config.alpn_protocols.retain(|p| p != b"h2");
    }
    TlsAcceptor::from(Arc::new(config))
}

/// How the server serves each connection it accepts.
#[derive(Clone)]
pub(super) struct Connections {
    pub builder: http1::Builder,
    /// HTTP/2, when served: to clients that ask for it, by ALPN over TLS or
    /// with prior knowledge (h2c) on a plain connection.
    pub http2: Option<http2::Builder<TokioExecutor>>,
    /// The TLS handshake every connection starts with, if the server speaks
    /// TLS.
    pub tls: Option<TlsAcceptor>,
    pub header_read_timeout: Duration,
    pub send_timeout: Duration,
    pub lingering: Bounds,
    pub connect_info: bool,
    pub router: Router,
}

impl Connections {
    /// Serves an accepted connection to its end: the TLS handshake first
    /// (bounded by the header-read timeout) if the server speaks TLS, then
    /// HTTP, under `watcher` for a graceful shutdown when there is one.
    pub(super) async fn run(self: Arc<Self>, plain: Plain, watcher: Option<Watcher>) {
        let (io, peer) = match plain {
            Plain::Tcp(stream, peer) => {
                // Small answers go out at once rather than after Nagle's delay.
                let _ = stream.set_nodelay(true);
                match self.tls_handshake(stream, peer).await {
                    Some(io) => (io, Peer::Tcp(peer)),
                    None => return,
                }
            }
            // `serve` refuses TLS on a Unix socket.
            #[cfg(unix)]
            Plain::Unix(stream) => {
                let credentials = self.connect_info.then(|| stream.peer_cred().ok());
                (Stream::Unix(stream), Peer::Unix(credentials.flatten()))
            }
        };
        let mut watcher = watcher;
        let Some((io, http2)) = self.protocol(io, &mut watcher).await else {
            return;
        };
        let ended = if http2 {
            let connection = self.serve_http2(io, peer, watcher.clone());
            Watcher::drive(watcher, connection, |c| c.graceful_shutdown()).await
        } else {
            // Its requests find the watcher as their task's.
            let connection = self.serve(io, peer);
            let current = watcher.clone();
            Watcher::serving(
                current,
                Watcher::drive(watcher, connection, |c| c.graceful_shutdown()),
            )
            .await
        };
        log_connection_end(ended);
    }

    /// The TLS handshake, bounded by the header-read timeout, if the server
    /// speaks TLS; `None` when it fails.
    async fn tls_handshake(&self, stream: TcpStream, peer: SocketAddr) -> Option<Accepted> {
        let Some(acceptor) = &self.tls else {
            return Some(Stream::Tcp(stream));
        };
        match tokio::time::timeout(self.header_read_timeout, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => Some(Stream::Tls(Box::new(stream))),
            Ok(Err(err)) => {
                tracing::debug!(%peer, error = %err, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake not finished in time");
                None
            }
        }
    }

    /// Which HTTP the connection speaks: HTTP/2 when TLS agreed on `h2`,
    /// or when a plain connection starts with HTTP/2's preface and the
    /// server serves HTTP/2; HTTP/1.1 otherwise. `None` when the connection
    /// ended, or sent nothing within the header-read timeout, or the server
    /// began to shut down first.
    async fn protocol(
        &self,
        mut stream: Accepted,
        watcher: &mut Option<Watcher>,
    ) -> Option<(Told, bool)> {
        if let Stream::Tls(tls) = &stream {
            let http2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            return Some((Rewind::new(Bytes::new(), stream), http2));
        }
        if self.http2.is_none() {
            return Some((Rewind::new(Bytes::new(), stream), false));
        }
        let first = tokio::time::timeout(self.header_read_timeout, sniff(&mut stream));
        tokio::select! {
            first = first => match first {
                Ok(Ok((read, http2))) => Some((Rewind::new(read, stream), http2)),
                _ => None,
            },
            () = Watcher::shutting_down_or_never(watcher) => None,
        }
    }

    /// One HTTP/2 connection, its streams served by the router, each a task
    /// of its own with `watcher` in its request's extensions.
    fn serve_http2(
        &self,
        stream: Told,
        peer: Peer,
        watcher: Option<Watcher>,
    ) -> http2::Connection<
        TokioIo<Told>,
        impl hyper::service::HttpService<
            Incoming,
            ResBody = Body,
            Future: Send + 'static,
            Error = std::convert::Infallible,
        > + use<>,
        TokioExecutor,
    > {
        let builder = self.http2.as_ref().expect("HTTP/2 is served");
        let connect_info = self.connect_info;
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let request = prepare(
                request.map(Body::new),
                &peer,
                connect_info,
                watcher.as_ref(),
            );
            router.clone().oneshot(request)
        });
        builder.serve_connection(TokioIo::new(stream), service)
    }

    /// One connection, served by the router; a request may upgrade it (to
    /// a WebSocket), whose session takes the connection's watcher
    /// ([`Watcher::current`]) to close gracefully too.
    fn serve(
        &self,
        stream: Told,
        peer: Peer,
    ) -> http1::UpgradeableConnection<
        Guarded<TokioIo<Told>>,
        impl hyper::service::Service<
            http::Request<Incoming>,
            Response = http::Response<Answer>,
            Error = std::convert::Infallible,
            Future: Send,
        > + Send
        + use<>,
    > {
        let watch = Watch::new(self.header_read_timeout);
        let unread = Arc::new(Unread::default());
        let io = Guarded::new(
            TokioIo::new(stream),
            Arc::clone(&watch),
            SendTimer::new(self.send_timeout),
            Arc::clone(&unread),
            self.lingering,
        );
        let connect_info = self.connect_info;
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            watch.call_started();
            unread.clear();
            // A body that may be left unread tells the connection so, which
            // then lingers as it closes.
            let request = if request.body().is_end_stream() {
                request.map(Body::new)
            } else {
                let unread = Arc::clone(&unread);
                request.map(|body| Body::new(RequestBody::new(body, unread)))
            };
            let request = prepare(request, &peer, connect_info, None);
            let watch = Arc::clone(&watch);
            router.clone().oneshot(request).map_ok(move |response| {
                if response.status() == http::StatusCode::SWITCHING_PROTOCOLS {
                    // The connection is a WebSocket's now: no header
                    // deadline any more.
                    watch.upgraded();
                }
                response.map(|body| Answer::new(body, watch))
            })
        });
        self.builder.serve_connection(io, service).with_upgrades()
    }
}

/// A request as the router gets it: with the peer, when asked for, and the
/// shutdown's watcher, when its task has none (see [`Watcher::of`]).
fn prepare(
    mut request: http::Request<Body>,
    peer: &Peer,
    connect_info: bool,
    watcher: Option<&Watcher>,
) -> http::Request<Body> {
    if connect_info {
        let extensions = request.extensions_mut();
        match peer {
            Peer::Tcp(addr) => {
                extensions.insert(ConnectInfo(*addr));
            }
            #[cfg(unix)]
            Peer::Unix(Some(credentials)) => {
                extensions.insert(ConnectInfo(*credentials));
            }
            #[cfg(unix)]
            Peer::Unix(None) => {}
        }
    }
    if let Some(watcher) = watcher {
        request.extensions_mut().insert(watcher.clone());
    }
    request
}

fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        // A peer that goes away, times out or sends garbage is its own business.
        tracing::debug!(error = %err, "connection ended with an error");
    }
}

/// An error of `accept`: a connection that failed before it was accepted is
/// passed over; anything else (out of file descriptors…) is logged and retried
/// after a pause, rather than spinning.
pub(super) async fn accept_failed(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection; retrying in one second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
