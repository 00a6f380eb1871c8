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

mod connect;
mod events;
mod jsonrpc;
mod rest;
mod websocket;
mod xmlrpc;

#[cfg(test)]
mod tests;

use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rpc_core::ClientError;
use rpc_core::tls::{ClientTls, TlsError};

use self::connect::{ConnectError, Connector};

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

/// A pooled client over `tls` (for `https://` URLs), or to the Unix socket
/// at `unix`; over HTTP/2 only, if `http2`.
fn client(
    tls: Option<&ClientTls>,
    unix: Option<std::sync::Arc<std::path::Path>>,
    http2: bool,
) -> Result<Client<Connector, Full<Bytes>>, TlsError> {
    let tls = match tls {
        Some(tls) => Some(tls.rustls_config(if http2 { ALPN_HTTP2 } else { ALPN })?),
        None => None,
    };
    Ok(Client::builder(TokioExecutor::new())
        .http2_only(http2)
        .build(Connector::new(tls, unix)))
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
    client: Client<Connector, Full<Bytes>>,
    /// The TLS settings of an `https://` URL.
    tls: Option<ClientTls>,
    /// The Unix socket every call goes to, if not over TCP.
    unix: Option<std::sync::Arc<std::path::Path>>,
    http2: bool,
    uri: Uri,
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
        if uri.host().is_none() {
            return Err(invalid("the URL has no host"));
        }
        Ok(Self {
            client: client(tls.as_ref(), unix.clone(), false)
                .map_err(|e| invalid(&e.to_string()))?,
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
        self.client = client(Some(tls), self.unix.clone(), self.http2)?;
        self.tls = Some(tls.clone());
        Ok(())
    }

    pub fn http2(&mut self) {
        self.http2 = true;
        // The settings were already accepted once.
        if let Ok(client) = client(self.tls.as_ref(), self.unix.clone(), true) {
            self.client = client;
        }
    }

    /// POSTs `body` to the endpoint and reads the answer in whole.
    pub async fn post(
        &self,
        content_type: &'static str,
        body: Vec<u8>,
    ) -> Result<Answer, ClientError> {
        self.send(
            http::Method::POST,
            self.uri.clone(),
            Some(content_type),
            body,
        )
        .await
    }

    /// The endpoint's URL with `path_and_query` after its own path.
    pub fn at(&self, path_and_query: &str) -> Result<Uri, ClientError> {
        let base = self.uri.path().trim_end_matches('/');
        let mut parts = self.uri.clone().into_parts();
        let joined = format!("{base}{path_and_query}");
        parts.path_and_query = Some(joined.parse().map_err(ClientError::transport)?);
        Uri::from_parts(parts).map_err(ClientError::transport)
    }

    /// Sends one request and reads the answer in whole, within the timeout.
    pub async fn send(
        &self,
        method: http::Method,
        uri: Uri,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    ) -> Result<Answer, ClientError> {
        let exchange = async {
            let response = self.request(method, uri, content_type, body).await?;
            let status = response.status();
            let body = Limited::new(response.into_body(), self.max_response_size)
                .collect()
                .await
                .map_err(ClientError::Transport)?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ClientError::Timeout(self.timeout))?
    }

    /// Sends one request; the answer's head within the timeout, its body
    /// to be read as it comes (a stream of events).
    pub async fn open(
        &self,
        method: http::Method,
        uri: Uri,
    ) -> Result<http::Response<Incoming>, ClientError> {
        tokio::time::timeout(self.timeout, self.request(method, uri, None, Vec::new()))
            .await
            .map_err(|_| ClientError::Timeout(self.timeout))?
    }

    async fn request(
        &self,
        method: http::Method,
        uri: Uri,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    ) -> Result<http::Response<Incoming>, ClientError> {
        // The caller's deadline travels with the call.
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(crate::REQUEST_TIMEOUT, self.timeout_header.clone());
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let mut request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(ClientError::transport)?;
        request.headers_mut().extend(self.headers.clone());
        self.client
            .request(request)
            .await
            .map_err(|err| match ConnectError::find(&err) {
                Some(connect) => ClientError::connect(connect.to_string()),
                None => ClientError::transport(err),
            })
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
