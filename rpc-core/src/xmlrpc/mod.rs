//! XML-RPC, the specification and its common extensions, independent of any
//! transport.
//!
//! The codec reads and writes values straight between XML (on quick-xml) and
//! Rust types (with serde), with no tree in between: every type of the
//! specification (`<int>`/`<i4>`, `<boolean>`, `<string>` and bare text,
//! `<double>`, `<dateTime.iso8601>` as [`DateTime`], `<base64>` as [`Base64`],
//! `<struct>`, `<array>`) and the `<nil/>` (`Option::None`, `()`) and `<i8>`
//! extensions.
//!
//! [`XmlRpc`] answers `methodCall` documents through a [`Dispatcher`], with
//! faults for errors and the introspection methods `system.listMethods`,
//! `system.methodHelp`, `system.methodSignature` and `system.multicall`.
//! [`encode_call`] and [`decode_response`] are the client side.
//!
//! Documents are read safely: a DOCTYPE is refused and no entity is ever
//! expanded (only the predefined ones and character references are read),
//! nesting is bounded, and anything malformed is a fault, never a panic.

mod de;
mod envelope;
mod introspection;
mod quick;
mod reader;
mod scan;
mod ser;
mod tag;
mod value;

use bytes::Bytes;
use futures_util::future::{BoxFuture, join_all};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) use self::envelope::XmlParams;
use self::envelope::{CallHead, parse_call, write_fault, write_response, xml_error};
pub use self::envelope::{decode_response, encode_call};
use self::introspection::{LIST_METHODS, METHOD_HELP, METHOD_SIGNATURE, MULTICALL};
pub use self::reader::DEFAULT_MAX_DEPTH;
use self::reader::Tokens;
pub use self::ser::EncodeError;
pub(crate) use self::ser::ValueSerializer;
use self::tag::Tag;
pub use self::value::{Base64, DateTime, InvalidDateTime};
use crate::{BoxSerialize, CallFuture, Context, Dispatcher, Params, Request, RpcError};

/// The answer to a document refused before it could be read (too large, in an
/// encoding the server does not speak…): a `methodResponse` holding a fault
/// with the error's code and message.
///
/// ```
/// let answer = rpc_core::xmlrpc::encode_fault(&rpc_core::RpcError::invalid_request("too large"));
/// let answer = String::from_utf8(answer).unwrap();
/// assert!(answer.contains("<name>faultCode</name><value><int>-32600</int>"), "{answer}");
/// assert!(answer.contains("<string>too large</string>"), "{answer}");
/// ```
pub fn encode_fault(err: &RpcError) -> Vec<u8> {
    write_fault(err)
}

/// The default bound on the number of calls in one `system.multicall`.
pub const DEFAULT_MAX_MULTICALL_LEN: usize = 100;

/// Serves XML-RPC `methodCall` documents through a [`Dispatcher`].
///
/// ```
/// use rpc_core::{Context, Protocol, RpcError, xmlrpc::XmlRpc};
///
/// /// Arithmetic.
/// #[rpc_core::service]
/// pub trait Calc {
///     /// Adds two numbers.
///     async fn add(&self, a: i32, b: i32) -> Result<i32, RpcError>;
/// }
///
/// struct Impl;
/// impl Calc for Impl {
///     async fn add(&self, a: i32, b: i32) -> Result<i32, RpcError> {
///         Ok(a + b)
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let xmlrpc = XmlRpc::new(CalcServer::new(Impl));
/// let call = "<?xml version='1.0'?><methodCall><methodName>add</methodName><params>\
///     <param><value><int>2</int></value></param><param><value><i4>3</i4></value></param>\
///     </params></methodCall>";
/// let answer = xmlrpc.handle(call.into(), Context::new(Protocol::XmlRpc)).await;
/// let answer = String::from_utf8(answer).unwrap();
/// assert!(answer.contains("<value><int>5</int></value>"), "{answer}");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct XmlRpc {
    dispatcher: Dispatcher,
    max_depth: usize,
    max_multicall_len: usize,
}

