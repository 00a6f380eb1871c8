//! The client side of the envelope: encoding a call, decoding its reply.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::{ClientError, RpcError};

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
    // Written piece by piece into one buffer of about the right size, where
    // `serde_json::to_vec` would grow an empty one several times.
    let mut body = Vec::with_capacity(64 + method.len());
    body.extend_from_slice(br#"{"jsonrpc":"2.0","method":"#);
    if method.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        // Nothing to escape (every method name of a `#[service]`).
        body.push(b'"');
        body.extend_from_slice(method.as_bytes());
        body.push(b'"');
    } else {
        serde_json::to_writer(&mut body, method).map_err(ClientError::transport)?;
    }
    body.extend_from_slice(br#","params":"#);
    serde_json::to_writer(&mut body, params).map_err(ClientError::transport)?;
    body.extend_from_slice(br#","id":"#);
    serde_json::to_writer(&mut body, &id).map_err(ClientError::transport)?;
    body.push(b'}');
    Ok(body)
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
    fn a_call_is_encoded_as_serde_json_would() {
        #[derive(Serialize)]
        struct Call<'a, P> {
            jsonrpc: &'static str,
            method: &'a str,
            params: P,
            id: u64,
        }
        let params = serde_json::json!({"name": "a \"quoted\" name", "n": [1, 2]});
        for method in [
            "get_active_servers",
            "with \"quotes\"",
            "back\\slash",
            "tab\t",
            "ünï",
        ] {
            for id in [0, 7, u64::MAX] {
                let expected = serde_json::to_vec(&Call {
                    jsonrpc: "2.0",
                    method,
                    params: &params,
                    id,
                })
                .unwrap();
                assert_eq!(
                    encode_call(method, &params, id).unwrap(),
                    expected,
                    "{method}"
                );
            }
        }
    }

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
