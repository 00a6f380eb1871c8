//! [`serve`]: the HTTP/1 server for a router, with the timeouts a server on an
//! open network needs and a graceful shutdown that finishes accepted calls.

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use futures_util::FutureExt;
use rpc_core::tls::{ServerTls, TlsError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use self::connection::{Connections, accept_failed};
pub use self::graceful::Watcher;
use self::linger::Bounds;
pub use self::linger::{
    DEFAULT_LINGERING_MAX_BYTES, DEFAULT_LINGERING_TIME, DEFAULT_LINGERING_TIMEOUT,
};
pub use self::listener::Listener;
#[cfg(unix)]
pub use self::listener::bind_unix;
pub use self::send_timeout::DEFAULT_SEND_TIMEOUT;

mod connection;
mod graceful;
mod guarded;
mod header_deadline;
mod linger;
mod listener;
mod rewind;
mod send_timeout;

/// The default bound on the time a client may take to send a request's
/// headers, and to start the next request on a kept-alive connection: 30
/// seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on connections served at once: 1024. An HTTP/1
/// connection carries one call at a time, so this bounds concurrent HTTP/1
/// calls too (a JSON-RPC batch or an XML-RPC multicall is bounded by its own
/// limit); an HTTP/2 connection carries up to 200 at once, as streams.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Serves `router` on `listener` (a [`tokio::net::TcpListener`], or a
/// [`tokio::net::UnixListener`] or [`bind_unix`]'s socket: see
/// [`Listener`]), as `axum::serve` does, and also:
///
/// - **bounds the connections it serves at once** (default
///   [`DEFAULT_MAX_CONNECTIONS`]): at the bound it stops accepting until one
///   closes, and new clients wait in the kernel's listen queue;
/// - **bounds the time to send a request's headers** (default
///   [`DEFAULT_HEADER_READ_TIMEOUT`]), so that a slow or idle client cannot
///   hold a connection forever (`axum::serve` installs no timer, so hyper's
///   own bound never fires); the time to send a body is bounded by
///   [`RpcRouter::body_read_timeout`](crate::RpcRouter::body_read_timeout);
/// - **cuts off a client that stops reading its answer** once a write has
///   waited for [`send_timeout`](Serve::send_timeout) (default
///   [`DEFAULT_SEND_TIMEOUT`]);
/// - **closes after an early answer without a reset** (a lingering close,
///   as nginx's): when it answers before it has read a request's body (413
///   over the size limit, 415, a 401 from a layer, 408), it stops writing
///   and reads and discards what the client still sends, so that a client
///   that writes its whole request before it reads (Python's `http.client`,
///   `xmlrpc.client`, `requests`) reads the answer rather than a broken
///   pipe; bounded by [`lingering_time`](Serve::lingering_time) (default
///   [`DEFAULT_LINGERING_TIME`]), [`lingering_timeout`](Serve::lingering_timeout)
///   (default [`DEFAULT_LINGERING_TIMEOUT`]) and
///   [`lingering_max_bytes`](Serve::lingering_max_bytes) (default
///   [`DEFAULT_LINGERING_MAX_BYTES`]);
/// - **shuts down gracefully** when the future given to
///   [`with_graceful_shutdown`](Serve::with_graceful_shutdown) resolves: it
///   stops accepting, answers the calls whose headers it has read (a kept-alive
///   connection is closed after its answer), serves the one request of each
///   connection already waiting in the listen queue, and returns once all are
///   answered;
/// - gives handlers the peer's address as
///   [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) (over a Unix
///   socket, the peer process's credentials as
///   `ConnectInfo<tokio::net::unix::UCred>`) when asked to
///   ([`with_connect_info`](Serve::with_connect_info)).
///
/// Everything above holds on a Unix socket as on TCP; TLS is for TCP only
/// (a Unix socket's file permissions are its access control, see
/// [`bind_unix`]). When the server ends, it removes its Unix socket's file.
///
/// ```no_run
/// # use rpc_core::RpcError;
/// # #[rpc_core::service]
/// # pub trait Hello { async fn hello(&self) -> Result<String, RpcError>; }
/// # struct English;
/// # impl Hello for English { async fn hello(&self) -> Result<String, RpcError> { Ok("hi".into()) } }
/// use std::time::Duration;
///
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let app = rpc_http::router(HelloServer::new(English));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// rpc_http::serve(listener, app)
///     .header_read_timeout(Duration::from_secs(10))
///     .with_graceful_shutdown(async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
pub fn serve(listener: impl Into<Listener>, router: Router) -> Serve {
    Serve {
        listener: listener.into(),
        router,
        header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        send_timeout: DEFAULT_SEND_TIMEOUT,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        lingering: Bounds::default(),
        tls: None,
        http2: true,
        connect_info: false,
        shutdown: None,
    }
}

/// The server [`serve`] returns: set its options, then `.await` it.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve {
    listener: Listener,
    router: Router,
    header_read_timeout: Duration,
    send_timeout: Duration,
    max_connections: usize,
    lingering: Bounds,
    tls: Option<Arc<rustls::ServerConfig>>,
    http2: bool,
    connect_info: bool,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("send_timeout", &self.send_timeout)
            .field("max_connections", &self.max_connections)
            .field("lingering", &self.lingering)
            .field("tls", &self.tls.is_some())
            .field("http2", &self.http2)
            .field("connect_info", &self.connect_info)
            .field("graceful_shutdown", &self.shutdown.is_some())
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Bounds the time a client may take to send a request's headers (and to
    /// start the next request on a kept-alive connection); past it, the
    /// connection is closed.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Bounds the time a write of an answer may wait for the client to read
    /// (default [`DEFAULT_SEND_TIMEOUT`]): a client that stops reading is cut
    /// off once a write has made no progress for that long.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// Bounds the connections served at once; at the bound, the server stops
    /// accepting until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Bounds the whole time a connection lingers after an early answer
    /// (default [`DEFAULT_LINGERING_TIME`]); past it, the connection is
    /// closed even if the client is still sending. `Duration::ZERO` turns
    /// lingering off: the connection closes at once, and a client still
    /// writing its request may see a reset instead of the answer.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> std::io::Result<()> {
    /// let app = axum::Router::new();
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// rpc_http::serve(listener, app)
    ///     .lingering_time(Duration::from_secs(10))
    ///     .lingering_timeout(Duration::from_secs(2))
    ///     .lingering_max_bytes(16 << 20)
    ///     .await
    /// # }
    /// ```
    pub fn lingering_time(mut self, time: Duration) -> Self {
        self.lingering.time = time;
        self
    }

    /// Bounds the silence of a lingering client (default
    /// [`DEFAULT_LINGERING_TIMEOUT`]): a client that sends nothing for that
    /// long is done, and the connection is closed.
    pub fn lingering_timeout(mut self, timeout: Duration) -> Self {
        self.lingering.timeout = timeout;
        self
    }

    /// Bounds the bytes a lingering connection reads and discards (default
    /// [`DEFAULT_LINGERING_MAX_BYTES`]); past it, the connection is closed.
    pub fn lingering_max_bytes(mut self, bytes: u64) -> Self {
        self.lingering.max_bytes = bytes;
        self
    }

    /// Serves HTTPS: every connection starts with a TLS handshake (bounded by
    /// the header-read timeout), showing `tls`'s certificate and asking for a
    /// client certificate if `tls` requires one. Limits, lingering close and
    /// graceful shutdown apply as to plain HTTP. On a Unix socket, the server
    /// refuses to start ([`io::ErrorKind::Unsupported`]).
    ///
    /// ```no_run
    /// use rpc_core::tls::ServerTls;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let tls = ServerTls::from_files("server.pem", "server.key")?;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
    /// rpc_http::serve(listener, axum::Router::new()).tls(&tls)?.await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, tls: &ServerTls) -> Result<Self, TlsError> {
        self.tls = Some(tls.rustls_config(&[b"h2", b"http/1.1"])?);
        Ok(self)
    }

    /// Serves HTTP/1.1 only. By default the server also speaks HTTP/2 to
    /// the clients that ask for it: over TLS by ALPN (`h2`), and on a plain
    /// connection with prior knowledge (h2c, as `curl --http2-prior-knowledge`
    /// and gRPC-style clients do); many calls then share one connection as
    /// concurrent streams. WebSocket upgrades are HTTP/1.1's.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// rpc_http::serve(listener, axum::Router::new()).http1_only().await
    /// # }
    /// ```
    pub fn http1_only(mut self) -> Self {
        self.http2 = false;
        self
    }

    /// Gives every request the peer's address as
    /// [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo), as axum's
    /// `into_make_service_with_connect_info` does; off by default, as there
    /// (it costs an allocation a request).
    ///
    /// ```no_run
    /// use std::net::SocketAddr;
    ///
    /// use axum::extract::ConnectInfo;
    /// use axum::routing::get;
    ///
    /// # #[tokio::main]
    /// # async fn main() -> std::io::Result<()> {
    /// let app = axum::Router::new().route(
    ///     "/whoami",
    ///     get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
    /// );
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// rpc_http::serve(listener, app).with_connect_info().await
    /// # }
    /// ```
    pub fn with_connect_info(mut self) -> Self {
        self.connect_info = true;
        self
    }

    /// Shuts down gracefully when `signal` resolves (see [`serve`]).
    pub fn with_graceful_shutdown<F>(mut self, signal: F) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// The address the server listens on (an error on a Unix socket).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    async fn run(self) -> io::Result<()> {
        let Self {
            listener,
            router,
            header_read_timeout,
            send_timeout,
            max_connections,
            lingering,
            tls,
            http2,
            connect_info,
            shutdown,
        } = self;
        if tls.is_some() && listener.is_unix() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "TLS on a Unix socket: serve it over TCP, or plain on the socket \
                 (its file permissions are its access control)",
            ));
        }
        let places = Arc::new(Semaphore::new(max_connections));
        let connections = Arc::new(Connections {
            builder: connection::http1_builder(),
            http2: http2.then(connection::http2_builder),
            tls: tls.map(|config| connection::tls_acceptor(config, http2)),
            header_read_timeout,
            send_timeout,
            lingering,
            connect_info,
            router,
        });
        let graceful = graceful::Graceful::new();
        let mut shutdown = shutdown.unwrap_or_else(|| Box::pin(std::future::pending()));
        loop {
            // A place first, then a connection: at the bound, clients wait in
            // the listen queue rather than in the server's memory.
            let place = tokio::select! {
                place = Arc::clone(&places).acquire_owned() => place.expect("never closed"),
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(err).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let connection = Arc::clone(&connections).run(accepted, Some(graceful.watcher()));
            tokio::spawn(async move {
                connection.await;
                // The connection has ended: its place is free again.
                drop(place);
            });
        }

        // Connections the kernel completed but that were not accepted yet each
        // hold a request sent in good faith: serve that one request.
        let mut last = JoinSet::new();
        let mut one_request = Connections::clone(&connections);
        one_request.builder.keep_alive(false);
        let one_request = Arc::new(one_request);
        while let Some(Ok(accepted)) = listener.accept().now_or_never() {
            last.spawn(Arc::clone(&one_request).run(accepted, None));
        }
        listener.close();
        tracing::debug!(
            connections = graceful.count() + last.len(),
            "stopped accepting; finishing the calls in flight"
        );
        graceful.shutdown().await;
        last.join_all().await;
        Ok(())
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
