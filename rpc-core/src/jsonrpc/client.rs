//! The client side of the envelope: encoding a call, decoding its reply.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::{ClientError, RpcError};

#[derive(Serialize)]
struct OutgoingCall<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
    id: u64,
}

/// Encodes the request object of a call of `method` with id `id`.
///
/// ```
/// let body = rpc_core::jsonrpc::encode_call("add", &[1, 2], 7).unwrap();
/// assert_eq!(body, br#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":7}"#);
/// ```
pub fn encode_call<P: Serialize>(
    method: &str,
    params: &P,
    id: u64,
) -> Result<Vec<u8>, ClientError> {
    let call = OutgoingCall {
        jsonrpc: "2.0",
        method,
        params,
        id,
    };
    serde_json::to_vec(&call).map_err(ClientError::transport)
}

#[derive(Deserialize)]
struct Reply<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<RpcError>,
}

fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(de).map(Some)
}

/// Decodes the response object of a call: its result as `R`, or its error as
/// [`ClientError::Rpc`].
///
/// ```
/// use rpc_core::jsonrpc::decode_reply;
///
/// let sum: i32 = decode_reply(br#"{"jsonrpc":"2.0","result":3,"id":7}"#).unwrap();
/// assert_eq!(sum, 3);
/// let err = decode_reply::<i32>(br#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"no"},"id":7}"#)
///     .unwrap_err();
/// assert_eq!(err.rpc().unwrap().code(), -32601);
/// ```
pub fn decode_reply<R: DeserializeOwned>(body: &[u8]) -> Result<R, ClientError> {
    let reply: Reply<'_> = serde_json::from_slice(body).map_err(ClientError::decode)?;
    match (reply.result, reply.error) {
        (_, Some(err)) => Err(ClientError::Rpc(err)),
        (Some(result), None) => serde_json::from_str(result.get()).map_err(ClientError::decode),
        (None, None) => Err(ClientError::decode(
            "the response object has neither `result` nor `error`",
        )),
    }
}