impl XmlRpc {
    /// Serves the dispatcher's methods, with the default limits.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        Self {
            dispatcher: dispatcher.into(),
            max_depth: DEFAULT_MAX_DEPTH,
            max_multicall_len: DEFAULT_MAX_MULTICALL_LEN,
        }
    }

    /// Bounds the nesting of elements in a document (default
    /// [`DEFAULT_MAX_DEPTH`]); a deeper one is a parse-error fault.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    /// Bounds the number of calls in one `system.multicall` (default
    /// [`DEFAULT_MAX_MULTICALL_LEN`]).
    pub fn max_multicall_len(mut self, len: usize) -> Self {
        self.max_multicall_len = len;
        self
    }

    /// Whether `body` is an XML-RPC `methodCall` at all (well-formed, safe, a
    /// method name); a transport that cannot answer rejects what is not.
    pub fn check(&self, body: &[u8]) -> Result<(), RpcError> {
        reader::validate(body, self.max_depth).map_err(xml_error)?;
        parse_call(body, self.max_depth)
            .map(drop)
            .map_err(xml_error)
    }

    /// Answers a `methodCall` document with a `methodResponse`: the result,
    /// or a fault. Every call gets `context`.
    pub fn handle(
        &self,
        body: Bytes,
        context: Context,
    ) -> impl Future<Output = Vec<u8>> + Send + '_ {
        // What runs before the call is done here, not in the future: an
        // `async fn` would keep the body, the context and the call beside
        // the future it awaits.
        let started = match parse_call(&body, self.max_depth) {
            Ok(CallHead {
                method,
                params_at,
                plain,
            }) => {
                let params = XmlParams {
                    body,
                    max_depth: self.max_depth,
                    plain,
                    at: params_at,
                    end: Tag::Params,
                };
                if &*method == MULTICALL {
                    Started::Multicall(Box::pin(self.multicall(params, context)))
                } else {
                    self.start(method, params, context)
                }
            }
            Err(err) => Started::Done(Err(xml_error(err))),
        };
        async move {
            match started.finish().await {
                Ok(value) => write_response(&value),
                Err(err) => write_fault(&err),
            }
        }
    }

    /// One call started: a built-in method answered at once, or the
    /// dispatcher's call.
    fn start(&self, method: Box<str>, params: XmlParams, context: Context) -> Started<'static> {
        match &*method {
            LIST_METHODS | METHOD_HELP | METHOD_SIGNATURE | MULTICALL => {
                Started::Done(self.built_in(&method, params))
            }
            _ => Started::Call(self.dispatcher.call(Request::new(
                String::from(method),
                Params::xml(params),
                context,
            ))),
        }
    }

    /// The answer of a built-in method (introspection), or the refusal of
    /// a `system.multicall` inside another.
    fn built_in(&self, method: &str, params: XmlParams) -> Result<BoxSerialize, RpcError> {
        let decode = Params::xml;
        match method {
            LIST_METHODS => Ok(Box::new(introspection::list_methods(&self.dispatcher))),
            METHOD_HELP => {
                let (name,): (String,) = decode(params).decode()?;
                Ok(Box::new(introspection::method_help(
                    &self.dispatcher,
                    &name,
                )?))
            }
            METHOD_SIGNATURE => {
                let (name,): (String,) = decode(params).decode()?;
                Ok(Box::new(introspection::method_signature(
                    &self.dispatcher,
                    &name,
                )?))
            }
            _ => Err(RpcError::invalid_request(
                "system.multicall cannot be called from within system.multicall",
            )),
        }
    }

    /// `system.multicall`: the calls run concurrently; each answer is a
    /// one-element array holding the result, or a fault struct in its place.
    async fn multicall(
        &self,
        params: XmlParams,
        context: Context,
    ) -> Result<BoxSerialize, RpcError> {
        let Some(at) = params.at else {
            return Err(RpcError::invalid_params(
                "system.multicall takes one param: an array of calls",
            ));
        };
        let mut tokens = Tokens::fragment(&params.body[at..], self.max_depth, params.plain);
        let de = de::ParamsDeserializer {
            tokens: &mut tokens,
            end: Tag::Params,
        };
        let decoded: Result<(Vec<MulticallEntry>,), de::DeError> = Deserialize::deserialize(de);
        let rest = match &decoded {
            Ok(_) => tokens.expect_last(Tag::MethodCall),
            Err(_) => Ok(()),
        };
        if tokens.syntax_failed() {
            let message = match (decoded, rest) {
                (Err(err), _) => err.0,
                (_, Err(err)) => err.message().to_owned(),
                _ => "the document is not well-formed".to_owned(),
            };
            return Err(RpcError::parse_error(format!("parse error: {message}")));
        }
        rest.map_err(xml_error)?;
        let (calls,) = decoded.map_err(|e| {
            RpcError::invalid_params(format!(
                "system.multicall takes an array of {{methodName, params}} structs: {e}"
            ))
        })?;
        if calls.len() > self.max_multicall_len {
            return Err(RpcError::invalid_request(format!(
                "system.multicall of {} calls is over the limit of {}",
                calls.len(),
                self.max_multicall_len
            )));
        }
        let answers = join_all(calls.into_iter().map(|entry| {
            let params = XmlParams {
                body: params.body.clone(),
                max_depth: self.max_depth,
                plain: params.plain,
                at: entry.params.map(|RawAt(start)| at + start),
                end: Tag::Data,
            };
            self.start(entry.method_name.into(), params, context.clone())
                .finish()
        }))
        .await;
        Ok(Box::new(
            answers.into_iter().map(MulticallAnswer).collect::<Vec<_>>(),
        ))
    }
}

