//! [`Params`]: a call's parameters, still encoded, decoded once into the
//! method's params struct.
//!
//! Every source is decoded by a concrete deserializer: JSON text, an XML-RPC
//! `<params>`, or [named parameters](NamedParams) (REST's path, query and
//! body). None goes through a type-erased deserializer, whose visitors would
//! be compiled again for every params struct of every service.

mod named;
mod text;

use bytes::Bytes;
use serde::de::DeserializeOwned;

pub use self::named::{Named, NamedParams};
use crate::RpcError;
use crate::xmlrpc::XmlParams;

/// The parameters of a call, still in the payload's encoding.
///
/// They are decoded once, by serde, straight into the method's params struct,
/// which accepts named parameters (a map) and positional ones (a sequence) alike.
pub struct Params(Source);

enum Source {
    None,
    Json(Bytes),
    Xml(XmlParams),
    Named(Box<dyn NamedParams>),
}

impl Params {
    /// No parameters were given; decodes as an empty map.
    ///
    /// ```
    /// use rpc_core::Params;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Args { #[serde(default)] verbose: bool }
    ///
    /// assert!(!Params::none().decode::<Args>().unwrap().verbose);
    /// ```
    pub fn none() -> Self {
        Self(Source::None)
    }

    /// Parameters as JSON text: an array (positional) or an object (named).
    ///
    /// ```
    /// use rpc_core::Params;
    ///
    /// let (a, b): (i32, i32) = Params::json("[1, 2]").decode().unwrap();
    /// assert_eq!(a + b, 3);
    /// ```
    pub fn json(json: impl Into<Bytes>) -> Self {
        Self(Source::Json(json.into()))
    }

    /// Parameters given one by one, by name, as text or JSON: see
    /// [`NamedParams`].
    pub fn named(params: impl NamedParams) -> Self {
        Self(Source::Named(Box::new(params)))
    }

    /// An XML-RPC call's `<params>`.
    pub(crate) fn xml(params: XmlParams) -> Self {
        Self(Source::Xml(params))
    }

    /// Decodes the parameters as `T`; an error is
    /// [`invalid params`](RpcError::invalid_params) and says what did not fit.
    /// JSON is read as its schema says ([`json`](crate::json)): an integral
    /// float is an integer, a struct inside the params is an object.
    ///
    /// ```
    /// use rpc_core::Params;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Args { country: u32 }
    ///
    /// assert_eq!(Params::json(r#"{"country": 3}"#).decode::<Args>().unwrap().country, 3);
    /// assert_eq!(Params::json("[3]").decode::<Args>().unwrap().country, 3);
    /// let err = Params::json(r#"{"country": "x"}"#).decode::<Args>().err().unwrap();
    /// assert_eq!(err.code(), -32602);
    /// ```
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, RpcError> {
        match self.0 {
            Source::None => from_json(b"{}"),
            Source::Json(bytes) => from_json(&bytes),
            // A call without `<params>` has none, in order: the same as `[]`,
            // through the JSON path every params struct compiles anyway.
            Source::Xml(params) if params.at.is_none() => from_json(b"[]"),
            Source::Xml(params) => params.decode(),
            Source::Named(params) => named::decode(&*params),
        }
    }
}

fn from_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, RpcError> {
    crate::json::from_params(json).map_err(invalid_json)
}

fn invalid_json(err: serde_json::Error) -> RpcError {
    RpcError::invalid_params(format!("invalid params: {err}"))
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::None => f.write_str("Params::None"),
            Source::Json(bytes) => f
                .debug_tuple("Params::Json")
                .field(&String::from_utf8_lossy(bytes))
                .finish(),
            Source::Xml(_) => f.write_str("Params::Xml"),
            Source::Named(_) => f.write_str("Params::Named"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Args {
        country: u32,
        #[serde(default)]
        active: Option<bool>,
    }

    #[test]
    fn named_and_positional_params_decode_alike() {
        let named: Args = Params::json(r#"{"country":3,"active":true}"#)
            .decode()
            .unwrap();
        let positional: Args = Params::json("[3, true]").decode().unwrap();
        assert_eq!(named, positional);
        let short: Args = Params::json("[3]").decode().unwrap();
        assert_eq!(short.active, None);
    }

    #[test]
    fn bad_params_say_what_is_wrong() {
        let err = Params::json(r#"{"country":3,"colour":1}"#)
            .decode::<Args>()
            .unwrap_err();
        assert_eq!(err.code(), RpcError::INVALID_PARAMS);
        assert!(err.message().contains("colour"), "{}", err.message());
        let err = Params::none().decode::<Args>().unwrap_err();
        assert!(err.message().contains("missing field `country`"));
        let err = Params::json("[3, true, 4]").decode::<Args>().unwrap_err();
        assert_eq!(err.code(), RpcError::INVALID_PARAMS);
    }
}
