//! [`Response`]: the typed outcome of a call, encoded by the front end.

use http::Extensions;
use serde::Serialize;

use crate::RpcError;
use crate::subscription::ResponseStream;
use crate::xmlrpc::EncodeError;
use crate::xmlrpc::ValueSerializer;

/// A value that any serde serializer can encode, behind a pointer.
pub type BoxSerialize = Box<dyn Value>;

/// A method's result, typed until a front end encodes it: any serde
/// serializer can encode it (through `erased_serde`), and the front ends'
/// own formats, JSON and XML-RPC, straight through their writers, without a
/// virtual call for every field. Every `Serialize + Send` type is one.
///
/// ```
/// use rpc_core::Value;
///
/// let value: Box<dyn Value> = Box::new(vec![1, 2]);
/// let mut json = Vec::new();
/// value.write_json(&mut json).unwrap();
/// assert_eq!(json, b"[1,2]");
/// // Any other serializer, through erased_serde:
/// let erased: &(dyn erased_serde::Serialize + Send) = &*value;
/// assert_eq!(serde_json::to_string(erased).unwrap(), "[1,2]");
/// ```
pub trait Value: erased_serde::Serialize + Send {
    /// Appends the value to `out` as JSON.
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;

    /// Appends the value to `out` as an XML-RPC `<value>`.
    fn write_xmlrpc(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
}

impl<T: Serialize + Send> Value for T {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }

    fn write_xmlrpc(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.serialize(ValueSerializer::new(out))
    }
}

/// The outcome of one call: the method's typed result, not yet encoded, or an
/// [`RpcError`]. Each front end encodes the value once, with its own serializer.
///
/// ```
/// use rpc_core::Response;
///
/// let ok = Response::ok(vec![1, 2]);
/// let json = serde_json::to_string(ok.result().unwrap()).unwrap();
/// assert_eq!(json, "[1,2]");
///
/// let err = Response::error(rpc_core::RpcError::internal("down"));
/// assert_eq!(err.result().err().unwrap().code(), -32603);
/// ```
pub struct Response {
    outcome: Outcome,
    extensions: Extensions,
}

enum Outcome {
    Done(Result<BoxSerialize, RpcError>),
    /// A subscription's items, and the error a front end that cannot carry
    /// a stream answers instead.
    Stream {
        items: ResponseStream,
        refusal: RpcError,
    },
}

impl Response {
    /// A successful result.
    pub fn ok<T: Serialize + Send + 'static>(value: T) -> Self {
        Self::from_result(Ok(Box::new(value)))
    }

    /// A failed call.
    pub fn error(err: RpcError) -> Self {
        Self::from_result(Err(err))
    }

    /// A response from a result already boxed.
    pub fn from_result(result: Result<BoxSerialize, RpcError>) -> Self {
        Self {
            outcome: Outcome::Done(result),
            extensions: Extensions::new(),
        }
    }

    /// The answer of the subscription method `method`: a stream of items,
    /// which the front ends that can carry one deliver as they come
    /// ([`into_stream`](Self::into_stream)); the others answer with an error
    /// that says where to subscribe ([`into_result`](Self::into_result)).
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use rpc_core::Response;
    ///
    /// let items = futures_util::stream::iter([Ok(Box::new(1) as rpc_core::BoxSerialize)]).boxed();
    /// let response = Response::stream("count", items);
    /// assert!(response.is_stream());
    /// assert_eq!(response.into_result().err().unwrap().code(), -32600);
    /// ```
    pub fn stream(method: &str, items: ResponseStream) -> Self {
        let refusal = RpcError::invalid_request(format!(
            "`{method}` is a subscription: subscribe to it over a WebSocket (JSON-RPC at /ws), \
             as Server-Sent Events on its REST route, or over AMQP (JSON-RPC)"
        ));
        Self {
            outcome: Outcome::Stream { items, refusal },
            extensions: Extensions::new(),
        }
    }

    /// Whether this is a subscription's stream of items.
    pub fn is_stream(&self) -> bool {
        matches!(self.outcome, Outcome::Stream { .. })
    }

    /// The subscription's items; a response that is no stream is given back.
    pub fn into_stream(self) -> Result<ResponseStream, Self> {
        match self.outcome {
            Outcome::Stream { items, .. } => Ok(items),
            done => Err(Self {
                outcome: done,
                extensions: self.extensions,
            }),
        }
    }

    /// The result, to encode; for a stream, the error a front end that
    /// cannot carry one answers.
    pub fn result(&self) -> Result<&(dyn erased_serde::Serialize + Send), &RpcError> {
        match &self.outcome {
            Outcome::Done(result) => result
                .as_ref()
                .map(|b| &**b as &(dyn erased_serde::Serialize + Send)),
            Outcome::Stream { refusal, .. } => Err(refusal),
        }
    }

    /// Takes the result; for a stream, the error a front end that cannot
    /// carry one answers.
    pub fn into_result(self) -> Result<BoxSerialize, RpcError> {
        match self.outcome {
            Outcome::Done(result) => result,
            Outcome::Stream { refusal, .. } => Err(refusal),
        }
    }

    /// Typed extensions a layer may set for the front end (e.g. headers to add).
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Typed extensions, to add to.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Outcome::Done(Ok(_)) => f.write_str("Response::Ok(..)"),
            Outcome::Done(Err(err)) => f.debug_tuple("Response::Err").field(err).finish(),
            Outcome::Stream { .. } => f.write_str("Response::Stream(..)"),
        }
    }
}
