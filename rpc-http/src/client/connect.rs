//! How the HTTP client transports reach a server: TCP, then TLS for an
//! `https://` URL; and errors that say which address failed and why
//! ("127.0.0.1:9: connection refused", "certificate for 127.0.0.1 signed by
//! an unknown authority").

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tower::Service;

/// Why a connection to the server could not be made: the call was not sent.
#[derive(Debug)]
pub(crate) struct ConnectError {
    /// `host:port`.
    address: String,
    reason: String,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.address, self.reason)
    }
}

impl std::error::Error for ConnectError {}

/// The deepest cause of `err`, in words: an I/O error's own message rather
/// than the wrapper's ("tcp connect error").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

/// The longest a TCP connection may take to open.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Connects over TCP, and over TLS for `https://` URLs; or to a Unix socket.
#[derive(Clone)]
pub(crate) struct Connector {
    tcp: HttpConnector,
    tls: Option<TlsConnector>,
    /// Every connection goes to this Unix socket, whatever the URL's host.
    unix: Option<Arc<std::path::Path>>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// A connector that speaks TLS with `tls` for `https://` URLs (and
    /// refuses them without it).
    pub(crate) fn new(
        tls: Option<Arc<rustls::ClientConfig>>,
        unix: Option<Arc<std::path::Path>>,
    ) -> Self {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        // A server that does not answer a connection is reported as such,
        // rather than by the call's own timeout.
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        Self {
            tcp,
            tls: tls.map(TlsConnector::from),
            unix,
        }
    }
}

impl Service<Uri> for Connector {
    type Response = Stream;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, ConnectError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        self.tcp.poll_ready(cx).map_err(|err| ConnectError {
            address: "the resolver".into(),
            reason: root_cause(&err),
        })
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        if let Some(path) = self.unix.clone() {
            return Box::pin(connect_unix(path));
        }
        let https = uri.scheme_str() == Some("https");
        let host = uri.host().unwrap_or_default().to_owned();
        let address = address(None, &uri);
        let tls = self.tls.clone();
        let tcp = self.tcp.call(uri);
        Box::pin(async move {
            let fail = |reason: String| ConnectError {
                address: address.clone(),
                reason,
            };
            let tcp = tcp.await.map_err(|err| fail(root_cause(&err)))?;
            if !https {
                return Ok(TokioIo::new(crate::stream::Stream::Tcp(tcp.into_inner())));
            }
            let tls = tls.ok_or_else(|| fail("no TLS settings for an https URL".into()))?;
            let name = rpc_core::tls::server_name(&host).map_err(&fail)?;
            let stream = tls.connect(name, tcp.into_inner()).await.map_err(|err| {
                fail(match rpc_core::tls::rustls_error(&err) {
                    Some(tls) => rpc_core::tls::explain(tls, &host),
                    None => format!("TLS handshake failed: {err}"),
                })
            })?;
            Ok(TokioIo::new(crate::stream::Stream::Tls(Box::new(stream))))
        })
    }
}

/// Where connections to `uri` go, in words: the Unix socket's path, or
/// `host:port`.
pub(crate) fn address(unix: Option<&std::path::Path>, uri: &Uri) -> String {
    if let Some(path) = unix {
        return path.display().to_string();
    }
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    format!("{host}:{port}")
}

impl Connector {
    /// Where this connector's connections to `uri` go, in words.
    pub(crate) fn address(&self, uri: &Uri) -> String {
        address(self.unix.as_deref(), uri)
    }
}

#[cfg(unix)]
async fn connect_unix(path: Arc<std::path::Path>) -> Result<Stream, ConnectError> {
    let connect = tokio::net::UnixStream::connect(&*path);
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(stream)) => Ok(TokioIo::new(crate::stream::Stream::Unix(stream))),
        Ok(Err(err)) => Err(ConnectError {
            address: path.display().to_string(),
            reason: err.to_string(),
        }),
        Err(_) => Err(ConnectError {
            address: path.display().to_string(),
            reason: "no answer within 10 s".into(),
        }),
    }
}

#[cfg(not(unix))]
async fn connect_unix(path: Arc<std::path::Path>) -> Result<Stream, ConnectError> {
    Err(ConnectError {
        address: path.display().to_string(),
        reason: "Unix sockets are not supported on this platform".into(),
    })
}

/// A connection to a server, plain or TLS.
pub(crate) type Stream = TokioIo<crate::stream::Stream<TlsStream<TcpStream>>>;

impl Connection for crate::stream::Stream<TlsStream<TcpStream>> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}