/// A call started by [`XmlRpc::handle`]: its result, once it comes.
enum Started<'a> {
    /// Answered at once: a built-in method, or a call refused.
    Done(Result<BoxSerialize, RpcError>),
    /// The dispatcher's call.
    Call(CallFuture),
    /// `system.multicall`, its calls run concurrently.
    Multicall(BoxFuture<'a, Result<BoxSerialize, RpcError>>),
}

impl Started<'_> {
    async fn finish(self) -> Result<BoxSerialize, RpcError> {
        match self {
            Started::Done(result) => result,
            Started::Call(call) => call.await.into_result(),
            Started::Multicall(multicall) => multicall.await,
        }
    }
}

/// One call of a `system.multicall`.
#[derive(Deserialize)]
struct MulticallEntry {
    #[serde(rename = "methodName")]
    method_name: String,
    #[serde(default)]
    params: Option<RawAt>,
}

/// Where a value's content starts in the params being read.
struct RawAt(usize);

impl<'de> Deserialize<'de> for RawAt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct At;
        impl serde::de::Visitor<'_> for At {
            type Value = RawAt;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an XML-RPC value")
            }
            fn visit_u64<E: serde::de::Error>(self, at: u64) -> Result<RawAt, E> {
                Ok(RawAt(at as usize))
            }
        }
        deserializer.deserialize_newtype_struct(de::RAW, At)
    }
}

/// A multicall answer: `[result]`, or a fault struct.
struct MulticallAnswer(Result<BoxSerialize, RpcError>);

impl Serialize for MulticallAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(value) => {
                let value: &(dyn erased_serde::Serialize + Send) = &**value;
                [value].serialize(serializer)
            }
            Err(err) => {
                use serde::ser::SerializeStruct;
                let mut fault = serializer.serialize_struct("Fault", 2)?;
                fault.serialize_field("faultCode", &err.code())?;
                fault.serialize_field("faultString", err.message())?;
                fault.end()
            }
        }
    }
}
