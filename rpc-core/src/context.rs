//! [`Context`]: what the transport knew about one call.

use std::sync::Arc;
use std::time::Instant;

use http::Extensions;

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
}

impl Protocol {
    /// A short lowercase name, for logs and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::JsonRpc => "jsonrpc",
            Self::XmlRpc => "xmlrpc",
            Self::Local => "local",
        }
    }
}

/// The per-call context: the protocol, an optional deadline, and typed
/// extensions carrying whatever the transport knew (the HTTP `HeaderMap`, the
/// peer's address, AMQP properties…) or a layer added (an authenticated user).
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
    request_id: Option<Arc<str>>,
    extensions: Extensions,
}

impl Context {
    /// An empty context for a call by `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            deadline: None,
            request_id: None,
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
        self.request_id.as_deref()
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
        self.request_id = Some(Arc::from(id));
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
