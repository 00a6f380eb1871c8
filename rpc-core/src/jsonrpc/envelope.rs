//! Reading JSON-RPC 2.0 request envelopes, without copying params or ids:
//! they stay slices of the body, decoded later straight into the params struct.

use std::borrow::Cow;

use bytes::Bytes;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::{Params, RpcError};

/// The raw JSON text of a request's `id`: a string, a number or `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(Bytes);

impl Id {
    /// `null`, the id of an answer to a request whose id could not be read.
    pub const NULL: &'static [u8] = b"null";

    /// The id as JSON text, to echo verbatim.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A valid request object.
#[derive(Debug)]
pub struct Call {
    /// The method's name.
    pub method: Box<str>,
    /// The params, still JSON.
    pub params: Params,
    /// The id; `None` for a notification, which gets no answer.
    pub id: Option<Id>,
}

/// A request object that is not valid: answered with `error`, even without id.
#[derive(Debug)]
pub struct Invalid {
    /// The request's id, when it could be read; the answer's id is `null` otherwise.
    pub id: Option<Id>,
    /// Why the request is invalid.
    pub error: RpcError,
}

/// One element of a payload.
pub type Entry = Result<Call, Invalid>;

/// A whole payload.
#[derive(Debug)]
pub enum Incoming {
    /// One request object.
    Single(Entry),
    /// A batch: an array of one or more request objects.
    Batch(Vec<Entry>),
    /// A payload that is answered by one error with id `null`: not JSON,
    /// an empty batch, a batch over the limit.
    Rejected(RpcError),
}

/// The members of a request object, each kept as raw JSON. Presence is kept
/// apart from `null`: `"id": null` is a call, a missing `id` a notification.
#[derive(Deserialize)]
struct RawCall<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    params: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
}

fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(de).map(Some)
}

/// Reads a payload. `max_batch_len` bounds the number of requests in a batch.
pub fn parse(body: &Bytes, max_batch_len: usize) -> Incoming {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        return parse_batch(body, max_batch_len);
    }
    match serde_json::from_slice::<RawCall<'_>>(body) {
        Ok(raw) => Incoming::Single(validate(raw, body)),
        Err(err) if err.is_data() => Incoming::Single(Err(Invalid {
            id: None,
            error: not_a_request(),
        })),
        Err(err) => Incoming::Rejected(parse_error(&err)),
    }
}

fn parse_batch(body: &Bytes, max_batch_len: usize) -> Incoming {
    let items = match serde_json::from_slice::<Vec<&RawValue>>(body) {
        Ok(items) => items,
        Err(err) => return Incoming::Rejected(parse_error(&err)),
    };
    if items.is_empty() {
        return Incoming::Rejected(RpcError::invalid_request(
            "invalid request: a batch must hold at least one request",
        ));
    }
    if items.len() > max_batch_len {
        return Incoming::Rejected(RpcError::invalid_request(format!(
            "invalid request: a batch of {} requests is over the limit of {max_batch_len}",
            items.len()
        )));
    }
    let entries = items
        .into_iter()
        .map(
            |item| match serde_json::from_str::<RawCall<'_>>(item.get()) {
                Ok(raw) => validate(raw, body),
                Err(_) => Err(Invalid {
                    id: None,
                    error: not_a_request(),
                }),
            },
        )
        .collect();
    Incoming::Batch(entries)
}

fn parse_error(err: &serde_json::Error) -> RpcError {
    RpcError::parse_error(format!("parse error: {err}"))
}

fn not_a_request() -> RpcError {
    RpcError::invalid_request("invalid request: a request must be a JSON object")
}

