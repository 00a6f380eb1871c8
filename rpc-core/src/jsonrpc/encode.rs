//! Writing JSON-RPC 2.0 response objects.

use crate::{BoxSerialize, RpcError};

/// Appends `{"jsonrpc":"2.0","result":…,"id":…}`; if the value fails to
/// serialize, appends an internal error instead.
pub(crate) fn write_result(out: &mut Vec<u8>, id: &[u8], value: &BoxSerialize) {
    let start = out.len();
    out.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
    match value.write_json(out) {
        Ok(()) => {
            out.extend_from_slice(br#","id":"#);
            out.extend_from_slice(id);
            out.push(b'}');
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a method's result as JSON");
            out.truncate(start);
            write_error(
                out,
                id,
                &RpcError::internal("internal error: the result cannot be encoded"),
            );
        }
    }
}

/// Appends `{"jsonrpc":"2.0","error":{…},"id":…}`.
pub(crate) fn write_error(out: &mut Vec<u8>, id: &[u8], err: &RpcError) {
    out.extend_from_slice(br#"{"jsonrpc":"2.0","error":"#);
    // An RpcError is a number, a string and a JSON value: it always serializes.
    if serde_json::to_writer(&mut *out, err).is_err() {
        out.extend_from_slice(br#"{"code":-32603,"message":"internal error"}"#);
    }
    out.extend_from_slice(br#","id":"#);
    out.extend_from_slice(id);
    out.push(b'}');
}
