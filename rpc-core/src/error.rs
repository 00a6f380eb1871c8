//! [`RpcError`]: the one error type every protocol maps to its own form.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// What kind of failure an [`RpcError`] is, and so how each protocol shows it.
///
/// The standard kinds carry the codes of the JSON-RPC 2.0 specification, which
/// XML-RPC faults reuse; [`ErrorKind::Application`] is any other code, chosen by
/// the service.
///
/// | kind | code | HTTP status (REST) |
/// |---|---|---|
/// | [`Parse`](ErrorKind::Parse) | -32700 | 400 |
/// | [`InvalidRequest`](ErrorKind::InvalidRequest) | -32600 | 400 |
/// | [`MethodNotFound`](ErrorKind::MethodNotFound) | -32601 | 404 |
/// | [`InvalidParams`](ErrorKind::InvalidParams) | -32602 | 400 |
/// | [`Internal`](ErrorKind::Internal) | -32603 | 500 |
/// | [`Timeout`](ErrorKind::Timeout) | -32000 | 504 |
/// | [`Overloaded`](ErrorKind::Overloaded) | -32001 | 503 |
/// | [`TooManySubscriptions`](ErrorKind::TooManySubscriptions) | -32002 | 429 |
/// | [`Lagged`](ErrorKind::Lagged) | -32003 | 503 |
/// | [`ShuttingDown`](ErrorKind::ShuttingDown) | -32004 | 503 |
/// | [`Application`](ErrorKind::Application) | the service's own | the service's own, else 500 |
///
/// ```
/// use rpc_core::{ErrorKind, RpcError};
///
/// assert_eq!(RpcError::method_not_found("nope").kind(), ErrorKind::MethodNotFound);
/// assert_eq!(ErrorKind::from_code(-32602), ErrorKind::InvalidParams);
/// assert_eq!(ErrorKind::from_code(404), ErrorKind::Application);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The payload is not well-formed (JSON, XML).
    Parse,
    /// The payload is well-formed but is not a valid request envelope.
    InvalidRequest,
    /// No method of that name.
    MethodNotFound,
    /// The parameters do not fit the method.
    InvalidParams,
    /// The server failed (a bug, a panic); the details stay in the server's log.
    Internal,
    /// The caller's deadline, or the server's own time limit, passed before
    /// the call finished.
    Timeout,
    /// The server is at its limit of calls and turned this one away; the
    /// caller may try again later.
    Overloaded,
    /// The connection has as many subscriptions as the server allows; end
    /// one before starting another.
    TooManySubscriptions,
    /// A subscriber fell behind its subscription's items (it did not read,
    /// or read slower than they came), and the subscription was dropped.
    Lagged,
    /// The server is shutting down: a subscription ends with it, and a new
    /// call goes to another server.
    ShuttingDown,
    /// An error of the service's own, with its own code.
    Application,
}

impl ErrorKind {
    /// The code of a standard kind; `None` for [`ErrorKind::Application`].
    pub const fn code(self) -> Option<i32> {
        match self {
            Self::Parse => Some(RpcError::PARSE_ERROR),
            Self::InvalidRequest => Some(RpcError::INVALID_REQUEST),
            Self::MethodNotFound => Some(RpcError::METHOD_NOT_FOUND),
            Self::InvalidParams => Some(RpcError::INVALID_PARAMS),
            Self::Internal => Some(RpcError::INTERNAL_ERROR),
            Self::Timeout => Some(RpcError::TIMEOUT),
            Self::Overloaded => Some(RpcError::OVERLOADED),
            Self::TooManySubscriptions => Some(RpcError::TOO_MANY_SUBSCRIPTIONS),
            Self::Lagged => Some(RpcError::LAGGED),
            Self::ShuttingDown => Some(RpcError::SHUTTING_DOWN),
            Self::Application => None,
        }
    }

    /// The kind a code stands for.
    pub const fn from_code(code: i32) -> Self {
        match code {
            RpcError::PARSE_ERROR => Self::Parse,
            RpcError::INVALID_REQUEST => Self::InvalidRequest,
            RpcError::METHOD_NOT_FOUND => Self::MethodNotFound,
            RpcError::INVALID_PARAMS => Self::InvalidParams,
            RpcError::INTERNAL_ERROR => Self::Internal,
            RpcError::TIMEOUT => Self::Timeout,
            RpcError::OVERLOADED => Self::Overloaded,
            RpcError::TOO_MANY_SUBSCRIPTIONS => Self::TooManySubscriptions,
            RpcError::LAGGED => Self::Lagged,
            RpcError::SHUTTING_DOWN => Self::ShuttingDown,
            _ => Self::Application,
        }
    }

