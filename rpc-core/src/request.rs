//! [`Request`] and [`Params`]: a call on its way to the dispatcher.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::{Context, RpcError};

/// One call, as every front end hands it to the dispatcher: the method's wire
/// name, its parameters still encoded, and the per-call [`Context`].
///
/// ```
/// use rpc_core::{Context, Params, Protocol, Request};
///
/// let req = Request::new("add", Params::json(r#"[1, 2]"#), Context::new(Protocol::JsonRpc));
/// assert_eq!(req.method(), "add");
/// let (a, b): (i32, i32) = req.into_params().decode().unwrap();
/// assert_eq!(a + b, 3);
/// ```
#[derive(Debug)]
pub struct Request {
    method: Box<str>,
    params: Params,
    context: Context,
}

impl Request {
    /// A call of `method` with `params`.
    pub fn new(method: impl Into<Box<str>>, params: Params, context: Context) -> Self {
        Self {
            method: method.into(),
            params,
            context,
        }
    }

    /// The method's wire name (namespace included).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The per-call context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The per-call context, for a layer to add to.
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// The parameters, still encoded.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Takes the parameters.
    pub fn into_params(self) -> Params {
        self.params
    }

    /// Splits the request into its method name, parameters and context.
    pub fn into_parts(self) -> (Box<str>, Params, Context) {
        (self.method, self.params, self.context)
    }
}

/// A deserializer that a front end lends to decode a method's parameters.
///
/// A front end whose payload is not JSON (XML-RPC `<params>`, REST path, query
/// and body) implements this and wraps it in [`Params::custom`]. The dispatcher
/// asks for the parameters once, as the method's params struct; `visit` runs
/// with a deserializer over the payload, typically
/// `visit(&mut <dyn erased_serde::Deserializer>::erase(&mut my_deserializer))`.
///
/// ```
/// use rpc_core::{Params, ParamsDecoder, RpcError};
///
/// /// Parameters given as `key=value` pairs.
/// struct Pairs(Vec<(String, String)>);
///
/// impl ParamsDecoder for Pairs {
///     fn decode(
///         self: Box<Self>,
///         visit: &mut dyn FnMut(&mut dyn erased_serde::Deserializer<'_>) -> Result<(), erased_serde::Error>,
///     ) -> Result<(), RpcError> {
///         let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(self.0.into_iter());
///         visit(&mut <dyn erased_serde::Deserializer>::erase(de))
///             .map_err(|e| RpcError::invalid_params(e.to_string()))
///     }
/// }
///
/// #[derive(serde::Deserialize)]
/// struct Greet { name: String }
///
/// let params = Params::custom(Pairs(vec![("name".into(), "ada".into())]));
/// assert_eq!(params.decode::<Greet>().unwrap().name, "ada");
/// ```
pub trait ParamsDecoder: Send + 'static {
    /// Runs `visit` with a deserializer over the parameters.
    fn decode(
        self: Box<Self>,
        visit: &mut dyn FnMut(
            &mut dyn erased_serde::Deserializer<'_>,
        ) -> Result<(), erased_serde::Error>,
    ) -> Result<(), RpcError>;
}

/// The parameters of a call, still in the payload's encoding.
///
/// They are decoded once, by serde, straight into the method's params struct,
/// which accepts named parameters (a map) and positional ones (a sequence) alike.
pub struct Params(Source);

enum Source {
    None,
    Json(Bytes),
    Custom(Box<dyn ParamsDecoder>),
}

impl Params {
    /// No parameters were given; decodes as an empty map.
    pub fn none() -> Self {
        Self(Source::None)
    }

    /// Parameters as JSON text: an array (positional) or an object (named).
    pub fn json(json: impl Into<Bytes>) -> Self {
        Self(Source::Json(json.into()))
    }

    /// Parameters behind a front end's own deserializer.
    pub fn custom(decoder: impl ParamsDecoder) -> Self {
        Self(Source::Custom(Box::new(decoder)))
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
            Source::None => crate::json::from_params(b"{}").map_err(invalid_params),
            Source::Json(bytes) => crate::json::from_params(&bytes).map_err(invalid_params),
            Source::Custom(decoder) => {
                let mut out = None;
                decoder.decode(&mut |de| {
                    out = Some(erased_serde::deserialize::<T>(de)?);
                    Ok(())
                })?;
                out.ok_or_else(|| {
                    RpcError::internal("the parameter decoder did not call its visitor")
                })
            }
        }
    }
}

fn invalid_params(err: serde_json::Error) -> RpcError {
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
            Source::Custom(_) => f.write_str("Params::Custom"),
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
