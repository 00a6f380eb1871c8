//! [`Response`]: the typed outcome of a call, encoded by the front end.

use http::Extensions;
use serde::Serialize;

use crate::RpcError;
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
    result: Result<BoxSerialize, RpcError>,
    extensions: Extensions,
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
            result,
            extensions: Extensions::new(),
        }
    }

    /// The result, to encode.
    pub fn result(&self) -> Result<&(dyn erased_serde::Serialize + Send), &RpcError> {
        self.result
            .as_ref()
            .map(|b| &**b as &(dyn erased_serde::Serialize + Send))
    }

    /// Takes the result.
    pub fn into_result(self) -> Result<BoxSerialize, RpcError> {
        self.result
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
        match &self.result {
            Ok(_) => f.write_str("Response::Ok(..)"),
            Err(err) => f.debug_tuple("Response::Err").field(err).finish(),
        }
    }
}