    /// The HTTP status a REST front end answers with, unless the error chose one.
    pub const fn default_status(self) -> StatusCode {
        match self {
            Self::Parse | Self::InvalidRequest | Self::InvalidParams => StatusCode::BAD_REQUEST,
            Self::MethodNotFound => StatusCode::NOT_FOUND,
            Self::Internal | Self::Application => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::TooManySubscriptions => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded | Self::Lagged | Self::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The error of a call, on every protocol: a code, a message and optional data.
///
/// Each front end shows it in its own form: a JSON-RPC error object, an XML-RPC
/// fault, an `application/problem+json` HTTP response, an AMQP error reply. A
/// service's own error type converts into it with `From`, so a method can return
/// `Result<T, MyError>`:
///
/// ```
/// use rpc_core::RpcError;
///
/// #[derive(Debug, thiserror::Error)]
/// enum ShopError {
///     #[error("item {0} is sold out")]
///     SoldOut(u32),
/// }
///
/// impl From<ShopError> for RpcError {
///     fn from(err: ShopError) -> Self {
///         let message = err.to_string();
///         match err {
///             ShopError::SoldOut(item) => RpcError::new(409, message)
///                 .with_status(http::StatusCode::CONFLICT)
///                 .with_data(serde_json::json!({ "item": item })),
///         }
///     }
/// }
///
/// let err = RpcError::from(ShopError::SoldOut(7));
/// assert_eq!(err.code(), 409);
/// assert_eq!(err.message(), "item 7 is sold out");
/// assert_eq!(err.http_status(), http::StatusCode::CONFLICT);
/// ```
///
/// An internal error never carries a panic message or a backtrace to the
/// caller: [`RpcError::internal`] takes the message the caller is meant to see.
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    code: i32,
    message: Cow<'static, str>,
    data: Option<serde_json::Value>,
    status: Option<StatusCode>,
}

impl RpcError {
    /// JSON-RPC's code for a payload that is not well-formed.
    pub const PARSE_ERROR: i32 = -32700;
    /// JSON-RPC's code for a payload that is not a valid request.
    pub const INVALID_REQUEST: i32 = -32600;
    /// JSON-RPC's code for an unknown method.
    pub const METHOD_NOT_FOUND: i32 = -32601;
    /// JSON-RPC's code for parameters that do not fit the method.
    pub const INVALID_PARAMS: i32 = -32602;
    /// JSON-RPC's code for a failure of the server itself.
    pub const INTERNAL_ERROR: i32 = -32603;
    /// The code of a call whose deadline passed (in JSON-RPC's range of
    /// implementation-defined server errors).
    pub const TIMEOUT: i32 = -32000;
    /// The code of a call the server turned away at its limit (in JSON-RPC's
    /// range of implementation-defined server errors).
    pub const OVERLOADED: i32 = -32001;
    /// The code of a subscription turned away because its connection has
    /// as many as the server allows.
    pub const TOO_MANY_SUBSCRIPTIONS: i32 = -32002;
    /// The code of a subscription dropped because its subscriber fell
    /// behind its items.
    pub const LAGGED: i32 = -32003;
    /// The code of a subscription the server's shutdown ended.
    pub const SHUTTING_DOWN: i32 = -32004;

    /// An error with any code and message; for a service's own errors, pick
    /// codes outside -32768..=-32000, which JSON-RPC reserves.
    ///
    /// ```
    /// let err = rpc_core::RpcError::new(42, "the answer is not allowed");
    /// assert_eq!(err.kind(), rpc_core::ErrorKind::Application);
    /// ```
    pub fn new(code: i32, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
            status: None,
        }
    }

    /// The payload is not well-formed (-32700).
    pub fn parse_error(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::PARSE_ERROR, bounded(message.into()))
    }

