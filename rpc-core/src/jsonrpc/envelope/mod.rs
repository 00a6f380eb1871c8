//! Reading JSON-RPC 2.0 request envelopes, without copying params or ids:
//! they stay slices of the body, decoded later straight into the params struct.
//! A single request is read by [`scan`] when it can, and through serde
//! otherwise.

mod scan;
#[cfg(test)]
mod tests;

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

/// The members of a request object as JSON text, however they were read.
#[derive(Debug, Default, PartialEq, Eq)]
struct Members<'a> {
    jsonrpc: Option<&'a str>,
    method: Option<&'a str>,
    params: Option<&'a str>,
    id: Option<&'a str>,
}

impl<'a> From<RawCall<'a>> for Members<'a> {
    fn from(raw: RawCall<'a>) -> Self {
        Self {
            jsonrpc: raw.jsonrpc.map(RawValue::get),
            method: raw.method.map(RawValue::get),
            params: raw.params.map(RawValue::get),
            id: raw.id.map(RawValue::get),
        }
    }
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
    if let Some(members) = scan::members(body) {
        return Incoming::Single(validate(members, body));
    }
    match serde_json::from_slice::<RawCall<'_>>(body) {
        Ok(raw) => Incoming::Single(validate(raw.into(), body)),
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
                Ok(raw) => validate(raw.into(), body),
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

fn validate(raw: Members<'_>, body: &Bytes) -> Entry {
    let id = match raw.id {
        None => None,
        Some(id) => match id.as_bytes().first() {
            Some(b'"' | b'-' | b'0'..=b'9' | b'n') => Some(Id(body.slice_ref(id.as_bytes()))),
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
    if raw.jsonrpc != Some(r#""2.0""#) {
        return Err(invalid(r#"invalid request: `jsonrpc` must be "2.0""#));
    }
    let Some(method) = raw.method.and_then(string) else {
        return Err(invalid("invalid request: `method` must be a string"));
    };
    let params = match raw.params {
        None => Params::none(),
        Some(params) if matches!(params.as_bytes().first(), Some(b'[' | b'{')) => {
            Params::json(body.slice_ref(params.as_bytes()))
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

/// The text of a JSON string; `None` if `json` is not one.
fn string(json: &str) -> Option<Cow<'_, str>> {
    match json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        // Well-formed JSON already: without a backslash, the text between
        // the quotes is the string.
        Some(plain) if !plain.contains('\\') => Some(Cow::Borrowed(plain)),
        _ => serde_json::from_str(json).ok(),
    }
}
