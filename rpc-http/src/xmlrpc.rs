//! The XML-RPC front end: `POST /RPC2`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use rpc_core::Protocol;
use rpc_core::xmlrpc::XmlRpc;

use crate::{Problem, body};

pub(crate) struct XmlRpcState {
    pub xmlrpc: XmlRpc,
    pub limits: body::Limits,
}

/// Answers one HTTP request: 200 with a `methodResponse` (a fault included),
/// and a problem document for what is not XML-RPC's to answer.
pub(crate) fn serve(
    State(state): State<Arc<XmlRpcState>>,
    request: Request,
) -> impl Future<Output = Response> + Send {
    // A block over the request's parts, not an `async fn`, which would keep
    // the whole request beside them in its future.
    let (parts, body) = request.into_parts();
    async move {
        if let Err(problem) = body::check_content_type(&parts.headers, "text/xml", body::is_xml) {
            return problem.into_response();
        }
        let bytes = match body::read(body, &parts.headers, state.limits).await {
            Ok(bytes) => bytes,
            Err(problem) => return problem.into_response(),
        };
        let context = crate::context::from_parts(Protocol::XmlRpc, parts);
        let answer = state.xmlrpc.handle(bytes, context).await;
        body::answer(StatusCode::OK, answer, "text/xml; charset=utf-8")
    }
}

/// Any method but `POST`: 405 with `Allow: POST`, as a problem document.
pub(crate) async fn method_not_allowed(method: http::Method) -> Response {
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed here: XML-RPC calls are POSTed"),
    );
    let mut response = problem.into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}
