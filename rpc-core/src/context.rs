//! [`Context`]: what the transport knew about one call.

use std::sync::Arc;
use std::time::Instant;

use http::{Extensions, HeaderMap};

/// The longest request id a [`Context`] keeps, in characters.
pub const MAX_REQUEST_ID_CHARS: usize = 128;

/// The protocol a call arrived by.
///
/// ```
/// use rpc_core::{Context, Protocol};
///
/// let ctx = Context::new(Protocol::JsonRpc);
/// assert_eq!(ctx.protocol(), Protocol::JsonRpc);
/// assert_eq!(Protocol::JsonRpc.as_str(), "jsonrpc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// A REST resource.
    Rest,
    /// JSON-RPC 2.0 (over HTTP or AMQP).
    JsonRpc,
    /// XML-RPC (over HTTP or AMQP).
    XmlRpc,
    /// An in-process call, e.g. through [`LocalTransport`](crate::LocalTransport).
    Local,
    /// JSON-RPC 2.0 over a WebSocket.
    WebSocket,
    /// JSON-RPC 2.0 over a byte stream: a child's stdin and stdout, pipes.
    Stdio,
    /// JSON-RPC 2.0 over MQTT 5 request/response.
    Mqtt,
}

impl Protocol {
    /// A short lowercase name, for logs and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::JsonRpc => "jsonrpc",
            Self::XmlRpc => "xmlrpc",
            Self::Local => "local",
            Self::WebSocket => "websocket",
            Self::Stdio => "stdio",
            Self::Mqtt => "mqtt",
        }
    }
}

/// The per-call context: the protocol, an optional deadline, the request id,
/// the caller's headers (HTTP headers, or an AMQP message's string headers),
/// and typed extensions carrying whatever else the transport knew (axum's
/// extensions, the peer's address…) or a layer added (an authenticated user).
///
/// A tower layer reads and writes it through
/// [`Request::context_mut`](crate::Request::context_mut):
///
/// ```
/// use rpc_core::{Context, Protocol};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct User(String);
///
/// let mut ctx = Context::new(Protocol::Rest);
/// ctx.extensions_mut().insert(User("ada".into()));
/// assert_eq!(ctx.extensions().get::<User>(), Some(&User("ada".into())));
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    protocol: Protocol,
    deadline: Option<Instant>,
    request_id: Option<RequestId>,
    headers: HeaderMap,
    extensions: Extensions,
}

impl Context {
    /// An empty context for a call by `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            deadline: None,
            request_id: None,
            headers: HeaderMap::new(),
            extensions: Extensions::new(),
        }
    }

    /// The protocol the call arrived by.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// When the caller stops waiting, if it said.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Sets the caller's deadline.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The id that ties this call to its caller, for logs and traces: the HTTP
    /// `x-request-id` header, the AMQP `correlation_id`, or else the JSON-RPC
    /// request's `id` (as its JSON text).
    ///
    /// ```
    /// let mut ctx = rpc_core::Context::new(rpc_core::Protocol::Rest);
    /// assert_eq!(ctx.request_id(), None);
    /// ctx.set_request_id("7f3a");
    /// assert_eq!(ctx.request_id(), Some("7f3a"));
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().map(RequestId::as_str)
    }

    /// Sets the id of the call (see [`Context::request_id`]), cut to
    /// [`MAX_REQUEST_ID_CHARS`] characters: it comes from the peer and goes
    /// to the logs.
    ///
    /// ```
    /// let mut ctx = rpc_core::Context::new(rpc_core::Protocol::Rest);
    /// ctx.set_request_id(&"9".repeat(500));
    /// assert_eq!(ctx.request_id().unwrap().len(), rpc_core::MAX_REQUEST_ID_CHARS);
    /// ```
    pub fn set_request_id(&mut self, id: &str) {
        let id = match id.char_indices().nth(MAX_REQUEST_ID_CHARS) {
            Some((end, _)) => &id[..end],
            None => id,
        };
        self.request_id = Some(RequestId::new(id));
    }

    /// The caller's headers: an HTTP request's headers, or an AMQP message's
    /// string headers (names in lowercase), so that one layer (an
    /// `Authorization` check) serves every transport. Empty for a local call.
    ///
    /// ```
    /// use http::header::AUTHORIZATION;
    ///
    /// let mut ctx = rpc_core::Context::new(rpc_core::Protocol::JsonRpc);
    /// ctx.headers_mut().insert(AUTHORIZATION, "Bearer s3cret".parse().unwrap());
    /// assert_eq!(ctx.headers()[AUTHORIZATION], "Bearer s3cret");
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The caller's headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The typed extensions.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The typed extensions, to add to.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }
}

/// A request id: most are short (a JSON-RPC id, a UUID), and are kept inline
/// rather than allocated for every call.
#[derive(Clone)]
enum RequestId {
    Inline { len: u8, bytes: [u8; INLINE_ID] },
    Shared(Arc<str>),
}

/// The longest id kept inline, in bytes (a UUID's 36 characters fit).
const INLINE_ID: usize = 38;

impl RequestId {
    fn new(id: &str) -> Self {
        match u8::try_from(id.len()) {
            Ok(len) if id.len() <= INLINE_ID => {
                let mut bytes = [0; INLINE_ID];
                bytes[..id.len()].copy_from_slice(id.as_bytes());
                Self::Inline { len, bytes }
            }
            _ => Self::Shared(Arc::from(id)),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Inline { len, bytes } => {
                // Copied whole from a `&str`, so always UTF-8.
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Shared(id) => id,
        }
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_short_and_long_read_back_whole() {
        for id in ["", "1", "7f3a", &"u".repeat(INLINE_ID), &"é".repeat(40)] {
            let mut ctx = Context::new(Protocol::JsonRpc);
            ctx.set_request_id(id);
            assert_eq!(ctx.request_id(), Some(id));
            assert_eq!(ctx.clone().request_id(), Some(id));
        }
        assert!(matches!(RequestId::new("1"), RequestId::Inline { .. }));
        assert!(matches!(
            RequestId::new(&"u".repeat(39)),
            RequestId::Shared(_)
        ));
    }
}
