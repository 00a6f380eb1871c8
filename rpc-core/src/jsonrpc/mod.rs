//! JSON-RPC 2.0, the whole specification, independent of any transport.
//!
//! [`JsonRpc`] answers a payload (a single request, a batch, notifications)
//! through a [`Dispatcher`]; the HTTP and AMQP front ends hand it their bodies.
//! [`encode_call`] and [`decode_reply`] are the client side.

mod client;
mod discover;
mod encode;
pub mod envelope;
pub mod subscription;

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use futures_util::future::{Either, FutureExt, join_all};
use serde_json::value::RawValue;

pub use self::client::{decode_reply, encode_call};
pub use self::discover::DISCOVER;
use self::envelope::{Call, Entry, Id, Incoming, Invalid};
use crate::{Context, Dispatcher, Request, Response};

/// The answer to a payload refused before it could be read (too large, in an
/// encoding the server does not speak…): a JSON-RPC error object with a `null`
/// id, as the specification answers a request whose id is unknown.
///
/// ```
/// let answer = rpc_core::jsonrpc::encode_error(&rpc_core::RpcError::invalid_request("too large"));
/// assert_eq!(
///     String::from_utf8(answer).unwrap(),
///     r#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"too large"},"id":null}"#
/// );
/// ```
pub fn encode_error(err: &crate::RpcError) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    encode::write_error(&mut out, Id::NULL, err);
    out
}

/// The default bound on the number of requests in one batch.
pub const DEFAULT_MAX_BATCH_LEN: usize = 100;

/// Serves JSON-RPC 2.0 payloads through a [`Dispatcher`].
///
/// Single calls, batches (run concurrently, answered in one array, an empty
/// batch answered by one "invalid request" error), notifications (run, never
/// answered: a payload of notifications only has no answer at all), named and
/// positional params, and string, number and `null` ids echoed verbatim.
/// `rpc.discover` answers the OpenRPC document of every method.
///
/// ```
/// use rpc_core::{Context, Protocol, RpcError, jsonrpc::JsonRpc};
///
/// #[rpc_core::service]
/// pub trait Calc {
///     async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, RpcError>;
/// }
///
/// struct Impl;
/// impl Calc for Impl {
///     async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, RpcError> {
///         Ok(minuend - subtrahend)
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let jsonrpc = JsonRpc::new(CalcServer::new(Impl));
/// let body = r#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#;
/// let answer = jsonrpc.handle(body.into(), Context::new(Protocol::JsonRpc)).await.unwrap();
/// assert_eq!(answer, br#"{"jsonrpc":"2.0","result":19,"id":1}"#);
///
/// let notification = r#"{"jsonrpc": "2.0", "method": "subtract", "params": [1, 2]}"#;
/// assert!(jsonrpc.handle(notification.into(), Context::new(Protocol::JsonRpc)).await.is_none());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct JsonRpc {
    dispatcher: Dispatcher,
    max_batch_len: usize,
    /// The OpenRPC document, built on the first `rpc.discover`.
    discovery: Arc<OnceLock<Box<RawValue>>>,
}

