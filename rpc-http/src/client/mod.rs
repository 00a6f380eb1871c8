//! Client transports over HTTP for the generated clients.

/// The options every HTTP transport has, on its `endpoint` field.
macro_rules! endpoint_options {
    ($transport:ty) => {
        impl $transport {
            /// Sends this header with every call (e.g. `Authorization`).
            pub fn header(
                mut self,
                name: ::http::header::HeaderName,
                value: ::http::header::HeaderValue,
            ) -> Self {
                self.endpoint.header(name, value);
                self
            }

            /// Bounds the time of a call, end to end (default 30 s); past it
            /// the call fails with [`ClientError::Timeout`](rpc_core::ClientError::Timeout).
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.endpoint.timeout(timeout);
                self
            }

            /// Trusts, over `https://`, what `tls` says (default: the
            /// platform's roots), and shows its client certificate if it has one.
            pub fn tls(
                mut self,
                tls: &::rpc_core::tls::ClientTls,
            ) -> ::std::result::Result<Self, ::rpc_core::tls::TlsError> {
                self.endpoint.tls(tls)?;
                Ok(self)
            }
        }
    };
}

/// The option of the transports whose calls are plain HTTP requests.
macro_rules! http2_option {
    ($transport:ty) => {
        impl $transport {
            /// Speaks HTTP/2 to the server: with prior knowledge (h2c) on
            /// `http://` and `unix:` URLs, by ALPN (`h2`) over `https://`.
            /// The calls then share one connection as concurrent streams,
            /// where HTTP/1.1 opens a connection per call in progress. The
            /// server must speak HTTP/2 ([`serve`](crate::serve) does).
            pub fn http2(mut self) -> Self {
                self.endpoint.http2();
                self
            }
        }
    };
}

mod args;
mod connect;
mod events;
mod jsonrpc;
mod lost;
mod pool;
mod rest;
mod websocket;
mod xmlrpc;

#[cfg(test)]
mod tests;

use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rpc_core::ClientError;
use rpc_core::tls::{ClientTls, TlsError};

use self::connect::Connector;

pub use self::jsonrpc::JsonRpcTransport;
pub use self::rest::RestTransport;
pub use self::websocket::WebSocketTransport;
pub use self::xmlrpc::XmlRpcTransport;

/// The default time a call may take, end to end.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on the size of an answer: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 64 * 1024 * 1024;

/// A URL that a transport cannot call.
#[derive(Debug, thiserror::Error)]
#[error("`{url}` is not a URL to call: {reason}")]
pub struct InvalidUrl {
    url: String,
    reason: String,
}

/// The protocols offered in a TLS handshake.
const ALPN: &[&[u8]] = &[b"http/1.1"];

/// The protocol offered in a TLS handshake by a client that speaks HTTP/2.
const ALPN_HTTP2: &[&[u8]] = &[b"h2"];

/// How a transport's calls reach its server.
#[derive(Clone, Debug)]
enum Connections {
    /// HTTP/1.1: kept-alive connections, one call at a time on each.
    Http1(pool::Pool),
    /// HTTP/2: hyper-util's client, whose calls share one connection as
    /// concurrent streams.
    Http2(Box<Client<Connector, Full<Bytes>>>),
}

/// The connections over `tls` (for `https://` URLs), or to the Unix socket
/// at `unix`; over HTTP/2 only, if `http2`.
fn connections(
    tls: Option<&ClientTls>,
    unix: Option<std::sync::Arc<std::path::Path>>,
    http2: bool,
) -> Result<Connections, TlsError> {
    let tls = match tls {
        Some(tls) => Some(tls.rustls_config(if http2 { ALPN_HTTP2 } else { ALPN })?),
        None => None,
    };
    let connector = Connector::new(tls, unix);
    Ok(if http2 {
        Connections::Http2(Box::new(
            Client::builder(TokioExecutor::new())
                .http2_only(true)
                .build(connector),
        ))
    } else {
        Connections::Http1(pool::Pool::new(connector))
    })
}

/// The `Host` header of requests to `uri`: its host, and its port unless it
/// is the scheme's own.
fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let default = match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    };
    let value = match uri.port_u16() {
        Some(port) if port != default => format!("{host}:{port}"),
        _ => host.to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

/// `unix:/run/app.sock` or `unix:/run/app.sock:/jsonrpc` (nginx's form for
/// a socket, then the HTTP path): the socket's path and the HTTP path.
fn split_unix(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("unix:")?;
    Some(match rest.find(":/") {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, "/"),
    })
}

