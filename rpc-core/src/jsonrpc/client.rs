//! The client side of the envelope: encoding a call, decoding its reply.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

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

/// A response object, its result decoded as `R` in the same pass.
#[derive(Deserialize)]
#[serde(bound = "R: DeserializeOwned")]
struct Reply<R> {
    // Present, even as `null` (the result of a method that returns `()`).
    #[serde(default, deserialize_with = "present")]
    result: Option<R>,
    #[serde(default)]
    error: Option<RpcError>,
}

fn present<'de, D: Deserializer<'de>, R: Deserialize<'de>>(de: D) -> Result<Option<R>, D::Error> {
    R::deserialize(de).map(Some)
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
    let reply: Reply<R> = serde_json::from_slice(body).map_err(ClientError::decode)?;
    match (reply.result, reply.error) {
        (_, Some(err)) => Err(ClientError::Rpc(err)),
        (Some(result), None) => Ok(result),
        (None, None) => Err(ClientError::decode(
            "the response object has neither `result` nor `error`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_result_is_a_result() {
        decode_reply::<()>(br#"{"jsonrpc":"2.0","result":null,"id":1}"#).unwrap();
        let none: Option<i32> = decode_reply(br#"{"id":1,"result":null,"jsonrpc":"2.0"}"#).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn the_result_is_read_wherever_it_stands() {
        let servers: Vec<String> =
            decode_reply(br#"{"id":1,"result":["a","b"],"jsonrpc":"2.0"}"#).unwrap();
        assert_eq!(servers, ["a", "b"]);
    }

    #[test]
    fn an_error_object_is_the_servers_error() {
        let err = decode_reply::<i32>(
            br#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"bad","data":{"field":"x"}},"id":1}"#,
        )
        .unwrap_err();
        let rpc = err.rpc().unwrap();
        assert_eq!((rpc.code(), rpc.message()), (-32602, "bad"));
    }

    #[test]
    fn what_is_no_reply_is_a_decode_error() {
        for body in [
            &br#"{"jsonrpc":"2.0","id":1}"#[..],
            br#"{"jsonrpc":"2.0","result":"three","id":1}"#,
            b"not json",
        ] {
            let err = decode_reply::<i32>(body).unwrap_err();
            assert!(matches!(err, ClientError::Decode(_)), "{err:?}");
        }
    }
}
