//! Subscriptions over JSON-RPC 2.0, on a transport that carries messages
//! both ways (a WebSocket): the answer to a subscribe call is the
//! subscription's id; each item is a notification named for the method,
//! `{"jsonrpc":"2.0","method":"watch","params":{"subscription":ID,"result":ITEM}}`;
//! the end of the stream, or an error in it, is a last notification with
//! `"end":true` or `"error":{…}` in place of `"result"`; and
//! `rpc.unsubscribe` with `{"subscription":ID}` ends one early.
//!
//! ```
//! use rpc_core::jsonrpc::subscription::{Message, decode_message, encode_end, encode_item};
//!
//! let item: rpc_core::BoxSerialize = Box::new(7);
//! let mut out = Vec::new();
//! encode_item(&mut out, "watch", "s1", &item).unwrap();
//! assert_eq!(
//!     String::from_utf8(out.clone()).unwrap(),
//!     r#"{"jsonrpc":"2.0","method":"watch","params":{"subscription":"s1","result":7}}"#
//! );
//! match decode_message(&out).unwrap() {
//!     Message::Item { subscription, item } => assert_eq!((subscription.as_str(), item.get()), ("s1", "7")),
//!     _ => unreachable!(),
//! }
//! let mut end = Vec::new();
//! encode_end(&mut end, "watch", "s1", None);
//! assert!(matches!(decode_message(&end).unwrap(), Message::End { error: None, .. }));
//! let mut heartbeat = Vec::new();
//! rpc_core::jsonrpc::subscription::encode_heartbeat(&mut heartbeat, "s1");
//! assert!(matches!(decode_message(&heartbeat).unwrap(), Message::Heartbeat { .. }));
//! ```

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{BoxSerialize, RpcError};

/// The method that ends a subscription early: `{"subscription": ID}`.
pub const UNSUBSCRIBE: &str = "rpc.unsubscribe";

/// The notification a transport without a connection of its own (AMQP)
/// sends while a subscription is idle, `{"subscription": ID}`: the
/// subscriber knows the server is there, and the server that its
/// subscriber is.
pub const HEARTBEAT: &str = "rpc.heartbeat";

/// The params of [`UNSUBSCRIBE`].
#[derive(Debug, Deserialize)]
pub struct Unsubscribe {
    /// The id of the subscription to end.
    pub subscription: String,
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    // A string always serializes.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Appends the answer to a subscribe call with id `id` (JSON text):
/// `{"jsonrpc":"2.0","result":SUBSCRIPTION,"id":ID}`.
pub fn encode_subscribed(out: &mut Vec<u8>, id: &[u8], subscription: &str) {
    out.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
    write_string(out, subscription);
    out.extend_from_slice(br#","id":"#);
    out.extend_from_slice(id);
    out.push(b'}');
}

fn start_notification(out: &mut Vec<u8>, method: &str, subscription: &str) {
    out.extend_from_slice(br#"{"jsonrpc":"2.0","method":"#);
    write_string(out, method);
    out.extend_from_slice(br#","params":{"subscription":"#);
    write_string(out, subscription);
}

/// Appends the notification of one item of `subscription` to `method`.
pub fn encode_item(
    out: &mut Vec<u8>,
    method: &str,
    subscription: &str,
    item: &BoxSerialize,
) -> serde_json::Result<()> {
    start_notification(out, method, subscription);
    out.extend_from_slice(br#","result":"#);
    item.write_json(out)?;
    out.extend_from_slice(b"}}");
    Ok(())
}

/// Appends a [`HEARTBEAT`] of `subscription`.
pub fn encode_heartbeat(out: &mut Vec<u8>, subscription: &str) {
    start_notification(out, HEARTBEAT, subscription);
    out.extend_from_slice(b"}}");
}

/// Appends the last notification of `subscription`: its end, or the error
/// that ended it.
pub fn encode_end(out: &mut Vec<u8>, method: &str, subscription: &str, error: Option<&RpcError>) {
    start_notification(out, method, subscription);
    match error {
        None => out.extend_from_slice(br#","end":true"#),
        Some(err) => {
            out.extend_from_slice(br#","error":"#);
            if serde_json::to_writer(&mut *out, err).is_err() {
                out.extend_from_slice(br#"{"code":-32603,"message":"internal error"}"#);
            }
        }
    }
    out.extend_from_slice(b"}}");
}

/// A message a subscriber receives.
#[derive(Debug)]
#[non_exhaustive]
pub enum Message<'a> {
    /// A [`HEARTBEAT`] of a subscription.
    Heartbeat {
        /// The subscription.
        subscription: String,
    },
    /// The response to a call of the subscriber's (its id, and the whole
    /// response object, for [`decode_reply`](super::decode_reply)).
    Reply {
        /// The call's id, when it is a number.
        id: Option<u64>,
    },
    /// An item of a subscription.
    Item {
        /// The subscription.
        subscription: String,
        /// The item, as JSON.
        item: &'a RawValue,
    },
    /// The last word of a subscription: its end, or the error that ended it.
    End {
        /// The subscription.
        subscription: String,
        /// The error, if it did not just end.
        error: Option<RpcError>,
    },
}

#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    method: Option<&'a str>,
    #[serde(borrow, default)]
    params: Option<RawParams<'a>>,
}

#[derive(Deserialize)]
struct RawParams<'a> {
    subscription: String,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<RpcError>,
    #[serde(default)]
    end: bool,
}

/// Reads a message a subscriber receives.
pub fn decode_message(body: &[u8]) -> Result<Message<'_>, crate::ClientError> {
    let raw: Raw<'_> = serde_json::from_slice(body).map_err(crate::ClientError::decode)?;
    match (raw.method, raw.params) {
        (Some(HEARTBEAT), Some(params)) => Ok(Message::Heartbeat {
            subscription: params.subscription,
        }),
        (Some(_), Some(params)) => match (params.result, params.error, params.end) {
            (Some(item), None, false) => Ok(Message::Item {
                subscription: params.subscription,
                item,
            }),
            (None, error, _) => Ok(Message::End {
                subscription: params.subscription,
                error,
            }),
            _ => Err(crate::ClientError::decode(
                "a subscription notification with both a result and an end",
            )),
        },
        _ => Ok(Message::Reply {
            id: raw.id.and_then(|id| id.as_u64()),
        }),
    }
}