/// What every HTTP transport shares: a pooled connection to one endpoint,
/// headers sent with every call, a timeout and a bound on answers.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    connections: Connections,
    /// The TLS settings of an `https://` URL.
    tls: Option<ClientTls>,
    /// The Unix socket every call goes to, if not over TCP.
    unix: Option<std::sync::Arc<std::path::Path>>,
    http2: bool,
    uri: Uri,
    /// The `Host` header of every HTTP/1.1 request.
    host: HeaderValue,
    headers: HeaderMap,
    timeout: Duration,
    /// `timeout` in milliseconds, as every call sends it.
    timeout_header: HeaderValue,
    max_response_size: usize,
}

/// An answer read in whole.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Endpoint {
    pub fn new(url: &str) -> Result<Self, InvalidUrl> {
        let invalid = |reason: &str| InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        // A Unix socket: requests name `localhost`, as curl's do.
        let (unix, url) = match split_unix(url) {
            Some(("", _)) => return Err(invalid("give the socket's path: unix:/path/to.sock")),
            Some((socket, path)) => (
                Some(std::sync::Arc::from(std::path::Path::new(socket))),
                format!("http://localhost{path}"),
            ),
            None => (None, url.to_owned()),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        let tls = match uri.scheme_str() {
            Some("http") => None,
            // The platform's roots, until `tls` says otherwise.
            Some("https") => Some(ClientTls::new()),
            _ => {
                return Err(invalid(
                    "give a full URL such as http://127.0.0.1:8080/jsonrpc, https://… \
                     or unix:/path/to.sock:/jsonrpc",
                ));
            }
        };
        let Some(host) = host_header(&uri) else {
            return Err(invalid("the URL has no host"));
        };
        Ok(Self {
            connections: connections(tls.as_ref(), unix.clone(), false)
                .map_err(|e| invalid(&e.to_string()))?,
            host,
            tls,
            unix,
            http2: false,
            uri,
            headers: HeaderMap::new(),
            timeout: DEFAULT_TIMEOUT,
            timeout_header: millis(DEFAULT_TIMEOUT),
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
        })
    }

    pub fn header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
        self.timeout_header = millis(timeout);
    }

    pub fn tls(&mut self, tls: &ClientTls) -> Result<(), TlsError> {
        self.connections = connections(Some(tls), self.unix.clone(), self.http2)?;
        self.tls = Some(tls.clone());
        Ok(())
    }

    pub fn http2(&mut self) {
        self.http2 = true;
        // The settings were already accepted once.
        if let Ok(connections) = connections(self.tls.as_ref(), self.unix.clone(), true) {
            self.connections = connections;
        }
    }

    /// POSTs `body` to the endpoint and reads the answer in whole.
    pub fn post(
        &self,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> BoxFuture<'_, Result<Answer, ClientError>> {
        self.send(
            http::Method::POST,
            self.uri.clone(),
            Some(content_type),
            body,
        )
    }

    /// The path of the endpoint's URL, without its trailing `/`: what a
    /// [`uri_at`](Self::uri_at) path starts with.
    pub fn base_path(&self) -> &str {
        self.uri.path().trim_end_matches('/')
    }

    /// The endpoint's scheme and authority with `path_and_query`, which
    /// starts with [`base_path`](Self::base_path).
    pub fn uri_at(&self, path_and_query: String) -> Result<Uri, ClientError> {
        let mut parts = http::uri::Parts::default();
        parts.scheme = self.uri.scheme().cloned();
        parts.authority = self.uri.authority().cloned();
        // The string becomes the URI's bytes: no copy.
        parts.path_and_query = Some(
            http::uri::PathAndQuery::from_maybe_shared(Bytes::from(path_and_query))
                .map_err(ClientError::transport)?,
        );
        Uri::from_parts(parts).map_err(ClientError::transport)
    }

    /// Sends one request and reads the answer in whole, within the timeout.
    ///
    /// Boxed here, as [`open`](Self::open) is: the transports' generic
    /// `call` awaits it, and a future polled only there would be compiled
    /// again in every crate that calls through a client.
    pub fn send(
        &self,
        method: http::Method,
        uri: Uri,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    ) -> BoxFuture<'_, Result<Answer, ClientError>> {
        Box::pin(self.exchange(method, uri, content_type, body))
    }

    /// What [`send`](Self::send) does.
    async fn exchange(
        &self,
        method: http::Method,
        uri: Uri,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    ) -> Result<Answer, ClientError> {
        let exchange = async {
            let (response, lease) = self.request(method, uri, content_type, body).await?;
            let status = response.status();
            let body = Limited::new(response.into_body(), self.max_response_size)
                .collect()
                .await
                .map_err(|err| self.answer_failed(&*err))?
                .to_bytes();
            // Read to its end: the connection can carry the next call.
            if let Some(lease) = lease {
                lease.release();
            }
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ClientError::Timeout(self.timeout))?
    }

    /// The error of an answer that could not be read to its end.
    fn answer_failed(&self, err: &(dyn std::error::Error + 'static)) -> ClientError {
        let address = connect::address(self.unix.as_deref(), &self.uri);
        if err.is::<http_body_util::LengthLimitError>() {
            return ClientError::transport(format!(
                "{address}: the answer is longer than this client's limit of {} bytes",
                self.max_response_size
            ));
        }
        lost::failed(err, &address)
    }

    /// Sends one request; the answer's head within the timeout, its body
    /// to be read as it comes (a stream of events).
    pub fn open(
        &self,
        method: http::Method,
        uri: Uri,
    ) -> BoxFuture<'_, Result<http::Response<Incoming>, ClientError>> {
        Box::pin(async move {
            // The connection carries this answer alone, and closes with it.
            let (response, _lease) =
                tokio::time::timeout(self.timeout, self.request(method, uri, None, Vec::new()))
                    .await
                    .map_err(|_| ClientError::Timeout(self.timeout))??;
            Ok(response)
        })
    }

    /// Sends an HTTP/1.1 upgrade request (a WebSocket's) on a connection of
    /// its own; the answer's head.
    pub async fn upgrade(
        &self,
        mut request: Request<Full<Bytes>>,
    ) -> Result<http::Response<Incoming>, ClientError> {
        let Connections::Http1(pool) = &self.connections else {
            return Err(ClientError::connect("a protocol upgrade needs HTTP/1.1"));
        };
        if let Some(path) = self.uri.path_and_query() {
            *request.uri_mut() = Uri::from(path.clone());
        }
        request
            .headers_mut()
            .entry(header::HOST)
            .or_insert_with(|| self.host.clone());
        pool.upgrade(&self.uri, request).await
    }

    /// Sends one request; the answer's head, and the HTTP/1.1 connection
    /// it came on, to give back once the answer is read.
    async fn request(
        &self,
        method: http::Method,
        uri: Uri,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    ) -> Result<(http::Response<Incoming>, Option<pool::Lease>), ClientError> {
        // A name known at compile time: not parsed (nor copied) per call.
        static TIMEOUT: HeaderName = HeaderName::from_static(crate::REQUEST_TIMEOUT);
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = method;
        let headers = request.headers_mut();
        // The caller's deadline travels with the call.
        headers.insert(&TIMEOUT, self.timeout_header.clone());
        if let Some(content_type) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if !self.headers.is_empty() {
            headers.extend(self.headers.clone());
        }
        match &self.connections {
            Connections::Http1(pool) => {
                // The request line names the path; `Host` names the server.
                if let Some(path) = uri.path_and_query() {
                    *request.uri_mut() = Uri::from(path.clone());
                }
                request
                    .headers_mut()
                    .entry(header::HOST)
                    .or_insert_with(|| self.host.clone());
                let (response, lease) = pool.send(&uri, request).await?;
                Ok((response, Some(lease)))
            }
            Connections::Http2(client) => {
                *request.uri_mut() = uri;
                let response = client.request(request).await.map_err(|err| {
                    lost::failed(&err, &connect::address(self.unix.as_deref(), &self.uri))
                })?;
                Ok((response, None))
            }
        }
    }
}

/// `duration` in milliseconds, as a header's value.
fn millis(duration: Duration) -> HeaderValue {
    HeaderValue::from(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// The error for an answer whose status says the call did not get through.
pub(crate) fn status_error(answer: &Answer) -> ClientError {
    let text = String::from_utf8_lossy(&answer.body);
    let text: String = text.chars().take(512).collect();
    ClientError::transport(format!("HTTP {}: {}", answer.status, text.trim()))
}