    /// The payload is not a valid request envelope (-32600).
    pub fn invalid_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::INVALID_REQUEST, bounded(message.into()))
    }

    /// No method called `method` (-32601).
    ///
    /// ```
    /// let err = rpc_core::RpcError::method_not_found("frobnicate");
    /// assert_eq!(err.message(), "method `frobnicate` not found");
    /// ```
    pub fn method_not_found(method: &str) -> Self {
        // A name sent by a peer is echoed back: at most 64 characters of it.
        let shown: String = method.chars().take(64).collect();
        let ellipsis = if shown.len() < method.len() {
            "…"
        } else {
            ""
        };
        Self::new(
            Self::METHOD_NOT_FOUND,
            format!("method `{shown}{ellipsis}` not found"),
        )
    }

    /// The parameters do not fit the method (-32602); the message says why.
    pub fn invalid_params(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::INVALID_PARAMS, bounded(message.into()))
    }

    /// The server failed (-32603). The message goes to the caller as written:
    /// keep details that only the operator should see in the server's log.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::INTERNAL_ERROR, message)
    }

    /// The caller's deadline passed before the call finished (-32000, HTTP 504).
    pub fn timeout(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::TIMEOUT, message)
    }

    /// The server turned the call away at its limit (-32001, HTTP 503).
    ///
    /// ```
    /// let err = rpc_core::RpcError::overloaded("too many calls at once");
    /// assert_eq!(err.kind(), rpc_core::ErrorKind::Overloaded);
    /// assert_eq!(err.http_status(), http::StatusCode::SERVICE_UNAVAILABLE);
    /// ```
    pub fn overloaded(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::OVERLOADED, message)
    }

    /// The connection has as many subscriptions as the server allows
    /// (-32002, HTTP 429).
    pub fn too_many_subscriptions(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::TOO_MANY_SUBSCRIPTIONS, message)
    }

    /// The subscriber fell behind its subscription's items, which is dropped
    /// (-32003, HTTP 503): subscribe again, and read faster or ask for less.
    ///
    /// ```
    /// let err = rpc_core::RpcError::lagged("the subscriber missed 12 events");
    /// assert_eq!(err.kind(), rpc_core::ErrorKind::Lagged);
    /// assert_eq!(err.code(), -32003);
    /// ```
    pub fn lagged(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::LAGGED, message)
    }

    /// The server is shutting down (-32004, HTTP 503): the subscriptions it
    /// served end with this.
    pub fn shutting_down(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Self::SHUTTING_DOWN, message)
    }

    /// Attaches structured data, shown as JSON-RPC `data`, the REST problem's
    /// `data` member, and so on. Data that cannot be serialized is dropped.
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }

    /// Chooses the HTTP status a REST front end answers with.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The numeric code.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The structured data, if any.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_ref()
    }

    /// The kind of error, from the code.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }

    /// The HTTP status for REST: the one chosen with
    /// [`with_status`](Self::with_status), else the kind's default.
    pub fn http_status(&self) -> StatusCode {
        self.status.unwrap_or_else(|| self.kind().default_status())
    }
}

/// The most of a message built from a peer's input (serde quotes the value
/// that did not fit) that goes back to the peer.
const MAX_MESSAGE_CHARS: usize = 512;

fn bounded(message: Cow<'static, str>) -> Cow<'static, str> {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => message,
        Some((cut, _)) => Cow::Owned(format!("{}… (message cut)", &message[..cut])),
    }
}

impl fmt::Debug for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("RpcError");
        s.field("code", &self.code).field("message", &self.message);
        if let Some(data) = &self.data {
            s.field("data", data);
        }
        if let Some(status) = &self.status {
            s.field("status", status);
        }
        s.finish()
    }
}

impl From<std::convert::Infallible> for RpcError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// The JSON-RPC 2.0 error object form: `{"code", "message", "data"?}`.
#[derive(Serialize, Deserialize)]
struct ErrorObject<'a> {
    code: i32,
    #[serde(borrow)]
    message: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<serde_json::Value>,
}

impl Serialize for RpcError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorObject {
            code: self.code,
            message: Cow::Borrowed(&self.message),
            data: self.data.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RpcError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = ErrorObject::deserialize(deserializer)?;
        Ok(Self {
            code: object.code,
            message: Cow::Owned(object.message.into_owned()),
            data: object.data,
            status: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_kinds_map_to_codes_and_statuses() {
        let cases = [
            (RpcError::parse_error("x"), -32700, 400),
            (RpcError::invalid_request("x"), -32600, 400),
            (RpcError::method_not_found("x"), -32601, 404),
            (RpcError::invalid_params("x"), -32602, 400),
            (RpcError::internal("x"), -32603, 500),
            (RpcError::new(7, "x"), 7, 500),
            (
                RpcError::new(7, "x").with_status(StatusCode::CONFLICT),
                7,
                409,
            ),
        ];
        for (err, code, status) in cases {
            assert_eq!(err.code(), code);
            assert_eq!(err.http_status().as_u16(), status, "{err:?}");
            if let Some(standard) = err.kind().code() {
                assert_eq!(standard, code);
            }
        }
    }

    #[test]
    fn messages_built_from_input_are_bounded() {
        let err =
            RpcError::invalid_params(format!("invalid type: string \"{}\"", "x".repeat(10_000)));
        assert!(err.message().chars().count() < 600);
        assert!(err.message().ends_with("(message cut)"));
        assert_eq!(RpcError::invalid_params("short").message(), "short");
    }

    #[test]
    fn serializes_as_json_rpc_error_object() {
        let err = RpcError::new(404, "gone").with_data(serde_json::json!({"id": 9}));
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"code":404,"message":"gone","data":{"id":9}}"#);
        let back: RpcError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, err);
        let bare = serde_json::to_string(&RpcError::internal("boom")).unwrap();
        assert_eq!(bare, r#"{"code":-32603,"message":"boom"}"#);
    }
}
