//! The client contract: [`Transport`], which every generated client is generic
//! over, and [`ClientError`].

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{BoxError, MethodMeta, RpcError, SubscriptionStream};

/// How a generated client (`TraitClient<T>`) reaches a server: JSON-RPC or
/// XML-RPC over HTTP, REST, AMQP, or in process ([`LocalTransport`](crate::LocalTransport)).
///
/// The client hands over the method's metadata (its wire name, its REST route)
/// and its params struct, which serializes as a map of the arguments by name;
/// the transport encodes the call, sends it and decodes the result as `R`.
///
/// ```
/// use rpc_core::{ClientError, MethodMeta, Transport};
///
/// /// A transport that answers every call with `R::default()`.
/// struct Defaults;
///
/// impl Transport for Defaults {
///     async fn call<P, R>(&self, _method: &'static MethodMeta, _params: P) -> Result<R, ClientError>
///     where
///         P: serde::Serialize + Send,
///         R: serde::de::DeserializeOwned + Send,
///     {
///         serde_json::from_str("0").map_err(ClientError::decode)
///     }
/// }
/// ```
pub trait Transport: Send + Sync {
    /// Calls `method` with `params` and decodes its result.
    fn call<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> impl Future<Output = Result<R, ClientError>> + Send
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send;

    /// Subscribes to the `#[subscription]` method `method` with `params`: its
    /// items as they come, until the stream ends; dropping the stream ends
    /// the subscription. A transport that cannot carry a stream answers with
    /// an error (the default).
    fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> impl Future<Output = Result<SubscriptionStream<R>, ClientError>> + Send
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        let _ = params;
        async move {
            Err(ClientError::transport(format!(
                "this transport cannot carry the subscription `{}`: subscribe over a WebSocket \
                 (rpc_http's WebSocketTransport), as Server-Sent Events (its RestTransport) \
                 or over AMQP (rpc_amqp's AmqpTransport)",
                method.name
            )))
        }
    }
}

/// The unit transport, for naming a client's associated items
/// (`TraitClient::<()>::METADATA`); every call fails.
impl Transport for () {
    async fn call<P, R>(&self, method: &'static MethodMeta, _params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        Err(ClientError::Transport(
            format!("`()` is not a transport: cannot call `{}`", method.name).into(),
        ))
    }
}

impl<T: Transport> Transport for std::sync::Arc<T> {
    fn call<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> impl Future<Output = Result<R, ClientError>> + Send
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        (**self).call(method, params)
    }

    fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> impl Future<Output = Result<SubscriptionStream<R>, ClientError>> + Send
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        (**self).subscribe(method, params)
    }
}

/// Why a call through a client failed.
///
/// ```
/// use rpc_core::{ClientError, RpcError};
///
/// let err = ClientError::from(RpcError::new(404, "server 9 not found"));
/// assert_eq!(err.rpc().map(RpcError::code), Some(404));
/// assert_eq!(err.to_string(), "the server answered with an error: server 9 not found (code 404)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server ran the call, or refused it, and answered with an error.
    #[error("the server answered with an error: {0}")]
    Rpc(#[from] RpcError),
    /// No connection to the server could be made (refused, timed out, a
    /// TLS certificate refused…): the call was not sent, so it did not run.
    #[error("cannot connect to {0}")]
    Connect(#[source] BoxError),
    /// The connection was lost after the call was sent, before its answer
    /// came: the call may or may not have run. Send it again only if running
    /// it twice is safe.
    #[error("the connection was lost after the call was sent, so it may or may not have run: {0}")]
    Interrupted(#[source] BoxError),
    /// The call could not be delivered or its answer not received
    /// (I/O error, HTTP error status…).
    #[error("transport error: {0}")]
    Transport(#[source] BoxError),
    /// The answer arrived but could not be decoded as the method's result.
    #[error("cannot decode the server's answer: {0}")]
    Decode(#[source] BoxError),
    /// No answer arrived in time.
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
}

impl ClientError {
    /// A transport error.
    pub fn transport(err: impl Into<BoxError>) -> Self {
        Self::Transport(err.into())
    }

    /// A connection error: the call was not sent.
    pub fn connect(err: impl Into<BoxError>) -> Self {
        Self::Connect(err.into())
    }

    /// A call interrupted after it was sent: it may have run.
    pub fn interrupted(err: impl Into<BoxError>) -> Self {
        Self::Interrupted(err.into())
    }

    /// Whether the call may have run although it failed: it was sent and
    /// its answer never came ([`Interrupted`](Self::Interrupted),
    /// [`Timeout`](Self::Timeout), a transport error). A
    /// [`Connect`](Self::Connect) error means it did not run; an
    /// [`Rpc`](Self::Rpc) error is the server's answer.
    ///
    /// ```
    /// use rpc_core::ClientError;
    ///
    /// assert!(ClientError::interrupted("connection reset").may_have_run());
    /// assert!(!ClientError::connect("connection refused").may_have_run());
    /// ```
    pub fn may_have_run(&self) -> bool {
        matches!(
            self,
            Self::Interrupted(_) | Self::Timeout(_) | Self::Transport(_)
        )
    }

    /// A decoding error.
    pub fn decode(err: impl Into<BoxError>) -> Self {
        Self::Decode(err.into())
    }

    /// The server's error, when the server answered with one.
    pub fn rpc(&self) -> Option<&RpcError> {
        match self {
            Self::Rpc(err) => Some(err),
            _ => None,
        }
    }
}