fn validate(raw: RawCall<'_>, body: &Bytes) -> Entry {
    let id = match raw.id {
        None => None,
        Some(id) => match id.get().as_bytes().first() {
            Some(b'"' | b'-' | b'0'..=b'9' | b'n') => Some(Id(body.slice_ref(id.get().as_bytes()))),
            _ => {
                return Err(Invalid {
                    id: None,
                    error: RpcError::invalid_request(
                        "invalid request: `id` must be a string, a number or null",
                    ),
                });
            }
        },
    };
    let invalid = |message: &'static str| Invalid {
        id: id.clone(),
        error: RpcError::invalid_request(message),
    };
    if raw.jsonrpc.map(RawValue::get) != Some(r#""2.0""#) {
        return Err(invalid(r#"invalid request: `jsonrpc` must be "2.0""#));
    }
    let method = match raw
        .method
        .map(|m| serde_json::from_str::<Cow<'_, str>>(m.get()))
    {
        Some(Ok(method)) => method,
        _ => return Err(invalid("invalid request: `method` must be a string")),
    };
    let params = match raw.params {
        None => Params::none(),
        Some(params) if matches!(params.get().as_bytes().first(), Some(b'[' | b'{')) => {
            Params::json(body.slice_ref(params.get().as_bytes()))
        }
        Some(_) => {
            return Err(invalid(
                "invalid request: `params` must be an array or an object",
            ));
        }
    };
    Ok(Call {
        method: method.into(),
        params,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(body: &'static str) -> Entry {
        match parse(&Bytes::from_static(body.as_bytes()), 10) {
            Incoming::Single(entry) => entry,
            other => panic!("not a single request: {other:?}"),
        }
    }

    fn rejected(body: &'static str) -> RpcError {
        match parse(&Bytes::from_static(body.as_bytes()), 2) {
            Incoming::Rejected(err) => err,
            other => panic!("not rejected: {other:?}"),
        }
    }

    #[test]
    fn reads_a_call_and_keeps_id_and_params_raw() {
        let call =
            single(r#"{"jsonrpc":"2.0","method":"sub","params":[42, 23],"id":"a\"b"}"#).unwrap();
        assert_eq!(&*call.method, "sub");
        assert_eq!(call.id.unwrap().as_bytes(), br#""a\"b""#);
        let (a, b): (i32, i32) = call.params.decode().unwrap();
        assert_eq!(a - b, 19);
    }

    #[test]
    fn null_id_is_a_call_and_missing_id_a_notification() {
        let call = single(r#"{"jsonrpc":"2.0","method":"m","id":null}"#).unwrap();
        assert_eq!(call.id.unwrap().as_bytes(), b"null");
        let note = single(r#"{"jsonrpc":"2.0","method":"m"}"#).unwrap();
        assert!(note.id.is_none());
    }

    #[test]
    fn invalid_requests_keep_a_readable_id() {
        let bad = single(r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#).unwrap_err();
        assert_eq!(bad.error.code(), RpcError::INVALID_REQUEST);
        assert!(bad.id.is_none());
        let bad = single(r#"{"jsonrpc":"1.0","method":"m","id":7}"#).unwrap_err();
        assert_eq!(bad.id.unwrap().as_bytes(), b"7");
        let bad = single(r#"{"jsonrpc":"2.0","method":"m","id":{"x":1}}"#).unwrap_err();
        assert!(bad.id.is_none());
        let bad = single(r#"{"jsonrpc":"2.0","method":"m","params":3,"id":1}"#).unwrap_err();
        assert!(bad.error.message().contains("params"));
        let bad = single("42").unwrap_err();
        assert_eq!(bad.error.code(), RpcError::INVALID_REQUEST);
    }

    #[test]
    fn rejects_what_is_not_json_or_an_acceptable_batch() {
        assert_eq!(
            rejected(r#"{"jsonrpc":"2.0","method":"foobar"#).code(),
            RpcError::PARSE_ERROR
        );
        assert_eq!(
            rejected(r#"[{"jsonrpc":"2.0"},"#).code(),
            RpcError::PARSE_ERROR
        );
        assert_eq!(rejected("").code(), RpcError::PARSE_ERROR);
        assert_eq!(rejected(" [ ] ").code(), RpcError::INVALID_REQUEST);
        assert!(rejected("[1,2,3]").message().contains("limit of 2"));
    }

    #[test]
    fn a_batch_reads_each_element() {
        let body = Bytes::from_static(br#"[1, {"jsonrpc":"2.0","method":"m","id":1}]"#);
        let Incoming::Batch(entries) = parse(&body, 10) else {
            panic!("not a batch")
        };
        assert!(entries[0].is_err());
        assert!(entries[1].is_ok());
    }
}
