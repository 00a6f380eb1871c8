//! The JSON-RPC 2.0 front end: `POST /jsonrpc`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use rpc_core::Protocol;
use rpc_core::jsonrpc::JsonRpc;

use crate::body;

pub(crate) struct JsonRpcState {
    pub jsonrpc: JsonRpc,
    pub limits: body::Limits,
}

/// Answers one HTTP request: 200 with the JSON-RPC answer (errors included, as
/// the protocol's own error objects), 204 when the payload held only
/// notifications, and a problem document for what is not JSON-RPC's to answer.
pub(crate) fn serve(
    State(state): State<Arc<JsonRpcState>>,
    request: Request,
) -> impl Future<Output = Response> + Send {
    // A block over the request's parts, not an `async fn`, which would keep
    // the whole request beside them in its future.
    let (parts, body) = request.into_parts();
    async move {
        if let Err(problem) =
            body::check_content_type(&parts.headers, "application/json", body::is_json)
        {
            return problem.into_response();
        }
        let bytes = match body::read(body, &parts.headers, state.limits).await {
            Ok(bytes) => bytes,
            Err(problem) => return problem.into_response(),
        };
        let context = crate::context::from_parts(Protocol::JsonRpc, parts);
        match state.jsonrpc.handle(bytes, context).await {
            Some(answer) => body::answer(StatusCode::OK, answer, "application/json"),
            None => StatusCode::NO_CONTENT.into_response(),
        }
    }
}

/// Any method but `POST`: 405 with `Allow: POST`, as a problem document.
pub(crate) async fn method_not_allowed(method: http::Method) -> Response {
    let problem = crate::Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed here: JSON-RPC calls are POSTed"),
    );
    let mut response = problem.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}