impl JsonRpc {
    /// Serves the dispatcher's methods, with the default limits.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        Self {
            dispatcher: dispatcher.into(),
            max_batch_len: DEFAULT_MAX_BATCH_LEN,
            discovery: Arc::default(),
        }
    }

    /// Bounds the number of requests in one batch (default
    /// [`DEFAULT_MAX_BATCH_LEN`]); a longer batch is answered by one
    /// "invalid request" error.
    pub fn max_batch_len(mut self, max: usize) -> Self {
        self.max_batch_len = max;
        self
    }

    /// Whether `body` is a JSON-RPC payload at all (well-formed JSON, a
    /// request object or a non-empty batch); a transport that cannot answer
    /// (an AMQP message without `reply_to`) rejects what is not.
    ///
    /// ```
    /// # use rpc_core::jsonrpc::JsonRpc;
    /// # #[rpc_core::service] pub trait S { async fn m(&self); }
    /// # struct I; impl S for I { async fn m(&self) {} }
    /// let jsonrpc = JsonRpc::new(SServer::new(I));
    /// assert!(jsonrpc.check(br#"{"jsonrpc":"2.0","method":"m"}"#).is_ok());
    /// assert_eq!(jsonrpc.check(b"{oops").unwrap_err().code(), -32700);
    /// ```
    pub fn check(&self, body: &[u8]) -> Result<(), crate::RpcError> {
        match envelope::parse(&Bytes::copy_from_slice(body), self.max_batch_len) {
            Incoming::Rejected(err) | Incoming::Single(Err(Invalid { error: err, .. })) => Err(err),
            _ => Ok(()),
        }
    }

    /// The dispatcher.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Answers a payload; `None` when nothing is to be answered (notifications).
    /// Every call gets a clone of `context`.
    pub fn handle(
        &self,
        body: Bytes,
        context: Context,
    ) -> impl Future<Output = Option<Vec<u8>>> + Send + '_ {
        self.handle_parsed(self.parse(&body), context)
    }

    /// Reads a payload, within this codec's bound on batches; a front end
    /// that looks at the call first (a subscription?) answers it with
    /// [`handle_parsed`](Self::handle_parsed).
    pub fn parse(&self, body: &Bytes) -> Incoming {
        envelope::parse(body, self.max_batch_len)
    }

    /// Answers a payload already read by [`parse`](Self::parse).
    ///
    /// The futures of this codec are built by plain functions, not `async
    /// fn`s: each nested `async fn` would keep its arguments (the context,
    /// the call) beside the future it awaits, some 1.8 KB for one call
    /// that every front end's future holds and copies as it is built.
    pub fn handle_parsed(
        &self,
        incoming: Incoming,
        context: Context,
    ) -> impl Future<Output = Option<Vec<u8>>> + Send + '_ {
        match incoming {
            Incoming::Single(entry) => Either::Left(self.answer(entry, context)),
            Incoming::Batch(entries) => Either::Right(self.batch(entries, context).boxed()),
            Incoming::Rejected(err) => {
                let mut out = Vec::new();
                encode::write_error(&mut out, Id::NULL, &err);
                Either::Right(std::future::ready(Some(out)).boxed())
            }
        }
    }

    /// The answers to a batch, run concurrently, in one array.
    async fn batch(&self, entries: Vec<Entry>, context: Context) -> Option<Vec<u8>> {
        let answers = join_all(entries.into_iter().map(|e| self.answer(e, context.clone()))).await;
        let mut out = Vec::new();
        for answer in answers.into_iter().flatten() {
            out.push(if out.is_empty() { b'[' } else { b',' });
            out.extend_from_slice(&answer);
        }
        if out.is_empty() {
            None
        } else {
            out.push(b']');
            Some(out)
        }
    }

    /// The OpenRPC document of every method.
    fn discovery(&self) -> &RawValue {
        self.discovery.get_or_init(|| {
            let doc = discover::openrpc(&self.dispatcher);
            serde_json::value::to_raw_value(&doc).unwrap_or_else(|_| RawValue::NULL.to_owned())
        })
    }

    /// Runs one call (`rpc.discover` included) to its [`Response`], which
    /// may be a subscription's stream; a front end that carries streams
    /// ([`subscription`]) takes it from here.
    pub fn call(
        &self,
        method: Box<str>,
        params: crate::Params,
        id: Option<&Id>,
        mut context: Context,
    ) -> impl Future<Output = Response> + Send + use<> {
        if let (None, Some(id)) = (context.request_id(), id) {
            context.set_request_id(&id_text(id.as_bytes()));
        }
        if &*method == DISCOVER {
            Either::Left(std::future::ready(Response::ok(
                self.discovery().to_owned(),
            )))
        } else {
            Either::Right(
                self.dispatcher
                    .call(Request::new(String::from(method), params, context)),
            )
        }
    }

    /// The answer to one entry of a payload: the call started now, its
    /// response encoded once it comes.
    fn answer(
        &self,
        entry: Entry,
        context: Context,
    ) -> impl Future<Output = Option<Vec<u8>>> + Send + use<> {
        let started = match entry {
            Ok(Call { method, params, id }) => {
                Ok((self.call(method, params, id.as_ref(), context), id))
            }
            Err(Invalid { id, error }) => {
                let id = id.as_ref().map_or(Id::NULL, Id::as_bytes);
                let mut out = Vec::new();
                encode::write_error(&mut out, id, &error);
                Err(out)
            }
        };
        async move {
            match started {
                Ok((call, id)) => {
                    let response = call.await;
                    Some(encode_response(id?.as_bytes(), response))
                }
                Err(out) => Some(out),
            }
        }
    }
}

/// The response object to the call with id `id` (JSON text): its result,
/// or its error (for a subscription, the error that says where to
/// subscribe).
pub fn encode_response(id: &[u8], response: Response) -> Vec<u8> {
    // Room for a typical answer: growing by doubling from small costs copies.
    let mut out = Vec::with_capacity(512);
    match response.into_result() {
        Ok(value) => encode::write_result(&mut out, id, &value),
        Err(err) => encode::write_error(&mut out, id, &err),
    }
    out
}

/// A request's id as text for logs: a string's content, a number as written.
fn id_text(json: &[u8]) -> std::borrow::Cow<'_, str> {
    match String::from_utf8_lossy(json) {
        std::borrow::Cow::Borrowed(text) => {
            let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
            inner.filter(|i| !i.contains('\\')).unwrap_or(text).into()
        }
        // Not UTF-8 cannot come from a parsed body; shown as it can be.
        owned => owned,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_read_as_text_for_logs() {
        assert_eq!(super::id_text(b"7"), "7");
        assert_eq!(super::id_text(br#""abc""#), "abc");
        assert_eq!(super::id_text(br#""a\"b""#), r#""a\"b""#);
        let mut context = crate::Context::new(crate::Protocol::JsonRpc);
        context.set_request_id(&super::id_text("9".repeat(500).as_bytes()));
        assert_eq!(context.request_id().unwrap().len(), 128);
    }
}
